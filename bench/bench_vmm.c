/* bench_vmm.c - the monitor's overhead (issue 3):
 *   bench_vmm ISA:MODEL FILE.elf [SECONDS]   a compiled CPU-bound program natively
 *                                            and under trap-and-emulate: host time ratio
 *   bench_vmm --trap [ISA:MODEL]             host time of one trap-and-emulate round
 *                                            trip (ORI to SR, privileged, vs ORI to CCR)
 * A benchmark: it prints figures and never fails on a time. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "vmm/vmm.h"

static double now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

/* Host seconds and guest instructions of one run, natively or monitored. */
static int run_once(const char *isa, const char *model, const char *path, int monitored, double *secs,
                    uint64_t *insns, uint64_t *traps) {
    char err[256];
    uint32_t ram = 16u << 20, entry;
    vlab_machine *m = NULL;
    vl_vm *vm = NULL;
    if (monitored) {
        vm = vl_vm_new(NULL, isa, model, ram, VL_TECH_TRAP_EMULATE, NULL, err, sizeof err);
        if (!vm) { fprintf(stderr, "bench_vmm: %s\n", err); return -1; }
        m = vm->m;
    } else if (!(m = vlab_machine_new(isa, model, ram, err, sizeof err))) {
        fprintf(stderr, "bench_vmm: %s\n", err);
        return -1;
    }
    if (vlab_load(m, path, 0, &entry, err, sizeof err) < 0) {
        fprintf(stderr, "bench_vmm: %s\n", err);
        return -1;
    }
    int sp = vlab_reg_index(m, "sp");
    double a = now();
    vl_stop st;
    if (monitored) {
        vl_vm_set_supervisor(vm, 1);
        if (sp >= 0) vl_vm_reg_set(vm, sp, ram);
        vl_vm_set_pc(vm, entry);
        a = now();
        st = vl_vm_run(vm, 2000000000u, 0, 0);
    } else {
        vlab_set_supervisor(m, 1);
        if (sp >= 0) vlab_reg_set(m, sp, ram);
        vlab_set_pc(m, entry);
        a = now();
        st = vlab_run(m, 2000000000u, 0, 0);
    }
    *secs = now() - a;
    *insns = m->cc->icount;
    *traps = 0;
    if (monitored) {
        vl_vmm_stats s;
        vl_vm_stats(vm, &s);
        *traps = s.traps;
        vl_vm_free(vm);
    } else {
        vlab_machine_free(m);
    }
    if (st.reason != VLAB_STOP_HALT) {
        fprintf(stderr, "bench_vmm: %s stopped with %s at 0x%x\n", path, vlab_stop_name(st.reason), st.pc);
        return -1;
    }
    return 0;
}

static int bench_program(const char *im, const char *path, double secs) {
    char err[256];
    const char *isa, *model;
    if (vlab_resolve(im, &isa, &model, err, sizeof err) < 0) { fprintf(stderr, "%s\n", err); return 2; }
    double t[2] = { 0, 0 };
    uint64_t n[2] = { 0, 0 }, traps = 0;
    /* alternate native and monitored runs so that both see the same host */
    while (t[0] < secs || t[1] < secs) {
        for (int k = 0; k < 2; k++) {
            double s;
            uint64_t i, tr;
            if (run_once(isa, model, path, k, &s, &i, &tr) < 0) return 1;
            t[k] += s;
            n[k] += i;
            if (k) traps += tr;
        }
    }
    double nat = n[0] / t[0] / 1e6, mon = n[1] / t[1] / 1e6;
    printf("%-12s %-32s native %7.1f MIPS  monitored %7.1f MIPS  host time ratio %.3f  (%llu traps)\n", im, path,
           nat, mon, nat / mon, (unsigned long long)traps);
    return 0;
}

/* A guest loop of N times ORI #0,SR (privileged: one trap each, emulated) or
 * ORI #0,CCR (not privileged: runs directly); the difference per iteration
 * is one trap-and-emulate round trip. */
static double loop_time(const char *model, int trapping, uint32_t iters, uint64_t *traps) {
    char err[256];
    vl_vm *vm = vl_vm_new(NULL, "m68k", model, 1 << 16, VL_TECH_TRAP_EMULATE, NULL, err, sizeof err);
    if (!vm) { fprintf(stderr, "bench_vmm: %s\n", err); exit(1); }
    uint8_t code[] = {
        0x20, 0x3C, (uint8_t)(iters >> 24), (uint8_t)(iters >> 16), (uint8_t)(iters >> 8), (uint8_t)iters, /* move.l #n,d0 */
        0x00, (uint8_t)(trapping ? 0x7C : 0x3C), 0x00, 0x00, /* loop: ori #0,sr / ori #0,ccr */
        0x53, 0x80,                              /* subq.l #1,d0 */
        0x66, 0xF8,                              /* bne.s loop */
        0x4E, 0x72, 0x27, 0x00,                  /* stop #$2700 */
    };
    vlab_mem_write(vm->m, 0x1000, code, sizeof code);
    vl_vm_set_supervisor(vm, 1);
    vl_vm_reg_set(vm, vlab_reg_index(vm->m, "sp"), 0x10000);
    vl_vm_set_pc(vm, 0x1000);
    double a = now();
    vl_vm_run(vm, 0, 0, 0);
    double t = now() - a;
    vl_vmm_stats s;
    vl_vm_stats(vm, &s);
    *traps = s.traps;
    vl_vm_free(vm);
    return t;
}

int main(int argc, char **argv) {
    if (argc >= 2 && strcmp(argv[1], "--trap") == 0) {
        const char *model = argc > 2 ? argv[2] : "68010";
        const char *mm = strchr(model, ':');
        if (mm) model = mm + 1;
        uint32_t n = 2000000;
        uint64_t tr, tc;
        double ts = loop_time(model, 1, n, &tr), tccr = loop_time(model, 0, n, &tc);
        printf("m68k:%-7s trap-and-emulate round trip (ORI to SR, emulated): %.0f ns per trap "
               "(%llu traps; %.3f s vs %.3f s for the same loop with ORI to CCR)\n",
               model, (ts - tccr) / (double)(tr - tc) * 1e9, (unsigned long long)tr, ts, tccr);
        return 0;
    }
    if (argc < 3) {
        fprintf(stderr, "usage: bench_vmm ISA:MODEL FILE.elf [SECONDS] | bench_vmm --trap [MODEL]\n");
        return 2;
    }
    return bench_program(argv[1], argv[2], argc > 3 ? atof(argv[3]) : 1.0);
}
