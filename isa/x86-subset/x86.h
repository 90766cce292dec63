/* x86.h - the x86 subset: an Intel 80386 (no x87) and a Pentium (the 386
 * plus the 486 and Pentium instructions of the subset), in real and
 * protected mode with paging: the CPU state and the internal API shared by
 * the files of isa/x86-subset (decode table, interpreter, exceptions,
 * segmentation, MMU, disassembler, assembler, sweep adapter).
 *
 * Conventions (documented contract of this core, docs/x86.md):
 *  - Exception vectors are the architecture's numbers (0 #DE ... 14 #PF);
 *    vl_stop.code is the error code for the exceptions that push one,
 *    vl_stop.addr the faulting linear address of a #PF (CR2).
 *  - Intercepted exceptions stop before any side effect of the faulting
 *    instruction (registers and EIP as before it; memory it wrote before the
 *    fault stays written, as on hardware), pc = its first byte.
 *  - Privilege levels are the CPL, 0..3.
 *  - Registers are numbered in the encoding's order (eax ecx edx ebx esp
 *    ebp esi edi); segment registers es cs ss ds fs gs (X86_ES...).
 */
#ifndef VL_X86_H
#define VL_X86_H

#include "core/core.h"

/* Models (the `variant` of the CPU interface). */
enum { X86_I386 = 0, X86_PENTIUM = 1, X86_NMODELS };
/* or'ed into the variant given to x86_disasm and x86_decode_info: 16-bit
 * code (vl_cpu_ops.code_variant says when) */
#define X86_CODE16 0x100
#define X86_ON_386 1u
#define X86_ON_586 2u
#define X86_ON_ALL 3u

/* ---- architectural constants -------------------------------------------- */
enum { X86_EAX, X86_ECX, X86_EDX, X86_EBX, X86_ESP, X86_EBP, X86_ESI, X86_EDI };
enum { X86_ES, X86_CS, X86_SS, X86_DS, X86_FS, X86_GS, X86_NSEG };

/* EFLAGS */
#define X86_CF 0x00000001u
#define X86_PF 0x00000004u
#define X86_AF 0x00000010u
#define X86_ZF 0x00000040u
#define X86_SF 0x00000080u
#define X86_TF 0x00000100u
#define X86_IF 0x00000200u
#define X86_DF 0x00000400u
#define X86_OF 0x00000800u
#define X86_IOPL 0x00003000u
#define X86_NT 0x00004000u
#define X86_RF 0x00010000u
#define X86_VM 0x00020000u
#define X86_AC 0x00040000u  /* 486+ */
#define X86_ID 0x00200000u  /* Pentium: CPUID present */
#define X86_ARITH (X86_CF | X86_PF | X86_AF | X86_ZF | X86_SF | X86_OF)
#define X86_IOPL_SHIFT 12

/* CR0 */
#define X86_CR0_PE 0x00000001u
#define X86_CR0_MP 0x00000002u
#define X86_CR0_EM 0x00000004u
#define X86_CR0_TS 0x00000008u
#define X86_CR0_ET 0x00000010u
#define X86_CR0_NE 0x00000020u  /* 486+ */
#define X86_CR0_WP 0x00010000u  /* 486+ */
#define X86_CR0_AM 0x00040000u  /* 486+ */
#define X86_CR0_NW 0x20000000u  /* 486+ */
#define X86_CR0_CD 0x40000000u  /* 486+ */
#define X86_CR0_PG 0x80000000u
/* CR4 (Pentium) */
#define X86_CR4_VME 0x001u
#define X86_CR4_PVI 0x002u
#define X86_CR4_TSD 0x004u
#define X86_CR4_DE 0x008u
#define X86_CR4_PSE 0x010u
#define X86_CR4_MCE 0x040u

/* Exception vectors */
enum {
    X86_EXC_DE = 0, X86_EXC_DB = 1, X86_EXC_NMI = 2, X86_EXC_BP = 3, X86_EXC_OF = 4, X86_EXC_BR = 5,
    X86_EXC_UD = 6, X86_EXC_NM = 7, X86_EXC_DF = 8, X86_EXC_TS = 10, X86_EXC_NP = 11, X86_EXC_SS = 12,
    X86_EXC_GP = 13, X86_EXC_PF = 14, X86_EXC_MF = 16, X86_EXC_AC = 17, X86_EXC_MC = 18
};

/* Segment descriptor attributes as kept in a descriptor cache (the
 * descriptor's bits 8..23 of its second dword: type, S, DPL, P, AVL, D/B, G). */
