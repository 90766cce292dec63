/* disasm.c - the x86 subset's disassembler: GNU AT&T syntax, spelled the
 * way objdump -d -m i386 (32-bit code) and -m i8086 (16-bit code) of
 * binutils 2.40 print the instruction text.
 *
 * Everything about an instruction's encoding comes from the decode table and
 * the decoder of decode.c (x86_decode): which row, which operands, the
 * prefixes, ModRM/SIB, displacement and immediates. What is here is spelling:
 * register names, AT&T operand order, size suffixes, and objdump's habits
 * (prefixes it could not attach to an operand printed as words, "(bad)" and
 * the length objdump gives it, branch hints, the x87 mnemonics of D8-DF).
 * tests/binutils_x86.sh compares every form against objdump;
 * tests/x86_known_differences.txt lists where vlab deliberately differs
 * (chiefly: instructions of later processors, which vlab's models reject). */
#include "isa/x86-subset/x86.h"
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/* ---- output buffer ----------------------------------------------------------- */
typedef struct obuf {
    char *p;
    size_t n, pos;
} obuf;

static void put(obuf *b, const char *fmt, ...) {
    if (!b->n) return;
    va_list ap;
    va_start(ap, fmt);
    size_t room = b->pos < b->n ? b->n - b->pos : 0;
    int k = vsnprintf(b->p + (room ? b->pos : b->n - 1), room ? room : 1, fmt, ap);
    va_end(ap);
    if (k > 0) b->pos += (size_t)k;
    if (b->pos >= b->n) b->p[b->n - 1] = 0;
}

/* ---- names ----------------------------------------------------------------- */
static const char *const r8[8] = { "al", "cl", "dl", "bl", "ah", "ch", "dh", "bh" };
static const char *const r16[8] = { "ax", "cx", "dx", "bx", "sp", "bp", "si", "di" };
static const char *const r32[8] = { "eax", "ecx", "edx", "ebx", "esp", "ebp", "esi", "edi" };
/* objdump names the two undefined segment register numbers "?" */
static const char *const sregs[8] = { "es", "cs", "ss", "ds", "fs", "gs", "?", "?" };
static const char *const segpfx[6] = { "es", "cs", "ss", "ds", "fs", "gs" };

/* The state of one disassembly: which prefixes the operands have used
 * (objdump prints an unused prefix as a word before the mnemonic). */
typedef struct ctx {
    const x86_decoded *d;
    const uint8_t *bytes;
    bool big;           /* 32-bit code segment */
    uint32_t addr;
    bool used66, used67, usedseg;
    bool notrack;       /* a DS override on an indirect near CALL/JMP: CET's NOTRACK to objdump */
} ctx;

static int osz(ctx *c) {
    c->used66 = true;
    return c->d->opsize;
}

static int asz(ctx *c) {
    c->used67 = true;
    return c->d->adsize;
}

static const char *reg_name(int size, int r) { return size == 1 ? r8[r & 7] : size == 2 ? r16[r & 7] : r32[r & 7]; }

/* A signed displacement as objdump prints it: -0x80, 0x7f. */
static void put_sdisp(obuf *b, int32_t v) {
    if (v < 0) put(b, "-0x%x", (uint32_t)0 - (uint32_t)v);
    else put(b, "0x%x", (uint32_t)v);
}

/* The segment override of a memory operand, "%es:" (the default segment is
 * not printed, except for the string operands which always show it). */
static void put_seg(ctx *c, obuf *b, int def) {
    if (c->notrack) return;
    int s = c->d->seg >= 0 ? c->d->seg : def;
    if (c->d->seg >= 0) c->usedseg = true;
    if (s >= 0) put(b, "%%%s:", segpfx[s]);
}

