/* test_m68k_asm.c - cmocka tests of the 68000/68010 assembler and disassembler
 * (isa/m68k/asm.c, isa/m68k/disasm.c). GNU binutils judge the whole opcode
 * space in tests/binutils_m68k.sh; these tests pin the assembler's language:
 * directives, expressions, labels, forward references, both syntaxes, and the
 * `line:col: message` errors. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "isa/m68k/m68k.h"

#define V0 M68K_68000
#define V1 M68K_68010

static void check_bytes(int variant, uint32_t org, const char *src, const uint8_t *exp, size_t n) {
    uint8_t *out = NULL;
    size_t len = 0;
    char err[256] = "";
    int rc = m68k_assemble(variant, src, org, &out, &len, err, sizeof err);
    if (rc != 0) fail_msg("assembling \"%s\": %s", src, err);
    if (len != n || (n && memcmp(out, exp, n))) {
        char got[256] = "", want[256] = "";
        for (size_t i = 0; i < len && i < 100; i++) snprintf(got + 2 * i, 3, "%02x", out[i]);
        for (size_t i = 0; i < n && i < 100; i++) snprintf(want + 2 * i, 3, "%02x", exp[i]);
        free(out);
        fail_msg("\"%s\": got %s, want %s", src, got, want);
    }
    free(out);
}

#define ASM_OK(variant, src, ...)                                                     \
    do {                                                                              \
        const uint8_t exp_[] = { __VA_ARGS__ };                                       \
        check_bytes(variant, 0, src, exp_, sizeof exp_);                              \
    } while (0)

static void check_err(int variant, const char *src, const char *want) {
    uint8_t *out = (uint8_t *)1;
    size_t len = 99;
    char err[256] = "";
    int rc = m68k_assemble(variant, src, 0, &out, &len, err, sizeof err);
    if (rc != -1) { free(out); fail_msg("\"%s\" assembled, want error \"%s\"", src, want); }
    assert_null(out);
    assert_int_equal(len, 0);
    if (strcmp(err, want)) fail_msg("\"%s\": error \"%s\", want \"%s\"", src, err, want);
}

static void check_dis(int variant, uint32_t addr, const uint8_t *b, size_t n, const char *want, int wantlen) {
    char out[128];
    int len = m68k_disasm(variant, b, n, addr, out, sizeof out);
    if (len != wantlen || strcmp(out, want))
        fail_msg("disasm: got \"%s\" (%d), want \"%s\" (%d)", out, len, want, wantlen);
}

#define DIS(variant, addr, want, wantlen, ...)                                         \
    do {                                                                               \
        const uint8_t b_[] = { __VA_ARGS__ };                                          \
        check_dis(variant, addr, b_, sizeof b_, want, wantlen);                        \
    } while (0)

/* ---- data directives -------------------------------------------------------- */

static void test_directives(void **state) {
    (void)state;
    ASM_OK(V0, " .byte 1,2,255,-1\n", 1, 2, 255, 255);
    ASM_OK(V0, " .short 0x1234,-2\n .word 5\n", 0x12, 0x34, 0xff, 0xfe, 0, 5); /* .word is 16-bit */
    ASM_OK(V0, " .long 0x12345678\n", 0x12, 0x34, 0x56, 0x78);
    ASM_OK(V0, " dc.b 1\n dc.w 2\n dc.l 3\n", 1, 0, 2, 0, 0, 0, 3);
    ASM_OK(V0, " .ascii \"ab\\n\"\n .asciz \"c\"\n", 'a', 'b', '\n', 'c', 0);
    ASM_OK(V0, " dc.b \"hi\",0\n", 'h', 'i', 0);
    ASM_OK(V0, " .byte 1\n .align 4\n .byte 2\n", 1, 0, 0, 0, 2);
    ASM_OK(V0, " .byte 1\n .even\n .byte 2\n", 1, 0, 2);
    ASM_OK(V0, " .byte 1\n .org 4\n .byte 2\n", 1, 0, 0, 0, 2);
    ASM_OK(V0, " .space 3\n .byte 9\n", 0, 0, 0, 9);
    ASM_OK(V0, " ds.w 1\n .byte 9\n", 0, 0, 9);
    ASM_OK(V0, " .text\n .globl foo\nfoo: .byte 7\n", 7);
    /* comments: | and ; anywhere, # and * at the start of a line */
    ASM_OK(V0, "# comment\n* comment\n nop | comment\n nop ; comment\n", 0x4e, 0x71, 0x4e, 0x71);
    /* an empty source is fine */
    check_bytes(V0, 0, "", NULL, 0);
    check_bytes(V0, 0, "\n  \n| only a comment\n", NULL, 0);
}

