-- testlib.lua - the helpers every tests/lua/*.lua uses (not a test itself:
-- tests/run.sh skips it). A test finds it next to itself:
--   package.path = arg[0]:match("^(.-)[^/]*$") .. "?.lua;" .. package.path
--   local testlib = require "testlib"
local M = {}

-- level 2: the message names the test's line, not this file's
function M.eq(a, b, what)
  if a ~= b then error(string.format("%s: expected %q, got %q", what, tostring(b), tostring(a)), 2) end
end

-- an error whose text contains want; returns the error
function M.fails(want, f, ...)
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

return M
