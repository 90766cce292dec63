/* test_ppc_exec.c - the PowerPC 750 core: decode table, integer UISA (flags,
 * branches, loads/stores), the OEA supervisor set and privilege, exceptions
 * (SRR0/SRR1/DAR/DSISR), decrementer, MMU (BAT, page table, DSI/ISI),
 * intercept, branch to itself, decode control flow, the pre-decoded cache
 * (self-modifying code, translation changes). Instructions are
 * hand-encoded below (the encodings were checked with powerpc-linux-gnu-as). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "isa/ppc/ppc.h"
#include "vlab.h"

/* ---- encoders ---- */
static uint32_t D(unsigned op, unsigned rt, unsigned ra, int imm) {
    return op << 26 | rt << 21 | ra << 16 | ((uint32_t)imm & 0xFFFF);
}
static uint32_t X(unsigned rt, unsigned ra, unsigned rb, unsigned xo, unsigned rc) {
    return 31u << 26 | rt << 21 | ra << 16 | rb << 11 | xo << 1 | rc;
}
static uint32_t XO(unsigned rt, unsigned ra, unsigned rb, unsigned oe, unsigned xo, unsigned rc) {
    return 31u << 26 | rt << 21 | ra << 16 | rb << 11 | oe << 10 | xo << 1 | rc;
}
static uint32_t MFSPR(unsigned rt, unsigned spr) { return 31u << 26 | rt << 21 | ppc_spr_encode(spr) | 339 << 1; }
static uint32_t MTSPR(unsigned spr, unsigned rs) { return 31u << 26 | rs << 21 | ppc_spr_encode(spr) | 467 << 1; }
static uint32_t RLWINM(unsigned ra, unsigned rs, unsigned sh, unsigned mb, unsigned me, unsigned rc) {
    return 21u << 26 | rs << 21 | ra << 16 | sh << 11 | mb << 6 | me << 1 | rc;
}
static uint32_t B(int off) { return 18u << 26 | ((uint32_t)off & 0x3FFFFFC); }
static uint32_t BC(unsigned bo, unsigned bi, int off) { return 16u << 26 | bo << 21 | bi << 16 | ((uint32_t)off & 0xFFFC); }
#define ADDI(rt, ra, i) D(14, rt, ra, i)
#define ADDIS(rt, ra, i) D(15, rt, ra, i)
#define LI(rt, i) ADDI(rt, 0, i)
#define LWZ(rt, d, ra) D(32, rt, ra, d)
#define STW(rs, d, ra) D(36, rs, ra, d)
#define SC 0x44000002u
#define RFI 0x4C000064u
#define BLR 0x4E800020u
#define HALT 0x48000000u /* b . */
#define MFMSR(rt) X(rt, 0, 0, 83, 0)
#define MTMSR(rs) X(rs, 0, 0, 146, 0)
#define NOP 0x60000000u
#define ORI_(r) D(24, r, r, 0xFFFF)

static vlab_machine *mk(void) {
    char err[256];
    vlab_machine *m = vlab_machine_new("ppc", "750", 1u << 20, err, sizeof err);
    if (!m) fail_msg("vlab_machine_new: %s", err);
    /* b . at every vector: an exception ends the run at its handler */
    for (uint32_t v = 0x100; v < 0x2000; v += 0x100) vlab_mem_set(m, v, 4, HALT);
    return m;
}
static ppc_cpu *C(vlab_machine *m) { return (ppc_cpu *)m->cpu; }
static void put(vlab_machine *m, uint32_t addr, const uint32_t *w, size_t n) {
    for (size_t i = 0; i < n; i++) assert_int_equal(vlab_mem_set(m, addr + 4 * (uint32_t)i, 4, w[i]), 0);
}
static uint32_t rd32(vlab_machine *m, uint32_t a) {
    uint32_t v = 0;
    assert_int_equal(vlab_mem_get(m, a, 4, &v), 0);
    return v;
}
/* load code at 0x1000 followed by b ., run to the halt */
static vlab_stop run_code(vlab_machine *m, const uint32_t *w, size_t n) {
    put(m, 0x1000, w, n);
    vlab_mem_set(m, 0x1000 + 4 * (uint32_t)n, 4, HALT);
    vlab_set_pc(m, 0x1000);
    return vlab_run(m, 100000, 0, 0);
}
#define RUN(m, ...) ({ const uint32_t code_[] = { __VA_ARGS__ }; run_code(m, code_, sizeof code_ / sizeof code_[0]); })

/* ---- decode table ---- */
static void test_decode_table(void **st) {
    (void)st;
    for (int i = 0; i < ppc_ninsns; i++) {
        const ppc_insn *in = &ppc_insns[i];
        uint32_t w = in->match;
        if (in->flags & PPC_F_UPDATE) w |= 1u << 16; /* rA = 1: valid form */
        if (in->op == PPC_OP_BCCTR) w |= 20u << 21;
        if (in->op == PPC_OP_LMW || in->op == PPC_OP_LSWI || in->op == PPC_OP_LSWX)
            w |= 5u << 21 | 1u << 16 | 2u << 11; /* rA, rB outside the registers loaded */
        if (in->op == PPC_OP_MFTB) w |= ppc_spr_encode(268);
        const ppc_insn *d = ppc_decode(w);
        if (d != in) fail_msg("%s (%08x) decodes as %s", in->mnemonic, w, d ? d->mnemonic : "illegal");
        assert_true((in->match & ~in->mask) == 0);
    }
    assert_null(ppc_decode(0x00000000u));
    assert_string_equal(ppc_decode(0x7C6000A6u)->mnemonic, "mfmsr");
    assert_string_equal(ppc_decode(0x7C600124u)->mnemonic, "mtmsr");
    assert_string_equal(ppc_decode(0x4C000064u)->mnemonic, "rfi");
    assert_string_equal(ppc_decode(0x7C632214u)->mnemonic, "add");   /* add r3,r3,r4 */
    assert_string_equal(ppc_decode(0x7C632615u)->mnemonic, "add");   /* addo. r3,r3,r4 */
    assert_null(ppc_decode(0x7C6000A7u));                            /* mfmsr with Rc: reserved */
    /* invalid forms */
    assert_null(ppc_decode(D(33, 3, 3, 4)));          /* lwzu r3,4(r3) */
    assert_null(ppc_decode(D(33, 3, 0, 4)));          /* lwzu r3,4(0) */
    assert_null(ppc_decode(D(37, 3, 0, 4)));          /* stwu r3,4(0) */
    assert_non_null(ppc_decode(D(37, 3, 3, 4)));      /* stwu r3,4(r3) is valid */
    assert_null(ppc_decode(D(46, 28, 30, 0)));        /* lmw r28,0(r30) */
    assert_non_null(ppc_decode(D(46, 28, 1, 0)));
    assert_null(ppc_decode(X(21, 21, 17, 597, 0)));   /* lswi r21,r21,17 */
    assert_null(ppc_decode(0x4E000420u));             /* bcctr 16,0: decrements CTR */
    assert_null(ppc_decode(X(3, 0, 0, 371, 0) | ppc_spr_encode(270))); /* mftb r3,270 */
    /* privilege of mfspr/mtspr from the SPR number */
    assert_int_equal(ppc_insn_class(MFSPR(3, 8)), VL_CLASS_INNOCUOUS);   /* lr */
    assert_int_equal(ppc_insn_class(MFSPR(3, 1)), VL_CLASS_INNOCUOUS);   /* xer */
    assert_int_equal(ppc_insn_class(MFSPR(3, 287)), VL_CLASS_PRIVILEGED); /* pvr */
    assert_int_equal(ppc_insn_class(MTSPR(26, 3)), VL_CLASS_PRIVILEGED);  /* srr0 */
    assert_int_equal(ppc_insn_class(MTSPR(287, 3)), VL_CLASS_ILLEGAL);    /* pvr read-only */
    assert_int_equal(ppc_insn_class(MFSPR(3, 100)), VL_CLASS_ILLEGAL);
    for (int i = 0; i < ppc_nsprs; i++) assert_ptr_equal(ppc_spr_find(ppc_sprs[i].num) != NULL, 1);
    /* every SPR: the class follows the encoding (spr & 0x10), and execution agrees */
    for (unsigned spr = 0; spr < 1024; spr++) {
        const ppc_spr *p = ppc_spr_find(spr);
        int want = !p ? VL_CLASS_ILLEGAL : (spr & 0x10) ? VL_CLASS_PRIVILEGED : VL_CLASS_INNOCUOUS;
        bool readable = false;
        for (int i = 0; i < ppc_nsprs; i++)
            if (ppc_sprs[i].num == spr && (ppc_sprs[i].access & PPC_SPR_R)) readable = true;
        if (p && !readable) want = VL_CLASS_ILLEGAL;
        if (ppc_insn_class(MFSPR(3, spr)) != want) fail_msg("mfspr %u: class %d", spr, ppc_insn_class(MFSPR(3, spr)));
    }
    assert_int_equal(ppc_spr_by_name("sprg3"), 275);
    assert_int_equal(ppc_insn_class(0xC8230000u), VL_CLASS_ILLEGAL); /* lfd: FP not modelled */
    assert_int_equal(ppc_insn_class(MFMSR(3)), VL_CLASS_PRIVILEGED);
    assert_int_equal(ppc_insn_class(SC), VL_CLASS_INNOCUOUS);
    /* the ops decode metadata */
    uint8_t b[4] = { 0x7C, 0x60, 0x00, 0xA6 };
    vl_decode_info di;
    ppc_ops.decode(0, b, 4, 0x1000, &di);
    assert_int_equal(di.length, 4);
    assert_int_equal(di.cls, VL_CLASS_PRIVILEGED);
    assert_string_equal(di.mnemonic, "mfmsr");
}

