/* cli_sweep.c - `vlab table` and `vlab sweep` (DESIGN §4.1).
 *
 *   vlab table [--isa ISA[:MODEL]]... [--technique T] [--format md|csv|json|tex|html]
 *              [-o FILE] [--seed N] [--states N] [--filter TEXT] [--summary]
 *   vlab table --techniques all [--isa ISA[:MODEL]]... [--format md|csv|json] [-o FILE]
 *              [--seed N] [--states N]
 *   vlab sweep --isa ISA[:MODEL] [--technique T] [--format ...] [-o FILE] [--seed N]
 *              [--states N] [--filter TEXT] [--summary]
 *
 * table: every model when no --isa is given, forms grouped by mnemonic, a
 * cross-ISA summary; sweep: one model, one row per form. An ISA the monitor
 * cannot run yet is swept natively (technique "native", "not modelled"
 * under the monitor); naming a --technique for it is a usage error, and
 * `vlab table --technique T` over every model leaves it out with a note.
 * Exit status: 0, 1 when a measured class disagrees with the decode table
 * (an "error:" line each) or a requested model cannot be swept, 2 on a
 * usage error. --techniques all: one summary row per model x technique of
 * the registry (vmm/table_tech.c), a model a technique cannot sweep saying
 * why in its row. A progress line goes to stderr when stderr is a terminal. */
#include "vmm/sweep.h"
#include <errno.h>
#include <stdlib.h>
#include <stdarg.h>
#include <string.h>
#include <unistd.h>

int vl_cli_table(int argc, char **argv);
int vl_cli_sweep(int argc, char **argv);

#define MAXM 16

typedef struct cli_opts {
    const char *isa[MAXM], *model[MAXM];
    int nm;
    const char *technique, *out, *filter;
    int format, states;
    bool format_given, summary, all_techniques;
    uint64_t seed;
} cli_opts;

static void print_usage(FILE *f, const char *cmd) {
    fprintf(f, "usage: vlab %s %s\n", cmd,
            strcmp(cmd, "table") == 0
                ? "[--isa ISA[:MODEL]]... [--technique T | --techniques all] [--format md|csv|json|tex|html] "
                  "[-o FILE] [--seed N] [--states N] [--filter TEXT] [--summary]"
                : "--isa ISA[:MODEL] [--technique T] [--format md|csv|json|tex|html] [-o FILE] [--seed N] "
                  "[--states N] [--filter TEXT] [--summary]");
}

static int usage(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int usage(const char *cmd, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "vlab %s: ", cmd);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fprintf(stderr, "\n");
    print_usage(stderr, cmd);
    return 2;
}

static int parse_u64(const char *s, uint64_t *v) {
    if (!s || !*s || *s == '-') return -1;
    char *end;
    errno = 0;
    unsigned long long x = strtoull(s, &end, 0);
    if (errno || *end) return -1;
    *v = x;
    return 0;
}

