/* forms.c - what the sweep (vmm/sweep.c) needs to know about the x86 subset
 * (i386, pentium), read from the decode table (decode.c):
 *
 *  - forms: every row of x86_insns on the model, split by what the ModRM
 *    byte says (a register or a memory operand) and, for MOV to and from a
 *    segment, control, debug or test register, by the register (its class
 *    from x86_regop_class); opcodes and group members no row takes, and the
 *    registers a model does not have, form one "unassigned" row. A form's
 *    encodings are its opcodes (50+r: eight), with and without the prefix
 *    66 where the operand size matters, and for a far transfer or a load of
 *    a selector from memory each operand of a list (the GDT below): every
 *    encoding runs at least once, so what a measurement hangs on (which
 *    selector the CPL checks see) is never left to a random draw;
 *  - encode: register fields drawn per execution (selector operands from
 *    EAX, control-register sources from ECX, which the states fill with
 *    values those instructions accept), memory operands inside the data
 *    area, or the chosen selector or far pointer right after the
 *    instruction;
 *  - states: 32-bit protected mode with a GDT, an LDT, an IDT and a TSS (and
 *    their copies elsewhere, for the "moved" state), paging on in every
 *    fourth state (identity, user and writable, accessed and dirty bits set
 *    so that no walk writes); the same state at CPL 1, 2 or 3 has CS and SS
 *    of that level; a stack whose top is a return frame for IRET and far
 *    RET (in states 0 and 1 to CPL 3, from state 2 on to CPL 1, 2, 3, 0 in turn);
 *  - vary: the tables elsewhere (GDTR, IDTR, LDTR and TR on identical
 *    copies: SGDT, SIDT, SLDT and STR show it, nothing else may), EFLAGS.IF,
 *    IOPL and CR0.MP flipped (PUSHF and SMSW show it), the I/O privilege of
 *    the user level flipped (IOPL 0 <-> 3: CLI, STI, IN, OUT, INS, OUTS trap
 *    exactly without it);
 *  - privileged state, and what an exception means: #GP(0) is the
 *    privilege fault (its error code is read from the handler's stack),
 *    #GP(selector) a protection check of an operand, #UD illegal.
 *
 * The TSS has no I/O permission bitmap (its base lies beyond the limit):
 * with CPL > IOPL every port is refused, so the I/O privilege is IOPL alone.
 * The ports used (0x40-0xDF) have no device behind them.
 *
 * Under the monitor (isa/x86-subset/virt.c, ring compression) the same
 * states run in a VM: its virtual state is set through the guest's view of
 * the registers and the shadow tables rebuilt from the guest's memory.
 *
 * Guest memory of a sweep machine (24 KiB, physical = linear):
 *   0x0000 IDT (256 gates)      0x0800 its copy
 *   0x1000 GDT (25 slots)       0x1100 its copy
 *   0x1200 LDT (4)  0x1220 copy 0x1240 TSS  0x12c0 copy  0x1340 a free TSS
 *   0x1400-0x1fff the ring 0-2 stacks of the TSS
 *   0x2000 page directory       0x3000 page table
 *   0x4000 the instruction, 0x4010 its chosen operand
 *   0x4020-0x5fff random bytes: the memory operands at 0x4100-0x4f00, the
 *                 stack at 0x5400-0x5500 (its top a return frame) */
#include "isa/x86-subset/x86.h"
#include "vmm/sweep.h"
#include <stdlib.h>
#include <string.h>

#define RAM 0x6000u
#define IDT 0x0000u
#define IDT2 0x0800u
#define GDT 0x1000u
#define GDT2 0x1100u
#define LDT 0x1200u
#define LDT2 0x1220u
#define TSS 0x1240u
#define TSS2 0x12C0u
#define TSS3 0x1340u
#define PDIR 0x2000u
#define PTAB 0x3000u
#define CODE 0x4000u
#define SLOT 0x4010u   /* the chosen operand, right after the instruction */
#define DATA_LO 0x4100u
#define DATA_HI 0x4F00u
#define HANDLER 0x4800u /* where the gates point (never executed: one step) */
#define PORT_LO 0x40u
#define PORT_N 0xA0u

/* The GDT (selector = index * 8). */
enum {
    S_CODE0 = 0x08, S_DATA0 = 0x10, S_CODE1 = 0x18, S_DATA1 = 0x20, S_CODE2 = 0x28, S_DATA2 = 0x30,
    S_CODE3 = 0x38, S_DATA3 = 0x40, S_CONF = 0x48, S_CODE16 = 0x50, S_RODATA = 0x58, S_NOTP = 0x60,
    S_XONLY = 0x68, S_GATE3 = 0x70, S_GATE0 = 0x78, S_GATE33 = 0x80, S_LDT = 0x88, S_LDT2 = 0x90,
    S_TSS = 0x98, S_TSS2 = 0xA0, S_TSS3 = 0xA8, S_EXPDN = 0xB0, S_GATEP = 0xB8, S_DATA16 = 0xC0,
    GDT_LIMIT = 0xC7, LDT_LIMIT = 0x1F, TSS_LIMIT = 0x67
};
static const uint16_t code_of[4] = { S_CODE0, S_CODE1 | 1, S_CODE2 | 2, S_CODE3 | 3 };
static const uint16_t data_of[4] = { S_DATA0, S_DATA1 | 1, S_DATA2 | 2, S_DATA3 | 3 };

