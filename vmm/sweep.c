/* sweep.c - the sweep engine (DESIGN §3 "Sweep", issue 5).
 *
 * For one ISA model: the adapter (isa/<isa>/forms.c) lists every instruction
 * form with its encodings. Each form runs from N seeded random states; every
 * encoding runs at least once (encoding k of a form with state k mod N, and
 * forms with fewer encodings than states are repeated until every state
 * ran). Each execution is a single step on each target, from the same state:
 *
 *   ns  natively, supervisor mode       the reference
 *   nu  natively, user mode             privileged? mode-sensitive?
 *   v1  under the monitor (VM 1)        leaks? traps?
 *   v2  under the monitor (VM 2, guest memory elsewhere in real memory)
 *                                        location-sensitive? (once per state)
 *
 * and, on an ISA whose adapter can vary a state's privileged state (vary):
 *
 *   ni  natively, user mode, the I/O privilege flipped   iopl-sensitive?
 *   nl  the reference with the system tables elsewhere   location-sensitive?
 *   np  the reference with other privileged bits changed mode-sensitive?
 *
 * nl and np measure natively what a monitor would reveal: an instruction
 * that reads privileged state without trapping gives a different result
 * (neither run faulting; the varied registers themselves not compared). An
 * ISA the monitor cannot run yet (no glue) has the native targets only; its
 * rows say "not modelled" under the monitor.
 *
 * nu runs at a less privileged level than ns: the ISA's user level, or on
 * an ISA with more levels each of them in turn from state to state. In every
 * fourth state (and in the last one when there are only 2 or 3) the guest
 * is at that level in its virtual machine too: v1/v2 then compare with nu,
 * which measures user-sensitivity (Theorem 3); nl and np vary nu's state.
 *
 * The machines are made once per model; a state is restored by copying
 * the CPU contexts saved when the state was first set up (the whole core
 * struct: registers and hidden state) and the memory image (the sweep
 * machines have a few KiB of RAM). Nothing is allocated per form. */
#include "vmm/sweep.h"
#include <stdlib.h>
#include <string.h>

/* ---- small helpers ------------------------------------------------------------- */

/* One step of the shared generator from state x: a hash of x. */
static uint64_t mix64(uint64_t x) {
    vl_rng r = { x };
    return vl_rng_next(&r);
}

vl_sweep_form *vl_sweep_form_add(vl_sweep_forms *fl) {
    if (fl->n == fl->cap) {
        size_t cap = fl->cap ? fl->cap * 2 : 256;
        vl_sweep_form *p = realloc(fl->f, cap * sizeof *p);
        if (!p) return NULL;
        fl->f = p;
        fl->cap = cap;
    }
    vl_sweep_form *f = &fl->f[fl->n++];
    memset(f, 0, sizeof *f);
    f->first = (uint32_t)fl->nw;
    return f;
}

int vl_sweep_word_add(vl_sweep_forms *fl, uint64_t w) {
    if (fl->nw == fl->capw) {
        size_t cap = fl->capw ? fl->capw * 2 : 4096;
        uint64_t *p = realloc(fl->w, cap * sizeof *p);
        if (!p) return -1;
        fl->w = p;
        fl->capw = cap;
    }
    fl->w[fl->nw++] = w;
    return 0;
}

void vl_sweep_forms_free(vl_sweep_forms *fl) {
    free(fl->f);
    free(fl->w);
    memset(fl, 0, sizeof *fl);
}

int vl_sweep_reg_index(const vl_reg_info *regs, int nregs, const char *name) {
    for (int i = 0; i < nregs; i++)
        if (!strcmp(regs[i].name, name)) return i;
    return -1;
}

void vl_sweep_reg_set(vl_sweep_regs *r, const vl_reg_info *regs, int nregs, const char *name, uint32_t v) {
    int i = vl_sweep_reg_index(regs, nregs, name);
    if (i < 0 || (regs[i].flags & VL_REG_RO)) return;
    r->val[i] = v;
    for (int k = 0; k < r->norder; k++)
        if (r->order[k] == i) return;
    r->order[r->norder++] = i;
}

void vl_sweep_reason_plain(int variant, const char *name, uint32_t addr, uint32_t a, uint32_t b, const char *an, const char *bn,
                           char *out, size_t outsz) {
    char where[24];
    if (name) snprintf(where, sizeof where, "%s", name);
    else snprintf(where, sizeof where, "memory 0x%04x", addr);
    snprintf(out, outsz, "%s: %s 0x%0*x, %s 0x%0*x", where, an, name ? 8 : 4, a, bn, name ? 8 : 4, b);
}

/* The adapter comes from the core (vl_cpu_ops.sweep): the sweep knows no ISA. */
const vl_sweep_isa *vl_sweep_isa_find(const char *isa) {
    const vl_model_desc *d = isa ? vl_find_model(isa, NULL) : NULL;
    return d ? vl_glue_sweep(d->ops) : NULL;
}

