-- options.lua - strict options (issue 13.1): every options table of the
-- module refuses a key it does not read, naming the known ones, and a value
-- of the wrong type, so that a typo never silently changes an experiment.
package.path = arg[0]:match("^(.-)[^/]*$") .. "?.lua;" .. package.path
local testlib = require "testlib"
local fails, eq = testlib.fails, testlib.eq

-- the issue's typos, to the letter
fails("vlab.machine: unknown option 'modle' (known: isa, model, ram)", vlab.machine, { isa = "m68k", modle = "68010" })
fails("vlab.vmm: unknown option 'techinque' (known: isa, model, technique, ram, monitor, deprivilege, flavour, exit_remove)", vlab.vmm,
  { isa = "m68k", techinque = "trap-and-emulate" })
fails("vlab.vmm: unknown option 'rma'", vlab.vmm, { isa = "m68k", rma = 5 })
fails("vlab.sweep: unknown option 'modl' (known: isa, model, technique, seed, states, filter, flavour, exit_remove)", vlab.sweep,
  { isa = "m68k", modl = "68010" })
fails("vlab.sweep: unknown option 'sed'", vlab.sweep, { isa = "m68k", sed = 3 })
fails("vlab.asm: unknown option 'orgg' (known: org)", vlab.asm, "68000", "nop", { orgg = 0x1000 })
fails("vlab.equivalence: unknown option 'mx' (known: isa, model, technique, code, org, entry, ram, sp, max, flavour)",
  vlab.equivalence, { isa = "m68k", code = "\0\0", mx = 5 })

-- run, on a machine, a VM and a guest; run_all
local m = vlab.machine { isa = "m68k", ram = 1 << 16 }
fails("run: unknown option 'maxx' (known: max, until_pc)", m.run, m, { maxx = 100 })
fails("run: unknown option 'until' (known: max, until_pc)", m.run, m, { ["until"] = 0x1000 })
local vm = vlab.vmm { isa = "m68k", model = "68010", ram = 1 << 16 }
fails("run: unknown option 'maxx' (known: max, until_pc)", vm.run, vm, { maxx = 100 })
fails("run: unknown option 'maxx' (known: max, until_pc)", vm.guest.run, vm.guest, { maxx = 100 })
fails("run_all: unknown option 'slise' (known: slice, max)", vm.run_all, vm, { slise = 5 })

-- a key that is not a name is not an option
fails("vlab.machine: unknown option [1] (options are named; known: isa, model, ram)", vlab.machine, { "m68k" })
fails("run: unknown option [true]", m.run, m, { [true] = 1 })

-- wrong types, for each kind an option may be
fails("vlab.machine: field 'ram' must be an integer (got string)", vlab.machine, { isa = "m68k", ram = "65536" })
fails("vlab.machine: field 'ram' must be an integer (got number)", vlab.machine, { isa = "m68k", ram = 1.5 })
fails("vlab.machine: field 'model' must be a string (got boolean)", vlab.machine, { isa = "m68k", model = true })
fails("vlab.vmm: field 'monitor' must be a vlab object (got table)", vlab.vmm, { isa = "m68k", monitor = {} })
fails("vlab.sweep: field 'seed' must be an integer (got table)", vlab.sweep, { isa = "m68k", seed = {} })
fails("vlab.sweep: field 'filter' must be a string (got number)", vlab.sweep, { isa = "m68k", filter = 5 })
fails("run: field 'max' must be an integer (got string)", m.run, m, { max = "100" })
fails("run_all: field 'slice' must be an integer (got function)", vm.run_all, vm, { slice = print })
fails("vlab.asm: field 'org' must be an integer (got string)", vlab.asm, "m68k", "nop", { org = "0x1000" })