static void test_org_origin(void **state) {
    (void)state;
    /* --org: labels are absolute, output starts at the origin */
    const uint8_t exp[] = { 0x00, 0x00, 0x10, 0x04, 0x4e, 0x75 };
    check_bytes(V0, 0x1000, " dc.l here\nhere: rts\n", exp, sizeof exp);
    const uint8_t exp2[] = { 0x4e, 0x71, 0, 0, 0x4e, 0x75 };
    check_bytes(V0, 0x1000, " nop\n .org 0x1004\n rts\n", exp2, sizeof exp2);
}

/* ---- expressions -------------------------------------------------------------- */

static void test_expressions(void **state) {
    (void)state;
    ASM_OK(V0, " .byte 1+2*3, (1+2)*3, 10/3, 10%3, 7-2-1\n", 7, 9, 3, 1, 4);
    ASM_OK(V0, " .byte 1<<4|1, 0xf0>>4, 6&3, 6^3, ~0&0xff, -(-5)\n", 0x11, 0x0f, 2, 5, 0xff, 5);
    ASM_OK(V0, " .byte 0x1f, $1f, 0b101, 017, 'A', '\\n'\n", 0x1f, 0x1f, 5, 15, 'A', '\n');
    ASM_OK(V0, " .word .\n .word .+2\n", 0, 0, 0, 4);
    ASM_OK(V0, "N = 4\n .equ M, N*2\nK equ M+1\n .byte N, M, K\n", 4, 8, 9);
    ASM_OK(V0, " .set X, 1\n .byte X\n .set X, 2\n .byte X\n", 1, 2);
    ASM_OK(V0, " moveq #'a',d0\n", 0x70, 0x61);
    ASM_OK(V0, " move.w #(1<<4)|3&~1,d0\n", 0x30, 0x3c, 0x00, 0x12);
    ASM_OK(V0, " move.l #-1,d0\n", 0x20, 0x3c, 0xff, 0xff, 0xff, 0xff);
    ASM_OK(V0, " move.l #0xffffffff,d0\n", 0x20, 0x3c, 0xff, 0xff, 0xff, 0xff);
}

/* ---- labels and forward references -------------------------------------------- */