#define X86_A_TYPE 0x000Fu
#define X86_A_S 0x0010u     /* code or data (not system) */
#define X86_A_DPL 0x0060u
#define X86_A_P 0x0080u
#define X86_A_AVL 0x1000u
#define X86_A_DB 0x4000u    /* default operand size / big stack */
#define X86_A_G 0x8000u
#define X86_A_DPL_SHIFT 5
/* type bits of code/data segments */
#define X86_T_ACCESSED 0x1u
#define X86_T_W 0x2u        /* data: writable */
#define X86_T_R 0x2u        /* code: readable */
#define X86_T_E 0x4u        /* data: expand-down */
#define X86_T_C 0x4u        /* code: conforming */
#define X86_T_CODE 0x8u
/* system types */
enum {
    X86_SYS_TSS16 = 1, X86_SYS_LDT = 2, X86_SYS_TSS16_BUSY = 3, X86_SYS_CALL16 = 4, X86_SYS_TASK = 5,
    X86_SYS_INT16 = 6, X86_SYS_TRAP16 = 7, X86_SYS_TSS32 = 9, X86_SYS_TSS32_BUSY = 11, X86_SYS_CALL32 = 12,
    X86_SYS_INT32 = 14, X86_SYS_TRAP32 = 15
};

/* A segment register (or LDTR/TR) with its hidden descriptor cache. */
typedef struct x86_seg {
    uint16_t sel;
    uint16_t attr;     /* X86_A_* (0: a null selector loaded: unusable) */
    uint32_t base;
    uint32_t limit;    /* byte granular, expanded from G */
} x86_seg;

/* ---- the decode table: the single source of truth -------------------------
 * One row per instruction form: the opcode (one byte, or 0x100 | byte for
 * 0F xx), the ModRM reg field for group members, what the ModRM mod field
 * must be, the operands in Intel order, the operation, the prefixes it takes,
 * the models that have it and its declared class. The interpreter, the
 * disassembler, the assembler, the decode metadata and the sweep all read it.
 */
enum x86_opd {
    X86_O_NONE = 0,
    /* ModRM r/m: register or memory, by size (b byte, w word, d dword, v
     * the operand size) */
    X86_O_EB, X86_O_EW, X86_O_ED, X86_O_EV,
    /* ModRM reg: general register */
    X86_O_GB, X86_O_GW, X86_O_GV,
    /* ModRM reg: segment register, control register, debug register, test register */
    X86_O_SW, X86_O_CD, X86_O_DD, X86_O_TD,
    /* ModRM r/m when it must be a register (mod = 3): r32 (MOV CRn/DRn) */
    X86_O_RD,
    /* ModRM r/m when it must be memory: any size (LEA, INVLPG), a far
     * pointer (16:16 or 16:32), a 6-byte pseudo-descriptor (LGDT),
     * a bound pair (BOUND), a quadword (CMPXCHG8B) */
    X86_O_M, X86_O_MP, X86_O_MS, X86_O_MA, X86_O_MQ,
    /* immediates: byte, word, operand size, byte sign-extended to the
     * operand size */
    X86_O_IB, X86_O_IW, X86_O_IV, X86_O_IBS,
    /* relative branch targets, far pointer immediate, memory offset (moffs) */
    X86_O_JB, X86_O_JV, X86_O_AP, X86_O_OB, X86_O_OV,
    /* string operands: DS:eSI (segment overridable), ES:eDI */
    X86_O_XB, X86_O_XV, X86_O_YB, X86_O_YV,
    /* register in the opcode's low 3 bits: byte, operand size, dword */
    X86_O_ZB, X86_O_ZV, X86_O_ZD,
    /* fixed operands */
    X86_O_AL, X86_O_AX, X86_O_EAX /* AX or EAX by operand size */, X86_O_CL, X86_O_DX, X86_O_ONE,
    X86_O_ES, X86_O_CS, X86_O_SS, X86_O_DS, X86_O_FS, X86_O_GS,
    X86_O_COUNT
};

/* Row flags */
#define X86_F_LOCK   0x0001u  /* LOCK allowed (with a memory destination) */
#define X86_F_REP    0x0002u  /* F3 repeats it (INS, OUTS, MOVS, LODS, STOS) */
#define X86_F_REPZ   0x0004u  /* F2/F3 repeat it while ZF = 0/1 (CMPS, SCAS) */
#define X86_F_PRIV   0x0008u  /* CPL 0 only: #GP(0) otherwise */
#define X86_F_IOPL   0x0010u  /* CPL <= IOPL, or the TSS I/O bitmap (IN/OUT...): #GP(0) otherwise */
#define X86_F_PM     0x0020u  /* protected mode only: #UD in real mode (LAR, LSL, VERR, VERW, ARPL, SLDT...) */
#define X86_F_BYTE   0x0040u  /* the operation is on bytes (AL, Eb...) */
#define X86_F_W      0x0080u  /* the operation is on words whatever the operand size */
#define X86_F_D64    0x0100u  /* (unused on the 386) */
#define X86_F_STACK  0x0200u  /* push/pop: the stack's size rules */
#define X86_F_STR    0x0400u  /* string instruction (address size picks SI/DI or ESI/EDI) */
#define X86_F_FAR    0x0800u  /* a far transfer */
#define X86_F_ESC    0x1000u  /* x87 escape (D8-DF): not modelled, #NM/#UD */

/* ModRM requirements */
enum { X86_MOD_NONE = 0, X86_MOD_ANY, X86_MOD_MEM, X86_MOD_REG };

