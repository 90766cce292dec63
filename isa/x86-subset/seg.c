/* seg.c - x86 segmentation and protection: descriptors and their hidden
 * caches, the checks of every segment load (CPL, DPL, RPL, type, present),
 * segment-relative accesses (limits, expand-down, read/write rights), far
 * JMP/CALL (with call gates, to the same and to a more privileged level:
 * the stack switch from the TSS and parameter copying), far RET and IRET (to
 * an outer level: nulling the data segments the new CPL may not use),
 * LAR/LSL/VERR/VERW visibility and the I/O permission (IOPL and the TSS
 * bitmap). Sources: Intel 80386 Programmer's Reference Manual chapters 6, 7,
 * 9 and the instruction pages; Pentium SDM vol. 3.
 *
 * Not modelled (a clear stop, never a silent wrong result): task gates and
 * hardware task switches (JMP/CALL to a TSS or a task gate, IRET with NT),
 * virtual-8086 mode (IRET to VM = 1). */
#include "isa/x86-subset/x86.h"

#define SEL_RPL(sel) ((sel) & 3u)
#define SEL_TI(sel) (((sel) >> 2) & 1u)
#define DPL(attr) (((attr) & X86_A_DPL) >> X86_A_DPL_SHIFT)
#define IS_CODE(attr) (((attr) & (X86_A_S | X86_T_CODE)) == (X86_A_S | X86_T_CODE))
#define IS_DATA(attr) (((attr) & (X86_A_S | X86_T_CODE)) == X86_A_S)

/* A plain stop for what the subset does not model (the run loop reports it). */
static void not_modelled(x86_cpu *s, const char *what) {
    (void)what;
    x86_stop_insn(s, (vl_stop){ .reason = VLAB_STOP_ERROR, .pc = s->insn_eip, .vector = -1 });
}

x86_seg x86_seg_from_desc(uint16_t sel, uint32_t lo, uint32_t hi) {
    x86_seg g;
    g.sel = sel;
    g.base = (lo >> 16) | ((hi & 0xFF) << 16) | (hi & 0xFF000000u);
    uint32_t limit = (lo & 0xFFFF) | (hi & 0x000F0000u);
    g.attr = (uint16_t)((hi >> 8) & 0xF0FF);
    if (g.attr & X86_A_G) limit = limit << 12 | 0xFFF;
    g.limit = limit;
    return g;
}

/* Address of descriptor sel's 8 bytes (linear), or false when outside its table. */
static bool desc_addr(x86_cpu *s, uint16_t sel, uint32_t *lin) {
    uint32_t off = sel & ~7u;
    if (SEL_TI(sel)) {
        if (!(s->ldtr.attr & X86_A_P) || off + 7 > s->ldtr.limit) return false;
        *lin = s->ldtr.base + off;
    } else {
        if (off + 7 > s->gdtr_limit) return false;
        *lin = s->gdtr_base + off;
    }
    return true;
}

bool x86_read_descriptor(x86_cpu *s, uint16_t sel, uint32_t *lo, uint32_t *hi) {
    uint32_t a;
    if (!desc_addr(s, sel, &a)) return false;
    *lo = x86_rd_lin(s, a, 4, false);
    *hi = x86_rd_lin(s, a + 4, 4, false);
    return true;
}

bool x86_peek_descriptor(x86_cpu *s, uint16_t sel, uint32_t *lo, uint32_t *hi) {
    uint32_t a;
    return desc_addr(s, sel, &a) && x86_peek_lin(s, a, lo) && x86_peek_lin(s, a + 4, hi);
}

/* Mark a code/data descriptor accessed (in memory), as loading it does. */
static void set_accessed(x86_cpu *s, uint16_t sel, uint32_t hi) {
    uint32_t a;
    if ((hi & 0x1000) && !(hi & 0x100) && desc_addr(s, sel, &a)) x86_wr_lin(s, a + 4, 4, hi | 0x100, false);
}

/* Read sel's descriptor for a load; #GP(sel) (or exc) when it lies outside its table. */
static void fetch_desc(x86_cpu *s, uint16_t sel, int exc, uint32_t *lo, uint32_t *hi) {
    if (!x86_read_descriptor(s, sel, lo, hi)) {
        *lo = *hi = 0;
        x86_fault(s, exc, sel & ~3u, true);
    }
}

void x86_load_seg_real(x86_cpu *s, int sr, uint16_t sel) {
    x86_touch_segs(s);
    s->seg[sr].sel = sel;
    s->seg[sr].base = (uint32_t)sel << 4;
    /* limit and attributes stay: they are only reloaded in protected mode */
    if (!s->seg[sr].attr) s->seg[sr].attr = X86_A_P | X86_A_S | X86_T_W | X86_T_ACCESSED;
}

