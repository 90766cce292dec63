/* test_hw.c - hardware assist: the cores' exit set by instruction form and
 * their exception bitmap (core/core.h exit_forms, exc_exits), on the three
 * ISAs, through the machine API; the technique hw-assist (vmm/tech_hw.c)
 * on the 68000/68010 and the 750: exits by form and reason, the exception
 * bitmap, the owned bits' read shadows, interrupt injection, the flavours,
 * resource control after every exit, equivalence, and the sweep with a
 * wrong exit set. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "core/core.h"
#include "isa/m68k/m68k.h"
#include "vmm/sweep.h"
#include "vmm/vmm.h"

#define ORG 0x1000u

/* A machine with src assembled at ORG, PC there, the most privileged level. */
static vl_machine *mk(const char *isa, const char *model, const char *src) {
    char err[256] = "";
    vl_machine *m = vlab_machine_new(isa, model, 1u << 20, err, sizeof err);
    assert_non_null(m);
    const vl_cpu_ops *ops = m->desc->ops;
    uint8_t *code = NULL;
    size_t len = 0;
    if (ops->assemble(m->desc->variant, src, ORG, &code, &len, err, sizeof err) != 0) fail_msg("asm: %s", err);
    assert_int_equal(vlab_mem_write(m, ORG, code, len), 0);
    free(code);
    vl_machine_boot(m, ORG, 0x8000);
    return m;
}

/* The decode-table form of the instruction at addr. */
static int form_at(vl_machine *m, uint32_t addr) {
    uint8_t b[16];
    assert_int_equal(vlab_mem_read(m, addr, b, sizeof b), 0);
    vl_decode_info d;
    m->desc->ops->decode(m->desc->variant, b, sizeof b, addr, &d);
    assert_true(d.form >= 0);
    return d.form;
}

static void set_bit(uint8_t *set, unsigned i) { set[i >> 3] |= (uint8_t)(1u << (i & 7)); }

/* nop; X; nop: with X's form in exit_forms the run stops before X, in
 * supervisor mode, its class in the code; without, X runs. */
static void exit_by_form(const char *isa, const char *model, const char *src, uint32_t xaddr, int cls) {
    vl_machine *m = mk(isa, model, src);
    uint8_t forms[1024] = { 0 };
    int f = form_at(m, xaddr);
    set_bit(forms, (unsigned)f);
    m->cc->exit_forms = forms;
    vl_stop s = vlab_run(m, 10, 0, 0);
    assert_int_equal(s.reason, VLAB_STOP_VMEXIT);
    assert_int_equal(s.pc, xaddr);
    assert_int_equal(vlab_stop_info(s), (uint32_t)cls);
    assert_int_equal(m->cc->icount, 1); /* the nop only */
    assert_int_equal(vlab_privilege(m), 0);
    /* another form in the set: X is not stopped */
    memset(forms, 0, sizeof forms);
    set_bit(forms, (unsigned)form_at(m, ORG)); /* the nop's form: it already ran */
    vl_stop t = vlab_step(m, 1);
    assert_int_not_equal(t.reason, VLAB_STOP_VMEXIT);
    assert_int_equal(m->cc->icount, 2);
    m->cc->exit_forms = NULL;
    vlab_machine_free(m);
}

static void test_exit_forms(void **st) {
    (void)st;
    /* 68000 MOVE from SR is not privileged: only the form set stops it */
    exit_by_form("m68k", "68000", "nop\nmove.w %sr,%d0\nnop\n", ORG + 2, VL_CLASS_MODE_SENSITIVE);
    exit_by_form("m68k", "68010", "nop\nmove.w %sr,%d0\nnop\n", ORG + 2, VL_CLASS_PRIVILEGED);
    exit_by_form("ppc", "750", "nop\nmfmsr 3\nnop\n", ORG + 4, VL_CLASS_PRIVILEGED);
    exit_by_form("x86", "i386", "nop\nsgdt (%eax)\nnop\n", ORG + 1, VL_CLASS_LOCATION_SENSITIVE);
    exit_by_form("x86", "i386", "nop\nhlt\nnop\n", ORG + 1, VL_CLASS_PRIVILEGED);
}

/* x86: an innocuous form the fast path would run is stopped too */
static void test_exit_forms_x86_fast(void **st) {
    (void)st;
    vl_machine *m = mk("x86", "i386", "nop\nnop\nmov %eax,%ebx\nnop\nmov %eax,%ebx\n");
    vlab_run(m, 5, 0, 0); /* warm the decoded-instruction cache */
    vlab_set_pc(m, ORG);
    uint8_t forms[1024] = { 0 };
    set_bit(forms, (unsigned)form_at(m, ORG + 2));
    m->cc->exit_forms = forms;
    vl_stop s = vlab_run(m, 10, 0, 0);
    assert_int_equal(s.reason, VLAB_STOP_VMEXIT);
    assert_int_equal(s.pc, ORG + 2);
    vlab_machine_free(m);
}

