#!/bin/sh
# binutils_ppc.sh - GNU binutils as judge of the PowerPC disassembler and
# assembler (isa/ppc/disasm.c, asm.c).
#
# Every form of the decode table (isa/ppc/decode.c) is instantiated with a
# spread of operand values (every BO/BI of the branches, every SPR number of
# mfspr/mtspr, every TBR of mftb, the rotate masks behind slwi/srwi/clrlwi...)
# and Rc/OE/AA/LK variants, plus a sample of random words. Then:
#   1. vlab's disassembly must equal powerpc-linux-gnu-objdump -D -b binary
#      -m powerpc:750 -EB, modulo the documented differences in
#      tests/ppc_known_differences.txt (lines "disasm");
#   2. vlab's assembler must turn every line of its own disassembly back into
#      the same word;
#   3. GNU as (powerpc-linux-gnu-as -mppc -mregnames) must assemble the same
#      text (valid forms; relative branch targets written as base+ADDR, since
#      GNU as reads a bare constant as the displacement) to the same words,
#      modulo the "gas" lines of the known-differences file.
# Standalone: sh tests/binutils_ppc.sh (BUILD=build by default). Exit 0 when
# there is no unexplained difference. Needs binutils-powerpc-linux-gnu (the
# missing-package policy of tests/testlib.sh: SKIP locally, FAIL under VLAB_CI).
NAME=binutils_ppc
. "$(dirname "$0")/testlib.sh"
OD=powerpc-linux-gnu-objdump
AS=powerpc-linux-gnu-as
OC=powerpc-linux-gnu-objcopy
CC=${CC:-cc}
need binutils-powerpc-linux-gnu $OD $AS $OC
W=$BUILD/binutils_ppc
mkdir -p "$W" || exit 1
KNOWN=tests/ppc_known_differences.txt
J=$W/ppc_judge

cat > "$W/ppc_judge.c" <<'EOF'
/* ppc_judge - generator and comparator for tests/binutils_ppc.sh */
#include "isa/ppc/ppc.h"
#include <ctype.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAXW 200000
static uint32_t words[MAXW];
static int form_of[MAXW];     /* decode-table index, -1 random word */
static unsigned char valid[MAXW]; /* a valid form: GNU as must take it */
static int nw;
static uint64_t rng = 0x9E3779B97F4A7C15ull;
static uint32_t rnd(void) { rng ^= rng << 13; rng ^= rng >> 7; rng ^= rng << 17; return (uint32_t)(rng >> 11); }

static void add(uint32_t w, int form, int ok) {
    if (nw >= MAXW) return;
    if (form >= 0 && ppc_decode_index(w) != form) {
        if (ppc_decode_index(w) >= 0) return;
        form = -1, ok = 0; /* an illegal or invalid variant (mftb 5, lwzu r3,0(r3)): compared as such */
    }
    words[nw] = w, form_of[nw] = form, valid[nw] = (unsigned char)ok, nw++;
}

static int has(const ppc_insn *in, int k) {
    for (int i = 0; i < 5 && in->opd[i]; i++) if (in->opd[i] == k) return 1;
    return 0;
}
static uint32_t setf(uint32_t w, int sh, int bits, uint32_t v) {
    uint32_t m = ((1u << bits) - 1) << sh;
    return (w & ~m) | ((v << sh) & m);
}

static const int32_t simm_spread[] = { 0, 1, -1, 8, -8, 0x7FFF, -0x8000, 0x1234, -0x1234, 100 };
static const uint32_t uimm_spread[] = { 0, 1, 0xFFFF, 0x8000, 0x7FFF, 0x1234, 255 };
static const unsigned reg_spread[] = { 0, 1, 2, 3, 31, 30, 13, 17 };

