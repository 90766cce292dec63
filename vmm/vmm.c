/* vmm.c - the dispatcher: VM lifecycle, the run loop that hands every stop
 * of the guest's run to the VM's technique, the trap-and-emulate handling the
 * techniques share, stats and the cost model, several VMs time-sliced.
 *
 * Time is the guest's instruction count, exactly as on a bare machine: the
 * real CPU context's icount counts the instructions run directly and the
 * monitor adds one for each instruction it executes itself (emulated or
 * interpreted), so the guest's timer ticks after the same instruction as
 * natively, and the idle rules (STOP fast-forwards to the timer deadline, a
 * branch to itself is skipped to it) are the bare machine's: both loops use
 * core/run.c. */
#include "vmm/vmm.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Traps in a row without the guest retiring an instruction: the guest is
 * stuck in exception processing (a double fault on real hardware). */
#define NO_PROGRESS_MAX (1u << 21)

const char *vl_trap_kind_name(int kind) {
    switch (kind) {
    case VL_TRAP_EMULATED: return "emulated";
    case VL_TRAP_REFLECTED: return "reflected";
    case VL_TRAP_EXIT: return "exit";
    case VL_TRAP_UNHANDLED: return "unhandled";
    case VL_TRAP_HYPERCALL: return "hypercall";
    default: return "?";
    }
}

/* ---- cost table ------------------------------------------------------------- */

const vl_cost_table vl_cost_defaults = {
    .instruction = 1, .trap = 200, .world_switch = 100, .emulate = 150, .reflect = 200, .interpret = 30,
    .exit = 1500, .scan = 10, .patch = 50, .translate = 50, .callout = 40, .lookup = 10, .hypercall = 50,
    .watch = 550,
};

const char *const vl_cost_names[] = { "instruction", "trap", "world_switch", "emulate", "reflect",
                                      "interpret", "exit", "scan", "patch", "translate", "callout",
                                      "lookup", "hypercall", "watch", NULL };

uint32_t *vl_cost_field(vl_cost_table *t, const char *name) {
    uint32_t *fields[] = { &t->instruction, &t->trap, &t->world_switch, &t->emulate, &t->reflect,
                           &t->interpret, &t->exit, &t->scan, &t->patch,
                           &t->translate, &t->callout, &t->lookup, &t->hypercall, &t->watch };
    if (!name) return NULL;
    for (size_t i = 0; vl_cost_names[i]; i++)
        if (!strcmp(name, vl_cost_names[i])) return fields[i];
    return NULL;
}

/* ---- the monitor ---------------------------------------------------------------- */

vl_vmm *vl_vmm_new(uint64_t ram_limit) {
    vl_vmm *mon = calloc(1, sizeof *mon);
    if (!mon) return NULL;
    mon->refs = 1;
    mon->next_id = 1;
    vl_alloc_init(&mon->alloc, ram_limit);
    return mon;
}

void vl_vmm_retain(vl_vmm *mon) {
    if (mon) mon->refs++;
}

void vl_vmm_release(vl_vmm *mon) {
    if (!mon || --mon->refs > 0) return;
    /* every VM holds a reference, so none is left here */
    vl_alloc_fini(&mon->alloc);
    free(mon->vms);
    free(mon);
}

static int mon_add(vl_vmm *mon, vl_vm *vm) {
    if (mon->nvms == mon->cap) {
        size_t cap = mon->cap ? mon->cap * 2 : 4;
        vl_vm **p = realloc(mon->vms, cap * sizeof *p);
        if (!p) return -1;
        mon->vms = p;
        mon->cap = cap;
    }
    mon->vms[mon->nvms++] = vm;
    return 0;
}

static void mon_remove(vl_vmm *mon, vl_vm *vm) {
    for (size_t i = 0; i < mon->nvms; i++)
        if (mon->vms[i] == vm) {
            memmove(&mon->vms[i], &mon->vms[i + 1], (mon->nvms - i - 1) * sizeof *mon->vms);
            mon->nvms--;
            if (mon->rr > i) mon->rr--;
            break;
        }
}

/* ---- VM lifecycle ----------------------------------------------------------------- */

static bool watch_hit(void *ctx, uint32_t addr, int size) {
    vl_vm *vm = ctx;
    vm->st.watch_hits++;
    /* with no one to look at it, the real CPU stops after the instruction,
     * as a bare watch makes it */
    bool stop = !vm->virt->on_watch && !vm->tech->on_watch;
    if (vm->virt->on_watch) stop |= vm->virt->on_watch(vm, addr, size);
    if (vm->tech->on_watch) stop |= vm->tech->on_watch(vm, addr, size);
    return stop;
}

