/* asm.c - the assembler framework (asm.h): source lines, comments, labels and
 * symbols, expressions, directives and passes, for every ISA's assembler.
 *
 * Passes: the whole source is read again until no symbol changes value
 * (instruction sizes may depend on values: an m68k absolute address is short
 * when it is a small constant), then once more as the final pass, which
 * writes the bytes, checks ranges and reports the first error. Before the
 * final pass an error only drops its statement: values may still be
 * placeholders. A symbol used before its definition has the value of the
 * previous pass (asm_value.forward), or a placeholder in the first pass
 * (asm_value.undef).
 *
 * Symbol rules are GNU as's: a label cannot be defined twice, nor assigned
 * after it is defined; an assigned symbol (`=`, `.set`, `.equ`) may be
 * assigned again and may become a label; `.equiv` refuses any symbol already
 * defined, and a symbol it defined cannot be defined again in any way
 * (tests/asm_symbols.sh holds vlab to GNU as on these). Local labels: the
 * k-th definition of `N:` in a pass is the symbol "N\x01k", so `Nb` and
 * `Nf` are ordinary symbol references. */
#include "core/asm.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define MAX_PASSES 12
#define MAX_OUTPUT (64u << 20) /* bytes an assembly may produce */
#define MAX_NESTING 64         /* of parentheses and unary operators */

static const char nul_message[] = "NUL byte in the source";

typedef struct asm_symbol {
    char *name; /* not NUL-terminated: len bytes */
    size_t len;
    int64_t v;
    bool rel;
    int pass;       /* last pass that defined it; 0 = none yet */
    int label_pass; /* pass in which it was defined as a label */
    int equiv_pass; /* pass in which .equiv defined it: final for that pass */
    int line;       /* line of its last definition */
    int64_t first_v; /* its first value in `pass`, compared with the next pass */
    bool first_rel;
} asm_symbol;

typedef struct local_label {
    uint32_t num;
    int count; /* definitions of `num:` so far in this pass */
} local_label;

struct asm_ctx {
    const asm_isa *isa;
    void *isa_data;
    uint32_t org;
    int pass;
    bool final;
    bool changed; /* a symbol's value differs from the previous pass */
    bool ended;   /* .end */
    uint64_t pc;
    uint8_t *buf; /* the output, written in the final pass */
    size_t cap, hi;
    asm_symbol *syms;
    size_t nsyms, capsyms;
    uint32_t *hash; /* open addressing: symbol index + 1, 0 = free */
    size_t hcap;    /* a power of two, more than twice nsyms */
    local_label *locals;
    size_t nlocals, caplocals;
    char *line; /* the current line: a writable copy, cut up while it is read */
    size_t linecap, linelen;
    int lineno;
    int nesting;
    bool failed; /* the current statement has an error */
    bool fatal;  /* out of memory: stop */
    int err_line, err_col;
    char msg[256];
};

/* ---- errors ----------------------------------------------------------------- */

static bool verror(asm_ctx *c, const char *at, const char *fmt, va_list ap) {
    if (c->failed) return false;
    c->failed = true;
    c->err_line = c->lineno ? c->lineno : 1;
    bool inside = at && c->line && at >= c->line && at <= c->line + c->linelen;
    c->err_col = inside ? (int)(at - c->line) + 1 : 1;
    vsnprintf(c->msg, sizeof c->msg, fmt, ap);
    return false;
}

bool asm_error(asm_ctx *c, const char *at, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    verror(c, at, fmt, ap);
    va_end(ap);
    return false;
}

static bool out_of_memory(asm_ctx *c, const char *at) {
    c->failed = false; /* this one must be the message */
    asm_error(c, at, "out of memory");
    c->fatal = true;
    return false;
}

/* Room for `need` items of `size` bytes at items (capacity *cap, doubled as
 * needed): the array, moved perhaps, or NULL (out of memory, items intact). */
static void *grow(asm_ctx *c, void *items, size_t *cap, size_t need, size_t size, const char *at) {
    if (need <= *cap) return items;
    size_t nc = *cap ? *cap : 16;
    while (nc < need) nc *= 2;
    void *p = realloc(items, nc * size);
    if (!p) return out_of_memory(c, at), NULL;
    *cap = nc;
    return p;
}

/* At most 24 characters of a token: messages stay one short line. */
static int shown(size_t n) { return n > 24 ? 24 : (int)n; }

bool asm_error_range(asm_ctx *c, const char *at, const char *what, int64_t v, int64_t lo, int64_t hi) {
    return asm_error(c, at, "%s %lld out of range %lld..%lld", what, (long long)v, (long long)lo, (long long)hi);
}

bool asm_error_unknown_insn(asm_ctx *c, const asm_insn *in) {
    return asm_error(c, in->at, "unknown instruction '%.*s'", shown(in->len), in->at);
}

bool asm_error_operand_count(asm_ctx *c, const char *at, const char *name, int want, int got) {
    return asm_error(c, at, "'%s' takes %d operand%s, got %d", name, want, want == 1 ? "" : "s", got);
}

bool asm_error_register(asm_ctx *c, const char *at, size_t n) {
    return asm_error(c, at, "unknown register '%.*s'", shown(n), at);
}

bool asm_error_not_a_number(asm_ctx *c, const char *at, size_t n) {
    return asm_error(c, at, "register '%.*s' where a number is expected", shown(n), at);
}

bool asm_error_junk(asm_ctx *c, const char *at, const char *after) {
    return asm_error(c, at, "junk '%.*s' after %s", shown(strlen(at)), at, after);
}

static bool unexpected(asm_ctx *c, const char *at, const char *where) {
    unsigned char ch = (unsigned char)*at;
    if (isprint(ch)) return asm_error(c, at, "unexpected '%c'%s", ch, where);
    return asm_error(c, at, "unexpected byte 0x%02x%s", ch, where);
}

/* ---- access for the ISA ------------------------------------------------------- */

void *asm_isa_data(const asm_ctx *c) { return c->isa_data; }
int64_t asm_pc(const asm_ctx *c) { return (int64_t)c->pc; }
bool asm_final(const asm_ctx *c) { return c->final; }

bool asm_fits(const asm_ctx *c, int64_t v, int64_t lo, int64_t hi) { return !c->final || (v >= lo && v <= hi); }

