/* exec.c - the x86 subset's interpreter: one instruction at a time, decoded
 * by the decode table (decode.c) and executed by operation; the run loop
 * (budget, interrupts, HLT, trace, faults) and the CPU interface.
 *
 * Faults are precise: a fault inside an instruction pends (x86_fault):
 * what follows in the instruction has no effect (x86.h, fpend), and the run
 * loop settles it: it puts back the registers, flags, segment registers and
 * CPL the instruction had changed (memory it already wrote stays written,
 * as on the hardware) and delivers the exception (or, with intercept on,
 * stops before it). The arithmetic flags are computed lazily from the last
 * operation.
 *
 * Steps (as the other cores): an instruction and the exception processing
 * it causes are one step; interrupts and the single-step trap are taken at
 * the start of the next. A REP string instruction runs at most 4096
 * iterations in one step, the step ending when ECX (CX) reaches a multiple
 * of 4096, and stays on the same EIP until it is done (it is
 * restartable by design, as on the hardware), so no guest can hold the host.
 *
 * Stops: HALT after a jump to itself (executed, pc = the jump), IDLE after
 * HLT waiting for an interrupt (pc = the next instruction; the run loop
 * makes it HALT when no interrupt source is armed, core/run.c), SHUTDOWN
 * on a triple fault, ERROR for what is not modelled (task switches,
 * virtual-8086 mode).
 *
 * The fast way (fast_loop): instructions whose form has a fast handler run
 * back to back from the decode cache (x86_cpu.dc), EIP and the count in
 * registers, until something needs the run loop's look (attn), the budget
 * ends or a form without one comes; memory operands go straight to RAM
 * through per-segment windows while paging is off (windows_open), else
 * through the checked handler; a compare and the branch after it may run
 * as one fused pair, still two instructions to the guest. */
#include "isa/x86-subset/x86.h"

#include <stdlib.h>
#include <string.h>

/* GCC's straight-line vectorizer packs the lazy-flag stores (lf_a, lf_b,
 * lf_res) into vector moves: more instructions than the stores in every
 * flag-setting fast handler */
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC optimize("no-tree-slp-vectorize")
#endif

#define REP_CHUNK 4096u

static inline uint32_t MASK(int sz) { return sz == 1 ? 0xFFu : sz == 2 ? 0xFFFFu : 0xFFFFFFFFu; }
static inline uint32_t SIGN(int sz) { return sz == 1 ? 0x80u : sz == 2 ? 0x8000u : 0x80000000u; }
static inline uint32_t SEXT(uint32_t v, int sz) {
    return sz == 1 ? (uint32_t)(int32_t)(int8_t)v : sz == 2 ? (uint32_t)(int32_t)(int16_t)v : v;
}
static inline bool parity(uint32_t v) { return !__builtin_parity(v & 0xFF); }

/* ---- flags ------------------------------------------------------------------- */

#define VALID386 0x00037FD5u
#define VALID586 0x00277FD5u

uint32_t x86_get_flags(x86_cpu *s) {
    if (s->lf_op == X86_LF_NONE) return s->eflags;
    uint32_t r = s->lf_res, a = s->lf_a, b = s->lf_b;
    int sz = s->lf_size;
    uint32_t sign = SIGN(sz), f = 0;
    bool cf = false, of = false, af = false;
    switch (s->lf_op) {
    case X86_LF_ADD: cf = r < a; of = ((a ^ r) & (b ^ r) & sign) != 0; af = ((a ^ b ^ r) & 0x10) != 0; break;
    case X86_LF_ADC:
        cf = r < a || (s->lf_cf && r == a);
        of = ((a ^ r) & (b ^ r) & sign) != 0;
        af = ((a ^ b ^ r) & 0x10) != 0;
        break;
    case X86_LF_SUB: cf = a < b; of = ((a ^ b) & (a ^ r) & sign) != 0; af = ((a ^ b ^ r) & 0x10) != 0; break;
    case X86_LF_SBB:
        cf = a < b || (s->lf_cf && a == b);
        of = ((a ^ b) & (a ^ r) & sign) != 0;
        af = ((a ^ b ^ r) & 0x10) != 0;
        break;
    case X86_LF_LOGIC: break;
    case X86_LF_INC: cf = s->lf_cf; of = r == sign; af = (r & 0xF) == 0; break;
    case X86_LF_DEC: cf = s->lf_cf; of = r == sign - 1; af = (r & 0xF) == 0xF; break;
    case X86_LF_NEG: cf = r != 0; of = r == sign; af = ((a ^ r) & 0x10) != 0; break;
    case X86_LF_SHL: cf = s->lf_cf; of = ((r & sign) != 0) != cf; break;
    case X86_LF_SHR: cf = s->lf_cf; of = (a & sign) != 0; break;
    case X86_LF_SAR: cf = s->lf_cf; of = false; break;
    /* SHRD: "For a 1-bit shift, the OF flag is set if a sign change
     * occurred" (the new top bit comes from the source, not 0 as for SHR) */
    case X86_LF_SHRD: cf = s->lf_cf; of = ((a ^ r) & sign) != 0; break;
    case X86_LF_MUL: cf = of = s->lf_cf; break;
    default: break;
    }
    if (cf) f |= X86_CF;
    if (of) f |= X86_OF;
    if (af) f |= X86_AF;
    if (r == 0) f |= X86_ZF;
    if (r & sign) f |= X86_SF;
    if (parity(r)) f |= X86_PF;
    return (s->eflags & ~X86_ARITH) | f;
}

void x86_set_flags(x86_cpu *s, uint32_t v) {
    s->eflags = (v & (s->variant == X86_PENTIUM ? VALID586 : VALID386)) | 0x2u;
    s->lf_op = X86_LF_NONE;
}

/* Fold the lazy flags into eflags (before an instruction changes some and keeps others). */
static inline uint32_t flags_now(x86_cpu *s) {
    if (s->lf_op != X86_LF_NONE) {
        s->eflags = x86_get_flags(s);
        s->lf_op = X86_LF_NONE;
    }
    return s->eflags;
}

static inline void lazy(x86_cpu *s, int op, uint32_t a, uint32_t b, uint32_t r, int sz) {
    s->lf_op = (uint8_t)op;
    s->lf_a = a;
    s->lf_b = b;
    s->lf_res = r;
    s->lf_size = (uint8_t)sz;
}

/* CF alone, without computing the other flags where the operation tells it directly. */
static inline bool cf_now(x86_cpu *s) {
    switch (s->lf_op) {
    case X86_LF_NONE: return (s->eflags & X86_CF) != 0;
    case X86_LF_ADD: return s->lf_res < s->lf_a;
    case X86_LF_SUB: return s->lf_a < s->lf_b;
    case X86_LF_LOGIC: return false;
    case X86_LF_INC: case X86_LF_DEC: case X86_LF_SHL: case X86_LF_SHR: case X86_LF_SAR: case X86_LF_MUL:
        return s->lf_cf != 0;
    default: return (x86_get_flags(s) & X86_CF) != 0;
    }
}

static inline __attribute__((always_inline)) bool cond_inline(x86_cpu *s, unsigned cc) {
    /* after CMP/SUB and the logical operations (most branches): from the
     * operands, without computing EFLAGS */
    if (s->lf_op == X86_LF_SUB || s->lf_op == X86_LF_LOGIC) {
        uint32_t a = s->lf_a, b = s->lf_b, r = s->lf_res;
        int sz = s->lf_size;
        bool logic = s->lf_op == X86_LF_LOGIC, t;
        switch (cc >> 1) {
        case 1: t = !logic && a < b; break;                                        /* CF */
        case 2: t = r == 0; break;                                                 /* ZF */
        case 3: t = logic ? r == 0 : a <= b; break;                                /* CF | ZF */
        case 4: t = (SEXT(r, sz) & 0x80000000u) != 0; break;                       /* SF */
        case 6: t = logic ? (SEXT(r, sz) & 0x80000000u) != 0 : (int32_t)SEXT(a, sz) < (int32_t)SEXT(b, sz); break;
        case 7: t = logic ? (int32_t)SEXT(r, sz) <= 0 : (int32_t)SEXT(a, sz) <= (int32_t)SEXT(b, sz); break;
        default: goto full; /* OF and PF */
        }
        return (cc & 1) ? !t : t;
    }
    /* ZF and SF come from the result after any operation (x86_get_flags):
     * a loop's DEC or INC, then JNZ */
    if (s->lf_op != X86_LF_NONE && ((cc >> 1) == 2 || (cc >> 1) == 4)) {
        uint32_t r = s->lf_res;
        bool t = (cc >> 1) == 2 ? r == 0 : (r & SIGN(s->lf_size)) != 0;
        return (cc & 1) ? !t : t;
    }
full:;
    uint32_t f = x86_get_flags(s);
    bool r;
    switch (cc >> 1) {
    case 0: r = f & X86_OF; break;
    case 1: r = f & X86_CF; break;
    case 2: r = f & X86_ZF; break;
    case 3: r = f & (X86_CF | X86_ZF); break;
    case 4: r = f & X86_SF; break;
    case 5: r = f & X86_PF; break;
    case 6: r = !(f & X86_SF) != !(f & X86_OF); break;
    default: r = (f & X86_ZF) || (!(f & X86_SF) != !(f & X86_OF)); break;
    }
    return (cc & 1) ? !r : r;
}

static bool cond(x86_cpu *s, unsigned cc) { return cond_inline(s, cc); }

/* ---- faults -------------------------------------------------------------------- */

/* The instruction ends here: nothing more reads or writes memory (the
 * checked accessors see fpend) until settle() gives the limits back. */
static void pend(x86_cpu *s) {
    s->fpend = true;
    s->attn = true; /* the run loop settles it before the next instruction */
    s->f_fast_lim = s->fast_lim;
    s->f_wr_lim = s->wr_lim;
    s->fast_lim = s->wr_lim = 0;
    x86_windows_close(s);
}

void x86_fault(x86_cpu *s, int vector, uint32_t code, bool has_code) {
    if (X86_PENDING(s)) return; /* the first fault is the one taken */
    s->f_vector = vector;
    s->f_code = code;
    s->f_has_code = has_code;
    pend(s);
}

void x86_stop_insn(x86_cpu *s, vl_stop st) {
    if (X86_PENDING(s)) return;
    s->f_vector = -1;
    s->stop = st;
    pend(s);
}

/* A trap raised on purpose by the instruction (INT n, INT3, INTO, ICEBP):
 * delivered after it, with the return address of the next instruction. */
typedef struct trap_req {
    int vector;
    bool soft;
    uint32_t ret;
} trap_req;

/* ---- registers ------------------------------------------------------------------- */

static inline uint32_t reg_rd(const x86_cpu *s, int n, int sz) {
    if (sz == 1) return n < 4 ? s->r[n] & 0xFF : (s->r[n - 4] >> 8) & 0xFF;
    return sz == 2 ? s->r[n] & 0xFFFF : s->r[n];
}

static inline void reg_wr(x86_cpu *s, int n, int sz, uint32_t v) {
    if (sz == 4) s->r[n] = v;
    else if (sz == 2) s->r[n] = (s->r[n] & 0xFFFF0000u) | (v & 0xFFFF);
    else if (n < 4) s->r[n] = (s->r[n] & ~0xFFu) | (v & 0xFF);
    else s->r[n - 4] = (s->r[n - 4] & ~0xFF00u) | (v & 0xFF) << 8;
}

/* ---- operands ------------------------------------------------------------------------ */

static inline uint32_t ea_off(const x86_cpu *s, const x86_decoded *d) {
    uint32_t a = d->disp;
    if (d->base >= 0) a += s->r[d->base];
    if (d->index >= 0) a += s->r[d->index] << d->scale;
    return d->adsize == 2 ? a & 0xFFFF : a;
}
static inline int ea_seg(const x86_decoded *d) { return d->seg >= 0 ? d->seg : d->mseg; }

static int opd_size(const x86_decoded *d, int k) {
    switch (k) {
    case X86_O_EB: case X86_O_GB: case X86_O_ZB: case X86_O_AL: case X86_O_IB: case X86_O_OB: case X86_O_XB:
    case X86_O_YB: case X86_O_CL:
        return 1;
    case X86_O_EW: case X86_O_GW: case X86_O_SW: case X86_O_IW: case X86_O_DX:
        return 2;
    case X86_O_ED: case X86_O_RD: case X86_O_CD: case X86_O_DD: case X86_O_TD: case X86_O_ZD:
        return 4;
    default:
        return d->opsize;
    }
}

static uint32_t opd_rd(x86_cpu *s, const x86_decoded *d, int k) {
    int sz = opd_size(d, k);
    switch (k) {
    case X86_O_EB: case X86_O_EW: case X86_O_ED: case X86_O_EV:
        if (d->mod == 3) return reg_rd(s, d->rm, sz);
        return x86_rd(s, ea_seg(d), ea_off(s, d), sz);
    case X86_O_GB: case X86_O_GW: case X86_O_GV: return reg_rd(s, d->regf, sz);
    case X86_O_ZB: case X86_O_ZV: case X86_O_ZD: return reg_rd(s, d->opcode & 7, sz);
    case X86_O_IB: case X86_O_IW: case X86_O_IV: case X86_O_IBS: return d->imm & MASK(sz);
    case X86_O_AL: case X86_O_EAX: return reg_rd(s, X86_EAX, sz);
    case X86_O_CL: return s->r[X86_ECX] & 0xFF;
    case X86_O_DX: return s->r[X86_EDX] & 0xFFFF;
    case X86_O_ONE: return 1;
    case X86_O_OB: case X86_O_OV: return x86_rd(s, ea_seg(d), d->disp, sz);
    default: return 0;
    }
}

static void opd_wr(x86_cpu *s, const x86_decoded *d, int k, uint32_t v) {
    int sz = opd_size(d, k);
    switch (k) {
    case X86_O_EB: case X86_O_EW: case X86_O_ED: case X86_O_EV:
        if (d->mod == 3) reg_wr(s, d->rm, sz, v);
        else x86_wr(s, ea_seg(d), ea_off(s, d), sz, v);
        return;
    case X86_O_GB: case X86_O_GW: case X86_O_GV: reg_wr(s, d->regf, sz, v); return;
    case X86_O_ZB: case X86_O_ZV: case X86_O_ZD: reg_wr(s, d->opcode & 7, sz, v); return;
    case X86_O_AL: case X86_O_EAX: reg_wr(s, X86_EAX, sz, v); return;
    case X86_O_OB: case X86_O_OV: x86_wr(s, ea_seg(d), d->disp, sz, v); return;
    default: return;
    }
}

/* ---- the stack ------------------------------------------------------------------------ */

static inline bool big_stack(const x86_cpu *s) { return (s->seg[X86_SS].attr & X86_A_DB) != 0; }

/* log: x86_wr_as (false for a fast handler's push, its last access) */
static inline __attribute__((always_inline)) void push_as(x86_cpu *s, int sz, uint32_t v, bool log) {
    bool big = big_stack(s);
    uint32_t sp = s->r[X86_ESP] - (uint32_t)sz;
    if (!big) sp &= 0xFFFF;
    x86_wr_as(s, X86_SS, sp, sz, v, log);
    if (X86_PENDING(s)) return; /* a fast handler has no undo record */
    s->r[X86_ESP] = big ? sp : (s->r[X86_ESP] & ~0xFFFFu) | sp;
}
static void push(x86_cpu *s, int sz, uint32_t v) { push_as(s, sz, v, true); }

static uint32_t pop(x86_cpu *s, int sz) {
    bool big = big_stack(s);
    uint32_t sp = big ? s->r[X86_ESP] : s->r[X86_ESP] & 0xFFFF;
    uint32_t v = x86_rd(s, X86_SS, sp, sz);
    if (X86_PENDING(s)) return 0;
    sp += (uint32_t)sz;
    s->r[X86_ESP] = big ? sp : (s->r[X86_ESP] & ~0xFFFFu) | (sp & 0xFFFF);
    return v;
}

/* Read at the top of the stack + off without popping. */
static uint32_t peek(x86_cpu *s, uint32_t off, int sz) {
    uint32_t sp = big_stack(s) ? s->r[X86_ESP] + off : (s->r[X86_ESP] + off) & 0xFFFF;
    return x86_rd(s, X86_SS, sp, sz);
}

/* ---- control transfers ---------------------------------------------------------------- */

static void jump_near(x86_cpu *s, uint32_t target, int osz) {
    if (osz == 2) target &= 0xFFFF;
    if (target > s->seg[X86_CS].limit) {
        x86_fault(s, X86_EXC_GP, 0, true);
        return;
    }
    s->eip = target;
}

/* ---- arithmetic ------------------------------------------------------------------------ */

static inline __attribute__((always_inline)) uint32_t alu_inline(x86_cpu *s, int op, uint32_t a, uint32_t b, int sz) {
    uint32_t m = MASK(sz), r;
    switch (op) {
    case X86_OP_ADD: r = (a + b) & m; lazy(s, X86_LF_ADD, a, b, r, sz); return r;
    case X86_OP_ADC: {
        uint32_t c = cf_now(s);
        r = (a + b + c) & m;
        lazy(s, X86_LF_ADC, a, b, r, sz);
        s->lf_cf = c;
        return r;
    }
    case X86_OP_SUB: case X86_OP_CMP: r = (a - b) & m; lazy(s, X86_LF_SUB, a, b, r, sz); return r;
    case X86_OP_SBB: {
        uint32_t c = cf_now(s);
        r = (a - b - c) & m;
        lazy(s, X86_LF_SBB, a, b, r, sz);
        s->lf_cf = c;
        return r;
    }
    case X86_OP_AND: case X86_OP_TEST: r = a & b; lazy(s, X86_LF_LOGIC, a, b, r, sz); return r;
    case X86_OP_OR: r = a | b; lazy(s, X86_LF_LOGIC, a, b, r, sz); return r;
    default: /* XOR */ r = a ^ b; lazy(s, X86_LF_LOGIC, a, b, r, sz); return r;
    }
}

static uint32_t alu(x86_cpu *s, int op, uint32_t a, uint32_t b, int sz) { return alu_inline(s, op, a, b, sz); }