/* Control flow and static targets for a binary translator, on code from
 * the project's assembler (targets as powerpc-linux-gnu-objdump prints them). */
static void test_decode_flow(void **st) {
    (void)st;
    static const char src[] =
        " b 0x1010\n bl 0x800\n ba 0x100\n bla 0x2000\n beq 0x1000\n bne cr1,0x1040\n"
        " bdnz 0x1008\n bc 20,0,0x1100\n bcl 20,31,0x1024\n blr\n blrl\n beqlr\n bctr\n"
        " bctrl\n bnectr\n sc\n tw 4,r3,r4\n twi 31,r0,0\n trap\n rfi\n add r3,r4,r5\n"
        " mtlr r3\n lfd f1,0(r3)\n bdnzl 0x1000\n";
    static const struct { int flow; bool has; uint32_t target; } want[] = {
        { VL_FLOW_JUMP, true, 0x1010 }, { VL_FLOW_CALL, true, 0x800 },
        { VL_FLOW_JUMP, true, 0x100 }, { VL_FLOW_CALL, true, 0x2000 },
        { VL_FLOW_BRANCH, true, 0x1000 }, { VL_FLOW_BRANCH, true, 0x1040 },
        { VL_FLOW_BRANCH, true, 0x1008 }, { VL_FLOW_JUMP, true, 0x1100 },
        { VL_FLOW_CALL, true, 0x1024 }, { VL_FLOW_RETURN, false, 0 },
        { VL_FLOW_CALL, false, 0 }, { VL_FLOW_BRANCH, false, 0 },
        { VL_FLOW_INDIRECT, false, 0 }, { VL_FLOW_CALL, false, 0 },
        { VL_FLOW_BRANCH, false, 0 }, { VL_FLOW_TRAP, false, 0 },
        { VL_FLOW_TRAP, false, 0 }, { VL_FLOW_TRAP, false, 0 },
        { VL_FLOW_TRAP, false, 0 }, { VL_FLOW_ERET, false, 0 },
        { VL_FLOW_NONE, false, 0 }, { VL_FLOW_NONE, false, 0 },
        { VL_FLOW_TRAP, false, 0 }, { VL_FLOW_CALL, true, 0x1000 },
    };
    uint8_t *code;
    size_t len;
    char err[256];
    assert_int_equal(vlab_asm("ppc", src, 0x1000, &code, &len, err, sizeof err), 0);
    assert_int_equal(len, 4 * sizeof want / sizeof want[0]);
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
        vl_decode_info d;
        ppc_ops.decode(0, code + 4 * i, 4, 0x1000 + 4 * (uint32_t)i, &d);
        if (d.length != 4 || d.flow != want[i].flow || d.has_target != want[i].has ||
            (want[i].has && d.target != want[i].target))
            fail_msg("insn %zu (%08x): flow %d target %d 0x%x", i, vl_be32(code + 4 * i), d.flow,
                     d.has_target, d.target);
    }
    vlab_free(code);
    /* not an instruction: the illegal-instruction program interrupt */
    uint8_t ill[4] = { 0, 0, 0, 0 };
    vl_decode_info d;
    ppc_ops.decode(0, ill, 4, 0x1000, &d);
    assert_int_equal(d.cls, VL_CLASS_ILLEGAL);
    assert_int_equal(d.flow, VL_FLOW_TRAP);
}

/* ---- registers and reset ---- */
static void test_regs_reset(void **st) {
    (void)st;
    vlab_machine *m = mk();
    assert_int_equal(vlab_reg_get(m, vlab_reg_index(m, "pvr")), PPC_PVR_750);
    assert_int_equal(vlab_pc(m), 0x100);
    assert_int_equal(vlab_reg_get(m, vlab_reg_index(m, "msr")), MSR_ME);
    assert_int_equal(vlab_supervisor(m), 1);
    const char *names[] = { "r0", "r31", "pc", "msr", "cr", "xer", "lr", "ctr", "srr0", "srr1",
                            "sprg0", "sprg3", "dec", "sdr1", "dar", "dsisr", "pvr", "tbl", "tbu",
                            "hid0", "sr0", "sr15", "ibat0u", "ibat3l", "dbat0u", "dbat3l" };
    for (size_t i = 0; i < sizeof names / sizeof *names; i++)
        if (vlab_reg_index(m, names[i]) < 0) fail_msg("no register %s", names[i]);
    assert_int_equal(vlab_reg_privileged(m, vlab_reg_index(m, "msr")), 1);
    assert_int_equal(vlab_reg_privileged(m, vlab_reg_index(m, "lr")), 0);
    assert_int_equal(vlab_reg_privileged(m, vlab_reg_index(m, "sr3")), 1);
    int i = vlab_reg_index(m, "sprg2");
    vlab_reg_set(m, i, 0x12345678);
    assert_int_equal(vlab_reg_get(m, i), 0x12345678);
    vlab_set_supervisor(m, 0);
    assert_int_equal(vlab_supervisor(m), 0);
    assert_true(C(m)->msr & MSR_PR);
    assert_string_equal(vlab_vector_name(m, 0x700), "program");
    assert_string_equal(vlab_vector_name(m, 0xC00), "system call");
    vlab_machine_free(m);
}