/* The ModRM memory operand. */
static void put_mem(ctx *c, obuf *b) {
    const x86_decoded *d = c->d;
    put_seg(c, b, -1);
    /* objdump shows a 67 prefix that only changed how a bare displacement
     * was read in 32-bit addressing (it cannot be seen from the operand) */
    bool bare = d->base < 0 && d->index < 0 && !d->has_sib;
    if (d->adsize == 2) {
        asz(c);
        if (d->base < 0) {
            put_sdisp(b, (int16_t)d->disp);
            return;
        }
        if (d->mod) put_sdisp(b, (int16_t)d->disp);
        if (d->index >= 0) put(b, "(%%%s,%%%s)", r16[d->base], r16[d->index]);
        else put(b, "(%%%s)", r16[d->base]);
        return;
    }
    if (!bare) asz(c);
    if (bare) {
        put(b, "0x%x", d->disp);
        return;
    }
    if (d->base < 0 || d->mod) put_sdisp(b, (int32_t)d->disp);
    put(b, "(");
    if (d->base >= 0) put(b, "%%%s", r32[d->base]);
    if (d->has_sib) {
        /* index 4 is "no index": objdump spells it %eiz unless the SIB byte
         * only made an ESP base possible */
        if (d->index >= 0) put(b, ",%%%s,%d", r32[d->index], 1 << d->scale);
        else if (!(d->base == X86_ESP && d->scale == 0)) put(b, ",%%eiz,%d", 1 << d->scale);
    }
    put(b, ")");
}

/* The string operands: DS:eSI (overridable) and ES:eDI, always with their
 * segment. */
static void put_str(ctx *c, obuf *b, bool dst) {
    int a = asz(c);
    if (dst) put(b, "%%es:");
    else put_seg(c, b, X86_DS);
    put(b, "(%%%s)", a == 2 ? (dst ? "di" : "si") : (dst ? "edi" : "esi"));
}

/* Does operand kind k name a register whose size decides the instruction's
 * (no size suffix then)? */
static bool is_sized_reg(const x86_decoded *d, int k) {
    switch (k) {
    case X86_O_EB: case X86_O_EW: case X86_O_ED: case X86_O_EV: return d->mod == 3;
    case X86_O_GB: case X86_O_GW: case X86_O_GV: case X86_O_SW: case X86_O_CD: case X86_O_DD: case X86_O_TD:
    case X86_O_RD: case X86_O_ZB: case X86_O_ZV: case X86_O_ZD: case X86_O_AL: case X86_O_AX: case X86_O_EAX:
        return true;
    default: return false;
    }
}

/* Operations whose word-sized r/m objdump prints at the operand size when it
 * is a register (sldt %eax, mov %eax,%ds, lar %eax,%eax). */
static bool ew_as_ev(int op) {
    return op == X86_OP_SLDT || op == X86_OP_STR || op == X86_OP_SMSW || op == X86_OP_MOV_SEG ||
           op == X86_OP_LAR || op == X86_OP_LSL;
}

/* A relative branch target: objdump keeps 16 bits of a 16-bit near
 * displacement's target and does not wrap an 8-bit one. */
static uint32_t branch_target(ctx *c, int k) {
    const x86_decoded *d = c->d;
    uint32_t next = c->addr + d->len, t = next + d->imm;
    /* a 16-bit near displacement wraps within the 64K of its code (objdump:
     * the 64K the next instruction is in, except after a 66 prefix) */
    if (k == X86_O_JV && osz(c) == 2) t = (t & 0xFFFF) | (c->big ? 0 : next & ~0xFFFFu);
    return t;
}