/* Far transfer targets (JMP/CALL ptr16:32 and m16:32): the code of each
 * level, a conforming one, call gates (to CPL 0 from CPL 3, CPL 0 only, to
 * CPL 3, with parameters), and what must fault: null, data, beyond the GDT. */
static const uint16_t far_sel[] = {
    S_CODE0,  S_CODE3 | 3, S_GATE3 | 3, S_GATE0, S_CONF, S_GATE33 | 3, S_CODE2 | 2,
    0,        S_DATA3 | 3, 0xF8 | 3,    0x0C | 7, S_CODE16, S_GATEP | 3,
};
/* Selector operands (MOV/POP to a segment register, LDS..., LAR, LSL, VERR,
 * VERW, LLDT, LTR, ARPL), and EAX's low half in state k (k mod the count):
 * a DPL 0 data segment first, which only CPL 0 may load. A memory form runs
 * operand c in state c mod the number of states. S_DATA0 | 1 (RPL 1 to a
 * DPL 0 segment) and S_DATA1 | 1 (a DPL 1 stack) fault at CPL 0 and load at
 * CPL 1, where ring compression runs the guest kernel with its DPL 0
 * descriptors shown as DPL 1: every segment load and VERR/VERW show it.
 * S_DATA0 | 1 is the selector of state 6 (states 3 and 7 run in virtual
 * user mode, where it faults at every level) so that POP and MOV from a
 * register see it too; S_DATA1 | 1 comes at index 20, state 4 of 8 and 0 of
 * 2 or 4, in virtual supervisor mode as well. */
static const uint16_t sel_opd[] = {
    S_DATA0,     S_DATA3 | 3, S_CODE0,   S_LDT,       S_TSS3,       S_CODE3 | 3, S_DATA0 | 1,
    S_GATE3 | 3, S_RODATA | 3, S_NOTP | 3, S_DATA2 | 2, S_EXPDN | 3, 0,           0x04 | 7,
    0xF8 | 3,    S_CODE1 | 1, S_XONLY | 3, S_TSS,       S_CONF | 3,   S_DATA1,     S_DATA1 | 1,
};
#define NFAR (sizeof far_sel / sizeof far_sel[0])
#define NSEL (sizeof sel_opd / sizeof sel_opd[0])

/* encodings: opcode | reg << 9 | fixed reg 1 << 12 | kind << 13 | prefix 66 1 << 15 | choice + 1 << 16 |
 * row + 1 << 32 */
enum { K_NONE = 0, K_REG = 1, K_MEM = 2 };
#define ENC(op, reg, fixed, kind, o16, choice, row)                                                               \
    ((uint64_t)(op) | (uint64_t)(reg) << 9 | (uint64_t)(fixed) << 12 | (uint64_t)(kind) << 13 |                   \
     (uint64_t)(o16) << 15 | (uint64_t)((choice) + 1) << 16 | (uint64_t)((row) + 1) << 32)
#define E_OP(w) ((unsigned)(w) & 0x1FF)
#define E_REG(w) ((unsigned)((w) >> 9) & 7)
#define E_FIXED(w) ((unsigned)((w) >> 12) & 1)
#define E_KIND(w) ((int)((w) >> 13) & 3)
#define E_O16(w) ((unsigned)((w) >> 15) & 1)
#define E_CHOICE(w) ((int)((w) >> 16 & 0xFF) - 1)
#define E_ROW(w) ((int)((w) >> 32 & 0xFFFF) - 1)

/* ---- what the rows need ------------------------------------------------------------ */

static bool has_opd(const x86_insn *in, int k) { return in->opd[0] == k || in->opd[1] == k || in->opd[2] == k; }

/* The operand in the reg field names a segment, control, debug or test register. */
static bool regop(const x86_insn *in) {
    return has_opd(in, X86_O_SW) || has_opd(in, X86_O_CD) || has_opd(in, X86_O_DD) || has_opd(in, X86_O_TD);
}

/* The operand size changes what it does: both sizes are encodings of the form. */
static bool opsize_matters(const x86_insn *in) {
    static const uint8_t v[] = { X86_O_EV, X86_O_GV, X86_O_IV, X86_O_IBS, X86_O_ZV, X86_O_XV, X86_O_YV,
                                 X86_O_OV, X86_O_EAX, X86_O_JV, X86_O_AP, X86_O_MP };
    for (size_t k = 0; k < sizeof v; k++)
        if (has_opd(in, v[k])) return true;
    if (in->flags & (X86_F_STACK | X86_F_FAR)) return true;
    switch ((enum x86_op)in->op) { /* a register destination or a base of 24 or 32 bits */
    case X86_OP_CBW: case X86_OP_CWD: case X86_OP_SMSW: case X86_OP_SLDT: case X86_OP_STR: case X86_OP_SGDT:
    case X86_OP_SIDT: case X86_OP_LGDT: case X86_OP_LIDT:
        return true;
    default: return false;
    }
}

static bool reg_in_opcode(const x86_insn *in) {
    return has_opd(in, X86_O_ZB) || has_opd(in, X86_O_ZV) || has_opd(in, X86_O_ZD);
}

/* Its r/m operand is a selector (taken from EAX as a register). */
static bool sel_rm(const x86_insn *in) {
    switch ((enum x86_op)in->op) {
    case X86_OP_MOV_SEG: case X86_OP_LLDT: case X86_OP_LTR: case X86_OP_VERR: case X86_OP_VERW: case X86_OP_LAR:
    case X86_OP_LSL: case X86_OP_ARPL:
        return true;
    default: return false;
    }
}

