/* lvlab.c - the Lua 5.4 module `vlab` (DESIGN §4.2): ISAs and models, the
 * assembler and disassembler, and machines as full userdata.
 *
 * Every error is a string naming the function and what was wrong with which
 * argument; a guest can only ever produce a stop table, never a crash.
 * Callbacks installed with m:on() run inside the run loop under lua_pcall;
 * an error there stops the run and is raised again once the machine is back
 * in a clean state. */
#include <lauxlib.h>
#include <lua.h>
#include <lualib.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vlab.h"

#define MACHINE_MT "vlab.machine"
#define REGS_MT "vlab.regs"
#define LIVE_KEY "vlab.live" /* registry: weak table lightuserdata -> machine */
#define DEFAULT_RAM (16u << 20)

/* lua/lvmm.c (vlab.vmm, vlab.compare) relies on `m` being the first field. */
typedef struct lmachine {
    vlab_machine *m;  /* NULL once freed */
    lua_State *L;     /* the thread of the method that is running the machine */
    int next_id;
    bool busy;        /* inside run/step: no re-entry from a callback */
    bool failed;      /* a callback raised an error (kept in uservalue 2) */
    bool doomed;      /* collected or closed while running: free after the run */
} lmachine;

/* Uservalues of a machine: 1 = list of hooks { {id=, ev=, fn=}... },
 * 2 = pending callback error, 3 = the regs proxy. */
enum { UV_HOOKS = 1, UV_ERR = 2, UV_REGS = 3, UV_COUNT = 3 };

static const char *const event_names[] = { "exception", "mode", "step", "console", NULL };
static const int event_bits[] = { VLAB_EV_EXCEPTION, VLAB_EV_MODE, VLAB_EV_STEP, VLAB_EV_CONSOLE };

/* ---- helpers ------------------------------------------------------------------ */

/* Like luaL_error, without the caller's position: the message is the same
 * whichever way the function was called (DESIGN §4.2 gives the exact text). */
static int lerror(lua_State *L, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    lua_pushvfstring(L, fmt, ap);
    va_end(ap);
    return lua_error(L);
}

static uint32_t check_u32(lua_State *L, int arg, const char *fn, const char *what) {
    lua_Integer v = luaL_checkinteger(L, arg);
    if (v < 0 || v > 0xFFFFFFFFll)
        lerror(L, "%s: %s %I out of range (0 to 0xffffffff)", fn, what, (LUAI_UACINT)v);
    return (uint32_t)v;
}

/* Integer field of an options table, or dflt when absent. */
static lua_Integer opt_field_int(lua_State *L, int t, const char *field, const char *fn, lua_Integer dflt,
                                 bool *present) {
    lua_getfield(L, t, field);
    if (present) *present = !lua_isnil(L, -1);
    if (lua_isnil(L, -1)) {
        lua_pop(L, 1);
        return dflt;
    }
    int isnum = 0;
    lua_Integer v = lua_tointegerx(L, -1, &isnum);
    if (!isnum) {
        lerror(L, "%s: field '%s' must be an integer (got %s)", fn, field, luaL_typename(L, -1));
    }
    lua_pop(L, 1);
    return v;
}

static const char *opt_field_str(lua_State *L, int t, const char *field, const char *fn) {
    lua_getfield(L, t, field);
    if (lua_isnil(L, -1)) {
        lua_pop(L, 1);
        return NULL;
    }
    if (lua_type(L, -1) != LUA_TSTRING)
        lerror(L, "%s: field '%s' must be a string (got %s)", fn, field, luaL_typename(L, -1));
    const char *s = lua_tostring(L, -1);
    lua_pop(L, 1); /* the string stays alive in the table */
    return s;
}

/* ---- module functions ---------------------------------------------------------- */

static int l_isas(lua_State *L) {
    lua_newtable(L);
    const char *s;
    for (int i = 0; (s = vlab_isa_name(i)); i++) {
        lua_pushstring(L, s);
        lua_rawseti(L, -2, i + 1);
    }
    return 1;
}

static void push_known_isas(luaL_Buffer *b) {
    const char *s;
    for (int i = 0; (s = vlab_isa_name(i)); i++) {
        if (i) luaL_addstring(b, ", ");
        luaL_addstring(b, s);
    }
}

