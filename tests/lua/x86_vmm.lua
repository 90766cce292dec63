-- x86_vmm.lua - the x86 under the monitor from Lua (vlab.vmm{isa="x86"},
-- docs/vmm.md "x86: ring compression"): a guest from the reset state goes
-- from real mode (every instruction trapped and executed by the monitor) to
-- protected mode (its kernel at real CPL 1), prints on the console port,
-- and reads what leaks: MOV from CS shows RPL 1, SGDT the shadow GDT in the
-- monitor region; vm:check() holds after every trap; a second VM shows its
-- own region; natively the same code reads RPL 0 and its own GDT.
package.path = arg[0]:match("^(.-)[^/]*$") .. "?.lua;" .. package.path
local testlib = require "testlib"
local eq = testlib.eq

local BOOT = testlib.x86_boot
local code = vlab.asm("x86:i386", BOOT .. [[
  movb $'P', %al
  outb %al, $0xe9
  mov %cs, %ebx
  sgdt 0x20000
  hlt
]] .. testlib.x86_gdt, { org = 0x7c00 })

local function start(g)
  g:write(0x7c00, code)
  g.regs.cs = 0
  g.pc = 0x7c00
end

-- natively
local m = vlab.machine { isa = "x86", model = "i386", ram = 1 << 20 }
m:reset()
start(m)
local sn = m:run { max = 1000 }
eq(sn.reason, "halt", "native stop")
eq(m:console(), "P", "native console")
eq(m.regs.ebx & 0xffff, 0x08, "native: CS with RPL 0")
local gdt_native = string.unpack("<I4", m:read(0x20002, 4))

-- under the monitor, two VMs (their monitor regions in different places)
local bases, first = {}, nil
for k = 1, 2 do
  local vm = vlab.vmm { isa = "x86", model = "i386", ram = 1 << 20, monitor = first }
  first = first or vm
  eq(vm.isa, "x86", "isa")
  local g = vm.guest
  eq(g:supervisor(), true, "the reset state: virtual CPL 0")
  start(g)
  local traps, bad = 0, nil
  vm:on("trap", function(ev)
    traps = traps + 1
    local ok, why = vm:check()
    if not ok and not bad then bad = ev.insn .. ": " .. tostring(why) end
  end)
  local s = vm:run { max = 1000 }
  eq(bad, nil, "vm:check() after every trap")
  eq(s.reason, "halt", "monitored stop")
  eq(g:console(), "P", "monitored console")
  eq(g.regs.cr0 & 1, 1, "the guest is in protected mode")
  eq(g.regs.cpl, 0, "its virtual CPL")
  eq(g.regs.cs, 0x08, "its CS")
  eq(g.regs.ebx & 0xffff, 0x09, "MOV from CS leaks the real RPL 1")
  local base = string.unpack("<I4", g:read(0x20002, 4))
  assert(base ~= gdt_native and base >= 0xff000000, string.format("SGDT shows the shadow GDT: %08x", base))
  bases[k] = base
  local st = vm:stats()
  -- the real-mode instructions all trap (cli ... ljmp: 6); in protected
  -- mode the segment loads run directly at real CPL 1, OUT and HLT trap
  assert(st.traps >= 8, "traps: " .. st.traps)
  eq(st.traps, traps, "every trap reported")
  eq(st.guest_instructions, m:stats().instructions, "the same instruction count")
  assert(vm:check())
end
assert(bases[1] ~= bases[2], "SGDT is location-sensitive: each VM shows its own region")

-- the hybrid monitor interprets the kernel: MOV from CS reads RPL 0 there
local vm = vlab.vmm { isa = "x86", model = "i386", technique = "hybrid", ram = 1 << 20 }
start(vm.guest)
eq(vm:run { max = 1000 }.reason, "halt", "hybrid stop")
eq(vm.guest.regs.ebx & 0xffff, 0x08, "hybrid: MOV from CS reads the virtual RPL 0")
eq(vm.guest:console(), "P", "hybrid console")
print("x86_vmm: ok")

