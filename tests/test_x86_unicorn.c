/* test_x86_unicorn.c - Unicorn 2 as a judge of the x86 core.
 *
 * Seeded random single instructions, generated from the decode table
 * (isa/x86-subset/decode.c: every row of every integer form a program can
 * execute, with random prefixes 66/67/segment/LOCK/REP, ModRM, SIB,
 * displacements and immediates), run on vlab's x86 core through the public
 * API (vlab.h) and on Unicorn (UC_ARCH_X86) from the same random state; then
 * the general registers, EIP, EFLAGS (the flags the SDM leaves undefined
 * masked, per instruction: undef_rules below; undefined results:
 * mask_undefined), the segment selectors, the data memory (read back after
 * the step: no memory hooks) and the exception raised (its vector) must
 * agree. Six configurations:
 *   i386, pentium  32-bit protected mode, CPL 0   Unicorn UC_MODE_32
 *   i386, pentium  32-bit protected mode, CPL 3   (entered by an IRET)
 *   i386, pentium  real mode (vlab_reset)         Unicorn UC_MODE_16
 * with Unicorn's 486 CPU for the i386 (QEMU has no 386) and its Pentium for
 * the pentium; protected mode has a GDT with every kind of descriptor the
 * segment loads, LAR, LSL, VERR and VERW meet. At least 200,000 executions
 * in all; every form of every configuration must have run; an unexplained
 * disagreement fails the test with the bytes, a disassembly (objdump, and
 * vlab's own in 32-bit code when it has one), the start state and what
 * differs. Usage: test_x86_unicorn [seed [executions]]; the seed and the
 * count are printed. VLAB_X86_UC_REPORT=n shows n disagreements (20);
 * VLAB_X86_UC_TRACE=1 prints each instruction before Unicorn runs it.
 *
 * Memory: data in [0, DATA_END) (random, compared byte by byte after every
 * instruction), the GDT inside it, each instruction at a fresh address of
 * the code region (Unicorn keeps translated code by address), Unicorn's
 * whole 4 GiB mapped so that any jump target exists. 32-bit effective
 * addresses and stack pointers are steered into the data area (the base or
 * index register is solved for a random target); 16-bit ones cannot leave
 * their 64 KiB segment, and the real-mode segment bases are small.
 *
 * Not generated (out of scope for a user-mode judge, or not comparable):
 *  - privileged and system instructions: LGDT LIDT LLDT LTR LMSW CLTS, MOV
 *    to/from CRn/DRn/TRn, INVD WBINVD INVLPG RDMSR WRMSR HLT (system state
 *    Unicorn models differently; the QEMU system judge covers them). SGDT,
 *    SIDT, SLDT, STR and SMSW are generated: both have the same tables and
 *    CR0;
 *  - I/O: IN OUT INS OUTS (Unicorn's I/O hooks; and Unicorn 2.0.1 executes
 *    IN at CPL 3);
 *  - INT n, INT3, INTO, ICEBP, IRET: Unicorn reports an interrupt to its hook
 *    instead of delivering it through the IDT;
 *  - far CALL/JMP/RET in protected mode (they load descriptors and gates; in
 *    real mode they are generated);
 *  - CPUID, RDTSC: the CPU's identity and time;
 *  - the x87 escapes D8-DF: vlab's models have no coprocessor, QEMU always
 *    has one;
 *  - REP on anything but string instructions, F2 on MOVS/STOS/LODS: reserved
 *    by the SDM;
 *  - what aborts Unicorn 2.0.1 ("tcg fatal error", found by trying every
 *    opcode): LOCK BT/BTS/BTR/BTC with a register operand, LOCK CMP and
 *    LOCK CMPS on memory, FF /3 and FF /5 with a register operand; and LOCK
 *    on jumps (vlab's #UD would leave Unicorn nowhere to stop);
 *  - a CS override on memory in real mode (CS is based in the code region).
 * Exceptions are compared by vector only (Unicorn does not report error
 * codes); the state must be the one before the faulting instruction.
 *
 * Known Unicorn 2.0.1 (QEMU 5.0 TCG) bugs: each is recognized precisely and
 * excused only when tests/x86_unicorn_known_differences.txt lists it (with
 * its reason); an unlisted one fails. Avoided by construction: memory hooks
 * can corrupt CF (none is installed), IN executes at CPL 3 (no I/O).
 * Unicorn quirks worked around: a caught exception is never delivered, so
 * QEMU's "exception in progress" state would turn the next fault into a #DF:
 * the CPU context is restored before every instruction; a REP string
 * instruction counts one step per iteration: it is stepped to its end; it
 * decodes the code where it stops (random data there can abort it): it
 * stops at the address vlab went to; in real mode EIP reads as CS x 16 + IP
 * after a counted stop.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/testlib.h"

#ifndef VL_HAVE_UNICORN
/* built without unicorn's header: the missing-package policy (SKIP, FAIL under VLAB_CI) */
int main(void) { return vl_test_no_unicorn(); }
#else
#include <unicorn/unicorn.h>
#include "isa/x86-subset/x86.h" /* the decode table, its operand kinds and operations */
#include "vlab.h"

#define RAM 0x400000u       /* vlab's RAM: data, descriptor tables, code */
#define DATA_END 0x16000u   /* [0, DATA_END): every byte an instruction may touch */
#define GDT_ADDR 0x15000u   /* protected mode: the GDT (18 descriptors) */
#define GDT_N 18
#define WIN_LO 0x3000u      /* 32-bit effective addresses and stacks land in [WIN_LO, WIN_HI) */
#define WIN_HI 0x10000u
#define CODE_LO 0x20000u    /* one fresh slot per instruction, up to 4 MiB (real mode: 1 MiB) */
#define CODE_HI_REAL 0x100000u
#define SLOT 16u
#define TARGET_EXEC 210000ul
#define MAX_REPORT 20

#define CF X86_CF
#define PF X86_PF
#define AF X86_AF
#define ZF X86_ZF
#define SF X86_SF
#define OF X86_OF
#define ARITH X86_ARITH

/* ---- random numbers ------------------------------------------------------------- */

typedef struct rng { uint64_t s; } rng;
static uint32_t rnd(rng *g) {
    g->s ^= g->s << 13;
    g->s ^= g->s >> 7;
    g->s ^= g->s << 17;
    return (uint32_t)(g->s >> 11);
}
static uint32_t rnd_n(rng *g, uint32_t n) { return n ? rnd(g) % n : 0; }
static bool chance(rng *g, unsigned pct) { return rnd_n(g, 100) < pct; }
/* a value with a bias towards the edges of 8, 16 and 32-bit arithmetic */
static uint32_t rnd_val(rng *g) {
    static const uint32_t edge[] = { 0, 1, 2, 0x7F, 0x80, 0xFF, 0x100, 0x7FFF, 0x8000, 0xFFFF, 0x10000,
                                     0x7FFFFFFFu, 0x80000000u, 0xFFFFFFFFu, 0xFFFFFF80u, 0xFFFF8000u, 9, 10, 0x99 };
    switch (rnd_n(g, 5)) {
    case 0: return edge[rnd_n(g, sizeof edge / sizeof *edge)];
    case 1: return rnd_n(g, 64);
    case 2: return edge[rnd_n(g, sizeof edge / sizeof *edge)] ^ (rnd(g) & 0xFF00FF00u);
    default: return rnd(g);
    }
}
/* a shift or rotate count: the boundaries of every operand size */
static uint32_t rnd_count(rng *g) {
    static const uint32_t c[] = { 0, 1, 1, 2, 7, 8, 9, 15, 16, 17, 24, 31, 32, 33, 63, 0xFF };
    return chance(g, 70) ? c[rnd_n(g, sizeof c / sizeof *c)] : rnd_n(g, 256);
}

/* ---- what is generated ------------------------------------------------------------ */

/* Operations not generated: see the top comment for why. */
static bool op_excluded(int op, bool real) {
    switch (op) {
    case X86_OP_LGDT: case X86_OP_LIDT: case X86_OP_LLDT: case X86_OP_LTR: case X86_OP_LMSW: case X86_OP_CLTS:
    case X86_OP_MOV_TO_CR: case X86_OP_MOV_FROM_CR: case X86_OP_MOV_TO_DR: case X86_OP_MOV_FROM_DR:
    case X86_OP_MOV_TO_TR: case X86_OP_MOV_FROM_TR: case X86_OP_INVD: case X86_OP_WBINVD: case X86_OP_INVLPG:
    case X86_OP_RDMSR: case X86_OP_WRMSR: case X86_OP_HLT:
    case X86_OP_IN: case X86_OP_OUT: case X86_OP_INS: case X86_OP_OUTS:
    case X86_OP_INT: case X86_OP_INT3: case X86_OP_INTO: case X86_OP_INT1: case X86_OP_IRET:
    case X86_OP_CPUID: case X86_OP_RDTSC: case X86_OP_ESC: case X86_OP_ILLEGAL:
        return true;
    case X86_OP_CALL_FAR: case X86_OP_JMP_FAR: case X86_OP_CALL_FAR_IND: case X86_OP_JMP_FAR_IND: case X86_OP_RETF:
        return !real;
    default:
        return false;
    }
}

/* EFLAGS bits the SDM (vol. 2, each instruction's "Flags Affected") leaves
 * undefined after an instruction that completes, by operation. Rules:
 *   FIXED   the bits, always
 *   SHIFT   SHL/SAL/SHR: none for a count (mod 32) of 0; else AF, OF unless
 *           the count is 1, CF when the count is >= the operand's bits
 *   SAR     as SHIFT, but CF is the sign for large counts: defined
 *   ROT     ROL/ROR/RCL/RCR: none for a count (mod 32) of 0, else OF unless 1
 *   SHD     SHLD/SHRD: none for 0; every flag when the count exceeds the
 *           operand's bits; else AF, OF unless the count is 1 */
