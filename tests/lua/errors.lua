-- errors.lua - bad input everywhere: every error is a clear string naming the
-- function and the argument, and nothing crashes the process.
package.path = arg[0]:match("^(.-)[^/]*$") .. "?.lua;" .. package.path
local testlib = require "testlib"
local fails, exact = testlib.fails, testlib.exact

local m = vlab.machine { isa = "m68k" } -- 16 MiB
exact("read: address 0x1000000 out of RAM (16777216 bytes)", m.read, m, 0x1000000, 1)
exact("write: address 0x1000000 out of RAM (16777216 bytes)", m.write, m, 0x1000000, "x")
exact("read_u32: address 0x1000000 out of RAM (16777216 bytes)", m.read_u32, m, 0x1000000)
fails("read_u32:", m.read_u32, m, 0xFFFFFE)
fails("read_u16:", m.read_u16, m, -2)
fails("write_u8:", m.write_u8, m, 0x1000000, 1)
fails("write_u8: value 256 does not fit in 8 bits", m.write_u8, m, 0, 256)
fails("write_u16: value 65536 does not fit in 16 bits", m.write_u16, m, 0, 65536)
fails("write_u32:", m.write_u32, m, 0, 1 << 32)
fails("read:", m.read, m, 0xFFFFF0, 32)
fails("read:", m.read, m, 0, -1)
fails("write:", m.write, m, 0xFFFFFF, "ab")
fails("bad argument #2", m.read, m, "zero", 1)
fails("bad argument #3", m.read, m, 0)
fails("bad argument #3", m.write, m, 0, {})
fails("bad argument #1 to 'read'", function() return m:read("zero", 1) end)
fails("number has no integer representation", m.read_u8, m, 1.5)

exact("regs: unknown register 'd9' for m68k", function() return m.regs.d9 end)
exact("regs: unknown register 'vbr' for m68k", function() return m.regs.vbr end) -- 68000
exact("regs: unknown register 'eax' for m68k", function() m.regs.eax = 1 end)
fails("regs: value for 'd0' must be an integer", function() m.regs.d0 = "x" end)
fails("regs: value 4294967296 does not fit register 'd0'", function() m.regs.d0 = 1 << 32 end)
fails("pc:", function() m.pc = -1 end)
fails("machine: cannot set field 'foo'", function() m.foo = 1 end)
assert(m.nosuchmethod == nil, "unknown fields read as nil")

fails("on: unknown event 'tick' (known: exception, mode, step, console)", m.on, m, "tick", print)
fails("bad argument #3", m.on, m, "step", 5)
fails("bad argument #2", m.off, m, "x")
fails("step: count -1 is negative", m.step, m, -1)
fails("run: max -1 is negative", m.run, m, { max = -1 })
fails("run: field 'max' must be an integer", m.run, m, { max = "lots" })
fails("run: until_pc", m.run, m, { until_pc = -4 })
fails("load: ", m.load, m, "/nonexistent/file.bin")
fails("load: ", m.load, m, "/nonexistent/file.bin", -1)
fails("vlab.machine expected, got table", m.read, {}, 0, 1)
fails("calling 'read' on bad self", function() local t = { read = m.read }; return t:read(0, 1) end)

-- re-entering the machine from its own callback is refused, not a crash
m:write(0, vlab.asm("m68k", "nop\nnop\nbra .\n"))
m.pc = 0
m:on("step", function() m:run() end)
fails("run: the machine is already running", m.run, m)

-- truncated and foreign ELF files
local function tmpfile(bytes)
  local p = os.tmpname()
  local f = assert(io.open(p, "wb")); f:write(bytes); f:close()
  return p
end
local hdr = "\x7fELF\x01\x02\x01" .. string.rep("\0", 9) .. "\0\x02\0\x3e" -- machine 62
hdr = hdr .. string.rep("\0", 52 - #hdr)
local p = tmpfile(hdr)
local e = fails("not an m68k ELF (machine 62)", m.load, m, p)
os.remove(p)
p = tmpfile("\x7fELF\x01\x02")
local q = p .. ".elf"
os.rename(p, q)
fails("truncated", m.load, m, q)
os.remove(q)

-- the guest cannot crash the process: jump to odd addresses, outside RAM,
-- into the MMIO window, random bytes
local g = vlab.machine { isa = "m68k", ram = 1 << 16 }
for _, target in ipairs { 0x1001, 0x100000, 0x00DFF000, 0xFFFFFFFF } do
  g.pc = target
  local s = g:run { max = 1000 }
  assert(type(s.reason) == "string", "stop reason for pc " .. target)
end
math.randomseed(42)
for round = 1, 20 do
  local bytes = {}
  for i = 1, 256 do bytes[i] = string.char(math.random(0, 255)) end
  g:write(0x1000, table.concat(bytes))
  g.pc = 0x1000
  g.regs.sp = 0x8000
  g:set_supervisor(round % 2 == 0)
  local s = g:run { max = 5000 }
  assert(type(s.reason) == "string")
end
print("errors: ok")
