-- first.lua - the README's first lab: is MOVE from SR privileged?
--
-- The same four instructions run in user mode on the 68000 and on the 68010.
--
-- What to observe:
--   * the 68000 runs MOVE from SR in user mode and d0 holds the real status
--     register (a guest kernel run deprivileged would see S = 0 and the real
--     interrupt mask): a sensitive instruction that does not trap;
--   * the 68010 stops with a privilege violation: Motorola made the
--     instruction privileged so that a monitor can trap and emulate it.
--
-- Run: vlab run scenarios/first.lua
--  or: lua5.4 -l vlab scenarios/first.lua          (the C module, vlab.so)
--  or: luajit -e 'vlab = require "vlab_ffi"' scenarios/first.lua   (the FFI)
-- It is written in the Lua that all three understand.
for _, model in ipairs { "68000", "68010" } do
  local m = vlab.machine { isa = "m68k", model = model, ram = 65536 }
  m:write(0x1000, vlab.asm(model, "move.w sr,d0\nbra .\n"))
  m.pc, m.regs.ssp = 0x1000, 0x8000
  m:set_supervisor(false)                    -- run it as user code
  local s = m:run { max = 100 }
  print(("%-6s %-10s %-20s d0 = 0x%04x"):format(model, s.reason, s.name or "", m.regs.d0))
end