/* As memory, it is given a chosen selector (or far pointer): how many choices. */
static int mem_choices(const x86_insn *in) {
    if (in->op == X86_OP_JMP_FAR_IND || in->op == X86_OP_CALL_FAR_IND) return (int)NFAR;
    if (in->op == X86_OP_LSEG || sel_rm(in)) return (int)NSEL;
    return 0;
}

static const char *const sreg_names[8] = { "%es", "%cs", "%ss", "%ds", "%fs", "%gs", "%?", "%?" };

static const char *opd_text(int k, bool mem, int regv, char *tmp) {
    switch (k) {
    case X86_O_EB: return mem ? "m8" : "r8";
    case X86_O_EW: return mem ? "m16" : "r16";
    case X86_O_ED: return mem ? "m32" : "r32";
    case X86_O_EV: return mem ? "m16/32" : "r16/32";
    case X86_O_GB: case X86_O_ZB: return "r8";
    case X86_O_GW: return "r16";
    case X86_O_GV: case X86_O_ZV: return "r16/32";
    case X86_O_RD: case X86_O_ZD: return "r32";
    case X86_O_SW: return sreg_names[regv & 7];
    case X86_O_CD: case X86_O_DD: case X86_O_TD:
        snprintf(tmp, 8, "%%%sr%d", k == X86_O_CD ? "c" : k == X86_O_DD ? "d" : "t", regv & 7);
        return tmp;
    case X86_O_M: case X86_O_MS: case X86_O_MA: return "m";
    case X86_O_MP: return "m16:16/32";
    case X86_O_MQ: return "m64";
    case X86_O_IB: case X86_O_IBS: return "$imm8";
    case X86_O_IW: return "$imm16";
    case X86_O_IV: return "$imm16/32";
    case X86_O_JB: return "rel8";
    case X86_O_JV: return "rel16/32";
    case X86_O_AP: return "$sel,$off";
    case X86_O_OB: return "moffs8";
    case X86_O_OV: return "moffs16/32";
    case X86_O_XB: case X86_O_XV: return "(%esi)";
    case X86_O_YB: case X86_O_YV: return "%es:(%edi)";
    case X86_O_AL: return "%al";
    case X86_O_EAX: return "%eax";
    case X86_O_CL: return "%cl";
    case X86_O_DX: return "(%dx)";
    case X86_O_ES: case X86_O_CS: case X86_O_SS: case X86_O_DS: case X86_O_FS: case X86_O_GS:
        return sreg_names[k - X86_O_ES];
    default: return NULL; /* none, and the implied 1 of the shifts */
    }
}

/* The assembler form, AT&T order: "mov %cs,r16/32", "lgdt m", "push %ss". */
static void form_text(const x86_insn *in, int kind, int regv, char *out, size_t outsz) {
    if (in->op == X86_OP_ESC) {
        snprintf(out, outsz, "esc 0x%02x,%s", in->opcode, kind == K_MEM ? "m" : "r");
        return;
    }
    size_t n = (size_t)snprintf(out, outsz, "%s", in->name);
    int nops = 0;
    for (int k = 2; k >= 0; k--) {
        char tmp[8];
        const char *t = in->opd[k] ? opd_text(in->opd[k], kind == K_MEM, regv, tmp) : NULL;
        if (t && n < outsz) n += (size_t)snprintf(out + n, outsz - n, "%s%s", nops++ ? "," : " ", t);
    }
}

static void enc_text(const x86_insn *in, unsigned op, int kind, int regv, int nchoices, char *out, size_t outsz) {
    size_t n = (size_t)snprintf(out, outsz, op >= 0x100 ? "0f %02x" : "%02x", op & 0xFF);
    if (reg_in_opcode(in) && n < outsz) n += (size_t)snprintf(out + n, outsz - n, "+r");
    if (regv >= 0 && n < outsz) n += (size_t)snprintf(out + n, outsz - n, " /%d", regv);
    if (kind != K_NONE && in->mod == X86_MOD_ANY && op < 0x120 && n < outsz)
        n += (size_t)snprintf(out + n, outsz - n, " mod%s11", kind == K_MEM ? "!=" : "=");
    if (nchoices && n < outsz) snprintf(out + n, outsz - n, " (%d operands)", nchoices);
}

/* ---- forms --------------------------------------------------------------------------- */

static bool is_prefix(unsigned b) {
    switch (b) {
    case 0x26: case 0x2E: case 0x36: case 0x3E: case 0x64: case 0x65: case 0x66: case 0x67: case 0xF0: case 0xF2:
    case 0xF3: case 0x0F:
        return true;
    default: return false;
    }
}

