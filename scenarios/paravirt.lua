-- paravirt.lua - paravirtualization: the three guest-OS labs' kernels
-- rewritten to call the monitor, under the paravirt technique.
--
-- Each kernel (scenarios/m68k-guest-os.lua on the 68010,
-- scenarios/ppc-guest-os.lua on the 750, scenarios/x86-guest-os.lua on the
-- i386) is patched the way a paravirtualizing port of an OS is: some of its
-- sensitive instructions become hypercalls (docs/vmm.md "Paravirtualization"):
--   68010: MOVE USP (to and from)        -> get_stack / set_stack (line A)
--   750:   mfsprg / mtsprg, mtdec         -> get_stack / set_stack / ack_timer (opcode 1)
--   i386:  OUT to the console, the timer's acknowledging OUT
--                                         -> console_out / ack_timer (UD2 'v')
-- Every other privileged instruction is left as it is and traps as under
-- trap-and-emulate (paravirt falls back to it). Each hypercall is one
-- instruction where there was one, so the guest's timer ticks after the
-- same instructions and the tasks interleave exactly as before.
--
-- What to observe:
--   * the console output is the original kernel's, natively and under
--     trap-and-emulate (on the i386 the patched kernel is longer, its GDT
--     lies elsewhere, and the task prints that address: it is compared
--     masked, and checked against the patched image's own GDT);
--   * fewer traps: the patched instructions no longer trap into emulation,
--     they are hypercalls (`stats().hypercalls`), each cheaper than an
--     emulated instruction (trap + 2 world switches + hypercall = 451 cycles
--     against 551: no decoding, no execution on the virtual context).
--
-- Run: vlab run scenarios/paravirt.lua
local here = debug.getinfo(1, "S").source:match("^@(.-)[^/]*$") or "./"
package.path = here .. "../scripts/?.lua;" .. package.path
local lab = require "labkit"

-- The text of a lab's kernel: its KERNEL string, as the lab file has it.
local function kernel_text(file)
  local f = assert(io.open(here .. file, "r"))
  local s = f:read("a")
  f:close()
  return assert(s:match("local KERNEL = %[==%[\n(.-)%]==%]"), file .. ": no KERNEL text"), s
end

-- Replace every plain occurrence of each patch's text; how many were made.
local function patch(text, patches)
  local n = 0
  for _, p in ipairs(patches) do
    local from, to, k = p[1], p[2], 0
    local out, i = {}, 1
    while true do
      local a, b = text:find(from, i, true)
      if not a then break end
      out[#out + 1] = text:sub(i, a - 1) .. to
      i, k = b + 1, k + 1
    end
    out[#out + 1] = text:sub(i)
    assert(k > 0, "patch not applied: " .. from)
    text, n = table.concat(out), n + k
  end
  return text, n
end

-- The hypercall encodings (docs/vmm.md), by call number.
local HC = { get_status = 0, set_mask = 1, get_mask = 2, set_vector_base = 3, set_page_table = 4, ack_timer = 5,
             console_out = 6, idle = 7, flush_tlb = 8, get_stack = 9, set_stack = 10 }
local function m68k_hc(call, reg) return string.format("dc.w    $%04x", 0xA000 | HC[call] << 4 | reg) end
local function ppc_hc(call, reg, sprg) return 0x04000000 | reg << 21 | (sprg or 0) << 16 | HC[call] end
local function x86_hc(call, reg) return string.format(".byte 0x0f, 0x0b, 0x76, %d, %d", HC[call], reg) end

-- One run of an image on a fresh VM: console, stop, stats, the trap kinds.
local function run_vm(isa, model, technique, ram, code, boot, max)
  local vm = vlab.vmm { isa = isa, model = model, technique = technique, ram = ram }
  local calls = {}
  vm:on("trap", function(ev) if ev.kind == "hypercall" then calls[ev.insn] = (calls[ev.insn] or 0) + 1 end end)
  lab.boot(vm.guest, code, boot)
  local s = vm:run { max = max }
  local ok, why = vm:check()
  return { console = vm.guest:console(), stop = s.reason, stats = vm:stats(), calls = calls, check = ok, why = why }
end

local labs = {}

-- 68010 -------------------------------------------------------------------
do
  local text = kernel_text("m68k-guest-os.lua")
  local frame = "    move.w  #$0064,-(a0)    ; 68010: format 0, vector offset"
  local pv, n = patch(text, { { "move.l  usp,a0", m68k_hc("get_stack", 8) },  -- a0: register 8
                              { "move.l  a0,usp", m68k_hc("set_stack", 8) } })
  labs[#labs + 1] = { name = "68010", isa = "m68k", model = "68010", ram = 1 << 20, max = 10000000, patched = n,
                      original = lab.image("m68k", "68010", string.format(text, 400, frame), 0x1000),
                      paravirt = lab.image("m68k", "68010", string.format(pv, 400, frame), 0x1000),
                      boot = { org = 0x1000, sp = 1 << 20 } }
end

-- i386 --------------------------------------------------------------------
do
  local text, file = kernel_text("x86-guest-os.lua")
  local ask = assert(file:match('local ASK = "(.-)"\n'), "x86-guest-os.lua: no ASK line")
  local org = 0x7c00
  local pv, n = patch(text, { { "outb %%al, $0xe9", x86_hc("console_out", 0) },                     -- al: EAX
                              { "# acknowledge\n  outl %%eax, (%%dx)", "# acknowledge\n  " .. x86_hc("ack_timer", 0) } })
  local function img(t) return vlab.asm("x86:i386", string.format(t, org + 0x40, 300, ask), { org = org }) end
  labs[#labs + 1] = { name = "i386", isa = "x86", model = "i386", ram = 1 << 20, max = 2000000, patched = n,
                      original = img(text), paravirt = img(pv), boot = { org = org, real_mode = true },
                      -- the task prints where the GDT is: the patched image's own
                      mask = function(c) return (c:gsub("gdt at %x+", "gdt at ?")) end,
                      gdt_at = function(c) return tonumber(c:match("gdt at (%x+)"), 16) end }
end

-- 750 -----------------------------------------------------------------------
do
  -- the lab builds its image from a kernel and two tasks: it gives the whole
  -- memory image; the kernel is patched in it, word by word (a hypercall is
  -- one word as each instruction it replaces)
  local print0, arg0 = print, arg
  print, arg = function() end, nil
  local r = dofile(here .. "ppc-guest-os.lua")
  print, arg = print0, arg0
  local image = r.image(1500)
  local words = {}
  for _, p in ipairs { { "mfsprg 3, 0", ppc_hc("get_stack", 3, 0) }, { "mfsprg 3, 1", ppc_hc("get_stack", 3, 1) },
                       { "mfsprg 4, 1", ppc_hc("get_stack", 4, 1) }, { "mfsprg 5, 1", ppc_hc("get_stack", 5, 1) },
                       { "mtsprg 0, 3", ppc_hc("set_stack", 3, 0) }, { "mtsprg 1, 3", ppc_hc("set_stack", 3, 1) },
                       { "mtsprg 1, 5", ppc_hc("set_stack", 5, 1) }, { "mtdec 3", ppc_hc("ack_timer", 3) },
                       { "mtdec 4", ppc_hc("ack_timer", 4) } } do
    words[vlab.asm("ppc:750", p[1])] = string.pack(">I4", p[2])
  end
  local kernel_end = 0x20000 -- the tasks' physical pages follow (the lab's TASK_PA)
  local out, n = {}, 0
  for a = 1, #image, 4 do
    local w = image:sub(a, a + 3)
    if a <= kernel_end and words[w] then
      w, n = words[w], n + 1
    end
    out[#out + 1] = w
  end
  labs[#labs + 1] = { name = "750", isa = "ppc", model = "750", ram = 1 << 20, max = 5000000, patched = n,
                      original = image, paravirt = table.concat(out), boot = { org = 0, entry = 0x1000, sp = 1 << 20 } }
end

-- the runs ------------------------------------------------------------------------
local rows = {}
for _, l in ipairs(labs) do
  local m = vlab.machine { isa = l.isa, model = l.model, ram = l.ram }
  lab.boot(m, l.original, l.boot)
  local ns = m:run { max = l.max }
  local te = run_vm(l.isa, l.model, "trap-and-emulate", l.ram, l.original, l.boot, l.max)
  local pv = run_vm(l.isa, l.model, "paravirt", l.ram, l.paravirt, l.boot, l.max)
  local mask = l.mask or function(c) return c end
  local row = { model = l.name, patched = l.patched, native = m:console(), native_stop = ns.reason, te = te, pv = pv,
                same_console = mask(pv.console) == mask(m:console()) and te.console == m:console(),
                te_traps = te.stats.traps, pv_traps = pv.stats.traps, hypercalls = pv.stats.hypercalls,
                te_cost = te.stats.cost, pv_cost = pv.stats.cost }
  if l.gdt_at then
    -- the address the paravirtualized task printed is its kernel's GDT (the
    -- descriptor 0x08 of the image, found by its bytes)
    local at = l.gdt_at(pv.console)
    local off = l.paravirt:find(string.pack("<I4I4", 0x0000ffff, 0x00cf9b00), 1, true)
    row.gdt_ok = at ~= nil and off ~= nil and at == l.boot.org + off - 1 - 8
  end
  rows[#rows + 1] = row
end

for _, r in ipairs(rows) do
  print(string.format("%s native:   %s", r.model, (r.native:gsub("\n", " "))))
  print(string.format("%s paravirt: %s", r.model, (r.pv.console:gsub("\n", " "))))
end
print()
lab.print_table({ { "model", "%-6s", "model" }, { "patched", "%7d", "patched" },
                  { "traps (t&e)", "%11d", "te_traps" }, { "traps (pv)", "%10d", "pv_traps" },
                  { "hypercalls", "%10d", "hypercalls" },
                  { "cost (t&e)", "%10d", "te_cost" }, { "cost (pv)", "%10d", "pv_cost" },
                  { "console", "%-9s", function(r) return r.same_console and "identical" or "DIFFERS" end },
                  { "check", "%-6s", function(r) return r.pv.check and "intact" or "BROKEN" end } }, rows)
print()
for _, r in ipairs(rows) do
  local names = {}
  for k in pairs(r.pv.calls) do names[#names + 1] = k end
  table.sort(names)
  local parts = {}
  for _, k in ipairs(names) do parts[#parts + 1] = string.format("%d %s", r.pv.calls[k], k:gsub("^hypercall ", "")) end
  print(string.format("%s hypercalls: %s", r.model, table.concat(parts, ", ")))
end
return rows
