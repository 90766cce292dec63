#!/bin/sh
# gdb.sh - the GDB remote stub (`vlab exec --gdb PORT`, docs/gdb.md) judged
# by gdb itself: gdb-multiarch in batch mode against a cross-compiled C
# program for each ISA (tests/programs), natively and under the monitor.
# gdb breaks at main, reads every register and some memory, steps three
# instructions, writes a register and memory, continues to the end; every
# value it prints must equal what the Lua API computes for the same program
# (run to main with until_pc, then stepped) and what `vlab exec --json`
# reports at the end. Then a raw client checks the protocol's edges: bad
# checksums, malformed packets, unreadable memory, gdb's interrupt (0x03),
# a client that disconnects. The missing-package policy of testlib.sh:
# without gdb-multiarch or the cross compilers, SKIP locally, FAIL under VLAB_CI.
NAME=gdb
. "$(dirname "$0")/testlib.sh"
need gdb-multiarch gdb-multiarch
need python3 python3
need gcc-m68k-linux-gnu m68k-linux-gnu-gcc m68k-linux-gnu-nm
need gcc-powerpc-linux-gnu powerpc-linux-gnu-gcc powerpc-linux-gnu-nm
P=$BUILD/programs
sh tests/programs/build.sh "$P" 2>"$T/build.log" || { cat "$T/build.log"; echo "gdb: FAIL: build"; exit 1; }
PROG=sieve

# wait_port ERR: $port from the stub's "listening on" line in ERR, while
# process $pid lives (no time limit of our own: the run.sh timeout ends a
# hung test); empty when it died first
wait_port() {
    port=""
    while kill -0 $pid 2>/dev/null; do
        port=$(sed -n 's/^vlab: gdb: listening on 127\.0\.0\.1:\([0-9]*\) .*/\1/p' "$1" 2>/dev/null)
        [ -n "$port" ] && break
        sleep 0.05
    done
}
# start_stub OUT ERR ARGS...: vlab exec --gdb 0 in the background; sets
# $pid and $port
start_stub() {
    out=$1; err=$2; shift 2
    # the child truncates ERR only once it runs: a previous stub's port
    # must not be read in the meantime
    rm -f "$out" "$err"
    "$VLAB" exec --gdb 0 "$@" >"$out" 2>"$err" &
    pid=$!
    wait_port "$err"
    [ -n "$port" ] || { bad "stub did not start: $(cat "$err")"; return 1; }
}