bool asm_check_range(asm_ctx *c, const char *at, const char *what, int64_t v, int64_t lo, int64_t hi) {
    return asm_fits(c, v, lo, hi) || asm_error_range(c, at, what, v, lo, hi);
}

/* ---- characters ---------------------------------------------------------------- */

static bool is_blank(int ch) { return ch == ' ' || ch == '\t' || ch == '\r' || ch == '\f' || ch == '\v'; }
static bool in_set(const char *set, int ch) { return set && ch && strchr(set, ch); }

const char *asm_skip_blanks(const char *p) {
    while (is_blank((unsigned char)*p)) p++;
    return p;
}
static char *skip_blanks(char *p) { return (char *)asm_skip_blanks(p); }

bool asm_symbol_char(int ch) { return isalnum(ch) || ch == '_' || ch == '.' || ch == '$'; }

static bool symbol_start(const asm_ctx *c, int ch) {
    return isalpha(ch) || ch == '_' || ch == '.' || (ch == '$' && !c->isa->dollar_hex);
}

/* Letters, digits and `_`: what may not follow a number. */
static bool word_char(int ch) { return isalnum(ch) || ch == '_'; }

static int digit_value(int ch) {
    if (isdigit(ch)) return ch - '0';
    if (isalpha(ch)) return tolower(ch) - 'a' + 10;
    return 99;
}

/* The escape after a backslash at p: its byte in *ch, the end returned; NULL
 * at the end of the text or for `\x` without a digit. Octal takes up to three
 * digits, `\x` up to two. */
static const char *read_escape(const char *p, int *ch) {
    static const char from[] = "ntrbfvae", to[] = "\n\t\r\b\f\v\a\033";
    const char *k = *p ? strchr(from, *p) : NULL;
    if (k) {
        *ch = (unsigned char)to[k - from];
        return p + 1;
    }
    if (*p == 'x' || *p == 'X') {
        int v = 0, n = 0;
        for (p++; n < 2 && isxdigit((unsigned char)*p); p++, n++) v = v * 16 + digit_value((unsigned char)*p);
        *ch = v;
        return n ? p : NULL;
    }
    if (*p >= '0' && *p <= '7') {
        int v = 0;
        for (int n = 0; n < 3 && *p >= '0' && *p <= '7'; p++, n++) v = v * 8 + (*p - '0');
        *ch = v & 0xff;
        return p;
    }
    if (!*p) return NULL;
    *ch = (unsigned char)*p;
    return p + 1;
}

/* Past the string or character constant starting at p (at its quote). A
 * character constant is 'c, 'c' or an escape. */
static const char *skip_quoted(const char *p) {
    int ch;
    if (*p == '"') {
        for (p++; *p && *p != '"'; p++)
            if (*p == '\\' && p[1]) p++;
        return *p ? p + 1 : p;
    }
    p++;
    if (*p == '\\') {
        const char *q = read_escape(p + 1, &ch);
        p = q ? q : p + 1;
    } else if (*p) {
        p++;
    }
    if (*p == '\'') p++;
    return p;
}

/* ---- output -------------------------------------------------------------------- */

/* Move pc past n bytes; in the final pass *where is where to write them. */
static bool place(asm_ctx *c, uint64_t n, const char *at, uint8_t **where) {
    *where = NULL;
    if (c->pc + n > 0x100000000ull) return asm_error(c, at, "address beyond 0xffffffff");
    uint64_t off = c->pc - c->org;
    if (off + n > MAX_OUTPUT) return asm_error(c, at, "output larger than %u MiB", MAX_OUTPUT >> 20);
    if (c->final && n) {
        uint8_t *buf = grow(c, c->buf, &c->cap, (size_t)(off + n), 1, at);
        if (!buf) return false;
        c->buf = buf;
        *where = c->buf + off;
    }
    c->pc += n;
    if (off + n > c->hi) c->hi = (size_t)(off + n);
    return true;
}

static bool emit(asm_ctx *c, const uint8_t *b, size_t n, const char *at) {
    uint8_t *w;
    if (!place(c, n, at, &w)) return false;
    if (w) memcpy(w, b, n);
    return true;
}

static bool emit_fill(asm_ctx *c, uint64_t n, int byte, const char *at) {
    uint8_t *w;
    if (!place(c, n, at, &w)) return false;
    if (w) memset(w, byte, (size_t)n);
    return true;
}

/* v in `width` bytes, in the ISA's byte order. */
static void put_value(const asm_ctx *c, uint8_t *b, int width, uint64_t v) {
    for (int i = 0; i < width; i++) b[c->isa->little_endian ? i : width - 1 - i] = (uint8_t)(v >> (8 * i));
}

/* Pad to a multiple of align: with fill, or (fill < 0) as the ISA pads code:
 * zeros to a multiple of its pattern, the pattern (a no-op), zeros. */
static bool pad_to(asm_ctx *c, uint64_t align, int fill, int64_t max, const char *at) {
    if (align <= 1) return true;
    uint64_t pad = (align - c->pc % align) % align;
    if (max >= 0 && pad > (uint64_t)max) return true;
    const asm_isa *isa = c->isa;
    if (fill >= 0 || !isa->code_fill || !isa->code_fill_len) return emit_fill(c, pad, fill < 0 ? 0 : fill, at);
    uint64_t len = isa->code_fill_len, lead = (len - c->pc % len) % len;
    if (lead > pad) lead = pad;
    if (!emit_fill(c, lead, 0, at)) return false;
    for (pad -= lead; pad >= len; pad -= len)
        if (!emit(c, isa->code_fill, (size_t)len, at)) return false;
    return emit_fill(c, pad, 0, at);
}

/* ---- symbols --------------------------------------------------------------------- */

static uint32_t hash_of(const char *s, size_t n) {
    uint32_t h = 2166136261u;
    for (size_t i = 0; i < n; i++) h = (h ^ (unsigned char)s[i]) * 16777619u;
    return h;
}

static asm_symbol *find(const asm_ctx *c, const char *s, size_t n) {
    if (!c->hcap) return NULL;
    for (size_t i = hash_of(s, n) & (c->hcap - 1);; i = (i + 1) & (c->hcap - 1)) {
        uint32_t k = c->hash[i];
        if (!k) return NULL;
        asm_symbol *y = &c->syms[k - 1];
        if (y->len == n && !memcmp(y->name, s, n)) return y;
    }
}

