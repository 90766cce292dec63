/* decode table: complete */
/* decode.c - the x86 subset's instruction table (the single source of truth
 * for encodings, operands, the prefixes each form takes, model membership,
 * declared class and control flow) and the decoder every other part uses:
 * prefixes, opcode, ModRM, SIB, displacement and immediates.
 *
 * Sources: Intel 80386 Programmer's Reference Manual (1986), Intel
 * Architecture Software Developer's Manual vol. 2 (Pentium), opcode maps of
 * appendix A; encodings checked against GNU as --32 / objdump -m i386.
 *
 * Declared classes (Popek-Goldberg, REFERENCE §4): privileged = #GP at
 * CPL > 0; iopl-sensitive = #GP when CPL > IOPL (and, for I/O, the TSS bitmap
 * denies the port); the sensitive-but-unprivileged instructions of Robin and
 * Irvine within the subset: SGDT/SIDT/SLDT/STR reveal where the descriptor
 * tables are (location-sensitive); POPF (IF and IOPL at CPL 0), far CALL
 * (through a call gate to a more privileged level), far RET and IRET (to an
 * outer level) change privileged state without a trap (control-sensitive,
 * the class the sweep gives first: they are mode-sensitive too); SMSW and
 * PUSHF read privileged state, LAR, LSL, VERR, VERW, PUSH/MOV from CS and
 * SS, far JMP, INT n, and every load of a segment register (MOV, POP, LDS,
 * LES, LFS, LGS, LSS: the descriptor's DPL against the CPL, 80386 PRM 6.3.2)
 * behave by the CPL (mode-sensitive). RDTSC is privileged only when CR4.TSD
 * is set: declared mode-sensitive. Everything else is innocuous. The sweep
 * (forms.c) measures every one of these classes. */
#include "isa/x86-subset/x86.h"
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#define INN VL_CLASS_INNOCUOUS
#define PRV VL_CLASS_PRIVILEGED
#define CSE VL_CLASS_CONTROL_SENSITIVE
#define MSE VL_CLASS_MODE_SENSITIVE
#define LSE VL_CLASS_LOCATION_SENSITIVE
#define IOP VL_CLASS_IOPL_SENSITIVE

#define ALL X86_ON_ALL
#define P5 X86_ON_586
#define I3 X86_ON_386

#define Eb X86_O_EB
#define Ew X86_O_EW
#define Ed X86_O_ED
#define Ev X86_O_EV
#define Gb X86_O_GB
#define Gw X86_O_GW
#define Gv X86_O_GV
#define Sw X86_O_SW
#define Cd X86_O_CD
#define Dd X86_O_DD
#define Td X86_O_TD
#define Rd X86_O_RD
#define M X86_O_M
#define Mp X86_O_MP
#define Ms X86_O_MS
#define Ma X86_O_MA
#define Mq X86_O_MQ
#define Ib X86_O_IB
#define Iw X86_O_IW
#define Iv X86_O_IV
#define Ibs X86_O_IBS
#define Jb X86_O_JB
#define Jv X86_O_JV
#define Ap X86_O_AP
#define Ob X86_O_OB
#define Ov X86_O_OV
#define Xb X86_O_XB
#define Xv X86_O_XV
#define Yb X86_O_YB
#define Yv X86_O_YV
#define Zb X86_O_ZB
#define Zv X86_O_ZV
#define Zd X86_O_ZD
#define AL X86_O_AL
#define eAX X86_O_EAX
#define CL X86_O_CL
#define DX X86_O_DX
#define ONE X86_O_ONE
#define sES X86_O_ES
#define sCS X86_O_CS
#define sSS X86_O_SS
#define sDS X86_O_DS
#define sFS X86_O_FS
#define sGS X86_O_GS

#define NO -1
#define MN X86_MOD_NONE
#define MA X86_MOD_ANY
#define MM X86_MOD_MEM
#define MR X86_MOD_REG

#define F_LOCK X86_F_LOCK
#define F_REP X86_F_REP
#define F_REPZ X86_F_REPZ
#define F_PRIV X86_F_PRIV
#define F_IOPL X86_F_IOPL
#define F_PM X86_F_PM
#define F_B X86_F_BYTE
#define F_W X86_F_W
#define F_STK X86_F_STACK
#define F_STR X86_F_STR
#define F_FAR X86_F_FAR

#define FN VL_FLOW_NONE
#define FJ VL_FLOW_JUMP
#define FB VL_FLOW_BRANCH
#define FC VL_FLOW_CALL
#define FR VL_FLOW_RETURN
#define FI VL_FLOW_INDIRECT
#define FT VL_FLOW_TRAP
#define FE VL_FLOW_ERET
#define FH VL_FLOW_HALT

