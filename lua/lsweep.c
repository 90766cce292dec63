/* lsweep.c - vlab.sweep and vlab.table (DESIGN §4.2, §4.3).
 *
 *   local r = vlab.sweep{ isa = "m68k", model = "68000", technique = "trap-and-emulate",
 *                         seed = 1, states = 8, filter = "move" }
 *   (states: default 8 per level below the most privileged, vl_sweep_default_states)
 *   -- r: { isa, model, technique, seed, states, rows = { {isa, model, technique, mnemonic,
 *   --       form, encodings, declared, measured, privileged, sensitive, user_sensitive,
 *   --       outcome, reason}... }, summary = { forms, privileged, sensitive, leaks,
 *   --       theorem1, theorem3, ... } }; r[1..#r] are the rows too (ipairs(r) works)
 *   -- an ISA the monitor cannot run yet: technique "native", the rows' outcome
 *   -- "not modelled", summary.leaks nil; naming a technique for it is an error
 *   vlab.table(r, "md")            -- string; r may also be a list of such results, or a
 *                                  -- list of rows (summaries are computed from the rows)
 *   vlab.table(r, "md", false)     -- one row per form (what `vlab sweep` prints)
 *
 * vl_lua_open_sweep(L) sets `sweep` and `table` on the module table on top of
 * the stack. */
#include "lua/lview.h"
#include "vmm/sweep.h"
#include <lauxlib.h>
#include <lua.h>
#include <stdlib.h>
#include <string.h>

int vl_lua_open_sweep(lua_State *L);

static void setstr(lua_State *L, const char *k, const char *v) {
    lua_pushstring(L, v);
    lua_setfield(L, -2, k);
}
static void setint(lua_State *L, const char *k, lua_Integer v) {
    lua_pushinteger(L, v);
    lua_setfield(L, -2, k);
}
static void setbool(lua_State *L, const char *k, bool v) {
    lua_pushboolean(L, v);
    lua_setfield(L, -2, k);
}

static void push_result(lua_State *L, const vl_sweep_result *r) {
    lua_createtable(L, (int)r->nrows, 7);
    setstr(L, "isa", r->isa);
    setstr(L, "model", r->model);
    setstr(L, "technique", r->technique);
    setint(L, "seed", (lua_Integer)r->seed);
    setint(L, "states", r->states);
    if (r->filter[0]) { /* nil without a filter */
        setstr(L, "filter", r->filter);
        setint(L, "forms_measured", (lua_Integer)r->forms_measured);
    }
    lua_createtable(L, (int)r->nrows, 0);
    for (size_t i = 0; i < r->nrows; i++) {
        const vl_sweep_row *w = &r->rows[i];
        lua_createtable(L, 0, 13);
        setstr(L, "isa", r->isa);
        setstr(L, "model", r->model);
        setstr(L, "technique", r->technique);
        setstr(L, "mnemonic", w->mnemonic);
        setstr(L, "form", w->form);
        lua_newtable(L);
        const char *e = w->enc ? w->enc : "";
        int n = 0;
        while (*e) {
            const char *nl = strchr(e, '\n');
            size_t l = nl ? (size_t)(nl - e) : strlen(e);
            lua_pushlstring(L, e, l);
            lua_rawseti(L, -2, ++n);
            e += l + (nl ? 1 : 0);
        }
        lua_setfield(L, -2, "encodings");
        setstr(L, "declared", vl_class_name(w->declared));
        setstr(L, "measured", vl_class_name(w->measured));
        setbool(L, "privileged", w->privileged);
        lua_newtable(L);
        static const char *const names[3] = { "control", "mode", "location" };
        n = 0;
        for (int s = 0; s < 3; s++)
            if (w->sensitive & (1u << s)) {
                lua_pushstring(L, names[s]);
                lua_rawseti(L, -2, ++n);
            }
        lua_setfield(L, -2, "sensitive");
        setbool(L, "user_sensitive", w->user_sensitive);
        setstr(L, "outcome", vl_sweep_outcome_name(w->outcome));
        setstr(L, "reason", w->reason);
        lua_pushvalue(L, -1);
        lua_rawseti(L, -4, (lua_Integer)i + 1); /* the result is also the list of its rows */
        lua_rawseti(L, -2, (lua_Integer)i + 1);
    }
    lua_setfield(L, -2, "rows");
    const vl_sweep_summary *s = &r->sum;
    lua_createtable(L, 0, 14);
    setint(L, "forms", s->forms);
    setint(L, "privileged", s->privileged);
    setint(L, "sensitive", s->sensitive);
    if (strcmp(r->technique, VL_SWEEP_NATIVE)) setint(L, "leaks", s->leaks); /* else nil: not measured */
    setbool(L, "theorem1", s->theorem1);
    setbool(L, "theorem3", s->theorem3);
    setint(L, "user_sensitive", s->user_sensitive);
    setint(L, "sensitive_unprivileged", s->sensitive_unprivileged);
    setint(L, "user_sensitive_unprivileged", s->user_sensitive_unprivileged);
    setint(L, "iopl_sensitive", s->iopl);
    setint(L, "traps", s->traps);
    setint(L, "runs_directly", s->direct);
    setint(L, "illegal", s->illegal);
    setint(L, "mismatches", s->mismatches);
    setint(L, "executions", (lua_Integer)s->runs);
    lua_setfield(L, -2, "summary");
}