void x86_load_seg(x86_cpu *s, int sr, uint16_t sel) {
    x86_touch_segs(s);
    if (!(s->cr0 & X86_CR0_PE)) {
        x86_load_seg_real(s, sr, sel);
        return;
    }
    uint32_t lo, hi;
    if (sr == X86_SS) {
        if (!(sel & ~3u)) { x86_fault(s, X86_EXC_GP, 0, true); return; }
        fetch_desc(s, sel, X86_EXC_GP, &lo, &hi);
        if (X86_PENDING(s)) return;
        x86_seg g = x86_seg_from_desc(sel, lo, hi);
        if (SEL_RPL(sel) != (unsigned)s->cpl || DPL(g.attr) != (unsigned)s->cpl || !IS_DATA(g.attr) ||
            !(g.attr & X86_T_W))
            { x86_fault(s, X86_EXC_GP, sel & ~3u, true); return; }
        if (!(g.attr & X86_A_P)) { x86_fault(s, X86_EXC_SS, sel & ~3u, true); return; }
        set_accessed(s, sel, hi);
        g.attr |= X86_T_ACCESSED;
        s->seg[sr] = g;
        return;
    }
    if (!(sel & ~3u)) {
        /* a null selector: loadable, unusable */
        s->seg[sr].sel = sel;
        s->seg[sr].attr = 0;
        s->seg[sr].base = 0;
        s->seg[sr].limit = 0;
        return;
    }
    fetch_desc(s, sel, X86_EXC_GP, &lo, &hi);
    if (X86_PENDING(s)) return;
    x86_seg g = x86_seg_from_desc(sel, lo, hi);
    bool ok = IS_DATA(g.attr) || (IS_CODE(g.attr) && (g.attr & X86_T_R));
    /* data and non-conforming code: the descriptor must be at least as privileged as CPL and RPL */
    if (ok && !(IS_CODE(g.attr) && (g.attr & X86_T_C)))
        ok = SEL_RPL(sel) <= DPL(g.attr) && (unsigned)s->cpl <= DPL(g.attr);
    if (!ok) { x86_fault(s, X86_EXC_GP, sel & ~3u, true); return; }
    if (!(g.attr & X86_A_P)) { x86_fault(s, X86_EXC_NP, sel & ~3u, true); return; }
    set_accessed(s, sel, hi);
    g.attr |= X86_T_ACCESSED;
    s->seg[sr] = g;
}

/* ---- segment-relative accesses ------------------------------------------------- */

/* Does [off, off + n) lie inside segment g (its limit, expand-down and B)? */
static inline bool within(const x86_seg *g, uint32_t off, uint32_t n) {
    uint32_t last = off + n - 1;
    if (!IS_CODE(g->attr) && (g->attr & X86_T_E) && (g->attr & X86_A_S)) {
        /* expand-down: valid offsets lie above the limit */
        uint32_t top = (g->attr & X86_A_DB) ? 0xFFFFFFFFu : 0xFFFFu;
        return off > g->limit && last <= top && last >= off;
    }
    return last <= g->limit && last >= off;
}

uint32_t x86_linear_checked(x86_cpu *s, int sr, uint32_t off, uint32_t n, bool write) {
    const x86_seg *g = &s->seg[sr];
    int exc = sr == X86_SS ? X86_EXC_SS : X86_EXC_GP;
    if (s->cr0 & X86_CR0_PE) {
        if (VL_UNLIKELY(!(g->attr & X86_A_P))) { x86_fault(s, exc, 0, true); return 0; } /* a null selector */
        if (IS_CODE(g->attr)) {
            if (write || !(g->attr & X86_T_R)) { x86_fault(s, X86_EXC_GP, 0, true); return 0; }
        } else if (write && !(g->attr & X86_T_W)) {
            { x86_fault(s, X86_EXC_GP, 0, true); return 0; }
        }
    }
    if (VL_UNLIKELY(!within(g, off, n))) { x86_fault(s, exc, 0, true); return 0; }
    return g->base + off;
}

/* ---- far transfers ----------------------------------------------------------------- */

/* Stack pointer and its width as SS says. */
static bool big_stack(const x86_cpu *s) { return (s->seg[X86_SS].attr & X86_A_DB) != 0; }

static void push_raw(x86_cpu *s, uint32_t *sp, bool big, int size, uint32_t v) {
    uint32_t n = *sp - (uint32_t)size;
    if (!big) n &= 0xFFFF;
    x86_wr(s, X86_SS, n, size, v);
    *sp = n;
}

static uint32_t pop_raw(x86_cpu *s, uint32_t *sp, bool big, int size) {
    /* a 16-bit stack (SS.B = 0) is addressed by SP: the upper half of ESP plays no part */
    uint32_t off = big ? *sp : *sp & 0xFFFF;
    uint32_t v = x86_rd(s, X86_SS, off, size);
    uint32_t n = off + (uint32_t)size;
    *sp = big ? n : (*sp & ~0xFFFFu) | (n & 0xFFFF);
    return v;
}

/* A push of a far transfer or a delivery whose overflow is #SS(code): on
 * the new stack of a stack switch, code is the new SS's selector, not 0
 * (SDM vol. 2, CALL and INT n: "#SS(selector) ... if pushing ... exceeds
 * the bounds of the new stack segment when a stack switch occurs"); the
 * delivery of an external event adds EXT (PRM 9.7). */
