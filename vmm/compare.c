/* compare.c - the equivalence check (DESIGN §3): compare two machines'
 * guest-visible state (every register by name, the guest's privileged
 * registers from its virtual state, memory byte by byte, console output),
 * and run one image natively and under the monitor to tie the first
 * difference to the instruction that produced it.
 *
 * Finding that instruction: both sides run in lockstep chunks, compared after
 * each; when a chunk ends different, both are rebuilt from the image (runs are
 * deterministic), brought to the start of that chunk, and single-stepped with
 * a comparison after every instruction.
 *
 * The instruction a step executed: the one at the step's start PC, unless
 * the step took an interrupt or trace exception first (the cores then
 * execute the handler's first instruction in the same step): a replay
 * re-steps it with an exception hook that stops before any instruction
 * retires, until one does, and names that one (which_insn). The single
 * steps watch for such exceptions themselves (early_watch): a step that
 * took none names its start PC's instruction without that replay. */
#include "vmm/vmm.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CHUNK 4096

static int view_nregs(const vl_view *v) { return vlab_reg_count(v->m); }
static const char *view_rname(const vl_view *v, int i) { return vlab_reg_name(v->m, i); }
static uint32_t view_reg(const vl_view *v, int i) {
    return v->vm ? vl_vm_reg_get(v->vm, i) : vlab_reg_get(v->m, i);
}

static void add(vl_diff *out, size_t max, size_t *n, const vl_diff *d) {
    if (*n < max) out[*n] = *d;
    (*n)++;
}

/* Register name of a in b's list (-1: b has none of that name) */
static int reg_in(const vl_view *a, int i, const vl_view *b) {
    const char *name = view_rname(a, i);
    int j = vlab_reg_index(b->m, name);
    return j < 0 || strcmp(vlab_reg_name(b->m, j), name) != 0 ? -1 : j;
}

/* ab[i]: reg_in(a, i, b), ba[j]: reg_in(b, j, a), for a pair compared
 * again and again (the equivalence check's single steps): the lookups by
 * name cost more than the comparison. NULL: looked up here. */
static size_t compare_regs(const vl_view *a, const vl_view *b, const int *ab, const int *ba, vl_diff *out,
                           size_t max) {
    size_t n = 0;
    vl_diff d;
    /* registers, by name: those a has (b's extra ones count as differences) */
    int na = view_nregs(a), nb = view_nregs(b);
    /* each side's values read at once: a VM's view synced once, not per register */
    uint32_t va[256], vb[256];
    bool all = na <= 256 && nb <= 256;
    if (all) {
        if (a->vm) vl_vm_regs_get(a->vm, va, na);
        else for (int i = 0; i < na; i++) va[i] = vlab_reg_get(a->m, i);
        if (b->vm) vl_vm_regs_get(b->vm, vb, nb);
        else for (int j = 0; j < nb; j++) vb[j] = vlab_reg_get(b->m, j);
    }
    for (int i = 0; i < na; i++) {
        int j = ab ? ab[i] : reg_in(a, i, b);
        memset(&d, 0, sizeof d);
        d.kind = VL_DIFF_REG;
        if (j < 0) {
            d.kind = VL_DIFF_SHAPE;
            snprintf(d.what, sizeof d.what, "reg %s", view_rname(a, i));
            d.a = 1;
            d.b = 0;
            add(out, max, &n, &d);
            continue;
        }
        d.a = all ? va[i] : view_reg(a, i);
        d.b = all ? vb[j] : view_reg(b, j);
        if (d.a != d.b) {
            snprintf(d.what, sizeof d.what, "%s", view_rname(a, i));
            add(out, max, &n, &d);
        }
    }
    for (int j = 0; j < nb; j++) {
        if ((ba ? ba[j] : reg_in(b, j, a)) >= 0) continue;
        memset(&d, 0, sizeof d);
        d.kind = VL_DIFF_SHAPE;
        snprintf(d.what, sizeof d.what, "reg %s", view_rname(b, j));
        d.a = 0;
        d.b = 1;
        add(out, max, &n, &d);
    }
    return n;
}

