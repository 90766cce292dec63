#!/bin/sh
# programs.sh - whole programs: C compiled for the 68000, the PowerPC 750 and
# the i386 with gcc, run to completion by `vlab exec` (natively, and under the
# monitor for the ISAs it virtualizes);
# the console must match the same C built for the host. `make test` builds
# them first (tests/programs/build.sh into $BUILD/programs, the Makefile's
# test-programs rule); build.sh does nothing when they are up to date.
# Needs the cross compilers (the missing-package policy of tests/testlib.sh:
# SKIP locally, FAIL under VLAB_CI).
NAME=programs
. "$(dirname "$0")/testlib.sh"
need gcc-m68k-linux-gnu m68k-linux-gnu-gcc
need gcc-powerpc-linux-gnu powerpc-linux-gnu-gcc
out=$BUILD/programs
PROGS="sieve sort checksum fib"
sh tests/programs/build.sh "$out" 2>"$T/build.log" || { cat "$T/build.log"; echo "programs: FAIL: build"; exit 1; }
# run ISA:MODEL FILE-SUFFIX [exec options...]: every program
run() {
  model=$1; suffix=$2; shift 2
  for p in $PROGS; do
    exp=$out/$p.expected
    if [ ! -s "$exp" ] || [ ! -f "$out/$p.$suffix.elf" ]; then
      bad "$model $p: $exp or $out/$p.$suffix.elf missing (tests/programs/build.sh)"; continue
    fi
    json=$("$VLAB" exec --isa "$model" --max 500000000 --json "$@" "$out/$p.$suffix.elf")
    rc=$?
    want=$(sed 's/$/\\n/' "$exp" | tr -d '\n')
    if [ $rc -eq 0 ] && printf '%s' "$json" | grep -qF "\"console\": \"$want\"" &&
       printf '%s' "$json" | grep -qF '"stop": "halt"'; then
      ok; echo "programs: $model $* $p ok ($(cat "$exp"))"
    else
      bad "$model $* $p (exit $rc)"
      echo "  want: $want"; echo "  got:  $json" | cut -c1-400
    fi
  done
}
run m68k:68000 m68k
run m68k:68010 m68k
run ppc:750 ppc
run m68k:68000 m68k --vmm trap-and-emulate
run m68k:68010 m68k --vmm trap-and-emulate
run ppc:750 ppc --vmm trap-and-emulate
run m68k:68000 m68k --vmm hw-assist
run m68k:68010 m68k --vmm hw-assist:vt
run ppc:750 ppc --vmm hw-assist
run x86:i386 x86
run x86:pentium x86
run x86:i386 x86 --vmm trap-and-emulate
run x86:pentium x86 --vmm trap-and-emulate
run x86:i386 x86 --vmm hw-assist
run x86:pentium x86 --vmm hw-assist:vt
run m68k:68000 m68k --vmm binary-translation
run ppc:750 ppc --vmm binary-translation
run x86:i386 x86 --vmm binary-translation
run m68k:68000 m68k --vmm scan-and-patch
run x86:pentium x86 --vmm scan-and-patch
# the user-mode variants (crt0_user_*.S: a minimal kernel drops to user
# mode before main; the user-heavy benchmark of `make bench`)
run m68k:68000 user.m68k
run ppc:750 user.ppc
run x86:i386 user.x86
run m68k:68000 user.m68k --vmm trap-and-emulate
run ppc:750 user.ppc --vmm trap-and-emulate
run x86:i386 user.x86 --vmm trap-and-emulate
run m68k:68000 user.m68k --vmm binary-translation
run ppc:750 user.ppc --vmm binary-translation
run x86:i386 user.x86 --vmm binary-translation
# 4 programs, 29 ways each
[ "$pass" -eq 116 ] || bad "$pass of 116 runs passed"
finish
