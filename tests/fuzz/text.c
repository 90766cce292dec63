/* text.c - the fuzz targets of vlab's translators: the three assemblers
 * (asm-m68k, asm-ppc, asm-x86), the three disassemblers (disasm-*) and the
 * ELF loader (elf), through the public API (include/vlab.h).
 *
 * Oracles besides "no crash, no sanitizer report":
 *   asm: the result is 0 or -1; an error is "LINE:COL: message" (the
 *        documented form); a success is deterministic (the same bytes twice)
 *        and its bytes disassemble instruction by instruction;
 *   disasm: the length is -1 or 1..len, the text is terminated inside the
 *        buffer (with a small buffer too), the same twice;
 *   elf: 0, or -1 with a message; a loaded image is the same in two fresh
 *        machines, and the machine runs from the entry within a budget. */
#include "tests/fuzz/fuzz.h"
#include "include/vlab.h"
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

/* the model the input's first byte picks among the ISA's */
static const char *pick_model(const char *isa, uint8_t b, char *buf, size_t bufsz) {
    int n = 0;
    while (vlab_model_name(isa, n)) n++;
    snprintf(buf, bufsz, "%s:%s", isa, vlab_model_name(isa, b % (n ? n : 1)));
    return buf;
}

/* "12:3: message" */
static int line_col(const char *e) {
    const char *p = e;
    if (!isdigit((unsigned char)*p)) return 0;
    while (isdigit((unsigned char)*p)) p++;
    if (*p++ != ':' || !isdigit((unsigned char)*p)) return 0;
    while (isdigit((unsigned char)*p)) p++;
    return p[0] == ':' && p[1] == ' ' && p[2] != 0;
}

static int asm_run(fz_ctx *c, const uint8_t *data, size_t size) {
    fz_in in = { data, size, 0 };
    char model[32];
    pick_model(c->t->arg, fz_u8(&in), model, sizeof model);
    uint32_t org = fz_u32(&in);
    if (fz_u8(&in) & 1) org &= 0xFFFF; /* mostly small origins, sometimes any */
    size_t n;
    const uint8_t *p = fz_rest(&in, &n);
    char *src = malloc(n + 1);
    if (!src) fz_fail(c, "out of memory");
    memcpy(src, p, n);
    src[n] = 0; /* a C string ends at its first NUL */
    uint8_t *out = NULL, *out2 = NULL;
    size_t len = 0, len2 = 0;
    char err[256] = "", err2[256] = "";
    int r = vlab_asm(model, src, org, &out, &len, err, sizeof err);
    if (r != 0 && r != -1) fz_fail(c, "vlab_asm returned %d", r);
    if (r < 0) {
        if (!line_col(err)) fz_fail(c, "%s: an assembly error without LINE:COL: \"%s\"", model, err);
    } else {
        int r2 = vlab_asm(model, src, org, &out2, &len2, err2, sizeof err2);
        if (r2 != 0 || len2 != len || (len && memcmp(out, out2, len) != 0))
            fz_fail(c, "%s: assembling twice gave different results (%zu and %zu bytes, %s)", model, len, len2, err2);
        char text[160];
        for (size_t at = 0; at < len;) {
            int k = vlab_disasm(model, out + at, len - at, org + (uint32_t)at, text, sizeof text);
            if (k == 0 || k > (int)(len - at)) fz_fail(c, "%s: disassembling the output at +%zu gave length %d", model, at, k);
            if (k < 0) break; /* data (.byte) need not be a whole instruction */
            at += (size_t)k;
        }
    }
    vlab_free(out);
    vlab_free(out2);
    free(src);
    return 0;
}

static int disasm_run(fz_ctx *c, const uint8_t *data, size_t size) {
    fz_in in = { data, size, 0 };
    char model[32];
    pick_model(c->t->arg, fz_u8(&in), model, sizeof model);
    uint32_t addr = fz_u32(&in);
    size_t n;
    const uint8_t *p = fz_rest(&in, &n);
    if (n > 32) n = 32;
    /* exact-size copies: a read past the bytes or a write past the text is a sanitizer report */
    uint8_t *b = malloc(n ? n : 1);
    char *big = malloc(160), *small = malloc(12), *again = malloc(160);
    if (!b || !big || !small || !again) fz_fail(c, "out of memory");
    memcpy(b, p, n);
    int k = vlab_disasm(model, b, n, addr, big, 160);
    if (k == 0 || k < -1 || k > (int)n) fz_fail(c, "%s: length %d for %zu bytes", model, k, n);
    if (!memchr(big, 0, 160)) fz_fail(c, "%s: text not terminated", model);
    if (k > 0 && !big[0]) fz_fail(c, "%s: an instruction of %d bytes with no text", model, k);
    int k2 = vlab_disasm(model, b, n, addr, again, 160);
    if (k2 != k || strcmp(big, again) != 0) fz_fail(c, "%s: \"%s\" (%d), then \"%s\" (%d)", model, big, k, again, k2);
    int k3 = vlab_disasm(model, b, n, addr, small, 12);
    if (k3 != k) fz_fail(c, "%s: length %d with a 12-byte text buffer, %d with 160", model, k3, k);
    if (!memchr(small, 0, 12)) fz_fail(c, "%s: text not terminated in a 12-byte buffer", model);
    free(b), free(big), free(small), free(again);
    return 0;
}

