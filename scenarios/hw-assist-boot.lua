-- hw-assist-boot.lua - hardware assist: the seed's "root mode", and the
-- Pacifica point.
--
-- An x86 guest boots from the state after reset, the way a PC does: a boot
-- sector in real mode prints "R", switches to protected mode and prints
-- "P", builds a page table, turns paging on and prints "G", does some work
-- and halts. It runs natively and under the monitor's hw-assist technique
-- in both flavours:
--   * svm (AMD-V, "Pacifica") runs the guest in non-root mode whatever its
--     mode: real mode, protected mode without paging, paged;
--   * vt (first-generation Intel VT-x) forces CR0.PE and CR0.PG on in
--     non-root mode: a guest in real mode or with paging off cannot run
--     there, and the monitor must interpret it instruction by instruction
--     until it turns paging on.
--
-- What to observe:
--   * all three runs print "RPG" and end in the same state (the equivalence
--     column): hardware assist needs no ring compression and no shadow
--     tables, the guest's own GDT and IDT are real;
--   * vt interprets every instruction before paging is on (the
--     "interpreted" column: the real-mode start, the page-table loop), one
--     exit of reason "mode"; svm interprets nothing;
--   * the exits by reason: "io" (the OUTs to the console port, in the I/O
--     bitmap), "cr" (the CR3 load; CR0 writes that touch a bit the monitor
--     owns), "instruction" (HLT); and the simulated cost of each run;
--   * the 68000 "what if": with MOVE from SR in the exit set the guest
--     kernel reads its own SR (S = 1, its own mask): 0 leaks without any
--     software trickery, where trap-and-emulate leaks S = 0. Take MOVE from
--     SR out of the exit set and the kernel reads the host's interrupt mask
--     (7): the sweep shows the leak again.
--
-- Run: vlab run scenarios/hw-assist-boot.lua
package.path = (debug.getinfo(1, "S").source:match("^@(.-)[^/]*$") or "./") .. "../scripts/?.lua;" .. package.path
local lab = require "labkit"
local RAM = 1 << 20
local ORG = 0x7c00

local BOOT = [[
  .code16
start:
  movb $'R', %al
  outb %al, $0xe9       # real mode
  cli
  lgdtl gdtr
  mov %cr0, %eax
  or $1, %eax
  mov %eax, %cr0        # PE: protected mode, paging still off
  ljmpl $0x08, $pm
  .code32
pm:
  mov $0x10, %ax
  mov %ax, %ds
  mov %ax, %es
  mov %ax, %ss
  mov $0x90000, %esp
  movb $'P', %al
  outb %al, $0xe9
  movl $0x11003, 0x10000  # the page directory's first entry: the page table
  mov $0x11000, %edi      # the page table: the first 4 MiB, identity
  mov $3, %eax
  mov $1024, %ecx
1:
  mov %eax, (%edi)
  add $0x1000, %eax
  add $4, %edi
  loop 1b
  mov $0x10000, %eax
  mov %eax, %cr3
  mov %cr0, %eax
  or $0x80000000, %eax
  mov %eax, %cr0          # PG: paging on
  movb $'G', %al
  outb %al, $0xe9
  mov $2000, %ecx         # some work with paging on
  xor %ebx, %ebx
2:
  add %ecx, %ebx
  loop 2b
  smsw %dx                # CR0 as the guest sees it (the read shadow)
  hlt
  .p2align 3
gdt:
  .long 0, 0
  .long 0x0000ffff, 0x00cf9b00
  .long 0x0000ffff, 0x00cf9300
gdtr:
  .word 23
  .long gdt
]]

