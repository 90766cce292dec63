/* test_asm.c - cmocka tests of the assembler framework (core/asm.c) through a
 * toy instruction set, and of the rules both real assemblers share: one
 * message for one error whether the source is m68k or PowerPC. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "core/asm.h"
#include "isa/m68k/m68k.h"
#include "isa/ppc/ppc.h"

/* ---- the toy ISA ------------------------------------------------------------------
 * nop         one byte 0x00
 * imm X       0x10, X (0..255)
 * jmp X       0x20, X when X is a known constant below 256, else 0x21, X as
 *             16 bits: a size that depends on a value, so passes matter
 * r0..r7 are registers (no symbols, no values). Comments: `#` as the first
 * non-blank, `|` at the start or after a blank (elsewhere `|` is OR); `;`
 * separates statements. Little-endian data. */

static bool toy_register(const char *s, size_t n) { return n == 2 && s[0] == 'r' && s[1] >= '0' && s[1] <= '7'; }

static asm_name_kind toy_name(asm_ctx *c, const char *s, size_t *n, unsigned flags, int64_t *value) {
    (void)flags, (void)value;
    if (toy_register(s, *n)) return asm_error_not_a_number(c, s, *n), ASM_NAME_ERROR;
    return ASM_NAME_SYMBOL;
}

static int toy_encode(asm_ctx *c, const asm_insn *in, uint8_t *out) {
    bool nop = !strcmp(in->name, "nop");
    if (!nop && strcmp(in->name, "imm") && strcmp(in->name, "jmp")) return asm_error_unknown_insn(c, in), -1;
    int want = nop ? 0 : 1;
    if (in->nops != want) return asm_error_operand_count(c, in->at, in->name, want, in->nops), -1;
    if (nop) {
        out[0] = 0;
        return 1;
    }
    const char *p = in->ops[0].s;
    asm_value v;
    if (!asm_expr(c, &p, 0, &v)) return -1;
    if (*asm_skip_blanks(p)) return asm_error_junk(c, p, "operand"), -1;
    if (in->name[0] == 'i') {
        if (!asm_check_range(c, in->ops[0].s, "immediate", v.v, 0, 255)) return -1;
        out[0] = 0x10, out[1] = (uint8_t)v.v;
        return 2;
    }
    if (!v.undef && v.v >= 0 && v.v < 256) {
        out[0] = 0x20, out[1] = (uint8_t)v.v;
        return 2;
    }
    out[0] = 0x21, out[1] = (uint8_t)v.v, out[2] = (uint8_t)(v.v >> 8);
    return 3;
}

static const asm_isa toy = {
    .line_comment_chars = "#",
    .blank_comment_chars = "|",
    .separator_chars = ";",
    .little_endian = true,
    .insn_align = 1,
    .reserved = toy_register,
    .name = toy_name,
    .encode = toy_encode,
};

static int toy_asm(const char *src, size_t len, uint32_t org, uint8_t **out, size_t *n, char *err, size_t errsz) {
    return asm_assemble(&toy, NULL, src, len, org, out, n, err, errsz);
}

static void check_toy(const char *src, const uint8_t *exp, size_t n) {
    uint8_t *out = NULL;
    size_t len = 0;
    char err[256] = "";
    if (toy_asm(src, strlen(src), 0, &out, &len, err, sizeof err)) fail_msg("assembling \"%s\": %s", src, err);
    if (len != n || (n && memcmp(out, exp, n))) {
        char got[512] = "";
        for (size_t i = 0; i < len && i < 200; i++) snprintf(got + 2 * i, 3, "%02x", out[i]);
        free(out);
        fail_msg("\"%s\": got %s (%zu bytes)", src, got, len);
    }
    free(out);
}

#define TOY(src, ...)                                  \
    do {                                               \
        const uint8_t exp_[] = { __VA_ARGS__ };        \
        check_toy(src, exp_, sizeof exp_);             \
    } while (0)

