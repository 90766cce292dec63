/* test_m68k_exec.c - cmocka unit tests of the 68000/68010 core for what the
 * external vectors do not cover: divide by zero, interrupts, trace, STOP,
 * 68010 frames and privilege, MOVEC/VBR, RTE format error, bus error,
 * intercept, exit set, branch to itself, decode classes and control flow,
 * register table. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "isa/m68k/m68k.h"

#define RAM (1u << 20)
#define CODE 0x1000u
#define STACK 0x8000u

typedef struct {
    vlab_machine *m;
    m68k_cpu *s;
} rig;

static void put16(rig *r, uint32_t a, uint16_t v) { assert_int_equal(vlab_mem_set(r->m, a, 2, v), 0); }
static void put32(rig *r, uint32_t a, uint32_t v) { assert_int_equal(vlab_mem_set(r->m, a, 4, v), 0); }
static uint32_t get16(rig *r, uint32_t a) { uint32_t v = 0; assert_int_equal(vlab_mem_get(r->m, a, 2, &v), 0); return v; }
static uint32_t get32(rig *r, uint32_t a) { uint32_t v = 0; assert_int_equal(vlab_mem_get(r->m, a, 4, &v), 0); return v; }

/* words at CODE, vectors all pointing at a `bra .` at 0x3000 + 4 * vector */
static rig mk(const char *model, const uint16_t *code, size_t n) {
    char err[256];
    rig r;
    r.m = vlab_machine_new("m68k", model, RAM, err, sizeof err);
    assert_non_null(r.m);
    r.s = (m68k_cpu *)((vl_machine *)r.m)->cpu;
    for (int v = 2; v < 64; v++) {
        put32(&r, (uint32_t)v * 4, 0x3000u + (uint32_t)v * 4);
        put16(&r, 0x3000u + (uint32_t)v * 4, 0x60FE);
    }
    for (size_t i = 0; i < n; i++) put16(&r, CODE + 2 * (uint32_t)i, code[i]);
    r.s->a[7] = STACK;
    m68k_set_sr(r.s, 0x2700);
    r.s->pc = CODE;
    return r;
}
static void rm(rig *r) { vlab_machine_free(r->m); }
static vl_stop run(rig *r, uint64_t n) { return m68k_ops.run(r->s, n); }
#define HANDLER(v) (0x3000u + 4u * (v))

static void test_divide_by_zero(void **st) {
    (void)st;
    const uint16_t code[] = { 0x80C1 /* divu d1,d0 */, 0x4E71 };
    rig r = mk("68000", code, 2);
    r.s->d[0] = 1234;
    r.s->d[1] = 0;
    vl_stop s = run(&r, 1);
    assert_int_equal(s.reason, VLAB_STOP_BUDGET);
    assert_int_equal(r.s->pc, HANDLER(5));
    assert_int_equal(r.s->a[7], STACK - 6);
    assert_int_equal(get32(&r, STACK - 4), CODE + 2); /* PC of the next instruction */
    assert_int_equal(get16(&r, STACK - 6) & 0xFF00, 0x2700);
    assert_int_equal(r.s->d[0], 1234);
    assert_int_equal(r.s->c.exceptions, 1);
    assert_int_equal(r.s->c.icount, 1);
    rm(&r);
}

static void test_interrupt_priority(void **st) {
    (void)st;
    const uint16_t code[] = { 0x4E71, 0x4E71, 0x4E71, 0x4E71 };
    rig r = mk("68000", code, 4);
    m68k_set_sr(r.s, 0x2300);
    r.s->c.irq_level = 3; /* not above the mask */
    vl_stop s = run(&r, 1);
    assert_int_equal(s.reason, VLAB_STOP_BUDGET);
    assert_int_equal(r.s->pc, CODE + 2);
    r.s->c.irq_level = 4;
    s = run(&r, 1); /* interrupt, then the handler's first instruction */
    assert_int_equal(r.s->c.interrupts, 1);
    assert_int_equal(r.s->pc, HANDLER(28)); /* bra . executed */
    assert_int_equal(m68k_get_sr(r.s) & 0x0700, 0x0400);
    assert_int_equal(get32(&r, STACK - 4), CODE + 2);
    assert_int_equal(get16(&r, STACK - 6), 0x2300);
    /* a level-7 interrupt is taken even with mask 7, once per edge */
    rig q = mk("68000", code, 4);
    m68k_set_sr(q.s, 0x2700);
    q.s->c.irq_level = 7;
    run(&q, 1);
    assert_int_equal(q.s->c.interrupts, 1);
    assert_int_equal(q.s->pc, HANDLER(31));
    run(&q, 1);
    assert_int_equal(q.s->c.interrupts, 1);
    rm(&q);
    rm(&r);
}