/* Free what vl_vm_new made; the VM is no longer in its monitor's list. */
static void vm_destroy(vl_vm *vm) {
    vl_vmm *mon = vm->mon;
    if (vm->tech && vm->tech->detach) vm->tech->detach(vm);
    vl_alloc_release(&mon->alloc, vm->id);
    if (vm->m) {
        vm->m->mem.ram = NULL; /* the allocator's, released above */
        vm->m->mem.mon = NULL;
        vlab_machine_free(vm->m);
    }
    free(vm->vctx);
    free(vm->glue);
    free(vm);
    vl_vmm_release(mon);
}

static size_t state_size(const vl_cpu_ops *ops) {
    return ops->state_size < sizeof(vl_cpu_common) ? sizeof(vl_cpu_common) : ops->state_size;
}

/* What vl_vm_new and vl_vm_renew both do once the allocations are there
 * (the machine, its guest and monitor regions, zeroed; vctx and glue
 * zeroed): everything else set to the new VM's state, the technique
 * attached (renew: the state it keeps renewed instead). 0, or -1 with a
 * message (then vm->tech is NULL). */
static int vm_setup(vl_vm *vm, bool renew, char *err, size_t errsz) {
    vl_machine *m = vm->m;
    const vl_cpu_ops *ops = vm->ops;
    vm->cost = vl_cost_defaults;
    vm->stop_on_null_vector = true;
    vm->exit_reason = -1;
    m->mem.mon_size = VL_MON_SIZE;
    m->mem.mon_base = VL_MON_BASE + (uint32_t)((unsigned)(vm->id - 1) % VL_MON_SLOTS) * VL_MON_SLOT;
    m->on_watch = watch_hit;
    m->watch_ctx = vm;
    ((vl_cpu_common *)vm->vctx)->m = m;
    if (ops->init) ops->init(vm->vctx, m, vm->variant);
    ((vl_cpu_common *)vm->vctx)->m = m;
    if (renew) {
        vm->tech->renew(vm);
    } else if (vm->tech->attach && vm->tech->attach(vm, err, errsz) < 0) {
        vm->tech = NULL; /* nothing to detach */
        return -1;
    }
    return 0;
}

vl_vm *vl_vm_new(vl_vmm *mon, const char *isa, const char *model, uint32_t ram, int technique,
                 const vl_virt_ops *virt, char *err, size_t errsz) {
    const vl_technique *tech = vl_technique_get(technique);
    if (!tech) {
        vl_seterr(err, errsz, "unknown technique %d (known: %s)", technique, vl_technique_list());
        return NULL;
    }
    if (mon) vl_vmm_retain(mon);
    else if (!(mon = vl_vmm_new(0))) {
        vl_seterr(err, errsz, "out of memory");
        return NULL;
    }
    vl_vm *vm = calloc(1, sizeof *vm);
    if (!vm) {
        vl_vmm_release(mon);
        vl_seterr(err, errsz, "out of memory");
        return NULL;
    }
    vm->mon = mon;
    vm->id = mon->next_id++;
    if (!(vm->m = vlab_machine_new(isa, model, ram, err, errsz))) goto fail;
    vl_machine *m = vm->m;
    free(m->mem.ram); /* the guest's memory comes from the monitor's allocator */
    m->mem.ram = NULL;
    const vl_cpu_ops *ops = m->desc->ops;
    if (!virt) virt = vl_glue_virt(ops);
    if (!virt) {
        vl_seterr(err, errsz, "isa %s: the monitor has no glue for this core", m->desc->isa);
        goto fail;
    }
    vm->ops = ops;
    vm->virt = virt;
    vm->variant = m->desc->variant;
    vm->tech = tech;
    vm->technique = tech->id;
    uint8_t *gm = vl_alloc_region(&mon->alloc, vm->id, VL_REGION_GUEST, ram, &vm->ram_mpa);
    uint8_t *mm = gm ? vl_alloc_region(&mon->alloc, vm->id, VL_REGION_MONITOR, VL_MON_SIZE, &vm->mon_mpa) : NULL;
    if (!mm) {
        vl_seterr(err, errsz, "monitor memory limit: cannot give %u more bytes to a guest", ram);
        goto fail;
    }
    m->mem.ram = gm;
    m->mem.mon = mm;
    vm->real = m->cpu;
    vm->vctx = calloc(1, state_size(ops));
    vm->glue = calloc(1, virt->state_size ? virt->state_size : 1);
    if (!vm->vctx || !vm->glue) goto oom;
    if (vm_setup(vm, false, err, errsz) < 0) goto fail;
    if (mon_add(mon, vm) < 0) goto oom;
    vl_vm_reset(vm);
    return vm;
oom:
    vl_seterr(err, errsz, "out of memory");
fail:
    vm_destroy(vm);
    return NULL;
}

void vl_vm_free(vl_vm *vm) {
    if (!vm || vm->dead) return;
    mon_remove(vm->mon, vm);
    if (vm->busy) {
        vm->dead = true; /* the run in progress ends, then frees it */
        return;
    }
    vm_destroy(vm);
}

