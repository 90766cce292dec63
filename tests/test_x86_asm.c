/* test_x86_asm.c - cmocka tests of the x86 subset's assembler
 * (isa/x86-subset/asm.c). GNU as --32 judges every table row in
 * tests/x86_asm_judge.sh; these tests pin the assembler's own language
 * without binutils: GNU's encoding choices, .code16/.code32 across passes,
 * relaxed jumps, prefixes, models, and the `line:col: message` errors.
 * Every expected byte string below is what GNU as --32 (binutils 2.40)
 * gives for the same source (linked at the origin), except where a comment
 * says otherwise. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "isa/x86-subset/x86.h"

#define I3 X86_I386
#define P5 X86_PENTIUM

/* The output is exp (n bytes), or starts with it and is total bytes long. */
static void check_head(int variant, uint32_t org, const char *src, const uint8_t *exp, size_t n, size_t total) {
    uint8_t *out = NULL;
    size_t len = 0;
    char err[256] = "";
    int rc = x86_assemble(variant, src, org, &out, &len, err, sizeof err);
    if (rc != 0) fail_msg("assembling \"%s\": %s", src, err);
    if (len != total || (n && memcmp(out, exp, n))) {
        char got[512] = "", want[512] = "";
        for (size_t i = 0; i < len && i < 200; i++) snprintf(got + 2 * i, 3, "%02x", out[i]);
        for (size_t i = 0; i < n && i < 200; i++) snprintf(want + 2 * i, 3, "%02x", exp[i]);
        free(out);
        fail_msg("\"%s\": got %s, want %s", src, got, want);
    }
    free(out);
}

static void check_bytes(int variant, uint32_t org, const char *src, const uint8_t *exp, size_t n) {
    check_head(variant, org, src, exp, n, n);
}

#define ASM_HEAD(total, src, ...)                                                     \
    do {                                                                              \
        const uint8_t exp_[] = { __VA_ARGS__ };                                       \
        check_head(P5, 0, src, exp_, sizeof exp_, total);                             \
    } while (0)
#define ASM_AT(variant, org, src, ...)                                                \
    do {                                                                              \
        const uint8_t exp_[] = { __VA_ARGS__ };                                       \
        check_bytes(variant, org, src, exp_, sizeof exp_);                            \
    } while (0)
#define ASM(src, ...) ASM_AT(P5, 0, src, __VA_ARGS__)

static void check_err(int variant, const char *src, const char *want) {
    uint8_t *out = (uint8_t *)1;
    size_t len = 99;
    char err[256] = "";
    int rc = x86_assemble(variant, src, 0, &out, &len, err, sizeof err);
    if (rc != -1) { free(out); fail_msg("\"%s\" assembled, want error \"%s\"", src, want); }
    assert_null(out);
    assert_int_equal(len, 0);
    if (strcmp(err, want)) fail_msg("\"%s\": error \"%s\", want \"%s\"", src, err, want);
}
#define ERR(src, want) check_err(P5, src, want)

/* ---- GNU's choice among the table's forms ------------------------------------ */