const char *vl_sweep_unmonitored(const char *isa) {
    const vl_model_desc *d = isa ? vl_find_model(isa, NULL) : NULL;
    if (!d || vl_glue_virt(d->ops)) return NULL;
    const vl_sweep_isa *A = vl_glue_sweep(d->ops);
    return A && A->no_monitor ? A->no_monitor : "the monitor has no glue for this ISA";
}

const char *vl_sweep_outcome_name(int o) {
    switch (o) {
    case VL_OUT_TRAPS: return "traps";
    case VL_OUT_LEAKS: return "leaks";
    case VL_OUT_DIRECT: return "runs directly";
    case VL_OUT_ILLEGAL: return "illegal";
    case VL_OUT_INTERPRETED: return "interpreted";
    case VL_OUT_NOT_MODELLED: return "not modelled";
    default: return "?";
    }
}

static void seterr(char *err, size_t errsz, const char *msg, const char *a, const char *b) {
    if (err && errsz) snprintf(err, errsz, msg, a, b);
}

/* ---- the sweep context ------------------------------------------------------------ */

enum { T_NS = 0, T_NU, T_V1, T_V2, T_NI, T_NL, T_NP, T_N };

typedef struct sw_state {
    uint8_t *mem;                 /* image */
    void *snap[T_N];              /* saved CPU contexts (real) */
    void *vsnap[2];               /* VM virtual contexts (v1, v2) */
    uint32_t pre[T_N][VL_SWEEP_MAXREGS];
    /* registers compared between the reference and nl, np (the varied ones
     * left out), and between ns and ni (the mode's bits and the I/O privilege) */
    uint32_t lmask[VL_SWEEP_MAXREGS], pmask[VL_SWEEP_MAXREGS], imask[VL_SWEEP_MAXREGS];
    int ulevel;                   /* the level nu runs at */
    bool vuser;                   /* the guest runs at ulevel in its VM too */
    bool ni_io;                   /* ni holds the I/O privilege (nu does not), else the other way */
} sw_state;

typedef struct sw_ctx {
    const vl_sweep_isa *A;
    int variant;
    const vl_cpu_ops *ops;
    vl_model_desc desc;           /* a copy when the ops are replaced */
    const vl_reg_info *regs;
    int nregs;
    uint32_t ram;
    size_t csize;
    vlab_machine *ns, *nu, *nx[3]; /* nx: ni, nl, np */
    vl_vmm *mon;
    vl_vm *v[2];
    bool monitored;               /* v1, v2 exist */
    bool on[T_N];                 /* the targets of this sweep */
    int nstates;
    sw_state *st;
    uint32_t mode_mask[VL_SWEEP_MAXREGS], ctl_sup[VL_SWEEP_MAXREGS], ctl_user[VL_SWEEP_MAXREGS];
    /* per run */
    uint32_t post[T_N][VL_SWEEP_MAXREGS];
    bool exc[T_N];
    int vec[T_N];
    uint64_t traps[2], interp[2];
} sw_ctx;

static bool is_vm(int t) { return t == T_V1 || t == T_V2; }

static vl_machine *tmachine(sw_ctx *c, int t) {
    switch (t) {
    case T_NS: return c->ns;
    case T_NU: return c->nu;
    case T_V1: case T_V2: return c->v[t - T_V1]->m;
    default: return c->nx[t - T_NI];
    }
}

static void apply_native(vlab_machine *m, const vl_sweep_regs *r) {
    for (int k = 0; k < r->norder; k++) vlab_reg_set(m, r->order[k], r->val[r->order[k]]);
}
static void apply_vm(vl_vm *vm, const vl_sweep_regs *r) {
    for (int k = 0; k < r->norder; k++) vl_vm_reg_set(vm, r->order[k], r->val[r->order[k]]);
}

static void read_regs(sw_ctx *c, int t, uint32_t *out) {
    if (!is_vm(t)) {
        vlab_machine *m = tmachine(c, t);
        for (int i = 0; i < c->nregs; i++) out[i] = vlab_reg_get(m, i);
    } else {
        vl_vm_regs_get(c->v[t - T_V1], out, c->nregs);
    }
}

static void ctx_free(sw_ctx *c) {
    if (c->st) {
        for (int s = 0; s < c->nstates; s++) {
            free(c->st[s].mem);
            for (int t = 0; t < T_N; t++) free(c->st[s].snap[t]);
            free(c->st[s].vsnap[0]);
            free(c->st[s].vsnap[1]);
        }
        free(c->st);
    }
    if (c->v[0]) vl_vm_free(c->v[0]);
    if (c->v[1]) vl_vm_free(c->v[1]);
    if (c->mon) vl_vmm_release(c->mon);
    if (c->ns) vlab_machine_free(c->ns);
    if (c->nu) vlab_machine_free(c->nu);
    for (int k = 0; k < 3; k++)
        if (c->nx[k]) vlab_machine_free(c->nx[k]);
}

