/* test_x86_disasm.c - cmocka tests of the x86 subset's disassembler
 * (isa/x86-subset/disasm.c) and decode metadata (x86_decode_info).
 * tests/binutils_x86.sh judges every row of the decode table and random
 * streams against objdump; these pin a handful of instructions per family,
 * each checked by hand against objdump -D -b binary -m i386 / -m i8086
 * (binutils 2.40), and the flow and static targets of the branches. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "isa/x86-subset/x86.h"

typedef struct tcase {
    int model;      /* X86_I386, X86_PENTIUM */
    bool big;       /* 32-bit code */
    uint32_t addr;
    const char *hex;
    int len;
    const char *text; /* objdump's, whitespace folded */
} tcase;

static size_t unhex(const char *h, uint8_t *b) {
    size_t n = 0;
    for (; h[0] && h[1]; h += 2) {
        unsigned v;
        sscanf(h, "%2x", &v);
        b[n++] = (uint8_t)v;
    }
    return n;
}

/* whitespace runs folded to one blank */
static void fold(char *s) {
    char *d = s;
    bool sp = false;
    for (char *p = s; *p; p++) {
        if (*p == ' ' || *p == '\t') {
            sp = d != s;
            continue;
        }
        if (sp) *d++ = ' ';
        sp = false;
        *d++ = *p;
    }
    *d = 0;
}

static void run(const tcase *t, size_t n) {
    for (size_t i = 0; i < n; i++) {
        uint8_t b[32];
        memset(b, 0x90, sizeof b);
        size_t nb = unhex(t[i].hex, b);
        (void)nb;
        char out[200];
        int len = x86_disasm_code(t[i].model, t[i].big, b, sizeof b, t[i].addr, out, sizeof out);
        fold(out);
        if (len != t[i].len || strcmp(out, t[i].text))
            fail_msg("%s %s-bit %s: got \"%s\" (%d), want \"%s\" (%d)", t[i].model ? "pentium" : "i386",
                     t[i].big ? "32" : "16", t[i].hex, out, len, t[i].text, t[i].len);
    }
}

#define P5 X86_PENTIUM
#define I3 X86_I386

static void test_alu_mov(void **st) {
    (void)st;
    static const tcase t[] = {
        { P5, true, 0, "01d8", 2, "add %ebx,%eax" },
        { P5, true, 0, "830001", 3, "addl $0x1,(%eax)" },
        { P5, true, 0, "6683c0ff", 4, "add $0xffff,%ax" },
        { P5, true, 0, "f6080a", 3, "testb $0xa,(%eax)" },
        { P5, true, 0, "f66800", 3, "imulb 0x0(%eax)" },
        { P5, true, 0, "6b00ff", 3, "imul $0xffffffff,(%eax),%eax" },
        { P5, true, 0, "c70001000000", 6, "movl $0x1,(%eax)" },
        { P5, true, 0, "8b0424", 3, "mov (%esp),%eax" },
        { P5, true, 0, "8b0420", 3, "mov (%eax,%eiz,1),%eax" },
        { P5, true, 0, "8b0c05ff000000", 7, "mov 0xff(,%eax,1),%ecx" },
        { P5, true, 0, "8b4080", 3, "mov -0x80(%eax),%eax" },
        { P5, true, 0, "8b05ffffffff", 6, "mov 0xffffffff,%eax" },
        { P5, true, 0, "26a100000000", 6, "mov %es:0x0,%eax" },
        { P5, true, 0, "a000000000", 5, "mov 0x0,%al" },
        { P5, true, 0, "0fb6c0", 3, "movzbl %al,%eax" },
        { P5, true, 0, "660fbec0", 4, "movsbw %al,%ax" },
        { P5, true, 0, "0fbf00", 3, "movswl (%eax),%eax" },
        { P5, true, 0, "97", 1, "xchg %eax,%edi" },
        { P5, true, 0, "0fa500", 3, "shld %cl,%eax,(%eax)" },
        { P5, true, 0, "0fba2000", 4, "btl $0x0,(%eax)" },
        { P5, true, 0, "0f9400", 3, "sete (%eax)" },
        { P5, true, 0, "8d00", 2, "lea (%eax),%eax" },
        { P5, true, 0, "6200", 2, "bound %eax,(%eax)" },
        { P5, true, 0, "c400", 2, "les (%eax),%eax" },
    };
    run(t, sizeof t / sizeof t[0]);
}

