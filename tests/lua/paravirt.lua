-- paravirt.lua - scenarios/paravirt.lua: the three guest-OS labs' kernels
-- patched with hypercalls run under paravirt with the original console
-- output (natively and under trap-and-emulate), fewer traps, every patched
-- instruction a hypercall instead of a trap, a lower simulated cost, and
-- resource control intact.
package.path = arg[0]:match("^(.-)[^/]*$") .. "?.lua;" .. package.path
local testlib = require "testlib"
local eq = testlib.eq

local print0 = print
print = function() end
local rows = dofile("scenarios/paravirt.lua")
print = print0

eq(#rows, 3, "three labs")
local seen = {}
for _, r in ipairs(rows) do
  seen[r.model] = true
  assert(r.patched > 0, r.model .. ": nothing patched")
  assert(#r.native > 20, r.model .. ": the original kernel printed too little: " .. r.native)
  eq(r.te.console, r.native, r.model .. ": trap-and-emulate console")
  assert(r.same_console, r.model .. ": paravirt console differs: " .. r.pv.console)
  eq(r.pv.stop, r.te.stop, r.model .. ": stop")
  assert(r.hypercalls > 0, r.model .. ": no hypercall")
  assert(r.pv_traps < r.te_traps, r.model .. ": traps not fewer")
  -- each patched instruction trapped once per execution; now it is a hypercall
  eq(r.pv_traps + r.hypercalls, r.te_traps, r.model .. ": traps + hypercalls")
  eq(r.pv.stats.world_switches, 2 * (r.pv_traps + r.hypercalls), r.model .. ": world switches")
  eq(r.te.stats.guest_instructions, r.pv.stats.guest_instructions, r.model .. ": guest instructions")
  assert(r.pv_cost < r.te_cost, r.model .. ": cost not lower")
  assert(r.pv.check, r.model .. ": " .. tostring(r.pv.why))
  eq(r.te.stats.hypercalls, 0, r.model .. ": no hypercall under trap-and-emulate")
  local n = 0
  for k, c in pairs(r.pv.calls) do
    assert(k:match("^hypercall %l[%l_]+$"), k)
    n = n + c
  end
  eq(n, r.hypercalls, r.model .. ": hypercall events")
end
assert(seen["68010"] and seen["750"] and seen["i386"], "the labs")
assert(rows[2].gdt_ok, "i386: the paravirtualized task printed its own GDT's address")
print("paravirt: ok")
