-- labkit.lua - the harness the labs in scenarios/ share: boot an image the
-- way a loader would, run it natively and under a monitor side by side, log
-- the monitor's traps, and print the labs' tables. docs/labkit.md says how
-- to use it in a lab of your own.
--
--   package.path = (debug.getinfo(1, "S").source:match("^@(.-)[^/]*$") or "./")
--                  .. "../scripts/?.lua;" .. package.path
--   local lab = require "labkit"
--
-- (the line finds scripts/ next to the scenario's own folder, in the source
-- tree and in an installed tree alike, however the lab is run).
local M = {}

-- The bytes of src assembled for isa:model at org.
function M.image(isa, model, src, org)
  return vlab.asm(isa .. ":" .. model, src, { org = org or 0 })
end

-- What a boot loader does before a guest kernel runs: the image at o.org,
-- supervisor mode, the stack pointer at o.sp, the PC at o.entry (default:
-- o.org). g is a machine or a VM's guest. o.real_mode (x86): the state after
-- reset instead, real mode with CS = 0, as a BIOS hands a boot sector over
-- (the same for a machine and a guest, whatever each starts in).
-- (the options are checked as the module checks its own: a typo is an error)
local boot_options = { "org:integer", "entry:integer", "sp:integer", "real_mode:boolean" }
local function boot(g, code, o)
  g:write(o.org or 0, code)
  if o.real_mode then
    g:reset()
    g.regs.cs = 0
  else
    g:set_supervisor(true)
    g.regs.sp = o.sp
  end
  g.pc = o.entry or o.org or 0
  return g
end
function M.boot(g, code, o)
  return boot(g, code, vlab.check_options("lab.boot", o, boot_options))
end

-- Record every trap of vm: a list that fills as the VM runs, one entry per
-- trap, what keep(ev) returns (default "kind insn"; nil entries are skipped).
function M.trap_log(vm, keep)
  local log = {}
  keep = keep or function(ev) return ev.kind .. " " .. ev.insn end
  vm:on("trap", function(ev)
    local v = keep(ev)
    if v ~= nil then log[#log + 1] = v end
  end)
  return log
end

-- The same image natively and under a monitor. o: isa, model, ram, code,
-- org, entry, sp, max (default 10000), technique (default
-- "trap-and-emulate"), flavour and exit_remove (hw-assist: vlab.vmm's),
-- deprivilege (vlab.vmm's: x86, the real CPL of the guest's kernel, 1 or 3), keep
-- (a trap_log filter; default: every trap; false: no log, and no callback
-- slowing the monitor down).
-- Returns { m, native (its stop), vm, monitored (its stop), stats (the VM's),
-- log (the traps), diffs (vlab.compare of the bare machine and the guest) }.
local pair_options = { "isa:string", "model:string", "ram:integer", "code:string", "org:integer", "entry:integer",
                       "sp:integer", "max:integer", "technique:string", "keep:function|boolean",
                       "real_mode:boolean", "flavour:string", "exit_remove:table", "deprivilege:integer" }
function M.pair(o)
  o = vlab.check_options("lab.pair", o, pair_options)
  local r = {}
  r.m = boot(vlab.machine { isa = o.isa, model = o.model, ram = o.ram }, o.code, o)
  r.native = r.m:run { max = o.max or 10000 }
  r.vm = vlab.vmm { isa = o.isa, model = o.model, technique = o.technique or "trap-and-emulate", ram = o.ram,
                   flavour = o.flavour, exit_remove = o.exit_remove, deprivilege = o.deprivilege }
  if o.keep ~= false then r.log = M.trap_log(r.vm, o.keep) end
  boot(r.vm.guest, o.code, o)
  r.monitored = r.vm:run { max = o.max or 10000 }
  r.stats = r.vm:stats()
  r.diffs = vlab.compare(r.m, r.vm.guest)
  return r
end

-- The differences vlab.compare found, as a table cell: "none", or their
-- names joined by sep (default ", ").
function M.diff_text(diffs, sep)
  if #diffs == 0 then return "none" end
  local t = {}
  for _, d in ipairs(diffs) do t[#t + 1] = d.what end
  return table.concat(t, sep or ", ")
end

-- The width of a fixed-width string.format directive ("%-6s", "%5d",
-- "0x%04x", "%16.2f"), and whether its cells are right-aligned.
local function width(fmt)
  local pre, flags, w = fmt:match("^(.-)%%([-0]*)(%d+)")
  assert(w, "labkit.print_table: no width in '" .. fmt .. "'")
  return #pre + tonumber(w), not flags:find("-") and pre == ""
end

-- A markdown table with fixed-width columns: columns = { { title, fmt,
-- value }, ... } where value is a row's field name or a function of the row;
-- a title is aligned as its column's cells.
function M.print_table(columns, rows)
  local head, rule, cell = {}, {}, {}
  for i, c in ipairs(columns) do
    local w, right = width(c[2])
    head[i] = string.format("%" .. (right and "" or "-") .. w .. "s", c[1])
    rule[i] = string.rep("-", w + 2)
    cell[i] = c[2]
  end
  print("| " .. table.concat(head, " | ") .. " |")
  print("|" .. table.concat(rule, "|") .. "|")
  for _, r in ipairs(rows) do
    local t = {}
    for i, c in ipairs(columns) do
      local v = c[3]
      if type(v) == "function" then v = v(r) else v = r[v] end
      t[i] = string.format(cell[i], v)
    end
    print("| " .. table.concat(t, " | ") .. " |")
  end
end

-- Run g (a machine or a VM's guest) one instruction at a time, at most n
-- (default 100), writing one line each with out (default print) as `vlab
-- exec --trace` does: address, bytes, disassembly, the registers it changed
-- (sorted by name). Returns the last stop.
function M.trace(g, n, out)
  out = out or print
  local target = g.isa .. ":" .. g.model
  local before = g:regs()
  local s
  for _ = 1, n or 100 do
    local pc = g.pc
    -- the bytes as the CPU fetches them (x86: at CS:pc, through the MMU)
    local okr, bytes = pcall(g.fetch, g, pc, 16)
    okr = okr and #bytes > 0
    local text, len = "(no memory at this address)", 0
    if okr then
      -- in the mode the CPU runs it in (x86: 16-bit code in real mode)
      local okd, t, l = pcall(vlab.disasm, target, bytes, pc, { bits = g:code_bits() })
      if okd then text, len = t, l else text = "(not an instruction)" end
    end
    local hex = okr and bytes:sub(1, len):gsub(".", function(c) return string.format("%02x", c:byte()) end) or ""
    s = g:step(1)
    local after, changed = g:regs(), {}
    for k, v in pairs(after) do
      if before[k] ~= v and k ~= "pc" then changed[#changed + 1] = string.format("%s=%08x", k, v) end
    end
    table.sort(changed)
    out((string.format("%08x  %-20s %-30s %s", pc, hex, text, table.concat(changed, " ")):gsub("%s+$", "")))
    before = after
    if s.reason ~= "budget" then break end
  end
  return s
end

-- Every combination of as x bs, in order: fn(a, b) returns a row (or nil).
function M.grid(as, bs, fn)
  local rows = {}
  for _, a in ipairs(as) do
    for _, b in ipairs(bs) do rows[#rows + 1] = fn(a, b) end
  end
  return rows
end

return M
