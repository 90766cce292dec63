/* lvmm.c - the monitor's part of the Lua module `vlab` (DESIGN §4.2):
 *
 *   local vm = vlab.vmm{ isa=, model=, technique="trap-and-emulate"|"hybrid"|"hw-assist", ram=,
 *                        monitor=other_vm, deprivilege=3 (x86: the guest kernel at real CPL 3 instead of 1),
 *                        flavour="svm"|"vt", exit_remove={ mnemonic... } (hw-assist) }
 *   vm.guest                 the guest as it sees itself: the machine API, privileged
 *                            registers from the virtual state
 *   vm:run{ max=, until_pc= }  vm:step(n)    -> stop table
 *   vm:on("trap", fn) -> id  vm:off(id)    fn(ev): ev.pc, ev.insn, ev.kind, ev.vector
 *   vm:on("translate", fn) -> id           fn(ev): ev.addr, ev.len, ev.insns, ev.callouts
 *   vm:stats()               { guest_instructions, traps, emulated, reflected, interpreted,
 *                              exits, scanned, patched, blocks, translated, callouts, lookups,
 *                              flushes, cache_bytes, hypercalls, world_switches, watch_hits, cost,
 *                              exit_reasons = { instruction, exception, interrupt, cr, io, mode } }
 *   vm:exit_set([{ add=, remove=, add_exceptions=, remove_exceptions= }])   hw-assist's exit set
 *   vm:set_cost{ trap=... }  vm:cost()      the cost table (defaults in vmm/vmm.h)
 *   vm:check()               true, or false and why (resource control)
 *   vm:run_all{ slice=, max= }  every VM of vm's monitor, round robin
 *   vlab.compare(a, b)       list of differences (machines, guests or VMs)
 *   vlab.equivalence{ isa=, model=, technique=, flavour=, code=, org=, entry=, ram=, max= }
 *                            the same image natively and under the monitor
 *
 * vl_lua_open_vmm(L) sets these on the module table at the top of the stack. */
#include <lauxlib.h>
#include <lua.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lua/lview.h"
#include "vmm/vmm.h"

#define VM_MT "vlab.vmm"
#define GUEST_MT "vlab.guest"
#define GREGS_MT "vlab.guest_regs"
#define MACHINE_MT "vlab.machine" /* lua/lvlab.c: a userdata whose first field is the vlab_machine * */
#define DEFAULT_RAM (16u << 20)
#define LIVE_VMS "vlab.vmm.live" /* registry: weak table lightuserdata(vl_vm *) -> VM userdata */

typedef struct lvm {
    vl_vm *vm;
    lua_State *L;
    int next_id;
    bool busy;
    bool failed;
} lvm;

/* Uservalues of a VM: 1 = trap callbacks { {id=, fn=}... }, 2 = pending
 * callback error, 3 = the guest object, 4 = the guest's machine-event
 * callbacks { {id=, ev=, fn=}... }. Guest: 1 = the VM, 2 = regs proxy. */
enum { UV_TRAPS = 1, UV_ERR = 2, UV_GUEST = 3, UV_EVENTS = 4, UV_COUNT = 4 };

int vl_lua_open_vmm(lua_State *L);

/* ---- helpers ---------------------------------------------------------------------- */

static lua_Integer opt_int(lua_State *L, int t, const char *field, const char *fn, lua_Integer dflt,
                           bool *present) {
    return vl_lua_opt_int(L, t, field, fn, dflt, present);
}

static const char *opt_str(lua_State *L, int t, const char *field, const char *fn) {
    return vl_lua_opt_str(L, t, field, fn);
}

static lvm *checkvm(lua_State *L, int idx) {
    lvm *v = luaL_checkudata(L, idx, VM_MT);
    if (!v->vm) luaL_error(L, "vmm: already freed");
    v->L = L;
    return v;
}

/* The VM of a guest object at idx (pushes nothing). */
static lvm *guest_vm(lua_State *L, int idx) {
    luaL_checkudata(L, idx, GUEST_MT);
    lua_getiuservalue(L, idx, 1);
    lvm *v = luaL_checkudata(L, -1, VM_MT);
    lua_pop(L, 1); /* the guest keeps the VM alive */
    if (!v->vm) luaL_error(L, "guest: its monitor was freed");
    v->L = L;
    return v;
}

/* Push the userdata of a live VM; 0 (and nothing pushed) if it is gone. */
static int push_vm(lua_State *L, const vl_vm *vm) {
    lua_getfield(L, LUA_REGISTRYINDEX, LIVE_VMS);
    if (lua_rawgetp(L, -1, vm) != LUA_TUSERDATA) {
        lua_pop(L, 2);
        return 0;
    }
    lua_remove(L, -2);
    return lua_gettop(L);
}

/* The Lua thread running now becomes every VM's of the monitor: callbacks of
 * the other guests, run round robin, are called on it too. */
static void adopt_monitor(lua_State *L, vl_vmm *mon) {
    for (size_t i = 0; i < mon->nvms; i++) {
        if (!push_vm(L, mon->vms[i])) continue;
        lvm *o = lua_touserdata(L, -1);
        o->L = L;
        o->failed = false;
        lua_pop(L, 1);
    }
}

/* ---- vlab.techniques() ----------------------------------------------------------- */
/* The registry (vmm/technique.c) in its order: { { name =, summary = }, ... }.
 * Tables and benchmarks iterate this, so that a technique that lands
 * appears in them with no change elsewhere. */
static int l_techniques(lua_State *L) {
    lua_newtable(L);
    int n = 0;
    for (int i = 0; i < VL_TECH_COUNT; i++) {
        const vl_technique *t = vl_technique_get(i);
        if (!t) continue;
        lua_createtable(L, 0, 2);
        lua_pushstring(L, t->name);
        lua_setfield(L, -2, "name");
        lua_pushstring(L, t->summary ? t->summary : "");
        lua_setfield(L, -2, "summary");
        lua_rawseti(L, -2, ++n);
    }
    return 1;
}

