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

#include "core/asm.h"
#include "lua/lview.h"
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

static uint32_t check_u32(lua_State *L, int arg, const char *fn, const char *what) {
    lua_Integer v = luaL_checkinteger(L, arg);
    if (v < 0 || v > 0xFFFFFFFFll)
        luaL_error(L, "%s: %s %I out of range (0 to 0xffffffff)", fn, what, (LUAI_UACINT)v);
    return (uint32_t)v;
}

lua_Integer vl_lua_opt_int(lua_State *L, int t, const char *field, const char *fn, lua_Integer dflt, bool *present) {
    lua_getfield(L, t, field);
    if (present) *present = !lua_isnil(L, -1);
    if (lua_isnil(L, -1)) {
        lua_pop(L, 1);
        return dflt;
    }
    int isnum = 0;
    lua_Integer v = lua_tointegerx(L, -1, &isnum);
    if (!isnum) luaL_error(L, "%s: field '%s' must be an integer (got %s)", fn, field, luaL_typename(L, -1));
    lua_pop(L, 1);
    return v;
}

const char *vl_lua_checkname(lua_State *L, int arg, const char *fn, const char *what) {
    size_t len;
    const char *s = luaL_checklstring(L, arg, &len);
    /* C reads up to the NUL: "m68k\0x" must not pass for "m68k" */
    if (strlen(s) != len) luaL_error(L, "%s: %s contains a NUL byte", fn, what);
    return s;
}

const char *vl_lua_opt_str(lua_State *L, int t, const char *field, const char *fn) {
    lua_getfield(L, t, field);
    if (lua_isnil(L, -1)) {
        lua_pop(L, 1);
        return NULL;
    }
    if (lua_type(L, -1) != LUA_TSTRING)
        luaL_error(L, "%s: field '%s' must be a string (got %s)", fn, field, luaL_typename(L, -1));
    size_t len;
    const char *s = lua_tolstring(L, -1, &len);
    if (strlen(s) != len) luaL_error(L, "%s: field '%s' contains a NUL byte", fn, field);
    lua_pop(L, 1); /* the string stays alive in the table */
    return s;
}

void vl_lua_add_options(lua_State *L, int mod, const char *fn, const vlab_option *opts) {
    mod = lua_absindex(L, mod);
    if (lua_getfield(L, mod, "options") != LUA_TTABLE) {
        lua_pop(L, 1);
        lua_newtable(L);
        lua_pushvalue(L, -1);
        lua_setfield(L, mod, "options");
    }
    lua_newtable(L);
    for (int i = 0; opts[i].name; i++) {
        lua_pushstring(L, opts[i].name);
        lua_rawseti(L, -2, i + 1);
    }
    lua_setfield(L, -2, fn);
    lua_pop(L, 1);
}

void vl_lua_check_opts(lua_State *L, int t, const char *fn, const vlab_option *opts) {
    t = lua_absindex(L, t);
    lua_pushnil(L);
    while (lua_next(L, t)) {
        unsigned got = 0;
        int isint = 0;
        switch (lua_type(L, -1)) {
        case LUA_TNUMBER:
            lua_tointegerx(L, -1, &isint);
            got = VLAB_OPT_NUMBER | (isint ? VLAB_OPT_INTEGER : 0u);
            break;
        case LUA_TSTRING: got = VLAB_OPT_STRING; break; /* bytes too: a name's NUL is vl_lua_opt_str's */
        case LUA_TBOOLEAN: got = VLAB_OPT_BOOLEAN; break;
        case LUA_TTABLE: got = VLAB_OPT_TABLE; break;
        case LUA_TFUNCTION: got = VLAB_OPT_FUNCTION; break;
        case LUA_TUSERDATA: got = VLAB_OPT_OBJECT; break;
        }
        bool named = lua_type(L, -2) == LUA_TSTRING;
        /* a key that is not a name is shown as Lua would index it: [1] */
        const char *key = named ? lua_tostring(L, -2)
                                : lua_pushfstring(L, "[%s]", luaL_tolstring(L, -2, NULL));
        /* (an unnamed key is always refused: the error ends the loop) */
        char err[768];
        if (vlab_option_check(fn, opts, key, named, got, luaL_typename(L, named ? -1 : -3), err, sizeof err) < 0)
            luaL_error(L, "%s", err);
        lua_pop(L, 1); /* the value; the key stays for lua_next */
    }
}

static lua_Integer opt_field_int(lua_State *L, int t, const char *field, const char *fn, lua_Integer dflt,
                                 bool *present) {
    return vl_lua_opt_int(L, t, field, fn, dflt, present);
}

static const char *opt_field_str(lua_State *L, int t, const char *field, const char *fn) {
    return vl_lua_opt_str(L, t, field, fn);
}

/* m:run, vm:run and vm.guest:run read these (below) */
const vlab_option vl_run_options[] = {
    { "max", VLAB_OPT_INTEGER }, { "until_pc", VLAB_OPT_INTEGER }, { NULL, 0 }
};