int vl_vm_renew(vl_vm *vm, char *err, size_t errsz) {
    if (vm->busy || vm->dead) {
        vl_seterr(err, errsz, "the VM is running: it cannot be renewed from inside its run");
        return -1;
    }
    if (!vm->tech) {
        vl_seterr(err, errsz, "the VM has no technique (an earlier renewal failed)");
        return -1;
    }
    bool renew = vm->tech->renew && vm->tstate;
    if (!renew && vm->tech->detach) vm->tech->detach(vm);
    /* what vl_vm_new allocated and decided is kept; the rest is zeroed and
     * set up again by the code vl_vm_new runs (vm_setup) */
    vl_vm keep = *vm;
    vl_machine *m = vm->m;
    m->cpu = vm->real; /* (the dispatcher lends it the virtual context only during a run) */
    m->cc = vm->real;
    uint8_t *mm = m->mem.mon;
    vlab_machine_renew(m);   /* zeroes the guest's memory, the allocator's region */
    m->mem.mon = mm;
    memset(mm, 0, VL_MON_SIZE);
    vl_cpu_state_clear(vm->ops, vm->vctx);
    memset(vm->glue, 0, vm->virt->state_size ? vm->virt->state_size : 1);
    memset(vm, 0, sizeof *vm);
    vm->mon = keep.mon;
    vm->id = keep.id;
    vm->m = keep.m;
    vm->ops = keep.ops;
    vm->virt = keep.virt;
    vm->variant = keep.variant;
    vm->real = keep.real;
    vm->vctx = keep.vctx;
    vm->glue = keep.glue;
    vm->tech = keep.tech;
    vm->technique = keep.technique;
    vm->ram_mpa = keep.ram_mpa;
    vm->mon_mpa = keep.mon_mpa;
    if (renew) vm->tstate = keep.tstate;
    if (vm_setup(vm, renew, err, errsz) < 0) return -1;
    vl_vm_reset(vm);
    return 0;
}

int vl_vmm_renew(vl_vmm *mon, char *err, size_t errsz) {
    for (size_t i = 0; i < mon->nvms; i++)
        if (vl_vm_renew(mon->vms[i], err, errsz) < 0) return -1;
    mon->rr = 0;
    return 0;
}

/* Around every use that may call back into the embedder (which may free
 * the VM): the VM stays until the last of them ends. */
static void vm_hold(vl_vm *vm) { vm->busy++; }
static bool vm_drop(vl_vm *vm) {
    if (--vm->busy == 0 && vm->dead) {
        vm_destroy(vm);
        return false;
    }
    return !vm->dead;
}

void vl_vm_reset(vl_vm *vm) {
    vl_machine *m = vm->m;
    vlab_reset(m);
    vl_cpu_common *rc = m->cc, *vc = vm->vctx;
    if (vm->ops->reset) vm->ops->reset(vm->vctx);
    vc->m = m;
    vc->intercept = false;
    vc->irq_level = 0;
    vc->stop_on_null_vector = vm->stop_on_null_vector;
    vm->virt->reset(vm);
    rc->intercept = true;
    rc->stop_on_null_vector = true;
}

int vl_vm_set_deprivilege(vl_vm *vm, int level, char *err, size_t errsz) {
    if (level < 0 || level > 31 || !(vm->virt->deprivilege_levels >> level & 1)) {
        vl_seterr(err, errsz, "isa %s: the monitor cannot run the guest's kernel at level %d", vm->virt->isa, level);
        return -1;
    }
    vm->virt->to_virtual(vm);
    vm->deprivilege = level;
    vm->virt->to_real(vm);
    return 0;
}

void vl_vm_boot(vl_vm *vm, uint32_t entry, uint32_t sp) {
    /* from the reset state, whatever ran before: the core's boot sets only
     * what a loader hands over (x86: mode, segments, descriptor-table
     * registers, EAX), so the rest (x86 CR2, CR4, DR0-7, a pending
     * inhibition; m68k VBR; the devices, the timer) would otherwise be what
     * the guest left, and boot without a reset would differ from boot after
     * one */
    vl_vm_reset(vm);
    vm->virt->to_virtual(vm);
    vm->ops->boot(vm->vctx, entry, sp);
    vm->virt->to_real(vm);
}

/* ---- stats -------------------------------------------------------------------- */

void vl_vm_stats(const vl_vm *vm, vl_vmm_stats *out) {
    *out = vm->st;
    out->guest_instructions = vm->m->cc->icount;
    const vl_cost_table *c = &vm->cost;
    out->cost = out->guest_instructions * c->instruction + out->traps * c->trap +
                out->world_switches * c->world_switch + out->emulated * c->emulate +
                out->reflected * c->reflect + out->interpreted * c->interpret + out->exits * c->exit +
                out->scanned * c->scan + out->patched * c->patch + out->translated * c->translate +
                out->callouts * c->callout + out->lookups * c->lookup +
                out->hypercalls * ((uint64_t)c->trap + c->hypercall) /* a hypercall traps too */ +
                out->watch_hits * c->watch;
}