static void push_new(x86_cpu *s, uint32_t *sp, bool big, int size, uint32_t v, uint32_t code) {
    uint32_t n = *sp - (uint32_t)size;
    if (!big) n &= 0xFFFF;
    if (!within(&s->seg[X86_SS], n, (uint32_t)size)) { x86_fault(s, X86_EXC_SS, code, true); return; }
    push_raw(s, sp, big, size, v);
}

static void set_esp(x86_cpu *s, uint32_t sp, bool big) {
    s->r[X86_ESP] = big ? sp : (s->r[X86_ESP] & ~0xFFFFu) | (sp & 0xFFFF);
}

/* Load CS with the code descriptor g (checked) at privilege cpl, EIP = off. */
static void enter_cs(x86_cpu *s, x86_seg g, int cpl, uint32_t off) {
    if (off > g.limit) { x86_fault(s, X86_EXC_GP, 0, true); return; }
    x86_touch_segs(s);
    g.sel = (uint16_t)((g.sel & ~3u) | (unsigned)cpl);
    g.attr |= X86_T_ACCESSED;
    s->seg[X86_CS] = g;
    if (s->cpl != cpl) x86_tlb_flush(s); /* user/supervisor translation caches */
    s->cpl = cpl;
    s->eip = off;
}

/* The inner stack of privilege level dpl from the TSS. */
static void tss_stack(x86_cpu *s, int dpl, uint16_t *ss, uint32_t *esp) {
    unsigned type = s->tr.attr & X86_A_TYPE;
    bool tss32 = type == X86_SYS_TSS32 || type == X86_SYS_TSS32_BUSY;
    uint32_t off = tss32 ? 4u + 8u * (unsigned)dpl : 2u + 4u * (unsigned)dpl;
    uint32_t need = tss32 ? off + 5 : off + 3;
    if (!(s->tr.attr & X86_A_P) || need > s->tr.limit) { x86_fault(s, X86_EXC_TS, s->tr.sel & ~3u, true); return; }
    if (tss32) {
        *esp = x86_rd_lin(s, s->tr.base + off, 4, false);
        *ss = (uint16_t)x86_rd_lin(s, s->tr.base + off + 4, 2, false);
    } else {
        *esp = x86_rd_lin(s, s->tr.base + off, 2, false);
        *ss = (uint16_t)x86_rd_lin(s, s->tr.base + off + 2, 2, false);
    }
}

/* A new SS for privilege level cpl, checked as the stack switch checks it (#TS). */
static x86_seg stack_seg(x86_cpu *s, uint16_t sel, int cpl) {
    uint32_t lo, hi;
    if (!(sel & ~3u)) { x86_fault(s, X86_EXC_TS, 0, true); return (x86_seg){ 0 }; }
    fetch_desc(s, sel, X86_EXC_TS, &lo, &hi);
    if (X86_PENDING(s)) return (x86_seg){ 0 };
    x86_seg g = x86_seg_from_desc(sel, lo, hi);
    if (SEL_RPL(sel) != (unsigned)cpl || DPL(g.attr) != (unsigned)cpl || !IS_DATA(g.attr) || !(g.attr & X86_T_W))
        { x86_fault(s, X86_EXC_TS, sel & ~3u, true); return (x86_seg){ 0 }; }
    if (!(g.attr & X86_A_P)) { x86_fault(s, X86_EXC_SS, sel & ~3u, true); return (x86_seg){ 0 }; }
    g.attr |= X86_T_ACCESSED;
    return g;
}

/* Call through a gate to a more privileged level: the stack switch. */
static void call_inner(x86_cpu *s, x86_seg cs, int dpl, uint32_t off, bool gate32, int nparams, uint32_t ret_eip) {
    uint16_t nss;
    uint32_t nesp;
    tss_stack(s, dpl, &nss, &nesp);
    if (X86_PENDING(s)) return;
    x86_seg ss = stack_seg(s, nss, dpl);
    if (X86_PENDING(s)) return;
    int sz = gate32 ? 4 : 2;
    /* the old stack's parameters, read before anything changes */
    uint32_t params[32];
    bool obig = big_stack(s);
    uint32_t osp = s->r[X86_ESP];
    for (int i = 0; i < nparams; i++) {
        uint32_t a = osp + (uint32_t)(i * sz);
        if (!obig) a &= 0xFFFF;
        params[i] = x86_rd(s, X86_SS, a, sz);
    }
    x86_touch_segs(s);
    x86_seg old_ss = s->seg[X86_SS], old_cs = s->seg[X86_CS];
    int old_cpl = s->cpl;
    /* the new stack; writes there are checked against the new SS */
    s->seg[X86_SS] = ss;
    s->cpl = dpl;
    bool nbig = (ss.attr & X86_A_DB) != 0;
    uint32_t sp = nbig ? nesp : nesp & 0xFFFF;
    uint32_t code = nss & ~3u;
    push_new(s, &sp, nbig, sz, old_ss.sel, code);
    push_new(s, &sp, nbig, sz, osp, code);
    for (int i = nparams - 1; i >= 0; i--) push_new(s, &sp, nbig, sz, params[i], code);
    push_new(s, &sp, nbig, sz, old_cs.sel, code);
    push_new(s, &sp, nbig, sz, ret_eip, code);
    s->cpl = old_cpl;
    set_esp(s, sp, nbig);
    enter_cs(s, cs, dpl, gate32 ? off : off & 0xFFFF);
}

