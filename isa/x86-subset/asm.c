/* asm.c - the x86 subset's assembler: GNU as --32 AT&T syntax (`movl
 * $1,4(%ebx,%esi,2)`, `rep movsb`, `ljmp $8,$start`, `.code16`). The language
 * around the instructions (labels, expressions, directives, passes, errors)
 * is the assembler framework's (core/asm.h); this file parses the operands,
 * picks the rows of the decode table (x86_insns) that fit them and encodes
 * the shortest, as GNU as does. There is no second opcode list: a mnemonic
 * names table rows (after GNU's aliases and size suffixes), each row of that
 * name is tried with the operands, and every encoding is decoded again by
 * x86_decode() to check that it gives back the same row and length.
 *
 * GNU's choices, reproduced because the judge compares bytes:
 *  - the shortest form wins, the first row of the table on a tie: the
 *    sign-extended imm8 (83, 6B, 6A) for a constant in -128..127, the
 *    accumulator forms (05, A9, A1...), B8+r for mov $imm,%reg, 40+r/48+r,
 *    50+r/58+r, 90+r for xchg with eAX, D1 for a shift by $1, the
 *    register-to-r/m opcodes (01, 89) for reg,reg;
 *  - `int $3` is int3 (CC); `sal` is shl (/4);
 *  - a displacement is 8-bit when it is a known constant in -128..127, none
 *    for a known 0 (but `(%ebp)` takes a zero disp8); a value involving a
 *    label or a symbol defined further on is full size, as GNU sizes it
 *    before it knows the value (also an immediate: `add $later,%eax` is 81);
 *  - jmp/jcc to a label are relaxed: short while the displacement fits, else
 *    E9 / 0F 8x (rel16 in 16-bit code); to a constant address they are
 *    always long (GNU emits a relocation there);
 *  - a segment override naming the operand's default segment is dropped;
 *  - prefixes come out in the order segment, 67, 66, F2/F3, F0.
 * Values are taken modulo 2^32 and read as signed (GNU on a 32-bit target);
 * an 8- or 16-bit operand also reads 0..0xffff as a signed word (GNU:
 * `addw $0xff80,%ax` is an imm8). Where GNU refuses an immediate (the
 * fixed imm8 of int/shifts/bt/enter beyond -128..255, imm16 of ret/enter
 * beyond -32768..65535) this is an error; where GNU only warns that it
 * shortens a value (`movb $0x100,%al`), this is an error too: the
 * framework has no warnings and a truncated value is a mistake. GNU's
 * other warnings (no size suffix: the mode's default size; `jmp %eax`
 * without `*`) are accepted silently.
 *
 * .code16/.code32 switch the default operand and address size. The
 * framework has no hook for an ISA's directive with state, so x86_assemble
 * hands it a copy of the source in which the directive `.codeNN` reads
 * `$codeNN` (the same length: columns stay), an instruction to this file;
 * and line 1 starts with `$code32;`, so that every pass starts in 32-bit
 * code (error columns on line 1 are given back). */
#include "isa/x86-subset/x86.h"

#include "core/asm.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The x86 side of one assembly (asm_isa_data). */
typedef struct x86_asm {
    int variant;
    bool code16; /* .code16 in force */
} x86_asm;

/* ---- registers ---------------------------------------------------------------- */

enum { RC_NONE, RC_R8, RC_R16, RC_R32, RC_SEG, RC_CR, RC_DR, RC_TR };

static const char *const r8_names[8] = { "al", "cl", "dl", "bl", "ah", "ch", "dh", "bh" };
static const char *const r16_names[8] = { "ax", "cx", "dx", "bx", "sp", "bp", "si", "di" };
static const char *const seg_names[6] = { "es", "cs", "ss", "ds", "fs", "gs" };

/* The register named [s, s+n) (without %): its class, *num its number. */
static int reg_lookup(const char *s, size_t n, int *num) {
    char b[8];
    if (n < 2 || n > 4) return RC_NONE;
    for (size_t i = 0; i < n; i++) b[i] = (char)tolower((unsigned char)s[i]);
    b[n] = 0;
    for (int i = 0; i < 8; i++) {
        if (!strcmp(b, r8_names[i])) return *num = i, RC_R8;
        if (!strcmp(b, r16_names[i])) return *num = i, RC_R16;
        if (b[0] == 'e' && !strcmp(b + 1, r16_names[i])) return *num = i, RC_R32;
    }
    for (int i = 0; i < 6; i++)
        if (!strcmp(b, seg_names[i])) return *num = i, RC_SEG;
    if (n == 3 && b[2] >= '0' && b[2] <= '7') {
        *num = b[2] - '0';
        if (b[0] == 'c' && b[1] == 'r') return RC_CR;
        if (b[0] == 'd' && (b[1] == 'r' || b[1] == 'b')) return RC_DR; /* objdump says %db0 */
        if (b[0] == 't' && b[1] == 'r') return RC_TR;
    }
    return RC_NONE;
}

/* The length of the register name at p (at its %). */
static int reg_len(const char *p) {
    int n = 1;
    while (isalnum((unsigned char)p[n])) n++;
    return n;
}

static int rc_size(int rc) { return rc == RC_R8 ? 1 : rc == RC_R16 ? 2 : rc == RC_R32 ? 4 : 0; }

/* ---- operands ------------------------------------------------------------------------ */

enum { K_REG = 1, K_IMM, K_MEM };

typedef struct opnd {
    int kind;
    int rc, reg;        /* K_REG: class and number */
    bool star;          /* `*`: an indirect jump or call */
    int seg;            /* K_MEM: segment override, -1 none */
    int base, index;    /* K_MEM: register numbers, -1 none */
    int scale;          /* 0 (none written), 1, 2, 4, 8 */
    int asz;            /* address size of base/index: 2 or 4; 0: none (absolute) */
    bool group;         /* K_MEM: has a (base,index,scale) part */
    bool dx;            /* `(%dx)`, the port of in/out */
    bool has_disp;      /* a displacement (or absolute address) was written */
    asm_value v;        /* immediate, displacement, address, branch target */
    const char *at;     /* start, for errors */
    const char *vat;    /* the value's start */
} opnd;

/* A register at p (at its %): class and number, p advanced; an unknown
 * name is an error (RC_NONE returned, *err set). */
static int parse_reg(asm_ctx *c, const char **pp, int *num, bool *err) {
    const char *p = *pp + 1, *q = p;
    while (isalnum((unsigned char)*q)) q++;
    int rc = reg_lookup(p, (size_t)(q - p), num);
    if (rc == RC_NONE) {
        if (q - p == 2 && tolower((unsigned char)p[0]) == 's' && tolower((unsigned char)p[1]) == 't')
            asm_error(c, *pp, "x87 register '%%st': the FPU is not modelled");
        else
            asm_error_register(c, *pp, (size_t)(q - *pp));
        *err = true;
        return RC_NONE;
    }
    *pp = q;
    return rc;
}

static bool bad_group(asm_ctx *c, const char *lp, const char *rp) {
    return asm_error(c, lp, "'%.*s' is not a valid base/index expression", (int)(rp - lp + 1), lp);
}