static void test_labels(void **state) {
    (void)state;
    /* forward branch, word by default */
    ASM_OK(V0, " bra fwd\n nop\nfwd: rts\n", 0x60, 0x00, 0x00, 0x04, 0x4e, 0x71, 0x4e, 0x75);
    /* .s / .b short; backward */
    ASM_OK(V0, "top: nop\n bra.s top\n", 0x4e, 0x71, 0x60, 0xfc);
    ASM_OK(V0, "top: nop\n bne.b top\n", 0x4e, 0x71, 0x66, 0xfc);
    ASM_OK(V0, "top: nop\n bras top\n braw top\n", 0x4e, 0x71, 0x60, 0xfc, 0x60, 0x00, 0xff, 0xfa);
    ASM_OK(V0, "l: dbra d0,l\n dbf d1,l\n dbne d2,l\n", 0x51, 0xc8, 0xff, 0xfe, 0x51, 0xc9, 0xff, 0xfa, 0x56, 0xca, 0xff, 0xf6);
    /* pc-relative: a label is the target, a number the displacement */
    ASM_OK(V0, " lea msg(pc),a0\n lea (msg,pc),a1\n lea %pc@(msg),%a2\nmsg: .byte 0\n",
           0x41, 0xfa, 0x00, 0x0a, 0x43, 0xfa, 0x00, 0x06, 0x45, 0xfa, 0x00, 0x02, 0);
    ASM_OK(V0, " lea 8(pc),a0\n lea %pc@(-20),%a0\n", 0x41, 0xfa, 0x00, 0x08, 0x41, 0xfa, 0xff, 0xec);
    /* a label in an absolute address is long, even when small */
    ASM_OK(V0, " jmp there\nthere: rts\n", 0x4e, 0xf9, 0, 0, 0, 6, 0x4e, 0x75);
    /* data referring forward, label differences are constants */
    ASM_OK(V0, " dc.w end-start\nstart: nop\nend:\n", 0, 2, 0x4e, 0x71);
    /* a constant defined later still gives a short absolute address */
    ASM_OK(V0, " move.w ADDR,d0\nADDR = 0x1234\n", 0x30, 0x38, 0x12, 0x34);
    ASM_OK(V0, "a: b: nop\n dc.w a, b\n", 0x4e, 0x71, 0, 0, 0, 0);
    /* local numeric labels */
    ASM_OK(V0, "1: nop\n bra.s 1b\n bra.s 1f\n nop\n1: rts\n bra.s 1b\n",
           0x4e, 0x71, 0x60, 0xfc, 0x60, 0x02, 0x4e, 0x71, 0x4e, 0x75, 0x60, 0xfc);
}

/* ---- instructions: Motorola and MIT syntax ---------------------------------------- */

