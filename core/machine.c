/* machine.c - the machine behind include/vlab.h: model lookup, RAM, registers
 * by name, the run loop (timer slices, hooks, until_pc), the console, stats,
 * the ELF/raw loader and asm/disasm dispatch through the model's CPU ops.
 *
 * No mutable global state: every machine is independent, so one process can
 * hold many of them (the monitor and the sweep do).
 *
 * Time. The timer counts retired instructions (cc->icount). When the CPU is
 * stopped (m68k STOP) and the timer is armed, time jumps straight to the
 * deadline: the tick fires at once and idle time costs no instructions.
 * A branch to itself with the timer armed is fast-forwarded the same way,
 * but there the skipped iterations are real instructions and are counted. */
#include "core/asm.h"
#include "core/core.h"
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define VLAB_VERSION "0.1.0"
#define RAM_MAX (1u << 30)

/* A register the front ends see: the core's table plus "pc" when the core
 * does not list it (then id is PSEUDO_PC and get_pc/set_pc are used). */
#define PSEUDO_PC 0xFFFFu

/* The machine and what only this file needs, behind it. */
typedef struct machine_box {
    vl_machine m;               /* first: a vl_machine * is a machine_box * */
    vl_reg_info *regs;          /* the register list (owned copy)          */
    int nregs;
    /* the embedder's hook; m.hook is our dispatcher */
    vlab_hook_fn user_fn;
    void *user_ctx;
    int last_priv;              /* privilege last reported by a mode event */
    uint64_t exc_reported;      /* exception events delivered in this step */
} machine_box;

void vl_seterr(char *err, size_t errsz, const char *fmt, ...) {
    if (!err || !errsz) return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errsz, fmt, ap);
    va_end(ap);
}

const char *vlab_version(void) { return VLAB_VERSION; }

/* ---- ISAs and models --------------------------------------------------- */

const char *vlab_isa_name(int i) {
    if (i < 0) return NULL;
    int n = 0;
    for (const vl_model_desc *d = vl_models; d->isa; d++) {
        bool seen = false;
        for (const vl_model_desc *e = vl_models; e < d; e++)
            if (strcmp(e->isa, d->isa) == 0) { seen = true; break; }
        if (seen) continue;
        if (n++ == i) return d->isa;
    }
    return NULL;
}

const char *vlab_model_name(const char *isa, int i) {
    if (!isa || i < 0) return NULL;
    int n = 0;
    for (const vl_model_desc *d = vl_models; d->isa; d++)
        if (strcmp(d->isa, isa) == 0 && n++ == i) return d->model;
    return NULL;
}

static void list_isas(char *buf, size_t sz) {
    buf[0] = 0;
    const char *s;
    for (int i = 0; (s = vlab_isa_name(i)); i++) {
        size_t l = strlen(buf);
        snprintf(buf + l, sz - l, "%s%s", i ? ", " : "", s);
    }
}

static void list_models(const char *isa, char *buf, size_t sz) {
    buf[0] = 0;
    const char *s;
    for (int i = 0; (s = vlab_model_name(isa, i)); i++) {
        size_t l = strlen(buf);
        snprintf(buf + l, sz - l, "%s%s", i ? ", " : "", s);
    }
}

static bool isa_known(const char *isa) {
    for (const vl_model_desc *d = vl_models; d->isa; d++)
        if (strcmp(d->isa, isa) == 0) return true;
    return false;
}

/* isa (may be NULL when model names it alone) and model (NULL = first). */
static const vl_model_desc *find_desc(const char *isa, const char *model, char *err, size_t errsz) {
    char known[256];
    if (!isa || !*isa) {
        if (!model || !*model) {
            list_isas(known, sizeof known);
            vl_seterr(err, errsz, "no isa given (known: %s)", known);
            return NULL;
        }
        for (const vl_model_desc *d = vl_models; d->isa; d++)
            if (strcmp(d->model, model) == 0) return d;
        list_isas(known, sizeof known);
        vl_seterr(err, errsz, "unknown model '%s' (known isas: %s)", model, known);
        return NULL;
    }
    if (!isa_known(isa)) {
        list_isas(known, sizeof known);
        if (vl_planned_isa(isa))
            vl_seterr(err, errsz, "isa '%s' (%s) is not modelled yet (known: %s)", isa, vl_planned_isa(isa), known);
        else
            vl_seterr(err, errsz, "unknown isa '%s' (known: %s)", isa, known);
        return NULL;
    }
    const vl_model_desc *d = vl_find_model(isa, model && *model ? model : NULL);
    if (!d) {
        list_models(isa, known, sizeof known);
        vl_seterr(err, errsz, "unknown model '%s' for isa %s (known: %s)", model, isa, known);
    }
    return d;
}

