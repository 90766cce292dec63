/* tech_pv.c - paravirtualization ("paravirt").
 *
 * Trap-and-emulate, plus a hypercall interface: a paravirtualized guest
 * kernel asks the monitor for what it would otherwise do with a sensitive
 * instruction (read or set its status and interrupt mask, load its table
 * bases, acknowledge the timer, write the console, idle, its other stack).
 * The hypercall is one instruction of each ISA that traps on the real CPU
 * in every mode (the glue's vl_virt_pv.decode finds it); the monitor serves
 * it without decoding and executing a privileged instruction on the virtual
 * context, hence its smaller cost (trap + hypercall, against trap +
 * emulate). Anything else, a kernel that is not paravirtualized included,
 * falls back to trap-and-emulate; a hypercall from the guest's user mode,
 * or an encoding that is not a hypercall, raises there what it raises
 * natively (an illegal-instruction class exception), reflected. */
#include "vmm/vmm.h"
#include <stdio.h>

static int attach(vl_vm *vm, char *err, size_t errsz) {
    if (!vm->virt->pv || !vm->virt->trap || !(vm->virt->techniques & 1u << VL_TECH_PARAVIRT)) {
        vl_seterr(err, errsz, "technique paravirt: the %s glue has no hypercall interface", vm->virt->isa);
        return -1;
    }
    return 0;
}

const char *vl_hypercall_name(int nr) {
    static const char *const names[VL_HC_COUNT] = { "get_status", "set_mask",    "get_mask",  "set_vector_base",
                                                    "set_page_table", "ack_timer", "console_out", "idle",
                                                    "flush_tlb", "get_stack", "set_stack" };
    return nr >= 0 && nr < VL_HC_COUNT ? names[nr] : "?";
}

/* The calls every ISA's devices answer the same way: the machine's device
 * registers, in the MMIO window or the port space. */
static int device_call(vl_vm *vm, int nr, uint32_t val) {
    vl_machine *m = vm->m;
    uint32_t off;
    if (nr == VL_HC_CONSOLE_OUT) off = VL_MMIO_CONSOLE, val &= 0xFF;
    else if (nr == VL_HC_ACK_TIMER) off = VL_MMIO_TIMER_ACK;
    else return -1;
    if (m->mem.mmio_on) return vl_bus_write(m, m->mem.mmio_base + off, nr == VL_HC_CONSOLE_OUT ? 1 : 4, val) ? 0 : -1;
    uint32_t port = nr == VL_HC_CONSOLE_OUT ? m->desc->io_console : m->desc->io_base + off;
    return vl_io_write(m, port, nr == VL_HC_CONSOLE_OUT ? 1 : 4, val) ? 0 : -1;
}

static bool returns_value(int nr) { return nr == VL_HC_GET_STATUS || nr == VL_HC_GET_MASK || nr == VL_HC_GET_STACK; }

/* One hypercall of the guest's kernel at s->pc: served, the guest goes on
 * after it (it counts as one retired instruction, as an emulated one does). */
static int hypercall(vl_vm *vm, const vl_stop *s, const vl_pv_insn *h) {
    const vl_virt_ops *g = vm->virt;
    uint32_t val = g->reg_get(vm, h->reg), in = val;
    g->to_virtual(vm);
    /* past the hypercall before the call: idle leaves the guest waiting
     * there (a PC set afterwards would end the wait, as a debugger's does) */
    vm->ops->set_pc(vm->vctx, s->pc + h->len);
    int rc = h->nr >= 0 && h->nr < VL_HC_COUNT ? g->pv->call(vm, h, &val) : -1;
    if (rc < 0 && h->nr >= 0 && h->nr < VL_HC_COUNT) rc = device_call(vm, h->nr, in);
    g->to_real(vm);
    if (rc < 0) g->reg_set(vm, h->reg, VL_HC_UNSUPPORTED);
    else if (returns_value(h->nr)) g->reg_set(vm, h->reg, val);
    ((vl_cpu_common *)vm->real)->icount++;
    vm->st.hypercalls++;
    vm->st.world_switches += 2; /* into the monitor and back, as for a trap */
    if (vm->on_trap) {
        snprintf(vm->insn, sizeof vm->insn, "hypercall %s", vl_hypercall_name(h->nr));
        vm->insn_done = true; /* what vl_vm_trap_insn gives */
        vl_trap_event ev = { VL_TRAP_HYPERCALL, s->vector, s->pc, vm->insn, -1, -1, h->nr };
        if (vm->on_trap(vm->on_trap_ctx, &ev)) vm->trap_stop = true;
    }
    return 0;
}

static int on_trap(vl_vm *vm, const vl_stop *s, vl_stop *out) {
    vl_pv_insn h = { 0 };
    if (s->reason == VLAB_STOP_EXCEPTION && vm->virt->pv->decode(vm, s, &h) == 1 && vm->virt->priv_get(vm) == 0)
        return hypercall(vm, s, &h);
    return vl_vm_trap_emulate(vm, s, out);
}

const vl_technique vl_tech_paravirt = {
    .id = VL_TECH_PARAVIRT,
    .name = "paravirt",
    .summary = "trap-and-emulate plus hypercalls: a paravirtualized kernel calls the monitor instead of trapping",
    .attach = attach,
    .run = vl_vm_run_real,
    .on_trap = on_trap,
    .no_sweep = "it needs a paravirtualized guest (a kernel that calls the monitor instead of executing "
                "sensitive instructions); the sweep's instruction forms are not one, and unpatched they run as under "
                "trap-and-emulate",
};