/* Shifts and rotates of group 2; count already masked to 5 bits. */
static inline __attribute__((always_inline)) uint32_t shift_inline(x86_cpu *s, int op, uint32_t a, unsigned count,
                                                                   int sz) {
    unsigned bits = (unsigned)sz * 8;
    uint32_t m = MASK(sz), sign = SIGN(sz), r;
    if (!count) return a;
    switch (op) {
    case X86_OP_SHL: case X86_OP_SAL6: {
        uint64_t w = (uint64_t)a << count;
        r = (uint32_t)w & m;
        lazy(s, X86_LF_SHL, a, count, r, sz);
        s->lf_cf = count <= bits ? (uint32_t)(w >> bits) & 1 : 0;
        return r;
    }
    case X86_OP_SHR:
        r = count >= 32 ? 0 : (a >> count) & m;
        lazy(s, X86_LF_SHR, a, count, r, sz);
        s->lf_cf = count <= bits ? (a >> (count - 1)) & 1 : 0;
        return r;
    case X86_OP_SAR: {
        int32_t v = (int32_t)SEXT(a, sz);
        unsigned c = count > 31 ? 31 : count;
        r = (uint32_t)(v >> c) & m;
        lazy(s, X86_LF_SAR, a, count, r, sz);
        s->lf_cf = (uint32_t)(v >> (c - 1 < 31 ? c - 1 : 31)) & 1;
        if (count > bits) s->lf_cf = (a & sign) != 0;
        return r;
    }
    default: break;
    }
    /* rotates: only CF and OF change */
    uint32_t f = flags_now(s) & ~(X86_CF | X86_OF);
    bool cf, of;
    switch (op) {
    case X86_OP_ROL: {
        unsigned c = count % bits;
        r = c ? ((a << c) | (a >> (bits - c))) & m : a;
        cf = r & 1;
        of = ((r & sign) != 0) != cf;
        break;
    }
    case X86_OP_ROR: {
        unsigned c = count % bits;
        r = c ? ((a >> c) | (a << (bits - c))) & m : a;
        cf = (r & sign) != 0;
        of = ((r & sign) != 0) != ((r & (sign >> 1)) != 0);
        break;
    }
    case X86_OP_RCL: {
        unsigned c = count % (bits + 1);
        uint64_t w = (uint64_t)a | (uint64_t)((s->eflags & X86_CF) ? 1 : 0) << bits; /* CF above the operand */
        for (unsigned i = 0; i < c; i++) w = ((w << 1) | (w >> bits)) & ((2ull << bits) - 1);
        r = (uint32_t)w & m;
        cf = c ? (w >> bits) & 1 : (s->eflags & X86_CF) != 0;
        of = ((r & sign) != 0) != cf;
        break;
    }
    default: { /* RCR */
        unsigned c = count % (bits + 1);
        bool cin = (s->eflags & X86_CF) != 0;
        uint64_t w = (uint64_t)a | (uint64_t)cin << bits;
        of = ((a & sign) != 0) != cin;
        for (unsigned i = 0; i < c; i++) w = ((w >> 1) | ((w & 1) << bits)) & ((2ull << bits) - 1);
        r = (uint32_t)w & m;
        cf = c ? (w >> bits) & 1 : cin;
        break;
    }
    }
    s->eflags = f | (cf ? X86_CF : 0) | (of ? X86_OF : 0);
    return r;
}
static uint32_t shift(x86_cpu *s, int op, uint32_t a, unsigned count, int sz) {
    return shift_inline(s, op, a, count, sz);
}

/* SHLD/SHRD; count masked to 5 bits, 0 changes nothing. */
static uint32_t shift_double(x86_cpu *s, bool left, uint32_t a, uint32_t b, unsigned count, int sz) {
    unsigned bits = (unsigned)sz * 8;
    uint32_t m = MASK(sz), r;
    if (!count) return a;
    uint32_t cf;
    if (sz == 4) {
        if (left) {
            r = (a << count) | (count == 32 ? 0 : b >> (32 - count));
            cf = (a >> (32 - count)) & 1;
        } else {
            r = (a >> count) | (b << (32 - count));
            cf = (a >> (count - 1)) & 1;
        }
    } else {
        /* 16-bit: the operand pair a:b shifted; counts above 16 take bits
         * of a again (the result is undefined there; this is QEMU's) */
        uint64_t w = left ? ((uint64_t)a << 32 | (uint64_t)b << 16 | a) : ((uint64_t)a << 32 | (uint64_t)a << 16 | b);
        if (left) {
            uint64_t t = w << count;
            r = (uint32_t)(t >> 32) & m;
            cf = (uint32_t)(t >> 48) & 1;
        } else {
            uint64_t t = (uint64_t)b << 16 | a;
            t |= (uint64_t)a << 32;
            uint64_t u = t >> count;
            r = (uint32_t)u & m;
            cf = (uint32_t)(t >> (count - 1)) & 1;
        }
        (void)bits;
    }
    lazy(s, left ? X86_LF_SHL : X86_LF_SHRD, a, count, r & m, sz);
    s->lf_cf = cf;
    return r & m;
}

/* ---- string instructions ------------------------------------------------------------------ */

typedef struct str_regs {
    uint32_t si, di, cx;
} str_regs;

static uint32_t areg(const x86_cpu *s, int n, int adsize) { return adsize == 2 ? s->r[n] & 0xFFFF : s->r[n]; }
static void set_areg(x86_cpu *s, int n, int adsize, uint32_t v) {
    s->r[n] = adsize == 2 ? (s->r[n] & ~0xFFFFu) | (v & 0xFFFF) : v;
}

/* One iteration of a string instruction at sz bytes: true when a REPE/REPNE condition ends it. */
static void str_once(x86_cpu *s, const x86_decoded *d, int sz) {
    int as = d->adsize;
    uint32_t step = (s->eflags & X86_DF) ? (uint32_t)-sz : (uint32_t)sz;
    int src = d->seg >= 0 ? d->seg : X86_DS;
    uint32_t si = areg(s, X86_ESI, as), di = areg(s, X86_EDI, as);
    switch (d->in->op) {
    case X86_OP_MOVS: {
        uint32_t v = x86_rd(s, src, si, sz);
        x86_wr(s, X86_ES, di, sz, v);
        set_areg(s, X86_ESI, as, si + step);
        set_areg(s, X86_EDI, as, di + step);
        break;
    }
    case X86_OP_CMPS: {
        uint32_t a = x86_rd(s, src, si, sz), b = x86_rd(s, X86_ES, di, sz);
        alu(s, X86_OP_CMP, a, b, sz);
        set_areg(s, X86_ESI, as, si + step);
        set_areg(s, X86_EDI, as, di + step);
        break;
    }
    case X86_OP_STOS:
        x86_wr(s, X86_ES, di, sz, reg_rd(s, X86_EAX, sz));
        set_areg(s, X86_EDI, as, di + step);
        break;
    case X86_OP_LODS:
        reg_wr(s, X86_EAX, sz, x86_rd(s, src, si, sz));
        set_areg(s, X86_ESI, as, si + step);
        break;
    case X86_OP_SCAS: {
        uint32_t b = x86_rd(s, X86_ES, di, sz);
        alu(s, X86_OP_CMP, reg_rd(s, X86_EAX, sz), b, sz);
        set_areg(s, X86_EDI, as, di + step);
        break;
    }
    case X86_OP_INS: {
        uint32_t port = s->r[X86_EDX] & 0xFFFF;
        /* the destination is checked before the port is read */
        (void)x86_linear(s, X86_ES, di, (uint32_t)sz, true);
        if (X86_PENDING(s)) break;
        uint32_t v = 0;
        vl_io_read(s->c.m, port, sz, &v);
        x86_wr(s, X86_ES, di, sz, v);
        set_areg(s, X86_EDI, as, di + step);
        break;
    }
    default: { /* OUTS */
        uint32_t v = x86_rd(s, src, si, sz);
        if (X86_PENDING(s)) break;
        vl_io_write(s->c.m, s->r[X86_EDX] & 0xFFFF, sz, v);
        set_areg(s, X86_ESI, as, si + step);
        break;
    }
    }
}

/* The REP string instruction d at insn_eip goes on as decoded (x86_cpu.pin). */
static void pin_insn(x86_cpu *s, const x86_decoded *d) {
    s->pin = true;
    s->pin_eip = s->insn_eip;
    s->pin_d = *d;
}

/* A string instruction, with its repeat prefix. false: it is not done
 * (the count reached a multiple of REP_CHUNK): the next step goes on with
 * it. The step ends where the count register says, not after REP_CHUNK
 * iterations from wherever this run of it began: one resumed after a
 * fault part-way (a monitor's real CPU stopped at its region, the
 * instruction emulated on from there) ends its step where the bare
 * machine's does. */
static bool string_insn(x86_cpu *s, const x86_decoded *d, int sz) {
    if (!d->rep) {
        str_once(s, d, sz);
        return true;
    }
    int as = d->adsize;
    bool z = (d->in->flags & X86_F_REPZ) != 0;
    for (unsigned n = 0; n < REP_CHUNK; n++) {
        uint32_t cx = areg(s, X86_ECX, as);
        if (!cx) return true;
        str_once(s, d, sz);
        if (X86_PENDING(s)) {
            /* the undo record keeps the last iteration. A monitor that
             * intercepts the fault goes on with the instruction as decoded
             * (its earlier iterations may have written over its bytes);
             * delivered, the fault drops the pin (take) */
            pin_insn(s, d);
            return true;
        }
        set_areg(s, X86_ECX, as, cx - 1);
        /* a fault in a later iteration keeps this one: ECX, ESI and EDI
         * stay as after the last successful iteration, EIP at the
         * instruction (SDM vol. 2, REP); the flags go back to before it.
         * Its stores stay too: an intercepted fault (the monitor goes on
         * with the instruction from these registers) undoes only the
         * stores of the iteration that faulted */
        memcpy(s->u_r, s->r, sizeof s->r);
        s->wlog_n = 0;
        if (z) {
            bool zf = (x86_get_flags(s) & X86_ZF) != 0;
            if ((d->rep == 0xF3 && !zf) || (d->rep == 0xF2 && zf)) return true;
        }
        if (cx - 1 == 0) return true;
        if (((cx - 1) & (REP_CHUNK - 1)) == 0) return false;
    }
    return false; /* (not reached: a multiple of REP_CHUNK comes first) */
}

/* ---- I/O ------------------------------------------------------------------------------------ */

/* A hardware-assist exit from inside an instruction (an owned control
 * register bit, an I/O port of the bitmap): the state before it, the run
 * stops before it as for an exit by form. */
static void hw_exit(x86_cpu *s, uint32_t why) {
    if (X86_PENDING(s)) return;
    x86_stop_insn(s, (vl_stop){ .reason = VLAB_STOP_VMEXIT, .pc = s->insn_eip, .vector = -1,
                                .code = why, .flags = VLAB_STOP_HAS_CODE });
    s->c.icount--; /* not executed: not a step */
    if (s->x_inhibit_ic == s->c.icount + 1) s->inhibit_irq = true;
}

/* May the instruction reach the ports? Else it has faulted or exited. */
static bool io_check(x86_cpu *s, uint32_t port, int sz) {
    if (!x86_io_allowed(s, port, sz)) {
        x86_fault(s, X86_EXC_GP, 0, true);
        return false;
    }
    if (VL_UNLIKELY(s->io_exits != NULL))
        for (int i = 0; i < sz; i++)
            if (vl_bit(s->io_exits, (port + (uint32_t)i) & 0xFFFF)) {
                hw_exit(s, X86_HWEXIT_IO);
                return false;
            }
    return !X86_PENDING(s);
}

/* ---- control registers ---------------------------------------------------------------------- */

/* CR0 and CR4 as the guest reads them: its owned bits from the shadows */
static inline uint32_t guest_cr0(const x86_cpu *s) { return (s->cr0 & ~s->cr0_own) | (s->cr0_shadow & s->cr0_own); }
static inline uint32_t guest_cr4(const x86_cpu *s) { return (s->cr4 & ~s->cr4_own) | (s->cr4_shadow & s->cr4_own); }

static void write_cr0(x86_cpu *s, uint32_t v) {
    if (VL_UNLIKELY(s->cr0_own)) {
        /* the guest's write: an owned bit it changes exits, the others are
         * written around the host's */
        if ((v ^ s->cr0_shadow) & s->cr0_own) hw_exit(s, X86_HWEXIT_CR);
        v = (v & ~s->cr0_own) | (s->cr0 & s->cr0_own);
    }
    uint32_t mask = s->variant == X86_PENTIUM ? 0xE005003Fu : 0x8000001Fu;
    v &= mask;
    if (s->variant == X86_PENTIUM) {
        v |= X86_CR0_ET; /* hard-wired on the Pentium */
        if ((v & X86_CR0_NW) && !(v & X86_CR0_CD)) x86_fault(s, X86_EXC_GP, 0, true);
    }
    if ((v & X86_CR0_PG) && !(v & X86_CR0_PE)) x86_fault(s, X86_EXC_GP, 0, true);
    if (X86_PENDING(s)) return; /* CR0 is outside the undo record */
    if ((v ^ s->cr0) & (X86_CR0_PG | X86_CR0_PE | X86_CR0_WP)) x86_tlb_flush(s);
    s->cr0 = v;
}

/* ---- the interpreter ---------------------------------------------------------------------------- */

/* Effects an instruction leaves for the run loop. */
enum { EX_OK = 0, EX_AGAIN, EX_SELF, EX_HLT, EX_TRAP, EX_INHIBIT };

static void ud(x86_cpu *s) { x86_fault(s, X86_EXC_UD, 0, false); }

static inline bool pm(const x86_cpu *s) { return (s->cr0 & X86_CR0_PE) != 0; }

static void priv_check(x86_cpu *s) {
    if (pm(s) && s->cpl != 0) x86_fault(s, X86_EXC_GP, 0, true);
}

static void iopl_check(x86_cpu *s) {
    if (pm(s) && s->cpl > (int)((x86_get_flags(s) & X86_IOPL) >> X86_IOPL_SHIFT)) x86_fault(s, X86_EXC_GP, 0, true);
}

static int lseg_reg(uint16_t opcode) {
    switch (opcode) {
    case 0xC4: return X86_ES;
    case 0xC5: return X86_DS;
    case 0x1B2: return X86_SS;
    case 0x1B4: return X86_FS;
    default: return X86_GS;
    }
}

static int seg_of_opd(int k) {
    switch (k) {
    case X86_O_ES: return X86_ES;
    case X86_O_CS: return X86_CS;
    case X86_O_SS: return X86_SS;
    case X86_O_DS: return X86_DS;
    case X86_O_FS: return X86_FS;
    default: return X86_GS;
    }
}

static void cpuid(x86_cpu *s) {
    uint32_t leaf = s->r[X86_EAX];
    if (leaf == 0) {
        s->r[X86_EAX] = 1;
        s->r[X86_EBX] = 0x756E6547u; /* "Genu" */
        s->r[X86_EDX] = 0x49656E69u; /* "ineI" */
        s->r[X86_ECX] = 0x6C65746Eu; /* "ntel" */
        return;
    }
    /* leaf 1 (and, as on Intel parts, any leaf above the highest): family
     * 5, model 2; features: PSE, TSC, MSR, CX8 (no FPU, no VME, no MCE) */
    s->r[X86_EAX] = 0x00000525u;
    s->r[X86_EBX] = 0;
    s->r[X86_ECX] = 0;
    s->r[X86_EDX] = (1u << 3) | (1u << 4) | (1u << 5) | (1u << 8);
}

static uint64_t tsc(const x86_cpu *s) { return s->tsc_base + s->c.icount; }

/* Execute one decoded instruction. tr receives a trap to deliver after it. */
/* DIV or IDIV (sgn) of EDX:EAX by b != 0: EAX the quotient, EDX the
 * remainder, or #DE with nothing changed */
static inline void div32(x86_cpu *s, uint32_t b, bool sgn) {
    uint64_t a = (uint64_t)s->r[X86_EDX] << 32 | s->r[X86_EAX];
    uint32_t q, r;
    if (sgn) {
        int64_t aa = (int64_t)a, bb = (int32_t)b;
        if (aa == INT64_MIN && bb == -1) { x86_fault(s, X86_EXC_DE, 0, false); return; }
        int64_t qq = aa / bb, rr = aa % bb;
        if (qq > INT32_MAX || qq < INT32_MIN) { x86_fault(s, X86_EXC_DE, 0, false); return; }
        q = (uint32_t)qq;
        r = (uint32_t)rr;
    } else {
        uint64_t qq = a / b;
        if (qq > 0xFFFFFFFFu) { x86_fault(s, X86_EXC_DE, 0, false); return; }
        q = (uint32_t)qq;
        r = (uint32_t)(a % b);
    }
    s->r[X86_EAX] = q;
    s->r[X86_EDX] = r;
}

