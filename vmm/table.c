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
    size_t n = strlen(out);
    if (r->filter[0] && n < outsz)
        snprintf(out + n, outsz - n, "; filter '%s': %zu of %zu forms shown, the counts and verdicts are the model's",
                 r->filter, r->nrows, r->forms_measured);
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

static void md_summary(sbuf *b, const vl_sweep_result *res, size_t nres) {
    md_head(b, sum_head);
    for (size_t i = 0; i < nres; i++) {
        char cells[11][48], c2[11][160];
        sum_cells(&res[i], cells);
        for (int k = 0; k < 11; k++) memcpy(c2[k], cells[k], sizeof cells[k]);
        md_row(b, c2, 11);
    }
}

static void render_md(sbuf *b, const vl_sweep_result *res, size_t nres, bool grouped) {
    sb_put(b, grouped ? "# Popek-Goldberg table: which instructions trap and which leak\n\n"
                      : "# Sweep: one row per instruction form\n\n");
    sb_put(b, "## Summary\n\n");
    md_summary(b, res, nres);
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
        char v[640];
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
    }
}

/* ---- json ------------------------------------------------------------------------------------ */

static void jstr(sbuf *b, const char *s) {
    sb_put(b, "\"");
    esc(b, VL_FMT_JSON, s);
    sb_put(b, "\"");
}

static void json_summary(sbuf *b, const vl_sweep_result *r) {
    const vl_sweep_summary *s = &r->sum;
    char lk[16];
    leaks_text(r, lk, sizeof lk);
    sb_printf(b,
              "{ \"forms\": %d, \"privileged\": %d, \"sensitive\": %d, \"leaks\": %s, "
              "\"theorem1\": %s, \"theorem3\": %s, \"user_sensitive\": %d, \"sensitive_unprivileged\": %d, "
              "\"user_sensitive_unprivileged\": %d, \"iopl_sensitive\": %d, \"traps\": %d, \"runs_directly\": %d, "
              "\"illegal\": %d, \"mismatches\": %d, \"executions\": %llu }",
              s->forms, s->privileged, s->sensitive, native_only(r) ? "null" : lk, s->theorem1 ? "true" : "false",
              s->theorem3 ? "true" : "false", s->user_sensitive, s->sensitive_unprivileged,
              s->user_sensitive_unprivileged, s->iopl, s->traps, s->direct, s->illegal, s->mismatches,
              (unsigned long long)s->runs);
}

/* isa, model, technique, seed, states and filter: what every JSON object of a model starts with */
static void json_head(sbuf *b, const vl_sweep_result *r, const char *ind) {
    sb_printf(b, "%s{ \"isa\": ", ind);
    jstr(b, r->isa);
    sb_put(b, ", \"model\": ");
    jstr(b, r->model);
    sb_put(b, ", \"technique\": ");
    jstr(b, r->technique);
    sb_printf(b, ", \"seed\": %llu, \"states\": %d, \"filter\": ", (unsigned long long)r->seed, r->states);
    if (r->filter[0]) {
        jstr(b, r->filter);
        sb_printf(b, ", \"forms_shown\": %zu, \"forms_measured\": %zu", r->nrows, r->forms_measured);
    } else {
        sb_put(b, "null");
    }
}

static void render_json_one(sbuf *b, const vl_sweep_result *r, const char *ind) {
    json_head(b, r, ind);
    sb_printf(b, ",\n%s  \"rows\": [", ind);
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
    sb_printf(b, "\n%s  ],\n%s  \"summary\": ", ind, ind);
    json_summary(b, r);
    sb_put(b, " }");
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
        char v[640];
        verdict_line(r, v, sizeof v);
        sb_put(b, "\\midrule\n\\multicolumn{");
        sb_put(b, grouped ? "7" : "8");
        sb_put(b, "}{l}{\\parbox{0.95\\linewidth}{");
        esc(b, VL_FMT_TEX, v);
        sb_put(b, "}} \\\\\n\\bottomrule\n\\end{longtable}\n");
    }
}

/* ---- html ------------------------------------------------------------------------------------------- */

