/* vmm.h - the one monitor: dispatcher, interpreter, allocator, techniques,
 * stats and cost model, the equivalence check. ISA-neutral: the monitor
 * knows a core only through the CPU interface (core/core.h) and the per-ISA
 * glue table `vl_virt_ops` that isa/<isa>/virt.c exports (found through the
 * glue registry, isa/glue.c).
 *
 * Structure (Popek & Goldberg):
 *  - the guest runs on the *real* CPU context of its own machine, always
 *    deprivileged (user mode) with intercept on: innocuous instructions run
 *    directly, every exception stops the core before side effects and comes
 *    back to the dispatcher (vl_vm_run), which hands it to the VM's
 *    technique (trap-and-emulate, hybrid...);
 *  - the *virtual* CPU context (vm->vctx: a second instance of the same core,
 *    attached to the same guest memory) holds the guest's virtual privileged
 *    state. The interpreter (interp.c) copies the guest's user-visible state
 *    into it, executes the trapped instruction there in supervisor mode (or
 *    raises the exception the guest must see there), and copies the result
 *    back; the glue maps the virtual privileged state onto the real CPU;
 *  - the allocator (alloc.c) gives each guest its own guest-physical memory
 *    and a monitor region that no guest address reaches (core/core.h).
 *
 * No global mutable state: any number of monitors and VMs per process. */
#ifndef VL_VMM_H
#define VL_VMM_H

#include "core/core.h"

typedef struct vl_vmm vl_vmm;   /* a monitor: several VMs, time-sliced */
typedef struct vl_vm vl_vm;     /* one guest */

/* ---- techniques (technique.c, tech_*.c) ---------------------------------------
 * A technique is a plug-in of the one monitor: how the guest runs (on the
 * real CPU, or through the monitor's interpreter) and what the monitor does
 * with each kind of stop of the real CPU. Chosen per VM; nothing here names
 * an ISA: what a technique needs from an ISA is the glue's sub-table for it
 * (vl_virt_ops below). */
enum vl_technique_id {
    VL_TECH_TRAP_EMULATE = 0, /* "trap-and-emulate" */
    VL_TECH_HYBRID,           /* "hybrid": Popek & Goldberg's hybrid VM (Theorem 3) */
    VL_TECH_HW_ASSIST,        /* "hw-assist": VT-x/SVM-style non-root mode, exit set (tech_hw.c) */
    VL_TECH_PARAVIRT,         /* "paravirt": trap-and-emulate plus hypercalls (tech_pv.c) */
    VL_TECH_BINARY_TRANSLATION, /* "binary-translation": kernel code by basic block (tech_bt.c) */
    VL_TECH_SCAN_PATCH,       /* "scan-and-patch": sensitive instructions patched in place (tech_bt.c) */
    VL_TECH_COUNT
};
typedef struct vl_technique {
    int id;
    const char *name;          /* "trap-and-emulate" */
    const char *summary;       /* one line: what it does */
    /* Set up on a new VM (before its reset): -1 with a message when the
     * ISA's glue has no sub-table for this technique. */
    int (*attach)(vl_vm *vm, char *err, size_t errsz);
    void (*detach)(vl_vm *vm);
    /* Optional (vl_vm_renew): the state attach made, back as attach made
     * it, in the allocation it has. NULL: detach, then attach. */
    void (*renew)(vl_vm *vm);
    /* Run the guest for up to n guest instructions, on the real CPU or by
     * the technique's own means; the stop as the real CPU's run gives it. */
    vl_stop (*run)(vl_vm *vm, uint64_t n);
    /* One stop of that run, by kind. 0: the guest goes on; -1: the run
     * ends with *out. NULL: a stop of that kind ends the run as it is. */
    int (*on_trap)(vl_vm *vm, const vl_stop *s, vl_stop *out);      /* VLAB_STOP_EXCEPTION */
    int (*on_exit)(vl_vm *vm, const vl_stop *s, vl_stop *out);      /* VLAB_STOP_VMEXIT */
    int (*on_patch)(vl_vm *vm, const vl_stop *s, vl_stop *out);     /* a patched instruction hit */
    /* A guest write to a watched page (vl_vm_watch) completed. true: stop
     * the real CPU after the instruction to look (it changed something the
     * technique keeps); false: it changed nothing, the run goes on. */
    bool (*on_watch)(vl_vm *vm, uint32_t addr, int size);
    /* The Popek-Goldberg theorem that predicts when this technique is
     * equivalent (1: every sensitive instruction privileged; 3: every
     * user-sensitive one); 0: none, its leaks are only measured. What
     * `vlab table --techniques all` says a sweep means for it. */
    int theorem;
    /* Resource control of the technique's own (vl_vm_check, after the
     * glue's); NULL: nothing more. 0, or -1 with the reason. */
    int (*check)(vl_vm *vm, char *why, size_t whysz);
    /* Non-NULL: why the sweep cannot measure this technique (its single
     * instruction forms are not what the technique runs). */
    const char *no_sweep;
} vl_technique;
/* The techniques, by id; NULL past the end. */
const vl_technique *vl_technique_get(int id);
const char *vl_technique_name(int t);
int vl_technique_find(const char *name); /* -1 if unknown */
/* "trap-and-emulate, hybrid": the names, for messages and --help. */
const char *vl_technique_list(void);
/* "TECHNIQUE[:FLAVOUR]" (the command line's --vmm): the technique's id and
 * *flavour (-1 when none is given; only hw-assist has flavours: svm, vt);
 * -1 with a message when either is unknown. */
int vl_technique_spec(const char *spec, int *flavour, char *err, size_t errsz);

/* ---- traps ------------------------------------------------------------------ */
/* unhandled: the guest has no handler for the exception its instruction
 * raised; the VM stops there as a bare machine would (nothing was emulated) */
enum vl_trap_kind { VL_TRAP_EMULATED = 0, VL_TRAP_REFLECTED, VL_TRAP_EXIT, VL_TRAP_UNHANDLED, VL_TRAP_HYPERCALL };
/* "emulated", "reflected", "exit", "unhandled", "hypercall" */
const char *vl_trap_kind_name(int kind);