void x86_far_jmp(x86_cpu *s, uint16_t sel, uint32_t off, bool call, uint32_t ret_eip, int opsize) {
    if (!(s->cr0 & X86_CR0_PE)) {
        /* real mode: CS = sel, base = sel x 16. SDM JMP: "IF tempEIP is
         * beyond code-segment limit THEN #GP(0)"; CALL: "IF stack not large
         * enough for a 6-byte return address THEN #SS(0); IF DEST[31:16] is
         * not zero THEN #GP(0); Push(CS); Push(EIP)" (the CS limit stays
         * 0xFFFF in real mode): the stack check, the offset, the pushes */
        bool big = big_stack(s);
        uint32_t sp = s->r[X86_ESP];
        int sz = opsize;
        if (call)
            for (uint32_t k = 1; k <= 2; k++) { /* where the two pushes will go */
                uint32_t slot = sp - k * (uint32_t)sz;
                (void)x86_linear(s, X86_SS, big ? slot : slot & 0xFFFF, (uint32_t)sz, true);
            }
        if (off > s->seg[X86_CS].limit) { x86_fault(s, X86_EXC_GP, 0, true); return; }
        if (call) {
            push_raw(s, &sp, big, sz, s->seg[X86_CS].sel);
            push_raw(s, &sp, big, sz, ret_eip);
            set_esp(s, sp, big);
        }
        x86_load_seg_real(s, X86_CS, sel);
        s->eip = off;
        return;
    }
    if (!(sel & ~3u)) { x86_fault(s, X86_EXC_GP, 0, true); return; }
    uint32_t lo, hi;
    fetch_desc(s, sel, X86_EXC_GP, &lo, &hi);
    if (X86_PENDING(s)) return;
    x86_seg g = x86_seg_from_desc(sel, lo, hi);
    if (IS_CODE(g.attr)) {
        if (g.attr & X86_T_C) {
            if (DPL(g.attr) > (unsigned)s->cpl) { x86_fault(s, X86_EXC_GP, sel & ~3u, true); return; }
        } else if (SEL_RPL(sel) > (unsigned)s->cpl || DPL(g.attr) != (unsigned)s->cpl) {
            { x86_fault(s, X86_EXC_GP, sel & ~3u, true); return; }
        }
        if (!(g.attr & X86_A_P)) { x86_fault(s, X86_EXC_NP, sel & ~3u, true); return; }
        if (call) {
            bool big = big_stack(s);
            uint32_t sp = s->r[X86_ESP];
            int sz = opsize;
            push_raw(s, &sp, big, sz, s->seg[X86_CS].sel);
            push_raw(s, &sp, big, sz, ret_eip);
            if (off > g.limit) { x86_fault(s, X86_EXC_GP, 0, true); return; }
            set_esp(s, sp, big);
        }
        set_accessed(s, sel, hi);
        enter_cs(s, g, s->cpl, off);
        return;
    }
    /* system descriptors: call gates; task gates and TSSs are not modelled */
    unsigned type = g.attr & X86_A_TYPE;
    if (g.attr & X86_A_S) { x86_fault(s, X86_EXC_GP, sel & ~3u, true); return; }
    if (type == X86_SYS_TASK || type == X86_SYS_TSS16 || type == X86_SYS_TSS32)
        { not_modelled(s, "task switch"); return; }
    if (type != X86_SYS_CALL16 && type != X86_SYS_CALL32) { x86_fault(s, X86_EXC_GP, sel & ~3u, true); return; }
    if (DPL(g.attr) < (unsigned)s->cpl || DPL(g.attr) < SEL_RPL(sel)) { x86_fault(s, X86_EXC_GP, sel & ~3u, true); return; }
    if (!(g.attr & X86_A_P)) { x86_fault(s, X86_EXC_NP, sel & ~3u, true); return; }
    bool gate32 = type == X86_SYS_CALL32;
    uint16_t csel = (uint16_t)(lo >> 16);
    uint32_t goff = (lo & 0xFFFF) | (gate32 ? (hi & 0xFFFF0000u) : 0);
    int nparams = (int)(hi & 0x1F);
    if (!(csel & ~3u)) { x86_fault(s, X86_EXC_GP, 0, true); return; }
    uint32_t clo, chi;
    fetch_desc(s, csel, X86_EXC_GP, &clo, &chi);
    if (X86_PENDING(s)) return;
    x86_seg cs = x86_seg_from_desc(csel, clo, chi);
    if (!IS_CODE(cs.attr) || DPL(cs.attr) > (unsigned)s->cpl) { x86_fault(s, X86_EXC_GP, csel & ~3u, true); return; }
    if (!call && !(cs.attr & X86_T_C) && DPL(cs.attr) != (unsigned)s->cpl)
        { x86_fault(s, X86_EXC_GP, csel & ~3u, true); return; }
    if (!(cs.attr & X86_A_P)) { x86_fault(s, X86_EXC_NP, csel & ~3u, true); return; }
    set_accessed(s, csel, chi);
    if (call && !(cs.attr & X86_T_C) && DPL(cs.attr) < (unsigned)s->cpl) {
        call_inner(s, cs, (int)DPL(cs.attr), goff, gate32, nparams, ret_eip);
        return;
    }
    if (call) {
        bool big = big_stack(s);
        uint32_t sp = s->r[X86_ESP];
        int sz = gate32 ? 4 : 2;
        push_raw(s, &sp, big, sz, s->seg[X86_CS].sel);
        push_raw(s, &sp, big, sz, ret_eip);
        if (goff > cs.limit) { x86_fault(s, X86_EXC_GP, 0, true); return; }
        set_esp(s, sp, big);
    }
    enter_cs(s, cs, s->cpl, gate32 ? goff : goff & 0xFFFF);
}

