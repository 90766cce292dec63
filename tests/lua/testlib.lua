-- testlib.lua - the helpers every tests/lua/*.lua uses (not a test itself:
-- tests/run.sh skips it). A test finds it next to itself:
--   package.path = arg[0]:match("^(.-)[^/]*$") .. "?.lua;" .. package.path
--   local testlib = require "testlib"
local M = {}

-- level 2: the message names the test's line, not this file's
function M.eq(a, b, what)
  if a ~= b then error(string.format("%s: expected %q, got %q", what, tostring(b), tostring(a)), 2) end
end

-- an error whose text contains want, a fixed string naming what was wrong
-- (never empty: any error would do); returns the error
function M.fails(want, f, ...)
  if type(want) ~= "string" or want == "" then error("fails: say which error is expected", 2) end
  local ok, e = pcall(f, ...)
  if ok then error("expected an error: " .. want, 2) end
  if type(e) ~= "string" or not e:find(want, 1, true) then
    error(string.format("error %q does not contain %q", tostring(e), want), 2)
  end
  return e
end

-- an error whose text is want, to the letter
function M.exact(want, f, ...)
  local ok, e = pcall(f, ...)
  if ok then error("expected an error: " .. want, 2) end
  if e ~= want then error(string.format("error %q, expected %q", tostring(e), want), 2) end
end

-- The missing-package policy of every test (tests/testlib.sh for the shell
-- scripts, tests/testlib.h for C): a test that needs a Debian package which
-- is not installed prints "SKIP: <package> not installed" and passes when
-- run locally; under VLAB_CI (exported by .ci/run) the same absence is a
-- failure: CI never skips.
function M.in_ci()
  local v = os.getenv("VLAB_CI")
  return v ~= nil and v ~= "" and v ~= "0"
end

-- need(package, present, what): when present is false, end the test here:
-- SKIP (exit 0) locally, an error under VLAB_CI
function M.need(pkg, present, what)
  if present then return end
  if M.in_ci() then
    error(string.format("FAIL: %s not installed (%s); VLAB_CI is set: CI never skips (make deps installs it)", pkg, what), 2)
  end
  print(string.format("SKIP: %s not installed (%s; make deps installs it)", pkg, what))
  os.exit(0, true)
end

-- x86: the assembly from reset (real mode, CS = 0) to protected mode, the kernel's data and stack segments loaded
-- (a GDT at gdt: 0x08 code, 0x10 data, and gdtr follow in each image)
M.x86_boot = [[
  .code16
start:
  cli
  lgdtl gdtr
  mov %cr0, %eax
  or $1, %eax
  mov %eax, %cr0
  ljmpl $0x08, $pm
  .code32
pm:
  mov $0x10, %ax
  mov %ax, %ds
  mov %ax, %ss
  mov $0x90000, %esp
]]

-- its GDT (flat: 0x08 code, 0x10 data) and gdtr, at the end of an image
M.x86_gdt = [[
  .p2align 3
gdt:
  .long 0, 0
  .long 0x0000ffff, 0x00cf9b00
  .long 0x0000ffff, 0x00cf9300
gdtr:
  .word 23
  .long gdt
]]

return M
