/* forms.c - what the sweep (vmm/sweep.c) needs to know about the PowerPC 750,
 * read from the decode table (decode.c):
 *
 *  - forms: every entry of ppc_insns with each combination of its free
 *    OE/Rc/LK/AA bits; mfspr and mtspr once per SPR number (all 1,024),
 *    mftb once per TBR number, mfsr/mtsr once per segment register; the
 *    primary and extended opcodes no entry accepts form one "unassigned"
 *    row (each such opcode is executed);
 *  - encode: the register and immediate fields drawn per execution so that
 *    every memory operand lands in mapped RAM (rA a pointer register, rB a
 *    small index, small displacements) and no form is invalid (update forms,
 *    lmw/lswi/lswx ranges, bcctr decrementing CTR);
 *  - states: real mode or 1:1 BAT translation (valid in both modes), random
 *    GPRs (r1-r10 pointers, r11-r13 small), random SPRs and segment
 *    registers, a decrementer that does not fire during the step;
 *  - privileged state, the program interrupt's reason bits, leak wording.
 *
 * Guest memory of a sweep machine (16 KiB): exception vectors are PC
 * targets only (the sweep runs one step); data 0x0400-0x3fff, the
 * instruction at 0x2000. */
#include "isa/ppc/ppc.h"
#include "vmm/sweep.h"
#include <stdlib.h>
#include <string.h>

#define RAM 0x4000u
#define CODE 0x2000u
#define DATA_LO 0x0800u
#define DATA_HI 0x3800u

/* encodings: the word | (entry index + 1) << 32; 0 = unassigned opcode */
#define ENC(w, e) ((uint64_t)(w) | (uint64_t)((e) + 1) << 32)

static bool is_mem_op(const ppc_insn *in) {
    if (in->flags & (PPC_F_LOAD | PPC_F_STORE)) return true;
    switch (in->op) {
    case PPC_OP_DCBF: case PPC_OP_DCBST: case PPC_OP_DCBT: case PPC_OP_DCBTST: case PPC_OP_DCBZ:
    case PPC_OP_ICBI: case PPC_OP_DCBI:
        return true;
    default: return false;
    }
}

static const char *opd_name(int opd) {
    switch (opd) {
    case PPC_OPD_RT: return "rD";
    case PPC_OPD_RS: return "rS";
    case PPC_OPD_RA: return "rA";
    case PPC_OPD_RA0: return "rA|0";
    case PPC_OPD_RB: return "rB";
    case PPC_OPD_SIMM: return "simm";
    case PPC_OPD_UIMM: return "uimm";
    case PPC_OPD_D_RA0: return "d(rA|0)";
    case PPC_OPD_D_RA: return "d(rA)";
    case PPC_OPD_BD: case PPC_OPD_LI: return "target";
    case PPC_OPD_BO: return "BO";
    case PPC_OPD_BI: return "BI";
    case PPC_OPD_CRFD: return "crfD";
    case PPC_OPD_CRFS: return "crfS";
    case PPC_OPD_L: return "L";
    case PPC_OPD_CRBD: return "crbD";
    case PPC_OPD_CRBA: return "crbA";
    case PPC_OPD_CRBB: return "crbB";
    case PPC_OPD_SH: return "SH";
    case PPC_OPD_MB: return "MB";
    case PPC_OPD_ME: return "ME";
    case PPC_OPD_NB: return "NB";
    case PPC_OPD_CRM: return "CRM";
    case PPC_OPD_TO: return "TO";
    case PPC_OPD_FRT: return "frD";
    case PPC_OPD_FRS: return "frS";
    case PPC_OPD_FRA: return "frA";
    case PPC_OPD_FRB: return "frB";
    case PPC_OPD_FRC: return "frC";
    case PPC_OPD_FM: return "FM";
    case PPC_OPD_FIMM: return "IMM";
    default: return "?";
    }
}