void vl_vm_set_cost(vl_vm *vm, const vl_cost_table *c) { vm->cost = *c; }

void vl_vm_on_trap(vl_vm *vm, vl_trap_fn fn, void *ctx) {
    vm->on_trap = fn;
    vm->on_trap_ctx = ctx;
    vm->trap_lazy = false;
}

void vl_vm_on_trap_lazy(vl_vm *vm, vl_trap_fn fn, void *ctx) {
    vl_vm_on_trap(vm, fn, ctx);
    vm->trap_lazy = fn != NULL;
}

void vl_vm_set_hook(vl_vm *vm, unsigned mask, vlab_hook_fn fn, void *ctx) {
    mask &= VLAB_EV_EXCEPTION | VLAB_EV_MODE | VLAB_EV_STEP | VLAB_EV_CONSOLE;
    if (!fn) mask = 0;
    vm->hook_mask = mask & (VLAB_EV_MODE | VLAB_EV_STEP);
    vm->hook = fn;
    vm->hook_ctx = ctx;
    vm->hook_level = vl_vm_privilege(vm);
    /* what the machine sees: exceptions the guest's context takes, console bytes */
    unsigned mm = mask & (VLAB_EV_EXCEPTION | VLAB_EV_CONSOLE);
    vlab_set_hook(vm->m, mm, mm ? fn : NULL, ctx);
}

/* ---- the guest's view ------------------------------------------------------------ */

#define PSEUDO_PC 0xFFFFu /* machine.c's id for a "pc" the core does not list */

uint32_t vl_vm_reg_get(vl_vm *vm, int idx) {
    if (idx < 0 || idx >= vm->m->nregs) return 0;
    int id = vm->m->regs[idx].id;
    if (id == (int)PSEUDO_PC) return vl_vm_pc(vm);
    return vm->virt->reg_get(vm, id);
}

void vl_vm_regs_get(vl_vm *vm, uint32_t *out, int n) {
    if (n > vm->m->nregs) n = vm->m->nregs;
    if (!vm->virt->reg_get_views) {
        for (int i = 0; i < n; i++) out[i] = vl_vm_reg_get(vm, i);
        return;
    }
    vm->virt->to_virtual(vm);
    for (int i = 0; i < n; i++) {
        int id = vm->m->regs[i].id;
        out[i] = id == (int)PSEUDO_PC ? vl_vm_pc(vm) : vm->ops->reg_get(vm->vctx, id);
    }
}

void vl_vm_reg_set(vl_vm *vm, int idx, uint32_t v) {
    if (idx < 0 || idx >= vm->m->nregs) return;
    const vl_reg_info *r = &vm->m->regs[idx];
    if (r->width < 32) v &= (1u << r->width) - 1;
    if (r->id == PSEUDO_PC) vl_vm_set_pc(vm, v);
    else vm->virt->reg_set(vm, r->id, v);
}

uint32_t vl_vm_pc(vl_vm *vm) { return vm->ops->get_pc(vm->real); }
void vl_vm_set_pc(vl_vm *vm, uint32_t pc) { vm->ops->set_pc(vm->real, pc); }
int vl_vm_privilege(vl_vm *vm) { return vm->virt->priv_get(vm); }
int vl_vm_supervisor(vl_vm *vm) { return vl_vm_privilege(vm) == 0; }

int vl_vm_set_privilege(vl_vm *vm, int level) {
    if (!vlab_privilege_valid(vm->m, level)) return -1;
    vm->virt->priv_set(vm, level);
    return 0;
}

size_t vl_vm_read_virt(vl_vm *vm, uint32_t addr, void *buf, size_t len, bool fetch) {
    /* through the virtual context, which holds the guest's own address
     * space (the real CPU's may be the monitor's: x86 in virtual real mode
     * fetches from the monitor's trap page) */
    if (!vm->ops->read_virt) return vlab_read_virt(vm->m, addr, buf, len, fetch);
    vm->virt->to_virtual(vm);
    return vm->ops->read_virt(vm->vctx, addr, buf, len, fetch);
}

int vl_vm_code_bits(vl_vm *vm) {
    const vl_cpu_ops *ops = vm->ops;
    if (!ops->code_bits) return 32;
    /* the guest's mode is its virtual context's (brought up to date), as
     * its code is read through it (vl_vm_read_virt) */
    if (!ops->read_virt) return vlab_code_bits(vm->m);
    vm->virt->to_virtual(vm);
    return ops->code_bits(vl_code_variant(ops, vm->vctx, vm->variant));
}

bool vl_vm_gpa_to_mpa(const vl_vm *vm, uint32_t gpa, uint64_t *mpa) {
    if (gpa >= vm->m->mem.size) return false;
    if (mpa) *mpa = vm->ram_mpa + gpa;
    return true;
}