/* R(name, opcode, reg, mod, op, {operands}, flags, models, class, flow) */
#define R(nm, opc, rg, md, o, o1, o2, o3, fl, mdl, cl, fw) \
    { nm, opc, rg, md, X86_OP_##o, { o1, o2, o3 }, fl, mdl, cl, fw }

/* the eight ALU operations of 00-3F and group 1 */
#define ALU(base, nm, o, lk) \
    R(nm, base + 0, NO, MA, o, Eb, Gb, 0, lk | F_B, ALL, INN, FN), \
    R(nm, base + 1, NO, MA, o, Ev, Gv, 0, lk, ALL, INN, FN), \
    R(nm, base + 2, NO, MA, o, Gb, Eb, 0, F_B, ALL, INN, FN), \
    R(nm, base + 3, NO, MA, o, Gv, Ev, 0, 0, ALL, INN, FN), \
    R(nm, base + 4, NO, MN, o, AL, Ib, 0, F_B, ALL, INN, FN), \
    R(nm, base + 5, NO, MN, o, eAX, Iv, 0, 0, ALL, INN, FN)
#define GRP1(nm, o, rg, lk) \
    R(nm, 0x80, rg, MA, o, Eb, Ib, 0, lk | F_B, ALL, INN, FN), \
    R(nm, 0x81, rg, MA, o, Ev, Iv, 0, lk, ALL, INN, FN), \
    R(nm, 0x82, rg, MA, o, Eb, Ib, 0, lk | F_B, ALL, INN, FN), \
    R(nm, 0x83, rg, MA, o, Ev, Ibs, 0, lk, ALL, INN, FN)
/* group 2: shifts and rotates */
#define GRP2(nm, o, rg) \
    R(nm, 0xC0, rg, MA, o, Eb, Ib, 0, F_B, ALL, INN, FN), \
    R(nm, 0xC1, rg, MA, o, Ev, Ib, 0, 0, ALL, INN, FN), \
    R(nm, 0xD0, rg, MA, o, Eb, ONE, 0, F_B, ALL, INN, FN), \
    R(nm, 0xD1, rg, MA, o, Ev, ONE, 0, 0, ALL, INN, FN), \
    R(nm, 0xD2, rg, MA, o, Eb, CL, 0, F_B, ALL, INN, FN), \
    R(nm, 0xD3, rg, MA, o, Ev, CL, 0, 0, ALL, INN, FN)
#define JCC8(cc, nm) R(nm, 0x70 + cc, NO, MN, JCC, Jb, 0, 0, 0, ALL, INN, FB)
#define JCC32(cc, nm) R(nm, 0x180 + cc, NO, MN, JCC, Jv, 0, 0, 0, ALL, INN, FB)
#define SETCC(cc, nm) R(nm, 0x190 + cc, NO, MA, SETCC, Eb, 0, 0, F_B, ALL, INN, FN)

const x86_insn x86_insns[] = {
    /* ---- 00-3F: arithmetic, segment pushes, prefixes, BCD ---- */
    ALU(0x00, "add", ADD, F_LOCK),
    R("push", 0x06, NO, MN, PUSH_SEG, sES, 0, 0, F_STK, ALL, INN, FN),
    R("pop", 0x07, NO, MN, POP_SEG, sES, 0, 0, F_STK, ALL, MSE, FN),
    ALU(0x08, "or", OR, F_LOCK),
    R("push", 0x0E, NO, MN, PUSH_SEG, sCS, 0, 0, F_STK, ALL, MSE, FN),
    ALU(0x10, "adc", ADC, F_LOCK),
    R("push", 0x16, NO, MN, PUSH_SEG, sSS, 0, 0, F_STK, ALL, MSE, FN),
    R("pop", 0x17, NO, MN, POP_SEG, sSS, 0, 0, F_STK, ALL, MSE, FN),
    ALU(0x18, "sbb", SBB, F_LOCK),
    R("push", 0x1E, NO, MN, PUSH_SEG, sDS, 0, 0, F_STK, ALL, INN, FN),
    R("pop", 0x1F, NO, MN, POP_SEG, sDS, 0, 0, F_STK, ALL, MSE, FN),
    ALU(0x20, "and", AND, F_LOCK),
    R("daa", 0x27, NO, MN, DAA, 0, 0, 0, 0, ALL, INN, FN),
    ALU(0x28, "sub", SUB, F_LOCK),
    R("das", 0x2F, NO, MN, DAS, 0, 0, 0, 0, ALL, INN, FN),
    ALU(0x30, "xor", XOR, F_LOCK),
    R("aaa", 0x37, NO, MN, AAA, 0, 0, 0, 0, ALL, INN, FN),
    ALU(0x38, "cmp", CMP, 0),
    R("aas", 0x3F, NO, MN, AAS, 0, 0, 0, 0, ALL, INN, FN),
    /* ---- 40-6F ---- */
    R("inc", 0x40, NO, MN, INC, Zv, 0, 0, 0, ALL, INN, FN),
    R("dec", 0x48, NO, MN, DEC, Zv, 0, 0, 0, ALL, INN, FN),
    R("push", 0x50, NO, MN, PUSH, Zv, 0, 0, F_STK, ALL, INN, FN),
    R("pop", 0x58, NO, MN, POP, Zv, 0, 0, F_STK, ALL, INN, FN),
    R("pusha", 0x60, NO, MN, PUSHA, 0, 0, 0, F_STK, ALL, INN, FN),
    R("popa", 0x61, NO, MN, POPA, 0, 0, 0, F_STK, ALL, INN, FN),
    R("bound", 0x62, NO, MM, BOUND, Gv, Ma, 0, 0, ALL, INN, FT),
    R("arpl", 0x63, NO, MA, ARPL, Ew, Gw, 0, F_PM | F_W, ALL, INN, FN),
    R("push", 0x68, NO, MN, PUSH, Iv, 0, 0, F_STK, ALL, INN, FN),
    R("imul", 0x69, NO, MA, IMUL3, Gv, Ev, Iv, 0, ALL, INN, FN),
    R("push", 0x6A, NO, MN, PUSH, Ibs, 0, 0, F_STK, ALL, INN, FN),
    R("imul", 0x6B, NO, MA, IMUL3, Gv, Ev, Ibs, 0, ALL, INN, FN),
    R("ins", 0x6C, NO, MN, INS, Yb, DX, 0, F_IOPL | F_REP | F_STR | F_B, ALL, IOP, FN),
    R("ins", 0x6D, NO, MN, INS, Yv, DX, 0, F_IOPL | F_REP | F_STR, ALL, IOP, FN),
    R("outs", 0x6E, NO, MN, OUTS, DX, Xb, 0, F_IOPL | F_REP | F_STR | F_B, ALL, IOP, FN),
    R("outs", 0x6F, NO, MN, OUTS, DX, Xv, 0, F_IOPL | F_REP | F_STR, ALL, IOP, FN),
    /* ---- 70-7F: conditional jumps, short ---- */
    JCC8(0, "jo"), JCC8(1, "jno"), JCC8(2, "jb"), JCC8(3, "jae"), JCC8(4, "je"), JCC8(5, "jne"),
    JCC8(6, "jbe"), JCC8(7, "ja"), JCC8(8, "js"), JCC8(9, "jns"), JCC8(10, "jp"), JCC8(11, "jnp"),
    JCC8(12, "jl"), JCC8(13, "jge"), JCC8(14, "jle"), JCC8(15, "jg"),
    /* ---- 80-8F ---- */
    GRP1("add", ADD, 0, F_LOCK), GRP1("or", OR, 1, F_LOCK), GRP1("adc", ADC, 2, F_LOCK),
    GRP1("sbb", SBB, 3, F_LOCK), GRP1("and", AND, 4, F_LOCK), GRP1("sub", SUB, 5, F_LOCK),
    GRP1("xor", XOR, 6, F_LOCK), GRP1("cmp", CMP, 7, 0),
    R("test", 0x84, NO, MA, TEST, Eb, Gb, 0, F_B, ALL, INN, FN),
    R("test", 0x85, NO, MA, TEST, Ev, Gv, 0, 0, ALL, INN, FN),
    R("xchg", 0x86, NO, MA, XCHG, Eb, Gb, 0, F_LOCK | F_B, ALL, INN, FN),
    R("xchg", 0x87, NO, MA, XCHG, Ev, Gv, 0, F_LOCK, ALL, INN, FN),
    R("mov", 0x88, NO, MA, MOV, Eb, Gb, 0, F_B, ALL, INN, FN),
    R("mov", 0x89, NO, MA, MOV, Ev, Gv, 0, 0, ALL, INN, FN),
    R("mov", 0x8A, NO, MA, MOV, Gb, Eb, 0, F_B, ALL, INN, FN),
    R("mov", 0x8B, NO, MA, MOV, Gv, Ev, 0, 0, ALL, INN, FN),
    R("mov", 0x8C, NO, MA, MOV_FROM_SEG, Ev, Sw, 0, 0, ALL, MSE, FN),
    R("lea", 0x8D, NO, MM, LEA, Gv, M, 0, 0, ALL, INN, FN),
    R("mov", 0x8E, NO, MA, MOV_SEG, Sw, Ew, 0, F_W, ALL, MSE, FN),
    R("pop", 0x8F, 0, MA, POP, Ev, 0, 0, F_STK, ALL, INN, FN),
    /* ---- 90-9F ---- */
    R("nop", 0x90, NO, MN, NOP, 0, 0, 0, 0, ALL, INN, FN),
    R("xchg", 0x91, NO, MN, XCHG, Zv, eAX, 0, 0, ALL, INN, FN), /* 91-97 */
    R("cbw", 0x98, NO, MN, CBW, 0, 0, 0, 0, ALL, INN, FN),
    R("cwd", 0x99, NO, MN, CWD, 0, 0, 0, 0, ALL, INN, FN),
    R("lcall", 0x9A, NO, MN, CALL_FAR, Ap, 0, 0, F_FAR, ALL, CSE, FC),
    R("fwait", 0x9B, NO, MN, WAIT, 0, 0, 0, 0, ALL, INN, FN),
    R("pushf", 0x9C, NO, MN, PUSHF, 0, 0, 0, F_STK, ALL, MSE, FN),
    R("popf", 0x9D, NO, MN, POPF, 0, 0, 0, F_STK, ALL, CSE, FN),
    R("sahf", 0x9E, NO, MN, SAHF, 0, 0, 0, 0, ALL, INN, FN),
    R("lahf", 0x9F, NO, MN, LAHF, 0, 0, 0, 0, ALL, INN, FN),
    /* ---- A0-AF ---- */
    R("mov", 0xA0, NO, MN, MOV, AL, Ob, 0, F_B, ALL, INN, FN),
    R("mov", 0xA1, NO, MN, MOV, eAX, Ov, 0, 0, ALL, INN, FN),
    R("mov", 0xA2, NO, MN, MOV, Ob, AL, 0, F_B, ALL, INN, FN),
    R("mov", 0xA3, NO, MN, MOV, Ov, eAX, 0, 0, ALL, INN, FN),
    R("movs", 0xA4, NO, MN, MOVS, Yb, Xb, 0, F_REP | F_STR | F_B, ALL, INN, FN),
    R("movs", 0xA5, NO, MN, MOVS, Yv, Xv, 0, F_REP | F_STR, ALL, INN, FN),
    R("cmps", 0xA6, NO, MN, CMPS, Xb, Yb, 0, F_REPZ | F_STR | F_B, ALL, INN, FN),
    R("cmps", 0xA7, NO, MN, CMPS, Xv, Yv, 0, F_REPZ | F_STR, ALL, INN, FN),
    R("test", 0xA8, NO, MN, TEST, AL, Ib, 0, F_B, ALL, INN, FN),
    R("test", 0xA9, NO, MN, TEST, eAX, Iv, 0, 0, ALL, INN, FN),
    R("stos", 0xAA, NO, MN, STOS, Yb, AL, 0, F_REP | F_STR | F_B, ALL, INN, FN),
    R("stos", 0xAB, NO, MN, STOS, Yv, eAX, 0, F_REP | F_STR, ALL, INN, FN),
    R("lods", 0xAC, NO, MN, LODS, AL, Xb, 0, F_REP | F_STR | F_B, ALL, INN, FN),
    R("lods", 0xAD, NO, MN, LODS, eAX, Xv, 0, F_REP | F_STR, ALL, INN, FN),
    R("scas", 0xAE, NO, MN, SCAS, AL, Yb, 0, F_REPZ | F_STR | F_B, ALL, INN, FN),
    R("scas", 0xAF, NO, MN, SCAS, eAX, Yv, 0, F_REPZ | F_STR, ALL, INN, FN),
    /* ---- B0-BF: move immediate to register ---- */
    R("mov", 0xB0, NO, MN, MOV, Zb, Ib, 0, F_B, ALL, INN, FN),
    R("mov", 0xB8, NO, MN, MOV, Zv, Iv, 0, 0, ALL, INN, FN),
    /* ---- C0-CF ---- */
    GRP2("rol", ROL, 0), GRP2("ror", ROR, 1), GRP2("rcl", RCL, 2), GRP2("rcr", RCR, 3),
    GRP2("shl", SHL, 4), GRP2("shr", SHR, 5), GRP2("shl", SAL6, 6), GRP2("sar", SAR, 7),
    R("ret", 0xC2, NO, MN, RET, Iw, 0, 0, F_STK, ALL, INN, FR),
    R("ret", 0xC3, NO, MN, RET, 0, 0, 0, F_STK, ALL, INN, FR),
    R("les", 0xC4, NO, MM, LSEG, Gv, Mp, 0, 0, ALL, MSE, FN),
    R("lds", 0xC5, NO, MM, LSEG, Gv, Mp, 0, 0, ALL, MSE, FN),
    R("mov", 0xC6, 0, MA, MOV, Eb, Ib, 0, F_B, ALL, INN, FN),
    R("mov", 0xC7, 0, MA, MOV, Ev, Iv, 0, 0, ALL, INN, FN),
    R("enter", 0xC8, NO, MN, ENTER, Iw, Ib, 0, F_STK, ALL, INN, FN),
    R("leave", 0xC9, NO, MN, LEAVE, 0, 0, 0, F_STK, ALL, INN, FN),
    R("lret", 0xCA, NO, MN, RETF, Iw, 0, 0, F_STK | F_FAR, ALL, CSE, FR),
    R("lret", 0xCB, NO, MN, RETF, 0, 0, 0, F_STK | F_FAR, ALL, CSE, FR),
    R("int3", 0xCC, NO, MN, INT3, 0, 0, 0, 0, ALL, MSE, FT),
    R("int", 0xCD, NO, MN, INT, Ib, 0, 0, 0, ALL, MSE, FT),
    R("into", 0xCE, NO, MN, INTO, 0, 0, 0, 0, ALL, MSE, FT),
    R("iret", 0xCF, NO, MN, IRET, 0, 0, 0, F_STK | F_FAR, ALL, CSE, FE),
    /* ---- D0-DF ---- */
    R("aam", 0xD4, NO, MN, AAM, Ib, 0, 0, 0, ALL, INN, FN),
    R("aad", 0xD5, NO, MN, AAD, Ib, 0, 0, 0, ALL, INN, FN),
    R("xlat", 0xD7, NO, MN, XLAT, 0, 0, 0, F_B, ALL, INN, FN),
    /* x87 escapes: no coprocessor (#NM with CR0.EM or CR0.TS, else #UD) */
    R("(esc)", 0xD8, NO, MA, ESC, 0, 0, 0, X86_F_ESC, ALL, INN, FT),
    R("(esc)", 0xD9, NO, MA, ESC, 0, 0, 0, X86_F_ESC, ALL, INN, FT),
    R("(esc)", 0xDA, NO, MA, ESC, 0, 0, 0, X86_F_ESC, ALL, INN, FT),
    R("(esc)", 0xDB, NO, MA, ESC, 0, 0, 0, X86_F_ESC, ALL, INN, FT),
    R("(esc)", 0xDC, NO, MA, ESC, 0, 0, 0, X86_F_ESC, ALL, INN, FT),
    R("(esc)", 0xDD, NO, MA, ESC, 0, 0, 0, X86_F_ESC, ALL, INN, FT),
    R("(esc)", 0xDE, NO, MA, ESC, 0, 0, 0, X86_F_ESC, ALL, INN, FT),
    R("(esc)", 0xDF, NO, MA, ESC, 0, 0, 0, X86_F_ESC, ALL, INN, FT),
    /* ---- E0-EF ---- */
    R("loopne", 0xE0, NO, MN, LOOPNE, Jb, 0, 0, 0, ALL, INN, FB),
    R("loope", 0xE1, NO, MN, LOOPE, Jb, 0, 0, 0, ALL, INN, FB),
    R("loop", 0xE2, NO, MN, LOOP, Jb, 0, 0, 0, ALL, INN, FB),
    R("jecxz", 0xE3, NO, MN, JCXZ, Jb, 0, 0, 0, ALL, INN, FB),
    R("in", 0xE4, NO, MN, IN, AL, Ib, 0, F_IOPL | F_B, ALL, IOP, FN),
    R("in", 0xE5, NO, MN, IN, eAX, Ib, 0, F_IOPL, ALL, IOP, FN),
    R("out", 0xE6, NO, MN, OUT, Ib, AL, 0, F_IOPL | F_B, ALL, IOP, FN),
    R("out", 0xE7, NO, MN, OUT, Ib, eAX, 0, F_IOPL, ALL, IOP, FN),
    R("call", 0xE8, NO, MN, CALL, Jv, 0, 0, F_STK, ALL, INN, FC),
    R("jmp", 0xE9, NO, MN, JMP, Jv, 0, 0, 0, ALL, INN, FJ),
    R("ljmp", 0xEA, NO, MN, JMP_FAR, Ap, 0, 0, F_FAR, ALL, MSE, FJ),
    R("jmp", 0xEB, NO, MN, JMP, Jb, 0, 0, 0, ALL, INN, FJ),
    R("in", 0xEC, NO, MN, IN, AL, DX, 0, F_IOPL | F_B, ALL, IOP, FN),
    R("in", 0xED, NO, MN, IN, eAX, DX, 0, F_IOPL, ALL, IOP, FN),
    R("out", 0xEE, NO, MN, OUT, DX, AL, 0, F_IOPL | F_B, ALL, IOP, FN),
    R("out", 0xEF, NO, MN, OUT, DX, eAX, 0, F_IOPL, ALL, IOP, FN),
    /* ---- F0-FF ---- */
    R("int1", 0xF1, NO, MN, INT1, 0, 0, 0, 0, ALL, INN, FT),
    R("hlt", 0xF4, NO, MN, HLT, 0, 0, 0, F_PRIV, ALL, PRV, FH),
    R("cmc", 0xF5, NO, MN, CMC, 0, 0, 0, 0, ALL, INN, FN),
    R("test", 0xF6, 0, MA, TEST, Eb, Ib, 0, F_B, ALL, INN, FN),
    R("test", 0xF6, 1, MA, TEST, Eb, Ib, 0, F_B, ALL, INN, FN),
    R("not", 0xF6, 2, MA, NOT, Eb, 0, 0, F_LOCK | F_B, ALL, INN, FN),
    R("neg", 0xF6, 3, MA, NEG, Eb, 0, 0, F_LOCK | F_B, ALL, INN, FN),
    R("mul", 0xF6, 4, MA, MUL, Eb, 0, 0, F_B, ALL, INN, FN),
    R("imul", 0xF6, 5, MA, IMUL1, Eb, 0, 0, F_B, ALL, INN, FN),
    R("div", 0xF6, 6, MA, DIV, Eb, 0, 0, F_B, ALL, INN, FT),
    R("idiv", 0xF6, 7, MA, IDIV, Eb, 0, 0, F_B, ALL, INN, FT),
    R("test", 0xF7, 0, MA, TEST, Ev, Iv, 0, 0, ALL, INN, FN),
    R("test", 0xF7, 1, MA, TEST, Ev, Iv, 0, 0, ALL, INN, FN),
    R("not", 0xF7, 2, MA, NOT, Ev, 0, 0, F_LOCK, ALL, INN, FN),
    R("neg", 0xF7, 3, MA, NEG, Ev, 0, 0, F_LOCK, ALL, INN, FN),
    R("mul", 0xF7, 4, MA, MUL, Ev, 0, 0, 0, ALL, INN, FN),
    R("imul", 0xF7, 5, MA, IMUL1, Ev, 0, 0, 0, ALL, INN, FN),
    R("div", 0xF7, 6, MA, DIV, Ev, 0, 0, 0, ALL, INN, FT),
    R("idiv", 0xF7, 7, MA, IDIV, Ev, 0, 0, 0, ALL, INN, FT),
    R("clc", 0xF8, NO, MN, CLC, 0, 0, 0, 0, ALL, INN, FN),
    R("stc", 0xF9, NO, MN, STC, 0, 0, 0, 0, ALL, INN, FN),
    R("cli", 0xFA, NO, MN, CLI, 0, 0, 0, F_IOPL, ALL, IOP, FN),
    R("sti", 0xFB, NO, MN, STI, 0, 0, 0, F_IOPL, ALL, IOP, FN),
    R("cld", 0xFC, NO, MN, CLD, 0, 0, 0, 0, ALL, INN, FN),
    R("std", 0xFD, NO, MN, STD, 0, 0, 0, 0, ALL, INN, FN),
    R("inc", 0xFE, 0, MA, INC, Eb, 0, 0, F_LOCK | F_B, ALL, INN, FN),
    R("dec", 0xFE, 1, MA, DEC, Eb, 0, 0, F_LOCK | F_B, ALL, INN, FN),
    R("inc", 0xFF, 0, MA, INC, Ev, 0, 0, F_LOCK, ALL, INN, FN),
    R("dec", 0xFF, 1, MA, DEC, Ev, 0, 0, F_LOCK, ALL, INN, FN),
    R("call", 0xFF, 2, MA, CALL_IND, Ev, 0, 0, F_STK, ALL, INN, FC),
    R("lcall", 0xFF, 3, MM, CALL_FAR_IND, Mp, 0, 0, F_FAR, ALL, CSE, FC),
    R("jmp", 0xFF, 4, MA, JMP_IND, Ev, 0, 0, 0, ALL, INN, FI),
    R("ljmp", 0xFF, 5, MM, JMP_FAR_IND, Mp, 0, 0, F_FAR, ALL, MSE, FI),
    R("push", 0xFF, 6, MA, PUSH, Ev, 0, 0, F_STK, ALL, INN, FN),

    /* ---- 0F 00: group 6 ---- */
    R("sldt", 0x100, 0, MA, SLDT, Ew, 0, 0, F_PM | F_W, ALL, LSE, FN),
    R("str", 0x100, 1, MA, STR, Ew, 0, 0, F_PM | F_W, ALL, LSE, FN),
    R("lldt", 0x100, 2, MA, LLDT, Ew, 0, 0, F_PM | F_PRIV | F_W, ALL, PRV, FN),
    R("ltr", 0x100, 3, MA, LTR, Ew, 0, 0, F_PM | F_PRIV | F_W, ALL, PRV, FN),
    R("verr", 0x100, 4, MA, VERR, Ew, 0, 0, F_PM | F_W, ALL, MSE, FN),
    R("verw", 0x100, 5, MA, VERW, Ew, 0, 0, F_PM | F_W, ALL, MSE, FN),
    /* ---- 0F 01: group 7 ---- */
    R("sgdt", 0x101, 0, MM, SGDT, Ms, 0, 0, 0, ALL, LSE, FN),
    R("sidt", 0x101, 1, MM, SIDT, Ms, 0, 0, 0, ALL, LSE, FN),
    R("lgdt", 0x101, 2, MM, LGDT, Ms, 0, 0, F_PRIV, ALL, PRV, FN),
    R("lidt", 0x101, 3, MM, LIDT, Ms, 0, 0, F_PRIV, ALL, PRV, FN),
    R("smsw", 0x101, 4, MA, SMSW, Ew, 0, 0, F_W, ALL, MSE, FN),
    R("lmsw", 0x101, 6, MA, LMSW, Ew, 0, 0, F_PRIV | F_W, ALL, PRV, FN),
    R("invlpg", 0x101, 7, MM, INVLPG, M, 0, 0, F_PRIV, P5, PRV, FN),
    R("lar", 0x102, NO, MA, LAR, Gv, Ew, 0, F_PM, ALL, MSE, FN),
    R("lsl", 0x103, NO, MA, LSL, Gv, Ew, 0, F_PM, ALL, MSE, FN),
    R("clts", 0x106, NO, MN, CLTS, 0, 0, 0, F_PRIV, ALL, PRV, FN),
    R("invd", 0x108, NO, MN, INVD, 0, 0, 0, F_PRIV, P5, PRV, FN),
    R("wbinvd", 0x109, NO, MN, WBINVD, 0, 0, 0, F_PRIV, P5, PRV, FN),
    R("ud2", 0x10B, NO, MN, UD, 0, 0, 0, 0, ALL, INN, FT),
    /* MOV to/from control, debug and test registers: the ModRM r/m is
     * always a register (the mod field is ignored) */
    R("mov", 0x120, NO, MA, MOV_FROM_CR, Rd, Cd, 0, F_PRIV, ALL, PRV, FN),
    R("mov", 0x121, NO, MA, MOV_FROM_DR, Rd, Dd, 0, F_PRIV, ALL, PRV, FN),
    R("mov", 0x122, NO, MA, MOV_TO_CR, Cd, Rd, 0, F_PRIV, ALL, PRV, FN),
    R("mov", 0x123, NO, MA, MOV_TO_DR, Dd, Rd, 0, F_PRIV, ALL, PRV, FN),
    R("mov", 0x124, NO, MA, MOV_FROM_TR, Rd, Td, 0, F_PRIV, I3, PRV, FN),
    R("mov", 0x126, NO, MA, MOV_TO_TR, Td, Rd, 0, F_PRIV, I3, PRV, FN),
    R("wrmsr", 0x130, NO, MN, WRMSR, 0, 0, 0, F_PRIV, P5, PRV, FN),
    R("rdtsc", 0x131, NO, MN, RDTSC, 0, 0, 0, 0, P5, MSE, FN),
    R("rdmsr", 0x132, NO, MN, RDMSR, 0, 0, 0, F_PRIV, P5, PRV, FN),
    /* ---- 0F 80-8F: conditional jumps, near ---- */
    JCC32(0, "jo"), JCC32(1, "jno"), JCC32(2, "jb"), JCC32(3, "jae"), JCC32(4, "je"), JCC32(5, "jne"),
    JCC32(6, "jbe"), JCC32(7, "ja"), JCC32(8, "js"), JCC32(9, "jns"), JCC32(10, "jp"), JCC32(11, "jnp"),
    JCC32(12, "jl"), JCC32(13, "jge"), JCC32(14, "jle"), JCC32(15, "jg"),
    /* ---- 0F 90-9F: SETcc ---- */
    SETCC(0, "seto"), SETCC(1, "setno"), SETCC(2, "setb"), SETCC(3, "setae"), SETCC(4, "sete"),
    SETCC(5, "setne"), SETCC(6, "setbe"), SETCC(7, "seta"), SETCC(8, "sets"), SETCC(9, "setns"),
    SETCC(10, "setp"), SETCC(11, "setnp"), SETCC(12, "setl"), SETCC(13, "setge"), SETCC(14, "setle"),
    SETCC(15, "setg"),
    /* ---- 0F A0-AF ---- */
    R("push", 0x1A0, NO, MN, PUSH_SEG, sFS, 0, 0, F_STK, ALL, INN, FN),
    R("pop", 0x1A1, NO, MN, POP_SEG, sFS, 0, 0, F_STK, ALL, MSE, FN),
    R("cpuid", 0x1A2, NO, MN, CPUID, 0, 0, 0, 0, P5, INN, FN),
    R("bt", 0x1A3, NO, MA, BT, Ev, Gv, 0, 0, ALL, INN, FN),
    R("shld", 0x1A4, NO, MA, SHLD, Ev, Gv, Ib, 0, ALL, INN, FN),
    R("shld", 0x1A5, NO, MA, SHLD, Ev, Gv, CL, 0, ALL, INN, FN),
    R("push", 0x1A8, NO, MN, PUSH_SEG, sGS, 0, 0, F_STK, ALL, INN, FN),
    R("pop", 0x1A9, NO, MN, POP_SEG, sGS, 0, 0, F_STK, ALL, MSE, FN),
    R("bts", 0x1AB, NO, MA, BTS, Ev, Gv, 0, F_LOCK, ALL, INN, FN),
    R("shrd", 0x1AC, NO, MA, SHRD, Ev, Gv, Ib, 0, ALL, INN, FN),
    R("shrd", 0x1AD, NO, MA, SHRD, Ev, Gv, CL, 0, ALL, INN, FN),
    R("imul", 0x1AF, NO, MA, IMUL2, Gv, Ev, 0, 0, ALL, INN, FN),
    /* ---- 0F B0-BF ---- */
    R("cmpxchg", 0x1B0, NO, MA, CMPXCHG, Eb, Gb, 0, F_LOCK | F_B, P5, INN, FN),
    R("cmpxchg", 0x1B1, NO, MA, CMPXCHG, Ev, Gv, 0, F_LOCK, P5, INN, FN),
    R("lss", 0x1B2, NO, MM, LSEG, Gv, Mp, 0, 0, ALL, MSE, FN),
    R("btr", 0x1B3, NO, MA, BTR, Ev, Gv, 0, F_LOCK, ALL, INN, FN),
    R("lfs", 0x1B4, NO, MM, LSEG, Gv, Mp, 0, 0, ALL, MSE, FN),
    R("lgs", 0x1B5, NO, MM, LSEG, Gv, Mp, 0, 0, ALL, MSE, FN),
    R("movzb", 0x1B6, NO, MA, MOVZX, Gv, Eb, 0, 0, ALL, INN, FN),
    R("movzw", 0x1B7, NO, MA, MOVZX, Gv, Ew, 0, 0, ALL, INN, FN),
    R("bt", 0x1BA, 4, MA, BT, Ev, Ib, 0, 0, ALL, INN, FN),
    R("bts", 0x1BA, 5, MA, BTS, Ev, Ib, 0, F_LOCK, ALL, INN, FN),
    R("btr", 0x1BA, 6, MA, BTR, Ev, Ib, 0, F_LOCK, ALL, INN, FN),
    R("btc", 0x1BA, 7, MA, BTC, Ev, Ib, 0, F_LOCK, ALL, INN, FN),
    R("btc", 0x1BB, NO, MA, BTC, Ev, Gv, 0, F_LOCK, ALL, INN, FN),
    R("bsf", 0x1BC, NO, MA, BSF, Gv, Ev, 0, 0, ALL, INN, FN),
    R("bsr", 0x1BD, NO, MA, BSR, Gv, Ev, 0, 0, ALL, INN, FN),
    R("movsb", 0x1BE, NO, MA, MOVSX, Gv, Eb, 0, 0, ALL, INN, FN),
    R("movsw", 0x1BF, NO, MA, MOVSX, Gv, Ew, 0, 0, ALL, INN, FN),
    /* ---- 0F C0-CF (486, Pentium) ---- */
    R("xadd", 0x1C0, NO, MA, XADD, Eb, Gb, 0, F_LOCK | F_B, P5, INN, FN),
    R("xadd", 0x1C1, NO, MA, XADD, Ev, Gv, 0, F_LOCK, P5, INN, FN),
    R("cmpxchg8b", 0x1C7, 1, MM, CMPXCHG8B, Mq, 0, 0, F_LOCK, P5, INN, FN),
    R("bswap", 0x1C8, NO, MN, BSWAP, Zd, 0, 0, 0, P5, INN, FN),
};
const int x86_ninsns = (int)(sizeof x86_insns / sizeof x86_insns[0]);

/* ---- register operands in the ModRM reg field ------------------------------------
 * MOV to and from a segment, control, debug or test register names the
 * register in the reg field, so one row stands for several forms: which
 * values exist on each model (the others are #UD; exec.c raises it) and the
 * class of each value where it is not the row's. Of the segment registers
 * only CS and SS carry the CPL (their RPL, Intel 80386 PRM 6.3.1.3): MOV
 * from ES, DS, FS or GS is innocuous, MOV from CS or SS mode-sensitive (the
 * row's class). MOV to CS does not exist (#UD). CR0, CR2, CR3 exist on both
 * models, CR4 on the Pentium; TR6 and TR7 on the 386; DR0-DR7 everywhere
 * (DR4/DR5 alias DR6/DR7 unless the Pentium's CR4.DE is set). */
int x86_regop_class(int variant, const x86_insn *in, unsigned regf) {
    regf &= 7;
    switch ((enum x86_op)in->op) {
    case X86_OP_MOV_FROM_SEG:
        if (regf >= X86_NSEG) return VL_CLASS_ILLEGAL;
        return regf == X86_CS || regf == X86_SS ? in->cls : VL_CLASS_INNOCUOUS;
    case X86_OP_MOV_SEG: return regf == X86_CS || regf >= X86_NSEG ? VL_CLASS_ILLEGAL : in->cls;
    case X86_OP_MOV_FROM_CR: case X86_OP_MOV_TO_CR:
        return regf == 0 || regf == 2 || regf == 3 || (regf == 4 && variant == X86_PENTIUM) ? in->cls
                                                                                          : VL_CLASS_ILLEGAL;
    case X86_OP_MOV_FROM_TR: case X86_OP_MOV_TO_TR: return regf >= 6 ? in->cls : VL_CLASS_ILLEGAL;
    default: return in->cls;
    }
}

const char *const x86_cond_names[16] = { "o", "no", "b", "ae", "e", "ne", "be", "a",
                                         "s", "ns", "p", "np", "l", "ge", "le", "g" };

const char *const x86_op_names[X86_OP_COUNT] = {
#define X86_OP_NAME(n) #n,
    X86_OPS(X86_OP_NAME)
#undef X86_OP_NAME
};

/* ---- lookup tables, built once ------------------------------------------------
 * Per model and opcode (0x000-0x1FF): a row index + 1, or GROUP | g for the
 * opcodes whose ModRM reg field (and mem/reg) selects the row; per group the
 * rows by reg and by mod (0 memory, 1 register). Opcodes whose low bits
 * name a register (40+r, 50+r, 58+r, 91+r, B0+r, B8+r, 0F C8+r) fill their
 * eight slots from one row. */
#define GROUP 0x8000u
#define NGROUPS 40 /* the opcodes with a group or a mem/reg split: 30 today */
static uint16_t prim[X86_NMODELS][512];
static uint16_t grp[X86_NMODELS][NGROUPS][8][2];
static uint8_t modrm_op[512]; /* 1: the opcode takes a ModRM byte (on some model) */
static pthread_once_t once = PTHREAD_ONCE_INIT;
static bool built; /* set last by build(): read without a lock on the hot path */

static int reg_in_opcode(const x86_insn *in) {
    for (int k = 0; k < 3; k++)
        if (in->opd[k] == X86_O_ZB || in->opd[k] == X86_O_ZV || in->opd[k] == X86_O_ZD) return 1;
    return 0;
}

static void build(void) {
    int ngroups = 0;
    int gid[512];
    for (int i = 0; i < 512; i++) gid[i] = -1;
    for (int i = 0; i < x86_ninsns; i++) {
        const x86_insn *in = &x86_insns[i];
        if (in->mod != X86_MOD_NONE) modrm_op[in->opcode] = 1;
        if (in->reg >= 0 && gid[in->opcode] < 0) gid[in->opcode] = ngroups++;
    }
    for (int i = 0; i < x86_ninsns; i++) { /* mem-only or reg-only forms: a group of their own */
        const x86_insn *in = &x86_insns[i];
        if ((in->mod == X86_MOD_MEM || in->mod == X86_MOD_REG) && gid[in->opcode] < 0) gid[in->opcode] = ngroups++;
    }
    if (ngroups > NGROUPS) abort(); /* the table outgrew NGROUPS: a build-time mistake */
    for (int v = 0; v < X86_NMODELS; v++) {
        unsigned bit = v == X86_PENTIUM ? X86_ON_586 : X86_ON_386;
        for (int i = 0; i < x86_ninsns; i++) {
            const x86_insn *in = &x86_insns[i];
            if (!(in->models & bit)) continue;
            int g = gid[in->opcode];
            if (g >= 0) {
                /* by reg (a group member), or for every reg (a mem-only or
                 * reg-only form: LEA, BOUND, LES...); by mod */
                prim[v][in->opcode] = (uint16_t)(GROUP | g);
                int r0 = in->reg >= 0 ? in->reg : 0, r1 = in->reg >= 0 ? in->reg : 7;
                for (int r = r0; r <= r1; r++)
                    for (int m = 0; m < 2; m++) {
                        bool mem = m == 0;
                        if ((in->mod == X86_MOD_MEM && !mem) || (in->mod == X86_MOD_REG && mem)) continue;
                        if (!grp[v][g][r][m]) grp[v][g][r][m] = (uint16_t)(i + 1);
                    }
                continue;
            }
            int n = reg_in_opcode(in) ? 8 : 1;
            if (in->opcode == 0x91) n = 7; /* 91-97: 90 is NOP */
            for (int k = 0; k < n; k++)
                if (!prim[v][in->opcode + k]) prim[v][in->opcode + k] = (uint16_t)(i + 1);
        }
    }
    __atomic_store_n(&built, true, __ATOMIC_RELEASE);
}

static void init(void) {
    if (VL_LIKELY(__atomic_load_n(&built, __ATOMIC_ACQUIRE))) return;
    pthread_once(&once, build);
}

bool x86_opcode_has_modrm(uint16_t opcode) {
    init();
    return opcode < 512 && modrm_op[opcode];
}

static inline const x86_insn *lookup(int variant, uint16_t opcode, bool has_modrm_byte, uint8_t modrm) {
    if (variant < 0 || variant >= X86_NMODELS || opcode >= 512) return NULL;
    uint16_t e = prim[variant][opcode];
    if (!e) return NULL;
    if (e & GROUP) {
        if (!has_modrm_byte) return NULL;
        unsigned g = e & ~GROUP;
        e = grp[variant][g][(modrm >> 3) & 7][(modrm >> 6) == 3 ? 1 : 0];
        if (!e) return NULL;
    }
    return &x86_insns[e - 1];
}

const x86_insn *x86_lookup(int variant, uint16_t opcode, bool has_modrm_byte, uint8_t modrm) {
    init();
    return lookup(variant, opcode, has_modrm_byte, modrm);
}

/* ---- the decoder ------------------------------------------------------------------- */

/* n more bytes: an instruction never takes more than 15 (#GP(0) beyond,
 * Intel SDM vol. 2 2.3.11, 80386 PRM 9.8.13), whatever follows in memory;
 * otherwise the caller gave too few. */
#define NEED(n) do { \
        if ((size_t)(i) + (n) > 15) goto too_long; \
        if ((size_t)(i) + (n) > len) goto short_read; \
    } while (0)