static void test_shortest_form(void **state) {
    (void)state;
    ASM("add %eax,%ebx", 0x01, 0xc3);               /* reg,reg: the r/m-destination opcode */
    ASM("add.s %eax,%ebx", 0x03, 0xd8);             /* .s: the other direction */
    ASM("add $1,%eax", 0x83, 0xc0, 0x01);           /* imm8 sign-extended */
    ASM("add $0x1000,%eax", 0x05, 0x00, 0x10, 0, 0); /* accumulator form */
    ASM("add $0x1000,%ecx", 0x81, 0xc1, 0x00, 0x10, 0, 0);
    ASM("addw $0xffff,%ax", 0x66, 0x83, 0xc0, 0xff); /* 0xffff is a signed word: imm8 over 05 */
    ASM("addl $0xffffffff,%ebx", 0x83, 0xc3, 0xff);
    ASM("addb $1,%al", 0x04, 0x01);
    ASM("mov $1,%eax", 0xb8, 1, 0, 0, 0);
    ASM("movl $1,(%eax)", 0xc7, 0x00, 1, 0, 0, 0);
    ASM("mov 0x1234,%eax", 0xa1, 0x34, 0x12, 0, 0); /* moffs */
    ASM("mov %al,%fs:0x10", 0x64, 0xa2, 0x10, 0, 0, 0);
    ASM("inc %eax\n dec %si", 0x40, 0x66, 0x4e);
    ASM("push %ebx\n pop %cx\n push $1\n push $0x80", 0x53, 0x66, 0x59, 0x6a, 0x01, 0x68, 0x80, 0, 0, 0);
    ASM("xchg %ebx,%eax\n xchg %eax,%eax\n xchg %ax,%ax\n xchg %ecx,%ebx", 0x93, 0x90, 0x66, 0x90, 0x87, 0xcb);
    ASM("test (%eax),%ebx\n test $1,%eax\n testb $1,%cl", 0x85, 0x18, 0xa9, 1, 0, 0, 0, 0xf6, 0xc1, 0x01);
    ASM("shl %eax\n shll $1,%eax\n shl $2,%eax\n shl %cl,%eax\n sal %eax", 0xd1, 0xe0, 0xd1, 0xe0, 0xc1, 0xe0, 2,
        0xd3, 0xe0, 0xd1, 0xe0);
    ASM("int $3\n int3\n int $0x80", 0xcc, 0xcc, 0xcd, 0x80);
    ASM("imul $3,%eax\n imul $1000,%ebx,%ecx", 0x6b, 0xc0, 3, 0x69, 0xcb, 0xe8, 0x03, 0, 0);
    ASM("shld %ebx,%eax\n aam\n aad $7", 0x0f, 0xa5, 0xd8, 0xd4, 0x0a, 0xd5, 0x07);
}

static void test_memory(void **state) {
    (void)state;
    ASM("mov (%eax),%ebx", 0x8b, 0x18);
    ASM("mov 0(%eax),%ebx", 0x8b, 0x18);
    ASM("mov (%ebp),%ebx", 0x8b, 0x5d, 0x00);
    ASM("mov (%esp),%ebx", 0x8b, 0x1c, 0x24);
    ASM("mov -4(%ebp,%esi,2),%eax", 0x8b, 0x44, 0x75, 0xfc);
    ASM("mov 0x80(%eax),%eax", 0x8b, 0x80, 0x80, 0, 0, 0);
    ASM("mov 0xffffffff(%eax),%eax", 0x8b, 0x40, 0xff);
    ASM("mov (,%eax,4),%eax", 0x8b, 0x04, 0x85, 0, 0, 0, 0);
    ASM("mov (%eax,%ebp),%ebx", 0x8b, 0x1c, 0x28);
    ASM("mov %ds:(%eax),%ebx\n mov %ss:(%ebp),%ecx", 0x8b, 0x18, 0x8b, 0x4d, 0x00); /* default segments dropped */
    ASM("mov %ds:4(%ebp),%eax\n mov %fs:(%eax),%eax", 0x3e, 0x8b, 0x45, 0x04, 0x64, 0x8b, 0x00);
    ASM("mov (%bx,%si),%ax", 0x67, 0x66, 0x8b, 0x00);
    ASM("mov 0xffff(%bx),%al", 0x67, 0x8a, 0x47, 0xff);
    /* a value involving a label, or defined further on, takes the full size */
    ASM("mov x(%eax),%ebx\n x = 4\n mov x(%eax),%ebx\n add $x,%ebx\n", 0x8b, 0x98, 4, 0, 0, 0, 0x8b, 0x58, 0x04, 0x83,
        0xc3, 0x04);
}

static void test_code16(void **state) {
    (void)state;
    ASM(".code16\n push %ax\n push %eax\n mov (%bp),%ax\n mov (%eax),%ax", 0x50, 0x66, 0x50, 0x8b, 0x46, 0x00, 0x67,
        0x8b, 0x00);
    ASM(".code16\n mov 0x1234,%ax\n add $1,(%bx)\n pushl $1", 0xa1, 0x34, 0x12, 0x83, 0x07, 0x01, 0x66, 0x6a, 0x01);
    ASM(".code16\n movsb\n movsb (%esi),(%edi)\n jcxz .\n jecxz .", 0xa4, 0x67, 0xa4, 0xe3, 0xfe, 0x67, 0xe3, 0xfd);
    ASM(".code16\n sldt %eax\n bswap %eax\n mov %cr0,%eax", 0x66, 0x0f, 0x00, 0xc0, 0x66, 0x0f, 0xc8, 0x0f, 0x20, 0xc0);
    ASM(".code16\n ljmp $0x10,$0x1000\n ljmpl $0x10,$0x1000", 0xea, 0x00, 0x10, 0x10, 0x00, 0x66, 0xea, 0x00, 0x10, 0,
        0, 0x10, 0);
    /* every pass starts in 32-bit code: a .code16 at the end does not leak */
    ASM(" jmp l\n push %ax\nl: nop\n .code16\n push %ax", 0xeb, 0x02, 0x66, 0x50, 0x90, 0x50);
    ASM(".CODE16 ; push %ax ; .code32 ; push %ax", 0x50, 0x66, 0x50);
}

