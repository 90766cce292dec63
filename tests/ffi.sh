#!/bin/sh
# ffi.sh - smoke test of lua/vlab_ffi.lua, the LuaJIT FFI binding over
# libvlab.so. Needs luajit (the missing-package policy of tests/testlib.sh:
# SKIP locally, FAIL under VLAB_CI).
NAME=ffi
. "$(dirname "$0")/testlib.sh"
need luajit luajit
# Under make check-asan, libvlab.so is built with ASan and UBSan: luajit
# loads it with the sanitizers' runtimes preloaded (they must come first).
PRELOAD=$(san_preload) || exit 1
[ -n "$PRELOAD" ] && echo "ffi: $BUILD/libvlab.so is sanitized: LD_PRELOAD=$PRELOAD"
LD_PRELOAD="$PRELOAD" VLAB_LIB=$BUILD/libvlab.so VLAB_H=include/vlab.h luajit - <<'EOF2'
local vlab = dofile("lua/vlab_ffi.lua")
assert(vlab.version:match("^%d+%.%d+%.%d+$"))
assert(vlab.isas()[1] == "m68k")
assert(vlab.models("m68k")[2] == "68010")
local okm, em = pcall(vlab.models, "z80")
assert(not okm and em:find("vlab.models: unknown isa 'z80'", 1, true), em)
-- 16-bit x86 code, and the mode a machine runs in
assert(select(2, vlab.disasm("i386", "\xb8\x34\x12\xf4\x90", 0, { bits = 16 })) == 3)
assert(select(2, vlab.disasm("i386", "\xb8\x34\x12\xf4\x90")) == 5)
local okb, eb = pcall(vlab.disasm, "68000", "\x4e\x71", 0, { bits = 16 })
assert(not okb and eb:find("vlab.disasm: bits: m68k has no 16-bit code", 1, true), eb)
local rm = vlab.machine { isa = "x86", ram = 1048576 }
rm:reset()
rm:write(0xFFFF0, "\xb8\x34\x12\xf4")
assert(rm:code_bits() == 16 and rm:fetch(rm.pc, 4) == "\xb8\x34\x12\xf4")
-- m:disasm in the machine's present mode (16-bit here), or as bits says
local dt, dl = rm:disasm(rm.pc)
assert(dt == "mov    $0x1234,%ax" and dl == 3, dt)
assert(select(2, rm:disasm(rm.pc, { bits = 32 })) == 5)
local okd, ed = pcall(rm.disasm, rm, rm.pc, { bits = 8 })
assert(not okd and ed:find("disasm: bits must be 16 or 32", 1, true), ed)
local m = vlab.machine { isa = "m68k:68010", ram = 65536 }
assert(m.model == "68010" and m.ram == 65536)
local code = vlab.asm("m68k", [[
        moveq   #104,d0
        move.b  d0,0x00dff000
        move.b  #105,0x00dff000
        bra     .
]], { org = 0x1000 })
m:write(0x1000, code)
m.pc = 0x1000
m.regs.sp = 0x8000
local s = m:run { max = 100 }
assert(s.reason == "halt", s.reason)
assert(m:console() == "hi", m:console())
assert(m.regs.d0 == 104 and m:regs().a7 == 0x8000)
assert(m:read_u16(0x1000) == 0x7068)
m:write_u32(0x100, 0xDEADBEEF)
assert(m:read(0x100, 4) == "\222\173\190\239")
assert(m:stats().instructions >= 3)
local ok, e = pcall(m.read, m, 0x10000, 1)
assert(not ok and e:find("read: 1 byte at 0x10000 is not in RAM (0x0-0xffff, 65536 bytes)", 1, true), e)
ok, e = pcall(m.write_u8, m, 0, 256)
assert(not ok and e:find("write_u8: value 256 does not fit in 8 bits", 1, true), e)
ok, e = pcall(m.set_privilege, m, 2)
assert(not ok and e:find("set_privilege: m68k has no privilege level 2 (levels: 0, 3)", 1, true), e)
m:set_privilege(3)
assert(m:privilege() == 3 and not m:supervisor())
m:set_privilege(0)
assert(m:read(0x10000, 0) == "")
ok, e = pcall(function() return m.regs.d9 end)
assert(not ok and e:find("regs: unknown register 'd9' for m68k", 1, true), e)
ok, e = pcall(vlab.asm, "m68k", "frob d0")
assert(not ok and e:find("1:1: unknown instruction 'frob'", 1, true) == 1, e)
local text, n = vlab.disasm("m68k", "\78\113")
assert(n == 2 and text:find("nop"), text)
m:write(0x2000, vlab.asm("m68k", "trap #2"))
m.pc = 0x2000
s = m:step()
assert(s.reason == "exception" and s.vector == 34 and s.name, s.reason)
-- strict options, worded by the library as in the C module (issue 13.1)
local function fails(want, f, ...)
  local ok2, e2 = pcall(f, ...)
  assert(not ok2, "expected an error: " .. want)
  assert(tostring(e2):find(want, 1, true), tostring(e2) .. " does not contain " .. want)
end
fails("vlab.machine: unknown option 'modle' (known: isa, model, ram)", vlab.machine, { isa = "m68k", modle = "68010" })
fails("vlab.machine: field 'ram' must be an integer (got string)", vlab.machine, { isa = "m68k", ram = "big" })
fails("vlab.machine: field 'ram' must be an integer (got number)", vlab.machine, { isa = "m68k", ram = 1.5 })
fails("vlab.machine: unknown option [1] (options are named; known: isa, model, ram)", vlab.machine, { "m68k" })
fails("vlab.asm: unknown option 'orgg' (known: org)", vlab.asm, "m68k", "nop", { orgg = 0x1000 })
fails("run: unknown option 'maxx' (known: max, until_pc)", m.run, m, { maxx = 100 })
fails("run: field 'until_pc' must be an integer (got boolean)", m.run, m, { until_pc = true })
assert(vlab.machine { isa = "m68k", model = "68010", ram = 65536 }.model == "68010")
-- names are whole (issue 14.3): no NUL byte, no empty isa before the colon
fails("vlab.machine: field 'isa' contains a NUL byte", vlab.machine, { isa = "m68k\0x" })
fails("vlab.machine: isa contains a NUL byte", vlab.machine, "m68k\0x")
fails("vlab.asm: isa contains a NUL byte", vlab.asm, "m68k\0x", "nop")
fails("vlab.disasm: isa contains a NUL byte", vlab.disasm, "m68k\0x", "\78\113")
fails("vlab.machine: missing isa before ':68010'", vlab.machine, { isa = ":68010" })
-- a NUL byte in a source: an error at its LINE:COL, as from the C module (issue 14.4)
local okn, en = pcall(vlab.asm, "ppc", "nop\n  n\0op\n")
assert(not okn and en:find("^2:4: NUL byte in the source"), en)
m.pc = 0x1000
assert(m:run { max = 1 }.reason == "budget")
print("ffi: ok")
EOF2