static int l_models(lua_State *L) {
    const char *isa = luaL_checkstring(L, 1);
    if (!vlab_model_name(isa, 0)) {
        luaL_Buffer b;
        luaL_buffinit(L, &b);
        luaL_addstring(&b, "vlab.models: unknown isa '");
        luaL_addstring(&b, isa);
        luaL_addstring(&b, "' (known: ");
        push_known_isas(&b);
        luaL_addstring(&b, ")");
        luaL_pushresult(&b);
        return lua_error(L);
    }
    lua_newtable(L);
    const char *s;
    for (int i = 0; (s = vlab_model_name(isa, i)); i++) {
        lua_pushstring(L, s);
        lua_rawseti(L, -2, i + 1);
    }
    return 1;
}

static int l_asm(lua_State *L) {
    const char *isa = luaL_checkstring(L, 1);
    size_t srclen;
    const char *src = luaL_checklstring(L, 2, &srclen);
    uint32_t org = 0;
    if (!lua_isnoneornil(L, 3)) {
        luaL_checktype(L, 3, LUA_TTABLE);
        lua_Integer o = opt_field_int(L, 3, "org", "vlab.asm", 0, NULL);
        if (o < 0 || o > 0xFFFFFFFFll) return lerror(L, "vlab.asm: org %I out of range", (LUAI_UACINT)o);
        org = (uint32_t)o;
    }
    if (strlen(src) != srclen) return lerror(L, "vlab.asm: source contains a NUL byte");
    const char *isa_name, *model;
    char err[512];
    if (vlab_resolve(isa, &isa_name, &model, err, sizeof err) < 0)
        return lerror(L, "vlab.asm: %s", err);
    uint8_t *out = NULL;
    size_t len = 0;
    if (vlab_asm(isa, src, org, &out, &len, err, sizeof err) < 0) {
        lua_pushstring(L, err); /* "line:col: message" as the contract says */
        return lua_error(L);
    }
    lua_pushlstring(L, (const char *)out, len);
    vlab_free(out);
    return 1;
}

static int l_disasm(lua_State *L) {
    const char *isa = luaL_checkstring(L, 1);
    size_t len;
    const char *bytes = luaL_checklstring(L, 2, &len);
    uint32_t addr = lua_isnoneornil(L, 3) ? 0 : check_u32(L, 3, "vlab.disasm", "address");
    char err[512];
    if (vlab_resolve(isa, NULL, NULL, err, sizeof err) < 0) return lerror(L, "vlab.disasm: %s", err);
    char text[256];
    int n = vlab_disasm(isa, (const uint8_t *)bytes, len, addr, text, sizeof text);
    if (n < 0) return lerror(L, "vlab.disasm: %s", text);
    lua_pushstring(L, text);
    lua_pushinteger(L, n);
    return 2;
}

/* ---- machines -------------------------------------------------------------------- */

static lmachine *checkm(lua_State *L, int idx) {
    lmachine *lm = luaL_checkudata(L, idx, MACHINE_MT);
    if (!lm->m) lerror(L, "machine: already freed");
    lm->L = L;
    return lm;
}

static int l_machine(lua_State *L) {
    const char *isa = NULL, *model = NULL;
    lua_Integer ram = DEFAULT_RAM;
    if (lua_type(L, 1) == LUA_TSTRING) {
        isa = lua_tostring(L, 1);
    } else if (!lua_isnoneornil(L, 1)) {
        luaL_checktype(L, 1, LUA_TTABLE);
        isa = opt_field_str(L, 1, "isa", "vlab.machine");
        model = opt_field_str(L, 1, "model", "vlab.machine");
        ram = opt_field_int(L, 1, "ram", "vlab.machine", DEFAULT_RAM, NULL);
    }
    char err[512];
    const char *isa_name = NULL, *model_name = NULL;
    if (isa && strchr(isa, ':')) {
        /* "m68k:68010": a model given both ways must agree */
        if (vlab_resolve(isa, &isa_name, &model_name, err, sizeof err) < 0)
            return lerror(L, "vlab.machine: %s", err);
        if (model && strcmp(model, model_name) != 0)
            return lerror(L, "vlab.machine: model '%s' and isa '%s' disagree", model, isa);
    } else if (!isa && !model) {
        luaL_Buffer b;
        luaL_buffinit(L, &b);
        luaL_addstring(&b, "vlab.machine: field 'isa' is required (known: ");
        push_known_isas(&b);
        luaL_addstring(&b, ")");
        luaL_pushresult(&b);
        return lua_error(L);
    } else if (isa && !model && !vlab_model_name(isa, 0) &&
               vlab_resolve(isa, &isa_name, &model_name, NULL, 0) == 0) {
        /* a model alone: { isa = "68010" } */
    } else {
        isa_name = isa;
        model_name = model;
    }
    if (ram <= 0 || ram > (1ll << 30))
        return lerror(L, "vlab.machine: ram must be 1 byte to 1 GiB (got %I)", (LUAI_UACINT)ram);

    lmachine *lm = lua_newuserdatauv(L, sizeof *lm, UV_COUNT);
    memset(lm, 0, sizeof *lm);
    luaL_setmetatable(L, MACHINE_MT);
    lm->m = vlab_machine_new(isa_name, model_name, (uint32_t)ram, err, sizeof err);
    if (!lm->m) return lerror(L, "vlab.machine: %s", err);
    lm->next_id = 1;
    lua_newtable(L);
    lua_setiuservalue(L, -2, UV_HOOKS);
    /* remember the machine for the hook trampoline (weak) */
    lua_getfield(L, LUA_REGISTRYINDEX, LIVE_KEY);
    lua_pushvalue(L, -2);
    lua_rawsetp(L, -2, lm);
    lua_pop(L, 1);
    return 1;
}

