#!/bin/sh
# demo.sh - what `make demo` shows: assemble a tiny 68000 program that prints
# through the MMIO console, disassemble it, run it, then run the first
# scenario from scenarios/ (if any), after the measured trap-vs-leak table.
set -e
BUILD=${BUILD:-build}
VLAB=$BUILD/vlab
T=$(mktemp -d "${TMPDIR:-/tmp}/vlab_demo.XXXXXX")
trap 'rm -rf "$T"' EXIT

cat >"$T/hello.s" <<'SRC'
| hello.s - print a line through the console at 0x00DFF000, then stop
        .equ    CONSOLE, 0x00dff000
start:  lea     msg,a0
loop:   move.b  (a0)+,d0
        beq     done
        move.b  d0,CONSOLE
        bra     loop
done:   stop    #0x2700
msg:    .asciz  "hello from the 68000\n"
SRC

echo "== the program (hello.s)"
cat "$T/hello.s"
echo
echo "== vlab asm --isa m68k --org 0x1000 -o hello.bin hello.s"
"$VLAB" asm --isa m68k --org 0x1000 -o "$T/hello.bin" "$T/hello.s"
echo "   $(wc -c <"$T/hello.bin") bytes"
echo
echo "== vlab disasm --isa m68k --org 0x1000 hello.bin"
"$VLAB" disasm --isa m68k --org 0x1000 "$T/hello.bin"
echo
echo "== vlab exec --isa m68k --org 0x1000 hello.bin"
"$VLAB" exec --isa m68k --org 0x1000 "$T/hello.bin"
echo
echo "== vlab exec --isa m68k --org 0x1000 --json hello.bin"
"$VLAB" exec --isa m68k --org 0x1000 --json "$T/hello.bin"

echo
echo "== vlab table (every instruction form of every model, measured; summary first)"
"$VLAB" table -o "$BUILD/table.md"
"$VLAB" table --format html -o "$BUILD/table.html"
awk '/^## / && !/^## Summary/ { exit } { print }' "$BUILD/table.md"
echo "(the whole table: $BUILD/table.md and $BUILD/table.html)"
# a picture of the HTML page, when Debian's chromium is there (make deps)
if command -v chromium >/dev/null 2>&1; then
    case $BUILD in /*) B=$BUILD ;; *) B=$PWD/$BUILD ;; esac
    timeout 120 chromium --headless --no-sandbox --disable-gpu --no-first-run --user-data-dir="$T/profile" \
        --window-size=1200,1600 --screenshot="$B/table.png" "file://$B/table.html" >/dev/null 2>&1 &&
        echo "(a screenshot of it: $BUILD/table.png)"
fi

# one scenario: the classic MOVE from SR lab if it is there, else the first one
scenario=""
[ -f scenarios/m68k-move-from-sr.lua ] && scenario=scenarios/m68k-move-from-sr.lua
if [ -z "$scenario" ]; then
    for s in scenarios/*.lua; do
        [ -f "$s" ] && { scenario=$s; break; }
    done
fi
if [ -n "$scenario" ]; then
    echo
    echo "== vlab run $scenario"
    "$VLAB" run "$scenario" || echo "(the scenario failed: exit $?)"
fi
