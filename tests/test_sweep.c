/* test_sweep.c - the sweep (vmm/sweep.c, isa/<isa>/forms.c) and its tables
 * (vmm/table.c). Every assertion is about measured rows: which forms leak,
 * trap or run directly comes out of the runs, and is compared with what the
 * manuals say, never with the product's own classification (the 750's SPR
 * rows against a list of the 750's SPRs written here from its manual). Also: the mutation test (a 68010 core variant, existing only in this
 * binary, whose MOVE from SR is unprivileged must make the sweep report a
 * leak and Theorem 1 failing), determinism, golden files per output format
 * (tests/golden; VLAB_UPDATE_GOLDEN=1 rewrites them) and the JSON schema of
 * DESIGN §4.3 checked by a small validator. The x86, which the monitor
 * cannot run yet, is measured natively: its detectors (the descriptor
 * tables moved, IF/IOPL/CR0.MP changed, IOPL 0 against 3) are checked
 * against the manuals' lists and against an x86 core variant (this binary
 * only) whose SGDT traps and whose CLI ignores IOPL. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "isa/m68k/m68k.h"
#include "isa/ppc/ppc.h"
#include "isa/x86-subset/x86.h"
#include "vmm/sweep.h"

static vl_sweep_result sweep_of(const char *isa, const char *model, int states, const char *filter,
                                const vl_cpu_ops *ops) {
    vl_sweep_opts o = { 0 };
    o.isa = isa;
    o.model = model;
    o.states = states;
    o.filter = filter;
    o.ops = ops;
    o.seed = 1;
    vl_sweep_result r;
    char err[256] = "";
    int rc = vl_sweep_run(&o, &r, err, sizeof err);
    if (rc) fprintf(stderr, "sweep: %s\n", err);
    assert_int_equal(rc, 0);
    return r;
}

static bool starts(const char *s, const char *p) { return strncmp(s, p, strlen(p)) == 0; }

/* The "error:" lines the commands print for r, which must have `want` of them (malloc'd). */
static char *mismatch_report(const vl_sweep_result *r, int want) {
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    assert_non_null(f);
    assert_int_equal(vl_sweep_report_mismatches(r, f), want);
    fclose(f);
    return buf;
}

/* ---- 68000: the MOVE from SR forms leak, nothing else ------------------------------- */
static void test_68000(void **st) {
    (void)st;
    vl_sweep_result r = sweep_of("m68k", "68000", 8, NULL, NULL);
    int mfsr = 0, leaks = 0;
    for (size_t i = 0; i < r.nrows; i++) {
        const vl_sweep_row *w = &r.rows[i];
        assert_false(w->mismatch);
        bool is_mfsr = !strcmp(w->mnemonic, "move from sr");
        if (is_mfsr) {
            mfsr++;
            assert_int_equal(w->outcome, VL_OUT_LEAKS);
            assert_false(w->privileged);
            assert_true(w->sensitive & VL_SENS_MODE);
            assert_non_null(strstr(w->reason, "reads S=0 from SR"));
        }
        if (w->outcome == VL_OUT_LEAKS) {
            leaks++;
            assert_true(is_mfsr);
        }
        /* the classic privileged set traps */
        if (!strcmp(w->mnemonic, "move to sr") || !strcmp(w->mnemonic, "rte") || !strcmp(w->mnemonic, "stop") ||
            !strcmp(w->mnemonic, "ori to sr") || !strcmp(w->mnemonic, "move usp")) {
            assert_true(w->privileged);
            assert_int_equal(w->outcome, VL_OUT_TRAPS);
        }
        if (!strcmp(w->mnemonic, "move from ccr") || !strcmp(w->mnemonic, "movec")) {
            assert_int_equal(w->outcome, VL_OUT_ILLEGAL);
        }
    }
    assert_int_equal(mfsr, 8); /* Dn and the seven data-alterable memory modes */
    assert_int_equal(leaks, 8);
    assert_int_equal(r.sum.leaks, 8);
    assert_int_equal(r.sum.sensitive_unprivileged, 8);
    assert_false(r.sum.theorem1);
    assert_true(r.sum.theorem3); /* a hybrid monitor works: virtual user mode reads S = 0 natively too */
    assert_int_equal(r.sum.mismatches, 0);
    vl_sweep_result_free(&r);
}

/* ---- 68010: nothing leaks; MOVE from SR privileged, MOVE from CCR innocuous -------- */
static void test_68010(void **st) {
    (void)st;
    vl_sweep_result r = sweep_of("m68k", "68010", 8, NULL, NULL);
    int mfsr = 0, mfccr = 0, movec = 0;
    for (size_t i = 0; i < r.nrows; i++) {
        const vl_sweep_row *w = &r.rows[i];
        assert_false(w->mismatch);
        assert_int_not_equal(w->outcome, VL_OUT_LEAKS);
        if (!strcmp(w->mnemonic, "move from sr")) {
            mfsr++;
            assert_true(w->privileged);
            assert_int_equal(w->outcome, VL_OUT_TRAPS);
        }
        if (!strcmp(w->mnemonic, "move from ccr")) {
            mfccr++;
            assert_false(w->privileged);
            assert_int_equal(w->sensitive, 0);
            assert_int_equal(w->measured, VL_CLASS_INNOCUOUS);
            assert_int_equal(w->outcome, VL_OUT_DIRECT);
        }
        if (!strcmp(w->mnemonic, "movec") || !strcmp(w->mnemonic, "moves")) {
            movec++;
            assert_true(w->privileged);
            assert_int_equal(w->outcome, VL_OUT_TRAPS);
        }
    }
    assert_int_equal(mfsr, 8);
    assert_int_equal(mfccr, 8);
    assert_true(movec > 8);
    assert_int_equal(r.sum.leaks, 0);
    assert_true(r.sum.theorem1);
    assert_true(r.sum.theorem3);
    assert_int_equal(r.sum.mismatches, 0);
    vl_sweep_result_free(&r);
}

