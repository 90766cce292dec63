-- idle_step.lua - a run that ends in the instruction that idles the CPU
-- (m68k STOP, x86 HLT with interrupts off) stops in the step that executes
-- it, natively and under every technique, one step at a time or in one go:
-- under the monitor the instruction traps and is emulated, and the idle
-- stop once came a step later, from the next run, not from that step.
package.path = arg[0]:match("^(.-)[^/]*$") .. "?.lua;" .. package.path
local testlib = require "testlib"
local eq = testlib.eq

-- (x86: from the reset state through protected mode, its kernel at real
-- CPL 1 under ring compression, where HLT traps)
local m68k = "  moveq #3,d0\nl: subq.l #1,d0\n  bne.s l\n  stop #0x2700\n"
local x86 = testlib.x86_boot .. "  mov $3, %ecx\nl: dec %ecx\n  jnz l\n  cli\n  hlt\n" .. testlib.x86_gdt
local guests = {
  { isa = "m68k:68000", src = m68k, org = 0x1000 },
  { isa = "m68k:68010", src = m68k, org = 0x1000 },
  { isa = "x86:i386", src = x86, org = 0x7c00, cs = 0 },
  { isa = "x86:pentium", src = x86, org = 0x7c00, cs = 0 },
}
local function load(m, g, code)
  -- x86: from the reset state, as a VM starts (a bare machine starts as
  -- a Multiboot loader leaves it)
  if g.cs and m.reset then m:reset() end
  m:write(g.org, code)
  if g.cs then m.regs.cs = g.cs end
  m.pc = g.org
end

-- steps until the stop, and the stop
local function stepped(m, step)
  for k = 1, 100 do
    local s = step()
    if s.reason ~= "budget" then return k, s.reason, s.pc end
  end
  return nil, "none", m.pc
end

local techniques = { "trap-and-emulate", "hybrid", "hw-assist", "paravirt", "binary-translation", "scan-and-patch" }
local checked = 0
for _, g in ipairs(guests) do
  local code = vlab.asm(g.isa, g.src, { org = g.org })
  local m = vlab.machine { isa = g.isa, ram = 1 << 20 }
  load(m, g, code)
  local kn, rn, pn = stepped(m, function() return m:step(1) end)
  assert(kn, g.isa .. ": natively no stop")
  for _, t in ipairs(techniques) do
    for _, way in ipairs { "step", "run" } do
      local vm = vlab.vmm { isa = g.isa, ram = 1 << 20, technique = t }
      load(vm.guest, g, code)
      local k, r, p
      if way == "step" then
        k, r, p = stepped(vm.guest, function() return vm:step(1) end)
      else
        -- in one go, a budget of exactly the instructions up to the idle one
        local s = vm:run { max = kn }
        k, r, p = kn, s.reason, s.pc
      end
      local what = string.format("%s under %s, %s", g.isa, t, way)
      eq(r, rn, what .. ": the stop")
      eq(k, kn, what .. ": the step it comes in")
      eq(p, pn, what .. ": its pc")
      checked = checked + 1
    end
  end
end
print(string.format("idle_step: %d runs stop where the bare machine does", checked))

-- A callback that asks to stop at the trap of an instruction that leaves
-- the guest halted for good (here a JMP to itself in real mode, every
-- instruction trapping and emulated): the run reports the halt, as the
-- run without the callback does, not a breakpoint after which a resumed
-- run executed the jump again (fuzz campaign, code-i386 seed 70000 input
-- 57911, then with a LOOP to itself, which counted CX down once more; a
-- LOOP to itself is a delay loop now, not a halt)
for _, t in ipairs { "trap-and-emulate", "paravirt" } do
  local vm = vlab.vmm { isa = "x86:i386", ram = 1 << 20, technique = t }
  vm.guest:write(0x1000, "\x41\xeb\xfe") -- inc %cx; jmp .
  vm.guest.regs.cs = 0
  vm.guest.pc = 0x1000
  vm.guest.regs.ecx = 0
  local traps = 0
  vm:on("trap", function() traps = traps + 1; return traps == 2 end)
  local r = vm:run { max = 100 }
  eq(r.reason, "halt", t .. ": a stop asked at the JMP to itself: the halt")
  eq(r.pc, 0x1001, t .. ": at the JMP")
  eq(vm.guest.regs.ecx & 0xffff, 1, t .. ": the INC ran once")
  eq(traps, 2, t .. ": two traps")
end
print("idle_step: and 2 callback stops at a halt")
