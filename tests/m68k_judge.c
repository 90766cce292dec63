/* m68k_judge.c - helper of tests/binutils_m68k.sh: GNU binutils as the judge
 * of the 68000/68010 decode table, disassembler and assembler.
 *
 *   m68k_judge gen BLOB EXTSET
 *       every first word 0x0000-0xffff at address word*16, followed by four
 *       extension words of set EXTSET and three NOPs (0x4e71) so objdump
 *       resynchronises at the next slot whatever length it decodes.
 *   m68k_judge check MODEL EXTSET OBJDUMP_TXT KNOWN SAMPLE_S SAMPLE_EXP
 *       compares legality, length and text (m68k_disasm_objdump, the
 *       objdump-exact twin of our disassembler) with objdump's listing, checks
 *       that every legal word disassembles and reassembles with our assembler
 *       to the same bytes, and writes a sample for GNU as.
 *   m68k_judge gnucheck MODEL SAMPLE_EXP GNU_BIN KNOWN
 *       compares the bytes GNU as produced for the sample.
 *
 * Extension-word sets. Set 0: all zero - brief index words name d0.w with
 * d8 = 0, the MOVEC word names sfc (valid on the 68010), the MOVES word is
 * "<ea> -> d0", MOVEM masks are empty, branch displacements 0 (word form),
 * immediates 0. Set 1: 0x0012 everywhere (d16 = 18, d0.w index with d8 = 18,
 * #18, MOVEM mask d1/d4, branch +18) except 0x0801 after MOVEC (d0 <-> vbr):
 * non-zero so that GNU as cannot shorten `%a0@(0)` to `%a0@`. Set 2: 0x00f0
 * (d8 = -16, short branches backwards, #240, MOVEC again 0x0801).
 *
 * KNOWN lists accepted differences, one per line:
 *     MODEL KIND MASK MATCH reason...
 * MODEL is 68000, 68010 or *; KIND is gnu-only (objdump decodes an
 * instruction we call illegal), ours-only, length, mnemonic, text or gnu-as (GNU as
 * assembles our text differently); a difference on first word W is covered
 * when (W & MASK) == MATCH. */
#include "isa/m68k/m68k.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define STRIDE 16
#define NW 65536

typedef struct known {
    int model; /* -1 any */
    char kind[16];
    unsigned mask, match;
    char reason[200];
    long hits;
} known;

static known kn[256];
static int nkn;

static void load_known(const char *path) {
    FILE *f = fopen(path, "r");
    if (!f) { perror(path); exit(2); }
    char line[512];
    while (fgets(line, sizeof line, f)) {
        char *p = line;
        while (isspace((unsigned char)*p)) p++;
        if (!*p || *p == '#') continue;
        char model[16];
        known k = { 0 };
        int off = 0;
        if (sscanf(p, "%15s %15s %x %x %n", model, k.kind, &k.mask, &k.match, &off) < 4) {
            fprintf(stderr, "%s: bad line: %s", path, line);
            exit(2);
        }
        k.model = !strcmp(model, "*") ? -1 : !strcmp(model, "68010") ? 1 : 0;
        snprintf(k.reason, sizeof k.reason, "%s", p + off);
        k.reason[strcspn(k.reason, "\n")] = 0;
        if (nkn < 256) kn[nkn++] = k;
    }
    fclose(f);
}

static known *covered(int model, const char *kind, unsigned w) {
    for (int i = 0; i < nkn; i++)
        if ((kn[i].model < 0 || kn[i].model == model) && !strcmp(kn[i].kind, kind) && (w & kn[i].mask) == kn[i].match) {
            kn[i].hits++;
            return &kn[i];
        }
    return NULL;
}

/* Extension words: set 0 all zero; set 1 0x0012, set 2 0x00f0 (0x0801 after
 * MOVEC: vbr). */
static unsigned ext_for(unsigned w, int set) {
    if (!set) return 0;
    if ((w & 0xfffe) == 0x4e7a) return 0x0801;
    return set == 1 ? 0x0012 : 0x00f0;
}

