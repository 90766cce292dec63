#!/bin/sh
# asm_symbols.sh - one rule for symbols in the three assemblers, GNU as's
# (core/asm.c implements it once for all of them). Each case below is
# assembled by vlab and by GNU as for m68k, ppc and x86; the verdicts
# (accepted or refused) must agree. Then a NUL byte in a source is refused
# with its LINE:COL by every assembler. Needs binutils-m68k-linux-gnu,
# binutils-powerpc-linux-gnu and binutils (the missing-package policy of
# tests/testlib.sh: SKIP locally, FAIL under VLAB_CI).
NAME=asm_symbols
. "$(dirname "$0")/testlib.sh"
need binutils-m68k-linux-gnu m68k-linux-gnu-as
need binutils-powerpc-linux-gnu powerpc-linux-gnu-as
need binutils as

# the cases, separated by lines "--": labels restated, labels assigned,
# assignments restated, .equiv against everything, local labels
cat >"$T/cases" <<'CASES'
x:
x:
nop
--
x: x: nop
--
x: nop
x: nop
--
x:
nop
x:
--
x: nop
x = 5
--
x: nop
.set x, 5
--
x: nop
.equ x, 5
--
x = 5
x = 6
--
x = 5
x = 5
--
x = 5
x: nop
--
.set x, 1
.set x, 2
--
.equ x, 5
.equ x, 5
--
x = 1
x = x + 1
--
.equiv x, 5
.equiv x, 6
--
.equiv x, 5
.equiv x, 5
--
x = 5
.equiv x, 6
--
.equiv x, 5
x = 6
--
.equiv x, 5
.set x, 6
--
.equiv x, 5
.equ x, 5
--
.equiv x, 5
x: nop
--
x: nop
.equiv x, 0
--
x = .
x: nop
--
x = 5
x = 5
x: nop
--
y = x
x: nop
--
.equiv x, y
y: nop
--
x: nop
.equ x, .-4
--
1: nop
1: nop
.long 1b
--
x: nop
y: nop
.long x, y
CASES

# split into case files
awk -v dir="$T" 'BEGIN { n = 1 } /^--$/ { n++; next } { print > (dir "/case" n ".s") }' "$T/cases"
ncases=$(ls "$T"/case*.s | wc -l)

verdict() { if "$@" >/dev/null 2>&1; then echo accepted; else echo refused; fi; }
for isa in m68k ppc x86; do
    case $isa in
    m68k) AS="m68k-linux-gnu-as" ;;
    ppc) AS="powerpc-linux-gnu-as -mppc" ;;
    x86) AS="as --32" ;;
    esac
    i=1
    while [ $i -le "$ncases" ]; do
        f=$T/case$i.s
        gnu=$(verdict $AS "$f" -o "$T/gnu.o")
        ours=$(verdict "$VLAB" asm --isa $isa -o "$T/vlab.bin" "$f")
        if [ "$gnu" = "$ours" ]; then ok; else
            bad "$isa case $i: GNU as $gnu it, vlab $ours it: $(tr '\n' ';' <"$f")"
            "$VLAB" asm --isa $isa -o "$T/vlab.bin" "$f" 2>&1 | sed 's/^/    vlab: /' | head -3
        fi
        i=$((i + 1))
    done
    # a NUL byte: an error at its line and column, never a cut source
    printf 'nop\nn\000op\n' >"$T/nul.s"
    expect 1 "$isa: a NUL byte is an error" "$VLAB" asm --isa $isa -o "$T/vlab.bin" "$T/nul.s"
    has "$T/err" "nul.s:2:2:" "$isa: the NUL byte's LINE:COL"
done
# and through the Lua module, where strings carry their length
printf 'local ok, e = pcall(vlab.asm, "m68k", "nop\\n  n\\0op\\n")\nassert(not ok and e:find("^2:4: "), e)\nprint("lua nul ok")\n' >"$T/nul.lua"
expect 0 "vlab.asm: a NUL byte at 2:4" "$VLAB" run "$T/nul.lua"
echo "$NAME: $ncases cases x 3 ISAs"
finish
