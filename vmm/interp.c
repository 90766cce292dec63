/* interp.c - the interpreter: a trapped privileged instruction issued in
 * virtual supervisor mode is executed on the VM's second CPU context, which
 * holds the guest's virtual privileged state, through the same core; an
 * exception the guest must see is raised on that context. Both copy the
 * guest's user-visible state in first and the result back after, with the
 * glue mapping the (possibly changed) virtual privileged state onto the real
 * CPU, which stays deprivileged.
 *
 * The virtual context runs with intercept off: whatever the instruction does
 * to the guest (a format error on RTE, an address error on its operand, a
 * trace after it) happens architecturally there, into the guest's own vector
 * table and onto its own supervisor stack. */
#include "vmm/vmm.h"

/* The guest's state onto the virtual context, which then runs without
 * intercept or exit controls: what it raises, it takes. */
static void to_virtual_context(vl_vm *vm) {
    vl_cpu_common *vc = vm->vctx;
    vm->virt->to_virtual(vm);
    vc->intercept = false;
    vc->exit_set = 0;
    vc->exit_forms = vc->exc_exits = NULL;
    vc->stop_on_null_vector = vm->stop_on_null_vector;
}

vl_stop vl_interp_run(vl_vm *vm, uint64_t n, bool (*done)(vl_vm *vm)) {
    vl_cpu_common *vc = vm->vctx;
    to_virtual_context(vm);
    vl_vm_enter_virtual(vm);
    uint64_t start = vc->icount;
    vl_stop r = { .reason = VLAB_STOP_BUDGET, .vector = -1 };
    while (vc->icount - start < n) {
        r = vm->ops->run(vm->vctx, 1);
        if (r.reason == VLAB_STOP_NONE) r.reason = VLAB_STOP_BUDGET;
        /* a timer armed by the interpreted instruction: back to the run
         * loop, which starts a new slice at the deadline */
        if (r.reason != VLAB_STOP_BUDGET || done(vm) || vm->m->timer_armed) break;
    }
    vm->st.interpreted += vc->icount - start;
    vl_vm_leave_virtual(vm);
    vm->virt->to_real(vm);
    return r;
}

vl_stop vl_interp_emulate(vl_vm *vm, const vl_trap *t) {
    to_virtual_context(vm);
    /* the interrupt line as it is: no interrupt can be taken before the
     * instruction (the real CPU would have stopped for it first), and one
     * the instruction acknowledges is lowered for the real CPU too */
    vl_vm_enter_virtual(vm);
    vl_stop r = vm->ops->run(vm->vctx, 1);
    vl_vm_leave_virtual(vm);
    if (r.reason == VLAB_STOP_NONE) r.reason = VLAB_STOP_BUDGET;
    if (r.reason == VLAB_STOP_EXCEPTION) {
        /* the guest has no handler for what its instruction raised: the
         * virtual context stopped before side effects, at that instruction */
        r.pc = t->pc;
    }
    vm->virt->to_real(vm);
    return r;
}

int vl_interp_reflect(vl_vm *vm, vl_trap *t) {
    vl_cpu_common *vc = vm->vctx, *rc_ = vm->real;
    vm->virt->to_virtual(vm);
    vc->intercept = false;
    /* the interrupt line as it is now, not as the last interpretation left
     * it: building the frame looks at it (the 68000 forgets its level-7
     * edge when it sees the line low, and would take the NMI again) */
    vc->irq_level = rc_->irq_level;
    vc->irq_vector = rc_->irq_vector;
    int rc = vm->virt->trap->reflect(vm, t);
    if (rc == 0 && t->retire) vm->m->cc->icount++;
    vm->virt->to_real(vm);
    return rc;
}