/* The state r varied `how` into out (a copy of r when the adapter has no such state). */
static int vary(sw_ctx *c, const vl_sweep_regs *r, int how, int level, vl_sweep_regs *out) {
    *out = *r;
    return c->A->vary(c->variant, c->regs, c->nregs, how, level, out);
}

/* The hw-assist options on a VM of the sweep. */
static int hw_controls(vl_vm *vm, const vl_sweep_opts *o, char *err, size_t errsz) {
    if (!o->flavour && !o->exit_remove) return 0;
    if (vl_hw_flavour(vm) < 0) {
        snprintf(err, errsz, "flavour and exit_remove: for technique hw-assist only");
        return -1;
    }
    int f = o->flavour ? vl_hw_flavour_find(o->flavour) : VL_HW_SVM;
    if (f < 0) {
        snprintf(err, errsz, "unknown flavour '%s' (known: svm, vt)", o->flavour);
        return -1;
    }
    if (vl_hw_set_flavour(vm, f, err, errsz) < 0) return -1;
    for (size_t i = 0; o->exit_remove && o->exit_remove[i]; i++)
        if (vl_hw_exit_form(vm, o->exit_remove[i], false, err, errsz) < 0) return -1;
    return 0;
}

static int ctx_init(sw_ctx *c, const vl_sweep_opts *o, int technique, char *err, size_t errsz) {
    const vl_model_desc *d = vl_find_model(o->isa, o->model);
    c->variant = d->variant;
    c->ops = o->ops ? o->ops : d->ops;
    c->desc = *d;
    c->desc.ops = c->ops;
    c->ram = c->A->ram;
    c->csize = c->ops->snap_size ? c->ops->snap_size : c->ops->state_size;
    char e2[256] = "";
    c->ns = vlab_machine_new(d->isa, d->model, c->ram, e2, sizeof e2);
    c->nu = vlab_machine_new(d->isa, d->model, c->ram, e2, sizeof e2);
    if (!c->ns || !c->nu) {
        seterr(err, errsz, "cannot make a machine: %s%s", e2, "");
        return -1;
    }
    c->on[T_NS] = c->on[T_NU] = true;
    for (int k = 0; c->A->vary && k < 3; k++) {
        if (!(c->nx[k] = vlab_machine_new(d->isa, d->model, c->ram, e2, sizeof e2))) {
            seterr(err, errsz, "cannot make a machine: %s%s", e2, "");
            return -1;
        }
        c->on[T_NI + k] = true; /* until the adapter says it has no such state */
    }
    c->regs = c->ns->regs;
    c->nregs = c->ns->nregs;
    if (c->monitored) {
        c->mon = vl_vmm_new(0);
        if (!c->mon) {
            seterr(err, errsz, "out of memory%s%s", "", "");
            return -1;
        }
        for (int k = 0; k < 2; k++) {
            const vl_virt_ops *virt = o->virt ? o->virt : vl_glue_virt(d->ops);
            c->v[k] = vl_vm_new(c->mon, d->isa, d->model, c->ram, technique, virt, e2, sizeof e2);
            if (!c->v[k]) {
                seterr(err, errsz, "cannot virtualize %s: %s", o->model, e2);
                return -1;
            }
            if (hw_controls(c->v[k], o, e2, sizeof e2) < 0) {
                seterr(err, errsz, "%s%s", e2, "");
                return -1;
            }
        }
        c->on[T_V1] = c->on[T_V2] = true;
    }
    if (o->ops) {
        for (int t = 0; t < T_N; t++)
            if (c->on[t]) tmachine(c, t)->desc = &c->desc;
        for (int k = 0; c->monitored && k < 2; k++) c->v[k]->ops = c->ops;
    }
    if (c->nregs > VL_SWEEP_MAXREGS) {
        seterr(err, errsz, "%s has too many registers%s", o->isa, "");
        return -1;
    }
    memset(c->mode_mask, 0xFF, sizeof c->mode_mask);
    memset(c->ctl_sup, 0, sizeof c->ctl_sup);
    memset(c->ctl_user, 0, sizeof c->ctl_user);
    c->A->masks(c->variant, c->regs, c->nregs, c->mode_mask, c->ctl_sup, c->ctl_user);

    /* the states */
    c->st = calloc((size_t)c->nstates, sizeof *c->st);
    if (!c->st) goto oom;
    /* power-on contexts (real, then the VMs' virtual ones), copied before each state is set up */
    void *save[T_N + 2] = { 0 };
    for (int t = 0; t < T_N + 2; t++) {
        if (t < T_N && !c->on[t]) continue;
        if (t >= T_N && !c->monitored) continue;
        if (!(save[t] = malloc(c->csize))) {
            for (int k = 0; k < t; k++) free(save[k]);
            goto oom;
        }
        memcpy(save[t], t < T_N ? tmachine(c, t)->cpu : c->v[t - T_N]->vctx, c->csize);
    }
    vl_sweep_regs *rs = malloc(sizeof *rs), *ru = malloc(sizeof *ru), *rx = malloc(3 * sizeof *rx);
    int rc = 0;
    if (!rs || !ru || !rx) rc = -1;
    int ulevels[8], nul = 0; /* the levels below the most privileged */
    for (int l = 1; l < 8; l++)
        if (c->ops->levels >> l & 1) ulevels[nul++] = l;
    if (!nul) ulevels[nul++] = 0; /* an ISA without modes: nu is ns */
    for (int s = 0; s < c->nstates && rc == 0; s++) {
        sw_state *S = &c->st[s];
        /* from the least privileged level down, so that two-level ISAs always use their user level */
        S->ulevel = ulevels[nul - 1 - (s / 4) % nul];
        /* every fourth state, and the last one of 2 or 3 */
        S->vuser = (s % 4) == 3 || (c->nstates > 1 && c->nstates < 4 && s == c->nstates - 1);
        S->mem = calloc(1, c->ram);
        bool fail = !S->mem;
        for (int t = 0; t < T_N; t++)
            if (c->on[t] && !(S->snap[t] = malloc(c->csize))) fail = true;
        if (c->monitored && (!(S->vsnap[0] = malloc(c->csize)) || !(S->vsnap[1] = malloc(c->csize)))) fail = true;
        if (fail) {
            rc = -1;
            break;
        }
        memset(rs, 0, sizeof *rs);
        memset(ru, 0, sizeof *ru);
        c->A->state(c->variant, c->regs, c->nregs, o->seed, s, 0, rs, S->mem);
        c->A->state(c->variant, c->regs, c->nregs, o->seed, s, S->ulevel, ru, S->mem);
        /* the varied states: ni from nu's; nl and np from the reference's */
        const vl_sweep_regs *ref = S->vuser ? ru : rs;
        int rlevel = S->vuser ? S->ulevel : 0;
        static const int how[3] = { VL_SWEEP_VARY_IO, VL_SWEEP_VARY_MOVED, VL_SWEEP_VARY_PRIVBITS };
        for (int k = 0; k < 3; k++) {
            if (!c->on[T_NI + k]) continue;
            int v = vary(c, k == 0 ? ru : ref, how[k], k == 0 ? S->ulevel : rlevel, &rx[k]);
            if (v < 0 && s == 0) { /* the ISA has no such state */
                c->on[T_NI + k] = false;
                free(S->snap[T_NI + k]);
                S->snap[T_NI + k] = NULL;
            }
            if (k == 0) S->ni_io = v == 1;
        }
        for (int t = 0; t < T_N; t++) {
            if (!c->on[t]) continue;
            vl_machine *m = tmachine(c, t);
            memcpy(m->cpu, save[t], c->csize);
            memcpy(m->mem.ram, S->mem, c->ram);
            if (is_vm(t)) {
                vl_vm *vm = c->v[t - T_V1];
                memcpy(vm->vctx, save[T_N + t - T_V1], c->csize);
                apply_vm(vm, S->vuser ? ru : rs);
                memcpy(S->vsnap[t - T_V1], vm->vctx, c->csize);
            } else {
                apply_native(m, t == T_NS ? rs : t == T_NU ? ru : &rx[t - T_NI]);
            }
            memcpy(S->snap[t], m->cpu, c->csize);
            read_regs(c, t, S->pre[t]);
        }
        int rt = S->vuser ? T_NU : T_NS;
        for (int i = 0; i < c->nregs; i++) {
            S->lmask[i] = c->on[T_NL] ? ~(S->pre[rt][i] ^ S->pre[T_NL][i]) : ~0u;
            S->pmask[i] = c->on[T_NP] ? ~(S->pre[rt][i] ^ S->pre[T_NP][i]) : ~0u;
            S->imask[i] = c->on[T_NI] ? c->mode_mask[i] & ~(S->pre[T_NU][i] ^ S->pre[T_NI][i]) : ~0u;
        }
    }
    free(rs);
    free(ru);
    free(rx);
    for (int t = 0; t < T_N + 2; t++) free(save[t]);
    if (rc) goto oom;
    return 0;
oom:
    seterr(err, errsz, "out of memory%s%s", "", "");
    return -1;
}

