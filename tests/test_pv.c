/* test_pv.c - the paravirt technique (vmm/tech_pv.c): each hypercall on
 * each ISA's encoding (isa/<isa>/virt.c vl_virt_pv) against the guest's
 * virtual state, a hypercall from the guest's user mode and an encoding
 * outside the call space raising what they raise natively, unsupported
 * calls answering 0xFFFFFFFF, the stats and the cost model, the trap
 * event, a kernel that is not paravirtualized running as under
 * trap-and-emulate, and the sweep's refusal. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "tests/testlib.h"
#include "vmm/sweep.h"

#define RAM (1u << 20)
#define ORG 0x1000u

static vl_vm *guest(const char *isa, const char *model, const char *src, int tech) {
    char err[256];
    uint8_t *b = NULL;
    size_t len = 0;
    if (vlab_asm(model, src, ORG, &b, &len, err, sizeof err) != 0) fail_msg("asm: %s", err);
    vl_vm *vm = vl_vm_new(NULL, isa, strchr(model, ':') + 1, RAM, tech, NULL, err, sizeof err);
    if (!vm) fail_msg("vl_vm_new: %s", err);
    vlab_mem_write(vm->m, ORG, b, len);
    vlab_free(b);
    vl_vm_boot(vm, ORG, 0x80000);
    return vm;
}

static uint32_t reg(vl_vm *vm, const char *name) {
    int i = vlab_reg_index(vm->m, name);
    assert_true(i >= 0);
    return vl_vm_reg_get(vm, i);
}

static const char *console(vl_vm *vm) {
    static char buf[64];
    size_t n;
    const char *c = vlab_console(vm->m, &n);
    if (n >= sizeof buf) n = sizeof buf - 1;
    memcpy(buf, c, n);
    buf[n] = 0;
    return buf;
}

typedef struct seen {
    int hypercalls, calls[VL_HC_COUNT + 1];
    char last[64];
} seen;

static int on_trap(void *ctx, const vl_trap_event *ev) {
    seen *s = ctx;
    if (ev->kind == VL_TRAP_HYPERCALL) {
        s->hypercalls++;
        s->calls[ev->call >= 0 && ev->call < VL_HC_COUNT ? ev->call : VL_HC_COUNT]++;
        snprintf(s->last, sizeof s->last, "%s", ev->insn);
    } else {
        assert_int_equal(ev->call, -1);
    }
    return 0;
}

/* The stats of a run whose only traps are hypercalls and one halting
 * instruction: each hypercall two world switches and trap + hypercall in
 * the cost, a retired instruction each. */
static void assert_cost(vl_vm *vm, uint64_t calls) {
    vl_vmm_stats st;
    vl_vm_stats(vm, &st);
    assert_int_equal(st.hypercalls, calls);
    assert_int_equal(st.world_switches, 2 * (st.traps + st.hypercalls));
    const vl_cost_table *c = &vm->cost;
    uint64_t want = st.guest_instructions * c->instruction + st.traps * c->trap +
                    st.world_switches * c->world_switch + st.emulated * c->emulate + st.reflected * c->reflect +
                    st.hypercalls * ((uint64_t)c->trap + c->hypercall);
    assert_int_equal(st.cost, want);
    char why[256];
    if (vl_vm_check(vm, why, sizeof why) != 0) fail_msg("vm:check: %s", why);
}

/* The run stopped at the exception the encoding raises natively (no
 * handler), no hypercall served, nothing written to the console. */
static void assert_native_exception(vl_vm *vm, vl_stop st, int vector) {
    assert_int_equal(st.reason, VLAB_STOP_EXCEPTION);
    assert_int_equal(st.vector, vector);
    assert_string_equal(console(vm), "");
    vl_vmm_stats s;
    vl_vm_stats(vm, &s);
    assert_int_equal(s.hypercalls, 0);
}