/* The (base,index,scale) part between lp and rp (the parentheses). */
static bool parse_group(asm_ctx *c, const char *lp, const char *rp, opnd *o) {
    const char *p = asm_skip_blanks(lp + 1);
    bool err = false;
    int rcb = RC_NONE, rci = RC_NONE;
    if (*p == '%') {
        rcb = parse_reg(c, &p, &o->base, &err);
        if (err) return false;
        p = asm_skip_blanks(p);
    }
    if (*p == ',') {
        p = asm_skip_blanks(p + 1);
        if (*p == '%') {
            rci = parse_reg(c, &p, &o->index, &err);
            if (err) return false;
            p = asm_skip_blanks(p);
        }
        if (*p == ',') {
            p = asm_skip_blanks(p + 1);
            const char *sat = p;
            asm_value s;
            if (!asm_expr(c, &p, 0, &s)) return false;
            if (s.rel || s.undef || s.forward || (s.v != 1 && s.v != 2 && s.v != 4 && s.v != 8))
                return asm_error(c, sat, "scale factor must be 1, 2, 4 or 8");
            o->scale = (int)s.v;
            p = asm_skip_blanks(p);
        }
    }
    if (p != rp) return asm_error(c, p, "'%.*s' is not a valid base/index expression", (int)(rp - lp + 1), lp);
    if (rcb == RC_R16 && o->base == X86_EDX && rci == RC_NONE && !o->scale && !o->has_disp) {
        o->dx = true; /* (%dx): in/out only */
        return true;
    }
    if ((rcb != RC_NONE && rcb != RC_R16 && rcb != RC_R32) || (rci != RC_NONE && rci != RC_R16 && rci != RC_R32) ||
        (rcb != RC_NONE && rci != RC_NONE && rcb != rci) || (rci == RC_NONE && o->scale && rcb == RC_NONE))
        return bad_group(c, lp, rp);
    int rc = rcb != RC_NONE ? rcb : rci;
    if (rc == RC_R32) {
        if (o->index == X86_ESP) return bad_group(c, lp, rp);
        o->asz = 4;
    } else if (rc == RC_R16) {
        /* (%bx) (%bp) (%si) (%di), (%bx|%bp,%si|%di) */
        bool b_ok = o->base == X86_EBX || o->base == X86_EBP || o->base == X86_ESI || o->base == X86_EDI;
        if (rcb == RC_NONE || !b_ok || (o->scale && o->scale != 1)) return bad_group(c, lp, rp);
        if (rci != RC_NONE && ((o->base != X86_EBX && o->base != X86_EBP) || (o->index != X86_ESI && o->index != X86_EDI)))
            return bad_group(c, lp, rp);
        o->asz = 2;
    }
    o->group = true;
    return true;
}

/* The '(' matching the ')' at rp, NULL if none. */
static const char *matching_paren(const char *s, const char *rp) {
    int depth = 0;
    for (const char *p = rp; p >= s; p--) {
        if (*p == ')') depth++;
        else if (*p == '(' && --depth == 0) return p;
    }
    return NULL;
}

static bool parse_operand(asm_ctx *c, const asm_operand *src, opnd *o) {
    memset(o, 0, sizeof *o);
    o->seg = o->base = o->index = -1;
    const char *p = asm_skip_blanks(src->s), *e = src->e;
    o->at = p;
    if (*p == '*') o->star = true, p = asm_skip_blanks(p + 1);
    bool err = false;
    if (*p == '%') {
        const char *q = p;
        int num;
        int rc = parse_reg(c, &q, &num, &err);
        if (err) return false;
        const char *r = asm_skip_blanks(q);
        if (rc == RC_SEG && *r == ':') { /* %fs:mem */
            o->seg = num;
            p = asm_skip_blanks(r + 1);
            if (*p == '*' && !o->star) o->star = true, p = asm_skip_blanks(p + 1); /* GNU takes %fs:*(...) */
        } else {
            if (*r) return asm_error_junk(c, r, "register");
            o->kind = K_REG;
            o->rc = rc;
            o->reg = num;
            return true;
        }
    } else if (*p == '$') {
        if (o->star) return asm_error(c, p, "'*' before an immediate");
        p++;
        o->vat = p;
        if (!asm_expr(c, &p, 0, &o->v)) return false;
        p = asm_skip_blanks(p);
        if (*p) return asm_error_junk(c, p, "expression");
        o->kind = K_IMM;
        return true;
    }
    /* memory: disp(base,index,scale), (base...), or an expression */
    o->kind = K_MEM;
    const char *last = e;
    while (last > p && (last[-1] == ' ' || last[-1] == '\t')) last--;
    const char *lp = NULL;
    if (last > p && last[-1] == ')') {
        const char *m = matching_paren(p, last - 1);
        if (m) {
            const char *in = asm_skip_blanks(m + 1);
            if (*in == '%' || *in == ',') lp = m;
        }
    }
    const char *dend = lp ? lp : last;
    const char *q = p;
    if (asm_skip_blanks(q) < dend) {
        o->vat = q;
        if (!asm_expr(c, &q, 0, &o->v)) return false;
        q = asm_skip_blanks(q);
        if (q != dend) return asm_error_junk(c, q, "expression");
        o->has_disp = true;
    } else if (!lp) {
        return asm_error(c, p, "missing operand");
    }
    if (lp && !parse_group(c, lp, last - 1, o)) return false;
    return true;
}

/* ---- the state of one instruction statement -------------------------------------------- */

#define MAX_OPS 4

typedef struct stmt {
    const char *name;   /* the mnemonic, lower case */
    const char *mnat;   /* where it is written */
    opnd ops[MAX_OPS];
    int nops;
    bool code16;
    /* prefixes written before the mnemonic in the same statement */
    int p_seg;          /* -1 none */
    bool p_data;        /* data16/data32: a plain 66 byte */
    int p_asz;          /* addr16/addr32: the address size it sets, 0 none */
    int p_rep;          /* 0, 0xF2, 0xF3 */
    bool p_lock;
    const char *p_rep_name, *p_lock_at, *p_rep_at;
    bool swap;          /* the `.s` suffix: the other direction of a reg,reg form */
} stmt;

/* One way to read a mnemonic: a table row name, the operand size and
 * address size it spells (0: not spelt). */
typedef struct cand {
    const char *row;
    int osz, asz;
    bool suffix;        /* osz came from a size suffix letter */
} cand;

/* ---- an attempt to encode with one table row ----------------------------------------- */

enum { P_NONE, P_COUNT, P_ROWSIZE, P_KIND, P_SIZE, P_PREFIX, P_RANGE };

typedef struct enc {
    uint8_t b[ASM_MAX_INSN_BYTES];
    int n;
    const x86_insn *row;
    /* why the attempt failed; the most specific failure is reported */
    int prio;
    const char *at;
    const char *what; /* a value out of range: what, v, lo, hi */
    int64_t v, lo, hi;
    int want;         /* operand count */
    char msg[160];
} enc;

static bool efail(enc *e, int prio, const char *at, const char *fmt, ...) __attribute__((format(printf, 4, 5)));
static bool efail(enc *e, int prio, const char *at, const char *fmt, ...) {
    e->prio = prio;
    e->at = at;
    e->what = NULL;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(e->msg, sizeof e->msg, fmt, ap);
    va_end(ap);
    return false;
}

static bool erange(enc *e, const char *at, const char *what, int64_t v, int64_t lo, int64_t hi) {
    efail(e, P_RANGE, at, "%s", what);
    e->what = what, e->v = v, e->lo = lo, e->hi = hi;
    return false;
}

/* GNU's reading of a value on a 32-bit target: modulo 2^32, signed; with
 * an 8- or 16-bit operand 0..0xffff is also a signed word. */
static int64_t norm(int64_t v, int osz) {
    int64_t x = (int32_t)(uint32_t)(uint64_t)v;
    if (osz && osz <= 2 && x >= 0 && x <= 0xffff) x = (int16_t)(uint16_t)x;
    return x;
}

/* A value known now and for good: no label, nothing defined further on. */
static bool known(const asm_value *v) { return !v->rel && !v->undef && !v->forward; }

static bool is_imm_kind(int k) { return k == X86_O_IB || k == X86_O_IW || k == X86_O_IV || k == X86_O_IBS; }
static bool is_v_kind(int k) {
    return k == X86_O_EV || k == X86_O_GV || k == X86_O_ZV || k == X86_O_EAX || k == X86_O_IV || k == X86_O_XV ||
           k == X86_O_YV || k == X86_O_OV || k == X86_O_JV || k == X86_O_AP || k == X86_O_MP || k == X86_O_ZD;
}

/* Rows whose operation size follows the operand size (66 when it is not
 * the mode's), beyond those with a `v` operand. */
static bool size_sensitive(const x86_insn *r) {
    for (int k = 0; k < 3; k++)
        if (is_v_kind(r->opd[k])) return true;
    if (r->flags & (X86_F_STACK | X86_F_FAR)) return true;
    switch (r->op) {
    case X86_OP_CBW: case X86_OP_CWD: case X86_OP_LGDT: case X86_OP_LIDT: case X86_OP_SGDT: case X86_OP_SIDT:
        return true;
    default: return false;
    }
}