/* "mfspr rD,287 (pvr)" */
static void form_text(const ppc_insn *in, const char *name, uint32_t w, char *out, size_t outsz) {
    size_t n = (size_t)snprintf(out, outsz, "%s", name);
    for (int k = 0; k < 5 && in->opd[k]; k++) {
        int o = in->opd[k];
        char t[40];
        if (o == PPC_OPD_SPR || o == PPC_OPD_TBR) {
            unsigned spr = ppc_spr_field(w);
            const ppc_spr *s = NULL;
            for (int i = 0; i < ppc_nsprs; i++)
                if (ppc_sprs[i].num == spr &&
                    (ppc_sprs[i].access & (in->op == PPC_OP_MTSPR ? PPC_SPR_W : PPC_SPR_R)))
                    s = &ppc_sprs[i];
            if (o == PPC_OPD_TBR && (spr == 268 || spr == 269)) snprintf(t, sizeof t, "%u (%s)", spr, spr == 268 ? "tbl" : "tbu");
            else if (s) snprintf(t, sizeof t, "%u (%s)", spr, s->name);
            else snprintf(t, sizeof t, "%u", spr);
        } else if (o == PPC_OPD_SR) {
            snprintf(t, sizeof t, "%u", (w >> 16) & 15);
        } else {
            snprintf(t, sizeof t, "%s", opd_name(o));
        }
        if (n < outsz) n += (size_t)snprintf(out + n, outsz - n, "%s%s", k ? "," : " ", t);
    }
}

static int add_form(vl_sweep_forms *out, int order, const char *mn, const char *form, int cls, uint64_t enc,
                    const char *enctext) {
    vl_sweep_form *f = vl_sweep_form_add(out);
    if (!f) return -1;
    f->order = order;
    snprintf(f->mnemonic, sizeof f->mnemonic, "%s", mn);
    snprintf(f->form, sizeof f->form, "%s", form);
    snprintf(f->enc, sizeof f->enc, "%s", enctext);
    f->declared = cls;
    if (vl_sweep_word_add(out, enc) < 0) return -1;
    f->count = 1;
    return 0;
}

static int forms(int variant, vl_sweep_forms *out) {
    ppc_decode_init();
    int order = 0;
    for (int e = 0; e < ppc_ninsns; e++) {
        const ppc_insn *in = &ppc_insns[e];
        char form[64], enc[64];
        if (in->flags & PPC_F_SPR || in->op == PPC_OP_MFTB) {
            for (unsigned spr = 0; spr < 1024; spr++) {
                uint32_t w = in->match | ppc_spr_encode(spr);
                form_text(in, in->mnemonic, w, form, sizeof form);
                snprintf(enc, sizeof enc, "0x%08x", w);
                int cls = in->op == PPC_OP_MFTB ? (ppc_decode(w) ? in->cls : VL_CLASS_ILLEGAL) : ppc_insn_class(w);
                if (add_form(out, order++, in->mnemonic, form, cls, ENC(w, e), enc) < 0) return -1;
            }
            continue;
        }
        bool has_sr = false;
        for (int k = 0; k < 5; k++) has_sr |= in->opd[k] == PPC_OPD_SR;
        if (has_sr) {
            for (unsigned sr = 0; sr < 16; sr++) {
                uint32_t w = in->match | sr << 16;
                form_text(in, in->mnemonic, w, form, sizeof form);
                snprintf(enc, sizeof enc, "0x%08x", w);
                if (add_form(out, order++, in->mnemonic, form, in->cls, ENC(w, e), enc) < 0) return -1;
            }
            continue;
        }
        /* free flag bits: OE (0x400), Rc/LK (bit 0), AA (bit 1) */
        unsigned oe = (in->flags & PPC_F_OE) ? 2 : 1, rc = (in->flags & (PPC_F_RC | PPC_F_LK)) ? 2 : 1,
                 aa = (in->flags & PPC_F_AA) ? 2 : 1;
        for (unsigned a = 0; a < aa; a++)
            for (unsigned o = 0; o < oe; o++)
                for (unsigned r = 0; r < rc; r++) {
                    uint32_t w = in->match | (o ? 0x400u : 0) | (r ? 1u : 0) | (a ? 2u : 0);
                    char name[24];
                    snprintf(name, sizeof name, "%s%s%s%s%s", in->mnemonic, o ? "o" : "",
                             r && (in->flags & PPC_F_RC) ? "." : "", r && (in->flags & PPC_F_LK) ? "l" : "",
                             a ? "a" : "");
                    form_text(in, name, w, form, sizeof form);
                    snprintf(enc, sizeof enc, "0x%08x/0x%08x", w, in->mask | (oe == 2 ? 0x400u : 0) |
                                                                      (rc == 2 ? 1u : 0) | (aa == 2 ? 2u : 0));
                    if (add_form(out, order++, in->mnemonic, form, in->cls, ENC(w, e), enc) < 0) return -1;
                }
    }
    /* unassigned primary and extended opcodes */
    vl_sweep_form *f = vl_sweep_form_add(out);
    if (!f) return -1;
    f->order = order++;
    snprintf(f->mnemonic, sizeof f->mnemonic, "unassigned");
    snprintf(f->form, sizeof f->form, "unassigned primary/extended opcodes");
    f->declared = VL_CLASS_ILLEGAL;
    int np = 0, nx = 0;
    for (unsigned p = 0; p < 64; p++) {
        unsigned v = ppc_dt_prim[p];
        if (v == 0) {
            if (vl_sweep_word_add(out, (uint64_t)p << 26) < 0) return -1;
            np++;
        } else if (v >= PPC_DT_EXT) {
            for (unsigned xo = 0; xo < 1024; xo++)
                if (!ppc_dt_ext[v - PPC_DT_EXT][xo]) {
                    if (vl_sweep_word_add(out, (uint64_t)p << 26 | xo << 1) < 0) return -1;
                    nx++;
                }
        }
    }
    f->count = (uint32_t)(out->nw - f->first);
    snprintf(f->enc, sizeof f->enc, "%d primary, %d extended opcodes", np, nx);
    return 0;
}