static uint32_t le(const uint8_t *p, int n) {
    uint32_t v = 0;
    for (int k = n - 1; k >= 0; k--) v = v << 8 | p[k];
    return v;
}

/* Bytes of immediate that operand kind o takes. */
static int imm_bytes(int o, const x86_decoded *d) {
    switch (o) {
    case X86_O_IB: case X86_O_IBS: case X86_O_JB: return 1;
    case X86_O_IW: return 2;
    case X86_O_IV: case X86_O_JV: return d->opsize;
    case X86_O_AP: return d->opsize + 2;
    case X86_O_OB: case X86_O_OV: return d->adsize;
    default: return 0;
    }
}

int x86_decode(int variant, const uint8_t *bytes, size_t len, bool big, x86_decoded *d) {
    init();
    d->in = NULL;
    d->lock = d->has_modrm = d->has_sib = false;
    d->rep = 0;
    d->mod = d->regf = d->rm = d->modrm = d->sib = d->scale = 0;
    d->disp = d->imm = d->imm2 = 0;
    d->mseg = 0;
    d->seg = -1;
    d->base = d->index = -1;
    d->opsize = d->adsize = big ? 4 : 2;
    size_t i = 0;
    /* prefixes: the last of each kind counts; 15 bytes at the most */
    for (;; i++) {
        NEED(1);
        if (i >= 15) goto too_long;
        uint8_t b = bytes[i];
        switch (b) {
        case 0x66: d->opsize = big ? 2 : 4; continue;
        case 0x67: d->adsize = big ? 2 : 4; continue;
        case 0xF0: d->lock = true; continue;
        case 0xF2: case 0xF3: d->rep = b; continue;
        case 0x26: d->seg = X86_ES; continue;
        case 0x2E: d->seg = X86_CS; continue;
        case 0x36: d->seg = X86_SS; continue;
        case 0x3E: d->seg = X86_DS; continue;
        case 0x64: d->seg = X86_FS; continue;
        case 0x65: d->seg = X86_GS; continue;
        default: break;
        }
        break;
    }
    d->nprefix = (uint8_t)i;
    uint16_t opcode = bytes[i++];
    if (opcode == 0x0F) {
        NEED(1);
        opcode = (uint16_t)(0x100 | bytes[i++]);
    }
    d->opcode = opcode;
    d->has_modrm = modrm_op[opcode];
    if (d->has_modrm) {
        NEED(1);
        d->modrm = bytes[i++];
        d->mod = d->modrm >> 6;
        d->regf = (d->modrm >> 3) & 7;
        d->rm = d->modrm & 7;
    }
    d->in = lookup(variant, opcode, d->has_modrm, d->modrm);
    if (!d->in) {
        d->len = (uint8_t)i;
        return 0;
    }
    /* MOV CRn/DRn/TRn ignore mod: the operand is always a register */
    bool rmreg = opcode >= 0x120 && opcode <= 0x127;
    if (d->has_modrm && d->mod != 3 && !rmreg) {
        d->mseg = X86_DS;
        if (d->adsize == 2) {
            static const int8_t b16[8] = { X86_EBX, X86_EBX, X86_EBP, X86_EBP, X86_ESI, X86_EDI, X86_EBP, X86_EBX };
            static const int8_t x16[8] = { X86_ESI, X86_EDI, X86_ESI, X86_EDI, -1, -1, -1, -1 };
            if (d->mod == 0 && d->rm == 6) {
                NEED(2);
                d->disp = le(bytes + i, 2);
                i += 2;
            } else {
                d->base = b16[d->rm];
                d->index = x16[d->rm];
                if (d->base == X86_EBP) d->mseg = X86_SS;
                int n = d->mod == 1 ? 1 : d->mod == 2 ? 2 : 0;
                NEED(n);
                if (n == 1) d->disp = (uint32_t)(int32_t)(int8_t)bytes[i];
                else if (n == 2) d->disp = le(bytes + i, 2);
                i += (size_t)n;
            }
        } else {
            int base = d->rm;
            if (d->rm == 4) {
                NEED(1);
                d->has_sib = true;
                d->sib = bytes[i++];
                d->scale = d->sib >> 6;
                int idx = (d->sib >> 3) & 7;
                if (idx != 4) d->index = (int8_t)idx;
                base = d->sib & 7;
            }
            int n = d->mod == 1 ? 1 : d->mod == 2 ? 4 : 0;
            if (base == 5 && d->mod == 0) {
                n = 4; /* no base: disp32 */
            } else {
                d->base = (int8_t)base;
                if (base == X86_ESP || base == X86_EBP) d->mseg = X86_SS;
            }
            NEED(n);
            if (n == 1) d->disp = (uint32_t)(int32_t)(int8_t)bytes[i];
            else if (n == 4) d->disp = le(bytes + i, 4);
            i += (size_t)n;
        }
    }
    /* immediates, in operand order (ENTER: Iw then Ib) */
    int nimm = 0;
    for (int k = 0; k < 3; k++) {
        int o = d->in->opd[k];
        int n = imm_bytes(o, d);
        if (!n) continue;
        NEED(n);
        if (o == X86_O_OB || o == X86_O_OV) {
            d->disp = le(bytes + i, n);
            d->mseg = X86_DS;
        } else if (o == X86_O_AP) {
            d->imm = le(bytes + i, d->opsize);
            d->imm2 = le(bytes + i + d->opsize, 2);
        } else {
            uint32_t v = le(bytes + i, n);
            if (o == X86_O_IBS || o == X86_O_JB) v = (uint32_t)(int32_t)(int8_t)v;
            else if (o == X86_O_JV && n == 2) v = (uint32_t)(int32_t)(int16_t)v;
            if (nimm++ == 0) d->imm = v;
            else d->imm2 = v;
        }
        i += (size_t)n;
    }
    if (i > 15) goto too_long;
    d->len = (uint8_t)i;
    return 0;
short_read:
    d->len = 0;
    return -1;
too_long:
    d->in = NULL;
    d->len = 16;
    return 0;
}

