#!/bin/sh
# layering.sh - the house's dependency rules hold (docs/hacking.md):
#   - the cores link without the monitor: core/ and each isa/<isa>/ minus its
#     monitor side (virt.c, forms.c) and the glue registry build a program
#     that makes a machine of every ISA and runs it;
#   - no ISA name is compared as a string in core/, vmm/ or lua/ outside the
#     model registry (core/models.c), and vmm/ names no ISA's symbols: what
#     differs per ISA is a field of the CPU interface or of the glue.
NAME=layering
. "$(dirname "$0")/testlib.sh"

cat >"$T/core_only.c" <<'C'
#include "vlab.h"
#include <stdio.h>
#include <string.h>
int main(void) {
    char err[256];
    const char *isa;
    int n = 0;
    for (int i = 0; (isa = vlab_isa_name(i)); i++) {
        vlab_machine *m = vlab_machine_new(isa, NULL, 65536, err, sizeof err);
        if (!m) { printf("%s\n", err); return 1; }
        vlab_stop s = vlab_step(m, 10);
        printf("%s %s %s\n", isa, vlab_machine_model(m), vlab_stop_name(s.reason));
        vlab_machine_free(m);
        n++;
    }
    return n < 2;
}
C
SRC=$(ls core/*.c isa/*/*.c | grep -v '/virt\.c$' | grep -v '/forms\.c$')
if ${CC:-cc} -std=c11 -D_GNU_SOURCE -Iinclude -I. -o "$T/core_only" "$T/core_only.c" $SRC -lm 2>"$T/cc"; then
    ok
    "$T/core_only" >"$T/out" 2>&1 && ok || bad "the cores alone do not run: $(cat "$T/out")"
    has "$T/out" "m68k 68000" "an m68k machine without the monitor"
    has "$T/out" "ppc 750" "a ppc machine without the monitor"
else
    bad "the cores do not link without the monitor: $(head -5 "$T/cc")"
fi

# ISA names compared as strings, outside the registry
for f in core/*.c core/*.h vmm/*.c vmm/*.h lua/*.c lua/*.h; do
    [ "$f" = core/models.c ] && continue
    if grep -nE 'str(case)?cmp\([^)]*"(m68k|ppc|x86|i386|68000|68010|750|pentium)"' "$f" >"$T/hits"; then
        bad "$f compares an ISA or model name: $(head -1 "$T/hits")"
    else ok; fi
done
# the monitor names no ISA's symbols (comments aside)
for f in vmm/*.c vmm/*.h; do
    if sed 's|/\*.*\*/||; s|^ *\*.*||' "$f" | grep -nE '\b(m68k|ppc|x86)_[a-z_]+' >"$T/hits"; then
        bad "$f names an ISA's symbol: $(head -1 "$T/hits")"
    else ok; fi
done
finish
