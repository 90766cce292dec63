/* asm.c - 68000/68010 assembler: the syntax GNU m68k-linux-gnu-as accepts,
 * both Motorola (`move.w (8,a0,d1.w),d0`) and MIT (`movew %a0@(8,%d1:w),%d0`),
 * registers with or without `%`. The language around the instructions
 * (labels, expressions, directives, passes, errors) is the assembler
 * framework's (core/asm.h); this file parses and encodes m68k operands.
 *
 * Instructions are matched against the decode table (m68k_insns): the
 * mnemonic names an operation (m68k_gnu_name), and each table entry of that
 * operation is tried with the parsed operands; an encoding is accepted only if
 * m68k_decode_word() gives back the same entry. There is no second opcode list.
 *
 * Sizes: branches are word-sized unless `.s`/`.b` is given; an absolute
 * address is short when its value is a constant that fits (GNU's rule), long
 * when it involves a label or `:l`/`.l` is given. In `d(pc)` a constant is the
 * displacement, an expression with a label is the target (as in GNU as).
 * Ranges are GNU's: moveq takes -128..127, addq/subq and shifts 1..8, an
 * immediate of a size takes either sign (-128..255 for bytes), and a 32-bit
 * constant with the top bit set also reads as negative (GNU's sign extension:
 * `moveq #0xffffff80` is `moveq #-128`).
 *
 * m68k syntax for the framework: `;` starts a comment anywhere, `#`/`*` as the
 * first non-blank, `|` at the start or after a blank (GNU's comment
 * character); `|` written between operand characters (`#1|2`) is OR. `$1f` is
 * hexadecimal. Extra directives: dc.b/dc.w/dc/dc.l, ds.b/ds.w/ds/ds.l, .even,
 * end, and `sym equ e` / `sym set e`. `.align` counts bytes. Mnemonics take
 * `.b/.w/.l/.s` or the GNU suffix letter (`movew`, `bras`); no size means
 * word (branches: word displacement). The generic mnemonics reach the A/I/Q
 * forms as in GNU as (`move.l d0,a0`, `add.w #1,(a0)`, `and #x,sr`,
 * `cmp.b (a0)+,(a1)+`), but an operation that has the form named is always
 * encoded as that form, so disassembly reassembles byte for byte.
 * Instructions must start at even addresses. */
#include "isa/m68k/m68k.h"

#include "core/asm.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#define MAX_OPS 4

/* The m68k side of one assembly (asm_isa_data). */
typedef struct m68k_asm {
    int variant; /* M68K_68000 or M68K_68010; the 68010 for a moment when a 68000 error wants a hint */
} m68k_asm;

static int variant_of(const asm_ctx *c) { return ((const m68k_asm *)asm_isa_data(c))->variant; }

/* ---- registers --------------------------------------------------------------- */

/* Register codes: 0-7 d0-d7, 8-15 a0-a7, then the specials. */
enum { R_PC = 16, R_SR, R_CCR, R_USP, R_SFC, R_DFC, R_VBR, R_CACR, R_CAAR, R_MSP, R_ISP, R_ZPC };

static int reg_lookup(const char *p, size_t n) {
    char b[8];
    if (n == 0 || n >= sizeof b) return -1;
    for (size_t i = 0; i < n; i++) b[i] = (char)tolower((unsigned char)p[i]);
    b[n] = 0;
    if (n == 2 && (b[0] == 'd' || b[0] == 'a') && b[1] >= '0' && b[1] <= '7')
        return (b[0] == 'a' ? 8 : 0) + (b[1] - '0');
    static const struct { const char *n; int r; } t[] = {
        { "sp", 15 }, { "fp", 14 }, { "pc", R_PC }, { "sr", R_SR }, { "ccr", R_CCR },
        { "usp", R_USP }, { "sfc", R_SFC }, { "dfc", R_DFC }, { "vbr", R_VBR },
        { "cacr", R_CACR }, { "caar", R_CAAR }, { "msp", R_MSP }, { "isp", R_ISP },
    };
    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++)
        if (!strcmp(b, t[i].n)) return t[i].r;
    return -1;
}

/* Looks like a data/address register name but is not one (d8, a12...). */
static bool bad_regname(const char *p, size_t n) {
    if (n < 2 || (tolower((unsigned char)p[0]) != 'd' && tolower((unsigned char)p[0]) != 'a')) return false;
    for (size_t i = 1; i < n; i++)
        if (!isdigit((unsigned char)p[i])) return false;
    return true;
}

/* Parse a register at *pp (optional %). Returns its code and advances, -1 if
 * there is none (nothing consumed), -2 after reporting an error. */
static int parse_reg(asm_ctx *c, const char **pp) {
    const char *p = *pp;
    bool pct = *p == '%';
    if (pct) p++;
    const char *q = p;
    while (asm_symbol_char((unsigned char)*q) && *q != '.') q++;
    size_t n = (size_t)(q - p);
    int r = reg_lookup(p, n);
    if (r < 0) {
        if (pct || (bad_regname(p, n) && !asm_symbol_char((unsigned char)*q))) {
            asm_error_register(c, *pp, (size_t)(q - *pp));
            return -2;
        }
        return -1;
    }
    if (asm_symbol_char((unsigned char)*q) && *q != '.') return -1;
    *pp = q;
    return r;
}

static bool is_register_name(const char *s, size_t n) { return reg_lookup(s, n) >= 0; }