bool asm_symbol_defined(const asm_ctx *c, const char *s, size_t n) { return find(c, s, n) != NULL; }

static void hash_put(uint32_t *hash, size_t cap, const asm_symbol *y, size_t idx) {
    size_t i = hash_of(y->name, y->len) & (cap - 1);
    while (hash[i]) i = (i + 1) & (cap - 1);
    hash[i] = (uint32_t)idx + 1;
}

static asm_symbol *add(asm_ctx *c, const char *s, size_t n, const char *at) {
    asm_symbol *syms = grow(c, c->syms, &c->capsyms, c->nsyms + 1, sizeof *syms, at);
    if (!syms) return NULL;
    c->syms = syms;
    if (2 * (c->nsyms + 1) >= c->hcap) {
        size_t nc = c->hcap ? c->hcap * 2 : 128;
        uint32_t *nh = calloc(nc, sizeof *nh);
        if (!nh) return out_of_memory(c, at), NULL;
        for (size_t j = 0; j < c->nsyms; j++) hash_put(nh, nc, &c->syms[j], j);
        free(c->hash);
        c->hash = nh;
        c->hcap = nc;
    }
    char *name = malloc(n ? n : 1);
    if (!name) return out_of_memory(c, at), NULL;
    memcpy(name, s, n);
    asm_symbol *y = &c->syms[c->nsyms];
    memset(y, 0, sizeof *y);
    y->name = name;
    y->len = n;
    hash_put(c->hash, c->hcap, y, c->nsyms++);
    return y;
}

enum definition { DEF_LABEL, DEF_SET, DEF_EQUIV };

static bool define(asm_ctx *c, const char *s, size_t n, int64_t v, bool rel, enum definition how, const char *at) {
    asm_symbol *y = find(c, s, n);
    if (!y && !(y = add(c, s, n, at))) return false;
    /* GNU as: a label restated at the address it already names (`x: x:`)
     * is the same label; anywhere else it is a second definition */
    if (how == DEF_LABEL && y->label_pass == c->pass && y->v == v && y->rel == rel) return true;
    if (y->label_pass == c->pass || y->equiv_pass == c->pass || (how == DEF_EQUIV && y->pass == c->pass))
        return asm_error(c, at, "symbol '%.*s' is already defined (line %d)", shown(n), s, y->line);
    if (y->pass != c->pass) { /* its first definition in this pass */
        if (!y->pass || y->first_v != v || y->first_rel != rel) c->changed = true;
        y->first_v = v;
        y->first_rel = rel;
    }
    y->v = v;
    y->rel = rel;
    y->pass = c->pass;
    y->line = c->lineno;
    if (how == DEF_LABEL) y->label_pass = c->pass;
    if (how == DEF_EQUIV) y->equiv_pass = c->pass;
    return true;
}

/* The value of symbol [s, s+n); `shown_as` names it in messages. */
static bool symbol_value(asm_ctx *c, const char *s, size_t n, const char *at, const char *shown_as, asm_value *v) {
    asm_symbol *y = find(c, s, n);
    if (y) {
        v->v = y->v;
        v->rel = y->rel;
        v->forward = y->pass != c->pass;
        return true;
    }
    if (c->final) return asm_error(c, at, "undefined %s", shown_as);
    v->v = 0;
    v->rel = true; /* assume an address: the larger encoding, until known */
    v->undef = v->forward = true;
    return true;
}

static local_label *local(asm_ctx *c, uint32_t num, const char *at) {
    for (size_t i = 0; i < c->nlocals; i++)
        if (c->locals[i].num == num) return &c->locals[i];
    local_label *locals = grow(c, c->locals, &c->caplocals, c->nlocals + 1, sizeof *locals, at);
    if (!locals) return NULL;
    c->locals = locals;
    c->locals[c->nlocals] = (local_label){ num, 0 };
    return &c->locals[c->nlocals++];
}

static size_t local_name(char *buf, size_t sz, uint32_t num, int k) {
    int n = snprintf(buf, sz, "%u\x01%d", (unsigned)num, k);
    return n > 0 ? (size_t)n : 0;
}

/* ---- expressions ---------------------------------------------------------------- */

/* Binary operators, by GNU as's ranks (as it evaluates, which binds && over
 * || and comparisons under + and -): 1 ||, 2 &&, 3 comparisons, 4 + -,
 * 5 | & ^ ! (or-not), 6 * / % << >>. */
enum binop { B_NONE, B_LOR, B_LAND, B_EQ, B_NE, B_LT, B_LE, B_GT, B_GE, B_ADD, B_SUB, B_OR, B_AND, B_XOR,
             B_ORNOT, B_MUL, B_DIV, B_MOD, B_SHL, B_SHR };

static enum binop binop_at(const char *p, int *len, int *rank) {
    char a = p[0], b = a ? p[1] : 0;
    static const struct { char a, b; enum binop op; int rank; } two[] = {
        { '|', '|', B_LOR, 1 }, { '&', '&', B_LAND, 2 }, { '=', '=', B_EQ, 3 }, { '!', '=', B_NE, 3 },
        { '<', '>', B_NE, 3 },  { '<', '=', B_LE, 3 },   { '>', '=', B_GE, 3 }, { '<', '<', B_SHL, 6 },
        { '>', '>', B_SHR, 6 },
    };
    static const struct { char a; enum binop op; int rank; } one[] = {
        { '<', B_LT, 3 }, { '>', B_GT, 3 },   { '+', B_ADD, 4 }, { '-', B_SUB, 4 }, { '|', B_OR, 5 },
        { '&', B_AND, 5 }, { '^', B_XOR, 5 }, { '!', B_ORNOT, 5 }, { '*', B_MUL, 6 }, { '/', B_DIV, 6 },
        { '%', B_MOD, 6 },
    };
    for (size_t i = 0; i < sizeof two / sizeof two[0]; i++)
        if (a == two[i].a && b == two[i].b) { *len = 2; *rank = two[i].rank; return two[i].op; }
    for (size_t i = 0; i < sizeof one / sizeof one[0]; i++)
        if (a == one[i].a) { *len = 1; *rank = one[i].rank; return one[i].op; }
    *len = 0;
    *rank = 0;
    return B_NONE;
}