typedef struct x86_insn {
    const char *name;    /* the mnemonic, lower case, as objdump prints it (without a size suffix) */
    uint16_t opcode;     /* 0x00-0xFF, or 0x100 | byte for 0F xx */
    int8_t reg;          /* ModRM reg field of a group member, -1 none */
    uint8_t mod;         /* X86_MOD_*: whether a ModRM byte follows and what mod must be */
    uint8_t op;          /* enum x86_op: what the interpreter does */
    uint8_t opd[3];      /* enum x86_opd, Intel order (destination first) */
    uint16_t flags;      /* X86_F_* */
    uint8_t models;      /* X86_ON_* */
    uint8_t cls;         /* declared enum vl_class */
    uint8_t flow;        /* enum vl_flow */
} x86_insn;

extern const x86_insn x86_insns[];
extern const int x86_ninsns;

/* The operations (one case each in exec.c). */
#define X86_OPS(X) \
    X(ILLEGAL) X(ADD) X(OR) X(ADC) X(SBB) X(AND) X(SUB) X(XOR) X(CMP) X(TEST) \
    X(INC) X(DEC) X(NOT) X(NEG) X(MUL) X(IMUL1) X(IMUL2) X(IMUL3) X(DIV) X(IDIV) \
    X(ROL) X(ROR) X(RCL) X(RCR) X(SHL) X(SHR) X(SAL6) X(SAR) X(SHLD) X(SHRD) \
    X(BT) X(BTS) X(BTR) X(BTC) X(BSF) X(BSR) X(SETCC) X(BSWAP) X(XADD) X(CMPXCHG) X(CMPXCHG8B) \
    X(DAA) X(DAS) X(AAA) X(AAS) X(AAM) X(AAD) \
    X(MOV) X(MOVSX) X(MOVZX) X(LEA) X(XCHG) X(CBW) X(CWD) X(XLAT) X(BOUND) \
    X(PUSH) X(POP) X(PUSHA) X(POPA) X(PUSHF) X(POPF) X(ENTER) X(LEAVE) X(SAHF) X(LAHF) \
    X(MOV_SEG) X(MOV_FROM_SEG) X(PUSH_SEG) X(POP_SEG) X(LSEG) \
    X(JCC) X(JMP) X(JMP_IND) X(JMP_FAR) X(JMP_FAR_IND) X(CALL) X(CALL_IND) X(CALL_FAR) X(CALL_FAR_IND) \
    X(RET) X(RETF) X(IRET) X(LOOP) X(LOOPE) X(LOOPNE) X(JCXZ) \
    X(INT) X(INT3) X(INTO) X(INT1) X(UD) X(HLT) X(NOP) X(WAIT) X(ESC) \
    X(CLC) X(STC) X(CMC) X(CLD) X(STD) X(CLI) X(STI) \
    X(MOVS) X(CMPS) X(STOS) X(LODS) X(SCAS) X(INS) X(OUTS) X(IN) X(OUT) \
    X(LGDT) X(LIDT) X(SGDT) X(SIDT) X(LLDT) X(SLDT) X(LTR) X(STR) X(LMSW) X(SMSW) X(CLTS) \
    X(MOV_TO_CR) X(MOV_FROM_CR) X(MOV_TO_DR) X(MOV_FROM_DR) X(MOV_TO_TR) X(MOV_FROM_TR) \
    X(LAR) X(LSL) X(VERR) X(VERW) X(ARPL) \
    X(INVD) X(WBINVD) X(INVLPG) X(CPUID) X(RDTSC) X(RDMSR) X(WRMSR)
enum x86_op {
#define X86_OP_ENUM(n) X86_OP_##n,
    X86_OPS(X86_OP_ENUM)
#undef X86_OP_ENUM
    X86_OP_COUNT
};

/* One decoded instruction: what the decoder read from the bytes. */
typedef struct x86_decoded {
    const x86_insn *in;  /* the table row; NULL: invalid (#UD) */
    uint8_t len;         /* bytes, prefixes included */
    uint8_t opsize;      /* 2 or 4 (operand size after 66) */
    uint8_t adsize;      /* 2 or 4 (address size after 67) */
    int8_t seg;          /* segment override X86_ES.., -1 none */
    uint8_t rep;         /* 0, 0xF2 or 0xF3: the last repeat prefix */
    bool lock;
    uint8_t nprefix;     /* prefix bytes */
    uint16_t opcode;     /* as in the table (0x100 | byte for 0F xx) */
    bool has_modrm;
    uint8_t modrm, sib;
    bool has_sib;
    uint8_t mod, regf, rm; /* ModRM fields */
    /* memory operand (has_modrm && mod != 3, or moffs): base and index
     * registers (-1 none), scale shift, displacement, its default segment */
    int8_t base, index;
    uint8_t scale;
    uint32_t disp;
    int8_t mseg;         /* default segment of the memory operand (DS, or SS for eBP/eSP bases) */
    uint32_t imm, imm2;  /* immediates (ENTER: imm = Iw, imm2 = Ib; Ap: imm = offset, imm2 = selector) */
} x86_decoded;

/* Decode the instruction at bytes[0..len) in code of default size `big`
 * (true: 32-bit segment). Returns 0, or -1 when the bytes end before the
 * instruction does (then d->len is the bytes needed, when known) or it is
 * longer than 15 bytes. An invalid opcode decodes with d->in = NULL and the
 * length read so far. */
