/* lua.c - the Lua API fuzz target (lua): an input is a sequence of calls
 * drawn from a grammar of the vlab module's functions and the methods of
 * machines, VMs and guests, with arguments good and bad, and callbacks that
 * collect garbage, drop the objects being run, re-enter other machines and
 * the running one, raise errors and stop runs.
 *
 * Each call runs in its own pcall, so the sequence goes on after an error.
 * Oracles: no crash and no sanitizer report (use-after-free, leaks); every
 * error is a string; after every run of a VM, vm:check() (resource
 * control) holds. A Lua count hook bounds the interpreter's work, and every
 * guest run has a budget (max > 0): an input cannot hang the target. The
 * reproducer prints the generated script, which `vlab run` runs as it is
 * (with __fuzz_fail replaced by error). */
#include "tests/fuzz/fuzz.h"
#include <lauxlib.h>
#include <lua.h>
#include <lualib.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

int luaopen_vlab(lua_State *L);

enum { MAX_CALLS = 48, LUA_STEPS = 2000000 };

/* The fixed part of every script: pools of objects (M machines, V VMs,
 * S byte strings, R sweep results, ID callback ids), argument pools, the
 * callbacks, and `call`, which runs one generated call under pcall. */
static const char prelude[] =
    "local vlab = require 'vlab'\n"
    "local M, V, S, R, ID = {}, {}, {}, {}, {}\n"
    "local FAIL = __fuzz_fail\n"
    "local ISA = { 'm68k', 'm68k:68010', 'ppc', 'x86', 'x86:pentium', '68010', 'ppc:750', 'nope', '', 'm68k:' }\n"
    "local RAM = { 65536, 4096, 65536, 1 << 20, 0, -1, 1 << 40, 3, 65536, 131072 }\n"
    "local TECH = { 'trap-and-emulate', 'hybrid', 'nope', 'trap-and-emulate' }\n"
    "local EV = { 'exception', 'mode', 'step', 'console', 'trap', 'nope' }\n"
    "local REG = { 'pc', 'sp', 'sr', 'd0', 'a7', 'vbr', 'msr', 'r3', 'srr0', 'eax', 'cpl', 'cr0', 'usp', 'nope' }\n"
    "local VAL = { 0, 1, 0x2000, 0x4000, 0x700, -1, 0xffffffff, 1 << 33, 0x1000, 0x8000 }\n"
    "local FMT = { 'md', 'csv', 'json', 'tex', 'html', 'nope' }\n"
    "local SRC = {\n"
    "  m68k = { 'top: move.w sr,d0\\nbra.s top\\n', 'trap #1\\nnop\\nstop #0x2000\\n', 'moveq #65,d0\\nmove.b d0,(0xdff000).l\\nillegal\\n',\n"
    "           'move.w #0x0700,sr\\nmove.w sr,d1\\nori.w #0x2000,sr\\n', 'x: x:\\n', 'move.q d0,d1\\n' },\n"
    "  ppc = { 'top: mfmsr 3\\nsc\\nb top\\n', 'li 3,65\\nmtmsr 3\\nrfi\\n', 'lis 4,0\\nmtspr 22,4\\nmfspr 5,287\\n', 'bogus 1,2\\n' },\n"
    "  x86 = { 'top: cli\\nhlt\\njmp top\\n', 'mov $65,%al\\nout %al,$0xe9\\nint $3\\n', 'pushf\\npop %eax\\nsti\\n', 'mov %eax\\n' },\n"
    "}\n"
    "local function isa_of(s) return (s:match('^([%w]+)') or 'm68k') end\n"
    "local function src(k, i) local t = SRC[isa_of(ISA[k])] or SRC.m68k; return t[(i % #t) + 1] end\n"
    "local function chk(vm)\n"
    "  if vm then local ok, why = vm:check(); if ok == false then FAIL('vm:check: ' .. tostring(why)) end end\n"
    "end\n"
    "local function chk_all() for _, vm in pairs(V) do chk(vm) end end\n"
    "local function guest(i) local vm = V[i]; return vm and vm.guest end\n"
    "local function any(i) if i % 2 == 0 then return M[(i >> 1) % 4 + 1] else return guest((i >> 1) % 4 + 1) end end\n"
    "local CB = {\n"
    "  function() collectgarbage() end,\n"
    "  function() V[1] = nil; M[1] = nil; collectgarbage() end,\n"
    "  function() error('boom') end,\n"
    "  function() return true end,\n"
    "  function() if V[2] then V[2]:run{ max = 50 }; chk(V[2]) end end,\n"
    "  function() if V[1] then V[1]:run{ max = 5 } end end,\n"
    "  function() if M[2] then M[2]:run{ max = 20 } end end,\n"
    "  function() M[3] = vlab.machine{ isa = 'm68k', ram = 4096 }; V[3] = nil; collectgarbage() end,\n"
    "  function() if M[1] then M[1]:reset() end; if V[1] then V[1]:reset() end end,\n"
    "  function() for k in pairs(V) do V[k] = nil end; collectgarbage() end,\n"
    "}\n"
    "local function call(f)\n"
    "  local ok, e = pcall(f)\n"
    "  if not ok and type(e) ~= 'string' then FAIL('an error that is not a string: ' .. type(e)) end\n"
    "end\n";

