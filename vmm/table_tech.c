/* table_tech.c - `vlab table --techniques all`: one summary row per model x
 * technique, from a sweep of the model under each technique the registry
 * holds, with what the row means for that technique (the Popek-Goldberg
 * theorem that predicts it, and whether the measured leaks agree). */
#include "vmm/sweep.h"
#include <stdlib.h>
#include <string.h>

void vl_tech_sweep_meaning(const vl_tech_sweep *r, char *out, size_t outsz) {
    const vl_technique *t = vl_technique_get(r->technique);
    const char *name = t ? t->name : "?";
    if (!r->res) {
        snprintf(out, outsz, "not swept: %s", r->why);
        return;
    }
    const vl_sweep_summary *m = &r->res->sum;
    char measured[96];
    if (m->leaks) snprintf(measured, sizeof measured, "%d form%s leak%s under %s", m->leaks, m->leaks == 1 ? "" : "s",
                           m->leaks == 1 ? "s" : "", name);
    else snprintf(measured, sizeof measured, "no form leaks under %s", name);
    int theorem = t ? t->theorem : 0;
    if (theorem != 1 && theorem != 3) {
        snprintf(out, outsz, "no Popek-Goldberg theorem predicts %s: %s (measured)", name, measured);
        return;
    }
    bool holds = theorem == 1 ? m->theorem1 : m->theorem3;
    int against = theorem == 1 ? m->sensitive_unprivileged : m->user_sensitive_unprivileged;
    /* the theorem's promise: equivalence when it holds; when it fails, the
     * forms it names run unmonitored and may leak (a monitor can still hide
     * some of them: the sweep says which leak) */
    bool agrees = holds == (m->leaks == 0);
    snprintf(out, outsz, "Theorem %d %s (%d %ssensitive form%s unprivileged): %s%s", theorem,
             holds ? "holds" : "fails", against, theorem == 3 ? "user-" : "", against == 1 ? "" : "s", measured,
             holds ? (agrees ? ", as it promises" : ", against its promise")
                   : (agrees ? ", as it warns" : ", though it does not promise it"));
}

static void md_cell(FILE *f, const char *s) {
    for (; *s; s++) {
        if (*s == '|') fputc('\\', f);
        fputc(*s == '\n' ? ' ' : *s, f);
    }
}

static void csv_cell(FILE *f, const char *s) {
    if (!strpbrk(s, ",\"\n")) {
        fputs(s, f);
        return;
    }
    fputc('"', f);
    for (; *s; s++) {
        if (*s == '"') fputc('"', f);
        fputc(*s, f);
    }
    fputc('"', f);
}

static void json_str(FILE *f, const char *s) {
    fputc('"', f);
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\') fprintf(f, "\\%c", c);
        else if (c < 0x20) fprintf(f, "\\u%04x", c);
        else fputc(c, f);
    }
    fputc('"', f);
}

static const char *yes_no(bool v) { return v ? "holds" : "fails"; }

char *vl_table_render_techniques(const vl_tech_sweep *rows, size_t n, int format) {
    if (format != VL_FMT_MD && format != VL_FMT_CSV && format != VL_FMT_JSON) return NULL;
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    if (!f) return NULL;
    char meaning[512];
    if (format == VL_FMT_MD) {
        fputs("# Every technique\n\n"
              "| isa | model | technique | forms | privileged | sensitive | leaks | Theorem 1 | Theorem 3 | meaning |\n"
              "|---|---|---|---:|---:|---:|---:|---|---|---|\n", f);
    } else if (format == VL_FMT_CSV) {
        fputs("isa,model,technique,swept,forms,privileged,sensitive,sensitive_unprivileged,"
              "user_sensitive_unprivileged,leaks,theorem1,theorem3,theorem,meaning\n", f);
    } else {
        fputs("[\n", f);
    }
    for (size_t i = 0; i < n; i++) {
        const vl_tech_sweep *r = &rows[i];
        const vl_technique *t = vl_technique_get(r->technique);
        const char *name = t ? t->name : "?";
        const vl_sweep_summary *m = r->res ? &r->res->sum : NULL;
        vl_tech_sweep_meaning(r, meaning, sizeof meaning);
        if (format == VL_FMT_MD) {
            fprintf(f, "| %s | %s | %s | ", r->isa, r->model, name);
            if (m) fprintf(f, "%d | %d | %d | %d | %s | %s | ", m->forms, m->privileged, m->sensitive, m->leaks,
                           yes_no(m->theorem1), yes_no(m->theorem3));
            else fputs("- | - | - | - | - | - | ", f);
            md_cell(f, meaning);
            fputs(" |\n", f);
        } else if (format == VL_FMT_CSV) {
            fprintf(f, "%s,%s,%s,%s,", r->isa, r->model, name, m ? "true" : "false");
            if (m) fprintf(f, "%d,%d,%d,%d,%d,%d,%s,%s,", m->forms, m->privileged, m->sensitive,
                           m->sensitive_unprivileged, m->user_sensitive_unprivileged, m->leaks,
                           m->theorem1 ? "true" : "false", m->theorem3 ? "true" : "false");
            else fputs(",,,,,,,,", f);
            fprintf(f, "%d,", t ? t->theorem : 0);
            csv_cell(f, meaning);
            fputc('\n', f);
        } else {
            fprintf(f, "  { \"isa\": \"%s\", \"model\": \"%s\", \"technique\": ", r->isa, r->model);
            json_str(f, name);
            fprintf(f, ", \"swept\": %s, \"theorem\": %d", m ? "true" : "false", t ? t->theorem : 0);
            if (m)
                fprintf(f, ", \"forms\": %d, \"privileged\": %d, \"sensitive\": %d, \"sensitive_unprivileged\": %d, "
                           "\"user_sensitive_unprivileged\": %d, \"leaks\": %d, \"theorem1\": %s, \"theorem3\": %s",
                        m->forms, m->privileged, m->sensitive, m->sensitive_unprivileged,
                        m->user_sensitive_unprivileged, m->leaks, m->theorem1 ? "true" : "false",
                        m->theorem3 ? "true" : "false");
            fputs(", \"meaning\": ", f);
            json_str(f, meaning);
            fputs(i + 1 < n ? " },\n" : " }\n", f);
        }
    }
    if (format == VL_FMT_JSON) fputs("]\n", f);
    if (fclose(f) != 0) {
        free(buf);
        return NULL;
    }
    return buf;
}
