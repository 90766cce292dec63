/* test_ppc_asm.c - cmocka tests of the PowerPC 750 assembler and disassembler
 * (isa/ppc/asm.c, isa/ppc/disasm.c). tests/binutils_ppc.sh judges every form
 * of the decode table against GNU objdump and GNU as; these tests pin the
 * assembler's language: extended mnemonics (expected words produced by
 * powerpc-linux-gnu-as -mppc -mregnames), labels and forward references,
 * @ha/@l, directives, expressions, and the "line:col: message" errors. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "isa/ppc/ppc.h"

#define V PPC_750

static void check_bytes(uint32_t org, const char *src, const uint8_t *exp, size_t n) {
    uint8_t *out = NULL;
    size_t len = 0;
    char err[256] = "";
    int rc = ppc_assemble(V, src, org, &out, &len, err, sizeof err);
    if (rc != 0) fail_msg("assembling \"%s\": %s", src, err);
    if (len != n || (n && memcmp(out, exp, n))) {
        char got[256] = "", want[256] = "";
        for (size_t i = 0; i < len && i < 100; i++) snprintf(got + 2 * i, 3, "%02x", out[i]);
        for (size_t i = 0; i < n && i < 100; i++) snprintf(want + 2 * i, 3, "%02x", exp[i]);
        free(out);
        fail_msg("\"%s\": got %s (%zu bytes), want %s (%zu bytes)", src, got, len, want, n);
    }
    free(out);
}

#define ASM_OK(src, ...)                                    \
    do {                                                    \
        const uint8_t exp_[] = { __VA_ARGS__ };             \
        check_bytes(0, src, exp_, sizeof exp_);             \
    } while (0)

/* One instruction: its word. */
static void check_word(const char *src, uint32_t want) {
    uint8_t b[4];
    vl_put_be32(b, want);
    check_bytes(0, src, b, 4);
}

/* Assembling must fail with exactly this "line:col: message". */
static void check_err(const char *src, const char *want) {
    uint8_t *out = (uint8_t *)1;
    size_t len = 1;
    char err[256] = "";
    int rc = ppc_assemble(V, src, 0, &out, &len, err, sizeof err);
    if (rc == 0) {
        free(out);
        fail_msg("\"%s\" assembled, want error \"%s\"", src, want);
    }
    assert_null(out);
    assert_int_equal(len, 0);
    if (strcmp(err, want)) fail_msg("\"%s\": error \"%s\", want \"%s\"", src, err, want);
}

static void check_dis(uint32_t w, uint32_t addr, const char *want) {
    uint8_t b[4];
    char out[128];
    vl_put_be32(b, w);
    assert_int_equal(ppc_disasm(V, b, 4, addr, out, sizeof out), 4);
    /* compare with whitespace collapsed */
    char n[128], *d = n;
    for (const char *p = out; *p; p++)
        if (*p != ' ' || (d > n && d[-1] != ' ')) *d++ = *p;
    *d = 0;
    if (strcmp(n, want)) fail_msg("%08x: got \"%s\", want \"%s\"", w, n, want);
}

