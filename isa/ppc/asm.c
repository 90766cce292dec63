/* asm.c - PowerPC 750 assembler in the syntax of GNU as (powerpc-linux-gnu-as).
 *
 * Instructions: base mnemonics come from the decode table (ppc_insns) with
 * their "o" (OE), "." (Rc), "l" (LK) and "a" (AA) suffixes; extended
 * mnemonics from the alias table (ppc_aliases, disasm.c); conditional
 * branches (beq, bne- cr1,lab, bdnz, blr, bgectrl...) are spelled by
 * asm_branch(). There is no second opcode list.
 *
 * Operands: registers as r3, %r3 or 3 (f3 for FPRs), cr1 or 1 for CR fields,
 * CR bits as 4*cr1+eq, lt/gt/eq/so/un or 0..31, d(rA) memory operands,
 * expressions with the operators of GNU as (its precedence: * / % << >> over
 * | & ^ ! over + - and comparisons over && ||), `.` for the current address,
 * numbers in decimal, 0x hex, 0b binary, 0 octal and 'c characters, labels
 * (also numeric local labels 1: with 1b/1f), and the relocation operators
 * sym@l, sym@h, sym@ha (@hi = @h). A 16-bit field takes @l/@h/@ha values of
 * either sign, like GNU as. Branch hints + and - set the y bit as GNU as does
 * for pre-POWER4 targets.
 *
 * Differences from GNU as (tests/ppc_known_differences.txt): a constant
 * branch target is an absolute address (as the disassembler prints it; GNU
 * as reads a bare constant as the displacement; `.+8` and labels mean the
 * same in both), `.org` takes an absolute address (at or after the origin),
 * and lmw/lswi/lswx with rA in the loaded range are accepted (GNU as refuses
 * them; the 750 executes them and the disassembler prints them). Every word
 * must decode back to the form it was assembled from (ppc_decode), so
 * reserved fields, L = 1 and the invalid forms the 750 refuses (lwzu r3,0(r3),
 * bcctr with CTR decrement, mftb with another TBR) are errors.
 *
 * Directives: .long/.int/.4byte, .short/.hword/.half/.2byte/.word (16 bits,
 * as in GNU as for PowerPC), .byte, .ascii/.asciz/.string, .org, .align and
 * .p2align (power of two), .balign, .space/.skip/.zero, .fill, .equ/.set/=, .end;
 * .text/.globl/.section and similar are accepted and ignored.
 * Two passes: the first assigns addresses (every instruction is 4 bytes), the
 * second encodes and reports undefined symbols. Errors: "LINE:COL: message",
 * 1-based, at the first error. */
#include "isa/ppc/ppc.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_OUT (64u << 20) /* bytes of output at most */
#define MAX_OPS 6
#define MAX_DEPTH 64

typedef struct sym {
    char *name;
    int64_t v;
    int pass;     /* pass of the last definition, 0 = never */
    bool label;   /* defined as a label (cannot be redefined) */
} sym;

typedef struct llab { long num; uint32_t addr; } llab;

typedef struct actx {
    uint32_t org;
    int pass;
    uint64_t pc;         /* current address */
    uint8_t *buf;
    size_t cap, hi;      /* bytes allocated / used (from org) */
    sym *syms;
    size_t nsyms, capsyms;
    uint32_t *hash;      /* open addressing: symbol index + 1, 0 = empty */
    size_t hcap;         /* power of two, > 2 * nsyms */
    llab *ll;            /* numeric local labels in source order (pass 1) */
    size_t nll, capll, llseen;
    bool done;           /* .end */
    bool failed;
    char *err;
    size_t errsz;
    int line;
    const char *lstart;
} actx;

typedef struct opnd { const char *s, *e; } opnd; /* one operand's text */

