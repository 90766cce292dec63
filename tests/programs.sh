#!/bin/sh
# programs.sh - whole programs: C compiled for the 68000 and the PowerPC 750
# with gcc, run to completion by `vlab exec`, natively and under the monitor;
# the console must match the same C built for the host.
BUILD=${BUILD:-build}
VLAB=$BUILD/vlab
out=$BUILD/programs
for cc in m68k-linux-gnu-gcc powerpc-linux-gnu-gcc; do
  command -v $cc >/dev/null 2>&1 || { echo "programs: FAIL: $cc not found (run make deps)"; exit 1; }
done
sh tests/programs/build.sh "$out" 2>"$out.build.log" || { cat "$out.build.log"; echo "programs: FAIL: build"; exit 1; }
pass=0; fail=0
# run ISA:MODEL FILE-SUFFIX [exec options...]
run() {
  model=$1; suffix=$2; shift 2
  for exp in "$out"/*.expected; do
    p=$(basename "$exp" .expected)
    json=$("$VLAB" exec --isa "$model" --max 500000000 --json "$@" "$out/$p.$suffix.elf")
    rc=$?
    want=$(sed 's/$/\\n/' "$exp" | tr -d '\n')
    if [ $rc -eq 0 ] && printf '%s' "$json" | grep -qF "\"console\": \"$want\"" &&
       printf '%s' "$json" | grep -qF '"stop": "halt"'; then
      pass=$((pass + 1)); echo "programs: $model $* $p ok ($(cat "$exp"))"
    else
      fail=$((fail + 1)); echo "programs: $model $* $p FAILED (exit $rc)"
      echo "  want: $want"; echo "  got:  $json" | cut -c1-400
    fi
  done
}
run m68k:68000 m68k
run m68k:68010 m68k
run ppc:750 ppc
run m68k:68000 m68k --vmm trap-and-emulate
run m68k:68010 m68k --vmm trap-and-emulate
run ppc:750 ppc --vmm trap-and-emulate
echo "programs: $pass passed, $fail failed"
[ $fail -eq 0 ]