/* Every extended mnemonic of the brief and many more, against GNU as. */
static const char ext_src[] =
    "start:\n"
    " li r3,5\n"
    " li 3,-1\n"
    " lis r3,0x1234\n"
    " mr r3,r4\n"
    " mr. r5,r6\n"
    " nop\n"
    " not r3,r4\n"
    " blr\n"
    " bctr\n"
    " blrl\n"
    " bctrl\n"
    " beq cr1,start\n"
    " bne cr1,fwd\n"
    " bne fwd\n"
    " beq+ fwd\n"
    " bdnz start\n"
    " bdnz- start\n"
    " bdz fwd\n"
    " mtlr r3\n"
    " mflr r4\n"
    " mtctr r5\n"
    " mfctr r6\n"
    " mtsrr0 r3\n"
    " mfsrr1 r4\n"
    " mfsprg r3,3\n"
    " mfsprg 3,0\n"
    " mtsprg 2,r4\n"
    " slwi r3,r4,5\n"
    " srwi r3,r4,5\n"
    " clrlwi r3,r4,16\n"
    " clrrwi r3,r4,2\n"
    " rotlwi r3,r4,8\n"
    " rotrwi r3,r4,8\n"
    " extlwi r3,r4,8,4\n"
    " extrwi r3,r4,8,4\n"
    " inslwi r3,r4,8,4\n"
    " insrwi r3,r4,8,4\n"
    " clrlslwi r3,r4,8,4\n"
    " cmpwi r3,5\n"
    " cmpwi cr7,r3,-5\n"
    " cmpw r3,r4\n"
    " cmpw cr2,r3,r4\n"
    " cmplwi r3,0xffff\n"
    " cmplw cr1,r3,r4\n"
    " subi r3,r4,1\n"
    " subis r3,r4,1\n"
    " subic r3,r4,1\n"
    " subic. r3,r4,1\n"
    " sub r3,r4,r5\n"
    " subo. r3,r4,r5\n"
    " subc r3,r4,r5\n"
    " la r3,8(r1)\n"
    " mfmsr r3\n"
    " mfmsr 3\n"
    " mtmsr r3\n"
    " crclr 4*cr1+eq\n"
    " crset gt\n"
    " crmove lt,so\n"
    " crnot 4*cr7+so,eq\n"
    " mtcr r3\n"
    " trap\n"
    " tweq r3,r4\n"
    " twlgei r3,5\n"
    " mftb r3\n"
    " mftbu r4\n"
    " mtdec r3\n"
    " mfdec r3\n"
    " mtibatu 3,r4\n"
    " mfdbatl r5,2\n"
    " mfpvr r3\n"
    " mttbl r3\n"
    " rotlw r3,r4,r5\n"
    " bdnzt 4*cr1+eq,start\n"
    " bdzf lt,fwd\n"
    " bgelr cr1\n"
    " bnectrl\n"
    " bc 12,2,start\n"
    " bcl 20,31,fwd\n"
    " bclr 20,0\n"
    "fwd:\n"
    " addo. r3,r4,r5\n"
    " lwzu r3,8(r1)\n"
    " stwu r1,-16(r1)\n"
    " lwzx r3,0,r4\n"
    " rlwinm. r3,r4,3,4,5\n"
    " mfspr r3,1008\n"
    " mtspr 1008,r3\n"
    " b start\n"
    " bl fwd\n"
    " ba 0x100\n"
    " bla 0x100\n"
;
static const uint32_t ext_words[] = {
    0x38600005u, 0x3860ffffu, 0x3c601234u, 0x7c832378u, 0x7cc53379u, 0x60000000u, 0x7c8320f8u,
    0x4e800020u, 0x4e800420u, 0x4e800021u, 0x4e800421u, 0x4186ffd4u, 0x4086010cu, 0x40820108u,
    0x41a20104u, 0x4200ffc4u, 0x4220ffc0u, 0x424000f8u, 0x7c6803a6u, 0x7c8802a6u, 0x7ca903a6u,
    0x7cc902a6u, 0x7c7a03a6u, 0x7c9b02a6u, 0x7c7342a6u, 0x7c7042a6u, 0x7c9243a6u, 0x54832834u,
    0x5483d97eu, 0x5483043eu, 0x5483003au, 0x5483403eu, 0x5483c03eu, 0x5483200eu, 0x5483663eu,
    0x5083e116u, 0x5083a116u, 0x54832136u, 0x2c030005u, 0x2f83fffbu, 0x7c032000u, 0x7d032000u,
    0x2803ffffu, 0x7c832040u, 0x3864ffffu, 0x3c64ffffu, 0x3064ffffu, 0x3464ffffu, 0x7c652050u,
    0x7c652451u, 0x7c652010u, 0x38610008u, 0x7c6000a6u, 0x7c6000a6u, 0x7c600124u, 0x4cc63182u,
    0x4c210a42u, 0x4c031b82u, 0x4fe21042u, 0x7c6ff120u, 0x7fe00008u, 0x7c832008u, 0x0ca30005u,
    0x7c6c42e6u, 0x7c8d42e6u, 0x7c7603a6u, 0x7c7602a6u, 0x7c9683a6u, 0x7cbd82a6u, 0x7c7f42a6u,
    0x7c7c43a6u, 0x5c83283eu, 0x4106fee0u, 0x40400018u, 0x4c840020u, 0x4c820421u, 0x4182fed0u,
    0x429f0009u, 0x4e800020u, 0x7c642e15u, 0x84610008u, 0x9421fff0u, 0x7c60202eu, 0x5483190bu,
    0x7c70faa6u, 0x7c70fba6u, 0x4bfffea8u, 0x4bffffe1u, 0x48000102u, 0x48000103u, 

};

