#!/bin/sh
# html.sh - the HTML table in a real browser (headless Chromium, Debian
# package chromium): the page of `vlab table -o t.html` loads without a
# console message (it has no script and fetches nothing), every model has
# its Popek-Goldberg chart as inline SVG, the leaking rows come first, and
# a screenshot can be taken (`make demo` writes one).
NAME=html
. "$(dirname "$0")/testlib.sh"

# the page itself, before any browser: format from the extension, offline
expect 0 "html table" "$VLAB" table --states 2 -o "$T/t.html"
has "$T/t.html" "<!DOCTYPE html>" "-o t.html picks html"
if grep -Eq '(src|href)="(https?:|//)' "$T/t.html"; then bad "the page loads something from outside"; else ok; fi
if grep -qi "<script" "$T/t.html"; then bad "the page has a script"; else ok; fi
n=$(grep -c '<figure class="chart"' "$T/t.html")
models=$(grep -c '^<section id=' "$T/t.html")
[ "$n" -eq "$models" ] && [ "$n" -ge 5 ] && ok || bad "one chart per model: $n charts, $models sections"
# leaking rows first: in the 68000's section the first row leaks
awk '/^<section id="m68k-68000/{s=1} s && /^<tr/{print; exit}' "$T/t.html" | grep -q 'class="leaks"' && ok ||
    bad "68000: the first row is not a leaking one"
# the chart is computed: the 68000's sensitive circle sticks out, the 68010's lies inside
has "$T/t.html" "8 sensitive forms of the 68000 are not privileged" "68000 chart caption"
has "$T/t.html" "Every sensitive form of the 68010 is privileged" "68010 chart caption"
has "$T/t.html" '<td class="o">runs directly</td>' "outcome cells do not wrap"

need chromium chromium
# a private profile: no first-run state of the user's, nothing left behind
chrome() {
    timeout 120 chromium --headless --no-sandbox --disable-gpu --no-first-run --user-data-dir="$T/profile" \
        --enable-logging=stderr --v=0 "$@"
}
chrome --dump-dom "file://$T/t.html" >"$T/dom" 2>"$T/chrome.err"
if grep -q ':CONSOLE' "$T/chrome.err"; then
    bad "console messages while loading: $(grep ':CONSOLE' "$T/chrome.err" | head -3)"
else ok; fi
d=$(grep -o '<svg' "$T/dom" | wc -l)
[ "$d" -eq "$n" ] && ok || bad "the browser's DOM has $d svg elements, the page $n charts"
has "$T/dom" 'id="chart-m68k-68000-trap-and-emulate"' "the 68000 chart in the DOM"
has "$T/dom" 'id="chart-ppc-750-trap-and-emulate"' "the 750 chart in the DOM"
chrome --window-size=1200,900 --screenshot="$T/t.png" "file://$T/t.html" >/dev/null 2>&1
if [ -s "$T/t.png" ] && [ "$(head -c 4 "$T/t.png" | tail -c 3)" = "PNG" ]; then ok; else bad "no screenshot"; fi
finish