-- trap events name the instruction as the guest's CPU decodes it: 16-bit
-- code in real mode and in a 16-bit code segment (objdump -m i8086), 32-bit
-- code in a 32-bit segment (the same bytes read as 32-bit code would be
-- other instructions: lgdtl's 66 0f 01 16 a 32-bit lgdtw through (%esi))
do
  local src = [[
  .code16
  cli
  lgdtl gdtr
  mov %cr0, %eax
  or $1, %eax
  mov %eax, %cr0
  ljmpl $0x18, $c16
c16:                    # protected mode, a 16-bit code segment at real CPL 1
  cli
  lgdtl gdtr
  ljmpl $0x08, $c32
  .code32
c32:
  outb %al, $0xe9
  hlt
  .p2align 3
gdt:
  .long 0, 0
  .long 0x0000ffff, 0x00cf9b00
  .long 0x0000ffff, 0x00cf9300
  .long 0x0000ffff, 0x00009b00
gdtr:
  .word 31
  .long gdt
]]
  local img = vlab.asm("x86:i386", src, { org = 0x7c00 })
  local gdtr = 0x7c00 + #img - 6
  local want = {
    "emulated 7c00 cli", string.format("emulated 7c01 lgdtl  0x%x", gdtr), "emulated 7c07 mov    %cr0,%eax",
    "emulated 7c0a or     $0x1,%eax", "emulated 7c0e mov    %eax,%cr0", "emulated 7c19 cli",
    string.format("emulated 7c1a lgdtl  0x%x", gdtr), "emulated 7c28 out    %al,$0xe9", "emulated 7c2a hlt" }
  local vm = vlab.vmm { isa = "x86", model = "i386", ram = 1 << 20 }
  local seen = {}
  vm:on("trap", function(ev) seen[#seen + 1] = string.format("%s %x %s", ev.kind, ev.pc, ev.insn) end)
  vm.guest:write(0x7c00, img)
  vm.guest:reset()
  vm.guest.regs.cs = 0
  vm.guest.pc = 0x7c00
  eq(vm:run { max = 1000 }.reason, "halt", "16-bit code: stop")
  eq(vm.guest:console(), "\1", "16-bit code: console (AL = CR0 with PE)")
  eq(table.concat(seen, "\n"), table.concat(want, "\n"), "16-bit code: the trap events' instructions")
  eq(vlab.disasm("x86:i386", img:sub(2, 7)), "lgdtw  (%esi)", "the same bytes as 32-bit code")
end

-- far JMP and far RET check privilege against the real CPL: a guest kernel's
-- far JMP through a selector of RPL 1 to its DPL 0 code faults natively
-- (RPL above CPL 0) and succeeds under ring compression (CPL 1, DPL shown
-- 1); a far RET to that selector faults natively (an outward return needs
-- DPL = RPL) and is a same-level return at ring 1 (docs/popek-goldberg.md)
package.path = (arg[0]:match("^(.-)tests/lua/[^/]*$") or "./") .. "scripts/?.lua;" .. package.path
local lab = require "labkit"
for _, jump in ipairs { "ljmp $0x09, $ok", "pushl $0x09\n  pushl $ok\n  lret" } do
  local img = vlab.asm("x86:i386", BOOT .. [[
  lidt idtr
  ]] .. jump .. [[

ok:
  movb $'J', %al
  outb %al, $0xe9
  hlt
gp:
  movb $'G', %al
  outb %al, $0xe9
  hlt
]] .. testlib.x86_gdt .. [[
idtr:
  .word 14 * 8 - 1
  .long idt
  .p2align 3
idt:
  .fill 13 * 8, 1, 0
  .word gp, 0x08, 0x8e00, 0
]], { org = 0x7c00 })
  local p = lab.pair { isa = "x86", model = "i386", ram = 1 << 20, org = 0x7c00, real_mode = true, code = img,
                       keep = false }
  local what = jump:match("^%S+") == "ljmp" and "far JMP" or "far RET"
  eq(p.m:console(), "G", what .. " to RPL 1 natively: #GP")
  eq(p.vm.guest:console(), "J", what .. " to RPL 1 under ring compression: as at ring 1, no fault")
  eq(p.vm:check(), true, what .. ": vm:check()")
end

-- the labs: scenarios/x86-cs-rpl.lua and scenarios/x86-red-pill.lua
local print0 = print
print = function() end
local rows = dofile("scenarios/x86-cs-rpl.lua")
local reds = dofile("scenarios/x86-red-pill.lua")
print = print0
local says = {}
for _, r in ipairs(rows) do
  says[r.isa .. " " .. r.run] = r.says
  if r.check ~= nil then eq(r.check, true, r.isa .. " " .. r.run .. ": vm:check()") end
end
eq(says["x86 native"], "ring 0", "cs-rpl: x86 native")
eq(says["x86 trap-and-emulate"], "not ring 0", "cs-rpl: x86 monitored, caught by MOV from CS")
eq(says["x86 hybrid"], "ring 0", "cs-rpl: x86 hybrid")
eq(says["x86 deprivilege 3"], "not ring 0", "cs-rpl: x86 kernel at real CPL 3")
testlib.fails("vlab.vmm: deprivilege: isa x86: the monitor cannot run the guest's kernel at level 2", vlab.vmm,
  { isa = "x86", deprivilege = 2 })
testlib.fails("vlab.vmm: deprivilege: isa m68k: the monitor cannot run the guest's kernel at level 3", vlab.vmm,
  { isa = "m68k", deprivilege = 3 })
do
  local d3 = vlab.vmm { isa = "x86", deprivilege = 3, ram = 1 << 20 }
  start(d3.guest)
  eq(d3:run { max = 1000 }.reason, "halt", "deprivilege 3: stop")
  eq(d3.guest.regs.ebx & 0xffff, 0x0b, "deprivilege 3: MOV from CS shows RPL 3")
  eq(d3.guest:console(), "P", "deprivilege 3: console")
  assert(d3:check())
end
for _, k in ipairs { "m68k native", "m68k trap-and-emulate", "ppc native", "ppc trap-and-emulate" } do
  eq(says[k], "supervisor", "cs-rpl: " .. k)
end
eq(reds[1].says, "no monitor", "red pill: native")
eq(reds[1].base, 0x40000, "red pill: native SIDT shows the guest's IDT")
for k = 2, 3 do
  eq(reds[k].says, "monitor", "red pill: " .. reds[k].run)
  eq(reds[k].idtr, 0x40000, "red pill: the guest's virtual IDTR")
  eq(reds[k].check, true, "red pill: vm:check()")
  assert(reds[k].base >= 0xff000000, "red pill: SIDT shows the monitor region")
end
assert(reds[2].base ~= reds[3].base, "red pill: each VM shows its own region")
eq(reds[4].says, "no monitor", "red pill: hybrid")
print("x86 labs: ok")

-- scenarios/x86-popf.lua: POPF keeps IF at real CPL 1, the timer breaks in
print = function() end
local pf = dofile("scenarios/x86-popf.lua")
local io_rows = dofile("scenarios/x86-io.lua")
print = print0
local by = {}
for _, r in ipairs(pf) do by[r.kernel .. " " .. r.run] = r end
for _, k in ipairs { "POPF native", "CLI/STI native", "CLI/STI trap-and-emulate" } do
  local r = by[k]
  assert(r.ticks > 5, k .. ": ticks " .. r.ticks)
  eq(r.counter, 20 + r.ticks, k .. ": no update lost")
  eq(r.broken, 0, k .. ": no critical section interrupted")
end
local r = by["POPF trap-and-emulate"]
assert(r.broken > 0, "popf: the timer broke into a critical section under the monitor")
assert(r.counter < 20 + r.ticks, "popf: updates lost under the monitor")
eq(by["CLI/STI trap-and-emulate"].check, true, "popf lab: vm:check()")
assert(by["CLI/STI trap-and-emulate"].traps >= 40, "cli/sti: two traps per critical section")

-- scenarios/x86-io.lua: port I/O traps and is emulated; the IOPL IRET hands out leaks
local n, v = io_rows[1], io_rows[2]
eq(n.console, "hello hello U!", "io: native console")
eq(v.console, "hello hello !", "io: monitored console: the user task never got IOPL 3")
eq(v.ticks, n.ticks, "io: the tick count read with IN")
assert(n.ticks > 0, "io: the timer ticked")
eq(v.check, true, "io: vm:check()")
local outs = 0
for k, c in pairs(io_rows.kinds) do
  if k:find("^emulated out") then outs = outs + c end
end
assert(outs >= 7, "io: each OUT to the console port trapped and was emulated (" .. outs .. ")")
print("x86 popf and io labs: ok")