static int m_gc(lua_State *L) {
    lmachine *lm = luaL_checkudata(L, 1, MACHINE_MT);
    if (lm->busy) {
        lm->doomed = true;
        return 0;
    }
    if (lm->m) {
        vlab_set_hook(lm->m, 0, NULL, NULL);
        vlab_machine_free(lm->m);
        lm->m = NULL;
    }
    return 0;
}

static int m_tostring(lua_State *L) {
    lmachine *lm = luaL_checkudata(L, 1, MACHINE_MT);
    if (!lm->m) lua_pushstring(L, "vlab.machine (freed)");
    else
        lua_pushfstring(L, "vlab.machine %s:%s (%d bytes RAM)", vlab_machine_isa(lm->m), vlab_machine_model(lm->m),
                        (int)vlab_ram_size(lm->m));
    return 1;
}

/* luaL_error has no %x: format addresses ourselves. */
static int range_error(lua_State *L, lmachine *lm, const char *fn, lua_Integer addr, lua_Integer len) {
    char buf[200];
    uint32_t ram = vlab_ram_size(lm->m);
    if (addr < 0)
        snprintf(buf, sizeof buf, "%s: address %lld out of RAM (%u bytes)", fn, (long long)addr, ram);
    else if (addr >= (lua_Integer)ram)
        snprintf(buf, sizeof buf, "%s: address 0x%llx out of RAM (%u bytes)", fn, (unsigned long long)addr, ram);
    else if (len < 0)
        snprintf(buf, sizeof buf, "%s: length %lld is negative", fn, (long long)len);
    else
        snprintf(buf, sizeof buf, "%s: %lld bytes at 0x%llx run past the end of RAM (%u bytes)", fn, (long long)len,
                 (unsigned long long)addr, ram);
    lua_pushstring(L, buf);
    return lua_error(L);
}

static bool range_ok(lmachine *lm, lua_Integer addr, lua_Integer len) {
    lua_Integer ram = vlab_ram_size(lm->m);
    return addr >= 0 && len >= 0 && addr <= ram && len <= ram - addr; /* no overflow */
}

static int m_read(lua_State *L) {
    lmachine *lm = checkm(L, 1);
    lua_Integer addr = luaL_checkinteger(L, 2), len = luaL_checkinteger(L, 3);
    if (!range_ok(lm, addr, len) || (len == 0 && addr >= (lua_Integer)vlab_ram_size(lm->m)))
        return range_error(L, lm, "read", addr, len);
    luaL_Buffer b;
    char *p = luaL_buffinitsize(L, &b, (size_t)len);
    vlab_mem_read(lm->m, (uint32_t)addr, p, (size_t)len);
    luaL_pushresultsize(&b, (size_t)len);
    return 1;
}

static int m_write(lua_State *L) {
    lmachine *lm = checkm(L, 1);
    lua_Integer addr = luaL_checkinteger(L, 2);
    size_t len;
    const char *s = luaL_checklstring(L, 3, &len);
    if (!range_ok(lm, addr, (lua_Integer)len) || (len == 0 && addr >= (lua_Integer)vlab_ram_size(lm->m)))
        return range_error(L, lm, "write", addr, (lua_Integer)len);
    vlab_mem_write(lm->m, (uint32_t)addr, s, len);
    return 0;
}

static int read_n(lua_State *L, int size, const char *fn) {
    lmachine *lm = checkm(L, 1);
    lua_Integer addr = luaL_checkinteger(L, 2);
    uint32_t v;
    if (!range_ok(lm, addr, size) || vlab_mem_get(lm->m, (uint32_t)addr, size, &v) < 0)
        return range_error(L, lm, fn, addr, size);
    lua_pushinteger(L, v);
    return 1;
}

