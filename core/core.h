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
    VL_CLASS_IOPL_SENSITIVE,    /* traps in user mode unless the I/O privilege level (or the
                                   I/O permission bitmap) allows it: x86 CLI, STI, IN, OUT */
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
/* VL_REG_HIDDEN: state the programmer cannot name with an instruction but
 * that decides what the next ones do (x86 descriptor caches); listed so
 * that the equivalence check compares it too. */
enum { VL_REG_PRIV = 1, VL_REG_RO = 2, VL_REG_HIDDEN = 4 };
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
/* A machine's physical address space:
 *  - RAM, one flat buffer at physical address 0;
 *  - the MMIO window [mmio_base, mmio_base + VL_MMIO_SIZE), decoded before RAM;
 *  - under the monitor, the VM's *monitor region* [mon_base, mon_base +
 *    mon_size): memory the monitor keeps its structures in (shadow tables,
 *    its own vector table and stack, translation caches). Accesses a guest
 *    instruction makes never reach it (the bus answers as if nothing were
 *    there, exactly as on the bare machine); the monitor and a core's own
 *    system accesses reach it through vl_mon_host.
 * Addresses are masked with addr_mask first (0x00FFFFFF on the 68000's
 * 24-bit bus). Anything else is a bus error for the core to raise.
 *
 * Write watch: `watch` has one count per 4 KiB page of RAM (NULL while no
 * page is watched): each vl_watch that turns a page on adds one, each that
 * turns it off takes one, so that two watchers sharing a page (binary
 * translation's code, the x86 monitor's descriptor tables) do not undo
 * each other's watch. A write to a watched page goes through vl_bus_write,
 * which reports it (vl_machine.on_watch) when it touches the span of the
 * ranges watched (vl_watch_hit), once per bus access (a 68000 long
 * write is two), after the bytes are written, and ends the core's run after
 * the instruction (vl_cpu_ops.kick) unless on_watch says there is nothing
 * to look at. The cores' fast write paths only
 * compare against watch_lo, the address of the lowest watched page (the RAM
 * size when none is watched), so that unwatched memory costs nothing more;
 * RAM at or above watch_hi (the end of the highest watched page) is not
 * watched either, which a core may use for a second direct range (ppc). */
#define VL_MMIO_SIZE 0x100u
#define VL_DEV_LOG_N 64u /* device writes one instruction may make that a replay skips (x86 ENTER: 32) */
typedef struct vl_dev_write {
    uint32_t addr, value;
    uint8_t size;
} vl_dev_write;
#define VL_PAGE_SHIFT 12
#define VL_PAGE_SIZE (1u << VL_PAGE_SHIFT)
/* MMIO registers (offsets in the window), all 32-bit unless said:
 *  +0x00 CONSOLE  write: low byte appended to the console (byte or wider)
 *  +0x04 TIMER_PERIOD  instructions between ticks; 0 stops the timer
 *  +0x08 TIMER_LEVEL   interrupt level/line to assert (m68k: 1..7)
 *  +0x0C TIMER_ACK     write: deassert the timer interrupt
 *  +0x10 TIMER_COUNT   read: ticks so far
 *  +0x14 TIMER_VECTOR  the vector number delivered with the interrupt on
 *                      ISAs with vectored interrupts (x86); others ignore it
 * On ISAs with an I/O port space the same registers are at ports io_base +
 * offset, and the console also at port io_console. */
enum { VL_MMIO_CONSOLE = 0x00, VL_MMIO_TIMER_PERIOD = 0x04, VL_MMIO_TIMER_LEVEL = 0x08,
       VL_MMIO_TIMER_ACK = 0x0C, VL_MMIO_TIMER_COUNT = 0x10, VL_MMIO_TIMER_VECTOR = 0x14 };

typedef struct vl_mem {
    uint8_t *ram;
    uint32_t size;      /* bytes of RAM */
    uint32_t addr_mask; /* applied to every address before decoding */
    uint32_t mmio_base; /* window start; mmio_on false disables the window */
    bool mmio_on;
    bool big_endian;
    uint32_t *watch;    /* per RAM page: how many watches it has, non-zero when watched (NULL: none) */
    uint32_t watch_lo;  /* lowest watched page address; size when none */
    uint32_t watch_hi;  /* end of the highest watched page; 0 when none */
    uint32_t nwatch;    /* pages watched */
    /* the bytes a write must touch to be reported: [span_lo, span_hi)
     * spans every range vl_watch was asked to watch since no page was
     * (size and 0 when none), so that a write beside them on a watched
     * page (a guest's data next to its translated code) is a plain one */
    uint32_t span_lo, span_hi;
    uint8_t *mon;       /* the monitor region's storage (NULL: none) */
    uint32_t mon_base, mon_size;
} vl_mem;