int vl_vm_watch(vl_vm *vm, uint32_t gpa, uint32_t len, bool on) { return vl_watch(vm->m, gpa, len, on); }

int vl_vm_check(vl_vm *vm, char *why, size_t whysz) {
    vl_machine *m = vm->m;
    vl_cpu_common *rc = m->cc;
    int kind;
    if (!rc->intercept) {
        vl_seterr(why, whysz, "real CPU runs without intercept");
        return -1;
    }
    if (vl_alloc_owner(&vm->mon->alloc, m->mem.ram, &kind) != vm->id || kind != VL_REGION_GUEST ||
        vl_alloc_owner(&vm->mon->alloc, m->mem.ram + m->mem.size - 1, NULL) != vm->id) {
        vl_seterr(why, whysz, "guest memory not owned by VM %d", vm->id);
        return -1;
    }
    if (vl_alloc_owner(&vm->mon->alloc, m->mem.mon, &kind) != vm->id || kind != VL_REGION_MONITOR) {
        vl_seterr(why, whysz, "monitor region of VM %d not its own", vm->id);
        return -1;
    }
    /* the monitor region lies above guest memory and the device window (the
     * bus never lets a guest access reach it; this checks the layout) */
    if ((uint64_t)m->mem.size > m->mem.mon_base ||
        (m->mem.mmio_on && m->mem.mmio_base - m->mem.mon_base < m->mem.mon_size)) {
        vl_seterr(why, whysz, "guest memory reaches the monitor region at 0x%08x", m->mem.mon_base);
        return -1;
    }
    if (vm->virt->check(vm, why, whysz) < 0) return -1;
    return vm->tech->check ? vm->tech->check(vm, why, whysz) : 0;
}

/* ---- the dispatcher's helpers ---------------------------------------------------------- */

static vl_stop mkstop(vl_vm *vm, int reason) {
    return (vl_stop){ .reason = (uint8_t)reason, .pc = vl_vm_pc(vm), .vector = -1 };
}

vl_stop vl_vm_run_real(vl_vm *vm, uint64_t n) {
    vm->m->dev_log_n = 0; /* only this run's device writes can be the trapping instruction's */
    ((vl_cpu_common *)vm->real)->cont = NULL; /* whatever a copied state held */
    return vm->ops->run(vm->real, n);
}

vl_stop vl_vm_run_real_cont(vl_vm *vm, uint64_t n, uint64_t (*cont)(void *), void *ctx, const vl_chain *chain,
                            const uint64_t *stamp, uint64_t limit) {
    vl_cpu_common *rc = vm->real;
    vm->m->dev_log_n = 0;
    rc->cont = cont;
    rc->cont_ctx = ctx;
    rc->chain = chain;
    rc->chain_took = NULL;
    rc->chain_stamp = stamp;
    rc->chain_limit = limit;
    vl_stop s = vm->ops->run(vm->real, n);
    rc->cont = NULL;
    return s;
}

void vl_vm_enter_virtual(vl_vm *vm) {
    vl_machine *m = vm->m;
    vl_cpu_common *rc = vm->real, *vc = vm->vctx;
    vc->icount = rc->icount;
    vc->irq_level = rc->irq_level;
    vc->irq_vector = rc->irq_vector;
    m->cpu = vm->vctx;
    m->cc = vc;
}

void vl_vm_leave_virtual(vl_vm *vm) {
    vl_machine *m = vm->m;
    vl_cpu_common *rc = vm->real, *vc = vm->vctx;
    rc->icount = vc->icount; /* the instructions the guest retired there: guest time */
    rc->irq_level = vc->irq_level;
    rc->irq_vector = vc->irq_vector;
    m->cpu = vm->real;
    m->cc = rc;
}

/* The trapping instruction's bytes, as the guest's MMU maps its PC, before
 * the monitor handles it (which may change the mapping). */
static void fetch_insn(vl_vm *vm, const vl_trap *t) {
    vm->insn_len = t->between ? 0 : vl_vm_read_virt(vm, t->pc, vm->insn_bytes, sizeof vm->insn_bytes, true);
    /* the read brought the virtual context up to date: its mode is the
     * guest's (the real CPU's may be the monitor's, as in virtual real mode) */
    vm->insn_variant = vm->ops->read_virt ? vl_code_variant(vm->ops, vm->vctx, vm->variant) : vm->variant;
}

/* The text of the trap being reported, from what fetch_insn saved (the
 * bytes as the guest saw them before the monitor handled the trap). */
const char *vl_vm_trap_insn(vl_vm *vm) {
    if (vm->insn_done) return vm->insn;
    vm->insn_done = true;
    vm->insn[0] = 0;
    if (vm->trap_between) {
        /* between instructions (interrupt, trace): no instruction caused it */
        const char *name = vlab_vector_name(vm->m, vm->trap_vector);
        snprintf(vm->insn, sizeof vm->insn, "(%s)", name ? name : "exception");
    } else if (!vm->insn_len || !vm->ops->disasm ||
               vm->ops->disasm(vm->insn_variant, vm->insn_bytes, vm->insn_len, vm->trap_pc, vm->insn,
                               sizeof vm->insn) < 0) {
        /* the PC does not translate, or holds no instruction */
        snprintf(vm->insn, sizeof vm->insn, "(no instruction at 0x%08x)", vm->trap_pc);
    }
    return vm->insn;
}

