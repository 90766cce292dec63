/* ppc.h - 32-bit PowerPC OEA, model 750 (603/750 class, integer; no FPU):
 * CPU state and the internal API shared by the files of isa/ppc (decode
 * table, interpreter, exceptions, MMU, disassembler, assembler, monitor glue).
 *
 * Conventions (documented contract of this core):
 *  - Bit n of a register means the mask 1u << n (IBM numbering is 31 - n).
 *  - Exception vectors are numbered by their offset: 0x100 system reset,
 *    0x200 machine check, 0x300 DSI, 0x400 ISI, 0x500 external, 0x600
 *    alignment, 0x700 program, 0x800 FP unavailable, 0x900 decrementer,
 *    0xC00 system call, 0xD00 trace (vl_stop.vector is that offset). The
 *    handler address is the offset, or 0xFFF00000 | offset when MSR[IP] = 1.
 *  - Intercepted exceptions (c.intercept) stop the core before any side
 *    effect with vl_stop.pc = the faulting instruction (sc: the sc itself;
 *    decrementer, external and trace: the next instruction, not yet
 *    executed) and vl_stop.info = DAR for DSI/alignment, the SRR1 reason
 *    bits for ISI/program, the access address for machine check, 0
 *    otherwise. The values the exception would have put in DSISR/DAR/SRR1
 *    are kept in x_dsisr, x_dar, x_srr1 for the monitor glue.
 *  - ops.raise(v, info) takes exception v now with SRR0 = pc (0xC00: pc + 4).
 *    info: DAR for 0x300/0x600 (DSISR is left as the caller set it), SRR1
 *    reason bits for 0x400/0x700, ignored otherwise.
 *  - An access to nothing (not RAM, not the MMIO window) is a machine check
 *    (0x200; the 750 signals it as TEA), SRR0 = the accessing instruction,
 *    SRR1 reason bits 0; with MSR[ME] = 0 it is a checkstop: VLAB_STOP_ERROR.
 *  - The decrementer counts down once per instruction step (an instruction
 *    that takes an exception counts as a step); the time base counts up at
 *    the same rate. A decrementer exception becomes pending when counting
 *    takes DEC from non-negative to negative (bit 31 from 0 to 1), stays
 *    pending, and is taken when MSR[EE] = 1. c.irq_level != 0 asserts the
 *    external interrupt line (level-sensitive, taken when MSR[EE] = 1).
 *  - A branch to itself (b ., or any taken branch whose target is its own
 *    address without decrementing CTR; not bclrl, which changes its own
 *    target) stops the run with VLAB_STOP_HALT
 *    when MSR[EE] = 0; with EE = 1 it is an idle loop waiting for the
 *    decrementer or an external interrupt, and the core skips ahead to the
 *    next event (each skipped iteration still counts as an instruction).
 *  - Reset: MSR = ME (0x1000), PC = 0x100 (IP = 0: vectors in RAM at 0, as
 *    a lab machine has no ROM at 0xFFF00000). PVR reads 0x00080200 (750).
 *  - Not modelled: floating point (FP instructions take FP unavailable 0x800
 *    when MSR[FP] = 0 and an illegal-instruction program interrupt
 *    otherwise), little-endian mode (MSR[LE]/[ILE] read as 0), power saving
 *    (MSR[POW] is kept, no effect), caches (cache instructions are no-ops;
 *    dcbz zeroes its 32-byte block), IABR/DABR/performance monitor/thermal
 *    (registers kept, no effect), direct-store segments (T = 1: DSI/ISI).
 */
#ifndef VL_PPC_H
#define VL_PPC_H

#include "core/core.h"
#include "isa/ppc/sprs.h"

enum { PPC_750 = 0, PPC_NMODELS };
#define PPC_PVR_750 0x00080200u

/* MSR bits */
#define MSR_POW 0x00040000u
#define MSR_ILE 0x00010000u
#define MSR_EE  0x00008000u
#define MSR_PR  0x00004000u
#define MSR_FP  0x00002000u
#define MSR_ME  0x00001000u
#define MSR_FE0 0x00000800u
#define MSR_SE  0x00000400u
#define MSR_BE  0x00000200u
#define MSR_FE1 0x00000100u
#define MSR_IP  0x00000040u
#define MSR_IR  0x00000020u
#define MSR_DR  0x00000010u
#define MSR_PM  0x00000004u
#define MSR_RI  0x00000002u
#define MSR_LE  0x00000001u
/* bits mtmsr can set (LE and ILE are not modelled) */
#define MSR_MASK 0x0004FF76u
/* bits rfi copies from SRR1 and exceptions save into SRR1 */
#define MSR_SRR1_MASK 0x0000FF72u

