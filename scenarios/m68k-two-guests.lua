-- m68k-two-guests.lua - one monitor, three guests at once.
--
-- Two copies of the tiny guest OS of m68k-guest-os.lua (one on a 68010, one
-- on a 68000, with their own messages) and a hostile guest share one
-- trap-and-emulate monitor, time-sliced. The hostile guest tries every
-- privileged instruction, in its virtual supervisor mode and in user mode,
-- then writes 0xFF over all of its memory but its code (vector table
-- included) and halts.
--
-- What to observe:
--   * the output of the two guest OSes interleaves (slices of SLICE guest
--     instructions each), and each guest's console, registers and memory end
--     exactly as when it runs alone: vlab.compare finds no difference;
--   * the hostile guest wrote its whole memory and nothing else: each guest
--     has its own guest-physical memory from the monitor's allocator, and
--     its privileged instructions only ever touched its own virtual state;
--     the real CPU stayed deprivileged (vm:check()).
--
-- Run: vlab run scenarios/m68k-two-guests.lua
package.path = (debug.getinfo(1, "S").source:match("^@(.-)[^/]*$") or "./") .. "../scripts/?.lua;" .. package.path
local lab = require "labkit"
local RAM = 1 << 18
local ORG = 0x1000
local SLICE = 700

local here = (debug.getinfo(1, "S").source:match("^@(.*[/\\])") or "")
local f = assert(io.open(here .. "m68k-guest-os.lua"), "m68k-guest-os.lua not found next to this script")
local KERNEL = f:read("a"):match("local KERNEL = %[==%[\n(.-)%]==%]")
f:close()

local function guest_os(model, m0, m1, period)
  local src = string.format(KERNEL, period, model == "68010" and "    move.w  #$0064,-(a0)" or "")
  src = src:gsub('"ping "', '"' .. m0 .. '"'):gsub('"pong "', '"' .. m1 .. '"')
  return vlab.asm("m68k:" .. model, src, { org = ORG })
end

local HOSTILE = [[
start:
    reset
    move.w  #$2671,sr        ; immediates are NOP words: a trap skips one word
    ori.w   #$4e71,sr
    andi.w  #$4e71,sr
    eori.w  #$4e71,sr
    move.l  a0,usp
    move.l  usp,a0
    stop    #$4e71
    move.w  d1,sr
    move.w  sr,d1
    move.w  #$0700,sr        ; to user mode, and all of it again
    reset
    move.w  #$2671,sr
    ori.w   #$4e71,sr
    andi.w  #$4e71,sr
    eori.w  #$4e71,sr
    move.l  a0,usp
    move.l  usp,a0
    stop    #$4e71
    move.w  d1,sr
    move.w  sr,d1
    rte
    move.l  #$40000,a0       ; then all of its memory but its code, top down
    move.l  #15871,d0        ; ($40000 - $2000) / 16 - 1
fill:
    move.l  #-1,-(a0)
    move.l  #-1,-(a0)
    move.l  #-1,-(a0)
    move.l  #-1,-(a0)
    dbf     d0,fill
    move.l  #$400,a0         ; and its vector table
    move.w  #$ff,d0
vt:
    move.l  #-1,-(a0)
    dbf     d0,vt
done:
    bra.s   done             ; a branch to itself: halt
skip:
    addq.l  #1,d6
    addq.l  #2,2(a7)
    rte
]]

local function boot(g, code, skip_vectors)
  lab.boot(g, code, { org = ORG, sp = RAM })
  if skip_vectors then
    for v = 2, 63 do g:write_u32(v * 4, skip_vectors) end
  end
end

local a = vlab.vmm { isa = "m68k", model = "68010", ram = RAM }
local b = vlab.vmm { isa = "m68k", model = "68000", ram = RAM, monitor = a }
local h = vlab.vmm { isa = "m68k", model = "68010", ram = RAM, monitor = a }
local code_a, code_b = guest_os("68010", "ping ", "pong ", 400), guest_os("68000", "tick ", "tock ", 300)
local code_h = vlab.asm("m68k:68010", HOSTILE, { org = ORG })
boot(a.guest, code_a)
boot(b.guest, code_b)
boot(h.guest, code_h, ORG + #code_h - 8) -- the handler "skip" is the last 8 bytes

local names = { [a] = "A", [b] = "B", [h] = "hostile" }
local seen = { [a] = 0, [b] = 0, [h] = 0 }
local live = { a, b, h }
local stops = {}
local line = {}
while #live > 0 do
  local next_live = {}
  for _, vm in ipairs(live) do
    local s = vm:run { max = SLICE }
    local con = vm.guest:console()
    if #con > seen[vm] then
      line[#line + 1] = names[vm] .. ":" .. con:sub(seen[vm] + 1)
      seen[vm] = #con
    end
    if s.reason == "budget" then next_live[#next_live + 1] = vm else stops[vm] = s end
  end
  live = next_live
end
print("interleaved output, slice by slice:")
print("  " .. table.concat(line, " | "))
print()

-- the same guest OSes alone, for reference
local function alone(model, code)
  local vm = vlab.vmm { isa = "m68k", model = model, ram = RAM }
  boot(vm.guest, code)
  vm:run { max = 1000000 }
  return vm
end
local ra, rb = alone("68010", code_a), alone("68000", code_b)
local da, db = vlab.compare(ra, a), vlab.compare(rb, b)

-- every byte of its memory but its code was overwritten
local filled = h.guest:read(0x2000, RAM - 0x2000) == string.rep("\255", RAM - 0x2000) and
               h.guest:read(0, 0x400) == string.rep("\255", 0x400)
local result = {
  a = a.guest:console(), b = b.guest:console(), a_alone = ra.guest:console(), b_alone = rb.guest:console(),
  diffs_a = #da, diffs_b = #db, hostile_filled = filled, hostile_stop = stops[h] and stops[h].reason,
  hostile_faults = h.guest.regs.d6, checks = {},
}
for _, vm in ipairs { a, b, h } do result.checks[names[vm]] = vm:check() end

lab.print_table({ { "guest", "%-8s", function(vm) return names[vm] end }, { "model", "%-7s", "model" },
                  { "stop", "%-9s", function(vm) return stops[vm] and stops[vm].reason or "-" end },
                  { "traps", "%6d", function(vm) return vm:stats().traps end },
                  { "console", "%-44s", function(vm) return vm.guest:console() end } }, { a, b, h })
print()
print(string.format("guest A alone vs beside the others: %d differences", #da))
print(string.format("guest B alone vs beside the others: %d differences", #db))
print(string.format("hostile guest: %d faults into its own handler, its memory %s, stopped with %s",
  result.hostile_faults, filled and "all 0xFF" or "NOT all written", result.hostile_stop))
print(string.format("real CPU deprivileged and monitor intact after all: %s",
  tostring(result.checks.A and result.checks.B and result.checks.hostile)))
return result
