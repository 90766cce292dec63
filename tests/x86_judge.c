/* x86_judge.c - helper of tests/binutils_x86.sh: GNU objdump as the judge of
 * the x86 subset's decode table, decoder and disassembler (isa/x86-subset).
 *
 *   x86_judge gen DIR
 *       forms32.bin, forms16.bin: representative encodings of every row of
 *       the decode table, one per 32-byte slot followed by NOPs (so objdump
 *       is back in step at the next slot whatever length it decodes), and
 *       forms.meta (the row each slot was made for); random32.bin,
 *       random16.bin: seeded random bytes.
 *   x86_judge check DIR KNOWN
 *       reads DIR/od-{forms,random}{32,16}.txt (objdump -D -b binary -m i386
 *       / -m i8086 --insn-width=16 of those files) and compares length and
 *       text on both models (i386, pentium): the first instruction of every
 *       form slot, and every instruction objdump finds in the random streams
 *       (vlab decodes at objdump's boundaries, so the streams stay in step).
 *
 * KNOWN (tests/x86_known_differences.txt) lists accepted differences, one
 * per line, tab-separated:
 *     MODELS  MODES  NAME  BYTES-REGEX  OURS-REGEX  THEIRS-REGEX
 * MODELS is i386, pentium or *; MODES 16, 32 or *; the POSIX extended
 * regexes match the instruction's bytes in hex (from its first prefix, 16
 * bytes), vlab's text and objdump's text (whitespace folded); an empty
 * field matches anything. A line covers a difference of text, length or
 * both. */
#include "isa/x86-subset/x86.h"
#include <ctype.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SLOT 32
#define MAXSLOTS 200000
#define RANDOM_BYTES 150000

static uint64_t rng = 0x2545F4914F6CDD1Dull;
static uint32_t rnd(void) {
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return (uint32_t)(rng >> 16);
}

/* ---- generation ------------------------------------------------------------------ */
static uint8_t *slots;  /* nslots * SLOT */
static int *slot_form;
static int nslots;

static void add_slot(const uint8_t *b, int n, int form) {
    if (nslots >= MAXSLOTS || n > 16) return;
    uint8_t *s = slots + (size_t)nslots * SLOT;
    memset(s, 0x90, SLOT);
    memcpy(s, b, (size_t)n);
    slot_form[nslots++] = form;
}

static bool has_opd(const x86_insn *in, int k) {
    return in->opd[0] == k || in->opd[1] == k || in->opd[2] == k;
}

/* Immediate bytes for one encoding: varied values, little endian. */
static int put_imm(uint8_t *p, int n, int j) {
    static const uint32_t vals[] = { 0x12345678u, 0xFFFFFFFFu, 0x80u, 0x7Fu, 0u, 0x80000000u, 0xFF80u, 0x1u };
    uint32_t v = vals[j % 8];
    for (int i = 0; i < n; i++) p[i] = (uint8_t)(v >> (8 * (i % 4))); /* a far pointer's selector: the low bytes again */
    return n;
}

/* The immediate bytes a row takes at operand size os, address size as. */
static int imm_len(const x86_insn *in, int os, int as) {
    int n = 0;
    for (int k = 0; k < 3; k++) {
        switch (in->opd[k]) {
        case X86_O_IB: case X86_O_IBS: case X86_O_JB: n += 1; break;
        case X86_O_IW: n += 2; break;
        case X86_O_IV: case X86_O_JV: n += os; break;
        case X86_O_AP: n += os + 2; break;
        case X86_O_OB: case X86_O_OV: n += as; break;
        default: break;
        }
    }
    return n;
}

/* ModRM addressing shapes: mod, rm and, for 32-bit addressing with rm 4,
 * a SIB byte. 16-bit: the 24 mod/rm pairs; 32-bit: the 24 pairs plus SIB
 * bytes with every scale, index and base. */