/* ---- vlab.vmm{} ---------------------------------------------------------------------- */

static const vlab_option vmm_options[] = {
    { "isa", VLAB_OPT_STRING }, { "model", VLAB_OPT_STRING },    { "technique", VLAB_OPT_STRING },
    { "ram", VLAB_OPT_INTEGER }, { "monitor", VLAB_OPT_OBJECT }, { "deprivilege", VLAB_OPT_INTEGER },
    { "flavour", VLAB_OPT_STRING }, { "exit_remove", VLAB_OPT_TABLE }, { NULL, 0 }
};

/* hw-assist: the mnemonics (or vectors) of list field `key` of table t
 * into or out of vm's exit set; errors name fn. */
static void exit_change(lua_State *L, vl_vm *vm, int t, const char *key, bool exc, bool on, const char *fn) {
    lua_getfield(L, t, key);
    if (lua_isnil(L, -1)) {
        lua_pop(L, 1);
        return;
    }
    if (!lua_istable(L, -1)) luaL_error(L, "%s: field '%s' must be a list", fn, key);
    char err[256];
    lua_Integer n = luaL_len(L, -1);
    for (lua_Integer i = 1; i <= n; i++) {
        lua_rawgeti(L, -1, i);
        int rc;
        if (exc) {
            int isnum = 0;
            lua_Integer x = lua_tointegerx(L, -1, &isnum);
            if (!isnum) luaL_error(L, "%s: %s[%I] must be a vector number", fn, key, (LUAI_UACINT)i);
            rc = vl_hw_exit_exception(vm, x < 0 || x > 0xFFFF ? -1 : (int)x, on, err, sizeof err);
        } else {
            if (lua_type(L, -1) != LUA_TSTRING) luaL_error(L, "%s: %s[%I] must be a mnemonic", fn, key, (LUAI_UACINT)i);
            rc = vl_hw_exit_form(vm, lua_tostring(L, -1), on, err, sizeof err);
        }
        if (rc < 0) luaL_error(L, "%s: %s: %s", fn, key, err);
        lua_pop(L, 1);
    }
    lua_pop(L, 1);
}

static int l_vmm(lua_State *L) {
    const char *fn = "vlab.vmm";
    luaL_checktype(L, 1, LUA_TTABLE);
    vl_lua_check_opts(L, 1, fn, vmm_options);
    const char *isa = opt_str(L, 1, "isa", fn), *model = opt_str(L, 1, "model", fn);
    const char *tech = opt_str(L, 1, "technique", fn);
    lua_Integer ram = opt_int(L, 1, "ram", fn, DEFAULT_RAM, NULL);
    bool has_depriv = false;
    lua_Integer depriv = opt_int(L, 1, "deprivilege", fn, 0, &has_depriv);
    if (!isa && !model) {
        char known[256] = "";
        const char *name;
        for (int i = 0; (name = vlab_isa_name(i)); i++) {
            size_t k = strlen(known);
            snprintf(known + k, sizeof known - k, "%s%s", i ? ", " : "", name);
        }
        return luaL_error(L, "%s: field 'isa' is required (known: %s)", fn, known);
    }
    char err[512];
    const char *isa_name = isa, *model_name = model;
    if (isa && strchr(isa, ':')) {
        if (vlab_resolve(isa, &isa_name, &model_name, err, sizeof err) < 0) return luaL_error(L, "%s: %s", fn, err);
        if (model && strcmp(model, model_name) != 0)
            return luaL_error(L, "%s: model '%s' and isa '%s' disagree", fn, model, isa);
    } else if (!isa) {
        if (vlab_resolve(model, &isa_name, &model_name, err, sizeof err) < 0) return luaL_error(L, "%s: %s", fn, err);
    }
    int t = vl_technique_find(tech ? tech : "trap-and-emulate");
    if (t < 0) return luaL_error(L, "%s: unknown technique '%s' (known: %s)", fn, tech, vl_technique_list());
    if (ram <= 0 || ram > (1ll << 30))
        return luaL_error(L, "%s: ram must be 1 byte to 1 GiB (got %I)", fn, (LUAI_UACINT)ram);
    vl_vmm *mon = NULL;
    lua_getfield(L, 1, "monitor");
    if (!lua_isnil(L, -1)) {
        lvm *other = luaL_testudata(L, -1, VM_MT);
        if (!other || !other->vm) return luaL_error(L, "%s: field 'monitor' must be a vlab.vmm", fn);
        mon = other->vm->mon;
    }
    lua_pop(L, 1);

    lvm *v = lua_newuserdatauv(L, sizeof *v, UV_COUNT);
    memset(v, 0, sizeof *v);
    luaL_setmetatable(L, VM_MT);
    const char *flavour = opt_str(L, 1, "flavour", fn);
    int fl = flavour ? vl_hw_flavour_find(flavour) : VL_HW_SVM;
    if (fl < 0) return luaL_error(L, "%s: unknown flavour '%s' (known: svm, vt)", fn, flavour);
    lua_getfield(L, 1, "exit_remove");
    bool has_remove = !lua_isnil(L, -1);
    lua_pop(L, 1);
    if ((flavour || has_remove) && t != VL_TECH_HW_ASSIST)
        return luaL_error(L, "%s: %s: for technique hw-assist only", fn, flavour ? "flavour" : "exit_remove");
    v->vm = vl_vm_new(mon, isa_name, model_name, (uint32_t)ram, t, NULL, err, sizeof err);
    if (!v->vm) return luaL_error(L, "%s: %s", fn, err);
    if (t == VL_TECH_HW_ASSIST) {
        vl_hw_set_flavour(v->vm, fl, NULL, 0);
        exit_change(L, v->vm, 1, "exit_remove", false, false, fn); /* the VM is the userdata's: collected on error */
    }
    if (has_depriv && vl_vm_set_deprivilege(v->vm, (int)(depriv < 0 || depriv > 31 ? -1 : depriv), err, sizeof err) < 0) {
        vl_vm_free(v->vm);
        v->vm = NULL;
        return luaL_error(L, "%s: deprivilege: %s", fn, err);
    }
    v->next_id = 1;
    lua_newtable(L);
    lua_setiuservalue(L, -2, UV_TRAPS);
    lua_newtable(L);
    lua_setiuservalue(L, -2, UV_EVENTS);
    /* the guest object */
    lua_newuserdatauv(L, 1, 2);
    luaL_setmetatable(L, GUEST_MT);
    lua_pushvalue(L, -2);
    lua_setiuservalue(L, -2, 1);
    lua_setiuservalue(L, -2, UV_GUEST);
    lua_getfield(L, LUA_REGISTRYINDEX, LIVE_VMS);
    lua_pushvalue(L, -2);
    lua_rawsetp(L, -2, v->vm);
    lua_pop(L, 1);
    return 1;
}

