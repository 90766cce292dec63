/* x86_asm_judge.c - helper of tests/x86_asm_judge.sh: GNU as --32 as the
 * judge of vlab's x86 assembler (isa/x86-subset/asm.c).
 *
 *   x86_asm_judge CORPUS KNOWN WORKDIR
 *
 * Reads the corpus (tests/x86_asm_corpus.txt: its syntax is described at
 * its top), expands the memory-shape templates, and for every line or
 * program in both modes it names:
 *  - accepted lines: one GNU source with a label before each item, put
 *    through `as --32`, `ld -m elf_i386 -Ttext=0` (which resolves the
 *    branches to constant addresses) and `objcopy -O binary`; nm gives each
 *    item's address. vlab assembles each item alone at that address (with
 *    the item's .code16/.code32 first) on every model the item names; the
 *    bytes must be GNU's. A line for one model only must be an error on the
 *    other.
 *  - @reject lines: GNU as must report an error on the line, vlab must fail.
 *  - @warn lines: GNU as must warn and not fail; vlab must fail (the policy
 *    `warn` in the known differences).
 *  - @refuse NAME lines: GNU as takes them, vlab must fail, by the policy
 *    NAME in the known differences (x87, instructions of later CPUs...).
 * Then every row of the decode table must have been reached (decoding
 * vlab's bytes) in 32-bit and in 16-bit code, in its register and memory
 * forms, with both operand sizes and both address sizes where it has
 * them, unless KNOWN names the shape with the reason GNU as cannot produce
 * it. An entry of KNOWN that nothing uses is an error too (stale).
 *
 * KNOWN (tests/x86_asm_known_differences.txt), tab-separated:
 *     KIND <TAB> OPCODE[/REG] <TAB> reason
 * KIND: unreached (GNU as never encodes the row), no-register-form,
 * no-memory-form, no-16bit-operand, no-32bit-operand; OPCODE hexadecimal,
 * 0F xx written 0x1xx; or
 *     policy <TAB> NAME <TAB> reason
 * documenting a deliberate difference the corpus shows (@warn lines).
 * Exit status 0 when everything agrees. */
#include "isa/x86-subset/x86.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { SEC_ACCEPT, SEC_REJECT, SEC_WARN, SEC_REFUSE };
enum { MODEL_ALL, MODEL_I386, MODEL_P5 };

typedef struct item {
    char *text;    /* one line, or a program's lines */
    int mode;      /* 16 or 32 */
    int model;
    int sec;
    bool program;
    int srcline;   /* in the corpus */
    uint32_t addr; /* accepted: where GNU put it */
    uint32_t end;
    int gnuline;   /* reject/warn/refuse: its line in the GNU source */
    char policy[32]; /* @warn, @refuse: the known difference that says why */
} item;

static item *items;
static int nitems, capitems;
static char *shapes[64], *small[16];
static int nshapes, nsmall;
static int failures;

static void fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void fail(const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    if (failures < 60) {
        printf("FAIL: ");
        vprintf(fmt, ap);
        printf("\n");
    }
    va_end(ap);
    failures++;
}

static char *dup(const char *s) {
    char *d = strdup(s);
    if (!d) { perror("strdup"); exit(2); }
    return d;
}

static char cur_policy[32];

static void add(const char *text, int mode, int model, int sec, bool program, int srcline) {
    if (nitems == capitems) {
        capitems = capitems ? capitems * 2 : 1024;
        items = realloc(items, (size_t)capitems * sizeof *items);
        if (!items) { perror("realloc"); exit(2); }
    }
    items[nitems] = (item){ dup(text), mode, model, sec, program, srcline, 0, 0, 0, "" };
    snprintf(items[nitems].policy, sizeof items[nitems].policy, "%s", sec == SEC_WARN ? "warn" : cur_policy);
    nitems++;
}

/* The word lists of the placeholders other than {M} and {m}. */
static const char *const alu_names[] = { "add", "or", "adc", "sbb", "and", "sub", "xor", "cmp", NULL };
static const char *const rot_names[] = { "rol", "ror", "rcl", "rcr", "shl", "shr", "sal", "sar", NULL };
static const char *const un_names[] = { "not", "neg", "mul", "imul", "div", "idiv", NULL };
static const char *const cc_names[] = { "o", "no", "b", "c", "nae", "ae", "nb", "nc", "e", "z", "ne", "nz", "be",
                                        "na", "a", "nbe", "s", "ns", "p", "pe", "np", "po", "l", "nge", "ge", "nl",
                                        "le", "ng", "g", "nle", NULL };