/* "m68k", "m68k:68010" or "68010". */
static const vl_model_desc *resolve_desc(const char *s, char *err, size_t errsz) {
    char known[256];
    if (!s || !*s) {
        list_isas(known, sizeof known);
        vl_seterr(err, errsz, "empty isa name (known: %s)", known);
        return NULL;
    }
    const char *colon = strchr(s, ':');
    if (colon) {
        char isa[64];
        size_t n = (size_t)(colon - s);
        if (n >= sizeof isa) n = sizeof isa - 1;
        memcpy(isa, s, n);
        isa[n] = 0;
        if (!colon[1]) {
            vl_seterr(err, errsz, "missing model after '%s:'", isa);
            return NULL;
        }
        if (!n) { /* ":68010" must not pass for "68010" */
            list_isas(known, sizeof known);
            vl_seterr(err, errsz, "missing isa before ':%s' (known: %s)", colon + 1, known);
            return NULL;
        }
        return find_desc(isa, colon + 1, err, errsz);
    }
    if (isa_known(s)) return find_desc(s, NULL, err, errsz);
    for (const vl_model_desc *d = vl_models; d->isa; d++)
        if (strcmp(d->model, s) == 0) return d;
    list_isas(known, sizeof known);
    if (vl_planned_isa(s)) {
        vl_seterr(err, errsz, "isa '%s' (%s) is not modelled yet (known: %s)", s, vl_planned_isa(s), known);
        return NULL;
    }
    char models[256] = "";
    for (const vl_model_desc *d = vl_models; d->isa; d++) {
        size_t l = strlen(models);
        snprintf(models + l, sizeof models - l, "%s%s", l ? ", " : "", d->model);
    }
    vl_seterr(err, errsz, "unknown isa '%s' (known: %s; models: %s)", s, known, models);
    return NULL;
}

int vlab_resolve(const char *isa_or_model, const char **isa, const char **model, char *err,
                 size_t errsz) {
    const vl_model_desc *d = resolve_desc(isa_or_model, err, errsz);
    if (!d) return -1;
    if (isa) *isa = d->isa;
    if (model) *model = d->model;
    return 0;
}

/* ---- machine lifetime ------------------------------------------------------ */

static machine_box *box(const vl_machine *m) { return (machine_box *)(uintptr_t)m; }

static int hook_dispatch(void *ctx, int event, uint32_t a, uint32_t b);

/* The power-on state of everything but the allocations (the box zeroed,
 * RAM and CPU state zeroed, regs built): what vlab_machine_new gives and
 * vlab_machine_renew gives back. */
static void power_on(machine_box *bx) {
    vl_machine *m = &bx->m;
    const vl_model_desc *d = m->desc;
    m->con_keep = SIZE_MAX;
    m->mem.watch_lo = m->mem.size;
    m->mem.span_lo = m->mem.size;
    m->mem.addr_mask = d->addr_mask ? d->addr_mask : 0xFFFFFFFFu;
    m->mem.mmio_base = d->mmio_base;
    m->mem.mmio_on = true;
    m->mem.big_endian = d->big_endian;
    m->cc = (vl_cpu_common *)m->cpu;
    m->cc->m = m;
    if (d->ops->init) d->ops->init(m->cpu, m, d->variant);
    m->cc->m = m;
    m->cc->stop_on_null_vector = true;
    m->regs = bx->regs;
    m->nregs = bx->nregs;
    bx->last_priv = d->ops->priv_get(m->cpu);
    m->timer_vector = d->timer_vector;
    vl_run_woken(m);
}

static size_t cpu_size(const vl_model_desc *d) {
    return d->ops->state_size < sizeof(vl_cpu_common) ? sizeof(vl_cpu_common) : d->ops->state_size;
}

void vl_cpu_state_clear(const vl_cpu_ops *ops, void *cpu) {
    size_t n = ops->state_size < sizeof(vl_cpu_common) ? sizeof(vl_cpu_common) : ops->state_size;
    if (ops->snap_size && ops->snap_size >= sizeof(vl_cpu_common) && ops->snap_size < n) n = ops->snap_size;
    memset(cpu, 0, n);
}

