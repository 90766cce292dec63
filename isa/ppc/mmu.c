/* mmu.c - PowerPC OEA address translation for the 750: BATs (IBAT/DBAT with
 * Vs/Vp, BL, PP), segment registers (T, Ks, Kp, N, VSID) and the hashed page
 * table (SDR1 HTABORG/HTABMASK, primary and secondary hash, PTE compare, PP
 * with the Ks/Kp key, R and C bits). Real mode (MSR[IR]/MSR[DR] = 0) is
 * handled by the callers in exec.c. Sources: PEM chapter 7. */
#include "isa/ppc/ppc.h"

void ppc_tlb_flush(ppc_cpu *s) {
    for (int p = 0; p < 2; p++)
        for (int i = 0; i < PPC_TLB_N; i++) {
            s->itlb[p][i].tag = 1;
            s->dtlb_r[p][i].tag = 1;
            s->dtlb_w[p][i].tag = 1;
        }
    s->fetch_page = 1;
}

static bool phys_read32(ppc_cpu *s, uint32_t pa, uint32_t *v) {
    vl_machine *m = s->c.m;
    if ((uint64_t)pa + 4 <= m->mem.size && !(m->mem.mmio_on && pa - m->mem.mmio_base < VL_MMIO_SIZE)) {
        *v = vl_be32(m->mem.ram + pa);
        return true;
    }
    return vl_bus_read(m, pa, 4, v);
}

static void phys_write32(ppc_cpu *s, uint32_t pa, uint32_t v) {
    vl_machine *m = s->c.m;
    if ((uint64_t)pa + 4 <= m->mem.size && !(m->mem.mmio_on && pa - m->mem.mmio_base < VL_MMIO_SIZE))
        vl_put_be32(m->mem.ram + pa, v);
    else
        vl_bus_write(m, pa, 4, v);
}

/* PP check. key: 0 or 1. Returns true when the access is allowed. */
static bool pp_allows(unsigned key, unsigned pp, int write) {
    if (!key) return write ? pp != 3 : true;
    switch (pp) {
    case 0: return false;
    case 2: return true;
    default: return !write; /* 01, 11: read-only */
    }
}

int ppc_translate(ppc_cpu *s, uint32_t ea, int access, uint32_t *pa, uint32_t *fault) {
    bool probe = (access & PPC_ACC_PROBE) != 0;
    access &= ~PPC_ACC_PROBE;
    bool fetch = access == PPC_ACC_FETCH, write = access == PPC_ACC_WRITE;
    bool pr = (s->msr & MSR_PR) != 0;
    int exc = fetch ? 0x400 : 0x300;
    *fault = 0;
    if (!(s->msr & (fetch ? MSR_IR : MSR_DR))) {
        *pa = ea;
        s->last_wimg = 3; /* real mode: M and G (750 UM 5.1.x) */
        return 0;
    }
    /* BAT array: a match for the current mode decides */
    const uint32_t *bat = fetch ? s->ibat : s->dbat;
    for (int n = 0; n < 4; n++) {
        uint32_t u = bat[2 * n], l = bat[2 * n + 1];
        if (!(u & (pr ? 1u : 2u))) continue;
        uint32_t bl = (u >> 2) & 0x7FF, bm = ~(bl << 17) & 0xFFFE0000u;
        if ((ea & bm) != (u & bm)) continue;
        unsigned pp = l & 3;
        if (pp == 0 || (write && (pp & 1))) {
            *fault = fetch ? PPC_ISI_PROT : PPC_DSISR_PROT;
            return exc;
        }
        if (fetch && (l & 0x8)) { /* guarded block: no instruction fetch (750 UM table 5-3) */
            *fault = PPC_ISI_NOEXEC;
            return exc;
        }
        *pa = (l & 0xFFFE0000u) | (ea & (bl << 17)) | (ea & 0x1FFFF);
        s->last_wimg = (l >> 3) & 0xF;
        return 0;
    }
    /* segment */
    uint32_t sr = s->sr[ea >> 28];
    if (sr & 0x80000000u) { /* direct-store segment: not supported by the 750 */
        *fault = fetch ? PPC_ISI_NOEXEC : PPC_DSISR_DS;
        return exc;
    }
    if (fetch && (sr & 0x10000000u)) { /* N: no-execute segment */
        *fault = PPC_ISI_NOEXEC;
        return exc;
    }
    unsigned key = pr ? (sr >> 29) & 1 : (sr >> 30) & 1;
    uint32_t vsid = sr & 0x00FFFFFF;
    uint32_t pidx = (ea >> 12) & 0xFFFF, api = (ea >> 22) & 0x3F;
    uint32_t hash = ((vsid & 0x7FFFF) ^ pidx) & 0x7FFFF;
    uint32_t htaborg = s->sdr1 & 0xFFFF0000u, htabmask = s->sdr1 & 0x1FF;
    for (int h = 0; h < 2; h++) {
        uint32_t hh = h ? (~hash & 0x7FFFF) : hash;
        uint32_t pteg = (htaborg & 0xFE000000u) |
                        ((((htaborg >> 16) & 0x1FF) | ((hh >> 10) & htabmask)) << 16) |
                        ((hh & 0x3FF) << 6);
        uint32_t want = 0x80000000u | vsid << 7 | (uint32_t)h << 6 | api;
        for (int i = 0; i < 8; i++) {
            uint32_t a = pteg + (uint32_t)i * 8, w0, w1;
            if (!phys_read32(s, a, &w0) || w0 != want) continue;
            if (!phys_read32(s, a + 4, &w1)) continue;
            unsigned wimg = (w1 >> 3) & 0xF;
            if (!pp_allows(key, w1 & 3, write)) {
                *fault = fetch ? PPC_ISI_PROT : PPC_DSISR_PROT;
                return exc;
            }
            if (fetch && (wimg & 1)) { /* guarded */
                *fault = PPC_ISI_NOEXEC;
                return exc;
            }
            uint32_t nw1 = w1 | 0x100 | (write ? 0x80u : 0u);
            if (nw1 != w1 && !probe) phys_write32(s, a + 4, nw1);
            *pa = (w1 & 0xFFFFF000u) | (ea & 0xFFF);
            s->last_wimg = wimg;
            return 0;
        }
    }
    *fault = fetch ? PPC_ISI_NOPTE : PPC_DSISR_NOPTE;
    return exc;
}