/* A valid form for GNU as? (update forms, load multiple/string ranges, BO) */
static int valid_form(const ppc_insn *in, uint32_t w) {
    unsigned rt = (w >> 21) & 31, ra = (w >> 16) & 31, rb = (w >> 11) & 31;
    if (in->flags & PPC_F_UPDATE) {
        if (ra == 0) return 0;
        if ((in->flags & PPC_F_LOAD) && ra == rt) return 0;
    }
    if ((in->flags & PPC_F_FP) && (has(in, PPC_OPD_D_RA) || has(in, PPC_OPD_RA)) && ra == 0) return 0;
    if (in->op == PPC_OP_LMW && ra >= rt) return 0;
    if (in->op == PPC_OP_LSWI) {
        unsigned nb = rb ? rb : 32, nr = (nb + 3) / 4;
        for (unsigned i = 0; i < nr; i++) if (((rt + i) & 31) == ra) return 0;
    }
    if (in->op == PPC_OP_LSWX && (ra == rt || rb == rt)) return 0;
    if (in->op == PPC_OP_BC || in->op == PPC_OP_BCLR || in->op == PPC_OP_BCCTR) {
        unsigned bo = rt;
        int ok = (bo & 0x14) == 0 || ((bo & 0x14) == 4 && !(bo & 2)) || ((bo & 0x14) == 0x10 && !(bo & 8)) || bo == 20;
        if (!ok) return 0;
        if (in->op == PPC_OP_BCCTR && !(bo & 4)) return 0; /* bcctr with CTR decrement: invalid */
    }
    return 1;
}