/* ---- ELF ------------------------------------------------------------------------- */

enum { ELF_RAM = 0x10000 };

static vlab_machine *load(fz_ctx *c, const char *isa, const char *path, uint32_t org, int *ok, uint32_t *entry) {
    char err[256] = "";
    vlab_machine *m = vlab_machine_new(isa, NULL, ELF_RAM, err, sizeof err);
    if (!m) fz_fail(c, "vlab_machine_new(%s): %s", isa, err);
    int r = vlab_load(m, path, org, entry, err, sizeof err);
    if (r != 0 && r != -1) fz_fail(c, "vlab_load returned %d", r);
    if (r < 0 && !err[0]) fz_fail(c, "vlab_load failed without a message");
    *ok = r == 0;
    return m;
}

static int elf_run(fz_ctx *c, const uint8_t *data, size_t size) {
    fz_in in = { data, size, 0 };
    const char *isa = vlab_isa_name(fz_u8(&in) % 3);
    uint32_t org = fz_u16(&in);
    size_t n;
    const uint8_t *p = fz_rest(&in, &n);
    int fd = memfd_create("vlab-fuzz-elf", 0);
    if (fd < 0) fz_fail(c, "memfd_create failed");
    if (n && write(fd, p, n) != (ssize_t)n) fz_fail(c, "write to the memfd failed");
    char path[64];
    snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
    int ok1, ok2;
    uint32_t e1 = 0, e2 = 0;
    vlab_machine *a = load(c, isa, path, org, &ok1, &e1);
    vlab_machine *b = load(c, isa, path, org, &ok2, &e2);
    close(fd);
    if (ok1 != ok2 || e1 != e2) fz_fail(c, "%s: two loads of one file differ (%d/%d, entry 0x%x/0x%x)", isa, ok1, ok2, e1, e2);
    if (ok1) {
        uint8_t *ra = malloc(ELF_RAM), *rb = malloc(ELF_RAM);
        if (!ra || !rb) fz_fail(c, "out of memory");
        vlab_mem_read(a, 0, ra, ELF_RAM);
        vlab_mem_read(b, 0, rb, ELF_RAM);
        if (memcmp(ra, rb, ELF_RAM) != 0) fz_fail(c, "%s: two loads of one file leave different memory", isa);
        free(ra), free(rb);
        vlab_set_pc(a, e1);
        vlab_stop s = vlab_run(a, 500, 0, 0);
        if (s.reason == VLAB_STOP_NONE || s.reason > VLAB_STOP_SHUTDOWN) fz_fail(c, "run after load: reason %d", s.reason);
    }
    vlab_machine_free(a);
    vlab_machine_free(b);
    return 0;
}

#define ASM_TARGET(var, tname, isa)                                                                 \
    const fz_target var = { .name = tname, .what = "the " isa " assembler", .run = asm_run, .arg = isa, \
                            .max_len = 4096 }
#define DISASM_TARGET(var, tname, isa)                                                                  \
    const fz_target var = { .name = tname, .what = "the " isa " disassembler", .run = disasm_run, .arg = isa, \
                            .max_len = 64 }
ASM_TARGET(fz_asm_m68k, "asm-m68k", "m68k");
ASM_TARGET(fz_asm_ppc, "asm-ppc", "ppc");
ASM_TARGET(fz_asm_x86, "asm-x86", "x86");
DISASM_TARGET(fz_disasm_m68k, "disasm-m68k", "m68k");
DISASM_TARGET(fz_disasm_ppc, "disasm-ppc", "ppc");
DISASM_TARGET(fz_disasm_x86, "disasm-x86", "x86");
const fz_target fz_elf = { .name = "elf", .what = "the ELF loader (and raw images)", .run = elf_run, .max_len = 8192 };
