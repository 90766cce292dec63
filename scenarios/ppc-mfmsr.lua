-- ppc-mfmsr.lua - the elegant way: mfmsr on the PowerPC 750.
--
-- A tiny guest kernel reads its machine state register with mfmsr and prints
-- whether it believes it runs in supervisor state (MSR[PR], mask 0x4000, is
-- 0). Then it drops into a user program (rfi with PR = 1) that tries the
-- same read. It runs natively and under the trap-and-emulate monitor.
--
-- What to observe:
--   * natively the kernel sees PR = 0 and prints "supervisor"; the user
--     program's mfmsr is privileged: it raises a program interrupt (0x700)
--     and the kernel's own handler finds the privileged bit (1 << 18) in
--     SRR1;
--   * under the monitor the kernel really runs in problem state (real
--     MSR[PR] = 1). Its mfmsr is privileged, so it traps; the monitor
--     executes it on the guest's virtual MSR and the kernel reads exactly
--     what it read natively: it cannot tell. Unlike the 68000's MOVE from SR
--     (scenarios/m68k-move-from-sr.lua), no instruction of the 750 lets it
--     find out: every sensitive instruction is privileged (Popek-Goldberg
--     Theorem 1 holds);
--   * the user program's mfmsr also traps to the monitor, which sees that
--     the guest is in *virtual* user state and reflects the program
--     interrupt into the guest kernel's handler, with SRR1's privileged bit,
--     as the bare machine would;
--   * the trap column counts the price: every privileged instruction of the
--     kernel (mfmsr, mtsrr0/1, rfi, mfsrr0/1) is one trap, emulated; the
--     user's mfmsr is one trap, reflected. vlab.compare finds no difference.
--
-- Run: vlab run scenarios/ppc-mfmsr.lua
package.path = (debug.getinfo(1, "S").source:match("^@(.-)[^/]*$") or "./") .. "../scripts/?.lua;" .. package.path
local lab = require "labkit"
local RAM = 1 << 20
local ENTRY = 0x1000

local SOURCE = [[
    .org 0x700              # program interrupt: the guest kernel's handler
program:
    mfsrr0  20
    mfsrr1  21
    lis     9, 0xF000
    andis.  0, 21, 0x0004   # SRR1 & (1 << 18): privileged instruction
    lis     4, msg_other@ha
    addi    4, 4, msg_other@l
    beq     1f
    lis     4, msg_priv@ha
    addi    4, 4, msg_priv@l
1:  bl      puts
    b       .

    .org 0x1000
kernel:
    lis     9, 0xF000       # the console
    mfmsr   3               # the privileged read
    andi.   0, 3, 0x4000    # PR: problem state?
    lis     4, msg_s@ha
    addi    4, 4, msg_s@l
    beq     1f
    lis     4, msg_u@ha
    addi    4, 4, msg_u@l
1:  bl      puts
    li      5, 0x5000       # PR | ME: the user program
    mtsrr1  5
    lis     5, user@ha
    addi    5, 5, user@l
    mtsrr0  5
    rfi
user:
    mfmsr   6               # privileged in problem state
    li      7, 1            # never reached
    b       .

puts:                       # r4: string, r9: console
    lbz     6, 0(4)
    cmpwi   6, 0
    beqlr
    stb     6, 0(9)
    addi    4, 4, 1
    b       puts

msg_s:      .asciz "kernel: supervisor. "
msg_u:      .asciz "kernel: user. "
msg_priv:   .asciz "user mfmsr: program interrupt with SRR1 privileged"
msg_other:  .asciz "user mfmsr: program interrupt for another reason"
]]

local code = vlab.asm("ppc", SOURCE, { org = 0 })

local p = lab.pair { isa = "ppc", model = "750", ram = RAM, code = code, org = 0, entry = ENTRY, sp = RAM }
local m, g, st, seen = p.m, p.vm.guest, p.stats, p.log
local rows = {}
rows[#rows + 1] = { run = "native", says = m:console(), msr = m.regs.r3, srr1 = m.regs.r21, srr0 = m.regs.r20,
                    traps = 0, emulated = 0, reflected = 0, stop = p.native.reason,
                    instructions = m:stats().instructions, exceptions = m:stats().exceptions, diff = "" }
rows[#rows + 1] = { run = "trap-and-emulate", says = g:console(), msr = g.regs.r3, srr1 = g.regs.r21,
                    srr0 = g.regs.r20, traps = st.traps, emulated = st.emulated, reflected = st.reflected,
                    stop = p.monitored.reason, instructions = st.guest_instructions, seen = seen,
                    diffs = p.diffs, check = p.vm:check(),
                    diff = #p.diffs == 0 and "none" or tostring(#p.diffs) }

print("mfmsr on the PowerPC 750: what does the guest kernel believe?")
print()
lab.print_table({ { "run", "%-16s", "run" }, { "MSR read", "0x%08x", "msr" },
                  { "kernel", "%-10s", function(r) return r.says:match("kernel: (%a+)") or "?" end },
                  { "SRR1", "0x%08x", "srr1" }, { "instructions", "%12d", "instructions" }, { "traps", "%5d", "traps" },
                  { "emulated", "%8d", "emulated" }, { "reflected", "%9d", "reflected" },
                  { "difference", "%-10s", "diff" } }, rows)
print()
for _, r in ipairs(rows) do print(string.format("%-16s console: %s", r.run, r.says)) end
print()
print("traps under the monitor, in order:")
for i, t in ipairs(seen) do print(string.format("  %2d  %s", i, t)) end
print()
local r = vlab.equivalence { isa = "ppc", model = "750", code = code, org = 0, entry = ENTRY, sp = RAM, ram = RAM,
                             max = 10000 }
if r.equal then
  print(string.format("equivalence: natively and monitored, no difference in %d instructions", r.instructions))
else
  print(string.format("equivalence: first difference after instruction %d, %s at 0x%x", r.first, r.insn, r.pc))
end
print()
print("The 750's mfmsr is privileged: the deprivileged kernel's read traps and is emulated against its")
print("virtual MSR (PR = 0), and the user program's read reaches the kernel's own program handler.")
rows.equivalence = r
return rows
