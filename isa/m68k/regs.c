/* regs.c - the 68000/68010 register table (DESIGN §4.2): names, widths,
 * privilege, and access by id. `a7`/`sp` are the active stack pointer;
 * `usp`/`ssp` always name the banked registers. Writing `sr` switches stacks
 * like the chip does. */
#include "isa/m68k/m68k.h"

enum { R_D0 = 0, R_A0 = 8, R_SP = 15, R_USP = 16, R_SSP, R_SR, R_CCR, R_PC, R_VBR, R_SFC, R_DFC };

#define RG(n, id) { n, 32, 0, id }
static const vl_reg_info regs010[] = {
    RG("d0", 0), RG("d1", 1), RG("d2", 2), RG("d3", 3), RG("d4", 4), RG("d5", 5), RG("d6", 6), RG("d7", 7),
    RG("a0", 8), RG("a1", 9), RG("a2", 10), RG("a3", 11), RG("a4", 12), RG("a5", 13), RG("a6", 14),
    RG("a7", 15), RG("sp", 15),
    { "usp", 32, VL_REG_PRIV, R_USP }, { "ssp", 32, VL_REG_PRIV, R_SSP },
    { "sr", 16, VL_REG_PRIV, R_SR }, { "ccr", 8, 0, R_CCR }, { "pc", 32, 0, R_PC },
    { "vbr", 32, VL_REG_PRIV, R_VBR }, { "sfc", 3, VL_REG_PRIV, R_SFC }, { "dfc", 3, VL_REG_PRIV, R_DFC },
};

const vl_reg_info *m68k_regs(int variant, int *count) {
    int n = (int)(sizeof regs010 / sizeof regs010[0]);
    if (count) *count = variant == M68K_68010 ? n : n - 3;
    return regs010;
}

uint32_t m68k_reg_get(void *cpu, int id) {
    m68k_cpu *s = cpu;
    bool sup = s->sr & 0x2000;
    if (id >= 0 && id < 8) return s->d[id];
    if (id >= 8 && id < 16) return s->a[id - 8];
    switch (id) {
    case R_USP: return sup ? s->usp : s->a[7];
    case R_SSP: return sup ? s->a[7] : s->ssp;
    case R_SR: return m68k_get_sr(s);
    case R_CCR: return m68k_get_sr(s) & 0x1F;
    case R_PC: return s->pc;
    case R_VBR: return s->vbr;
    case R_SFC: return s->sfc;
    case R_DFC: return s->dfc;
    default: return 0;
    }
}

void m68k_reg_set(void *cpu, int id, uint32_t v) {
    m68k_cpu *s = cpu;
    bool sup = s->sr & 0x2000;
    if (id >= 0 && id < 8) { s->d[id] = v; return; }
    if (id >= 8 && id < 16) { s->a[id - 8] = v; return; }
    switch (id) {
    case R_USP: if (sup) s->usp = v; else s->a[7] = v; break;
    case R_SSP: if (sup) s->a[7] = v; else s->ssp = v; break;
    case R_SR: m68k_set_sr(s, (uint16_t)v); break;
    case R_CCR: m68k_set_sr(s, (uint16_t)((m68k_get_sr(s) & 0xFF00) | (v & 0x1F))); break;
    case R_PC: s->pc = v; s->stopped = false; m68k_update_ithresh(s); break;
    case R_VBR: s->vbr = v; break;
    case R_SFC: s->sfc = v & 7; break;
    case R_DFC: s->dfc = v & 7; break;
    default: break;
    }
}