void vl_vm_report(vl_vm *vm, int kind, const vl_trap *t) {
    if (!vm->on_trap) return;
    vm->insn_done = false;
    vm->trap_between = t->between;
    vm->trap_vector = t->vector;
    vm->trap_pc = t->pc;
    vl_trap_event ev = { kind, t->vector, t->pc, NULL, -1, vm->exit_reason, -1 };
    if (!vm->trap_lazy) {
        ev.insn = vl_vm_trap_insn(vm);
        if (!t->between && vm->insn_len && vm->ops->decode) {
            vl_decode_info d;
            vm->ops->decode(vm->insn_variant, vm->insn_bytes, vm->insn_len, t->pc, &d);
            ev.cls = d.cls;
        }
    }
    if (vm->on_trap(vm->on_trap_ctx, &ev)) vm->trap_stop = true;
}

/* A classified trap (or exit: reason >= 0) handled: emulated or reflected.
 * A trap costs two world switches; an exit's switch is part of its cost. */
static int handle(vl_vm *vm, vl_trap *tp, int reason, vl_stop *out) {
    vl_trap t = *tp;
    if (vm->on_trap) fetch_insn(vm, &t);
    vm->exit_reason = reason;
    if (reason < 0) {
        vm->st.traps++;
        vm->st.world_switches += 2; /* into the monitor and back into the guest */
    } else {
        vm->st.exits++;
        vm->st.exit_reasons[reason]++;
    }
    /* what the callback sees: an exit, or what the monitor did with the trap */
    int k_emulated = reason < 0 ? VL_TRAP_EMULATED : VL_TRAP_EXIT;
    int k_reflected = reason < 0 ? VL_TRAP_REFLECTED : VL_TRAP_EXIT;
    if (t.action == VL_ACT_EMULATE) {
        /* the interpreter executes the instruction on the virtual context:
         * a privileged one in virtual supervisor mode completes there
         * (emulated); anything else raises there, architecturally, the
         * exception the guest must see (reflected) */
        vl_cpu_common *vc = vm->vctx;
        uint64_t exc = vc->exceptions;
        /* the device writes the real CPU's attempt made before its fault
         * happened (the instruction counted icount + 1 while it ran): its
         * execution again makes them without effect */
        vl_dev_replay(vm->m, ((vl_cpu_common *)vm->real)->icount + 1);
        vl_stop r = vl_interp_emulate(vm, &t);
        vl_dev_replay_end(vm->m);
        if (r.reason == VLAB_STOP_EXCEPTION) {
            /* raised an exception the guest has no handler for: not emulated */
            vl_trap shown = t;
            shown.vector = r.vector;
            if (vm->on_trap) vl_vm_report(vm, VL_TRAP_UNHANDLED, &shown);
        } else if (vc->exceptions != exc) {
            vm->st.reflected++;
            vl_trap shown = t;
            shown.vector = vc->last_vector;
            if (vm->on_trap) vl_vm_report(vm, k_reflected, &shown);
        } else {
            vm->st.emulated++;
            if (vm->on_trap) vl_vm_report(vm, k_emulated, &t);
        }
        if (r.reason != VLAB_STOP_BUDGET && r.reason != VLAB_STOP_IDLE && r.reason != VLAB_STOP_HALT) {
            *out = r;
            return -1;
        }
        if (r.reason != VLAB_STOP_BUDGET) vm->idle_after = r;
        return 0;
    }
    vm->reflect_stop.reason = VLAB_STOP_NONE;
    if (vl_interp_reflect(vm, &t) < 0) {
        /* no handler in the guest's table: stop where a bare machine stops */
        vl_stop r = { .reason = VLAB_STOP_EXCEPTION, .flags = t.flags, .vector = (int16_t)t.vector, .pc = t.pc,
                      .code = t.code, .addr = t.addr };
        if (vm->reflect_stop.reason != VLAB_STOP_NONE) {
            /* the delivery stopped elsewhere (a fault into a vector with no
             * handler, what the core does not model): that stop, as natively */
            r = vm->reflect_stop;
            if (r.vector >= 0) t.vector = r.vector;
        }
        if (vm->on_trap) vl_vm_report(vm, VL_TRAP_UNHANDLED, &t);
        *out = r;
        return -1;
    }
    vm->st.reflected++;
    if (vm->on_trap) vl_vm_report(vm, k_reflected, &t);
    return 0;
}

