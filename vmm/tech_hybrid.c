/* tech_hybrid.c - Popek & Goldberg's hybrid virtual machine (Theorem 3).
 *
 * Every instruction the guest executes in virtual supervisor mode is
 * interpreted: executed by the monitor on the virtual context, which holds
 * the guest's privileged state and runs at the real CPU's most privileged
 * level, so that an instruction that would leak when run deprivileged (the
 * 68000's MOVE from SR) reads the virtual state instead. Virtual user mode
 * runs directly on the real CPU as under trap-and-emulate, whose trap
 * handling it shares. The price: every supervisor instruction costs an
 * interpretation (vl_vmm_stats.interpreted, cost "interpret").
 *
 * The interpreter executes one instruction at a time, so that it hands the
 * guest back to the real CPU right after the instruction that leaves
 * supervisor mode; while it runs, the virtual context is the machine's
 * running CPU (vl_vm_enter_virtual): the devices count its instructions and
 * drive its interrupt line, which it takes itself. Its exceptions are the
 * guest's own (the virtual context runs without intercept); an exception
 * with no handler ends the run as natively. */
#include "vmm/vmm.h"
#include <stdlib.h>

typedef struct hybrid_state {
    bool in_monitor;  /* the guest's context is with the monitor (interpreting or trapped) */
    bool interp_stop; /* the last run's stop came from the interpreter */
} hybrid_state;

static int attach(vl_vm *vm, char *err, size_t errsz) {
    if (!vm->virt->trap || !(vm->virt->techniques & 1u << VL_TECH_HYBRID)) {
        vl_seterr(err, errsz, "technique hybrid: the %s glue does not support it", vm->virt->isa);
        return -1;
    }
    if (!(vm->tstate = calloc(1, sizeof(hybrid_state)))) {
        vl_seterr(err, errsz, "out of memory");
        return -1;
    }
    return 0;
}

static void detach(vl_vm *vm) {
    free(vm->tstate);
    vm->tstate = NULL;
}

static bool left_supervisor(vl_vm *vm) { return vm->virt->priv_get(vm) != 0; }

static vl_stop run(vl_vm *vm, uint64_t n) {
    hybrid_state *h = vm->tstate;
    if (vm->virt->priv_get(vm) != 0) {
        /* virtual user mode: directly on the real CPU */
        if (h->in_monitor) vm->st.world_switches++;
        h->in_monitor = false;
        h->interp_stop = false;
        return vl_vm_run_real(vm, n);
    }
    if (!h->in_monitor) vm->st.world_switches++;
    h->in_monitor = true;
    h->interp_stop = true;
    return vl_interp_run(vm, n, left_supervisor);
}

static int on_trap(vl_vm *vm, const vl_stop *s, vl_stop *out) {
    hybrid_state *h = vm->tstate;
    if (h->interp_stop) {
        /* the guest's own exception had no handler: as on the bare machine */
        *out = *s;
        return -1;
    }
    /* a trap of the real CPU in virtual user mode: into the monitor, which
     * handles it as trap-and-emulate does; the way back is counted when the
     * guest next runs directly */
    uint64_t ws = vm->st.world_switches;
    int rc = vl_vm_trap_emulate(vm, s, out);
    if (vm->st.world_switches != ws) {
        vm->st.world_switches = ws + 1;
        h->in_monitor = true;
    }
    return rc;
}

const vl_technique vl_tech_hybrid = {
    .id = VL_TECH_HYBRID,
    .name = "hybrid",
    .summary = "every virtual-supervisor instruction is interpreted; virtual user mode runs directly",
    .theorem = 3,
    .attach = attach,
    .detach = detach,
    .run = run,
    .on_trap = on_trap,
};