static int vm_gc(lua_State *L) {
    lvm *v = luaL_checkudata(L, 1, VM_MT);
    if (v->vm) {
        vlab_set_hook(v->vm->m, 0, NULL, NULL);
        vl_vm_free(v->vm);
        v->vm = NULL;
    }
    return 0;
}

static int vm_tostring(lua_State *L) {
    lvm *v = luaL_checkudata(L, 1, VM_MT);
    if (!v->vm) lua_pushstring(L, "vlab.vmm (freed)");
    else
        lua_pushfstring(L, "vlab.vmm %s:%s %s (guest %d, %d bytes RAM)", vlab_machine_isa(v->vm->m),
                        vlab_machine_model(v->vm->m), vl_technique_name(v->vm->technique), v->vm->id,
                        (int)vlab_ram_size(v->vm->m));
    return 1;
}

/* ---- trap and translate callbacks ------------------------------------------------------- */
/* One list (UV_TRAPS), each callback tagged with its event. */
enum { CB_TRAP = 1, CB_TRANSLATE = 2 };

/* The callbacks of tag pushed as a list (a copy: a callback may call
 * vm:off()) above the VM's userdata (*ud). Their number, or -1 when none
 * can run now (*stop: what the trampoline returns then). */
static int cb_begin(lvm *v, unsigned tag, int *ud, int *stop) {
    lua_State *L = v->L;
    *stop = 1;
    if (!L || v->failed || !lua_checkstack(L, 10)) return -1;
    *stop = 0;
    if (!(*ud = push_vm(L, v->vm))) return -1;
    lua_getiuservalue(L, *ud, UV_TRAPS);
    return vl_lua_cb_collect(L, lua_gettop(L), tag);
}

static int trap_trampoline(void *ctx, const vl_trap_event *ev) {
    lvm *v = ctx;
    lua_State *L = v->L;
    int top = L ? lua_gettop(L) : 0, ud, stop;
    int n = cb_begin(v, CB_TRAP, &ud, &stop);
    if (n < 0) {
        if (L) lua_settop(L, top);
        return stop;
    }
    int list = lua_gettop(L);
    for (int i = 1; i <= n && !stop; i++) {
        lua_rawgeti(L, list, i);
        lua_createtable(L, 0, 5);
        lua_pushinteger(L, ev->pc);
        lua_setfield(L, -2, "pc");
        lua_pushstring(L, ev->insn);
        lua_setfield(L, -2, "insn");
        lua_pushstring(L, vl_trap_kind_name(ev->kind));
        lua_setfield(L, -2, "kind");
        if (ev->exit_reason >= 0) {
            lua_pushstring(L, vl_exit_reason_name(ev->exit_reason));
            lua_setfield(L, -2, "reason");
        }
        if (ev->call >= 0) {
            lua_pushinteger(L, ev->call);
            lua_setfield(L, -2, "call");
        }
        if (ev->cls >= 0) {
            lua_pushstring(L, vl_class_name(ev->cls));
            lua_setfield(L, -2, "class");
        }
        lua_pushinteger(L, ev->vector);
        lua_setfield(L, -2, "vector");
        const char *name = vlab_vector_name(v->vm->m, ev->vector);
        if (name) {
            lua_pushstring(L, name);
            lua_setfield(L, -2, "name");
        }
        stop = vl_lua_cb_call(L, ud, UV_ERR, &v->failed);
    }
    lua_settop(L, top);
    return stop;
}

static int translate_trampoline(void *ctx, const vl_translate_event *ev) {
    lvm *v = ctx;
    lua_State *L = v->L;
    int top = L ? lua_gettop(L) : 0, ud, stop;
    int n = cb_begin(v, CB_TRANSLATE, &ud, &stop);
    if (n < 0) {
        if (L) lua_settop(L, top);
        return stop;
    }
    int list = lua_gettop(L);
    for (int i = 1; i <= n && !stop; i++) {
        lua_rawgeti(L, list, i);
        lua_createtable(L, 0, 4);
        lua_pushinteger(L, ev->addr);
        lua_setfield(L, -2, "addr");
        lua_pushinteger(L, ev->len);
        lua_setfield(L, -2, "len");
        lua_pushinteger(L, ev->insns);
        lua_setfield(L, -2, "insns");
        lua_pushinteger(L, ev->callouts);
        lua_setfield(L, -2, "callouts");
        stop = vl_lua_cb_call(L, ud, UV_ERR, &v->failed);
    }
    lua_settop(L, top);
    return stop;
}

static int vm_on(lua_State *L) {
    lvm *v = checkvm(L, 1);
    const char *ev = vl_lua_checkname(L, 2, "on", "event");
    luaL_checktype(L, 3, LUA_TFUNCTION);
    int tag = !strcmp(ev, "trap") ? CB_TRAP : !strcmp(ev, "translate") ? CB_TRANSLATE : 0;
    if (!tag) return luaL_error(L, "on: unknown event '%s' (known: trap, translate)", ev);
    if (tag == CB_TRANSLATE && vl_vm_on_translate(v->vm, translate_trampoline, v) < 0)
        return luaL_error(L, "on: technique %s translates nothing (translate: binary-translation, scan-and-patch)",
                          vl_technique_name(v->vm->technique));
    lua_getiuservalue(L, 1, UV_TRAPS);
    vl_lua_cb_add(L, lua_gettop(L), v->next_id, tag, 3);
    if (tag == CB_TRAP) vl_vm_on_trap(v->vm, trap_trampoline, v);
    lua_pushinteger(L, v->next_id++);
    return 1;
}

