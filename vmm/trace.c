/* trace.c - `vlab exec --trace`: the guest one instruction at a time, one
 * line each, in the spirit of QEMU's -d in_asm,exec,int:
 *
 *   00001000  7005                 moveq #5,%d0                  d0=00000005
 *   00001002  40c0                 movew %sr,%d0                 d0=00002700
 *            -- trap: emulated (vector 0x8 privilege violation)
 *
 * The address and bytes are read through the guest's own translation before
 * the instruction runs; the registers compared are the guest's view (under
 * the monitor, its virtual privileged state). Exceptions come from the
 * machine's (or the guest's) exception event, traps from the monitor's trap
 * callback, so nothing is added to the run loop when no trace runs. */
#include "vmm/trace.h"
#include <stdlib.h>
#include <string.h>

#define MAX_NOTES 8

typedef struct tracer {
    FILE *out;
    vlab_machine *m;
    vl_vm *vm;
    int nnotes;
    char notes[MAX_NOTES][96];
} tracer;

static void note(tracer *t, const char *fmt, int v, const char *what) {
    if (t->nnotes == MAX_NOTES) return;
    const char *name = vlab_vector_name(t->m, v);
    snprintf(t->notes[t->nnotes++], sizeof t->notes[0], fmt, what, (unsigned)v, name ? " " : "", name ? name : "");
}

static int on_event(void *ctx, int event, uint32_t a, uint32_t b) {
    tracer *t = ctx;
    (void)b;
    if (event == VLAB_EV_EXCEPTION) note(t, "-- %sexception (vector 0x%x%s%s)", (int)a, "");
    return 0;
}

static int on_trap(void *ctx, const vl_trap_event *ev) {
    tracer *t = ctx;
    note(t, "-- trap: %s (vector 0x%x%s%s)", ev->vector, vl_trap_kind_name(ev->kind));
    return 0;
}

static uint32_t reg(tracer *t, int i) { return t->vm ? vl_vm_reg_get(t->vm, i) : vlab_reg_get(t->m, i); }

vl_stop vl_trace_run(vlab_machine *m, vl_vm *vm, uint64_t max, FILE *out) {
    tracer t = { .out = out, .m = vm ? vm->m : m, .vm = vm };
    const char *isa = vlab_machine_isa(t.m), *model = vlab_machine_model(t.m);
    char target[64];
    snprintf(target, sizeof target, "%s:%s", isa, model);
    int n = vlab_reg_count(t.m);
    uint32_t *prev = calloc((size_t)(n > 0 ? n : 1), sizeof *prev);
    vl_stop s = { .reason = VLAB_STOP_ERROR, .vector = -1 };
    if (!prev) {
        fprintf(out, "trace: out of memory\n");
        return s;
    }
    if (vm) {
        vl_vm_set_hook(vm, VLAB_EV_EXCEPTION, on_event, &t);
        vl_vm_on_trap(vm, on_trap, &t);
    } else {
        vlab_set_hook(m, VLAB_EV_EXCEPTION, on_event, &t);
    }
    int pcidx = vlab_reg_index(t.m, "pc");
    for (int i = 0; i < n; i++) prev[i] = reg(&t, i);
    for (uint64_t k = 0; max == 0 || k < max; k++) {
        uint32_t pc = vm ? vl_vm_pc(vm) : vlab_pc(m);
        uint8_t bytes[16];
        size_t got = vm ? vl_vm_read_virt(vm, pc, bytes, sizeof bytes, true)
                        : vlab_read_virt(m, pc, bytes, sizeof bytes, 1);
        char text[128], hex[48] = "";
        int len = got ? vlab_disasm(target, bytes, got, pc, text, sizeof text) : -1;
        if (!got) snprintf(text, sizeof text, "(no memory at this address)");
        else if (len < 0) snprintf(text, sizeof text, "(not an instruction)");
        int shown = len > 0 ? len : (got < 2 ? (int)got : 2);
        for (int i = 0, o = 0; i < shown && i < 12; i++)
            o += snprintf(hex + o, sizeof hex - (size_t)o, "%02x", bytes[i]);
        if (shown > 12) strcat(hex, "..");
        t.nnotes = 0;
        s = vm ? vl_vm_run(vm, 1, 0, 0) : vlab_step(m, 1);
        char line[512];
        int o = snprintf(line, sizeof line, "%08x  %-20s %-30s", pc, hex, text);
        for (int i = 0; i < n && o < (int)sizeof line - 24; i++) {
            uint32_t v = reg(&t, i);
            if (v == prev[i]) continue;
            prev[i] = v;
            if (i == pcidx || vlab_reg_hidden(t.m, i)) continue; /* the next line's address says it */
            int w = vlab_reg_width(t.m, i);
            o += snprintf(line + o, sizeof line - (size_t)o, " %s=%0*x", vlab_reg_name(t.m, i), w > 0 ? w / 4 : 8, v);
        }
        while (o > 0 && line[o - 1] == ' ') line[--o] = 0;
        fprintf(out, "%s\n", line);
        for (int i = 0; i < t.nnotes; i++) fprintf(out, "          %s\n", t.notes[i]);
        if (s.reason == VLAB_STOP_NONE || s.reason == VLAB_STOP_BUDGET) continue;
        break;
    }
    if (vm) {
        vl_vm_set_hook(vm, 0, NULL, NULL);
        vl_vm_on_trap(vm, NULL, NULL);
    } else {
        vlab_set_hook(m, 0, NULL, NULL);
    }
    free(prev);
    return s;
}