enum { U_FIXED, U_SHIFT, U_SAR, U_ROT, U_SHD };
static const struct undef_rule {
    uint8_t op, rule;
    uint32_t flags;
} undef_rules[] = {
    { X86_OP_AND, U_FIXED, AF }, { X86_OP_OR, U_FIXED, AF }, { X86_OP_XOR, U_FIXED, AF },
    { X86_OP_TEST, U_FIXED, AF },
    { X86_OP_MUL, U_FIXED, SF | ZF | AF | PF }, { X86_OP_IMUL1, U_FIXED, SF | ZF | AF | PF },
    { X86_OP_IMUL2, U_FIXED, SF | ZF | AF | PF }, { X86_OP_IMUL3, U_FIXED, SF | ZF | AF | PF },
    { X86_OP_DIV, U_FIXED, ARITH }, { X86_OP_IDIV, U_FIXED, ARITH },
    { X86_OP_BT, U_FIXED, OF | SF | AF | PF }, { X86_OP_BTS, U_FIXED, OF | SF | AF | PF },
    { X86_OP_BTR, U_FIXED, OF | SF | AF | PF }, { X86_OP_BTC, U_FIXED, OF | SF | AF | PF },
    { X86_OP_BSF, U_FIXED, CF | OF | SF | AF | PF }, { X86_OP_BSR, U_FIXED, CF | OF | SF | AF | PF },
    { X86_OP_AAA, U_FIXED, OF | SF | ZF | PF }, { X86_OP_AAS, U_FIXED, OF | SF | ZF | PF },
    { X86_OP_DAA, U_FIXED, OF }, { X86_OP_DAS, U_FIXED, OF },
    { X86_OP_AAM, U_FIXED, OF | AF | CF }, { X86_OP_AAD, U_FIXED, OF | AF | CF },
    { X86_OP_SHL, U_SHIFT, 0 }, { X86_OP_SAL6, U_SHIFT, 0 }, { X86_OP_SHR, U_SHIFT, 0 }, { X86_OP_SAR, U_SAR, 0 },
    { X86_OP_ROL, U_ROT, 0 }, { X86_OP_ROR, U_ROT, 0 }, { X86_OP_RCL, U_ROT, 0 }, { X86_OP_RCR, U_ROT, 0 },
    { X86_OP_SHLD, U_SHD, 0 }, { X86_OP_SHRD, U_SHD, 0 },
};

static uint32_t undef_flags(int op, unsigned count, int bits) {
    for (size_t i = 0; i < sizeof undef_rules / sizeof *undef_rules; i++) {
        const struct undef_rule *u = &undef_rules[i];
        if (u->op != op) continue;
        count &= 31;
        switch (u->rule) {
        case U_FIXED: return u->flags;
        case U_SHIFT: case U_SAR:
            if (!count) return 0;
            return AF | (count != 1 ? OF : 0) | (u->rule == U_SHIFT && count >= (unsigned)bits ? CF : 0);
        case U_ROT: return count ? (count != 1 ? OF : 0) : 0;
        default: /* U_SHD */
            if (!count) return 0;
            if (count > (unsigned)bits) return ARITH;
            return AF | (count != 1 ? OF : 0);
        }
    }
    return 0;
}

/* ---- the known differences ------------------------------------------------------------ */

enum { KD_RET_IMM16, KD_SEG_CHECKS, KD_NO_386, KD_LOCK, KD_TEST_ALIAS, KD_HIGH_EIP, KD_LOCK_NEG, KD_VEX, KD_ENTER16,
       KD_0F01, KD_RETF_WRAP, NKD };
static const char *const kd_names[NKD] = { "ret-imm16-sign", "segment-checks", "no-386-model", "lock-prefix", "test-alias",
                                           "high-eip", "lock-neg-flags", "vex-prefix", "enter-16-bit-stack",
                                           "0f01-register", "retf-stack-wrap" };

typedef struct judge {
    bool listed[NKD];       /* tests/x86_unicorn_known_differences.txt names it */
    unsigned long hits[NKD];
    unsigned long mismatches, execs, faults;
} judge;

/* Read the known-differences file: "unicorn<TAB>tag<TAB>summary" lines. */
static int load_known(judge *j, const char *path) {
    FILE *f = fopen(path, "r");
    if (!f) {
        printf("FAIL: cannot read %s\n", path);
        return -1;
    }
    char line[512];
    int n = 0;
    while (fgets(line, sizeof line, f)) {
        if (line[0] == '#' || line[0] == '\n') continue;
        char *tab = strchr(line, '\t');
        if (!tab || strncmp(line, "unicorn\t", 8) != 0) continue;
        char *tag = tab + 1, *end = strchr(tag, '\t');
        if (end) *end = 0;
        bool found = false;
        for (int k = 0; k < NKD; k++)
            if (strcmp(tag, kd_names[k]) == 0) j->listed[k] = found = true;
        if (!found) {
            printf("FAIL: %s: unknown tag '%s'\n", path, tag);
            fclose(f);
            return -1;
        }
        n++;
    }
    fclose(f);
    return n;
}

/* ---- machine state ------------------------------------------------------------------- */

typedef struct st {
    uint32_t r[8];          /* encoding order: eax ecx edx ebx esp ebp esi edi */
    uint32_t eip, fl;
    uint16_t seg[X86_NSEG]; /* es cs ss ds fs gs */
    int vec;                /* exception raised, -1 none */
} st;

static const char *const rname[8] = { "eax", "ecx", "edx", "ebx", "esp", "ebp", "esi", "edi" };
static const char *const sname[X86_NSEG] = { "es", "cs", "ss", "ds", "fs", "gs" };
static const int uc_r[8] = { UC_X86_REG_EAX, UC_X86_REG_ECX, UC_X86_REG_EDX, UC_X86_REG_EBX,
                             UC_X86_REG_ESP, UC_X86_REG_EBP, UC_X86_REG_ESI, UC_X86_REG_EDI };
static const int uc_s[X86_NSEG] = { UC_X86_REG_ES, UC_X86_REG_CS, UC_X86_REG_SS,
                                    UC_X86_REG_DS, UC_X86_REG_FS, UC_X86_REG_GS };

/* A configuration: model and mode, and the Unicorn CPU that stands for it
 * (QEMU has no 386: its 486 is the nearest). */
typedef struct config {
    const char *model;
    int uc_cpu;
    bool real;
    int cpl;        /* protected mode: 0 or 3 */
    unsigned share; /* parts of the executions, of 14 */
} config;
static const config configs[] = {
    { "i386", UC_CPU_X86_486, false, 0, 3 },
    { "pentium", UC_CPU_X86_PENTIUM, false, 0, 3 },
    { "i386", UC_CPU_X86_486, false, 3, 2 },
    { "pentium", UC_CPU_X86_PENTIUM, false, 3, 2 },
    { "i386", UC_CPU_X86_486, true, 0, 2 },
    { "pentium", UC_CPU_X86_PENTIUM, true, 0, 2 },
};
static const char *mode_name(const config *cf) {
    return cf->real ? "real mode" : cf->cpl ? "32-bit CPL 3" : "32-bit CPL 0";
}
#define NCONFIG (int)(sizeof configs / sizeof configs[0])

/* Protected mode: the selectors every instruction starts with, at CPL 0
 * (CS, SS, DS, ES flat at DPL 0; FS based at 0x1000; GS flat at DPL 3) and
 * at CPL 3 (all DPL 3, FS based at 0x1000). */
static const uint16_t pm_segs[2][X86_NSEG] = { { 0x10, 0x08, 0x10, 0x10, 0x18, 0x20 },
                                               { 0x23, 0x83, 0x23, 0x23, 0x8B, 0x23 } };
static const uint32_t pm_base[X86_NSEG] = { 0, 0, 0, 0, 0x1000, 0 };
/* Real mode: the segments data may use (bases below 0x3001: all of a
 * segment stays inside the compared data). */
static const uint16_t rm_segs[] = { 0x0000, 0x0001, 0x0010, 0x0100, 0x0123, 0x0200, 0x02FF, 0x0300 };

/* The GDT: every kind of descriptor a segment load or LAR/LSL/VERR/VERW meets. */
static const uint32_t gdt_desc[GDT_N][2] = {
    { 0, 0 },                          /* 00 null */
    { 0x0000FFFFu, 0x00CF9A00u },      /* 08 code 32-bit flat, readable, DPL 0 */
    { 0x0000FFFFu, 0x00CF9200u },      /* 10 data flat, writable, DPL 0 */
    { 0x1000FFFFu, 0x00CF9200u },      /* 18 data based at 0x1000 */
    { 0x0000FFFFu, 0x00CFF200u },      /* 20 data flat, DPL 3 */
    { 0x0000FFFFu, 0x00CF1200u },      /* 28 data, not present */
    { 0x0000FFFFu, 0x00CF9800u },      /* 30 code, execute-only */
    { 0x5800001Fu, 0x00008201u },      /* 38 LDT at 0x15800 */
    { 0x0000FFFFu, 0x00CF9000u },      /* 40 data, read-only */
    { 0x0000FFFFu, 0x00009A00u },      /* 48 code 16-bit, 64 KiB */
    { 0x0000FFFFu, 0x00CFFE00u },      /* 50 code, conforming, DPL 3 */
    { 0x0000F000u, 0x00CF9600u },      /* 58 data, expand-down */
    { 0x54000067u, 0x00008901u },      /* 60 32-bit TSS, available */
    { 0x00080000u, 0x0000EC00u },      /* 68 call gate, DPL 3 */
    { 0x0000FFFFu, 0x0000B200u },      /* 70 data 16-bit, 64 KiB, DPL 1 */
    { 0x00080000u, 0x00008E00u },      /* 78 interrupt gate */
    { 0x0000FFFFu, 0x00CFFA00u },      /* 80 code 32-bit flat, readable, DPL 3 */
    { 0x1000FFFFu, 0x00CFF200u },      /* 88 data based at 0x1000, DPL 3 */
};
static uint16_t rnd_selector(rng *g) {
    switch (rnd_n(g, 8)) {
    case 0: return (uint16_t)rnd(g);
    case 1: return (uint16_t)(rnd_n(g, 4)); /* null, every RPL */
    case 2: return (uint16_t)(rnd_n(g, 24) << 3 | 4 | rnd_n(g, 4)); /* LDT (none loaded) */
    default: return (uint16_t)(rnd_n(g, GDT_N + 2) << 3 | (chance(g, 70) ? 0 : rnd_n(g, 4)));
    }
}

/* ---- one generated instruction ---------------------------------------------------------- */

typedef struct insn {
    int row;
    const x86_insn *in;
    int osz, asz, opbits;     /* operand and address size (2 or 4); the operation's bits */
    int seg;                  /* segment override, -1 none */
    bool lock;
    uint8_t rep;
    int zreg;                 /* register in the opcode, -1 */
    bool modrm;
    int mod, reg, rm;
    bool sib;
    int base, index, scale;   /* of the memory operand, -1 none */
    int dispsz;
    uint32_t disp;
    bool mem, moffs;          /* a memory operand (ModRM or moffs) */
    uint32_t imm[3];
    int immsz[3], nimm;
    uint8_t b[16];
    int len;
    unsigned count;           /* shift count (for the undefined flags) */
} insn;

/* a patch of the data memory before the instruction runs */
typedef struct patch {
    uint32_t addr;
    uint8_t len, b[8];
} patch;

typedef struct ctx {
    const config *cf;
    int variant;
    bool real;
    rng g;
    vlab_machine *m;
    uc_engine *uc;
    uc_context *uctx;
    int vr[8], veip, vfl, vseg[X86_NSEG], vlim[X86_NSEG], vcs_attr;
    uint8_t *img, *vbuf, *ubuf, *tbuf; /* the data before (as both have it); vlab's and Unicorn's after */
    bool ubuf_set;              /* bytes of ubuf were set to vlab's (undefined, or a known difference) */
    FILE *note;                 /* more to say in a report */
    uint32_t slot;
    unsigned long *runs;        /* per decode-table row */
    int forms[1024], nforms;
    judge *j;
    /* the instruction of the moment */
    insn ins;
    st s0;
    patch pat[64];
    int npat;
    uint16_t pinned;            /* registers with a fixed role: steering leaves them */
    uint32_t cs_base;
} ctx;