static void test_trace(void **st) {
    (void)st;
    const uint16_t code[] = { 0x4E71, 0x4E71, 0x4E71 };
    rig r = mk("68000", code, 3);
    m68k_set_sr(r.s, 0xA700);
    vl_stop s = run(&r, 1); /* the NOP runs; the trace belongs to the next step */
    assert_int_equal(s.reason, VLAB_STOP_BUDGET);
    assert_int_equal(r.s->pc, CODE + 2);
    assert_int_equal(r.s->c.exceptions, 0);
    s = run(&r, 1);
    assert_int_equal(r.s->c.exceptions, 1);
    assert_int_equal(r.s->c.last_vector, 9);
    assert_int_equal(get32(&r, STACK - 4), CODE + 2);
    assert_int_equal(get16(&r, STACK - 6), 0xA700);
    assert_int_equal(m68k_get_sr(r.s) & 0x8000, 0);
    assert_int_equal(r.s->c.icount, 2);
    /* with intercept, the trace stops before anything happens */
    rig q = mk("68000", code, 3);
    m68k_set_sr(q.s, 0xA700);
    q.s->c.intercept = true;
    run(&q, 1);
    s = run(&q, 1);
    assert_int_equal(s.reason, VLAB_STOP_EXCEPTION);
    assert_int_equal(s.vector, 9);
    assert_int_equal(s.pc, CODE + 2);
    assert_int_equal(q.s->a[7], STACK);
    rm(&q);
    rm(&r);
}

static void test_stop_idle(void **st) {
    (void)st;
    const uint16_t code[] = { 0x4E72, 0x2000 /* stop #$2000 */, 0x4E71 };
    rig r = mk("68000", code, 3);
    vl_stop s = run(&r, 10);
    assert_int_equal(s.reason, VLAB_STOP_IDLE);
    assert_int_equal(s.pc, CODE + 4);
    assert_int_equal(m68k_get_sr(r.s), 0x2000);
    assert_int_equal(r.s->c.icount, 1);
    s = run(&r, 10); /* still nothing to wake it */
    assert_int_equal(s.reason, VLAB_STOP_IDLE);
    assert_int_equal(r.s->c.icount, 1);
    r.s->c.irq_level = 2;
    s = run(&r, 1);
    assert_int_equal(r.s->c.interrupts, 1);
    assert_int_equal(get32(&r, STACK - 4), CODE + 4);
    assert_int_equal(r.s->pc, HANDLER(26));
    /* STOP in user mode is a privilege violation */
    rig u = mk("68000", code, 3);
    m68k_set_sr(u.s, 0x0000);
    u.s->ssp = STACK;
    u.s->a[7] = 0x6000;
    run(&u, 1);
    assert_int_equal(u.s->c.last_vector, 8);
    assert_int_equal(get32(&u, STACK - 4), CODE);
    rm(&u);
    rm(&r);
}

static void test_68010_move_from_sr(void **st) {
    (void)st;
    const uint16_t code[] = { 0x40C0 /* move sr,d0 */ };
    rig r = mk("68010", code, 1);
    m68k_set_sr(r.s, 0x0000);
    r.s->ssp = STACK;
    r.s->a[7] = 0x6000;
    run(&r, 1);
    assert_int_equal(r.s->c.last_vector, 8);
    assert_int_equal(r.s->a[7], STACK - 8);
    assert_int_equal(get16(&r, STACK - 8), 0x0000);      /* SR */
    assert_int_equal(get32(&r, STACK - 6), CODE);        /* PC of the instruction */
    assert_int_equal(get16(&r, STACK - 2), 0x0020);      /* format 0, vector 8 */
    assert_int_equal(r.s->usp, 0x6000);
    /* the 68000 lets it run: the leak */
    rig q = mk("68000", code, 1);
    m68k_set_sr(q.s, 0x0000);
    q.s->d[0] = 0xFFFFFFFF;
    run(&q, 1);
    assert_int_equal(q.s->c.exceptions, 0);
    assert_int_equal(q.s->d[0], 0xFFFF0000);
    /* MOVE from CCR: 68010 only */
    const uint16_t ccr[] = { 0x42C0 /* move ccr,d0 */ };
    rig a = mk("68000", ccr, 1), b = mk("68010", ccr, 1);
    m68k_set_sr(a.s, 0x271F);
    m68k_set_sr(b.s, 0x071F);
    run(&a, 1);
    run(&b, 1);
    assert_int_equal(a.s->c.last_vector, 4);
    assert_int_equal(b.s->c.exceptions, 0);
    assert_int_equal(b.s->d[0] & 0xFFFF, 0x1F);
    rm(&a); rm(&b); rm(&q); rm(&r);
}