typedef struct shape { uint8_t mod, rm, sib; } shape;
static shape sh16[24], sh32[64];
static int nsh16, nsh32;

static void build_shapes(void) {
    for (int mod = 0; mod < 3; mod++)
        for (int rm = 0; rm < 8; rm++) {
            sh16[nsh16++] = (shape){ (uint8_t)mod, (uint8_t)rm, 0 };
            sh32[nsh32++] = (shape){ (uint8_t)mod, (uint8_t)rm, (uint8_t)(0x24 + 0x40 * (rm & 3)) };
        }
    /* SIB: every base and index under every mod, the scales in turn */
    for (int i = 0; nsh32 < 64; i++) {
        int base = i & 7, index = (i * 3 + 1) & 7, scale = (i >> 1) & 3, mod = i % 3;
        if (i % 8 == 7) index = 4;
        sh32[nsh32++] = (shape){ (uint8_t)mod, 4, (uint8_t)(scale << 6 | index << 3 | base) };
    }
}

/* Encodings of row fi in code of size `big`: every register form, every
 * memory shape, the prefixes, and random operand bytes. */
static void gen_row(int fi, bool big) {
    const x86_insn *in = &x86_insns[fi];
    uint8_t b[32];
    int os = big ? 4 : 2, as = big ? 4 : 2;
    int nop = in->opcode >= 0x100 ? 2 : 1;
    bool zreg = has_opd(in, X86_O_ZB) || has_opd(in, X86_O_ZV) || has_opd(in, X86_O_ZD);
    /* prefix sets tried on one plain encoding of the row */
    static const uint8_t pfx[][3] = { { 0 },          { 0x66 },       { 0x67 },       { 0x26 },       { 0x2E },
                                      { 0x36 },       { 0x3E },       { 0x64 },       { 0x65 },       { 0xF0 },
                                      { 0xF3 },       { 0xF2 },       { 0x66, 0x67 }, { 0xF3, 0x66 }, { 0xF3, 0x67 },
                                      { 0x26, 0x66 }, { 0x66, 0x66 }, { 0x64, 0x65 }, { 0xF0, 0x66 }, { 0x67, 0x2E } };
    int npfx = (int)(sizeof pfx / sizeof pfx[0]);
    int variants = in->mod == X86_MOD_NONE ? (zreg ? 8 : 1) : 8 + (big ? nsh32 : nsh16);
    for (int p = 0; p < npfx; p++) {
        int v_lo = 0, v_hi = variants;
        if (p) { /* with prefixes: a register form and one memory form */
            v_lo = 0;
            v_hi = in->mod == X86_MOD_NONE ? 1 : 2;
        }
        for (int v = v_lo; v < v_hi; v++) {
            int n = 0;
            int pos = os, pas = as;
            for (int k = 0; k < 3 && pfx[p][k]; k++) {
                b[n++] = pfx[p][k];
                if (pfx[p][k] == 0x66) pos = big ? 2 : 4;
                if (pfx[p][k] == 0x67) pas = big ? 2 : 4;
            }
            if (in->opcode >= 0x100) b[n++] = 0x0F;
            uint8_t opc = (uint8_t)in->opcode;
            if (zreg) opc = (uint8_t)(opc + (in->opcode == 0x91 ? 1 + v % 7 : v % 8));
            b[n++] = opc;
            if (in->mod != X86_MOD_NONE) {
                int reg = in->reg >= 0 ? in->reg : (v * 5 + p) & 7;
                int mv = p ? (v == 0 ? 0 : 8 + (p * 7) % 24) : v; /* prefixed: a register and a memory form */
                bool regform = mv < 8;
                if (in->mod == X86_MOD_MEM && regform) mv = 8 + (v & 7), regform = false;
                if (in->mod == X86_MOD_REG && !regform) mv = v & 7, regform = true;
                if (regform) {
                    b[n++] = (uint8_t)(0xC0 | reg << 3 | (mv & 7));
                } else {
                    bool a16 = pas == 2;
                    int nsh = a16 ? nsh16 : nsh32;
                    shape s = a16 ? sh16[(mv - 8) % nsh] : sh32[(mv - 8) % nsh];
                    if (s.mod == 3) s.mod = 0;
                    b[n++] = (uint8_t)(s.mod << 6 | reg << 3 | s.rm);
                    int dl = 0;
                    if (a16) {
                        dl = s.mod == 1 ? 1 : s.mod == 2 ? 2 : (s.rm == 6 ? 2 : 0);
                    } else {
                        int base = s.rm;
                        if (s.rm == 4) {
                            b[n++] = s.sib;
                            base = s.sib & 7;
                        }
                        dl = s.mod == 1 ? 1 : s.mod == 2 ? 4 : (base == 5 ? 4 : 0);
                    }
                    n += put_imm(b + n, dl, v + 3);
                }
            }
            n += put_imm(b + n, imm_len(in, pos, pas), v + p);
            add_slot(b, n, fi);
        }
    }
    /* random operand bytes after prefixes and opcode */
    for (int r = 0; r < 12; r++) {
        int n = 0;
        static const uint8_t pick[] = { 0x66, 0x67, 0x26, 0x2E, 0x36, 0x3E, 0x64, 0x65, 0xF0, 0xF2, 0xF3 };
        int np = (int)(rnd() % 4);
        if (r < 4) np = 0;
        for (int k = 0; k < np; k++) b[n++] = pick[rnd() % sizeof pick];
        if (in->opcode >= 0x100) b[n++] = 0x0F;
        b[n++] = (uint8_t)(in->opcode + (zreg ? rnd() % (in->opcode == 0x91 ? 7 : 8) + (in->opcode == 0x91) : 0));
        while (n < 16) b[n++] = (uint8_t)rnd();
        int mi = np + nop; /* the ModRM byte: a group member's reg field */
        if (in->reg >= 0 && in->mod != X86_MOD_NONE) b[mi] = (uint8_t)((b[mi] & 0xC7) | in->reg << 3);
        add_slot(b, 16, fi);
    }
}