static bool apply(asm_ctx *c, enum binop op, const char *at, asm_value *l, const asm_value *r) {
    uint64_t a = (uint64_t)l->v, b = (uint64_t)r->v, x = 0;
    bool undef = l->undef || r->undef, rel = l->rel || r->rel;
    switch (op) {
    case B_ADD: x = a + b; break;
    case B_SUB: x = a - b; rel = l->rel != r->rel; break; /* address - address is a constant */
    case B_MUL: x = a * b; break;
    case B_OR: x = a | b; break;
    case B_AND: x = a & b; break;
    case B_XOR: x = a ^ b; break;
    case B_ORNOT: x = a | ~b; break;
    case B_DIV: case B_MOD:
        if (r->v == 0) {
            if (!undef) return asm_error(c, at, "division by zero");
        } else if (l->v == INT64_MIN && r->v == -1) {
            x = op == B_DIV ? a : 0;
        } else {
            x = (uint64_t)(op == B_DIV ? l->v / r->v : l->v % r->v);
        }
        break;
    case B_SHL: x = r->v >= 0 && r->v < 64 ? a << b : 0; break;
    case B_SHR: /* keeps the sign: GNU as shifts 64 bits unsigned, then warns that
                 * `.long -8>>1` does not fit and keeps the same low 32 bits */
        if (r->v < 0 || r->v > 63) b = 63;
        x = l->v < 0 ? ~(~a >> b) : a >> b;
        break;
    default: {
        bool t = false;
        switch (op) {
        case B_EQ: t = l->v == r->v; break;
        case B_NE: t = l->v != r->v; break;
        case B_LT: t = l->v < r->v; break;
        case B_LE: t = l->v <= r->v; break;
        case B_GT: t = l->v > r->v; break;
        case B_GE: t = l->v >= r->v; break;
        case B_LAND: t = l->v && r->v; break;
        case B_LOR: t = l->v || r->v; break;
        default: break;
        }
        /* comparisons give -1 for true, && and || give 1 (GNU as) */
        x = t ? (op == B_LAND || op == B_LOR ? 1 : UINT64_MAX) : 0;
        rel = false;
    }
    }
    l->v = (int64_t)x;
    l->rel = rel;
    l->undef = undef;
    l->forward = l->forward || r->forward;
    return true;
}

static bool binary(asm_ctx *c, const char **pp, unsigned flags, int min_rank, asm_value *v);

static bool number(asm_ctx *c, const char **pp, asm_value *v) {
    const char *start = *pp, *p = start;
    if (isdigit((unsigned char)*p)) { /* Nb / Nf: the nearest local label N backwards / forwards */
        const char *q = p;
        uint64_t num = 0;
        while (isdigit((unsigned char)*q) && num <= UINT32_MAX) num = num * 10 + (uint64_t)(*q++ - '0');
        if ((*q == 'b' || *q == 'f') && !word_char((unsigned char)q[1]) && num <= UINT32_MAX) {
            local_label *l = local(c, (uint32_t)num, start);
            if (!l) return false;
            int k = *q == 'b' ? l->count : l->count + 1;
            char name[32], label[32];
            size_t n = local_name(name, sizeof name, (uint32_t)num, k);
            snprintf(label, sizeof label, "local label '%.*s'", (int)(q + 1 - start), start);
            if (k == 0) return asm_error(c, start, "undefined %s", label);
            *pp = q + 1;
            return symbol_value(c, name, n, start, label, v);
        }
    }
    int base = 10;
    if (*p == '$') base = 16, p++;
    else if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X')) base = 16, p += 2;
    else if (p[0] == '0' && (p[1] == 'b' || p[1] == 'B')) base = 2, p += 2;
    else if (p[0] == '0' && isdigit((unsigned char)p[1])) base = 8;
    const char *digits = p;
    uint64_t x = 0;
    bool bad = false, big = false;
    for (; word_char((unsigned char)*p); p++) {
        uint64_t d = (uint64_t)digit_value((unsigned char)*p);
        if (d >= (uint64_t)base) { bad = true; continue; }
        if (x > (UINT64_MAX - d) / (uint64_t)base) big = true;
        x = x * (uint64_t)base + d;
    }
    if (bad || p == digits) return asm_error(c, start, "bad number '%.*s'", shown((size_t)(p - start)), start);
    if (big) return asm_error(c, start, "number too large");
    v->v = (int64_t)x;
    *pp = p;
    return true;
}

static bool char_constant(asm_ctx *c, const char **pp, asm_value *v) {
    const char *quote = *pp, *p = quote + 1;
    int ch;
    if (!*p || (*p == '\\' && !p[1])) return asm_error(c, quote, "unterminated character constant");
    if (*p == '\\') {
        p = read_escape(p + 1, &ch);
        if (!p) return asm_error(c, quote, "bad escape in character constant");
    } else {
        ch = (unsigned char)*p++;
    }
    if (*p == '\'') p++;
    v->v = ch;
    *pp = p;
    return true;
}

static bool identifier(asm_ctx *c, const char **pp, unsigned flags, asm_value *v) {
    const char *s = *pp;
    size_t n = 0;
    while (asm_symbol_char((unsigned char)s[n])) n++;
    if (n == 1 && *s == '.') { /* the location counter */
        v->v = (int64_t)c->pc;
        v->rel = true;
        *pp = s + 1;
        return true;
    }
    if (c->isa->name) {
        int64_t value;
        switch (c->isa->name(c, s, &n, flags, &value)) {
        case ASM_NAME_VALUE: v->v = value; *pp = s + n; return true;
        case ASM_NAME_ERROR: return false;
        case ASM_NAME_SYMBOL: break;
        }
    }
    char label[48];
    snprintf(label, sizeof label, "symbol '%.*s'", shown(n), s);
    *pp = s + n;
    return symbol_value(c, s, n, s, label, v);
}

