-- vlab_ffi.lua - a LuaJIT FFI binding over include/vlab.h and libvlab.so.
--
--   local vlab = dofile("lua/vlab_ffi.lua")       -- or require "vlab_ffi"
--   local m = vlab.machine{ isa = "m68k", ram = 1 << 20 }  (LuaJIT: bit.lshift(1, 20))
--
-- The same machine API as the C module (docs/lua-api.md) except callbacks
-- (m:on/m:off): calling back from C into LuaJIT would defeat the point of the
-- FFI. The declarations are read from vlab.h itself, which is written so that
-- ffi.cdef takes it verbatim. Where the files are:
--   VLAB_H   / VLAB_LIB environment variables, else
--   <this file's dir>/../include/vlab.h and <dir>/../build/libvlab.so (the
--   source tree: dofile("lua/vlab_ffi.lua") from its root), else
--   PREFIX/include/vlab.h and PREFIX/lib/libvlab.so when installed by
--   `make install` as PREFIX/share/lua/5.1/vlab_ffi.lua, else
--   /usr/local/include/vlab.h and the system's libvlab.so.
local ffi = require "ffi"

local here = (debug.getinfo(1, "S").source:match("^@(.*/)") or "./")

local function readable(p)
  local f = p and io.open(p, "rb")
  if f then f:close() return true end
  return false
end

-- the first readable path; an unset environment variable is a nil among them
-- (so not ipairs, which would stop there)
local function first(...)
  for i = 1, select("#", ...) do
    local p = select(i, ...)
    if readable(p) then return p end
  end
end

-- <here>/.. is the source tree (lua/vlab_ffi.lua) or, once installed as
-- PREFIX/share/lua/5.1/vlab_ffi.lua, <here>/../../.. is PREFIX
local prefix = here .. "../../../"
local header = first(os.getenv("VLAB_H"), here .. "../include/vlab.h", prefix .. "include/vlab.h",
                     "/usr/local/include/vlab.h", "/usr/include/vlab.h")
if not header then error("vlab_ffi: cannot find vlab.h (set VLAB_H)") end

