-- api.lua - the module-level functions of `vlab` (DESIGN §4.2): version,
-- isas, models, asm, disasm, and the machine constructor's errors.
package.path = arg[0]:match("^(.-)[^/]*$") .. "?.lua;" .. package.path
local testlib = require "testlib"
local eq, fails = testlib.eq, testlib.fails

assert(type(vlab) == "table", "vlab is preloaded")
eq(require("vlab"), vlab, "require returns the preloaded module")
assert(vlab.version:match("^%d+%.%d+%.%d+$"), "version x.y.z")

local isas = vlab.isas()
eq(isas[1], "m68k", "first isa")
local models = vlab.models("m68k")
eq(#models, 2, "m68k models")
eq(models[1], "68000", "model 1")
eq(models[2], "68010", "model 2")
fails("vlab.models: unknown isa 'z80' (known: m68k", vlab.models, "z80")
fails("bad argument #1 to 'vlab.models' (string expected, got no value)", vlab.models)

-- asm: all three spellings of the isa
local src = "moveq #1,d0\nnop\n"
local a = vlab.asm("m68k", src)
eq(a, "\x70\x01\x4e\x71", "asm m68k")
eq(vlab.asm("m68k:68010", src), a, "asm m68k:68010")
eq(vlab.asm("68010", src), a, "asm 68010")
-- org moves absolute targets
local b0 = vlab.asm("m68k", "jmp target\ntarget: nop\n", { org = 0 })
local b1 = vlab.asm("m68k", "jmp target\ntarget: nop\n", { org = 0x1000 })
assert(b0 ~= b1, "org changes a label's absolute address")
-- errors: "line:col: message"
local e = fails("2:3: unknown instruction 'frobnicate'", vlab.asm, "m68k", "nop\n  frobnicate d0\n")
assert(e:match("^2:%d+: "), "line:col: prefix, got " .. e) -- at the start
fails("vlab.asm: unknown isa 'z80'", vlab.asm, "z80", "nop")
fails("vlab.asm: unknown model '68020' for isa m68k (known: 68000, 68010)", vlab.asm, "m68k:68020", "nop")
fails("bad argument #2 to 'vlab.asm' (string expected, got no value)", vlab.asm, "m68k")
fails("bad argument #3 to 'vlab.asm' (table expected, got number)", vlab.asm, "m68k", "nop", 5)
eq(vlab.asm("m68k", ""), "", "empty source")

-- 68010-only instructions
fails("1:1: 'movec' is a 68010 instruction (not on the 68000)", vlab.asm, "68000", "movec vbr,d0\n")
assert(#vlab.asm("68010", "movec vbr,d0\n") == 4, "movec on the 68010")

-- disasm: text and length
local text, len = vlab.disasm("m68k", "\x4e\x71")
eq(len, 2, "nop length")
assert(text:find("nop"), "nop text: " .. text)
text, len = vlab.disasm("m68k", "\x70\x01\x4e\x71", 0x1000)
eq(len, 2, "moveq length")
assert(text:find("moveq"), "moveq text: " .. text)
fails("vlab.disasm: no bytes to disassemble", vlab.disasm, "m68k", "")
fails("vlab.disasm: truncated instruction: 1 byte", vlab.disasm, "m68k", "\x4e") -- half an instruction
fails("vlab.disasm: unknown isa 'z80'", vlab.disasm, "z80", "\0\0")
fails("bad argument #2 to 'vlab.disasm' (string expected, got no value)", vlab.disasm, "m68k")
-- disasm's code size: x86 bytes read as 32-bit code (the default) or as
-- 16-bit code ({ bits = 16 }: real mode, virtual-8086 mode, 16-bit segments)
local b86 = "\xb8\x34\x12\xf4\x90\x90"
text, len = vlab.disasm("i386", b86)
eq(len, 5, "mov imm32 length")
assert(text:find("%eax", 1, true) and text:find("0x90f41234", 1, true), "32-bit text: " .. text)
text, len = vlab.disasm("i386", b86, 0x100, { bits = 16 })
eq(len, 3, "mov imm16 length")
assert(text:find("$0x1234,%ax", 1, true), "16-bit text: " .. text)
eq(select(2, vlab.disasm("i386", b86, { bits = 16 })), 3, "options right after the bytes")
eq(select(2, vlab.disasm("pentium", b86, 0, { bits = 32 })), 5, "bits = 32 as the default")
eq(select(2, vlab.disasm("x86", "\xe8\x00\x10", 0x100, { bits = 16 })), 3, "call rel16")
fails("vlab.disasm: bits must be 16 or 32 (got 8)", vlab.disasm, "i386", b86, 0, { bits = 8 })
fails("vlab.disasm: unknown option 'bitz' (known: bits)", vlab.disasm, "i386", b86, 0, { bitz = 16 })
fails("vlab.disasm: argument 4: expected an options table ({ bits = 16 }), got number", vlab.disasm, "i386", b86, 0, 16)
fails("vlab.disasm: bits: m68k has no 16-bit code (its code is 32-bit)", vlab.disasm, "68000", "\x4e\x71", 0, { bits = 16 })
fails("vlab.disasm: bits: ppc has no 16-bit code (its code is 32-bit)", vlab.disasm, "750", "\x60\0\0\0", 0, { bits = 16 })
eq(select(2, vlab.disasm("68000", "\x4e\x71", 0, { bits = 32 })), 2, "m68k bits = 32")
-- round trip every line through the assembler
for _, line in ipairs { "moveq #5,d3", "nop", "rts", "move.l d0,d1", "stop #0x2700", "trap #3", "rte" } do
  local bytes = vlab.asm("m68k", line)
  local t, n = vlab.disasm("m68k", bytes)
  eq(n, #bytes, "length of " .. line)
  eq(vlab.asm("m68k", t), bytes, "round trip of " .. line .. " via " .. t)
end

-- the machine constructor's errors
fails("vlab.machine: unknown model '68020' for isa m68k (known: 68000, 68010)", vlab.machine, { isa = "m68k", model = "68020" })
fails("vlab.machine: unknown isa 'z80' (known: " .. table.concat(vlab.isas(), ", ") .. ")", vlab.machine, { isa = "z80" })
fails("vlab.machine: ram must be 1 byte to 1 GiB (got 0)", vlab.machine, { isa = "m68k", ram = 0 })
fails("vlab.machine: ram must be 1 byte to 1 GiB (got 1073741825)", vlab.machine, { isa = "m68k", ram = (1 << 30) + 1 })
fails("vlab.machine: ram must be 1 byte to 1 GiB (got -5)", vlab.machine, { isa = "m68k", ram = -5 })
fails("vlab.machine: field 'ram' must be an integer", vlab.machine, { isa = "m68k", ram = "big" })
fails("vlab.machine: field 'isa' must be a string", vlab.machine, { isa = 5 })
fails("vlab.machine: field 'isa' is required", vlab.machine, {})
local m = vlab.machine { isa = "m68k" }
eq(m.model, "68000", "default model")
eq(m.ram, 16 << 20, "default RAM")
m = vlab.machine { isa = "m68k:68010", ram = 4096 }
eq(m.model, "68010", "model from isa:model")
m = vlab.machine { model = "68010" }
eq(m.isa, "m68k", "isa from model")

-- the rest of §4.2 is there (tests/lua/vmm.lua and sweep.lua test it)
for _, f in ipairs { "vmm", "compare", "equivalence", "sweep", "table" } do
  eq(type(vlab[f]), "function", "vlab." .. f)
end
print("api: ok")