/* 68010: line A 0xA000 | call << 4 | register. */
static void test_m68k_calls(void **state) {
    (void)state;
    vl_vm *vm = guest("m68k", "m68k:68010",
                      "  dc.w $a001\n"             /* get_status -> d1 */
                      "  moveq #3,d2\n  dc.w $a012\n" /* set_mask d2 */
                      "  dc.w $a023\n"             /* get_mask -> d3 */
                      "  move.l #$4000,a1\n  dc.w $a0a9\n" /* set_stack a1 */
                      "  dc.w $a094\n"             /* get_stack -> d4 */
                      "  move.l #$2000,d5\n  dc.w $a035\n" /* set_vector_base d5 */
                      "  moveq #80,d0\n  dc.w $a060\n" /* console_out d0 ('P') */
                      "  dc.w $a046\n"             /* set_page_table d6: no MMU */
                      "  dc.w $a7f7\n"             /* call 127 d7: none */
                      "  stop #$2700\n",
                      VL_TECH_PARAVIRT);
    uint32_t sr0 = reg(vm, "sr");
    seen s = { 0 };
    vl_vm_on_trap(vm, on_trap, &s);
    vl_stop st = vl_vm_run(vm, 10000, 0, 0);
    assert_int_not_equal(st.reason, VLAB_STOP_EXCEPTION);
    assert_int_equal(reg(vm, "d1"), sr0);
    assert_int_equal(reg(vm, "d3"), 3);
    assert_int_equal(reg(vm, "d4"), 0x4000);
    assert_int_equal(reg(vm, "usp"), 0x4000);
    assert_int_equal(reg(vm, "vbr"), 0x2000);
    assert_int_equal(reg(vm, "d6"), VL_HC_UNSUPPORTED);
    assert_int_equal(reg(vm, "d7"), VL_HC_UNSUPPORTED);
    assert_int_equal(reg(vm, "d0"), 80); /* console_out leaves its operand */
    assert_string_equal(console(vm), "P");
    assert_int_equal(s.hypercalls, 9);
    assert_int_equal(s.calls[VL_HC_COUNT], 1);
    assert_int_equal(s.calls[VL_HC_SET_STACK], 1);
    assert_cost(vm, 9);
    vl_vm_free(vm);
}

/* idle: as STOP with the mask of its operand; the timer's tick wakes the
 * guest after the same instruction, the handler returns after the call. */
static void test_m68k_idle(void **state) {
    (void)state;
    const char *fmt = "  move.l #tick,$64\n  move.l #50,$dff004\n  move.l #1,$dff008\n  moveq #0,d0\n"
                      "%s\n"
                      "  move.b #87,$dff000\n  move.l #0,$dff004\n  stop #$2700\n"
                      "tick:\n  move.l #0,$dff00c\n  move.b #84,$dff000\n  rte\n";
    char a[512], b[512];
    snprintf(a, sizeof a, fmt, "  stop #$2000");
    snprintf(b, sizeof b, fmt, "  dc.w $a070"); /* idle d0 */
    vl_vm *x = guest("m68k", "m68k:68010", a, VL_TECH_TRAP_EMULATE);
    vl_vm *y = guest("m68k", "m68k:68010", b, VL_TECH_PARAVIRT);
    vl_stop sx = vl_vm_run(x, 10000, 0, 0), sy = vl_vm_run(y, 10000, 0, 0);
    assert_int_equal(sy.reason, sx.reason);
    assert_string_equal(console(x), "TW");
    assert_string_equal(console(y), "TW");
    vl_vmm_stats p, q;
    vl_vm_stats(x, &p);
    vl_vm_stats(y, &q);
    assert_int_equal(q.guest_instructions, p.guest_instructions);
    assert_int_equal(q.hypercalls, 1);
    assert_int_equal(q.traps + 1, p.traps);
    assert_int_equal(reg(y, "sr"), reg(x, "sr"));
    assert_int_equal(reg(y, "pc") + 2, reg(x, "pc")); /* the final STOP, after a 2-byte call for a 4-byte STOP */
    vl_vm_free(x);
    vl_vm_free(y);
}

/* A hypercall from user mode, and a line-A word outside the call space:
 * the line 1010 exception, reflected into the guest's handler, as natively. */
static void test_m68k_user_and_unknown(void **state) {
    (void)state;
    const char *src = "  move.l #linea,$28\n"
                      "  dc.w $a800\n"           /* not a hypercall */
                      "  move.l #$7000,a0\n  move.l a0,usp\n"
                      "  move.w #$0000,sr\n"      /* to user mode */
                      "  dc.w $a060\n"           /* console_out from user mode */
                      "  trap #0\n"
                      "linea:\n  addq.l #1,d7\n  addq.l #2,2(a7)\n  rte\n";
    for (int tech = 0; tech < 2; tech++) {
        int t = tech ? VL_TECH_PARAVIRT : VL_TECH_TRAP_EMULATE;
        vl_vm *vm = guest("m68k", "m68k:68010", src, t);
        vl_stop st = vl_vm_run(vm, 10000, 0, 0);
        assert_int_equal(st.reason, VLAB_STOP_EXCEPTION); /* trap #0: no handler */
        assert_int_equal(reg(vm, "d7"), 2);               /* both reached the line-A handler */
        assert_string_equal(console(vm), "");
        vl_vmm_stats s;
        vl_vm_stats(vm, &s);
        assert_int_equal(s.hypercalls, 0);
        assert_true(s.reflected >= 2 || s.emulated >= 2);
        vl_vm_free(vm);
    }
}