-- what is right still works: an integral float is an integer
local m2 = vlab.machine { isa = "m68k", model = "68010", ram = 65536.0 }
eq(m2.model, "68010", "model honoured")
eq(m2.ram, 65536, "ram from an integral float")
m2:write(0x1000, vlab.asm("m68k", "nop\nnop\nbra.s .", { org = 0x1000 }))
m2.pc = 0x1000
eq(m2:run { max = 2 }.reason, "budget", "run{max}")
eq(m2.pc, 0x1004, "two instructions")
m2.pc = 0x1000
local s = m2:run { until_pc = 0x1002, max = 10 }
eq(m2.pc, 0x1002, "run{until_pc} stops there (" .. s.reason .. ")")
local r = vlab.sweep { isa = "m68k", model = "68010", seed = 3, states = 2, filter = "move from" }
eq(r.seed, 3, "seed honoured")
eq(r.model, "68010", "model honoured by the sweep")
local a = vlab.vmm { isa = "m68k:68010", ram = 1 << 16, technique = "trap-and-emulate" }
local b = vlab.vmm { isa = "m68k:68010", ram = 1 << 16, monitor = a }
eq(type(a:run_all { slice = 5, max = 10 }), "number", "run_all options")
print("options: ok")

-- vlab.options: the lists the functions check, from the same C tables
eq(table.concat(vlab.options["vlab.machine"], ","), "isa,model,ram", "vlab.options of vlab.machine")
eq(table.concat(vlab.options["run"], ","), "max,until_pc", "vlab.options of run")
eq(table.concat(vlab.options["run_all"], ","), "slice,max", "vlab.options of run_all")
for fn, list in pairs(vlab.options) do
  local e = fails("unknown option 'no_such_option' (known: " .. table.concat(list, ", ") .. ")", function()
    if fn == "run" then return m:run { no_such_option = 1 } end
    if fn == "run_all" then return vm:run_all { no_such_option = 1 } end
    if fn == "gdb" then return m:gdb { no_such_option = 1 } end
    if fn == "vlab.asm" then return vlab.asm("m68k", "nop", { no_such_option = 1 }) end
    if fn == "vlab.disasm" then return vlab.disasm("i386", "\x90", 0, { no_such_option = 1 }) end
    return vlab[fn:match("^vlab%.(.*)$")] { no_such_option = 1 }
  end)
  assert(e:find(fn .. ": unknown option", 1, true), e)
end
print("options: vlab.options ok")

-- vlab.check_options: the same check for a Lua library's own options
local spec = { "isa:string", "ram:integer", "keep:function|boolean" }
eq(next(vlab.check_options("lib.f", nil, spec)), nil, "nil gives an empty table")
local o = { isa = "m68k", ram = 4096, keep = false }
eq(vlab.check_options("lib.f", o, spec), o, "the options table itself")
fails("lib.f: unknown option 'rma' (known: isa, ram, keep)", vlab.check_options, "lib.f", { rma = 1 }, spec)
fails("lib.f: field 'keep' must be a boolean or a function (got number)", vlab.check_options, "lib.f", { keep = 1 }, spec)
fails("lib.f: field 'ram' must be an integer (got string)", vlab.check_options, "lib.f", { ram = "1" }, spec)
fails("vlab.check_options: unknown kind 'str'", vlab.check_options, "lib.f", {}, { "isa:str" })
fails("vlab.check_options: option 1 must be \"name:kind\"", vlab.check_options, "lib.f", {}, { "isa" })
-- and the lab library uses it: a typo in a lab is an error, not a 68000
package.path = arg[0]:match("^(.-)[^/]*$") .. "../../scripts/?.lua;" .. package.path
local lab = require "labkit"
local code = vlab.asm("m68k", "nop\nbra.s .", { org = 0x1000 })
fails("lab.pair: unknown option 'modle' (known: isa, model, ram, code, org, entry, sp, max, technique, keep, real_mode, flavour, exit_remove, deprivilege)",
  lab.pair, { isa = "m68k", modle = "68010", ram = 65536, code = code, org = 0x1000, sp = 0x8000 })
fails("lab.boot: unknown option 'entyr' (known: org, entry, sp, real_mode)", lab.boot, vlab.machine { isa = "m68k", ram = 65536 },
  code, { org = 0x1000, sp = 0x8000, entyr = 0x1000 })
local p = lab.pair { isa = "m68k", model = "68010", ram = 65536, code = code, org = 0x1000, sp = 0x8000, max = 10 }
eq(p.m.model, "68010", "lab.pair honours its options")
print("options: vlab.check_options and labkit ok")