static uint32_t code_hi(const ctx *c) { return c->real ? CODE_HI_REAL : RAM; }

static uint32_t seg_base(const ctx *c, const st *s, int sr) {
    return c->real ? (uint32_t)s->seg[sr] << 4 : pm_base[sr];
}

static bool kind_z(int k) { return k == X86_O_ZB || k == X86_O_ZV || k == X86_O_ZD; }
static bool has_kind(const x86_insn *in, int k) { return in->opd[0] == k || in->opd[1] == k || in->opd[2] == k; }

/* bytes of memory the memory operand covers */
static int mem_size(const insn *n) {
    const x86_insn *in = n->in;
    for (int k = 0; k < 3; k++) {
        switch (in->opd[k]) {
        case X86_O_EB: case X86_O_OB: return 1;
        case X86_O_EW: return 2;
        case X86_O_ED: return 4;
        case X86_O_EV: case X86_O_OV: return n->opbits / 8;
        case X86_O_MP: return n->osz + 2;
        case X86_O_MS: return 6;
        case X86_O_MA: return 2 * n->osz;
        case X86_O_MQ: return 8;
        case X86_O_M: return 1;
        default: break;
        }
    }
    return 4;
}

static uint32_t amask(int asz) { return asz == 2 ? 0xFFFFu : 0xFFFFFFFFu; }
static uint32_t vmask(int bytes) { return bytes == 1 ? 0xFFu : bytes == 2 ? 0xFFFFu : 0xFFFFFFFFu; }

/* the memory operand's offset in its segment, and its segment */
static uint32_t ea_off(const insn *n, const st *s) {
    uint32_t a = n->disp;
    if (n->base >= 0) a += s->r[n->base];
    if (n->index >= 0) a += s->r[n->index] << n->scale;
    return a & amask(n->asz);
}
static int ea_seg(const insn *n) {
    if (n->seg >= 0) return n->seg;
    return (n->base == X86_ESP || n->base == X86_EBP) ? X86_SS : X86_DS;
}

/* register reads and writes of the generator's state, by operand size */
static uint32_t reg_get(const st *s, int n, int bytes) {
    if (bytes == 1) return n < 4 ? s->r[n] & 0xFF : (s->r[n - 4] >> 8) & 0xFF;
    return s->r[n] & vmask(bytes);
}
static void reg_put(st *s, int n, int bytes, uint32_t v) {
    if (bytes == 4) s->r[n] = v;
    else if (bytes == 2) s->r[n] = (s->r[n] & 0xFFFF0000u) | (v & 0xFFFF);
    else if (n < 4) s->r[n] = (s->r[n] & ~0xFFu) | (v & 0xFF);
    else s->r[n - 4] = (s->r[n - 4] & ~0xFF00u) | (v & 0xFF) << 8;
}

static bool in_data(uint32_t lo, uint32_t len) { return lo < DATA_END && len <= DATA_END - lo; }

static void add_patch(ctx *c, uint32_t addr, const void *b, int len) {
    if (c->npat >= (int)(sizeof c->pat / sizeof *c->pat) || len > 8 || !in_data(addr, (uint32_t)len)) {
        printf("generator bug: a patch of %d bytes at %#x\n", len, addr);
        exit(1);
    }
    patch *p = &c->pat[c->npat++];
    p->addr = addr;
    p->len = (uint8_t)len;
    memcpy(p->b, b, (size_t)len);
}
/* the data as it will be when the instruction starts (image + patches) */
static uint32_t data_get(const ctx *c, uint32_t addr, int bytes) {
    uint32_t v = 0;
    for (int k = bytes - 1; k >= 0; k--) {
        uint32_t a = addr + (uint32_t)k;
        uint8_t b = a < DATA_END ? c->img[a] : 0;
        for (int i = 0; i < c->npat; i++)
            if (a >= c->pat[i].addr && a < c->pat[i].addr + c->pat[i].len) b = c->pat[i].b[a - c->pat[i].addr];
        v = v << 8 | b;
    }
    return v;
}
static void data_put(ctx *c, uint32_t addr, int bytes, uint32_t v) {
    uint8_t b[4] = { (uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16), (uint8_t)(v >> 24) };
    add_patch(c, addr, b, bytes);
}
/* linear address of byte k of the memory operand (the offset wraps at 16
 * bits with 16-bit addressing; the bytes of one access follow it) */
static uint32_t ea_lin(const ctx *c, const insn *n, const st *s, uint32_t k) {
    return seg_base(c, s, ea_seg(n)) + ea_off(n, s) + k;
}
/* the E operand (register or memory) of bytes, read and written */
static uint32_t e_get(const ctx *c, const insn *n, const st *s, int bytes) {
    if (!n->mem) return reg_get(s, n->rm, bytes);
    uint32_t v = 0;
    for (int k = bytes - 1; k >= 0; k--) v = v << 8 | data_get(c, ea_lin(c, n, s, (uint32_t)k), 1);
    return v;
}
static void e_put(ctx *c, const insn *n, st *s, int bytes, uint32_t v) {
    if (!n->mem) {
        reg_put(s, n->rm, bytes, v);
        return;
    }
    for (int k = 0; k < bytes; k++) data_put(c, ea_lin(c, n, s, (uint32_t)k), 1, v >> (8 * k));
}


/* a random offset where 32-bit addressed data goes; real mode: within (and
 * sometimes just beyond) the 64 KiB limit */
static uint32_t target_off(ctx *c) {
    if (c->real) return chance(&c->g, 8) ? 0xFFF0u + rnd_n(&c->g, 0x2000) : rnd_n(&c->g, 0xFFF0);
    return WIN_LO + rnd_n(&c->g, WIN_HI - WIN_LO);
}

static void pin(ctx *c, int r, uint32_t v) {
    c->s0.r[r] = v;
    c->pinned |= (uint16_t)(1u << r);
}
static bool pinned(const ctx *c, int r) { return (c->pinned >> r) & 1; }
/* r (a 32-bit register) forms the memory operand's address */
static bool addr_reg(const insn *n, int r) { return n->mem && (n->base == r || n->index == r); }

/* Solve the base (or index, or displacement) for an effective address at a random target. */
static void steer(ctx *c) {
    insn *n = &c->ins;
    st *s = &c->s0;
    rng *g = &c->g;
    if (n->asz == 2) {
        /* 16-bit offsets stay in the segment; now and then one at its very end */
        if (c->real && n->base >= 0 && !pinned(c, n->base) && chance(g, 6)) {
            uint32_t want = 0xFFFDu + rnd_n(g, 3), rest = (n->disp + (n->index >= 0 ? s->r[n->index] : 0)) & 0xFFFF;
            if (n->index != n->base) s->r[n->base] = (s->r[n->base] & 0xFFFF0000u) | ((want - rest) & 0xFFFF);
        }
        return;
    }
    uint32_t t = target_off(c), sc = 1u << n->scale;
    uint32_t small = (uint32_t)((int32_t)rnd_n(g, 0x800) - 0x400);
    if (n->moffs) {
        n->disp = t;
        return;
    }
    if (n->base >= 0 && pinned(c, n->base)) {
        uint32_t vi = 0;
        if (n->index >= 0) {
            if (n->index != n->base && !pinned(c, n->index)) s->r[n->index] = small;
            vi = s->r[n->index];
        }
        if (n->dispsz == 4) n->disp = t - s->r[n->base] - vi * sc;
    } else if (n->base >= 0) {
        if (n->index == n->base) {
            s->r[n->base] = (t - n->disp) / (1 + sc);
        } else {
            uint32_t vi = 0;
            if (n->index >= 0) {
                if (!pinned(c, n->index)) s->r[n->index] = small;
                vi = s->r[n->index];
            }
            s->r[n->base] = t - n->disp - vi * sc;
        }
    } else if (n->index >= 0) {
        if (!pinned(c, n->index)) s->r[n->index] = small;
        n->disp = t - s->r[n->index] * sc; /* mod 0, no base: a 32-bit displacement */
    } else {
        n->disp = t;
    }
}

/* The E operand's ModRM, SIB and displacement: random; mem says a memory form. */
static void gen_modrm(ctx *c, bool mem) {
    insn *n = &c->ins;
    rng *g = &c->g;
    n->base = n->index = -1;
    n->sib = false;
    n->scale = n->dispsz = 0;
    n->disp = 0;
    n->mod = mem ? (int)rnd_n(g, 3) : 3;
    n->rm = (int)rnd_n(g, 8);
    n->mem = mem;
    if (!mem) return;
    if (n->asz == 2) {
        static const int8_t b16[8] = { X86_EBX, X86_EBX, X86_EBP, X86_EBP, X86_ESI, X86_EDI, X86_EBP, X86_EBX };
        static const int8_t x16[8] = { X86_ESI, X86_EDI, X86_ESI, X86_EDI, -1, -1, -1, -1 };
        if (n->mod == 0 && n->rm == 6) {
            n->dispsz = 2;
        } else {
            n->base = b16[n->rm];
            n->index = x16[n->rm];
            n->dispsz = n->mod == 1 ? 1 : n->mod == 2 ? 2 : 0;
        }
    } else {
        int base = n->rm;
        if (n->rm == 4) {
            n->sib = true;
            n->scale = (int)rnd_n(g, 4);
            int idx = (int)rnd_n(g, 8);
            n->index = idx == 4 ? -1 : idx;
            base = (int)rnd_n(g, 8);
        }
        n->dispsz = n->mod == 1 ? 1 : n->mod == 2 ? 4 : 0;
        if (base == 5 && n->mod == 0) n->dispsz = 4;
        else n->base = base;
    }
    uint32_t d = rnd_val(g);
    n->disp = n->dispsz == 1 ? (uint32_t)(int32_t)(int8_t)d : n->dispsz == 2 ? d & 0xFFFF : n->dispsz == 4 ? d : 0;
}

static void emit(insn *n, uint32_t v, int bytes) {
    for (int k = 0; k < bytes; k++) n->b[n->len++] = (uint8_t)(v >> (8 * k));
}

