-- vmm.lua - vlab.vmm, vm.guest, vm:run, vm:on("trap"), vm:stats(), costs,
-- vlab.compare and vlab.equivalence (DESIGN §4.2), and the checks of the
-- monitor's scenarios (m68k-move-from-sr, m68k-move-from-ccr).
assert(vlab.vmm, "vlab.vmm missing: luaopen_vlab must call vl_lua_open_vmm (lua/lvmm.c)")
package.path = arg[0]:match("^(.-)[^/]*$") .. "?.lua;" .. package.path
local testlib = require "testlib"
local eq, fails = testlib.eq, testlib.fails

-- construction and errors
fails("vlab.vmm: field 'isa' is required", vlab.vmm, {})
fails("vlab.vmm: unknown technique 'magic' (known: trap-and-emulate, hybrid, hw-assist, paravirt, binary-translation, scan-and-patch)", vlab.vmm, { isa = "m68k", technique = "magic" })
fails("vlab.vmm: unknown model '68020' for isa m68k (known: 68000, 68010)", vlab.vmm, { isa = "m68k", model = "68020" })
local vm = vlab.vmm { isa = "m68k", model = "68010", ram = 1 << 20 }
eq(vm.isa, "m68k", "isa")
eq(vm.model, "68010", "model")
eq(vm.technique, "trap-and-emulate", "technique")
local g = vm.guest
eq(g.ram, 1 << 20, "guest ram")
eq(g:supervisor(), true, "guest starts in virtual supervisor mode")
eq(g.regs.sr & 0x2000, 0x2000, "guest SR has S")