static void gen_form(int fi) {
    const ppc_insn *in = &ppc_insns[fi];
    uint32_t base = in->match;
    int nvar = 64;
    if (in->op == PPC_OP_MFSPR || in->op == PPC_OP_MTSPR || in->op == PPC_OP_MFTB) nvar = 1024 + 64;
    if (in->op == PPC_OP_BCLR || in->op == PPC_OP_BCCTR) nvar = 32 * 32 * 2;
    if (in->op == PPC_OP_BC) nvar = 32 * 12 * 8;
    if (in->op == PPC_OP_RLWINM || in->op == PPC_OP_RLWIMI || in->op == PPC_OP_RLWNM) nvar = 160;
    if (in->op == PPC_OP_TW || in->op == PPC_OP_TWI) nvar = 96;
    for (int j = 0; j < nvar; j++) {
        uint32_t w = base;
        for (int i = 0; i < 5 && in->opd[i]; i++) {
            int k = in->opd[i];
            uint32_t r = rnd();
            unsigned reg = (j % 3 == 0) ? reg_spread[(j / 3) % 8] : r % 32;
            switch (k) {
            case PPC_OPD_RT: case PPC_OPD_RS: case PPC_OPD_FRT: case PPC_OPD_FRS: w = setf(w, 21, 5, reg); break;
            case PPC_OPD_RA: case PPC_OPD_RA0: case PPC_OPD_FRA: w = setf(w, 16, 5, (reg + 5 * (j & 1)) & 31); break;
            case PPC_OPD_RB: case PPC_OPD_FRB: w = setf(w, 11, 5, (j % 5 == 1) ? (w >> 21) & 31 : (reg * 7 + j) & 31); break;
            case PPC_OPD_FRC: w = setf(w, 6, 5, r >> 8); break;
            case PPC_OPD_SIMM: w = setf(w, 0, 16, (uint32_t)(j < 10 ? simm_spread[j] : (int32_t)r)); break;
            case PPC_OPD_UIMM: w = setf(w, 0, 16, j < 7 ? uimm_spread[j] : r); break;
            case PPC_OPD_D_RA0: case PPC_OPD_D_RA:
                w = setf(setf(w, 0, 16, (uint32_t)(j < 10 ? simm_spread[j] : (int32_t)r)), 16, 5, (j % 4 == 0) ? 0 : (r >> 20) % 32);
                break;
            case PPC_OPD_LI: w = setf(w, 2, 24, j < 4 ? (uint32_t)(j & 1 ? -2 - j : 2 + j) : r >> 3); break;
            case PPC_OPD_TO: w = setf(w, 21, 5, (uint32_t)j); break;
            case PPC_OPD_CRFD: w = setf(w, 23, 3, (uint32_t)j >> 1); break;
            case PPC_OPD_CRFS: w = setf(w, 18, 3, r); break;
            case PPC_OPD_L: w = setf(w, 21, 1, (j % 7) == 3); break;
            case PPC_OPD_CRBD: w = setf(w, 21, 5, r); break;
            case PPC_OPD_CRBA: w = setf(w, 16, 5, (j % 3) ? (w >> 21) & 31 : r >> 5); break;
            case PPC_OPD_CRBB: w = setf(w, 11, 5, (j % 4) ? (w >> 16) & 31 : r >> 10); break;
            case PPC_OPD_SH: case PPC_OPD_MB: case PPC_OPD_ME: case PPC_OPD_NB:
                w = setf(w, k == PPC_OPD_MB ? 6 : k == PPC_OPD_ME ? 1 : 11, 5, r >> (3 * k % 11));
                break;
            case PPC_OPD_SPR: case PPC_OPD_TBR: /* every number, then the common ones with other registers */
                w = (w & ~0x001FF800u) | ppc_spr_encode(j < 1024 ? (unsigned)j : k == PPC_OPD_TBR ? 268u + (j & 1)
                                                               : (unsigned)ppc_sprs[r % (unsigned)ppc_nsprs].num);
                break;
            case PPC_OPD_SR: w = setf(w, 16, 4, r); break;
            case PPC_OPD_CRM: w = setf(w, 12, 8, j == 0 ? 0xFF : j == 1 ? 1 : r); break;
            case PPC_OPD_FM: w = setf(w, 17, 8, j == 0 ? 0xFF : r); break;
            case PPC_OPD_FIMM: w = setf(w, 12, 4, r); break;
            default: break; /* BO, BI, BD: below */
            }
        }
        if (in->op == PPC_OP_BC) {
            static const int bis[12] = { 0, 1, 2, 3, 4, 5, 6, 7, 9, 14, 30, 31 };
            static const int32_t bds[8] = { 8, -8, 0, 0x7FFC, -0x8000, 0x100, -0x100, 4 };
            w = setf(w, 21, 5, (uint32_t)j % 32);
            w = setf(w, 16, 5, (uint32_t)bis[(j / 32) % 12]);
            w = setf(w, 2, 14, (uint32_t)bds[(j / 384) % 8] >> 2);
            w = setf(w, 0, 2, (uint32_t)(j * 7 / 3) & 3);
        } else if (in->op == PPC_OP_BCLR || in->op == PPC_OP_BCCTR) {
            w = setf(w, 21, 5, (uint32_t)j % 32);
            w = setf(w, 16, 5, (uint32_t)(j / 32) % 32);
            w = setf(w, 0, 1, (uint32_t)j / 1024);
        } else if (in->op == PPC_OP_RLWINM || in->op == PPC_OP_RLWIMI || in->op == PPC_OP_RLWNM) {
            unsigned q = (unsigned)j & 31, sh = q, mb = 0, me = 31;
            switch (j / 32) {
            case 0: mb = 0, me = 31 - sh; break;              /* slwi */
            case 1: mb = q, me = 31, sh = (32 - q) & 31; break; /* srwi */
            case 2: sh = 0, mb = 0, me = q; break;            /* clrrwi, rotlwi 0 */
            case 3: sh = 0, mb = q, me = 31; break;           /* clrlwi */
            default: sh = rnd() % 32, mb = rnd() % 32, me = rnd() % 32; break;
            }
            if (in->op != PPC_OP_RLWNM) w = setf(w, 11, 5, sh);
            w = setf(setf(w, 6, 5, mb), 1, 5, me);
        }
        if (in->op == PPC_OP_TW || in->op == PPC_OP_TWI) {
            w = setf(w, 21, 5, (uint32_t)j % 32);
            if (j >= 32 && j < 40 && in->op == PPC_OP_TW) w &= ~0x001FF800u; /* trap */
        }
        if ((in->op == PPC_OP_ORI || in->op == PPC_OP_XORI) && j < 2) w &= 0xFC000000u; /* nop, xnop */
        if ((in->op == PPC_OP_ADDI || in->op == PPC_OP_ADDIS) && j % 4 == 1) w &= ~0x001F0000u; /* li, lis */
        if ((in->flags & PPC_F_RC) && (j & 1)) w |= 1;
        if ((in->flags & PPC_F_OE) && (j & 2)) w |= 0x400;
        if ((in->flags & PPC_F_LK) && in->op == PPC_OP_B && (j & 1)) w |= 1;
        if ((in->flags & PPC_F_AA) && in->op == PPC_OP_B && (j & 2)) w |= 2;
        add(w, fi, valid_form(in, w));
    }
    add(base, fi, valid_form(in, base)); /* all operands zero */
}

