/* decode table: complete */
/* decode.c - the 68000/68010 instruction table: the single source of truth for
 * encodings, operand kinds, legal addressing modes (Motorola M68000 Family
 * Programmer's Reference Manual), model membership and declared class.
 *
 * One entry per instruction form and size. (word & mask) == match selects an
 * entry, then the EA field(s) must name an allowed mode; if not, the search
 * goes on with the next entries (so MOVEP/SBCD/ADDX... may share a pattern
 * with the EA form they hide in).
 *
 * Declared classes (Popek-Goldberg): privileged = traps in user mode; 68000
 * MOVE from SR is mode-sensitive (unprivileged, reads S: the classic leak).
 * ILLEGAL (0x4AFC), TRAP, TRAPV, CHK trap in both modes: innocuous. Line A and
 * line F are unimplemented-instruction traps: class "illegal". BKPT on the
 * 68010 takes the illegal-instruction exception (no breakpoint acknowledge
 * hardware): declared innocuous there (same behaviour in both modes). */
#include "isa/m68k/m68k.h"

#include <stddef.h>

#define INN VL_CLASS_INNOCUOUS
#define PRV VL_CLASS_PRIVILEGED
#define MSE VL_CLASS_MODE_SENSITIVE
#define ILL VL_CLASS_ILLEGAL

#define B M68K_SZ_B
#define W M68K_SZ_W
#define L M68K_SZ_L
#define N M68K_SZ_NONE

#define O_NONE M68K_OPD_NONE
#define O_EA M68K_OPD_EA
#define O_EA2 M68K_OPD_EA2
#define O_DN M68K_OPD_DN
#define O_DN0 M68K_OPD_DN0
#define O_AN M68K_OPD_AN
#define O_AN0 M68K_OPD_AN0
#define O_PD M68K_OPD_PD
#define O_PD0 M68K_OPD_PD0
#define O_PI M68K_OPD_PI
#define O_PI0 M68K_OPD_PI0
#define O_DI0 M68K_OPD_DI0
#define O_IMM M68K_OPD_IMM
#define O_IMM16 M68K_OPD_IMM16
#define O_IMM8 M68K_OPD_IMM8
#define O_Q3 M68K_OPD_QUICK3
#define O_Q8 M68K_OPD_QUICK8
#define O_VEC4 M68K_OPD_VEC4
#define O_BKPT3 M68K_OPD_BKPT3
#define O_DISP M68K_OPD_DISP
#define O_DISP16 M68K_OPD_DISP16
#define O_LINKD M68K_OPD_LINKD
#define O_RL M68K_OPD_REGLIST
#define O_SR M68K_OPD_SR
#define O_CCR M68K_OPD_CCR
#define O_USP M68K_OPD_USP
#define O_CTRL M68K_OPD_CTRL
#define O_RN12 M68K_OPD_RN12

#define EALL M68K_EA_ALL
#define EDATA M68K_EA_DATA
#define EMEM M68K_EA_MEM
#define ECTRL M68K_EA_CTRL
#define EALT M68K_EA_ALT
#define EDALT M68K_EA_DALT
#define EMALT M68K_EA_MALT
#define ECALT M68K_EA_CALT
#define EDN M68K_EA_DN
/* data modes minus immediate (BTST #n,<ea>) */
#define EDATA_NOIMM (M68K_EA_DATA & ~M68K_EA_IMM)
/* MOVEM register->memory: control alterable + -(An); memory->register: control + (An)+ */
#define EMOVEM_RM (M68K_EA_CALT | M68K_EA_PD)
#define EMOVEM_MR (M68K_EA_CTRL | M68K_EA_PI)
/* byte operations may not name An */
#define EALL_B (M68K_EA_ALL & ~M68K_EA_AN)
#define EALT_B (M68K_EA_ALT & ~M68K_EA_AN)

