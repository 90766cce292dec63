/* libfuzzer.c - the libFuzzer front end of one fuzz target: built with
 * clang -fsanitize=fuzzer,address,undefined and -DVLAB_FUZZ_TARGET='"name"'
 * (`make fuzz` builds one binary per target, build-fuzz/fuzz/fuzz-<name>). */
#include "tests/fuzz/fuzz.h"
#include <stdlib.h>

#ifndef VLAB_FUZZ_TARGET
#error "define VLAB_FUZZ_TARGET as the target's name"
#endif

/* libFuzzer calls these two functions and gives them no context argument:
 * the target and its cached state live here, set once at start. */
static fz_ctx the_ctx;

int LLVMFuzzerInitialize(int *argc, char ***argv) {
    (void)argc, (void)argv;
    const fz_target *t = fz_find(VLAB_FUZZ_TARGET);
    if (!t) {
        fprintf(stderr, "fuzz: unknown target %s\n", VLAB_FUZZ_TARGET);
        exit(2);
    }
    the_ctx.t = t;
    the_ctx.state = t->init ? t->init(t, stderr) : NULL;
    the_ctx.replay = "replay: run this binary with the crash file libFuzzer saved as its argument";
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size > the_ctx.t->max_len) size = the_ctx.t->max_len;
    the_ctx.data = data, the_ctx.size = size;
    return the_ctx.t->run(&the_ctx, data, size);
}
