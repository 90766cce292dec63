/* test_vmm.c - the monitor: allocator, dispatcher, interpreter, the m68k
 * mapping, resource control under stress, equivalence natively vs under the
 * monitor (68010: identical; 68000: exactly the MOVE from SR result).
 *
 * Guest code is hand-encoded here (the words are commented) so that these
 * tests depend on the core and the monitor only. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "isa/m68k/m68k.h"
#include "tests/testlib.h"
#include "vmm/vmm.h"

extern const vl_virt_ops m68k_virt_ops;

#define RAM (256u << 10)
#define MMIO 0x00DFF000u
#define CODE 0x1000u
#define SSP_TOP 0x20000u
#define USP_TOP 0x18000u
#define DATA 0x8000u

/* ---- a tiny image builder ------------------------------------------------------- */
typedef struct img {
    uint8_t b[RAM];
    uint32_t pc;
    uint32_t hi; /* highest byte written + 1 */
} img;

static void at(img *g, uint32_t a) { g->pc = a; }
static void w(img *g, uint16_t v) {
    vl_put_be16(g->b + g->pc, v);
    g->pc += 2;
    if (g->pc > g->hi) g->hi = g->pc;
}
static void l(img *g, uint32_t v) {
    w(g, (uint16_t)(v >> 16));
    w(g, (uint16_t)v);
}
static void vec(img *g, int n, uint32_t handler) {
    vl_put_be32(g->b + 4 * n, handler);
    if ((uint32_t)(4 * n + 4) > g->hi) g->hi = (uint32_t)(4 * n + 4);
}
/* common instructions */
static void move_sr_imm(img *g, uint16_t v) { w(g, 0x46FC), w(g, v); } /* move.w #v,sr */
static void move_l_imm_abs(img *g, uint32_t v, uint32_t a) { w(g, 0x23FC), l(g, v), l(g, a); }
static void movea_l_imm(img *g, int an, uint32_t v) { w(g, (uint16_t)(0x207C | an << 9)), l(g, v); }
static void putc_d0(img *g) { w(g, 0x13C0), l(g, MMIO); } /* move.b d0,$dff000 */
static void moveq(img *g, int dn, int8_t v) { w(g, (uint16_t)(0x7000 | dn << 9 | (uint8_t)v)); }
static void rte(img *g) { w(g, 0x4E73); }
static void stop(img *g, uint16_t sr) { w(g, 0x4E72), w(g, sr); }
static void bra_self(img *g) { w(g, 0x60FE); }
static void trap(img *g, int n) { w(g, (uint16_t)(0x4E40 | n)); }

static vl_vm *new_vm_tech(vl_vmm *mon, const char *model, int technique) {
    char err[256];
    vl_vm *vm = vl_vm_new(mon, "m68k", model, RAM, technique, &m68k_virt_ops, err, sizeof err);
    if (!vm) fail_msg("vl_vm_new: %s", err);
    return vm;
}
static vl_vm *new_vm(vl_vmm *mon, const char *model) { return new_vm_tech(mon, model, VL_TECH_TRAP_EMULATE); }

/* Load the image and start at entry in (virtual) supervisor mode with SSP_TOP. */
static void vm_load(vl_vm *vm, const img *g, uint32_t entry) {
    vlab_mem_write(vm->m, 0, g->b, g->hi);
    vl_vm_reset(vm);
    vl_vm_set_privilege(vm, 0);
    vl_vm_reg_set(vm, vlab_reg_index(vm->m, "a7"), SSP_TOP);
    vl_vm_set_pc(vm, entry);
}

static vlab_machine *native(const char *model, const img *g, uint32_t entry) {
    char err[256];
    vlab_machine *m = vlab_machine_new("m68k", model, RAM, err, sizeof err);
    if (!m) fail_msg("machine: %s", err);
    vlab_mem_write(m, 0, g->b, g->hi);
    vlab_reset(m);
    vlab_set_supervisor(m, 1);
    vlab_reg_set(m, vlab_reg_index(m, "a7"), SSP_TOP);
    vlab_set_pc(m, entry);
    return m;
}

static uint32_t greg(vl_vm *vm, const char *name) { return vl_vm_reg_get(vm, vlab_reg_index(vm->m, name)); }
static uint32_t nreg(vlab_machine *m, const char *name) { return vlab_reg_get(m, vlab_reg_index(m, name)); }

static int real_priv(vl_vm *vm) { return vm->ops->priv_get(vm->real); }

static void assert_check(vl_vm *vm) {
    char why[256] = "";
    if (vl_vm_check(vm, why, sizeof why) != 0) fail_msg("resource control: %s", why);
    if (vl_alloc_check(&vm->mon->alloc, why, sizeof why) != 0) fail_msg("allocator: %s", why);
}

/* ---- allocator ---------------------------------------------------------------------- */

static void test_alloc(void **state) {
    (void)state;
    vl_alloc a;
    vl_alloc_init(&a, 3000);
    uint64_t mp = 0, mq = 0, mm = 0;
    uint8_t *p = vl_alloc_region(&a, 1, VL_REGION_GUEST, 1000, &mp);
    uint8_t *q = vl_alloc_region(&a, 2, VL_REGION_GUEST, 1000, &mq);
    assert_non_null(p);
    assert_non_null(q);
    assert_null(vl_alloc_region(&a, 1, VL_REGION_GUEST, 10, NULL)); /* one region of a kind per guest */
    assert_null(vl_alloc_region(&a, 3, VL_REGION_GUEST, 1001, NULL)); /* over the limit */
    uint8_t *m1 = vl_alloc_region(&a, 1, VL_REGION_MONITOR, 100, &mm);
    assert_non_null(m1);
    /* machine-physical: page aligned, apart */
    assert_int_equal(mp % VL_PAGE_SIZE, 0);
    assert_int_equal(mq % VL_PAGE_SIZE, 0);
    assert_true(mq >= mp + 1000 && mm >= mq + 1000);
    for (int i = 0; i < 1000; i++) assert_int_equal(p[i], 0);
    int kind = -1;
    assert_int_equal(vl_alloc_owner(&a, p + 999, &kind), 1);
    assert_int_equal(kind, VL_REGION_GUEST);
    assert_int_equal(vl_alloc_owner(&a, m1 + 99, &kind), 1);
    assert_int_equal(kind, VL_REGION_MONITOR);
    assert_int_equal(vl_alloc_owner(&a, q, NULL), 2);
    assert_int_equal(vl_alloc_owner(&a, &a, NULL), -1); /* the monitor's own state is no guest's */
    assert_int_equal(vl_alloc_check(&a, NULL, 0), 0);
    vl_alloc_release(&a, 1); /* both of guest 1's regions */
    assert_int_equal(vl_alloc_owner(&a, q, NULL), 2);
    assert_int_equal((int)a.in_use, 1000);
    uint64_t m3 = 0;
    assert_non_null(vl_alloc_region(&a, 3, VL_REGION_GUEST, 2000, &m3));
    assert_true(m3 > mm); /* machine-physical addresses are never reused */
    assert_int_equal(vl_alloc_check(&a, NULL, 0), 0);
    /* the check finds two regions on one machine-physical address */
    a.r[0].mpa = a.r[1].mpa;
    char why[128];
    assert_int_equal(vl_alloc_check(&a, why, sizeof why), -1);
    assert_non_null(strstr(why, "machine-physical"));
    vl_alloc_fini(&a);
}

/* ---- lifecycle and the mapping at rest ------------------------------------------------ */

static void test_lifecycle(void **state) {
    (void)state;
    vl_vmm *mon = vl_vmm_new(0);
    vl_vm *a = new_vm(mon, "68000"), *b = new_vm(mon, "68010");
    assert_int_equal((int)mon->nvms, 2);
    assert_int_not_equal(a->id, b->id);
    /* the guest believes it is in supervisor mode; the real CPU is not */
    assert_int_equal(vl_vm_supervisor(a), 1);
    assert_int_equal(real_priv(a), 3); /* user */
    assert_int_equal(greg(b, "sr") & 0x2000, 0x2000);
    assert_int_equal(vlab_reg_get(b->m, vlab_reg_index(b->m, "sr")) & 0x2000, 0);
    /* guest memory of each VM belongs to it alone */
    assert_int_equal(vl_alloc_owner(&mon->alloc, a->m->mem.ram, NULL), a->id);
    assert_int_equal(vl_alloc_owner(&mon->alloc, b->m->mem.ram + RAM - 1, NULL), b->id);
    assert_int_equal(vl_alloc_owner(&mon->alloc, a, NULL), -1);
    assert_int_equal(vl_alloc_owner(&mon->alloc, a->vctx, NULL), -1);
    /* guest-physical -> machine-physical, and the monitor regions apart */
    uint64_t ma = 0, mb = 0;
    assert_true(vl_vm_gpa_to_mpa(a, 0x10, &ma));
    assert_true(vl_vm_gpa_to_mpa(b, 0x10, &mb));
    assert_int_equal(ma, a->ram_mpa + 0x10);
    assert_true(ma != mb);
    assert_false(vl_vm_gpa_to_mpa(a, RAM, &ma));
    int kind = -1;
    assert_int_equal(vl_alloc_owner(&mon->alloc, a->m->mem.mon, &kind), a->id);
    assert_int_equal(kind, VL_REGION_MONITOR);
    assert_true(a->m->mem.mon_base != b->m->mem.mon_base);
    assert_true(a->m->mem.mon_base >= RAM);
    /* the monitor's real vector table and stack are in its region */
    assert_int_equal(((m68k_cpu *)a->real)->vbr, a->m->mem.mon_base);
    assert_non_null(vl_mon_host(a->m, ((m68k_cpu *)a->real)->vbr, 1024));
    assert_check(a);
    assert_check(b);
    /* guest view: a7 in supervisor mode is the SSP, kept in the real USP */
    vl_vm_reg_set(b, vlab_reg_index(b->m, "a7"), 0x1234);
    assert_int_equal(greg(b, "ssp"), 0x1234);
    vl_vm_reg_set(b, vlab_reg_index(b->m, "usp"), 0x5678);
    assert_int_equal(greg(b, "a7"), 0x1234);
    assert_int_equal(((m68k_cpu *)b->real)->a[7], 0x1234);
    vl_vm_set_privilege(b, 3);
    assert_int_equal(greg(b, "a7"), 0x5678);
    assert_int_equal(((m68k_cpu *)b->real)->a[7], 0x5678);
    assert_int_equal(greg(b, "ssp"), 0x1234);
    assert_check(b);
    vl_vm_reg_set(b, vlab_reg_index(b->m, "vbr"), 0x400);
    assert_int_equal(greg(b, "vbr"), 0x400);
    assert_int_equal(((m68k_cpu *)b->real)->vbr, b->m->mem.mon_base);
    vl_vm_free(a);
    assert_int_equal((int)mon->nvms, 1);
    vl_vmm_release(mon); /* b keeps the monitor */
    vl_vm_free(b);
    /* a VM with a private monitor */
    vl_vm *c = new_vm(NULL, "68010");
    vl_vm_free(c);
}

