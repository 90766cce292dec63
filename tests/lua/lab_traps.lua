-- lab_traps.lua - every lab in scenarios/ runs, and every trap event of
-- every VM it makes names a real instruction (or, between instructions, the
-- interrupt): the monitor reads the trapping instruction through the guest's
-- own address translation, so user tasks at virtual addresses are shown as
-- well as kernel code at physical ones.
package.path = arg[0]:match("^(.-)[^/]*$") .. "?.lua;" .. package.path
local testlib = require "testlib"

local dir = arg[0]:match("^(.-)tests/lua/[^/]*$") or "./"
local labs = {}
local p = io.popen('ls "' .. dir .. 'scenarios"/*.lua')
for f in p:lines() do labs[#labs + 1] = f end
p:close()
testlib.eq(#labs >= 8, true, "labs found in scenarios/")

-- every VM the labs make gets one more trap callback, which only looks
local events, bad = 0, {}
local vmm = vlab.vmm
vlab.vmm = function(opts)
  local vm = vmm(opts)
  vm:on("trap", function(ev)
    events = events + 1
    if type(ev.insn) ~= "string" or ev.insn == "" or ev.insn == "?" or ev.insn:find("no instruction", 1, true) then
      bad[#bad + 1] = string.format("%s: %s trap at 0x%08x: %q", opts.isa or opts.model or "?", ev.kind, ev.pc,
        tostring(ev.insn))
    end
  end)
  return vm
end
local print0 = print
for _, f in ipairs(labs) do
  print = function() end
  local ok, e = pcall(dofile, f)
  print = print0
  if not ok then error(f .. ": " .. tostring(e)) end
end
vlab.vmm = vmm
testlib.eq(events > 1000, true, "trap events seen across the labs (" .. events .. ")")
if #bad > 0 then error(#bad .. " trap events without an instruction, e.g. " .. bad[1]) end
print(string.format("%d labs, %d trap events, each with its instruction", #labs, events))