static void check_toy_err(const char *src, size_t len, const char *want) {
    uint8_t *out = (uint8_t *)1;
    size_t n = 99;
    char err[256] = "";
    if (toy_asm(src, len, 0, &out, &n, err, sizeof err) == 0) {
        free(out);
        fail_msg("\"%s\" assembled, want \"%s\"", src, want);
    }
    assert_null(out);
    assert_int_equal(n, 0);
    if (strcmp(err, want)) fail_msg("\"%s\": error \"%s\", want \"%s\"", src, err, want);
}

#define TOY_ERR(src, want) check_toy_err(src, strlen(src), want)

/* ---- the framework ------------------------------------------------------------------- */

static void test_expressions(void **state) {
    (void)state;
    /* GNU as ranks: * / % << >> over | & ^ ! over + - over comparisons over && over || */
    TOY(".byte 2==1+1, 1||0&&0, 2|1+1, 1<<2+1, 3<2+2, 1+2*3, 7-2-1, 17%5", 0xff, 1, 4, 5, 0xff, 7, 4, 2);
    TOY(".byte 6!2, ~0&0xf, -(-5), !0, !7, 1<>2, 2<=2, 3>=4", 0xff, 15, 5, 1, 0, 0xff, 0xff, 0);
    TOY(".byte 0xf0>>4, 0x1f, 0b101, 017, 'A', 'A', '\\n', '\\x41'", 15, 0x1f, 5, 15, 'A', 'A', '\n', 'A');
    TOY(".long -8>>1", 0xfc, 0xff, 0xff, 0xff); /* the bytes GNU as gives (it warns: 64-bit unsigned shift) */
    TOY(".long 0x80000000/-1, -7/2", 0, 0, 0, 0x80, 0xfd, 0xff, 0xff, 0xff); /* 64-bit, signed division */
    TOY("x = 3\n.byte x*2, (x+1)*(x-1), x<<x", 6, 8, 24);
    TOY(" nop\nhere: .byte ., here, .-here, .", 0, 1, 1, 2, 4); /* `.` is where the value goes (GNU as) */
    TOY_ERR(".byte 1/0", "1:8: division by zero");
    TOY_ERR(".byte 5%(2-2)", "1:8: division by zero");
    TOY_ERR(".byte (1+2", "1:11: missing ')'");
    TOY_ERR(".byte 08", "1:7: bad number '08'");
    TOY_ERR(".byte 0x", "1:7: bad number '0x'");
    TOY_ERR(".long 0x10000000000000000", "1:7: number too large");
    TOY_ERR(".byte 1+", "1:9: missing expression");
    TOY_ERR(".byte @", "1:7: unexpected '@' in expression");
    TOY_ERR(".byte r3+1", "1:7: register 'r3' where a number is expected");
    TOY_ERR(".byte %r3", "1:7: register '%r3' where a number is expected");
    TOY_ERR(".byte '", "1:7: unterminated character constant");
    TOY_ERR(".byte 1 2", "1:9: junk '2' after expression");
    TOY_ERR(".byte nowhere", "1:7: undefined symbol 'nowhere'");
    /* nesting is bounded: no stack overflow on hostile input */
    char deep[300];
    memset(deep, '(', sizeof deep);
    memcpy(deep, ".byte ", 6);
    deep[sizeof deep - 1] = 0;
    TOY_ERR(deep, "1:71: expression too deeply nested");
}

static void test_symbols(void **state) {
    (void)state;
    TOY("x = 1\n.byte x\nx = 2\n.byte x", 1, 2);     /* an assigned symbol may be assigned again */
    TOY(".set x, 1\n.equ x, x+1\n.byte x", 2);
    TOY("x = 1\n.byte x\nx: .byte x", 1, 1);           /* and may become a label (GNU as) */
    TOY(".equiv y, 3\n.byte y", 3);
    TOY("a: b: nop\n .byte a, b, c\nc:", 0, 0, 0, 4);
    TOY(" .byte later\nlater = 7", 7);                /* forward reference */
}

