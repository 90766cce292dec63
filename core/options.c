/* options.c - the one check of options tables, shared by every front end
 * (the Lua module and the LuaJIT FFI binding): a typo in an option name
 * must never silently change an experiment, so an unknown key is an error
 * naming the known ones, and a value of the wrong type is an error naming
 * the type wanted. Lua-free: the front end says what the value is. */
#include "core/core.h"
#include <string.h>

void vlab_option_names(const vlab_option *opts, char *buf, size_t size) {
    if (!size) return;
    buf[0] = 0;
    size_t k = 0;
    for (int i = 0; opts && opts[i].name && k < size; i++) {
        int n = snprintf(buf + k, size - k, "%s%s", i ? ", " : "", opts[i].name);
        if (n < 0) break;
        k += (size_t)n;
    }
}

/* "an integer or a string" for the kinds bits */
static void kinds_text(unsigned kinds, char *buf, size_t size) {
    static const struct { unsigned bit; const char *text; } names[] = {
        { VLAB_OPT_INTEGER, "an integer" }, { VLAB_OPT_NUMBER, "a number" },   { VLAB_OPT_STRING, "a string" },
        { VLAB_OPT_BOOLEAN, "a boolean" },  { VLAB_OPT_TABLE, "a table" },     { VLAB_OPT_FUNCTION, "a function" },
        { VLAB_OPT_OBJECT, "a vlab object" },
    };
    buf[0] = 0;
    int n = 0, total = 0;
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) total += (kinds & names[i].bit) != 0;
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        if (!(kinds & names[i].bit)) continue;
        size_t k = strlen(buf);
        const char *sep = !n ? "" : n == total - 1 ? " or " : ", ";
        snprintf(buf + k, size - k, "%s%s", sep, names[i].text);
        n++;
    }
}

int vlab_option_check(const char *fn, const vlab_option *opts, const char *key, int key_is_name, unsigned got,
                      const char *got_name, char *err, size_t errsz) {
    for (int i = 0; key_is_name && key && opts && opts[i].name; i++) {
        if (strcmp(opts[i].name, key)) continue;
        if (opts[i].kinds & got) return i;
        char want[128];
        kinds_text(opts[i].kinds, want, sizeof want);
        vl_seterr(err, errsz, "%s: field '%s' must be %s (got %s)", fn, key, want, got_name ? got_name : "?");
        return -1;
    }
    char known[512];
    vlab_option_names(opts, known, sizeof known);
    if (key_is_name)
        vl_seterr(err, errsz, "%s: unknown option '%s' (known: %s)", fn, key ? key : "", known);
    else
        vl_seterr(err, errsz, "%s: unknown option %s (options are named; known: %s)", fn, key ? key : "?", known);
    return -1;
}
