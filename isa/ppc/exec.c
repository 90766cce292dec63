/* exec.c - the PowerPC 750 interpreter and its CPU interface (ppc_ops).
 *
 * Dispatch: two levels built once from the decode table (ppc_dt_prim by
 * primary opcode, ppc_dt_ext by the 10-bit extended opcode of 19/31/59/63),
 * then the entry's mask/match check (reserved fields) and a switch on its op.
 * Entries that declare privilege are marked in the dispatch levels
 * (PPC_DT_PRIV), so that the one privilege check is off the common path.
 * Memory: a page-sized instruction fetch cache and small direct-mapped data
 * translation caches (per MSR[PR], separate for reads and writes; a write
 * entry exists only once the page's C bit is set) in front of mmu.c; RAM is
 * read directly when the physical access lies below the MMIO window and
 * inside RAM, everything else goes through vl_bus_read/vl_bus_write (false:
 * machine check). Events (decrementer, timer, interrupts, trace, hooks) are
 * looked at only between slices; a slice ends at the next event's icount.
 * See ppc.h for the documented conventions. */
#include "isa/ppc/ppc.h"
#include <stdlib.h>
#include <string.h>

/* ---- time base and decrementer ------------------------------------------- */
uint64_t ppc_get_tb(const ppc_cpu *s) { return s->tb_base + s->c.icount; }
void ppc_set_tb(ppc_cpu *s, uint64_t v) { s->tb_base = v - s->c.icount; }
uint32_t ppc_get_dec(const ppc_cpu *s) { return s->dec_val - (uint32_t)(s->c.icount - s->dec_at); }

static void dec_schedule(ppc_cpu *s) {
    uint64_t d = s->dec_val;
    s->dec_fire = s->dec_at + (d < 0x80000000u ? d + 1 : d + 0x80000001u);
}

void ppc_set_dec(ppc_cpu *s, uint32_t v) {
    s->dec_val = v;
    s->dec_at = s->c.icount;
    dec_schedule(s);
    s->slice_end = s->c.icount + 1;
}

/* ---- SPRs: where each value lives is in its ppc_sprs row ------------------- */
static inline uint32_t spr_load(const ppc_cpu *s, const ppc_spr *e) {
    switch (e->where) {
    case PPC_SPR_DEC: return ppc_get_dec(s);
    case PPC_SPR_TBL: return (uint32_t)ppc_get_tb(s);
    case PPC_SPR_TBU: return (uint32_t)(ppc_get_tb(s) >> 32);
    default: return *(const uint32_t *)((const char *)s + e->off);
    }
}

static inline void spr_store(ppc_cpu *s, const ppc_spr *e, uint32_t v) {
    v &= e->wmask;
    switch (e->where) {
    case PPC_SPR_DEC: ppc_set_dec(s, v); break;
    case PPC_SPR_TBL: ppc_set_tb(s, (ppc_get_tb(s) & 0xFFFFFFFF00000000ull) | v); break;
    case PPC_SPR_TBU: ppc_set_tb(s, (ppc_get_tb(s) & 0xFFFFFFFFull) | (uint64_t)v << 32); break;
    default:
        *(uint32_t *)((char *)s + e->off) = v;
        if (e->where == PPC_SPR_FLUSH) ppc_tlb_flush(s);
        break;
    }
}

bool ppc_spr_read(ppc_cpu *s, unsigned spr, uint32_t *v) {
    const ppc_spr *e = ppc_spr_find(spr);
    if (!e || !(e->access & PPC_SPR_R)) return false;
    *v = spr_load(s, e);
    return true;
}

bool ppc_spr_write(ppc_cpu *s, unsigned spr, uint32_t v) {
    const ppc_spr *e = ppc_spr_find(spr);
    if (!e || !(e->access & PPC_SPR_W)) return false;
    spr_store(s, e, v);
    return true;
}

/* ---- memory ------------------------------------------------------------------ */
#define TLB_IDX(ea) (((ea) >> 12) & (PPC_TLB_N - 1))

static void refresh_mem(ppc_cpu *s) {
    vl_mem *mem = &s->c.m->mem;
    s->ram = mem->ram;
    uint32_t lim = mem->size;
    if (mem->mmio_on && mem->mmio_base < lim) lim = mem->mmio_base;
    if (s->fast_lim != lim || s->tlb_ram_size != mem->size) {
        s->fast_lim = lim;
        s->tlb_ram_size = mem->size;
        ppc_tlb_flush(s);
    }
    /* stores at or above the lowest watched page take the slow path */
    s->wr_lim = mem->watch_lo < lim ? mem->watch_lo : lim;
    /* and at or above the end of the highest one, they do not */
    s->wr_hi = mem->nwatch ? mem->watch_hi : lim;
}

/* Record a fault for the exception path. */
static inline bool fault_dsi(ppc_cpu *s, uint32_t ea, uint32_t dsisr) {
    s->f_vector = 0x300;
    s->f_dar = ea;
    s->f_dsisr = dsisr;
    s->f_dsi = true;
    s->f_srr1 = 0;
    return false;
}
static inline bool fault_mc(ppc_cpu *s, uint32_t ea) {
    s->f_vector = 0x200;
    s->f_dar = ea;
    s->f_dsi = false;
    s->f_srr1 = 0;
    return false;
}

/* Data translation, one page. */
static bool xlate_slow(ppc_cpu *s, uint32_t ea, int write, uint32_t *pa) {
    uint32_t fault;
    if (ppc_translate(s, ea, write ? PPC_ACC_WRITE : PPC_ACC_READ, pa, &fault))
        return fault_dsi(s, ea, fault | (write ? PPC_DSISR_STORE : 0));
    unsigned pr = (s->msr >> 14) & 1;
    uint32_t page = *pa & ~0xFFFu;
    if ((uint64_t)page + 0x1000 <= s->fast_lim) {
        ppc_tlbe *e = write ? &s->dtlb_w[pr][TLB_IDX(ea)] : &s->dtlb_r[pr][TLB_IDX(ea)];
        e->tag = ea & ~0xFFFu;
        e->pa = page;
    }
    return true;
}

