#!/bin/sh
# x86_asm_judge.sh - GNU as --32 as the judge of vlab's x86 assembler
# (isa/x86-subset/asm.c): every line of tests/x86_asm_corpus.txt (each decode
# table row in each operand shape it takes: register sizes, memory with and
# without base/index/scale/disp8/disp32, 16-bit addressing, segment
# overrides, prefixes) is assembled by vlab and by `as --32` in .code32 and
# .code16, and the bytes must agree; lines GNU refuses must be refused; the
# differences allowed are in tests/x86_asm_known_differences.txt, with their
# reasons. The work is done by tests/x86_asm_judge.c, built here from the
# sources it tests (the decode table, the assembler and the framework), so
# the check never runs against a stale library.
#
#   sh tests/x86_asm_judge.sh        (from the repo root; KEEP_TMP=1 keeps the files)
#
# Needs binutils (as, ld, objcopy, nm: the missing-package policy of
# tests/testlib.sh, SKIP locally, FAIL under VLAB_CI).
set -u
NAME=x86_asm_judge
. "$(dirname "$0")/testlib.sh"
CC=${CC:-cc}
ROOT=$(cd "$(dirname "$0")/.." && pwd)

need binutils as ld objcopy nm
# as must be an x86 assembler that takes --32
if ! printf 'nop\n' | as --32 -o "$T/probe.o" - 2>/dev/null; then
    missing binutils "no x86 'as --32'" || exit 1
    exit 0
fi
[ -z "${KEEP_TMP:-}" ] || { trap - EXIT; echo "$NAME: files in $T"; }

JUDGE="$T/x86_asm_judge"
# under make check-asan (BUILD=build-asan) the helper has the sanitizers too
SANF=${SAN:-}
case "${BUILD:-build}" in
*asan*) [ -n "$SANF" ] || SANF="-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined" ;;
esac
if ! $CC -std=c11 -D_GNU_SOURCE -O1 -g -Wall -Wextra -Wno-unused-parameter -I"$ROOT/include" -I"$ROOT" $SANF \
        -o "$JUDGE" "$ROOT/tests/x86_asm_judge.c" "$ROOT/isa/x86-subset/asm.c" "$ROOT/isa/x86-subset/decode.c" \
        "$ROOT/core/asm.c" -pthread 2>"$T/cc.log"; then
    cat "$T/cc.log"
    echo "$NAME: FAIL (cannot build the judge helper)"
    exit 1
fi
if "$JUDGE" "$ROOT/tests/x86_asm_corpus.txt" "$ROOT/tests/x86_asm_known_differences.txt" "$T"; then
    echo "$NAME: 1 passed, 0 failed"
    exit 0
fi
echo "$NAME: 0 passed, 1 failed"
exit 1