static int forms(int variant, vl_sweep_forms *out) {
    unsigned bit = variant == X86_PENTIUM ? X86_ON_586 : X86_ON_386;
    /* the unassigned encodings, collected while the rows are listed */
    uint64_t *un = NULL;
    size_t nun = 0, capun = 0;
#define UNASSIGNED(w)                                                                                             \
    do {                                                                                                          \
        if (nun == capun) {                                                                                       \
            uint64_t *p = realloc(un, (capun = capun ? capun * 2 : 512) * sizeof *un);                            \
            if (!p) goto oom;                                                                                     \
            un = p;                                                                                               \
        }                                                                                                         \
        un[nun++] = (w);                                                                                          \
    } while (0)
    int order = 0;
    for (int e = 0; e < x86_ninsns; e++) {
        const x86_insn *in = &x86_insns[e];
        if (!(in->models & bit)) continue;
        /* ModRM kinds: MOV CRn/DRn/TRn ignore mod (always a register) */
        int kinds[2], nk = 0;
        if (in->mod == X86_MOD_NONE) kinds[nk++] = K_NONE;
        else if (in->mod == X86_MOD_MEM) kinds[nk++] = K_MEM;
        else if (in->mod == X86_MOD_REG || (in->opcode >= 0x120 && in->opcode <= 0x127)) kinds[nk++] = K_REG;
        else {
            kinds[nk++] = K_REG;
            kinds[nk++] = K_MEM;
        }
        bool split = regop(in);
        for (int r = split ? 0 : in->reg; r < (split ? 8 : in->reg + 1); r++) {
            int regv = split ? r : in->reg; /* -1: not fixed */
            int cls = split ? x86_regop_class(variant, in, (unsigned)r) : in->cls;
            for (int k = 0; k < nk; k++) {
                if (cls == VL_CLASS_ILLEGAL) {
                    UNASSIGNED(ENC(in->opcode, r, 1, kinds[k], 0, -1, -1));
                    continue;
                }
                vl_sweep_form *f = vl_sweep_form_add(out);
                if (!f) goto oom;
                f->order = order++;
                snprintf(f->mnemonic, sizeof f->mnemonic, "%s", x86_row_mnemonic(in));
                form_text(in, kinds[k], regv, f->form, sizeof f->form);
                f->declared = cls;
                int nch = has_opd(in, X86_O_AP) ? (int)NFAR : kinds[k] == K_MEM ? mem_choices(in) : 0;
                enc_text(in, in->opcode, kinds[k], regv, nch, f->enc, sizeof f->enc);
                f->every_state = nch > 0;
                int nops = !reg_in_opcode(in) ? 1 : in->opcode == 0x91 ? 7 : 8; /* 90 is NOP */
                int nsz = opsize_matters(in) ? 2 : 1;
                for (int c = 0; c < (nch ? nch : 1); c++)
                    for (int o = 0; o < nops; o++)
                        for (int z = 0; z < nsz; z++)
                            if (vl_sweep_word_add(out, ENC(in->opcode + (unsigned)o, regv >= 0 ? regv : 0, regv >= 0,
                                                           kinds[k], z, nch ? c : -1, e)) < 0)
                                goto oom;
                f->count = (uint32_t)(out->nw - f->first);
            }
        }
    }
    /* opcodes, and reg fields and mod kinds of ModRM opcodes, no row takes on this model */
    for (unsigned op = 0; op < 0x200; op++) {
        if (op < 0x100 && is_prefix(op)) continue;
        if (!x86_opcode_has_modrm((uint16_t)op)) {
            if (!x86_lookup(variant, (uint16_t)op, false, 0)) UNASSIGNED(ENC(op, 0, 0, K_NONE, 0, -1, -1));
            continue;
        }
        for (unsigned r = 0; r < 8; r++)
            for (int k = K_REG; k <= K_MEM; k++)
                if (!x86_lookup(variant, (uint16_t)op, true, (uint8_t)((k == K_REG ? 0xC0 : 0x00) | r << 3)))
                    UNASSIGNED(ENC(op, r, 1, k, 0, -1, -1));
    }
    vl_sweep_form *f = vl_sweep_form_add(out);
    if (!f) goto oom;
    f->order = order++;
    snprintf(f->mnemonic, sizeof f->mnemonic, "unassigned");
    snprintf(f->form, sizeof f->form, "unassigned opcodes, group members and registers");
    snprintf(f->enc, sizeof f->enc, "%zu opcode/ModRM combinations", nun);
    f->declared = VL_CLASS_ILLEGAL;
    for (size_t i = 0; i < nun; i++)
        if (vl_sweep_word_add(out, un[i]) < 0) goto oom;
    f->count = (uint32_t)nun;
    free(un);
    return 0;
oom:
    free(un);
    return -1;
#undef UNASSIGNED
}

/* ---- encode ---------------------------------------------------------------------------- */

typedef vl_rng rng;
static uint32_t rnext(rng *r) { return (uint32_t)(vl_rng_next(r) >> 16); }
static uint32_t rbelow(rng *r, uint32_t n) { return rnext(r) % n; }

typedef struct ebuf {
    uint8_t *p;
    int n, cap;
} ebuf;
static void put(ebuf *b, uint32_t v, int bytes) {
    for (int i = 0; i < bytes && b->n < b->cap; i++) b->p[b->n++] = (uint8_t)(v >> (8 * i));
}

/* A memory operand in the data area: [disp32], [base + disp8], [base + ecx*s + disp8]. */
static void random_mem(ebuf *b, rng *r, unsigned reg) {
    static const uint8_t bases[4] = { X86_EBX, X86_EBP, X86_ESI, X86_EDI };
    switch (rbelow(r, 3)) {
    case 0:
        put(b, 0x05 | reg << 3, 1);
        put(b, DATA_LO + rbelow(r, DATA_HI - DATA_LO), 4);
        break;
    case 1:
        put(b, 0x40 | reg << 3 | bases[rbelow(r, 4)], 1);
        put(b, rnext(r), 1);
        break;
    default: {
        static const uint8_t sib_bases[3] = { X86_EBX, X86_ESI, X86_EDI };
        put(b, 0x44 | reg << 3, 1);
        put(b, rbelow(r, 4) << 6 | X86_ECX << 3 | sib_bases[rbelow(r, 3)], 1);
        put(b, rnext(r), 1);
        break;
    }
    }
}