static bool unary(asm_ctx *c, const char **pp, unsigned flags, asm_value *v) {
    const char *p = asm_skip_blanks(*pp);
    memset(v, 0, sizeof *v);
    unsigned char ch = (unsigned char)*p;
    if (!ch) return asm_error(c, p, "missing expression");
    if (c->nesting >= MAX_NESTING) return asm_error(c, p, "expression too deeply nested");
    c->nesting++;
    bool ok;
    if (ch == '(') {
        const char *q = p + 1;
        ok = binary(c, &q, flags, 1, v);
        if (ok) {
            q = asm_skip_blanks(q);
            if (*q == ')') p = q + 1;
            else ok = asm_error(c, q, "missing ')'");
        }
    } else if (ch == '-' || ch == '+' || ch == '~' || ch == '!') {
        p++;
        ok = unary(c, &p, flags, v);
        if (ch == '-') v->v = (int64_t)(0 - (uint64_t)v->v);
        else if (ch == '~') v->v = ~v->v;
        else if (ch == '!') v->v = !v->v, v->rel = false;
    } else if (ch == '\'') {
        ok = char_constant(c, &p, v);
    } else if (isdigit(ch) || (ch == '$' && c->isa->dollar_hex && isxdigit((unsigned char)p[1]))) {
        ok = number(c, &p, v);
    } else if (ch == '%' && asm_symbol_char((unsigned char)p[1])) { /* %r3, %d0: a register */
        size_t n = 1;
        while (asm_symbol_char((unsigned char)p[n])) n++;
        ok = asm_error_not_a_number(c, p, n);
    } else if (symbol_start(c, ch)) {
        ok = identifier(c, &p, flags, v);
    } else {
        ok = unexpected(c, p, " in expression");
    }
    c->nesting--;
    *pp = p;
    return ok;
}

static bool binary(asm_ctx *c, const char **pp, unsigned flags, int min_rank, asm_value *v) {
    if (!unary(c, pp, flags, v)) return false;
    for (;;) {
        const char *at = asm_skip_blanks(*pp);
        int len, rank;
        enum binop op = binop_at(at, &len, &rank);
        if (op == B_NONE || rank < min_rank) return true;
        *pp = at + len;
        asm_value r;
        if (!binary(c, pp, flags, rank + 1, &r) || !apply(c, op, at, v, &r)) return false;
    }
}

bool asm_expr(asm_ctx *c, const char **pp, unsigned flags, asm_value *v) {
    if (!binary(c, pp, flags, 1, v)) return false;
    return !c->isa->suffix || c->isa->suffix(c, pp, v);
}

/* ---- directives ------------------------------------------------------------------ */

/* The range of a layout value (a size, a count, an alignment), checked in
 * every pass: such a value is never a placeholder, and the layout is made
 * from it. */
static bool layout_range(asm_ctx *c, const char *at, const char *what, int64_t v, int64_t lo, int64_t hi) {
    return (v >= lo && v <= hi) || asm_error_range(c, at, what, v, lo, hi);
}

static const asm_directive common_directives[] = {
    { ".byte", ASM_DIR_DATA, 1 },    { ".short", ASM_DIR_DATA, 2 },   { ".hword", ASM_DIR_DATA, 2 },
    { ".half", ASM_DIR_DATA, 2 },    { ".2byte", ASM_DIR_DATA, 2 },   { ".word", ASM_DIR_DATA, 2 },
    { ".int", ASM_DIR_DATA, 4 },     { ".long", ASM_DIR_DATA, 4 },    { ".4byte", ASM_DIR_DATA, 4 },
    { ".ascii", ASM_DIR_STRING, 0 }, { ".asciz", ASM_DIR_STRING, 1 }, { ".string", ASM_DIR_STRING, 1 },
    { ".space", ASM_DIR_SPACE, 1 },  { ".skip", ASM_DIR_SPACE, 1 },   { ".zero", ASM_DIR_SPACE, 1 },
    { ".fill", ASM_DIR_FILL, 0 },    { ".org", ASM_DIR_ORG, 0 },      { ".align", ASM_DIR_BALIGN, 0 },
    { ".balign", ASM_DIR_BALIGN, 0 }, { ".p2align", ASM_DIR_P2ALIGN, 0 }, { ".set", ASM_DIR_SET, 0 },
    { ".equ", ASM_DIR_SET, 0 },      { ".equiv", ASM_DIR_EQUIV, 0 },  { ".end", ASM_DIR_END, 0 },
    /* housekeeping of object files and other tools: one flat output has no use for it */
    { ".text", ASM_DIR_IGNORE, 0 },  { ".data", ASM_DIR_IGNORE, 0 },  { ".bss", ASM_DIR_IGNORE, 0 },
    { ".globl", ASM_DIR_IGNORE, 0 }, { ".global", ASM_DIR_IGNORE, 0 }, { ".section", ASM_DIR_IGNORE, 0 },
    { ".type", ASM_DIR_IGNORE, 0 },  { ".size", ASM_DIR_IGNORE, 0 },  { ".file", ASM_DIR_IGNORE, 0 },
    { ".ident", ASM_DIR_IGNORE, 0 }, { ".machine", ASM_DIR_IGNORE, 0 }, { ".local", ASM_DIR_IGNORE, 0 },
    { ".weak", ASM_DIR_IGNORE, 0 },  { ".previous", ASM_DIR_IGNORE, 0 }, { ".gnu_attribute", ASM_DIR_IGNORE, 0 },
    { ".abiversion", ASM_DIR_IGNORE, 0 }, { ".hidden", ASM_DIR_IGNORE, 0 }, { ".cfi_startproc", ASM_DIR_IGNORE, 0 },
    { ".cfi_endproc", ASM_DIR_IGNORE, 0 }, { ".p2alignw", ASM_DIR_IGNORE, 0 }, { ".pushsection", ASM_DIR_IGNORE, 0 },
    { ".popsection", ASM_DIR_IGNORE, 0 },
    { NULL, ASM_DIR_IGNORE, 0 },
};

static const asm_directive *find_directive(const asm_ctx *c, const char *name) {
    for (const asm_directive *d = c->isa->directives; d && d->name; d++)
        if (!strcmp(d->name, name)) return d;
    for (const asm_directive *d = common_directives; d->name; d++)
        if (!strcmp(d->name, name)) return d;
    return NULL;
}

/* After an argument: true with *more set at a comma (consumed) or the end;
 * anything else is junk. */
static bool next_argument(asm_ctx *c, const char **pp, bool *more) {
    const char *p = asm_skip_blanks(*pp);
    *more = *p == ',';
    if (*more) p++;
    else if (*p) return asm_error_junk(c, p, "expression");
    *pp = p;
    return true;
}

/* An argument of a layout directive: its value must be known where it is
 * reached (later symbols would make the layout depend on itself), except
 * for a constant defined further on where `forward_constant` allows it. */
