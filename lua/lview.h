/* lview.h - what lua/lvlab.c shares with lua/lvmm.c (defined in lvlab.c).
 *
 * A view is what a machine's methods work on: a machine or a guest as it
 * sees itself (vm.guest). The guest offers the machine's API, so memory, the
 * regs proxy, pc and mode have one implementation; a class says how an
 * object reaches its machine and where its registers, pc and mode live (the
 * guest's privileged state is virtual). Then the callback lists, event and
 * stop tables, and options that machines and VMs both take. */
#ifndef VL_LVIEW_H
#define VL_LVIEW_H

#include <lauxlib.h>
#include <lua.h>
#include <stdbool.h>
#include <stdint.h>

#include "vlab.h"

typedef struct vl_lview {
    vlab_machine *m; /* memory, console, register table */
    void *self;      /* what the class's accessors take */
} vl_lview;

typedef struct vl_lview_class {
    const char *name;    /* "machine": in messages */
    const char *letter;  /* "m": the variable the messages suggest */
    const char *regs_mt; /* metatable of the regs proxy */
    int regs_uv;         /* the object's uservalue that keeps its regs proxy */
    /* the object at idx (absolute), or a Lua error when it is gone */
    vl_lview (*check)(lua_State *L, int idx);
    uint32_t (*reg_get)(void *self, int idx);
    void (*reg_set)(void *self, int idx, uint32_t v);
    uint32_t (*get_pc)(void *self);
    void (*set_pc)(void *self, uint32_t pc);
    int (*priv_get)(void *self);            /* privilege level, 0 the most privileged */
    int (*priv_set)(void *self, int level); /* 0, or -1 for a level the ISA lacks */
    int (*code_bits)(void *self);           /* 16 or 32: the code it executes now */
    /* memory as its CPU fetches code at addr (x86: an offset in CS),
     * through its MMU: the bytes read */
    size_t (*fetch)(void *self, uint32_t addr, uint8_t *buf, size_t len);
} vl_lview_class;

/* On the metatable at the top of the stack: __index (the shared methods,
 * then own, then the fields pc, regs, isa, model, ram, mmio_base) and
 * __newindex (pc); and the regs proxy's metatable cls->regs_mt. */
void vl_lview_open(lua_State *L, const vl_lview_class *cls, const luaL_Reg *own);
/* The object at idx's registers as a table name -> value. */
void vl_lview_push_regs(lua_State *L, const vl_lview_class *cls, int idx);

/* Callback lists (a table of { id=, ev=, fn= }, ev a VLAB_EV_* bit, absent
 * for the monitor's traps), shared by m:on, vm:on and vm.guest:on. */
void vl_lua_cb_add(lua_State *L, int list, int id, int ev, int fn); /* ev 0: none */
bool vl_lua_cb_remove(lua_State *L, int list, lua_Integer id);
unsigned vl_lua_cb_mask(lua_State *L, int list);
/* Pushes a copy of the functions for event (0: all), so that a callback
 * may call off(); returns how many. */
int vl_lua_cb_collect(lua_State *L, int list, unsigned event);
/* Calls the function under its one argument on the top. An error is kept
 * in uservalue uv_err of the userdata at ud, with *failed set. 1: stop. */
int vl_lua_cb_call(lua_State *L, int ud, int uv_err, bool *failed);
/* The event table of a machine event (a mode event's a: the new level). */
void vl_lua_push_event(lua_State *L, vlab_machine *m, int event, uint32_t a, uint32_t b);
/* The stop table of a run; m NULL when it was freed during the run. */
void vl_lua_push_stop(lua_State *L, vlab_machine *m, vlab_stop s, uint64_t done);

/* Options tables: the field, or dflt (NULL) when absent; a wrong type is an
 * error "fn: field 'f' must be ...". Every error of the module names the
 * caller's line first, as luaL_error does. */
lua_Integer vl_lua_opt_int(lua_State *L, int t, const char *field, const char *fn, lua_Integer dflt, bool *present);
const char *vl_lua_opt_str(lua_State *L, int t, const char *field, const char *fn);
/* vlab.options[fn] = the names of opts, on the module table at mod: the
 * lists the functions check, for tools and for tests/docs.sh. */
void vl_lua_add_options(lua_State *L, int mod, const char *fn, const vlab_option *opts);
/* A string argument C reads as a name (an ISA, a path, an event): an
 * embedded NUL is an error "fn: what contains a NUL byte". */
const char *vl_lua_checkname(lua_State *L, int arg, const char *fn, const char *what);
/* Strict options: every key of the table at t must be one of opts, of
 * one of its kinds; else a Lua error naming the key and the known ones
 * (core/options.c words it). */
void vl_lua_check_opts(lua_State *L, int t, const char *fn, const vlab_option *opts);
/* The argument of run(): a count or { max =, until_pc = } (the options
 * vl_run_options, checked). */
extern const vlab_option vl_run_options[];
/* Returns 1 when max is 0: run no instruction (no max at all: no limit,
 * *max = 0). */
int vl_lua_run_args(lua_State *L, int arg, const char *fn, uint64_t *max, int *has_until,
                    uint32_t *until_pc);

/* m:gdb{ port =, wait =, max = } and vm:gdb{} (lua/lgdb.c): the options,
 * checked (a Lua error when wrong), then one session in place of a run; on
 * failure rc is -1 and err says why (the caller raises it). */
typedef struct vl_lua_gdb {
    int port, wait_ms;
    uint64_t max;
    int rc;
    char err[256];
} vl_lua_gdb;
extern const vlab_option vl_gdb_options[];
void vl_lua_gdb_args(lua_State *L, int arg, vl_lua_gdb *g);
vlab_stop vl_lua_gdb_serve(vl_lua_gdb *g, vlab_machine *m, void *vm);

#endif