static void test_movec_vbr(void **st) {
    (void)st;
    const uint16_t code[] = { 0x4E7B, 0x0801 /* movec d0,vbr */, 0x4E40 /* trap #0 */,
                              0x4E7A, 0x1801 /* movec vbr,d1 */ };
    rig r = mk("68010", code, 5);
    r.s->d[0] = 0x10000;
    put32(&r, 0x10000 + 32 * 4, 0x5000);
    put16(&r, 0x5000, 0x60FE);
    run(&r, 2);
    assert_int_equal(r.s->vbr, 0x10000);
    assert_int_equal(r.s->pc, 0x5000);
    assert_int_equal(get16(&r, STACK - 2), 0x0080); /* format 0, vector 32 */
    /* an unknown control register is an illegal instruction */
    const uint16_t bad[] = { 0x4E7A, 0x0802 };
    rig b = mk("68010", bad, 2);
    run(&b, 1);
    assert_int_equal(b.s->c.last_vector, 4);
    /* and MOVEC on the 68000 is illegal */
    rig c = mk("68000", code, 5);
    run(&c, 1);
    assert_int_equal(c.s->c.last_vector, 4);
    rm(&c); rm(&b); rm(&r);
}

static void test_rte_format_error(void **st) {
    (void)st;
    const uint16_t code[] = { 0x4E73 };
    rig r = mk("68010", code, 1);
    r.s->a[7] = STACK - 8;
    put16(&r, STACK - 8, 0x2700);
    put32(&r, STACK - 6, 0x2000);
    put16(&r, STACK - 2, 0x3000); /* format 3: not a 68010 frame */
    run(&r, 1);
    assert_int_equal(r.s->c.last_vector, 14);
    assert_int_equal(get16(&r, STACK - 16 + 6), 14 * 4);
    /* a good format-0 frame returns */
    rig g = mk("68010", code, 1);
    g.s->a[7] = STACK - 8;
    put16(&g, STACK - 8, 0x0000);
    put32(&g, STACK - 6, 0x2000);
    put16(&g, STACK - 2, 0x0000);
    g.s->usp = 0x6000;
    put16(&g, 0x2000, 0x4E71);
    run(&g, 1);
    assert_int_equal(g.s->c.exceptions, 0);
    assert_int_equal(g.s->pc, 0x2000);
    assert_int_equal(m68k_get_sr(g.s), 0x0000);
    assert_int_equal(g.s->a[7], 0x6000);
    assert_int_equal(g.s->ssp, STACK);
    rm(&g); rm(&r);
}

static void test_bus_error(void **st) {
    (void)st;
    const uint16_t code[] = { 0x3039, 0x0020, 0x0000 /* move.w $200000,d0 */ };
    rig r = mk("68000", code, 3);
    run(&r, 1);
    assert_int_equal(r.s->c.last_vector, 2);
    assert_int_equal(r.s->a[7], STACK - 14);
    assert_int_equal(get32(&r, STACK - 14 + 2), 0x200000); /* access address */
    assert_int_equal(get16(&r, STACK - 14 + 6), 0x3039);   /* instruction register */
    assert_int_equal(get16(&r, STACK - 14) & 0x10, 0x10);  /* read */
    /* 68010: format $8, 29 words */
    rig q = mk("68010", code, 3);
    run(&q, 1);
    assert_int_equal(q.s->c.last_vector, 2);
    assert_int_equal(q.s->a[7], STACK - 58);
    assert_int_equal(get16(&q, STACK - 58 + 6), 0x8008);
    assert_int_equal(get32(&q, STACK - 58 + 10), 0x200000);
    rm(&q); rm(&r);
}

