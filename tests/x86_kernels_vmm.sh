#!/bin/sh
# x86_kernels_vmm.sh - the QEMU-judged kernels of tests/qemu_x86/ (their
# native output is what QEMU prints, tests/qemu_x86.sh) run again under
# `vlab exec --vmm trap-and-emulate`: each printed line must equal the
# native one, except the lines tests/x86_vmm_known_differences.txt lists,
# each with the leak that explains it; a listed line that no longer differs
# fails too (the list must stay true). Needs binutils (as, ld) and python3.
NAME=x86_kernels_vmm
. "$(dirname "$0")/testlib.sh"
ROOT=$(cd "$(dirname "$0")/.." && pwd)
need binutils as ld
need python3 python3
for src in "$ROOT"/tests/qemu_x86/*.S; do
    k=$(basename "$src" .S)
    as --32 -I "$ROOT/tests/qemu_x86" -o "$T/$k.o" "$src" &&
        ld -m elf_i386 -N -Ttext 0x100000 -e _start --no-warn-rwx-segments -o "$T/$k.elf" "$T/$k.o" ||
        { bad "$k: does not build"; continue; }
    for model in i386 pentium; do
        "$VLAB" exec --isa x86:$model --max 50000000 "$T/$k.elf" >"$T/$k.$model.native" 2>&1
        "$VLAB" exec --isa x86:$model --max 50000000 --vmm trap-and-emulate "$T/$k.elf" >"$T/$k.$model.vmm" 2>&1
    done
done
python3 - "$T" "$ROOT/tests/x86_vmm_known_differences.txt" >"$T/report" 2>&1 <<'PY'
import fnmatch, glob, os, sys
t, known_path = sys.argv[1], sys.argv[2]
known = []
kernels = {os.path.basename(n).split(".")[0] for n in glob.glob(os.path.join(t, "*.native"))}
malformed = 0
for no, line in enumerate(open(known_path), 1):
    if line.strip() and not line.startswith("#"):
        f = [x.strip() for x in line.split("|")]
        # a loose line (a pattern of wildcards only, an unknown kernel, a
        # missing reason, extra fields) would excuse lines silently
        if len(f) != 3 or not f[2] or f[0] not in kernels or not f[1].strip("*?"):
            print(f"FAIL: {known_path}:{no}: want KERNEL | LABEL | why (a known kernel, a label that is not only wildcards): {line.rstrip()}")
            malformed += 1
            continue
        known.append(f + [0])
def console(path):  # the lines before the report
    out = []
    for l in open(path, errors="replace"):
        if l.startswith("stop:"): break
        out.append(l.rstrip("\n"))
    return out
def label(l):
    return l.split(":", 1)[0] if ":" in l else " ".join(l.split()[:2])
bad = malformed
lines = differ = 0
for nat in sorted(glob.glob(os.path.join(t, "*.native"))):
    k, model = os.path.basename(nat).split(".")[:2]
    a, b = console(nat), console(nat[:-len("native")] + "vmm")
    if len(a) != len(b):
        print(f"FAIL: {k} ({model}): {len(a)} lines natively, {len(b)} under the monitor"); bad += 1
    for x, y in zip(a, b):
        lines += 1
        if x == y: continue
        differ += 1
        hit = [e for e in known if e[0] == k and fnmatch.fnmatchcase(label(x), e[1])]
        if not hit:
            print(f"FAIL: {k} ({model}): unlisted difference:\n  native: {x}\n  vmm:    {y}"); bad += 1
        for e in hit: e[3] += 1
for k, pat, why, n in known:
    if n == 0:
        print(f"FAIL: listed but no longer different: {k} | {pat}"); bad += 1
print(f"{lines} lines compared, {differ} differ, all listed: {'yes' if bad == 0 else 'no'}")
sys.exit(1 if bad else 0)
PY
rc=$?
cat "$T/report"
[ $rc -eq 0 ] && ok || bad "differences (above)"
n=$(ls "$T"/*.native 2>/dev/null | wc -l)
[ "$n" -ge 18 ] && ok || bad "only $n runs"
finish