int x86_decode(int variant, const uint8_t *bytes, size_t len, bool big, x86_decoded *d);
/* The table row for an opcode/ModRM on a model, NULL when invalid. */
const x86_insn *x86_lookup(int variant, uint16_t opcode, bool has_modrm_byte, uint8_t modrm);
/* The class of row `in` when its ModRM reg field (regf) names a register
 * operand (MOV Sw/Cd/Dd/Td): VL_CLASS_ILLEGAL for a register the model does
 * not have; the row's class for any other row. */
int x86_regop_class(int variant, const x86_insn *in, unsigned regf);
/* The row's name as the sweep shows it ("push sreg", "mov to cr"; else its mnemonic). */
const char *x86_row_mnemonic(const x86_insn *in);
/* Does opcode (0x00-0xFF, or 0x100 | byte) take a ModRM byte on some model? */
bool x86_opcode_has_modrm(uint16_t opcode);
/* Condition names 0..15: "o","no","b","ae","e","ne","be","a","s","ns","p","np","l","ge","le","g". */
extern const char *const x86_cond_names[16];
extern const char *const x86_op_names[X86_OP_COUNT];

/* ---- the CPU state --------------------------------------------------------- */
#define X86_TLB_N 256  /* entries per translation cache (direct mapped) */
#define X86_WLOG_N 256  /* writes one instruction may log (ENTER 31: 32 pushes, split and with A/D bits) */
#define X86_DC_N 1024   /* decoded instructions kept (direct mapped by linear address) */

/* A decoded instruction, valid while the bytes at its linear address are
 * the bytes it was decoded from (compared under the mask of its length,
 * with a fused Jcc both lengths, on every use: self-modifying code and
 * remapped pages need no flush). */
#define X86_DC_LONG ((uint64_t)1 << 40)
struct x86_cpu;
typedef struct x86_dce {
    union {
        struct {
            uint64_t tag;  /* linear address | (code segment size: 1 16-bit, 2 32-bit) << 32, | X86_DC_LONG
                            * when the bytes compared are more than 8; 0: empty */
            uint64_t w[2], mask[2];
            x86_decoded d;
            /* exec.c's specialized handler for the form (fast_fn), NULL: the general execute() */
            uint32_t (*fast)(struct x86_cpu *s, const x86_decoded *d, uint32_t next);
            /* the fast loop's: fast, or one that also runs the Jcc right
             * after a CMP or TEST (a fused pair: its bytes are compared
             * too), of displacement imm2 and length len2 (0: none) */
            uint32_t (*loop)(struct x86_cpu *s, const x86_decoded *d, uint32_t next);
            uint32_t imm2;
            uint8_t len2;
        };
        uint8_t size_[128]; /* a power of two: the run loop finds an entry with a shift, not a multiply */
    };
} x86_dce;
_Static_assert(sizeof(x86_dce) == 128, "x86_dce: a power of two");
typedef struct x86_tlbe {
    uint32_t tag;      /* linear page | the cache's epoch (x86_cpu.tlb_epoch) when valid */
    uint32_t pa;       /* physical page */
    uint8_t user, write; /* what the walk allowed: user access, writes (with CR0.WP for supervisor) */
} x86_tlbe;