# one ISA, natively or under the monitor technique $3
check() {
    isa=$1; nm=$2; vmm=${3:-}
    what="$isa${vmm:+ --vmm $vmm}"
    elf=$P/$PROG.$isa.elf
    main=$($nm "$elf" | awk '$3 == "main" { print $1 }')
    [ -n "$main" ] || { bad "$what: no main in $elf"; return; }
    # the reference: the Lua API runs the same image from the state vlab exec starts it in
    cat >"$T/ref.lua" <<EOF2
local isa, elf, main, vmm = ...
main = tonumber(main, 16)
local ram = 16 << 20
local m, run, step
if vmm ~= "" then
  local vm = vlab.vmm { isa = isa, technique = vmm, ram = ram }
  m = vm.guest
  run = function(t) return vm:run(t) end
  step = function() return vm:step(1) end
else
  m = vlab.machine { isa = isa, ram = ram }
  run = function(t) return m:run(t) end
  step = function() return m:step(1) end
end
m.pc = m:load(elf)
m.regs.sp = ram
local function dump(tag)
  for name, v in pairs(m.regs) do print(tag, name, v) end
end
local s = run { until_pc = main }
assert(s.reason == "breakpoint", s.reason)
dump("main")
local sp = m.regs.sp - 16
for i = 0, 3 do print("code", i, m:read_u32(main + 4 * i)) end
for i = 0, 3 do print("stack", i, m:read_u32(sp + 4 * i)) end
print("sp", 0, sp)
for i = 1, 3 do step(); dump("step" .. i) end
EOF2
    "$VLAB" run "$T/ref.lua" "$isa" "$elf" "$main" "$vmm" >"$T/ref.txt" 2>"$T/ref.err" || { bad "$what: reference: $(cat "$T/ref.err")"; return; }
    sp=$(awk '$1 == "sp" { printf "0x%x", $3 }' "$T/ref.txt")
    # the end, as vlab exec reports it without gdb
    "$VLAB" exec --isa "$isa" ${vmm:+--vmm "$vmm"} --json "$elf" >"$T/exec.json" 2>"$T/exec.err" || { bad "$what: exec: $(cat "$T/exec.err")"; return; }
    # gdb: a scratch word in RAM below the stack, written through gdb and read back
    scratch=0x8000
    start_stub "$T/stub.json" "$T/stub.err" --isa "$isa" ${vmm:+--vmm "$vmm"} --json "$elf" || return
    cat >"$T/cmds" <<EOF2
set pagination off
set confirm off
file $elf
target remote 127.0.0.1:$port
break *0x$main
continue
echo ==main\n
info registers
echo ==code\n
x/4xw 0x$main
echo ==stack\n
x/4xw $sp
echo ==step1\n
stepi
info registers
echo ==step2\n
stepi
info registers
echo ==step3\n
stepi
info registers
echo ==write\n
set {int} $scratch = 0x12345678
x/1xw $scratch
echo ==end\n
delete
continue
info registers
detach
EOF2
    gdb-multiarch -batch -nx -x "$T/cmds" >"$T/gdb.out" 2>"$T/gdb.err"
    grc=$?
    wait $pid
    src=$?
    [ $grc -eq 0 ] && ok || bad "$what: gdb exit $grc: $(head -c 600 "$T/gdb.err")"
    [ $src -eq 0 ] && ok || bad "$what: vlab exec --gdb exit $src: $(cat "$T/stub.err")"
    has "$T/stub.err" "vlab: gdb: gdb detached" "$what: the stub saw gdb detach"
    if python3 - "$isa" "$T/ref.txt" "$T/gdb.out" "$T/exec.json" "$T/stub.json" >"$T/cmp.out" 2>&1 <<'EOF2'
import json, re, sys
isa, ref_f, gdb_f, exec_f, stub_f = sys.argv[1:]
# gdb's general registers and the vlab registers they show
names = {
    "m68k": [(f"d{i}", f"d{i}") for i in range(8)] + [(f"a{i}", f"a{i}") for i in range(6)]
            + [("fp", "a6"), ("sp", "a7"), ("ps", "sr"), ("pc", "pc")],
    "ppc": [(f"r{i}", f"r{i}") for i in range(32)] + [(n, n) for n in ("pc", "msr", "cr", "lr", "ctr", "xer")],
    "x86": [(n, n) for n in ("eax", "ecx", "edx", "ebx", "esp", "ebp", "esi", "edi", "eip", "eflags",
                             "cs", "ss", "ds", "es", "fs", "gs")],
}[isa]
ref = {}
for line in open(ref_f):
    tag, name, val = line.split()
    ref.setdefault(tag, {})[name] = int(val)
sections, cur = {}, None
for line in open(gdb_f):
    line = line.rstrip("\n")
    if line.startswith("=="):
        cur = line[2:]
        sections[cur] = []
    elif cur:
        sections[cur].append(line)
checks = fails = 0
def check(cond, msg):
    global checks, fails
    checks += 1
    if not cond:
        fails += 1
        print("FAIL:", msg)
def regs_of(lines):
    out = {}
    for l in lines:
        m = re.match(r"^(\w+)\s+(0x[0-9a-f]+)\s", l)
        if m: out[m.group(1)] = int(m.group(2), 16)
    return out
def words_of(lines):
    w = []
    for l in lines:
        if ":" in l and l.startswith("0x"):
            w += [int(x, 16) for x in l.split(":", 1)[1].split()]
    return w
def compare(tag, got, want, what):
    for g, v in names:
        check(g in got, f"{what}: gdb shows no {g}")
        if g in got:
            check(got[g] == want[v], f"{what}: {g} = {got.get(g, 0):#x}, vlab says {want[v]:#x}")
for tag in ("main", "step1", "step2", "step3"):
    check(tag in sections, f"no {tag} section in gdb's output")
    compare(tag, regs_of(sections.get(tag, [])), ref[tag], f"at {tag}")
# the steps moved: three instructions, three different PCs
pcs = [ref[t]["pc" if isa != "x86" else "eip"] for t in ("main", "step1", "step2", "step3")]
check(len(set(pcs)) == 4, f"stepi did not move: {pcs}")
for tag in ("code", "stack"):
    got = words_of(sections.get(tag, []))
    want = [ref[tag][str(i)] for i in range(4)]
    check(got == want, f"{tag} memory: gdb {got}, vlab {want}")
check(words_of(sections.get("write", [])) == [0x12345678], "memory written through gdb does not read back")
end = regs_of(sections.get("end", []))
ex = json.load(open(exec_f))
stub = json.load(open(stub_f))
check(ex["stop"] == "halt" and stub["stop"] == "halt", f"stops: exec {ex['stop']}, stub {stub['stop']}")
compare("end", end, ex["regs"], "at the end (vlab exec --json)")
compare("end", end, stub["regs"], "at the end (the stub's own report)")
check(stub["console"] == ex["console"], "console under gdb differs")
print(f"{checks} checks, {fails} failed")
sys.exit(1 if fails else 0)
EOF2
    then ok; echo "gdb: $what: $(tail -1 "$T/cmp.out")"
    else bad "$what: $(head -20 "$T/cmp.out")"; sed 's/^/    gdb: /' "$T/gdb.out" | head -30; fi
}