static int write_n(lua_State *L, int size, const char *fn) {
    lmachine *lm = checkm(L, 1);
    lua_Integer addr = luaL_checkinteger(L, 2), v = luaL_checkinteger(L, 3);
    lua_Integer lo = -(1ll << (size * 8 - 1)), hi = (1ll << (size * 8)) - 1;
    if (v < lo || v > hi) {
        char buf[160];
        snprintf(buf, sizeof buf, "%s: value %lld does not fit in %d bits", fn, (long long)v, size * 8);
        lua_pushstring(L, buf);
        return lua_error(L);
    }
    if (!range_ok(lm, addr, size) || vlab_mem_set(lm->m, (uint32_t)addr, size, (uint32_t)v) < 0)
        return range_error(L, lm, fn, addr, size);
    return 0;
}

static int m_read_u8(lua_State *L) { return read_n(L, 1, "read_u8"); }
static int m_read_u16(lua_State *L) { return read_n(L, 2, "read_u16"); }
static int m_read_u32(lua_State *L) { return read_n(L, 4, "read_u32"); }
static int m_write_u8(lua_State *L) { return write_n(L, 1, "write_u8"); }
static int m_write_u16(lua_State *L) { return write_n(L, 2, "write_u16"); }
static int m_write_u32(lua_State *L) { return write_n(L, 4, "write_u32"); }

static int m_load(lua_State *L) {
    lmachine *lm = checkm(L, 1);
    const char *path = luaL_checkstring(L, 2);
    uint32_t org = lua_isnoneornil(L, 3) ? 0 : check_u32(L, 3, "load", "org");
    uint32_t entry = 0;
    char err[512];
    if (vlab_load(lm->m, path, org, &entry, err, sizeof err) < 0) return lerror(L, "load: %s", err);
    lua_pushinteger(L, entry);
    return 1;
}

static int m_supervisor(lua_State *L) {
    lmachine *lm = checkm(L, 1);
    lua_pushboolean(L, vlab_supervisor(lm->m));
    return 1;
}

static int m_set_supervisor(lua_State *L) {
    lmachine *lm = checkm(L, 1);
    luaL_checkany(L, 2);
    vlab_set_supervisor(lm->m, lua_toboolean(L, 2));
    return 0;
}

static int m_console(lua_State *L) {
    lmachine *lm = checkm(L, 1);
    size_t len;
    const char *s = vlab_console(lm->m, &len);
    lua_pushlstring(L, s, len);
    return 1;
}

static int m_clear_console(lua_State *L) {
    lmachine *lm = checkm(L, 1);
    vlab_console_clear(lm->m);
    return 0;
}

static int m_stats(lua_State *L) {
    lmachine *lm = checkm(L, 1);
    vlab_stats s;
    vlab_get_stats(lm->m, &s);
    lua_createtable(L, 0, 4);
    lua_pushinteger(L, (lua_Integer)s.instructions);
    lua_setfield(L, -2, "instructions");
    lua_pushinteger(L, (lua_Integer)s.exceptions);
    lua_setfield(L, -2, "exceptions");
    lua_pushinteger(L, (lua_Integer)s.interrupts);
    lua_setfield(L, -2, "interrupts");
    lua_pushinteger(L, (lua_Integer)s.mode_switches);
    lua_setfield(L, -2, "mode_switches");
    return 1;
}

static int m_reset(lua_State *L) {
    lmachine *lm = checkm(L, 1);
    if (lm->busy) return lerror(L, "reset: the machine is running (called from a callback)");
    vlab_reset(lm->m);
    return 0;
}

static int m_disasm(lua_State *L) {
    lmachine *lm = checkm(L, 1);
    lua_Integer addr = luaL_checkinteger(L, 2);
    if (!range_ok(lm, addr, 1)) return range_error(L, lm, "disasm", addr, 1);
    uint8_t buf[16];
    size_t n = vlab_ram_size(lm->m) - (uint32_t)addr;
    if (n > sizeof buf) n = sizeof buf;
    vlab_mem_read(lm->m, (uint32_t)addr, buf, n);
    char isa[80], text[256];
    snprintf(isa, sizeof isa, "%s:%s", vlab_machine_isa(lm->m), vlab_machine_model(lm->m));
    int len = vlab_disasm(isa, buf, n, (uint32_t)addr, text, sizeof text);
    if (len < 0) return lerror(L, "disasm: %s", text);
    lua_pushstring(L, text);
    lua_pushinteger(L, len);
    return 2;
}

/* ---- hooks ----------------------------------------------------------------------------- */

