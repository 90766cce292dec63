/* forms.c - what the sweep (vmm/sweep.c) needs to know about the 68000/68010,
 * read from the decode table (decode.c):
 *
 *  - forms: all 65,536 first words, decoded per model and grouped by
 *    decode-table entry x addressing mode(s); MOVEC splits by control
 *    register, MOVES by direction (both in the extension word); Bcc/BRA/BSR
 *    by displacement size; words no entry accepts form one "unassigned" row;
 *  - encode: the first word and extension words chosen so that every
 *    memory operand lands in mapped RAM (displacements, index registers,
 *    absolute and PC-relative targets inside the data area);
 *  - states: the memory layout below, random registers, plausible
 *    exception frames on both stacks (RTE, RTS, RTR, UNLK pop them);
 *  - which registers are privileged state, which exceptions mean
 *    "privilege violation" and "illegal", and the wording of a leak.
 *
 * Guest memory of a sweep machine (8 KiB):
 *   0x0000-0x03ff  vector table, vector v -> 0x0400 + 4v (never executed:
 *                  the sweep runs one step, exception entry included)
 *   0x0800-0x1fff  data (random bytes), stacks, the instruction at 0x1000
 */
#include "isa/m68k/m68k.h"
#include "vmm/sweep.h"
#include <stdlib.h>
#include <string.h>

#define RAM 0x2000u
#define CODE 0x1000u
#define DATA_LO 0x0800u
#define DATA_HI 0x1F00u

static const char *const mode_names[12] = {
    "dn", "an", "(an)", "(an)+", "-(an)", "d16(an)", "d8(an,xn)", "abs.w", "abs.l", "d16(pc)", "d8(pc,xn)", "#imm",
};

static int mode_idx(unsigned ea6) {
    unsigned mode = (ea6 >> 3) & 7, reg = ea6 & 7;
    if (mode < 7) return (int)mode;
    return reg <= 4 ? 7 + (int)reg : 15;
}
static unsigned ea2_field(unsigned w) { return ((w >> 6) & 7) << 3 | ((w >> 9) & 7); }

/* ---- forms ------------------------------------------------------------------------ */

typedef struct kw {
    uint64_t key;
    uint64_t enc;
} kw;

static int cmp_kw(const void *a, const void *b) {
    const kw *x = a, *y = b;
    if (x->key != y->key) return x->key < y->key ? -1 : 1;
    return x->enc < y->enc ? -1 : x->enc > y->enc;
}

static const char *opd_text(int variant, const m68k_insn *in, int opd, unsigned w, unsigned sel, char *tmp) {
    switch (opd) {
    case M68K_OPD_EA: return mode_names[mode_idx(w & 0x3F)];
    case M68K_OPD_EA2: return mode_names[mode_idx(ea2_field(w))];
    case M68K_OPD_DN: case M68K_OPD_DN0: case M68K_OPD_DN_BITNUM: return "dn";
    case M68K_OPD_AN: case M68K_OPD_AN0: return "an";
    case M68K_OPD_PD: case M68K_OPD_PD0: return "-(an)";
    case M68K_OPD_PI: case M68K_OPD_PI0: return "(an)+";
    case M68K_OPD_DI0: return "d16(an)";
    case M68K_OPD_IMM: return "#imm";
    case M68K_OPD_IMM16: return in->op == M68K_OP_STOP ? "#imm16" : "#d16";
    case M68K_OPD_QUICK3: return "#1-8";
    case M68K_OPD_QUICK8: return "#imm8";
    case M68K_OPD_VEC4: return "#vector";
    case M68K_OPD_BKPT3: return "#0-7";
    case M68K_OPD_DISP: case M68K_OPD_DISP16: return "label";
    case M68K_OPD_LINKD: return "#d16";
    case M68K_OPD_REGLIST: return "reglist";
    case M68K_OPD_SR: return "sr";
    case M68K_OPD_CCR: return "ccr";
    case M68K_OPD_USP: return "usp";
    case M68K_OPD_CTRL: {
        const char *n = m68k_ctrl_name(variant, sel);
        strcpy(tmp, n ? n : "?");
        return tmp;
    }
    case M68K_OPD_RN12: return "rn";
    case M68K_OPD_IMM8: return "#bit";
    default: return NULL;
    }
}