static int vm_off(lua_State *L) {
    lvm *v = checkvm(L, 1);
    lua_Integer id = luaL_checkinteger(L, 2);
    lua_getiuservalue(L, 1, UV_TRAPS);
    int cbs = lua_gettop(L);
    bool found = vl_lua_cb_remove(L, cbs, id);
    unsigned mask = vl_lua_cb_mask(L, cbs);
    if (!(mask & CB_TRAP)) vl_vm_on_trap(v->vm, NULL, NULL);
    if (!(mask & CB_TRANSLATE)) vl_vm_on_translate(v->vm, NULL, NULL);
    lua_pushboolean(L, found);
    return 1;
}

/* ---- running -------------------------------------------------------------------------- */

/* The VM userdata must be at index 1 (the trampoline finds it there). */
static int do_run(lua_State *L, lvm *v, const char *fn, bool step, uint64_t n, int has_until, uint32_t until,
                  vl_lua_gdb *gdb) {
    if (v->busy) return luaL_error(L, "%s: the guest is already running (called from a callback)", fn);
    uint64_t before = v->vm->m->cc->icount;
    adopt_monitor(L, v->vm->mon);
    v->busy = true;
    v->failed = false;
    vl_stop s = gdb ? vl_lua_gdb_serve(gdb, v->vm->m, v->vm)
              : step ? vl_vm_step(v->vm, n) : vl_vm_run(v->vm, n, has_until, until);
    v->busy = false;
    if (v->failed) {
        v->failed = false;
        lua_getiuservalue(L, 1, UV_ERR);
        lua_pushnil(L);
        lua_setiuservalue(L, 1, UV_ERR);
        return lua_error(L);
    }
    if (gdb && gdb->rc < 0) return luaL_error(L, "%s", gdb->err);
    vl_lua_push_stop(L, v->vm->m, s, v->vm->m->cc->icount - before);
    return 1;
}

static int run_args(lua_State *L, lvm *v, const char *fn, int arg) {
    uint64_t max;
    int has_until;
    uint32_t until;
    bool zero = vl_lua_run_args(L, arg, fn, &max, &has_until, &until);
    return do_run(L, v, fn, zero, max, has_until, until, NULL);
}

static int vm_gdb(lua_State *L) {
    lvm *v = checkvm(L, 1);
    vl_lua_gdb g;
    vl_lua_gdb_args(L, 2, &g);
    return do_run(L, v, "gdb", false, 0, 0, 0, &g);
}

static int vm_run(lua_State *L) { return run_args(L, checkvm(L, 1), "run", 2); }

static int vm_step(lua_State *L) {
    lvm *v = checkvm(L, 1);
    lua_Integer n = luaL_optinteger(L, 2, 1);
    if (n < 0) return luaL_error(L, "step: count %I is negative", (LUAI_UACINT)n);
    return do_run(L, v, "step", true, (uint64_t)n, 0, 0, NULL);
}

static const vlab_option run_all_options[] = {
    { "slice", VLAB_OPT_INTEGER }, { "max", VLAB_OPT_INTEGER }, { NULL, 0 }
};

static int vm_run_all(lua_State *L) {
    lvm *v = checkvm(L, 1);
    lua_Integer slice = 10000, max = 0;
    if (!lua_isnoneornil(L, 2)) {
        luaL_checktype(L, 2, LUA_TTABLE);
        vl_lua_check_opts(L, 2, "run_all", run_all_options);
        slice = opt_int(L, 2, "slice", "run_all", 10000, NULL);
        max = opt_int(L, 2, "max", "run_all", 0, NULL);
    }
    if (slice <= 0) return luaL_error(L, "run_all: slice must be > 0 (got %I)", (LUAI_UACINT)slice);
    if (max < 0) return luaL_error(L, "run_all: max must be >= 0 (got %I)", (LUAI_UACINT)max);
    if (v->busy) return luaL_error(L, "run_all: a guest is already running (called from a callback)");
    vl_vmm *mon = v->vm->mon;
    adopt_monitor(L, mon);
    v->busy = true;
    int live = vl_vmm_run(mon, (uint64_t)slice, (uint64_t)max);
    v->busy = false;
    /* a callback of any of the guests failed: raise its error */
    for (size_t i = 0; i < mon->nvms; i++) {
        int ud = push_vm(L, mon->vms[i]);
        if (!ud) continue;
        lvm *o = lua_touserdata(L, ud);
        if (o->failed) {
            o->failed = false;
            lua_getiuservalue(L, ud, UV_ERR);
            return lua_error(L);
        }
        lua_pop(L, 1);
    }
    lua_pushinteger(L, live);
    return 1;
}

static int vm_reset(lua_State *L) {
    lvm *v = checkvm(L, 1);
    if (v->busy) return luaL_error(L, "reset: the guest is running (called from a callback)");
    vl_vm_reset(v->vm);
    return 0;
}

/* ---- stats and cost ------------------------------------------------------------------- */

