-- hw_assist.lua - the Lua surface of hw-assist: vlab.vmm's flavour and
-- exit_remove, vm:exit_set, stats().exit_reasons, the trap event's reason,
-- vlab.sweep's exit_remove, and the errors.
package.path = arg[0]:match("^(.-)[^/]*$") .. "?.lua;" .. package.path
local t = require "testlib"

local SRC = "move.w #0x2300,%sr\nmove.w %sr,%d0\ntrap #1\nstop #0x2700\n"
local function guest(o)
  local vm = vlab.vmm(o)
  vm.guest:write(0x1000, vlab.asm("m68k:" .. (o.model or "68000"), SRC, { org = 0x1000 }))
  vm.guest:write(0x84, "\0\0\32\0")                      -- trap #1 -> 0x2000
  vm.guest:write(0x2000, vlab.asm("m68k", "rte\n", { org = 0x2000 }))
  vm.guest.pc = 0x1000
  vm.guest.regs.a7 = 0x8000
  return vm
end

-- the default exit set: the read exits and shows the shadow
local vm = guest { isa = "m68k", model = "68000", technique = "hw-assist" }
local reasons = {}
vm:on("trap", function(ev)
  t.eq(ev.kind, "exit", "every event under hw-assist is an exit")
  reasons[#reasons + 1] = ev.reason
  t.eq(vm:check(), true, "vm:check after the exit at " .. ev.pc)
end)
local r = vm:run { max = 50 }
t.eq(vm.guest.regs.d0 & 0xffff, 0x2300, "MOVE from SR reads the guest's mask and S")
local st = vm:stats()
t.eq(st.exits, #reasons, "stats().exits counts every exit event")
t.eq(st.exit_reasons.instruction, 4, "move to sr, move from sr, rte, stop exit as instructions")
t.eq(st.exit_reasons.exception, 1, "trap #1 exits through the exception bitmap")
t.eq(st.exit_reasons.interrupt, 0, "no interrupt")
t.eq(st.exit_reasons.cr + st.exit_reasons.io + st.exit_reasons.mode, 0, "no x86 reasons on the 68000")
t.eq(st.traps, 0, "no traps under hw-assist")
t.eq(r.reason, "halt", "STOP without a timer")

-- the exit set, read and changed
local set = vm:exit_set()
t.eq(set.flavour, "svm", "svm is the default flavour")
local has = {}
for _, m in ipairs(set.forms) do has[m] = true end
for _, m in ipairs { "move from sr", "move to sr", "andi to sr", "ori to sr", "eori to sr", "rte", "stop" } do
  t.eq(has[m], true, "default 68000 exit set has " .. m)
end
t.eq(#set.exceptions, 256, "every exception exits by default")
set = vm:exit_set { remove = { "move from sr" }, remove_exceptions = { 33 } }
has = {}
for _, m in ipairs(set.forms) do has[m] = true end
t.eq(has["move from sr"], nil, "removed from the exit set")
t.eq(#set.exceptions, 255, "vector 33 out of the bitmap")
set = vm:exit_set { add = { "move from sr" }, add_exceptions = { 33 } }
t.eq(#set.exceptions, 256, "vector 33 back")

-- exit_remove at creation: the leak comes back, with the host's mask
local vm2 = guest { isa = "m68k", model = "68000", technique = "hw-assist", flavour = "vt", exit_remove = { "move from sr" } }
vm2:run { max = 50 }
t.eq(vm2.guest.regs.d0 & 0xffff, 0x2700, "without the exit MOVE from SR reads the host's mask")
t.eq(vm2:exit_set().flavour, "vt", "flavour vt")

-- vlab.equivalence in both flavours: an x86 guest that turns paging on
-- (vt interprets it until then) ends as natively
local PAGING = vlab.asm("x86:i386", [[
  mov $0x11000, %edi      # a page table mapping the first 4 MiB, identity
  mov $3, %eax
2:
  stosl
  add $0x1000, %eax
  cmp $0x400003, %eax
  jne 2b
  movl $0x11003, 0x10000  # the page directory's first entry
  mov $0x10000, %ebx
  mov %ebx, %cr3
  mov %cr0, %ebx
  bts $31, %ebx
  mov %ebx, %cr0
  smsw %dx
  mov %cr0, %esi
  hlt
]], { org = 0x1000 })
for _, fl in ipairs { "svm", "vt" } do
  local e = vlab.equivalence { isa = "x86:i386", technique = "hw-assist", flavour = fl, code = PAGING, org = 0x1000,
                               ram = 0x20000, sp = 0x8000 }
  t.eq(e.equal, true, "equivalence, flavour " .. fl)
  t.eq(e.instructions, 4107, "equivalence, flavour " .. fl .. ": the whole run")
  t.eq(e.vm_stop, "halt", "equivalence, flavour " .. fl .. ": the monitored side halts")
end
t.fails("vlab.equivalence: flavour: for technique hw-assist only", vlab.equivalence,
        { isa = "x86:i386", flavour = "vt", code = PAGING })
t.fails("vlab.equivalence: unknown flavour 'vmx'", vlab.equivalence,
        { isa = "x86:i386", technique = "hw-assist", flavour = "vmx", code = PAGING })

-- the sweep with a wrong exit set
local s = vlab.sweep { isa = "m68k", model = "68000", technique = "hw-assist", states = 4, filter = "move from sr" }
t.eq(s.summary.leaks, 0, "hw-assist sweep: no leak with the default exit set")
s = vlab.sweep { isa = "m68k", model = "68000", technique = "hw-assist", states = 4, filter = "move from sr",
                 exit_remove = { "move from sr" } }
t.eq(s.summary.leaks > 0, true, "hw-assist sweep: MOVE from SR leaks when it does not exit")
for _, row in ipairs(s.rows) do t.eq(row.outcome, "leaks", "row " .. row.form .. " leaks") end

-- errors
t.fails("for technique hw-assist only", vlab.vmm, { isa = "m68k", flavour = "vt" })
t.fails("unknown flavour 'vmx'", vlab.vmm, { isa = "m68k", technique = "hw-assist", flavour = "vmx" })
t.fails("no instruction 'nope'", vlab.vmm, { isa = "m68k", technique = "hw-assist", exit_remove = { "nope" } })
t.fails("unknown flavour", vlab.vmm, { isa = "x86", technique = "hw-assist", flavour = "VT" })
local plain = vlab.vmm { isa = "m68k" }
t.fails("not a hw-assist VM", plain.exit_set, plain)
t.fails("hw-assist only", vlab.sweep, { isa = "ppc", technique = "hybrid", exit_remove = { "mfmsr" } })
t.fails("must be a mnemonic", vm.exit_set, vm, { add = { 3 } })

-- the lab: scenarios/hw-assist-boot.lua
local lab = dofile("scenarios/hw-assist-boot.lua")
local nat, svm, vt = lab.boot[1], lab.boot[2], lab.boot[3]
t.eq(nat.says, "RPG", "the boot prints R, P, G natively")
for _, r in ipairs { svm, vt } do
  t.eq(r.says, "RPG", r.run .. " prints the same")
  t.eq(r.diff, "none", r.run .. " ends in the native state")
  t.eq(r.instructions, nat.instructions, r.run .. " retires the same instructions")
  t.eq(r.check, true, r.run .. " passes vm:check")
  t.eq(r.cr0, nat.cr0, r.run .. ": SMSW reads the guest's CR0 through the read shadow")
end
t.eq(svm.interpreted, 0, "svm interprets nothing")
t.eq(svm.mode, 0, "svm: no mode exit")
t.eq(vt.mode, 1, "vt: one mode exit, the monitor takes the guest over until paging is on")
t.eq(vt.interpreted > 4000, true, "vt interprets the real-mode start and the page-table loop")
t.eq(svm.io > vt.io, true, "svm: the OUTs before paging exit through the I/O bitmap; vt interpreted them")
t.eq(svm.cr, 1, "svm: the CR3 load exits")
t.eq(vt.cost > svm.cost, true, "interpreting costs vt more")
local w = lab.what_if
t.eq(w[1].says, "supervisor", "the 68000 kernel natively")
t.eq(w[2].says, "user", "trap-and-emulate: MOVE from SR leaks S = 0")
t.eq(w[3].says, "supervisor", "hw-assist: MOVE from SR exits")
t.eq(w[3].sr, w[1].sr, "hw-assist: the kernel reads its own SR")
t.eq(w[3].diff, "none", "hw-assist: no difference")
t.eq(w[4].sr, (w[1].sr & ~0x0700) | 0x0700, "without the exit: the host's mask")
t.eq(lab.sweep_leaks[1], 0, "the 68000 sweep under hw-assist: no leak")
t.eq(lab.sweep_leaks[2] > 0, true, "the 68000 sweep without MOVE from SR in the exit set: leaks")
print("hw_assist: ok")