static void test_syntax(void **state) {
    (void)state;
    ASM_OK(V0, " move.w sr,d0\n move.w %sr,%d0\n movew %sr,%d0\n move sr,d0\n",
           0x40, 0xc0, 0x40, 0xc0, 0x40, 0xc0, 0x40, 0xc0);
    ASM_OK(V0, " move.l 8(a0,d1.w),d2\n move.l (8,a0,d1.w),d2\n movel %a0@(8,%d1:w),%d2\n",
           0x24, 0x30, 0x10, 0x08, 0x24, 0x30, 0x10, 0x08, 0x24, 0x30, 0x10, 0x08);
    ASM_OK(V0, " move.l (a0,d1.l),d2\n move.l -8(a1,a2.l),d2\n", 0x24, 0x30, 0x18, 0x00, 0x24, 0x31, 0xa8, 0xf8);
    ASM_OK(V0, " move.b (a0)+,-(a1)\n moveb %a0@+,%a1@-\n", 0x13, 0x18, 0x13, 0x18);
    ASM_OK(V0, " move.w (a0),8(a1)\n movew %a0@,%a1@(8)\n", 0x33, 0x50, 0x00, 0x08, 0x33, 0x50, 0x00, 0x08);
    ASM_OK(V0, " move.w $1234.w,d0\n move.w 0x1234:w,d0\n move.w (0x1234).l,d0\n move.w 0x1234:l,d0\n",
           0x30, 0x38, 0x12, 0x34, 0x30, 0x38, 0x12, 0x34, 0x30, 0x39, 0, 0, 0x12, 0x34, 0x30, 0x39, 0, 0, 0x12, 0x34);
    ASM_OK(V0, " move.w 0x12345678,d0\n move.w 0xffff8000,d0\n", 0x30, 0x39, 0x12, 0x34, 0x56, 0x78, 0x30, 0x38, 0x80, 0x00);
    ASM_OK(V0, " movem.l d0-d3/a0,-(sp)\n movem.l (sp)+,d0-d3/a0\n", 0x48, 0xe7, 0xf0, 0x80, 0x4c, 0xdf, 0x01, 0x0f);
    ASM_OK(V0, " moveml %d0-%d1,%a0@\n movem.w d0,(a0)\n moveml #0,%a0@\n", 0x48, 0xd0, 0, 3, 0x48, 0x90, 0, 1, 0x48, 0xd0, 0, 0);
    ASM_OK(V0, " move.l a7,d0\n move.l sp,d0\n move.l fp,d0\n", 0x20, 0x0f, 0x20, 0x0f, 0x20, 0x0e);
    /* generic mnemonics reach the A/I/Q forms, as in GNU as */
    ASM_OK(V0, " move.l d0,a1\n add.w d0,a1\n add.w #1,(a0)\n cmp.b (a0)+,(a1)+\n and.w #0xff00,sr\n",
           0x22, 0x40, 0xd2, 0xc0, 0x06, 0x50, 0x00, 0x01, 0xb3, 0x08, 0x02, 0x7c, 0xff, 0x00);
    ASM_OK(V0, " addq.l #8,a0\n subq.w #1,d0\n moveq #-1,d0\n", 0x50, 0x88, 0x53, 0x40, 0x70, 0xff);
    ASM_OK(V0, " asl.w #3,d0\n lsr.l d1,d2\n ror.w (a0)\n roxl.b #8,d0\n", 0xe7, 0x40, 0xe2, 0xaa, 0xe6, 0xd0, 0xe1, 0x10);
    ASM_OK(V0, " btst #3,d0\n bset d1,(a0)\n bchg #1,4(a0)\n", 0x08, 0x00, 0x00, 0x03, 0x03, 0xd0, 0x08, 0x68, 0, 1, 0, 4);
    ASM_OK(V0, " exg d0,a1\n exg a1,d0\n exg d0,d1\n", 0xc1, 0x89, 0xc1, 0x89, 0xc1, 0x41);
    ASM_OK(V0, " abcd -(a0),-(a1)\n addx.l d0,d1\n cmpm.w (a0)+,(a1)+\n", 0xc3, 0x08, 0xd3, 0x80, 0xb3, 0x48);
    ASM_OK(V0, " movep.w 4(a0),d0\n movep.l d0,(a0)\n", 0x01, 0x08, 0, 4, 0x01, 0xc8, 0, 0);
    ASM_OK(V0, " link a6,#-8\n unlk a6\n trap #15\n stop #0x2700\n", 0x4e, 0x56, 0xff, 0xf8, 0x4e, 0x5e, 0x4e, 0x4f, 0x4e, 0x72, 0x27, 0x00);
    ASM_OK(V0, " move.l usp,a0\n move a0,usp\n ori #0x700,sr\n andi.b #1,ccr\n move d0,ccr\n",
           0x4e, 0x68, 0x4e, 0x60, 0x00, 0x7c, 0x07, 0x00, 0x02, 0x3c, 0x00, 0x01, 0x44, 0xc0);
    ASM_OK(V0, " illegal\n reset\n rte\n rtr\n trapv\n", 0x4a, 0xfc, 0x4e, 0x70, 0x4e, 0x73, 0x4e, 0x77, 0x4e, 0x76);
    ASM_OK(V0, " st d0\n shs (a0)\n slo d1\n seq d0\n", 0x50, 0xc0, 0x54, 0xd0, 0x55, 0xc1, 0x57, 0xc0);
    ASM_OK(V0, " MOVE.W D0,D1\n Move.L #1,(A0)\n", 0x32, 0x00, 0x20, 0xbc, 0, 0, 0, 1);
    /* 68010 */
    ASM_OK(V1, " movec vbr,d0\n movec d1,sfc\n movec %usp,%a0\n", 0x4e, 0x7a, 0x08, 0x01, 0x4e, 0x7b, 0x10, 0x00, 0x4e, 0x7a, 0x88, 0x00);
    ASM_OK(V1, " moves.l (a0),d1\n moves.w d1,(a0)\n rtd #4\n bkpt #3\n move.w ccr,d0\n",
           0x0e, 0x90, 0x10, 0x00, 0x0e, 0x50, 0x18, 0x00, 0x4e, 0x74, 0, 4, 0x48, 0x4b, 0x42, 0xc0);
}

