-- m68k-move-from-sr.lua - the classic leak: MOVE from SR, 68000 vs 68010.
--
-- A tiny guest kernel reads its status register with MOVE from SR and prints
-- whether it believes it runs in supervisor mode (bit 13, S). It runs four
-- ways: natively and under the trap-and-emulate monitor, on the 68000 and
-- on the 68010.
--
-- What to observe:
--   * natively both models print "supervisor";
--   * under the monitor the guest kernel really runs in user mode. On the
--     68000 MOVE from SR is not privileged: it runs directly, reads the real
--     SR with S = 0, and the guest prints "user". The monitor is caught:
--     the 68000 is not virtualizable by trap-and-emulate (Popek-Goldberg
--     Theorem 1 fails: a sensitive instruction is not privileged).
--   * on the 68010 MOVE from SR is privileged: it traps, the monitor emulates
--     it against the guest's virtual SR (S = 1), and the guest cannot tell.
--     The trap column shows the price: one trap for the read, one for STOP.
--
-- Run: vlab run scenarios/m68k-move-from-sr.lua
local RAM = 1 << 20
local ORG = 0x1000

local KERNEL = [[
    move.w  sr,d0           ; the sensitive read
    btst    #13,d0          ; S: supervisor?
    beq.s   user
    lea     msg_s(pc),a0
    bra.s   print
user:
    lea     msg_u(pc),a0
print:
    move.b  (a0)+,d1
    beq.s   done
    move.b  d1,$dff000      ; the console
    bra.s   print
done:
    stop    #$2700
msg_s:
    .asciz  "supervisor"
msg_u:
    .asciz  "user"
]]

local function start(g, code)
  g:write(ORG, code)
  g:set_supervisor(true)
  g.regs.a7 = RAM
  g.pc = ORG
end

local rows = {}
for _, model in ipairs { "68000", "68010" } do
  local code = vlab.asm("m68k:" .. model, KERNEL, { org = ORG })

  local m = vlab.machine { isa = "m68k", model = model, ram = RAM }
  start(m, code)
  local s = m:run { max = 10000 }
  rows[#rows + 1] = { model = model, run = "native", says = m:console(), sr = m.regs.d0 & 0xFFFF,
                      traps = 0, stop = s.reason, instructions = m:stats().instructions }

  local vm = vlab.vmm { isa = "m68k", model = model, technique = "trap-and-emulate", ram = RAM }
  local seen = {}
  vm:on("trap", function(ev) seen[#seen + 1] = ev.kind .. " " .. ev.insn end)
  start(vm.guest, code)
  s = vm:run { max = 10000 }
  local st = vm:stats()
  rows[#rows + 1] = { model = model, run = "trap-and-emulate", says = vm.guest:console(),
                      sr = vm.guest.regs.d0 & 0xFFFF, traps = st.traps, stop = s.reason,
                      instructions = st.guest_instructions, seen = seen,
                      diffs = vlab.compare(m, vm.guest) }
end

print("MOVE from SR in a guest kernel: what does it believe?")
print()
print(string.format("| %-6s | %-16s | %-10s | %-6s | %5s | %-22s |", "model", "run", "prints", "SR", "traps",
  "difference from native"))
print("|--------|------------------|------------|--------|-------|------------------------|")
for _, r in ipairs(rows) do
  local diff = ""
  if r.diffs then
    if #r.diffs == 0 then diff = "none"
    else
      local t = {}
      for _, d in ipairs(r.diffs) do t[#t + 1] = d.what end
      diff = table.concat(t, ", ")
    end
  end
  print(string.format("| %-6s | %-16s | %-10s | 0x%04x | %5d | %-22s |", r.model, r.run, r.says, r.sr, r.traps, diff))
end
print()
for _, r in ipairs(rows) do
  if r.seen then print(string.format("%s under the monitor, traps: %s", r.model, table.concat(r.seen, "; "))) end
end
print()
-- the equivalence check ties every difference to the instruction that produced it
for _, model in ipairs { "68000", "68010" } do
  local r = vlab.equivalence { isa = "m68k", model = model, code = vlab.asm("m68k:" .. model, KERNEL, { org = ORG }),
                               org = ORG, sp = RAM, ram = RAM, max = 10000 }
  if r.equal then
    print(string.format("%s equivalence: natively and monitored, no difference in %d instructions", model,
      r.instructions))
  else
    print(string.format("%s equivalence: first difference after instruction %d, %s at 0x%x", model, r.first,
      r.insn, r.pc))
    for _, d in ipairs(r.final) do
      print(string.format("  %-36s <- instruction %d: %s", d.text, d.at, d.at_insn))
    end
  end
end
print()
print("68000: the monitored kernel prints \"user\": MOVE from SR leaks the real S bit (not privileged).")
print("68010: MOVE from SR traps and is emulated; the kernel cannot tell it is not in supervisor mode.")
return rows