static void assemble(ctx *c) {
    insn *n = &c->ins;
    rng *g = &c->g;
    uint8_t pf[6];
    int np = 0;
    bool big = !c->real;
    if (n->osz != (big ? 4 : 2)) pf[np++] = 0x66;
    if (n->asz != (big ? 4 : 2)) pf[np++] = 0x67;
    if (n->seg >= 0) pf[np++] = (uint8_t[]){ 0x26, 0x2E, 0x36, 0x3E, 0x64, 0x65 }[n->seg];
    if (n->lock) pf[np++] = 0xF0;
    if (n->rep) pf[np++] = n->rep;
    for (int i = np - 1; i > 0; i--) { /* any order */
        int k = (int)rnd_n(g, (uint32_t)i + 1);
        uint8_t t = pf[i];
        pf[i] = pf[k];
        pf[k] = t;
    }
    n->len = 0;
    for (int i = 0; i < np; i++) n->b[n->len++] = pf[i];
    uint16_t op = n->in->opcode;
    if (op >= 0x100) n->b[n->len++] = 0x0F;
    uint8_t ob = (uint8_t)op;
    if (n->zreg >= 0) ob = (uint8_t)(op == 0x91 ? 0x90 + n->zreg : op + n->zreg);
    n->b[n->len++] = ob;
    if (n->modrm) {
        n->b[n->len++] = (uint8_t)(n->mod << 6 | n->reg << 3 | n->rm);
        if (n->sib) n->b[n->len++] = (uint8_t)(n->scale << 6 | (n->index < 0 ? 4 : n->index) << 3 | (n->base < 0 ? 5 : n->base));
        emit(n, n->disp, n->dispsz);
    }
    if (n->moffs) emit(n, n->disp, n->asz);
    for (int k = 0; k < n->nimm; k++) emit(n, n->imm[k], n->immsz[k]);
}

/* The linear ranges the instruction may touch (32-bit addresses only can
 * leave the data): false when one would. */
static bool touches_data_only(ctx *c) {
    insn *n = &c->ins;
    st *s = &c->s0;
    const x86_insn *in = n->in;
    if (n->mem && in->op != X86_OP_LEA) {
        uint32_t lo = ea_lin(c, n, s, 0);
        int sz = mem_size(n);
        if (n->asz == 4 && !in_data(lo, (uint32_t)sz + 8)) return false;
        if ((in->op == X86_OP_BT || in->op == X86_OP_BTS || in->op == X86_OP_BTR || in->op == X86_OP_BTC) &&
            !has_kind(in, X86_O_IB)) {
            int32_t bit = n->opbits == 16 ? (int16_t)reg_get(s, n->reg, 2) : (int32_t)s->r[n->reg];
            uint32_t a = ea_lin(c, n, s, (uint32_t)((bit >> (n->opbits == 16 ? 4 : 5)) * (n->opbits / 8)));
            if (!in_data(a - 8, 24)) return false;
        }
    }
    if (!c->real) {
        uint32_t sp = s->r[X86_ESP];
        if ((in->flags & X86_F_STACK) || in->op == X86_OP_CALL || in->op == X86_OP_CALL_IND ||
            in->op == X86_OP_PUSH_SEG || in->op == X86_OP_POP_SEG)
            if (!in_data(sp - 160, 200)) return false;
        if ((in->op == X86_OP_ENTER || in->op == X86_OP_LEAVE) && !in_data(s->r[X86_EBP] - 160, 200)) return false;
    }
    if (in->flags & X86_F_STR) {
        uint32_t span = 8 + 4 * (n->rep ? (s->r[X86_ECX] & amask(n->asz)) : 1);
        int src = n->seg >= 0 ? n->seg : X86_DS;
        uint32_t si = seg_base(c, s, src) + (s->r[X86_ESI] & amask(n->asz));
        uint32_t di = seg_base(c, s, X86_ES) + (s->r[X86_EDI] & amask(n->asz));
        if (n->asz == 4 && (!in_data(si - span, 2 * span) || !in_data(di - span, 2 * span))) return false;
    }
    if (in->op == X86_OP_XLAT && n->asz == 4) {
        int sg = n->seg >= 0 ? n->seg : X86_DS;
        if (!in_data(seg_base(c, s, sg) + s->r[X86_EBX], 0x108)) return false;
    }
    return true;
}

static uint32_t rnd_imm(ctx *c, int k, int bytes) {
    const x86_insn *in = c->ins.in;
    rng *g = &c->g;
    switch (in->op) {
    case X86_OP_ROL: case X86_OP_ROR: case X86_OP_RCL: case X86_OP_RCR: case X86_OP_SHL: case X86_OP_SHR:
    case X86_OP_SAL6: case X86_OP_SAR: case X86_OP_SHLD: case X86_OP_SHRD:
        return rnd_count(g);
    case X86_OP_AAM: case X86_OP_AAD: return chance(g, 50) ? 10 : chance(g, 15) ? 0 : rnd_n(g, 256);
    case X86_OP_ENTER:
        if (k == 0) return chance(g, 60) ? rnd_n(g, 64) : rnd(g) & 0xFFFF;
        return chance(g, 60) ? rnd_n(g, 4) : chance(g, 70) ? rnd_n(g, 32) : rnd_n(g, 256);
    case X86_OP_RET: case X86_OP_RETF: return chance(g, 60) ? rnd_n(g, 0x40) : rnd(g) & 0xFFFF;
    default: break;
    }
    int o = in->opd[k];
    if (o == X86_O_JB || o == X86_O_JV) {
        if (bytes == 1) return rnd(g) & 0xFF;
        return chance(g, 70) ? (uint32_t)((int32_t)rnd_n(g, 0x2000) - 0x1000) : rnd(g);
    }
    return rnd_val(g);
}

/* Generate one instance of form row into c->ins and its start state c->s0;
 * false: try again (an address left the data, or the bytes are too long). */