static int encode(int variant, uint64_t w, uint64_t rnd, uint8_t *buf, size_t bufsz, uint32_t *addr) {
    rng r = { rnd };
    ebuf b = { buf, 0, (int)bufsz };
    *addr = CODE;
    unsigned op = E_OP(w);
    int row = E_ROW(w), kind = E_KIND(w), choice = E_CHOICE(w);
    const x86_insn *in = row >= 0 ? &x86_insns[row] : NULL;
    int opsize = E_O16(w) ? 2 : 4;
    if (opsize == 2) put(&b, 0x66, 1);
    if (op >= 0x100) put(&b, 0x0F, 1);
    put(&b, op & 0xFF, 1);
    if (!in) { /* unassigned: its ModRM byte, then anything */
        if (kind != K_NONE) put(&b, (kind == K_REG ? 0xC0 : rbelow(&r, 3) << 6) | E_REG(w) << 3 | rbelow(&r, 8), 1);
        for (int i = 0; i < 6; i++) put(&b, rnext(&r), 1);
        return b.n;
    }
    /* the chosen operand in memory, at SLOT */
    uint8_t data[8];
    int ndata = 0;
    if (kind == K_MEM && choice >= 0) {
        if (in->op == X86_OP_JMP_FAR_IND || in->op == X86_OP_CALL_FAR_IND || in->op == X86_OP_LSEG) {
            uint16_t sel = in->op == X86_OP_LSEG ? sel_opd[choice] : far_sel[choice];
            uint32_t off = HANDLER + rbelow(&r, 0x100);
            for (int i = 0; i < opsize; i++) data[ndata++] = (uint8_t)(off >> (8 * i));
            data[ndata++] = (uint8_t)sel;
            data[ndata++] = (uint8_t)(sel >> 8);
        } else {
            data[ndata++] = (uint8_t)sel_opd[choice];
            data[ndata++] = (uint8_t)(sel_opd[choice] >> 8);
        }
    }
    if (kind != K_NONE) {
        unsigned reg = E_FIXED(w) ? E_REG(w) : rbelow(&r, 8);
        if (kind == K_REG) {
            unsigned rm = rbelow(&r, 8);
            if (sel_rm(in)) rm = X86_EAX; /* the state's selector */
            if (in->op == X86_OP_MOV_TO_CR || in->op == X86_OP_MOV_TO_DR || in->op == X86_OP_MOV_TO_TR)
                rm = X86_ECX; /* a value CR0 and CR4 accept */
            put(&b, 0xC0 | reg << 3 | rm, 1);
        } else if (ndata) {
            put(&b, 0x05 | reg << 3, 1);
            put(&b, SLOT, 4);
        } else {
            random_mem(&b, &r, reg);
        }
    }
    for (int k = 0; k < 3; k++) {
        switch (in->opd[k]) {
        case X86_O_IB:
            if (in->op == X86_OP_IN || in->op == X86_OP_OUT) put(&b, PORT_LO + rbelow(&r, PORT_N), 1);
            else if (in->op == X86_OP_ENTER) put(&b, rbelow(&r, 4), 1); /* nesting level */
            else put(&b, rnext(&r), 1);
            break;
        case X86_O_IBS: put(&b, rnext(&r), 1); break;
        case X86_O_IW: /* RET and ENTER sizes; far RET's skip 0-3 dwords of the frame (below) */
            put(&b, in->op == X86_OP_RETF ? 4 * rbelow(&r, 4) : rbelow(&r, 0x40) & ~1u, 2);
            break;
        case X86_O_IV: put(&b, rnext(&r) << 16 | rnext(&r), opsize); break;
        case X86_O_JB: put(&b, rnext(&r), 1); break;
        case X86_O_JV: put(&b, (uint32_t)((int32_t)rbelow(&r, 0x200) - 0x100), opsize); break;
        case X86_O_AP:
            put(&b, HANDLER + rbelow(&r, 0x100), opsize);
            put(&b, far_sel[choice >= 0 ? choice : 0], 2);
            break;
        case X86_O_OB: case X86_O_OV: put(&b, DATA_LO + rbelow(&r, DATA_HI - DATA_LO), 4); break;
        default: break;
        }
    }
    if (!ndata) return b.n;
    while (b.n < (int)(SLOT - CODE)) put(&b, 0x90, 1);
    for (int i = 0; i < ndata; i++) put(&b, data[i], 1);
    return b.n;
}

/* ---- states ------------------------------------------------------------------------------ */

static uint32_t get(const vl_sweep_regs *r, const vl_reg_info *regs, int n, const char *name) {
    int i = vl_sweep_reg_index(regs, n, name);
    return i < 0 ? 0 : r->val[i];
}

static void put32(uint8_t *mem, uint32_t a, uint32_t v) {
    for (int i = 0; i < 4; i++) mem[a + (uint32_t)i] = (uint8_t)(v >> (8 * i));
}

/* A segment descriptor: base, limit (bytes, or pages with G), attributes as x86_seg keeps them. */
static void desc(uint8_t *mem, uint32_t a, uint32_t base, uint32_t limit, uint32_t attr) {
    put32(mem, a, (base & 0xFFFF) << 16 | (limit & 0xFFFF));
    put32(mem, a + 4, (base & 0xFF000000u) | (limit & 0xF0000u) | (attr & 0xF0FFu) << 8 | ((base >> 16) & 0xFF));
}
/* A gate to sel:off of type (call 12, interrupt 14, trap 15) at dpl. */
static void gate(uint8_t *mem, uint32_t a, uint16_t sel, uint32_t off, unsigned type, unsigned dpl, unsigned params) {
    put32(mem, a, (uint32_t)sel << 16 | (off & 0xFFFF));
    put32(mem, a + 4, (off & 0xFFFF0000u) | 0x8000u | dpl << 13 | type << 8 | params);
}