static void put_operand(ctx *c, obuf *b, int k) {
    const x86_decoded *d = c->d;
    const x86_insn *in = d->in;
    switch (k) {
    case X86_O_EB: case X86_O_EW: case X86_O_ED: case X86_O_EV: case X86_O_M: case X86_O_MP: case X86_O_MS:
    case X86_O_MA: case X86_O_MQ:
        if (d->mod == 3) {
            int sz = k == X86_O_EB ? 1 : k == X86_O_ED ? 4 : k == X86_O_EV ? osz(c) : 2;
            if (k == X86_O_EW && ew_as_ev(in->op)) sz = osz(c);
            put(b, "%%%s", reg_name(sz, d->rm));
        } else {
            put_mem(c, b);
        }
        break;
    case X86_O_GB: put(b, "%%%s", r8[d->regf]); break;
    case X86_O_GW: put(b, "%%%s", r16[d->regf]); break;
    case X86_O_GV: put(b, "%%%s", reg_name(osz(c), d->regf)); break;
    case X86_O_SW: put(b, "%%%s", sregs[d->regf]); break;
    case X86_O_CD: put(b, "%%cr%d", d->regf); break;
    case X86_O_DD: put(b, "%%db%d", d->regf); break;
    case X86_O_TD: put(b, "%%tr%d", d->regf); break;
    case X86_O_RD: put(b, "%%%s", r32[d->rm]); break;
    case X86_O_IB: put(b, "$0x%x", (in->op == X86_OP_ENTER ? d->imm2 : d->imm) & 0xFF); break;
    case X86_O_IW: put(b, "$0x%x", d->imm & 0xFFFF); break;
    case X86_O_IV: case X86_O_IBS: put(b, "$0x%x", osz(c) == 2 ? d->imm & 0xFFFF : d->imm); break;
    case X86_O_JB: case X86_O_JV: put(b, "0x%x", branch_target(c, k)); break;
    case X86_O_AP: put(b, "$0x%x,$0x%x", d->imm2 & 0xFFFF, osz(c) == 2 ? d->imm & 0xFFFF : d->imm); break;
    case X86_O_OB: case X86_O_OV:
        /* a moffs never shows which address size read it: objdump prints the 67 */
        put_seg(c, b, -1);
        put(b, "0x%x", d->disp);
        break;
    case X86_O_XB: case X86_O_XV: put_str(c, b, false); break;
    case X86_O_YB: case X86_O_YV: put_str(c, b, true); break;
    case X86_O_ZB: put(b, "%%%s", r8[d->opcode & 7]); break;
    case X86_O_ZV: put(b, "%%%s", reg_name(osz(c), d->opcode & 7)); break;
    case X86_O_ZD: /* BSWAP: objdump names the 16-bit register after 66 (undefined on hardware) */
        put(b, "%%%s", reg_name(osz(c), d->opcode & 7));
        break;
    case X86_O_AL: put(b, "%%al"); break;
    case X86_O_AX: put(b, "%%ax"); break;
    case X86_O_EAX: put(b, "%%%s", reg_name(osz(c), 0)); break;
    case X86_O_CL: put(b, "%%cl"); break;
    case X86_O_DX: put(b, "(%%dx)"); break;
    case X86_O_ES: case X86_O_CS: case X86_O_SS: case X86_O_DS: case X86_O_FS: case X86_O_GS:
        put(b, "%%%s", segpfx[k - X86_O_ES]);
        break;
    default: break;
    }
}

/* ---- mnemonics and size suffixes ---------------------------------------------- */

/* Suffix rules, by operation. objdump adds b/w/l when no register operand
 * gives the size (SIZED), only when the operand size is not the code's
 * default (STACKISH: pushes, branches, returns), always (ALWAYS), or never. */
enum { SUF_SIZED, SUF_STACKISH, SUF_ALWAYS, SUF_NEVER };

