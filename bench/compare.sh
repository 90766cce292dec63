#!/bin/sh
# compare.sh - speed of the current tree against a baseline commit, measured
# as ratios in one session (a benchmark: it prints figures, it never fails on
# a time).
#
#   bench/compare.sh [-n ROUNDS] [-r RUNS] [-k INSNS] [-m ISA:MODEL]... BASE
#   make bench BASE=<commit>          (the same, with the defaults)
#
# Builds BASE's libvlab.a in a temporary git worktree and the current tree's,
# links the current tree's bench/bench_cpu.c driver against each (so both run
# the same driver and the same guest programs, tests/programs built once),
# then runs every program on both, interleaved (base, current, current, base,
# ...), ROUNDS rounds (default 7) of RUNS runs each (default 10: the programs
# are short), and prints the minimum time of one run of each and the ratio
# base/current (above 1: the current tree is faster). The guest
# instruction counts of the two must be equal, or the comparison says so and
# exits 1: a speed-up may change nothing but time.
# With valgrind installed it also prints host instructions per guest
# instruction (callgrind, deterministic): (Ir(INSNS) - Ir(1)) / (n - 1) over
# a run with a budget of INSNS guest instructions (default 2000000; n the
# instructions it ran: a program may end sooner) and one of 1, so that
# loading and machine setup cancel out.
# Models: -m, repeatable (default ppc:750 m68k:68000).
set -e
ROUNDS=7
RUNS=10
K=2000000
MODELS=""
while [ $# -gt 1 ]; do
  case $1 in
    -n) ROUNDS=$2; shift 2 ;;
    -r) RUNS=$2; shift 2 ;;
    -k) K=$2; shift 2 ;;
    -m) MODELS="$MODELS $2"; shift 2 ;;
    *) break ;;
  esac
done
if [ $# -ne 1 ]; then
  echo "usage: bench/compare.sh [-n ROUNDS] [-r RUNS] [-k INSNS] [-m ISA:MODEL]... BASE" >&2
  exit 2
fi
BASE=$1
[ -n "$MODELS" ] || MODELS="ppc:750 m68k:68000"
case $ROUNDS in ''|*[!0-9]*|0) echo "compare.sh: -n needs a number >= 1" >&2; exit 2 ;; esac
case $RUNS in ''|*[!0-9]*|0) echo "compare.sh: -r needs a number >= 1" >&2; exit 2 ;; esac
case $K in ''|*[!0-9]*|0|1) echo "compare.sh: -k needs a number >= 2" >&2; exit 2 ;; esac
top=$(git rev-parse --show-toplevel)
cd "$top"
rev=$(git rev-parse --verify -q "$BASE^{commit}") || { echo "compare.sh: $BASE: no such commit" >&2; exit 2; }
BUILD=${BUILD:-build}
CC=${CC:-cc}
tmp=$(mktemp -d "${TMPDIR:-/tmp}/vlab-compare.XXXXXX")
cleanup() { git worktree remove --force "$tmp/base" >/dev/null 2>&1 || true; rm -rf "$tmp"; }
trap cleanup EXIT INT TERM

echo "== building $BASE ($rev) and the current tree"
git worktree add --detach "$tmp/base" "$rev" >/dev/null 2>&1
make -s -C "$tmp/base" -j2 build/libvlab.a >"$tmp/base.log" 2>&1 || { cat "$tmp/base.log"; exit 1; }
make -s -j2 "$BUILD/libvlab.a" >"$tmp/cur.log" 2>&1 || { cat "$tmp/cur.log"; exit 1; }
sh tests/programs/build.sh "$BUILD/programs" >/dev/null
link() { # link LIBRARY OUT: the current driver against a library
  $CC -std=c11 -D_GNU_SOURCE -O2 -Iinclude -o "$2" bench/bench_cpu.c \
    -Wl,--whole-archive "$1" -Wl,--no-whole-archive -lm -lpthread
}
link "$tmp/base/build/libvlab.a" "$tmp/bench_base"
link "$BUILD/libvlab.a" "$tmp/bench_cur"

# min over ROUNDS rounds of RUNS runs of each, interleaved; the order
# alternates each round
status=0
for im in $MODELS; do
  isa=${im%%:*}
  echo "== $im: min of $ROUNDS x $RUNS runs, interleaved (time ratio base/current: above 1 is faster)"
  printf '%-10s %12s %12s %8s %14s\n' program "base s" "current s" ratio instructions
  for p in sieve sort checksum fib; do
    elf=$BUILD/programs/$p.$isa.elf
    [ -f "$elf" ] || { printf '%-10s (no %s)\n' "$p" "$elf"; continue; }
    bmin=""; cmin=""; bn=""; cn=""; i=0
    while [ $i -lt "$ROUNDS" ]; do
      if [ $((i % 2)) -eq 0 ]; then order="base cur"; else order="cur base"; fi
      for v in $order; do
        set -- $("$tmp/bench_$v" "$im" "$elf" --runs "$RUNS")
        if [ $v = base ]; then
          bn=$2; bmin=$(awk -v a="$1" -v b="$bmin" 'BEGIN { print (b == "" || a < b) ? a : b }')
        else
          cn=$2; cmin=$(awk -v a="$1" -v b="$cmin" 'BEGIN { print (b == "" || a < b) ? a : b }')
        fi
      done
      i=$((i + 1))
    done
    note=""
    if [ "$bn" != "$cn" ]; then note="  INSTRUCTION COUNTS DIFFER: base $bn, current $cn"; status=1; fi
    awk -v p="$p" -v b="$bmin" -v c="$cmin" -v n="$cn" -v note="$note" \
      'BEGIN { printf "%-10s %12.4f %12.4f %8.2f %14s%s\n", p, b, c, (c > 0 ? b / c : 0), n, note }'
  done
done

if command -v valgrind >/dev/null 2>&1; then
  ir() { # ir DRIVER ISA:MODEL ELF BUDGET: "host-instructions guest-instructions" of one run
    valgrind --tool=callgrind --callgrind-out-file=/dev/null --log-file="$tmp/vg.log" \
      "$1" "$2" "$3" --runs 1 --max "$4" >"$tmp/vg.out"
    echo "$(sed -n 's/.*Collected : *\([0-9]*\).*/\1/p' "$tmp/vg.log") $(cut -d' ' -f2 "$tmp/vg.out")"
  }
  for im in $MODELS; do
    isa=${im%%:*}
    echo "== $im: host instructions per guest instruction (callgrind, $K-instruction budget)"
    printf '%-10s %10s %10s\n' program base current
    for p in sieve sort checksum fib; do
      elf=$BUILD/programs/$p.$isa.elf
      [ -f "$elf" ] || continue
      b1=$(ir "$tmp/bench_base" "$im" "$elf" 1); bk=$(ir "$tmp/bench_base" "$im" "$elf" "$K")
      c1=$(ir "$tmp/bench_cur" "$im" "$elf" 1); ck=$(ir "$tmp/bench_cur" "$im" "$elf" "$K")
      echo "$p $b1 $bk $c1 $ck" | awk '{ printf "%-10s %10.1f %10.1f\n", $1, ($4 - $2) / ($5 - $3), ($8 - $6) / ($9 - $7) }'
    done
  done
else
  echo "(valgrind not installed: no host-instruction figures)"
fi
exit $status