static int execute(x86_cpu *s, const x86_decoded *d, trap_req *tr) {
    const x86_insn *in = d->in;
    const uint8_t *o = in->opd;
    int osz = (in->flags & X86_F_BYTE) ? 1 : (in->flags & X86_F_W) ? 2 : d->opsize;
    uint32_t next = s->eip; /* already advanced past the instruction */
    if (d->lock && (!(in->flags & X86_F_LOCK) || d->mod == 3)) { ud(s); return EX_OK; }
    if ((in->flags & X86_F_PM) && !pm(s)) { ud(s); return EX_OK; }
    if (in->flags & X86_F_PRIV) priv_check(s);
    if (X86_PENDING(s)) return EX_OK;
    switch ((enum x86_op)in->op) {
    case X86_OP_ADD: case X86_OP_OR: case X86_OP_ADC: case X86_OP_SBB: case X86_OP_AND: case X86_OP_SUB:
    case X86_OP_XOR: {
        uint32_t a = opd_rd(s, d, o[0]), b = opd_rd(s, d, o[1]);
        if (o[1] == X86_O_IBS) b &= MASK(osz);
        opd_wr(s, d, o[0], alu(s, in->op, a, b, osz));
        break;
    }
    case X86_OP_CMP: case X86_OP_TEST: {
        uint32_t a = opd_rd(s, d, o[0]), b = opd_rd(s, d, o[1]);
        alu(s, in->op, a, b & MASK(osz), osz);
        break;
    }
    case X86_OP_INC: case X86_OP_DEC: {
        uint32_t a = opd_rd(s, d, o[0]), cf = cf_now(s);
        uint32_t r = (in->op == X86_OP_INC ? a + 1 : a - 1) & MASK(osz);
        opd_wr(s, d, o[0], r);
        lazy(s, in->op == X86_OP_INC ? X86_LF_INC : X86_LF_DEC, a, 1, r, osz);
        s->lf_cf = cf;
        break;
    }
    case X86_OP_NOT: opd_wr(s, d, o[0], ~opd_rd(s, d, o[0])); break;
    case X86_OP_NEG: {
        uint32_t a = opd_rd(s, d, o[0]), r = (0u - a) & MASK(osz);
        opd_wr(s, d, o[0], r);
        lazy(s, X86_LF_NEG, a, 0, r, osz);
        break;
    }
    case X86_OP_MUL: case X86_OP_IMUL1: {
        uint32_t b = opd_rd(s, d, o[0]);
        bool sgn = in->op == X86_OP_IMUL1;
        uint32_t lo, hi;
        bool over;
        if (osz == 1) {
            uint32_t a = s->r[X86_EAX] & 0xFF;
            uint32_t p = sgn ? (uint32_t)((int32_t)(int8_t)a * (int8_t)b) : a * b;
            reg_wr(s, X86_EAX, 2, p);
            lo = p & 0xFF;
            over = sgn ? (int16_t)p != (int8_t)p : (p & 0xFF00) != 0;
        } else if (osz == 2) {
            uint32_t a = s->r[X86_EAX] & 0xFFFF;
            uint32_t p = sgn ? (uint32_t)((int32_t)(int16_t)a * (int16_t)b) : a * b;
            reg_wr(s, X86_EAX, 2, p);
            reg_wr(s, X86_EDX, 2, p >> 16);
            lo = p & 0xFFFF;
            over = sgn ? (int32_t)p != (int16_t)p : (p >> 16) != 0;
        } else {
            uint64_t p = sgn ? (uint64_t)((int64_t)(int32_t)s->r[X86_EAX] * (int32_t)b)
                             : (uint64_t)s->r[X86_EAX] * b;
            lo = (uint32_t)p;
            hi = (uint32_t)(p >> 32);
            s->r[X86_EAX] = lo;
            s->r[X86_EDX] = hi;
            over = sgn ? (int64_t)p != (int32_t)lo : hi != 0;
        }
        lazy(s, X86_LF_MUL, 0, 0, lo, osz);
        s->lf_cf = over;
        break;
    }
    case X86_OP_IMUL2: case X86_OP_IMUL3: {
        uint32_t a = opd_rd(s, d, o[1]);
        uint32_t b = in->op == X86_OP_IMUL2 ? opd_rd(s, d, o[0]) : SEXT(d->imm, o[2] == X86_O_IBS ? 1 : osz);
        int64_t p = (int64_t)(int32_t)SEXT(a, osz) * (int32_t)SEXT(b, osz);
        uint32_t r = (uint32_t)p & MASK(osz);
        reg_wr(s, d->regf, osz, r);
        lazy(s, X86_LF_MUL, 0, 0, r, osz);
        s->lf_cf = p != (int64_t)(int32_t)SEXT(r, osz);
        break;
    }
    case X86_OP_DIV: case X86_OP_IDIV: {
        uint32_t b = opd_rd(s, d, o[0]);
        bool sgn = in->op == X86_OP_IDIV;
        if (!b) { x86_fault(s, X86_EXC_DE, 0, false); return EX_OK; }
        if (osz == 1) {
            uint32_t a = s->r[X86_EAX] & 0xFFFF;
            uint32_t q, r;
            if (sgn) {
                int32_t qq = (int16_t)a / (int8_t)b, rr = (int16_t)a % (int8_t)b;
                if (qq > 127 || qq < -128) { x86_fault(s, X86_EXC_DE, 0, false); return EX_OK; }
                q = (uint32_t)qq;
                r = (uint32_t)rr;
            } else {
                q = a / b;
                r = a % b;
                if (q > 0xFF) { x86_fault(s, X86_EXC_DE, 0, false); return EX_OK; }
            }
            reg_wr(s, X86_EAX, 2, (q & 0xFF) | (r & 0xFF) << 8);
        } else if (osz == 2) {
            uint32_t a = (s->r[X86_EDX] & 0xFFFF) << 16 | (s->r[X86_EAX] & 0xFFFF);
            uint32_t q, r;
            if (sgn) {
                int64_t qq = (int64_t)(int32_t)a / (int16_t)b, rr = (int64_t)(int32_t)a % (int16_t)b;
                if (qq > 32767 || qq < -32768) { x86_fault(s, X86_EXC_DE, 0, false); return EX_OK; }
                q = (uint32_t)qq;
                r = (uint32_t)rr;
            } else {
                q = a / (b & 0xFFFF);
                r = a % (b & 0xFFFF);
                if (q > 0xFFFF) { x86_fault(s, X86_EXC_DE, 0, false); return EX_OK; }
            }
            reg_wr(s, X86_EAX, 2, q);
            reg_wr(s, X86_EDX, 2, r);
        } else {
            div32(s, b, sgn);
        }
        break;
    }
    case X86_OP_ROL: case X86_OP_ROR: case X86_OP_RCL: case X86_OP_RCR: case X86_OP_SHL: case X86_OP_SHR:
    case X86_OP_SAL6: case X86_OP_SAR: {
        uint32_t a = opd_rd(s, d, o[0]);
        unsigned count = opd_rd(s, d, o[1]) & 0x1F;
        if (count) opd_wr(s, d, o[0], shift(s, in->op, a, count, osz));
        break;
    }
    case X86_OP_SHLD: case X86_OP_SHRD: {
        uint32_t a = opd_rd(s, d, o[0]), b = opd_rd(s, d, o[1]);
        unsigned count = (o[2] == X86_O_CL ? s->r[X86_ECX] : d->imm) & 0x1F;
        if (count) opd_wr(s, d, o[0], shift_double(s, in->op == X86_OP_SHLD, a, b, count, osz));
        break;
    }
    case X86_OP_BT: case X86_OP_BTS: case X86_OP_BTR: case X86_OP_BTC: {
        uint32_t bit = opd_rd(s, d, o[1]);
        uint32_t v, bits = (uint32_t)osz * 8;
        uint32_t off = 0;
        bool mem = d->mod != 3;
        if (mem && o[1] != X86_O_IB) {
            /* a register bit offset reaches beyond the operand: signed, in operand-size units */
            int32_t sb = (int32_t)SEXT(bit, osz);
            off = (uint32_t)((sb >> (osz == 2 ? 4 : 5)) * osz);
            bit = (uint32_t)sb & (bits - 1);
        } else {
            bit &= bits - 1;
        }
        uint32_t addr = mem ? (ea_off(s, d) + off) & (d->adsize == 2 ? 0xFFFFu : 0xFFFFFFFFu) : 0;
        v = mem ? x86_rd(s, ea_seg(d), addr, osz) : reg_rd(s, d->rm, osz);
        uint32_t f = flags_now(s) & ~X86_CF;
        if (v >> bit & 1) f |= X86_CF;
        s->eflags = f;
        if (in->op != X86_OP_BT) {
            uint32_t nv = in->op == X86_OP_BTS ? v | 1u << bit : in->op == X86_OP_BTR ? v & ~(1u << bit)
                                                                                      : v ^ 1u << bit;
            if (mem) x86_wr(s, ea_seg(d), addr, osz, nv);
            else reg_wr(s, d->rm, osz, nv);
        }
        break;
    }
    case X86_OP_BSF: case X86_OP_BSR: {
        uint32_t v = opd_rd(s, d, o[1]) & MASK(osz);
        uint32_t f = flags_now(s) & ~X86_ZF;
        if (!v) f |= X86_ZF;
        else reg_wr(s, d->regf, osz, in->op == X86_OP_BSF ? (uint32_t)__builtin_ctz(v) : 31u - (uint32_t)__builtin_clz(v));
        s->eflags = f;
        break;
    }
    case X86_OP_SETCC: opd_wr(s, d, o[0], cond(s, d->opcode & 15)); break;
    case X86_OP_BSWAP: {
        int n = d->opcode & 7;
        s->r[n] = __builtin_bswap32(s->r[n]);
        break;
    }
    case X86_OP_XADD: {
        /* SDM: "TEMP <- SRC + DEST; SRC <- DEST; DEST <- TEMP": with one
         * register as both operands it ends as the sum. A memory
         * destination first: its address may use the source register */
        uint32_t a = opd_rd(s, d, o[0]), b = opd_rd(s, d, o[1]);
        uint32_t r = alu(s, X86_OP_ADD, a, b, osz);
        if (d->mod != 3) opd_wr(s, d, o[0], r);
        reg_wr(s, d->regf, osz, a);
        if (d->mod == 3) opd_wr(s, d, o[0], r);
        break;
    }
    case X86_OP_CMPXCHG: {
        uint32_t a = opd_rd(s, d, o[0]), acc = reg_rd(s, X86_EAX, osz);
        alu(s, X86_OP_CMP, acc, a, osz);
        if (a == acc) opd_wr(s, d, o[0], opd_rd(s, d, o[1]));
        else {
            if (d->mod != 3) opd_wr(s, d, o[0], a); /* the processor writes back what it read */
            reg_wr(s, X86_EAX, osz, a);
        }
        break;
    }
    case X86_OP_CMPXCHG8B: {
        uint32_t off = ea_off(s, d);
        int sg = ea_seg(d);
        uint32_t lo = x86_rd(s, sg, off, 4), hi = x86_rd(s, sg, off + 4, 4);
        uint32_t f = flags_now(s) & ~X86_ZF;
        if (lo == s->r[X86_EAX] && hi == s->r[X86_EDX]) {
            x86_wr(s, sg, off, 4, s->r[X86_EBX]);
            x86_wr(s, sg, off + 4, 4, s->r[X86_ECX]);
            f |= X86_ZF;
        } else {
            x86_wr(s, sg, off, 4, lo);
            x86_wr(s, sg, off + 4, 4, hi);
            s->r[X86_EAX] = lo;
            s->r[X86_EDX] = hi;
        }
        s->eflags = f;
        break;
    }
    case X86_OP_DAA: case X86_OP_DAS: {
        uint32_t f = flags_now(s), al = s->r[X86_EAX] & 0xFF, old = al;
        bool daa = in->op == X86_OP_DAA, old_cf = f & X86_CF, cf = false, af = false;
        f &= ~(X86_CF | X86_AF);
        if ((al & 0xF) > 9 || (s->eflags & X86_AF)) {
            /* SDM DAS: "AL <- AL - 6; CF <- old_CF or (Borrow from AL <-
             * AL - 6)" (DAA's carry there implies its second step) */
            cf = old_cf || (!daa && al < 6);
            al = daa ? al + 6 : al - 6;
            af = true;
        }
        if (old > 0x99 || old_cf) {
            al = daa ? al + 0x60 : al - 0x60;
            cf = true;
        }
        al &= 0xFF;
        reg_wr(s, X86_EAX, 1, al);
        f &= ~(X86_ZF | X86_SF | X86_PF | X86_OF);
        if (cf) f |= X86_CF;
        if (af) f |= X86_AF;
        if (!al) f |= X86_ZF;
        if (al & 0x80) f |= X86_SF;
        if (parity(al)) f |= X86_PF;
        s->eflags = f;
        break;
    }
    case X86_OP_AAA: case X86_OP_AAS: {
        uint32_t f = flags_now(s);
        uint32_t ax = s->r[X86_EAX] & 0xFFFF;
        if ((ax & 0xF) > 9 || (f & X86_AF)) {
            if (in->op == X86_OP_AAA) {
                ax = (ax + 0x106) & 0xFFFF;
            } else {
                /* SDM: "AX <- AX - 6; AH <- AH - 1": the borrow from AL reaches AH
                 * (as AAA's "AX <- AX + 106H" carries into it) */
                ax = (ax - 6 - 0x100) & 0xFFFF;
            }
            f |= X86_AF | X86_CF;
        } else {
            f &= ~(X86_AF | X86_CF);
        }
        ax &= 0xFF0F;
        reg_wr(s, X86_EAX, 2, ax);
        s->eflags = f;
        break;
    }
    case X86_OP_AAM: {
        uint32_t base = d->imm & 0xFF, al = s->r[X86_EAX] & 0xFF;
        if (!base) { x86_fault(s, X86_EXC_DE, 0, false); return EX_OK; }
        uint32_t r = al % base;
        reg_wr(s, X86_EAX, 2, (al / base) << 8 | r);
        lazy(s, X86_LF_LOGIC, 0, 0, r, 1);
        break;
    }
    case X86_OP_AAD: {
        uint32_t base = d->imm & 0xFF, ax = s->r[X86_EAX];
        uint32_t r = ((ax & 0xFF) + ((ax >> 8) & 0xFF) * base) & 0xFF;
        reg_wr(s, X86_EAX, 2, r);
        lazy(s, X86_LF_LOGIC, 0, 0, r, 1);
        break;
    }
    case X86_OP_MOV:
        opd_wr(s, d, o[0], opd_rd(s, d, o[1]));
        break;
    case X86_OP_MOVSX: case X86_OP_MOVZX: {
        int ssz = opd_size(d, o[1]);
        uint32_t v = opd_rd(s, d, o[1]);
        if (in->op == X86_OP_MOVSX) v = SEXT(v, ssz);
        reg_wr(s, d->regf, osz, v);
        break;
    }
    case X86_OP_LEA: reg_wr(s, d->regf, osz, ea_off(s, d)); break;
    case X86_OP_XCHG: {
        uint32_t a = opd_rd(s, d, o[0]), b = opd_rd(s, d, o[1]);
        opd_wr(s, d, o[0], b);
        opd_wr(s, d, o[1], a);
        break;
    }
    case X86_OP_CBW:
        if (d->opsize == 2) reg_wr(s, X86_EAX, 2, SEXT(s->r[X86_EAX] & 0xFF, 1));
        else s->r[X86_EAX] = SEXT(s->r[X86_EAX] & 0xFFFF, 2);
        break;
    case X86_OP_CWD:
        if (d->opsize == 2) reg_wr(s, X86_EDX, 2, (s->r[X86_EAX] & 0x8000) ? 0xFFFF : 0);
        else s->r[X86_EDX] = (s->r[X86_EAX] & 0x80000000u) ? 0xFFFFFFFFu : 0;
        break;
    case X86_OP_XLAT: {
        uint32_t off = (areg(s, X86_EBX, d->adsize) + (s->r[X86_EAX] & 0xFF)) & (d->adsize == 2 ? 0xFFFF : 0xFFFFFFFFu);
        reg_wr(s, X86_EAX, 1, x86_rd(s, d->seg >= 0 ? d->seg : X86_DS, off, 1));
        break;
    }
    case X86_OP_BOUND: {
        uint32_t off = ea_off(s, d);
        int sg = ea_seg(d);
        int32_t v = (int32_t)SEXT(reg_rd(s, d->regf, osz), osz);
        int32_t lo = (int32_t)SEXT(x86_rd(s, sg, off, osz), osz), hi = (int32_t)SEXT(x86_rd(s, sg, off + (uint32_t)osz, osz), osz);
        if (v < lo || v > hi) { x86_fault(s, X86_EXC_BR, 0, false); return EX_OK; }
        break;
    }
    case X86_OP_PUSH: {
        uint32_t v = opd_rd(s, d, o[0]); /* PUSH ESP pushes its value before the push */
        push(s, osz, v);
        break;
    }
    case X86_OP_POP: {
        if (o[0] == X86_O_EV && d->mod != 3) {
            /* the address is computed with ESP already incremented (a
             * fault of the write puts ESP back with the rest) */
            uint32_t v = pop(s, osz);
            x86_wr(s, ea_seg(d), ea_off(s, d), osz, v);
        } else {
            uint32_t v = pop(s, osz);
            opd_wr(s, d, o[0], v);
        }
        break;
    }
    case X86_OP_PUSHA: {
        uint32_t sp = s->r[X86_ESP];
        static const int order[8] = { X86_EAX, X86_ECX, X86_EDX, X86_EBX, X86_ESP, X86_EBP, X86_ESI, X86_EDI };
        for (int i = 0; i < 8; i++) push(s, osz, order[i] == X86_ESP ? sp : s->r[order[i]]);
        break;
    }
    case X86_OP_POPA: {
        static const int order[8] = { X86_EDI, X86_ESI, X86_EBP, X86_ESP, X86_EBX, X86_EDX, X86_ECX, X86_EAX };
        uint32_t v[8];
        for (int i = 0; i < 8; i++) v[i] = pop(s, osz);
        for (int i = 0; i < 8; i++)
            if (order[i] != X86_ESP) reg_wr(s, order[i], osz, v[i]);
        break;
    }
    case X86_OP_PUSHF: {
        uint32_t f = x86_get_flags(s) & ~(X86_VM | X86_RF);
        push(s, osz, f);
        break;
    }
    case X86_OP_POPF: {
        uint32_t v = peek(s, 0, osz), old = x86_get_flags(s);
        if (osz == 2) v = (old & 0xFFFF0000u) | (v & 0xFFFF);
        pop(s, osz);
        x86_set_flags(s, x86_flags_merge(s, old, v, false) | (old & X86_RF));
        break;
    }
    case X86_OP_ENTER: {
        uint32_t size = d->imm & 0xFFFF, level = d->imm2 & 0x1F;
        bool big = big_stack(s);
        push(s, osz, reg_rd(s, X86_EBP, osz));
        uint32_t frame = big ? s->r[X86_ESP] : s->r[X86_ESP] & 0xFFFF;
        uint32_t bp = big ? s->r[X86_EBP] : s->r[X86_EBP] & 0xFFFF;
        if (level) {
            for (uint32_t i = 1; i < level; i++) {
                bp = big ? bp - (uint32_t)osz : (bp - (uint32_t)osz) & 0xFFFF;
                push(s, osz, x86_rd(s, X86_SS, bp, osz));
            }
            push(s, osz, frame);
        }
        uint32_t sp = s->r[X86_ESP] - size;
        if (!big) sp &= 0xFFFF;
        (void)x86_linear(s, X86_SS, sp, 1, true); /* the new top must be within the stack */
        reg_wr(s, X86_EBP, osz, frame);
        s->r[X86_ESP] = big ? sp : (s->r[X86_ESP] & ~0xFFFFu) | sp;
        break;
    }
    case X86_OP_LEAVE: {
        bool big = big_stack(s);
        uint32_t bp = big ? s->r[X86_EBP] : s->r[X86_EBP] & 0xFFFF;
        uint32_t v = x86_rd(s, X86_SS, bp, osz);
        bp += (uint32_t)osz;
        s->r[X86_ESP] = big ? bp : (s->r[X86_ESP] & ~0xFFFFu) | (bp & 0xFFFF);
        reg_wr(s, X86_EBP, osz, v);
        break;
    }
    case X86_OP_SAHF: {
        uint32_t f = flags_now(s), ah = (s->r[X86_EAX] >> 8) & 0xFF;
        uint32_t m = X86_SF | X86_ZF | X86_AF | X86_PF | X86_CF;
        s->eflags = (f & ~m) | (ah & m);
        break;
    }
    case X86_OP_LAHF: reg_wr(s, X86_EAX + 4, 1, (x86_get_flags(s) & 0xD5) | 0x02); break;
    case X86_OP_MOV_SEG: {
        if (d->regf == X86_CS || d->regf >= X86_NSEG) { ud(s); return EX_OK; }
        uint16_t sel = (uint16_t)opd_rd(s, d, o[1]);
        x86_load_seg(s, d->regf, sel);
        if (d->regf == X86_SS) return EX_INHIBIT;
        break;
    }
    case X86_OP_MOV_FROM_SEG: {
        if (d->regf >= X86_NSEG) { ud(s); return EX_OK; }
        uint32_t v = s->seg[d->regf].sel;
        if (d->mod == 3) reg_wr(s, d->rm, d->opsize, v); /* zero-extended into a 32-bit register */
        else x86_wr(s, ea_seg(d), ea_off(s, d), 2, v);
        break;
    }
    case X86_OP_PUSH_SEG: push(s, osz, s->seg[seg_of_opd(o[0])].sel); break;
    case X86_OP_POP_SEG: {
        /* SDM POP: "DEST <- SS:ESP; ESP <- ESP + 4": the selector is read
         * through the old SS, and the stack pointer moves by the old stack's
         * size without a second read (through what may be a new SS) */
        int sr = seg_of_opd(o[0]);
        bool big = big_stack(s);
        uint16_t sel = (uint16_t)peek(s, 0, osz);
        x86_load_seg(s, sr, sel);
        uint32_t sp = s->r[X86_ESP] + (uint32_t)osz;
        s->r[X86_ESP] = big ? sp : (s->r[X86_ESP] & ~0xFFFFu) | (sp & 0xFFFF);
        if (sr == X86_SS) return EX_INHIBIT;
        break;
    }
    case X86_OP_LSEG: {
        uint32_t off = ea_off(s, d);
        int sg = ea_seg(d);
        uint32_t v = x86_rd(s, sg, off, osz);
        uint16_t sel = (uint16_t)x86_rd(s, sg, off + (uint32_t)osz, 2);
        int sr = lseg_reg(d->opcode);
        x86_load_seg(s, sr, sel);
        reg_wr(s, d->regf, osz, v);
        if (sr == X86_SS) return EX_INHIBIT;
        break;
    }
    case X86_OP_JCC:
        if (cond(s, d->opcode & 15)) {
            jump_near(s, next + d->imm, osz);
            if (s->eip == s->insn_eip) return EX_SELF;
        }
        break;
    case X86_OP_JMP:
        jump_near(s, next + d->imm, osz);
        if (s->eip == s->insn_eip) return EX_SELF;
        break;
    case X86_OP_JMP_IND: jump_near(s, opd_rd(s, d, o[0]), osz); break;
    case X86_OP_CALL: {
        uint32_t t = (next + d->imm) & MASK(osz);
        if (t > s->seg[X86_CS].limit) { x86_fault(s, X86_EXC_GP, 0, true); return EX_OK; }
        push(s, osz, next);
        s->eip = t;
        break;
    }
    case X86_OP_CALL_IND: {
        uint32_t t = opd_rd(s, d, o[0]) & MASK(osz);
        if (t > s->seg[X86_CS].limit) { x86_fault(s, X86_EXC_GP, 0, true); return EX_OK; }
        push(s, osz, next);
        s->eip = t;
        break;
    }
    case X86_OP_JMP_FAR: case X86_OP_CALL_FAR:
        x86_far_jmp(s, (uint16_t)d->imm2, d->imm & MASK(osz), in->op == X86_OP_CALL_FAR, next, osz);
        break;
    case X86_OP_JMP_FAR_IND: case X86_OP_CALL_FAR_IND: {
        uint32_t off = ea_off(s, d);
        int sg = ea_seg(d);
        uint32_t t = x86_rd(s, sg, off, osz);
        uint16_t sel = (uint16_t)x86_rd(s, sg, off + (uint32_t)osz, 2);
        x86_far_jmp(s, sel, t, in->op == X86_OP_CALL_FAR_IND, next, osz);
        break;
    }
    case X86_OP_RET: {
        uint32_t t = peek(s, 0, osz);
        if (osz == 2) t &= 0xFFFF;
        if (t > s->seg[X86_CS].limit) { x86_fault(s, X86_EXC_GP, 0, true); return EX_OK; }
        pop(s, osz);
        if (o[0] == X86_O_IW) {
            bool big = big_stack(s);
            uint32_t sp = s->r[X86_ESP] + (d->imm & 0xFFFF);
            s->r[X86_ESP] = big ? sp : (s->r[X86_ESP] & ~0xFFFFu) | (sp & 0xFFFF);
        }
        s->eip = t;
        break;
    }
    case X86_OP_RETF: x86_far_ret(s, o[0] == X86_O_IW ? (uint16_t)d->imm : 0, osz); break;
    case X86_OP_IRET: x86_iret(s, osz); break;
    case X86_OP_LOOP: case X86_OP_LOOPE: case X86_OP_LOOPNE: {
        uint32_t cx = areg(s, X86_ECX, d->adsize) - 1;
        set_areg(s, X86_ECX, d->adsize, cx);
        if (d->adsize == 2) cx &= 0xFFFF;
        bool zf = (x86_get_flags(s) & X86_ZF) != 0;
        bool take = cx != 0 && (in->op == X86_OP_LOOP || (in->op == X86_OP_LOOPE ? zf : !zf));
        /* a LOOP to itself is a delay loop (ECX counts down to 0, then it
         * falls through), not a halt: as the 68000's DBcc and PowerPC's
         * bdnz to themselves */
        if (take) jump_near(s, next + d->imm, osz);
        break;
    }
    case X86_OP_JCXZ:
        if (areg(s, X86_ECX, d->adsize) == 0) {
            jump_near(s, next + d->imm, osz);
            if (s->eip == s->insn_eip) return EX_SELF;
        }
        break;
    case X86_OP_INT: tr->vector = (int)(d->imm & 0xFF); tr->soft = true; tr->ret = next; return EX_TRAP;
    case X86_OP_INT3: tr->vector = X86_EXC_BP; tr->soft = true; tr->ret = next; return EX_TRAP;
    case X86_OP_INTO:
        if (x86_get_flags(s) & X86_OF) {
            tr->vector = X86_EXC_OF;
            tr->soft = true;
            tr->ret = next;
            return EX_TRAP;
        }
        break;
    case X86_OP_INT1: tr->vector = X86_EXC_DB; tr->soft = false; tr->ret = next; return EX_TRAP;
    case X86_OP_UD: { ud(s); return EX_OK; } break;
    case X86_OP_HLT: return EX_HLT;
    case X86_OP_NOP: break;
    case X86_OP_WAIT:
        if ((s->cr0 & (X86_CR0_TS | X86_CR0_MP)) == (X86_CR0_TS | X86_CR0_MP)) { x86_fault(s, X86_EXC_NM, 0, false); return EX_OK; }
        break;
    case X86_OP_ESC:
        if (s->cr0 & (X86_CR0_EM | X86_CR0_TS)) { x86_fault(s, X86_EXC_NM, 0, false); return EX_OK; }
        { ud(s); return EX_OK; } /* no coprocessor: vlab raises #UD where a 386 without a 387 would hang */
        break;
    case X86_OP_CLC: s->eflags = flags_now(s) & ~X86_CF; break;
    case X86_OP_STC: s->eflags = flags_now(s) | X86_CF; break;
    case X86_OP_CMC: s->eflags = flags_now(s) ^ X86_CF; break;
    case X86_OP_CLD: s->eflags &= ~X86_DF; break;
    case X86_OP_STD: s->eflags |= X86_DF; break;
    case X86_OP_CLI: iopl_check(s); s->eflags &= ~X86_IF; break;
    case X86_OP_STI: {
        iopl_check(s);
        if (X86_PENDING(s)) return EX_OK;
        bool was = s->eflags & X86_IF;
        s->eflags |= X86_IF;
        if (!was) return EX_INHIBIT;
        break;
    }
    case X86_OP_MOVS: case X86_OP_CMPS: case X86_OP_STOS: case X86_OP_LODS: case X86_OP_SCAS:
        if (!string_insn(s, d, osz)) return EX_AGAIN;
        break;
    case X86_OP_INS: case X86_OP_OUTS:
        if (!io_check(s, s->r[X86_EDX] & 0xFFFF, osz)) return EX_OK;
        if (!string_insn(s, d, osz)) return EX_AGAIN;
        break;
    case X86_OP_IN: {
        uint32_t port = o[1] == X86_O_DX ? s->r[X86_EDX] & 0xFFFF : d->imm & 0xFF;
        if (!io_check(s, port, osz)) return EX_OK;
        uint32_t v = 0;
        vl_io_read(s->c.m, port, osz, &v);
        reg_wr(s, X86_EAX, osz, v);
        break;
    }
    case X86_OP_OUT: {
        uint32_t port = o[0] == X86_O_DX ? s->r[X86_EDX] & 0xFFFF : d->imm & 0xFF;
        if (!io_check(s, port, osz)) return EX_OK;
        vl_io_write(s->c.m, port, osz, reg_rd(s, X86_EAX, osz));
        break;
    }
    case X86_OP_LGDT: case X86_OP_LIDT: {
        uint32_t off = ea_off(s, d);
        int sg = ea_seg(d);
        uint32_t limit = x86_rd(s, sg, off, 2), base = x86_rd(s, sg, off + 2, 4);
        if (d->opsize == 2) base &= 0x00FFFFFFu;
        if (X86_PENDING(s)) return EX_OK; /* GDTR and IDTR are outside the undo record */
        if (in->op == X86_OP_LGDT) {
            s->gdtr_base = base;
            s->gdtr_limit = (uint16_t)limit;
        } else {
            s->idtr_base = base;
            s->idtr_limit = (uint16_t)limit;
        }
        break;
    }
    case X86_OP_SGDT: case X86_OP_SIDT: {
        uint32_t off = ea_off(s, d);
        int sg = ea_seg(d);
        uint32_t base = in->op == X86_OP_SGDT ? s->gdtr_base : s->idtr_base;
        uint32_t limit = in->op == X86_OP_SGDT ? s->gdtr_limit : s->idtr_limit;
        if (d->opsize == 2) base &= 0x00FFFFFFu;
        x86_wr(s, sg, off, 2, limit);
        x86_wr(s, sg, off + 2, 4, base);
        break;
    }
    case X86_OP_SLDT: case X86_OP_STR: {
        uint32_t v = in->op == X86_OP_SLDT ? s->ldtr.sel : s->tr.sel;
        if (d->mod == 3) reg_wr(s, d->rm, d->opsize, v);
        else x86_wr(s, ea_seg(d), ea_off(s, d), 2, v);
        break;
    }
    case X86_OP_LLDT: {
        uint16_t sel = (uint16_t)opd_rd(s, d, o[0]);
        if (X86_PENDING(s)) return EX_OK; /* LDTR and TR are outside the undo record */
        if (!(sel & ~3u)) {
            s->ldtr.sel = sel;
            s->ldtr.attr = 0;
            break;
        }
        uint32_t lo, hi;
        if ((sel & 4) || !x86_read_descriptor(s, sel, &lo, &hi)) { x86_fault(s, X86_EXC_GP, sel & ~3u, true); return EX_OK; }
        x86_seg g = x86_seg_from_desc(sel, lo, hi);
        if ((g.attr & X86_A_S) || (g.attr & X86_A_TYPE) != X86_SYS_LDT) { x86_fault(s, X86_EXC_GP, sel & ~3u, true); return EX_OK; }
        if (!(g.attr & X86_A_P)) { x86_fault(s, X86_EXC_NP, sel & ~3u, true); return EX_OK; }
        if (X86_PENDING(s)) return EX_OK;
        s->ldtr = g;
        break;
    }
    case X86_OP_LTR: {
        uint16_t sel = (uint16_t)opd_rd(s, d, o[0]);
        uint32_t lo, hi;
        if (X86_PENDING(s)) return EX_OK;
        if (!(sel & ~3u)) { x86_fault(s, X86_EXC_GP, 0, true); return EX_OK; }
        if ((sel & 4) || !x86_read_descriptor(s, sel, &lo, &hi)) { x86_fault(s, X86_EXC_GP, sel & ~3u, true); return EX_OK; }
        x86_seg g = x86_seg_from_desc(sel, lo, hi);
        unsigned type = g.attr & X86_A_TYPE;
        if ((g.attr & X86_A_S) || (type != X86_SYS_TSS16 && type != X86_SYS_TSS32))
            { x86_fault(s, X86_EXC_GP, sel & ~3u, true); return EX_OK; }
        if (!(g.attr & X86_A_P)) { x86_fault(s, X86_EXC_NP, sel & ~3u, true); return EX_OK; }
        /* busy, in the GDT too */
        if (X86_PENDING(s)) return EX_OK;
        x86_wr_lin(s, s->gdtr_base + (sel & ~7u) + 4, 4, hi | 0x200, false);
        if (X86_PENDING(s)) return EX_OK;
        g.attr |= 0x2;
        s->tr = g;
        break;
    }
    case X86_OP_LMSW: {
        uint32_t v = opd_rd(s, d, o[0]) & 0xF;
        if (X86_PENDING(s)) return EX_OK;
        /* LMSW sets PE but never clears it */
        uint32_t g = guest_cr0(s);
        write_cr0(s, (g & ~0xEu) | v | (g & X86_CR0_PE));
        break;
    }
    case X86_OP_SMSW:
        if (d->mod == 3) reg_wr(s, d->rm, d->opsize, guest_cr0(s));
        else x86_wr(s, ea_seg(d), ea_off(s, d), 2, guest_cr0(s) & 0xFFFF);
        break;
    case X86_OP_CLTS:
        if (VL_UNLIKELY(s->cr0_own & X86_CR0_TS)) {
            if (s->cr0_shadow & X86_CR0_TS) { hw_exit(s, X86_HWEXIT_CR); return EX_OK; } /* it would change the owned TS */
            break;
        }
        s->cr0 &= ~X86_CR0_TS;
        break;
    case X86_OP_MOV_FROM_CR: {
        uint32_t v;
        switch (d->regf) {
        case 0: v = guest_cr0(s); break;
        case 2: v = s->cr2; break;
        case 3: v = s->cr3; break;
        case 4: if (s->variant != X86_PENTIUM) { ud(s); return EX_OK; } v = guest_cr4(s); break;
        default: { ud(s); return EX_OK; }
        }
        s->r[d->rm] = v;
        break;
    }
    case X86_OP_MOV_TO_CR: {
        uint32_t v = s->r[d->rm];
        switch (d->regf) {
        case 0: write_cr0(s, v); break;
        case 2: s->cr2 = v; break;
        case 3:
            if (VL_UNLIKELY(s->cr3_exit)) { hw_exit(s, X86_HWEXIT_CR); return EX_OK; }
            s->cr3 = v & 0xFFFFF018u;
            x86_tlb_flush(s);
            break;
        case 4:
            if (s->variant != X86_PENTIUM) { ud(s); return EX_OK; }
            if (v & ~0x5Fu) { x86_fault(s, X86_EXC_GP, 0, true); return EX_OK; }
            if (VL_UNLIKELY(s->cr4_own)) {
                if ((v ^ s->cr4_shadow) & s->cr4_own) { hw_exit(s, X86_HWEXIT_CR); return EX_OK; }
                v = (v & ~s->cr4_own) | (s->cr4 & s->cr4_own);
            }
            if ((v ^ s->cr4) & X86_CR4_PSE) x86_tlb_flush(s);
            s->cr4 = v;
            break;
        default: { ud(s); return EX_OK; }
        }
        break;
    }
    case X86_OP_MOV_FROM_DR: case X86_OP_MOV_TO_DR: {
        int n = d->regf;
        if (n == 4 || n == 5) {
            if (s->variant == X86_PENTIUM && (s->cr4 & X86_CR4_DE)) { ud(s); return EX_OK; }
            n += 2; /* DR4/DR5 alias DR6/DR7 */
        }
        if (in->op == X86_OP_MOV_FROM_DR) s->r[d->rm] = s->dr[n];
        else s->dr[n] = s->r[d->rm];
        break;
    }
    case X86_OP_MOV_FROM_TR: case X86_OP_MOV_TO_TR:
        if (d->regf != 6 && d->regf != 7) { ud(s); return EX_OK; }
        if (in->op == X86_OP_MOV_FROM_TR) s->r[d->rm] = d->regf == 6 ? s->tr6 : s->tr7;
        else if (d->regf == 6) s->tr6 = s->r[d->rm];
        else s->tr7 = s->r[d->rm];
        break;
    case X86_OP_LAR: case X86_OP_LSL: case X86_OP_VERR: case X86_OP_VERW: {
        uint16_t sel = (uint16_t)opd_rd(s, d, in->op == X86_OP_LAR || in->op == X86_OP_LSL ? o[1] : o[0]);
        int what = in->op == X86_OP_LAR ? 0 : in->op == X86_OP_LSL ? 1 : in->op == X86_OP_VERR ? 2 : 3;
        uint32_t lo = 0, hi = 0;
        bool ok = x86_desc_visible(s, sel, what, &lo, &hi);
        uint32_t f = flags_now(s) & ~X86_ZF;
        if (ok) {
            f |= X86_ZF;
            if (what == 0) reg_wr(s, d->regf, osz, hi & (osz == 2 ? 0xFF00u : 0x00FFFF00u));
            if (what == 1) {
                uint32_t limit = (lo & 0xFFFF) | (hi & 0x000F0000u);
                if (hi & 0x00800000u) limit = limit << 12 | 0xFFF;
                reg_wr(s, d->regf, osz, limit);
            }
        }
        s->eflags = f;
        break;
    }
    case X86_OP_ARPL: {
        uint32_t a = opd_rd(s, d, o[0]), b = opd_rd(s, d, o[1]);
        uint32_t f = flags_now(s) & ~X86_ZF;
        if ((a & 3) < (b & 3)) {
            opd_wr(s, d, o[0], (a & ~3u) | (b & 3));
            f |= X86_ZF;
        }
        s->eflags = f;
        break;
    }
    case X86_OP_INVD: case X86_OP_WBINVD: break; /* no caches modelled */
    case X86_OP_INVLPG: {
        int sg = ea_seg(d);
        x86_tlb_flush_page(s, s->seg[sg].base + ea_off(s, d));
        break;
    }
    case X86_OP_CPUID: cpuid(s); break;
    case X86_OP_RDTSC: {
        if ((s->cr4 & X86_CR4_TSD) && pm(s) && s->cpl != 0) { x86_fault(s, X86_EXC_GP, 0, true); return EX_OK; }
        uint64_t t = tsc(s);
        s->r[X86_EAX] = (uint32_t)t;
        s->r[X86_EDX] = (uint32_t)(t >> 32);
        break;
    }
    case X86_OP_RDMSR: case X86_OP_WRMSR: {
        uint32_t n = s->r[X86_ECX];
        bool rd = in->op == X86_OP_RDMSR;
        if (n == 0x10) {
            if (rd) {
                uint64_t t = tsc(s);
                s->r[X86_EAX] = (uint32_t)t;
                s->r[X86_EDX] = (uint32_t)(t >> 32);
            } else {
                uint64_t t = (uint64_t)s->r[X86_EDX] << 32 | s->r[X86_EAX];
                s->tsc_base = t - s->c.icount;
            }
        } else if (n == 0 || n == 1) {
            /* machine-check address and type: nothing was ever recorded */
            if (rd) s->r[X86_EAX] = s->r[X86_EDX] = 0;
        } else {
            { x86_fault(s, X86_EXC_GP, 0, true); return EX_OK; }
        }
        break;
    }
    case X86_OP_ILLEGAL: case X86_OP_COUNT: default:
        { ud(s); return EX_OK; }
    }
    return EX_OK;
}