/* The line with its first placeholder replaced by each of its words (and
 * the rest expanded the same way), in each mode. */
static void expand(const char *line, int modes, int model, int sec, int srcline) {
    static const struct { const char *ph; const char *const *words; } ph[] = {
        { "{alu}", alu_names }, { "{rot}", rot_names }, { "{un}", un_names }, { "{cc}", cc_names },
        { "{M}", NULL }, { "{m}", NULL },
    };
    const char *at = NULL;
    int which = -1;
    for (int k = 0; k < 6; k++) {
        const char *t = strstr(line, ph[k].ph);
        if (t && (!at || t < at)) at = t, which = k;
    }
    if (!at) {
        if (modes & 1) add(line, 32, model, sec, false, srcline);
        if (modes & 2) add(line, 16, model, sec, false, srcline);
        return;
    }
    size_t pl = strlen(ph[which].ph);
    const char *const *words = ph[which].words;
    int n = words ? 0 : which == 4 ? nshapes : nsmall;
    if (words)
        while (words[n]) n++;
    for (int i = 0; i < n; i++) {
        const char *w = words ? words[i] : which == 4 ? shapes[i] : small[i];
        char buf[512];
        snprintf(buf, sizeof buf, "%.*s%s%s", (int)(at - line), line, w, at + pl);
        expand(buf, modes, model, sec, srcline);
    }
}

static void load_corpus(const char *path) {
    FILE *f = fopen(path, "r");
    if (!f) { perror(path); exit(2); }
    char line[512];
    int modes = 3, model = MODEL_ALL, sec = SEC_ACCEPT, ln = 0;
    char *prog = NULL;
    size_t proglen = 0;
    int progline = 0;
    while (fgets(line, sizeof line, f)) {
        ln++;
        line[strcspn(line, "\r\n")] = 0;
        char *p = line;
        while (isspace((unsigned char)*p)) p++;
        if (prog) {
            if (!strcmp(p, "@end")) {
                add(prog, 32, model, SEC_ACCEPT, true, progline);
                free(prog);
                prog = NULL;
                continue;
            }
            size_t l = strlen(line);
            prog = realloc(prog, proglen + l + 2);
            memcpy(prog + proglen, line, l);
            proglen += l;
            prog[proglen++] = '\n';
            prog[proglen] = 0;
            continue;
        }
        if (!*p || *p == '#') continue;
        if (*p == '@') {
            if (!strcmp(p, "@both")) modes = 3;
            else if (!strcmp(p, "@32")) modes = 1;
            else if (!strcmp(p, "@16")) modes = 2;
            else if (!strcmp(p, "@model all")) model = MODEL_ALL;
            else if (!strcmp(p, "@model i386")) model = MODEL_I386;
            else if (!strcmp(p, "@model pentium")) model = MODEL_P5;
            else if (!strcmp(p, "@reject")) sec = SEC_REJECT;
            else if (!strcmp(p, "@warn")) sec = SEC_WARN;
            else if (!strncmp(p, "@refuse ", 8)) sec = SEC_REFUSE, snprintf(cur_policy, sizeof cur_policy, "%s", p + 8);
            else if (!strcmp(p, "@accept")) sec = SEC_ACCEPT;
            else if (!strncmp(p, "@mem ", 5) && nshapes < 64) shapes[nshapes++] = dup(p + 5);
            else if (!strncmp(p, "@memsmall ", 10) && nsmall < 16) small[nsmall++] = dup(p + 10);
            else if (!strncmp(p, "@program ", 9)) {
                prog = calloc(1, 1);
                proglen = 0;
                progline = ln;
            } else {
                fprintf(stderr, "%s:%d: unknown directive %s\n", path, ln, p);
                exit(2);
            }
            continue;
        }
        expand(line, modes, model, sec, ln);
    }
    fclose(f);
    if (prog) { fprintf(stderr, "%s: @program without @end\n", path); exit(2); }
}

/* ---- known differences ---------------------------------------------------------- */

typedef struct known {
    char kind[24];
    int opcode, reg; /* reg -1: any */
    char name[64];
    char reason[300];
    int hits;
} known;