int vl_vm_trap_emulate(vl_vm *vm, const vl_stop *s, vl_stop *out) {
    vl_trap t = { .code = s->code, .addr = s->addr, .flags = s->flags };
    vm->virt->trap->classify(vm, s, &t);
    if (t.action == VL_ACT_STOP) {
        *out = *s;
        return -1;
    }
    return handle(vm, &t, -1, out);
}

int vl_vm_exit_emulate(vl_vm *vm, vl_trap *t, int reason, vl_stop *out) {
    if (reason < 0 || reason >= VL_EXIT_REASON_COUNT) reason = VL_EXIT_INSTRUCTION;
    return handle(vm, t, reason, out);
}

const char *vl_exit_reason_name(int r) {
    static const char *const names[VL_EXIT_REASON_COUNT] = { "instruction", "exception", "interrupt",
                                                             "cr", "io", "mode" };
    return r >= 0 && r < VL_EXIT_REASON_COUNT ? names[r] : "?";
}

/* ---- the dispatcher ------------------------------------------------------------------ */

/* What wakes an idle guest: an interrupt reflected into it, one its own
 * context took (the hybrid interpreter's), or one the real CPU took (under
 * hw-assist it delivers the guest's interrupts itself). */
static uint64_t wakes(vl_vm *vm) {
    return vm->st.reflected + ((vl_cpu_common *)vm->vctx)->interrupts + ((vl_cpu_common *)vm->real)->interrupts;
}

/* The dispatcher's guest events after what just ran (ic_step: the count at
 * the last step event). true: the hook asked to stop. */
static bool guest_events(vl_vm *vm, uint64_t *ic_step) {
    bool stop = false;
    uint64_t ic = vm->m->cc->icount;
    /* as on a machine: the mode changes inside its instruction, the step event follows it */
    if (vm->hook_mask & VLAB_EV_MODE) {
        int level = vl_vm_privilege(vm);
        if (level != vm->hook_level) {
            vm->hook_level = level;
            stop |= vm->hook(vm->hook_ctx, VLAB_EV_MODE, (uint32_t)level, vl_vm_pc(vm)) != 0;
        }
    }
    if ((vm->hook_mask & VLAB_EV_STEP) && ic != *ic_step) {
        *ic_step = ic;
        stop |= vm->hook(vm->hook_ctx, VLAB_EV_STEP, 0, vl_vm_pc(vm)) != 0;
    }
    return stop;
}

/* The devices are looked at on the slice boundaries a bare machine would
 * have (core/run.c), whatever traps happen inside a slice, so that a guest
 * sees its timer tick after the same instruction natively and under the
 * monitor. */
