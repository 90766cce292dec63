/* sprs.h - the special-purpose registers of the 750, one row each: the
 * only place that knows an SPR. decode.c expands it into ppc_sprs[] (read
 * by mfspr/mtspr, the class of mfspr/mtspr words, the assembler and the
 * sweep), disasm.c into the mfXXX/mtXXX extended mnemonics objdump prints,
 * exec.c into the register view (regs/reg_get/reg_set). Privilege is not a
 * column: an SPR is privileged when spr & 0x10 (ppc_spr_privileged).
 *
 * X(num, name, access, where, wmask, spell, view)
 *   access R, W or RW: what mfspr/mtspr may do with this number (the time
 *          base is read at 268/269 and written at 284/285)
 *   where  where the value lives: FIELD(m) the ppc_cpu member m; FLUSH(m)
 *          the same, and a write forgets cached translations; DEC, TBL,
 *          TBU the decrementer and time base, functions of the icount
 *   wmask  the bits a write keeps (reserved bits read as 0)
 *   spell  objdump's extended mnemonics: MFMT mf<name> and mt<name>, MF or
 *          MT only one of them, SPRG mfsprg n / mtsprg n (mfsprg<n> is
 *          accepted too), NONE (the BATs' mfibatu n... and mftb are
 *          spelled by family in disasm.c)
 *   view   the register view (ppc_ops.regs): REG after cr, in row order,
 *          REG_RO the same but read-only, REG_LATE after the segment
 *          registers, NOREG not shown */
#ifndef VL_PPC_SPRS_H
#define VL_PPC_SPRS_H

