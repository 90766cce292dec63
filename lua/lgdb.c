/* lgdb.c - m:gdb{ port =, wait =, max = } and vm:gdb{...}: serve one GDB
 * remote session on 127.0.0.1 (vmm/gdbstub.c, docs/gdb.md) from Lua. The
 * machine's own run wrappers (lvlab.c, lvmm.c do_run) call this in place of
 * a run, so that callbacks, busy checks and the stop table are theirs. */
#include <stdio.h>
#include <string.h>

#include "lua/lview.h"
#include "vmm/vmm.h"

/* m:gdb and vm:gdb read these (checked by the module's one option checker) */
const vlab_option vl_gdb_options[] = {
    { "port", VLAB_OPT_INTEGER }, { "wait", VLAB_OPT_INTEGER }, { "max", VLAB_OPT_INTEGER }, { NULL, 0 }
};

void vl_lua_gdb_args(lua_State *L, int arg, vl_lua_gdb *g) {
    memset(g, 0, sizeof *g);
    if (!lua_isnoneornil(L, arg)) vl_lua_check_opts(L, arg, "gdb", vl_gdb_options);
    lua_Integer port = 0, wait = 60, max = -1;
    bool has_max = false;
    if (!lua_isnoneornil(L, arg)) {
        port = vl_lua_opt_int(L, arg, "port", "gdb", 0, NULL);
        wait = vl_lua_opt_int(L, arg, "wait", "gdb", 60, NULL);
        max = vl_lua_opt_int(L, arg, "max", "gdb", 0, &has_max);
    }
    if (port < 0 || port > 65535) luaL_error(L, "gdb: port %I is not 0 to 65535", (LUAI_UACINT)port);
    if (wait < 1 || wait > 86400) luaL_error(L, "gdb: wait %I is not 1 to 86400 seconds", (LUAI_UACINT)wait);
    if (has_max && max < 0) luaL_error(L, "gdb: max %I is negative", (LUAI_UACINT)max);
    g->port = (int)port;
    g->wait_ms = (int)wait * 1000;
    g->max = has_max ? (uint64_t)max : UINT64_MAX; /* as m:run: no max, no limit; 0, none */
}

vlab_stop vl_lua_gdb_serve(vl_lua_gdb *g, vlab_machine *m, void *vm) {
    vl_gdb_opts o = { .port = g->port, .wait_ms = g->wait_ms, .max = g->max, .interrupt = m->interrupt,
                      .log = stderr };
    vlab_stop s;
    g->rc = vl_gdb_serve(&o, m, vm, &s, g->err, sizeof g->err);
    if (g->rc < 0) s = (vlab_stop){ .reason = VLAB_STOP_NONE, .pc = vlab_pc(m), .vector = -1 };
    return s;
}
