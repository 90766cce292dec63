/* test_m68k_vectors.c - the 68000 core against the SingleStepTests vectors
 * (tests/vectors/m68000/README.md for the format).
 *
 * Runs every v1/<name>.json.bin file against the 68000 model (16 MiB RAM, no
 * MMIO window), one instruction per test, and compares d0-d7, a0-a6, usp,
 * ssp, sr, pc (prefetch convention: the instruction starts at pc - 4, the
 * final pc is the next instruction + 4) and every listed RAM word.
 * Address-error tests (a kind 4/5 bus record) are counted apart.
 *
 * Every test must pass, address-error tests included, except those listed
 * with a reason in tests/m68k_vectors_known_differences.txt (empty today).
 * It fails when the vector directory or a file in it is missing or
 * unreadable (the repository's tests/vectors is the copy CI uses: nothing is
 * looked for outside the repository), when the shipped set is incomplete
 * (127 files of 100 tests), and when a listed difference passes or is never
 * met (a stale entry).
 *
 * Environment: VLAB_VECTORS = directory (default tests/vectors/m68000/v1;
 * another directory is not checked for completeness), VLAB_VECTORS_ONLY =
 * substring of file names to run, VLAB_VECTORS_KNOWN = the known-differences
 * file, VLAB_VERBOSE = 1 to print each failing test's registers (2: the
 * address-error ones, 3: both), VLAB_VECTORS_MAXPRINT = how many failing
 * tests to print. Run from the repository root (make test does). */
#include "isa/m68k/m68k.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define RAM_SIZE (16u << 20)

typedef struct {
    uint32_t reg[19];
    uint32_t prefetch[2];
    uint32_t nram;
    const uint8_t *ram; /* nram * 6 bytes */
} vstate;

static uint32_t le32(const uint8_t *p) {
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}
static uint16_t le16(const uint8_t *p) { return (uint16_t)(p[0] | p[1] << 8); }

static const uint8_t *parse_state(const uint8_t *p, const uint8_t *end, vstate *st) {
    if (end - p < 96 || le32(p + 4) != 0x01234567) return NULL;
    uint32_t size = le32(p);
    for (int i = 0; i < 19; i++) st->reg[i] = le32(p + 8 + 4 * i);
    st->prefetch[0] = le32(p + 84);
    st->prefetch[1] = le32(p + 88);
    st->nram = le32(p + 92);
    st->ram = p + 96;
    if (size != 96 + 6 * st->nram || (size_t)(end - p) < size) return NULL;
    return p + size;
}