/* GNU's register sizes for the word-sized r/m of a few rows.
 * Q_STORE: a register is any size (66 for a 16-bit one), memory is a word
 * without 66 (mov %ds,x; sldt, str, smsw). Q_ANY: a 16- or 32-bit register
 * with no effect on the size (mov x,%ds; lar, lsl). */
enum { Q_NONE, Q_STORE, Q_ANY };
static int quirk(const x86_insn *r) {
    if (r->opcode == 0x8C) return Q_STORE;
    if (r->opcode == 0x100 && (r->reg == 0 || r->reg == 1)) return Q_STORE;
    if (r->opcode == 0x101 && r->reg == 4) return Q_STORE;
    if (r->opcode == 0x8E || r->opcode == 0x102 || r->opcode == 0x103) return Q_ANY;
    return Q_NONE;
}

/* Does any row of this name have a size other than bytes? (Without a
 * suffix or a register, GNU never picks a byte form where one does.) */
static bool name_has_wider(const char *name) {
    for (int i = 0; i < x86_ninsns; i++)
        if (!strcmp(x86_insns[i].name, name) && !(x86_insns[i].flags & X86_F_BYTE)) return true;
    return false;
}

static bool is_string(const x86_insn *r) { return (r->flags & X86_F_STR) != 0; }

/* May the row leave out operand kind k (and take it as implied)? */
static bool optional_slot(const x86_insn *r, int k) {
    if (is_string(r)) return k == X86_O_AL || k == X86_O_EAX; /* lodsb %fs:(%esi); ins/outs name (%dx) */
    if (r->op == X86_OP_IN || r->op == X86_OP_OUT) return k == X86_O_AL || k == X86_O_EAX;
    if (k == X86_O_ONE) return true;                                           /* shl %eax */
    if ((r->op == X86_OP_AAM || r->op == X86_OP_AAD) && k == X86_O_IB) return true; /* aam = aam $10 */
    if ((r->op == X86_OP_SHLD || r->op == X86_OP_SHRD) && k == X86_O_CL) return true;
    return false;
}

typedef struct memenc {
    uint8_t modrm_low; /* mod and rm (reg field 0) */
    bool has_sib;
    uint8_t sib;
    int dsize;         /* displacement bytes */
    int64_t disp;
} memenc;

/* The ModRM (mod, rm), SIB and displacement of memory operand o with
 * address size asz. */
static bool mem_form(asm_ctx *c, enc *e, const opnd *o, int asz, memenc *m) {
    memset(m, 0, sizeof *m);
    bool k = !o->has_disp || known(&o->v);
    int64_t d = o->has_disp ? norm(o->v.v, asz == 2 ? 2 : 4) : 0;
    bool zero = k && d == 0, small = k && d >= -128 && d <= 127;
    if (asz == 2) {
        if (o->has_disp && !asm_fits(c, d, -0xffff, 0xffff))
            return erange(e, o->vat, "displacement", o->v.v, -0xffff, 0xffff);
        int rm;
        if (o->base < 0) {
            m->modrm_low = 0x06;
            m->dsize = 2;
            m->disp = d;
            return true;
        }
        if (o->index >= 0) rm = (o->base == X86_EBP ? 2 : 0) + (o->index == X86_EDI ? 1 : 0);
        else rm = o->base == X86_ESI ? 4 : o->base == X86_EDI ? 5 : o->base == X86_EBP ? 6 : 7;
        int mod = zero && rm != 6 ? 0 : small ? 1 : 2;
        m->modrm_low = (uint8_t)(mod << 6 | rm);
        m->dsize = mod == 1 ? 1 : mod == 2 ? 2 : 0;
        m->disp = d;
        return true;
    }
    if (o->base < 0 && o->index < 0) { /* disp32 */
        m->modrm_low = 0x05;
        m->dsize = 4;
        m->disp = d;
        return true;
    }
    int scale = o->scale ? o->scale : 1;
    int ss = scale == 1 ? 0 : scale == 2 ? 1 : scale == 4 ? 2 : 3;
    if (o->base < 0) { /* index only: SIB with no base, disp32 */
        m->modrm_low = 0x04;
        m->has_sib = true;
        m->sib = (uint8_t)(ss << 6 | o->index << 3 | 5);
        m->dsize = 4;
        m->disp = d;
        return true;
    }
    int mod = zero && o->base != X86_EBP ? 0 : small ? 1 : 2;
    if (o->index >= 0 || o->base == X86_ESP) {
        m->modrm_low = (uint8_t)(mod << 6 | 4);
        m->has_sib = true;
        m->sib = (uint8_t)(ss << 6 | (o->index >= 0 ? o->index : 4) << 3 | o->base);
    } else {
        m->modrm_low = (uint8_t)(mod << 6 | o->base);
    }
    m->dsize = mod == 1 ? 1 : mod == 2 ? 4 : 0;
    m->disp = d;
    return true;
}

/* The default segment of memory operand o. */
static int default_seg(const opnd *o) {
    if (o->base == X86_EBP || (o->asz == 4 && o->base == X86_ESP)) return X86_SS;
    return X86_DS;
}

static const uint8_t seg_prefix[6] = { 0x26, 0x2E, 0x36, 0x3E, 0x64, 0x65 };

static void put_le(uint8_t *b, int *n, int64_t v, int size) {
    for (int i = 0; i < size; i++) b[(*n)++] = (uint8_t)((uint64_t)v >> (8 * i));
}

/* Reads the mnemonic's operands in the row's (Intel) order: slot[k] is the
 * operand of opd[k], NULL when the row implies it. */
static bool map_slots(const x86_insn *r, const stmt *st, const opnd **slot, enc *e) {
    int ns = 0, nopt = 0;
    for (int k = 0; k < 3 && r->opd[k]; k++) {
        ns++;
        if (optional_slot(r, r->opd[k])) nopt++;
    }
    slot[0] = slot[1] = slot[2] = NULL;
    int n = st->nops;
    bool reversed = r->op != X86_OP_BOUND && r->op != X86_OP_ENTER; /* GNU writes these two in Intel order */
    const opnd *ops[MAX_OPS];
    for (int i = 0; i < n; i++) ops[i] = &st->ops[reversed ? n - 1 - i : i];
    if (r->op == X86_OP_IMUL3 && n == 2) { /* imul $3,%eax = imul $3,%eax,%eax */
        slot[0] = ops[0], slot[1] = ops[0], slot[2] = ops[1];
        return true;
    }
    if (n == ns) {
        for (int k = 0; k < ns; k++) slot[k] = ops[k];
        return true;
    }
    if (n == 0 && is_string(r)) return true;
    if (nopt && n == ns - nopt) {
        for (int k = 0, i = 0; k < ns; k++)
            if (!optional_slot(r, r->opd[k])) slot[k] = ops[i++];
        return true;
    }
    efail(e, P_COUNT, st->mnat, "count");
    e->want = n > ns ? ns : ns - nopt;
    if (n == 0 && is_string(r)) e->want = 0;
    return false;
}