static bool layout_argument(asm_ctx *c, const char **pp, const char *what, bool forward_constant, int64_t *out) {
    const char *at = asm_skip_blanks(*pp);
    asm_value v;
    if (!asm_expr(c, pp, 0, &v)) return false;
    if (v.forward && (v.rel || !forward_constant))
        return asm_error(c, at, "%s must be known when it is reached (no forward references)", what);
    *out = v.v;
    return true;
}

/* An optional argument after a comma (`.balign 4,,2` leaves the fill out). */
static bool optional_argument(asm_ctx *c, const char **pp, bool *more, const char *what, int64_t *out) {
    if (!*more) return true;
    const char *p = asm_skip_blanks(*pp);
    if (*p != ',' && *p) {
        if (!layout_argument(c, &p, what, false, out)) return false;
    }
    *pp = p;
    return next_argument(c, pp, more);
}

static bool no_more_arguments(asm_ctx *c, const char *p, bool more) {
    return !more || asm_error(c, asm_skip_blanks(p), "too many arguments");
}

static bool string(asm_ctx *c, const char **pp, bool nul) {
    const char *p = asm_skip_blanks(*pp), *open = p;
    if (*p != '"') return asm_error(c, p, "string expected");
    for (p++; *p != '"'; ) {
        int ch;
        if (!*p || (*p == '\\' && !p[1])) return asm_error(c, open, "unterminated string");
        if (*p == '\\') {
            const char *q = read_escape(p + 1, &ch);
            if (!q) return asm_error(c, p, "bad escape in string");
            p = q;
        } else {
            ch = (unsigned char)*p++;
        }
        uint8_t b = (uint8_t)ch;
        if (!emit(c, &b, 1, open)) return false;
    }
    *pp = p + 1;
    return !nul || emit_fill(c, 1, 0, open);
}

static bool data(asm_ctx *c, const char *p, int width) {
    p = asm_skip_blanks(p);
    if (!*p) return true; /* no values: no bytes, as in GNU as */
    for (bool more = true; more;) {
        p = asm_skip_blanks(p);
        if (*p == '"' && width == 1) {
            if (!string(c, &p, false)) return false;
        } else {
            const char *at = p;
            asm_value v;
            if (!asm_expr(c, &p, 0, &v)) return false;
            if (width < 8) {
                int64_t lo = -((int64_t)1 << (8 * width - 1)), hi = ((int64_t)1 << (8 * width)) - 1;
                if (!asm_check_range(c, at, "value", v.v, lo, hi)) return false;
            }
            uint8_t b[8];
            put_value(c, b, width, (uint64_t)v.v);
            if (!emit(c, b, (size_t)width, at)) return false;
        }
        if (!next_argument(c, &p, &more)) return false;
    }
    return true;
}

static bool strings(asm_ctx *c, const char *p, bool nul) {
    for (bool more = true; more;)
        if (!string(c, &p, nul) || !next_argument(c, &p, &more)) return false;
    return true;
}

static bool org(asm_ctx *c, int64_t addr, int fill, const char *at) {
    if (addr < (int64_t)c->pc)
        return asm_error(c, at, "'.org 0x%llx' would move the location counter backwards (now 0x%llx)",
                         (unsigned long long)addr, (unsigned long long)c->pc);
    if (addr > 0xffffffffll) return asm_error(c, at, "address beyond 0xffffffff");
    return emit_fill(c, (uint64_t)addr - c->pc, fill, at);
}

/* `VALUE[, fill]`, the arguments of .space and .org. */
static bool value_and_fill(asm_ctx *c, const char *p, const char *what, bool forward_constant, int64_t *v, int64_t *fill) {
    bool more;
    *fill = 0;
    return layout_argument(c, &p, what, forward_constant, v) && next_argument(c, &p, &more) &&
           optional_argument(c, &p, &more, "fill", fill) && no_more_arguments(c, p, more);
}

static bool space(asm_ctx *c, const char *p, int64_t unit) {
    const char *at = asm_skip_blanks(p);
    int64_t n, fill;
    if (!value_and_fill(c, p, "size", true, &n, &fill) || !layout_range(c, at, "size", n, 0, MAX_OUTPUT / unit))
        return false;
    return emit_fill(c, (uint64_t)(n * unit), (int)(fill & 0xff), at);
}

static bool fill(asm_ctx *c, const char *p) {
    const char *at = asm_skip_blanks(p);
    int64_t count, size = 1, value = 0;
    bool more;
    if (!layout_argument(c, &p, "count", true, &count) || !next_argument(c, &p, &more)) return false;
    const char *size_at = asm_skip_blanks(p);
    if (!optional_argument(c, &p, &more, "size", &size) || !optional_argument(c, &p, &more, "value", &value) ||
        !no_more_arguments(c, p, more))
        return false;
    if (!layout_range(c, size_at, "fill size", size, 1, 8) || !layout_range(c, at, "count", count, 0, MAX_OUTPUT / size))
        return false;
    uint8_t b[8] = { 0 };
    /* GNU as writes at most 4 bytes of the value, zeros after them */
    put_value(c, b, size > 4 ? 4 : (int)size, (uint64_t)value);
    for (int64_t i = 0; i < count; i++)
        if (!emit(c, b, (size_t)size, at)) return false;
    return true;
}

static bool align(asm_ctx *c, const char *p, const asm_directive *d) {
    const char *at = asm_skip_blanks(p);
    int64_t a = d->arg, fill = -1, max = -1;
    bool more = false;
    if (a) {
        p = asm_skip_blanks(p);
        return (!*p || asm_error_junk(c, p, "directive")) && pad_to(c, (uint64_t)a, -1, -1, at);
    }
    if (!layout_argument(c, &p, "alignment", false, &a) || !next_argument(c, &p, &more)) return false;
    if (d->kind == ASM_DIR_P2ALIGN) {
        if (!layout_range(c, at, "alignment", a, 0, 31)) return false;
        a = (int64_t)1 << a;
    } else if (a < 0 || a > 0x80000000ll || (a & (a - 1))) {
        return asm_error(c, at, "alignment %lld is not a power of 2", (long long)a);
    }
    if (!optional_argument(c, &p, &more, "fill", &fill) || !optional_argument(c, &p, &more, "maximum", &max) ||
        !no_more_arguments(c, p, more))
        return false;
    return pad_to(c, (uint64_t)a, fill < 0 ? -1 : (int)(fill & 0xff), max, at);
}

