#!/bin/sh
# bench_techniques.sh - `vlab bench-techniques` (issue 11 part 4): the
# table's shape (one row per benchmark x model x technique, the techniques
# asked of the registry, vlab.techniques(), never listed here), the
# relationships the cost model must show, n/a rows with their reasons,
# deterministic output without host time, the formats, the usage errors
# (exit 2). Runs a few iterations per loop: a check, not a benchmark.
NAME=bench_techniques
. "$(dirname "$0")/testlib.sh"
need python3 python3

# ---- usage errors: exit 2 and a message naming the problem
expect 2 "unknown option" "$VLAB" bench-techniques --nope
has "$T/err" "unknown option '--nope'" "unknown option message"
expect 2 "bad ISA" "$VLAB" bench-techniques --isa z80
has "$T/err" "unknown ISA or model 'z80' (known: m68k" "bad ISA message"
expect 2 "bad format" "$VLAB" bench-techniques --format tex
has "$T/err" "unknown format 'tex'" "bad format message"
expect 2 "bad benchmark" "$VLAB" bench-techniques --bench nope
has "$T/err" "unknown benchmark 'nope' (known: syscall" "bad benchmark message"
expect 2 "iterations 0" "$VLAB" bench-techniques --iterations 0
expect 2 "iterations not a number" "$VLAB" bench-techniques --iterations x
expect 2 "missing value" "$VLAB" bench-techniques --isa
expect 2 "stray argument" "$VLAB" bench-techniques stray
expect 0 "--help" "$VLAB" bench-techniques --help

# ---- the whole table, twice: identical without host time
"$VLAB" bench-techniques --iterations 40 --no-host-time --format json -o "$T/a.json" 2>"$T/err" &&
    ok || bad "json run failed: $(head -3 "$T/err")"
"$VLAB" bench-techniques --iterations 40 --no-host-time --format json >"$T/b.json" 2>"$T/err" &&
    ok || bad "second run failed: $(head -3 "$T/err")"
cmp -s "$T/a.json" "$T/b.json" && ok || bad "two runs without host time differ"
if grep -q "host_seconds\|host_rel" "$T/a.json"; then bad "--no-host-time still reports host time"; else ok; fi