/* Runs of prefixes up to and past the 15-byte limit. */
static void gen_long(void) {
    static const uint8_t tails[][2] = { { 0x90, 0 }, { 0x01, 0xC0 }, { 0xA5, 0 }, { 0x8B, 0x00 } };
    static const uint8_t pfx[] = { 0x66, 0x26, 0xF3, 0x67, 0xF0 };
    for (int t = 0; t < 4; t++)
        for (int np = 11; np <= 15; np++)
            for (int k = 0; k < 5; k++) {
                uint8_t b[16];
                int n = 0;
                for (int i = 0; i < np; i++) b[n++] = pfx[(k + (i % 2) * (t + 1)) % 5];
                for (int i = 0; i < 2 && n < 16 && (i == 0 || tails[t][1]); i++) b[n++] = tails[t][i];
                add_slot(b, n, -1);
            }
}

static int write_file(const char *dir, const char *name, const void *p, size_t n) {
    char path[600];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "wb");
    if (!f || fwrite(p, 1, n, f) != n || fclose(f)) {
        perror(path);
        return -1;
    }
    return 0;
}

static int cmd_gen(const char *dir) {
    slots = malloc((size_t)MAXSLOTS * SLOT);
    slot_form = malloc(sizeof(int) * MAXSLOTS);
    if (!slots || !slot_form) return 2;
    build_shapes();
    char path[600];
    snprintf(path, sizeof path, "%s/forms.meta", dir);
    FILE *meta = fopen(path, "w");
    if (!meta) { perror(path); return 2; }
    for (int m = 0; m < 2; m++) {
        bool big = m == 0;
        nslots = 0;
        for (int i = 0; i < x86_ninsns; i++) gen_row(i, big);
        gen_long();
        fprintf(meta, "%d\n", nslots);
        for (int i = 0; i < nslots; i++) fprintf(meta, "%d\n", slot_form[i]);
        if (write_file(dir, big ? "forms32.bin" : "forms16.bin", slots, (size_t)nslots * SLOT)) return 2;
    }
    fclose(meta);
    uint8_t *r = malloc(RANDOM_BYTES);
    if (!r) return 2;
    for (int m = 0; m < 2; m++) {
        for (int i = 0; i < RANDOM_BYTES; i++) r[i] = (uint8_t)rnd();
        if (write_file(dir, m == 0 ? "random32.bin" : "random16.bin", r, RANDOM_BYTES)) return 2;
    }
    free(r);
    return 0;
}