static void html_row(sbuf *b, char c[][160], int n, int outcome_col, const char *cls) {
    sb_printf(b, "<tr%s%s%s>", cls ? " class=\"" : "", cls ? cls : "", cls ? "\"" : "");
    for (int i = 0; i < n; i++) {
        sb_put(b, i == outcome_col ? "<td class=\"o\">" : i < 2 ? "<td class=\"m\">" : "<td>");
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

/* an id for a model's section: letters and digits of "isa-model-technique" */
static void html_id(const vl_sweep_result *r, char *out, size_t outsz) {
    char raw[96];
    snprintf(raw, sizeof raw, "%s-%s-%s", r->isa, r->model, r->technique);
    size_t n = 0;
    for (const char *p = raw; *p && n + 1 < outsz; p++)
        out[n++] = (char)((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') ? *p : '-');
    out[n] = 0;
}

/* 100 * sqrt(part / whole), in integers (no libm for one picture) */
static int isqrt_scaled(int part, int whole) {
    if (whole <= 0 || part <= 0) return 0;
    long v = 10000L * part / whole, x = 0;
    while ((x + 1) * (x + 1) <= v) x++;
    return (int)x;
}

/* The Popek-Goldberg sets of one model as an Euler diagram: one circle the
 * forms that trap in user mode (privileged, and on x86 IOPL-sensitive), the
 * other the sensitive ones. Theorem 1 holds exactly when the sensitive circle
 * lies inside the privileged one, so the layout follows from the counts:
 * inside, overlapping, or apart; the larger set gets the larger circle (area
 * ~ count). Each region shows its count; the list beside it names them.
 * Counts are the model's (a filter does not change them). */
static void html_chart(sbuf *b, const vl_sweep_result *r, const char *id) {
    const vl_sweep_summary *s = &r->sum;
    int forms = s->forms, priv = s->privileged + s->iopl, sens = s->sensitive;
    int sens_only = s->sensitive_unprivileged, both = sens - sens_only, priv_only = priv - both;
    int neither = forms - priv - sens_only, big = priv > sens ? priv : sens;
    int rp = 36 + isqrt_scaled(priv, big) * 64 / 100, rs = 36 + isqrt_scaled(sens, big) * 64 / 100;
    int cp = 40 + rp, cs, cy = 170;
    if (sens_only == 0) { /* inside: the sensitive set is a subset of the privileged one */
        if (rs > rp - 34) rs = rp - 34;
        cs = cp + rp - rs - 6;
    } else if (both == 0) { /* apart: no sensitive form traps */
        cs = cp + rp + rs + 30;
    } else { /* overlapping: some sensitive forms do not trap */
        cs = cp + (rp + rs) * 55 / 100;
    }
    int right = (cs + rs > cp + rp ? cs + rs : cp + rp) + 40, w = right + 360;
    const char *plabel = s->iopl ? "privileged/IOPL" : "privileged";
    sb_printf(b,
              "<figure class=\"chart\" id=\"chart-%s\">\n<svg xmlns=\"http://www.w3.org/2000/svg\" role=\"img\" "
              "width=\"%d\" height=\"300\" viewBox=\"0 0 %d 300\" aria-labelledby=\"t-%s\">\n"
              "<title id=\"t-%s\">%s %s: %d forms, %d %s, %d sensitive, %d of them not privileged</title>\n"
              "<rect x=\"1\" y=\"1\" width=\"%d\" height=\"298\" rx=\"8\" class=\"all\"/>\n"
              "<circle cx=\"%d\" cy=\"%d\" r=\"%d\" class=\"priv\"/>\n"
              "<circle cx=\"%d\" cy=\"%d\" r=\"%d\" class=\"sens%s\"/>\n"
              "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\">%s</text>\n"
              "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\">sensitive</text>\n",
              id, w, w, id, id, r->isa, r->model, forms, priv, plabel, sens, sens_only, w - 2, cp, cy, rp, cs, cy, rs,
              sens_only ? " leak" : "", sens_only ? cp - rp / 3 : cp, cy - rp - 8, plabel,
              sens_only ? cs + rs / 3 : cs, sens_only ? cy - rs - 8 : cy - rs + 22);
    /* the count of each region, at its middle */
    int po_x = sens_only ? (cp - rp + cs - rs) / 2 : (cp - rp + cs - rs) / 2;
    sb_printf(b, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\" class=\"n\">%d</text>\n", po_x, cy + 7, priv_only);
    if (sens_only == 0) {
        sb_printf(b, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\" class=\"n\">%d</text>\n", cs, cy + 7, both);
    } else {
        if (both) sb_printf(b, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\" class=\"n\">%d</text>\n",
                            (cs - rs + cp + rp) / 2, cy + 7, both);
        sb_printf(b, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\" class=\"n bad\">%d</text>\n",
                  both ? (cp + rp + cs + rs) / 2 : cs, cy + 7, sens_only);
    }
    int y = 60;
    sb_printf(b, "<text x=\"%d\" y=\"%d\" class=\"k\">all forms: %d</text>\n", right, y, forms);
    sb_printf(b, "<text x=\"%d\" y=\"%d\" class=\"k\">%s only: %d</text>\n", right, y += 34, plabel, priv_only);
    sb_printf(b, "<text x=\"%d\" y=\"%d\" class=\"k\">sensitive and %s: %d</text>\n", right, y += 34, plabel, both);
    sb_printf(b, "<text x=\"%d\" y=\"%d\" class=\"k%s\">sensitive, not privileged: %d</text>\n", right, y += 34,
              sens_only ? " bad" : "", sens_only);
    sb_printf(b, "<text x=\"%d\" y=\"%d\" class=\"k\">neither (innocuous): %d</text>\n", right, y += 34, neither);
    if (s->iopl)
        sb_printf(b, "<text x=\"%d\" y=\"%d\" class=\"k\">(IOPL: %d IOPL-sensitive forms trap too)</text>\n", right,
                  y += 34, s->iopl);
    sb_put(b, "</svg>\n<figcaption>");
    if (sens_only == 0)
        sb_printf(b, "Every sensitive form of the %s is privileged: the sensitive set lies inside the privileged one "
                     "(Theorem 1 holds).", r->model);
    else
        sb_printf(b, "%d sensitive form%s of the %s %s not privileged: the sensitive set sticks out of the privileged one "
                     "(Theorem 1 fails).", sens_only, sens_only == 1 ? "" : "s", r->model, sens_only == 1 ? "is" : "are");
    sb_put(b, "</figcaption>\n</figure>\n");
}

static const char html_style[] =
    "body{font-family:sans-serif;font-size:20px;margin:1.5em;color:#111;background:#fff}\n"
    "h1{font-size:1.8em}h2{font-size:1.4em;margin-top:1.5em}\n"
    "table{border-collapse:collapse;margin:.5em 0}\n"
    "th,td{border-bottom:1px solid #bbb;padding:.25em .6em;text-align:left;vertical-align:top}\n"
    "th{background:#eee}td.m{font-family:monospace}td.o{white-space:nowrap}\n"
    "tr.leaks td{background:#fdd;font-weight:bold}tr.traps td{background:#eef6ff}\n"
    "tr.mismatch td{background:#fc8}.holds{color:#060;font-weight:bold}.fails{color:#b00;font-weight:bold}\n"
    "svg text{font-family:sans-serif;font-size:16px;fill:#111}svg .n{font-size:22px;font-weight:bold}\n"
    "svg .bad{fill:#b00;font-weight:bold}\n"
    "svg .all{fill:#fafafa;stroke:#888}svg .priv{fill:#4a90d9;fill-opacity:.28;stroke:#2a6cb0;stroke-width:2}\n"
    "svg .sens{fill:#e8a33d;fill-opacity:.35;stroke:#b87400;stroke-width:2}svg .sens.leak{stroke:#b00;stroke-width:3}\n"
    ".legend span{display:inline-block;margin-right:1.2em}.sw{display:inline-block;width:1em;height:1em;"
    "vertical-align:middle;margin-right:.3em;border:1px solid #888}\n"
    "nav ul{margin:.3em 0}figure{margin:1em 0}figcaption{font-style:italic}\n";

static void render_html(sbuf *b, const vl_sweep_result *res, size_t nres, bool grouped) {
    sb_put(b, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
              "<title>vlab: Popek-Goldberg table</title>\n<style>\n");
    sb_put(b, html_style);
    sb_put(b, "</style>\n</head>\n<body>\n<h1>Which instructions trap, which leak</h1>\n"
              "<nav aria-label=\"contents\"><h2>Contents</h2>\n<ul>\n<li><a href=\"#summary\">Summary</a></li>\n");
    for (size_t i = 0; i < nres; i++) {
        char id[96];
        html_id(&res[i], id, sizeof id);
        sb_printf(b, "<li><a href=\"#%s\">", id);
        esc(b, VL_FMT_HTML, res[i].isa);
        sb_put(b, " ");
        esc(b, VL_FMT_HTML, res[i].model);
        sb_put(b, " (");
        esc(b, VL_FMT_HTML, res[i].technique);
        sb_printf(b, ")</a>%s</li>\n", res[i].sum.leaks && !native_only(&res[i]) ? " &mdash; leaks" : "");
    }
    sb_put(b, "</ul></nav>\n<h2 id=\"summary\">Summary</h2>\n<table>\n");
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
              "Theorem 3: a hybrid monitor can be built if every user-sensitive instruction is privileged.</p>\n"
              "<p class=\"legend\"><span><i class=\"sw\" style=\"background:#a9c8ec\"></i>privileged: traps in user "
              "mode</span><span><i class=\"sw\" style=\"background:#f3d2a0\"></i>sensitive: reads or changes the "
              "privileged state</span><span><i class=\"sw\" style=\"background:#fdd\"></i>leaks: sensitive, runs without "
              "trapping under the monitor, and the guest sees the difference</span><span><i class=\"sw\" "
              "style=\"background:#eef6ff\"></i>traps to the monitor</span><span><i class=\"sw\" "
              "style=\"background:#fc8\"></i>declared and measured class disagree</span></p>\n");
    for (size_t i = 0; i < nres; i++) {
        const vl_sweep_result *r = &res[i];
        char c[8][160], v[640], id[96];
        html_id(r, id, sizeof id);
        sb_printf(b, "<section id=\"%s\">\n<h2>", id);
        esc(b, VL_FMT_HTML, r->isa);
        sb_put(b, " ");
        esc(b, VL_FMT_HTML, r->model);
        sb_put(b, " (");
        esc(b, VL_FMT_HTML, r->technique);
        sb_put(b, ")</h2>\n<p>");
        verdict_line(r, v, sizeof v);
        esc(b, VL_FMT_HTML, v);
        sb_put(b, "</p>\n");
        html_chart(b, r, id);
        sb_put(b, "<table>\n");
        /* the leaking rows first: they are what the page is about */
        if (grouped) {
            html_head(b, group_head);
            group *g;
            size_t ng = make_groups(r, &g);
            for (int pass = 0; pass < 2; pass++)
                for (size_t k = 0; k < ng; k++) {
                    bool leaks = g[k].outc[VL_OUT_LEAKS] != 0;
                    if (leaks != (pass == 0)) continue;
                    group_cells(&g[k], c);
                    html_row(b, c, 7, 5, leaks ? "leaks" : g[k].outc[VL_OUT_TRAPS] ? "traps" : NULL);
                }
            free(g);
        } else {
            html_head(b, form_head);
            for (int pass = 0; pass < 2; pass++)
                for (size_t k = 0; k < r->nrows; k++) {
                    const vl_sweep_row *w = &r->rows[k];
                    bool leaks = w->outcome == VL_OUT_LEAKS;
                    if (leaks != (pass == 0)) continue;
                    row_cells(w, c);
                    html_row(b, c, 8, 6,
                             w->mismatch ? "mismatch" : leaks ? "leaks" : w->outcome == VL_OUT_TRAPS ? "traps" : NULL);
                }
        }
        sb_put(b, "</tbody></table>\n</section>\n");
    }
    sb_put(b, "</body>\n</html>\n");
}

/* ---- the summary alone (`--summary`): one row per model, no form rows ------------------------------ */

static void render_summary(sbuf *b, const vl_sweep_result *res, size_t nres, int format) {
    switch (format) {
    case VL_FMT_CSV:
        sb_put(b, "isa,model,technique,seed,states,filter,forms,illegal,privileged,iopl_sensitive,sensitive,"
                  "user_sensitive,sensitive_unprivileged,user_sensitive_unprivileged,leaks,traps,runs_directly,"
                  "interpreted,mismatches,theorem1,theorem3,executions\n");
        for (size_t i = 0; i < nres; i++) {
            const vl_sweep_result *r = &res[i];
            const vl_sweep_summary *m = &r->sum;
            char lk[16];
            leaks_text(r, lk, sizeof lk);
            sb_printf(b, "%s,%s,%s,%llu,%d,", r->isa, r->model, r->technique, (unsigned long long)r->seed, r->states);
            csv_field(b, r->filter);
            sb_printf(b, ",%d,%d,%d,%d,%d,%d,%d,%d,%s,%d,%d,%d,%d,%s,%s,%llu\n", m->forms, m->illegal, m->privileged,
                      m->iopl, m->sensitive, m->user_sensitive, m->sensitive_unprivileged,
                      m->user_sensitive_unprivileged, native_only(r) ? "" : lk, m->traps, m->direct, m->interpreted,
                      m->mismatches, m->theorem1 ? "true" : "false", m->theorem3 ? "true" : "false",
                      (unsigned long long)m->runs);
        }
        break;
    case VL_FMT_JSON:
        if (nres != 1) sb_put(b, "[\n");
        for (size_t i = 0; i < nres; i++) {
            json_head(b, &res[i], nres == 1 ? "" : "  ");
            sb_put(b, ", \"summary\": ");
            json_summary(b, &res[i]);
            sb_put(b, i + 1 < nres ? " },\n" : " }\n");
        }
        if (nres != 1) sb_put(b, "]\n");
        break;
    default: /* md */
        sb_put(b, "# Summary\n\n");
        md_summary(b, res, nres);
        sb_put(b, "\n");
        for (size_t i = 0; i < nres; i++) {
            char v[640];
            verdict_line(&res[i], v, sizeof v);
            sb_printf(b, "- %s %s (%s): ", res[i].isa, res[i].model, res[i].technique);
            esc(b, VL_FMT_MD, v);
            sb_put(b, "\n");
        }
    }
}

char *vl_table_render_summary(const vl_sweep_result *res, size_t nres, int format) {
    if (format != VL_FMT_MD && format != VL_FMT_CSV && format != VL_FMT_JSON) return NULL;
    sbuf b = { 0 };
    sb_grow(&b, 1);
    if (b.oom) return NULL;
    b.p[0] = 0;
    render_summary(&b, res, nres, format);
    if (b.oom) {
        free(b.p);
        return NULL;
    }
    return b.p;
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
