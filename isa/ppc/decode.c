/* decode table: complete */
/* decode.c - the PowerPC 750 instruction table: the single source of truth
 * for encoding, operands, privilege and declared class (ppc.h explains the
 * fields). Sources: PowerPC Microprocessor Family: The Programming
 * Environments for 32-Bit Microprocessors (PEM) and the PowerPC 750 RISC
 * Microprocessor User's Manual; encodings checked with powerpc-linux-gnu-as. */
#include "isa/ppc/ppc.h"
#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>
#include <string.h>

const char *const ppc_form_names[PPC_FORM_COUNT] = {
    "I", "B", "SC", "D", "DS", "X", "XL", "XFX", "XFL", "XO", "A", "M",
};

#define P(p) ((uint32_t)(p) << 26)
#define XOP(xo) ((uint32_t)(xo) << 1)
#define MP 0xFC000000u  /* primary only */
#define MX 0xFC0007FEu  /* primary + 10-bit extended opcode */
#define MXO 0xFC0003FEu /* primary + 9-bit extended opcode (XO form) */
#define MA 0xFC00003Eu  /* primary + 5-bit extended opcode (A form) */
#define FT 0x03E00000u  /* reserved field masks */
#define FA 0x001F0000u
#define FB 0x0000F800u
#define FC 0x000007C0u
#define B0 0x00000001u
#define RCM(fl) (((fl) & (PPC_F_RC | PPC_F_LK)) ? 0u : B0)
#define OEM(fl) (((fl) & PPC_F_OE) ? 0u : 0x400u)

#define INN VL_CLASS_INNOCUOUS
#define PRV VL_CLASS_PRIVILEGED
#define ILL VL_CLASS_ILLEGAL

#define RT PPC_OPD_RT
#define RS PPC_OPD_RS
#define RA PPC_OPD_RA
#define RA0 PPC_OPD_RA0
#define RB PPC_OPD_RB
#define SIMM PPC_OPD_SIMM
#define UIMM PPC_OPD_UIMM
#define DRA0 PPC_OPD_D_RA0
#define DRA PPC_OPD_D_RA
#define FRT PPC_OPD_FRT
#define FRS PPC_OPD_FRS
#define FRA PPC_OPD_FRA
#define FRB PPC_OPD_FRB
#define FRC PPC_OPD_FRC

/* The declared class follows from the flags: floating point is not
 * modelled (illegal), PPC_F_PRIV is privileged, the rest innocuous
 * (mfspr/mtspr: by SPR number, ppc_insn_class). */
