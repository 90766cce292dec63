/* disasm.c - PowerPC 750 disassembler in GNU syntax.
 *
 * The base forms, their operands and the suffixes ("o", ".", "l", "a") come
 * from the decode table (decode.c). Spelling follows powerpc-linux-gnu-objdump
 * (binutils 2.40, -m powerpc:750): the extended mnemonics it prefers (li, mr,
 * slwi, blr, beq- cr1,...) are in the alias table below, conditional branches
 * are spelled by dis_branch(). tests/binutils_ppc.sh checks every form against
 * objdump; tests/ppc_known_differences.txt lists the deliberate differences.
 * An illegal word prints as ".long 0x...", like objdump.
 *
 * The alias table is shared with the assembler (asm.c), which accepts every
 * entry; only entries flagged PPC_AL_DIS are printed. */
#include "isa/ppc/ppc.h"
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/* ---- the extended mnemonics ---------------------------------------------- */
#define F_RT 0x03E00000u
#define F_RA 0x001F0000u
#define F_RB 0x0000F800u
#define F_SH 0x0000F800u
#define F_MB 0x000007C0u
#define F_ME 0x0000003Eu
#define F_L 0x00200000u
#define F_CRM 0x000FF000u
#define F_SPR 0x001FF800u
#define ME31 0x0000003Eu
#define SPRE(n) ((((uint32_t)(n) & 0x1Fu) << 16) | (((uint32_t)(n) >> 5) << 11))
#define TOE(n) ((uint32_t)(n) << 21)

#define O_RT PPC_OPD_RT
#define O_RS PPC_OPD_RS
#define O_RA PPC_OPD_RA
#define O_RA0 PPC_OPD_RA0
#define O_RB PPC_OPD_RB
#define O_SI PPC_OPD_SIMM
#define O_UI PPC_OPD_UIMM
#define O_N PPC_OPD_XN
#define O_B PPC_OPD_XB
#define DIS PPC_AL_DIS
#define OPT PPC_AL_OPT
#define SPR PPC_AL_SPR

/* mfXXX rD / mtXXX rS for one SPR (objdump spells these for the 750's
 * SPRs), by the spell column of sprs.h */
#define MF(nm, n, fl) { "mf" nm, "mfspr", F_SPR, SPRE(n), { O_RT }, PPC_XF_NONE, fl },
#define MT(nm, n, fl) { "mt" nm, "mtspr", F_SPR, SPRE(n), { O_RS }, PPC_XF_NONE, fl },
#define SPELL_MFMT(nm, n) MF(nm, n, DIS | SPR) MT(nm, n, DIS | SPR)
#define SPELL_MF(nm, n) MF(nm, n, DIS | SPR)
#define SPELL_MT(nm, n) MT(nm, n, DIS | SPR)
#define SPELL_SPRG(nm, n) MF(nm, n, 0) MT(nm, n, 0) /* assembler-only: mfsprg0 rD... */
#define SPELL_NONE(nm, n)
#define SPR_ALIASES(num, name, access, where, wmask, spell, view) SPELL_##spell(name, num)
/* trap on condition: tw<c> rA,rB / tw<c>i rA,SIMM */
#define TW(c, to, fl) { "tw" c, "tw", F_RT, TOE(to), { O_RA, O_RB }, PPC_XF_NONE, fl }, \
                      { "tw" c "i", "twi", F_RT, TOE(to), { O_RA, O_SI }, PPC_XF_NONE, fl }