typedef struct sbuf {
    char *p;
    size_t n, cap;
} sbuf;

#if defined(__GNUC__)
__attribute__((format(printf, 2, 3)))
#endif
static void put(sbuf *b, const char *fmt, ...) {
    va_list ap;
    for (;;) {
        va_start(ap, fmt);
        int k = vsnprintf(b->p + b->n, b->cap - b->n, fmt, ap);
        va_end(ap);
        if (k < 0) return;
        if ((size_t)k < b->cap - b->n) {
            b->n += (size_t)k;
            return;
        }
        size_t cap = b->cap * 2 + (size_t)k + 64;
        char *q = realloc(b->p, cap);
        if (!q) return;
        b->p = q, b->cap = cap;
    }
}

/* One call of the grammar, from the input. */
static void gen_call(sbuf *b, fz_in *in) {
    unsigned op = fz_u8(in), i = fz_u8(in) % 4 + 1, j = fz_u8(in) % 4 + 1, k = fz_u8(in) % 10 + 1,
             x = fz_u8(in), y = fz_u8(in);
    unsigned max = 1u + (unsigned)fz_u16(in) % 5000, addr = (x << 8 | y) & 0xFFFC;
    put(b, "call(function() ");
    switch (op % 32) {
    case 0: put(b, "M[%u] = vlab.machine{ isa = ISA[%u], ram = RAM[%u] }", i, k, x % 10 + 1); break;
    case 1:
        put(b, "V[%u] = vlab.vmm{ isa = ISA[%u], ram = RAM[%u], technique = TECH[%u]%s }", i, k, x % 10 + 1,
            y % 4 + 1, y & 8 ? ", monitor = V[1]" : "");
        break;
    case 2: put(b, "S[%u] = vlab.asm(ISA[%u], src(%u, %u), { org = %u })", i, k, k, x, addr); break;
    case 3: put(b, "local t = any(%u); t:write(%u, S[%u] or ''); t.pc = %u", x, addr, j, addr); break;
    case 4: put(b, "local r = M[%u]:run{ max = %u }; assert(r.reason)", i, max); break;
    case 5: put(b, "V[%u]:run{ max = %u }; chk(V[%u])", i, max, i); break;
    case 6: put(b, "V[%u]:run_all{ slice = %u, max = %u }; chk_all()", i, 1u + x % 64, max); break;
    case 7: put(b, "ID[%u] = V[%u]:on('trap', CB[%u])", j, i, k); break;
    case 8: put(b, "ID[%u] = M[%u]:on(EV[%u], CB[%u])", j, i, x % 6 + 1, k); break;
    case 9: put(b, "ID[%u] = guest(%u):on(EV[%u], CB[%u])", j, i, x % 6 + 1, k); break;
    case 10: put(b, "(%s)[%u]:off(ID[%u])", x & 1 ? "M" : "V", i, j); break;
    case 11: put(b, "vlab.disasm(ISA[%u], S[%u] or '\\0\\0\\0\\0', %u)", k, j, addr); break;
    case 12: put(b, "any(%u):step(%u)", x, 1u + y % 64); break;
    case 13: put(b, "if %u %% 2 == 0 then M[%u]:reset() else V[%u]:reset(); chk(V[%u]) end", x, i, i, i); break;
    case 14: put(b, "local t = any(%u); t.regs[REG[%u]] = VAL[%u]; t:regs()", x, y % 14 + 1, k); break;
    case 15: put(b, "local t = any(%u); t:set_privilege(%d); t:set_supervisor(%s)", x, (int)(y % 5) - 1, y & 8 ? "true" : "false"); break;
    case 16: put(b, "vlab.compare(any(%u), any(%u))", x, y); break;
    case 17: put(b, "%s[%u] = nil; collectgarbage()", x & 1 ? "V" : "M", i); break;
    case 18: put(b, "local t = any(%u); t:read(%u, %u); t:read_u32(%u); t:write_u16(%u, VAL[%u])", x, addr, y, addr, addr, k); break;
    case 19: put(b, "V[%u]:set_cost{ trap = %u, interpret = VAL[%u] }; V[%u]:stats(); V[%u]:cost()", i, y, k, i, i); break;
    case 20:
        if ((x & 15) == 0) /* a sweep is slow: now and then, one form */
            put(b, "R[%u] = vlab.sweep{ isa = ISA[%u], states = %u, filter = 'move from', seed = %u }", j, k, 1u + y % 2, x);
        else
            put(b, "vlab.sweep{ isa = ISA[%u], states = %s, filter = 'zz' }", k, y & 1 ? "-1" : "(1 << 32) + 1");
        break;
    case 21: put(b, "vlab.table(R[%u] or { rows = %u }, FMT[%u], %s)", j, y, k % 6 + 1, x & 1 ? "true" : "nil"); break;
    case 22: put(b, "any(%u):load('%s', %u)", x, y & 1 ? "/dev/null" : "/nonexistent/vlab-fuzz", addr); break;
    case 23: put(b, "local t = any(%u); t:console(); t:clear_console(); t:stats(); t:disasm(%u)", x, addr); break;
    case 24: put(b, "V[%u].guest:run{ max = %u }; chk(V[%u])", i, max, i); break;
    case 25: put(b, "collectgarbage()"); break;
    case 26: put(b, "M[%u] = vlab.machine{ isa = ISA[%u], ram = 65536 }; M[%u]:write(0x1000, S[%u] or ''); M[%u].pc = 0x1000", i, k, i, j, i); break;
    case 27:
        put(b, "V[%u] = vlab.vmm{ isa = ISA[%u], ram = 65536%s }; V[%u].guest:write(0x1000, S[%u] or ''); V[%u].guest.pc = 0x1000",
            i, k, y & 1 ? ", monitor = V[2]" : "", i, j, i);
        break;
    case 28: put(b, "vlab.equivalence{ isa = ISA[%u], code = S[%u] or '', org = 0x1000, ram = 65536, max = %u }", k, j, max % 500 + 1); break;
    case 29: put(b, "local vm = V[%u]; V[%u] = nil; vm:run_all{ slice = %u, max = %u }; chk(vm)", i, i, 1u + x % 8, max); break;
    case 30: put(b, "vlab.models(ISA[%u]); vlab.isas(); vlab.asm(ISA[%u], '%s')", k, k, x & 1 ? "nop" : "\\0"); break;
    default: put(b, "any(%u):step(%u); chk(V[%u])", x, 1u + y % 8, i); break;
    }
    put(b, " end)\n");
}

