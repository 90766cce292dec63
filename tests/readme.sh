#!/bin/sh
# readme.sh - the summary tables shown in README.md (and in the handout,
# docs/popek-goldberg.md) are the ones `vlab table` computes now: a table
# there is never typed in by hand. Each block sits between the markers
# "<!-- vlab table ARGS summary: begin/end -->" and is compared with the
# first table `vlab table ARGS` prints; the README's count of x86 forms that
# leak under the monitor is the table's. VLAB_UPDATE_README=1 rewrites the
# blocks from the measurement.
BUILD=${BUILD:-build}
T=$(mktemp -d "${TMPDIR:-/tmp}/vlab_readme.XXXXXX")
trap 'rm -rf "$T"' EXIT
status=0
check() { # check FILE MARKER ARGS...: the block after "<!-- MARKER summary: begin -->" in FILE
    file=$1; marker=$2; shift 2
    "$BUILD/vlab" table "$@" -o "$T/table.md" || { echo "readme: FAIL: vlab table $* exited $?"; status=1; return; }
    awk '/^\| ISA \|/ { on = 1 } on && !/^\|/ { exit } on { print }' "$T/table.md" >"$T/measured"
    awk -v b="<!-- $marker summary: begin -->" -v e="<!-- $marker summary: end -->" \
        '$0 == e { on = 0 } on { print } $0 == b { on = 1 }' "$file" >"$T/readme"
    if [ -n "$VLAB_UPDATE_README" ]; then
        awk -v f="$T/measured" -v b="<!-- $marker summary: begin -->" -v e="<!-- $marker summary: end -->" \
            '$0 == b { print; while ((getline l < f) > 0) print l; skip = 1; next }
             $0 == e { skip = 0 } !skip' "$file" >"$T/README.new" && cp "$T/README.new" "$file"
        echo "readme: $file: $marker block rewritten"; return
    fi
    if [ ! -s "$T/measured" ]; then echo "readme: FAIL: no summary table in vlab table $*"; status=1; return; fi
    if [ ! -s "$T/readme" ]; then echo "readme: FAIL: $file has no '$marker summary' block"; status=1; return; fi
    if cmp -s "$T/measured" "$T/readme"; then
        echo "readme: $file: the '$marker' summary is what vlab table $* measures ($(wc -l <"$T/measured") lines)"
    else
        echo "readme: FAIL: $file: the '$marker' summary differs from vlab table $* (VLAB_UPDATE_README=1 sh tests/readme.sh rewrites it):"
        diff "$T/readme" "$T/measured"; status=1
    fi
}
check README.md "vlab table"
check README.md "vlab table --technique hybrid" --technique hybrid
check README.md "vlab table --technique hw-assist" --technique hw-assist
check docs/popek-goldberg.md "vlab table"

# The techniques side by side: the block between
# "<!-- vlab run scripts/techniques_summary.lua: begin/end -->" is what the
# script prints now (the sweep under every technique and the
# micro-benchmarks' simulated costs: deterministic), line for line
B="<!-- vlab run scripts/techniques_summary.lua: begin -->"
E="<!-- vlab run scripts/techniques_summary.lua: end -->"
if "$BUILD/vlab" run scripts/techniques_summary.lua >"$T/techs" 2>"$T/techs.err" && [ -s "$T/techs" ]; then
    if [ -n "$VLAB_UPDATE_README" ]; then
        awk -v f="$T/techs" -v b="$B" -v e="$E" '$0 == b { print; while ((getline l < f) > 0) print l; skip = 1; next }
             $0 == e { skip = 0 } !skip' README.md >"$T/README.new" && cp "$T/README.new" README.md
        echo "readme: README.md: the techniques block rewritten"
    fi
    awk -v b="$B" -v e="$E" '$0 == e { on = 0 } on { print } $0 == b { on = 1 }' README.md >"$T/readme.techs"
    if ! grep -qxF -- "$B" README.md || ! grep -qxF -- "$E" README.md; then
        echo "readme: FAIL: README.md has no '$B' ... '$E' block"; status=1
    elif cmp -s "$T/techs" "$T/readme.techs"; then
        echo "readme: README.md: the techniques table is what scripts/techniques_summary.lua computes ($(wc -l <"$T/techs") lines)"
    else
        echo "readme: FAIL: README.md: the techniques table differs from what scripts/techniques_summary.lua prints (VLAB_UPDATE_README=1 sh tests/readme.sh rewrites it):"
        diff "$T/readme.techs" "$T/techs"; status=1
    fi
else
    echo "readme: FAIL: vlab run scripts/techniques_summary.lua failed: $(head -3 "$T/techs.err")"; status=1
fi

# The README's prose: "under the monitor N forms leak" is the i386 row's leaks
said=$(tr '\n' ' ' <README.md | sed -n 's/.*under the monitor \([0-9][0-9]*\) forms leak.*/\1/p')
measured=$(awk -F'|' '/^<!-- vlab table summary: begin -->$/ { on = 1 } on && $3 ~ / i386 / { gsub(/ /, "", $10); print $10; exit }' README.md)
if [ -n "$said" ] && [ "$said" = "$measured" ]; then
    echo "readme: the README says $said x86 forms leak under the monitor, as its table does"
else
    echo "readme: FAIL: the README says '$said' x86 forms leak under the monitor, its table '$measured'"; status=1
fi

# The first lab: the README's code is scenarios/first.lua without its
# comments, and the output shown is what it prints.
awk '/^Is `MOVE from SR` privileged/ { on = 1 } on && /^```lua$/ { c = 1; next } c && /^```$/ { exit } c { print }' \
    README.md >"$T/readme.lua"
grep -v '^--' scenarios/first.lua >"$T/first.lua"
if [ -s "$T/readme.lua" ] && cmp -s "$T/readme.lua" "$T/first.lua"; then
    echo "readme: the first lab's code is scenarios/first.lua"
else
    echo "readme: FAIL: the README's first lab differs from scenarios/first.lua:"; diff "$T/readme.lua" "$T/first.lua"; status=1
fi
awk '/^Is `MOVE from SR` privileged/ { on = 1 } on && /^```$/ { n++; next } on && n == 2 { print } n == 3 { exit }' \
    README.md >"$T/readme.out"
"$BUILD/vlab" run scenarios/first.lua >"$T/first.out" 2>&1
if [ -s "$T/readme.out" ] && cmp -s "$T/readme.out" "$T/first.out"; then
    echo "readme: the first lab prints what the README shows"
else
    echo "readme: FAIL: the first lab prints something else than the README shows:"; diff "$T/readme.out" "$T/first.out"; status=1
fi
exit $status
