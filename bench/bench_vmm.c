/* bench_vmm.c - the monitor's overhead (issue 3):
 *   bench_vmm ISA:MODEL FILE.elf [SECONDS]   a compiled CPU-bound program natively
 *                                            and under trap-and-emulate: host time ratio
 *                                            (of the fastest run of each, per guest
 *                                            instruction; of the total times in brackets)
 *   bench_vmm --techniques ISA:MODEL FILE.elf [SECONDS]
 *                                            the same under every technique of the
 *                                            registry (one that refuses the model: n/a)
 *   bench_vmm --technique T ISA:MODEL FILE.elf [SECONDS]
 *                                            the same under technique T alone (for a profiler)
 *   bench_vmm --trap [ISA:MODEL]             host time of one trap-and-emulate round
 *                                            trip (a privileged instruction vs an innocuous one)
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
/* technique: VL_TECH_*, or -1 natively */
static int run_once(const char *isa, const char *model, const char *path, int technique, double *secs,
                    uint64_t *insns, uint64_t *traps) {
    int monitored = technique >= 0;
    char err[256];
    uint32_t ram = 16u << 20, entry;
    vlab_machine *m = NULL;
    vl_vm *vm = NULL;
    if (monitored) {
        vm = vl_vm_new(NULL, isa, model, ram, technique, NULL, err, sizeof err);
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
    /* fault the guest's RAM in before the clock starts: a fresh calloc'd
     * RAM is zero pages that the first store to each maps, which would
     * charge the kernel's page faults to whichever run got the fresh
     * memory (glibc hands back mapped or unmapped memory from one run to
     * the next: run times of one program differed 2.5x) */
    for (uint32_t o = 0; o < m->mem.size; o += 4096) ((volatile uint8_t *)m->mem.ram)[o] = m->mem.ram[o];
    double a = now();
    vl_stop st;
    if (monitored) {
        vl_vm_boot(vm, entry, ram);
        a = now();
        st = vl_vm_run(vm, 2000000000u, 0, 0);
    } else {
        vl_machine_boot(m, entry, ram);
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

static int bench_program(const char *im, const char *path, double secs, int technique) {
    char err[256];
    const char *isa, *model;
    if (vlab_resolve(im, &isa, &model, err, sizeof err) < 0) { fprintf(stderr, "%s\n", err); return 2; }
    double t[2] = { 0, 0 }, best[2] = { 0, 0 };
    uint64_t n[2] = { 0, 0 }, one[2] = { 0, 0 }, traps = 0;
    int runs = 0;
    /* alternate native and monitored runs so that both see the same host */
    while (t[0] < secs || t[1] < secs) {
        for (int k = 0; k < 2; k++) {
            double s;
            uint64_t i, tr;
            if (run_once(isa, model, path, k ? technique : -1, &s, &i, &tr) < 0) return 1;
            t[k] += s;
            n[k] += i;
            if (!runs || s < best[k]) best[k] = s;
            one[k] = i;
            if (k) traps += tr;
        }
        runs++;
    }
    /* MIPS and the ratio from the fastest run of each (a loaded host only
     * ever adds time: the minimum is the steadiest estimate), the ratio of
     * the total times after it */
    double nat = one[0] / best[0] / 1e6, mon = one[1] / best[1] / 1e6;
    double ratio = (best[1] / (double)one[1]) / (best[0] / (double)one[0]);
    double total = (t[1] / (double)n[1]) / (t[0] / (double)n[0]);
    printf("%-12s %-32s %-18s native %7.1f MIPS  monitored %7.1f MIPS  host time ratio %.3f (total %.3f, %d runs)  "
           "(%llu traps)\n",
           im, path, vl_technique_name(technique), nat, mon, ratio, total, runs, (unsigned long long)traps);
    return 0;
}

/* Every technique of the registry on one program; a technique that
 * refuses the model (vl_vm_new fails) says why. */
static int bench_techniques(const char *im, const char *path, double secs) {
    char err[256];
    const char *isa, *model;
    if (vlab_resolve(im, &isa, &model, err, sizeof err) < 0) { fprintf(stderr, "%s\n", err); return 2; }
    int rc = 0;
    for (int t = 0; t < VL_TECH_COUNT; t++) {
        if (!vl_technique_get(t)) continue;
        vl_vm *vm = vl_vm_new(NULL, isa, model, 1 << 16, t, NULL, err, sizeof err);
        if (!vm) {
            printf("%-12s %-32s %-18s n/a: %s\n", im, path, vl_technique_name(t), err);
            continue;
        }
        vl_vm_free(vm);
        if (bench_program(im, path, secs, t)) rc = 1;
    }
    return rc;
}

/* A guest loop of N iterations around one privileged instruction that the
 * monitor emulates (m68k ORI #0,SR; ppc mfmsr; x86 MOV from CR0), against the
 * same loop around an innocuous one that runs directly (ORI #0,CCR; mfxer;
 * MOV between registers): the difference per
 * iteration is one trap-and-emulate round trip. Built with our assembler. */
static const struct trap_loop {
    const char *isa, *what, *trapping, *direct, *src;
} trap_loops[] = {
    { "m68k", "ORI to SR vs ORI to CCR", "ori.w #0,sr", "ori.b #0,ccr",
      "move.l #%u,d0\nloop: %s\nsubq.l #1,d0\nbne.s loop\nstop #0x2700\n" },
    { "ppc", "mfmsr vs mfxer", "mfmsr r4", "mfxer r4",
      "lis r3,%u@ha\naddi r3,r3,%u@l\nmtctr r3\nloop: %s\nbdnz loop\nb .\n" },
    { "x86", "mov %cr0,%eax vs mov %ebx,%eax", "mov %cr0,%eax", "mov %ebx,%eax",
      "mov $%u,%%ecx\nloop: %s\ndec %%ecx\njnz loop\nhlt\n" },
};

static double loop_time(const char *isa, const char *model, int trapping, uint32_t iters, uint64_t *traps) {
    char err[256], src[512];
    const struct trap_loop *l = NULL;
    for (size_t i = 0; i < sizeof trap_loops / sizeof *trap_loops; i++)
        if (strcmp(trap_loops[i].isa, isa) == 0) l = &trap_loops[i];
    if (!l) { fprintf(stderr, "bench_vmm: no trap loop for isa %s\n", isa); exit(2); }
    if (strcmp(isa, "ppc") == 0)
        snprintf(src, sizeof src, l->src, iters, iters, trapping ? l->trapping : l->direct);
    else
        snprintf(src, sizeof src, l->src, iters, trapping ? l->trapping : l->direct);
    uint8_t *code;
    size_t len;
    char im[64];
    snprintf(im, sizeof im, "%s:%s", isa, model);
    if (vlab_asm(im, src, 0x1000, &code, &len, err, sizeof err) < 0) { fprintf(stderr, "bench_vmm: %s\n", err); exit(1); }
    vl_vm *vm = vl_vm_new(NULL, isa, model, 1 << 16, VL_TECH_TRAP_EMULATE, NULL, err, sizeof err);
    if (!vm) { fprintf(stderr, "bench_vmm: %s\n", err); exit(1); }
    vlab_mem_write(vm->m, 0x1000, code, len);
    vlab_free(code);
    vl_vm_boot(vm, 0x1000, 0x10000);
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
        const char *isa, *model;
        char err[256];
        if (vlab_resolve(argc > 2 ? argv[2] : "m68k:68010", &isa, &model, err, sizeof err) < 0) {
            fprintf(stderr, "bench_vmm: %s\n", err);
            return 2;
        }
        uint32_t n = 2000000;
        uint64_t tr, tc;
        double ts = loop_time(isa, model, 1, n, &tr), td = loop_time(isa, model, 0, n, &tc);
        const char *what = "";
        for (size_t i = 0; i < sizeof trap_loops / sizeof *trap_loops; i++)
            if (strcmp(trap_loops[i].isa, isa) == 0) what = trap_loops[i].what;
        printf("%s:%-7s trap-and-emulate round trip: %.0f ns per trap (%s: %llu traps; %.3f s vs %.3f s)\n",
               isa, model, (ts - td) / (double)(tr - tc) * 1e9, what, (unsigned long long)tr, ts, td);
        return 0;
    }
    if (argc >= 5 && strcmp(argv[1], "--technique") == 0) {
        int t = vl_technique_find(argv[2]);
        if (t < 0) { fprintf(stderr, "bench_vmm: unknown technique '%s'\n", argv[2]); return 2; }
        return bench_program(argv[3], argv[4], argc > 5 ? atof(argv[5]) : 1.0, t);
    }
    if (argc >= 4 && strcmp(argv[1], "--techniques") == 0)
        return bench_techniques(argv[2], argv[3], argc > 4 ? atof(argv[4]) : 1.0);
    if (argc < 3) {
        fprintf(stderr, "usage: bench_vmm ISA:MODEL FILE.elf [SECONDS] | bench_vmm --techniques ISA:MODEL FILE.elf "
                        "[SECONDS] | bench_vmm --technique T ISA:MODEL FILE.elf [SECONDS] | bench_vmm --trap [ISA:MODEL]\n");
        return 2;
    }
    return bench_program(argv[1], argv[2], argc > 3 ? atof(argv[3]) : 1.0, VL_TECH_TRAP_EMULATE);
}
