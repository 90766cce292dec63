/* virt.c - how the monitor maps the 68000/68010's virtual privileged state
 * onto the real CPU (DESIGN §3, vmm/vmm.h vl_virt_ops).
 *
 * Two contexts per VM, both m68k_cpu on the guest's memory:
 *   real  runs the guest, always in user mode, intercept on;
 *   vctx  holds the guest's virtual privileged state: SR system byte (T, S,
 *         mask), USP and SSP, VBR, SFC, DFC. Its general registers are only
 *         meaningful while the interpreter uses it.
 *
 * The mapping:
 *   - real A7 (the real USP: the real CPU is in user mode) is the guest's
 *     *active* stack pointer: the guest's SSP while it is in virtual
 *     supervisor mode, its USP in virtual user mode. The inactive one lives
 *     in vctx. Since the interpreter executes RTE, MOVE to SR, STOP... on
 *     vctx, whose SR write banks A7 like the chip, the swap on a virtual mode
 *     change comes out of the core itself; to_real copies the new active A7.
 *   - real SR = T and interrupt mask of the guest's virtual SR, S = 0, and the
 *     guest's own CCR. The real mask being the guest's virtual mask, the real
 *     CPU takes (and, intercepting, hands to the monitor) exactly the
 *     interrupts the guest allows, after the same instruction as natively.
 *   - real SSP, VBR, SFC, DFC are the monitor's: its vector table (every
 *     entry the monitor's entry point) and its stack live in the VM's
 *     monitor region, which no guest address reaches; values the guest can
 *     neither see nor change (checked by vl_virt_ops.check).
 *
 * Hybrid: the virtual context, in supervisor mode, is where the monitor's
 * interpreter runs the guest's supervisor mode (vmm/tech_hybrid.c); the
 * mapping above is all it needs from this glue.
 *
 * On the 68010 MOVE from SR is privileged: it traps, executes on vctx and
 * stores the virtual SR with S = 1. On the 68000 it is not: it runs directly
 * and reads the real SR, S = 0. That is the leak; the monitor does not hide it.
 *
 * Hardware assist (a "what if": vmm/tech_hw.c), the mapping is another:
 *   - the real CPU holds the guest's whole state, in the guest's own mode:
 *     S, T, CCR, USP, SSP, VBR, SFC, DFC are the guest's (non-root mode);
 *   - the monitor owns the SR interrupt mask, as VT's external-interrupt
 *     exiting lets the host take every interrupt: the real mask is the
 *     host's (7), the guest's mask (its read shadow) is in vctx. The monitor
 *     injects an interrupt the guest's mask allows before the guest runs on
 *     (hw.pending); interrupts are raised only at slice boundaries and mask
 *     changes only in exiting instructions, so it lands after the same
 *     instruction as natively;
 *   - the default exit set: MOVE from SR (it would read the host's mask),
 *     MOVE to SR, ANDI/ORI/EORI to SR, RTE, STOP (they write the mask), and
 *     every exception (each one stacks SR, mask included): a guest that
 *     reads its SR reads the shadow, with S = 1 - no leak "without any
 *     software trickery". Take MOVE from SR out of the exit set and the
 *     68000's sweep shows the leak again (the host's mask). */
#include "isa/m68k/m68k.h"
#include "vmm/vmm.h"
#include <stdio.h>
#include <string.h>

#define SR_T 0x8000u
#define SR_S 0x2000u
#define SR_MASK 0x0700u
#define SR_SYS (SR_T | SR_S | SR_MASK)

/* The monitor's own real privileged state, recorded at reset (vm->glue). */
typedef struct glue_state {
    uint32_t ssp, vbr, sfc, dfc;
} glue_state;
/* In the monitor region: the monitor's vector table at its start, the entry
 * point all its vectors name after it, its stack at its end. */
#define MON_ENTRY_OFF 0x400u

