/* check.c - the argument checks of the machine methods, shared by every
 * front end (the Lua module for machines and guests, the LuaJIT FFI
 * binding), so that one mistake reads the same whichever way it was made.
 * Each check returns 0 (or an index), or -1 with "fn: what was wrong" in err. */
#include "core/core.h"
#include <inttypes.h>
#include <string.h>

int vlab_check_mem(const vlab_machine *m, const char *fn, int64_t addr, int64_t len, char *err, size_t errsz) {
    int64_t ram = m->mem.size;
    if (len < 0) {
        vl_seterr(err, errsz, "%s: length %" PRId64 " is negative", fn, len);
        return -1;
    }
    /* len 0 names a place, which may be the end of RAM */
    if (addr >= 0 && addr <= ram && len <= ram - addr) return 0;
    if (addr < 0)
        vl_seterr(err, errsz, "%s: address %" PRId64 " is negative (RAM is 0x0-0x%" PRIx64 ")", fn, addr, ram - 1);
    else
        vl_seterr(err, errsz, "%s: %" PRId64 " byte%s at 0x%" PRIx64 " %s not in RAM (0x0-0x%" PRIx64 ", %" PRId64
                  " bytes)", fn, len, len == 1 ? "" : "s", addr, len == 1 ? "is" : "are", ram - 1, ram);
    return -1;
}

int vlab_check_value(const char *fn, int64_t value, int bits, char *err, size_t errsz) {
    if (bits <= 0 || bits > 32) bits = 32;
    /* signed or unsigned: -128..255 fit in 8 bits */
    int64_t lo = -((int64_t)1 << (bits - 1)), hi = ((int64_t)1 << bits) - 1;
    if (value >= lo && value <= hi) return 0;
    vl_seterr(err, errsz, "%s: value %" PRId64 " does not fit in %d bits", fn, value, bits);
    return -1;
}

int vlab_check_reg(const vlab_machine *m, const char *name, char *err, size_t errsz) {
    int idx = name ? vlab_reg_index(m, name) : -1;
    if (idx < 0) vl_seterr(err, errsz, "regs: unknown register '%s' for %s", name ? name : "", m->desc->isa);
    return idx;
}

int vlab_check_reg_value(const vlab_machine *m, int idx, int64_t value, char *err, size_t errsz) {
    int width = vlab_reg_width(m, idx);
    if (width <= 0 || width > 32) width = 32;
    int64_t lo = -((int64_t)1 << (width - 1)), hi = ((int64_t)1 << width) - 1;
    if (value >= lo && value <= hi) return 0;
    vl_seterr(err, errsz, "regs: value %" PRId64 " does not fit register '%s' (%d bits)", value, vlab_reg_name(m, idx),
              width);
    return -1;
}

int vlab_check_privilege(const vlab_machine *m, int64_t level, char *err, size_t errsz) {
    if (level >= 0 && level < 8 && vlab_privilege_valid(m, (int)level)) return 0;
    char levels[32] = "";
    for (int l = 0, n = 0; l < 8; l++)
        if (vlab_privilege_valid(m, l)) {
            size_t k = strlen(levels);
            snprintf(levels + k, sizeof levels - k, "%s%d", n++ ? ", " : "", l);
        }
    vl_seterr(err, errsz, "set_privilege: %s has no privilege level %" PRId64 " (levels: %s)", m->desc->isa, level,
              levels);
    return -1;
}