#define A_CODE (X86_A_P | X86_A_S | X86_T_CODE | X86_T_R | X86_T_ACCESSED | X86_A_DB | X86_A_G)
#define A_DATA (X86_A_P | X86_A_S | X86_T_W | X86_T_ACCESSED | X86_A_DB | X86_A_G)
#define DPLA(d) ((unsigned)(d) << X86_A_DPL_SHIFT)

static void tables(uint8_t *mem) {
    uint8_t *g = mem;
    memset(mem + GDT, 0, 8); /* the null descriptor */
    for (unsigned l = 0; l < 4; l++) {
        desc(g, GDT + (code_of[l] & ~7u), 0, 0xFFFFF, A_CODE | DPLA(l));
        desc(g, GDT + (data_of[l] & ~7u), 0, 0xFFFFF, A_DATA | DPLA(l));
    }
    desc(g, GDT + S_CONF, 0, 0xFFFFF, A_CODE | X86_T_C);
    desc(g, GDT + S_CODE16, 0, 0xFFFF, X86_A_P | X86_A_S | X86_T_CODE | X86_T_R | X86_T_ACCESSED);
    desc(g, GDT + S_RODATA, 0, 0xFFFFF, (A_DATA & ~X86_T_W) | DPLA(3));
    desc(g, GDT + S_NOTP, 0, 0xFFFFF, (A_DATA & ~X86_A_P) | DPLA(3));
    desc(g, GDT + S_XONLY, 0, 0xFFFFF, (A_CODE & ~X86_T_R) | DPLA(3));
    gate(g, GDT + S_GATE3, S_CODE0, HANDLER, X86_SYS_CALL32, 3, 0);
    gate(g, GDT + S_GATE0, S_CODE0, HANDLER, X86_SYS_CALL32, 0, 0);
    gate(g, GDT + S_GATE33, S_CODE3 | 3, HANDLER, X86_SYS_CALL32, 3, 0);
    desc(g, GDT + S_LDT, LDT, LDT_LIMIT, X86_A_P | X86_SYS_LDT);
    desc(g, GDT + S_LDT2, LDT2, LDT_LIMIT, X86_A_P | X86_SYS_LDT);
    /* the current TSS and its copy busy (either is TR), the third free for LTR */
    desc(g, GDT + S_TSS, TSS, TSS_LIMIT, X86_A_P | X86_SYS_TSS32_BUSY);
    desc(g, GDT + S_TSS2, TSS2, TSS_LIMIT, X86_A_P | X86_SYS_TSS32_BUSY);
    desc(g, GDT + S_TSS3, TSS3, TSS_LIMIT, X86_A_P | X86_SYS_TSS32);
    desc(g, GDT + S_EXPDN, 0, 0x3FFF, (A_DATA & ~X86_A_G) | X86_T_E | DPLA(3));
    gate(g, GDT + S_GATEP, S_CODE0, HANDLER, X86_SYS_CALL32, 3, 2);
    desc(g, GDT + S_DATA16, 0, 0xFFFF, X86_A_P | X86_A_S | X86_T_W | X86_T_ACCESSED | DPLA(3));
    memcpy(mem + GDT2, mem + GDT, GDT_LIMIT + 1);
    desc(g, LDT + 0x00, 0, 0xFFFFF, A_DATA | DPLA(3));
    desc(g, LDT + 0x08, 0, 0xFFFFF, A_CODE | DPLA(3));
    desc(g, LDT + 0x10, 0, 0xFFFFF, A_DATA);
    desc(g, LDT + 0x18, 0, 0xFFFFF, A_CODE);
    memcpy(mem + LDT2, mem + LDT, LDT_LIMIT + 1);
    /* the TSS: the inner stacks, no I/O bitmap (its base beyond the limit) */
    memset(mem + TSS, 0, TSS_LIMIT + 1);
    for (unsigned l = 0; l < 3; l++) {
        put32(mem, TSS + 4 + 8 * l, 0x1800u + 0x400u * l);
        put32(mem, TSS + 8 + 8 * l, data_of[l]);
    }
    put32(mem, TSS + 0x64, (uint32_t)(TSS_LIMIT + 1) << 16);
    memcpy(mem + TSS2, mem + TSS, TSS_LIMIT + 1);
    memcpy(mem + TSS3, mem + TSS, TSS_LIMIT + 1);
    /* identity paging of the RAM: present, writable, user, accessed, dirty */
    memset(mem + PDIR, 0, 0x2000);
    put32(mem, PDIR, PTAB | 0x27);
    for (uint32_t p = 0; p < RAM >> 12; p++) put32(mem, PTAB + 4 * p, p << 12 | 0x67);
}