/* Try row r for the statement read as candidate cd. */
static bool try_row(asm_ctx *c, const stmt *st, const cand *cd, const x86_insn *r, enc *e) {
    memset(e, 0, sizeof *e);
    e->row = r;
    const char *nm = st->name;
    int mode = st->code16 ? 2 : 4;
    const opnd *slot[3];
    bool far_imm = r->opd[0] == X86_O_AP;
    bool xlat = r->op == X86_OP_XLAT;
    if (far_imm) {
        /* ljmp $sel,$off: two operands for one Ap */
        if (st->nops != 2) {
            efail(e, P_COUNT, st->mnat, "count");
            e->want = 2;
            return false;
        }
        for (int i = 0; i < 2; i++)
            if (st->ops[i].kind != K_IMM)
                return efail(e, P_KIND, st->ops[i].at, "operand type mismatch for '%s'", nm);
        slot[0] = slot[1] = slot[2] = NULL;
    } else if (xlat) {
        slot[0] = slot[1] = slot[2] = NULL;
        if (st->nops > 1) {
            efail(e, P_COUNT, st->mnat, "count");
            e->want = 1;
            return false;
        }
    } else if (!map_slots(r, st, slot, e)) {
        return false;
    }

    /* ---- sizes: a suffix, the registers, or the mode's default ---- */
    bool byte = (r->flags & X86_F_BYTE) != 0;
    bool sens = size_sensitive(r);
    int q = quirk(r);
    int osz = cd->osz;
    const char *size_at = st->mnat;
    for (int k = 0; k < 3; k++) {
        const opnd *o = slot[k];
        int kind = r->opd[k];
        if (!o || o->kind != K_REG || rc_size(o->rc) == 0) continue;
        int rs = rc_size(o->rc), want = 0;
        if (kind == X86_O_EV || kind == X86_O_GV || kind == X86_O_ZV || kind == X86_O_EAX || kind == X86_O_ZD) want = rs;
        else if (byte && (kind == X86_O_EB || kind == X86_O_GB || kind == X86_O_ZB || kind == X86_O_AL)) want = 1;
        else if (q == Q_STORE && kind == X86_O_EW) want = rs; /* a register r/m is sized like Ev */
        if (!want) continue;
        if (osz && osz != want)
            return efail(e, P_SIZE, o->at, "register '%.*s' does not fit the size of '%s'", reg_len(o->at), o->at, nm);
        osz = want;
    }
    if (byte) {
        if (osz && osz != 1) return efail(e, P_ROWSIZE, size_at, "operand size mismatch for '%s'", nm);
        if (!osz && name_has_wider(r->name)) return efail(e, P_ROWSIZE, size_at, "operand size mismatch for '%s'", nm);
        osz = 1;
    } else if (sens || (q == Q_STORE)) {
        if (osz == 1) return efail(e, P_ROWSIZE, size_at, "operand size mismatch for '%s'", nm);
        if (!osz) osz = mode;
    } else if (q == Q_ANY && r->opcode == 0x8E) {
        /* mov to a segment register: movl takes a 32-bit register, never memory */
        const opnd *src = slot[1];
        int rs = src && src->kind == K_REG ? rc_size(src->rc) : 2;
        if (osz && osz != rs) return efail(e, P_SIZE, size_at, "operand size mismatch for '%s'", nm);
        osz = 2;
    } else if (r->flags & X86_F_W) {
        if (osz && osz != 2) return efail(e, P_ROWSIZE, size_at, "operand size mismatch for '%s'", nm);
        osz = 2;
    } else if (cd->suffix && cd->osz) {
        /* a row without sizes takes no suffix, except movzx/movsx's destination */
        bool gv = false;
        for (int k = 0; k < 3; k++) gv |= r->opd[k] == X86_O_GV;
        if (!gv && r->opd[0] != X86_O_ZD && r->opd[0] != X86_O_RD && r->opd[1] != X86_O_RD)
            return efail(e, P_SIZE, size_at, "invalid size suffix for '%s'", nm);
        if ((r->opd[0] == X86_O_ZD || r->opd[0] == X86_O_RD || r->opd[1] == X86_O_RD) && osz != 4)
            return efail(e, P_SIZE, size_at, "operand size mismatch for '%s'", nm);
    }
    if (!sens && !byte && !osz) osz = mode;

    /* ---- operands ---- */
    int regf = r->reg >= 0 ? r->reg : 0;
    const opnd *rm = NULL;        /* the ModRM r/m operand */
    bool rm_reg = false;
    int rm_num = 0;
    int zreg = -1;
    const opnd *mem = NULL;       /* the memory operand (rm or moffs or string) */
    int asz = 0;                  /* from the registers of memory operands */
    int seg_need = -1;            /* segment prefix needed */
    const char *seg_at = NULL;
    for (int k = 0; k < 3; k++) {
        int kind = r->opd[k];
        const opnd *o = slot[k];
        if (!kind || far_imm) break;
        if (!o) continue; /* implied */
        const char *oat = o->at;
        if (o->star && r->op != X86_OP_JMP_IND && r->op != X86_OP_CALL_IND && r->op != X86_OP_JMP_FAR_IND &&
            r->op != X86_OP_CALL_FAR_IND)
            return efail(e, P_KIND, oat, "'*' is only for indirect jumps and calls");
        bool reg = o->kind == K_REG, memo = o->kind == K_MEM && !o->dx;
        bool indirect = r->op == X86_OP_JMP_IND || r->op == X86_OP_CALL_IND;
        if (indirect && memo && !o->star && !o->group && o->seg < 0)
            return efail(e, P_NONE, oat, "a direct target"); /* `call label` is relative; `lcall x` is not */
        int rs = reg ? rc_size(o->rc) : 0;
        bool ok = false;
        switch (kind) {
        case X86_O_EB: ok = (reg && o->rc == RC_R8) || memo; break;
        case X86_O_EW:
            ok = memo || (reg && (o->rc == RC_R16 || (o->rc == RC_R32 && q != Q_NONE)));
            break;
        case X86_O_EV: ok = memo || (reg && (rs == 2 || rs == 4)); break;
        case X86_O_ED: ok = memo || (reg && rs == 4); break;
        case X86_O_GB: ok = reg && rs == 1; break;
        case X86_O_GW: ok = reg && rs == 2; break;
        case X86_O_GV: ok = reg && (rs == 2 || rs == 4); break;
        case X86_O_SW: ok = reg && o->rc == RC_SEG; break;
        case X86_O_CD: ok = reg && o->rc == RC_CR; break;
        case X86_O_DD: ok = reg && o->rc == RC_DR; break;
        case X86_O_TD: ok = reg && o->rc == RC_TR; break;
        case X86_O_RD: ok = reg && rs == 4; break;
        case X86_O_M: case X86_O_MP: case X86_O_MS: case X86_O_MA: case X86_O_MQ: ok = memo; break;
        case X86_O_IB: case X86_O_IW: case X86_O_IV: ok = o->kind == K_IMM; break;
        case X86_O_IBS: {
            ok = o->kind == K_IMM;
            if (ok && !known(&o->v)) return efail(e, P_NONE, oat, "not a known constant");
            int64_t x = norm(o->v.v, osz);
            if (ok && (x < -128 || x > 127)) return efail(e, P_NONE, oat, "does not fit a byte");
            break;
        }
        case X86_O_JB: case X86_O_JV:
            ok = memo && !o->group && o->seg < 0 && !o->star;
            break;
        case X86_O_OB: case X86_O_OV: ok = memo && !o->group && !o->star; break;
        case X86_O_XB: case X86_O_XV: case X86_O_YB: case X86_O_YV: {
            bool y = kind == X86_O_YB || kind == X86_O_YV;
            ok = memo && o->group && o->index < 0 && !o->has_disp && o->base == (y ? X86_EDI : X86_ESI);
            if (memo && o->group && !ok)
                return efail(e, P_SIZE, oat, "'%s' takes %s here", nm,
                             y ? (o->asz == 2 ? "(%di)" : "(%edi)") : (o->asz == 2 ? "(%si)" : "(%esi)"));
            if (ok && y && o->seg >= 0 && o->seg != X86_ES)
                return efail(e, P_SIZE, oat, "'%s' operand %d must use the %%es segment", nm, st->nops - k);
            break;
        }
        case X86_O_ZB: ok = reg && rs == 1; break;
        case X86_O_ZV: ok = reg && (rs == 2 || rs == 4); break;
        case X86_O_ZD: ok = reg && rs == 4; break;
        case X86_O_AL: ok = reg && o->rc == RC_R8 && o->reg == 0; break;
        case X86_O_EAX: ok = reg && (rs == 2 || rs == 4) && o->reg == 0; break;
        case X86_O_CL: ok = reg && o->rc == RC_R8 && o->reg == 1; break;
        case X86_O_DX: ok = (reg && o->rc == RC_R16 && o->reg == X86_EDX) || (o->kind == K_MEM && o->dx); break;
        case X86_O_ONE: ok = o->kind == K_IMM && known(&o->v) && norm(o->v.v, osz) == 1; break;
        case X86_O_ES: case X86_O_CS: case X86_O_SS: case X86_O_DS: case X86_O_FS: case X86_O_GS:
            ok = reg && o->rc == RC_SEG && o->reg == kind - X86_O_ES;
            break;
        default: break;
        }
        if (!ok) {
            if (kind == X86_O_ONE) return efail(e, P_NONE, oat, "not $1");
            if (reg && rs && (kind == X86_O_EW || kind == X86_O_GW || kind == X86_O_RD || kind == X86_O_ZD ||
                              kind == X86_O_ED || kind == X86_O_GB || kind == X86_O_EB || kind == X86_O_ZB))
                return efail(e, P_KIND, oat, "operand size mismatch for '%s'", nm);
            return efail(e, P_KIND, oat, "operand type mismatch for '%s'", nm);
        }
        /* where the operand goes */
        switch (kind) {
        case X86_O_EB: case X86_O_EW: case X86_O_EV: case X86_O_ED: case X86_O_RD:
        case X86_O_M: case X86_O_MP: case X86_O_MS: case X86_O_MA: case X86_O_MQ:
            rm = o;
            rm_reg = reg;
            rm_num = reg ? o->reg : 0;
            if (!reg) mem = o;
            if (q == Q_STORE && !reg && cd->osz && cd->osz != 2)
                return efail(e, P_SIZE, size_at, "operand size mismatch for '%s'", nm);
            break;
        case X86_O_GB: case X86_O_GW: case X86_O_GV: case X86_O_SW: case X86_O_CD: case X86_O_DD: case X86_O_TD:
            regf = o->reg;
            break;
        case X86_O_ZB: case X86_O_ZV: case X86_O_ZD: zreg = o->reg; break;
        case X86_O_OB: case X86_O_OV: case X86_O_XB: case X86_O_XV: case X86_O_YB: case X86_O_YV: mem = o; break;
        default: break;
        }
        if (o->kind == K_MEM && !o->dx && o->group) {
            if (asz && o->asz != asz) return efail(e, P_KIND, oat, "mixed address sizes for '%s'", nm);
            asz = o->asz;
        }
        if (o->kind == K_MEM && o->seg >= 0 && kind != X86_O_YB && kind != X86_O_YV) {
            int def = (kind == X86_O_OB || kind == X86_O_OV) ? X86_DS : default_seg(o);
            if (o->seg != def || st->p_seg >= 0) seg_need = o->seg, seg_at = oat;
        }
        if (kind == X86_O_EW && reg && q == Q_STORE && rs == 4 && osz != 4) /* str %eax: sized by the register */
            return efail(e, P_SIZE, oat, "operand size mismatch for '%s'", nm);
    }
    if (xlat && st->nops == 1) {
        const opnd *o = &st->ops[0];
        if (o->kind != K_MEM || o->dx || !o->group || o->index >= 0 || o->has_disp || o->base != X86_EBX)
            return efail(e, P_KIND, o->at, "'%s' takes (%%ebx) or (%%bx)", nm);
        asz = o->asz;
        if (o->seg >= 0 && (o->seg != X86_DS || st->p_seg >= 0)) seg_need = o->seg, seg_at = o->at;
    }
    if (cd->asz) {
        if (asz && asz != cd->asz) return efail(e, P_KIND, st->mnat, "operand size mismatch for '%s'", nm);
        asz = cd->asz;
    }
    if (st->p_asz) {
        if (asz && asz != st->p_asz) return efail(e, P_KIND, mem ? mem->at : st->mnat, "'%s': the address size is not the one of the prefix", nm);
        asz = st->p_asz;
    }
    if (!asz) asz = mode;
    if (st->p_seg >= 0) {
        if (seg_need >= 0 && seg_need != st->p_seg) return efail(e, P_PREFIX, seg_at, "same type of prefix used twice");
        seg_need = st->p_seg;
    }

    /* ---- prefixes of the statement ---- */
    if (st->p_lock) {
        bool lockable = (r->flags & X86_F_LOCK) && rm && !rm_reg;
        if (!lockable) return efail(e, P_PREFIX, st->p_lock_at, "expecting lockable instruction after 'lock'");
    }
    if (st->p_rep) {
        bool ok = (r->flags & (X86_F_REP | X86_F_REPZ)) || r->op == X86_OP_RET || r->op == X86_OP_NOP;
        if (!ok) return efail(e, P_PREFIX, st->p_rep_at, "invalid instruction '%s' after '%s'", nm, st->p_rep_name);
    }
    bool need66 = (sens || q == Q_STORE) && osz != mode;
    if (q == Q_STORE && rm && !rm_reg) need66 = false; /* a word in memory */
    if (need66 && st->p_data) return efail(e, P_PREFIX, st->mnat, "same type of prefix used twice");

    /* ---- bytes ---- */
    int n = 0;
    uint8_t *b = e->b;
    if (seg_need >= 0) b[n++] = seg_prefix[seg_need];
    if (asz != mode) b[n++] = 0x67;
    if (need66 || st->p_data) b[n++] = 0x66;
    if (st->p_rep) b[n++] = (uint8_t)st->p_rep;
    if (st->p_lock) b[n++] = 0xF0;
    if (r->opcode >= 0x100) b[n++] = 0x0F;
    int opc = r->opcode & 0xFF;
    if (zreg >= 0) {
        if (r->opcode == 0x91) opc = 0x90 + zreg; /* the row is 91-97; xchg %eax,%eax is GNU's 90 */
        else opc += zreg;
    }
    b[n++] = (uint8_t)opc;
    memenc m = { 0 };
    if (r->mod != X86_MOD_NONE) {
        uint8_t modrm;
        if (rm && rm_reg) {
            modrm = (uint8_t)(0xC0 | regf << 3 | rm_num);
        } else if (rm) {
            if (!mem_form(c, e, rm, asz, &m)) return false;
            modrm = (uint8_t)(m.modrm_low | regf << 3);
        } else {
            return efail(e, P_KIND, st->mnat, "operand type mismatch for '%s'", nm);
        }
        b[n++] = modrm;
        if (m.has_sib) b[n++] = m.sib;
        put_le(b, &n, m.disp, m.dsize);
    }
    /* immediates, moffs and branch displacements, in operand order */
    int guess = osz ? osz : mode;
    if (far_imm) {
        const opnd *sel = &st->ops[0], *off = &st->ops[1];
        int64_t s = norm(sel->v.v, 0), o = norm(off->v.v, 0);
        if (!asm_fits(c, s, -0x8000, 0xffff)) return erange(e, sel->vat, "segment selector", sel->v.v, -0x8000, 0xffff);
        if (osz == 2 && !asm_fits(c, o, -0x8000, 0xffff)) return erange(e, off->vat, "16-bit offset", off->v.v, -0x8000, 0xffff);
        put_le(b, &n, o, osz);
        put_le(b, &n, s, 2);
    }
    int jk = -1;
    for (int k = 0; k < 3 && !far_imm; k++) {
        int kind = r->opd[k];
        const opnd *o = slot[k];
        if (!kind) break;
        if (kind == X86_O_JB || kind == X86_O_JV) { jk = k; continue; }
        if (kind == X86_O_OB || kind == X86_O_OV) {
            int64_t a = norm(o->v.v, asz);
            if (asz == 2 && !asm_fits(c, a, -0xffff, 0xffff)) return erange(e, o->vat, "address", o->v.v, -0xffff, 0xffff);
            put_le(b, &n, a, asz);
            continue;
        }
        if (!is_imm_kind(kind) && !((r->op == X86_OP_AAM || r->op == X86_OP_AAD) && kind == X86_O_IB)) continue;
        int64_t x;
        if (!o) {
            x = 10; /* aam, aad */
        } else {
            x = norm(o->v.v, guess);
            int64_t lo, hi;
            int size = kind == X86_O_IW ? 2 : kind == X86_O_IV ? osz : 1;
            bool op_sized = kind == X86_O_IV || kind == X86_O_IBS ||
                            (kind == X86_O_IW && guess == 2) ||
                            (kind == X86_O_IB && (r->flags & X86_F_BYTE) &&
                             (r->op == X86_OP_MOV || r->op == X86_OP_TEST || r->op == X86_OP_IN || r->op == X86_OP_OUT ||
                              (r->op >= X86_OP_ADD && r->op <= X86_OP_CMP)));
            if (size == 4) lo = INT64_MIN, hi = INT64_MAX;
            else if (op_sized) hi = ((int64_t)1 << (8 * size)) - 1, lo = -hi; /* GNU shortens beyond: an error here */
            else lo = -((int64_t)1 << (8 * size - 1)), hi = ((int64_t)1 << (8 * size)) - 1;
            if (!asm_fits(c, x, lo, hi)) return erange(e, o->vat, "immediate", o->v.v, lo, hi);
        }
        put_le(b, &n, x, kind == X86_O_IW ? 2 : kind == X86_O_IV ? osz : 1);
    }
    if (jk >= 0) {
        const opnd *o = slot[jk];
        int size = r->opd[jk] == X86_O_JB ? 1 : osz;
        int64_t end = asm_pc(c) + n + size;
        int64_t d = (int64_t)o->v.v - end;
        if (size == 4) d = (int32_t)(uint32_t)(uint64_t)d;
        if (size == 1) {
            bool relax = r->op == X86_OP_JMP || r->op == X86_OP_JCC;
            if (relax) {
                /* GNU relaxes a jump to a label; to a constant it is long */
                if (!o->v.rel) return efail(e, P_NONE, o->at, "constant target");
                if (!o->v.undef && (d < -128 || d > 127)) return efail(e, P_NONE, o->at, "too far");
            } else if (!asm_fits(c, d, -128, 127)) {
                return erange(e, o->vat, "branch displacement", d, -128, 127);
            }
        } else if (size == 2 && !asm_fits(c, d, -0xffff, 0xffff)) {
            return erange(e, o->vat, "branch displacement", d, -0xffff, 0xffff);
        }
        put_le(b, &n, d, size);
    }
    e->n = n;
    return true;
}