/* ---- fast handlers ------------------------------------------------------------------------------- *
 * The most frequent forms of compiled code (32-bit operands and addresses,
 * no LOCK), chosen from the table row when an instruction enters the decode
 * cache. Each does what execute() does for its form, and makes every access
 * that can fault before it changes any state, and returns when it faulted
 * (X86_PENDING), so that it needs no undo record. */

/* A fast handler returns the EIP of the next instruction: next (the
 * fall-through, also in s->eip) or the target it stored in s->eip. */
typedef uint32_t (*fast_fn)(x86_cpu *s, const x86_decoded *d, uint32_t next);
static void save_undo(x86_cpu *s);

static inline uint32_t ea32(const x86_cpu *s, const x86_decoded *d) {
    uint32_t a = d->disp;
    if (d->base >= 0) a += s->r[d->base];
    if (d->index >= 0) a += s->r[d->index] << d->scale;
    return a;
}
/* A fast handler's store: its last access that can fault, so that once it
 * is done nothing rolls the instruction back and its old bytes need no
 * write-log entry under intercept (the log is for execute()'s forms that
 * store, then fault: ENTER, PUSHA, a far CALL...) */
static inline void wr_last(x86_cpu *s, int sr, uint32_t off, int size, uint32_t v) {
    x86_wr_as(s, sr, off, size, v, false);
}


/* A fast handler's memory operand in the windows (x86_cpu.win_rd): its
 * bytes when the window of segment register sr for reads (write false)
 * or writes (inside the read one) holds [off, off + size) and they do not
 * cross a page (x86_rd and x86_wr take those the checked way); NULL
 * otherwise, and the handler runs its checked form c_* instead, from the
 * start (REDO): it has changed nothing yet, and a tail call needs no frame
 * in the fast form. */
static inline uint8_t *win(x86_cpu *s, int sr, uint32_t off, unsigned size, bool write) {
    bool in = write ? (uint64_t)(uint32_t)(off - s->win_wr_lo[sr]) + size <= s->win_wr[sr]
                    : (uint64_t)off + size <= s->win_rd[sr];
    if (VL_LIKELY(in && ((s->win_base[sr] + off) & 0xFFF) + size <= 0x1000u)) return s->win_host[sr] + off;
    return NULL;
}
#define REDO(CHK)       \
    do {                \
        CHK(s, d);      \
        return s->eip;  \
    } while (0)
#if defined(__GNUC__) && !defined(__clang__)
/* noipa: no clone taking other arguments (IPA-SRA), which a tail call cannot reach */
#define CHECKED static __attribute__((noinline, noipa)) void
#else
#define CHECKED static __attribute__((noinline)) void
#endif
static inline uint32_t rd_m32(x86_cpu *s, const x86_decoded *d) { return x86_rd(s, ea_seg(d), ea32(s, d), 4); }
/* The store of a handler that kept an undo record: once it is done the
 * record is stale (the fast loop clears it only when it starts, a fault of
 * the next instruction would put this one's old state back) */
