/* asm.c - PowerPC 750 assembler in the syntax of GNU as (powerpc-linux-gnu-as).
 * The language around the instructions (labels, expressions, directives,
 * passes, errors) is the assembler framework's (core/asm.h); this file parses
 * and encodes PowerPC operands.
 *
 * Instructions: base mnemonics come from the decode table (ppc_insns) with
 * their "o" (OE), "." (Rc), "l" (LK) and "a" (AA) suffixes; extended
 * mnemonics from the alias table (ppc_aliases, disasm.c); conditional
 * branches (beq, bne- cr1,lab, bdnz, blr, bgectrl...) are spelled by
 * asm_branch(). There is no second opcode list.
 *
 * Operands: registers as r3, %r3 or 3 (f3 for FPRs), cr1 or 1 for CR fields,
 * CR bits as 4*cr1+eq, lt/gt/eq/so/un or 0..31, d(rA) memory operands,
 * expressions, and the relocation operators sym@l, sym@h, sym@ha (@hi = @h)
 * after an expression. Ranges are GNU's for a 32-bit target: an operand is
 * its low 32 bits, signed (0xffff8000 is -32768 for li), lis/addis take
 * -32768..65535, cmplwi/cmpli -32768..65535, and @l/@h/@ha values fit either
 * sign. Branch hints + and -
 * set the y bit as GNU as does for pre-POWER4 targets; BO values GNU calls
 * an invalid conditional option are refused, except the z bits of bc (below).
 *
 * Differences from GNU as (tests/ppc_known_differences.txt): a constant
 * branch target is an absolute address (as the disassembler prints it; GNU
 * as reads a bare constant as the displacement; `.+8` and labels mean the
 * same in both), `.org` takes an absolute address (at or after the origin),
 * bc with a z bit set in BO is accepted (the disassembler prints it raw), and
 * lmw/lswi/lswx with rA in the loaded range are accepted (GNU as refuses
 * them; the 750 executes them and the disassembler prints them). Every word
 * must decode back to the form it was assembled from (ppc_decode), so
 * reserved fields, L = 1 and the invalid forms the 750 refuses (lwzu r3,0(r3),
 * bcctr with CTR decrement, mftb with another TBR) are errors.
 *
 * PowerPC syntax for the framework: `#` starts a comment, C comments within
 * a line and `//` too, `;` separates statements, `.align n` is 2^n bytes and
 * pads code with nops. */
#include "isa/ppc/ppc.h"

#include "core/asm.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

enum { X_CR = 1 }; /* asm_expr flag: cr0..cr7, lt, gt, eq, so, un name CR fields and bits */

enum { RELOC_NONE = 0, RELOC_L, RELOC_H, RELOC_HA }; /* asm_value.modifier */

static bool word_eq(const char *s, size_t n, const char *w) { return strlen(w) == n && memcmp(s, w, n) == 0; }

/* Print at most 24 characters of [s, e) for messages. */
static const char *show(const char *s, const char *e, char *buf, size_t n) {
    size_t len = (size_t)(e - s);
    if (len > 24) len = 24;
    if (len >= n) len = n - 1;
    memcpy(buf, s, len);
    buf[len] = 0;
    return buf;
}

/* ---- names in expressions ------------------------------------------------------- */

static int cr_name(const char *s, size_t n) {
    char l[4];
    if (n < 2 || n > 3) return -1;
    for (size_t i = 0; i < n; i++) l[i] = (char)tolower((unsigned char)s[i]);
    if (n == 3 && l[0] == 'c' && l[1] == 'r' && l[2] >= '0' && l[2] <= '7') return l[2] - '0';
    static const char *const bits[] = { "lt", "gt", "eq", "so", "un" };
    for (int i = 0; i < 5; i++)
        if (word_eq(l, n, bits[i])) return i < 4 ? i : 3;
    return -1;
}

/* r0..r31, f0..f31, cr0..cr7 (not user symbols): registers, not values. */
static bool reg_like(const char *s, const char *e) {
    size_t n = (size_t)(e - s), k = (n >= 2 && tolower((unsigned char)s[0]) == 'c' && tolower((unsigned char)s[1]) == 'r') ? 2 : 1;
    if (n <= k || n > k + 2) return false;
    if (!(k == 2 || tolower((unsigned char)s[0]) == 'r' || tolower((unsigned char)s[0]) == 'f')) return false;
    for (size_t i = k; i < n; i++)
        if (!isdigit((unsigned char)s[i])) return false;
    return atoi(s + k) <= (k == 2 ? 7 : 31);
}

/* An identifier in an expression: a symbol if one is defined by that name,
 * else CR fields and bits where flags has X_CR, and registers are errors. */