static void test_shift_stack_convert(void **st) {
    (void)st;
    static const tcase t[] = {
        { P5, true, 0, "d1e0", 2, "shl %eax" },
        { P5, true, 0, "d120", 2, "shll (%eax)" },
        { P5, true, 0, "c12002", 3, "shll $0x2,(%eax)" },
        { P5, true, 0, "d3e0", 2, "shl %cl,%eax" },
        { P5, true, 0, "d1f0", 2, "shl %eax" }, /* group 2 /6 */
        { P5, true, 0, "6aff", 2, "push $0xffffffff" },
        { P5, true, 0, "666a01", 3, "pushw $0x1" },
        { P5, true, 0, "0e", 1, "push %cs" },
        { P5, true, 0, "660e", 2, "pushw %cs" },
        { P5, true, 0, "669c", 2, "pushfw" },
        { P5, true, 0, "60", 1, "pusha" },
        { P5, true, 0, "8f00", 2, "pop (%eax)" },
        { P5, true, 0, "66ff30", 3, "pushw (%eax)" },
        { P5, true, 0, "c8040005", 4, "enter $0x4,$0x5" },
        { P5, true, 0, "66c9", 2, "leavew" },
        { P5, true, 0, "98", 1, "cwtl" },
        { P5, true, 0, "6698", 2, "cbtw" },
        { P5, true, 0, "99", 1, "cltd" },
        { P5, true, 0, "6699", 2, "cwtd" },
    };
    run(t, sizeof t / sizeof t[0]);
}

static void test_branches(void **st) {
    (void)st;
    static const tcase t[] = {
        { P5, true, 0x90, "e800000000", 5, "call 0x95" },
        { P5, true, 0x95, "ebfe", 2, "jmp 0x95" },
        { P5, true, 0x97, "0f8400000000", 6, "je 0x9d" },
        { P5, true, 0x9d, "e300", 2, "jecxz 0x9f" },
        { P5, true, 0x9f, "67e300", 3, "jcxz 0xa2" },
        { P5, true, 0x1fff0, "66e80000", 4, "callw 0xfff4" },
        { P5, true, 0, "eb80", 2, "jmp 0xffffff82" },
        { P5, true, 0x600, "2e7400", 3, "je,pn 0x603" },
        { P5, true, 0x600, "3e7400", 3, "je,pt 0x603" },
        { P5, true, 0x600, "f27400", 3, "bnd je 0x603" },
        { P5, true, 0x600, "66eb00", 3, "data16 jmp 0x603" },
        { P5, true, 0x600, "2ee200", 3, "loop,pn 0x603" },
        { P5, true, 0, "9a785634120800", 7, "lcall $0x8,$0x12345678" },
        { P5, true, 0, "ea785634120800", 7, "ljmp $0x8,$0x12345678" },
        { P5, true, 0, "ff18", 2, "lcall *(%eax)" },
        { P5, true, 0, "66ff18", 3, "lcallw *(%eax)" },
        { P5, true, 0, "ffd0", 2, "call *%eax" },
        { P5, true, 0, "66ffd0", 3, "call *%ax" },
        { P5, true, 0, "ff2500000000", 6, "jmp *0x0" },
        { P5, true, 0, "2eff20", 3, "jmp *%cs:(%eax)" },
        { P5, true, 0, "3effd0", 3, "notrack call *%eax" },
        { P5, true, 0, "c3", 1, "ret" },
        { P5, true, 0, "66c3", 2, "retw" },
        { P5, true, 0, "ca0400", 3, "lret $0x4" },
        { P5, true, 0, "cf", 1, "iret" },
        { P5, true, 0, "66cf", 2, "iretw" },
        { P5, true, 0, "cd03", 2, "int $0x3" },
        { P5, true, 0, "f1", 1, "int1" },
    };
    run(t, sizeof t / sizeof t[0]);
}

