# testlib.sh - helpers of the check scripts (sourced, not run): set NAME
# first. Gives BUILD, VLAB, a scratch directory $T removed on exit, counters,
# ok/bad/expect/has/finish and the missing-package policy (need/have).
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

# ---- missing packages: one policy for every test --------------------------
# A test that needs a Debian package (make deps, DEB_PKGS in the Makefile)
# which is not installed prints "SKIP: <package> not installed" and passes
# when run locally. Under VLAB_CI (exported by .ci/run) the same absence is
# a failure: CI never skips. The same rule for the C tests is in
# tests/testlib.h, for the Lua tests in tests/lua/testlib.lua.
in_ci() { [ -n "${VLAB_CI:-}" ] && [ "$VLAB_CI" != 0 ]; }
# missing PACKAGE WHAT: say that PACKAGE is absent (WHAT: what is not run);
# status 0 = skip (locally), 1 = fail (under VLAB_CI)
missing() {
    if in_ci; then
        echo "$NAME: FAIL: $1 not installed ($2); VLAB_CI is set: CI never skips (make deps installs it)"
        return 1
    fi
    echo "$NAME: SKIP: $1 not installed ($2; make deps installs it)"
    return 0
}
# need PACKAGE CMD...: the whole test needs the commands CMD... of PACKAGE;
# when one is missing the script ends here (exit 0 locally, 1 under VLAB_CI)
need() {
    _pkg=$1; shift
    for _c in "$@"; do
        command -v "$_c" >/dev/null 2>&1 && continue
        missing "$_pkg" "no $_c: $NAME not run"
        exit $?
    done
}
# have PACKAGE CMD...: one part of the test needs them: true when present;
# otherwise false, after a SKIP line (locally) or a counted failure (CI)
have() {
    _pkg=$1; shift
    for _c in "$@"; do
        command -v "$_c" >/dev/null 2>&1 && continue
        missing "$_pkg" "no $_c: part of $NAME not run" || fail=$((fail + 1))
        return 1
    done
    return 0
}

# san_preload: the sanitizer runtimes a host program (luajit, lua5.4) must
# preload to load the ASan/UBSan build of $BUILD/libvlab.so or vlab.so
# (make check-asan); empty for a plain build. Exits the test when missing.
san_preload() {
    grep -qa __asan_init "$BUILD/libvlab.so" 2>/dev/null || return 0
    _pre=
    for _r in libasan.so libubsan.so; do
        _p=$(${CC:-cc} -print-file-name=$_r)
        [ -f "$_p" ] || { echo "$NAME: FAIL: $_r of ${CC:-cc} not found, needed to load the sanitized $BUILD libraries" >&2; exit 1; }
        _pre="$_pre $_p"
    done
    echo "${_pre# }"
}