-- a guest: trap #0 into its own handler, MOVE from SR emulated, STOP
local code = vlab.asm("m68k:68010", [[
    move.w  sr,d0
    trap    #0
    move.b  #'!',$dff000
    stop    #$2700
]], { org = 0x1000 })
g:write(0x1000, code)
g:write_u32(32 * 4, 0x2000)
g:write(0x2000, vlab.asm("m68k:68010", "moveq #9,d5\n rte", { org = 0x2000 }))
g.regs.a7 = 0x10000
g.pc = 0x1000
local evs = {}
local id = vm:on("trap", function(ev) evs[#evs + 1] = ev end)
fails("on: unknown event 'bogus' (known: ", vm.on, vm, "bogus", function() end)
local s = vm:run { max = 100 }
eq(s.reason, "halt", "stop reason")
eq(g.regs.d0 & 0xFFFF, 0x2700, "68010: the guest reads its virtual SR")
eq(g.regs.d5, 9, "handler ran")
eq(g:console(), "!", "console")
eq(#evs, 4, "traps seen")
eq(evs[1].kind, "emulated", "move from sr emulated")
eq(evs[1].pc, 0x1000, "trap pc")
eq(evs[1].vector, 8, "privilege violation")
assert(evs[1].insn:find("sr"), "insn text: " .. evs[1].insn)
eq(evs[2].kind, "reflected", "trap reflected")
eq(evs[2].vector, 32, "trap #0 vector")
eq(evs[3].kind, "emulated", "rte emulated")
assert(vm:off(id), "off")
local st = vm:stats()
for _, k in ipairs { "guest_instructions", "traps", "emulated", "reflected", "exits", "scanned", "patched",
                     "blocks", "translated", "callouts", "lookups", "flushes", "cache_bytes", "hypercalls",
                     "world_switches", "cost" } do
  assert(math.type(st[k]) == "integer", "stats field " .. k)
end
eq(st.traps, 4, "traps")
eq(st.emulated, 3, "emulated")
eq(st.reflected, 1, "reflected")
eq(st.guest_instructions, 6, "guest instructions")
eq(st.world_switches, 8, "world switches")
local c = vm:cost()
eq(c.instruction, 1, "default instruction cost")
eq(st.cost, 6 * c.instruction + 4 * c.trap + 8 * c.world_switch + 3 * c.emulate + 1 * c.reflect, "cost formula")
vm:set_cost { trap = 1000, instruction = 0 }
eq(vm:cost().trap, 1000, "set_cost")
eq(vm:stats().cost, 4 * 1000 + 8 * c.world_switch + 3 * c.emulate + c.reflect, "cost after set_cost")
fails("set_cost: unknown cost 'nope' (known: instruction, trap, world_switch, emulate, reflect, interpret, exit, " ..
      "scan, patch, translate, callout, lookup, hypercall, watch)", vm.set_cost, vm, { nope = 1 })
vm:set_cost { watch = 7 }
eq(vm:cost().watch, 7, "set_cost watch")
vm:set_cost { watch = c.watch }
assert(vm:check(), "resource control")

-- the same guest natively: no difference on the 68010
local m = vlab.machine { isa = "m68k", model = "68010", ram = 1 << 20 }
m:write(0, g:read(0, 1 << 20))
m:set_supervisor(true)
m.regs.a7 = 0x10000
m.pc = 0x1000
m:run { max = 100 }
eq(#vlab.compare(m, vm), 0, "68010 natively vs monitored")
eq(#vlab.compare(m, g), 0, "compare takes the guest too")
m.regs.d3 = 5
local d = vlab.compare(m, g)
eq(#d, 1, "one difference")
eq(d[1].kind, "reg", "kind")
eq(d[1].what, "d3", "what")
eq(d[1].a, 5, "a value")
fails("compare: argument 2 must be a machine, a guest or a VM (got number)", vlab.compare, m, 3)

-- equivalence: 68000 differs exactly at MOVE from SR
for _, model in ipairs { "68000", "68010" } do
  local r = vlab.equivalence { isa = "m68k", model = model, code = code, org = 0x1000, sp = 0x10000,
                               ram = 1 << 20, max = 1000 }
  if model == "68010" then
    eq(r.equal, true, "68010 equivalent")
  else
    eq(r.equal, false, "68000 not equivalent")
    eq(r.first, 1, "first instruction")
    eq(r.pc, 0x1000, "at the move from sr")
    eq(#r.diffs, 1, "one difference")
    eq(r.diffs[1].what, "d0", "in d0")
    eq(r.diffs[1].a, 0x2700, "native")
    eq(r.diffs[1].b, 0x0700, "monitored")
    eq(#r.final, 1, "one difference at the end")
    eq(r.final[1].what, "d0", "d0 at the end")
    eq(r.final[1].at, 1, "tied to instruction 1")
    eq(r.final[1].at_pc, 0x1000, "tied to the move from sr")
    assert(r.final[1].at_insn:find("sr"), "its text: " .. r.final[1].at_insn)
  end
end

-- two guests on one monitor, time-sliced
local a = vlab.vmm { isa = "m68k", model = "68010", ram = 1 << 16 }
local b = vlab.vmm { isa = "m68k", model = "68000", ram = 1 << 16, monitor = a }
for i, v in ipairs { a, b } do
  local p = vlab.asm("m68k", string.format([[
    moveq #9,d2
l:  move.b #'%s',$dff000
    dbf d2,l
    stop #$2700
]], i == 1 and "a" or "b"), { org = 0x100 })
  v.guest:write(0x100, p)
  v.guest.regs.a7 = 0x8000
  v.guest.pc = 0x100
end
eq(a:run_all { slice = 5 }, 0, "both finished")
eq(a.guest:console(), "aaaaaaaaaa", "guest a")
eq(b.guest:console(), "bbbbbbbbbb", "guest b")

-- the guest's own events: console, exceptions it receives, its virtual mode
do
  local v = vlab.vmm { isa = "m68k", model = "68010", ram = 1 << 20 }
  local gg = v.guest
  gg:write(0x1000, vlab.asm("m68k:68010", [[
    move.b  #'h',$dff000
    move.w  #$0000,sr
    move.b  #'i',$dff000
    trap    #0
]], { org = 0x1000 }))
  gg:write_u32(32 * 4, 0x2000)
  gg:write(0x2000, vlab.asm("m68k:68010", "stop #$2700", { org = 0x2000 }))
  gg.regs.a7 = 0x10000
  gg.pc = 0x1000
  local log = {}
  gg:on("console", function(e) log[#log + 1] = e.char end)
  gg:on("exception", function(e) log[#log + 1] = "exc" .. e.vector end)
  gg:on("mode", function(e) log[#log + 1] = e.mode end)
  v:run { max = 100 }
  eq(table.concat(log, " "), "h user i exc32 supervisor", "guest events")
end

-- step events: the guest's instructions one by one, as a machine's, under
-- both techniques; mode events under hybrid too (where no trap announces them)
do
  local code = vlab.asm("m68k:68010", [[
    moveq   #3,d0
    move.w  #$0000,sr
loop:
    subq.l  #1,d0
    bne.s   loop
    trap    #0
]], { org = 0x1000 })
  local function setup(g)
    g:write(0x1000, code)
    g:write_u32(32 * 4, 0x2000)
    g:write(0x2000, vlab.asm("m68k:68010", "stop #$2700", { org = 0x2000 }))
    g:set_supervisor(true)
    g.regs.a7 = 0x10000
    g.pc = 0x1000
  end
  local m = vlab.machine { isa = "m68k", model = "68010", ram = 1 << 20 }
  setup(m)
  local native = {}
  m:on("step", function(e) native[#native + 1] = string.format("%x", e.pc) end)
  m:on("mode", function(e) native[#native + 1] = e.mode .. e.level end)
  m:run { max = 100 }
  for _, tech in ipairs { "trap-and-emulate", "hybrid" } do
    local v = vlab.vmm { isa = "m68k", model = "68010", ram = 1 << 20, technique = tech }
    setup(v.guest)
    local seen = {}
    v.guest:on("step", function(e) seen[#seen + 1] = string.format("%x", e.pc) end)
    v.guest:on("mode", function(e) seen[#seen + 1] = e.mode .. e.level end)
    v:run { max = 100 }
    eq(table.concat(seen, " "), table.concat(native, " "), tech .. ": step and mode events as natively")
    local n = 0
    local id = v.guest:on("step", function() n = n + 1; return n == 2 end)
    setup(v.guest)
    local s = v:run { max = 100 }
    eq(s.reason, "breakpoint", tech .. ": a step callback stops the run")
    eq(n, 2, tech .. ": after the second instruction")
    v.guest:off(id)
  end
  eq(#native > 10, true, "native step events")
end

-- the scenarios' outcomes
local rows = dofile("scenarios/m68k-move-from-sr.lua")
local by = {}
for _, r in ipairs(rows) do by[r.model .. " " .. r.run] = r end
eq(by["68000 native"].says, "supervisor", "68000 native")
eq(by["68010 native"].says, "supervisor", "68010 native")
eq(by["68000 trap-and-emulate"].says, "user", "68000 monitored: caught")
eq(by["68010 trap-and-emulate"].says, "supervisor", "68010 monitored: cannot tell")
eq(by["68000 trap-and-emulate"].sr, 0x0700, "68000 leak: S=0")
eq(by["68010 trap-and-emulate"].traps, 2, "68010: MOVE from SR and STOP trap")
eq(by["68000 trap-and-emulate"].traps, 1, "68000: only STOP traps")
eq(#by["68010 trap-and-emulate"].diffs, 0, "68010 equivalent")

rows = dofile("scenarios/m68k-move-from-ccr.lua")
eq(rows[1].result, rows[2].result, "same result both ways")
eq(rows[2].traps, 1, "move from ccr: only STOP traps")
assert(rows[1].traps > 1000, "move from sr traps every round")
assert(rows[1].cost > 10 * rows[2].cost, "cost difference")
rows = dofile("scenarios/m68k-guest-os.lua")
for _, r in ipairs(rows) do
  eq(r.monitored, r.native, r.model .. " guest OS: same console natively and monitored")
  assert(r.native:find("ping pong"), "tasks interleave: " .. r.native)
  eq(#r.diffs, 0, r.model .. " guest OS: no difference")
  assert(r.reflected > 10 and r.emulated > 10, "ticks and system calls reach the monitor")
end

-- the guest OS with many timer periods: preemption points agree exactly
local src = io.open("scenarios/m68k-guest-os.lua"):read("a")
local K = src:match("local KERNEL = %[==%[\n(.-)%]==%]")
for _, model in ipairs { "68000", "68010" } do
  for period = 5, 700, 29 do
    local code = vlab.asm("m68k:" .. model, string.format(K, period,
      model == "68010" and "    move.w #$0064,-(a0)" or ""), { org = 0x1000 })
    local n = vlab.machine { isa = "m68k", model = model, ram = 1 << 20 }
    local v = vlab.vmm { isa = "m68k", model = model, ram = 1 << 20 }
    for _, x in ipairs { n, v.guest } do
      x:write(0x1000, code)
      x:set_supervisor(true)
      x.regs.a7 = 1 << 20
      x.pc = 0x1000
    end
    n:run { max = 1000000 }
    v:run { max = 1000000 }
    eq(#vlab.compare(n, v), 0, model .. " guest OS, timer period " .. period)
  end
end
local two = dofile("scenarios/m68k-two-guests.lua")
eq(two.a, two.a_alone, "guest A unaffected by its neighbours")
eq(two.b, two.b_alone, "guest B unaffected by its neighbours")
eq(two.diffs_a, 0, "guest A: no difference at all")
eq(two.diffs_b, 0, "guest B: no difference at all")
eq(two.hostile_filled, true, "the hostile guest wrote its own memory")
eq(two.hostile_stop, "halt", "the hostile guest halted")
assert(two.hostile_faults >= 10, "the hostile guest's privileged instructions faulted into its own handler")
for k, ok in pairs(two.checks) do eq(ok, true, "resource control " .. k) end

-- trap events carry the trapping instruction's declared class (the decode table)
do
  local v = vlab.vmm { isa = "m68k", model = "68010", ram = 1 << 16 }
  v.guest:write(0x1000, vlab.asm("m68k:68010", "move.w sr,d0\nstop #$2700", { org = 0x1000 }))
  v.guest.pc = 0x1000
  local classes = {}
  v:on("trap", function(ev) classes[#classes + 1] = ev.insn:match("^%S+") .. "=" .. tostring(ev.class) end)
  v:run { max = 10 }
  eq(table.concat(classes, " "), "movew=privileged stop=privileged", "trap event classes")
end

-- m68k-hybrid: trap-and-emulate is caught by MOVE from SR, the hybrid monitor is not, and costs more
local print0 = print
print = function() end
local hy = dofile("scenarios/m68k-hybrid.lua")
print = print0
local hb = {}
for _, r in ipairs(hy) do hb[r.run] = r end
eq(hb.native.says, "supervisor", "hybrid lab: native")
eq(hb["trap-and-emulate"].says, "user", "hybrid lab: trap-and-emulate caught")
eq(#hb["trap-and-emulate"].diffs > 0, true, "hybrid lab: trap-and-emulate differs from native")
eq(hb.hybrid.says, "supervisor", "hybrid lab: hybrid not caught")
eq(#hb.hybrid.diffs, 0, "hybrid lab: hybrid identical to native")
eq(hb.hybrid.instructions, hb.native.instructions, "hybrid lab: same instruction count as native")
eq(hb.hybrid.interpreted, hb.hybrid.instructions, "hybrid lab: every kernel instruction interpreted")
eq(hb.hybrid.traps, 0, "hybrid lab: no trap")
eq(hb.hybrid.cost > 10 * hb["trap-and-emulate"].cost, true, "hybrid lab: interpretation costs more")
print("vmm ok")

-- a callback may free another VM of the monitor during run_all (issue 14's
-- use-after-free): the round goes on without it
do
  local code = vlab.asm("m68k:68010", "top: move.w sr,d0\nbra.s top\n", { org = 0x1000 })
  local function mk(mon)
    local v = vlab.vmm { isa = "m68k:68010", ram = 65536, monitor = mon }
    v.guest:write(0x1000, code)
    v.guest.pc = 0x1000
    return v
  end
  local a = mk()
  local b = mk(a)
  local c = mk(a)
  b:on("trap", function() c = nil; collectgarbage() end)
  local live = a:run_all { slice = 5, max = 100 }
  eq(live >= 0, true, "run_all survives a VM freed by a callback")
  eq(c, nil, "the freed VM")
end
print("vmm ok (2)")

-- cost-model: the default cost table keeps Adams and Agesen's orders of
-- magnitude (docs/techniques.md reads them): an exit dearer than a trap
-- round trip, which is dearer than a callout of translated code, which is
-- dearer than interpreting one instruction
do
  print = function() end
  local cm = dofile("scenarios/cost-model.lua")
  print = print0
  local ev = {}
  for _, r in ipairs(cm.events) do ev[r.what:match("^[^:]+")] = ev[r.what:match("^[^:]+")] or r.cycles end
  eq(ev["hardware assist"] > ev["trap-and-emulate"], true, "cost model: an exit dearer than a trap")
  eq(ev["trap-and-emulate"] > ev["binary translation"], true, "cost model: a trap dearer than a callout")
  eq(ev["binary translation"] > ev.hybrid, true, "cost model: a callout dearer than one interpreted instruction")
  local c = cm.cost
  eq(ev["trap-and-emulate"], c.instruction + c.trap + 2 * c.world_switch + c.emulate, "cost model: the sum")
end
print("vmm ok (3)")
