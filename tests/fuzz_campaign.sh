#!/bin/sh
# fuzz_campaign.sh - smoke test of tests/fuzz/campaign.sh: a campaign of two
# seconds on two targets (the seeded driver of BUILD) reports executions and
# no failure, writes its summary; one stopped by SIGTERM reports what ran;
# bad arguments are usage errors (exit 2).
# The coverage build (-c) takes minutes and is not run here.
NAME=fuzz_campaign
. tests/testlib.sh
C=tests/fuzz/campaign.sh
if [ ! -x "$BUILD/fuzz/fuzz-driver" ]; then echo "$NAME: FAIL: $BUILD/fuzz/fuzz-driver not built"; exit 1; fi

expect 2 "no target" sh $C
expect 2 "-s not a number" sh $C -s x code-750
has "$T/err" "-s wants a number of seconds" "-s message"
expect 2 "-s 0" sh $C -s 0 code-750
expect 2 "-S negative" sh $C -S -1 code-750
expect 2 "unknown option" sh $C -z code-750
expect 2 "unknown target" sh $C -o "$T/c0" no-such-target
has "$T/err" "unknown target 'no-such-target'" "the unknown target named"
has "$T/err" "code-750" "the known targets listed"

expect 0 "a two-second campaign" sh $C -s 2 -S 3 -o "$T/c1" code-68010 disasm-m68k
cat "$T/out"
for t in code-68010 disasm-m68k; do
    line=$(grep "^$t " "$T/out")
    n=$(echo "$line" | awk '{ print $2 }')
    if [ -n "$n" ] && [ "$n" -gt 0 ] 2>/dev/null; then ok; else bad "$t: no executions counted: '$line'"; fi
    case $line in *" 0 failure(s) (seeded driver)"*) ok ;; *) bad "$t: '$line'" ;; esac
    rate=$(echo "$line" | sed -n 's/.* \([0-9][0-9]*\) exec\/s.*/\1/p')
    if [ -n "$rate" ] && [ "$rate" -gt 0 ]; then ok; else bad "$t: no rate in '$line'"; fi
done
if [ -f "$T/c1/summary.txt" ] && [ "$(grep -c ' execs in ' "$T/c1/summary.txt")" -eq 2 ]; then ok; else
    bad "summary.txt without its two target lines"; fi
has "$T/out" "seed 3" "the seed reported"

# stopped early (SIGTERM to the script and its driver): the target's line
# still says what ran, marked stopped, and the targets after it are left out
# (the script's child is timeout, which passes the signal on to the driver)
sh $C -s 60 -S 5 -o "$T/c2" code-750 disasm-m68k >"$T/stop.out" 2>&1 &
pid=$!
sleep 4
kill -TERM $pid 2>/dev/null
for c in $(cat /proc/$pid/task/*/children 2>/dev/null); do kill -TERM "$c" 2>/dev/null; done
wait $pid
line=$(grep "^code-750 " "$T/stop.out")
n=$(echo "$line" | awk '{ print $2 }')
if [ -n "$n" ] && [ "$n" -gt 0 ] 2>/dev/null; then ok; else bad "stopped: no executions counted: '$line'"; fi
case $line in *", stopped") ok ;; *) bad "stopped: not marked: '$line'" ;; esac
if grep -q "^disasm-m68k" "$T/stop.out"; then bad "stopped: the next target ran"; else ok; fi
finish
