-- popek-goldberg-table.lua - build the trap-vs-leak table from measurements.
--
-- For every model vlab knows, the sweep runs every instruction form from
-- several random states three ways: natively in supervisor mode, natively in
-- user mode, and as a guest of the trap-and-emulate monitor in (virtual)
-- supervisor mode. From what it measures it decides, form by form:
--   privileged  - traps in user mode and not in supervisor mode;
--   sensitive   - control (changes privileged state), mode (the result
--                 depends on the mode) or location (on where the guest sits
--                 in real memory);
--   outcome     - under the monitor: traps, leaks (the guest sees something
--                 the bare machine would not show it), runs directly.
-- and the Popek-Goldberg verdicts: Theorem 1 (sensitive subset of
-- privileged: a monitor can be built) and Theorem 3 (user-sensitive subset
-- of privileged: a hybrid monitor can be built). docs/popek-goldberg.md is
-- the handout that explains the columns.
--
-- What to observe:
--   * 68000: the MOVE from SR forms are sensitive (mode) but not privileged:
--     they leak (the guest kernel reads S = 0), Theorem 1 fails; Theorem 3
--     holds (in virtual user mode MOVE from SR reads what it would natively);
--   * 68010: MOVE from SR is privileged, MOVE from CCR is the innocuous
--     replacement; nothing leaks, Theorem 1 holds;
--   * 750: mfmsr, mtmsr, rfi, the segment-register and TLB instructions and
--     every supervisor SPR trap; the user SPRs (xer, lr, ctr, time base...)
--     run directly; nothing leaks;
--   * x86 (i386, pentium), under the same monitor by ring compression (the
--     guest kernel at real CPL 1): SGDT, SIDT, SLDT, STR, SMSW, PUSHF,
--     POPF, LAR, LSL, VERR, VERW, PUSH/MOV from CS and SS, the segment loads
--     and the far transfers are sensitive and do not trap: Theorem 1 fails.
--     Some of them run directly with the native result all the same (SLDT
--     and STR: the real LDTR and TR hold the guest's selectors); the others
--     leak, each with the first difference the sweep saw. CLI, STI, IN and
--     OUT are not privileged but trap under the monitor (IOPL 0);
--   * the outcome at the end of each instruction line is what the monitored
--     run measured (traps, leaks, runs directly: no trap and the native
--     result), never the declared class.
--
-- Run: vlab run scenarios/popek-goldberg-table.lua [FORMAT [FILE]] [--states N]
--      FORMAT is md, csv, json, tex or html: the whole table is written to
--      FILE (or printed) as `vlab table --format FORMAT` does.
package.path = (debug.getinfo(1, "S").source:match("^@(.-)[^/]*$") or "./") .. "../scripts/?.lua;" .. package.path
local lab = require "labkit"
local states, format, file = 8, nil, nil
local args = arg or {}
local i = 1
while i <= #args do
  local a = args[i]
  if a == "--states" then
    states = tonumber(args[i + 1]) or error("--states needs a number")
    i = i + 1
  elseif not format then
    format = a
  else
    file = a
  end
  i = i + 1
end

local results = {}
for _, isa in ipairs(vlab.isas()) do
  for _, model in ipairs(vlab.models(isa)) do
    local ok, r = pcall(vlab.sweep, { isa = isa, model = model, states = states, seed = 1 })
    if ok then
      results[#results + 1] = r
    else
      print(string.format("(%s:%s not swept: %s)", isa, model, r))
    end
  end
end

if format then
  local text = vlab.table(results, format)
  if file then
    local f = assert(io.open(file, "w"))
    f:write(text)
    f:close()
    print("wrote " .. file)
  else
    io.write(text)
  end
  return results
end

print(string.format("Popek-Goldberg, measured (%d states per form, seed 1)", states))
print()
-- leaks is nil where the monitor cannot run an ISA (technique "native")
lab.print_table({ { "ISA", "%-4s", "isa" }, { "model", "%-7s", "model" }, { "monitored by", "%-16s", "technique" },
                  { "forms", "%5d", function(r) return r.summary.forms end },
                  { "privileged", "%10d", function(r) return r.summary.privileged end },
                  { "sensitive", "%9d", function(r) return r.summary.sensitive end },
                  { "sensitive, unprivileged", "%23d", function(r) return r.summary.sensitive_unprivileged end },
                  { "leaks", "%5s", function(r) return r.summary.leaks or "n/a" end },
                  { "Theorem 1", "%-9s", function(r) return r.summary.theorem1 and "holds" or "fails" end },
                  { "Theorem 3", "%-9s", function(r) return r.summary.theorem3 and "holds" or "fails" end } }, results)

-- the rows a class talks about: everything sensitive or privileged, grouped by mnemonic
for _, r in ipairs(results) do
  print()
  print(string.format("%s %s: sensitive or privileged instructions", r.isa, r.model))
  local seen, order = {}, {}
  for _, row in ipairs(r.rows) do
    if row.privileged or #row.sensitive > 0 or row.outcome == "leaks" then
      local g = seen[row.mnemonic]
      if not g then
        g = { forms = 0, priv = 0, leaks = 0, out = {}, sens = {}, reason = nil }
        seen[row.mnemonic] = g
        order[#order + 1] = row.mnemonic
      end
      g.forms = g.forms + 1
      if row.privileged then g.priv = g.priv + 1 end
      g.out[row.outcome] = (g.out[row.outcome] or 0) + 1
      if row.outcome == "leaks" then
        g.leaks = g.leaks + 1
        g.reason = g.reason or row.reason
      end
      for _, k in ipairs(row.sensitive) do g.sens[k] = true end
    end
  end
  -- what the monitored run measured for the mnemonic's forms: the sweep's
  -- outcomes, "3 traps, 1 runs directly" where its forms differ
  local function outcome(g)
    if r.technique == "native" then return "" end
    if g.leaks > 0 then
      return (g.leaks < g.forms and string.format("%d of %d forms ", g.leaks, g.forms) or "") .. "LEAKS: " .. g.reason
    end
    local names = {}
    for k in pairs(g.out) do names[#names + 1] = k end
    table.sort(names)
    if #names == 1 then return names[1] end
    for i, k in ipairs(names) do names[i] = g.out[k] .. " " .. k end
    return table.concat(names, ", ")
  end
  for _, m in ipairs(order) do
    local g = seen[m]
    local sens = {}
    for _, k in ipairs { "control", "mode", "location" } do if g.sens[k] then sens[#sens + 1] = k end end
    print(string.format("  %-14s %4d forms  privileged: %-4s  sensitive: %-16s %s", m, g.forms,
      g.priv == g.forms and "yes" or g.priv == 0 and "no" or "some", table.concat(sens, ","), outcome(g)))
  end
end
print()
print("Regenerate the whole table: vlab table -o table.html")
return results