/* What the glue decides about one stop of the real CPU. */
enum vl_action {
    VL_ACT_EMULATE = 1, /* a privileged instruction in virtual supervisor mode */
    VL_ACT_REFLECT,     /* an exception the guest must see: into its own vector table */
    VL_ACT_STOP         /* nothing the guest could handle: the run stops */
};
typedef struct vl_trap {
    int action;        /* enum vl_action */
    int vector;        /* the exception vector of the stop (or to reflect) */
    uint32_t pc;       /* PC of the instruction that trapped */
    uint32_t code;     /* error code, fault address and which are valid (VLAB_STOP_HAS_*) */
    uint32_t addr;
    uint8_t flags;
    bool retire;       /* the trapping instruction counts as retired natively (TRAP, CHK...) */
    bool between;      /* raised between instructions (interrupt, trace): no instruction caused it */
} vl_trap;

/* One trap as the monitor reports it to a callback (vm:on("trap")). */
typedef struct vl_trap_event {
    int kind;          /* enum vl_trap_kind */
    int vector;
    uint32_t pc;       /* guest PC of the trapping instruction (or next PC for interrupts/trace) */
    const char *insn;  /* disassembled instruction at pc */
    int cls;           /* its declared class (decode table), -1 between instructions */
    int exit_reason;   /* kind "exit": enum vl_exit_reason; else -1 */
    int call;          /* kind "hypercall": enum vl_hypercall; else -1 */
} vl_trap_event;

/* ---- paravirtual calls (tech_pv.c) ---------------------------------------------- */
/* The hypercall numbers, the same on every ISA (docs/vmm.md "paravirt"):
 * what a paravirtualized guest kernel asks of the monitor instead of
 * executing the sensitive instruction. Each has one register operand
 * (the encoding names it): get_* calls write their result there, the
 * others read their argument there; an unsupported call writes 0xFFFFFFFF. */
enum vl_hypercall {
    VL_HC_GET_STATUS = 0,  /* the virtual status register (SR, MSR, EFLAGS) */
    VL_HC_SET_MASK,        /* interrupt mask (m68k level 0-7; PPC EE, x86 IF: 0/1) */
    VL_HC_GET_MASK,
    VL_HC_SET_VECTOR_BASE, /* the exception/interrupt table base (VBR, IDTR base) */
    VL_HC_SET_PAGE_TABLE,  /* the page-table base (CR3, SDR1) */
    VL_HC_ACK_TIMER,       /* acknowledge the timer (PPC: the decrementer's new value) */
    VL_HC_CONSOLE_OUT,     /* the operand's low byte to the console */
    VL_HC_IDLE,            /* enable interrupts and wait for one (STOP, STI; HLT) */
    VL_HC_FLUSH_TLB,       /* drop every translation */
    VL_HC_GET_STACK,       /* the other stack / scratch register (USP, SPRGn) */
    VL_HC_SET_STACK,
    VL_HC_COUNT
};
#define VL_HC_UNSUPPORTED 0xFFFFFFFFu
const char *vl_hypercall_name(int nr); /* "get_status", ...; "?" out of range */

/* ---- hardware-assist exits (tech_hw.c) ------------------------------------------ */
/* Why the real CPU left non-root mode (VT's basic exit reason). */
enum vl_exit_reason {
    VL_EXIT_INSTRUCTION = 0, /* "instruction": a form in the exit set */
    VL_EXIT_EXCEPTION,       /* "exception": an exception in the exception bitmap */
    VL_EXIT_INTERRUPT,       /* "interrupt": an external interrupt the monitor takes and injects */
    VL_EXIT_CR,              /* "cr": a control-register access that touches host-owned bits */
    VL_EXIT_IO,              /* "io": an I/O instruction on a port of the I/O bitmap */
    VL_EXIT_MODE,            /* "mode": a guest mode non-root cannot run (vt): interpreted */
    VL_EXIT_REASON_COUNT
};
const char *vl_exit_reason_name(int r); /* "instruction", ...; "?" out of range */
/* Return 0 to go on, non-zero to stop the run after this trap ("breakpoint"). */
typedef int (*vl_trap_fn)(void *ctx, const vl_trap_event *ev);

/* ---- stats and the cost model ----------------------------------------------- */
typedef struct vl_vmm_stats {
    uint64_t guest_instructions; /* instructions the guest retired (direct + emulated + interpreted) */
    uint64_t traps;              /* stops of the real CPU handled by the monitor */
    uint64_t emulated;           /* privileged instructions executed by the interpreter after a trap */
    uint64_t reflected;          /* exceptions delivered into the guest's vector table */
    uint64_t interpreted;        /* instructions the monitor interpreted without a trap (hybrid) */
    uint64_t exits;              /* hardware-assist exits */
    uint64_t exit_reasons[VL_EXIT_REASON_COUNT]; /* exits by reason (they add up to exits) */
    uint64_t scanned, patched;   /* binary translation: instructions examined; patched in place */
    uint64_t blocks;             /* basic blocks translated */
    uint64_t translated;         /* instructions translated (copied or turned into callouts) */
    uint64_t callouts;           /* calls from translated code into the monitor */
    uint64_t lookups;            /* translation-cache lookups (a block entered without chaining) */
    uint64_t flushes;            /* translations dropped (self-modifying code, cache full) */
    uint64_t cache_bytes;        /* translation cache in use now */
    uint64_t hypercalls;         /* paravirtual calls from the guest */
    uint64_t world_switches;     /* guest -> monitor and monitor -> guest transitions */
    uint64_t watch_hits;         /* guest writes to watched pages (bus accesses), each charged `watch` */
    uint64_t cost;               /* simulated cycles, from the cost table */
} vl_vmm_stats;