static int cmd_gen(const char *dir) {
    for (int i = 0; i < ppc_ninsns; i++) gen_form(i);
    for (int i = 0; i < 20000; i++) add(rnd() ^ (rnd() << 12), -1, 0);
    char p[512];
    snprintf(p, sizeof p, "%s/words.bin", dir);
    FILE *f = fopen(p, "wb");
    if (!f) { perror(p); return 1; }
    for (int i = 0; i < nw; i++) {
        uint8_t b[4];
        vl_put_be32(b, words[i]);
        fwrite(b, 1, 4, f);
    }
    fclose(f);
    snprintf(p, sizeof p, "%s/meta.txt", dir);
    f = fopen(p, "w");
    if (!f) { perror(p); return 1; }
    for (int i = 0; i < nw; i++) fprintf(f, "%d %d\n", form_of[i], valid[i]);
    fclose(f);
    return 0;
}

static int load(const char *dir) {
    char p[512];
    snprintf(p, sizeof p, "%s/words.bin", dir);
    FILE *f = fopen(p, "rb");
    if (!f) { perror(p); return 0; }
    uint8_t b[4];
    nw = 0;
    while (nw < MAXW && fread(b, 1, 4, f) == 4) words[nw++] = vl_be32(b);
    fclose(f);
    snprintf(p, sizeof p, "%s/meta.txt", dir);
    f = fopen(p, "r");
    if (!f) { perror(p); return 0; }
    for (int i = 0; i < nw; i++) {
        int v;
        if (fscanf(f, "%d %d", &form_of[i], &v) != 2) { fprintf(stderr, "bad meta\n"); fclose(f); return 0; }
        valid[i] = (unsigned char)v;
    }
    fclose(f);
    return 1;
}

static void norm(char *s) { /* collapse whitespace */
    char *d = s, *p = s;
    while (*p && isspace((unsigned char)*p)) p++;
    while (*p) {
        if (isspace((unsigned char)*p)) {
            while (isspace((unsigned char)*p)) p++;
            if (*p) *d++ = ' ';
        } else *d++ = *p++;
    }
    *d = 0;
}

/* known differences */
typedef struct kd { char kind[8], name[64]; regex_t ours, theirs; int has_theirs; long hits; } kd;
static kd kds[64];
static int nkd;
static int load_known(const char *path) {
    FILE *f = fopen(path, "r");
    if (!f) { perror(path); return 0; }
    char line[1024];
    while (fgets(line, sizeof line, f)) {
        line[strcspn(line, "\n")] = 0;
        if (!line[0] || line[0] == '#') continue;
        char *fld[4] = { 0 };
        int n = 0;
        for (char *p = line; n < 4;) { fld[n++] = p; p = strchr(p, '\t'); if (!p) break; *p++ = 0; }
        if (n < 3 || nkd == 64) { fprintf(stderr, "%s: bad line\n", path); fclose(f); return 0; }
        kd *k = &kds[nkd];
        snprintf(k->kind, sizeof k->kind, "%s", fld[0]);
        snprintf(k->name, sizeof k->name, "%s", fld[1]);
        if (regcomp(&k->ours, fld[2], REG_EXTENDED | REG_NOSUB)) { fprintf(stderr, "bad regex %s\n", fld[2]); return 0; }
        k->has_theirs = n >= 4 && fld[3][0];
        if (k->has_theirs && regcomp(&k->theirs, fld[3], REG_EXTENDED | REG_NOSUB)) { fprintf(stderr, "bad regex %s\n", fld[3]); return 0; }
        nkd++;
    }
    fclose(f);
    return 1;
}
static kd *known(const char *kind, const char *ours, const char *theirs) {
    for (int i = 0; i < nkd; i++) {
        if (strcmp(kds[i].kind, kind)) continue;
        if (regexec(&kds[i].ours, ours, 0, NULL, 0)) continue;
        if (kds[i].has_theirs && (!theirs || regexec(&kds[i].theirs, theirs, 0, NULL, 0))) continue;
        return &kds[i];
    }
    return NULL;
}

