-- ppc_labs.lua - the PowerPC under the monitor from Lua (vlab.vmm{isa="ppc"},
-- the guest's view of its virtual privileged registers) and the checks of the
-- PowerPC labs: ppc-mfmsr, ppc-guest-os, compare-isas (with its 68k and i386 rows).
package.path = arg[0]:match("^(.-)[^/]*$") .. "?.lua;" .. package.path
local testlib = require "testlib"
local eq = testlib.eq

-- the Lua API works for ppc as for m68k
local vm = vlab.vmm { isa = "ppc", ram = 1 << 20 }
eq(vm.isa, "ppc", "isa")
eq(vm.model, "750", "model")
local g = vm.guest
eq(g:supervisor(), true, "guest starts in virtual supervisor state")
eq(g.regs.msr & 0x4000, 0, "guest MSR has PR = 0")
eq(g.regs.pvr, 0x00080200, "guest PVR")
g.regs.sprg2 = 0x1234
eq(g.regs.sprg2, 0x1234, "guest SPRG2 set through the virtual state")
g.regs.sr5 = 0x20000055
eq(g.regs.sr5, 0x20000055, "guest segment register")
g:set_supervisor(false)
eq(g.regs.msr & 0x4000, 0x4000, "virtual user state")
eq(g:supervisor(), false, "guest in virtual user state")
g:set_supervisor(true)
local ok = vm:check()
eq(ok, true, "resource control")
local modes = {}
g:on("mode", function(e) modes[#modes + 1] = e.mode end)
g:write(0x1000, vlab.asm("ppc", [[
    li 3, 0x5000
    mtsrr1 3
    li 3, 0x1014
    mtsrr0 3
    rfi
    sc
]], { org = 0x1000 }))
g:write(0xC00, vlab.asm("ppc", "mfsrr0 4\nb .\n", { org = 0xC00 }))
g.pc = 0x1000
local s = vm:run { max = 100 }
eq(s.reason, "halt", "halts in the sc handler")
eq(g.regs.r4, 0x1018, "sc: SRR0 = the next instruction (guest view)")
eq(g.regs.srr0, 0x1018, "guest srr0")
eq(g.regs.srr1 & 0x4000, 0x4000, "guest srr1: came from user state")
eq(table.concat(modes, " "), "user supervisor", "guest mode events")
local st = vm:stats()
eq(st.traps, 5, "mtsrr1 mtsrr0 rfi sc mfsrr0")
eq(st.reflected, 1, "sc reflected")

-- the guest's exception and mode events are those of the bare machine: the
-- real CPU's intercepts are the monitor's business, not the guest's
do
  local src = vlab.asm("ppc", "li 3,0x5000\nmtsrr1 3\nli 3,0x1014\nmtsrr0 3\nrfi\nsc\nmfmsr 3\n", { org = 0x1000 })
  local sch = vlab.asm("ppc", "mfsrr0 4\nmtsrr0 4\nrfi\n", { org = 0xC00 })
  local logs = {}
  for i, x in ipairs { vlab.machine { isa = "ppc", ram = 1 << 20 }, vlab.vmm { isa = "ppc", ram = 1 << 20 }.guest } do
    local log = {}
    x:on("exception", function(e) log[#log + 1] = string.format("%x@%x", e.vector, e.pc) end)
    x:on("mode", function(e) log[#log + 1] = e.mode end)
    x:write(0x1000, src)
    x:write(0xC00, sch)
    x:write(0x700, vlab.asm("ppc", "b .", { org = 0x700 }))
    x.pc = 0x1000
    eq(x:run { max = 100 }.reason, "halt", "events run " .. i)
    logs[i] = table.concat(log, " ")
  end
  eq(logs[1], "user c00@1018 supervisor user 700@1018 supervisor", "native events")
  eq(logs[2], logs[1], "guest events under the monitor")
end

-- ppc-mfmsr
local rows = dofile("scenarios/ppc-mfmsr.lua")
local nat, mon = rows[1], rows[2]
eq(nat.run, "native", "row 1")
eq(mon.run, "trap-and-emulate", "row 2")
assert(nat.says:find("kernel: supervisor", 1, true), "native kernel believes supervisor: " .. nat.says)
eq(mon.says, nat.says, "monitored kernel prints the same")
eq(nat.msr, 0x1000, "native MSR read: PR = 0")
eq(mon.msr, nat.msr, "monitored MSR read: the same value")
eq(nat.srr1 & 0x40000, 0x40000, "native: SRR1 privileged bit")
eq(mon.srr1, nat.srr1, "monitored: the same SRR1")
eq(mon.srr0, nat.srr0, "monitored: the same SRR0")
eq(mon.traps, 7, "traps: mfmsr mtsrr1 mtsrr0 rfi, user mfmsr, mfsrr0 mfsrr1")
eq(mon.emulated, 6, "emulated")
eq(mon.reflected, 1, "reflected: the user's mfmsr")
eq(mon.seen[5], "reflected mfmsr   r6", "the user's mfmsr was reflected")
eq(#mon.diffs, 0, "no difference")
eq(mon.check, true, "resource control")
eq(mon.instructions, nat.instructions, "same instruction count")
eq(rows.equivalence.equal, true, "equivalence check")

-- ppc-guest-os
local os = dofile("scenarios/ppc-guest-os.lua")
eq(os.monitored, os.native, "guest OS: same console natively and monitored")
assert(os.native:find("translation on", 1, true), "the kernel turned translation on")
assert(os.native:find("ping pong", 1, true) or os.native:find("pong ping", 1, true),
  "tasks interleave: " .. os.native)
assert(os.native:find("[kill task 1: DSI at 0x00003000]", 1, true), "the kernel's memory is protected: " .. os.native)
assert(os.native:find("[halt] ticks 0x", 1, true), "the kernel halts")
eq(os.native_stop, "halt", "native stop")
eq(os.stop, "halt", "monitored stop")
eq(#os.diffs, 0, "guest OS: no difference")
eq(os.instructions, os.native_instructions, "same instruction count")
eq(os.vm_ticks, os.ticks, "same ticks")
assert(os.ticks >= 5, "the decrementer preempted")
assert(os.reflected > 10 and os.emulated > 10, "ticks and system calls reach the monitor")
eq(os.kinds["reflected 0x900"], os.ticks, "every tick reflected")
eq(os.kinds["reflected 0x300"], 1, "one DSI")
eq(os.check, true, "resource control after the guest OS")
eq(os.msr & 0x4000, 0, "the guest ends in virtual supervisor state")
eq(os.sdr1, 0x00010000, "the guest's SDR1")
-- the equivalence check in lockstep, instruction by instruction when needed
local eqr = vlab.equivalence { isa = "ppc", model = "750", code = os.image(1500), org = 0, entry = 0x1000,
                               sp = 1 << 20, ram = 1 << 20, max = 5000000 }
eq(eqr.equal, true, "guest OS: vlab.equivalence")
eq(eqr.instructions, os.native_instructions, "guest OS: vlab.equivalence ran it all")
-- preemption points agree for many quanta
for q = 37, 3000, 131 do
  local r = os.run(q)
  eq(r.monitored, r.native, "guest OS, quantum " .. q .. ": console")
  eq(#r.diffs, 0, "guest OS, quantum " .. q .. ": differences")
  eq(r.check, true, "guest OS, quantum " .. q .. ": resource control")
end

-- compare-isas
local cmp = dofile("scenarios/compare-isas.lua")
local by = {}
for _, r in ipairs(cmp) do by[r.model] = r end
for _, m in ipairs { "68000", "68010", "750" } do
  eq(by[m].native_kernel, "supervisor", m .. ": native kernel believes supervisor")
end
eq(by["68000"].kernel, "user", "68000 under the monitor: caught")
eq(by["68000"].kernel_read_traps, false, "68000: MOVE from SR does not trap")
eq(by["68000"].user, "direct", "68000: the user's read runs directly")
eq(by["68000"].leak, true, "68000 leaks")
for _, m in ipairs { "68010", "750" } do
  eq(by[m].kernel, "supervisor", m .. " under the monitor: cannot tell")
  eq(by[m].kernel_read_traps, true, m .. ": the kernel's read traps")
  eq(by[m].user, "trapped", m .. ": the user's read reaches the kernel's handler")
  eq(#by[m].diffs, 0, m .. ": no difference")
  eq(by[m].leak, false, m .. ": no leak")
end
-- the sweep's verdicts (the scenario leaves them nil when vlab.sweep is
-- missing or fails: that fails here)
eq(by["750"].theorem1, true, "750 sweep: Theorem 1 holds")
eq(by["750"].sweep_leaks, 0, "750 sweep: no leak under the monitor")
eq(by["68000"].theorem1, false, "68000 sweep: Theorem 1 fails")
eq(by["68000"].sweep_leaks, 8, "68000 sweep: the 8 MOVE from SR forms leak")
eq(by["68010"].theorem1, true, "68010 sweep: Theorem 1 holds")
eq(by["68010"].sweep_leaks, 0, "68010 sweep: no leak")
-- the i386: MOV from CS leaks the CPL, MOV from CR0 traps in ring 3
eq(by["i386"].native_kernel, "supervisor", "i386: native kernel sees ring 0")
eq(by["i386"].kernel, "user", "i386 under the monitor: caught by MOV from CS")
eq(by["i386"].kernel_read_traps, false, "i386: MOV from CS does not trap")
eq(by["i386"].native_user, "trapped", "i386: the user's MOV from CR0 traps natively")
eq(by["i386"].user, "trapped", "i386: and reaches the kernel's handler under the monitor")
eq(by["i386"].leak, true, "i386 leaks")
eq(by["i386"].theorem1, false, "i386 sweep: Theorem 1 fails")
-- the hybrid monitor interprets every kernel: none of them can tell
for _, m in ipairs { "68000", "68010", "750", "i386" } do
  eq(by[m].hybrid_kernel, "supervisor", m .. " under hybrid: the kernel believes supervisor")
end
eq(#by["i386"].hybrid_diffs, 0, "i386 under hybrid: no difference")
print("ppc labs ok")
