/* core.h - the ISA-neutral machine: memory, devices, the CPU interface every
 * core implements (DESIGN §2), events and stop reasons. Internal header:
 * cores, the monitor and the front ends include it; embedders use vlab.h. */
#ifndef VL_CORE_H
#define VL_CORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include "../include/vlab.h"

#define VL_LIKELY(x) __builtin_expect(!!(x), 1)
#define VL_UNLIKELY(x) __builtin_expect(!!(x), 0)

typedef struct vl_machine vl_machine;
typedef struct vl_cpu_ops vl_cpu_ops;
typedef vlab_stop vl_stop;

/* ---- instruction classes (decode metadata, sweep, exit set) ------------ */
enum vl_class {
    VL_CLASS_INNOCUOUS = 0,
    VL_CLASS_PRIVILEGED,        /* traps in user mode                        */
    VL_CLASS_CONTROL_SENSITIVE, /* changes mode/resources without trapping   */
    VL_CLASS_MODE_SENSITIVE,    /* result depends on the mode, no trap: leak */
    VL_CLASS_LOCATION_SENSITIVE,/* result depends on real location           */
    VL_CLASS_ILLEGAL,           /* not an instruction of this model          */
    VL_CLASS_COUNT
};
const char *vl_class_name(int cls);

/* Control flow of one instruction, what a binary translator needs to end a
 * block and find its successors. Each ISA's decode table declares the kind
 * per operation; `target` is the address it goes to when that is known from
 * the instruction and its address alone. */
enum vl_flow {
    VL_FLOW_NONE = 0,  /* goes on with the next instruction                  */
    VL_FLOW_JUMP,      /* always goes to target (BRA, JMP abs, b, bc always) */
    VL_FLOW_BRANCH,    /* goes to target or on with the next instruction
                        * (Bcc, DBcc, bc); no target for a conditional
                        * return or jump through a register (beqlr, bnectr) */
    VL_FLOW_CALL,      /* jumps and keeps the return address (BSR, JSR, bl,
                        * bctrl); no target when it is computed (JSR (A0))  */
    VL_FLOW_RETURN,    /* to a return address from the stack or LR (RTS,
                        * RTR, RTD, blr)                                     */
    VL_FLOW_INDIRECT,  /* to an address computed from registers or memory
                        * (JMP (A0), JMP d8(PC,Xn), bctr)                     */
    VL_FLOW_TRAP,      /* raises an exception on purpose, always or when its
                        * condition holds (TRAP, TRAPV, CHK, ILLEGAL, line
                        * A/F, BKPT, sc, tw, twi; a word that is not an
                        * instruction of the model, and unmodelled FP)       */
    VL_FLOW_ERET,      /* return from an exception: PC and mode from saved
                        * state (RTE, rfi)                                   */
    VL_FLOW_HALT,      /* waits for an interrupt (STOP)                      */
    VL_FLOW_COUNT
};

typedef struct vl_decode_info {
    int length;          /* bytes, 0 when illegal/unknown                  */
    int cls;             /* enum vl_class for the decoded model            */
    const char *mnemonic;/* table mnemonic ("move", "mfspr"...)            */
    int form;            /* index of the decode-table entry, -1 if illegal */
    int flow;            /* enum vl_flow                                   */
    bool has_target;     /* target is valid                                */
    uint32_t target;     /* static destination of a jump, branch or call   */
} vl_decode_info;

/* ---- register table ----------------------------------------------------- */
enum { VL_REG_PRIV = 1, VL_REG_RO = 2 };
typedef struct vl_reg_info {
    const char *name;
    uint8_t width;  /* bits */
    uint8_t flags;  /* VL_REG_* */
    uint16_t id;    /* ISA-private register id, passed to reg_get/reg_set */
} vl_reg_info;

typedef struct vl_vector_info {
    int vector;
    const char *name;
} vl_vector_info;

/* ---- memory -------------------------------------------------------------- */
/* RAM is one flat buffer at physical address 0. Addresses are masked with
 * addr_mask first (0x00FFFFFF on the 68000's 24-bit bus). The MMIO window
 * [mmio_base, mmio_base + VL_MMIO_SIZE) is decoded before RAM. Anything else
 * is a bus error for the core to raise. */
#define VL_MMIO_SIZE 0x100u
/* MMIO registers (offsets in the window), all 32-bit unless said:
 *  +0x00 CONSOLE  write: low byte appended to the console (byte or wider)
 *  +0x04 TIMER_PERIOD  instructions between ticks; 0 stops the timer
 *  +0x08 TIMER_LEVEL   interrupt level/line to assert (m68k: 1..7)
 *  +0x0C TIMER_ACK     write: deassert the timer interrupt
 *  +0x10 TIMER_COUNT   read: ticks so far                                   */