/* ---- arithmetic and flags ---- */
static void test_arith(void **st) {
    (void)st;
    vlab_machine *m = mk();
    ppc_cpu *s = C(m);
    vlab_stop r = RUN(m, LI(3, 5), LI(4, -7), XO(5, 3, 4, 0, 266, 1) /* add. r5 */,
                      ADDIS(6, 0, 0x7FFF), ORI_(6), XO(7, 6, 6, 1, 266, 1) /* addo. r7,r6,r6 */);
    assert_int_equal(r.reason, VLAB_STOP_HALT);
    assert_int_equal(s->gpr[5], (uint32_t)-2);
    assert_int_equal(s->gpr[6], 0x7FFFFFFFu);
    assert_int_equal(s->gpr[7], 0xFFFFFFFEu);
    assert_true(s->xer & XER_OV);
    assert_true(s->xer & XER_SO);
    assert_int_equal(s->cr >> 28, 0x9); /* LT | SO */
    /* carry: addc, adde, subfc, subfic; neg; mullw overflow; divide by zero */
    s->xer = 0;
    r = RUN(m, LI(3, -1), LI(4, 1), XO(5, 3, 4, 0, 10, 0) /* addc r5=0, CA */, XO(6, 4, 4, 0, 138, 0) /* adde 1+1+1 */,
            XO(7, 4, 3, 0, 8, 0) /* subfc r7 = r3 - r4 = -2, CA = 1 */, D(8, 8, 4, 0) /* subfic r8 = 0 - 1 */,
            XO(9, 4, 0, 1, 104, 0) /* nego r9 = -1 */, ADDIS(10, 0, 0x1000), XO(11, 10, 10, 1, 235, 0) /* mullwo */,
            LI(12, 0), XO(13, 4, 12, 1, 491, 1) /* divwo. by zero */);
    assert_int_equal(s->gpr[5], 0);
    assert_int_equal(s->gpr[6], 3);
    assert_int_equal(s->gpr[7], 0xFFFFFFFEu);
    assert_int_equal(s->gpr[8], 0xFFFFFFFFu);
    assert_int_equal(s->gpr[9], 0xFFFFFFFFu);
    assert_int_equal(s->gpr[11], 0);
    assert_true(s->xer & XER_OV);
    assert_true(s->xer & XER_SO);
    assert_int_equal(s->gpr[13], 0);
    assert_int_equal(s->cr >> 28, 0x3); /* EQ | SO */
    /* subfic with CA out: 0 - 1 borrows -> CA = 0 */
    assert_false(s->xer & XER_CA);
    /* compare, rotate, shifts */
    s->xer = 0;
    s->cr = 0;
    r = RUN(m, LI(3, -1), LI(4, 1), X(1 << 2, 3, 4, 0, 0) /* cmp cr1,r3,r4 */, X(2 << 2, 3, 4, 32, 0) /* cmpl cr2 */,
            D(11, 3 << 2, 4, 1) /* cmpwi cr3,r4,1 */, RLWINM(5, 3, 4, 24, 31, 0) /* r5 = 0xFF */,
            LI(6, -8), X(6, 7, 0, 824, 0) | (1 << 11) /* srawi r7,r6,1 */, LI(8, -7), X(8, 9, 0, 824, 0) | (1 << 11),
            X(4, 10, 0, 26, 1) /* cntlzw. r10,r4 */);
    assert_int_equal((s->cr >> 24) & 0xF, 8); /* cr1 LT */
    assert_int_equal((s->cr >> 20) & 0xF, 4); /* cr2 GT */
    assert_int_equal((s->cr >> 16) & 0xF, 2); /* cr3 EQ */
    assert_int_equal(s->gpr[5], 0xFF);
    assert_int_equal(s->gpr[7], (uint32_t)-4);
    assert_int_equal(s->gpr[9], (uint32_t)-4);
    assert_true(s->xer & XER_CA); /* -7 >> 1 lost a 1 bit */
    assert_int_equal(s->gpr[10], 31);
    assert_int_equal(s->cr >> 28, 4);
    vlab_machine_free(m);
}

/* ---- branches ---- */
static void test_branches(void **st) {
    (void)st;
    vlab_machine *m = mk();
    ppc_cpu *s = C(m);
    /* bdnz loop: r3 counts 10 iterations; bl/blr */
    vlab_stop r = RUN(m, LI(3, 0), LI(4, 10), MTSPR(9, 4), ADDI(3, 3, 1), BC(16, 0, -4) /* bdnz */,
                      B(12) | 1 /* bl +12 */, LI(5, 7), B(12), ADDI(6, 0, 9), BLR, NOP);
    assert_int_equal(r.reason, VLAB_STOP_HALT);
    assert_int_equal(s->gpr[3], 10);
    assert_int_equal(s->ctr, 0);
    assert_int_equal(s->gpr[6], 9);
    assert_int_equal(s->gpr[5], 7);
    assert_int_equal(s->lr, 0x1018);
    /* beq taken / not taken, bcctr */
    r = RUN(m, LI(3, 1), D(11, 0, 3, 1) /* cmpwi r3,1 */, BC(12, 2, 8) /* beq +8 */, LI(4, 99), LI(5, 0x1020),
            MTSPR(9, 5), 0x4E800420u /* bctr */, LI(6, 1), LI(7, 2));
    assert_int_equal(s->gpr[4], 0xFFFFFFFFu & s->gpr[4]);
    assert_int_not_equal(s->gpr[4], 99);
    assert_int_equal(s->gpr[7], 2);
    vlab_machine_free(m);
}

/* ---- loads and stores ---- */
static void test_loadstore(void **st) {
    (void)st;
    vlab_machine *m = mk();
    ppc_cpu *s = C(m);
    vlab_stop r = RUN(m, LI(1, 0x4000), ADDIS(3, 0, 0x8123), D(24, 3, 3, 0x4567) /* ori */,
                      STW(3, 0, 1), LWZ(4, 0, 1), D(34, 5, 1, 1) /* lbz r5,1(r1) */, D(42, 6, 1, 0) /* lha */,
                      D(40, 7, 1, 2) /* lhz */, D(37, 3, 1, 8) /* stwu r3,8(r1) */, X(8, 0, 1, 534, 0) /* lwbrx r8,0,r1 */,
                      LI(9, 0x4100), D(47, 28, 9, 0) /* stmw r28,0(r9) */, D(46, 29, 9, 4) /* lmw r29,4(r9) */);
    assert_int_equal(r.reason, VLAB_STOP_HALT);
    assert_int_equal(s->gpr[4], 0x81234567u);
    assert_int_equal(s->gpr[5], 0x23);
    assert_int_equal(s->gpr[6], 0xFFFF8123u);
    assert_int_equal(s->gpr[7], 0x4567);
    assert_int_equal(s->gpr[1], 0x4008);
    assert_int_equal(rd32(m, 0x4008), 0x81234567u);
    assert_int_equal(s->gpr[8], 0x67452381u);
    /* strings: stswi 7 bytes, lswi back */
    s->gpr[20] = 0x41424344;
    s->gpr[21] = 0x45464748;
    r = RUN(m, LI(9, 0x4200), X(20, 9, 7, 725, 0) /* stswi r20,r9,7 */, X(24, 9, 7, 597, 0) /* lswi r24,r9,7 */);
    assert_int_equal(rd32(m, 0x4200), 0x41424344u);
    assert_int_equal(rd32(m, 0x4204), 0x45464700u);
    assert_int_equal(s->gpr[24], 0x41424344u);
    assert_int_equal(s->gpr[25], 0x45464700u);
    /* lwarx/stwcx.; second stwcx. fails */
    r = RUN(m, LI(9, 0x4300), LI(10, 0), X(3, 10, 9, 20, 0) /* lwarx */, ADDI(3, 3, 1),
            X(3, 10, 9, 150, 1) /* stwcx. */, X(11, 0, 0, 19, 0) /* mfcr r11 */, X(3, 10, 9, 150, 1));
    assert_int_equal(rd32(m, 0x4300), 1);
    assert_int_equal(s->gpr[11] >> 28, 2);
    assert_int_equal(s->cr >> 28, 0);
    /* dcbz zeroes a 32-byte block */
    for (uint32_t a = 0x4400; a < 0x4440; a += 4) vlab_mem_set(m, a, 4, 0xFFFFFFFFu);
    r = RUN(m, LI(9, 0x4434), X(0, 0, 9, 1014, 0) /* dcbz 0,r9: block 0x4420 */);
    assert_int_equal(rd32(m, 0x4400), 0xFFFFFFFFu);
    assert_int_equal(rd32(m, 0x441C), 0xFFFFFFFFu);
    for (uint32_t a = 0x4420; a < 0x4440; a += 4) assert_int_equal(rd32(m, a), 0);
    /* console through the MMIO window */
    r = RUN(m, ADDIS(9, 0, 0xF000), LI(3, 'h'), D(38, 3, 9, 0), LI(3, 'i'), D(38, 3, 9, 0));
    size_t n;
    assert_string_equal(vlab_console(m, &n), "hi");
    /* an access to nothing is a machine check */
    r = RUN(m, ADDIS(9, 0, 0x8000), LWZ(3, 0, 9));
    assert_int_equal(vlab_pc(m), 0x200);
    assert_int_equal(s->srr0, 0x1004);
    vlab_machine_free(m);
}