/* Simulated cost in cycles of each event; one guest instruction run directly
 * is the unit. Defaults (vl_cost_defaults), teaching figures in the cycles of
 * a Pentium 4-era processor, the machine Adams & Agesen (ASPLOS 2006)
 * measured; docs/vmm.md gives the source or the reasoning of each:
 *   instruction     1  one guest instruction run directly on the real CPU
 *   trap          200  the hardware exception into the monitor and its return
 *   world_switch  100  save/restore of the guest's context per transition
 *   emulate       150  decoding and executing one privileged instruction in software
 *   reflect       200  building the guest's exception frame and vectoring, in software
 *   interpret      30  interpreting one guest instruction in software (hybrid)
 *   exit         1500  one hardware-assist exit (VM exit + entry round trip)
 *   scan           10  examining one guest instruction (binary translation)
 *   patch          50  rewriting one sensitive instruction in place
 *   translate      50  translating one instruction into the translation cache
 *   callout        40  a call from translated code into the monitor (no trap)
 *   lookup         10  finding a block in the translation cache
 *   hypercall      50  the monitor's service of one paravirtual call, charged
 *                      on top of the trap and world switches that enter it
 *   watch         550  a guest write to a page the monitor watches (translated
 *                      code, x86 descriptor tables): a real monitor write-protects
 *                      the page, so the write faults into the monitor, which
 *                      performs it (a trap-and-emulate round trip, 200+2*100+150)
 * A trap-and-emulate round trip thus costs trap + 2*world_switch + emulate
 * = 550 instruction times. Changeable per VM (vm:set_cost). */
typedef struct vl_cost_table {
    uint32_t instruction, trap, world_switch, emulate, reflect, interpret, exit, scan, patch,
        translate, callout, lookup, hypercall, watch;
} vl_cost_table;
extern const vl_cost_table vl_cost_defaults;
/* Names in table order, for the Lua binding; NULL-terminated. */
extern const char *const vl_cost_names[];
uint32_t *vl_cost_field(vl_cost_table *t, const char *name); /* NULL if unknown */

/* ---- the per-ISA glue (isa/<isa>/virt.c) ------------------------------------ */
/* What trap-and-emulate needs from an ISA (hybrid too, in virtual user mode). */
typedef struct vl_virt_trap {
    /* What a stop of the real CPU means for the guest. */
    void (*classify)(vl_vm *vm, const vl_stop *st, vl_trap *t);
    /* Reflect t->vector into the guest: prepare the virtual context and
     * raise the exception there (vl_cpu_ops.raise). Returns 0, or -1 when the
     * guest has no handler (vector entry 0) and the VM stops as a bare
     * machine would: at t->vector, or as vm->reflect_stop says when the
     * glue sets it (delivering t faulted into another vector with no
     * handler, or reached what the core does not model: the bare machine's
     * stop, its vector and reason). */
    int (*reflect)(vl_vm *vm, vl_trap *t);
} vl_virt_trap;
/* What hw-assist needs from an ISA. Under it the guest's most privileged
 * mode runs at the real CPU's most privileged level with its own state on
 * the real CPU (its modes, stacks, vectors, tables), as in VT-x non-root
 * mode; the glue's to_real/to_virtual then copy the whole guest state
 * between the two contexts, except the bits the monitor owns: their real
 * values are the host's, their guest values (the read shadows) live in the
 * virtual context. The exit set decides whether the guest can tell. */
typedef struct vl_virt_hw {
    const char *owned;               /* one line: what the monitor owns on the real CPU */
    int (*nforms)(int variant);      /* decode-table forms: vl_decode_info.form < nforms */
    /* The form's mnemonic (lower case, as the sweep names rows); NULL when
     * the model has no instruction of that form. */
    const char *(*form_mnemonic)(int variant, int form);
    /* The model's default exit set: bits of forms (nforms bits) and of
     * exception indexes (VL_EXC_BITMAP_BYTES). */
    void (*defaults)(int variant, uint8_t *forms, uint8_t *exc);
    /* An interrupt the monitor must inject before the guest runs on (the
     * real CPU cannot see it because the monitor owns its mask): the
     * vector, or -1. NULL: the real CPU takes the guest's interrupts. */
    int (*pending)(vl_vm *vm);
    /* The vt flavour: whether non-root mode can run the guest now
     * (first-generation VT-x: not in real mode, not with paging off);
     * NULL: always. */
    bool (*vt_runnable)(vl_vm *vm);
    /* The reason of an exit by form (stop s); NULL: VL_EXIT_INSTRUCTION. */
    int (*exit_reason)(vl_vm *vm, const vl_stop *s);
} vl_virt_hw;

/* What paravirt needs from an ISA: its hypercall encoding (an instruction
 * that traps on the real CPU whatever the guest's mode) and the calls'
 * effect on the virtual context. */
typedef struct vl_pv_insn {
    int nr;       /* enum vl_hypercall, or a number past them (unsupported) */
    int reg;      /* the operand: a core register id (vl_virt_ops.reg_get) */
    int idx;      /* a sub-index the encoding carries (PPC: the SPRG), else 0 */
    uint32_t len; /* bytes: the guest goes on after them */
} vl_pv_insn;
typedef struct vl_virt_pv {
    const char *encoding; /* one line: the hypercall instruction */
    /* Is the instruction of stop s (an exception of the real CPU) a
     * hypercall? 1 with *h, else 0 (then trap-and-emulate handles it:
     * every other encoding raises what it raises natively). */
    int (*decode)(vl_vm *vm, const vl_stop *s, vl_pv_insn *h);
    /* Call h->nr on the virtual context (to_virtual done, to_real follows):
     * 0, or -1 when the ISA does not have it. *val: the operand in and,
     * for get_* calls, the result out. */
    int (*call)(vl_vm *vm, const vl_pv_insn *h, uint32_t *val);
} vl_virt_pv;
/* What binary-translation and scan-and-patch need from an ISA. */
typedef struct vl_virt_bt {
    /* The translation cache: offset and size in the monitor region. */
    uint32_t cache_off, cache_size;
    /* Translate virtual user mode too: direct running leaks there (x86:
     * SGDT, SMSW, PUSHF show the real state to CPL 3); false: user code
     * runs directly. */
    bool user;
    /* The guest-physical address of code at guest-virtual va as the
     * guest's MMU maps it now (for the write watch and the patches); false
     * when unmapped. NULL: va is the guest-physical address. */
    bool (*code_gpa)(vl_vm *vm, uint32_t va, uint32_t *gpa);
    /* Optional: true when code_gpa now reads no guest memory (no page
     * table: its answer depends on the virtual context alone, as mode's
     * does), so that it cannot change while the real CPU runs. NULL: it
     * may read memory, except that a NULL code_gpa reads nothing. */
    bool (*code_fixed)(vl_vm *vm);
    /* Decode one instruction as the guest's current mode runs it (x86: the
     * code segment's default size); NULL: the core's decode. mode: what
     * that decoding depends on now (a block made in one mode is not run in
     * another); NULL: nothing. */
    void (*decode)(vl_vm *vm, const uint8_t *bytes, size_t len, uint32_t addr, vl_decode_info *out);
    uint32_t (*mode)(vl_vm *vm);
    /* scan-and-patch: the trapping instruction written over the first
     * patch_len bytes of a sensitive one (a stop at a patch, whatever its
     * vector, runs the original). */
    const uint8_t *patch;
    uint8_t patch_len;
} vl_virt_bt;