/* ---- errors: "line:col: message" --------------------------------------------------- */

static void test_errors(void **state) {
    (void)state;
    check_err(V0, "start:\n  nop\n  move.w d9,d0\n", "3:10: unknown register 'd9'");
    check_err(V0, "\n\nlabel:  move.l d9,d0\n", "3:16: unknown register 'd9'");
    check_err(V0, " move.w %d9,%d0\n", "1:9: unknown register '%d9'");
    check_err(V0, " nop\n frob d0\n", "2:2: unknown instruction 'frob'");
    check_err(V0, " lea d0,a0\n", "1:6: addressing mode not allowed for 'lea'");
    check_err(V0, " move.w d0,#1\n", "1:12: addressing mode not allowed for 'move'");
    check_err(V0, " jmp (a0)+\n", "1:6: addressing mode not allowed for 'jmp'");
    check_err(V0, " addq.w #9,d0\n", "1:9: immediate 9 out of range 1..8");
    check_err(V0, " moveq #300,d0\n", "1:8: immediate 300 out of range -128..127");
    check_err(V0, " move.b #256,d0\n", "1:9: immediate 256 out of range -128..255");
    check_err(V0, " dc.b 256\n", "1:7: value 256 out of range -128..255");
    check_err(V0, " dc.w 0x10000\n", "1:7: value 65536 out of range -32768..65535");
    check_err(V0, " move.w 8(a0),d0\n move.w 40000(a0),d0\n", "2:9: displacement 40000 out of range -32768..32767");
    check_err(V0, " bra.s far\n .space 200\nfar: rts\n", "1:8: branch displacement 200 out of range -128..127");
    check_err(V0, " bsr.s next\nnext: nop\n", "1:8: short branch to the next instruction is not encodable");
    check_err(V0, " bra nowhere\n", "1:6: undefined symbol 'nowhere'");
    check_err(V0, " .long x+1\n", "1:8: undefined symbol 'x'");
    check_err(V0, " bra 1b\n1: nop\n", "1:6: undefined local label '1b'");
    check_err(V0, "1: bra 1f\n", "1:8: undefined local label '1f'");
    check_err(V0, " .ascii \"abc\n", "1:9: unterminated string");
    check_err(V0, " .byte 'a\n .byte '", "2:8: unterminated character constant");
    check_err(V0, "x: nop\nx: nop\n", "2:1: symbol 'x' is already defined (line 1)");
    check_err(V0, " rts d0\n", "1:2: 'rts' takes 0 operands, got 1");
    check_err(V0, " move.w d0\n", "1:2: 'move' takes 2 operands, got 1");
    check_err(V0, " move.w #1,\n", "1:12: missing operand");
    check_err(V0, " lea.b (a0),a1\n", "1:2: invalid size for 'lea'");
    check_err(V0, " move.q d0,d1\n", "1:6: invalid size suffix '.q'");
    check_err(V0, " .frob 1\n", "1:2: unknown directive '.frob'");
    check_err(V0, " move.w #1/0,d0\n", "1:11: division by zero");
    check_err(V0, " move.l #0x100000000,d0\n", "1:9: immediate 4294967296 out of range -2147483648..4294967295");
    check_err(V0, " .long 0x10000000000000000\n", "1:8: number too large");
    check_err(V0, " move.w (a0,d1*2),d0\n", "1:9: scale factor needs a 68020 or later");
    check_err(V0, " bra.l x\nx: nop\n", "1:2: 32-bit branch displacements need a 68020 or later");
    check_err(V0, " movec vbr,d0\n", "1:2: 'movec' is a 68010 instruction (not on the 68000)");
    check_err(V0, " move.w ccr,d0\n", "1:2: 'move' with these operands is a 68010 instruction (not on the 68000)");
    check_err(V1, " movec cacr,d0\n", "1:8: control register not available on this model");
    check_err(V0, " .byte 1\n nop\n", "2:2: instruction address 0x1 is not a multiple of 2");
    check_err(V0, " .org 4\n .org 2\n", "2:7: '.org 0x2' would move the location counter backwards (now 0x4)");
    check_err(V0, " move.w (a0,d1.w,d0\n", "1:17: missing ')'");
    check_err(V0, " move.w d0,d1 junk\n", "1:15: junk 'junk' after operand");
    check_err(V0, " movem.l d0-a9,-(sp)\n", "1:13: unknown register 'a9'");
    check_err(V0, " nop\r\n bogus\r\n", "2:2: unknown instruction 'bogus'");
}