static known kn[128];
static int nkn;

static void load_known(const char *path) {
    FILE *f = fopen(path, "r");
    if (!f) { perror(path); exit(2); }
    char line[1024];
    while (fgets(line, sizeof line, f)) {
        line[strcspn(line, "\r\n")] = 0;
        if (!line[0] || line[0] == '#') continue;
        char *a = strtok(line, "\t"), *b = strtok(NULL, "\t"), *c = strtok(NULL, "\t");
        if (!a || !b || !c || nkn == 128) { fprintf(stderr, "%s: bad line '%s'\n", path, line); exit(2); }
        known *k = &kn[nkn++];
        memset(k, 0, sizeof *k);
        snprintf(k->kind, sizeof k->kind, "%s", a);
        snprintf(k->reason, sizeof k->reason, "%s", c);
        k->reg = -1;
        if (!strcmp(a, "policy")) {
            snprintf(k->name, sizeof k->name, "%s", b);
        } else {
            char *slash;
            k->opcode = (int)strtol(b, &slash, 16);
            if (*slash == '/') k->reg = atoi(slash + 1);
        }
    }
    fclose(f);
}

/* Is shape KIND of row r excused? */
static bool excused(const char *kind, const x86_insn *r) {
    for (int i = 0; i < nkn; i++)
        if (!strcmp(kn[i].kind, kind) && kn[i].opcode == r->opcode && (kn[i].reg < 0 || kn[i].reg == r->reg)) {
            kn[i].hits++;
            return true;
        }
    return false;
}

static bool policy(const char *name) {
    for (int i = 0; i < nkn; i++)
        if (!strcmp(kn[i].kind, "policy") && !strcmp(kn[i].name, name)) return kn[i].hits++, true;
    return false;
}

/* ---- running GNU binutils --------------------------------------------------------------- */

static int run(const char *cmd) {
    int rc = system(cmd);
    return rc;
}

static char *slurp(const char *path, size_t *len) {
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *b = malloc((size_t)n + 1);
    if (!b || fread(b, 1, (size_t)n, f) != (size_t)n) { fclose(f); free(b); return NULL; }
    b[n] = 0;
    fclose(f);
    if (len) *len = (size_t)n;
    return b;
}

/* ---- vlab --------------------------------------------------------------------------------- */

static int vlab(int variant, const item *it, uint32_t org, uint8_t **out, size_t *len, char *err, size_t errsz) {
    size_t n = strlen(it->text) + 16;
    char *src = malloc(n);
    snprintf(src, n, "%s\n%s", it->mode == 16 ? ".code16" : ".code32", it->text);
    int rc = x86_assemble(variant, src, org, out, len, err, errsz);
    free(src);
    return rc;
}

static void hex(char *buf, size_t sz, const uint8_t *b, size_t n) {
    buf[0] = 0;
    for (size_t i = 0; i < n && 3 * i + 4 < sz; i++) snprintf(buf + 3 * i, sz - 3 * i, "%02x ", b[i]);
}

/* ---- coverage ------------------------------------------------------------------------------- */

enum { S_32 = 1, S_16 = 2, S_REG = 4, S_MEM = 8, S_O16 = 16, S_O32 = 32, S_A16 = 64, S_A32 = 128 };
static unsigned *seen;

static void cover(int variant, const uint8_t *b, size_t n, int mode) {
    size_t i = 0;
    while (i < n) {
        x86_decoded d;
        if (x86_decode(variant, b + i, n - i, mode == 32, &d) != 0 || !d.in || !d.len) return;
        unsigned s = mode == 32 ? S_32 : S_16;
        if (d.has_modrm) s |= d.mod == 3 ? S_REG : S_MEM;
        s |= d.opsize == 2 ? S_O16 : S_O32;
        if (d.has_modrm && d.mod != 3) s |= d.adsize == 2 ? S_A16 : S_A32;
        seen[d.in - x86_insns] |= s;
        i += d.len;
    }
}

static bool has_kind(const x86_insn *r, int lo, int hi) {
    for (int k = 0; k < 3; k++)
        if (r->opd[k] >= lo && r->opd[k] <= hi) return true;
    return false;
}