static int suffix_rule(const x86_insn *in) {
    switch (in->op) {
    case X86_OP_PUSH: case X86_OP_POP: case X86_OP_PUSH_SEG: case X86_OP_POP_SEG: case X86_OP_PUSHA:
    case X86_OP_POPA: case X86_OP_PUSHF: case X86_OP_POPF: case X86_OP_CALL: case X86_OP_JMP:
    case X86_OP_CALL_IND: case X86_OP_JMP_IND: case X86_OP_CALL_FAR: case X86_OP_JMP_FAR:
    case X86_OP_CALL_FAR_IND: case X86_OP_JMP_FAR_IND: case X86_OP_RET: case X86_OP_RETF: case X86_OP_IRET:
    case X86_OP_ENTER: case X86_OP_LEAVE:
        return SUF_STACKISH;
    case X86_OP_MOVS: case X86_OP_CMPS: case X86_OP_INS: case X86_OP_OUTS: case X86_OP_SGDT: case X86_OP_SIDT:
    case X86_OP_LGDT: case X86_OP_LIDT: case X86_OP_MOVSX: case X86_OP_MOVZX:
        return SUF_ALWAYS;
    case X86_OP_JCC: case X86_OP_SETCC: case X86_OP_SLDT: case X86_OP_STR: case X86_OP_LLDT: case X86_OP_LTR:
    case X86_OP_VERR: case X86_OP_VERW: case X86_OP_SMSW: case X86_OP_LMSW: case X86_OP_INVLPG:
    case X86_OP_CMPXCHG8B: case X86_OP_BOUND: case X86_OP_LEA: case X86_OP_LSEG: case X86_OP_STOS:
    case X86_OP_LODS: case X86_OP_SCAS:
        return SUF_NEVER;
    default: return SUF_SIZED;
    }
}

static char size_letter(int bytes) { return bytes == 1 ? 'b' : bytes == 2 ? 'w' : 'l'; }

/* The mnemonic with its suffix, into mn. */
static void mnemonic(ctx *c, obuf *mn) {
    const x86_decoded *d = c->d;
    const x86_insn *in = d->in;
    int def = c->big ? 4 : 2;
    switch (in->op) {
    case X86_OP_CBW: put(mn, "%s", osz(c) == 2 ? "cbtw" : "cwtl"); return;
    case X86_OP_CWD: put(mn, "%s", osz(c) == 2 ? "cwtd" : "cltd"); return;
    case X86_OP_JCXZ: put(mn, "%s", asz(c) == 2 ? "jcxz" : "jecxz"); return;
    case X86_OP_LOOP: case X86_OP_LOOPE: case X86_OP_LOOPNE:
        put(mn, "%s", in->name);
        if (asz(c) != def) put(mn, "%c", size_letter(d->adsize));
        return;
    case X86_OP_NOP:
        /* 66 90 is xchg %ax,%ax to objdump; F3 90 is pause */
        if (d->rep == 0xF3) put(mn, "pause");
        else if (d->opsize != def) {
            c->used66 = true;
            put(mn, "xchg");
        } else put(mn, "nop");
        return;
    case X86_OP_MOVSX: case X86_OP_MOVZX: put(mn, "%s%c", in->name, size_letter(osz(c))); return;
    default: break;
    }
    put(mn, "%s", in->name);
    int rule = suffix_rule(in);
    if (rule == SUF_NEVER) return;
    /* reg: an operand names a register of the instruction's size; sized:
     * an operand whose size a suffix would tell */
    bool reg = false, sized = false;
    for (int k = 0; k < 3; k++) {
        int o = in->opd[k];
        if (is_sized_reg(d, o)) reg = true;
        if (o == X86_O_EB || o == X86_O_EW || o == X86_O_ED || o == X86_O_EV || o == X86_O_MP || o == X86_O_MS ||
            o == X86_O_IV || o == X86_O_IBS || o == X86_O_JV || o == X86_O_AP || o == X86_O_XB || o == X86_O_XV ||
            o == X86_O_YB || o == X86_O_YV || (o >= X86_O_ES && o <= X86_O_GS))
            sized = true;
    }
    int size = (in->flags & X86_F_BYTE) ? 1 : (in->flags & X86_F_W) ? 2 : 0;
    switch (rule) {
    case SUF_ALWAYS:
        /* LGDT/SGDT...: the operand size says 24 or 32 bits of base */
        if (!size) size = osz(c);
        put(mn, "%c", size_letter(size));
        return;
    case SUF_STACKISH:
        /* JMP rel8 has no operand size */
        if (reg || (in->op == X86_OP_JMP && in->opd[0] == X86_O_JB)) return;
        if (osz(c) != def) put(mn, "%c", size_letter(d->opsize));
        return;
    default:
        if (reg || !sized) return;
        if (!size) size = osz(c);
        put(mn, "%c", size_letter(size));
        return;
    }
}

