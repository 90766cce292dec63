/* tech_hw.c - hardware assist, VT-x / SVM style ("hw-assist").
 *
 * The guest's most privileged mode runs at the real CPU's most privileged
 * level, with its own state on the real CPU (non-root mode: its own modes,
 * stacks, vectors and tables); the glue (vl_virt_hw) keeps only the bits
 * the monitor owns at the host's values there, and the guest's values of
 * them (the read shadows) in the virtual context. What sends control to
 * the monitor is the exit set: instruction forms (decode-table entries,
 * not declared classes: a wrong set shows up in the sweep as a leak) and
 * an exception bitmap, both installed on the real CPU (core/core.h
 * exit_forms, exc_exits). An exit is handled as a trap is under
 * trap-and-emulate, on the virtual context, which holds the guest's true
 * state, and counted by reason (vl_vmm_stats.exit_reasons).
 *
 * Flavours: svm accepts a guest in any mode. vt (first-generation VT-x)
 * cannot run a guest the glue says non-root mode cannot hold (x86 real
 * mode, paging off): the monitor interprets it one instruction at a time
 * on the virtual context, as the hybrid monitor does, until it can
 * (stats.interpreted, one "mode" exit per stretch). On ISAs whose glue has
 * no such restriction the flavours behave the same. */
#include "vmm/vmm.h"
#include <stdlib.h>
#include <string.h>

typedef struct hw_state {
    int flavour;          /* enum vl_hw_flavour */
    int nforms;
    uint8_t *forms;       /* the exit set by form: nforms bits */
    uint8_t exc[VL_EXC_BITMAP_BYTES];
    bool interpreting;    /* vt: the last run interpreted the guest */
} hw_state;

static void set_bit(uint8_t *b, unsigned i, bool on) {
    if (on) b[i >> 3] |= (uint8_t)(1u << (i & 7));
    else b[i >> 3] &= (uint8_t)~(1u << (i & 7));
}

/* The exit controls on the real CPU (the sweep restores whole contexts, a
 * reset clears nothing of them: installed before every run). */
static void install(vl_vm *vm) {
    const struct hw_state *h = vm->tstate;
    vl_cpu_common *rc = vm->real;
    rc->intercept = true;
    rc->exit_forms = h->forms;
    rc->exc_exits = h->exc;
}

static int attach(vl_vm *vm, char *err, size_t errsz) {
    const vl_virt_hw *hw = vm->virt->hw;
    if (!hw || !vm->virt->trap || !(vm->virt->techniques & 1u << VL_TECH_HW_ASSIST)) {
        vl_seterr(err, errsz, "technique hw-assist: the %s glue does not support it (not built yet)", vm->virt->isa);
        return -1;
    }
    hw_state *h = calloc(1, sizeof *h);
    int n = hw->nforms(vm->variant);
    if (h) h->forms = calloc((size_t)n / 8 + 1, 1);
    if (!h || !h->forms) {
        if (h) free(h);
        vl_seterr(err, errsz, "out of memory");
        return -1;
    }
    h->nforms = n;
    h->flavour = VL_HW_SVM;
    hw->defaults(vm->variant, h->forms, h->exc);
    vm->tstate = h;
    install(vm);
    return 0;
}

static void detach(vl_vm *vm) {
    hw_state *h = vm->tstate;
    if (h) free(h->forms);
    free(h);
    vm->tstate = NULL;
}

/* vt: the guest in a mode non-root cannot hold is interpreted until it can */
static bool vt_can_enter(vl_vm *vm) { return vm->virt->hw->vt_runnable(vm); }

static vl_stop run(vl_vm *vm, uint64_t n) {
    hw_state *h = vm->tstate;
    const vl_virt_hw *hw = vm->virt->hw;
    install(vm);
    if (h->flavour == VL_HW_VT && hw->vt_runnable && !hw->vt_runnable(vm)) {
        if (!h->interpreting) {
            /* VM entry fails: the monitor takes the guest over */
            vm->st.exits++;
            vm->st.exit_reasons[VL_EXIT_MODE]++;
        }
        h->interpreting = true;
        return vl_interp_run(vm, n, vt_can_enter);
    }
    h->interpreting = false;
    if (hw->pending) {
        int v = hw->pending(vm);
        if (v >= 0) {
            /* the monitor took the interrupt (the real CPU runs with the
             * host's mask): injected on the way back in */
            vl_trap t = { .action = VL_ACT_REFLECT, .vector = v, .pc = vl_vm_pc(vm), .between = true };
            vl_stop out;
            if (vl_vm_exit_emulate(vm, &t, VL_EXIT_INTERRUPT, &out) < 0) return out;
        }
    }
    return vl_vm_run_real(vm, n);
}

/* An exception of the bitmap: interrupts and trace are raised on the
 * virtual context, anything an instruction caused is executed again there
 * (trap-and-emulate's classification, from the glue). */
static int on_trap(vl_vm *vm, const vl_stop *s, vl_stop *out) {
    hw_state *h = vm->tstate;
    if (h->interpreting) {
        /* the guest's own exception had no handler: as on the bare machine */
        *out = *s;
        return -1;
    }
    unsigned idx = s->vector >= 0 ? (unsigned)s->vector >> vm->ops->exc_shift : 256;
    if (idx > 255 || !vl_bit(h->exc, idx)) {
        /* not an exit: the real CPU took the guest's exception itself and
         * found no handler (vector entry 0): as on the bare machine */
        *out = *s;
        return -1;
    }
    vl_trap t = { .code = s->code, .addr = s->addr, .flags = s->flags };
    vm->virt->trap->classify(vm, s, &t);
    if (t.action == VL_ACT_STOP) {
        *out = *s;
        return -1;
    }
    return vl_vm_exit_emulate(vm, &t, t.between ? VL_EXIT_INTERRUPT : VL_EXIT_EXCEPTION, out);
}