static vl_stop run_loop(vl_vm *vm, uint64_t max, int has_until, uint32_t until_pc) {
    vl_machine *m = vm->m;
    vl_cpu_common *cc = m->cc;
    const vl_technique *tech = vm->tech;
    unsigned noprog = 0;
    uint64_t slice_end = cc->icount; /* the next boundary */
    uint64_t ic_step = cc->icount;
    vl_run_clock rc;
    /* step events: one guest instruction at a time */
    vl_run_begin(&rc, m, max, (vm->hook_mask & VLAB_EV_STEP) != 0, has_until, until_pc);

    vm->trap_stop = false;
    m->hook_stop = false;
    vm->idle_after.reason = VLAB_STOP_NONE;
    bool resume = false; /* vl_vm.tech_resume */
    for (;;) {
        vl_stop s, out;
        if (vm->hook_mask && guest_events(vm, &ic_step)) vm->trap_stop = true;
        if (vm->trap_stop || m->hook_stop) {
            vm->trap_stop = m->hook_stop = false;
            return mkstop(vm, VLAB_STOP_BREAKPOINT);
        }
        /* the guest armed its timer (directly, or in an instruction the
         * monitor emulated): a boundary here, as the bare machine's loop has */
        if (m->timer_armed) slice_end = cc->icount;
        if (cc->icount >= slice_end) {
            uint64_t n = vl_run_next_slice(&rc, &s);
            if (!n) return s;
            slice_end = cc->icount + n;
        }

        uint64_t ic_before = cc->icount, woke = wakes(vm);
        vm->tech_resume = resume && !vm->hook_mask && !m->hook_mask;
        s = tech->run(vm, slice_end - cc->icount);
        resume = false;
        if (vm->dead) return s;
        if (s.reason == VLAB_STOP_NONE) s.reason = VLAB_STOP_BUDGET;
        if (cc->icount != ic_before) noprog = 0;
        if (s.reason == VLAB_STOP_BREAKPOINT && m->hook_stop) {
            /* an exception or console hook of the guest asked to stop */
            m->hook_stop = false;
            if (vm->hook_mask) guest_events(vm, &ic_step);
            return s;
        }

        int (*handler)(vl_vm *, const vl_stop *, vl_stop *) = NULL;
        switch (s.reason) {
        case VLAB_STOP_BUDGET:
            resume = true;
            continue;
        case VLAB_STOP_EXCEPTION: handler = tech->on_trap; break;
        case VLAB_STOP_VMEXIT: handler = tech->on_exit; break;
        case VLAB_STOP_BREAKPOINT: handler = tech->on_patch; break;
        case VLAB_STOP_IDLE:
        case VLAB_STOP_HALT:
            if (wakes(vm) != woke) vl_run_woken(m);
            if (vl_run_idle(&rc, &s, wakes(vm))) {
                if (vm->hook_mask) guest_events(vm, &ic_step); /* for the STOP itself */
                return s;
            }
            slice_end = cc->icount; /* a boundary, as on the bare machine */
            continue;
        default:
            if (vm->hook_mask) guest_events(vm, &ic_step);
            return s;
        }
        if (!handler) {
            if (vm->hook_mask) guest_events(vm, &ic_step);
            return s;
        }
        if (handler(vm, &s, &out) < 0) {
            if (vm->hook_mask && !vm->dead) guest_events(vm, &ic_step);
            return out;
        }
        if (vm->dead) return out;
        vl_stop idle = vm->idle_after;
        vm->idle_after.reason = VLAB_STOP_NONE;
        if (wakes(vm) != woke) vl_run_woken(m);
        if (vm->hook_mask && guest_events(vm, &ic_step)) vm->trap_stop = true;
        if (idle.reason != VLAB_STOP_NONE) {
            /* the core's own stop after HLT, STOP or a jump to itself, in
             * the same step (not after the budget, as a next run's); one
             * that ends the run is what the run reports, whatever a
             * callback asked (a breakpoint would have a resumed run execute
             * the jump to itself again: a LOOP to itself decrements once
             * more), as the bare machine's run does */
            idle.pc = vl_vm_pc(vm);
            if (vl_run_idle(&rc, &idle, wakes(vm))) {
                vm->trap_stop = m->hook_stop = false;
                return idle;
            }
            slice_end = cc->icount; /* a boundary, as on the bare machine */
        }
        if (vm->trap_stop || m->hook_stop) {
            vm->trap_stop = m->hook_stop = false;
            vl_stop b = mkstop(vm, VLAB_STOP_BREAKPOINT);
            b.vector = s.vector;
            b.code = s.code;
            b.addr = s.addr;
            b.flags = s.flags;
            return b;
        }
        if (cc->icount == ic_before && ++noprog > NO_PROGRESS_MAX) {
            vl_stop e = mkstop(vm, VLAB_STOP_ERROR);
            e.vector = s.vector;
            return e;
        }
    }
}

vl_stop vl_vm_run(vl_vm *vm, uint64_t max, int has_until, uint32_t until_pc) {
    vm_hold(vm);
    vl_stop s = run_loop(vm, max, has_until, until_pc);
    vm_drop(vm);
    return s;
}

vl_stop vl_vm_step(vl_vm *vm, uint64_t n) {
    if (n == 0) return mkstop(vm, VLAB_STOP_BUDGET);
    return vl_vm_run(vm, n, 0, 0);
}

/* ---- several VMs ------------------------------------------------------------------------ */

/* The VMs of one round are held for its length: a callback of one may free
 * another (or itself) without pulling the list from under the loop. */
int vl_vmm_run(vl_vmm *mon, uint64_t slice, uint64_t total_max) {
    if (!slice) slice = 10000;
    size_t n = mon->nvms;
    if (!n) return 0;
    vl_vm **vms = malloc(n * sizeof *vms);
    bool *done = calloc(n, sizeof *done);
    if (!vms || !done) {
        free(vms);
        free(done);
        return -1;
    }
    vl_vmm_retain(mon); /* a freed last VM must not take the monitor with it */
    for (size_t i = 0; i < n; i++) {
        vms[i] = mon->vms[(mon->rr + i) % n];
        vm_hold(vms[i]);
    }
    mon->rr = (mon->rr + 1) % n;
    uint64_t total = 0;
    size_t live = n;
    while (live && (!total_max || total < total_max)) {
        live = 0;
        for (size_t i = 0; i < n && (!total_max || total < total_max); i++) {
            vl_vm *vm = vms[i];
            if (done[i] || vm->dead) {
                done[i] = true;
                continue;
            }
            uint64_t q = slice;
            if (total_max && total_max - total < q) q = total_max - total;
            uint64_t before = vm->m->cc->icount;
            vl_stop s = vl_vm_run(vm, q, 0, 0);
            if (vm->dead) {
                done[i] = true;
                continue;
            }
            total += vm->m->cc->icount - before;
            if (s.reason != VLAB_STOP_BUDGET) done[i] = true;
            else live++;
        }
    }
    size_t runnable = 0;
    for (size_t i = 0; i < n; i++) {
        if (!done[i] && !vms[i]->dead) runnable++;
        vm_drop(vms[i]);
    }
    free(vms);
    free(done);
    vl_vmm_release(mon);
    return (int)runnable;
}