const ppc_alias ppc_aliases[] = {
    { "nop", "ori", 0x03FFFFFFu, 0, { 0 }, PPC_XF_NONE, DIS },
    { "xnop", "xori", 0x03FFFFFFu, 0, { 0 }, PPC_XF_NONE, DIS },
    { "li", "addi", F_RA, 0, { O_RT, O_SI }, PPC_XF_NONE, DIS },
    { "lis", "addis", F_RA, 0, { O_RT, O_SI }, PPC_XF_NONE, DIS },
    { "la", "addi", 0, 0, { O_RT, PPC_OPD_D_RA0 }, PPC_XF_NONE, 0 },
    { "subi", "addi", 0, 0, { O_RT, O_RA0, O_SI }, PPC_XF_NEG, 0 },
    { "subis", "addis", 0, 0, { O_RT, O_RA0, O_SI }, PPC_XF_NEG, 0 },
    { "subic", "addic", 0, 0, { O_RT, O_RA, O_SI }, PPC_XF_NEG, 0 },
    { "subic.", "addic.", 0, 0, { O_RT, O_RA, O_SI }, PPC_XF_NEG, 0 },
    { "sub", "subf", 0, 0, { O_RT, O_RB, O_RA }, PPC_XF_NONE, 0 },
    { "subc", "subfc", 0, 0, { O_RT, O_RB, O_RA }, PPC_XF_NONE, 0 },
    { "mr", "or", 0, 0, { O_RA, O_RS }, PPC_XF_RB_RS, DIS },
    { "not", "nor", 0, 0, { O_RA, O_RS }, PPC_XF_RB_RS, DIS },
    { "cmpwi", "cmpi", F_L, 0, { PPC_OPD_CRFD, O_RA, O_SI }, PPC_XF_NONE, DIS | OPT },
    { "cmpw", "cmp", F_L, 0, { PPC_OPD_CRFD, O_RA, O_RB }, PPC_XF_NONE, DIS | OPT },
    { "cmplwi", "cmpli", F_L, 0, { PPC_OPD_CRFD, O_RA, O_UI }, PPC_XF_NONE, DIS | OPT },
    { "cmplw", "cmpl", F_L, 0, { PPC_OPD_CRFD, O_RA, O_RB }, PPC_XF_NONE, DIS | OPT },
    { "rotlwi", "rlwinm", F_MB | F_ME, ME31, { O_RA, O_RS, PPC_OPD_SH }, PPC_XF_NONE, DIS },
    { "clrlwi", "rlwinm", F_SH | F_ME, ME31, { O_RA, O_RS, PPC_OPD_MB }, PPC_XF_NONE, DIS },
    { "clrrwi", "rlwinm", F_SH | F_MB, 0, { O_RA, O_RS, O_N }, PPC_XF_CLRRWI, DIS },
    { "slwi", "rlwinm", 0, 0, { O_RA, O_RS, O_N }, PPC_XF_SLWI, DIS },
    { "srwi", "rlwinm", 0, 0, { O_RA, O_RS, O_N }, PPC_XF_SRWI, DIS },
    { "rotrwi", "rlwinm", 0, 0, { O_RA, O_RS, O_N }, PPC_XF_ROTRWI, 0 },
    { "extlwi", "rlwinm", 0, 0, { O_RA, O_RS, O_N, O_B }, PPC_XF_EXTLWI, 0 },
    { "extrwi", "rlwinm", 0, 0, { O_RA, O_RS, O_N, O_B }, PPC_XF_EXTRWI, 0 },
    { "clrlslwi", "rlwinm", 0, 0, { O_RA, O_RS, O_B, O_N }, PPC_XF_CLRLSLWI, 0 },
    { "inslwi", "rlwimi", 0, 0, { O_RA, O_RS, O_N, O_B }, PPC_XF_INSLWI, 0 },
    { "insrwi", "rlwimi", 0, 0, { O_RA, O_RS, O_N, O_B }, PPC_XF_INSRWI, 0 },
    { "rotlw", "rlwnm", F_MB | F_ME, ME31, { O_RA, O_RS, O_RB }, PPC_XF_NONE, DIS },
    { "crclr", "crxor", 0, 0, { PPC_OPD_CRBD }, PPC_XF_CRB3, DIS },
    { "crset", "creqv", 0, 0, { PPC_OPD_CRBD }, PPC_XF_CRB3, DIS },
    { "crmove", "cror", 0, 0, { PPC_OPD_CRBD, PPC_OPD_CRBA }, PPC_XF_CRB2, DIS },
    { "crnot", "crnor", 0, 0, { PPC_OPD_CRBD, PPC_OPD_CRBA }, PPC_XF_CRB2, DIS },
    { "mtcr", "mtcrf", F_CRM, 0xFFu << 12, { O_RS }, PPC_XF_NONE, DIS },
    { "trap", "tw", F_RT | F_RA | F_RB, TOE(31), { 0 }, PPC_XF_NONE, DIS },
    TW("lgt", 1, DIS), TW("llt", 2, DIS), TW("eq", 4, DIS), TW("lge", 5, DIS),
    TW("lle", 6, DIS), TW("gt", 8, DIS), TW("ge", 12, DIS), TW("lt", 16, DIS),
    TW("le", 20, DIS), TW("ne", 24, DIS), TW("u", 31, DIS),
    TW("lnl", 5, 0), TW("lng", 6, 0), TW("nl", 12, 0), TW("ng", 20, 0),
    { "mftb", "mftb", F_SPR, SPRE(268), { O_RT }, PPC_XF_NONE, DIS },
    { "mftbu", "mftb", F_SPR, SPRE(269), { O_RT }, PPC_XF_NONE, DIS },
    { "mftbl", "mftb", F_SPR, SPRE(268), { O_RT }, PPC_XF_NONE, 0 },
    /* SPRs, as objdump spells them: the families by number, then each SPR */
    { "mfsprg", "mfspr", 0, SPRE(272), { O_RT, O_N }, PPC_XF_SPR1, DIS | SPR },
    { "mtsprg", "mtspr", 0, SPRE(272), { O_N, O_RS }, PPC_XF_SPR1, DIS | SPR },
    { "mfibatu", "mfspr", 0, SPRE(528), { O_RT, O_N }, PPC_XF_SPR2, DIS | SPR },
    { "mtibatu", "mtspr", 0, SPRE(528), { O_N, O_RS }, PPC_XF_SPR2, DIS | SPR },
    { "mfibatl", "mfspr", 0, SPRE(529), { O_RT, O_N }, PPC_XF_SPR2, DIS | SPR },
    { "mtibatl", "mtspr", 0, SPRE(529), { O_N, O_RS }, PPC_XF_SPR2, DIS | SPR },
    { "mfdbatu", "mfspr", 0, SPRE(536), { O_RT, O_N }, PPC_XF_SPR2, DIS | SPR },
    { "mtdbatu", "mtspr", 0, SPRE(536), { O_N, O_RS }, PPC_XF_SPR2, DIS | SPR },
    { "mfdbatl", "mfspr", 0, SPRE(537), { O_RT, O_N }, PPC_XF_SPR2, DIS | SPR },
    { "mtdbatl", "mtspr", 0, SPRE(537), { O_N, O_RS }, PPC_XF_SPR2, DIS | SPR },
    PPC_SPRS(SPR_ALIASES)
};
const int ppc_naliases = (int)(sizeof ppc_aliases / sizeof ppc_aliases[0]);

