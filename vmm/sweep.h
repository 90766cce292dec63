/* sweep.h - the sweep (DESIGN §3, §4.3): for every instruction form of an ISA
 * model, from N seeded random states, execute natively in supervisor mode,
 * natively in user mode and virtualized under the monitor (an ISA the monitor
 * cannot run yet: natively only, from states that differ in privileged
 * state); classify from the measurements; render the trap-vs-leak tables
 * (table.c).
 *
 * The engine (sweep.c) is ISA-neutral. What it needs to know about an ISA
 * comes from a `vl_sweep_isa` adapter in isa/<isa>/forms.c, which reads the
 * ISA's decode table: the instruction forms and their encodings, how to
 * encode one (extension words, register fields), the random states (memory
 * layout, register values), which registers are privileged state, and which
 * exceptions mean "privileged" and "illegal". No global mutable state. */
#ifndef VL_SWEEP_H
#define VL_SWEEP_H

#include "vmm/vmm.h"
#include <stdio.h>

/* ---- the ISA adapter (isa/<isa>/forms.c) ----------------------------------- */

#define VL_SWEEP_MAXREGS 160

/* One instruction form: a decode-table entry with its addressing modes (and,
 * where it matters, the operand that distinguishes rows: an SPR number, a
 * control register...). Its encodings are words[first .. first + count) of
 * the form list; the adapter turns one of them into bytes (encode). */
typedef struct vl_sweep_form {
    char mnemonic[32];    /* the manual's name, lower case ("move from sr")  */
    char form[64];        /* assembler form ("move.w sr,(an)")               */
    char enc[64];         /* encoding text; "" = ranges of the words          */
    int declared;         /* enum vl_class, from the decode table             */
    int order;            /* sort key (decode-table entry)                    */
    uint32_t first, count;
    /* every encoding runs in every state, not encoding j in state j mod
     * states: a list of operands whose verdict hangs on the pairing (an
     * x86 far pointer or selector that leaks only at some level) */
    bool every_state;
} vl_sweep_form;

typedef struct vl_sweep_forms {
    vl_sweep_form *f;
    size_t n, cap;
    uint64_t *w;          /* encodings, ISA-defined (m68k: first word | selector << 32) */
    size_t nw, capw;
} vl_sweep_forms;
/* Append a form / an encoding; -1 on out of memory. */
vl_sweep_form *vl_sweep_form_add(vl_sweep_forms *fl);
int vl_sweep_word_add(vl_sweep_forms *fl, uint64_t w);
void vl_sweep_forms_free(vl_sweep_forms *fl);

/* A machine state as register values (by the machine's register index:
 * vlab_reg_index, the list the adapter is given; set in `order`) and a memory image of the adapter's RAM size. */
typedef struct vl_sweep_regs {
    uint32_t val[VL_SWEEP_MAXREGS];
    int order[VL_SWEEP_MAXREGS];
    int norder;
} vl_sweep_regs;

/* For the adapters: the index of register `name` in the machine's list (-1:
 * the model has none); set it in r (appended to the order, or its value
 * replaced when it is set already; unknown and read-only registers are
 * skipped); and the plain wording of a difference in register `name` (NULL:
 * memory at addr, 16-bit values): "d3: native 0x..., virtualized 0x..."
 * (a `reason` hook as it is). */
int vl_sweep_reg_index(const vl_reg_info *regs, int nregs, const char *name);
void vl_sweep_reg_set(vl_sweep_regs *r, const vl_reg_info *regs, int nregs, const char *name, uint32_t v);
void vl_sweep_reason_plain(int variant, const char *name, uint32_t addr, uint32_t a, uint32_t b, const char *an, const char *bn,
                           char *out, size_t outsz);

enum { VL_SWEEP_EXC_OTHER = 0, VL_SWEEP_EXC_PRIV, VL_SWEEP_EXC_ILLEGAL };

/* The ways the optional `vary` hook changes a state (see below). */
enum {
    VL_SWEEP_VARY_MOVED = 1, /* where the system tables sit in real memory */
    VL_SWEEP_VARY_PRIVBITS,  /* privileged bits that change what no other instruction does */
    VL_SWEEP_VARY_IO,        /* the I/O privilege of the current level, flipped */
};

