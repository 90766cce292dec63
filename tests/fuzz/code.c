/* code.c - the random-code fuzz targets, one per ISA model (code-68000,
 * code-68010, code-750, code-i386, code-pentium).
 *
 * An input is a configuration (privilege state, timer, how the vector table
 * is filled, a second VM; x86: paging, hypercalls, descriptor tables)
 * followed by machine code. It becomes a RAM image:
 * a vector table, a prefix that sets the privilege state and arms the timer,
 * the code. The image runs
 *   1. natively, through the public API (include/vlab.h), with an event hook;
 *   2. under every technique the monitor offers for the ISA (asked at run
 *      time: an ISA without monitor glue runs natively only; hw-assist
 *      also in its vt flavour where the glue has one), with the
 *      resource-control check (vl_vm_check) after every trap and at the end,
 *      sometimes with a second VM on the same monitor, time-sliced;
 *   3. natively and monitored side by side (vl_equiv_run, vmm/compare.c),
 *      under every technique the sweep measures (not paravirt, whose
 *      guests are paravirtualized kernels: resource control only):
 *      where the sweep measures no leaking form for the model and technique,
 *      the two must end identical; where it measures leaks, the first
 *      difference must be at an instruction of a leaking form (the 68000's
 *      MOVE from SR under trap-and-emulate).
 * Every run has an instruction budget: a guest cannot hang the fuzzer.
 *
 * The machines and VMs are made once per target and renewed between inputs
 * (vlab_machine_renew, vl_vmm_renew, vl_equiv_run_cached): making and
 * freeing the ~25 an input needs cost more than running it. Environment:
 * VLAB_FUZZ_FRESH=1 makes them anew for every input instead (as before);
 * VLAB_FUZZ_DIGEST=FILE appends, per run, the end state (stop, registers,
 * a hash of RAM and console, stats) and the differential's result to FILE:
 * tests/fuzz_reuse.sh compares the two ways byte for byte;
 * VLAB_FUZZ_IMAGE=FILE writes each input's image to FILE (the last one
 * stays) and its entry, stack and budget to standard error: a failure's
 * image for vlab.equivalence or vlab exec. */
#include "tests/fuzz/fuzz.h"
#include "vmm/sweep.h"
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

enum {
    RAM = 0x10000,
    BUDGET = 2000,      /* guest instructions per run */
    MAX_CODE = 4096,
    SSP = 0x8000,       /* the supervisor stack, set before the run */
    USP = 0xC000,       /* m68k: the user stack the prefix sets */
    MAX_RANGES = 256,
    MAX_CLAIMS = VL_TECH_COUNT + 1, /* every technique, hw-assist in both flavours */
};

/* What the sweep measured for one technique: the encodings of the leaking forms. */
typedef struct claim {
    int tech;
    int flavour;            /* hw-assist: VL_HW_SVM, or VL_HW_VT (a claim of its own) */
    char name[32];          /* the technique's name, with the flavour when not the default */
    int leaking_forms;
    int nr;
    uint32_t lo[MAX_RANGES], hi[MAX_RANGES];
    bool unparsed;          /* an encoding text this oracle cannot read */
    bool rc_only;           /* the sweep cannot measure it (paravirt): resource control only */
    /* x86 encodings are byte patterns ("0f 01 /0"), not word ranges: there
     * the leaking forms are matched by their decode-table mnemonic */
    int nmn;
    const char *mn[MAX_RANGES];
} claim;

typedef struct image {
    uint8_t b[RAM];
    uint32_t len, entry, code, code_len;
    bool user;              /* x86: set CPL 3 through the API (the prefix cannot) */
    /* x86: the monitored runs start as the bare machine does, in the state
     * a loader leaves (vl_vm_boot: protected mode, flat segments); else in
     * the state after reset (real mode), as the inputs kept from before
     * this choice do: the prefix and the code then mean something else
     * than natively, which only resource control checks */
    bool boot;
} image;

typedef struct code_state {
    const char *isa, *model;
    int nclaims;
    claim claims[MAX_CLAIMS];
    unsigned unit;          /* bytes of the word the sweep's encodings name */
    bool big_endian;
    uint32_t mmio;          /* the model's device window: where the prefix arms the timer */
    image *img;             /* two images (the second VM's), reused from input to input */
    bool fresh;             /* VLAB_FUZZ_FRESH: new machines for every input */
    FILE *digest;           /* VLAB_FUZZ_DIGEST: the end states, NULL: none */
    /* kept between inputs (renewed), by claim: the native machine, the
     * monitor of the single VM, the monitors of the two VMs side by side
     * (one per technique of the second) and the differential's machines */
    vlab_machine *nat, *nat_one, *nat_stop; /* the last two: the stopping run's (native_stopping) */
    vl_vmm *solo_mon[MAX_CLAIMS], *pair_mon[MAX_CLAIMS][2];
    vl_vm *solo[MAX_CLAIMS], *pair_a[MAX_CLAIMS][2], *pair_b[MAX_CLAIMS][2];
    vl_vmm *stop_mon[MAX_CLAIMS];   /* the solo run again, stopped and resumed (run_stopping) */
    vl_vm *stopping[MAX_CLAIMS];
    /* the two VMs side by side again, each run alone (check_isolation) */
    vl_vmm *iso_mon[MAX_CLAIMS][2];
    vl_vm *iso_a[MAX_CLAIMS][2], *iso_b[MAX_CLAIMS][2];
    vl_equiv_cache *eq;     /* one for every technique: the native side runs once per input */
    /* what the inputs reached, printed at the end (fini) */
    const char *name;
    uint64_t native_stops[VLAB_STOP_SHUTDOWN + 1], traps, differ, unsure;
    uint64_t written;       /* of differ: at an instruction the guest wrote (executed_insn) */
} code_state;

/* ---- input -> image ------------------------------------------------------------- */


static void put32(image *g, uint32_t a, uint32_t v, bool be) {
    for (int i = 0; i < 4; i++) g->b[a + (uint32_t)i] = (uint8_t)(be ? v >> (24 - 8 * i) : v >> (8 * i));
}
static void put16be(image *g, uint32_t a, uint16_t v) {
    g->b[a] = (uint8_t)(v >> 8);
    g->b[a + 1] = (uint8_t)v;
}

/* configuration bytes, then code */
typedef struct config {
    uint8_t flags;          /* 1 user mode, 2 timer, 4 second VM, 8 event hook, 0x30 vector mode;
                             * x86: 0x80 with sr bits 5 and 8, descriptor tables */
    uint16_t sr;            /* m68k SR bits / ppc MSR bits / x86: bit 0 STI, bits 9 and 10 paging, 11 CR0.WP,
                             * 6 and 12 hypercalls planted, 9 and 13 (or paging, or hypercalls, or
                             * descriptor tables) monitored runs from the loader's state */
    uint8_t period, level;
    uint32_t vseed;
    uint8_t slice, hook_after;
} config;

static void read_config(fz_in *in, config *c) {
    c->flags = fz_u8(in);
    c->sr = fz_u16(in);
    c->period = fz_u8(in);
    c->level = fz_u8(in);
    c->vseed = fz_u32(in);
    c->slice = fz_u8(in);
    c->hook_after = fz_u8(in);
}

/* x86 descriptor tables (the tables configuration): a GDT of 16 and an
 * LDT of 16 descriptors, those after the start state's drawn */
enum { X86_LDT = 0x600, X86_TSS = 0x680, X86_NDESC = 16 };

/* One descriptor drawn: mostly a code or data segment of any DPL (flat or
 * small, at 0 or at a page of RAM, 16- or 32-bit, accessed or not, now and
 * then not present, expand-down or conforming), else a call gate to the
 * kernel's code, the LDT or a TSS. */