/* An identifier in an expression: a register is an error; `label.w` and
 * `label.l` are the label with the size of an absolute address after it. */
static asm_name_kind expression_name(asm_ctx *c, const char *s, size_t *n, unsigned flags, int64_t *value) {
    if (is_register_name(s, *n)) return asm_error_not_a_number(c, s, *n), ASM_NAME_ERROR;
    if (bad_regname(s, *n)) return asm_error_register(c, s, *n), ASM_NAME_ERROR;
    if (*n > 2 && s[*n - 2] == '.' && strchr("wWlL", s[*n - 1]) && !asm_symbol_defined(c, s, *n)) *n -= 2;
    return ASM_NAME_SYMBOL;
}

/* ---- operands ------------------------------------------------------------------------- */

enum { K_NONE, K_DN, K_AN, K_AI, K_PI, K_PD, K_DI, K_IX, K_ABS, K_PCDI, K_PCIX, K_IMM,
       K_SR, K_CCR, K_USP, K_CTRL, K_RLIST };

typedef struct opnd {
    int kind;
    int reg;        /* Dn/An number, base An */
    asm_value v;    /* displacement / absolute / immediate */
    int xreg;       /* index register 0-15 */
    bool xlong;
    int scale;
    int abs_size;   /* 0 auto, 'w', 'l' */
    unsigned mask;  /* register list: d0 = bit 0 ... a7 = bit 15 */
    unsigned ctrl;  /* MOVEC code */
    const char *at;
} opnd;

/* index register: Xn[.w|.l|:w|:l][*s|:s] */
static bool parse_index(asm_ctx *c, const char **pp, opnd *o) {
    const char *p = asm_skip_blanks(*pp);
    const char *at = p;
    int r = parse_reg(c, &p);
    if (r == -2) return false;
    if (r < 0 || r > 15) return asm_error(c, at, "index register expected");
    o->xreg = r;
    o->xlong = false;
    o->scale = 1;
    if ((*p == '.' || *p == ':') && (tolower((unsigned char)p[1]) == 'w' || tolower((unsigned char)p[1]) == 'l') &&
        !asm_symbol_char((unsigned char)p[2])) {
        o->xlong = tolower((unsigned char)p[1]) == 'l';
        p += 2;
    }
    if ((*p == '*' || *p == ':') && isdigit((unsigned char)p[1])) {
        const char *sat = p;
        p++;
        int s = 0;
        while (isdigit((unsigned char)*p)) { s = s * 10 + (*p - '0'); p++; if (s > 100) break; }
        if (s != 1 && s != 2 && s != 4 && s != 8) return asm_error(c, sat, "bad scale factor");
        o->scale = s;
    }
    *pp = p;
    return true;
}

/* After a base register inside parentheses: ')' or ',' Xn ')'. base is An or PC. */
static bool parse_after_base(asm_ctx *c, const char **pp, opnd *o, int base, bool have_disp) {
    const char *p = asm_skip_blanks(*pp);
    if (*p == ',') {
        p++;
        if (!parse_index(c, &p, o)) return false;
        p = asm_skip_blanks(p);
        o->kind = base == R_PC ? K_PCIX : K_IX;
    } else {
        o->kind = base == R_PC ? K_PCDI : (have_disp ? K_DI : K_AI);
    }
    if (*p != ')') return asm_error(c, p, "missing ')'");
    p++;
    if (base != R_PC) o->reg = base - 8;
    *pp = p;
    return true;
}

static bool parse_reglist(asm_ctx *c, const char **pp, int first, opnd *o) {
    const char *p = *pp;
    unsigned mask = 0;
    int r = first;
    for (;;) {
        if (r < 0 || r > 15) return asm_error(c, p, "register list expects d0-d7/a0-a7");
        int hi = r;
        p = asm_skip_blanks(p);
        if (*p == '-') {
            p++;
            p = asm_skip_blanks(p);
            const char *at = p;
            hi = parse_reg(c, &p);
            if (hi == -2) return false;
            if (hi < 0 || hi > 15) return asm_error(c, at, "register expected after '-'");
            if (hi < r) return asm_error(c, at, "bad register range");
        }
        for (int i = r; i <= hi; i++) mask |= 1u << i;
        p = asm_skip_blanks(p);
        if (*p != '/') break;
        p++;
        p = asm_skip_blanks(p);
        const char *at = p;
        r = parse_reg(c, &p);
        if (r == -2) return false;
        if (r < 0 || r > 15) return asm_error(c, at, "register expected in register list");
    }
    o->kind = K_RLIST;
    o->mask = mask;
    *pp = p;
    return true;
}

static bool abs_suffix(const char **pp, opnd *o) {
    const char *p = asm_skip_blanks(*pp);
    if ((*p == '.' || *p == ':') && (tolower((unsigned char)p[1]) == 'w' || tolower((unsigned char)p[1]) == 'l') &&
        !asm_symbol_char((unsigned char)p[2])) {
        o->abs_size = tolower((unsigned char)p[1]);
        *pp = p + 2;
        return true;
    }
    return false;
}