static char (*ours)[128];

/* GNU as text for word i: relative branch targets as base+ADDR. */
static void gas_line(int i, const char *t, char *out, size_t n) {
    uint32_t w = words[i];
    unsigned p = w >> 26;
    const char *c = strrchr(t, ',');
    const char *sp = strchr(t, ' ');
    const char *last = c ? c + 1 : sp ? sp + 1 : NULL;
    if ((p == 16 || p == 18) && last && !strncmp(last, "0x", 2)) {
        uint32_t v = (uint32_t)strtoul(last, NULL, 16);
        int len = (int)(last - t);
        if (!(w & 2)) snprintf(out, n, "%.*sbase+0x%x", len, t, v);
        else if (v & 0x80000000u) snprintf(out, n, "%.*s-0x%x", len, t, 0u - v);
        else snprintf(out, n, "%s", t);
        return;
    }
    snprintf(out, n, "%s", t);
}

static int cmd_check(const char *dir, const char *knownf) {
    if (!load(dir) || !load_known(knownf)) return 2;
    ours = calloc((size_t)nw, sizeof *ours);
    char p[512], line[512];
    snprintf(p, sizeof p, "%s/od.txt", dir);
    FILE *f = fopen(p, "r");
    if (!f) { perror(p); return 2; }
    char (*theirs)[128] = calloc((size_t)nw, sizeof *theirs);
    int got = 0;
    while (fgets(line, sizeof line, f)) {
        char *c = strchr(line, ':');
        if (!c || c == line) continue;
        char *q = line;
        while (*q == ' ') q++;
        char *e;
        unsigned long addr = strtoul(q, &e, 16);
        if (e != c || c[1] != '\t' || addr % 4) continue;
        char *t = strchr(c + 2, '\t');
        if (!t) continue;
        if (addr / 4 >= (unsigned long)nw) continue;
        snprintf(theirs[addr / 4], sizeof theirs[0], "%s", t + 1);
        norm(theirs[addr / 4]);
        got++;
    }
    fclose(f);
    if (got != nw) { fprintf(stderr, "objdump gave %d lines for %d words\n", got, nw); return 2; }
    int nforms = ppc_ninsns, *form_ok = calloc((size_t)nforms, sizeof(int));
    long agree = 0, knownd = 0, bad = 0, ragree = 0, rknown = 0, rbad = 0, rt_ok = 0, rt_bad = 0, nform_words = 0;
    snprintf(p, sizeof p, "%s/gasA.s", dir);
    FILE *g = fopen(p, "w");
    snprintf(p, sizeof p, "%s/ours.txt", dir);
    FILE *o = fopen(p, "w");
    if (!g || !o) { perror(p); return 2; }
    fprintf(g, "\t.text\nbase:\n");
    for (int i = 0; i < nw; i++) {
        uint8_t b[4];
        vl_put_be32(b, words[i]);
        uint32_t addr = (uint32_t)i * 4;
        ppc_disasm(PPC_750, b, 4, addr, ours[i], sizeof ours[0]);
        norm(ours[i]);
        fprintf(o, "%08x %08x %-40s | %s\n", addr, words[i], ours[i], theirs[i]);
        int isform = form_of[i] >= 0;
        nform_words += isform;
        if (!strcmp(ours[i], theirs[i])) {
            if (isform) agree++, form_ok[form_of[i]] = 1; else ragree++;
        } else {
            kd *k = known("disasm", ours[i], theirs[i]);
            if (k) {
                k->hits++;
                if (isform) knownd++, form_ok[form_of[i]] = 1; else rknown++;
            } else if (isform) {
                if (bad++ < 40) printf("DIFF form %s word %08x at %x: vlab '%s' objdump '%s'\n",
                                       ppc_insns[form_of[i]].mnemonic, words[i], addr, ours[i], theirs[i]);
            } else {
                if (rbad++ < 20) printf("DIFF other word %08x at %x: vlab '%s' objdump '%s'\n", words[i], addr, ours[i], theirs[i]);
            }
        }
        /* round trip through vlab's assembler, at the same address */
        uint8_t *out = NULL;
        size_t len = 0;
        char err[256];
        if (ppc_assemble(PPC_750, ours[i], addr, &out, &len, err, sizeof err) == 0 && len == 4 &&
            vl_be32(out) == words[i]) rt_ok++;
        else if (rt_bad++ < 40) printf("ROUNDTRIP vlab asm: word %08x at %x '%s' -> %s\n", words[i], addr, ours[i],
                                    len == 4 ? "other word" : err);
        free(out);
        char gl[256];
        if (valid[i] && isform) gas_line(i, ours[i], gl, sizeof gl);
        else snprintf(gl, sizeof gl, ".long 0x%x", words[i]);
        fprintf(g, "\t%s\n", gl);
    }
    fclose(g);
    fclose(o);
    int covered = 0;
    for (int i = 0; i < nforms; i++) {
        if (form_ok[i]) covered++;
        else printf("FORM %s: no word agrees with objdump\n", ppc_insns[i].mnemonic);
    }
    printf("binutils_ppc: %d forms in the decode table, %d checked against objdump -m powerpc:750 (%ld words)\n",
           nforms, covered, nform_words);
    printf("binutils_ppc: disasm: %ld agree, %ld known differences, %ld unexplained\n", agree, knownd, bad);
    printf("binutils_ppc: other words (illegal variants, random): %ld agree, %ld known differences, %ld unexplained (%d words)\n", ragree,
           rknown, rbad, nw - (int)nform_words);
    for (int i = 0; i < nkd; i++)
        if (!strcmp(kds[i].kind, "disasm") && kds[i].hits)
            printf("binutils_ppc:   known: %-28s %ld\n", kds[i].name, kds[i].hits);
    printf("binutils_ppc: round trip through vlab asm: %ld of %d identical\n", rt_ok, nw);
    free(theirs);
    free(form_ok);
    return bad || rbad || rt_bad || covered != nforms ? 1 : 0;
}

