#!/bin/sh
# readme.sh - the summary table shown in README.md is the one `vlab table`
# computes now: a table in the README is never typed in by hand.
# VLAB_UPDATE_README=1 rewrites the block from the measurement.
BUILD=${BUILD:-build}
T=$(mktemp -d "${TMPDIR:-/tmp}/vlab_readme.XXXXXX")
trap 'rm -rf "$T"' EXIT
"$BUILD/vlab" table -o "$T/table.md" || { echo "readme: FAIL: vlab table exited $?"; exit 1; }
# the summary rows: the first markdown table of the output
awk '/^\| ISA \|/ { on = 1 } on && !/^\|/ { exit } on { print }' "$T/table.md" >"$T/measured"
awk '/vlab table summary: begin/ { on = 1; next } /vlab table summary: end/ { on = 0 } on' README.md >"$T/readme"
if [ -n "$VLAB_UPDATE_README" ]; then
  awk -v f="$T/measured" '/vlab table summary: begin/ { print; while ((getline l < f) > 0) print l; skip = 1; next }
       /vlab table summary: end/ { skip = 0 } !skip' README.md >"$T/README.new" && cp "$T/README.new" README.md
  echo "readme: summary block rewritten"; exit 0
fi
[ -s "$T/measured" ] || { echo "readme: FAIL: no summary table in vlab table's output"; exit 1; }
if cmp -s "$T/measured" "$T/readme"; then
  echo "readme: the README summary is what vlab table measures ($(wc -l <"$T/measured") lines)"
else
  echo "readme: FAIL: the README summary differs from vlab table (VLAB_UPDATE_README=1 sh tests/readme.sh to rewrite it):"
  diff "$T/readme" "$T/measured"; exit 1
fi