static void slot(uint8_t *b, unsigned w, int set) {
    memset(b, 0, STRIDE);
    b[0] = (uint8_t)(w >> 8);
    b[1] = (uint8_t)w;
    unsigned x = ext_for(w, set);
    for (int i = 2; i < 10; i += 2) { b[i] = (uint8_t)(x >> 8); b[i + 1] = (uint8_t)x; }
    for (int i = 10; i < 16; i += 2) { b[i] = 0x4e; b[i + 1] = 0x71; }
}

typedef struct gnu { bool seen, legal; int len; char mn[24]; char text[160]; } gnu;

static int parse_objdump(const char *path, gnu *g) {
    FILE *f = fopen(path, "r");
    if (!f) { perror(path); return -1; }
    char line[512];
    long prev = -1;
    while (fgets(line, sizeof line, f)) {
        char *p = line;
        while (*p == ' ') p++;
        char *end;
        long a = strtol(p, &end, 16);
        if (end == p || *end != ':' || end[1] != '\t') continue;
        char *bytes = end + 2;
        char *tab = strchr(bytes, '\t');
        if (!tab) continue;
        char *text = tab + 1;
        text[strcspn(text, "\n")] = 0;
        if (prev >= 0 && prev % STRIDE == 0 && prev / STRIDE < NW) g[prev / STRIDE].len = (int)(a - prev);
        prev = a;
        if (a % STRIDE || a / STRIDE >= NW) continue;
        gnu *x = &g[a / STRIDE];
        x->seen = true;
        x->legal = strncmp(text, ".short", 6) != 0;
        snprintf(x->text, sizeof x->text, "%s", text);
        size_t k = strcspn(text, " \t");
        if (k >= sizeof x->mn) k = sizeof x->mn - 1;
        memcpy(x->mn, text, k);
        x->mn[k] = 0;
    }
    if (prev >= 0 && prev % STRIDE == 0 && prev / STRIDE < NW) g[prev / STRIDE].len = (int)(NW * (long)STRIDE - prev);
    fclose(f);
    return 0;
}

static int cmd_gen(const char *out, int set) {
    FILE *f = fopen(out, "wb");
    if (!f) { perror(out); return 2; }
    uint8_t b[STRIDE];
    for (unsigned w = 0; w < NW; w++) {
        slot(b, w, set);
        fwrite(b, 1, STRIDE, f);
    }
    return fclose(f) ? 2 : 0;
}

static const char *model_name(int m) { return m ? "68010" : "68000"; }