/* ---- encode ------------------------------------------------------------------------- */

typedef vl_rng rng;
static uint32_t rnext(rng *r) { return (uint32_t)vl_rng_next(r); }
static uint32_t rbelow(rng *r, uint32_t n) { return rnext(r) % n; }

static uint32_t field(uint32_t w, int hi, int lo, uint32_t v) {
    uint32_t m = ((1u << (hi - lo + 1)) - 1) << lo;
    return (w & ~m) | ((v << lo) & m);
}

static int encode(int variant, uint64_t enc, uint64_t rnd, uint8_t *buf, size_t bufsz, uint32_t *addr) {
    rng r = { rnd };
    uint32_t w = (uint32_t)enc;
    int e = (int)(enc >> 32) - 1;
    *addr = CODE;
    if (bufsz < 4) return 0;
    if (e < 0) { /* unassigned: the opcode bits stay, the rest is random */
        unsigned p = w >> 26;
        uint32_t keep = ppc_dt_prim[p] >= PPC_DT_EXT ? 0xFC0007FEu : 0xFC000000u;
        w = (w & keep) | (rnext(&r) & ~keep);
        vl_put_be32(buf, w);
        return 4;
    }
    const ppc_insn *in = &ppc_insns[e];
    bool mem = is_mem_op(in), update = in->flags & PPC_F_UPDATE;
    unsigned ra = 0;
    bool ra_zero = false;
    for (int k = 0; k < 5 && in->opd[k]; k++) {
        int o = in->opd[k];
        if (o == PPC_OPD_RA || o == PPC_OPD_RA0 || o == PPC_OPD_D_RA || o == PPC_OPD_D_RA0) {
            if (mem || o == PPC_OPD_D_RA || o == PPC_OPD_D_RA0) {
                ra = 1 + rbelow(&r, 10);
                if ((o == PPC_OPD_RA0 || o == PPC_OPD_D_RA0) && !update && rbelow(&r, 8) == 0) {
                    ra = 0;
                    ra_zero = true;
                }
            } else {
                ra = rbelow(&r, 32);
            }
            w = field(w, 20, 16, ra);
            if (o == PPC_OPD_D_RA || o == PPC_OPD_D_RA0) {
                uint32_t d = ra_zero ? (DATA_LO + rbelow(&r, DATA_HI - DATA_LO)) & ~3u
                                     : (uint32_t)((int32_t)rbelow(&r, 0x800) - 0x400) & ~3u;
                w = field(w, 15, 0, d & 0xFFFF);
            }
        }
    }
    for (int k = 0; k < 5 && in->opd[k]; k++) {
        int o = in->opd[k];
        switch (o) {
        case PPC_OPD_RT:
            if (in->op == PPC_OP_LMW) w = field(w, 25, 21, 16 + rbelow(&r, 16));
            else if (in->op == PPC_OP_LSWI || in->op == PPC_OP_LSWX) w = field(w, 25, 21, 20 + rbelow(&r, 8));
            else if (update && (in->flags & PPC_F_LOAD)) w = field(w, 25, 21, 14 + rbelow(&r, 18));
            else w = field(w, 25, 21, rbelow(&r, 32));
            break;
        case PPC_OPD_RS:
            if (in->op == PPC_OP_STSWI || in->op == PPC_OP_STSWX) w = field(w, 25, 21, 20 + rbelow(&r, 8));
            else w = field(w, 25, 21, rbelow(&r, 32));
            break;
        case PPC_OPD_RB:
            if (mem) w = field(w, 15, 11, ra_zero ? 1 + rbelow(&r, 10) : 11 + rbelow(&r, 3));
            else w = field(w, 15, 11, rbelow(&r, 32));
            break;
        case PPC_OPD_SIMM: case PPC_OPD_UIMM: w = field(w, 15, 0, rnext(&r)); break;
        case PPC_OPD_BD: w = field(w, 15, 2, rnext(&r)); break;
        case PPC_OPD_LI: w = field(w, 25, 2, rnext(&r)); break;
        case PPC_OPD_BO: {
            uint32_t bo = rbelow(&r, 32);
            if (in->op == PPC_OP_BCCTR) bo |= 4; /* never decrements CTR */
            w = field(w, 25, 21, bo);
            break;
        }
        case PPC_OPD_BI: case PPC_OPD_CRBA: w = field(w, 20, 16, rbelow(&r, 32)); break;
        case PPC_OPD_CRFD: w = field(w, 25, 23, rbelow(&r, 8)); break;
        case PPC_OPD_CRFS: w = field(w, 20, 18, rbelow(&r, 8)); break;
        case PPC_OPD_CRBD: case PPC_OPD_TO: case PPC_OPD_FRT: case PPC_OPD_FRS:
            w = field(w, 25, 21, rbelow(&r, 32));
            break;
        case PPC_OPD_CRBB: case PPC_OPD_SH: case PPC_OPD_FRB: w = field(w, 15, 11, rbelow(&r, 32)); break;
        case PPC_OPD_NB: w = field(w, 15, 11, 1 + rbelow(&r, 12)); break;
        case PPC_OPD_MB: case PPC_OPD_FRC: w = field(w, 10, 6, rbelow(&r, 32)); break;
        case PPC_OPD_ME: w = field(w, 5, 1, rbelow(&r, 32)); break;
        case PPC_OPD_FRA: w = field(w, 20, 16, rbelow(&r, 32)); break;
        case PPC_OPD_CRM: w = field(w, 19, 12, rnext(&r)); break;
        case PPC_OPD_FM: w = field(w, 24, 17, rnext(&r)); break;
        case PPC_OPD_FIMM: w = field(w, 15, 12, rnext(&r)); break;
        default: break; /* RA fields above; SPR, TBR, SR fixed by the form; L reserved */
        }
    }
    vl_put_be32(buf, w);
    return 4;
}