static void test_intercept(void **st) {
    (void)st;
    /* move.l (a0)+,d0 with an odd a0: address error, intercepted */
    const uint16_t code[] = { 0x2018, 0x4E41 /* trap #1 */ };
    rig r = mk("68000", code, 2);
    r.s->c.intercept = true;
    r.s->a[0] = 0x2001;
    r.s->d[0] = 0x55;
    uint8_t before[M68K_SNAP_BYTES];
    memcpy(before, r.s->d, sizeof before);
    vl_stop s = run(&r, 5);
    assert_int_equal(s.reason, VLAB_STOP_EXCEPTION);
    assert_int_equal(s.vector, 3);
    assert_int_equal(s.pc, CODE);
    assert_int_equal(vlab_stop_info(s), 0x2001);
    /* the stop carries the fault address and the frame's status word apart */
    assert_int_equal(s.flags, VLAB_STOP_HAS_CODE | VLAB_STOP_HAS_ADDR);
    assert_int_equal(s.addr, 0x2001);
    assert_int_equal(s.code & 0x10, 0x10); /* a read */
    assert_memory_equal(before, r.s->d, sizeof before);
    assert_int_equal(r.s->c.icount, 0);
    assert_int_equal(get32(&r, STACK - 4), 0);
    /* the monitor takes it architecturally */
    m68k_ops.raise(r.s, 3, s.code, s.addr);
    assert_int_equal(r.s->pc, HANDLER(3));
    assert_int_equal(r.s->a[7], STACK - 14);
    /* TRAP under intercept */
    rig t = mk("68000", code + 1, 1);
    t.s->c.intercept = true;
    s = run(&t, 5);
    assert_int_equal(s.reason, VLAB_STOP_EXCEPTION);
    assert_int_equal(s.vector, 33);
    assert_int_equal(s.pc, CODE);
    assert_int_equal(t.s->pc, CODE);
    assert_int_equal(t.s->a[7], STACK);
    /* privileged instruction in user mode */
    const uint16_t priv[] = { 0x46C0 /* move d0,sr */ };
    rig p = mk("68000", priv, 1);
    m68k_set_sr(p.s, 0x0000);
    p.s->c.intercept = true;
    s = run(&p, 5);
    assert_int_equal(s.vector, 8);
    assert_int_equal(m68k_get_sr(p.s), 0x0000);
    /* stop_on_null_vector */
    rig z = mk("68000", code + 1, 1);
    z.s->c.stop_on_null_vector = true;
    put32(&z, 33 * 4, 0);
    s = run(&z, 5);
    assert_int_equal(s.reason, VLAB_STOP_EXCEPTION);
    assert_int_equal(s.vector, 33);
    assert_int_equal(s.pc, CODE);
    assert_int_equal(z.s->a[7], STACK);
    rm(&z); rm(&p); rm(&t); rm(&r);
}

/* The intercepting loop's flags-only save (move.l d0,d16(a0)) is left in
 * place, tagged with its instruction's count, when the instruction
 * completes: a later instruction that saves nothing and faults must not
 * roll the flags back to what they were before the store, in the same run
 * or in a run after the count was set back to the store's. */
static void test_intercept_stale_save(void **st) {
    (void)st;
    const uint16_t code[] = { 0x2140, 0x0010 /* move.l d0,16(a0) */, 0x2211 /* move.l (a1),d1 */ };
    for (int split = 0; split < 2; split++) {
        rig r = mk("68000", code, 3);
        r.s->c.intercept = true;
        m68k_set_sr(r.s, 0x271F);
        r.s->d[0] = 0x12345678;
        r.s->a[0] = 0x4000;
        r.s->a[1] = 0x5001; /* odd: address error, intercepted */
        vl_stop s;
        if (split) {
            s = run(&r, 1);
            assert_int_equal(s.reason, VLAB_STOP_BUDGET);
            assert_int_equal(r.s->c.icount, 1);
            r.s->c.icount = 0; /* the next instruction gets the store's count */
        }
        s = run(&r, 5);
        assert_int_equal(s.reason, VLAB_STOP_EXCEPTION);
        assert_int_equal(s.vector, 3);
        assert_int_equal(s.pc, CODE + 4);
        assert_int_equal(get32(&r, 0x4010), 0x12345678);
        assert_int_equal(m68k_get_sr(r.s), 0x2710); /* MOVE's flags, X kept */
        assert_int_equal(r.s->a[1], 0x5001);
        rm(&r);
    }
}

static void test_exit_set(void **st) {
    (void)st;
    const uint16_t code[] = { 0x4E71, 0x46C0 /* move d0,sr */ };
    rig r = mk("68000", code, 2);
    r.s->c.exit_set = 1u << VL_CLASS_PRIVILEGED;
    vl_stop s = run(&r, 10);
    assert_int_equal(s.reason, VLAB_STOP_VMEXIT);
    assert_int_equal(s.pc, CODE + 2);
    assert_int_equal(vlab_stop_info(s), VL_CLASS_PRIVILEGED);
    assert_int_equal(r.s->c.icount, 1);
    /* 68000 MOVE from SR is mode-sensitive */
    const uint16_t mfs[] = { 0x40C0 };
    rig q = mk("68000", mfs, 1);
    q.s->c.exit_set = 1u << VL_CLASS_MODE_SENSITIVE;
    s = run(&q, 10);
    assert_int_equal(s.reason, VLAB_STOP_VMEXIT);
    assert_int_equal(vlab_stop_info(s), VL_CLASS_MODE_SENSITIVE);
    rm(&q); rm(&r);
}