static bool assign(asm_ctx *c, const char *name, size_t n, const char *p, enum definition how);

static bool set_directive(asm_ctx *c, const char *p, enum definition how) {
    const char *name = asm_skip_blanks(p), *q = name;
    while (asm_symbol_char((unsigned char)*q)) q++;
    if (q == name || !symbol_start(c, (unsigned char)*name)) return asm_error(c, name, "symbol name expected");
    p = asm_skip_blanks(q);
    if (*p != ',') return asm_error(c, p, "',' expected");
    return assign(c, name, (size_t)(q - name), p + 1, how);
}

static bool directive(asm_ctx *c, const asm_directive *d, const char *p) {
    switch (d->kind) {
    case ASM_DIR_DATA: return data(c, p, d->arg);
    case ASM_DIR_STRING: return strings(c, p, d->arg != 0);
    case ASM_DIR_SPACE: return space(c, p, d->arg);
    case ASM_DIR_FILL: return fill(c, p);
    case ASM_DIR_ORG: {
        int64_t addr, fillv;
        return value_and_fill(c, p, "'.org' address", false, &addr, &fillv) &&
               org(c, addr, (int)(fillv & 0xff), asm_skip_blanks(p));
    }
    case ASM_DIR_BALIGN: case ASM_DIR_P2ALIGN: return align(c, p, d);
    case ASM_DIR_SET: return set_directive(c, p, DEF_SET);
    case ASM_DIR_EQUIV: return set_directive(c, p, DEF_EQUIV);
    case ASM_DIR_END: c->ended = true; return true;
    case ASM_DIR_IGNORE: return true;
    }
    return true;
}

/* ---- statements ---------------------------------------------------------------- */

/* name = expr (and .set, .equ, .equiv, `name equ expr`); `. = expr` is .org. */
static bool assign(asm_ctx *c, const char *name, size_t n, const char *p, enum definition how) {
    const char *at = asm_skip_blanks(p);
    if (n == 1 && *name == '.') {
        int64_t addr;
        if (!layout_argument(c, &p, "'.org' address", false, &addr)) return false;
        p = asm_skip_blanks(p);
        return (!*p || asm_error_junk(c, p, "expression")) && org(c, addr, 0, at);
    }
    if (c->isa->reserved && c->isa->reserved(name, n))
        return asm_error(c, name, "register name '%.*s' cannot be a symbol", shown(n), name);
    asm_value v;
    if (!asm_expr(c, &p, 0, &v)) return false;
    p = asm_skip_blanks(p);
    if (*p) return asm_error_junk(c, p, "expression");
    return define(c, name, n, v.v, v.rel, how, name);
}

static bool label(asm_ctx *c, const char *name, size_t n) {
    if (n == 1 && *name == '.') return asm_error(c, name, "'.' cannot be a label");
    if (c->isa->reserved && c->isa->reserved(name, n))
        return asm_error(c, name, "register name '%.*s' cannot be a symbol", shown(n), name);
    return define(c, name, n, (int64_t)c->pc, true, DEF_LABEL, name);
}

static bool local_label_definition(asm_ctx *c, uint32_t num, const char *at) {
    local_label *l = local(c, num, at);
    if (!l) return false;
    char name[32];
    size_t n = local_name(name, sizeof name, num, ++l->count);
    return define(c, name, n, (int64_t)c->pc, true, DEF_LABEL, at);
}

/* `name WORD expr` with WORD one of the ISA's infix assignment words. */
static const char *infix_assignment(const asm_ctx *c, const char *p) {
    const char *q = p;
    while (asm_symbol_char((unsigned char)*q)) q++;
    size_t n = (size_t)(q - p);
    if (!n || (*q && !is_blank((unsigned char)*q))) return NULL;
    for (const char *const *w = c->isa->infix_set; w && *w; w++)
        if (strlen(*w) == n && !strncasecmp(*w, p, n)) return q;
    return NULL;
}

static bool instruction(asm_ctx *c, const char *at, size_t n, char *p) {
    asm_insn in;
    in.at = at;
    in.len = n;
    in.nops = 0;
    if (n >= sizeof in.name) return asm_error_unknown_insn(c, &in);
    for (size_t i = 0; i < n; i++) in.name[i] = (char)tolower((unsigned char)at[i]);
    in.name[n] = 0;
    /* operands: split at commas outside parentheses and quotes */
    p = skip_blanks(p);
    for (bool more = *p != 0; more;) {
        char *s = p;
        int depth = 0;
        while (*p && !(*p == ',' && depth <= 0)) {
            if (*p == '"' || *p == '\'') { p = (char *)skip_quoted(p); continue; }
            depth += *p == '(' ? 1 : *p == ')' ? -1 : 0;
            p++;
        }
        more = *p == ',';
        char *e = p;
        s = skip_blanks(s);
        while (e > s && is_blank((unsigned char)e[-1])) e--;
        if (in.nops == ASM_MAX_OPERANDS) return asm_error(c, s, "too many operands");
        if (s == e) return asm_error(c, s, "missing operand");
        *e = 0;
        in.ops[in.nops++] = (asm_operand){ s, e };
        if (more) p++;
    }
    uint8_t bytes[ASM_MAX_INSN_BYTES];
    int k = c->isa->encode(c, &in, bytes);
    if (k < 0) return c->failed ? false : asm_error(c, at, "cannot encode '%s'", in.name);
    unsigned a = c->isa->insn_align;
    if (a > 1 && c->pc % a)
        return asm_error(c, at, "instruction address 0x%llx is not a multiple of %u", (unsigned long long)c->pc, a);
    return emit(c, bytes, (size_t)k, at);
}