static bool generate(ctx *c, int row) {
    insn *n = &c->ins;
    st *s = &c->s0;
    rng *g = &c->g;
    const x86_insn *in = &x86_insns[row];
    bool big = !c->real;
    memset(n, 0, sizeof *n);
    n->row = row;
    n->in = in;
    n->seg = n->base = n->index = n->zreg = -1;
    c->npat = 0;
    c->pinned = 0;
    /* prefixes */
    n->osz = chance(g, 25) ? (big ? 2 : 4) : (big ? 4 : 2);
    bool addr_matters = in->mod != X86_MOD_NONE || (in->flags & X86_F_STR) || has_kind(in, X86_O_OB) ||
                        has_kind(in, X86_O_OV) || in->op == X86_OP_XLAT || in->op == X86_OP_LOOP ||
                        in->op == X86_OP_LOOPE || in->op == X86_OP_LOOPNE || in->op == X86_OP_JCXZ;
    n->asz = chance(g, addr_matters ? 25 : 3) ? (big ? 2 : 4) : (big ? 4 : 2);
    if (chance(g, 30)) n->seg = (int)rnd_n(g, X86_NSEG);
    /* real mode: CS is based in the code region, outside the data compared */
    if (c->real && n->seg == X86_CS) n->seg = -1;
    if (in->flags & X86_F_REP) n->rep = chance(g, 50) ? 0xF3 : 0;
    if (in->flags & X86_F_REPZ) n->rep = chance(g, 60) ? (chance(g, 50) ? 0xF3 : 0xF2) : 0;
    n->opbits = (in->flags & X86_F_BYTE) ? 8 : (in->flags & X86_F_W) ? 16 : n->osz * 8;
    /* opcode register, ModRM */
    for (int k = 0; k < 3; k++)
        if (kind_z(in->opd[k])) n->zreg = in->opcode == 0x91 ? 1 + (int)rnd_n(g, 7) : (int)rnd_n(g, 8);
    if (in->mod != X86_MOD_NONE) {
        n->modrm = true;
        bool mem = in->mod == X86_MOD_MEM || (in->mod == X86_MOD_ANY && chance(g, 60));
        gen_modrm(c, mem);
        n->reg = in->reg >= 0 ? in->reg : (int)rnd_n(g, 8);
        if (has_kind(in, X86_O_SW)) {
            /* segment registers 0-5; CS as a destination and 6, 7 are #UD */
            n->reg = (int)rnd_n(g, 6);
            if (in->op == X86_OP_MOV_SEG && n->reg == X86_CS && chance(g, 80)) n->reg = X86_DS;
            if (chance(g, 3)) n->reg = 6 + (int)rnd_n(g, 2);
        }
        /* a register where the form wants memory: #UD, now and then (not
         * FF /3 and FF /5: with a register they abort Unicorn 2.0.1) */
        if (in->mod == X86_MOD_MEM && in->opcode != 0xFF && chance(g, 2)) gen_modrm(c, false);
    }
    if (has_kind(in, X86_O_OB) || has_kind(in, X86_O_OV)) {
        n->moffs = n->mem = true;
        n->disp = rnd(g) & amask(n->asz);
    }
    /* LOCK: on the lockable forms with a memory destination, and now and then anywhere (#UD) */
    n->lock = ((in->flags & X86_F_LOCK) && n->mem && chance(g, 30)) || chance(g, 1);
    /* these abort Unicorn 2.0.1 ("tcg fatal error"), found by trying every
     * opcode: LOCK BT/BTS/BTR/BTC on a register, LOCK CMP on memory, LOCK CMPS */
    bool bt = in->op == X86_OP_BT || in->op == X86_OP_BTS || in->op == X86_OP_BTR || in->op == X86_OP_BTC;
    if (n->lock && ((bt && !n->mem) || in->op == X86_OP_CMP || in->op == X86_OP_CMPS)) n->lock = false;
    /* nor on jumps: vlab's #UD leaves Unicorn (which ignores LOCK) no place to stop before the target */
    if (n->lock && in->flow != VL_FLOW_NONE && in->flow != VL_FLOW_TRAP) n->lock = false;
    /* immediates */
    for (int k = 0; k < 3; k++) {
        int o = in->opd[k], bytes = 0;
        switch (o) {
        case X86_O_IB: case X86_O_IBS: case X86_O_JB: bytes = 1; break;
        case X86_O_IW: bytes = 2; break;
        case X86_O_IV: case X86_O_JV: bytes = n->osz; break;
        case X86_O_AP: bytes = n->osz; break;
        default: break;
        }
        if (!bytes) continue;
        n->imm[n->nimm] = rnd_imm(c, k, bytes) & vmask(bytes);
        n->immsz[n->nimm++] = bytes;
        if (o == X86_O_AP) { /* the selector after the offset */
            n->imm[n->nimm] = rnd(g) & 0xFFFF;
            n->immsz[n->nimm++] = 2;
        }
    }
    /* the state: random registers and flags; real mode: random segments */
    for (int r = 0; r < 8; r++) s->r[r] = rnd_val(g);
    uint32_t fl = (rnd(g) & ARITH) | (chance(g, 30) ? X86_DF : 0) | (chance(g, 50) ? X86_IF : 0) |
                  (rnd(g) & X86_IOPL) | (chance(g, 20) ? X86_NT : 0) | 2u;
    if (c->variant == X86_PENTIUM) fl |= rnd(g) & (X86_AC | X86_ID);
    s->fl = fl;
    if (c->real) {
        for (int i = 0; i < X86_NSEG; i++)
            s->seg[i] = rm_segs[rnd_n(g, sizeof rm_segs / sizeof *rm_segs)];
    } else {
        memcpy(s->seg, pm_segs[c->cf->cpl == 3], sizeof s->seg);
    }
    s->vec = -1;
    /* registers with a role */
    if (c->real) {
        if (chance(g, 70)) s->r[X86_ESP] = (s->r[X86_ESP] & 0xFFFF0000u) | (rnd(g) & 0xFFFE);
    } else {
        pin(c, X86_ESP, WIN_LO + 0x400 + (rnd_n(g, WIN_HI - WIN_LO - 0x800) & (chance(g, 80) ? ~3u : ~0u)));
    }
    switch (in->op) {
    case X86_OP_MOVS: case X86_OP_CMPS: case X86_OP_STOS: case X86_OP_LODS: case X86_OP_SCAS: {
        uint32_t am = amask(n->asz);
        for (int r = X86_ESI; r <= X86_EDI; r++)
            pin(c, r, n->asz == 4 ? (s->r[r] & ~am) | target_off(c) : s->r[r]);
        if (n->rep) pin(c, X86_ECX, (s->r[X86_ECX] & ~am) | (chance(g, 15) ? 0 : rnd_n(g, 40)));
        break;
    }
    case X86_OP_XLAT:
        if (n->asz == 4) pin(c, X86_EBX, target_off(c));
        break;
    case X86_OP_ENTER: case X86_OP_LEAVE:
        if (!c->real) pin(c, X86_EBP, WIN_LO + 0x400 + rnd_n(g, WIN_HI - WIN_LO - 0x800));
        break;
    case X86_OP_LOOP: case X86_OP_LOOPE: case X86_OP_LOOPNE: case X86_OP_JCXZ:
        if (chance(g, 40)) s->r[X86_ECX] = (s->r[X86_ECX] & ~amask(n->asz)) | rnd_n(g, 3);
        break;
    case X86_OP_ROL: case X86_OP_ROR: case X86_OP_RCL: case X86_OP_RCR: case X86_OP_SHL: case X86_OP_SHR:
    case X86_OP_SAL6: case X86_OP_SAR: case X86_OP_SHLD: case X86_OP_SHRD:
        if (has_kind(in, X86_O_CL)) s->r[X86_ECX] = (s->r[X86_ECX] & ~0xFFu) | rnd_count(g);
        break;
    case X86_OP_BT: case X86_OP_BTS: case X86_OP_BTR: case X86_OP_BTC:
        /* a register bit offset on memory reaches +-2^31 bits: keep it near */
        if (n->mem && !has_kind(in, X86_O_IB))
            pin(c, n->reg, (uint32_t)((int32_t)rnd_n(g, 0x6000) - 0x3000));
        break;
    default: break;
    }
    if (n->mem) steer(c);
    if (!touches_data_only(c)) return false;
    /* fresh data under the memory operand */
    if (n->mem && in->op != X86_OP_LEA) {
        int sz = mem_size(n);
        for (int k = 0; k < sz; k++) data_put(c, ea_lin(c, n, s, (uint32_t)k), 1, rnd(g));
    }
    /* operands with a meaning */
    int ob = n->opbits / 8;
    switch (in->op) {
    case X86_OP_MOV_SEG: case X86_OP_LAR: case X86_OP_LSL: case X86_OP_VERR: case X86_OP_VERW:
        if (!c->real || in->op == X86_OP_MOV_SEG) e_put(c, n, s, 2, c->real ? rnd(g) : rnd_selector(g));
        break;
    case X86_OP_POP_SEG:
        if (!c->real) {
            uint32_t sp = s->r[X86_ESP];
            data_put(c, sp, 2, rnd_selector(g));
        }
        break;
    case X86_OP_LSEG:
        if (n->mem) {
            uint16_t sel = c->real ? (uint16_t)rnd(g) : rnd_selector(g);
            if (in->opcode == 0x1B2 && !c->real && chance(g, 50)) sel = 0x10; /* LSS: a stack segment */
            for (int k = 0; k < 2; k++) data_put(c, ea_lin(c, n, s, (uint32_t)(n->osz + k)), 1, sel >> (8 * k));
        }
        break;
    case X86_OP_CMPXCHG:
        if (!addr_reg(n, X86_EAX) && chance(g, 50)) reg_put(s, X86_EAX, ob, e_get(c, n, s, ob));
        break;
    case X86_OP_CMPXCHG8B:
        if (n->mem && chance(g, 50)) {
            e_put(c, n, s, 4, s->r[X86_EAX]);
            for (int k = 0; k < 4; k++) data_put(c, ea_lin(c, n, s, (uint32_t)(4 + k)), 1, s->r[X86_EDX] >> (8 * k));
        }
        break;
    case X86_OP_BOUND:
        if (n->mem && chance(g, 60)) {
            uint32_t v = reg_get(s, n->reg, ob), lo = v - rnd_n(g, 3), hi = v + rnd_n(g, 3); /* around it, mostly */
            for (int k = 0; k < ob; k++) {
                data_put(c, ea_lin(c, n, s, (uint32_t)k), 1, lo >> (8 * k));
                data_put(c, ea_lin(c, n, s, (uint32_t)(ob + k)), 1, hi >> (8 * k));
            }
        }
        break;
    case X86_OP_DIV: case X86_OP_IDIV: {
        /* mostly a quotient that fits (else #DE) */
        bool div_in_dividend = !n->mem && (ob == 1 ? (n->rm == X86_EAX || n->rm == 4)
                                                    : (n->rm == X86_EAX || n->rm == X86_EDX));
        if (div_in_dividend || addr_reg(n, X86_EAX) || addr_reg(n, X86_EDX) || !chance(g, 75)) break;
        uint32_t d = e_get(c, n, s, ob);
        if (!d) {
            d = 1 + rnd_n(g, 0xFF);
            e_put(c, n, s, ob, d);
        }
        bool sgn = in->op == X86_OP_IDIV;
        if (ob == 1) {
            uint32_t hi = sgn ? ((s->r[X86_EAX] & 0x80) ? 0xFF : 0) : rnd_n(g, d);
            reg_put(s, 4, 1, hi); /* AH */
        } else {
            uint32_t hi = sgn ? ((reg_get(s, X86_EAX, ob) & (ob == 2 ? 0x8000u : 0x80000000u)) ? 0xFFFFFFFFu : 0)
                              : rnd_n(g, d);
            reg_put(s, X86_EDX, ob, hi);
        }
        break;
    }
    case X86_OP_BSF: case X86_OP_BSR:
        if (chance(g, 20)) e_put(c, n, s, ob, 0);
        break;
    default: break;
    }
    /* the shift count, for the flags it leaves undefined */
    if (has_kind(in, X86_O_CL)) n->count = s->r[X86_ECX] & 0xFF;
    else if (has_kind(in, X86_O_ONE)) n->count = 1;
    else if (has_kind(in, X86_O_IB)) n->count = n->imm[n->nimm - 1];
    assemble(c);
    if (n->len > 15) return false;
    /* the generator's own check: the decoder reads the form meant */
    x86_decoded d;
    if (x86_decode(c->variant, n->b, (size_t)n->len, big, &d) < 0 || d.len != n->len ||
        (d.in != in && !(in->mod == X86_MOD_MEM && !n->mem)) ) {
        printf("generator bug: ");
        for (int i = 0; i < n->len; i++) printf("%02x ", n->b[i]);
        printf("is not %s (row %d)\n", in->name, row);
        exit(1);
    }
    return true;
}

/* how many disagreements to show (VLAB_X86_UC_REPORT, default 20) */
static unsigned long max_report(void) {
    const char *e = getenv("VLAB_X86_UC_REPORT");
    return e && *e ? strtoul(e, NULL, 0) : MAX_REPORT;
}

/* ---- running it --------------------------------------------------------------------------- */

static int uc_vec; /* the vector Unicorn's interrupt hook saw, -1 */
static void hook_intr(uc_engine *uc, uint32_t intno, void *ud) {
    (void)ud;
    uc_vec = (int)intno;
    uc_emu_stop(uc);
}

static void vl_write_state(ctx *c, const st *s) {
    vlab_machine *m = c->m;
    for (int i = 0; i < X86_NSEG; i++) vlab_reg_set(m, c->vseg[i], s->seg[i]);
    for (int r = 0; r < 8; r++) vlab_reg_set(m, c->vr[r], s->r[r]);
    vlab_reg_set(m, c->veip, s->eip);
    vlab_reg_set(m, c->vfl, s->fl);
}
static void vl_read_state(ctx *c, st *s) {
    vlab_machine *m = c->m;
    for (int r = 0; r < 8; r++) s->r[r] = vlab_reg_get(m, c->vr[r]);
    for (int i = 0; i < X86_NSEG; i++) s->seg[i] = (uint16_t)vlab_reg_get(m, c->vseg[i]);
    s->eip = vlab_reg_get(m, c->veip);
    s->fl = vlab_reg_get(m, c->vfl);
}
static void set_limits(ctx *c, uint32_t limit) {
    for (int i = 0; i < X86_NSEG; i++) vlab_reg_set(c->m, c->vlim[i], limit);
}

/* One step of vlab from s0; the data it leaves in c->vbuf. relaxed: with
 * 4 GiB limits (real mode) and a writable CS, the segment checks QEMU
 * does not make switched off. */
static void run_vlab(ctx *c, st *out, bool relaxed) {
    vl_write_state(c, &c->s0);
    uint32_t cs_attr = vlab_reg_get(c->m, c->vcs_attr);
    if (relaxed) {
        if (c->real) set_limits(c, 0xFFFFFFFFu);
        vlab_reg_set(c->m, c->vcs_attr,
                     (cs_attr & (X86_A_DB | X86_A_G)) | X86_A_P | X86_A_S | X86_T_W | X86_T_ACCESSED);
    }
    vlab_stop vs = vlab_step(c->m, 1);
    if (relaxed) {
        if (c->real) set_limits(c, 0xFFFFu);
        vlab_reg_set(c->m, c->vcs_attr, cs_attr);
    }
    vl_read_state(c, out);
    out->vec = vs.reason == VLAB_STOP_EXCEPTION ? vs.vector : vs.reason == VLAB_STOP_BUDGET || vs.reason == VLAB_STOP_HALT ? -1 : 1000 + vs.reason;
    vlab_mem_read(c->m, 0, c->vbuf, DATA_END);
}