/* ---- mnemonics --------------------------------------------------------------------------- */

/* The table's own copy of a row name, NULL when no row has it. */
static const char *table_name(const char *name) {
    for (int i = 0; i < x86_ninsns; i++)
        if (!strcmp(x86_insns[i].name, name)) return x86_insns[i].name;
    return NULL;
}

/* GNU's other names for the condition codes (the table spells
 * x86_cond_names). */
static int cond_code(const char *s) {
    static const struct { const char *n; int cc; } alias[] = {
        { "c", 2 }, { "nae", 2 }, { "nb", 3 }, { "nc", 3 }, { "z", 4 }, { "nz", 5 }, { "na", 6 },
        { "nbe", 7 }, { "pe", 10 }, { "po", 11 }, { "nge", 12 }, { "nl", 13 }, { "ng", 14 }, { "nle", 15 },
    };
    for (int i = 0; i < 16; i++)
        if (!strcmp(s, x86_cond_names[i])) return i;
    for (size_t i = 0; i < sizeof alias / sizeof alias[0]; i++)
        if (!strcmp(s, alias[i].n)) return alias[i].cc;
    return -1;
}

static int add_cand(cand *out, int n, int max, const char *row, int osz, int asz, bool suffix) {
    const char *t = table_name(row);
    if (n < max && t) out[n++] = (cand){ t, osz, asz, suffix };
    return n;
}

