/* test_m68k_intercept.c - the intercept fast loop saves, before each
 * instruction, only what that opcode can change before it faults (exec.c's
 * save table). Check it: every first word of both models, from random states
 * in which operands often point at odd addresses, the end of RAM or nothing,
 * runs under intercept on the fast loop and on the checking loop (which
 * snapshots everything); stop, registers, flags, counts and memory must be
 * identical. Then short streams of words ending in each word. A handler
 * changed to write a register before a possible fault without updating the
 * save table makes this fail. Arguments: [TRIALS [SEED]]. */
#include "isa/m68k/m68k.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define RAM 0x2000u
#define CODE 0x1000u
typedef struct { uint64_t s; } rng;
static uint32_t rnd_(rng *r) { r->s ^= r->s << 13; r->s ^= r->s >> 7; r->s ^= r->s << 17; return (uint32_t)r->s; }
#define rnd() rnd_(g)

static uint32_t addr_(rng *g) {
    switch (rnd() % 6) {
    case 0: return (rnd() % RAM) & ~1u;
    case 1: return (rnd() % RAM) | 1u;
    case 2: return RAM - (rnd() % 16);
    case 3: return rnd();
    case 4: return 0x800 + ((rnd() % 0x400) & ~1u);
    default: return (rnd() % RAM) & ~3u;
    }
}

#define addr() addr_(g)

/* One pass over all words of both models; returns the number of differences. */
static long check(rng *g, int trials, unsigned seq, long *total_out, long *faults_out) {
    char err[200];
    const char *models[2] = { "68000", "68010" };
    uint8_t img[RAM];
    long bad = 0, faults = 0, total = 0;
    for (int mi = 0; mi < 2; mi++) {
        vlab_machine *ma = vlab_machine_new("m68k", models[mi], RAM, err, sizeof err);
        vlab_machine *mb = vlab_machine_new("m68k", models[mi], RAM, err, sizeof err);
        if (!ma || !mb) { fprintf(stderr, "%s\n", err); return 1; }
        m68k_cpu *a = ma->cpu, *b = mb->cpu;
        for (unsigned w = 0; w < 65536; w++) {
            for (int t = 0; t < trials; t++) {
                for (unsigned i = 0; i < RAM; i += 4) { uint32_t r = rnd(); memcpy(img + i, &r, 4); }
                if (seq) {
                    /* a stream of decodable, mostly harmless words, then w */
                    for (unsigned k = CODE - 2 * seq; k < CODE; k += 2) {
                        uint16_t x;
                        do x = (uint16_t)rnd(); while (!m68k_decode_word(mi, x) || (x & 0xF000) == 0x4000 || (x & 0xF000) == 0x6000);
                        img[k] = (uint8_t)(x >> 8); img[k + 1] = (uint8_t)x;
                    }
                }
                img[CODE] = (uint8_t)(w >> 8); img[CODE + 1] = (uint8_t)w;
                /* sometimes tame extension words (small displacements, masks) */
                if (rnd() & 1) for (int k = 2; k < 10; k += 2) { img[CODE + k] = 0; img[CODE + k + 1] &= 0x3E; }
                memcpy(ma->mem.ram, img, RAM);
                memcpy(mb->mem.ram, img, RAM);
                bool sup = rnd() & 1;
                uint32_t regs[16];
                for (int k = 0; k < 8; k++) regs[k] = (rnd() & 3) ? rnd() : addr();
                for (int k = 8; k < 16; k++) regs[k] = addr();
                uint8_t ccr = rnd() & 0x1F;
                uint32_t other = addr();
                for (int pass = 0; pass < 2; pass++) {
                    m68k_cpu *s = pass ? b : a;
                    m68k_set_sr(s, (uint16_t)((sup ? 0x2700 : 0x0700) | ccr));
                    memcpy(s->d, regs, 32);
                    memcpy(s->a, regs + 8, 32);
                    if (sup) s->usp = other; else s->ssp = other;
                    s->vbr = 0; s->sfc = 1; s->dfc = 5;
                    s->pc = CODE - 2 * seq;
                    s->stopped = false; s->halted = false; s->trace_pending = false;
                    s->c.intercept = true;
                    s->c.exit_set = pass ? (1u << 31) : 0; /* b: the checking loop */
                    s->c.icount = 0;
                    m68k_update_ithresh(s);
                }
                vl_stop ra = m68k_ops.run(a, seq * 4 + 1), rb = m68k_ops.run(b, seq * 4 + 1);
                total++;
                if (ra.reason == VLAB_STOP_EXCEPTION) faults++;
                const char *why = NULL;
                if (memcmp(&ra, &rb, sizeof ra)) why = "stop";
                else if (memcmp(a->d, b->d, M68K_SNAP_BYTES)) why = "registers";
                else if (a->stopped != b->stopped || a->trace_pending != b->trace_pending || a->halted != b->halted) why = "flags";
                else if (a->c.icount != b->c.icount || a->c.exceptions != b->c.exceptions) why = "counts";
                else if (memcmp(ma->mem.ram, mb->mem.ram, RAM)) why = "memory";
                if (why) {
                    if (bad < 30) {
                        fprintf(stderr, "%s %04x %s: %s stop %d/%d vec %d/%d pc %x/%x\n", models[mi], w,
                                sup ? "sup" : "user", why, ra.reason, rb.reason, ra.vector, rb.vector, ra.pc, rb.pc);
                        for (int k = 0; k < 8; k++)
                            if (a->a[k] != b->a[k]) fprintf(stderr, "   a%d %08x vs %08x\n", k, a->a[k], b->a[k]);
                        for (int k = 0; k < 8; k++)
                            if (a->d[k] != b->d[k]) fprintf(stderr, "   d%d %08x vs %08x\n", k, a->d[k], b->d[k]);
                        fprintf(stderr, "   sr %04x vs %04x pc %x vs %x usp %x/%x ssp %x/%x\n", m68k_get_sr(a), m68k_get_sr(b),
                                a->pc, b->pc, a->usp, b->usp, a->ssp, b->ssp);
                    }
                    bad++;
                }
            }
        }
        vlab_machine_free(ma);
        vlab_machine_free(mb);
    }
    *total_out = total;
    *faults_out = faults;
    return bad;
}

int main(int argc, char **argv) {
    int trials = argc > 1 ? atoi(argv[1]) : 2;
    rng g = { argc > 2 ? strtoull(argv[2], 0, 0) : 88172645463325252ull };
    long bad = 0;
    for (unsigned seq = 0; seq <= 3; seq += 3) { /* single instructions, then streams of 4 */
        long total, faults;
        long b = check(&g, seq ? 1 : trials, seq, &total, &faults);
        printf("intercept fast loop vs full snapshot, %s: %ld runs, %ld intercepted, %ld differ\n",
               seq ? "streams of 4 instructions" : "single instructions", total, faults, b);
        bad += b;
    }
    return bad != 0;
}
