# testlib.sh - helpers of the check scripts (sourced, not run): set NAME
# first. Gives BUILD, VLAB, a scratch directory $T removed on exit, counters
# and ok/bad/expect/has/finish.
BUILD=${BUILD:-build}
VLAB=${VLAB:-$BUILD/vlab}
T=$(mktemp -d "${TMPDIR:-/tmp}/vlab_$NAME.XXXXXX")
trap 'rm -rf "$T"' EXIT
pass=0
fail=0

ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "$NAME: FAIL: $*"; }

# expect RC DESCRIPTION CMD... : run, keep stdout/stderr in $T/out, $T/err
expect() {
    want=$1; what=$2; shift 2
    "$@" >"$T/out" 2>"$T/err"
    rc=$?
    if [ "$rc" -eq "$want" ]; then ok; else
        bad "$what: exit $rc, expected $want"
        sed 's/^/    out: /' "$T/out" | head -5
        sed 's/^/    err: /' "$T/err" | head -5
    fi
}
# has FILE TEXT DESCRIPTION: fixed-string search
has() {
    if grep -qF -- "$2" "$1"; then ok; else bad "$3: '$2' not in $(basename "$1"): $(head -c 400 "$1")"; fi
}
# finish: the count line, and the exit status of the script
finish() {
    echo "$NAME: $pass passed, $fail failed"
    [ "$fail" -eq 0 ]
}
