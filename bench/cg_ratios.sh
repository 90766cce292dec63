#!/bin/sh
# cg_ratios.sh - monitored/native host-instruction ratios (callgrind,
# deterministic) of the C programs under chosen techniques: one
# `bench_vmm --technique T` run each (one native and one monitored run, the
# timed windows only: the inclusive cost of vlab_run and of vl_vm_run), so
# the figure is what bench_vmm's host time ratio measures, without the noise.
#   bench/cg_ratios.sh [-t TECHNIQUE]... [-m ISA:MODEL]... [-p PROGRAM]...
# Defaults: trap-and-emulate and hw-assist; m68k:68000 m68k:68010 ppc:750
# x86:i386 x86:pentium; sieve sort checksum fib. Needs valgrind.
BUILD=${BUILD:-build}
TECHS=""; MODELS=""; PROGS=""
while [ $# -gt 0 ]; do
  case $1 in
    -t) TECHS="$TECHS $2"; shift 2 ;;
    -m) MODELS="$MODELS $2"; shift 2 ;;
    -p) PROGS="$PROGS $2"; shift 2 ;;
    *) echo "usage: bench/cg_ratios.sh [-t TECHNIQUE]... [-m ISA:MODEL]... [-p PROGRAM]..." >&2; exit 2 ;;
  esac
done
[ -n "$TECHS" ] || TECHS="trap-and-emulate hw-assist"
[ -n "$MODELS" ] || MODELS="m68k:68000 m68k:68010 ppc:750 x86:i386 x86:pentium"
[ -n "$PROGS" ] || PROGS="sieve sort checksum fib"
command -v valgrind >/dev/null 2>&1 || { echo "cg_ratios.sh: valgrind not installed" >&2; exit 1; }
tmp=$(mktemp -d "${TMPDIR:-/tmp}/vlab-cg.XXXXXX")
trap 'rm -rf "$tmp"' EXIT INT TERM
printf '%-12s %-18s' model technique
for p in $PROGS; do printf ' %9s' "$p"; done
echo
for im in $MODELS; do
  isa=${im%%:*}
  for t in $TECHS; do
    printf '%-12s %-18s' "$im" "$t"
    for p in $PROGS; do
      elf=$BUILD/programs/$p.$isa.elf
      if ! valgrind --tool=callgrind --callgrind-out-file="$tmp/cg" --log-file="$tmp/log" \
           "$BUILD/bench/bench_vmm" --technique "$t" "$im" "$elf" 1e-9 >"$tmp/out" 2>&1; then
        printf ' %9s' fail; continue
      fi
      callgrind_annotate --inclusive=yes "$tmp/cg" 2>/dev/null >"$tmp/ann"
      nat=$(sed -n 's/^ *\([0-9,]*\) .*:vlab_run \[.*/\1/p' "$tmp/ann" | tr -d , | head -1)
      mon=$(sed -n 's/^ *\([0-9,]*\) .*:vl_vm_run \[.*/\1/p' "$tmp/ann" | tr -d , | head -1)
      awk -v n="$nat" -v m="$mon" 'BEGIN { if (n > 0) printf " %9.3f", m / n; else printf " %9s", "?" }'
    done
    echo
  done
done