static inline bool xlate(ppc_cpu *s, uint32_t ea, int write, uint32_t *pa) {
    if (!(s->msr & MSR_DR)) { *pa = ea; return true; }
    unsigned pr = (s->msr >> 14) & 1;
    const ppc_tlbe *e = write ? &s->dtlb_w[pr][TLB_IDX(ea)] : &s->dtlb_r[pr][TLB_IDX(ea)];
    if (VL_LIKELY(e->tag == (ea & ~0xFFFu))) { *pa = e->pa | (ea & 0xFFF); return true; }
    return xlate_slow(s, ea, write, pa);
}

/* Physical access of size bytes at pa (one translation). */
static bool phys_ld(ppc_cpu *s, uint32_t pa, uint32_t ea, int size, uint32_t *v) {
    if ((uint64_t)pa + (unsigned)size <= s->fast_lim) {
        const uint8_t *p = s->ram + pa;
        *v = size == 4 ? vl_be32(p) : size == 2 ? vl_be16(p) : p[0];
        return true;
    }
    if (!vl_bus_read(s->c.m, pa, size, v)) return fault_mc(s, ea);
    return true;
}

static bool phys_st(ppc_cpu *s, uint32_t pa, uint32_t ea, int size, uint32_t v) {
    /* below the lowest watched page, or RAM above it on pages not watched
     * themselves (a monitor watching a few code pages leaves the rest of
     * RAM a plain store, without ending the slice) */
    if ((uint64_t)pa + (unsigned)size <= s->wr_lim ||
        ((uint64_t)pa + (unsigned)size <= s->fast_lim && !vl_watched(&s->c.m->mem, pa) &&
         !vl_watched(&s->c.m->mem, pa + (uint32_t)size - 1))) {
        uint8_t *p = s->ram + pa;
        if (size == 4) vl_put_be32(p, v);
        else if (size == 2) vl_put_be16(p, v);
        else p[0] = (uint8_t)v;
        return true;
    }
    if (!vl_bus_write(s->c.m, pa, size, v)) return fault_mc(s, ea);
    /* an MMIO write may assert or deassert an interrupt: end the slice */
    s->slice_end = s->c.icount + 1;
    return true;
}

/* Would a physical access of size bytes at pa reach something? */
static bool phys_ok(ppc_cpu *s, uint32_t pa, int size) {
    if ((uint64_t)pa + (unsigned)size <= s->fast_lim) return true;
    uint32_t v;
    return vl_bus_read(s->c.m, pa, size, &v);
}

/* Check that [ea, ea + n) (n <= 4096) can be accessed, without side
 * effects other than R/C bits: every page translates and reaches memory. */
static bool probe(ppc_cpu *s, uint32_t ea, uint32_t n, int write) {
    uint32_t a = ea, left = n;
    while (left) {
        uint32_t chunk = 0x1000 - (a & 0xFFF), pa;
        if (chunk > left) chunk = left;
        if (!xlate(s, a, write, &pa)) return false;
        if ((uint64_t)pa + chunk > s->fast_lim && (!phys_ok(s, pa, 1) || !phys_ok(s, pa + chunk - 1, 1)))
            return fault_mc(s, a);
        a += chunk;
        left -= chunk;
    }
    return true;
}

/* Unaligned access crossing a page: translate both pages first. */
static bool ld_cross(ppc_cpu *s, uint32_t ea, int size, uint32_t *v) {
    if (!probe(s, ea, (uint32_t)size, 0)) return false;
    uint32_t r = 0;
    for (int i = 0; i < size; i++) {
        uint32_t pa, b;
        if (!xlate(s, ea + (uint32_t)i, 0, &pa) || !phys_ld(s, pa, ea, 1, &b)) return false;
        r = r << 8 | b;
    }
    *v = r;
    return true;
}

static bool st_cross(ppc_cpu *s, uint32_t ea, int size, uint32_t v) {
    if (!probe(s, ea, (uint32_t)size, 1)) return false;
    for (int i = 0; i < size; i++) {
        uint32_t pa;
        if (!xlate(s, ea + (uint32_t)i, 1, &pa) ||
            !phys_st(s, pa, ea, 1, v >> (8 * (size - 1 - i)) & 0xFF)) return false;
    }
    return true;
}

static inline bool mem_ld(ppc_cpu *s, uint32_t ea, int size, uint32_t *v) {
    uint32_t pa;
    if (VL_LIKELY(!(s->msr & MSR_DR))) {
        pa = ea;
    } else {
        if (VL_UNLIKELY((ea & 0xFFF) > 0x1000u - (unsigned)size)) return ld_cross(s, ea, size, v);
        if (!xlate(s, ea, 0, &pa)) return false;
    }
    if (VL_LIKELY((uint64_t)pa + (unsigned)size <= s->fast_lim)) {
        const uint8_t *p = s->ram + pa;
        *v = size == 4 ? vl_be32(p) : size == 2 ? vl_be16(p) : p[0];
        return true;
    }
    return phys_ld(s, pa, ea, size, v);
}

static inline bool mem_st(ppc_cpu *s, uint32_t ea, int size, uint32_t v) {
    uint32_t pa;
    if (VL_LIKELY(!(s->msr & MSR_DR))) {
        pa = ea;
    } else {
        if (VL_UNLIKELY((ea & 0xFFF) > 0x1000u - (unsigned)size)) return st_cross(s, ea, size, v);
        if (!xlate(s, ea, 1, &pa)) return false;
    }
    if (VL_LIKELY((uint64_t)pa + (unsigned)size <= s->wr_lim)) {
        uint8_t *p = s->ram + pa;
        if (size == 4) vl_put_be32(p, v);
        else if (size == 2) vl_put_be16(p, v);
        else p[0] = (uint8_t)v;
        return true;
    }
    return phys_st(s, pa, ea, size, v);
}