/* ---- fields ---------------------------------------------------------------- */
static int32_t sext(uint32_t v, int bits) {
    uint32_t m = 1u << (bits - 1);
    return (int32_t)((v ^ m) - m);
}

/* Value of a simple operand field (not D(rA), not branch targets). */
static uint32_t opd_get(int k, uint32_t w) {
    switch (k) {
    case PPC_OPD_RT: case PPC_OPD_RS: case PPC_OPD_BO: case PPC_OPD_CRBD: case PPC_OPD_TO:
    case PPC_OPD_FRT: case PPC_OPD_FRS:
        return (w >> 21) & 31;
    case PPC_OPD_RA: case PPC_OPD_RA0: case PPC_OPD_BI: case PPC_OPD_CRBA: case PPC_OPD_FRA:
        return (w >> 16) & 31;
    case PPC_OPD_RB: case PPC_OPD_CRBB: case PPC_OPD_SH: case PPC_OPD_NB: case PPC_OPD_FRB:
        return (w >> 11) & 31;
    case PPC_OPD_MB: case PPC_OPD_FRC: return (w >> 6) & 31;
    case PPC_OPD_ME: return (w >> 1) & 31;
    case PPC_OPD_CRFD: return (w >> 23) & 7;
    case PPC_OPD_CRFS: return (w >> 18) & 7;
    case PPC_OPD_L: return (w >> 21) & 1;
    case PPC_OPD_SIMM: case PPC_OPD_UIMM: return w & 0xFFFF;
    case PPC_OPD_SPR: case PPC_OPD_TBR: return ppc_spr_field(w);
    case PPC_OPD_SR: return (w >> 16) & 15;
    case PPC_OPD_CRM: return (w >> 12) & 0xFF;
    case PPC_OPD_FM: return (w >> 17) & 0xFF;
    case PPC_OPD_FIMM: return (w >> 12) & 15;
    default: return 0;
    }
}