static void test_branch_to_self(void **st) {
    (void)st;
    const uint16_t code[] = { 0x4E71, 0x60FE };
    rig r = mk("68000", code, 2);
    vl_stop s = run(&r, 100);
    assert_int_equal(s.reason, VLAB_STOP_HALT);
    assert_int_equal(s.pc, CODE + 2);
    assert_int_equal(r.s->pc, CODE + 2);
    assert_int_equal(r.s->c.icount, 2);
    const uint16_t jmp[] = { 0x4EF9, 0x0000, 0x1000 /* jmp $1000 */ };
    rig j = mk("68000", jmp, 3);
    s = run(&j, 100);
    assert_int_equal(s.reason, VLAB_STOP_HALT);
    assert_int_equal(s.pc, CODE);
    /* dbra d0,* is a delay loop, not a halt */
    const uint16_t dl[] = { 0x51C8, 0xFFFE, 0x60FE };
    rig d = mk("68000", dl, 3);
    d.s->d[0] = 5;
    s = run(&d, 100);
    assert_int_equal(s.reason, VLAB_STOP_HALT);
    assert_int_equal(s.pc, CODE + 4);
    assert_int_equal(d.s->c.icount, 7);
    assert_int_equal(d.s->d[0] & 0xFFFF, 0xFFFF);
    rm(&d); rm(&j); rm(&r);
}

/* A traced branch to itself is no halt: the trace exception follows every
 * iteration, and a handler that returns makes it a loop that runs on (the
 * fuzz campaign's code-68010 input: a halt here let the machine's run loop
 * skip the handler's runs up to the timer's next tick). */
static void test_traced_branch_to_self(void **st) {
    (void)st;
    const char *models[] = { "68000", "68010" };
    for (int i = 0; i < 2; i++) {
        const uint16_t code[] = { 0x60FE };
        rig r = mk(models[i], code, 1);
        put16(&r, HANDLER(9), 0x4E73); /* rte */
        m68k_set_sr(r.s, 0xA700);
        vl_stop s = run(&r, 100);
        assert_int_equal(s.reason, VLAB_STOP_BUDGET);
        assert_int_equal(r.s->c.icount, 100);
        assert_int_equal(r.s->c.exceptions, 50);
        assert_int_equal(r.s->c.last_vector, 9);
        /* the same through the machine's run loop, with the timer armed
         * (where a halt would be fast-forwarded to the next tick) */
        rig t = mk(models[i], code, 1);
        put16(&t, HANDLER(9), 0x4E73);
        m68k_set_sr(t.s, 0xA700);
        ((vl_machine *)t.m)->timer_period = 1000;
        ((vl_machine *)t.m)->timer_next = 1000;
        s = vlab_run(t.m, 100, 0, 0);
        assert_int_equal(s.reason, VLAB_STOP_BUDGET);
        assert_int_equal(t.s->c.icount, 100);
        assert_int_equal(t.s->c.exceptions, 50);
        rm(&t);
        rm(&r);
    }
}

static void test_decode(void **st) {
    (void)st;
    vl_decode_info d;
    uint8_t b[6] = { 0x40, 0xC0 };
    m68k_ops.decode(M68K_68000, b, 2, CODE, &d);
    assert_int_equal(d.cls, VL_CLASS_MODE_SENSITIVE);
    assert_int_equal(d.length, 2);
    m68k_ops.decode(M68K_68010, b, 2, CODE, &d);
    assert_int_equal(d.cls, VL_CLASS_PRIVILEGED);
    b[0] = 0x42; b[1] = 0xC0;
    m68k_ops.decode(M68K_68000, b, 2, CODE, &d);
    assert_int_equal(d.cls, VL_CLASS_ILLEGAL);
    assert_int_equal(d.form, -1);
    m68k_ops.decode(M68K_68010, b, 2, CODE, &d);
    assert_int_equal(d.cls, VL_CLASS_INNOCUOUS);
    /* lengths */
    uint8_t mv[] = { 0x23, 0xFC, 0, 0, 0, 0 }; /* move.l #imm,(abs).l */
    m68k_ops.decode(M68K_68000, mv, 6, CODE, &d);
    assert_int_equal(d.length, 10);
    uint8_t mvm[] = { 0x48, 0xE7, 0xFF, 0xFE }; /* movem.l d0-a6,-(sp) */
    m68k_ops.decode(M68K_68000, mvm, 4, CODE, &d);
    assert_int_equal(d.length, 4);
    assert_string_equal(d.mnemonic, "movem");
    uint8_t stp[] = { 0x4E, 0x72, 0x27, 0x00 };
    m68k_ops.decode(M68K_68000, stp, 4, CODE, &d);
    assert_int_equal(d.cls, VL_CLASS_PRIVILEGED);
    assert_int_equal(d.length, 4);
    /* EA legality: ADD.b An,Dn does not exist, MOVE to An is MOVEA */
    assert_null(m68k_decode_word(M68K_68000, 0xD008));
    assert_int_equal(m68k_decode_word(M68K_68000, 0x2040)->op, M68K_OP_MOVEA);
    assert_null(m68k_decode_word(M68K_68000, 0x1040));
    assert_null(m68k_decode_word(M68K_68000, 0x4E74)); /* RTD */
    assert_non_null(m68k_decode_word(M68K_68010, 0x4E74));
}

