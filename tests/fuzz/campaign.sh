#!/bin/sh
# campaign.sh - a fuzzing campaign: each target for a time budget, with the
# executions, the failures and (with -c) the line coverage of the cores'
# interpreters and of the monitor. Not part of `make test` (its smoke test,
# tests/fuzz_campaign.sh, runs it for a few seconds).
#
#   tests/fuzz/campaign.sh [-s SECONDS] [-c] [-S SEED] [-o OUTDIR] [-a] TARGET...
#
#   -s SECONDS  budget per target (default 60)
#   -c          coverage: a gcc --coverage build of the seeded driver in
#               OUTDIR/build-cov; gcov's line coverage of isa/*/exec.c and
#               vmm/*.c, over all the targets run, is printed at the end
#   -S SEED     the seeded driver's first seed (default 1); after a failure the
#               target goes on with the next seed for the rest of its budget
#   -o OUTDIR   where the logs, failing inputs and summary go (default
#               build-campaign)
#   -a          AddressSanitizer + UBSan (the driver of build-asan, as make
#               fuzz-smoke builds it)
#   TARGET      a name `fuzz-driver --list` prints, or `all`
#
# Engine: a target's libFuzzer binary when `make fuzz` built one
# (build-fuzz/fuzz/fuzz-TARGET; not with -c), else the seeded driver
# (BUILD/fuzz/fuzz-driver, BUILD default build; built when missing).
# Failing inputs are kept as OUTDIR/TARGET-failure-N.bin (replay them with
# `fuzz-driver --target TARGET FILE`), the summary in OUTDIR/summary.txt.
# Exit: 0 no failure, 1 a failure, 2 a usage error.
set -u
usage() {
    echo "usage: tests/fuzz/campaign.sh [-s SECONDS] [-c] [-S SEED] [-o OUTDIR] [-a] TARGET..." >&2
    echo "  (TARGET: a name 'fuzz-driver --list' prints, or all)" >&2
    exit 2
}
bad() { echo "campaign.sh: $*" >&2; exit 2; }
is_uint() { case $1 in '' | *[!0-9]*) return 1 ;; *) return 0 ;; esac; }

SECONDS_PER=60 COV=0 SEED=1 OUT=build-campaign ASAN=0
while getopts "s:cS:o:a" opt; do
    case $opt in
    s) is_uint "$OPTARG" && [ "$OPTARG" -gt 0 ] || bad "-s wants a number of seconds > 0 (got '$OPTARG')"
       SECONDS_PER=$OPTARG ;;
    c) COV=1 ;;
    S) is_uint "$OPTARG" || bad "-S wants a non-negative integer seed (got '$OPTARG')"
       SEED=$OPTARG ;;
    o) [ -n "$OPTARG" ] || bad "-o wants a directory"
       OUT=$OPTARG ;;
    a) ASAN=1 ;;
    *) usage ;;
    esac
