/* asm.c - 68000/68010 assembler: the syntax GNU m68k-linux-gnu-as accepts,
 * both Motorola (`move.w (8,a0,d1.w),d0`) and MIT (`movew %a0@(8,%d1:w),%d0`),
 * registers with or without `%`.
 *
 * Instructions are matched against the decode table (m68k_insns): the
 * mnemonic names an operation (m68k_gnu_name), and each table entry of that
 * operation is tried with the parsed operands; an encoding is accepted only if
 * m68k_decode_word() gives back the same entry. There is no second opcode list.
 *
 * Passes: the source is assembled repeatedly until every label keeps its value
 * (sizes depend only on syntax and on whether a value is an address, so this
 * converges in two or three passes), then once more reporting errors.
 * Sizes: branches are word-sized unless `.s`/`.b` is given; an absolute
 * address is short when its value is a constant that fits (GNU's rule), long
 * when it involves a label or `:l`/`.l` is given. In `d(pc)` a constant is the
 * displacement, an expression with a label is the target (as in GNU as).
 * `.org` takes an absolute address (at or after the origin).
 *
 * Language: labels `name:` and local `1:` (referenced `1b`/`1f`); `sym = e`,
 * `sym equ e`, `.equ/.set sym, e`; `.byte .short .word(16-bit) .long .int
 * dc.b dc.w dc.l .ascii .asciz .string .space .skip ds.b ds.w ds.l .org
 * .align(bytes) .balign .even`, `.text .data .globl...` are accepted and
 * ignored. Expressions: + - * / % << >> & ^ | ~ ! ( ), numbers 12, 0x1f, $1f,
 * 0b101, 017 (octal, as GNU), 'c' (escapes \n \t \\ \xNN...), `.` = address
 * of the statement. `%101` binary is not supported (% prefixes registers).
 * Comments: `;` anywhere, `#`/`*` as the first non-blank, `|` at the start or
 * after a blank (GNU's comment character); `|` written between operand
 * characters (`#1|2`) is OR. Mnemonics take `.b/.w/.l/.s` or the GNU suffix
 * letter (`movew`, `bras`); no size means word (branches: word displacement).
 * The generic mnemonics reach the A/I/Q forms as in GNU as (`move.l d0,a0`,
 * `add.w #1,(a0)`, `and #x,sr`, `cmp.b (a0)+,(a1)+`), but an operation that
 * has the form named is always encoded as that form, so disassembly
 * reassembles byte for byte. Instructions must start at even addresses. */
#include "isa/m68k/m68k.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define MAX_PASSES 12
#define MAX_OPS 4
#define MAX_LINE 4096

typedef struct val {
    int64_t v;
    bool rel;   /* involves a label or `.`: an address */
    bool undef; /* a symbol not (yet) defined: v is a placeholder */
} val;

typedef struct sym {
    char *name;
    int64_t v;
    bool rel;
    int pass;  /* pass of the last definition */
    int64_t v0; /* value at the first definition in that pass */
    bool rel0;
    int line;
} sym;

typedef struct actx {
    int variant;
    uint32_t org;
    sym *syms;
    size_t nsyms, capsyms;
    uint8_t *buf;
    size_t cap, hi;   /* bytes allocated, bytes used (from org) */
    int64_t pc;       /* current address */
    int64_t stmt_pc;  /* address at the start of the statement: `.` */
    int pass;
    bool final;
    bool changed;     /* a label changed value in this pass */
    bool oom;
    /* error of the current line */
    bool failed;
    int err_line, err_col;
    char msg[256];
    int line;
    const char *lbase; /* start of the current line buffer (for columns) */
    /* local numeric labels: definitions of each number so far in this pass */
    struct { uint32_t num; int count; } *locals;
    size_t nlocals, caplocals;
} actx;

/* ---- errors ------------------------------------------------------------------ */

