-- traced_self_branch.lua - a branch to itself under trace (68000/68010 T,
-- PowerPC MSR[SE], x86 TF) is no halt: the trace exception follows every
-- iteration and a handler that returns makes it a loop that runs on. The
-- same natively and under every technique of the monitor (the fuzz
-- campaign's code-68010 input: natively a halt there let the run loop skip
-- the handler's runs up to the timer's next tick, so the two sides differed).
package.path = arg[0]:match("^(.-)[^/]*$") .. "?.lua;" .. package.path
local t = require "testlib"

local COUNT = 0x3000 -- the handler counts its runs here
local MAX = 150      -- iterations of 3 (m68k, x86) or 5 (PowerPC) instructions
local PER = { m68k = 3, ppc = 5, x86 = 3 } -- the branch and the handler

-- each ISA: the handler and what turns the trace on, on a machine or a guest
local setups = {
  m68k = function(m, model)
    m:write(0x1000, vlab.asm("m68k:" .. model, "bra.s .\n", { org = 0x1000 }))
    m:write_u32(9 * 4, 0x2000)
    m:write(0x2000, vlab.asm("m68k:" .. model, "addq.l #1,0x3000\nrte\n", { org = 0x2000 }))
    m.pc = 0x1000
    m.regs.sp = 0x8000
    m.regs.sr = 0xa700
  end,
  ppc = function(m)
    m:write(0x1000, vlab.asm("ppc", "b .\n", { org = 0x1000 }))
    m:write(0xd00, vlab.asm("ppc", "lwz 4,0x3000(0)\naddi 4,4,1\nstw 4,0x3000(0)\nrfi\n", { org = 0xd00 }))
    m.pc = 0x1000
    m.regs.msr = 0x1400 -- ME, SE; EE = 0: untraced, a halt
  end,
  -- from reset to protected mode (the monitor's x86 guests start at reset),
  -- the trace on through POPF; the run starts at the loop
  x86 = function(m, model)
    m:reset()
    m:write(0x7c00, vlab.asm("x86:" .. model, t.x86_boot .. [[
  lidtl idtr
  pushl $0x102
  popfl
  jmp 0x1000
]] .. t.x86_gdt .. [[
idt:
  .long 0, 0
  .word 0x2000, 8, 0x8e00, 0
idtr:
  .word 15
  .long idt
]], { org = 0x7c00 }))
    m:write(0x1000, vlab.asm("x86:" .. model, "jmp .\n", { org = 0x1000 }))
    m:write(0x2000, vlab.asm("x86:" .. model, "incl 0x3000\niret\n", { org = 0x2000 }))
    m.regs.cs = 0
    m.pc = 0x7c00
    return 0x1000
  end,
}

-- the boot's own traced jump ran the handler once: counted from the loop on
local function boot(where, m, run, at)
  if at then t.eq(run { until_pc = at, max = 100 }.reason, "breakpoint", where .. ": boot") end
  m:write_u32(COUNT, 0)
end

local function check(where, isa, m, s)
  t.eq(s.reason, "budget", where .. ": the stop")
  t.eq(s.instructions, MAX, where .. ": instructions")
  t.eq(m:read_u32(COUNT), MAX // PER[isa], where .. ": handler runs")
  t.eq(m.pc, 0x1000, where .. ": pc")
end

local runs = 0
for _, isa in ipairs(vlab.isas()) do
  for _, model in ipairs(vlab.models(isa)) do
    local m = vlab.machine { isa = isa, model = model, ram = 1 << 20 }
    boot(isa .. ":" .. model .. " natively", m, function(o) return m:run(o) end, setups[isa](m, model))
    check(isa .. ":" .. model .. " natively", isa, m, m:run { max = MAX })
    runs = runs + 1
    for _, tech in ipairs(vlab.techniques()) do
      local ok, vm = pcall(vlab.vmm, { isa = isa, model = model, technique = tech.name, ram = 1 << 20 })
      if ok then
        local where = isa .. ":" .. model .. " under " .. tech.name
        boot(where, vm.guest, function(o) return vm:run(o) end, setups[isa](vm.guest, model))
        check(where, isa, vm.guest, vm:run { max = MAX })
        t.eq(vm:check(), true, where .. ": resource control")
        runs = runs + 1
      end
    end
  end
end
print(string.format("traced branch to itself: %d runs, every one a loop", runs))
