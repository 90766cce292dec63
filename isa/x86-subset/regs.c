/* regs.c - the x86 register table (docs/x86.md): the general registers,
 * eip (alias pc), eflags, the segment registers and their hidden descriptor
 * caches (listed as hidden registers, so that the equivalence check compares
 * them), the control and debug registers, the descriptor-table registers and
 * the CPL. Writing a segment register from the host reloads its cache the
 * way the current mode would (real mode: base = selector x 16; protected
 * mode: from the descriptor table, without the checks of MOV). */
#include "isa/x86-subset/x86.h"
#include <string.h>

enum {
    R_EAX = 0, /* .. R_EDI = 7 in encoding order */
    R_EIP = 8, R_EFLAGS, R_SEG0 /* es cs ss ds fs gs: 10..15 */, R_CR0 = 16, R_CR2, R_CR3, R_CR4,
    R_GDTR_BASE, R_GDTR_LIMIT, R_IDTR_BASE, R_IDTR_LIMIT, R_LDTR, R_TR, R_CPL,
    R_DR0, /* .. dr7 = R_DR0 + 7 */
    R_CACHE = R_DR0 + 8 /* 8 caches (es cs ss ds fs gs ldtr tr) x 3: base, limit, attr */
};

#define G(n, id) { n, 32, 0, id }
#define P(n, w, id) { n, w, VL_REG_PRIV, id }
#define H(n, w, id) { n, w, VL_REG_HIDDEN, id }
#define C3(s, k) H(s "_base", 32, R_CACHE + 3 * (k)), H(s "_limit", 32, R_CACHE + 3 * (k) + 1), \
                 H(s "_attr", 16, R_CACHE + 3 * (k) + 2)

static const vl_reg_info regs_tab[] = {
    G("eax", 0), G("ebx", 3), G("ecx", 1), G("edx", 2), G("esi", 6), G("edi", 7), G("ebp", 5), G("esp", 4),
    G("eip", R_EIP), { "eflags", 32, 0, R_EFLAGS },
    { "cs", 16, 0, R_SEG0 + X86_CS }, { "ds", 16, 0, R_SEG0 + X86_DS }, { "es", 16, 0, R_SEG0 + X86_ES },
    { "fs", 16, 0, R_SEG0 + X86_FS }, { "gs", 16, 0, R_SEG0 + X86_GS }, { "ss", 16, 0, R_SEG0 + X86_SS },
    P("cr0", 32, R_CR0), P("cr2", 32, R_CR2), P("cr3", 32, R_CR3),
    P("gdtr_base", 32, R_GDTR_BASE), P("gdtr_limit", 16, R_GDTR_LIMIT),
    P("idtr_base", 32, R_IDTR_BASE), P("idtr_limit", 16, R_IDTR_LIMIT),
    P("ldtr", 16, R_LDTR), P("tr", 16, R_TR), P("cpl", 2, R_CPL),
    P("dr0", 32, R_DR0), P("dr1", 32, R_DR0 + 1), P("dr2", 32, R_DR0 + 2), P("dr3", 32, R_DR0 + 3),
    P("dr6", 32, R_DR0 + 6), P("dr7", 32, R_DR0 + 7),
    C3("es", 0), C3("cs", 1), C3("ss", 2), C3("ds", 3), C3("fs", 4), C3("gs", 5), C3("ldtr", 6), C3("tr", 7),
    P("cr4", 32, R_CR4), /* last: the i386 has no CR4 */
};

const vl_reg_info *x86_regs(int variant, int *count) {
    int n = (int)(sizeof regs_tab / sizeof regs_tab[0]);
    if (count) *count = variant == X86_PENTIUM ? n : n - 1;
    return regs_tab;
}

static x86_seg *cache(x86_cpu *s, int k) {
    if (k < X86_NSEG) return &s->seg[k];
    return k == 6 ? &s->ldtr : &s->tr;
}

