#!/bin/sh
# fuzz_reuse.sh - the code fuzz targets give the same results on renewed
# machines and VMs (vlab_machine_renew, vl_vmm_renew, vl_equiv_run_cached:
# the default) as on machines made anew for every input (VLAB_FUZZ_FRESH=1):
# for each code target and a few seeds, the digest of every run (stop,
# every register, a hash of RAM and console, stats, the differential's
# result: VLAB_FUZZ_DIGEST) is compared byte for byte. BUILD: the build
# directory.
BUILD=${BUILD:-build}
D=$BUILD/fuzz/fuzz-driver
if [ ! -x "$D" ]; then echo "fuzz_reuse: FAIL: $D not built"; exit 1; fi
T=$(mktemp -d) || exit 1
trap 'rm -rf "$T"' EXIT
fail=0
for t in code-68000 code-68010 code-750 code-i386 code-pentium; do
    for seed in 1 2; do
        for mode in reused fresh; do
            f=0; [ $mode = fresh ] && f=1
            if ! VLAB_FUZZ_OUT=$T VLAB_FUZZ_FRESH=$f VLAB_FUZZ_DIGEST=$T/$t-$seed-$mode "$D" --target $t \
                --seed $seed --iterations 12 >"$T/out" 2>&1; then
                cat "$T/out"; echo "fuzz_reuse: FAIL: $t seed $seed ($mode) failed"; fail=1
            fi
        done
        a=$T/$t-$seed-reused b=$T/$t-$seed-fresh
        # the digest holds every kind of run: it can tell a difference
        for what in 'native:' 'monitored' 'differential '; do
            grep -q "^$what" "$a" || { echo "fuzz_reuse: FAIL: $t seed $seed: no '$what' line in the digest"; fail=1; }
        done
        if cmp -s "$a" "$b"; then
            echo "ok: $t seed $seed: $(grep -c '' "$a") digest lines identical, renewed and fresh"
        else
            echo "fuzz_reuse: FAIL: $t seed $seed: renewed and fresh machines differ:"
            diff "$b" "$a" | head -6 | cut -c1-300; fail=1
        fi
    done
    # and the digest tells inputs apart (two seeds are not the same runs)
    if cmp -s "$T/$t-1-reused" "$T/$t-2-reused"; then
        echo "fuzz_reuse: FAIL: $t: seeds 1 and 2 give the same digest"; fail=1
    fi
done
[ $fail -eq 0 ] && echo "fuzz_reuse: ok"
exit $fail
