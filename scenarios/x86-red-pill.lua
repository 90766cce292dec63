-- x86-red-pill.lua - SIDT from the guest: the location-sensitive leak that
-- detects a monitor.
--
-- A guest kernel (real mode to protected mode, then its own IDT loaded
-- with LIDT) stores the IDT register with SIDT, which is not privileged,
-- and decides "monitor" when the base is at or above 0xd0000000 (the
-- classic red pill test, applied to this lab's address map). It runs
-- natively and in two VMs on one monitor, whose monitor regions lie in
-- different places.
--
-- What to observe:
--   * natively SIDT shows the guest's own IDT (the LIDT operand);
--   * under trap-and-emulate LIDT traps and is emulated: the guest's IDTR
--     is virtual state (its registers still show its own base), but the
--     real IDTR points at the monitor's shadow IDT in the VM's monitor
--     region, and SIDT runs directly: each VM shows a different address,
--     the one of its own region: location-sensitive. The guest detects the
--     monitor with one unprivileged instruction;
--   * under the hybrid monitor SIDT in the guest kernel is interpreted
--     against the virtual IDTR: nothing to see.
--
-- Run: vlab run scenarios/x86-red-pill.lua
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
  mov %ax, %ss
  mov $0x90000, %esp
  lidt idtr             # its own IDT: privileged, emulated
  sidt pill             # the red pill: not privileged
  mov pill + 2, %eax
  cmp $0xd0000000, %eax
  jae 1f
  mov $msg_n, %esi
  jmp print
1:
  mov $msg_m, %esi
print:
  lodsb
  test %al, %al
  jz done
  outb %al, $0xe9
  jmp print
done:
  hlt
msg_n: .asciz "no monitor"
msg_m: .asciz "monitor"
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
  .long 0x40000
pill:
  .word 0
  .long 0
]]

local code = vlab.asm("x86:i386", SOURCE, { org = ORG })
local pill = ORG + code:find("\0\0\0\0\0\0$") - 1 -- the last 6 bytes: where SIDT stores

-- from reset, as a BIOS hands over a boot sector: real mode, CS = 0
local function start(g)
  return lab.boot(g, code, { org = ORG, real_mode = true })
end

local function pill_base(g)
  return string.unpack("<I4", g:read(pill + 2, 4))
end

local rows = {}
local m = vlab.machine { isa = "x86", model = "i386", ram = RAM }
start(m)
m:run { max = 100000 }
rows[#rows + 1] = { run = "native", base = pill_base(m), idtr = m.regs.idtr_base, says = m:console(), traps = 0 }

local first
for k = 1, 2 do
  local vm = vlab.vmm { isa = "x86", model = "i386", ram = RAM, monitor = first }
  first = first or vm
  start(vm.guest)
  vm:run { max = 100000 }
  rows[#rows + 1] = { run = "trap-and-emulate, VM " .. k, base = pill_base(vm.guest),
                      idtr = vm.guest.regs.idtr_base, says = vm.guest:console(), traps = vm:stats().traps,
                      check = vm:check() }
end
local hy = vlab.vmm { isa = "x86", model = "i386", technique = "hybrid", ram = RAM }
start(hy.guest)
hy:run { max = 100000 }
rows[#rows + 1] = { run = "hybrid", base = pill_base(hy.guest), idtr = hy.guest.regs.idtr_base,
                    says = hy.guest:console(), traps = hy:stats().traps }

print("SIDT in a guest kernel: where is the IDT?")
print()
lab.print_table({ { "run", "%-24s", "run" },
                  { "SIDT shows", "%-12s", function(r) return string.format("0x%08x", r.base) end },
                  { "its IDTR (virtual)", "%-18s", function(r) return string.format("0x%08x", r.idtr) end },
                  { "prints", "%-10s", "says" }, { "traps", "%5d", "traps" } }, rows)
print()
print("Under trap-and-emulate SIDT shows the shadow IDT in each VM's monitor region: a different")
print("address per VM (location-sensitive), and never the guest's own. One unprivileged instruction")
print("tells the guest it is not on the bare machine.")
return rows