/* x86: UD2 'v' call register. */
static void test_x86_calls(void **state) {
    (void)state;
    vl_vm *vm = guest("x86", "x86:i386",
                      "  cli\n"
                      "  .byte 0x0f, 0x0b, 0x76, 0, 1\n"   /* get_status -> ecx */
                      "  mov $1, %ebx\n  .byte 0x0f, 0x0b, 0x76, 1, 3\n" /* set_mask ebx */
                      "  .byte 0x0f, 0x0b, 0x76, 2, 2\n"   /* get_mask -> edx */
                      "  mov $0x9000, %esi\n  .byte 0x0f, 0x0b, 0x76, 3, 6\n" /* set_vector_base esi */
                      "  mov $0x5000, %edi\n  .byte 0x0f, 0x0b, 0x76, 4, 7\n" /* set_page_table edi */
                      "  mov $0x58, %eax\n  .byte 0x0f, 0x0b, 0x76, 6, 0\n" /* console_out eax ('X') */
                      "  .byte 0x0f, 0x0b, 0x76, 9, 5\n"   /* get_stack ebp: unsupported */
                      "  cli\n  hlt\n",
                      VL_TECH_PARAVIRT);
    uint32_t f0 = reg(vm, "eflags");
    vl_stop st = vl_vm_run(vm, 10000, 0, 0);
    assert_int_equal(st.reason, VLAB_STOP_HALT);
    assert_int_equal(reg(vm, "ecx"), f0);
    assert_int_equal(reg(vm, "edx"), 1);
    assert_int_equal(reg(vm, "cr3"), 0x5000);
    assert_int_equal(reg(vm, "idtr_base"), 0x9000);
    assert_int_equal(reg(vm, "ebp"), VL_HC_UNSUPPORTED);
    assert_int_equal(reg(vm, "eflags") & 0x200, 0); /* the last CLI */
    assert_string_equal(console(vm), "X");
    assert_cost(vm, 7);
    vl_vm_free(vm);
}

/* x86: UD2 without the signature, or with a register byte above 7: #UD as
 * natively (no handler here: the run stops there, as the bare machine's). */
static void test_x86_unknown(void **state) {
    (void)state;
    const char *srcs[2] = { "  .byte 0x0f, 0x0b, 0x77, 6, 0\n", "  .byte 0x0f, 0x0b, 0x76, 6, 8\n" };
    for (int i = 0; i < 2; i++) {
        vl_vm *vm = guest("x86", "x86:i386", srcs[i], VL_TECH_PARAVIRT);
        vl_stop st = vl_vm_run(vm, 1000, 0, 0);
        assert_native_exception(vm, st, 6);
        assert_int_equal(st.pc, ORG);
        vl_vm_free(vm);
    }
}

/* PPC: opcode 1, rD, SPRG index, call. */
static void test_ppc_calls(void **state) {
    (void)state;
    vl_vm *vm = guest("ppc", "ppc:750",
                      "  .long 0x04600000\n"       /* get_status -> r3 */
                      "  li 4, 0x1234\n  .long 0x0482000a\n" /* set_stack r4, SPRG2 */
                      "  .long 0x04a20009\n"       /* get_stack -> r5, SPRG2 */
                      "  li 6, 77\n  .long 0x04c00006\n" /* console_out r6 ('M') */
                      "  li 7, 500\n  .long 0x04e00005\n" /* ack_timer r7: DEC */
                      "  .long 0x05000003\n"       /* set_vector_base r8: unsupported */
                      "  b .\n",
                      VL_TECH_PARAVIRT);
    uint32_t msr0 = reg(vm, "msr");
    seen s = { 0 };
    vl_vm_on_trap(vm, on_trap, &s);
    vl_vm_run(vm, 200, 0, 0);
    assert_int_equal(reg(vm, "r3"), msr0);
    assert_int_equal(reg(vm, "r5"), 0x1234);
    assert_int_equal(reg(vm, "sprg2"), 0x1234);
    assert_int_equal(reg(vm, "r8"), VL_HC_UNSUPPORTED);
    assert_true(reg(vm, "dec") <= 500 && reg(vm, "dec") > 300);
    assert_string_equal(console(vm), "M");
    assert_int_equal(s.hypercalls, 6);
    assert_string_equal(s.last, "hypercall set_vector_base");
    assert_cost(vm, 6);
    vl_vm_free(vm);
}