static void test_extended(void **state) {
    (void)state;
    uint8_t *out = NULL;
    size_t len = 0;
    char err[256] = "";
    assert_int_equal(ppc_assemble(V, ext_src, 0, &out, &len, err, sizeof err), 0);
    size_t n = sizeof ext_words / sizeof ext_words[0];
    assert_int_equal(len, 4 * n);
    for (size_t i = 0; i < n; i++)
        if (vl_be32(out + 4 * i) != ext_words[i])
            fail_msg("instruction %zu (line %zu): got %08x, GNU as %08x", i, i + 2, vl_be32(out + 4 * i), ext_words[i]);
    free(out);
}

static void test_syntax(void **state) {
    (void)state;
    /* registers: r3, 3, %r3; mfmsr r3 and mfmsr 3 */
    check_word("mfmsr r3", 0x7C6000A6);
    check_word("mfmsr 3", 0x7C6000A6);
    check_word("mfmsr %r3", 0x7C6000A6);
    check_word("MFMSR R3", 0x7C6000A6);
    check_word("addi r3,r1,8", 0x38610008);
    check_word("addi 3 , 1 , 8", 0x38610008);
    check_word("addi %r3,%r1,8", 0x38610008);
    check_word("stwu sp,-16(sp)", 0x9421FFF0);
    check_word("lwz r3,8(r1)", 0x80610008);
    check_word("lwz r3,(4+4)(r1)", 0x80610008);
    check_word("lwz r3,0(0)", 0x80600000);
    check_word("lwz r3,(r1)", 0x80610000);
    check_word("lwzx r3,0,r4", 0x7C60202E);
    /* Rc and OE suffixes */
    check_word("add r3,r4,r5", 0x7C642A14);
    check_word("add. r3,r4,r5", 0x7C642A15);
    check_word("addo r3,r4,r5", 0x7C642E14);
    check_word("addo. r3,r4,r5", 0x7C642E15);
    check_word("andi. r3,r4,0xff", 0x708300FF);
    check_word("stwcx. r3,0,r4", 0x7C60212D);
    /* branch hints on a forward and a backward target */
    check_word("beq .+8", 0x41820008);
    check_word("beq+ .+8", 0x41A20008);
    check_word("beq- .+8", 0x41820008);
    check_word("beq+ .-8", 0x4182FFF8);
    check_word("beq- .-8", 0x41A2FFF8);
    check_word("bdnz+ .-8", 0x4200FFF8);
    check_word("beqlr+", 0x4DA20020);
    check_word("bnectr- cr2", 0x4C8A0420);
    /* CR bits and fields */
    check_word("crand 4*cr1+eq,lt,gt", 0x4CC00A02);
    check_word("crxor 6,6,6", 0x4CC63182);
    check_word("mcrf cr1,cr2", 0x4C880000);
    check_word("cmp cr0,0,r3,r4", 0x7C032000);
    check_word("cmp 0,r3,r4", 0x7C032000);
    check_word("cmpwi 7,r3,5", 0x2F830005);
    /* SPRs by number or name */
    check_word("mfspr r3,8", 0x7C6802A6);
    check_word("mfspr r3,lr", 0x7C6802A6);
    check_word("mtspr sprg0,r3", 0x7C7043A6);
    check_word("mfsprg0 r3", 0x7C7042A6);
    check_word("mftb r3,268", 0x7C6C42E6);
    check_word("mtsr 5,r3", 0x7C6501A4);
    check_word("mfsrin r3,r4", 0x7C602526);
    check_word("lswi r3,r20,32", 0x7C7404AA);
    check_word("srawi r3,r4,31", 0x7C83FE70);
    /* floating point (the 750 decodes it; vlab does not model it) */
    check_word("fadd f1,f2,f3", 0xFC22182A);
    check_word("lfd f1,8(r1)", 0xC8210008);
    check_word("fmr. 1,2", 0xFC201091);
    /* more GNU spellings (words from GNU as) */
    check_word("twlnl r3,r4", 0x7CA32008);
    check_word("twngi r3,5", 0x0E830005);
    check_word("mftbl r3", 0x7C6C42E6);
    check_word("mtsprg3 r4", 0x7C9343A6);
    check_word("subic. 3,4,-5", 0x34640005);
    check_word("crnot 1,2", 0x4C221042);
    check_err("cmp 0,1,3,4", "1:7: L must be 0 on a 32-bit PowerPC");
    /* several statements on a line, comments */
    ASM_OK("nop ; nop # two\n  # only a comment\n/* C */ blr", 0x60, 0, 0, 0, 0x60, 0, 0, 0, 0x4E, 0x80, 0, 0x20);
}