# the registry and the models, asked of the module
cat >"$T/reg.lua" <<'EOF'
local t = {}
for _, x in ipairs(vlab.techniques()) do t[#t + 1] = x.name end
print(table.concat(t, " "))
local m = {}
for _, isa in ipairs(vlab.isas()) do for _, mm in ipairs(vlab.models(isa)) do m[#m + 1] = isa .. ":" .. mm end end
print(table.concat(m, " "))
EOF
"$VLAB" run "$T/reg.lua" >"$T/reg.txt" || bad "cannot ask the registry"
TECHS=$(sed -n 1p "$T/reg.txt")
MODELS=$(sed -n 2p "$T/reg.txt")
[ -n "$TECHS" ] && ok || bad "vlab.techniques() is empty"

python3 - "$T/a.json" "$TECHS" "$MODELS" >"$T/py.txt" 2>&1 <<'EOF'
import json, sys
d = json.load(open(sys.argv[1]))
techs = ["native"] + sys.argv[2].split()
models = [tuple(m.split(":")) for m in sys.argv[3].split()]
benches = ["syscall", "io", "crwrite", "callret", "pagefault", "divzero", "ptupdate"]
fails = []
def check(c, msg):
    if not c: fails.append(msg)
rows = d["rows"]
check(d["techniques"] == techs, "techniques %r, the registry says %r" % (d["techniques"], techs))
check(d["iterations"] == 40, "iterations")
check(d["host_time"] is False, "host_time flag")
check(d["cost_table"]["instruction"] >= 1 and d["cost_table"]["exit"] > d["cost_table"]["trap"], "cost table")
# every benchmark x model x technique exactly once, in that order
want = [(b, i, m, t) for b in benches for (i, m) in models for t in techs]
got = [(r["bench"], r["isa"], r["model"], r["technique"]) for r in rows]
check(got == want, "rows: %d, expected %d in benchmark x model x technique order" % (len(got), len(want)))
by = {(r["bench"], r["model"], r["technique"]): r for r in rows}
for r in rows:
    check(r["status"] in ("ok", "n/a"), "%s %s %s: status %s (%s)" % (r["bench"], r["model"], r["technique"], r["status"], r.get("reason")))
    if r["status"] == "n/a":
        check(r.get("reason"), "n/a without a reason: %r" % r)
        continue
    n = by[(r["bench"], r["model"], "native")]
    # the guest retires the same instructions whatever runs it
    check(r["instructions"] == n["instructions"], "%s %s %s: %d instructions, native %d" % (r["bench"], r["model"], r["technique"], r["instructions"], n["instructions"]))
    check(abs(r["cost_rel"] - r["cost"] / n["cost"]) <= 1e-5 * r["cost"] / n["cost"], "cost_rel computed (6 significant digits)")
    check(r["cost"] >= r["instructions"] * d["cost_table"]["instruction"], "cost at least the instructions")
    # scan-and-patch differs by design, in memory only: its patches
    if r["technique"] == "scan-and-patch":
        check(r.get("equivalent", True) or set(r.get("reason", "").replace("differs from native: ", "").replace(", ...", "").split(", ")) == {"mem"},
              "%s %s scan-and-patch differs beyond its patches: %s" % (r["bench"], r["model"], r.get("reason")))
    else:
        check(r.get("equivalent", True), "%s %s %s differs from native: %s" % (r["bench"], r["model"], r["technique"], r.get("reason")))
# no MMU on the m68k: n/a with the reason, natively too
for m in ("68000", "68010"):
    for b in ("pagefault", "ptupdate"):
        r = by[(b, m, "native")]
        check(r["status"] == "n/a" and "MMU" in r["reason"], "%s on %s: %r" % (b, m, r))
# native counts nothing but instructions
for r in rows:
    if r["technique"] == "native" and r["status"] == "ok":
        check(r["traps"] == 0 and r["exits"] == 0 and r["cost_rel"] == 1, "native row %r" % r)
for (i, m) in models:
    te = by[("syscall", m, "trap-and-emulate")]
    # a system call traps into the monitor: trap-and-emulate costs more than native
    check(te["traps"] >= 40 and te["cost"] > by[("syscall", m, "native")]["cost"], "%s syscall: T&E %r" % (m, te))
    # a kernel loop of innocuous instructions: the hybrid monitor interprets
    # every one, trap-and-emulate runs them directly
    hy, te = by[("callret", m, "hybrid")], by[("callret", m, "trap-and-emulate")]
    check(hy["interpreted"] >= hy["instructions"] and hy["cost"] > te["cost"], "%s callret: hybrid %r, T&E %r" % (m, hy, te))
    # a control-register write traps under trap-and-emulate, every time
    te = by[("crwrite", m, "trap-and-emulate")]
    check(te["traps"] >= 40, "%s crwrite traps %r" % (m, te))
# what docs/techniques.md says of the trap counts (N = 40 iterations; the
# final halt may trap once more)
N = 40
def traps(b, m): return by[(b, m, "trap-and-emulate")]["traps"]
def near(v, k): return k * N <= v <= k * N + 2
if "trap-and-emulate" in techs:
    for m, k in (("68000", 2), ("68010", 2), ("750", 2), ("i386", 1), ("pentium", 1)):
        check(near(traps("syscall", m), k), "%s syscall: %d traps, expected %d per call" % (m, traps("syscall", m), k))
    for m, k in (("750", 4), ("i386", 2), ("pentium", 2)):
        check(near(traps("pagefault", m), k), "%s pagefault: %d traps, expected %d per fault" % (m, traps("pagefault", m), k))
    for m in ("68000", "68010", "750"):
        check(traps("io", m) <= 1, "%s io (MMIO) trapped %d times" % (m, traps("io", m)))
    for m in ("i386", "pentium"):
        check(near(traps("io", m), 1), "%s io (IN): %d traps" % (m, traps("io", m)))
    for m in ("68000", "68010", "750", "i386", "pentium"):
        check(traps("callret", m) <= 1, "%s callret trapped %d times" % (m, traps("callret", m)))
# and of hardware assist: an exit per control-register write, dearer than
# trap-and-emulate's trap; no exit per x86 system call
if "hw-assist" in techs and "trap-and-emulate" in techs:
    for m in ("68000", "68010", "750", "i386", "pentium"):
        hw, te = by[("crwrite", m, "hw-assist")], by[("crwrite", m, "trap-and-emulate")]
        check(hw["status"] != "ok" or (near(hw["exits"], 1) and hw["cost"] > te["cost"]), "%s crwrite: hw-assist %r" % (m, hw))
    for m in ("i386", "pentium"):
        hw, te = by[("syscall", m, "hw-assist")], by[("syscall", m, "trap-and-emulate")]
        check(hw["status"] != "ok" or (hw["exits"] < N and hw["cost"] < te["cost"]), "%s syscall: hw-assist %r" % (m, hw))
# and of paravirt: the paravirtualized loops (crwrite everywhere, ptupdate
# where there is an MMU) make a hypercall per iteration instead of a trap,
# cheaper than trap-and-emulate's; every other loop runs as under it
if "paravirt" in techs and "trap-and-emulate" in techs:
    for r in rows:
        if r["technique"] != "paravirt" or r["status"] != "ok":
            continue
        te = by[(r["bench"], r["model"], "trap-and-emulate")]
        if "paravirtualized loop" in (r.get("reason") or ""):
            check(r["hypercalls"] == N and r["traps"] + N == te["traps"] and r["cost"] < te["cost"],
                  "%s %s: paravirt %r, T&E %r" % (r["bench"], r["model"], r, te))
        else:
            check(r["hypercalls"] == 0 and r["traps"] == te["traps"] and r["cost"] == te["cost"],
                  "%s %s: unpatched paravirt %r, T&E %r" % (r["bench"], r["model"], r, te))
    for m in ("68000", "68010", "750", "i386", "pentium"):
        check("paravirtualized loop" in (by[("crwrite", m, "paravirt")].get("reason") or ""), "%s crwrite: no paravirtualized loop" % m)
# and of binary translation (Adams & Agesen's other half): a control-register
# write is a callout, no trap, cheaper than both the trap and the exit
if "binary-translation" in techs and "hw-assist" in techs:
    for m in ("68000", "68010", "750", "i386", "pentium"):
        bt, te, hw = (by[("crwrite", m, t)] for t in ("binary-translation", "trap-and-emulate", "hw-assist"))
        check(bt["traps"] == 0 and near(bt["callouts"], 1) and bt["cost"] < te["cost"] and bt["cost"] < hw["cost"],
              "%s crwrite: binary-translation %r" % (m, bt))
print("\n".join(fails) if fails else "ok")
EOF
if [ "$(cat "$T/py.txt")" = ok ]; then ok; else bad "the table: $(head -20 "$T/py.txt")"; fi

# ---- the other formats: csv has a header and one line per row; md a table
n=$(python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))["rows"]))' "$T/a.json")
expect 0 "csv" "$VLAB" bench-techniques --iterations 5 --format csv
has "$T/out" "bench,isa,model,technique,status,instructions,traps,exits,callouts,hypercalls,interpreted,cost,cost_rel,host,host_rel,reason" "csv header"
[ "$(($(wc -l <"$T/out") - 1))" -eq "$n" ] && ok || bad "csv: $(wc -l <"$T/out") lines for $n rows"
expect 0 "md to a file" "$VLAB" bench-techniques --iterations 5 --bench syscall --isa 68000 -o "$T/t.md"
has "$T/t.md" "| syscall | m68k | 68000 | native | ok |" "md row"
has "$T/t.md" "host ms" "md host time column"

