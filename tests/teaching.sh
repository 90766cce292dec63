#!/bin/sh
# teaching.sh - docs/teaching.md's C guest recipe works as printed: its
# hello.c and its build commands (the blocks after "checked by
# tests/teaching.sh") are extracted, run with vlab on the PATH, and each of
# the three ISAs prints "hello from C" natively and under the monitor.
NAME=teaching
. "$(dirname "$0")/testlib.sh"
need gcc-m68k-linux-gnu m68k-linux-gnu-gcc
need gcc-powerpc-linux-gnu powerpc-linux-gnu-gcc
block() { # the code block after the marker line "<!-- checked by tests/teaching.sh: $1 -->"
    awk -v m="<!-- checked by tests/teaching.sh: $1 -->" '$0 == m { on = 1; next }
        on && /^```/ { if (c++) exit; next } on && c { print }' docs/teaching.md
}
block hello.c >"$T/hello.c"
block build >"$T/build.sh"
[ -s "$T/hello.c" ] && [ -s "$T/build.sh" ] && ok || bad "docs/teaching.md: marked blocks not found"
mkdir -p "$T/bin"
vl=$(cd "$(dirname "$VLAB")" && pwd)/$(basename "$VLAB")
printf '#!/bin/sh\nexec "%s" "$@"\n' "$vl" >"$T/bin/vlab"
chmod +x "$T/bin/vlab"
(cd "$T" && PATH="$T/bin:$PATH" sh -e build.sh) >"$T/out" 2>"$T/err" && ok ||
    bad "the build commands failed: $(head -5 "$T/err")"
n=$(grep -c "^hello from C$" "$T/out")
[ "$n" -eq 3 ] && ok || bad "expected 'hello from C' from the three ISAs, got $n: $(head -c 300 "$T/err")"
for isa in m68k ppc x86; do
    "$VLAB" exec --isa $isa --vmm trap-and-emulate "$T/hello.$isa.elf" >"$T/out" 2>"$T/err"
    # (x86 under the monitor: only where the monitor has its glue)
    if [ $isa = x86 ] && grep -q "the monitor has no glue" "$T/err"; then ok; continue; fi
    has "$T/out" "hello from C" "$isa under the monitor"
done
# the recipe's premise: a default-flags ELF is refused, with the message quoted
m68k-linux-gnu-gcc -m68000 -O2 -ffreestanding -nostdlib -DCONSOLE_ADDR=0x00DFF000 -o "$T/bad.elf" "$T/hello.c" 2>/dev/null
expect 1 "default-flags ELF" "$VLAB" exec --isa m68k "$T/bad.elf"
has "$T/err" "segment 0 at 0x80000000" "default-flags ELF refused as the page says"
finish