/* After a return to an outer level: data segment registers the new CPL may
 * not use become null (Intel: "RET ... checks ES, FS, GS, DS"). */
static void null_outer(x86_cpu *s) {
    static const int regs[4] = { X86_ES, X86_DS, X86_FS, X86_GS };
    x86_touch_segs(s);
    for (int i = 0; i < 4; i++) {
        x86_seg *g = &s->seg[regs[i]];
        bool conf_code = IS_CODE(g->attr) && (g->attr & X86_T_C);
        if ((g->attr & X86_A_P) && !conf_code && DPL(g->attr) < (unsigned)s->cpl) {
            g->sel = 0;
            g->attr = 0;
        }
    }
}

/* Check the CS of a return (RET far, IRET) to privilege RPL of sel. */
static x86_seg return_cs(x86_cpu *s, uint16_t sel, uint32_t *hi_out) {
    if (!(sel & ~3u)) { x86_fault(s, X86_EXC_GP, 0, true); return (x86_seg){ 0 }; }
    uint32_t lo, hi;
    fetch_desc(s, sel, X86_EXC_GP, &lo, &hi);
    if (X86_PENDING(s)) return (x86_seg){ 0 };
    x86_seg g = x86_seg_from_desc(sel, lo, hi);
    unsigned rpl = SEL_RPL(sel);
    if (!IS_CODE(g.attr) || rpl < (unsigned)s->cpl) { x86_fault(s, X86_EXC_GP, sel & ~3u, true); return (x86_seg){ 0 }; }
    if (g.attr & X86_T_C) {
        if (DPL(g.attr) > rpl) { x86_fault(s, X86_EXC_GP, sel & ~3u, true); return (x86_seg){ 0 }; }
    } else if (DPL(g.attr) != rpl) {
        { x86_fault(s, X86_EXC_GP, sel & ~3u, true); return (x86_seg){ 0 }; }
    }
    if (!(g.attr & X86_A_P)) { x86_fault(s, X86_EXC_NP, sel & ~3u, true); return (x86_seg){ 0 }; }
    *hi_out = hi;
    return g;
}

/* RET far or IRET to an outer level: pop SS:ESP and check the SS for that level. */
static x86_seg pop_outer_ss(x86_cpu *s, uint32_t *sp, bool big, int sz, int rpl, uint32_t *nesp, uint32_t *hi) {
    *nesp = pop_raw(s, sp, big, sz);
    uint16_t nss = (uint16_t)pop_raw(s, sp, big, sz);
    uint32_t lo;
    if (!(nss & ~3u)) { x86_fault(s, X86_EXC_GP, 0, true); return (x86_seg){ 0 }; }
    fetch_desc(s, nss, X86_EXC_GP, &lo, hi);
    if (X86_PENDING(s)) return (x86_seg){ 0 };
    x86_seg ss = x86_seg_from_desc(nss, lo, *hi);
    if (SEL_RPL(nss) != (unsigned)rpl || DPL(ss.attr) != (unsigned)rpl || !IS_DATA(ss.attr) || !(ss.attr & X86_T_W))
        { x86_fault(s, X86_EXC_GP, nss & ~3u, true); return (x86_seg){ 0 }; }
    if (!(ss.attr & X86_A_P)) { x86_fault(s, X86_EXC_SS, nss & ~3u, true); return (x86_seg){ 0 }; }
    return ss;
}