/* ---- states -------------------------------------------------------------------------------- */



static void state(int variant, const vl_reg_info *regs, int n, uint64_t seed, int index, int level,
                  vl_sweep_regs *out, uint8_t *mem) {
    rng r = { seed * 0x100000001B3ull ^ (uint64_t)index * 0x9E3779B97F4A7C15ull ^ 0x750ull };
    for (uint32_t a = 0; a < RAM; a += 4) vl_put_be32(mem + a, rnext(&r));
    bool translate = (index % 4) == 2;
    uint32_t msr = MSR_ME | (rnext(&r) & (MSR_EE | MSR_FP)) | (translate ? MSR_IR | MSR_DR : 0);
    {
        vl_sweep_regs *x = out;
        rng q = r;
        vl_sweep_reg_set(x, regs, n, "msr", level ? msr | MSR_PR : msr);
        char nm[16];
        for (int g = 0; g < 32; g++) {
            uint32_t v = rnext(&q);
            if (g >= 1 && g <= 10) v = (DATA_LO + v % (DATA_HI - DATA_LO)) & ~7u;
            else if (g >= 11 && g <= 13) v = (v % 0x100) & ~3u;
            snprintf(nm, sizeof nm, "r%d", g);
            vl_sweep_reg_set(x, regs, n, nm, v);
        }
        vl_sweep_reg_set(x, regs, n, "cr", rnext(&q));
        vl_sweep_reg_set(x, regs, n, "xer", (rnext(&q) & 0xE0000000u) | rbelow(&q, 16));
        vl_sweep_reg_set(x, regs, n, "lr", rnext(&q) & ~3u);
        vl_sweep_reg_set(x, regs, n, "ctr", rnext(&q));
        vl_sweep_reg_set(x, regs, n, "srr0", rnext(&q) & ~3u);
        vl_sweep_reg_set(x, regs, n, "srr1", rnext(&q) & MSR_SRR1_MASK & ~(MSR_SE | MSR_BE | MSR_POW));
        for (int g = 0; g < 4; g++) {
            snprintf(nm, sizeof nm, "sprg%d", g);
            vl_sweep_reg_set(x, regs, n, nm, rnext(&q));
        }
        vl_sweep_reg_set(x, regs, n, "dar", rnext(&q));
        vl_sweep_reg_set(x, regs, n, "dsisr", rnext(&q));
        vl_sweep_reg_set(x, regs, n, "sdr1", 0);
        vl_sweep_reg_set(x, regs, n, "tbl", rnext(&q));
        vl_sweep_reg_set(x, regs, n, "tbu", rnext(&q) & 0xFFFF);
        vl_sweep_reg_set(x, regs, n, "dec", 0x40000000u + (rnext(&q) & 0xFFFF));
        for (int g = 0; g < 16; g++) {
            snprintf(nm, sizeof nm, "sr%d", g);
            vl_sweep_reg_set(x, regs, n, nm, rnext(&q) & 0x7FFFFFFFu); /* T = 0 */
        }
        static const char *const bats[4] = { "ibat0u", "ibat0l", "dbat0u", "dbat0l" };
        /* BAT 0: 128 KiB at 0, 1:1, valid in both modes, read/write */
        static const uint32_t batv[4] = { 0x00000003u, 0x00000002u, 0x00000003u, 0x00000002u };
        for (int g = 0; g < 4; g++) vl_sweep_reg_set(x, regs, n, bats[g], batv[g]);
        vl_sweep_reg_set(x, regs, n, "pc", CODE);
    }
}