static void form_text(int variant, const m68k_insn *in, unsigned w, unsigned sel, char *out, size_t outsz) {
    if (in->op == M68K_OP_LINEA || in->op == M68K_OP_LINEF) {
        snprintf(out, outsz, "%s", in->op == M68K_OP_LINEA ? "dc.w $axxx" : "dc.w $fxxx");
        return;
    }
    char name[24];
    snprintf(name, sizeof name, "%s%s", m68k_gnu_name(in->op), m68k_op_has_cond(in->op) ? "cc" : "");
    int suf = m68k_gnu_suffix(in->op);
    char sfx[4] = "";
    if (suf == 'j') snprintf(sfx, sizeof sfx, ".%c", (w & 0xFF) ? 's' : 'w');
    else if (suf == 'z') {
        if (in->size) snprintf(sfx, sizeof sfx, ".%c", in->size == M68K_SZ_B ? 'b' : in->size == M68K_SZ_W ? 'w' : 'l');
    } else if (suf != 'n') snprintf(sfx, sizeof sfx, ".%c", suf);
    int src = in->src, dst = in->dst;
    if (in->op == M68K_OP_MOVES && sel == 0) { /* <ea> -> register */
        src = in->dst;
        dst = in->src;
    }
    char t1[16], t2[16];
    const char *a = opd_text(variant, in, src, w, sel, t1), *b = opd_text(variant, in, dst, w, sel, t2);
    if (a && b) snprintf(out, outsz, "%s%s %s,%s", name, sfx, a, b);
    else if (a) snprintf(out, outsz, "%s%s %s", name, sfx, a);
    else snprintf(out, outsz, "%s%s", name, sfx);
}

static int forms(int variant, vl_sweep_forms *out) {
    size_t cap = 65536 + 1024, n = 0;
    kw *v = malloc(cap * sizeof *v);
    if (!v) return -1;
    for (unsigned w = 0; w < 65536; w++) {
        const m68k_insn *in = m68k_decode_word(variant, (uint16_t)w);
        if (!in) {
            v[n++] = (kw){ UINT64_MAX, w };
            continue;
        }
        uint64_t e = (uint64_t)(in - m68k_insns);
        int m1 = 15, m2 = 15;
        if (in->src == M68K_OPD_EA || in->dst == M68K_OPD_EA) m1 = mode_idx(w & 0x3F);
        if (in->dst == M68K_OPD_EA2) m2 = mode_idx(ea2_field(w));
        uint64_t key = e << 24 | (uint64_t)m1 << 20 | (uint64_t)m2 << 16;
        if (in->src == M68K_OPD_DISP) key |= (w & 0xFF) ? 1 : 0;
        if (in->op == M68K_OP_MOVEC_RC || in->op == M68K_OP_MOVEC_CR) {
            for (unsigned c = 0; c < 0x1000; c++) {
                if (!m68k_ctrl_name(variant, c)) continue;
                if (n == cap) {
                    kw *p = realloc(v, (cap *= 2) * sizeof *v);
                    if (!p) { free(v); return -1; }
                    v = p;
                }
                v[n++] = (kw){ key | c, w | (uint64_t)(c + 1) << 32 };
            }
            continue;
        }
        if (in->op == M68K_OP_MOVES) {
            for (unsigned d = 0; d < 2; d++) {
                if (n == cap) {
                    kw *p = realloc(v, (cap *= 2) * sizeof *v);
                    if (!p) { free(v); return -1; }
                    v = p;
                }
                v[n++] = (kw){ key | d, w | (uint64_t)(d + 1) << 32 };
            }
            continue;
        }
        v[n++] = (kw){ key, w };
    }
    qsort(v, n, sizeof *v, cmp_kw);
    int order = 0;
    for (size_t i = 0; i < n;) {
        size_t j = i;
        vl_sweep_form *f = vl_sweep_form_add(out);
        if (!f) { free(v); return -1; }
        f->order = order++;
        unsigned w = (unsigned)(v[i].enc & 0xFFFF), sel = (unsigned)(v[i].enc >> 32);
        const m68k_insn *in = v[i].key == UINT64_MAX ? NULL : m68k_decode_word(variant, (uint16_t)w);
        if (!in) {
            snprintf(f->mnemonic, sizeof f->mnemonic, "unassigned");
            snprintf(f->form, sizeof f->form, "unassigned first words");
            f->declared = VL_CLASS_ILLEGAL;
        } else {
            snprintf(f->mnemonic, sizeof f->mnemonic, "%s", m68k_op_titles[in->op]);
            unsigned s = sel ? sel - 1 : 0;
            form_text(variant, in, w, s, f->form, sizeof f->form);
            f->declared = in->cls[variant];
            if (in->op == M68K_OP_MOVEC_RC || in->op == M68K_OP_MOVEC_CR)
                snprintf(f->enc, sizeof f->enc, "0x%04x, ext 0xr%03x", w, s);
        }
        for (; j < n && v[j].key == v[i].key; j++)
            if (vl_sweep_word_add(out, v[j].enc & 0xFFFF) < 0) { free(v); return -1; }
        /* MOVEC/MOVES: the selector travels with the word */
        if (in && (in->op == M68K_OP_MOVEC_RC || in->op == M68K_OP_MOVEC_CR || in->op == M68K_OP_MOVES))
            for (size_t k = i; k < j; k++) out->w[f->first + (k - i)] = v[k].enc;
        f->count = (uint32_t)(j - i);
        i = j;
    }
    free(v);
    return 0;
}