/* A core that caches decoded instructions (the 750's decoded pages, the
 * 68000's exit table, the x86's decoded cache) follows the exit set as it
 * changes between runs, in place or by pointer: code run (and cached)
 * without a set, then with an innocuous form in it, then with the same set
 * cleared in place, then set again. */
static void exit_form_follows(const char *isa, const char *model, const char *src, uint32_t xaddr, uint32_t after) {
    vl_machine *m = mk(isa, model, src);
    vl_stop s = vlab_run(m, 5, 0, 0); /* warm the caches, no exit set */
    assert_int_not_equal(s.reason, VLAB_STOP_VMEXIT);
    uint8_t forms[1024] = { 0 };
    set_bit(forms, (unsigned)form_at(m, xaddr));
    m->cc->exit_forms = forms;
    vlab_set_pc(m, ORG);
    s = vlab_run(m, 10, 0, 0);
    assert_int_equal(s.reason, VLAB_STOP_VMEXIT);
    assert_int_equal(s.pc, xaddr);
    assert_int_equal(vlab_stop_info(s), VL_CLASS_INNOCUOUS);
    memset(forms, 0, sizeof forms); /* cleared in place: it runs */
    vlab_set_pc(m, ORG);
    s = vlab_run(m, 3, 0, 0);
    assert_int_not_equal(s.reason, VLAB_STOP_VMEXIT);
    assert_int_equal(vlab_pc(m), after);
    set_bit(forms, (unsigned)form_at(m, xaddr)); /* set again in place: it stops */
    vlab_set_pc(m, ORG);
    s = vlab_run(m, 10, 0, 0);
    assert_int_equal(s.reason, VLAB_STOP_VMEXIT);
    assert_int_equal(s.pc, xaddr);
    m->cc->exit_forms = NULL; /* off: it runs */
    vlab_set_pc(m, ORG);
    s = vlab_run(m, 3, 0, 0);
    assert_int_not_equal(s.reason, VLAB_STOP_VMEXIT);
    assert_int_equal(vlab_pc(m), after);
    vlab_machine_free(m);
}

static void test_exit_forms_follow_changes(void **st) {
    (void)st;
    exit_form_follows("ppc", "750", "nop\nnop\nmr 4,3\nnop\nnop\nnop\n", ORG + 8, ORG + 12);
    exit_form_follows("m68k", "68000", "nop\nnop\nmove.l %d0,%d1\nnop\nnop\nnop\n", ORG + 4, ORG + 6);
    exit_form_follows("x86", "i386", "nop\nnop\nmov %eax,%ebx\nnop\nnop\nnop\n", ORG + 2, ORG + 4);
}

/* With intercept on, only the exceptions in the bitmap stop the run; the
 * others are taken into the machine's own vectors. */
static void test_exception_bitmap(void **st) {
    (void)st;
    /* m68k: TRAP #0 is vector 32 */
    vl_machine *m = mk("m68k", "68000", "trap #0\n");
    vlab_mem_set(m, 32 * 4, 4, 0x2000);
    uint8_t exc[VL_EXC_BITMAP_BYTES] = { 0 };
    m->cc->intercept = true;
    m->cc->exc_exits = exc;
    vl_stop s = vlab_step(m, 1);
    assert_int_not_equal(s.reason, VLAB_STOP_EXCEPTION);
    assert_int_equal(vlab_pc(m), 0x2000);
    vl_machine_boot(m, ORG, 0x8000);
    set_bit(exc, 32);
    s = vlab_step(m, 1);
    assert_int_equal(s.reason, VLAB_STOP_EXCEPTION);
    assert_int_equal(s.vector, 32);
    assert_int_equal(vlab_pc(m), ORG);
    vlab_machine_free(m);

    /* ppc: sc is 0xC00, exception index 0xC */
    m = mk("ppc", "750", "sc\n");
    vlab_mem_set(m, 0xC00, 4, 0x60000000); /* a handler: nop */
    memset(exc, 0, sizeof exc);
    m->cc->intercept = true;
    m->cc->exc_exits = exc;
    s = vlab_step(m, 1);
    assert_int_not_equal(s.reason, VLAB_STOP_EXCEPTION);
    assert_int_equal(vlab_pc(m), 0xC00);
    vl_machine_boot(m, ORG, 0x8000);
    set_bit(exc, 0xC00 >> m->desc->ops->exc_shift);
    s = vlab_step(m, 1);
    assert_int_equal(s.reason, VLAB_STOP_EXCEPTION);
    assert_int_equal(s.vector, 0xC00);
    vlab_machine_free(m);

    /* x86: #DE (0) from a divide by zero; the IDT is the machine's */
    m = mk("x86", "i386", "xor %ecx,%ecx\ndiv %ecx\n");
    memset(exc, 0, sizeof exc);
    set_bit(exc, 0);
    m->cc->intercept = true;
    m->cc->exc_exits = exc;
    s = vlab_run(m, 5, 0, 0);
    assert_int_equal(s.reason, VLAB_STOP_EXCEPTION);
    assert_int_equal(s.vector, 0);
    assert_int_equal(s.pc, ORG + 2);
    vlab_machine_free(m);
}