/* ---- 750: privileged instructions and SPRs trap, user SPRs run directly ------------- */
static uint32_t first_word(const vl_sweep_row *w) { return (uint32_t)strtoul(w->enc, NULL, 16); }

/* The SPRs of the PowerPC 750 that mfspr (R) and mtspr (W) accept, written
 * from the manuals, not from the decode table: the MPC750 RISC Microprocessor
 * User's Manual (SPR encodings of the 750: UISA/VEA user-level registers,
 * OEA supervisor registers, the 750's implementation-specific ones) and the
 * OEA rule of the PowerPC Microprocessor Family: The Programming
 * Environments (mfspr/mtspr: SPR number bit 4 set, i.e. 16-31 modulo 32,
 * means supervisor-level: executed in user mode it takes a privileged
 * program exception). Every other SPR number, in either direction, is an
 * illegal instruction on the 750. */
enum { SPR_R = 1, SPR_W = 2, SPR_RW = 3 };
static const struct {
    unsigned num, dirs;
    bool priv;
    const char *name;
} spr750[] = {
    /* user level */
    { 1, SPR_RW, false, "XER" },
    { 8, SPR_RW, false, "LR" },
    { 9, SPR_RW, false, "CTR" },
    { 268, SPR_R, false, "TBL (read)" },
    { 269, SPR_R, false, "TBU (read)" },
    { 936, SPR_R, false, "UMMCR0" },
    { 937, SPR_R, false, "UPMC1" },
    { 938, SPR_R, false, "UPMC2" },
    { 939, SPR_R, false, "USIA" },
    { 940, SPR_R, false, "UMMCR1" },
    { 941, SPR_R, false, "UPMC3" },
    { 942, SPR_R, false, "UPMC4" },
    /* supervisor level (OEA) */
    { 18, SPR_RW, true, "DSISR" },
    { 19, SPR_RW, true, "DAR" },
    { 22, SPR_RW, true, "DEC" },
    { 25, SPR_RW, true, "SDR1" },
    { 26, SPR_RW, true, "SRR0" },
    { 27, SPR_RW, true, "SRR1" },
    { 272, SPR_RW, true, "SPRG0" },
    { 273, SPR_RW, true, "SPRG1" },
    { 274, SPR_RW, true, "SPRG2" },
    { 275, SPR_RW, true, "SPRG3" },
    { 282, SPR_RW, true, "EAR" },
    { 284, SPR_W, true, "TBL (write)" },
    { 285, SPR_W, true, "TBU (write)" },
    { 287, SPR_R, true, "PVR (read-only)" },
    { 528, SPR_RW, true, "IBAT0U" },
    { 529, SPR_RW, true, "IBAT0L" },
    { 530, SPR_RW, true, "IBAT1U" },
    { 531, SPR_RW, true, "IBAT1L" },
    { 532, SPR_RW, true, "IBAT2U" },
    { 533, SPR_RW, true, "IBAT2L" },
    { 534, SPR_RW, true, "IBAT3U" },
    { 535, SPR_RW, true, "IBAT3L" },
    { 536, SPR_RW, true, "DBAT0U" },
    { 537, SPR_RW, true, "DBAT0L" },
    { 538, SPR_RW, true, "DBAT1U" },
    { 539, SPR_RW, true, "DBAT1L" },
    { 540, SPR_RW, true, "DBAT2U" },
    { 541, SPR_RW, true, "DBAT2L" },
    { 542, SPR_RW, true, "DBAT3U" },
    { 543, SPR_RW, true, "DBAT3L" },
    /* supervisor level, the 750's own */
    { 952, SPR_RW, true, "MMCR0" },
    { 953, SPR_RW, true, "PMC1" },
    { 954, SPR_RW, true, "PMC2" },
    { 955, SPR_RW, true, "SIA" },
    { 956, SPR_RW, true, "MMCR1" },
    { 957, SPR_RW, true, "PMC3" },
    { 958, SPR_RW, true, "PMC4" },
    { 1008, SPR_RW, true, "HID0" },
    { 1009, SPR_RW, true, "HID1" },
    { 1010, SPR_RW, true, "IABR" },
    { 1013, SPR_RW, true, "DABR" },
    { 1017, SPR_RW, true, "L2CR" },
    { 1019, SPR_RW, true, "ICTC" },
    { 1020, SPR_RW, true, "THRM1" },
    { 1021, SPR_RW, true, "THRM2" },
    { 1022, SPR_RW, true, "THRM3" },
};
#define NSPR750 (sizeof spr750 / sizeof *spr750)

