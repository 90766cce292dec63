-- microbench.lua - the micro-benchmark guests of `vlab bench-techniques`:
-- one small guest loop per architectural event, per ISA, in the spirit of
-- Adams & Agesen's nanobenchmarks (ASPLOS 2006): system call, I/O port or
-- MMIO access, control-register write, call/return, page fault, divide by
-- zero (exception reflection), page-table update.
--
-- Each guest has a set-up part (vector tables, segments, page tables: run
-- but not measured) and the measured loop, which starts at the fixed
-- address `bench` and ends in a halt (m68k STOP, PowerPC branch to itself,
-- x86 HLT). M.guest(isa, name, n) gives { code, load, bench, start(g) } or
-- nil and the reason the event does not exist on that ISA.
local M = {}

-- In table order: name, what the loop does (per ISA where it differs).
M.benchmarks = {
  { name = "syscall", what = "user program: system call into the guest kernel and back",
    m68k = "TRAP #0 / RTE", ppc = "sc / rfi", x86 = "INT $0x80 / IRET" },
  { name = "io", what = "kernel: device register read",
    m68k = "MOVE.L from the timer's MMIO count", ppc = "lwz from the timer's MMIO count",
    x86 = "IN from the timer's count port" },
  { name = "crwrite", what = "kernel: control-register write",
    m68k = "MOVE to SR", ppc = "mtmsr", x86 = "MOV to CR3" },
  { name = "callret", what = "kernel: call and return",
    m68k = "BSR / RTS", ppc = "bl / blr", x86 = "CALL / RET" },
  { name = "pagefault", what = "kernel: a load from an unmapped page, the handler skips it",
    ppc = "lwz, DSI / rfi", x86 = "MOV, #PF / IRET" },
  { name = "divzero", what = "kernel: divide by zero, the handler returns (exception reflection)",
    m68k = "DIVU by 0 / RTE", x86 = "DIV by 0 / IRET" },
  { name = "ptupdate", what = "kernel: page-table entry write and TLB flush",
    ppc = "stw to the hash table, tlbie", x86 = "MOV to a PTE, MOV to CR3 (the i386 has no INVLPG)" },
}

local NA = {
  m68k = { pagefault = "the 68000 and 68010 have no MMU", ptupdate = "the 68000 and 68010 have no MMU" },
  ppc = { divzero = "divw by zero raises no exception on the PowerPC (the result is undefined)" },
  x86 = {},
}

-- ---- m68k: vectors at 0, the image at 0x1000, the loop at 0x1400 ----------
local M68K_ORG, M68K_BENCH = 0x1000, 0x1400
local M68K_SETUP = [[
start:
  move.l #h_trap,$80
  move.l #h_rte,$14
  move.l #h_end,$20
  lea $7000,a0
  move.l a0,usp
  move.l #%d,d7
  moveq #0,d6
%s
  bra bench
h_trap:
h_rte:
  rte
h_end:
  stop #$2700
  .org 0x1400
bench:
]]
local M68K_BODY = {
  syscall = { "  move.w #$0000,sr", "  trap #0" },
  io = { "", "  move.l $DFF010,d1" },
  crwrite = { "", "  move.w #$2700,sr" },
  callret = { "", "  bsr.s sub" },
  divzero = { "", "  divu.w d6,d1" },
}
local function m68k(name, n, b)
  b = b or M68K_BODY[name]
  local src = string.format(M68K_SETUP, n, b[1]) .. "loop:\n" .. b[2] .. [[

  subq.l #1,d7
  bne.s loop
  stop #$2700
sub:
  rts
]]
  return {
    src = src, org = M68K_ORG, bench = M68K_BENCH,
    start = function(g)
      g:set_supervisor(true)
      g.regs.sp = 0x8000
      g.pc = M68K_ORG
    end,
  }
end