/* Restore state s on target t and write the instruction. */
static void prepare(sw_ctx *c, int t, int s, const uint8_t *code, int len, uint32_t addr) {
    sw_state *S = &c->st[s];
    vl_machine *m = tmachine(c, t);
    memcpy(m->cpu, S->snap[t], c->csize);
    if (is_vm(t)) memcpy(c->v[t - T_V1]->vctx, S->vsnap[t - T_V1], c->csize);
    memcpy(m->mem.ram, S->mem, c->ram);
    if (addr + (uint32_t)len <= c->ram) memcpy(m->mem.ram + addr, code, (size_t)len);
    if (is_vm(t) && c->v[t - T_V1]->virt->resync) c->v[t - T_V1]->virt->resync(c->v[t - T_V1]);
}

static void run_target(sw_ctx *c, int t) {
    if (!is_vm(t)) {
        vlab_machine *m = tmachine(c, t);
        uint64_t e = m->cc->exceptions;
        vlab_step(m, 1);
        c->exc[t] = m->cc->exceptions != e;
        c->vec[t] = c->exc[t] ? m->cc->last_vector : -1;
    } else {
        vl_vm *vm = c->v[t - T_V1];
        /* a hardware-assist exit gives the monitor control as a trap does */
        uint64_t tr = vm->st.traps + vm->st.exits, in = vm->st.interpreted;
        vl_vm_step(vm, 1);
        c->traps[t - T_V1] = vm->st.traps + vm->st.exits - tr;
        c->interp[t - T_V1] = vm->st.interpreted - in;
        vl_cpu_common *vc = vm->vctx;
        c->exc[t] = false;
        c->vec[t] = vc->last_vector;
    }
    read_regs(c, t, c->post[t]);
}

