-- x86_guest_os.lua - scenarios/x86-guest-os.lua: the protected-mode guest OS
-- (GDT, IDT, TSS, paging, two ring-3 tasks, timer preemption, int $0x80)
-- ends identically natively, under trap-and-emulate and under hybrid, for
-- many timer periods; the variant whose task reads the GDTR with SGDT
-- differs, and the equivalence check ties the difference to that SGDT.
package.path = arg[0]:match("^(.-)[^/]*$") .. "?.lua;" .. package.path
local testlib = require "testlib"
local eq = testlib.eq

local print0 = print
print = function() end
local rows = dofile("scenarios/x86-guest-os.lua")
print = print0

local clean_gdt
for _, r in ipairs(rows) do
  local what = r.variant .. " " .. r.technique
  eq(r.native_stop, "halt", what .. ": native stop")
  eq(r.stop, "halt", what .. ": monitored stop")
  eq(r.check, true, what .. ": vm:check() " .. tostring(r.why))
  eq(r.instructions, r.native_instructions, what .. ": the same instruction count")
  assert(r.reflected > 40, what .. ": the ticks and system calls are reflected (" .. r.reflected .. ")")
  -- the tasks interleave: a pong before the last ping
  local last_ping = 0
  for at in r.native:gmatch("()ping") do last_ping = at end
  assert(r.native:find("pong") < last_ping, what .. ": the timer preempts: " .. r.native)
  local g = tonumber(r.native:match("gdt at (%x+)"), 16)
  clean_gdt = clean_gdt or g
  eq(g, clean_gdt, what .. ": natively the guest's own GDT, whichever way it asks")
  if r.variant == "system call" then
    eq(r.monitored, r.native, what .. ": the same console")
    eq(#r.diffs, 0, what .. ": vlab.compare finds no difference")
  else
    local m = tonumber(r.monitored:match("gdt at (%x+)"), 16)
    assert(m >= 0xff000000, what .. string.format(": SGDT shows the monitor region (%08x)", m))
    assert(#r.diffs > 0, what .. ": a difference")
    eq(r.monitored:gsub("gdt at %x+", ""), r.native:gsub("gdt at %x+", ""), what .. ": only the address differs")
  end
end
assert(clean_gdt < 0x100000, "the guest's GDT lies in its RAM")
local te = rows[1]
eq(te.technique, "trap-and-emulate", "row 1")
assert(te.emulated > 100 and te.kinds["emulated out"] > 50, "OUT to the console port traps and is emulated")
assert(te.kinds["reflected 0x80"] > 50 and te.kinds["reflected 0x20"] > 10, "system calls and ticks are reflected")
eq(te.kinds["emulated sgdtl"], nil, "no SGDT trapped")
-- what reached the monitor, kind by kind (the lab computes them from the
-- trap events): the real-mode boot sector instruction by instruction, then
-- only the privileged and IOPL-sensitive instructions, MOV to SS (RPL 0 at
-- real CPL 1), the ticks and the system calls
local expected = {
  "emulated cli", "emulated hlt", "emulated lgdtl", "emulated lidtl", "emulated ltr", "emulated mov from %cr0",
  "emulated mov to %cr0", "emulated mov to %cr3", "emulated mov to %ss", "emulated out", "emulated sti",
  "real mode: emulated cli", "real mode: emulated lgdtl", "real mode: emulated mov from %cr0",
  "real mode: emulated mov to %cr0", "real mode: emulated or", "reflected 0x20", "reflected 0x80" }
local observed = {}
for k in pairs(te.kinds) do observed[#observed + 1] = k end
table.sort(observed)
eq(table.concat(observed, "; "), table.concat(expected, "; "), "the kinds of trap under trap-and-emulate")
eq(te.kinds["emulated mov to %ss"], 1, "MOV to SS traps once: the kernel loads SS once")
eq(rows[2].emulated, 0, "hybrid interprets the kernel instead")
assert(rows[2].interpreted > 1000, "hybrid: the kernel interpreted")

-- the equivalence check: none with the system call; with SGDT, that SGDT
for _, e in ipairs(rows.equivalence) do
  local what = "equivalence " .. e.variant .. " " .. e.technique
  if e.variant == "system call" then
    eq(e.equal, true, what)
    assert(e.instructions > 5000, what .. ": ran " .. e.instructions)
  else
    eq(e.equal, false, what)
    assert(e.insn:find("^sgdt"), what .. ": points at " .. tostring(e.insn))
    local code = rows.image(rows.LEAK)
    local at = e.pc - rows.ORG
    eq(code:byte(at + 1) .. " " .. code:byte(at + 2), "15 1", what .. ": the bytes at its pc are SGDT's (0F 01)")
  end
end

-- preemption at many points: every period ends identically natively and
-- under both monitors (some periods preempt the kernel inside a system
-- call: its IRET to CPL 0 then traps, CS's RPL 0 being below the real CPL 1)
local lab = require "labkit"
local kernel_irets = 0
for period = 37, 900, 53 do
  local code = rows.image(rows.ASK, period)
  local m = vlab.machine { isa = "x86", model = "i386", ram = rows.RAM }
  local vms = { vlab.vmm { isa = "x86", model = "i386", ram = rows.RAM },
                vlab.vmm { isa = "x86", model = "i386", ram = rows.RAM, technique = "hybrid" } }
  local log = lab.trap_log(vms[1], function(ev) return ev.insn:find("^iret") and 1 or nil end)
  lab.boot(m, code, { org = rows.ORG, real_mode = true })
  local sn = m:run { max = 2000000 }
  eq(sn.reason, "halt", "period " .. period .. ": native halt")
  for _, vm in ipairs(vms) do
    lab.boot(vm.guest, code, { org = rows.ORG, real_mode = true })
    local sv = vm:run { max = 2000000 }
    local what = "period " .. period .. " " .. vm.technique
    eq(sv.reason, "halt", what .. ": halt")
    eq(#vlab.compare(m, vm.guest), 0, what .. ": no difference")
    assert(vm:check(), what .. ": vm:check()")
  end
  kernel_irets = kernel_irets + #log
end
assert(kernel_irets > 10, "the kernel was preempted in a system call (" .. kernel_irets .. " IRETs trapped)")
print("x86 guest OS: ok")