-- vlab.h minus the preprocessor and the C++ guard
local src = {}
local skip = 0
for line in io.lines(header) do
  if line:match("^#%s*ifdef%s+__cplusplus") then skip = skip + 1
  elseif skip > 0 and line:match("^#%s*endif") then skip = skip - 1
  elseif skip == 0 and not line:match("^%s*#") then src[#src + 1] = line end
end
ffi.cdef(table.concat(src, "\n"))
ffi.cdef [[
void *malloc(size_t);
void free(void *);
]]

local libpath = first(os.getenv("VLAB_LIB"), here .. "../build/libvlab.so", prefix .. "lib/libvlab.so")
local C = ffi.load(libpath or "vlab")

local M = { version = ffi.string(C.vlab_version()) }
local ERRSZ = 512

local function u32(v) return tonumber(ffi.cast("uint32_t", v)) end

-- Options tables are strict, as in the C module: every key is checked by
-- the library's vlab_option_check (core/options.c), so a typo is an error
-- worded the same way in both. options{ {name, kinds}... } builds a list
-- once, next to the function that reads it.
local KIND = { integer = C.VLAB_OPT_INTEGER, string = C.VLAB_OPT_STRING, boolean = C.VLAB_OPT_BOOLEAN,
               table = C.VLAB_OPT_TABLE, ["function"] = C.VLAB_OPT_FUNCTION }
local function options(list)
  local arr = ffi.new("vlab_option[?]", #list + 1)
  for i, o in ipairs(list) do
    arr[i - 1].name = o[1] -- the string is kept alive by list
    arr[i - 1].kinds = KIND[o[2]]
  end
  return { c = arr, names = list }
end
local opterr = ffi.new("char[?]", ERRSZ)
local function check_options(fn, opts, list, level)
  if opts == nil then return {} end
  if type(opts) ~= "table" then
    error(string.format("bad argument to '%s' (table expected, got %s)", fn, type(opts)), level + 1)
  end
  for k, v in pairs(opts) do
    local got, named = 0, type(k) == "string"
    local t = type(v)
    if t == "number" then
      got = C.VLAB_OPT_NUMBER
      if v == math.floor(v) and v > -2^63 and v < 2^63 then got = got + C.VLAB_OPT_INTEGER end
    elseif KIND[t] then got = KIND[t]
    elseif t == "userdata" or t == "cdata" then got = C.VLAB_OPT_OBJECT end
    local key = named and k or ("[" .. tostring(k) .. "]")
    if t == "string" and named and v:find("\0", 1, true) then
      error(string.format("%s: field '%s' contains a NUL byte", fn, k), level + 1)
    end
    if C.vlab_option_check(fn, list.c, key, named and 1 or 0, got, t, opterr, ERRSZ) < 0 then
      error(ffi.string(opterr), level + 1)
    end
  end
  return opts
end

function M.isas()
  local t, i = {}, 0
  while true do
    local s = C.vlab_isa_name(i)
    if s == nil then return t end
    t[#t + 1] = ffi.string(s)
    i = i + 1
  end
end

function M.models(isa)
  assert(type(isa) == "string", "bad argument #1 to 'models' (string expected)")
  local t, i = {}, 0
  while true do
    local s = C.vlab_model_name(isa, i)
    if s == nil then break end
    t[#t + 1] = ffi.string(s)
    i = i + 1
  end
  if #t == 0 then
    error("vlab.models: unknown isa '" .. isa .. "' (known: " .. table.concat(M.isas(), ", ") .. ")", 0)
  end
  return t
end

-- a string C reads as a name: "m68k\0x" must not pass for "m68k"
local function name_arg(fn, what, s)
  if type(s) == "string" and s:find("\0", 1, true) then error(fn .. ": " .. what .. " contains a NUL byte", 3) end
  return s
end

local asm_options = options { { "org", "integer" } }
function M.asm(isa, text, opts)
  opts = check_options("vlab.asm", opts, asm_options, 2)
  name_arg("vlab.asm", "isa", isa)
  assert(type(isa) == "string" and type(text) == "string", "vlab.asm: isa and source strings expected")
  local org = opts and opts.org or 0
  local out, len = ffi.new("uint8_t *[1]"), ffi.new("size_t[1]")
  local err = ffi.new("char[?]", ERRSZ)
  -- C would stop at a NUL byte: it is an error at its LINE:COL instead
  if C.vlab_asm_source(text, #text, err, ERRSZ) < 0 then error(ffi.string(err), 0) end
  if C.vlab_asm(isa, text, org, out, len, err, ERRSZ) < 0 then error(ffi.string(err), 0) end
  local s = ffi.string(out[0], len[0])
  C.vlab_free(out[0])
  return s
end

local disasm_options = options { { "bits", "integer" } }
function M.disasm(isa, bytes, addr, opts)
  name_arg("vlab.disasm", "isa", isa)
  if type(addr) == "table" and opts == nil then addr, opts = nil, addr end
  opts = check_options("vlab.disasm", opts, disasm_options, 2)
  local bits = opts.bits or 0
  if opts.bits ~= nil and bits ~= 16 and bits ~= 32 then
    error("vlab.disasm: bits must be 16 or 32 (got " .. tostring(bits) .. ")", 0)
  end
  local out = ffi.new("char[?]", 256)
  local n = C.vlab_disasm_bits(isa, bits, bytes, #bytes, addr or 0, out, 256)
  if n < 0 then error("vlab.disasm: " .. ffi.string(out), 0) end
  return ffi.string(out), n
end

local stop_fields = function(m, s)
  local t = { reason = ffi.string(C.vlab_stop_name(s.reason)), pc = u32(s.pc), vector = s.vector }
  if s.vector >= 0 then
    local name = C.vlab_vector_name(m, s.vector)
    if name ~= nil then t.name = ffi.string(name) end
    t.info = u32(C.vlab_stop_info(s))
  end
  if bit.band(s.flags, C.VLAB_STOP_HAS_CODE) ~= 0 then t.code = u32(s.code) end
  if bit.band(s.flags, C.VLAB_STOP_HAS_ADDR) ~= 0 then t.addr = u32(s.addr) end
  return t
end

-- The argument checks are the C library's (core/check.c), shared with the
-- Lua module: the same mistake reads the same in both.
local cerr = ffi.new("char[?]", ERRSZ)
local function checked(rc, level)
  if rc < 0 then error(ffi.string(cerr), level + 1) end
  return rc
end

local Machine = {}
local machine_mt = {}

local function regs_proxy(self)
  local m = self._m
  local function index_of(name)
    return checked(C.vlab_check_reg(m, tostring(name), cerr, ERRSZ), 3)
  end
  return setmetatable({}, {
    __index = function(_, k) return u32(C.vlab_reg_get(m, index_of(k))) end,
    __newindex = function(_, k, v)
      local i = index_of(k)
      checked(C.vlab_check_reg_value(m, i, v, cerr, ERRSZ), 2)
      C.vlab_reg_set(m, i, ffi.cast("uint32_t", v))
    end,
    __call = function()
      local t = {}
      for i = 0, C.vlab_reg_count(m) - 1 do t[ffi.string(C.vlab_reg_name(m, i))] = u32(C.vlab_reg_get(m, i)) end
      return t
    end,
  })
end

local machine_options = options { { "isa", "string" }, { "model", "string" }, { "ram", "integer" } }
function M.machine(opts)
  if type(opts) == "string" then opts = { isa = name_arg("vlab.machine", "isa", opts) } end
  opts = check_options("vlab.machine", opts, machine_options, 2)
  local isa, model = opts.isa, opts.model
  local err = ffi.new("char[?]", ERRSZ)
  if isa and isa:find(":") then
    local pi, pm = ffi.new("const char *[1]"), ffi.new("const char *[1]")
    if C.vlab_resolve(isa, pi, pm, err, ERRSZ) < 0 then error("vlab.machine: " .. ffi.string(err), 0) end
    isa, model = ffi.string(pi[0]), ffi.string(pm[0])
  end
  local m = C.vlab_machine_new(isa, model, opts.ram or 16 * 1024 * 1024, err, ERRSZ)
  if m == nil then error("vlab.machine: " .. ffi.string(err), 0) end
  ffi.gc(m, C.vlab_machine_free)
  local self = setmetatable({ _m = m, isa = ffi.string(C.vlab_machine_isa(m)),
                              model = ffi.string(C.vlab_machine_model(m)), ram = u32(C.vlab_ram_size(m)) },
                            machine_mt)
  rawset(self, "regs", regs_proxy(self))
  return self
end

machine_mt.__index = function(self, k)
  if k == "pc" then return u32(C.vlab_pc(self._m)) end
  return Machine[k]
end
machine_mt.__newindex = function(self, k, v)
  if k == "pc" then C.vlab_set_pc(self._m, v) return end
  error("machine: cannot set field '" .. tostring(k) .. "' (use m.pc or m.regs.NAME)", 2)
end

local function mem_ok(self, fn, addr, len)
  checked(C.vlab_check_mem(self._m, fn, addr, len, cerr, ERRSZ), 3)
end

function Machine:read(addr, len)
  mem_ok(self, "read", addr, len)
  local buf = ffi.new("uint8_t[?]", len)
  C.vlab_mem_read(self._m, addr, buf, len)
  return ffi.string(buf, len)
end
function Machine:write(addr, bytes)
  mem_ok(self, "write", addr, #bytes)
  C.vlab_mem_write(self._m, addr, bytes, #bytes)
end
local function getter(size, fn)
  return function(self, addr)
    mem_ok(self, fn, addr, size)
    local v = ffi.new("uint32_t[1]")
    C.vlab_mem_get(self._m, addr, size, v)
    return tonumber(v[0])
  end
end
local function setter(size, fn)
  return function(self, addr, value)
    checked(C.vlab_check_value(fn, value, size * 8, cerr, ERRSZ), 2)
    mem_ok(self, fn, addr, size)
    C.vlab_mem_set(self._m, addr, size, ffi.cast("uint32_t", value))
  end
end
Machine.read_u8, Machine.read_u16, Machine.read_u32 = getter(1, "read_u8"), getter(2, "read_u16"), getter(4, "read_u32")
Machine.write_u8, Machine.write_u16, Machine.write_u32 = setter(1, "write_u8"), setter(2, "write_u16"), setter(4, "write_u32")

function Machine:load(path, org)
  local err, entry = ffi.new("char[?]", ERRSZ), ffi.new("uint32_t[1]")
  if C.vlab_load(self._m, path, org or 0, entry, err, ERRSZ) < 0 then error("load: " .. ffi.string(err), 2) end
  return tonumber(entry[0])
end
function Machine:supervisor() return C.vlab_supervisor(self._m) ~= 0 end
function Machine:set_supervisor(on) C.vlab_set_supervisor(self._m, on and 1 or 0) end
function Machine:privilege() return C.vlab_privilege(self._m) end
function Machine:set_privilege(level)
  checked(C.vlab_check_privilege(self._m, level, cerr, ERRSZ), 2)
  C.vlab_set_privilege(self._m, level)
end
function Machine:step(n) return stop_fields(self._m, C.vlab_step(self._m, n or 1)) end
local run_options = options { { "max", "integer" }, { "until_pc", "integer" } }
function Machine:run(opts)
  if type(opts) == "number" then opts = { max = opts } end
  opts = check_options("run", opts, run_options, 2)
  local s = C.vlab_run(self._m, opts.max or 0, opts.until_pc and 1 or 0, opts.until_pc or 0)
  return stop_fields(self._m, s)
end
function Machine:console()
  local len = ffi.new("size_t[1]")
  local p = C.vlab_console(self._m, len)
  return ffi.string(p, len[0])
end
function Machine:clear_console() C.vlab_console_clear(self._m) end
function Machine:stats()
  local s = ffi.new("vlab_stats")
  C.vlab_get_stats(self._m, s)
  return { instructions = tonumber(s.instructions), exceptions = tonumber(s.exceptions),
           interrupts = tonumber(s.interrupts), mode_switches = tonumber(s.mode_switches) }
end
function Machine:reset() C.vlab_reset(self._m) end
function Machine:code_bits() return C.vlab_code_bits(self._m) end
function Machine:fetch(addr, len)
  if len < 0 or len > 4096 then error(string.format("fetch: length %d out of range (0 to 4096)", len), 2) end
  if len == 0 then return "" end
  local buf = ffi.new("uint8_t[?]", len)
  local n = C.vlab_read_virt(self._m, addr, buf, len, 1)
  return ffi.string(buf, n)
end
function Machine:disasm(addr, opts)
  opts = check_options("disasm", opts, disasm_options, 2)
  local bits = opts and opts.bits or C.vlab_code_bits(self._m)
  if bits ~= 16 and bits ~= 32 then error("disasm: bits must be 16 or 32 (got " .. tostring(bits) .. ")", 0) end
  local buf = ffi.new("uint8_t[16]")
  local n = C.vlab_read_virt(self._m, addr, buf, 16, 1)
  if n == 0 then error(string.format("disasm: no memory at 0x%08x as the CPU fetches it", addr), 0) end
  local out = ffi.new("char[256]")
  local len = C.vlab_disasm_bits(self.isa .. ":" .. self.model, bits, buf, n, addr, out, 256)
  if len < 0 then error("disasm: " .. ffi.string(out), 0) end
  return ffi.string(out), len
end

return M