/* ---- dispatcher: innocuous code runs directly ----------------------------------------- */

static void build_compute(img *g, uint16_t iters) {
    memset(g, 0, sizeof *g);
    at(g, CODE);
    moveq(g, 1, 0);                   /* moveq #0,d1 */
    w(g, 0x343C), w(g, iters);        /* move.w #iters,d2 */
    w(g, 0x5281);                     /* loop: addq.l #1,d1 */
    w(g, 0xD681);                     /* add.l d1,d3 */
    w(g, 0x51CA), w(g, (uint16_t)-6); /* dbf d2,loop */
    stop(g, 0x2700);
}

static void test_direct_execution(void **state) {
    (void)state;
    img *g = calloc(1, sizeof *g);
    build_compute(g, 5000);
    vl_vm *vm = new_vm(NULL, "68010");
    vm_load(vm, g, CODE);
    vl_stop s = vl_vm_run(vm, 1000000, 0, 0);
    vlab_machine *m = native("68010", g, CODE);
    vl_stop ns = vlab_run(m, 1000000, 0, 0);
    assert_int_equal(s.reason, ns.reason);
    assert_int_equal(s.reason, VLAB_STOP_HALT);
    vl_vmm_stats st;
    vl_vm_stats(vm, &st);
    assert_int_equal(st.traps, 1); /* only the final STOP */
    assert_int_equal(st.emulated, 1);
    assert_int_equal(st.guest_instructions, m->cc->icount);
    assert_int_equal(greg(vm, "d3"), nreg(m, "d3"));
    assert_int_equal(greg(vm, "sr"), nreg(m, "sr"));
    assert_int_equal(st.cost, st.guest_instructions * vl_cost_defaults.instruction + vl_cost_defaults.trap +
                                  2 * vl_cost_defaults.world_switch + vl_cost_defaults.emulate);
    vl_cost_table c = vl_cost_defaults;
    c.instruction = 0;
    c.trap = 1000;
    vl_vm_set_cost(vm, &c);
    vl_vm_stats(vm, &st);
    assert_int_equal(st.cost, 1000 + 2 * c.world_switch + c.emulate);
    vlab_machine_free(m);
    vl_vm_free(vm);
    free(g);
}

/* ---- interpreter: MOVE from SR on both models ------------------------------------------ */

static void test_move_from_sr(void **state) {
    (void)state;
    img *g = calloc(1, sizeof *g);
    at(g, CODE);
    w(g, 0x44FC), w(g, 0x0004);       /* move.w #4,ccr (Z) */
    w(g, 0x40C0);                     /* move.w sr,d0 */
    stop(g, 0x2700);
    const char *models[2] = { "68000", "68010" };
    for (int k = 0; k < 2; k++) {
        vl_vm *vm = new_vm(NULL, models[k]);
        vm_load(vm, g, CODE);
        vl_vm_run(vm, 100, 0, 0);
        vlab_machine *m = native(models[k], g, CODE);
        vlab_run(m, 100, 0, 0);
        vl_vmm_stats st;
        vl_vm_stats(vm, &st);
        assert_int_equal(nreg(m, "d0") & 0xFFFF, 0x2704);
        if (k == 0) {
            /* 68000: not privileged, runs directly, reads the real SR: the leak */
            assert_int_equal(greg(vm, "d0") & 0xFFFF, 0x0704);
            assert_int_equal(st.traps, 1); /* STOP only */
        } else {
            /* 68010: traps, emulated against the virtual SR */
            assert_int_equal(greg(vm, "d0") & 0xFFFF, 0x2704);
            assert_int_equal(st.traps, 2);
            assert_int_equal(st.emulated, 2);
        }
        assert_check(vm);
        vlab_machine_free(m);
        vl_vm_free(vm);
    }
    free(g);
}

/* ---- reflection: TRAP into the guest's own table, frame on its own stack -------------- */

typedef struct trap_log {
    int n;
    int kinds[64];
    int vectors[64];
    uint32_t pcs[64];
    char insn[64][96];
    vl_vm *vm;
    int checks_failed;
    char why[256];
} trap_log;

static int log_trap(void *ctx, const vl_trap_event *ev) {
    trap_log *t = ctx;
    if (t->vm && vl_vm_check(t->vm, t->why, sizeof t->why) != 0) t->checks_failed++;
    if (t->n < 64) {
        t->kinds[t->n] = ev->kind;
        t->vectors[t->n] = ev->vector;
        t->pcs[t->n] = ev->pc;
        snprintf(t->insn[t->n], sizeof t->insn[0], "%s", ev->insn);
    }
    t->n++;
    return 0;
}

/* a lazy listener: no text in the event, the same text on demand */
static int log_trap_lazy(void *ctx, const vl_trap_event *ev) {
    trap_log *t = ctx;
    if (ev->insn || ev->cls != -1) t->checks_failed++;
    vl_trap_event shown = *ev;
    shown.insn = vl_vm_trap_insn(t->vm);
    return log_trap(ctx, &shown);
}

static void test_reflect_trap(void **state) {
    (void)state;
    img *g = calloc(1, sizeof *g);
    vec(g, 32, 0x400);
    at(g, 0x400);
    moveq(g, 5, 42); /* handler: moveq #42,d5 ; rte */
    rte(g);
    at(g, CODE);
    trap(g, 0);
    moveq(g, 6, 7);
    stop(g, 0x2700);
    const char *models[2] = { "68000", "68010" };
    for (int k = 0; k < 2; k++) {
        vl_vm *vm = new_vm(NULL, models[k]);
        vm_load(vm, g, CODE);
        trap_log log = { 0 };
        log.vm = vm;
        vl_vm_on_trap(vm, log_trap, &log);
        vl_stop s = vl_vm_run(vm, 100, 0, 0);
        vlab_machine *m = native(models[k], g, CODE);
        vl_stop ns = vlab_run(m, 100, 0, 0);
        assert_int_equal(s.reason, ns.reason);
        assert_int_equal(greg(vm, "d5"), 42);
        assert_int_equal(greg(vm, "d6"), 7);
        assert_int_equal(log.n, 3);
        assert_int_equal(log.kinds[0], VL_TRAP_REFLECTED);
        assert_int_equal(log.vectors[0], 32);
        assert_int_equal(log.pcs[0], CODE);
        assert_string_equal(log.insn[0], "trap #0");
        assert_int_equal(log.kinds[1], VL_TRAP_EMULATED);
        assert_string_equal(log.insn[1], "rte");
        assert_int_equal(log.pcs[1], 0x402);
        assert_int_equal(log.kinds[2], VL_TRAP_EMULATED);
        assert_int_equal(log.checks_failed, 0);
        /* same frame bytes on the guest's supervisor stack as natively */
        uint8_t a[16], b[16];
        vlab_mem_read(vm->m, SSP_TOP - 16, a, 16);
        vlab_mem_read(m, SSP_TOP - 16, b, 16);
        assert_memory_equal(a, b, 16);
        vl_view va = { m, NULL }, vb = { vm->m, vm };
        assert_int_equal((int)vl_compare(&va, &vb, NULL, 0), 0);
        assert_int_equal(vm->m->cc->icount, m->cc->icount);
        vlab_machine_free(m);
        vl_vm_free(vm);
        /* the lazy listener sees the same traps, and the same text when it asks */
        vm = new_vm(NULL, models[k]);
        vm_load(vm, g, CODE);
        trap_log lazy = { 0 };
        lazy.vm = vm;
        vl_vm_on_trap_lazy(vm, log_trap_lazy, &lazy);
        vl_vm_run(vm, 100, 0, 0);
        assert_int_equal(lazy.checks_failed, 0);
        assert_int_equal(lazy.n, log.n);
        for (int i = 0; i < log.n; i++) {
            assert_int_equal(lazy.kinds[i], log.kinds[i]);
            assert_int_equal(lazy.pcs[i], log.pcs[i]);
            assert_string_equal(lazy.insn[i], log.insn[i]);
        }
        vl_vm_free(vm);
    }
    free(g);
}

/* ---- virtual user mode: USP/SSP swap, privilege violation reflected -------------------- */

static void test_user_mode(void **state) {
    (void)state;
    img *g = calloc(1, sizeof *g);
    vec(g, 8, 0x400);  /* privilege violation */
    vec(g, 33, 0x440); /* trap #1: back to supervisor for good */
    at(g, 0x400);
    w(g, 0x2A2F), w(g, 0x0002);     /* move.l 2(a7),d5: the stacked PC */
    w(g, 0x54AF), w(g, 0x0002);     /* addq.l #2,2(a7): skip the 2-byte instruction */
    rte(g);
    at(g, 0x440);
    w(g, 0x4E6E);                   /* move usp,a6 */
    w(g, 0x2C0F);                   /* move.l a7,d6 */
    stop(g, 0x2700);
    at(g, CODE);
    movea_l_imm(g, 0, USP_TOP);     /* movea.l #USP_TOP,a0 */
    w(g, 0x4E60);                   /* move a0,usp */
    move_sr_imm(g, 0x0000);         /* to user mode */
    w(g, 0x2E0F);                   /* move.l a7,d7 (user: the USP) */
    w(g, 0x4E70);                   /* reset: privileged in user mode */
    w(g, 0x2F00);                   /* move.l d0,-(a7) */
    trap(g, 1);
    const char *models[2] = { "68000", "68010" };
    for (int k = 0; k < 2; k++) {
        vl_vm *vm = new_vm(NULL, models[k]);
        vm_load(vm, g, CODE);
        trap_log log = { 0 };
        log.vm = vm;
        vl_vm_on_trap(vm, log_trap, &log);
        vl_vm_run(vm, 1000, 0, 0);
        vlab_machine *m = native(models[k], g, CODE);
        vlab_run(m, 1000, 0, 0);
        assert_int_equal(greg(vm, "d7"), USP_TOP);
        assert_int_equal(greg(vm, "d5"), CODE + 14); /* the reset's address */
        assert_int_equal(greg(vm, "a6"), USP_TOP - 4);
        assert_int_equal(greg(vm, "d6"), nreg(m, "d6"));
        assert_int_equal(log.checks_failed, 0);
        /* traps: move usp, move sr (emulated), reset (reflected), rte, trap (reflected), stop */
        vl_vmm_stats st;
        vl_vm_stats(vm, &st);
        assert_int_equal(st.reflected, 2);
        assert_int_equal(st.emulated, 5);
        vl_view va = { m, NULL }, vb = { vm->m, vm };
        vl_diff d[8];
        size_t nd = vl_compare(&va, &vb, d, 8);
        for (size_t i = 0; i < nd && i < 8; i++) {
            char t[160];
            vl_diff_format(&d[i], t, sizeof t);
            print_message("diff: %s\n", t);
        }
        assert_int_equal((int)nd, 0);
        assert_int_equal(real_priv(vm), 3); /* user */
        vlab_machine_free(m);
        vl_vm_free(vm);
    }
    free(g);
}