static bool statement(asm_ctx *c, char *p) {
    for (;;) {
        p = skip_blanks(p);
        if (!*p) return true;
        char *q = p;
        if (isdigit((unsigned char)*p)) { /* N: a local label */
            uint64_t num = 0;
            while (isdigit((unsigned char)*q) && num <= UINT32_MAX) num = num * 10 + (uint64_t)(*q++ - '0');
            char *colon = skip_blanks(q);
            if (*colon != ':' || num > UINT32_MAX) return unexpected(c, p, "");
            if (!local_label_definition(c, (uint32_t)num, p)) return false;
            p = colon + 1;
            continue;
        }
        if (!symbol_start(c, (unsigned char)*p)) return unexpected(c, p, "");
        while (asm_symbol_char((unsigned char)*q)) q++;
        size_t n = (size_t)(q - p);
        char *r = skip_blanks(q);
        if (*r == ':') {
            if (!label(c, p, n)) return false;
            p = r + 1;
            continue;
        }
        if (*r == '=' && r[1] != '=') return assign(c, p, n, r + 1, DEF_SET);
        const char *value = infix_assignment(c, r);
        if (value) return assign(c, p, n, value, DEF_SET);
        /* a directive or an instruction */
        if (*q && in_set(c->isa->mnemonic_tail_chars, *q) && (!q[1] || is_blank((unsigned char)q[1]))) q++, n++;
        if (*q && !is_blank((unsigned char)*q)) {
            char after[40];
            snprintf(after, sizeof after, " after '%.*s'", shown(n), p);
            return unexpected(c, q, after);
        }
        char name[24];
        const asm_directive *d = NULL;
        if (n < sizeof name) {
            for (size_t i = 0; i < n; i++) name[i] = (char)tolower((unsigned char)p[i]);
            name[n] = 0;
            d = find_directive(c, name);
        }
        if (d) return directive(c, d, q);
        if (*p == '.') return asm_error(c, p, "unknown directive '%.*s'", shown(n), p);
        return instruction(c, p, n, q);
    }
}

/* Cut the comments off a line in place (C comments become blanks). */
static bool strip_comments(asm_ctx *c, char *s) {
    const asm_isa *isa = c->isa;
    char *first = skip_blanks(s);
    if (in_set(isa->line_comment_chars, *first)) { *first = 0; return true; }
    for (char *p = s; *p;) {
        if (*p == '"' || *p == '\'') { p = (char *)skip_quoted(p); continue; }
        if (in_set(isa->comment_chars, *p) || (isa->c_comments && p[0] == '/' && p[1] == '/') ||
            (in_set(isa->blank_comment_chars, *p) && (p == s || is_blank((unsigned char)p[-1])))) {
            *p = 0;
            return true;
        }
        if (isa->c_comments && p[0] == '/' && p[1] == '*') {
            char *end = strstr(p + 2, "*/");
            if (!end) return asm_error(c, p, "unterminated comment");
            memset(p, ' ', (size_t)(end + 2 - p));
            p = end + 2;
            continue;
        }
        p++;
    }
    return true;
}

static void line(asm_ctx *c, char *s) {
    if (!strip_comments(c, s)) return;
    for (char *st = s;;) { /* statements, at the ISA's separators */
        char *p = st;
        while (*p && !in_set(c->isa->separator_chars, *p)) p = *p == '"' || *p == '\'' ? (char *)skip_quoted(p) : p + 1;
        bool more = *p != 0;
        *p = 0;
        if (!statement(c, st) || c->ended || !more) return;
        st = p + 1;
    }
}

static void run_pass(asm_ctx *c, const char *src, size_t len) {
    c->pc = c->org;
    c->hi = 0;
    c->nlocals = 0;
    c->changed = false;
    c->ended = false;
    c->lineno = 0;
    for (const char *p = src, *end = src + len; p < end && !c->ended;) {
        const char *e = memchr(p, '\n', (size_t)(end - p));
        if (!e) e = end;
        size_t n = (size_t)(e - p);
        c->lineno++;
        c->failed = false;
        char *buf = grow(c, c->line, &c->linecap, n + 1, 1, NULL);
        if (!buf) return;
        c->line = buf;
        memcpy(c->line, p, n);
        c->line[n] = 0;
        c->linelen = n;
        const char *nul = memchr(p, 0, n);
        if (n && c->line[n - 1] == '\r') c->line[n - 1] = 0;
        if (nul) asm_error(c, c->line + (nul - p), "%s", nul_message);
        else line(c, c->line);
        if (c->fatal || (c->failed && c->final)) return;
        if (e == end) break;
        p = e + 1;
    }
    c->failed = false;
}

bool asm_nul_error(const char *src, size_t len, char *err, size_t errsz) {
    const char *nul = src ? memchr(src, 0, len) : NULL;
    if (!nul) return false;
    int lineno = 1;
    const char *start = src;
    for (const char *p = src; p < nul; p++)
        if (*p == '\n') lineno++, start = p + 1;
    if (err && errsz) snprintf(err, errsz, "%d:%d: %s", lineno, (int)(nul - start) + 1, nul_message);
    return true;
}

int asm_assemble(const asm_isa *isa, void *isa_data, const char *src, size_t len, uint32_t org_addr, uint8_t **out,
                 size_t *outlen, char *err, size_t errsz) {
    if (out) *out = NULL;
    if (outlen) *outlen = 0;
    if (err && errsz) err[0] = 0;
    if (!isa || !isa->encode || !src || !out || !outlen) {
        if (err && errsz) snprintf(err, errsz, "1:1: no source");
        return -1;
    }
    asm_ctx c;
    memset(&c, 0, sizeof c);
    c.isa = isa;
    c.isa_data = isa_data;
    c.org = org_addr;
    bool settled = false;
    int pass = 0;
    while (!c.fatal && !settled && pass < MAX_PASSES) {
        c.pass = ++pass;
        run_pass(&c, src, len);
        settled = !c.changed;
    }
    if (!c.fatal) {
        c.pass = ++pass;
        c.final = true;
        run_pass(&c, src, len);
        settled = settled && !c.changed;
    }
    int rc = 0;
    if (c.failed || c.fatal) {
        if (err && errsz) snprintf(err, errsz, "%d:%d: %s", c.err_line, c.err_col, c.msg);
        rc = -1;
    } else if (!settled) {
        if (err && errsz) snprintf(err, errsz, "%d:1: label values do not settle (sizes keep changing)", c.lineno ? c.lineno : 1);
        rc = -1;
    } else {
        if (!c.buf) c.buf = malloc(1);
        if (!c.buf) {
            if (err && errsz) snprintf(err, errsz, "1:1: out of memory");
            rc = -1;
        } else {
            *out = c.buf;
            *outlen = c.hi;
            c.buf = NULL;
        }
    }
    free(c.buf);
    for (size_t i = 0; i < c.nsyms; i++) free(c.syms[i].name);
    free(c.syms);
    free(c.hash);
    free(c.locals);
    free(c.line);
    return rc;
}