typedef struct vl_virt_ops {
    const char *isa;
    size_t state_size;          /* the glue's own per-VM state (vm->glue), zeroed */
    /* Power-on of the guest: set up the virtual context (virtual supervisor
     * mode, interrupts masked...) from the real one after the machine's
     * reset, and deprivilege the real CPU. */
    void (*reset)(vl_vm *vm);
    /* Map the virtual privileged state onto the real CPU (deprivileged): done
     * after every emulation or reflection and when the guest view is set. */
    void (*to_real)(vl_vm *vm);
    /* Copy the guest's user-visible state from the real CPU into the virtual
     * context (before the interpreter runs there). */
    void (*to_virtual)(vl_vm *vm);
    /* The guest's virtual privilege level (0 most privileged) and setting it
     * (a level the ISA has). */
    int (*priv_get)(vl_vm *vm);
    void (*priv_set)(vl_vm *vm, int level);
    /* The guest's view of register `id` (the core's register id). */
    uint32_t (*reg_get)(vl_vm *vm, int id);
    void (*reg_set)(vl_vm *vm, int id, uint32_t v);
    /* true: reg_get(vm, id) is to_virtual(vm), then the core's reg_get of
     * vctx; vl_vm_regs_get then syncs once for all the registers */
    bool reg_get_views;
    /* Resource control: 0 when the real CPU is deprivileged and the monitor's
     * own real state is intact; else -1 with the reason. */
    int (*check)(vl_vm *vm, char *why, size_t whysz);
    /* Optional (NULL: nothing to do): both contexts were put back from
     * copies (the sweep restores a state this way); rebuild what the glue
     * derives from them outside them (x86: the shadow tables in the
     * monitor region). */
    void (*resync)(vl_vm *vm);
    /* Optional: a guest write to a watched page completed (before the
     * technique's on_watch), for what the glue watches itself (x86: the
     * guest's descriptor tables its shadows are built from). true: stop
     * the real CPU after the instruction. */
    bool (*on_watch)(vl_vm *vm, uint32_t addr, int size);
    /* The real privilege levels the guest's most privileged mode may run
     * at (bit n: level n; vl_vm_set_deprivilege), 0: only the glue's own. */
    unsigned deprivilege_levels;
    /* The techniques this glue supports: bit (1 << VL_TECH_*). A technique
     * refuses a VM whose glue lacks its bit (vlab.vmm says so). */
    unsigned techniques;
    /* Per technique, what the ISA adds to it (NULL where it adds nothing):
     * trap-and-emulate's classification and reflection, which the hybrid
     * monitor uses too in virtual user mode. */
    const vl_virt_trap *trap;
    const vl_virt_hw *hw;       /* hw-assist (NULL: not supported) */
    const vl_virt_pv *pv;       /* paravirt (NULL: not supported) */
    const vl_virt_bt *bt;       /* binary-translation, scan-and-patch (NULL: not supported) */
} vl_virt_ops;

/* The glue registry (isa/glue.c): the monitor glue and the sweep adapter of
 * a core, NULL when it has none. The cores link without the monitor. */
const vl_virt_ops *vl_glue_virt(const vl_cpu_ops *ops);
const struct vl_sweep_isa *vl_glue_sweep(const vl_cpu_ops *ops);

/* ---- the allocator (alloc.c) -------------------------------------------------- */
/* The monitor's machine memory, in regions at machine-physical addresses
 * (64-bit offsets into the monitor's memory, page aligned): for each VM its
 * guest-physical memory and its monitor region. Each is zeroed, has one
 * owner, never overlaps another; guest memory never holds monitor state. */
enum { VL_REGION_GUEST = 0, VL_REGION_MONITOR };
typedef struct vl_region {
    uint8_t *host;   /* host storage */
    uint64_t mpa;    /* machine-physical address */
    uint32_t size;
    int owner;       /* VM id */
    int kind;        /* VL_REGION_* */
} vl_region;
typedef struct vl_alloc {
    vl_region *r;
    size_t n, cap;
    uint64_t in_use;   /* bytes handed out */
    uint64_t limit;    /* 0: no limit */
    uint64_t next_mpa; /* where the next region goes */
} vl_alloc;
void vl_alloc_init(vl_alloc *a, uint64_t limit);
void vl_alloc_fini(vl_alloc *a);
/* Claim `size` zeroed bytes of kind for VM `owner` (one region of each kind
 * per VM): NULL when over the limit; *mpa its machine-physical address. */
uint8_t *vl_alloc_region(vl_alloc *a, int owner, int kind, uint32_t size, uint64_t *mpa);
void vl_alloc_release(vl_alloc *a, int owner);
/* Which VM owns host byte p (-1: none), and the region's kind. */
int vl_alloc_owner(const vl_alloc *a, const void *p, int *kind);
/* Invariants: no two regions overlap (host or machine-physical), each live
 * region has one owner and one of each kind. 0 ok. */
int vl_alloc_check(const vl_alloc *a, char *why, size_t whysz);

/* ---- the monitor and its VMs ------------------------------------------------ */
/* Where VMs' monitor regions appear in their real CPU's physical address
 * space: slot k at VL_MON_BASE + k * VL_MON_SLOT (k from the VM's id), above
 * any guest RAM and outside the 68000's 24-bit bus. The second VM of a
 * sweep thus has its monitor structures elsewhere: what an instruction that
 * reveals them shows is location-sensitive. */