/* ---- privilege ---- */
static void test_privilege(void **st) {
    (void)st;
    vlab_machine *m = mk();
    ppc_cpu *s = C(m);
    /* mfspr of every SPR number from problem state: privileged by spr & 0x10 */
    for (unsigned spr = 0; spr < 1024; spr++) {
        if (spr == 268 || spr == 269) continue; /* time base: moves */
        s->msr = MSR_ME | MSR_PR;
        uint32_t w = MFSPR(3, spr);
        vlab_stop r = run_code(m, &w, 1);
        (void)r;
        bool trapped = vlab_pc(m) == 0x700;
        uint32_t why = s->srr1 & 0xFFFF0000u;
        if (spr & 0x10) {
            if (!trapped || why != SRR1_PRIV) fail_msg("mfspr %u from PR=1: no privileged trap", spr);
        } else if (ppc_spr_find(spr)) {
            if (trapped) fail_msg("mfspr %u from PR=1 trapped", spr);
        } else if (!trapped || why != SRR1_ILLEGAL) {
            fail_msg("mfspr %u (no such SPR) from PR=1: no illegal trap", spr);
        }
    }
    uint32_t priv[] = { MFMSR(3), MTMSR(3), RFI, X(3, 1, 0, 595, 0) /* mfsr */, X(3, 1, 0, 210, 0) /* mtsr */,
                        X(0, 0, 4, 306, 0) /* tlbie */, X(0, 0, 0, 566, 0) /* tlbsync */, X(0, 3, 4, 470, 0) /* dcbi */,
                        MFSPR(3, 26), MTSPR(27, 3), MFSPR(3, 287), MFSPR(3, 22), MTSPR(1008, 3), MFSPR(3, 272) };
    for (size_t i = 0; i < sizeof priv / sizeof *priv; i++) {
        s->msr = MSR_ME | MSR_PR;
        vlab_stop r = run_code(m, &priv[i], 1);
        if (vlab_pc(m) != 0x700) fail_msg("insn %08x from PR=1: pc %08x", priv[i], vlab_pc(m));
        assert_int_equal(r.reason, VLAB_STOP_HALT);
        assert_int_equal(s->srr0, 0x1000);
        assert_int_equal(s->srr1 & 0xFFFF0000u, SRR1_PRIV);
        assert_true(s->srr1 & MSR_PR);
        assert_false(s->msr & MSR_PR);
    }
    /* user SPRs run in problem state */
    s->msr = MSR_ME | MSR_PR;
    s->lr = 0x11;
    s->ctr = 0x22;
    s->xer = XER_CA;
    vlab_stop r = RUN(m, MFSPR(3, 8), MFSPR(4, 9), MFSPR(5, 1), 0x7CCC42E6u /* mftb r6 */, MTSPR(8, 5));
    assert_int_equal(r.reason, VLAB_STOP_HALT);
    assert_int_equal(s->gpr[3], 0x11);
    assert_int_equal(s->gpr[4], 0x22);
    assert_int_equal(s->gpr[5], XER_CA);
    assert_int_equal(s->lr, XER_CA);
    assert_true(s->msr & MSR_PR);
    /* supervisor: PVR, mfmsr; nonexistent SPR is illegal */
    s->msr = MSR_ME;
    r = RUN(m, MFSPR(3, 287), MFMSR(4));
    assert_int_equal(s->gpr[3], PPC_PVR_750);
    assert_int_equal(s->gpr[4], MSR_ME);
    r = RUN(m, MFSPR(3, 100));
    assert_int_equal(vlab_pc(m), 0x700);
    assert_int_equal(s->srr1 & 0xFFFF0000u, SRR1_ILLEGAL);
    s->msr = MSR_ME;
    r = RUN(m, 0x00000000u);
    assert_int_equal(vlab_pc(m), 0x700);
    assert_int_equal(s->srr1 & 0xFFFF0000u, SRR1_ILLEGAL);
    /* mtmsr/rfi round trip to user mode and sc back */
    s->msr = MSR_ME;
    put(m, 0x2000, (uint32_t[]){ LI(7, 1), SC, LI(8, 2) }, 3);
    r = RUN(m, ADDIS(3, 0, 0), D(24, 3, 3, MSR_PR | MSR_ME), MTSPR(27, 3), LI(4, 0x2000), MTSPR(26, 4), RFI);
    assert_int_equal(vlab_pc(m), 0xC00);
    assert_int_equal(s->srr0, 0x2008);
    assert_true(s->srr1 & MSR_PR);
    assert_int_equal(s->srr1 & 0xFFFF0000u, 0);
    assert_int_equal(s->gpr[7], 1);
    assert_false(s->msr & MSR_PR);
    assert_true(s->c.mode_switches >= 2);
    /* trap */
    s->msr = MSR_ME;
    r = RUN(m, LI(3, 5), D(3, 4, 3, 5) /* tweqi r3,5 */);
    assert_int_equal(vlab_pc(m), 0x700);
    assert_int_equal(s->srr0, 0x1004);
    assert_int_equal(s->srr1 & 0xFFFF0000u, SRR1_TRAP);
    /* floating point: unavailable, then illegal */
    s->msr = MSR_ME;
    r = RUN(m, 0xC8230000u /* lfd f1,0(r3) */);
    assert_int_equal(vlab_pc(m), 0x800);
    s->msr = MSR_ME | MSR_FP;
    r = RUN(m, 0xC8230000u);
    assert_int_equal(vlab_pc(m), 0x700);
    assert_int_equal(s->srr1 & 0xFFFF0000u, SRR1_ILLEGAL);
    vlab_machine_free(m);
}