static m68k_cpu *R(vl_vm *vm) { return (m68k_cpu *)vm->real; }
static m68k_cpu *V(vl_vm *vm) { return (m68k_cpu *)vm->vctx; }
static bool hw(const vl_vm *vm) { return vm->technique == VL_TECH_HW_ASSIST; }
/* hw-assist: the real SR's interrupt mask is the host's */
#define HOST_MASK SR_MASK

/* hw-assist: the whole guest state from one context to the other; the
 * mask stays the destination's (real: the host's, vctx: the guest's). */
static void copy_all(m68k_cpu *dst, const m68k_cpu *src, uint16_t mask) {
    memcpy(dst->d, src->d, M68K_SNAP_BYTES);
    dst->sr = (uint16_t)((src->sr & ~SR_MASK) | mask);
    dst->stopped = src->stopped;
    dst->halted = src->halted;
    dst->trace_pending = src->trace_pending;
    dst->nmi_seen = src->nmi_seen;
    dst->ir = src->ir;
    dst->c.icount = src->c.icount;
    m68k_update_ithresh(dst);
}

static void copy_user(m68k_cpu *dst, const m68k_cpu *src) {
    memcpy(dst->d, src->d, sizeof dst->d);
    memcpy(dst->a, src->a, sizeof dst->a); /* a[7]: the guest's active stack pointer */
    dst->pc = src->pc;
    dst->fx = src->fx;
    dst->fn = src->fn;
    dst->fz = src->fz;
    dst->fv = src->fv;
    dst->fc = src->fc;
}

/* real -> vctx: the guest's user-visible state (and its waiting state). */
static void to_virtual(vl_vm *vm) {
    m68k_cpu *r = R(vm), *v = V(vm);
    if (hw(vm)) {
        copy_all(v, r, v->sr & SR_MASK);
        return;
    }
    copy_user(v, r);
    v->stopped = r->stopped;
    v->halted = r->halted;
    v->trace_pending = r->trace_pending;
    v->nmi_seen = r->nmi_seen;
    v->c.icount = r->c.icount;
    /* the first word of the last instruction: a group-0 frame the virtual
     * context builds (an address error while vectoring) stacks it */
    v->ir = r->ir;
}

/* vctx -> real: the result, and the virtual privileged state mapped onto the
 * real CPU, deprivileged. */
static void to_real(vl_vm *vm) {
    m68k_cpu *r = R(vm), *v = V(vm);
    if (hw(vm)) {
        copy_all(r, v, HOST_MASK);
        return;
    }
    copy_user(r, v);
    /* T and mask from the virtual SR; S = 0: the real CPU stays in user mode,
     * so real a[7] is the real USP and the monitor's SSP stays put */
    r->sr = (uint16_t)(v->sr & (SR_T | SR_MASK));
    r->stopped = v->stopped;
    r->halted = v->halted;
    r->trace_pending = v->trace_pending;
    r->nmi_seen = v->nmi_seen;
    r->ir = v->ir; /* (to_virtual) whichever context ran the last instruction */
    m68k_update_ithresh(r);
}