check m68k m68k-linux-gnu-nm
check ppc powerpc-linux-gnu-nm
check x86 nm
check m68k m68k-linux-gnu-nm trap-and-emulate
check ppc powerpc-linux-gnu-nm trap-and-emulate
# ---- the protocol's edges, with a raw client on a guest that never ends
printf 'loop: move.b #0x41,0xdff000\n bra loop\n' >"$T/inf.s"
"$VLAB" asm --isa m68k -o "$T/inf.bin" "$T/inf.s" || bad "asm inf"
if start_stub "$T/raw.json" "$T/raw.err" --isa m68k --ram 0x10000 --json "$T/inf.bin"; then
    if python3 - "$port" >"$T/raw.out" 2>&1 <<'EOF2'
import socket, sys, time
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
s.settimeout(30)
buf = b""
def recv_until(pred):
    global buf
    while not pred(buf):
        d = s.recv(4096)
        if not d: raise SystemExit("FAIL: the stub closed the connection")
        buf += d
def packet(body):
    return b"$" + body + b"#" + b"%02x" % (sum(body) & 0xFF)
def reply():
    """the next packet's body (acks skipped)"""
    global buf
    recv_until(lambda b: b"#" in b and len(b) >= b.index(b"#") + 3)
    start = buf.index(b"$")
    end = buf.index(b"#", start)
    body, cs = buf[start + 1:end], buf[end + 1:end + 3]
    assert int(cs, 16) == sum(body) & 0xFF, f"bad checksum from the stub: {buf!r}"
    buf = buf[end + 3:]
    s.sendall(b"+")
    return body
def ask(body):
    global buf
    s.sendall(packet(body))
    recv_until(lambda b: len(b) >= 1)
    ack, buf = buf[:1], buf[1:]
    assert ack == b"+", f"{body!r}: ack {ack!r}"
    return reply()
checks = 0
def check(cond, msg):
    global checks
    checks += 1
    if not cond: raise SystemExit("FAIL: " + msg)