static size_t compare_with(const vl_view *a, const vl_view *b, const int *ab, const int *ba, vl_diff *out,
                           size_t max) {
    size_t n = compare_regs(a, b, ab, ba, out, max);
    vl_diff d;
    /* memory: runs of differing bytes */
    uint32_t sa = a->m->mem.size, sb = b->m->mem.size, sz = sa < sb ? sa : sb;
    if (sa != sb) {
        memset(&d, 0, sizeof d);
        d.kind = VL_DIFF_SHAPE;
        snprintf(d.what, sizeof d.what, "ram size");
        d.a = sa;
        d.b = sb;
        add(out, max, &n, &d);
    }
    const uint8_t *pa = a->m->mem.ram, *pb = b->m->mem.ram;
    /* equal memory, the common case of a single-stepped comparison, in one
     * call (under ASan each call checks its ranges' shadow) */
    uint32_t i = !sz || memcmp(pa, pb, sz) == 0 ? sz : 0;
    while (i < sz) {
        /* skip equal 64-byte blocks fast */
        if (sz - i >= 64 && memcmp(pa + i, pb + i, 64) == 0) {
            i += 64;
            continue;
        }
        if (pa[i] == pb[i]) {
            i++;
            continue;
        }
        uint32_t s = i;
        while (i < sz && pa[i] != pb[i]) i++;
        memset(&d, 0, sizeof d);
        d.kind = VL_DIFF_MEM;
        snprintf(d.what, sizeof d.what, "mem");
        d.addr = s;
        d.len = i - s;
        d.a = pa[s];
        d.b = pb[s];
        add(out, max, &n, &d);
    }
    /* console */
    size_t la, lb;
    const char *ca = vlab_console(a->m, &la), *cb = vlab_console(b->m, &lb);
    if (la != lb || memcmp(ca, cb, la) != 0) {
        size_t k = 0;
        while (k < la && k < lb && ca[k] == cb[k]) k++;
        memset(&d, 0, sizeof d);
        d.kind = VL_DIFF_CONSOLE;
        snprintf(d.what, sizeof d.what, "console");
        d.addr = (uint32_t)k;
        d.len = (uint32_t)((la > lb ? la : lb) - k);
        d.a = k < la ? (uint8_t)ca[k] : 0xFFFFFFFFu;
        d.b = k < lb ? (uint8_t)cb[k] : 0xFFFFFFFFu;
        add(out, max, &n, &d);
    }
    return n;
}

size_t vl_compare(const vl_view *a, const vl_view *b, vl_diff *out, size_t max) {
    return compare_with(a, b, NULL, NULL, out, max);
}

void vl_diff_format(const vl_diff *d, char *out, size_t outsz) {
    switch (d->kind) {
    case VL_DIFF_REG:
        snprintf(out, outsz, "%s: 0x%08x vs 0x%08x", d->what, d->a, d->b);
        break;
    case VL_DIFF_MEM:
        snprintf(out, outsz, "mem 0x%08x (%u byte%s): 0x%02x vs 0x%02x", d->addr, d->len,
                 d->len == 1 ? "" : "s", d->a, d->b);
        break;
    case VL_DIFF_CONSOLE:
        if (d->a == 0xFFFFFFFFu || d->b == 0xFFFFFFFFu)
            snprintf(out, outsz, "console from offset %u: %s output is longer", d->addr,
                     d->a == 0xFFFFFFFFu ? "second" : "first");
        else
            snprintf(out, outsz, "console offset %u: '%c' vs '%c'", d->addr,
                     d->a >= 32 && d->a < 127 ? (int)d->a : '.', d->b >= 32 && d->b < 127 ? (int)d->b : '.');
        break;
    default:
        if (!strcmp(d->what, "stop"))
            snprintf(out, outsz, "stop reason: %s vs %s", vlab_stop_name((int)d->a), vlab_stop_name((int)d->b));
        else if (!strcmp(d->what, "ram size"))
            snprintf(out, outsz, "ram size: %u vs %u", d->a, d->b);
        else
            snprintf(out, outsz, "%s only in the %s machine", d->what, d->a ? "first" : "second");
        break;
    }
}

/* ---- natively vs under the monitor ------------------------------------------- */

typedef struct pair {
    vlab_machine *nat;
    vl_vm *vm;
    int slot;               /* its slot in the cache, -1: made for this use only */
    vl_equiv_cache *cache;  /* the slot's */
    int *ab, *ba;           /* compare_with's register maps, once compared (NULL: not yet) */
} pair;

/* A cache slot: a pair kept between calls, for one image shape and
 * technique. vl_equiv_run needs at most three pairs at a time (a run, a
 * replay, which_insn's within it); a cache one caller shares between
 * techniques keeps that many for each. */
#define CACHE_SLOTS (3 * VL_TECH_COUNT)
/* The native side does not depend on the technique: a caller comparing one
 * image under several techniques has it run once. The reference is the
 * bare machine at the end of the first lockstep chunk of the last image
 * run, valid while nothing stepped it further. */
typedef struct native_ref {
    vlab_machine *m;
    bool valid;
    char isa[32], model[32];
    uint32_t ram, org, entry, sp;
    uint8_t *bytes;         /* a copy of the image: the caller may reuse its buffer */
    size_t len, cap;
    uint64_t n;             /* the chunk's length */
    vl_stop stop;           /* how the chunk ended */
    uint64_t ran;           /* instructions it retired */
    uint64_t runs;          /* native first chunks actually run (vl_equiv_cache_native_runs) */
} native_ref;
struct vl_equiv_cache {
    native_ref ref;
    struct {
        vlab_machine *nat;
        vl_vm *vm;
        char isa[32], model[32];
        uint32_t ram;
        int technique, hw_flavour;
        const vl_virt_ops *virt;
        bool used;
        int *ab, *ba;       /* the pair's register maps, once compared: the same for every use */
    } s[CACHE_SLOTS];
};