/* PPC: the hypercall from problem state is the program exception the word
 * raises natively (illegal instruction), into the guest's handler. */
static void test_ppc_user(void **state) {
    (void)state;
    vl_vm *vm = guest("ppc", "ppc:750",
                      "  lis 3, user@ha\n  addi 3, 3, user@l\n  mtsrr0 3\n"
                      "  li 3, 0x4000\n  mtsrr1 3\n  rfi\n"     /* PR = 1 */
                      "user:\n  li 6, 77\n  .long 0x04c00006\n  b .\n",
                      VL_TECH_PARAVIRT);
    vl_stop st = vl_vm_run(vm, 1000, 0, 0);
    assert_native_exception(vm, st, 0x700); /* no handler at 0x700 */
    vl_vm_free(vm);
}

/* A kernel without hypercalls: paravirt is trap-and-emulate. */
static void test_fallback(void **state) {
    (void)state;
    const char *src = "  move.l #$7000,a0\n  move.l a0,usp\n  move.l usp,a1\n  move.w #$2300,sr\n"
                      "  move.b #79,$dff000\n  stop #$2700\n";
    vl_vmm_stats a, b;
    vl_vm *x = guest("m68k", "m68k:68010", src, VL_TECH_TRAP_EMULATE);
    vl_vm *y = guest("m68k", "m68k:68010", src, VL_TECH_PARAVIRT);
    vl_stop sx = vl_vm_run(x, 1000, 0, 0), sy = vl_vm_run(y, 1000, 0, 0);
    assert_int_equal(sx.reason, sy.reason);
    vl_vm_stats(x, &a);
    vl_vm_stats(y, &b);
    assert_true(a.traps >= 4);
    assert_int_equal(b.traps, a.traps);
    assert_int_equal(b.emulated, a.emulated);
    assert_int_equal(b.cost, a.cost);
    assert_int_equal(b.hypercalls, 0);
    assert_string_equal(console(y), "O");
    vl_vm_free(x);
    vl_vm_free(y);
}

/* The cost table reaches the hypercall: changing the figure changes the cost by calls x delta. */
static void test_cost(void **state) {
    (void)state;
    const char *src = "  moveq #65,d0\n  dc.w $a060\n  dc.w $a060\n  dc.w $a060\n  stop #$2700\n";
    vl_vm *vm = guest("m68k", "m68k:68010", src, VL_TECH_PARAVIRT);
    vl_vm_run(vm, 1000, 0, 0);
    vl_vmm_stats a, b;
    vl_vm_stats(vm, &a);
    vl_cost_table c = vm->cost;
    c.hypercall += 1000;
    c.trap += 10;
    vl_vm_set_cost(vm, &c);
    vl_vm_stats(vm, &b);
    assert_int_equal(a.hypercalls, 3);
    assert_int_equal(b.cost - a.cost, 3 * 1010 + 10 * a.traps);
    assert_string_equal(console(vm), "AAA");
    assert_cost(vm, 3);
    vl_vm_free(vm);
}

/* The registry and the sweep's refusal. */
static void test_registry(void **state) {
    (void)state;
    assert_int_equal(vl_technique_find("paravirt"), VL_TECH_PARAVIRT);
    assert_non_null(strstr(vl_technique_list(), "paravirt"));
    assert_string_equal(vl_hypercall_name(VL_HC_SET_STACK), "set_stack");
    assert_string_equal(vl_trap_kind_name(VL_TRAP_HYPERCALL), "hypercall");
    vl_sweep_opts o = { 0 };
    o.isa = "m68k";
    o.model = "68010";
    o.technique = "paravirt";
    vl_sweep_result r;
    char err[512];
    assert_int_equal(vl_sweep_run(&o, &r, err, sizeof err), -2);
    assert_non_null(strstr(err, "paravirtualized guest"));
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_m68k_calls), cmocka_unit_test(test_m68k_idle), cmocka_unit_test(test_m68k_user_and_unknown),
        cmocka_unit_test(test_x86_calls),  cmocka_unit_test(test_x86_unknown),
        cmocka_unit_test(test_ppc_calls),  cmocka_unit_test(test_ppc_user),
        cmocka_unit_test(test_fallback),   cmocka_unit_test(test_cost),
        cmocka_unit_test(test_registry),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