/* A form of the exit set: executed on the virtual context. */
static int hw_on_exit(vl_vm *vm, const vl_stop *s, vl_stop *out) {
    const vl_virt_hw *hw = vm->virt->hw;
    vl_trap t = { .action = VL_ACT_EMULATE, .vector = -1, .pc = s->pc };
    int reason = hw->exit_reason ? hw->exit_reason(vm, s) : VL_EXIT_INSTRUCTION;
    return vl_vm_exit_emulate(vm, &t, reason, out);
}

static int check(vl_vm *vm, char *why, size_t whysz) {
    hw_state *h = vm->tstate;
    vl_cpu_common *rc = vm->real;
    if (rc->exit_forms && rc->exit_forms != h->forms) {
        vl_seterr(why, whysz, "real CPU runs with another exit set");
        return -1;
    }
    if (rc->exc_exits && rc->exc_exits != h->exc) {
        vl_seterr(why, whysz, "real CPU runs with another exception bitmap");
        return -1;
    }
    return 0;
}

const vl_technique vl_tech_hw_assist = {
    .id = VL_TECH_HW_ASSIST,
    .name = "hw-assist",
    .summary = "the guest runs in non-root mode at its own privilege level; an exit set by form sends control to the monitor",
    .attach = attach,
    .detach = detach,
    .run = run,
    .on_trap = on_trap,
    .on_exit = hw_on_exit,
    .check = check,
};

/* ---- the controls -------------------------------------------------------------- */

int vl_hw_flavour_find(const char *name) {
    if (!name) return -1;
    if (!strcmp(name, "svm")) return VL_HW_SVM;
    if (!strcmp(name, "vt")) return VL_HW_VT;
    return -1;
}

const char *vl_hw_flavour_name(int f) { return f == VL_HW_VT ? "vt" : f == VL_HW_SVM ? "svm" : "?"; }

static hw_state *hw_of(vl_vm *vm, char *err, size_t errsz) {
    if (vm->technique != VL_TECH_HW_ASSIST || !vm->tstate) {
        vl_seterr(err, errsz, "not a hw-assist VM (technique %s)", vl_technique_name(vm->technique));
        return NULL;
    }
    return vm->tstate;
}

int vl_hw_set_flavour(vl_vm *vm, int flavour, char *err, size_t errsz) {
    hw_state *h = hw_of(vm, err, errsz);
    if (!h) return -1;
    if (flavour != VL_HW_SVM && flavour != VL_HW_VT) {
        vl_seterr(err, errsz, "unknown flavour %d (known: svm, vt)", flavour);
        return -1;
    }
    h->flavour = flavour;
    return 0;
}

int vl_hw_flavour(const vl_vm *vm) {
    if (vm->technique != VL_TECH_HW_ASSIST || !vm->tstate) return -1;
    return ((const hw_state *)vm->tstate)->flavour;
}

int vl_hw_exit_form(vl_vm *vm, const char *mnemonic, bool on, char *err, size_t errsz) {
    hw_state *h = hw_of(vm, err, errsz);
    if (!h) return -1;
    int n = 0;
    for (int f = 0; f < h->nforms; f++) {
        const char *mn = vm->virt->hw->form_mnemonic(vm->variant, f);
        if (!mn || strcmp(mn, mnemonic) != 0) continue;
        set_bit(h->forms, (unsigned)f, on);
        n++;
    }
    if (!n) {
        vl_seterr(err, errsz, "no instruction '%s' on the %s", mnemonic, vm->m->desc->model);
        return -1;
    }
    return n;
}

int vl_hw_exit_exception(vl_vm *vm, int vector, bool on, char *err, size_t errsz) {
    hw_state *h = hw_of(vm, err, errsz);
    if (!h) return -1;
    int shift = vm->ops->exc_shift;
    if (vector < 0 || (vector >> shift) > 255 || (vector & ((1 << shift) - 1))) {
        vl_seterr(err, errsz, "no exception vector %d on the %s", vector, vm->m->desc->model);
        return -1;
    }
    set_bit(h->exc, (unsigned)(vector >> shift), on);
    return 0;
}

int vl_hw_exit_list(vl_vm *vm, void (*fn)(void *ctx, const char *mnemonic, int vector), void *ctx) {
    hw_state *h = hw_of(vm, NULL, 0);
    if (!h) return -1;
    const char *last = NULL;
    for (int f = 0; f < h->nforms; f++) {
        if (!vl_bit(h->forms, (unsigned)f)) continue;
        const char *mn = vm->virt->hw->form_mnemonic(vm->variant, f);
        if (!mn) continue;
        /* each mnemonic once: forms of one mnemonic are listed together or
         * compared with every one before */
        bool seen = last && !strcmp(last, mn);
        for (int g = 0; g < f && !seen; g++) {
            const char *o = vl_bit(h->forms, (unsigned)g) ? vm->virt->hw->form_mnemonic(vm->variant, g) : NULL;
            if (o && !strcmp(o, mn)) seen = true;
        }
        if (!seen) fn(ctx, mn, -1);
        last = mn;
    }
    for (unsigned i = 0; i < 256; i++)
        if (vl_bit(h->exc, i)) fn(ctx, NULL, (int)(i << vm->ops->exc_shift));
    return 0;
}