typedef struct x86_cpu {
    vl_cpu_common c;          /* must be first */
    uint32_t r[8];            /* eax ecx edx ebx esp ebp esi edi */
    uint32_t eip;
    uint32_t eflags;          /* all bits; the arithmetic ones are computed lazily (below) */
    x86_seg seg[X86_NSEG];
    x86_seg ldtr, tr;
    uint32_t gdtr_base, idtr_base;
    uint16_t gdtr_limit, idtr_limit;
    uint32_t cr0, cr2, cr3, cr4;
    uint32_t dr[8];
    uint32_t tr6, tr7;        /* 386 test registers: stored */
    int cpl;
    int variant;
    /* lazy arithmetic flags: the last flag-setting operation's result and
     * operands; x86_flags() computes CF PF AF ZF SF OF from them */
    uint32_t lf_res, lf_a, lf_b;
    uint8_t lf_op, lf_size;   /* X86_LF_*, operand bytes; X86_LF_NONE: eflags holds them */
    uint32_t lf_cf;           /* carry in (ADC/SBB), or the carry out for shifts and rotates */
    /* time stamp counter and model-specific registers (Pentium) */
    uint64_t tsc_base;        /* TSC = tsc_base + c.icount */
    /* state between instructions */
    bool halted;              /* HLT: waiting for an interrupt */
    bool shutdown;            /* a triple fault: stops until reset */
    bool inhibit_irq;         /* STI / MOV SS / POP SS: no interrupt before the next instruction */
    bool trace_pending;       /* TF was set at the start of the last instruction */
    bool nmi_pending;
    /* A REP string instruction in progress: stopped part-way at EIP pin_eip
     * (a step's 4096 iterations done, or a fault the monitor intercepted,
     * which it executes on from there), it goes on as it was decoded, as
     * the hardware's does, not from its bytes now, which its own iterations
     * may have overwritten. Only for the next step, and only when that step
     * starts at pin_eip with no event taken first (an interrupt, a trap, a
     * fault delivered: the hardware fetches it again after those); a
     * register written from outside drops it. */
    bool pin;
    uint32_t pin_eip;
    x86_decoded pin_d;
    /* hardware assist (VT-x style, set by the monitor's glue; 0/NULL: off):
     * the CR0 and CR4 bits the host owns and the guest's values of them
     * (read shadows: MOV from CR0/CR4 and SMSW read those bits there; a
     * write that would change one stops the run, VLAB_STOP_VMEXIT), CR3
     * loads that exit, and the I/O ports whose IN/OUT/INS/OUTS exit (one
     * bit per port). */
    uint32_t cr0_own, cr0_shadow, cr4_own, cr4_shadow;
    bool cr3_exit;
    const uint8_t *io_exits;
    bool x_ext;               /* the last intercepted exception was an external interrupt */
    /* c.icount + 1 of the instruction that began with an STI / MOV SS
     * inhibition the boundary consumed (0: none): an exit before it gives
     * the inhibition back, as the instruction had not begun */
    uint64_t x_inhibit_ic;
    /* translation caches (per privilege: supervisor and user) */
    x86_tlbe tlb[2][X86_TLB_N];
    uint32_t tlb_gen;         /* counts flushes (all or one page): the monitor's glue follows the guest's */
    /* the low bits of a valid entry's tag (even, 2..0xFFE): a flush moves
     * to the next epoch instead of visiting every entry, which only the
     * wrap back to 2 does (x86_tlb_flush cost 16% of the fuzzer's time) */
    uint32_t tlb_epoch;
    uint32_t fast_lim;        /* RAM bytes [0, fast_lim) readable directly */
    /* RAM [wr_base, wr_base + wr_lim) is written directly: the larger side
     * of the watched pages, below the lowest or above the highest (a
     * monitor watching code low in RAM leaves the guest's data and stack
     * above it) */
    uint32_t wr_base, wr_lim;
    uint8_t *ram;
    /* the code window (exec.c code_window): EIP cp_eip + k for k < cp_len
     * is at linear cp_lin + k, host cp_host + k */
    uint32_t cp_eip, cp_lin, cp_len;
    const uint8_t *cp_host;
    bool attn;                /* look at interrupts, HLT, hooks, TF before the next instruction */
    bool self_jump;           /* a fast handler jumped to itself: the run stops (HALT) */
    /* the instruction being executed, for faults and the monitor */
    uint32_t insn_eip;        /* its EIP (offset in CS) */
    /* the state before it, put back when it faults (precise exceptions):
     * the general registers and flags always, the segment registers and
     * the CPL when the instruction changes them (x86_touch_segs) */
    uint32_t u_r[8], u_eflags, u_lf_res, u_lf_a, u_lf_b, u_lf_cf;
    uint8_t u_lf_op, u_lf_size;
    bool u_valid;             /* the record is this instruction's (a fast handler keeps none) */
    /* With intercept on (the monitor's real CPU), the memory this
     * instruction wrote, old bytes first: an intercepted fault puts them
     * back, so that the monitor executes the instruction again on memory
     * as it was before it (an instruction that wrote part of its stores,
     * possibly over its own bytes or over what it reads later, then
     * faulted, must not see its own first attempt; ENTER, PUSHA...).
     * Device writes cannot be undone and are not logged. */
    uint16_t wlog_n;
    bool wlog_lost;           /* more writes than the log holds (never for the subset's instructions: a REP string one logs one iteration at a time) */
    bool u_segs;
    int u_cpl;
    x86_seg u_seg[X86_NSEG];
    /* a fault raised inside an instruction, pending until the run loop
     * settles it (no longjmp: under ASan each one cost a sigaltstack
     * call). While it pends, the rest of the instruction has no effect that
     * outlives it: further faults are ignored, reads give 0, writes are
     * dropped (fast_lim and wr_lim are 0, sending every access to the
     * checked way), and what the undo record does not cover is guarded by
     * X86_PENDING(). */
    bool fpend;
    uint32_t f_fast_lim, f_wr_lim; /* fast_lim and wr_lim while it pends */
    int f_vector;             /* -1: a plain stop */
    uint32_t f_code;
    bool f_has_code;
    uint32_t f_addr;          /* #PF: the linear address */
    int delivering;           /* exception delivery depth (0, 1: #DF on a second, 2: triple fault) */
    uint64_t icount_end;
    bool kicked;
    int run_depth;
    vl_stop stop;
    /* the decoded instructions, last: outside a snapshot (X86_SNAP_SIZE)
     * and untouched by reset, as every entry checks itself against the
     * bytes it was decoded from (copying and clearing its 100 KiB cost 23%
     * of the fuzzer's time); the core hands a zeroed state: all empty */
    x86_dce dc[X86_DC_N];
    /* the write log's entries (wlog_n above): outside a snapshot too, only
     * the current instruction's count */
    struct { uint8_t *p; uint8_t n, old[4]; } wlog[X86_WLOG_N];
    /* the run loop's look at the exit set (hardware assist, c.exit_forms):
     * whether it holds a form a fast handler may run, for the set copied in
     * xf_set (compared by content at the start of each run: the monitor
     * changes the set in place), so that the fast way needs no look per
     * instruction when it holds none (a zeroed state: not valid) */
    bool xf_valid, xf_fast;
    uint8_t xf_set[64];
    /* the fast handlers' direct windows (exec.c windows_open), per segment
     * register: offsets o with o + size <= win_rd read, with o - win_wr_lo
     * + size <= win_wr written (RAM written directly may start above the
     * monitor's watched code), straight at win_host + o (paging off, AC
     * clear, a plain data segment: what x86_rd and x86_wr would find in
     * RAM). Opened by the
     * fast loop, closed (win_open false, all 0) by anything that may
     * change what they depend on: attn, a pending fault, a new memory map
     * (x86_mem_refresh, also at the start of each run) */
    bool win_open;
    uint64_t win_rd[X86_NSEG], win_wr[X86_NSEG];
    uint32_t win_wr_lo[X86_NSEG];
    uint8_t *win_host[X86_NSEG];
    uint32_t win_base[X86_NSEG];
    /* What windows_open last computed them from (win_k_*) and the sizes it
     * computed: the fast loop opens them again after every attn, on code
     * that faults often nearly every instruction, and the same inputs
     * give the same windows (win_wr_lo, win_host and win_base are only
     * ever written by it). A zeroed state has no key. */
    bool win_k_valid, win_k_on;
    uint32_t win_k_fast_lim, win_k_wr_base, win_k_wr_lim;
    const uint8_t *win_k_ram;
    x86_seg win_k_seg[X86_NSEG];
    uint64_t win_k_rd[X86_NSEG], win_k_wr[X86_NSEG];
} x86_cpu;