/* ---- 68010: MOVEC to VBR moves the guest's vector table, not the real one ---------------- */

static void test_movec_vbr(void **state) {
    (void)state;
    img *g = calloc(1, sizeof *g);
    vl_put_be32(g->b + 0x4000 + 4 * 32, 0x500); /* the relocated table's trap #0 */
    vec(g, 32, 0x600);                          /* the table at 0 (not used) */
    at(g, 0x500);
    moveq(g, 4, 1);
    rte(g);
    at(g, 0x600);
    moveq(g, 4, 2);
    rte(g);
    at(g, CODE);
    movea_l_imm(g, 1, 0x4000);
    w(g, 0x4E7B), w(g, 0x9801); /* movec a1,vbr */
    w(g, 0x4E7A), w(g, 0x3801); /* movec vbr,d3 */
    moveq(g, 2, 5);
    w(g, 0x4E7B), w(g, 0x2000); /* movec d2,sfc */
    w(g, 0x4E7B), w(g, 0x2001); /* movec d2,dfc */
    trap(g, 0);
    w(g, 0x0E10 | 0x40), w(g, 0x0800); /* moves.w (a0),d0 -- a0 = 0 */
    stop(g, 0x2700);
    g->hi = 0x4000 + 4 * 33;
    vl_vm *vm = new_vm(NULL, "68010");
    vm_load(vm, g, CODE);
    vl_stop s = vl_vm_run(vm, 1000, 0, 0);
    vlab_machine *m = native("68010", g, CODE);
    vl_stop ns = vlab_run(m, 1000, 0, 0);
    assert_int_equal(s.reason, ns.reason);
    assert_int_equal(greg(vm, "d4"), 1);
    assert_int_equal(greg(vm, "d3"), 0x4000);
    assert_int_equal(greg(vm, "vbr"), 0x4000);
    assert_int_equal(greg(vm, "sfc"), 5);
    assert_int_equal(((m68k_cpu *)vm->real)->vbr, vm->m->mem.mon_base); /* the monitor's */
    vl_view va = { m, NULL }, vb = { vm->m, vm };
    assert_int_equal((int)vl_compare(&va, &vb, NULL, 0), 0);
    assert_check(vm);
    vlab_machine_free(m);
    vl_vm_free(vm);
    free(g);
}

/* ---- a small guest kernel: timer, user task, system calls --------------------------------- */

static void build_kernel(img *g, bool read_sr) {
    memset(g, 0, sizeof *g);
    vec(g, 25, 0x420); /* level 1 autovector: the timer */
    vec(g, 32, 0x400); /* trap #0: putchar(d0) */
    vec(g, 33, 0x460); /* trap #1: exit */
    at(g, 0x400);
    putc_d0(g);
    if (read_sr) w(g, 0x40C4); /* move.w sr,d4: the sensitive read */
    rte(g);
    at(g, 0x420);
    move_l_imm_abs(g, 0, MMIO + VL_MMIO_TIMER_ACK);
    w(g, 0x52B9), l(g, DATA);  /* addq.l #1,DATA */
    rte(g);
    at(g, 0x460);
    move_l_imm_abs(g, 0, MMIO + VL_MMIO_TIMER_PERIOD); /* timer off */
    stop(g, 0x2700);
    at(g, CODE);
    movea_l_imm(g, 0, USP_TOP);
    w(g, 0x4E60);                                      /* move a0,usp */
    move_l_imm_abs(g, 37, MMIO + VL_MMIO_TIMER_PERIOD);
    move_l_imm_abs(g, 1, MMIO + VL_MMIO_TIMER_LEVEL);
    move_sr_imm(g, 0x0000);                            /* user mode, all interrupts */
    /* user task: 30 rounds of a little work and a character */
    moveq(g, 7, 29);                                   /* moveq #29,d7 */
    uint32_t outer = g->pc;
    w(g, 0x343C), w(g, 50);                            /* move.w #50,d2 */
    uint32_t inner = g->pc;
    w(g, 0x5281);                                      /* addq.l #1,d1 */
    w(g, 0xD681);                                      /* add.l d1,d3 */
    w(g, 0x2F03);                                      /* move.l d3,-(a7) */
    w(g, 0x261F);                                      /* move.l (a7)+,d3 */
    w(g, 0x51CA), w(g, (uint16_t)(inner - (g->pc)));   /* dbf d2,inner */
    moveq(g, 0, 'a');
    w(g, 0xD007);                                      /* add.b d7,d0 */
    trap(g, 0);
    w(g, 0x51CF), w(g, (uint16_t)(outer - (g->pc)));   /* dbf d7,outer */
    trap(g, 1);
}

static vl_equiv_image image_of(const img *g, const char *model) {
    vl_equiv_image e = { "m68k", model, RAM, g->b, g->hi, 0, CODE, SSP_TOP, &m68k_virt_ops };
    return e;
}

/* A step that takes an interrupt or a trace first executes the handler's
 * first instruction: a difference that instruction makes (here the 68000's
 * MOVE from SR, which leaks under trap-and-emulate) is tied to it, not to
 * the instruction at the step's start PC, which never ran in that step. */
static void build_handler_first(img *g, bool trace) {
    memset(g, 0, sizeof *g);
    vec(g, 25, 0x420); /* level 1 autovector: the timer */
    vec(g, 9, 0x440);  /* trace */
    at(g, 0x420);
    w(g, 0x40C4);      /* move.w sr,d4 */
    move_l_imm_abs(g, 0, MMIO + VL_MMIO_TIMER_ACK);
    rte(g);
    at(g, 0x440);
    w(g, 0x40C4);      /* move.w sr,d4 */
    rte(g);
    at(g, CODE);
    if (!trace) {
        move_l_imm_abs(g, 37, MMIO + VL_MMIO_TIMER_PERIOD);
        move_l_imm_abs(g, 1, MMIO + VL_MMIO_TIMER_LEVEL);
    }
    move_sr_imm(g, trace ? 0xA700 : 0x2000); /* supervisor; traced, or every interrupt */
    uint32_t loop = g->pc;
    w(g, 0x5281);                                    /* addq.l #1,d1 */
    w(g, (uint16_t)(0x6000 | (uint8_t)(loop - g->pc - 2))); /* bra.s loop */
}

static void test_equivalence_interrupt_step(void **state) {
    (void)state;
    img *g = calloc(1, sizeof *g);
    for (int trace = 0; trace < 2; trace++) {
        build_handler_first(g, trace);
        uint32_t handler = trace ? 0x440 : 0x420;
        vl_equiv_image e = image_of(g, "68000");
        vl_equiv_result r;
        char err[256];
        assert_int_equal(vl_equiv_run(&e, 3000, VL_TECH_TRAP_EMULATE, &r, err, sizeof err), 0);
        assert_false(r.equal);
        if (r.first_pc != handler)
            fail_msg("%s: first difference named at 0x%x (%s), not the handler's 0x%x", trace ? "trace" : "interrupt",
                     r.first_pc, r.first_insn, handler);
        assert_non_null(strstr(r.first_insn, "sr"));
        assert_non_null(strstr(r.first_insn, "d4"));
        assert_string_equal(r.diffs[0].what, "d4");
        /* d4 at the end: tied to the same step and handler instruction, on both sides */
        size_t i = 0;
        while (i < r.nfinal && strcmp(r.final[i].what, "d4") != 0) i++;
        assert_true(i < r.nfinal);
        assert_int_equal(r.final[i].at, r.first);
        assert_int_equal(r.final[i].at_pc, handler);
        assert_int_equal(r.final[i].at_vm_pc, handler);
        assert_non_null(strstr(r.final[i].at_insn, "d4"));
        assert_null(strstr(r.final[i].at_insn, "monitored"));
        vl_equiv_free(&r);
    }
    free(g);
}

/* A guest that arms its timer in the middle of a run sees the first tick at
 * the deadline, natively and under every technique: the device kicks the
 * core, and the run loops start a new slice there (the monitor's too).
 * Before, the tick waited for the end of the slice (up to VL_RUN_SLICE
 * instructions late, and where a slice ended differed between the bare
 * machine's loop and the monitor's). The ISR records the loop counter. */
#define ARM_PERIOD 5u
static void build_timer_mid_run(img *g) {
    memset(g, 0, sizeof *g);
    vec(g, 25, 0x5000);                              /* level 1 autovector */
    at(g, 0x5000);
    w(g, 0x2200);                                    /* move.l d0,d1 */
    move_l_imm_abs(g, 0, MMIO + VL_MMIO_TIMER_PERIOD);
    move_l_imm_abs(g, 0, MMIO + VL_MMIO_TIMER_ACK);
    stop(g, 0x2700);
    at(g, CODE);
    moveq(g, 0, 0);
    moveq(g, 1, -1);
    move_sr_imm(g, 0x2000);                          /* every level */
    move_l_imm_abs(g, 1, MMIO + VL_MMIO_TIMER_LEVEL);
    move_l_imm_abs(g, ARM_PERIOD, MMIO + VL_MMIO_TIMER_PERIOD);
    uint32_t loop = g->pc;
    w(g, 0x5280);                                    /* addq.l #1,d0 */
    w(g, (uint16_t)(0x6000 | (uint8_t)(loop - g->pc - 2))); /* bra.s loop */
}