static unsigned hooks_mask(lua_State *L, int hooks) {
    unsigned mask = 0;
    lua_Integer n = luaL_len(L, hooks);
    for (lua_Integer i = 1; i <= n; i++) {
        lua_rawgeti(L, hooks, i);
        lua_getfield(L, -1, "ev");
        mask |= (unsigned)lua_tointeger(L, -1);
        lua_pop(L, 2);
    }
    return mask;
}

static void push_event(lua_State *L, lmachine *lm, int event, uint32_t a, uint32_t b) {
    lua_newtable(L);
    switch (event) {
    case VLAB_EV_EXCEPTION: {
        lua_pushinteger(L, (lua_Integer)a);
        lua_setfield(L, -2, "vector");
        lua_pushinteger(L, b);
        lua_setfield(L, -2, "pc");
        const char *name = vlab_vector_name(lm->m, (int)a);
        if (name) {
            lua_pushstring(L, name);
            lua_setfield(L, -2, "name");
        }
        lua_pushstring(L, "exception");
        break;
    }
    case VLAB_EV_MODE:
        lua_pushstring(L, vlab_supervisor(lm->m) ? "supervisor" : "user");
        lua_setfield(L, -2, "mode");
        lua_pushinteger(L, (lua_Integer)a);
        lua_setfield(L, -2, "level");
        lua_pushinteger(L, b);
        lua_setfield(L, -2, "pc");
        lua_pushstring(L, "mode");
        break;
    case VLAB_EV_STEP:
        lua_pushinteger(L, b);
        lua_setfield(L, -2, "pc");
        lua_pushstring(L, "step");
        break;
    default: {
        char c = (char)a;
        lua_pushlstring(L, &c, 1);
        lua_setfield(L, -2, "char");
        lua_pushinteger(L, (lua_Integer)(a & 0xFF));
        lua_setfield(L, -2, "byte");
        lua_pushstring(L, "console");
        break;
    }
    }
    lua_setfield(L, -2, "event");
}

/* The C hook: calls every Lua callback for the event, in installation order. */
static int hook_trampoline(void *ctx, int event, uint32_t a, uint32_t b) {
    lmachine *lm = ctx;
    lua_State *L = lm->L;
    if (!L || lm->failed) return 1;
    if (!lua_checkstack(L, 8)) return 1;
    int top = lua_gettop(L);
    lua_getfield(L, LUA_REGISTRYINDEX, LIVE_KEY);
    if (lua_rawgetp(L, -1, lm) != LUA_TUSERDATA) {
        lua_settop(L, top);
        return 0;
    }
    int ud = lua_gettop(L);
    lua_getiuservalue(L, ud, UV_HOOKS);
    int hooks = lua_gettop(L);
    /* copy the callbacks first: a callback may call m:off() */
    lua_newtable(L);
    int list = lua_gettop(L), n = 0;
    lua_Integer len = (lua_Integer)lua_rawlen(L, hooks);
    for (lua_Integer i = 1; i <= len; i++) {
        lua_rawgeti(L, hooks, i);
        lua_getfield(L, -1, "ev");
        int ev = (int)lua_tointeger(L, -1);
        lua_pop(L, 1);
        if (ev & event) {
            lua_getfield(L, -1, "fn");
            lua_rawseti(L, list, ++n);
        }
        lua_pop(L, 1);
    }
    int stop = 0;
    for (int i = 1; i <= n && !stop; i++) {
        lua_rawgeti(L, list, i);
        push_event(L, lm, event, a, b);
        if (lua_pcall(L, 1, 1, 0) != LUA_OK) {
            lua_setiuservalue(L, ud, UV_ERR);
            lm->failed = true;
            stop = 1;
        } else {
            if (lua_toboolean(L, -1)) stop = 1;
            lua_pop(L, 1);
        }
    }
    lua_settop(L, top);
    return stop;
}

static int m_on(lua_State *L) {
    lmachine *lm = checkm(L, 1);
    const char *ev = luaL_checkstring(L, 2);
    luaL_checktype(L, 3, LUA_TFUNCTION);
    int bit = 0;
    for (int i = 0; event_names[i]; i++)
        if (strcmp(ev, event_names[i]) == 0) bit = event_bits[i];
    if (!bit) return lerror(L, "on: unknown event '%s' (known: exception, mode, step, console)", ev);
    lua_getiuservalue(L, 1, UV_HOOKS);
    int hooks = lua_gettop(L);
    lua_createtable(L, 0, 3);
    lua_pushinteger(L, lm->next_id);
    lua_setfield(L, -2, "id");
    lua_pushinteger(L, bit);
    lua_setfield(L, -2, "ev");
    lua_pushvalue(L, 3);
    lua_setfield(L, -2, "fn");
    lua_rawseti(L, hooks, (lua_Integer)lua_rawlen(L, hooks) + 1);
    vlab_set_hook(lm->m, hooks_mask(L, hooks), hook_trampoline, lm);
    lua_pushinteger(L, lm->next_id++);
    return 1;
}