# a bad checksum is refused, and the stub still answers afterwards
s.sendall(b"$g#00")
recv_until(lambda b: len(b) >= 1)
check(buf[:1] == b"-", f"bad checksum: {buf[:1]!r}, expected '-'")
buf = buf[1:]
r = ask(b"qSupported:multiprocess+;swbreak+")
check(b"PacketSize=" in r and b"swbreak+" in r, f"qSupported: {r!r}")
check(ask(b"?") == b"S05", "initial stop reply")
g = ask(b"g")
check(len(g) == 18 * 8, f"m68k g packet: {len(g)} hex digits, expected 144")
check(g[17 * 8:] == b"00000000", f"pc in g: {g[17*8:]!r}")
check(ask(b"p14") == b"x" * 24, "fp2 is unavailable (no FPU)")
check(ask(b"p1a") == b"x" * 8, "fpcontrol is unavailable")
check(ask(b"p999") == b"xx", "an unknown register is unavailable")
check(ask(b"P18=00000000") == b"E01", "writing an unmodelled register is refused")
check(ask(b"m20000,4") == b"E14", "memory outside RAM")
check(ask(b"mzz") == b"E01", "malformed m")
check(ask(b"M0,2:zz") == b"E01", "malformed M")
check(ask(b"M8000,2:abcd") == b"OK", "M")
check(ask(b"m8000,2") == b"abcd", "M reads back")
check(ask(b"X8002,2:\x7d\x5d\x01") == b"OK", "X with an escaped byte")
check(ask(b"m8002,2") == b"7d01", "X reads back")
check(ask(b"Z1,0,2") == b"", "hardware breakpoints: unsupported")
check(ask(b"frobnicate") == b"", "an unknown packet: empty reply")
check(ask(b"qAttached") == b"1", "qAttached")
check(ask(b"vCont?").startswith(b"vCont;"), "vCont?")
check(ask(b"P0=0000002a") == b"OK", "P d0")
check(ask(b"p0") == b"0000002a", "P d0 reads back")
# a breakpoint on the branch: continue stops there, with swbreak
check(ask(b"Z0,8,2") == b"OK", "Z0")
check(ask(b"c") == b"T05swbreak:;", "breakpoint hit")
check(ask(b"p11") == b"00000008", "pc at the breakpoint")
check(ask(b"z0,8,2") == b"OK", "z0")
check(ask(b"s") == b"S05", "step")
check(ask(b"p11") == b"00000000", "pc after stepping the branch")
# continue for ever; gdb's interrupt byte stops it
s.sendall(packet(b"c"))
recv_until(lambda b: len(b) >= 1)
check(buf[:1] == b"+", "c acknowledged")
buf = buf[1:]
time.sleep(0.3)
s.sendall(b"\x03")
check(reply() == b"S02", "interrupt: SIGINT")
check(ask(b"?") == b"S02", "? repeats the last stop")
# and the client goes away without a word
s.close()
print(f"{checks} checks passed")
EOF2
    then ok; echo "gdb: raw client: $(tail -1 "$T/raw.out")"; else bad "raw client: $(tail -12 "$T/raw.out")"; fi
    wait $pid
    rc=$?
    # the last stop was gdb's interrupt: an interrupted run, exit 1 as without gdb
    [ $rc -eq 1 ] && ok || bad "exec after a disconnect: exit $rc: $(cat "$T/raw.err")"
    has "$T/raw.err" "vlab: gdb: gdb disconnected" "disconnect noticed"
    python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["stop"] == "interrupted" and d["console"].startswith("AAA") and d["regs"]["d0"] == 42' "$T/raw.json" && ok || bad "report after a disconnect: $(head -c 300 "$T/raw.json")"
fi
# random packets (a fixed seed): every one answered, nothing breaks
if start_stub "$T/fz.json" "$T/fz.err" --isa ppc --ram 0x10000 --json "$T/inf.bin"; then
    if python3 - "$port" >"$T/fz.out" 2>&1 <<'EOF2'
import random, socket, sys
rng = random.Random(13)
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
s.settimeout(30)
buf = b""
def reply():
    global buf
    while b"#" not in buf[buf.find(b"$"):] or len(buf) < buf.index(b"#", buf.find(b"$")) + 3:
        d = s.recv(65536)
        if not d: raise SystemExit("FAIL: the stub closed the connection")
        buf += d
    start = buf.index(b"$"); end = buf.index(b"#", start)
    body = buf[start + 1:end]; buf = buf[end + 3:]
    return body
alphabet = b"0123456789abcdefxX,:;=-+MmgGpPqQvHTZz?"
n = 0
for i in range(400):
    # never c, s, C, S, k, D, vCont, vKill, 0x03: the guest runs for ever and the session would end
    first = rng.choice(b"gGpPmMXZzqvHT?!")
    body = bytes([first]) + bytes(rng.choice(alphabet) for _ in range(rng.randrange(0, 40)))
    if body.startswith((b"vC", b"vK")): continue
    s.sendall(b"$" + body + b"#" + b"%02x" % (sum(body) & 0xFF))
    reply()
    n += 1