/* ---- the technique ---------------------------------------------------------------- */

#define GRAM (1u << 20)

/* Assemble src at ORG into a new hw-assist VM; boot there, stack at top. */
static vl_vm *mkvm(const char *isa, const char *model, const char *src) {
    char err[256] = "";
    vl_vm *vm = vl_vm_new(NULL, isa, model, GRAM, VL_TECH_HW_ASSIST, NULL, err, sizeof err);
    if (!vm) fail_msg("vl_vm_new: %s", err);
    uint8_t *code = NULL;
    size_t len = 0;
    if (vm->ops->assemble(vm->variant, src, ORG, &code, &len, err, sizeof err) != 0) fail_msg("asm: %s", err);
    assert_int_equal(vlab_mem_write(vm->m, ORG, code, len), 0);
    free(code);
    vl_vm_boot(vm, ORG, 0x8000);
    return vm;
}

static uint32_t greg(vl_vm *vm, const char *name) {
    int i = vlab_reg_index(vm->m, name);
    assert_true(i >= 0);
    return vl_vm_reg_get(vm, i);
}

/* Resource control after every exit (and every trap). */
typedef struct watch {
    vl_vm *vm;
    int exits, bad;
    int reasons[VL_EXIT_REASON_COUNT];
} watch;
static int on_ev(void *ctx, const vl_trap_event *ev) {
    watch *w = ctx;
    char why[256];
    if (ev->kind == VL_TRAP_EXIT) {
        w->exits++;
        assert_true(ev->exit_reason >= 0 && ev->exit_reason < VL_EXIT_REASON_COUNT);
        w->reasons[ev->exit_reason]++;
    }
    if (vl_vm_check(w->vm, why, sizeof why) != 0) {
        print_message("check after exit at 0x%x: %s\n", ev->pc, why);
        w->bad++;
    }
    return 0;
}

/* The 68000 kernel reads its SR: under hw-assist the read exits and shows
 * the shadow (S = 1, its own mask), while the real mask is the host's. */
static void test_m68k_move_from_sr(void **st) {
    (void)st;
    const char *src = "move.w #0x2300,%sr\nmove.w %sr,%d0\nmove.w #0x2000,%sr\nmove.w %sr,%d1\nstop #0x2700\n";
    vl_vm *vm = mkvm("m68k", "68000", src);
    watch w = { .vm = vm };
    vl_vm_on_trap(vm, on_ev, &w);
    vl_stop s = vl_vm_run(vm, 100, 0, 0);
    assert_int_equal(s.reason, VLAB_STOP_HALT);
    assert_int_equal(greg(vm, "d0") & 0xFFFF, 0x2300);
    assert_int_equal(greg(vm, "d1") & 0xFFFF, 0x2000);
    assert_int_equal(greg(vm, "sr") & 0xFFFF, 0x2700); /* the guest's view: its STOP's mask */
    assert_int_equal((m68k_get_sr(vm->real) >> 8) & 7, 7); /* the host's mask on the real CPU */
    vl_vmm_stats stt;
    vl_vm_stats(vm, &stt);
    assert_int_equal(stt.exits, 5);
    assert_int_equal(stt.exit_reasons[VL_EXIT_INSTRUCTION], 5);
    assert_int_equal(stt.traps, 0);
    assert_int_equal(stt.emulated, 5);
    assert_int_equal(w.exits, 5);
    assert_int_equal(w.bad, 0);
    assert_int_equal(vl_vm_supervisor(vm), 1);
    /* the cost: five exits, five emulations, five instructions */
    assert_int_equal(stt.cost, 5 * vm->cost.exit + 5 * vm->cost.emulate + 5 * vm->cost.instruction);
    /* without MOVE from SR in the exit set the read shows the host's mask */
    char err[256];
    assert_true(vl_hw_exit_form(vm, "move from sr", false, err, sizeof err) >= 1);
    vl_vm_free(vm);
    vm = mkvm("m68k", "68000", src);
    assert_true(vl_hw_exit_form(vm, "move from sr", false, err, sizeof err) > 0);
    vl_vm_run(vm, 100, 0, 0);
    assert_int_equal(greg(vm, "d0") & 0xFFFF, 0x2700);
    assert_int_equal(greg(vm, "d1") & 0xFFFF, 0x2700);
    assert_int_equal(vl_hw_exit_form(vm, "no such insn", true, err, sizeof err), -1);
    assert_non_null(strstr(err, "no instruction"));
    vl_vm_free(vm);
}