/* SRR1 reason bits of the program interrupt */
#define SRR1_FPE     0x00100000u
#define SRR1_ILLEGAL 0x00080000u
#define SRR1_PRIV    0x00040000u
#define SRR1_TRAP    0x00020000u
/* ISI SRR1 bits / DSI DSISR bits */
#define PPC_ISI_NOPTE   0x40000000u  /* no PTE / BAT found */
#define PPC_ISI_NOEXEC  0x10000000u  /* direct-store, no-execute or guarded */
#define PPC_ISI_PROT    0x08000000u  /* protection violation */
#define PPC_DSISR_NOPTE 0x40000000u
#define PPC_DSISR_PROT  0x08000000u
#define PPC_DSISR_RES   0x04000000u  /* lwarx/stwcx. to W=1 or I=1 memory */
#define PPC_DSISR_STORE 0x02000000u
#define PPC_DSISR_DABR  0x00400000u
#define PPC_DSISR_EAR   0x00100000u  /* eciwx/ecowx with EAR[E] = 0 */
#define PPC_DSISR_DS    0x04000000u  /* access to a direct-store segment (750 UM table 5-3) */

/* XER */
#define XER_SO 0x80000000u
#define XER_OV 0x40000000u
#define XER_CA 0x20000000u

/* ---- the decode table: the single source of truth --------------------------
 * One entry per instruction form: (word & mask) == match. Reserved fields are
 * part of the mask (must be zero); the Rc bit is free when PPC_F_RC, the OE
 * bit when PPC_F_OE, AA and LK when PPC_F_AA / PPC_F_LK. Disassembly appends
 * "o" (OE), "." (Rc), "l" (LK) then "a" (AA) to the mnemonic.
 * Privilege is declared once, by PPC_F_PRIV on the entry (the declared
 * class and the interpreter's one check derive from it); mfspr/mtspr
 * (PPC_F_SPR) take it from the SPR number (spr & 0x10 means privileged,
 * REFERENCE §3), see ppc_insn_privileged() and ppc_insn_class(); the SPRs
 * that exist on the 750 are in ppc_sprs[] (sprs.h). The control-flow kind
 * is in the flags too (PPC_F_FLOW). */
enum ppc_form {
    PPC_FORM_I, PPC_FORM_B, PPC_FORM_SC, PPC_FORM_D, PPC_FORM_DS, PPC_FORM_X,
    PPC_FORM_XL, PPC_FORM_XFX, PPC_FORM_XFL, PPC_FORM_XO, PPC_FORM_A, PPC_FORM_M,
    PPC_FORM_COUNT
};
extern const char *const ppc_form_names[PPC_FORM_COUNT]; /* "I", "B", "SC", "D"... */

