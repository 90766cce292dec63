-- machine.lua - vlab.machine: memory, registers, running, stop tables,
-- hooks, console, stats, reset, load (DESIGN §4.2).
package.path = arg[0]:match("^(.-)[^/]*$") .. "?.lua;" .. package.path
local testlib = require "testlib"
local eq, fails = testlib.eq, testlib.fails

local CON = 0x00DFF000
local m = vlab.machine { isa = "m68k", model = "68010", ram = 1 << 20 }
eq(m.isa, "m68k", "isa")
eq(m.model, "68010", "model")
eq(m.ram, 1 << 20, "ram")
eq(m.mmio_base, CON, "mmio base")
assert(tostring(m):find("m68k:68010"), "tostring")

-- memory, in the ISA's (big-endian) byte order
m:write(0x100, "\x11\x22\x33\x44")
eq(m:read(0x100, 4), "\x11\x22\x33\x44", "read back")
eq(m:read_u32(0x100), 0x11223344, "read_u32")
eq(m:read_u16(0x102), 0x3344, "read_u16")
eq(m:read_u8(0x101), 0x22, "read_u8")
m:write_u16(0x200, 0xBEEF)
eq(m:read(0x200, 2), "\xbe\xef", "write_u16 big-endian")
m:write_u32(0x204, 0xDEADBEEF)
eq(m:read_u32(0x204), 0xDEADBEEF, "write_u32")
m:write_u8(0x208, 0xFF)
eq(m:read_u8(0x208), 0xFF, "write_u8")
m:write_u8(0x209, -1)
eq(m:read_u8(0x209), 0xFF, "write_u8 negative")
eq(m:read(0xFFFFC, 4), "\0\0\0\0", "last word of RAM")
eq(m:read(0x10, 0), "", "empty read")

-- registers by name, the proxy and the call
m.regs.d0 = 0x12345678
eq(m.regs.d0, 0x12345678, "d0")
m.regs.d1 = -1
eq(m.regs.d1, 0xFFFFFFFF, "d1 = -1 wraps")
m.pc = 0x1000
eq(m.pc, 0x1000, "pc")
eq(m.regs.pc, 0x1000, "regs.pc")
m.regs.sp = 0x8000
eq(m.regs.a7, 0x8000, "sp is a7")
eq(m.regs.ssp, 0x8000, "supervisor: a7 is ssp")
m.regs.vbr = 0
local all = m:regs()
eq(all.d0, 0x12345678, "m:regs().d0")
eq(all.pc, 0x1000, "m:regs().pc")
for _, r in ipairs { "d0", "d7", "a0", "a7", "usp", "ssp", "sr", "ccr", "pc", "vbr", "sfc", "dfc" } do
  assert(all[r], "m:regs() has " .. r)
end
local n = 0
for k, v in pairs(m.regs) do n = n + 1; assert(type(k) == "string" and math.type(v) == "integer") end
assert(n >= 20, "pairs over m.regs")
eq(m:supervisor(), true, "power-on in supervisor mode")
m:set_supervisor(false)
eq(m:supervisor(), false, "user mode")
eq(m.regs.sr & 0x2000, 0, "S clear")
m:set_supervisor(true)
m.regs.sr = 0x2700
eq(m.regs.sr, 0x2700, "sr")
eq(m.regs.ccr, 0, "ccr")

-- a program that prints "hi" and branches to itself
local prog = vlab.asm("m68k", [[
start:  moveq   #104,d0
        move.b  d0,0x00dff000
        move.b  #105,0x00dff000
        move.b  #10,0x00dff000
        bra     .
]], { org = 0x1000 })
m:write(0x1000, prog)
m.pc = 0x1000
local s = m:run { max = 1000 }
eq(s.reason, "halt", "stop reason")
eq(s.pc, 0x1018, "halt pc: the bra . itself")
eq(s.vector, -1, "no vector")
eq(s.name, nil, "no vector name")
eq(m:console(), "hi\n", "console")
local st = m:stats()
assert(st.instructions >= 4, "instructions counted")
for _, k in ipairs { "instructions", "exceptions", "interrupts", "mode_switches" } do
  assert(math.type(st[k]) == "integer", "stats." .. k)
end

-- budget, step, until_pc
m.pc = 0x1000
s = m:run { max = 2 }
eq(s.reason, "budget", "budget")
eq(s.pc, 0x1008, "pc after 2")
s = m:step()
eq(s.reason, "budget", "step")
eq(s.pc, 0x1010, "pc after step")
m.pc = 0x1000
s = m:step(3)
eq(s.pc, 0x1010, "step(3)")
m.pc = 0x1000
s = m:run { until_pc = 0x1008 }
eq(s.reason, "breakpoint", "until_pc")
eq(s.pc, 0x1008, "until_pc pc")