static const char *const crbit_names[4] = { "lt", "gt", "eq", "so" };
static const char *const cond_false[4] = { "ge", "le", "ne", "ns" };

/* ---- output buffer ----------------------------------------------------------- */
typedef struct obuf { char *p; size_t n, len; } obuf;

static void put(obuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void put(obuf *b, const char *fmt, ...) {
    if (b->len >= b->n) return;
    va_list ap;
    va_start(ap, fmt);
    int r = vsnprintf(b->p + b->len, b->n - b->len, fmt, ap);
    va_end(ap);
    if (r > 0) b->len += (size_t)r < b->n - b->len ? (size_t)r : b->n - b->len - 1;
}

static void put_crbit(obuf *b, unsigned v) {
    if (v < 4) put(b, "%s", crbit_names[v]);
    else put(b, "4*cr%u+%s", v >> 2, crbit_names[v & 3]);
}

/* One operand of kind k in GNU syntax. */
static void put_opd(obuf *b, int k, uint32_t w, uint32_t addr) {
    uint32_t v = opd_get(k, w);
    /* FPSCR fields and bits are plain numbers (objdump): mtfsfi BF, mtfsb0/1 BT */
    unsigned p = w >> 26, xo = (w >> 1) & 0x3FF;
    if (p == 63 && ((k == PPC_OPD_CRFD && xo == 134) || (k == PPC_OPD_CRBD && (xo == 38 || xo == 70)))) {
        put(b, "%u", v);
        return;
    }
    switch (k) {
    case PPC_OPD_RT: case PPC_OPD_RS: case PPC_OPD_RA: case PPC_OPD_RB: put(b, "r%u", v); break;
    case PPC_OPD_RA0: if (v) put(b, "r%u", v); else put(b, "0"); break;
    case PPC_OPD_SIMM: put(b, "%d", sext(v, 16)); break;
    case PPC_OPD_D_RA0: case PPC_OPD_D_RA: {
        unsigned ra = (w >> 16) & 31;
        if (ra) put(b, "%d(r%u)", sext(w & 0xFFFF, 16), ra);
        else put(b, "%d(0)", sext(w & 0xFFFF, 16));
        break;
    }
    case PPC_OPD_BD: case PPC_OPD_LI: {
        int32_t d = k == PPC_OPD_BD ? sext(w & 0xFFFC, 16) : sext(w & 0x03FFFFFC, 26);
        uint32_t t = ((w & 2) ? 0 : addr) + (uint32_t)d;
        put(b, "0x%x", t);
        break;
    }
    case PPC_OPD_BI: case PPC_OPD_CRBD: case PPC_OPD_CRBA: case PPC_OPD_CRBB: put_crbit(b, v); break;
    case PPC_OPD_CRFD: case PPC_OPD_CRFS: put(b, "cr%u", v); break;
    case PPC_OPD_NB: put(b, "%u", v ? v : 32); break;
    case PPC_OPD_FRT: case PPC_OPD_FRS: case PPC_OPD_FRA: case PPC_OPD_FRB: case PPC_OPD_FRC:
        put(b, "f%u", v);
        break;
    default: put(b, "%u", v); break;
    }
}

/* ---- aliases ----------------------------------------------------------------- */
/* Does alias a fit word w (its base already decoded)? Values of XN/XB in n, nb. */
static bool alias_fits(const ppc_alias *a, uint32_t w, unsigned *n, unsigned *nb) {
    if ((w & a->mask) != (a->match & a->mask)) return false;
    unsigned sh = (w >> 11) & 31, mb = (w >> 6) & 31, me = (w >> 1) & 31;
    unsigned rs = (w >> 21) & 31, ra = (w >> 16) & 31, rb = (w >> 11) & 31;
    *n = *nb = 0;
    switch (a->xf) {
    case PPC_XF_NONE: break;
    case PPC_XF_RB_RS: if (rb != rs) return false; break;
    case PPC_XF_CRB3: if (ra != rs || rb != rs) return false; break;
    case PPC_XF_CRB2: if (rb != ra) return false; break;
    case PPC_XF_CLRRWI: if (me == 31) return false; *n = 31 - me; break;
    case PPC_XF_SLWI: if (mb != 0 || me != 31 - sh || sh == 0) return false; *n = sh; break;
    case PPC_XF_SRWI: if (me != 31 || mb == 0 || sh != ((32 - mb) & 31)) return false; *n = mb; break;
    case PPC_XF_SPR1: case PPC_XF_SPR2: {
        unsigned step = a->xf == PPC_XF_SPR1 ? 1 : 2;
        unsigned base = ppc_spr_field(a->match), spr = ppc_spr_field(w);
        if (spr < base || (spr - base) % step || (spr - base) / step > 3) return false;
        *n = (spr - base) / step;
        break;
    }
    default: return false; /* assembler-only transforms */
    }
    if ((a->flags & PPC_AL_SPR) && !ppc_spr_find(ppc_spr_field(w))) return false;
    return true;
}

static void put_suffixes(obuf *b, const ppc_insn *in, uint32_t w) {
    if ((in->flags & PPC_F_OE) && (w & 0x400)) put(b, "o");
    if ((in->flags & PPC_F_RC) && (w & 1)) put(b, ".");
    if ((in->flags & PPC_F_LK) && (w & 1)) put(b, "l");
    if ((in->flags & PPC_F_AA) && (w & 2)) put(b, "a");
}

/* ---- conditional branches ----------------------------------------------------- */
/* Spell bc/bclr/bcctr as objdump does for a pre-POWER4 target: extended
 * mnemonics (bdnzf, bge, beqlr, bdnz, blr, bctr...) with the static
 * prediction always shown: "+" when the y bit is set for a forward (or
 * LR/CTR) branch or clear for a backward one, "-" otherwise; the raw
 * bc/bclr/bcctr form (with "+" when y is set and the branch is not
 * backward) where no extended mnemonic applies. Returns false where objdump
 * prints ".long" (BO values it treats as invalid). */
static bool dis_branch(const ppc_insn *in, uint32_t w, uint32_t addr, obuf *mn, obuf *ops) {
    int kind = in->op == PPC_OP_BC ? 0 : in->op == PPC_OP_BCLR ? 1 : 2;
    unsigned bo = (w >> 21) & 31, bi = (w >> 16) & 31, y = bo & 1;
    bool lk = w & 1, aa = kind == 0 && (w & 2);
    int32_t bd = kind == 0 ? sext(w & 0xFFFC, 16) : 0;
    bool neg = bd < 0;
    const char *ks = kind == 1 ? "lr" : kind == 2 ? "ctr" : "";
    const char *hint = (y ^ (unsigned)neg) ? "+" : "-";
    if ((bo >= 21 && bo <= 23) || bo >= 28) return false;
    if (kind && (bo == 6 || bo == 7 || bo == 14 || bo == 15 || bo >= 21)) return false;
    if (!kind && bo >= 24 && bi) return false;
    /* A z bit set in BO (001zy, 011zy, 1z00y): objdump prints the extended
     * mnemonic, which loses the bit; vlab prints the raw form (documented). */
    bool zbit = !kind && (bo == 6 || bo == 7 || bo == 14 || bo == 15 || bo >= 24);
    char stem[8];
    int style; /* 0 crbit+target, 1 crfield+target, 2 target only, 3 raw, 4 blr/bctr */
    if (bo <= 3) {
        style = kind == 2 ? 3 : 0;
        snprintf(stem, sizeof stem, "%s", (bo & 2) ? "bdzf" : "bdnzf");
    } else if (bo <= 7) {
        style = 1;
        snprintf(stem, sizeof stem, "b%s", cond_false[bi & 3]);
    } else if (bo <= 11) {
        style = kind == 2 ? 3 : 0;
        snprintf(stem, sizeof stem, "%s", (bo & 2) ? "bdzt" : "bdnzt");
    } else if (bo <= 15) {
        style = 1;
        snprintf(stem, sizeof stem, "b%s", crbit_names[bi & 3]);
    } else if (bo != 20) {
        style = (bi == 0 && kind != 2) ? 2 : 3;
        snprintf(stem, sizeof stem, "%s", (bo & 2) ? "bdz" : "bdnz");
    } else {
        style = (bi == 0 && kind != 0) ? 4 : 3;
        stem[0] = 'b', stem[1] = 0;
    }
    bool need_comma = false;
    if (zbit) style = 3;
    if (style == 3) {
        put(mn, "bc%s%s%s%s", ks, lk ? "l" : "", aa ? "a" : "", (y && !neg) ? "+" : "");
        put(ops, "%u,", bo);
        put_crbit(ops, bi);
        need_comma = true;
    } else if (style == 4) {
        put(mn, "b%s%s", ks, lk ? "l" : "");
    } else {
        put(mn, "%s%s%s%s%s", stem, ks, lk ? "l" : "", aa ? "a" : "", hint);
        if (style == 0) { put_crbit(ops, bi); need_comma = true; }
        else if (style == 1 && (bi >> 2)) { put(ops, "cr%u", bi >> 2); need_comma = true; }
    }
    if (kind == 0) {
        if (need_comma) put(ops, ",");
        put_opd(ops, PPC_OPD_BD, w, addr);
    }
    return true;
}

/* ---- the disassembler ---------------------------------------------------------- */
int ppc_disasm(int variant, const uint8_t *bytes, size_t len, uint32_t addr, char *out, size_t outsz) {
    (void)variant;
    if (!out || outsz == 0) return -1;
    if (!bytes || len < 4) {
        snprintf(out, outsz, "truncated instruction: %zu byte%s, need 4", bytes ? len : 0,
                 (bytes ? len : 0) == 1 ? "" : "s");
        return -1;
    }
    uint32_t w = vl_be32(bytes);
    char mnb[32], opb[96];
    obuf mn = { mnb, sizeof mnb, 0 }, ops = { opb, sizeof opb, 0 };
    mnb[0] = opb[0] = 0;
    const ppc_insn *in = ppc_decode(w);
    bool ok = in != NULL;
    if (ok && (in->op == PPC_OP_BC || in->op == PPC_OP_BCLR || in->op == PPC_OP_BCCTR)) {
        ok = dis_branch(in, w, addr, &mn, &ops);
    } else if (ok) {
        const ppc_alias *al = NULL;
        unsigned n = 0, nb = 0;
        for (int i = 0; i < ppc_naliases; i++) {
            const ppc_alias *a = &ppc_aliases[i];
            if ((a->flags & PPC_AL_DIS) && strcmp(a->base, in->mnemonic) == 0 &&
                alias_fits(a, w, &n, &nb)) {
                al = a;
                break;
            }
        }
        put(&mn, "%s", al ? al->name : in->mnemonic);
        put_suffixes(&mn, in, w);
        const uint8_t *od = al ? al->opd : in->opd;
        int nod = al ? 4 : 5;
        for (int i = 0; i < nod && od[i]; i++) {
            if (i == 0 && al && (al->flags & PPC_AL_OPT) && opd_get(od[0], w) == 0) continue;
            if (ops.len) put(&ops, ",");
            if (od[i] == PPC_OPD_XN) put(&ops, "%u", n);
            else if (od[i] == PPC_OPD_XB) put(&ops, "%u", nb);
            else put_opd(&ops, od[i], w, addr);
        }
    }
    if (!ok) snprintf(out, outsz, ".long 0x%x", w);
    else if (ops.len) snprintf(out, outsz, "%-7s %s", mnb, opb);
    else snprintf(out, outsz, "%s", mnb);
    return 4;
}