vl_equiv_cache *vl_equiv_cache_new(void) { return calloc(1, sizeof(vl_equiv_cache)); }

static void slot_drop(vl_equiv_cache *c, int i) {
    vlab_machine_free(c->s[i].nat);
    vl_vm_free(c->s[i].vm);
    free(c->s[i].ab);
    free(c->s[i].ba);
    c->s[i].nat = NULL;
    c->s[i].vm = NULL;
    c->s[i].ab = c->s[i].ba = NULL;
}

void vl_equiv_cache_free(vl_equiv_cache *c) {
    if (!c) return;
    for (int i = 0; i < CACHE_SLOTS; i++) slot_drop(c, i);
    vlab_machine_free(c->ref.m);
    free(c->ref.bytes);
    free(c);
}

uint64_t vl_equiv_cache_native_runs(const vl_equiv_cache *c) { return c ? c->ref.runs : 0; }

static bool slot_fits(const vl_equiv_cache *c, int i, const vl_equiv_image *img, int technique) {
    return c->s[i].nat && c->s[i].ram == img->ram && c->s[i].technique == technique &&
           c->s[i].hw_flavour == img->hw_flavour && c->s[i].virt == img->virt && !strcmp(c->s[i].isa, img->isa ? img->isa : "") &&
           !strcmp(c->s[i].model, img->model ? img->model : "");
}

static void pair_free(pair *p, vl_equiv_cache *c) {
    if (p->slot >= 0) {
        c->s[p->slot].used = false; /* kept for the next use, its maps too */
    } else {
        vlab_machine_free(p->nat);
        vl_vm_free(p->vm);
        free(p->ab);
        free(p->ba);
    }
    p->ab = p->ba = NULL;
    p->nat = NULL;
    p->vm = NULL;
    p->slot = -1;
}

/* The monitored side's hw-assist flavour: a VM made or renewed has the default */
static int set_flavour(vl_vm *vm, const vl_equiv_image *img, char *err, size_t errsz) {
    return img->hw_flavour == VL_HW_SVM ? 0 : vl_hw_set_flavour(vm, img->hw_flavour, err, errsz);
}

/* The pair's machines as new: renewed from the cache when a free slot
 * holds this shape, else made (and kept in a free slot if any). vm_only:
 * the bare machine of a kept slot is left as it was (the caller does not
 * run it). */
static int pair_get(pair *p, const vl_equiv_image *img, int technique, vl_equiv_cache *c, bool vm_only, char *err,
                    size_t errsz) {
    p->slot = -1;
    int free_slot = -1;
    for (int i = 0; c && i < CACHE_SLOTS; i++) {
        if (c->s[i].used) continue;
        if (slot_fits(c, i, img, technique)) {
            if (!vm_only) vlab_machine_renew(c->s[i].nat);
            if (vl_vm_renew(c->s[i].vm, err, errsz) == 0 && set_flavour(c->s[i].vm, img, err, errsz) == 0) {
                c->s[i].used = true;
                p->nat = c->s[i].nat, p->vm = c->s[i].vm, p->slot = i;
                p->ab = c->s[i].ab, p->ba = c->s[i].ba, p->cache = c;
                return 0;
            }
            slot_drop(c, i); /* made again below */
        }
        if (free_slot < 0 || !c->s[i].nat) free_slot = i;
    }
    p->nat = vlab_machine_new(img->isa, img->model, img->ram, err, errsz);
    if (!p->nat) return -1;
    p->vm = vl_vm_new(NULL, img->isa, img->model, img->ram, technique, img->virt, err, errsz);
    if (!p->vm || set_flavour(p->vm, img, err, errsz) < 0) {
        pair_free(p, NULL);
        return -1;
    }
    if (free_slot >= 0 && strlen(img->isa ? img->isa : "") < sizeof c->s[0].isa &&
        strlen(img->model ? img->model : "") < sizeof c->s[0].model) {
        slot_drop(c, free_slot);
        c->s[free_slot].nat = p->nat;
        c->s[free_slot].vm = p->vm;
        snprintf(c->s[free_slot].isa, sizeof c->s[0].isa, "%s", img->isa ? img->isa : "");
        snprintf(c->s[free_slot].model, sizeof c->s[0].model, "%s", img->model ? img->model : "");
        c->s[free_slot].ram = img->ram;
        c->s[free_slot].technique = technique;
        c->s[free_slot].hw_flavour = img->hw_flavour;
        c->s[free_slot].virt = img->virt;
        c->s[free_slot].used = true;
        p->slot = free_slot;
        p->cache = c;
    }
    return 0;
}