/* ---- checking ---------------------------------------------------------------------- */
typedef struct known {
    int model; /* -1 any */
    int mode;  /* 0 any, 16, 32 */
    char name[200];
    regex_t re[3];
    bool has[3];
    long hits;
} known;
static known kn[128];
static int nkn;

static int load_known(const char *path) {
    FILE *f = fopen(path, "r");
    if (!f) { perror(path); return -1; }
    char line[2048];
    int ln = 0;
    while (fgets(line, sizeof line, f)) {
        ln++;
        line[strcspn(line, "\n")] = 0;
        if (!line[0] || line[0] == '#') continue;
        char *fld[6] = { 0 };
        int n = 0;
        for (char *p = line; n < 6;) {
            fld[n++] = p;
            p = strchr(p, '\t');
            if (!p) break;
            *p++ = 0;
        }
        if (n < 3 || nkn == 128) { fprintf(stderr, "%s:%d: bad line\n", path, ln); return -1; }
        known *k = &kn[nkn++];
        k->model = !strcmp(fld[0], "i386") ? X86_I386 : !strcmp(fld[0], "pentium") ? X86_PENTIUM : -1;
        k->mode = atoi(fld[1]);
        snprintf(k->name, sizeof k->name, "%s", fld[2]);
        for (int i = 0; i < 3; i++) {
            const char *re = n > 3 + i ? fld[3 + i] : "";
            k->has[i] = *re != 0;
            if (k->has[i] && regcomp(&k->re[i], re, REG_EXTENDED | REG_NOSUB)) {
                fprintf(stderr, "%s:%d: bad regex %s\n", path, ln, re);
                return -1;
            }
        }
    }
    fclose(f);
    return 0;
}

static known *covered(int model, int mode, const char *hex, const char *ours, const char *theirs) {
    const char *s[3] = { hex, ours, theirs };
    for (int i = 0; i < nkn; i++) {
        known *k = &kn[i];
        if ((k->model >= 0 && k->model != model) || (k->mode && k->mode != mode)) continue;
        bool ok = true;
        for (int j = 0; j < 3 && ok; j++)
            if (k->has[j] && regexec(&k->re[j], s[j], 0, NULL, 0)) ok = false;
        if (ok) return k;
    }
    return NULL;
}

static void fold(char *s) {
    char *d = s, *p = s;
    while (*p && isspace((unsigned char)*p)) p++;
    while (*p) {
        if (isspace((unsigned char)*p)) {
            while (isspace((unsigned char)*p)) p++;
            if (*p) *d++ = ' ';
        } else {
            *d++ = *p++;
        }
    }
    *d = 0;
}

/* objdump's listing: per line the address, the byte count and the text. */
typedef struct line { uint32_t addr; int len; char text[200]; } line;