static inline void wr_last_undone(x86_cpu *s, int sr, uint32_t off, uint32_t v) {
    wr_last(s, sr, off, 4, v);
    if (!X86_PENDING(s)) s->u_valid = false;
}

static uint32_t f_mov_rm_r(x86_cpu *s, const x86_decoded *d, uint32_t next) { s->r[d->rm] = s->r[d->regf]; return next; }
static uint32_t f_mov_r_rm(x86_cpu *s, const x86_decoded *d, uint32_t next) { s->r[d->regf] = s->r[d->rm]; return next; }
CHECKED c_mov_r_m(x86_cpu *s, const x86_decoded *d) {
    uint32_t v = rd_m32(s, d);
    if (X86_PENDING(s)) return;
    s->r[d->regf] = v;
}
static uint32_t f_mov_r_m(x86_cpu *s, const x86_decoded *d, uint32_t next) {
    const uint8_t *p = win(s, ea_seg(d), ea32(s, d), 4, false);
    if (VL_UNLIKELY(!p)) REDO(c_mov_r_m);
    s->r[d->regf] = x86_get_le(p, 4);
    return next;
}
CHECKED c_mov_m_r(x86_cpu *s, const x86_decoded *d) { wr_last(s, ea_seg(d), ea32(s, d), 4, s->r[d->regf]); }
static uint32_t f_mov_m_r(x86_cpu *s, const x86_decoded *d, uint32_t next) {
    uint8_t *p = win(s, ea_seg(d), ea32(s, d), 4, true);
    if (VL_UNLIKELY(!p)) REDO(c_mov_m_r);
    x86_put_le(p, 4, s->r[d->regf]);
    return next;
}
CHECKED c_mov_m_i(x86_cpu *s, const x86_decoded *d) { wr_last(s, ea_seg(d), ea32(s, d), 4, d->imm); }
static uint32_t f_mov_m_i(x86_cpu *s, const x86_decoded *d, uint32_t next) {
    uint8_t *p = win(s, ea_seg(d), ea32(s, d), 4, true);
    if (VL_UNLIKELY(!p)) REDO(c_mov_m_i);
    x86_put_le(p, 4, d->imm);
    return next;
}
static uint32_t f_mov_z_i(x86_cpu *s, const x86_decoded *d, uint32_t next) { s->r[d->opcode & 7] = d->imm; return next; }
static uint32_t f_lea(x86_cpu *s, const x86_decoded *d, uint32_t next) { s->r[d->regf] = ea32(s, d); return next; }

/* The two-operand ALU forms, one handler per operation and shape (the
 * operation a constant, so alu_inline() folds to it): r/m (register), reg;
 * reg, r/m (register or memory); r/m (register or memory), imm; eAX, imm.
 * CMP and TEST write nothing back; a memory destination reads and writes
 * after the undo record (the write may fault after the flags changed). */
#define ALU_FORMS(NAME, OP, WB)                                                             \
    static uint32_t f_##NAME##_rr(x86_cpu *s, const x86_decoded *d, uint32_t next) {        \
        uint32_t r = alu_inline(s, OP, s->r[d->rm], s->r[d->regf], 4);                      \
        if (WB) s->r[d->rm] = r;                                                            \
        return next;                                                                        \
    }                                                                                       \
    static uint32_t f_##NAME##_r_rm(x86_cpu *s, const x86_decoded *d, uint32_t next) {      \
        uint32_t r = alu_inline(s, OP, s->r[d->regf], s->r[d->rm], 4);                      \
        if (WB) s->r[d->regf] = r;                                                          \
        return next;                                                                        \
    }                                                                                       \
    CHECKED c_##NAME##_r_m(x86_cpu *s, const x86_decoded *d) {                              \
        uint32_t b = rd_m32(s, d);                                                          \
        if (X86_PENDING(s)) return;                                                         \
        uint32_t r = alu_inline(s, OP, s->r[d->regf], b, 4);                                \
        if (WB) s->r[d->regf] = r;                                                          \
    }                                                                                       \
    static uint32_t f_##NAME##_r_m(x86_cpu *s, const x86_decoded *d, uint32_t next) {       \
        const uint8_t *p = win(s, ea_seg(d), ea32(s, d), 4, false);                         \
        if (VL_UNLIKELY(!p)) REDO(c_##NAME##_r_m);                                          \
        uint32_t r = alu_inline(s, OP, s->r[d->regf], x86_get_le(p, 4), 4);                 \
        if (WB) s->r[d->regf] = r;                                                          \
        return next;                                                                        \
    }                                                                                       \
    CHECKED c_##NAME##_m_r(x86_cpu *s, const x86_decoded *d) {                              \
        uint32_t off = ea32(s, d);                                                          \
        if (WB) save_undo(s);                                                               \
        uint32_t a = x86_rd(s, ea_seg(d), off, 4);                                          \
        if (X86_PENDING(s)) return;                                                         \
        uint32_t r = alu_inline(s, OP, a, s->r[d->regf], 4);                                \
        if (WB) wr_last_undone(s, ea_seg(d), off, r);                                       \
    }                                                                                       \
    static uint32_t f_##NAME##_m_r(x86_cpu *s, const x86_decoded *d, uint32_t next) {       \
        uint8_t *p = win(s, ea_seg(d), ea32(s, d), 4, WB);                                  \
        if (VL_UNLIKELY(!p)) REDO(c_##NAME##_m_r);                                          \
        uint32_t r = alu_inline(s, OP, x86_get_le(p, 4), s->r[d->regf], 4);                 \
        if (WB) x86_put_le(p, 4, r);                                                        \
        return next;                                                                        \
    }                                                                                       \
    static uint32_t f_##NAME##_ri(x86_cpu *s, const x86_decoded *d, uint32_t next) {        \
        uint32_t r = alu_inline(s, OP, s->r[d->rm], d->imm, 4);                             \
        if (WB) s->r[d->rm] = r;                                                            \
        return next;                                                                        \
    }                                                                                       \
    CHECKED c_##NAME##_m_i(x86_cpu *s, const x86_decoded *d) {                              \
        uint32_t off = ea32(s, d);                                                          \
        if (WB) save_undo(s);                                                               \
        uint32_t a = x86_rd(s, ea_seg(d), off, 4);                                          \
        if (X86_PENDING(s)) return;                                                         \
        uint32_t r = alu_inline(s, OP, a, d->imm, 4);                                       \
        if (WB) wr_last_undone(s, ea_seg(d), off, r);                                       \
    }                                                                                       \
    static uint32_t f_##NAME##_m_i(x86_cpu *s, const x86_decoded *d, uint32_t next) {       \
        uint8_t *p = win(s, ea_seg(d), ea32(s, d), 4, WB);                                  \
        if (VL_UNLIKELY(!p)) REDO(c_##NAME##_m_i);                                          \
        uint32_t r = alu_inline(s, OP, x86_get_le(p, 4), d->imm, 4);                        \
        if (WB) x86_put_le(p, 4, r);                                                        \
        return next;                                                                        \
    }                                                                                       \
    static uint32_t f_##NAME##_a_i(x86_cpu *s, const x86_decoded *d, uint32_t next) {       \
        uint32_t r = alu_inline(s, OP, s->r[X86_EAX], d->imm, 4);                           \
        if (WB) s->r[X86_EAX] = r;                                                          \
        return next;                                                                        \
    }                                                                                       \
    static const fast_fn NAME##_forms[] = { f_##NAME##_rr, f_##NAME##_r_rm, f_##NAME##_r_m, \
                                            f_##NAME##_m_r, f_##NAME##_ri, f_##NAME##_m_i, f_##NAME##_a_i };

ALU_FORMS(add, X86_OP_ADD, 1)
ALU_FORMS(or, X86_OP_OR, 1)
ALU_FORMS(adc, X86_OP_ADC, 1)
ALU_FORMS(sbb, X86_OP_SBB, 1)
ALU_FORMS(and, X86_OP_AND, 1)
ALU_FORMS(sub, X86_OP_SUB, 1)
ALU_FORMS(xor, X86_OP_XOR, 1)
ALU_FORMS(cmp, X86_OP_CMP, 0)
ALU_FORMS(test, X86_OP_TEST, 0)
#undef ALU_FORMS

enum { FORM_RR, FORM_R_RM, FORM_R_M, FORM_M_R, FORM_RI, FORM_M_I, FORM_A_I };

static const fast_fn *alu_forms(int op) {
    switch (op) {
    case X86_OP_ADD: return add_forms;
    case X86_OP_OR: return or_forms;
    case X86_OP_ADC: return adc_forms;
    case X86_OP_SBB: return sbb_forms;
    case X86_OP_AND: return and_forms;
    case X86_OP_SUB: return sub_forms;
    case X86_OP_XOR: return xor_forms;
    case X86_OP_CMP: return cmp_forms;
    case X86_OP_TEST: return test_forms;
    default: return NULL;
    }
}

/* INC and DEC, one handler each: the operation a constant; 16-bit ones
 * too for a register in the opcode (a loop counter in a 16-bit int) */
static inline __attribute__((always_inline)) void f_incdec(x86_cpu *s, bool inc, int n, int sz) {
    uint32_t a = reg_rd(s, n, sz), cf = cf_now(s);
    uint32_t r = (inc ? a + 1 : a - 1) & MASK(sz);
    reg_wr(s, n, sz, r);
    lazy(s, inc ? X86_LF_INC : X86_LF_DEC, a, 1, r, sz);
    s->lf_cf = cf;
}
static uint32_t f_inc_z(x86_cpu *s, const x86_decoded *d, uint32_t next) { f_incdec(s, true, d->opcode & 7, 4); return next; }
static uint32_t f_dec_z(x86_cpu *s, const x86_decoded *d, uint32_t next) { f_incdec(s, false, d->opcode & 7, 4); return next; }
static uint32_t f_inc_rm(x86_cpu *s, const x86_decoded *d, uint32_t next) { f_incdec(s, true, d->rm, 4); return next; }
static uint32_t f_dec_rm(x86_cpu *s, const x86_decoded *d, uint32_t next) { f_incdec(s, false, d->rm, 4); return next; }
static uint32_t f_inc16_z(x86_cpu *s, const x86_decoded *d, uint32_t next) { f_incdec(s, true, d->opcode & 7, 2); return next; }
static uint32_t f_dec16_z(x86_cpu *s, const x86_decoded *d, uint32_t next) { f_incdec(s, false, d->opcode & 7, 2); return next; }

/* PUSH, POP, CALL and RET: the fast forms on a 32-bit stack */
CHECKED c_push_z(x86_cpu *s, const x86_decoded *d) { push_as(s, 4, s->r[d->opcode & 7], false); }
static uint32_t f_push_z(x86_cpu *s, const x86_decoded *d, uint32_t next) {
    uint32_t sp = s->r[X86_ESP] - 4;
    uint8_t *p = big_stack(s) ? win(s, X86_SS, sp, 4, true) : NULL;
    if (VL_UNLIKELY(!p)) REDO(c_push_z);
    x86_put_le(p, 4, s->r[d->opcode & 7]);
    s->r[X86_ESP] = sp;
    return next;
}
CHECKED c_pop_z(x86_cpu *s, const x86_decoded *d) {
    uint32_t v = pop(s, 4); /* POP ESP: the popped value wins */
    if (X86_PENDING(s)) return;
    s->r[d->opcode & 7] = v;
}
static uint32_t f_pop_z(x86_cpu *s, const x86_decoded *d, uint32_t next) {
    const uint8_t *p = big_stack(s) ? win(s, X86_SS, s->r[X86_ESP], 4, false) : NULL;
    if (VL_UNLIKELY(!p)) REDO(c_pop_z);
    s->r[X86_ESP] += 4;
    s->r[d->opcode & 7] = x86_get_le(p, 4);
    return next;
}

/* A near jump of 32-bit operand size to t, as jump_near(): its new EIP. A
 * jump to itself ends the run (as execute()'s EX_SELF): noted for the
 * boundary. */
static inline uint32_t jump32(x86_cpu *s, uint32_t t, uint32_t next) {
    if (VL_UNLIKELY(t > s->seg[X86_CS].limit)) {
        x86_fault(s, X86_EXC_GP, 0, true);
        return next;
    }
    s->eip = t;
    if (VL_UNLIKELY(t == s->insn_eip)) {
        s->self_jump = true;
        s->attn = true;
    }
    return t;
}
/* Jcc, one handler per condition: cond_inline() folds to its test */
#define JCC_FORM(CC)                                                                       \
    static uint32_t f_jcc_##CC(x86_cpu *s, const x86_decoded *d, uint32_t next) {          \
        return cond_inline(s, 0x##CC) ? jump32(s, next + d->imm, next) : next;             \
    }
JCC_FORM(0) JCC_FORM(1) JCC_FORM(2) JCC_FORM(3) JCC_FORM(4) JCC_FORM(5) JCC_FORM(6) JCC_FORM(7)
JCC_FORM(8) JCC_FORM(9) JCC_FORM(A) JCC_FORM(B) JCC_FORM(C) JCC_FORM(D) JCC_FORM(E) JCC_FORM(F)
#undef JCC_FORM
static const fast_fn jcc_forms[16] = { f_jcc_0, f_jcc_1, f_jcc_2, f_jcc_3, f_jcc_4, f_jcc_5, f_jcc_6, f_jcc_7,
                                       f_jcc_8, f_jcc_9, f_jcc_A, f_jcc_B, f_jcc_C, f_jcc_D, f_jcc_E, f_jcc_F };
static uint32_t f_jmp(x86_cpu *s, const x86_decoded *d, uint32_t next) { return jump32(s, next + d->imm, next); }
CHECKED c_call(x86_cpu *s, const x86_decoded *d) {
    uint32_t t = s->eip + d->imm;
    if (t > s->seg[X86_CS].limit) {
        x86_fault(s, X86_EXC_GP, 0, true);
        return;
    }
    push_as(s, 4, s->eip, false);
    s->eip = t;
}
static uint32_t f_call(x86_cpu *s, const x86_decoded *d, uint32_t next) {
    uint32_t t = next + d->imm, sp = s->r[X86_ESP] - 4;
    uint8_t *p = big_stack(s) && t <= s->seg[X86_CS].limit ? win(s, X86_SS, sp, 4, true) : NULL;
    if (VL_UNLIKELY(!p)) REDO(c_call);
    x86_put_le(p, 4, next);
    s->r[X86_ESP] = sp;
    s->eip = t;
    return t;
}
CHECKED c_ret(x86_cpu *s, const x86_decoded *d) {
    (void)d;
    uint32_t t = peek(s, 0, 4);
    if (X86_PENDING(s)) return;
    if (t > s->seg[X86_CS].limit) {
        x86_fault(s, X86_EXC_GP, 0, true);
        return;
    }
    pop(s, 4);
    s->eip = t;
}
static uint32_t f_ret(x86_cpu *s, const x86_decoded *d, uint32_t next) {
    const uint8_t *p = big_stack(s) ? win(s, X86_SS, s->r[X86_ESP], 4, false) : NULL;
    if (VL_UNLIKELY(!p)) REDO(c_ret);
    uint32_t t = x86_get_le(p, 4);
    if (VL_UNLIKELY(t > s->seg[X86_CS].limit)) REDO(c_ret);
    s->r[X86_ESP] += 4;
    s->eip = t;
    return t;
}

/* Byte moves and byte compares with an immediate (compiled code's char
 * arrays), MOVZX/MOVSX, shifts of a register, the one-operand group 3 on a
 * register, CDQ/CWDE, NOP. */
static uint32_t f_movb_rm_r(x86_cpu *s, const x86_decoded *d, uint32_t next) {
    reg_wr(s, d->rm, 1, reg_rd(s, d->regf, 1));
    return next;
}
CHECKED c_movb_m_r(x86_cpu *s, const x86_decoded *d) { wr_last(s, ea_seg(d), ea32(s, d), 1, reg_rd(s, d->regf, 1)); }
static uint32_t f_movb_m_r(x86_cpu *s, const x86_decoded *d, uint32_t next) {
    uint8_t *p = win(s, ea_seg(d), ea32(s, d), 1, true);
    if (VL_UNLIKELY(!p)) REDO(c_movb_m_r);
    *p = (uint8_t)reg_rd(s, d->regf, 1);
    return next;
}
static uint32_t f_movb_r_rm(x86_cpu *s, const x86_decoded *d, uint32_t next) {
    reg_wr(s, d->regf, 1, reg_rd(s, d->rm, 1));
    return next;
}
CHECKED c_movb_r_m(x86_cpu *s, const x86_decoded *d) {
    uint32_t v = x86_rd(s, ea_seg(d), ea32(s, d), 1);
    if (X86_PENDING(s)) return;
    reg_wr(s, d->regf, 1, v);
}
static uint32_t f_movb_r_m(x86_cpu *s, const x86_decoded *d, uint32_t next) {
    const uint8_t *p = win(s, ea_seg(d), ea32(s, d), 1, false);
    if (VL_UNLIKELY(!p)) REDO(c_movb_r_m);
    reg_wr(s, d->regf, 1, *p);
    return next;
}
CHECKED c_movb_m_i(x86_cpu *s, const x86_decoded *d) { wr_last(s, ea_seg(d), ea32(s, d), 1, d->imm & 0xFF); }
static uint32_t f_movb_m_i(x86_cpu *s, const x86_decoded *d, uint32_t next) {
    uint8_t *p = win(s, ea_seg(d), ea32(s, d), 1, true);
    if (VL_UNLIKELY(!p)) REDO(c_movb_m_i);
    *p = (uint8_t)d->imm;
    return next;
}
static uint32_t f_cmpb_rm_i(x86_cpu *s, const x86_decoded *d, uint32_t next) {
    alu_inline(s, X86_OP_CMP, reg_rd(s, d->rm, 1), d->imm & 0xFF, 1);
    return next;
}
CHECKED c_cmpb_m_i(x86_cpu *s, const x86_decoded *d) {
    uint32_t a = x86_rd(s, ea_seg(d), ea32(s, d), 1);
    if (X86_PENDING(s)) return;
    alu_inline(s, X86_OP_CMP, a, d->imm & 0xFF, 1);
}
static uint32_t f_cmpb_m_i(x86_cpu *s, const x86_decoded *d, uint32_t next) {
    const uint8_t *p = win(s, ea_seg(d), ea32(s, d), 1, false);
    if (VL_UNLIKELY(!p)) REDO(c_cmpb_m_i);
    alu_inline(s, X86_OP_CMP, *p, d->imm & 0xFF, 1);
    return next;
}
/* MOVZX/MOVSX: the source size from the row (Eb or Ew) */
static inline int ext_size(const x86_decoded *d) { return d->in->opd[1] == X86_O_EB ? 1 : 2; }
static inline uint32_t ext(const x86_decoded *d, uint32_t v) {
    return d->in->op == X86_OP_MOVSX ? SEXT(v, ext_size(d)) : v;
}
static uint32_t f_movx_r_rm(x86_cpu *s, const x86_decoded *d, uint32_t next) {
    s->r[d->regf] = ext(d, reg_rd(s, d->rm, ext_size(d)));
    return next;
}
CHECKED c_movx_r_m(x86_cpu *s, const x86_decoded *d) {
    uint32_t v = x86_rd(s, ea_seg(d), ea32(s, d), ext_size(d));
    if (X86_PENDING(s)) return;
    s->r[d->regf] = ext(d, v);
}
static uint32_t f_movx_r_m(x86_cpu *s, const x86_decoded *d, uint32_t next) {
    const uint8_t *p = win(s, ea_seg(d), ea32(s, d), (unsigned)ext_size(d), false);
    if (VL_UNLIKELY(!p)) REDO(c_movx_r_m);
    s->r[d->regf] = ext(d, x86_get_le(p, ext_size(d)));
    return next;
}
/* Shifts of a register, one handler per operation and count operand (1,
 * CL, an immediate): shift_inline() folds to the one operation. A count
 * of 0 changes nothing, flags included. */