static void test_strings_prefixes(void **st) {
    (void)st;
    static const tcase t[] = {
        { P5, true, 0, "f3a5", 2, "rep movsl %ds:(%esi),%es:(%edi)" },
        { P5, true, 0, "f2a7", 2, "repnz cmpsl %es:(%edi),%ds:(%esi)" },
        { P5, true, 0, "f3a6", 2, "repz cmpsb %es:(%edi),%ds:(%esi)" },
        { P5, true, 0, "f3aa", 2, "rep stos %al,%es:(%edi)" },
        { P5, true, 0, "ad", 1, "lods %ds:(%esi),%eax" },
        { P5, true, 0, "6c", 1, "insb (%dx),%es:(%edi)" },
        { P5, true, 0, "6f", 1, "outsl %ds:(%esi),(%dx)" },
        { P5, true, 0, "67a5", 2, "movsl %ds:(%si),%es:(%di)" },
        { P5, true, 0, "26a5", 2, "movsl %es:(%esi),%es:(%edi)" },
        { P5, true, 0, "26d7", 2, "xlat %es:(%ebx)" },
        { P5, true, 0, "6790", 2, "addr16 nop" },
        { P5, true, 0, "2690", 2, "es nop" },
        { P5, true, 0, "f00100", 3, "lock add %eax,(%eax)" },
        { P5, true, 0, "f3f01126", 4, "xrelease lock adc %esp,(%esi)" },
        { P5, true, 0, "6690", 2, "xchg %ax,%ax" },
        { P5, true, 0, "f390", 2, "pause" },
        { P5, true, 0, "f3c3", 2, "repz ret" },
        { P5, true, 0, "668c18", 3, "data16 mov %ds,(%eax)" },
        { P5, true, 0, "26368b00", 4, "es mov %ss:(%eax),%eax" },
        { P5, true, 0, "66668b00", 4, "data16 mov (%eax),%ax" },
        { P5, true, 0, "f3f2a4", 3, "rep repnz movsb %ds:(%esi),%es:(%edi)" },
        { P5, true, 0, "67a20000", 4, "addr16 mov %al,0x0" },
    };
    run(t, sizeof t / sizeof t[0]);
}

static void test_system(void **st) {
    (void)st;
    static const tcase t[] = {
        { P5, true, 0, "0f0100", 3, "sgdtl (%eax)" },
        { P5, true, 0, "0f0118", 3, "lidtl (%eax)" },
        { P5, true, 0, "0f20c0", 3, "mov %cr0,%eax" },
        { P5, true, 0, "0f2000", 3, "mov %cr0,%eax" }, /* mod is ignored */
        { P5, true, 0, "0f23c0", 3, "mov %eax,%db0" },
        { I3, true, 0, "0f24f8", 3, "mov %tr7,%eax" },
        { P5, true, 0, "0f00c0", 3, "sldt %eax" },
        { P5, true, 0, "660f00c0", 4, "sldt %ax" },
        { P5, true, 0, "0f00d0", 3, "lldt %ax" },
        { P5, true, 0, "0f00e8", 3, "verw %ax" },
        { P5, true, 0, "0f01e0", 3, "smsw %eax" },
        { P5, true, 0, "0f01f0", 3, "lmsw %ax" },
        { P5, true, 0, "0f02c0", 3, "lar %eax,%eax" },
        { P5, true, 0, "63c0", 2, "arpl %ax,%ax" },
        { P5, true, 0, "8ed8", 2, "mov %eax,%ds" },
        { P5, true, 0, "8cf0", 2, "mov %?,%eax" },
        { P5, true, 0, "e501", 2, "in $0x1,%eax" },
        { P5, true, 0, "ee", 1, "out %al,(%dx)" },
        { P5, true, 0, "f4", 1, "hlt" },
        { P5, true, 0, "0f06", 2, "clts" },
    };
    run(t, sizeof t / sizeof t[0]);
}

