/* ops.h - the 68000/68010 operations, one row each (the style of Lua's
 * lopcodes.h): every file that needs to know something about an operation
 * as a whole reads it from its row here, never from a list of its own, so
 * that adding an operation is adding one row, and a row with a column
 * missing does not compile. The enum m68k_op (m68k.h), the name tables
 * (decode.c), the GNU spelling (disasm.c), the handler pick, the intercept
 * save rule, the group-0 stacked-PC rule (exec.c) and the control-flow kind
 * (decode.c) are all expansions of M68K_OPS. Encodings, sizes, operand kinds
 * and classes are per form, in the decode table m68k_insns (decode.c).
 *
 * X(ID, name, title, gnu, sfx, cond, pick, h, save, g0, flow)
 *   ID     M68K_OP_<ID>; rows are in enum order (ILLEGAL = 0 first)
 *   name   m68k_op_names: the table mnemonic ("bcc", ".short" for line A/F)
 *   title  m68k_op_titles: the manual's name in lower case ("move from sr")
 *   gnu    GNU base mnemonic, the condition follows when `cond` ("b" +
 *          "eq"); NULL where GNU has no spelling (printed as .short)
 *   sfx    GNU size suffix: 'n' none, 'b'/'w'/'l' fixed, 'z' from the
 *          entry's size, 'j' branch s/w from the displacement
 *   cond   1: condition code in bits 11..8 (Bcc, DBcc, Scc)
 *   pick   how exec.c picks the handler h_<h>... for an entry (PICK_<pick>):
 *          ONE h; SZ by size _b/_w/_l; WL by size _w/_l; DIR <ea>,Dn
 *          _ea_dn or Dn,<ea> _dn_ea (sized); RM register _r or memory _m
 *          form (sized), RM1 the same unsized; SH quick _i, register _r
 *          (sized) or memory _m; BIT static _s or dynamic _d (each per
 *          mode of the EA field, as ONEE); EXG _dd,
 *          _aa or _da; specialised for speed (exec.c, EM_OP): ONEE, SZE,
 *          WLE, DIRE as ONE, SZ, WL, DIR with a handler per mode of the
 *          EA field, MOVE per size, source and destination mode, CC per
 *          condition code; BR and CCB as ONE and CC, with a second
 *          handler for an 8-bit displacement that is even and not -2
 *          (h_<h>_s, h_<h>_s_c: the target can be neither odd nor the
 *          instruction itself, which they need not check), and CCB a
 *          third for a 16-bit displacement (h_<h>_w_c); Q by the sign
 *          of the data in bits 7..0 (h_<h>_n, _z, _p)
 *   save   what the intercepting loop saves before it (SV_<save>, exec.c)
 *   g0     which PC a 68000 stacks on an address/bus error (G0_<g0>, exec.c)
 *   flow   enum vl_flow (core.h) when the instruction is taken; JUMP and
 *          CALL through an EA without a static target are indirect */
#ifndef VL_M68K_OPS_H
#define VL_M68K_OPS_H