/* The part of the state a snapshot copies (vl_cpu_ops.snap_size). */
#define X86_SNAP_SIZE offsetof(x86_cpu, dc)

/* The code of a VLAB_STOP_VMEXIT from inside an instruction (hardware
 * assist): a control-register write to an owned bit or a CR3 load, an I/O
 * port of the bitmap. An exit by form has its class (< 0x100) there. */
enum { X86_HWEXIT_CR = 0x100, X86_HWEXIT_IO = 0x101 };

/* Lazy flag operations */
enum { X86_LF_NONE = 0, X86_LF_ADD, X86_LF_ADC, X86_LF_SUB, X86_LF_SBB, X86_LF_LOGIC, X86_LF_INC, X86_LF_DEC,
       X86_LF_NEG, X86_LF_SHL, X86_LF_SHR, X86_LF_SAR, X86_LF_MUL, X86_LF_SHRD };

/* ---- the internal API ------------------------------------------------------ */
/* EFLAGS with the lazy flags folded in, and setting it (every bit, no checks). */
uint32_t x86_get_flags(x86_cpu *s);
void x86_set_flags(x86_cpu *s, uint32_t v);

/* Faults: raise exception v from inside an instruction. It pends (the
 * first one wins) and the caller returns; the run loop rolls the
 * instruction back and takes it (precise exceptions). */
void x86_fault(x86_cpu *s, int vector, uint32_t code, bool has_code);
void x86_page_fault(x86_cpu *s, uint32_t linear, uint32_t code);
/* End the instruction with a plain stop st instead (not modelled, a
 * hardware-assist exit): rolled back as for a fault, the run returns st. */
void x86_stop_insn(x86_cpu *s, vl_stop st);
/* Has the instruction faulted? Checked where a faulting access's value
 * would decide control or reach state the undo record does not cover. */
#define X86_PENDING(s) VL_UNLIKELY((s)->fpend)
/* Deliver exception or interrupt `vector` now, through the IDT (protected
 * mode) or the IVT (real mode): soft is INT n/INT3/INTO (gate DPL checked),
 * ext an external event (error code EXT bit). */
void x86_deliver(x86_cpu *s, int vector, bool has_code, uint32_t code, bool soft, bool ext, uint32_t ret_eip);

/* exc.c: the exceptions that push an error code; what a second exception
 * during the delivery of a first becomes (X86_EXC_DF, the second, or -1: a
 * triple fault). */
bool x86_has_error_code(int vector);
int x86_combine(int first, int second);

/* Before an instruction changes a segment register or the CPL: keep them
 * for its rollback (once per instruction). */
static inline void x86_touch_segs(x86_cpu *s) {
    if (s->u_segs) return;
    s->u_segs = true;
    s->u_cpl = s->cpl;
    for (int i = 0; i < X86_NSEG; i++) s->u_seg[i] = s->seg[i];
}

/* Segmentation (seg.c) */
/* Load segment register sr with selector sel as MOV/POP/LxS do (checks, #GP/#SS/#NP). */
void x86_load_seg(x86_cpu *s, int sr, uint16_t sel);
/* Real mode (and the reset state): base = sel << 4, limit and attributes kept. */
void x86_load_seg_real(x86_cpu *s, int sr, uint16_t sel);
/* Read descriptor `sel` from the GDT/LDT into lo/hi; false when outside the table. */
bool x86_read_descriptor(x86_cpu *s, uint16_t sel, uint32_t *lo, uint32_t *hi);
/* The same for the host: never faults (false also when a page of the
 * table does not translate). */