/* Control flow and static targets for a binary translator, on code from
 * the project's assembler (targets as m68k-linux-gnu-objdump prints them). */
static void test_decode_flow(void **st) {
    (void)st;
    static const char src[] =
        " bras 0x1010\n braw 0x2000\n bsrw 0x0f00\n beqs 0x1008\n dbf %d0,0x1000\n"
        " jmp 0x1234:w\n jmp 0x12345678\n jmp %pc@(16)\n jmp %a0@\n jsr %a1@(8)\n"
        " jsr 0x4000:l\n rts\n rtr\n rtd #8\n rte\n trap #3\n trapv\n chk %d1,%d0\n"
        " illegal\n bkpt #1\n stop #0x2700\n nop\n movel %d0,%d1\n jmp %pc@(4,%d0:w)\n"
        " jmp 0xffff8000:w\n divu %d1,%d0\n reset\n";
    static const struct { int flow; bool has; uint32_t target; } want[] = {
        { VL_FLOW_JUMP, true, 0x1010 }, { VL_FLOW_JUMP, true, 0x2000 },
        { VL_FLOW_CALL, true, 0x0F00 }, { VL_FLOW_BRANCH, true, 0x1008 },
        { VL_FLOW_BRANCH, true, 0x1000 }, { VL_FLOW_JUMP, true, 0x1234 },
        { VL_FLOW_JUMP, true, 0x12345678 }, { VL_FLOW_JUMP, true, 0x102C },
        { VL_FLOW_INDIRECT, false, 0 }, { VL_FLOW_CALL, false, 0 },
        { VL_FLOW_CALL, true, 0x4000 }, { VL_FLOW_RETURN, false, 0 },
        { VL_FLOW_RETURN, false, 0 }, { VL_FLOW_RETURN, false, 0 },
        { VL_FLOW_ERET, false, 0 }, { VL_FLOW_TRAP, false, 0 },
        { VL_FLOW_TRAP, false, 0 }, { VL_FLOW_TRAP, false, 0 },
        { VL_FLOW_TRAP, false, 0 }, { VL_FLOW_TRAP, false, 0 },
        { VL_FLOW_HALT, false, 0 }, { VL_FLOW_NONE, false, 0 },
        { VL_FLOW_NONE, false, 0 }, { VL_FLOW_INDIRECT, false, 0 },
        { VL_FLOW_JUMP, true, 0xFFFF8000u }, { VL_FLOW_NONE, false, 0 },
        { VL_FLOW_NONE, false, 0 },
    };
    uint8_t *code;
    size_t len;
    char err[256];
    assert_int_equal(vlab_asm("m68k:68010", src, CODE, &code, &len, err, sizeof err), 0);
    size_t pos = 0;
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
        vl_decode_info d;
        m68k_ops.decode(M68K_68010, code + pos, len - pos, CODE + (uint32_t)pos, &d);
        if (d.length <= 0 || d.flow != want[i].flow || d.has_target != want[i].has ||
            (want[i].has && d.target != want[i].target))
            fail_msg("insn %zu at 0x%zx: length %d flow %d target %d 0x%x", i, CODE + pos, d.length,
                     d.flow, d.has_target, d.target);
        pos += (size_t)d.length;
    }
    assert_int_equal(pos, len);
    /* a displacement past the end of the bytes: no target */
    vl_decode_info d;
    m68k_ops.decode(M68K_68000, code + 2, 2, CODE, &d);
    assert_int_equal(d.flow, VL_FLOW_JUMP);
    assert_false(d.has_target);
    vlab_free(code);
    /* not an instruction of the model: the illegal-instruction trap */
    uint8_t rtd[] = { 0x4E, 0x74, 0, 8 }, linea[] = { 0xA1, 0x23 };
    m68k_ops.decode(M68K_68000, rtd, 4, CODE, &d);
    assert_int_equal(d.length, 0);
    assert_int_equal(d.flow, VL_FLOW_TRAP);
    m68k_ops.decode(M68K_68000, linea, 2, CODE, &d);
    assert_int_equal(d.flow, VL_FLOW_TRAP);
}

static void test_regs(void **st) {
    (void)st;
    const uint16_t code[] = { 0x4E71 };
    rig r = mk("68000", code, 1);
    int n68000 = 0, n68010 = 0;
    m68k_regs(M68K_68000, &n68000);
    m68k_regs(M68K_68010, &n68010);
    assert_int_equal(n68010, n68000 + 3);
    vlab_machine *m = r.m;
    int sp = vlab_reg_index(m, "sp"), usp = vlab_reg_index(m, "usp"), ssp = vlab_reg_index(m, "ssp");
    int sr = vlab_reg_index(m, "sr");
    assert_true(sp >= 0 && usp >= 0 && ssp >= 0 && sr >= 0);
    assert_true(vlab_reg_privileged(m, usp));
    assert_true(vlab_reg_privileged(m, sr));
    vlab_reg_set(m, usp, 0x4000);
    assert_int_equal(vlab_reg_get(m, sp), STACK);
    vlab_reg_set(m, sr, 0x0000); /* to user mode: a7 becomes the USP */
    assert_int_equal(vlab_reg_get(m, sp), 0x4000);
    assert_int_equal(vlab_reg_get(m, ssp), STACK);
    assert_int_equal(vlab_reg_index(m, "vbr"), -1);
    rm(&r);
}