static void test_timer_armed_mid_run(void **state) {
    (void)state;
    img *g = calloc(1, sizeof *g);
    build_timer_mid_run(g);
    /* ARM_PERIOD instructions of the two-instruction loop, then the tick:
     * the ADDQs among them */
    const uint32_t want = (ARM_PERIOD + 1) / 2;
    vlab_machine *m = native("68010", g, CODE);
    vl_stop ns = vlab_run(m, 10000, 0, 0);
    assert_int_equal(ns.reason, VLAB_STOP_HALT);
    assert_int_equal(vlab_reg_get(m, vlab_reg_index(m, "d1")), want);
    vlab_machine_free(m);
    for (int t = 0; t < VL_TECH_COUNT; t++) {
        vl_vm *vm = new_vm_tech(NULL, "68010", t);
        vm_load(vm, g, CODE);
        vl_stop s = vl_vm_run(vm, 10000, 0, 0);
        if (s.reason != VLAB_STOP_HALT || greg(vm, "d1") != want)
            fail_msg("%s: stop %s, tick after %u loop rounds, not %u", vl_technique_name(t), vlab_stop_name(s.reason),
                     greg(vm, "d1"), want);
        vl_vm_free(vm);
    }
    free(g);
}

/* BSR to an odd address: natively the return address is pushed, then the
 * address error is taken. Under the monitor the real CPU must stop before
 * the push: the monitor executes the BSR again on the guest's context,
 * which pushes, and a push done twice shows when the stack is a device
 * register (here the console: one byte natively, two before the fix). */
static void test_bsr_odd_pushes_once(void **state) {
    (void)state;
    img *g = calloc(1, sizeof *g);
    vec(g, 3, 0x400);
    at(g, 0x400);
    stop(g, 0x2700);
    at(g, CODE);
    movea_l_imm(g, 0, MMIO + 4);
    w(g, 0x4E60);                  /* move a0,usp: the push writes the console register */
    move_sr_imm(g, 0x0700);        /* user mode */
    w(g, 0x6100), w(g, 3);         /* bsr.w to an odd address */
    for (int mi = 0; mi < 2; mi++) {
        const char *model = mi ? "68010" : "68000";
        vlab_machine *m = native(model, g, CODE);
        vlab_run(m, 100, 0, 0);
        size_t nlen;
        vlab_console(m, &nlen);
        assert_int_equal((int)nlen, 1);
        for (int t = 0; t < VL_TECH_COUNT; t++) {
            vl_vm *vm = new_vm_tech(NULL, model, t);
            vm_load(vm, g, CODE);
            vl_vm_run(vm, 100, 0, 0);
            vl_view va = { m, NULL }, vb = { vm->m, vm };
            vl_diff d[16];
            size_t n = vl_compare(&va, &vb, d, 16), len;
            /* scan-and-patch shows its patches (the ILLEGAL over MOVE to
             * USP and MOVE to SR): memory, nothing else */
            if (t == VL_TECH_SCAN_PATCH)
                for (size_t i = 0, k = n; i < k && i < 16; i++)
                    if (d[i].kind == VL_DIFF_MEM && d[i].b == 0x4A) n--;
            vlab_console(vm->m, &len);
            if (n || len != nlen)
                fail_msg("%s %s: %zu differences, console %zu bytes, natively %zu", model, vl_technique_name(t), n, len,
                         nlen);
            vl_vm_free(vm);
        }
        vlab_machine_free(m);
    }
    free(g);
}

/* MOVEM to memory stores register by register; a store that faults after
 * an earlier one reached a device: natively the device sees that write
 * once, then the bus error is taken. Under the monitor the real CPU stops
 * at the fault and the monitor executes the MOVEM again on the guest's
 * context: the device must still see one write (here MOVEM.L D0-D1,-(A0)
 * with A0 just above the console register: D1 goes to the console, D0
 * below the MMIO window, where nothing answers). Also MOVEM.W. */
static void test_movem_device_once(void **state) {
    (void)state;
    for (int sz = 0; sz < 2; sz++) {
        img *g = calloc(1, sizeof *g);
        vec(g, 2, 0x400);
        at(g, 0x400);
        stop(g, 0x2700);
        at(g, CODE);
        moveq(g, 0, 'a');
        moveq(g, 1, 'b');
        movea_l_imm(g, 0, MMIO + (sz ? 2u : 4u));
        w(g, sz ? 0x48A0 : 0x48E0), w(g, 0xC000); /* movem.[wl] d0-d1,-(a0) (mask reversed: d0 = bit 15) */
        stop(g, 0x2700);
        for (int mi = 0; mi < 2; mi++) {
            const char *model = mi ? "68010" : "68000";
            vlab_machine *m = native(model, g, CODE);
            vlab_run(m, 100, 0, 0);
            size_t nlen;
            const char *ncon = vlab_console(m, &nlen);
            assert_int_equal((int)nlen, 1);
            assert_int_equal(ncon[0], 'b');
            assert_int_equal(m->cc->last_vector, 2); /* the bus error was taken */
            for (int t = 0; t < VL_TECH_COUNT; t++) {
                vl_vm *vm = new_vm_tech(NULL, model, t);
                vm_load(vm, g, CODE);
                vl_vm_run(vm, 100, 0, 0);
                vl_view va = { m, NULL }, vb = { vm->m, vm };
                vl_diff d[16];
                size_t n = vl_compare(&va, &vb, d, 16), len;
                if (t == VL_TECH_SCAN_PATCH)
                    for (size_t i = 0, k = n; i < k && i < 16; i++)
                        if (d[i].kind == VL_DIFF_MEM && d[i].b == 0x4A) n--;
                const char *con = vlab_console(vm->m, &len);
                if (n || len != nlen || memcmp(con, ncon, len) != 0)
                    fail_msg("movem.%c on %s under %s: %zu differences, console \"%.*s\", natively \"%.*s\"",
                             sz ? 'w' : 'l', model, vl_technique_name(t), n, (int)len, con, (int)nlen, ncon);
                assert_check(vm);
                vl_vm_free(vm);
            }
            vlab_machine_free(m);
        }
        free(g);
    }
}

static void test_equivalence_68010(void **state) {
    (void)state;
    img *g = calloc(1, sizeof *g);
    build_kernel(g, true);
    vl_equiv_image e = image_of(g, "68010");
    vl_equiv_result r;
    char err[256];
    assert_int_equal(vl_equiv_run(&e, 100000, VL_TECH_TRAP_EMULATE, &r, err, sizeof err), 0);
    if (!r.equal) {
        char t[160];
        vl_diff_format(&r.diffs[0], t, sizeof t);
        fail_msg("first difference after instruction %llu at %06x (%s): %s", (unsigned long long)r.first,
                 r.first_pc, r.first_insn, t);
    }
    assert_true(r.instructions > 3000);
    assert_int_equal(r.native_stop.reason, VLAB_STOP_HALT); /* STOP with the timer off */
    assert_int_equal((int)r.nfinal, 0);
    vl_equiv_free(&r);
    /* the full run under the monitor: console, tick count and stats */
    vl_vm *vm = new_vm(NULL, "68010");
    vm_load(vm, g, CODE);
    trap_log log = { 0 };
    log.vm = vm;
    vl_vm_on_trap(vm, log_trap, &log);
    vl_stop s = vl_vm_run(vm, 100000, 0, 0);
    assert_int_equal(s.reason, VLAB_STOP_HALT);
    size_t len;
    const char *con = vlab_console(vm->m, &len);
    assert_int_equal((int)len, 30);
    assert_memory_equal(con, "~}|{zyxwvutsrqponmlkjihgfedcba", 30);
    uint32_t ticks;
    vlab_mem_get(vm->m, DATA, 4, &ticks);
    assert_true(ticks > 50);
    vl_vmm_stats st;
    vl_vm_stats(vm, &st);
    assert_true(st.reflected >= ticks + 31);
    assert_true(st.emulated >= st.reflected);
    assert_int_equal(st.world_switches, 2 * st.traps);
    assert_int_equal(log.checks_failed, 0);
    vl_vm_free(vm);
    free(g);
}

static void test_equivalence_68000(void **state) {
    (void)state;
    img *g = calloc(1, sizeof *g);
    build_kernel(g, true);
    vl_equiv_image e = image_of(g, "68000");
    vl_equiv_result r;
    char err[256];
    assert_int_equal(vl_equiv_run(&e, 100000, VL_TECH_TRAP_EMULATE, &r, err, sizeof err), 0);
    assert_false(r.equal);
    assert_int_equal(r.first_pc, 0x406);
    assert_non_null(strstr(r.first_insn, "sr"));
    assert_non_null(strstr(r.first_insn, "d4"));
    assert_int_equal((int)r.ndiffs, 1);
    assert_string_equal(r.diffs[0].what, "d4");
    assert_int_equal(r.diffs[0].a & 0x2000, 0x2000); /* natively S=1 */
    assert_int_equal(r.diffs[0].b & 0x2000, 0);      /* monitored: S=0 */
    assert_int_equal(r.diffs[0].a & ~0x2000u, r.diffs[0].b); /* and nothing else */
    /* at the end, d4 is still the only difference, tied to the first MOVE from SR */
    assert_int_equal((int)r.nfinal, 1);
    assert_string_equal(r.final[0].what, "d4");
    assert_int_equal(r.final[0].at_pc, 0x406);
    assert_int_equal(r.final[0].at, r.first);
    assert_non_null(strstr(r.final[0].at_insn, "sr"));
    vl_equiv_free(&r);
    /* without the MOVE from SR the 68000 guest is equivalent too */
    build_kernel(g, false);
    e = image_of(g, "68000");
    assert_int_equal(vl_equiv_run(&e, 100000, VL_TECH_TRAP_EMULATE, &r, err, sizeof err), 0);
    assert_true(r.equal);
    assert_int_equal((int)r.nfinal, 0);
    vl_equiv_free(&r);
    free(g);
}

/* b is a's result: every field, the attribution of the final differences
 * too unless b skipped it (then untied: at 0, "(not attributed)") */
