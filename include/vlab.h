/* vlab.h - the public C API of vlab: the only header the command, the Lua
 * module, the LuaJIT FFI binding and embedders include.
 *
 * Plain C types only (no macros needed by callers), so that LuaJIT's ffi.cdef
 * can take the declarations below verbatim. Every function that can fail
 * returns a negative value or NULL and writes a message into err[errsz]. */
#ifndef VLAB_H
#define VLAB_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct vl_machine vlab_machine;

/* Why a run stopped. The names (vlab_stop_name) are a contract of the Lua API. */
enum vlab_stop_reason {
    VLAB_STOP_NONE = 0,
    VLAB_STOP_BUDGET,     /* "budget": the instruction budget was spent          */
    VLAB_STOP_HALT,       /* "halt": branch to itself, STOP with nothing to wake */
    VLAB_STOP_IDLE,       /* "idle": STOP/HLT waiting for an interrupt           */
    VLAB_STOP_BREAKPOINT, /* "breakpoint": until_pc reached                      */
    VLAB_STOP_EXCEPTION,  /* "exception": intercepted, or no handler installed   */
    VLAB_STOP_VMEXIT,     /* "vmexit": an instruction class in the exit set      */
    VLAB_STOP_ERROR,      /* "error": the machine cannot go on (e.g. double fault) */
    VLAB_STOP_INTERRUPTED,/* "interrupted": the host asked to stop (Ctrl-C)       */
    VLAB_STOP_SHUTDOWN    /* "shutdown": a triple fault (x86): the CPU is down until reset */
};

/* 16 bytes, so that it is returned in registers: every run of a core
 * returns one. */
typedef struct vlab_stop {
    uint8_t reason;    /* enum vlab_stop_reason */
    uint8_t flags;     /* VLAB_STOP_HAS_* */
    int16_t vector;    /* exception vector number, -1 when none */
    uint32_t pc;       /* PC of the instruction that stopped (faulting PC for exceptions) */
    uint32_t code;     /* the exception's error code (x86 error code, PPC DSISR or SRR1
                          reason bits, m68k group-0 status word; a VM exit: its class):
                          valid with VLAB_STOP_HAS_CODE */
    uint32_t addr;     /* the fault address (m68k access address, PPC DAR, x86 CR2):
                          valid with VLAB_STOP_HAS_ADDR */
} vlab_stop;
enum { VLAB_STOP_HAS_CODE = 1, VLAB_STOP_HAS_ADDR = 2 };

typedef struct vlab_stats {
    uint64_t instructions;
    uint64_t exceptions;
    uint64_t interrupts;
    uint64_t mode_switches;
} vlab_stats;

/* Event kinds for vlab_set_hook (a bit mask). */
enum vlab_event {
    VLAB_EV_EXCEPTION = 1, /* a = vector, b = pc of the faulting instruction */
    VLAB_EV_MODE = 2,      /* a = new privilege level (0 most privileged), b = pc */
    VLAB_EV_STEP = 4,      /* a = 0, b = pc of the next instruction (after each instruction) */
    VLAB_EV_CONSOLE = 8    /* a = the byte written, b = 0 */
};
/* The hook returns 0 to go on, non-zero to stop the run (reason "breakpoint";
 * a stop of the guest's own at that step, an exception with no handler or a
 * shutdown, is reported instead, as without the hook). */
typedef int (*vlab_hook_fn)(void *ctx, int event, uint32_t a, uint32_t b);

const char *vlab_version(void);

/* ISAs and models, in the order of DESIGN §4.1; i out of range gives NULL. */
const char *vlab_isa_name(int i);
const char *vlab_model_name(const char *isa, int i);
/* "m68k", "m68k:68010" or "68010" -> isa and model names; 0 ok, -1 with message. */
int vlab_resolve(const char *isa_or_model, const char **isa, const char **model,
                 char *err, size_t errsz);

vlab_machine *vlab_machine_new(const char *isa, const char *model, uint32_t ram_bytes,
                               char *err, size_t errsz);
void vlab_machine_free(vlab_machine *m);
/* Back to the state vlab_machine_new gave it (RAM zeroed, power-on CPU
 * state, no hook, timer, console, watch or interrupt flag), keeping its
 * allocations: for a host that runs many short guests on one model (the
 * fuzz targets). Not from inside a run (a hook). */