/* Exceptions exit and are delivered with the shadow mask in the frame; one
 * taken out of the bitmap runs directly into the guest's handler, and its
 * frame shows the host's mask. */
static void test_m68k_exception_bitmap(void **st) {
    (void)st;
    const char *src = "move.w #0x2100,%sr\ntrap #0\nnop\nnop\n";
    for (int pass = 0; pass < 2; pass++) {
        vl_vm *vm = mkvm("m68k", "68010", src);
        vlab_mem_set(vm->m, 32 * 4, 4, 0x3000);
        vlab_mem_set(vm->m, 0x3000, 2, 0x4E71); /* nop */
        vlab_mem_set(vm->m, 0x3002, 2, 0x60FE); /* bra . */
        char err[256];
        if (pass) assert_int_equal(vl_hw_exit_exception(vm, 32, false, err, sizeof err), 0);
        watch w = { .vm = vm };
        vl_vm_on_trap(vm, on_ev, &w);
        vl_stop s = vl_vm_run(vm, 10, 0, 0);
        assert_int_equal(s.reason, VLAB_STOP_HALT);
        assert_int_equal(s.pc, 0x3002);
        uint32_t sp = greg(vm, "a7"), sr = 0;
        vlab_mem_get(vm->m, sp, 2, &sr);
        assert_int_equal(w.reasons[VL_EXIT_EXCEPTION], pass ? 0 : 1);
        assert_int_equal(sr, pass ? 0x2700 : 0x2100); /* stacked SR: the host's mask leaks without the exit */
        assert_int_equal(w.bad, 0);
        vl_vm_free(vm);
    }
}

/* The timer at level 3: natively and under hw-assist (both flavours) the
 * same instruction sees each tick; every interrupt is an exit. */
static void test_m68k_interrupts_equivalent(void **st) {
    (void)st;
    const char *src =
        "move.l #0x5000,0x70\n"          /* level 4 autovector -> 0x5000 */
        "move.l #37,0xdff004\n"          /* period */
        "move.l #4,0xdff008\n"           /* level */
        "move.w #0x2000,%sr\n"
        "loop: addq.l #1,%d0\n"
        "move.w %sr,%d2\n"
        "cmp.l #400,%d0\n"
        "bne loop\n"
        "stop #0x2700\n";
    const char *isr = "addq.l #1,%d1\nmove.l #0,0xdff00c\nrte\n";
    char err[256];
    uint8_t *a = NULL, *b = NULL;
    size_t la = 0, lb = 0;
    vl_machine *m = mk("m68k", "68000", "nop\n");
    assert_int_equal(m->desc->ops->assemble(0, src, ORG, &a, &la, err, sizeof err), 0);
    assert_int_equal(m->desc->ops->assemble(0, isr, 0x5000, &b, &lb, err, sizeof err), 0);
    vlab_machine_free(m);
    static uint8_t image[0x6000];
    memset(image, 0, sizeof image);
    memcpy(image + ORG, a, la);
    memcpy(image + 0x5000, b, lb);
    free(a);
    free(b);
    vl_equiv_image e = { "m68k", "68000", GRAM, image, sizeof image, 0, ORG, 0x8000, NULL };
    vl_equiv_result r;
    assert_int_equal(vl_equiv_run(&e, 20000, VL_TECH_HW_ASSIST, &r, err, sizeof err), 0);
    if (!r.equal) fail_msg("differ after %llu at 0x%x: %s", (unsigned long long)r.first, r.first_pc, r.first_insn);
    assert_true(r.instructions > 1000);
    vl_equiv_free(&r);
    /* the same guest as a VM: the interrupts are exits of reason interrupt */
    for (int fl = VL_HW_SVM; fl <= VL_HW_VT; fl++) {
        vl_vm *vm = vl_vm_new(NULL, "m68k", "68000", GRAM, VL_TECH_HW_ASSIST, NULL, err, sizeof err);
        assert_non_null(vm);
        assert_int_equal(vl_hw_set_flavour(vm, fl, err, sizeof err), 0);
        assert_int_equal(vl_hw_flavour(vm), fl);
        assert_int_equal(vlab_mem_write(vm->m, 0, image, sizeof image), 0);
        vl_vm_boot(vm, ORG, 0x8000);
        watch w = { .vm = vm };
        vl_vm_on_trap(vm, on_ev, &w);
        vl_stop s = vl_vm_run(vm, 20000, 0, 0);
        assert_int_equal(s.reason, VLAB_STOP_IDLE);
        uint32_t ticks = greg(vm, "d1");
        assert_true(ticks > 10);
        vl_vmm_stats stt;
        vl_vm_stats(vm, &stt);
        assert_int_equal(stt.exit_reasons[VL_EXIT_INTERRUPT], ticks);
        assert_int_equal(stt.exit_reasons[VL_EXIT_MODE], 0); /* vt refuses no 68000 mode */
        assert_int_equal(stt.interpreted, 0);
        assert_int_equal(w.bad, 0);
        vl_vm_free(vm);
    }
}