#define F10 0x90, 0x90, 0x90, 0x90, 0x90, 0x90, 0x90, 0x90, 0x90, 0x90
#define FILL125 F10, F10, F10, F10, F10, F10, F10, F10, F10, F10, F10, F10, 0x90, 0x90, 0x90, 0x90, 0x90

static void test_jumps(void **state) {
    (void)state;
    ASM("a: jmp a\n je a\n call a", 0xeb, 0xfe, 0x74, 0xfc, 0xe8, 0xf7, 0xff, 0xff, 0xff);
    ASM_HEAD(206, " jmp b\n .fill 200,1,0x90\nb: nop", 0xe9, 0xc8, 0, 0, 0, 0x90);      /* too far: long */
    ASM_HEAD(130, " jne b\n .fill 127,1,0x90\nb: nop", 0x75, 0x7f, 0x90);                 /* just fits: short */
    ASM_HEAD(135, " jne b\n .fill 128,1,0x90\nb: nop", 0x0f, 0x85, 0x80, 0, 0, 0, 0x90);  /* just too far */
    ASM(".fill 125,1,0x90\n jmp .-125\n jmp .-127", FILL125, 0xeb, 0x81, 0xe9, 0x7c, 0xff, 0xff, 0xff); /* -127 fits */
    ASM_AT(P5, 0x1000, "jmp 0x1234\n je 0x1234", 0xe9, 0x2f, 0x02, 0, 0, 0x0f, 0x84, 0x29, 0x02, 0, 0); /* constant: long */
    ASM(".code16\n a: jmp a\n je a+0x200", 0xeb, 0xfe, 0x0f, 0x84, 0xfa, 0x01);
    ASM("1: loop 1b\n jecxz 1f\n loopw 1b\n1: ret", 0xe2, 0xfe, 0xe3, 0x03, 0x67, 0xe2, 0xf9, 0xc3);
    ASM("jmp *%eax\n jmp *(%eax)\n call *4(%ebx)\n jmp %ecx", 0xff, 0xe0, 0xff, 0x20, 0xff, 0x53, 0x04, 0xff, 0xe1);
    ASM("ljmp $0x10,$0x20\n lcall *(%eax)\n jmp $8,$0", 0xea, 0x20, 0, 0, 0, 0x10, 0, 0xff, 0x18, 0xea, 0, 0, 0, 0, 8,
        0);
}

static void test_prefixes(void **state) {
    (void)state;
    ASM("rep movsb\n repne scasb\n rep; movsl\n lock incl (%eax)", 0xf3, 0xa4, 0xf2, 0xae, 0xf3, 0xa5, 0xf0, 0xff,
        0x00);
    ASM("lock addw $1,%fs:(%bx)", 0x64, 0x67, 0x66, 0xf0, 0x83, 0x07, 0x01); /* seg, 67, 66, lock */
    ASM("rep movsw %fs:(%si),%es:(%di)", 0x64, 0x67, 0x66, 0xf3, 0xa5);
    ASM("lock\n rep\n data16\n addr32\n fs", 0xf0, 0xf3, 0x66, 0x67, 0x64);
    ASM("cs movsb\n ds mov (%eax),%eax\n data16 movl $1,%eax", 0x2e, 0xa4, 0x3e, 0x8b, 0x00, 0x66, 0xb8, 1, 0, 0, 0);
    ASM("movsb %fs:(%esi),%es:(%edi)\n lodsb %fs:(%esi)\n xlat %fs:(%ebx)", 0x64, 0xa4, 0x64, 0xac, 0x64, 0xd7);
    ASM("addr16 movsb\n rep ret", 0x67, 0xa4, 0xf3, 0xc3);
}