/* Operand kinds, in assembler order. Field positions use mask bit numbers. */
enum ppc_opd {
    PPC_OPD_NONE = 0,
    PPC_OPD_RT,     /* GPR, bits 25..21 (rD)                                  */
    PPC_OPD_RS,     /* GPR, bits 25..21 (rS, a source)                        */
    PPC_OPD_RA,     /* GPR, bits 20..16                                       */
    PPC_OPD_RA0,    /* GPR bits 20..16, 0 means the value 0 (addi, indexed)   */
    PPC_OPD_RB,     /* GPR, bits 15..11                                       */
    PPC_OPD_SIMM,   /* signed 16-bit, bits 15..0                              */
    PPC_OPD_UIMM,   /* unsigned 16-bit, bits 15..0                            */
    PPC_OPD_D_RA0,  /* d(rA): signed 16-bit displacement, rA bits 20..16 (0 = 0) */
    PPC_OPD_D_RA,   /* d(rA) of the update forms: rA is a register (not 0)    */
    PPC_OPD_BD,     /* branch target: signed bits 15..2 << 2 (AA: absolute)   */
    PPC_OPD_LI,     /* branch target: signed bits 25..2 << 2 (AA: absolute)   */
    PPC_OPD_BO,     /* bits 25..21                                            */
    PPC_OPD_BI,     /* CR bit, bits 20..16                                    */
    PPC_OPD_CRFD,   /* CR field, bits 25..23                                  */
    PPC_OPD_CRFS,   /* CR field, bits 20..18                                  */
    PPC_OPD_L,      /* bit 21 (must be 0 on a 32-bit implementation)          */
    PPC_OPD_CRBD,   /* CR bit, bits 25..21                                    */
    PPC_OPD_CRBA,   /* CR bit, bits 20..16                                    */
    PPC_OPD_CRBB,   /* CR bit, bits 15..11                                    */
    PPC_OPD_SH,     /* shift count, bits 15..11                               */
    PPC_OPD_MB,     /* bits 10..6                                             */
    PPC_OPD_ME,     /* bits 5..1                                              */
    PPC_OPD_NB,     /* byte count, bits 15..11 (0 means 32)                   */
    PPC_OPD_SPR,    /* SPR number, 10-bit field bits 20..11 with halves swapped */
    PPC_OPD_TBR,    /* TBR number, same encoding as SPR                       */
    PPC_OPD_SR,     /* segment register, bits 19..16                          */
    PPC_OPD_CRM,    /* field mask, bits 19..12                                */
    PPC_OPD_TO,     /* trap condition, bits 25..21                            */
    PPC_OPD_FRT,    /* FPR, bits 25..21                                       */
    PPC_OPD_FRS,    /* FPR, bits 25..21 (source)                              */
    PPC_OPD_FRA,    /* FPR, bits 20..16                                       */
    PPC_OPD_FRB,    /* FPR, bits 15..11                                       */
    PPC_OPD_FRC,    /* FPR, bits 10..6                                        */
    PPC_OPD_FM,     /* FPSCR field mask, bits 24..17 (mtfsf)                  */
    PPC_OPD_FIMM,   /* 4-bit immediate, bits 15..12 (mtfsfi)                  */
    PPC_OPD_COUNT
};

/* Flags */
#define PPC_F_RC     0x0001u  /* Rc bit (bit 0) selects the "." form        */
#define PPC_F_OE     0x0002u  /* OE bit (bit 10) selects the "o" form       */
#define PPC_F_AA     0x0004u  /* AA bit (bit 1)                             */
#define PPC_F_LK     0x0008u  /* LK bit (bit 0)                             */
#define PPC_F_PRIV   0x0010u  /* supervisor only: the privilege declaration */
#define PPC_F_SPR    0x0020u  /* privilege from the SPR number (spr & 0x10)  */
#define PPC_F_FP     0x0040u  /* floating point: not modelled                */
#define PPC_F_LOAD   0x0080u
#define PPC_F_STORE  0x0100u
#define PPC_F_UPDATE 0x0200u  /* writes the EA back to rA                    */
/* enum vl_flow of the entry when taken (b, bc: JUMP; bclr: RETURN; bcctr:
 * INDIRECT); decode refines it by BO (a condition: BRANCH) and LK (CALL) */
#define PPC_F_FLOW(k) ((uint16_t)((unsigned)(k) << 12))

/* Operations, as an X-macro list so that the enum, the interpreter's
 * handler table (exec.c: the compiler refuses an operation without a
 * handler) and anything else that needs one row per operation derive from
 * the one list. */
