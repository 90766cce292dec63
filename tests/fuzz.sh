#!/bin/sh
# fuzz.sh - the fuzz targets' regressions and seed corpus, every input of
# tests/fuzz/regressions/<target>/ and tests/fuzz/corpus/<target>/ through
# the seeded driver with no random inputs: deterministic, a few seconds (the
# random smoke run is `make fuzz-smoke`, in .ci/run). A failure prints the
# oracle that failed and a reproducer. BUILD: the build directory.
BUILD=${BUILD:-build}
D=$BUILD/fuzz/fuzz-driver
if [ ! -x "$D" ]; then echo "FAIL: $D not built"; exit 1; fi
out=$(VLAB_FUZZ_OUT=$BUILD "$D" --iterations 0 2>&1); rc=$?
echo "$out"
if [ $rc -ne 0 ]; then echo "FAIL: fuzz-driver exited $rc"; exit 1; fi
# every target ran, and the regressions and corpus were found
n=$(echo "$out" | grep -c ' inputs (')
want=$("$D" --list | wc -l)
if [ "$n" -ne "$want" ]; then echo "FAIL: $n of $want targets ran"; exit 1; fi
if echo "$out" | grep -q ' 0 inputs'; then echo "FAIL: a target without seed inputs"; exit 1; fi
echo "ok: $n targets, their regressions and corpus"