#define VL_MON_BASE 0xFF000000u
#define VL_MON_SLOT 0x00100000u
#define VL_MON_SLOTS 12u
#define VL_MON_SIZE 0x00010000u /* default region: 64 KiB */

struct vl_vm {
    vl_vmm *mon;
    int id;                    /* unique within the monitor */
    vl_machine *m;             /* the guest's machine: its memory, devices, real CPU */
    const vl_cpu_ops *ops;
    const vl_virt_ops *virt;
    int variant;
    int deprivilege;           /* the real level of the guest's most privileged mode, 0: the glue's choice */
    void *real;                /* == m->cpu: runs the guest deprivileged */
    void *vctx;                /* the second context: virtual privileged state */
    void *glue;                /* the glue's per-VM state (virt->state_size bytes) */
    const vl_technique *tech;
    int technique;             /* tech->id */
    void *tstate;              /* the technique's per-VM state */
    /* guest-physical [0, ram) is machine-physical [ram_mpa, ram_mpa + ram);
     * the monitor region is machine-physical mon_mpa, seen by the real CPU
     * at physical m->mem.mon_base */
    uint64_t ram_mpa, mon_mpa;
    vl_vmm_stats st;
    vl_cost_table cost;
    vl_trap_fn on_trap;
    void *on_trap_ctx;
    /* guest events the dispatcher reports (vl_vm_set_hook) */
    unsigned hook_mask;
    vlab_hook_fn hook;
    void *hook_ctx;
    int hook_level;            /* the virtual level last reported */
    bool stop_on_null_vector;  /* a reflected exception with vector entry 0 stops (as natively) */
    vl_stop reflect_stop;      /* a reflect's own stop (vl_virt_trap.reflect; reason NONE: none) */
    vl_stop idle_after;        /* the emulated instruction left the guest idle or halted (HLT, STOP, a
                                  jump to itself): the run loop takes it as the core's stop, in the same
                                  step, as the bare machine does (reason NONE: it did not) */
    bool trap_stop;            /* a trap callback asked to stop */
    /* The technique's run (vl_technique.run) goes on from the last one in
     * the same vl_vm_run, which ended on its budget (a slice boundary), with
     * no hook set and nothing handled in between: nothing but the guest can
     * have written its memory since (binary translation keeps its blocks'
     * freshness). */
    bool tech_resume;
    int busy;                  /* runs in progress: vl_vm_free waits for the last to end */
    bool dead;                 /* vl_vm_free was called while busy */
    int exit_reason;           /* of the trap being reported: enum vl_exit_reason, -1 a trap */
    char insn[96];             /* text of the last trapping instruction */
    bool trap_lazy;            /* the listener reads the text only through vl_vm_trap_insn */
    bool insn_done;            /* insn holds the text of the trap being reported */
    bool trap_between;         /* the trap being reported: what vl_vm_trap_insn formats */
    int trap_vector;
    uint32_t trap_pc;
    uint8_t insn_bytes[16];    /* its bytes, read before the monitor handled it */
    int insn_variant;          /* what decodes them: the mode the guest ran them in (vl_code_variant) */
    size_t insn_len;
};

struct vl_vmm {
    vl_vm **vms;
    size_t nvms, cap;
    int next_id;
    int refs;
    size_t rr;                 /* round-robin position */
    vl_alloc alloc;
};

vl_vmm *vl_vmm_new(uint64_t ram_limit);
/* Reference counting: each VM holds one; vl_vmm_release drops the creator's. */
void vl_vmm_retain(vl_vmm *mon);
void vl_vmm_release(vl_vmm *mon);

/* A new VM of isa/model with ram bytes of guest memory, reset, in virtual
 * supervisor mode. mon NULL: a private monitor. virt NULL: the core's glue. */
vl_vm *vl_vm_new(vl_vmm *mon, const char *isa, const char *model, uint32_t ram,
                 int technique, const vl_virt_ops *virt, char *err, size_t errsz);
void vl_vm_free(vl_vm *vm);
/* Back to the state vl_vm_new gave it, keeping its allocations, its id,
 * its regions (zeroed) and its place in its monitor: as if freed and made
 * again by the same call, without the cost (the fuzz targets run every
 * input on the same VMs). Not during its run (-1 with a message). */
int vl_vm_renew(vl_vm *vm, char *err, size_t errsz);
/* Every VM of mon renewed, and the round-robin of vl_vmm_run back at the
 * first VM: the monitor as it was right after those vl_vm_new calls. */
int vl_vmm_renew(vl_vmm *mon, char *err, size_t errsz);
/* Architectural reset of the guest (vectors 0/1 on m68k), virtual supervisor mode. */
void vl_vm_reset(vl_vm *vm);
/* The state `vlab exec` starts a guest in (vl_cpu_ops.boot): the guest's
 * most privileged level, its stack pointer sp, pc = entry; from a reset
 * (vl_vm_reset first: with or without one before, the same state; guest
 * memory is kept). */
void vl_vm_boot(vl_vm *vm, uint32_t entry, uint32_t sp);

/* Run the guest's most privileged mode at real privilege level `level`
 * (x86: 1, the default, or 3), when the glue allows it (deprivilege_levels);
 * the guest's state is kept. 0, or -1 with a message. */
int vl_vm_set_deprivilege(vl_vm *vm, int level, char *err, size_t errsz);

/* Run the guest up to max guest instructions (0: no limit); stop before
 * until_pc when has_until. Same stop reasons as vlab_run. */
vl_stop vl_vm_run(vl_vm *vm, uint64_t max, int has_until, uint32_t until_pc);
/* Exactly n guest instructions unless something stops the guest first. */
vl_stop vl_vm_step(vl_vm *vm, uint64_t n);
/* Round-robin over the monitor's VMs, `slice` guest instructions each, until
 * every VM stopped for a reason other than budget or total_max guest
 * instructions (all VMs together, 0: no limit) ran. Returns the number of
 * VMs still runnable. */
int vl_vmm_run(vl_vmm *mon, uint64_t slice, uint64_t total_max);