static asm_name_kind expression_name(asm_ctx *c, const char *s, size_t *n, unsigned flags, int64_t *value) {
    if (asm_symbol_defined(c, s, *n)) return ASM_NAME_SYMBOL;
    int cr = (flags & X_CR) ? cr_name(s, *n) : -1;
    if (cr >= 0) {
        *value = cr;
        return ASM_NAME_VALUE;
    }
    if ((flags & X_CR) && *n >= 3 && tolower((unsigned char)s[0]) == 'c' && tolower((unsigned char)s[1]) == 'r' &&
        isdigit((unsigned char)s[2]))
        return asm_error_register(c, s, *n), ASM_NAME_ERROR; /* cr8 */
    if (reg_like(s, s + *n)) return asm_error_not_a_number(c, s, *n), ASM_NAME_ERROR;
    return ASM_NAME_SYMBOL;
}

/* expr@l, expr@h (@hi), expr@ha: the halves of a 32-bit value. */
static bool reloc_suffix(asm_ctx *c, const char **pp, asm_value *v) {
    const char *at = asm_skip_blanks(*pp);
    if (*at != '@') return true;
    const char *t = at + 1, *q = t;
    while (isalpha((unsigned char)*q)) q++;
    size_t n = (size_t)(q - t);
    int r = word_eq(t, n, "l") ? RELOC_L : word_eq(t, n, "h") || word_eq(t, n, "hi") ? RELOC_H
          : word_eq(t, n, "ha") ? RELOC_HA : RELOC_NONE;
    if (!r) {
        char b[32];
        return asm_error(c, at, "unknown relocation operator '@%s'", show(t, q, b, sizeof b));
    }
    uint32_t u = (uint32_t)v->v;
    v->v = r == RELOC_L ? (u & 0xFFFF) : r == RELOC_H ? (u >> 16) : (((u + 0x8000u) >> 16) & 0xFFFF);
    v->modifier = r;
    *pp = q;
    return true;
}

/* ---- operands -------------------------------------------------------------------------- */

/* [s, e) without the blanks around it. */
static asm_operand trim(const char *s, const char *e) {
    s = asm_skip_blanks(s);
    while (e > s && (e[-1] == ' ' || e[-1] == '\t')) e--;
    return (asm_operand){ s, e };
}

/* The text [o.s, o.e) as one expression. An operand of a 32-bit target is
 * its low 32 bits, signed, as in GNU as: 0xffff8000 is -32768 for li, and
 * 0x100000000 is 0. */
static bool eval(asm_ctx *c, asm_operand o, unsigned flags, asm_value *v) {
    const char *p = o.s, *end = asm_skip_blanks(o.e);
    if (!asm_expr(c, &p, flags, v)) return false;
    v->v = (int32_t)(uint32_t)v->v;
    p = asm_skip_blanks(p);
    return p == end || asm_error_junk(c, p < end ? p : end, "expression");
}

/* A register name: [%]r0..r31 (kind 'r'), [%]f0..f31 ('f'); -1 if the text is
 * not of that shape, -2 if it is but the number is out of range. */
static int reg_name(const char *s, const char *e, char kind) {
    if (s < e && *s == '%') s++;
    if (s >= e || tolower((unsigned char)*s) != kind) return -1;
    s++;
    if (s >= e || !isdigit((unsigned char)*s)) return -1;
    int v = 0;
    for (; s < e; s++) {
        if (!isdigit((unsigned char)*s)) return -1;
        v = v * 10 + (*s - '0');
        if (v > 1000) v = 1000;
    }
    return v <= 31 ? v : -2;
}

static bool parse_reg(asm_ctx *c, asm_operand o, char kind, unsigned *out) {
    char b[32];
    int r = reg_name(o.s, o.e, kind);
    if (r == -2) return asm_error_register(c, o.s, (size_t)(o.e - o.s));
    if (r >= 0) { *out = (unsigned)r; return true; }
    if ((o.s < o.e && *o.s == '%') || (reg_like(o.s, o.e) && !asm_symbol_defined(c, o.s, (size_t)(o.e - o.s))))
        return asm_error(c, o.s, "expected a%s register, got '%s'", kind == 'r' ? " general" : " floating-point",
                         show(o.s, o.e, b, sizeof b));
    if (kind == 'r' && o.e - o.s == 2 && tolower((unsigned char)o.s[0]) == 's' && tolower((unsigned char)o.s[1]) == 'p') {
        *out = 1;
        return true;
    }
    asm_value v;
    if (!eval(c, o, 0, &v)) return false;
    if (!asm_check_range(c, o.s, kind == 'r' ? "general register number" : "floating-point register number", v.v, 0, 31))
        return false;
    *out = (unsigned)v.v & 31;
    return true;
}

/* A number in [lo, hi] (before the final pass, lo when it is not); CR names
 * allowed with X_CR. */