#define SHIFT_FORMS(NAME, OP)                                                               \
    static uint32_t f_##NAME##_1(x86_cpu *s, const x86_decoded *d, uint32_t next) {         \
        s->r[d->rm] = shift_inline(s, OP, s->r[d->rm], 1, 4);                               \
        return next;                                                                        \
    }                                                                                       \
    static uint32_t f_##NAME##_cl(x86_cpu *s, const x86_decoded *d, uint32_t next) {        \
        s->r[d->rm] = shift_inline(s, OP, s->r[d->rm], s->r[X86_ECX] & 0x1F, 4);            \
        return next;                                                                        \
    }                                                                                       \
    static uint32_t f_##NAME##_i(x86_cpu *s, const x86_decoded *d, uint32_t next) {         \
        s->r[d->rm] = shift_inline(s, OP, s->r[d->rm], d->imm & 0x1F, 4);                   \
        return next;                                                                        \
    }                                                                                       \
    static const fast_fn NAME##_forms[3] = { f_##NAME##_1, f_##NAME##_cl, f_##NAME##_i };
SHIFT_FORMS(shl, X86_OP_SHL)
SHIFT_FORMS(shr, X86_OP_SHR)
SHIFT_FORMS(sar, X86_OP_SAR)
#undef SHIFT_FORMS
/* the handler of a shift of a register by its operation and count operand, NULL: none */
static fast_fn shift_form(const x86_decoded *d) {
    const uint8_t k = d->in->opd[1];
    const fast_fn *f = d->in->op == X86_OP_SHR ? shr_forms : d->in->op == X86_OP_SAR ? sar_forms : shl_forms;
    return f[k == X86_O_ONE ? 0 : k == X86_O_CL ? 1 : 2];
}
static uint32_t f_not_r(x86_cpu *s, const x86_decoded *d, uint32_t next) {
    s->r[d->rm] = ~s->r[d->rm];
    return next;
}
static uint32_t f_neg_r(x86_cpu *s, const x86_decoded *d, uint32_t next) {
    uint32_t a = s->r[d->rm];
    s->r[d->rm] = 0u - a;
    lazy(s, X86_LF_NEG, a, 0, s->r[d->rm], 4);
    return next;
}
static uint32_t f_mul_r(x86_cpu *s, const x86_decoded *d, uint32_t next) {
    uint32_t b = s->r[d->rm];
    bool sgn = d->in->op == X86_OP_IMUL1;
    uint64_t p = sgn ? (uint64_t)((int64_t)(int32_t)s->r[X86_EAX] * (int32_t)b) : (uint64_t)s->r[X86_EAX] * b;
    uint32_t lo = (uint32_t)p, hi = (uint32_t)(p >> 32);
    s->r[X86_EAX] = lo;
    s->r[X86_EDX] = hi;
    lazy(s, X86_LF_MUL, 0, 0, lo, 4);
    s->lf_cf = sgn ? (int64_t)p != (int32_t)lo : hi != 0;
    return next;
}
/* DIV and IDIV by a register (compiled code's / and %): #DE changes nothing */
static uint32_t f_div_r(x86_cpu *s, const x86_decoded *d, uint32_t next) {
    uint32_t b = s->r[d->rm];
    if (!b) {
        x86_fault(s, X86_EXC_DE, 0, false);
        return next;
    }
    div32(s, b, d->in->op == X86_OP_IDIV);
    return next;
}
static uint32_t f_imul_r_rm(x86_cpu *s, const x86_decoded *d, uint32_t next) {
    int64_t p = (int64_t)(int32_t)s->r[d->regf] * (int32_t)s->r[d->rm];
    s->r[d->regf] = (uint32_t)p;
    lazy(s, X86_LF_MUL, 0, 0, (uint32_t)p, 4);
    s->lf_cf = p != (int64_t)(int32_t)p;
    return next;
}
static uint32_t f_cdq(x86_cpu *s, const x86_decoded *d, uint32_t next) {
    (void)d;
    s->r[X86_EDX] = (s->r[X86_EAX] & 0x80000000u) ? 0xFFFFFFFFu : 0;
    return next;
}
static uint32_t f_cwde(x86_cpu *s, const x86_decoded *d, uint32_t next) {
    (void)d;
    s->r[X86_EAX] = SEXT(s->r[X86_EAX] & 0xFFFF, 2);
    return next;
}
static uint32_t f_nop(x86_cpu *s, const x86_decoded *d, uint32_t next) {
    (void)s;
    (void)d;
    return next;
}

/* Fused pairs: a CMP, TEST, SUB, ADD, AND of registers or an immediate or
 * an INC or DEC of a register, then a Jcc (compiled code's comparisons
 * and loop counters), in one call from the fast loop. The Jcc
 * is an instruction of its own in everything the guest can see: it is
 * counted, and not run here when the budget ends between the two or the
 * loop must look at the boundary between them (the loop runs it then, its
 * entry's own); insn_eip is its address for a
 * fault or a jump to itself. No fault, write or device can come between
 * them (the first touches registers and flags only). */
static inline __attribute__((always_inline)) uint32_t fused_jcc(x86_cpu *s, const x86_decoded *d, uint32_t next,
                                                                 unsigned cc) {
    /* attn: the loop must look at the boundary first; set before the pair
     * when the first ran right after STI or MOV SS, whose shadow ends there */
    if (VL_UNLIKELY(s->c.icount >= s->icount_end || s->attn)) return next;
    const x86_dce *e = (const x86_dce *)((const char *)d - offsetof(x86_dce, d));
    uint32_t after = next + e->len2;
    s->c.icount++;
    s->insn_eip = next;
    s->eip = after;
    return cond_inline(s, cc) ? jump32(s, after + e->imm2, after) : after;
}
#define FUSED_CC(NAME, FIRST, CC)                                                           \
    static uint32_t f_##NAME##_jcc_##CC(x86_cpu *s, const x86_decoded *d, uint32_t next) { \
        FIRST;                                                                             \
        return fused_jcc(s, d, next, 0x##CC);                                              \
    }
#define FUSED(NAME, FIRST)                                                                  \
    FUSED_CC(NAME, FIRST, 0) FUSED_CC(NAME, FIRST, 1) FUSED_CC(NAME, FIRST, 2)             \
    FUSED_CC(NAME, FIRST, 3) FUSED_CC(NAME, FIRST, 4) FUSED_CC(NAME, FIRST, 5)             \
    FUSED_CC(NAME, FIRST, 6) FUSED_CC(NAME, FIRST, 7) FUSED_CC(NAME, FIRST, 8)             \
    FUSED_CC(NAME, FIRST, 9) FUSED_CC(NAME, FIRST, A) FUSED_CC(NAME, FIRST, B)             \
    FUSED_CC(NAME, FIRST, C) FUSED_CC(NAME, FIRST, D) FUSED_CC(NAME, FIRST, E)             \
    FUSED_CC(NAME, FIRST, F)                                                               \
    static const fast_fn NAME##_jcc[16] = {                                                \
        f_##NAME##_jcc_0, f_##NAME##_jcc_1, f_##NAME##_jcc_2, f_##NAME##_jcc_3,            \
        f_##NAME##_jcc_4, f_##NAME##_jcc_5, f_##NAME##_jcc_6, f_##NAME##_jcc_7,            \
        f_##NAME##_jcc_8, f_##NAME##_jcc_9, f_##NAME##_jcc_A, f_##NAME##_jcc_B,            \
        f_##NAME##_jcc_C, f_##NAME##_jcc_D, f_##NAME##_jcc_E, f_##NAME##_jcc_F };
/* the first instructions: what their own handlers do (f_*_rr...) */
#define ALU(OP, DST, SRC) (DST = alu_inline(s, OP, DST, SRC, 4))
FUSED(cmp_rr, alu_inline(s, X86_OP_CMP, s->r[d->rm], s->r[d->regf], 4))
FUSED(cmp_r_rm, alu_inline(s, X86_OP_CMP, s->r[d->regf], s->r[d->rm], 4))
FUSED(cmp_ri, alu_inline(s, X86_OP_CMP, s->r[d->rm], d->imm, 4))
FUSED(cmp_a_i, alu_inline(s, X86_OP_CMP, s->r[X86_EAX], d->imm, 4))
FUSED(test_rr, alu_inline(s, X86_OP_TEST, s->r[d->rm], s->r[d->regf], 4))
FUSED(test_ri, alu_inline(s, X86_OP_TEST, s->r[d->rm], d->imm, 4))
FUSED(test_a_i, alu_inline(s, X86_OP_TEST, s->r[X86_EAX], d->imm, 4))
FUSED(sub_rr, ALU(X86_OP_SUB, s->r[d->rm], s->r[d->regf]))
FUSED(sub_ri, ALU(X86_OP_SUB, s->r[d->rm], d->imm))
FUSED(add_rr, ALU(X86_OP_ADD, s->r[d->rm], s->r[d->regf]))
FUSED(add_ri, ALU(X86_OP_ADD, s->r[d->rm], d->imm))
FUSED(and_ri, ALU(X86_OP_AND, s->r[d->rm], d->imm))
FUSED(inc_z, f_incdec(s, true, d->opcode & 7, 4))
FUSED(dec_z, f_incdec(s, false, d->opcode & 7, 4))
FUSED(dec16_z, f_incdec(s, false, d->opcode & 7, 2))
#undef ALU
#undef FUSED
#undef FUSED_CC

static const fast_fn inc_z_fn = f_inc_z, dec_z_fn = f_dec_z, dec16_z_fn = f_dec16_z;
/* The fused handler of a first instruction's handler a and a second's b
 * (a Jcc of condition cc), NULL when they do not pair. */
static fast_fn fused_for(fast_fn a, fast_fn b, unsigned cc) {
    static const struct {
        const fast_fn *first;
        const fast_fn *pair;
    } pairs[] = { { &cmp_forms[FORM_RR], cmp_rr_jcc },     { &cmp_forms[FORM_R_RM], cmp_r_rm_jcc },
                  { &cmp_forms[FORM_RI], cmp_ri_jcc },     { &cmp_forms[FORM_A_I], cmp_a_i_jcc },
                  { &test_forms[FORM_RR], test_rr_jcc },   { &test_forms[FORM_RI], test_ri_jcc },
                  { &test_forms[FORM_A_I], test_a_i_jcc }, { &sub_forms[FORM_RR], sub_rr_jcc },
                  { &sub_forms[FORM_RI], sub_ri_jcc },     { &add_forms[FORM_RR], add_rr_jcc },
                  { &add_forms[FORM_RI], add_ri_jcc },     { &and_forms[FORM_RI], and_ri_jcc },
                  { &inc_z_fn, inc_z_jcc },                { &dec_z_fn, dec_z_jcc },
                  { &dec16_z_fn, dec16_z_jcc } };
    if (b != jcc_forms[cc & 15]) return NULL;
    for (size_t i = 0; i < sizeof pairs / sizeof pairs[0]; i++)
        if (a == *pairs[i].first) return pairs[i].pair[cc & 15];
    return NULL;
}

/* The byte forms with a fast handler (32-bit addresses), NULL otherwise. */
static fast_fn fast_byte(const x86_decoded *d, bool reg, bool has_mem) {
    const uint8_t *o = d->in->opd;
    if (d->in->op == X86_OP_MOV) {
        if (o[0] == X86_O_EB && o[1] == X86_O_GB) return reg ? f_movb_rm_r : f_movb_m_r;
        if (o[0] == X86_O_GB && o[1] == X86_O_EB) return reg ? f_movb_r_rm : f_movb_r_m;
        if (o[0] == X86_O_EB && o[1] == X86_O_IB && has_mem) return f_movb_m_i;
    }
    if (d->in->op == X86_OP_CMP && o[0] == X86_O_EB && o[1] == X86_O_IB) return reg ? f_cmpb_rm_i : f_cmpb_m_i;
    return NULL;
}

/* The fast handler of a decoded instruction, NULL for execute(). */
static fast_fn fast_for(const x86_decoded *d) {
    const x86_insn *in = d->in;
    if (!in || in->cls != VL_CLASS_INNOCUOUS || d->lock || (in->flags & (X86_F_W | X86_F_PRIV | X86_F_PM)))
        return NULL;
    bool has_mem = d->has_modrm && d->mod != 3;
    if (has_mem && d->adsize != 4) return NULL;
    bool reg = d->has_modrm && d->mod == 3;
    if (in->flags & X86_F_BYTE) return fast_byte(d, reg, has_mem);
    if (in->op == X86_OP_NOP) return f_nop;
    if (d->opsize == 2 && (in->op == X86_OP_INC || in->op == X86_OP_DEC) && in->opd[0] == X86_O_ZV)
        return in->op == X86_OP_INC ? f_inc16_z : f_dec16_z;
    if (d->opsize != 4) return NULL;
    const uint8_t *o = in->opd;
    bool ev_gv = o[0] == X86_O_EV && o[1] == X86_O_GV, gv_ev = o[0] == X86_O_GV && o[1] == X86_O_EV;
    bool ev_imm = o[0] == X86_O_EV && (o[1] == X86_O_IV || o[1] == X86_O_IBS);
    bool a_imm = o[0] == X86_O_EAX && (o[1] == X86_O_IV || o[1] == X86_O_IBS);
    switch (in->op) {
    case X86_OP_MOV:
        if (ev_gv) return reg ? f_mov_rm_r : f_mov_m_r;
        if (gv_ev) return reg ? f_mov_r_rm : f_mov_r_m;
        if (o[0] == X86_O_ZV && o[1] == X86_O_IV) return f_mov_z_i;
        if (o[0] == X86_O_EV && o[1] == X86_O_IV && has_mem) return f_mov_m_i;
        return NULL;
    case X86_OP_LEA: return has_mem && o[0] == X86_O_GV ? f_lea : NULL;
    case X86_OP_ADD: case X86_OP_OR: case X86_OP_ADC: case X86_OP_SBB: case X86_OP_AND: case X86_OP_SUB:
    case X86_OP_XOR: case X86_OP_CMP: case X86_OP_TEST: {
        const fast_fn *f = alu_forms(in->op);
        if (ev_gv) return f[reg ? FORM_RR : FORM_M_R];
        if (gv_ev) return f[reg ? FORM_R_RM : FORM_R_M];
        if (ev_imm) return f[reg ? FORM_RI : FORM_M_I];
        if (a_imm) return f[FORM_A_I];
        return NULL;
    }
    case X86_OP_INC: case X86_OP_DEC:
        if (o[0] == X86_O_ZV) return in->op == X86_OP_INC ? f_inc_z : f_dec_z;
        if (o[0] != X86_O_EV || !reg) return NULL;
        return in->op == X86_OP_INC ? f_inc_rm : f_dec_rm;
    case X86_OP_PUSH: return o[0] == X86_O_ZV ? f_push_z : NULL;
    case X86_OP_POP: return o[0] == X86_O_ZV ? f_pop_z : NULL;
    case X86_OP_MOVZX: case X86_OP_MOVSX: return o[0] == X86_O_GV ? (reg ? f_movx_r_rm : f_movx_r_m) : NULL;
    case X86_OP_SHL: case X86_OP_SAL6: case X86_OP_SHR: case X86_OP_SAR:
        return reg && o[0] == X86_O_EV ? shift_form(d) : NULL;
    case X86_OP_NOT: return reg ? f_not_r : NULL;
    case X86_OP_NEG: return reg ? f_neg_r : NULL;
    case X86_OP_MUL: case X86_OP_IMUL1: return reg ? f_mul_r : NULL;
    case X86_OP_IMUL2: return reg && gv_ev ? f_imul_r_rm : NULL;
    case X86_OP_DIV: case X86_OP_IDIV: return reg && o[0] == X86_O_EV ? f_div_r : NULL;
    case X86_OP_CWD: return f_cdq;
    case X86_OP_CBW: return f_cwde;
    case X86_OP_JCC: return jcc_forms[d->opcode & 15];
    case X86_OP_JMP: return f_jmp;
    case X86_OP_CALL: return f_call;
    case X86_OP_RET: return o[0] == X86_O_NONE ? f_ret : NULL;
    default: return NULL;
    }
}

/* ---- fetching ------------------------------------------------------------------------------------ */

/* The instruction bytes at CS:EIP into buf (up to 15, fewer at the end of
 * CS or before a page that is not needed); faults for what is needed. */
static size_t fetch(x86_cpu *s, uint8_t *buf, bool *more_pages) {
    const x86_seg *cs = &s->seg[X86_CS];
    uint32_t eip = s->eip;
    /* a CS cache not present, which no load can give: the monitor's mark of
     * a segment the real CPU must not use (its base in the monitor region,
     * virt.c compress()): the fetch traps, as a data access through such a
     * cache does, instead of reading the region */
    if (eip > cs->limit || ((s->cr0 & X86_CR0_PE) && !(cs->attr & X86_A_P))) {
        x86_fault(s, X86_EXC_GP, 0, true);
        *more_pages = false;
        return 0;
    }
    uint32_t avail = cs->limit - eip + 1;
    if (avail > 15 || avail == 0) avail = 15;
    uint32_t lin = cs->base + eip;
    uint32_t in_page = 0x1000u - (lin & 0xFFF);
    uint32_t n = avail < in_page ? avail : in_page;
    x86_rd_lin_bytes(s, lin, buf, n, s->cpl == 3);
    *more_pages = n < avail;
    return n;
}

/* ---- the run loop ------------------------------------------------------------------------------------ */

static void save_undo(x86_cpu *s) {
    memcpy(s->u_r, s->r, sizeof s->r);
    s->u_eflags = s->eflags;
    s->u_lf_res = s->lf_res;
    s->u_lf_a = s->lf_a;
    s->u_lf_b = s->lf_b;
    s->u_lf_cf = s->lf_cf;
    s->u_lf_op = s->lf_op;
    s->u_lf_size = s->lf_size;
    s->u_valid = true;
    s->u_segs = false;
}

static void rollback(x86_cpu *s) {
    if (s->u_valid) {
        memcpy(s->r, s->u_r, sizeof s->r);
        s->eflags = s->u_eflags;
        s->lf_res = s->u_lf_res;
        s->lf_a = s->u_lf_a;
        s->lf_b = s->u_lf_b;
        s->lf_cf = s->u_lf_cf;
        s->lf_op = s->u_lf_op;
        s->lf_size = s->u_lf_size;
    }
    if (s->u_segs) {
        for (int i = 0; i < X86_NSEG; i++) s->seg[i] = s->u_seg[i];
        if (s->cpl != s->u_cpl) x86_tlb_flush(s);
        s->cpl = s->u_cpl;
        s->u_segs = false;
    }
    s->eip = s->insn_eip;
}

static vl_stop mkstop(int reason, uint32_t pc, int vector) {
    return (vl_stop){ .reason = (uint8_t)reason, .pc = pc, .vector = (int16_t)vector };
}

