-- techniques_summary.lua - the README's table of the monitor's techniques,
-- computed, never typed in: one row per technique of the registry
-- (vlab.techniques(), in its order) with what it does (its registry
-- summary), the forms that leak under it on every model (the sweep:
-- vlab.sweep, as `vlab table --techniques all` runs it) and what it
-- typically costs (the simulated cost relative to native of every
-- micro-benchmark of `vlab bench-techniques` on every model: the median,
-- and the cheapest and the dearest). Deterministic: the sweep's default
-- seed and states, the cost table's simulated cycles (no host time).
-- Run: vlab run scripts/techniques_summary.lua [ITERATIONS]
-- (tests/readme.sh compares the README's block with what it prints.)
local bench = require "bench_techniques"

local iterations = tonumber(arg and arg[1] or "") or 1000

local models = {}
for _, isa in ipairs(vlab.isas()) do
  for _, m in ipairs(vlab.models(isa)) do models[#models + 1] = { isa = isa, model = m } end
end

-- leaks[technique][model]: a count, or nil where the sweep does not apply
local leaks, unswept = {}, {}
for _, t in ipairs(vlab.techniques()) do
  leaks[t.name] = {}
  for _, mm in ipairs(models) do
    local ok, r = pcall(vlab.sweep, { isa = mm.isa, model = mm.model, technique = t.name })
    if ok then
      leaks[t.name][mm.model] = r.summary.leaks
    else
      unswept[t.name] = true
    end
  end
end

-- cost/native of every benchmark run that completed, per technique
local rels = {}
for _, r in ipairs((bench.rows { models = models, benches = {}, iterations = iterations })) do
  if r.technique ~= "native" and r.status == "ok" and r.cost_rel then
    rels[r.technique] = rels[r.technique] or {}
    table.insert(rels[r.technique], r.cost_rel)
  end
end

local function ratio(x)
  return x < 10 and string.format("%.2f", x) or string.format("%.0f", x)
end

local head = { "technique", "what it does" }
for _, mm in ipairs(models) do head[#head + 1] = "leaks " .. mm.model end
head[#head + 1] = "cost/native: median (cheapest-dearest)"
print("| " .. table.concat(head, " | ") .. " |")
local rule = {}
for i = 1, #head do rule[i] = (i > 2) and "---:" or "---" end
print("|" .. table.concat(rule, "|") .. "|")
for _, t in ipairs(vlab.techniques()) do
  local row = { t.name, t.summary }
  for _, mm in ipairs(models) do
    local n = leaks[t.name][mm.model]
    row[#row + 1] = n and tostring(n) or "not swept"
  end
  local v = rels[t.name]
  if v and #v > 0 then
    table.sort(v)
    local med = #v % 2 == 1 and v[(#v + 1) // 2] or (v[#v // 2] + v[#v // 2 + 1]) / 2
    row[#row + 1] = string.format("%s (%s-%s) over %d runs", ratio(med), ratio(v[1]), ratio(v[#v]), #v)
  else
    row[#row + 1] = "no run"
  end
  print("| " .. table.concat(row, " | ") .. " |")
end