/* GNU as errors. Pass A (-mppc): failing lines become .long in gasA.s and
 * are kept (alone) in gasB.s for pass B (-m750cl, which knows the 750's own
 * SPR mnemonics). Pass B: lines failing again are classified. */
static unsigned char failA[MAXW + 8], failB[MAXW + 8];
static int read_fails(const char *errf, unsigned char *bad) {
    char line[1024];
    FILE *f = fopen(errf, "r");
    if (!f) { perror(errf); return 0; }
    while (fgets(line, sizeof line, f)) {
        char *c = strstr(line, ".s:");
        if (!c) continue;
        long i = strtol(c + 3, NULL, 10) - 3; /* line 1 .text, 2 base: */
        if (i >= 0 && i < nw) bad[i] = 1;
    }
    fclose(f);
    return 1;
}
static char (*glines)[256];
static int read_lines(const char *path) {
    FILE *f = fopen(path, "r");
    if (!f) { perror(path); return -1; }
    if (!glines) glines = calloc((size_t)nw + 2, sizeof *glines);
    int n = 0;
    while (n < nw + 2 && fgets(glines[n], sizeof glines[0], f)) n++;
    fclose(f);
    return n;
}
static int write_lines(const char *path, int n, const unsigned char *keep_only, const unsigned char *to_long) {
    FILE *f = fopen(path, "w");
    if (!f) { perror(path); return 0; }
    for (int k = 0; k < n; k++) {
        long i = k - 2;
        if (i >= 0 && ((keep_only && !keep_only[i]) || (to_long && to_long[i]))) fprintf(f, "\t.long 0x%x\n", words[i]);
        else fputs(glines[k], f);
    }
    fclose(f);
    return 1;
}
static int cmd_gasfix(const char *dir, const char *pass, const char *errf, const char *knownf) {
    if (!load(dir) || !load_known(knownf)) return 2;
    char p[512], q[512];
    snprintf(p, sizeof p, "%s/gasA.s", dir);
    snprintf(q, sizeof q, "%s/gasB.s", dir);
    if (!strcmp(pass, "A")) {
        if (!read_fails(errf, failA)) return 2;
        int n = read_lines(p);
        if (n < 0 || !write_lines(q, n, failA, NULL) || !write_lines(p, n, NULL, failA)) return 2;
        snprintf(p, sizeof p, "%s/failA.bin", dir);
        FILE *f = fopen(p, "wb");
        fwrite(failA, 1, (size_t)nw, f);
        fclose(f);
        return 0;
    }
    if (!read_fails(errf, failB)) return 2;
    int n = read_lines(q);
    if (n < 0) return 2;
    long kn = 0, un = 0;
    for (int i = 0; i < nw; i++) {
        if (!failB[i]) continue;
        char t[256];
        snprintf(t, sizeof t, "%s", glines[i + 2]);
        norm(t);
        kd *d = known("gas", t, NULL);
        if (d) d->hits++, kn++;
        else if (un++ < 30) printf("GNU as refuses line %d: '%s'\n", i + 3, t);
    }
    if (!write_lines(q, n, NULL, failB)) return 2;
    snprintf(p, sizeof p, "%s/failB.bin", dir);
    FILE *f = fopen(p, "wb");
    fwrite(failB, 1, (size_t)nw, f);
    fclose(f);
    snprintf(p, sizeof p, "%s/gasfix.txt", dir);
    f = fopen(p, "w");
    fprintf(f, "%ld %ld\n", kn, un);
    for (int i = 0; i < nkd; i++)
        if (!strcmp(kds[i].kind, "gas") && kds[i].hits) fprintf(f, "%s\t%ld\n", kds[i].name, kds[i].hits);
    fclose(f);
    return 0;
}

