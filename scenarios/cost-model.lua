-- cost-model.lua - the cost model in one page: the default cost table of
-- the monitor (vm:cost(), docs/vmm.md says where each figure comes from) and
-- what one event costs under each technique, added up from it.
--
-- What to observe:
--   * a trap costs hundreds of cycles, a hardware-assist exit more than a
--     thousand, a call from translated code into the monitor tens: the
--     orders of magnitude Adams and Agesen (ASPLOS 2006) measured;
--   * so where the guest's kernel does something sensitive often (system
--     calls, control-register writes, page faults), translating it into
--     callouts is cheaper than trapping, and trapping with hardware assist
--     (an exit each) dearer than both - the paper's finding that the first
--     hardware assist lost to binary translation;
--   * the hybrid monitor pays its interpretation on every kernel instruction,
--     sensitive or not: cheap per instruction, dear for a kernel that runs
--     long stretches of ordinary code;
--   * a write to a page the monitor watches (its translations of the guest's
--     code, x86 descriptor tables it shadows) costs as much as a trap: the
--     page is write-protected, and the write faults into the monitor.
-- The sums assume one emulation per sensitive event; `vlab bench-techniques`
-- measures what each technique really charges on the micro-benchmarks.
--
-- Run: vlab run scenarios/cost-model.lua
package.path = (debug.getinfo(1, "S").source:match("^@(.-)[^/]*$") or "./") .. "../scripts/?.lua;" .. package.path
local lab = require "labkit"

local c = vlab.vmm { isa = "m68k" }:cost()
local names = { "instruction", "trap", "world_switch", "emulate", "reflect", "interpret", "exit", "scan", "patch",
                "translate", "callout", "lookup", "hypercall", "watch" }
local rows = {}
for _, k in ipairs(names) do rows[#rows + 1] = { name = k, cycles = c[k] } end
print("The cost table (cycles, vm:cost()):")
lab.print_table({ { "event", "%-12s", "name" }, { "cycles", "%6d", "cycles" } }, rows)
print()

local events = {
  { "trap-and-emulate: a privileged instruction trapped and emulated", "instruction + trap + 2 world_switch + emulate",
    c.instruction + c.trap + 2 * c.world_switch + c.emulate },
  { "trap-and-emulate: an exception reflected into the guest", "instruction + trap + 2 world_switch + reflect",
    c.instruction + c.trap + 2 * c.world_switch + c.reflect },
  { "hybrid: one kernel instruction interpreted", "instruction + interpret", c.instruction + c.interpret },
  { "binary translation: a sensitive instruction as a callout", "instruction + callout + emulate",
    c.instruction + c.callout + c.emulate },
  { "binary translation: translating one instruction, once", "scan + translate", c.scan + c.translate },
  { "paravirt: one hypercall", "instruction + trap + 2 world_switch + hypercall",
    c.instruction + c.trap + 2 * c.world_switch + c.hypercall },
  { "hardware assist: an exit handled", "instruction + exit + emulate", c.instruction + c.exit + c.emulate },
  { "binary translation: the guest writes to code it translated", "instruction + watch", c.instruction + c.watch },
}
rows = {}
for _, e in ipairs(events) do rows[#rows + 1] = { what = e[1], sum = e[2], cycles = e[3] } end
print("One sensitive event, by technique (cycles, from the table above):")
lab.print_table({ { "event", "%-64s", "what" }, { "sum", "%-48s", "sum" }, { "cycles", "%6d", "cycles" } }, rows)
return { cost = c, events = rows }