static void test_names(void **state) {
    (void)state;
    ASM("cbtw\n cwtl\n cwtd\n cltd\n cbw\n cwde\n cwd\n cdq", 0x66, 0x98, 0x98, 0x66, 0x99, 0x99, 0x66, 0x98, 0x98,
        0x66, 0x99, 0x99);
    ASM("movzbl %al,%eax\n movzx %ax,%ebx\n movsbw (%eax),%cx\n movsb %al,%eax\n movsb", 0x0f, 0xb6, 0xc0, 0x0f, 0xb7,
        0xd8, 0x66, 0x0f, 0xbe, 0x08, 0x0f, 0xbe, 0xc0, 0xa4);
    ASM("jz .\n jnae .\n setnle %al\n loopnz .", 0x74, 0xfe, 0x72, 0xfe, 0x0f, 0x9f, 0xc0, 0xe0, 0xfe);
    ASM("pushal\n popaw\n pushfw\n iretw\n lretl $8\n retw", 0x60, 0x66, 0x61, 0x66, 0x9c, 0x66, 0xcf, 0xca, 0x08, 0,
        0x66, 0xc3);
    ASM("wait\n int1\n ud2a\n xlatb\n enter $8,$0", 0x9b, 0xf1, 0x0f, 0x0b, 0xd7, 0xc8, 0x08, 0x00, 0x00);
    ASM("inb %dx\n outl %eax,(%dx)\n in $0x60,%al\n outw $0x80", 0xec, 0xef, 0xe4, 0x60, 0x66, 0xe7, 0x80);
    ASM("mov %ds,%ax\n movw %ds,(%eax)\n mov %ax,%ds\n movl %esi,%gs", 0x66, 0x8c, 0xd8, 0x8c, 0x18, 0x8e, 0xd8, 0x8e,
        0xee);
    ASM("bound %ebx,(%eax)\n lgdtw (%eax)\n str %ax\n lar %ax,%eax", 0x62, 0x18, 0x66, 0x0f, 0x01, 0x10, 0x66, 0x0f,
        0x00, 0xc8, 0x0f, 0x02, 0xc0);
}

static void test_values(void **state) {
    (void)state;
    /* GNU on a 32-bit target: values modulo 2^32; 0..0xffff as a signed word */
    ASM("movl $0x1ffffffff,%eax", 0xb8, 0xff, 0xff, 0xff, 0xff);
    ASM("movb $-255,%al\n movb $0xffff,%al", 0xb0, 0x01, 0xb0, 0xff);
    ASM("push $0xffffff80\n pushw $0xff80", 0x6a, 0x80, 0x66, 0x6a, 0x80);
    ASM("ret $-1\n int $-1\n enter $-1,$-1", 0xc2, 0xff, 0xff, 0xcd, 0xff, 0xc8, 0xff, 0xff, 0xff);
    ASM("movl $'a',%eax\n movw $(0x1234 >> 4),%ax", 0xb8, 0x61, 0, 0, 0, 0x66, 0xb8, 0x23, 0x01);
    ASM(".long 1\n .word 2\n .byte 3", 1, 0, 0, 0, 2, 0, 3);
    ASM(" nop /* c */ ; nop # comment", 0x90, 0x90);
    ASM(" .align 4\n ret\n .align 4,0xcc\n ret\n .balign 4,0", 0xc3, 0xcc, 0xcc, 0xcc, 0xc3, 0, 0, 0);
    /* without a fill value (or with 0x90) GNU pads code with multi-byte nops
     * (8d 76 00...); vlab's framework pads with single 90s */
    ASM(" ret\n .align 4", 0xc3, 0x90, 0x90, 0x90);
}

