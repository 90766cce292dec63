/* mmu.c - x86 memory: linear to physical (two-level 4 KiB paging, 4 MiB
 * pages with CR4.PSE on the Pentium, U/S and R/W with CR0.WP on the Pentium,
 * accessed and dirty bits, #PF with CR2 and its error code), a translation
 * cache that keeps stale entries until MOV CR3 or INVLPG as the hardware's
 * does, and the physical bus (RAM, the MMIO window, the reset alias).
 *
 * Physical addresses: RAM from 0; the MMIO window; the top 64 KiB of the
 * 4 GiB space alias physical 0xF0000-0xFFFFF, so that the reset vector
 * (F000:FFF0 = 0xFFFFFFF0) reaches code placed at 0xFFFF0 in RAM, as the
 * BIOS ROM of a PC is seen in both places. Nothing else answers: reads give
 * all ones, writes are dropped (a PC's bus), never a fault. */
#include "isa/x86-subset/x86.h"
#include <string.h>

#define RESET_ALIAS 0xFFFF0000u
#define RESET_TARGET 0x000F0000u

void x86_mem_refresh(x86_cpu *s) {
    vl_mem *mem = &s->c.m->mem;
    s->ram = mem->ram;
    uint32_t lim = mem->ram ? mem->size : 0;
    if (mem->mmio_on && mem->mmio_base < lim) lim = mem->mmio_base;
    s->fast_lim = lim;
    /* the span of the watched bytes, not their pages: the rest of a
     * watched page (a guest's data beside its translated code) is plain */
    uint32_t lo = mem->span_lo < lim ? mem->span_lo : lim;
    uint32_t hi = mem->span_hi > lo && mem->span_hi < lim ? mem->span_hi : lim;
    s->wr_base = lim - hi > lo ? hi : 0;
    s->wr_lim = lim - hi > lo ? lim - hi : lo;
    s->cp_len = 0;
    x86_windows_close(s); /* computed from the old limits */
}

void x86_windows_close(x86_cpu *s) {
    s->win_open = false;
    memset(s->win_rd, 0, sizeof s->win_rd);
    memset(s->win_wr, 0, sizeof s->win_wr);
}

void x86_tlb_flush(x86_cpu *s) {
    s->tlb_gen++;
    s->tlb_epoch = (s->tlb_epoch + 2) & 0xFFEu;
    if (s->tlb_epoch == 0) {
        /* every epoch used: now the entries must go (1: matches none) */
        for (int p = 0; p < 2; p++)
            for (int i = 0; i < X86_TLB_N; i++) s->tlb[p][i].tag = 1;
        s->tlb_epoch = 2;
    }
    s->cp_len = 0;
}

void x86_tlb_flush_page(x86_cpu *s, uint32_t lin) {
    s->tlb_gen++;
    uint32_t page = (lin & ~0xFFFu) | s->tlb_epoch;
    for (int p = 0; p < 2; p++) {
        x86_tlbe *e = &s->tlb[p][(lin >> 12) & (X86_TLB_N - 1)];
        if (e->tag == page) e->tag = 1;
    }
    s->cp_len = 0;
    /* a 4 MiB page is cached as its 4 KiB pieces: each has its own slot */
}

/* ---- the physical bus ------------------------------------------------------ */