void vl_vm_stats(const vl_vm *vm, vl_vmm_stats *out); /* cost computed */
void vl_vm_set_cost(vl_vm *vm, const vl_cost_table *c);
void vl_vm_on_trap(vl_vm *vm, vl_trap_fn fn, void *ctx);
/* As vl_vm_on_trap for a listener that seldom wants the instruction's text:
 * its events carry insn NULL and cls -1 (disassembling and decoding every
 * trap costs more than most checks); vl_vm_trap_insn, called from the
 * callback, gives the text vl_vm_on_trap's events would have carried. */
void vl_vm_on_trap_lazy(vl_vm *vm, vl_trap_fn fn, void *ctx);
const char *vl_vm_trap_insn(vl_vm *vm);
/* The guest's events, as a machine's (vlab_set_hook): VLAB_EV_STEP after
 * each guest instruction (the guest then runs one instruction at a time),
 * VLAB_EV_MODE when its virtual privilege level changes (a = the level),
 * VLAB_EV_EXCEPTION when it receives an exception, VLAB_EV_CONSOLE. The
 * hook returns non-zero to stop the run (reason "breakpoint"). */
void vl_vm_set_hook(vl_vm *vm, unsigned mask, vlab_hook_fn fn, void *ctx);

/* The guest as it sees itself: registers by the machine's register index,
 * privileged ones from the virtual state. */
uint32_t vl_vm_reg_get(vl_vm *vm, int idx);
/* Registers 0..n-1 (vl_vm_reg_get's indices, n at most the machine's
 * count) into out: what n calls of vl_vm_reg_get give, for one sync of the
 * guest's view where the glue allows it (a comparison reads them all) */
void vl_vm_regs_get(vl_vm *vm, uint32_t *out, int n);
void vl_vm_reg_set(vl_vm *vm, int idx, uint32_t v);
uint32_t vl_vm_pc(vl_vm *vm);
void vl_vm_set_pc(vl_vm *vm, uint32_t pc);
/* The guest's virtual privilege level (0 most privileged). */
int vl_vm_privilege(vl_vm *vm);
/* 0, or -1 when the ISA has no such level. */
int vl_vm_set_privilege(vl_vm *vm, int level);
int vl_vm_supervisor(vl_vm *vm);            /* 1 at virtual level 0 */
/* Guest memory at a guest-virtual address as the guest's MMU maps it now,
 * side-effect free (the core's read_virt on the virtual context, which
 * holds the guest's translations and segments). */
size_t vl_vm_read_virt(vl_vm *vm, uint32_t addr, void *buf, size_t len, bool fetch);
/* The size in bits (16 or 32) of the code the guest executes in its present
 * mode (vlab_code_bits for the guest as it sees itself). */
int vl_vm_code_bits(vl_vm *vm);
/* Machine-physical address of guest-physical gpa; false outside guest memory. */
bool vl_vm_gpa_to_mpa(const vl_vm *vm, uint32_t gpa, uint64_t *mpa);
/* Watch guest writes to the pages of [gpa, gpa+len) (on) or stop: each
 * write to one is counted and handed to the technique (on_watch). 0 or -1. */
int vl_vm_watch(vl_vm *vm, uint32_t gpa, uint32_t len, bool on);
/* Resource control: the real CPU is deprivileged, the monitor intact. */
int vl_vm_check(vl_vm *vm, char *why, size_t whysz);

/* ---- the dispatcher's helpers for techniques (vmm.c) --------------------------- */
/* While the monitor runs the guest on its virtual context (emulating one
 * instruction, interpreting), that context is the machine's running CPU: the
 * devices count its instructions and raise and lower its interrupt line, as
 * they would the real CPU's. enter: the real CPU's clock and line onto the
 * virtual context; leave: back. */
void vl_vm_enter_virtual(vl_vm *vm);
void vl_vm_leave_virtual(vl_vm *vm);
/* The real CPU runs n guest instructions, deprivileged, intercepting. */
vl_stop vl_vm_run_real(vl_vm *vm, uint64_t n);
/* The same, with the core asking cont(ctx) for more at the end of its
 * budget (vl_cpu_common.cont; binary translation's chained blocks), or
 * going on by itself through chain, the record of the stretch's block
 * (NULL: none), and the records it leads to while their stamp is *stamp
 * and they stay within icount limit (vl_cont). */
vl_stop vl_vm_run_real_cont(vl_vm *vm, uint64_t n, uint64_t (*cont)(void *), void *ctx, const vl_chain *chain,
                            const uint64_t *stamp, uint64_t limit);
/* A trap of the real CPU handled the trap-and-emulate way (classify, then
 * emulate or reflect); 0 go on, -1 the run ends with *out. */
int vl_vm_trap_emulate(vl_vm *vm, const vl_stop *s, vl_stop *out);
/* Report a trap to the VM's callback (vm:on("trap")). */
void vl_vm_report(vl_vm *vm, int kind, const vl_trap *t);

/* A stop of the real CPU handled as a hardware-assist exit: as
 * vl_vm_trap_emulate (the instruction executed again on the virtual
 * context, or the event raised there), counted as an exit of `reason`
 * instead of a trap; t: the trap, classified by the caller. */
int vl_vm_exit_emulate(vl_vm *vm, vl_trap *t, int reason, vl_stop *out);

/* ---- hw-assist's controls (tech_hw.c) --------------------------------------------- */
enum vl_hw_flavour { VL_HW_SVM = 0, VL_HW_VT };
/* "svm" or "vt" (-1 unknown). */
int vl_hw_flavour_find(const char *name);
const char *vl_hw_flavour_name(int f);
/* Set the flavour of a hw-assist VM: 0, or -1 with a message. */
int vl_hw_set_flavour(vl_vm *vm, int flavour, char *err, size_t errsz);
int vl_hw_flavour(const vl_vm *vm); /* -1: not a hw-assist VM */
/* Add (on) or remove every form whose mnemonic is `mnemonic` to/from the
 * exit set: the number of forms changed, or -1 with a message (not a
 * hw-assist VM, no such mnemonic on the model). */