static bool parse_num(asm_ctx *c, asm_operand o, unsigned flags, int64_t lo, int64_t hi, const char *what, int64_t *out) {
    asm_value v;
    if (!eval(c, o, flags, &v) || !asm_check_range(c, o.s, what, v.v, lo, hi)) return false;
    *out = v.v >= lo && v.v <= hi ? v.v : lo;
    return true;
}

/* A 16-bit field in [lo, hi] as written (the negated range for subi and
 * the like, which negate it); @l/@h/@ha values fit either sign (GNU as). */
static bool parse_imm16(asm_ctx *c, asm_operand o, const char *what, bool is_signed, int64_t lo, int64_t hi, bool negate,
                        uint32_t *field) {
    asm_value v;
    if (!eval(c, o, 0, &v)) return false;
    int64_t x = v.modifier && is_signed ? (int16_t)(uint16_t)v.v : v.v;
    if (negate && !asm_check_range(c, o.s, what, x, -hi, -lo)) return false;
    if (!negate && !v.modifier && !asm_check_range(c, o.s, what, x, lo, hi)) return false;
    *field = (uint32_t)(negate ? 0 - (uint64_t)x : (uint64_t)x) & 0xFFFF;
    return true;
}

/* d(rA): displacement and base register. */
static bool parse_mem(asm_ctx *c, asm_operand o, uint32_t *d, unsigned *ra) {
    char b[32];
    if (o.e <= o.s || o.e[-1] != ')')
        return asm_error(c, o.s, "expected d(rA), got '%s'", show(o.s, o.e, b, sizeof b));
    int depth = 0;
    const char *p = o.e - 1;
    for (; p >= o.s; p--) {
        if (*p == ')') depth++;
        else if (*p == '(' && --depth == 0) break;
    }
    if (p < o.s) return asm_error(c, o.s, "unbalanced parentheses");
    asm_operand r = trim(p + 1, o.e - 1), dd = trim(o.s, p);
    if (r.s == r.e) return asm_error(c, p + 1, "missing base register");
    if (!parse_reg(c, r, 'r', ra)) return false;
    if (dd.s == dd.e) { *d = 0; return true; }
    return parse_imm16(c, dd, "displacement", true, -0x8000, 0x7FFF, false, d);
}

/* Branch target: displacement field for a relative or absolute branch. */
static bool parse_target(asm_ctx *c, asm_operand o, bool abs, int bits, uint32_t *field) {
    asm_value t;
    if (!eval(c, o, 0, &t)) return false;
    int64_t v = t.v;
    int64_t d = abs ? v : (int64_t)(uint32_t)v - (int64_t)(uint32_t)asm_pc(c);
    if (abs && v >= 0 && v <= 0xFFFFFFFFll) d = (int32_t)(uint32_t)v; /* absolute: sign-extended field */
    if (!abs) {
        /* 32-bit wrap-around: the nearest displacement */
        if (d > 0x7FFFFFFFll) d -= 0x100000000ll;
        else if (d < -0x80000000ll) d += 0x100000000ll;
    }
    int64_t lim = (int64_t)1 << (bits - 1);
    if (asm_final(c) && (d & 3))
        return asm_error(c, o.s, "branch target 0x%llx is not a multiple of 4", (unsigned long long)(uint32_t)v);
    if (!asm_check_range(c, o.s, abs ? "branch address" : "branch displacement", d, -lim, lim - 4)) return false;
    *field = (uint32_t)d & (uint32_t)((lim << 1) - 1) & ~3u;
    return true;
}

/* SPR operand: number or name ("lr", "sprg0"...); mt selects the writable one. */
static bool parse_spr(asm_ctx *c, asm_operand o, bool mt, bool tbr, unsigned *out) {
    size_t n = (size_t)(o.e - o.s);
    if (n > 0 && n < 16 && isalpha((unsigned char)*o.s) && !asm_symbol_defined(c, o.s, n)) {
        char nm[16];
        for (size_t i = 0; i < n; i++) nm[i] = (char)tolower((unsigned char)o.s[i]);
        nm[n] = 0;
        int best = -1;
        for (int i = 0; i < ppc_nsprs; i++) {
            if (strcmp(ppc_sprs[i].name, nm)) continue;
            if (tbr) { if (ppc_sprs[i].num == 268 || ppc_sprs[i].num == 269) best = ppc_sprs[i].num; continue; }
            if (best < 0 || (ppc_sprs[i].access & (mt ? PPC_SPR_W : PPC_SPR_R))) best = ppc_sprs[i].num;
        }
        if (best >= 0) { *out = (unsigned)best; return true; }
    }
    int64_t v;
    if (!parse_num(c, o, 0, 0, 1023, tbr ? "TBR number" : "SPR number", &v)) return false;
    *out = (unsigned)v;
    return true;
}

