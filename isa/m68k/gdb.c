/* gdb.c - the 68000/68010 registers in gdb's numbering for m68k (the
 * remote 'g' packet of gdb's m68k target): d0-d7, a0-a5, fp (a6), sp (a7,
 * the active stack pointer), ps (the SR, 32 bits wide there), pc, then the
 * 68881 registers, which these models do not have (unavailable). */
#include "vmm/vmm.h"

static const vl_gdb_reg regs[] = {
    { "d0", 4 }, { "d1", 4 }, { "d2", 4 }, { "d3", 4 }, { "d4", 4 }, { "d5", 4 }, { "d6", 4 }, { "d7", 4 },
    { "a0", 4 }, { "a1", 4 }, { "a2", 4 }, { "a3", 4 }, { "a4", 4 }, { "a5", 4 }, { "a6", 4 }, { "a7", 4 },
    { "sr", 4 }, { "pc", 4 },
    /* fp0-fp7, fpcontrol, fpstatus, fpiaddr: no FPU */
    { NULL, 12 }, { NULL, 12 }, { NULL, 12 }, { NULL, 12 }, { NULL, 12 }, { NULL, 12 }, { NULL, 12 }, { NULL, 12 },
    { NULL, 4 }, { NULL, 4 }, { NULL, 4 },
};

const vl_gdb_isa vl_gdb_m68k = {
    .isa = "m68k", .arch = "m68k", .regs = regs, .nregs = sizeof regs / sizeof regs[0], .ng = 18, .pc = 17,
};