/* ---- decode metadata (the CPU interface's decode op) ---------------------------- */

/* 32-bit code. An invalid opcode (#UD) is a trap of length 0, as the other
 * ISAs report an illegal word. The static target is the one of a relative
 * branch; a far JMP's destination depends on a descriptor, so it is reported
 * as an indirect jump, like a jump through a register. */
/* The manual's name of the row's operation where the mnemonic alone would
 * mix different instructions ("mov" to a control register and "mov"): the
 * sweep's rows and the decode info name a row alike. */
const char *x86_row_mnemonic(const x86_insn *in) {
    switch ((enum x86_op)in->op) {
    case X86_OP_MOV_FROM_SEG: return "mov from sreg";
    case X86_OP_MOV_SEG: return "mov to sreg";
    case X86_OP_PUSH_SEG: return "push sreg";
    case X86_OP_POP_SEG: return "pop sreg";
    case X86_OP_MOV_FROM_CR: return "mov from cr";
    case X86_OP_MOV_TO_CR: return "mov to cr";
    case X86_OP_MOV_FROM_DR: return "mov from dr";
    case X86_OP_MOV_TO_DR: return "mov to dr";
    case X86_OP_MOV_FROM_TR: return "mov from tr";
    case X86_OP_MOV_TO_TR: return "mov to tr";
    case X86_OP_ESC: return "esc";
    default: return in->name;
    }
}