int vl_lua_run_args(lua_State *L, int arg, const char *fn, uint64_t *max, int *has_until,
                    uint32_t *until_pc) {
    lua_Integer n = 0, until = 0;
    bool has = false, has_max = false;
    if (lua_type(L, arg) == LUA_TNUMBER) {
        n = luaL_checkinteger(L, arg);
        has_max = true;
    } else if (!lua_isnoneornil(L, arg)) {
        luaL_checktype(L, arg, LUA_TTABLE);
        vl_lua_check_opts(L, arg, fn, vl_run_options);
        n = vl_lua_opt_int(L, arg, "max", fn, 0, &has_max);
        until = vl_lua_opt_int(L, arg, "until_pc", fn, 0, &has);
    }
    if (n < 0) luaL_error(L, "%s: max %I is negative", fn, (LUAI_UACINT)n);
    if (has && (until < 0 || until > 0xFFFFFFFFll))
        luaL_error(L, "%s: until_pc %I out of range", fn, (LUAI_UACINT)until);
    *max = (uint64_t)n;
    *has_until = has;
    *until_pc = (uint32_t)until;
    return has_max && n == 0; /* max = 0: no instruction (no max: no limit) */
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
    const char *isa = vl_lua_checkname(L, 1, "vlab.models", "isa");
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

/* vlab.check_options(fn, opts, { "name:kind", ... }): the module's strict
 * check for a Lua library's own options tables (scripts/labkit.lua), so that
 * a typo there reads as it does here. kind: integer, number, string,
 * boolean, table, function or object, several joined by '|'. Returns opts,
 * or an empty table for nil. */
static int l_check_options(lua_State *L) {
    const char *fn = vl_lua_checkname(L, 1, "vlab.check_options", "function name");
    luaL_checktype(L, 3, LUA_TTABLE);
    enum { MAX_OPTS = 64 };
    vlab_option opts[MAX_OPTS + 1];
    char names[MAX_OPTS][64];
    static const struct { const char *name; unsigned bit; } kinds[] = {
        { "integer", VLAB_OPT_INTEGER }, { "number", VLAB_OPT_NUMBER },     { "string", VLAB_OPT_STRING },
        { "boolean", VLAB_OPT_BOOLEAN }, { "table", VLAB_OPT_TABLE },       { "function", VLAB_OPT_FUNCTION },
        { "object", VLAB_OPT_OBJECT },
    };
    lua_Integer n = (lua_Integer)lua_rawlen(L, 3);
    if (n > MAX_OPTS) return luaL_error(L, "vlab.check_options: more than %d options", MAX_OPTS);
    for (lua_Integer i = 1; i <= n; i++) {
        lua_rawgeti(L, 3, i);
        const char *spec = lua_tostring(L, -1);
        const char *colon = spec ? strchr(spec, ':') : NULL;
        if (!colon || colon == spec || (size_t)(colon - spec) >= sizeof names[0])
            return luaL_error(L, "vlab.check_options: option %d must be \"name:kind\"", (int)i);
        memcpy(names[i - 1], spec, (size_t)(colon - spec));
        names[i - 1][colon - spec] = 0;
        unsigned bits = 0;
        for (const char *k = colon + 1; *k;) {
            size_t len = strcspn(k, "|");
            unsigned bit = 0;
            for (size_t j = 0; j < sizeof kinds / sizeof kinds[0]; j++)
                if (strlen(kinds[j].name) == len && !strncmp(kinds[j].name, k, len)) bit = kinds[j].bit;
            if (!bit)
                return luaL_error(L, "vlab.check_options: unknown kind '%s' (known: integer, number, string, "
                                     "boolean, table, function, object)", k);
            bits |= bit;
            k += len + (k[len] == '|');
        }
        opts[i - 1] = (vlab_option){ names[i - 1], bits };
        lua_pop(L, 1);
    }
    opts[n] = (vlab_option){ NULL, 0 };
    if (lua_isnoneornil(L, 2)) {
        lua_newtable(L);
        return 1;
    }
    luaL_checktype(L, 2, LUA_TTABLE);
    vl_lua_check_opts(L, 2, fn, opts);
    lua_settop(L, 2);
    return 1;
}

/* vlab.asm(isa, source, { org = }) */
static const vlab_option asm_options[] = { { "org", VLAB_OPT_INTEGER }, { NULL, 0 } };

static int l_asm(lua_State *L) {
    const char *isa = vl_lua_checkname(L, 1, "vlab.asm", "isa");
    size_t srclen;
    const char *src = luaL_checklstring(L, 2, &srclen);
    uint32_t org = 0;
    if (!lua_isnoneornil(L, 3)) {
        luaL_checktype(L, 3, LUA_TTABLE);
        vl_lua_check_opts(L, 3, "vlab.asm", asm_options);
        lua_Integer o = opt_field_int(L, 3, "org", "vlab.asm", 0, NULL);
        if (o < 0 || o > 0xFFFFFFFFll) return luaL_error(L, "vlab.asm: org %I out of range", (LUAI_UACINT)o);
        org = (uint32_t)o;
    }
    const char *isa_name, *model;
    char err[512];
    if (asm_nul_error(src, srclen, err, sizeof err)) { /* "line:col: ..." as every assembly error */
        lua_pushstring(L, err);
        return lua_error(L);
    }
    if (vlab_resolve(isa, &isa_name, &model, err, sizeof err) < 0)
        return luaL_error(L, "vlab.asm: %s", err);
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

static const vlab_option disasm_options[] = { { "bits", VLAB_OPT_INTEGER }, { NULL, 0 } };

/* vlab.disasm(isa, bytes [, addr] [, { bits = 16 | 32 }]) */
static int l_disasm(lua_State *L) {
    const char *isa = vl_lua_checkname(L, 1, "vlab.disasm", "isa");
    size_t len;
    const char *bytes = luaL_checklstring(L, 2, &len);
    int opts = lua_istable(L, 3) ? 3 : 4; /* the options may follow the bytes directly */
    if (opts == 4 && lua_gettop(L) > 4) return luaL_error(L, "vlab.disasm: too many arguments");
    uint32_t addr = opts == 3 || lua_isnoneornil(L, 3) ? 0 : check_u32(L, 3, "vlab.disasm", "address");
    int bits = 0;
    if (!lua_isnoneornil(L, opts)) {
        if (!lua_istable(L, opts))
            return luaL_error(L, "vlab.disasm: argument %d: expected an options table ({ bits = 16 }), got %s", opts,
                              luaL_typename(L, opts));
        vl_lua_check_opts(L, opts, "vlab.disasm", disasm_options);
        lua_Integer b = opt_field_int(L, opts, "bits", "vlab.disasm", 0, NULL);
        if (b != 16 && b != 32) return luaL_error(L, "vlab.disasm: bits must be 16 or 32 (got %I)", (LUAI_UACINT)b);
        bits = (int)b;
    }
    char err[512];
    if (vlab_resolve(isa, NULL, NULL, err, sizeof err) < 0) return luaL_error(L, "vlab.disasm: %s", err);
    char text[256];
    int n = vlab_disasm_bits(isa, bits, (const uint8_t *)bytes, len, addr, text, sizeof text);
    if (n < 0) return luaL_error(L, "vlab.disasm: %s", text);
    lua_pushstring(L, text);
    lua_pushinteger(L, n);
    return 2;
}

/* ---- machines -------------------------------------------------------------------- */

static lmachine *checkm(lua_State *L, int idx) {
    lmachine *lm = luaL_checkudata(L, idx, MACHINE_MT);
    if (!lm->m) luaL_error(L, "machine: already freed");
    lm->L = L;
    return lm;
}

/* vlab.machine{ isa =, model =, ram = } (or vlab.machine("isa:model")) */
static const vlab_option machine_options[] = {
    { "isa", VLAB_OPT_STRING }, { "model", VLAB_OPT_STRING }, { "ram", VLAB_OPT_INTEGER }, { NULL, 0 }
};

static int l_machine(lua_State *L) {
    const char *isa = NULL, *model = NULL;
    lua_Integer ram = DEFAULT_RAM;
    if (lua_type(L, 1) == LUA_TSTRING) {
        isa = vl_lua_checkname(L, 1, "vlab.machine", "isa");
    } else if (!lua_isnoneornil(L, 1)) {
        luaL_checktype(L, 1, LUA_TTABLE);
        vl_lua_check_opts(L, 1, "vlab.machine", machine_options);
        isa = opt_field_str(L, 1, "isa", "vlab.machine");
        model = opt_field_str(L, 1, "model", "vlab.machine");
        ram = opt_field_int(L, 1, "ram", "vlab.machine", DEFAULT_RAM, NULL);
    }
    char err[512];
    const char *isa_name = NULL, *model_name = NULL;
    if (isa && strchr(isa, ':')) {
        /* "m68k:68010": a model given both ways must agree */
        if (vlab_resolve(isa, &isa_name, &model_name, err, sizeof err) < 0)
            return luaL_error(L, "vlab.machine: %s", err);
        if (model && strcmp(model, model_name) != 0)
            return luaL_error(L, "vlab.machine: model '%s' and isa '%s' disagree", model, isa);
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
        return luaL_error(L, "vlab.machine: ram must be 1 byte to 1 GiB (got %I)", (LUAI_UACINT)ram);

    lmachine *lm = lua_newuserdatauv(L, sizeof *lm, UV_COUNT);
    memset(lm, 0, sizeof *lm);
    luaL_setmetatable(L, MACHINE_MT);
    lm->m = vlab_machine_new(isa_name, model_name, (uint32_t)ram, err, sizeof err);
    if (!lm->m) return luaL_error(L, "vlab.machine: %s", err);
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
    if (lm->busy) return luaL_error(L, "reset: the machine is running (called from a callback)");
    vlab_reset(lm->m);
    return 0;
}

/* ---- hooks ----------------------------------------------------------------------------- */

/* ---- callback lists, shared with lua/lvmm.c (lua/lview.h) ---------------------------------- */

void vl_lua_cb_add(lua_State *L, int list, int id, int ev, int fn) {
    lua_createtable(L, 0, 3);
    lua_pushinteger(L, id);
    lua_setfield(L, -2, "id");
    if (ev) {
        lua_pushinteger(L, ev);
        lua_setfield(L, -2, "ev");
    }
    lua_pushvalue(L, fn);
    lua_setfield(L, -2, "fn");
    lua_rawseti(L, list, (lua_Integer)lua_rawlen(L, list) + 1);
}

bool vl_lua_cb_remove(lua_State *L, int list, lua_Integer id) {
    lua_Integer len = (lua_Integer)lua_rawlen(L, list);
    for (lua_Integer i = 1; i <= len; i++) {
        lua_rawgeti(L, list, i);
        lua_getfield(L, -1, "id");
        bool hit = lua_tointeger(L, -1) == id;
        lua_pop(L, 2);
        if (hit) {
            for (lua_Integer j = i; j < len; j++) {
                lua_rawgeti(L, list, j + 1);
                lua_rawseti(L, list, j);
            }
            lua_pushnil(L);
            lua_rawseti(L, list, len);
            return true;
        }
    }
    return false;
}

unsigned vl_lua_cb_mask(lua_State *L, int list) {
    unsigned mask = 0;
    lua_Integer n = (lua_Integer)lua_rawlen(L, list);
    for (lua_Integer i = 1; i <= n; i++) {
        lua_rawgeti(L, list, i);
        lua_getfield(L, -1, "ev");
        mask |= (unsigned)lua_tointeger(L, -1);
        lua_pop(L, 2);
    }
    return mask;
}

int vl_lua_cb_collect(lua_State *L, int list, unsigned event) {
    lua_Integer len = (lua_Integer)lua_rawlen(L, list);
    lua_createtable(L, (int)len, 0);
    int fns = lua_gettop(L), n = 0;
    for (lua_Integer i = 1; i <= len; i++) {
        lua_rawgeti(L, list, i);
        lua_getfield(L, -1, "ev");
        unsigned ev = (unsigned)lua_tointeger(L, -1);
        lua_pop(L, 1);
        if (!event || (ev & event)) {
            lua_getfield(L, -1, "fn");
            lua_rawseti(L, fns, ++n);
        }
        lua_pop(L, 1);
    }
    return n;
}

int vl_lua_cb_call(lua_State *L, int ud, int uv_err, bool *failed) {
    if (lua_pcall(L, 1, 1, 0) != LUA_OK) {
        lua_setiuservalue(L, ud, uv_err);
        *failed = true;
        return 1;
    }
    int stop = lua_toboolean(L, -1);
    lua_pop(L, 1);
    return stop;
}

void vl_lua_push_event(lua_State *L, vlab_machine *m, int event, uint32_t a, uint32_t b) {
    lua_newtable(L);
    switch (event) {
    case VLAB_EV_EXCEPTION: {
        lua_pushinteger(L, (lua_Integer)a);
        lua_setfield(L, -2, "vector");
        lua_pushinteger(L, b);
        lua_setfield(L, -2, "pc");
        const char *name = vlab_vector_name(m, (int)a);
        if (name) {
            lua_pushstring(L, name);
            lua_setfield(L, -2, "name");
        }
        lua_pushstring(L, "exception");
        break;
    }
    case VLAB_EV_MODE:
        lua_pushstring(L, a == 0 ? "supervisor" : "user");
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

void vl_lua_push_stop(lua_State *L, vlab_machine *m, vlab_stop s, uint64_t done) {
    lua_createtable(L, 0, 6);
    lua_pushstring(L, vlab_stop_name(s.reason));
    lua_setfield(L, -2, "reason");
    lua_pushinteger(L, s.pc);
    lua_setfield(L, -2, "pc");
    lua_pushinteger(L, s.vector);
    lua_setfield(L, -2, "vector");
    if (s.vector >= 0) {
        const char *name = m ? vlab_vector_name(m, s.vector) : NULL;
        if (name) {
            lua_pushstring(L, name);
            lua_setfield(L, -2, "name");
        }
        lua_pushinteger(L, vlab_stop_info(s));
        lua_setfield(L, -2, "info");
    }
    if (s.flags & VLAB_STOP_HAS_CODE) {
        lua_pushinteger(L, s.code);
        lua_setfield(L, -2, "code");
    }
    if (s.flags & VLAB_STOP_HAS_ADDR) {
        lua_pushinteger(L, s.addr);
        lua_setfield(L, -2, "addr");
    }
    lua_pushinteger(L, (lua_Integer)done);
    lua_setfield(L, -2, "instructions");
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
    /* copy the callbacks first: a callback may call m:off() */
    int n = vl_lua_cb_collect(L, lua_gettop(L), (unsigned)event);
    int list = lua_gettop(L);
    int stop = 0;
    for (int i = 1; i <= n && !stop; i++) {
        lua_rawgeti(L, list, i);
        vl_lua_push_event(L, lm->m, event, a, b);
        stop = vl_lua_cb_call(L, ud, UV_ERR, &lm->failed);
    }
    lua_settop(L, top);
    return stop;
}

static int m_on(lua_State *L) {
    lmachine *lm = checkm(L, 1);
    const char *ev = vl_lua_checkname(L, 2, "on", "event");
    luaL_checktype(L, 3, LUA_TFUNCTION);
    int bit = 0;
    for (int i = 0; event_names[i]; i++)
        if (strcmp(ev, event_names[i]) == 0) bit = event_bits[i];
    if (!bit) return luaL_error(L, "on: unknown event '%s' (known: exception, mode, step, console)", ev);
    lua_getiuservalue(L, 1, UV_HOOKS);
    int hooks = lua_gettop(L);
    vl_lua_cb_add(L, hooks, lm->next_id, bit, 3);
    vlab_set_hook(lm->m, vl_lua_cb_mask(L, hooks), hook_trampoline, lm);
    lua_pushinteger(L, lm->next_id++);
    return 1;
}

static int m_off(lua_State *L) {
    lmachine *lm = checkm(L, 1);
    lua_Integer id = luaL_checkinteger(L, 2);
    lua_getiuservalue(L, 1, UV_HOOKS);
    int hooks = lua_gettop(L);
    bool found = vl_lua_cb_remove(L, hooks, id);
    unsigned mask = vl_lua_cb_mask(L, hooks);
    vlab_set_hook(lm->m, mask, mask ? hook_trampoline : NULL, lm);
    lua_pushboolean(L, found);
    return 1;
}

/* ---- running ------------------------------------------------------------------------------ */

/* Run with the callbacks armed; raise a callback's error after the stop. */
static int do_run(lua_State *L, lmachine *lm, const char *fn, bool step, uint64_t n, int has_until,
                  uint32_t until_pc, vl_lua_gdb *gdb) {
    if (lm->busy) return luaL_error(L, "%s: the machine is already running (called from a callback)", fn);
    vlab_stats before, after;
    vlab_get_stats(lm->m, &before);
    lm->busy = true;
    lm->failed = false;
    vlab_stop s = gdb ? vl_lua_gdb_serve(gdb, lm->m, NULL)
                : step ? vlab_step(lm->m, n) : vlab_run(lm->m, n, has_until, until_pc);
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
    if (gdb && gdb->rc < 0) return luaL_error(L, "%s", gdb->err);
    if (lm->m) vlab_get_stats(lm->m, &after);
    vl_lua_push_stop(L, lm->m, s, after.instructions - before.instructions);
    return 1;
}

static int m_step(lua_State *L) {
    lmachine *lm = checkm(L, 1);
    lua_Integer n = luaL_optinteger(L, 2, 1);
    if (n < 0) return luaL_error(L, "step: count %I is negative", (LUAI_UACINT)n);
    return do_run(L, lm, "step", true, (uint64_t)n, 0, 0, NULL);
}

static int m_run(lua_State *L) {
    lmachine *lm = checkm(L, 1);
    uint64_t max;
    int has_until;
    uint32_t until;
    bool zero = vl_lua_run_args(L, 2, "run", &max, &has_until, &until);
    return do_run(L, lm, "run", zero, max, has_until, until, NULL);
}

static int m_gdb(lua_State *L) {
    lmachine *lm = checkm(L, 1);
    vl_lua_gdb g;
    vl_lua_gdb_args(L, 2, &g);
    return do_run(L, lm, "gdb", false, 0, 0, 0, &g);
}

/* ---- what machines and guests share (lua/lview.h) ------------------------------------------------ */

/* Every shared function has its class as upvalue 1. */
static const vl_lview_class *vclass(lua_State *L) { return lua_touserdata(L, lua_upvalueindex(1)); }

/* The error of a shared check (core/check.c), where luaL_error would put it. */
static int check_failed(lua_State *L, const char *err) { return luaL_error(L, "%s", err); }

static void check_mem(lua_State *L, vlab_machine *m, const char *fn, lua_Integer addr, lua_Integer len) {
    char err[256];
    if (vlab_check_mem(m, fn, addr, len, err, sizeof err) < 0) check_failed(L, err);
}

static int v_read(lua_State *L) {
    const vl_lview_class *c = vclass(L);
    vl_lview w = c->check(L, 1);
    lua_Integer addr = luaL_checkinteger(L, 2), len = luaL_checkinteger(L, 3);
    check_mem(L, w.m, "read", addr, len);
    luaL_Buffer b;
    char *p = luaL_buffinitsize(L, &b, (size_t)len);
    vlab_mem_read(w.m, (uint32_t)addr, p, (size_t)len);
    luaL_pushresultsize(&b, (size_t)len);
    return 1;
}

static int v_write(lua_State *L) {
    const vl_lview_class *c = vclass(L);
    vl_lview w = c->check(L, 1);
    lua_Integer addr = luaL_checkinteger(L, 2);
    size_t len;
    const char *s = luaL_checklstring(L, 3, &len);
    check_mem(L, w.m, "write", addr, (lua_Integer)len);
    vlab_mem_write(w.m, (uint32_t)addr, s, len);
    return 0;
}

/* luaL_error has no %x */
static const char *hex32(lua_State *L, uint32_t v) {
    char buf[16];
    snprintf(buf, sizeof buf, "%x", v);
    return lua_pushstring(L, buf);
}

static int v_load(lua_State *L) {
    const vl_lview_class *c = vclass(L);
    vl_lview w = c->check(L, 1);
    const char *path = vl_lua_checkname(L, 2, "load", "path");
    uint32_t org = lua_isnoneornil(L, 3) ? 0 : check_u32(L, 3, "load", "org");
    uint32_t entry = 0;
    char err[512];
    if (vlab_load(w.m, path, org, &entry, err, sizeof err) < 0) return luaL_error(L, "load: %s", err);
    lua_pushinteger(L, entry);
    return 1;
}

static int read_n(lua_State *L, int size, const char *fn) {
    const vl_lview_class *c = vclass(L);
    vl_lview w = c->check(L, 1);
    lua_Integer addr = luaL_checkinteger(L, 2);
    uint32_t v = 0;
    check_mem(L, w.m, fn, addr, size);
    vlab_mem_get(w.m, (uint32_t)addr, size, &v);
    lua_pushinteger(L, v);
    return 1;
}

static int write_n(lua_State *L, int size, const char *fn) {
    const vl_lview_class *c = vclass(L);
    vl_lview w = c->check(L, 1);
    lua_Integer addr = luaL_checkinteger(L, 2), v = luaL_checkinteger(L, 3);
    char err[256];
    if (vlab_check_value(fn, v, size * 8, err, sizeof err) < 0) return check_failed(L, err);
    check_mem(L, w.m, fn, addr, size);
    vlab_mem_set(w.m, (uint32_t)addr, size, (uint32_t)v);
    return 0;
}

static int v_read_u8(lua_State *L) { return read_n(L, 1, "read_u8"); }
static int v_read_u16(lua_State *L) { return read_n(L, 2, "read_u16"); }
static int v_read_u32(lua_State *L) { return read_n(L, 4, "read_u32"); }
static int v_write_u8(lua_State *L) { return write_n(L, 1, "write_u8"); }
static int v_write_u16(lua_State *L) { return write_n(L, 2, "write_u16"); }
static int v_write_u32(lua_State *L) { return write_n(L, 4, "write_u32"); }

static int v_supervisor(lua_State *L) {
    const vl_lview_class *c = vclass(L);
    lua_pushboolean(L, c->priv_get(c->check(L, 1).self) == 0);
    return 1;
}

static int v_set_supervisor(lua_State *L) {
    const vl_lview_class *c = vclass(L);
    vl_lview w = c->check(L, 1);
    luaL_checkany(L, 2);
    c->priv_set(w.self, lua_toboolean(L, 2) ? 0 : vlab_user_level(w.m));
    return 0;
}

static int v_privilege(lua_State *L) {
    const vl_lview_class *c = vclass(L);
    lua_pushinteger(L, c->priv_get(c->check(L, 1).self));
    return 1;
}

static int v_set_privilege(lua_State *L) {
    const vl_lview_class *c = vclass(L);
    vl_lview w = c->check(L, 1);
    lua_Integer level = luaL_checkinteger(L, 2);
    char err[256];
    if (vlab_check_privilege(w.m, level, err, sizeof err) < 0) return check_failed(L, err);
    c->priv_set(w.self, (int)level);
    return 0;
}

static int v_console(lua_State *L) {
    size_t len;
    const char *s = vlab_console(vclass(L)->check(L, 1).m, &len);
    lua_pushlstring(L, s, len);
    return 1;
}

static int v_clear_console(lua_State *L) {
    vlab_console_clear(vclass(L)->check(L, 1).m);
    return 0;
}

/* m:code_bits(): 16 or 32, the size of the code the CPU (the guest's, for
 * a guest) executes in its present mode: what vlab.disasm's bits reads */
static int v_code_bits(lua_State *L) {
    const vl_lview_class *c = vclass(L);
    vl_lview w = c->check(L, 1);
    lua_pushinteger(L, c->code_bits(w.self));
    return 1;
}

/* m:fetch(addr, len): the bytes the CPU would fetch as code at addr (x86:
 * an offset in CS), through its MMU; fewer (down to "") where a page does
 * not translate or is not memory */
enum { FETCH_MAX = 4096 };
static int v_fetch(lua_State *L) {
    const vl_lview_class *c = vclass(L);
    vl_lview w = c->check(L, 1);
    uint32_t addr = check_u32(L, 2, "fetch", "address");
    lua_Integer len = luaL_checkinteger(L, 3);
    if (len < 0 || len > FETCH_MAX)
        return luaL_error(L, "fetch: length %I out of range (0 to %d)", (LUAI_UACINT)len, FETCH_MAX);
    uint8_t buf[FETCH_MAX];
    size_t n = len ? c->fetch(w.self, addr, buf, (size_t)len) : 0;
    lua_pushlstring(L, (const char *)buf, n);
    return 1;
}

/* m:disasm(addr [, { bits = 16 | 32 }]): in the CPU's present code size
 * (m:code_bits()) unless bits says otherwise */
static int v_disasm(lua_State *L) {
    const vl_lview_class *c = vclass(L);
    vl_lview w = c->check(L, 1);
    vlab_machine *m = w.m;
    uint32_t addr = check_u32(L, 2, "disasm", "address");
    int bits = c->code_bits(w.self);
    if (!lua_isnoneornil(L, 3)) {
        if (!lua_istable(L, 3))
            return luaL_error(L, "disasm: argument 3: expected an options table ({ bits = 16 }), got %s",
                              luaL_typename(L, 3));
        vl_lua_check_opts(L, 3, "disasm", disasm_options);
        lua_Integer b = opt_field_int(L, 3, "bits", "disasm", bits, NULL);
        if (b != 16 && b != 32) return luaL_error(L, "disasm: bits must be 16 or 32 (got %I)", (LUAI_UACINT)b);
        bits = (int)b;
    }
    /* what the CPU would fetch there: through its MMU, as the guest sees it */
    uint8_t buf[16];
    size_t n = vlab_read_virt(m, addr, buf, sizeof buf, 1);
    if (!n) return luaL_error(L, "disasm: no memory at 0x%s as the CPU fetches it", hex32(L, addr));
    char isa[80], text[256];
    snprintf(isa, sizeof isa, "%s:%s", vlab_machine_isa(m), vlab_machine_model(m));
    int len = vlab_disasm_bits(isa, bits, buf, n, (uint32_t)addr, text, sizeof text);
    if (len < 0) return luaL_error(L, "disasm: %s", text);
    lua_pushstring(L, text);
    lua_pushinteger(L, len);
    return 2;
}

/* registers: m.regs.d0, m.regs.sr = x, m:regs() */

static int reg_index_or_error(lua_State *L, const vl_lview_class *c, vlab_machine *m, const char *name) {
    (void)c;
    char err[256];
    int idx = vlab_check_reg(m, name, err, sizeof err);
    if (idx < 0) check_failed(L, err);
    return idx;
}

static void set_reg(lua_State *L, const vl_lview_class *c, vl_lview w, int idx, int varg) {
    int isnum = 0;
    lua_Integer v = lua_tointegerx(L, varg, &isnum);
    if (!isnum)
        luaL_error(L, "regs: value for '%s' must be an integer (got %s)", vlab_reg_name(w.m, idx), luaL_typename(L, varg));
    char err[256];
    if (vlab_check_reg_value(w.m, idx, v, err, sizeof err) < 0) check_failed(L, err);
    c->reg_set(w.self, idx, (uint32_t)v);
}

/* The object behind the regs proxy at 1. */
static vl_lview regs_owner(lua_State *L, const vl_lview_class *c) {
    luaL_checkudata(L, 1, c->regs_mt);
    lua_getiuservalue(L, 1, 1);
    vl_lview w = c->check(L, lua_gettop(L));
    lua_pop(L, 1);
    return w;
}

static int regs_index(lua_State *L) {
    const vl_lview_class *c = vclass(L);
    vl_lview w = regs_owner(L, c);
    const char *name = vl_lua_checkname(L, 2, "regs", "register name");
    lua_pushinteger(L, c->reg_get(w.self, reg_index_or_error(L, c, w.m, name)));
    return 1;
}

static int regs_newindex(lua_State *L) {
    const vl_lview_class *c = vclass(L);
    vl_lview w = regs_owner(L, c);
    const char *name = vl_lua_checkname(L, 2, "regs", "register name");
    set_reg(L, c, w, reg_index_or_error(L, c, w.m, name), 3);
    return 0;
}

static void push_regs(lua_State *L, const vl_lview_class *c, vl_lview w) {
    int n = vlab_reg_count(w.m);
    lua_createtable(L, 0, n);
    for (int i = 0; i < n; i++) {
        lua_pushinteger(L, c->reg_get(w.self, i));
        lua_setfield(L, -2, vlab_reg_name(w.m, i));
    }
}

void vl_lview_push_regs(lua_State *L, const vl_lview_class *cls, int idx) { push_regs(L, cls, cls->check(L, idx)); }

static int regs_call(lua_State *L) {
    const vl_lview_class *c = vclass(L);
    push_regs(L, c, regs_owner(L, c));
    return 1;
}

static int regs_next(lua_State *L) {
    const vl_lview_class *c = vclass(L);
    vl_lview w = regs_owner(L, c);
    int i = lua_isnil(L, 2) ? 0 : vlab_reg_index(w.m, luaL_checkstring(L, 2)) + 1;
    if (i <= 0 && !lua_isnil(L, 2)) return 0;
    if (i >= vlab_reg_count(w.m)) return 0;
    lua_pushstring(L, vlab_reg_name(w.m, i));
    lua_pushinteger(L, c->reg_get(w.self, i));
    return 2;
}

static int regs_pairs(lua_State *L) {
    regs_owner(L, vclass(L));
    lua_pushvalue(L, lua_upvalueindex(1));
    lua_pushcclosure(L, regs_next, 1);
    lua_pushvalue(L, 1);
    lua_pushnil(L);
    return 3;
}

static void push_regs_proxy(lua_State *L, const vl_lview_class *c, int obj) {
    if (lua_getiuservalue(L, obj, c->regs_uv) == LUA_TUSERDATA) return;
    lua_pop(L, 1);
    lua_newuserdatauv(L, 1, 1);
    luaL_setmetatable(L, c->regs_mt);
    lua_pushvalue(L, obj);
    lua_setiuservalue(L, -2, 1);
    lua_pushvalue(L, -1);
    lua_setiuservalue(L, obj, c->regs_uv);
}

/* fields; the methods table is upvalue 2 */
static int v_index(lua_State *L) {
    const vl_lview_class *c = vclass(L);
    vl_lview w = c->check(L, 1);
    const char *k = luaL_checkstring(L, 2);
    if (strcmp(k, "pc") == 0) {
        lua_pushinteger(L, c->get_pc(w.self));
    } else if (strcmp(k, "regs") == 0) {
        push_regs_proxy(L, c, 1);
    } else if (strcmp(k, "isa") == 0) {
        lua_pushstring(L, vlab_machine_isa(w.m));
    } else if (strcmp(k, "model") == 0) {
        lua_pushstring(L, vlab_machine_model(w.m));
    } else if (strcmp(k, "ram") == 0) {
        lua_pushinteger(L, vlab_ram_size(w.m));
    } else if (strcmp(k, "mmio_base") == 0) {
        lua_pushinteger(L, vlab_mmio_base(w.m));
    } else {
        lua_getfield(L, lua_upvalueindex(2), k); /* methods, or nil */
    }
    return 1;
}

static int v_newindex(lua_State *L) {
    const vl_lview_class *c = vclass(L);
    vl_lview w = c->check(L, 1);
    const char *k = luaL_checkstring(L, 2);
    if (strcmp(k, "pc") == 0) {
        lua_Integer v = luaL_checkinteger(L, 3);
        if (v < 0 || v > 0xFFFFFFFFll) return luaL_error(L, "pc: value %I out of range", (LUAI_UACINT)v);
        c->set_pc(w.self, (uint32_t)v);
        return 0;
    }
    return luaL_error(L, "%s: cannot set field '%s' (use %s.pc or %s.regs.NAME)", c->name, k, c->letter, c->letter);
}

void vl_lview_open(lua_State *L, const vl_lview_class *cls, const luaL_Reg *own) {
    static const luaL_Reg shared[] = {
        { "read", v_read },         { "write", v_write },
        { "read_u8", v_read_u8 },   { "read_u16", v_read_u16 },
        { "read_u32", v_read_u32 }, { "write_u8", v_write_u8 },
        { "write_u16", v_write_u16 }, { "write_u32", v_write_u32 },
        { "supervisor", v_supervisor }, { "set_supervisor", v_set_supervisor },
        { "privilege", v_privilege }, { "set_privilege", v_set_privilege }, { "load", v_load },
        { "console", v_console },   { "clear_console", v_clear_console },
        { "disasm", v_disasm },     { "code_bits", v_code_bits }, { "fetch", v_fetch },
        { NULL, NULL },
    };
    static const luaL_Reg proxy[] = { { "__index", regs_index }, { "__newindex", regs_newindex },
                                      { "__call", regs_call },   { "__pairs", regs_pairs },
                                      { NULL, NULL } };
    int mt = lua_gettop(L);
    lua_pushlightuserdata(L, (void *)cls);
    lua_newtable(L);
    lua_pushlightuserdata(L, (void *)cls);
    luaL_setfuncs(L, shared, 1);
    lua_pushlightuserdata(L, (void *)cls);
    luaL_setfuncs(L, own, 1);
    lua_pushcclosure(L, v_index, 2);
    lua_setfield(L, mt, "__index");
    lua_pushlightuserdata(L, (void *)cls);
    lua_pushcclosure(L, v_newindex, 1);
    lua_setfield(L, mt, "__newindex");
    if (luaL_newmetatable(L, cls->regs_mt)) {
        lua_pushlightuserdata(L, (void *)cls);
        luaL_setfuncs(L, proxy, 1);
    }
    lua_pop(L, 1);
}

/* ---- the machine as a view --------------------------------------------------------------------- */

static vl_lview machine_check(lua_State *L, int idx) {
    lmachine *lm = checkm(L, idx);
    vl_lview w = { lm->m, lm->m };
    return w;
}

static uint32_t machine_reg_get(void *self, int idx) { return vlab_reg_get(self, idx); }
static void machine_reg_set(void *self, int idx, uint32_t v) { vlab_reg_set(self, idx, v); }
static uint32_t machine_pc(void *self) { return vlab_pc(self); }
static void machine_set_pc(void *self, uint32_t pc) { vlab_set_pc(self, pc); }
static int machine_priv(void *self) { return vlab_privilege(self); }
static int machine_set_priv(void *self, int level) { return vlab_set_privilege(self, level); }
static int machine_code_bits(void *self) { return vlab_code_bits(self); }
static size_t machine_fetch(void *self, uint32_t addr, uint8_t *buf, size_t len) {
    return vlab_read_virt(self, addr, buf, len, 1);
}

static const vl_lview_class machine_class = {
    "machine", "m", REGS_MT, UV_REGS, machine_check, machine_reg_get, machine_reg_set, machine_pc,
    machine_set_pc, machine_priv, machine_set_priv, machine_code_bits, machine_fetch,
};

static int regs_tostring(lua_State *L) {
    vl_lview w = regs_owner(L, &machine_class);
    lua_pushfstring(L, "vlab.regs of %s:%s", vlab_machine_isa(w.m), vlab_machine_model(w.m));
    return 1;
}

static const luaL_Reg machine_methods[] = {
    { "step", m_step },   { "run", m_run },     { "on", m_on },       { "gdb", m_gdb },
    { "off", m_off },   { "stats", m_stats }, { "reset", m_reset }, { NULL, NULL },
};

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
        vl_lview_open(L, &machine_class, machine_methods);
        lua_pushcfunction(L, m_gc);
        lua_setfield(L, -2, "__gc");
        lua_pushcfunction(L, m_gc);
        lua_setfield(L, -2, "__close");
        lua_pushcfunction(L, m_tostring);
        lua_setfield(L, -2, "__tostring");
        lua_pushstring(L, "vlab.machine");
        lua_setfield(L, -2, "__metatable");
        luaL_getmetatable(L, REGS_MT);
        lua_pushcfunction(L, regs_tostring);
        lua_setfield(L, -2, "__tostring");
        lua_pushstring(L, "vlab.regs");
        lua_setfield(L, -2, "__metatable");
        lua_pop(L, 1);
    }
    lua_pop(L, 1);

    const luaL_Reg fns[] = {
        { "isas", l_isas },     { "models", l_models }, { "asm", l_asm },
        { "disasm", l_disasm }, { "machine", l_machine }, { "check_options", l_check_options },
        { NULL, NULL },
    };
    luaL_newlib(L, fns);
    lua_pushstring(L, vlab_version());
    lua_setfield(L, -2, "version");
    int top = lua_gettop(L);
    vl_lua_add_options(L, top, "vlab.machine", machine_options);
    vl_lua_add_options(L, top, "vlab.asm", asm_options);
    vl_lua_add_options(L, top, "vlab.disasm", disasm_options);
    vl_lua_add_options(L, top, "run", vl_run_options);
    vl_lua_add_options(L, top, "gdb", vl_gdb_options);
    vl_lua_open_vmm(L);
    lua_settop(L, top);
    vl_lua_open_sweep(L);
    lua_settop(L, top);
    return 1;
}