static void reset(vl_vm *vm) {
    m68k_cpu *r = R(vm), *v = V(vm);
    /* the machine's reset has put the real CPU where the guest starts
     * (supervisor mode, SSP and PC from vectors 0 and 1): that becomes the
     * guest's virtual state */
    copy_user(v, r);
    v->sr = (uint16_t)(m68k_get_sr(r) & SR_SYS);
    v->usp = r->usp;
    v->ssp = r->ssp;
    v->vbr = r->vbr;
    v->sfc = r->sfc;
    v->dfc = r->dfc;
    v->a[7] = r->a[7];
    v->stopped = r->stopped;
    v->halted = r->halted;
    v->trace_pending = false;
    m68k_update_ithresh(v);
    if (hw(vm)) {
        /* non-root mode: the guest's own state, the host's mask */
        copy_all(r, v, HOST_MASK);
        return;
    }
    /* deprivilege the real CPU: user mode, the guest's SSP in the real USP;
     * the real supervisor state is the monitor's, in its region */
    vl_mem *mem = &vm->m->mem;
    uint32_t gsp = r->a[7];
    r->sr = (uint16_t)(v->sr & (SR_T | SR_MASK));
    r->a[7] = gsp;
    r->usp = gsp;
    r->ssp = mem->mon_base + mem->mon_size;
    r->vbr = mem->mon_base;
    r->sfc = r->dfc = 0;
    r->trace_pending = false;
    m68k_update_ithresh(r);
    uint8_t *table = vl_mon_host(vm->m, r->vbr, 256 * 4);
    if (table)
        for (int i = 0; i < 256; i++) vl_put_be32(table + 4 * i, mem->mon_base + MON_ENTRY_OFF);
    glue_state *g = vm->glue;
    g->ssp = r->ssp;
    g->vbr = r->vbr;
    g->sfc = r->sfc;
    g->dfc = r->dfc;
}

static bool is_interrupt(int vector) { return vector >= 24 && vector <= 31; }

/* Interrupts and trace happen between instructions: the monitor raises them
 * on the virtual context. Everything else was caused by an instruction: the
 * interpreter executes that instruction on the virtual context, in the
 * guest's virtual mode, so that a privileged one in virtual supervisor mode
 * completes (emulated) and anything else raises, with exactly the side
 * effects it has on the bare machine (CHK and DIVU flags, partial address
 * error updates...), the exception the guest must see (reflected). */
static void classify(vl_vm *vm, const vl_stop *st, vl_trap *t) {
    (void)vm;
    t->vector = st->vector;
    t->pc = st->pc;
    t->retire = false;
    t->between = false;
    if (st->reason != VLAB_STOP_EXCEPTION || st->vector < 0 || st->vector > 255) {
        t->action = VL_ACT_STOP;
        return;
    }
    if (is_interrupt(st->vector) || st->vector == 9) {
        t->action = VL_ACT_REFLECT;
        t->between = true;
        return;
    }
    t->action = VL_ACT_EMULATE;
}

static int reflect(vl_vm *vm, vl_trap *t) {
    m68k_cpu *v = V(vm);
    int vec = t->vector;
    uint32_t handler = 0;
    m68k_mem_refresh(v);
    if (vm->stop_on_null_vector && m68k_vector_entry(v, vec, &handler) && handler == 0) return -1;
    /* classify reflects only what happens between instructions */
    if (!is_interrupt(vec) && vec != 9) return -1;
    if (vec == 9) v->trace_pending = false;
    v->insn_pc = t->pc;
    /* stacked PC: the next instruction; an interrupt sets the mask and wakes a STOP */
    vm->ops->raise(v, vec, 0, 0);
    return 0;
}

/* under hw-assist the real CPU has the guest's mode */
static int priv_get(vl_vm *vm) { return ((hw(vm) ? R(vm) : V(vm))->sr & SR_S) ? 0 : 3; }

static void priv_set(vl_vm *vm, int level) {
    m68k_cpu *v = V(vm);
    to_virtual(vm);
    uint16_t sr = (uint16_t)(m68k_get_sr(v) & ~SR_S);
    if (level == 0) sr |= SR_S;
    m68k_set_sr(v, sr); /* banks A7 like the chip */
    to_real(vm);
}

static uint32_t reg_get(vl_vm *vm, int id) {
    to_virtual(vm); /* vctx now holds the whole guest view */
    return m68k_reg_get(V(vm), id);
}

static void reg_set(vl_vm *vm, int id, uint32_t val) {
    to_virtual(vm);
    m68k_reg_set(V(vm), id, val);
    m68k_update_ithresh(V(vm));
    to_real(vm);
}