static bool parse_operand(asm_ctx *c, const char *s, opnd *o) {
    memset(o, 0, sizeof *o);
    const char *p = asm_skip_blanks(s);
    o->at = p;
    if (!*p) return asm_error(c, p, "missing operand");
    if (*p == '#') {
        p++;
        if (!asm_expr(c, &p, 0, &o->v)) return false;
        o->kind = K_IMM;
        goto done;
    }
    if (*p == '-' && p[1] == '(') {
        const char *q = asm_skip_blanks(p + 2);
        int r = parse_reg(c, &q);
        if (r == -2) return false;
        if (r >= 0) {
            if (r < 8 || r > 15) return asm_error(c, p + 2, "address register expected in -(An)");
            q = asm_skip_blanks(q);
            if (*q != ')') return asm_error(c, q, "missing ')'");
            o->kind = K_PD;
            o->reg = r - 8;
            p = q + 1;
            goto done;
        }
    }
    if (*p == '(') {
        const char *q = asm_skip_blanks(p + 1);
        int r = parse_reg(c, &q);
        if (r == -2) return false;
        if (r >= 8 && r <= R_PC) {
            q = asm_skip_blanks(q);
            if (*q == ')' && q[1] == '+' && r != R_PC) {
                o->kind = K_PI;
                o->reg = r - 8;
                p = q + 2;
                goto done;
            }
            if (!parse_after_base(c, &q, o, r, false)) return false;
            p = q;
            goto done;
        }
        if (r >= 0) return asm_error(c, p + 1, "address register expected");
        /* (d,An...) or a parenthesized expression */
        q = p + 1;
        asm_value d;
        if (!asm_expr(c, &q, 0, &d)) return false;
        q = asm_skip_blanks(q);
        if (*q == ',') {
            q = asm_skip_blanks(q + 1);
            const char *rat = q;
            r = parse_reg(c, &q);
            if (r == -2) return false;
            if (r < 8 || r > R_PC) return asm_error(c, rat, "address register or pc expected");
            o->v = d;
            if (!parse_after_base(c, &q, o, r, true)) return false;
            p = q;
            goto done;
        }
        /* plain expression, fall through */
    }
    {
        const char *q = p;
        int r = parse_reg(c, &q);
        if (r == -2) return false;
        if (r >= 0) {
            q = asm_skip_blanks(q);
            if (*q == '@') {
                if (r < 8 || r > R_PC) return asm_error(c, p, "address register expected before '@'");
                q++;
                if (*q == '+' && r != R_PC) { o->kind = K_PI; o->reg = r - 8; p = q + 1; goto done; }
                if (*q == '-' && r != R_PC) { o->kind = K_PD; o->reg = r - 8; p = q + 1; goto done; }
                if (*q == '(') {
                    q++;
                    const char *t = asm_skip_blanks(q);
                    int xr = parse_reg(c, &t);
                    if (xr == -2) return false;
                    if (xr >= 0) { /* %a0@(%d1:w) */
                        if (!parse_index(c, &q, o)) return false;
                        q = asm_skip_blanks(q);
                        if (*q != ')') return asm_error(c, q, "missing ')'");
                        o->kind = r == R_PC ? K_PCIX : K_IX;
                        if (r != R_PC) o->reg = r - 8;
                        p = q + 1;
                        goto done;
                    }
                    if (!asm_expr(c, &q, 0, &o->v)) return false;
                    if (!parse_after_base(c, &q, o, r, true)) return false;
                    p = q;
                    goto done;
                }
                o->kind = r == R_PC ? K_PCDI : K_AI;
                if (r != R_PC) o->reg = r - 8;
                p = q;
                goto done;
            }
            if (r <= 15 && (*q == '-' || *q == '/')) {
                if (!parse_reglist(c, &q, r, o)) return false;
                p = q;
                goto done;
            }
            p = q;
            if (r < 8) { o->kind = K_DN; o->reg = r; }
            else if (r < 16) { o->kind = K_AN; o->reg = r - 8; }
            else if (r == R_SR) o->kind = K_SR;
            else if (r == R_CCR) o->kind = K_CCR;
            else if (r == R_USP) o->kind = K_USP;
            else if (r == R_PC) return asm_error(c, o->at, "pc can only be a base register");
            else {
                o->kind = K_CTRL;
                o->ctrl = r == R_SFC ? 0x000 : r == R_DFC ? 0x001 : r == R_VBR ? 0x801 : r == R_CACR ? 0x002
                        : r == R_CAAR ? 0x802 : r == R_MSP ? 0x803 : 0x804;
            }
            goto done;
        }
    }
    /* expression: absolute, or d(An...) / d(pc...) */
    if (!asm_expr(c, &p, 0, &o->v)) return false;
    p = asm_skip_blanks(p);
    if (*p == '(') {
        const char *q = asm_skip_blanks(p + 1);
        const char *rat = q;
        int r = parse_reg(c, &q);
        if (r == -2) return false;
        if (r < 8 || r > R_PC) return asm_error(c, rat, "address register or pc expected");
        if (!parse_after_base(c, &q, o, r, true)) return false;
        p = q;
        goto done;
    }
    o->kind = K_ABS;
    abs_suffix(&p, o);
done:
    p = asm_skip_blanks(p);
    if (*p) return asm_error_junk(c, p, "operand");
    return true;
}

/* ---- instructions ---------------------------------------------------------------------------- */

typedef struct enc {
    uint16_t w;
    uint16_t pre;
    bool has_pre;
    uint16_t ext[2][4]; /* src, dst extension words */
    int next[2];
    /* why this attempt failed: the framework's range or operand-count
     * message, or msg; the most specific failure (prio) is reported */
    int prio;
    const char *at;
    const char *what; /* a value out of range: what, v, lo, hi */
    int64_t v, lo, hi;
    int want;         /* an operand count */
    char msg[160];
} enc;