/* No handler for vector: the table entry is 0 (or outside the table).
 * Peeked at: a fault here would come back to take() for the same vector
 * forever; an entry the page tables do not map is delivered, and its #PF
 * taken as the manual says. */
static bool null_vector(x86_cpu *s, int vector) {
    uint32_t lo = 0, hi = 0;
    int r = x86_idt_peek(s, vector, &lo, &hi);
    return r < 0 || (r > 0 && lo == 0 && hi == 0);
}

/* Take exception v (from an instruction, a trap, or an interrupt): the
 * intercept and null-vector stops, else deliver it architecturally; a
 * fault during the delivery pends (s->delivering still set) for the
 * caller's settle(). true: the run stops (s->stop). */
/* Does exception v stop the run (intercept, narrowed by the hardware-assist
 * exception bitmap)? */
static inline bool intercepted(const x86_cpu *s, int v) {
    return s->c.intercept && (!s->c.exc_exits || vl_bit(s->c.exc_exits, (unsigned)v & 0xFF));
}

static bool take(x86_cpu *s, int v, bool has_code, uint32_t code, bool soft, bool ext, uint32_t ret, uint32_t pc) {
    vl_machine *m = s->c.m;
    /* "Exceptions do not return error codes in real-address mode" (SDM vol. 3, 8086 emulation) */
    if (!(s->cr0 & X86_CR0_PE)) has_code = false;
    if (intercepted(s, v) || (s->c.stop_on_null_vector && null_vector(s, v))) {
        s->x_ext = ext;
        s->c.exceptions++;
        s->c.last_vector = v;
        s->c.last_vector_pc = pc;
        s->stop = mkstop(VLAB_STOP_EXCEPTION, pc, v);
        if (has_code) {
            s->stop.code = code;
            s->stop.flags |= VLAB_STOP_HAS_CODE;
        }
        if (v == X86_EXC_PF) {
            s->stop.addr = s->f_addr;
            s->stop.flags |= VLAB_STOP_HAS_ADDR;
        }
        return true;
    }
    /* INT n with n = 14 is no page fault: CR2 stays. A fault while an INT
     * n, INT3 or INTO is delivered is a first exception, never a double
     * fault (Intel SDM vol. 3 6.15, interrupt 8: a second exception while
     * calling the handler of a prior exception; software interrupts are
     * not exceptions), so only exceptions are remembered for x86_combine. */
    if (v == X86_EXC_PF && !soft) s->cr2 = s->f_addr;
    s->pin = false; /* an event taken: the instruction is fetched again after it */
    s->delivering = soft ? 0 : v + 1;
    save_undo(s); /* a fault while delivering puts this state back */
    x86_deliver(s, v, has_code, code, soft, ext, ret);
    if (X86_PENDING(s)) return false;
    s->delivering = 0;
    s->halted = false;
    s->c.exceptions++;
    s->c.last_vector = v;
    s->c.last_vector_pc = pc;
    if (m->hook_mask & VLAB_EV_EXCEPTION) vl_event(m, VLAB_EV_EXCEPTION, (uint32_t)v, pc);
    if (m->hook_stop) {
        m->hook_stop = false;
        s->stop = mkstop(VLAB_STOP_BREAKPOINT, s->eip, v);
        return true;
    }
    return false;
}

/* A pending fault: a plain stop, or a fault to roll back and take. true: stop. */
static bool on_fault(x86_cpu *s) {
    if (s->f_vector < 0) {
        /* not modelled (seg.c): the state before the instruction, as for a
         * fault, so that the CPU stays at it; EIP already pointed past it */
        s->delivering = 0;
        rollback(s);
        return true;
    }
    int v = s->f_vector;
    uint32_t code = s->f_code;
    bool has = s->f_has_code;
    if (s->delivering) {
        /* a fault while delivering the exception delivering-1 */
        int first = s->delivering - 1;
        s->delivering = 0;
        rollback(s);
        /* EXT: the exception came from delivering an event external to
         * the program, "such as an interrupt or an earlier exception"
         * (Intel SDM vol. 3 6.13; software interrupts are never
         * delivering here) */
        if (v == X86_EXC_TS || v == X86_EXC_NP || v == X86_EXC_SS || v == X86_EXC_GP) code |= 1;
        /* the second fault happened: a page fault loads CR2 with its
         * address even when it becomes a double fault (or a shutdown),
         * which is how a #DF handler learns where delivery failed */
        if (v == X86_EXC_PF) s->cr2 = s->f_addr;
        int c = x86_combine(first, v);
        if (c < 0) {
            s->shutdown = true;
            s->stop = mkstop(VLAB_STOP_SHUTDOWN, s->insn_eip, X86_EXC_DF);
            return true;
        }
        if (c == X86_EXC_DF) {
            code = 0;
            has = true;
        }
        v = c;
    } else {
        rollback(s);
        if (intercepted(s, v)) {
            s->c.icount--; /* stopped before: not a step */
            x86_wlog_undo(s); /* and before its stores (x86_cpu.wlog) */
        }
    }
    return take(s, v, has, code, false, false, s->insn_eip, s->insn_eip);
}

/* Settle what pends: roll the instruction back and take its fault (which
 * may fault again while it is delivered: #DF, a shutdown), the accessors'
 * limits back. true: the run stops (s->stop). */
static bool settle(x86_cpu *s) {
    while (X86_PENDING(s)) {
        s->fpend = false;
        s->fast_lim = s->f_fast_lim;
        s->wr_lim = s->f_wr_lim;
        s->self_jump = false; /* a jump that faulted went nowhere */
        s->attn = true;
        s->cp_len = 0;
        if (on_fault(s)) return true;
    }
    return false;
}

/* Interrupts, HLT and the trace trap at an instruction boundary. 1: stop
 * (a delivery that faulted pends for the caller's settle()). */
static int boundary(x86_cpu *s) {
    vl_machine *m = s->c.m;
    if (m->hook_stop) {
        m->hook_stop = false;
        s->stop = mkstop(VLAB_STOP_BREAKPOINT, s->eip, -1);
        return 1;
    }
    if (s->shutdown) {
        s->stop = mkstop(VLAB_STOP_SHUTDOWN, s->eip, -1);
        return 1;
    }
    if (s->inhibit_irq) {
        s->inhibit_irq = false;
        s->x_inhibit_ic = s->c.icount + 1;
        return 0;
    }
    if (s->c.irq_level && (s->eflags & X86_IF)) {
        int v = s->c.irq_vector ? s->c.irq_vector : 0x20;
        s->halted = false;
        s->c.interrupts++;
        s->insn_eip = s->eip;
        save_undo(s);
        if (take(s, v, false, 0, false, true, s->eip, s->eip)) return 1;
        return 0;
    }
    if (s->halted) {
        s->stop = mkstop(VLAB_STOP_IDLE, s->eip, -1);
        return 1;
    }
    return 0;
}

/* Decode the 16 bytes at p into cache entry e for tag (linear address | (big ? 2 : 1) << 32). */
static void dcache_fill(x86_cpu *s, x86_dce *e, uint64_t tag, const uint8_t *p) {
    if (x86_decode(s->variant, p, 15, (tag >> 32) == 2, &e->d) < 0) {
        /* 15 bytes do not hold it: longer than 15, #GP(0) (SDM 2.3.11), and
         * all 15 compared when it runs again */
        e->d.in = NULL;
        e->d.len = 16;
    }
    e->fast = e->loop = fast_for(&e->d);
    e->len2 = 0;
    unsigned cover = e->d.len <= 15 ? e->d.len : 15;
    if ((tag >> 32) == 2 && e->fast) {
        /* a CMP or TEST and the Jcc after it, in the bytes at hand */
        x86_decoded b;
        fast_fn fused;
        if (x86_decode(s->variant, p + cover, 15 - cover, true, &b) == 0 && b.in &&
            (fused = fused_for(e->fast, fast_for(&b), b.opcode & 15)) != NULL) {
            e->loop = fused;
            e->imm2 = b.imm;
            e->len2 = b.len;
            cover += b.len;
        }
    }
    uint8_t m[16] = { 0 };
    memset(m, 0xFF, cover);
    memcpy(&e->w[0], p, 8);
    memcpy(&e->w[1], p + 8, 8);
    memcpy(&e->mask[0], m, 8);
    memcpy(&e->mask[1], m + 8, 8);
    e->w[0] &= e->mask[0];
    e->w[1] &= e->mask[1];
    e->tag = cover > 8 ? tag | X86_DC_LONG : tag;
}

/* The cache entry of the instruction at linear lin (tag: lin and the code
 * size, as dcache_fill takes it), bytes p, filled when it holds another.
 * Most instructions are at most 8 bytes: one compare of the first 8 under
 * their mask; a longer one's tag never matches there (X86_DC_LONG) and its
 * 16 bytes are compared on the side. */
static __attribute__((noinline, cold)) void dce_long(x86_cpu *s, x86_dce *e, uint64_t tag, const uint8_t *p) {
    uint64_t w0, w1;
    memcpy(&w0, p, 8);
    memcpy(&w1, p + 8, 8);
    if (e->tag != (tag | X86_DC_LONG) || ((w0 ^ e->w[0]) & e->mask[0]) != 0 || ((w1 ^ e->w[1]) & e->mask[1]) != 0)
        dcache_fill(s, e, tag, p);
}
static inline __attribute__((always_inline)) x86_dce *dce_find(x86_cpu *s, uint32_t lin, uint64_t tag,
                                                                const uint8_t *p) {
    x86_dce *e = &s->dc[(lin ^ (lin >> 10)) & (X86_DC_N - 1)];
#if defined(__GNUC__)
    /* one pointer for the entry's fields: GCC rebuilt it from the index for each */
    __asm__("" : "+r"(e));
#endif
    uint64_t w0;
    memcpy(&w0, p, 8);
    if (VL_UNLIKELY(((e->tag ^ tag) | ((w0 ^ e->w[0]) & e->mask[0])) != 0)) dce_long(s, e, tag, p);
    return e;
}

/* The single-step trap after an instruction run with TF set. true: stop. */
static bool trace_trap(x86_cpu *s) {
    s->dr[6] |= 0x4000; /* BS */
    s->insn_eip = s->eip;
    s->attn = true;
    s->cp_len = 0;
    save_undo(s);
    return take(s, X86_EXC_DB, false, 0, false, false, s->eip, s->eip);
}

/* The code window: EIPs whose 16 bytes lie in one RAM page and within the
 * CS limit, read straight from the host (a linear page mapped by paging
 * off or by the translation cache). Emptied with the translation cache, on
 * every change of CS (the generic path and exception delivery) and at the
 * start of a run. */
static void code_window(x86_cpu *s) {
    const x86_seg *cs = &s->seg[X86_CS];
    uint32_t eip = s->eip, lin = cs->base + eip;
    s->cp_len = 0;
    if (eip > cs->limit || cs->limit - eip < 15 || !(cs->attr & X86_A_P)) return; /* (fetch() faults) */
    uint8_t *page = x86_fast_ram(s, lin & ~0xFFFu, 0x1000, false, 0, s->fast_lim);
    if (!page) return;
    /* from the page start, or from EIP 0 when CS starts inside the page */
    uint32_t back = (lin & 0xFFF) < eip ? (lin & 0xFFF) : eip;
    int32_t page_len = 0x1000 - (int32_t)((lin - back) & 0xFFF) - 15;
    uint32_t lim_len = cs->limit - 15 - (eip - back) + 1;
    if (page_len <= (int32_t)back) return;
    s->cp_eip = eip - back;
    s->cp_lin = lin - back;
    s->cp_host = page + ((lin - back) & 0xFFF);
    s->cp_len = (uint32_t)page_len < lim_len ? (uint32_t)page_len : lim_len;
}

/* The exit set holds a form that fast_for may give a handler (an
 * innocuous one): the fast way must look at each instruction's form. Kept
 * with a copy of the set it was computed for. */
static bool exits_fast_forms(x86_cpu *s, const uint8_t *forms) {
    size_t nb = (size_t)x86_ninsns / 8 + 1;
    if (nb > sizeof s->xf_set) return true;
    if (s->xf_valid && !memcmp(s->xf_set, forms, nb)) return s->xf_fast;
    bool fast = false;
    for (int f = 0; f < x86_ninsns && !fast; f++)
        fast = vl_bit(forms, (unsigned)f) && x86_insns[f].cls == VL_CLASS_INNOCUOUS;
    memcpy(s->xf_set, forms, nb);
    s->xf_valid = true;
    s->xf_fast = fast;
    return fast;
}

/* The direct windows of the fast handlers (x86_cpu.win_rd). What they
 * depend on (the segment registers, CR0, EFLAGS.AC, the RAM limits, the
 * memory map) no fast handler changes, and whatever else does sets attn,
 * which closes them before the next fast instruction (run_loop_as), or
 * ends the run. */
static void windows_open(x86_cpu *s) {
    const bool on = !(s->cr0 & X86_CR0_PG) && !(s->eflags & X86_AC);
    s->win_open = true;
    if (s->win_k_valid && s->win_k_on == on && s->win_k_fast_lim == s->fast_lim && s->win_k_wr_base == s->wr_base &&
        s->win_k_wr_lim == s->wr_lim && s->win_k_ram == s->ram && !memcmp(s->win_k_seg, s->seg, sizeof s->seg)) {
        memcpy(s->win_rd, s->win_k_rd, sizeof s->win_rd);
        memcpy(s->win_wr, s->win_k_wr, sizeof s->win_wr);
        return;
    }
    for (int i = 0; i < X86_NSEG; i++) {
        const x86_seg *g = &s->seg[i];
        uint64_t rd = 0, wr = 0;
        uint32_t lo = 0;
        if (on && x86_plain_seg(g, 0, 1)) {
            uint64_t end = (uint64_t)g->limit + 1, wr_end = (uint64_t)s->wr_base + s->wr_lim;
            rd = s->fast_lim > g->base ? s->fast_lim - g->base : 0;
            if (rd > end) rd = end;
            /* offsets [lo, hi): linear [wr_base, wr_end), inside RAM, no wrap */
            lo = s->wr_base > g->base ? s->wr_base - g->base : 0;
            uint64_t hi = wr_end > g->base ? wr_end - g->base : 0;
            if (hi > end) hi = end;
            wr = hi > lo ? hi - lo : 0;
        }
        s->win_rd[i] = rd;
        s->win_wr[i] = wr;
        s->win_wr_lo[i] = lo;
        s->win_host[i] = s->ram + g->base;
        s->win_base[i] = g->base;
    }
    s->win_k_valid = true;
    s->win_k_on = on;
    s->win_k_fast_lim = s->fast_lim;
    s->win_k_wr_base = s->wr_base;
    s->win_k_wr_lim = s->wr_lim;
    s->win_k_ram = s->ram;
    memcpy(s->win_k_seg, s->seg, sizeof s->seg);
    memcpy(s->win_k_rd, s->win_rd, sizeof s->win_rd);
    memcpy(s->win_k_wr, s->win_wr, sizeof s->win_wr);
}

/* Instructions with a fast handler, one after another, while nothing asks
 * the general loop to look (attn), the budget lasts and EIP stays in the
 * code window: what run_loop_as checks per instruction is held here in
 * registers (EIP, the code window, the cache tag's size bit), so the fast
 * way is the cache lookup and the call. Returns at an instruction that it
 * did not start: true when the run loop must look at its boundary first
 * (attn, the budget), false when that instruction goes the general way. */
static inline __attribute__((always_inline)) bool fast_loop_as(x86_cpu *s, const bool big, bool go_on) {
    const uint32_t emask = big ? 0xFFFFFFFFu : 0xFFFFu;
    const uint64_t size_tag = (uint64_t)(big ? 2 : 1) << 32;
    uint64_t end = s->icount_end;
    uint64_t ic = s->c.icount;
    uint32_t eip = s->eip;
    /* binary translation's records: see vl_chain_take_held (a kick sets
     * attn, which ends this loop) */
    const uint64_t stamp = go_on && s->c.chain ? *s->c.chain_stamp : 0, limit = s->c.chain_limit;
    /* no fast handler touches a segment register; one that keeps an undo
     * record (save_undo) drops it when it completes */
    s->u_segs = false;
    s->u_valid = false;
    for (;;) {
        if (VL_UNLIKELY(ic >= end)) {
            /* binary translation: through the next record here, as
             * run_loop_as does (attn is clear), not by leaving for it */
            const vl_chain *r;
            if (!go_on || !(r = vl_chain_take_held(&s->c, eip, ic, stamp, limit))) return true;
            end = s->icount_end = ic + r->n;
        }
        uint32_t off = eip - s->cp_eip;
        if (VL_UNLIKELY(off >= s->cp_len)) {
            code_window(s);
            off = eip - s->cp_eip;
            if (off >= s->cp_len) return false;
        }
        const uint8_t *p = s->cp_host + off;
        uint32_t lin = s->cp_lin + off;
        x86_dce *e = dce_find(s, lin, lin | size_tag, p);
        fast_fn fast = e->loop;
        if (VL_UNLIKELY(fast == NULL)) return false;
        s->insn_eip = eip;
        s->wlog_n = 0;
        s->c.icount = ++ic;
        uint32_t next = (eip + e->d.len) & emask;
        s->eip = next;
        eip = fast(s, &e->d, next); /* a fault it raised set attn */
        ic = s->c.icount;           /* a fused pair counts two */
        if (VL_UNLIKELY(s->attn)) return true;
    }
}

/* one copy per code size (a 32-bit segment's EIP needs no wrap), each a
 * function of its own: inlined in run_loop_as, the registers it holds
 * across the handler's call were spilled and its addresses recomputed */
static __attribute__((noinline)) bool fast_loop32(x86_cpu *s, bool go_on) {
    if (!s->win_open) windows_open(s);
    return fast_loop_as(s, true, go_on);
}
static __attribute__((noinline)) bool fast_loop16(x86_cpu *s, bool go_on) {
    if (!s->win_open) windows_open(s);
    return fast_loop_as(s, false, go_on);
}
static inline bool fast_loop(x86_cpu *s, bool go_on) {
    return (s->seg[X86_CS].attr & X86_A_DB) ? fast_loop32(s, go_on) : fast_loop16(s, go_on);
}

/* The instructions until a stop (s->stop) or the end of the budget; a
 * fault pends until SETTLE() below, which takes it and goes on with the
 * next instruction. */
