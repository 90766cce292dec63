-- table_errors.lua - vlab.table on what is not a sweep result: an error
-- naming what was wrong, never an empty table, and nothing leaked when
-- reading a row raises an error (make check-asan runs this under
-- LeakSanitizer: the converted rows must be freed on the error path).
package.path = arg[0]:match("^(.-)[^/]*$") .. "?.lua;" .. package.path
local testlib = require "testlib"
local fails, eq = testlib.fails, testlib.eq

-- a row whose fields raise an error once the mnemonic was read (issue 14.2):
-- every call converts part of a row, then fails
local function evil_row()
  return setmetatable({}, { __index = function(_, k)
    if k == "mnemonic" then return "m" end
    error("boom " .. k, 0)
  end })
end
for _ = 1, 50 do
  local ok, e = pcall(vlab.table, { evil_row() })
  assert(not ok, "a row raising an error must fail the call")
  assert(tostring(e):find("boom", 1, true), e)
end
-- the same inside a result's rows, and after good rows were converted
local r = vlab.sweep { isa = "m68k", model = "68010", states = 2, filter = "move from" }
for _ = 1, 20 do
  local rows = { r.rows[1], r.rows[2], evil_row() }
  local ok, e = pcall(vlab.table, { isa = "m68k", model = "68010", technique = r.technique, rows = rows })
  assert(not ok and tostring(e):find("boom", 1, true), e)
  ok, e = pcall(vlab.table, rows)
  assert(not ok and tostring(e):find("boom", 1, true), e)
end
collectgarbage()

-- issue 14.3: nothing to print is an error, not an empty table
fails("vlab.table: argument 1 is empty", vlab.table, {})
fails("vlab.table: item 1 of argument 1 has no list 'rows'", vlab.table, { {} })
fails("vlab.table: argument 1 has no list 'rows'", vlab.table, { rows = 5 })
fails("vlab.table: item 2 of argument 1 has no list 'rows'", vlab.table, { r, { rows = "x" } })
fails("vlab.table: argument 1 must be a sweep result", vlab.table, { r.rows[1], 5 })
-- and what is right still prints
assert(vlab.table(r, "md"):find("move from sr", 1, true))
assert(vlab.table(r.rows, "csv"):find("move from sr", 1, true))
eq(type(vlab.table({ r }, "json")), "string", "a list of one result")
print("table_errors: ok")