/* ---- GNU as's ranges and symbol rules ------------------------------------------------ */

static void test_gnu_rules(void **state) {
    (void)state;
    /* moveq takes -128..127 (GNU as refuses 128..255, which used to wrap) */
    ASM_OK(V0, " moveq #127,d0\n moveq #-128,d1\n", 0x70, 0x7f, 0x72, 0x80);
    check_err(V0, " moveq #200,d0\n", "1:8: immediate 200 out of range -128..127");
    check_err(V0, " moveq #128,d0\n", "1:8: immediate 128 out of range -128..127");
    check_err(V0, " moveq #-129,d0\n", "1:8: immediate -129 out of range -128..127");
    /* a 32-bit constant with the top bit set reads as negative (GNU's sign extension) */
    ASM_OK(V0, " moveq #0xffffff80,d0\n move.b #0xffffffff,d0\n move.w #0xffff8000,d0\n",
           0x70, 0x80, 0x10, 0x3c, 0xff, 0xff, 0x30, 0x3c, 0x80, 0x00);
    check_err(V0, " move.w #0xffff0000,d0\n", "1:9: immediate 4294901760 out of range -32768..65535");
    /* quick values, bit numbers, vectors, link/stop/rtd/bkpt, displacements */
    check_err(V0, " addq.l #0,d0\n", "1:9: immediate 0 out of range 1..8");
    check_err(V0, " asl.w #9,d0\n", "1:8: immediate 9 out of range 1..8");
    check_err(V0, " btst #256,d0\n", "1:7: bit number 256 out of range -128..255");
    check_err(V0, " trap #16\n", "1:7: trap vector 16 out of range 0..15");
    check_err(V0, " link a6,#40000\n", "1:10: immediate 40000 out of range -32768..32767");
    check_err(V0, " stop #0x10000\n", "1:7: immediate 65536 out of range -32768..65535");
    check_err(V1, " rtd #0x10000\n", "1:6: immediate 65536 out of range -32768..65535");
    check_err(V1, " bkpt #8\n", "1:7: immediate 8 out of range 0..7");
    check_err(V0, " movem.l #0x10000,-(sp)\n", "1:10: immediate 65536 out of range 0..65535");
    check_err(V0, " lea 40000(pc),a0\n", "1:6: displacement 40000 out of range -32768..32767");
    check_err(V0, " lea (200,pc,d0.w),a0\n", "1:6: index displacement 200 out of range -128..127");
    check_err(V0, "l: dbra d0,l+40000\n", "1:12: branch displacement 39998 out of range -32768..32767");
    /* an explicit :w address takes 0x8000..0xffff too (it means 0xffff8000..) */
    ASM_OK(V0, " move.w 0x8000:w,d0\n", 0x30, 0x38, 0x80, 0x00);
    check_err(V0, " move.w 0x12345:w,d0\n", "1:9: address 0x12345 does not fit a short absolute address");
    /* symbols: a label is defined once; an assigned symbol may be assigned again */
    ASM_OK(V0, "x: x: nop\n", 0x4E, 0x71); /* GNU as: restated at its own address */
    check_err(V0, "x: nop\nx: nop\n", "2:1: symbol 'x' is already defined (line 1)");
    check_err(V0, "x: nop\nx = 5\n", "2:1: symbol 'x' is already defined (line 1)");
    check_err(V0, "x: nop\nx equ 5\n", "2:1: symbol 'x' is already defined (line 1)");
    check_err(V0, "d0: nop\n", "1:1: register name 'd0' cannot be a symbol");
    ASM_OK(V0, "x = 1\n .byte x\nx = 2\n .byte x\nx equ 3\nx set 4\n .byte x\n", 1, 2, 4);
    ASM_OK(V0, "x = 1\nx: .byte x\n", 0);
    /* GNU as's precedence: | over +, + over ==, && over || */
    ASM_OK(V0, " .byte 2|1+1, 2==1+1, 1||0&&0\n", 4, 0xff, 1);
}