static int parse(const char *cmd, int argc, char **argv, cli_opts *o) {
    memset(o, 0, sizeof *o);
    o->technique = NULL; /* trap-and-emulate, or natively where the monitor cannot run the ISA */
    o->format = VL_FMT_MD;
    o->states = 0; /* the model's default (vl_sweep_default_states) */
    for (int i = 0; i < argc; i++) {
        const char *a = argv[i];
        const char *val = NULL;
        const char *eq = NULL;
        if (!strncmp(a, "--", 2) && (eq = strchr(a, '='))) val = eq + 1;
        size_t alen = eq ? (size_t)(eq - a) : strlen(a);
#define IS(name) (alen == strlen(name) && !strncmp(a, name, alen))
        if (IS("--help") || IS("-h")) return 1;
        if (IS("--summary")) {
            if (val) return usage(cmd, "option '--summary' takes no value%s", "");
            o->summary = true;
            continue;
        }
        bool takes = IS("--isa") || IS("--technique") || IS("--format") || IS("-o") || IS("--output") ||
                     IS("--seed") || IS("--states") || IS("--filter") || IS("--techniques");
        if (!takes) return usage(cmd, a[0] == '-' ? "unknown option '%s'" : "unexpected argument '%s'", a);
        if (!val) {
            if (i + 1 >= argc) return usage(cmd, "option '%s' needs a value", a);
            val = argv[++i];
        }
        if (IS("--isa")) {
            if (o->nm == MAXM) return usage(cmd, "too many --isa options%s", "");
            char err[256];
            if (vlab_resolve(val, &o->isa[o->nm], &o->model[o->nm], err, sizeof err) < 0)
                return usage(cmd, "%s", err);
            o->nm++;
        } else if (IS("--techniques")) {
            if (strcmp(cmd, "table") != 0) return usage(cmd, "--techniques: a table option (vlab table --techniques all)%s", "");
            if (strcmp(val, "all") != 0) return usage(cmd, "--techniques: expected 'all', got '%s'", val);
            o->all_techniques = true;
        } else if (IS("--technique")) {
            int t = vl_technique_find(val);
            if (t < 0) return usage(cmd, "unknown technique '%s' (known: %s)", val, vl_technique_list());
            if (vl_technique_get(t)->no_sweep) return usage(cmd, "technique %s: %s", val, vl_technique_get(t)->no_sweep);
            o->technique = val;
        } else if (IS("--format")) {
            if ((o->format = vl_table_format_find(val)) < 0)
                return usage(cmd, "unknown format '%s' (known: md, csv, json, tex, html)", val);
            o->format_given = true;
        } else if (IS("-o") || IS("--output")) {
            o->out = val;
        } else if (IS("--seed")) {
            if (parse_u64(val, &o->seed) < 0) return usage(cmd, "--seed: not a number: '%s'", val);
        } else if (IS("--states")) {
            uint64_t n;
            if (parse_u64(val, &n) < 0 || n < 1 || n > 1024)
                return usage(cmd, "--states: expected a number from 1 to 1024, got '%s'", val);
            o->states = (int)n;
        } else if (IS("--filter")) {
            o->filter = val;
        }
#undef IS
    }
    /* -o x.html: the extension names the format when --format does not */
    const char *dot = o->out ? strrchr(o->out, '.') : NULL;
    if (!o->format_given && dot && !strchr(dot, '/')) {
        int f = !strcmp(dot + 1, "htm") ? VL_FMT_HTML : vl_table_format_find(dot + 1);
        if (f >= 0) o->format = f;
    }
    if (o->summary && o->format != VL_FMT_MD && o->format != VL_FMT_CSV && o->format != VL_FMT_JSON)
        return usage(cmd, "--summary: the summary is written as md, csv or json%s", "");
    if (o->all_techniques) {
        if (o->technique) return usage(cmd, "--techniques all and --technique %s: one or the other", o->technique);
        if (o->summary || o->filter)
            return usage(cmd, "--techniques all is a summary already: no %s", o->summary ? "--summary" : "--filter");
        if (o->format != VL_FMT_MD && o->format != VL_FMT_CSV && o->format != VL_FMT_JSON)
            return usage(cmd, "--techniques all: the table is written as md, csv or json%s", "");
    }
    return 0;
}

typedef struct prog_ctx {
    const char *isa;
} prog_ctx;

static void progress(void *ctx, const char *model, size_t done, size_t total) {
    prog_ctx *p = ctx;
    fprintf(stderr, "\rsweeping %s:%s: %zu/%zu forms ", p->isa, model, done, total);
    if (done == total) fprintf(stderr, "\r%*s\r", 60, "");
    fflush(stderr);
}