/* BO values GNU as refuses ("invalid conditional option"): 1z1zz with a z bit
 * set, and a z bit in 001zy, 011zy or 1z00y. vlab keeps the z bits on bc:
 * the 750 ignores them and the disassembler prints such words raw
 * (tests/ppc_known_differences.txt, 7); on bclr/bcctr they print as .long. */
static bool parse_bo(asm_ctx *c, asm_operand o, bool to_register, unsigned *bo) {
    int64_t v;
    if (!parse_num(c, o, 0, 0, 31, "BO value", &v)) return false;
    bool zbit = v == 6 || v == 7 || v == 14 || v == 15 || (v >= 24 && v <= 27);
    if (asm_final(c) && (((v & 0x14) == 0x14 && v != 0x14) || (to_register && zbit)))
        return asm_error(c, o.s, "BO value %lld is not a valid branch condition", (long long)v);
    *bo = (unsigned)v;
    return true;
}

static uint32_t put_field(uint32_t w, int shift, int bits, uint32_t v) {
    uint32_t m = ((1u << bits) - 1) << shift;
    return (w & ~m) | ((v << shift) & m);
}

/* Encode one operand of kind k into *w. base: the base form (for ranges). */
static bool put_opd(asm_ctx *c, const ppc_insn *base, int k, asm_operand o, bool negate, uint32_t *w) {
    unsigned r;
    int64_t v;
    uint32_t f;
    switch (k) {
    case PPC_OPD_RT: case PPC_OPD_RS:
        if (!parse_reg(c, o, 'r', &r)) return false;
        *w = put_field(*w, 21, 5, r);
        return true;
    case PPC_OPD_RA: case PPC_OPD_RA0:
        if (!parse_reg(c, o, 'r', &r)) return false;
        *w = put_field(*w, 16, 5, r);
        return true;
    case PPC_OPD_RB:
        if (!parse_reg(c, o, 'r', &r)) return false;
        *w = put_field(*w, 11, 5, r);
        return true;
    case PPC_OPD_FRT: case PPC_OPD_FRS: case PPC_OPD_FRA: case PPC_OPD_FRB: case PPC_OPD_FRC:
        if (!parse_reg(c, o, 'f', &r)) return false;
        *w = put_field(*w, k == PPC_OPD_FRA ? 16 : k == PPC_OPD_FRB ? 11 : k == PPC_OPD_FRC ? 6 : 21, 5, r);
        return true;
    case PPC_OPD_SIMM:
        if (!parse_imm16(c, o, "immediate", true, -0x8000, base->op == PPC_OP_ADDIS ? 0xFFFF : 0x7FFF, negate, &f))
            return false;
        *w = put_field(*w, 0, 16, f);
        return true;
    case PPC_OPD_UIMM:
        /* cmpli/cmplwi take negative values too (GNU as) */
        if (!parse_imm16(c, o, "immediate", false, base->op == PPC_OP_CMPLI ? -0x8000 : 0, 0xFFFF, false, &f)) return false;
        *w = put_field(*w, 0, 16, f);
        return true;
    case PPC_OPD_D_RA0: case PPC_OPD_D_RA:
        if (!parse_mem(c, o, &f, &r)) return false;
        *w = put_field(put_field(*w, 0, 16, f), 16, 5, r);
        return true;
    case PPC_OPD_BD:
        if (!parse_target(c, o, *w & 2, 16, &f)) return false;
        *w = put_field(*w, 2, 14, f >> 2);
        return true;
    case PPC_OPD_LI:
        if (!parse_target(c, o, *w & 2, 26, &f)) return false;
        *w = put_field(*w, 2, 24, f >> 2);
        return true;
    case PPC_OPD_BO:
        if (!parse_bo(c, o, base->op != PPC_OP_BC, &r)) return false;
        *w = put_field(*w, 21, 5, r);
        return true;
    case PPC_OPD_TO:
        if (!parse_num(c, o, 0, 0, 31, "TO value", &v)) return false;
        *w = put_field(*w, 21, 5, (uint32_t)v);
        return true;
    case PPC_OPD_BI: case PPC_OPD_CRBA:
        if (!parse_num(c, o, X_CR, 0, 31, "CR bit", &v)) return false;
        *w = put_field(*w, 16, 5, (uint32_t)v);
        return true;
    case PPC_OPD_CRBD:
        if (!parse_num(c, o, X_CR, 0, 31, "CR bit", &v)) return false;
        *w = put_field(*w, 21, 5, (uint32_t)v);
        return true;
    case PPC_OPD_CRBB:
        if (!parse_num(c, o, X_CR, 0, 31, "CR bit", &v)) return false;
        *w = put_field(*w, 11, 5, (uint32_t)v);
        return true;
    case PPC_OPD_CRFD: case PPC_OPD_CRFS:
        if (!parse_num(c, o, X_CR, 0, 7, "CR field", &v)) return false;
        *w = put_field(*w, k == PPC_OPD_CRFD ? 23 : 18, 3, (uint32_t)v);
        return true;
    case PPC_OPD_L:
        if (!parse_num(c, o, 0, 0, 1, "L value", &v)) return false;
        if (v) return asm_error(c, o.s, "L must be 0 on a 32-bit PowerPC");
        return true;
    case PPC_OPD_SH:
        if (!parse_num(c, o, 0, 0, 31, "shift count", &v)) return false;
        *w = put_field(*w, 11, 5, (uint32_t)v);
        return true;
    case PPC_OPD_MB:
        if (!parse_num(c, o, 0, 0, 31, "mask begin", &v)) return false;
        *w = put_field(*w, 6, 5, (uint32_t)v);
        return true;
    case PPC_OPD_ME:
        if (!parse_num(c, o, 0, 0, 31, "mask end", &v)) return false;
        *w = put_field(*w, 1, 5, (uint32_t)v);
        return true;
    case PPC_OPD_NB:
        if (!parse_num(c, o, 0, 0, 32, "byte count", &v)) return false;
        *w = put_field(*w, 11, 5, (uint32_t)v & 31);
        return true;
    case PPC_OPD_SPR: case PPC_OPD_TBR:
        if (!parse_spr(c, o, base->op == PPC_OP_MTSPR, k == PPC_OPD_TBR, &r)) return false;
        *w = (*w & ~0x001FF800u) | ppc_spr_encode(r);
        return true;
    case PPC_OPD_SR:
        if (!parse_num(c, o, 0, 0, 15, "segment register", &v)) return false;
        *w = put_field(*w, 16, 4, (uint32_t)v);
        return true;
    case PPC_OPD_CRM:
        if (!parse_num(c, o, 0, 0, 255, "field mask", &v)) return false;
        *w = put_field(*w, 12, 8, (uint32_t)v);
        return true;
    case PPC_OPD_FM:
        if (!parse_num(c, o, 0, 0, 255, "field mask", &v)) return false;
        *w = put_field(*w, 17, 8, (uint32_t)v);
        return true;
    case PPC_OPD_FIMM:
        if (!parse_num(c, o, 0, 0, 15, "immediate", &v)) return false;
        *w = put_field(*w, 12, 4, (uint32_t)v);
        return true;
    default:
        return asm_error(c, o.s, "internal error: operand kind %d", k);
    }
}