/* First difference between targets a and b: register (masked) or memory.
 * Returns 1 and a reason when they differ. */
static int differ(sw_ctx *c, int a, int b, const uint32_t *mask, const char *an, const char *bn, char *why,
                  size_t whysz) {
    const uint8_t *ma = tmachine(c, a)->mem.ram, *mb = tmachine(c, b)->mem.ram;
    if (memcmp(ma, mb, c->ram) != 0) {
        uint32_t i = 0;
        while (ma[i] == mb[i]) i++;
        uint32_t w = i & ~1u;
        uint32_t va = (uint32_t)ma[w] << 8 | (w + 1 < c->ram ? ma[w + 1] : 0);
        uint32_t vb = (uint32_t)mb[w] << 8 | (w + 1 < c->ram ? mb[w + 1] : 0);
        if (why) c->A->reason(c->variant, NULL, w, va, vb, an, bn, why, whysz);
        return 1;
    }
    for (int i = 0; i < c->nregs; i++) {
        uint32_t m = mask ? mask[i] : 0xFFFFFFFFu;
        if ((c->post[a][i] & m) != (c->post[b][i] & m)) {
            if (why) c->A->reason(c->variant, c->regs[i].name, 0, c->post[a][i], c->post[b][i], an, bn, why, whysz);
            return 1;
        }
    }
    return 0;
}

static int ctl_changed(sw_ctx *c, int t, int s) {
    const uint32_t *mask = t == T_NS ? c->ctl_sup : c->ctl_user;
    for (int i = 0; i < c->nregs; i++)
        if ((c->post[t][i] ^ c->st[s].pre[t][i]) & mask[i]) return 1;
    return 0;
}

/* Aggregate of one form over its runs. */
typedef struct sw_agg {
    uint32_t runs, priv_states, iopl_states, counted, illegal_sup, trapped, interpreted, leaks;
    unsigned sens;
    bool user_sens;
    char leak_why[128];
} sw_agg;

static int kind_of(sw_ctx *c, int t) {
    if (!c->on[t] || !c->exc[t]) return -1;
    return c->A->exc_kind(c->variant, c->vec[t], c->regs, c->nregs, c->post[t], tmachine(c, t)->mem.ram);
}