static bool efail(enc *e, int prio, const char *at, const char *fmt, ...) __attribute__((format(printf, 4, 5)));
static bool efail(enc *e, int prio, const char *at, const char *fmt, ...) {
    e->prio = prio;
    e->at = at;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(e->msg, sizeof e->msg, fmt, ap);
    va_end(ap);
    return false;
}

enum { P_SIZE = 1, P_COUNT = 2, P_MODE = 3, P_RANGE = 4 };

static bool erange(enc *e, const char *at, const char *what, int64_t v, int64_t lo, int64_t hi) {
    efail(e, P_RANGE, at, "%s", what);
    e->what = what, e->v = v, e->lo = lo, e->hi = hi;
    return false;
}

/* Report the failure of the best attempt. */
static bool report(asm_ctx *c, const enc *e, const char *name, int nops) {
    if (e->what) return asm_error_range(c, e->at, e->what, e->v, e->lo, e->hi);
    if (e->prio == P_COUNT) return asm_error_operand_count(c, e->at, name, e->want, nops);
    return asm_error(c, e->at, "%s", e->msg);
}

/* A 32-bit constant with the top bit set is also read as the negative int32
 * it spells (GNU as: `moveq #0xffffff80,d0` is moveq #-128). Checked in the
 * final pass only: before, values may be placeholders and an instruction
 * must keep its size whatever they are. */
static bool imm_fits(const asm_ctx *c, int64_t v, int64_t lo, int64_t hi) {
    int64_t s = v >= 0x80000000ll && v <= 0xffffffffll ? (int64_t)(int32_t)(uint32_t)v : v;
    return asm_fits(c, v, lo, hi) || asm_fits(c, s, lo, hi);
}

static const char *kind_name(int k) {
    switch (k) {
    case K_DN: return "data register";
    case K_AN: return "address register";
    case K_IMM: return "immediate";
    case K_SR: return "sr";
    case K_CCR: return "ccr";
    case K_USP: return "usp";
    case K_CTRL: return "control register";
    case K_RLIST: return "register list";
    default: return "memory operand";
    }
}

static void put_ext(enc *e, int side, uint32_t v) {
    if (e->next[side] < 4) e->ext[side][e->next[side]++] = (uint16_t)v;
}

/* Encode one EA. ea_pos: 0 = bits 5..0, 1 = MOVE destination bits 11..6. */
static bool enc_ea(asm_ctx *c, enc *e, const m68k_insn *in, const opnd *o, int side, int ea_pos, uint16_t allowed,
                   uint32_t ext_addr) {
    unsigned mode = 0, reg = 0;
    switch (o->kind) {
    case K_DN: mode = 0; reg = (unsigned)o->reg; break;
    case K_AN: mode = 1; reg = (unsigned)o->reg; break;
    case K_AI: mode = 2; reg = (unsigned)o->reg; break;
    case K_PI: mode = 3; reg = (unsigned)o->reg; break;
    case K_PD: mode = 4; reg = (unsigned)o->reg; break;
    case K_DI: mode = 5; reg = (unsigned)o->reg; break;
    case K_IX: mode = 6; reg = (unsigned)o->reg; break;
    case K_ABS: {
        bool fits = !o->v.rel && ((o->v.v >= 0 && o->v.v <= 0x7fff) || (o->v.v >= 0xffff8000LL && o->v.v <= 0xffffffffLL) ||
                                  (o->v.v < 0 && o->v.v >= -0x8000));
        int sz = o->abs_size ? o->abs_size : fits ? 'w' : 'l';
        if (!o->abs_size && sz == 'w' && !(allowed & M68K_EA_AW)) sz = 'l';
        mode = 7;
        reg = sz == 'w' ? 0 : 1;
        break;
    }
    case K_PCDI: mode = 7; reg = 2; break;
    case K_PCIX: mode = 7; reg = 3; break;
    case K_IMM: mode = 7; reg = 4; break;
    default:
        return efail(e, P_MODE, o->at, "%s not allowed here", kind_name(o->kind));
    }
    unsigned ea6 = mode << 3 | reg;
    if (!(m68k_ea_bit(ea6) & allowed))
        return efail(e, P_MODE, o->at, "addressing mode not allowed for '%s'", m68k_gnu_name(in->op));
    if (ea_pos == 0) e->w |= (uint16_t)ea6;
    else e->w |= (uint16_t)(reg << 9 | mode << 6);
    switch (o->kind) {
    case K_DI:
        if (!asm_fits(c, o->v.v, -0x8000, 0x7fff)) return erange(e, o->at, "displacement", o->v.v, -0x8000, 0x7fff);
        put_ext(e, side, (uint32_t)o->v.v);
        break;
    case K_PCDI: case K_PCIX: case K_IX: {
        int64_t d = o->v.v;
        if (o->kind != K_IX && o->v.rel) d = (int64_t)((uint64_t)o->v.v - ext_addr);
        if (o->kind == K_PCDI && o->v.rel) d = (int64_t)(int32_t)(uint32_t)d;
        if (o->kind == K_PCIX && o->v.rel) d = (int64_t)(int32_t)(uint32_t)d;
        if (o->kind == K_PCDI) {
            if (!asm_fits(c, d, -0x8000, 0x7fff)) return erange(e, o->at, "displacement", d, -0x8000, 0x7fff);
            put_ext(e, side, (uint32_t)d);
        } else {
            if (!asm_fits(c, d, -128, 127)) return erange(e, o->at, "index displacement", d, -128, 127);
            if (o->scale != 1)
                return efail(e, P_MODE, o->at, "scale factor needs a 68020 or later");
            put_ext(e, side, (uint32_t)o->xreg << 12 | (o->xlong ? 0x800u : 0) | ((uint32_t)d & 0xff));
        }
        break;
    }
    case K_ABS:
        if (reg == 0) {
            /* an explicit :w takes 0x8000..0xffff too (GNU as), meaning 0xffff8000.. */
            int64_t v = o->v.v, top = o->abs_size ? 0xffff : 0x7fff;
            if (!asm_fits(c, v, -0x8000, top) && !asm_fits(c, v, 0xffff8000LL, 0xffffffffLL))
                return efail(e, P_RANGE, o->at, "address 0x%llx does not fit a short absolute address", (long long)v);
            put_ext(e, side, (uint32_t)o->v.v);
        } else {
            if (!asm_fits(c, o->v.v, -0x80000000LL, 0xffffffffLL))
                return erange(e, o->at, "address", o->v.v, -0x80000000LL, 0xffffffffLL);
            put_ext(e, side, (uint32_t)o->v.v >> 16);
            put_ext(e, side, (uint32_t)o->v.v);
        }
        break;
    case K_IMM: {
        int n = m68k_imm_bytes(in);
        int64_t lo = n == 1 ? -128 : n == 2 ? -0x8000 : -0x80000000LL;
        int64_t hi = n == 1 ? 255 : n == 2 ? 0xffff : 0xffffffffLL;
        if (!imm_fits(c, o->v.v, lo, hi)) return erange(e, o->at, "immediate", o->v.v, lo, hi);
        if (n == 4) { put_ext(e, side, (uint32_t)o->v.v >> 16); put_ext(e, side, (uint32_t)o->v.v); }
        else put_ext(e, side, (uint32_t)o->v.v & 0xffff);
        break;
    }
    default: break;
    }
    return true;
}