#define PPC_OPS(X) \
    X(ILLEGAL) \
    /* arithmetic */ \
    X(ADDI) X(ADDIS) X(ADDIC) X(ADDIC_RC) X(SUBFIC) X(MULLI) \
    X(ADD) X(ADDC) X(ADDE) X(ADDME) X(ADDZE) \
    X(SUBF) X(SUBFC) X(SUBFE) X(SUBFME) X(SUBFZE) X(NEG) \
    X(MULLW) X(MULHW) X(MULHWU) X(DIVW) X(DIVWU) \
    /* compare */ \
    X(CMPI) X(CMPLI) X(CMP) X(CMPL) \
    /* logical */ \
    X(ANDI) X(ANDIS) X(ORI) X(ORIS) X(XORI) X(XORIS) \
    X(AND) X(ANDC) X(OR) X(ORC) X(NOR) X(XOR) X(EQV) \
    X(NAND) X(CNTLZW) X(EXTSB) X(EXTSH) \
    /* rotate and shift */ \
    X(RLWIMI) X(RLWINM) X(RLWNM) X(SLW) X(SRW) X(SRAW) X(SRAWI) \
    /* branches, CR, traps, system call */ \
    X(B) X(BC) X(BCLR) X(BCCTR) X(SC) X(TW) X(TWI) \
    X(CRAND) X(CRANDC) X(CREQV) X(CRNAND) X(CRNOR) X(CROR) \
    X(CRORC) X(CRXOR) X(MCRF) X(MCRXR) X(MFCR) X(MTCRF) \
    /* loads and stores */ \
    X(LWZ) X(LWZU) X(LBZ) X(LBZU) X(LHZ) X(LHZU) \
    X(LHA) X(LHAU) X(STW) X(STWU) X(STB) X(STBU) \
    X(STH) X(STHU) X(LMW) X(STMW) \
    X(LWZX) X(LWZUX) X(LBZX) X(LBZUX) X(LHZX) X(LHZUX) \
    X(LHAX) X(LHAUX) X(STWX) X(STWUX) X(STBX) X(STBUX) \
    X(STHX) X(STHUX) X(LWBRX) X(LHBRX) X(STWBRX) X(STHBRX) \
    X(LSWI) X(LSWX) X(STSWI) X(STSWX) X(LWARX) X(STWCX) \
    X(ECIWX) X(ECOWX) \
    /* cache, sync, time base */ \
    X(DCBF) X(DCBST) X(DCBT) X(DCBTST) X(DCBZ) X(ICBI) \
    X(EIEIO) X(SYNC) X(ISYNC) X(MFTB) \
    /* special purpose registers */ \
    X(MFSPR) X(MTSPR) \
    /* OEA supervisor set */ \
    X(MFMSR) X(MTMSR) X(RFI) X(MFSR) X(MTSR) X(MFSRIN) \
    X(MTSRIN) X(TLBIE) X(TLBSYNC) X(TLBIA) X(DCBI) \
    /* floating point (not modelled: FP unavailable or illegal) */ \
    X(FP)
#define PPC_OP_ENUM_ROW(n) PPC_OP_##n,
enum ppc_op { PPC_OPS(PPC_OP_ENUM_ROW) PPC_OP_COUNT };

typedef struct ppc_insn {
    const char *mnemonic;  /* base mnemonic ("add", "andi.", "mfspr", "lfd") */
    uint32_t mask, match;
    uint8_t form;          /* enum ppc_form */
    uint8_t op;            /* enum ppc_op */
    uint16_t flags;        /* PPC_F_* */
    uint8_t cls;           /* declared enum vl_class, from the flags (mfspr/mtspr: see ppc_insn_class) */
    uint8_t opd[5];        /* enum ppc_opd, assembler order, PPC_OPD_NONE-terminated */
} ppc_insn;

extern const ppc_insn ppc_insns[];
extern const int ppc_ninsns;
static inline int ppc_insn_flow(const ppc_insn *in) { return in->flags >> 12; }

/* Lookup tables built once from ppc_insns (ppc_decode_init, idempotent and
 * thread-safe): table index + 1 (plus PPC_DT_PRIV, below) by primary
 * opcode, or PPC_DT_EXT + k for the primaries with an extended opcode (19,
 * 31, 59, 63 -> k = 0..3), then by the 10-bit extended opcode (bits 10..1).
 * 0 = illegal. */
#define PPC_DT_EXT 0x7000
/* added to the index + 1 of an entry that declares privilege (PPC_F_PRIV,
 * PPC_F_SPR), so that the interpreter's test for 0 also finds them */
#define PPC_DT_PRIV 0x4000
extern uint16_t ppc_dt_prim[64];
extern uint16_t ppc_dt_ext[4][1024];
void ppc_decode_init(void);
/* The decode-table entry for an instruction word, or NULL if illegal. */
const ppc_insn *ppc_decode(uint32_t word);
/* Invalid forms (update with rA = 0 / rA = rD, bcctr decrementing CTR, mftb
 * with a TBR other than 268/269): decoded as illegal. */
bool ppc_invalid_form(const ppc_insn *in, uint32_t word);
/* Table index for the word, -1 if illegal (same as ppc_decode). */
int ppc_decode_index(uint32_t word);
/* Declared class of one instruction word (mfspr/mtspr: from the SPR number
 * and whether the SPR exists and allows that direction; FP: illegal). */