static bool image_fits(const vl_equiv_image *img, char *err, size_t errsz) {
    if ((uint64_t)img->org + img->len <= img->ram) return true;
    snprintf(err, errsz, "image of %zu bytes at 0x%x does not fit in RAM (%u bytes)", img->len, img->org, img->ram);
    return false;
}

static uint32_t image_sp(const vl_equiv_image *img) { return img->sp ? img->sp : img->ram; }

/* A bare machine as new, holding the image, at its entry */
static void native_load(vlab_machine *m, const vl_equiv_image *img) {
    vlab_mem_write(m, img->org, img->bytes, img->len);
    vlab_reset(m);
    vl_machine_boot(m, img->entry, image_sp(img));
}

/* vm_only: only the VM is loaded (the caller compares it with the reference) */
static int pair_load(pair *p, const vl_equiv_image *img, int technique, vl_equiv_cache *c, bool vm_only,
                     char *err, size_t errsz) {
    if (pair_get(p, img, technique, c, vm_only, err, errsz) < 0) return -1;
    if (!image_fits(img, err, errsz)) {
        pair_free(p, c);
        return -1;
    }
    if (!vm_only) native_load(p->nat, img);
    vlab_mem_write(p->vm->m, img->org, img->bytes, img->len);
    vl_vm_reset(p->vm);
    vl_vm_boot(p->vm, img->entry, image_sp(img));
    return 0;
}

static int pair_make(pair *p, const vl_equiv_image *img, int technique, vl_equiv_cache *c, char *err,
                     size_t errsz) {
    return pair_load(p, img, technique, c, false, err, errsz);
}

static bool ref_holds(const native_ref *r, const vl_equiv_image *img, uint64_t n) {
    return r->valid && r->n == n && r->ram == img->ram && r->org == img->org && r->entry == img->entry &&
           r->sp == image_sp(img) && r->len == img->len && !strcmp(r->isa, img->isa ? img->isa : "") &&
           !strcmp(r->model, img->model ? img->model : "") && (!img->len || memcmp(r->bytes, img->bytes, img->len) == 0);
}

/* The cache's reference for this image and first chunk of n instructions:
 * kept from an earlier call, or run now. NULL (the caller runs its own
 * native side): no cache, or no memory for it. */
static native_ref *ref_get(vl_equiv_cache *c, const vl_equiv_image *img, uint64_t n) {
    if (!c) return NULL;
    native_ref *r = &c->ref;
    if (ref_holds(r, img, n)) return r;
    r->valid = false;
    const char *isa = img->isa ? img->isa : "", *model = img->model ? img->model : "";
    if (strlen(isa) >= sizeof r->isa || strlen(model) >= sizeof r->model) return NULL;
    if (r->m && (r->ram != img->ram || strcmp(r->isa, isa) || strcmp(r->model, model))) {
        vlab_machine_free(r->m);
        r->m = NULL;
    }
    if (r->cap < img->len) {
        uint8_t *b = realloc(r->bytes, img->len);
        if (!b) return NULL;
        r->bytes = b, r->cap = img->len;
    }
    char err[128];
    if (r->m) vlab_machine_renew(r->m);
    else if (!(r->m = vlab_machine_new(img->isa, img->model, img->ram, err, sizeof err))) return NULL;
    snprintf(r->isa, sizeof r->isa, "%s", isa);
    snprintf(r->model, sizeof r->model, "%s", model);
    r->ram = img->ram, r->org = img->org, r->entry = img->entry, r->sp = image_sp(img), r->n = n;
    if (img->len) memcpy(r->bytes, img->bytes, img->len);
    r->len = img->len;
    native_load(r->m, img);
    uint64_t ia = r->m->cc->icount;
    r->stop = vlab_step(r->m, n);
    r->ran = r->m->cc->icount - ia;
    r->runs++;
    r->valid = true;
    return r;
}

static size_t pair_compare(pair *p, vl_diff *out, size_t max) {
    vl_view a = { p->nat, NULL }, b = { p->vm->m, p->vm };
    if (!p->ab) {
        int na = view_nregs(&a), nb = view_nregs(&b);
        p->ab = malloc((size_t)(na ? na : 1) * sizeof *p->ab);
        p->ba = malloc((size_t)(nb ? nb : 1) * sizeof *p->ba);
        if (!p->ab || !p->ba) {
            free(p->ab);
            free(p->ba);
            p->ab = p->ba = NULL;
            return vl_compare(&a, &b, out, max);
        }
        for (int i = 0; i < na; i++) p->ab[i] = reg_in(&a, i, &b);
        for (int j = 0; j < nb; j++) p->ba[j] = reg_in(&b, j, &a);
        if (p->slot >= 0) p->cache->s[p->slot].ab = p->ab, p->cache->s[p->slot].ba = p->ba;
    }
    return compare_with(&a, &b, p->ab, p->ba, out, max);
}