static bool want_kind(enc *e, const opnd *o, int k, const char *what) {
    if (o->kind == k) return true;
    return efail(e, P_MODE, o->at, "%s expected", what);
}

static bool imm_in(asm_ctx *c, enc *e, const opnd *o, int64_t lo, int64_t hi, const char *what) {
    if (o->kind != K_IMM) return efail(e, P_MODE, o->at, "immediate expected");
    return imm_fits(c, o->v.v, lo, hi) || erange(e, o->at, what, o->v.v, lo, hi);
}

static bool enc_branch(asm_ctx *c, enc *e, const opnd *o, int side, bool shortb) {
    if (o->kind != K_ABS || o->abs_size) return efail(e, P_MODE, o->at, "branch target expected");
    int64_t d = (int64_t)(int32_t)(uint32_t)((uint64_t)o->v.v - (uint64_t)asm_pc(c) - 2);
    if (shortb) {
        if (asm_final(c) && d == 0) return efail(e, P_RANGE, o->at, "short branch to the next instruction is not encodable");
        if (!asm_fits(c, d, -128, 127)) return erange(e, o->at, "branch displacement", d, -128, 127);
        e->w |= (uint16_t)(d < -128 || d > 127 || d == 0 ? 1 : (d & 0xff)); /* a placeholder before the final pass */
    } else {
        if (!asm_fits(c, d, -0x8000, 0x7fff)) return erange(e, o->at, "branch displacement", d, -0x8000, 0x7fff);
        put_ext(e, side, (uint32_t)d);
    }
    return true;
}