static void test_labels(void **state) {
    (void)state;
    /* forward and backward references, at an origin */
    const char *src =
        "start:  b end\n"
        "loop:   bdnz loop\n"
        "        bne cr1,start\n"
        "end:    bl start\n";
    const uint8_t exp[] = { 0x48, 0, 0, 0x0C, 0x42, 0, 0, 0, 0x40, 0x86, 0xFF, 0xF8, 0x4B, 0xFF, 0xFF, 0xF5 };
    check_bytes(0x1000, src, exp, sizeof exp);
    /* a constant target is an address (as the disassembler prints it) */
    const uint8_t exp2[] = { 0x48, 0, 0, 0x10, 0x41, 0x82, 0xFF, 0xFC };
    check_bytes(0x1000, "b 0x1010\nbeq 0x1000", exp2, sizeof exp2);
    /* numeric local labels */
    ASM_OK("1: nop\n b 1b\n b 1f\n1: b 1b", 0x60, 0, 0, 0, 0x4B, 0xFF, 0xFF, 0xFC, 0x48, 0, 0, 4, 0x48, 0, 0, 0);
    /* labels in .long, forward */
    ASM_OK(".long end, end-start\nstart: nop\nend:", 0, 0, 0, 0x0C, 0, 0, 0, 4, 0x60, 0, 0, 0);
    /* two labels on one line, label alone */
    ASM_OK("a: b: .long b\nc:\n .long c", 0, 0, 0, 0, 0, 0, 0, 4);
    /* absolute branches */
    ASM_OK("ba 0x100\nbla 0x100\nbca 12,2,0x20", 0x48, 0, 1, 2, 0x48, 0, 1, 3, 0x41, 0x82, 0, 0x22);
}

static void test_relocs(void **state) {
    (void)state;
    /* the brief's idiom, with a symbol defined after use and a low half >= 0x8000 */
    ASM_OK("lis r3,sym@ha\naddi r3,r3,sym@l\nlwz r4,sym@l(r3)\nori r5,r5,sym@l\nlis r6,sym@h\nsym = 0x12348678",
           0x3C, 0x60, 0x12, 0x35, 0x38, 0x63, 0x86, 0x78, 0x80, 0x83, 0x86, 0x78, 0x60, 0xA5, 0x86, 0x78,
           0x3C, 0xC0, 0x12, 0x34);
    /* on a label at an origin: data = 0x8000, @ha carries */
    const uint8_t exp[] = { 0x3C, 0x60, 0x00, 0x01, 0x38, 0x63, 0x80, 0x00, 0, 0, 0, 0, 0, 0, 0, 0 };
    check_bytes(0x7FF8, "lis r3,data@ha\naddi r3,r3,data@l\ndata: .long 0\n.long 0", exp, sizeof exp);
    /* the whole expression: (x+4)@h, x@l in data */
    ASM_OK("x = 0x1234FFFE\n.long (x+4)@h, x@l, x@ha", 0, 0, 0x12, 0x35, 0, 0, 0xFF, 0xFE, 0, 0, 0x12, 0x35);
}