/* vlab.sweep{ isa=, model=, technique=, seed=, states=, filter=, flavour=, exit_remove= } */
static const vlab_option sweep_options[] = {
    { "isa", VLAB_OPT_STRING },  { "model", VLAB_OPT_STRING },  { "technique", VLAB_OPT_STRING },
    { "seed", VLAB_OPT_INTEGER }, { "states", VLAB_OPT_INTEGER }, { "filter", VLAB_OPT_STRING },
    { "flavour", VLAB_OPT_STRING }, { "exit_remove", VLAB_OPT_TABLE }, { NULL, 0 }
};

#define MAX_REMOVE 64

static int l_sweep(lua_State *L) {
    luaL_checktype(L, 1, LUA_TTABLE);
    vl_lua_check_opts(L, 1, "vlab.sweep", sweep_options);
    const char *isa_in = vl_lua_opt_str(L, 1, "isa", "vlab.sweep");
    const char *model_in = vl_lua_opt_str(L, 1, "model", "vlab.sweep");
    if (!isa_in && !model_in) return luaL_error(L, "vlab.sweep: field 'isa' is required");
    char spec[64], err[512];
    if (isa_in && model_in) snprintf(spec, sizeof spec, "%s:%s", isa_in, model_in);
    else snprintf(spec, sizeof spec, "%s", isa_in ? isa_in : model_in);
    const char *isa, *model;
    if (vlab_resolve(spec, &isa, &model, err, sizeof err) < 0) return luaL_error(L, "vlab.sweep: %s", err);
    vl_sweep_opts o = { 0 };
    o.isa = isa;
    o.model = model;
    o.technique = vl_lua_opt_str(L, 1, "technique", "vlab.sweep");
    o.seed = (uint64_t)vl_lua_opt_int(L, 1, "seed", "vlab.sweep", 0, NULL);
    bool has_states;
    lua_Integer st = vl_lua_opt_int(L, 1, "states", "vlab.sweep", 0, &has_states);
    if (has_states && (st < 1 || st > 1024)) /* the value given, not a truncated one */
        return luaL_error(L, "vlab.sweep: states must be 1..1024 (got %I)", (LUAI_UACINT)st);
    o.states = (int)st;
    o.filter = vl_lua_opt_str(L, 1, "filter", "vlab.sweep");
    o.flavour = vl_lua_opt_str(L, 1, "flavour", "vlab.sweep");
    /* exit_remove = { "move from sr", ... }: the strings stay on the Lua stack's table */
    const char *remove[MAX_REMOVE + 1] = { 0 };
    lua_getfield(L, 1, "exit_remove");
    if (lua_istable(L, -1)) {
        lua_Integer n = luaL_len(L, -1);
        if (n > MAX_REMOVE) return luaL_error(L, "vlab.sweep: exit_remove: at most %d mnemonics", MAX_REMOVE);
        for (lua_Integer i = 1; i <= n; i++) {
            lua_rawgeti(L, -1, i);
            if (lua_type(L, -1) != LUA_TSTRING)
                return luaL_error(L, "vlab.sweep: exit_remove[%I] must be a string (a mnemonic)", (LUAI_UACINT)i);
            remove[i - 1] = lua_tostring(L, -1);
            lua_pop(L, 1); /* the table keeps the string */
        }
        o.exit_remove = remove;
    }
    vl_sweep_result r;
    if (vl_sweep_run(&o, &r, err, sizeof err) < 0) return luaL_error(L, "vlab.sweep: %s", err);
    push_result(L, &r);
    vl_sweep_result_free(&r);
    return 1;
}