void x86_far_ret(x86_cpu *s, uint16_t pop_bytes, int opsize) {
    int sz = opsize;
    bool big = big_stack(s);
    uint32_t sp = s->r[X86_ESP];
    uint32_t eip = pop_raw(s, &sp, big, sz);
    uint16_t csel = (uint16_t)pop_raw(s, &sp, big, sz);
    if (sz == 2) eip &= 0xFFFF;
    if (!(s->cr0 & X86_CR0_PE)) {
        /* SDM RET far, real-address mode: "IF tempEIP not within code segment limits THEN #GP(0)" */
        if (eip > s->seg[X86_CS].limit) { x86_fault(s, X86_EXC_GP, 0, true); return; }
        sp = big ? sp + pop_bytes : (sp & ~0xFFFFu) | ((sp + pop_bytes) & 0xFFFF);
        set_esp(s, sp, big);
        x86_load_seg_real(s, X86_CS, csel);
        s->eip = eip;
        return;
    }
    uint32_t hi;
    x86_seg cs = return_cs(s, csel, &hi);
    if (X86_PENDING(s)) return;
    int rpl = (int)SEL_RPL(csel);
    sp = big ? sp + pop_bytes : (sp & ~0xFFFFu) | ((sp + pop_bytes) & 0xFFFF);
    if (rpl == s->cpl) {
        if (eip > cs.limit) { x86_fault(s, X86_EXC_GP, 0, true); return; }
        set_esp(s, sp, big);
        set_accessed(s, csel, hi);
        enter_cs(s, cs, s->cpl, eip);
        return;
    }
    /* to an outer level: the outer SS:ESP follow */
    uint32_t nesp, hi2;
    x86_seg ss = pop_outer_ss(s, &sp, big, sz, rpl, &nesp, &hi2);
    if (X86_PENDING(s)) return;
    if (eip > cs.limit) { x86_fault(s, X86_EXC_GP, 0, true); return; }
    set_accessed(s, csel, hi);
    set_accessed(s, ss.sel, hi2);
    ss.attr |= X86_T_ACCESSED;
    enter_cs(s, cs, rpl, eip);
    s->seg[X86_SS] = ss;
    bool nbig = (ss.attr & X86_A_DB) != 0;
    nesp += pop_bytes;
    set_esp(s, nesp, nbig);
    null_outer(s);
}

/* VM and the reserved bits are never set this way; RF only by IRET; AC and
 * ID exist on the Pentium only. */
uint32_t x86_flags_merge(x86_cpu *s, uint32_t old, uint32_t v, bool iret) {
    uint32_t keep = 0;
    if (s->cr0 & X86_CR0_PE) {
        if (s->cpl > 0) keep |= X86_IOPL;
        if (s->cpl > (int)((old & X86_IOPL) >> X86_IOPL_SHIFT)) keep |= X86_IF;
    }
    uint32_t settable = X86_ARITH | X86_TF | X86_IF | X86_DF | X86_IOPL | X86_NT;
    if (iret) settable |= X86_RF;
    if (s->variant == X86_PENTIUM) settable |= X86_AC | X86_ID;
    settable &= ~keep;
    return (old & ~settable) | (v & settable) | 0x2u;
}

void x86_iret(x86_cpu *s, int opsize) {
    int sz = opsize;
    bool big = big_stack(s);
    uint32_t sp = s->r[X86_ESP];
    uint32_t old = x86_get_flags(s);
    if ((s->cr0 & X86_CR0_PE) && (old & X86_NT)) { not_modelled(s, "task return (IRET with NT)"); return; }
    uint32_t eip = pop_raw(s, &sp, big, sz);
    uint16_t csel = (uint16_t)pop_raw(s, &sp, big, sz);
    uint32_t fl = pop_raw(s, &sp, big, sz);
    if (sz == 2) {
        eip &= 0xFFFF;
        fl = (old & 0xFFFF0000u) | (fl & 0xFFFF);
    }
    if (!(s->cr0 & X86_CR0_PE)) {
        /* SDM IRET, real-address mode: "IF tempEIP not within code segment limits THEN #GP(0)" */
        if (eip > s->seg[X86_CS].limit) { x86_fault(s, X86_EXC_GP, 0, true); return; }
        set_esp(s, sp, big);
        x86_load_seg_real(s, X86_CS, csel);
        s->eip = eip;
        x86_set_flags(s, x86_flags_merge(s, old, fl, true));
        return;
    }
    if (s->cpl == 0 && (fl & X86_VM) && sz == 4) { not_modelled(s, "virtual-8086 mode"); return; }
    uint32_t hi;
    x86_seg cs = return_cs(s, csel, &hi);
    if (X86_PENDING(s)) return;
    int rpl = (int)SEL_RPL(csel);
    if (rpl == s->cpl) {
        if (eip > cs.limit) { x86_fault(s, X86_EXC_GP, 0, true); return; }
        uint32_t nf = x86_flags_merge(s, old, fl, true);
        set_esp(s, sp, big);
        set_accessed(s, csel, hi);
        enter_cs(s, cs, s->cpl, eip);
        x86_set_flags(s, nf);
        return;
    }
    uint32_t nesp, hi2;
    x86_seg ss = pop_outer_ss(s, &sp, big, sz, rpl, &nesp, &hi2);
    if (X86_PENDING(s)) return;
    if (eip > cs.limit) { x86_fault(s, X86_EXC_GP, 0, true); return; }
    /* the flags with the old CPL's rights, then the outer level */
    uint32_t nf = x86_flags_merge(s, old, fl, true);
    set_accessed(s, csel, hi);
    set_accessed(s, ss.sel, hi2);
    ss.attr |= X86_T_ACCESSED;
    enter_cs(s, cs, rpl, eip);
    s->seg[X86_SS] = ss;
    set_esp(s, sz == 2 ? nesp & 0xFFFF : nesp, (ss.attr & X86_A_DB) != 0);
    x86_set_flags(s, nf);
    null_outer(s);
}