int vl_hw_exit_form(vl_vm *vm, const char *mnemonic, bool on, char *err, size_t errsz);
/* Exception vector in (on) or out of the exception bitmap: 0 or -1. */
int vl_hw_exit_exception(vl_vm *vm, int vector, bool on, char *err, size_t errsz);
/* The exit set now: calls fn for each distinct mnemonic with a form in it
 * (in decode-table order) and for each vector of the exception bitmap
 * (mnemonic NULL). -1 if not a hw-assist VM. */
int vl_hw_exit_list(vl_vm *vm, void (*fn)(void *ctx, const char *mnemonic, int vector), void *ctx);

/* ---- binary translation's events (tech_bt.c) ------------------------------------ */
/* One basic block translated (binary-translation) or scanned and patched
 * (scan-and-patch): its guest address, bytes, instructions and how many of
 * them became callouts (patched, under scan-and-patch). */
typedef struct vl_translate_event {
    uint32_t addr, len;
    int insns, callouts;
} vl_translate_event;
/* Return non-zero to stop the run after this block ("breakpoint"). */
typedef int (*vl_translate_fn)(void *ctx, const vl_translate_event *ev);
/* Call fn on each block translated (NULL: stop): 0, or -1 when the VM's
 * technique translates nothing. */
int vl_vm_on_translate(vl_vm *vm, vl_translate_fn fn, void *ctx);

/* ---- interpreter (interp.c) --------------------------------------------------- */
/* Execute the trapped instruction at the guest PC on the virtual context.
 * Returns the stop of that one instruction on the virtual context (reason
 * BUDGET when it completed, possibly through an exception of the guest's own). */
vl_stop vl_interp_emulate(vl_vm *vm, const vl_trap *t);
/* Interpret the guest on the virtual context, one instruction at a time,
 * up to n instructions or until done(vm) after one (hybrid: it left
 * supervisor mode; hw-assist vt: non-root mode can hold it again); counted
 * in stats.interpreted. The stop of the last instruction. */
vl_stop vl_interp_run(vl_vm *vm, uint64_t n, bool (*done)(vl_vm *vm));
/* Deliver exception t->vector to the guest. 0, or -1 when it has no handler. */
int vl_interp_reflect(vl_vm *vm, vl_trap *t);

/* ---- equivalence check (compare.c) -------------------------------------------- */
/* A machine as its guest sees itself: a bare machine (vm NULL) or a guest. */
typedef struct vl_view {
    vl_machine *m;
    vl_vm *vm;
} vl_view;
enum vl_diff_kind { VL_DIFF_REG = 0, VL_DIFF_MEM, VL_DIFF_CONSOLE, VL_DIFF_SHAPE };
typedef struct vl_diff {
    int kind;          /* enum vl_diff_kind */
    char what[32];     /* register name, "mem", "console", "ram size"... */
    uint32_t addr;     /* memory: first differing address; console: offset */
    uint32_t len;      /* memory: bytes in this differing run */
    uint32_t a, b;     /* the two values (memory: first byte; console: byte or -1) */
    /* vl_equiv_run only: the instruction after which this location first
     * differed (1-based index, 0: from the start), its address and text;
     * after an interrupt or trace taken first in that step, the handler's
     * first instruction (the one the step executed) */
    uint64_t at;
    uint32_t at_pc;      /* natively */
    uint32_t at_vm_pc;   /* under the monitor (differs once control flow diverged) */
    char at_insn[112];   /* "insn", or "native insn | monitored: insn" when the two differ */
} vl_diff;
/* Compare two machines' guest-visible state. Returns the number of
 * differences (all of them), fills up to max entries of out. */
size_t vl_compare(const vl_view *a, const vl_view *b, vl_diff *out, size_t max);
/* One line of text for a difference. */
void vl_diff_format(const vl_diff *d, char *out, size_t outsz);

/* Run the same image natively (real supervisor mode) and under the monitor
 * and tie the first difference to the instruction that produced it. */
typedef struct vl_equiv_image {
    const char *isa, *model;
    uint32_t ram;
    const uint8_t *bytes;   /* raw image */
    size_t len;
    uint32_t org, entry;
    uint32_t sp;            /* initial supervisor stack pointer (0: top of RAM) */
    const vl_virt_ops *virt;/* NULL: the core's glue (vl_glue_virt) */
    /* true: leave the final differences untied to instructions (their at,
     * at_pc and at_vm_pc 0, at_insn "(not attributed)"), which replays
     * the run again; equal, first*, diffs and the stops are the same */
    bool no_attribution;
    /* hw-assist only: the flavour of the monitored side (VL_HW_SVM, the
     * default, or VL_HW_VT); another value, or VT under another
     * technique, is an error */
    int hw_flavour;
} vl_equiv_image;
typedef struct vl_equiv_result {
    bool equal;             /* no difference up to the end of the run */
    uint64_t instructions;  /* guest instructions run (natively) */
    uint64_t first;         /* index (1-based) of the first instruction after which they differ */
    uint32_t first_pc;      /* its address (as at_pc: the instruction the step executed) */
    char first_insn[96];    /* its text */
    size_t ndiffs;          /* differences right after that instruction */
    vl_diff diffs[16];
    vl_stop native_stop, vm_stop; /* how each side's run ended */
    vl_diff *final;         /* every difference at the end (up to VL_EQUIV_MAX_FINAL), each */
    size_t nfinal;          /* tied to the instruction that first produced it (at, at_pc, at_insn) */
} vl_equiv_result;
#define VL_EQUIV_MAX_FINAL 256
/* Lockstep chunks compared after each; the first differing chunk is replayed
 * instruction by instruction from a rebuilt pair (runs are deterministic).
 * 0 ok (free with vl_equiv_free), -1 with a message. */
int vl_equiv_run(const vl_equiv_image *img, uint64_t max, int technique, vl_equiv_result *out,
                 char *err, size_t errsz);
void vl_equiv_free(vl_equiv_result *r);
/* Machines and VMs for vl_equiv_run_cached to reuse from one call to the
 * next (renewed: vlab_machine_renew, vl_vm_renew) instead of making and
 * freeing the several it needs per call; the results are vl_equiv_run's.
 * One cache may serve several techniques: the native side of a call whose
 * image (bytes, origin, entry, stack, RAM, model) and first chunk are the
 * last call's is not run again, the bare machine kept from that call
 * stands for it (vl_equiv_cache_native_runs counts the native runs). */