/* ---- intercept: stop before any side effect ---- */
static void test_intercept(void **st) {
    (void)st;
    vlab_machine *m = mk();
    ppc_cpu *s = C(m);
    s->c.intercept = true;
    s->msr = MSR_ME | MSR_PR | MSR_EE;
    s->srr0 = 0xAAAA;
    s->srr1 = 0xBBBB;
    vlab_stop r = RUN(m, LI(3, 1), MFMSR(4));
    assert_int_equal(r.reason, VLAB_STOP_EXCEPTION);
    assert_int_equal(r.vector, 0x700);
    assert_int_equal(r.pc, 0x1004);
    assert_int_equal(vlab_stop_info(r), SRR1_PRIV);
    assert_int_equal(r.flags, VLAB_STOP_HAS_CODE); /* SRR1's reason bits, no address */
    assert_int_equal(r.code, SRR1_PRIV);
    assert_int_equal(vlab_pc(m), 0x1004);
    assert_int_equal(s->srr0, 0xAAAA);
    assert_int_equal(s->srr1, 0xBBBB);
    assert_int_equal(s->msr, MSR_ME | MSR_PR | MSR_EE);
    assert_int_equal(s->gpr[3], 1);
    assert_int_equal(s->x_srr1 & 0xFFFF0000u, SRR1_PRIV);
    /* sc: pc = the sc itself */
    r = RUN(m, SC);
    assert_int_equal(r.vector, 0xC00);
    assert_int_equal(r.pc, 0x1000);
    /* the monitor raises it architecturally */
    ppc_ops.raise(s, 0xC00, 0, 0);
    assert_int_equal(s->srr0, 0x1004);
    assert_int_equal(vlab_pc(m), 0xC00);
    /* a DSI from a store with update leaves rA alone */
    s->msr = MSR_ME | MSR_PR;
    r = RUN(m, ADDIS(9, 0, 0x8000), D(37, 3, 9, 16) /* stwu r3,16(r9): machine check */);
    assert_int_equal(r.vector, 0x200);
    assert_int_equal(vlab_stop_info(r), 0x80000010u);
    assert_int_equal(s->gpr[9], 0x80000000u);
    /* decrementer: pc = the next instruction */
    s->msr = MSR_ME | MSR_EE;
    ppc_set_dec(s, 3);
    r = RUN(m, NOP, NOP, NOP, NOP, NOP, NOP, NOP);
    assert_int_equal(r.vector, 0x900);
    assert_int_equal(r.pc, 0x1010);
    vlab_machine_free(m);
}

/* ---- decrementer, external interrupt, trace ---- */
static void test_interrupts(void **st) {
    (void)st;
    vlab_machine *m = mk();
    ppc_cpu *s = C(m);
    s->msr = MSR_ME | MSR_EE;
    ppc_set_dec(s, 5);
    vlab_stop r = RUN(m, NOP, NOP, NOP, NOP, NOP, NOP, NOP, NOP, NOP, NOP);
    assert_int_equal(r.reason, VLAB_STOP_HALT);
    assert_int_equal(vlab_pc(m), 0x900);
    assert_int_equal(s->srr0, 0x1000 + 6 * 4); /* DEC 5 -> -1 after 6 instructions */
    assert_true(s->srr1 & MSR_EE);
    assert_false(s->msr & MSR_EE);
    /* decrementer pending while EE = 0, taken by mtmsr EE */
    s->msr = MSR_ME;
    ppc_set_dec(s, 0);
    r = RUN(m, NOP, NOP, LI(3, MSR_EE | MSR_ME), MTMSR(3), LI(4, 1), LI(5, 2));
    assert_int_equal(vlab_pc(m), 0x900);
    assert_int_equal(s->srr0, 0x1010);
    /* external interrupt */
    s->msr = MSR_ME | MSR_EE;
    ppc_set_dec(s, 0x7FFFFFFF);
    s->c.irq_level = 1;
    r = RUN(m, NOP);
    assert_int_equal(vlab_pc(m), 0x500);
    assert_int_equal(s->srr0, 0x1000);
    s->c.irq_level = 0;
    /* idle loop with EE = 1 waits for the decrementer */
    s->msr = MSR_ME | MSR_EE;
    ppc_set_dec(s, 1000);
    put(m, 0x1000, (uint32_t[]){ HALT }, 1);
    vlab_set_pc(m, 0x1000);
    uint64_t ic = s->c.icount;
    r = vlab_run(m, 100000, 0, 0);
    assert_int_equal(vlab_pc(m), 0x900);
    assert_int_equal(s->c.icount - ic, 1001 + 1);
    /* single-step trace */
    s->msr = MSR_ME | MSR_SE;
    r = RUN(m, LI(3, 1), LI(4, 2));
    assert_int_equal(vlab_pc(m), 0xD00);
    assert_int_equal(s->srr0, 0x1004);
    assert_int_equal(s->gpr[3], 1);
    assert_int_not_equal(s->gpr[4], 2);
    /* time base counts instructions */
    s->msr = MSR_ME;
    r = RUN(m, 0x7C6C42E6u /* mftb r3 */, 0x7C8C42E6u /* mftb r4 */);
    assert_int_equal(s->gpr[4] - s->gpr[3], 1);
    vlab_machine_free(m);
}

/* ---- branch to itself, step convention ---- */
static void test_halt_step(void **st) {
    (void)st;
    vlab_machine *m = mk();
    ppc_cpu *s = C(m);
    vlab_stop r = RUN(m, LI(3, 1));
    assert_int_equal(r.reason, VLAB_STOP_HALT);
    assert_int_equal(r.pc, 0x1004);
    /* one step of sc ends at the handler, not yet executed */
    put(m, 0x1000, (uint32_t[]){ SC }, 1);
    vlab_set_pc(m, 0x1000);
    vlab_mem_set(m, 0xC00, 4, LI(9, 9));
    s->gpr[9] = 0;
    r = vlab_step(m, 1);
    assert_int_equal(r.reason, VLAB_STOP_BUDGET);
    assert_int_equal(vlab_pc(m), 0xC00);
    assert_int_equal(s->gpr[9], 0);
    r = vlab_step(m, 1);
    assert_int_equal(s->gpr[9], 9);
    /* an exception with no handler installed stops the run */
    vlab_mem_set(m, 0x700, 4, 0);
    s->msr = MSR_ME;
    r = RUN(m, MFSPR(3, 100));
    assert_int_equal(r.reason, VLAB_STOP_EXCEPTION);
    assert_int_equal(r.vector, 0x700);
    assert_int_equal(r.pc, 0x1000);
    /* budget */
    r = RUN(m, NOP, NOP, NOP, NOP);
    put(m, 0x1000, (uint32_t[]){ NOP, NOP, NOP }, 3);
    vlab_set_pc(m, 0x1000);
    r = vlab_step(m, 2);
    assert_int_equal(r.reason, VLAB_STOP_BUDGET);
    assert_int_equal(vlab_pc(m), 0x1008);
    /* exit set: stop before a privileged instruction even in supervisor mode */
    s->c.exit_set = 1u << VL_CLASS_PRIVILEGED;
    r = RUN(m, NOP, MFMSR(3));
    assert_int_equal(r.reason, VLAB_STOP_VMEXIT);
    assert_int_equal(r.pc, 0x1004);
    s->c.exit_set = 0;
    vlab_machine_free(m);
}

