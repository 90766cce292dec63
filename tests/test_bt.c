/* test_bt.c - binary translation and scan-and-patch (vmm/tech_bt.c):
 * sensitive kernel instructions become callouts (the 68000's MOVE from SR no
 * longer leaks), blocks are chained, self-modifying code drops stale
 * translations, the translation is invisible to a guest reading its own
 * code while scan-and-patch's patch is not; the equivalence check with a
 * bare machine says the same, on each ISA. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "core/core.h"
#include "vmm/vmm.h"

#define ORG 0x1000u
#define GRAM (1u << 20)

typedef struct guest {
    const char *isa, *model;
    const char *src;
    const char *out;    /* register holding what the sensitive instruction read */
    const char *self;   /* register holding what the guest read of its own code */
    uint32_t patched;   /* what it reads of its own code under scan-and-patch */
    bool te_leaks;      /* trap-and-emulate leaks what the sensitive instruction reads */
} guest;

static uint8_t *assemble(const char *isa, const char *model, const char *src, size_t *len) {
    char err[256] = "";
    vl_machine *m = vlab_machine_new(isa, model, GRAM, err, sizeof err);
    assert_non_null(m);
    uint8_t *code = NULL;
    if (m->desc->ops->assemble(m->desc->variant, src, ORG, &code, len, err, sizeof err) != 0) fail_msg("asm: %s", err);
    vlab_machine_free(m);
    return code;
}

static vl_vm *mkvm(const guest *g, int technique) {
    char err[256] = "";
    vl_vm *vm = vl_vm_new(NULL, g->isa, g->model, GRAM, technique, NULL, err, sizeof err);
    if (!vm) fail_msg("vl_vm_new: %s", err);
    size_t len = 0;
    uint8_t *code = assemble(g->isa, g->model, g->src, &len);
    assert_int_equal(vlab_mem_write(vm->m, ORG, code, len), 0);
    free(code);
    vl_vm_boot(vm, ORG, 0x8000);
    return vm;
}

static vl_machine *mknative(const guest *g) {
    char err[256] = "";
    vl_machine *m = vlab_machine_new(g->isa, g->model, GRAM, err, sizeof err);
    assert_non_null(m);
    size_t len = 0;
    uint8_t *code = assemble(g->isa, g->model, g->src, &len);
    assert_int_equal(vlab_mem_write(m, ORG, code, len), 0);
    free(code);
    vl_machine_boot(m, ORG, 0x8000);
    return m;
}

static uint32_t vreg(vl_vm *vm, const char *name) {
    int i = vlab_reg_index(vm->m, name);
    assert_true(i >= 0);
    return vl_vm_reg_get(vm, i);
}

static uint32_t nreg(vl_machine *m, const char *name) {
    int i = vlab_reg_index(m, name);
    assert_true(i >= 0);
    return vlab_reg_get(m, i);
}

typedef struct seen {
    int blocks, callouts;
    uint32_t first;
} seen;

static int on_translate(void *ctx, const vl_translate_event *ev) {
    seen *s = ctx;
    if (!s->blocks++) s->first = ev->addr;
    s->callouts += ev->callouts;
    assert_true(ev->insns > 0 && ev->len > 0);
    return 0;
}

/* The 68000 kernel: a loop reading SR (a leak under trap-and-emulate),
 * a subroutine called, then rewritten by the kernel (its NOP becomes a
 * MOVE from SR) and called again, and a read of its own code. */
static const guest g68000 = {
    "m68k", "68000",
    "    moveq #0,%d3\n"
    "    move.w #50,%d4\n"
    "loop:\n"
    "    move.w %sr,%d0\n"
    "    add.w %d0,%d3\n"
    "    subq.w #1,%d4\n"
    "    bne loop\n"
    "    moveq #0,%d0\n"
    "    bsr sub\n"
    "    move.w #0x40c0,sub\n" /* move.w %sr,%d0 over the nop */
    "    bsr sub\n"
    "    move.w loop,%d2\n"
    "    stop #0x2700\n"
    "sub:\n"
    "    nop\n"
    "    rts\n",
    "d3", "d2", 0x4AFC, true,
};

