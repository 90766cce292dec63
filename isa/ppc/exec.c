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
    if ((uint64_t)pa + (unsigned)size <= s->wr_lim) {
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
    if (s->c.intercept) {
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

#define RD ((w >> 21) & 31)
#define RA ((w >> 16) & 31)
#define RB ((w >> 11) & 31)
#define SIMM ((uint32_t)(int32_t)(int16_t)(w & 0xFFFF))
#define UIMM (w & 0xFFFFu)
#define G (s->gpr)
#define GA0 (RA ? G[RA] : 0u)
#define RC_CR0(r) do { if (w & 1) set_cr0(s, (r)); } while (0)
#define PROGRAM(bits) do { s->f_vector = 0x700; s->f_srr1 = (bits); s->f_dsi = false; goto exc; } while (0)
#define ILLEGAL() PROGRAM(SRR1_ILLEGAL)
#define ALIGN_EXC(ea) do { s->f_vector = 0x600; s->f_dar = (ea); s->f_dsisr = ppc_align_dsisr(w); \
                           s->f_dsi = false; s->f_srr1 = 0; goto exc; } while (0)
#define LOAD(ea, size, var) do { if (VL_UNLIKELY(!mem_ld(s, (ea), (size), &(var)))) goto exc; } while (0)
#define STORE(ea, size, val) do { if (VL_UNLIKELY(!mem_st(s, (ea), (size), (val)))) goto exc; } while (0)

/* Branch condition (BO, BI) with the CTR decrement; returns taken. */
static inline bool bc_cond(ppc_cpu *s, unsigned bo, unsigned bi) {
    if (!(bo & 4)) s->ctr--;
    bool ctr_ok = (bo & 4) || ((s->ctr != 0) != ((bo & 2) != 0));
    bool cond_ok = (bo & 16) || (((s->cr >> (31 - bi)) & 1) == ((bo >> 3) & 1));
    return ctr_ok && cond_ok;
}

/* Does the exit set stop the run before word w? */
static inline bool exits(const ppc_cpu *s, uint32_t w) {
    return s->c.exit_set && (s->c.exit_set & (1u << ppc_insn_class(w)));
}

/* Does word w of entry `in` take the privileged-instruction program
 * interrupt in problem state? Not when the checks every word gets
 * (reserved fields, exit set) stop it first. Out of line, so that the
 * common path of the loop stays as short as it was. */
static __attribute__((noinline)) bool privilege_trap(const ppc_cpu *s, const ppc_insn *in, uint32_t w,
                                                     bool checked) {
    return ppc_insn_privileged(in, w) && (w & in->mask) == in->match && !(checked && exits(s, w));
}

/* Run instructions until icount reaches s->slice_end or something stops.
 * Instantiated twice: with the exit-set check, and without it (the usual
 * case, so that an empty exit set costs nothing). */
static inline __attribute__((always_inline)) int run_slice_body(ppc_cpu *s, vl_stop *st, const bool checked) {
    /* pc and the instruction count live in locals (stored, never reloaded,
     * on the way: no dependency through memory from one instruction to the next) */
    uint32_t pc = s->pc, w = 0, npc;
    uint64_t ic = s->c.icount;
    while (ic < s->slice_end) {
        if (VL_LIKELY((pc & ~0xFFFu) == s->fetch_page)) {
            w = vl_be32(s->ram + s->fetch_pa + (pc & 0xFFF));
        } else if (!fetch_slow(s, pc, &w)) {
            goto exc;
        }
        unsigned v = ppc_dt_prim[w >> 26];
        if (v >= PPC_DT_EXT) v = ppc_dt_ext[v - PPC_DT_EXT][(w >> 1) & 0x3FF];
        const ppc_insn *in;
        if (VL_LIKELY(v - 1 < PPC_DT_PRIV)) {
            in = &ppc_insns[v - 1];
        } else {
            /* illegal (0), or an entry that declares privilege (PPC_DT_PRIV):
             * the one privilege check */
            if (!v) ILLEGAL();
            in = &ppc_insns[v - 1 - PPC_DT_PRIV];
            if ((s->msr & MSR_PR) && privilege_trap(s, in, w, checked)) PROGRAM(SRR1_PRIV);
        }
        if (VL_UNLIKELY((w & in->mask) != in->match)) ILLEGAL();
        if (checked && exits(s, w)) {
            int cls = ppc_insn_class(w);
            *st = mkstop(VLAB_STOP_VMEXIT, pc, -1);
            st->code = (uint32_t)cls; /* the class of the instruction */
            st->flags = VLAB_STOP_HAS_CODE;
            return SL_STOP;
        }
        npc = pc + 4;
        switch ((enum ppc_op)in->op) {
        /* ---- arithmetic ---- */
        case PPC_OP_ADDI: G[RD] = GA0 + SIMM; break;
        case PPC_OP_ADDIS: G[RD] = GA0 + (w << 16); break;
        case PPC_OP_ADDIC: case PPC_OP_ADDIC_RC: {
            uint32_t a = G[RA], r = a + SIMM;
            set_ca(s, r < a);
            G[RD] = r;
            if (in->op == PPC_OP_ADDIC_RC) set_cr0(s, r);
            break;
        }
        case PPC_OP_SUBFIC: {
            uint64_t r = (uint64_t)(uint32_t)~G[RA] + SIMM + 1;
            set_ca(s, (uint32_t)(r >> 32));
            G[RD] = (uint32_t)r;
            break;
        }
        case PPC_OP_MULLI: G[RD] = (uint32_t)((int64_t)(int32_t)G[RA] * (int16_t)(w & 0xFFFF)); break;
        case PPC_OP_ADD: case PPC_OP_ADDC: case PPC_OP_ADDE: case PPC_OP_ADDME: case PPC_OP_ADDZE:
        case PPC_OP_SUBF: case PPC_OP_SUBFC: case PPC_OP_SUBFE: case PPC_OP_SUBFME: case PPC_OP_SUBFZE:
        case PPC_OP_NEG: {
            uint32_t a = G[RA], b = G[RB], c = 0, ca = (s->xer >> 29) & 1;
            switch (in->op) {
            case PPC_OP_ADD: case PPC_OP_ADDC: break;
            case PPC_OP_ADDE: c = ca; break;
            case PPC_OP_ADDME: b = 0xFFFFFFFFu; c = ca; break;
            case PPC_OP_ADDZE: b = 0; c = ca; break;
            case PPC_OP_SUBF: case PPC_OP_SUBFC: a = ~a; c = 1; break;
            case PPC_OP_SUBFE: a = ~a; c = ca; break;
            case PPC_OP_SUBFME: a = ~a; b = 0xFFFFFFFFu; c = ca; break;
            case PPC_OP_SUBFZE: a = ~a; b = 0; c = ca; break;
            default: /* NEG */ a = ~a; b = 0; c = 1; break;
            }
            uint64_t wide = (uint64_t)a + b + c;
            uint32_t r = (uint32_t)wide;
            if (in->op != PPC_OP_ADD && in->op != PPC_OP_SUBF && in->op != PPC_OP_NEG)
                set_ca(s, (uint32_t)(wide >> 32));
            if (w & 0x400) set_ov(s, ((a ^ r) & (b ^ r)) >> 31);
            G[RD] = r;
            RC_CR0(r);
            break;
        }
        case PPC_OP_MULLW: {
            int64_t p = (int64_t)(int32_t)G[RA] * (int32_t)G[RB];
            if (w & 0x400) set_ov(s, p != (int32_t)p);
            G[RD] = (uint32_t)p;
            RC_CR0(G[RD]);
            break;
        }
        case PPC_OP_MULHW:
            G[RD] = (uint32_t)((uint64_t)((int64_t)(int32_t)G[RA] * (int32_t)G[RB]) >> 32);
            RC_CR0(G[RD]);
            break;
        case PPC_OP_MULHWU:
            G[RD] = (uint32_t)(((uint64_t)G[RA] * G[RB]) >> 32);
            RC_CR0(G[RD]);
            break;
        case PPC_OP_DIVW: {
            int32_t a = (int32_t)G[RA], b = (int32_t)G[RB];
            bool bad = b == 0 || (a == INT32_MIN && b == -1);
            /* undefined result (PEM): vlab gives 0xFFFFFFFF for a negative dividend, else 0 */
            uint32_t r = bad ? (a < 0 ? 0xFFFFFFFFu : 0u) : (uint32_t)(a / b);
            if (w & 0x400) set_ov(s, bad);
            G[RD] = r;
            RC_CR0(r);
            break;
        }
        case PPC_OP_DIVWU: {
            uint32_t a = G[RA], b = G[RB];
            uint32_t r = b ? a / b : 0; /* undefined result: vlab gives 0 */
            if (w & 0x400) set_ov(s, b == 0);
            G[RD] = r;
            RC_CR0(r);
            break;
        }
        /* ---- compare ---- */
        case PPC_OP_CMPI: set_crf(s, RD >> 2, cmp_s(s, (int32_t)G[RA], (int32_t)SIMM)); break;
        case PPC_OP_CMPLI: set_crf(s, RD >> 2, cmp_u(s, G[RA], UIMM)); break;
        case PPC_OP_CMP: set_crf(s, RD >> 2, cmp_s(s, (int32_t)G[RA], (int32_t)G[RB])); break;
        case PPC_OP_CMPL: set_crf(s, RD >> 2, cmp_u(s, G[RA], G[RB])); break;
        /* ---- logical ---- */
        case PPC_OP_ANDI: G[RA] = G[RD] & UIMM; set_cr0(s, G[RA]); break;
        case PPC_OP_ANDIS: G[RA] = G[RD] & (UIMM << 16); set_cr0(s, G[RA]); break;
        case PPC_OP_ORI: G[RA] = G[RD] | UIMM; break;
        case PPC_OP_ORIS: G[RA] = G[RD] | (UIMM << 16); break;
        case PPC_OP_XORI: G[RA] = G[RD] ^ UIMM; break;
        case PPC_OP_XORIS: G[RA] = G[RD] ^ (UIMM << 16); break;
        case PPC_OP_AND: G[RA] = G[RD] & G[RB]; RC_CR0(G[RA]); break;
        case PPC_OP_ANDC: G[RA] = G[RD] & ~G[RB]; RC_CR0(G[RA]); break;
        case PPC_OP_OR: G[RA] = G[RD] | G[RB]; RC_CR0(G[RA]); break;
        case PPC_OP_ORC: G[RA] = G[RD] | ~G[RB]; RC_CR0(G[RA]); break;
        case PPC_OP_NOR: G[RA] = ~(G[RD] | G[RB]); RC_CR0(G[RA]); break;
        case PPC_OP_XOR: G[RA] = G[RD] ^ G[RB]; RC_CR0(G[RA]); break;
        case PPC_OP_EQV: G[RA] = ~(G[RD] ^ G[RB]); RC_CR0(G[RA]); break;
        case PPC_OP_NAND: G[RA] = ~(G[RD] & G[RB]); RC_CR0(G[RA]); break;
        case PPC_OP_CNTLZW: G[RA] = G[RD] ? (uint32_t)__builtin_clz(G[RD]) : 32u; RC_CR0(G[RA]); break;
        case PPC_OP_EXTSB: G[RA] = (uint32_t)(int32_t)(int8_t)G[RD]; RC_CR0(G[RA]); break;
        case PPC_OP_EXTSH: G[RA] = (uint32_t)(int32_t)(int16_t)G[RD]; RC_CR0(G[RA]); break;
        /* ---- rotate and shift ---- */
        case PPC_OP_RLWIMI: {
            uint32_t m = rlw_mask((w >> 6) & 31, (w >> 1) & 31);
            G[RA] = (rotl(G[RD], RB) & m) | (G[RA] & ~m);
            RC_CR0(G[RA]);
            break;
        }
        case PPC_OP_RLWINM:
            G[RA] = rotl(G[RD], RB) & rlw_mask((w >> 6) & 31, (w >> 1) & 31);
            RC_CR0(G[RA]);
            break;
        case PPC_OP_RLWNM:
            G[RA] = rotl(G[RD], G[RB] & 31) & rlw_mask((w >> 6) & 31, (w >> 1) & 31);
            RC_CR0(G[RA]);
            break;
        case PPC_OP_SLW: { uint32_t n = G[RB] & 0x3F; G[RA] = n & 0x20 ? 0 : G[RD] << n; RC_CR0(G[RA]); break; }
        case PPC_OP_SRW: { uint32_t n = G[RB] & 0x3F; G[RA] = n & 0x20 ? 0 : G[RD] >> n; RC_CR0(G[RA]); break; }
        case PPC_OP_SRAW: case PPC_OP_SRAWI: {
            uint32_t n = in->op == PPC_OP_SRAWI ? RB : G[RB] & 0x3F, x = G[RD], r, ca;
            if (n & 0x20) { r = (uint32_t)((int32_t)x >> 31); ca = x >> 31; }
            else if (n == 0) { r = x; ca = 0; }
            else { r = (uint32_t)((int32_t)x >> n); ca = (x >> 31) && (x & ((1u << n) - 1)); }
            set_ca(s, ca);
            G[RA] = r;
            RC_CR0(r);
            break;
        }
        /* ---- branches ---- */
        case PPC_OP_B: {
            uint32_t li = (uint32_t)((int32_t)(w << 6) >> 6) & ~3u;
            uint32_t t = (w & 2) ? li : pc + li;
            if (w & 1) s->lr = pc + 4;
            npc = t;
            s->was_branch = true;
            if (VL_UNLIKELY(t == pc)) goto self;
            break;
        }
        case PPC_OP_BC: {
            unsigned bo = RD;
            if (w & 1) s->lr = pc + 4;
            s->was_branch = true;
            if (bc_cond(s, bo, RA)) {
                uint32_t bd = (uint32_t)(int32_t)(int16_t)(w & 0xFFFC);
                npc = (w & 2) ? bd : pc + bd;
                if (VL_UNLIKELY(npc == pc) && (bo & 4)) goto self;
            }
            break;
        }
        case PPC_OP_BCLR: {
            unsigned bo = RD;
            uint32_t t = s->lr & ~3u;
            s->was_branch = true;
            if (bc_cond(s, bo, RA)) {
                npc = t;
                if (w & 1) s->lr = pc + 4; /* bclrl: the next round goes elsewhere */
                else if (VL_UNLIKELY(npc == pc) && (bo & 4)) goto self;
            } else if (w & 1) {
                s->lr = pc + 4;
            }
            break;
        }
        case PPC_OP_BCCTR: {
            unsigned bo = RD;
            if (!(bo & 4)) ILLEGAL(); /* invalid form */
            s->was_branch = true;
            if (w & 1) s->lr = pc + 4;
            if (bc_cond(s, bo, RA)) {
                npc = s->ctr & ~3u;
                if (VL_UNLIKELY(npc == pc)) goto self;
            }
            break;
        }
        case PPC_OP_SC:
            s->f_vector = 0xC00;
            s->f_srr1 = 0;
            s->f_dsi = false;
            goto exc;
        case PPC_OP_TW:
            if (trap_cond(RD, G[RA], G[RB])) PROGRAM(SRR1_TRAP);
            break;
        case PPC_OP_TWI:
            if (trap_cond(RD, G[RA], SIMM)) PROGRAM(SRR1_TRAP);
            break;
        /* ---- CR ---- */
        case PPC_OP_CRAND: case PPC_OP_CRANDC: case PPC_OP_CREQV: case PPC_OP_CRNAND:
        case PPC_OP_CRNOR: case PPC_OP_CROR: case PPC_OP_CRORC: case PPC_OP_CRXOR: {
            uint32_t a = (s->cr >> (31 - RA)) & 1, b = (s->cr >> (31 - RB)) & 1, r;
            switch (in->op) {
            case PPC_OP_CRAND: r = a & b; break;
            case PPC_OP_CRANDC: r = a & !b; break;
            case PPC_OP_CREQV: r = !(a ^ b); break;
            case PPC_OP_CRNAND: r = !(a & b); break;
            case PPC_OP_CRNOR: r = !(a | b); break;
            case PPC_OP_CROR: r = a | b; break;
            case PPC_OP_CRORC: r = a | !b; break;
            default: r = a ^ b; break;
            }
            unsigned d = 31 - RD;
            s->cr = (s->cr & ~(1u << d)) | r << d;
            break;
        }
        case PPC_OP_MCRF: set_crf(s, RD >> 2, (s->cr >> ((7 - (RA >> 2)) * 4)) & 0xF); break;
        case PPC_OP_MCRXR: set_crf(s, RD >> 2, s->xer >> 28); s->xer &= 0x0FFFFFFFu; break;
        case PPC_OP_MFCR: G[RD] = s->cr; break;
        case PPC_OP_MTCRF: {
            unsigned crm = (w >> 12) & 0xFF;
            uint32_t m = 0;
            for (int i = 0; i < 8; i++)
                if (crm & (0x80u >> i)) m |= 0xF0000000u >> (4 * i);
            s->cr = (s->cr & ~m) | (G[RD] & m);
            break;
        }
        /* ---- loads and stores ---- */
#define LD_D(size, ext, upd) { \
            uint32_t ea = (upd ? G[RA] : GA0) + SIMM, val; \
            if (upd && (RA == 0 || RA == RD)) ILLEGAL(); \
            LOAD(ea, size, val); \
            G[RD] = ext; \
            if (upd) G[RA] = ea; \
            break; }
#define LD_X(size, ext, upd) { \
            uint32_t ea = (upd ? G[RA] : GA0) + G[RB], val; \
            if (upd && (RA == 0 || RA == RD)) ILLEGAL(); \
            LOAD(ea, size, val); \
            G[RD] = ext; \
            if (upd) G[RA] = ea; \
            break; }
#define ST_D(size, upd) { \
            uint32_t ea = (upd ? G[RA] : GA0) + SIMM; \
            if (upd && RA == 0) ILLEGAL(); \
            STORE(ea, size, G[RD]); \
            if (upd) G[RA] = ea; \
            break; }
#define ST_X(size, upd) { \
            uint32_t ea = (upd ? G[RA] : GA0) + G[RB]; \
            if (upd && RA == 0) ILLEGAL(); \
            STORE(ea, size, G[RD]); \
            if (upd) G[RA] = ea; \
            break; }
        case PPC_OP_LWZ: LD_D(4, val, 0)
        case PPC_OP_LWZU: LD_D(4, val, 1)
        case PPC_OP_LBZ: LD_D(1, val, 0)
        case PPC_OP_LBZU: LD_D(1, val, 1)
        case PPC_OP_LHZ: LD_D(2, val, 0)
        case PPC_OP_LHZU: LD_D(2, val, 1)
        case PPC_OP_LHA: LD_D(2, (uint32_t)(int32_t)(int16_t)val, 0)
        case PPC_OP_LHAU: LD_D(2, (uint32_t)(int32_t)(int16_t)val, 1)
        case PPC_OP_STW: ST_D(4, 0)
        case PPC_OP_STWU: ST_D(4, 1)
        case PPC_OP_STB: ST_D(1, 0)
        case PPC_OP_STBU: ST_D(1, 1)
        case PPC_OP_STH: ST_D(2, 0)
        case PPC_OP_STHU: ST_D(2, 1)
        case PPC_OP_LWZX: LD_X(4, val, 0)
        case PPC_OP_LWZUX: LD_X(4, val, 1)
        case PPC_OP_LBZX: LD_X(1, val, 0)
        case PPC_OP_LBZUX: LD_X(1, val, 1)
        case PPC_OP_LHZX: LD_X(2, val, 0)
        case PPC_OP_LHZUX: LD_X(2, val, 1)
        case PPC_OP_LHAX: LD_X(2, (uint32_t)(int32_t)(int16_t)val, 0)
        case PPC_OP_LHAUX: LD_X(2, (uint32_t)(int32_t)(int16_t)val, 1)
        case PPC_OP_LWBRX: LD_X(4, __builtin_bswap32(val), 0)
        case PPC_OP_LHBRX: LD_X(2, (uint32_t)__builtin_bswap16((uint16_t)val), 0)
        case PPC_OP_STWX: ST_X(4, 0)
        case PPC_OP_STWUX: ST_X(4, 1)
        case PPC_OP_STBX: ST_X(1, 0)
        case PPC_OP_STBUX: ST_X(1, 1)
        case PPC_OP_STHX: ST_X(2, 0)
        case PPC_OP_STHUX: ST_X(2, 1)
        case PPC_OP_STWBRX: { uint32_t ea = GA0 + G[RB]; STORE(ea, 4, __builtin_bswap32(G[RD])); break; }
        case PPC_OP_STHBRX: { uint32_t ea = GA0 + G[RB]; STORE(ea, 2, __builtin_bswap16((uint16_t)G[RD])); break; }
        case PPC_OP_LMW: case PPC_OP_STMW: {
            uint32_t ea = GA0 + SIMM, n = (32 - RD) * 4;
            if (in->op == PPC_OP_LMW && ppc_invalid_form(in, w)) ILLEGAL();
            if (ea & 3) ALIGN_EXC(ea);
            bool store = in->op == PPC_OP_STMW;
            if (!probe(s, ea, n, store)) goto exc;
            for (unsigned r = RD; r < 32; r++, ea += 4) {
                if (store) STORE(ea, 4, G[r]);
                else { uint32_t val; LOAD(ea, 4, val); G[r] = val; }
            }
            break;
        }
        case PPC_OP_LSWI: case PPC_OP_LSWX: case PPC_OP_STSWI: case PPC_OP_STSWX: {
            bool imm = in->op == PPC_OP_LSWI || in->op == PPC_OP_STSWI;
            bool store = in->op == PPC_OP_STSWI || in->op == PPC_OP_STSWX;
            uint32_t ea = imm ? GA0 : GA0 + G[RB];
            uint32_t n = imm ? (RB ? RB : 32u) : (s->xer & 0x7F);
            if (!store) {
                if (ppc_invalid_form(in, w)) ILLEGAL();
                /* invalid form (PEM): rA (rA = 0 included) or, for lswx, rB in
                 * the range of registers loaded */
                uint32_t nregs = (n + 3) / 4;
                if (((RA - RD) & 31) < nregs || (!imm && ((RB - RD) & 31) < nregs)) ILLEGAL();
            }
            if (n == 0) break;
            if (!probe(s, ea, n, store)) goto exc;
            unsigned r = RD;
            if (store) {
                for (uint32_t i = 0; i < n; i++) {
                    if (i && !(i & 3)) r = (r + 1) & 31;
                    STORE(ea + i, 1, (G[r] >> (24 - 8 * (i & 3))) & 0xFF);
                }
            } else {
                uint32_t acc = 0;
                for (uint32_t i = 0; i < n; i++) {
                    uint32_t b;
                    LOAD(ea + i, 1, b);
                    acc |= b << (24 - 8 * (i & 3));
                    if ((i & 3) == 3 || i == n - 1) { G[r] = acc; acc = 0; r = (r + 1) & 31; }
                }
            }
            break;
        }
        case PPC_OP_LWARX: {
            uint32_t ea = GA0 + G[RB], val;
            if (ea & 3) ALIGN_EXC(ea);
            LOAD(ea, 4, val);
            G[RD] = val;
            s->reserve = true;
            s->reserve_addr = ea;
            break;
        }
        case PPC_OP_STWCX: {
            uint32_t ea = GA0 + G[RB];
            if (ea & 3) ALIGN_EXC(ea);
            bool ok = s->reserve && ((s->reserve_addr ^ ea) & ~31u) == 0;
            if (ok) STORE(ea, 4, G[RD]);
            s->reserve = false;
            s->cr = (s->cr & 0x0FFFFFFFu) | ((ok ? 2u : 0u) | s->xer >> 31) << 28;
            break;
        }
        case PPC_OP_ECIWX: case PPC_OP_ECOWX: {
            uint32_t ea = GA0 + G[RB];
            bool store = in->op == PPC_OP_ECOWX;
            if (!(s->ear & 0x80000000u)) {
                fault_dsi(s, ea, PPC_DSISR_EAR | (store ? PPC_DSISR_STORE : 0));
                goto exc;
            }
            if (ea & 3) ALIGN_EXC(ea);
            if (store) STORE(ea, 4, G[RD]);
            else { uint32_t val; LOAD(ea, 4, val); G[RD] = val; }
            break;
        }
        /* ---- cache, sync, time base ---- */
        case PPC_OP_DCBT: case PPC_OP_DCBTST: case PPC_OP_EIEIO: case PPC_OP_SYNC:
        case PPC_OP_ISYNC: case PPC_OP_TLBSYNC:
            break;
        case PPC_OP_DCBF: case PPC_OP_DCBST: case PPC_OP_ICBI: case PPC_OP_DCBI: {
            /* no cache: memory is always current; the address is still
             * translated (protection as a load; dcbi as a store) */
            uint32_t ea = GA0 + G[RB], pa;
            if (!xlate(s, ea, in->op == PPC_OP_DCBI, &pa)) goto exc;
            break;
        }
        case PPC_OP_DCBZ: {
            uint32_t ea = (GA0 + G[RB]) & ~31u, pa = ea, fault;
            if (s->msr & MSR_DR) {
                if (ppc_translate(s, ea, PPC_ACC_WRITE, &pa, &fault)) {
                    fault_dsi(s, GA0 + G[RB], fault | PPC_DSISR_STORE);
                    goto exc;
                }
                /* dcbz to write-through or cache-inhibited memory: alignment (750 UM) */
                if (s->last_wimg & 0xC) ALIGN_EXC(GA0 + G[RB]);
            }
            if (!probe(s, ea, 32, 1)) goto exc;
            if ((uint64_t)pa + 32 <= s->wr_lim) memset(s->ram + pa, 0, 32);
            else for (uint32_t i = 0; i < 32; i += 4) STORE(ea + i, 4, 0);
            break;
        }
        case PPC_OP_MFTB: {
            unsigned tbr = ppc_spr_field(w);
            uint64_t tb = ppc_get_tb(s);
            if (tbr == 268) G[RD] = (uint32_t)tb;
            else if (tbr == 269) G[RD] = (uint32_t)(tb >> 32);
            else ILLEGAL();
            break;
        }
        /* ---- SPRs ---- */
        case PPC_OP_MFSPR: {
            unsigned ix = ppc_spr_ix[ppc_spr_field(w)];
            if (!ix || !(ppc_sprs[ix - 1].access & PPC_SPR_R)) ILLEGAL();
            G[RD] = spr_load(s, &ppc_sprs[ix - 1]);
            break;
        }
        case PPC_OP_MTSPR: {
            unsigned ix = ppc_spr_ix[ppc_spr_field(w)];
            if (!ix || !(ppc_sprs[ix - 1].access & PPC_SPR_W)) ILLEGAL();
            spr_store(s, &ppc_sprs[ix - 1], G[RD]);
            break;
        }
        /* ---- OEA supervisor set ---- */
        case PPC_OP_MFMSR: G[RD] = s->msr; break;
        case PPC_OP_MTMSR: s->pc = npc; ppc_set_msr(s, G[RD]); break;
        case PPC_OP_RFI:
            npc = s->srr0 & ~3u;
            s->pc = npc;
            ppc_set_msr(s, (s->msr & ~MSR_SRR1_MASK) | (s->srr1 & MSR_SRR1_MASK));
            s->no_trace = true;
            break;
        case PPC_OP_MFSR: G[RD] = s->sr[RA & 15]; break;
        case PPC_OP_MTSR: s->sr[RA & 15] = G[RD]; ppc_tlb_flush(s); break;
        case PPC_OP_MFSRIN: G[RD] = s->sr[G[RB] >> 28]; break;
        case PPC_OP_MTSRIN: s->sr[G[RB] >> 28] = G[RD]; ppc_tlb_flush(s); break;
        case PPC_OP_TLBIE: case PPC_OP_TLBIA: ppc_tlb_flush(s); break;
        /* ---- floating point: not modelled ---- */
        case PPC_OP_FP:
            if (ppc_invalid_form(in, w)) ILLEGAL();
            if (!(s->msr & MSR_FP)) {
                s->f_vector = 0x800;
                s->f_srr1 = 0;
                s->f_dsi = false;
                goto exc;
            }
            ILLEGAL();
        case PPC_OP_ILLEGAL: case PPC_OP_COUNT: default:
            ILLEGAL();
        }
        s->pc = pc = npc;
        s->c.icount = ++ic;
        continue;
    self:
        /* a taken branch to itself */
        s->pc = pc = npc;
        s->c.icount = ++ic;
        if (!(s->msr & MSR_EE)) {
            *st = mkstop(VLAB_STOP_HALT, pc, -1);
            return SL_STOP;
        }
        if (ic < s->slice_end) s->c.icount = ic = s->slice_end; /* idle until the next event */
        continue;
    exc: {
            int v = s->f_vector;
            /* a faulting instruction counts as a step only when the exception is taken */
            if (exception(s, st, v, pc, v == 0xC00 ? pc + 4 : pc)) return SL_STOP;
            s->c.icount = ++ic;
            pc = s->pc;
            s->no_trace = true;
            if (s->c.m->hook_stop) return SL_OK;
        }
    }
    return SL_OK;
}

static int run_slice_fast(ppc_cpu *s, vl_stop *st) { return run_slice_body(s, st, false); }
static int run_slice_checked(ppc_cpu *s, vl_stop *st) { return run_slice_body(s, st, true); }

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
        if (s->c.icount >= end) break;
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
    memset((char *)s + sizeof s->c, 0, sizeof *s - sizeof s->c);
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
    .read_virt = ppc_read_virt,
    .decode = ppc_decode_meta,
    .disasm = ppc_disasm,
    .assemble = ppc_assemble,
};