/* ---- vlab.table: Lua results back into C ------------------------------------------ */

static int class_find(const char *s) {
    for (int c = 0; c < VL_CLASS_COUNT; c++)
        if (s && !strcmp(s, vl_class_name(c))) return c;
    return VL_CLASS_INNOCUOUS;
}
static int outcome_find(const char *s) {
    for (int o = 0; o < VL_OUT_COUNT; o++)
        if (s && !strcmp(s, vl_sweep_outcome_name(o))) return o;
    return VL_OUT_DIRECT;
}

static const char *fstr(lua_State *L, int t, const char *k) {
    lua_getfield(L, t, k);
    const char *s = lua_type(L, -1) == LUA_TSTRING ? lua_tostring(L, -1) : "";
    lua_pop(L, 1);
    return s;
}
static lua_Integer fint(lua_State *L, int t, const char *k) {
    lua_getfield(L, t, k);
    lua_Integer v = lua_tointeger(L, -1);
    lua_pop(L, 1);
    return v;
}
static bool fbool(lua_State *L, int t, const char *k) {
    lua_getfield(L, t, k);
    bool v = lua_toboolean(L, -1);
    lua_pop(L, 1);
    return v;
}

/* Rows [from, to] of the list at index `rows` into r; 0 or -1 (out of memory). */
static int to_rows(lua_State *L, int rows, size_t from, size_t to, vl_sweep_result *r) {
    size_t n = to >= from ? to - from + 1 : 0;
    r->rows = calloc(n ? n : 1, sizeof *r->rows);
    if (!r->rows) return -1;
    for (size_t i = from - 1; i < to; i++) {
        lua_rawgeti(L, rows, (lua_Integer)i + 1);
        int x = lua_gettop(L);
        if (!lua_istable(L, x)) {
            lua_pop(L, 1);
            continue;
        }
        vl_sweep_row *w = &r->rows[r->nrows++];
        snprintf(w->mnemonic, sizeof w->mnemonic, "%s", fstr(L, x, "mnemonic"));
        snprintf(w->form, sizeof w->form, "%s", fstr(L, x, "form"));
        w->declared = class_find(fstr(L, x, "declared"));
        lua_getfield(L, x, "measured");
        w->measured = lua_isstring(L, -1) ? class_find(lua_tostring(L, -1)) : w->declared;
        lua_pop(L, 1);
        w->mismatch = w->measured != w->declared;
        w->privileged = fbool(L, x, "privileged");
        w->user_sensitive = fbool(L, x, "user_sensitive");
        w->outcome = outcome_find(fstr(L, x, "outcome"));
        snprintf(w->reason, sizeof w->reason, "%s", fstr(L, x, "reason"));
        lua_getfield(L, x, "sensitive");
        if (lua_istable(L, -1))
            for (lua_Integer k = 1; k <= (lua_Integer)lua_rawlen(L, -1); k++) {
                lua_rawgeti(L, -1, k);
                const char *s = lua_tostring(L, -1);
                if (s && !strcmp(s, "control")) w->sensitive |= VL_SENS_CONTROL;
                if (s && !strcmp(s, "mode")) w->sensitive |= VL_SENS_MODE;
                if (s && !strcmp(s, "location")) w->sensitive |= VL_SENS_LOCATION;
                lua_pop(L, 1);
            }
        lua_pop(L, 1);
        /* encodings joined with newlines */
        lua_getfield(L, x, "encodings");
        int ne = 0;
        if (lua_istable(L, -1)) {
            int et = lua_gettop(L);
            for (lua_Integer k = 1; k <= (lua_Integer)lua_rawlen(L, et); k++) {
                lua_rawgeti(L, et, k);
                size_t l;
                const char *s = lua_tolstring(L, -1, &l);
                char *copy = s ? strndup(s, l) : NULL;
                lua_pop(L, 1);
                if (!copy) continue;
                if (ne++) {
                    char *p = w->enc ? realloc(w->enc, strlen(w->enc) + l + 2) : NULL;
                    if (p) {
                        strcat(p, "\n");
                        strcat(p, copy);
                        w->enc = p;
                    }
                    free(copy);
                } else {
                    w->enc = copy;
                }
            }
        }
        lua_pop(L, 1);
        w->nenc = ne;
        lua_pop(L, 1);
    }
    return 0;
}

