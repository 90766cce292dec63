-- errors.lua - bad input everywhere: every error is a clear string naming the
-- function and the argument, and nothing crashes the process.
package.path = arg[0]:match("^(.-)[^/]*$") .. "?.lua;" .. package.path
local testlib = require "testlib"
local fails, exact = testlib.fails, testlib.exact

local m = vlab.machine { isa = "m68k" } -- 16 MiB
exact("read: 1 byte at 0x1000000 is not in RAM (0x0-0xffffff, 16777216 bytes)", m.read, m, 0x1000000, 1)
exact("write: 1 byte at 0x1000000 is not in RAM (0x0-0xffffff, 16777216 bytes)", m.write, m, 0x1000000, "x")
exact("read_u32: 4 bytes at 0x1000000 are not in RAM (0x0-0xffffff, 16777216 bytes)", m.read_u32, m, 0x1000000)
fails("read_u32: 4 bytes at 0xfffffe are not in RAM (0x0-0xffffff, 16777216 bytes)", m.read_u32, m, 0xFFFFFE)
fails("read_u16: address -2 is negative (RAM is 0x0-0xffffff)", m.read_u16, m, -2)
fails("write_u8: 1 byte at 0x1000000 is not in RAM (0x0-0xffffff, 16777216 bytes)", m.write_u8, m, 0x1000000, 1)
fails("write_u8: value 256 does not fit in 8 bits", m.write_u8, m, 0, 256)
fails("write_u16: value 65536 does not fit in 16 bits", m.write_u16, m, 0, 65536)
fails("write_u32: value 4294967296 does not fit in 32 bits", m.write_u32, m, 0, 1 << 32)
fails("read: 32 bytes at 0xfffff0 are not in RAM (0x0-0xffffff, 16777216 bytes)", m.read, m, 0xFFFFF0, 32)
fails("read: length -1 is negative", m.read, m, 0, -1)
fails("write: 2 bytes at 0xffffff are not in RAM (0x0-0xffffff, 16777216 bytes)", m.write, m, 0xFFFFFF, "ab")
-- nothing at the end of RAM is a place, not an error
assert(m:read(0x1000000, 0) == "", "a zero-length read at the end of RAM")
m:write(0x1000000, "")

-- one implementation of the machine methods: a guest says the same as a
-- machine, to the letter, for the same mistake (and accepts the same)
do
  local mm = vlab.machine { isa = "m68k", model = "68010", ram = 1 << 16 }
  local g = vlab.vmm { isa = "m68k", model = "68010", ram = 1 << 16 }.guest
  local calls = {
    function(x) return x:read(0x10000, 1) end,
    function(x) return x:read(-1, 1) end,
    function(x) return x:read(0, -1) end,
    function(x) return x:write(0xFFFF, "ab") end,
    function(x) return x:read_u32(0xFFFE) end,
    function(x) return x:write_u16(0, 1 << 16) end,
    function(x) return x.regs.d9 end,
    function(x) x.regs.sr = 1 << 16 end,
    function(x) x:set_privilege(1) end,
    function(x) return x:disasm(0x10000) end,
    function(x) x.pc = -1 end,
  }
  for i, f in ipairs(calls) do
    local ok1, e1 = pcall(f, mm)
    local ok2, e2 = pcall(f, g)
    assert(not ok1 and not ok2, "call " .. i .. " must fail on both")
    testlib.eq(e2:gsub("^guest:", "machine:"), e1, "call " .. i .. ": the same message")
  end
  assert(mm:read(0x10000, 0) == "" and g:read(0x10000, 0) == "", "zero bytes at the end of RAM, both")
end

-- (called through a field, so that Lua names the function in the message)
fails("bad argument #2 to 'read' (number expected, got string)", function() return m.read(m, "zero", 1) end)
fails("bad argument #3 to 'read' (number expected, got no value)", function() return m.read(m, 0) end)
fails("bad argument #3 to 'write' (string expected, got table)", function() return m.write(m, 0, {}) end)
fails("bad argument #1 to 'read' (number expected, got string)", function() return m:read("zero", 1) end)
fails("bad argument #1 to 'read_u8' (number has no integer representation)", function() return m:read_u8(1.5) end)

fails("regs: unknown register 'd9' for m68k", function() return m.regs.d9 end)
fails("regs: unknown register 'vbr' for m68k", function() return m.regs.vbr end) -- 68000
fails("regs: unknown register 'eax' for m68k", function() m.regs.eax = 1 end)
fails("regs: value for 'd0' must be an integer (got string)", function() m.regs.d0 = "x" end)
fails("regs: value 4294967296 does not fit register 'd0'", function() m.regs.d0 = 1 << 32 end)
fails("pc: value -1 out of range", function() m.pc = -1 end)
fails("machine: cannot set field 'foo'", function() m.foo = 1 end)
assert(m.nosuchmethod == nil, "unknown fields read as nil")

fails("on: unknown event 'tick' (known: exception, mode, step, console)", m.on, m, "tick", print)
fails("bad argument #2 to 'on' (function expected, got number)", function() return m:on("step", 5) end)
fails("bad argument #1 to 'off' (number expected, got string)", function() return m:off("x") end)
fails("step: count -1 is negative", m.step, m, -1)
fails("run: max -1 is negative", m.run, m, { max = -1 })
fails("run: field 'max' must be an integer", m.run, m, { max = "lots" })
fails("run: until_pc -4 out of range", m.run, m, { until_pc = -4 })
fails("load: /nonexistent/file.bin: No such file or directory", m.load, m, "/nonexistent/file.bin")
fails("load: org -1 out of range (0 to 0xffffffff)", m.load, m, "/nonexistent/file.bin", -1)
fails("bad argument #1 to 'read' (vlab.machine expected, got table)", function() return m.read({}, 0, 1) end)
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
fails("load: " .. q .. ": truncated ELF header (6 bytes)", m.load, m, q)
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