/* ---- conditional branches ------------------------------------------------------------- */
static const char *const cond_names[] = { "lt", "le", "eq", "ge", "gt", "nl", "ne", "ng", "so", "ns", "un", "nu" };
/* BO (true 12 / false 4) and CR bit per condition name */
static const uint8_t cond_bo[] = { 12, 4, 12, 4, 12, 4, 4, 4, 12, 4, 12, 4 };
static const uint8_t cond_bit[] = { 0, 1, 2, 0, 1, 0, 2, 1, 3, 3, 3, 3 };

static const ppc_insn *find_base(const char *name) {
    for (int i = 0; i < ppc_ninsns; i++)
        if (strcmp(ppc_insns[i].mnemonic, name) == 0) return &ppc_insns[i];
    return NULL;
}

/* Branch mnemonics: returns 1 handled (*wout set), 0 not one, -1 after an error. */
static int asm_branch(asm_ctx *c, const char *mn, const char *at, asm_operand *ops, int nops, uint32_t *wout) {
    char m[24];
    size_t n = strlen(mn);
    if (n < 1 || n >= sizeof m || mn[0] != 'b') return 0;
    memcpy(m, mn, n + 1);
    int hint = 0;
    if (m[n - 1] == '+' || m[n - 1] == '-') hint = m[n - 1] == '+' ? 1 : -1, m[--n] = 0;
    /* b, bl, ba, bla */
    if (!hint && (!strcmp(m, "b") || !strcmp(m, "bl") || !strcmp(m, "ba") || !strcmp(m, "bla"))) return 0;
    bool lk = false, aa = false;
    int kind = 0; /* 0 bc, 1 lr, 2 ctr */
    /* strip a, l, then lr/ctr */
    if (n > 1 && m[n - 1] == 'a') aa = true, m[--n] = 0;
    unsigned bo = 0, bi = 0;
    /* style: 0 raw (BO,BI[,target]); 1 condition ([crN][,target]); 2 CR bit
     * (bit[,target]); 3 CTR only ([target]); 4 always (blr, bctr) */
    int style = -1;
    for (int tries = 0; tries < 2 && style < 0; tries++) {
        lk = tries == 1;
        if (lk && (n < 2 || m[n - 1] != 'l')) break;
        char s[24];
        size_t k = lk ? n - 1 : n;
        memcpy(s, m, k);
        s[k] = 0;
        kind = 0;
        if (k > 2 && !strcmp(s + k - 2, "lr")) kind = 1, s[k -= 2] = 0;
        else if (k > 3 && !strcmp(s + k - 3, "ctr")) kind = 2, s[k -= 3] = 0;
        if (aa && kind) continue;
        if (!strcmp(s, "bc")) style = 0;
        else if (!strcmp(s, "b") && kind) style = 4, bo = 20;
        else if (!strcmp(s, "bdnz")) style = 3, bo = 16;
        else if (!strcmp(s, "bdz")) style = 3, bo = 18;
        else if (!strcmp(s, "bdnzt")) style = 2, bo = 8;
        else if (!strcmp(s, "bdnzf")) style = 2, bo = 0;
        else if (!strcmp(s, "bdzt")) style = 2, bo = 10;
        else if (!strcmp(s, "bdzf")) style = 2, bo = 2;
        else if (!strcmp(s, "bt")) style = 2, bo = 12;
        else if (!strcmp(s, "bf")) style = 2, bo = 4;
        else if (s[0] == 'b') {
            for (size_t k2 = 0; k2 < sizeof cond_names / sizeof cond_names[0]; k2++)
                if (!strcmp(s + 1, cond_names[k2])) { style = 1, bo = cond_bo[k2], bi = cond_bit[k2]; break; }
        }
    }
    if (style < 0) return 0;
    const ppc_insn *base = find_base(kind == 0 ? "bc" : kind == 1 ? "bclr" : "bcctr");
    if (!base) return asm_error(c, at, "internal error: no bc form"), -1;
    uint32_t w = base->match | (lk ? 1u : 0) | (aa ? 2u : 0);
    int need_target = kind == 0;
    int i = 0;
    int64_t v;
    if (style == 0) {
        int want = 2 + need_target;
        if (nops != want) return asm_error_operand_count(c, at, mn, want, nops), -1;
        if (!parse_bo(c, ops[0], kind != 0, &bo)) return -1;
        if (!parse_num(c, ops[1], X_CR, 0, 31, "CR bit", &v)) return -1;
        bi = (unsigned)v;
        i = 2;
    } else if (style == 1) {
        int maxo = 1 + need_target;
        if (nops > maxo || nops < need_target)
            return asm_error(c, at, "'%s' takes %s%d operand%s, got %d", mn, need_target ? "1 or " : "0 or ",
                        maxo, maxo == 1 ? "" : "s", nops), -1;
        if (nops == maxo) {
            if (!parse_num(c, ops[0], X_CR, 0, 7, "CR field", &v)) return -1;
            bi += 4 * (unsigned)v;
            i = 1;
        }
    } else if (style == 2) {
        int want = 1 + need_target;
        if (nops != want) return asm_error_operand_count(c, at, mn, want, nops), -1;
        if (!parse_num(c, ops[0], X_CR, 0, 31, "CR bit", &v)) return -1;
        bi = (unsigned)v;
        i = 1;
    } else {
        if (nops != need_target) return asm_error_operand_count(c, at, mn, need_target, nops), -1;
    }
    w |= (bo & 31u) << 21 | (bi & 31u) << 16;
    if (need_target) {
        if (!put_opd(c, base, PPC_OPD_BD, ops[i], false, &w)) return -1;
    }
    if (hint) {
        if (style == 4 || bo == 20) return asm_error(c, at, "branch hint on an unconditional branch"), -1;
        bool neg = kind == 0 && (w & 0x8000);
        unsigned y = (unsigned)(hint > 0) ^ (unsigned)neg;
        w = (w & ~(1u << 21)) | (y << 21);
    }
    if (ppc_decode(w) != base)
        return asm_error(c, at, "'%s' with these operands is not a valid 750 instruction", mn), -1;
    *wout = w;
    return 1;
}

