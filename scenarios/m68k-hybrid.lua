-- m68k-hybrid.lua - Popek and Goldberg's hybrid monitor catches what
-- trap-and-emulate cannot, on the 68000, and what it costs.
--
-- The guest kernel of m68k-move-from-sr.lua reads its status register with
-- MOVE from SR and prints whether it believes it runs in supervisor mode,
-- then counts to 200 in a loop of ordinary instructions. It runs on the
-- 68000 natively, under trap-and-emulate and under the hybrid monitor.
--
-- What to observe:
--   * under trap-and-emulate the kernel runs deprivileged on the real CPU;
--     MOVE from SR is not privileged on the 68000, reads the real S = 0, and
--     the kernel prints "user": the monitor is caught (Theorem 1 fails);
--   * under the hybrid monitor every instruction the guest executes in
--     virtual supervisor mode is interpreted against its virtual SR: the
--     kernel prints "supervisor", as natively. The 68000 satisfies Theorem
--     3 (its user-sensitive instructions are all privileged), so the hybrid
--     monitor is equivalent where trap-and-emulate is not;
--   * the price: trap-and-emulate runs the loop directly (cost close to the
--     instruction count), the hybrid monitor interprets every kernel
--     instruction (the "interpreted" column, each at the cost table's
--     "interpret" cycles). Compare the cost columns.
--
-- Run: vlab run scenarios/m68k-hybrid.lua
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
    beq.s   count
    move.b  d1,$dff000      ; the console
    bra.s   print
count:
    move.l  #200,d2         ; some ordinary kernel work
loop:
    subq.l  #1,d2
    bne.s   loop
    stop    #$2700
msg_s:
    .asciz  "supervisor"
msg_u:
    .asciz  "user"
]]

local code = lab.image("m68k", "68000", KERNEL, ORG)
local boot = { org = ORG, sp = RAM }

local m = lab.boot(vlab.machine { isa = "m68k", model = "68000", ram = RAM }, code, boot)
m:run { max = 100000 }
local rows = { { run = "native", says = m:console(), instructions = m:stats().instructions,
                 traps = 0, interpreted = 0, cost = m:stats().instructions, diffs = {}, diff = "" } }

for _, technique in ipairs { "trap-and-emulate", "hybrid" } do
  local vm = vlab.vmm { isa = "m68k", model = "68000", technique = technique, ram = RAM }
  lab.boot(vm.guest, code, boot)
  vm:run { max = 100000 }
  local st = vm:stats()
  local diffs = vlab.compare(m, vm.guest)
  rows[#rows + 1] = { run = technique, says = vm.guest:console(), instructions = st.guest_instructions,
                      traps = st.traps, interpreted = st.interpreted, cost = st.cost, diffs = diffs,
                      diff = lab.diff_text(diffs) }
end

print("The MOVE from SR kernel on the 68000: natively, trap-and-emulate, hybrid")
print()
lab.print_table({ { "run", "%-16s", "run" }, { "prints", "%-10s", "says" }, { "instructions", "%12d", "instructions" },
                  { "traps", "%5d", "traps" }, { "interpreted", "%11d", "interpreted" }, { "cost", "%6d", "cost" },
                  { "difference", "%-18s", "diff" } }, rows)
print()
for _, technique in ipairs { "trap-and-emulate", "hybrid" } do
  local e = vlab.equivalence { isa = "m68k", model = "68000", technique = technique, code = code, org = ORG,
                               sp = RAM, ram = RAM, max = 100000 }
  if e.equal then
    print(string.format("%-16s equivalent to the bare 68000 over %d instructions", technique, e.instructions))
  else
    print(string.format("%-16s differs first after instruction %d: %s", technique, e.first, e.insn))
  end
end
print()
print("trap-and-emulate is caught by MOVE from SR; the hybrid monitor is not, at the price of")
print("interpreting every supervisor-mode instruction (Popek-Goldberg Theorem 3).")
return rows