static bool v_row(const x86_insn *r) {
    static const int v[] = { X86_O_EV, X86_O_GV, X86_O_ZV, X86_O_EAX, X86_O_IV, X86_O_XV, X86_O_YV, X86_O_OV,
                             X86_O_JV, X86_O_AP, X86_O_MP };
    for (int k = 0; k < 3; k++)
        for (size_t j = 0; j < sizeof v / sizeof v[0]; j++)
            if (r->opd[k] == v[j]) return true;
    return (r->flags & (X86_F_STACK | X86_F_FAR)) || r->op == X86_OP_CBW || r->op == X86_OP_CWD ||
           r->op == X86_OP_LGDT || r->op == X86_OP_LIDT || r->op == X86_OP_SGDT || r->op == X86_OP_SIDT;
}

static void check_coverage(void) {
    int rows = 0, full = 0, partial = 0;
    for (int i = 0; i < x86_ninsns; i++) {
        const x86_insn *r = &x86_insns[i];
        unsigned s = seen[i];
        char what[64];
        if (r->reg >= 0) snprintf(what, sizeof what, "row %d '%s' 0x%x/%d", i, r->name, r->opcode, r->reg);
        else snprintf(what, sizeof what, "row %d '%s' 0x%x", i, r->name, r->opcode);
        rows++;
        if (!s) {
            if (!excused("unreached", r)) fail("%s is never reached by the corpus", what);
            else partial++;
            continue;
        }
        int before = 0;
        for (int k = 0; k < nkn; k++) before += kn[k].hits;
        bool ok = true;
        if (!(s & S_32)) ok = false, fail("%s: no line in 32-bit code", what);
        if (!(s & S_16)) ok = false, fail("%s: no line in 16-bit code", what);
        bool e_any = r->mod == X86_MOD_ANY && has_kind(r, X86_O_EB, X86_O_EV);
        if (e_any && !(s & S_REG) && !excused("no-register-form", r)) ok = false, fail("%s: no register form", what);
        if (r->mod != X86_MOD_NONE && r->mod != X86_MOD_REG && !(r->opcode >= 0x120 && r->opcode <= 0x127)) {
            if (!(s & S_MEM)) {
                if (!excused("no-memory-form", r)) ok = false, fail("%s: no memory form", what);
            } else {
                if (!(s & S_A16)) ok = false, fail("%s: no 16-bit address", what);
                if (!(s & S_A32)) ok = false, fail("%s: no 32-bit address", what);
            }
        }
        if (v_row(r)) {
            if (!(s & S_O16) && !excused("no-16bit-operand", r)) ok = false, fail("%s: no 16-bit operand size", what);
            if (!(s & S_O32) && !excused("no-32bit-operand", r)) ok = false, fail("%s: no 32-bit operand size", what);
        }
        int after = 0;
        for (int k = 0; k < nkn; k++) after += kn[k].hits;
        if (ok && after == before) full++;
        else if (ok) partial++;
    }
    printf("coverage: %d of %d table rows in every shape they take; %d as far as GNU as can produce them (known differences)\n",
           full, rows, partial);
}

/* ---- main ------------------------------------------------------------------------------------ */

