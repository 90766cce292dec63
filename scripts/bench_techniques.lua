-- bench_techniques.lua - `vlab bench-techniques`: every micro-benchmark of
-- microbench.lua natively and under every technique the monitor registers
-- (vlab.techniques(): a technique that lands appears here with no change),
-- on every model; one row per benchmark x model x technique with the
-- guest's instructions, the monitor's counts, the simulated cost (the cost
-- table of vmm/vmm.h) and the measured host time, each relative to native.
-- Formats: md, csv, json, html (an SVG bar chart per benchmark).
local mb = require "microbench"
local M = {}

local FORMATS = { md = true, csv = true, json = true, html = true }
local DEFAULT_ITERATIONS = 10000
local MAX_ITERATIONS = 1000000
local RAM = 1 << 20
-- set-up code runs at most this many instructions before the loop (x86
-- under a monitor interprets its real-mode start)
local SETUP_MAX = 1000000

local function usage(msg)
  io.stderr:write("vlab bench-techniques: " .. msg .. "\n(see 'vlab --help')\n")
  return 2
end

-- "m68k:68010", "68010" or "m68k" (an ISA alone: its first model, as
-- everywhere in vlab) -> { isa, model }, or nil and a message
local function resolve(spec)
  local known = {}
  local isa, model = spec:match("^([^:]+):(.+)$")
  for _, i in ipairs(vlab.isas()) do
    local ms = vlab.models(i)
    known[#known + 1] = i .. " (" .. table.concat(ms, ", ") .. ")"
    for k, m in ipairs(ms) do
      if (isa and i == isa and m == model) or (not isa and (m == spec or (i == spec and k == 1))) then
        return { isa = i, model = m }
      end
    end
  end
  return nil, "--isa: unknown ISA or model '" .. spec .. "' (known: " .. table.concat(known, ", ") .. ")"
end

local function parse(args)
  local o = { models = {}, benches = {}, iterations = DEFAULT_ITERATIONS, host = true }
  local i = 1
  local function value(name)
    local a = args[i]
    local eq = a:find("=", 1, true)
    if eq then return a:sub(eq + 1) end
    i = i + 1
    if args[i] == nil then return nil, "option '" .. name .. "' needs a value" end
    return args[i]
  end
  while i <= #args do
    local a = args[i]
    local name = a:match("^(%-%-?[^=]+)") or a
    if name == "--isa" or name == "--bench" or name == "--format" or name == "-o" or name == "--output" or
       name == "--iterations" then
      local v, err = value(name)
      if not v then return nil, err end
      if name == "--isa" then
        local m, e = resolve(v)
        if not m then return nil, e end
        o.models[#o.models + 1] = m
      elseif name == "--bench" then
        local found = false
        for _, b in ipairs(mb.benchmarks) do if b.name == v then found = true end end
        if not found then
          local names = {}
          for _, b in ipairs(mb.benchmarks) do names[#names + 1] = b.name end
          return nil, "--bench: unknown benchmark '" .. v .. "' (known: " .. table.concat(names, ", ") .. ")"
        end
        o.benches[v] = true
      elseif name == "--format" then
        if not FORMATS[v] then return nil, "--format: unknown format '" .. v .. "' (known: md, csv, json, html)" end
        o.format = v
      elseif name == "--iterations" then
        local n = v:match("^%d+$") and tonumber(v)
        if not n or n < 1 or n > MAX_ITERATIONS then
          return nil, "--iterations: '" .. v .. "' is not a number from 1 to " .. MAX_ITERATIONS
        end
        o.iterations = n
      else
        o.out = v
      end
    elseif a == "--no-host-time" then
      o.host = false
    elseif a == "--help" or a == "-h" then
      o.help = true
    else
      return nil, (a:sub(1, 1) == "-" and "unknown option '" or "unexpected argument '") .. a .. "'"
    end
    i = i + 1
  end
  if not o.format then
    local ext = o.out and o.out:match("%.(%w+)$")
    o.format = ext and FORMATS[ext] and ext or "md"
  end
  if #o.models == 0 then
    for _, isa in ipairs(vlab.isas()) do
      for _, m in ipairs(vlab.models(isa)) do o.models[#o.models + 1] = { isa = isa, model = m } end
    end
  end
  return o
end

-- ---- measuring ----------------------------------------------------------------

local COUNTS = { "traps", "exits", "callouts", "hypercalls", "interpreted" }

-- Run g (a machine or a guest) through the set-up to the loop, then the
-- loop to its halt; run(o) is g's (or its VM's) run. Returns the stop, the
-- counts before and after (counts() of the caller) and the host seconds of
-- the loop; or nil and what went wrong.
local function measure(g, run, counts, guest, n)
  g:write(guest.load, guest.code)
  guest.start(g)
  local s = run { until_pc = guest.bench, max = SETUP_MAX }
  if s.reason ~= "breakpoint" then
    return nil, string.format("set-up stopped with %s at 0x%x", s.reason, s.pc or 0)
  end
  local before = counts()
  local t0 = os.clock()
  s = run { max = 100 * n + 1000 } -- no loop runs 100 instructions an iteration
  local secs = os.clock() - t0
  if s.reason ~= "halt" then
    return nil, string.format("loop stopped with %s at 0x%x", s.reason, s.pc or 0)
  end
  return before, counts(), secs
end

local function native_row(r, guest)
  local m = vlab.machine { isa = r.isa, model = r.model, ram = RAM }
  local before, after, secs = measure(m, function(o) return m:run(o) end,
    function() return { instructions = m:stats().instructions } end, guest, r.iterations)
  if not before then
    r.status, r.reason = "failed", after
    return r, nil
  end
  r.status = "ok"
  r.instructions = after.instructions - before.instructions
  for _, k in ipairs(COUNTS) do r[k] = 0 end
  r.cost = r.instructions -- one cycle per instruction: the cost table's unit
  r.host = secs
  return r, m
end

local function vm_row(r, guest, native_m)
  local ok, vm = pcall(vlab.vmm, { isa = r.isa, model = r.model, technique = r.technique, ram = RAM })
  if not ok then
    r.status, r.reason = "n/a", (tostring(vm):gsub("^.-vlab%.vmm: ", ""))
    return r
  end
  local function counts()
    local st = vm:stats()
    return st
  end
  local before, after, secs = measure(vm.guest, function(o) return vm:run(o) end, counts, guest, r.iterations)
  if not before then
    r.status, r.reason = "failed", after
    return r
  end
  r.status = "ok"
  r.instructions = after.guest_instructions - before.guest_instructions
  for _, k in ipairs(COUNTS) do r[k] = after[k] - before[k] end
  r.cost = after.cost - before.cost
  r.host = secs
  local diffs = native_m and vlab.compare(native_m, vm.guest) or {}
  r.equivalent = #diffs == 0
  if #diffs > 0 then
    local w = {}
    for k = 1, math.min(#diffs, 3) do w[k] = diffs[k].what end
    r.reason = "differs from native: " .. table.concat(w, ", ") .. (#diffs > 3 and ", ..." or "")
  end
  return r
end

-- Every row, in the order benchmark, model, technique (native first).
function M.rows(o)
  local techs = { "native" }
  for _, t in ipairs(vlab.techniques()) do techs[#techs + 1] = t.name end
  local rows = {}
  for _, b in ipairs(mb.benchmarks) do
    if next(o.benches) == nil or o.benches[b.name] then
      for _, mm in ipairs(o.models) do
        local guest, why = mb.guest(mm.isa, mm.model, b.name, o.iterations)
        local pv_guest = guest and mb.guest(mm.isa, mm.model, b.name, o.iterations, true)
        local native, native_m
        for _, t in ipairs(techs) do
          local r = { bench = b.name, isa = mm.isa, model = mm.model, technique = t,
                      loop = mb.describe(b, mm.isa), iterations = o.iterations }
          if not guest then
            r.status, r.reason = "n/a", why
          elseif t == "native" then
            r, native_m = native_row(r, guest)
            native = r.status == "ok" and r or nil
          elseif t == "paravirt" and pv_guest then
            -- another guest than native's (its code holds hypercalls): not compared
            vm_row(r, pv_guest, nil)
            if r.status == "ok" then
              r.equivalent = nil
              r.reason = "paravirtualized loop: hypercall " .. pv_guest.hypercall
            end
          else
            vm_row(r, guest, native_m)
          end
          if r.status == "ok" and native then
            r.cost_rel = r.cost / native.cost
            r.host_rel = native.host > 0 and r.host / native.host or nil
          end
          rows[#rows + 1] = r
        end
      end
    end
  end
  return rows, techs
end

-- ---- rendering ------------------------------------------------------------------

local function num(v, fmt)
  if v == nil then return "" end
  return string.format(fmt or "%d", v)
end

-- the columns: title, field, cell text
local function columns(o)
  local c = {
    { "benchmark", "bench" }, { "isa", "isa" }, { "model", "model" }, { "technique", "technique" },
    { "status", "status" }, { "instructions", "instructions", function(r) return num(r.instructions) end },
    { "traps", "traps", function(r) return num(r.traps) end },
    { "exits", "exits", function(r) return num(r.exits) end },
    { "callouts", "callouts", function(r) return num(r.callouts) end },
    { "hypercalls", "hypercalls", function(r) return num(r.hypercalls) end },
    { "interpreted", "interpreted", function(r) return num(r.interpreted) end },
    { "cost", "cost", function(r) return num(r.cost) end },
    { "cost/native", "cost_rel", function(r) return num(r.cost_rel, "%.2f") end },
  }
  if o.host then
    c[#c + 1] = { "host ms", "host", function(r) return num(r.host and r.host * 1000, "%.3f") end }
    c[#c + 1] = { "host/native", "host_rel", function(r) return num(r.host_rel, "%.2f") end }
  end
  c[#c + 1] = { "note", "reason", function(r) return r.reason or "" end }
  return c
end

local function cell(c, r)
  if c[3] then return c[3](r) end
  return tostring(r[c[2]] or "")
end

local function header(o)
  local c = vlab.vmm { isa = "m68k" }:cost()
  local parts = {}
  for _, k in ipairs { "instruction", "trap", "world_switch", "emulate", "reflect", "interpret", "exit", "scan",
                       "patch", "translate", "callout", "lookup", "hypercall", "watch" } do
    parts[#parts + 1] = k .. "=" .. c[k]
  end
  return c, string.format("%d iterations per loop; simulated cost in cycles of the default cost table (%s); " ..
    "native costs one cycle per instruction.%s", o.iterations, table.concat(parts, " "),
    o.host and " Host time is measured (os.clock), not simulated, and varies from run to run." or "")
end

local function md(o, rows)
  local cols = columns(o)
  local _, head = header(o)
  local out = { "# vlab bench-techniques", "", head, "" }
  local t, rule = {}, {}
  for i, c in ipairs(cols) do t[i], rule[i] = c[1], "---" end
  out[#out + 1] = "| " .. table.concat(t, " | ") .. " |"
  out[#out + 1] = "|" .. table.concat(rule, "|") .. "|"
  for _, r in ipairs(rows) do
    for i, c in ipairs(cols) do t[i] = (cell(c, r):gsub("|", "\\|")) end
    out[#out + 1] = "| " .. table.concat(t, " | ") .. " |"
  end
  return table.concat(out, "\n") .. "\n"
end

local function csv(o, rows)
  local cols = columns(o)
  local function q(s)
    if s:find('[,"\n]') then return '"' .. s:gsub('"', '""') .. '"' end
    return s
  end
  local t = {}
  for i, c in ipairs(cols) do t[i] = c[2] end
  local out = { table.concat(t, ",") }
  for _, r in ipairs(rows) do
    for i, c in ipairs(cols) do t[i] = q(cell(c, r)) end
    out[#out + 1] = table.concat(t, ",")
  end
  return table.concat(out, "\n") .. "\n"
end

local function jstr(s)
  return '"' .. tostring(s):gsub('[%c"\\]', function(ch)
    local map = { ['"'] = '\\"', ["\\"] = "\\\\", ["\n"] = "\\n", ["\t"] = "\\t" }
    return map[ch] or string.format("\\u%04x", ch:byte())
  end) .. '"'
end
local function jval(v)
  if type(v) == "number" then
    if math.type(v) == "integer" then return tostring(v) end
    return string.format("%.6g", v)
  elseif type(v) == "boolean" then return tostring(v)
  elseif v == nil then return "null" end
  return jstr(v)
end

local JSON_FIELDS = { "bench", "isa", "model", "technique", "loop", "status", "reason", "instructions", "traps",
                      "exits", "callouts", "hypercalls", "interpreted", "cost", "cost_rel", "equivalent" }
local function json(o, rows, techs)
  local c = header(o)
  local out = { "{", '  "iterations": ' .. o.iterations .. ",", '  "host_time": ' .. tostring(o.host) .. "," }
  local ct = {}
  for _, k in ipairs { "instruction", "trap", "world_switch", "emulate", "reflect", "interpret", "exit", "scan",
                       "patch", "translate", "callout", "lookup", "hypercall", "watch" } do
    ct[#ct + 1] = jstr(k) .. ": " .. c[k]
  end
  out[#out + 1] = '  "cost_table": { ' .. table.concat(ct, ", ") .. " },"
  local tj = {}
  for i, t in ipairs(techs) do tj[i] = jstr(t) end
  out[#out + 1] = '  "techniques": [' .. table.concat(tj, ", ") .. "],"
  out[#out + 1] = '  "rows": ['
  for n, r in ipairs(rows) do
    local f = {}
    for _, k in ipairs(JSON_FIELDS) do
      if r[k] ~= nil then f[#f + 1] = jstr(k) .. ": " .. jval(r[k]) end
    end
    if o.host and r.host then
      f[#f + 1] = '"host_seconds": ' .. jval(r.host * 1.0)
      if r.host_rel then f[#f + 1] = '"host_rel": ' .. jval(r.host_rel * 1.0) end
    end
    out[#out + 1] = "    { " .. table.concat(f, ", ") .. " }" .. (n < #rows and "," or "")
  end
  out[#out + 1] = "  ]"
  out[#out + 1] = "}"
  return table.concat(out, "\n") .. "\n"
end

-- ---- html: a section per benchmark, an SVG bar chart of the simulated cost
-- relative to native (log scale) and the rows as a table; nothing loaded
-- from outside, no script

local function h(s)
  return (tostring(s):gsub("[&<>\"]", { ["&"] = "&amp;", ["<"] = "&lt;", [">"] = "&gt;", ['"'] = "&quot;" }))
end

local BAR_H, LABEL_W, SCALE = 18, 230, 150 -- px per decade of cost/native

local function chart(b, rows)
  -- n/a rows: once per model when the event does not exist there (native
  -- n/a), else per technique that refused the model
  local ok, na, native_na = {}, {}, {}
  for _, r in ipairs(rows) do
    local key = r.isa .. ":" .. r.model
    if r.status == "ok" then ok[#ok + 1] = r
    elseif r.technique == "native" then native_na[key] = true; na[#na + 1] = r
    elseif not native_na[key] then na[#na + 1] = r end
  end
  if #ok == 0 then return "" end
  local top = 1
  for _, r in ipairs(ok) do top = math.max(top, r.cost_rel) end
  local width = LABEL_W + 40 + math.ceil(math.log(top, 10) * SCALE) + 90
  local height = #ok * (BAR_H + 4) + 24
  local out = { string.format('<figure class="chart"><svg id="chart-%s" xmlns="http://www.w3.org/2000/svg" ' ..
    'width="%d" height="%d" role="img" aria-label="simulated cost of %s relative to native">', h(b.name), width,
    height, h(b.name)) }
  for i, r in ipairs(ok) do
    local y = (i - 1) * (BAR_H + 4) + 4
    local w = 2 + math.floor(math.log(r.cost_rel, 10) * SCALE + 0.5)
    out[#out + 1] = string.format('<text x="%d" y="%d" text-anchor="end">%s %s</text>', LABEL_W - 6, y + 13,
      h(r.isa .. ":" .. r.model), h(r.technique))
    out[#out + 1] = string.format('<rect class="t-%s" x="%d" y="%d" width="%d" height="%d"/>',
      h(r.technique), LABEL_W, y, w, BAR_H)
    out[#out + 1] = string.format('<text x="%d" y="%d">%.2fx</text>', LABEL_W + w + 4, y + 13, r.cost_rel)
  end
  local axis_y = #ok * (BAR_H + 4) + 18
  for d = 0, math.floor(math.log(top, 10)) do
    out[#out + 1] = string.format('<text class="axis" x="%d" y="%d">%dx</text>', LABEL_W + d * SCALE, axis_y,
      10 ^ d // 1)
  end
  out[#out + 1] = "</svg>"
  -- the caption, computed: the dearest and the cheapest monitored run
  local hi, lo
  for _, r in ipairs(ok) do
    if r.technique ~= "native" then
      if not hi or r.cost_rel > hi.cost_rel then hi = r end
      if not lo or r.cost_rel < lo.cost_rel then lo = r end
    end
  end
  local cap = {}
  if hi then
    cap[#cap + 1] = string.format("Simulated cost relative to native, log scale. Dearest: %s on %s:%s (%.2fx, " ..
      "%d traps, %d exits); cheapest monitored: %s on %s:%s (%.2fx).", hi.technique, hi.isa, hi.model, hi.cost_rel,
      hi.traps, hi.exits, lo.technique, lo.isa, lo.model, lo.cost_rel)
  end
  for _, r in ipairs(na) do
    cap[#cap + 1] = string.format("%s%s:%s: %s (%s).", r.technique == "native" and "" or r.technique .. " on ",
      r.isa, r.model, r.status, r.reason or "")
  end
  out[#out + 1] = "<figcaption>" .. h(table.concat(cap, " ")) .. "</figcaption></figure>"
  return table.concat(out, "\n")
end

local function html(o, rows)
  local cols = columns(o)
  local _, head = header(o)
  local out = { "<!DOCTYPE html>", '<html lang="en"><head><meta charset="utf-8">',
    "<title>vlab bench-techniques</title>", "<style>",
    "body{font-family:sans-serif;margin:2em;max-width:80em}",
    "table{border-collapse:collapse;font-size:90%}td,th{border:1px solid #ccc;padding:2px 6px;white-space:nowrap}",
    "td.n{text-align:right}svg text{font-size:12px}svg text.axis{fill:#666}",
    "rect{fill:#4a7ab0}rect.t-native{fill:#999}rect.t-trap-and-emulate{fill:#c0504d}rect.t-hybrid{fill:#9bbb59}",
    "figure.chart{margin:1em 0}figcaption{font-size:90%;color:#333;max-width:60em}",
    "</style></head><body>", "<h1>vlab bench-techniques</h1>", "<p>" .. h(head) .. "</p>" }
  for _, b in ipairs(mb.benchmarks) do
    local mine = {}
    for _, r in ipairs(rows) do if r.bench == b.name then mine[#mine + 1] = r end end
    if #mine > 0 then
      out[#out + 1] = string.format('<section id="bench-%s"><h2>%s: %s</h2>', h(b.name), h(b.name), h(b.what))
      out[#out + 1] = chart(b, mine)
      local t = { "<table><tr>" }
      for _, c in ipairs(cols) do t[#t + 1] = "<th>" .. h(c[1]) .. "</th>" end
      t[#t + 1] = "</tr>"
      for _, r in ipairs(mine) do
        t[#t + 1] = "<tr>"
        for _, c in ipairs(cols) do
          local v = cell(c, r)
          t[#t + 1] = (v:match("^[%d.]+$") and '<td class="n">' or "<td>") .. h(v) .. "</td>"
        end
        t[#t + 1] = "</tr>"
      end
      t[#t + 1] = "</table></section>"
      out[#out + 1] = table.concat(t)
    end
  end
  out[#out + 1] = "</body></html>"
  return table.concat(out, "\n") .. "\n"
end

M.render = { md = md, csv = csv, json = json, html = html }

function M.main(args)
  local o, err = parse(args or {})
  if not o then return usage(err) end
  if o.help then
    io.write("vlab bench-techniques [--isa ISA[:MODEL]]... [--bench NAME]... [--iterations N]\n" ..
      "                      [--no-host-time] [--format md|csv|json|html] [-o FILE]\n" ..
      "(see 'vlab --help')\n")
    return 0
  end
  local render = M.render[o.format]
  local rows, techs = M.rows(o)
  local text = render(o, rows, techs)
  if o.out and o.out ~= "-" then
    local f, e = io.open(o.out, "w")
    if not f then
      io.stderr:write("vlab bench-techniques: " .. e .. "\n")
      return 1
    end
    f:write(text)
    f:close()
  else
    io.write(text)
  end
  for _, r in ipairs(rows) do
    if r.status == "failed" then
      io.stderr:write(string.format("vlab bench-techniques: %s on %s:%s under %s: %s\n", r.bench, r.isa, r.model,
        r.technique, r.reason))
      return 1
    end
  end
  return 0
end

return M