enum { VL_MMIO_CONSOLE = 0x00, VL_MMIO_TIMER_PERIOD = 0x04, VL_MMIO_TIMER_LEVEL = 0x08,
       VL_MMIO_TIMER_ACK = 0x0C, VL_MMIO_TIMER_COUNT = 0x10 };

typedef struct vl_mem {
    uint8_t *ram;
    uint32_t size;      /* bytes of RAM */
    uint32_t addr_mask; /* applied to every address before decoding */
    uint32_t mmio_base; /* window start; mmio_on false disables the window */
    bool mmio_on;
    bool big_endian;
} vl_mem;

/* Slow path for addresses outside RAM or inside the MMIO window. Returns true
 * when something answered; false means a bus error. size is 1, 2 or 4. */
bool vl_bus_read(vl_machine *m, uint32_t addr, int size, uint32_t *value);
bool vl_bus_write(vl_machine *m, uint32_t addr, int size, uint32_t value);

/* ---- state every core keeps at the start of its CPU struct ---------------- */
typedef struct vl_cpu_common {
    vl_machine *m;
    uint64_t icount;       /* instructions retired                          */
    uint64_t exceptions;   /* exceptions taken (architecturally or intercepted) */
    uint64_t interrupts;
    uint64_t mode_switches;
    int irq_level;         /* asserted interrupt level (0 none); set by devices */
    bool intercept;        /* exceptions stop the core before side effects   */
    bool stop_on_null_vector; /* an exception whose vector entry is 0 stops the run */
    uint32_t exit_set;     /* bit (1 << enum vl_class): stop before executing */
    int last_vector;       /* last exception taken, for the exception event   */
    uint32_t last_vector_pc;
} vl_cpu_common;

/* ---- the CPU interface --------------------------------------------------- */
struct vl_cpu_ops {
    const char *isa;
    size_t state_size;                       /* sizeof the ISA's CPU struct, starts with vl_cpu_common */
    void (*init)(void *cpu, vl_machine *m, int variant); /* zeroed state in, power-on state out */
    void (*reset)(void *cpu);                /* architectural reset (reads vectors) */
    /* Run up to max instructions (max >= 1). Returns the stop; reason
     * VLAB_STOP_BUDGET when max instructions were executed. */
    vl_stop (*run)(void *cpu, uint64_t max);
    const vl_reg_info *(*regs)(int variant, int *count);
    uint32_t (*reg_get)(void *cpu, int id);
    void (*reg_set)(void *cpu, int id, uint32_t v);
    uint32_t (*get_pc)(void *cpu);
    void (*set_pc)(void *cpu, uint32_t pc);
    int (*priv_get)(void *cpu);              /* 1 supervisor / 0 user (x86: 3 - CPL) */
    void (*priv_set)(void *cpu, int level);
    /* Take exception `vector` architecturally now (frame, handler); info is
     * the access address for bus/address errors. */
    void (*raise)(void *cpu, int vector, uint32_t info);
    const vl_vector_info *vectors;           /* terminated by name == NULL */
    /* Decode metadata for one instruction at address addr (for the targets
     * of PC-relative branches). */
    void (*decode)(int variant, const uint8_t *bytes, size_t len, uint32_t addr, vl_decode_info *out);
    /* Disassemble one instruction: length or -1 (message in out). */
    int (*disasm)(int variant, const uint8_t *bytes, size_t len, uint32_t addr, char *out, size_t outsz);
    /* Assemble a whole source text; 0 ok (*out malloc'd), -1 with "line:col: msg". */
    int (*assemble)(int variant, const char *src, uint32_t org, uint8_t **out, size_t *len,
                    char *err, size_t errsz);
    /* The monitor's glue for this ISA (isa/<isa>/virt.c, vmm/vmm.h); NULL when
     * the ISA cannot be virtualized yet. The monitor reaches a core's
     * virtualization mapping only through this pointer. */
    const struct vl_virt_ops *virt;
    /* How the sweep enumerates this ISA's instruction forms and sets up
     * states (isa/<isa>/forms.c, vmm/sweep.h); NULL when not swept yet. */
    const struct vl_sweep_isa *sweep;
};

typedef struct vl_model_desc {
    const char *isa;
    const char *model;
    const vl_cpu_ops *ops;
    int variant;          /* passed to ops: which model */
    bool big_endian;
    uint32_t addr_mask;
    uint32_t mmio_base;
} vl_model_desc;

