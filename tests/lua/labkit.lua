-- labkit.lua - scripts/labkit.lua, the labs' shared harness: its table
-- printer aligns titles with cells, pair runs natively and monitored and
-- compares, boot starts a guest as a loader would; and every lab in
-- scenarios/ uses it (first.lua aside: it is the README's ten lines, and
-- runs under LuaJIT's FFI binding too).
package.path = arg[0]:match("^(.-)[^/]*$") .. "?.lua;" .. package.path
local t = require "testlib"
local dir = arg[0]:match("^(.-)tests/lua/[^/]*$") or "./"
package.path = dir .. "scripts/?.lua;" .. package.path
local lab = require "labkit"

-- print_table: captured
local out = {}
local print0 = print
print = function(s) out[#out + 1] = s end
lab.print_table({ { "name", "%-6s", "name" }, { "n", "%5d", "n" }, { "hex", "0x%04x", function(r) return r.n * 2 end },
                  { "ratio", "%7.2f", "r" } }, { { name = "a", n = 3, r = 0.5 }, { name = "bb", n = 12, r = 10 } })
print = print0
t.eq(out[1], "| name   |     n | hex    |   ratio |", "title row: left for strings and 0x, right for numbers")
t.eq(out[2], "|--------|-------|--------|---------|", "rule row")
t.eq(out[3], "| a      |     3 | 0x0006 |    0.50 |", "first row")
t.eq(out[4], "| bb     |    12 | 0x0018 |   10.00 |", "second row")
t.fails("no width", lab.print_table, { { "x", "%s", "x" } }, {})

t.eq(lab.diff_text({}), "none", "no differences")
t.eq(lab.diff_text({ { what = "sr" }, { what = "d0" } }), "sr, d0", "differences")
t.eq(lab.diff_text({ { what = "sr" }, { what = "d0" } }, ","), "sr,d0", "differences, separator")

-- pair: the MOVE from SR kernel on the 68000 leaks, on the 68010 it traps
local src = "move.w sr,d0\nstop #$2700\n"
for _, c in ipairs { { "68000", 0, 1 }, { "68010", 1, 0 } } do
  local p = lab.pair { isa = "m68k", model = c[1], ram = 65536, org = 0x1000, sp = 0x8000,
                       code = lab.image("m68k", c[1], src, 0x1000) }
  t.eq(p.native.reason, "halt", c[1] .. " native stop")
  t.eq(p.m.regs.d0 & 0x2000, 0x2000, c[1] .. " native: S = 1")
  t.eq(#p.log, c[2] + 1, c[1] .. " traps logged (the read, then STOP)")
  t.eq(#p.diffs, c[3], c[1] .. " differences from native")
  t.eq(p.vm:check(), true, c[1] .. " resource control")
end
local p = lab.pair { isa = "ppc", model = "750", ram = 65536, org = 0x1000, sp = 0x8000, keep = false,
                     code = lab.image("ppc", "750", "mfmsr 3\nb .\n", 0x1000) }
t.eq(p.log, nil, "keep = false: no log")
t.eq(p.stats.emulated, 1, "ppc mfmsr emulated")

-- boot{real_mode}: an x86 guest from reset, as a BIOS hands over a boot
-- sector (CS = 0, real mode) natively and under the monitor; it enters
-- protected mode and reads its CS. pair{deprivilege}: the RPL it sees is the
-- real CPL of its kernel, 0 natively, 1 by default, 3 when asked
local x86 = [[
  .code16
  cli
  lgdtl gdtr
  mov %cr0, %eax
  or $1, %eax
  mov %eax, %cr0
  ljmpl $0x08, $pm
  .code32
pm:
  mov %cs, %ebx
  hlt
  .p2align 3
gdt:
  .long 0, 0
  .long 0x0000ffff, 0x00cf9b00
gdtr:
  .word 15
  .long gdt
]]
local xcode = lab.image("x86", "i386", x86, 0x7c00)
local cs_rpl = {}
for _, d in ipairs { 0, 1, 3 } do
  local p = lab.pair { isa = "x86", model = "i386", ram = 1 << 20, org = 0x7c00, real_mode = true, code = xcode,
                       deprivilege = d ~= 0 and d or nil }
  t.eq(p.native.reason, "halt", "x86 real_mode native stop")
  t.eq(p.monitored.reason, "halt", "x86 real_mode monitored stop, deprivilege " .. d)
  t.eq(p.m.regs.ebx & 3, 0, "x86 native: MOV from CS shows RPL 0")
  cs_rpl[d] = p.vm.guest.regs.ebx & 3
  t.eq(p.vm:check(), true, "x86 resource control, deprivilege " .. d)
end
t.eq(cs_rpl[0], 1, "x86 monitored, deprivilege not given: MOV from CS shows RPL 1")
t.eq(cs_rpl[1], 1, "x86 monitored, deprivilege 1: MOV from CS shows RPL 1")
t.eq(cs_rpl[3], 3, "x86 monitored, deprivilege 3: MOV from CS shows RPL 3")
do
  -- real_mode: the state after reset, whatever the machine starts in
  local m = vlab.machine { isa = "x86", model = "i386", ram = 1 << 20 }
  lab.boot(m, xcode, { org = 0x7c00, real_mode = true })
  t.eq(m.regs.cs, 0, "boot real_mode: CS = 0")
  t.eq(m.pc, 0x7c00, "boot real_mode: at org")
  t.eq(m.regs.cr0 & 1, 0, "boot real_mode: PE clear")
end
t.fails("deprivilege", lab.pair, { isa = "x86", model = "i386", ram = 1 << 20, org = 0x7c00, real_mode = true,
                                   code = xcode, deprivilege = 2 })

t.eq(#lab.grid({ 1, 2 }, { "a", "b", "c" }, function(a, b) return a .. b end), 6, "grid")

-- trace: one line per instruction, as vlab exec --trace prints them
local tm = vlab.machine { isa = "m68k", model = "68000", ram = 65536 }
tm:write(0x1000, vlab.asm("m68k", "moveq #5,d0\nmove.w sr,d1\nbra.s .\n", { org = 0x1000 }))
tm.pc = 0x1000
local lines = {}
t.eq(lab.trace(tm, 10, function(l) lines[#lines + 1] = l end).reason, "halt", "trace stops where the run stops")
t.eq(#lines, 3, "trace lines")
t.eq(lines[1], "00001000  7005                 moveq #5,%d0                   d0=00000005", "trace line 1")
t.eq(lines[2], "00001002  40c1                 movew %sr,%d1                  d1=00002700", "trace line 2")
t.eq(lines[3], "00001004  60fe                 bras 0x1004", "trace line 3")

-- trace in 16-bit code: an x86 from reset (real mode at F000:FFF0), its
-- code fetched through CS and read as 16-bit code
local rm = vlab.machine { isa = "x86", model = "i386", ram = 1 << 20 }
rm:reset()
rm:write(0xFFFF0, "\xb8\x34\x12\xf4")        -- mov $0x1234,%ax; hlt
t.eq(rm:code_bits(), 16, "real mode runs 16-bit code")
t.eq(rm:fetch(rm.pc, 4), "\xb8\x34\x12\xf4", "fetch reads at CS:IP")
lines = {}
t.eq(lab.trace(rm, 10, function(l) lines[#lines + 1] = l end).reason, "halt", "16-bit trace stops at the hlt")
t.eq(lines[1], "0000fff0  b83412               mov    $0x1234,%ax             eax=00001234 eip=0000fff3",
  "16-bit trace line 1")
t.eq(lines[2]:match("^0000fff3  f4 +hlt "), "0000fff3  f4                   hlt ", "16-bit trace line 2")
-- m:disasm reads in the CPU's present mode (x86: at an offset in CS), bits overrides it
t.eq(rm:disasm(0xFFF0), "mov    $0x1234,%ax", "m:disasm in real mode: 16-bit")
t.eq(select(2, rm:disasm(0xFFF0)), 3, "m:disasm 16-bit length")
t.eq(rm:disasm(0xFFF0, { bits = 32 }), "mov    $0xf41234,%eax", "m:disasm bits = 32")
t.fails("bits must be 16 or 32", rm.disasm, rm, 0xFFF0, { bits = 8 })
t.fails("has no 16-bit code", tm.disasm, tm, 0x1000, { bits = 16 })
-- and in 32-bit code once the guest is in protected mode (a Multiboot-style start)
local pm = vlab.machine { isa = "x86", model = "i386", ram = 65536 }
pm:write(0x1000, "\xb8\x34\x12\xf4\x90\xf4")
pm.pc = 0x1000
t.eq(pm:code_bits(), 32, "protected mode with a 32-bit CS")
lines = {}
lab.trace(pm, 10, function(l) lines[#lines + 1] = l end)
t.eq(lines[1], "00001000  b83412f490           mov    $0x90f41234,%eax        eax=90f41234 eip=00001005",
  "32-bit trace line 1")
-- a guest under the monitor: its own mode (hw-assist svm accepts real mode)
local vm = vlab.vmm { isa = "x86", model = "i386", technique = "hw-assist", flavour = "svm", ram = 1 << 20 }
vm.guest:reset()
vm.guest:write(0xFFFF0, "\xb8\x34\x12\xf4")
t.eq(vm.guest:code_bits(), 16, "the guest's real mode")
t.eq(vm.guest:disasm(vm.guest.pc), "mov    $0x1234,%ax", "guest m:disasm in its real mode")
lines = {}
lab.trace(vm.guest, 10, function(l) lines[#lines + 1] = l end)
t.eq(lines[1]:match("^0000fff0  b83412 +mov +%$0x1234,%%ax "), "0000fff0  b83412               mov    $0x1234,%ax ",
  "guest 16-bit trace line 1")
t.eq(tm:code_bits(), 32, "m68k: 32")
t.eq(tm:fetch(0x1000, 2), "\x70\x05", "m68k fetch")
t.eq(#tm:fetch(0x100000, 4), 0, "fetch outside memory: nothing")

-- every lab uses the kit
local n = 0
local ls = io.popen('ls "' .. dir .. 'scenarios"/*.lua')
for f in ls:lines() do
  if not f:match("/first%.lua$") then
    local h = assert(io.open(f))
    local text = h:read("a")
    h:close()
    if not text:find('require "labkit"', 1, true) then error(f .. " does not use scripts/labkit.lua") end
    n = n + 1
  end
end
ls:close()
t.eq(n >= 8, true, "labs checked")
print(string.format("labkit: ok (%d labs use it)", n))