/* Slow path for addresses outside RAM or inside the MMIO window, and for
 * writes to watched pages. Returns true when something answered; false means
 * a bus error. size is 1, 2 or 4. These are the guest's accesses: the
 * monitor region never answers them. */
bool vl_bus_read(vl_machine *m, uint32_t addr, int size, uint32_t *value);
bool vl_bus_write(vl_machine *m, uint32_t addr, int size, uint32_t value);
/* The I/O port space (x86 IN/OUT): the console and the device registers.
 * false: no device at that port (reads give all ones, as on a PC bus). */
bool vl_io_read(vl_machine *m, uint32_t port, int size, uint32_t *value);
bool vl_io_write(vl_machine *m, uint32_t port, int size, uint32_t value);
/* Host storage of len bytes of the monitor region at physical addr, or NULL
 * when they are not all inside it: for the monitor and the cores' system
 * accesses, never for a guest instruction's. */
uint8_t *vl_mon_host(vl_machine *m, uint32_t addr, uint32_t len);
/* Watch (on) or stop watching writes to the RAM pages that [addr, addr+len)
 * touches: watches nest per page (an off undoes one on; an off of a page
 * not watched does nothing). 0, or -1 when out of memory or outside RAM. */
int vl_watch(vl_machine *m, uint32_t addr, uint32_t len, bool on);
void vl_watch_clear(vl_machine *m);
static inline bool vl_watched(const vl_mem *mem, uint32_t addr) {
    return mem->watch && addr < mem->size && mem->watch[addr >> VL_PAGE_SHIFT];
}
/* A write of size bytes at addr is reported: it touches a watched page and
 * the span of the watched ranges (vl_mem.span_lo). */
static inline bool vl_watch_hit(const vl_mem *mem, uint32_t addr, uint32_t size) {
    return addr < mem->span_hi && (uint64_t)addr + size > mem->span_lo &&
           (vl_watched(mem, addr) || vl_watched(mem, addr + size - 1));
}

/* Binary translation's record of a translated block's exit (vmm/tech_bt.c
 * keeps two a block, one a successor it chains): a PC cont() saw the block
 * end at and went on from, into n instructions of the block there. A core
 * may go on through it by itself (vl_cont) while it holds: the monitor
 * moves the stamp it was made under whenever the verdict may no longer
 * stand. */
typedef struct vl_chain {
    uint64_t stamp;              /* holds while *vl_cpu_common.chain_stamp equals it */
    const struct vl_chain *next; /* the records of the block it goes on into (NULL: ask cont() there) */
    uint32_t pc;
    uint32_t n;                  /* >= 1 */
} vl_chain;

