-- sweep.lua - vlab.sweep and vlab.table (DESIGN §4.2, §4.3) and the check of
-- scenarios/popek-goldberg-table.lua: results come out of measurement.
assert(type(vlab.sweep) == "function", "vlab.sweep missing (lvlab.c must call vl_lua_open_sweep, lua/lsweep.c)")
assert(type(vlab.table) == "function", "vlab.table missing (lua/lsweep.c)")
package.path = arg[0]:match("^(.-)[^/]*$") .. "?.lua;" .. package.path
local testlib = require "testlib"
local eq, fails = testlib.eq, testlib.fails

fails("vlab.sweep: field 'isa' is required", vlab.sweep, {})
fails("vlab.sweep: unknown model '68020' for isa m68k (known: 68000, 68010)", vlab.sweep, { isa = "m68k", model = "68020" })
fails("vlab.sweep: states must be 1..1024 (got 0)", vlab.sweep, { isa = "m68k", states = 0 })
fails("vlab.sweep: unknown technique 'magic' (known: trap-and-emulate, hybrid)", vlab.sweep, { isa = "m68k", technique = "magic" })

-- 68000: the MOVE from SR forms leak, with a reason from the measured values
local r = vlab.sweep { isa = "m68k", model = "68000", states = 2, seed = 7, filter = "move from" }
eq(r.isa, "m68k", "isa")
eq(r.model, "68000", "model")
eq(r.technique, "trap-and-emulate", "technique")
eq(#r.rows, 8, "rows")
for _, row in ipairs(r.rows) do
  eq(row.mnemonic, "move from sr", "mnemonic")
  eq(row.outcome, "leaks", "outcome of " .. row.form)
  eq(row.privileged, false, "privileged")
  eq(row.sensitive[1], "mode", "sensitive")
  assert(row.reason:find("reads S=0 from SR", 1, true), row.reason)
  assert(#row.encodings >= 1 and row.encodings[1]:match("^0x40"), "encodings")
end
eq(r.summary.theorem1, false, "theorem1")
eq(r.summary.theorem3, true, "theorem3")
-- the result is also the list of its rows
eq(#r, #r.rows, "#r")
local n = 0
for _, row in ipairs(r) do
  n = n + 1
  eq(row.isa, "m68k", "row.isa")
  eq(row.model, "68000", "row.model")
end
eq(n, 8, "ipairs(r)")

-- 68010 by model name alone
local r2 = vlab.sweep { isa = "68010", states = 2, seed = 7, filter = "move from" }
eq(r2.model, "68010", "model")
for _, row in ipairs(r2.rows) do
  if row.mnemonic == "move from sr" then
    eq(row.outcome, "traps", row.form)
    eq(row.privileged, true, row.form)
  else
    eq(row.mnemonic, "move from ccr", "mnemonic")
    eq(row.outcome, "runs directly", row.form)
    eq(#row.sensitive, 0, row.form)
  end
end
eq(r2.summary.leaks, 0, "leaks")

-- rendering, deterministic
for _, f in ipairs { "md", "csv", "json", "tex", "html" } do
  local a = vlab.table({ r, r2 }, f)
  local b = vlab.table({ r, vlab.sweep { isa = "68010", states = 2, seed = 7, filter = "move from" } }, f)
  eq(a, b, "deterministic " .. f)
  assert(#a > 100, f)
end
assert(vlab.table(r, "md"):find("| move from sr | 8 | mode-sensitive | no | mode | leaks |", 1, true))
assert(vlab.table(r, "md", false):find("move.w sr,d16(an)", 1, true))
assert(vlab.table(r, "json", false):find('"outcome": "leaks"', 1, true))
assert(vlab.table({ r, r2 }, "html"):find("<!DOCTYPE html>", 1, true))
fails("vlab.table: unknown format 'pdf' (known: md, csv, json, tex, html)", vlab.table, r, "pdf")
-- a plain list of rows renders too (summaries recomputed from the rows)
local list = {}
for _, row in ipairs(r) do list[#list + 1] = row end
for _, row in ipairs(r2) do list[#list + 1] = row end
local md = vlab.table(list, "md")
assert(md:find("| m68k | 68000 | trap-and-emulate | 8 | 0 | 8 | 8 | 0 | 8 | fails | holds |", 1, true), md)
assert(md:find("| m68k | 68010 | trap-and-emulate | 16 | 8 | 0 | 0 | 0 | 0 | holds | holds |", 1, true), md)
eq(vlab.table({ r, r2 }, "csv"), (vlab.table(list, "csv"):gsub("0 executions from 0 states, seed 0", "52 executions from 2 states, seed 7", 1):gsub("0 executions from 0 states, seed 0", "104 executions from 2 states, seed 7", 1)), "rows list csv")

-- the scenario: the verdicts of all models
arg = { "--states", "2" }
local results = dofile("scenarios/popek-goldberg-table.lua")
local by = {}
for _, x in ipairs(results) do by[x.model] = x end
assert(by["68000"] and by["68010"], "m68k models swept")
eq(by["68000"].summary.theorem1, false, "68000 theorem 1")
eq(by["68000"].summary.leaks, 8, "68000 leaks")
eq(by["68010"].summary.theorem1, true, "68010 theorem 1")
eq(by["68010"].summary.leaks, 0, "68010 leaks")
if by["750"] then
  eq(by["750"].summary.theorem1, true, "750 theorem 1")
  eq(by["750"].summary.leaks, 0, "750 leaks")
end
for _, x in ipairs(results) do eq(x.summary.mismatches, 0, x.model .. " declared vs measured") end
print("sweep: ok")