static bool enc_operand(asm_ctx *c, enc *e, const m68k_insn *in, int kind, const opnd *o, int side, const opnd *other,
                        int usize) {
    uint32_t ext_addr = (uint32_t)asm_pc(c) + 2 + (e->has_pre ? 2 : 0);
    if (side == 1) ext_addr += 2u * (unsigned)e->next[0];
    switch (kind) {
    case M68K_OPD_EA: return enc_ea(c, e, in, o, side, 0, in->ea, ext_addr);
    case M68K_OPD_EA2: return enc_ea(c, e, in, o, side, 1, in->ea2, ext_addr);
    case M68K_OPD_DN: case M68K_OPD_DN_BITNUM:
        if (!want_kind(e, o, K_DN, "data register")) return false;
        e->w |= (uint16_t)(o->reg << 9);
        return true;
    case M68K_OPD_DN0:
        if (!want_kind(e, o, K_DN, "data register")) return false;
        e->w |= (uint16_t)o->reg;
        return true;
    case M68K_OPD_AN:
        if (!want_kind(e, o, K_AN, "address register")) return false;
        e->w |= (uint16_t)(o->reg << 9);
        return true;
    case M68K_OPD_AN0:
        if (!want_kind(e, o, K_AN, "address register")) return false;
        e->w |= (uint16_t)o->reg;
        return true;
    case M68K_OPD_PD:
        if (!want_kind(e, o, K_PD, "-(An)")) return false;
        e->w |= (uint16_t)(o->reg << 9);
        return true;
    case M68K_OPD_PD0:
        if (!want_kind(e, o, K_PD, "-(An)")) return false;
        e->w |= (uint16_t)o->reg;
        return true;
    case M68K_OPD_PI:
        if (!want_kind(e, o, K_PI, "(An)+")) return false;
        e->w |= (uint16_t)(o->reg << 9);
        return true;
    case M68K_OPD_PI0:
        if (!want_kind(e, o, K_PI, "(An)+")) return false;
        e->w |= (uint16_t)o->reg;
        return true;
    case M68K_OPD_DI0:
        if (o->kind == K_AI) { e->w |= (uint16_t)o->reg; put_ext(e, side, 0); return true; }
        if (!want_kind(e, o, K_DI, "d16(An)")) return false;
        if (!asm_fits(c, o->v.v, -0x8000, 0x7fff)) return erange(e, o->at, "displacement", o->v.v, -0x8000, 0x7fff);
        e->w |= (uint16_t)o->reg;
        put_ext(e, side, (uint32_t)o->v.v);
        return true;
    case M68K_OPD_IMM: {
        int n = m68k_imm_bytes(in);
        int64_t lo = n == 1 ? -128 : n == 2 ? -0x8000 : -0x80000000LL;
        int64_t hi = n == 1 ? 255 : n == 2 ? 0xffff : 0xffffffffLL;
        if (!imm_in(c, e, o, lo, hi, "immediate")) return false;
        if (n == 4) { put_ext(e, side, (uint32_t)o->v.v >> 16); put_ext(e, side, (uint32_t)o->v.v); }
        else put_ext(e, side, (uint32_t)o->v.v & 0xffff);
        return true;
    }
    case M68K_OPD_IMM8:
        if (!imm_in(c, e, o, -128, 255, "bit number")) return false;
        put_ext(e, side, (uint32_t)o->v.v & 0xff);
        return true;
    case M68K_OPD_IMM16:
        if (!imm_in(c, e, o, -0x8000, 0xffff, "immediate")) return false;
        put_ext(e, side, (uint32_t)o->v.v & 0xffff);
        return true;
    case M68K_OPD_LINKD:
        if (!imm_in(c, e, o, -0x8000, 0x7fff, "immediate")) return false;
        put_ext(e, side, (uint32_t)o->v.v & 0xffff);
        return true;
    case M68K_OPD_QUICK3:
        if (!imm_in(c, e, o, 1, 8, "immediate")) return false;
        e->w |= (uint16_t)((o->v.v & 7) << 9);
        return true;
    case M68K_OPD_QUICK8: /* moveq: GNU as refuses 128..255 */
        if (!imm_in(c, e, o, -128, 127, "immediate")) return false;
        e->w |= (uint16_t)(o->v.v & 0xff);
        return true;
    case M68K_OPD_VEC4:
        if (!imm_in(c, e, o, 0, 15, "trap vector")) return false;
        e->w |= (uint16_t)o->v.v;
        return true;
    case M68K_OPD_BKPT3:
        if (!imm_in(c, e, o, 0, 7, "immediate")) return false;
        e->w |= (uint16_t)o->v.v;
        return true;
    case M68K_OPD_DISP:
        return enc_branch(c, e, o, side, usize == 'b' || usize == 's');
    case M68K_OPD_DISP16:
        return enc_branch(c, e, o, side, false);
    case M68K_OPD_REGLIST: {
        unsigned m;
        if (o->kind == K_RLIST) m = o->mask;
        else if (o->kind == K_DN) m = 1u << o->reg;
        else if (o->kind == K_AN) m = 1u << (o->reg + 8);
        else if (o->kind == K_IMM) {
            if (!imm_in(c, e, o, 0, 0xffff, "immediate")) return false;
            e->pre = (uint16_t)o->v.v;
            e->has_pre = true;
            return true;
        } else return efail(e, P_MODE, o->at, "register list expected");
        if (other && other->kind == K_PD) {
            unsigned r = 0;
            for (int i = 0; i < 16; i++)
                if (m & (1u << i)) r |= 1u << (15 - i);
            m = r;
        }
        e->pre = (uint16_t)m;
        e->has_pre = true;
        return true;
    }
    case M68K_OPD_SR: return want_kind(e, o, K_SR, "sr");
    case M68K_OPD_CCR: return want_kind(e, o, K_CCR, "ccr");
    case M68K_OPD_USP: return want_kind(e, o, K_USP, "usp");
    case M68K_OPD_CTRL: {
        unsigned code;
        if (o->kind == K_USP) code = 0x800;
        else if (o->kind == K_CTRL) code = o->ctrl;
        else return efail(e, P_MODE, o->at, "control register expected");
        if (!m68k_ctrl_name(variant_of(c), code))
            return efail(e, P_RANGE, o->at, "control register not available on this model");
        e->pre |= (uint16_t)code;
        e->has_pre = true;
        return true;
    }
    case M68K_OPD_RN12:
        if (o->kind != K_DN && o->kind != K_AN) return efail(e, P_MODE, o->at, "data or address register expected");
        e->pre |= (uint16_t)((o->kind == K_AN ? 8 : 0) + o->reg) << 12;
        e->has_pre = true;
        return true;
    default:
        return efail(e, P_MODE, o->at, "operand not expected");
    }
}

static int size_char(int sz) { return sz == M68K_SZ_B ? 'b' : sz == M68K_SZ_W ? 'w' : sz == M68K_SZ_L ? 'l' : 0; }

static bool size_ok(const m68k_insn *in, int usize) {
    int pol = m68k_gnu_suffix(in->op);
    int es = size_char(in->size);
    switch (pol) {
    case 'j': return usize == 0 || usize == 'w' || usize == 's' || usize == 'b';
    case 'n': return usize == 0 || usize == es;
    case 'z':
        if (!es) return usize == 0;
        return usize == es || (usize == 0 && es == 'w');
    default: return usize == 0 || usize == pol;
    }
}

