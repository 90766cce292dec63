/* vmm.c - the dispatcher: VM lifecycle, the run loop that keeps the guest on
 * the real CPU deprivileged and handles each trap (emulate or reflect through
 * the interpreter), stats and the cost model, several VMs time-sliced.
 *
 * Time is the guest's instruction count, exactly as on a bare machine: the
 * real CPU context's icount counts the instructions run directly and the
 * dispatcher adds one for each instruction the interpreter executes, so the
 * guest's timer ticks after the same instruction as natively, and the idle
 * rules (STOP fast-forwards to the timer deadline, a branch to itself is
 * skipped to it) are the bare machine's: both loops use core/run.c. */
#include "vmm/vmm.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Traps in a row without the guest retiring an instruction: the guest is
 * stuck in exception processing (a double fault on real hardware). */
#define NO_PROGRESS_MAX (1u << 21)

/* ---- names ---------------------------------------------------------------- */

static const char *const tech_names[VL_TECH_COUNT] = { "trap-and-emulate" };

const char *vl_technique_name(int t) { return t >= 0 && t < VL_TECH_COUNT ? tech_names[t] : "?"; }

int vl_technique_find(const char *name) {
    if (!name) return -1;
    for (int i = 0; i < VL_TECH_COUNT; i++)
        if (strcmp(name, tech_names[i]) == 0) return i;
    return -1;
}

const char *vl_trap_kind_name(int kind) {
    switch (kind) {
    case VL_TRAP_EMULATED: return "emulated";
    case VL_TRAP_REFLECTED: return "reflected";
    case VL_TRAP_EXIT: return "exit";
    default: return "?";
    }
}

/* ---- cost table ------------------------------------------------------------- */

const vl_cost_table vl_cost_defaults = {
    .instruction = 1, .trap = 40, .world_switch = 60, .emulate = 30, .reflect = 50,
    .exit = 500, .scan = 5, .patch = 20,
};

const char *const vl_cost_names[] = { "instruction", "trap", "world_switch", "emulate", "reflect",
                                      "exit", "scan", "patch", NULL };

