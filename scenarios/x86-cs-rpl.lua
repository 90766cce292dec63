-- x86-cs-rpl.lua - the seed's own test: "am I in ring 0?" asked with an
-- instruction that does not trap.
--
-- A tiny guest kernel switches from real to protected mode, then does
-- `mov %cs,%ax; test $3,%al`: the low two bits of CS (its RPL) are the
-- current privilege level, so it prints "ring 0" or "not ring 0". The same
-- question is asked on the 68010 (MOVE from SR, bit 13) and on the PowerPC
-- 750 (mfmsr, MSR[PR]). Each runs natively and under the monitor.
--
-- What to observe:
--   * natively every kernel prints that it is in its most privileged mode;
--   * under trap-and-emulate the x86 kernel runs at real CPL 1 (ring
--     compression): MOV from CS is not privileged, runs directly and shows
--     RPL 1: the kernel prints "not ring 0" - the monitor is caught, with
--     no trap to hide it (the traps column counts the real-mode start, OUT
--     and HLT, all emulated);
--   * the 68010's MOVE from SR and the 750's mfmsr are privileged: they
--     trap, the monitor emulates them against the virtual state, and the
--     kernels cannot tell;
--   * with vlab.vmm{..., deprivilege = 3} the guest kernel runs at real CPL
--     3 beside its user code: MOV from CS shows RPL 3, still "not ring 0";
--   * under the hybrid monitor the x86 kernel is interpreted on the virtual
--     context (virtual CPL 0): it prints "ring 0" again.
--
-- Run: vlab run scenarios/x86-cs-rpl.lua
package.path = (debug.getinfo(1, "S").source:match("^@(.-)[^/]*$") or "./") .. "../scripts/?.lua;" .. package.path
local lab = require "labkit"
local RAM = 1 << 20

local X86 = [[
  .code16
start:
  cli
  lgdtl gdtr
  mov %cr0, %eax
  or $1, %eax
  mov %eax, %cr0
  ljmpl $0x08, $pm
  .code32
pm:
  mov $0x10, %ax
  mov %ax, %ds
  mov %ax, %ss
  mov $0x90000, %esp
  mov %cs, %ax          # the sensitive read
  test $3, %al          # RPL of CS: the CPL
  jnz 1f
  mov $msg0, %esi
  jmp print
1:
  mov $msg1, %esi
print:
  lodsb
  test %al, %al
  jz done
  outb %al, $0xe9       # the console
  jmp print
done:
  hlt
msg0: .asciz "ring 0"
msg1: .asciz "not ring 0"
  .p2align 3
gdt:
  .long 0, 0
  .long 0x0000ffff, 0x00cf9b00
  .long 0x0000ffff, 0x00cf9300
gdtr:
  .word 23
  .long gdt
]]

local M68K = [[
    move.w  sr,d0           ; the sensitive read (privileged on the 68010)
    btst    #13,d0
    beq.s   user
    lea     msg_s(pc),a0
    bra.s   print
user:
    lea     msg_u(pc),a0
print:
    move.b  (a0)+,d1
    beq.s   done
    move.b  d1,$dff000
    bra.s   print
done:
    stop    #$2700
msg_s:
    .asciz  "supervisor"
msg_u:
    .asciz  "user"
]]

local PPC = [[
    lis     9, 0xF000       # the console
    mfmsr   3               # the sensitive read (privileged)
    andi.   0, 3, 0x4000    # PR
    lis     4, msg_s@ha
    addi    4, 4, msg_s@l
    beq     1f
    lis     4, msg_u@ha
    addi    4, 4, msg_u@l
1:  lbz     6, 0(4)
    cmpwi   6, 0
    beq     2f
    stb     6, 0(9)
    addi    4, 4, 1
    b       1b
2:  b       .
msg_s:  .asciz "supervisor"
msg_u:  .asciz "user"
]]

local ORG = { x86 = 0x7c00, m68k = 0x1000, ppc = 0x1000 }
-- the x86 kernel starts from reset (real mode, CS = 0, a boot sector), the
-- others in supervisor mode as a loader hands over
local function start(isa, g, code)
  return lab.boot(g, code, { org = ORG[isa], sp = RAM, real_mode = isa == "x86" })
end

local cases = {
  { isa = "x86", model = "i386", src = X86, question = "mov %cs,%ax; test $3,%al" },
  { isa = "m68k", model = "68010", src = M68K, question = "move.w sr,d0; btst #13,d0" },
  { isa = "ppc", model = "750", src = PPC, question = "mfmsr r3; andi. r0,r3,0x4000" },
}
local rows = {}
for _, c in ipairs(cases) do
  local code = vlab.asm(c.isa .. ":" .. c.model, c.src, { org = ORG[c.isa] })
  local m = vlab.machine { isa = c.isa, model = c.model, ram = RAM }
  start(c.isa, m, code)
  local s = m:run { max = 100000 }
  rows[#rows + 1] = { isa = c.isa, model = c.model, run = "native", says = m:console(), traps = 0, stop = s.reason,
                      question = c.question }
  local techniques = c.isa == "x86" and { "trap-and-emulate", "deprivilege 3", "hybrid" } or { "trap-and-emulate" }
  for _, t in ipairs(techniques) do
    local vm = t == "deprivilege 3"
      and vlab.vmm { isa = c.isa, model = c.model, ram = RAM, deprivilege = 3 }
      or vlab.vmm { isa = c.isa, model = c.model, technique = t, ram = RAM }
    start(c.isa, vm.guest, code)
    s = vm:run { max = 100000 }
    local st = vm:stats()
    rows[#rows + 1] = { isa = c.isa, model = c.model, run = t, says = vm.guest:console(), traps = st.traps,
                        stop = s.reason, question = c.question, check = vm:check() }
  end
end

print("A guest kernel asks whether it runs in its most privileged mode")
print()
lab.print_table({ { "isa", "%-5s", "isa" }, { "model", "%-6s", "model" }, { "run", "%-16s", "run" },
                  { "the question", "%-30s", "question" }, { "prints", "%-11s", "says" }, { "traps", "%5d", "traps" } },
                rows)
print()
print("x86: MOV from CS does not trap; under ring compression it shows RPL 1 and the kernel is caught.")
print("68010 and 750: the equivalent read is privileged, traps, and is emulated: the kernel cannot tell.")
return rows