static void test_directives(void **state) {
    (void)state;
    ASM_OK(".long 0x12345678, -1", 0x12, 0x34, 0x56, 0x78, 0xFF, 0xFF, 0xFF, 0xFF);
    ASM_OK(".word 1\n.short 2, -2\n.hword 3", 0, 1, 0, 2, 0xFF, 0xFE, 0, 3);
    ASM_OK(".byte 1, 255, -1, 'a", 1, 0xFF, 0xFF, 'a');
    ASM_OK(".ascii \"ab\\n\"", 'a', 'b', '\n');
    ASM_OK(".asciz \"a\", \"b\"", 'a', 0, 'b', 0);
    ASM_OK(".string \"\\x41\\101\\\"\"", 'A', 'A', '"', 0);
    /* .align n: 2^n bytes; zeros to a word, then nops in code */
    ASM_OK(".byte 1\n.align 3\n.long 2", 1, 0, 0, 0, 0x60, 0, 0, 0, 0, 0, 0, 2);
    ASM_OK(".byte 1\n.p2align 2, 0xAA", 1, 0xAA, 0xAA, 0xAA);
    ASM_OK(".byte 1\n.balign 4", 1, 0, 0, 0);
    /* .org: an absolute address, forward only */
    const uint8_t exp[] = { 0x60, 0, 0, 0, 0, 0, 0, 0, 0x4E, 0x80, 0, 0x20 };
    check_bytes(0x100, "nop\n.org 0x108\nblr", exp, sizeof exp);
    ASM_OK(".space 3\n.skip 1, 7", 0, 0, 0, 7);
    ASM_OK(".fill 2, 2, 0x1234\n.fill 1", 0x12, 0x34, 0x12, 0x34, 0);
    /* .equ/.set/= and redefinition with .set */
    ASM_OK(".equ A, 2\n.set B, A*3\nC = B+1\n.byte A, B, C\n.set B, 9\n.byte B", 2, 6, 7, 9);
    /* ignored housekeeping, .end */
    ASM_OK(".text\n.globl _start\n_start: .long 1\n.end\n.long 2", 0, 0, 0, 1);
}

static void test_expressions(void **state) {
    (void)state;
    /* GNU as precedence: << over +, | over + */
    ASM_OK(".byte 1<<2+1, 2|1+1, 7&3^1, 10-2-3, -(3*4)/2, 17%5, ~0&0xF", 5, 4, 2, 5, 0xFA, 2, 15);
    ASM_OK(".byte 0x10, 0b101, 017, 'A, '\\n", 0x10, 5, 15, 'A', '\n');
    ASM_OK(".byte 3>2, 2==2, 1!=1, 1&&0, 1||0, 4>>1", 0xFF, 0xFF, 0, 0, 1, 2);
    ASM_OK("here: .long .-here, .", 0, 0, 0, 0, 0, 0, 0, 4);
    check_word("li r3,(1+2)*3", 0x38600009);
    check_word("li r3,-0x8000", 0x38608000);
    check_word("lis r3,0xffff", 0x3C60FFFF); /* GNU as: lis/addis take 0..0xffff too */
    check_word("cmplwi r3,0xffff", 0x2803FFFF);
}

