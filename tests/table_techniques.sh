#!/bin/sh
# table_techniques.sh - `vlab table --techniques all` (issue 11 part 5): one
# summary row per model x technique, the techniques asked of the registry
# (vlab.techniques(): a technique merged later gets its rows with no change
# here), the verdicts the theorems give (trap-and-emulate leaks on the
# 68000 and the i386, hybrid on the i386 only), each row's meaning naming
# its technique's theorem; the usage errors (exit 2); --technique T still
# works beside it.
NAME=table_techniques
. "$(dirname "$0")/testlib.sh"
need python3 python3

expect 2 "--techniques other than all" "$VLAB" table --techniques some
has "$T/err" "--techniques: expected 'all', got 'some'" "message"
expect 2 "--techniques with --technique" "$VLAB" table --techniques all --technique hybrid
expect 2 "--techniques with --summary" "$VLAB" table --techniques all --summary
expect 2 "--techniques with --filter" "$VLAB" table --techniques all --filter move
expect 2 "--techniques as tex" "$VLAB" table --techniques all --format tex
expect 2 "--techniques for sweep" "$VLAB" sweep --isa 68000 --techniques all
expect 2 "--techniques without a value" "$VLAB" table --techniques
# paravirt needs a paravirtualized guest: the sweep refuses it, once, whatever the models
expect 2 "--technique paravirt" "$VLAB" table --technique paravirt
has "$T/err" "vlab table: technique paravirt: it needs a paravirtualized guest" "paravirt refused"
expect 2 "sweep --technique paravirt" "$VLAB" sweep --isa 68010 --technique paravirt
expect 0 "--help names it" "$VLAB" table --help
has "$T/out" "--techniques all" "table --help"

cat >"$T/reg.lua" <<'EOF'
for _, t in ipairs(vlab.techniques()) do io.write(t.name, " ") end
print()
for _, isa in ipairs(vlab.isas()) do for _, m in ipairs(vlab.models(isa)) do io.write(isa, ":", m, " ") end end
print()
EOF
"$VLAB" run "$T/reg.lua" >"$T/reg.txt" || bad "cannot ask the registry"

"$VLAB" table --techniques all --states 4 --format json -o "$T/t.json" 2>"$T/err" && ok ||
    bad "the table failed: $(head -3 "$T/err")"
python3 - "$T/t.json" "$(sed -n 1p "$T/reg.txt")" "$(sed -n 2p "$T/reg.txt")" >"$T/py.txt" 2>&1 <<'EOF'
import json, sys
rows = json.load(open(sys.argv[1]))
techs = sys.argv[2].split()
models = [tuple(m.split(":")) for m in sys.argv[3].split()]
fails = []
def check(c, msg):
    if not c: fails.append(msg)
got = [(r["isa"], r["model"], r["technique"]) for r in rows]
want = [(i, m, t) for (i, m) in models for t in techs]
check(got == want, "rows %r, expected every model x registry technique %r" % (got, want))
by = {(r["model"], r["technique"]): r for r in rows}
for r in rows:
    check(r["meaning"], "a row without meaning: %r" % r)
    if not r["swept"]:
        check(r["meaning"].startswith("not swept: "), "unswept row without its reason: %r" % r)
        continue
    th = r["theorem"]
    if th in (1, 3):
        check(r["meaning"].startswith("Theorem %d %s" % (th, "holds" if r["theorem%d" % th] else "fails")),
              "meaning of %r" % r)
    check(r["leaks"] <= r["forms"], "leaks within forms %r" % r)
def row(m, t):
    r = by.get((m, t))
    check(r is not None and r["swept"], "%s under %s: not in the table" % (m, t))
    return r or {"leaks": -1, "theorem1": None, "theorem3": None}
# paravirt needs a paravirtualized guest: every row not swept, saying why
for (i, m) in models:
    r = by.get((m, "paravirt"))
    if "paravirt" in techs:
        check(r is not None and not r["swept"] and "paravirtualized guest" in r["meaning"], "paravirt row %r" % r)
te, hy = "trap-and-emulate", "hybrid"
if te in techs:
    r = row("68000", te); check(r["leaks"] > 0 and r["theorem1"] is False, "68000 T&E %r" % r)
    r = row("i386", te); check(r["leaks"] > 0 and r["theorem1"] is False, "i386 T&E %r" % r)
    for m in ("68010", "750"):
        r = row(m, te); check(r["leaks"] == 0 and r["theorem1"] is True, "%s T&E %r" % (m, r))
if hy in techs:
    # Theorem 3 holds for the 68000 and fails for the i386
    r = row("68000", hy); check(r["leaks"] == 0 and r["theorem3"] is True, "68000 hybrid %r" % r)
    r = row("i386", hy); check(r["leaks"] > 0 and r["theorem3"] is False, "i386 hybrid %r" % r)
print("\n".join(fails) if fails else "ok")
EOF
if [ "$(cat "$T/py.txt")" = ok ]; then ok; else bad "the table: $(head -20 "$T/py.txt")"; fi

# md and csv: one line per row
n=$(python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))))' "$T/t.json")
expect 0 "csv" "$VLAB" table --techniques all --states 2 --format csv
[ "$(($(wc -l <"$T/out") - 1))" -eq "$n" ] && ok || bad "csv: $(wc -l <"$T/out") lines for $n rows"
has "$T/out" "isa,model,technique,swept,forms,privileged,sensitive,sensitive_unprivileged,user_sensitive_unprivileged,leaks,theorem1,theorem3,theorem,meaning" "csv header"
expect 0 "md of one model" "$VLAB" table --techniques all --states 2 --isa 68000
has "$T/out" "| m68k | 68000 | trap-and-emulate |" "md row"
[ "$(grep -c '^| m68k | 68000 |' "$T/out")" -eq "$(echo $(sed -n 1p "$T/reg.txt") | wc -w)" ] && ok ||
    bad "md: not one row per technique for the 68000"
# the single-technique table is still there
expect 0 "--technique hybrid --summary" "$VLAB" table --technique hybrid --summary --states 2 --isa 68000
has "$T/out" "| m68k | 68000 | hybrid |" "--technique still works"
finish