void vlab_machine_renew(vlab_machine *m) {
    machine_box *bx = box(m);
    /* what vlab_machine_new allocated is kept; everything else is zeroed
     * and set up again as vlab_machine_new does, so no field is forgotten */
    const vl_model_desc *d = m->desc;
    uint8_t *ram = m->mem.ram;
    uint32_t size = m->mem.size;
    void *cpu = m->cpu;
    char *con = m->con;
    size_t con_cap = m->con_cap;
    vl_reg_info *regs = bx->regs;
    int nregs = bx->nregs;
    free(m->mem.watch);
    memset(bx, 0, sizeof *bx);
    memset(ram, 0, size);
    vl_cpu_state_clear(d->ops, cpu);
    if (con) con[0] = 0;
    m->desc = d;
    m->mem.ram = ram;
    m->mem.size = size;
    m->cpu = cpu;
    m->con = con;
    m->con_cap = con_cap;
    bx->regs = regs;
    bx->nregs = nregs;
    power_on(bx);
}

vlab_machine *vlab_machine_new(const char *isa, const char *model, uint32_t ram_bytes, char *err,
                               size_t errsz) {
    const vl_model_desc *d = find_desc(isa, model, err, errsz);
    if (!d) return NULL;
    if (ram_bytes == 0 || ram_bytes > RAM_MAX) {
        vl_seterr(err, errsz, "ram must be 1 byte to 1 GiB (got %u)", ram_bytes);
        return NULL;
    }
    if (!d->ops || !d->ops->run || !d->ops->regs || !d->ops->priv_get || !d->ops->priv_set) {
        vl_seterr(err, errsz, "isa %s: no CPU core built", d->isa);
        return NULL;
    }
    machine_box *bx = calloc(1, sizeof *bx);
    if (!bx) goto oom;
    vl_machine *m = &bx->m;
    m->desc = d;
    m->mem.ram = calloc(1, ram_bytes);
    m->cpu = calloc(1, cpu_size(d));
    if (!m->mem.ram || !m->cpu) goto oom_free;
    m->mem.size = ram_bytes;

    int n = 0;
    const vl_reg_info *r = d->ops->regs(d->variant, &n);
    if (n < 0 || !r) n = 0;
    bool has_pc = false;
    for (int i = 0; i < n; i++)
        if (r[i].name && strcmp(r[i].name, "pc") == 0) has_pc = true;
    bx->regs = calloc((size_t)n + 1, sizeof *bx->regs);
    if (!bx->regs) goto oom_free;
    for (int i = 0; i < n; i++) {
        if (!r[i].name) continue;
        bool alias = false; /* a second name for a register listed already ("sp") */
        for (int j = 0; j < bx->nregs; j++)
            if (bx->regs[j].id == r[i].id) alias = true;
        if (!alias) bx->regs[bx->nregs++] = r[i];
    }
    if (!has_pc && !d->ops->pc_name) bx->regs[bx->nregs++] = (vl_reg_info){ "pc", 32, 0, PSEUDO_PC };
    power_on(bx);
    return m;
oom_free:
    free(m->mem.ram);
    free(m->cpu);
    free(bx->regs);
    free(bx);
oom:
    vl_seterr(err, errsz, "out of memory (ram %u bytes)", ram_bytes);
    return NULL;
}

void vlab_machine_free(vlab_machine *m) {
    if (!m) return;
    machine_box *bx = box(m);
    free(m->mem.ram);
    free(m->mem.watch);
    free(m->cpu);
    free(m->con);
    free(bx->regs);
    free(bx);
}

const char *vlab_machine_isa(const vlab_machine *m) { return m->desc->isa; }
const char *vlab_machine_model(const vlab_machine *m) { return m->desc->model; }
uint32_t vlab_ram_size(const vlab_machine *m) { return m->mem.size; }
uint32_t vlab_mmio_base(const vlab_machine *m) { return m->mem.mmio_base; }

void vlab_reset(vlab_machine *m) {
    vl_run_woken(m);
    m->timer_period = 0;
    m->timer_next = 0;
    m->timer_vector = m->desc->timer_vector;
    m->cc->irq_level = 0;
    m->cc->irq_vector = 0;
    unsigned mask = m->hook_mask;
    m->hook_mask = 0;
    if (m->desc->ops->reset) m->desc->ops->reset(m->cpu);
    m->hook_mask = mask;
    m->cc->stop_on_null_vector = true;
    box(m)->last_priv = vlab_privilege(m);
}

/* ---- memory --------------------------------------------------------------- */

static bool in_ram(const vl_machine *m, uint32_t addr, size_t len) {
    return (uint64_t)addr + len <= m->mem.size;
}

int vlab_mem_read(vlab_machine *m, uint32_t addr, void *buf, size_t len) {
    if (!in_ram(m, addr, len)) return -1;
    if (len) memcpy(buf, m->mem.ram + addr, len);
    return 0;
}

int vlab_mem_write(vlab_machine *m, uint32_t addr, const void *buf, size_t len) {
    if (!in_ram(m, addr, len)) return -1;
    if (len) memcpy(m->mem.ram + addr, buf, len);
    return 0;
}

