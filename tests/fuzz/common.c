/* common.c - what every fuzz target shares: the target list, the input
 * reader and the failure report (fz_fail). */
#include "tests/fuzz/fuzz.h"
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

const fz_target *const fz_targets[] = {
    &fz_code_68000, &fz_code_68010, &fz_code_750, &fz_code_i386, &fz_code_pentium,
    &fz_asm_m68k, &fz_asm_ppc, &fz_asm_x86,
    &fz_disasm_m68k, &fz_disasm_ppc, &fz_disasm_x86,
    &fz_elf, &fz_lua, NULL,
};

const fz_target *fz_find(const char *name) {
    for (int i = 0; fz_targets[i]; i++)
        if (strcmp(fz_targets[i]->name, name) == 0) return fz_targets[i];
    return NULL;
}

void fz_fail(fz_ctx *c, const char *fmt, ...) {
    va_list ap;
    fflush(stdout);
    fprintf(stderr, "FUZZ FAILURE %s: ", c->t->name);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fprintf(stderr, "\ninput (%zu bytes):", c->size);
    for (size_t i = 0; i < c->size; i++) fprintf(stderr, "%s%02x", i % 32 ? "" : "\n  ", c->data[i]);
    char path[4200];
    const char *dir = getenv("VLAB_FUZZ_OUT"); /* where to save it (default: here) */
    snprintf(path, sizeof path, "%s%sfuzz-failure-%s.bin", dir ? dir : "", dir ? "/" : "", c->t->name);
    FILE *f = fopen(path, "wb");
    if (f) {
        fwrite(c->data, 1, c->size, f);
        fclose(f);
        fprintf(stderr, "\nsaved as %s; replay: fuzz-driver --target %s %s", path, c->t->name, path);
    }
    if (c->replay) fprintf(stderr, "\n%s", c->replay);
    fprintf(stderr, "\n");
    abort();
}

uint8_t fz_u8(fz_in *in) { return in->at < in->n ? in->p[in->at++] : 0; }
/* (two statements: the order of the reads is the input's order) */
uint16_t fz_u16(fz_in *in) {
    uint16_t hi = fz_u8(in);
    return (uint16_t)(hi << 8 | fz_u8(in));
}
uint32_t fz_u32(fz_in *in) {
    uint32_t hi = fz_u16(in);
    return hi << 16 | fz_u16(in);
}

const uint8_t *fz_rest(fz_in *in, size_t *len) {
    const uint8_t *p = in->p + in->at;
    *len = in->n - in->at;
    in->at = in->n;
    return p;
}

uint64_t fz_rand(uint64_t *s) {
    uint64_t z = (*s += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}
