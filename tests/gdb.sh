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

# start_stub OUT ERR ARGS...: vlab exec --gdb 0 in the background; sets
# $pid and $port (from the "listening on" line, waited for without a
# time limit of our own: the run.sh timeout ends a hung test)
start_stub() {
    out=$1; err=$2; shift 2
    "$VLAB" exec --gdb 0 "$@" >"$out" 2>"$err" &
    pid=$!
    port=""
    while kill -0 $pid 2>/dev/null; do
        port=$(sed -n 's/^vlab: gdb: listening on 127\.0\.0\.1:\([0-9]*\) .*/\1/p' "$err")
        [ -n "$port" ] && break
        sleep 0.05
    done
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
finish