int vlab_mem_get(vlab_machine *m, uint32_t addr, int size, uint32_t *value) {
    if ((size != 1 && size != 2 && size != 4) || !in_ram(m, addr, (size_t)size)) return -1;
    const uint8_t *p = m->mem.ram + addr;
    uint32_t v = 0;
    for (int i = 0; i < size; i++) v = v << 8 | p[m->mem.big_endian ? i : size - 1 - i];
    *value = v;
    return 0;
}

int vlab_mem_set(vlab_machine *m, uint32_t addr, int size, uint32_t value) {
    if ((size != 1 && size != 2 && size != 4) || !in_ram(m, addr, (size_t)size)) return -1;
    uint8_t *p = m->mem.ram + addr;
    for (int i = 0; i < size; i++) p[m->mem.big_endian ? size - 1 - i : i] = (uint8_t)(value >> (8 * i));
    return 0;
}

/* ---- registers -------------------------------------------------------------- */

int vlab_reg_count(const vlab_machine *m) { return box(m)->nregs; }

static const vl_reg_info *reg_at(const vlab_machine *m, int idx) {
    const machine_box *bx = box(m);
    return idx >= 0 && idx < bx->nregs ? &bx->regs[idx] : NULL;
}

const char *vlab_reg_name(const vlab_machine *m, int idx) {
    const vl_reg_info *r = reg_at(m, idx);
    return r ? r->name : NULL;
}

int vlab_reg_width(const vlab_machine *m, int idx) {
    const vl_reg_info *r = reg_at(m, idx);
    return r ? r->width : 0;
}

int vlab_reg_privileged(const vlab_machine *m, int idx) {
    const vl_reg_info *r = reg_at(m, idx);
    return r ? (r->flags & VL_REG_PRIV) != 0 : 0;
}

int vlab_reg_hidden(const vlab_machine *m, int idx) {
    const vl_reg_info *r = reg_at(m, idx);
    return r ? (r->flags & VL_REG_HIDDEN) != 0 : 0;
}

static int reg_lookup(const vlab_machine *m, const char *name) {
    const machine_box *bx = box(m);
    for (int i = 0; i < bx->nregs; i++)
        if (strcasecmp(bx->regs[i].name, name) == 0) return i;
    return -1;
}

int vlab_reg_index(const vlab_machine *m, const char *name) {
    if (!name) return -1;
    int i = reg_lookup(m, name);
    if (i >= 0) return i;
    /* aliases: the active stack pointer and the program counter */
    const vl_cpu_ops *ops = m->desc->ops;
    if (strcasecmp(name, "sp") == 0 && ops->sp_name) return reg_lookup(m, ops->sp_name);
    if (strcasecmp(name, "pc") == 0 && ops->pc_name) return reg_lookup(m, ops->pc_name);
    return -1;
}

uint32_t vlab_reg_get(vlab_machine *m, int idx) {
    const vl_reg_info *r = reg_at(m, idx);
    if (!r) return 0;
    if (r->id == PSEUDO_PC) return vlab_pc(m);
    return m->desc->ops->reg_get ? m->desc->ops->reg_get(m->cpu, r->id) : 0;
}

void vlab_reg_set(vlab_machine *m, int idx, uint32_t value) {
    const vl_reg_info *r = reg_at(m, idx);
    if (!r) return;
    if (r->width < 32) value &= (1u << r->width) - 1;
    if (r->id == PSEUDO_PC) {
        vlab_set_pc(m, value);
        return;
    }
    if (!m->desc->ops->reg_set) return;
    /* a change made by the host is no guest event */
    unsigned mask = m->hook_mask;
    m->hook_mask = 0;
    m->desc->ops->reg_set(m->cpu, r->id, value);
    m->hook_mask = mask;
    box(m)->last_priv = vlab_privilege(m);
}

uint32_t vlab_pc(vlab_machine *m) { return m->desc->ops->get_pc ? m->desc->ops->get_pc(m->cpu) : 0; }
void vlab_set_pc(vlab_machine *m, uint32_t pc) {
    if (m->desc->ops->set_pc) m->desc->ops->set_pc(m->cpu, pc);
}

int vlab_privilege_valid(const vlab_machine *m, int level) {
    return level >= 0 && level < 8 && (m->desc->ops->levels >> level & 1);
}

int vlab_user_level(const vlab_machine *m) {
    int u = 0;
    for (int l = 0; l < 8; l++)
        if (m->desc->ops->levels >> l & 1) u = l;
    return u;
}

int vlab_privilege(vlab_machine *m) { return m->desc->ops->priv_get(m->cpu); }