/* ---- x87 (D8-DF): spelled as objdump does, though the subset has no FPU ------- */
/* memory forms by opcode and ModRM reg; NULL is (bad) */
static const char *const fpu_mem[8][8] = {
    { "fadds", "fmuls", "fcoms", "fcomps", "fsubs", "fsubrs", "fdivs", "fdivrs" },
    { "flds", NULL, "fsts", "fstps", "fldenv", "fldcw", "fnstenv", "fnstcw" },
    { "fiaddl", "fimull", "ficoml", "ficompl", "fisubl", "fisubrl", "fidivl", "fidivrl" },
    { "fildl", "fisttpl", "fistl", "fistpl", NULL, "fldt", NULL, "fstpt" },
    { "faddl", "fmull", "fcoml", "fcompl", "fsubl", "fsubrl", "fdivl", "fdivrl" },
    { "fldl", "fisttpll", "fstl", "fstpl", "frstor", NULL, "fnsave", "fnstsw" },
    { "fiadds", "fimuls", "ficoms", "ficomps", "fisubs", "fisubrs", "fidivs", "fidivrs" },
    { "filds", "fisttps", "fists", "fistps", "fbld", "fildll", "fbstp", "fistpll" },
};
/* register forms by opcode and ModRM reg: the name and how st(i) is
 * written: 'S' "%st(i),%st", 'D' "%st,%st(i)", 'R' "%st(i)", 0 (bad), or
 * 'X': the instruction depends on the whole ModRM (fpu_x below) */
typedef struct fpr { const char *name; char form; } fpr;
static const fpr fpu_reg[8][8] = {
    { { "fadd", 'S' }, { "fmul", 'S' }, { "fcom", 'R' }, { "fcomp", 'R' }, { "fsub", 'S' }, { "fsubr", 'S' },
      { "fdiv", 'S' }, { "fdivr", 'S' } },
    { { "fld", 'R' }, { "fxch", 'R' }, { NULL, 'X' }, { NULL, 0 }, { NULL, 'X' }, { NULL, 'X' }, { NULL, 'X' },
      { NULL, 'X' } },
    { { "fcmovb", 'S' }, { "fcmove", 'S' }, { "fcmovbe", 'S' }, { "fcmovu", 'S' }, { NULL, 0 }, { NULL, 'X' },
      { NULL, 0 }, { NULL, 0 } },
    { { "fcmovnb", 'S' }, { "fcmovne", 'S' }, { "fcmovnbe", 'S' }, { "fcmovnu", 'S' }, { NULL, 'X' },
      { "fucomi", 'S' }, { "fcomi", 'S' }, { NULL, 0 } },
    /* DC E0/E8 and F0/F8: the AT&T mnemonics are the reverse of Intel's */
    { { "fadd", 'D' }, { "fmul", 'D' }, { NULL, 0 }, { NULL, 0 }, { "fsub", 'D' }, { "fsubr", 'D' },
      { "fdiv", 'D' }, { "fdivr", 'D' } },
    { { "ffree", 'R' }, { NULL, 0 }, { "fst", 'R' }, { "fstp", 'R' }, { "fucom", 'R' }, { "fucomp", 'R' },
      { NULL, 0 }, { NULL, 0 } },
    { { "faddp", 'D' }, { "fmulp", 'D' }, { NULL, 0 }, { NULL, 'X' }, { "fsubp", 'D' }, { "fsubrp", 'D' },
      { "fdivp", 'D' }, { "fdivrp", 'D' } },
    { { "ffreep", 'R' }, { NULL, 0 }, { NULL, 0 }, { NULL, 0 }, { NULL, 'X' }, { "fucomip", 'S' },
      { "fcomip", 'S' }, { NULL, 0 } },
};