/* ---- I/O permission ----------------------------------------------------------------- */

bool x86_io_allowed(x86_cpu *s, uint32_t port, int n) {
    if (!(s->cr0 & X86_CR0_PE)) return true;
    int iopl = (int)((x86_get_flags(s) & X86_IOPL) >> X86_IOPL_SHIFT);
    if (s->cpl <= iopl) return true;
    /* the 32-bit TSS's I/O permission bitmap: every bit of the ports clear */
    unsigned type = s->tr.attr & X86_A_TYPE;
    if (!(s->tr.attr & X86_A_P) || (type != X86_SYS_TSS32 && type != X86_SYS_TSS32_BUSY) || s->tr.limit < 0x67)
        return false;
    /* the processor always reads two bytes of the map, and both must lie
     * within the TSS limit (Intel SDM vol. 1, "I/O Permission Bit Map":
     * hence the byte of ones after the map): the bits of a port in the
     * last byte within the limit do not let it through. The ports of one
     * access (4 at most) never span more than these two bytes. */
    uint32_t base = x86_rd_lin(s, s->tr.base + 0x66, 2, false);
    uint32_t first = base + (port >> 3);
    if (first + 1 > s->tr.limit) return false;
    uint32_t bits = x86_rd_lin(s, s->tr.base + first, 2, false);
    uint32_t mask = ((1u << n) - 1) << (port & 7);
    return (bits & mask) == 0;
}

/* ---- exception and interrupt delivery ------------------------------------------------ */

/* Linear address of vector's entry: 4 bytes in the real-mode IVT, 8 in
 * the IDT; false when outside the table. */
static bool idt_addr(const x86_cpu *s, int vector, uint32_t *lin, bool *pm) {
    *pm = (s->cr0 & X86_CR0_PE) != 0;
    uint32_t a = (uint32_t)vector * (*pm ? 8u : 4u);
    if (a + (*pm ? 7u : 3u) > s->idtr_limit) return false;
    *lin = s->idtr_base + a;
    return true;
}

/* The gate of vector in the IDT (protected mode) or the IVT (real mode);
 * false when outside the table. */
bool x86_idt_entry(x86_cpu *s, int vector, uint32_t *lo, uint32_t *hi) {
    uint32_t a;
    bool pm;
    if (!idt_addr(s, vector, &a, &pm)) return false;
    *lo = x86_rd_lin(s, a, 4, false);
    *hi = pm ? x86_rd_lin(s, a + 4, 4, false) : 0;
    return true;
}

int x86_idt_peek(x86_cpu *s, int vector, uint32_t *lo, uint32_t *hi) {
    uint32_t a;
    bool pm;
    if (!idt_addr(s, vector, &a, &pm)) return -1;
    *hi = 0;
    return x86_peek_lin(s, a, lo) && (!pm || x86_peek_lin(s, a + 4, hi)) ? 1 : 0;
}