/* ---- errors ------------------------------------------------------------------- */
static bool fail(actx *a, const char *at, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static bool fail(actx *a, const char *at, const char *fmt, ...) {
    if (a->failed) return false;
    a->failed = true;
    if (!a->err || !a->errsz) return false;
    int col = at && at >= a->lstart ? (int)(at - a->lstart) + 1 : 1;
    int n = snprintf(a->err, a->errsz, "%d:%d: ", a->line, col);
    if (n < 0 || (size_t)n >= a->errsz) return false;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(a->err + n, a->errsz - (size_t)n, fmt, ap);
    va_end(ap);
    return false;
}

/* Print at most 24 characters of [s, e) for messages. */
static const char *show(const char *s, const char *e, char *buf, size_t n) {
    size_t len = (size_t)(e - s);
    if (len > 24) len = 24;
    if (len >= n) len = n - 1;
    memcpy(buf, s, len);
    buf[len] = 0;
    return buf;
}

/* ---- small lexing helpers -------------------------------------------------------- */
static bool is_sym0(int c) { return isalpha(c) || c == '_' || c == '.' || c == '$'; }
static bool is_sym1(int c) { return isalnum(c) || c == '_' || c == '.' || c == '$'; }
static const char *skip_ws(const char *p, const char *e) {
    while (p < e && (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\f' || *p == '\v')) p++;
    return p;
}
static bool word_eq(const char *s, size_t n, const char *w) { return strlen(w) == n && memcmp(s, w, n) == 0; }

/* ---- symbols ---------------------------------------------------------------------- */
static uint32_t hash_name(const char *s, size_t n) {
    uint32_t h = 2166136261u;
    for (size_t i = 0; i < n; i++) h = (h ^ (unsigned char)s[i]) * 16777619u;
    return h;
}

static sym *sym_find(actx *a, const char *s, size_t n) {
    if (!a->hcap) return NULL;
    for (size_t i = hash_name(s, n) & (a->hcap - 1);; i = (i + 1) & (a->hcap - 1)) {
        uint32_t k = a->hash[i];
        if (!k) return NULL;
        sym *y = &a->syms[k - 1];
        if (strlen(y->name) == n && memcmp(y->name, s, n) == 0) return y;
    }
}

static bool hash_insert(actx *a, size_t idx) {
    if (2 * (a->nsyms + 1) >= a->hcap) {
        size_t nc = a->hcap ? a->hcap * 2 : 64;
        uint32_t *nh = calloc(nc, sizeof *nh);
        if (!nh) return false;
        free(a->hash);
        a->hash = nh, a->hcap = nc;
        for (size_t j = 0; j < a->nsyms; j++) {
            const char *nm = a->syms[j].name;
            size_t i = hash_name(nm, strlen(nm)) & (nc - 1);
            while (nh[i]) i = (i + 1) & (nc - 1);
            nh[i] = (uint32_t)j + 1;
        }
    }
    const char *nm = a->syms[idx].name;
    size_t i = hash_name(nm, strlen(nm)) & (a->hcap - 1);
    while (a->hash[i]) i = (i + 1) & (a->hcap - 1);
    a->hash[i] = (uint32_t)idx + 1;
    return true;
}

static sym *sym_get(actx *a, const char *s, size_t n, const char *at) {
    sym *y = sym_find(a, s, n);
    if (y) return y;
    if (a->nsyms == a->capsyms) {
        size_t nc = a->capsyms ? a->capsyms * 2 : 32;
        sym *ns = realloc(a->syms, nc * sizeof *ns);
        if (!ns) { fail(a, at, "out of memory"); return NULL; }
        a->syms = ns, a->capsyms = nc;
    }
    char *name = malloc(n + 1);
    if (!name) { fail(a, at, "out of memory"); return NULL; }
    memcpy(name, s, n);
    name[n] = 0;
    y = &a->syms[a->nsyms];
    y->name = name, y->v = 0, y->pass = 0, y->label = false;
    if (!hash_insert(a, a->nsyms)) { free(name); fail(a, at, "out of memory"); return NULL; }
    a->nsyms++;
    return y;
}

/* ---- expressions -------------------------------------------------------------------- */
enum { X_CR = 1 }; /* cr0..cr7, lt, gt, eq, so, un name CR fields and bits */

typedef struct xst {
    actx *a;
    const char *p, *e;
    int ctx;
    bool undef;   /* used a symbol not yet defined (pass 1) */
    int depth;
} xst;

static bool x_binary(xst *x, int level, int64_t *v);

static bool x_number(xst *x, int64_t *v) {
    const char *s = x->p, *p = x->p, *e = x->e;
    /* numeric local label reference: 1b / 1f */
    const char *q = p;
    while (q < e && isdigit((unsigned char)*q)) q++;
    if (q < e && (*q == 'b' || *q == 'f') && (q + 1 >= e || !is_sym1((unsigned char)q[1])) &&
        !(q - p == 1 && *p == '0' && *q == 'b' && q + 1 < e && (q[1] == '0' || q[1] == '1'))) {
        char *endp;
        long num = strtol(p, &endp, 10);
        actx *a = x->a;
        x->p = q + 1;
        if (*q == 'b') {
            for (size_t i = a->llseen; i-- > 0;)
                if (i < a->nll && a->ll[i].num == num) { *v = a->ll[i].addr; return true; }
            return fail(a, s, "undefined local label '%ldb'", num);
        }
        for (size_t i = a->llseen; i < a->nll; i++)
            if (a->ll[i].num == num) { *v = a->ll[i].addr; return true; }
        if (a->pass == 1) { x->undef = true; *v = 0; return true; }
        return fail(a, s, "undefined local label '%ldf'", num);
    }
    uint64_t r = 0;
    int base = 10;
    if (p + 1 < e && p[0] == '0' && (p[1] == 'x' || p[1] == 'X')) base = 16, p += 2;
    else if (p + 1 < e && p[0] == '0' && (p[1] == 'b' || p[1] == 'B')) base = 2, p += 2;
    else if (p[0] == '0') base = 8;
    const char *d0 = p;
    bool big = false;
    while (p < e && isalnum((unsigned char)*p)) {
        int c = tolower((unsigned char)*p), dv;
        if (isdigit(c)) dv = c - '0';
        else if (c >= 'a' && c <= 'f') dv = c - 'a' + 10;
        else break;
        if (dv >= base) break;
        if (r > (UINT64_MAX - (uint64_t)dv) / (uint64_t)base) big = true;
        r = r * (uint64_t)base + (uint64_t)dv;
        p++;
    }
    if (p < e && is_sym1((unsigned char)*p)) {
        const char *t = p;
        while (t < e && is_sym1((unsigned char)*t)) t++;
        char b[32];
        return fail(x->a, s, "bad number '%s'", show(s, t, b, sizeof b));
    }
    if (base != 8 && p == d0) return fail(x->a, s, "bad number");
    if (big) return fail(x->a, s, "number too large");
    x->p = p;
    *v = (int64_t)r;
    return true;
}

static bool x_char(xst *x, int64_t *v) {
    const char *s = x->p, *p = x->p + 1, *e = x->e;
    if (p >= e) return fail(x->a, s, "bad character constant");
    int c = (unsigned char)*p++;
    if (c == '\\' && p < e) {
        int d = (unsigned char)*p++;
        switch (d) {
        case 'n': c = '\n'; break;
        case 't': c = '\t'; break;
        case 'r': c = '\r'; break;
        case '0': c = 0; break;
        case 'b': c = '\b'; break;
        case 'f': c = '\f'; break;
        default: c = d; break;
        }
    }
    if (p < e && *p == '\'') p++;
    x->p = p;
    *v = c;
    return true;
}

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

static bool x_primary(xst *x, int64_t *v) {
    x->p = skip_ws(x->p, x->e);
    const char *s = x->p, *e = x->e;
    if (s >= e) return fail(x->a, s, "missing expression");
    if (++x->depth > MAX_DEPTH) return fail(x->a, s, "expression too deeply nested");
    bool ok;
    int c = (unsigned char)*s;
    if (c == '(') {
        x->p++;
        ok = x_binary(x, 1, v);
        if (ok) {
            x->p = skip_ws(x->p, e);
            if (x->p >= e || *x->p != ')') ok = fail(x->a, x->p, "missing ')'");
            else x->p++;
        }
    } else if (c == '-' || c == '+' || c == '~' || c == '!') {
        x->p++;
        ok = x_primary(x, v);
        if (ok) {
            if (c == '-') *v = (int64_t)(0 - (uint64_t)*v);
            else if (c == '~') *v = ~*v;
            else if (c == '!') *v = !*v;
        }
    } else if (isdigit(c)) {
        ok = x_number(x, v);
    } else if (c == '\'') {
        ok = x_char(x, v);
    } else if (is_sym0(c)) {
        const char *p = s;
        while (p < e && is_sym1((unsigned char)*p)) p++;
        size_t n = (size_t)(p - s);
        x->p = p;
        ok = true;
        if (n == 1 && *s == '.') {
            *v = (int64_t)x->a->pc;
        } else {
            sym *y = sym_find(x->a, s, n);
            int cr;
            if (y && y->pass) {
                *v = y->v;
                if (y->pass != x->a->pass && !y->label) x->undef = true; /* .set later on */
            } else if ((x->ctx & X_CR) && (cr = cr_name(s, n)) >= 0) {
                *v = cr;
            } else if ((x->ctx & X_CR) && n >= 3 && tolower((unsigned char)s[0]) == 'c' &&
                       tolower((unsigned char)s[1]) == 'r' && isdigit((unsigned char)s[2])) {
                char b[32];
                ok = fail(x->a, s, "bad CR field '%s'", show(s, p, b, sizeof b));
            } else if (reg_like(s, p)) {
                char b[32];
                ok = fail(x->a, s, "register '%s' where a number is expected", show(s, p, b, sizeof b));
            } else if (x->a->pass == 1) {
                *v = 0;
                x->undef = true;
            } else {
                char b[32];
                ok = fail(x->a, s, "undefined symbol '%s'", show(s, p, b, sizeof b));
            }
        }
    } else if (c == '%') {
        const char *p = s + 1;
        while (p < e && is_sym1((unsigned char)*p)) p++;
        char b[32];
        ok = fail(x->a, s, "register '%s' where a number is expected", show(s, p, b, sizeof b));
    } else {
        ok = isprint(c) ? fail(x->a, s, "unexpected '%c' in expression", c)
                        : fail(x->a, s, "unexpected byte 0x%02x in expression", c);
    }
    x->depth--;
    return ok;
}

/* Binary operator at p: its level (1 lowest .. 4 highest), 0 if none. */
static int x_op(const char *p, const char *e, int *len) {
    *len = 1;
    if (p >= e) return 0;
    char c = p[0], d = p + 1 < e ? p[1] : 0;
    if ((c == '&' && d == '&') || (c == '|' && d == '|')) { *len = 2; return 1; }
    if ((c == '=' && d == '=') || (c == '!' && d == '=') || (c == '<' && d == '>') ||
        (c == '<' && d == '=') || (c == '>' && d == '=')) { *len = 2; return 2; }
    if ((c == '<' && d == '<') || (c == '>' && d == '>')) { *len = 2; return 4; }
    if (c == '+' || c == '-' || c == '<' || c == '>') return 2;
    if (c == '|' || c == '&' || c == '^' || c == '!') return 3;
    if (c == '*' || c == '/' || c == '%') return 4;
    return 0;
}

static bool x_binary(xst *x, int level, int64_t *v) {
    if (level > 4) return x_primary(x, v);
    if (!x_binary(x, level + 1, v)) return false;
    for (;;) {
        x->p = skip_ws(x->p, x->e);
        int len, lv = x_op(x->p, x->e, &len);
        if (lv != level) return true;
        const char *op = x->p;
        x->p += len;
        int64_t r;
        if (!x_binary(x, level + 1, &r)) return false;
        uint64_t a = (uint64_t)*v, b = (uint64_t)r;
        switch (op[0]) {
        case '&': *v = len == 2 ? (*v && r) : (int64_t)(a & b); break;
        case '|': *v = len == 2 ? (*v || r) : (int64_t)(a | b); break;
        case '^': *v = (int64_t)(a ^ b); break;
        case '!': *v = len == 2 ? (*v != r ? -1 : 0) : (int64_t)(a | ~b); break;
        case '=': *v = *v == r ? -1 : 0; break;
        case '+': *v = (int64_t)(a + b); break;
        case '-': *v = (int64_t)(a - b); break;
        case '*': *v = (int64_t)(a * b); break;
        case '/': case '%':
            if (r == 0) {
                if (x->undef) { *v = 0; break; }
                return fail(x->a, op, "division by zero");
            }
            if (*v == INT64_MIN && r == -1) { *v = op[0] == '/' ? INT64_MIN : 0; break; }
            *v = op[0] == '/' ? *v / r : *v % r;
            break;
        case '<':
            if (len == 2 && op[1] == '<') *v = r >= 64 || r < 0 ? 0 : (int64_t)(a << r);
            else if (len == 2 && op[1] == '>') *v = *v != r ? -1 : 0;
            else if (len == 2) *v = *v <= r ? -1 : 0;
            else *v = *v < r ? -1 : 0;
            break;
        case '>':
            if (len == 2 && op[1] == '>') *v = r >= 64 || r < 0 ? (*v < 0 ? -1 : 0) : *v >> r;
            else if (len == 2) *v = *v >= r ? -1 : 0;
            else *v = *v > r ? -1 : 0;
            break;
        }
    }
}

enum { RELOC_NONE = 0, RELOC_L, RELOC_H, RELOC_HA };

/* Evaluate the whole of [s, e) with an optional @l/@h/@ha suffix.
 * *undef: a symbol is not known yet (pass 1). */
static bool eval(actx *a, const char *s, const char *e, int ctx, int64_t *v, int *reloc, bool *undef) {
    xst x = { a, s, e, ctx, false, 0 };
    if (reloc) *reloc = RELOC_NONE;
    x.p = skip_ws(x.p, e);
    if (x.p >= e) return fail(a, x.p, "missing expression");
    if (!x_binary(&x, 1, v)) return false;
    x.p = skip_ws(x.p, e);
    if (x.p < e && *x.p == '@') {
        const char *t = x.p + 1, *q = t;
        while (q < e && isalpha((unsigned char)*q)) q++;
        int r = RELOC_NONE;
        if (word_eq(t, (size_t)(q - t), "l")) r = RELOC_L;
        else if (word_eq(t, (size_t)(q - t), "h") || word_eq(t, (size_t)(q - t), "hi")) r = RELOC_H;
        else if (word_eq(t, (size_t)(q - t), "ha")) r = RELOC_HA;
        if (!r) {
            char b[32];
            return fail(a, x.p, "unknown relocation operator '@%s'", show(t, q, b, sizeof b));
        }
        uint32_t u = (uint32_t)*v;
        *v = r == RELOC_L ? (u & 0xFFFF) : r == RELOC_H ? (u >> 16) : (((u + 0x8000u) >> 16) & 0xFFFF);
        if (reloc) *reloc = r;
        x.p = skip_ws(q, e);
    }
    if (x.p < e) {
        char b[32];
        return fail(a, x.p, "junk '%s' after expression", show(x.p, e, b, sizeof b));
    }
    if (undef) *undef = x.undef;
    return true;
}

/* ---- output ------------------------------------------------------------------------ */
static bool emit(actx *a, const uint8_t *b, size_t n, const char *at) {
    uint64_t off = a->pc - a->org;
    if (a->pc + n > 0x100000000ull) return fail(a, at, "address beyond 0xffffffff");
    if (off + n > MAX_OUT) return fail(a, at, "output larger than %u bytes", MAX_OUT);
    if (a->pass == 2 && n) {
        if (off + n > a->cap) {
            size_t nc = a->cap ? a->cap : 256;
            while (nc < off + n) nc *= 2;
            uint8_t *nb = realloc(a->buf, nc);
            if (!nb) return fail(a, at, "out of memory");
            memset(nb + a->cap, 0, nc - a->cap);
            a->buf = nb, a->cap = nc;
        }
        if (b) memcpy(a->buf + off, b, n);
        else memset(a->buf + off, 0, n);
    }
    a->pc += n;
    if (a->pc - a->org > a->hi) a->hi = (size_t)(a->pc - a->org);
    return true;
}

static bool emit_fill(actx *a, uint64_t n, int fill, const char *at) {
    if (n > MAX_OUT) return fail(a, at, "output larger than %u bytes", MAX_OUT);
    uint8_t chunk[256];
    memset(chunk, fill, sizeof chunk);
    while (n) {
        size_t k = n > sizeof chunk ? sizeof chunk : (size_t)n;
        if (!emit(a, chunk, k, at)) return false;
        n -= k;
    }
    return true;
}

/* ---- operands -------------------------------------------------------------------------- */
static opnd trim(const char *s, const char *e) {
    s = skip_ws(s, e);
    while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r')) e--;
    return (opnd){ s, e };
}

/* Split [s, e) at top-level commas. Returns the count, -1 on error. */
static int split_ops(actx *a, const char *s, const char *e, opnd *ops) {
    int n = 0, depth = 0;
    s = skip_ws(s, e);
    if (s >= e) return 0;
    const char *t = s;
    for (const char *p = s; p <= e; p++) {
        if (p < e && *p == '\'' && p + 1 < e) { p += (p[1] == '\\' && p + 2 < e) ? 2 : 1; continue; }
        if (p < e && *p == '"') { /* a string: its commas are text (.ascii "a, b") */
            for (p++; p < e && *p != '"'; p++)
                if (*p == '\\' && p + 1 < e) p++;
            if (p >= e) p = e - 1;
            continue;
        }
        if (p < e && *p == '(') depth++;
        else if (p < e && *p == ')') depth--;
        if (p == e || (*p == ',' && depth <= 0)) {
            if (n == MAX_OPS) return fail(a, p, "too many operands"), -1;
            ops[n] = trim(t, p);
            if (ops[n].s == ops[n].e) return fail(a, ops[n].s, "missing operand"), -1;
            n++;
            t = p + 1;
        }
    }
    return n;
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

static bool parse_reg(actx *a, opnd o, char kind, unsigned *out) {
    char b[32];
    int r = reg_name(o.s, o.e, kind);
    if (r == -2) return fail(a, o.s, "bad register '%s'", show(o.s, o.e, b, sizeof b));
    if (r >= 0) { *out = (unsigned)r; return true; }
    if ((o.s < o.e && *o.s == '%') || (reg_like(o.s, o.e) && !sym_find(a, o.s, (size_t)(o.e - o.s))))
        return fail(a, o.s, "expected a%s register, got '%s'", kind == 'r' ? " general" : " floating-point",
                    show(o.s, o.e, b, sizeof b));
    if (kind == 'r' && o.e - o.s == 2 && tolower((unsigned char)o.s[0]) == 's' && tolower((unsigned char)o.s[1]) == 'p') {
        *out = 1;
        return true;
    }
    int64_t v;
    bool undef;
    if (!eval(a, o.s, o.e, 0, &v, NULL, &undef)) return false;
    if (undef && a->pass == 1) { *out = 0; return true; }
    if (v < 0 || v > 31)
        return fail(a, o.s, "%s register number %lld out of range 0..31", kind == 'r' ? "general" : "floating-point",
                    (long long)v);
    *out = (unsigned)v;
    return true;
}

/* A number in [lo, hi]; CR names allowed with X_CR. */
static bool parse_num(actx *a, opnd o, int ctx, int64_t lo, int64_t hi, const char *what, int64_t *out) {
    bool undef;
    if (!eval(a, o.s, o.e, ctx, out, NULL, &undef)) return false;
    if (undef && a->pass == 1) { *out = lo; return true; }
    if (*out < lo || *out > hi)
        return fail(a, o.s, "%s %lld out of range %lld..%lld", what, (long long)*out, (long long)lo, (long long)hi);
    return true;
}

/* A 16-bit immediate: signed range [lo, hi]; @l/@h/@ha values fit either sign. */
static bool parse_imm16(actx *a, opnd o, bool is_signed, int64_t lo, int64_t hi, bool negate, uint32_t *field) {
    int64_t v;
    int reloc;
    bool undef;
    if (!eval(a, o.s, o.e, 0, &v, &reloc, &undef)) return false;
    if (undef && a->pass == 1) { *field = 0; return true; }
    if (reloc) {
        if (is_signed) v = (int16_t)(uint16_t)v;
    }
    if (negate) v = (int64_t)(0 - (uint64_t)v);
    if (!reloc || negate) {
        if (v < lo || v > hi)
            return fail(a, o.s, "value %lld out of range %lld..%lld", (long long)v, (long long)lo, (long long)hi);
    }
    *field = (uint32_t)v & 0xFFFF;
    return true;
}

/* d(rA): displacement and base register. */
static bool parse_mem(actx *a, opnd o, uint32_t *d, unsigned *ra) {
    char b[32];
    if (o.e <= o.s || o.e[-1] != ')')
        return fail(a, o.s, "expected d(rA), got '%s'", show(o.s, o.e, b, sizeof b));
    int depth = 0;
    const char *p = o.e - 1;
    for (; p >= o.s; p--) {
        if (*p == ')') depth++;
        else if (*p == '(' && --depth == 0) break;
    }
    if (p < o.s) return fail(a, o.s, "unbalanced parentheses");
    opnd r = trim(p + 1, o.e - 1), dd = trim(o.s, p);
    if (r.s == r.e) return fail(a, p + 1, "missing base register");
    if (!parse_reg(a, r, 'r', ra)) return false;
    if (dd.s == dd.e) { *d = 0; return true; }
    return parse_imm16(a, dd, true, -0x8000, 0x7FFF, false, d);
}

/* Branch target: displacement field for a relative or absolute branch. */
static bool parse_target(actx *a, opnd o, bool abs, int bits, uint32_t *field) {
    int64_t v;
    bool undef;
    if (!eval(a, o.s, o.e, 0, &v, NULL, &undef)) return false;
    if (undef && a->pass == 1) { *field = 0; return true; }
    int64_t d = abs ? v : (int64_t)(uint32_t)v - (int64_t)(uint32_t)a->pc;
    if (abs && v >= 0 && v <= 0xFFFFFFFFll) d = (int32_t)(uint32_t)v; /* absolute: sign-extended field */
    if (!abs) {
        /* 32-bit wrap-around: the nearest displacement */
        if (d > 0x7FFFFFFFll) d -= 0x100000000ll;
        else if (d < -0x80000000ll) d += 0x100000000ll;
    }
    if (d & 3) return fail(a, o.s, "branch target 0x%llx is not a multiple of 4", (unsigned long long)(uint32_t)v);
    int64_t lim = (int64_t)1 << (bits - 1);
    if (d < -lim || d >= lim)
        return fail(a, o.s, "branch target 0x%llx out of range (%s %lld)", (unsigned long long)(uint32_t)v,
                    abs ? "address" : "displacement", (long long)d);
    *field = (uint32_t)d & (uint32_t)((lim << 1) - 1) & ~3u;
    return true;
}

/* SPR operand: number or name ("lr", "sprg0"...); mt selects the writable one. */
static bool parse_spr(actx *a, opnd o, bool mt, bool tbr, unsigned *out) {
    size_t n = (size_t)(o.e - o.s);
    if (n > 0 && n < 16 && is_sym0((unsigned char)*o.s) && !sym_find(a, o.s, n)) {
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
    if (!parse_num(a, o, 0, 0, 1023, tbr ? "TBR number" : "SPR number", &v)) return false;
    *out = (unsigned)v;
    return true;
}

static uint32_t put_field(uint32_t w, int shift, int bits, uint32_t v) {
    uint32_t m = ((1u << bits) - 1) << shift;
    return (w & ~m) | ((v << shift) & m);
}

/* Encode one operand of kind k into *w. base: the base form (for ranges). */
static bool put_opd(actx *a, const ppc_insn *base, int k, opnd o, bool negate, uint32_t *w) {
    unsigned r;
    int64_t v;
    uint32_t f;
    bool addis = strcmp(base->mnemonic, "addis") == 0;
    switch (k) {
    case PPC_OPD_RT: case PPC_OPD_RS:
        if (!parse_reg(a, o, 'r', &r)) return false;
        *w = put_field(*w, 21, 5, r);
        return true;
    case PPC_OPD_RA: case PPC_OPD_RA0:
        if (!parse_reg(a, o, 'r', &r)) return false;
        *w = put_field(*w, 16, 5, r);
        return true;
    case PPC_OPD_RB:
        if (!parse_reg(a, o, 'r', &r)) return false;
        *w = put_field(*w, 11, 5, r);
        return true;
    case PPC_OPD_FRT: case PPC_OPD_FRS: case PPC_OPD_FRA: case PPC_OPD_FRB: case PPC_OPD_FRC:
        if (!parse_reg(a, o, 'f', &r)) return false;
        *w = put_field(*w, k == PPC_OPD_FRA ? 16 : k == PPC_OPD_FRB ? 11 : k == PPC_OPD_FRC ? 6 : 21, 5, r);
        return true;
    case PPC_OPD_SIMM:
        if (!parse_imm16(a, o, true, -0x8000, addis ? 0xFFFF : 0x7FFF, negate, &f))
            return false;
        *w = put_field(*w, 0, 16, f);
        return true;
    case PPC_OPD_UIMM:
        if (!parse_imm16(a, o, false, 0, 0xFFFF, false, &f)) return false;
        *w = put_field(*w, 0, 16, f);
        return true;
    case PPC_OPD_D_RA0: case PPC_OPD_D_RA:
        if (!parse_mem(a, o, &f, &r)) return false;
        *w = put_field(put_field(*w, 0, 16, f), 16, 5, r);
        return true;
    case PPC_OPD_BD:
        if (!parse_target(a, o, *w & 2, 16, &f)) return false;
        *w = put_field(*w, 2, 14, f >> 2);
        return true;
    case PPC_OPD_LI:
        if (!parse_target(a, o, *w & 2, 26, &f)) return false;
        *w = put_field(*w, 2, 24, f >> 2);
        return true;
    case PPC_OPD_BO: case PPC_OPD_TO:
        if (!parse_num(a, o, 0, 0, 31, k == PPC_OPD_BO ? "BO value" : "TO value", &v)) return false;
        *w = put_field(*w, 21, 5, (uint32_t)v);
        return true;
    case PPC_OPD_BI: case PPC_OPD_CRBA:
        if (!parse_num(a, o, X_CR, 0, 31, "CR bit", &v)) return false;
        *w = put_field(*w, 16, 5, (uint32_t)v);
        return true;
    case PPC_OPD_CRBD:
        if (!parse_num(a, o, X_CR, 0, 31, "CR bit", &v)) return false;
        *w = put_field(*w, 21, 5, (uint32_t)v);
        return true;
    case PPC_OPD_CRBB:
        if (!parse_num(a, o, X_CR, 0, 31, "CR bit", &v)) return false;
        *w = put_field(*w, 11, 5, (uint32_t)v);
        return true;
    case PPC_OPD_CRFD: case PPC_OPD_CRFS:
        if (!parse_num(a, o, X_CR, 0, 7, "CR field", &v)) return false;
        *w = put_field(*w, k == PPC_OPD_CRFD ? 23 : 18, 3, (uint32_t)v);
        return true;
    case PPC_OPD_L:
        if (!parse_num(a, o, 0, 0, 1, "L value", &v)) return false;
        if (v) return fail(a, o.s, "L must be 0 on a 32-bit PowerPC");
        return true;
    case PPC_OPD_SH:
        if (!parse_num(a, o, 0, 0, 31, "shift count", &v)) return false;
        *w = put_field(*w, 11, 5, (uint32_t)v);
        return true;
    case PPC_OPD_MB:
        if (!parse_num(a, o, 0, 0, 31, "mask begin", &v)) return false;
        *w = put_field(*w, 6, 5, (uint32_t)v);
        return true;
    case PPC_OPD_ME:
        if (!parse_num(a, o, 0, 0, 31, "mask end", &v)) return false;
        *w = put_field(*w, 1, 5, (uint32_t)v);
        return true;
    case PPC_OPD_NB:
        if (!parse_num(a, o, 0, 0, 32, "byte count", &v)) return false;
        *w = put_field(*w, 11, 5, (uint32_t)v & 31);
        return true;
    case PPC_OPD_SPR: case PPC_OPD_TBR:
        if (!parse_spr(a, o, base->op == PPC_OP_MTSPR, k == PPC_OPD_TBR, &r)) return false;
        *w = (*w & ~0x001FF800u) | ppc_spr_encode(r);
        return true;
    case PPC_OPD_SR:
        if (!parse_num(a, o, 0, 0, 15, "segment register", &v)) return false;
        *w = put_field(*w, 16, 4, (uint32_t)v);
        return true;
    case PPC_OPD_CRM:
        if (!parse_num(a, o, 0, 0, 255, "field mask", &v)) return false;
        *w = put_field(*w, 12, 8, (uint32_t)v);
        return true;
    case PPC_OPD_FM:
        if (!parse_num(a, o, 0, 0, 255, "field mask", &v)) return false;
        *w = put_field(*w, 17, 8, (uint32_t)v);
        return true;
    case PPC_OPD_FIMM:
        if (!parse_num(a, o, 0, 0, 15, "immediate", &v)) return false;
        *w = put_field(*w, 12, 4, (uint32_t)v);
        return true;
    default:
        return fail(a, o.s, "internal error: operand kind %d", k);
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

/* Branch mnemonics: returns 1 handled (ok or error in a->failed), 0 not one. */
static int asm_branch(actx *a, const char *mn, const char *at, opnd *ops, int nops, uint32_t *wout) {
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
            for (size_t c = 0; c < sizeof cond_names / sizeof cond_names[0]; c++)
                if (!strcmp(s + 1, cond_names[c])) { style = 1, bo = cond_bo[c], bi = cond_bit[c]; break; }
        }
    }
    if (style < 0) return 0;
    const ppc_insn *base = find_base(kind == 0 ? "bc" : kind == 1 ? "bclr" : "bcctr");
    if (!base) return fail(a, at, "internal error: no bc form"), 1;
    uint32_t w = base->match | (lk ? 1u : 0) | (aa ? 2u : 0);
    int need_target = kind == 0;
    int i = 0;
    int64_t v;
    if (style == 0) {
        int want = 2 + need_target;
        if (nops != want) return fail(a, at, "'%s' takes %d operands, got %d", mn, want, nops), 1;
        if (!parse_num(a, ops[0], 0, 0, 31, "BO value", &v)) return 1;
        bo = (unsigned)v;
        if (!parse_num(a, ops[1], X_CR, 0, 31, "CR bit", &v)) return 1;
        bi = (unsigned)v;
        i = 2;
    } else if (style == 1) {
        int maxo = 1 + need_target;
        if (nops > maxo || nops < need_target)
            return fail(a, at, "'%s' takes %s%d operand%s, got %d", mn, need_target ? "1 or " : "0 or ",
                        maxo, maxo == 1 ? "" : "s", nops), 1;
        if (nops == maxo) {
            if (!parse_num(a, ops[0], X_CR, 0, 7, "CR field", &v)) return 1;
            bi += 4 * (unsigned)v;
            i = 1;
        }
    } else if (style == 2) {
        int want = 1 + need_target;
        if (nops != want) return fail(a, at, "'%s' takes %d operand%s, got %d", mn, want, want == 1 ? "" : "s", nops), 1;
        if (!parse_num(a, ops[0], X_CR, 0, 31, "CR bit", &v)) return 1;
        bi = (unsigned)v;
        i = 1;
    } else {
        if (nops != need_target) return fail(a, at, "'%s' takes %d operand%s, got %d", mn, need_target, need_target == 1 ? "" : "s", nops), 1;
    }
    w |= (bo & 31u) << 21 | (bi & 31u) << 16;
    if (need_target) {
        if (!put_opd(a, base, PPC_OPD_BD, ops[i], false, &w)) return 1;
    }
    if (hint) {
        if (style == 4 || bo == 20) return fail(a, at, "branch hint on an unconditional branch"), 1;
        bool neg = kind == 0 && (w & 0x8000);
        unsigned y = (unsigned)(hint > 0) ^ (unsigned)neg;
        w = (w & ~(1u << 21)) | (y << 21);
    }
    if (ppc_decode(w) != base)
        return fail(a, at, "'%s' with these operands is not a valid 750 instruction", mn), 1;
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

/* Encode with alias al (or the base form when al is NULL). */
static bool encode(actx *a, const ppc_insn *base, const ppc_alias *al, opnd *ops, int nops, uint32_t sfx,
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
        opnd o = ops[j++];
        if (od[i] == PPC_OPD_XN || od[i] == PPC_OPD_XB) {
            int64_t v;
            if (!parse_num(a, o, 0, 0, 32, "value", &v)) return false;
            if (od[i] == PPC_OPD_XN) xn = v, n_at = o.s;
            else xb = v;
            continue;
        }
        if (!put_opd(a, base, od[i], o, al && al->xf == PPC_XF_NEG, &w)) return false;
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
            if (n > 31) return fail(a, n_at, "shift count %lld out of range 0..31", (long long)n);
            sh = (int)n, mb = 0, me = 31 - (int)n;
            break;
        case PPC_XF_SRWI:
            if (n > 31) return fail(a, n_at, "shift count %lld out of range 0..31", (long long)n);
            sh = (32 - (int)n) & 31, mb = (int)n, me = 31;
            break;
        case PPC_XF_CLRRWI:
            if (n > 31) return fail(a, n_at, "bit count %lld out of range 0..31", (long long)n);
            sh = 0, mb = 0, me = 31 - (int)n;
            break;
        case PPC_XF_ROTRWI:
            if (n > 31) return fail(a, n_at, "rotate count %lld out of range 0..31", (long long)n);
            sh = (32 - (int)n) & 31, mb = 0, me = 31;
            break;
        case PPC_XF_EXTLWI:
            if (n < 1 || n + b > 32) return fail(a, n_at, "field %lld,%lld does not fit in 32 bits", (long long)n, (long long)b);
            sh = (int)b, mb = 0, me = (int)n - 1;
            break;
        case PPC_XF_EXTRWI:
            if (n < 1 || n + b > 32) return fail(a, n_at, "field %lld,%lld does not fit in 32 bits", (long long)n, (long long)b);
            sh = (int)(b + n) & 31, mb = 32 - (int)n, me = 31;
            break;
        case PPC_XF_INSLWI:
            if (n < 1 || n + b > 32) return fail(a, n_at, "field %lld,%lld does not fit in 32 bits", (long long)n, (long long)b);
            sh = (32 - (int)b) & 31, mb = (int)b, me = (int)(b + n) - 1;
            break;
        case PPC_XF_INSRWI:
            if (n < 1 || n + b > 32) return fail(a, n_at, "field %lld,%lld does not fit in 32 bits", (long long)n, (long long)b);
            sh = (32 - (int)(b + n)) & 31, mb = (int)b, me = (int)(b + n) - 1;
            break;
        case PPC_XF_CLRLSLWI:
            if (b > 31 || n > b) return fail(a, n_at, "clrlslwi needs n <= b <= 31 (b %lld, n %lld)", (long long)b, (long long)n);
            sh = (int)n, mb = (int)(b - n), me = 31 - (int)n;
            break;
        case PPC_XF_SPR1: case PPC_XF_SPR2: {
            if (n > 3) return fail(a, n_at, "%s number %lld out of range 0..3", al->xf == PPC_XF_SPR1 ? "SPRG" : "BAT", (long long)n);
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
        return fail(a, nops ? ops[0].s : NULL, "'%s' with these operands is not a valid 750 instruction", base->mnemonic);
    *wout = w;
    return true;
}

static bool do_insn(actx *a, const char *ms, const char *me, const char *rest, const char *eol) {
    char mn[32], b[40];
    size_t n = (size_t)(me - ms);
    if (n >= sizeof mn) return fail(a, ms, "unknown instruction '%s'", show(ms, me, b, sizeof b));
    for (size_t i = 0; i < n; i++) mn[i] = (char)tolower((unsigned char)ms[i]);
    mn[n] = 0;
    opnd ops[MAX_OPS];
    int nops = split_ops(a, rest, eol, ops);
    if (nops < 0) return false;
    if (a->pc & 3) return fail(a, ms, "instruction address 0x%llx is not a multiple of 4", (unsigned long long)a->pc);
    uint32_t w = 0;
    int r = asm_branch(a, mn, ms, ops, nops, &w);
    if (a->failed) return false;
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
        for (int c = 0; c < nc && !found; c++) {
            char nm[32];
            memcpy(nm, mn, cut[c].len);
            nm[cut[c].len] = 0;
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
                if ((base->flags & cut[c].need) != cut[c].need) continue;
                const uint8_t *od = al ? al->opd : base->opd;
                int nod = opd_count(od, al ? 4 : 5);
                bool opt = al ? (al->flags & PPC_AL_OPT) != 0 : has_l(base);
                if (nops != nod && !(opt && nops == nod - 1)) {
                    if (!count_mismatch) want = nod;
                    count_mismatch = true;
                    continue;
                }
                if (!encode(a, base, al, ops, nops, cut[c].sfx, &w)) return false;
                found = true;
            }
        }
        if (!found) {
            if (count_mismatch)
                return fail(a, nops ? ops[0].s : ms, "'%s' takes %d operand%s, got %d", mn, want, want == 1 ? "" : "s", nops);
            return fail(a, ms, "unknown instruction '%s'", show(ms, me, b, sizeof b));
        }
    }
    uint8_t bytes[4];
    vl_put_be32(bytes, w);
    return emit(a, bytes, 4, ms);
}

/* ---- directives ---------------------------------------------------------------------------- */
/* A string literal at o: appends its bytes (pass 2 emits). */
static bool emit_string(actx *a, opnd o, bool zero) {
    const char *p = o.s, *e = o.e;
    if (p >= e || *p != '"') return fail(a, p, "expected a string in double quotes");
    p++;
    while (p < e && *p != '"') {
        int c = (unsigned char)*p++;
        if (c == '\\') {
            if (p >= e) break;
            int d = (unsigned char)*p++;
            switch (d) {
            case 'n': c = '\n'; break;
            case 't': c = '\t'; break;
            case 'r': c = '\r'; break;
            case 'b': c = '\b'; break;
            case 'f': c = '\f'; break;
            case 'v': c = '\v'; break;
            case 'a': c = '\a'; break;
            case 'x': case 'X': {
                c = 0;
                int k = 0;
                while (p < e && isxdigit((unsigned char)*p) && k < 2) {
                    int h = tolower((unsigned char)*p++);
                    c = c * 16 + (isdigit(h) ? h - '0' : h - 'a' + 10);
                    k++;
                }
                break;
            }
            default:
                if (d >= '0' && d <= '7') {
                    c = d - '0';
                    for (int k = 0; k < 2 && p < e && *p >= '0' && *p <= '7'; k++) c = c * 8 + (*p++ - '0');
                    c &= 0xFF;
                } else {
                    c = d;
                }
            }
        }
        uint8_t byte = (uint8_t)c;
        if (!emit(a, &byte, 1, o.s)) return false;
    }
    if (p >= e) return fail(a, o.s, "unterminated string");
    p++;
    if (skip_ws(p, e) != e) return fail(a, p, "junk after string");
    if (zero) {
        uint8_t z = 0;
        return emit(a, &z, 1, o.s);
    }
    return true;
}

static bool known_now(actx *a, opnd o, int64_t *v, const char *what) {
    bool undef;
    if (!eval(a, o.s, o.e, 0, v, NULL, &undef)) return false;
    if (undef) return fail(a, o.s, "%s must be known when it is reached (no forward references)", what);
    return true;
}

static bool do_align(actx *a, uint64_t al, opnd *ops, int nops, const char *at) {
    int64_t fill = -1, max = -1;
    if (nops > 1 && ops[1].s < ops[1].e && !known_now(a, ops[1], &fill, "alignment fill")) return false;
    if (nops > 2 && !known_now(a, ops[2], &max, "alignment maximum")) return false;
    uint64_t pad = (al - (a->pc & (al - 1))) & (al - 1);
    if (max >= 0 && pad > (uint64_t)max) return true;
    if (fill >= 0) return emit_fill(a, pad, (int)(fill & 0xFF), at);
    /* like GNU as in code: zeros to a word boundary, then nops */
    while (pad && (a->pc & 3)) {
        uint8_t z = 0;
        if (!emit(a, &z, 1, at)) return false;
        pad--;
    }
    static const uint8_t nop[4] = { 0x60, 0, 0, 0 };
    for (; pad >= 4; pad -= 4)
        if (!emit(a, nop, 4, at)) return false;
    return emit_fill(a, pad, 0, at);
}

static bool do_directive(actx *a, const char *ds, const char *de, const char *rest, const char *eol) {
    char d[24], b[40];
    size_t n = (size_t)(de - ds);
    if (n >= sizeof d) return fail(a, ds, "unknown directive '%s'", show(ds, de, b, sizeof b));
    for (size_t i = 0; i < n; i++) d[i] = (char)tolower((unsigned char)ds[i]);
    d[n] = 0;
    static const char *const ignored[] = { ".text", ".data", ".globl", ".global", ".section", ".type", ".size",
                                           ".file", ".ident", ".machine", ".local", ".weak", ".previous",
                                           ".gnu_attribute", ".abiversion", ".hidden", ".cfi_startproc",
                                           ".cfi_endproc", ".p2alignw", ".pushsection", ".popsection", NULL };
    for (int i = 0; ignored[i]; i++) /* housekeeping of other tools: accepted, ignored */
        if (!strcmp(d, ignored[i])) return true;
    opnd ops[MAX_OPS];
    int size = 0;
    if (!strcmp(d, ".long") || !strcmp(d, ".int") || !strcmp(d, ".4byte")) size = 4;
    else if (!strcmp(d, ".short") || !strcmp(d, ".hword") || !strcmp(d, ".half") || !strcmp(d, ".2byte") ||
             !strcmp(d, ".word")) size = 2;
    else if (!strcmp(d, ".byte")) size = 1;
    if (size) {
        /* data: any number of comma-separated expressions */
        const char *p = rest;
        p = skip_ws(p, eol);
        if (p >= eol) return fail(a, p, "'%s' needs at least one value", d);
        while (p < eol) {
            const char *q = p;
            int depth = 0;
            while (q < eol && !(*q == ',' && depth == 0)) {
                if (*q == '\'' && q + 1 < eol) { q += (q[1] == '\\' && q + 2 < eol) ? 3 : 2; continue; }
                if (*q == '(') depth++;
                else if (*q == ')') depth--;
                q++;
            }
            opnd o = trim(p, q);
            if (o.s == o.e) return fail(a, o.s, "missing value");
            int64_t v;
            bool undef;
            if (!eval(a, o.s, o.e, 0, &v, NULL, &undef)) return false;
            int64_t lo = size == 4 ? -0x80000000ll : -(1ll << (size * 8 - 1)),
                    hi = size == 4 ? 0xFFFFFFFFll : (1ll << (size * 8)) - 1;
            if (!undef && (v < lo || v > hi))
                return fail(a, o.s, "value %lld does not fit in %d byte%s", (long long)v, size, size == 1 ? "" : "s");
            uint8_t bytes[4];
            for (int i = 0; i < size; i++) bytes[i] = (uint8_t)((uint64_t)v >> (8 * (size - 1 - i)));
            if (!emit(a, bytes, (size_t)size, o.s)) return false;
            p = q < eol ? q + 1 : q;
            if (q < eol && skip_ws(p, eol) >= eol) return fail(a, p, "missing value");
        }
        return true;
    }
    if (!strcmp(d, ".ascii") || !strcmp(d, ".asciz") || !strcmp(d, ".string")) {
        int nops = split_ops(a, rest, eol, ops);
        if (nops < 0) return false;
        if (nops == 0) return fail(a, rest, "'%s' needs a string", d);
        for (int i = 0; i < nops; i++)
            if (!emit_string(a, ops[i], strcmp(d, ".ascii") != 0)) return false;
        return true;
    }
    int nops = split_ops(a, rest, eol, ops);
    if (nops < 0) return false;
    int64_t v;
    if (!strcmp(d, ".org")) {
        if (nops < 1 || nops > 2) return fail(a, ds, "'.org' takes an address and an optional fill");
        if (!known_now(a, ops[0], &v, "'.org' address")) return false;
        int64_t fill = 0;
        if (nops == 2 && !known_now(a, ops[1], &fill, "'.org' fill")) return false;
        if (v < (int64_t)a->pc || v > 0xFFFFFFFFll)
            return fail(a, ops[0].s, "'.org 0x%llx' would move the location counter backwards (now 0x%llx)",
                        (unsigned long long)v, (unsigned long long)a->pc);
        return emit_fill(a, (uint64_t)v - a->pc, (int)(fill & 0xFF), ops[0].s);
    }
    if (!strcmp(d, ".align") || !strcmp(d, ".p2align") || !strcmp(d, ".balign")) {
        if (nops < 1 || nops > 3) return fail(a, ds, "'%s' takes 1 to 3 operands", d);
        if (!known_now(a, ops[0], &v, "alignment")) return false;
        uint64_t al;
        if (d[1] == 'b') {
            if (v < 1 || v > 0x10000 || (v & (v - 1))) return fail(a, ops[0].s, "alignment %lld is not a power of 2 up to 65536", (long long)v);
            al = (uint64_t)v;
        } else {
            if (v < 0 || v > 16) return fail(a, ops[0].s, "alignment 2^%lld out of range 0..16", (long long)v);
            al = 1ull << v;
        }
        return do_align(a, al, ops, nops, ds);
    }
    if (!strcmp(d, ".space") || !strcmp(d, ".skip") || !strcmp(d, ".zero")) {
        if (nops < 1 || nops > 2) return fail(a, ds, "'%s' takes a size and an optional fill", d);
        if (!known_now(a, ops[0], &v, "size")) return false;
        int64_t fill = 0;
        if (nops == 2 && !known_now(a, ops[1], &fill, "fill")) return false;
        if (v < 0 || v > (int64_t)MAX_OUT) return fail(a, ops[0].s, "size %lld out of range", (long long)v);
        return emit_fill(a, (uint64_t)v, (int)(fill & 0xFF), ops[0].s);
    }
    if (!strcmp(d, ".fill")) {
        if (nops < 1 || nops > 3) return fail(a, ds, "'.fill' takes a count, an optional size and value");
        int64_t cnt, sz = 1, val = 0;
        if (!known_now(a, ops[0], &cnt, "count")) return false;
        if (nops > 1 && !known_now(a, ops[1], &sz, "size")) return false;
        if (nops > 2 && !known_now(a, ops[2], &val, "value")) return false;
        if (sz != 1 && sz != 2 && sz != 4) return fail(a, ops[1].s, "'.fill' size must be 1, 2 or 4");
        if (cnt < 0 || cnt * sz > (int64_t)MAX_OUT) return fail(a, ops[0].s, "count %lld out of range", (long long)cnt);
        uint8_t bytes[4];
        for (int i = 0; i < sz; i++) bytes[i] = (uint8_t)((uint64_t)val >> (8 * (sz - 1 - i)));
        for (int64_t i = 0; i < cnt; i++)
            if (!emit(a, bytes, (size_t)sz, ops[0].s)) return false;
        return true;
    }
    if (!strcmp(d, ".equ") || !strcmp(d, ".set")) {
        if (nops != 2) return fail(a, ds, "'%s' takes a name and a value", d);
        const char *s = ops[0].s, *p = s;
        while (p < ops[0].e && is_sym1((unsigned char)*p)) p++;
        if (!is_sym0((unsigned char)*s) || p != ops[0].e) return fail(a, s, "bad symbol name '%s'", show(s, ops[0].e, b, sizeof b));
        int64_t val;
        bool undef;
        if (!eval(a, ops[1].s, ops[1].e, 0, &val, NULL, &undef)) return false;
        sym *y = sym_get(a, s, (size_t)(p - s), s);
        if (!y) return false;
        if (y->label) return fail(a, s, "'%s' is already a label", y->name);
        y->v = val, y->pass = undef ? 0 : a->pass;
        return true;
    }
    if (!strcmp(d, ".end")) { a->done = true; return true; }
    return fail(a, ds, "unknown directive '%s'", d);
}

/* ---- statements and lines ------------------------------------------------------------------ */
static bool define_label(actx *a, const char *s, size_t n) {
    sym *y = sym_get(a, s, n, s);
    if (!y) return false;
    if (y->pass == a->pass || (y->pass && !y->label)) return fail(a, s, "symbol '%s' is already defined", y->name);
    y->v = (int64_t)a->pc, y->pass = a->pass, y->label = true;
    return true;
}

static bool do_statement(actx *a, const char *p, const char *e) {
    for (;;) {
        p = skip_ws(p, e);
        if (p >= e) return true;
        const char *s = p;
        /* numeric local label */
        if (isdigit((unsigned char)*p)) {
            const char *q = p;
            while (q < e && isdigit((unsigned char)*q)) q++;
            const char *c = skip_ws(q, e);
            if (c < e && *c == ':') {
                long num = strtol(p, NULL, 10);
                if (a->pass == 1) {
                    if (a->nll == a->capll) {
                        size_t nc = a->capll ? a->capll * 2 : 16;
                        llab *nl = realloc(a->ll, nc * sizeof *nl);
                        if (!nl) return fail(a, p, "out of memory");
                        a->ll = nl, a->capll = nc;
                    }
                    a->ll[a->nll++] = (llab){ num, (uint32_t)a->pc };
                }
                a->llseen++;
                p = c + 1;
                continue;
            }
            char b[32];
            return fail(a, p, "expected an instruction or a label, got '%s'", show(p, e, b, sizeof b));
        }
        if (!is_sym0((unsigned char)*p)) {
            char b[32];
            return fail(a, p, "expected an instruction or a label, got '%s'", show(p, e, b, sizeof b));
        }
        const char *q = p;
        while (q < e && is_sym1((unsigned char)*q)) q++;
        const char *c = skip_ws(q, e);
        if (c < e && *c == ':') {
            if (!define_label(a, s, (size_t)(q - s))) return false;
            p = c + 1;
            continue;
        }
        if (c < e && *c == '=' && !(c + 1 < e && c[1] == '=')) {
            int64_t v;
            bool undef;
            if (!eval(a, c + 1, e, 0, &v, NULL, &undef)) return false;
            sym *y = sym_get(a, s, (size_t)(q - s), s);
            if (!y) return false;
            if (y->label) return fail(a, s, "'%s' is already a label", y->name);
            y->v = v, y->pass = undef ? 0 : a->pass;
            return true;
        }
        if (*s == '.') return do_directive(a, s, q, q, e);
        /* instruction: the mnemonic may end with + or - */
        if (q < e && (*q == '+' || *q == '-') && (q + 1 >= e || isspace((unsigned char)q[1]))) q++;
        if (q < e && !isspace((unsigned char)*q)) {
            char b[32];
            return fail(a, s, "bad instruction '%s'", show(s, e, b, sizeof b));
        }
        return do_insn(a, s, q, q, e);
    }
}

/* One source line: comments (#, and C comments on one line) removed, split at ';'. */
static bool do_line(actx *a, const char *p, const char *e) {
    const char *s = p;
    bool str = false;
    for (const char *q = p; q <= e; q++) {
        if (q < e && str) {
            if (*q == '\\' && q + 1 < e) q++;
            else if (*q == '"') str = false;
            continue;
        }
        if (q < e && *q == '"') { str = true; continue; }
        if (q < e && *q == '\'' ) { if (q + 1 < e) q += (q[1] == '\\' && q + 2 < e) ? 2 : 1; continue; }
        bool end = q == e || *q == '#' || *q == ';' || (*q == '/' && q + 1 < e && (q[1] == '*' || q[1] == '/'));
        if (!end) continue;
        if (!do_statement(a, s, q)) return false;
        if (a->done || q == e) return true;
        if (*q == '#' || (*q == '/' && q[1] == '/')) return true;
        if (*q == '/') {
            const char *t = q + 2;
            while (t + 1 < e && !(t[0] == '*' && t[1] == '/')) t++;
            if (t + 1 >= e) return fail(a, q, "unterminated comment");
            q = t + 1;
        }
        s = q + 1;
    }
    return true;
}

static bool run_pass(actx *a, const char *src) {
    a->pc = a->org;
    a->llseen = 0;
    a->done = false;
    a->line = 0;
    const char *p = src;
    while (*p && !a->done) {
        const char *e = strchr(p, '\n');
        if (!e) e = p + strlen(p);
        a->line++;
        a->lstart = p;
        if (!do_line(a, p, e)) return false;
        p = *e ? e + 1 : e;
    }
    return true;
}

int ppc_assemble(int variant, const char *src, uint32_t org, uint8_t **out, size_t *len, char *err, size_t errsz) {
    (void)variant;
    actx a;
    memset(&a, 0, sizeof a);
    a.org = org;
    a.err = err;
    a.errsz = errsz;
    if (err && errsz) err[0] = 0;
    if (out) *out = NULL;
    if (len) *len = 0;
    if (!src || !out || !len) {
        a.line = 1;
        a.lstart = src;
        fail(&a, src, "no source or output");
        return -1;
    }
    bool ok = true;
    for (a.pass = 1; a.pass <= 2 && ok; a.pass++) {
        a.hi = 0;
        ok = run_pass(&a, src);
    }
    for (size_t i = 0; i < a.nsyms; i++) free(a.syms[i].name);
    free(a.syms);
    free(a.hash);
    free(a.ll);
    if (!ok) {
        free(a.buf);
        return -1;
    }
    if (!a.buf) {
        a.buf = malloc(a.hi ? a.hi : 1);
        if (!a.buf) return -1;
        memset(a.buf, 0, a.hi ? a.hi : 1);
    }
    *out = a.buf;
    *len = a.hi;
    return 0;
}
