#!/bin/sh
# run.sh - the suite runner behind `make test` (and `make check-asan`).
#
#   1. every tests/test_*.c, built as $BUILD/tests/test_* (cmocka units, vectors...)
#   2. every tests/lua/*.lua through `$BUILD/vlab run`
#   3. every tests/*.sh check script (cli, programs, binutils judge...)
#
# Prints one line per suite and a total; exits non-zero if anything failed.
# A suite that skipped something because a package is missing (allowed
# locally, a failure under VLAB_CI: tests/testlib.sh) shows its SKIP lines.
# BUILD is the build directory (default: build); VLAB_TEST_TIMEOUT the
# seconds one test may take (default 1800). POSIX sh.
BUILD=${BUILD:-build}
export BUILD
VLAB=$BUILD/vlab
LOG=$BUILD/test-logs
mkdir -p "$LOG"
# a hung test must not hang CI: each one gets VLAB_TEST_TIMEOUT seconds
TIMEOUT=""
command -v timeout >/dev/null 2>&1 && TIMEOUT=${VLAB_TEST_TIMEOUT:-1800}

total_pass=0
total_fail=0
summary=""

note() { summary="$summary$1
"; }

# run_one NAME LOGFILE CMD...: run a test, record pass/fail, show the log on failure
run_one() {
    name=$1; log=$2; shift 2
    if [ -n "$TIMEOUT" ]; then
        timeout "$TIMEOUT" "$@" >"$log" 2>&1
    else
        "$@" >"$log" 2>&1
    fi
    rc=$?
    [ $rc -eq 124 ] && [ -n "$TIMEOUT" ] && echo "(killed after ${TIMEOUT}s)" >>"$log"
    if [ $rc -eq 0 ]; then
        echo "  ok    $name"
        grep 'SKIP: ' "$log" | sed 's/^/        /'
        return 0
    fi
    echo "  FAIL  $name (exit $rc, log $log)"
    sed -n '1,60p' "$log" | sed 's/^/        /'
    return 1
}

suite() { # suite NAME PASS FAIL
    note "$(printf '%-8s %3d passed, %d failed' "$1" "$2" "$3")"
    total_pass=$((total_pass + $2))
    total_fail=$((total_fail + $3))
}

# 1. C unit tests
echo "== unit tests ($BUILD/tests)"
p=0; f=0
for src in tests/test_*.c; do
    n=$(basename "$src" .c)
    t=$BUILD/tests/$n
    # every tests/test_*.c is a suite: one that was not built fails
    if [ ! -x "$t" ]; then echo "  FAIL  $n ($t not built)"; f=$((f + 1)); continue; fi
    if run_one "$n" "$LOG/$n.log" "$t"; then p=$((p + 1)); else f=$((f + 1)); fi
done
suite units $p $f

# 2. Lua API tests
echo "== Lua tests (tests/lua)"
p=0; f=0
if [ ! -x "$VLAB" ]; then
    echo "  FAIL  $VLAB not built"; f=1
else
    for t in tests/lua/*.lua; do
        [ -f "$t" ] || continue
        n=$(basename "$t" .lua)
        [ "$n" = testlib ] && continue # the tests' helpers
        if run_one "$n" "$LOG/lua_$n.log" "$VLAB" run "$t"; then p=$((p + 1)); else f=$((f + 1)); fi
    done
fi
suite lua $p $f

# 3. check scripts
echo "== check scripts (tests/*.sh)"
p=0; f=0
for t in tests/*.sh; do
    [ -f "$t" ] || continue
    n=$(basename "$t" .sh)
    [ "$n" = run ] && continue
    [ "$n" = testlib ] && continue # the helpers, sourced by the others
    if run_one "$n" "$LOG/sh_$n.log" sh "$t"; then p=$((p + 1)); else f=$((f + 1)); fi
done
suite checks $p $f

echo "== summary"
printf '%s' "$summary"
echo "total    $total_pass passed, $total_fail failed"
[ "$total_fail" -eq 0 ]