static int cmp_names(const void *a, const void *b) {
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static vl_machine *new_machine(void) {
    vl_machine *m = calloc(1, sizeof *m);
    m->desc = vl_find_model("m68k", "68000");
    m->mem.ram = calloc(1, RAM_SIZE);
    m->mem.size = RAM_SIZE;
    m->mem.addr_mask = 0x00FFFFFF;
    m->mem.mmio_base = m->desc->mmio_base;
    m->mem.mmio_on = false;
    m->mem.big_endian = true;
    m->cpu = calloc(1, m68k_ops.state_size);
    m->cc = m->cpu;
    m68k_ops.init(m->cpu, m, M68K_68000);
    return m;
}

static void free_machine(vl_machine *m) {
    free(m->mem.ram);
    free(m->cpu);
    free(m);
}

static const char *const rnames[19] = { "d0", "d1", "d2", "d3", "d4", "d5", "d6", "d7", "a0", "a1",
                                        "a2", "a3", "a4", "a5", "a6", "usp", "ssp", "sr", "pc" };

/* one test: 1 pass, 0 fail */
static int run_test(vl_machine *m, const char *name, const vstate *in, const vstate *out, int verbose) {
    m68k_cpu *s = m->cpu;
    uint8_t *ram = m->mem.ram;
    for (uint32_t i = 0; i < in->nram; i++) {
        uint32_t a = le32(in->ram + 6 * i) & 0xFFFFFF;
        uint16_t w = le16(in->ram + 6 * i + 4);
        ram[a] = (uint8_t)(w >> 8);
        ram[(a + 1) & 0xFFFFFF] = (uint8_t)w;
    }
    /* registers */
    memset(s->d, 0, M68K_SNAP_BYTES);
    s->stopped = s->halted = s->trace_pending = false;
    s->nmi_seen = false;
    s->c.irq_level = 0;
    for (int i = 0; i < 8; i++) s->d[i] = in->reg[i];
    for (int i = 0; i < 7; i++) s->a[i] = in->reg[8 + i];
    uint32_t sr = in->reg[17];
    s->sr = (uint16_t)(sr & 0xA700);
    s->fx = (sr >> 4) & 1; s->fn = (sr >> 3) & 1; s->fz = (sr >> 2) & 1; s->fv = (sr >> 1) & 1; s->fc = sr & 1;
    if (sr & 0x2000) { s->a[7] = in->reg[16]; s->usp = in->reg[15]; }
    else { s->a[7] = in->reg[15]; s->ssp = in->reg[16]; }
    s->pc = in->reg[18] - 4;
    m68k_update_ithresh(s);
    m68k_ops.run(s, 1);
    /* After STOP the 68000 does not refill its prefetch queue: the vectors'
     * pc is then the address after STOP, not next instruction + 4. */
    uint32_t pc_adj = s->stopped ? 0 : 4;

    uint32_t got[19];
    for (int i = 0; i < 8; i++) got[i] = s->d[i];
    for (int i = 0; i < 7; i++) got[8 + i] = s->a[i];
    got[15] = m68k_reg_get(s, 16);
    got[16] = m68k_reg_get(s, 17);
    got[17] = m68k_get_sr(s);
    got[18] = s->pc + pc_adj;
    int ok = 1;
    for (int i = 0; i < 19; i++) {
        if (got[i] != out->reg[i]) {
            if (verbose && ok) printf("FAIL %s\n", name);
            if (verbose) printf("   %-3s got %08x want %08x (initial %08x)\n", rnames[i], got[i], out->reg[i], in->reg[i]);
            ok = 0;
        }
    }
    for (uint32_t i = 0; i < out->nram; i++) {
        uint32_t a = le32(out->ram + 6 * i) & 0xFFFFFF;
        uint16_t w = le16(out->ram + 6 * i + 4);
        uint16_t g = (uint16_t)(ram[a] << 8 | ram[(a + 1) & 0xFFFFFF]);
        if (g != w) {
            if (verbose && ok) printf("FAIL %s\n", name);
            if (verbose) printf("   ram %06x got %04x want %04x\n", a, g, w);
            ok = 0;
        }
    }
    /* clean RAM for the next test */
    for (uint32_t i = 0; i < out->nram; i++) {
        uint32_t a = le32(out->ram + 6 * i) & 0xFFFFFF;
        ram[a] = 0;
        ram[(a + 1) & 0xFFFFFF] = 0;
    }
    for (uint32_t i = 0; i < in->nram; i++) {
        uint32_t a = le32(in->ram + 6 * i) & 0xFFFFFF;
        ram[a] = 0;
        ram[(a + 1) & 0xFFFFFF] = 0;
    }
    return ok;
}

/* ---- the known differences: "FILE: TEST NAME | reason" per line ---------------- */
#define MAX_KNOWN 256
typedef struct {
    char *name, *reason;
    int seen, failed;
} known_diff;

/* Reads path into k[]; returns the count, or -1 (printed) when the file
 * cannot be read or a line is malformed. */
static int read_known(const char *path, known_diff *k) {
    FILE *f = fopen(path, "r");
    if (!f) {
        printf("FAIL: cannot read the known-differences file %s\n", path);
        return -1;
    }
    char line[1024];
    int n = 0, lineno = 0;
    while (fgets(line, sizeof line, f)) {
        lineno++;
        line[strcspn(line, "\r\n")] = 0;
        if (!line[0] || line[0] == '#') continue;
        char *bar = strstr(line, " | ");
        char *reason = bar ? bar + 3 : NULL;
        while (reason && *reason == ' ') reason++;
        if (!bar || bar == line || !*reason || !strstr(line, ".json.bin: ") || n == MAX_KNOWN) {
            printf("FAIL: %s:%d: expected \"FILE.json.bin: TEST NAME | reason\" (at most %d lines)\n", path, lineno,
                   MAX_KNOWN);
            fclose(f);
            return -1;
        }
        *bar = 0;
        k[n].name = strdup(line);
        k[n].reason = strdup(reason);
        k[n].seen = k[n].failed = 0;
        n++;
    }
    fclose(f);
    return n;
}

static known_diff *find_known(known_diff *k, int n, const char *name) {
    for (int i = 0; i < n; i++)
        if (!strcmp(k[i].name, name)) return &k[i];
    return NULL;
}

/* what tests/vectors/m68000/README.md says is shipped */
#define SHIPPED_FILES 127
#define SHIPPED_TESTS 12700

int main(void) {
    const char *dir = getenv("VLAB_VECTORS");
    int shipped = !dir || !*dir; /* the repository's copy: check that it is complete */
    if (shipped) dir = "tests/vectors/m68000/v1";
    const char *only = getenv("VLAB_VECTORS_ONLY");
    if (only && !*only) only = NULL;
    const char *kpath = getenv("VLAB_VECTORS_KNOWN");
    if (!kpath || !*kpath) kpath = "tests/m68k_vectors_known_differences.txt";
    int verbose = getenv("VLAB_VERBOSE") ? atoi(getenv("VLAB_VERBOSE")) : 0;
    int maxprint = getenv("VLAB_VECTORS_MAXPRINT") ? atoi(getenv("VLAB_VECTORS_MAXPRINT")) : 20;
    static known_diff known[MAX_KNOWN];
    int nknown = read_known(kpath, known);
    if (nknown < 0) return 1;
    DIR *dp = opendir(dir);
    if (!dp) {
        printf("FAIL: vector directory %s not found (run from the repository root, or set VLAB_VECTORS)\n", dir);
        return 1;
    }
    char **names = NULL;
    size_t nnames = 0;
    struct dirent *de;
    while ((de = readdir(dp))) {
        size_t l = strlen(de->d_name);
        if (l > 9 && strcmp(de->d_name + l - 9, ".json.bin") == 0) {
            if (only && !strstr(de->d_name, only)) continue;
            names = realloc(names, (nnames + 1) * sizeof *names);
            names[nnames++] = strdup(de->d_name);
        }
    }
    closedir(dp);
    if (nnames == 0) {
        printf("FAIL: no .json.bin vector file in %s%s%s\n", dir, only ? " matching " : "", only ? only : "");
        return 1;
    }
    qsort(names, nnames, sizeof *names, cmp_names);

    vl_machine *m = new_machine();
    long tot = 0, pass = 0, ae_tot = 0, ae_pass = 0, unexpected = 0, accepted = 0;
    int printed = 0;
    for (size_t f = 0; f < nnames; f++) {
        char path[4096];
        snprintf(path, sizeof path, "%s/%s", dir, names[f]);
        FILE *fp = fopen(path, "rb");
        if (!fp) { printf("FAIL: cannot open %s\n", path); return 1; }
        fseek(fp, 0, SEEK_END);
        long sz = ftell(fp);
        fseek(fp, 0, SEEK_SET);
        if (sz < 0) { printf("FAIL: cannot read %s\n", path); return 1; }
        uint8_t *buf = malloc((size_t)sz + 1);
        if (fread(buf, 1, (size_t)sz, fp) != (size_t)sz) { printf("FAIL: short read %s\n", path); return 1; }
        fclose(fp);
        const uint8_t *p = buf, *end = buf + sz;
        if (sz < 8 || le32(p) != 0x1A3F5D71) { printf("FAIL: %s: bad magic\n", path); return 1; }
        uint32_t count = le32(p + 4);
        if (count == 0) { printf("FAIL: %s: no test in it\n", path); return 1; }
        p += 8;
        long fpass = 0, ftot = 0, fae = 0, faep = 0;
        for (uint32_t t = 0; t < count; t++) {
            if (end - p < 8 || le32(p + 4) != 0xABC12367) { printf("FAIL: %s: bad test %u\n", path, t); return 1; }
            const uint8_t *next = p + le32(p);
            const uint8_t *q = p + 8;
            uint32_t nlen = le32(q + 8);
            char name[256];
            snprintf(name, sizeof name, "%s: %.*s", names[f], (int)(nlen < 200 ? nlen : 200), (const char *)q + 12);
            q += le32(q);
            vstate in, out;
            q = parse_state(q, end, &in);
            if (q) q = parse_state(q, end, &out);
            if (!q) { printf("FAIL: %s: bad state in test %u\n", path, t); return 1; }
            /* transactions: look for an address-error record */
            int ae = 0;
            uint32_t ntr = le32(q + 12);
            const uint8_t *r = q + 16;
            for (uint32_t i = 0; i < ntr; i++) {
                uint8_t kind = r[0];
                if (kind == 4 || kind == 5) ae = 1;
                r += kind ? 25 : 5;
            }
            /* VLAB_VERBOSE=1: non-address-error failures; 2: address-error ones; 3: both */
            int v = verbose && printed < maxprint && (verbose & (ae ? 2 : 1));
            int ok = run_test(m, name, &in, &out, v);
            known_diff *k = find_known(known, nknown, name);
            if (k) { k->seen = 1; k->failed = !ok; }
            if (!ok && k) {
                accepted++;
                printf("known difference: %s (%s)\n", name, k->reason);
            } else if (!ok) {
                unexpected++;
                if (printed < maxprint) {
                    if (!v) printf("FAIL %s\n", name);
                    printed++;
                }
            }
            if (ae) { fae++; faep += ok; }
            else { ftot++; fpass += ok; }
            p = next;
        }
        free(buf);
        printf("%-24s %3ld/%-3ld", names[f], fpass, ftot);
        if (fae) printf("  address-error %ld/%ld", faep, fae);
        printf("\n");
        tot += ftot; pass += fpass; ae_tot += fae; ae_pass += faep;
        free(names[f]);
    }
    free(names);
    free_machine(m);
    printf("TOTAL: %ld/%ld non-address-error tests pass; address-error %ld/%ld; %ld known difference(s) (%s)\n",
           pass, tot, ae_pass, ae_tot, accepted, kpath);
    int rc = 0;
    if (unexpected) {
        printf("FAIL: %ld test(s) fail that %s does not list (VLAB_VERBOSE=3 shows the registers)\n", unexpected, kpath);
        rc = 1;
    }
    for (int i = 0; i < nknown; i++) {
        if (known[i].seen && !known[i].failed) {
            printf("FAIL: %s: '%s' passes now: remove it\n", kpath, known[i].name);
            rc = 1;
        } else if (!known[i].seen && !only) {
            printf("FAIL: %s: '%s' is no test of %s\n", kpath, known[i].name, dir);
            rc = 1;
        }
    }
    if (shipped && !only && (nnames != SHIPPED_FILES || tot + ae_tot != SHIPPED_TESTS)) {
        printf("FAIL: %s holds %zu files and %ld tests; tests/vectors/m68000/README.md ships %d and %d\n", dir, nnames,
               tot + ae_tot, SHIPPED_FILES, SHIPPED_TESTS);
        rc = 1;
    }
    for (int i = 0; i < nknown; i++) {
        free(known[i].name);
        free(known[i].reason);
    }
    if (!rc) printf("all %ld tests pass%s\n", tot + ae_tot - accepted, accepted ? " (besides the known differences)" : "");
    return rc;
}