typedef struct vl_sweep_isa {
    const char *isa;
    uint32_t ram;        /* guest RAM of the sweep machines                  */
    /* Every form of the model, in table order. 0, or -1 (out of memory). */
    int (*forms)(int variant, vl_sweep_forms *out);
    /* State `index` from the seed at privilege level `level` (0 the most
     * privileged): the registers (a state at another level is the same
     * state with the mode changed, the active stack pointer keeping its
     * value) and the memory image (ram bytes, the same at every level). */
    void (*state)(int variant, const vl_reg_info *regs, int nregs, uint64_t seed, int index, int level,
                  vl_sweep_regs *out, uint8_t *mem);
    /* The instruction bytes for encoding w, with free fields (registers,
     * extension words) drawn from rnd; written at *addr in memory. Returns
     * the length. */
    int (*encode)(int variant, uint64_t w, uint64_t rnd, uint8_t *buf, size_t bufsz, uint32_t *addr);
    /* Per register index: bits compared between the supervisor and the user
     * run (mode), and bits of privileged state (control) in each mode. */
    void (*masks)(int variant, const vl_reg_info *regs, int nregs, uint32_t *mode_mask,
                  uint32_t *ctl_sup, uint32_t *ctl_user);
    /* What exception `vector` means, given the registers and the memory
     * (ram bytes) after it was taken (x86: #GP(0) is a privilege fault, its
     * error code is on the handler's stack). */
    int (*exc_kind)(int variant, int vector, const vl_reg_info *regs, int nregs, const uint32_t *after,
                    const uint8_t *mem);
    /* A one-line reason for a difference in register `name` (NULL: memory at
     * addr, 16-bit values), a = the reference, b = the other run. */
    void (*reason)(int variant, const char *name, uint32_t addr, uint32_t a, uint32_t b, const char *an,
                   const char *bn, char *out, size_t outsz);
    /* Optional (NULL: none). The state r, at privilege level `level`, with
     * privileged state changed in one way (`how`, VL_SWEEP_VARY_*), the
     * memory image staying the same; -1 when the ISA has no such state.
     * For VL_SWEEP_VARY_IO: 1 when the changed state holds the I/O
     * privilege at its level, 0 when it does not (the unchanged state is
     * then the other way round); 0 otherwise. The sweep runs each form from
     * these states too (natively): a result that differs from the unchanged
     * state's, neither run faulting, is location-sensitivity (MOVED) or
     * mode-sensitivity (PRIVBITS): the instruction reads privileged state
     * without trapping, which is how the ISA's sensitive-but-unprivileged
     * instructions show without a monitor; a form that traps at the user
     * level exactly when the level lacks the I/O privilege is
     * iopl-sensitive. */
    int (*vary)(int variant, const vl_reg_info *regs, int nregs, int how, int level, vl_sweep_regs *r);
    /* NULL when the monitor has glue for the ISA; else why not, said at run
     * time: the sweep then measures the native columns only. */
    const char *no_monitor;
} vl_sweep_isa;

/* The adapter of an ISA (from the glue registry), NULL if none. */
const vl_sweep_isa *vl_sweep_isa_find(const char *isa);
/* NULL when the monitor can run the ISA; else the reason it cannot (the
 * sweep of such an ISA has the native columns only). */
const char *vl_sweep_unmonitored(const char *isa);

/* The technique of a sweep without the monitor: the native columns only. */
#define VL_SWEEP_NATIVE "native"


/* ---- rows ------------------------------------------------------------------- */

/* interpreted: the monitor executed it in software without a trap (the
 * hybrid monitor's virtual supervisor mode) and it never trapped. */
/* not modelled: the ISA has no monitor glue, only the native columns were measured. */
enum vl_sweep_outcome { VL_OUT_TRAPS = 0, VL_OUT_LEAKS, VL_OUT_DIRECT, VL_OUT_ILLEGAL, VL_OUT_INTERPRETED,
                        VL_OUT_NOT_MODELLED, VL_OUT_COUNT };
/* "traps", "leaks", "runs directly", "illegal", "interpreted", "not modelled" */
const char *vl_sweep_outcome_name(int o);

enum { VL_SENS_CONTROL = 1, VL_SENS_MODE = 2, VL_SENS_LOCATION = 4 };

typedef struct vl_sweep_row {
    char mnemonic[32];
    char form[64];
    char *enc;            /* encodings, separated by '\n' (malloc'd) */
    int nenc;
    int declared;         /* enum vl_class */
    int measured;         /* enum vl_class, from the measurements */
    bool privileged;      /* measured */
    unsigned sensitive;   /* VL_SENS_* (measured) */
    bool user_sensitive;  /* sensitive in a state with M = u (Theorem 3) */
    int outcome;          /* enum vl_sweep_outcome */
    bool mismatch;        /* declared != measured */
    char reason[128];     /* leak: from the measured values */
    uint32_t runs;        /* executions measured */
} vl_sweep_row;

typedef struct vl_sweep_summary {
    int forms, privileged, sensitive, user_sensitive, leaks, traps, direct, illegal, interpreted;
    int iopl;             /* measured iopl-sensitive: they trap when the monitor keeps the I/O privilege */
    /* sensitive (user-sensitive) forms that trap neither by privilege nor by the I/O privilege */
    int sensitive_unprivileged, user_sensitive_unprivileged, mismatches;
    bool theorem1, theorem3;
    uint64_t runs;
} vl_sweep_summary;