static int check(vl_vm *vm, char *why, size_t whysz) {
    m68k_cpu *r = R(vm), *v = V(vm);
    const glue_state *g = vm->glue;
    const char *bad = NULL;
    if (hw(vm)) {
        if ((r->sr & SR_MASK) != HOST_MASK) bad = "real interrupt mask is not the host's";
        else if (!r->c.intercept || !r->c.exit_forms) bad = "real CPU without its exit controls";
    } else if (r->sr & SR_S) bad = "real CPU in supervisor mode";
    else if (!r->c.intercept) bad = "real CPU without intercept";
    else if (r->ssp != g->ssp) bad = "real SSP changed";
    else if (r->vbr != g->vbr) bad = "real VBR changed";
    else if (!vl_mon_host(vm->m, r->vbr, 256 * 4)) bad = "real vector table outside the monitor region";
    else if (r->sfc != g->sfc || r->dfc != g->dfc) bad = "real SFC/DFC changed";
    else if ((r->sr & (SR_T | SR_MASK)) != (v->sr & (SR_T | SR_MASK))) bad = "real T/mask differ from the virtual SR";
    else if (r->sr & ~(SR_T | SR_MASK)) bad = "real SR has stray bits";
    if (bad) {
        if (why) snprintf(why, whysz, "%s (real SR %04x, virtual SR %04x)", bad, m68k_get_sr(r), m68k_get_sr(v));
        return -1;
    }
    return 0;
}

static const vl_virt_trap trap = { .classify = classify, .reflect = reflect };

/* ---- hw-assist ------------------------------------------------------------------ */

static int hw_nforms(int variant) {
    (void)variant;
    return m68k_ninsns;
}

static const char *hw_form_mnemonic(int variant, int form) {
    if (form < 0 || form >= m68k_ninsns) return NULL;
    const m68k_insn *in = &m68k_insns[form];
    if (!(in->models & (variant == M68K_68010 ? M68K_ON_010 : M68K_ON_000))) return NULL;
    return m68k_op_titles[in->op];
}

/* What reads or writes the mask, and every exception (each stacks SR). */
static void hw_defaults(int variant, uint8_t *forms, uint8_t *exc) {
    (void)variant;
    for (int f = 0; f < m68k_ninsns; f++) {
        switch (m68k_insns[f].op) {
        case M68K_OP_MOVE_FROM_SR: case M68K_OP_MOVE_TO_SR: case M68K_OP_ANDI_SR: case M68K_OP_ORI_SR:
        case M68K_OP_EORI_SR: case M68K_OP_RTE: case M68K_OP_STOP:
            forms[f >> 3] |= (uint8_t)(1u << (f & 7));
            break;
        default: break;
        }
    }
    memset(exc, 0xFF, VL_EXC_BITMAP_BYTES);
}

/* A level above the guest's mask: the real CPU, at the host's mask 7,
 * does not see it (level 7 it sees only as an edge, which natively
 * matters only under mask 7: the real CPU then takes it itself, and the
 * bitmap makes it exit). Not while a trace is pending: the chip takes the
 * trace first and the interrupt on top of its frame, and injecting first
 * would drop the trace (entering an exception clears it); the real CPU
 * exits for the trace at once, and the interrupt comes at the next run.
 * Nor once the CPU has halted (a double bus fault, perhaps in the trace's
 * own stacking): only a reset gets it going again. */
static int hw_pending(vl_vm *vm) {
    int lvl = R(vm)->c.irq_level;
    if (lvl <= 0 || lvl > 7 || R(vm)->trace_pending || R(vm)->halted || V(vm)->halted) return -1;
    return lvl > ((V(vm)->sr >> 8) & 7) ? 24 + lvl : -1;
}

static const vl_virt_hw hw_ops = {
    .owned = "the SR interrupt mask (bits 10-8)",
    .nforms = hw_nforms,
    .form_mnemonic = hw_form_mnemonic,
    .defaults = hw_defaults,
    .pending = hw_pending,
};