int ppc_insn_class(uint32_t word);

/* Operand field extraction */
static inline unsigned ppc_spr_field(uint32_t w) { return ((w >> 16) & 0x1F) | ((w >> 6) & 0x3E0); }
static inline uint32_t ppc_spr_encode(unsigned spr) { return ((spr & 0x1F) << 16) | ((spr >> 5) << 11); }
static inline int ppc_spr_privileged(unsigned spr) { return (spr & 0x10) != 0; }
/* Does the word need supervisor state? (the entry's declaration, or for
 * mfspr/mtspr the SPR number) */
static inline bool ppc_insn_privileged(const ppc_insn *in, uint32_t w) {
    return (in->flags & PPC_F_PRIV) || ((in->flags & PPC_F_SPR) && ppc_spr_privileged(ppc_spr_field(w)));
}

/* SPRs of the 750: ppc_sprs[] is PPC_SPRS (sprs.h), which explains the
 * columns. */
#define PPC_SPR_R 1u  /* mfspr allowed */
#define PPC_SPR_W 2u  /* mtspr allowed */
enum ppc_spr_where { PPC_SPR_FIELD, PPC_SPR_FLUSH, PPC_SPR_DEC, PPC_SPR_TBL, PPC_SPR_TBU };
enum ppc_spr_view { PPC_SPR_NOREG, PPC_SPR_REG, PPC_SPR_REG_RO, PPC_SPR_REG_LATE };
typedef struct ppc_spr {
    uint16_t num;
    const char *name;   /* lower case: "xer", "srr0", "ibat0u" */
    uint8_t access;     /* PPC_SPR_R | PPC_SPR_W */
    uint8_t where;      /* enum ppc_spr_where */
    uint8_t view;       /* enum ppc_spr_view */
    uint16_t off;       /* PPC_SPR_FIELD/FLUSH: offsetof(ppc_cpu, member) */
    uint32_t wmask;     /* bits a write keeps */
} ppc_spr;
extern const ppc_spr ppc_sprs[];
extern const int ppc_nsprs;
/* ppc_sprs index + 1 by SPR number, 0 if none (built by ppc_decode_init). */
extern uint8_t ppc_spr_ix[1024];
/* Entry for an SPR number, NULL if the 750 has no such SPR. */
const ppc_spr *ppc_spr_find(unsigned num);
/* SPR number for a name ("lr", "sprg3"...), -1 if unknown. */
int ppc_spr_by_name(const char *name);

/* ---- the CPU state -------------------------------------------------------- */
#define PPC_TLB_N 64  /* entries per translation cache (direct mapped, per PR) */
typedef struct ppc_tlbe {
    uint32_t tag;      /* EA page (ea & ~0xFFF); 1 = invalid */
    uint32_t pa;       /* physical page */
} ppc_tlbe;

/* The pre-decoded instruction cache (exec.c): one entry per word of a
 * physical page of RAM, with the handler and the fields pre-extracted. An
 * entry is a pure function of its word and remembers that word: each
 * dispatch compares it with the word in memory and decodes again when they
 * differ. So code written by anything (a store, the host, a device, a
 * restored snapshot) is seen at its next execution, a page's slot may be
 * reused by any other page without being cleared, and translation changes
 * need only the fetch cache's reset (fetch_page = 1), which the slot lookup
 * follows. */
#define PPC_DC_PAGES 16  /* cached pages, direct mapped by physical page number */
#define PPC_DC_N 1024    /* words per page; entry [PPC_DC_N] ends the page */
typedef struct ppc_dent {
    uint32_t raw;      /* the word as its bytes read in host order: compared with memory */
    uint32_t w;        /* the instruction word decoded */
    uint32_t imm;      /* pre-extracted: branch displacement, rlw* mask, SPR index */
    uint16_t h;        /* handler (exec.c); 0: not decoded yet */
    uint8_t op;        /* enum ppc_op (what a privileged entry runs after its check) */
    uint8_t cls;       /* declared class + 1 for the exit set; 0: no exit check */
                       /* (a form of c.exit_forms: handler H_VMEXIT, ppc_cpu.dc_xforms) */
    uint8_t rd, ra, rb; /* bits 25..21, 20..16, 15..11 */
    uint8_t x;         /* compares: the CR field's shift; bc on a CR bit: 31 - BI */
} ppc_dent;
/* bytes of an exit set by form (one bit per decode-table entry, ppc_ninsns
 * of them: exec.c checks that it is enough) */