void vlab_machine_renew(vlab_machine *m);
const char *vlab_machine_isa(const vlab_machine *m);
const char *vlab_machine_model(const vlab_machine *m);
uint32_t vlab_ram_size(const vlab_machine *m);
/* Architectural reset (m68k: SSP and PC from vectors 0 and 1). */
void vlab_reset(vlab_machine *m);

/* Physical memory in the ISA's byte order; 0 ok, -1 when out of RAM. */
int vlab_mem_read(vlab_machine *m, uint32_t addr, void *buf, size_t len);
int vlab_mem_write(vlab_machine *m, uint32_t addr, const void *buf, size_t len);
/* size 1, 2 or 4, ISA byte order; 0 ok, -1 when out of RAM. */
int vlab_mem_get(vlab_machine *m, uint32_t addr, int size, uint32_t *value);
int vlab_mem_set(vlab_machine *m, uint32_t addr, int size, uint32_t value);

/* Registers by name (lower case as in DESIGN §4.2; index -1 if unknown). */
int vlab_reg_count(const vlab_machine *m);
const char *vlab_reg_name(const vlab_machine *m, int idx);
int vlab_reg_width(const vlab_machine *m, int idx);      /* bits */
int vlab_reg_privileged(const vlab_machine *m, int idx); /* 1 if supervisor-only */
int vlab_reg_hidden(const vlab_machine *m, int idx);     /* 1 if no instruction names it (x86 segment caches) */
int vlab_reg_index(const vlab_machine *m, const char *name);
uint32_t vlab_reg_get(vlab_machine *m, int idx);
void vlab_reg_set(vlab_machine *m, int idx, uint32_t value);
uint32_t vlab_pc(vlab_machine *m);
void vlab_set_pc(vlab_machine *m, uint32_t pc);
/* Privilege is a level, 0 the most privileged (x86 CPL numbering): m68k and
 * PowerPC have 0 (supervisor) and 3 (user), x86 0 to 3. */
int vlab_privilege(vlab_machine *m);
/* Set the level: 0, or -1 when the ISA has no such level. */
int vlab_set_privilege(vlab_machine *m, int level);
/* 1 when the machine's ISA has privilege level `level`. */
int vlab_privilege_valid(const vlab_machine *m, int level);
/* The least privileged level ("user": 3 on every ISA). */
int vlab_user_level(const vlab_machine *m);
int vlab_supervisor(vlab_machine *m);          /* 1 at level 0 */
void vlab_set_supervisor(vlab_machine *m, int on); /* level 0, or the user level */

/* Execute exactly n instructions unless something stops the machine first. */
vlab_stop vlab_step(vlab_machine *m, uint64_t n);
/* Run up to max instructions (0 = no limit); stop before executing until_pc
 * when has_until is non-zero. Also stops on: branch to itself, STOP/HLT with
 * no interrupt source, an exception whose vector entry is 0. */
vlab_stop vlab_run(vlab_machine *m, uint64_t max, int has_until, uint32_t until_pc);
const char *vlab_stop_name(int reason);
/* One cause word: the fault address when there is one, else the code, else 0
 * (the `info` of the Lua stop table). */
uint32_t vlab_stop_info(vlab_stop s);
/* Name of exception vector v of the machine's ISA ("privilege violation"). */
const char *vlab_vector_name(const vlab_machine *m, int v);

const char *vlab_console(const vlab_machine *m, size_t *len);
void vlab_console_clear(vlab_machine *m);
void vlab_get_stats(const vlab_machine *m, vlab_stats *out);
void vlab_set_hook(vlab_machine *m, unsigned mask, vlab_hook_fn fn, void *ctx);
/* Let a signal handler stop a run: while *flag is non-zero, the run stops
 * between instruction slices with reason "interrupted" (flag NULL: off). The
 * flag is the caller's (an int set from a handler), so several machines can
 * share one. */
void vlab_set_interrupt_flag(vlab_machine *m, volatile int *flag);

/* Where the console and timer live in the machine's address space. */
uint32_t vlab_mmio_base(const vlab_machine *m);

/* Memory as the CPU sees it at a virtual address, through its MMU, without
 * side effects (no referenced/changed bits, no faults taken). Returns the
 * bytes read (fewer than len where a page does not translate or is not
 * memory). fetch: as an instruction fetch would translate it. */
size_t vlab_read_virt(vlab_machine *m, uint32_t addr, void *buf, size_t len, int fetch);