static line *parse_od(const char *path, int *count) {
    FILE *f = fopen(path, "r");
    if (!f) { perror(path); return NULL; }
    size_t cap = 1 << 16, n = 0;
    line *v = malloc(cap * sizeof *v);
    char buf[512];
    while (v && fgets(buf, sizeof buf, f)) {
        char *p = buf, *e;
        while (*p == ' ') p++;
        unsigned long a = strtoul(p, &e, 16);
        if (e == p || e[0] != ':' || e[1] != '\t') continue;
        char *hex = e + 2, *tab = strchr(hex, '\t');
        int nb = 0;
        for (char *q = hex; *q && q != tab; q++)
            if (isxdigit((unsigned char)q[0]) && isxdigit((unsigned char)q[1])) nb++, q++;
        if (n == cap) {
            line *w = realloc(v, (cap *= 2) * sizeof *v);
            if (!w) { free(v); v = NULL; break; }
            v = w;
        }
        line *l = &v[n++];
        l->addr = (uint32_t)a;
        l->len = nb;
        snprintf(l->text, sizeof l->text, "%s", tab ? tab + 1 : "");
        fold(l->text);
    }
    fclose(f);
    *count = (int)n;
    return v;
}

static uint8_t *read_file(const char *dir, const char *name, size_t *n) {
    char path[600];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "rb");
    if (!f) { perror(path); return NULL; }
    fseek(f, 0, SEEK_END);
    long sz = ftell(f);
    fseek(f, 0, SEEK_SET);
    uint8_t *p = malloc((size_t)sz + 16);
    if (!p || fread(p, 1, (size_t)sz, f) != (size_t)sz) { fclose(f); free(p); return NULL; }
    fclose(f);
    *n = (size_t)sz;
    return p;
}

typedef struct tally { long compared, agree, known, bad; } tally;
static int shown, show_limit = 12;
static const char *const model_names[2] = { "i386", "pentium" };

/* Compare one instruction at bytes[off] (objdump's length olen, text ot). */
static int compare(int model, bool big, const uint8_t *bytes, size_t size, uint32_t off, int olen, const char *ot,
                   tally *t, const char *what) {
    char ours[256];
    int len = x86_disasm_code(model, big, bytes + off, size - off, off, ours, sizeof ours);
    fold(ours);
    t->compared++;
    if (len == olen && !strcmp(ours, ot)) {
        t->agree++;
        return 1;
    }
    char hex[40];
    for (int i = 0; i < 16; i++) snprintf(hex + 2 * i, 3, "%02x", off + i < size ? bytes[off + i] : 0);
    known *k = covered(model, big ? 32 : 16, hex, ours, ot);
    if (k) {
        k->hits++;
        t->known++;
        return 0;
    }
    t->bad++;
    if (shown++ < show_limit)
        printf("DIFF %s %s-bit %s at 0x%x, bytes %.*s: vlab \"%s\" (%d), objdump \"%s\" (%d)\n", model_names[model],
               big ? "32" : "16", what, off, 2 * (olen > len ? olen : len > 0 ? len : 1), hex, ours, len, ot, olen);
    return -1;
}