static int suffix_size(char ch) { return ch == 'b' ? 1 : ch == 'w' ? 2 : ch == 'l' ? 4 : 0; }

/* The readings of mnemonic mn (lower case). */
static int find_cands(const char *mn, cand *out, int max) {
    int n = 0;
    size_t len = strlen(mn);
    char buf[40];
    /* condition codes: jcc, setcc */
    if (mn[0] == 'j' && cond_code(mn + 1) >= 0) {
        snprintf(buf, sizeof buf, "j%s", x86_cond_names[cond_code(mn + 1)]);
        for (int i = 0; i < x86_ninsns; i++)
            if (!strcmp(x86_insns[i].name, buf)) return add_cand(out, n, max, x86_insns[i].name, 0, 0, false);
    }
    if (!strncmp(mn, "set", 3) && cond_code(mn + 3) >= 0) {
        snprintf(buf, sizeof buf, "set%s", x86_cond_names[cond_code(mn + 3)]);
        for (int i = 0; i < x86_ninsns; i++)
            if (!strcmp(x86_insns[i].name, buf)) return add_cand(out, n, max, x86_insns[i].name, 0, 0, false);
    }
    /* fixed aliases */
    static const struct { const char *mn, *row; int osz, asz; } fixed[] = {
        { "cbtw", "cbw", 2, 0 }, { "cwtl", "cbw", 4, 0 }, { "cbw", "cbw", 2, 0 }, { "cwde", "cbw", 4, 0 },
        { "cwtd", "cwd", 2, 0 }, { "cltd", "cwd", 4, 0 }, { "cwd", "cwd", 2, 0 }, { "cdq", "cwd", 4, 0 },
        { "jcxz", "jecxz", 0, 2 }, { "jecxz", "jecxz", 0, 4 },
        { "wait", "fwait", 0, 0 }, { "ud2a", "ud2", 0, 0 }, { "xlatb", "xlat", 0, 0 },
        { "loopz", "loope", 0, 0 }, { "loopnz", "loopne", 0, 0 },
        { "loopzw", "loope", 0, 2 }, { "loopnzw", "loopne", 0, 2 }, { "loopzl", "loope", 0, 4 }, { "loopnzl", "loopne", 0, 4 },
        { "loopw", "loop", 0, 2 }, { "loopew", "loope", 0, 2 }, { "loopnew", "loopne", 0, 2 },
        { "loopl", "loop", 0, 4 }, { "loopel", "loope", 0, 4 }, { "loopnel", "loopne", 0, 4 },
        /* F1: GNU as spells int1 (and refuses icebp), whatever the row's name */
        { "int1", "int1", 0, 0 }, { "int1", "icebp", 0, 0 },
        /* movzx/movsx: the source register's size picks the row */
        { "movzx", "movzb", 0, 0 }, { "movzx", "movzw", 0, 0 }, { "movsx", "movsb", 0, 0 }, { "movsx", "movsw", 0, 0 },
        /* ... or their suffix: the source's size */
        { "movzxb", "movzb", 0, 0 }, { "movzxw", "movzw", 0, 0 }, { "movsxb", "movsb", 0, 0 }, { "movsxw", "movsw", 0, 0 },
    };
    for (size_t i = 0; i < sizeof fixed / sizeof fixed[0]; i++)
        if (!strcmp(mn, fixed[i].mn)) n = add_cand(out, n, max, fixed[i].row, fixed[i].osz, fixed[i].asz, false);
    if (n) return n;
    /* sal is shl (/4) in GNU's encoding */
    if (!strncmp(mn, "sal", 3) && (len == 3 || (len == 4 && suffix_size(mn[3])))) {
        int s = len == 4 ? suffix_size(mn[3]) : 0;
        n = add_cand(out, n, max, "shl", s, 0, s != 0);
        n = add_cand(out, n, max, "sal", s, 0, s != 0);
        return n;
    }
    if (strcmp(mn, "icebp")) n = add_cand(out, n, max, mn, 0, 0, false); /* a row name GNU does not take */
    if (len > 1 && suffix_size(mn[len - 1]) && len < sizeof buf) {
        memcpy(buf, mn, len - 1);
        buf[len - 1] = 0;
        if (strcmp(buf, "movzx") && strcmp(buf, "movsx")) n = add_cand(out, n, max, buf, suffix_size(mn[len - 1]), 0, true);
    }
    /* `jmp $sel,$off` and `call $sel,$off` are the far forms */
    if (!strcmp(mn, "jmp")) n = add_cand(out, n, max, "ljmp", 0, 0, false);
    if (!strcmp(mn, "call")) n = add_cand(out, n, max, "lcall", 0, 0, false);
    return n;
}