/* the register forms that depend on the whole ModRM byte */
static const char *fpu_x(uint8_t op, uint8_t modrm) {
    static const char *const d9e[32] = {
        "fchs", "fabs", NULL, NULL, "ftst", "fxam", NULL, NULL,
        "fld1", "fldl2t", "fldl2e", "fldpi", "fldlg2", "fldln2", "fldz", NULL,
        "f2xm1", "fyl2x", "fptan", "fpatan", "fxtract", "fprem1", "fdecstp", "fincstp",
        "fprem", "fyl2xp1", "fsqrt", "fsincos", "frndint", "fscale", "fsin", "fcos",
    };
    static const char *const dbe[8] = { "fneni(8087 only)", "fndisi(8087 only)", "fnclex", "fninit",
                                        "fnsetpm(287 only)", "frstpm(287 only)", NULL, NULL };
    switch (op) {
    case 0xD9:
        if (modrm == 0xD0) return "fnop";
        return modrm >= 0xE0 ? d9e[modrm - 0xE0] : NULL;
    case 0xDA: return modrm == 0xE9 ? "fucompp" : NULL;
    case 0xDB: return modrm >= 0xE0 && modrm <= 0xE7 ? dbe[modrm - 0xE0] : NULL;
    case 0xDE: return modrm == 0xD9 ? "fcompp" : NULL;
    case 0xDF: return modrm == 0xE0 ? "fnstsw" : NULL;
    default: return NULL;
    }
}

/* The x87 instruction: mnemonic into mn, operands into ops; false for (bad). */
static bool fpu(ctx *c, obuf *mn, obuf *ops) {
    const x86_decoded *d = c->d;
    int o = d->opcode - 0xD8;
    if (d->mod != 3) {
        const char *nm = fpu_mem[o][d->regf];
        put(mn, "%s", nm ? nm : "(bad)");
        /* the environment and state images: 14/94 or 28/108 bytes by the
         * operand size, which objdump shows only when it is not the default */
        if (nm && ((o == 1 && (d->regf == 4 || d->regf == 6)) || (o == 5 && (d->regf == 4 || d->regf == 6))) &&
            osz(c) != (c->big ? 4 : 2))
            put(mn, "%c", d->opsize == 2 ? 's' : 'l');
        put_mem(c, ops);
        return true;
    }
    fpr r = fpu_reg[o][d->regf];
    if (r.form == 'X') {
        const char *nm = fpu_x(d->opcode, d->modrm);
        if (!nm) return false;
        put(mn, "%s", nm);
        if (d->opcode == 0xDF) put(ops, "%%ax");
        return true;
    }
    if (!r.name) return false;
    put(mn, "%s", r.name);
    if (r.form == 'S') put(ops, "%%st(%d),%%st", d->rm);
    else if (r.form == 'D') put(ops, "%%st,%%st(%d)", d->rm);
    else put(ops, "%%st(%d)", d->rm);
    return true;
}

/* ---- the instruction ------------------------------------------------------------ */

/* The prefixes objdump could not attach to an operand, as words, in byte
 * order; for a repeat prefix the word depends on the instruction. */