static bool fail(actx *c, const char *at, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static bool fail(actx *c, const char *at, const char *fmt, ...) {
    if (c->failed) return false;
    c->failed = true;
    c->err_line = c->line;
    c->err_col = at && c->lbase ? (int)(at - c->lbase) + 1 : 1;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(c->msg, sizeof c->msg, fmt, ap);
    va_end(ap);
    return false;
}

/* ---- symbols ----------------------------------------------------------------- */

static sym *sym_find(actx *c, const char *name, size_t n) {
    for (size_t i = 0; i < c->nsyms; i++)
        if (strlen(c->syms[i].name) == n && !memcmp(c->syms[i].name, name, n)) return &c->syms[i];
    return NULL;
}

static bool sym_define(actx *c, const char *name, size_t n, int64_t v, bool rel, bool label, const char *at) {
    sym *s = sym_find(c, name, n);
    if (!s) {
        if (c->nsyms == c->capsyms) {
            size_t nc = c->capsyms ? c->capsyms * 2 : 64;
            sym *ns = realloc(c->syms, nc * sizeof *ns);
            if (!ns) { c->oom = true; return fail(c, at, "out of memory"); }
            c->syms = ns;
            c->capsyms = nc;
        }
        char *nm = malloc(n + 1);
        if (!nm) { c->oom = true; return fail(c, at, "out of memory"); }
        memcpy(nm, name, n);
        nm[n] = 0;
        s = &c->syms[c->nsyms++];
        s->name = nm;
        s->pass = 0;
        s->line = c->line;
        s->v = s->v0 = v;
        s->rel = s->rel0 = rel;
        c->changed = true;
        s->pass = c->pass;
    } else if (label && s->pass == c->pass && s->line != c->line) {
        return fail(c, at, "symbol '%.*s' is already defined (line %d)", (int)n, name, s->line);
    }
    /* a change from the previous pass (a .set redefinition within the pass is not one) */
    if (s->pass != c->pass) {
        if (s->v0 != v || s->rel0 != rel) c->changed = true;
        s->v0 = v;
        s->rel0 = rel;
    }
    s->v = v;
    s->rel = rel;
    s->pass = c->pass;
    s->line = c->line;
    return true;
}

/* Local numeric labels (`1:`, referenced as `1b` / `1f`): the k-th
 * definition of N in a pass is the symbol "N\x01k". */
static int *local_count(actx *c, uint32_t num) {
    for (size_t i = 0; i < c->nlocals; i++)
        if (c->locals[i].num == num) return &c->locals[i].count;
    if (c->nlocals == c->caplocals) {
        size_t nc = c->caplocals ? c->caplocals * 2 : 16;
        void *nl = realloc(c->locals, nc * sizeof *c->locals);
        if (!nl) { c->oom = true; return NULL; }
        c->locals = nl;
        c->caplocals = nc;
    }
    c->locals[c->nlocals].num = num;
    c->locals[c->nlocals].count = 0;
    return &c->locals[c->nlocals++].count;
}

static size_t local_name(char *buf, size_t sz, uint32_t num, int k) {
    int n = snprintf(buf, sz, "%u\x01%d", (unsigned)num, k);
    return n > 0 ? (size_t)n : 0;
}

/* ---- lexical helpers ------------------------------------------------------------ */

static const char *skipws(const char *p) {
    while (*p == ' ' || *p == '\t') p++;
    return p;
}

static bool is_id0(int ch) { return isalpha(ch) || ch == '_' || ch == '.'; }
static bool is_id(int ch) { return isalnum(ch) || ch == '_' || ch == '.' || ch == '$'; }

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
static int parse_reg(actx *c, const char **pp) {
    const char *p = *pp;
    bool pct = *p == '%';
    if (pct) p++;
    const char *q = p;
    while (is_id(*q) && *q != '.') q++;
    size_t n = (size_t)(q - p);
    int r = reg_lookup(p, n);
    if (r < 0) {
        if (pct || (bad_regname(p, n) && !is_id(*q))) {
            fail(c, *pp, "unknown register '%.*s'", (int)(q - *pp), *pp);
            return -2;
        }
        return -1;
    }
    if (is_id(*q) && *q != '.') return -1;
    *pp = q;
    return r;
}

/* ---- expressions ------------------------------------------------------------------ */

static bool expr(actx *c, const char **pp, val *out);

static bool parse_char(actx *c, const char **pp, int64_t *v) {
    const char *p = *pp;
    int ch = (unsigned char)*p;
    if (!ch) return fail(c, p, "unterminated character constant");
    if (ch == '\\') {
        p++;
        switch (*p) {
        case 'n': ch = '\n'; break;
        case 't': ch = '\t'; break;
        case 'r': ch = '\r'; break;
        case '0': ch = 0; break;
        case 'a': ch = 7; break;
        case 'b': ch = 8; break;
        case 'f': ch = 12; break;
        case 'e': ch = 27; break;
        case '\\': ch = '\\'; break;
        case '\'': ch = '\''; break;
        case '"': ch = '"'; break;
        case 'x': {
            int64_t x = 0;
            int k = 0;
            while (isxdigit((unsigned char)p[1]) && k < 2) {
                p++;
                k++;
                x = x * 16 + (isdigit((unsigned char)*p) ? *p - '0' : (tolower((unsigned char)*p) - 'a' + 10));
            }
            if (!k) return fail(c, p, "bad \\x escape");
            ch = (int)x;
            break;
        }
        default:
            if (!*p) return fail(c, p, "unterminated character constant");
            ch = (unsigned char)*p;
        }
    }
    p++;
    *v = ch;
    *pp = p;
    return true;
}

static bool primary(actx *c, const char **pp, val *out) {
    const char *p = skipws(*pp);
    out->rel = false;
    out->undef = false;
    out->v = 0;
    if (*p == '(') {
        p++;
        if (!expr(c, &p, out)) return false;
        p = skipws(p);
        if (*p != ')') return fail(c, p, "missing ')'");
        *pp = p + 1;
        return true;
    }
    if (*p == '-' || *p == '~' || *p == '+' || *p == '!') {
        char op = *p;
        const char *q = p + 1;
        if (!primary(c, &q, out)) return false;
        if (op == '-') out->v = (int64_t)(0 - (uint64_t)out->v);
        else if (op == '~') out->v = ~out->v & 0xffffffffLL;
        else if (op == '!') { out->v = !out->v; out->rel = false; }
        *pp = q;
        return true;
    }
    if (*p == '\'') {
        if (!p[1] || (p[1] == '\\' && !p[2])) return fail(c, p, "unterminated character constant");
        p++;
        if (!parse_char(c, &p, &out->v)) return false;
        if (*p == '\'') p++;
        *pp = p;
        return true;
    }
    if (isdigit((unsigned char)*p) || (*p == '$' && isxdigit((unsigned char)p[1]))) {
        uint64_t v = 0;
        int base = 10;
        const char *start = p;
        if (*p == '$') { base = 16; p++; }
        else if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X')) { base = 16; p += 2; }
        else if (p[0] == '0' && (p[1] == 'b' || p[1] == 'B') && (p[2] == '0' || p[2] == '1')) { base = 2; p += 2; }
        else if (p[0] == '0' && isdigit((unsigned char)p[1])) { base = 8; p++; }
        const char *digits = p;
        if (base == 10) {
            /* 1b / 1f: the nearest local label 1 backwards / forwards */
            const char *q = p;
            uint64_t num = 0;
            while (isdigit((unsigned char)*q) && num < 0x100000000ULL) num = num * 10 + (uint64_t)(*q++ - '0');
            if ((*q == 'b' || *q == 'f') && !is_id((unsigned char)q[1]) && num < 0x100000000ULL) {
                int *cnt = local_count(c, (uint32_t)num);
                if (!cnt) return fail(c, start, "out of memory");
                int k = *q == 'b' ? *cnt : *cnt + 1;
                char nm[32];
                size_t nl = local_name(nm, sizeof nm, (uint32_t)num, k);
                sym *s = k > 0 ? sym_find(c, nm, nl) : NULL;
                if (s) {
                    out->v = s->v;
                    out->rel = s->rel;
                } else if (c->final || *q == 'b') {
                    return fail(c, start, "no local label %llu %s", (unsigned long long)num,
                                *q == 'b' ? "before this point" : "after this point");
                } else {
                    out->v = 0;
                    out->rel = true;
                    out->undef = true;
                }
                *pp = q + 1;
                return true;
            }
        }
        for (;; p++) {
            int d;
            if (isdigit((unsigned char)*p)) d = *p - '0';
            else if (isalpha((unsigned char)*p)) d = tolower((unsigned char)*p) - 'a' + 10;
            else break;
            if (d >= base) return fail(c, start, "bad digit '%c' in number", *p);
            v = v * (uint64_t)base + (uint64_t)d;
            if (v > 0xffffffffULL) return fail(c, start, "number too large");
        }
        if (p == digits) return fail(c, start, "bad number");
        out->v = (int64_t)v;
        *pp = p;
        return true;
    }
    if (is_id0((unsigned char)*p)) {
        const char *q = p;
        while (is_id((unsigned char)*q)) q++;
        size_t n = (size_t)(q - p);
        if (n == 1 && *p == '.') {
            out->v = c->stmt_pc;
            out->rel = true;
            *pp = q;
            return true;
        }
        if (reg_lookup(p, n) >= 0 || bad_regname(p, n))
            return fail(c, p, bad_regname(p, n) ? "unknown register '%.*s'" : "register '%.*s' not allowed here",
                        (int)n, p);
        sym *s = sym_find(c, p, n);
        if (!s && n > 2 && q[-2] == '.' && strchr("wWlL", q[-1])) {
            /* label.w / label.l: the size suffix of an absolute address */
            n -= 2;
            q -= 2;
            s = sym_find(c, p, n);
        }
        if (s) {
            out->v = s->v;
            out->rel = s->rel;
        } else {
            if (c->final) return fail(c, p, "undefined symbol '%.*s'", (int)n, p);
            out->v = 0;
            out->rel = true;
            out->undef = true;
        }
        *pp = q;
        return true;
    }
    if (*p == '%') {
        const char *q = p + 1;
        while (is_id((unsigned char)*q)) q++;
        return fail(c, p, "register '%.*s' not allowed here", (int)(q - p), p);
    }
    if (!*p) return fail(c, p, "missing expression");
    return fail(c, p, "unexpected '%c' in expression", *p);
}

static int binop_prec(const char *p, int *len) {
    *len = 1;
    switch (*p) {
    case '|': return 1;
    case '^': return 2;
    case '&': return 3;
    case '<': if (p[1] == '<') { *len = 2; return 4; } return 0;
    case '>': if (p[1] == '>') { *len = 2; return 4; } return 0;
    case '+': case '-': return 5;
    case '*': case '/': case '%': return 6;
    default: return 0;
    }
}

static bool expr_prec(actx *c, const char **pp, val *lhs, int minprec) {
    for (;;) {
        const char *p = skipws(*pp);
        int len, prec = binop_prec(p, &len);
        if (!prec || prec < minprec) return true;
        const char *opat = p;
        char op = *p;
        p += len;
        val rhs;
        if (!primary(c, &p, &rhs)) return false;
        for (;;) {
            const char *q = skipws(p);
            int l2, p2 = binop_prec(q, &l2);
            if (!p2 || p2 <= prec) break;
            if (!expr_prec(c, &p, &rhs, p2)) return false;
        }
        uint64_t a = (uint64_t)lhs->v, b = (uint64_t)rhs.v;
        bool rel = lhs->rel || rhs.rel;
        switch (op) {
        case '+': a += b; break;
        case '-': a -= b; rel = lhs->rel && !rhs.rel ? true : (lhs->rel && rhs.rel ? false : rhs.rel); break;
        case '*': a *= b; break;
        case '/': case '%':
            if (rhs.v == 0) {
                if (lhs->undef || rhs.undef) { a = 0; break; }
                return fail(c, opat, "division by zero");
            }
            if (rhs.v == -1) a = op == '/' ? 0 - a : 0;
            else a = op == '/' ? (uint64_t)(lhs->v / rhs.v) : (uint64_t)(lhs->v % rhs.v);
            break;
        case '<': case '>':
            if (rhs.v < 0 || rhs.v > 63) {
                if (lhs->undef || rhs.undef) { a = 0; break; }
                return fail(c, opat, "bad shift count %lld", (long long)rhs.v);
            }
            a = op == '<' ? a << rhs.v : (uint64_t)(lhs->v >> rhs.v);
            break;
        case '&': a &= b; break;
        case '|': a |= b; break;
        case '^': a ^= b; break;
        }
        /* keep values in a sane 33-bit-ish window so ranges can be checked */
        int64_t r = (int64_t)a;
        if (r > 0xffffffffLL || r < -0x80000000LL) r = (int64_t)(int32_t)(uint32_t)a;
        lhs->v = r;
        lhs->rel = rel;
        lhs->undef = lhs->undef || rhs.undef;
        *pp = p;
    }
}

static bool expr(actx *c, const char **pp, val *out) {
    if (!primary(c, pp, out)) return false;
    return expr_prec(c, pp, out, 1);
}

/* ---- operands ------------------------------------------------------------------------- */

enum { K_NONE, K_DN, K_AN, K_AI, K_PI, K_PD, K_DI, K_IX, K_ABS, K_PCDI, K_PCIX, K_IMM,
       K_SR, K_CCR, K_USP, K_CTRL, K_RLIST };

typedef struct opnd {
    int kind;
    int reg;        /* Dn/An number, base An */
    val v;          /* displacement / absolute / immediate */
    int xreg;       /* index register 0-15 */
    bool xlong;
    int scale;
    int abs_size;   /* 0 auto, 'w', 'l' */
    unsigned mask;  /* register list: d0 = bit 0 ... a7 = bit 15 */
    unsigned ctrl;  /* MOVEC code */
    const char *at;
} opnd;


/* index register: Xn[.w|.l|:w|:l][*s|:s] */
static bool parse_index(actx *c, const char **pp, opnd *o) {
    const char *p = skipws(*pp);
    const char *at = p;
    int r = parse_reg(c, &p);
    if (r == -2) return false;
    if (r < 0 || r > 15) return fail(c, at, "index register expected");
    o->xreg = r;
    o->xlong = false;
    o->scale = 1;
    if ((*p == '.' || *p == ':') && (tolower((unsigned char)p[1]) == 'w' || tolower((unsigned char)p[1]) == 'l') &&
        !is_id((unsigned char)p[2])) {
        o->xlong = tolower((unsigned char)p[1]) == 'l';
        p += 2;
    }
    if ((*p == '*' || *p == ':') && isdigit((unsigned char)p[1])) {
        const char *sat = p;
        p++;
        int s = 0;
        while (isdigit((unsigned char)*p)) { s = s * 10 + (*p - '0'); p++; if (s > 100) break; }
        if (s != 1 && s != 2 && s != 4 && s != 8) return fail(c, sat, "bad scale factor");
        o->scale = s;
    }
    *pp = p;
    return true;
}

/* After a base register inside parentheses: ')' or ',' Xn ')'. base is An or PC. */
static bool parse_after_base(actx *c, const char **pp, opnd *o, int base, bool have_disp) {
    const char *p = skipws(*pp);
    if (*p == ',') {
        p++;
        if (!parse_index(c, &p, o)) return false;
        p = skipws(p);
        o->kind = base == R_PC ? K_PCIX : K_IX;
    } else {
        o->kind = base == R_PC ? K_PCDI : (have_disp ? K_DI : K_AI);
    }
    if (*p != ')') return fail(c, p, "missing ')'");
    p++;
    if (base != R_PC) o->reg = base - 8;
    *pp = p;
    return true;
}

static bool parse_reglist(actx *c, const char **pp, int first, opnd *o) {
    const char *p = *pp;
    unsigned mask = 0;
    int r = first;
    for (;;) {
        if (r < 0 || r > 15) return fail(c, p, "register list expects d0-d7/a0-a7");
        int hi = r;
        p = skipws(p);
        if (*p == '-') {
            p++;
            p = skipws(p);
            const char *at = p;
            hi = parse_reg(c, &p);
            if (hi == -2) return false;
            if (hi < 0 || hi > 15) return fail(c, at, "register expected after '-'");
            if (hi < r) return fail(c, at, "bad register range");
        }
        for (int i = r; i <= hi; i++) mask |= 1u << i;
        p = skipws(p);
        if (*p != '/') break;
        p++;
        p = skipws(p);
        const char *at = p;
        r = parse_reg(c, &p);
        if (r == -2) return false;
        if (r < 0 || r > 15) return fail(c, at, "register expected in register list");
    }
    o->kind = K_RLIST;
    o->mask = mask;
    *pp = p;
    return true;
}

static bool abs_suffix(const char **pp, opnd *o) {
    const char *p = skipws(*pp);
    if ((*p == '.' || *p == ':') && (tolower((unsigned char)p[1]) == 'w' || tolower((unsigned char)p[1]) == 'l') &&
        !is_id((unsigned char)p[2])) {
        o->abs_size = tolower((unsigned char)p[1]);
        *pp = p + 2;
        return true;
    }
    return false;
}

static bool parse_operand(actx *c, const char *s, opnd *o) {
    memset(o, 0, sizeof *o);
    const char *p = skipws(s);
    o->at = p;
    if (!*p) return fail(c, p, "missing operand");
    if (*p == '#') {
        p++;
        if (!expr(c, &p, &o->v)) return false;
        o->kind = K_IMM;
        goto done;
    }
    if (*p == '-' && p[1] == '(') {
        const char *q = skipws(p + 2);
        int r = parse_reg(c, &q);
        if (r == -2) return false;
        if (r >= 0) {
            if (r < 8 || r > 15) return fail(c, p + 2, "address register expected in -(An)");
            q = skipws(q);
            if (*q != ')') return fail(c, q, "missing ')'");
            o->kind = K_PD;
            o->reg = r - 8;
            p = q + 1;
            goto done;
        }
    }
    if (*p == '(') {
        const char *q = skipws(p + 1);
        int r = parse_reg(c, &q);
        if (r == -2) return false;
        if (r >= 8 && r <= R_PC) {
            q = skipws(q);
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
        if (r >= 0) return fail(c, p + 1, "address register expected");
        /* (d,An...) or a parenthesized expression */
        q = p + 1;
        val d;
        if (!expr(c, &q, &d)) return false;
        q = skipws(q);
        if (*q == ',') {
            q = skipws(q + 1);
            const char *rat = q;
            r = parse_reg(c, &q);
            if (r == -2) return false;
            if (r < 8 || r > R_PC) return fail(c, rat, "address register or pc expected");
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
            q = skipws(q);
            if (*q == '@') {
                if (r < 8 || r > R_PC) return fail(c, p, "address register expected before '@'");
                q++;
                if (*q == '+' && r != R_PC) { o->kind = K_PI; o->reg = r - 8; p = q + 1; goto done; }
                if (*q == '-' && r != R_PC) { o->kind = K_PD; o->reg = r - 8; p = q + 1; goto done; }
                if (*q == '(') {
                    q++;
                    const char *t = skipws(q);
                    int xr = parse_reg(c, &t);
                    if (xr == -2) return false;
                    if (xr >= 0) { /* %a0@(%d1:w) */
                        if (!parse_index(c, &q, o)) return false;
                        q = skipws(q);
                        if (*q != ')') return fail(c, q, "missing ')'");
                        o->kind = r == R_PC ? K_PCIX : K_IX;
                        if (r != R_PC) o->reg = r - 8;
                        p = q + 1;
                        goto done;
                    }
                    if (!expr(c, &q, &o->v)) return false;
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
            else if (r == R_PC) return fail(c, o->at, "pc can only be a base register");
            else {
                o->kind = K_CTRL;
                o->ctrl = r == R_SFC ? 0x000 : r == R_DFC ? 0x001 : r == R_VBR ? 0x801 : r == R_CACR ? 0x002
                        : r == R_CAAR ? 0x802 : r == R_MSP ? 0x803 : 0x804;
            }
            goto done;
        }
    }
    /* expression: absolute, or d(An...) / d(pc...) */
    if (!expr(c, &p, &o->v)) return false;
    p = skipws(p);
    if (*p == '(') {
        const char *q = skipws(p + 1);
        const char *rat = q;
        int r = parse_reg(c, &q);
        if (r == -2) return false;
        if (r < 8 || r > R_PC) return fail(c, rat, "address register or pc expected");
        if (!parse_after_base(c, &q, o, r, true)) return false;
        p = q;
        goto done;
    }
    o->kind = K_ABS;
    abs_suffix(&p, o);
done:
    p = skipws(p);
    if (*p) return fail(c, p, "junk '%s' after operand", p);
    return true;
}

/* ---- output ---------------------------------------------------------------------------- */

static bool emit_bytes(actx *c, const uint8_t *b, size_t n, const char *at) {
    if (c->pc < (int64_t)c->org) return fail(c, at, "address 0x%llx is below the origin", (long long)c->pc);
    int64_t off = c->pc - (int64_t)c->org;
    if (off + (int64_t)n > 0x1000000LL) return fail(c, at, "output larger than 16 MiB");
    size_t end = (size_t)off + n;
    if (end > c->cap) {
        size_t nc = c->cap ? c->cap : 256;
        while (nc < end) nc *= 2;
        uint8_t *nb = realloc(c->buf, nc);
        if (!nb) { c->oom = true; return fail(c, at, "out of memory"); }
        memset(nb + c->cap, 0, nc - c->cap);
        c->buf = nb;
        c->cap = nc;
    }
    if (n) memcpy(c->buf + off, b, n);
    if (end > c->hi) c->hi = end;
    c->pc += (int64_t)n;
    return true;
}

/* ---- instructions ---------------------------------------------------------------------------- */

typedef struct enc {
    uint16_t w;
    uint16_t pre;
    bool has_pre;
    uint16_t ext[2][4]; /* src, dst extension words */
    int next[2];
    /* failure of this attempt */
    int prio;
    const char *at;
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

/* Ranges are checked in the final pass only: earlier passes see provisional
 * values, and an instruction must keep its size whatever they are. */
static bool range_ok(actx *c, const val *v, int64_t lo, int64_t hi) {
    if (!c->final) return true;
    return v->v >= lo && v->v <= hi;
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
static bool enc_ea(actx *c, enc *e, const m68k_insn *in, const opnd *o, int side, int ea_pos, uint16_t allowed,
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
        if (!range_ok(c, &o->v, -0x8000, 0x7fff)) return efail(e, P_RANGE, o->at, "displacement %lld out of range -32768..32767", (long long)o->v.v);
        put_ext(e, side, (uint32_t)o->v.v);
        break;
    case K_PCDI: case K_PCIX: case K_IX: {
        int64_t d = o->v.v;
        if (o->kind != K_IX && o->v.rel) d = o->v.v - (int64_t)ext_addr;
        if (o->kind == K_PCDI && o->v.rel) d = (int64_t)(int32_t)(uint32_t)d;
        if (o->kind == K_PCIX && o->v.rel) d = (int64_t)(int32_t)(uint32_t)d;
        if (o->kind == K_PCDI) {
            if (c->final && (d < -0x8000 || d > 0x7fff))
                return efail(e, P_RANGE, o->at, "pc displacement %lld out of range -32768..32767", (long long)d);
            put_ext(e, side, (uint32_t)d);
        } else {
            if (c->final && (d < -128 || d > 127))
                return efail(e, P_RANGE, o->at, "index displacement %lld out of range -128..127", (long long)d);
            if (o->scale != 1)
                return efail(e, P_MODE, o->at, "scale factor needs a 68020 or later");
            put_ext(e, side, (uint32_t)o->xreg << 12 | (o->xlong ? 0x800u : 0) | ((uint32_t)d & 0xff));
        }
        break;
    }
    case K_ABS:
        if (reg == 0) {
            bool ok = (o->v.v >= -0x8000 && o->v.v <= 0x7fff) || (o->v.v >= 0xffff8000LL && o->v.v <= 0xffffffffLL);
            if (c->final && !ok)
                return efail(e, P_RANGE, o->at, "address 0x%llx does not fit a short absolute address", (long long)o->v.v);
            put_ext(e, side, (uint32_t)o->v.v);
        } else {
            if (!range_ok(c, &o->v, -0x80000000LL, 0xffffffffLL)) return efail(e, P_RANGE, o->at, "address out of range");
            put_ext(e, side, (uint32_t)o->v.v >> 16);
            put_ext(e, side, (uint32_t)o->v.v);
        }
        break;
    case K_IMM: {
        int n = m68k_imm_bytes(in);
        int64_t lo = n == 1 ? -128 : n == 2 ? -0x8000 : -0x80000000LL;
        int64_t hi = n == 1 ? 255 : n == 2 ? 0xffff : 0xffffffffLL;
        if (!range_ok(c, &o->v, lo, hi))
            return efail(e, P_RANGE, o->at, "immediate %lld out of range %lld..%lld", (long long)o->v.v, (long long)lo, (long long)hi);
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

static bool imm_in(actx *c, enc *e, const opnd *o, int64_t lo, int64_t hi) {
    if (o->kind != K_IMM) return efail(e, P_MODE, o->at, "immediate expected");
    if (!range_ok(c, &o->v, lo, hi))
        return efail(e, P_RANGE, o->at, "immediate %lld out of range %lld..%lld", (long long)o->v.v, (long long)lo, (long long)hi);
    return true;
}

static bool enc_branch(actx *c, enc *e, const opnd *o, int side, bool shortb) {
    if (o->kind != K_ABS || o->abs_size) return efail(e, P_MODE, o->at, "branch target expected");
    int64_t d = (int64_t)(int32_t)(uint32_t)(o->v.v - (c->stmt_pc + 2));
    bool unk = !c->final;
    if (shortb) {
        if (!unk && (d < -128 || d > 127 || d == 0))
            return efail(e, P_RANGE, o->at, d == 0 ? "short branch to the next instruction is not encodable"
                                                   : "branch displacement %lld out of range for a short branch", (long long)d);
        e->w |= (uint16_t)(unk && (d < -128 || d > 127 || d == 0) ? 1 : (d & 0xff));
    } else {
        if (!unk && (d < -0x8000 || d > 0x7fff))
            return efail(e, P_RANGE, o->at, "branch displacement %lld out of range -32768..32767", (long long)d);
        put_ext(e, side, (uint32_t)d);
    }
    return true;
}

static bool enc_operand(actx *c, enc *e, const m68k_insn *in, int kind, const opnd *o, int side, const opnd *other,
                        int usize) {
    uint32_t ext_addr = (uint32_t)c->stmt_pc + 2 + (e->has_pre ? 2 : 0);
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
        if (!range_ok(c, &o->v, -0x8000, 0x7fff)) return efail(e, P_RANGE, o->at, "displacement %lld out of range -32768..32767", (long long)o->v.v);
        e->w |= (uint16_t)o->reg;
        put_ext(e, side, (uint32_t)o->v.v);
        return true;
    case M68K_OPD_IMM: {
        int n = m68k_imm_bytes(in);
        int64_t lo = n == 1 ? -128 : n == 2 ? -0x8000 : -0x80000000LL;
        int64_t hi = n == 1 ? 255 : n == 2 ? 0xffff : 0xffffffffLL;
        if (!imm_in(c, e, o, lo, hi)) return false;
        if (n == 4) { put_ext(e, side, (uint32_t)o->v.v >> 16); put_ext(e, side, (uint32_t)o->v.v); }
        else put_ext(e, side, (uint32_t)o->v.v & 0xffff);
        return true;
    }
    case M68K_OPD_IMM8:
        if (!imm_in(c, e, o, -128, 255)) return false;
        put_ext(e, side, (uint32_t)o->v.v & 0xff);
        return true;
    case M68K_OPD_IMM16:
        if (!imm_in(c, e, o, -0x8000, 0xffff)) return false;
        put_ext(e, side, (uint32_t)o->v.v & 0xffff);
        return true;
    case M68K_OPD_LINKD:
        if (!imm_in(c, e, o, -0x8000, 0x7fff)) return false;
        put_ext(e, side, (uint32_t)o->v.v & 0xffff);
        return true;
    case M68K_OPD_QUICK3:
        if (!imm_in(c, e, o, 1, 8)) return false;
        e->w |= (uint16_t)((o->v.v & 7) << 9);
        return true;
    case M68K_OPD_QUICK8:
        if (!imm_in(c, e, o, -128, 255)) return false;
        e->w |= (uint16_t)(o->v.v & 0xff);
        return true;
    case M68K_OPD_VEC4:
        if (!imm_in(c, e, o, 0, 15)) return false;
        e->w |= (uint16_t)o->v.v;
        return true;
    case M68K_OPD_BKPT3:
        if (!imm_in(c, e, o, 0, 7)) return false;
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
            if (!imm_in(c, e, o, 0, 0xffff)) return false;
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
        if (!m68k_ctrl_name(c->variant, code))
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
static bool try_entry(actx *c, const m68k_insn *in, int cond, int usize, opnd *ops, int nops, enc *e,
                      const char *mnat) {
    memset(e, 0, sizeof *e);
    if (!size_ok(in, usize)) return efail(e, P_SIZE, mnat, "invalid size for '%s'", m68k_gnu_name(in->op));
    int src = in->src, dst = in->dst;
    int want = (src ? 1 : 0) + (dst ? 1 : 0);
    if (nops != want) return efail(e, P_COUNT, mnat, "'%s' takes %d operand%s", m68k_gnu_name(in->op), want, want == 1 ? "" : "s");
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
    if ((e->w & in->mask) != in->match || m68k_decode_word(c->variant, e->w) != in)
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

static bool do_insn(actx *c, const char *mnat, const char *mnend, char *opstr) {
    char mn[32];
    size_t n = (size_t)(mnend - mnat);
    if (n >= sizeof mn) return fail(c, mnat, "unknown instruction '%.*s'", (int)n, mnat);
    for (size_t i = 0; i < n; i++) mn[i] = (char)tolower((unsigned char)mnat[i]);
    mn[n] = 0;
    int usize = 0;
    char *dot = strchr(mn, '.');
    if (dot) {
        if (strlen(dot) != 2 || !strchr("bwls", dot[1]))
            return fail(c, mnat + (dot - mn), "invalid size suffix '%s'", dot);
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
    if (!nc) return fail(c, mnat, "unknown instruction '%.*s'", (int)n, mnat);
    if (usize == 'l') {
        for (int i = 0; i < nc; i++)
            if (m68k_gnu_suffix(cands[i].op) == 'j')
                return fail(c, mnat, "32-bit branch displacements need a 68020 or later");
    }

    /* split operands at top-level commas */
    opnd ops[MAX_OPS];
    int nops = 0;
    char *p = (char *)skipws(opstr);
    if (*p) {
        for (;;) {
            char *start = p;
            int depth = 0;
            while (*p) {
                if (*p == '(') depth++;
                else if (*p == ')') depth--;
                else if (*p == '\'' && p[1]) {
                    p++;
                    if (*p == '\\' && p[1]) p++;
                    if (p[1] == '\'') p++;
                }
                else if (*p == ',' && depth <= 0) break;
                p++;
            }
            if (nops == MAX_OPS) return fail(c, start, "too many operands");
            char save = *p;
            *p = 0;
            /* trim trailing blanks */
            char *t = p;
            while (t > start && (t[-1] == ' ' || t[-1] == '\t')) *--t = 0;
            bool ok = parse_operand(c, start, &ops[nops]);
            *p = save;
            if (!ok) return false;
            nops++;
            if (!save) break;
            p++;
        }
    }

    enc best, e;
    memset(&best, 0, sizeof best);
    const m68k_insn *found = NULL;
    unsigned bit = c->variant == M68K_68010 ? M68K_ON_010 : M68K_ON_000;
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
    if (!found && other_model && c->variant == M68K_68000) {
        /* would a 68010-only form take these operands? say so */
        c->variant = M68K_68010;
        bool fits = false;
        for (int k = 0; k < nc && !fits; k++)
            for (int i = 0; i < m68k_ninsns && !fits; i++) {
                const m68k_insn *in = &m68k_insns[i];
                if (in->op == cands[k].op && in->models == M68K_ON_010)
                    fits = try_entry(c, in, cands[k].cond, usize, ops, nops, &e, mnat);
            }
        c->variant = M68K_68000;
        if (fits)
            return fail(c, mnat, this_model ? "'%s' with these operands is a 68010 instruction (not on the 68000)"
                                            : "'%s' is a 68010 instruction (not on the 68000)", mn);
    }
    if (!found) {
        if (!best.prio && other_model)
            return fail(c, mnat, "'%s' is not an instruction of the %s", mn, c->variant ? "68010" : "68000");
        if (!best.prio) return fail(c, mnat, "unknown instruction '%s'", mn);
        return fail(c, best.at, "%s", best.msg);
    }
    if (c->pc & 1) return fail(c, mnat, "instruction at odd address 0x%llx", (long long)c->pc);
    uint8_t out[16];
    size_t k = 0;
    out[k++] = (uint8_t)(best.w >> 8);
    out[k++] = (uint8_t)best.w;
    if (best.has_pre) { out[k++] = (uint8_t)(best.pre >> 8); out[k++] = (uint8_t)best.pre; }
    for (int s = 0; s < 2; s++)
        for (int j = 0; j < best.next[s]; j++) { out[k++] = (uint8_t)(best.ext[s][j] >> 8); out[k++] = (uint8_t)best.ext[s][j]; }
    if ((int)k != m68k_insn_length(found, best.w))
        return fail(c, mnat, "internal: length %d disagrees with the decode table (%d)", (int)k, m68k_insn_length(found, best.w));
    return emit_bytes(c, out, k, mnat);
}

/* ---- directives ---------------------------------------------------------------------------- */

static bool parse_string(actx *c, const char **pp, uint8_t *buf, size_t *n, size_t cap) {
    const char *p = skipws(*pp);
    if (*p != '"') return fail(c, p, "string expected");
    const char *open = p;
    p++;
    *n = 0;
    while (*p != '"') {
        if (!*p) return fail(c, open, "unterminated string");
        int64_t ch;
        if (*p == '\\') {
            if (!parse_char(c, &p, &ch)) return false;
        } else {
            ch = (unsigned char)*p++;
        }
        if (*n < cap) buf[(*n)++] = (uint8_t)ch;
    }
    *pp = p + 1;
    return true;
}

static bool data_list(actx *c, const char *p, int width) {
    p = skipws(p);
    if (!*p) return fail(c, p, "expression expected");
    for (;;) {
        p = skipws(p);
        if (*p == '"' && width == 1) {
            uint8_t tmp[MAX_LINE];
            size_t n;
            if (!parse_string(c, &p, tmp, &n, sizeof tmp)) return false;
            if (!emit_bytes(c, tmp, n, p)) return false;
        } else {
            const char *at = p;
            val v;
            if (!expr(c, &p, &v)) return false;
            int64_t lo = width == 1 ? -128 : width == 2 ? -0x8000 : -0x80000000LL;
            int64_t hi = width == 1 ? 255 : width == 2 ? 0xffff : 0xffffffffLL;
            if (!range_ok(c, &v, lo, hi))
                return fail(c, at, "value %lld out of range for %d-bit data", (long long)v.v, width * 8);
            uint8_t b[4];
            uint32_t u = (uint32_t)v.v;
            for (int i = 0; i < width; i++) b[i] = (uint8_t)(u >> (8 * (width - 1 - i)));
            if (!emit_bytes(c, b, (size_t)width, at)) return false;
        }
        p = skipws(p);
        if (!*p) return true;
        if (*p != ',') return fail(c, p, "',' expected");
        p++;
    }
}

static bool const_expr(actx *c, const char **pp, val *v, const char *what) {
    const char *at = skipws(*pp);
    if (!expr(c, pp, v)) return false;
    if (v->undef) return fail(c, at, "%s must be known here (no forward references)", what);
    return true;
}

static bool fill(actx *c, int64_t n, uint8_t byte, const char *at) {
    if (n < 0 || n > 0x1000000) return fail(c, at, "bad size %lld", (long long)n);
    uint8_t z[256];
    memset(z, byte, sizeof z);
    while (n > 0) {
        size_t k = n > 256 ? 256 : (size_t)n;
        if (!emit_bytes(c, z, k, at)) return false;
        n -= (int64_t)k;
    }
    return true;
}

static bool end_of_args(actx *c, const char *p) {
    p = skipws(p);
    if (*p) return fail(c, p, "junk '%s' at end of line", p);
    return true;
}

static bool do_directive(actx *c, const char *dat, const char *dend, const char *args) {
    char d[16];
    size_t n = (size_t)(dend - dat);
    if (n >= sizeof d) return fail(c, dat, "unknown directive '%.*s'", (int)n, dat);
    for (size_t i = 0; i < n; i++) d[i] = (char)tolower((unsigned char)dat[i]);
    d[n] = 0;
    const char *p = args;
    if (!strcmp(d, ".byte") || !strcmp(d, "dc.b")) return data_list(c, p, 1);
    if (!strcmp(d, ".short") || !strcmp(d, ".word") || !strcmp(d, "dc.w") || !strcmp(d, "dc")) return data_list(c, p, 2);
    if (!strcmp(d, ".long") || !strcmp(d, ".int") || !strcmp(d, "dc.l")) return data_list(c, p, 4);
    if (!strcmp(d, ".ascii") || !strcmp(d, ".asciz") || !strcmp(d, ".string")) {
        bool z = strcmp(d, ".ascii") != 0;
        for (;;) {
            uint8_t tmp[MAX_LINE];
            size_t k;
            if (!parse_string(c, &p, tmp, &k, sizeof tmp - 1)) return false;
            if (z) tmp[k++] = 0;
            if (!emit_bytes(c, tmp, k, dat)) return false;
            p = skipws(p);
            if (!*p) return true;
            if (*p != ',') return fail(c, p, "',' expected");
            p++;
        }
    }
    if (!strcmp(d, ".org")) {
        val v;
        const char *at = skipws(p);
        if (!const_expr(c, &p, &v, ".org address")) return false;
        if (v.v < (int64_t)c->org) return fail(c, at, ".org %lld is below the origin 0x%x", (long long)v.v, c->org);
        if (v.v < c->pc) return fail(c, at, ".org 0x%llx moves the location backwards (now 0x%llx)", (long long)v.v, (long long)c->pc);
        if (!end_of_args(c, p)) return false;
        return fill(c, v.v - c->pc, 0, at);
    }
    if (!strcmp(d, ".align") || !strcmp(d, ".balign") || !strcmp(d, ".even")) {
        int64_t a = 2;
        const char *at = skipws(p);
        if (strcmp(d, ".even")) {
            val v;
            if (!const_expr(c, &p, &v, "alignment")) return false;
            a = v.v;
            if (a <= 0 || a > 0x10000 || (a & (a - 1))) return fail(c, at, "alignment %lld is not a power of 2", (long long)a);
        }
        if (!end_of_args(c, p)) return false;
        int64_t pad = (a - (c->pc % a)) % a;
        return fill(c, pad, 0, at);
    }
    if (!strcmp(d, ".space") || !strcmp(d, ".skip") || !strcmp(d, "ds.b") || !strcmp(d, "ds.w") || !strcmp(d, "ds.l") ||
        !strcmp(d, "ds")) {
        val v;
        const char *at = skipws(p);
        if (!const_expr(c, &p, &v, "size")) return false;
        int64_t mul = !strcmp(d, "ds.w") || !strcmp(d, "ds") ? 2 : !strcmp(d, "ds.l") ? 4 : 1;
        uint8_t byte = 0;
        p = skipws(p);
        if (*p == ',' && mul == 1) {
            p++;
            val f;
            if (!const_expr(c, &p, &f, "fill value")) return false;
            byte = (uint8_t)f.v;
        }
        if (!end_of_args(c, p)) return false;
        if (v.v < 0 || v.v > 0x1000000) return fail(c, at, "bad size %lld", (long long)v.v);
        return fill(c, v.v * mul, byte, at);
    }
    if (!strcmp(d, ".equ") || !strcmp(d, ".set")) {
        p = skipws(p);
        const char *nm = p;
        while (is_id((unsigned char)*p)) p++;
        if (p == nm || !is_id0((unsigned char)*nm)) return fail(c, nm, "symbol name expected");
        size_t nl = (size_t)(p - nm);
        p = skipws(p);
        if (*p != ',') return fail(c, p, "',' expected");
        p++;
        val v;
        if (!expr(c, &p, &v)) return false;
        if (!end_of_args(c, p)) return false;
        return sym_define(c, nm, nl, v.v, v.rel, false, nm);
    }
    if (!strcmp(d, ".text") || !strcmp(d, ".data") || !strcmp(d, ".globl") || !strcmp(d, ".global") ||
        !strcmp(d, ".section") || !strcmp(d, ".type") || !strcmp(d, ".size") || !strcmp(d, ".file") ||
        !strcmp(d, ".ident"))
        return true;
    if (!strcmp(d, ".end") || !strcmp(d, "end")) return true;
    return fail(c, dat, "unknown directive '%s'", d);
}

/* ---- lines ----------------------------------------------------------------------------------- */

/* Cut the comment off a line in place. */
static void strip_comment(char *s) {
    char *p = s;
    const char *q = skipws(s);
    if (*q == '#' || *q == '*') { *s = 0; return; }
    while (*p) {
        if (*p == '"') {
            p++;
            while (*p && *p != '"') { if (*p == '\\' && p[1]) p++; p++; }
            if (*p) p++;
            continue;
        }
        if (*p == '\'') {
            p++;
            if (*p == '\\' && p[1]) p++;
            if (*p) p++;
            if (*p == '\'') p++;
            continue;
        }
        /* `|` starts a comment at the start of a line or after a blank (as
         * in GNU as); written between two operand characters it is OR */
        if (*p == ';' || (*p == '|' && (p == s || p[-1] == ' ' || p[-1] == '\t'))) { *p = 0; return; }
        p++;
    }
}

static bool is_directive_name(const char *p, size_t n) {
    if (n && p[0] == '.') return true;
    char b[8];
    if (n >= sizeof b) return false;
    for (size_t i = 0; i < n; i++) b[i] = (char)tolower((unsigned char)p[i]);
    b[n] = 0;
    return !strcmp(b, "dc.b") || !strcmp(b, "dc.w") || !strcmp(b, "dc.l") || !strcmp(b, "dc") || !strcmp(b, "ds.b") ||
           !strcmp(b, "ds.w") || !strcmp(b, "ds.l") || !strcmp(b, "ds") || !strcmp(b, "end");
}

static void do_line(actx *c, char *line) {
    strip_comment(line);
    c->lbase = line;
    c->stmt_pc = c->pc;
    char *p = (char *)skipws(line);
    /* labels */
    for (;;) {
        char *q = p;
        if (isdigit((unsigned char)*q)) { /* local numeric label N: */
            uint64_t num = 0;
            while (isdigit((unsigned char)*q) && num < 0x100000000ULL) num = num * 10 + (uint64_t)(*q++ - '0');
            char *r = (char *)skipws(q);
            if (*r != ':' || num >= 0x100000000ULL) break;
            int *cnt = local_count(c, (uint32_t)num);
            if (!cnt) { fail(c, p, "out of memory"); return; }
            char nm[32];
            size_t nl = local_name(nm, sizeof nm, (uint32_t)num, ++*cnt);
            if (!sym_define(c, nm, nl, c->pc, true, true, p)) return;
            p = (char *)skipws(r + 1);
            continue;
        }
        if (!is_id0((unsigned char)*q)) break;
        while (is_id((unsigned char)*q)) q++;
        char *r = (char *)skipws(q);
        if (*r == ':') {
            if (q - p == 1 && *p == '.') { fail(c, p, "'.' cannot be a label"); return; }
            if (reg_lookup(p, (size_t)(q - p)) >= 0) { fail(c, p, "register name '%.*s' cannot be a label", (int)(q - p), p); return; }
            if (!sym_define(c, p, (size_t)(q - p), c->pc, true, true, p)) return;
            p = (char *)skipws(r + 1);
            continue;
        }
        /* sym = expr, sym equ expr */
        if (*r == '=' && r[1] != '=') {
            char *e = r + 1;
            val v;
            if (!expr(c, (const char **)&e, &v)) return;
            if (!end_of_args(c, e)) return;
            sym_define(c, p, (size_t)(q - p), v.v, v.rel, false, p);
            return;
        }
        {
            const char *w = r;
            const char *we = w;
            while (is_id((unsigned char)*we)) we++;
            size_t wl = (size_t)(we - w);
            if ((wl == 3 && !strncasecmp(w, "equ", 3)) || (wl == 4 && !strncasecmp(w, ".equ", 4)) ||
                (wl == 3 && !strncasecmp(w, "set", 3))) {
                const char *e = we;
                val v;
                if (!expr(c, &e, &v)) return;
                if (!end_of_args(c, e)) return;
                sym_define(c, p, (size_t)(q - p), v.v, v.rel, false, p);
                return;
            }
        }
        break;
    }
    if (!*p) return;
    char *ms = p;
    if (!is_id0((unsigned char)*p)) { fail(c, p, "unexpected '%c'", *p); return; }
    while (is_id((unsigned char)*p)) p++;
    char *me = p;
    if (*p && *p != ' ' && *p != '\t') { fail(c, p, "unexpected '%c' after '%.*s'", *p, (int)(me - ms), ms); return; }
    if (is_directive_name(ms, (size_t)(me - ms))) do_directive(c, ms, me, p);
    else do_insn(c, ms, me, p);
}

static void free_syms(actx *c) {
    for (size_t i = 0; i < c->nsyms; i++) free(c->syms[i].name);
    free(c->syms);
}

static void run_pass(actx *c, const char *src) {
    c->pc = c->org;
    c->hi = 0;
    c->nlocals = 0;
    c->changed = false;
    c->line = 0;
    c->failed = false;
    char line[MAX_LINE + 1];
    const char *p = src;
    while (*p) {
        const char *e = p;
        while (*e && *e != '\n') e++;
        size_t n = (size_t)(e - p);
        c->line++;
        c->failed = false;
        if (n > MAX_LINE) {
            c->lbase = p;
            fail(c, p + MAX_LINE, "line too long (max %d characters)", MAX_LINE);
        } else {
            memcpy(line, p, n);
            line[n] = 0;
            if (n && line[n - 1] == '\r') line[n - 1] = 0;
            do_line(c, line);
        }
        if (c->failed && c->final) return;
        if (c->oom) return;
        p = *e ? e + 1 : e;
    }
    c->failed = false;
}

int m68k_assemble(int variant, const char *src, uint32_t org, uint8_t **out, size_t *len, char *err, size_t errsz) {
    if (out) *out = NULL;
    if (len) *len = 0;
    if (err && errsz) err[0] = 0;
    if (!src || !out || !len) {
        if (err && errsz) snprintf(err, errsz, "1:1: no source");
        return -1;
    }
    actx c;
    memset(&c, 0, sizeof c);
    c.variant = variant == M68K_68010 ? M68K_68010 : M68K_68000;
    c.org = org;
    int pass = 0;
    for (;;) {
        c.pass = ++pass;
        c.final = false;
        run_pass(&c, src);
        if (c.oom) break;
        if (!c.changed || pass >= MAX_PASSES) break;
    }
    bool settled = !c.changed;
    if (!c.oom) {
        c.pass = ++pass;
        c.final = true;
        c.changed = false;
        run_pass(&c, src);
        settled = settled && !c.changed;
    }
    int rc = 0;
    if (c.oom && !c.failed) {
        c.failed = true;
        c.err_line = c.line;
        c.err_col = 1;
        snprintf(c.msg, sizeof c.msg, "out of memory");
    }
    if (c.failed) {
        if (err && errsz) snprintf(err, errsz, "%d:%d: %s", c.err_line, c.err_col, c.msg);
        rc = -1;
    } else if (!settled) {
        if (err && errsz) snprintf(err, errsz, "%d:1: label values do not settle (sizes keep changing)", c.line ? c.line : 1);
        rc = -1;
    }
    if (rc == 0) {
        uint8_t *b = malloc(c.hi ? c.hi : 1);
        if (!b) {
            if (err && errsz) snprintf(err, errsz, "1:1: out of memory");
            rc = -1;
        } else {
            if (c.hi) memcpy(b, c.buf, c.hi);
            *out = b;
            *len = c.hi;
        }
    }
    free(c.buf);
    free(c.locals);
    free_syms(&c);
    return rc;
}