static void run_unicorn(ctx *c, const st *v, st *out) {
    uc_engine *uc = c->uc;
    const st *s = &c->s0;
    uc_context_restore(uc, c->uctx);
    if (c->real)
        for (int i = 0; i < X86_NSEG; i++) {
            uint16_t v = s->seg[i];
            uc_reg_write(uc, uc_s[i], &v);
        }
    for (int r = 0; r < 8; r++) uc_reg_write(uc, uc_r[r], &s->r[r]);
    uc_reg_write(uc, UC_X86_REG_EFLAGS, &s->fl);
    uint64_t begin = c->cs_base + s->eip;
    /* Unicorn translates the code where it stops; random data there can
     * abort it (LOCK BT reg...): it stops where vlab went, before decoding */
    uint64_t until = begin + (uint64_t)c->ins.len; /* where vlab faulted: the next instruction */
    if (v->vec < 0) {
        uint64_t pc = (seg_base(c, v, X86_CS) + (uint64_t)v->eip) & 0xFFFFFFFFu;
        until = pc != begin ? pc : 0xFFFFFFFFFFFFFFFFull; /* a jump to itself: its own code */
    }
    uc_vec = -1;
    uc_err e = uc_emu_start(uc, begin, until, 0, 1);
    /* a REP string instruction counts one step per iteration: step it to its end */
    for (int k = 0; c->ins.rep && e == UC_ERR_OK && uc_vec < 0 && k < 70000; k++) {
        uint32_t pc = 0;
        uc_reg_read(uc, UC_X86_REG_EIP, &pc);
        if (pc != (c->real ? begin : s->eip)) break;
        e = uc_emu_start(uc, begin, until, 0, 1);
    }
    for (int r = 0; r < 8; r++) uc_reg_read(uc, uc_r[r], &out->r[r]);
    for (int i = 0; i < X86_NSEG; i++) {
        uint16_t v = 0;
        uc_reg_read(uc, uc_s[i], &v);
        out->seg[i] = v;
    }
    uc_reg_read(uc, UC_X86_REG_EIP, &out->eip);
    /* real mode: Unicorn 2.0.1 leaves CS x 16 + IP in EIP after a counted
     * stop (after an exception or at the until address, IP) */
    if (c->real && e == UC_ERR_OK && uc_vec < 0) {
        uint32_t csb = (uint32_t)out->seg[X86_CS] << 4;
        if (until == 0xFFFFFFFFFFFFFFFFull || (uint32_t)(csb + out->eip) != (uint32_t)until) out->eip -= csb;
    }
    uc_reg_read(uc, UC_X86_REG_EFLAGS, &out->fl);
    out->vec = e == UC_ERR_INSN_INVALID ? X86_EXC_UD : e != UC_ERR_OK ? 2000 + (int)e : uc_vec;
    uc_mem_read(uc, 0, c->ubuf, DATA_END);
    /* Unicorn translated code where it stopped: a slot still to come must not keep it */
    uint32_t pc = (c->real ? (uint32_t)out->seg[X86_CS] << 4 : 0) + out->eip;
    if (pc > c->slot && pc < code_hi(c) && (pc - CODE_LO) % SLOT == 0) uc_ctl_remove_cache(uc, pc, (uint64_t)pc + 1);
}

static const char *vec_name(int v) {
    static char buf[4][32];
    static int k;
    if (v < 0) return "none";
    char *b = buf[k++ & 3];
    if (v >= 2000) snprintf(b, 32, "unicorn error %d", v - 2000);
    else if (v >= 1000) snprintf(b, 32, "stop %s", vlab_stop_name(v - 1000));
    else snprintf(b, 32, "#%d", v);
    return b;
}

static void show_insn(ctx *c) {
    insn *n = &c->ins;
    printf("  bytes:");
    for (int i = 0; i < n->len; i++) printf(" %02x", n->b[i]);
    printf("   form: %s (row %d, opcode %#x%s%s), osz %d asz %d\n", n->in->name, n->row, n->in->opcode,
           n->mem ? ", memory" : "", n->lock ? ", lock" : "", n->osz * 8, n->asz * 8);
    char text[128];
    char model[32];
    snprintf(model, sizeof model, "x86:%s", c->cf->model);
    if (!c->real && vlab_disasm(model, n->b, (size_t)n->len, c->s0.eip, text, sizeof text) > 0)
        printf("  vlab disasm: %s\n", text);
    if (vl_test_have_cmd("objdump")) {
        char path[] = "/tmp/vlab_x86_uc_XXXXXX";
        int fd = mkstemp(path);
        if (fd >= 0) {
            FILE *f = fdopen(fd, "wb");
            fwrite(n->b, 1, (size_t)n->len, f);
            fclose(f);
            char cmd[256];
            snprintf(cmd, sizeof cmd, "objdump -D -b binary -m %s %s | sed -n 's/^ *0:\\t[0-9a-f ]*\\t/  objdump: /p'",
                     c->real ? "i8086" : "i386", path);
            fflush(stdout);
            if (system(cmd) != 0) printf("  (objdump failed)\n");
            remove(path);
        }
    }
    const st *s = &c->s0;
    printf("  start:");
    for (int r = 0; r < 8; r++) printf(" %s=%08x", rname[r], s->r[r]);
    printf("\n         eip=%08x eflags=%08x", s->eip, s->fl);
    for (int i = 0; i < X86_NSEG; i++) printf(" %s=%04x", sname[i], s->seg[i]);
    if (n->mem) printf(" ea=%08x", ea_lin(c, n, s, 0));
    printf("\n");
}

/* Do vlab's (a, data in vbuf) and Unicorn's (b, ubuf) results differ under the masks? */
static bool differ(const ctx *c, const st *a, const st *b, const uint32_t rmask[8], uint32_t flmask) {
    bool bad = a->vec != b->vec || a->eip != b->eip || ((a->fl ^ b->fl) & flmask);
    for (int r = 0; r < 8; r++) bad |= ((a->r[r] ^ b->r[r]) & rmask[r]) != 0;
    for (int i = 0; i < X86_NSEG; i++) bad |= a->seg[i] != b->seg[i];
    return bad || memcmp(c->vbuf, c->ubuf, DATA_END) != 0;
}

/* Print what differs, one line each. */
static void show_diff(FILE *f, const ctx *c, const st *a, const st *b, const uint32_t rmask[8], uint32_t flmask) {
    if (a->vec != b->vec) fprintf(f, "  exception: vlab %s unicorn %s\n", vec_name(a->vec), vec_name(b->vec));
    for (int r = 0; r < 8; r++)
        if ((a->r[r] ^ b->r[r]) & rmask[r])
            fprintf(f, "  %s: vlab %08x unicorn %08x (compared bits %08x)\n", rname[r], a->r[r], b->r[r], rmask[r]);
    if (a->eip != b->eip) fprintf(f, "  eip: vlab %08x unicorn %08x\n", a->eip, b->eip);
    if ((a->fl ^ b->fl) & flmask)
        fprintf(f, "  eflags: vlab %08x unicorn %08x (compared bits %08x)\n", a->fl, b->fl, flmask);
    for (int i = 0; i < X86_NSEG; i++)
        if (a->seg[i] != b->seg[i]) fprintf(f, "  %s: vlab %04x unicorn %04x\n", sname[i], a->seg[i], b->seg[i]);
    for (uint32_t i = 0; i < DATA_END; i++) {
        if (c->vbuf[i] == c->ubuf[i]) continue;
        fprintf(f, "  memory from %05x:", i);
        for (uint32_t k = i; k < i + 8 && k < DATA_END; k++) fprintf(f, " %02x/%02x", c->vbuf[k], c->ubuf[k]);
        fprintf(f, " (vlab/unicorn; before:");
        for (uint32_t k = i; k < i + 8 && k < DATA_END; k++) fprintf(f, " %02x", c->img[k]);
        fprintf(f, ")\n");
        break;
    }
}

/* Results the SDM leaves undefined (vol. 2, the instruction pages): vlab's
 * value stands for both. */
static void mask_undefined(ctx *c, const st *v, uint32_t rmask[8]) {
    insn *n = &c->ins;
    const st *s = &c->s0;
    int op = n->in->op, ob = n->opbits / 8;
    switch (op) {
    case X86_OP_BSF: case X86_OP_BSR: /* "If the source operand is 0, the destination is undefined" */
        if (e_get(c, n, s, ob) == 0) rmask[n->reg] &= ~vmask(ob);
        break;
    case X86_OP_SHLD: case X86_OP_SHRD: /* "if the count is greater than the operand size, the result is undefined" */
        if ((n->count & 31) > (unsigned)n->opbits) {
            if (n->mem)
                for (int k = 0; k < ob; k++) {
                    uint32_t a = ea_lin(c, n, s, (uint32_t)k);
                    c->ubuf[a] = c->vbuf[a], c->ubuf_set = true;
                }
            else rmask[n->rm] &= ~vmask(ob);
        }
        break;
    case X86_OP_MOV_FROM_SEG: case X86_OP_SLDT: case X86_OP_STR: case X86_OP_SMSW:
        /* into a 32-bit register: "the two high-order bytes are undefined" (before the P6) */
        if (!n->mem && n->osz == 4) rmask[n->rm] &= 0xFFFFu;
        break;
    case X86_OP_LAR: /* 32-bit: "masked by 00FxFF00H": bits 16-19 undefined */
        if (n->osz == 4) rmask[n->reg] &= ~0x000F0000u;
        break;
    case X86_OP_BSWAP: /* "When BSWAP references a 16-bit register, the result is undefined" */
        if (n->osz == 2) rmask[n->zreg] = 0;
        break;
    case X86_OP_PUSH_SEG: /* 32-bit push of a selector: the upper word is implementation-dependent */
        if (n->osz == 4 && v->vec < 0) {
            uint32_t sp = v->r[X86_ESP], base = seg_base(c, v, X86_SS);
            for (uint32_t k = 2; k < 4; k++) {
                uint32_t a = base + ((sp + k) & (c->real ? 0xFFFFu : 0xFFFFFFFFu));
                if (a < DATA_END) c->ubuf[a] = c->vbuf[a], c->ubuf_set = true;
            }
        }
        break;
    default: break;
    }
}

/* What to compare of vlab's result v and Unicorn's u: the SDM's undefined
 * flags and results masked (mask_undefined), and Unicorn's state corrected
 * where a listed known difference is recognized exactly (counted in hits). */
