-- run_limits.lua - what a budget means: m:run{max=0} and vm:run{max=0} run
-- no instruction (a budget stop where the machine stands), max=N exactly N,
-- no max at all runs until the guest stops by itself (issue 13 item 3).
package.path = arg[0]:match("^(.-)[^/]*$") .. "?.lua;" .. package.path
local testlib = require "testlib"
local eq = testlib.eq

-- moveq #1,d0; addq.l #1,d0 (x3); bra .
local code = vlab.asm("68000", "moveq #1,d0\naddq.l #1,d0\naddq.l #1,d0\naddq.l #1,d0\nbra .\n", { org = 0x1000 })

local function fresh()
  local m = vlab.machine { isa = "m68k", ram = 1 << 16 }
  m:write(0x1000, code)
  m.pc = 0x1000
  m.regs.d0 = 99
  return m
end

for _, form in ipairs { "table", "number" } do
  local m = fresh()
  local s = form == "table" and m:run { max = 0 } or m:run(0)
  eq(s.reason, "budget", form .. " max 0: reason")
  eq(s.instructions, 0, form .. " max 0: instructions")
  eq(s.pc, 0x1000, form .. " max 0: pc")
  eq(m.pc, 0x1000, form .. " max 0: the machine did not move")
  eq(m.regs.d0, 99, form .. " max 0: d0 untouched")
  eq(m:stats().instructions, 0, form .. " max 0: nothing retired")
end

local m = fresh()
local s = m:run { max = 2 }
eq(s.reason, "budget", "max 2: reason")
eq(s.instructions, 2, "max 2: instructions")
eq(m.regs.d0, 2, "max 2: moveq and one addq")
s = m:run { max = 0 }
eq(s.instructions, 0, "max 0 after a run")
eq(m.regs.d0, 2, "max 0 after a run: d0")
s = m:run()
eq(s.reason, "halt", "no max: runs until the guest halts")
eq(m.regs.d0, 4, "no max: every addq ran")

-- the same under the monitor
local vm = vlab.vmm { isa = "m68k", ram = 1 << 16 }
local g = vm.guest
g:write(0x1000, code)
g.pc = 0x1000
s = vm:run { max = 0 }
eq(s.reason, "budget", "vm max 0: reason")
eq(s.instructions, 0, "vm max 0: instructions")
eq(g.pc, 0x1000, "vm max 0: pc")
s = vm:run { max = 3 }
eq(s.instructions, 3, "vm max 3")
s = vm:run {}
eq(s.reason, "halt", "vm without max: halts")
eq(g.regs.d0, 4, "vm without max: d0")
-- m:gdb{} checks its options before it opens anything (tests/gdb.sh runs sessions)
local fails = testlib.fails
fails("gdb: unknown option 'prot' (known: port, wait, max)", m.gdb, m, { prot = 1234 })
fails("gdb: port 70000 is not 0 to 65535", m.gdb, m, { port = 70000 })
fails("gdb: wait 0 is not 1 to 86400 seconds", m.gdb, m, { wait = 0 })
fails("gdb: max -1 is negative", vm.gdb, vm, { max = -1 })
fails("gdb: field 'port' must be an integer", m.gdb, m, { port = "x" })
print("run_limits: ok")
