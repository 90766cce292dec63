-- trap_kinds.lua - what a trap event says it was: a system call the guest
-- has no handler for is "unhandled" (the VM stops as a bare machine does,
-- nothing was emulated), one it has a handler for is "reflected", and a
-- privileged instruction in virtual supervisor mode is "emulated".
package.path = arg[0]:match("^(.-)[^/]*$") .. "?.lua;" .. package.path
local t = require "testlib"

local function run(isa, src, setup)
  local vm = vlab.vmm { isa = isa, ram = 65536 }
  vm.guest:write(0x1000, vlab.asm(isa, src, { org = 0x1000 }))
  vm.guest.pc = 0x1000
  if setup then setup(vm) end
  local kinds = {}
  vm:on("trap", function(ev) kinds[#kinds + 1] = ev.kind .. " " .. ev.vector end)
  local r = vm:run { max = 20 }
  return r, table.concat(kinds, ","), vm:stats()
end

-- no handler: unhandled, not emulated; the stop is the bare machine's
local r, k, st = run("ppc", "sc\n")
t.eq(k, "unhandled 3072", "ppc sc without a handler")
t.eq(r.reason, "exception", "ppc sc without a handler stops")
t.eq(st.emulated, 0, "ppc sc without a handler is not emulated")
r, k, st = run("m68k:68010", "trap #0\n")
t.eq(k, "unhandled 32", "68010 trap #0 without a handler")
t.eq(st.emulated, 0, "68010 trap #0 without a handler is not emulated")

-- a handler: reflected into the guest (68010: vector 32 at VBR + 0x80)
r, k, st = run("m68k:68010", "trap #0\nstop #0x2700\n", function(vm)
  vm.guest:write(0x2000, vlab.asm("m68k:68010", "rte\n", { org = 0x2000 }))
  vm.guest:write(0x80, "\0\0\32\0")
end)
t.eq(k:match("^[^,]*"), "reflected 32", "68010 trap #0 with a handler")
t.eq(st.reflected >= 1, true, "68010 trap #0 with a handler counts as reflected")

-- a privileged instruction in virtual supervisor mode: emulated
r, k, st = run("ppc", "mfmsr 3\n")
t.eq(k:match("^[^,]*"), "emulated 1792", "ppc mfmsr (it came as a program exception, 0x700)")
t.eq(st.emulated, 1, "ppc mfmsr is emulated")
print("trap_kinds: ok")