/* the result table at index t into r (strings copied); 0 or -1 (out of memory) */
static int to_result(lua_State *L, int t, vl_sweep_result *r) {
    memset(r, 0, sizeof *r);
    snprintf(r->isa, sizeof r->isa, "%s", fstr(L, t, "isa"));
    snprintf(r->model, sizeof r->model, "%s", fstr(L, t, "model"));
    snprintf(r->technique, sizeof r->technique, "%s", fstr(L, t, "technique"));
    r->seed = (uint64_t)fint(L, t, "seed");
    r->states = (int)fint(L, t, "states");
    snprintf(r->filter, sizeof r->filter, "%s", fstr(L, t, "filter"));
    lua_getfield(L, t, "rows");
    int rows = lua_gettop(L);
    size_t n = lua_istable(L, rows) ? lua_rawlen(L, rows) : 0;
    int rc = to_rows(L, rows, 1, n, r);
    lua_pop(L, 1);
    if (rc < 0) return -1;
    lua_Integer measured = fint(L, t, "forms_measured");
    r->forms_measured = measured > 0 ? (size_t)measured : r->nrows;
    lua_getfield(L, t, "summary");
    int s = lua_gettop(L);
    if (lua_istable(L, s)) {
        vl_sweep_summary *m = &r->sum;
        m->forms = (int)fint(L, s, "forms");
        m->privileged = (int)fint(L, s, "privileged");
        m->sensitive = (int)fint(L, s, "sensitive");
        m->leaks = (int)fint(L, s, "leaks");
        m->theorem1 = fbool(L, s, "theorem1");
        m->theorem3 = fbool(L, s, "theorem3");
        m->user_sensitive = (int)fint(L, s, "user_sensitive");
        m->sensitive_unprivileged = (int)fint(L, s, "sensitive_unprivileged");
        m->user_sensitive_unprivileged = (int)fint(L, s, "user_sensitive_unprivileged");
        m->iopl = (int)fint(L, s, "iopl_sensitive");
        m->traps = (int)fint(L, s, "traps");
        m->direct = (int)fint(L, s, "runs_directly");
        m->illegal = (int)fint(L, s, "illegal");
        m->mismatches = (int)fint(L, s, "mismatches");
        m->runs = (uint64_t)fint(L, s, "executions");
    }
    lua_pop(L, 1);
    return 0;
}

/* What vlab.table converts lives in a box on the Lua stack, marked to be
 * closed: reading a field may raise an error (an __index function), and the
 * box then frees what was converted so far instead of leaking it. */
#define TABLE_BOX_MT "vlab.table.box"
typedef struct table_box {
    vl_sweep_result *res; /* n entries, zeroed: a partly converted one frees too */
    size_t n;
} table_box;

static int box_free(lua_State *L) {
    table_box *b = lua_touserdata(L, 1);
    if (b && b->res) {
        for (size_t i = 0; i < b->n; i++) vl_sweep_result_free(&b->res[i]);
        free(b->res);
        b->res = NULL;
    }
    return 0;
}

static table_box *push_box(lua_State *L, size_t n) {
    table_box *b = lua_newuserdatauv(L, sizeof *b, 0);
    b->res = NULL;
    b->n = 0;
    if (luaL_newmetatable(L, TABLE_BOX_MT)) {
        lua_pushcfunction(L, box_free);
        lua_setfield(L, -2, "__close");
        lua_pushcfunction(L, box_free);
        lua_setfield(L, -2, "__gc");
    }
    lua_setmetatable(L, -2);
    lua_toclose(L, -1);
    b->res = calloc(n ? n : 1, sizeof *b->res);
    if (!b->res) luaL_error(L, "vlab.table: out of memory");
    b->n = n;
    return b;
}

/* A sweep result must carry its list of rows: anything else is refused
 * rather than printed as an empty table. */
static void check_result(lua_State *L, int t, size_t i) {
    lua_getfield(L, t, "rows");
    bool ok = lua_istable(L, -1);
    lua_pop(L, 1);
    if (!ok && i)
        luaL_error(L, "vlab.table: item %d of argument 1 has no list 'rows' (not a sweep result, nor a row)", (int)i);
    if (!ok) luaL_error(L, "vlab.table: argument 1 has no list 'rows' (not a sweep result)");
}