/* The 486 and Pentium rows: what each model executes. */
static void test_models(void **st) {
    (void)st;
    static const tcase t[] = {
        { P5, true, 0, "0fa2", 2, "cpuid" },
        { I3, true, 0, "0fa2", 2, "(bad)" },
        { P5, true, 0, "0f31", 2, "rdtsc" },
        { P5, true, 0, "0fc708", 3, "cmpxchg8b (%eax)" },
        { I3, true, 0, "0fc708", 2, "(bad)" },
        { P5, true, 0, "f00fb100", 4, "lock cmpxchg %eax,(%eax)" },
        { P5, true, 0, "0fc1c0", 3, "xadd %eax,%eax" },
        { P5, true, 0, "660fc8", 3, "bswap %ax" },
        { I3, true, 0, "0fc9", 2, "(bad)" },
        { P5, true, 0, "0f0138", 3, "invlpg (%eax)" },
        { P5, true, 0, "0f24c0", 2, "(bad)" }, /* no test registers on the Pentium */
    };
    run(t, sizeof t / sizeof t[0]);
}

/* Invalid encodings: "(bad)" with objdump's length. */
static void test_bad(void **st) {
    (void)st;
    static const tcase t[] = {
        { P5, true, 0, "fe10", 1, "(bad)" },       /* group 4 /2 */
        { P5, true, 0, "0f0030", 2, "(bad)" },     /* group 6 /6 */
        { P5, true, 0, "c608", 1, "(bad)" },
        { P5, true, 0, "d6", 1, "(bad)" },
        { P5, true, 0, "0f0a", 2, "(bad)" },
        { P5, true, 0, "8dc0", 1, "(bad)" },       /* LEA with a register */
        { P5, true, 0, "ffd8", 1, "(bad)" },       /* far CALL through a register */
        { P5, true, 0, "0fc7c8", 1, "cmpxchg8b (bad)" },
        { P5, true, 0, "660fc7c8", 2, "data16 cmpxchg8b (bad)" },
        { P5, true, 0, "f00f0030", 3, "lock (bad)" },
    };
    run(t, sizeof t / sizeof t[0]);
}

static void test_x87(void **st) {
    (void)st;
    static const tcase t[] = {
        { P5, true, 0, "d8c1", 2, "fadd %st(1),%st" },
        { P5, true, 0, "dce1", 2, "fsub %st,%st(1)" },
        { P5, true, 0, "def9", 2, "fdivrp %st,%st(1)" },
        { P5, true, 0, "d9e8", 2, "fld1" },
        { P5, true, 0, "ded9", 2, "fcompp" },
        { P5, true, 0, "dfe0", 2, "fnstsw %ax" },
        { P5, true, 0, "dbe3", 2, "fninit" },
        { P5, true, 0, "dd00", 2, "fldl (%eax)" },
        { P5, true, 0, "df28", 2, "fildll (%eax)" },
        { P5, true, 0, "db38", 2, "fstpt (%eax)" },
        { P5, true, 0, "66d930", 3, "fnstenvs (%eax)" },
        { P5, true, 0, "66d900", 3, "data16 flds (%eax)" },
        { P5, true, 0, "d908", 2, "(bad) (%eax)" },
        { P5, true, 0, "d9d1", 2, "(bad)" },
        { P5, true, 0, "9b", 1, "fwait" },
    };
    run(t, sizeof t / sizeof t[0]);
}