static void draw_desc(uint64_t *s, uint32_t stub, uint32_t *lo, uint32_t *hi) {
    uint32_t r = (uint32_t)fz_rand(s), q = (uint32_t)fz_rand(s);
    uint32_t dpl = r & 3, p = (r >> 2 & 7) ? 0x8000u : 0;
    uint32_t base = 0, limit = X86_NDESC * 8 - 1, type;
    switch (r >> 5 & 15) {
    case 12: /* a call gate to the code segment 0x08, one parameter now and then */
        *lo = (stub & 0xFFFF) | 0x08u << 16;
        *hi = (stub & 0xFFFF0000u) | p | dpl << 13 | 0xCu << 8 | (q & 1);
        return;
    case 13: base = X86_LDT, type = 0x2; break;         /* the LDT */
    case 14: base = X86_TSS, limit = 0x67, type = 0x9; break; /* an available 32-bit TSS */
    default:
        base = (r & 0x200) ? (q & 0xF) << 12 : 0;
        limit = (r & 0x400) ? 0xFFFFF : (q >> 4 & 0xFFFF);
        /* data: writable, expand-down, accessed; code: readable, conforming, accessed */
        type = ((r >> 5 & 15) < 6 ? 0x12u : 0x1Au) | (r >> 11 & 5);
        if ((r >> 15 & 3) == 0) type &= ~0x2u; /* read-only data, execute-only code */
        break;
    }
    uint32_t flags = (type & 0x10) ? ((r & 0x400) ? 0x8u : 0) | ((r >> 14 & 1) ? 0x4u : 0) : 0; /* G, D/B */
    *lo = (base & 0xFFFF) << 16 | (limit & 0xFFFF);
    *hi = (base & 0xFF000000u) | flags << 20 | (limit & 0xF0000u) | p | dpl << 13 | (type & 0x1F) << 8 |
          (base >> 16 & 0xFF);
}

/* the target of vector v: 0 stub, 1 into the code, 2 random, 3 none */
static uint32_t vec_target(const config *c, uint64_t *s, const image *g, uint32_t stub) {
    uint64_t r = fz_rand(s);
    switch ((c->flags >> 4) & 3) {
    case 0: return r & 0x100 ? stub : g->code + (uint32_t)(r % (g->code_len + 1));
    case 1: return g->code + (uint32_t)(r % (g->code_len + 1));
    case 2: return (uint32_t)(r >> 32);
    default: return r & 7 ? 0 : stub;
    }
}

static uint32_t add_code(image *g, uint32_t at, const uint8_t *code, size_t n, uint32_t align) {
    if (n > MAX_CODE) n = MAX_CODE;
    memcpy(g->b + at, code, n);
    g->code_len = (uint32_t)n;
    uint32_t end = at + (uint32_t)((n + align - 1) & ~(size_t)(align - 1));
    return end;
}

static void build_m68k(image *g, const config *c, const uint8_t *code, size_t n, uint32_t mmio) {
    const uint32_t STUB = 0x400, PRE = 0x1000;
    uint32_t a = PRE;
    put16be(g, STUB, 0x4E73);                             /* rte */
    put16be(g, STUB + 2, 0x5287), put16be(g, STUB + 4, 0x4E73); /* addq.l #1,d7; rte */
    put16be(g, a, 0x207C), put32(g, a + 2, USP, true), a += 6; /* movea.l #USP,a0 */
    put16be(g, a, 0x4E60), a += 2;                        /* move a0,usp */
    if (c->flags & 2) {
        put16be(g, a, 0x23FC), put32(g, a + 2, 1u + c->period, true), put32(g, a + 6, mmio + 4, true), a += 10;
        put16be(g, a, 0x23FC), put32(g, a + 2, c->level & 7, true), put32(g, a + 6, mmio + 8, true), a += 10;
    }
    uint16_t sr = (uint16_t)(c->sr & 0xA71F);             /* T, S, mask, CCR */
    sr = (c->flags & 1) ? (uint16_t)(sr & ~0x2000) : (uint16_t)(sr | 0x2000);
    put16be(g, a, 0x46FC), put16be(g, a + 2, sr), a += 4; /* move.w #sr,sr */
    g->code = a;
    g->len = add_code(g, a, code, n, 2);
    g->entry = PRE;
    uint64_t s = c->vseed;
    for (uint32_t v = 2; v < 256; v++) put32(g, 4 * v, vec_target(c, &s, g, STUB + (v & 1) * 2), true);
}

static void build_ppc(image *g, const config *c, const uint8_t *code, size_t n, uint32_t mmio) {
    const uint32_t PRE = 0x3000;
    uint32_t a = PRE;
    g->code = PRE + 64; /* the prefix is at most 16 words; the code follows it */
    uint64_t s = c->vseed;
    for (uint32_t v = 0x100; v < 0x2000; v += 0x100) {
        uint64_t r = fz_rand(&s);
        switch ((c->flags >> 4) & 3) {
        case 0: /* skip the instruction: srr0 += 4; rfi */
            put32(g, v, 0x7FFA02A6, true), put32(g, v + 4, 0x3BFF0004, true);
            put32(g, v + 8, 0x7FFA03A6, true), put32(g, v + 12, 0x4C000064, true);
            break;
        case 1: { /* b into the code */
            uint32_t t = g->code + 4 * (uint32_t)(r % (n / 4 + 1));
            put32(g, v, 0x48000000u | ((t - v) & 0x03FFFFFCu), true);
            break;
        }
        case 2: put32(g, v, (uint32_t)r, true), put32(g, v + 4, (uint32_t)(r >> 32), true); break;
        default: break; /* zero: an illegal instruction at every vector */
        }
    }
    put32(g, a, 0x3C200000, true), a += 4;                                    /* lis r1,0 */
    put32(g, a, 0x60210000 | SSP, true), a += 4;                              /* ori r1,r1,SSP */
    if (c->flags & 2) {
        put32(g, a, 0x3C800000 | mmio >> 16, true), a += 4;                   /* lis r4,mmio@h */
        put32(g, a, 0x60840000 | (mmio & 0xFFFF), true), a += 4;              /* ori r4,r4,mmio@l */
        put32(g, a, 0x38600001u + c->period, true), a += 4;                   /* li r3,period */
        put32(g, a, 0x90640004, true), a += 4;                                /* stw r3,4(r4) */
        put32(g, a, 0x38600000u | (c->level & 7), true), a += 4;              /* li r3,level */
        put32(g, a, 0x90640008, true), a += 4;                                /* stw r3,8(r4) */
    }
    /* MSR: EE, FP, SE, BE, IP, IR, DR from the input; ME on; PR by the flag */
    uint32_t msr = (c->sr & 0xA670u) | 0x1000u | ((c->flags & 1) ? 0x4000u : 0);
    put32(g, a, 0x3C600000, true), a += 4;                                    /* lis r3,0 */
    put32(g, a, 0x60630000 | msr, true), a += 4;                              /* ori r3,r3,msr */
    put32(g, a, 0x7C600124, true), a += 4;                                    /* mtmsr r3 */
    while (a < g->code) put32(g, a, 0x60000000, true), a += 4;                /* nop */
    g->len = add_code(g, g->code, code, n, 4);
    g->entry = PRE;
}