/* Try one table entry. */
static bool try_entry(asm_ctx *c, const m68k_insn *in, int cond, int usize, opnd *ops, int nops, enc *e,
                      const char *mnat) {
    memset(e, 0, sizeof *e);
    if (!size_ok(in, usize)) return efail(e, P_SIZE, mnat, "invalid size for '%s'", m68k_gnu_name(in->op));
    int src = in->src, dst = in->dst;
    int want = (src ? 1 : 0) + (dst ? 1 : 0);
    if (nops != want) {
        efail(e, P_COUNT, mnat, "%s", m68k_gnu_name(in->op)); /* report() words it */
        e->want = want;
        return false;
    }
    const opnd *so = nops > 0 ? &ops[0] : NULL, *dop = nops > 1 ? &ops[1] : NULL;
    if (in->op == M68K_OP_MOVES) {
        /* register -> <ea> (bit 11 set) or <ea> -> register */
        if ((ops[0].kind == K_DN || ops[0].kind == K_AN) && ops[1].kind != K_DN && ops[1].kind != K_AN) {
            so = &ops[0]; dop = &ops[1]; e->pre = 0x800;
        } else if (ops[1].kind == K_DN || ops[1].kind == K_AN) {
            so = &ops[1]; dop = &ops[0];
        } else return efail(e, P_MODE, ops[0].at, "moves needs a register operand");
    }
    e->w = in->match;
    if (m68k_op_has_cond(in->op)) e->w = (uint16_t)((e->w & ~0x0f00u) | (unsigned)cond << 8);
    /* pre-extension operands first (they do not depend on positions) */
    if (src && m68k_op_is_pre_ext(src) && !enc_operand(c, e, in, src, so, 0, dop, usize)) return false;
    if (dst && m68k_op_is_pre_ext(dst) && !enc_operand(c, e, in, dst, dop, 1, so, usize)) return false;
    if (in->op == M68K_OP_MOVES) e->has_pre = true;
    if (src && !m68k_op_is_pre_ext(src) && !enc_operand(c, e, in, src, so, 0, dop, usize)) return false;
    if (dst && !m68k_op_is_pre_ext(dst) && !enc_operand(c, e, in, dst, dop, 1, so, usize)) return false;
    if ((e->w & in->mask) != in->match || m68k_decode_word(variant_of(c), e->w) != in)
        return efail(e, P_MODE, ops && nops ? ops[0].at : mnat, "operands do not fit '%s'", m68k_gnu_name(in->op));
    return true;
}

typedef struct cand { int op, cond; } cand;

static int find_ops(const char *mn, cand *out, int max) {
    int n = 0;
    for (int op = 1; op < M68K_OP_COUNT && n < max; op++) {
        const char *g = m68k_gnu_name(op);
        if (!g) continue;
        size_t gl = strlen(g);
        if (m68k_op_has_cond(op)) {
            if (strncmp(mn, g, gl)) continue;
            const char *cc = mn + gl;
            for (int k = 0; k < 16; k++) {
                if (op == M68K_OP_BCC && k < 2) continue;
                bool m = !strcmp(cc, m68k_cond_names[k]) || (k == 4 && !strcmp(cc, "hs")) || (k == 5 && !strcmp(cc, "lo")) ||
                         (op == M68K_OP_DBCC && k == 1 && !strcmp(cc, "ra"));
                if (m && n < max) out[n++] = (cand){ op, k };
            }
        } else if (!strcmp(mn, g)) {
            out[n++] = (cand){ op, 0 };
        }
    }
    /* GNU aliases: the generic mnemonic also names the A/I/Q forms */
    static const struct { const char *mn; int op; } alias[] = {
        { "move", M68K_OP_MOVEA }, { "add", M68K_OP_ADDA }, { "add", M68K_OP_ADDI }, { "add", M68K_OP_ADDQ },
        { "sub", M68K_OP_SUBA }, { "sub", M68K_OP_SUBI }, { "sub", M68K_OP_SUBQ }, { "cmp", M68K_OP_CMPA },
        { "cmp", M68K_OP_CMPI }, { "cmp", M68K_OP_CMPM }, { "and", M68K_OP_ANDI }, { "or", M68K_OP_ORI },
        { "eor", M68K_OP_EORI }, { "and", M68K_OP_ANDI_SR }, { "and", M68K_OP_ANDI_CCR },
        { "or", M68K_OP_ORI_SR }, { "or", M68K_OP_ORI_CCR }, { "eor", M68K_OP_EORI_SR }, { "eor", M68K_OP_EORI_CCR },
    };
    if (n) {
        for (size_t i = 0; i < sizeof alias / sizeof alias[0] && n < max; i++)
            if (alias[i].op && !strcmp(mn, alias[i].mn)) out[n++] = (cand){ alias[i].op, 0 };
    }
    return n;
}

