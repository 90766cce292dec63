/* cli.c - `vlab exec`: load an image into a bare machine, or run it as a
 * guest under the monitor (--vmm TECHNIQUE), run it or serve gdb on it
 * (--gdb PORT, vmm/gdbstub.c), and report. Under the monitor the report is
 * the guest's view of itself: its SR with its virtual S bit, its own stack
 * pointers, the instructions it retired, plus the monitor's stats. One
 * implementation for both, so that the two agree field for field. */
#include "vmm/vmm.h"
#include <string.h>

static void json_string(FILE *f, const char *s, size_t len) {
    fputc('"', f);
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        switch (c) {
        case '"': fputs("\\\"", f); break;
        case '\\': fputs("\\\\", f); break;
        case '\n': fputs("\\n", f); break;
        case '\r': fputs("\\r", f); break;
        case '\t': fputs("\\t", f); break;
        case '\b': fputs("\\b", f); break;
        case '\f': fputs("\\f", f); break;
        default:
            if (c < 0x20 || c >= 0x7F) fprintf(f, "\\u%04x", c); /* bytes, not UTF-8 */
            else fputc(c, f);
        }
    }
    fputc('"', f);
}

static uint32_t report_reg(vlab_machine *m, vl_vm *vm, int i) {
    return vm ? vl_vm_reg_get(vm, i) : vlab_reg_get(m, i);
}

