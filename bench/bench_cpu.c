/* bench_cpu.c - guest instructions per second of one core on a compiled,
 * CPU-bound program:
 *   bench_cpu ISA:MODEL FILE.elf [SECONDS]
 *       the program is reloaded and rerun until SECONDS of host time passed;
 *       prints MIPS
 *   bench_cpu ISA:MODEL FILE.elf --runs N [--max INSNS]
 *       N runs (at most INSNS guest instructions each, to the end of the
 *       program without --max); prints "min_seconds instructions", the
 *       machine-readable form bench/compare.sh reads (it builds this driver
 *       against each library it compares, so both run the same driver).
 * Only the run is timed, never loading. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "vlab.h"

static double now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

/* One run of the program: host seconds into *secs, guest instructions into
 * *insns. max 0: to the end (it must halt); otherwise a budget. */
static int run_once(const char *isa, const char *model, const char *path, uint64_t max, double *secs,
                    uint64_t *insns) {
    char err[256];
    vlab_machine *m = vlab_machine_new(isa, model, 16u << 20, err, sizeof err);
    if (!m) { fprintf(stderr, "%s\n", err); return -1; }
    uint32_t entry;
    if (vlab_load(m, path, 0, &entry, err, sizeof err) < 0) { fprintf(stderr, "%s\n", err); return -1; }
    int sp = vlab_reg_index(m, "sp");
    if (sp >= 0) vlab_reg_set(m, sp, vlab_ram_size(m));
    vlab_set_supervisor(m, 1);
    vlab_set_pc(m, entry);
    double a = now();
    vlab_stop st = vlab_run(m, max ? max : 2000000000u, 0, 0);
    *secs = now() - a;
    if (st.reason != VLAB_STOP_HALT && !(max && st.reason == VLAB_STOP_BUDGET)) {
        fprintf(stderr, "bench: %s stopped with %s at 0x%x\n", path, vlab_stop_name(st.reason), st.pc);
        return -1;
    }
    vlab_stats s;
    vlab_get_stats(m, &s);
    *insns = s.instructions;
    vlab_machine_free(m);
    return 0;
}

int main(int argc, char **argv) {
    if (argc < 3) {
        fprintf(stderr, "usage: bench_cpu ISA:MODEL FILE.elf [SECONDS] | ISA:MODEL FILE.elf --runs N [--max INSNS]\n");
        return 2;
    }
    char err[256];
    const char *isa, *model;
    if (vlab_resolve(argv[1], &isa, &model, err, sizeof err) < 0) { fprintf(stderr, "%s\n", err); return 2; }
    if (argc > 3 && strcmp(argv[3], "--runs") == 0) {
        int runs = argc > 4 ? atoi(argv[4]) : 0;
        uint64_t max = argc > 6 && strcmp(argv[5], "--max") == 0 ? strtoull(argv[6], NULL, 0) : 0;
        if (runs < 1) { fprintf(stderr, "bench_cpu: --runs needs a count >= 1\n"); return 2; }
        double best = 0;
        uint64_t insns = 0;
        for (int i = 0; i < runs; i++) {
            double t;
            if (run_once(isa, model, argv[2], max, &t, &insns) < 0) return 1;
            if (i == 0 || t < best) best = t;
        }
        printf("%.6f %llu\n", best, (unsigned long long)insns);
        return 0;
    }
    double secs = argc > 3 ? atof(argv[3]) : 2.0;
    if (!(secs > 0)) { fprintf(stderr, "bench_cpu: SECONDS must be > 0\n"); return 2; }
    uint64_t insns = 0;
    int runs = 0;
    double t = 0;
    while (t < secs) {
        double s;
        uint64_t n;
        if (run_once(isa, model, argv[2], 0, &s, &n) < 0) return 1;
        t += s;
        insns += n;
        runs++;
    }
    printf("%-12s %-28s %8.1f MIPS  (%llu instructions in %.2f s, %d runs)\n", argv[1], argv[2],
           insns / t / 1e6, (unsigned long long)insns, t, runs);
    return 0;
}