/* All models, in order; terminated by isa == NULL. */
extern const vl_model_desc vl_models[];
const vl_model_desc *vl_find_model(const char *isa, const char *model);

/* ---- the machine ----------------------------------------------------------- */
struct vl_machine {
    const vl_model_desc *desc;
    vl_mem mem;
    void *cpu;                 /* ISA state (ops->state_size bytes) */
    vl_cpu_common *cc;         /* == cpu */
    const vl_reg_info *regs;
    int nregs;
    /* console */
    char *con;
    size_t con_len, con_cap;
    /* timer: counts retired instructions */
    uint32_t timer_period, timer_level, timer_count;
    uint64_t timer_next;       /* icount at which the next tick fires */
    /* events */
    unsigned hook_mask;
    vlab_hook_fn hook;
    void *hook_ctx;
    bool hook_stop;            /* a hook asked to stop */
    volatile int *interrupt;   /* the host's stop request (vlab_set_interrupt_flag) */
};

/* Longest run of instructions between two looks at the devices: the run
 * loops of core/machine.c and of the monitor (vmm/vmm.c) cut time the same
 * way so that a guest's timer ticks after the same instruction on both. */
#define VL_RUN_SLICE 256u

/* Device tick: called by the run loop between core slices. */
void vl_timer_sync(vl_machine *m);
/* Cores call this when they take an exception or change mode, only if
 * (m->hook_mask & event) - so nothing is called when no hook is installed. */
void vl_event(vl_machine *m, int event, uint32_t a, uint32_t b);

/* The clock of one run (vlab_run, vl_vm_run): budget, slices, timer
 * deadlines and the fast-forward of an idle CPU to its next tick. */
typedef struct vl_run_clock {
    vl_machine *m;
    uint64_t start, max;   /* icount at the start; budget, 0 unlimited */
    bool single;           /* slices of one instruction */
    bool has_until, first;
    uint32_t until_pc;
    uint64_t woke;         /* wake counter when the timer was last fired for an idle CPU */
    uint32_t woke_pc;
} vl_run_clock;
/* single: one instruction at a time (also with until_pc). */
void vl_run_begin(vl_run_clock *rc, vl_machine *m, uint64_t max, bool single, int has_until, uint32_t until_pc);
/* At a slice boundary: ticks the timer when due and returns the length of
 * the next slice; 0 when the run ends here with *s (budget spent, until_pc
 * reached). */
uint64_t vl_run_next_slice(vl_run_clock *rc, vl_stop *s);
/* The core stopped idle (STOP, HLT) or halted (branch to itself) with *s.
 * wakes is a counter that grows when the guest is woken (interrupts taken,
 * or exceptions reflected into it). false: the timer was fired, run on;
 * true: the run ends with *s (no wake possible, none came, or the budget
 * ran out while fast-forwarding). */
bool vl_run_idle(vl_run_clock *rc, vl_stop *s, uint64_t wakes);

/* An error message into err (errsz bytes; nothing when err is NULL). */
void vl_seterr(char *err, size_t errsz, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* The rest of stream f in one malloc'd buffer with a NUL after the last
 * byte (not counted in *len). NULL with errno ENOMEM, EIO (read error) or
 * EFBIG (limit bytes or more; limit 0: no limit). */
char *vl_read_stream(FILE *f, size_t limit, size_t *len);

/* A small deterministic generator (splitmix64) for seeded states: the same
 * seed gives the same states on every host. */
typedef struct vl_rng {
    uint64_t s;
} vl_rng;
static inline uint64_t vl_rng_next(vl_rng *r) {
    uint64_t x = (r->s += 0x9E3779B97F4A7C15ull);
    x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
    x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
    return x ^ (x >> 31);
}

/* Big-/little-endian helpers for RAM already bounds-checked. */
static inline uint32_t vl_be16(const uint8_t *p) { return (uint32_t)p[0] << 8 | p[1]; }
static inline uint32_t vl_be32(const uint8_t *p) {
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}
static inline void vl_put_be16(uint8_t *p, uint32_t v) { p[0] = (uint8_t)(v >> 8); p[1] = (uint8_t)v; }
static inline void vl_put_be32(uint8_t *p, uint32_t v) {
    p[0] = (uint8_t)(v >> 24); p[1] = (uint8_t)(v >> 16); p[2] = (uint8_t)(v >> 8); p[3] = (uint8_t)v;
}

#endif