static void test_symbol_errors(void **state) {
    (void)state;
    TOY("x: x: .byte x", 0); /* GNU as: the same label restated at its own address */
    TOY_ERR("x: nop\nx: nop", "2:1: symbol 'x' is already defined (line 1)");
    TOY_ERR("x: nop\nx = 5", "2:1: symbol 'x' is already defined (line 1)");
    TOY_ERR("x: nop\n.set x, 5", "2:6: symbol 'x' is already defined (line 1)");
    TOY_ERR("x = 1\n.equiv x, 2", "2:8: symbol 'x' is already defined (line 1)");
    TOY_ERR("r3: nop", "1:1: register name 'r3' cannot be a symbol");
    TOY_ERR(".: nop", "1:1: '.' cannot be a label");
    TOY_ERR(".set 3, 4", "1:6: symbol name expected");
    TOY_ERR("x = 1 2", "1:7: junk '2' after expression");
}

static void test_local_labels(void **state) {
    (void)state;
    TOY("1: nop\n .byte 1b, 1f\n1: nop\n .byte 1b", 0, 0, 3, 0, 3);
    TOY("1: 2: 1: .byte 1b, 2b", 0, 0);
    TOY_ERR(" .byte 1b\n1:", "1:8: undefined local label '1b'");
    TOY_ERR("1: .byte 1f", "1:10: undefined local label '1f'");
}

static void test_passes(void **state) {
    (void)state;
    /* jmp is short when its target is below 256: the layout settles in passes */
    TOY(" jmp end\n .space 250\nend:", 0x20, 252, [251] = 0);
    static const char far[] = " jmp end\n .space 260\nend: nop";
    uint8_t *out;
    size_t len;
    char err[256];
    assert_int_equal(toy_asm(far, sizeof far - 1, 0, &out, &len, err, sizeof err), 0);
    assert_int_equal(len, 264);
    assert_int_equal(out[0], 0x21);
    assert_int_equal(out[1] | out[2] << 8, 263);
    free(out);
    /* an origin */
    assert_int_equal(toy_asm("top: jmp top", strlen("top: jmp top"), 0x1000, &out, &len, err, sizeof err), 0);
    assert_int_equal(len, 3);
    assert_int_equal(out[1] | out[2] << 8, 0x1000);
    free(out);
    /* a layout that cannot settle */
    TOY_ERR(" .space x\nx = .-1", "1:9: size must be known when it is reached (no forward references)");
    TOY(" .space n\nn = 2", 0, 0); /* a constant defined later is fine */
}

static void test_directives(void **state) {
    (void)state;
    TOY(".byte 1, -1, 255\n.short 0x1234\n.long 0x12345678", 1, 0xff, 0xff, 0x34, 0x12, 0x78, 0x56, 0x34, 0x12);
    TOY(".2byte 1\n.hword 2\n.4byte 3\n.int 4\n.word 5", 1, 0, 2, 0, 3, 0, 0, 0, 4, 0, 0, 0, 5, 0);
    TOY(".ascii \"a,b\", \"\\t\\101\"\n.asciz \"\"\n.string \"x\"", 'a', ',', 'b', '\t', 'A', 0, 'x', 0);
    TOY(".byte \"hi\", 0", 'h', 'i', 0);
    TOY(".byte 1\n.balign 4\n.byte 2", 1, 0, 0, 0, 2);
    TOY(".byte 1\n.balign 4, 0xee\n.byte 2\n.balign 8, 0xaa, 2\n.byte 3", 1, 0xee, 0xee, 0xee, 2, 3);
    TOY(".byte 1\n.balign 4,,2\n.byte 2\n.balign 0", 1, 2);
    TOY(".byte 1\n.p2align 2\n.align 2", 1, 0, 0, 0); /* the toy's .align counts bytes */
    TOY(".space 2\n.skip 1, 7\n.zero 1", 0, 0, 7, 0);
    TOY(".fill 2, 3, 0x112233\n.fill 1", 0x33, 0x22, 0x11, 0x33, 0x22, 0x11, 0);
    TOY(".org 2\n.byte 1\n.org 4, 0x55\n. = 6\n.byte 2", 0, 0, 1, 0x55, 0, 0, 2);
    TOY(".text\n.globl f\n.type f,@function\nf: nop\n.size f, .-f\n.section .data\n.byte 1", 0, 1);
    TOY(".byte 1\n.end\n.byte 2", 1);
    TOY("nop ; nop | imm 3\n# a comment\n imm 4 ; nop\n| a comment\n.byte 1|2 | 4", 0, 0, 0x10, 4, 0, 3);
    TOY(".ascii \";|#\" ; .byte ';'", ';', '|', '#', ';');
    TOY_ERR("nop ; # not at the start of the line", "1:7: unexpected '#'");
    check_toy(".byte", NULL, 0); /* no values, no bytes (GNU as) */
    TOY_ERR(".frob 1", "1:1: unknown directive '.frob'");
    TOY_ERR(".byte 256", "1:7: value 256 out of range -128..255");
    TOY_ERR(".short -32769", "1:8: value -32769 out of range -32768..65535");
    TOY_ERR(".org 4\n.org 2", "2:6: '.org 0x2' would move the location counter backwards (now 0x4)");
    TOY_ERR(".balign 3", "1:9: alignment 3 is not a power of 2");
    TOY_ERR(".p2align 32", "1:10: alignment 32 out of range 0..31");
    TOY_ERR(".fill 1, 9", "1:10: fill size 9 out of range 1..8");
    TOY_ERR(".space -1", "1:8: size -1 out of range 0..67108864");
    TOY_ERR(".space 0x7fffffff", "1:8: size 2147483647 out of range 0..67108864");
    TOY_ERR(".ascii \"abc", "1:8: unterminated string");
    TOY_ERR(".ascii abc", "1:8: string expected");
    TOY_ERR(".balign 4, 1, 2, 3", "1:18: too many arguments");
}