static void test_750(void **st) {
    (void)st;
    vl_sweep_result r = sweep_of("ppc", "750", 8, NULL, NULL);
    int sys = 0, rows[2] = { 0, 0 }, priv_rows = 0, user_rows = 0, illegal_rows = 0;
    int seen[NSPR750][2];
    memset(seen, 0, sizeof seen);
    for (size_t i = 0; i < r.nrows; i++) {
        const vl_sweep_row *w = &r.rows[i];
        assert_false(w->mismatch);
        assert_int_not_equal(w->outcome, VL_OUT_LEAKS);
        if (!strcmp(w->mnemonic, "mfmsr") || !strcmp(w->mnemonic, "mtmsr") || !strcmp(w->mnemonic, "rfi")) {
            sys++;
            assert_true(w->privileged);
            assert_int_equal(w->outcome, VL_OUT_TRAPS);
        }
        int mt = !strcmp(w->mnemonic, "mtspr");
        if (!mt && strcmp(w->mnemonic, "mfspr")) continue;
        /* one row per SPR number and direction: its number from the word
         * (the two 5-bit halves of the SPR field swapped, bits 11-20) */
        uint32_t word = first_word(w);
        unsigned spr = ((word >> 16) & 0x1F) | ((word >> 11) & 0x1F) << 5;
        rows[mt]++;
        size_t k = 0;
        while (k < NSPR750 && !(spr750[k].num == spr && (spr750[k].dirs & (mt ? SPR_W : SPR_R)))) k++;
        if (k == NSPR750) { /* not an SPR of the 750 in this direction: illegal */
            if (w->outcome != VL_OUT_ILLEGAL || w->declared != VL_CLASS_ILLEGAL)
                fail_msg("%s %u: not an SPR of the 750, but the sweep measures %s (declared %s)", w->mnemonic, spr,
                         vl_sweep_outcome_name(w->outcome), vl_class_name(w->declared));
            illegal_rows++;
            continue;
        }
        seen[k][mt]++;
        bool want_traps = spr750[k].priv;
        if (w->privileged != want_traps || w->outcome != (want_traps ? VL_OUT_TRAPS : VL_OUT_DIRECT) ||
            w->measured != (want_traps ? VL_CLASS_PRIVILEGED : VL_CLASS_INNOCUOUS))
            fail_msg("%s %u (%s): the manual says %s, the sweep measures %s, %s (%s)", w->mnemonic, spr,
                     spr750[k].name, want_traps ? "privileged: traps" : "user level: runs directly",
                     w->privileged ? "privileged" : "not privileged", vl_sweep_outcome_name(w->outcome),
                     vl_class_name(w->measured));
        if (want_traps) priv_rows++;
        else user_rows++;
    }
    /* every SPR of the list met exactly once in each of its directions */
    for (size_t k = 0; k < NSPR750; k++)
        for (int mt = 0; mt < 2; mt++) {
            int want = (spr750[k].dirs & (mt ? SPR_W : SPR_R)) ? 1 : 0;
            if (seen[k][mt] != want)
                fail_msg("%s %u (%s): %d sweep rows, expected %d", mt ? "mtspr" : "mfspr", spr750[k].num,
                         spr750[k].name, seen[k][mt], want);
        }
    assert_int_equal(sys, 3);
    assert_int_equal(rows[0], 1024); /* every SPR number, both directions */
    assert_int_equal(rows[1], 1024);
    assert_int_equal(priv_rows, 89);  /* 43 read-write, TBL/TBU write, PVR read */
    assert_int_equal(user_rows, 15);  /* XER, LR, CTR both ways; TBL, TBU, 7 user monitor copies read */
    assert_int_equal(illegal_rows, 2048 - 89 - 15);
    assert_int_equal(r.sum.leaks, 0);
    assert_true(r.sum.theorem1);
    assert_true(r.sum.theorem3);
    assert_int_equal(r.sum.mismatches, 0);
    vl_sweep_result_free(&r);
}

/* ---- mutation: a 68010 whose MOVE from SR is unprivileged (this binary only) -------- */
static vl_stop mutant_run(void *cpu, uint64_t max) {
    m68k_cpu *s = cpu;
    vl_stop st = { .reason = VLAB_STOP_BUDGET, .pc = s->pc, .vector = -1 };
    m68k_mem_refresh(s);
    for (uint64_t i = 0; i < max; i++) {
        uint32_t w = 0;
        bool mfsr = !(s->pc & 1) && m68k_rd(s, s->pc, 2, &w) && (w & 0xFFC0) == 0x40C0 &&
                    m68k_decode_word(M68K_68000, (uint16_t)w);
        int v = s->variant;
        if (mfsr) s->variant = M68K_68000; /* the 68000's handler: no privilege check */
        st = m68k_ops.run(cpu, 1);
        s->variant = v;
        if (st.reason != VLAB_STOP_BUDGET && st.reason != VLAB_STOP_NONE) return st;
    }
    return st;
}