typedef struct lua_fail {
    fz_ctx *c;
    const char *script;
} lua_fail;

static int l_fail(lua_State *L) {
    lua_fail *f = lua_touserdata(L, lua_upvalueindex(1));
    fprintf(stderr, "the script:\n%s\n", f->script);
    fz_fail(f->c, "%s", luaL_optstring(L, 1, "(no message)"));
}

static void count_hook(lua_State *L, lua_Debug *ar) {
    (void)ar;
    luaL_error(L, "fuzz: the script ran %d Lua instructions", LUA_STEPS);
}

static int lua_run(fz_ctx *c, const uint8_t *data, size_t size) {
    fz_in in = { data, size, 0 };
    sbuf b = { malloc(4096), 0, 4096 };
    if (!b.p) fz_fail(c, "out of memory");
    put(&b, "%s", prelude);
    for (int n = 0; n < MAX_CALLS && in.at < in.n; n++) gen_call(&b, &in);
    lua_State *L = luaL_newstate();
    if (!L) fz_fail(c, "luaL_newstate failed");
    luaL_openlibs(L);
    luaL_requiref(L, "vlab", luaopen_vlab, 0);
    lua_pop(L, 1);
    lua_fail f = { c, b.p };
    lua_pushlightuserdata(L, &f);
    lua_pushcclosure(L, l_fail, 1);
    lua_setglobal(L, "__fuzz_fail");
    lua_sethook(L, count_hook, LUA_MASKCOUNT, LUA_STEPS);
    if (luaL_loadbuffer(L, b.p, b.n, "=fuzz") != LUA_OK) {
        fprintf(stderr, "the script:\n%s\n", b.p);
        fz_fail(c, "the generated script does not compile: %s", lua_tostring(L, -1));
    }
    /* the script's own errors (the count hook) are fine: the calls ran */
    lua_pcall(L, 0, 0, 0);
    lua_close(L);
    free(b.p);
    return 0;
}

const fz_target fz_lua = { .name = "lua", .what = "random call sequences of the Lua API", .run = lua_run,
                           .max_len = 12 * MAX_CALLS };