static void reconcile(ctx *c, const st *v, st *u, uint32_t rmask[8], uint32_t *flmask, unsigned long hits[NKD]) {
    insn *n = &c->ins;
    const judge *j = c->j;
    int op = n->in->op;
    for (int r = 0; r < 8; r++) rmask[r] = 0xFFFFFFFFu;
    *flmask = ~0u;
    /* Unicorn 2.0.1: a jump to EIP >= 0x80000000 may end the run with
     * UC_ERR_FETCH_UNMAPPED (its EIP right, the whole 4 GiB mapped) */
    if (v->vec < 0 && u->vec == 2000 + UC_ERR_FETCH_UNMAPPED && v->eip >= 0x80000000u && u->eip == v->eip &&
        j->listed[KD_HIGH_EIP]) {
        u->vec = -1;
        hits[KD_HIGH_EIP]++;
    }
    /* the test's own limit: Unicorn translates the next instruction (not run)
     * and fails when it would cross the end of the 4 GiB */
    if (v->vec < 0 && u->vec == 2000 + UC_ERR_FETCH_UNMAPPED && u->eip == v->eip &&
        seg_base(c, v, X86_CS) + (uint64_t)v->eip + 16 > 0x100000000ull)
        u->vec = -1;
    if (v->vec >= 0 || u->vec >= 0) return;
    *flmask &= ~undef_flags(op, n->count, n->opbits);
    mask_undefined(c, v, rmask);
    /* Unicorn 2.0.1: RET imm16 adds the sign-extended imm16 to ESP */
    if (op == X86_OP_RET && n->nimm && (n->imm[0] & 0x8000) && !c->real && j->listed[KD_RET_IMM16] &&
        u->r[X86_ESP] == v->r[X86_ESP] - 0x10000u) {
        u->r[X86_ESP] = v->r[X86_ESP];
        hits[KD_RET_IMM16]++;
    }
    /* Unicorn 2.0.1: LOCK NEG sets SF, ZF and PF from the operand before the negation */
    if (op == X86_OP_NEG && n->lock && n->mem && j->listed[KD_LOCK_NEG]) {
        uint32_t a = e_get(c, n, &c->s0, n->opbits / 8), sign = 1u << (n->opbits - 1);
        uint32_t szp = (a == 0 ? ZF : 0) | (a & sign ? SF : 0) | (__builtin_parity(a & 0xFF) ? 0 : PF);
        if (u->fl != v->fl && u->fl == ((v->fl & ~(SF | ZF | PF)) | szp)) {
            u->fl = v->fl;
            hits[KD_LOCK_NEG]++;
        }
    }
    /* ENTER with a 32-bit operand on a 16-bit stack: QEMU writes only BP and
     * pushes the whole ESP as the frame pointer; the 386's frame pointer is
     * SP ("frame-ptr := eSP"), zero-extended into EBP and onto the stack */
    if (op == X86_OP_ENTER && n->osz == 4 && c->real && j->listed[KD_ENTER16] && !(v->r[X86_EBP] >> 16) &&
        u->r[X86_EBP] == ((c->s0.r[X86_EBP] & 0xFFFF0000u) | v->r[X86_EBP])) {
        unsigned level = n->imm[1] & 31;
        bool mem_ok = true;
        uint32_t at[2] = { 0, 0 };
        if (level) {
            uint32_t top = v->r[X86_EBP] - 4 * level + 2, base = seg_base(c, v, X86_SS);
            for (int k = 0; k < 2; k++) {
                at[k] = base + ((top + (uint32_t)k) & 0xFFFF);
                /* QEMU's frame pointer: ESP after the push of EBP, all 32 bits */
                uint32_t qemu_frame = c->s0.r[X86_ESP] - 4;
                mem_ok &= at[k] < DATA_END && c->vbuf[at[k]] == 0 && c->ubuf[at[k]] == (uint8_t)(qemu_frame >> (16 + 8 * k));
            }
        }
        if (mem_ok) {
            u->r[X86_EBP] = v->r[X86_EBP];
            if (level) c->ubuf[at[0]] = c->ubuf[at[1]] = 0, c->ubuf_set = true;
            hits[KD_ENTER16]++;
        }
    }
    /* far RET on a 16-bit stack whose second pop wraps past offset 0xFFFF:
     * QEMU reads the selector at SS:SP + size without the 16-bit wrap */
    if (op == X86_OP_RETF && c->real && j->listed[KD_RETF_WRAP]) {
        uint32_t sp = c->s0.r[X86_ESP] & 0xFFFF, osz = (uint32_t)n->osz;
        if (sp + osz > 0xFFFF) {
            uint16_t q = (uint16_t)data_get(c, seg_base(c, &c->s0, X86_SS) + sp + osz, 2);
            if (u->seg[X86_CS] == q && v->seg[X86_CS] != q) {
                u->seg[X86_CS] = v->seg[X86_CS];
                hits[KD_RETF_WRAP]++;
            }
        }
    }
    /* no 386 in QEMU: its 486 (and Pentium) POPF sets AC and ID, which a 386 does not have */
    if (op == X86_OP_POPF && c->variant == X86_I386 && j->listed[KD_NO_386] &&
        ((u->fl ^ v->fl) & (X86_AC | X86_ID)) && !(v->fl & (X86_AC | X86_ID))) {
        u->fl &= ~(X86_AC | X86_ID);
        hits[KD_NO_386]++;
    }
}

/* Could the instruction have met a check QEMU does not make: a write
 * through CS in protected mode; in real mode an offset at the end of a
 * segment (the memory operand, the stack, a string, XLAT) or a jump that
 * leaves IP's 16 bits. (Only then is a #GP/#SS run again without them.) */
static bool near_a_limit(const ctx *c) {
    const insn *n = &c->ins;
    const st *s = &c->s0;
    int op = n->in->op;
    if (!c->real) return n->mem && n->seg == X86_CS;
    if (n->in->flow != VL_FLOW_NONE && n->in->flow != VL_FLOW_TRAP) return true; /* where it goes: vlab checks */
    if (n->mem && op != X86_OP_LEA) {
        uint64_t last = (uint64_t)ea_off(n, s) + (uint64_t)mem_size(n) - 1;
        if (op == X86_OP_BT || op == X86_OP_BTS || op == X86_OP_BTR || op == X86_OP_BTC) last += 0x2000;
        if (last > 0xFFFF) return true;
    }
    uint32_t sp = s->r[X86_ESP] & 0xFFFF, bp = s->r[X86_EBP] & 0xFFFF;
    if (sp < 0x100 || sp > 0xFF00 || bp < 0x100 || bp > 0xFF00) return true;
    if (n->in->flags & X86_F_STR) {
        uint32_t si = s->r[X86_ESI] & amask(n->asz), di = s->r[X86_EDI] & amask(n->asz);
        if (si < 0x100 || si > 0xFF00 || di < 0x100 || di > 0xFF00) return true;
    }
    return op == X86_OP_XLAT && n->asz == 4 && s->r[X86_EBX] + 0xFF > 0xFFFF;
}

/* Where vlab raised an exception Unicorn did not (or another one): the
 * known differences of that kind. true: excused (hits counted). */
static bool excused_fault(ctx *c, const st *v, const st *u, unsigned long hits[NKD]) {
    insn *n = &c->ins;
    const judge *j = c->j;
    /* QEMU 5.0 ignores LOCK on instructions that cannot take it (the SDM: #UD) */
    if (v->vec == X86_EXC_UD && u->vec != X86_EXC_UD && n->lock && j->listed[KD_LOCK] &&
        !((n->in->flags & X86_F_LOCK) && n->mem && !n->moffs)) {
        hits[KD_LOCK]++;
        return true;
    }
    /* C4/C5 with a register operand in protected mode: QEMU decodes a VEX
     * prefix (even for CPUs without AVX); on the 386 and the Pentium it is
     * LES/LDS with a register: #UD */
    if ((n->in->opcode == 0xC4 || n->in->opcode == 0xC5) && !n->mem && !c->real && v->vec == X86_EXC_UD &&
        u->vec != X86_EXC_UD && j->listed[KD_VEX]) {
        hits[KD_VEX]++;
        return true;
    }
    /* 0F 01 with a register operand: QEMU decodes the later instructions
     * there (STAC, CLAC, MONITOR, SWAPGS...) whatever the CPU model; on the
     * 386 and the Pentium, SGDT/SIDT/LGDT/LIDT/INVLPG with a register: #UD */
    if (n->in->opcode == 0x101 && !n->mem && v->vec == X86_EXC_UD && u->vec != X86_EXC_UD && j->listed[KD_0F01]) {
        hits[KD_0F01]++;
        return true;
    }
    /* F6/F7 /1: TEST on the hardware (AMD documents it), blank in Intel's
     * opcode map: QEMU 5.0 raises #UD */
    if ((n->in->opcode == 0xF6 || n->in->opcode == 0xF7) && n->reg == 1 && v->vec != X86_EXC_UD && u->vec == X86_EXC_UD &&
        j->listed[KD_TEST_ALIAS]) {
        hits[KD_TEST_ALIAS]++;
        return true;
    }
    /* QEMU's TCG checks neither segment limits in real mode nor writes
     * through CS: where vlab raised #GP/#SS (as the 386 does), it must agree
     * with Unicorn when run again with 4 GiB limits and a writable CS */
    if ((v->vec == X86_EXC_GP || v->vec == X86_EXC_SS) && u->vec != v->vec && j->listed[KD_SEG_CHECKS] &&
        near_a_limit(c)) {
        st v2, u2 = *u;
        uint32_t rmask[8], flmask;
        memcpy(c->tbuf, c->vbuf, DATA_END);
        vlab_mem_write(c->m, 0, c->img, DATA_END);
        run_vlab(c, &v2, true);
        reconcile(c, &v2, &u2, rmask, &flmask, hits);
        bool same = !differ(c, &v2, &u2, rmask, flmask);
        if (!same) { /* for the report */
            fprintf(c->note, "  vlab again, with 4 GiB limits and a writable CS (the checks QEMU does not make):\n");
            show_diff(c->note, c, &v2, &u2, rmask, flmask);
        }
        memcpy(c->vbuf, c->tbuf, DATA_END); /* vlab's data: the faulting run's */
        vlab_mem_write(c->m, 0, c->vbuf, DATA_END);
        if (same) {
            hits[KD_SEG_CHECKS]++;
            return true;
        }
    }
    return false;
}

/* One instruction on both, compared. */
static void check_one(ctx *c) {
    insn *n = &c->ins;
    judge *j = c->j;
    st v, u;
    /* the memory as the instruction finds it, on both */
    for (int i = 0; i < c->npat; i++) {
        patch *p = &c->pat[i];
        memcpy(c->img + p->addr, p->b, p->len);
        vlab_mem_write(c->m, p->addr, p->b, p->len);
        uc_mem_write(c->uc, p->addr, p->b, p->len);
    }
    vlab_mem_write(c->m, c->slot, n->b, (size_t)n->len);
    uc_mem_write(c->uc, c->slot, n->b, (size_t)n->len);
    run_vlab(c, &v, false);
    if (getenv("VLAB_X86_UC_TRACE")) { /* each instruction before Unicorn runs it: what aborted it */
        printf("execution %lu:", j->execs);
        for (int i = 0; i < n->len; i++) printf(" %02x", n->b[i]);
        printf("\n");
    }
    run_unicorn(c, &v, &u);
    j->execs++;
    c->runs[n->row]++;
    if (v.vec >= 0) j->faults++;
    uint32_t rmask[8], flmask;
    unsigned long hits[NKD] = { 0 };
    st u1 = u;
    c->ubuf_set = false;
    reconcile(c, &v, &u1, rmask, &flmask, hits);
    bool agree = !differ(c, &v, &u1, rmask, flmask);
    if (agree && c->ubuf_set) uc_mem_write(c->uc, 0, c->vbuf, DATA_END); /* Unicorn goes on with vlab's bytes */
    if (!agree) {
        char *note = NULL;
        size_t notelen = 0;
        c->note = open_memstream(&note, &notelen);
        memset(hits, 0, sizeof hits);
        if (!excused_fault(c, &v, &u, hits)) {
            unsigned long none[NKD] = { 0 };
            memset(hits, 0, sizeof hits);
            reconcile(c, &v, &u, rmask, &flmask, none);
            fclose(c->note);
            if (j->mismatches++ < max_report()) {
                printf("MISMATCH %s %s, execution %lu:\n", c->cf->model, mode_name(c->cf), j->execs);
                show_insn(c);
                show_diff(stdout, c, &v, &u, rmask, flmask);
                fputs(note, stdout);
            }
        } else {
            fclose(c->note);
        }
        free(note);
        /* both go on from vlab's data */
        uc_mem_write(c->uc, 0, c->vbuf, DATA_END);
    }
    for (int k = 0; k < NKD; k++) j->hits[k] += hits[k];
    uint8_t *t = c->img;
    c->img = c->vbuf;
    c->vbuf = t;
}

