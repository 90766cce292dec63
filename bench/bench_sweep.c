/* bench_sweep.c - wall time of the sweep behind `vlab table`: every model
 * (68000, 68010, 750...), every form, N states (default 8), rendered as
 * Markdown. A benchmark: it prints figures and never fails on a time.
 * Target (issue 5): under 10 s for 68000 + 68010 + 750 with 8 states.
 *
 *   bench_sweep [STATES]                                                   */
#include "vmm/sweep.h"
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

int main(int argc, char **argv) {
    int states = argc > 1 ? atoi(argv[1]) : 8;
    vl_sweep_result res[16];
    size_t n = 0;
    double t0 = now();
    for (int i = 0; vlab_isa_name(i) && n < 16; i++) {
        const char *isa = vlab_isa_name(i);
        for (int k = 0; vlab_model_name(isa, k) && n < 16; k++) {
            const char *model = vlab_model_name(isa, k);
            vl_sweep_opts o = { 0 };
            o.isa = isa;
            o.model = model;
            o.states = states;
            char err[256];
            double t1 = now();
            if (vl_sweep_run(&o, &res[n], err, sizeof err) < 0) {
                printf("  %-5s %-6s not swept: %s\n", isa, model, err);
                continue;
            }
            double dt = now() - t1;
            printf("  %-5s %-6s %5d forms %8llu executions %7.3f s  (%.2f us per execution: 3-4 single steps)\n", isa,
                   model, res[n].sum.forms + res[n].sum.illegal, (unsigned long long)res[n].sum.runs, dt,
                   res[n].sum.runs ? dt * 1e6 / (double)res[n].sum.runs : 0.0);
            n++;
        }
    }
    char *md = vl_table_render(res, n, VL_FMT_MD, true);
    double total = now() - t0;
    printf("  vlab table, all models, %d states: %.3f s wall (%zu bytes of Markdown)\n", states, total,
           md ? strlen(md) : 0);
    free(md);
    for (size_t i = 0; i < n; i++) vl_sweep_result_free(&res[i]);
    return 0;
}