-- ---- ppc: vectors at 0x300/0x700/0xC00, code at 0x1000, loop at 0x1400 ----
-- The MMU set-up of pagefault and ptupdate: DBAT0 maps 256 KiB at 0 for the
-- kernel, the hash table at 0x20000 is empty, data translation on: a load
-- from 0x80000 finds no translation (DSI).
local PPC_MMU = [[
  li 3,7
  mtspr 536,3
  li 3,2
  mtspr 537,3
  lis 3,2
  mtsdr1 3
  mfmsr 3
  ori 3,3,0x10
  mtmsr 3
  isync
  lis 8,8
  lis 6,2
  li 5,0
]]
local PPC_SETUP = [[
  .org 0x300
dsi:
  mfsrr0 20
  addi 20,20,4
  mtsrr0 20
  rfi
  .org 0x700
program:
  b .
  .org 0xC00
syscall:
  rfi
  .org 0x1000
start:
  lis 9,0xF000
  lis 7,%d
  ori 7,7,%d
  mtctr 7
%s
  b bench
  .org 0x1400
bench:
]]
local PPC_BODY = {
  syscall = { [[
  li 5,0x4000
  mtsrr1 5
  lis 5,bench@ha
  addi 5,5,bench@l
  mtsrr0 5
  rfi]], "  sc", "  mfmsr 3" },
  io = { "", "  lwz 4,0x10(9)" },
  crwrite = { "  mfmsr 5", "  mtmsr 5" },
  callret = { "", "  bl sub" },
  pagefault = { PPC_MMU, "  lwz 4,0(8)" },
  ptupdate = { PPC_MMU, "  stw 5,0(6)\n  tlbie 8" },
}
local function ppc(name, n, b)
  b = b or PPC_BODY[name]
  local src = string.format(PPC_SETUP, n >> 16, n & 0xffff, b[1]) .. "loop:\n" .. b[2] .. "\n  bdnz loop\n" ..
    (b[3] or "") .. "\n  b .\nsub:\n  blr\n"
  return {
    src = src, org = 0, bench = 0x1400,
    start = function(g)
      g:set_supervisor(true)
      g.pc = 0x1000
    end,
  }
end

-- ---- x86: from reset (real mode) at 0x7C00 into flat protected mode; IDT at
-- 0x10000, TSS at 0x11000, page directory at 0x20000 and its table at
-- 0x21000 (identity map of 4 MiB, the page at 0x80000 not present); the
-- loop at 0x7E00. Handlers end with IRET (no IF to restore: IF stays 0).
local X86_ORG, X86_BENCH = 0x7c00, 0x7e00
local X86_SETUP = [[
  .code16
start:
  cli
  lgdtl gdtr
  mov %%cr0,%%eax
  or $1,%%eax
  mov %%eax,%%cr0
  ljmpl $0x08,$pm
  .code32
pm:
  mov $0x10,%%ax
  mov %%ax,%%ds
  mov %%ax,%%es
  mov %%ax,%%ss
  mov $0x90000,%%esp
  mov $h_div,%%eax
  mov $0x10000,%%edi
  mov $0x8f00,%%edx
  call gate
  mov $h_gp,%%eax
  mov $0x10000+13*8,%%edi
  call gate
  mov $h_pf,%%eax
  mov $0x10000+14*8,%%edi
  call gate
  mov $h_sys,%%eax
  mov $0x10000+0x80*8,%%edi
  mov $0xef00,%%edx
  call gate
  lidt idtr
  movl $0x90000,0x11004
  movl $0x10,0x11008
  movl $0x00680000,0x11064
  mov $0x28,%%ax
  ltr %%ax
%s
  mov $%d,%%ecx
  xor %%ebx,%%ebx
  jmp bench
gate:
  mov %%ax,(%%edi)
  movw $0x08,2(%%edi)
  mov %%dx,4(%%edi)
  shr $16,%%eax
  mov %%ax,6(%%edi)
  ret
h_div:
  addl $2,(%%esp)
  iret
h_pf:
  add $4,%%esp
  addl $5,(%%esp)
  iret
h_sys:
  iret
h_gp:
  hlt
sub:
  ret
  .p2align 3
gdt:
  .long 0, 0
  .long 0x0000ffff, 0x00cf9b00
  .long 0x0000ffff, 0x00cf9300
  .long 0x0000ffff, 0x00cffb00
  .long 0x0000ffff, 0x00cff300
  .long 0x10000067, 0x00008901
gdtr:
  .word 47
  .long gdt
idtr:
  .word 0x7ff
  .long 0x10000
  .org 0x7e00
bench:
]]
local X86_PAGING = [[
  mov $0x21000,%edi
  mov $7,%eax
  mov $1024,%ecx
1:
  mov %eax,(%edi)
  add $4,%edi
  add $0x1000,%eax
  loop 1b
  movl $0,0x21000+0x80*4
  movl $0x21007,0x20000
  mov $0x20000,%eax
  mov %eax,%cr3
  mov %cr0,%eax
  or $0x80000000,%eax
  mov %eax,%cr0]]