s.sendall(b"$k#6b")
print(f"{n} random packets answered")
EOF2
    then ok; echo "gdb: $(tail -1 "$T/fz.out")"; else bad "random packets: $(tail -5 "$T/fz.out")"; fi
    wait $pid
    [ $? -le 1 ] && ok || bad "random packets: vlab exec did not end cleanly: $(tail -3 "$T/fz.err")"
fi
# the instruction limit holds over the session: --max 0 runs nothing, --max 3 three
for lim in 0 3; do
    if start_stub "$T/lim.json" "$T/lim.err" --isa m68k --max $lim --json "$T/inf.bin"; then
        python3 -c '
import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
s.settimeout(30)
def ask(body):
    s.sendall(b"$" + body + b"#" + b"%02x" % (sum(body) & 0xFF))
    buf = b""
    while not (b"$" in buf and b"#" in buf[buf.index(b"$"):] and len(buf) >= buf.index(b"#", buf.index(b"$")) + 3):
        buf += s.recv(4096)
    return buf[buf.index(b"$") + 1:buf.index(b"#", buf.index(b"$"))]
assert ask(b"c") == b"S18", "limit: SIGXCPU"
assert ask(b"s") == b"S18", "limit: a step past it"
s.sendall(b"$k#6b")
' "$port" && ok || bad "--max $lim under gdb: client"
        wait $pid
        has "$T/lim.json" "\"instructions\": $lim," "--max $lim under gdb: $lim instructions"
    fi
done
# nobody connects: the host's Ctrl-C ends the wait, and the report is printed
if start_stub "$T/int.json" "$T/int.err" --isa m68k --json "$T/inf.bin"; then
    kill -INT $pid
    wait $pid
    rc=$?
    [ $rc -eq 1 ] && ok || bad "Ctrl-C while waiting for gdb: exit $rc, expected 1"
    has "$T/int.json" '"stop": "interrupted"' "Ctrl-C while waiting: stop reason"
fi
# kill: the session ends where the guest stands
if start_stub "$T/k.json" "$T/k.err" --isa ppc --json "$P/$PROG.ppc.elf"; then
    python3 -c '
import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
s.sendall(b"$k#6b")
s.settimeout(30)
while s.recv(100): pass
' "$port" && ok || bad "kill: client"
    wait $pid
    [ $? -eq 0 ] && ok || bad "kill: exit status"
    has "$T/k.err" "gdb killed the guest" "kill noticed"
    has "$T/k.json" '"instructions": 0' "kill before running: no instruction"
fi
# ---- from Lua: vm:gdb{} on a guest, gdb breaks at main and detaches; the
# guest runs on to its end and the script gets the stop table
elf=$P/$PROG.m68k.elf
main=$(m68k-linux-gnu-nm "$elf" | awk '$3 == "main" { print $1 }')
cat >"$T/session.lua" <<'EOF2'
local vm = vlab.vmm { isa = "m68k", ram = 16 << 20 }
local g = vm.guest
g.pc = g:load(arg[1])
g.regs.sp = 16 << 20
local s = vm:gdb { port = 0, wait = 600 }
print("stop", s.reason, s.instructions, g:console())
EOF2
"$VLAB" run "$T/session.lua" "$elf" >"$T/lua.out" 2>"$T/lua.err" &
pid=$!
wait_port "$T/lua.err"
if [ -n "$port" ]; then
    gdb-multiarch -batch -nx -ex "file $elf" -ex "target remote 127.0.0.1:$port" -ex "break *0x$main" \
        -ex continue -ex 'printf "PC=%x\n", $pc' -ex detach >"$T/gdb.out" 2>"$T/gdb.err"
    wait $pid
    rc=$?
    [ $rc -eq 0 ] && ok || bad "vm:gdb script: exit $rc: $(cat "$T/lua.err")"
    has "$T/gdb.out" "PC=$(echo "$main" | sed 's/^0*//')" "vm:gdb: gdb stopped at main"
    has "$T/lua.out" "stop	halt" "vm:gdb: the guest ran on to its end after the detach"
    has "$T/lua.out" "$(cat "$P/$PROG.expected")" "vm:gdb: the guest's console"
else
    wait $pid
    bad "vm:gdb did not listen: $(cat "$T/lua.err")"
fi
finish