/* Instruction fetch outside the fetch cache. */
static bool fetch_slow(ppc_cpu *s, uint32_t pc, uint32_t *w) {
    uint32_t pa;
    if (s->msr & MSR_IR) {
        unsigned pr = (s->msr >> 14) & 1;
        ppc_tlbe *e = &s->itlb[pr][TLB_IDX(pc)];
        if (e->tag == (pc & ~0xFFFu)) {
            pa = e->pa | (pc & 0xFFF);
        } else {
            uint32_t fault;
            if (ppc_translate(s, pc, PPC_ACC_FETCH, &pa, &fault)) {
                s->f_vector = 0x400;
                s->f_srr1 = fault;
                s->f_dsi = false;
                return false;
            }
            if ((uint64_t)(pa & ~0xFFFu) + 0x1000 <= s->fast_lim) {
                e->tag = pc & ~0xFFFu;
                e->pa = pa & ~0xFFFu;
            }
        }
    } else {
        pa = pc;
    }
    if ((uint64_t)(pa & ~0xFFFu) + 0x1000 <= s->fast_lim) {
        s->fetch_page = pc & ~0xFFFu;
        s->fetch_pa = pa & ~0xFFFu;
    }
    if ((uint64_t)pa + 4 <= s->fast_lim) { *w = vl_be32(s->ram + pa); return true; }
    if (!vl_bus_read(s->c.m, pa, 4, w)) return fault_mc(s, pc);
    return true;
}

/* ---- integer helpers ----------------------------------------------------------- */
static inline void set_cr0(ppc_cpu *s, uint32_t r) {
    uint32_t c = (int32_t)r < 0 ? 8u : r ? 4u : 2u;
    s->cr = (s->cr & 0x0FFFFFFFu) | (c | s->xer >> 31) << 28;
}
static inline void set_crf_sh(ppc_cpu *s, unsigned sh, uint32_t c) {
    s->cr = (s->cr & ~(0xFu << sh)) | c << sh;
}
static inline void set_crf(ppc_cpu *s, unsigned f, uint32_t c) {
    unsigned sh = (7 - f) * 4;
    s->cr = (s->cr & ~(0xFu << sh)) | c << sh;
}
static inline void set_ca(ppc_cpu *s, uint32_t ca) { s->xer = (s->xer & ~XER_CA) | (ca ? XER_CA : 0); }
static inline void set_ov(ppc_cpu *s, uint32_t ov) {
    s->xer = ov ? s->xer | XER_OV | XER_SO : s->xer & ~XER_OV;
}
static inline uint32_t rotl(uint32_t v, unsigned n) { n &= 31; return n ? v << n | v >> (32 - n) : v; }
static inline uint32_t rlw_mask(unsigned mb, unsigned me) {
    uint32_t a = 0xFFFFFFFFu >> mb, b = 0xFFFFFFFFu << (31 - me);
    return mb <= me ? a & b : a | b;
}
static inline uint32_t cmp_s(ppc_cpu *s, int32_t a, int32_t b) {
    return (a < b ? 8u : a > b ? 4u : 2u) | s->xer >> 31;
}
static inline uint32_t cmp_u(ppc_cpu *s, uint32_t a, uint32_t b) {
    return (a < b ? 8u : a > b ? 4u : 2u) | s->xer >> 31;
}
static inline bool trap_cond(unsigned to, uint32_t a, uint32_t b) {
    return ((to & 16) && (int32_t)a < (int32_t)b) || ((to & 8) && (int32_t)a > (int32_t)b) ||
           ((to & 4) && a == b) || ((to & 2) && a < b) || ((to & 1) && a > b);
}

/* ---- the run loop -------------------------------------------------------------- */
enum { SL_OK = 0, SL_STOP = 1 };

static vl_stop mkstop(int reason, uint32_t pc, int vector) {
    return (vl_stop){ .reason = (uint8_t)reason, .pc = pc, .vector = (int16_t)vector };
}

/* Handler word at the vector: 0 (or unreadable) means uninstalled. */
static bool vector_null(ppc_cpu *s, int v) {
    uint32_t a = ppc_vector_addr(s, v), w = 0;
    if ((uint64_t)a + 4 <= s->c.m->mem.size) return vl_be32(s->c.m->mem.ram + a) == 0;
    if (!vl_bus_read(s->c.m, a, 4, &w)) return true;
    return w == 0;
}

/* An exception: intercept, checkstop, null vector, or take it. pc is the
 * faulting instruction (or the next one for asynchronous exceptions),
 * srr0 what the exception saves. Returns SL_STOP with *st filled, or SL_OK. */
/* The stop of exception v at pc: the fault address (DAR) and the code
 * (DSISR, or SRR1's reason bits) where the exception has them. */
static vl_stop exc_stop(ppc_cpu *s, int reason, int v, uint32_t pc) {
    vl_stop r = mkstop(reason, pc, v);
    if (v == 0x300 || v == 0x600 || v == 0x200) {
        r.addr = s->f_dar;
        r.flags |= VLAB_STOP_HAS_ADDR;
    }
    if (v == 0x300 || v == 0x600) {
        r.code = s->f_dsisr;
        r.flags |= VLAB_STOP_HAS_CODE;
    } else if (v == 0x400 || v == 0x700) {
        r.code = s->f_srr1 & 0xFFFF0000u;
        r.flags |= VLAB_STOP_HAS_CODE;
    }
    return r;
}