int vlab_set_privilege(vlab_machine *m, int level) {
    if (!vlab_privilege_valid(m, level)) return -1;
    /* a change made by the host is no guest event */
    unsigned mask = m->hook_mask;
    m->hook_mask = 0;
    m->desc->ops->priv_set(m->cpu, level);
    m->hook_mask = mask;
    box(m)->last_priv = vlab_privilege(m);
    return 0;
}

int vlab_supervisor(vlab_machine *m) { return vlab_privilege(m) == 0; }
void vlab_set_supervisor(vlab_machine *m, int on) { vlab_set_privilege(m, on ? 0 : vlab_user_level(m)); }

void vl_machine_boot(vl_machine *m, uint32_t entry, uint32_t sp) {
    unsigned mask = m->hook_mask;
    m->hook_mask = 0;
    m->desc->ops->boot(m->cpu, entry, sp);
    m->hook_mask = mask;
    box(m)->last_priv = vlab_privilege(m);
}

size_t vlab_read_virt(vlab_machine *m, uint32_t addr, void *buf, size_t len, int fetch) {
    if (!m->desc->ops->read_virt || !buf) return 0;
    return m->desc->ops->read_virt(m->cpu, addr, buf, len, fetch != 0);
}

/* ---- hooks -------------------------------------------------------------------- */

/* Every event passes here: mode events are reported once per real change
 * (whether the core or the run loop noticed it), exception events are
 * counted so that the run loop can add those a core did not report. */
static int hook_dispatch(void *ctx, int event, uint32_t a, uint32_t b) {
    machine_box *bx = ctx;
    if (event == VLAB_EV_MODE) {
        if ((int)a == bx->last_priv) return 0;
        bx->last_priv = (int)a;
    }
    if (event == VLAB_EV_EXCEPTION) bx->exc_reported++;
    if (!bx->user_fn || !(bx->m.hook_mask & (unsigned)event)) return 0;
    return bx->user_fn(bx->user_ctx, event, a, b);
}

void vlab_set_hook(vlab_machine *m, unsigned mask, vlab_hook_fn fn, void *ctx) {
    machine_box *bx = box(m);
    bx->user_fn = fn;
    bx->user_ctx = ctx;
    m->hook_mask = fn ? mask & (VLAB_EV_EXCEPTION | VLAB_EV_MODE | VLAB_EV_STEP | VLAB_EV_CONSOLE) : 0;
    m->hook = m->hook_mask ? hook_dispatch : NULL;
    m->hook_ctx = bx;
    m->hook_stop = false;
    bx->last_priv = vlab_privilege(m);
}

/* ---- the run loop ------------------------------------------------------------- */

static const char *const stop_names[] = { "none", "budget", "halt", "idle", "breakpoint",
                                          "exception", "vmexit", "error", "interrupted", "shutdown" };

const char *vlab_stop_name(int reason) {
    return reason >= 0 && reason < (int)(sizeof stop_names / sizeof *stop_names) ? stop_names[reason] : "?";
}

const char *vlab_vector_name(const vlab_machine *m, int v) {
    const vl_vector_info *t = m->desc->ops->vectors;
    if (!t || v < 0) return NULL;
    for (; t->name; t++)
        if (t->vector == v) return t->name;
    return NULL;
}

static vl_stop mkstop(vl_machine *m, int reason) {
    return (vl_stop){ .reason = (uint8_t)reason, .pc = vlab_pc(m), .vector = -1 };
}

uint32_t vlab_stop_info(vlab_stop s) {
    return (s.flags & VLAB_STOP_HAS_ADDR) ? s.addr : (s.flags & VLAB_STOP_HAS_CODE) ? s.code : 0;
}

/* The core's slice for one step or one batch. */
static vl_stop core_run(vl_machine *m, uint64_t n) {
    vl_stop s = m->desc->ops->run(m->cpu, n);
    if (s.reason == VLAB_STOP_NONE) s.reason = VLAB_STOP_BUDGET;
    return s;
}

/* After one single-stepped instruction: the events the run loop reports.
 * An exception the core took without reporting it is reported here (not
 * one that stopped the run: the stop table says it); a mode change is
 * reported once, whoever noticed it first. */
static void after_step(machine_box *bx, uint64_t exc_before) {
    vl_machine *m = &bx->m;
    uint64_t taken = m->cc->exceptions - exc_before;
    if (taken > bx->exc_reported && (m->hook_mask & VLAB_EV_EXCEPTION))
        vl_event(m, VLAB_EV_EXCEPTION, (uint32_t)m->cc->last_vector, m->cc->last_vector_pc);
    int p = vlab_privilege(m);
    if (p != bx->last_priv) {
        if (m->hook_mask & VLAB_EV_MODE) vl_event(m, VLAB_EV_MODE, (uint32_t)p, vlab_pc(m));
        bx->last_priv = p;
    }
    if (m->hook_mask & VLAB_EV_STEP) vl_event(m, VLAB_EV_STEP, 0, vlab_pc(m));
}