void vl_exec_report(FILE *out, int json, vlab_machine *m, vl_vm *vm, vl_stop s) {
    vl_vmm_stats st;
    uint64_t icount;
    if (vm) {
        vl_vm_stats(vm, &st);
        icount = st.guest_instructions;
    } else {
        vlab_stats ms;
        vlab_get_stats(m, &ms);
        icount = ms.instructions;
    }
    size_t clen;
    const char *con = vlab_console(m, &clen);
    const char *vname = s.vector >= 0 ? vlab_vector_name(m, s.vector) : NULL;
    int nregs = vlab_reg_count(m);
    if (json) {
        fprintf(out, "{\"stop\": \"%s\", \"pc\": %u, \"instructions\": %llu", vlab_stop_name(s.reason), s.pc,
                (unsigned long long)icount);
        if (s.vector >= 0) {
            fprintf(out, ", \"vector\": %d", s.vector);
            if (vname) {
                fprintf(out, ", \"vector_name\": ");
                json_string(out, vname, strlen(vname));
            }
        }
        if (s.flags & VLAB_STOP_HAS_CODE) fprintf(out, ", \"code\": %u", s.code);
        if (s.flags & VLAB_STOP_HAS_ADDR) fprintf(out, ", \"addr\": %u", s.addr);
        fprintf(out, ", \"regs\": {");
        for (int i = 0; i < nregs; i++)
            fprintf(out, "%s\"%s\": %u", i ? ", " : "", vlab_reg_name(m, i), report_reg(m, vm, i));
        fprintf(out, "}, \"console\": ");
        json_string(out, con, clen);
        fprintf(out, ", \"console_dropped\": %llu", (unsigned long long)m->con_dropped);
        if (vm)
            fprintf(out,
                    ", \"vmm\": {\"technique\": \"%s\", \"guest_instructions\": %llu, \"traps\": %llu, "
                    "\"emulated\": %llu, \"reflected\": %llu, \"interpreted\": %llu, \"exits\": %llu, "
                    "\"scanned\": %llu, \"patched\": %llu, \"blocks\": %llu, \"translated\": %llu, "
                    "\"callouts\": %llu, \"lookups\": %llu, \"flushes\": %llu, \"cache_bytes\": %llu, "
                    "\"hypercalls\": %llu, \"world_switches\": %llu, \"watch_hits\": %llu, "
                    "\"cost\": %llu",
                    vl_technique_name(vm->technique), (unsigned long long)st.guest_instructions,
                    (unsigned long long)st.traps, (unsigned long long)st.emulated, (unsigned long long)st.reflected,
                    (unsigned long long)st.interpreted, (unsigned long long)st.exits,
                    (unsigned long long)st.scanned, (unsigned long long)st.patched,
                    (unsigned long long)st.blocks, (unsigned long long)st.translated,
                    (unsigned long long)st.callouts, (unsigned long long)st.lookups,
                    (unsigned long long)st.flushes, (unsigned long long)st.cache_bytes,
                    (unsigned long long)st.hypercalls,
                    (unsigned long long)st.world_switches, (unsigned long long)st.watch_hits,
                    (unsigned long long)st.cost);
        if (vm) {
            /* the vmm object goes on: hw-assist's flavour, and the exits by reason (every technique: all zero elsewhere) */
            int fl = vl_hw_flavour(vm);
            if (fl >= 0) fprintf(out, ", \"flavour\": \"%s\"", vl_hw_flavour_name(fl));
            fprintf(out, ", \"exit_reasons\": {");
            for (int r = 0; r < VL_EXIT_REASON_COUNT; r++)
                fprintf(out, "%s\"%s\": %llu", r ? ", " : "", vl_exit_reason_name(r), (unsigned long long)st.exit_reasons[r]);
            fprintf(out, "}}");
        }
        fprintf(out, "}\n");
    } else {
        /* the console was streamed above: the report starts on a line of its own */
        if (m->con_stream == out && m->con_midline) fputc('\n', out);
        fprintf(out, "stop: %s at pc 0x%08x after %llu %sinstructions", vlab_stop_name(s.reason), s.pc,
                (unsigned long long)icount, vm ? "guest " : "");
        if (s.vector >= 0) fprintf(out, " (vector 0x%x%s%s)", (unsigned)s.vector, vname ? " " : "", vname ? vname : "");
        if (s.flags & VLAB_STOP_HAS_ADDR) fprintf(out, " address 0x%08x", s.addr);
        if (s.flags & VLAB_STOP_HAS_CODE) fprintf(out, " code 0x%x", s.code);
        fprintf(out, "\n");
        /* four to a line, names padded to the longest shown; the hidden
         * registers (x86 descriptor caches) only in --json */
        int namew = 4, shown = 0, hidden = 0;
        for (int i = 0; i < nregs; i++) {
            int l = (int)strlen(vlab_reg_name(m, i));
            if (vlab_reg_hidden(m, i)) hidden++;
            else if (l > namew) namew = l;
        }
        for (int i = 0; i < nregs; i++) {
            if (vlab_reg_hidden(m, i)) continue;
            int w = vlab_reg_width(m, i);
            char val[16];
            snprintf(val, sizeof val, w <= 8 ? "%02x" : w <= 16 ? "%04x" : "%08x", report_reg(m, vm, i));
            bool eol = ++shown % 4 == 0 || shown == nregs - hidden;
            fprintf(out, "%-*s %s%s", namew, vlab_reg_name(m, i), val, eol ? "\n" : "");
            if (!eol) fprintf(out, "%*s", 10 - (int)strlen(val), "");
        }
        if (hidden) fprintf(out, "(%d hidden registers, the descriptor caches: --json lists them)\n", hidden);
        if (vm)
            fprintf(out, "vmm (%s): %llu traps, %llu exits, %llu emulated, %llu reflected, %llu interpreted, "
                    "%llu world switches, cost %llu\n",
                    vl_technique_name(vm->technique), (unsigned long long)st.traps, (unsigned long long)st.exits,
                    (unsigned long long)st.emulated, (unsigned long long)st.reflected,
                    (unsigned long long)st.interpreted,
                    (unsigned long long)st.world_switches, (unsigned long long)st.cost);
        if (clen && m->con_stream != out) {
            fprintf(out, "console:\n");
            fwrite(con, 1, clen, out);
            if (con[clen - 1] != '\n') fprintf(out, "\n");
        }
    }
    fflush(out);
}

