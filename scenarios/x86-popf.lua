-- x86-popf.lua - a guest kernel disables interrupts with POPF instead of CLI.
--
-- The kernel counts in `counter` from two places: its main loop adds 1 in
-- a critical section (read the counter, wait a little, write it back + 1)
-- twenty times, and the timer interrupt's handler adds 1 on every tick. The
-- critical section keeps the interrupt out by clearing EFLAGS.IF: first
-- with POPF (pushf; pop; and ~IF; push; popf), then, in a second kernel,
-- with CLI. At the end counter must be 20 + ticks.
--
-- What to observe:
--   * natively both kernels end with counter = 20 + ticks;
--   * under trap-and-emulate the guest kernel runs at real CPL 1 with IOPL 0:
--     POPF does not trap and silently keeps IF = 1, so the timer fires
--     inside the critical section; the handler's increment is overwritten
--     by the main loop's write-back: counter < 20 + ticks, the lost updates
--     are shown. The "interrupted" column counts the critical sections the
--     timer broke into;
--   * the same kernel with CLI/STI: CLI traps (IOPL 0) and is emulated
--     against the virtual IF, the interrupt waits, the count is right - at
--     the price of two traps per critical section.
-- The handler returns with STI; IRET: an IRET at real CPL 1 could not set
-- IF again either (the same leak as POPF), STI traps and does.
--
-- Run: vlab run scenarios/x86-popf.lua
package.path = (debug.getinfo(1, "S").source:match("^@(.-)[^/]*$") or "./") .. "../scripts/?.lua;" .. package.path
local lab = require "labkit"
local RAM = 1 << 20
local ORG = 0x7c00

local function source(disable, enable)
  return [[
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
  mov %ax, %es
  mov %ax, %ss
  mov $0x90000, %esp
  mov $tick, %eax       # IDT gate 0x20: an interrupt gate to tick
  mov %ax, idt + 0x100
  movw $0x08, idt + 0x102
  movw $0x8e00, idt + 0x104
  shr $16, %eax
  mov %ax, idt + 0x106
  lidt idtr
  mov $97, %eax         # the timer: every 97 instructions, line 1 (vector 0x20)
  mov $0x104, %dx
  outl %eax, (%dx)
  mov $1, %eax
  mov $0x108, %dx
  outl %eax, (%dx)
  sti
  mov $20, %ecx
loop:
]] .. disable .. [[
  mov ticks, %ebx       # the critical section
  mov counter, %eax
  mov $30, %edx
1:
  dec %edx
  jnz 1b
  inc %eax
  mov %eax, counter
  cmp ticks, %ebx
  je 2f
  incl broken           # the timer came in
2:
]] .. enable .. [[
  mov $30, %edx         # outside: the timer may come
3:
  dec %edx
  jnz 3b
  dec %ecx
  jnz loop
  cli
  mov $0, %eax          # the timer off
  mov $0x104, %dx
  outl %eax, (%dx)
  movb $'.', %al
  outb %al, $0xe9
  hlt
tick:
  push %eax
  push %edx
  incl counter
  incl ticks
  mov $0x10c, %dx       # acknowledge
  outl %eax, (%dx)
  pop %edx
  pop %eax
  sti
  iret
  .p2align 3
gdt:
  .long 0, 0
  .long 0x0000ffff, 0x00cf9b00
  .long 0x0000ffff, 0x00cf9300
gdtr:
  .word 23
  .long gdt
idtr:
  .word 0x7ff
  .long idt
counter: .long 0
ticks: .long 0
broken: .long 0
  .p2align 3
idt:
  .fill 0x800, 1, 0
]]
end

local kernels = {
  { name = "POPF", disable = "  pushf\n  pop %esi\n  and $0xfffffdff, %esi\n  push %esi\n  popf\n",
    enable = "  or $0x200, %esi\n  push %esi\n  popf\n" },
  { name = "CLI/STI", disable = "  cli\n", enable = "  sti\n" },
}

-- from reset, as a BIOS hands over a boot sector: real mode, CS = 0
local function start(g, code)
  return lab.boot(g, code, { org = ORG, real_mode = true })
end

local rows = {}
for _, k in ipairs(kernels) do
  local src = source(k.disable, k.enable)
  local code = vlab.asm("x86:i386", src, { org = ORG })
  -- where counter lies: right before the aligned IDT of 0x800 zero bytes
  local idt_at = #code - 0x800
  local counter_off = idt_at - 12
  while counter_off % 4 ~= 0 do counter_off = counter_off - 1 end
  local function read3(g)
    return string.unpack("<I4I4I4", g:read(ORG + counter_off, 12))
  end
  local m = vlab.machine { isa = "x86", model = "i386", ram = RAM }
  start(m, code)
  m:run { max = 1000000 }
  local c, t, b = read3(m)
  rows[#rows + 1] = { kernel = k.name, run = "native", counter = c, ticks = t, broken = b, traps = 0 }
  local vm = vlab.vmm { isa = "x86", model = "i386", ram = RAM }
  start(vm.guest, code)
  vm:run { max = 1000000 }
  c, t, b = read3(vm.guest)
  rows[#rows + 1] = { kernel = k.name, run = "trap-and-emulate", counter = c, ticks = t, broken = b,
                      traps = vm:stats().traps, check = vm:check(), console = vm.guest:console() }
end

print("Interrupts off with POPF or with CLI: counter = 20 main-loop increments + one per tick?")
print()
lab.print_table({ { "kernel", "%-8s", "kernel" }, { "run", "%-16s", "run" }, { "counter", "%7d", "counter" },
                  { "ticks", "%5d", "ticks" }, { "expected", "%8d", function(r) return 20 + r.ticks end },
                  { "interrupted", "%11d", "broken" }, { "traps", "%5d", "traps" } }, rows)
print()
print("POPF at real CPL 1 with IOPL 0 keeps IF: the timer breaks into the critical sections and")
print("updates are lost. CLI traps and is emulated: correct, two traps per critical section.")
return rows