/* The x87 mnemonics (GNU's spellings, size suffixes aside). */
static bool is_x87(const char *mn) {
    static const char *const x87[] = {
        "f2xm1", "fabs", "fadd", "faddp", "fbld", "fbstp", "fchs", "fclex", "fcmovb", "fcmovbe", "fcmove",
        "fcmovnb", "fcmovnbe", "fcmovne", "fcmovnu", "fcmovu", "fcom", "fcomi", "fcomip", "fcomp", "fcompp",
        "fcos", "fdecstp", "fdisi", "fdiv", "fdivp", "fdivr", "fdivrp", "feni", "ffree", "ffreep", "fiadd",
        "ficom", "ficomp", "fidiv", "fidivr", "fild", "fimul", "fincstp", "finit", "fist", "fistp", "fisttp",
        "fisub", "fisubr", "fld", "fld1", "fldcw", "fldenv", "fldl2e", "fldl2t", "fldlg2", "fldln2", "fldpi",
        "fldz", "fmul", "fmulp", "fnclex", "fndisi", "fneni", "fninit", "fnop", "fnsave", "fnstcw", "fnstenv",
        "fnstsw", "fpatan", "fprem", "fprem1", "fptan", "frndint", "frstor", "fsave", "fscale", "fsetpm", "fsin",
        "fsincos", "fsqrt", "fst", "fstcw", "fstenv", "fstp", "fstsw", "fsub", "fsubp", "fsubr", "fsubrp", "ftst",
        "fucom", "fucomi", "fucomip", "fucomp", "fucompp", "fxam", "fxch", "fxtract", "fyl2x", "fyl2xp1",
        "fnstdw", "fnstsg", "frstpm", "fxsave", "fxrstor",
    };
    if (mn[0] != 'f') return false;
    for (size_t i = 0; i < sizeof x87 / sizeof x87[0]; i++) {
        size_t l = strlen(x87[i]);
        if (strncmp(mn, x87[i], l)) continue;
        const char *s = mn + l;
        if (!*s || !strcmp(s, "s") || !strcmp(s, "l") || !strcmp(s, "t") || !strcmp(s, "q") || !strcmp(s, "ll") ||
            !strcmp(s, "w"))
            return true;
    }
    return false;
}

/* Prefixes written as mnemonics. */
typedef struct pfx {
    const char *name;
    uint8_t byte;
    int kind; /* 0 seg, 1 data, 2 addr, 3 rep, 4 lock */
    int arg;  /* seg number; the data/addr size it names */
} pfx;

static const pfx prefixes[] = {
    { "lock", 0xF0, 4, 0 }, { "rep", 0xF3, 3, 0 }, { "repe", 0xF3, 3, 0 }, { "repz", 0xF3, 3, 0 },
    { "repne", 0xF2, 3, 0 }, { "repnz", 0xF2, 3, 0 }, { "data16", 0x66, 1, 2 }, { "data32", 0x66, 1, 4 },
    { "addr16", 0x67, 2, 2 }, { "addr32", 0x67, 2, 4 }, { "es", 0x26, 0, X86_ES }, { "cs", 0x2E, 0, X86_CS },
    { "ss", 0x36, 0, X86_SS }, { "ds", 0x3E, 0, X86_DS }, { "fs", 0x64, 0, X86_FS }, { "gs", 0x65, 0, X86_GS },
};

static const pfx *find_prefix(const char *s, size_t n) {
    for (size_t i = 0; i < sizeof prefixes / sizeof prefixes[0]; i++)
        if (strlen(prefixes[i].name) == n && !strncasecmp(prefixes[i].name, s, n)) return &prefixes[i];
    return NULL;
}

/* ---- the framework's callback ---------------------------------------------------------------- */

static const char *model_name(int variant) { return variant == X86_PENTIUM ? "Pentium" : "i386"; }

/* Report the failure of the best attempt. */
static int report(asm_ctx *c, const enc *e, const stmt *st) {
    if (e->what) return asm_error_range(c, e->at, e->what, e->v, e->lo, e->hi), -1;
    if (e->prio == P_COUNT) return asm_error_operand_count(c, e->at, st->name, e->want, st->nops), -1;
    return asm_error(c, e->at, "%s", e->msg), -1;
}

static bool has_ibs(const x86_insn *r) {
    return r->opd[0] == X86_O_IBS || r->opd[1] == X86_O_IBS || r->opd[2] == X86_O_IBS;
}

/* Does e encode a register-to-register form with the destination in the
 * ModRM reg field (02, 03, 8B... rather than 00, 01, 89)? */
static bool reg_dest(const enc *e) {
    int k = e->row->opd[0];
    return (k == X86_O_GB || k == X86_O_GW || k == X86_O_GV) && e->row->mod != X86_MOD_NONE;
}

/* Is a better than b (both encode the statement)? Shorter; on a tie the
 * imm8 form (GNU reads a small constant as an imm8 first: 83 beats 05),
 * and with `.s` the reg-destination form. Otherwise the first found. */
static bool better(const stmt *st, const enc *a, const enc *b) {
    if (a->n != b->n) return a->n < b->n;
    if (has_ibs(a->row) != has_ibs(b->row)) return has_ibs(a->row);
    if (st->swap && reg_dest(a) != reg_dest(b)) return reg_dest(a);
    return false;
}

/* Try every row of every reading on the model; the shortest encoding wins,
 * the first on a tie. */
static bool search(asm_ctx *c, int variant, const stmt *st, const cand *cands, int nc, enc *best, enc *fail,
                   bool *other_model) {
    unsigned bit = variant == X86_PENTIUM ? X86_ON_586 : X86_ON_386;
    bool found = false;
    enc e;
    for (int k = 0; k < nc; k++) {
        for (int i = 0; i < x86_ninsns; i++) {
            const x86_insn *r = &x86_insns[i];
            if (strcmp(r->name, cands[k].row)) continue;
            if (!(r->models & bit)) {
                if (other_model) *other_model = true;
                continue;
            }
            /* xchg and test are commutative: GNU takes either order (the
             * other one first with `.s`) */
            bool comm = st->nops == 2 && (r->op == X86_OP_XCHG || r->op == X86_OP_TEST) &&
                        st->ops[0].kind != K_IMM && st->ops[1].kind != K_IMM;
            stmt sw;
            if (comm) {
                sw = *st;
                sw.ops[0] = st->ops[1];
                sw.ops[1] = st->ops[0];
            }
            bool ok;
            if (comm && st->swap) {
                ok = try_row(c, &sw, &cands[k], r, &e);
                enc e2;
                if (!ok && try_row(c, st, &cands[k], r, &e2)) e = e2, ok = true;
            } else {
                ok = try_row(c, st, &cands[k], r, &e);
                enc e2;
                if (!ok && comm && try_row(c, &sw, &cands[k], r, &e2)) e = e2, ok = true;
            }
            if (ok) {
                if (!found || better(st, &e, best)) *best = e;
                found = true;
            } else if (fail && e.prio > fail->prio) {
                *fail = e;
            }
        }
    }
    return found;
}

static int encode_stmt(asm_ctx *c, stmt *st, uint8_t *out) {
    x86_asm *xa = asm_isa_data(c);
    const char *mn = st->name;
    char base[32];
    size_t ml = strlen(mn);
    if (ml > 2 && ml < sizeof base && !strcmp(mn + ml - 2, ".s")) { /* add.s %eax,%ebx: 03 d8 */
        memcpy(base, mn, ml - 2);
        base[ml - 2] = 0;
        mn = st->name = base;
        st->swap = true;
    }
    if (is_x87(mn)) return asm_error(c, st->mnat, "'%s' is an x87 instruction: the FPU is not modelled", mn), -1;
    cand cands[16];
    int nc = find_cands(mn, cands, 16);
    /* int $3 is int3 */
    if (!strcmp(mn, "int") && st->nops == 1 && st->ops[0].kind == K_IMM && known(&st->ops[0].v) &&
        norm(st->ops[0].v.v, 0) == 3 && nc < 16) {
        stmt s3 = *st;
        s3.nops = 0;
        cand c3 = { "int3", 0, 0, false };
        enc b3;
        if (search(c, xa->variant, &s3, &c3, 1, &b3, NULL, NULL)) {
            memcpy(out, b3.b, (size_t)b3.n);
            return b3.n;
        }
    }
    if (!nc) return asm_error_unknown_insn(c, &(asm_insn){ .at = st->mnat, .len = strlen(st->name) }), -1;
    enc best, fail;
    memset(&fail, 0, sizeof fail);
    bool other = false;
    if (!search(c, xa->variant, st, cands, nc, &best, &fail, &other)) {
        if (other) {
            /* would the other model take it? say so */
            int ov = xa->variant == X86_PENTIUM ? X86_I386 : X86_PENTIUM;
            enc b2;
            if (search(c, ov, st, cands, nc, &b2, NULL, NULL))
                return asm_error(c, st->mnat, "'%s' is not an instruction of the %s%s", mn, model_name(xa->variant),
                                 ov == X86_PENTIUM ? " (Pentium and later)" : " (i386 only)"),
                       -1;
        }
        if (!fail.prio) return asm_error(c, st->mnat, "operand type mismatch for '%s'", mn), -1;
        return report(c, &fail, st);
    }
    /* the decoder must read the same row back (a plain data16 changes what
     * follows it, as GNU's does) */
    x86_decoded d;
    if (!st->p_data && (x86_decode(xa->variant, best.b, (size_t)best.n, !st->code16, &d) != 0 || d.len != best.n ||
                        (d.in != best.row && !(best.row->opcode == 0x91 && d.in && d.in->op == X86_OP_NOP))))
        return asm_error(c, st->mnat, "internal: the encoding of '%s' does not decode as its table row", mn), -1;
    memcpy(out, best.b, (size_t)best.n);
    return best.n;
}