/* ---- instructions ------------------------------------------------------------------------ */
static int opd_count(const uint8_t *od, int max) {
    int n = 0;
    while (n < max && od[n]) n++;
    return n;
}

static bool has_l(const ppc_insn *in) {
    for (int i = 0; i < 5 && in->opd[i]; i++)
        if (in->opd[i] == PPC_OPD_L) return true;
    return false;
}

/* The n operand of a rotate or SPR alias: its name, and its top in *hi
 * (GNU's ranges). */
static const char *alias_count(int xf, int64_t *hi) {
    *hi = 31;
    switch (xf) {
    case PPC_XF_SLWI: case PPC_XF_SRWI: return "shift count";
    case PPC_XF_CLRRWI: return "bit count";
    case PPC_XF_ROTRWI: return "rotate count";
    case PPC_XF_SPR1: *hi = 3; return "SPRG number";
    case PPC_XF_SPR2: *hi = 3; return "BAT number";
    default: *hi = 32; return "value";
    }
}

/* Encode with alias al (or the base form when al is NULL). */
static bool encode(asm_ctx *c, const ppc_insn *base, const ppc_alias *al, asm_operand *ops, int nops, uint32_t sfx,
                   uint32_t *wout) {
    uint32_t w = base->match | sfx;
    if (al) w = (w & ~al->mask) | (al->match & al->mask);
    const uint8_t *od = al ? al->opd : base->opd;
    int nod = opd_count(od, al ? 4 : 5);
    int skip = -1; /* operand index left out */
    if (nops == nod - 1) {
        if (al && (al->flags & PPC_AL_OPT)) skip = 0;
        else if (!al && has_l(base))
            for (int i = 0; i < nod; i++)
                if (od[i] == PPC_OPD_L) skip = i;
    }
    int64_t xn = 0, xb = 0;
    int j = 0;
    const char *n_at = ops && nops ? ops[0].s : NULL;
    for (int i = 0; i < nod; i++) {
        if (i == skip) continue;
        asm_operand o = ops[j++];
        if (od[i] == PPC_OPD_XN || od[i] == PPC_OPD_XB) {
            int64_t v, hi;
            const char *what = od[i] == PPC_OPD_XN ? alias_count(al ? al->xf : 0, &hi) : (hi = 32, "value");
            if (!parse_num(c, o, 0, 0, hi, what, &v)) return false;
            if (od[i] == PPC_OPD_XN) xn = v, n_at = o.s;
            else xb = v;
            continue;
        }
        if (!put_opd(c, base, od[i], o, al && al->xf == PPC_XF_NEG, &w)) return false;
    }
    if (al) {
        uint32_t rs = (w >> 21) & 31, ra = (w >> 16) & 31;
        int64_t n = xn, b = xb;
        int sh = -1, mb = -1, me = -1;
        switch (al->xf) {
        case PPC_XF_RB_RS: w = put_field(w, 11, 5, rs); break;
        case PPC_XF_CRB3: w = put_field(put_field(w, 16, 5, rs), 11, 5, rs); break;
        case PPC_XF_CRB2: w = put_field(w, 11, 5, ra); break;
        case PPC_XF_SLWI:
            sh = (int)n, mb = 0, me = 31 - (int)n;
            break;
        case PPC_XF_SRWI:
            sh = (32 - (int)n) & 31, mb = (int)n, me = 31;
            break;
        case PPC_XF_CLRRWI:
            sh = 0, mb = 0, me = 31 - (int)n;
            break;
        case PPC_XF_ROTRWI:
            sh = (32 - (int)n) & 31, mb = 0, me = 31;
            break;
        case PPC_XF_EXTLWI:
            if (asm_final(c) && (n < 1 || n + b > 32)) return asm_error(c, n_at, "field %lld,%lld does not fit in 32 bits", (long long)n, (long long)b);
            sh = (int)b, mb = 0, me = (int)n - 1;
            break;
        case PPC_XF_EXTRWI:
            if (asm_final(c) && (n < 1 || n + b > 32)) return asm_error(c, n_at, "field %lld,%lld does not fit in 32 bits", (long long)n, (long long)b);
            sh = (int)(b + n) & 31, mb = 32 - (int)n, me = 31;
            break;
        case PPC_XF_INSLWI:
            if (asm_final(c) && (n < 1 || n + b > 32)) return asm_error(c, n_at, "field %lld,%lld does not fit in 32 bits", (long long)n, (long long)b);
            sh = (32 - (int)b) & 31, mb = (int)b, me = (int)(b + n) - 1;
            break;
        case PPC_XF_INSRWI:
            if (asm_final(c) && (n < 1 || n + b > 32)) return asm_error(c, n_at, "field %lld,%lld does not fit in 32 bits", (long long)n, (long long)b);
            sh = (32 - (int)(b + n)) & 31, mb = (int)b, me = (int)(b + n) - 1;
            break;
        case PPC_XF_CLRLSLWI:
            if (asm_final(c) && (b > 31 || n > b)) return asm_error(c, n_at, "clrlslwi needs n <= b <= 31 (b %lld, n %lld)", (long long)b, (long long)n);
            sh = (int)n, mb = (int)(b - n), me = 31 - (int)n;
            break;
        case PPC_XF_SPR1: case PPC_XF_SPR2: {
            unsigned spr = ppc_spr_field(al->match) + (unsigned)n * (al->xf == PPC_XF_SPR1 ? 1u : 2u);
            w = (w & ~0x001FF800u) | ppc_spr_encode(spr);
            break;
        }
        default: break;
        }
        if (sh >= 0) w = put_field(put_field(put_field(w, 11, 5, (uint32_t)sh), 6, 5, (uint32_t)mb), 1, 5, (uint32_t)me);
    }
    /* the word must decode back to the same form (no reserved field set) */
    if (ppc_decode(w) != base)
        return asm_error(c, nops ? ops[0].s : NULL, "'%s' with these operands is not a valid 750 instruction", base->mnemonic);
    *wout = w;
    return true;
}