#define PPC_XFORMS_BYTES 64
typedef struct ppc_dpage {
    ppc_dent e[PPC_DC_N + 1];
} ppc_dpage;

typedef struct ppc_cpu {
    vl_cpu_common c;          /* must be first */
    uint32_t gpr[32];
    uint32_t pc;              /* address of the next instruction */
    uint32_t msr, cr, xer, lr, ctr;
    uint32_t srr0, srr1, sprg[4], sdr1, dar, dsisr, pvr, ear;
    uint32_t hid0, hid1, iabr, dabr, l2cr, ictc, thrm[3];
    uint32_t mmcr[2], pmc[4], sia;
    uint32_t sr[16];
    uint32_t ibat[8], dbat[8];  /* [2n] = upper, [2n + 1] = lower */
    /* time base and decrementer as functions of c.icount */
    uint64_t tb_base;         /* TB = tb_base + c.icount */
    uint32_t dec_val;         /* DEC value at icount dec_at */
    uint64_t dec_at;
    uint64_t dec_fire;        /* icount at which DEC goes negative, UINT64_MAX none */
    bool dec_pending;
    bool trace_pending;
    bool reserve;             /* lwarx reservation */
    uint32_t reserve_addr;
    int variant;
    /* the exception that would have been taken at the last intercept */
    uint32_t x_dsisr, x_dar, x_srr1;
    /* internal: translation caches, physical fast limits */
    ppc_tlbe itlb[2][PPC_TLB_N], dtlb_r[2][PPC_TLB_N], dtlb_w[2][PPC_TLB_N];
    uint32_t tlb_ram_size;    /* mem.size the caches were filled against */
    uint32_t fast_lim;        /* RAM bytes [0, fast_lim) readable directly */
    uint64_t slice_end;       /* icount where the current slice ends */
    uint8_t *ram;             /* mem.ram, refreshed at each run */
    uint32_t fetch_page;      /* EA page of the instruction fetch cache, 1 = none */
    uint32_t fetch_pa;        /* its physical page (whole page in fast RAM) */
    unsigned last_wimg;       /* WIMG of the last translation */
    bool no_trace;            /* the instruction just executed is never traced (rfi) */
    bool kicked;              /* ops.kick: end the run after this slice */
    uint32_t wr_lim;          /* RAM below the lowest watched page: stored to directly */
    uint32_t wr_hi;           /* and RAM from the end of the highest one to fast_lim */
    bool was_branch;          /* it was a branch (branch trace) */
    /* exception being processed inside run */
    int f_vector;
    uint32_t f_srr0, f_srr1, f_dar, f_dsisr;
    bool f_dsi;               /* DAR/DSISR valid */
    /* the pre-decoded instruction cache, last: outside the snapshot
     * (ops.snap_size), as its entries check themselves against memory; a
     * fetch outside fast RAM runs one instruction from dc_one */
    ppc_dpage dc[PPC_DC_PAGES];
    ppc_dpage dc_one;
    uint8_t dc_one_buf[VL_PAGE_SIZE];
    /* the exit set by form (c.exit_forms) the cache was decoded against:
     * an entry of a form in it has the handler H_VMEXIT, so that the fast
     * loop stops there and runs every other instruction at no extra cost.
     * A run that finds c.exit_forms changed clears the cache (exec.c,
     * dc_sync_exits). Outside the snapshot, with the cache it describes. */
    bool dc_xon;
    bool dc_used;             /* an entry was decoded since the last clear */
    uint8_t dc_xforms[PPC_XFORMS_BYTES];
} ppc_cpu;
/* The part of the state a snapshot copies (vl_cpu_ops.snap_size): all but
 * the pre-decoded cache. */
#define PPC_SNAP_SIZE offsetof(ppc_cpu, dc)

/* exc.c */
/* Vector address for an exception offset under the current MSR[IP]. */
static inline uint32_t ppc_vector_addr(const ppc_cpu *s, int v) {
    return ((s->msr & MSR_IP) ? 0xFFF00000u : 0u) | (uint32_t)v;
}
/* Enter exception v architecturally: SRR0 = srr0, SRR1 = MSR bits | reason,
 * new MSR, PC = vector. DAR/DSISR are set by the caller. */