done
shift $((OPTIND - 1))
[ $# -gt 0 ] || usage
[ -f Makefile ] && [ -d tests/fuzz ] || bad "run it from the top of the vlab tree"
mkdir -p "$OUT" || bad "cannot create $OUT"
OUT=$(cd "$OUT" && pwd)
ASAN_FLAGS="-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined"

# the seeded driver this campaign runs
BUILD=${BUILD:-build}
if [ $COV -eq 1 ]; then
    command -v gcov >/dev/null 2>&1 || bad "-c needs gcov (Debian: gcc)"
    DB=$OUT/build-cov
    SAN="--coverage"
    [ $ASAN -eq 1 ] && SAN="$SAN $ASAN_FLAGS"
    echo "campaign: building the coverage driver in $DB" >&2
    make -s BUILD="$DB" CC=gcc OPT=-O1 SAN="$SAN" "$DB/fuzz/fuzz-driver" >"$OUT/build.log" 2>&1 ||
        { tail -20 "$OUT/build.log" >&2; echo "campaign.sh: the coverage build failed" >&2; exit 1; }
    find "$DB" -name '*.gcda' -exec rm -f {} + # this campaign's counts only
elif [ $ASAN -eq 1 ]; then
    DB=build-asan
    make -s BUILD=build-asan OPT=-O1 SAN="$ASAN_FLAGS" build-asan/fuzz/fuzz-driver >"$OUT/build.log" 2>&1 ||
        { tail -20 "$OUT/build.log" >&2; echo "campaign.sh: the ASan build failed" >&2; exit 1; }
else
    DB=$BUILD
    if [ ! -x "$DB/fuzz/fuzz-driver" ]; then
        make -s BUILD="$DB" "$DB/fuzz/fuzz-driver" >"$OUT/build.log" 2>&1 ||
            { tail -20 "$OUT/build.log" >&2; echo "campaign.sh: the build failed" >&2; exit 1; }
    fi
fi
DRIVER=$DB/fuzz/fuzz-driver
KNOWN=$("$DRIVER" --list | awk '{ print $1 }')

TARGETS=""
for t in "$@"; do
    if [ "$t" = all ]; then TARGETS="$TARGETS $KNOWN"; continue; fi
    echo "$KNOWN" | grep -qx -- "$t" || bad "unknown target '$t' (known: $(echo $KNOWN))"
    TARGETS="$TARGETS $t"
done

SUMMARY=$OUT/summary.txt
: >"$SUMMARY"
say() { echo "$*"; echo "$*" >>"$SUMMARY"; }
say "campaign: ${SECONDS_PER} s per target, seed $SEED, $( [ $ASAN -eq 1 ] && echo "ASan+UBSan" || echo plain)$( [ $COV -eq 1 ] && echo ", coverage")"
any_fail=0
# SIGTERM or SIGINT (kill the script and its driver, or Ctrl-C): the driver
# stops after its input at hand and prints its count, the target's line is
# written with what ran, and the targets after it are left out
stopped=0
trap 'stopped=1' TERM INT
for t in $TARGETS; do
    [ $stopped -eq 0 ] || break
    execs=0 fails=0 k=0 run=0
    start=$(date +%s)
    lf=build-fuzz/fuzz/fuzz-$t
    if [ $COV -eq 0 ] && [ -x "$lf" ]; then
        engine=libFuzzer
        mkdir -p "$OUT/corpus/$t"
        log=$OUT/$t.log
        ASAN_OPTIONS=detect_leaks=1 "$lf" -max_total_time="$SECONDS_PER" -timeout=20 -print_final_stats=1 \
            -artifact_prefix="$OUT/$t-" "$OUT/corpus/$t" "tests/fuzz/corpus/$t" >"$log" 2>&1 || fails=1
        execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
        execs=${execs:-0}
        run=$SECONDS_PER
    else
        engine="seeded driver"
        while :; do
            now=$(date +%s)
            left=$((SECONDS_PER - (now - start)))
            [ $left -gt 0 ] || break
            log=$OUT/$t-$k.log
            rm -f "$OUT/fuzz-failure-$t.bin"
            # the budget bounds the random inputs; timeout bounds the rest
            # (the target's set-up, one slow input) should it hang
            VLAB_FUZZ_OUT=$OUT timeout $((left + 120)) "$DRIVER" --target "$t" --seed $((SEED + k)) \
                --iterations 1000000000 --seconds "$left" >"$log" 2>&1
            rc=$?
            # "TARGET  N inputs (...), T s, R exec/s": the inputs and the time they took
            n=$(sed -n "s/^$t  *\([0-9][0-9]*\) inputs .*/\1/p" "$log" | tail -1)
            d=$(sed -n "s/^$t  *[0-9][0-9]* inputs .*, \([0-9.]*\) s, .*/\1/p" "$log" | tail -1)
            run=$(awk -v a="$run" -v b="${d:-$left}" 'BEGIN { print a + b }')
            if [ -z "$n" ]; then # stopped by a failure: count the inputs it got through
                n=$(sed -n 's/.*--only \([0-9][0-9]*\).*/\1/p' "$log" | tail -1)
                n=${n:-0}
            fi
            execs=$((execs + n))
            if [ $rc -ne 0 ]; then
                fails=$((fails + 1))
                [ -f "$OUT/fuzz-failure-$t.bin" ] && mv "$OUT/fuzz-failure-$t.bin" "$OUT/$t-failure-$fails.bin"
                grep -m1 'FUZZ FAILURE\|ERROR: AddressSanitizer\|runtime error' "$log" | sed "s/^/  $t: /"
                [ $fails -ge 20 ] && break
            fi
            k=$((k + 1))
            [ $rc -eq 0 ] && break # the budget was spent (or the run was stopped)
            [ $stopped -eq 0 ] || break
        done
    fi
    # the rate over the inputs' own time (not the target's set-up: the sweep of code-*)
    rate=$(awk -v n="$execs" -v s="$run" 'BEGIN { printf "%.0f", (s > 0 ? n / s : 0) }')
    say "$(printf '%-14s %10s execs in %4d s, %7s exec/s, %d failure(s) (%s)%s' "$t" "$execs" \
        "$(($(date +%s) - start))" "$rate" "$fails" "$engine" "$([ $stopped -eq 1 ] && echo ', stopped')")"
    [ $fails -eq 0 ] || any_fail=1
done

# line coverage: gcov reads the counts next to each object
if [ $COV -eq 1 ]; then
    covline() { # covline LABEL OBJDIR SOURCE...
        label=$1 objdir=$2
        shift 2
        (cd "$OUT" && gcov -n -o "$objdir" "$@" 2>/dev/null) | awk -v label="$label" '
            /^File / { f = 1; next }
            f && /^Lines executed:/ {
                sub(/^Lines executed:/, ""); split($0, a, "% of ");
                hit += a[1] * a[2] / 100; all += a[2]; f = 0 }
            END { if (all) printf "coverage %-22s %5.1f%% of %d lines\n", label, 100 * hit / all, all
                  else printf "coverage %-22s no counts (not run)\n", label }'
    }
    for isa in isa/*/; do
        isa=${isa%/}
        [ -f "$isa/exec.c" ] || continue
        say "$(covline "$isa/exec.c" "$DB/obj/$isa" "$(pwd)/$isa/exec.c")"
    done
    say "$(covline "vmm/" "$DB/obj/vmm" $(ls "$(pwd)"/vmm/*.c))"
fi
exit $any_fail