static void build_x86(image *g, const config *c, const uint8_t *code, size_t n) {
    const uint32_t STUB = 0x800, GDT = 0x700, PRE = 0x1000;
    uint32_t a = PRE;
    /* a GDT with the selectors of the start state (0x08 code, 0x10 data,
     * flat, DPL 0), so that the gates below deliver */
    put32(g, GDT + 8, 0x0000FFFF, false), put32(g, GDT + 12, 0x00CF9A00, false);
    put32(g, GDT + 16, 0x0000FFFF, false), put32(g, GDT + 20, 0x00CF9200, false);
    /* descriptor tables: 16 GDT entries, the fourth the LDT's, the rest
     * drawn, and an LDT of 16 drawn ones, loaded by the prefix; random
     * code seldom names a selector there or writes a descriptor, so loads
     * of segment registers and descriptor writes are planted in the code
     * below (the monitor's shadow tables, their watch, ring compression of
     * every DPL, limits, accessed bits, gates). (Three bits of the
     * configuration: the inputs kept from before keep their meaning.) */
    bool tables = (c->flags & 0x80) && (c->sr & 0x120) == 0x120;
    uint64_t ts = c->vseed ^ 0xD6E8FEB86659FD93ull;
    if (tables) {
        put32(g, GDT + 24, X86_LDT << 16 | (X86_NDESC * 8 - 1), false), put32(g, GDT + 28, 0x00008200, false);
        for (uint32_t i = 4; i < 2 * X86_NDESC; i++) {
            uint32_t lo, hi, at = i < X86_NDESC ? GDT + 8 * i : X86_LDT + 8 * (i - X86_NDESC);
            draw_desc(&ts, STUB, &lo, &hi);
            put32(g, at, lo, false), put32(g, at + 4, hi, false);
        }
        put32(g, X86_TSS + 4, SSP, false), put32(g, X86_TSS + 8, 0x10, false); /* ESP0, SS0 */
    }
    g->b[GDT - 16] = tables ? X86_NDESC * 8 - 1 : 23, put32(g, GDT - 14, GDT, false); /* its pseudo-descriptor */
    static const uint8_t lgdt[] = { 0x0F, 0x01, 0x15, (GDT - 16) & 0xFF, (GDT - 16) >> 8, 0, 0 };
    memcpy(g->b + a, lgdt, sizeof lgdt), a += sizeof lgdt;        /* lgdt (GDT - 16) */
    if (tables) {
        static const uint8_t lldt[] = { 0x66, 0xB8, 0x18, 0x00, 0x0F, 0x00, 0xD0 };
        memcpy(g->b + a, lldt, sizeof lldt), a += sizeof lldt;    /* mov $0x18,%ax; lldt %ax */
    }
    g->b[STUB] = 0xCF; /* iret */
    if (c->flags & 2) {
        static const uint8_t dx104[] = { 0x66, 0xBA, 0x04, 0x01 }, dx108[] = { 0x66, 0xBA, 0x08, 0x01 };
        memcpy(g->b + a, dx104, 4), a += 4;                              /* mov $0x104,%dx */
        g->b[a] = 0xB8, put32(g, a + 1, 1u + c->period, false), a += 5;  /* mov $period,%eax */
        g->b[a++] = 0xEF;                                                /* out %eax,(%dx) */
        memcpy(g->b + a, dx108, 4), a += 4;
        g->b[a] = 0xB8, put32(g, a + 1, c->level & 7, false), a += 5;
        g->b[a++] = 0xEF;
    }
    bool paging = (c->sr & 0x600) == 0x600, calls = (c->sr & 0x1040) == 0x1040;
    g->boot = paging || calls || tables || (c->sr & 0x2200) == 0x2200;
    if (paging) {
        /* paging on: a page directory at PD, one page table mapping the
         * 64 KiB of RAM, identity; the pages the prefix, the vectors and
         * the stack need present and writable by any level, the others
         * drawn: mostly so, else read-only, supervisor-only or not present
         * (CR0.WP from the input). The tables' own pages are mapped
         * nowhere: a table changed under a live translation may be used
         * old or new (the SDM's "optional invalidation": the bare core
         * keeps its code window, a monitor walks again), which no
         * technique can make equal. (Two bits of the configuration: the
         * inputs kept from before paging keep their meaning.) */
        const uint32_t PD = 0xE000, PT = 0xF000;
        uint64_t ps = c->vseed ^ 0x9E3779B97F4A7C15ull;
        put32(g, PD, PT | 7, false);
        for (uint32_t p = 0; p < RAM >> 12; p++) {
            uint32_t r = (uint32_t)fz_rand(&ps), fl = 7;
            bool needed = p <= 2 || p == (SSP - 1) >> 12;
            if (p == PD >> 12 || p == PT >> 12) fl = 0;
            else if (!needed && (r & 3) == 0) fl = (uint32_t[]){ 5, 3, 0, 1 }[r >> 2 & 3];
            put32(g, PT + 4 * p, p << 12 | fl, false);
        }
        uint32_t cr0_or = 0x80000000u | ((c->sr & 0x800) ? 0x10000u : 0);
        g->b[a] = 0xB8, put32(g, a + 1, PD, false), a += 5;              /* mov $PD,%eax */
        static const uint8_t to_cr3[] = { 0x0F, 0x22, 0xD8 }, from_cr0[] = { 0x0F, 0x20, 0xC0 },
                             to_cr0[] = { 0x0F, 0x22, 0xC0 };
        memcpy(g->b + a, to_cr3, 3), a += 3;                             /* mov %eax,%cr3 */
        memcpy(g->b + a, from_cr0, 3), a += 3;                           /* mov %cr0,%eax */
        g->b[a] = 0x0D, put32(g, a + 1, cr0_or, false), a += 5;          /* or $cr0_or,%eax */
        memcpy(g->b + a, to_cr0, 3), a += 3;                             /* mov %eax,%cr0 */
    }
    if (c->sr & 1) g->b[a++] = 0xFB; /* sti */
    g->code = a;
    g->len = add_code(g, a, code, n, 1);
    if (calls) {
        /* paravirt's hypercalls (UD2 'v' call register), which random
         * bytes never hold, planted in the code: a call number up to a few
         * past the last, a register byte now and then above EDI (then not
         * a hypercall: #UD as natively) */
        uint64_t hs = c->vseed ^ 0xC2B2AE3D27D4EB4Full;
        for (uint32_t k = 0; k < 1 + g->code_len / 48; k++) {
            /* the first where the code starts: random code seldom runs far */
            uint32_t r = (uint32_t)fz_rand(&hs), at = k && g->code_len > 5 ? r % (g->code_len - 4) : 0;
            if (at + 5 > g->code_len) break;
            const uint8_t call[] = { 0x0F, 0x0B, 0x76, (uint8_t)((r >> 16) % (VL_HC_COUNT + 3)),
                                     (uint8_t)((r >> 24) % 9) };
            memcpy(g->b + g->code + at, call, sizeof call);
        }
    }
    if (tables) {
        /* after the hypercalls: a segment register loaded with a selector
         * of either table (mov $sel,%ax; mov %ax,%sreg), or half a
         * descriptor rewritten (movl $half,addr) */
        for (uint32_t k = 0; k < 1 + g->code_len / 24; k++) {
            uint32_t r = (uint32_t)fz_rand(&ts), at = g->code_len > 10 ? (r >> 8) % (g->code_len - 9) : 0;
            if (at + 10 > g->code_len) break;
            uint32_t idx = r >> 24 & (X86_NDESC - 1), ti = r >> 28 & 1;
            uint8_t *p = g->b + g->code + at;
            if (r & 1) {
                static const uint8_t sreg[] = { 0, 2, 3, 4, 5 }; /* ES SS DS FS GS */
                uint32_t sel = idx << 3 | ti << 2 | (r >> 29 & 3);
                const uint8_t load[] = { 0x66, 0xB8, (uint8_t)sel, (uint8_t)(sel >> 8), 0x8E,
                                         (uint8_t)(0xC0 | sreg[(r >> 1 & 0x7F) % 5] << 3) };
                memcpy(p, load, sizeof load);
            } else {
                uint32_t lo, hi, addr = (ti ? X86_LDT : GDT) + 8 * idx + (r & 2) * 2;
                draw_desc(&ts, STUB, &lo, &hi);
                uint32_t half = (r & 2) ? hi : lo;
                const uint8_t wr[] = { 0xC7, 0x05, (uint8_t)addr, (uint8_t)(addr >> 8), 0, 0, (uint8_t)half,
                                       (uint8_t)(half >> 8), (uint8_t)(half >> 16), (uint8_t)(half >> 24) };
                memcpy(p, wr, sizeof wr);
            }
        }
    }
    if (paging) g->len = RAM; /* the page tables too */
    g->entry = PRE;
    /* CPL 3 with only ring-0 segments and no TSS: every interrupt then
     * shuts the CPU down, so only now and then */
    g->user = (c->flags & 0x41) == 0x41;
    uint64_t s = c->vseed;
    for (uint32_t v = 0; v < 128; v++) { /* the IDT at 0, limit 0x3ff: 32-bit interrupt gates */
        uint32_t t = vec_target(c, &s, g, STUB);
        if (((c->flags >> 4) & 3) == 2) {
            put32(g, 8 * v, t, false), put32(g, 8 * v + 4, (uint32_t)fz_rand(&s), false);
        } else if (t) {
            put32(g, 8 * v, (t & 0xFFFF) | 0x08u << 16, false);
            put32(g, 8 * v + 4, (t & 0xFFFF0000u) | 0x8E00u, false);
        }
    }
}

/* ---- the sweep's claims --------------------------------------------------------- */