static int cmd_gascmp(const char *dir) {
    if (!load(dir)) return 2;
    char p[512];
    FILE *fa, *fb, *f;
    snprintf(p, sizeof p, "%s/failA.bin", dir);
    if (!(f = fopen(p, "rb")) || fread(failA, 1, (size_t)nw, f) != (size_t)nw) { perror(p); return 2; }
    fclose(f);
    snprintf(p, sizeof p, "%s/failB.bin", dir);
    if (!(f = fopen(p, "rb")) || fread(failB, 1, (size_t)nw, f) != (size_t)nw) { perror(p); return 2; }
    fclose(f);
    snprintf(p, sizeof p, "%s/gasA.bin", dir);
    if (!(fa = fopen(p, "rb"))) { perror(p); return 2; }
    snprintf(p, sizeof p, "%s/gasB.bin", dir);
    if (!(fb = fopen(p, "rb"))) { perror(p); return 2; }
    long same = 0, diff = 0, checked = 0, viaB = 0;
    for (int i = 0; i < nw; i++) {
        uint8_t a[4], b[4];
        if (fread(a, 1, 4, fa) != 4 || fread(b, 1, 4, fb) != 4) { printf("GNU as output too short at word %d\n", i); return 1; }
        if (!(valid[i] && form_of[i] >= 0) || failB[i]) continue;
        checked++;
        uint32_t g = failA[i] ? vl_be32(b) : vl_be32(a);
        viaB += failA[i];
        if (g == words[i]) same++;
        else if (diff++ < 30) printf("ROUNDTRIP GNU as: word %08x at %x '%s': GNU as gives %08x\n", words[i], i * 4,
                                     glines ? "" : "", g);
    }
    fclose(fa);
    fclose(fb);
    long kn = 0, un = 0;
    snprintf(p, sizeof p, "%s/gasfix.txt", dir);
    f = fopen(p, "r");
    char line[256];
    if (f && fscanf(f, "%ld %ld\n", &kn, &un) == 2) {
        printf("binutils_ppc: round trip through GNU as: %ld of %ld valid-form words identical (%ld of them need -m750cl), "
               "%ld refused (known), %ld refused (unexplained), %ld different\n", same, checked, viaB, kn, un, diff);
        while (fgets(line, sizeof line, f)) printf("binutils_ppc:   known (GNU as): %s", line);
    }
    if (f) fclose(f);
    return diff || un ? 1 : 0;
}