static inline __attribute__((always_inline)) void run_loop_as(x86_cpu *s, bool go_on) {
/* a block, not do-while: its continue is the loop's */
#define SETTLE()                 \
    {                            \
        if (settle(s)) return;   \
        continue;                \
    }
    const uint32_t exit_set = s->c.exit_set; /* the monitor sets it between runs */
    const bool exit_innocuous = (exit_set & (1u << VL_CLASS_INNOCUOUS)) != 0; /* the fast forms are innocuous */
    const uint8_t *const exit_forms = s->c.exit_forms; /* by decode-table form (hardware assist) */
    /* the fast way's look: only when the set holds a form it may run */
    const uint8_t *const exit_fast = exit_forms && exits_fast_forms(s, exit_forms) ? exit_forms : NULL;
again:
    for (;;) {
        if (VL_UNLIKELY(s->c.icount >= s->icount_end)) {
            /* binary translation: through a record at once, when nothing
             * is pending for the boundary (attn clear: no fault, kick or
             * jump to itself); else below, where the run would end */
            const vl_chain *r;
            if (!go_on || s->attn || !(r = vl_chain_take(&s->c, s->eip))) break;
            s->icount_end = s->c.icount + r->n;
        }
        bool traced = false, no_fast = exit_innocuous, pinned = false;
        if (VL_UNLIKELY(s->attn)) {
            /* between instructions: what the fast handlers cannot change
             * (they set attn when they do): a jump to itself, interrupts,
             * HLT, the hooks, the trace trap */
            if (s->win_open) x86_windows_close(s);
            if (X86_PENDING(s) && settle(s)) return;
            if (s->self_jump) {
                s->self_jump = false;
                s->stop = mkstop(VLAB_STOP_HALT, s->eip, -1);
                return;
            }
            if (s->kicked) break;
            s->attn = false;
            if ((s->c.irq_level && (s->eflags & X86_IF)) || s->halted || s->inhibit_irq || s->c.m->hook_stop ||
                s->shutdown) {
                s->attn = true;
                s->cp_len = 0;
                if (boundary(s)) return;
                if (X86_PENDING(s)) SETTLE();
            }
            if (s->halted) continue;
            traced = (s->eflags & X86_TF) != 0;
            if (traced) {
                s->attn = true;
                no_fast = true; /* the trace trap after it: the general way */
            }
            if (VL_UNLIKELY(s->pin)) {
                /* a REP string instruction in progress, no event taken
                 * since (that would have moved EIP): as it was decoded */
                if (s->eip == s->pin_eip) pinned = no_fast = true;
                else s->pin = false;
            }
        }
        if (VL_LIKELY(!no_fast && !exit_fast) && fast_loop(s, go_on)) continue;
        s->insn_eip = s->eip;
        s->u_valid = false;
        s->u_segs = false;
        s->wlog_n = 0;
        s->c.icount++;
        bool big = (s->seg[X86_CS].attr & X86_A_DB) != 0;
        x86_decoded d, *dp = &d;
        fast_fn fast = NULL;
        if (VL_UNLIKELY(pinned)) {
            d = s->pin_d;
            goto decoded;
        }
        /* the fast way: the decoded instruction from the cache while the
         * bytes in the code window match */
        uint32_t off = s->eip - s->cp_eip;
        if (VL_UNLIKELY(off >= s->cp_len)) {
            code_window(s);
            off = s->eip - s->cp_eip;
        }
        if (VL_LIKELY(off < s->cp_len)) {
            const uint8_t *p = s->cp_host + off;
            uint32_t lin = s->cp_lin + off;
            x86_dce *e = dce_find(s, lin, lin | (uint64_t)(big ? 2 : 1) << 32, p);
            dp = &e->d;
            fast = e->fast;
            if (VL_LIKELY(fast != NULL)) {
                /* a valid form, not a monitor exit (fast forms are innocuous) */
                s->eip = (s->eip + dp->len) & (big ? 0xFFFFFFFFu : 0xFFFFu);
                if (VL_LIKELY(!no_fast) &&
                    (VL_LIKELY(!exit_fast) || !vl_bit(exit_fast, (unsigned)(dp->in - x86_insns)))) {
                    fast(s, dp, s->eip); /* a fault it raised set attn */
                    continue;
                }
                s->eip = s->insn_eip;
            }
            goto decoded;
        }
        /* the slow way: byte by byte through segmentation and paging */
        uint8_t buf[32];
        bool more;
        size_t n = fetch(s, buf, &more);
        if (X86_PENDING(s)) SETTLE();
        if (x86_decode(s->variant, buf, n, big, &d) < 0) {
            if (!more) {
                x86_fault(s, X86_EXC_GP, 0, true); /* cut by the CS limit */
                SETTLE();
            }
            /* the rest is on the next page */
            uint32_t lin = s->seg[X86_CS].base + s->eip + (uint32_t)n;
            uint32_t avail = s->seg[X86_CS].limit - s->eip + 1;
            size_t want = avail < 15 || avail == 0 ? (avail ? avail : 15) : 15;
            for (size_t i = n; i < want; i++) buf[i] = (uint8_t)x86_rd_lin(s, lin + (uint32_t)(i - n), 1, s->cpl == 3);
            if (X86_PENDING(s)) SETTLE();
            if (x86_decode(s->variant, buf, want, big, &d) < 0) {
                x86_fault(s, X86_EXC_GP, 0, true);
                SETTLE();
            }
        }
    decoded:
        /* the general way: anything may change, so the next instruction
         * looks at the boundary conditions and the code window again */
        s->attn = true;
        s->cp_len = 0;
        if (!dp->in) {
            x86_fault(s, dp->len > 15 ? X86_EXC_GP : X86_EXC_UD, 0, dp->len > 15);
            SETTLE();
        }
        s->eip = s->eip + dp->len;
        if (!big) s->eip &= 0xFFFF;
        if ((exit_set & (1u << dp->in->cls)) ||
            (exit_forms && vl_bit(exit_forms, (unsigned)(dp->in - x86_insns)))) {
            rollback(s);
            s->c.icount--;
            if (s->x_inhibit_ic == s->c.icount + 1) s->inhibit_irq = true; /* STI; HLT exiting */
            s->stop = mkstop(VLAB_STOP_VMEXIT, s->insn_eip, -1);
            s->stop.code = dp->in->cls;
            s->stop.flags = VLAB_STOP_HAS_CODE;
            return;
        }
        save_undo(s);
        trap_req tr = { 0 };
        int ex = execute(s, dp, &tr);
        if (X86_PENDING(s)) SETTLE();
        if (ex == EX_AGAIN) {
            s->eip = s->insn_eip;
            pin_insn(s, dp); /* the next step goes on with it as decoded */
        } else {
            s->pin = false;
        }
        switch (ex) {
        case EX_OK: break;
        case EX_AGAIN: break;
        case EX_SELF:
            /* a traced jump to itself is no halt: its trace trap comes next */
            if (traced) break;
            s->stop = mkstop(VLAB_STOP_HALT, s->insn_eip, -1);
            return;
        case EX_HLT:
            s->halted = true;
            if (!(s->eflags & X86_IF)) {
                /* cli; hlt: no interrupt can wake it. IDLE, not HALT: the
                 * run loop turns it into HALT when no timer is armed, and
                 * must not count the wait as loop iterations (HALT means a
                 * jump to itself, whose iterations are instructions) */
                s->stop = mkstop(VLAB_STOP_IDLE, s->eip, -1);
                return;
            }
            break;
        case EX_TRAP:
            if (take(s, tr.vector, false, 0, tr.soft, false, tr.ret, s->insn_eip)) {
                if (intercepted(s, tr.vector)) { /* stopped before the INT: as a fault */
                    rollback(s);
                    s->c.icount--;
                }
                return;
            }
            if (X86_PENDING(s)) SETTLE();
            break;
        case EX_INHIBIT: s->inhibit_irq = true; break;
        default: break;
        }
        if (traced && ex != EX_TRAP && trace_trap(s)) return;
        if (X86_PENDING(s)) SETTLE();
    }
#undef SETTLE
    if (X86_PENDING(s) && settle(s)) return; /* the budget ended on a fault */
    if (s->self_jump && s->c.icount >= s->icount_end) {
        /* the budget ended on a jump to itself: a halt all the same, so that
         * a run one instruction at a time (a debugger, the hybrid monitor's
         * interpreter) stops where one long run stops */
        s->self_jump = false;
        s->stop = mkstop(VLAB_STOP_HALT, s->eip, -1);
        return;
    }
    s->stop.pc = s->eip;
    /* the budget ended with no stop, where a new run would start: binary
     * translation may go on in this one (vl_cpu_common.cont), here rather
     * than through a new call: what a run's start does (run_inner, the
     * constants above), it would do again for nothing, cont() changing
     * neither the memory map, the exit set nor the boundary conditions
     * (what attn stands for is as a long run leaves it); through the
     * record of an exit cont() already went on from without asking it */
    if (go_on && s->stop.reason == VLAB_STOP_BUDGET && !s->kicked) {
        uint64_t more = vl_cont(&s->c, s->eip);
        if (more) {
            s->icount_end = s->c.icount + more;
            goto again;
        }
    }
}

/* A copy of the loop for each: a native run's, and binary translation's,
 * which goes on through cont() (so that the native one stays as lean) */
static __attribute__((noinline)) void run_loop(x86_cpu *s) { run_loop_as(s, false); }
static __attribute__((noinline)) void run_loop_cont(x86_cpu *s) { run_loop_as(s, true); }

static vl_stop run_inner(x86_cpu *s, uint64_t max) {
    x86_mem_refresh(s);
    s->icount_end = s->c.icount + max;
    if (s->icount_end < s->c.icount) s->icount_end = UINT64_MAX;
    s->kicked = false;
    s->self_jump = false;
    s->delivering = 0;
    s->stop = mkstop(VLAB_STOP_BUDGET, 0, -1);
    s->attn = true;
    if (s->c.cont) run_loop_cont(s);
    else run_loop(s);
    return s->stop;
}

static vl_stop x86_run(void *cpu, uint64_t max) {
    x86_cpu *s = cpu;
    if (s->run_depth) return mkstop(VLAB_STOP_ERROR, s->eip, -1);
    s->run_depth = 1;
    vl_stop r = run_inner(s, max ? max : 1);
    s->run_depth = 0;
    return r;
}

/* ---- the rest of the CPU interface ---------------------------------------------------------------- */

/* A flat 4 GiB segment of type (code: execute/read; data: read/write), 32-bit, at dpl. */
static x86_seg flat(uint16_t sel, bool code, int dpl) {
    x86_seg g = { sel, 0, 0, 0xFFFFFFFFu };
    g.attr = (uint16_t)(X86_A_P | X86_A_S | X86_A_DB | X86_A_G | (unsigned)dpl << X86_A_DPL_SHIFT | X86_T_ACCESSED |
                        (code ? X86_T_CODE | X86_T_R : X86_T_W));
    return g;
}

/* Where a Multiboot loader hands over: 32-bit flat protected mode, CPL 0,
 * paging and interrupts off, flat descriptor caches, an empty GDTR. */
static void multiboot_state(x86_cpu *s) {
    /* ET: hard-wired on the Pentium; the 386 has no coprocessor here */
    s->cr0 = X86_CR0_PE | (s->variant == X86_PENTIUM ? X86_CR0_ET : 0);
    s->seg[X86_CS] = flat(0x08, true, 0);
    for (int i = 0; i < X86_NSEG; i++)
        if (i != X86_CS) s->seg[i] = flat(0x10, false, 0);
    s->cpl = 0;
    x86_set_flags(s, 0x2);
    s->gdtr_base = 0;
    s->gdtr_limit = 0;
    s->idtr_base = 0;
    s->idtr_limit = 0x3FF;
    s->ldtr = (x86_seg){ 0 };
    s->tr = (x86_seg){ 0 };
    /* everything else 0 (docs/x86.md), whatever a reset or a run left:
     * EDX's reset signature, CR2-CR4, the debug registers at their defaults */
    memset(s->r, 0, sizeof s->r);
    s->r[X86_EAX] = 0x2BADB002u; /* the Multiboot magic; EBX (the info) is 0: none given */
    s->cr2 = s->cr3 = s->cr4 = 0;
    memset(s->dr, 0, sizeof s->dr);
    s->dr[6] = 0xFFFF0FF0u;
    s->dr[7] = 0x00000400u;
    x86_tlb_flush(s);
}

static void x86_init(void *cpu, vl_machine *m, int variant) {
    x86_cpu *s = cpu;
    s->c.m = m;
    s->c.last_vector = -1;
    s->variant = variant == X86_PENTIUM ? X86_PENTIUM : X86_I386;
    s->dr[6] = 0xFFFF0FF0u;
    s->dr[7] = 0x00000400u;
    multiboot_state(s);
    s->eip = 0;
}

/* The hardware reset: real mode at F000:FFF0 (linear 0xFFFFFFF0, the reset
 * alias of physical 0xFFFF0). */
static void x86_reset(void *cpu) {
    x86_cpu *s = cpu;
    vl_cpu_common c = s->c;
    int variant = s->variant;
    memset((char *)s + sizeof s->c, 0, X86_SNAP_SIZE - sizeof s->c);
    s->c = c;
    s->variant = variant;
    s->c.last_vector = -1;
    s->cr0 = variant == X86_PENTIUM ? 0x60000010u : 0;
    x86_set_flags(s, 0x2);
    for (int i = 0; i < X86_NSEG; i++) {
        s->seg[i] = (x86_seg){ 0, X86_A_P | X86_A_S | X86_T_W | X86_T_ACCESSED, 0, 0xFFFF };
    }
    s->seg[X86_CS] = (x86_seg){ 0xF000, X86_A_P | X86_A_S | X86_T_CODE | X86_T_R | X86_T_ACCESSED, 0xFFFF0000u, 0xFFFF };
    s->eip = 0xFFF0;
    s->idtr_limit = 0x3FF;
    s->ldtr.limit = s->tr.limit = 0xFFFF;
    s->dr[6] = 0xFFFF0FF0u;
    s->dr[7] = 0x00000400u;
    s->r[X86_EDX] = variant == X86_PENTIUM ? 0x0525u : 0x0308u; /* the reset signature: family, model, stepping */
    s->tsc_base = 0 - s->c.icount;
    x86_tlb_flush(s);
}

static void x86_boot(void *cpu, uint32_t entry, uint32_t sp) {
    x86_cpu *s = cpu;
    multiboot_state(s);
    s->r[X86_ESP] = sp;
    s->eip = entry;
    s->halted = s->shutdown = false;
}

static void x86_kick(void *cpu) {
    x86_cpu *s = cpu;
    s->kicked = true;
    s->attn = true;
}

static uint32_t x86_get_pc(void *cpu) { return ((x86_cpu *)cpu)->eip; }
/* the operand size the code segment's cache gives, as the executor decodes
 * (real mode and virtual-8086 mode leave D clear) */
static int x86_code_variant(const void *cpu) {
    const x86_cpu *s = cpu;
    return s->variant | ((s->seg[X86_CS].attr & X86_A_DB) ? 0 : X86_CODE16);
}
/* 16-bit code (real mode, virtual-8086 mode, a 16-bit code segment) or 32-bit */
static int x86_code_bits(int variant) { return (variant & X86_CODE16) ? 16 : 32; }
static int x86_bits_variant(int variant, int bits) {
    if (bits != 16 && bits != 32) return -1;
    return (variant & ~X86_CODE16) | (bits == 16 ? X86_CODE16 : 0);
}
static void x86_set_pc(void *cpu, uint32_t pc) {
    x86_cpu *s = cpu;
    s->eip = pc;
    s->halted = false;
    s->pin = false;
}

static int x86_priv_get(void *cpu) { return ((x86_cpu *)cpu)->cpl; }

/* The host sets the CPL: CS and SS take its RPL (and SS's DPL) so that the
 * state stays one the CPU could be in. */
static void x86_priv_set(void *cpu, int level) {
    x86_cpu *s = cpu;
    s->cpl = level & 3;
    s->seg[X86_CS].sel = (uint16_t)((s->seg[X86_CS].sel & ~3u) | (unsigned)s->cpl);
    s->seg[X86_SS].sel = (uint16_t)((s->seg[X86_SS].sel & ~3u) | (unsigned)s->cpl);
    s->seg[X86_SS].attr = (uint16_t)((s->seg[X86_SS].attr & ~X86_A_DPL) | (unsigned)s->cpl << X86_A_DPL_SHIFT);
    if (!(s->seg[X86_CS].attr & X86_T_C))
        s->seg[X86_CS].attr = (uint16_t)((s->seg[X86_CS].attr & ~X86_A_DPL) | (unsigned)s->cpl << X86_A_DPL_SHIFT);
    x86_tlb_flush(s);
}

/* Deliver exception vector now (the monitor's reflection): code for the
 * exceptions that push one, addr into CR2 for a #PF. */
static void x86_raise(void *cpu, int vector, uint32_t code, uint32_t addr) {
    x86_cpu *s = cpu;
    x86_mem_refresh(s);
    if (s->run_depth) return;
    s->run_depth = 1;
    s->insn_eip = s->eip;
    s->pin = false; /* an event taken: the instruction is fetched again after it */
    save_undo(s);
    s->delivering = 0;
    if (vector == X86_EXC_PF) s->cr2 = addr;
    s->delivering = vector + 1;
    s->stop = mkstop(VLAB_STOP_BUDGET, 0, -1);
    x86_deliver(s, vector, x86_has_error_code(vector), code, false, vector >= 0x20, s->eip);
    if (X86_PENDING(s)) {
        /* a fault delivering it: #DF, or a shutdown, or a stop where the
         * fault finds no handler (stop_on_null_vector), or what the subset
         * does not model (a task gate: its plain stop, set when it pended),
         * kept in s->stop for the monitor, which must stop as the bare
         * machine does */
        settle(s);
        s->run_depth = 0;
        return;
    }
    s->delivering = 0;
    s->halted = false;
    s->c.exceptions++;
    s->c.last_vector = vector; /* the exception taken, as take() and the other cores' raise record it */
    s->c.last_vector_pc = s->insn_eip;
    s->run_depth = 0;
}

static size_t x86_read_virt(void *cpu, uint32_t addr, uint8_t *buf, size_t len, bool fetch) {
    x86_cpu *s = cpu;
    vl_mem *mem = &s->c.m->mem;
    (void)fetch;
    /* addr is an offset in CS for a fetch, in DS otherwise: the linear address */
    uint32_t base = s->seg[fetch ? X86_CS : X86_DS].base;
    size_t n = 0;
    while (n < len) {
        /* one translation a page (binary translation reads each block it
         * makes through here) */
        uint32_t lin = base + addr + (uint32_t)n, pa;
        if (x86_translate(s, lin, false, s->cpl == 3, true, &pa)) break;
        size_t in_page = 0x1000u - (lin & 0xFFFu), end = len - n < in_page ? len : n + in_page;
        uint32_t k = (uint32_t)(end - n);
        if (pa < 0xFFFF0000u && (uint64_t)pa + k <= mem->size &&
            (!mem->mmio_on || (uint64_t)pa + k <= mem->mmio_base || (uint64_t)pa >= (uint64_t)mem->mmio_base + VL_MMIO_SIZE)) {
            memcpy(buf + n, mem->ram + pa, k); /* plain RAM */
            n = end;
            continue;
        }
        for (; n < end; n++, pa++) {
            uint32_t a = pa >= 0xFFFF0000u ? pa - 0xFFFF0000u + 0x000F0000u : pa;
            if (a >= mem->size || (mem->mmio_on && a - mem->mmio_base < VL_MMIO_SIZE)) return n;
            buf[n] = mem->ram[a];
        }
    }
    return n;
}

const vl_cpu_ops x86_ops = {
    .isa = "x86",
    .state_size = sizeof(x86_cpu),
    .snap_size = X86_SNAP_SIZE,
    .levels = 0xF,
    .min_insn = 1,
    .elf_machine = 3, /* EM_386 */
    .sp_name = "esp",
    .pc_name = "eip",
    .init = x86_init,
    .reset = x86_reset,
    .boot = x86_boot,
    .run = x86_run,
    .kick = x86_kick,
    .regs = x86_regs,
    .reg_get = x86_reg_get,
    .reg_set = x86_reg_set,
    .get_pc = x86_get_pc,
    .set_pc = x86_set_pc,
    .priv_get = x86_priv_get,
    .priv_set = x86_priv_set,
    .raise = x86_raise,
    .vectors = x86_vectors,
    .exc_shift = 0,
    .read_virt = x86_read_virt,
    .decode = x86_decode_info,
    .disasm = x86_disasm,
    .code_variant = x86_code_variant,
    .code_bits = x86_code_bits,
    .bits_variant = x86_bits_variant,
    .assemble = x86_assemble,
};
