/* tech_trap.c - trap-and-emulate (Popek & Goldberg's monitor, Theorem 1).
 *
 * The guest runs on the real CPU, deprivileged, whatever its virtual mode;
 * every exception of the real CPU comes back to the monitor, which executes
 * a privileged instruction of the guest's virtual supervisor mode on the
 * virtual context (emulated) or delivers to the guest what it must see
 * (reflected). What does not trap runs directly: on an ISA whose sensitive
 * instructions are not all privileged, that is where the guest can tell. */
#include "vmm/vmm.h"

static int attach(vl_vm *vm, char *err, size_t errsz) {
    if (!vm->virt->trap || !(vm->virt->techniques & 1u << VL_TECH_TRAP_EMULATE)) {
        vl_seterr(err, errsz, "technique trap-and-emulate: the %s glue does not support it", vm->virt->isa);
        return -1;
    }
    return 0;
}

const vl_technique vl_tech_trap_emulate = {
    .id = VL_TECH_TRAP_EMULATE,
    .name = "trap-and-emulate",
    .summary = "the guest runs deprivileged on the real CPU; traps are emulated or reflected",
    .theorem = 1,
    .attach = attach,
    .run = vl_vm_run_real,
    .on_trap = vl_vm_trap_emulate,
};
