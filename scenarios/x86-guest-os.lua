-- x86-guest-os.lua - a tiny protected-mode guest OS for the 80386, natively
-- and under the monitor.
--
-- The guest: a kernel with its own GDT (kernel and user segments, a TSS),
-- IDT and TSS, paging on (its page table maps itself supervisor-only and
-- its user section user-accessible), two ring-3 tasks ("ping" and "pong")
-- that print through `int $0x80` system calls (a trap gate of DPL 3) and
-- leave through another, and the timer on the console/timer ports
-- preempting them: its interrupt gate saves the task's registers on the
-- task's own kernel stack, switches stacks and TSS.ESP0, and returns with
-- IRET. Before it starts, task "ping" asks where the kernel's GDT is
-- (system call 2, which copies the GDTR the kernel loaded) and prints it.
--
-- It is written to use no leaking instruction: no PUSHF/POPF, no SGDT/SIDT,
-- no MOV from CS/SS, no LAR/LSL; its handlers end with STI; IRET (an IRET
-- at real CPL 1 cannot set IF again: STI traps and does) and its system
-- calls use a trap gate.
--
-- What to observe:
--   * natively, under trap-and-emulate (the kernel at real CPL 1) and under
--     hybrid (the kernel interpreted) the console is the same, interleaving
--     included (the timer counts guest instructions), and vlab.compare finds
--     no difference in registers (descriptor caches included), memory
--     (accessed and dirty bits of the page table included) or console;
--   * efficiency: the tasks run directly; the kernel's loads of DS and ES,
--     its stack switches, page-table writes and IRETs to ring 3 run directly
--     at real CPL 1; what reaches the monitor under trap-and-emulate (the
--     lab lists it, computed from the trap events, and tests/lua/
--     x86_guest_os.lua compares the list with the expected one): each
--     instruction of the boot sector until it sets PE (virtual real mode is
--     not deprivileged: the monitor executes each), then in protected mode the
--     kernel's privileged instructions (LGDT, LIDT, LTR, MOV from and to CR0,
--     MOV to CR3, HLT), the IOPL-sensitive ones (CLI, STI, OUT), MOV to SS
--     (its selector's RPL 0 is not the real CPL 1: #GP), and the ticks and
--     system calls, reflected;
--   * then one line changed: "ping" reads the GDTR itself with SGDT (not
--     privileged, at ring 3 too) instead of asking its kernel. Natively the
--     same address; under both monitors the shadow GDT in the monitor
--     region: the console differs, and vlab.equivalence ties the first
--     difference to that SGDT instruction.
--
-- Run: vlab run scenarios/x86-guest-os.lua [PERIOD]
package.path = (debug.getinfo(1, "S").source:match("^@(.-)[^/]*$") or "./") .. "../scripts/?.lua;" .. package.path
local lab = require "labkit"
local RAM = 1 << 20
local ORG = 0x7c00
local ENTRY32 = ORG + 0x40 -- the 32-bit entry, for a start in protected mode (vlab.equivalence)
local PERIOD = tonumber(arg and arg[1]) or 300

-- %s: the timer period; the line that learns the GDT's address
local KERNEL = [==[
  .code16
start:                  # from reset: real mode, CS = 0 (a boot sector)
  cli
  lgdtl gdtr
  mov %%cr0, %%eax
  or $1, %%eax
  mov %%eax, %%cr0
  ljmpl $0x08, $pm
  .org %d
  .code32
pm:                     # a Multiboot-like start lands here, in protected mode
  cli
  mov $tss, %%eax       # the TSS descriptor's base
  mov %%ax, gdt + 0x2a
  shr $16, %%eax
  mov %%al, gdt + 0x2c
  mov %%ah, gdt + 0x2f
  lgdt gdtr
  ljmp $0x08, $1f
1:
  mov $0x10, %%ax
  mov %%ax, %%ds
  mov %%ax, %%es
  mov %%ax, %%ss
  mov $boot_stack, %%esp
  movl $0x10, tss + 8   # SS0
  movw $104, tss + 102  # no I/O bitmap
  mov $0x28, %%ax
  ltr %%ax
  mov $tick, %%eax      # gate 0x20: an interrupt gate (IF cleared) to tick
  mov $0x20, %%ebx
  mov $0x8e00, %%ecx
  call gate
  mov $syscall, %%eax   # gate 0x80: a trap gate of DPL 3 to syscall
  mov $0x80, %%ebx
  mov $0xef00, %%ecx
  call gate
  lidt idtr
  mov $pt, %%edi        # the page table: the first MiB, identity mapped
  xor %%eax, %%eax
2:
  mov %%eax, %%edx
  or $3, %%edx          # present, writable, supervisor
  cmp $user_start, %%eax
  jb 3f
  cmp $user_end, %%eax
  jae 3f
  or $4, %%edx          # the user section: user accessible
3:
  mov %%edx, (%%edi)
  add $4, %%edi
  add $0x1000, %%eax
  cmp $0x100000, %%eax
  jb 2b
  mov $pt + 7, %%eax
  mov %%eax, pd
  mov $pd, %%eax
  mov %%eax, %%cr3
  mov %%cr0, %%eax
  or $0x80000000, %%eax
  mov %%eax, %%cr0      # paging on
  jmp 4f
4:
  mov $kstack1_top, %%eax # each task: an IRET frame to ring 3 and saved registers
  mov $task1, %%ebx
  mov $ustack1_top, %%ecx
  call mkframe
  mov %%eax, tcb + 4
  mov $kstack0_top, %%eax
  mov $task0, %%ebx
  mov $ustack0_top, %%ecx
  call mkframe
  mov %%eax, tcb
  mov $0x23, %%ax       # user data for both: the kernel uses it as well
  mov %%ax, %%ds
  mov %%ax, %%es
  movl $0, cur
  mov $%d, %%eax        # the timer period (instructions) and its line
  mov $0x104, %%dx
  outl %%eax, (%%dx)
  mov $1, %%eax
  mov $0x108, %%dx
  outl %%eax, (%%dx)
  jmp resume

gate:                   # IDT entry ebx: handler eax, type ecx
  lea idt(,%%ebx,8), %%edi
  mov %%ax, (%%edi)
  movw $0x08, 2(%%edi)
  mov %%cx, 4(%%edi)
  shr $16, %%eax
  mov %%ax, 6(%%edi)
  ret

mkframe:                # eax: kernel stack top, ebx: entry, ecx: user stack -> eax: saved context
  movl $0x23, -4(%%eax) # SS
  mov %%ecx, -8(%%eax)  # ESP
  movl $0x202, -12(%%eax) # EFLAGS: IF
  movl $0x1b, -16(%%eax)  # CS
  mov %%ebx, -20(%%eax)   # EIP
  sub $52, %%eax          # and eight registers of PUSHA, zero
  mov %%eax, %%edi
  mov $8, %%ecx
5:
  movl $0, (%%edi)
  add $4, %%edi
  dec %%ecx
  jnz 5b
  ret

tick:                   # the timer: switch to the other task if it runs
  pusha
  mov $0x10c, %%dx      # acknowledge
  outl %%eax, (%%dx)
  incl ticks
  mov cur, %%eax
  mov %%esp, tcb(,%%eax,4)
  xor $1, %%eax
  cmpb $0, done(%%eax)
  jne resume
  mov %%eax, cur
resume:                 # run task cur from its saved context
  mov cur, %%eax
  mov tcb(,%%eax,4), %%esp
  mov kstack_tops(,%%eax,4), %%ebx
  mov %%ebx, tss + 4    # ESP0: its kernel stack
  popa
  sti
  iret

syscall:                # eax 0: putchar(bl); 1: exit; 2: copy the GDTR to (ebx)
  cmp $1, %%eax
  je sys_exit
  cmp $2, %%eax
  je sys_gdt
  mov %%ebx, %%eax
  outb %%al, $0xe9
  iret
sys_gdt:
  mov gdtr, %%eax       # the limit and base this kernel loaded
  mov %%eax, (%%ebx)
  movw gdtr + 4, %%ax
  mov %%ax, 4(%%ebx)
  iret
sys_exit:
  cli
  mov cur, %%eax
  movb $1, done(%%eax)
  xor $1, %%eax
  cmpb $0, done(%%eax)
  jne halt
  mov %%eax, cur
  jmp resume
halt:
  xor %%eax, %%eax      # the timer off
  mov $0x104, %%dx
  outl %%eax, (%%dx)
  movb $'\n', %%al
  outb %%al, $0xe9
  hlt

  .p2align 3
gdt:
  .long 0, 0
  .long 0x0000ffff, 0x00cf9b00  # 0x08 kernel code
  .long 0x0000ffff, 0x00cf9300  # 0x10 kernel data
  .long 0x0000ffff, 0x00cffb00  # 0x18 user code, DPL 3
  .long 0x0000ffff, 0x00cff300  # 0x20 user data, DPL 3
  .word 103, 0                  # 0x28 the TSS (base filled in at boot)
  .byte 0, 0x89, 0, 0
gdtr:
  .word 0x2f
  .long gdt
  .p2align 2
idtr:
  .word 0x80 * 8 + 7
  .long idt
cur: .long 0
ticks: .long 0
tcb: .long 0, 0
kstack_tops: .long kstack0_top, kstack1_top
done: .byte 0, 0
  .p2align 2
tss: .fill 104, 1, 0
idt: .fill 0x81 * 8, 1, 0
  .fill 512, 1, 0
kstack0_top:
  .fill 512, 1, 0
kstack1_top:
  .fill 512, 1, 0
boot_stack:
  .p2align 12
pd: .fill 4096, 1, 0
pt: .fill 4096, 1, 0

user_start:             # ---- ring 3: the tasks ----------------------------
task0:
%s
  mov $gdt_msg, %%esi
  call puts
  mov gdt_seen + 2, %%eax
  call puthex
  mov $5, %%edi
6:
  mov $ping, %%esi
  call puts
  mov $400, %%ecx
7:
  inc %%edx
  loop 7b
  dec %%edi
  jnz 6b
  mov $1, %%eax
  int $0x80
task1:
  mov $5, %%edi
8:
  mov $pong, %%esi
  call puts
  mov $300, %%ecx
9:
  add $3, %%edx
  loop 9b
  dec %%edi
  jnz 8b
  mov $1, %%eax
  int $0x80
ask_kernel:             # system call 2: the GDTR the kernel loaded
  mov $2, %%eax
  mov $gdt_seen, %%ebx
  int $0x80
  ret
puts:                   # esi: a string
  movzbl (%%esi), %%ebx
  test %%ebx, %%ebx
  jz 1f
  xor %%eax, %%eax
  int $0x80
  inc %%esi
  jmp puts
1:
  ret
puthex:                 # eax: eight hex digits and a space
  mov %%eax, %%edx
  mov $8, %%ecx
1:
  rol $4, %%edx
  mov %%edx, %%ebx
  and $15, %%ebx
  movzbl hex(%%ebx), %%ebx
  xor %%eax, %%eax
  int $0x80
  loop 1b
  mov $' ', %%ebx
  int $0x80
  ret
gdt_msg: .asciz "gdt at "
ping: .asciz "ping "
pong: .asciz "pong "
hex: .ascii "0123456789abcdef"
  .p2align 2
gdt_seen: .long 0, 0
  .fill 256, 1, 0
ustack0_top:
  .fill 256, 1, 0
ustack1_top:
  .p2align 12
user_end:
]==]

-- How task "ping" learns where the GDT is: one line.
local ASK = "  call ask_kernel       # the kernel copies its GDTR: no leak"
local LEAK = "  sgdt gdt_seen          # the CPU's GDTR itself: sensitive, and it never traps"

local function image(line, period)
  return vlab.asm("x86:i386", string.format(KERNEL, ENTRY32, period or PERIOD, line), { org = ORG })
end

local rows = {}
-- a trap event's kind: the vector reflected, or the instruction's mnemonic
-- (MOV: which control or segment register it reads or writes); the boot
-- sector's real-mode code (below the 32-bit entry) marked as such
local function kind(ev)
  if ev.kind == "reflected" then return string.format("reflected 0x%02x", ev.vector) end
  local mn, ops = ev.insn:match("^(%S+)%s*(.*)$")
  if mn == "mov" then
    local dst = ops:match(",(%%cr%d)$") or ops:match(",(%%[cdefgs]s)$")
    local src = ops:match("^(%%cr%d),")
    mn = dst and "mov to " .. dst or src and "mov from " .. src or mn
  end
  return (ev.pc < ENTRY32 and "real mode: " or "") .. ev.kind .. " " .. (mn or "?")
end
local function run(variant, line, technique)
  local p = lab.pair { isa = "x86", model = "i386", ram = RAM, org = ORG, real_mode = true, max = 2000000,
                       code = image(line), technique = technique, keep = kind }
  local kinds = {}
  for _, k in ipairs(p.log) do kinds[k] = (kinds[k] or 0) + 1 end
  local st, ok, why = p.stats, p.vm:check()
  local r = { variant = variant, technique = technique, native = p.m:console(), monitored = p.vm.guest:console(),
              native_stop = p.native.reason, stop = p.monitored.reason, instructions = st.guest_instructions,
              native_instructions = p.m:stats().instructions, traps = st.traps, emulated = st.emulated,
              reflected = st.reflected, interpreted = st.interpreted, cost = st.cost, diffs = p.diffs,
              check = ok, why = why, kinds = kinds, per_k = st.traps * 1000 / st.guest_instructions }
  rows[#rows + 1] = r
  return r
end

for _, t in ipairs { "trap-and-emulate", "hybrid" } do run("system call", ASK, t) end
for _, t in ipairs { "trap-and-emulate", "hybrid" } do run("SGDT", LEAK, t) end

print("native:")
print(rows[1].native)
for _, r in ipairs(rows) do
  if r.variant == "system call" then
    print(r.technique .. ":")
    print(r.monitored)
  end
end
print()
lab.print_table({ { "GDT from", "%-11s", "variant" }, { "technique", "%-16s", "technique" },
                  { "instructions", "%12d", "instructions" }, { "traps", "%6d", "traps" },
                  { "emulated", "%8d", "emulated" }, { "reflected", "%9d", "reflected" },
                  { "interpreted", "%11d", "interpreted" }, { "traps per 1000", "%14.1f", "per_k" },
                  { "differences", "%-11s", function(r) return #r.diffs == 0 and "none" or tostring(#r.diffs) end },
                  { "check", "%-6s", function(r) return r.check and "intact" or "BROKEN" end } }, rows)
print()
print("what reached the monitor (system call, trap-and-emulate):")
local keys = {}
for k in pairs(rows[1].kinds) do keys[#keys + 1] = k end
table.sort(keys, function(a, b) return rows[1].kinds[a] > rows[1].kinds[b] or (rows[1].kinds[a] == rows[1].kinds[b] and a < b) end)
for _, k in ipairs(keys) do print(string.format("  %6d  %s", rows[1].kinds[k], k)) end
print()
print("one line changed, task ping reads the GDTR with SGDT:")
print("  native:           " .. rows[3].native:match("gdt at %x+"))
for k = 3, 4 do print(string.format("  %-17s %s", rows[k].technique .. ":", rows[k].monitored:match("gdt at %x+"))) end
print()

-- the equivalence check, from the 32-bit entry (both sides start in
-- protected mode there): no difference with the system call; with SGDT the
-- first difference is tied to it
local eqs = {}
for _, v in ipairs { { "system call", ASK }, { "SGDT", LEAK } } do
  for _, t in ipairs { "trap-and-emulate", "hybrid" } do
    local e = vlab.equivalence { isa = "x86", model = "i386", technique = t, code = image(v[2]), org = ORG,
                                 entry = ENTRY32, ram = RAM, max = 2000000 }
    e.variant, e.technique = v[1], t
    eqs[#eqs + 1] = e
    if e.equal then
      print(string.format("equivalence (%s, %s): no difference in %d instructions", v[1], t, e.instructions))
    else
      print(string.format("equivalence (%s, %s): first difference after instruction %d, %s at 0x%x", v[1], t,
                          e.first, e.insn, e.pc))
    end
  end
end
rows.equivalence = eqs
rows.image = image
rows.ORG, rows.ENTRY32, rows.RAM, rows.ASK, rows.LEAK = ORG, ENTRY32, RAM, ASK, LEAK
return rows