bool x86_peek_descriptor(x86_cpu *s, uint16_t sel, uint32_t *lo, uint32_t *hi);
/* The descriptor cache of a descriptor. */
x86_seg x86_seg_from_desc(uint16_t sel, uint32_t lo, uint32_t hi);
/* Far transfers of operand size opsize (2 or 4): JMP/CALL far (through a
 * call gate too), RET far (then pop_bytes more), IRET. */
void x86_far_jmp(x86_cpu *s, uint16_t sel, uint32_t off, bool call, uint32_t ret_eip, int opsize);
void x86_far_ret(x86_cpu *s, uint16_t pop_bytes, int opsize);
void x86_iret(x86_cpu *s, int opsize);
/* EFLAGS after POPF (iret false) or IRET sets v over old at the current CPL
 * and IOPL: IOPL changes only at CPL 0, IF only at CPL <= IOPL. */
uint32_t x86_flags_merge(x86_cpu *s, uint32_t old, uint32_t v, bool iret);
/* A segment-relative access check: the linear address of [off, off+n) in
 * segment sr, or a #GP/#SS fault. write: a write access. */
/* A present, expand-up, writable data segment that holds [off, off+size):
 * every access allowed, no check left (the common case, tested inline). */
static inline bool x86_plain_seg(const x86_seg *g, uint32_t off, int size) {
    uint32_t last = off + (uint32_t)size - 1;
    return (g->attr & (X86_A_P | X86_A_S | X86_T_CODE | X86_T_E | X86_T_W)) == (X86_A_P | X86_A_S | X86_T_W) &&
           last <= g->limit && last >= off;
}

uint32_t x86_linear_checked(x86_cpu *s, int sr, uint32_t off, uint32_t n, bool write);
static inline uint32_t x86_linear(x86_cpu *s, int sr, uint32_t off, uint32_t n, bool write) {
    /* the common case inline: a present, expand-up, writable data segment
     * (every access allowed but for the limit); the rest in seg.c */
    const x86_seg *g = &s->seg[sr];
    if (VL_LIKELY(x86_plain_seg(g, off, (int)n))) return g->base + off;
    return x86_linear_checked(s, sr, off, n, write);
}
/* The IDT gate (or real-mode IVT entry in lo) of vector; false outside the table. */
bool x86_idt_entry(x86_cpu *s, int vector, uint32_t *lo, uint32_t *hi);
/* The same without a fault or a side effect: 1 read, 0 a page of the
 * table does not translate, -1 outside the table. */
int x86_idt_peek(x86_cpu *s, int vector, uint32_t *lo, uint32_t *hi);
/* May the current CPL see descriptor sel for LAR (what 0), LSL (1), VERR
 * (2), VERW (3)? Its two dwords in lo/hi. */
bool x86_desc_visible(x86_cpu *s, uint16_t sel, int what, uint32_t *lo, uint32_t *hi);
/* CPL/IOPL/I-O permission: may the current code access ports [port, port+n)? */
bool x86_io_allowed(x86_cpu *s, uint32_t port, int n);


/* By linear address (descriptor tables, TSS, IDT: supervisor accesses). */
uint32_t x86_rd_lin(x86_cpu *s, uint32_t lin, int size, bool user);
/* n bytes at lin, all in one page, as n reads of 1 byte by x86_rd_lin
 * would give them (after a fault: 0), with one translation. */
void x86_rd_lin_bytes(x86_cpu *s, uint32_t lin, uint8_t *buf, uint32_t n, bool user);
void x86_wr_lin(x86_cpu *s, uint32_t lin, int size, uint32_t v, bool user);
/* Translate a linear address: 0 and *pa, or the #PF error code | 0x100 (no fault taken when probe). */
int x86_translate(x86_cpu *s, uint32_t lin, bool write, bool user, bool probe, uint32_t *pa);
/* For the host (outside a run, where no fault can be taken): 4 bytes at a
 * linear address as a supervisor read sees them, without side effects
 * (no accessed bits); false when a page does not translate. */
bool x86_peek_lin(x86_cpu *s, uint32_t lin, uint32_t *v);
void x86_tlb_flush(x86_cpu *s);
/* Close the fast handlers' direct windows (x86_cpu.win_open). */
void x86_windows_close(x86_cpu *s);
void x86_tlb_flush_page(x86_cpu *s, uint32_t lin);
void x86_mem_refresh(x86_cpu *s);
/* The RAM behind linear address lin for an access of size bytes that stays
 * in its page, when paging is off or the translation cache already allows
 * it (a write: through a dirty, writable entry) and the bytes lie in
 * [base, base + lim) (0 and fast_lim for reads, wr_base and wr_lim for
 * writes); NULL otherwise: the full way decides, faults and sets the A/D
 * bits. */