/* ---- paravirt ------------------------------------------------------------------- */
/* The hypercall: a line-A word 1010 0nnn nnnn rrrr (0xA000-0xA7FF), call n,
 * operand register r (D0-D7, A0-A7: the core's register ids 0-15). Line A
 * is unimplemented on the 68000 and 68010, so it traps in either mode and
 * takes one word; it is the space Apple's 68000 systems gave their own
 * system calls. Words 0xA800-0xAFFF are not hypercalls: they raise the
 * line 1010 exception as natively, as does any line-A word from the
 * guest's user mode. */
#define M68K_VEC_LINE_A 10

static int pv_decode(vl_vm *vm, const vl_stop *s, vl_pv_insn *h) {
    uint8_t b[2];
    if (s->vector != M68K_VEC_LINE_A || vl_vm_read_virt(vm, s->pc, b, 2, true) != 2) return 0;
    unsigned w = (unsigned)b[0] << 8 | b[1];
    if ((w & 0xF800u) != 0xA000u) return 0;
    h->nr = (int)(w >> 4 & 0x7F);
    h->reg = (int)(w & 0xF);
    h->idx = 0;
    h->len = 2;
    return 1;
}

static int pv_call(vl_vm *vm, const vl_pv_insn *h, uint32_t *val) {
    m68k_cpu *v = V(vm);
    uint16_t sr = m68k_get_sr(v);
    switch (h->nr) {
    case VL_HC_GET_STATUS: *val = sr; return 0;
    case VL_HC_GET_MASK: *val = sr >> 8 & 7; return 0;
    case VL_HC_SET_MASK:
    case VL_HC_IDLE:
        m68k_set_sr(v, (uint16_t)((sr & ~SR_MASK) | (*val & 7) << 8));
        if (h->nr == VL_HC_IDLE) v->stopped = true;
        m68k_update_ithresh(v);
        return 0;
    case VL_HC_SET_VECTOR_BASE:
        if (vm->variant != M68K_68010) return -1; /* the 68000's table is at 0 */
        v->vbr = *val;
        return 0;
    case VL_HC_GET_STACK: *val = v->usp; return 0; /* virtual supervisor mode: the USP is the inactive one */
    case VL_HC_SET_STACK: v->usp = *val; return 0;
    default: return -1; /* no MMU: no page table, no TLB; the timer is a device */
    }
}

static const vl_virt_pv pv_ops = {
    .encoding = "line A 0xA000 | call << 4 | register (D0-D7, A0-A7)",
    .decode = pv_decode,
    .call = pv_call,
};

/* Binary translation: the cache in the upper half of the monitor region,
 * below the monitor's stack; scan-and-patch writes ILLEGAL (vector 4),
 * two bytes, the shortest instruction. */
static const uint8_t illegal[2] = { 0x4A, 0xFC };
static const vl_virt_bt bt_ops = {
    .cache_off = 0x8000u, .cache_size = 0x7000u, .patch = illegal, .patch_len = 2,
};

const vl_virt_ops m68k_virt_ops = {
    .isa = "m68k",
    .state_size = sizeof(glue_state),
    .reset = reset,
    .to_real = to_real,
    .to_virtual = to_virtual,
    .priv_get = priv_get,
    .priv_set = priv_set,
    .reg_get = reg_get,
    .reg_get_views = true,
    .reg_set = reg_set,
    .check = check,
    .techniques = 1u << VL_TECH_TRAP_EMULATE | 1u << VL_TECH_HYBRID | 1u << VL_TECH_HW_ASSIST | 1u << VL_TECH_PARAVIRT |
                  1u << VL_TECH_BINARY_TRANSLATION | 1u << VL_TECH_SCAN_PATCH,
    .trap = &trap,
    .hw = &hw_ops,
    .pv = &pv_ops,
    .bt = &bt_ops,
};