/* The framework's encode callback: one instruction, one word. */
static int encode_insn(asm_ctx *c, const asm_insn *insn, uint8_t *out) {
    const char *mn = insn->name, *ms = insn->at;
    size_t n = strlen(mn);
    asm_operand ops[ASM_MAX_OPERANDS];
    int nops = insn->nops;
    memcpy(ops, insn->ops, sizeof ops);
    uint32_t w = 0;
    int r = asm_branch(c, mn, ms, ops, nops, &w);
    if (r < 0) return -1;
    if (!r) {
        /* candidates: name, name without ".", without "o"/"o.", "l", "a", "la" */
        struct cutv { size_t len; uint32_t sfx; uint16_t need; } cut[6];
        int nc = 0;
        cut[nc++] = (struct cutv){ n, 0, 0 };
        size_t k = n;
        uint32_t rc = 0;
        if (k > 1 && mn[k - 1] == '.') { k--; rc = 1; cut[nc++] = (struct cutv){ k, 1, PPC_F_RC }; }
        if (k > 1 && mn[k - 1] == 'o') cut[nc++] = (struct cutv){ k - 1, 0x400 | rc, (uint16_t)(PPC_F_OE | (rc ? PPC_F_RC : 0)) };
        if (!rc && n > 1 && mn[n - 1] == 'l') cut[nc++] = (struct cutv){ n - 1, 1, PPC_F_LK };
        if (!rc && n > 1 && mn[n - 1] == 'a') cut[nc++] = (struct cutv){ n - 1, 2, PPC_F_AA };
        if (!rc && n > 2 && mn[n - 1] == 'a' && mn[n - 2] == 'l') cut[nc++] = (struct cutv){ n - 2, 3, PPC_F_AA | PPC_F_LK };
        bool found = false, count_mismatch = false;
        int want = 0;
        for (int ci = 0; ci < nc && !found; ci++) {
            char nm[32];
            memcpy(nm, mn, cut[ci].len);
            nm[cut[ci].len] = 0;
            /* aliases first, then the base form */
            for (int i = 0; i <= ppc_naliases && !found; i++) {
                const ppc_alias *al = i < ppc_naliases ? &ppc_aliases[i] : NULL;
                const ppc_insn *base;
                if (al) {
                    if (strcmp(al->name, nm)) continue;
                    base = find_base(al->base);
                    if (!base) continue;
                } else {
                    base = find_base(nm);
                    if (!base) continue;
                }
                if ((base->flags & cut[ci].need) != cut[ci].need) continue;
                const uint8_t *od = al ? al->opd : base->opd;
                int nod = opd_count(od, al ? 4 : 5);
                bool opt = al ? (al->flags & PPC_AL_OPT) != 0 : has_l(base);
                if (nops != nod && !(opt && nops == nod - 1)) {
                    if (!count_mismatch) want = nod;
                    count_mismatch = true;
                    continue;
                }
                if (!encode(c, base, al, ops, nops, cut[ci].sfx, &w)) return -1;
                found = true;
            }
        }
        if (!found) {
            if (count_mismatch) return asm_error_operand_count(c, ms, mn, want, nops), -1;
            return asm_error_unknown_insn(c, insn), -1;
        }
    }
    vl_put_be32(out, w);
    return 4;
}

/* ---- the framework's view of the PowerPC ------------------------------------------------- */

static const asm_directive ppc_directives[] = {
    { ".align", ASM_DIR_P2ALIGN, 0 }, /* a power of two on PowerPC */
    { NULL, ASM_DIR_IGNORE, 0 },
};

static const uint8_t ppc_nop[4] = { 0x60, 0, 0, 0 };

static const asm_isa ppc_isa = {
    .comment_chars = "#",
    .separator_chars = ";",
    .c_comments = true,
    .mnemonic_tail_chars = "+-",
    .insn_align = 4,
    .code_fill = ppc_nop,
    .code_fill_len = sizeof ppc_nop,
    .directives = ppc_directives,
    .name = expression_name,
    .suffix = reloc_suffix,
    .encode = encode_insn,
};

int ppc_assemble(int variant, const char *src, uint32_t org, uint8_t **out, size_t *len, char *err, size_t errsz) {
    (void)variant;
    return asm_assemble(&ppc_isa, NULL, src, src ? strlen(src) : 0, org, out, len, err, errsz);
}