/* The 750: MOVE from MSR is privileged (no leak to fix), a callout under
 * binary translation instead of a trap. */
static const guest g750 = {
    "ppc", "750",
    "    li 4,20\n"
    "    li 5,0\n"
    "    mtctr 4\n"
    "loop:\n"
    "    mfmsr 3\n"
    "    add 5,5,3\n"
    "    bdnz loop\n"
    "    lwz 6,0x100c(0)\n"
    "    b .\n",
    "r5", "r6", 0x7FE00008u, false,
};

/* The i386 kernel: SGDT and SMSW do not trap and show the real state. */
static const guest gi386 = {
    "x86", "i386",
    "    mov $20, %ecx\n"
    "    xor %ebx, %ebx\n"
    "loop:\n"
    "    sgdt 0x3000\n"
    "    add 0x3002, %ebx\n"
    "    smsw %ax\n"
    "    add %eax, %ebx\n"
    "    dec %ecx\n"
    "    jnz loop\n"
    "    mov loop, %edx\n"
    "    hlt\n",
    "ebx", "edx", 0x000501CCu, true,
};

static const guest *const guests[] = { &g68000, &g750, &gi386 };

static void run_guest(const guest *g, int technique, vl_vm **out) {
    vl_vm *vm = mkvm(g, technique);
    vl_stop s = vl_vm_run(vm, 100000, 0, 0);
    if (s.reason == VLAB_STOP_ERROR || s.reason == VLAB_STOP_EXCEPTION)
        fail_msg("%s under %s: stop %d at 0x%x", g->model, vl_technique_name(technique), s.reason, s.pc);
    *out = vm;
}

/* Under binary-translation the guest's registers are the bare machine's;
 * under trap-and-emulate the 68000's MOVE from SR and the i386's SGDT and
 * SMSW leak. */
static void translation_of(const guest *g) {
    vl_machine *m = mknative(g);
    vlab_run(m, 100000, 0, 0);
    vl_vm *bt, *te;
    run_guest(g, VL_TECH_BINARY_TRANSLATION, &bt);
    run_guest(g, VL_TECH_TRAP_EMULATE, &te);
    assert_int_equal(vreg(bt, g->out), nreg(m, g->out));
    if (g->te_leaks) assert_int_not_equal(vreg(te, g->out), nreg(m, g->out)); /* the leak it fixes */
    vl_vmm_stats s;
    vl_vm_stats(bt, &s);
    assert_true(s.blocks >= 2);
    assert_true(s.translated >= s.blocks);
    assert_true(s.callouts >= 20); /* the loop's 20 rounds at least */
    assert_true(s.interpreted >= s.callouts);
    assert_int_equal(s.traps, 0);
    assert_true(s.cache_bytes > 0 && s.cache_bytes <= 0x7000);
    /* chaining: the loop's rounds need few lookups */
    assert_true(s.lookups < 20);
    char why[256];
    if (vl_vm_check(bt, why, sizeof why) != 0) fail_msg("%s: vm:check: %s", g->model, why);
    vl_vm_free(bt);
    vl_vm_free(te);
    vlab_machine_free(m);
}

static void test_translation(void **st) {
    (void)st;
    for (size_t i = 0; i < sizeof guests / sizeof *guests; i++) translation_of(guests[i]);
}

/* The kernel rewrites code already translated: the watch drops it, the
 * new instruction (sensitive) is translated and called out. */
static void test_self_modifying(void **st) {
    (void)st;
    const guest *g = &g68000;
    vl_vm *vm;
    run_guest(g, VL_TECH_BINARY_TRANSLATION, &vm);
    vl_vmm_stats s;
    vl_vm_stats(vm, &s);
    assert_true(s.flushes >= 1);
    assert_true(s.watch_hits >= 1);
    assert_int_equal(vreg(vm, "d0") & 0x2700, 0x2700); /* the new MOVE from SR read the virtual SR */
    /* each write to the translated code is a write-protect fault in a real
     * monitor: the cost table charges it (`watch`), exactly once per hit */
    vl_cost_table c = vl_cost_defaults;
    assert_true(c.watch > 0);
    c.watch = 0;
    vl_vm_set_cost(vm, &c);
    vl_vmm_stats z;
    vl_vm_stats(vm, &z);
    assert_int_equal(s.cost - z.cost, s.watch_hits * vl_cost_defaults.watch);
    vl_vm_free(vm);
}