static void masks(int variant, const vl_reg_info *regs, int nregs, uint32_t *mode_mask, uint32_t *ctl_sup,
                  uint32_t *ctl_user) {
    for (int i = 0; i < nregs; i++) {
        const char *nm = regs[i].name;
        if (!strcmp(nm, "msr")) {
            mode_mask[i] = ~MSR_PR;
            ctl_sup[i] = ctl_user[i] = ~0u;
        } else if (!strcmp(nm, "dec") || !strcmp(nm, "tbl") || !strcmp(nm, "tbu")) {
            /* time moves on by itself */
        } else if (regs[i].flags & VL_REG_PRIV) {
            ctl_sup[i] = ctl_user[i] = ~0u;
        }
    }
}

static int exc_kind(int variant, int vector, const vl_reg_info *regs, int nregs, const uint32_t *after,
                    const uint8_t *mem) {
    if (vector == 0x800) return VL_SWEEP_EXC_ILLEGAL; /* floating point: not modelled */
    if (vector != 0x700) return VL_SWEEP_EXC_OTHER;
    int i = vl_sweep_reg_index(regs, nregs, "srr1");
    uint32_t srr1 = i >= 0 ? after[i] : 0;
    if (srr1 & SRR1_PRIV) return VL_SWEEP_EXC_PRIV;
    if (srr1 & SRR1_ILLEGAL) return VL_SWEEP_EXC_ILLEGAL;
    return VL_SWEEP_EXC_OTHER;
}

static void reason(int variant, const char *name, uint32_t addr, uint32_t a, uint32_t b, const char *an,
                   const char *bn, char *out, size_t outsz) {
    char where[24];
    if (name) snprintf(where, sizeof where, "%s", name);
    else snprintf(where, sizeof where, "memory 0x%04x", addr);
    if (name && name[0] == 'r' && (a ^ b) == MSR_PR)
        snprintf(out, outsz, "reads PR=%u from MSR: %s 0x%08x, %s 0x%08x (%s)", (b >> 14) & 1, an, a, bn, b, where);
    else
        vl_sweep_reason_plain(variant, name, addr, a, b, an, bn, out, outsz);
}

const vl_sweep_isa vl_sweep_ppc = {
    .isa = "ppc",
    .ram = RAM,
    .forms = forms,
    .state = state,
    .encode = encode,
    .masks = masks,
    .exc_kind = exc_kind,
    .reason = reason,
};