static int encode(asm_ctx *c, const asm_insn *in, uint8_t *out) {
    x86_asm *xa = asm_isa_data(c);
    if (!strcmp(in->name, "$code16") || !strcmp(in->name, "$code32")) { /* .code16/.code32 (see the top) */
        if (in->nops) return asm_error_junk(c, in->ops[0].s, "directive"), -1;
        xa->code16 = in->name[5] == '1';
        return 0;
    }
    stmt st;
    memset(&st, 0, sizeof st);
    st.code16 = xa->code16;
    st.p_seg = -1;
    st.name = in->name;
    st.mnat = in->at;
    const pfx *p = find_prefix(in->name, strlen(in->name));
    if (p && in->nops == 0) { /* a prefix on its own: its byte */
        out[0] = p->byte;
        return 1;
    }
    /* Prefixes in front of the mnemonic (`rep movsb`, `lock incl (%eax)`):
     * the framework took the words after the first one for the start of the
     * first operand; read them off it. */
    char name[32];
    const char *text = NULL; /* what is left of the first operand */
    const char *at = in->at;
    while (p) {
        bool dup = false;
        switch (p->kind) {
        case 0: dup = st.p_seg >= 0; st.p_seg = p->arg; break;
        case 1:
            if (p->arg == (xa->code16 ? 2 : 4)) return asm_error(c, at, "redundant %s prefix", p->name), -1;
            dup = st.p_data;
            st.p_data = true;
            break;
        case 2:
            if (p->arg == (xa->code16 ? 2 : 4)) return asm_error(c, at, "redundant %s prefix", p->name), -1;
            dup = st.p_asz != 0;
            st.p_asz = p->arg;
            break;
        case 3: dup = st.p_rep != 0; st.p_rep = p->byte; st.p_rep_name = p->name; st.p_rep_at = at; break;
        default: dup = st.p_lock; st.p_lock = true; st.p_lock_at = at; break;
        }
        if (dup) return asm_error(c, at, "same type of prefix used twice"), -1;
        const char *s = text ? text : in->ops[0].s, *e = in->ops[0].e;
        const char *q = s;
        while (q < e && asm_symbol_char((unsigned char)*q)) q++;
        if (q == s) return asm_error(c, s, "instruction expected after '%s'", p->name), -1;
        if ((size_t)(q - s) >= sizeof name) return asm_error(c, s, "unknown instruction '%.*s'", (int)(q - s), s), -1;
        for (const char *k = s; k < q; k++) name[k - s] = (char)tolower((unsigned char)*k);
        name[q - s] = 0;
        if (q < e && *q != ' ' && *q != '\t') return asm_error(c, q, "unexpected '%c' after '%s'", *q, name), -1;
        at = s;
        text = asm_skip_blanks(q);
        st.name = name;
        st.mnat = s;
        p = find_prefix(name, strlen(name));
        if (p && text >= e) return asm_error(c, at, "instruction expected after '%s'", p->name), -1;
    }
    int first = 0;
    if (text) {
        if (text < in->ops[0].e) {
            asm_operand op = { text, in->ops[0].e };
            if (!parse_operand(c, &op, &st.ops[st.nops++])) return -1;
        } else if (in->nops > 1) {
            return asm_error(c, in->ops[1].s, "missing operand"), -1;
        }
        first = 1;
    }
    for (int i = first; i < in->nops; i++) {
        if (st.nops == MAX_OPS) return asm_error(c, in->ops[i].s, "too many operands"), -1;
        if (!parse_operand(c, &in->ops[i], &st.ops[st.nops++])) return -1;
    }
    return encode_stmt(c, &st, out);
}

/* ---- the framework's view of the x86 ---------------------------------------------------------- */

static const uint8_t x86_nop[] = { 0x90 };

static const asm_isa x86_isa = {
    .comment_chars = "#",
    .separator_chars = ";",
    .c_comments = true,
    .little_endian = true,
    .insn_align = 1,
    .code_fill = x86_nop,
    .code_fill_len = sizeof x86_nop,
    .encode = encode,
};

/* A copy of src in which `.code16`/`.code32` as a statement reads
 * `$code16`/`$code32`, behind a first statement `$code32;`. */
#define RESET "$code32;"
static char *rewrite(const char *src, size_t len) {
    size_t rl = strlen(RESET);
    char *s = malloc(rl + len + 1);
    if (!s) return NULL;
    memcpy(s, RESET, rl);
    memcpy(s + rl, src, len);
    s[rl + len] = 0;
    char *p = s + rl;
    bool start = true; /* at the start of a statement */
    while (*p) {
        if (*p == '\n' || *p == ';') { start = true; p++; continue; }
        if (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\f' || *p == '\v') { p++; continue; }
        if (*p == '#' || (p[0] == '/' && p[1] == '/')) { /* comment to the end of the line */
            while (*p && *p != '\n') p++;
            continue;
        }
        if (p[0] == '/' && p[1] == '*') {
            char *e = strstr(p + 2, "*/");
            if (!e) break;
            p = e + 2;
            continue;
        }
        if (*p == '"' || *p == '\'') {
            char qc = *p++;
            while (*p && *p != '\n' && *p != qc) p += (*p == '\\' && p[1]) ? 2 : 1;
            if (*p == qc) p++;
            start = false;
            continue;
        }
        if (start) {
            /* a label ends with ':' and another statement may follow */
            char *q = p;
            while (asm_symbol_char((unsigned char)*q)) q++;
            char *r = q;
            while (*r == ' ' || *r == '\t') r++;
            if (q > p && *r == ':') { p = r + 1; continue; }
            if (q - p == 7 && p[0] == '.' && (!strncasecmp(p + 1, "code16", 6) || !strncasecmp(p + 1, "code32", 6)))
                *p = '$';
            start = false;
            p = q > p ? q : p + 1;
            continue;
        }
        p++;
    }
    return s;
}

int x86_assemble(int variant, const char *src, uint32_t org, uint8_t **out, size_t *len, char *err, size_t errsz) {
    if (out) *out = NULL;
    if (len) *len = 0;
    if (!src || !out || !len) return asm_assemble(&x86_isa, NULL, NULL, 0, org, out, len, err, errsz);
    x86_asm xa = { variant == X86_PENTIUM ? X86_PENTIUM : X86_I386, false };
    size_t n = strlen(src);
    char *s = rewrite(src, n);
    if (!s) {
        if (err && errsz) snprintf(err, errsz, "1:1: out of memory");
        return -1;
    }
    int rc = asm_assemble(&x86_isa, &xa, s, strlen(s), org, out, len, err, errsz);
    free(s);
    /* columns of line 1 are after the added first statement */
    int col;
    char *rest;
    if (rc && err && !strncmp(err, "1:", 2) && (col = (int)strtol(err + 2, &rest, 10)) > (int)strlen(RESET) &&
        *rest == ':') {
        char tail[512];
        snprintf(tail, sizeof tail, "%s", rest);
        snprintf(err, errsz, "1:%d%s", col - (int)strlen(RESET), tail);
    }
    return rc;
}