static void test_16bit(void **st) {
    (void)st;
    static const tcase t[] = {
        { P5, false, 0, "0100", 2, "add %ax,(%bx,%si)" },
        { P5, false, 0, "0140ff", 3, "add %ax,-0x1(%bx,%si)" },
        { P5, false, 0, "01060090", 4, "add %ax,-0x7000" },
        { P5, false, 0, "6601c0", 3, "add %eax,%eax" },
        { P5, false, 0, "67010424", 4, "add %ax,(%esp)" },
        { P5, false, 0, "67010590909090", 7, "addr32 add %ax,0x90909090" },
        { P5, false, 0, "669c", 2, "pushfl" },
        { P5, false, 0, "6606", 2, "pushl %es" },
        { P5, false, 0, "66cb", 2, "lretl" },
        { P5, false, 0, "0f0100", 3, "sgdtw (%bx,%si)" },
        { P5, false, 0, "0fb6c0", 3, "movzbw %al,%ax" },
        { P5, false, 0, "6690", 2, "xchg %eax,%eax" },
        { P5, false, 0, "6798", 2, "addr32 cbtw" },
        { P5, false, 0, "66d920", 3, "fldenvl (%bx,%si)" },
        { P5, false, 0, "a5", 1, "movsw %ds:(%si),%es:(%di)" },
        { P5, false, 0x20, "e800f0", 3, "call 0xf023" },
        { P5, false, 0x74120, "e87856", 3, "call 0x7979b" },
        { P5, false, 0x20, "66e8000000f0", 6, "calll 0xf0000026" },
        { P5, false, 0x400, "67e2fe", 3, "loopl 0x401" },
        { P5, false, 0x400, "e3fe", 2, "jcxz 0x400" },
    };
    run(t, sizeof t / sizeof t[0]);
}

static void test_truncated(void **st) {
    (void)st;
    char out[80];
    const uint8_t b[] = { 0xB8, 0x01, 0x00, 0x0F };
    assert_int_equal(x86_disasm(X86_PENTIUM, b, 3, 0, out, sizeof out), -1);
    assert_non_null(strstr(out, "truncated"));
    assert_int_equal(x86_disasm(X86_PENTIUM, b + 3, 1, 0, out, sizeof out), -1);
    assert_int_equal(x86_disasm(X86_PENTIUM, b, 0, 0, out, sizeof out), -1);
    assert_int_equal(x86_disasm(X86_PENTIUM, NULL, 4, 0, out, sizeof out), -1);
    /* 16-bit code: B8 takes a word */
    assert_int_equal(x86_disasm_code(X86_PENTIUM, false, b, 3, 0, out, sizeof out), 3);
    assert_string_equal(out, "mov    $0x1,%ax");
    /* a small buffer is cut, not overrun */
    char small[8];
    memset(small, 'x', sizeof small);
    const uint8_t r[] = { 0xF3, 0xA5 };
    assert_int_equal(x86_disasm(X86_PENTIUM, r, 2, 0, small, 6), 2);
    assert_int_equal(strlen(small), 5);
    assert_int_equal(small[6], 'x');
}

/* ---- decode metadata ------------------------------------------------------------ */
static vl_decode_info info(int model, const char *hex, uint32_t addr) {
    uint8_t b[32];
    size_t n = unhex(hex, b);
    vl_decode_info d;
    x86_decode_info(model, b, n, addr, &d);
    return d;
}