/* Binary translation is invisible; scan-and-patch's patch is not. */
static void visibility_of(const guest *g) {
    vl_machine *m = mknative(g);
    vlab_run(m, 100000, 0, 0);
    vl_vm *bt, *sp;
    run_guest(g, VL_TECH_BINARY_TRANSLATION, &bt);
    run_guest(g, VL_TECH_SCAN_PATCH, &sp);
    uint32_t native = nreg(m, g->self);
    assert_int_equal(vreg(bt, g->self), native);
    assert_int_not_equal(vreg(sp, g->self), native); /* the trap where the sensitive instruction was */
    assert_int_equal(vreg(sp, g->self), g->patched);
    /* the registers otherwise agree: the patches were emulated */
    assert_int_equal(vreg(sp, g->out), nreg(m, g->out));
    vl_vmm_stats s;
    vl_vm_stats(sp, &s);
    assert_true(s.patched >= 1);
    assert_true(s.traps >= 20);
    assert_int_equal(s.translated, 0);
    /* memory: the translation left the guest's bytes alone */
    uint8_t a[64], b[64];
    assert_int_equal(vlab_mem_read(m, ORG, a, sizeof a), 0);
    assert_int_equal(vlab_mem_read(bt->m, ORG, b, sizeof b), 0);
    assert_memory_equal(a, b, sizeof a);
    vl_vm_free(bt);
    vl_vm_free(sp);
    vlab_machine_free(m);
}

static void test_visibility(void **st) {
    (void)st;
    for (size_t i = 0; i < sizeof guests / sizeof *guests; i++) visibility_of(guests[i]);
}

/* The equivalence check: binary translation equal to the bare machine,
 * scan-and-patch different in memory (the patches) and in the register
 * that read its own code, nowhere else. */
static void equivalence_of(const guest *g) {
    size_t len = 0;
    uint8_t *code = assemble(g->isa, g->model, g->src, &len);
    static uint8_t image[0x2000];
    memset(image, 0, sizeof image);
    memcpy(image + ORG, code, len);
    free(code);
    char err[256];
    vl_equiv_image e = { g->isa, g->model, GRAM, image, sizeof image, 0, ORG, 0x8000, NULL };
    vl_equiv_result r;
    assert_int_equal(vl_equiv_run(&e, 5000, VL_TECH_BINARY_TRANSLATION, &r, err, sizeof err), 0);
    if (!r.equal) fail_msg("binary-translation differs after %llu at 0x%x: %s", (unsigned long long)r.first, r.first_pc, r.first_insn);
    vl_equiv_free(&r);
    assert_int_equal(vl_equiv_run(&e, 5000, VL_TECH_SCAN_PATCH, &r, err, sizeof err), 0);
    assert_false(r.equal);
    assert_true(r.nfinal > 0);
    size_t mem = 0;
    for (size_t i = 0; i < r.nfinal; i++) {
        if (r.final[i].kind == VL_DIFF_MEM) mem++;
        else if (strcmp(r.final[i].what, g->self) != 0) fail_msg("scan-and-patch differs in %s", r.final[i].what);
    }
    assert_true(mem >= 1);
    vl_equiv_free(&r);
}

static void test_equivalence(void **st) {
    (void)st;
    for (size_t i = 0; i < sizeof guests / sizeof *guests; i++) equivalence_of(guests[i]);
}

/* The translate event: each block once, the loop's first. */
static void test_event(void **st) {
    (void)st;
    vl_vm *vm = mkvm(&g68000, VL_TECH_BINARY_TRANSLATION);
    seen s = { 0 };
    assert_int_equal(vl_vm_on_translate(vm, on_translate, &s), 0);
    vl_vm_run(vm, 100000, 0, 0);
    vl_vmm_stats t;
    vl_vm_stats(vm, &t);
    assert_int_equal((uint64_t)s.blocks, t.blocks);
    assert_int_equal(s.first, ORG);
    assert_true(s.callouts >= 2);
    vl_vm_free(vm);
    /* a technique that translates nothing has no such event */
    vm = mkvm(&g68000, VL_TECH_TRAP_EMULATE);
    assert_int_equal(vl_vm_on_translate(vm, on_translate, &s), -1);
    vl_vm_free(vm);
}