static void run_one(sw_ctx *c, uint64_t w, int s, uint64_t rnd, bool loc, sw_agg *g) {
    uint8_t code[32];
    uint32_t addr = 0;
    int len = c->A->encode(c->variant, w, rnd, code, sizeof code, &addr);
    sw_state *S = &c->st[s];
    for (int t = 0; t < T_N; t++) {
        if (!c->on[t] || (t == T_V2 && !loc)) continue;
        prepare(c, t, s, code, len, addr);
        run_target(c, t);
    }
    g->runs++;
    int ks = kind_of(c, T_NS), ku = kind_of(c, T_NU), ki = kind_of(c, T_NI);
    /* not an instruction in supervisor mode, or a privilege fault there too
     * (an x86 operand can make one: LTR of a null selector): whatever user
     * mode does says nothing about privilege */
    bool illegal_sup = ks == VL_SWEEP_EXC_ILLEGAL;
    bool counted = !illegal_sup && ks != VL_SWEEP_EXC_PRIV;
    /* privileged: traps at the user level, with and without the I/O privilege */
    bool priv_state = counted && ku == VL_SWEEP_EXC_PRIV && (!c->on[T_NI] || ki == VL_SWEEP_EXC_PRIV);
    /* the user run compared with ns: nu, or ni when nu trapped only for want of the I/O privilege */
    int tu = T_NU;
    if (illegal_sup) g->illegal_sup++;
    if (counted) {
        g->counted++;
        g->priv_states += priv_state;
        if (c->on[T_NI]) {
            int k_io = S->ni_io ? ki : ku, k_noio = S->ni_io ? ku : ki;
            if (k_noio == VL_SWEEP_EXC_PRIV && k_io != VL_SWEEP_EXC_PRIV) {
                g->iopl_states++;
                tu = S->ni_io ? T_NI : T_NU;
            }
        }
    }
    /* mode-sensitive: the supervisor and the user run differ without a privilege trap */
    if (!priv_state && counted) {
        if (!c->exc[T_NS] && !c->exc[tu]) {
            if (differ(c, T_NS, tu, tu == T_NU ? c->mode_mask : S->imask, "supervisor", "user", NULL, 0))
                g->sens |= VL_SENS_MODE;
        } else if (c->exc[T_NS] != c->exc[tu] || c->vec[T_NS] != c->vec[tu]) {
            g->sens |= VL_SENS_MODE;
        }
    }
    /* control-sensitive: changes privileged state without trapping */
    if (!c->exc[T_NS] && ctl_changed(c, T_NS, s)) g->sens |= VL_SENS_CONTROL;
    static const int users[2] = { T_NU, T_NI };
    for (int k = 0; k < 2; k++)
        if (c->on[users[k]] && !c->exc[users[k]] && ctl_changed(c, users[k], s)) {
            g->sens |= VL_SENS_CONTROL;
            g->user_sens = true;
        }
    /* the native detectors: the reference's state with privileged state varied */
    int rt = S->vuser ? T_NU : T_NS;
    if (c->on[T_NL] && !c->exc[rt] && !c->exc[T_NL] && differ(c, rt, T_NL, S->lmask, NULL, NULL, NULL, 0)) {
        g->sens |= VL_SENS_LOCATION;
        if (S->vuser) g->user_sens = true;
    }
    if (c->on[T_NP] && !c->exc[rt] && !c->exc[T_NP] && differ(c, rt, T_NP, S->pmask, NULL, NULL, NULL, 0)) {
        g->sens |= VL_SENS_MODE;
        if (S->vuser) g->user_sens = true;
    }
    if (!c->monitored) return;
    /* under the monitor */
    int ref = S->vuser ? T_NU : T_NS;
    char why[100];
    if (differ(c, ref, T_V1, NULL, "native", "virtualized", why, sizeof why)) {
        if (!g->leaks++) snprintf(g->leak_why, sizeof g->leak_why, "%s%s", why, S->vuser ? " (virtual user mode)" : "");
        if (S->vuser) g->user_sens = true;
    }
    if (c->traps[0] && !c->exc[ref]) g->trapped++;
    if (c->interp[0]) g->interpreted++;
    if (loc && differ(c, T_V1, T_V2, NULL, "location 1", "location 2", NULL, 0)) {
        g->sens |= VL_SENS_LOCATION;
        if (S->vuser) g->user_sens = true;
    }
}

static char *enc_text(const vl_sweep_forms *fl, const vl_sweep_form *f, int *nenc) {
    if (f->enc[0]) {
        *nenc = 1;
        return strdup(f->enc);
    }
    /* ranges of consecutive words */
    size_t cap = 64, len = 0;
    char *s = malloc(cap);
    if (!s) return NULL;
    s[0] = 0;
    int n = 0;
    for (uint32_t k = 0; k < f->count;) {
        uint64_t lo = fl->w[f->first + k] & 0xFFFFFFFFu, hi = lo;
        uint32_t j = k + 1;
        while (j < f->count && (fl->w[f->first + j] & 0xFFFFFFFFu) == hi + 1) hi = fl->w[f->first + j++] & 0xFFFFFFFFu;
        char buf[48];
        int bl = lo == hi ? snprintf(buf, sizeof buf, "%s0x%04llx", n ? "\n" : "", (unsigned long long)lo)
                          : snprintf(buf, sizeof buf, "%s0x%04llx-0x%04llx", n ? "\n" : "", (unsigned long long)lo,
                                     (unsigned long long)hi);
        if (len + (size_t)bl + 1 > cap) {
            while (len + (size_t)bl + 1 > cap) cap *= 2;
            char *p = realloc(s, cap);
            if (!p) {
                free(s);
                return NULL;
            }
            s = p;
        }
        memcpy(s + len, buf, (size_t)bl + 1);
        len += (size_t)bl;
        n++;
        k = j;
    }
    *nenc = n;
    return s;
}

static int cmp_form(const void *a, const void *b) {
    const vl_sweep_form *x = a, *y = b;
    if (x->order != y->order) return x->order < y->order ? -1 : 1;
    return x->first < y->first ? -1 : x->first > y->first;
}

/* After the summary: a filter narrows what is shown, never what is measured,
 * so a verdict printed next to filtered rows is still the model's. */