/* all models, innocuous */
#define I(mask, match, op, sz, src, dst, ea, ea2) \
    { mask, match, M68K_OP_##op, sz, src, dst, ea, ea2, M68K_ON_ALL, { INN, INN } }
/* all models, privileged */
#define P(mask, match, op, sz, src, dst, ea, ea2) \
    { mask, match, M68K_OP_##op, sz, src, dst, ea, ea2, M68K_ON_ALL, { PRV, PRV } }
/* all models, explicit classes */
#define C(mask, match, op, sz, src, dst, ea, ea2, c0, c1) \
    { mask, match, M68K_OP_##op, sz, src, dst, ea, ea2, M68K_ON_ALL, { c0, c1 } }
/* 68010 only */
#define I10(mask, match, op, sz, src, dst, ea, ea2) \
    { mask, match, M68K_OP_##op, sz, src, dst, ea, ea2, M68K_ON_010, { ILL, INN } }
#define P10(mask, match, op, sz, src, dst, ea, ea2) \
    { mask, match, M68K_OP_##op, sz, src, dst, ea, ea2, M68K_ON_010, { ILL, PRV } }

/* an immediate-to-<ea> group (ORI, ANDI, SUBI, ADDI, EORI, CMPI) */
#define IMMGRP(base, op) \
    I(0xFFC0, base | 0x00, op, B, O_IMM, O_EA, EDALT, 0), \
    I(0xFFC0, base | 0x40, op, W, O_IMM, O_EA, EDALT, 0), \
    I(0xFFC0, base | 0x80, op, L, O_IMM, O_EA, EDALT, 0)

/* a one-operand group (NEGX, CLR, NEG, NOT, TST) */
#define ONEGRP(base, op) \
    I(0xFFC0, base | 0x00, op, B, O_EA, O_NONE, EDALT, 0), \
    I(0xFFC0, base | 0x40, op, W, O_EA, O_NONE, EDALT, 0), \
    I(0xFFC0, base | 0x80, op, L, O_EA, O_NONE, EDALT, 0)

/* register shifts/rotates: type t (0 AS, 1 LS, 2 ROX, 3 RO), direction d (0 right, 1 left) */
#define SHGRP(t, d, op) \
    I(0xF1F8, 0xE000 | (d) << 8 | 0x00 | (t) << 3, op, B, O_Q3, O_DN0, 0, 0), \
    I(0xF1F8, 0xE000 | (d) << 8 | 0x40 | (t) << 3, op, W, O_Q3, O_DN0, 0, 0), \
    I(0xF1F8, 0xE000 | (d) << 8 | 0x80 | (t) << 3, op, L, O_Q3, O_DN0, 0, 0), \
    I(0xF1F8, 0xE020 | (d) << 8 | 0x00 | (t) << 3, op, B, O_DN, O_DN0, 0, 0), \
    I(0xF1F8, 0xE020 | (d) << 8 | 0x40 | (t) << 3, op, W, O_DN, O_DN0, 0, 0), \
    I(0xF1F8, 0xE020 | (d) << 8 | 0x80 | (t) << 3, op, L, O_DN, O_DN0, 0, 0), \
    I(0xFFC0, 0xE0C0 | (t) << 9 | (d) << 8, op, W, O_EA, O_NONE, EMALT, 0)

/* ADD/SUB family: line 0xD000 / 0x9000 */
#define ADDGRP(line, op, opa, opx) \
    I(0xF1C0, line | 0x000, op, B, O_EA, O_DN, EALL_B, 0), \
    I(0xF1C0, line | 0x040, op, W, O_EA, O_DN, EALL, 0), \
    I(0xF1C0, line | 0x080, op, L, O_EA, O_DN, EALL, 0), \
    I(0xF1C0, line | 0x100, op, B, O_DN, O_EA, EMALT, 0), \
    I(0xF1C0, line | 0x140, op, W, O_DN, O_EA, EMALT, 0), \
    I(0xF1C0, line | 0x180, op, L, O_DN, O_EA, EMALT, 0), \
    I(0xF1C0, line | 0x0C0, opa, W, O_EA, O_AN, EALL, 0), \
    I(0xF1C0, line | 0x1C0, opa, L, O_EA, O_AN, EALL, 0), \
    I(0xF1F8, line | 0x100, opx, B, O_DN0, O_DN, 0, 0), \
    I(0xF1F8, line | 0x140, opx, W, O_DN0, O_DN, 0, 0), \
    I(0xF1F8, line | 0x180, opx, L, O_DN0, O_DN, 0, 0), \
    I(0xF1F8, line | 0x108, opx, B, O_PD0, O_PD, 0, 0), \
    I(0xF1F8, line | 0x148, opx, W, O_PD0, O_PD, 0, 0), \
    I(0xF1F8, line | 0x188, opx, L, O_PD0, O_PD, 0, 0)

/* AND/OR: line 0xC000 / 0x8000 */
#define LOGGRP(line, op) \
    I(0xF1C0, line | 0x000, op, B, O_EA, O_DN, EDATA, 0), \
    I(0xF1C0, line | 0x040, op, W, O_EA, O_DN, EDATA, 0), \
    I(0xF1C0, line | 0x080, op, L, O_EA, O_DN, EDATA, 0), \
    I(0xF1C0, line | 0x100, op, B, O_DN, O_EA, EMALT, 0), \
    I(0xF1C0, line | 0x140, op, W, O_DN, O_EA, EMALT, 0), \
    I(0xF1C0, line | 0x180, op, L, O_DN, O_EA, EMALT, 0)

const m68k_insn m68k_insns[] = {
    /* ---- line 0: immediates, bit operations, MOVEP, MOVES ---------------- */
    I(0xFFFF, 0x003C, ORI_CCR, B, O_IMM, O_CCR, 0, 0),
    P(0xFFFF, 0x007C, ORI_SR, W, O_IMM, O_SR, 0, 0),
    I(0xFFFF, 0x023C, ANDI_CCR, B, O_IMM, O_CCR, 0, 0),
    P(0xFFFF, 0x027C, ANDI_SR, W, O_IMM, O_SR, 0, 0),
    I(0xFFFF, 0x0A3C, EORI_CCR, B, O_IMM, O_CCR, 0, 0),
    P(0xFFFF, 0x0A7C, EORI_SR, W, O_IMM, O_SR, 0, 0),
    IMMGRP(0x0000, ORI),
    IMMGRP(0x0200, ANDI),
    IMMGRP(0x0400, SUBI),
    IMMGRP(0x0600, ADDI),
    IMMGRP(0x0A00, EORI),
    IMMGRP(0x0C00, CMPI),
    /* MOVEP: 0000 ddd 1 oo 001 aaa (oo: 00 w m->r, 01 l m->r, 10 w r->m, 11 l r->m) */
    I(0xF1F8, 0x0108, MOVEP_MR, W, O_DI0, O_DN, 0, 0),
    I(0xF1F8, 0x0148, MOVEP_MR, L, O_DI0, O_DN, 0, 0),
    I(0xF1F8, 0x0188, MOVEP_RM, W, O_DN, O_DI0, 0, 0),
    I(0xF1F8, 0x01C8, MOVEP_RM, L, O_DN, O_DI0, 0, 0),
    /* dynamic bit operations: Dn long, memory byte */
    I(0xF1C0, 0x0100, BTST, L, O_DN, O_EA, EDN, 0),
    I(0xF1C0, 0x0100, BTST, B, O_DN, O_EA, EMEM, 0),
    I(0xF1C0, 0x0140, BCHG, L, O_DN, O_EA, EDN, 0),
    I(0xF1C0, 0x0140, BCHG, B, O_DN, O_EA, EMALT, 0),
    I(0xF1C0, 0x0180, BCLR, L, O_DN, O_EA, EDN, 0),
    I(0xF1C0, 0x0180, BCLR, B, O_DN, O_EA, EMALT, 0),
    I(0xF1C0, 0x01C0, BSET, L, O_DN, O_EA, EDN, 0),
    I(0xF1C0, 0x01C0, BSET, B, O_DN, O_EA, EMALT, 0),
    /* static bit operations */
    I(0xFFC0, 0x0800, BTST, L, O_IMM8, O_EA, EDN, 0),
    I(0xFFC0, 0x0800, BTST, B, O_IMM8, O_EA, EDATA_NOIMM & ~EDN, 0),
    I(0xFFC0, 0x0840, BCHG, L, O_IMM8, O_EA, EDN, 0),
    I(0xFFC0, 0x0840, BCHG, B, O_IMM8, O_EA, EMALT, 0),
    I(0xFFC0, 0x0880, BCLR, L, O_IMM8, O_EA, EDN, 0),
    I(0xFFC0, 0x0880, BCLR, B, O_IMM8, O_EA, EMALT, 0),
    I(0xFFC0, 0x08C0, BSET, L, O_IMM8, O_EA, EDN, 0),
    I(0xFFC0, 0x08C0, BSET, B, O_IMM8, O_EA, EMALT, 0),
    /* MOVES (68010): ext word bit 11 gives the direction */
    P10(0xFFC0, 0x0E00, MOVES, B, O_RN12, O_EA, EMALT, 0),
    P10(0xFFC0, 0x0E40, MOVES, W, O_RN12, O_EA, EMALT, 0),
    P10(0xFFC0, 0x0E80, MOVES, L, O_RN12, O_EA, EMALT, 0),

    /* ---- lines 1-3: MOVE, MOVEA ----------------------------------------- */
    I(0xF000, 0x1000, MOVE, B, O_EA, O_EA2, EALL_B, EDALT),
    I(0xF1C0, 0x2040, MOVEA, L, O_EA, O_AN, EALL, 0),
    I(0xF000, 0x2000, MOVE, L, O_EA, O_EA2, EALL, EDALT),
    I(0xF1C0, 0x3040, MOVEA, W, O_EA, O_AN, EALL, 0),
    I(0xF000, 0x3000, MOVE, W, O_EA, O_EA2, EALL, EDALT),

    /* ---- line 4: miscellaneous ------------------------------------------ */
    ONEGRP(0x4000, NEGX),
    C(0xFFC0, 0x40C0, MOVE_FROM_SR, W, O_SR, O_EA, EDALT, 0, MSE, PRV),
    I(0xF1C0, 0x4180, CHK, W, O_EA, O_DN, EDATA, 0),
    I(0xF1C0, 0x41C0, LEA, L, O_EA, O_AN, ECTRL, 0),
    ONEGRP(0x4200, CLR),
    I10(0xFFC0, 0x42C0, MOVE_FROM_CCR, W, O_CCR, O_EA, EDALT, 0),
    ONEGRP(0x4400, NEG),
    I(0xFFC0, 0x44C0, MOVE_TO_CCR, W, O_EA, O_CCR, EDATA, 0),
    ONEGRP(0x4600, NOT),
    P(0xFFC0, 0x46C0, MOVE_TO_SR, W, O_EA, O_SR, EDATA, 0),
    I(0xFFC0, 0x4800, NBCD, B, O_EA, O_NONE, EDALT, 0),
    I(0xFFF8, 0x4840, SWAP, W, O_DN0, O_NONE, 0, 0),
    I10(0xFFF8, 0x4848, BKPT, N, O_BKPT3, O_NONE, 0, 0),
    I(0xFFC0, 0x4840, PEA, L, O_EA, O_NONE, ECTRL, 0),
    I(0xFFF8, 0x4880, EXT, W, O_DN0, O_NONE, 0, 0),
    I(0xFFF8, 0x48C0, EXT, L, O_DN0, O_NONE, 0, 0),
    I(0xFFC0, 0x4880, MOVEM_RM, W, O_RL, O_EA, EMOVEM_RM, 0),
    I(0xFFC0, 0x48C0, MOVEM_RM, L, O_RL, O_EA, EMOVEM_RM, 0),
    I(0xFFFF, 0x4AFC, ILLEGAL_INSN, N, O_NONE, O_NONE, 0, 0),
    ONEGRP(0x4A00, TST),
    I(0xFFC0, 0x4AC0, TAS, B, O_EA, O_NONE, EDALT, 0),
    I(0xFFC0, 0x4C80, MOVEM_MR, W, O_EA, O_RL, EMOVEM_MR, 0),
    I(0xFFC0, 0x4CC0, MOVEM_MR, L, O_EA, O_RL, EMOVEM_MR, 0),
    I(0xFFF0, 0x4E40, TRAP, N, O_VEC4, O_NONE, 0, 0),
    I(0xFFF8, 0x4E50, LINK, W, O_AN0, O_LINKD, 0, 0),
    I(0xFFF8, 0x4E58, UNLK, N, O_AN0, O_NONE, 0, 0),
    P(0xFFF8, 0x4E60, MOVE_TO_USP, L, O_AN0, O_USP, 0, 0),
    P(0xFFF8, 0x4E68, MOVE_FROM_USP, L, O_USP, O_AN0, 0, 0),
    P(0xFFFF, 0x4E70, RESET, N, O_NONE, O_NONE, 0, 0),
    I(0xFFFF, 0x4E71, NOP, N, O_NONE, O_NONE, 0, 0),
    P(0xFFFF, 0x4E72, STOP, N, O_IMM16, O_NONE, 0, 0),
    P(0xFFFF, 0x4E73, RTE, N, O_NONE, O_NONE, 0, 0),
    I10(0xFFFF, 0x4E74, RTD, N, O_IMM16, O_NONE, 0, 0),
    I(0xFFFF, 0x4E75, RTS, N, O_NONE, O_NONE, 0, 0),
    I(0xFFFF, 0x4E76, TRAPV, N, O_NONE, O_NONE, 0, 0),
    I(0xFFFF, 0x4E77, RTR, N, O_NONE, O_NONE, 0, 0),
    P10(0xFFFF, 0x4E7A, MOVEC_RC, L, O_CTRL, O_RN12, 0, 0),
    P10(0xFFFF, 0x4E7B, MOVEC_CR, L, O_RN12, O_CTRL, 0, 0),
    I(0xFFC0, 0x4E80, JSR, N, O_EA, O_NONE, ECTRL, 0),
    I(0xFFC0, 0x4EC0, JMP, N, O_EA, O_NONE, ECTRL, 0),

    /* ---- line 5: ADDQ, SUBQ, Scc, DBcc ----------------------------------- */
    I(0xF0F8, 0x50C8, DBCC, W, O_DN0, O_DISP16, 0, 0),
    I(0xF0C0, 0x50C0, SCC, B, O_EA, O_NONE, EDALT, 0),
    I(0xF1C0, 0x5000, ADDQ, B, O_Q3, O_EA, EALT_B, 0),
    I(0xF1C0, 0x5040, ADDQ, W, O_Q3, O_EA, EALT, 0),
    I(0xF1C0, 0x5080, ADDQ, L, O_Q3, O_EA, EALT, 0),
    I(0xF1C0, 0x5100, SUBQ, B, O_Q3, O_EA, EALT_B, 0),
    I(0xF1C0, 0x5140, SUBQ, W, O_Q3, O_EA, EALT, 0),
    I(0xF1C0, 0x5180, SUBQ, L, O_Q3, O_EA, EALT, 0),

    /* ---- line 6: branches (8-bit displacement 0 means a 16-bit one) ------ */
    I(0xFF00, 0x6000, BRA, N, O_DISP, O_NONE, 0, 0),
    I(0xFF00, 0x6100, BSR, N, O_DISP, O_NONE, 0, 0),
    I(0xF000, 0x6000, BCC, N, O_DISP, O_NONE, 0, 0),

    /* ---- line 7: MOVEQ --------------------------------------------------- */
    I(0xF100, 0x7000, MOVEQ, L, O_Q8, O_DN, 0, 0),

    /* ---- line 8: OR, DIVU, DIVS, SBCD ------------------------------------ */
    I(0xF1C0, 0x80C0, DIVU, W, O_EA, O_DN, EDATA, 0),
    I(0xF1C0, 0x81C0, DIVS, W, O_EA, O_DN, EDATA, 0),
    I(0xF1F8, 0x8100, SBCD, B, O_DN0, O_DN, 0, 0),
    I(0xF1F8, 0x8108, SBCD, B, O_PD0, O_PD, 0, 0),
    LOGGRP(0x8000, OR),

    /* ---- line 9: SUB, SUBA, SUBX ----------------------------------------- */
    ADDGRP(0x9000, SUB, SUBA, SUBX),

    /* ---- line A: unimplemented (vector 10) ------------------------------- */
    C(0xF000, 0xA000, LINEA, N, O_NONE, O_NONE, 0, 0, ILL, ILL),

    /* ---- line B: CMP, CMPA, CMPM, EOR ------------------------------------ */
    I(0xF1C0, 0xB000, CMP, B, O_EA, O_DN, EALL_B, 0),
    I(0xF1C0, 0xB040, CMP, W, O_EA, O_DN, EALL, 0),
    I(0xF1C0, 0xB080, CMP, L, O_EA, O_DN, EALL, 0),
    I(0xF1C0, 0xB0C0, CMPA, W, O_EA, O_AN, EALL, 0),
    I(0xF1C0, 0xB1C0, CMPA, L, O_EA, O_AN, EALL, 0),
    I(0xF1F8, 0xB108, CMPM, B, O_PI0, O_PI, 0, 0),
    I(0xF1F8, 0xB148, CMPM, W, O_PI0, O_PI, 0, 0),
    I(0xF1F8, 0xB188, CMPM, L, O_PI0, O_PI, 0, 0),
    I(0xF1C0, 0xB100, EOR, B, O_DN, O_EA, EDALT, 0),
    I(0xF1C0, 0xB140, EOR, W, O_DN, O_EA, EDALT, 0),
    I(0xF1C0, 0xB180, EOR, L, O_DN, O_EA, EDALT, 0),

    /* ---- line C: AND, MULU, MULS, ABCD, EXG ------------------------------ */
    I(0xF1C0, 0xC0C0, MULU, W, O_EA, O_DN, EDATA, 0),
    I(0xF1C0, 0xC1C0, MULS, W, O_EA, O_DN, EDATA, 0),
    I(0xF1F8, 0xC100, ABCD, B, O_DN0, O_DN, 0, 0),
    I(0xF1F8, 0xC108, ABCD, B, O_PD0, O_PD, 0, 0),
    I(0xF1F8, 0xC140, EXG, L, O_DN, O_DN0, 0, 0),
    I(0xF1F8, 0xC148, EXG, L, O_AN, O_AN0, 0, 0),
    I(0xF1F8, 0xC188, EXG, L, O_DN, O_AN0, 0, 0),
    LOGGRP(0xC000, AND),

    /* ---- line D: ADD, ADDA, ADDX ----------------------------------------- */
    ADDGRP(0xD000, ADD, ADDA, ADDX),

    /* ---- line E: shifts and rotates -------------------------------------- */
    SHGRP(0, 1, ASL), SHGRP(0, 0, ASR),
    SHGRP(1, 1, LSL), SHGRP(1, 0, LSR),
    SHGRP(2, 1, ROXL), SHGRP(2, 0, ROXR),
    SHGRP(3, 1, ROL), SHGRP(3, 0, ROR),

    /* ---- line F: unimplemented (vector 11) ------------------------------- */
    C(0xF000, 0xF000, LINEF, N, O_NONE, O_NONE, 0, 0, ILL, ILL),
};
const int m68k_ninsns = (int)(sizeof m68k_insns / sizeof m68k_insns[0]);

const char *const m68k_op_names[M68K_OP_COUNT] = {
#define OP_NAME(id, name, title, gnu, sfx, cond, pick, h, save, g0, flow) [M68K_OP_##id] = name,
    M68K_OPS(OP_NAME)
#undef OP_NAME
};

const char *const m68k_op_titles[M68K_OP_COUNT] = {
#define OP_TITLE(id, name, title, gnu, sfx, cond, pick, h, save, g0, flow) [M68K_OP_##id] = title,
    M68K_OPS(OP_TITLE)
#undef OP_TITLE
};

const char *const m68k_cond_names[16] = {
    "t", "f", "hi", "ls", "cc", "cs", "ne", "eq", "vc", "vs", "pl", "mi", "ge", "lt", "gt", "le",
};

/* Does the word satisfy the EA constraints of the entry? */
static int ea_ok(const m68k_insn *in, unsigned w) {
    if (in->src == M68K_OPD_EA || in->dst == M68K_OPD_EA) {
        if (!(m68k_ea_bit(w & 0x3F) & in->ea)) return 0;
    }
    if (in->dst == M68K_OPD_EA2) {
        unsigned ea6 = ((w >> 6) & 7) << 3 | ((w >> 9) & 7);
        if (!(m68k_ea_bit(ea6) & in->ea2)) return 0;
    }
    return 1;
}

static const m68k_insn *decode_scan(int variant, unsigned w) {
    unsigned bit = variant == M68K_68010 ? M68K_ON_010 : M68K_ON_000;
    for (int i = 0; i < m68k_ninsns; i++) {
        const m68k_insn *in = &m68k_insns[i];
        if ((w & in->mask) != in->match) continue;
        if (!(in->models & bit)) continue;
        if (!ea_ok(in, w)) continue;
        return in;
    }
    return NULL;
}

const m68k_insn *m68k_decode_word(int variant, uint16_t word) {
    if (variant < 0 || variant >= M68K_NMODELS) return NULL;
    return decode_scan(variant, word);
}

int m68k_ea_ext_bytes(unsigned ea6, int size) {
    unsigned mode = (ea6 >> 3) & 7, reg = ea6 & 7;
    switch (mode) {
    case 5: case 6: return 2;
    case 7:
        switch (reg) {
        case 0: case 2: case 3: return 2;
        case 1: return 4;
        case 4: return size == M68K_SZ_L ? 4 : 2;
        default: return 0;
        }
    default: return 0;
    }
}

static int opd_bytes(const m68k_insn *in, int opd, unsigned w) {
    switch (opd) {
    case M68K_OPD_EA: return m68k_ea_ext_bytes(w & 0x3F, in->size);
    case M68K_OPD_EA2: return m68k_ea_ext_bytes(((w >> 6) & 7) << 3 | ((w >> 9) & 7), in->size);
    case M68K_OPD_IMM: return in->size == M68K_SZ_L ? 4 : 2;
    case M68K_OPD_IMM16: case M68K_OPD_IMM8: case M68K_OPD_DI0: case M68K_OPD_DISP16:
    case M68K_OPD_LINKD: case M68K_OPD_REGLIST:
        return 2;
    case M68K_OPD_DISP: return (w & 0xFF) == 0 ? 2 : 0;
    case M68K_OPD_CTRL: return 2;  /* MOVEC: the one extension word */
    case M68K_OPD_RN12: return in->op == M68K_OP_MOVES ? 2 : 0; /* MOVEC counted by CTRL */
    default: return 0;
    }
}

int m68k_insn_length(const m68k_insn *in, uint16_t word) {
    if (!in) return 0;
    return 2 + opd_bytes(in, in->src, word) + opd_bytes(in, in->dst, word);
}

/* ---- decode metadata (vl_cpu_ops.decode) ------------------------------------ */
static const uint8_t op_flow[M68K_OP_COUNT] = {
#define OP_FLOW(id, name, title, gnu, sfx, cond, pick, h, save, g0, flow) [M68K_OP_##id] = VL_FLOW_##flow,
    M68K_OPS(OP_FLOW)
#undef OP_FLOW
};

/* The destination named by operand opd, whose extension words start at
 * bytes[off]: a displacement from the word after the opcode, or an EA that
 * is absolute or d16(PC). 1 with *t; 0 when the bytes stop short; -1 when
 * it is computed from registers or memory when the instruction runs. */
static int operand_target(int opd, uint16_t w, const uint8_t *bytes, size_t len, size_t off,
                          uint32_t addr, uint32_t *t) {
    if (opd == M68K_OPD_DISP && (w & 0xFF)) {
        *t = addr + 2 + (uint32_t)(int32_t)(int8_t)w;
        return 1;
    }
    unsigned ea6 = w & 0x3F;
    if (opd == M68K_OPD_EA && ea6 != 0x38 && ea6 != 0x39 && ea6 != 0x3A) return -1;
    if (off + (opd == M68K_OPD_EA && ea6 == 0x39 ? 4 : 2) > len) return 0;
    int32_t x = (int16_t)vl_be16(bytes + off);
    if (opd != M68K_OPD_EA) *t = addr + 2 + (uint32_t)x;                 /* Bcc/BSR/DBcc */
    else if (ea6 == 0x38) *t = (uint32_t)x;                               /* abs.w */
    else if (ea6 == 0x39) *t = (uint32_t)x << 16 | vl_be16(bytes + off + 2); /* abs.l */
    else *t = addr + (uint32_t)off + (uint32_t)x;                         /* d16(PC) */
    return 1;
}

/* The target of a control transfer: its displacement operand, or the EA of
 * a jump or call (operand_target's answer, -1 without one). Extension words
 * follow the opcode in operand order (the leading MOVEM/MOVEC/MOVES words
 * never meet a branch operand). */
static int static_target(const m68k_insn *in, int flow, uint16_t w, const uint8_t *bytes, size_t len,
                         uint32_t addr, uint32_t *t) {
    const int opds[2] = { in->src, in->dst };
    size_t off = 2;
    for (int i = 0; i < 2; i++) {
        int k = opds[i];
        if (k == M68K_OPD_DISP || k == M68K_OPD_DISP16 ||
            (k == M68K_OPD_EA && (flow == VL_FLOW_JUMP || flow == VL_FLOW_CALL)))
            return operand_target(k, w, bytes, len, off, addr, t);
        off += (size_t)opd_bytes(in, k, w);
    }
    return -1;
}

void m68k_decode_info(int variant, const uint8_t *bytes, size_t len, uint32_t addr, vl_decode_info *out) {
    out->length = 0;
    out->cls = VL_CLASS_ILLEGAL;
    out->mnemonic = NULL;
    out->form = -1;
    out->flow = VL_FLOW_NONE;
    out->has_target = false;
    out->target = 0;
    if (len < 2 || variant < 0 || variant >= M68K_NMODELS) return;
    uint16_t w = (uint16_t)(bytes[0] << 8 | bytes[1]);
    const m68k_insn *in = m68k_decode_word(variant, w);
    if (!in) {
        out->mnemonic = "illegal";
        out->flow = op_flow[M68K_OP_ILLEGAL];
        return;
    }
    out->length = m68k_insn_length(in, w);
    out->cls = in->cls[variant];
    out->mnemonic = m68k_op_names[in->op];
    out->form = (int)(in - m68k_insns);
    out->flow = op_flow[in->op];
    int known = out->flow == VL_FLOW_NONE ? -1 : static_target(in, out->flow, w, bytes, len, addr, &out->target);
    out->has_target = known > 0;
    if (out->flow == VL_FLOW_JUMP && known < 0) out->flow = VL_FLOW_INDIRECT;
}