/* ---- x86 reflection into a guest whose vector has no handler -------------------- */

/* An x86 kernel run natively and under technique, up to its stop: both end
 * with the same stop (an exception with no handler installed, vector
 * vector), at the same instruction, in the same state (the equivalence
 * check; under scan-and-patch, whose patches the guest's memory shows,
 * the registers); reg, when given, is returned as the monitored guest
 * sees it. */
static uint32_t x86_null_vector_stop(const char *src, int technique, int vector, const char *reg) {
    guest g = { "x86", "i386", src, NULL, NULL, 0, false };
    vl_machine *m = mknative(&g);
    vl_stop ns = vlab_run(m, 100000, 0, 0);
    assert_int_equal(ns.reason, VLAB_STOP_EXCEPTION);
    assert_int_equal(ns.vector, vector);
    vl_vm *vm = mkvm(&g, technique);
    vl_stop vs = vl_vm_run(vm, 100000, 0, 0);
    if (vs.reason != ns.reason || vs.vector != ns.vector || vs.pc != ns.pc || vs.flags != ns.flags ||
        vs.code != ns.code)
        fail_msg("under %s: stop %s vector %d at 0x%x flags %x code %x, natively %s vector %d at 0x%x flags %x code %x",
                 vl_technique_name(technique), vlab_stop_name(vs.reason), vs.vector, vs.pc, vs.flags, vs.code,
                 vlab_stop_name(ns.reason), ns.vector, ns.pc, ns.flags, ns.code);
    uint32_t out = reg ? vreg(vm, reg) : 0;
    if (reg) assert_int_equal(out, nreg(m, reg));
    char why[256];
    if (vl_vm_check(vm, why, sizeof why) != 0) fail_msg("under %s: vm:check: %s", vl_technique_name(technique), why);
    vl_vm_free(vm);
    vlab_machine_free(m);

    size_t len = 0;
    uint8_t *code = assemble("x86", "i386", src, &len);
    static uint8_t image[0x2000];
    memset(image, 0, sizeof image);
    memcpy(image + ORG, code, len);
    free(code);
    char err[256];
    vl_equiv_image e = { "x86", "i386", GRAM, image, sizeof image, 0, ORG, 0x8000, NULL };
    vl_equiv_result r;
    assert_int_equal(vl_equiv_run(&e, 5000, technique, &r, err, sizeof err), 0);
    for (size_t i = 0; !r.equal && technique == VL_TECH_SCAN_PATCH && i < r.nfinal; i++)
        if (r.final[i].kind != VL_DIFF_MEM) fail_msg("under scan-and-patch: differs in %s", r.final[i].what);
    if (!r.equal && technique != VL_TECH_SCAN_PATCH) {
        char t[160] = "";
        if (r.ndiffs) vl_diff_format(&r.diffs[0], t, sizeof t);
        fail_msg("under %s: differs from native after %llu at 0x%x (%s): %s", vl_technique_name(technique),
                 (unsigned long long)r.first, r.first_pc, r.first_insn, t);
    }
    assert_int_equal(r.vm_stop.reason, r.native_stop.reason);
    vl_equiv_free(&r);
    return out;
}

/* The timer's interrupt, through a present gate whose selector is beyond
 * the (empty) GDT: delivering it raises #GP, whose IDT entry is 0. The bare
 * machine stops there with an exception; the monitor, reflecting the
 * interrupt into the guest, must stop the same way (it used to drop the
 * stop the failed delivery left, take the interrupt again and give up with
 * 'error'). */