static void test_statements(void **state) {
    (void)state;
    TOY_ERR("frob", "1:1: unknown instruction 'frob'");
    TOY_ERR("nop 1", "1:1: 'nop' takes 0 operands, got 1");
    TOY_ERR("imm 1,", "1:7: missing operand");
    TOY_ERR("imm 1,,2", "1:7: missing operand");
    TOY_ERR("imm 300", "1:5: immediate 300 out of range 0..255");
    TOY_ERR("imm 1,2,3,4,5,6,7,8,9", "1:21: too many operands");
    TOY_ERR("nop+", "1:4: unexpected '+' after 'nop'");
    TOY_ERR("  @", "1:3: unexpected '@'");
    TOY_ERR("\x01", "1:1: unexpected byte 0x01");
    TOY_ERR("nop\nnop\r\n  frob\r\n", "3:3: unknown instruction 'frob'");
    TOY_ERR("12 nop", "1:1: unexpected '1'");
    /* errors come in source order: the first one is reported */
    TOY_ERR("imm 1\nfrob\nimm 999", "2:1: unknown instruction 'frob'");
}

/* A NUL byte is an error at its line and column, like any other. */
static void test_nul_byte(void **state) {
    (void)state;
    static const char src[] = "nop\n  n\0p\n";
    check_toy_err(src, sizeof src - 1, "2:4: NUL byte in the source");
    static const char later[] = "frob\n\0";
    check_toy_err(later, sizeof later - 1, "1:1: unknown instruction 'frob'");
    char err[64];
    assert_true(asm_nul_error(src, sizeof src - 1, err, sizeof err));
    assert_string_equal(err, "2:4: NUL byte in the source");
    assert_true(asm_nul_error("\0", 1, err, sizeof err));
    assert_string_equal(err, "1:1: NUL byte in the source");
    assert_false(asm_nul_error("nop\n", 4, err, sizeof err));
}

static void test_arguments(void **state) {
    (void)state;
    uint8_t *out = (uint8_t *)1;
    size_t len = 1;
    char err[64];
    assert_int_equal(asm_assemble(&toy, NULL, NULL, 0, 0, &out, &len, err, sizeof err), -1);
    assert_null(out);
    assert_string_equal(err, "1:1: no source");
    assert_int_equal(toy_asm("", 0, 0, &out, &len, NULL, 0), 0); /* no error buffer, empty output */
    assert_int_equal(len, 0);
    free(out);
}

/* ---- one error, one message, in both assemblers ------------------------------------------- */