vlab_stop vlab_run(vlab_machine *m, uint64_t max, int has_until, uint32_t until_pc) {
    machine_box *bx = box(m);
    vl_cpu_common *cc = m->cc;
    /* with any hook installed, one instruction at a time: events are seen
     * and a hook's stop request is honoured right after their instruction */
    const bool single = has_until || m->hook_mask;
    vl_run_clock rc;
    vl_run_begin(&rc, m, max, single, has_until, until_pc);

    m->hook_stop = false;
    for (;;) {
        vl_stop s;
        uint64_t n = vl_run_next_slice(&rc, &s);
        if (!n) return s;

        uint64_t exc_before = cc->exceptions, irq_before = cc->interrupts, ic_before = cc->icount;
        bx->exc_reported = 0;
        s = core_run(m, n);
        if (single && !m->hook_stop && s.reason != VLAB_STOP_ERROR && s.reason != VLAB_STOP_BREAKPOINT &&
            (cc->icount != ic_before || cc->exceptions != exc_before))
            after_step(bx, s.reason == VLAB_STOP_EXCEPTION ? cc->exceptions : exc_before);
        if (m->hook_stop) {
            m->hook_stop = false;
            /* a stop of the guest's own (an exception with no handler, a
             * shutdown, a double fault) ends the run whatever the hook
             * asked: that stop is what the run reports, as without the
             * hook (a breakpoint would hide it, and a resumed run go on
             * past an exception it never took) */
            if (s.reason != VLAB_STOP_BUDGET && s.reason != VLAB_STOP_IDLE && s.reason != VLAB_STOP_HALT) return s;
            /* halted or idle for good (nothing can wake it): that too, or
             * a loop resuming after each breakpoint would never end */
            if (s.reason != VLAB_STOP_BUDGET && vl_run_idle(&rc, &s, cc->interrupts)) return s;
            return mkstop(m, VLAB_STOP_BREAKPOINT);
        }
        if (cc->interrupts != irq_before) vl_run_woken(m);

        if (s.reason == VLAB_STOP_BUDGET) continue;
        if ((s.reason == VLAB_STOP_IDLE || s.reason == VLAB_STOP_HALT) && !vl_run_idle(&rc, &s, cc->interrupts))
            continue;
        return s;
    }
}

vlab_stop vlab_step(vlab_machine *m, uint64_t n) {
    if (n == 0) return mkstop(m, VLAB_STOP_BUDGET);
    return vlab_run(m, n, 0, 0);
}

/* ---- console and stats ---------------------------------------------------------- */

const char *vlab_console(const vlab_machine *m, size_t *len) {
    if (len) *len = m->con_len;
    return m->con ? m->con : "";
}

void vlab_console_clear(vlab_machine *m) {
    m->con_len = 0;
    m->con_dropped = 0;
    if (m->con) m->con[0] = 0;
}

void vlab_get_stats(const vlab_machine *m, vlab_stats *out) {
    out->instructions = m->cc->icount;
    out->exceptions = m->cc->exceptions;
    out->interrupts = m->cc->interrupts;
    out->mode_switches = m->cc->mode_switches;
}

/* ---- loader -------------------------------------------------------------------------- */

char *vl_read_stream(FILE *f, size_t limit, size_t *len) {
    size_t cap = 4096, n = 0;
    char *buf = malloc(cap + 1);
    while (buf) {
        if (n == cap) {
            if (limit && cap >= limit) { /* stop reading what no one can use */
                free(buf);
                errno = EFBIG;
                return NULL;
            }
            char *p = realloc(buf, cap * 2 + 1);
            if (!p) { free(buf); buf = NULL; break; }
            buf = p;
            cap *= 2;
        }
        size_t r = fread(buf + n, 1, cap - n, f);
        n += r;
        if (r == 0) break;
    }
    if (!buf) {
        errno = ENOMEM;
        return NULL;
    }
    if (ferror(f)) {
        free(buf);
        errno = EIO;
        return NULL;
    }
    buf[n] = 0;
    *len = n;
    return buf;
}

static int read_file(const char *path, uint8_t **data, size_t *len, char *err, size_t errsz) {
    FILE *f = fopen(path, "rb");
    if (!f) {
        vl_seterr(err, errsz, "%s: %s", path, strerror(errno));
        return -1;
    }
    /* bigger than any RAM */
    char *buf = vl_read_stream(f, (size_t)RAM_MAX << 1, len);
    int why = errno;
    fclose(f);
    if (!buf) {
        vl_seterr(err, errsz, "%s: %s", path,
                  why == EFBIG ? "file too large" : why == ENOMEM ? "out of memory" : "read error");
        return -1;
    }
    *data = (uint8_t *)buf;
    return 0;
}

