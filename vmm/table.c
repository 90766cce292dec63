/* table.c - rendering sweep results (DESIGN §4.3): md, csv, json, tex, html.
 *
 * `vlab sweep` shows one row per instruction form; `vlab table` (grouped)
 * groups the forms of a model by mnemonic, one section per model, after a
 * cross-ISA summary. CSV and JSON always carry one row per form (they are
 * for scripts and spreadsheets); JSON follows DESIGN §4.3, one object per
 * model, an array of them when there are several (docs/popek-goldberg.md).
 * The output depends only on the results: the same seed gives the same bytes. */
#include "vmm/sweep.h"
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

typedef struct sbuf {
    char *p;
    size_t n, cap;
    bool oom;
} sbuf;

static void sb_grow(sbuf *b, size_t more) {
    if (b->oom || b->n + more + 1 <= b->cap) return;
    size_t cap = b->cap ? b->cap : 4096;
    while (cap < b->n + more + 1) cap *= 2;
    char *p = realloc(b->p, cap);
    if (!p) {
        b->oom = true;
        return;
    }
    b->p = p;
    b->cap = cap;
}

static void sb_put(sbuf *b, const char *s) {
    size_t l = strlen(s);
    sb_grow(b, l);
    if (b->oom) return;
    memcpy(b->p + b->n, s, l + 1);
    b->n += l;
}