static uint32_t phys_rd(x86_cpu *s, uint32_t pa, int size) {
    if (VL_LIKELY((uint64_t)pa + (unsigned)size <= s->fast_lim)) {
        const uint8_t *p = s->ram + pa;
        return size == 4 ? (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24
               : size == 2 ? (uint32_t)p[0] | (uint32_t)p[1] << 8 : p[0];
    }
    s->attn = true; /* a device may raise an event or a hook stop */
    if (pa >= RESET_ALIAS) pa = pa - RESET_ALIAS + RESET_TARGET;
    uint32_t v = 0;
    if (vl_bus_read(s->c.m, pa, size, &v)) return v;
    if (size > 1 && (uint64_t)pa + (unsigned)size > s->c.m->mem.size) {
        /* straddles the end of RAM: byte by byte, nothing beyond */
        v = 0;
        for (int i = size - 1; i >= 0; i--) {
            uint32_t b = 0xFF;
            vl_bus_read(s->c.m, pa + (uint32_t)i, 1, &b);
            v = v << 8 | (b & 0xFF);
        }
        return v;
    }
    return size == 4 ? 0xFFFFFFFFu : size == 2 ? 0xFFFFu : 0xFFu;
}

void x86_wlog_add(x86_cpu *s, uint8_t *p, unsigned n) {
    if (s->wlog_n >= X86_WLOG_N) {
        s->wlog_lost = true;
        return;
    }
    s->wlog[s->wlog_n].p = p;
    s->wlog[s->wlog_n].n = (uint8_t)n;
    memcpy(s->wlog[s->wlog_n].old, p, n);
    s->wlog_n++;
}

void x86_wlog_undo(x86_cpu *s) {
    while (s->wlog_n) {
        s->wlog_n--;
        memcpy(s->wlog[s->wlog_n].p, s->wlog[s->wlog_n].old, s->wlog[s->wlog_n].n);
    }
}

static void phys_wr_as(x86_cpu *s, uint32_t pa, int size, uint32_t v, bool log);
static void phys_wr(x86_cpu *s, uint32_t pa, int size, uint32_t v) { phys_wr_as(s, pa, size, v, true); }

/* log false: a page-table entry's accessed and dirty bits, which stay set
 * natively when the instruction then faults (not undone) */
static void phys_wr_as(x86_cpu *s, uint32_t pa, int size, uint32_t v, bool log) {
    /* the direct range, or RAM outside it on pages not watched themselves
     * (a monitor watching a few code pages leaves the rest of RAM a plain
     * store) */
    if (VL_LIKELY((uint64_t)(uint32_t)(pa - s->wr_base) + (unsigned)size <= s->wr_lim) ||
        ((uint64_t)pa + (unsigned)size <= s->fast_lim && !vl_watch_hit(&s->c.m->mem, pa, (uint32_t)size))) {
        uint8_t *p = s->ram + pa;
        if (VL_UNLIKELY(s->c.intercept && log)) x86_wlog_add(s, p, (unsigned)size);
        x86_put_le(p, size, v);
        return;
    }
    s->attn = true; /* a device, a watched page: events, hook stops, kicks */
    if (pa >= RESET_ALIAS) pa = pa - RESET_ALIAS + RESET_TARGET;
    if (VL_UNLIKELY(s->c.intercept && log)) {
        /* RAM behind a watch is logged too (a device's write is not undone) */
        const vl_mem *mem = &s->c.m->mem;
        uint32_t a = pa & mem->addr_mask;
        bool mmio = mem->mmio_on && a - mem->mmio_base < VL_MMIO_SIZE;
        if (!mmio && (uint64_t)a + (unsigned)size <= mem->size) x86_wlog_add(s, mem->ram + a, (unsigned)size);
    }
    if (vl_bus_write(s->c.m, pa, size, v)) return;
    for (int i = 0; i < size; i++) vl_bus_write(s->c.m, pa + (uint32_t)i, 1, v >> (8 * i));
}

/* ---- paging ------------------------------------------------------------------ */

#define PTE_P 0x001u
#define PTE_W 0x002u
#define PTE_U 0x004u
#define PTE_A 0x020u
#define PTE_D 0x040u
#define PTE_PS 0x080u
#define PF_P 0x1u
#define PF_W 0x2u
#define PF_U 0x4u

int x86_translate(x86_cpu *s, uint32_t lin, bool write, bool user, bool probe, uint32_t *pa) {
    if (!(s->cr0 & X86_CR0_PG)) {
        *pa = lin;
        return 0;
    }
    x86_tlbe *e = &s->tlb[user][(lin >> 12) & (X86_TLB_N - 1)];
    if (e->tag == ((lin & ~0xFFFu) | s->tlb_epoch) && (!write || e->write)) {
        *pa = e->pa | (lin & 0xFFF);
        return 0;
    }
    /* the walk: supervisor accesses of the tables themselves */
    uint32_t code = (write ? PF_W : 0) | (user ? PF_U : 0);
    uint32_t pde_a = (s->cr3 & ~0xFFFu) | ((lin >> 22) << 2);
    uint32_t pde = phys_rd(s, pde_a, 4);
    if (!(pde & PTE_P)) return (int)(code | 0x100);
    bool wp = s->variant == X86_PENTIUM && (s->cr0 & X86_CR0_WP);
    bool big = s->variant == X86_PENTIUM && (s->cr4 & X86_CR4_PSE) && (pde & PTE_PS);
    uint32_t pte_a = 0, pte, frame;
    if (big) {
        pte = pde;
        frame = (pde & 0xFFC00000u) | (lin & 0x003FF000u);
    } else {
        pte_a = (pde & ~0xFFFu) | (((lin >> 12) & 0x3FF) << 2);
        pte = phys_rd(s, pte_a, 4);
        if (!(pte & PTE_P)) return (int)(code | 0x100);
        frame = pte & ~0xFFFu;
    }
    /* both levels must allow it: user access needs U in both, a write W in
     * both (for a supervisor write only with CR0.WP) */
    uint32_t both = big ? pde : pde & pte;
    bool u_ok = (both & PTE_U) != 0, w_ok = (both & PTE_W) != 0;
    if (user && !u_ok) return (int)(code | PF_P | 0x100);
    if (write && !w_ok && (user || wp)) return (int)(code | PF_P | 0x100);
    if (!probe) {
        if (!(pde & PTE_A) || (big && write && !(pde & PTE_D)))
            phys_wr_as(s, pde_a, 4, pde | PTE_A | (big && write ? PTE_D : 0), false);
        if (!big && (!(pte & PTE_A) || (write && !(pte & PTE_D))))
            phys_wr_as(s, pte_a, 4, pte | PTE_A | (write ? PTE_D : 0), false);
        e->tag = (lin & ~0xFFFu) | s->tlb_epoch;
        e->pa = frame;
        e->user = u_ok;
        /* writes through this entry only once the page is dirty, and when allowed */
        e->write = (write || (pte & PTE_D)) && (w_ok || (!user && !wp));
    }
    *pa = frame | (lin & 0xFFF);
    return 0;
}

void x86_page_fault(x86_cpu *s, uint32_t linear, uint32_t code) {
    if (X86_PENDING(s)) return; /* the first fault's CR2 */
    s->f_addr = linear;
    x86_fault(s, X86_EXC_PF, code & 0xFF, true);
}

/* The physical address of lin; 0 with a fault pending (then no walk either:
 * it would set accessed bits after the fault). */
static uint32_t xlate(x86_cpu *s, uint32_t lin, bool write, bool user) {
    uint32_t pa;
    if (X86_PENDING(s)) return 0;
    int r = x86_translate(s, lin, write, user, false, &pa);
    if (VL_UNLIKELY(r)) {
        x86_page_fault(s, lin, (uint32_t)r);
        return 0;
    }
    return pa;
}

/* ---- linear accesses ------------------------------------------------------------- */

/* The monitor region at linear addresses [mon_base, mon_base + mon_size)
 * for the supervisor accesses of a deprivileged real CPU under the monitor
 * (intercept on): its shadow descriptor tables live there. It stands for
 * the monitor's own mapping, present in every address space whatever the
 * guest's page tables say (shadow paging would add it); the guest's own
 * accesses never get there, its segments being truncated below it. A bare
 * machine (no region) and the monitor's virtual context (intercept off)
 * never take this way. NULL: not the region. */
static uint8_t *mon_lin(x86_cpu *s, uint32_t lin, int size, bool user) {
    vl_mem *mem = &s->c.m->mem;
    /* hardware assist (exit controls installed): the guest's own tables
     * are real, the monitor has no mapping in its address space */
    if (VL_LIKELY(!mem->mon) || user || !s->c.intercept || s->c.exit_forms) return NULL;
    return vl_mon_host(s->c.m, lin, (uint32_t)size);
}

uint32_t x86_rd_lin(x86_cpu *s, uint32_t lin, int size, bool user) {
    if (X86_PENDING(s)) return 0;
    uint8_t *mp = mon_lin(s, lin, size, user);
    if (VL_UNLIKELY(mp != NULL)) {
        uint32_t v = 0;
        for (int i = size - 1; i >= 0; i--) v = v << 8 | mp[i];
        return v;
    }
    if (VL_LIKELY(((lin & 0xFFF) + (unsigned)size) <= 0x1000u)) {
        uint32_t pa = xlate(s, lin, false, user);
        return X86_PENDING(s) ? 0 : phys_rd(s, pa, size);
    }
    /* across a page: both translations first, then the bytes */
    uint32_t first = 0x1000u - (lin & 0xFFF);
    uint32_t pa0 = xlate(s, lin, false, user), pa1 = xlate(s, lin + first, false, user);
    if (X86_PENDING(s)) return 0;
    uint32_t v = 0;
    for (int i = size - 1; i >= 0; i--) {
        uint32_t pa = (uint32_t)i < first ? pa0 + (uint32_t)i : pa1 + (uint32_t)i - first;
        v = v << 8 | phys_rd(s, pa, 1);
    }
    return v;
}

void x86_rd_lin_bytes(x86_cpu *s, uint32_t lin, uint8_t *buf, uint32_t n, bool user) {
    uint8_t *mp = X86_PENDING(s) ? NULL : mon_lin(s, lin, (int)n, user);
    if (VL_UNLIKELY(mp != NULL)) {
        memcpy(buf, mp, n);
        return;
    }
    if (X86_PENDING(s) || mon_lin(s, lin, 1, user) || mon_lin(s, lin + n - 1, 1, user)) {
        /* partly the monitor's region (or nothing to read): byte by byte */
        for (uint32_t i = 0; i < n; i++) buf[i] = (uint8_t)x86_rd_lin(s, lin + i, 1, user);
        return;
    }
    /* one page: one translation, what each byte's would have found */
    uint32_t pa = xlate(s, lin, false, user);
    if (!X86_PENDING(s)) {
        const vl_mem *mem = &s->c.m->mem;
        if ((uint64_t)pa + n <= s->fast_lim) {
            memcpy(buf, s->ram + pa, n);
            return;
        }
        /* wholly past RAM, below the reset alias, outside the device
         * window and the address mask: nothing answers there, each byte
         * would read 0xFF (random code jumps there, and faults, a lot) */
        uint32_t last = pa + n - 1;
        if (pa >= mem->size && last >= pa && last < RESET_ALIAS && (last & mem->addr_mask) == last &&
            (!mem->mmio_on || last < mem->mmio_base || (uint64_t)pa >= (uint64_t)mem->mmio_base + VL_MMIO_SIZE)) {
            s->attn = true; /* as phys_rd: a device may raise an event or a hook stop */
            memset(buf, 0xFF, n);
            return;
        }
    }
    for (uint32_t i = 0; i < n; i++) buf[i] = X86_PENDING(s) ? 0 : (uint8_t)phys_rd(s, pa + i, 1);
}

void x86_wr_lin(x86_cpu *s, uint32_t lin, int size, uint32_t v, bool user) {
    if (X86_PENDING(s)) return;
    uint8_t *mp = mon_lin(s, lin, size, user);
    if (VL_UNLIKELY(mp != NULL)) {
        x86_wlog_add(s, mp, (unsigned)size);
        for (int i = 0; i < size; i++) mp[i] = (uint8_t)(v >> (8 * i));
        return;
    }
    if (VL_LIKELY(((lin & 0xFFF) + (unsigned)size) <= 0x1000u)) {
        uint32_t pa = xlate(s, lin, true, user);
        if (!X86_PENDING(s)) phys_wr(s, pa, size, v);
        return;
    }
    uint32_t first = 0x1000u - (lin & 0xFFF);
    uint32_t pa0 = xlate(s, lin, true, user), pa1 = xlate(s, lin + first, true, user);
    if (X86_PENDING(s)) return;
    for (int i = 0; i < size; i++) {
        uint32_t pa = (uint32_t)i < first ? pa0 + (uint32_t)i : pa1 + (uint32_t)i - first;
        phys_wr(s, pa, 1, v >> (8 * i));
    }
}

bool x86_peek_lin(x86_cpu *s, uint32_t lin, uint32_t *v) {
    uint32_t w = 0;
    const uint8_t *mp = mon_lin(s, lin, 4, false);
    if (mp) {
        *v = (uint32_t)mp[0] | (uint32_t)mp[1] << 8 | (uint32_t)mp[2] << 16 | (uint32_t)mp[3] << 24;
        return true;
    }
    if ((lin & 0xFFF) <= 0xFFC) {
        /* one page: one translation serves the four bytes */
        uint32_t pa;
        if (x86_translate(s, lin, false, false, true, &pa)) return false;
        for (int i = 3; i >= 0; i--) w = w << 8 | phys_rd(s, pa + (uint32_t)i, 1);
        *v = w;
        return true;
    }
    for (int i = 3; i >= 0; i--) {
        uint32_t pa;
        if (x86_translate(s, lin + (uint32_t)i, false, false, true, &pa)) return false;
        w = w << 8 | phys_rd(s, pa, 1);
    }
    *v = w;
    return true;
}

/* Alignment check (486+): CR0.AM, EFLAGS.AC and CPL 3. */
static void align_check(x86_cpu *s, uint32_t lin, int size) {
    if (s->variant == X86_PENTIUM && s->cpl == 3 && (s->cr0 & X86_CR0_AM) && (s->eflags & X86_AC) &&
        (lin & (uint32_t)(size - 1)))
        x86_fault(s, X86_EXC_AC, 0, true);
}

uint32_t x86_rd_slow(x86_cpu *s, int sr, uint32_t off, int size) {
    if (X86_PENDING(s)) return 0;
    uint32_t lin = x86_linear(s, sr, off, (uint32_t)size, false);
    if (size > 1) align_check(s, lin, size);
    return x86_rd_lin(s, lin, size, s->cpl == 3);
}

void x86_wr_slow(x86_cpu *s, int sr, uint32_t off, int size, uint32_t v, bool log) {
    if (X86_PENDING(s)) return;
    const x86_seg *g = &s->seg[sr];
    if (s->wr_lim < s->fast_lim && x86_plain_seg(g, off, size) && !(s->eflags & X86_AC)) {
        /* RAM outside the direct range, on a page not watched itself
         * (a monitor watching a few code pages): as x86_wr's plain store,
         * not the whole way for each store to the guest's data (log: as
         * there) */
        uint8_t *p = x86_fast_ram(s, g->base + off, (unsigned)size, true, 0, s->fast_lim);
        if (p && !vl_watch_hit(&s->c.m->mem, (uint32_t)(p - s->ram), (uint32_t)size)) {
            if (log && s->c.intercept) x86_wlog_add(s, p, (unsigned)size);
            p[0] = (uint8_t)v;
            if (size > 1) p[1] = (uint8_t)(v >> 8);
            if (size > 2) {
                p[2] = (uint8_t)(v >> 16);
                p[3] = (uint8_t)(v >> 24);
            }
            return;
        }
    }
    uint32_t lin = x86_linear(s, sr, off, (uint32_t)size, true);
    if (size > 1) align_check(s, lin, size);
    x86_wr_lin(s, lin, size, v, s->cpl == 3);
}