/* "0x40c0-0x40c7" or "0x4e70" per line: the ranges of the leaking forms */
static void add_ranges(claim *cl, const char *enc) {
    const char *p = enc;
    while (p && *p) {
        const char *nl = strchr(p, '\n');
        char line[80];
        size_t len = nl ? (size_t)(nl - p) : strlen(p);
        if (len >= sizeof line) len = sizeof line - 1;
        memcpy(line, p, len);
        line[len] = 0;
        unsigned lo, hi;
        int k = 0;
        if (sscanf(line, "0x%x-0x%x%n", &lo, &hi, &k) == 2 && line[k] == 0) {
        } else if (sscanf(line, "0x%x%n", &lo, &k) == 1 && line[k] == 0) {
            hi = lo;
        } else {
            cl->unparsed = true;
            lo = 1, hi = 0;
        }
        if (lo <= hi && cl->nr < MAX_RANGES) cl->lo[cl->nr] = lo, cl->hi[cl->nr++] = hi;
        else if (lo <= hi) cl->unparsed = true;
        p = nl ? nl + 1 : NULL;
    }
}

static void *code_init(const fz_target *t, FILE *out) {
    code_state *st = calloc(1, sizeof *st);
    char err[256];
    if (!st || vlab_resolve(t->arg, &st->isa, &st->model, err, sizeof err) < 0) {
        fprintf(stderr, "%s: %s\n", t->name, st ? err : "out of memory");
        exit(2);
    }
    vlab_machine *m = vlab_machine_new(st->isa, st->model, RAM, err, sizeof err);
    if (!m) {
        fprintf(stderr, "%s: %s\n", t->name, err);
        exit(2);
    }
    st->name = t->name;
    const char *fresh = getenv("VLAB_FUZZ_FRESH"), *dig = getenv("VLAB_FUZZ_DIGEST");
    st->fresh = fresh && strcmp(fresh, "0") != 0 && *fresh;
    if (dig && *dig && !(st->digest = fopen(dig, "a"))) {
        fprintf(stderr, "%s: VLAB_FUZZ_DIGEST: cannot open %s\n", t->name, dig);
        exit(2);
    }
    st->unit = strcmp(st->isa, "m68k") == 0 ? 2 : 4;
    uint32_t one = 0;
    vlab_mem_set(m, 0, 2, 0x0102);
    vlab_mem_get(m, 0, 1, &one);
    st->big_endian = one == 1;
    st->mmio = vlab_mmio_base(m);
    vlab_machine_free(m);
    st->img = malloc(2 * sizeof *st->img);
    if (!st->img) {
        fprintf(stderr, "%s: out of memory\n", t->name);
        exit(2);
    }
    const char *why = vl_sweep_unmonitored(st->isa);
    if (why) {
        fprintf(out, "%s: natively only: the monitor cannot run %s (%s)\n", t->name, st->isa, why);
        return st;
    }
    /* hw-assist's vt flavour where the glue tells the two apart (a guest
     * in a mode non-root cannot hold is interpreted), as a claim of its own */
    const vl_virt_ops *glue = vl_glue_virt(vl_find_model(st->isa, st->model)->ops);
    bool vt = glue && glue->hw && glue->hw->vt_runnable;
    for (int v = 0; v < VL_TECH_COUNT + 1; v++) {
        int tech = v < VL_TECH_COUNT ? v : VL_TECH_HW_ASSIST, flavour = v < VL_TECH_COUNT ? VL_HW_SVM : VL_HW_VT;
        if (flavour == VL_HW_VT && !vt) continue;
        /* a technique the monitor refuses for this ISA is not a target */
        vl_vm *vm = vl_vm_new(NULL, st->isa, st->model, RAM, tech, NULL, err, sizeof err);
        if (!vm) {
            fprintf(out, "%s: %s: not run (%s)\n", t->name, vl_technique_name(tech), err);
            continue;
        }
        vl_vm_free(vm);
        claim *cl = &st->claims[st->nclaims++];
        cl->tech = tech;
        cl->flavour = flavour;
        snprintf(cl->name, sizeof cl->name, "%s%s", vl_technique_name(tech), flavour == VL_HW_VT ? " (vt)" : "");
        if (vl_technique_get(tech)->no_sweep) {
            /* no sweep to say which differences are leaks */
            cl->rc_only = true;
            fprintf(out, "%s: %s: resource control only (%s)\n", t->name, cl->name, vl_technique_get(tech)->no_sweep);
            continue;
        }
        vl_sweep_opts o = { .isa = st->isa, .model = st->model, .technique = vl_technique_name(tech),
                            .flavour = flavour == VL_HW_VT ? "vt" : NULL };
        vl_sweep_result r;
        if (vl_sweep_run(&o, &r, err, sizeof err) != 0) {
            fprintf(stderr, "%s: sweep: %s\n", t->name, err);
            exit(2);
        }
        bool by_mnemonic = strcmp(st->isa, "x86") == 0;
        for (size_t i = 0; i < r.nrows; i++)
            if (r.rows[i].outcome == VL_OUT_LEAKS) {
                cl->leaking_forms++;
                if (!by_mnemonic) add_ranges(cl, r.rows[i].enc);
                else if (cl->nmn < MAX_RANGES) cl->mn[cl->nmn++] = strdup(r.rows[i].mnemonic);
                else cl->unparsed = true;
            }
        vl_sweep_result_free(&r);
        if (cl->leaking_forms)
            fprintf(out, "%s: %s: the sweep measures %d leaking forms: the first difference must be one of them%s\n",
                    t->name, cl->name, cl->leaking_forms,
                    cl->unparsed ? " (some encodings unreadable: such a difference fails)" : "");
        else
            fprintf(out, "%s: %s: the sweep measures no leak: native and monitored runs must be equivalent\n",
                    t->name, cl->name);
    }
    return st;
}

static void code_fini(void *state) {
    code_state *st = state;
    printf("%s: native stops:", st->name);
    for (int r = 1; r <= VLAB_STOP_SHUTDOWN; r++)
        if (st->native_stops[r]) printf(" %s %llu", vlab_stop_name(r), (unsigned long long)st->native_stops[r]);
    printf("; monitor traps checked %llu; differential: %llu differ at a leaking form (%llu of them written by "
           "the guest), %llu differ at an instruction that cannot be named\n", (unsigned long long)st->traps,
           (unsigned long long)st->differ, (unsigned long long)st->written, (unsigned long long)st->unsure);
    for (int i = 0; i < st->nclaims; i++)
        for (int k = 0; k < st->claims[i].nmn; k++) free((void *)st->claims[i].mn[k]);
    vlab_machine_free(st->nat);
    vlab_machine_free(st->nat_one);
    vlab_machine_free(st->nat_stop);
    for (int i = 0; i < MAX_CLAIMS; i++) {
        vl_vm_free(st->solo[i]);
        vl_vmm_release(st->solo_mon[i]);
        vl_vm_free(st->stopping[i]);
        vl_vmm_release(st->stop_mon[i]);
        for (int k = 0; k < 2; k++) {
            vl_vm_free(st->pair_a[i][k]);
            vl_vm_free(st->pair_b[i][k]);
            vl_vmm_release(st->pair_mon[i][k]);
            vl_vm_free(st->iso_a[i][k]);
            vl_vm_free(st->iso_b[i][k]);
            vl_vmm_release(st->iso_mon[i][k]);
        }
    }
    vl_equiv_cache_free(st->eq);
    if (st->digest) fclose(st->digest);
    free(st->img);
    free(st);
}

/* ---- the runs ------------------------------------------------------------------- */

typedef struct hook_ctx {
    unsigned events, after;
} hook_ctx;

static int count_hook(void *ctx, int event, uint32_t a, uint32_t b) {
    (void)event, (void)a, (void)b;
    hook_ctx *h = ctx;
    return ++h->events == h->after; /* stop the run once, after some events */
}

static void check_stop(fz_ctx *c, const char *where, vlab_stop s) {
    if (s.reason == VLAB_STOP_NONE || s.reason > VLAB_STOP_SHUTDOWN)
        fz_fail(c, "%s: stop reason %d is no reason", where, s.reason);
    if (s.vector < -1) fz_fail(c, "%s: stop vector %d", where, s.vector);
}

static uint64_t fnv(uint64_t h, const void *p, size_t n) {
    const uint8_t *b = p;
    for (size_t i = 0; i < n; i++) h = (h ^ b[i]) * 1099511628211ull;
    return h;
}