static int exception(ppc_cpu *s, vl_stop *st, int v, uint32_t pc, uint32_t srr0) {
    if (s->c.intercept && (!s->c.exc_exits || vl_bit(s->c.exc_exits, ((unsigned)v >> 8) & 0xFF))) {
        s->x_dsisr = s->f_dsi || v == 0x600 ? s->f_dsisr : s->dsisr;
        s->x_dar = s->f_dsi || v == 0x600 ? s->f_dar : s->dar;
        s->x_srr1 = (s->f_srr1 & 0xFFFF0000u) | (s->msr & MSR_SRR1_MASK);
        s->c.exceptions++;
        s->c.last_vector = v;
        s->c.last_vector_pc = pc;
        /* no exception event: nothing was taken (as on the m68k core); the
         * monitor raises what the guest must see on its virtual context */
        *st = exc_stop(s, VLAB_STOP_EXCEPTION, v, pc);
        return SL_STOP;
    }
    if (v == 0x200 && !(s->msr & MSR_ME)) { /* checkstop */
        *st = exc_stop(s, VLAB_STOP_ERROR, v, pc);
        return SL_STOP;
    }
    if (s->c.stop_on_null_vector && vector_null(s, v)) {
        s->c.exceptions++;
        s->c.last_vector = v;
        s->c.last_vector_pc = pc;
        *st = exc_stop(s, VLAB_STOP_EXCEPTION, v, pc);
        return SL_STOP;
    }
    if (s->f_dsi || v == 0x600) {
        s->dar = s->f_dar;
        s->dsisr = s->f_dsisr;
    }
    ppc_take_exception(s, v, srr0, s->f_srr1);
    return SL_OK;
}

/* ---- the pre-decoded cache and the threaded interpreter ---------------------
 * Each word of a cached page gets a ppc_dent (ppc.h): its handler, its
 * register fields and what else the hot handlers would recompute each time
 * (a branch displacement, a rotate mask, an SPR index). Dispatch is one
 * compare of the entry's word with the word in memory (which makes the cache
 * see every change of code, from any writer) and a jump to the handler:
 * computed goto where the compiler has it, a switch otherwise. A handler
 * ends by jumping straight to the next one: within a page the next entry
 * and a taken branch's target are found without a lookup; leaving the page,
 * and after anything that may change translation, the slice end or the
 * fetch cache, goes through `top`, which looks the page up again. */

/* The handlers the decoder picks besides the operations' own, which follow
 * at H_OP0 + op, one per row of PPC_OPS. */
#define PPC_XHANDLERS(X) \
    X(DECODE)   /* 0: not decoded yet (a zeroed entry), or the end of a page */ \
    X(ILL)      /* no instruction (no entry, reserved bits): illegal, no exit check */ \
    X(ILLFORM)  /* an invalid form: illegal after the exit-set check */ \
    X(PRIV)     /* privileged: the problem-state check, then the operation */ \
    X(LI)       /* addi rD,0,SIMM */ \
    X(LIS)      /* addis rD,0,SIMM */ \
    X(BC_CR)    /* bc on a CR bit alone, CTR untouched */ \
    X(BDNZ)     /* bc decrementing CTR, branching while it is not 0 */ \
    X(VMEXIT)   /* a form of the exit set (hardware assist): stop before it */
#define PPC_XH_ENUM(n) H_##n,
enum { PPC_XHANDLERS(PPC_XH_ENUM) H_OP0 };

#define SIMM_OF(w) ((uint32_t)(int32_t)(int16_t)((w) & 0xFFFF))

/* Fill e from word w (a pure function of w: see ppc.h). The checks the old
 * per-word dispatch made at each step are made here once: no entry or
 * reserved bits (illegal), invalid forms, privilege (H_PRIV, which checks
 * MSR[PR] when it runs). */
static void dc_decode(ppc_cpu *s, ppc_dent *e, uint32_t w) {
    s->dc_used = true;
    uint8_t b[4];
    vl_put_be32(b, w);
    uint32_t raw;
    memcpy(&raw, b, 4);
    *e = (ppc_dent){ .raw = raw, .w = w, .h = H_ILL, .rd = (uint8_t)((w >> 21) & 31), .ra = (uint8_t)((w >> 16) & 31),
                     .rb = (uint8_t)((w >> 11) & 31) };
    unsigned v = ppc_dt_prim[w >> 26];
    if (v >= PPC_DT_EXT) v = ppc_dt_ext[v - PPC_DT_EXT][(w >> 1) & 0x3FF];
    if (!v) return;
    if (v > PPC_DT_PRIV) v -= PPC_DT_PRIV;
    const ppc_insn *in = &ppc_insns[v - 1];
    if ((w & in->mask) != in->match) return;
    e->cls = (uint8_t)(ppc_insn_class(w) + 1);
    e->op = in->op;
    if (ppc_invalid_form(in, w)) { e->h = H_ILLFORM; return; }
    unsigned h = H_OP0 + in->op, bo = e->rd;
    switch ((enum ppc_op)in->op) {
    case PPC_OP_ADDI: if (!e->ra) h = H_LI; break;
    case PPC_OP_ADDIS: if (!e->ra) h = H_LIS; break;
    case PPC_OP_B: e->imm = (uint32_t)((int32_t)(w << 6) >> 6) & ~3u; break;
    case PPC_OP_BC:
        e->imm = SIMM_OF(w & 0xFFFC);
        if ((bo & 0x14) == 0x10 && !(w & 1) && (bo & 2) == 0) h = H_BDNZ; /* bdnz: BO = 0b1z00y */
        else if ((bo & 0x14) == 0x04 && !(w & 1)) h = H_BC_CR; /* CR bit only */
        e->x = (uint8_t)(31 - e->ra);
        break;
    case PPC_OP_CMPI: case PPC_OP_CMPLI: case PPC_OP_CMP: case PPC_OP_CMPL:
        e->x = (uint8_t)((7 - (e->rd >> 2)) * 4);
        break;
    case PPC_OP_RLWIMI: case PPC_OP_RLWINM: case PPC_OP_RLWNM: {
        unsigned mb = (w >> 6) & 31, me = (w >> 1) & 31;
        uint32_t a = 0xFFFFFFFFu >> mb, b = 0xFFFFFFFFu << (31 - me);
        e->imm = mb <= me ? a & b : a | b;
        break;
    }
    case PPC_OP_MFSPR: case PPC_OP_MTSPR: e->imm = ppc_spr_ix[ppc_spr_field(w)]; break;
    default: break;
    }
    e->h = (uint16_t)(ppc_insn_privileged(in, w) ? H_PRIV : h);
    /* the exit set by form, in any mode, before the privilege check */
    if (s->dc_xon && vl_bit(s->dc_xforms, v - 1)) e->h = H_VMEXIT;
}