void x86_deliver(x86_cpu *s, int vector, bool has_code, uint32_t code, bool soft, bool ext, uint32_t ret_eip) {
    uint32_t flags = x86_get_flags(s);
    uint32_t lo, hi;
    uint32_t vcode = (uint32_t)vector * 8 + 2 + (ext ? 1u : 0u);
    if (!(s->cr0 & X86_CR0_PE)) {
        /* real mode: FLAGS, CS, IP on the stack, CS:IP from the table */
        if (!x86_idt_entry(s, vector, &lo, &hi)) { x86_fault(s, X86_EXC_GP, vcode, true); return; }
        bool big = big_stack(s);
        uint32_t sp = s->r[X86_ESP];
        push_raw(s, &sp, big, 2, flags);
        push_raw(s, &sp, big, 2, s->seg[X86_CS].sel);
        push_raw(s, &sp, big, 2, ret_eip);
        set_esp(s, sp, big);
        x86_load_seg_real(s, X86_CS, (uint16_t)(lo >> 16));
        s->eip = lo & 0xFFFF;
        x86_set_flags(s, flags & ~(X86_IF | X86_TF | X86_AC));
        return;
    }
    if (!x86_idt_entry(s, vector, &lo, &hi)) { x86_fault(s, X86_EXC_GP, vcode, true); return; }
    unsigned type = (hi >> 8) & 0x1F, dpl = (hi >> 13) & 3;
    bool trap_gate = type == X86_SYS_TRAP16 || type == X86_SYS_TRAP32;
    bool gate32 = type == X86_SYS_INT32 || type == X86_SYS_TRAP32;
    if (type != X86_SYS_INT16 && type != X86_SYS_INT32 && !trap_gate && type != X86_SYS_TASK)
        { x86_fault(s, X86_EXC_GP, vcode, true); return; }
    if (soft && dpl < (unsigned)s->cpl) { x86_fault(s, X86_EXC_GP, vcode & ~1u, true); return; }
    if (!(hi & 0x8000)) { x86_fault(s, X86_EXC_NP, vcode, true); return; }
    if (type == X86_SYS_TASK) { not_modelled(s, "task gate"); return; }
    uint16_t csel = (uint16_t)(lo >> 16);
    uint32_t off = (lo & 0xFFFF) | (gate32 ? (hi & 0xFFFF0000u) : 0);
    uint32_t xc = ext ? 1u : 0u;
    if (!(csel & ~3u)) { x86_fault(s, X86_EXC_GP, xc, true); return; }
    uint32_t clo, chi;
    if (!x86_read_descriptor(s, csel, &clo, &chi)) { x86_fault(s, X86_EXC_GP, (csel & ~3u) | xc, true); return; }
    x86_seg cs = x86_seg_from_desc(csel, clo, chi);
    if (!IS_CODE(cs.attr) || DPL(cs.attr) > (unsigned)s->cpl) { x86_fault(s, X86_EXC_GP, (csel & ~3u) | xc, true); return; }
    if (!(cs.attr & X86_A_P)) { x86_fault(s, X86_EXC_NP, (csel & ~3u) | xc, true); return; }
    int sz = gate32 ? 4 : 2;
    int ncpl = (cs.attr & X86_T_C) ? s->cpl : (int)DPL(cs.attr);
    if (ncpl < s->cpl) {
        /* to a more privileged level: the handler's stack from the TSS */
        uint16_t nss;
        uint32_t nesp;
        tss_stack(s, ncpl, &nss, &nesp);
        if (X86_PENDING(s)) return;
        x86_seg ss = stack_seg(s, nss, ncpl);
        if (X86_PENDING(s)) return;
        x86_touch_segs(s);
        x86_seg old_ss = s->seg[X86_SS];
        uint32_t osp = s->r[X86_ESP];
        s->seg[X86_SS] = ss;
        int old_cpl = s->cpl;
        s->cpl = ncpl; /* the pushes are supervisor accesses of the new stack */
        bool nbig = (ss.attr & X86_A_DB) != 0;
        uint32_t sp = nbig ? nesp : nesp & 0xFFFF;
        uint32_t scode = (nss & ~3u) | xc;
        push_new(s, &sp, nbig, sz, old_ss.sel, scode);
        push_new(s, &sp, nbig, sz, osp, scode);
        push_new(s, &sp, nbig, sz, flags, scode);
        push_new(s, &sp, nbig, sz, s->seg[X86_CS].sel, scode);
        push_new(s, &sp, nbig, sz, ret_eip, scode);
        if (has_code) push_new(s, &sp, nbig, sz, code, scode);
        s->cpl = old_cpl;
        set_esp(s, sp, nbig);
    } else {
        bool big = big_stack(s);
        uint32_t sp = s->r[X86_ESP];
        /* #SS(0), with EXT for an external event as every delivery fault */
        push_new(s, &sp, big, sz, flags, xc);
        push_new(s, &sp, big, sz, s->seg[X86_CS].sel, xc);
        push_new(s, &sp, big, sz, ret_eip, xc);
        if (has_code) push_new(s, &sp, big, sz, code, xc);
        set_esp(s, sp, big);
    }
    set_accessed(s, csel, chi);
    enter_cs(s, cs, ncpl, gate32 ? off : off & 0xFFFF);
    uint32_t clear = X86_TF | X86_NT | X86_RF | X86_VM;
    if (!trap_gate) clear |= X86_IF;
    x86_set_flags(s, flags & ~clear);
}

/* ---- LAR, LSL, VERR, VERW: what the current CPL may see of a descriptor ---------- */

bool x86_desc_visible(x86_cpu *s, uint16_t sel, int what, uint32_t *lo, uint32_t *hi) {
    if (!(sel & ~3u) || !x86_read_descriptor(s, sel, lo, hi)) return false;
    uint16_t attr = (uint16_t)((*hi >> 8) & 0xF0FF);
    unsigned type = attr & X86_A_TYPE;
    bool conf_code = IS_CODE(attr) && (attr & X86_T_C);
    if (!conf_code && (DPL(attr) < (unsigned)s->cpl || DPL(attr) < SEL_RPL(sel))) return false;
    if (!(attr & X86_A_S)) {
        /* system descriptors: LAR takes gates and TSS/LDT, LSL only those with a limit */
        if (what == 2 || what == 3) return false; /* VERR/VERW */
        switch (type) {
        case X86_SYS_TSS16: case X86_SYS_LDT: case X86_SYS_TSS16_BUSY: case X86_SYS_TSS32: case X86_SYS_TSS32_BUSY:
            return true;
        case X86_SYS_CALL16: case X86_SYS_TASK: case X86_SYS_CALL32:
            return what == 0; /* LAR */
        default: return false;
        }
    }
    if (what == 2) return !IS_CODE(attr) || (attr & X86_T_R);          /* VERR: readable */
    if (what == 3) return IS_DATA(attr) && (attr & X86_T_W);            /* VERW: writable data */
    return true;
}