typedef struct vl_sweep_result {
    char isa[16], model[16], technique[32];
    uint64_t seed;
    int states;
    vl_sweep_row *rows;
    size_t nrows;
    vl_sweep_summary sum;
    /* A filter keeps only the matching rows, but sum is still the model's:
     * every form is measured and the verdicts are computed before the rows
     * are dropped. filter[0] == 0: no filter; forms_measured: rows before it. */
    char filter[64];
    size_t forms_measured;
} vl_sweep_result;

typedef struct vl_sweep_opts {
    const char *isa, *model;
    /* NULL: trap-and-emulate, or the native columns only (VL_SWEEP_NATIVE)
     * when the monitor cannot run the ISA; a technique named for such an
     * ISA is a usage error (-2) */
    const char *technique;
    uint64_t seed;               /* 0 is a seed like any other */
    int states;                  /* 0: vl_sweep_default_states */
    const vl_virt_ops *virt;     /* NULL: the core's glue */
    /* Test-only (mutation tests): a replacement of the core's CPU interface
     * for every machine of the sweep, native and virtualized; NULL: none. */
    const vl_cpu_ops *ops;
    const char *filter;          /* keep only the rows whose mnemonic or form contains this
                                    (NULL: all); the summary stays the model's */
    /* hw-assist only (a usage error otherwise): the flavour ("svm", "vt";
     * NULL: svm) and mnemonics taken out of the model's default exit set
     * (NULL-terminated; NULL: none), to see what a wrong exit set leaks */
    const char *flavour;
    const char *const *exit_remove;
    /* progress: called now and then with forms done / total; may be NULL */
    void (*progress)(void *ctx, const char *model, size_t done, size_t total);
    void *progress_ctx;
} vl_sweep_opts;

/* Run the sweep of one model. 0, or -1 with a message (usage or setup
 * error), -2 when a technique was named for an ISA the monitor cannot run. */
int vl_sweep_run(const vl_sweep_opts *o, vl_sweep_result *out, char *err, size_t errsz);
/* The states a sweep of isa:model takes by default: 8 for each level below
 * the most privileged (the guest runs at one of them in its VM in every
 * fourth state, the levels in turn): 8 on m68k and PowerPC, 24 on x86,
 * whose guest at level 1 (the real CPL 1 of its kernel, under ring
 * compression) leaks what levels 2 and 3 do not. 8 when the model is
 * unknown. */
int vl_sweep_default_states(const char *isa, const char *model);
void vl_sweep_result_free(vl_sweep_result *r);
/* (Re)compute r->sum from the rows (runs is kept). */
void vl_sweep_summarize(vl_sweep_result *r);

/* Print one "error: ..." line per declared-vs-measured disagreement. Returns their count. */
int vl_sweep_report_mismatches(const vl_sweep_result *r, FILE *f);

/* ---- tables (table.c) ---------------------------------------------------------- */
enum vl_table_format { VL_FMT_MD = 0, VL_FMT_CSV, VL_FMT_JSON, VL_FMT_TEX, VL_FMT_HTML, VL_FMT_COUNT };
int vl_table_format_find(const char *name); /* -1 if unknown */
/* Render results into a malloc'd string. grouped: `vlab table` (forms grouped by
 * mnemonic, one section per model, a cross-ISA summary); else `vlab sweep`
 * (one row per form). NULL on out of memory. */
char *vl_table_render(const vl_sweep_result *res, size_t nres, int format, bool grouped);
/* The summary alone, one row per model (md, csv or json; NULL for the other
 * formats, or on out of memory): `--summary`. */
char *vl_table_render_summary(const vl_sweep_result *res, size_t nres, int format);

/* ---- every technique (table_tech.c): `vlab table --techniques all` ------------ */
/* One model under one technique: its sweep, or why there is none. */
typedef struct vl_tech_sweep {
    const char *isa, *model;
    int technique;                 /* VL_TECH_*, vl_technique_get */
    const vl_sweep_result *res;    /* NULL: not swept (why) */
    char why[256];
} vl_tech_sweep;
/* What the row means for its technique: the theorem that predicts it
 * (vl_technique.theorem), whether it holds, the leaks measured, and
 * whether the two agree; or why the model was not swept. */
void vl_tech_sweep_meaning(const vl_tech_sweep *r, char *out, size_t outsz);
/* One summary row per model x technique, md, csv or json (NULL for the
 * other formats, or on out of memory): a malloc'd string. */
char *vl_table_render_techniques(const vl_tech_sweep *rows, size_t n, int format);

#endif