static uint32_t rd16(const uint8_t *p, bool be) { return be ? (uint32_t)p[0] << 8 | p[1] : (uint32_t)p[1] << 8 | p[0]; }
static uint32_t rd32(const uint8_t *p, bool be) {
    return be ? (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3]
              : (uint32_t)p[3] << 24 | (uint32_t)p[2] << 16 | (uint32_t)p[1] << 8 | p[0];
}

static int load_elf(vl_machine *m, const char *path, const uint8_t *f, size_t len, uint32_t *entry,
                    char *err, size_t errsz) {
    const char *isa = m->desc->isa;
    /* e_machine sits at the same offset in ELF32 and ELF64: check it first,
     * so that a host binary is reported for what it is */
    if (len < 20) {
        vl_seterr(err, errsz, "%s: truncated ELF header (%zu bytes)", path, len);
        return -1;
    }
    if (f[5] != 1 && f[5] != 2) {
        vl_seterr(err, errsz, "%s: bad ELF data encoding %u", path, f[5]);
        return -1;
    }
    bool be = f[5] == 2;
    uint32_t mach = rd16(f + 18, be);
    if (mach != m->desc->ops->elf_machine) {
        /* "an m68k", "an x86", "a ppc" */
        vl_seterr(err, errsz, "%s: not %s %s ELF (machine %u)", path, isa[0] == 'p' ? "a" : "an", isa, mach);
        return -1;
    }
    if (f[4] != 1) {
        vl_seterr(err, errsz, "%s: not a 32-bit ELF (class %u)", path, f[4]);
        return -1;
    }
    if (len < 52) {
        vl_seterr(err, errsz, "%s: truncated ELF header (%zu bytes)", path, len);
        return -1;
    }
    if (be != m->mem.big_endian) {
        vl_seterr(err, errsz, "%s: %s-endian ELF for a %s-endian %s", path, be ? "big" : "little",
                  m->mem.big_endian ? "big" : "little", isa);
        return -1;
    }
    uint32_t type = rd16(f + 16, be);
    if (type != 2 && type != 3) {
        vl_seterr(err, errsz, "%s: not an executable ELF (type %u)", path, type);
        return -1;
    }
    uint32_t phoff = rd32(f + 28, be), phentsize = rd16(f + 42, be), phnum = rd16(f + 44, be);
    if (phnum == 0) {
        vl_seterr(err, errsz, "%s: ELF has no program headers", path);
        return -1;
    }
    if (phentsize < 32) {
        vl_seterr(err, errsz, "%s: bad ELF program header size %u", path, phentsize);
        return -1;
    }
    if ((uint64_t)phoff + (uint64_t)phentsize * phnum > len) {
        vl_seterr(err, errsz, "%s: truncated ELF (program headers past the end of the file)", path);
        return -1;
    }
    /* check every segment before writing any */
    int loads = 0;
    for (int pass = 0; pass < 2; pass++) {
        for (uint32_t i = 0; i < phnum; i++) {
            const uint8_t *ph = f + phoff + (size_t)i * phentsize;
            if (rd32(ph, be) != 1) continue; /* PT_LOAD */
            uint32_t off = rd32(ph + 4, be), vaddr = rd32(ph + 8, be);
            uint32_t filesz = rd32(ph + 16, be), memsz = rd32(ph + 20, be);
            if (pass == 0) {
                loads++;
                if (filesz > memsz) {
                    vl_seterr(err, errsz, "%s: segment %u: file size 0x%x above memory size 0x%x", path, i,
                              filesz, memsz);
                    return -1;
                }
                if ((uint64_t)off + filesz > len) {
                    vl_seterr(err, errsz, "%s: truncated ELF (segment %u needs bytes 0x%x-0x%llx, file has 0x%zx)",
                              path, i, off, (unsigned long long)off + filesz, len);
                    return -1;
                }
                if ((uint64_t)vaddr + memsz > m->mem.size) {
                    vl_seterr(err, errsz, "%s: segment %u at 0x%x (0x%x bytes) does not fit in RAM (%u bytes)",
                              path, i, vaddr, memsz, m->mem.size);
                    return -1;
                }
            } else {
                memcpy(m->mem.ram + vaddr, f + off, filesz);
                memset(m->mem.ram + vaddr + filesz, 0, memsz - filesz);
            }
        }
        if (pass == 0 && loads == 0) {
            vl_seterr(err, errsz, "%s: ELF has no loadable segment", path);
            return -1;
        }
    }
    if (entry) *entry = rd32(f + 24, be);
    return 0;
}