static inline uint8_t *x86_fast_ram(x86_cpu *s, uint32_t lin, unsigned size, bool write, uint32_t base,
                                    uint32_t lim) {
    if (VL_UNLIKELY((lin & 0xFFF) + size > 0x1000u)) return NULL;
    uint32_t pa = lin;
    if (s->cr0 & X86_CR0_PG) {
        const x86_tlbe *e = &s->tlb[s->cpl == 3][(lin >> 12) & (X86_TLB_N - 1)];
        if (e->tag != ((lin & ~0xFFFu) | s->tlb_epoch) || (write && !e->write)) return NULL;
        pa = e->pa | (lin & 0xFFF);
    }
    return (uint64_t)(uint32_t)(pa - base) + size <= lim ? s->ram + pa : NULL;
}

/* The write log (x86_cpu.wlog): record the n bytes at p before a write;
 * undo this instruction's writes (mmu.c). */
void x86_wlog_add(x86_cpu *s, uint8_t *p, unsigned n);
void x86_wlog_undo(x86_cpu *s);

/* Memory through segmentation and paging: faults pend. Inline the
 * common case (a plain data segment, RAM through the translation cache, no
 * alignment checking); mmu.c the rest. */
uint32_t x86_rd_slow(x86_cpu *s, int sr, uint32_t off, int size);
void x86_wr_slow(x86_cpu *s, int sr, uint32_t off, int size, uint32_t v, bool log);

/* size (1, 2, 4) bytes of RAM at p, little-endian */
static inline uint32_t x86_get_le(const uint8_t *p, int size) {
    return size == 4 ? (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24
           : size == 2 ? (uint32_t)p[0] | (uint32_t)p[1] << 8 : p[0];
}
static inline void x86_put_le(uint8_t *p, int size, uint32_t v) {
    p[0] = (uint8_t)v;
    if (size > 1) p[1] = (uint8_t)(v >> 8);
    if (size > 2) {
        p[2] = (uint8_t)(v >> 16);
        p[3] = (uint8_t)(v >> 24);
    }
}

static inline uint32_t x86_rd(x86_cpu *s, int sr, uint32_t off, int size) {
    const x86_seg *g = &s->seg[sr];
    if (VL_LIKELY(x86_plain_seg(g, off, size) && !(s->eflags & X86_AC))) {
        const uint8_t *p = x86_fast_ram(s, g->base + off, (unsigned)size, false, 0, s->fast_lim);
        if (VL_LIKELY(p != NULL)) return x86_get_le(p, size);
    }
    return x86_rd_slow(s, sr, off, size);
}

/* log false: the instruction's last access that can fault (a fast
 * handler's one store, exec.c): once it is done nothing can fault and roll
 * it back, so its fast way needs no write-log entry under intercept */
static inline __attribute__((always_inline)) void x86_wr_as(x86_cpu *s, int sr, uint32_t off, int size, uint32_t v,
                                                            bool log) {
    const x86_seg *g = &s->seg[sr];
    if (VL_LIKELY(x86_plain_seg(g, off, size) && !(s->eflags & X86_AC))) {
        uint8_t *p = x86_fast_ram(s, g->base + off, (unsigned)size, true, s->wr_base, s->wr_lim);
        if (VL_LIKELY(p != NULL)) {
            if (log && VL_UNLIKELY(s->c.intercept)) x86_wlog_add(s, p, (unsigned)size);
            x86_put_le(p, size, v);
            return;
        }
    }
    x86_wr_slow(s, sr, off, size, v, log);
}
static inline void x86_wr(x86_cpu *s, int sr, uint32_t off, int size, uint32_t v) { x86_wr_as(s, sr, off, size, v, true); }

/* Names and tables */
extern const vl_vector_info x86_vectors[];
const vl_reg_info *x86_regs(int variant, int *count);
uint32_t x86_reg_get(void *cpu, int id);
void x86_reg_set(void *cpu, int id, uint32_t v);

/* Disassembler and assembler (disasm.c, asm.c): AT&T syntax as GNU objdump
 * -d -m i386 prints it (-m i8086 with X86_CODE16 in variant); .code16/.code32. */
int x86_disasm(int variant, const uint8_t *bytes, size_t len, uint32_t addr, char *out, size_t outsz);
/* The same for code of either default size: big true for a 32-bit code
 * segment (objdump -m i386), false for 16-bit code (real mode, a 16-bit
 * segment: objdump -m i8086). Returns the length, or -1 with a message in
 * out when the bytes end before the instruction does. */
int x86_disasm_code(int variant, bool big, const uint8_t *bytes, size_t len, uint32_t addr, char *out, size_t outsz);
/* The decode metadata of the CPU interface (32-bit code; 16-bit with
 * X86_CODE16 in variant): length, declared
 * class, mnemonic, form (the table row), flow and the static target of a
 * relative JMP/CALL/Jcc/LOOP/JeCXZ. */
void x86_decode_info(int variant, const uint8_t *bytes, size_t len, uint32_t addr, vl_decode_info *out);
/* The same for code of either default size (big: 32-bit, CS.D set). */
void x86_decode_info_size(int variant, const uint8_t *bytes, size_t len, uint32_t addr, bool big, vl_decode_info *out);
int x86_assemble(int variant, const char *src, uint32_t org, uint8_t **out, size_t *len, char *err, size_t errsz);
extern const vl_cpu_ops x86_ops;

#endif