static void state(int variant, const vl_reg_info *regs, int n, uint64_t seed, int index, int level,
                  vl_sweep_regs *out, uint8_t *mem) {
    rng r = { seed * 0x100000001B3ull ^ (uint64_t)index * 0x9E3779B97F4A7C15ull ^ 0x386ull };
    for (uint32_t a = 0; a < RAM; a++) mem[a] = (uint8_t)rnext(&r);
    /* the gates: interrupt or trap gates to CPL 0; in state 0 of DPL 0 (a
     * software interrupt from CPL > 0 faults), else of any DPL */
    for (unsigned v = 0; v < 256; v++)
        gate(mem, IDT + 8 * v, S_CODE0, HANDLER + v, rbelow(&r, 2) ? X86_SYS_INT32 : X86_SYS_TRAP32,
             index == 0 ? 0 : rbelow(&r, 4), 0);
    memcpy(mem + IDT2, mem + IDT, 0x800);
    tables(mem);
    /* state 23, where the guest is at level 1 in its VM (vmm/sweep.c: the
     * levels 3, 2, 1 in turn every 4 states, the VM's every fourth), holds
     * the selector ring compression reveals there, RPL 1 to the kernel's
     * DPL 0 data (its natural pick, S_CODE0, is state 2's too): the
     * register forms take their selector from the state, the memory forms
     * run with every one of the list */
    uint16_t sel = index % 24 == 23 ? (uint16_t)(S_DATA0 | 1) : sel_opd[(unsigned)index % NSEL];
    /* the stack: its top a 32-bit return frame to level fl that IRET and far
     * RET (with 0 to 12 bytes of parameters) both take: EIP (the state's
     * selector, which POP to a segment register takes too), CS, EFLAGS (far
     * RET's ESP), then the outer SS, which also serves as IRET's ESP. From
     * state 2 on the frame's level goes 1, 2, 3, 0 in turn rather than at
     * random: the sweep's supervisor states 2, 4, 5 and 6 (3 and 7 run the
     * guest at the user level) then return to levels 1, 3, 0 and 1. With 8
     * states a draw had left out the return to level 1, which ring
     * compression runs as a return to the same level: far RET leaks ESP
     * under trap-and-emulate, and the table said "traps" */
    uint32_t esp = 0x5400 + 4 * rbelow(&r, 0x40);
    unsigned fl = 3;
    if (index >= 2) {
        (void)rbelow(&r, 4); /* the draw the level was: the states' other values stay */
        fl = (unsigned)(index - 1) % 4;
    }
    uint32_t fflags = (rnext(&r) & (X86_ARITH | X86_DF | X86_IF | X86_IOPL)) | 0x2;
    put32(mem, esp, sel);
    put32(mem, esp + 4, code_of[fl]);
    put32(mem, esp + 8, fflags);
    for (uint32_t k = 12; k <= 24; k += 4) put32(mem, esp + k, data_of[fl]);
    bool paging = index % 4 == 2;
    bool p5 = variant == X86_PENTIUM;
    /* CR0: MP at random, TS from state 2 on (CLTS clears it; WAIT and ESC take #NM at every level) */
    uint32_t cr0 = X86_CR0_PE | (p5 ? X86_CR0_ET : 0) | (rnext(&r) & 1 ? X86_CR0_MP : 0) |
                   (index >= 2 && (rnext(&r) & 1) ? X86_CR0_TS : 0) | (paging ? X86_CR0_PG : 0) |
                   (p5 && paging && (rnext(&r) & 1) ? X86_CR0_WP : 0);
    vl_sweep_reg_set(out, regs, n, "cr0", cr0);
    vl_sweep_reg_set(out, regs, n, "cr3", PDIR);
    /* CR4.TSD in even states: RDTSC privileged there */
    vl_sweep_reg_set(out, regs, n, "cr4", (index % 2 == 0 ? X86_CR4_TSD : 0) | (rnext(&r) & 1 ? X86_CR4_PSE : 0));
    vl_sweep_reg_set(out, regs, n, "gdtr_base", GDT);
    vl_sweep_reg_set(out, regs, n, "gdtr_limit", GDT_LIMIT);
    vl_sweep_reg_set(out, regs, n, "idtr_base", IDT);
    vl_sweep_reg_set(out, regs, n, "idtr_limit", 0x7FF);
    /* the segment registers after the tables: their caches come from the GDT */
    vl_sweep_reg_set(out, regs, n, "cs", code_of[level]);
    vl_sweep_reg_set(out, regs, n, "ss", data_of[level]);
    static const char *const dsegs[4] = { "ds", "es", "fs", "gs" };
    for (int i = 0; i < 4; i++) vl_sweep_reg_set(out, regs, n, dsegs[i], S_DATA3 | 3);
    vl_sweep_reg_set(out, regs, n, "ldtr", S_LDT);
    vl_sweep_reg_set(out, regs, n, "ldtr_base", LDT);
    vl_sweep_reg_set(out, regs, n, "ldtr_limit", LDT_LIMIT);
    vl_sweep_reg_set(out, regs, n, "ldtr_attr", X86_A_P | X86_SYS_LDT);
    vl_sweep_reg_set(out, regs, n, "tr", S_TSS);
    vl_sweep_reg_set(out, regs, n, "tr_base", TSS);
    vl_sweep_reg_set(out, regs, n, "tr_limit", TSS_LIMIT);
    vl_sweep_reg_set(out, regs, n, "tr_attr", X86_A_P | X86_SYS_TSS32_BUSY);
    vl_sweep_reg_set(out, regs, n, "cpl", (uint32_t)level);
    /* EAX: the state's selector; ECX: 0x10, 0 or small (RDMSR's TSC and
     * machine-check MSRs, shift counts, a CR0 or CR4 MOV accepts); EDX: a port */
    static const uint32_t ecx_of[3] = { 0x10, 0, 1 };
    vl_sweep_reg_set(out, regs, n, "eax", (rnext(&r) << 16) | sel);
    vl_sweep_reg_set(out, regs, n, "ecx", index < 3 ? ecx_of[index] : rbelow(&r, 32));
    vl_sweep_reg_set(out, regs, n, "edx", (rnext(&r) << 16) | (PORT_LO + rbelow(&r, PORT_N)));
    static const char *const ptrs[4] = { "ebx", "ebp", "esi", "edi" };
    for (int i = 0; i < 4; i++) vl_sweep_reg_set(out, regs, n, ptrs[i], 0x4400 + rbelow(&r, 0x800));
    vl_sweep_reg_set(out, regs, n, "esp", esp);
    vl_sweep_reg_set(out, regs, n, "eip", CODE);
    /* arithmetic flags, DF, IF, IOPL at random; in state 0 OF (INTO traps)
     * and IF (POPF of the frame's first dword clears it) */
    uint32_t fl0 = (rnext(&r) & (X86_ARITH | X86_DF | X86_IF | X86_IOPL)) | 0x2 | (index == 0 ? X86_OF | X86_IF : 0);
    vl_sweep_reg_set(out, regs, n, "eflags", fl0);
    vl_sweep_reg_set(out, regs, n, "cr2", rnext(&r) << 16 | rnext(&r));
    static const char *const drs[4] = { "dr0", "dr1", "dr2", "dr3" };
    for (int i = 0; i < 4; i++) vl_sweep_reg_set(out, regs, n, drs[i], rnext(&r) << 16 | rnext(&r));
    vl_sweep_reg_set(out, regs, n, "dr6", 0xFFFF0FF0u | (rnext(&r) & 0xF));
    vl_sweep_reg_set(out, regs, n, "dr7", 0x400u | (rnext(&r) & 0xFF));
}

