/* trace.c - `vlab exec --trace`: one line per instruction the guest retires,
 * with its address, bytes, disassembly and the registers it changed, and
 * what happened on the way marked at the end of the line: exceptions taken
 * (natively), the monitor's traps (emulated, reflected, exit) under --vmm,
 * changes of privilege level. QEMU's `-d in_asm,exec,int` is the model.
 *
 * Built on the events every run loop already reports (VLAB_EV_STEP after
 * each instruction: the machine then runs one at a time), so it costs
 * nothing when off and the same for a bare machine and a guest. The line
 * of an instruction is written when the next one is about to run, once its
 * effects (and any trap on the way) are known. */
#include "vmm/vmm.h"
#include <stdlib.h>
#include <string.h>

struct vl_tracer {
    FILE *f;
    vlab_machine *m;
    vl_vm *vm;
    int nregs;
    int pc_reg;             /* not listed: the next line's address says it */
    uint32_t *before;       /* registers before the pending instruction */
    bool pending;
    uint32_t pc;            /* the pending instruction */
    uint8_t bytes[16];
    int len;
    char text[128];
    char notes[256];        /* marks for its line */
    uint64_t lines;
};

static uint32_t tr_reg(vl_tracer *t, int i) { return t->vm ? vl_vm_reg_get(t->vm, i) : vlab_reg_get(t->m, i); }
static uint32_t tr_pc(vl_tracer *t) { return t->vm ? vl_vm_pc(t->vm) : vlab_pc(t->m); }

static void note(vl_tracer *t, const char *fmt, const char *what, int vector, const char *extra) {
    size_t l = strlen(t->notes);
    const char *vname = vector >= 0 ? vlab_vector_name(t->m, vector) : NULL;
    char vec[80] = "";
    if (vector >= 0) snprintf(vec, sizeof vec, " vector 0x%x%s%s", (unsigned)vector, vname ? " " : "", vname ? vname : "");
    snprintf(t->notes + l, sizeof t->notes - l, fmt, what, vec, extra ? extra : "");
}

/* The instruction about to run, and the registers before it. */
static void capture(vl_tracer *t) {
    const vl_model_desc *d = t->m->desc;
    t->pc = tr_pc(t);
    size_t n = t->vm ? vl_vm_read_virt(t->vm, t->pc, t->bytes, sizeof t->bytes, true)
                     : vlab_read_virt(t->m, t->pc, t->bytes, sizeof t->bytes, 1);
    /* in the mode the CPU runs it in: a guest's is its virtual context's,
     * which the read brought up to date */
    int variant = vl_code_variant(d->ops, t->vm && d->ops->read_virt ? t->vm->vctx : t->m->cpu, d->variant);
    t->len = n ? d->ops->disasm(variant, t->bytes, n, t->pc, t->text, sizeof t->text) : -1;
    if (t->len <= 0) {
        snprintf(t->text, sizeof t->text, "%s", n ? "(not an instruction)" : "(no memory here)");
        t->len = (int)(n < d->ops->min_insn ? n : d->ops->min_insn);
    }
    for (int i = 0; i < t->nregs; i++) t->before[i] = tr_reg(t, i);
    t->notes[0] = 0;
    t->pending = true;
}

static void emit(vl_tracer *t) {
    if (!t->pending) return;
    char line[1024];
    int l = snprintf(line, sizeof line, "%08x  ", t->pc);
    for (int i = 0; i < t->len && i < 10; i++) l += snprintf(line + l, sizeof line - (size_t)l, "%02x", t->bytes[i]);
    l += snprintf(line + l, sizeof line - (size_t)l, "%*s  %-30s", 2 * (10 - (t->len < 10 ? t->len : 10)), "", t->text);
    for (int i = 0; i < t->nregs && l < (int)sizeof line - 40; i++) {
        uint32_t v = tr_reg(t, i);
        if (v == t->before[i] || i == t->pc_reg || vlab_reg_hidden(t->m, i)) continue;
        int w = vlab_reg_width(t->m, i);
        l += snprintf(line + l, sizeof line - (size_t)l, w <= 8 ? " %s=%02x" : w <= 16 ? " %s=%04x" : " %s=%08x",
                      vlab_reg_name(t->m, i), v);
    }
    if (l > (int)sizeof line - 1) l = (int)sizeof line - 1;
    while (l > 0 && line[l - 1] == ' ') l--;
    fwrite(line, 1, (size_t)l, t->f);
    if (t->notes[0]) fputs(t->notes, t->f);
    fputc('\n', t->f);
    t->lines++;
    t->pending = false;
}

static int on_event(void *ctx, int event, uint32_t a, uint32_t b) {
    vl_tracer *t = ctx;
    switch (event) {
    case VLAB_EV_STEP:
        emit(t);
        capture(t);
        break;
    case VLAB_EV_EXCEPTION: note(t, "  <%s%s%s>", "exception", (int)a, NULL); break;
    case VLAB_EV_MODE: {
        char lv[24];
        snprintf(lv, sizeof lv, " level %u", a);
        note(t, "  <%s%s%s>", "mode", -1, lv);
        break;
    }
    default: break;
    }
    (void)b;
    return 0;
}

static int on_trap(void *ctx, const vl_trap_event *ev) {
    vl_tracer *t = ctx;
    note(t, "  <trap: %s%s%s>", vl_trap_kind_name(ev->kind), ev->vector, NULL);
    return 0;
}

vl_tracer *vl_trace_start(FILE *f, vlab_machine *m, vl_vm *vm) {
    vl_tracer *t = calloc(1, sizeof *t);
    int n = vlab_reg_count(m);
    if (!t || !(t->before = calloc((size_t)(n > 0 ? n : 1), sizeof *t->before))) {
        free(t);
        return NULL;
    }
    const char *pcn = m->desc->ops->pc_name ? m->desc->ops->pc_name : "pc";
    *t = (vl_tracer){ .f = f, .m = m, .vm = vm, .nregs = n, .before = t->before, .pc_reg = vlab_reg_index(m, pcn) };
    capture(t);
    if (vm) {
        vl_vm_set_hook(vm, VLAB_EV_STEP | VLAB_EV_MODE, on_event, t);
        vl_vm_on_trap(vm, on_trap, t);
    } else {
        vlab_set_hook(m, VLAB_EV_STEP | VLAB_EV_EXCEPTION | VLAB_EV_MODE, on_event, t);
    }
    return t;
}

uint64_t vl_trace_stop(vl_tracer *t) {
    if (!t) return 0;
    /* the instruction that ended the run (an exception with no handler, a
     * halt) retired nothing: it has no line, its marks go on one of their own */
    if (t->notes[0]) fprintf(t->f, "%08x  (stopped)%s\n", t->pc, t->notes);
    if (t->vm) {
        vl_vm_set_hook(t->vm, 0, NULL, NULL);
        vl_vm_on_trap(t->vm, NULL, NULL);
    } else {
        vlab_set_hook(t->m, 0, NULL, NULL);
    }
    fflush(t->f);
    uint64_t lines = t->lines;
    free(t->before);
    free(t);
    return lines;
}