static int cmd_check(const char *dir, const char *kpath) {
    if (load_known(kpath)) return 2;
    if (getenv("JUDGE_ALL")) show_limit = 1 << 30;
    char path[600];
    snprintf(path, sizeof path, "%s/forms.meta", dir);
    FILE *meta = fopen(path, "r");
    if (!meta) { perror(path); return 2; }
    tally tf[2][2] = { 0 }, tr[2][2] = { 0 }; /* [mode][model] */
    /* per row and model: encodings compared, agreeing, known */
    long (*row)[2][3] = calloc((size_t)x86_ninsns, sizeof *row);
    for (int m = 0; m < 2; m++) {
        bool big = m == 0;
        int ns = 0;
        if (fscanf(meta, "%d", &ns) != 1) return 2;
        int *form = malloc(sizeof(int) * (size_t)(ns + 1));
        for (int i = 0; i < ns; i++)
            if (fscanf(meta, "%d", &form[i]) != 1) return 2;
        size_t size;
        uint8_t *bytes = read_file(dir, big ? "forms32.bin" : "forms16.bin", &size);
        snprintf(path, sizeof path, "%s/od-forms%s.txt", dir, big ? "32" : "16");
        int nl;
        line *l = parse_od(path, &nl);
        if (!bytes || !l) return 2;
        int seen = 0;
        for (int i = 0; i < nl; i++) {
            if (l[i].addr % SLOT) continue;
            uint32_t s = l[i].addr / SLOT;
            if ((int)s >= ns) continue;
            seen++;
            for (int model = 0; model < 2; model++) {
                /* the row vlab decodes, or the row the slot was made for */
                x86_decoded d;
                int fi = form[s];
                if (x86_decode(model, bytes + l[i].addr, SLOT, big, &d) == 0 && d.in) fi = (int)(d.in - x86_insns);
                int r = compare(model, big, bytes, size, l[i].addr, l[i].len, l[i].text, &tf[m][model], "form");
                if (fi < 0) continue;
                row[fi][model][0]++;
                if (r > 0) row[fi][model][1]++;
                if (r == 0) row[fi][model][2]++;
            }
        }
        if (seen != ns) {
            printf("objdump listed %d of %d slots (%s-bit forms)\n", seen, ns, big ? "32" : "16");
            return 1;
        }
        free(l);
        free(bytes);
        free(form);
        bytes = read_file(dir, big ? "random32.bin" : "random16.bin", &size);
        snprintf(path, sizeof path, "%s/od-random%s.txt", dir, big ? "32" : "16");
        l = parse_od(path, &nl);
        if (!bytes || !l) return 2;
        for (int i = 0; i < nl; i++) {
            if (l[i].addr + 16 > size) break; /* the tail: objdump may stop short */
            for (int model = 0; model < 2; model++)
                compare(model, big, bytes, size, l[i].addr, l[i].len, l[i].text, &tr[m][model], "random");
        }
        free(l);
        free(bytes);
    }
    fclose(meta);
    /* coverage of the table */
    int rows_exact[2] = { 0 }, rows_ok[2] = { 0 };
    for (int model = 0; model < 2; model++)
        for (int i = 0; i < x86_ninsns; i++) {
            if (row[i][model][1]) rows_exact[model]++;
            if (row[i][model][0] && row[i][model][1] + row[i][model][2] == row[i][model][0]) rows_ok[model]++;
        }
    long bad = 0;
    for (int m = 0; m < 2; m++)
        for (int model = 0; model < 2; model++) {
            tally *a = &tf[m][model], *b = &tr[m][model];
            printf("x86_judge: %s %s-bit: forms %ld compared, %ld agree, %ld known differences, %ld unexplained; "
                   "random %ld instructions, %ld agree, %ld known, %ld unexplained\n",
                   model_names[model], m == 0 ? "32" : "16", a->compared, a->agree, a->known, a->bad, b->compared,
                   b->agree, b->known, b->bad);
            bad += a->bad + b->bad;
        }
    for (int model = 0; model < 2; model++)
        printf("x86_judge: %s: %d table rows, %d with an encoding identical to objdump, %d with every encoding "
               "identical or a known difference\n",
               model_names[model], x86_ninsns, rows_exact[model], rows_ok[model]);
    for (int i = 0; i < nkn; i++)
        printf("x86_judge: known (%s, %s-bit): %s: %ld\n", kn[i].model < 0 ? "*" : model_names[kn[i].model],
               kn[i].mode ? (kn[i].mode == 16 ? "16" : "32") : "*", kn[i].name, kn[i].hits);
    for (int i = 0; i < nkn; i++)
        if (!kn[i].hits) printf("x86_judge: note: known difference never seen: %s\n", kn[i].name);
    free(row);
    return bad ? 1 : 0;
}

int main(int argc, char **argv) {
    if (argc >= 3 && !strcmp(argv[1], "gen")) return cmd_gen(argv[2]);
    if (argc >= 4 && !strcmp(argv[1], "check")) return cmd_check(argv[2], argv[3]);
    fprintf(stderr, "usage: x86_judge gen DIR | check DIR KNOWN\n");
    return 2;
}