static int vary(int variant, const vl_reg_info *regs, int n, int how, int level, vl_sweep_regs *r) {
    uint32_t fl = get(r, regs, n, "eflags");
    switch (how) {
    case VL_SWEEP_VARY_MOVED:
        vl_sweep_reg_set(r, regs, n, "gdtr_base", GDT2);
        vl_sweep_reg_set(r, regs, n, "idtr_base", IDT2);
        vl_sweep_reg_set(r, regs, n, "ldtr", S_LDT2);
        vl_sweep_reg_set(r, regs, n, "ldtr_base", LDT2);
        vl_sweep_reg_set(r, regs, n, "tr", S_TSS2);
        vl_sweep_reg_set(r, regs, n, "tr_base", TSS2);
        return 0;
    case VL_SWEEP_VARY_PRIVBITS:
        vl_sweep_reg_set(r, regs, n, "eflags", fl ^ X86_IF ^ X86_IOPL);
        vl_sweep_reg_set(r, regs, n, "cr0", get(r, regs, n, "cr0") ^ X86_CR0_MP);
        return 0;
    case VL_SWEEP_VARY_IO: {
        bool io = ((fl & X86_IOPL) >> X86_IOPL_SHIFT) >= (unsigned)level;
        vl_sweep_reg_set(r, regs, n, "eflags", (fl & ~X86_IOPL) | (io ? 0 : X86_IOPL));
        return !io;
    }
    default: return -1;
    }
}

static void masks(int variant, const vl_reg_info *regs, int nregs, uint32_t *mode_mask, uint32_t *ctl_sup,
                  uint32_t *ctl_user) {
    for (int i = 0; i < nregs; i++) {
        const char *nm = regs[i].name;
        /* the mode: CPL, and the CS and SS of that level (their selectors and DPL) */
        if (!strcmp(nm, "cs") || !strcmp(nm, "ss")) mode_mask[i] = 0;
        else if (!strcmp(nm, "cs_attr") || !strcmp(nm, "ss_attr")) mode_mask[i] = ~(uint32_t)X86_A_DPL;
        else if (!strcmp(nm, "cpl")) mode_mask[i] = 0;
        /* privileged state: the privileged registers, LDTR's and TR's caches, IF and IOPL */
        if ((regs[i].flags & VL_REG_PRIV) || !strncmp(nm, "ldtr_", 5) || !strncmp(nm, "tr_", 3))
            ctl_sup[i] = ctl_user[i] = ~0u;
        else if (!strcmp(nm, "eflags"))
            ctl_sup[i] = ctl_user[i] = X86_IF | X86_IOPL;
    }
}

static int exc_kind(int variant, int vector, const vl_reg_info *regs, int nregs, const uint32_t *after,
                    const uint8_t *mem) {
    if (vector == X86_EXC_UD) return VL_SWEEP_EXC_ILLEGAL;
    if (vector != X86_EXC_GP) return VL_SWEEP_EXC_OTHER;
    /* the error code on the handler's stack (flat SS, paging 1:1) */
    int i = vl_sweep_reg_index(regs, nregs, "esp");
    uint32_t sp = i >= 0 ? after[i] : RAM;
    if (sp > RAM - 4) return VL_SWEEP_EXC_OTHER;
    uint32_t code = (uint32_t)mem[sp] | (uint32_t)mem[sp + 1] << 8 | (uint32_t)mem[sp + 2] << 16 |
                    (uint32_t)mem[sp + 3] << 24;
    return code == 0 ? VL_SWEEP_EXC_PRIV : VL_SWEEP_EXC_OTHER;
}

const vl_sweep_isa vl_sweep_x86 = {
    .isa = "x86",
    .ram = RAM,
    .forms = forms,
    .state = state,
    .encode = encode,
    .masks = masks,
    .exc_kind = exc_kind,
    .reason = vl_sweep_reason_plain,
    .vary = vary,
};