static void test_mutation(void **st) {
    (void)st;
    vl_cpu_ops mutant = m68k_ops;
    mutant.run = mutant_run;
    vl_sweep_result r = sweep_of("m68k", "68010", 4, "move from", &mutant);
    int leaks = 0;
    for (size_t i = 0; i < r.nrows; i++) {
        const vl_sweep_row *w = &r.rows[i];
        if (!strcmp(w->mnemonic, "move from sr")) {
            assert_int_equal(w->outcome, VL_OUT_LEAKS);
            assert_false(w->privileged);
            assert_true(w->mismatch); /* declared privileged, measured mode-sensitive */
            assert_non_null(strstr(w->reason, "S=0"));
            leaks++;
        } else {
            assert_int_not_equal(w->outcome, VL_OUT_LEAKS);
        }
    }
    assert_int_equal(leaks, 8);
    assert_false(r.sum.theorem1);
    assert_int_equal(r.sum.mismatches, 8);
    char *buf = mismatch_report(&r, 8);
    assert_non_null(strstr(buf, "error: m68k:68010 move from sr"));
    free(buf);
    vl_sweep_result_free(&r);
    /* the same binary with the real core: no leak */
    r = sweep_of("m68k", "68010", 4, "move from", NULL);
    assert_int_equal(r.sum.leaks, 0);
    assert_true(r.sum.theorem1);
    vl_sweep_result_free(&r);
}

/* ---- the location detector: a 68010 whose MOVEC VBR,Rn is unprivileged --------------
 * (this binary only). Under the monitor the guest's MOVEC then runs on the
 * real CPU and reads the real VBR: the monitor's vector table, in the VM's
 * monitor region, which the sweep's second VM has elsewhere. The row must
 * come out location-sensitive, and leaking. */
static vl_stop movec_vbr_run(void *cpu, uint64_t max) {
    m68k_cpu *s = cpu;
    vl_stop st = { .reason = VLAB_STOP_BUDGET, .pc = s->pc, .vector = -1 };
    m68k_mem_refresh(s);
    for (uint64_t i = 0; i < max; i++) {
        uint32_t w = 0, ext = 0;
        if (!(s->pc & 1) && m68k_rd(s, s->pc, 2, &w) && w == 0x4E7A && m68k_rd(s, s->pc + 2, 2, &ext) &&
            (ext & 0x0FFF) == 0x801 && !(s->sr & 0x2000)) {
            /* what the supervisor-mode MOVEC VBR,Rn does, without the privilege check */
            unsigned rn = (ext >> 12) & 15;
            if (rn < 8) s->d[rn] = s->vbr;
            else s->a[rn - 8] = s->vbr;
            s->pc += 4;
            s->c.icount++;
            continue;
        }
        st = m68k_ops.run(cpu, 1);
        if (st.reason != VLAB_STOP_BUDGET && st.reason != VLAB_STOP_NONE) return st;
    }
    st.pc = s->pc;
    return st;
}

static void test_location(void **st) {
    (void)st;
    vl_cpu_ops mutant = m68k_ops;
    mutant.run = movec_vbr_run;
    vl_sweep_result r = sweep_of("m68k", "68010", 8, "movec", &mutant);
    int found = 0;
    for (size_t i = 0; i < r.nrows; i++) {
        const vl_sweep_row *w = &r.rows[i];
        if (strstr(w->form, "vbr,") && strstr(w->form, "movec")) {
            found++;
            assert_true(w->sensitive & VL_SENS_LOCATION);
            assert_int_equal(w->measured, VL_CLASS_LOCATION_SENSITIVE);
            assert_int_equal(w->outcome, VL_OUT_LEAKS);
            assert_true(w->mismatch); /* declared privileged */
        } else {
            assert_false(w->sensitive & VL_SENS_LOCATION);
        }
    }
    assert_int_equal(found, 1);
    vl_sweep_result_free(&r);
    /* with the real core nothing is location-sensitive, on any model */
    const char *models[][2] = { { "m68k", "68000" }, { "m68k", "68010" }, { "ppc", "750" } };
    for (int k = 0; k < 3; k++) {
        r = sweep_of(models[k][0], models[k][1], 4, NULL, NULL);
        for (size_t i = 0; i < r.nrows; i++) assert_false(r.rows[i].sensitive & VL_SENS_LOCATION);
        vl_sweep_result_free(&r);
    }
}


/* ---- x86, natively: the manuals' lists, and the detectors against a mutant -------------- */
static const vl_sweep_row *row_of(const vl_sweep_result *r, const char *form) {
    for (size_t i = 0; i < r->nrows; i++)
        if (!strcmp(r->rows[i].form, form)) return &r->rows[i];
    fprintf(stderr, "%s: no row '%s'\n", r->model, form);
    fail();
    return NULL;
}