static void test_reset(void **st) {
    (void)st;
    const uint16_t code[] = { 0x4E71 };
    rig r = mk("68010", code, 1);
    put32(&r, 0, 0x9000);
    put32(&r, 4, 0x1000);
    r.s->vbr = 0x4000;
    m68k_ops.reset(r.s);
    assert_int_equal(r.s->a[7], 0x9000);
    assert_int_equal(r.s->pc, 0x1000);
    assert_int_equal(m68k_get_sr(r.s), 0x2700);
    assert_int_equal(r.s->vbr, 0);
    rm(&r);
}

/* a guest cannot hang or crash the host: odd vectors, odd SSP */
static void test_no_hang(void **st) {
    (void)st;
    const uint16_t code[] = { 0x4AFC /* illegal */ };
    rig r = mk("68000", code, 1);
    for (int v = 2; v < 64; v++) put32(&r, (uint32_t)v * 4, 0x3001); /* odd handlers */
    vl_stop s = run(&r, 1000);
    assert_int_equal(s.reason, VLAB_STOP_BUDGET);
    assert_int_equal(r.s->c.icount, 1000);
    /* an odd SSP: the exception cannot be stacked: double fault, halt */
    rig d = mk("68000", code, 1);
    d.s->a[7] = 0x7001;
    s = run(&d, 10);
    assert_int_equal(s.reason, VLAB_STOP_ERROR);
    s = run(&d, 10);
    assert_int_equal(s.reason, VLAB_STOP_ERROR);
    m68k_ops.reset(d.s);
    assert_false(d.s->halted);
    /* PC outside RAM: bus error on the fetch, handled */
    rig b = mk("68000", code, 1);
    b.s->pc = 0x00F00000;
    run(&b, 1);
    assert_int_equal(b.s->c.last_vector, 2);
    assert_int_equal(b.s->pc, HANDLER(2));
    rm(&b); rm(&d); rm(&r);
}

static void test_trace_after_trap(void **st) {
    (void)st;
    const uint16_t code[] = { 0x4E41 /* trap #1 */, 0x4E71 };
    rig r = mk("68000", code, 2);
    m68k_set_sr(r.s, 0xA700);
    run(&r, 1);
    assert_int_equal(r.s->c.last_vector, 33);
    assert_true(r.s->trace_pending);
    run(&r, 1);
    assert_int_equal(r.s->c.last_vector, 9);
    assert_int_equal(get32(&r, STACK - 6 - 4), HANDLER(33)); /* the trace stacks the TRAP handler */
    /* an illegal instruction is not traced */
    const uint16_t ill[] = { 0x4AFC };
    rig q = mk("68000", ill, 1);
    m68k_set_sr(q.s, 0xA700);
    run(&q, 1);
    assert_int_equal(q.s->c.last_vector, 4);
    assert_false(q.s->trace_pending);
    rm(&q); rm(&r);
}

static void test_68010_misc(void **st) {
    (void)st;
    /* RTD #8, MOVES.l d1,(a0) with DFC */
    const uint16_t code[] = { 0x4E74, 0x0008 };
    rig r = mk("68010", code, 2);
    r.s->a[7] = STACK - 4;
    put32(&r, STACK - 4, 0x2000);
    put16(&r, 0x2000, 0x4E71);
    run(&r, 1);
    assert_int_equal(r.s->pc, 0x2000);
    assert_int_equal(r.s->a[7], STACK + 8);
    const uint16_t mv[] = { 0x0E90, 0x1800 /* moves.l d1,(a0) */ };
    rig m = mk("68010", mv, 2);
    m.s->a[0] = 0x2000;
    m.s->d[1] = 0xCAFEF00D;
    run(&m, 1);
    assert_int_equal(get32(&m, 0x2000), 0xCAFEF00D);
    /* MOVES is privileged */
    rig u = mk("68010", mv, 2);
    m68k_set_sr(u.s, 0x0000);
    u.s->ssp = STACK;
    run(&u, 1);
    assert_int_equal(u.s->c.last_vector, 8);
    /* BKPT takes the illegal-instruction exception */
    const uint16_t bk[] = { 0x484A };
    rig k = mk("68010", bk, 1);
    run(&k, 1);
    assert_int_equal(k.s->c.last_vector, 4);
    /* 68010 address error: format $8 frame */
    const uint16_t ae[] = { 0x3010 /* move.w (a0),d0 */ };
    rig a = mk("68010", ae, 1);
    a.s->a[0] = 0x2001;
    for (uint32_t i = 2; i <= 60; i += 2) put16(&a, STACK - i, 0xA5A5); /* what the frame overwrites */
    run(&a, 1);
    assert_int_equal(a.s->c.last_vector, 3);
    assert_int_equal(a.s->a[7], STACK - 58);
    assert_int_equal(get16(&a, STACK - 58 + 6), 0x800C);
    assert_int_equal(get32(&a, STACK - 58 + 10), 0x2001);
    assert_int_equal(get16(&a, STACK - 58 + 8) & 0x100, 0x100); /* read */
    /* the data buffers and internal state this core does not model: zero */
    for (uint32_t i = 14; i < 58; i += 2)
        if (i != 24) assert_int_equal(get16(&a, STACK - 58 + i), 0);
    assert_int_equal(get16(&a, STACK - 60), 0xA5A5); /* nothing below the frame */
    rm(&a); rm(&k); rm(&u); rm(&m); rm(&r);
}