/* ---- encode ---------------------------------------------------------------------- */

typedef vl_rng rng;
static uint32_t rnext(rng *r) { return (uint32_t)(vl_rng_next(r) >> 16); }
static int32_t rrange(rng *r, int32_t lo, int32_t hi) { /* [lo, hi) */
    return lo + (int32_t)(rnext(r) % (uint32_t)(hi - lo));
}
static uint32_t reven(rng *r, uint32_t lo, uint32_t hi) { return (uint32_t)rrange(r, (int32_t)lo, (int32_t)hi) & ~1u; }

typedef struct ebuf {
    uint8_t *p;
    int n, cap;
} ebuf;
static void put16(ebuf *b, uint32_t v) {
    if (b->n + 2 > b->cap) return;
    vl_put_be16(b->p + b->n, v & 0xFFFF);
    b->n += 2;
}

/* brief extension word: index D4-D7 (small values), W or L, even d8 */
static uint32_t brief(rng *r) {
    uint32_t reg = 4 + (rnext(r) & 3), wl = rnext(r) & 1;
    uint32_t d8 = (uint32_t)rrange(r, -0x40, 0x40) & 0xFE;
    return reg << 12 | wl << 11 | d8;
}

static void ea_ext(ebuf *b, rng *r, unsigned ea6, int size) {
    unsigned mode = (ea6 >> 3) & 7, reg = ea6 & 7;
    switch (mode) {
    case 5: put16(b, (uint32_t)rrange(r, -0x100, 0x100) & ~1u); break;
    case 6: put16(b, brief(r)); break;
    case 7:
        switch (reg) {
        case 0: put16(b, reven(r, DATA_LO, DATA_HI)); break;
        case 1: {
            uint32_t a = reven(r, DATA_LO, DATA_HI);
            put16(b, a >> 16);
            put16(b, a);
            break;
        }
        case 2: {
            uint32_t at = CODE + (uint32_t)b->n, t = reven(r, DATA_LO, DATA_HI);
            put16(b, t - at);
            break;
        }
        case 3: put16(b, brief(r)); break;
        case 4:
            if (size == M68K_SZ_L) {
                put16(b, rnext(r));
                put16(b, rnext(r));
            } else if (size == M68K_SZ_B) put16(b, rnext(r) & 0xFF);
            else put16(b, rnext(r));
            break;
        default: break;
        }
        break;
    default: break;
    }
}