static void put_prefixes(ctx *c, obuf *b, const x86_insn *in) {
    const x86_decoded *d = c->d;
    int last66 = -1, last67 = -1, lastseg = -1;
    for (int i = 0; i < d->nprefix; i++) {
        uint8_t p = c->bytes[i];
        if (p == 0x66) last66 = i;
        else if (p == 0x67) last67 = i;
        else if (p == 0x26 || p == 0x2E || p == 0x36 || p == 0x3E || p == 0x64 || p == 0x65) lastseg = i;
    }
    int lastrep = -1, lastf2 = -1, lastf3 = -1;
    for (int i = 0; i < d->nprefix; i++) {
        if (c->bytes[i] == 0xF2) lastrep = lastf2 = i;
        if (c->bytes[i] == 0xF3) lastrep = lastf3 = i;
    }
    bool pause = in && in->op == X86_OP_NOP && d->rep == 0xF3;
    /* objdump's names for F2/F3 on a near branch (MPX's BND) and on the
     * memory writes that hardware lock elision may name (XACQUIRE,
     * XRELEASE: locked read-modify-writes, XCHG, and for XRELEASE a MOV) */
    int op = in ? in->op : X86_OP_ILLEGAL;
    bool bnd = op == X86_OP_JCC || op == X86_OP_JMP || op == X86_OP_CALL || op == X86_OP_RET ||
               op == X86_OP_CALL_IND || op == X86_OP_JMP_IND;
    bool mem = in && d->has_modrm && d->mod != 3;
    bool hle = mem && ((d->lock && (in->flags & X86_F_LOCK)) || (op == X86_OP_XCHG && d->opcode != 0x91));
    bool hle_rel = mem && op == X86_OP_MOV && (d->opcode == 0x88 || d->opcode == 0x89 || d->opcode == 0xC6 ||
                                               d->opcode == 0xC7);
    for (int i = 0; i < d->nprefix; i++) {
        uint8_t p = c->bytes[i];
        switch (p) {
        case 0xF0: put(b, "lock "); break;
        case 0xF2: case 0xF3:
            if (pause && i == lastrep) break;
            /* the last F2 and the last F3 get the instruction's name for
             * them; the others are plain */
            if (i != (p == 0xF2 ? lastf2 : lastf3)) put(b, "%s ", p == 0xF2 ? "repnz" : "repz");
            else if (p == 0xF2 && bnd) put(b, "bnd ");
            else if (hle) put(b, "%s ", p == 0xF2 ? "xacquire" : "xrelease");
            else if (hle_rel && p == 0xF3 && i == lastrep) put(b, "xrelease ");
            else if (p == 0xF2) put(b, "repnz ");
            else put(b, "%s ", in && (in->flags & X86_F_REP) ? "rep" : "repz");
            break;
        case 0x66:
            if (i != last66 || !c->used66) put(b, "%s ", c->big ? "data16" : "data32");
            break;
        case 0x67:
            if (i != last67 || !c->used67) put(b, "%s ", c->big ? "addr16" : "addr32");
            break;
        default:
            if (i == lastseg && c->notrack) put(b, "notrack ");
            else if (i != lastseg || !c->usedseg) {
                static const uint8_t seg_bytes[6] = { 0x26, 0x2E, 0x36, 0x3E, 0x64, 0x65 };
                for (int s = 0; s < 6; s++)
                    if (seg_bytes[s] == p) put(b, "%s ", segpfx[s]);
            }
            break;
        }
    }
}

/* The length objdump gives an invalid instruction: the prefixes and the
 * opcode (its ModRM byte is not consumed); CMPXCHG8B with a register
 * operand ends after the first opcode byte. */
static int bad_length(const x86_decoded *d, const char **name) {
    *name = NULL;
    int n = d->nprefix + (d->opcode >= 0x100 ? 2 : 1);
    if (d->opcode == 0x1C7 && d->has_modrm && d->mod == 3 && d->regf == 1) {
        *name = "cmpxchg8b";
        return d->nprefix + 1;
    }
    return n;
}

static void finish(obuf *out, obuf *pre, const char *mn, const char *ops) {
    put(out, "%s", pre->p);
    if (*ops) put(out, "%-6s %s", mn, ops);
    else put(out, "%s", mn);
}