int main(int argc, char **argv) {
    if (argc >= 3 && !strcmp(argv[1], "gen")) return cmd_gen(argv[2]);
    if (argc >= 4 && !strcmp(argv[1], "check")) return cmd_check(argv[2], argv[3]);
    if (argc >= 6 && !strcmp(argv[1], "gasfix")) return cmd_gasfix(argv[2], argv[3], argv[4], argv[5]);
    if (argc >= 3 && !strcmp(argv[1], "gascmp")) return cmd_gascmp(argv[2]);
    fprintf(stderr, "usage: ppc_judge gen|check|gasfix|gascmp DIR ...\n");
    return 2;
}
EOF

# The judge links the three PowerPC files and the assembler framework
# directly, so it does not depend on the rest of the library being buildable.
# Under make check-asan (BUILD=build-asan) it is built with the sanitizers.
JSAN=
case "$BUILD" in *asan*) JSAN="-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined" ;; esac
$CC -std=c11 -D_GNU_SOURCE -O1 -g $JSAN -Wall -Wextra -Iinclude -I. -o "$J" "$W/ppc_judge.c" \
    isa/ppc/decode.c isa/ppc/disasm.c isa/ppc/asm.c core/asm.c -lpthread || { echo "binutils_ppc: FAIL: build"; exit 1; }
"$J" gen "$W" || { echo "binutils_ppc: FAIL: gen"; exit 1; }
$OD -D -b binary -m powerpc:750 -EB "$W/words.bin" > "$W/od.txt" 2>"$W/od.err" ||
  { echo "binutils_ppc: FAIL: objdump"; cat "$W/od.err"; exit 1; }
rc=0
"$J" check "$W" "$KNOWN" || rc=1
# GNU as: pass A with -mppc; the lines it refuses again with -m750cl (the
# 750's own SPR names: mfhid0...); what both refuse must be a known difference.
$AS -mppc -mregnames -o "$W/gasA.o" "$W/gasA.s" 2>"$W/gasA.err"
"$J" gasfix "$W" A "$W/gasA.err" "$KNOWN" || rc=1
$AS -m750cl -mregnames -o "$W/gasB.o" "$W/gasB.s" 2>"$W/gasB.err"
"$J" gasfix "$W" B "$W/gasB.err" "$KNOWN" || rc=1
if $AS -mppc -mregnames -o "$W/gasA.o" "$W/gasA.s" 2>"$W/gasA2.err" &&
   $AS -m750cl -mregnames -o "$W/gasB.o" "$W/gasB.s" 2>"$W/gasB2.err"; then
  $OC -O binary -j .text "$W/gasA.o" "$W/gasA.bin" && $OC -O binary -j .text "$W/gasB.o" "$W/gasB.bin" &&
    "$J" gascmp "$W" || rc=1
else
  echo "binutils_ppc: FAIL: GNU as still refuses:"; head -20 "$W/gasA2.err" "$W/gasB2.err"; rc=1
fi
if [ $rc -eq 0 ]; then echo "binutils_ppc: ok"; else echo "binutils_ppc: FAILED (details above; files in $W)"; fi
exit $rc
