#!/bin/sh
# binutils_m68k.sh - GNU binutils as the judge of the m68k decode table,
# disassembler and assembler (68000 and 68010).
#
#   sh tests/binutils_m68k.sh            (from the repo root; BUILD=build by default)
#
# For every first word 0x0000-0xffff, with three fixed sets of extension words
# (see tests/m68k_judge.c), on both models:
#  - legality, length and text agree with
#      m68k-linux-gnu-objdump -D -b binary -m m68k:68000 / m68k:68010
#    (the text through m68k_disasm_objdump, our disassembler's objdump-exact
#    twin);
#  - every legal word disassembles (m68k_disasm) and reassembles with our
#    assembler to the same bytes;
#  - extension sets 1 and 2: a sample of our disassembly (every 5th legal word
#    plus two of every table entry) assembles with m68k-linux-gnu-as
#    -m68000 / -m68010 to the same bytes.
# Accepted differences are listed, by pattern and reason, in
# tests/m68k_known_differences.txt; anything else fails the test.
# Needs binutils-m68k-linux-gnu (the missing-package policy of
# tests/testlib.sh: SKIP locally, FAIL under VLAB_CI).
set -u
NAME=binutils_m68k
. "$(dirname "$0")/testlib.sh"
BUILD=${BUILD:-build}
CC=${CC:-cc}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
OBJDUMP=${M68K_OBJDUMP:-m68k-linux-gnu-objdump}
AS=${M68K_AS:-m68k-linux-gnu-as}
LD=${M68K_LD:-m68k-linux-gnu-ld}
OBJCOPY=${M68K_OBJCOPY:-m68k-linux-gnu-objcopy}
KNOWN="$ROOT/tests/m68k_known_differences.txt"

need binutils-m68k-linux-gnu "$OBJDUMP" "$AS" "$LD" "$OBJCOPY"

TMP=$T # testlib.sh's scratch directory; KEEP_TMP=1 keeps it
[ -z "${KEEP_TMP:-}" ] || { trap - EXIT; echo "binutils_m68k: files in $TMP"; }

# The helper is built from the m68k sources themselves (decode, disasm, asm,
# and the assembler framework), so the check never runs against a stale library.
JUDGE="$TMP/m68k_judge"
CFLAGS_J="-std=c11 -D_GNU_SOURCE -O2 -Wall -Wextra -I$ROOT/include -I$ROOT ${SAN:-}"
if ! $CC $CFLAGS_J -o "$JUDGE" "$ROOT/tests/m68k_judge.c" "$ROOT/isa/m68k/decode.c" \
        "$ROOT/isa/m68k/disasm.c" "$ROOT/isa/m68k/asm.c" "$ROOT/core/asm.c" 2>"$TMP/cc.log"; then
    cat "$TMP/cc.log"
    echo "binutils_m68k: FAIL (cannot build the judge helper)"
    exit 1
fi

status=0
for set in 0 1 2; do
    "$JUDGE" gen "$TMP/blob$set.bin" $set || exit 2
    for model in 68000 68010; do
        "$OBJDUMP" -D -z -b binary -m m68k:$model --insn-width=16 "$TMP/blob$set.bin" >"$TMP/od.txt" || exit 2
        echo "== extension set $set, $model"
        "$JUDGE" check $model $set "$TMP/od.txt" "$KNOWN" "$TMP/s.s" "$TMP/s.exp" || status=1
        if [ $set != 0 ]; then
            if "$AS" -m$model -o "$TMP/s.o" "$TMP/s.s" 2>"$TMP/as.log" &&
               "$LD" -Ttext=0 -e 0 -o "$TMP/s.elf" "$TMP/s.o" 2>>"$TMP/as.log" &&
               "$OBJCOPY" -O binary -j .text "$TMP/s.elf" "$TMP/s.bin" 2>>"$TMP/as.log"; then
                "$JUDGE" gnucheck $model "$TMP/s.exp" "$TMP/s.bin" "$KNOWN" || status=1
            else
                head -40 "$TMP/as.log"
                echo "GNU as rejected our disassembly ($model)"
                status=1
            fi
        fi
    done
done
if [ $status = 0 ]; then echo "binutils_m68k: PASS"; else echo "binutils_m68k: FAIL"; fi
exit $status