uint32_t x86_reg_get(void *cpu, int id) {
    x86_cpu *s = cpu;
    if (id >= R_EAX && id < 8) return s->r[id];
    if (id >= R_SEG0 && id < R_SEG0 + X86_NSEG) return s->seg[id - R_SEG0].sel;
    if (id >= R_DR0 && id < R_DR0 + 8) return s->dr[id - R_DR0];
    if (id >= R_CACHE && id < R_CACHE + 24) {
        const x86_seg *g = cache(s, (id - R_CACHE) / 3);
        switch ((id - R_CACHE) % 3) {
        case 0: return g->base;
        case 1: return g->limit;
        default: return g->attr;
        }
    }
    switch (id) {
    case R_EIP: return s->eip;
    case R_EFLAGS: return x86_get_flags(s);
    case R_CR0: return s->cr0;
    case R_CR2: return s->cr2;
    case R_CR3: return s->cr3;
    case R_CR4: return s->cr4;
    case R_GDTR_BASE: return s->gdtr_base;
    case R_GDTR_LIMIT: return s->gdtr_limit;
    case R_IDTR_BASE: return s->idtr_base;
    case R_IDTR_LIMIT: return s->idtr_limit;
    case R_LDTR: return s->ldtr.sel;
    case R_TR: return s->tr.sel;
    case R_CPL: return (uint32_t)s->cpl;
    default: return 0;
    }
}

/* A segment register set by the host: its cache as the current mode would
 * load it. The descriptor is peeked at, never read with a fault: no run is
 * there to take one (a table the page tables do not map keeps the cache). */
static void host_load(x86_cpu *s, int sr, uint16_t sel) {
    x86_seg *g = &s->seg[sr];
    if (!(s->cr0 & X86_CR0_PE)) {
        g->sel = sel;
        g->base = (uint32_t)sel << 4;
        return;
    }
    uint32_t lo, hi;
    if ((sel & ~3u) && x86_peek_descriptor(s, sel, &lo, &hi)) {
        *g = x86_seg_from_desc(sel, lo, hi);
    } else {
        g->sel = sel;
        if (!(sel & ~3u)) g->attr = 0; /* null: unusable */
    }
}

void x86_reg_set(void *cpu, int id, uint32_t v) {
    x86_cpu *s = cpu;
    s->pin = false; /* set from outside: an instruction in progress starts again from its bytes */
    if (id >= R_EAX && id < 8) { s->r[id] = v; return; }
    if (id >= R_SEG0 && id < R_SEG0 + X86_NSEG) {
        host_load(s, id - R_SEG0, (uint16_t)v);
        if (id - R_SEG0 == X86_CS && (s->cr0 & X86_CR0_PE)) s->cpl = v & 3;
        x86_tlb_flush(s);
        return;
    }
    if (id >= R_DR0 && id < R_DR0 + 8) { s->dr[id - R_DR0] = v; return; }
    if (id >= R_CACHE && id < R_CACHE + 24) {
        x86_seg *g = cache(s, (id - R_CACHE) / 3);
        switch ((id - R_CACHE) % 3) {
        case 0: g->base = v; break;
        case 1: g->limit = v; break;
        default: g->attr = (uint16_t)v; break;
        }
        return;
    }
    switch (id) {
    case R_EIP: s->eip = v; s->halted = false; break;
    case R_EFLAGS: x86_set_flags(s, v); break;
    case R_CR0: s->cr0 = v; x86_tlb_flush(s); break;
    case R_CR2: s->cr2 = v; break;
    case R_CR3: s->cr3 = v; x86_tlb_flush(s); break;
    case R_CR4: s->cr4 = v; x86_tlb_flush(s); break;
    case R_GDTR_BASE: s->gdtr_base = v; break;
    case R_GDTR_LIMIT: s->gdtr_limit = (uint16_t)v; break;
    case R_IDTR_BASE: s->idtr_base = v; break;
    case R_IDTR_LIMIT: s->idtr_limit = (uint16_t)v; break;
    case R_LDTR: s->ldtr.sel = (uint16_t)v; break;
    case R_TR: s->tr.sel = (uint16_t)v; break;
    case R_CPL: s->cpl = (int)(v & 3); x86_tlb_flush(s); break;
    default: break;
    }
}