#define M68K_OPS(X) \
    X(ILLEGAL,       "illegal?", "illegal?",      NULL,      'z', 0, ONE,  illegal,      FULL,    EA,    TRAP)     \
    /* data movement */                                                                                          \
    X(MOVE,          "move",     "move",          "move",    'z', 0, MOVE, move,         MOVE,    MOVE,  NONE)     \
    X(MOVEA,         "movea",    "movea",         "movea",   'z', 0, WLE,  movea,        READ,    EA,    NONE)     \
    X(MOVEQ,         "moveq",    "moveq",         "moveq",   'n', 0, Q,    moveq,        NONE,    EA,    NONE)     \
    X(MOVEM_RM,      "movem",    "movem",         "movem",   'z', 0, WLE,  movem_rm,     NONE,    PLUS2, NONE)     \
    X(MOVEM_MR,      "movem",    "movem",         "movem",   'z', 0, WLE,  movem_mr,     FULL,    PLUS2, NONE)     \
    X(MOVEP_RM,      "movep",    "movep",         "movep",   'z', 0, WL,   movep_rm,     NONE,    EA,    NONE)     \
    X(MOVEP_MR,      "movep",    "movep",         "movep",   'z', 0, WL,   movep_mr,     NONE,    EA,    NONE)     \
    X(LEA,           "lea",      "lea",           "lea",     'n', 0, ONEE, lea,          NONE,    EA,    NONE)     \
    X(PEA,           "pea",      "pea",           "pea",     'n', 0, ONEE, pea,          SP,      EA,    NONE)     \
    X(EXG,           "exg",      "exg",           "exg",     'n', 0, EXG,  exg,          NONE,    EA,    NONE)     \
    X(SWAP,          "swap",     "swap",          "swap",    'n', 0, ONE,  swap,         NONE,    EA,    NONE)     \
    X(LINK,          "link",     "link",          "link",    'w', 0, ONE,  link,         PART,    EA,    NONE)     \
    X(UNLK,          "unlk",     "unlk",          "unlk",    'n', 0, ONE,  unlk,         NONE,    PLUS2, NONE)     \
    X(CLR,           "clr",      "clr",           "clr",     'z', 0, SZE,  clr,          RMW,     EA,    NONE)     \
    X(EXT,           "ext",      "ext",           "ext",     'z', 0, WL,   ext,          NONE,    EA,    NONE)     \
    X(SCC,           "scc",      "scc",           "s",       'n', 1, CC,   scc,          RMW,     EA,    NONE)     \
    X(TAS,           "tas",      "tas",           "tas",     'n', 0, ONE,  tas,          RMW,     EA,    NONE)     \
    X(TST,           "tst",      "tst",           "tst",     'z', 0, SZE,  tst,          READ,    EA,    NONE)     \
    /* arithmetic */                                                                                             \
    X(ADD,           "add",      "add",           "add",     'z', 0, DIRE, add,          ALU,     EA,    NONE)     \
    X(ADDA,          "adda",     "adda",          "adda",    'z', 0, WLE,  adda,         READ,    EA,    NONE)     \
    X(ADDI,          "addi",     "addi",          "addi",    'z', 0, SZE,  addi,         RMW,     EA,    NONE)     \
    X(ADDQ,          "addq",     "addq",          "addq",    'z', 0, SZE,  addq,         RMW,     EA,    NONE)     \
    X(ADDX,          "addx",     "addx",          "addx",    'z', 0, RM,   addx,         MEMFORM, PLUS2, NONE)     \
    X(SUB,           "sub",      "sub",           "sub",     'z', 0, DIRE, sub,          ALU,     EA,    NONE)     \
    X(SUBA,          "suba",     "suba",          "suba",    'z', 0, WLE,  suba,         READ,    EA,    NONE)     \
    X(SUBI,          "subi",     "subi",          "subi",    'z', 0, SZE,  subi,         RMW,     EA,    NONE)     \
    X(SUBQ,          "subq",     "subq",          "subq",    'z', 0, SZE,  subq,         RMW,     EA,    NONE)     \
    X(SUBX,          "subx",     "subx",          "subx",    'z', 0, RM,   subx,         MEMFORM, PLUS2, NONE)     \
    X(CMP,           "cmp",      "cmp",           "cmp",     'z', 0, SZE,  cmp_ea_dn,    READ,    EA,    NONE)     \
    X(CMPA,          "cmpa",     "cmpa",          "cmpa",    'z', 0, WLE,  cmpa,         READ,    EA,    NONE)     \
    X(CMPI,          "cmpi",     "cmpi",          "cmpi",    'z', 0, SZE,  cmpi,         RMW,     EA,    NONE)     \
    X(CMPM,          "cmpm",     "cmpm",          "cmpm",    'z', 0, SZ,   cmpm,         PART,    PLUS2, NONE)     \
    X(NEG,           "neg",      "neg",           "neg",     'z', 0, SZE,  neg,          RMW,     EA,    NONE)     \
    X(NEGX,          "negx",     "negx",          "negx",    'z', 0, SZE,  negx,         RMW,     EA,    NONE)     \
    X(MULU,          "mulu",     "mulu",          "mulu",    'w', 0, ONEE, mulu,         READ,    EA,    NONE)     \
    X(MULS,          "muls",     "muls",          "muls",    'w', 0, ONEE, muls,         READ,    EA,    NONE)     \
    X(DIVU,          "divu",     "divu",          "divu",    'w', 0, ONE,  divu,         PART,    EA,    NONE)     \
    X(DIVS,          "divs",     "divs",          "divs",    'w', 0, ONE,  divs,         PART,    EA,    NONE)     \
    X(ABCD,          "abcd",     "abcd",          "abcd",    'n', 0, RM1,  abcd,         MEMFORM, PLUS2, NONE)     \
    X(SBCD,          "sbcd",     "sbcd",          "sbcd",    'n', 0, RM1,  sbcd,         MEMFORM, PLUS2, NONE)     \
    X(NBCD,          "nbcd",     "nbcd",          "nbcd",    'n', 0, ONE,  nbcd,         RMW,     EA,    NONE)     \
    X(CHK,           "chk",      "chk",           "chk",     'w', 0, ONE,  chk,          PART,    EA,    TRAP)     \
    /* logic */                                                                                                  \
    X(AND,           "and",      "and",           "and",     'z', 0, DIRE, and,          ALU,     EA,    NONE)     \
    X(ANDI,          "andi",     "andi",          "andi",    'z', 0, SZE,  andi,         RMW,     EA,    NONE)     \
    X(OR,            "or",       "or",            "or",      'z', 0, DIRE, or,           ALU,     EA,    NONE)     \
    X(ORI,           "ori",      "ori",           "ori",     'z', 0, SZE,  ori,          RMW,     EA,    NONE)     \
    X(EOR,           "eor",      "eor",           "eor",     'z', 0, SZE,  eor_dn_ea,    RMW,     EA,    NONE)     \
    X(EORI,          "eori",     "eori",          "eori",    'z', 0, SZE,  eori,         RMW,     EA,    NONE)     \
    X(NOT,           "not",      "not",           "not",     'z', 0, SZE,  not,          RMW,     EA,    NONE)     \
    /* shifts: register forms (count in bits 11..9 or Dn) and memory forms (by 1) */                            \
    X(ASL,           "asl",      "asl",           "asl",     'z', 0, SH,   asl,          MEMFORM, EA,    NONE)     \
    X(ASR,           "asr",      "asr",           "asr",     'z', 0, SH,   asr,          MEMFORM, EA,    NONE)     \
    X(LSL,           "lsl",      "lsl",           "lsl",     'z', 0, SH,   lsl,          MEMFORM, EA,    NONE)     \
    X(LSR,           "lsr",      "lsr",           "lsr",     'z', 0, SH,   lsr,          MEMFORM, EA,    NONE)     \
    X(ROXL,          "roxl",     "roxl",          "roxl",    'z', 0, SH,   roxl,         MEMFORM, EA,    NONE)     \
    X(ROXR,          "roxr",     "roxr",          "roxr",    'z', 0, SH,   roxr,         MEMFORM, EA,    NONE)     \
    X(ROL,           "rol",      "rol",           "rol",     'z', 0, SH,   rol,          MEMFORM, EA,    NONE)     \
    X(ROR,           "ror",      "ror",           "ror",     'z', 0, SH,   ror,          MEMFORM, EA,    NONE)     \
    /* bits */                                                                                                   \
    X(BTST,          "btst",     "btst",          "btst",    'n', 0, BIT,  btst,         RMW,     EA,    NONE)     \
    X(BCHG,          "bchg",     "bchg",          "bchg",    'n', 0, BIT,  bchg,         RMW,     EA,    NONE)     \
    X(BCLR,          "bclr",     "bclr",          "bclr",    'n', 0, BIT,  bclr,         RMW,     EA,    NONE)     \
    X(BSET,          "bset",     "bset",          "bset",    'n', 0, BIT,  bset,         RMW,     EA,    NONE)     \
    /* control flow */                                                                                           \
    X(BCC,           "bcc",      "bcc",           "b",       'j', 1, CCB,  bcc,          NONE,    EA,    BRANCH)   \
    X(BRA,           "bra",      "bra",           "bra",     'j', 0, BR,   bra,          NONE,    EA,    JUMP)     \
    X(BSR,           "bsr",      "bsr",           "bsr",     'j', 0, BR,   bsr,          SP,      EA,    CALL)     \
    X(DBCC,          "dbcc",     "dbcc",          "db",      'n', 1, CC,   dbcc,         NONE,    EA,    BRANCH)   \
    X(JMP,           "jmp",      "jmp",           "jmp",     'n', 0, ONEE, jmp,          NONE,    EA,    JUMP)     \
    X(JSR,           "jsr",      "jsr",           "jsr",     'n', 0, ONEE, jsr,          SP,      EA,    CALL)     \
    X(RTS,           "rts",      "rts",           "rts",     'n', 0, ONE,  rts,          SP,      EA,    RETURN)   \
    X(RTR,           "rtr",      "rtr",           "rtr",     'n', 0, ONE,  rtr,          PART,    EA,    RETURN)   \
    X(RTD,           "rtd",      "rtd",           "rtd",     'n', 0, ONE,  rtd,          SP,      EA,    RETURN)   \
    X(NOP,           "nop",      "nop",           "nop",     'n', 0, ONE,  nop,          NONE,    EA,    NONE)     \
    X(TRAP,          "trap",     "trap",          "trap",    'n', 0, ONE,  trap,         NONE,    EA,    TRAP)     \
    X(TRAPV,         "trapv",    "trapv",         "trapv",   'n', 0, ONE,  trapv,        NONE,    EA,    TRAP)     \
    X(ILLEGAL_INSN,  "illegal",  "illegal",       "illegal", 'n', 0, ONE,  illegal,      NONE,    EA,    TRAP)     \
    X(BKPT,          "bkpt",     "bkpt",          "bkpt",    'n', 0, ONE,  bkpt,         NONE,    EA,    TRAP)     \
    X(LINEA,         ".short",   "line a",        NULL,      'z', 0, ONE,  linea,        NONE,    EA,    TRAP)     \
    X(LINEF,         ".short",   "line f",        NULL,      'z', 0, ONE,  linef,        NONE,    EA,    TRAP)     \
    /* status register and system */                                                                            \
    X(MOVE_FROM_SR,  "move",     "move from sr",  "move",    'w', 0, ONE,  move_from_sr, RMW,     EA,    NONE)     \
    X(MOVE_FROM_CCR, "move",     "move from ccr", "move",    'w', 0, ONE,  move_from_ccr, RMW,     EA,    NONE)     \
    X(MOVE_TO_CCR,   "move",     "move to ccr",   "move",    'w', 0, ONE,  move_to_ccr,  RMW,     EA,    NONE)     \
    X(MOVE_TO_SR,    "move",     "move to sr",    "move",    'w', 0, ONE,  move_to_sr,   RMW,     EA,    NONE)     \
    X(ANDI_CCR,      "andi",     "andi to ccr",   "andi",    'b', 0, ONE,  andi_ccr,     NONE,    EA,    NONE)     \
    X(ORI_CCR,       "ori",      "ori to ccr",    "ori",     'b', 0, ONE,  ori_ccr,      NONE,    EA,    NONE)     \
    X(EORI_CCR,      "eori",     "eori to ccr",   "eori",    'b', 0, ONE,  eori_ccr,     NONE,    EA,    NONE)     \
    X(ANDI_SR,       "andi",     "andi to sr",    "andi",    'w', 0, ONE,  andi_sr,      NONE,    EA,    NONE)     \
    X(ORI_SR,        "ori",      "ori to sr",     "ori",     'w', 0, ONE,  ori_sr,       NONE,    EA,    NONE)     \
    X(EORI_SR,       "eori",     "eori to sr",    "eori",    'w', 0, ONE,  eori_sr,      NONE,    EA,    NONE)     \
    X(MOVE_TO_USP,   "move",     "move usp",      "move",    'l', 0, ONE,  move_to_usp,  NONE,    EA,    NONE)     \
    X(MOVE_FROM_USP, "move",     "move usp",      "move",    'l', 0, ONE,  move_from_usp, NONE,    EA,    NONE)     \
    X(RTE,           "rte",      "rte",           "rte",     'n', 0, ONE,  rte,          FULL,    EA,    ERET)     \
    X(STOP,          "stop",     "stop",          "stop",    'n', 0, ONE,  stop,         NONE,    EA,    HALT)     \
    X(RESET,         "reset",    "reset",         "reset",   'n', 0, ONE,  reset,        NONE,    EA,    NONE)     \
    X(MOVEC_RC,      "movec",    "movec",         "movec",   'n', 0, ONE,  movec,        NONE,    EA,    NONE)     \
    X(MOVEC_CR,      "movec",    "movec",         "movec",   'n', 0, ONE,  movec,        NONE,    EA,    NONE)     \
    X(MOVES,         "moves",    "moves",         "moves",   'z', 0, SZ,   moves,        RMW,     EA,    NONE)

#endif