local X86_BODY = {
  syscall = { "", "  int $0x80", [[
  push $0x23
  push $0x80000
  push $0x0002
  push $0x1b
  push $bench
  iret]] },
  io = { "  mov $0x110,%dx", "  inl (%dx),%eax" },
  crwrite = { "  mov %cr3,%eax", "  mov %eax,%cr3" },
  callret = { "", "  call sub" },
  pagefault = { X86_PAGING, "  mov 0x80000,%eax" },
  divzero = { "", "  xor %edx,%edx\n  mov $1,%eax\n  div %ebx" },
  ptupdate = { X86_PAGING, "  movl $0x81007,0x21000+0x81*4\n  mov %cr3,%eax\n  mov %eax,%cr3" },
}
local function x86(name, n, b)
  b = b or X86_BODY[name]
  -- the jump into the loop: a plain jmp, or the IRET into the user program
  local src = string.format(X86_SETUP, b[1], n)
  if b[3] then src = src:gsub("  jmp bench\n", b[3] .. "\n", 1) end
  src = src .. "loop:\n" .. b[2] .. "\n  dec %ecx\n  jnz loop\n  hlt\n"
  return {
    src = src, org = X86_ORG, bench = X86_BENCH,
    start = function(g)
      g:reset()
      g.regs.cs = 0
      g.pc = X86_ORG
    end,
  }
end

local BUILD = { m68k = m68k, ppc = ppc, x86 = x86 }

-- ---- paravirtualized loops (docs/vmm.md "Paravirtualization"): the loop's
-- sensitive instruction replaced by the hypercall that does its work, one
-- instruction for one, where the ISA has such a call; the encodings are
-- computed from the call numbers.
local HC = { set_mask = 1, set_page_table = 4, flush_tlb = 8 }
local HYPERCALL = {
  m68k = function(call, reg) return string.format("  dc.w $%04x", 0xA000 | HC[call] << 4 | reg) end,
  ppc = function(call, reg) return string.format("  .long 0x%08x", 0x04000000 | reg << 21 | HC[call]) end,
  x86 = function(call, reg) return string.format("  .byte 0x0f, 0x0b, 0x76, %d, %d", HC[call], reg) end,
}
-- per ISA and benchmark: the set-up, the loop body with %s for the
-- hypercall, the call and its operand register (the core's id)
local PV = {
  m68k = { crwrite = { "  moveq #7,d5", "%s", "set_mask", 5 } },            -- the mask MOVE to SR sets
  ppc = { crwrite = { "  li 5,0", "%s", "set_mask", 5 },                    -- EE as mtmsr leaves it: off
          ptupdate = { PPC_MMU, "  stw 5,0(6)\n%s", "flush_tlb", 0 } },
  x86 = { crwrite = { "  mov %cr3,%eax", "%s", "set_page_table", 0 },       -- EAX
          ptupdate = { X86_PAGING, "  movl $0x81007,0x21000+0x81*4\n  mov %cr3,%eax\n%s", "set_page_table", 0 } },
}

-- The guest of benchmark `name` for isa:model, n iterations of its loop:
-- { code (bytes), load (address of code), bench (address of the loop),
-- start(g) (the state a loader leaves on a machine or a VM's guest) }; or
-- nil and why the event does not exist on that ISA. With paravirt true: the
-- paravirtualized loop where there is one (g.hypercall: the call it
-- makes), else nil.
function M.guest(isa, model, name, n, paravirt)
  local na = NA[isa] and NA[isa][name]
  if na then return nil, na end
  local pv = paravirt and PV[isa] and PV[isa][name]
  if paravirt and not pv then return nil end
  local body = pv and pv[2]:gsub("%%s", function() return HYPERCALL[isa](pv[3], pv[4]) end)
  local g = BUILD[isa](name, n, pv and { pv[1], body })
  if pv then g.hypercall = pv[3] end
  g.code = vlab.asm(isa .. ":" .. model, g.src, { org = g.org })
  g.load = g.org
  return g
end

-- What the loop does on isa (the benchmark's general description where the
-- ISA has no special one).
function M.describe(b, isa)
  return b[isa] or b.what
end

return M
