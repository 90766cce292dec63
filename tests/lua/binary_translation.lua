-- binary_translation.lua - the techniques binary-translation and
-- scan-and-patch from Lua: MOVE from SR on the 68000 no longer leaks, the
-- translate event, the stats, and what the guest sees of its own code.
package.path = arg[0]:match("^(.-)[^/]*$") .. "?.lua;" .. package.path
local testlib = require "testlib"
local eq, fails = testlib.eq, testlib.fails

local src = [[
    moveq   #0,d3
    move.w  #20,d4
loop:
    move.w  sr,d0
    add.w   d0,d3
    subq.w  #1,d4
    bne     loop
    move.w  loop,d2
    stop    #$2700
]]
local code = vlab.asm("m68k:68000", src, { org = 0x1000 })

local function run(technique)
    local vm = vlab.vmm { isa = "m68k", model = "68000", ram = 1 << 20, technique = technique }
    local g = vm.guest
    g:write(0x1000, code)
    g.regs.a7 = 0x10000
    g.pc = 0x1000
    local blocks = {}
    if technique ~= "trap-and-emulate" then
        vm:on("translate", function(ev) blocks[#blocks + 1] = ev end)
    end
    local s = vm:run { max = 10000 }
    eq(s.reason, "halt", technique .. ": stop reason")
    return vm, g, blocks
end

local vm, g, blocks = run("binary-translation")
eq(vm.technique, "binary-translation", "technique")
eq(g.regs.d3 & 0xFFFF, (20 * 0x2700) & 0xFFFF, "binary-translation: MOVE from SR reads the virtual SR")
eq(g.regs.d2, 0x40C0, "binary-translation: the guest reads its own code")
local st = vm:stats()
eq(st.callouts, 21, "one callout per MOVE from SR, one for the STOP")
eq(st.traps, 0, "no traps")
eq(st.blocks, #blocks, "one translate event per block")
eq(blocks[1].addr, 0x1000, "first block at the entry")
assert(blocks[1].insns >= 2 and blocks[1].len >= 4, "first block's size")
assert(st.translated >= st.blocks and st.cache_bytes > 0, "translated instructions in the cache")
assert(st.lookups < 10, "the loop is chained: " .. st.lookups .. " lookups")

local _, gt = run("trap-and-emulate")
assert(gt.regs.d3 ~= g.regs.d3, "trap-and-emulate: MOVE from SR leaks on the 68000")

local vs, gs, pblocks = run("scan-and-patch")
eq(gs.regs.d3, g.regs.d3, "scan-and-patch: the patched MOVE from SR emulated")
eq(gs.regs.d2, 0x4AFC, "scan-and-patch: the guest sees ILLEGAL where its MOVE from SR was")
local ss = vs:stats()
eq(ss.patched, 2, "MOVE from SR and STOP patched")
eq(ss.traps, 21, "each patched instruction traps, each time")
eq(ss.translated, 0, "nothing translated")
assert(#pblocks >= 1 and pblocks[1].callouts == 1, "the scanned block reports its patch")

-- the event needs a technique that translates
local te = vlab.vmm { isa = "m68k", model = "68000" }
fails("on: technique trap-and-emulate translates nothing", te.on, te, "translate", function() end)

-- the lab: binary translation invisible, scan-and-patch seen, trap-and-emulate caught
local lab = dofile("scenarios/binary-translation.lua")
local by = {}
for _, r in ipairs(lab.rows) do by[r.run] = r end
eq(by.native.says, "supervisor ab code intact", "lab: native")
eq(by["trap-and-emulate"].says:sub(1, 5), "user ", "lab: trap-and-emulate caught by MOVE from SR")
eq(by["binary-translation"].says, by.native.says, "lab: binary-translation prints what the bare machine prints")
eq(by["binary-translation"].diff, "none", "lab: binary-translation no difference")
assert(by["binary-translation"].flushes >= 1, "lab: the rewritten routine's stale block dropped")
eq(by["scan-and-patch"].says, "supervisor ab code patched", "lab: scan-and-patch seen by the kernel")
assert(by["scan-and-patch"].patched >= 1, "lab: scan-and-patch patched")
eq(lab.equivalence["binary-translation"].equal, true, "lab: binary-translation equivalent")
eq(lab.equivalence["scan-and-patch"].equal, false, "lab: scan-and-patch not equivalent")
print("binary_translation: ok")