static int m_off(lua_State *L) {
    lmachine *lm = checkm(L, 1);
    lua_Integer id = luaL_checkinteger(L, 2);
    lua_getiuservalue(L, 1, UV_HOOKS);
    int hooks = lua_gettop(L);
    lua_Integer len = (lua_Integer)lua_rawlen(L, hooks);
    bool found = false;
    for (lua_Integer i = 1; i <= len; i++) {
        lua_rawgeti(L, hooks, i);
        lua_getfield(L, -1, "id");
        bool hit = lua_tointeger(L, -1) == id;
        lua_pop(L, 2);
        if (hit) {
            for (lua_Integer j = i; j < len; j++) {
                lua_rawgeti(L, hooks, j + 1);
                lua_rawseti(L, hooks, j);
            }
            lua_pushnil(L);
            lua_rawseti(L, hooks, len);
            found = true;
            break;
        }
    }
    unsigned mask = hooks_mask(L, hooks);
    vlab_set_hook(lm->m, mask, mask ? hook_trampoline : NULL, lm);
    lua_pushboolean(L, found);
    return 1;
}

/* ---- running ------------------------------------------------------------------------------ */

static void push_stop(lua_State *L, lmachine *lm, vlab_stop s, uint64_t done) {
    lua_createtable(L, 0, 6);
    lua_pushstring(L, vlab_stop_name(s.reason));
    lua_setfield(L, -2, "reason");
    lua_pushinteger(L, s.pc);
    lua_setfield(L, -2, "pc");
    lua_pushinteger(L, s.vector);
    lua_setfield(L, -2, "vector");
    if (s.vector >= 0) {
        const char *name = lm->m ? vlab_vector_name(lm->m, s.vector) : NULL;
        if (name) {
            lua_pushstring(L, name);
            lua_setfield(L, -2, "name");
        }
        lua_pushinteger(L, s.info);
        lua_setfield(L, -2, "info");
    }
    lua_pushinteger(L, (lua_Integer)done);
    lua_setfield(L, -2, "instructions");
}

/* Run with the callbacks armed; raise a callback's error after the stop. */
static int do_run(lua_State *L, lmachine *lm, const char *fn, bool step, uint64_t n, int has_until,
                  uint32_t until_pc) {
    if (lm->busy) return lerror(L, "%s: the machine is already running (called from a callback)", fn);
    vlab_stats before, after;
    vlab_get_stats(lm->m, &before);
    lm->busy = true;
    lm->failed = false;
    vlab_stop s = step ? vlab_step(lm->m, n) : vlab_run(lm->m, n, has_until, until_pc);
    lm->busy = false;
    if (lm->doomed) {
        vlab_get_stats(lm->m, &after);
        vlab_set_hook(lm->m, 0, NULL, NULL);
        vlab_machine_free(lm->m);
        lm->m = NULL;
    }
    if (lm->failed) {
        lm->failed = false;
        lua_getiuservalue(L, 1, UV_ERR);
        lua_pushnil(L);
        lua_setiuservalue(L, 1, UV_ERR);
        return lua_error(L);
    }
    if (lm->m) vlab_get_stats(lm->m, &after);
    push_stop(L, lm, s, after.instructions - before.instructions);
    return 1;
}

static int m_step(lua_State *L) {
    lmachine *lm = checkm(L, 1);
    lua_Integer n = luaL_optinteger(L, 2, 1);
    if (n < 0) return lerror(L, "step: count %I is negative", (LUAI_UACINT)n);
    return do_run(L, lm, "step", true, (uint64_t)n, 0, 0);
}

static int m_run(lua_State *L) {
    lmachine *lm = checkm(L, 1);
    lua_Integer max = 0;
    bool has_until = false;
    lua_Integer until = 0;
    if (lua_type(L, 2) == LUA_TNUMBER) {
        max = luaL_checkinteger(L, 2);
    } else if (!lua_isnoneornil(L, 2)) {
        luaL_checktype(L, 2, LUA_TTABLE);
        max = opt_field_int(L, 2, "max", "run", 0, NULL);
        until = opt_field_int(L, 2, "until_pc", "run", 0, &has_until);
    }
    if (max < 0) return lerror(L, "run: max %I is negative", (LUAI_UACINT)max);
    if (has_until && (until < 0 || until > 0xFFFFFFFFll))
        return lerror(L, "run: until_pc %I out of range", (LUAI_UACINT)until);
    return do_run(L, lm, "run", false, (uint64_t)max, has_until, (uint32_t)until);
}