void ppc_take_exception(ppc_cpu *s, int v, uint32_t srr0, uint32_t reason);
/* Set MSR (mtmsr, rfi): counts mode switches, fires the mode event. */
void ppc_set_msr(ppc_cpu *s, uint32_t v);
/* Exceptions the core reports to the vector list. */
extern const vl_vector_info ppc_vectors[];
const char *ppc_vector_name(int v);
/* Alignment DSISR for an instruction word (bits 15..31 IBM). */
uint32_t ppc_align_dsisr(uint32_t w);

/* mmu.c: translation of an effective address. Returns 0 and *pa, or the
 * exception: 0x300 (DSI; *fault = DSISR) or 0x400 (ISI; *fault = SRR1 bits).
 * `access`: 0 read, 1 write, 2 fetch. Updates R/C bits in the page table. */
enum { PPC_ACC_READ = 0, PPC_ACC_WRITE = 1, PPC_ACC_FETCH = 2,
       PPC_ACC_PROBE = 4 /* or'ed: no R/C bit update (a look, not an access) */ };
int ppc_translate(ppc_cpu *s, uint32_t ea, int access, uint32_t *pa, uint32_t *fault);
/* Forget every cached translation (segment registers, BATs, SDR1, tlbie). */
void ppc_tlb_flush(ppc_cpu *s);

/* time base / decrementer (exec.c) */
uint32_t ppc_get_dec(const ppc_cpu *s);
void ppc_set_dec(ppc_cpu *s, uint32_t v);
uint64_t ppc_get_tb(const ppc_cpu *s);
void ppc_set_tb(ppc_cpu *s, uint64_t v);
/* SPR access without privilege checks. false if the SPR does not exist or
 * does not allow that direction. */
bool ppc_spr_read(ppc_cpu *s, unsigned spr, uint32_t *v);
bool ppc_spr_write(ppc_cpu *s, unsigned spr, uint32_t v);

/* Disassembler and assembler (disasm.c, asm.c). */
/* The monitor's glue (virt.c) and the sweep's adapter (forms.c). */
extern const struct vl_virt_ops ppc_virt_ops;
extern const struct vl_sweep_isa vl_sweep_ppc;
int ppc_disasm(int variant, const uint8_t *bytes, size_t len, uint32_t addr, char *out, size_t outsz);
int ppc_assemble(int variant, const char *src, uint32_t org, uint8_t **out, size_t *len, char *err,
                 size_t errsz);

/* Extended mnemonics (disasm.c; added by the asm/disasm helper). Each maps
 * onto a base form of ppc_insns by name: the fields in mask are fixed to
 * match, the operands are written in opd order, xf computes the remaining
 * fields. PPC_AL_DIS marks the spelling the disassembler prefers (objdump's);
 * the first such entry that fits a word wins. Conditional branches and their
 * LR/CTR forms are spelled by code (ppc_branch_* in disasm.c, asm.c). */
#define PPC_OPD_XN (PPC_OPD_COUNT + 0)  /* a number n (shift, width, SPR index) */
#define PPC_OPD_XB (PPC_OPD_COUNT + 1)  /* a second number b (bit position)    */
enum ppc_xf {
    PPC_XF_NONE = 0, PPC_XF_RB_RS, PPC_XF_CRB3, PPC_XF_CRB2, PPC_XF_SLWI, PPC_XF_SRWI,
    PPC_XF_CLRRWI, PPC_XF_ROTRWI, PPC_XF_EXTLWI, PPC_XF_EXTRWI, PPC_XF_INSLWI,
    PPC_XF_INSRWI, PPC_XF_CLRLSLWI, PPC_XF_NEG, PPC_XF_SPR1, PPC_XF_SPR2
};
#define PPC_AL_DIS 1u  /* the disassembler prints this spelling */
#define PPC_AL_OPT 2u  /* the first operand (a CR field) may be omitted (0) */
#define PPC_AL_SPR 4u  /* disassembler: only for SPRs the 750 has (ppc_sprs) */
typedef struct ppc_alias {
    const char *name, *base;
    uint32_t mask, match;
    uint8_t opd[4];
    uint8_t xf, flags;
} ppc_alias;
extern const ppc_alias ppc_aliases[];
extern const int ppc_naliases;
extern const vl_cpu_ops ppc_ops;

#endif
