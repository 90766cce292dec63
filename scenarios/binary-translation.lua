-- binary-translation.lua - VMware's answer to the 68000's MOVE from SR:
-- translate the kernel's code, or patch it in place; what each fixes, what
-- each costs, and what a kernel that reads or rewrites its own code sees.
--
-- The guest kernel reads its status register with MOVE from SR and prints
-- whether it believes it runs in supervisor mode; then it calls a routine
-- that prints a letter, rewrites that routine's first instruction (the
-- letter 'a' becomes 'b') and calls it again; last it reads its own first
-- instruction back and prints whether it is intact. It runs on the 68000
-- natively, under trap-and-emulate, binary-translation and scan-and-patch.
--
-- What to observe:
--   * trap-and-emulate: MOVE from SR runs directly and reads the real S = 0:
--     "user" (the leak);
--   * binary-translation: the kernel's code is translated block by block;
--     MOVE from SR becomes a callout that reads the virtual SR:
--     "supervisor". The rewritten routine was translated already: the write
--     watch drops the stale block ("flushes") and the new instruction runs:
--     "ab". The translation lives in the monitor region, so the kernel reads
--     its own code intact: equivalent to the bare machine;
--   * scan-and-patch: MOVE from SR is overwritten with ILLEGAL, whose trap
--     the monitor emulates: "supervisor", with no translation (a scan and a
--     patch per sensitive instruction, a trap each time it runs), but the
--     kernel reading its code finds ILLEGAL there: "code patched". The
--     equivalence check shows that difference, and only it (memory and
--     what the kernel read);
--   * the costs: the callouts of binary translation against the traps of the
--     patches; compare the "cost" column with the instruction count.
--
-- Run: vlab run scenarios/binary-translation.lua
package.path = (debug.getinfo(1, "S").source:match("^@(.-)[^/]*$") or "./") .. "../scripts/?.lua;" .. package.path
local lab = require "labkit"
local RAM = 1 << 20
local ORG = 0x1000

local KERNEL = [[
start:
    move.w  sr,d0           ; the sensitive read
    btst    #13,d0          ; S: supervisor?
    beq.s   user
    lea     msg_s(pc),a0
    bra.s   say
user:
    lea     msg_u(pc),a0
say:
    bsr     print
    bsr     letter          ; 'a'
    move.w  #$7262,letter   ; moveq #'b',d1 over moveq #'a',d1: the kernel patches itself
    bsr     letter          ; 'b'
    cmp.w   #$40c0,start    ; its own first instruction: MOVE from SR?
    beq.s   intact
    lea     msg_p(pc),a0
    bra.s   fin
intact:
    lea     msg_i(pc),a0
fin:
    bsr     print
    stop    #$2700
letter:
    moveq   #'a',d1
    move.b  d1,$dff000      ; the console
    rts
print:
    move.b  (a0)+,d1
    beq.s   done
    move.b  d1,$dff000
    bra.s   print
done:
    rts
msg_s:
    .asciz  "supervisor "
msg_u:
    .asciz  "user "
msg_i:
    .asciz  " code intact"
msg_p:
    .asciz  " code patched"
]]

local TECHNIQUES = { "trap-and-emulate", "binary-translation", "scan-and-patch" }
local code = lab.image("m68k", "68000", KERNEL, ORG)
local boot = { org = ORG, sp = RAM }

local m = lab.boot(vlab.machine { isa = "m68k", model = "68000", ram = RAM }, code, boot)
m:run { max = 100000 }
local rows = { { run = "native", says = m:console(), instructions = m:stats().instructions, traps = 0,
                 callouts = 0, blocks = 0, flushes = 0, patched = 0, cost = m:stats().instructions, diff = "" } }

for _, technique in ipairs(TECHNIQUES) do
  local vm = vlab.vmm { isa = "m68k", model = "68000", technique = technique, ram = RAM }
  lab.boot(vm.guest, code, boot)
  vm:run { max = 100000 }
  local st = vm:stats()
  rows[#rows + 1] = { run = technique, says = vm.guest:console(), instructions = st.guest_instructions,
                      traps = st.traps, callouts = st.callouts, blocks = st.blocks, flushes = st.flushes,
                      patched = st.patched, cost = st.cost, diff = lab.diff_text(vlab.compare(m, vm.guest)) }
end

print("A 68000 kernel that reads SR, rewrites its own code and reads it back")
print()
lab.print_table({ { "run", "%-18s", "run" }, { "prints", "%-28s", "says" }, { "instructions", "%12d", "instructions" },
                  { "traps", "%5d", "traps" }, { "callouts", "%8d", "callouts" }, { "blocks", "%6d", "blocks" },
                  { "flushes", "%7d", "flushes" }, { "patched", "%7d", "patched" }, { "cost", "%6d", "cost" },
                  { "difference", "%-18s", "diff" } }, rows)
print()
local equivalence = {}
for _, technique in ipairs(TECHNIQUES) do
  local e = vlab.equivalence { isa = "m68k", model = "68000", technique = technique, code = code, org = ORG,
                               sp = RAM, ram = RAM, max = 100000 }
  equivalence[technique] = e
  if e.equal then
    print(string.format("%-18s equivalent to the bare 68000 over %d instructions", technique, e.instructions))
  else
    print(string.format("%-18s differs first after instruction %d: %s", technique, e.first, e.insn))
  end
end
print()
print("Binary translation is invisible: the kernel sees its code and its SR as on the bare")
print("machine. Scan-and-patch fixes MOVE from SR too, but the kernel can read the patch.")
return { rows = rows, equivalence = equivalence }
