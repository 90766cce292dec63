/* asm.h - the assembler framework: everything of a GNU-as-style assembler
 * that no instruction set owns. It reads the source (lines, comments,
 * statement separators), keeps the symbols (labels, GNU local labels `1:`
 * with `1b`/`1f`, `x = expr`, `.set`, `.equ`, `.equiv`), evaluates
 * expressions with the operators and precedence of GNU as (`.` is the
 * location counter), runs the data and layout directives, repeats the passes
 * until every label keeps its value, and reports the first error as
 * "LINE:COL: message".
 *
 * An instruction set plugs in with an asm_isa: its comment characters, a few
 * lexical choices, extra directive names, and a callback that encodes one
 * instruction from its mnemonic and operand texts at the current address.
 * The callback evaluates operands with asm_expr() and reports errors with
 * asm_error() and the shared messages below, so every ISA words the same
 * error the same way.
 *
 * No global state: one asm_ctx per assembly, so many may run at once. */
#ifndef VLAB_CORE_ASM_H
#define VLAB_CORE_ASM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct asm_ctx asm_ctx;

/* The value of an expression. */
typedef struct asm_value {
    int64_t v;
    bool rel;     /* involves a label or `.`: an address, not a constant */
    bool undef;   /* involves a symbol no pass has defined yet: v is a placeholder */
    bool forward; /* involves a symbol defined further on (its value from the previous pass) */
    int modifier; /* set by the ISA's suffix hook (PowerPC @l/@h/@ha); 0 = none */
} asm_value;

#define ASM_MAX_OPERANDS 8
#define ASM_MAX_INSN_BYTES 16

/* One operand of an instruction: trimmed text [s, e), with *e == 0, inside
 * the line buffer (so a pointer into it gives the column of an error). */
typedef struct asm_operand {
    const char *s, *e;
} asm_operand;

/* One instruction statement, as the framework hands it to the ISA. */
typedef struct asm_insn {
    const char *at;   /* the mnemonic as written (for error columns) */
    size_t len;       /* its length */
    char name[32];    /* the mnemonic, lower case */
    asm_operand ops[ASM_MAX_OPERANDS];
    int nops;
} asm_insn;

/* What a directive does; an ISA may add names (m68k `dc.w`, PowerPC
 * `.align` in powers of two) in asm_isa.directives. */
typedef enum asm_directive_kind {
    ASM_DIR_DATA,    /* arg = bytes per value: .byte .short .long; strings allowed when 1 */
    ASM_DIR_STRING,  /* arg = 1 to append a NUL: .ascii .asciz .string */
    ASM_DIR_SPACE,   /* arg = bytes per unit: .space/.skip/.zero n[,fill], ds.w */
    ASM_DIR_FILL,    /* .fill count[,size[,value]] */
    ASM_DIR_ORG,     /* .org address[,fill] (absolute, never backwards) */
    ASM_DIR_BALIGN,  /* arg 0: .balign bytes[,fill[,max]]; arg N: align to N (.even) */
    ASM_DIR_P2ALIGN, /* .p2align bits[,fill[,max]] */
    ASM_DIR_SET,     /* .set/.equ name, expr (redefinable) */
    ASM_DIR_EQUIV,   /* .equiv name, expr (must not be defined yet) */
    ASM_DIR_IGNORE,  /* housekeeping of object files (.globl, .section...): accepted */
    ASM_DIR_END,     /* .end: the rest of the source is not read */
} asm_directive_kind;

typedef struct asm_directive {
    const char *name; /* lower case; names without a dot are directives too */
    asm_directive_kind kind;
    int arg;
} asm_directive;

/* What an identifier in an expression is, as the ISA sees it. */
typedef enum asm_name_kind {
    ASM_NAME_SYMBOL, /* look it up as a symbol (*n may have been shortened) */
    ASM_NAME_VALUE,  /* a constant of the ISA (a PowerPC CR bit): *value */
    ASM_NAME_ERROR,  /* refused, error reported (a register where a number is wanted) */
} asm_name_kind;

/* An instruction set, as the framework sees it. Strings are sets of
 * characters; NULL or "" means none. */