/* ---- registers: m.regs.d0, m.regs.sr = x, m:regs() ------------------------------------------- */

static int reg_index_or_error(lua_State *L, lmachine *lm, const char *name) {
    int idx = vlab_reg_index(lm->m, name);
    if (idx < 0) lerror(L, "regs: unknown register '%s' for %s", name, vlab_machine_isa(lm->m));
    return idx;
}

static void set_reg(lua_State *L, lmachine *lm, int idx, int varg) {
    int isnum = 0;
    lua_Integer v = lua_tointegerx(L, varg, &isnum);
    const char *name = vlab_reg_name(lm->m, idx);
    if (!isnum)
        lerror(L, "regs: value for '%s' must be an integer (got %s)", name, luaL_typename(L, varg));
    int w = vlab_reg_width(lm->m, idx);
    if (w <= 0 || w > 32) w = 32;
    lua_Integer hi = (lua_Integer)((1ull << w) - 1), lo = -(lua_Integer)(1ull << (w - 1));
    if (v < lo || v > hi) {
        char buf[200];
        snprintf(buf, sizeof buf, "regs: value %lld does not fit register '%s' (%d bits)", (long long)v, name, w);
        lua_pushstring(L, buf);
        lua_error(L);
    }
    vlab_reg_set(lm->m, idx, (uint32_t)v);
}

static lmachine *regs_machine(lua_State *L) {
    luaL_checkudata(L, 1, REGS_MT);
    lua_getiuservalue(L, 1, 1);
    lmachine *lm = checkm(L, -1);
    lua_pop(L, 1);
    return lm;
}

static int regs_index(lua_State *L) {
    lmachine *lm = regs_machine(L);
    const char *name = luaL_checkstring(L, 2);
    lua_pushinteger(L, vlab_reg_get(lm->m, reg_index_or_error(L, lm, name)));
    return 1;
}

static int regs_newindex(lua_State *L) {
    lmachine *lm = regs_machine(L);
    const char *name = luaL_checkstring(L, 2);
    set_reg(L, lm, reg_index_or_error(L, lm, name), 3);
    return 0;
}

static int regs_call(lua_State *L) {
    lmachine *lm = regs_machine(L);
    int n = vlab_reg_count(lm->m);
    lua_createtable(L, 0, n);
    for (int i = 0; i < n; i++) {
        lua_pushinteger(L, vlab_reg_get(lm->m, i));
        lua_setfield(L, -2, vlab_reg_name(lm->m, i));
    }
    return 1;
}

static int regs_next(lua_State *L) {
    lmachine *lm = regs_machine(L);
    int i = lua_isnil(L, 2) ? 0 : vlab_reg_index(lm->m, luaL_checkstring(L, 2)) + 1;
    if (i <= 0 && !lua_isnil(L, 2)) return 0;
    if (i >= vlab_reg_count(lm->m)) return 0;
    lua_pushstring(L, vlab_reg_name(lm->m, i));
    lua_pushinteger(L, vlab_reg_get(lm->m, i));
    return 2;
}

static int regs_pairs(lua_State *L) {
    regs_machine(L);
    lua_pushcfunction(L, regs_next);
    lua_pushvalue(L, 1);
    lua_pushnil(L);
    return 3;
}

static int regs_tostring(lua_State *L) {
    lmachine *lm = regs_machine(L);
    lua_pushfstring(L, "vlab.regs of %s:%s", vlab_machine_isa(lm->m), vlab_machine_model(lm->m));
    return 1;
}

static void push_regs_proxy(lua_State *L, int mach) {
    if (lua_getiuservalue(L, mach, UV_REGS) == LUA_TUSERDATA) return;
    lua_pop(L, 1);
    lua_newuserdatauv(L, 1, 1);
    luaL_setmetatable(L, REGS_MT);
    lua_pushvalue(L, mach);
    lua_setiuservalue(L, -2, 1);
    lua_pushvalue(L, -1);
    lua_setiuservalue(L, mach, UV_REGS);
}

/* ---- machine fields ------------------------------------------------------------------------------ */

static const luaL_Reg machine_methods[] = {
    { "read", m_read },         { "write", m_write },
    { "read_u8", m_read_u8 },   { "read_u16", m_read_u16 },
    { "read_u32", m_read_u32 }, { "write_u8", m_write_u8 },
    { "write_u16", m_write_u16 }, { "write_u32", m_write_u32 },
    { "load", m_load },         { "supervisor", m_supervisor },
    { "set_supervisor", m_set_supervisor }, { "step", m_step },
    { "run", m_run },           { "on", m_on },
    { "off", m_off },           { "console", m_console },
    { "clear_console", m_clear_console }, { "stats", m_stats },
    { "reset", m_reset },       { "disasm", m_disasm },
    { NULL, NULL },
};