/* The m68k image natively and under hw-assist: they must end equal
 * (the result's stops are the caller's to look at; free it). */
static vl_equiv_result hw_equal(const char *name, const uint8_t *image, size_t n, uint64_t max) {
    char err[256];
    vl_equiv_image e = { "m68k", name, GRAM, image, n, 0, ORG, 0x8000, NULL };
    vl_equiv_result r;
    assert_int_equal(vl_equiv_run(&e, max, VL_TECH_HW_ASSIST, &r, err, sizeof err), 0);
    if (!r.equal)
        fail_msg("%s: differ after %llu at 0x%x: %s", name, (unsigned long long)r.first, r.first_pc, r.first_insn);
    return r;
}

/* The image as a VM under hw-assist, booted at ORG. */
static vl_vm *hw_booted(const char *name, const uint8_t *image, size_t n) {
    char err[256];
    vl_vm *vm = vl_vm_new(NULL, "m68k", name, GRAM, VL_TECH_HW_ASSIST, NULL, err, sizeof err);
    assert_non_null(vm);
    assert_int_equal(vlab_mem_write(vm->m, 0, image, n), 0);
    vl_vm_reset(vm);
    vl_vm_boot(vm, ORG, 0x8000);
    return vm;
}

/* Trace and a timer interrupt due after the same instruction: natively the
 * trace exception is taken first, then the interrupt (two frames, the
 * interrupt's on top). Under hw-assist the monitor injects the interrupt;
 * injected first, it dropped the pending trace (one frame fewer: 6 bytes
 * on the 68000, 8 on the 68010; fuzz-driver --target code-68010 --seed
 * 2003 --only 204). Every instruction of the loop is traced, so some ticks
 * land on a pending trace; the trace and interrupt counts are compared too. */
static void test_m68k_trace_then_interrupt(void **st) {
    (void)st;
    const char *src =
        "move.l #0x5000,0x68\n"          /* level 2 autovector -> 0x5000 */
        "move.l #0x5100,0x24\n"          /* trace -> 0x5100 */
        "move.l #2,0xdff008\n"           /* level */
        "move.l #23,0xdff004\n"          /* period */
        "move.w #0xa100,%sr\n"           /* T, S, mask 1 */
        "loop: addq.l #1,%d0\n"
        "cmp.l #300,%d0\n"
        "bne loop\n"
        "move.l #0,0xdff004\n"
        "move.w #0x2700,%sr\n"          /* trace off; the STOP then halts for good */
        "stop #0x2700\n";
    const char *isr = "addq.l #1,%d1\nmove.l #0,0xdff00c\nrte\n";
    const char *trc = "addq.l #1,%d3\nrte\n";
    for (int model = 0; model < 2; model++) {
        const char *name = model ? "68010" : "68000";
        char err[256];
        uint8_t *a = NULL, *b = NULL, *c = NULL;
        size_t la = 0, lb = 0, lc = 0;
        vl_machine *m = mk("m68k", name, "nop\n");
        const vl_cpu_ops *ops = m->desc->ops;
        int var = m->desc->variant;
        assert_int_equal(ops->assemble(var, src, ORG, &a, &la, err, sizeof err), 0);
        assert_int_equal(ops->assemble(var, isr, 0x5000, &b, &lb, err, sizeof err), 0);
        assert_int_equal(ops->assemble(var, trc, 0x5100, &c, &lc, err, sizeof err), 0);
        vlab_machine_free(m);
        static uint8_t image[0x6000];
        memset(image, 0, sizeof image);
        memcpy(image + ORG, a, la);
        memcpy(image + 0x5000, b, lb);
        memcpy(image + 0x5100, c, lc);
        free(a);
        free(b);
        free(c);
        vl_equiv_result r = hw_equal(name, image, sizeof image, 20000);
        vl_equiv_free(&r);
        /* the run reached the end, with both exceptions many times */
        vl_vm *vm = hw_booted(name, image, sizeof image);
        vl_stop s = vl_vm_run(vm, 20000, 0, 0);
        if (s.reason != VLAB_STOP_HALT) fail_msg("%s: stop %s vector %d at 0x%x", name, vlab_stop_name(s.reason), s.vector, s.pc);
        assert_int_equal(greg(vm, "d0"), 300);
        assert_true(greg(vm, "d1") > 20);
        assert_true(greg(vm, "d3") >= 900);
        assert_int_equal(greg(vm, "sp"), 0x8000); /* every frame popped */
        vl_vm_free(vm);
    }
}