static void test_errors(void **state) {
    (void)state;
    check_err("nop\n  foo r3,r4", "2:3: unknown instruction 'foo'");
    check_err("addi r32,r3,1", "1:6: unknown register 'r32'");
    check_err("lwz r3,8(r40)", "1:10: unknown register 'r40'");
    check_err("addi r3,f3,1", "1:9: expected a general register, got 'f3'");
    check_err("li r3,0x8000", "1:7: immediate 32768 out of range -32768..32767");
    check_err("ori r3,r3,-1", "1:11: immediate -1 out of range 0..65535");
    check_err("slwi r3,r4,32", "1:12: shift count 32 out of range 0..31");
    check_err("mtcrf 256,r3", "1:7: field mask 256 out of range 0..255");
    check_err("mfsprg r3,4", "1:11: SPRG number 4 out of range 0..3");
    check_err("b nowhere", "1:3: undefined symbol 'nowhere'");
    check_err("  beq cr1,later\n", "1:11: undefined symbol 'later'");
    check_err("b 1f", "1:3: undefined local label '1f'");
    check_err("beq cr8,.", "1:5: unknown register 'cr8'");
    check_err("addi r3,r3", "1:1: 'addi' takes 3 operands, got 2");
    check_err("nop 3", "1:1: 'nop' takes 0 operands, got 1");
    check_err("lwz r3,8", "1:8: expected d(rA), got '8'");
    check_err("li r3,r4", "1:7: register 'r4' where a number is expected");
    check_err("x: nop\nx: nop", "2:1: symbol 'x' is already defined (line 1)");
    check_err(".foo 3", "1:1: unknown directive '.foo'");
    check_err(".byte 256", "1:7: value 256 out of range -128..255");
    check_err(".ascii \"abc", "1:8: unterminated string");
    check_err("li r3,(1", "1:9: missing ')'");
    check_err("li r3,1/0", "1:8: division by zero");
    check_err("lis r3,x@hx\nx = 1", "1:9: unknown relocation operator '@hx'");
    check_err(".byte 1\nnop", "2:1: instruction address 0x1 is not a multiple of 4");
    check_err("b .+6", "1:3: branch target 0x6 is not a multiple of 4");
    check_err("beq .+0x8000", "1:5: branch displacement 32768 out of range -32768..32764");
    check_err(".org 0x10\n.org 8", "2:6: '.org 0x8' would move the location counter backwards (now 0x10)");
    check_err(".space later\nlater:", "1:8: size must be known when it is reached (no forward references)");
    check_err("blr+", "1:1: branch hint on an unconditional branch");
}