/* The variant that decodes the code a bare machine runs now (taken before
 * the instruction runs: it may change the mode). */
static int code_variant(vlab_machine *m) { return vl_code_variant(m->desc->ops, m->cpu, m->desc->variant); }

/* The instruction at pc of a bare machine (vm NULL) or of vm's guest, in
 * the mode it runs in now. */
static void disasm_at(vlab_machine *m, vl_vm *vm, int variant, uint32_t pc, char *out, size_t outsz) {
    uint8_t buf[16] = { 0 };
    const vl_cpu_ops *ops = m->desc->ops;
    size_t len = vm ? vl_vm_read_virt(vm, pc, buf, sizeof buf, true) : vlab_read_virt(m, pc, buf, sizeof buf, 1);
    /* the guest's mode is its virtual context's, which the read brought up to date */
    if (vm && ops->read_virt) variant = vl_code_variant(ops, vm->vctx, variant);
    if (!len || !ops->disasm || ops->disasm(variant, buf, len, pc, out, outsz) < 0)
        snprintf(out, outsz, "?");
}

/* Run both sides of a pair by the same chunks up to instruction `to`. */
static void fast_forward(pair *p, uint64_t to) {
    for (uint64_t d = 0; d < to;) {
        uint64_t n = to - d < CHUNK ? to - d : CHUNK;
        uint64_t ia = p->nat->cc->icount;
        vl_stop s = vlab_step(p->nat, n);
        vl_vm_step(p->vm, n);
        uint64_t r = p->nat->cc->icount - ia;
        d += r ? r : n;
        if (s.reason != VLAB_STOP_BUDGET) break;
    }
}

/* Exceptions either side has taken (the monitor's contexts included). */
static uint64_t pair_exceptions(const pair *p) {
    return p->nat->cc->exceptions + ((vl_cpu_common *)p->vm->real)->exceptions +
           ((vl_cpu_common *)p->vm->vctx)->exceptions;
}

/* The hook of which_insn: stop at an exception taken before any instruction
 * of the step retired (icount not advanced: an interrupt or a trace). */
typedef struct early_exc {
    vl_machine *m;
    uint64_t mark;
} early_exc;

static int stop_if_early(void *ctx, int event, uint32_t a, uint32_t b) {
    (void)a, (void)b;
    early_exc *e = ctx;
    return event == VLAB_EV_EXCEPTION && e->m->cc->icount == e->mark;
}

/* Single-step one side (nat, or vm when not NULL) with that hook: each stop
 * before an instruction leaves the PC at the handler just entered; the
 * first step that retires an instruction executed the one at *pc (text:
 * its disassembly, read before it runs). */
#define MAX_EARLY 8
static void step_to_insn(vlab_machine *nat, vl_vm *vm, uint32_t *pc, char *text, size_t tsz) {
    vl_machine *m = vm ? vm->m : nat;
    early_exc e = { m, 0 };
    if (vm) vl_vm_set_hook(vm, VLAB_EV_EXCEPTION, stop_if_early, &e);
    else vlab_set_hook(nat, VLAB_EV_EXCEPTION, stop_if_early, &e);
    for (int i = 0; i < MAX_EARLY; i++) {
        e.mark = m->cc->icount;
        *pc = vm ? vl_vm_pc(vm) : vlab_pc(nat);
        disasm_at(m, vm, vm ? vm->variant : code_variant(nat), *pc, text, tsz);
        vl_stop s = vm ? vl_vm_step(vm, 1) : vlab_step(nat, 1);
        if (s.reason != VLAB_STOP_BREAKPOINT || m->cc->icount != e.mark) break;
    }
}

/* What step_to_insn's hook would see in a side's single step, watched
 * in that step itself by a hook that never asks to stop (and so changes
 * nothing): where it sees no exception before the step's instruction
 * retired, step_to_insn's first step goes as this one did, and names the
 * instruction at the step's start PC. Single steps of a replay that do so
 * on both sides need no replay of their own (which_insn): with faults and
 * traps on every few instructions, those replays cost more than the rest
 * of the equivalence check. */
typedef struct early_watch {
    early_exc e;
    bool seen;
} early_watch;

static int note_if_early(void *ctx, int event, uint32_t a, uint32_t b) {
    early_watch *w = ctx;
    w->seen |= stop_if_early(&w->e, event, a, b) != 0;
    return 0;
}

/* w[0] watches the pair's bare machine, w[1] its VM (nat_only: none) */
static void watch_on(pair *p, early_watch w[2], bool nat_only) {
    w[0] = (early_watch){ { p->nat, 0 }, false };
    w[1] = (early_watch){ { p->vm->m, 0 }, false };
    vlab_set_hook(p->nat, VLAB_EV_EXCEPTION, note_if_early, &w[0]);
    if (!nat_only) vl_vm_set_hook(p->vm, VLAB_EV_EXCEPTION, note_if_early, &w[1]);
}