/* Argument checks of the machine methods, shared by every front end (the
 * Lua module, the LuaJIT FFI binding) so that one mistake reads the same
 * everywhere. Each returns 0 (vlab_check_reg: the register's index), or -1
 * with "fn: what was wrong" in err.
 *   mem: [addr, addr + len) is RAM (a length of 0 may name the end of RAM)
 *   value: fits in bits as a signed or an unsigned number
 *   reg: a register of the machine's ISA and model, by name
 *   reg_value: fits register idx
 *   privilege: a level the ISA has */
int vlab_check_mem(const vlab_machine *m, const char *fn, int64_t addr, int64_t len, char *err, size_t errsz);
int vlab_check_value(const char *fn, int64_t value, int bits, char *err, size_t errsz);
int vlab_check_reg(const vlab_machine *m, const char *name, char *err, size_t errsz);
int vlab_check_reg_value(const vlab_machine *m, int idx, int64_t value, char *err, size_t errsz);
int vlab_check_privilege(const vlab_machine *m, int64_t level, char *err, size_t errsz);

/* Options tables (the last argument of vlab.machine, m:run, ...): strict,
 * in every front end. A list of the options one function reads, declared
 * next to the code that reads them, ends with a NULL name. kinds: what a
 * value may be (VLAB_OPT_* bits). */
enum {
    VLAB_OPT_INTEGER = 1,  /* a number with an integer value */
    VLAB_OPT_STRING = 2,
    VLAB_OPT_BOOLEAN = 4,
    VLAB_OPT_TABLE = 8,
    VLAB_OPT_FUNCTION = 16,
    VLAB_OPT_OBJECT = 32,  /* a vlab object (userdata) */
    VLAB_OPT_NUMBER = 64   /* any number */
};
typedef struct vlab_option {
    const char *name;
    unsigned kinds;
} vlab_option;
/* One key of fn's options table: the option's index, or -1 with
 * "fn: unknown option 'key' (known: a, b)" (key_is_name 0: a key that is
 * not a string, shown as the front end spells it) or "fn: field 'key' must
 * be an integer (got string)" in err. got: the VLAB_OPT_* bits the value
 * satisfies; got_name: its type, as the front end calls it. */
int vlab_option_check(const char *fn, const vlab_option *opts, const char *key, int key_is_name, unsigned got,
                      const char *got_name, char *err, size_t errsz);
/* The option names of a list, "a, b, c", into buf (truncated to size). */
void vlab_option_names(const vlab_option *opts, char *buf, size_t size);

/* Load a raw binary at org, or an ELF by its program headers (when org is
 * ignored). *entry receives the ELF entry or org. 0 ok, -1 with message. */
int vlab_load(vlab_machine *m, const char *path, uint32_t org, uint32_t *entry,
              char *err, size_t errsz);

/* Assemble src (whole text) for isa_or_model at org. On success *out is a
 * malloc'd buffer (free with vlab_free) of *len bytes and 0 is returned; on
 * failure -1 and err holds "line:col: message". */
int vlab_asm(const char *isa_or_model, const char *src, uint32_t org, uint8_t **out,
             size_t *len, char *err, size_t errsz);
/* A source of len bytes as vlab_asm reads it (up to a NUL): 0 when it has
 * no NUL byte, else -1 with "line:col: NUL byte in the source" in err.
 * Front ends whose strings carry a length check with it first. */
int vlab_asm_source(const char *src, size_t len, char *err, size_t errsz);
/* Disassemble one instruction at addr. Returns its length in bytes (text in
 * out), or -1 with a message in out when bytes do not hold a whole one. */
int vlab_disasm(const char *isa_or_model, const uint8_t *bytes, size_t len, uint32_t addr,
                char *out, size_t outsz);
/* The same, reading bits-bit code (x86: 16 for real mode, virtual-8086
 * mode and 16-bit code segments, or 32); bits 0: the model's own (32-bit)
 * code. -1 with a message also for a size the ISA's code does not have. */
int vlab_disasm_bits(const char *isa_or_model, int bits, const uint8_t *bytes, size_t len, uint32_t addr,
                     char *out, size_t outsz);
/* The size in bits (16 or 32) of the code the machine's CPU executes in its
 * present mode: what vlab_disasm_bits reads its next instruction as. */
int vlab_code_bits(vlab_machine *m);
void vlab_free(void *p);

#ifdef __cplusplus
}
#endif
#endif