static void test_decode_info(void **st) {
    (void)st;
    vl_decode_info d = info(P5, "e800000000", 0x1000);
    assert_int_equal(d.length, 5);
    assert_int_equal(d.flow, VL_FLOW_CALL);
    assert_true(d.has_target);
    assert_int_equal(d.target, 0x1005);
    assert_string_equal(d.mnemonic, "call");
    assert_int_equal(d.cls, VL_CLASS_INNOCUOUS);
    assert_true(d.form >= 0 && d.form < x86_ninsns);
    assert_int_equal(x86_insns[d.form].opcode, 0xE8);

    d = info(P5, "74fe", 0x2000);
    assert_int_equal(d.flow, VL_FLOW_BRANCH);
    assert_int_equal(d.target, 0x2000);
    d = info(P5, "0f85f0ffffff", 0x2000);
    assert_int_equal(d.length, 6);
    assert_int_equal(d.target, 0x1ff6);
    d = info(P5, "eb10", 0x2000);
    assert_int_equal(d.flow, VL_FLOW_JUMP);
    assert_int_equal(d.target, 0x2012);
    d = info(P5, "e2fe", 0x3000);
    assert_int_equal(d.flow, VL_FLOW_BRANCH);
    assert_int_equal(d.target, 0x3000);
    d = info(P5, "e3fe", 0x3000);
    assert_int_equal(d.flow, VL_FLOW_BRANCH);
    /* a 16-bit operand size truncates EIP */
    d = info(P5, "66e90000", 0x12340);
    assert_int_equal(d.flow, VL_FLOW_JUMP);
    assert_int_equal(d.target, 0x2344);

    /* no static target: through a register, far, returns */
    d = info(P5, "ffe0", 0);
    assert_int_equal(d.flow, VL_FLOW_INDIRECT);
    assert_false(d.has_target);
    d = info(P5, "ffd0", 0);
    assert_int_equal(d.flow, VL_FLOW_CALL);
    assert_false(d.has_target);
    d = info(P5, "ea785634120800", 0);
    assert_int_equal(d.flow, VL_FLOW_INDIRECT);
    assert_false(d.has_target);
    assert_int_equal(d.cls, VL_CLASS_MODE_SENSITIVE);
    assert_int_equal(info(P5, "c3", 0).flow, VL_FLOW_RETURN);
    assert_int_equal(info(P5, "cb", 0).flow, VL_FLOW_RETURN);
    assert_int_equal(info(P5, "cf", 0).flow, VL_FLOW_ERET);
    assert_int_equal(info(P5, "cd80", 0).flow, VL_FLOW_TRAP);
    assert_int_equal(info(P5, "90", 0).flow, VL_FLOW_NONE);

    /* classes */
    d = info(P5, "f4", 0);
    assert_int_equal(d.flow, VL_FLOW_HALT);
    assert_int_equal(d.cls, VL_CLASS_PRIVILEGED);
    assert_int_equal(info(P5, "fa", 0).cls, VL_CLASS_IOPL_SENSITIVE);
    assert_int_equal(info(P5, "0f0100", 0).cls, VL_CLASS_LOCATION_SENSITIVE);
    assert_int_equal(info(P5, "9c", 0).cls, VL_CLASS_MODE_SENSITIVE);

    /* by model; invalid and truncated */
    d = info(P5, "0fa2", 0);
    assert_int_equal(d.length, 2);
    assert_string_equal(d.mnemonic, "cpuid");
    d = info(I3, "0fa2", 0);
    assert_int_equal(d.length, 0);
    assert_int_equal(d.cls, VL_CLASS_ILLEGAL);
    assert_int_equal(d.form, -1);
    assert_int_equal(d.flow, VL_FLOW_TRAP);
    d = info(P5, "e800", 0);
    assert_int_equal(d.length, 0);
    assert_int_equal(d.cls, VL_CLASS_ILLEGAL);
    assert_int_equal(d.flow, VL_FLOW_NONE);
    /* prefixes count in the length */
    assert_int_equal(info(P5, "f36667a5", 0).length, 4);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_alu_mov),    cmocka_unit_test(test_shift_stack_convert),
        cmocka_unit_test(test_branches),   cmocka_unit_test(test_strings_prefixes),
        cmocka_unit_test(test_system),     cmocka_unit_test(test_models),
        cmocka_unit_test(test_bad),        cmocka_unit_test(test_x87),
        cmocka_unit_test(test_16bit),      cmocka_unit_test(test_truncated),
        cmocka_unit_test(test_decode_info),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