static void watch_off(pair *p, bool nat_only) {
    vlab_set_hook(p->nat, 0, NULL, NULL);
    if (!nat_only) vl_vm_set_hook(p->vm, 0, NULL, NULL);
}

/* before a single step */
static void watch_mark(early_watch *w) {
    w->e.mark = w->e.m->cc->icount;
    w->seen = false;
}

/* after it (s: its stop): step_to_insn would take one step, as this one */
static bool watch_plain(const early_watch *w, vl_stop s) {
    return !w->seen && !(s.reason == VLAB_STOP_BREAKPOINT && w->e.m->cc->icount == w->e.mark);
}

/* Which instruction each side executed in single step k + 1 after pos
 * (where the callers' replays were: fast_forward to pos, k single steps). */
static void which_insn(const vl_equiv_image *img, int technique, vl_equiv_cache *c, uint64_t pos, uint64_t k, uint32_t *pc,
                       uint32_t *vpc, char *ti, char *tv, size_t tsz) {
    pair r = { 0 };
    char err[128];
    if (pair_make(&r, img, technique, c, err, sizeof err) < 0) return; /* it was made before: keep the start PC */
    fast_forward(&r, pos);
    for (uint64_t i = 0; i < k; i++) {
        vlab_step(r.nat, 1);
        vl_vm_step(r.vm, 1);
    }
    step_to_insn(r.nat, NULL, pc, ti, tsz);
    step_to_insn(NULL, r.vm, vpc, tv, tsz);
    pair_free(&r, c);
}

/* Does the location of final difference d differ now? (registers by name,
 * the memory run of d, the console) */
static bool loc_differs(pair *p, const vl_diff *d) {
    switch (d->kind) {
    case VL_DIFF_REG: {
        int i = vlab_reg_index(p->nat, d->what);
        return i >= 0 && vlab_reg_get(p->nat, i) != vl_vm_reg_get(p->vm, i);
    }
    case VL_DIFF_MEM:
        return memcmp(p->nat->mem.ram + d->addr, p->vm->m->mem.ram + d->addr, d->len) != 0;
    case VL_DIFF_CONSOLE: {
        size_t la, lb;
        const char *ca = vlab_console(p->nat, &la), *cb = vlab_console(p->vm->m, &lb);
        return la != lb || memcmp(ca, cb, la) != 0;
    }
    default:
        return true;
    }
}

/* Attribute each final difference to the instruction after which its
 * location first differed: chunk by chunk, and for a chunk where some
 * location starts to differ, a rebuilt pair single-steps through it. */
#define MAX_REPLAYS 64
/* first (or NULL): the run's own pair, after its one chunk of `total`
 * instructions, which its native side ran as first_ran with stop
 * first_stop: this function's first chunk, as it would run it again from
 * the image (the same steps), so that it is not run again. Taken over. */