void x86_decode_info(int variant, const uint8_t *bytes, size_t len, uint32_t addr, vl_decode_info *out) {
    x86_decode_info_size(variant & ~X86_CODE16, bytes, len, addr, !(variant & X86_CODE16), out);
}

void x86_decode_info_size(int variant, const uint8_t *bytes, size_t len, uint32_t addr, bool big, vl_decode_info *out) {
    memset(out, 0, sizeof *out);
    out->cls = VL_CLASS_ILLEGAL;
    out->form = -1;
    x86_decoded d;
    if (!bytes || variant < 0 || variant >= X86_NMODELS || x86_decode(variant, bytes, len, big, &d) < 0) return;
    if (!d.in) {
        out->flow = VL_FLOW_TRAP;
        return;
    }
    const x86_insn *in = d.in;
    out->length = d.len;
    out->cls = x86_regop_class(variant, in, d.regf); /* MOV from DS is innocuous, MOV to CR5 #UD */
    out->mnemonic = x86_row_mnemonic(in);
    out->form = (int)(in - x86_insns);
    out->flow = in->flow;
    for (int k = 0; k < 3; k++)
        if (in->opd[k] == X86_O_JB || in->opd[k] == X86_O_JV) {
            /* a 16-bit operand size truncates EIP to 16 bits */
            uint32_t t = addr + d.len + d.imm;
            out->target = d.opsize == 2 ? t & 0xFFFF : t;
            out->has_target = true;
        }
    if (out->flow == VL_FLOW_JUMP && !out->has_target) out->flow = VL_FLOW_INDIRECT;
}