static int cmd_check(int model, int set, const char *objtxt, const char *kpath, const char *sample_s, const char *sample_exp) {
    int limit = getenv("JUDGE_ALL") ? 1 << 30 : 40;
    load_known(kpath);
    gnu *g = calloc(NW, sizeof *g);
    if (!g || parse_objdump(objtxt, g)) return 2;
    FILE *fs = fopen(sample_s, "w"), *fe = fopen(sample_exp, "w");
    if (!fs || !fe) { perror("sample"); return 2; }
    fprintf(fs, "| sample of our disassembler's output for GNU as (%s)\n .text\n", model_name(model));
    long agree = 0, dis = 0, kdiff = 0, legal = 0, rt_ok = 0, rt_bad = 0, sample = 0, internal = 0;
    int shown = 0;
    int last_form = -1, form_seen = 0;
    uint32_t sample_pc = 0;
    long gnu_known = 0;
    for (unsigned w = 0; w < NW; w++) {
        uint8_t b[STRIDE];
        slot(b, w, set);
        uint32_t addr = w * STRIDE;
        char text[160];
        int len = m68k_disasm(model, b, STRIDE, addr, text, sizeof text);
        bool ours = strncmp(text, ".short", 6) != 0;
        const m68k_insn *in = m68k_decode_word(model, (uint16_t)w);
        if (ours && (!in || m68k_insn_length(in, (uint16_t)w) != len)) {
            internal++;
            if (shown++ < limit)
                printf("INTERNAL %s %04x: disasm length %d, decode table %d (%s)\n", model_name(model), w, len,
                       in ? m68k_insn_length(in, (uint16_t)w) : 0, text);
        }
        gnu *x = &g[w];
        if (!x->seen) {
            dis++;
            if (shown++ < limit) printf("MISSING %s %04x: no objdump line at 0x%x\n", model_name(model), w, addr);
            continue;
        }
        const char *kind = NULL;
        if (x->legal != ours) kind = x->legal ? "gnu-only" : "ours-only";
        else if (ours && x->len != len) kind = "length";
        if (!kind && ours) {
            size_t k = strcspn(text, " ");
            if (strlen(x->mn) != k || strncmp(x->mn, text, k)) kind = "mnemonic";
        }
        /* the whole line, printed the way objdump prints it */
        char otext[160];
        if (!kind) {
            m68k_disasm_objdump(model, b, STRIDE, addr, otext, sizeof otext);
            if (strcmp(otext, x->text)) kind = "text";
        }
        if (kind) {
            if (covered(model, kind, w)) kdiff++;
            else {
                dis++;
                if (shown++ < limit)
                    printf("DIFF %s %04x %s: ours \"%s\" (%d), objdump \"%s\" (%d)\n", model_name(model), w, kind,
                           strcmp(kind, "text") ? text : otext, ours ? len : 0, x->text, x->legal ? x->len : 0);
            }
        } else {
            agree++;
        }
        if (!ours) continue;
        legal++;
        /* round trip through our assembler */
        uint8_t *out = NULL;
        size_t olen = 0;
        char err[256];
        if (m68k_assemble(model, text, addr, &out, &olen, err, sizeof err) == 0 && olen == (size_t)len &&
            !memcmp(out, b, olen)) {
            rt_ok++;
        } else {
            rt_bad++;
            if (shown++ < limit) {
                printf("ROUNDTRIP %s %04x \"%s\": ", model_name(model), w, text);
                if (out) { for (size_t i = 0; i < olen; i++) printf("%02x", out[i]); printf("\n"); }
                else printf("%s\n", err);
            }
        }
        free(out);
        /* GNU sample: every 5th legal word plus the first two of each table entry */
        int form = (int)(in - m68k_insns);
        if (form != last_form) { last_form = form; form_seen = 0; }
        if ((legal % 5 == 0 || form_seen++ < 2) && covered(model, "gnu-as", w)) {
            gnu_known++;
        } else if (legal % 5 == 0 || form_seen < 3) {
            /* The sample is one contiguous program (GNU as mis-relaxes byte
             * branches across .org frags), so each line is disassembled again
             * at its address there. GNU as drops the fixup of a DBcc to an
             * absolute address (it encodes displacement 0), so branch targets
             * are given to it as `.+N`, which it resolves itself; the rest of
             * the line is exactly our text. */
            char gtext[200];
            m68k_disasm(model, b, STRIDE, sample_pc, gtext, sizeof gtext);
            if (in->src == M68K_OPD_DISP || in->dst == M68K_OPD_DISP16) {
                char *t = strrchr(gtext, in->src == M68K_OPD_DISP ? ' ' : ',');
                unsigned long target = t ? strtoul(t + 1, NULL, 16) : 0;
                if (t) snprintf(t + 1, sizeof gtext - (size_t)(t + 1 - gtext), ".%+ld", (long)(int32_t)(uint32_t)(target - sample_pc));
            }
            fprintf(fs, " %s\n", gtext);
            fprintf(fe, "%x %04x ", sample_pc, w);
            for (int i = 0; i < len; i++) fprintf(fe, "%02x", b[i]);
            fprintf(fe, " %s\n", gtext);
            sample_pc += (uint32_t)len;
            sample++;
        }
    }
    fclose(fs);
    fclose(fe);
    printf("%s: objdump agrees (legality, length, text) on %ld of 65536 first words; %ld known differences; %ld "
           "unexplained\n", model_name(model), agree, kdiff, dis);
    printf("%s: round trip through our assembler: %ld of %ld legal words ok, %ld bad; %ld internal length mismatches\n",
           model_name(model), rt_ok, legal, rt_bad, internal);
    printf("%s: GNU as sample: %ld instructions (%ld left out as known GNU as differences)\n", model_name(model), sample,
           gnu_known);
    for (int i = 0; i < nkn; i++)
        if (kn[i].hits && strcmp(kn[i].kind, "gnu-as"))
            printf("  known %-9s %04x/%04x x%-5ld %s\n", kn[i].kind, kn[i].mask, kn[i].match, kn[i].hits, kn[i].reason);
    free(g);
    return dis || rt_bad || internal ? 1 : 0;
}