/* One line of the digest: a machine's end state (vm: seen through it). */
static void digest_state(code_state *st, const char *what, vlab_machine *m, vl_vm *vm, vlab_stop s) {
    if (!st->digest) return;
    FILE *f = st->digest;
    fprintf(f, "%s: stop %d vector %d pc 0x%x;", what, s.reason, s.vector, s.pc);
    for (int i = 0; i < vlab_reg_count(m); i++)
        fprintf(f, " %s=%x", vlab_reg_name(m, i), vm ? vl_vm_reg_get(vm, i) : vlab_reg_get(m, i));
    size_t clen = 0;
    const char *con = vlab_console(m, &clen);
    fprintf(f, "; ram %016llx console %zu %016llx", (unsigned long long)fnv(1469598103934665603ull, m->mem.ram,
            m->mem.size), clen, (unsigned long long)fnv(1469598103934665603ull, con, clen));
    if (vm) {
        vl_vmm_stats vs;
        vl_vm_stats(vm, &vs);
        fprintf(f, "; insns %llu traps %llu emulated %llu reflected %llu exits %llu cost %llu\n",
                (unsigned long long)vs.guest_instructions, (unsigned long long)vs.traps,
                (unsigned long long)vs.emulated, (unsigned long long)vs.reflected, (unsigned long long)vs.exits,
                (unsigned long long)vs.cost);
    } else {
        vlab_stats sa;
        vlab_get_stats(m, &sa);
        fprintf(f, "; insns %llu exceptions %llu interrupts %llu modes %llu\n", (unsigned long long)sa.instructions,
                (unsigned long long)sa.exceptions, (unsigned long long)sa.interrupts,
                (unsigned long long)sa.mode_switches);
    }
}

/* A byte of the glue's trapping instruction, which scan-and-patch writes */
static bool is_patch_byte(const vl_virt_ops *v, uint8_t b) {
    for (unsigned k = 0; k < v->bt->patch_len; k++)
        if (b == v->bt->patch[k]) return true;
    return false;
}

typedef struct stop_hook {
    unsigned events, every;
    bool asked;
} stop_hook;

static int stopping_hook(void *ctx, int event, uint32_t a, uint32_t b) {
    (void)event, (void)a, (void)b;
    stop_hook *h = ctx;
    if (++h->events % h->every) return 0;
    return h->asked = true;
}

static const unsigned stop_masks[4] = { VLAB_EV_STEP | VLAB_EV_MODE | VLAB_EV_EXCEPTION | VLAB_EV_CONSOLE,
                                       VLAB_EV_MODE | VLAB_EV_EXCEPTION | VLAB_EV_CONSOLE, VLAB_EV_EXCEPTION,
                                       VLAB_EV_STEP };

/* Two runs that must end alike (what: "<first> vs <second>") did: a (its
 * registers ra) and b (rb): registers, memory, console. */
static void same_end(fz_ctx *c, const char *what, vlab_machine *a, const uint32_t *ra, vlab_machine *b,
                     const uint32_t *rb, int n) {
    for (int i = 0; i < n; i++)
        if (ra[i] != rb[i]) fz_fail(c, "%s: %s=0x%x vs 0x%x at the end", what, vlab_reg_name(a, i), ra[i], rb[i]);
    for (uint32_t x = 0; x < RAM; x++)
        if (a->mem.ram[x] != b->mem.ram[x])
            fz_fail(c, "%s: byte 0x%02x vs 0x%02x at 0x%x at the end", what, a->mem.ram[x], b->mem.ram[x], x);
    size_t l1 = 0, l2 = 0;
    const char *c1 = vlab_console(a, &l1), *c2 = vlab_console(b, &l2);
    if (l1 != l2 || (l1 && memcmp(c1, c2, l1))) fz_fail(c, "%s: the consoles differ (%zu vs %zu bytes)", what, l1, l2);
}

/* what for same_end: a run stopped and resumed vs the run in one go */
static const char *stopped_vs_one_go(char *buf, size_t size, const char *name, unsigned stops) {
    snprintf(buf, size, "%s: stopped %u times and resumed vs in one go", name, stops);
    return buf;
}

/* Whether a stopping run goes on: it stopped at the hook's or the trap
 * callback's request (asked) with budget left */
static bool resume(fz_ctx *c, const char *what, vlab_stop r, bool asked, uint64_t done, unsigned *stops) {
    if (r.reason != VLAB_STOP_BREAKPOINT || !asked || done >= BUDGET) return false;
    if (++*stops > 4 * BUDGET) fz_fail(c, "%s: a run stopped by its hook makes no progress", what);
    return true;
}

/* The ends of a run in one go (s) and of one stopped and resumed (r,
 * asked: the last stop was asked) agree: a stop asked at the budget's last
 * instruction stands for the budget */
static void same_stop(fz_ctx *c, const char *what, unsigned stops, vlab_stop r, bool asked, uint64_t done, vlab_stop s) {
    /* a run tells a CPU halted or idle for good (a timer that fires at a
     * masked level) from one waiting by firing the timer and finding it
     * still there: a run that starts after such a fire finds out again,
     * skipping ahead, and may end at its budget first (the machine, not the
     * guest, differs: the same pc) */
    bool halted = (s.reason == VLAB_STOP_HALT || s.reason == VLAB_STOP_IDLE) &&
                  (r.reason == VLAB_STOP_BUDGET || (asked && r.reason == VLAB_STOP_BREAKPOINT)) && r.pc == s.pc;
    if (!(asked && r.reason == VLAB_STOP_BREAKPOINT && done >= BUDGET && s.reason == VLAB_STOP_BUDGET) && !halted &&
        (r.reason != s.reason || r.pc != s.pc))
        fz_fail(c, "%s: stopped %u times and resumed, the run ends %s at 0x%x; in one go %s at 0x%x", what, stops,
                vlab_stop_name(r.reason), r.pc, vlab_stop_name(s.reason), s.pc);
}

/* A native machine, made or renewed, holding the image at its entry */
static vlab_machine *native_machine(fz_ctx *c, code_state *st, vlab_machine **keep, const image *g) {
    char err[256];
    vlab_machine *m = st->fresh ? NULL : *keep;
    if (m) vlab_machine_renew(m);
    else if (!(m = vlab_machine_new(st->isa, st->model, RAM, err, sizeof err)))
        fz_fail(c, "vlab_machine_new: %s", err);
    if (!st->fresh) *keep = m;
    if (vlab_mem_write(m, 0, g->b, g->len) != 0) fz_fail(c, "vlab_mem_write of the image failed");
    vlab_set_pc(m, g->entry);
    vlab_reg_set(m, vlab_reg_index(m, "sp"), SSP);
    if (g->user) vlab_set_privilege(m, vlab_user_level(m));
    return m;
}

/* The stopping run natively: the image in one go and stopped by a hook
 * now and then, resumed up to the same budget, end alike */
static void native_stopping(fz_ctx *c, code_state *st, const image *g, const config *cf) {
    vlab_machine *one = native_machine(c, st, &st->nat_one, g), *m = native_machine(c, st, &st->nat_stop, g);
    vlab_stop s = vlab_run(one, BUDGET, 0, 0), r;
    stop_hook h = { .every = 1u + (cf->hook_after >> 5) * 5 };
    vlab_set_hook(m, stop_masks[cf->hook_after & 3], stopping_hook, &h);
    uint64_t done = 0;
    unsigned stops = 0;
    do {
        vlab_stats x, y;
        vlab_get_stats(m, &x);
        h.asked = false;
        r = vlab_run(m, BUDGET - done, 0, 0);
        check_stop(c, "native stopping run", r);
        vlab_get_stats(m, &y);
        done += y.instructions - x.instructions;
    } while (resume(c, "native", r, h.asked, done, &stops));
    same_stop(c, "native", stops, r, h.asked, done, s);
    int n = vlab_reg_count(m);
    uint32_t x[256], y[256];
    if (n > 256) n = 256;
    for (int i = 0; i < n; i++) x[i] = vlab_reg_get(m, i), y[i] = vlab_reg_get(one, i);
    char what[128];
    same_end(c, stopped_vs_one_go(what, sizeof what, "native", stops), m, x, one, y, n);
    vlab_set_hook(m, 0, NULL, NULL);
    if (st->fresh) {
        vlab_machine_free(m);
        vlab_machine_free(one);
    }
}