static void keep_matching(vl_sweep_result *r, const char *filter) {
    snprintf(r->filter, sizeof r->filter, "%s", filter);
    size_t n = 0;
    for (size_t i = 0; i < r->nrows; i++) {
        vl_sweep_row *w = &r->rows[i];
        if (strstr(w->mnemonic, filter) || strstr(w->form, filter)) r->rows[n++] = *w;
        else free(w->enc);
    }
    r->nrows = n;
}

int vl_sweep_default_states(const char *isa, const char *model) {
    const vl_model_desc *d = isa && model ? vl_find_model(isa, model) : NULL;
    int nul = 0;
    for (int l = 1; d && l < 8; l++) nul += (d->ops->levels >> l) & 1;
    return 8 * (nul ? nul : 1);
}

int vl_sweep_run(const vl_sweep_opts *o, vl_sweep_result *out, char *err, size_t errsz) {
    memset(out, 0, sizeof *out);
    const char *tech = o->technique ? o->technique : "trap-and-emulate";
    int technique = vl_technique_find(tech);
    if (technique < 0) {
        seterr(err, errsz, "unknown technique '%s' (known: %s)", tech, vl_technique_list());
        return -1;
    }
    if (vl_technique_get(technique)->no_sweep) {
        seterr(err, errsz, "technique %s: %s", tech, vl_technique_get(technique)->no_sweep);
        return -2;
    }
    if (!o->isa || !o->model) {
        seterr(err, errsz, "isa and model are required%s%s", "", "");
        return -1;
    }
    if (o->states < 0 || o->states > 1024) {
        seterr(err, errsz, "states must be 1..1024%s%s", "", "");
        return -1;
    }
    const vl_model_desc *d = vl_find_model(o->isa, o->model);
    const vl_sweep_isa *A = vl_sweep_isa_find(o->isa);
    if (!d || !A || !A->forms) {
        seterr(err, errsz, "no sweep for %s:%s", o->isa, o->model);
        return -1;
    }
    /* an ISA the monitor cannot run: the native columns, unless a technique was asked for */
    bool monitored = o->virt || !vl_sweep_unmonitored(o->isa);
    if (!monitored && o->technique) {
        seterr(err, errsz, "technique '%s': %s; without a technique the sweep measures the native columns", tech,
               vl_sweep_unmonitored(o->isa));
        return -2;
    }
    sw_ctx *c = calloc(1, sizeof *c);
    if (!c) {
        seterr(err, errsz, "out of memory%s%s", "", "");
        return -1;
    }
    c->A = A;
    c->monitored = monitored;
    c->nstates = o->states ? o->states : vl_sweep_default_states(o->isa, o->model);
    vl_sweep_forms fl;
    memset(&fl, 0, sizeof fl);
    int rc = -1;
    if (ctx_init(c, o, technique, err, errsz) < 0) goto done;
    if (c->A->forms(c->variant, &fl) < 0) {
        seterr(err, errsz, "out of memory%s%s", "", "");
        goto done;
    }
    qsort(fl.f, fl.n, sizeof *fl.f, cmp_form);
    snprintf(out->isa, sizeof out->isa, "%s", o->isa);
    snprintf(out->model, sizeof out->model, "%s", o->model);
    snprintf(out->technique, sizeof out->technique, "%s", monitored ? tech : VL_SWEEP_NATIVE);
    out->seed = o->seed;
    out->states = c->nstates;
    out->rows = calloc(fl.n ? fl.n : 1, sizeof *out->rows);
    if (!out->rows) {
        seterr(err, errsz, "out of memory%s%s", "", "");
        goto done;
    }
    vl_sweep_summary *sum = &out->sum;
    uint64_t mseed = mix64(o->seed ^ mix64((uint64_t)c->variant + 0x51u));
    for (size_t fi = 0; fi < fl.n; fi++) {
        const vl_sweep_form *f = &fl.f[fi];
        if (o->progress && (fi % 64) == 0) o->progress(o->progress_ctx, o->model, fi, fl.n);
        sw_agg g;
        memset(&g, 0, sizeof g);
        uint32_t ns = (uint32_t)c->nstates;
        uint32_t nruns = f->every_state ? f->count * ns : f->count > ns ? f->count : ns;
        for (uint32_t j = 0; j < nruns; j++) {
            uint32_t k = f->every_state ? j / ns : f->count ? j % f->count : 0;
            uint64_t w = fl.w[f->first + k];
            int s = (int)(j % ns);
            uint64_t rnd = mix64(mseed ^ mix64(((uint64_t)fi << 32) ^ j));
            run_one(c, w, s, rnd, j < (uint32_t)c->nstates, &g);
        }
        vl_sweep_row *r = &out->rows[out->nrows++];
        snprintf(r->mnemonic, sizeof r->mnemonic, "%s", f->mnemonic);
        snprintf(r->form, sizeof r->form, "%s", f->form);
        r->enc = enc_text(&fl, f, &r->nenc);
        r->declared = f->declared;
        r->runs = g.runs;
        bool all_illegal = g.illegal_sup == g.runs;
        r->privileged = g.counted > 0 && g.priv_states == g.counted;
        /* traps at the user level in every state, exactly when it lacks the I/O privilege */
        bool iopl = !r->privileged && g.counted > 0 && g.iopl_states == g.counted;
        r->sensitive = g.sens;
        if (g.priv_states && !r->privileged) r->sensitive |= VL_SENS_MODE; /* privileged in some states only */
        r->user_sensitive = g.user_sens;
        if (all_illegal) r->measured = f->declared == VL_CLASS_ILLEGAL ? VL_CLASS_ILLEGAL : VL_CLASS_INNOCUOUS;
        else if (r->privileged) r->measured = VL_CLASS_PRIVILEGED;
        else if (iopl) r->measured = VL_CLASS_IOPL_SENSITIVE;
        else if (r->sensitive & VL_SENS_CONTROL) r->measured = VL_CLASS_CONTROL_SENSITIVE;
        else if (r->sensitive & VL_SENS_MODE) r->measured = VL_CLASS_MODE_SENSITIVE;
        else if (r->sensitive & VL_SENS_LOCATION) r->measured = VL_CLASS_LOCATION_SENSITIVE;
        else r->measured = VL_CLASS_INNOCUOUS;
        r->mismatch = r->measured != r->declared;
        if (g.leaks) {
            r->outcome = VL_OUT_LEAKS;
            snprintf(r->reason, sizeof r->reason, "%s", g.leak_why);
        } else if (r->measured == VL_CLASS_ILLEGAL) r->outcome = VL_OUT_ILLEGAL;
        else if (!monitored) r->outcome = VL_OUT_NOT_MODELLED;
        else if (g.trapped) r->outcome = VL_OUT_TRAPS;
        else if (g.interpreted) r->outcome = VL_OUT_INTERPRETED;
        else r->outcome = VL_OUT_DIRECT;
        sum->runs += g.runs;
    }
    if (o->progress) o->progress(o->progress_ctx, o->model, fl.n, fl.n);
    vl_sweep_summarize(out);
    out->forms_measured = out->nrows;
    if (o->filter) keep_matching(out, o->filter);
    rc = 0;
done:
    vl_sweep_forms_free(&fl);
    ctx_free(c);
    free(c);
    if (rc) vl_sweep_result_free(out);
    return rc;
}