static void test_models(void **state) {
    (void)state;
    ASM("cpuid\n rdtsc\n bswap %eax\n cmpxchg %ebx,(%eax)\n lock xadd %ecx,(%ebx)\n cmpxchg8b (%esi)", 0x0f, 0xa2, 0x0f,
        0x31, 0x0f, 0xc8, 0x0f, 0xb1, 0x18, 0xf0, 0x0f, 0xc1, 0x0b, 0x0f, 0xc7, 0x0e);
    ASM_AT(I3, 0, "mov %tr6,%eax\n mov %ebx,%tr7", 0x0f, 0x24, 0xf0, 0x0f, 0x26, 0xfb);
    check_err(I3, "nop\n cpuid", "2:2: 'cpuid' is not an instruction of the i386 (Pentium and later)");
    check_err(I3, "  invlpg (%eax)", "1:3: 'invlpg' is not an instruction of the i386 (Pentium and later)");
    check_err(I3, "wbinvd", "1:1: 'wbinvd' is not an instruction of the i386 (Pentium and later)");
    check_err(P5, "mov %tr6,%eax", "1:1: 'mov' is not an instruction of the Pentium (i386 only)");
    ERR("fld (%eax)", "1:1: 'fld' is an x87 instruction: the FPU is not modelled");
    ERR("nop\n  fnstsw %ax", "2:3: 'fnstsw' is an x87 instruction: the FPU is not modelled");
    ERR("mov %st,%eax", "1:5: x87 register '%st': the FPU is not modelled");
}

static void test_errors(void **state) {
    (void)state;
    ERR("movl $1,%al", "1:9: register '%al' does not fit the size of 'movl'");
    ERR("nop\naddl %eax,%bx", "2:11: register '%bx' does not fit the size of 'addl'");
    ERR("add %eax", "1:1: 'add' takes 2 operands, got 1");
    ERR("foo %eax", "1:1: unknown instruction 'foo'");
    ERR("mov %xax,%eax", "1:5: unknown register '%xax'");
    ERR("lea %eax,%ebx", "1:5: operand type mismatch for 'lea'");
    ERR("int $256", "1:6: immediate 256 out of range -128..255");
    ERR("ret $-40000", "1:6: immediate -40000 out of range -32768..65535");
    ERR("movb $256,%al", "1:7: immediate 256 out of range -255..255");
    ERR(".code16\nmov 0x12345(%bx),%ax", "2:5: displacement 74565 out of range -65535..65535");
    ERR("jecxz .+0x100", "1:7: branch displacement 254 out of range -128..127");
    ERR("a: loop a+200", "1:9: branch displacement 198 out of range -128..127");
    ERR("mov (%eax,%esp),%ebx", "1:5: '(%eax,%esp)' is not a valid base/index expression");
    ERR("mov (%si,%bx),%ax", "1:5: '(%si,%bx)' is not a valid base/index expression");
    ERR("mov 4(%ebx,%eax,3),%ecx", "1:17: scale factor must be 1, 2, 4 or 8");
    ERR("stosb %fs:(%edi)", "1:7: 'stosb' operand 1 must use the %es segment");
    ERR("movsb (%eax),(%edi)", "1:7: 'movsb' takes (%esi) here");
    ERR("rep inc %eax", "1:1: invalid instruction 'inc' after 'rep'");
    ERR("lock mov %eax,(%ebx)", "1:1: expecting lockable instruction after 'lock'");
    ERR("lock add %eax,%ebx", "1:1: expecting lockable instruction after 'lock'");
    ERR("rep rep movsb", "1:5: same type of prefix used twice");
    ERR("fs mov %gs:(%eax),%eax", "1:8: same type of prefix used twice");
    ERR("data16 movw $1,%ax", "1:8: same type of prefix used twice");
    ERR("addr32 mov (%eax),%eax", "1:1: redundant addr32 prefix");
    ERR("jmp *$1", "1:6: '*' before an immediate");
    ERR("push %al", "1:6: operand type mismatch for 'push'");
    ERR("ljmpw $0x10,$0x10000", "1:14: 16-bit offset 65536 out of range -32768..65535");
    ERR("ljmp $0x10000,$0", "1:7: segment selector 65536 out of range -32768..65535");
    ERR("movl $x,%eax", "1:7: undefined symbol 'x'");
    ERR(".code16 x", "1:9: junk 'x' after directive");
    ERR("   mov 4(%ebx", "1:9: junk '(%ebx' after expression");
    ERR("icebp", "1:1: unknown instruction 'icebp'");
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_shortest_form), cmocka_unit_test(test_memory), cmocka_unit_test(test_code16),
        cmocka_unit_test(test_jumps),         cmocka_unit_test(test_prefixes), cmocka_unit_test(test_names),
        cmocka_unit_test(test_values),        cmocka_unit_test(test_models),   cmocka_unit_test(test_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