/* The output text to -o FILE or stdout: 0, or 1 with a message. */
static int write_text(const char *cmd, const char *out, const char *text) {
    FILE *f = stdout;
    if (out && strcmp(out, "-") && !(f = fopen(out, "w"))) {
        fprintf(stderr, "vlab %s: %s: %s\n", cmd, out, strerror(errno));
        return 1;
    }
    fputs(text, f);
    if (f != stdout && fclose(f) != 0) {
        fprintf(stderr, "vlab %s: %s: %s\n", cmd, out, strerror(errno));
        return 1;
    }
    if (f == stdout) fflush(stdout);
    return 0;
}

/* --techniques all: every model (o->nm of them) under every technique of
 * the registry, in its order; a model a technique cannot sweep keeps its
 * row with the reason. */
static int run_all_techniques(const char *cmd, const cli_opts *o) {
    size_t cap = (size_t)o->nm * VL_TECH_COUNT, n = 0;
    vl_tech_sweep *rows = calloc(cap ? cap : 1, sizeof *rows);
    vl_sweep_result *res = calloc(cap ? cap : 1, sizeof *res);
    int status = 0;
    if (!rows || !res) {
        free(rows);
        free(res);
        fprintf(stderr, "vlab %s: out of memory\n", cmd);
        return 1;
    }
    bool tty = isatty(2);
    for (int i = 0; i < o->nm; i++)
        for (int t = 0; t < VL_TECH_COUNT; t++) {
            const vl_technique *tech = vl_technique_get(t);
            if (!tech) continue;
            vl_tech_sweep *r = &rows[n++];
            r->isa = o->isa[i];
            r->model = o->model[i];
            r->technique = t;
            const char *why = vl_sweep_unmonitored(o->isa[i]);
            if (why) {
                snprintf(r->why, sizeof r->why, "%s", why);
                continue;
            }
            prog_ctx pc = { o->isa[i] };
            vl_sweep_opts so = { 0 };
            so.isa = o->isa[i];
            so.model = o->model[i];
            so.technique = tech->name;
            so.seed = o->seed;
            so.states = o->states;
            if (tty) {
                so.progress = progress;
                so.progress_ctx = &pc;
            }
            vl_sweep_result *sr = &res[n - 1];
            if (vl_sweep_run(&so, sr, r->why, sizeof r->why) < 0) continue;
            r->res = sr;
            if (vl_sweep_report_mismatches(sr, stderr)) status = 1;
        }
    char *text = vl_table_render_techniques(rows, n, o->format);
    if (!text) {
        fprintf(stderr, "vlab %s: out of memory\n", cmd);
        status = 1;
    } else {
        if (write_text(cmd, o->out, text)) status = 1;
        free(text);
    }
    for (size_t i = 0; i < n; i++)
        if (rows[i].res) vl_sweep_result_free(&res[i]);
    free(res);
    free(rows);
    return status;
}