/* GNU as's ranges for a 32-bit target, and its symbol rules. */
static void test_gnu_rules(void **state) {
    (void)state;
    /* a 16-bit signed field takes a 32-bit constant sign-extended by hand */
    check_word("addi r3,r3,0xffff8000", 0x38638000);
    check_word("li r3,0xffffffff", 0x3860FFFF);
    check_word("lwz r3,0xfffffff0(r1)", 0x8061FFF0);
    check_word("lis r3,0xffffffff", 0x3C60FFFF);
    check_err("li r3,0xffff", "1:7: immediate 65535 out of range -32768..32767");
    check_err("lwz r3,0x8000(r1)", "1:8: displacement 32768 out of range -32768..32767");
    check_err("ori r3,r3,0xffffffff", "1:11: immediate -1 out of range 0..65535");
    /* an operand is its low 32 bits (GNU as, 32-bit target) */
    check_word("ori r3,r3,0x100000000", 0x60630000);
    check_word("cmplwi r3,0xffffffff", 0x2803FFFF);
    /* cmplwi/cmpli take -32768..65535 */
    check_word("cmplwi r3,-1", 0x2803FFFF);
    check_word("cmpli 0,r3,-0x8000", 0x28038000);
    check_err("cmplwi r3,-0x8001", "1:11: immediate -32769 out of range -32768..65535");
    check_err("cmplwi r3,0x10000", "1:11: immediate 65536 out of range -32768..65535");
    /* the negating aliases check the value as written */
    check_word("subis r3,r3,-0x8000", 0x3C638000);
    check_err("subi r3,r3,-0x8000", "1:12: immediate -32768 out of range -32767..32768");
    check_err("subic r3,r3,0x8001", "1:13: immediate 32769 out of range -32767..32768");
    /* BO: GNU's invalid conditional options; bc keeps its z bits (documented) */
    check_err("bc 21,0,.", "1:4: BO value 21 is not a valid branch condition");
    check_err("bclr 7,0", "1:6: BO value 7 is not a valid branch condition");
    check_err("bcctr 28,0", "1:7: BO value 28 is not a valid branch condition");
    check_word("bc 7,0,.", 0x40E00000);
    /* fields */
    check_err("srwi r3,r4,-1", "1:12: shift count -1 out of range 0..31");
    check_err("rotrwi r3,r4,32", "1:14: rotate count 32 out of range 0..31");
    check_err("mfsprg r3,-1", "1:11: SPRG number -1 out of range 0..3");
    check_err("twi 32,r3,0", "1:5: TO value 32 out of range 0..31");
    check_err("rlwinm r3,r4,0,32,31", "1:16: mask begin 32 out of range 0..31");
    check_err("mfspr r3,1024", "1:10: SPR number 1024 out of range 0..1023");
    check_err("mtsr 16,r3", "1:6: segment register 16 out of range 0..15");
    check_err("mcrf 8,0", "1:6: CR field 8 out of range 0..7");
    check_err("lswi r3,r4,33", "1:12: byte count 33 out of range 0..32");
    check_err("b .+0x2000000", "1:3: branch displacement 33554432 out of range -33554432..33554428");
    check_err("bca 12,2,0x8000", "1:10: branch address 32768 out of range -32768..32764");
    check_word("ba 0x1fffffc", 0x49FFFFFE);
    /* symbols */
    check_word("x: x: nop", 0x60000000); /* GNU as: restated at its own address */
    check_err("x: nop\nx: nop", "2:1: symbol 'x' is already defined (line 1)");
    check_err("x: nop\nx = 5", "2:1: symbol 'x' is already defined (line 1)");
    check_err("x: nop\n.equ x, 5", "2:6: symbol 'x' is already defined (line 1)");
    ASM_OK("x = 1\n.byte x\nx = 2\n.byte x\n.equ x, 3\n.byte x", 1, 2, 3);
    /* GNU as's precedence: | over +, + over ==, && over || */
    ASM_OK(".byte 2|1+1, 2==1+1, 1||0&&0", 4, 0xFF, 1);
}

static void test_disasm(void **state) {
    (void)state;
    check_dis(0x38600005, 0, "li r3,5");
    check_dis(0x7C6000A6, 0, "mfmsr r3");
    check_dis(0x7C7342A6, 0, "mfsprg r3,3");
    check_dis(0x7C7A03A6, 0, "mtsrr0 r3");
    check_dis(0x4186FFF8, 0x100, "beq+ cr1,0xf8");
    check_dis(0x40820008, 0x100, "bne- 0x108");
    check_dis(0x4E800020, 0, "blr");
    check_dis(0x54832834, 0, "slwi r3,r4,5");
    check_dis(0x7C832378, 0, "mr r3,r4");
    check_dis(0x60000000, 0, "nop");
    check_dis(0x7C642E15, 0, "addo. r3,r4,r5");
    check_dis(0x80610008, 0, "lwz r3,8(r1)");
    check_dis(0x4CC63182, 0, "crclr 4*cr1+eq");
    check_dis(0x7C6C42E6, 0, "mftb r3");
    check_dis(0x00000000, 0, ".long 0x0");
    check_dis(0x10000000, 0, ".long 0x10000000"); /* primary 4: 750CL paired singles */
    check_dis(0xFFFFFFFF, 0, "fnmadd. f31,f31,f31,f31");
    check_dis(0x48000002, 0x1000, "ba 0x0");
    /* short input */
    uint8_t b[4] = { 0x60, 0, 0, 0 };
    char out[64];
    assert_int_equal(ppc_disasm(V, b, 3, 0, out, sizeof out), -1);
    assert_non_null(strstr(out, "need 4"));
    assert_int_equal(ppc_disasm(V, NULL, 0, 0, out, sizeof out), -1);
    /* a tiny buffer is truncated, not overrun */
    char tiny[5];
    assert_int_equal(ppc_disasm(V, (const uint8_t *)"\x7c\x64\x2e\x15", 4, 0, tiny, sizeof tiny), 4);
    assert_int_equal(strlen(tiny), 4);
}