/* The m68k source must fail with want68, the PowerPC one with wantppc. */
static void each(const char *src68, const char *want68, const char *srcppc, const char *wantppc) {
    char e68[256] = "", eppc[256] = "";
    uint8_t *out = NULL;
    size_t len;
    if (m68k_assemble(M68K_68000, src68, 0, &out, &len, e68, sizeof e68) == 0) free(out), strcpy(e68, "(assembled)");
    if (ppc_assemble(PPC_750, srcppc, 0, &out, &len, eppc, sizeof eppc) == 0) free(out), strcpy(eppc, "(assembled)");
    if (strcmp(e68, want68) || strcmp(eppc, wantppc))
        fail_msg("m68k \"%s\": \"%s\", want \"%s\"; ppc \"%s\": \"%s\", want \"%s\"", src68, e68, want68, srcppc, eppc,
                 wantppc);
}

/* One source, one error, in both assemblers. */
static void both(const char *src, const char *want) { each(src, want, src, want); }

static void test_same_messages(void **state) {
    (void)state;
    both(" .long nowhere\n", "1:8: undefined symbol 'nowhere'");
    both(" .byte 1/0\n", "1:9: division by zero");
    both(" .byte (1\n", "1:10: missing ')'");
    both(" .byte 1+\n", "1:10: missing expression");
    both(" .frob\n", "1:2: unknown directive '.frob'");
    both(" .byte 256\n", "1:8: value 256 out of range -128..255");
    both(" .short 0x10000\n", "1:9: value 65536 out of range -32768..65535");
    both("x: .byte 0\nx: .byte 0\n", "2:1: symbol 'x' is already defined (line 1)");
    both("x: .byte 0\n .balign 4\nx = 5\n", "3:1: symbol 'x' is already defined (line 1)");
    both(" .long 1b\n", "1:8: undefined local label '1b'");
    both(" .long 1f\n", "1:8: undefined local label '1f'");
    both(" .org 8\n .org 4\n", "2:7: '.org 0x4' would move the location counter backwards (now 0x8)");
    both(" .space later\nlater:\n", "1:9: size must be known when it is reached (no forward references)");
    both(" .ascii \"abc\n", "1:9: unterminated string");
    both(" .long 08\n", "1:8: bad number '08'");
    both(" .byte 1\n frob\n", "2:2: unknown instruction 'frob'");
    both(" .byte %d0\n", "1:8: register '%d0' where a number is expected");
    both(" .byte 1 2\n", "1:10: junk '2' after expression");
    both(" .balign 3\n", "1:10: alignment 3 is not a power of 2");
    /* the same error in each ISA's own instructions */
    each(" .byte 1\n nop\n", "2:2: instruction address 0x1 is not a multiple of 2",
         " .byte 1\n nop\n", "2:2: instruction address 0x1 is not a multiple of 4");
    each(" moveq #1\n", "1:2: 'moveq' takes 2 operands, got 1", " li 3\n", "1:2: 'li' takes 2 operands, got 1");
    each(" moveq #200,d0\n", "1:8: immediate 200 out of range -128..127",
         " li 3,40000\n", "1:7: immediate 40000 out of range -32768..32767");
    each(" move.w d9,d0\n", "1:9: unknown register 'd9'", " mr r3,r40\n", "1:8: unknown register 'r40'");
    each(" moveq #x,d0\n", "1:9: undefined symbol 'x'", " li 3,x\n", "1:7: undefined symbol 'x'");
    each(" bra.s .+200\n", "1:8: branch displacement 198 out of range -128..127",
         " beq .+0x8000\n", "1:6: branch displacement 32768 out of range -32768..32764");
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_expressions), cmocka_unit_test(test_symbols),    cmocka_unit_test(test_symbol_errors),
        cmocka_unit_test(test_local_labels), cmocka_unit_test(test_passes),    cmocka_unit_test(test_directives),
        cmocka_unit_test(test_statements),  cmocka_unit_test(test_nul_byte),   cmocka_unit_test(test_arguments),
        cmocka_unit_test(test_same_messages),
    };
    return cmocka_run_group_tests_name("asm", tests, NULL, NULL);
}
