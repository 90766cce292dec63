/* fuzz.h - the fuzz targets of tests/fuzz/ and what they share: each target
 * takes one input (bytes) and runs vlab on it with oracles; a broken oracle
 * calls fz_fail, which prints the failure and a reproducer and aborts (so
 * that libFuzzer and the seeded driver both stop and keep the input).
 *
 * Two front ends feed the same targets: libfuzzer.c (clang,
 * -fsanitize=fuzzer; one binary per target) and driver.c (any compiler: the
 * committed corpus, then inputs from a seeded PRNG). No global mutable
 * state here: a target's cached state (sweep results, the Lua grammar) is
 * in the fz_ctx its init returns, which the front end keeps. */
#ifndef VLAB_FUZZ_H
#define VLAB_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

typedef struct fz_ctx fz_ctx;

typedef struct fz_target {
    const char *name;   /* "code-68010": also the corpus folder tests/fuzz/corpus/<name> */
    const char *what;   /* one line */
    /* Cached state for run (NULL is fine); says on out what it decided at run
     * time (which techniques run, which oracles hold). */
    void *(*init)(const struct fz_target *t, FILE *out);
    void (*fini)(void *state);
    /* One input. Returns 0; an oracle failure does not return (fz_fail). */
    int (*run)(fz_ctx *c, const uint8_t *data, size_t size);
    const char *arg;    /* the target's parameter (an ISA or model name) */
    size_t max_len;     /* longer inputs are cut here (the driver's random inputs too) */
} fz_target;

struct fz_ctx {
    const fz_target *t;
    void *state;
    const uint8_t *data; /* the input being run, for the reproducer */
    size_t size;
    const char *replay;  /* how to run this input again (the front end's words) */
};

/* Every target, NULL-terminated; find one by name (NULL if unknown). */
extern const fz_target *const fz_targets[];
const fz_target *fz_find(const char *name);

/* An oracle failed: print "FUZZ FAILURE target: message", the input in hex
 * and how to replay it, save it as fuzz-failure-<target>.bin in $VLAB_FUZZ_OUT
 * (default: the current directory), and abort. */
#if defined(__GNUC__)
__attribute__((noreturn, format(printf, 2, 3)))
#endif
void fz_fail(fz_ctx *c, const char *fmt, ...);

/* Reading an input front to back: bytes past the end read as 0. */
typedef struct fz_in {
    const uint8_t *p;
    size_t n, at;
} fz_in;
uint8_t fz_u8(fz_in *in);
uint16_t fz_u16(fz_in *in);
uint32_t fz_u32(fz_in *in);
/* splitmix64: a seeded PRNG (the driver's inputs, a vector table's fill). */
uint64_t fz_rand(uint64_t *s);
/* The rest of the input. */
const uint8_t *fz_rest(fz_in *in, size_t *len);

/* The targets, by file. */
extern const fz_target fz_code_68000, fz_code_68010, fz_code_750, fz_code_i386, fz_code_pentium;
extern const fz_target fz_asm_m68k, fz_asm_ppc, fz_asm_x86;
extern const fz_target fz_disasm_m68k, fz_disasm_ppc, fz_disasm_x86, fz_elf;
extern const fz_target fz_lua;

#endif