/* ---- MMU ---- */
#define HTAB 0x80000u
static void map_page(vlab_machine *m, uint32_t vsid, uint32_t ea, uint32_t pa, unsigned pp, bool secondary) {
    uint32_t pidx = (ea >> 12) & 0xFFFF, hash = ((vsid & 0x7FFFF) ^ pidx) & 0x7FFFF;
    if (secondary) hash = ~hash & 0x7FFFF;
    uint32_t pteg = HTAB | ((hash & 0x3FF) << 6); /* HTABMASK 0: 64 KiB table */
    for (int i = 0; i < 8; i++) {
        uint32_t a = pteg + 8 * (uint32_t)i;
        if (rd32(m, a) & 0x80000000u) continue;
        vlab_mem_set(m, a, 4, 0x80000000u | vsid << 7 | (secondary ? 0x40u : 0u) | ((ea >> 22) & 0x3F));
        vlab_mem_set(m, a + 4, 4, (pa & 0xFFFFF000u) | pp);
        return;
    }
    fail_msg("PTEG full");
}
static uint32_t pte_lo(vlab_machine *m, uint32_t vsid, uint32_t ea) {
    uint32_t pidx = (ea >> 12) & 0xFFFF, hash = ((vsid & 0x7FFFF) ^ pidx) & 0x7FFFF;
    for (int h = 0; h < 2; h++) {
        uint32_t hh = h ? ~hash & 0x7FFFF : hash, pteg = HTAB | ((hh & 0x3FF) << 6);
        for (int i = 0; i < 8; i++) {
            uint32_t hi = rd32(m, pteg + 8 * (uint32_t)i);
            if (hi == (0x80000000u | vsid << 7 | (uint32_t)h << 6 | ((ea >> 22) & 0x3F)))
                return rd32(m, pteg + 8 * (uint32_t)i + 4);
        }
    }
    return 0;
}

static void test_mmu(void **st) {
    (void)st;
    vlab_machine *m = mk();
    ppc_cpu *s = C(m);
    /* BAT: EA 0x10000000 (128 KiB) -> PA 0x00020000, supervisor only, R/W */
    s->dbat[0] = 0x10000000u | 0 << 2 | 2; /* BL = 0, Vs */
    s->dbat[1] = 0x00020000u | 2;
    ppc_tlb_flush(s);
    vlab_mem_set(m, 0x20010, 4, 0xCAFEBABEu);
    s->msr = MSR_ME | MSR_DR;
    vlab_stop r = RUN(m, ADDIS(9, 0, 0x1000), LWZ(3, 0x10, 9), LI(4, 0x55), STW(4, 0x20, 9));
    assert_int_equal(r.reason, VLAB_STOP_HALT);
    assert_int_equal(s->gpr[3], 0xCAFEBABEu);
    assert_int_equal(rd32(m, 0x20020), 0x55);
    /* the same BAT is not valid in problem state (Vp = 0): page table, no PTE -> DSI */
    s->msr = MSR_ME | MSR_DR | MSR_PR;
    s->sdr1 = HTAB;
    r = RUN(m, ADDIS(9, 0, 0x1000), LWZ(3, 0x10, 9));
    assert_int_equal(vlab_pc(m), 0x300);
    assert_int_equal(s->dar, 0x10000010u);
    assert_int_equal(s->dsisr, PPC_DSISR_NOPTE);
    assert_int_equal(s->srr0, 0x1004);
    /* page table: segment 2 = VSID 0x123 (Ks = 0, Kp = 1) */
    s->sr[2] = 0x20000000u | 0x123;
    map_page(m, 0x123, 0x20003000u, 0x5000, 2, false); /* R/W */
    map_page(m, 0x123, 0x20006000u, 0x6000, 3, true);  /* read-only, secondary hash */
    map_page(m, 0x123, 0x20007000u, 0x7000, 0, false); /* supervisor only (Kp = 1, PP 00) */
    ppc_tlb_flush(s);
    vlab_mem_set(m, 0x5008, 4, 0x11223344u);
    vlab_mem_set(m, 0x6000, 4, 0x66666666u);
    s->msr = MSR_ME | MSR_DR | MSR_PR;
    r = RUN(m, ADDIS(9, 0, 0x2000), D(24, 9, 9, 0x3000), LWZ(3, 8, 9));
    assert_int_equal(r.reason, VLAB_STOP_HALT);
    assert_int_equal(s->gpr[3], 0x11223344u);
    assert_int_equal(pte_lo(m, 0x123, 0x20003000u) & 0x180, 0x100); /* R, not C */
    r = RUN(m, ADDIS(9, 0, 0x2000), D(24, 9, 9, 0x3000), STW(9, 12, 9));
    assert_int_equal(rd32(m, 0x500C), 0x20003000u);
    assert_int_equal(pte_lo(m, 0x123, 0x20003000u) & 0x180, 0x180); /* R and C */
    r = RUN(m, ADDIS(9, 0, 0x2000), D(24, 9, 9, 0x6000), LWZ(3, 0, 9), STW(3, 4, 9));
    assert_int_equal(s->gpr[3], 0x66666666u);
    assert_int_equal(vlab_pc(m), 0x300);
    assert_int_equal(s->dsisr, PPC_DSISR_PROT | PPC_DSISR_STORE);
    assert_int_equal(s->dar, 0x20006004u);
    assert_int_equal(s->srr0, 0x100C);
    /* Kp = 1, PP = 00: no access from problem state, R/W from supervisor (Ks = 0) */
    s->msr = MSR_ME | MSR_DR | MSR_PR;
    r = RUN(m, ADDIS(9, 0, 0x2000), D(24, 9, 9, 0x7000), LWZ(3, 0, 9));
    assert_int_equal(vlab_pc(m), 0x300);
    assert_int_equal(s->dsisr, PPC_DSISR_PROT);
    s->msr = MSR_ME | MSR_DR;
    r = RUN(m, ADDIS(9, 0, 0x2000), D(24, 9, 9, 0x7000), LI(4, 77), STW(4, 0, 9));
    assert_int_equal(r.reason, VLAB_STOP_HALT);
    assert_int_equal(rd32(m, 0x7000), 77);
    /* instruction translation: IR on, code mapped via IBAT at 0 (identity, 128 KiB, Vs) */
    s->ibat[0] = 0x00000000u | 2;
    s->ibat[1] = 0x00000000u | 2;
    ppc_tlb_flush(s);
    s->msr = MSR_ME | MSR_IR;
    r = RUN(m, LI(3, 3));
    assert_int_equal(r.reason, VLAB_STOP_HALT);
    assert_int_equal(s->gpr[3], 3);
    /* a jump to an unmapped page: ISI with SRR1 "no PTE"; vectors are real mode */
    r = RUN(m, ADDIS(5, 0, 0x3000), MTSPR(9, 5), 0x4E800420u /* bctr */);
    assert_int_equal(vlab_pc(m), 0x400);
    assert_int_equal(s->srr0, 0x30000000u);
    assert_int_equal(s->srr1 & 0xFFFF0000u, PPC_ISI_NOPTE);
    /* mtsr/mfsr from supervisor */
    s->msr = MSR_ME;
    r = RUN(m, ADDIS(3, 0, 0x6000), D(24, 3, 3, 0x42), X(3, 5, 0, 210, 0) /* mtsr 5,r3 */,
            X(4, 5, 0, 595, 0) /* mfsr r4,5 */, ADDIS(6, 0, 0x5000), X(7, 0, 6, 659, 0) /* mfsrin r7,r6 */);
    assert_int_equal(s->gpr[4], 0x60000042u);
    assert_int_equal(s->gpr[7], 0x60000042u);
    vlab_machine_free(m);
}

/* ---- the pre-decoded instruction cache: nothing but time may change ----
 * Code written by a guest store (to an instruction already decoded, and the
 * very next one), by the host, and every change of instruction translation
 * (MSR[IR], a BAT written by mtspr, a segment register, tlbie after a page
 * table edit) must be seen by the next fetch. */
static void pte_set_rpn(vlab_machine *m, uint32_t vsid, uint32_t ea, uint32_t pa) {
    uint32_t hash = ((vsid & 0x7FFFF) ^ ((ea >> 12) & 0xFFFF)) & 0x7FFFF, pteg = HTAB | ((hash & 0x3FF) << 6);
    for (int i = 0; i < 8; i++) {
        uint32_t a = pteg + 8 * (uint32_t)i;
        if (rd32(m, a) == (0x80000000u | vsid << 7 | ((ea >> 22) & 0x3F))) {
            vlab_mem_set(m, a + 4, 4, (pa & 0xFFFFF000u) | (rd32(m, a + 4) & 0xFFFu));
            return;
        }
    }
    fail_msg("no PTE for 0x%x", ea);
}

