#!/bin/sh
# run.sh - `make bench`: MIPS per core on compiled CPU-bound programs, and
# the host time of each technique of the monitor against native on them.
# A benchmark, not a test: it prints figures and never fails on a time.
BUILD=${BUILD:-build}
sh tests/programs/build.sh "$BUILD/programs" >/dev/null || exit 1
echo "== m68k, native (guest instructions per host second)"
for p in sieve sort checksum fib; do
  "$BUILD/bench/bench_cpu" m68k:68000 "$BUILD/programs/$p.m68k.elf" 1.5
done
echo "== ppc 750, native"
for p in sieve sort checksum fib; do
  "$BUILD/bench/bench_cpu" ppc:750 "$BUILD/programs/$p.ppc.elf" 1.5
done
echo "== x86 i386, native"
for p in sieve sort checksum fib; do
  "$BUILD/bench/bench_cpu" x86:i386 "$BUILD/programs/$p.x86.elf" 1.5
done
echo "== m68k 68010 under the monitor (trap-and-emulate) vs native"
for p in sieve sort checksum fib; do
  "$BUILD/bench/bench_vmm" m68k:68010 "$BUILD/programs/$p.m68k.elf" 1
done
echo "== ppc 750 under the monitor (trap-and-emulate) vs native"
for p in sieve sort checksum fib; do
  "$BUILD/bench/bench_vmm" ppc:750 "$BUILD/programs/$p.ppc.elf" 1
done
echo "== x86 i386 under the monitor (trap-and-emulate, ring compression) vs native"
for p in sieve sort checksum fib; do
  "$BUILD/bench/bench_vmm" x86:i386 "$BUILD/programs/$p.x86.elf" 1
done
echo "== every technique of the monitor: monitored/native host time per guest instruction, fastest run of each (a ratio above 1: slower than native; the ratio of the total times in brackets)"
for target in m68k:68000:m68k ppc:750:ppc x86:i386:x86; do
  im=${target%:*}
  for p in sieve fib; do
    "$BUILD/bench/bench_vmm" --techniques "$im" "$BUILD/programs/$p.${target##*:}.elf" 0.5
  done
done
echo "== user-heavy code (P.user: the same programs in user mode under a minimal guest kernel, crt0_user_*.S): every technique"
for target in m68k:68000:m68k ppc:750:ppc x86:i386:x86; do
  im=${target%:*}
  for p in sieve fib; do
    "$BUILD/bench/bench_vmm" --techniques "$im" "$BUILD/programs/$p.user.${target##*:}.elf" 0.5
  done
done
echo "== one trap-and-emulate round trip (host time)"
"$BUILD/bench/bench_vmm" --trap m68k:68010
"$BUILD/bench/bench_vmm" --trap ppc:750
"$BUILD/bench/bench_vmm" --trap x86:i386
echo "== vlab table for 68000 + 68010 + 750, 8 states (sweep wall time)"
"$BUILD/bench/bench_sweep"