static void test_x86(void **st) {
    (void)st;
    /* REFERENCE §4 (Robin and Irvine within the subset; the privileged and
     * the IOPL-sensitive lists), checked row by row on both models */
    static const char *const sens_unpriv[] = { "sgdt m", "sidt m", "sldt r16", "str m16", "smsw r16", "pushf", "popf",
                                               "lar r16,r16/32", "lsl m16,r16/32", "verr r16", "verw m16",
                                               "mov %cs,r16/32", "mov %ss,m16/32", "push %cs", "push %ss", "pop %ss",
                                               "mov r16,%ds", "iret", "lret", "lcall $sel,$off", "int $imm8", NULL };
    static const char *const priv[] = { "lgdt m", "lidt m", "lldt r16", "ltr m16", "lmsw r16", "clts", "hlt",
                                        "mov r32,%cr0", "mov %cr3,r32", "mov r32,%dr7", NULL };
    static const char *const iopl[] = { "cli", "sti", "in $imm8,%al", "out %eax,(%dx)", "ins (%dx),%es:(%edi)",
                                        "outs (%esi),(%dx)", NULL };
    static const char *const models[2] = { "i386", "pentium" };
    for (int m = 0; m < 2; m++) {
        vl_sweep_result r = sweep_of("x86", models[m], 8, NULL, NULL);
        assert_string_equal(r.technique, "trap-and-emulate");
        assert_int_equal(r.sum.mismatches, 0);
        int loc = 0;
        for (size_t i = 0; i < r.nrows; i++) {
            const vl_sweep_row *w = &r.rows[i];
            assert_false(w->mismatch);
            if (w->measured == VL_CLASS_ILLEGAL) assert_int_equal(w->outcome, VL_OUT_ILLEGAL);
            else assert_true(w->outcome == VL_OUT_TRAPS || w->outcome == VL_OUT_LEAKS || w->outcome == VL_OUT_DIRECT);
            /* under the monitor only a sensitive form that does not trap may leak */
            if (w->outcome == VL_OUT_LEAKS) assert_true(w->sensitive && !w->privileged);
            /* the tables moved: only SGDT, SIDT, SLDT and STR see it (and LTR, which writes the GDT's busy bit);
             * under the monitor LSL too: the limits truncated below the monitor region show where it is */
            if (w->sensitive & VL_SENS_LOCATION) {
                loc++;
                assert_true(starts(w->form, "sgdt") || starts(w->form, "sidt") || starts(w->form, "sldt") ||
                            starts(w->form, "str") || starts(w->form, "ltr") || starts(w->form, "lsl"));
            }
        }
        assert_int_equal(loc, 10); /* sgdt, sidt, sldt r/m, str r/m, ltr r/m, lsl r/m */
        for (int k = 0; sens_unpriv[k]; k++) {
            const vl_sweep_row *w = row_of(&r, sens_unpriv[k]);
            assert_false(w->privileged);
            assert_true(w->sensitive != 0);
            assert_int_not_equal(w->measured, VL_CLASS_IOPL_SENSITIVE);
        }
        for (int k = 0; priv[k]; k++) assert_int_equal(row_of(&r, priv[k])->measured, VL_CLASS_PRIVILEGED);
        for (int k = 0; iopl[k]; k++) {
            assert_int_equal(row_of(&r, iopl[k])->measured, VL_CLASS_IOPL_SENSITIVE);
            assert_false(row_of(&r, iopl[k])->privileged);
        }
        assert_true(row_of(&r, "pushf")->sensitive & VL_SENS_MODE);   /* IF and IOPL read */
        assert_true(row_of(&r, "smsw m16")->sensitive & VL_SENS_MODE); /* CR0.MP read */
        assert_int_equal(row_of(&r, "mov %ds,r16/32")->measured, VL_CLASS_INNOCUOUS);
        assert_int_equal(r.sum.iopl, 14); /* CLI, STI, IN and OUT (4 each), INS and OUTS (2 each) */
        assert_false(r.sum.theorem1);
        vl_sweep_result_free(&r);
    }
    /* the decode metadata (trap events, exit sets) gives the class the sweep measures per register */
    static const struct { uint8_t b[3]; int cls; } regops[] = {
        { { 0x8C, 0xD8 }, VL_CLASS_INNOCUOUS },           /* mov %ds,%eax */
        { { 0x8C, 0xC8 }, VL_CLASS_MODE_SENSITIVE },      /* mov %cs,%eax */
        { { 0x8E, 0xC8 }, VL_CLASS_ILLEGAL },             /* mov %eax,%cs: #UD */
        { { 0x0F, 0x20, 0xC8 }, VL_CLASS_ILLEGAL },       /* mov %cr1,%eax: #UD */
        { { 0x0F, 0x22, 0xD8 }, VL_CLASS_PRIVILEGED },    /* mov %eax,%cr3 */
    };
    for (size_t k = 0; k < sizeof regops / sizeof regops[0]; k++) {
        vl_decode_info d;
        x86_decode_info(X86_I386, regops[k].b, 3, 0, &d);
        assert_int_equal(d.cls, regops[k].cls);
    }
    /* x86 runs under the monitor (ring compression): SGDT leaks, and what
     * it shows depends on where the monitor region is */
    vl_sweep_opts o = { 0 };
    vl_sweep_result r;
    char err[256];
    o.isa = "x86";
    o.model = "i386";
    o.technique = "trap-and-emulate";
    o.filter = "sgdt";
    o.states = 2;
    assert_int_equal(vl_sweep_run(&o, &r, err, sizeof err), 0);
    assert_true(r.nrows >= 1);
    assert_int_equal(r.rows[0].outcome, VL_OUT_LEAKS);
    assert_true(r.rows[0].sensitive & VL_SENS_LOCATION);
    vl_sweep_result_free(&r);
    assert_null(vl_sweep_unmonitored("x86"));
    assert_null(vl_sweep_unmonitored("m68k"));
}

/* A core whose SGDT is privileged (#GP(0) at CPL > 0) and whose CLI ignores
 * IOPL: the sweep must measure both and report them against the table. */