/* ---- state every core keeps at the start of its CPU struct ---------------- */
typedef struct vl_cpu_common {
    vl_machine *m;
    uint64_t icount;       /* instructions retired                          */
    uint64_t exceptions;   /* exceptions taken (architecturally or intercepted) */
    uint64_t interrupts;
    uint64_t mode_switches;
    int irq_level;         /* asserted interrupt level/line (0 none); set by devices */
    int irq_vector;        /* the vector a vectored-interrupt ISA (x86) takes for it */
    bool intercept;        /* exceptions stop the core before side effects   */
    bool stop_on_null_vector; /* an exception whose vector entry is 0 stops the run */
    uint32_t exit_set;     /* bit (1 << enum vl_class): stop before executing */
    /* Hardware assist (VT-x/SVM style); NULL: off, and the run loops do not
     * look. exit_forms: bit f (vl_bit) stops the core before it executes an
     * instruction of decode-table form f (vl_decode_info.form), in any mode,
     * with VLAB_STOP_VMEXIT (code = its class); on the checking loop, or a
     * fast loop whose dispatch stops at those forms (m68k: its exit table;
     * ppc: the decoded pages' H_VMEXIT entries). The contents may
     * change between runs: a core reads them at the start of each run.
     * exc_exits: with intercept on, the exceptions that stop the core (bit =
     * the vector's exception index, vl_cpu_ops.exc_index); the others are
     * taken architecturally, into the guest's own vectors. */
    const uint8_t *exit_forms;
    const uint8_t *exc_exits;
    int last_vector;       /* last exception taken, for the exception event   */
    uint32_t last_vector_pc;
    /* Binary translation's continuation (vmm/tech_bt.c): when a run's budget
     * ends with no stop, a core that supports it (x86) asks cont(cont_ctx)
     * for more instructions to run on in the same run (0: the run returns
     * as it would have), so that chained translated blocks run without a
     * run call each. It must change nothing a run's start would refresh.
     * NULL (outside the monitor's runs of translated code): off. */
    uint64_t (*cont)(void *ctx);
    void *cont_ctx;
    /* With cont: the two records of the block the stretch running ends
     * (NULL: none, ask cont()), the last record vl_cont went on through without
     * asking (NULL: none since the monitor last looked) and the icount it
     * did at, what records are checked against, and the icount a stretch
     * they allow may not pass. The monitor sets them; cont() may change
     * chain. */
    const vl_chain *chain, *chain_took;
    uint64_t chain_at;
    const uint64_t *chain_stamp;
    uint64_t chain_limit;
} vl_cpu_common;

static inline bool vl_bit(const uint8_t *set, unsigned i) { return (set[i >> 3] >> (i & 7)) & 1; }
/* Bytes of a bitmap over every exception index (0..255). */
#define VL_EXC_BITMAP_BYTES 32

/* ---- the CPU interface --------------------------------------------------- */
struct vl_cpu_ops {
    const char *isa;
    size_t state_size;                       /* sizeof the ISA's CPU struct, starts with vl_cpu_common */
    /* The prefix of the state a snapshot (the sweep's) must copy; what
     * follows it is a cache the core keeps valid by itself. 0: state_size. */
    size_t snap_size;
    /* ISA facts the machine, the loader and the front ends need */
    uint8_t levels;                          /* bit n: privilege level n exists (0 the most privileged) */
    uint8_t min_insn;                        /* bytes of the shortest instruction */
    uint16_t elf_machine;                    /* e_machine of the ISA's ELF files */
    const char *sp_name;                     /* the register the alias "sp" names */
    const char *pc_name;                     /* the register the alias "pc" names (NULL: "pc" itself) */
    void (*init)(void *cpu, vl_machine *m, int variant); /* zeroed state in, power-on state out */
    void (*reset)(void *cpu);                /* architectural reset (reads vectors) */
    /* The state `vlab exec` starts a program in: the most privileged level,
     * stack pointer sp (m68k: the SSP), pc = entry. */
    void (*boot)(void *cpu, uint32_t entry, uint32_t sp);
    /* Run up to max instructions (max >= 1). Returns the stop; reason
     * VLAB_STOP_BUDGET when max instructions were executed. */
    vl_stop (*run)(void *cpu, uint64_t max);
    /* End the current run after the instruction in progress (a device or the
     * write watch asks): the run returns VLAB_STOP_BUDGET early. */
    void (*kick)(void *cpu);
    const vl_reg_info *(*regs)(int variant, int *count);
    uint32_t (*reg_get)(void *cpu, int id);
    void (*reg_set)(void *cpu, int id, uint32_t v);
    uint32_t (*get_pc)(void *cpu);
    void (*set_pc)(void *cpu, uint32_t pc);
    int (*priv_get)(void *cpu);              /* privilege level, 0 the most privileged */
    void (*priv_set)(void *cpu, int level);  /* a level the ISA has (levels) */
    /* Take exception `vector` architecturally now (frame, handler), with its
     * error code and fault address where the ISA has them. */
    void (*raise)(void *cpu, int vector, uint32_t code, uint32_t addr);
    const vl_vector_info *vectors;           /* terminated by name == NULL */
    uint8_t exc_shift;                       /* exception index = vector >> exc_shift (exc_exits) */
    /* Memory at a virtual address through the CPU's MMU, side-effect free
     * (vlab_read_virt). */
    size_t (*read_virt)(void *cpu, uint32_t addr, uint8_t *buf, size_t len, bool fetch);
    /* Decode metadata for one instruction at address addr (for the targets
     * of PC-relative branches). */
    void (*decode)(int variant, const uint8_t *bytes, size_t len, uint32_t addr, vl_decode_info *out);
    /* Disassemble one instruction: length or -1 (message in out). */
    int (*disasm)(int variant, const uint8_t *bytes, size_t len, uint32_t addr, char *out, size_t outsz);
    /* Optional: the variant to give decode and disasm for the code cpu
     * executes in its present state, where the same bytes mean another
     * instruction by mode (x86: 16-bit code in real mode, virtual-8086 mode
     * and 16-bit code segments). NULL: the model's variant. */
    int (*code_variant)(const void *cpu);
    /* Optional, for an ISA whose code has more than one size: the size in
     * bits (16, 32) of the code a variant decodes, and the variant that
     * decodes bits-bit code (-1: the ISA has no such code). NULL: the
     * model's code is 32-bit, and there is no other. */
    int (*code_bits)(int variant);
    int (*bits_variant)(int variant, int bits);
    /* Assemble a whole source text; 0 ok (*out malloc'd), -1 with "line:col: msg". */
    int (*assemble)(int variant, const char *src, uint32_t org, uint8_t **out, size_t *len,
                    char *err, size_t errsz);
};