static void test_x86_reflect_delivery_faults_to_null_vector(void **st) {
    (void)st;
    static const char src[] =
        "    mov $0x100, %edi\n"
        "fill:\n"                       /* IDT[0x20..0x7f]: selector 0x08, offset 0x1100, */
        "    movl $0x00081100, (%edi)\n"
        "    movl $0x00008e00, 4(%edi)\n" /* present, DPL 0, 32-bit interrupt gate */
        "    add $8, %edi\n"
        "    cmp $0x400, %edi\n"
        "    jne fill\n"
        "    mov $0x104, %dx\n"         /* the timer: period 5, level 1 */
        "    mov $5, %eax\n"
        "    out %eax, (%dx)\n"
        "    mov $0x108, %dx\n"
        "    mov $1, %eax\n"
        "    out %eax, (%dx)\n"
        "    xor %ebx, %ebx\n"
        "    sti\n"
        "loop:\n"
        "    inc %ebx\n"
        "    jmp loop\n";
    static const int techs[] = { VL_TECH_BINARY_TRANSLATION, VL_TECH_SCAN_PATCH, VL_TECH_TRAP_EMULATE };
    for (size_t i = 0; i < sizeof techs / sizeof *techs; i++) x86_null_vector_stop(src, techs[i], 13, "ebx");
}

/* A trace trap with no #DB handler: the bare machine records the trap's
 * status (DR6.BS) before delivering it and stops at the null vector with
 * BS set; the monitor reflecting the trap must show the same DR6 (it
 * checked for the null vector first and stopped with BS clear). */
static void test_x86_reflect_trace_trap_sets_bs(void **st) {
    (void)st;
    static const char src[] =
        "    pushf\n"
        "    orl $0x100, (%esp)\n"
        "    popf\n"                    /* TF: a trace trap after the next instruction */
        "    mov $0x1234, %ebx\n"
        "    mov $0x5678, %ebx\n"
        "    hlt\n";
    static const int techs[] = { VL_TECH_BINARY_TRANSLATION, VL_TECH_SCAN_PATCH, VL_TECH_TRAP_EMULATE };
    for (size_t i = 0; i < sizeof techs / sizeof *techs; i++) {
        uint32_t dr6 = x86_null_vector_stop(src, techs[i], 1, "dr6");
        assert_int_equal(dr6 & 0x4000u, 0x4000u); /* BS */
    }
}

/* Branchy loops of short blocks, then a sensitive instruction (a callout),
 * on every ISA: chained blocks run on in one run of the real CPU
 * (vl_cpu_common.cont) when a run is long, never when it is one
 * instruction. The guest's registers and memory and every count of the
 * monitor must not tell the two apart. */
static const guest chain_guests[] = {
    { "m68k", "68000",
      "    moveq #0,%d3\n"
      "    move.w #300,%d4\n"
      "loop:\n"
      "    addq.l #3,%d3\n"
      "    btst #0,%d4\n"
      "    beq.s even\n"
      "    add.l %d4,%d3\n"
      "    move.l %d3,0x3000\n"
      "    bra.s next\n"
      "even:\n"
      "    subq.l #1,%d3\n"
      "next:\n"
      "    subq.w #1,%d4\n"
      "    bne.s loop\n"
      "    move.w %sr,%d0\n"
      "    stop #0x2700\n",
      "d3", NULL, 0, false },
    { "ppc", "750",
      "    li 4,300\n"
      "    li 5,0\n"
      "    mtctr 4\n"
      "loop:\n"
      "    andi. 6,4,1\n"
      "    beq even\n"
      "    add 5,5,4\n"
      "    stw 5,0x3000(0)\n"
      "    b next\n"
      "even:\n"
      "    addi 5,5,-1\n"
      "next:\n"
      "    addi 4,4,-1\n"
      "    bdnz loop\n"
      "    mfmsr 3\n"
      "    b .\n",
      "r5", NULL, 0, false },
    { "x86", "i386",
      "    mov $300, %ecx\n"
      "    xor %ebx, %ebx\n"
      "loop:\n"
      "    test $1, %ecx\n"
      "    jz even\n"
      "    add %ecx, %ebx\n"
      "    mov %ebx, 0x3000\n"
      "    jmp next\n"
      "even:\n"
      "    sub $1, %ebx\n"
      "next:\n"
      "    dec %ecx\n"
      "    jnz loop\n"
      "    smsw %ax\n"
      "    hlt\n",
      "ebx", NULL, 0, false },
};