/* A trace whose stacking bus-faults (SP 0) halts the CPU (a double bus
 * fault) with the timer's level-7 interrupt due after the same
 * instruction: natively the halted CPU takes nothing more (SR keeps mask
 * 2); under hw-assist the monitor injected the interrupt into the halted
 * guest at its next run (SR mask 7; fuzz campaign, code-68010, seed
 * 300000, input 1089: tests/fuzz/regressions/code-68010/
 * hw-interrupt-into-halted-cpu.bin). */
static void test_m68k_no_interrupt_once_halted(void **st) {
    (void)st;
    const char *src =
        "move.l #0x5100,0x8\n"           /* bus error, trace, level 7 autovector: */
        "move.l #0x5100,0x24\n"          /* handlers (never reached) */
        "move.l #0x5100,0x7c\n"
        "move.l #3,0xdff004\n"           /* period */
        "move.l #7,0xdff008\n"           /* level 7 */
        "move.w #0xa21b,%sr\n"           /* T, S, mask 2 */
        "suba.l %a7,%a7\n"               /* SP 0: the trace's frame cannot be stacked */
        "nop\n";
    for (int model = 0; model < 2; model++) {
        const char *name = model ? "68010" : "68000";
        char err[256];
        uint8_t *a = NULL;
        size_t la = 0;
        vl_machine *m = mk("m68k", name, "nop\n");
        assert_int_equal(m->desc->ops->assemble(m->desc->variant, src, ORG, &a, &la, err, sizeof err), 0);
        vlab_machine_free(m);
        static uint8_t image[0x6000];
        memset(image, 0, sizeof image);
        memcpy(image + ORG, a, la);
        free(a);
        vl_equiv_result r = hw_equal(name, image, sizeof image, 100);
        assert_int_equal(r.native_stop.reason, VLAB_STOP_ERROR);
        assert_int_equal(r.vm_stop.reason, VLAB_STOP_ERROR);
        vl_equiv_free(&r);
        vl_vm *vm = hw_booted(name, image, sizeof image);
        vl_stop s = vl_vm_run(vm, 100, 0, 0);
        assert_int_equal(s.reason, VLAB_STOP_ERROR);
        assert_int_equal(greg(vm, "sr") & 0x0700, 0x0200);
        vl_vm_free(vm);
    }
}

/* The 750: mfmsr exits and shows the guest's IP; without the exit, the
 * host's IP = 0. */
static void test_ppc_msr_shadow(void **st) {
    (void)st;
    const char *src = "mfmsr 3\nori 3,3,0x40\nmtmsr 3\nmfmsr 4\nb .\n";
    for (int pass = 0; pass < 2; pass++) {
        vl_vm *vm = mkvm("ppc", "750", src);
        char err[256];
        if (pass) assert_int_equal(vl_hw_exit_form(vm, "mfmsr", false, err, sizeof err), 1);
        watch w = { .vm = vm };
        vl_vm_on_trap(vm, on_ev, &w);
        vl_stop s = vl_vm_run(vm, 20, 0, 0);
        assert_int_equal(s.reason, VLAB_STOP_HALT);
        uint32_t r4 = greg(vm, "r4");
        assert_int_equal(!!(r4 & 0x40), pass ? 0 : 1);
        assert_int_equal(!!(greg(vm, "msr") & 0x40), 1); /* the guest's view */
        assert_int_equal(w.bad, 0);
        char why[256];
        assert_int_equal(vl_vm_check(vm, why, sizeof why), 0);
        vl_vm_free(vm);
    }
}