static vl_stop x86_mutant_run(void *cpu, uint64_t max) {
    x86_cpu *s = cpu;
    const uint8_t *ram = s->c.m->mem.ram;
    uint32_t pc = s->seg[X86_CS].base + s->eip;
    if (pc + 4 <= s->c.m->mem.size) {
        const uint8_t *p = ram + pc + (ram[pc] == 0x66);
        vl_stop st = { .reason = VLAB_STOP_BUDGET, .vector = -1 };
        if (s->cpl > 0 && p[0] == 0x0F && p[1] == 0x01 && ((p[2] >> 3) & 7) == 0) {
            x86_ops.raise(cpu, X86_EXC_GP, 0, 0);
            s->c.icount++;
            st.pc = s->eip;
            return st;
        }
        if (p[0] == 0xFA) {
            s->eflags &= ~X86_IF;
            s->eip += (uint32_t)(p - (ram + pc)) + 1;
            s->c.icount++;
            st.pc = s->eip;
            return st;
        }
    }
    return x86_ops.run(cpu, max);
}

static void test_x86_mutation(void **st) {
    (void)st;
    vl_cpu_ops mutant = x86_ops;
    mutant.run = x86_mutant_run;
    vl_sweep_result r = sweep_of("x86", "i386", 4, NULL, &mutant);
    const vl_sweep_row *sgdt = row_of(&r, "sgdt m"), *cli = row_of(&r, "cli");
    assert_true(sgdt->privileged);
    assert_int_equal(sgdt->measured, VL_CLASS_PRIVILEGED);
    assert_true(sgdt->mismatch); /* declared location-sensitive */
    assert_false(cli->privileged);
    assert_int_equal(cli->measured, VL_CLASS_CONTROL_SENSITIVE); /* IF cleared at CPL 3, IOPL 0 */
    assert_true(cli->mismatch);                                 /* declared iopl-sensitive */
    assert_int_equal(r.sum.mismatches, 2);
    assert_int_equal(row_of(&r, "sidt m")->measured, VL_CLASS_LOCATION_SENSITIVE);
    assert_int_equal(row_of(&r, "sti")->measured, VL_CLASS_IOPL_SENSITIVE);
    char *buf = mismatch_report(&r, 2);
    assert_non_null(strstr(buf, "error: x86:i386 sgdt 'sgdt m': declared location-sensitive, measured privileged"));
    assert_non_null(strstr(buf, "error: x86:i386 cli 'cli': declared iopl-sensitive, measured control-sensitive"));
    free(buf);
    vl_sweep_result_free(&r);
}

/* ---- determinism ---------------------------------------------------------------------- */
static void test_deterministic(void **st) {
    (void)st;
    vl_sweep_result a = sweep_of("m68k", "68000", 3, "move", NULL);
    vl_sweep_result b = sweep_of("m68k", "68000", 3, "move", NULL);
    for (int f = 0; f < VL_FMT_COUNT; f++) {
        char *x = vl_table_render(&a, 1, f, f & 1), *y = vl_table_render(&b, 1, f, f & 1);
        assert_non_null(x);
        assert_string_equal(x, y);
        free(x);
        free(y);
    }
    vl_sweep_result_free(&a);
    vl_sweep_result_free(&b);
}

/* ---- a small JSON validator for the DESIGN §4.3 schema ---------------------------------- */
typedef struct jp {
    const char *s;
    int err;
} jp;

enum { J_NULL, J_BOOL, J_NUM, J_STR, J_ARR, J_OBJ };
static void ws(jp *p) {
    while (*p->s == ' ' || *p->s == '\n' || *p->s == '\t' || *p->s == '\r') p->s++;
}
static int jvalue(jp *p, char *str, size_t strsz);
static int jstring(jp *p, char *out, size_t outsz) {
    size_t n = 0;
    if (*p->s != '"') return p->err = 1, -1;
    p->s++;
    while (*p->s && *p->s != '"') {
        char c = *p->s++;
        if ((unsigned char)c < 0x20) return p->err = 1, -1;
        if (c == '\\') {
            c = *p->s++;
            if (c == 'u') {
                for (int k = 0; k < 4; k++)
                    if (!strchr("0123456789abcdefABCDEF", *p->s++)) return p->err = 1, -1;
                c = '?';
            } else if (c == 'n') c = '\n';
            else if (!strchr("\"\\/bfrt", c)) return p->err = 1, -1;
        }
        if (out && n + 1 < outsz) out[n++] = c;
    }
    if (*p->s != '"') return p->err = 1, -1;
    p->s++;
    if (out) out[n] = 0;
    return J_STR;
}
/* Skip a value; returns its type. */
static int jvalue(jp *p, char *str, size_t strsz) {
    ws(p);
    char c = *p->s;
    if (c == '"') return jstring(p, str, strsz);
    if (c == '{' || c == '[') {
        char close = c == '{' ? '}' : ']';
        p->s++;
        ws(p);
        if (*p->s == close) {
            p->s++;
            return c == '{' ? J_OBJ : J_ARR;
        }
        for (;;) {
            ws(p);
            if (c == '{') {
                if (jstring(p, NULL, 0) < 0) return -1;
                ws(p);
                if (*p->s++ != ':') return p->err = 1, -1;
            }
            if (jvalue(p, NULL, 0) < 0) return -1;
            ws(p);
            if (*p->s == ',') {
                p->s++;
                continue;
            }
            if (*p->s++ != close) return p->err = 1, -1;
            return c == '{' ? J_OBJ : J_ARR;
        }
    }
    if (!strncmp(p->s, "true", 4) || !strncmp(p->s, "false", 5)) {
        p->s += p->s[0] == 't' ? 4 : 5;
        return J_BOOL;
    }
    if (!strncmp(p->s, "null", 4)) {
        p->s += 4;
        return J_NULL;
    }
    if (c == '-' || (c >= '0' && c <= '9')) {
        char *end;
        strtod(p->s, &end);
        p->s = end;
        return J_NUM;
    }
    return p->err = 1, -1;
}