static void sb_printf(sbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void sb_printf(sbuf *b, const char *fmt, ...) {
    char tmp[512];
    va_list ap;
    va_start(ap, fmt);
    int l = vsnprintf(tmp, sizeof tmp, fmt, ap);
    va_end(ap);
    if (l < 0) return;
    if ((size_t)l < sizeof tmp) {
        sb_put(b, tmp);
        return;
    }
    sb_grow(b, (size_t)l);
    if (b->oom) return;
    va_start(ap, fmt);
    vsnprintf(b->p + b->n, (size_t)l + 1, fmt, ap);
    va_end(ap);
    b->n += (size_t)l;
}

/* escapes per format */
static void esc(sbuf *b, int fmt, const char *s) {
    for (; *s; s++) {
        char c = *s;
        switch (fmt) {
        case VL_FMT_MD:
            if (c == '|') sb_put(b, "\\|");
            else if (c == '\n') sb_put(b, "<br>");
            else if (c == '*' || c == '_' || c == '<' || c == '`') {
                char t[3] = { '\\', c, 0 };
                sb_put(b, t);
            } else {
                char t[2] = { c, 0 };
                sb_put(b, t);
            }
            break;
        case VL_FMT_JSON:
            if (c == '"' || c == '\\') {
                char t[3] = { '\\', c, 0 };
                sb_put(b, t);
            } else if (c == '\n') sb_put(b, "\\n");
            else if ((unsigned char)c < 0x20) sb_printf(b, "\\u%04x", (unsigned char)c);
            else {
                char t[2] = { c, 0 };
                sb_put(b, t);
            }
            break;
        case VL_FMT_TEX:
            switch (c) {
            case '\\': sb_put(b, "\\textbackslash{}"); break;
            case '&': case '%': case '$': case '#': case '_': case '{': case '}': {
                char t[3] = { '\\', c, 0 };
                sb_put(b, t);
                break;
            }
            case '~': sb_put(b, "\\textasciitilde{}"); break;
            case '|': sb_put(b, "\\textbar{}"); break;
            case '<': sb_put(b, "\\textless{}"); break;
            case '>': sb_put(b, "\\textgreater{}"); break;
            case '^': sb_put(b, "\\textasciicircum{}"); break;
            case '\n': sb_put(b, ", "); break;
            default: {
                char t[2] = { c, 0 };
                sb_put(b, t);
            }
            }
            break;
        case VL_FMT_HTML:
            if (c == '&') sb_put(b, "&amp;");
            else if (c == '<') sb_put(b, "&lt;");
            else if (c == '>') sb_put(b, "&gt;");
            else if (c == '"') sb_put(b, "&quot;");
            else if (c == '\n') sb_put(b, "<br>");
            else {
                char t[2] = { c, 0 };
                sb_put(b, t);
            }
            break;
        default: {
            char t[2] = { c, 0 };
            sb_put(b, t);
        }
        }
    }
}

static void csv_field(sbuf *b, const char *s) {
    if (!strpbrk(s, ",\"\n")) {
        sb_put(b, s);
        return;
    }
    sb_put(b, "\"");
    for (; *s; s++) {
        if (*s == '"') sb_put(b, "\"\"");
        else {
            char t[2] = { *s, 0 };
            sb_put(b, t);
        }
    }
    sb_put(b, "\"");
}

int vl_table_format_find(const char *name) {
    static const char *const names[VL_FMT_COUNT] = { "md", "csv", "json", "tex", "html" };
    if (!name) return -1;
    for (int i = 0; i < VL_FMT_COUNT; i++)
        if (!strcmp(name, names[i])) return i;
    if (!strcmp(name, "markdown")) return VL_FMT_MD;
    return -1;
}

static void sens_text(unsigned s, char *out, size_t outsz) {
    out[0] = 0;
    size_t n = 0;
    static const char *const names[3] = { "control", "mode", "location" };
    for (int k = 0; k < 3; k++)
        if (s & (1u << k)) n += (size_t)snprintf(out + n, outsz - n, "%s%s", n ? ", " : "", names[k]);
}

static const char *yesno(bool v) { return v ? "yes" : "no"; }

/* A sweep without the monitor (its ISA has no glue yet): no leak was measured. */
static bool native_only(const vl_sweep_result *r) { return !strcmp(r->technique, VL_SWEEP_NATIVE); }
static void leaks_text(const vl_sweep_result *r, char *out, size_t outsz) {
    if (native_only(r)) snprintf(out, outsz, "n/a");
    else snprintf(out, outsz, "%d", r->sum.leaks);
}
static const char *holds(bool v) { return v ? "holds" : "fails"; }

/* ---- grouping by mnemonic --------------------------------------------------------- */

typedef struct group {
    const char *mnemonic;
    size_t first;           /* first row */
    int forms, legal, priv, outc[VL_OUT_COUNT];
    unsigned sens, declared_mask;
    const char *reason;
} group;

/* Groups in order of first appearance. Returns count; *out malloc'd. */
static size_t make_groups(const vl_sweep_result *r, group **out) {
    group *g = calloc(r->nrows ? r->nrows : 1, sizeof *g);
    size_t n = 0;
    if (!g) {
        *out = NULL;
        return 0;
    }
    for (size_t i = 0; i < r->nrows; i++) {
        const vl_sweep_row *w = &r->rows[i];
        size_t k = 0;
        while (k < n && strcmp(g[k].mnemonic, w->mnemonic)) k++;
        if (k == n) {
            g[n].mnemonic = w->mnemonic;
            g[n].first = i;
            n++;
        }
        group *x = &g[k];
        x->forms++;
        x->legal += w->outcome != VL_OUT_ILLEGAL;
        x->priv += w->privileged;
        x->outc[w->outcome]++;
        x->sens |= w->sensitive;
        x->declared_mask |= 1u << w->declared;
        if (!x->reason && w->outcome == VL_OUT_LEAKS) x->reason = w->reason;
    }
    *out = g;
    return n;
}

static void group_declared(const group *g, char *out, size_t outsz) {
    size_t n = 0;
    out[0] = 0;
    for (int c = 0; c < VL_CLASS_COUNT; c++)
        if (g->declared_mask & (1u << c)) n += (size_t)snprintf(out + n, outsz - n, "%s%s", n ? " / " : "", vl_class_name(c));
}

static void group_priv(const group *g, char *out, size_t outsz) {
    if (g->legal == 0) snprintf(out, outsz, "-");
    else if (g->priv == g->legal) snprintf(out, outsz, "yes");
    else if (g->priv == 0) snprintf(out, outsz, "no");
    else snprintf(out, outsz, "%d of %d forms", g->priv, g->legal);
}

static void group_outcome(const group *g, char *out, size_t outsz) {
    size_t n = 0;
    int kinds = 0;
    out[0] = 0;
    for (int o = 0; o < VL_OUT_COUNT; o++) kinds += g->outc[o] != 0;
    static const int order[VL_OUT_COUNT] = { VL_OUT_LEAKS, VL_OUT_TRAPS, VL_OUT_INTERPRETED, VL_OUT_DIRECT,
                                             VL_OUT_NOT_MODELLED, VL_OUT_ILLEGAL };
    for (int k = 0; k < VL_OUT_COUNT; k++) {
        int o = order[k];
        if (!g->outc[o]) continue;
        if (kinds == 1) n += (size_t)snprintf(out + n, outsz - n, "%s", vl_sweep_outcome_name(o));
        else n += (size_t)snprintf(out + n, outsz - n, "%s%s (%d)", n ? ", " : "", vl_sweep_outcome_name(o), g->outc[o]);
    }
}

/* ---- summary lines -------------------------------------------------------------------- */

static const char *const sum_head[] = { "ISA", "model", "technique", "forms", "privileged", "sensitive",
                                        "sensitive, not privileged", "user-sensitive, not privileged", "leaks",
                                        "Theorem 1", "Theorem 3", NULL };

static void sum_cells(const vl_sweep_result *r, char cells[11][48]) {
    const vl_sweep_summary *s = &r->sum;
    snprintf(cells[0], 48, "%s", r->isa);
    snprintf(cells[1], 48, "%s", r->model);
    snprintf(cells[2], 48, "%s", r->technique);
    snprintf(cells[3], 48, "%d", s->forms);
    snprintf(cells[4], 48, "%d", s->privileged);
    snprintf(cells[5], 48, "%d", s->sensitive);
    snprintf(cells[6], 48, "%d", s->sensitive_unprivileged);
    snprintf(cells[7], 48, "%d", s->user_sensitive_unprivileged);
    leaks_text(r, cells[8], 48);
    snprintf(cells[9], 48, "%s", holds(s->theorem1));
    snprintf(cells[10], 48, "%s", holds(s->theorem3));
}

static void verdict_line(const vl_sweep_result *r, char *out, size_t outsz) {
    const vl_sweep_summary *s = &r->sum;
    char iopl[48] = "", leaks[200];
    if (s->iopl) snprintf(iopl, sizeof iopl, " (and %d iopl-sensitive)", s->iopl);
    if (native_only(r)) {
        const char *why = vl_sweep_unmonitored(r->isa);
        snprintf(leaks, sizeof leaks, "measured natively only (%s)", why ? why : "no monitor");
    } else {
        snprintf(leaks, sizeof leaks, "%d leaking", s->leaks);
    }
    snprintf(out, outsz,
             "%d forms (and %d illegal ones): %d privileged%s, %d sensitive, %d sensitive but "
             "unprivileged, %d user-sensitive but unprivileged, %s; Theorem 1 %s, Theorem 3 %s; %llu executions "
             "from %d states, seed %llu",
             s->forms, s->illegal, s->privileged, iopl, s->sensitive, s->sensitive_unprivileged,
             s->user_sensitive_unprivileged, leaks, holds(s->theorem1), holds(s->theorem3), (unsigned long long)s->runs,
             r->states, (unsigned long long)r->seed);
}

/* ---- per-row cells ------------------------------------------------------------------------ */

static const char *const form_head[] = { "mnemonic", "form", "encodings", "declared", "privileged", "sensitive",
                                         "outcome", "reason", NULL };
static const char *const group_head[] = { "mnemonic", "forms", "declared", "privileged", "sensitive", "outcome",
                                          "reason", NULL };

/* the encodings of a row, shortened for tables meant for people */
static void enc_short(const vl_sweep_row *w, char *out, size_t outsz) {
    if (w->nenc <= 3) {
        snprintf(out, outsz, "%s", w->enc ? w->enc : "");
        return;
    }
    const char *nl = strchr(w->enc, '\n');
    int l = nl ? (int)(nl - w->enc) : (int)strlen(w->enc);
    snprintf(out, outsz, "%.*s ... (%d ranges)", l, w->enc, w->nenc);
}

static void row_cells(const vl_sweep_row *w, char c[8][160]) {
    snprintf(c[0], 160, "%s", w->mnemonic);
    snprintf(c[1], 160, "%s", w->form);
    enc_short(w, c[2], 160);
    snprintf(c[3], 160, "%s", vl_class_name(w->declared));
    snprintf(c[4], 160, "%s", yesno(w->privileged));
    sens_text(w->sensitive, c[5], 160);
    snprintf(c[6], 160, "%s", vl_sweep_outcome_name(w->outcome));
    snprintf(c[7], 160, "%s", w->reason);
    if (w->mismatch)
        snprintf(c[7], 160, "MISMATCH: declared %s, measured %s", vl_class_name(w->declared), vl_class_name(w->measured));
}

static void group_cells(const group *g, char c[8][160]) {
    snprintf(c[0], 160, "%s", g->mnemonic);
    snprintf(c[1], 160, "%d", g->forms);
    group_declared(g, c[2], 160);
    group_priv(g, c[3], 160);
    sens_text(g->sens, c[4], 160);
    group_outcome(g, c[5], 160);
    snprintf(c[6], 160, "%s", g->reason ? g->reason : "");
}

/* ---- markdown ------------------------------------------------------------------------------ */

static void md_row(sbuf *b, char c[][160], int n) {
    sb_put(b, "|");
    for (int i = 0; i < n; i++) {
        sb_put(b, " ");
        esc(b, VL_FMT_MD, c[i]);
        sb_put(b, " |");
    }
    sb_put(b, "\n");
}
static void md_head(sbuf *b, const char *const *h) {
    int n = 0;
    sb_put(b, "|");
    for (; h[n]; n++) sb_printf(b, " %s |", h[n]);
    sb_put(b, "\n|");
    for (int i = 0; i < n; i++) sb_put(b, "---|");
    sb_put(b, "\n");
}

static void render_md(sbuf *b, const vl_sweep_result *res, size_t nres, bool grouped) {
    sb_put(b, grouped ? "# Popek-Goldberg table: which instructions trap and which leak\n\n"
                      : "# Sweep: one row per instruction form\n\n");
    sb_put(b, "## Summary\n\n");
    md_head(b, sum_head);
    for (size_t i = 0; i < nres; i++) {
        char cells[11][48], c2[11][160];
        sum_cells(&res[i], cells);
        for (int k = 0; k < 11; k++) memcpy(c2[k], cells[k], sizeof cells[k]);
        md_row(b, c2, 11);
    }
    for (size_t i = 0; i < nres; i++) {
        const vl_sweep_result *r = &res[i];
        sb_printf(b, "\n## %s %s (%s)\n\n", r->isa, r->model, r->technique);
        char c[8][160];
        if (grouped) {
            group *g;
            size_t ng = make_groups(r, &g);
            md_head(b, group_head);
            for (size_t k = 0; k < ng; k++) {
                group_cells(&g[k], c);
                md_row(b, c, 7);
            }
            free(g);
        } else {
            md_head(b, form_head);
            for (size_t k = 0; k < r->nrows; k++) {
                row_cells(&r->rows[k], c);
                md_row(b, c, 8);
            }
        }
        char v[512];
        verdict_line(r, v, sizeof v);
        sb_put(b, "\n**Summary:** ");
        esc(b, VL_FMT_MD, v);
        sb_put(b, "\n");
    }
}

/* ---- csv ------------------------------------------------------------------------------------ */

static void render_csv(sbuf *b, const vl_sweep_result *res, size_t nres) {
    sb_put(b, "isa,model,technique,mnemonic,form,encodings,declared,measured,privileged,sensitive,user_sensitive,"
              "outcome,reason\n");
    for (size_t i = 0; i < nres; i++) {
        const vl_sweep_result *r = &res[i];
        for (size_t k = 0; k < r->nrows; k++) {
            const vl_sweep_row *w = &r->rows[k];
            char s[64], enc[4096];
            sens_text(w->sensitive, s, sizeof s);
            for (char *p = s; *p; p++)
                if (*p == ',') *p = ' ';
            /* collapse ", " into single spaces: "control mode" */
            char *q = s;
            for (char *p = s; *p; p++)
                if (!(*p == ' ' && p[1] == ' ')) *q++ = *p;
            *q = 0;
            snprintf(enc, sizeof enc, "%s", w->enc ? w->enc : "");
            for (char *p = enc; *p; p++)
                if (*p == '\n') *p = ' ';
            sb_printf(b, "%s,%s,%s,", r->isa, r->model, r->technique);
            csv_field(b, w->mnemonic);
            sb_put(b, ",");
            csv_field(b, w->form);
            sb_put(b, ",");
            csv_field(b, enc);
            sb_printf(b, ",%s,%s,%s,%s,%s,%s,", vl_class_name(w->declared), vl_class_name(w->measured),
                      w->privileged ? "true" : "false", s, w->user_sensitive ? "true" : "false",
                      vl_sweep_outcome_name(w->outcome));
            csv_field(b, w->reason);
            sb_put(b, "\n");
        }
        const vl_sweep_summary *m = &r->sum;
        char lk[16];
        leaks_text(r, lk, sizeof lk);
        sb_printf(b, "%s,%s,%s,summary,,,,,%d privileged,%d sensitive,%d user-sensitive,%s leaks,", r->isa, r->model,
                  r->technique, m->privileged, m->sensitive, m->user_sensitive, lk);
        char v[512];
        verdict_line(r, v, sizeof v);
        csv_field(b, v);
        sb_put(b, "\n");
    }
}

/* ---- json ------------------------------------------------------------------------------------ */

static void jstr(sbuf *b, const char *s) {
    sb_put(b, "\"");
    esc(b, VL_FMT_JSON, s);
    sb_put(b, "\"");
}

static void render_json_one(sbuf *b, const vl_sweep_result *r, const char *ind) {
    sb_printf(b, "%s{ \"isa\": ", ind);
    jstr(b, r->isa);
    sb_put(b, ", \"model\": ");
    jstr(b, r->model);
    sb_put(b, ", \"technique\": ");
    jstr(b, r->technique);
    sb_printf(b, ", \"seed\": %llu, \"states\": %d,\n%s  \"rows\": [", (unsigned long long)r->seed, r->states, ind);
    for (size_t k = 0; k < r->nrows; k++) {
        const vl_sweep_row *w = &r->rows[k];
        sb_printf(b, "%s\n%s    { \"mnemonic\": ", k ? "," : "", ind);
        jstr(b, w->mnemonic);
        sb_put(b, ", \"form\": ");
        jstr(b, w->form);
        sb_put(b, ", \"encodings\": [");
        const char *e = w->enc ? w->enc : "";
        for (int n = 0; *e || n == 0; n++) {
            const char *nl = strchr(e, '\n');
            size_t l = nl ? (size_t)(nl - e) : strlen(e);
            char tmp[128];
            snprintf(tmp, sizeof tmp, "%.*s", (int)l, e);
            if (n) sb_put(b, ", ");
            if (l || n == 0) jstr(b, tmp);
            e += l + (nl ? 1 : 0);
            if (!nl) break;
        }
        sb_put(b, "], \"declared\": ");
        jstr(b, vl_class_name(w->declared));
        sb_put(b, ", \"measured\": ");
        jstr(b, vl_class_name(w->measured));
        sb_printf(b, ", \"privileged\": %s, \"sensitive\": [", w->privileged ? "true" : "false");
        static const char *const names[3] = { "control", "mode", "location" };
        int n = 0;
        for (int s = 0; s < 3; s++)
            if (w->sensitive & (1u << s)) sb_printf(b, "%s\"%s\"", n++ ? ", " : "", names[s]);
        sb_printf(b, "], \"user_sensitive\": %s, \"outcome\": ", w->user_sensitive ? "true" : "false");
        jstr(b, vl_sweep_outcome_name(w->outcome));
        sb_put(b, ", \"reason\": ");
        jstr(b, w->reason);
        sb_put(b, " }");
    }
    const vl_sweep_summary *s = &r->sum;
    char lk[16];
    leaks_text(r, lk, sizeof lk);
    sb_printf(b,
              "\n%s  ],\n%s  \"summary\": { \"forms\": %d, \"privileged\": %d, \"sensitive\": %d, \"leaks\": %s, "
              "\"theorem1\": %s, \"theorem3\": %s, \"user_sensitive\": %d, \"sensitive_unprivileged\": %d, "
              "\"user_sensitive_unprivileged\": %d, \"iopl_sensitive\": %d, \"traps\": %d, \"runs_directly\": %d, "
              "\"illegal\": %d, \"mismatches\": %d, \"executions\": %llu } }",
              ind, ind, s->forms, s->privileged, s->sensitive, native_only(r) ? "null" : lk,
              s->theorem1 ? "true" : "false", s->theorem3 ? "true" : "false", s->user_sensitive,
              s->sensitive_unprivileged, s->user_sensitive_unprivileged, s->iopl, s->traps, s->direct, s->illegal,
              s->mismatches, (unsigned long long)s->runs);
}

static void render_json(sbuf *b, const vl_sweep_result *res, size_t nres) {
    if (nres == 1) {
        render_json_one(b, &res[0], "");
        sb_put(b, "\n");
        return;
    }
    sb_put(b, "[\n");
    for (size_t i = 0; i < nres; i++) {
        render_json_one(b, &res[i], "  ");
        sb_put(b, i + 1 < nres ? ",\n" : "\n");
    }
    sb_put(b, "]\n");
}

/* ---- tex (booktabs + longtable) ------------------------------------------------------------------ */

static void tex_row(sbuf *b, char c[][160], int n, int tt) {
    for (int i = 0; i < n; i++) {
        if (i) sb_put(b, " & ");
        if (i < tt && c[i][0]) sb_put(b, "\\texttt{");
        esc(b, VL_FMT_TEX, c[i]);
        if (i < tt && c[i][0]) sb_put(b, "}");
    }
    sb_put(b, " \\\\\n");
}

static void render_tex(sbuf *b, const vl_sweep_result *res, size_t nres, bool grouped) {
    sb_put(b, "% Generated by vlab. Needs \\usepackage{booktabs} and \\usepackage{longtable}.\n");
    sb_put(b, "\\begin{table}[ht]\n\\centering\n\\small\n\\begin{tabular}{lllrrrrrrll}\n\\toprule\n");
    sb_put(b, "ISA & model & technique & forms & priv. & sens. & sens.$\\setminus$priv. & "
              "user-sens.$\\setminus$priv. & leaks & Thm.~1 & Thm.~3 \\\\\n\\midrule\n");
    for (size_t i = 0; i < nres; i++) {
        char cells[11][48];
        sum_cells(&res[i], cells);
        for (int k = 0; k < 11; k++) {
            if (k) sb_put(b, " & ");
            esc(b, VL_FMT_TEX, cells[k]);
        }
        sb_put(b, " \\\\\n");
    }
    sb_put(b, "\\bottomrule\n\\end{tabular}\n\\caption{Popek--Goldberg verdicts, measured by the vlab sweep.}\n"
              "\\end{table}\n");
    for (size_t i = 0; i < nres; i++) {
        const vl_sweep_result *r = &res[i];
        char c[8][160];
        sb_printf(b, "\n%% %s %s\n", r->isa, r->model);
        if (grouped) {
            sb_put(b, "\\begin{longtable}{lrlllll}\n");
            sb_printf(b, "\\caption{%s %s under %s.}\\\\\n", r->isa, r->model, r->technique);
            sb_put(b, "\\toprule\nmnemonic & forms & declared & privileged & sensitive & outcome & reason \\\\\n"
                      "\\midrule\n\\endhead\n");
            group *g;
            size_t ng = make_groups(r, &g);
            for (size_t k = 0; k < ng; k++) {
                group_cells(&g[k], c);
                tex_row(b, c, 7, 1);
            }
            free(g);
        } else {
            sb_put(b, "\\begin{longtable}{llllllll}\n");
            sb_printf(b, "\\caption{%s %s under %s, one row per form.}\\\\\n", r->isa, r->model, r->technique);
            sb_put(b, "\\toprule\nmnemonic & form & encodings & declared & privileged & sensitive & outcome & reason "
                      "\\\\\n\\midrule\n\\endhead\n");
            for (size_t k = 0; k < r->nrows; k++) {
                row_cells(&r->rows[k], c);
                tex_row(b, c, 8, 2);
            }
        }
        char v[512];
        verdict_line(r, v, sizeof v);
        sb_put(b, "\\midrule\n\\multicolumn{");
        sb_put(b, grouped ? "7" : "8");
        sb_put(b, "}{l}{\\parbox{0.95\\linewidth}{");
        esc(b, VL_FMT_TEX, v);
        sb_put(b, "}} \\\\\n\\bottomrule\n\\end{longtable}\n");
    }
}

/* ---- html ------------------------------------------------------------------------------------------- */

static void html_row(sbuf *b, char c[][160], int n, const char *cls) {
    sb_printf(b, "<tr%s%s%s>", cls ? " class=\"" : "", cls ? cls : "", cls ? "\"" : "");
    for (int i = 0; i < n; i++) {
        sb_put(b, i < 2 ? "<td class=\"m\">" : "<td>");
        esc(b, VL_FMT_HTML, c[i]);
        sb_put(b, "</td>");
    }
    sb_put(b, "</tr>\n");
}

static void html_head(sbuf *b, const char *const *h) {
    sb_put(b, "<thead><tr>");
    for (int i = 0; h[i]; i++) sb_printf(b, "<th>%s</th>", h[i]);
    sb_put(b, "</tr></thead>\n<tbody>\n");
}

static void render_html(sbuf *b, const vl_sweep_result *res, size_t nres, bool grouped) {
    sb_put(b,
           "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
           "<title>vlab: Popek-Goldberg table</title>\n<style>\n"
           "body{font-family:sans-serif;font-size:20px;margin:1.5em;color:#111;background:#fff}\n"
           "h1{font-size:1.8em}h2{font-size:1.4em;margin-top:1.5em}\n"
           "table{border-collapse:collapse;margin:.5em 0}\n"
           "th,td{border-bottom:1px solid #bbb;padding:.25em .6em;text-align:left;vertical-align:top}\n"
           "th{background:#eee}td.m{font-family:monospace}\n"
           "tr.leaks td{background:#fdd;font-weight:bold}tr.traps td{background:#eef6ff}\n"
           "tr.mismatch td{background:#fc8}.holds{color:#060;font-weight:bold}.fails{color:#b00;font-weight:bold}\n"
           "</style>\n</head>\n<body>\n<h1>Which instructions trap, which leak</h1>\n<h2>Summary</h2>\n<table>\n");
    html_head(b, sum_head);
    for (size_t i = 0; i < nres; i++) {
        char cells[11][48];
        sum_cells(&res[i], cells);
        sb_put(b, "<tr>");
        for (int k = 0; k < 11; k++) {
            if (k >= 9) sb_printf(b, "<td class=\"%s\">", cells[k]);
            else sb_put(b, "<td>");
            esc(b, VL_FMT_HTML, cells[k]);
            sb_put(b, "</td>");
        }
        sb_put(b, "</tr>\n");
    }
    sb_put(b, "</tbody></table>\n<p>Theorem 1: a monitor can be built if every sensitive instruction is privileged. "
              "Theorem 3: a hybrid monitor can be built if every user-sensitive instruction is privileged.</p>\n");
    for (size_t i = 0; i < nres; i++) {
        const vl_sweep_result *r = &res[i];
        char c[8][160], v[512];
        sb_printf(b, "<h2>%s %s (%s)</h2>\n<p>", r->isa, r->model, r->technique);
        verdict_line(r, v, sizeof v);
        esc(b, VL_FMT_HTML, v);
        sb_put(b, "</p>\n<table>\n");
        if (grouped) {
            html_head(b, group_head);
            group *g;
            size_t ng = make_groups(r, &g);
            for (size_t k = 0; k < ng; k++) {
                group_cells(&g[k], c);
                html_row(b, c, 7, g[k].outc[VL_OUT_LEAKS] ? "leaks" : g[k].outc[VL_OUT_TRAPS] ? "traps" : NULL);
            }
            free(g);
        } else {
            html_head(b, form_head);
            for (size_t k = 0; k < r->nrows; k++) {
                const vl_sweep_row *w = &r->rows[k];
                row_cells(w, c);
                html_row(b, c, 8,
                         w->mismatch ? "mismatch" : w->outcome == VL_OUT_LEAKS ? "leaks"
                                                : w->outcome == VL_OUT_TRAPS ? "traps" : NULL);
            }
        }
        sb_put(b, "</tbody></table>\n");
    }
    sb_put(b, "</body>\n</html>\n");
}

char *vl_table_render(const vl_sweep_result *res, size_t nres, int format, bool grouped) {
    sbuf b = { 0 };
    sb_grow(&b, 1);
    if (b.oom) return NULL;
    b.p[0] = 0;
    switch (format) {
    case VL_FMT_MD: render_md(&b, res, nres, grouped); break;
    case VL_FMT_CSV: render_csv(&b, res, nres); break;
    case VL_FMT_JSON: render_json(&b, res, nres); break;
    case VL_FMT_TEX: render_tex(&b, res, nres, grouped); break;
    case VL_FMT_HTML: render_html(&b, res, nres, grouped); break;
    default: free(b.p); return NULL;
    }
    if (b.oom) {
        free(b.p);
        return NULL;
    }
    return b.p;
}
