-- x86-io.lua - port I/O under the monitor: IN and OUT trap through IOPL and
-- the I/O bitmap and are emulated onto the VM's own console and timer.
--
-- A guest kernel prints a line through the console port 0xE9 (OUT, one byte
-- at a time), the same line through the memory-mapped console (a MOV to
-- the MMIO window), starts the timer through its ports, waits, and reads
-- the tick count with IN; then it lets its user task (ring 3) print through
-- port 0xE9 too, once with IOPL 3 (allowed natively: "U") and once with
-- IOPL 0 (a #GP natively, after which the kernel prints "!").
--
-- What to observe:
--   * the kernel's own output and the tick count are the same natively and
--     monitored;
--   * under trap-and-emulate every IN and OUT traps (the real IOPL is 0 and
--     the monitor's TSS has no I/O bitmap) and is emulated against the
--     virtual devices: one trap per byte through the port, none through the
--     memory-mapped console, which the real CPU writes directly (the device
--     window is the VM's own);
--   * the user task: natively IRET gives it IOPL 3 and its OUT prints "U";
--     then, with IOPL 0, its OUT takes a #GP. Under the monitor the guest
--     kernel's IRET runs directly at real CPL 1, where IRET cannot change
--     IOPL: the user task keeps IOPL 0, its first OUT traps and the
--     monitor, executing it against the virtual IOPL 0, reflects a #GP -
--     "U" is missing from the console. IRET is a leaking instruction: the
--     I/O privilege a kernel hands out with it never arrives;
--   * the simulated cost (cycles of the cost table) of the port line against
--     the memory-mapped one.
--
-- Run: vlab run scenarios/x86-io.lua
package.path = (debug.getinfo(1, "S").source:match("^@(.-)[^/]*$") or "./") .. "../scripts/?.lua;" .. package.path
local lab = require "labkit"
local RAM = 1 << 20
local ORG = 0x7c00

local SOURCE = [[
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
  mov $gp, %eax         # IDT gate 13 (#GP): an interrupt gate to gp
  mov %ax, idt + 13 * 8
  movw $0x08, idt + 13 * 8 + 2
  movw $0x8e00, idt + 13 * 8 + 4
  shr $16, %eax
  mov %ax, idt + 13 * 8 + 6
  lidt idtr
  mov $0x28, %ax
  ltr %ax
  mov $msg, %esi        # through the port
1:
  lodsb
  test %al, %al
  jz 2f
  outb %al, $0xe9
  jmp 1b
2:
  mov $msg, %esi        # through the memory-mapped console
3:
  lodsb
  test %al, %al
  jz 4f
  movb %al, 0xfe000000
  jmp 3b
4:
  mov $50, %eax         # the timer: every 50 instructions
  mov $0x104, %dx
  outl %eax, (%dx)
  mov $400, %ecx
5:
  dec %ecx
  jnz 5b
  mov $0x110, %dx       # the tick count
  inl (%dx), %eax
  mov %eax, ticks
  mov $0, %eax
  mov $0x104, %dx
  outl %eax, (%dx)
  add $'0', %al
  push $0x23            # the user task, IOPL 3
  push $0x80000
  push $0x3002
  push $0x1b
  push $user
  iret
user:
  movb $'U', %al
  outb %al, $0xe9       # IOPL 3: allowed
  hlt                   # privileged: #GP into the kernel
gp:
  add $4, %esp          # the error code
  mov $0x10, %ax        # (the return to ring 3 nulled DS)
  mov %ax, %ds
  incl faults
  cmpl $2, faults       # the second #GP: the user task's OUT with IOPL 0
  je done
  movl $user2, (%esp)   # again, with IOPL 0
  movl $0x0002, 8(%esp)
  iret
user2:
  movb $'u', %al
  outb %al, $0xe9       # IOPL 0: #GP
done:
  movb $'!', %al
  outb %al, $0xe9
  hlt
msg: .asciz "hello "
  .p2align 3
gdt:
  .long 0, 0
  .long 0x0000ffff, 0x00cf9b00
  .long 0x0000ffff, 0x00cf9300
  .long 0x0000ffff, 0x00cffb00
  .long 0x0000ffff, 0x00cff300
  .long tss_lo, 0x00008900
gdtr:
  .word 47
  .long gdt
idtr:
  .word 0x7ff
  .long idt
faults: .long 0
ticks: .long 0
  .p2align 3
tss:
  .long 0, 0x90000, 0x10
  .fill 0x58, 1, 0
  .long 0x00680000      # I/O map base beyond the limit: no bitmap, IOPL decides
  .p2align 3
idt:
  .fill 0x800, 1, 0
]]

-- the TSS descriptor's low dword: base 15:0 in its upper half, limit 0x67
local probe = vlab.asm("x86:i386", SOURCE:gsub("tss_lo", "0"), { org = ORG })
local tss = ORG + #probe - 0x800 - 0x68
local code = vlab.asm("x86:i386", SOURCE:gsub("tss_lo", string.format("0x%04x0067", tss & 0xffff)), { org = ORG })
assert(#code == #probe)

-- from reset, as a BIOS hands over a boot sector: real mode, CS = 0
local function start(g)
  return lab.boot(g, code, { org = ORG, real_mode = true })
end
local function ticks(g)
  -- the tick count: what the kernel stored after IN, the long before the
  -- padding (0x90 bytes) that aligns the TSS
  local a = tss - 4
  while string.unpack("<I4", g:read(a, 4)) == 0x90909090 do a = a - 4 end
  return string.unpack("<I4", g:read(a, 4))
end

local m = vlab.machine { isa = "x86", model = "i386", ram = RAM }
start(m)
local sn = m:run { max = 100000 }
local vm = vlab.vmm { isa = "x86", model = "i386", ram = RAM }
local kinds = {}
vm:on("trap", function(ev)
  local k = ev.kind .. " " .. ev.insn:gsub("%s+", " ")
  kinds[k] = (kinds[k] or 0) + 1
end)
start(vm.guest)
local sv = vm:run { max = 100000 }
local st = vm:stats()

local rows = {
  { run = "native", console = m:console(), ticks = ticks(m), stop = sn.reason, traps = 0,
    instructions = m:stats().instructions },
  { run = "trap-and-emulate", console = vm.guest:console(), ticks = ticks(vm.guest), stop = sv.reason,
    traps = st.traps, instructions = st.guest_instructions, cost = st.cost, check = vm:check() },
}
print("Port I/O and memory-mapped I/O, natively and under the monitor")
print()
lab.print_table({ { "run", "%-16s", "run" },
                  { "console", "%-22s", function(r) return string.format("%q", r.console) end },
                  { "ticks", "%5d", "ticks" }, { "traps", "%5d", "traps" }, { "instructions", "%12d", "instructions" },
                  { "cost", "%8s", function(r) return r.cost or "-" end } }, rows)
print()
local list = {}
for k, n in pairs(kinds) do list[#list + 1] = string.format("%4d  %s", n, k) end
table.sort(list, function(a, b) return a:sub(7) < b:sub(7) end)
print("traps under the monitor, by kind and instruction:")
for _, l in ipairs(list) do print("  " .. l) end
print()
local c = vm:cost()
print(string.format("Each byte through port 0xE9 costs a trap (with this VM's cost table %d cycles", c.trap +
  2 * c.world_switch + c.emulate))
print("for the round trip against 1 for a direct store); the memory-mapped console costs none.")
rows.kinds = kinds
return rows