/* A wrong exit set is a leak the sweep measures. */
static void test_sweep_exit_set(void **st) {
    (void)st;
    const char *rm[] = { "move from sr", NULL };
    char err[256];
    for (int pass = 0; pass < 2; pass++) {
        vl_sweep_opts o = { .isa = "m68k", .model = "68000", .technique = "hw-assist", .states = 4,
                            .exit_remove = pass ? rm : NULL };
        vl_sweep_result r;
        assert_int_equal(vl_sweep_run(&o, &r, err, sizeof err), 0);
        int mfsr_leaks = 0;
        for (size_t i = 0; i < r.nrows; i++)
            if (r.rows[i].outcome == VL_OUT_LEAKS && !strcmp(r.rows[i].mnemonic, "move from sr")) mfsr_leaks++;
        assert_int_equal(r.sum.leaks, pass ? mfsr_leaks : 0);
        assert_true(pass ? mfsr_leaks > 0 : mfsr_leaks == 0);
        vl_sweep_result_free(&r);
    }
    vl_sweep_opts bad = { .isa = "m68k", .model = "68000", .technique = "trap-and-emulate", .exit_remove = rm };
    vl_sweep_result r;
    assert_true(vl_sweep_run(&bad, &r, err, sizeof err) < 0);
    assert_non_null(strstr(err, "hw-assist only"));
}

static void test_names_and_refusals(void **st) {
    (void)st;
    int fl;
    char err[256];
    assert_int_equal(vl_technique_spec("hw-assist", &fl, err, sizeof err), VL_TECH_HW_ASSIST);
    assert_int_equal(fl, -1);
    assert_int_equal(vl_technique_spec("hw-assist:vt", &fl, err, sizeof err), VL_TECH_HW_ASSIST);
    assert_int_equal(fl, VL_HW_VT);
    assert_int_equal(vl_technique_spec("hw-assist:svm", &fl, err, sizeof err), VL_TECH_HW_ASSIST);
    assert_int_equal(fl, VL_HW_SVM);
    assert_int_equal(vl_technique_spec("hw-assist:vmx", &fl, err, sizeof err), -1);
    assert_int_equal(vl_technique_spec("hybrid:vt", &fl, err, sizeof err), -1);
    assert_int_equal(vl_technique_find("hw-assist"), VL_TECH_HW_ASSIST);
    assert_string_equal(vl_exit_reason_name(VL_EXIT_MODE), "mode");
    vl_vm *vm = vl_vm_new(NULL, "m68k", "68010", GRAM, VL_TECH_TRAP_EMULATE, NULL, err, sizeof err);
    assert_int_equal(vl_hw_set_flavour(vm, VL_HW_VT, err, sizeof err), -1);
    assert_int_equal(vl_hw_flavour(vm), -1);
    vl_vm_free(vm);
}

/* x86 under svm: CR0 reads through the read shadow, writes that change the
 * owned TS exit, as do the console's port and HLT; port 0x80 runs directly. */
static void test_x86_cr0_shadow_and_io(void **st) {
    (void)st;
    const char *src = "mov %cr0,%eax\nsmsw %bx\nclts\nmov %cr0,%ecx\nor $8,%ecx\nmov %ecx,%cr0\n"
                      "mov %cr0,%edx\nclts\nmov %cr0,%esi\noutb %al,$0xe9\noutb %al,$0x80\nhlt\n";
    vl_vm *vm = mkvm("x86", "i386", src);
    watch w = { .vm = vm };
    vl_vm_on_trap(vm, on_ev, &w);
    vl_stop s = vl_vm_run(vm, 100, 0, 0);
    assert_true(s.reason == VLAB_STOP_IDLE || s.reason == VLAB_STOP_HALT);
    assert_int_equal(greg(vm, "eax") & 8, 0);        /* the guest's TS: 0 */
    assert_int_equal(greg(vm, "ebx") & 8, 0);        /* SMSW too */
    assert_int_equal(greg(vm, "edx") & 8, 8);        /* after its MOV to CR0 set it */
    assert_int_equal(greg(vm, "esi") & 8, 0);        /* its second CLTS cleared it */
    assert_int_equal(greg(vm, "cr0") & 8, 0);
    vl_vmm_stats stt;
    vl_vm_stats(vm, &stt);
    assert_int_equal(stt.exit_reasons[VL_EXIT_CR], 2);          /* the TS write, the CLTS of TS = 1 */
    assert_int_equal(stt.exit_reasons[VL_EXIT_IO], 1);          /* 0xe9 only */
    assert_int_equal(stt.exit_reasons[VL_EXIT_INSTRUCTION], 1); /* HLT */
    assert_int_equal(stt.exit_reasons[VL_EXIT_MODE], 0);
    assert_int_equal(stt.interpreted, 0);
    assert_int_equal(stt.traps, 0);
    assert_int_equal(w.bad, 0);
    assert_int_equal(vl_vm_privilege(vm), 0);
    vl_vm_free(vm);

    /* vt: flat protected mode without paging cannot run in non-root mode:
     * every instruction interpreted, one mode exit, the same results */
    vm = mkvm("x86", "i386", src);
    char err[256];
    assert_int_equal(vl_hw_set_flavour(vm, VL_HW_VT, err, sizeof err), 0);
    vl_vm_run(vm, 100, 0, 0);
    assert_int_equal(greg(vm, "edx") & 8, 8);
    assert_int_equal(greg(vm, "esi") & 8, 0);
    vl_vm_stats(vm, &stt);
    assert_int_equal(stt.exit_reasons[VL_EXIT_MODE], 1);
    assert_int_equal(stt.exit_reasons[VL_EXIT_IO], 0);
    assert_int_equal(stt.interpreted, stt.guest_instructions);
    vl_vm_free(vm);
}