/* The decoded cache follows c.exit_forms (ppc.h, dc_xforms): when the set
 * differs from the one the entries were decoded against, every entry is
 * cleared (a zeroed entry decodes again at its next dispatch). Once per
 * run: a compare of a few bytes (decode.c asserts that they fit). */
static void dc_sync_exits(ppc_cpu *s) {
    const uint8_t *xf = s->c.exit_forms;
    size_t nb = ((size_t)ppc_ninsns + 7) / 8;
    bool on = xf != NULL;
    if (on == s->dc_xon && (!on || !memcmp(s->dc_xforms, xf, nb))) return;
    s->dc_xon = on;
    memset(s->dc_xforms, 0, sizeof s->dc_xforms);
    if (on) memcpy(s->dc_xforms, xf, nb);
    if (!s->dc_used) return; /* nothing to clear (a new CPU) */
    s->dc_used = false;
    memset(s->dc, 0, sizeof s->dc);
    memset(&s->dc_one, 0, sizeof s->dc_one);
}

/* The host address of a RAM access of size bytes at ea that needs nothing
 * but a copy (real mode, or a hit in the data translation cache, inside one
 * page; below the fast limit: below the lowest watched page for a write), or
 * NULL: the caller takes the full path (mem_ld/mem_st). */
static inline uint8_t *fast_addr(ppc_cpu *s, uint32_t ea, unsigned size, int write) {
    uint32_t pa = ea;
    if (s->msr & MSR_DR) {
        unsigned pr = (s->msr >> 14) & 1;
        const ppc_tlbe *t = write ? &s->dtlb_w[pr][TLB_IDX(ea)] : &s->dtlb_r[pr][TLB_IDX(ea)];
        if (t->tag != (ea & ~0xFFFu) || (ea & 0xFFF) > 0x1000u - size) return NULL;
        pa = t->pa | (ea & 0xFFF);
    }
    if (VL_UNLIKELY((uint64_t)pa + size > (write ? s->wr_lim : s->fast_lim)) &&
        (!write || pa < s->wr_hi || (uint64_t)pa + size > s->fast_lim))
        return NULL;
    return s->ram + pa;
}

/* By class (the checked loop only: the exit set is checked in GO()); by
 * form, the decoded entry has the handler H_VMEXIT (dc_decode) */
static inline bool exit_hit(const ppc_dent *e, uint32_t xset) { return (xset >> e->cls) & 1; }

#define RD (e->rd)
#define w (e->w)
#define RA (e->ra)
#define RB (e->rb)
#define OP (e->op)
#define SIMM SIMM_OF(w)
#define UIMM (w & 0xFFFFu)
#define G (s->gpr)
#define GA0 (RA ? G[RA] : 0u)
#define RC_CR0(r) do { if (w & 1) set_cr0(s, (r)); } while (0)
#define PROGRAM(bits) do { s->f_vector = 0x700; s->f_srr1 = (bits); s->f_dsi = false; goto exc; } while (0)
#define ILLEGAL() PROGRAM(SRR1_ILLEGAL)
#define ALIGN_EXC(ea) do { s->f_vector = 0x600; s->f_dar = (ea); s->f_dsisr = ppc_align_dsisr(w); \
                           s->f_dsi = false; s->f_srr1 = 0; goto exc; } while (0)
/* pc and the instruction count live in locals; the state gets them before
 * anything outside the hot handlers looks (devices, events, exceptions, SPRs) */
#define SYNC() (s->pc = pc, s->c.icount = ic)
#define LOAD(ea, size, var) do { \
        const uint8_t *p_ = fast_addr(s, (ea), (size), 0); \
        if (VL_LIKELY(p_ != NULL)) (var) = (size) == 4 ? vl_be32(p_) : (size) == 2 ? vl_be16(p_) : p_[0]; \
        else { SYNC(); if (VL_UNLIKELY(!mem_ld(s, (ea), (size), &(var)))) goto exc; } \
    } while (0)
#define STORE(ea, size, val) do { \
        uint8_t *p_ = fast_addr(s, (ea), (size), 1); \
        if (VL_LIKELY(p_ != NULL)) { \
            if ((size) == 4) vl_put_be32(p_, (val)); \
            else if ((size) == 2) vl_put_be16(p_, (val)); \
            else p_[0] = (uint8_t)(val); \
        } else { SYNC(); if (VL_UNLIKELY(!mem_st(s, (ea), (size), (val)))) goto exc; } \
    } while (0)

/* Threaded dispatch: a label per handler and a table of their addresses
 * (GNU C), or a switch (any C11 compiler; -DPPC_NO_THREADED builds it). */
#if defined(__GNUC__) && !defined(PPC_NO_THREADED)
#define XH(n) hx_##n:
#define OH(n) ho_##n:
#define JUMP(hv) goto *lbl[(hv)]
#define HANDLERS_BEGIN
#define HANDLERS_END
#else
#define XH(n) case H_##n:
#define OH(n) case H_OP0 + PPC_OP_##n:
#define JUMP(hv) do { hsel = (hv); goto handlers; } while (0)
#define HANDLERS_BEGIN handlers: switch (hsel) {
#define HANDLERS_END default: ILLEGAL(); }
#endif
/* a handler that may call out: the state gets pc and icount, npc the next pc */
#define GOH(n) OH(n) SYNC(); npc = pc + 4;
/* the exit-set check (checked loop only; class + 1 in the entry, 0: none),
 * then the handler */
#define GO() do { \
        if (checked && VL_UNLIKELY(exit_hit(e, xset))) goto vmexit; \
        JUMP(e->h); \
    } while (0)

/* the word in memory, its bytes in host order */
static inline uint32_t raw_word(const uint8_t *p) {
    uint32_t v;
    memcpy(&v, p, 4);
    return v;
}
#define DISPATCH() do { \
        if (VL_UNLIKELY(ic >= s->slice_end)) goto out; \
        if (VL_UNLIKELY(raw_word(rp + (pc & 0xFFFu)) != e->raw)) goto redecode; \
        GO(); \
    } while (0)
