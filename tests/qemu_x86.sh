#!/bin/sh
# qemu_x86.sh - QEMU as the system-level judge of the x86 core.
#
#   sh tests/qemu_x86.sh              (from the repo root; BUILD=build by default)
#
# Every tests/qemu_x86/*.S is a bare-metal kernel (GNU as --32, a Multiboot
# ELF at 1 MiB, tests/qemu_x86/common.inc) that prints what it finds through
# the debug console, port 0xE9: descriptors and segment loads, gates, ring
# transitions, exceptions and their frames, the I/O bitmap, paging. Each runs
# under qemu-system-i386 (TCG; -cpu 486 for vlab's i386, -cpu pentium for
# its pentium; a kernel's "# models:" line says which) and under
# `vlab exec --isa x86:MODEL`; the two consoles are compared line by line.
# A difference is allowed only when tests/x86_qemu_known_differences.txt lists
# it with its reason (QEMU's omissions: vlab follows the Intel manuals);
# a listed difference that no longer occurs fails too. Needs qemu-system-x86
# and binutils (the missing-package policy of tests/testlib.sh: SKIP locally,
# FAIL under VLAB_CI). KEEP_TMP=1 keeps the logs.
set -u
NAME=qemu_x86
. "$(dirname "$0")/testlib.sh"
ROOT=$(cd "$(dirname "$0")/.." && pwd)
KNOWN="$ROOT/tests/x86_qemu_known_differences.txt"
need qemu-system-x86 qemu-system-i386
need binutils as ld
need python3 python3
[ -z "${KEEP_TMP:-}" ] || { trap - EXIT; echo "$NAME: files in $T"; }
[ -x "$VLAB" ] || { echo "$NAME: FAIL: $VLAB not built"; exit 1; }

runs=0
: >"$T/runs"
# every kernel on every model: the QEMU runs in parallel (most of their
# time is start-up), then vlab's
for src in "$ROOT"/tests/qemu_x86/*.S; do
    k=$(basename "$src" .S)
    if ! as --32 -I "$ROOT/tests/qemu_x86" -o "$T/$k.o" "$src" 2>"$T/$k.as" ||
       ! ld -m elf_i386 -N -Ttext 0x100000 -e _start --no-warn-rwx-segments \
            -o "$T/$k.elf" "$T/$k.o" 2>"$T/$k.ld"; then
        bad "$k: does not build"; cat "$T/$k.as" "$T/$k.ld" 2>/dev/null; continue
    fi
    models=$(sed -n 's/^# models: *//p' "$src")
    for m in ${models:-i386 pentium}; do
        case $m in i386) cpu=486 ;; pentium) cpu=pentium ;; *) bad "$k: unknown model $m"; continue ;; esac
        # QEMU: the kernel's write to port 0xF4 ends it (exit status 1 for
        # the value 0); a kernel that never gets there is killed.
        # -nodefaults: no VGA or network card (and their ROMs) to start
        (timeout 30 qemu-system-i386 -nodefaults -cpu $cpu -m 32 -kernel "$T/$k.elf" -display none \
            -debugcon file:"$T/$k.$m.qemu" -device isa-debug-exit,iobase=0xf4 \
            -no-reboot -monitor none -serial none -parallel none >"$T/$k.$m.qerr" 2>&1
         echo $? >"$T/$k.$m.qrc") &
        echo "$k $m" >>"$T/runs"
        runs=$((runs + 1))
    done
done
wait
while read -r k m; do
    rc=$(cat "$T/$k.$m.qrc")
    [ "$rc" -eq 1 ] || { bad "$k $m: qemu exit $rc (not through port 0xf4)"; head -5 "$T/$k.$m.qerr"; }
    "$VLAB" exec --isa "x86:$m" --ram 33554432 --max 100000000 --json "$T/$k.elf" >"$T/$k.$m.json"
    rc=$?
    [ $rc -eq 0 ] || bad "$k $m: vlab exec exit $rc"
done <"$T/runs"

# the comparison: position by position, each difference either listed in
# the known-differences file (KERNEL|MODELS|QEMU LINE|VLAB LINE|REASON; the
# lines are shell patterns, so that "eip *" survives a kernel's code moving)
# or a failure; every listed entry must still occur
python3 - "$T" "$KNOWN" <<'PY' || fail=$((fail + 1))
import fnmatch, json, sys
tmp, known_path = sys.argv[1], sys.argv[2]
known = []
for n, line in enumerate(open(known_path), 1):
    if not line.strip() or line.startswith('#'):
        continue
    f = line.rstrip('\n').split('|')
    if len(f) != 5 or not f[4].strip():
        print(f"{known_path}:{n}: want KERNEL|MODELS|QEMU LINE|VLAB LINE|REASON")
        sys.exit(1)
    known.append({'k': f[0], 'models': f[1].split(), 'q': f[2], 'v': f[3], 'used': 0, 'line': n})
comparisons = diffs = listed = 0
for run in open(f"{tmp}/runs").read().split('\n'):
    if not run:
        continue
    k, m = run.split()
    q = open(f"{tmp}/{k}.{m}.qemu", errors='replace').read().split('\n')
    try:
        v = json.load(open(f"{tmp}/{k}.{m}.json"))['console'].split('\n')
    except Exception as e:
        print(f"qemu_x86: FAIL: {k} {m}: no vlab report ({e})")
        diffs += 1
        continue
    for i in range(max(len(q), len(v))):
        ql = q[i] if i < len(q) else '<no line>'
        vl = v[i] if i < len(v) else '<no line>'
        comparisons += 1
        if ql == vl:
            continue
        for e in known:
            if e['k'] == k and (m in e['models'] or '*' in e['models']) and fnmatch.fnmatchcase(ql, e['q']) and fnmatch.fnmatchcase(vl, e['v']):
                e['used'] += 1
                listed += 1
                break
        else:
            diffs += 1
            print(f"qemu_x86: FAIL: {k} {m} line {i + 1}:\n    qemu: {ql}\n    vlab: {vl}")
stale = [e for e in known if not e['used']]
for e in stale:
    print(f"qemu_x86: FAIL: {known_path}:{e['line']}: listed difference no longer occurs ({e['k']}: {e['v']})")
print(f"qemu_x86: {comparisons} line comparisons, {diffs} unlisted differences, "
      f"{listed} listed ones ({len(known)} entries)")
sys.exit(1 if diffs or stale else 0)
PY
[ $fail -eq 0 ] && pass=$((pass + runs))
echo "$NAME: $runs runs of $(ls "$ROOT"/tests/qemu_x86/*.S | wc -l) kernels"
finish