/* The variant that decodes the code cpu (a context of ops's ISA) runs now:
 * what a trap event or a trace line disassembles with. */
static inline int vl_code_variant(const vl_cpu_ops *ops, const void *cpu, int variant) {
    return ops->code_variant ? ops->code_variant(cpu) : variant;
}

/* One CPU model. The I/O port fields are 0 on ISAs without a port space. */
typedef struct vl_model_desc {
    const char *isa;
    const char *model;
    const vl_cpu_ops *ops;
    int variant;          /* passed to ops: which model */
    bool big_endian;
    uint32_t addr_mask;
    uint32_t mmio_base;
    uint16_t io_base;     /* device registers in the port space (vl_io_*) */
    uint16_t io_console;  /* the console's port */
    uint8_t timer_vector; /* TIMER_VECTOR after reset */
} vl_model_desc;

/* All models, in order; terminated by isa == NULL. */
extern const vl_model_desc vl_models[];
const vl_model_desc *vl_find_model(const char *isa, const char *model);
/* An ISA of DESIGN §4.1 that has no core yet: what it will be ("the i386
 * protected-mode subset"), so that asking for it says "not modelled yet";
 * NULL for a name that is no planned ISA. */
const char *vl_planned_isa(const char *name);

/* ---- the machine ----------------------------------------------------------- */
struct vl_machine {
    const vl_model_desc *desc;
    vl_mem mem;
    void *cpu;                 /* ISA state (ops->state_size bytes) */
    vl_cpu_common *cc;         /* == cpu */
    const vl_reg_info *regs;
    int nregs;
    /* console: the bytes kept (at most con_keep, SIZE_MAX unless
     * vl_console_stream set it), what did not fit, and the stream that
     * shows them as they are written (NULL: none) */
    char *con;
    size_t con_len, con_cap, con_keep;
    uint64_t con_dropped;
    FILE *con_stream;
    bool con_midline;          /* the last byte streamed was no newline */
    /* timer: counts retired instructions */
    uint32_t timer_period, timer_level, timer_count;
    uint64_t timer_next;       /* icount at which the next tick fires */
    bool timer_armed;          /* the guest programmed the timer: the run loops start a new
                                * slice (cleared by vl_run_next_slice) */
    /* events */
    unsigned hook_mask;
    vlab_hook_fn hook;
    void *hook_ctx;
    bool hook_stop;            /* a hook asked to stop */
    /* an idle CPU's wait (vl_run_idle): the timer was fired for it at
     * icount idle_ic, the wake counter then idle_woke (UINT64_MAX: no
     * wait), at idle_pc. Kept by the machine, not by one run, so that a run
     * stopped (a hook, a budget) and resumed at the wait ends as one run
     * does: halted for good when nothing woke it */
    uint64_t idle_woke, idle_ic;
    uint32_t idle_pc;
    volatile int *interrupt;   /* the host's stop request (vlab_set_interrupt_flag) */
    uint32_t timer_vector;
    /* write watch (vl_watch): called after a watched page was written;
     * true: the run stops after this instruction (the CPU is kicked) for the
     * watcher to look, false: nothing to look at, the run goes on */
    bool (*on_watch)(void *ctx, uint32_t addr, int size);
    void *watch_ctx;
    /* Device writes made with intercept on (the monitor's real CPU), by
     * the instruction counting dev_tag (c.icount while it runs): when it
     * then faults and the monitor executes it again on the virtual
     * context, the writes it already made are replayed without effect
     * (vl_dev_replay), so that a device sees each write once, as natively
     * (MOVEM to memory storing into a device register, then faulting). */
    vl_dev_write dev_log[VL_DEV_LOG_N];
    unsigned dev_log_n, dev_skip_i, dev_skip_n;
    uint64_t dev_tag;
};