#define NEXT() do { pc += 4; e++; ic++; DISPATCH(); } while (0)
/* a taken branch to t: within the page, straight to its entry */
#define BRANCH(t) do { \
        pc = (t); ic++; \
        if (VL_LIKELY((pc & ~0xFFFu) == cur_page)) { e = base + ((pc & 0xFFFu) >> 2); DISPATCH(); } \
        goto top; \
    } while (0)
/* after a handler that may have changed translation, the fetch cache or
 * the slice: the page is looked up again */
#define NEXT_SLOW() do { pc = npc; ic++; goto top; } while (0)

/* Branch condition (BO, BI) with the CTR decrement; returns taken. */
static inline bool bc_cond(ppc_cpu *s, unsigned bo, unsigned bi) {
    if (!(bo & 4)) s->ctr--;
    bool ctr_ok = (bo & 4) || ((s->ctr != 0) != ((bo & 2) != 0));
    bool cond_ok = (bo & 16) || (((s->cr >> (31 - bi)) & 1) == ((bo >> 3) & 1));
    return ctr_ok && cond_ok;
}

#if defined(__GNUC__) && !defined(PPC_NO_THREADED)
#define PPC_XH_LABEL(n) &&hx_##n,
#define PPC_OP_LABEL(n) &&ho_##n,
#endif
#define SLICE_NAME run_slice_fast
#define SLICE_CHECKED 0
#include "isa/ppc/slice.h"
#define SLICE_NAME run_slice_checked
#define SLICE_CHECKED 1
#include "isa/ppc/slice.h"
#undef w

/* Asynchronous exceptions at the start of a step: trace, external,
 * decrementer (in this priority order). */
static int take_async(ppc_cpu *s, vl_stop *st) {
    int v;
    if (s->trace_pending) { v = 0xD00; s->trace_pending = false; }
    else if (!(s->msr & MSR_EE)) return SL_OK;
    else if (s->c.irq_level) v = 0x500;
    else if (s->dec_pending) { v = 0x900; s->dec_pending = false; }
    else return SL_OK;
    s->f_dsi = false;
    s->f_srr1 = 0;
    s->f_dar = 0;
    return exception(s, st, v, s->pc, s->pc);
}

static vl_stop ppc_run(void *cpu, uint64_t max) {
    ppc_cpu *s = cpu;
    vl_machine *m = s->c.m;
    vl_stop st = mkstop(VLAB_STOP_BUDGET, 0, -1);
    if (!max) max = 1;
    uint64_t end = max > UINT64_MAX - s->c.icount ? UINT64_MAX : s->c.icount + max;
    refresh_mem(s);
    s->kicked = false;
    ppc_decode_init();
    /* the exit set by form may have changed since the last run */
    dc_sync_exits(s);
    for (;;) {
        if (s->c.icount >= s->dec_fire) {
            s->dec_pending = true;
            s->dec_fire += 0x100000000ull;
        }
        if (m->timer_period) vl_timer_sync(m);
        if (s->trace_pending || ((s->msr & MSR_EE) && (s->c.irq_level || s->dec_pending)))
            if (take_async(s, &st)) return st;
        if (m->hook_stop) { /* a hook asked to stop */
            m->hook_stop = false;
            return mkstop(VLAB_STOP_BREAKPOINT, s->pc, -1);
        }
        if (s->c.icount >= end) {
            /* the budget ended with no stop: binary translation may go on
             * in this run (vl_cpu_common.cont; nothing a run's start
             * refreshes has changed) */
            uint64_t more = s->c.cont ? s->c.cont(s->c.cont_ctx) : 0;
            if (!more) break;
            end = more > UINT64_MAX - s->c.icount ? UINT64_MAX : s->c.icount + more;
        }
        uint64_t se = end;
        if (s->dec_fire < se) se = s->dec_fire;
        if (m->timer_period && m->timer_next > s->c.icount && m->timer_next < se) se = m->timer_next;
        /* single-step trace and branch trace: one instruction per slice */
        bool slow = (s->msr & (MSR_SE | MSR_BE)) != 0;
        if (slow) se = s->c.icount + 1;
        if (se <= s->c.icount) se = s->c.icount + 1;
        s->slice_end = se;
        uint32_t msr0 = s->msr;
        uint64_t exc0 = s->c.exceptions;
        s->no_trace = false;
        s->was_branch = false;
        if (s->c.exit_set ? run_slice_checked(s, &st) : run_slice_fast(s, &st)) return st;
        if (slow && !s->no_trace && s->c.exceptions == exc0 &&
            ((msr0 & MSR_SE) || ((msr0 & MSR_BE) && s->was_branch)))
            s->trace_pending = true;
        if (s->kicked) break;
    }
    st.pc = s->pc;
    return st;
}

/* ---- the CPU interface ------------------------------------------------------------ */
/* Register ids: GPRs 0..31, then pc, msr, cr, the segment registers; an SPR
 * of the register view is R_SPR + its number (view, names, privilege and
 * where the value lives from its ppc_sprs row). */
enum { R_GPR = 0, R_PC = 32, R_MSR, R_CR, R_SR0, R_SPR = 0x400 };