int vlab_load(vlab_machine *m, const char *path, uint32_t org, uint32_t *entry, char *err,
              size_t errsz) {
    if (!path) {
        vl_seterr(err, errsz, "no file given");
        return -1;
    }
    uint8_t *f;
    size_t len;
    if (read_file(path, &f, &len, err, errsz) < 0) return -1;
    int rc;
    size_t plen = strlen(path);
    bool elf_name = plen > 4 && strcasecmp(path + plen - 4, ".elf") == 0;
    if (len >= 4 && memcmp(f, "\x7f" "ELF", 4) == 0) {
        rc = load_elf(m, path, f, len, entry, err, errsz);
    } else if (elf_name) {
        if (len < 4) vl_seterr(err, errsz, "%s: truncated ELF (%zu bytes)", path, len);
        else vl_seterr(err, errsz, "%s: not an ELF file (bad magic)", path);
        rc = -1;
    } else if (len == 0) {
        vl_seterr(err, errsz, "%s: empty file", path);
        rc = -1;
    } else if ((uint64_t)org + len > m->mem.size) {
        vl_seterr(err, errsz, "%s: %zu bytes at 0x%x do not fit in RAM (%u bytes)", path, len, org, m->mem.size);
        rc = -1;
    } else {
        memcpy(m->mem.ram + org, f, len);
        if (entry) *entry = org;
        rc = 0;
    }
    free(f);
    return rc;
}

/* ---- asm / disasm ------------------------------------------------------------------------ */

int vlab_asm_source(const char *src, size_t len, char *err, size_t errsz) {
    return asm_nul_error(src, len, err, errsz) ? -1 : 0;
}

int vlab_asm(const char *isa_or_model, const char *src, uint32_t org, uint8_t **out, size_t *len,
             char *err, size_t errsz) {
    *out = NULL;
    *len = 0;
    const vl_model_desc *d = resolve_desc(isa_or_model, err, errsz);
    if (!d) return -1;
    if (!d->ops->assemble) {
        vl_seterr(err, errsz, "1:1: no assembler for %s", d->isa);
        return -1;
    }
    if (err && errsz) err[0] = 0;
    int rc = d->ops->assemble(d->variant, src ? src : "", org, out, len, err, errsz);
    if (rc < 0) {
        free(*out);
        *out = NULL;
        *len = 0;
        if (err && errsz && !err[0]) vl_seterr(err, errsz, "1:1: assembly failed");
        return -1;
    }
    return 0;
}

int vlab_disasm(const char *isa_or_model, const uint8_t *bytes, size_t len, uint32_t addr, char *out,
                size_t outsz) {
    return vlab_disasm_bits(isa_or_model, 0, bytes, len, addr, out, outsz);
}

int vlab_code_bits(vlab_machine *m) {
    const vl_cpu_ops *ops = m->desc->ops;
    return ops->code_bits ? ops->code_bits(vl_code_variant(ops, m->cpu, m->desc->variant)) : 32;
}

int vlab_disasm_bits(const char *isa_or_model, int bits, const uint8_t *bytes, size_t len, uint32_t addr,
                     char *out, size_t outsz) {
    const vl_model_desc *d = resolve_desc(isa_or_model, out, outsz);
    if (!d) return -1;
    int variant = d->variant;
    if (bits) {
        variant = d->ops->bits_variant ? d->ops->bits_variant(d->variant, bits) : (bits == 32 ? d->variant : -1);
        if (variant < 0) {
            vl_seterr(out, outsz, "bits: %s has no %d-bit code (its code is %s)", d->isa, bits,
                      d->ops->bits_variant ? "16- or 32-bit" : "32-bit");
            return -1;
        }
    }
    if (!d->ops->disasm) {
        vl_seterr(out, outsz, "no disassembler for %s", d->isa);
        return -1;
    }
    if (!len) {
        vl_seterr(out, outsz, "no bytes to disassemble");
        return -1;
    }
    if (out && outsz) out[0] = 0;
    int n = d->ops->disasm(variant, bytes, len, addr, out, outsz);
    if (n < 0 && out && outsz && !out[0]) vl_seterr(out, outsz, "cannot disassemble");
    if (n > (int)len) {
        vl_seterr(out, outsz, "truncated instruction (needs %d bytes, %zu given)", n, len);
        return -1;
    }
    return n;
}

void vlab_free(void *p) { free(p); }

void vlab_set_interrupt_flag(vlab_machine *m, volatile int *flag) { m->interrupt = flag; }