int x86_disasm_code(int variant, bool big, const uint8_t *bytes, size_t len, uint32_t addr, char *out,
                    size_t outsz) {
    if (!out || !outsz) return -1;
    out[0] = 0;
    obuf o = { out, outsz, 0 };
    x86_decoded d;
    if (!bytes || x86_decode(variant, bytes, len, big, &d) < 0) {
        put(&o, "truncated instruction: %zu byte%s", bytes ? len : 0, (bytes ? len : 0) == 1 ? "" : "s");
        return -1;
    }
    ctx c = { &d, bytes, big, addr, false, false, false, false };
    char preb[160], mnb[48], opb[128];
    preb[0] = mnb[0] = opb[0] = 0;
    obuf pre = { preb, sizeof preb, 0 }, mn = { mnb, sizeof mnb, 0 }, ops = { opb, sizeof opb, 0 };

    if (d.in && d.in->op == X86_OP_ESC) {
        if (!fpu(&c, &mn, &ops)) {
            mn.pos = ops.pos = 0;
            mnb[0] = opb[0] = 0;
            put(&mn, "(bad)");
        }
        put_prefixes(&c, &pre, d.in);
        finish(&o, &pre, mnb, opb);
        return d.len;
    }
    if (!d.in) {
        const char *nm = NULL;
        /* longer than 15 bytes (#GP): objdump's (bad) takes 15 */
        int n = d.len > 15 ? 15 : bad_length(&d, &nm);
        if (n > d.len) n = d.len;
        d.nprefix = (uint8_t)(d.nprefix < n ? d.nprefix : n);
        put_prefixes(&c, &pre, NULL);
        if (nm) finish(&o, &pre, nm, "(bad)");
        else finish(&o, &pre, "(bad)", "");
        return n;
    }
    const x86_insn *in = d.in;
    if ((in->op == X86_OP_CALL_IND || in->op == X86_OP_JMP_IND) && d.seg == X86_DS) c.notrack = true;
    /* operands, in AT&T order (source first); ENTER, BOUND and the far
     * pointers keep Intel's order, as objdump prints them */
    int n = 0, kinds[3];
    for (int k = 0; k < 3; k++)
        if (in->opd[k] && in->opd[k] != X86_O_ONE) kinds[n++] = in->opd[k];
    bool keep = in->op == X86_OP_ENTER || in->op == X86_OP_BOUND;
    bool star = in->op == X86_OP_CALL_IND || in->op == X86_OP_JMP_IND || in->op == X86_OP_CALL_FAR_IND ||
                in->op == X86_OP_JMP_FAR_IND;
    for (int i = 0; i < n; i++) {
        int k = kinds[keep ? i : n - 1 - i];
        if (i) put(&ops, ",");
        if (star) put(&ops, "*");
        put_operand(&c, &ops, k);
    }
    if (in->op == X86_OP_XLAT) {
        asz(&c);
        put_seg(&c, &ops, X86_DS);
        put(&ops, "(%%%s)", d.adsize == 2 ? "bx" : "ebx");
    }
    mnemonic(&c, &mn);
    if (in->op == X86_OP_NOP && d.rep != 0xF3 && d.opsize != (big ? 4 : 2))
        put(&ops, big ? "%%ax,%%ax" : "%%eax,%%eax");
    /* branch hints: a CS (not taken) or DS (taken) override on a
     * conditional branch; objdump gives none when both are there, and takes
     * the hint as the use of the last segment prefix */
    if (in->flow == VL_FLOW_BRANCH) {
        bool cs = false, ds = false;
        for (int i = 0; i < d.nprefix; i++) {
            cs |= bytes[i] == 0x2E;
            ds |= bytes[i] == 0x3E;
        }
        if (cs != ds) {
            c.usedseg = true;
            put(&mn, "%s", cs ? ",pn" : ",pt");
        }
    }
    put_prefixes(&c, &pre, in);
    finish(&o, &pre, mnb, opb);
    return d.len;
}

int x86_disasm(int variant, const uint8_t *bytes, size_t len, uint32_t addr, char *out, size_t outsz) {
    return x86_disasm_code(variant & ~X86_CODE16, !(variant & X86_CODE16), bytes, len, addr, out, outsz);
}