local code = lab.image("x86", "i386", BOOT, ORG)
local rows = {}
local nat
for _, fl in ipairs { "svm", "vt" } do
  local p = lab.pair { isa = "x86", model = "i386", ram = RAM, org = ORG, real_mode = true, code = code,
                       technique = "hw-assist", flavour = fl, max = 100000, keep = false }
  nat = nat or { run = "native", says = p.m:console(), stop = p.native.reason,
                 instructions = p.m:stats().instructions, interpreted = 0, exits = 0, io = 0, cr = 0, insn = 0,
                 mode = 0, cost = p.m:stats().instructions, diff = "", cr0 = p.m.regs.edx & 0xffff }
  local st = p.stats
  rows[#rows + 1] = { run = "hw-assist " .. fl, says = p.vm.guest:console(), stop = p.monitored.reason,
                      instructions = st.guest_instructions, interpreted = st.interpreted, exits = st.exits,
                      io = st.exit_reasons.io, cr = st.exit_reasons.cr, insn = st.exit_reasons.instruction,
                      mode = st.exit_reasons.mode, cost = st.cost, diff = lab.diff_text(p.diffs),
                      cr0 = p.vm.guest.regs.edx & 0xffff, check = p.vm:check() }
end
table.insert(rows, 1, nat)

print("An x86 guest boots from reset (real mode -> protected mode -> paging) under hw-assist")
print()
lab.print_table({ { "run", "%-15s", "run" }, { "prints", "%-6s", "says" }, { "stop", "%-5s", "stop" },
                  { "instructions", "%12d", "instructions" }, { "interpreted", "%11d", "interpreted" },
                  { "exits", "%5d", "exits" }, { "io", "%3d", "io" }, { "cr", "%3d", "cr" },
                  { "insn", "%4d", "insn" }, { "mode", "%4d", "mode" }, { "cost", "%7d", "cost" },
                  { "SMSW", "0x%04x", "cr0" }, { "difference from native", "%-10s", "diff" } }, rows)
print()
print("vt: first-generation VT-x cannot hold a guest in real mode or with paging off: the monitor")
print("interprets it until CR0.PG is set. svm (Pacifica) runs it directly from the first instruction.")
print()

-- the 68000 "what if": MOVE from SR in the exit set, or not
local KERNEL = [[
    move.w  #$2300,sr       ; the kernel's own mask: 3
    move.w  sr,d0           ; the sensitive read
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
local kcode = lab.image("m68k", "68000", KERNEL, 0x1000)
local what_if = {}
local runs = {
  { run = "trap-and-emulate", technique = "trap-and-emulate" },
  { run = "hw-assist", technique = "hw-assist" },
  { run = "hw-assist, MOVE from SR not in the exit set", technique = "hw-assist", exit_remove = { "move from sr" } },
}
for i, r in ipairs(runs) do
  local p = lab.pair { isa = "m68k", model = "68000", ram = RAM, org = 0x1000, sp = RAM, code = kcode,
                       technique = r.technique, exit_remove = r.exit_remove, keep = false }
  if i == 1 then
    what_if[#what_if + 1] = { run = "native", says = p.m:console(), sr = p.m.regs.d0 & 0xffff, diff = "" }
  end
  what_if[#what_if + 1] = { run = r.run, says = p.vm.guest:console(), sr = p.vm.guest.regs.d0 & 0xffff,
                            diff = lab.diff_text(p.diffs) }
end
print("The 68000 \"what if\": hw-assist with the monitor owning the SR interrupt mask")
print()
lab.print_table({ { "run", "%-44s", "run" }, { "prints", "%-10s", "says" }, { "SR read", "0x%04x", "sr" },
                  { "difference from native", "%-10s", "diff" } }, what_if)
print()
local sweeps = {}
for _, remove in ipairs { false, true } do
  local s = vlab.sweep { isa = "m68k", model = "68000", technique = "hw-assist",
                         exit_remove = remove and { "move from sr" } or nil }
  sweeps[#sweeps + 1] = s.summary.leaks
  print(string.format("sweep of the 68000 under hw-assist%s: %d leaking forms", remove and
    ", MOVE from SR not in the exit set" or "", s.summary.leaks))
end
print()
print("With MOVE from SR in the exit set the kernel reads its own SR, with no software trickery;")
print("without it, it reads the host's interrupt mask: a wrong exit set is a leak the sweep measures.")
return { boot = rows, what_if = what_if, sweep_leaks = sweeps }