#define PRIV VL_REG_PRIV
#define SPR_REG(num, name, flags) { name, 32, (uint8_t)(((num) & 0x10 ? PRIV : 0) | (flags)), R_SPR + (num) },
#define VIEW_EARLY_REG(num, name) SPR_REG(num, name, 0)
#define VIEW_EARLY_REG_RO(num, name) SPR_REG(num, name, VL_REG_RO)
#define VIEW_EARLY_REG_LATE(num, name)
#define VIEW_EARLY_NOREG(num, name)
#define VIEW_LATE_REG(num, name)
#define VIEW_LATE_REG_RO(num, name)
#define VIEW_LATE_REG_LATE(num, name) SPR_REG(num, name, 0)
#define VIEW_LATE_NOREG(num, name)
#define SPR_EARLY(num, name, access, where, wmask, spell, view) VIEW_EARLY_##view(num, name)
#define SPR_LATE(num, name, access, where, wmask, spell, view) VIEW_LATE_##view(num, name)
static const vl_reg_info ppc_regs_tab[] = {
    { "r0", 32, 0, 0 }, { "r1", 32, 0, 1 }, { "r2", 32, 0, 2 }, { "r3", 32, 0, 3 },
    { "r4", 32, 0, 4 }, { "r5", 32, 0, 5 }, { "r6", 32, 0, 6 }, { "r7", 32, 0, 7 },
    { "r8", 32, 0, 8 }, { "r9", 32, 0, 9 }, { "r10", 32, 0, 10 }, { "r11", 32, 0, 11 },
    { "r12", 32, 0, 12 }, { "r13", 32, 0, 13 }, { "r14", 32, 0, 14 }, { "r15", 32, 0, 15 },
    { "r16", 32, 0, 16 }, { "r17", 32, 0, 17 }, { "r18", 32, 0, 18 }, { "r19", 32, 0, 19 },
    { "r20", 32, 0, 20 }, { "r21", 32, 0, 21 }, { "r22", 32, 0, 22 }, { "r23", 32, 0, 23 },
    { "r24", 32, 0, 24 }, { "r25", 32, 0, 25 }, { "r26", 32, 0, 26 }, { "r27", 32, 0, 27 },
    { "r28", 32, 0, 28 }, { "r29", 32, 0, 29 }, { "r30", 32, 0, 30 }, { "r31", 32, 0, 31 },
    { "pc", 32, 0, R_PC }, { "msr", 32, PRIV, R_MSR }, { "cr", 32, 0, R_CR },
    PPC_SPRS(SPR_EARLY)
    { "sr0", 32, PRIV, R_SR0 + 0 }, { "sr1", 32, PRIV, R_SR0 + 1 }, { "sr2", 32, PRIV, R_SR0 + 2 },
    { "sr3", 32, PRIV, R_SR0 + 3 }, { "sr4", 32, PRIV, R_SR0 + 4 }, { "sr5", 32, PRIV, R_SR0 + 5 },
    { "sr6", 32, PRIV, R_SR0 + 6 }, { "sr7", 32, PRIV, R_SR0 + 7 }, { "sr8", 32, PRIV, R_SR0 + 8 },
    { "sr9", 32, PRIV, R_SR0 + 9 }, { "sr10", 32, PRIV, R_SR0 + 10 }, { "sr11", 32, PRIV, R_SR0 + 11 },
    { "sr12", 32, PRIV, R_SR0 + 12 }, { "sr13", 32, PRIV, R_SR0 + 13 }, { "sr14", 32, PRIV, R_SR0 + 14 },
    { "sr15", 32, PRIV, R_SR0 + 15 },
    PPC_SPRS(SPR_LATE)
};

static const vl_reg_info *ppc_regs(int variant, int *count) {
    (void)variant;
    *count = (int)(sizeof ppc_regs_tab / sizeof ppc_regs_tab[0]);
    return ppc_regs_tab;
}

static uint32_t ppc_reg_get(void *cpu, int id) {
    ppc_cpu *s = cpu;
    if (id >= 0 && id < 32) return s->gpr[id];
    if (id >= R_SR0 && id < R_SR0 + 16) return s->sr[id - R_SR0];
    if (id >= R_SPR) {
        const ppc_spr *e = ppc_spr_find((unsigned)(id - R_SPR));
        return e ? spr_load(s, e) : 0;
    }
    switch (id) {
    case R_PC: return s->pc;
    case R_MSR: return s->msr;
    case R_CR: return s->cr;
    default: return 0;
    }
}

static void ppc_reg_set(void *cpu, int id, uint32_t v) {
    ppc_cpu *s = cpu;
    if (id >= 0 && id < 32) { s->gpr[id] = v; return; }
    if (id >= R_SR0 && id < R_SR0 + 16) { s->sr[id - R_SR0] = v; ppc_tlb_flush(s); return; }
    if (id >= R_SPR) {
        /* the view writes what mtspr cannot (the time base at 268/269) */
        const ppc_spr *e = ppc_spr_find((unsigned)(id - R_SPR));
        if (e && e->view != PPC_SPR_REG_RO) spr_store(s, e, v);
        return;
    }
    switch (id) {
    case R_PC: s->pc = v & ~3u; break;
    case R_MSR: ppc_set_msr(s, v); break;
    case R_CR: s->cr = v; break;
    default: break;
    }
}

static uint32_t ppc_get_pc(void *cpu) { return ((ppc_cpu *)cpu)->pc; }
static void ppc_set_pc_(void *cpu, uint32_t pc) { ((ppc_cpu *)cpu)->pc = pc & ~3u; }
/* Privilege levels: 0 supervisor (MSR[PR] = 0), 3 problem state. */
static int ppc_priv_get(void *cpu) { return (((ppc_cpu *)cpu)->msr & MSR_PR) ? 3 : 0; }
static void ppc_priv_set(void *cpu, int level) {
    ppc_cpu *s = cpu;
    ppc_set_msr(s, level == 0 ? s->msr & ~MSR_PR : s->msr | MSR_PR);
}

static void ppc_boot(void *cpu, uint32_t entry, uint32_t sp) {
    ppc_cpu *s = cpu;
    ppc_set_msr(s, s->msr & ~MSR_PR);
    s->gpr[1] = sp;
    s->pc = entry & ~3u;
}

static void ppc_kick(void *cpu) {
    ppc_cpu *s = cpu;
    s->slice_end = s->c.icount + 1; /* the instruction in progress is not counted yet */
    s->kicked = true;
}

/* Through the MMU as the CPU is set now (ppc_translate's probe: no R/C
 * bits, no exception); RAM only. */