static void opd_ext(ebuf *b, rng *r, const m68k_insn *in, int opd, unsigned w, unsigned sel) {
    switch (opd) {
    case M68K_OPD_EA: ea_ext(b, r, w & 0x3F, in->size); break;
    case M68K_OPD_EA2: ea_ext(b, r, ea2_field(w), in->size); break;
    case M68K_OPD_IMM:
        if (in->size == M68K_SZ_L) {
            put16(b, rnext(r));
            put16(b, rnext(r));
        } else if (in->size == M68K_SZ_B) put16(b, rnext(r) & 0xFF);
        else put16(b, rnext(r));
        break;
    case M68K_OPD_IMM16:
        if (in->op == M68K_OP_STOP) put16(b, rnext(r) & 0x271F);
        else put16(b, (uint32_t)rrange(r, 0, 0x40) & ~1u);
        break;
    case M68K_OPD_IMM8: put16(b, rnext(r) & 0xFF); break;
    case M68K_OPD_DI0: put16(b, (uint32_t)rrange(r, -0x100, 0x100)); break;
    case M68K_OPD_DISP:
        if ((w & 0xFF) == 0) put16(b, (uint32_t)rrange(r, -0x100, 0x100) & ~1u);
        break;
    case M68K_OPD_DISP16: put16(b, (uint32_t)rrange(r, -0x100, 0x100) & ~1u); break;
    case M68K_OPD_LINKD: put16(b, (uint32_t)rrange(r, -0x40, 0x10) & ~1u); break;
    case M68K_OPD_REGLIST: put16(b, rnext(r)); break;
    case M68K_OPD_CTRL: put16(b, (rnext(r) & 15) << 12 | sel); break;
    case M68K_OPD_RN12: put16(b, (rnext(r) & 15) << 12 | sel << 11); break;
    default: break;
    }
}

static int encode(int variant, uint64_t enc, uint64_t rnd, uint8_t *buf, size_t bufsz, uint32_t *addr) {
    unsigned w = (unsigned)(enc & 0xFFFF), sel = (unsigned)(enc >> 32);
    sel = sel ? sel - 1 : 0;
    rng r = { rnd };
    ebuf b = { buf, 0, (int)bufsz };
    *addr = CODE;
    put16(&b, w);
    const m68k_insn *in = m68k_decode_word(variant, (uint16_t)w);
    if (!in) return b.n;
    if (m68k_op_is_pre_ext(in->src)) opd_ext(&b, &r, in, in->src, w, sel);
    if (m68k_op_is_pre_ext(in->dst)) opd_ext(&b, &r, in, in->dst, w, sel);
    if (!m68k_op_is_pre_ext(in->src)) opd_ext(&b, &r, in, in->src, w, sel);
    if (!m68k_op_is_pre_ext(in->dst)) opd_ext(&b, &r, in, in->dst, w, sel);
    return b.n;
}

/* ---- states ------------------------------------------------------------------------- */



static void frame(uint8_t *mem, uint32_t sp, rng *r) {
    uint32_t sr = (rnext(r) & 0x271F);
    uint32_t pc = reven(r, DATA_LO, DATA_HI);
    vl_put_be16(mem + sp, sr);
    vl_put_be32(mem + sp + 2, pc);
    vl_put_be16(mem + sp + 6, (rnext(r) & 0x3F) << 2); /* format 0, a vector offset */
}