/* vlab.table(result_or_list, format [, grouped = true]) */
static int l_table(lua_State *L) {
    luaL_checktype(L, 1, LUA_TTABLE);
    const char *fname = lua_isnoneornil(L, 2) ? "md" : vl_lua_checkname(L, 2, "vlab.table", "format");
    int fmt = vl_table_format_find(fname);
    if (fmt < 0) return luaL_error(L, "vlab.table: unknown format '%s' (known: md, csv, json, tex, html)", fname);
    bool grouped = lua_isnoneornil(L, 3) ? true : lua_toboolean(L, 3);
    lua_settop(L, 3);
    lua_getfield(L, 1, "rows");
    bool single = !lua_isnil(L, -1);
    lua_pop(L, 1);
    size_t n = single ? 1 : lua_rawlen(L, 1);
    if (!n) return luaL_error(L, "vlab.table: argument 1 is empty: give a sweep result, a list of them or a list of rows");
    /* a plain list of rows (as vlab.sweep returns them): one result per model */
    bool rowlist = false;
    if (!single) {
        lua_rawgeti(L, 1, 1);
        if (lua_istable(L, -1)) {
            lua_getfield(L, -1, "mnemonic");
            rowlist = !lua_isnil(L, -1);
            lua_pop(L, 1);
        }
        lua_pop(L, 1);
    }
    table_box *box = push_box(L, n);
    vl_sweep_result *res = box->res;
    size_t got = 0;
    int bad = 0;
    for (size_t i = 0; rowlist && i < n && !bad;) {
        /* rows i+1 .. j of the same isa and model */
        char isa[16], model[16];
        lua_rawgeti(L, 1, (lua_Integer)i + 1);
        if (!lua_istable(L, -1)) {
            lua_pop(L, 1);
            bad = 1;
            break;
        }
        snprintf(isa, sizeof isa, "%s", fstr(L, lua_gettop(L), "isa"));
        snprintf(model, sizeof model, "%s", fstr(L, lua_gettop(L), "model"));
        vl_sweep_result *r = &res[got];
        snprintf(r->isa, sizeof r->isa, "%s", isa);
        snprintf(r->model, sizeof r->model, "%s", model);
        snprintf(r->technique, sizeof r->technique, "%s", fstr(L, lua_gettop(L), "technique"));
        lua_pop(L, 1);
        size_t j = i + 1;
        for (; j < n; j++) {
            lua_rawgeti(L, 1, (lua_Integer)j + 1);
            bool same = lua_istable(L, -1) && !strcmp(fstr(L, lua_gettop(L), "isa"), isa) &&
                        !strcmp(fstr(L, lua_gettop(L), "model"), model);
            lua_pop(L, 1);
            if (!same) break;
        }
        if (to_rows(L, 1, i + 1, j, r) < 0) bad = 2;
        else {
            vl_sweep_summarize(r);
            got++;
        }
        i = j;
    }
    for (size_t i = 0; !rowlist && i < n && !bad; i++) {
        if (single) lua_pushvalue(L, 1);
        else lua_rawgeti(L, 1, (lua_Integer)i + 1);
        if (!lua_istable(L, -1)) bad = 1;
        else {
            check_result(L, lua_gettop(L), single ? 0 : i + 1);
            if (to_result(L, lua_gettop(L), &res[got]) < 0) bad = 2;
            else got++;
        }
        lua_pop(L, 1);
    }
    if (bad == 1) return luaL_error(L, "vlab.table: argument 1 must be a sweep result, a list of them or a list of rows");
    char *text = bad ? NULL : vl_table_render(res, got, fmt, grouped);
    if (!text) return luaL_error(L, "vlab.table: out of memory");
    lua_pushstring(L, text);
    free(text);
    return 1; /* the box is closed on return: the results are freed */
}

int vl_lua_open_sweep(lua_State *L) {
    lua_pushcfunction(L, l_sweep);
    lua_setfield(L, -2, "sweep");
    lua_pushcfunction(L, l_table);
    lua_setfield(L, -2, "table");
    vl_lua_add_options(L, -1, "vlab.sweep", sweep_options);
    return 0;
}