static void test_decoded_cache(void **st) {
    (void)st;
    vlab_machine *m = mk();
    ppc_cpu *s = C(m);
    /* a loop storing over an instruction it has already run: the second
     * pass runs the new word (li r3,9), not the decoded old one */
    s->gpr[4] = 0;
    s->gpr[5] = LI(3, 1);
    s->gpr[6] = 0x1000;
    s->gpr[7] = LI(3, 9);
    vlab_stop r = RUN(m, ADDI(4, 4, 1), STW(5, 8, 6), LI(3, 1), D(11, 0, 4, 2) /* cmpwi r4,2 */,
                      BC(12, 2, 0xC) /* beq +12 */, X(7, 5, 7, 444, 0) /* mr r5,r7 */, B(-0x18));
    assert_int_equal(r.reason, VLAB_STOP_HALT);
    assert_int_equal(s->gpr[4], 2);
    assert_int_equal(s->gpr[3], 9);
    /* a store to the next instruction, decoded by an earlier run */
    s->gpr[5] = LI(3, 1);
    r = RUN(m, STW(5, 4, 6), LI(3, 1));
    assert_int_equal(s->gpr[3], 1);
    s->gpr[5] = LI(3, 0x77);
    vlab_set_pc(m, 0x1000);
    r = vlab_run(m, 100, 0, 0);
    assert_int_equal(r.reason, VLAB_STOP_HALT);
    assert_int_equal(s->gpr[3], 0x77);
    assert_int_equal(rd32(m, 0x1004), LI(3, 0x77));
    /* the host writes code the core has decoded */
    r = RUN(m, LI(3, 1), NOP);
    assert_int_equal(s->gpr[3], 1);
    vlab_mem_set(m, 0x1000, 4, LI(3, 5));
    vlab_set_pc(m, 0x1000);
    r = vlab_run(m, 100, 0, 0);
    assert_int_equal(s->gpr[3], 5);

    /* translation: EA 0x100C is PA 0x100C in real mode; turning MSR[IR] on
     * under IBAT0 (EA 0 -> PA 0x20000) moves the next fetch to PA 0x2100C,
     * and an mtspr to IBAT0L there (-> PA 0x40000) moves the one after it */
    put(m, 0x2100C, (const uint32_t[]){ MTSPR(529, 8), LI(3, 0x21), HALT }, 3);
    put(m, 0x41010, (const uint32_t[]){ LI(3, 0x41), HALT }, 2);
    r = RUN(m, NOP, NOP, NOP, LI(3, 0x10)); /* PA 0x100C decoded as li r3,0x10 */
    assert_int_equal(s->gpr[3], 0x10);
    s->gpr[5] = 0x00020002u; /* IBAT0L: BRPN 0x20000, PP = 10 */
    s->gpr[6] = MSR_ME | MSR_IR;
    s->gpr[7] = 0x00000002u; /* IBAT0U: BEPI 0, 128 KiB, Vs */
    s->gpr[8] = 0x00040002u;
    r = RUN(m, MTSPR(528, 7), MTSPR(529, 5), MTMSR(6), LI(3, 0x10));
    assert_int_equal(r.reason, VLAB_STOP_HALT);
    assert_int_equal(s->gpr[3], 0x41);
    assert_int_equal(vlab_pc(m), 0x1014);
    assert_int_equal(s->ibat[1], 0x00040002u);

    /* a segment register (set by the host) and tlbie after a page table edit */
    s->ibat[0] = 0;
    s->ibat[1] = 0;
    s->dbat[0] = s->dbat[1] = 0;
    s->sdr1 = HTAB;
    map_page(m, 0x123, 0x20005000u, 0x5000, 2, false);
    map_page(m, 0x124, 0x20005000u, 0x6000, 2, false);
    put(m, 0x5000, (const uint32_t[]){ LI(3, 0x50), HALT }, 2);
    put(m, 0x6000, (const uint32_t[]){ LI(3, 0x60), HALT }, 2);
    put(m, 0x7000, (const uint32_t[]){ LI(3, 0x70), HALT }, 2);
    vlab_reg_set(m, vlab_reg_index(m, "sr2"), 0x123);
    vlab_reg_set(m, vlab_reg_index(m, "msr"), MSR_ME | MSR_IR);
    vlab_set_pc(m, 0x20005000u);
    r = vlab_run(m, 100, 0, 0);
    assert_int_equal(r.reason, VLAB_STOP_HALT);
    assert_int_equal(s->gpr[3], 0x50);
    vlab_reg_set(m, vlab_reg_index(m, "sr2"), 0x124);
    vlab_set_pc(m, 0x20005000u);
    r = vlab_run(m, 100, 0, 0);
    assert_int_equal(s->gpr[3], 0x60);
    /* the PTE of VSID 0x124 now points at PA 0x7000; until tlbie the
     * translation cache may keep the old one, after it the new one counts */
    pte_set_rpn(m, 0x124, 0x20005000u, 0x7000);
    map_page(m, 0x124, 0x20008000u, 0x8000, 2, false);
    put(m, 0x8000, (const uint32_t[]){ X(0, 0, 9, 306, 0) /* tlbie r9 */, MTSPR(9, 10), 0x4E800420u /* bctr */ }, 3);
    s->gpr[9] = 0x20005000u;
    s->gpr[10] = 0x20005000u;
    vlab_set_pc(m, 0x20008000u);
    r = vlab_run(m, 100, 0, 0);
    assert_int_equal(r.reason, VLAB_STOP_HALT);
    assert_int_equal(s->gpr[3], 0x70);
    vlab_machine_free(m);
}

/* ---- alignment ---- */
static void test_alignment(void **st) {
    (void)st;
    vlab_machine *m = mk();
    ppc_cpu *s = C(m);
    vlab_stop r = RUN(m, LI(9, 0x4001), D(46, 30, 9, 0) /* lmw r30,0(r9) */);
    (void)r;
    assert_int_equal(vlab_pc(m), 0x600);
    assert_int_equal(s->dar, 0x4001);
    assert_int_equal(s->srr0, 0x1004);
    assert_int_equal(s->dsisr & 0x3FF, 30u << 5 | 9);
    /* lswi with rA in the range of registers loaded: invalid form, illegal when it runs */
    r = RUN(m, X(21, 23, 17, 597, 0));
    assert_int_equal(vlab_pc(m), 0x700);
    assert_int_equal(s->srr1 & 0xFFFF0000u, SRR1_ILLEGAL);
    /* unaligned word loads are done by the 750 in hardware */
    vlab_mem_set(m, 0x4100, 4, 0x01020304);
    vlab_mem_set(m, 0x4104, 4, 0x05060708);
    r = RUN(m, LI(9, 0x4101), LWZ(3, 0, 9));
    assert_int_equal(s->gpr[3], 0x02030405);
    vlab_machine_free(m);
}