static void run_native(fz_ctx *c, code_state *st, const image *g, const config *cf) {
    vlab_machine *m = native_machine(c, st, &st->nat, g);
    hook_ctx h = { 0, 1u + cf->hook_after };
    if (cf->flags & 8) vlab_set_hook(m, VLAB_EV_EXCEPTION | VLAB_EV_MODE | VLAB_EV_CONSOLE, count_hook, &h);
    vlab_stop s = vlab_run(m, BUDGET, 0, 0);
    check_stop(c, "native run", s);
    st->native_stops[s.reason]++;
    vlab_stats sa;
    vlab_get_stats(m, &sa);
    if (sa.instructions > BUDGET) fz_fail(c, "native run: %llu instructions over a budget of %d",
                                          (unsigned long long)sa.instructions, BUDGET);
    /* a machine goes on after any stop (a shutdown stays down) */
    s = vlab_step(m, 16);
    check_stop(c, "native step after the run", s);
    size_t clen = 0;
    vlab_console(m, &clen);
    digest_state(st, "native", m, NULL, s);
    if (st->fresh) vlab_machine_free(m);
    if (cf->flags & 8) native_stopping(c, st, g, cf);
}

typedef struct trap_ctx {
    fz_ctx *c;
    vl_vm *vm;
    uint64_t traps;
    unsigned stop_every;    /* non-zero: ask the run to stop at every stop_every-th trap */
    bool asked;             /* it did */
} trap_ctx;

static int check_trap(void *ctx, const vl_trap_event *ev) {
    trap_ctx *t = ctx;
    char why[256];
    t->traps++;
    if (vl_vm_check(t->vm, why, sizeof why) != 0)
        fz_fail(t->c, "resource control broken after trap %llu (%s at 0x%x, vector %d): %s",
                (unsigned long long)t->traps, vl_vm_trap_insn(t->vm), ev->pc, ev->vector, why);
    if (t->stop_every && t->traps % t->stop_every == 0) return t->asked = true;
    return 0;
}

/* The claim's hw-assist flavour on a VM made or renewed (either has the default) */
static void set_flavour(fz_ctx *c, vl_vm *vm, const claim *cl) {
    char err[256];
    if (cl->flavour != VL_HW_SVM && vl_hw_set_flavour(vm, cl->flavour, err, sizeof err) != 0)
        fz_fail(c, "vl_hw_set_flavour (%s): %s", cl->name, err);
}

static vl_vm *make_vm(fz_ctx *c, vl_vmm *mon, const code_state *st, const claim *cl) {
    char err[256];
    vl_vm *vm = vl_vm_new(mon, st->isa, st->model, RAM, cl->tech, NULL, err, sizeof err);
    if (!vm) fz_fail(c, "vl_vm_new (%s): %s", cl->name, err);
    set_flavour(c, vm, cl);
    return vm;
}

/* The image in a new (or renewed) VM, the trap check on */
static vl_vm *load_guest(fz_ctx *c, vl_vm *vm, const image *g, trap_ctx *tc) {
    if (vlab_mem_write(vm->m, 0, g->b, g->len) != 0) fz_fail(c, "guest image write failed");
    if (g->boot) {
        vl_vm_boot(vm, g->entry, SSP);
    } else {
        vl_vm_set_pc(vm, g->entry);
        vl_vm_reg_set(vm, vlab_reg_index(vm->m, "sp"), SSP);
    }
    if (g->user) vl_vm_set_privilege(vm, vlab_user_level(vm->m));
    *tc = (trap_ctx){ .c = c, .vm = vm };
    /* the text only for a failure's message: disassembling every trap
     * would cost more than the check */
    vl_vm_on_trap_lazy(vm, check_trap, tc);
    return vm;
}

static void check_vm(fz_ctx *c, vl_vm *vm, const char *when) {
    char why[256];
    if (vl_vm_check(vm, why, sizeof why) != 0) fz_fail(c, "resource control broken %s: %s", when, why);
}

/* The monitor and its VMs for claim ci (k -1: one VM; -2: one, the
 * stopping run's; else two, the second of claim k's technique, side by
 * side or, iso, the isolation check's): made, or kept from the last input
 * and renewed (the same ids, regions and order as made anew). */
static vl_vmm *get_monitor_of(fz_ctx *c, code_state *st, int ci, int k, bool iso, vl_vm **a, vl_vm **b) {
    vl_vmm **mp = k == -1 ? &st->solo_mon[ci] : k == -2 ? &st->stop_mon[ci] : iso ? &st->iso_mon[ci][k] : &st->pair_mon[ci][k];
    vl_vm **ap = k == -1 ? &st->solo[ci] : k == -2 ? &st->stopping[ci] : iso ? &st->iso_a[ci][k] : &st->pair_a[ci][k];
    vl_vm **bp = k < 0 ? NULL : iso ? &st->iso_b[ci][k] : &st->pair_b[ci][k];
    char err[256];
    if (!st->fresh && *mp) {
        if (vl_vmm_renew(*mp, err, sizeof err) != 0) fz_fail(c, "vl_vmm_renew: %s", err);
        *a = *ap;
        set_flavour(c, *a, &st->claims[ci]);
        if (b) *b = *bp, set_flavour(c, *b, &st->claims[k]);
        return *mp;
    }
    vl_vmm *mon = vl_vmm_new(0);
    if (!mon) fz_fail(c, "vl_vmm_new failed");
    *a = make_vm(c, mon, st, &st->claims[ci]);
    if (b) *b = make_vm(c, mon, st, &st->claims[k]);
    if (!st->fresh) {
        *mp = mon, *ap = *a;
        if (b) *bp = *b;
    }
    return mon;
}

static vl_vmm *get_monitor(fz_ctx *c, code_state *st, int ci, int k, vl_vm **a, vl_vm **b) {
    return get_monitor_of(c, st, ci, k, false, a, b);
}

static uint64_t guest_insns(const vl_vm *vm) {
    vl_vmm_stats x;
    vl_vm_stats(vm, &x);
    return x.guest_instructions;
}

/* The runs of one VM side by side: each run's budget and how it ended */
typedef struct vm_runs {
    int n;
    uint32_t q[2 * BUDGET];
    vlab_stop stop[2 * BUDGET];
} vm_runs;

/* vl_vmm_run's round robin, by hand: each VM's runs recorded (slice q,
 * the two VMs' total at most max). */
static void side_by_side(fz_ctx *c, vl_vm *vm[2], uint64_t slice, uint64_t max, vm_runs *rec) {
    uint64_t total = 0;
    bool done[2] = { false, false };
    while ((!done[0] || !done[1]) && total < max)
        for (int i = 0; i < 2 && total < max; i++) {
            if (done[i]) continue;
            uint64_t q = max - total < slice ? max - total : slice, before = guest_insns(vm[i]);
            vlab_stop s = vl_vm_run(vm[i], q, 0, 0);
            check_stop(c, "a run side by side", s);
            total += guest_insns(vm[i]) - before;
            rec[i].q[rec[i].n] = (uint32_t)q;
            rec[i].stop[rec[i].n++] = s;
            done[i] = s.reason != VLAB_STOP_BUDGET || rec[i].n == 2 * BUDGET;
        }
}

/* Isolation: two VMs loaded side by side (pair: claim ci, image g; claim
 * k, g2) run in vl_vmm_run's round robin (by hand), and each ends as in a
 * monitor of the same shape (the same ids and regions: what a leaking
 * instruction shows of the monitor is the same) where the other does not
 * run while it does (the first runs all its runs, then the second), run
 * for run: the other VM is no concern of its. Not under scan-and-patch,
 * whose patches depend on where runs end (run_stopping). */
