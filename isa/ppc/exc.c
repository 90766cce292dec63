/* exc.c - PowerPC 750 exception entry (PEM chapter 6, 750 UM chapter 4):
 * SRR0 = the restart address, SRR1 = reason bits | MSR bits 16-23, 25-27,
 * 30-31 (IBM), new MSR = ME and IP kept, everything else cleared (ILE/LE
 * not modelled), PC = vector offset | 0xFFF00000 when MSR[IP]. */
#include "isa/ppc/ppc.h"

const vl_vector_info ppc_vectors[] = {
    { 0x100, "system reset" },
    { 0x200, "machine check" },
    { 0x300, "dsi" },
    { 0x400, "isi" },
    { 0x500, "external interrupt" },
    { 0x600, "alignment" },
    { 0x700, "program" },
    { 0x800, "floating-point unavailable" },
    { 0x900, "decrementer" },
    { 0xC00, "system call" },
    { 0xD00, "trace" },
    { 0xF00, "performance monitor" },
    { 0x1300, "instruction address breakpoint" },
    { 0x1400, "system management interrupt" },
    { 0x1700, "thermal management" },
    { 0, NULL },
};

const char *ppc_vector_name(int v) {
    for (const vl_vector_info *p = ppc_vectors; p->name; p++)
        if (p->vector == v) return p->name;
    return "?";
}

void ppc_set_msr(ppc_cpu *s, uint32_t v) {
    v &= MSR_MASK;
    uint32_t old = s->msr;
    s->msr = v;
    s->fetch_page = 1;
    /* anything that can change what may interrupt ends the slice */
    s->slice_end = s->c.icount + 1;
    if ((old ^ v) & MSR_PR) {
        s->c.mode_switches++;
        vl_machine *m = s->c.m;
        if (m && (m->hook_mask & VLAB_EV_MODE))
            vl_event(m, VLAB_EV_MODE, (v & MSR_PR) ? 3u : 0u, s->pc);
    }
}

void ppc_take_exception(ppc_cpu *s, int v, uint32_t srr0, uint32_t reason) {
    s->srr0 = srr0;
    s->srr1 = (reason & 0xFFFF0000u) | (s->msr & MSR_SRR1_MASK);
    s->c.exceptions++;
    s->c.last_vector = v;
    s->c.last_vector_pc = srr0;
    if (v == 0x500 || v == 0x900) s->c.interrupts++;
    uint32_t nmsr = s->msr & (MSR_ME | MSR_IP);
    uint32_t target = ppc_vector_addr(s, v);
    vl_machine *m = s->c.m;
    if (m && (m->hook_mask & VLAB_EV_EXCEPTION)) vl_event(m, VLAB_EV_EXCEPTION, (uint32_t)v, srr0);
    ppc_set_msr(s, nmsr);
    s->pc = target;
}

/* Alignment DSISR (PEM 6.4.6): bits 15-21 from the opcode, 22-26 rD/rS,
 * 27-31 rA (IBM numbering). */
uint32_t ppc_align_dsisr(uint32_t w) {
    uint32_t d = 0;
    if ((w >> 26) == 31) {
        d |= ((w >> 1) & 3) << 15;
        d |= ((w >> 6) & 1) << 14;
        d |= ((w >> 7) & 0xF) << 10;
    } else {
        d |= ((w >> 26) & 1) << 14;
        d |= ((w >> 27) & 0xF) << 10;
    }
    d |= ((w >> 21) & 31) << 5;
    d |= (w >> 16) & 31;
    return d;
}