/* ---- more exceptions: IP prefix, checkstop, direct-store, tlbie, branch trace, hooks ---- */
static int hook_count(void *ctx, int ev, uint32_t a, uint32_t b) {
    (void)b;
    int *n = ctx;
    if (ev == VLAB_EV_EXCEPTION && a == 0xC00) n[0]++;
    if (ev == VLAB_EV_MODE) n[1]++;
    return 0;
}
static void test_exceptions_misc(void **st) {
    (void)st;
    vlab_machine *m = mk();
    ppc_cpu *s = C(m);
    /* MSR[IP]: the vector is at 0xFFF00000 + offset, not RAM: uninstalled */
    s->msr = MSR_ME | MSR_IP;
    vlab_stop r = RUN(m, SC);
    assert_int_equal(r.reason, VLAB_STOP_EXCEPTION);
    assert_int_equal(r.vector, 0xC00);
    assert_int_equal(r.pc, 0x1000);
    /* checkstop: machine check with MSR[ME] = 0 */
    s->msr = 0;
    r = RUN(m, ADDIS(9, 0, 0x8000), LWZ(3, 0, 9));
    assert_int_equal(r.reason, VLAB_STOP_ERROR);
    assert_int_equal(r.pc, 0x1004);
    /* direct-store segment: DSI with DSISR bit 5 (IBM) */
    s->msr = MSR_ME | MSR_DR;
    s->sr[3] = 0x80000000u;
    ppc_tlb_flush(s);
    r = RUN(m, ADDIS(9, 0, 0x3000), STW(3, 0, 9));
    assert_int_equal(vlab_pc(m), 0x300);
    assert_int_equal(s->dsisr, PPC_DSISR_DS | PPC_DSISR_STORE);
    /* a PTE changed in memory is seen only after tlbie (like the 750's TLB) */
    s->sdr1 = HTAB;
    s->sr[4] = 0x444;
    map_page(m, 0x444, 0x40000000u, 0x8000, 2, false);
    ppc_tlb_flush(s);
    vlab_mem_set(m, 0x8000, 4, 0x8888);
    vlab_mem_set(m, 0x9000, 4, 0x9999);
    s->msr = MSR_ME | MSR_DR;
    r = RUN(m, ADDIS(9, 0, 0x4000), LWZ(3, 0, 9));
    assert_int_equal(s->gpr[3], 0x8888);
    uint32_t pidx = 0, hash = (0x444 ^ pidx) & 0x7FFFF, pte = HTAB | ((hash & 0x3FF) << 6);
    vlab_mem_set(m, pte + 4, 4, 0x9000 | 2);
    r = RUN(m, ADDIS(9, 0, 0x4000), LWZ(3, 0, 9));
    assert_int_equal(s->gpr[3], 0x8888);
    r = RUN(m, ADDIS(9, 0, 0x4000), X(0, 0, 9, 306, 0) /* tlbie r9 */, LWZ(3, 0, 9));
    assert_int_equal(s->gpr[3], 0x9999);
    /* guarded IBAT block: no instruction fetch */
    s->ibat[0] = 0x00000000u | 2;
    s->ibat[1] = 0x00000000u | 0x8 | 2;
    ppc_tlb_flush(s);
    s->msr = MSR_ME | MSR_IR;
    r = RUN(m, NOP);
    assert_int_equal(vlab_pc(m), 0x400);
    assert_int_equal(s->srr1 & 0xFFFF0000u, PPC_ISI_NOEXEC);
    assert_int_equal(s->srr0, 0x1000);
    /* branch trace: after the branch only */
    s->msr = MSR_ME | MSR_BE;
    r = RUN(m, NOP, B(8), NOP, LI(3, 4));
    assert_int_equal(vlab_pc(m), 0xD00);
    assert_int_equal(s->srr0, 0x100C);
    /* raise from the monitor: DSI with DAR */
    s->msr = MSR_ME | MSR_PR;
    vlab_set_pc(m, 0x1234);
    ppc_ops.raise(s, 0x300, PPC_DSISR_NOPTE, 0xABCD0);
    assert_int_equal(s->srr0, 0x1234);
    assert_int_equal(s->dar, 0xABCD0);
    assert_int_equal(s->dsisr, PPC_DSISR_NOPTE);
    assert_true(s->srr1 & MSR_PR);
    assert_int_equal(vlab_pc(m), 0x300);
    ppc_ops.raise(s, 0x700, SRR1_PRIV, 0);
    assert_int_equal(s->srr1 & 0xFFFF0000u, SRR1_PRIV);
    /* events */
    int n[2] = { 0, 0 };
    vlab_set_hook(m, VLAB_EV_EXCEPTION | VLAB_EV_MODE, hook_count, n);
    s->msr = MSR_ME;
    put(m, 0x2000, (uint32_t[]){ SC }, 1);
    r = RUN(m, LI(3, MSR_PR | MSR_ME), MTSPR(27, 3), LI(4, 0x2000), MTSPR(26, 4), RFI);
    assert_int_equal(vlab_pc(m), 0xC00);
    assert_int_equal(n[0], 1);
    assert_int_equal(n[1], 2);
    vlab_set_hook(m, 0, NULL, NULL);
    vlab_machine_free(m);
}

/* ---- robustness: random code and random MMU state never crash or hang ---- */
static uint64_t fz;
static uint32_t frand(void) {
    fz ^= fz << 13;
    fz ^= fz >> 7;
    fz ^= fz << 17;
    return (uint32_t)(fz >> 16);
}
static void test_fuzz(void **st) {
    (void)st;
    char err[256];
    vlab_machine *m = vlab_machine_new("ppc", "750", 1u << 16, err, sizeof err);
    assert_non_null(m);
    ppc_cpu *s = C(m);
    fz = 0x750;
    for (int round = 0; round < 300; round++) {
        for (uint32_t a = 0; a < (1u << 16); a += 4) {
            uint32_t w = frand();
            /* bias towards valid instructions: take a table form and randomize its free fields */
            if (frand() & 1) {
                const ppc_insn *in = &ppc_insns[frand() % (uint32_t)ppc_ninsns];
                w = in->match | (w & ~in->mask);
            }
            vlab_mem_set(m, a, 4, w);
        }
        s->msr = frand() & MSR_MASK;
        s->sdr1 = frand() & 0x0000FFFFu; /* HTABORG 0: the table is in this RAM */
        for (int i = 0; i < 16; i++) s->sr[i] = frand();
        for (int i = 0; i < 8; i++) s->ibat[i] = frand(), s->dbat[i] = frand();
        ppc_tlb_flush(s);
        ppc_set_dec(s, frand() & 0xFFF);
        s->c.irq_level = (int)(frand() & 1);
        s->c.intercept = (frand() & 7) == 0;
        s->c.exit_set = (frand() & 7) == 0 ? frand() & 0x3F : 0;
        for (int i = 0; i < 32; i++) s->gpr[i] = frand();
        s->xer = frand();
        vlab_set_pc(m, frand() & 0xFFFC);
        for (int k = 0; k < 20; k++) {
            vlab_stop r = vlab_run(m, 500, 0, 0);
            assert_true(r.reason >= VLAB_STOP_BUDGET && r.reason <= VLAB_STOP_ERROR);
            if (r.reason != VLAB_STOP_BUDGET) vlab_set_pc(m, frand() & 0xFFFC);
        }
    }
    print_message("fuzz: %llu instructions, %llu exceptions\n", (unsigned long long)s->c.icount,
                  (unsigned long long)s->c.exceptions);
    assert_true(s->c.icount > 100000);
    vlab_machine_free(m);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_decode_table), cmocka_unit_test(test_regs_reset),
        cmocka_unit_test(test_arith),        cmocka_unit_test(test_branches),
        cmocka_unit_test(test_loadstore),    cmocka_unit_test(test_privilege),
        cmocka_unit_test(test_intercept),    cmocka_unit_test(test_interrupts),
        cmocka_unit_test(test_halt_step),    cmocka_unit_test(test_mmu),
        cmocka_unit_test(test_alignment),    cmocka_unit_test(test_fuzz),
        cmocka_unit_test(test_exceptions_misc), cmocka_unit_test(test_decode_flow),
        cmocka_unit_test(test_decoded_cache),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