static void check_isolation(fz_ctx *c, code_state *st, int ci, int k, const image *g, const image *g2,
                            const config *cf, vl_vm *pair[2]) {
    vl_vm *alone[2];
    trap_ctx t[2];
    static vm_runs rec[2];
    memset(rec, 0, sizeof rec);
    side_by_side(c, pair, 1u + cf->slice, 2 * BUDGET, rec);
    vl_vmm *mon = get_monitor_of(c, st, ci, k, true, &alone[0], &alone[1]);
    load_guest(c, alone[0], g, &t[0]);
    load_guest(c, alone[1], g2, &t[1]);
    for (int i = 0; i < 2; i++) {
        const claim *cl = &st->claims[i ? k : ci];
        char what[96];
        snprintf(what, sizeof what, "%s, VM %c of two: alone vs side by side", cl->name, i ? 'b' : 'a');
        for (int r = 0; r < rec[i].n; r++) {
            vlab_stop s = vl_vm_run(alone[i], rec[i].q[r], 0, 0);
            if (cl->tech != VL_TECH_SCAN_PATCH && (s.reason != rec[i].stop[r].reason || s.pc != rec[i].stop[r].pc))
                fz_fail(c, "%s: run %d of %u ends %s at 0x%x; side by side %s at 0x%x", what, r + 1, rec[i].q[r],
                        vlab_stop_name(s.reason), s.pc, vlab_stop_name(rec[i].stop[r].reason), rec[i].stop[r].pc);
        }
        check_vm(c, alone[i], "after its runs alone");
        if (cl->tech == VL_TECH_SCAN_PATCH) continue;
        int nr = vlab_reg_count(pair[i]->m);
        uint32_t x[256], y[256];
        if (nr > 256) nr = 256;
        vl_vm_regs_get(alone[i], x, nr);
        vl_vm_regs_get(pair[i], y, nr);
        same_end(c, what, alone[i]->m, x, pair[i]->m, y, nr);
    }
    st->traps += t[0].traps + t[1].traps;
    if (st->fresh) {
        vl_vm_free(alone[0]);
        vl_vm_free(alone[1]);
        vl_vmm_release(mon);
    }
}

/* The solo run (ended on stop s, the VM `ran` not stepped since) again in
 * a VM of its own whose run a guest-event hook and the trap callback stop
 * now and then, resumed each time up to the same budget: where it goes on
 * is no concern of the guest's, so it must end as the run in one go did
 * (the gdb stub, the labs' hooks and vm:step stop runs that way). */
static void run_stopping(fz_ctx *c, code_state *st, int ci, const image *g, const config *cf, vl_vm *ran,
                         vlab_stop s) {
    vl_vm *vm;
    trap_ctx tc;
    vl_vmm *mon = get_monitor(c, st, ci, -2, &vm, NULL);
    load_guest(c, vm, g, &tc);
    tc.stop_every = 1u + (cf->hook_after >> 2 & 7);
    stop_hook h = { .every = 1u + (cf->hook_after >> 5) * 5 };
    vl_vm_set_hook(vm, stop_masks[cf->hook_after & 3], stopping_hook, &h);
    const char *tn = st->claims[ci].name;
    uint64_t done = 0;
    vlab_stop r;
    unsigned stops = 0;
    do {
        vl_vmm_stats before, after;
        vl_vm_stats(vm, &before);
        h.asked = tc.asked = false;
        r = vl_vm_run(vm, BUDGET - done, 0, 0);
        check_stop(c, "stopping run", r);
        vl_vm_stats(vm, &after);
        done += after.guest_instructions - before.guest_instructions;
    } while (resume(c, tn, r, h.asked || tc.asked, done, &stops));
    st->traps += tc.traps;
    check_vm(c, vm, "after the stopping run");
    /* scan-and-patch patches what it scans, as far as the run will reach:
     * where runs end decides which bytes a guest reading its code (or a
     * vector table it ran through) sees patched, and from there on what it
     * does (code-pentium seed 2 input 1323: IDT gates it had run through,
     * read patched): resource control only */
    if (st->claims[ci].tech != VL_TECH_SCAN_PATCH) {
        same_stop(c, tn, stops, r, h.asked || tc.asked, done, s);
        int n = vlab_reg_count(vm->m);
        uint32_t x[256], y[256];
        if (n > 256) n = 256;
        vl_vm_regs_get(vm, x, n);
        vl_vm_regs_get(ran, y, n);
        char what[128];
        same_end(c, stopped_vs_one_go(what, sizeof what, tn, stops), vm->m, x, ran->m, y, n);
    }
    vl_vm_set_hook(vm, 0, NULL, NULL);
    if (st->fresh) {
        vl_vm_free(vm);
        vl_vmm_release(mon);
    }
}

static void run_monitored(fz_ctx *c, code_state *st, int ci, const image *g, const image *g2,
                          const config *cf) {
    trap_ctx t1, t2;
    vl_vm *a, *b = NULL;
    /* with g2, a second guest of another technique, time-sliced with the first */
    int k = g2 ? (cf->slice & 1) % st->nclaims : -1;
    vl_vmm *mon = get_monitor(c, st, ci, k, &a, g2 ? &b : NULL);
    load_guest(c, a, g, &t1);
    if (g2) {
        load_guest(c, b, g2, &t2);
        if (cf->slice & 2) {
            vl_vmm_run(mon, 1u + cf->slice, 2 * BUDGET);
        } else {
            vl_vm *pair[2] = { a, b };
            check_isolation(c, st, ci, k, g, g2, cf, pair);
        }
        check_vm(c, a, "after the runs side by side (first VM)");
        check_vm(c, b, "after the runs side by side (second VM)");
        st->traps += t2.traps;
        vlab_stop none = { 0 };
        digest_state(st, "monitored a", a->m, a, none);
        digest_state(st, "monitored b", b->m, b, none);
        if (st->fresh) vl_vm_free(b);
    } else {
        vlab_stop s = vl_vm_run(a, BUDGET, 0, 0);
        check_stop(c, "monitored run", s);
        check_vm(c, a, "after the run");
        if (cf->flags & 8) run_stopping(c, st, ci, g, cf, a, s);
        s = vl_vm_step(a, 16);
        check_stop(c, "monitored step after the run", s);
        check_vm(c, a, "after a step after the run");
        digest_state(st, "monitored", a->m, a, s);
    }
    st->traps += t1.traps;
    if (st->fresh) {
        vl_vm_free(a);
        vl_vmm_release(mon);
    }
}

static bool in_leak(const claim *cl, uint32_t w) {
    for (int i = 0; i < cl->nr; i++)
        if (w >= cl->lo[i] && w <= cl->hi[i]) return true;
    return false;
}

/* x86: the decode table's mnemonic of the instruction at bytes is one of
 * the leaking forms' */
static bool mnemonic_leaks(const code_state *st, const claim *cl, const uint8_t *bytes, uint32_t pc) {
    const vl_model_desc *md = vl_find_model(st->isa, st->model);
    if (!md || !md->ops->decode) return false;
    vl_decode_info d;
    memset(&d, 0, sizeof d);
    md->ops->decode(md->variant, bytes, 16, pc, &d);
    for (int i = 0; d.mnemonic && i < cl->nmn; i++)
        if (strcmp(d.mnemonic, cl->mn[i]) == 0) return true;
    return false;
}

/* The instruction the native side executed as the first-th of its run,
 * where the image no longer holds it (the guest wrote it): the run again up
 * to it, its bytes then read as the equivalence check reads them (through
 * the MMU, in the CPU's code size). false: not that instruction (the check
 * named another one, the faulting one of an exception it took), so the
 * oracle cannot say. Rare: a fraction of a percent of the inputs. */
static bool executed_insn(fz_ctx *c, code_state *st, const image *g, const vl_equiv_result *r, uint8_t *buf,
                          size_t n) {
    vlab_machine *m = native_machine(c, st, &st->nat_one, g); /* free by now: native_stopping is done */
    vlab_reset(m);
    vl_machine_boot(m, g->entry, SSP);
    bool ok = false;
    uint64_t want = r->first - 1;
    if (r->first && vlab_step(m, want).reason == VLAB_STOP_BUDGET && m->cc->icount == want &&
        vlab_pc(m) == r->first_pc) {
        memset(buf, 0, n);
        size_t len = vlab_read_virt(m, r->first_pc, buf, n, 1);
        const vl_cpu_ops *ops = m->desc->ops;
        int variant = vl_code_variant(ops, m->cpu, m->desc->variant);
        char text[sizeof r->first_insn];
        ok = len && ops->disasm && ops->disasm(variant, buf, len, r->first_pc, text, sizeof text) >= 0 &&
             strcmp(text, r->first_insn) == 0;
    }
    if (st->fresh) vlab_machine_free(m);
    return ok;
}

/* scan-and-patch: a difference made only of its patches (memory where the
 * monitored side holds bytes of the glue's trapping instruction) is what
 * the technique shows by design, whatever instruction was patched */