/* ---- disassembler ------------------------------------------------------------------- */

static void test_disasm(void **state) {
    (void)state;
    DIS(V0, 0, "movew %sr,%d0", 2, 0x40, 0xc0);
    DIS(V0, 0, "moveal %a0,%a1", 2, 0x22, 0x48);
    DIS(V0, 0x100, "bras 0x114", 2, 0x60, 0x12);
    DIS(V0, 0x100, "braw 0x114", 4, 0x60, 0x00, 0x00, 0x12);
    DIS(V0, 0, "moveml %d0-%d3/%a0,%sp@-", 4, 0x48, 0xe7, 0xf0, 0x80);
    DIS(V0, 0, "movel %a0@(8,%d1:w),%d2", 4, 0x24, 0x30, 0x10, 0x08);
    DIS(V0, 0, "movew 0x1234:w,%d0", 4, 0x30, 0x38, 0x12, 0x34);
    DIS(V0, 0, "movew 0x12345678,%d0", 6, 0x30, 0x39, 0x12, 0x34, 0x56, 0x78);
    DIS(V0, 0, "lea %pc@(-20),%a0", 4, 0x41, 0xfa, 0xff, 0xec);
    DIS(V0, 0, "orib #144,%d0", 4, 0x00, 0x00, 0x00, 0x90);
    DIS(V0, 0, "orib #-112,%d0", 4, 0x00, 0x00, 0xff, 0x90);
    DIS(V0, 0, "illegal", 2, 0x4a, 0xfc);
    DIS(V0, 0, ".short 0xa000", 2, 0xa0, 0x00);
    DIS(V0, 0, ".short 0xf000", 2, 0xf0, 0x00);
    DIS(V0, 0, ".short 0x4e7a", 2, 0x4e, 0x7a, 0x08, 0x01);  /* MOVEC is 68010 */
    DIS(V1, 0, "movec %vbr,%d0", 4, 0x4e, 0x7a, 0x08, 0x01);
    DIS(V1, 0, ".short 0x4e7a", 2, 0x4e, 0x7a, 0x00, 0x02);  /* cacr: not on a 68010 */
    DIS(V1, 0, "movesl %d1,%a0@", 4, 0x0e, 0x90, 0x18, 0x00);
    DIS(V1, 0, "bkpt #3", 2, 0x48, 0x4b);
    char out[64];
    const uint8_t shortb[] = { 0x30, 0x39, 0x12 };
    assert_int_equal(m68k_disasm(V0, shortb, 3, 0, out, sizeof out), -1);
    assert_non_null(strstr(out, "truncated"));
    assert_int_equal(m68k_disasm(V0, shortb, 1, 0, out, sizeof out), -1);
    /* a tiny output buffer is truncated, never overrun */
    char tiny[4];
    assert_int_equal(m68k_disasm(V0, (const uint8_t[]){ 0x40, 0xc0 }, 2, 0, tiny, sizeof tiny), 2);
    assert_string_equal(tiny, "mov");
}

