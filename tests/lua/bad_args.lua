-- bad_args.lua - arguments fuzzing found mishandled (issue 14.3): a value is
-- reported as given, never truncated first; an ISA name is a whole name (no
-- empty ISA before a colon, no NUL byte cutting it short); an error names its
-- function once; negative addresses print as negative numbers.
package.path = arg[0]:match("^(.-)[^/]*$") .. "?.lua;" .. package.path
local testlib = require "testlib"
local fails, eq = testlib.fails, testlib.eq

-- states: the value given, not the value truncated to 32 bits
fails("vlab.sweep: states must be 1..1024 (got 4294967297)", vlab.sweep, { isa = "m68k", states = (1 << 32) + 1 })
fails("vlab.sweep: states must be 1..1024 (got -1)", vlab.sweep, { isa = "m68k", states = -1 })
fails("vlab.sweep: states must be 1..1024 (got 0)", vlab.sweep, { isa = "m68k", states = 0 })

-- an ISA name: no empty ISA before the colon
fails("vlab.machine: missing isa before ':68010' (known: m68k", vlab.machine, { isa = ":68010" })
fails("vlab.vmm: missing isa before ':68010'", vlab.vmm, { isa = ":68010" })
fails("vlab.sweep: missing isa before ':68010'", vlab.sweep, { isa = ":68010" })
fails("missing isa before ':68010'", vlab.asm, ":68010", "nop")
-- nor a NUL byte: C would read "m68k"
fails("vlab.machine: field 'isa' contains a NUL byte", vlab.machine, { isa = "m68k\0x" })
fails("vlab.machine: field 'model' contains a NUL byte", vlab.machine, { isa = "m68k", model = "68010\0x" })
fails("vlab.machine: isa contains a NUL byte", vlab.machine, "m68k\0x")
fails("vlab.vmm: field 'technique' contains a NUL byte", vlab.vmm, { isa = "m68k", technique = "hybrid\0x" })
fails("vlab.sweep: field 'filter' contains a NUL byte", vlab.sweep, { isa = "m68k", filter = "move\0x" })
fails("vlab.asm: isa contains a NUL byte", vlab.asm, "m68k\0x", "nop")
fails("vlab.disasm: isa contains a NUL byte", vlab.disasm, "m68k\0x", "\78\113")
fails("vlab.models: isa contains a NUL byte", vlab.models, "m68k\0x")
local m = vlab.machine { isa = "m68k", ram = 1 << 16 }
fails("regs: register name contains a NUL byte", function() return m.regs["d0\0x"] end)
fails("regs: register name contains a NUL byte", function() m.regs["d0\0x"] = 1 end)
fails("on: event contains a NUL byte", m.on, m, "step\0x", function() end)
fails("load: path contains a NUL byte", m.load, m, "/dev/null\0x")
fails("vlab.table: format contains a NUL byte", vlab.table, { rows = {} }, "md\0x")
local vm = vlab.vmm { isa = "m68k:68010", ram = 1 << 16 }
fails("on: event contains a NUL byte", vm.on, vm, "trap\0x", function() end)
fails("set_cost: a name contains a NUL byte", vm.set_cost, vm, { ["trap\0x"] = 1 })

-- one prefix per message
local e = fails("vlab.sweep: unknown technique 'nope' (known: ", vlab.sweep, { isa = "m68k", technique = "nope" })
assert(not e:find("sweep: sweep:", 1, true) and not e:find("sweep: unknown technique.*sweep:"), e)
e = fails("vlab.vmm: unknown technique 'nope'", vlab.vmm, { isa = "m68k", technique = "nope" })
assert(not e:find("vmm: vmm:", 1, true), e)

-- negative values print as negative numbers, never as 0xffffffffffffffff
local function negative(want, f, ...)
  local err = fails(want, f, ...)
  assert(not err:lower():find("ffffffffffffffff", 1, true), err)
end
negative("read: address -1 is negative", m.read, m, -1, 1)
negative("write_u32: address -1 is negative", m.write_u32, m, -1, 0)
negative("read: length -1 is negative", m.read, m, 0, -1)
negative("-1", m.disasm, m, -1)
negative("-1", function() m.pc = -1 end)
negative("-1", m.load, m, "/dev/null", -1)
negative("-1", m.run, m, { until_pc = -1 })
negative("-1", m.run, m, { max = -1 })
negative("-1", vlab.asm, "m68k", "nop", { org = -1 })
negative("-1", vlab.disasm, "m68k", "\78\113", -1)
negative("read: address -1 is negative", vm.guest.read, vm.guest, -1, 1)
negative("-1", function() vm.guest.pc = -1 end)
negative("-1", vm.run_all, vm, { max = -1 })
negative("-1", vlab.vmm, { isa = "m68k", ram = -1 })
negative("-1", vlab.machine, { isa = "m68k", ram = -1 })
print("bad_args: ok")