/* Find member `key` of the object starting at p->s; leaves p->s at its value. */
static int jmember(const char *obj, const char *key, const char **val) {
    jp p = { obj, 0 };
    ws(&p);
    if (*p.s != '{') return -1;
    p.s++;
    for (;;) {
        ws(&p);
        if (*p.s == '}') return -1;
        char k[64];
        if (jstring(&p, k, sizeof k) < 0) return -1;
        ws(&p);
        if (*p.s++ != ':') return -1;
        ws(&p);
        if (!strcmp(k, key)) {
            *val = p.s;
            return 0;
        }
        if (jvalue(&p, NULL, 0) < 0) return -1;
        ws(&p);
        if (*p.s == ',') p.s++;
    }
}

static int jtype_of(const char *v, char *str, size_t strsz) {
    jp p = { v, 0 };
    return jvalue(&p, str, strsz);
}

static bool in_list(const char *s, const char *const *list) {
    for (; *list; list++)
        if (!strcmp(s, *list)) return true;
    return false;
}

/* Check one model object against the schema. */
static void check_model_object(const char *obj) {
    static const char *const classes[] = { "innocuous", "privileged", "control-sensitive", "mode-sensitive",
                                           "location-sensitive", "illegal", "iopl-sensitive", NULL };
    static const char *const outcomes[] = { "traps", "leaks", "runs directly", "illegal", "interpreted",
                                            "not modelled", NULL };
    static const char *const kinds[] = { "control", "mode", "location", NULL };
    const char *v;
    char s[256];
    for (int k = 0; k < 3; k++) {
        const char *key = k == 0 ? "isa" : k == 1 ? "model" : "technique";
        assert_int_equal(jmember(obj, key, &v), 0);
        assert_int_equal(jtype_of(v, s, sizeof s), J_STR);
    }
    bool native = !strcmp(s, VL_SWEEP_NATIVE); /* the technique: no monitor, no leak count */
    assert_int_equal(jmember(obj, "rows", &v), 0);
    jp p = { v, 0 };
    assert_int_equal(*p.s, '[');
    p.s++;
    int rows = 0;
    for (;;) {
        ws(&p);
        if (*p.s == ']') break;
        const char *row = p.s, *f;
        assert_int_equal(jvalue(&p, NULL, 0), J_OBJ);
        rows++;
        assert_int_equal(jmember(row, "mnemonic", &f), 0);
        assert_int_equal(jtype_of(f, s, sizeof s), J_STR);
        assert_true(s[0] != 0);
        assert_int_equal(jmember(row, "form", &f), 0);
        assert_int_equal(jtype_of(f, s, sizeof s), J_STR);
        assert_int_equal(jmember(row, "encodings", &f), 0);
        assert_int_equal(*f, '[');
        {
            jp q = { f + 1, 0 };
            int n = 0;
            for (;;) {
                ws(&q);
                if (*q.s == ']') break;
                assert_int_equal(jvalue(&q, NULL, 0), J_STR);
                n++;
                ws(&q);
                if (*q.s == ',') q.s++;
            }
            assert_true(n >= 1);
        }
        assert_int_equal(jmember(row, "declared", &f), 0);
        assert_int_equal(jtype_of(f, s, sizeof s), J_STR);
        assert_true(in_list(s, classes));
        assert_int_equal(jmember(row, "privileged", &f), 0);
        assert_int_equal(jtype_of(f, NULL, 0), J_BOOL);
        assert_int_equal(jmember(row, "sensitive", &f), 0);
        assert_int_equal(*f, '[');
        {
            jp q = { f + 1, 0 };
            for (;;) {
                ws(&q);
                if (*q.s == ']') break;
                assert_int_equal(jvalue(&q, s, sizeof s), J_STR);
                assert_true(in_list(s, kinds));
                ws(&q);
                if (*q.s == ',') q.s++;
            }
        }
        assert_int_equal(jmember(row, "outcome", &f), 0);
        assert_int_equal(jtype_of(f, s, sizeof s), J_STR);
        assert_true(in_list(s, outcomes));
        bool leak = !strcmp(s, "leaks");
        assert_int_equal(jmember(row, "reason", &f), 0);
        assert_int_equal(jtype_of(f, s, sizeof s), J_STR);
        if (leak) assert_true(s[0] != 0);
        ws(&p);
        if (*p.s == ',') p.s++;
    }
    assert_true(rows > 0);
    assert_int_equal(jmember(obj, "summary", &v), 0);
    assert_int_equal(jtype_of(v, NULL, 0), J_OBJ);
    static const char *const nums[] = { "forms", "privileged", "sensitive", "leaks", NULL };
    for (int k = 0; nums[k]; k++) {
        const char *f;
        assert_int_equal(jmember(v, nums[k], &f), 0);
        assert_int_equal(jtype_of(f, NULL, 0), native && !strcmp(nums[k], "leaks") ? J_NULL : J_NUM);
    }
    const char *f;
    assert_int_equal(jmember(v, "theorem1", &f), 0);
    assert_int_equal(jtype_of(f, NULL, 0), J_BOOL);
    assert_int_equal(jmember(v, "theorem3", &f), 0);
    assert_int_equal(jtype_of(f, NULL, 0), J_BOOL);
}