static void same_equiv(const vl_equiv_result *a, const vl_equiv_result *b, bool b_attributed) {
    assert_true(a->equal == b->equal && a->instructions == b->instructions && a->first == b->first &&
                a->first_pc == b->first_pc && a->ndiffs == b->ndiffs && a->nfinal == b->nfinal);
    assert_string_equal(a->first_insn, b->first_insn);
    for (size_t i = 0; i < a->ndiffs && i < sizeof a->diffs / sizeof *a->diffs; i++)
        assert_memory_equal(&a->diffs[i], &b->diffs[i], sizeof a->diffs[i]);
    assert_memory_equal(&a->native_stop, &b->native_stop, sizeof a->native_stop);
    assert_memory_equal(&a->vm_stop, &b->vm_stop, sizeof a->vm_stop);
    vl_diff untied = { .at_insn = "(not attributed)" };
    for (size_t i = 0; i < a->nfinal; i++) {
        const vl_diff *x = &a->final[i], *y = &b->final[i], *at = b_attributed ? x : &untied;
        /* the difference itself: every field before the attribution */
        assert_memory_equal(x, y, offsetof(vl_diff, at));
        assert_true(y->at == at->at && y->at_pc == at->at_pc && y->at_vm_pc == at->at_vm_pc);
        assert_string_equal(y->at_insn, at->at_insn);
    }
}

/* One cache for every technique gives vl_equiv_run's results and runs the
 * native side once per image: again when the image changed in the same
 * buffer, and for every call whose run went past the first chunk (the
 * kept machine was stepped on). no_attribution changes only the final
 * differences' attribution. */
static void test_equivalence_cache(void **state) {
    (void)state;
    img *g = calloc(1, sizeof *g);
    vl_equiv_cache *c = vl_equiv_cache_new();
    assert_non_null(c);
    char err[256];
    for (int round = 0; round < 3; round++) {
        if (round < 2) build_handler_first(g, round == 1);
        else build_kernel(g, true);
        uint64_t max = round < 2 ? 3000 : 100000, before = vl_equiv_cache_native_runs(c), calls = 0, ran = 0;
        for (int k = 0; k < 2; k++)
            for (int t = 0; t < VL_TECH_COUNT; t++) {
                vl_equiv_image e = image_of(g, "68000");
                vl_equiv_result r0, r1;
                int s0 = vl_equiv_run(&e, max, t, &r0, err, sizeof err);
                e.no_attribution = k == 1;
                int s1 = vl_equiv_run_cached(c, &e, max, t, &r1, err, sizeof err);
                calls++;
                assert_int_equal(s0, s1);
                if (s0 < 0) continue;
                ran++;
                if (round == 2) assert_true(r0.instructions > 4096);
                same_equiv(&r0, &r1, k == 0);
                vl_equiv_free(&r0);
                vl_equiv_free(&r1);
            }
        assert_true(ran >= 4);
        assert_int_equal(vl_equiv_cache_native_runs(c) - before, round < 2 ? 1 : calls);
    }
    vl_equiv_cache_free(c);
    free(g);
}

/* ---- resource control under stress ------------------------------------------------------------ */

static uint32_t rnd(uint64_t *s) {
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    return (uint32_t)(*s >> 11);
}

/* A random stream of privileged and sensitive instructions (and innocuous
 * filler) in a loop; every exception goes to a handler that restores a sane
 * supervisor state and jumps back into the stream at a random place. */
static void build_stress(img *g, uint64_t seed, bool m010, int n) {
    memset(g, 0, sizeof *g);
    uint64_t s = seed | 1;
    const uint32_t H = 0x400, S = CODE;
    for (int v = 2; v < 64; v++) vec(g, v, H);
    /* handler: d7 counts; a7 <- SSP_TOP; back into the stream at the
     * instruction that table[d7 % 256] names, in supervisor mode */
    const uint32_t T = 0x6000;
    at(g, H);
    w(g, 0x5287);                                 /* addq.l #1,d7 */
    movea_l_imm(g, 7, SSP_TOP);                   /* movea.l #SSP_TOP,a7 */
    move_l_imm_abs(g, 0, MMIO + VL_MMIO_TIMER_ACK);
    w(g, 0x2007);                                 /* move.l d7,d0 */
    w(g, 0x0280), l(g, 255);                      /* andi.l #255,d0 */
    w(g, 0xE588);                                 /* lsl.l #2,d0 */
    movea_l_imm(g, 1, T);                         /* movea.l #T,a1 */
    if (m010) w(g, 0x3F3C), w(g, 0x0000);         /* move.w #0,-(a7): format 0 */
    w(g, 0x2F31), w(g, 0x0800);                   /* move.l 0(a1,d0.l),-(a7): PC */
    w(g, 0x3F3C), w(g, 0x2000);                   /* move.w #$2000,-(a7): SR */
    rte(g);
    uint32_t starts[1024];
    int ns = 0;
    at(g, S);
    movea_l_imm(g, 0, USP_TOP);
    w(g, 0x4E60);                                 /* move a0,usp */
    move_l_imm_abs(g, 97, MMIO + VL_MMIO_TIMER_PERIOD);
    move_l_imm_abs(g, 1 + rnd(&s) % 7, MMIO + VL_MMIO_TIMER_LEVEL);
    for (int i = 0; i < n; i++) {
        if (ns < 1024) starts[ns++] = g->pc;
        uint32_t r = rnd(&s) % 24;
        uint16_t srv = (uint16_t)(rnd(&s) & 0xA71F);
        if (rnd(&s) % 4) srv &= ~0x8000; /* trace now and then */
        int dn = (int)(rnd(&s) % 6), an = (int)(rnd(&s) % 6);
        switch (r) {
        case 0: move_sr_imm(g, srv); break;
        case 1: w(g, 0x007C), w(g, srv); break;                /* ori #,sr */
        case 2: w(g, 0x027C), w(g, (uint16_t)(srv | 0x2000)); break; /* andi #,sr */
        case 3: w(g, 0x0A7C), w(g, (uint16_t)(srv & 0x2700)); break; /* eori #,sr */
        case 4: w(g, (uint16_t)(0x40C0 | dn)); break;          /* move sr,dn */
        case 5: w(g, (uint16_t)(0x4E60 | an)); break;          /* move an,usp */
        case 6: w(g, (uint16_t)(0x4E68 | an)); break;          /* move usp,an */
        case 7: w(g, 0x4E70); break;                           /* reset */
        case 8: stop(g, (uint16_t)(0x2000 | (srv & 0x0700 ? 0 : 0))); break; /* stop #$2000 */
        case 9: trap(g, (int)(rnd(&s) % 16)); break;
        case 10: w(g, (uint16_t)(0x46C0 | dn)); break;         /* move dn,sr */
        case 11: w(g, (uint16_t)(0x44C0 | dn)); break;         /* move dn,ccr */
        case 12: w(g, (uint16_t)(0x42C0 | dn)); break;         /* move ccr,dn (68010; illegal on 68000) */
        case 13: w(g, 0x4E7A), w(g, (uint16_t)(dn << 12 | (rnd(&s) % 2 ? 0x801 : 0x800))); break; /* movec vbr/usp,dn */
        case 14: w(g, 0x4E7B), w(g, (uint16_t)(0x8000 | an << 12 | 0x800)); break; /* movec an,usp */
        case 15: w(g, 0x4E7B), w(g, (uint16_t)(dn << 12 | (rnd(&s) % 2))); break;  /* movec dn,sfc/dfc */
        case 16: w(g, 0x4E73); break;                          /* rte (of whatever is on the stack) */
        case 17: w(g, (uint16_t)(0x7000 | dn << 9 | (rnd(&s) & 0xFF))); break; /* moveq */
        case 18: w(g, (uint16_t)(0x2040 | an << 9 | dn)); break; /* movea.l dn,an */
        case 19: w(g, 0x4AFC); break;                          /* illegal */
        case 20: w(g, (uint16_t)(0xA000 | (rnd(&s) & 0xFFF))); break; /* line a */
        case 21: w(g, 0x4E76); break;                          /* trapv */
        case 22: w(g, (uint16_t)(0x80C0 | dn << 9 | dn)); break; /* divu dn,dn (zero divide sometimes) */
        default: w(g, (uint16_t)(0x5280 | dn)); break;         /* addq.l #1,dn */
        }
    }
    w(g, 0x4EF9), l(g, S); /* jmp S */
    uint32_t end = g->pc;
    for (int i = 0; i < 256; i++) vl_put_be32(g->b + T + 4 * i, ns ? starts[(i * 37) % ns] : S);
    g->hi = T + 1024 > end ? T + 1024 : end;
}

typedef struct stress_ctx {
    vl_vm *vm;
    uint64_t traps, failed;
    char why[256];
    uint32_t mon[4];
} stress_ctx;

static int stress_trap(void *ctx, const vl_trap_event *ev) {
    (void)ev;
    stress_ctx *c = ctx;
    c->traps++;
    m68k_cpu *r = c->vm->real;
    if (vl_vm_check(c->vm, c->why, sizeof c->why) != 0) c->failed++;
    /* hw-assist runs the guest kernel at its own level, on its own stack
     * and vectors (vl_vm_check holds its invariants); the others keep the
     * real CPU in user mode on the monitor's stack and table */
    else if (c->vm->technique != VL_TECH_HW_ASSIST &&
             ((r->sr & 0x2000) || r->ssp != c->mon[0] || r->vbr != c->mon[1] || !r->c.intercept)) {
        snprintf(c->why, sizeof c->why, "real sr %04x ssp %08x vbr %08x intercept %d", r->sr, r->ssp, r->vbr,
                 r->c.intercept);
        c->failed++;
    }
    return 0;
}