static int cmd_gnucheck(int model, const char *exp, const char *bin, const char *kpath) {
    int limit = getenv("JUDGE_ALL") ? 1 << 30 : 40;
    load_known(kpath);
    FILE *fb = fopen(bin, "rb");
    if (!fb) { perror(bin); return 2; }
    fseek(fb, 0, SEEK_END);
    long n = ftell(fb);
    fseek(fb, 0, SEEK_SET);
    uint8_t *img = malloc((size_t)n + 16);
    if (!img || fread(img, 1, (size_t)n, fb) != (size_t)n) { fprintf(stderr, "read %s\n", bin); return 2; }
    fclose(fb);
    FILE *fe = fopen(exp, "r");
    if (!fe) { perror(exp); return 2; }
    char line[512];
    long ok = 0, bad = 0, kd = 0;
    int shown = 0;
    while (fgets(line, sizeof line, fe)) {
        unsigned addr, w;
        char hex[64];
        int off = 0;
        if (sscanf(line, "%x %x %63s %n", &addr, &w, hex, &off) < 3) continue;
        size_t len = strlen(hex) / 2;
        bool same = (long)(addr + len) <= n;
        for (size_t i = 0; same && i < len; i++) {
            unsigned v;
            sscanf(hex + 2 * i, "%2x", &v);
            if (img[addr + i] != v) same = false;
        }
        if (same) ok++;
        else if (covered(model, "gnu-as", w)) kd++;
        else {
            bad++;
            if (shown++ < limit) {
                printf("GNU-AS %s %04x \"%s\" ours %s, GNU ", model_name(model), w, strtok(line + off, "\n"), hex);
                for (size_t i = 0; i < len && addr + i < (size_t)n; i++) printf("%02x", img[addr + i]);
                printf("\n");
            }
        }
    }
    fclose(fe);
    free(img);
    printf("%s: GNU as reassembles %ld sample instructions to the same bytes; %ld unexplained differences\n",
           model_name(model), ok + kd, bad);
    for (int i = 0; i < nkn; i++)
        if (kn[i].hits) printf("  known %-9s %04x/%04x x%-5ld %s\n", kn[i].kind, kn[i].mask, kn[i].match, kn[i].hits, kn[i].reason);
    return bad ? 1 : 0;
}

int main(int argc, char **argv) {
    if (argc >= 4 && !strcmp(argv[1], "gen")) return cmd_gen(argv[2], atoi(argv[3]));
    if (argc >= 8 && !strcmp(argv[1], "check"))
        return cmd_check(!strcmp(argv[2], "68010"), atoi(argv[3]), argv[4], argv[5], argv[6], argv[7]);
    if (argc >= 6 && !strcmp(argv[1], "gnucheck"))
        return cmd_gnucheck(!strcmp(argv[2], "68010"), argv[3], argv[4], argv[5]);
    fprintf(stderr, "usage: m68k_judge gen BLOB EXTSET | check MODEL EXTSET OBJDUMP KNOWN SAMPLE_S SAMPLE_EXP | "
                    "gnucheck MODEL SAMPLE_EXP GNU_BIN KNOWN\n");
    return 2;
}
