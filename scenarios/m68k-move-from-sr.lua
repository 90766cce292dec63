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
package.path = (debug.getinfo(1, "S").source:match("^@(.-)[^/]*$") or "./") .. "../scripts/?.lua;" .. package.path
local lab = require "labkit"
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

local rows = {}
for _, model in ipairs { "68000", "68010" } do
  local p = lab.pair { isa = "m68k", model = model, ram = RAM, org = ORG, sp = RAM,
                       code = lab.image("m68k", model, KERNEL, ORG) }
  rows[#rows + 1] = { model = model, run = "native", says = p.m:console(), sr = p.m.regs.d0 & 0xFFFF,
                      traps = 0, stop = p.native.reason, instructions = p.m:stats().instructions, diff = "" }
  rows[#rows + 1] = { model = model, run = "trap-and-emulate", says = p.vm.guest:console(),
                      sr = p.vm.guest.regs.d0 & 0xFFFF, traps = p.stats.traps, stop = p.monitored.reason,
                      instructions = p.stats.guest_instructions, seen = p.log, diffs = p.diffs,
                      diff = lab.diff_text(p.diffs) }
end

print("MOVE from SR in a guest kernel: what does it believe?")
print()
lab.print_table({ { "model", "%-6s", "model" }, { "run", "%-16s", "run" }, { "prints", "%-10s", "says" },
                  { "SR", "0x%04x", "sr" }, { "traps", "%5d", "traps" },
                  { "difference from native", "%-22s", "diff" } }, rows)
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