void vl_sweep_summarize(vl_sweep_result *res) {
    vl_sweep_summary *sum = &res->sum;
    uint64_t runs = sum->runs;
    memset(sum, 0, sizeof *sum);
    sum->runs = runs;
    for (size_t i = 0; i < res->nrows; i++) {
        const vl_sweep_row *r = &res->rows[i];
        if (r->measured == VL_CLASS_ILLEGAL) {
            sum->illegal++;
        } else {
            sum->forms++;
            sum->privileged += r->privileged;
            bool iopl = r->measured == VL_CLASS_IOPL_SENSITIVE;
            sum->iopl += iopl;
            /* an iopl-sensitive form traps too when the monitor keeps the I/O privilege */
            bool traps = r->privileged || iopl;
            bool sens = r->sensitive != 0;
            sum->sensitive += sens;
            sum->user_sensitive += r->user_sensitive;
            if (sens && !traps) sum->sensitive_unprivileged++;
            if (r->user_sensitive && !traps) sum->user_sensitive_unprivileged++;
        }
        sum->leaks += r->outcome == VL_OUT_LEAKS;
        sum->traps += r->outcome == VL_OUT_TRAPS;
        sum->direct += r->outcome == VL_OUT_DIRECT;
        sum->interpreted += r->outcome == VL_OUT_INTERPRETED;
        sum->mismatches += r->mismatch;
    }
    sum->theorem1 = sum->sensitive_unprivileged == 0;
    sum->theorem3 = sum->user_sensitive_unprivileged == 0;
}

void vl_sweep_result_free(vl_sweep_result *r) {
    if (!r) return;
    for (size_t i = 0; i < r->nrows; i++) free(r->rows[i].enc);
    free(r->rows);
    r->rows = NULL;
    r->nrows = 0;
}

int vl_sweep_report_mismatches(const vl_sweep_result *r, FILE *f) {
    int n = 0;
    for (size_t i = 0; i < r->nrows; i++) {
        const vl_sweep_row *w = &r->rows[i];
        if (!w->mismatch) continue;
        n++;
        fprintf(f, "error: %s:%s %s '%s': declared %s, measured %s\n", r->isa, r->model, w->mnemonic, w->form,
                vl_class_name(w->declared), vl_class_name(w->measured));
    }
    return n;
}
