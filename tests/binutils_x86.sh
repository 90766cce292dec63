#!/bin/sh
# binutils_x86.sh - GNU objdump as the judge of the x86 subset's decode table,
# decoder and disassembler (isa/x86-subset/decode.c, disasm.c).
#
#   sh tests/binutils_x86.sh            (from the repo root; BUILD=build by default)
#
# tests/x86_judge.c writes representative encodings of every row of the
# decode table (every register, every ModRM/SIB shape of 16- and 32-bit
# addressing, the prefixes 66 67 F0 F2 F3 and the segment overrides, random
# operand bytes), one per slot, and seeded random byte streams, for 32-bit
# and 16-bit code. objdump -D -b binary -m i386 / -m i8086 disassembles them;
# vlab's disassembly (x86_disasm_code) must give the same length and text
# (whitespace folded) on both models, i386 and pentium, except for the
# differences listed with their reasons in tests/x86_known_differences.txt.
# Needs binutils-x86-64-linux-gnu (objdump with the i386 target; the
# missing-package policy of tests/testlib.sh: SKIP locally, FAIL under VLAB_CI). KEEP_TMP=1 keeps the
# files; JUDGE_ALL=1 prints every unexplained difference.
set -u
NAME=binutils_x86
. "$(dirname "$0")/testlib.sh"
CC=${CC:-cc}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
KNOWN="$ROOT/tests/x86_known_differences.txt"

# binutils-x86-64-linux-gnu's objdump (the host's own on an x86 Debian);
# X86_OBJDUMP names another one with the i386 target.
OBJDUMP=${X86_OBJDUMP:-x86_64-linux-gnu-objdump}
need binutils-x86-64-linux-gnu "$OBJDUMP"
if ! "$OBJDUMP" --help 2>/dev/null | grep -q 'supported architectures:.*i386'; then
    missing binutils-x86-64-linux-gnu "$OBJDUMP has no i386 target: $NAME not run"
    exit $?
fi

TMP=$T # testlib.sh's scratch directory
[ -z "${KEEP_TMP:-}" ] || { trap - EXIT; echo "binutils_x86: files in $TMP"; }

# Built from the x86 sources themselves, so the check never runs against a
# stale library; with the sanitizers under make check-asan.
JSAN=
case "$BUILD" in *asan*) JSAN="-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined" ;; esac
JUDGE="$TMP/x86_judge"
if ! $CC -std=c11 -D_GNU_SOURCE -O2 -g $JSAN -Wall -Wextra -I"$ROOT/include" -I"$ROOT" -o "$JUDGE" \
        "$ROOT/tests/x86_judge.c" "$ROOT/isa/x86-subset/decode.c" "$ROOT/isa/x86-subset/disasm.c" \
        -lpthread 2>"$TMP/cc.log"; then
    cat "$TMP/cc.log"
    echo "binutils_x86: FAIL (cannot build the judge helper)"
    exit 1
fi

"$JUDGE" gen "$TMP" || { echo "binutils_x86: FAIL (gen)"; exit 1; }
for f in forms32 random32; do
    "$OBJDUMP" -D -b binary -m i386 --insn-width=16 "$TMP/$f.bin" >"$TMP/od-$f.txt" || exit 1
done
for f in forms16 random16; do
    "$OBJDUMP" -D -b binary -m i8086 --insn-width=16 "$TMP/$f.bin" >"$TMP/od-$f.txt" || exit 1
done
if "$JUDGE" check "$TMP" "$KNOWN"; then
    echo "binutils_x86: PASS"
else
    echo "binutils_x86: FAIL (unexplained differences above)"
    exit 1
fi