static int m_index(lua_State *L) {
    lmachine *lm = checkm(L, 1);
    const char *k = luaL_checkstring(L, 2);
    if (strcmp(k, "pc") == 0) {
        lua_pushinteger(L, vlab_pc(lm->m));
    } else if (strcmp(k, "regs") == 0) {
        push_regs_proxy(L, 1);
    } else if (strcmp(k, "isa") == 0) {
        lua_pushstring(L, vlab_machine_isa(lm->m));
    } else if (strcmp(k, "model") == 0) {
        lua_pushstring(L, vlab_machine_model(lm->m));
    } else if (strcmp(k, "ram") == 0) {
        lua_pushinteger(L, vlab_ram_size(lm->m));
    } else if (strcmp(k, "mmio_base") == 0) {
        lua_pushinteger(L, vlab_mmio_base(lm->m));
    } else {
        lua_getfield(L, lua_upvalueindex(1), k); /* methods, or nil */
    }
    return 1;
}

static int m_newindex(lua_State *L) {
    lmachine *lm = checkm(L, 1);
    const char *k = luaL_checkstring(L, 2);
    if (strcmp(k, "pc") == 0) {
        lua_Integer v = luaL_checkinteger(L, 3);
        if (v < 0 || v > 0xFFFFFFFFll) return lerror(L, "pc: value %I out of range", (LUAI_UACINT)v);
        vlab_set_pc(lm->m, (uint32_t)v);
        return 0;
    }
    return lerror(L, "machine: cannot set field '%s' (use m.pc or m.regs.NAME)", k);
}

/* The monitor's part of the module (lua/lvmm.c): sets vlab.vmm, vlab.compare...
 * on the module table at the top of the stack. */
int vl_lua_open_vmm(lua_State *L);
/* The sweep's part (lua/lsweep.c): vlab.sweep and vlab.table. */
int vl_lua_open_sweep(lua_State *L);

int luaopen_vlab(lua_State *L) {
    /* the weak registry of live machines for the hook trampoline */
    if (lua_getfield(L, LUA_REGISTRYINDEX, LIVE_KEY) != LUA_TTABLE) {
        lua_pop(L, 1);
        lua_newtable(L);
        lua_createtable(L, 0, 1);
        lua_pushstring(L, "v");
        lua_setfield(L, -2, "__mode");
        lua_setmetatable(L, -2);
        lua_setfield(L, LUA_REGISTRYINDEX, LIVE_KEY);
    } else {
        lua_pop(L, 1);
    }

    if (luaL_newmetatable(L, MACHINE_MT)) {
        luaL_newlib(L, machine_methods);
        lua_pushcclosure(L, m_index, 1);
        lua_setfield(L, -2, "__index");
        lua_pushcfunction(L, m_newindex);
        lua_setfield(L, -2, "__newindex");
        lua_pushcfunction(L, m_gc);
        lua_setfield(L, -2, "__gc");
        lua_pushcfunction(L, m_gc);
        lua_setfield(L, -2, "__close");
        lua_pushcfunction(L, m_tostring);
        lua_setfield(L, -2, "__tostring");
        lua_pushstring(L, "vlab.machine");
        lua_setfield(L, -2, "__metatable");
    }
    lua_pop(L, 1);
    if (luaL_newmetatable(L, REGS_MT)) {
        const luaL_Reg r[] = { { "__index", regs_index }, { "__newindex", regs_newindex },
                               { "__call", regs_call },   { "__pairs", regs_pairs },
                               { "__tostring", regs_tostring }, { NULL, NULL } };
        luaL_setfuncs(L, r, 0);
        lua_pushstring(L, "vlab.regs");
        lua_setfield(L, -2, "__metatable");
    }
    lua_pop(L, 1);

    const luaL_Reg fns[] = {
        { "isas", l_isas },     { "models", l_models }, { "asm", l_asm },
        { "disasm", l_disasm }, { "machine", l_machine }, { NULL, NULL },
    };
    luaL_newlib(L, fns);
    lua_pushstring(L, vlab_version());
    lua_setfield(L, -2, "version");
    int top = lua_gettop(L);
    vl_lua_open_vmm(L);
    lua_settop(L, top);
    vl_lua_open_sweep(L);
    lua_settop(L, top);
    return 1;
}