/* The framework's encode callback: one instruction. */
static int encode(asm_ctx *c, const asm_insn *insn, uint8_t *out) {
    m68k_asm *m = asm_isa_data(c);
    const char *mnat = insn->at;
    char mn[sizeof insn->name];
    memcpy(mn, insn->name, sizeof mn);
    size_t n = strlen(mn);
    int usize = 0;
    char *dot = strchr(mn, '.');
    if (dot) {
        if (strlen(dot) != 2 || !strchr("bwls", dot[1]))
            return asm_error(c, mnat + (dot - mn), "invalid size suffix '%s'", dot), -1;
        usize = dot[1];
        *dot = 0;
    }
    cand cands[24];
    int nc = find_ops(mn, cands, 24);
    if (!nc && !dot && n > 1 && strchr("bwls", mn[n - 1])) {
        usize = mn[n - 1];
        mn[n - 1] = 0;
        nc = find_ops(mn, cands, 24);
        if (!nc) { mn[n - 1] = (char)usize; usize = 0; }
    }
    if (!nc) return asm_error_unknown_insn(c, insn), -1;
    if (usize == 'l') {
        for (int i = 0; i < nc; i++)
            if (m68k_gnu_suffix(cands[i].op) == 'j')
                return asm_error(c, mnat, "32-bit branch displacements need a 68020 or later"), -1;
    }
    if (insn->nops > MAX_OPS) return asm_error(c, insn->ops[MAX_OPS].s, "too many operands"), -1;
    opnd ops[MAX_OPS];
    int nops = insn->nops;
    for (int i = 0; i < nops; i++)
        if (!parse_operand(c, insn->ops[i].s, &ops[i])) return -1;

    enc best, e;
    memset(&best, 0, sizeof best);
    const m68k_insn *found = NULL;
    unsigned bit = m->variant == M68K_68010 ? M68K_ON_010 : M68K_ON_000;
    bool other_model = false, this_model = false;
    for (int k = 0; k < nc && !found; k++) {
        for (int i = 0; i < m68k_ninsns; i++) {
            const m68k_insn *in = &m68k_insns[i];
            if (in->op != cands[k].op) continue;
            if (!(in->models & bit)) { other_model = true; continue; }
            this_model = true;
            if (try_entry(c, in, cands[k].cond, usize, ops, nops, &e, mnat)) { found = in; best = e; break; }
            /* EXG Ax,Dy is written with the registers swapped */
            if (in->op == M68K_OP_EXG && nops == 2) {
                opnd sw[2] = { ops[1], ops[0] };
                if (try_entry(c, in, cands[k].cond, usize, sw, 2, &e, mnat)) { found = in; best = e; break; }
            }
            if (e.prio > best.prio) best = e;
        }
    }
    if (!found && other_model && m->variant == M68K_68000) {
        /* would a 68010-only form take these operands? say so */
        m->variant = M68K_68010;
        bool fits = false;
        for (int k = 0; k < nc && !fits; k++)
            for (int i = 0; i < m68k_ninsns && !fits; i++) {
                const m68k_insn *in = &m68k_insns[i];
                if (in->op == cands[k].op && in->models == M68K_ON_010)
                    fits = try_entry(c, in, cands[k].cond, usize, ops, nops, &e, mnat);
            }
        m->variant = M68K_68000;
        if (fits)
            return asm_error(c, mnat, this_model ? "'%s' with these operands is a 68010 instruction (not on the 68000)"
                                                 : "'%s' is a 68010 instruction (not on the 68000)", mn), -1;
    }
    if (!found) {
        if (!best.prio && other_model)
            return asm_error(c, mnat, "'%s' is not an instruction of the %s", mn, m->variant ? "68010" : "68000"), -1;
        if (!best.prio) return asm_error_unknown_insn(c, insn), -1;
        return report(c, &best, best.msg, nops), -1;
    }
    int k = 0;
    out[k++] = (uint8_t)(best.w >> 8);
    out[k++] = (uint8_t)best.w;
    if (best.has_pre) { out[k++] = (uint8_t)(best.pre >> 8); out[k++] = (uint8_t)best.pre; }
    for (int s = 0; s < 2; s++)
        for (int j = 0; j < best.next[s]; j++) { out[k++] = (uint8_t)(best.ext[s][j] >> 8); out[k++] = (uint8_t)best.ext[s][j]; }
    if (k != m68k_insn_length(found, best.w))
        return asm_error(c, mnat, "internal: length %d disagrees with the decode table (%d)", k, m68k_insn_length(found, best.w)), -1;
    return k;
}

/* ---- the framework's view of the m68k ------------------------------------------------------ */

static const asm_directive m68k_directives[] = {
    { "dc.b", ASM_DIR_DATA, 1 },  { "dc.w", ASM_DIR_DATA, 2 },  { "dc", ASM_DIR_DATA, 2 },
    { "dc.l", ASM_DIR_DATA, 4 },  { "ds.b", ASM_DIR_SPACE, 1 }, { "ds.w", ASM_DIR_SPACE, 2 },
    { "ds", ASM_DIR_SPACE, 2 },   { "ds.l", ASM_DIR_SPACE, 4 }, { ".even", ASM_DIR_BALIGN, 2 },
    { "end", ASM_DIR_END, 0 },    { NULL, ASM_DIR_IGNORE, 0 },
};

static const char *const m68k_infix_set[] = { "equ", "set", ".equ", NULL };

static const asm_isa m68k_isa = {
    .line_comment_chars = "#*",
    .comment_chars = ";",
    .blank_comment_chars = "|",
    .dollar_hex = true,
    .insn_align = 2,
    .directives = m68k_directives,
    .infix_set = m68k_infix_set,
    .reserved = is_register_name,
    .name = expression_name,
    .encode = encode,
};

int m68k_assemble(int variant, const char *src, uint32_t org, uint8_t **out, size_t *len, char *err, size_t errsz) {
    m68k_asm m = { variant == M68K_68010 ? M68K_68010 : M68K_68000 };
    return asm_assemble(&m68k_isa, &m, src, src ? strlen(src) : 0, org, out, len, err, errsz);
}
