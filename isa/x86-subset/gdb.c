/* gdb.c - the i386/Pentium registers in gdb's numbering for i386 (the
 * remote 'g' packet of gdb's default i386 target): eax, ecx, edx, ebx, esp,
 * ebp, esi, edi, eip, eflags, cs, ss, ds, es, fs, gs (32 bits each there),
 * then the x87 and SSE registers, which the subset does not model
 * (unavailable). */
#include "vmm/vmm.h"

#define ST { NULL, 10 }
#define X { NULL, 16 }
#define W { NULL, 4 }
static const vl_gdb_reg regs[] = {
    { "eax", 4 }, { "ecx", 4 }, { "edx", 4 }, { "ebx", 4 }, { "esp", 4 }, { "ebp", 4 }, { "esi", 4 }, { "edi", 4 },
    { "eip", 4 }, { "eflags", 4 },
    { "cs", 4 }, { "ss", 4 }, { "ds", 4 }, { "es", 4 }, { "fs", 4 }, { "gs", 4 },
    ST, ST, ST, ST, ST, ST, ST, ST,
    W, W, W, W, W, W, W, W, /* fctrl, fstat, ftag, fiseg, fioff, foseg, fooff, fop */
    X, X, X, X, X, X, X, X, /* xmm0-xmm7 */
    W,                      /* mxcsr */
};

const vl_gdb_isa vl_gdb_x86 = {
    .isa = "x86", .arch = "i386", .regs = regs, .nregs = sizeof regs / sizeof regs[0], .ng = 16, .pc = 8,
};