/* ---- set-up ------------------------------------------------------------------------------- */

static int reg_index(vlab_machine *m, const char *name) {
    int i = vlab_reg_index(m, name);
    if (i < 0) {
        printf("FAIL: vlab has no register %s\n", name);
        exit(1);
    }
    return i;
}

/* Unicorn to CPL 3 the way software goes there: an IRET (its registers
 * cannot be loaded with an outer-level SS), then the data segments. */
static bool unicorn_to_ring3(ctx *c) {
    uc_engine *uc = c->uc;
    uint32_t frame = CODE_LO - 0x100, code = CODE_LO - 0x10, target = CODE_LO - 0x20; /* outside the data */
    uint32_t f[5] = { target, 0x83, 0x2, 0x8000, 0x23 }; /* EIP CS EFLAGS ESP SS */
    uint8_t iret = 0xCF;
    uc_mem_write(uc, frame, f, sizeof f);
    uc_mem_write(uc, code, &iret, 1);
    uc_reg_write(uc, UC_X86_REG_ESP, &frame);
    uc_vec = -1;
    uc_err e = uc_emu_start(uc, code, target, 0, 1);
    uint16_t cs = 0;
    uc_reg_read(uc, UC_X86_REG_CS, &cs);
    if (e != UC_ERR_OK || uc_vec >= 0 || cs != 0x83) {
        printf("FAIL: unicorn: IRET to CPL 3: %s, vector %d, cs %#x\n", uc_strerror(e), uc_vec, cs);
        return false;
    }
    for (int i = 0; i < X86_NSEG; i++) {
        uint16_t sel = pm_segs[1][i];
        if (i != X86_CS && i != X86_SS && uc_reg_write(uc, uc_s[i], &sel) != UC_ERR_OK) {
            printf("FAIL: unicorn at CPL 3 cannot load %s = %#x\n", sname[i], sel);
            return false;
        }
    }
    return true;
}

static bool setup(ctx *c, const config *cf, uint64_t seed, judge *j) {
    char err[256];
    memset(c, 0, sizeof *c);
    c->cf = cf;
    c->j = j;
    c->real = cf->real;
    c->g.s = seed * 0x9E3779B97F4A7C15ull + 0x2545F4914F6CDD1Dull;
    c->m = vlab_machine_new("x86", cf->model, RAM, err, sizeof err);
    if (!c->m) {
        printf("FAIL: %s\n", err);
        return false;
    }
    c->variant = strcmp(cf->model, "pentium") == 0 ? X86_PENTIUM : X86_I386;
    vlab_machine *m = c->m;
    for (int r = 0; r < 8; r++) c->vr[r] = reg_index(m, rname[r]);
    for (int i = 0; i < X86_NSEG; i++) {
        char nm[16];
        c->vseg[i] = reg_index(m, sname[i]);
        snprintf(nm, sizeof nm, "%s_limit", sname[i]);
        c->vlim[i] = reg_index(m, nm);
    }
    c->veip = reg_index(m, "eip");
    c->vcs_attr = reg_index(m, "cs_attr");
    c->vfl = reg_index(m, "eflags");
    if (uc_open(UC_ARCH_X86, cf->real ? UC_MODE_16 : UC_MODE_32, &c->uc) != UC_ERR_OK) {
        printf("FAIL: uc_open(UC_ARCH_X86)\n");
        return false;
    }
    uc_engine *uc = c->uc;
    if (uc_ctl_set_cpu_model(uc, cf->uc_cpu) != UC_ERR_OK) {
        printf("FAIL: unicorn has no CPU model %d\n", cf->uc_cpu);
        return false;
    }
    if (uc_mem_map(uc, 0, 0x100000000ull, UC_PROT_ALL) != UC_ERR_OK) {
        printf("FAIL: uc_mem_map(4 GiB)\n");
        return false;
    }
    uc_hook hh;
    uc_hook_add(uc, &hh, UC_HOOK_INTR, (void *)hook_intr, NULL, 1, 0);

    c->img = calloc(1, DATA_END);
    c->vbuf = calloc(1, DATA_END);
    c->ubuf = calloc(1, DATA_END);
    c->tbuf = calloc(1, DATA_END);
    c->runs = calloc((size_t)x86_ninsns, sizeof *c->runs);
    for (uint32_t a = 0; a < DATA_END; a++) c->img[a] = (uint8_t)rnd(&c->g);
    /* every exception stops vlab (no IDT entry): as Unicorn's hook does */
    if (cf->real) vlab_reset(m);
    vlab_reg_set(m, reg_index(m, "idtr_base"), 0);
    vlab_reg_set(m, reg_index(m, "idtr_limit"), 0);
    uc_x86_mmr idt = { 0, 0, 0, 0 };
    uc_reg_write(uc, UC_X86_REG_IDTR, &idt);
    if (!cf->real) {
        memcpy(c->img + GDT_ADDR, gdt_desc, sizeof gdt_desc);
        vlab_reg_set(m, reg_index(m, "gdtr_base"), GDT_ADDR);
        vlab_reg_set(m, reg_index(m, "gdtr_limit"), GDT_N * 8 - 1);
        uc_x86_mmr gdt = { 0, GDT_ADDR, GDT_N * 8 - 1, 0 };
        uc_reg_write(uc, UC_X86_REG_GDTR, &gdt);
        vlab_mem_write(m, 0, c->img, DATA_END);
        uc_mem_write(uc, 0, c->img, DATA_END);
        for (int i = 0; i < X86_NSEG; i++) {
            uint16_t sel = pm_segs[0][i];
            if (uc_reg_write(uc, uc_s[i], &sel) != UC_ERR_OK) {
                printf("FAIL: unicorn cannot load %s = %#x\n", sname[i], sel);
                return false;
            }
        }
        if (cf->cpl == 3 && !unicorn_to_ring3(c)) return false;
        /* Unicorn's loads marked descriptors accessed: its data is the image */
        uc_mem_read(uc, 0, c->img, DATA_END);
        vlab_mem_write(m, 0, c->img, DATA_END);
    } else {
        vlab_mem_write(m, 0, c->img, DATA_END);
        uc_mem_write(uc, 0, c->img, DATA_END);
    }
    /* the same CR0 on both (SMSW reads it) */
    uint32_t cr0 = vlab_reg_get(m, reg_index(m, "cr0"));
    uc_reg_write(uc, UC_X86_REG_CR0, &cr0);
    uc_context_alloc(uc, &c->uctx);
    uc_context_save(uc, c->uctx);
    /* the forms */
    unsigned bit = c->variant == X86_PENTIUM ? X86_ON_586 : X86_ON_386;
    for (int i = 0; i < x86_ninsns; i++) {
        const x86_insn *in = &x86_insns[i];
        if (!(in->models & bit) || op_excluded(in->op, cf->real)) continue;
        c->forms[c->nforms++] = i;
    }
    c->slot = CODE_LO;
    return true;
}

static void teardown(ctx *c) {
    if (c->uctx) uc_context_free(c->uctx);
    if (c->uc) uc_close(c->uc);
    vlab_machine_free(c->m);
    free(c->img);
    free(c->vbuf);
    free(c->ubuf);
    free(c->tbuf);
    free(c->runs);
}

/* Run n instructions of configuration cf; false on a set-up failure. */
static bool run_config(const config *cf, uint64_t seed, unsigned long count, judge *j, int *unrun) {
    ctx c;
    if (!setup(&c, cf, seed, j)) {
        teardown(&c);
        return false;
    }
    for (unsigned long k = 0; k < count; k++) {
        int row = c.forms[rnd_n(&c.g, (uint32_t)c.nforms)];
        while (!generate(&c, row)) {}
        /* a fresh code slot (Unicorn keeps what it translated by address;
         * dropping its translations costs 50 ms and, with 4 GiB mapped, a
         * gigabyte: the code region is large enough not to have to) */
        if (c.slot + SLOT > code_hi(&c)) {
            c.slot = CODE_LO;
            uc_ctl_flush_tlb(c.uc);
        }
        if (c.real) {
            uint32_t ip = rnd_n(&c.g, 0x1000) * 16;
            c.s0.seg[X86_CS] = (uint16_t)((c.slot - ip) >> 4);
            c.s0.eip = ip;
            c.cs_base = c.slot - ip;
        } else {
            c.s0.eip = c.slot;
            c.cs_base = 0;
        }
        check_one(&c);
        c.slot += SLOT;
    }
    int covered = 0;
    for (int f = 0; f < c.nforms; f++) {
        int row = c.forms[f];
        if (c.runs[row]) {
            covered++;
            continue;
        }
        const x86_insn *in = &x86_insns[row];
        printf("form never run: %s %s: %s opcode %#x /%d\n", cf->model, mode_name(cf),
               in->name, in->opcode, in->reg);
        (*unrun)++;
    }
    printf("  %-8s %-12s %3d of %3d forms run, %lu executions\n", cf->model, mode_name(cf),
           covered, c.nforms, count);
    teardown(&c);
    return true;
}

int main(int argc, char **argv) {
    setvbuf(stdout, NULL, _IOLBF, 0);
    uint64_t seed = argc > 1 ? strtoull(argv[1], NULL, 0) : 0x386386386ull;
    unsigned long target = argc > 2 ? strtoul(argv[2], NULL, 0) : TARGET_EXEC;
    uc_engine *probe;
    if (uc_open(UC_ARCH_X86, UC_MODE_32, &probe) != UC_ERR_OK)
        return vl_test_missing("libunicorn-dev (with x86)", "uc_open(UC_ARCH_X86) failed");
    uc_close(probe);
    judge j;
    memset(&j, 0, sizeof j);
    if (load_known(&j, "tests/x86_unicorn_known_differences.txt") < 0) return 1;
    printf("unicorn judge of the x86 core: seed %#llx, %lu executions\n", (unsigned long long)seed, target);
    unsigned shares = 0;
    for (int i = 0; i < NCONFIG; i++) shares += configs[i].share;
    int unrun = 0;
    unsigned long done = 0;
    for (int i = 0; i < NCONFIG; i++) {
        unsigned long n = i == NCONFIG - 1 ? target - done : target * configs[i].share / shares;
        if (!run_config(&configs[i], seed + (uint64_t)i, n, &j, &unrun)) return 1;
        done += n;
    }
    printf("known differences excused:");
    for (int k = 0; k < NKD; k++) printf(" %s %lu;", kd_names[k], j.hits[k]);
    printf("\n%lu executions (%lu raised an exception): %lu unexplained disagreements, %d forms never run\n",
           j.execs, j.faults, j.mismatches, unrun);
    return j.mismatches || unrun ? 1 : 0;
}
#endif