static int attribute(const vl_equiv_image *img, int technique, vl_equiv_cache *c, uint64_t total, vl_diff *fd, size_t nfd,
                     pair *first, uint64_t first_ran, vl_stop first_stop, char *err, size_t errsz) {
    pair p = { 0 };
    bool *done = NULL;
    if (pair_make(&p, img, technique, c, err, errsz) < 0 || !(done = calloc(nfd ? nfd : 1, sizeof *done))) {
        if (p.nat) snprintf(err, errsz, "out of memory");
        pair_free(&p, c);
        if (first) pair_free(first, c);
        return -1;
    }
    size_t left = nfd, replays = 0;
    for (size_t i = 0; i < nfd; i++)
        if (fd[i].kind == VL_DIFF_SHAPE || loc_differs(&p, &fd[i])) { /* from the start */
            done[i] = true;
            left--;
            snprintf(fd[i].at_insn, sizeof fd[i].at_insn, "(from the start)");
        }
    if (first) {
        pair_free(&p, c);
        p = *first;
        *first = (pair){ .slot = -1 };
    }
    uint64_t pos = 0;
    while (left && pos < total) {
        uint64_t n = total - pos < CHUNK ? total - pos : CHUNK;
        vl_stop s = first_stop;
        uint64_t ran = first_ran;
        if (pos || !first) {
            uint64_t ia = p.nat->cc->icount;
            s = vlab_step(p.nat, n);
            vl_vm_step(p.vm, n);
            ran = p.nat->cc->icount - ia;
        }
        if (!ran) ran = n;
        bool fresh = false;
        for (size_t i = 0; i < nfd; i++)
            if (!done[i] && loc_differs(&p, &fd[i])) fresh = true;
        if (fresh) {
            pair q = { 0 };
            bool replay = replays++ < MAX_REPLAYS && pair_make(&q, img, technique, c, err, errsz) == 0;
            if (replay) {
                fast_forward(&q, pos);
                early_watch w[2];
                watch_on(&q, w, false);
                for (uint64_t k = 0; k < ran + 1 && left; k++) {
                    uint32_t pc = vlab_pc(q.nat), vpc = vl_vm_pc(q.vm);
                    char ti[48], tv[48];
                    disasm_at(q.nat, NULL, code_variant(q.nat), pc, ti, sizeof ti);
                    disasm_at(q.vm->m, q.vm, q.vm->variant, vpc, tv, sizeof tv);
                    uint64_t ex = pair_exceptions(&q);
                    watch_mark(&w[0]);
                    vl_stop a = vlab_step(q.nat, 1);
                    watch_mark(&w[1]);
                    vl_stop b = vl_vm_step(q.vm, 1);
                    /* no exception, or none before the instruction retired:
                     * the start PC's instruction ran */
                    bool named = pair_exceptions(&q) == ex || (watch_plain(&w[0], a) && watch_plain(&w[1], b));
                    for (size_t i = 0; i < nfd; i++)
                        if (!done[i] && loc_differs(&q, &fd[i])) {
                            if (!named) which_insn(img, technique, c, pos, k, &pc, &vpc, ti, tv, sizeof ti);
                            named = true;
                            done[i] = true;
                            left--;
                            fd[i].at = pos + k + 1;
                            fd[i].at_pc = pc;
                            fd[i].at_vm_pc = vpc;
                            if (pc == vpc && !strcmp(ti, tv))
                                snprintf(fd[i].at_insn, sizeof fd[i].at_insn, "%s", ti);
                            else
                                snprintf(fd[i].at_insn, sizeof fd[i].at_insn, "%s | monitored: %s", ti, tv);
                        }
                    if (a.reason != VLAB_STOP_BUDGET) break;
                }
                watch_off(&q, false);
                pair_free(&q, c);
            }
            /* not seen single-stepping (or too many replays): the chunk */
            for (size_t i = 0; i < nfd; i++)
                if (!done[i] && loc_differs(&p, &fd[i])) {
                    done[i] = true;
                    left--;
                    fd[i].at = pos + ran;
                    fd[i].at_pc = vlab_pc(p.nat);
                    fd[i].at_vm_pc = vl_vm_pc(p.vm);
                    snprintf(fd[i].at_insn, sizeof fd[i].at_insn, "(within instructions %llu-%llu)",
                             (unsigned long long)pos + 1, (unsigned long long)(pos + ran));
                }
        }
        pos += ran;
        if (s.reason != VLAB_STOP_BUDGET) break;
    }
    free(done);
    pair_free(&p, c);
    return 0;
}

void vl_equiv_free(vl_equiv_result *r) {
    free(r->final);
    r->final = NULL;
    r->nfinal = 0;
}

int vl_equiv_run(const vl_equiv_image *img, uint64_t max, int technique, vl_equiv_result *out, char *err,
                 size_t errsz) {
    return vl_equiv_run_cached(NULL, img, max, technique, out, err, errsz);
}