static void test_json_schema(void **st) {
    (void)st;
    vl_sweep_result r[2];
    r[0] = sweep_of("m68k", "68000", 2, "move from", NULL);
    r[1] = sweep_of("ppc", "750", 2, "msr", NULL);
    char *one = vl_table_render(r, 1, VL_FMT_JSON, false);
    jp p = { one, 0 };
    assert_int_equal(jvalue(&p, NULL, 0), J_OBJ);
    ws(&p);
    assert_int_equal(*p.s, 0);
    check_model_object(one);
    free(one);
    char *two = vl_table_render(r, 2, VL_FMT_JSON, true);
    p = (jp){ two, 0 };
    assert_int_equal(jvalue(&p, NULL, 0), J_ARR);
    ws(&p);
    assert_int_equal(*p.s, 0);
    const char *q = strchr(two, '{');
    check_model_object(q);
    q = strstr(two, "\"isa\": \"ppc\"");
    assert_non_null(q);
    while (*q != '{') q--;
    check_model_object(q);
    free(two);
    vl_sweep_result_free(&r[0]);
    vl_sweep_result_free(&r[1]);
    /* x86 under the monitor */
    r[0] = sweep_of("x86", "pentium", 2, "s", NULL);
    one = vl_table_render(r, 1, VL_FMT_JSON, false);
    p = (jp){ one, 0 };
    assert_int_equal(jvalue(&p, NULL, 0), J_OBJ);
    check_model_object(one);
    assert_non_null(strstr(one, "\"outcome\": \"leaks\""));
    free(one);
    vl_sweep_result_free(&r[0]);
}

/* ---- golden files --------------------------------------------------------------------------- */
static char *slurp(const char *path) {
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *b = malloc((size_t)n + 1);
    if (b && fread(b, 1, (size_t)n, f) != (size_t)n) {
        free(b);
        b = NULL;
    }
    if (b) b[n] = 0;
    fclose(f);
    return b;
}

static void golden(const char *name, const char *text) {
    char path[512];
    const char *dir = getenv("VLAB_GOLDEN_DIR") ? getenv("VLAB_GOLDEN_DIR") : "tests/golden";
    snprintf(path, sizeof path, "%s/%s", dir, name);
    if (getenv("VLAB_UPDATE_GOLDEN")) {
        FILE *f = fopen(path, "wb");
        assert_non_null(f);
        fputs(text, f);
        fclose(f);
        return;
    }
    char *want = slurp(path);
    if (!want) fprintf(stderr, "missing golden file %s (VLAB_UPDATE_GOLDEN=1 writes it)\n", path);
    assert_non_null(want);
    if (strcmp(want, text)) {
        fprintf(stderr, "%s differs from the output:\n%s\n", path, text);
        fail();
    }
    free(want);
}

static void test_golden(void **st) {
    (void)st;
    static const char *const ext[VL_FMT_COUNT] = { "md", "csv", "json", "tex", "html" };
    vl_sweep_result r[2];
    r[0] = sweep_of("m68k", "68000", 2, "move from", NULL);
    r[1] = sweep_of("m68k", "68010", 2, "move from", NULL);
    for (int f = 0; f < VL_FMT_COUNT; f++) {
        char name[64];
        char *t = vl_table_render(r, 1, f, false);
        assert_non_null(t);
        snprintf(name, sizeof name, "sweep-68000-move-from.%s", ext[f]);
        golden(name, t);
        free(t);
        t = vl_table_render(r, 2, f, true);
        snprintf(name, sizeof name, "table-m68k-move-from.%s", ext[f]);
        golden(name, t);
        free(t);
    }
    vl_sweep_result_free(&r[0]);
    vl_sweep_result_free(&r[1]);
}

/* ---- usage errors ------------------------------------------------------------------------------ */
static void test_errors(void **st) {
    (void)st;
    vl_sweep_opts o = { 0 };
    vl_sweep_result r;
    char err[256];
    o.isa = "m68k";
    o.model = "68020";
    assert_int_equal(vl_sweep_run(&o, &r, err, sizeof err), -1);
    assert_non_null(strstr(err, "68020"));
    o.model = "68000";
    o.technique = "magic";
    assert_int_equal(vl_sweep_run(&o, &r, err, sizeof err), -1);
    assert_non_null(strstr(err, "magic"));
    assert_int_equal(vl_table_format_find("pdf"), -1);
    assert_int_equal(vl_table_format_find("html"), VL_FMT_HTML);
    assert_true(starts(vl_sweep_outcome_name(VL_OUT_DIRECT), "runs directly"));
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_68000),
        cmocka_unit_test(test_68010),
        cmocka_unit_test(test_750),
        cmocka_unit_test(test_mutation),
        cmocka_unit_test(test_location),
        cmocka_unit_test(test_x86),
        cmocka_unit_test(test_x86_mutation),
        cmocka_unit_test(test_deterministic),
        cmocka_unit_test(test_json_schema),
        cmocka_unit_test(test_golden),
        cmocka_unit_test(test_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