static bool only_patches(const code_state *st, const claim *cl, const vl_equiv_result *r) {
    const vl_model_desc *md = vl_find_model(st->isa, st->model);
    const vl_virt_ops *v = md ? vl_glue_virt(md->ops) : NULL;
    if (cl->tech != VL_TECH_SCAN_PATCH || !r->ndiffs || !v || !v->bt) return false;
    for (size_t i = 0; i < r->ndiffs; i++)
        if (r->diffs[i].kind != VL_DIFF_MEM || !is_patch_byte(v, (uint8_t)r->diffs[i].b)) return false;
    return true;
}

static void digest_equiv(code_state *st, const claim *cl, const vl_equiv_result *r) {
    if (!st->digest) return;
    FILE *f = st->digest;
    char one[200];
    fprintf(f, "differential %s: equal %d insns %llu first %llu at 0x%x (%s) stops %d %d;", cl->name,
            r->equal, (unsigned long long)r->instructions, (unsigned long long)r->first, r->first_pc, r->first_insn,
            r->native_stop.reason, r->vm_stop.reason);
    for (size_t i = 0; i < r->ndiffs && i < sizeof r->diffs / sizeof *r->diffs; i++) {
        vl_diff_format(&r->diffs[i], one, sizeof one);
        fprintf(f, " [%s]", one);
    }
    /* differential() skips the attribution: the final differences alone */
    fprintf(f, "; final %zu (attribution skipped):", r->nfinal);
    for (size_t i = 0; i < r->nfinal; i++) {
        vl_diff_format(&r->final[i], one, sizeof one);
        fprintf(f, " [%s]", one);
    }
    fprintf(f, "\n");
}

static void differential(fz_ctx *c, code_state *st, const claim *cl, const image *g) {
    char err[256];
    /* the oracles below read the first difference and the stops, never
     * which instruction made each final difference: no replays for that */
    vl_equiv_image e = { .isa = st->isa, .model = st->model, .ram = RAM, .bytes = g->b, .len = g->len,
                         .org = 0, .entry = g->entry, .sp = SSP, .no_attribution = true, .hw_flavour = cl->flavour };
    vl_equiv_result r;
    if (!st->fresh && !st->eq && !(st->eq = vl_equiv_cache_new())) fz_fail(c, "out of memory");
    if (vl_equiv_run_cached(st->fresh ? NULL : st->eq, &e, BUDGET, cl->tech, &r, err, sizeof err) != 0)
        fz_fail(c, "vl_equiv_run: %s", err);
    digest_equiv(st, cl, &r);
    if (!r.equal && only_patches(st, cl, &r)) {
        st->differ++;
    } else if (!r.equal) {
        char d[900] = "(no difference recorded)";
        size_t at = 0;
        for (size_t i = 0; i < r.ndiffs && i < 4; i++) {
            char one[200];
            vl_diff_format(&r.diffs[i], one, sizeof one);
            at += (size_t)snprintf(d + at, sizeof d - at, "%s%s", i ? "; " : "", one);
        }
        /* the chunked run differed, its replay one step at a time did not:
         * a side whose result depends on how its run is cut; the end
         * state's differences say what */
        if (!r.ndiffs && r.nfinal) at = (size_t)snprintf(d, sizeof d, "none stepping; at the end:");
        for (size_t i = 0; !r.ndiffs && i < r.nfinal && i < 4 && at < sizeof d; i++) {
            char one[200];
            vl_diff_format(&r.final[i], one, sizeof one);
            at += (size_t)snprintf(d + at, sizeof d - at, " %s%s", i ? "; " : "", one);
        }
        at += (size_t)snprintf(d + at, sizeof d - at, " (stops: native %s, monitored %s)",
                               vlab_stop_name(r.native_stop.reason), vlab_stop_name(r.vm_stop.reason));
        const char *tn = cl->name;
        if (!cl->leaking_forms)
            fz_fail(c, "%s: native and monitored runs differ after instruction %llu at 0x%x (%s): %s; the sweep "
                       "measures no leak", tn, (unsigned long long)r.first, r.first_pc, r.first_insn, d);
        /* the instruction, as the image holds it: code the guest wrote
         * itself is not in the image, and then this oracle cannot say */
        uint32_t pc = r.first_pc;
        char text[128];
        uint8_t run[16];
        const uint8_t *ib = NULL; /* the instruction's bytes */
        bool written = false;
        if (pc + 16 <= g->len && vlab_disasm(st->model, g->b + pc, 16, pc, text, sizeof text) > 0 &&
            strcmp(text, r.first_insn) == 0)
            ib = g->b + pc;
        else if (executed_insn(c, st, g, &r, run, sizeof run))
            ib = run, written = true; /* the guest wrote it: its bytes as they were run */
        if (ib) {
            uint32_t w = 0;
            for (unsigned i = 0; i < st->unit; i++) w = w << 8 | ib[st->big_endian ? i : st->unit - 1 - i];
            if (cl->nmn ? !mnemonic_leaks(st, cl, ib, pc) : !in_leak(cl, w))
                fz_fail(c, "%s: the first difference is at 0x%x (%s, word 0x%x%s), not a form the sweep measures "
                           "as leaking: %s", tn, pc, r.first_insn, w, written ? ", written by the guest" : "", d);
            st->differ++;
            st->written += written;
        } else {
            st->unsure++;
        }
    }
    vl_equiv_free(&r);
}

static int code_run(fz_ctx *c, const uint8_t *data, size_t size) {
    code_state *st = c->state;
    fz_in in = { data, size, 0 };
    config cf;
    read_config(&in, &cf);
    size_t n;
    const uint8_t *code = fz_rest(&in, &n);
    /* a machine's and two images' allocation per input cost more, under
     * ASan, than the runs of a short input */
    image *g = st->img;
    memset(g, 0, 2 * sizeof *g);
    uint32_t mmio = st->mmio;
    /* the second VM's image: the same configuration, the code reversed */
    uint8_t *rev = malloc(n + 1);
    if (!rev) fz_fail(c, "out of memory");
    for (size_t i = 0; i < n; i++) rev[i] = code[n - 1 - i];
    for (int k = 0; k < 2; k++) {
        const uint8_t *src = k ? rev : code;
        if (strcmp(st->isa, "m68k") == 0) build_m68k(&g[k], &cf, src, n, mmio);
        else if (strcmp(st->isa, "ppc") == 0) build_ppc(&g[k], &cf, src, n, mmio);
        else build_x86(&g[k], &cf, src, n);
    }
    if (st->digest) fprintf(st->digest, "input of %zu bytes\n", size);
    const char *imgf = getenv("VLAB_FUZZ_IMAGE");
    if (imgf && *imgf) { /* the image a failure ran, for a replay outside the driver */
        FILE *f = fopen(imgf, "wb");
        if (!f || fwrite(g[0].b, 1, g[0].len, f) != g[0].len || fclose(f) != 0)
            fz_fail(c, "VLAB_FUZZ_IMAGE: cannot write %s", imgf);
        fprintf(stderr, "%s: image of %u bytes written to %s: org 0, entry 0x%x, sp 0x%x, ram 0x%x, budget %d%s\n",
                st->name, g[0].len, imgf, g[0].entry, SSP, RAM, BUDGET, g[0].user ? ", user level" : "");
    }
    run_native(c, st, &g[0], &cf);
    for (int i = 0; i < st->nclaims; i++) {
        run_monitored(c, st, i, &g[0], (cf.flags & 4) ? &g[1] : NULL, &cf);
        /* the guest's own privilege state comes from the prefix: the
         * equivalence check starts both sides at the most privileged level */
        if (!g[0].user && !st->claims[i].rc_only) differential(c, st, &st->claims[i], &g[0]);
    }
    free(rev);
    return 0;
}

#define CODE_TARGET(var, tname, model)                                                                \
    const fz_target var = { .name = tname, .what = "random code on " model ": native, monitored, differential", \
                            .init = code_init, .fini = code_fini, .run = code_run, .arg = model,          \
                            .max_len = 12 + MAX_CODE }
CODE_TARGET(fz_code_68000, "code-68000", "m68k:68000");
CODE_TARGET(fz_code_68010, "code-68010", "m68k:68010");
CODE_TARGET(fz_code_750, "code-750", "ppc:750");
CODE_TARGET(fz_code_i386, "code-i386", "x86:i386");
CODE_TARGET(fz_code_pentium, "code-pentium", "x86:pentium");
