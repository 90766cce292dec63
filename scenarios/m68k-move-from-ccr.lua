-- m68k-move-from-ccr.lua - what the 68010's MOVE from CCR is for.
--
-- The 68010 made MOVE from SR privileged so that a monitor can trap it (see
-- m68k-move-from-sr.lua). Code that only wants the condition codes would then
-- pay one trap per read when it runs in a virtual machine, so the 68010 added
-- MOVE from CCR, which is not privileged. The same guest loop (1000 rounds of
-- arithmetic that saves its flags) runs under the monitor twice: reading the
-- flags with MOVE from SR, and with MOVE from CCR.
--
-- What to observe:
--   * both versions compute the same result (the sum of the saved flags);
--   * with MOVE from SR every read traps and is emulated: about a thousand
--     traps and a simulated cost many times the instruction count;
--   * with MOVE from CCR the loop runs directly: one trap (the final STOP),
--     cost close to one cycle per instruction.
--   * (on the 68000 MOVE from CCR does not exist: an illegal instruction.)
--
-- Run: vlab run scenarios/m68k-move-from-ccr.lua
package.path = (debug.getinfo(1, "S").source:match("^@(.-)[^/]*$") or "./") .. "../scripts/?.lua;" .. package.path
local lab = require "labkit"
local RAM = 1 << 20
local ORG = 0x1000
local ROUNDS = 1000

local function program(read)
  return string.format([[
    moveq   #0,d3           ; sum of the flags
    move.w  #%d,d2          ; rounds - 1
    moveq   #1,d4
loop:
    add.l   d4,d4           ; some arithmetic that sets flags
    %s                      ; save the flags
    andi.w  #$1f,d0
    add.l   d0,d3
    dbf     d2,loop
    stop    #$2700
]], ROUNDS - 1, read)
end

local rows = {}
for _, v in ipairs { { "move from sr", "move.w sr,d0" }, { "move from ccr", "move.w ccr,d0" } } do
  local vm = vlab.vmm { isa = "m68k", model = "68010", technique = "trap-and-emulate", ram = RAM }
  local g = lab.boot(vm.guest, lab.image("m68k", "68010", program(v[2]), ORG), { org = ORG, sp = RAM })
  local t0 = os.clock()
  local s = vm:run { max = 1000000 }
  local secs = os.clock() - t0
  local st = vm:stats()
  rows[#rows + 1] = { read = v[1], result = g.regs.d3, stop = s.reason, instructions = st.guest_instructions,
                      traps = st.traps, emulated = st.emulated, cost = st.cost, secs = secs }
end

print(string.format("68010 guest under trap-and-emulate, %d rounds of saving the flags", ROUNDS))
print()
lab.print_table({ { "flags read by", "%-13s", "read" }, { "result", "%6d", "result" },
                  { "instructions", "%12d", "instructions" }, { "traps", "%5d", "traps" },
                  { "emulated", "%8d", "emulated" }, { "cost", "%8d", "cost" },
                  { "cost/instruction", "%16.2f", function(r) return r.cost / r.instructions end } }, rows)
print()
print(string.format("MOVE from CCR saves %d traps and %.1fx the simulated cost (cost table: vm:cost()).",
  rows[1].traps - rows[2].traps, rows[1].cost / rows[2].cost))
return rows