static void stress(const char *model, uint64_t seed, uint64_t total, int technique) {
    img *g = calloc(1, sizeof *g);
    build_stress(g, seed, strcmp(model, "68010") == 0, 400);
    vl_vm *vm = new_vm_tech(NULL, model, technique);
    vm_load(vm, g, CODE);
    stress_ctx c = { vm, 0, 0, "", { 0 } };
    m68k_cpu *r = vm->real;
    c.mon[0] = r->ssp;
    c.mon[1] = r->vbr;
    vl_vm_on_trap(vm, stress_trap, &c);
    uint64_t done = 0;
    int stops = 0;
    while (done < total) {
        uint64_t before = vm->m->cc->icount;
        /* binary translation's callouts raise no trap event: short runs,
         * so that the check below follows every few of them */
        uint64_t n = technique == VL_TECH_BINARY_TRANSLATION && total - done > 16 ? 16 : total - done;
        vl_stop s = vl_vm_run(vm, n, 0, 0);
        done += vm->m->cc->icount - before;
        assert_check(vm); /* also after what the monitor did without a trap (hybrid) */
        if (s.reason == VLAB_STOP_BUDGET && done < total) continue;
        if (s.reason == VLAB_STOP_BUDGET) break;
        /* a STOP no interrupt can wake, a double fault, a RTE into nowhere:
         * put the guest back at the start, as a watchdog would */
        stops++;
        assert_true(s.reason != VLAB_STOP_NONE);
        vl_vm_reset(vm);
        vl_vm_set_privilege(vm, 0);
        vl_vm_reg_set(vm, vlab_reg_index(vm->m, "a7"), SSP_TOP);
        vl_vm_set_pc(vm, CODE);
        assert_check(vm);
        if (stops > 100000) break;
    }
    if (c.failed) fail_msg("%s seed %llu: %llu of %llu traps broke resource control: %s", model,
                           (unsigned long long)seed, (unsigned long long)c.failed, (unsigned long long)c.traps, c.why);
    assert_true(c.traps > 1000);
    assert_check(vm);
    vl_vmm_stats st;
    vl_vm_stats(vm, &st);
    if (technique == VL_TECH_HYBRID) assert_true(st.interpreted > done / 4); /* the supervisor code */
    else if (technique == VL_TECH_BINARY_TRANSLATION) assert_true(st.callouts > 1000 && st.interpreted >= st.callouts);
    else assert_int_equal(st.interpreted, 0);
    print_message("stress %s %s seed %llu: %llu instructions, %llu traps, %llu interpreted, %d restarts\n", model,
                  vl_technique_name(technique), (unsigned long long)seed, (unsigned long long)done,
                  (unsigned long long)c.traps, (unsigned long long)st.interpreted, stops);
    vl_vm_free(vm);
    free(g);
}

static void test_stress_resource_control(void **state) {
    (void)state;
    stress("68010", 1, 2000000, VL_TECH_TRAP_EMULATE);
    stress("68000", 2, 2000000, VL_TECH_TRAP_EMULATE);
    stress("68010", 3, 1000000, VL_TECH_TRAP_EMULATE);
    stress("68000", 4, 1000000, VL_TECH_HYBRID);
    stress("68010", 5, 1000000, VL_TECH_HYBRID);
    /* the other techniques: the same invariants after every trap and exit
     * (and every 16 instructions under binary-translation) */
    stress("68000", 6, 500000, VL_TECH_BINARY_TRANSLATION);
    stress("68010", 7, 500000, VL_TECH_SCAN_PATCH);
    stress("68010", 8, 500000, VL_TECH_PARAVIRT);
    stress("68000", 9, 500000, VL_TECH_HW_ASSIST);
}

/* The stress streams in slices of 16 instructions and of 4096: natively,
 * and under every technique, the state the guest sees is the same at every
 * 4096th instruction (registers, memory, console) and the same stop ends
 * both; under the monitor so are its counts (traps, reflections,
 * emulations, callouts, lookups, cost...): where a run begins and ends must
 * not change what the monitor does. Binary translation used to run the rest
 * of a block as callouts after one had left virtual supervisor mode, where a
 * run starting there runs that user code directly (68000, seed 6, 503808
 * instructions: 35627 traps in slices of 16, 35306 in slices of 4096).
 * Scan-and-patch scans only as far as a run may go: its block counts, and
 * the patches the guest may see in its memory, depend on the slices. */
typedef struct sliced {
    vlab_machine *m; /* natively, or */
    vl_vm *vm;       /* under the monitor */
} sliced;

static uint64_t sliced_icount(const sliced *x) { return x->vm ? x->vm->m->cc->icount : x->m->cc->icount; }
static vl_stop sliced_run(sliced *x, uint64_t n) { return x->vm ? vl_vm_run(x->vm, n, 0, 0) : vlab_run(x->m, n, 0, 0); }