typedef struct asm_isa {
    const char *line_comment_chars;  /* start a comment as a line's first non-blank */
    const char *comment_chars;       /* start a comment anywhere outside quotes */
    const char *blank_comment_chars; /* start a comment at the start of a line or after a blank */
    const char *separator_chars;     /* separate statements on one line */
    bool c_comments;                 /* C comments within a line, and `//` to the end */
    bool dollar_hex;                 /* `$1f` is a hexadecimal number (else `$` starts symbols) */
    bool little_endian;              /* byte order of data directives */
    const char *mnemonic_tail_chars; /* may end a mnemonic before a blank (PowerPC `beq+`) */
    unsigned insn_align;             /* instructions start at multiples of this */
    const uint8_t *code_fill;        /* alignment padding without a fill value (NULL: zeros) */
    size_t code_fill_len;
    const asm_directive *directives; /* the ISA's own names, before the common ones; name NULL ends */
    const char *const *infix_set;    /* words of `name WORD expr` assignments (m68k `equ`); NULL ends */

    /* Optional: names that cannot be symbols (registers). */
    bool (*reserved)(const char *s, size_t n);
    /* Optional: an identifier [s, s+*n) met in an expression, before the
     * symbol table; flags are those given to asm_expr(). */
    asm_name_kind (*name)(asm_ctx *c, const char *s, size_t *n, unsigned flags, int64_t *value);
    /* Optional: after a whole expression at *p (PowerPC `@ha`): may consume
     * text and change *v. False after an error. */
    bool (*suffix)(asm_ctx *c, const char **p, asm_value *v);
    /* Encode one instruction at asm_pc(c) into out (ASM_MAX_INSN_BYTES at
     * most): the byte count, or -1 after reporting an error. Before the
     * final pass values may be placeholders: the size must not depend on
     * them failing a check. */
    int (*encode)(asm_ctx *c, const asm_insn *in, uint8_t *out);
} asm_isa;

/* Assemble src[0, len) at org. 0 with *out (malloc'd, free it) and *outlen;
 * -1 with "LINE:COL: message" in err. isa_data is the ISA's own state for
 * this assembly (asm_isa_data). */
int asm_assemble(const asm_isa *isa, void *isa_data, const char *src, size_t len, uint32_t org, uint8_t **out,
                 size_t *outlen, char *err, size_t errsz);

/* A NUL byte in src[0, len) (a binary file, not assembly source): writes
 * "LINE:COL: NUL byte in the source" to err and returns true. For the front
 * ends that hold a source with its length before handing a C string on. */
bool asm_nul_error(const char *src, size_t len, char *err, size_t errsz);

/* ---- for the ISA's callbacks ---------------------------------------------- */

void *asm_isa_data(const asm_ctx *c);
int64_t asm_pc(const asm_ctx *c);   /* address of the statement being assembled: `.` */
bool asm_final(const asm_ctx *c);   /* the last pass: every value is final, check ranges */

/* Parse an expression at *p (advanced past it); flags go to the ISA's name
 * hook. Undefined symbols are errors in the final pass only. */
bool asm_expr(asm_ctx *c, const char **p, unsigned flags, asm_value *v);
/* A symbol of that name has been defined (in this pass or an earlier one). */
bool asm_symbol_defined(const asm_ctx *c, const char *s, size_t n);

const char *asm_skip_blanks(const char *p);
bool asm_symbol_char(int ch); /* may continue a symbol name */

/* Record the first error of the statement; `at` points into the line (NULL:
 * column 1). Always returns false. */
bool asm_error(asm_ctx *c, const char *at, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* The messages the ISAs share. Each returns false. */
bool asm_error_range(asm_ctx *c, const char *at, const char *what, int64_t v, int64_t lo, int64_t hi);
bool asm_error_unknown_insn(asm_ctx *c, const asm_insn *in);
bool asm_error_operand_count(asm_ctx *c, const char *at, const char *name, int want, int got);
bool asm_error_register(asm_ctx *c, const char *at, size_t n);      /* unknown register 'x' */
bool asm_error_not_a_number(asm_ctx *c, const char *at, size_t n);  /* a register where a number is wanted */
bool asm_error_junk(asm_ctx *c, const char *at, const char *after); /* junk 'rest' after AFTER */

/* v lies in [lo, hi], or this is not the final pass (placeholders pass). */
bool asm_fits(const asm_ctx *c, int64_t v, int64_t lo, int64_t hi);
/* The same, or an error "WHAT V out of range LO..HI" at `at`. */
bool asm_check_range(asm_ctx *c, const char *at, const char *what, int64_t v, int64_t lo, int64_t hi);

#endif