static int vm_stats(lua_State *L) {
    lvm *v = checkvm(L, 1);
    vl_vmm_stats s;
    vl_vm_stats(v->vm, &s);
    lua_createtable(L, 0, 18);
#define F(x)                                \
    lua_pushinteger(L, (lua_Integer)s.x);   \
    lua_setfield(L, -2, #x)
    F(guest_instructions);
    F(traps);
    F(emulated);
    F(reflected);
    F(interpreted);
    F(exits);
    F(scanned);
    F(patched);
    F(blocks);
    F(translated);
    F(callouts);
    F(lookups);
    F(flushes);
    F(cache_bytes);
    F(hypercalls);
    F(world_switches);
    F(watch_hits);
    F(cost);
#undef F
    lua_createtable(L, 0, VL_EXIT_REASON_COUNT);
    for (int r = 0; r < VL_EXIT_REASON_COUNT; r++) {
        lua_pushinteger(L, (lua_Integer)s.exit_reasons[r]);
        lua_setfield(L, -2, vl_exit_reason_name(r));
    }
    lua_setfield(L, -2, "exit_reasons");
    return 1;
}

/* ---- hw-assist: the exit set -------------------------------------------------------- */

static void exit_item(void *ctx, const char *mnemonic, int vector) {
    lua_State *L = ctx;
    int list = mnemonic ? -2 : -1; /* forms below exceptions on the stack */
    if (mnemonic) lua_pushstring(L, mnemonic);
    else lua_pushinteger(L, vector);
    lua_rawseti(L, list - 1, (lua_Integer)luaL_len(L, list - 1) + 1);
}

/* vm:exit_set([{ add =, remove =, add_exceptions =, remove_exceptions = }])
 *   -> { forms = { mnemonic... }, exceptions = { vector... }, flavour = } */
static int vm_exit_set(lua_State *L) {
    lvm *v = checkvm(L, 1);
    const char *fn = "vm:exit_set";
    if (vl_hw_flavour(v->vm) < 0)
        return luaL_error(L, "%s: not a hw-assist VM (technique %s)", fn, vl_technique_name(v->vm->technique));
    if (!lua_isnoneornil(L, 2)) {
        luaL_checktype(L, 2, LUA_TTABLE);
        static const vlab_option opts[] = { { "add", VLAB_OPT_TABLE }, { "remove", VLAB_OPT_TABLE },
                                            { "add_exceptions", VLAB_OPT_TABLE },
                                            { "remove_exceptions", VLAB_OPT_TABLE }, { NULL, 0 } };
        vl_lua_check_opts(L, 2, fn, opts);
        exit_change(L, v->vm, 2, "add", false, true, fn);
        exit_change(L, v->vm, 2, "remove", false, false, fn);
        exit_change(L, v->vm, 2, "add_exceptions", true, true, fn);
        exit_change(L, v->vm, 2, "remove_exceptions", true, false, fn);
    }
    lua_createtable(L, 0, 3);
    lua_newtable(L); /* forms */
    lua_newtable(L); /* exceptions */
    vl_hw_exit_list(v->vm, exit_item, L);
    lua_setfield(L, -3, "exceptions");
    lua_setfield(L, -2, "forms");
    lua_pushstring(L, vl_hw_flavour_name(vl_hw_flavour(v->vm)));
    lua_setfield(L, -2, "flavour");
    return 1;
}

static int vm_cost(lua_State *L) {
    lvm *v = checkvm(L, 1);
    lua_newtable(L);
    for (int i = 0; vl_cost_names[i]; i++) {
        lua_pushinteger(L, *vl_cost_field(&v->vm->cost, vl_cost_names[i]));
        lua_setfield(L, -2, vl_cost_names[i]);
    }
    return 1;
}

static int vm_set_cost(lua_State *L) {
    lvm *v = checkvm(L, 1);
    luaL_checktype(L, 2, LUA_TTABLE);
    vl_cost_table c = v->vm->cost;
    lua_pushnil(L);
    while (lua_next(L, 2)) {
        if (lua_type(L, -2) != LUA_TSTRING) return luaL_error(L, "set_cost: keys must be names");
        const char *k = lua_tostring(L, -2);
        if (strlen(k) != lua_rawlen(L, -2)) return luaL_error(L, "set_cost: a name contains a NUL byte");
        uint32_t *f = vl_cost_field(&c, k);
        if (!f) { /* the names of the table itself (vmm.c), so the message cannot fall behind it */
            char known[256];
            size_t at = 0;
            known[0] = 0;
            for (int i = 0; vl_cost_names[i] && at < sizeof known; i++)
                at += (size_t)snprintf(known + at, sizeof known - at, "%s%s", i ? ", " : "", vl_cost_names[i]);
            return luaL_error(L, "set_cost: unknown cost '%s' (known: %s)", k, known);
        }
        int isnum = 0;
        lua_Integer x = lua_tointegerx(L, -1, &isnum);
        if (!isnum || x < 0 || x > 0xFFFFFFFFll)
            return luaL_error(L, "set_cost: '%s' must be an integer 0 to 4294967295", k);
        *f = (uint32_t)x;
        lua_pop(L, 1);
    }
    vl_vm_set_cost(v->vm, &c);
    return 0;
}

static int vm_check(lua_State *L) {
    lvm *v = checkvm(L, 1);
    char why[256] = "";
    if (vl_vm_check(v->vm, why, sizeof why) == 0 && vl_alloc_check(&v->vm->mon->alloc, why, sizeof why) == 0) {
        lua_pushboolean(L, 1);
        return 1;
    }
    lua_pushboolean(L, 0);
    lua_pushstring(L, why);
    return 2;
}

static const luaL_Reg vm_methods[] = {
    { "run", vm_run },     { "step", vm_step },         { "on", vm_on },       { "gdb", vm_gdb },
    { "off", vm_off },     { "stats", vm_stats },       { "cost", vm_cost },
    { "set_cost", vm_set_cost }, { "check", vm_check }, { "reset", vm_reset },
    { "run_all", vm_run_all }, { "exit_set", vm_exit_set }, { NULL, NULL },
};

static int vm_index(lua_State *L) {
    lvm *v = checkvm(L, 1);
    const char *k = luaL_checkstring(L, 2);
    if (!strcmp(k, "guest")) lua_getiuservalue(L, 1, UV_GUEST);
    else if (!strcmp(k, "isa")) lua_pushstring(L, vlab_machine_isa(v->vm->m));
    else if (!strcmp(k, "model")) lua_pushstring(L, vlab_machine_model(v->vm->m));
    else if (!strcmp(k, "technique")) lua_pushstring(L, vl_technique_name(v->vm->technique));
    else if (!strcmp(k, "id")) lua_pushinteger(L, v->vm->id);
    else lua_getfield(L, lua_upvalueindex(1), k);
    return 1;
}

/* ---- the guest ------------------------------------------------------------------------- */


static int g_stats(lua_State *L) {
    lvm *v = guest_vm(L, 1);
    vl_vmm_stats s;
    vl_vm_stats(v->vm, &s);
    lua_createtable(L, 0, 4);
    lua_pushinteger(L, (lua_Integer)s.guest_instructions);
    lua_setfield(L, -2, "instructions");
    lua_pushinteger(L, (lua_Integer)s.reflected);
    lua_setfield(L, -2, "exceptions");
    return 1;
}

/* Replace the guest at 1 by its VM so that the run helpers find it there. */
static lvm *guest_to_vm(lua_State *L) {
    lvm *v = guest_vm(L, 1);
    lua_getiuservalue(L, 1, 1);
    lua_replace(L, 1);
    return v;
}

static int g_run(lua_State *L) { return run_args(L, guest_to_vm(L), "run", 2); }

static int g_step(lua_State *L) {
    lvm *v = guest_to_vm(L);
    lua_Integer n = luaL_optinteger(L, 2, 1);
    if (n < 0) return luaL_error(L, "step: count %I is negative", (LUAI_UACINT)n);
    return do_run(L, v, "step", true, (uint64_t)n, 0, 0, NULL);
}

/* The guest's machine events, as a machine's: what the guest itself sees
 * happen (vl_vm_set_hook). Console output; exceptions the guest receives
 * (reflected into its vector table, or raised by an instruction the monitor
 * executed); changes of its virtual privilege level; and, with a "step"
 * callback, one event after each guest instruction (the guest then runs one
 * instruction at a time, as a machine with hooks does). */
static const char *const gev_names[] = { "exception", "mode", "step", "console", NULL };
static const int gev_bits[] = { VLAB_EV_EXCEPTION, VLAB_EV_MODE, VLAB_EV_STEP, VLAB_EV_CONSOLE };

static int gev_trampoline(void *ctx, int event, uint32_t a, uint32_t b) {
    lvm *v = ctx;
    lua_State *L = v->L;
    if (!L || v->failed || !lua_checkstack(L, 10)) return 1;
    int top = lua_gettop(L);
    int ud = push_vm(L, v->vm);
    if (!ud) return 0;
    lua_getiuservalue(L, ud, UV_EVENTS);
    int k = vl_lua_cb_collect(L, lua_gettop(L), (unsigned)event);
    int fns = lua_gettop(L);
    int stop = 0;
    for (int i = 1; i <= k && !stop; i++) {
        lua_rawgeti(L, fns, i);
        vl_lua_push_event(L, v->vm->m, event, a, b);
        stop = vl_lua_cb_call(L, ud, UV_ERR, &v->failed);
    }
    lua_settop(L, top);
    return stop;
}

static int g_on(lua_State *L) {
    lvm *v = guest_to_vm(L);
    const char *ev = vl_lua_checkname(L, 2, "on", "event");
    if (!strcmp(ev, "trap") || !strcmp(ev, "translate")) return vm_on(L);
    luaL_checktype(L, 3, LUA_TFUNCTION);
    int bit = 0;
    for (int i = 0; gev_names[i]; i++)
        if (!strcmp(ev, gev_names[i])) bit = gev_bits[i];
    if (!bit) return luaL_error(L, "on: unknown event '%s' (known: exception, mode, step, console, trap, translate)", ev);
    lua_getiuservalue(L, 1, UV_EVENTS);
    int list = lua_gettop(L);
    vl_lua_cb_add(L, list, v->next_id, bit, 3);
    unsigned mask = vl_lua_cb_mask(L, list);
    vl_vm_set_hook(v->vm, mask, mask ? gev_trampoline : NULL, v);
    lua_pushinteger(L, v->next_id++);
    return 1;
}

static int g_off(lua_State *L) {
    lvm *v = guest_to_vm(L);
    lua_Integer id = luaL_checkinteger(L, 2);
    lua_getiuservalue(L, 1, UV_EVENTS);
    int list = lua_gettop(L);
    if (vl_lua_cb_remove(L, list, id)) {
        unsigned mask = vl_lua_cb_mask(L, list);
        vl_vm_set_hook(v->vm, mask, mask ? gev_trampoline : NULL, v);
        lua_pushboolean(L, 1);
        return 1;
    }
    lua_settop(L, 2);
    return vm_off(L); /* a trap callback's id */
}

static int g_reset(lua_State *L) {
    guest_to_vm(L);
    return vm_reset(L);
}

/* The guest as a view (lua/lview.h): the machine's memory and console, the
 * registers, pc and mode as the guest sees them. */
static vl_lview guest_check(lua_State *L, int idx) {
    lvm *v = guest_vm(L, idx);
    vl_lview w = { v->vm->m, v->vm };
    return w;
}

static uint32_t guest_reg_get(void *self, int idx) { return vl_vm_reg_get(self, idx); }
static void guest_reg_set(void *self, int idx, uint32_t v) { vl_vm_reg_set(self, idx, v); }
static uint32_t guest_pc(void *self) { return vl_vm_pc(self); }
static void guest_set_pc(void *self, uint32_t pc) { vl_vm_set_pc(self, pc); }
static int guest_priv(void *self) { return vl_vm_privilege(self); }
static int guest_set_priv(void *self, int level) { return vl_vm_set_privilege(self, level); }
static int guest_code_bits(void *self) { return vl_vm_code_bits(self); }
static size_t guest_fetch(void *self, uint32_t addr, uint8_t *buf, size_t len) {
    return vl_vm_read_virt(self, addr, buf, len, true);
}

/* uservalue 2 of a guest: its regs proxy */
static const vl_lview_class guest_class = {
    "guest", "g", GREGS_MT, 2, guest_check, guest_reg_get, guest_reg_set, guest_pc,
    guest_set_pc, guest_priv, guest_set_priv, guest_code_bits, guest_fetch,
};

static int g_regs(lua_State *L) {
    vl_lview_push_regs(L, &guest_class, 1);
    return 1;
}

static const luaL_Reg guest_methods[] = {
    { "step", g_step },   { "run", g_run },     { "on", g_on },
    { "off", g_off },     { "stats", g_stats }, { "reset", g_reset }, { "regs_table", g_regs },
    { NULL, NULL },
};

static int g_tostring(lua_State *L) {
    lvm *v = guest_vm(L, 1);
    lua_pushfstring(L, "vlab.guest %s:%s (guest %d)", vlab_machine_isa(v->vm->m), vlab_machine_model(v->vm->m),
                    v->vm->id);
    return 1;
}

/* ---- vlab.compare ------------------------------------------------------------------------- */

/* A machine, a guest or a VM (its guest) as a view. */
static vl_view to_view(lua_State *L, int idx) {
    vl_view w = { NULL, NULL };
    lvm *v;
    if ((v = luaL_testudata(L, idx, VM_MT))) {
        if (!v->vm) luaL_error(L, "compare: VM already freed");
        w.m = v->vm->m;
        w.vm = v->vm;
    } else if (luaL_testudata(L, idx, GUEST_MT)) {
        v = guest_vm(L, idx);
        w.m = v->vm->m;
        w.vm = v->vm;
    } else {
        void *p = luaL_testudata(L, idx, MACHINE_MT);
        if (!p) luaL_error(L, "compare: argument %d must be a machine, a guest or a VM (got %s)", idx, luaL_typename(L, idx));
        w.m = *(vlab_machine **)p; /* lua/lvlab.c: the first field */
        if (!w.m) luaL_error(L, "compare: machine already freed");
    }
    return w;
}

static void push_diff(lua_State *L, const vl_diff *d) {
    static const char *const kinds[] = { "reg", "mem", "console", "shape" };
    char text[160];
    vl_diff_format(d, text, sizeof text);
    lua_createtable(L, 0, 7);
    lua_pushstring(L, kinds[d->kind & 3]);
    lua_setfield(L, -2, "kind");
    lua_pushstring(L, d->what);
    lua_setfield(L, -2, "what");
    if (d->kind == VL_DIFF_MEM || d->kind == VL_DIFF_CONSOLE) {
        lua_pushinteger(L, d->addr);
        lua_setfield(L, -2, d->kind == VL_DIFF_MEM ? "addr" : "offset");
        lua_pushinteger(L, d->len);
        lua_setfield(L, -2, "len");
    }
    if (d->kind == VL_DIFF_REG) {
        lua_pushstring(L, d->what);
        lua_setfield(L, -2, "reg");
    }
    lua_pushinteger(L, d->a == 0xFFFFFFFFu && d->kind == VL_DIFF_CONSOLE ? -1 : (lua_Integer)d->a);
    lua_setfield(L, -2, "a");
    lua_pushinteger(L, d->b == 0xFFFFFFFFu && d->kind == VL_DIFF_CONSOLE ? -1 : (lua_Integer)d->b);
    lua_setfield(L, -2, "b");
    lua_pushstring(L, text);
    lua_setfield(L, -2, "text");
}

static int l_compare(lua_State *L) {
    vl_view a = to_view(L, 1), b = to_view(L, 2);
    size_t n = vl_compare(&a, &b, NULL, 0);
    vl_diff *d = n ? calloc(n, sizeof *d) : NULL;
    if (n && !d) return luaL_error(L, "compare: out of memory");
    vl_compare(&a, &b, d, n);
    lua_createtable(L, (int)n, 0);
    for (size_t i = 0; i < n; i++) {
        push_diff(L, &d[i]);
        lua_rawseti(L, -2, (lua_Integer)i + 1);
    }
    free(d);
    return 1;
}

/* vlab.equivalence{ isa=, model=, technique=, flavour=, code=bytes, org=, entry=, ram=, sp=, max= } */
static const vlab_option equivalence_options[] = {
    { "isa", VLAB_OPT_STRING }, { "model", VLAB_OPT_STRING }, { "technique", VLAB_OPT_STRING },
    { "code", VLAB_OPT_STRING }, { "org", VLAB_OPT_INTEGER },  { "entry", VLAB_OPT_INTEGER },
    { "ram", VLAB_OPT_INTEGER }, { "sp", VLAB_OPT_INTEGER },    { "max", VLAB_OPT_INTEGER },
    { "flavour", VLAB_OPT_STRING }, { NULL, 0 }
};

static int l_equivalence(lua_State *L) {
    const char *fn = "vlab.equivalence";
    luaL_checktype(L, 1, LUA_TTABLE);
    vl_lua_check_opts(L, 1, fn, equivalence_options);
    const char *isa = opt_str(L, 1, "isa", fn), *model = opt_str(L, 1, "model", fn);
    const char *tech = opt_str(L, 1, "technique", fn);
    char err[512];
    const char *isa_name = isa, *model_name = model;
    if (isa && strchr(isa, ':')) {
        if (vlab_resolve(isa, &isa_name, &model_name, err, sizeof err) < 0) return luaL_error(L, "%s: %s", fn, err);
    } else if (!isa) {
        if (!model) return luaL_error(L, "%s: field 'isa' is required", fn);
        if (vlab_resolve(model, &isa_name, &model_name, err, sizeof err) < 0) return luaL_error(L, "%s: %s", fn, err);
    }
    int t = vl_technique_find(tech ? tech : "trap-and-emulate");
    if (t < 0) return luaL_error(L, "%s: unknown technique '%s' (known: %s)", fn, tech, vl_technique_list());
    const char *flavour = opt_str(L, 1, "flavour", fn);
    int fl = flavour ? vl_hw_flavour_find(flavour) : VL_HW_SVM;
    if (fl < 0) return luaL_error(L, "%s: unknown flavour '%s' (known: svm, vt)", fn, flavour);
    if (flavour && t != VL_TECH_HW_ASSIST) return luaL_error(L, "%s: flavour: for technique hw-assist only", fn);
    lua_getfield(L, 1, "code");
    size_t len = 0;
    const char *code = lua_tolstring(L, -1, &len);
    if (!code) return luaL_error(L, "%s: field 'code' (the image bytes) is required", fn);
    lua_Integer ram = opt_int(L, 1, "ram", fn, 1 << 20, NULL), org = opt_int(L, 1, "org", fn, 0, NULL);
    bool has_entry;
    lua_Integer entry = opt_int(L, 1, "entry", fn, 0, &has_entry), sp = opt_int(L, 1, "sp", fn, 0, NULL);
    lua_Integer max = opt_int(L, 1, "max", fn, 1000000, NULL);
    if (ram <= 0 || ram > (1ll << 30)) return luaL_error(L, "%s: ram out of range", fn);
    if (org < 0 || org > 0xFFFFFFFFll || entry < 0 || entry > 0xFFFFFFFFll || sp < 0 || sp > 0xFFFFFFFFll || max < 0)
        return luaL_error(L, "%s: org, entry, sp and max must be 32-bit unsigned", fn);
    vl_equiv_image img = { isa_name, model_name, (uint32_t)ram, (const uint8_t *)code, len, (uint32_t)org,
                           (uint32_t)(has_entry ? entry : org), (uint32_t)sp };
    img.hw_flavour = fl;
    vl_equiv_result r;
    if (vl_equiv_run(&img, (uint64_t)max, t, &r, err, sizeof err) < 0) return luaL_error(L, "%s: %s", fn, err);
    lua_createtable(L, 0, 8);
    lua_pushboolean(L, r.equal);
    lua_setfield(L, -2, "equal");
    lua_pushinteger(L, (lua_Integer)r.instructions);
    lua_setfield(L, -2, "instructions");
    if (!r.equal) {
        lua_pushinteger(L, (lua_Integer)r.first);
        lua_setfield(L, -2, "first");
        lua_pushinteger(L, r.first_pc);
        lua_setfield(L, -2, "pc");
        lua_pushstring(L, r.first_insn);
        lua_setfield(L, -2, "insn");
    }
    lua_createtable(L, (int)r.ndiffs, 0);
    size_t shown = r.ndiffs < 16 ? r.ndiffs : 16;
    for (size_t i = 0; i < shown; i++) {
        push_diff(L, &r.diffs[i]);
        lua_rawseti(L, -2, (lua_Integer)i + 1);
    }
    lua_setfield(L, -2, "diffs");
    lua_createtable(L, (int)r.nfinal, 0);
    for (size_t i = 0; i < r.nfinal; i++) {
        push_diff(L, &r.final[i]);
        lua_pushinteger(L, (lua_Integer)r.final[i].at);
        lua_setfield(L, -2, "at");
        lua_pushinteger(L, r.final[i].at_pc);
        lua_setfield(L, -2, "at_pc");
        lua_pushinteger(L, r.final[i].at_vm_pc);
        lua_setfield(L, -2, "at_vm_pc");
        lua_pushstring(L, r.final[i].at_insn);
        lua_setfield(L, -2, "at_insn");
        lua_rawseti(L, -2, (lua_Integer)i + 1);
    }
    lua_setfield(L, -2, "final");
    vl_equiv_free(&r);
    lua_pushstring(L, vlab_stop_name(r.native_stop.reason));
    lua_setfield(L, -2, "native_stop");
    lua_pushstring(L, vlab_stop_name(r.vm_stop.reason));
    lua_setfield(L, -2, "vm_stop");
    return 1;
}

/* ---- registration ----------------------------------------------------------------------------- */

int vl_lua_open_vmm(lua_State *L) {
    int mod = lua_gettop(L);
    if (lua_getfield(L, LUA_REGISTRYINDEX, LIVE_VMS) != LUA_TTABLE) {
        lua_pop(L, 1);
        lua_newtable(L);
        lua_createtable(L, 0, 1);
        lua_pushstring(L, "v");
        lua_setfield(L, -2, "__mode");
        lua_setmetatable(L, -2);
        lua_setfield(L, LUA_REGISTRYINDEX, LIVE_VMS);
    } else {
        lua_pop(L, 1);
    }
    if (luaL_newmetatable(L, VM_MT)) {
        luaL_newlib(L, vm_methods);
        lua_pushcclosure(L, vm_index, 1);
        lua_setfield(L, -2, "__index");
        lua_pushcfunction(L, vm_gc);
        lua_setfield(L, -2, "__gc");
        lua_pushcfunction(L, vm_gc);
        lua_setfield(L, -2, "__close");
        lua_pushcfunction(L, vm_tostring);
        lua_setfield(L, -2, "__tostring");
    }
    lua_pop(L, 1);
    if (luaL_newmetatable(L, GUEST_MT)) {
        vl_lview_open(L, &guest_class, guest_methods);
        lua_pushcfunction(L, g_tostring);
        lua_setfield(L, -2, "__tostring");
    }
    lua_pop(L, 1);
    lua_pushcfunction(L, l_vmm);
    lua_setfield(L, mod, "vmm");
    lua_pushcfunction(L, l_compare);
    lua_setfield(L, mod, "compare");
    lua_pushcfunction(L, l_techniques);
    lua_setfield(L, mod, "techniques");
    lua_pushcfunction(L, l_equivalence);
    lua_setfield(L, mod, "equivalence");
    vl_lua_add_options(L, mod, "vlab.vmm", vmm_options);
    vl_lua_add_options(L, mod, "run_all", run_all_options);
    vl_lua_add_options(L, mod, "vlab.equivalence", equivalence_options);
    return 0;
}