int main(int argc, char **argv) {
    if (argc != 4) {
        fprintf(stderr, "usage: %s CORPUS KNOWN WORKDIR\n", argv[0]);
        return 2;
    }
    load_corpus(argv[1]);
    load_known(argv[2]);
    const char *dir = argv[3];
    char path[1024], cmd[4096];
    seen = calloc((size_t)x86_ninsns, sizeof *seen);

    /* 1. the accepted items, in one GNU source */
    snprintf(path, sizeof path, "%s/ok.s", dir);
    FILE *f = fopen(path, "w");
    if (!f) { perror(path); return 2; }
    /* the programs first: their 16-bit absolute addresses must stay below 64K */
    for (int pass = 0; pass < 2; pass++)
        for (int i = 0; i < nitems; i++) {
            item *it = &items[i];
            if (it->sec != SEC_ACCEPT || it->program != (pass == 0)) continue;
            fprintf(f, ".code%d\n__j%d:\n%s\n", it->mode, i, it->text);
        }
    fprintf(f, "__jend:\n");
    fclose(f);
    snprintf(cmd, sizeof cmd,
             "cd '%s' && as --32 -o ok.o ok.s 2>ok.err && ld -m elf_i386 -Ttext=0 -e 0 -o ok.elf ok.o 2>>ok.err && "
             "objcopy -O binary -j .text ok.elf ok.bin 2>>ok.err && nm -n ok.elf >ok.nm 2>>ok.err",
             dir);
    if (run(cmd) != 0) {
        snprintf(path, sizeof path, "%s/ok.err", dir);
        char *e = slurp(path, NULL);
        snprintf(path, sizeof path, "%s/ok.s", dir);
        char *src = slurp(path, NULL);
        printf("GNU binutils refused accepted lines of the corpus:\n");
        for (char *l = e ? strtok(e, "\n") : NULL; l; l = strtok(NULL, "\n")) {
            int gl;
            if (!strstr(l, "Error") && strncmp(l, "ld", 2) && !strstr(l, "objcopy")) continue;
            printf("  %s", l);
            if (sscanf(l, "ok.s:%d:", &gl) == 1 && src) { /* show the line */
                char *p = src;
                for (int k = 1; k < gl && p; k++) p = strchr(p, '\n'), p = p ? p + 1 : NULL;
                if (p) printf("   [%.*s]", (int)strcspn(p, "\n"), p);
            }
            printf("\n");
        }
        return 1;
    }
    size_t binlen = 0;
    snprintf(path, sizeof path, "%s/ok.bin", dir);
    uint8_t *bin = (uint8_t *)slurp(path, &binlen);
    snprintf(path, sizeof path, "%s/ok.nm", dir);
    char *nm = slurp(path, NULL);
    if (!bin || !nm) { printf("no GNU output\n"); return 1; }
    uint32_t endaddr = 0;
    for (char *l = strtok(nm, "\n"); l; l = strtok(NULL, "\n")) {
        unsigned a;
        char t, name[64];
        if (sscanf(l, "%x %c %63s", &a, &t, name) != 3 || strncmp(name, "__j", 3)) continue;
        if (!strcmp(name, "__jend")) endaddr = a;
        else {
            int k = atoi(name + 3);
            if (k >= 0 && k < nitems) items[k].addr = a;
        }
    }
    for (int i = 0; i < nitems; i++) { /* an item ends where the next one (by address) starts */
        if (items[i].sec != SEC_ACCEPT) continue;
        uint32_t end = endaddr;
        for (int j = 0; j < nitems; j++)
            if (items[j].sec == SEC_ACCEPT && j != i && items[j].addr >= items[i].addr && items[j].addr < end &&
                (items[j].addr > items[i].addr || j > i))
                end = items[j].addr;
        items[i].end = end;
    }
    if (endaddr > binlen) { printf("GNU output shorter than its labels say\n"); return 1; }

    int compared = 0, refused = 0, lines16 = 0, lines32 = 0, programs = 0;
    for (int i = 0; i < nitems; i++) {
        item *it = &items[i];
        if (it->sec != SEC_ACCEPT) continue;
        for (int v = 0; v < X86_NMODELS; v++) {
            bool on = it->model == MODEL_ALL || (it->model == MODEL_I386) == (v == X86_I386);
            uint8_t *out = NULL;
            size_t len = 0;
            char err[256];
            int rc = vlab(v, it, it->addr, &out, &len, err, sizeof err);
            const char *mname = v == X86_I386 ? "i386" : "pentium";
            if (!on) {
                if (rc == 0) fail("corpus line %d (%s, .code%d): assembled on the %s, which has no such instruction: %s",
                                  it->srcline, it->text, it->mode, mname, it->text);
                else if (!strstr(err, "is not an instruction of the"))
                    fail("corpus line %d (%s) on the %s: error '%s', want 'not an instruction of the %s'", it->srcline,
                         it->text, mname, err, mname == NULL ? "" : (v == X86_I386 ? "i386" : "Pentium"));
                free(out);
                continue;
            }
            size_t glen = it->end - it->addr;
            if (rc != 0) {
                char g[256];
                hex(g, sizeof g, bin + it->addr, glen);
                fail("corpus line %d (.code%d, %s): \"%s\": vlab: %s; GNU: %s", it->srcline, it->mode, mname,
                     it->program ? "(program)" : it->text, err, g);
            } else if (len != glen || memcmp(out, bin + it->addr, len)) {
                char g[256], o[256];
                hex(g, sizeof g, bin + it->addr, glen);
                hex(o, sizeof o, out, len);
                if (it->program) {
                    size_t k = 0;
                    while (k < len && k < glen && out[k] == bin[it->addr + k]) k++;
                    fail("corpus program at line %d: differs from byte %zu (vlab %zu bytes, GNU %zu)", it->srcline, k, len, glen);
                } else {
                    fail("corpus line %d (.code%d, %s): \"%s\": vlab %s, GNU %s", it->srcline, it->mode, mname, it->text, o, g);
                }
            } else {
                compared++;
                if (!it->program) cover(v, out, len, it->mode);
            }
            free(out);
        }
        if (it->program) programs++;
        else if (it->mode == 16) lines16++;
        else lines32++;
    }

    /* 2. what GNU refuses, warns about, or takes where vlab does not */
    for (int sec = SEC_REJECT; sec <= SEC_REFUSE; sec++) {
        const char *name = sec == SEC_REJECT ? "reject" : sec == SEC_WARN ? "warn" : "refuse";
        snprintf(path, sizeof path, "%s/%s.s", dir, name);
        f = fopen(path, "w");
        if (!f) { perror(path); return 2; }
        int gl = 0, n = 0;
        for (int i = 0; i < nitems; i++) {
            item *it = &items[i];
            if (it->sec != sec) continue;
            fprintf(f, ".code%d\n%s\n", it->mode, it->text);
            gl += 2;
            it->gnuline = gl;
            n++;
        }
        fclose(f);
        if (!n) continue;
        snprintf(cmd, sizeof cmd, "cd '%s' && as --32 -o %s.o %s.s >%s.err 2>&1", dir, name, name, name);
        run(cmd);
        snprintf(path, sizeof path, "%s/%s.err", dir, name);
        char *msgs = slurp(path, NULL);
        if (!msgs) msgs = dup("");
        for (int i = 0; i < nitems; i++) {
            item *it = &items[i];
            if (it->sec != sec) continue;
            char key[64];
            snprintf(key, sizeof key, "%s.s:%d: Error", name, it->gnuline);
            bool gerr = strstr(msgs, key) != NULL;
            snprintf(key, sizeof key, "%s.s:%d: Warning", name, it->gnuline);
            bool gwarn = strstr(msgs, key) != NULL;
            if (sec == SEC_REJECT && !gerr)
                fail("corpus line %d (.code%d): GNU as does not refuse \"%s\"", it->srcline, it->mode, it->text);
            if (sec != SEC_REJECT && gerr)
                fail("corpus line %d (.code%d): GNU as refuses \"%s\" (move it to @reject)", it->srcline, it->mode, it->text);
            if (sec == SEC_WARN && !gwarn)
                fail("corpus line %d (.code%d): GNU as does not warn about \"%s\"", it->srcline, it->mode, it->text);
            if (sec != SEC_REJECT && !policy(it->policy))
                fail("corpus line %d: no 'policy %s' entry in the known differences says why vlab refuses it",
                     it->srcline, it->policy);
            for (int v = 0; v < X86_NMODELS; v++) {
                uint8_t *out = NULL;
                size_t len = 0;
                char err[256];
                if (vlab(v, it, 0, &out, &len, err, sizeof err) == 0) {
                    char o[256];
                    hex(o, sizeof o, out, len);
                    fail("corpus line %d (.code%d): vlab assembles \"%s\" (%s) where GNU as %s", it->srcline, it->mode,
                         it->text, o, sec == SEC_REJECT ? "refuses it" : sec == SEC_WARN ? "shortens a value" : "is refused by policy");
                } else if (!strchr(err, ':')) {
                    fail("corpus line %d: error without LINE:COL: %s", it->srcline, err);
                } else {
                    refused++;
                }
                free(out);
            }
        }
        free(msgs);
    }

    check_coverage();
    for (int i = 0; i < nkn; i++)
        if (!kn[i].hits) fail("known difference '%s %x' is not used any more (stale)", kn[i].kind, kn[i].opcode);
    printf("corpus: %d lines in .code32, %d in .code16, %d programs; %d assemblies give GNU's bytes, %d refusals agree\n",
           lines32, lines16, programs, compared, refused);
    if (failures > 60) printf("(%d failures, the first 60 shown)\n", failures);
    for (int i = 0; i < nitems; i++) free(items[i].text);
    for (int i = 0; i < nshapes; i++) free(shapes[i]);
    for (int i = 0; i < nsmall; i++) free(small[i]);
    free(items);
    free(seen);
    free(nm);
    free(bin);
    return failures ? 1 : 0;
}