static vl_stop run_in_runs_of(vl_vm *vm, uint64_t n) {
    vl_stop s = { 0 };
    for (int k = 0; k < 200000; k++) {
        s = vl_vm_run(vm, n, 0, 0);
        if (s.reason != VLAB_STOP_BUDGET) break;
    }
    return s;
}

static void test_chained_runs(void **st) {
    (void)st;
    for (size_t i = 0; i < sizeof chain_guests / sizeof *chain_guests; i++) {
        const guest *g = &chain_guests[i];
        vl_vm *one = mkvm(g, VL_TECH_BINARY_TRANSLATION), *step = mkvm(g, VL_TECH_BINARY_TRANSLATION);
        vl_stop a = run_in_runs_of(one, 100000), b = run_in_runs_of(step, 1);
        assert_int_equal(a.reason, b.reason);
        assert_int_equal(a.pc, b.pc);
        assert_true(a.reason != VLAB_STOP_BUDGET && a.reason != VLAB_STOP_ERROR && a.reason != VLAB_STOP_EXCEPTION);
        for (int r = 0; r < one->m->nregs; r++) assert_int_equal(vl_vm_reg_get(one, r), vl_vm_reg_get(step, r));
        assert_memory_equal(one->m->mem.ram, step->m->mem.ram, GRAM);
        vl_vmm_stats x, y;
        vl_vm_stats(one, &x);
        vl_vm_stats(step, &y);
        if (memcmp(&x, &y, sizeof x))
            fail_msg("%s: counts differ: blocks %llu/%llu lookups %llu/%llu callouts %llu/%llu cost %llu/%llu", g->model,
                     (unsigned long long)x.blocks, (unsigned long long)y.blocks, (unsigned long long)x.lookups,
                     (unsigned long long)y.lookups, (unsigned long long)x.callouts, (unsigned long long)y.callouts,
                     (unsigned long long)x.cost, (unsigned long long)y.cost);
        assert_true(x.callouts >= 1);
        assert_true(x.lookups < 20); /* the rounds go block to block by chaining */
        vl_machine *m = mknative(g); /* and the bare machine's result */
        vlab_run(m, 100000, 0, 0);
        assert_int_equal(vreg(one, g->out), nreg(m, g->out));
        vlab_machine_free(m);
        vl_vm_free(one);
        vl_vm_free(step);
    }
}

/* The run of vm ended with s: as the bare machine m's, run on to its end,
 * with the same reg. */
static void ends_as_native(vl_vm *vm, vl_stop s, vl_machine *m, const char *reg) {
    assert_int_equal(s.reason, vlab_run(m, 100000, 0, 0).reason);
    assert_int_equal(vreg(vm, reg), nreg(m, reg));
}

/* Runs of a few instructions of a chained loop: the real CPU goes on
 * through the blocks' exits by itself (vl_cont), each remembered from
 * earlier stretches, and must still stop where each run's budget ends,
 * not at the end of the block it is in, and end as the bare machine. */
static void test_chain_within_budget(void **st) {
    (void)st;
    static const uint64_t lens[] = { 3, 7, 37, 255 };
    const guest *g = &chain_guests[2];
    for (size_t l = 0; l < sizeof lens / sizeof *lens; l++) {
        vl_vm *vm = mkvm(g, VL_TECH_BINARY_TRANSLATION);
        vl_stop s = { 0 };
        for (int k = 0; k < 100000; k++) {
            uint64_t before = vm->m->cc->icount;
            s = vl_vm_run(vm, lens[l], 0, 0);
            if (s.reason != VLAB_STOP_BUDGET) break;
            if (vm->m->cc->icount - before != lens[l])
                fail_msg("a run of %llu ran %llu", (unsigned long long)lens[l],
                         (unsigned long long)(vm->m->cc->icount - before));
        }
        vl_machine *m = mknative(g);
        ends_as_native(vm, s, m, g->out);
        assert_int_equal(vm->m->cc->icount, m->cc->icount);
        vlab_machine_free(m);
        vl_vm_free(vm);
    }
}