# ---- html: a section and a chart per benchmark, nothing from outside, no
# script; the captions computed; the browser builds every chart
expect 0 "html" "$VLAB" bench-techniques --iterations 20 --no-host-time -o "$T/t.html"
has "$T/t.html" "<!DOCTYPE html>" "-o t.html picks html"
if grep -Eq '(src|href)="(https?:|//)' "$T/t.html"; then bad "the page loads something from outside"; else ok; fi
if grep -qi "<script" "$T/t.html"; then bad "the page has a script"; else ok; fi
charts=$(grep -c '<figure class="chart">' "$T/t.html")
sections=$(grep -c '<section id="bench-' "$T/t.html")
[ "$charts" -eq 7 ] && [ "$sections" -eq 7 ] && ok || bad "html: $charts charts, $sections sections, expected 7 each"
has "$T/t.html" 'id="chart-syscall"' "the syscall chart"
has "$T/t.html" "m68k:68000: n/a (the 68000 and 68010 have no MMU)" "the n/a models in the page fault caption"
has "$T/t.html" "Dearest: " "computed caption"
if have chromium chromium; then
    timeout 120 chromium --headless --no-sandbox --disable-gpu --no-first-run --user-data-dir="$T/profile" \
        --enable-logging=stderr --v=0 --dump-dom "file://$T/t.html" >"$T/dom" 2>"$T/chrome.err"
    if grep -q ':CONSOLE' "$T/chrome.err"; then bad "console messages: $(grep ':CONSOLE' "$T/chrome.err" | head -3)"; else ok; fi
    d=$(grep -o '<svg' "$T/dom" | wc -l)
    [ "$d" -eq 7 ] && ok || bad "the browser's DOM has $d svg elements, expected 7"
fi
finish