static size_t ppc_read_virt(void *cpu, uint32_t addr, uint8_t *buf, size_t len, bool fetch) {
    ppc_cpu *s = cpu;
    vl_mem *mem = &s->c.m->mem;
    unsigned wimg = s->last_wimg;
    size_t n = 0;
    while (n < len) {
        uint32_t ea = addr + (uint32_t)n, pa, fault;
        if (ppc_translate(s, ea, (fetch ? PPC_ACC_FETCH : PPC_ACC_READ) | PPC_ACC_PROBE, &pa, &fault)) break;
        size_t chunk = 0x1000 - (ea & 0xFFF);
        if (chunk > len - n) chunk = len - n;
        if ((uint64_t)pa + chunk > mem->size || (mem->mmio_on && pa + chunk > mem->mmio_base && pa < mem->mmio_base + VL_MMIO_SIZE)) {
            /* up to the end of RAM or the window */
            size_t k = 0;
            while (k < chunk && pa + k < mem->size && !(mem->mmio_on && pa + k - mem->mmio_base < VL_MMIO_SIZE)) {
                buf[n + k] = mem->ram[pa + k];
                k++;
            }
            n += k;
            break;
        }
        memcpy(buf + n, mem->ram + pa, chunk);
        n += chunk;
    }
    s->last_wimg = wimg;
    return n;
}

static void ppc_reset(void *cpu) {
    ppc_cpu *s = cpu;
    vl_cpu_common c = s->c;
    int variant = s->variant;
    /* the pre-decoded cache stays: its entries check themselves */
    memset((char *)s + sizeof s->c, 0, PPC_SNAP_SIZE - sizeof s->c);
    s->c = c;
    s->variant = variant;
    s->pvr = PPC_PVR_750;
    s->msr = MSR_ME;
    s->pc = 0x100;
    s->tb_base = 0 - s->c.icount;
    s->dec_val = 0xFFFFFFFFu; /* negative: no exception until it wraps */
    s->dec_at = s->c.icount;
    dec_schedule(s);
    s->fetch_page = 1;
    ppc_tlb_flush(s);
}

static void ppc_init(void *cpu, vl_machine *m, int variant) {
    ppc_cpu *s = cpu;
    s->c.m = m;
    s->c.last_vector = -1;
    s->variant = variant;
    ppc_decode_init();
    ppc_reset(s);
}

/* code: DSISR for DSI/alignment, SRR1 reason bits for ISI/program; addr: DAR. */
static void ppc_raise(void *cpu, int vector, uint32_t code, uint32_t addr) {
    ppc_cpu *s = cpu;
    uint32_t reason = 0;
    if (vector == 0x300 || vector == 0x600) {
        s->dar = addr;
        s->dsisr = code;
    } else if (vector == 0x400 || vector == 0x700) {
        reason = code;
    }
    if (vector == 0x900) s->dec_pending = false;
    if (vector == 0xD00) s->trace_pending = false;
    ppc_take_exception(s, vector, vector == 0xC00 ? s->pc + 4 : s->pc, reason);
}

/* The entry's control flow (PPC_F_FLOW) for this word: a BO that tests CTR
 * or a CR bit makes a branch conditional, LK makes it a call; b and bc go
 * to a displacement (AA: absolute) known from the word alone. */
static void decode_flow(const ppc_insn *in, uint32_t w, uint32_t addr, vl_decode_info *out) {
    int flow = ppc_insn_flow(in);
    bool has_bo = false;
    for (int k = 0; k < 5; k++) {
        uint32_t disp;
        switch (in->opd[k]) {
        case PPC_OPD_BO: has_bo = true; continue;
        case PPC_OPD_LI: disp = (uint32_t)((int32_t)(w << 6) >> 6) & ~3u; break;
        case PPC_OPD_BD: disp = (uint32_t)(int32_t)(int16_t)(w & 0xFFFC); break;
        default: continue;
        }
        out->has_target = true;
        out->target = (w & 2) ? disp : addr + disp;
    }
    if ((in->flags & PPC_F_LK) && (w & 1)) flow = VL_FLOW_CALL;
    else if (has_bo && ((w >> 21) & 0x14) != 0x14) flow = VL_FLOW_BRANCH;
    out->flow = flow;
}

static void ppc_decode_meta(int variant, const uint8_t *bytes, size_t len, uint32_t addr, vl_decode_info *out) {
    (void)variant;
    memset(out, 0, sizeof *out);
    out->form = -1;
    out->cls = VL_CLASS_ILLEGAL;
    if (len < 4) return;
    uint32_t w = vl_be32(bytes);
    out->length = 4;
    int i = ppc_decode_index(w);
    out->cls = ppc_insn_class(w);
    if (i < 0) {
        /* the illegal-instruction program interrupt */
        out->mnemonic = NULL;
        out->flow = VL_FLOW_TRAP;
        return;
    }
    out->form = i;
    out->mnemonic = ppc_insns[i].mnemonic;
    decode_flow(&ppc_insns[i], w, addr, out);
}

const vl_cpu_ops ppc_ops = {
    .isa = "ppc",
    .state_size = sizeof(ppc_cpu),
    .snap_size = PPC_SNAP_SIZE,
    .levels = 1u << 0 | 1u << 3,
    .min_insn = 4,
    .elf_machine = 20, /* EM_PPC */
    .sp_name = "r1",
    .init = ppc_init,
    .reset = ppc_reset,
    .boot = ppc_boot,
    .run = ppc_run,
    .kick = ppc_kick,
    .regs = ppc_regs,
    .reg_get = ppc_reg_get,
    .reg_set = ppc_reg_set,
    .get_pc = ppc_get_pc,
    .set_pc = ppc_set_pc_,
    .priv_get = ppc_priv_get,
    .priv_set = ppc_priv_set,
    .raise = ppc_raise,
    .vectors = ppc_vectors,
    .exc_shift = 8, /* 0x700 -> 7 */
    .read_virt = ppc_read_virt,
    .decode = ppc_decode_meta,
    .disasm = ppc_disasm,
    .assemble = ppc_assemble,
};