/* vl_chain_take: the record alone (NULL: none holds; ask cont()), for a
 * core that goes on through one without leaving its loop.
 * vl_cont: where a run's budget ended with no stop at pc and cont is set: the
 * instructions to run on (0: the run ends). The record of the stretch
 * that ended, while it holds, is what cont() would answer at no cost:
 * went on through, as cont() would have (a new stretch: no device write
 * of the last one can be a trapping instruction's), and noted for the
 * monitor to catch up with. */
/* vl_chain_take_held: the same for a loop that holds c->icount, the stamp
 * (*c->chain_stamp) and c->chain_limit in registers, where neither can
 * move while it runs: the monitor moves the stamp outside the core's run,
 * or from a write watch that kicks the core out of that loop. */
static inline const vl_chain *vl_chain_take_held(vl_cpu_common *c, uint32_t pc, uint64_t icount, uint64_t stamp,
                                                 uint64_t limit) {
    const vl_chain *r = c->chain;
    if (r && (r += r[0].pc != pc, r->pc == pc) && r->stamp == stamp && r->n <= limit - icount) {
        c->m->dev_log_n = 0;
        c->chain_took = r;
        c->chain_at = icount;
        c->chain = r->next;
        return r;
    }
    return NULL;
}
static inline const vl_chain *vl_chain_take(vl_cpu_common *c, uint32_t pc) {
    return c->chain ? vl_chain_take_held(c, pc, c->icount, *c->chain_stamp, c->chain_limit) : NULL;
}
static inline uint64_t vl_cont(vl_cpu_common *c, uint32_t pc) {
    const vl_chain *r = vl_chain_take(c, pc);
    return r ? r->n : c->cont(c->cont_ctx);
}

/* Longest run of instructions between two looks at the devices: the run
 * loops of core/machine.c and of the monitor (vmm/vmm.c) cut time the same
 * way so that a guest's timer ticks after the same instruction on both.
 * VL_RUN_SLICE_QUIET while the timer is off and no until_pc is asked: then
 * a boundary only looks at the host's stop request, and each costs the
 * monitor a return from its technique's run. */
#define VL_RUN_SLICE 256u
#define VL_RUN_SLICE_QUIET 4096u

/* The instruction counting `tag` (its c.icount while it ran) faulted under
 * intercept and is executed again: its device writes (vl_machine.dev_log)
 * are skipped while the new execution makes the same ones in the same
 * order; vl_dev_replay_end stops that and forgets the log. */
void vl_dev_replay(vl_machine *m, uint64_t tag);
void vl_dev_replay_end(vl_machine *m);

/* A CPU state as vlab_machine_new hands it (zeroed, before ops.init) for
 * a state that was in use: the snapshot prefix (snap_size) zeroed, the
 * self-checking cache after it kept (it holds nothing stale: clearing
 * PowerPC's 350 KiB of it cost a third of the fuzzer's time, renewing). */
void vl_cpu_state_clear(const vl_cpu_ops *ops, void *cpu);

/* The state `vlab exec` starts a program in (vl_cpu_ops.boot), set by the
 * host: no mode event. */
void vl_machine_boot(vl_machine *m, uint32_t entry, uint32_t sp);

/* Show the console on f as the guest writes it (flushed at each newline;
 * NULL: not shown) and keep at most keep bytes of it in memory
 * (vlab_console): the rest is counted in con_dropped, so that a guest
 * printing for ever cannot fill the host's memory (vlab exec). */
void vl_console_stream(vl_machine *m, FILE *f, size_t keep);

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
/* The guest was woken, or its machine state set anew: no wait pending. */
static inline void vl_run_woken(vl_machine *m) { m->idle_woke = UINT64_MAX; }

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