/* Every legal first word (zero extension words) disassembles and reassembles to
 * the same bytes; the GNU judge does the same for both extension sets. */
static void test_roundtrip(void **state) {
    (void)state;
    for (int v = 0; v < M68K_NMODELS; v++) {
        int legal = 0;
        for (unsigned w = 0; w < 0x10000; w += 1) {
            uint8_t b[10] = { (uint8_t)(w >> 8), (uint8_t)w, 0, 0x12, 0, 0x12, 0, 0x12, 0, 0x12 };
            if ((w & 0xfffe) == 0x4e7a) b[2] = 0x08, b[3] = 0x01;
            if ((w & 0xffc0) == 0x0e00 || (w & 0xffc0) == 0x0e40 || (w & 0xffc0) == 0x0e80) b[3] = 0;
            char text[128];
            int len = m68k_disasm(v, b, sizeof b, 0x2000, text, sizeof text);
            assert_true(len >= 2 && len <= 10);
            if (!strncmp(text, ".short", 6)) continue;
            legal++;
            uint8_t *out = NULL;
            size_t olen = 0;
            char err[256];
            if (m68k_assemble(v, text, 0x2000, &out, &olen, err, sizeof err))
                fail_msg("%04x \"%s\": %s", w, text, err);
            if (olen != (size_t)len || memcmp(out, b, olen)) { free(out); fail_msg("%04x \"%s\" differs", w, text); }
            free(out);
        }
        assert_true(legal > 45000);
    }
}

/* Garbage never crashes the assembler and always yields a line:col error or bytes. */
static void test_garbage(void **state) {
    (void)state;
    static const char alphabet[] = "abcdlmoqrstuvwx0123456789#$%()+-*/,.:;'\"@|&<>~ \tdapcs\n";
    static const char *const frags[] = { "move.w ", "d0", "(a0)", "-(sp)", "#1", ",", "%pc@(", ")", "lab:", "0x",
                                         ".byte ", "\"", "'", "movem.l ", "d0-d7/a0-a6", ".w", ":l", "\n", "bra ", "lab" };
    unsigned seed = 12345;
    char src[256];
    for (int iter = 0; iter < 20000; iter++) {
        size_t n = 0;
        int k = (int)((seed = seed * 1103515245u + 12345u) >> 16) % 12 + 1;
        for (int j = 0; j < k && n < sizeof src - 32; j++) {
            seed = seed * 1103515245u + 12345u;
            if ((seed >> 16) & 1) {
                const char *f = frags[(seed >> 17) % (sizeof frags / sizeof frags[0])];
                size_t fl = strlen(f);
                memcpy(src + n, f, fl);
                n += fl;
            } else {
                src[n++] = alphabet[(seed >> 17) % (sizeof alphabet - 1)];
            }
        }
        src[n] = 0;
        uint8_t *out = NULL;
        size_t len = 0;
        char err[128];
        int rc = m68k_assemble(iter & 1, src, 0, &out, &len, err, sizeof err);
        if (rc == 0) free(out);
        else {
            int line, col;
            assert_int_equal(sscanf(err, "%d:%d:", &line, &col), 2);
            assert_true(line >= 1 && col >= 1);
        }
    }
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_directives), cmocka_unit_test(test_org_origin), cmocka_unit_test(test_expressions),
        cmocka_unit_test(test_labels),     cmocka_unit_test(test_syntax),     cmocka_unit_test(test_errors),
        cmocka_unit_test(test_gnu_rules),  cmocka_unit_test(test_disasm),     cmocka_unit_test(test_roundtrip),
        cmocka_unit_test(test_garbage),
    };
    return cmocka_run_group_tests_name("m68k_asm", tests, NULL, NULL);
}