/* #NM: the host's TS makes the guest's FPU instruction fault on the real
 * CPU; in the bitmap it exits and the guest sees what it would natively
 * (#UD: no coprocessor); taken out, the guest gets the host's #NM. */
static void test_x86_nm_bitmap(void **st) {
    (void)st;
    for (int pass = 0; pass < 2; pass++) {
        vl_vm *vm = mkvm("x86", "i386", ".byte 0xd9, 0xe8\nhlt\n");
        /* a GDT with the flat code segment the gates name */
        uint16_t cs = 0x08;
        vlab_mem_set(vm->m, 0x2008, 4, 0x0000FFFFu);
        vlab_mem_set(vm->m, 0x200C, 4, 0x00CF9B00u);
        vl_vm_reg_set(vm, vlab_reg_index(vm->m, "gdtr_base"), 0x2000);
        vl_vm_reg_set(vm, vlab_reg_index(vm->m, "gdtr_limit"), 15);
        for (int v = 6; v <= 7; v++) {
            uint32_t h = 0x3000u + 0x100u * (uint32_t)(v - 6);
            vlab_mem_set(vm->m, 8u * (uint32_t)v, 4, (uint32_t)cs << 16 | (h & 0xFFFF));
            vlab_mem_set(vm->m, 8u * (uint32_t)v + 4, 4, (h & 0xFFFF0000u) | 0x8E00u);
            vlab_mem_set(vm->m, h, 1, 0xBE);     /* mov $v,%esi */
            vlab_mem_set(vm->m, h + 1, 4, (uint32_t)v);
            vlab_mem_set(vm->m, h + 5, 1, 0xF4); /* hlt */
        }
        char err[256];
        if (pass) assert_int_equal(vl_hw_exit_exception(vm, 7, false, err, sizeof err), 0);
        vl_vm_run(vm, 20, 0, 0);
        assert_int_equal(greg(vm, "esi"), pass ? 7u : 6u);
        vl_vmm_stats stt;
        vl_vm_stats(vm, &stt);
        assert_int_equal(stt.exit_reasons[VL_EXIT_EXCEPTION], pass ? 0 : 1);
        vl_vm_free(vm);
    }
    /* the same natively: #UD */
    vl_machine *m = mk("x86", "i386", ".byte 0xd9, 0xe8\nhlt\n");
    m->cc->stop_on_null_vector = true;
    vl_stop s = vlab_run(m, 5, 0, 0);
    assert_int_equal(s.reason, VLAB_STOP_EXCEPTION);
    assert_int_equal(s.vector, 6);
    vlab_machine_free(m);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_exit_forms),
        cmocka_unit_test(test_exit_forms_x86_fast),
        cmocka_unit_test(test_exit_forms_follow_changes),
        cmocka_unit_test(test_exception_bitmap),
        cmocka_unit_test(test_m68k_move_from_sr),
        cmocka_unit_test(test_m68k_exception_bitmap),
        cmocka_unit_test(test_m68k_interrupts_equivalent),
        cmocka_unit_test(test_m68k_trace_then_interrupt),
        cmocka_unit_test(test_m68k_no_interrupt_once_halted),
        cmocka_unit_test(test_ppc_msr_shadow),
        cmocka_unit_test(test_sweep_exit_set),
        cmocka_unit_test(test_names_and_refusals),
        cmocka_unit_test(test_x86_cr0_shadow_and_io),
        cmocka_unit_test(test_x86_nm_bitmap),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