uint32_t *vl_cost_field(vl_cost_table *t, const char *name) {
    if (!name) return NULL;
    if (!strcmp(name, "instruction")) return &t->instruction;
    if (!strcmp(name, "trap")) return &t->trap;
    if (!strcmp(name, "world_switch")) return &t->world_switch;
    if (!strcmp(name, "emulate")) return &t->emulate;
    if (!strcmp(name, "reflect")) return &t->reflect;
    if (!strcmp(name, "exit")) return &t->exit;
    if (!strcmp(name, "scan")) return &t->scan;
    if (!strcmp(name, "patch")) return &t->patch;
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

vl_vm *vl_vm_new(vl_vmm *mon, const char *isa, const char *model, uint32_t ram, int technique,
                 const vl_virt_ops *virt, char *err, size_t errsz) {
    if (technique < 0 || technique >= VL_TECH_COUNT) {
        vl_seterr(err, errsz, "unknown technique %d (known: trap-and-emulate)", technique);
        return NULL;
    }
    bool own = !mon;
    if (own && !(mon = vl_vmm_new(0))) {
        vl_seterr(err, errsz, "out of memory");
        return NULL;
    }
    vl_machine *m = vlab_machine_new(isa, model, ram, err, errsz);
    if (!m) goto fail_mon;
    const vl_cpu_ops *ops = m->desc->ops;
    if (!virt) virt = ops->virt;
    if (!virt) {
        vl_seterr(err, errsz, "isa %s: the monitor has no glue for this core (no virt ops)", m->desc->isa);
        goto fail_m;
    }
    vl_vm *vm = calloc(1, sizeof *vm);
    if (!vm) goto oom_m;
    vm->mon = mon;
    vm->id = mon->next_id++;
    vm->m = m;
    vm->ops = ops;
    vm->virt = virt;
    vm->variant = m->desc->variant;
    vm->technique = technique;
    vm->cost = vl_cost_defaults;
    vm->stop_on_null_vector = true;
    /* the guest's memory comes from the monitor's allocator */
    uint8_t *gm = vl_alloc_guest(&mon->alloc, vm->id, ram);
    if (!gm) {
        vl_seterr(err, errsz, "monitor memory limit: cannot give %u more bytes to a guest", ram);
        free(vm);
        goto fail_m;
    }
    free(m->mem.ram);
    m->mem.ram = gm;
    vm->real = m->cpu;
    size_t ssz = ops->state_size < sizeof(vl_cpu_common) ? sizeof(vl_cpu_common) : ops->state_size;
    vm->vctx = calloc(1, ssz);
    if (!vm->vctx || mon_add(mon, vm) < 0) {
        vl_alloc_release(&mon->alloc, vm->id);
        m->mem.ram = NULL;
        free(vm->vctx);
        free(vm);
        goto oom_m;
    }
    ((vl_cpu_common *)vm->vctx)->m = m;
    if (ops->init) ops->init(vm->vctx, m, vm->variant);
    ((vl_cpu_common *)vm->vctx)->m = m;
    if (!own) vl_vmm_retain(mon);
    vl_vm_reset(vm);
    return vm;
oom_m:
    vl_seterr(err, errsz, "out of memory");
fail_m:
    vlab_machine_free(m);
fail_mon:
    if (own) vl_vmm_release(mon);
    return NULL;
}

void vl_vm_free(vl_vm *vm) {
    if (!vm) return;
    vl_vmm *mon = vm->mon;
    mon_remove(mon, vm);
    vl_alloc_release(&mon->alloc, vm->id);
    vm->m->mem.ram = NULL; /* the allocator's, already released */
    vlab_machine_free(vm->m);
    free(vm->vctx);
    free(vm);
    vl_vmm_release(mon);
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

/* ---- stats -------------------------------------------------------------------- */

void vl_vm_stats(const vl_vm *vm, vl_vmm_stats *out) {
    *out = vm->st;
    out->guest_instructions = vm->m->cc->icount;
    const vl_cost_table *c = &vm->cost;
    out->cost = out->guest_instructions * c->instruction + out->traps * c->trap +
                out->world_switches * c->world_switch + out->emulated * c->emulate +
                out->reflected * c->reflect + out->exits * c->exit + out->scanned * c->scan +
                out->patched * c->patch;
}

void vl_vm_set_cost(vl_vm *vm, const vl_cost_table *c) { vm->cost = *c; }

void vl_vm_on_trap(vl_vm *vm, vl_trap_fn fn, void *ctx) {
    vm->on_trap = fn;
    vm->on_trap_ctx = ctx;
}

/* ---- the guest's view ------------------------------------------------------------ */

#define PSEUDO_PC 0xFFFFu /* machine.c's id for a "pc" the core does not list */

uint32_t vl_vm_reg_get(vl_vm *vm, int idx) {
    if (idx < 0 || idx >= vm->m->nregs) return 0;
    int id = vm->m->regs[idx].id;
    if (id == (int)PSEUDO_PC) return vl_vm_pc(vm);
    return vm->virt->reg_get(vm, id);
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
int vl_vm_supervisor(vl_vm *vm) { return vm->virt->priv_get(vm); }
void vl_vm_set_supervisor(vl_vm *vm, int on) { vm->virt->priv_set(vm, on); }

int vl_vm_check(vl_vm *vm, char *why, size_t whysz) {
    vl_cpu_common *rc = vm->m->cc;
    if (!rc->intercept) {
        vl_seterr(why, whysz, "real CPU runs without intercept");
        return -1;
    }
    if (vl_alloc_owner(&vm->mon->alloc, vm->m->mem.ram) != vm->id ||
        vl_alloc_owner(&vm->mon->alloc, vm->m->mem.ram + vm->m->mem.size - 1) != vm->id) {
        vl_seterr(why, whysz, "guest memory not owned by VM %d", vm->id);
        return -1;
    }
    return vm->virt->check(vm, why, whysz);
}

/* ---- the dispatcher ------------------------------------------------------------------ */

static vl_stop mkstop(vl_vm *vm, int reason) {
    vl_stop s = { reason, vl_vm_pc(vm), -1, 0 };
    return s;
}

static void report(vl_vm *vm, int kind, const vl_trap *t) {
    if (!vm->on_trap) return;
    uint8_t buf[16] = { 0 };
    size_t len = sizeof buf;
    if (t->pc >= vm->m->mem.size) len = 0;
    else if (vm->m->mem.size - t->pc < len) len = vm->m->mem.size - t->pc;
    if (len) memcpy(buf, vm->m->mem.ram + t->pc, len);
    vm->insn[0] = 0;
    if (t->between) {
        /* between instructions (interrupt, trace): no instruction caused it */
        const char *name = vlab_vector_name(vm->m, t->vector);
        snprintf(vm->insn, sizeof vm->insn, "(%s)", name ? name : "exception");
    } else if (!len || !vm->ops->disasm ||
               vm->ops->disasm(vm->variant, buf, len, t->pc, vm->insn, sizeof vm->insn) < 0) {
        snprintf(vm->insn, sizeof vm->insn, "?");
    }
    vl_trap_event ev = { kind, t->vector, t->pc, vm->insn };
    if (vm->on_trap(vm->on_trap_ctx, &ev)) vm->trap_stop = true;
}

/* One trap of the real CPU. Returns 0 to go on, else the run stops with *out. */
static int handle_trap(vl_vm *vm, const vl_stop *s, vl_stop *out) {
    vl_trap t;
    memset(&t, 0, sizeof t);
    vm->virt->classify(vm, s, &t);
    if (t.action == VL_ACT_STOP) {
        *out = *s;
        return -1;
    }
    vm->last = t;
    vm->st.traps++;
    vm->st.world_switches += 2; /* into the monitor and back into the guest */
    if (t.action == VL_ACT_EMULATE) {
        /* the interpreter executes the instruction on the virtual context:
         * a privileged one in virtual supervisor mode completes there
         * (emulated); anything else raises there, architecturally, the
         * exception the guest must see (reflected) */
        vl_cpu_common *vc = vm->vctx;
        uint64_t exc = vc->exceptions;
        vl_stop r = vl_interp_emulate(vm, &t);
        if (vc->exceptions != exc && r.reason != VLAB_STOP_EXCEPTION) {
            vm->st.reflected++;
            vl_trap shown = t;
            shown.vector = vc->last_vector;
            report(vm, VL_TRAP_REFLECTED, &shown);
        } else {
            vm->st.emulated++;
            report(vm, VL_TRAP_EMULATED, &t);
        }
        if (r.reason != VLAB_STOP_BUDGET && r.reason != VLAB_STOP_IDLE && r.reason != VLAB_STOP_HALT) {
            *out = r;
            return -1;
        }
        return 0;
    }
    if (vl_interp_reflect(vm, &t) < 0) {
        /* no handler in the guest's table: stop where a bare machine stops */
        vl_stop r = { VLAB_STOP_EXCEPTION, t.pc, t.vector, t.info };
        *out = r;
        return -1;
    }
    vm->st.reflected++;
    report(vm, VL_TRAP_REFLECTED, &t);
    return 0;
}

/* The devices are looked at on the slice boundaries a bare machine would
 * have (core/run.c), whatever traps happen inside a slice, so that a guest
 * sees its timer tick after the same instruction natively and under the
 * monitor. An idle guest is woken by a reflected interrupt, hence the
 * reflections as its wake counter. */
vl_stop vl_vm_run(vl_vm *vm, uint64_t max, int has_until, uint32_t until_pc) {
    vl_machine *m = vm->m;
    vl_cpu_common *cc = m->cc;
    unsigned noprog = 0;
    uint64_t slice_end = cc->icount; /* the next boundary */
    vl_run_clock rc;
    vl_run_begin(&rc, m, max, false, has_until, until_pc);

    vm->trap_stop = false;
    for (;;) {
        vl_stop s;
        if (cc->icount >= slice_end) {
            uint64_t n = vl_run_next_slice(&rc, &s);
            if (!n) return s;
            slice_end = cc->icount + n;
        }

        uint64_t ic_before = cc->icount;
        s = vm->ops->run(vm->real, slice_end - cc->icount);
        if (s.reason == VLAB_STOP_NONE) s.reason = VLAB_STOP_BUDGET;
        if (cc->icount != ic_before) noprog = 0;

        switch (s.reason) {
        case VLAB_STOP_BUDGET:
            continue;
        case VLAB_STOP_EXCEPTION: {
            vl_stop out;
            uint64_t refl = vm->st.reflected;
            if (handle_trap(vm, &s, &out) < 0) return out;
            if (vm->st.reflected != refl) rc.woke = UINT64_MAX;
            if (vm->trap_stop) {
                vm->trap_stop = false;
                vl_stop b = mkstop(vm, VLAB_STOP_BREAKPOINT);
                b.vector = s.vector;
                b.info = s.info;
                return b;
            }
            if (cc->icount == ic_before && ++noprog > NO_PROGRESS_MAX) {
                vl_stop e = mkstop(vm, VLAB_STOP_ERROR);
                e.vector = s.vector;
                return e;
            }
            continue;
        }
        case VLAB_STOP_IDLE:
        case VLAB_STOP_HALT:
            if (vl_run_idle(&rc, &s, vm->st.reflected)) return s;
            slice_end = cc->icount; /* a boundary, as on the bare machine */
            continue;
        default:
            return s;
        }
    }
}

vl_stop vl_vm_step(vl_vm *vm, uint64_t n) {
    if (n == 0) return mkstop(vm, VLAB_STOP_BUDGET);
    return vl_vm_run(vm, n, 0, 0);
}

/* ---- several VMs ------------------------------------------------------------------------ */

int vl_vmm_run(vl_vmm *mon, uint64_t slice, uint64_t total_max) {
    if (!slice) slice = 10000;
    size_t n = mon->nvms;
    if (!n) return 0;
    bool *done = calloc(n, sizeof *done);
    if (!done) return -1;
    uint64_t total = 0;
    size_t live = n;
    while (live && (!total_max || total < total_max)) {
        live = 0;
        for (size_t k = 0; k < n && (!total_max || total < total_max); k++) {
            size_t i = (mon->rr + k) % n;
            if (done[i]) continue;
            vl_vm *vm = mon->vms[i];
            uint64_t q = slice;
            if (total_max && total_max - total < q) q = total_max - total;
            uint64_t before = vm->m->cc->icount;
            vl_stop s = vl_vm_run(vm, q, 0, 0);
            total += vm->m->cc->icount - before;
            if (s.reason != VLAB_STOP_BUDGET) done[i] = true;
            else live++;
        }
        mon->rr = (mon->rr + 1) % n;
    }
    size_t runnable = 0;
    for (size_t i = 0; i < n; i++) runnable += !done[i];
    free(done);
    return (int)runnable;
}
