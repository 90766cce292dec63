/* bench_cpu.c - guest instructions per second of one core on a compiled,
 * CPU-bound program: bench_cpu ISA:MODEL FILE.elf [SECONDS]. The program is
 * reloaded and rerun until SECONDS of host time have passed. */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include "vlab.h"

static double now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

int main(int argc, char **argv) {
    if (argc < 3) { fprintf(stderr, "usage: bench_cpu ISA:MODEL FILE.elf [SECONDS]\n"); return 2; }
    double secs = argc > 3 ? atof(argv[3]) : 2.0;
    char err[256];
    const char *isa, *model;
    if (vlab_resolve(argv[1], &isa, &model, err, sizeof err) < 0) { fprintf(stderr, "%s\n", err); return 2; }
    uint64_t insns = 0;
    int runs = 0;
    double t0 = 0, t = 0;
    while (t - t0 < secs) {
        vlab_machine *m = vlab_machine_new(isa, model, 16u << 20, err, sizeof err);
        if (!m) { fprintf(stderr, "%s\n", err); return 1; }
        uint32_t entry;
        if (vlab_load(m, argv[2], 0, &entry, err, sizeof err) < 0) { fprintf(stderr, "%s\n", err); return 1; }
        int sp = vlab_reg_index(m, "sp");
        if (sp >= 0) vlab_reg_set(m, sp, vlab_ram_size(m));
        vlab_set_supervisor(m, 1);
        vlab_set_pc(m, entry);
        double a = now();
        vlab_stop st = vlab_run(m, 2000000000u, 0, 0);
        t += now() - a; /* only the run counts, not loading */
        if (st.reason != VLAB_STOP_HALT) {
            fprintf(stderr, "bench: %s stopped with %s at 0x%x\n", argv[2], vlab_stop_name(st.reason), st.pc);
            return 1;
        }
        vlab_stats s;
        vlab_get_stats(m, &s);
        insns += s.instructions;
        runs++;
        vlab_machine_free(m);
    }
    printf("%-12s %-28s %8.1f MIPS  (%llu instructions in %.2f s, %d runs)\n", argv[1], argv[2],
           insns / (t - t0) / 1e6, (unsigned long long)insns, t - t0, runs);
    return 0;
}
