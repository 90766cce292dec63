#!/bin/sh
# exec_stream.sh - `vlab exec` shows the console as the guest writes it and
# keeps only a bounded part of it: a guest printing for ever shows its output
# while it runs, without the host's memory growing with it; --json keeps the
# first MiB and says how much it dropped; --max 0 runs nothing; a runaway
# guest stops at the default limit with a message saying how to raise it.
NAME=exec_stream
. "$(dirname "$0")/testlib.sh"

# ---- a guest that prints "A" for ever
printf 'loop: move.b #0x41,0xdff000\n bra loop\n' >"$T/inf.s"
"$VLAB" asm --isa m68k -o "$T/inf.bin" "$T/inf.s" || bad "asm inf"

"$VLAB" exec --isa m68k --max 100000000000 "$T/inf.bin" >"$T/stream.out" 2>"$T/stream.err" &
pid=$!
# the output grows while the guest runs: wait (no time asserted) until
# 2 MiB were shown, note the process's peak memory, wait until 64 MiB more
# went by, and compare: the peak must not have grown with the console
# (before streaming all of it was held, and more in realloc's copies). A
# difference, so that a sanitizer's own memory does not count.
size_at() { # size_at BYTES: wait until the output has BYTES; 1 if the process ended first
    while kill -0 $pid 2>/dev/null; do
        [ "$(wc -c <"$T/stream.out")" -ge "$1" ] && return 0
        sleep 0.2
    done
    return 1
}
hwm() { awk '/^VmHWM:/ { print $2 }' /proc/$pid/status 2>/dev/null; }
seen=0
if size_at $((2 << 20)); then
    hwm0=$(hwm)
    size_at $((66 << 20)) && seen=1
fi
if [ $seen -eq 1 ]; then
    ok
    hwm1=$(hwm)
    if [ -n "$hwm0" ] && [ -n "$hwm1" ] && [ $((hwm1 - hwm0)) -lt $((16 << 10)) ]; then ok
    else bad "peak memory grew from ${hwm0} to ${hwm1} KiB while 64 MiB of console went by"; fi
    head -c 8 "$T/stream.out" | grep -q '^AAAAAAAA$' && ok || bad "stream starts with the guest's bytes: $(head -c 20 "$T/stream.out")"
    kill -INT $pid
    wait $pid
    rc=$?
    [ $rc -eq 1 ] && ok || bad "interrupted stream: exit $rc, expected 1"
    tail -c 2000 "$T/stream.out" | grep -q "^stop: interrupted at pc" && ok || bad "report after the stream: $(tail -c 300 "$T/stream.out")"
else
    wait $pid
    bad "the guest ended (exit $?) before 64 MiB of console were shown: $(head -c 200 "$T/stream.err")"
fi

# ---- --json keeps the first MiB and counts the rest
cat >"$T/three.s" <<'EOF2'
        move.l  #0x300000,d1
loop:   move.b  #0x42,0xdff000
        subq.l  #1,d1
        bne     loop
        bra     .
EOF2
"$VLAB" asm --isa m68k -o "$T/three.bin" "$T/three.s" || bad "asm three"
expect 0 "json 3 MiB" "$VLAB" exec --isa m68k --json "$T/three.bin"
if python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
assert d["stop"] == "halt", d["stop"]
assert len(d["console"]) == 1 << 20, len(d["console"])
assert set(d["console"]) == {"B"}
assert d["console_dropped"] == 3 * (1 << 20) - (1 << 20), d["console_dropped"]
' "$T/out"; then ok; else bad "json console cap: $(head -c 200 "$T/out")"; fi
expect 0 "text 3 MiB" "$VLAB" exec --isa m68k "$T/three.bin"
[ "$(tr -cd B <"$T/out" | wc -c)" -eq $((3 << 20)) ] && ok || bad "text mode shows the whole console"
has "$T/out" "stop: halt" "text report after the console"
if grep -q "^console:" "$T/out"; then bad "streamed console printed twice"; else ok; fi

# ---- --max 0 runs nothing; the default limit stops a runaway guest
expect 0 "max 0" "$VLAB" exec --isa m68k --max 0 --json "$T/inf.bin"
has "$T/out" '"stop": "budget", "pc": 0, "instructions": 0' "max 0: no instruction"
has "$T/out" '"console": ""' "max 0: no console"
expect 0 "max 0 vmm" "$VLAB" exec --isa m68k --vmm trap-and-emulate --max 0 --json "$T/inf.bin"
has "$T/out" '"instructions": 0' "max 0 under the monitor"
expect 0 "max 5" "$VLAB" exec --isa m68k --max 5 --json "$T/inf.bin"
has "$T/out" '"instructions": 5' "max 5"
has "$T/out" '"console": "AAA"' "max 5: three writes"
expect 1 "runaway" "$VLAB" exec --isa m68k --json "$T/inf.bin"
has "$T/out" '"instructions": 1000000000' "runaway stopped at the default limit"
has "$T/err" "default limit of 1000000000 instructions (--max N sets another)" "runaway message"
finish