/* The fast loop runs an instruction through its unchecked handlers only
 * when its 10 bytes from the opcode are RAM (exec.c, edge_step): in the
 * last bytes of RAM the checked ones read the extension words, and one
 * past the end is a bus error on that fetch, as in the checking loop. */
static void edge_run(const char *model, bool checking, uint32_t at, uint32_t *d0, uint8_t frame[14]) {
    rig r = mk(model, NULL, 0);
    /* move.l #$12345678,d0, cut at the end of RAM */
    put16(&r, at, 0x203C);
    put16(&r, at + 2, 0x1234);
    if (at + 4 < RAM) put16(&r, at + 4, 0x5678);
    r.s->pc = at;
    r.s->d[0] = 0;
    if (checking) r.s->c.exit_set = 1u << 31; /* no class: the checking loop, never a stop */
    vl_stop st = run(&r, 1);
    assert_int_not_equal(st.reason, VLAB_STOP_VMEXIT);
    *d0 = r.s->d[0];
    for (int i = 0; i < 14; i += 2) {
        uint32_t w = get16(&r, STACK - 14 + (uint32_t)i);
        frame[i] = (uint8_t)(w >> 8);
        frame[i + 1] = (uint8_t)w;
    }
    if (at + 4 < RAM) {
        assert_int_equal(r.s->pc, at + 6);
        assert_int_equal(r.s->a[7], STACK);
    } else {
        assert_int_equal(r.s->c.last_vector, 2);
        assert_int_equal(r.s->a[7], STACK - 14);
    }
    rm(&r);
}
static void test_edge_fetch(void **st) {
    (void)st;
    uint32_t d0, d0c;
    uint8_t f[14], fc[14];
    /* the whole instruction in RAM, in the last 10 bytes and before them */
    for (uint32_t at = RAM - 16; at <= RAM - 6; at += 2) {
        edge_run("68000", false, at, &d0, f);
        assert_int_equal(d0, 0x12345678);
    }
    /* the second extension word past RAM: a bus error at its fetch */
    edge_run("68000", false, RAM - 4, &d0, f);
    edge_run("68000", true, RAM - 4, &d0c, fc);
    assert_int_equal(d0, 0);
    assert_int_equal(f[2] << 24 | f[3] << 16 | f[4] << 8 | f[5], RAM); /* access address */
    assert_int_equal(f[6] << 8 | f[7], 0x203C);                       /* instruction register */
    assert_int_equal(f[1] & 0x17, 0x16);                               /* read, supervisor program */
    assert_memory_equal(f, fc, 14);                                    /* as the checking loop */
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_divide_by_zero),
        cmocka_unit_test(test_interrupt_priority),
        cmocka_unit_test(test_trace),
        cmocka_unit_test(test_stop_idle),
        cmocka_unit_test(test_68010_move_from_sr),
        cmocka_unit_test(test_movec_vbr),
        cmocka_unit_test(test_rte_format_error),
        cmocka_unit_test(test_bus_error),
        cmocka_unit_test(test_intercept),
        cmocka_unit_test(test_intercept_stale_save),
        cmocka_unit_test(test_exit_set),
        cmocka_unit_test(test_branch_to_self),
        cmocka_unit_test(test_decode),
        cmocka_unit_test(test_decode_flow),
        cmocka_unit_test(test_regs),
        cmocka_unit_test(test_reset),
        cmocka_unit_test(test_no_hang),
        cmocka_unit_test(test_trace_after_trap),
        cmocka_unit_test(test_traced_branch_to_self),
        cmocka_unit_test(test_68010_misc),
        cmocka_unit_test(test_edge_fetch),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