int vl_exec(const vl_exec_opts *o, char *err, size_t errsz) {
    if (err && errsz) err[0] = 0;
    uint32_t ram = o->ram ? o->ram : 16u << 20;
    vl_vm *vm = NULL;
    vlab_machine *m;
    if (o->technique) {
        int flavour;
        char why[160];
        int t = vl_technique_spec(o->technique, &flavour, why, sizeof why);
        if (t < 0) {
            vl_seterr(err, errsz, "--vmm %s: %s", o->technique, why);
            return 2;
        }
        vm = vl_vm_new(NULL, o->isa, o->model, ram, t, NULL, err, errsz);
        if (!vm) return 1;
        if (flavour >= 0) vl_hw_set_flavour(vm, flavour, NULL, 0);
        m = vm->m;
    } else {
        m = vlab_machine_new(o->isa, o->model, ram, err, errsz);
        if (!m) return 1;
    }
    uint32_t e = o->org;
    int rc = 1;
    if (vlab_load(m, o->path, o->org, &e, err, errsz) < 0) goto out;
    if (o->has_entry) e = o->entry;
    if (vm) vl_vm_boot(vm, e, ram);
    else vl_machine_boot(m, e, ram);

    /* --json holds the console for its report (up to a limit); the human
     * report shows it as it comes */
    vl_console_stream(m, o->json ? NULL : o->out, VL_EXEC_CONSOLE_KEEP);
    vlab_set_interrupt_flag(m, o->interrupt);
    uint64_t max = o->has_max ? o->max : VL_EXEC_DEFAULT_MAX;
    vl_stop s;
    vl_tracer *tracer = o->trace ? vl_trace_start(o->log, m, vm) : NULL;
    if (o->trace && !tracer) {
        vl_seterr(err, errsz, "--trace: out of memory");
        goto out;
    }
    if (o->gdb_port >= 0) {
        vl_gdb_opts g = { .port = o->gdb_port, .max = max, .interrupt = o->interrupt, .log = o->log };
        if (vl_gdb_serve(&g, m, vm, &s, err, errsz) < 0) {
            vl_trace_stop(tracer);
            goto out;
        }
    } else if (o->has_max && max == 0) {
        s = (vl_stop){ .reason = VLAB_STOP_BUDGET, .pc = vm ? vl_vm_pc(vm) : vlab_pc(m), .vector = -1 };
    } else {
        s = vm ? vl_vm_run(vm, max, 0, 0) : vlab_run(m, max, 0, 0);
    }
    vl_trace_stop(tracer);
    fflush(o->out);
    vl_exec_report(o->out, o->json, m, vm, s);
    rc = vl_exec_status(s);
    vl_vmm_stats vst;
    vlab_stats mst;
    if (vm) vl_vm_stats(vm, &vst);
    else vlab_get_stats(m, &mst);
    if (!o->has_max && s.reason == VLAB_STOP_BUDGET && (vm ? vst.guest_instructions : mst.instructions) >= max) {
        /* nobody asked for a limit: the guest ran away */
        fprintf(o->log, "vlab exec: the guest was stopped at the default limit of %llu instructions "
                        "(--max N sets another)\n", (unsigned long long)VL_EXEC_DEFAULT_MAX);
        rc = 1;
    }
out:
    vl_console_stream(m, NULL, SIZE_MAX);
    if (vm) vl_vm_free(vm);
    else vlab_machine_free(m);
    return rc;
}

int vl_vmm_exec(const char *isa, const char *model, const char *technique, uint32_t ram, const char *path,
                uint32_t org, int has_entry, uint32_t entry, uint64_t max, int json, volatile int *interrupt,
                FILE *out, char *err, size_t errsz) {
    vl_exec_opts o = { .isa = isa, .model = model, .technique = technique ? technique : "trap-and-emulate",
                       .ram = ram, .path = path, .org = org, .has_entry = has_entry, .entry = entry,
                       .has_max = max != 0, .max = max, .json = json, .gdb_port = -1,
                       .interrupt = interrupt, .out = out, .log = stderr };
    return vl_exec(&o, err, errsz);
}

int vl_exec_status(vl_stop s) {
    switch (s.reason) {
    case VLAB_STOP_EXCEPTION: case VLAB_STOP_ERROR: case VLAB_STOP_VMEXIT: case VLAB_STOP_INTERRUPTED:
    case VLAB_STOP_SHUTDOWN:
        return 1;
    default:
        return 0;
    }
}