#define PPC_SPRS(X) \
    /* the register view's SPRs first, in its order */                             \
    X(1,    "xer",    RW, FIELD(xer),     0xE000007Fu, MFMT, REG)                \
    X(8,    "lr",     RW, FIELD(lr),      0xFFFFFFFFu, MFMT, REG)                \
    X(9,    "ctr",    RW, FIELD(ctr),     0xFFFFFFFFu, MFMT, REG)                \
    X(26,   "srr0",   RW, FIELD(srr0),    0xFFFFFFFFu, MFMT, REG)                \
    X(27,   "srr1",   RW, FIELD(srr1),    0xFFFFFFFFu, MFMT, REG)                \
    X(272,  "sprg0",  RW, FIELD(sprg[0]), 0xFFFFFFFFu, SPRG, REG)                \
    X(273,  "sprg1",  RW, FIELD(sprg[1]), 0xFFFFFFFFu, SPRG, REG)                \
    X(274,  "sprg2",  RW, FIELD(sprg[2]), 0xFFFFFFFFu, SPRG, REG)                \
    X(275,  "sprg3",  RW, FIELD(sprg[3]), 0xFFFFFFFFu, SPRG, REG)                \
    X(22,   "dec",    RW, DEC,            0xFFFFFFFFu, MFMT, REG)                \
    X(25,   "sdr1",   RW, FLUSH(sdr1),    0xFFFF01FFu, MFMT, REG)                \
    X(19,   "dar",    RW, FIELD(dar),     0xFFFFFFFFu, MFMT, REG)                \
    X(18,   "dsisr",  RW, FIELD(dsisr),   0xFFFFFFFFu, MFMT, REG)                \
    X(287,  "pvr",    R,  FIELD(pvr),     0xFFFFFFFFu, MF,   REG_RO)             \
    X(268,  "tbl",    R,  TBL,            0xFFFFFFFFu, NONE, REG)                \
    X(269,  "tbu",    R,  TBU,            0xFFFFFFFFu, NONE, REG)                \
    X(1008, "hid0",   RW, FIELD(hid0),    0xFFFFFFFFu, MFMT, REG)                \
    /* the rest */                                                                  \
    X(282,  "ear",    RW, FIELD(ear),     0x8000003Fu, MFMT, NOREG)              \
    X(284,  "tbl",    W,  TBL,            0xFFFFFFFFu, MT,   NOREG)              \
    X(285,  "tbu",    W,  TBU,            0xFFFFFFFFu, MT,   NOREG)              \
    X(528,  "ibat0u", RW, FLUSH(ibat[0]), 0xFFFFFFFFu, NONE, REG_LATE)           \
    X(529,  "ibat0l", RW, FLUSH(ibat[1]), 0xFFFFFFFFu, NONE, REG_LATE)           \
    X(530,  "ibat1u", RW, FLUSH(ibat[2]), 0xFFFFFFFFu, NONE, REG_LATE)           \
    X(531,  "ibat1l", RW, FLUSH(ibat[3]), 0xFFFFFFFFu, NONE, REG_LATE)           \
    X(532,  "ibat2u", RW, FLUSH(ibat[4]), 0xFFFFFFFFu, NONE, REG_LATE)           \
    X(533,  "ibat2l", RW, FLUSH(ibat[5]), 0xFFFFFFFFu, NONE, REG_LATE)           \
    X(534,  "ibat3u", RW, FLUSH(ibat[6]), 0xFFFFFFFFu, NONE, REG_LATE)           \
    X(535,  "ibat3l", RW, FLUSH(ibat[7]), 0xFFFFFFFFu, NONE, REG_LATE)           \
    X(536,  "dbat0u", RW, FLUSH(dbat[0]), 0xFFFFFFFFu, NONE, REG_LATE)           \
    X(537,  "dbat0l", RW, FLUSH(dbat[1]), 0xFFFFFFFFu, NONE, REG_LATE)           \
    X(538,  "dbat1u", RW, FLUSH(dbat[2]), 0xFFFFFFFFu, NONE, REG_LATE)           \
    X(539,  "dbat1l", RW, FLUSH(dbat[3]), 0xFFFFFFFFu, NONE, REG_LATE)           \
    X(540,  "dbat2u", RW, FLUSH(dbat[4]), 0xFFFFFFFFu, NONE, REG_LATE)           \
    X(541,  "dbat2l", RW, FLUSH(dbat[5]), 0xFFFFFFFFu, NONE, REG_LATE)           \
    X(542,  "dbat3u", RW, FLUSH(dbat[6]), 0xFFFFFFFFu, NONE, REG_LATE)           \
    X(543,  "dbat3l", RW, FLUSH(dbat[7]), 0xFFFFFFFFu, NONE, REG_LATE)           \
    /* performance monitor: user read-only copies at 936..942 */                  \
    X(936,  "ummcr0", R,  FIELD(mmcr[0]), 0xFFFFFFFFu, MFMT, NOREG)              \
    X(937,  "upmc1",  R,  FIELD(pmc[0]),  0xFFFFFFFFu, MFMT, NOREG)              \
    X(938,  "upmc2",  R,  FIELD(pmc[1]),  0xFFFFFFFFu, MFMT, NOREG)              \
    X(939,  "usia",   R,  FIELD(sia),     0xFFFFFFFFu, MFMT, NOREG)              \
    X(940,  "ummcr1", R,  FIELD(mmcr[1]), 0xFFFFFFFFu, MFMT, NOREG)              \
    X(941,  "upmc3",  R,  FIELD(pmc[2]),  0xFFFFFFFFu, MFMT, NOREG)              \
    X(942,  "upmc4",  R,  FIELD(pmc[3]),  0xFFFFFFFFu, MFMT, NOREG)              \
    X(952,  "mmcr0",  RW, FIELD(mmcr[0]), 0xFFFFFFFFu, MFMT, NOREG)              \
    X(953,  "pmc1",   RW, FIELD(pmc[0]),  0xFFFFFFFFu, MFMT, NOREG)              \
    X(954,  "pmc2",   RW, FIELD(pmc[1]),  0xFFFFFFFFu, MFMT, NOREG)              \
    X(955,  "sia",    RW, FIELD(sia),     0xFFFFFFFFu, MFMT, NOREG)              \
    X(956,  "mmcr1",  RW, FIELD(mmcr[1]), 0xFFFFFFFFu, MFMT, NOREG)              \
    X(957,  "pmc3",   RW, FIELD(pmc[2]),  0xFFFFFFFFu, MFMT, NOREG)              \
    X(958,  "pmc4",   RW, FIELD(pmc[3]),  0xFFFFFFFFu, MFMT, NOREG)              \
    X(1009, "hid1",   RW, FIELD(hid1),    0xFFFFFFFFu, MFMT, NOREG)              \
    X(1010, "iabr",   RW, FIELD(iabr),    0xFFFFFFFFu, MFMT, NOREG)              \
    X(1013, "dabr",   RW, FIELD(dabr),    0xFFFFFFFFu, MFMT, NOREG)              \
    X(1017, "l2cr",   RW, FIELD(l2cr),    0xFFFFFFFFu, MFMT, NOREG)              \
    X(1019, "ictc",   RW, FIELD(ictc),    0xFFFFFFFFu, MFMT, NOREG)              \
    X(1020, "thrm1",  RW, FIELD(thrm[0]), 0xFFFFFFFFu, MFMT, NOREG)              \
    X(1021, "thrm2",  RW, FIELD(thrm[1]), 0xFFFFFFFFu, MFMT, NOREG)              \
    X(1022, "thrm3",  RW, FIELD(thrm[2]), 0xFFFFFFFFu, MFMT, NOREG)

#endif