static int run(const char *cmd, int argc, char **argv, bool grouped) {
    cli_opts o;
    int rc = parse(cmd, argc, argv, &o);
    if (rc == 1) {
        print_usage(stdout, cmd);
        printf("%s\n",
               grouped ? "Measure every instruction form of each model (default: all) and print the trap-vs-leak "
                         "table:\nforms grouped by mnemonic, one section per model, a cross-ISA summary first."
                       : "Measure every instruction form of one model and print one row per form.");
        printf("  --isa ISA[:MODEL]  m68k, m68k:68010, 68010, ppc...%s\n", grouped ? " (repeatable)" : "");
        printf("  --technique T      trap-and-emulate (default), hybrid, hw-assist, binary-translation or\n"
               "                     scan-and-patch (paravirt is refused: it needs a paravirtualized guest);\n"
               "                     an ISA the monitor cannot run yet is measured natively without --technique\n"
               "  --techniques all   (table) one summary row per model and technique of the monitor:\n"
               "                     forms, privileged, sensitive, leaks, Theorems 1 and 3, and what the\n"
               "                     sweep means for that technique (md, csv or json)\n"
               "  --format F         md (default), csv, json, tex, html\n"
               "  -o FILE            write to FILE instead of stdout; without --format, its\n"
               "                     extension (.md .csv .json .tex .html) names the format\n"
               "  --summary          only the summary: one row per model (md, csv or json)\n"
               "  --seed N           random states from seed N (default 0)\n"
               "  --states N         states per form (default 8 per user level: 8, x86 24)\n"
               "  --filter TEXT      show only forms whose mnemonic or form contains TEXT (every\n"
               "                     form is still measured: the counts and verdicts are the model's)\n"
               "Exit status: 0; 1 when a measured class disagrees with the decode table; 2 on a usage error.\n");
        return 0;
    }
    if (rc) return rc;
    bool all = false;
    if (!grouped && o.nm != 1) return usage(cmd, "%s", o.nm ? "give exactly one --isa" : "--isa is required");
    for (int i = 0; o.technique && i < o.nm; i++) {
        const char *why = vl_sweep_unmonitored(o.isa[i]);
        if (why) return usage(cmd, "--technique %s: %s (without --technique: the native columns)", o.technique, why);
    }
    if (o.nm == 0) {
        all = true;
        for (int i = 0; vlab_isa_name(i) && o.nm < MAXM; i++)
            for (int k = 0; vlab_model_name(vlab_isa_name(i), k) && o.nm < MAXM; k++) {
                o.isa[o.nm] = vlab_isa_name(i);
                o.model[o.nm] = vlab_model_name(vlab_isa_name(i), k);
                o.nm++;
            }
    }
    if (o.all_techniques) return run_all_techniques(cmd, &o);
    vl_sweep_result *res = calloc((size_t)o.nm, sizeof *res);
    if (!res) {
        fprintf(stderr, "vlab %s: out of memory\n", cmd);
        return 1;
    }
    size_t nres = 0;
    int status = 0;
    bool tty = isatty(2);
    for (int i = 0; i < o.nm; i++) {
        const char *why = all && o.technique ? vl_sweep_unmonitored(o.isa[i]) : NULL;
        if (why) { /* every model under a technique: the ones the monitor cannot run are left out */
            fprintf(stderr, "vlab %s: %s:%s left out: %s\n", cmd, o.isa[i], o.model[i], why);
            continue;
        }
        prog_ctx pc = { o.isa[i] };
        vl_sweep_opts so = { 0 };
        so.isa = o.isa[i];
        so.model = o.model[i];
        so.technique = o.technique;
        so.seed = o.seed;
        so.states = o.states;
        so.filter = o.filter;
        if (tty) {
            so.progress = progress;
            so.progress_ctx = &pc;
        }
        char err[512];
        int rc = vl_sweep_run(&so, &res[nres], err, sizeof err);
        if (rc < 0) {
            fprintf(stderr, "vlab %s: %s:%s: %s\n", cmd, o.isa[i], o.model[i], err);
            if (!all) status = rc == -2 ? 2 : 1;
            continue;
        }
        if (vl_sweep_report_mismatches(&res[nres], stderr)) status = 1;
        nres++;
    }
    if (nres) {
        char *text = o.summary ? vl_table_render_summary(res, nres, o.format) : vl_table_render(res, nres, o.format, grouped);
        if (!text) {
            fprintf(stderr, "vlab %s: out of memory\n", cmd);
            status = 1;
        } else {
            if (write_text(cmd, o.out, text)) status = 1;
            free(text);
        }
    } else if (!status) {
        fprintf(stderr, "vlab %s: no model could be swept\n", cmd);
        status = 1;
    }
    for (size_t i = 0; i < nres; i++) vl_sweep_result_free(&res[i]);
    free(res);
    return status;
}

int vl_cli_table(int argc, char **argv) { return run("table", argc, argv, true); }
int vl_cli_sweep(int argc, char **argv) { return run("sweep", argc, argv, false); }