static void state(int variant, const vl_reg_info *regs, int n, uint64_t seed, int index, int level,
                  vl_sweep_regs *out, uint8_t *mem) {
    rng r = { seed * 0x100000001B3ull ^ (uint64_t)index * 0x9E3779B97F4A7C15ull ^ 0x68000ull };
    for (uint32_t v = 0; v < 256; v++) vl_put_be32(mem + v * 4, 0x0400 + v * 4);
    for (uint32_t a = 0x0400; a < RAM; a += 2) vl_put_be16(mem + a, rnext(&r));
    uint32_t ssp = reven(&r, 0x0C00, 0x0E00), usp = reven(&r, 0x1600, 0x1800);
    frame(mem, ssp, &r);
    frame(mem, usp, &r);
    uint32_t sr = 0x2000 | (rnext(&r) & 0x071F);
    uint32_t d[8], a[7];
    for (int i = 0; i < 4; i++) d[i] = (uint32_t)rnext(&r) << 16 | rnext(&r);
    for (int i = 4; i < 8; i++) d[i] = (uint32_t)rrange(&r, -0x40, 0x40) & ~1u;
    for (int i = 0; i < 7; i++) a[i] = reven(&r, 0x0A00, 0x1E00);
    uint32_t sfc = rnext(&r) & 7, dfc = rnext(&r) & 7;
    static const char *const dn[8] = { "d0", "d1", "d2", "d3", "d4", "d5", "d6", "d7" };
    static const char *const an[7] = { "a0", "a1", "a2", "a3", "a4", "a5", "a6" };
    if (level == 0) {
        /* supervisor: S = 1, a7 = SSP */
        vl_sweep_reg_set(out, regs, n, "sr", sr);
        vl_sweep_reg_set(out, regs, n, "usp", usp);
        vl_sweep_reg_set(out, regs, n, "ssp", ssp);
    } else {
        /* user: S = 0, the active a7 keeps the value (the USP register holds
         * it), the inactive SSP holds the other stack */
        vl_sweep_reg_set(out, regs, n, "sr", sr & ~0x2000u);
        vl_sweep_reg_set(out, regs, n, "ssp", usp);
        vl_sweep_reg_set(out, regs, n, "usp", ssp);
    }
    for (int i = 0; i < 8; i++) vl_sweep_reg_set(out, regs, n, dn[i], d[i]);
    for (int i = 0; i < 7; i++) vl_sweep_reg_set(out, regs, n, an[i], a[i]);
    vl_sweep_reg_set(out, regs, n, "pc", CODE);
    vl_sweep_reg_set(out, regs, n, "vbr", 0);
    vl_sweep_reg_set(out, regs, n, "sfc", sfc);
    vl_sweep_reg_set(out, regs, n, "dfc", dfc);
}

static void masks(int variant, const vl_reg_info *regs, int nregs, uint32_t *mode_mask, uint32_t *ctl_sup,
                  uint32_t *ctl_user) {
    for (int i = 0; i < nregs; i++) {
        const char *nm = regs[i].name;
        if (!strcmp(nm, "sr")) {
            mode_mask[i] = ~0x2000u;
            ctl_sup[i] = ctl_user[i] = 0xA700u; /* T, S, interrupt mask */
        } else if (!strcmp(nm, "usp")) {
            mode_mask[i] = 0;
            ctl_sup[i] = ~0u;  /* inactive in supervisor mode */
        } else if (!strcmp(nm, "ssp")) {
            mode_mask[i] = 0;
            ctl_user[i] = ~0u; /* inactive in user mode */
        } else if (!strcmp(nm, "vbr") || !strcmp(nm, "sfc") || !strcmp(nm, "dfc")) {
            ctl_sup[i] = ctl_user[i] = ~0u;
        }
    }
}

static int exc_kind(int variant, int vector, const vl_reg_info *regs, int nregs, const uint32_t *after,
                    const uint8_t *mem) {
    if (vector == 8) return VL_SWEEP_EXC_PRIV;
    if (vector == 4 || vector == 10 || vector == 11) return VL_SWEEP_EXC_ILLEGAL;
    return VL_SWEEP_EXC_OTHER;
}

static void reason(int variant, const char *name, uint32_t addr, uint32_t a, uint32_t b, const char *an,
                   const char *bn, char *out, size_t outsz) {
    char where[24];
    if (name) snprintf(where, sizeof where, "%s", name);
    else snprintf(where, sizeof where, "memory 0x%04x", addr);
    bool data = !name || (name[0] == 'd' && name[1] >= '0' && name[1] <= '7');
    if (data && ((a ^ b) & 0xFFFF) == 0x2000u)
        snprintf(out, outsz, "reads S=%u from SR: %s 0x%04x, %s 0x%04x (%s)", (b >> 13) & 1, an, a & 0xFFFF, bn,
                 b & 0xFFFF, where);
    else if (name && !strcmp(name, "sr"))
        snprintf(out, outsz, "%s SR 0x%04x, %s 0x%04x", an, a, bn, b);
    else
        vl_sweep_reason_plain(variant, name, addr, a, b, an, bn, out, outsz);
}

extern const vl_virt_ops m68k_virt_ops;
const vl_sweep_isa vl_sweep_m68k = {
    .isa = "m68k",
    .ram = RAM,
    .forms = forms,
    .state = state,
    .encode = encode,
    .masks = masks,
    .exc_kind = exc_kind,
    .reason = reason,
};