#define CLS(fl) (((fl) & PPC_F_FP) ? ILL : ((fl) & PPC_F_PRIV) ? PRV : INN)
#define ROW(mn, mask, match, form, op, fl, ...) \
    { mn, mask, match, PPC_FORM_##form, PPC_OP_##op, (fl), CLS(fl), { __VA_ARGS__ } }
/* D/I/B/SC/M forms: primary opcode only (plus reserved bits). */
#define DE(mn, p, rsv, fl, op, ...) ROW(mn, MP | (rsv), P(p), D, op, fl, __VA_ARGS__)
#define ME_(mn, p, fl, op, ...) ROW(mn, MP | RCM(fl), P(p), M, op, fl, __VA_ARGS__)
/* X/XL/XFX forms: 10-bit extended opcode; Rc free when PPC_F_RC/LK. */
#define XF(form, mn, p, xo, rsv, fl, op, ...) \
    ROW(mn, MX | (rsv) | RCM(fl), P(p) | XOP(xo), form, op, fl, __VA_ARGS__)
/* XO form: 9-bit extended opcode, OE free when PPC_F_OE. */
#define XOF(mn, xo, rsv, fl, op, ...) \
    ROW(mn, MXO | OEM(fl) | (rsv) | RCM(fl), P(31) | XOP(xo), XO, op, fl, __VA_ARGS__)
/* A form (floating point): 5-bit extended opcode. */
#define AF(mn, p, xo, rsv, ...) ROW(mn, MA | (rsv), P(p) | XOP(xo), A, FP, FPF | RC, __VA_ARGS__)
#define LD PPC_F_LOAD
#define ST PPC_F_STORE
#define UP PPC_F_UPDATE
#define PRIV PPC_F_PRIV
/* floating point always takes an exception here (FP unavailable or illegal) */
#define FPF (PPC_F_FP | PPC_F_FLOW(VL_FLOW_TRAP))
#define RC PPC_F_RC
#define OE PPC_F_OE
/* control flow when taken (see PPC_F_FLOW) */
#define FL_JUMP PPC_F_FLOW(VL_FLOW_JUMP)
#define FL_RET PPC_F_FLOW(VL_FLOW_RETURN)
#define FL_IND PPC_F_FLOW(VL_FLOW_INDIRECT)
#define FL_TRAP PPC_F_FLOW(VL_FLOW_TRAP)
#define FL_ERET PPC_F_FLOW(VL_FLOW_ERET)

const ppc_insn ppc_insns[] = {
    /* ---- integer arithmetic ---- */
    DE("twi", 3, 0, FL_TRAP, TWI, PPC_OPD_TO, RA, SIMM),
    DE("mulli", 7, 0, 0, MULLI, RT, RA, SIMM),
    DE("subfic", 8, 0, 0, SUBFIC, RT, RA, SIMM),
    DE("cmpli", 10, 0x00600000u, 0, CMPLI, PPC_OPD_CRFD, PPC_OPD_L, RA, UIMM),
    DE("cmpi", 11, 0x00600000u, 0, CMPI, PPC_OPD_CRFD, PPC_OPD_L, RA, SIMM),
    DE("addic", 12, 0, 0, ADDIC, RT, RA, SIMM),
    DE("addic.", 13, 0, 0, ADDIC_RC, RT, RA, SIMM),
    DE("addi", 14, 0, 0, ADDI, RT, RA0, SIMM),
    DE("addis", 15, 0, 0, ADDIS, RT, RA0, SIMM),
    ROW("bc", MP, P(16), B, BC, PPC_F_AA | PPC_F_LK | FL_JUMP, PPC_OPD_BO, PPC_OPD_BI, PPC_OPD_BD),
    ROW("sc", 0xFFFFFFFFu, 0x44000002u, SC, SC, FL_TRAP, 0),
    ROW("b", MP, P(18), I, B, PPC_F_AA | PPC_F_LK | FL_JUMP, PPC_OPD_LI),
    /* ---- primary 19: branches to LR/CTR, CR logical, rfi, isync ---- */
    XF(XL, "mcrf", 19, 0, 0x00630000u | FB, 0, MCRF, PPC_OPD_CRFD, PPC_OPD_CRFS),
    XF(XL, "bclr", 19, 16, FB, PPC_F_LK | FL_RET, BCLR, PPC_OPD_BO, PPC_OPD_BI),
    XF(XL, "crnor", 19, 33, 0, 0, CRNOR, PPC_OPD_CRBD, PPC_OPD_CRBA, PPC_OPD_CRBB),
    XF(XL, "rfi", 19, 50, FT | FA | FB, PRIV | FL_ERET, RFI, 0),
    XF(XL, "crandc", 19, 129, 0, 0, CRANDC, PPC_OPD_CRBD, PPC_OPD_CRBA, PPC_OPD_CRBB),
    XF(XL, "isync", 19, 150, FT | FA | FB, 0, ISYNC, 0),
    XF(XL, "crxor", 19, 193, 0, 0, CRXOR, PPC_OPD_CRBD, PPC_OPD_CRBA, PPC_OPD_CRBB),
    XF(XL, "crnand", 19, 225, 0, 0, CRNAND, PPC_OPD_CRBD, PPC_OPD_CRBA, PPC_OPD_CRBB),
    XF(XL, "crand", 19, 257, 0, 0, CRAND, PPC_OPD_CRBD, PPC_OPD_CRBA, PPC_OPD_CRBB),
    XF(XL, "creqv", 19, 289, 0, 0, CREQV, PPC_OPD_CRBD, PPC_OPD_CRBA, PPC_OPD_CRBB),
    XF(XL, "crorc", 19, 417, 0, 0, CRORC, PPC_OPD_CRBD, PPC_OPD_CRBA, PPC_OPD_CRBB),
    XF(XL, "cror", 19, 449, 0, 0, CROR, PPC_OPD_CRBD, PPC_OPD_CRBA, PPC_OPD_CRBB),
    XF(XL, "bcctr", 19, 528, FB, PPC_F_LK | FL_IND, BCCTR, PPC_OPD_BO, PPC_OPD_BI),
    /* ---- rotate, logical immediate ---- */
    ME_("rlwimi", 20, RC, RLWIMI, RA, RS, PPC_OPD_SH, PPC_OPD_MB, PPC_OPD_ME),
    ME_("rlwinm", 21, RC, RLWINM, RA, RS, PPC_OPD_SH, PPC_OPD_MB, PPC_OPD_ME),
    ME_("rlwnm", 23, RC, RLWNM, RA, RS, RB, PPC_OPD_MB, PPC_OPD_ME),
    DE("ori", 24, 0, 0, ORI, RA, RS, UIMM),
    DE("oris", 25, 0, 0, ORIS, RA, RS, UIMM),
    DE("xori", 26, 0, 0, XORI, RA, RS, UIMM),
    DE("xoris", 27, 0, 0, XORIS, RA, RS, UIMM),
    DE("andi.", 28, 0, 0, ANDI, RA, RS, UIMM),
    DE("andis.", 29, 0, 0, ANDIS, RA, RS, UIMM),
    /* ---- primary 31 ---- */
    XF(X, "cmp", 31, 0, 0x00600000u, 0, CMP, PPC_OPD_CRFD, PPC_OPD_L, RA, RB),
    XF(X, "tw", 31, 4, 0, FL_TRAP, TW, PPC_OPD_TO, RA, RB),
    XOF("subfc", 8, 0, OE | RC, SUBFC, RT, RA, RB),
    XOF("addc", 10, 0, OE | RC, ADDC, RT, RA, RB),
    XOF("mulhwu", 11, 0, RC, MULHWU, RT, RA, RB),
    XF(X, "mfcr", 31, 19, FA | FB, 0, MFCR, RT),
    XF(X, "lwarx", 31, 20, 0, LD, LWARX, RT, RA0, RB),
    XF(X, "lwzx", 31, 23, 0, LD, LWZX, RT, RA0, RB),
    XF(X, "slw", 31, 24, 0, RC, SLW, RA, RS, RB),
    XF(X, "cntlzw", 31, 26, FB, RC, CNTLZW, RA, RS),
    XF(X, "and", 31, 28, 0, RC, AND, RA, RS, RB),
    XF(X, "cmpl", 31, 32, 0x00600000u, 0, CMPL, PPC_OPD_CRFD, PPC_OPD_L, RA, RB),
    XOF("subf", 40, 0, OE | RC, SUBF, RT, RA, RB),
    XF(X, "dcbst", 31, 54, FT, 0, DCBST, RA0, RB),
    XF(X, "lwzux", 31, 55, 0, LD | UP, LWZUX, RT, RA, RB),
    XF(X, "andc", 31, 60, 0, RC, ANDC, RA, RS, RB),
    XOF("mulhw", 75, 0, RC, MULHW, RT, RA, RB),
    XF(X, "mfmsr", 31, 83, FA | FB, PRIV, MFMSR, RT),
    XF(X, "dcbf", 31, 86, FT, 0, DCBF, RA0, RB),
    XF(X, "lbzx", 31, 87, 0, LD, LBZX, RT, RA0, RB),
    XOF("neg", 104, FB, OE | RC, NEG, RT, RA),
    XF(X, "lbzux", 31, 119, 0, LD | UP, LBZUX, RT, RA, RB),
    XF(X, "nor", 31, 124, 0, RC, NOR, RA, RS, RB),
    XOF("subfe", 136, 0, OE | RC, SUBFE, RT, RA, RB),
    XOF("adde", 138, 0, OE | RC, ADDE, RT, RA, RB),
    XF(XFX, "mtcrf", 31, 144, 0x00100800u, 0, MTCRF, PPC_OPD_CRM, RS),
    XF(X, "mtmsr", 31, 146, FA | FB, PRIV, MTMSR, RS),
    ROW("stwcx.", MX | B0, P(31) | XOP(150) | B0, X, STWCX, ST, RS, RA0, RB),
    XF(X, "stwx", 31, 151, 0, ST, STWX, RS, RA0, RB),
    XF(X, "stwux", 31, 183, 0, ST | UP, STWUX, RS, RA, RB),
    XOF("subfze", 200, FB, OE | RC, SUBFZE, RT, RA),
    XOF("addze", 202, FB, OE | RC, ADDZE, RT, RA),
    XF(X, "mtsr", 31, 210, 0x00100000u | FB, PRIV, MTSR, PPC_OPD_SR, RS),
    XF(X, "stbx", 31, 215, 0, ST, STBX, RS, RA0, RB),
    XOF("subfme", 232, FB, OE | RC, SUBFME, RT, RA),
    XOF("addme", 234, FB, OE | RC, ADDME, RT, RA),
    XOF("mullw", 235, 0, OE | RC, MULLW, RT, RA, RB),
    XF(X, "mtsrin", 31, 242, FA, PRIV, MTSRIN, RS, RB),
    XF(X, "dcbtst", 31, 246, FT, 0, DCBTST, RA0, RB),
    XF(X, "stbux", 31, 247, 0, ST | UP, STBUX, RS, RA, RB),
    XOF("add", 266, 0, OE | RC, ADD, RT, RA, RB),
    XF(X, "dcbt", 31, 278, FT, 0, DCBT, RA0, RB),
    XF(X, "lhzx", 31, 279, 0, LD, LHZX, RT, RA0, RB),
    XF(X, "eqv", 31, 284, 0, RC, EQV, RA, RS, RB),
    XF(X, "tlbie", 31, 306, FT | FA, PRIV, TLBIE, RB),
    XF(X, "eciwx", 31, 310, 0, LD, ECIWX, RT, RA0, RB),
    XF(X, "lhzux", 31, 311, 0, LD | UP, LHZUX, RT, RA, RB),
    XF(X, "xor", 31, 316, 0, RC, XOR, RA, RS, RB),
    XF(XFX, "mfspr", 31, 339, 0, PPC_F_SPR, MFSPR, RT, PPC_OPD_SPR),
    XF(X, "lhax", 31, 343, 0, LD, LHAX, RT, RA0, RB),
    XF(X, "tlbia", 31, 370, FT | FA | FB, PRIV, TLBIA, 0),
    XF(XFX, "mftb", 31, 371, 0, 0, MFTB, RT, PPC_OPD_TBR),
    XF(X, "lhaux", 31, 375, 0, LD | UP, LHAUX, RT, RA, RB),
    XF(X, "sthx", 31, 407, 0, ST, STHX, RS, RA0, RB),
    XF(X, "orc", 31, 412, 0, RC, ORC, RA, RS, RB),
    XF(X, "ecowx", 31, 438, 0, ST, ECOWX, RS, RA0, RB),
    XF(X, "sthux", 31, 439, 0, ST | UP, STHUX, RS, RA, RB),
    XF(X, "or", 31, 444, 0, RC, OR, RA, RS, RB),
    XOF("divwu", 459, 0, OE | RC, DIVWU, RT, RA, RB),
    XF(XFX, "mtspr", 31, 467, 0, PPC_F_SPR, MTSPR, PPC_OPD_SPR, RS),
    XF(X, "dcbi", 31, 470, FT, PRIV, DCBI, RA0, RB),
    XF(X, "nand", 31, 476, 0, RC, NAND, RA, RS, RB),
    XOF("divw", 491, 0, OE | RC, DIVW, RT, RA, RB),
    XF(X, "mcrxr", 31, 512, 0x00600000u | FA | FB, 0, MCRXR, PPC_OPD_CRFD),
    XF(X, "lswx", 31, 533, 0, LD, LSWX, RT, RA0, RB),
    XF(X, "lwbrx", 31, 534, 0, LD, LWBRX, RT, RA0, RB),
    XF(X, "lfsx", 31, 535, 0, FPF, FP, FRT, RA0, RB),
    XF(X, "srw", 31, 536, 0, RC, SRW, RA, RS, RB),
    XF(X, "tlbsync", 31, 566, FT | FA | FB, PRIV, TLBSYNC, 0),
    XF(X, "lfsux", 31, 567, 0, FPF | UP, FP, FRT, RA, RB),
    XF(X, "mfsr", 31, 595, 0x00100000u | FB, PRIV, MFSR, RT, PPC_OPD_SR),
    XF(X, "lswi", 31, 597, 0, LD, LSWI, RT, RA0, PPC_OPD_NB),
    XF(X, "sync", 31, 598, FT | FA | FB, 0, SYNC, 0),
    XF(X, "lfdx", 31, 599, 0, FPF, FP, FRT, RA0, RB),
    XF(X, "lfdux", 31, 631, 0, FPF | UP, FP, FRT, RA, RB),
    XF(X, "mfsrin", 31, 659, FA, PRIV, MFSRIN, RT, RB),
    XF(X, "stswx", 31, 661, 0, ST, STSWX, RS, RA0, RB),
    XF(X, "stwbrx", 31, 662, 0, ST, STWBRX, RS, RA0, RB),
    XF(X, "stfsx", 31, 663, 0, FPF, FP, FRS, RA0, RB),
    XF(X, "stfsux", 31, 695, 0, FPF | UP, FP, FRS, RA, RB),
    XF(X, "stswi", 31, 725, 0, ST, STSWI, RS, RA0, PPC_OPD_NB),
    XF(X, "stfdx", 31, 727, 0, FPF, FP, FRS, RA0, RB),
    XF(X, "stfdux", 31, 759, 0, FPF | UP, FP, FRS, RA, RB),
    XF(X, "lhbrx", 31, 790, 0, LD, LHBRX, RT, RA0, RB),
    XF(X, "sraw", 31, 792, 0, RC, SRAW, RA, RS, RB),
    XF(X, "srawi", 31, 824, 0, RC, SRAWI, RA, RS, PPC_OPD_SH),
    XF(X, "eieio", 31, 854, FT | FA | FB, 0, EIEIO, 0),
    XF(X, "sthbrx", 31, 918, 0, ST, STHBRX, RS, RA0, RB),
    XF(X, "extsh", 31, 922, FB, RC, EXTSH, RA, RS),
    XF(X, "extsb", 31, 954, FB, RC, EXTSB, RA, RS),
    XF(X, "icbi", 31, 982, FT, 0, ICBI, RA0, RB),
    XF(X, "stfiwx", 31, 983, 0, FPF, FP, FRS, RA0, RB),
    XF(X, "dcbz", 31, 1014, FT, 0, DCBZ, RA0, RB),
    /* ---- loads and stores, D form ---- */
    DE("lwz", 32, 0, LD, LWZ, RT, DRA0),
    DE("lwzu", 33, 0, LD | UP, LWZU, RT, DRA),
    DE("lbz", 34, 0, LD, LBZ, RT, DRA0),
    DE("lbzu", 35, 0, LD | UP, LBZU, RT, DRA),
    DE("stw", 36, 0, ST, STW, RS, DRA0),
    DE("stwu", 37, 0, ST | UP, STWU, RS, DRA),
    DE("stb", 38, 0, ST, STB, RS, DRA0),
    DE("stbu", 39, 0, ST | UP, STBU, RS, DRA),
    DE("lhz", 40, 0, LD, LHZ, RT, DRA0),
    DE("lhzu", 41, 0, LD | UP, LHZU, RT, DRA),
    DE("lha", 42, 0, LD, LHA, RT, DRA0),
    DE("lhau", 43, 0, LD | UP, LHAU, RT, DRA),
    DE("sth", 44, 0, ST, STH, RS, DRA0),
    DE("sthu", 45, 0, ST | UP, STHU, RS, DRA),
    DE("lmw", 46, 0, LD, LMW, RT, DRA0),
    DE("stmw", 47, 0, ST, STMW, RS, DRA0),
    /* ---- floating point: not modelled ---- */
    DE("lfs", 48, 0, FPF, FP, FRT, DRA0),
    DE("lfsu", 49, 0, FPF | UP, FP, FRT, DRA),
    DE("lfd", 50, 0, FPF, FP, FRT, DRA0),
    DE("lfdu", 51, 0, FPF | UP, FP, FRT, DRA),
    DE("stfs", 52, 0, FPF, FP, FRS, DRA0),
    DE("stfsu", 53, 0, FPF | UP, FP, FRS, DRA),
    DE("stfd", 54, 0, FPF, FP, FRS, DRA0),
    DE("stfdu", 55, 0, FPF | UP, FP, FRS, DRA),
    AF("fdivs", 59, 18, FC, FRT, FRA, FRB),
    AF("fsubs", 59, 20, FC, FRT, FRA, FRB),
    AF("fadds", 59, 21, FC, FRT, FRA, FRB),
    AF("fres", 59, 24, FA | FC, FRT, FRB),
    AF("fmuls", 59, 25, FB, FRT, FRA, FRC),
    AF("fmsubs", 59, 28, 0, FRT, FRA, FRC, FRB),
    AF("fmadds", 59, 29, 0, FRT, FRA, FRC, FRB),
    AF("fnmsubs", 59, 30, 0, FRT, FRA, FRC, FRB),
    AF("fnmadds", 59, 31, 0, FRT, FRA, FRC, FRB),
    XF(X, "fcmpu", 63, 0, 0x00600000u, FPF, FP, PPC_OPD_CRFD, FRA, FRB),
    XF(X, "frsp", 63, 12, FA, FPF | RC, FP, FRT, FRB),
    XF(X, "fctiw", 63, 14, FA, FPF | RC, FP, FRT, FRB),
    XF(X, "fctiwz", 63, 15, FA, FPF | RC, FP, FRT, FRB),
    AF("fdiv", 63, 18, FC, FRT, FRA, FRB),
    AF("fsub", 63, 20, FC, FRT, FRA, FRB),
    AF("fadd", 63, 21, FC, FRT, FRA, FRB),
    AF("fsel", 63, 23, 0, FRT, FRA, FRC, FRB),
    AF("fmul", 63, 25, FB, FRT, FRA, FRC),
    AF("frsqrte", 63, 26, FA | FC, FRT, FRB),
    AF("fmsub", 63, 28, 0, FRT, FRA, FRC, FRB),
    AF("fmadd", 63, 29, 0, FRT, FRA, FRC, FRB),
    AF("fnmsub", 63, 30, 0, FRT, FRA, FRC, FRB),
    AF("fnmadd", 63, 31, 0, FRT, FRA, FRC, FRB),
    XF(X, "fcmpo", 63, 32, 0x00600000u, FPF, FP, PPC_OPD_CRFD, FRA, FRB),
    XF(X, "mtfsb1", 63, 38, FA | FB, FPF | RC, FP, PPC_OPD_CRBD),
    XF(X, "fneg", 63, 40, FA, FPF | RC, FP, FRT, FRB),
    XF(X, "mcrfs", 63, 64, 0x00630000u | FB, FPF, FP, PPC_OPD_CRFD, PPC_OPD_CRFS),
    XF(X, "mtfsb0", 63, 70, FA | FB, FPF | RC, FP, PPC_OPD_CRBD),
    XF(X, "fmr", 63, 72, FA, FPF | RC, FP, FRT, FRB),
    XF(X, "mtfsfi", 63, 134, 0x007F0800u, FPF | RC, FP, PPC_OPD_CRFD, PPC_OPD_FIMM),
    XF(X, "fnabs", 63, 136, FA, FPF | RC, FP, FRT, FRB),
    XF(X, "fabs", 63, 264, FA, FPF | RC, FP, FRT, FRB),
    XF(X, "mffs", 63, 583, FA | FB, FPF | RC, FP, FRT),
    XF(XFL, "mtfsf", 63, 711, 0x02010000u, FPF | RC, FP, PPC_OPD_FM, FRB),
};
const int ppc_ninsns = (int)(sizeof ppc_insns / sizeof ppc_insns[0]);
_Static_assert(sizeof ppc_insns / sizeof ppc_insns[0] <= PPC_XFORMS_BYTES * 8,
               "PPC_XFORMS_BYTES (ppc.h) too small for the exit set by form");

/* ---- SPRs of the 750 (User's Manual, table 2-x and chapter 2): sprs.h ---- */
#define SPR_R PPC_SPR_R
#define SPR_W PPC_SPR_W
#define SPR_RW (PPC_SPR_R | PPC_SPR_W)
#define SPR_AT_FIELD(m) .where = PPC_SPR_FIELD, .off = offsetof(ppc_cpu, m)
#define SPR_AT_FLUSH(m) .where = PPC_SPR_FLUSH, .off = offsetof(ppc_cpu, m)
#define SPR_AT_DEC .where = PPC_SPR_DEC
#define SPR_AT_TBL .where = PPC_SPR_TBL
#define SPR_AT_TBU .where = PPC_SPR_TBU
#define SPR_ROW(num_, name_, access_, where_, wmask_, spell_, view_) \
    { .num = num_, .name = name_, .access = SPR_##access_, SPR_AT_##where_, .view = PPC_SPR_##view_, .wmask = wmask_ },
const ppc_spr ppc_sprs[] = { PPC_SPRS(SPR_ROW) };
const int ppc_nsprs = (int)(sizeof ppc_sprs / sizeof ppc_sprs[0]);
uint8_t ppc_spr_ix[1024];

const ppc_spr *ppc_spr_find(unsigned num) {
    ppc_decode_init();
    return num < 1024 && ppc_spr_ix[num] ? &ppc_sprs[ppc_spr_ix[num] - 1] : NULL;
}

int ppc_spr_by_name(const char *name) {
    for (int i = 0; i < ppc_nsprs; i++)
        if (strcmp(ppc_sprs[i].name, name) == 0) return ppc_sprs[i].num;
    return -1;
}

/* ---- lookup tables, built once ---- */
uint16_t ppc_dt_prim[64];
uint16_t ppc_dt_ext[4][1024];
static pthread_once_t dt_once = PTHREAD_ONCE_INIT;

static int ext_slot(unsigned p) {
    switch (p) {
    case 19: return 0;
    case 31: return 1;
    case 59: return 2;
    case 63: return 3;
    default: return -1;
    }
}

static void dt_build(void) {
    _Static_assert(sizeof ppc_sprs / sizeof ppc_sprs[0] < 256, "ppc_spr_ix holds index + 1 in a byte");
    for (int i = 0; i < ppc_nsprs; i++) ppc_spr_ix[ppc_sprs[i].num] = (uint8_t)(i + 1);
    for (unsigned p = 0; p < 64; p++) {
        int k = ext_slot(p);
        if (k >= 0) ppc_dt_prim[p] = (uint16_t)(PPC_DT_EXT + k);
    }
    _Static_assert(sizeof ppc_insns / sizeof ppc_insns[0] < PPC_DT_PRIV, "PPC_DT_PRIV above every index");
    for (int i = 0; i < ppc_ninsns; i++) {
        const ppc_insn *in = &ppc_insns[i];
        uint16_t v = (uint16_t)(i + 1 + ((in->flags & (PPC_F_PRIV | PPC_F_SPR)) ? PPC_DT_PRIV : 0));
        unsigned p = in->match >> 26;
        int k = ext_slot(p);
        if (k < 0) { ppc_dt_prim[p] = v; continue; }
        /* every 10-bit extended opcode value compatible with mask/match */
        uint32_t xm = (in->mask >> 1) & 0x3FF, xv = (in->match >> 1) & 0x3FF;
        for (uint32_t xo = 0; xo < 1024; xo++)
            if ((xo & xm) == (xv & xm)) ppc_dt_ext[k][xo] = v;
    }
}

/* a flag before pthread_once: the run loop asks at every run */
static atomic_bool dt_ready;
void ppc_decode_init(void) {
    if (atomic_load_explicit(&dt_ready, memory_order_acquire)) return;
    pthread_once(&dt_once, dt_build);
    atomic_store_explicit(&dt_ready, true, memory_order_release);
}

/* Invalid forms the 750 does not execute (PEM "invalid instruction forms";
 * vlab raises the illegal-instruction program interrupt for them, as GNU
 * objdump refuses them): loads with update where rA = 0 or rA = rD, stores
 * with update where rA = 0, lmw with rA in the range of registers loaded,
 * lswi with rD = rA and lswx with rD = rA or rD = rB (as objdump; the
 * interpreter checks the whole range, rA = 0 included, when they run), bcctr
 * that would decrement CTR, mftb with a TBR other than 268/269. */
bool ppc_invalid_form(const ppc_insn *in, uint32_t w) {
    unsigned rt = (w >> 21) & 31, ra = (w >> 16) & 31;
    if (in->flags & PPC_F_UPDATE) {
        if (ra == 0) return true;
        if ((in->flags & PPC_F_LOAD) && ra == rt) return true;
    }
    unsigned rb = (w >> 11) & 31;
    switch (in->op) {
    case PPC_OP_LMW: /* rA in the range of registers loaded */
        return ra >= rt;
    case PPC_OP_LSWI: /* rA = rD; the rest of the range is checked when it runs */
        return ra == rt;
    case PPC_OP_LSWX: /* the range depends on XER; rD = rA or rB is always invalid */
        return ra == rt || rb == rt;
    default: break;
    }
    if (in->op == PPC_OP_BCCTR) return !(w & 0x00800000u);
    if (in->op == PPC_OP_MFTB) {
        unsigned t = ppc_spr_field(w);
        return t != 268 && t != 269;
    }
    return false;
}

int ppc_decode_index(uint32_t word) {
    ppc_decode_init();
    unsigned v = ppc_dt_prim[word >> 26];
    if (v >= PPC_DT_EXT) v = ppc_dt_ext[v - PPC_DT_EXT][(word >> 1) & 0x3FF];
    if (!v) return -1;
    if (v > PPC_DT_PRIV) v -= PPC_DT_PRIV;
    const ppc_insn *in = &ppc_insns[v - 1];
    if ((word & in->mask) != in->match || ppc_invalid_form(in, word)) return -1;
    return (int)v - 1;
}

const ppc_insn *ppc_decode(uint32_t word) {
    int i = ppc_decode_index(word);
    return i < 0 ? NULL : &ppc_insns[i];
}

int ppc_insn_class(uint32_t word) {
    const ppc_insn *in = ppc_decode(word);
    if (!in) return VL_CLASS_ILLEGAL;
    if (in->flags & PPC_F_SPR) {
        const ppc_spr *e = ppc_spr_find(ppc_spr_field(word));
        unsigned acc = in->op == PPC_OP_MFSPR ? PPC_SPR_R : PPC_SPR_W;
        if (!e || !(e->access & acc)) return VL_CLASS_ILLEGAL;
        return ppc_insn_privileged(in, word) ? VL_CLASS_PRIVILEGED : VL_CLASS_INNOCUOUS;
    }
    return in->cls;
}
