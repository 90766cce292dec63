/* gdb.c - the PowerPC 750 registers in gdb's numbering for powerpc:common
 * (the remote 'g' packet of gdb's 32-bit PowerPC target): r0-r31, f0-f31,
 * pc, msr, cr, lr, ctr, xer, fpscr. vlab models no floating point (its
 * instructions trap as unimplemented): f0-f31 and fpscr are unavailable. */
#include "vmm/vmm.h"

#define R(n) { "r" #n, 4 }
#define F { NULL, 8 }
static const vl_gdb_reg regs[] = {
    R(0), R(1), R(2), R(3), R(4), R(5), R(6), R(7), R(8), R(9), R(10), R(11), R(12), R(13), R(14), R(15),
    R(16), R(17), R(18), R(19), R(20), R(21), R(22), R(23), R(24), R(25), R(26), R(27), R(28), R(29), R(30), R(31),
    F, F, F, F, F, F, F, F, F, F, F, F, F, F, F, F, F, F, F, F, F, F, F, F, F, F, F, F, F, F, F, F,
    { "pc", 4 }, { "msr", 4 }, { "cr", 4 }, { "lr", 4 }, { "ctr", 4 }, { "xer", 4 },
    { NULL, 4 }, /* fpscr */
};

const vl_gdb_isa vl_gdb_ppc = {
    .isa = "ppc", .arch = "powerpc:common", .regs = regs, .nregs = sizeof regs / sizeof regs[0], .ng = 70, .pc = 64,
};