static void slices_of(const char *model, uint64_t seed, int technique, uint64_t total) {
    img *g = calloc(1, sizeof *g);
    build_stress(g, seed, strcmp(model, "68010") == 0, 400);
    sliced a = { 0 }, b = { 0 };
    if (technique < 0) {
        a.m = native(model, g, CODE);
        b.m = native(model, g, CODE);
    } else {
        a.vm = new_vm_tech(NULL, model, technique);
        b.vm = new_vm_tech(NULL, model, technique);
        vm_load(a.vm, g, CODE);
        vm_load(b.vm, g, CODE);
    }
    const char *tn = technique < 0 ? "native" : vl_technique_name(technique);
    vl_view va = { a.vm ? a.vm->m : a.m, a.vm }, vb = { b.vm ? b.vm->m : b.m, b.vm };
    uint64_t checks = 0;
    while (sliced_icount(&b) < total) {
        vl_stop sb = sliced_run(&b, 4096), sa = { .reason = VLAB_STOP_BUDGET };
        uint64_t target = sliced_icount(&b);
        while (sliced_icount(&a) < target && sa.reason == VLAB_STOP_BUDGET)
            sa = sliced_run(&a, target - sliced_icount(&a) < 16 ? target - sliced_icount(&a) : 16);
        if (sb.reason != VLAB_STOP_BUDGET && sa.reason == VLAB_STOP_BUDGET) sa = sliced_run(&a, 16);
        vl_diff d[64];
        size_t nd = vl_compare(&va, &vb, d, 64);
        for (size_t i = 0; i < nd && i < 64; i++) {
            /* scan-and-patch: the patches the guest sees may differ in
             * memory (the scan goes as far as the run may go: docs/vmm.md),
             * never a register nor the console */
            if (technique == VL_TECH_SCAN_PATCH && d[i].kind == VL_DIFF_MEM) continue;
            char t[160];
            vl_diff_format(&d[i], t, sizeof t);
            fail_msg("%s seed %llu %s: in slices of 16 and of 4096, %zu differences at instruction %llu: %s", model,
                     (unsigned long long)seed, tn, nd, (unsigned long long)target, t);
        }
        if (nd > 64 && technique == VL_TECH_SCAN_PATCH) fail_msg("%s seed %llu: %zu differences", model, (unsigned long long)seed, nd);
        assert_int_equal(sliced_icount(&a), target);
        checks++;
        if (sb.reason != VLAB_STOP_BUDGET || sa.reason != VLAB_STOP_BUDGET) {
            if (sa.reason != sb.reason || sa.pc != sb.pc || sa.vector != sb.vector)
                fail_msg("%s seed %llu %s: in slices of 16 stop %s at %06x, of 4096 %s at %06x", model,
                         (unsigned long long)seed, tn, vlab_stop_name(sa.reason), sa.pc, vlab_stop_name(sb.reason), sb.pc);
            break;
        }
    }
    assert_true(checks >= 10); /* long enough to mean something */
    if (technique >= 0) {
        vl_vmm_stats x, y;
        vl_vm_stats(a.vm, &x);
        vl_vm_stats(b.vm, &y);
#define SAME(f)                                                                                                     \
    if (x.f != y.f)                                                                                                 \
        fail_msg("%s seed %llu %s: %s %llu in slices of 16, %llu in slices of 4096", model, (unsigned long long)seed, \
                 tn, #f, (unsigned long long)x.f, (unsigned long long)y.f)
        SAME(guest_instructions); SAME(traps); SAME(emulated); SAME(reflected); SAME(interpreted); SAME(exits);
        SAME(callouts); SAME(translated); SAME(hypercalls); SAME(world_switches);
        if (technique != VL_TECH_SCAN_PATCH) {
            SAME(blocks); SAME(scanned); SAME(patched); SAME(lookups); SAME(cost);
        } else {
            /* scan-and-patch scans a block only as far as the run will
             * execute it (docs/vmm.md): a block a slice's end cut short is
             * completed by another, later; so blocks, instructions scanned,
             * lookups (and their cost) depend on the slices, not what the
             * guest sees nor its traps */
            assert_true(x.blocks >= y.blocks);
        }
#undef SAME
        assert_true(x.traps + x.callouts + x.exits > 1000);
        vl_vm_free(a.vm);
        vl_vm_free(b.vm);
    } else {
        vlab_machine_free(a.m);
        vlab_machine_free(b.m);
    }
    free(g);
}

static void test_stress_slices(void **state) {
    (void)state;
    slices_of("68000", 6, -1, 300000);
    slices_of("68010", 7, -1, 300000);
    for (int t = 0; t < VL_TECH_COUNT; t++) {
        slices_of("68000", 6, t, 300000);
        slices_of("68010", 7, t, 300000);
    }
}

/* The hybrid monitor (Theorem 3): the same random privileged streams, run
 * natively and under it, are equivalent on both models - the 68000's MOVE
 * from SR included, since the guest's supervisor mode is interpreted. */
static void test_hybrid_equivalence(void **state) {
    (void)state;
    img *g = calloc(1, sizeof *g);
    uint64_t interpreted = 0;
    for (uint64_t seed = 10; seed < 70; seed++) {
        for (int m010 = 0; m010 < 2; m010++) {
            build_stress(g, seed, m010, 200);
            vl_equiv_image e = image_of(g, m010 ? "68010" : "68000");
            vl_equiv_result r;
            char err[256];
            assert_int_equal(vl_equiv_run(&e, 50000, VL_TECH_HYBRID, &r, err, sizeof err), 0);
            if (!r.equal) {
                char t[160] = "";
                if (r.ndiffs) vl_diff_format(&r.diffs[0], t, sizeof t);
                fail_msg("%s seed %llu under hybrid: differs after instruction %llu at %06x (%s): %s",
                         e.model, (unsigned long long)seed, (unsigned long long)r.first, r.first_pc, r.first_insn, t);
            }
            interpreted += r.instructions;
            vl_equiv_free(&r);
        }
    }
    assert_true(interpreted > 0);
    free(g);
}

/* Random privileged streams natively vs under the monitor: the 68010 is
 * equivalent; the 68000 differs only at a MOVE from SR. */
static void test_stress_equivalence(void **state) {
    (void)state;
    img *g = calloc(1, sizeof *g);
    for (uint64_t seed = 10; seed < 70; seed++) {
        build_stress(g, seed, true, 200);
        vl_equiv_image e = image_of(g, "68010");
        vl_equiv_result r;
        char err[256];
        assert_int_equal(vl_equiv_run(&e, 50000, VL_TECH_TRAP_EMULATE, &r, err, sizeof err), 0);
        if (!r.equal) {
            char t[160] = "";
            if (r.ndiffs) vl_diff_format(&r.diffs[0], t, sizeof t);
            fail_msg("68010 seed %llu: differs after instruction %llu at %06x (%s): %s (%zu diffs; stops %s/%s)",
                     (unsigned long long)seed, (unsigned long long)r.first, r.first_pc, r.first_insn, t, r.ndiffs,
                     vlab_stop_name(r.native_stop.reason), vlab_stop_name(r.vm_stop.reason));
        }
        vl_equiv_free(&r);
        if (seed % 50 == 0)
            print_message("equivalence 68010 seed %llu: %llu instructions, %s\n", (unsigned long long)seed,
                          (unsigned long long)r.instructions, vlab_stop_name(r.native_stop.reason));
        build_stress(g, seed, false, 200);
        e = image_of(g, "68000");
        assert_int_equal(vl_equiv_run(&e, 50000, VL_TECH_TRAP_EMULATE, &r, err, sizeof err), 0);
        if (!r.equal) {
            uint16_t op = (uint16_t)vl_be16(g->b + r.first_pc);
            if ((op & 0xFFC0) != 0x40C0) {
                char t[160] = "";
                if (r.ndiffs) vl_diff_format(&r.diffs[0], t, sizeof t);
                fail_msg("68000 seed %llu: differs at %06x (%s), not a move from sr: %s", (unsigned long long)seed,
                         r.first_pc, r.first_insn, t);
            }
            /* every difference at the end is tied to an instruction */
            for (size_t k = 0; k < r.nfinal; k++)
                if (r.final[k].kind != VL_DIFF_SHAPE && r.final[k].at == 0)
                    fail_msg("68000 seed %llu: final difference %s not attributed", (unsigned long long)seed,
                             r.final[k].what);
        }
        vl_equiv_free(&r);
    }
    free(g);
}

/* ---- several guests on one monitor ------------------------------------------------------------ */

static void build_hostile(img *g) {
    memset(g, 0, sizeof *g);
    for (int v = 2; v < 64; v++) vec(g, v, 0x400);
    at(g, 0x400);
    w(g, 0x5286);                                 /* addq.l #1,d6 */
    w(g, 0x54AF), w(g, 0x0002);                   /* addq.l #2,2(a7): skip one word */
    rte(g);
    at(g, CODE);
    /* every privileged instruction, in supervisor and in user mode; the
     * immediates and extension words are NOP (0x4e71) so that skipping the
     * first word after a fault lands on a NOP */
    for (int pass = 0; pass < 2; pass++) {
        w(g, 0x4E70);                            /* reset */
        w(g, 0x46FC), w(g, 0x4E71 | 0x2000);     /* move #$6e71,sr (stays S, T off: 0x2671) */
        w(g, 0x007C), w(g, 0x4E71);              /* ori #$4e71,sr */
        w(g, 0x027C), w(g, 0x4E71);              /* andi #$4e71,sr */
        w(g, 0x0A7C), w(g, 0x4E71);              /* eori #$4e71,sr */
        w(g, 0x4E60);                            /* move a0,usp */
        w(g, 0x4E68);                            /* move usp,a0 */
        w(g, 0x4E7B), w(g, 0x4E71);              /* movec d4,<invalid>: illegal */
        w(g, 0x4E7A), w(g, 0x4E71);              /* movec <invalid>,d4 */
        w(g, 0x40C1);                            /* move sr,d1 */
        w(g, 0x46C1);                            /* move d1,sr */
        w(g, 0x4E72), w(g, 0x4E71);              /* stop #$4e71 (user mode: violation) */
        if (pass == 0) w(g, 0x46FC), w(g, 0x0700); /* drop to user mode */
    }
    w(g, 0x4E73);                                /* rte */
    /* then write every byte of its memory, from the top down to its own code */
    movea_l_imm(g, 0, RAM);
    w(g, 0x203C), l(g, RAM / 4 - 1);             /* move.l #RAM/4-1,d0 */
    uint32_t loop = g->pc;
    w(g, 0x213C), l(g, 0xFFFFFFFF);              /* move.l #-1,-(a0) */
    w(g, 0x5380);                                /* subq.l #1,d0 */
    w(g, 0x6A00), w(g, (uint16_t)(loop - g->pc)); /* bpl loop */
    bra_self(g);
}

static void test_two_guests(void **state) {
    (void)state;
    vl_vmm *mon = vl_vmm_new(4 * RAM);
    vl_vm *good = new_vm(mon, "68010"), *bad = new_vm(mon, "68010"), *bad0 = new_vm(mon, "68000");
    img *g = calloc(1, sizeof *g);
    build_kernel(g, true);
    vm_load(good, g, CODE);
    /* the reference: the same guest alone */
    vl_vm *solo = new_vm(NULL, "68010");
    vm_load(solo, g, CODE);
    vl_stop ss = vl_vm_run(solo, 200000, 0, 0);
    build_hostile(g);
    vm_load(bad, g, CODE);
    vm_load(bad0, g, CODE);
    int live = vl_vmm_run(mon, 500, 600000);
    assert_true(live >= 0);
    /* the good guest finished exactly as alone */
    size_t la, lb;
    const char *ca = vlab_console(good->m, &la), *cb = vlab_console(solo->m, &lb);
    assert_int_equal((int)la, (int)lb);
    assert_memory_equal(ca, cb, la);
    vl_view va = { good->m, good }, vb = { solo->m, solo };
    vl_diff d[8];
    size_t nd = vl_compare(&va, &vb, d, 8);
    for (size_t i = 0; i < nd && i < 8; i++) {
        char t[160];
        vl_diff_format(&d[i], t, sizeof t);
        print_message("diff: %s\n", t);
    }
    assert_int_equal((int)nd, 0);
    assert_int_equal(ss.reason, VLAB_STOP_HALT);
    /* the hostile guests filled their own memory and nothing else */
    for (int k = 0; k < 2; k++) {
        vl_vm *h = k ? bad0 : bad;
        uint32_t word;
        vlab_mem_get(h->m, RAM - 4, 4, &word);
        assert_int_equal(word, 0xFFFFFFFFu);
        assert_check(h);
        assert_int_equal(real_priv(h), 3); /* user */
    }
    assert_int_equal(vl_alloc_check(&mon->alloc, NULL, 0), 0);
    /* over the monitor's memory limit */
    char err[256];
    assert_null(vl_vm_new(mon, "m68k", "68010", 2 * RAM, VL_TECH_TRAP_EMULATE, &m68k_virt_ops, err, sizeof err));
    vl_vm_free(solo);
    vl_vm_free(good);
    vl_vm_free(bad);
    vl_vm_free(bad0);
    vl_vmm_release(mon);
    free(g);
}

/* ---- a guest can neither hang nor crash the host ---------------------------------------------- */

static void test_no_hang(void **state) {
    (void)state;
    img *g = calloc(1, sizeof *g);
    /* every vector points to an odd address: exception processing loops */
    for (int v = 2; v < 256; v++) vec(g, v, 0x401);
    at(g, CODE);
    w(g, 0x4AFC); /* illegal */
    const char *models[2] = { "68000", "68010" };
    for (int k = 0; k < 2; k++) {
        vl_vm *vm = new_vm(NULL, models[k]);
        vm_load(vm, g, CODE);
        vl_stop s = vl_vm_run(vm, 0, 0, 0); /* no limit: must still return */
        assert_true(s.reason == VLAB_STOP_ERROR || s.reason == VLAB_STOP_EXCEPTION || s.reason == VLAB_STOP_HALT);
        assert_check(vm);
        vl_vm_free(vm);
    }
    /* no handler at all: stops like the bare machine */
    memset(g, 0, sizeof *g);
    at(g, CODE);
    trap(g, 3);
    vl_vm *vm = new_vm(NULL, "68010");
    vm_load(vm, g, CODE);
    vl_stop s = vl_vm_run(vm, 0, 0, 0);
    vlab_machine *m = native("68010", g, CODE);
    vl_stop ns = vlab_run(m, 0, 0, 0);
    assert_int_equal(s.reason, VLAB_STOP_EXCEPTION);
    assert_int_equal(s.reason, ns.reason);
    assert_int_equal(s.vector, 35);
    assert_int_equal(s.pc, ns.pc);
    vlab_machine_free(m);
    vl_vm_free(vm);
    free(g);
}

/* ---- compare lists every kind of difference ----------------------------------------------------- */

/* The write watch under the monitor: guest writes to a watched page are
 * counted (and handed to the technique) after they are done; the guest runs
 * on as natively. */
static void test_watch(void **state) {
    (void)state;
    for (int t = 0; t < VL_TECH_COUNT; t++) {
        img *g = calloc(1, sizeof *g);
        at(g, CODE);
        moveq(g, 0, 5);
        w(g, 0x23C0), l(g, 0x6000);   /* move.l d0,$6000: watched page */
        w(g, 0x23C0), l(g, 0x7000);   /* move.l d0,$7000: not watched */
        w(g, 0x33C0), l(g, 0x6FFE);   /* move.w d0,$6ffe: watched page */
        stop(g, 0x2700);
        g->hi = 0x8000;
        vl_vm *vm = new_vm_tech(NULL, "68010", t);
        vm_load(vm, g, CODE);
        assert_int_equal(vl_vm_watch(vm, 0x6000, 0x1000, true), 0);
        vl_stop s = vl_vm_run(vm, 100, 0, 0);
        assert_int_equal(s.reason, VLAB_STOP_HALT);
        vl_vmm_stats st;
        vl_vm_stats(vm, &st);
        assert_int_equal(st.watch_hits, 3); /* the long write is two bus accesses */
        assert_int_equal(st.guest_instructions, 5);
        uint32_t v = 0;
        vlab_mem_get(vm->m, 0x6000, 4, &v);
        assert_int_equal(v, 5);
        assert_check(vm);
        vl_vm_free(vm);
        free(g);
    }
}

static void test_compare(void **state) {
    (void)state;
    char err[256];
    vlab_machine *a = vlab_machine_new("m68k", "68010", 4096, err, sizeof err);
    vlab_machine *b = vlab_machine_new("m68k", "68010", 4096, err, sizeof err);
    vl_view va = { a, NULL }, vb = { b, NULL };
    assert_int_equal((int)vl_compare(&va, &vb, NULL, 0), 0);
    vlab_reg_set(b, vlab_reg_index(b, "d3"), 9);
    vlab_mem_set(b, 100, 4, 0x01020304);
    vlab_mem_set(b, 200, 1, 7);
    vlab_mem_set(a, 0x3C, 1, 1);
    vl_diff d[8];
    size_t n = vl_compare(&va, &vb, d, 8);
    assert_int_equal((int)n, 4);
    assert_int_equal(d[0].kind, VL_DIFF_REG);
    assert_string_equal(d[0].what, "d3");
    assert_int_equal(d[1].kind, VL_DIFF_MEM);
    assert_int_equal(d[1].addr, 0x3C);
    assert_int_equal(d[2].addr, 100);
    assert_int_equal(d[2].len, 4);
    assert_int_equal(d[3].addr, 200);
    char t[160];
    vl_diff_format(&d[2], t, sizeof t);
    assert_string_equal(t, "mem 0x00000064 (4 bytes): 0x00 vs 0x01");
    vlab_machine_free(a);
    vlab_machine_free(b);
}

/* ---- timing: STOP wakes on the timer after the same instruction as natively --------------------- */

static void test_stop_and_timer(void **state) {
    (void)state;
    img *g = calloc(1, sizeof *g);
    vec(g, 27, 0x400); /* level 3 */
    at(g, 0x400);
    move_l_imm_abs(g, 0, MMIO + VL_MMIO_TIMER_ACK);
    w(g, 0x5285); /* addq.l #1,d5 */
    rte(g);
    at(g, CODE);
    move_l_imm_abs(g, 1000, MMIO + VL_MMIO_TIMER_PERIOD);
    move_l_imm_abs(g, 3, MMIO + VL_MMIO_TIMER_LEVEL);
    uint32_t loop = g->pc;
    stop(g, 0x2200);   /* wait, level 3 allowed */
    w(g, 0x5286);      /* addq.l #1,d6 */
    w(g, 0x0C86), l(g, 20); /* cmpi.l #20,d6 */
    w(g, 0x6600 | (uint8_t)(loop - (g->pc + 2))); /* bne.s loop */
    stop(g, 0x2700);   /* the end: level 3 masked */
    vl_vm *vm = new_vm(NULL, "68000");
    vm_load(vm, g, CODE);
    vl_stop s = vl_vm_run(vm, 0, 0, 0);
    vlab_machine *m = native("68000", g, CODE);
    vl_stop ns = vlab_run(m, 0, 0, 0);
    assert_int_equal(s.reason, ns.reason);
    assert_int_equal(s.reason, VLAB_STOP_IDLE);
    assert_int_equal(greg(vm, "d5"), 20);
    assert_int_equal(vm->m->cc->icount, m->cc->icount);
    assert_int_equal(vm->m->timer_count, m->timer_count);
    vl_view va = { m, NULL }, vb = { vm->m, vm };
    assert_int_equal((int)vl_compare(&va, &vb, NULL, 0), 0);
    vlab_machine_free(m);
    vl_vm_free(vm);
    free(g);
}

/* ---- trace: T in the virtual SR traces the guest, into its own handler --------------------------- */

static void test_trace(void **state) {
    (void)state;
    img *g = calloc(1, sizeof *g);
    vec(g, 9, 0x400);
    at(g, 0x400);
    w(g, 0x5285); /* addq.l #1,d5 */
    rte(g);
    at(g, CODE);
    move_sr_imm(g, 0xA700); /* T on (emulated: the trace comes after it) */
    moveq(g, 1, 1);
    w(g, 0x40C2);           /* move sr,d2: on the 68010 emulated, traced too */
    moveq(g, 1, 2);
    move_sr_imm(g, 0x2700); /* T off (still traced: T was set when it started) */
    moveq(g, 1, 3);
    stop(g, 0x2700);
    const char *models[2] = { "68000", "68010" };
    for (int k = 0; k < 2; k++) {
        vl_vm *vm = new_vm(NULL, models[k]);
        vm_load(vm, g, CODE);
        vl_stop s = vl_vm_run(vm, 1000, 0, 0);
        vlab_machine *m = native(models[k], g, CODE);
        vl_stop ns = vlab_run(m, 1000, 0, 0);
        assert_int_equal(s.reason, ns.reason);
        /* traced: moveq, move sr, (not the rte), moveq, move #,sr */
        assert_int_equal(nreg(m, "d5"), 4);
        assert_int_equal(greg(vm, "d5"), 4);
        vl_view va = { m, NULL }, vb = { vm->m, vm };
        vl_diff d[4];
        size_t n = vl_compare(&va, &vb, d, 4);
        if (k == 0) {
            assert_int_equal((int)n, 1); /* the 68000 leak: d2 */
            assert_string_equal(d[0].what, "d2");
        } else {
            assert_int_equal((int)n, 0);
        }
        vlab_machine_free(m);
        vl_vm_free(vm);
    }
    free(g);
}

/* ---- the compiled C programs of the foundation issue --------------------------------------------- */

/* Every program on both models: they are built by tests/programs/build.sh
 * (make test runs it first; vl_test_programs runs it again when they are
 * missing or stale). Without the cross compilers: SKIP, FAIL under VLAB_CI. */
static void test_programs(void **state) {
    (void)state;
    char dir[256];
    VL_TEST_NEED_PROGRAMS(dir);
    const char *progs[] = { "sieve", "sort", "checksum", "fib" };
    int ran = 0;
    for (int k = 0; k < 2; k++) {
        const char *model = k ? "68010" : "68000";
        for (size_t i = 0; i < sizeof progs / sizeof *progs; i++) {
            char path[512], err[256];
            snprintf(path, sizeof path, "%s/%s.m68k.elf", dir, progs[i]);
            FILE *f = fopen(path, "rb");
            if (!f) fail_msg("%s missing after tests/programs/build.sh", path);
            fclose(f);
            uint32_t ram = 16u << 20, e1, e2;
            vlab_machine *m = vlab_machine_new("m68k", model, ram, err, sizeof err);
            vl_vm *vm = vl_vm_new(NULL, "m68k", model, ram, VL_TECH_TRAP_EMULATE, &m68k_virt_ops, err, sizeof err);
            assert_non_null(m);
            assert_non_null(vm);
            assert_int_equal(vlab_load(m, path, 0, &e1, err, sizeof err), 0);
            assert_int_equal(vlab_load(vm->m, path, 0, &e2, err, sizeof err), 0);
            int sp = vlab_reg_index(m, "sp");
            vlab_set_supervisor(m, 1);
            vlab_reg_set(m, sp, ram);
            vlab_set_pc(m, e1);
            vl_vm_set_privilege(vm, 0);
            vl_vm_reg_set(vm, sp, ram);
            vl_vm_set_pc(vm, e2);
            vl_stop a = vlab_run(m, 500000000, 0, 0), b = vl_vm_run(vm, 500000000, 0, 0);
            assert_int_equal(a.reason, b.reason);
            assert_int_equal(a.pc, b.pc);
            assert_int_equal(m->cc->icount, vm->m->cc->icount);
            vl_view va = { m, NULL }, vb = { vm->m, vm };
            vl_diff d[4];
            size_t nd = vl_compare(&va, &vb, d, 4);
            for (size_t j = 0; j < nd && j < 4; j++) {
                char t[160];
                vl_diff_format(&d[j], t, sizeof t);
                print_message("%s %s: %s\n", model, progs[i], t);
            }
            assert_int_equal((int)nd, 0);
            vl_vmm_stats st;
            vl_vm_stats(vm, &st);
            print_message("%s %s: %llu instructions, %llu traps, equivalent\n", model, progs[i],
                          (unsigned long long)st.guest_instructions, (unsigned long long)st.traps);
            vlab_machine_free(m);
            vl_vm_free(vm);
            ran++;
        }
    }
    assert_int_equal(ran, 8); /* 4 programs, 2 models */
}

/* vl_vm_regs_get reads what vl_vm_reg_get reads, register by register,
 * on every model under every technique the sweep measures (a VM part-way
 * through a run: some state on the real CPU, some on the virtual one). */
static void test_regs_get(void **state) {
    (void)state;
    static const char *const models[][2] = { { "m68k", "68000" }, { "m68k", "68010" }, { "ppc", "750" },
                                              { "x86", "i386" },  { "x86", "pentium" } };
    static const int techs[] = { VL_TECH_TRAP_EMULATE, VL_TECH_HYBRID, VL_TECH_HW_ASSIST, VL_TECH_BINARY_TRANSLATION };
    for (size_t i = 0; i < sizeof models / sizeof *models; i++)
        for (size_t k = 0; k < sizeof techs / sizeof *techs; k++) {
            char err[256];
            vl_vm *vm = vl_vm_new(NULL, models[i][0], models[i][1], RAM, techs[k], NULL, err, sizeof err);
            assert_non_null(vm);
            assert_true(vm->virt->reg_get_views);
            vl_vm_run(vm, 50, 0, 0);
            int n = vlab_reg_count(vm->m);
            uint32_t all[512];
            assert_true(n > 0 && n <= 512);
            vl_vm_regs_get(vm, all, n + 5); /* clamped to the count */
            for (int r = 0; r < n; r++)
                if (all[r] != vl_vm_reg_get(vm, r))
                    fail_msg("%s:%s %s: %s 0x%x at once, 0x%x alone", models[i][0], models[i][1],
                             vl_technique_name(techs[k]), vlab_reg_name(vm->m, r), all[r], vl_vm_reg_get(vm, r));
            vl_vm_free(vm);
        }
}

int main(void) {
    /* pull the disassembler out of libvlab.a ahead of exec.c's weak stand-in */
    void *volatile keep = (void *)&m68k_disasm;
    (void)keep;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_alloc),
        cmocka_unit_test(test_lifecycle),
        cmocka_unit_test(test_direct_execution),
        cmocka_unit_test(test_move_from_sr),
        cmocka_unit_test(test_reflect_trap),
        cmocka_unit_test(test_user_mode),
        cmocka_unit_test(test_movec_vbr),
        cmocka_unit_test(test_stop_and_timer),
        cmocka_unit_test(test_trace),
        cmocka_unit_test(test_compare),
        cmocka_unit_test(test_watch),
        cmocka_unit_test(test_no_hang),
        cmocka_unit_test(test_equivalence_68010),
        cmocka_unit_test(test_equivalence_68000),
        cmocka_unit_test(test_equivalence_interrupt_step),
        cmocka_unit_test(test_equivalence_cache),
        cmocka_unit_test(test_timer_armed_mid_run),
        cmocka_unit_test(test_bsr_odd_pushes_once),
        cmocka_unit_test(test_movem_device_once),
        cmocka_unit_test(test_two_guests),
        cmocka_unit_test(test_stress_resource_control),
        cmocka_unit_test(test_stress_slices),
        cmocka_unit_test(test_stress_equivalence),
        cmocka_unit_test(test_hybrid_equivalence),
        cmocka_unit_test(test_programs),
        cmocka_unit_test(test_regs_get),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