-- an exception with no handler stops the run with the vector and its name
m:write(0x2000, vlab.asm("m68k", "nop\ntrap #1\n"))
m.pc = 0x2000
s = m:run { max = 100 }
eq(s.reason, "exception", "trap with no handler")
eq(s.vector, 33, "trap #1 vector")
eq(s.pc, 0x2002, "faulting pc")
assert(type(s.name) == "string" and #s.name > 0, "vector name")

-- privileged instruction in user mode: vector 8, with a handler installed
m:write(0x3000, vlab.asm("m68k", "handler: bra handler\n", { org = 0x3000 }))
m:write_u32(8 * 4, 0x3000)
m.regs.ssp = 0x9000
m:set_supervisor(false)
m.regs.usp = 0x7000
m:write(0x2100, vlab.asm("m68k", "move.w #0x2700,sr\n"))
m.pc = 0x2100
local events = {}
local id1 = m:on("exception", function(e) events[#events + 1] = "exc:" .. e.vector .. ":" .. (e.name or "?") .. ":" .. e.pc end)
local id2 = m:on("mode", function(e) events[#events + 1] = "mode:" .. e.mode end)
assert(math.type(id1) == "integer" and id1 ~= id2, "hook ids")
s = m:run { max = 100 }
eq(s.reason, "halt", "halts in the handler")
eq(s.pc, 0x3000, "in the handler")
-- exception entry switches to supervisor mode: both events, once each
table.sort(events)
eq(#events, 2, "two events: " .. table.concat(events, ", "))
assert(events[1]:match("^exc:8:.+:8448$"), "exception event: " .. tostring(events[1]))
eq(events[2], "mode:supervisor", "mode event")
eq(m:supervisor(), true, "supervisor after the exception")
eq(m.regs.usp, 0x7000, "usp kept")
eq(m:off(id1), true, "off")
eq(m:off(id1), false, "off twice")
m:off(id2)

-- step and console events; a callback that returns true stops the run
local steps, chars = 0, {}
local sid = m:on("step", function(e) steps = steps + 1; assert(math.type(e.pc) == "integer") end)
local cid = m:on("console", function(e) chars[#chars + 1] = e.char; return e.char == "i" end)
m.pc = 0x1000
m:clear_console()
s = m:run()
eq(s.reason, "breakpoint", "console callback stopped the run")
eq(table.concat(chars), "hi", "console chars")
eq(steps, 2, "step events before the stopping instruction (no events after a stop request)")
eq(m:console(), "hi", "console so far")
m:off(sid)
m:off(cid)

-- an error in a callback propagates after the run, cleanly
m:on("step", function() error("boom in callback") end)
m.pc = 0x1000
local ok, e = pcall(m.run, m)
eq(ok, false, "callback error raised")
assert(tostring(e):find("boom in callback"), "callback error text: " .. tostring(e))
-- the machine still works
m = vlab.machine { isa = "m68k", ram = 1 << 16 }
m:write(0, vlab.asm("m68k", "bra .\n"))
eq(m:run().reason, "halt", "fresh machine after a callback error")

-- timer interrupts wake STOP
local t = vlab.machine { isa = "m68k", ram = 1 << 16 }
t:write(0x1000, vlab.asm("m68k", [[
        move.l  #handler,0x64
        move.l  #1,0x00dff008
        move.l  #50,0x00dff004
loop:   stop    #0x2000
        addq.l  #1,d1
        cmp.l   #5,d1
        bne     loop
        move.l  #0,0x00dff004
        bra     .
handler:
        move.b  #42,0x00dff000
        move.l  d0,0x00dff00c
        rte
]], { org = 0x1000 }))
t.pc = 0x1000
t.regs.sp = 0x8000
s = t:run { max = 100000 }
eq(s.reason, "halt", "timer program ends")
eq(t.regs.d1, 5, "five wake-ups")
eq(t:console(), "*****", "five ticks")
eq(t:stats().interrupts, 5, "interrupts counted")
-- a busy guest: ticks every 100 instructions (handler included)
local b = vlab.machine { isa = "m68k", ram = 1 << 16 }
b:write(0x1000, vlab.asm("m68k", [[
        move.l  #handler,0x64
        move.l  #1,0x00dff008
        move.l  #100,0x00dff004
        move.w  #0x2000,sr
loop:   addq.l  #1,d1
        bra     loop
handler:
        addq.l  #1,d2
        move.l  d0,0x00dff00c
        rte
]], { org = 0x1000 }))
b.pc = 0x1000
b.regs.sp = 0x8000
s = b:run { max = 10000 }
eq(s.reason, "budget", "busy timer run")
local ticks = b:stats().interrupts
assert(ticks >= 96 and ticks <= 100, "about 100 ticks in 10000 instructions, got " .. ticks)
eq(b.regs.d2, ticks, "handler ran once per tick")
-- STOP with nothing armed: halt
t:write(0x2000, vlab.asm("m68k", "stop #0x2700\n"))
t.pc = 0x2000
eq(t:run().reason, "halt", "stop with no timer")

-- reset reads SSP and PC from vectors 0 and 1
t:write_u32(0, 0x4000)
t:write_u32(4, 0x1234)
t:reset()
eq(t.pc, 0x1234, "reset pc")
eq(t.regs.ssp, 0x4000, "reset ssp")
eq(t:supervisor(), true, "reset supervisor")

-- load a raw binary and the entry it returns
local path = os.tmpname()
local f = assert(io.open(path, "wb"))
f:write(vlab.asm("m68k", "moveq #7,d2\nbra .\n"))
f:close()
local l = vlab.machine { isa = "m68k", ram = 1 << 16 }
eq(l:load(path, 0x400), 0x400, "load entry = org")
l.pc = 0x400
eq(l:run().reason, "halt", "loaded program runs")
eq(l.regs.d2, 7, "loaded program result")
os.remove(path)

-- disassemble from memory
local txt, len = l:disasm(0x400)
assert(txt:find("moveq"), "m:disasm: " .. txt)
eq(len, 2, "m:disasm length")

-- many machines are independent
local a, b = vlab.machine { isa = "m68k", ram = 4096 }, vlab.machine { isa = "m68k", ram = 4096 }
a.regs.d0 = 1
b.regs.d0 = 2
eq(a.regs.d0 + b.regs.d0, 3, "independent machines")
a, b = nil, nil
collectgarbage()
print("machine: ok")