/* Every word the disassembler prints reassembles to itself (a sample; the
 * binutils judge does the whole decode table). */
static void test_roundtrip(void **state) {
    (void)state;
    uint64_t x = 88172645463325252ull;
    for (int i = 0; i < 200000; i++) {
        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
        uint32_t w = (uint32_t)x, addr = (uint32_t)(x >> 32) & ~3u;
        uint8_t b[4], *out = NULL;
        char text[128], err[256];
        size_t len = 0;
        vl_put_be32(b, w);
        assert_int_equal(ppc_disasm(V, b, 4, addr, text, sizeof text), 4);
        if (ppc_assemble(V, text, addr, &out, &len, err, sizeof err) != 0)
            fail_msg("%08x at %08x: '%s' does not assemble: %s", w, addr, text, err);
        if (len != 4 || vl_be32(out) != w) fail_msg("%08x at %08x: '%s' assembles to %08x", w, addr, text, vl_be32(out));
        free(out);
    }
}

/* Random and mutated lines: an error or bytes, never a crash (ASan/UBSan). */
static void test_garbage(void **state) {
    (void)state;
    static const char *const pieces[] = {
        "li", "r3", ",", "(", ")", "@ha", "@l", "0x", "1f", "1b", ".long", ".org", ".align", "\"", "'", "#",
        ";", ":", "lab", " ", "-", "+", "*", "/", "%", "<<", ">>", "beq", "cr1", "4*cr1+eq", "lwz", "8(r1)",
        "mtspr", "999999999999999999999", "0b", "\\", ".ascii", ".equ", "=", "bdnz+", "mfsprg", "slwi",
        "\n", "~", "!", "&&", "||", ".space", "0xffffffff", "-0x80000000", "rlwinm", "f31", "%r", "sp",
    };
    const int np = (int)(sizeof pieces / sizeof pieces[0]);
    uint64_t x = 0x243F6A8885A308D3ull;
    char src[512];
    for (int i = 0; i < 30000; i++) {
        size_t n = 0;
        int k = 1 + (int)(x % 12);
        for (int j = 0; j < k; j++) {
            x ^= x << 13, x ^= x >> 7, x ^= x << 17;
            const char *p = pieces[x % (uint64_t)np];
            size_t l = strlen(p);
            if (n + l + 1 >= sizeof src) break;
            memcpy(src + n, p, l);
            n += l;
            if (x & 0x100) src[n++] = (char)(x >> 24); /* any byte */
        }
        src[n] = 0;
        uint8_t *out = NULL;
        size_t len = 0;
        char err[64];
        if (ppc_assemble(V, src, (uint32_t)(x >> 40), &out, &len, err, sizeof err) == 0) free(out);
        else assert_non_null(strchr(err, ':'));
    }
    /* null arguments */
    uint8_t *out;
    size_t len;
    char err[64];
    assert_int_equal(ppc_assemble(V, NULL, 0, &out, &len, err, sizeof err), -1);
    assert_int_equal(ppc_assemble(V, "nop", 0, &out, &len, NULL, 0), 0);
    free(out);
    /* huge sizes are refused, not allocated */
    assert_int_equal(ppc_assemble(V, ".space 0x7fffffff", 0, &out, &len, err, sizeof err), -1);
    assert_int_equal(ppc_assemble(V, ".org 0xfffffffc\nnop\nnop", 0xfffffff8, &out, &len, err, sizeof err), -1);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_extended), cmocka_unit_test(test_syntax),      cmocka_unit_test(test_labels),
        cmocka_unit_test(test_relocs),   cmocka_unit_test(test_directives),  cmocka_unit_test(test_expressions),
        cmocka_unit_test(test_errors),   cmocka_unit_test(test_gnu_rules),   cmocka_unit_test(test_disasm),
        cmocka_unit_test(test_roundtrip),
        cmocka_unit_test(test_garbage),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