typedef struct vl_equiv_cache vl_equiv_cache;
vl_equiv_cache *vl_equiv_cache_new(void); /* NULL when out of memory */
void vl_equiv_cache_free(vl_equiv_cache *c);
uint64_t vl_equiv_cache_native_runs(const vl_equiv_cache *c);
int vl_equiv_run_cached(vl_equiv_cache *c, const vl_equiv_image *img, uint64_t max, int technique,
                        vl_equiv_result *out, char *err, size_t errsz);

/* ---- the gdb stub (gdbstub.c) ------------------------------------------------ */
/* One register of gdb's numbering for an ISA (isa/<isa>/gdb.c), in gdb's
 * order: the vlab register it shows (name NULL: one vlab does not model,
 * shown as unavailable and never written) and its size in bytes there. */
typedef struct vl_gdb_reg {
    const char *name;
    uint8_t bytes;
} vl_gdb_reg;
typedef struct vl_gdb_isa {
    const char *isa;
    const char *arch;          /* gdb's name of the architecture (set architecture) */
    const vl_gdb_reg *regs;    /* gdb's register numbers 0..nregs-1 */
    int nregs;
    int ng;                    /* the first ng make the 'g' packet */
    int pc;                    /* gdb's number of the program counter */
} vl_gdb_isa;
/* The glue registry (isa/glue.c): the gdb register map of a core, NULL when it has none. */
const vl_gdb_isa *vl_glue_gdb(const vl_cpu_ops *ops);

typedef struct vl_gdb_opts {
    int port;                  /* on 127.0.0.1; 0: any free port (the log says which) */
    int wait_ms;               /* how long to wait for gdb to connect (0: 60 s) */
    uint64_t max;              /* the guest's instructions over the whole session (UINT64_MAX: no limit) */
    volatile int *interrupt;   /* the host's stop request: ends the session */
    FILE *log;                 /* "listening on ...", the session's end */
} vl_gdb_opts;
/* Serve the GDB remote serial protocol for a bare machine m (vm NULL) or
 * for the guest of vm (m is vm->m: its view of itself) to one client, until
 * it detaches (the guest then runs on until it stops, within max), kills or
 * disconnects, or the host asks to stop. *last: the machine's last stop.
 * 0, or -1 with a message (no socket, nobody connected in time, no
 * register map for the ISA). */
int vl_gdb_serve(const vl_gdb_opts *o, vlab_machine *m, vl_vm *vm, vl_stop *last, char *err, size_t errsz);

/* ---- the instruction trace (trace.c) ------------------------------------------ */
/* `vlab exec --trace`: from now on, one line on f per instruction the
 * machine (vm NULL) or the guest of vm retires: address, bytes,
 * disassembly, the registers it changed, and marks for what happened on
 * the way (<exception vector N name>, <trap: emulated vector N ...>,
 * <mode level N>). Uses the machine's (or the guest's) hook and, under the
 * monitor, its trap callback. NULL when out of memory. */
typedef struct vl_tracer vl_tracer;
vl_tracer *vl_trace_start(FILE *f, vlab_machine *m, vl_vm *vm);
/* Uninstall, flush; the number of lines written. */
uint64_t vl_trace_stop(vl_tracer *t);

/* ---- the command line: vlab exec [--vmm TECHNIQUE] [--gdb PORT] ---------------- */
/* What `vlab exec` does by default: stop a guest that does not end after
 * this many instructions (--max sets another limit), and keep this much of
 * its console for --json (the rest is counted: console_dropped). */
#define VL_EXEC_DEFAULT_MAX 1000000000ull
#define VL_EXEC_CONSOLE_KEEP ((size_t)1 << 20)
typedef struct vl_exec_opts {
    const char *isa, *model;
    const char *technique;     /* NULL: the bare machine; else run it as a guest */
    uint32_t ram;              /* 0: 16 MiB */
    const char *path;          /* .bin at org, or .elf */
    uint32_t org;
    int has_entry;
    uint32_t entry;
    int has_max;               /* 0: VL_EXEC_DEFAULT_MAX, and a message when it is hit */
    uint64_t max;              /* with has_max: 0 runs no instruction */
    int json;                  /* one JSON object; else a human summary, the console streamed */
    int gdb_port;              /* >= 0: serve gdb on 127.0.0.1:port (0: any free port) */
    int trace;                 /* one line per instruction on log (trace.c) */
    volatile int *interrupt;   /* the host's stop request (Ctrl-C), may be NULL */
    FILE *out, *log;           /* the report and the console; messages */
} vl_exec_opts;
/* Load the image into a fresh machine (or VM), set PC to entry (or the ELF
 * entry, or org), the supervisor stack to the top of RAM, run it (or serve
 * gdb) and print the report to out: with json, one object with stop, pc,
 * instructions (guest instructions under the monitor), regs (the guest's
 * view), console, console_dropped and, under the monitor, vmm (the stats);
 * else the console as the guest writes it and a human summary. Returns the
 * exit status (0 ok, 1 guest failure, 2 usage error) with a message in err. */
int vl_exec(const vl_exec_opts *o, char *err, size_t errsz);
/* vl_exec under the monitor with technique, max 0: the default limit. */
#include <stdio.h>
int vl_vmm_exec(const char *isa, const char *model, const char *technique, uint32_t ram,
                const char *path, uint32_t org, int has_entry, uint32_t entry, uint64_t max,
                int json, volatile int *interrupt, FILE *out, char *err, size_t errsz);
/* The report of `vlab exec` on out, one implementation for both front ends:
 * for the bare machine m (vm NULL), or for the guest of vm (m is vm->m),
 * then the guest's view of its registers and the monitor's stats. */
void vl_exec_report(FILE *out, int json, vlab_machine *m, vl_vm *vm, vl_stop s);
/* The exit status of `vlab exec` for its stop (DESIGN §4.1): 1 when the
 * guest failed (an unhandled exception, a triple fault, an error, an exit,
 * an interrupted run), else 0. One rule for both front ends. */
int vl_exec_status(vl_stop s);

#endif