/* The host rewrites code between two runs (as a snapshot restored would):
 * an innocuous instruction of a chained block becomes a sensitive one (MOV
 * from CS: the real CPL in its RPL when run directly). The next run reaches
 * the block by chaining: cont()'s remembered exit into it is of the last
 * run and must not stand for the check that finds the new bytes (each
 * stretch forgets them, bt_state.stamp). */
static const guest rewritten = { /* a block a line; b's mov and nop (89 c8 90) become mov %cs, %eax; nop */
    "x86", "i386",
    "mov $400, %ecx; xor %ebx, %ebx\n"
    "loop: inc %ebx; jmp b\n"
    "b: mov %ecx, %eax; nop; add %eax, %ebx; dec %ecx; jnz loop\n"
    "hlt\n",
    "ebx", NULL, 0, false,
};

static void test_host_rewrite_between_runs(void **st) {
    (void)st;
    vl_vm *vm = mkvm(&rewritten, VL_TECH_BINARY_TRANSLATION);
    vl_machine *m = mknative(&rewritten);
    vl_stop s = vl_vm_run(vm, 1000, 0, 0);
    assert_int_equal(s.reason, VLAB_STOP_BUDGET);
    assert_int_equal(vlab_run(m, 1000, 0, 0).reason, VLAB_STOP_BUDGET);
    static const uint8_t movcs[3] = { 0x8C, 0xC8, 0x90 };
    const uint32_t at = ORG + 10; /* b: after mov (5 bytes), xor (2), inc (1), jmp (2) */
    uint8_t old[3];
    assert_int_equal(vlab_mem_read(m, at, old, 3), 0);
    assert_int_equal(old[0], 0x89);
    assert_int_equal(vlab_mem_write(vm->m, at, movcs, 3), 0);
    assert_int_equal(vlab_mem_write(m, at, movcs, 3), 0);
    ends_as_native(vm, run_in_runs_of(vm, 1000), m, "ebx");
    vl_vm_free(vm);
    vlab_machine_free(m);
}

/* The i386 kernel rewrites a subroutine it has run (MOV ECX to EAX becomes
 * MOV from CS, which shows the real CPL when run directly), in one long
 * run: its code page is watched, the rest of RAM is written directly (the
 * x86 core's direct range lies above the watched page here), and the store
 * into the code page must still reach the watch, which drops the stale
 * block. */
static const guest smc_i386 = { /* a block a line; 0x6000 is in the direct range; 0xc88c: mov %cs, %eax */
    "x86", "i386",
    "jmp start\n"
    "sub: mov %ecx, %eax; ret\n"
    "start: mov $10, %ecx; xor %ebx, %ebx\n"
    "again: call sub\n"
    "add %eax, %ebx; mov %ebx, 0x6000; cmp $5, %ecx; jne skip\n"
    "movw $0xc88c, sub\n"
    "skip: loop again\n"
    "hlt\n",
    "ebx", NULL, 0, false,
};

static void test_x86_self_modifying(void **st) {
    (void)st;
    vl_vm *vm = mkvm(&smc_i386, VL_TECH_BINARY_TRANSLATION);
    vl_machine *m = mknative(&smc_i386);
    ends_as_native(vm, vl_vm_run(vm, 100000, 0, 0), m, "ebx");
    uint32_t v = 0;
    assert_int_equal(vlab_mem_get(vm->m, 0x6000, 4, &v), 0);
    assert_int_equal(v, nreg(m, "ebx"));
    vl_vmm_stats x;
    vl_vm_stats(vm, &x);
    assert_true(x.watch_hits >= 1);
    vl_vm_free(vm);
    vlab_machine_free(m);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_translation),
        cmocka_unit_test(test_self_modifying),
        cmocka_unit_test(test_visibility),
        cmocka_unit_test(test_equivalence),
        cmocka_unit_test(test_event),
        cmocka_unit_test(test_chained_runs),
        cmocka_unit_test(test_host_rewrite_between_runs),
        cmocka_unit_test(test_chain_within_budget),
        cmocka_unit_test(test_x86_self_modifying),
        cmocka_unit_test(test_x86_reflect_delivery_faults_to_null_vector),
        cmocka_unit_test(test_x86_reflect_trace_trap_sets_bs),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