int vl_equiv_run_cached(vl_equiv_cache *c, const vl_equiv_image *img, uint64_t max, int technique,
                        vl_equiv_result *out, char *err, size_t errsz) {
    memset(out, 0, sizeof *out);
    out->equal = true;
    pair p = { 0 };
    uint64_t n1 = max && max < CHUNK ? max : CHUNK; /* the first chunk's length */
    /* with a cache, the native side's first chunk is the reference's: its
     * machine stands in for the pair's in phase 1 */
    native_ref *ref = image_fits(img, err, errsz) ? ref_get(c, img, n1) : NULL;
    if (pair_load(&p, img, technique, c, ref != NULL, err, errsz) < 0) return -1;
    vlab_machine *own_nat = p.nat;
    if (ref) p.nat = ref->m;
    /* 1. the whole run, in lockstep chunks: where they first differ, and how
     *    they differ at the end */
    uint64_t done = 0, chunk_start = 0, chunk_len = 0;
    uint64_t chunks = 0, ra1 = 0; /* the first chunk's native instructions */
    bool differ = false;
    for (;;) {
        if (max && done >= max) break;
        uint64_t n = CHUNK;
        if (max && max - done < n) n = max - done;
        uint64_t ra, ib = p.vm->m->cc->icount;
        if (ref && !chunks) {
            out->native_stop = ref->stop;
            ra = ref->ran;
        } else {
            if (ref) ref->valid = false; /* stepped past the first chunk */
            uint64_t ia = p.nat->cc->icount;
            out->native_stop = vlab_step(p.nat, n);
            ra = p.nat->cc->icount - ia;
        }
        out->vm_stop = vl_vm_step(p.vm, n);
        uint64_t rb = p.vm->m->cc->icount - ib;
        if (!chunks++) ra1 = ra;
        if (!differ && (ra != rb || out->native_stop.reason != out->vm_stop.reason || pair_compare(&p, NULL, 0))) {
            differ = true;
            chunk_start = done;
            chunk_len = ra > rb ? ra : rb;
            if (chunk_len < n) chunk_len = n;
        }
        done += ra > rb ? ra : rb;
        if (out->native_stop.reason != VLAB_STOP_BUDGET || out->vm_stop.reason != VLAB_STOP_BUDGET) break;
        if (!ra && !rb) break;
    }
    out->instructions = done;
    vl_stop end_nat = out->native_stop, end_vm = out->vm_stop;
    size_t nfd = pair_compare(&p, NULL, 0);
    if (nfd) {
        if (nfd > VL_EQUIV_MAX_FINAL) nfd = VL_EQUIV_MAX_FINAL;
        out->final = calloc(nfd, sizeof *out->final);
        if (!out->final) {
            p.nat = own_nat;
            pair_free(&p, c);
            snprintf(err, errsz, "out of memory");
            return -1;
        }
        out->nfinal = pair_compare(&p, out->final, nfd);
        if (out->nfinal > nfd) out->nfinal = nfd;
    }
    /* one chunk, of the length attribute's first would have: attribute
     * takes this pair as that chunk, run */
    pair first = { .slot = -1 };
    bool attributing = out->nfinal && !img->no_attribution;
    /* (the reference is not the pair's to hand over: it stays as it is) */
    bool keep = differ && attributing && chunks == 1 && done == n1 && !ref;
    p.nat = own_nat;
    if (keep) first = p;
    else pair_free(&p, c);
    p = (pair){ .slot = -1 };
    if (!differ) return 0;
    out->equal = false;

    /* 2. rebuild both and single-step through the first chunk that differs */
    if (pair_make(&p, img, technique, c, err, errsz) < 0) {
        if (keep) pair_free(&first, c);
        vl_equiv_free(out);
        return -1;
    }
    fast_forward(&p, chunk_start);
    early_watch w[2];
    watch_on(&p, w, true); /* only the native side's instruction is named */
    for (uint64_t k = 0; k < chunk_len + 1; k++) {
        uint32_t pc = vlab_pc(p.nat);
        int variant = code_variant(p.nat);
        uint64_t ia = p.nat->cc->icount, ib = p.vm->m->cc->icount, ex = pair_exceptions(&p);
        char before[sizeof out->first_insn]; /* what step_to_insn would read */
        disasm_at(p.nat, NULL, variant, pc, before, sizeof before);
        watch_mark(&w[0]);
        vl_stop sa = vlab_step(p.nat, 1), sb = vl_vm_step(p.vm, 1);
        uint64_t ra = p.nat->cc->icount - ia, rb = p.vm->m->cc->icount - ib;
        size_t nd = pair_compare(&p, out->diffs, sizeof out->diffs / sizeof *out->diffs);
        if (nd || ra != rb || sa.reason != sb.reason || k == chunk_len) {
            out->first = chunk_start + k + 1;
            out->first_pc = pc;
            out->ndiffs = nd;
            disasm_at(p.nat, NULL, variant, pc, out->first_insn, sizeof out->first_insn);
            if (pair_exceptions(&p) != ex && watch_plain(&w[0], sa)) {
                snprintf(out->first_insn, sizeof out->first_insn, "%s", before);
            } else if (pair_exceptions(&p) != ex) {
                uint32_t vpc;
                char tv[sizeof out->first_insn];
                which_insn(img, technique, c, chunk_start, k, &out->first_pc, &vpc, out->first_insn, tv, sizeof tv);
            }
            if (!nd && (ra != rb || sa.reason != sb.reason)) {
                vl_diff *d = &out->diffs[0];
                memset(d, 0, sizeof *d);
                d->kind = VL_DIFF_SHAPE;
                snprintf(d->what, sizeof d->what, "stop");
                d->a = (uint32_t)sa.reason;
                d->b = (uint32_t)sb.reason;
                out->ndiffs = 1;
            }
            break;
        }
    }
    watch_off(&p, true);
    pair_free(&p, c);
    out->native_stop = end_nat;
    out->vm_stop = end_vm;

    /* 3. every difference at the end, tied to the instruction that first produced it */
    if (!attributing) {
        for (size_t i = 0; i < out->nfinal; i++)
            snprintf(out->final[i].at_insn, sizeof out->final[i].at_insn, "(not attributed)");
        return 0;
    }
    if (attribute(img, technique, c, done, out->final, out->nfinal, keep ? &first : NULL, ra1, end_nat,
                                 err, errsz) < 0) {
        vl_equiv_free(out);
        return -1;
    }
    return 0;
}
