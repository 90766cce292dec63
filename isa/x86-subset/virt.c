/* virt.c - how the monitor maps the x86 guest's virtual privileged state
 * onto the real CPU: ring compression, as the classic x86 monitors did it
 * (DESIGN §3, vmm/vmm.h vl_virt_ops, docs/vmm.md "x86: ring compression").
 *
 * Two contexts per VM, both x86_cpu on the guest's memory:
 *   real  runs the guest deprivileged, intercept on: every exception (and
 *         every interrupt) stops it before any side effect;
 *   vctx  holds the guest's virtual privileged state: its GDTR, IDTR, LDTR,
 *         TR, CR0/CR2/CR3/CR4, the debug registers, EFLAGS.IF and IOPL, its
 *         CPL, and the segment registers with the descriptor caches the
 *         guest's own tables give. The monitor's interpreter executes a
 *         trapped instruction there, natively, at the guest's virtual CPL.
 *
 * The mapping (to_real, after every emulation or reflection):
 *   - CPL: the guest kernel (virtual CPL 0) runs at real CPL 1, rings 1-3
 *     at themselves. A far RET or IRET to an outer ring runs directly (the
 *     real CPU leaves ring 1 for ring 3 as the guest leaves ring 0); every
 *     way inwards (interrupts, exceptions, gates) traps.
 *   - Shadow descriptor tables in the VM's monitor region: the real GDTR,
 *     IDTR, LDTR and TR point there (SGDT, SIDT show it). Each guest
 *     code/data descriptor is copied with DPL 0 shown as DPL 1 and its limit
 *     truncated below the monitor region (a segment that cannot be
 *     truncated, and one whose accessed bit is still clear, is shown not
 *     present: loading it traps and the monitor loads it on vctx, which sets
 *     the bit in the guest's table as natively). TSS descriptors are shown
 *     not present and gates lead to the null selector, so that a task
 *     switch or a gate call traps. The shadow IDT's gates keep the guest's
 *     DPLs (compressed) and point at the monitor's entry stubs; the real CPU
 *     never uses it (it intercepts). The shadow TSS has no I/O bitmap, so
 *     with real IOPL 0 every IN/OUT/INS/OUTS, CLI and STI traps.
 *     The shadow GDT/LDT follow the guest's tables at every entry into the
 *     monitor (each trap), rebuilt when the guest's bytes differ from those
 *     they were built from (shadow_cache), and at every guest write to them
 *     in between (the tables' pages are watched: on_watch), so that the
 *     real CPU loads what the guest's table holds at that moment.
 *   - Segment registers: the real caches are the compressed views of the
 *     guest's caches (CS and SS with RPL = the real CPL). A load the real
 *     CPU does itself is read back on the way into the monitor (to_virtual,
 *     or a write to the tables: on_watch) from the bytes the shadow it was
 *     loaded from was built from.
 *   - EFLAGS: real IF = virtual IF (the real CPU intercepts exactly the
 *     interrupts the guest allows), real IOPL 0, no VM.
 *   - CR0 = the guest's with PE, CR3 and CR4 the guest's: the guest's page
 *     tables are used directly (guest-physical = VM machine-physical); the
 *     monitor region is reached by the real CPU's system accesses at its
 *     linear address in every address space (isa/x86-subset/mmu.c), a
 *     simplification of shadow page tables that add the monitor's mapping.
 *     The real translation cache is flushed when the guest's is (its MOV
 *     CR3, INVLPG... executed on vctx) or CR0/CR3/CR4 change.
 *   - Virtual real mode and virtual-8086 mode are not deprivileged: the real
 *     CPU's CS is the monitor's trap page (limit 0, a privileged byte), so
 *     every instruction traps and is executed on vctx.
 *
 * Traps (classify): an interrupt (counted by the real CPU) and a trace trap
 * happen between instructions: they are raised on vctx (reflected). Any
 * other exception was caused by the instruction at the stop's PC, stopped
 * before its side effects: it is executed again on vctx (emulated), where a
 * privileged instruction of the virtual kernel completes against the
 * virtual state and anything else raises, exactly as natively, what the
 * guest must see through its own IDT (INT n from its user code included).
 *
 * What does not trap runs on the real state and leaks (measured by the
 * sweep, never hidden): SGDT/SIDT show the shadow tables' addresses, SMSW
 * the real CR0, PUSHF the real IF/IOPL, POPF at real CPL 1 keeps IF, MOV
 * from CS/SS and PUSH CS/SS show RPL 1, LAR/LSL/VERR/VERW answer from the
 * shadow descriptors.
 *
 * Hardware assist (vmm/tech_hw.c), VT-x style: none of the above. The real
 * CPU holds the guest's whole state at the guest's own CPL: its GDT, IDT,
 * LDT, TR, segments, EFLAGS, CR3, CR4, debug registers (non-root mode);
 * the monitor region is in none of its address spaces (mmu.c). The monitor
 * owns CR0 bits, VT's guest/host mask: TS always (lazy FPU switching, as
 * KVM does: the host keeps TS = 1, so the guest's first FPU instruction
 * takes #NM, which the exception bitmap makes exit), and under the vt
 * flavour PE, PG (and NE on the Pentium) forced on, first-generation VT-x's
 * fixed bits. The guest's values are the core's read shadow (MOV from CR0,
 * SMSW read them); a write that would change an owned bit exits, as do
 * CR3 loads and IN/OUT/INS/OUTS on the devices' ports (the I/O bitmap) and
 * the forms HLT and INVLPG. Under vt a guest in real mode or with paging
 * off cannot run in non-root mode: the monitor interprets it until it sets
 * PE and PG (vt_runnable); svm runs it directly, in its own mode. */
#include "isa/x86-subset/x86.h"
#include "vmm/vmm.h"
#include <stdio.h>
#include <string.h>

/* The monitor region (offsets from its base, m->mem.mon_base). */
#define SH_GDT 0x0000u   /* shadow GDT: up to 1024 descriptors */
#define SH_LDT 0x2000u   /* shadow LDT: up to 1024 descriptors */
#define SH_IDT 0x4000u   /* shadow IDT: 256 gates */
#define SH_TSS 0x4800u   /* the monitor's TSS (0x68 bytes, no I/O bitmap) */
#define TRAP_PAGE 0x5000u /* the real CS of virtual real mode: one privileged byte */
#define STUBS 0x5100u    /* the monitor's entry stubs, 16 bytes per vector */
#define SH_MAX 0x1FFFu   /* the largest shadow GDT/LDT limit */
#define TSS_LIMIT 0x67u
#define DEPRIV 1         /* the real CPL of the guest's kernel by default (vm->deprivilege 0) */
#define CR2_MARK 0x4D4F4E32u /* "MON2": the real CR2, never a guest address */
#define STACK_MARK 0x4D4F4E00u
#define DR6_BS 0x4000u
#define WATCH_MAX 6      /* a GDT and an LDT of up to 8 KiB each: three pages each */

/* A shadow descriptor table as last built (shadow_table): the guest's
 * bytes it was built from and what else its descriptors depend on; the
 * same bytes again give the same shadow, which is then kept (no
 * invalidation to get wrong: the comparison is the check). */
typedef struct shadow_cache {
    bool built;
    int depriv, vcpl;   /* vcpl matters only at deprivilege 3 (shadow_desc) */
    uint32_t n;
    uint8_t raw[SH_MAX + 1];
} shadow_cache;

typedef struct glue_state {
    uint8_t io[8192];  /* hw-assist: the I/O bitmap, one bit per port */
    shadow_cache gdt, ldt; /* trap-and-emulate: the shadow GDT's and LDT's sources */
    /* the guest-physical ranges the shadows' sources are read from, as
     * vctx's paging maps the tables now: watched (vl_vm_watch), so that a
     * guest write there rebuilds the shadow before the real CPU can load
     * from it (watch_tables, on_watch) */
    struct { uint32_t gpa, len; } wr[WATCH_MAX];
    int nwr;
    uint64_t irq_seen; /* the real CPU's interrupt count at the last entry into the guest */
    /* the guest entered right after STI or MOV SS (no interrupt before the
     * next instruction): at that count and EIP. The real CPU's boundary
     * consumes the inhibition before the instruction; when that very
     * instruction traps, the monitor's execution of it must keep it */
    bool inhibit;
    uint64_t inhibit_icount;
    uint32_t inhibit_eip;
    /* the guest IDTR the shadow IDT was built for (idt_built false: none):
     * the real CPU never reads the shadow IDT, so it is rebuilt only when
     * the guest loads another IDTR (or the sweep restores a state) */
    bool idt_built;
    uint32_t idt_base, idt_cr0, idt_cr3;
    uint16_t idt_limit;
    /* the guest's translation state the real TLB holds entries for: its
     * CR0/CR3/CR4 and vctx's flush count (tlb_valid false: flush anyway) */
    bool tlb_valid;
    uint32_t tlb_cr0, tlb_cr3, tlb_cr4, tlb_gen;
} glue_state;

static x86_cpu *R(vl_vm *vm) { return (x86_cpu *)vm->real; }
static x86_cpu *V(vl_vm *vm) { return (x86_cpu *)vm->vctx; }
static bool hw(const vl_vm *vm) { return vm->technique == VL_TECH_HW_ASSIST; }
/* hw-assist: the CR0 bits the monitor owns (their host values: all set) */
static uint32_t hw_cr0_own(const vl_vm *vm) {
    uint32_t own = X86_CR0_TS;
    if (vl_hw_flavour(vm) == VL_HW_VT)
        own |= X86_CR0_PE | X86_CR0_PG | (R((vl_vm *)vm)->variant == X86_PENTIUM ? X86_CR0_NE : 0);
    return own;
}

/* hw-assist: the whole guest state from one context to the other (CR0
 * and CR4 as they are: the callers put the owned bits right); the
 * destination's caches go. */
static void copy_all(x86_cpu *d, x86_cpu *s) {
    memcpy(d->r, s->r, sizeof d->r);
    d->eip = s->eip;
    x86_set_flags(d, x86_get_flags(s));
    memcpy(d->seg, s->seg, sizeof d->seg);
    d->ldtr = s->ldtr;
    d->tr = s->tr;
    d->gdtr_base = s->gdtr_base, d->gdtr_limit = s->gdtr_limit;
    d->idtr_base = s->idtr_base, d->idtr_limit = s->idtr_limit;
    d->cr0 = s->cr0, d->cr2 = s->cr2, d->cr3 = s->cr3, d->cr4 = s->cr4;
    memcpy(d->dr, s->dr, sizeof d->dr);
    d->tr6 = s->tr6, d->tr7 = s->tr7;
    d->cpl = s->cpl;
    d->tsc_base = s->tsc_base;
    d->halted = s->halted, d->shutdown = s->shutdown, d->inhibit_irq = s->inhibit_irq;
    d->trace_pending = s->trace_pending, d->nmi_pending = s->nmi_pending;
    d->pin = s->pin, d->pin_eip = s->pin_eip, d->pin_d = s->pin_d;
    d->c.icount = s->c.icount;
    x86_tlb_flush(d);
    x86_mem_refresh(d);
    d->cp_len = 0;
    d->attn = true;
}

static void hw_to_virtual(vl_vm *vm) {
    x86_cpu *r = R(vm), *v = V(vm);
    copy_all(v, r);
    v->cr0 = (r->cr0 & ~r->cr0_own) | (r->cr0_shadow & r->cr0_own);
    v->cr4 = (r->cr4 & ~r->cr4_own) | (r->cr4_shadow & r->cr4_own);
}

static void hw_to_real(vl_vm *vm) {
    x86_cpu *r = R(vm), *v = V(vm);
    glue_state *gs = vm->glue;
    copy_all(r, v);
    uint32_t own = hw_cr0_own(vm);
    r->cr0_own = own;
    r->cr0_shadow = v->cr0;
    r->cr0 = (v->cr0 & ~own) | own;
    r->cr4_own = 0; /* VT's fixed CR4.VMXE: a bit the subset does not model */
    r->cr4_shadow = v->cr4;
    r->cr3_exit = true;
    r->io_exits = gs->io;
    gs->irq_seen = r->c.interrupts;
    gs->inhibit = r->inhibit_irq;
    gs->inhibit_icount = r->c.icount;
    gs->inhibit_eip = r->eip;
}
static uint32_t mon_base(vl_vm *vm) { return vm->m->mem.mon_base; }

/* The guest runs deprivileged only in protected mode outside virtual-8086. */
static bool interpreted_mode(const x86_cpu *v) { return !(v->cr0 & X86_CR0_PE) || (v->eflags & X86_VM); }
/* The real CPL of the guest's kernel: 1, or 3 when the VM asks for it
 * (vlab.vmm{deprivilege = 3}): kernel and user code then share real CPL 3. */
static int depriv_of(const vl_vm *vm) { return vm->deprivilege ? vm->deprivilege : DEPRIV; }
static int real_cpl_at(int depriv, int vcpl) { return vcpl < depriv ? depriv : vcpl; }

/* ---- descriptors ----------------------------------------------------------------- */

static unsigned dpl_of(uint16_t attr) { return (attr & X86_A_DPL) >> X86_A_DPL_SHIFT; }
static uint16_t with_dpl(uint16_t attr, unsigned d) {
    return (uint16_t)((attr & ~X86_A_DPL) | d << X86_A_DPL_SHIFT);
}

/* Does [lo, lo + len) (len up to 2^32, wrapping at 4 GiB) meet the monitor region? */
static bool meets_monitor(const vl_mem *mem, uint32_t lo, uint64_t len) {
    for (uint64_t k = 0; k <= 1; k++) {
        uint64_t mb = (uint64_t)mem->mon_base + (k << 32), me = mb + mem->mon_size;
        if ((uint64_t)lo < me && (uint64_t)lo + len > mb) return true;
    }
    return false;
}

/* A code/data segment as the real CPU gets it: DPL 0 shown as DPL 1, the
 * limit truncated below the monitor region (or, when that cannot be done,
 * not present: every use traps). Unusable caches stay as they are. The
 * result is exactly representable as a descriptor (encode() below). */
static x86_seg compress(int depriv, const vl_mem *mem, x86_seg g) {
    if (!(g.attr & X86_A_P) || !(g.attr & X86_A_S)) return g;
    g.attr = with_dpl(g.attr, (unsigned)real_cpl_at(depriv, (int)dpl_of(g.attr)));
    bool down = !(g.attr & X86_T_CODE) && (g.attr & X86_T_E);
    uint32_t top = (g.attr & X86_A_DB) ? 0xFFFFFFFFu : 0xFFFFu;
    if (down) {
        /* valid offsets (limit, top]: none when it would reach the region */
        if (g.limit < top && meets_monitor(mem, g.base + g.limit + 1, (uint64_t)top - g.limit)) {
            /* a limit above 0xFFFFF is only representable page granular: a
             * byte-granular 0xFFFFFFFF would encode as 0xFFFFF, whose valid
             * offsets reach the region again */
            g.limit = top;
            g.attr = (uint16_t)((g.attr & ~X86_A_G) | (top > 0xFFFFFu ? X86_A_G : 0));
        }
        return g;
    }
    if (!meets_monitor(mem, g.base, (uint64_t)g.limit + 1)) return g;
    if (g.base >= mem->mon_base) {
        g.attr &= (uint16_t)~X86_A_P;
        return g;
    }
    uint32_t lim = mem->mon_base - 1 - g.base;
    bool gran = (g.attr & X86_A_G) != 0;
    if (lim > 0xFFFFFu || (gran && (lim & 0xFFF) == 0xFFF)) {
        lim = ((lim + 1) & ~0xFFFu) - 1; /* page granular, rounded down */
        gran = true;
    } else {
        gran = false;
    }
    g.limit = lim;
    g.attr = (uint16_t)((g.attr & ~X86_A_G) | (gran ? X86_A_G : 0));
    return g;
}

/* The descriptor of a cache (limit byte-exact or page granular by G). */
static void encode(const x86_seg *g, uint32_t *lo, uint32_t *hi) {
    uint32_t field = (g->attr & X86_A_G) ? g->limit >> 12 : g->limit;
    *lo = (g->base & 0xFFFFu) << 16 | (field & 0xFFFFu);
    *hi = (g->base >> 16 & 0xFFu) | ((uint32_t)(g->attr & 0xF0FFu) << 8) | (field & 0xF0000u) |
          (g->base & 0xFF000000u);
}

/* One guest descriptor as the shadow table holds it, the guest at virtual
 * CPL vcpl. At real CPL 3 (deprivilege 3) the rings the real CPU cannot
 * tell apart are told apart by presence: with the guest kernel running,
 * its user code segments are shown not present (an IRET or RET to them
 * traps and runs on the virtual context); with its user code running, every
 * segment of DPL < 3 is (a load of one traps, and the guest sees the fault
 * it would natively). */
static void shadow_desc(int depriv, int vcpl, const vl_mem *mem, uint32_t lo, uint32_t hi, uint32_t *slo,
                        uint32_t *shi) {
    *slo = lo;
    *shi = hi;
    if (!(hi & 0x1000u)) {
        /* a system descriptor */
        unsigned type = hi >> 8 & 0xF, d = hi >> 13 & 3;
        uint32_t h = (hi & ~0x6000u) | (uint32_t)real_cpl_at(depriv, (int)d) << 13;
        switch (type) {
        case X86_SYS_TSS16: case X86_SYS_TSS16_BUSY: case X86_SYS_TSS32: case X86_SYS_TSS32_BUSY:
            h &= ~0x8000u; /* a task switch traps */
            break;
        case X86_SYS_CALL16: case X86_SYS_CALL32: case X86_SYS_TASK:
        case X86_SYS_INT16: case X86_SYS_TRAP16: case X86_SYS_INT32: case X86_SYS_TRAP32:
            *slo = lo & 0xFFFFu; /* target: the null selector, a call through it traps */
            break;
        default: break;
        }
        *shi = h;
        return;
    }
    x86_seg g = x86_seg_from_desc(0, lo, hi);
    if (!(g.attr & X86_T_ACCESSED)) g.attr &= (uint16_t)~X86_A_P; /* its first load traps */
    if (depriv == 3 && vcpl < 3 && (g.attr & X86_T_CODE) && dpl_of(g.attr) == 3) g.attr &= (uint16_t)~X86_A_P;
    if (depriv == 3 && vcpl == 3 && dpl_of(g.attr) < 3) g.attr &= (uint16_t)~X86_A_P;
    g = compress(depriv, mem, g);
    encode(&g, slo, shi);
}

/* Up to n bytes of the guest's linear memory at lin as vctx's paging maps
 * it, without side effects; the bytes a page does not map read as 0. */
static void guest_read(x86_cpu *v, uint32_t lin, uint8_t *buf, uint32_t n) {
    const vl_mem *mem = &v->c.m->mem;
    for (uint32_t i = 0; i < n;) {
        uint32_t pa, chunk = 0x1000u - ((lin + i) & 0xFFF);
        if (chunk > n - i) chunk = n - i;
        if (x86_translate(v, lin + i, false, false, true, &pa) == 0 && (uint64_t)pa + chunk <= mem->size)
            memcpy(buf + i, mem->ram + pa, chunk);
        else
            memset(buf + i, 0, chunk);
        i += chunk;
    }
}

static uint32_t rd32(const uint8_t *p) {
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}
static void wr32(uint8_t *p, uint32_t v) {
    for (int i = 0; i < 4; i++) p[i] = (uint8_t)(v >> (8 * i));
}

/* The shadow of the guest's table [base, base + limit] at off in the
 * region, rebuilt only when its source (c) changed. */
static void shadow_table(vl_vm *vm, shadow_cache *c, uint32_t off, uint32_t base, uint32_t limit) {
    uint8_t *sh = vm->m->mem.mon + off, buf[SH_MAX + 1];
    uint32_t n = limit >= SH_MAX ? SH_MAX + 1 : (limit + 1 + 7) & ~7u;
    int depriv = depriv_of(vm), vcpl = V(vm)->cpl;
    guest_read(V(vm), base, buf, n);
    if (limit + 1 < n) memset(buf + limit + 1, 0, n - limit - 1);
    if (c->built && c->n == n && c->depriv == depriv && (depriv != 3 || c->vcpl == vcpl) && !memcmp(c->raw, buf, n))
        return;
    c->built = true;
    c->n = n;
    c->depriv = depriv;
    c->vcpl = vcpl;
    memcpy(c->raw, buf, n);
    for (uint32_t i = 0; i < n; i += 8) {
        uint32_t lo, hi;
        shadow_desc(depriv, vcpl, &vm->m->mem, rd32(buf + i), rd32(buf + i + 4), &lo, &hi);
        wr32(sh + i, lo);
        wr32(sh + i + 4, hi);
    }
}

/* The shadow IDT: the guest's gates' DPLs (compressed) and presence, each
 * leading to the monitor's entry stub for its vector. */
static void shadow_idt(vl_vm *vm) {
    x86_cpu *v = V(vm);
    glue_state *gs = vm->glue;
    if (gs->idt_built && gs->idt_base == v->idtr_base && gs->idt_limit == v->idtr_limit &&
        gs->idt_cr0 == v->cr0 && gs->idt_cr3 == v->cr3)
        return;
    gs->idt_built = true;
    gs->idt_base = v->idtr_base;
    gs->idt_limit = v->idtr_limit;
    gs->idt_cr0 = v->cr0;
    gs->idt_cr3 = v->cr3;
    int depriv = depriv_of(vm);
    uint8_t *sh = vm->m->mem.mon + SH_IDT, buf[256 * 8];
    uint32_t n = (uint32_t)v->idtr_limit + 1 > sizeof buf ? sizeof buf : (uint32_t)v->idtr_limit + 1;
    memset(buf, 0, sizeof buf);
    if (v->cr0 & X86_CR0_PE) guest_read(v, v->idtr_base, buf, n);
    for (int i = 0; i < 256; i++) {
        uint32_t ghi = rd32(buf + 8 * i + 4);
        uint32_t stub = mon_base(vm) + STUBS + 16u * (uint32_t)i;
        uint32_t d = (uint32_t)real_cpl_at(depriv, (int)(ghi >> 13 & 3));
        wr32(sh + 8 * i, stub & 0xFFFFu);
        wr32(sh + 8 * i + 4, (stub & 0xFFFF0000u) | (ghi & 0x8000u) | d << 13 | (uint32_t)X86_SYS_INT32 << 8);
    }
}

/* The monitor's TSS and trap page: constant, written at reset, checked. */
static void monitor_fixed(vl_vm *vm, uint8_t *tss, uint8_t *trap) {
    memset(tss, 0, TSS_LIMIT + 1);
    for (int ring = 0; ring < 3; ring++) {
        wr32(tss + 4 + 8 * ring, mon_base(vm) + 0x8000u - 0x100u * (uint32_t)ring); /* never used: intercept */
        wr32(tss + 8 + 8 * ring, STACK_MARK | (uint32_t)ring);
    }
    wr32(tss + 0x64, 0xFFFFu << 16); /* I/O map base beyond the limit: no bitmap */
    memset(trap, 0xF4, 16);           /* HLT: privileged at every real CPL the guest has */
}

/* The shadow LDT's limit for the guest's LDT, and the shadow GDT's. */
static uint32_t ldt_limit(const x86_cpu *v) { return v->ldtr.limit > SH_MAX ? SH_MAX : v->ldtr.limit; }
static uint32_t gdt_limit(const x86_cpu *v) { return v->gdtr_limit > SH_MAX ? SH_MAX : v->gdtr_limit; }

/* The shadow GDT and LDT after the guest's tables (in protected mode). */
static void shadow_tables(vl_vm *vm) {
    x86_cpu *v = V(vm);
    glue_state *gs = vm->glue;
    if (!(v->cr0 & X86_CR0_PE)) return;
    if (v->ldtr.attr & X86_A_P) shadow_table(vm, &gs->ldt, SH_LDT, v->ldtr.base, ldt_limit(v));
    shadow_table(vm, &gs->gdt, SH_GDT, v->gdtr_base, gdt_limit(v));
}

/* Add the guest-physical ranges of the linear table [base, base + n) (the
 * pages vctx's paging maps, in RAM) to wr, merging neighbours. */
static void table_ranges(x86_cpu *v, uint32_t base, uint32_t n, glue_state *w) {
    const vl_mem *mem = &v->c.m->mem;
    for (uint32_t i = 0; i < n;) {
        uint32_t pa, chunk = 0x1000u - ((base + i) & 0xFFF);
        if (chunk > n - i) chunk = n - i;
        if (x86_translate(v, base + i, false, false, true, &pa) == 0 && (uint64_t)pa + chunk <= mem->size) {
            if (w->nwr && w->wr[w->nwr - 1].gpa + w->wr[w->nwr - 1].len == pa)
                w->wr[w->nwr - 1].len += chunk;
            else if (w->nwr < WATCH_MAX)
                w->wr[w->nwr].gpa = pa, w->wr[w->nwr++].len = chunk;
        }
        i += chunk;
    }
}

/* Watch the guest's descriptor tables where they are now (the shadows'
 * sources), instead of where they were. Not under hw-assist (the real CPU
 * reads the guest's own tables) nor outside protected mode (nothing
 * loads a descriptor on the real CPU). */
static void watch_tables(vl_vm *vm) {
    x86_cpu *v = V(vm);
    glue_state *gs = vm->glue, now;
    now.nwr = 0;
    if (!hw(vm) && (v->cr0 & X86_CR0_PE)) {
        if (v->ldtr.attr & X86_A_P) table_ranges(v, v->ldtr.base, gs->ldt.n, &now);
        table_ranges(v, v->gdtr_base, gs->gdt.n, &now);
    }
    if (now.nwr == gs->nwr && !memcmp(now.wr, gs->wr, (size_t)now.nwr * sizeof now.wr[0])) return;
    for (int i = 0; i < now.nwr; i++) vl_vm_watch(vm, now.wr[i].gpa, now.wr[i].len, true);
    for (int i = 0; i < gs->nwr; i++) vl_vm_watch(vm, gs->wr[i].gpa, gs->wr[i].len, false);
    memcpy(gs->wr, now.wr, sizeof now.wr);
    gs->nwr = now.nwr;
}

/* ---- the mapping ------------------------------------------------------------------- */

/* The real CPU's segment register i for the guest's. */
static x86_seg real_seg(vl_vm *vm, int i, int cpl) {
    x86_cpu *v = V(vm);
    x86_seg g = compress(depriv_of(vm), &vm->m->mem, v->seg[i]);
    if (i == X86_CS || i == X86_SS) g.sel = (uint16_t)((g.sel & ~3u) | (unsigned)cpl);
    return g;
}

/* The real CS of virtual real and virtual-8086 mode: every fetch traps. */
static x86_seg trap_cs(vl_vm *vm) {
    return (x86_seg){ 0, (uint16_t)(X86_A_P | X86_A_S | X86_T_CODE | X86_T_ACCESSED | depriv_of(vm) << X86_A_DPL_SHIFT),
                      mon_base(vm) + TRAP_PAGE, 0 };
}

/* State the guest can see or change without privilege; time and the state
 * between instructions. */
static void copy_user(x86_cpu *d, const x86_cpu *s) {
    memcpy(d->r, s->r, sizeof d->r);
    d->eip = s->eip;
    d->halted = s->halted;
    d->inhibit_irq = s->inhibit_irq;
    d->trace_pending = s->trace_pending;
    d->nmi_pending = s->nmi_pending;
    d->shutdown = s->shutdown;
    d->pin = s->pin, d->pin_eip = s->pin_eip, d->pin_d = s->pin_d; /* a REP string instruction in progress */
    d->tsc_base = s->tsc_base;
    d->c.icount = s->c.icount;
}

/* The guest's descriptor the real CPU loaded for sel: the bytes the shadow
 * it loaded from was built from (a shadow is rebuilt only after the
 * segment registers have been looked at: to_real, on_watch), not the
 * guest's table now, which may have been written since. */
static bool loaded_descriptor(vl_vm *vm, uint16_t sel, uint32_t *lo, uint32_t *hi) {
    const glue_state *gs = vm->glue;
    const shadow_cache *c = (sel & 4) ? &gs->ldt : &gs->gdt;
    uint32_t off = sel & ~7u;
    if (!c->built || off + 8 > c->n) return x86_peek_descriptor(V(vm), sel, lo, hi);
    *lo = rd32(c->raw + off);
    *hi = rd32(c->raw + off + 4);
    return true;
}

/* The segment registers (and CPL) the real CPU changed by itself since the
 * monitor last mapped them (to_real): into the guest's caches. */
static void adopt_segments(vl_vm *vm) {
    x86_cpu *r = R(vm), *v = V(vm);
    int depriv = depriv_of(vm);
    int was = real_cpl_at(depriv, v->cpl);
    if (r->cpl != was) v->cpl = r->cpl; /* a return to an outer ring ran directly */
    for (int i = 0; i < X86_NSEG; i++) {
        x86_seg want = real_seg(vm, i, was);
        const x86_seg *g = &r->seg[i];
        if (!memcmp(g, &want, sizeof want)) continue;
        /* the real CPU loaded it from the shadow: the guest's descriptor */
        uint16_t sel = g->sel;
        if (i == X86_CS || i == X86_SS) sel = (uint16_t)((sel & ~3u) | (unsigned)v->cpl);
        uint32_t lo, hi;
        if ((sel & ~3u) && (g->attr & X86_A_P) && loaded_descriptor(vm, sel, &lo, &hi))
            v->seg[i] = x86_seg_from_desc(sel, lo, hi);
        else if (g->base == 0 && g->limit == 0)
            v->seg[i] = *g; /* a null selector loaded: unusable, base and limit 0 */
        else
            v->seg[i].sel = g->sel, v->seg[i].attr = g->attr; /* nulled by a return outwards: the rest stays */
    }
}

static void to_virtual(vl_vm *vm) {
    x86_cpu *r = R(vm), *v = V(vm);
    if (hw(vm)) {
        hw_to_virtual(vm);
        return;
    }
    copy_user(v, r);
    uint32_t priv = X86_IF | X86_IOPL | X86_VM;
    x86_set_flags(v, (x86_get_flags(r) & ~priv) | (x86_get_flags(v) & priv));
    if (interpreted_mode(v)) return; /* nothing ran on the real CPU */
    adopt_segments(vm);
}

/* A guest write to a watched page, done: when it touched the guest's GDT
 * or LDT while the real CPU runs the guest, the shadows follow at once, so
 * that the real CPU's next load sees what the guest's would (the segment
 * registers it loaded from the old shadow are taken into the guest's
 * caches first, from the bytes they were loaded from). The monitor's own
 * execution on vctx (m->cpu is vctx) is followed by to_real, which does
 * the same. Never a stop: nothing else is left to look at. */
static bool on_watch(vl_vm *vm, uint32_t addr, int size) {
    glue_state *gs = vm->glue;
    if (hw(vm) || vm->m->cpu != vm->real || interpreted_mode(V(vm))) return false;
    bool hit = false;
    for (int i = 0; i < gs->nwr && !hit; i++)
        hit = addr < gs->wr[i].gpa + gs->wr[i].len && gs->wr[i].gpa < addr + (uint32_t)size;
    if (!hit) return false;
    adopt_segments(vm);
    shadow_tables(vm);
    return false;
}

static void to_real(vl_vm *vm) {
    x86_cpu *r = R(vm), *v = V(vm);
    vl_mem *mem = &vm->m->mem;
    uint32_t mb = mon_base(vm);
    if (hw(vm)) {
        hw_to_real(vm);
        return;
    }
    glue_state *gs = vm->glue;
    copy_user(r, v);
    uint32_t f = x86_get_flags(v);
    x86_set_flags(r, f & ~(X86_IOPL | X86_VM));
    r->cr0 = v->cr0 | X86_CR0_PE;
    r->cr2 = CR2_MARK;
    r->cr3 = v->cr3;
    r->cr4 = v->cr4;
    memcpy(r->dr, v->dr, sizeof r->dr);
    r->dr[6] &= ~DR6_BS; /* set again only by a trace trap of the real CPU */
    r->gdtr_base = mb + SH_GDT;
    r->gdtr_limit = v->gdtr_limit > SH_MAX ? SH_MAX : v->gdtr_limit;
    r->idtr_base = mb + SH_IDT;
    r->idtr_limit = v->idtr_limit > 0x7FF ? 0x7FF : v->idtr_limit;
    r->tr = (x86_seg){ v->tr.sel, X86_A_P | X86_SYS_TSS32_BUSY, mb + SH_TSS, TSS_LIMIT };
    if ((v->cr0 & X86_CR0_PE) && (v->ldtr.attr & X86_A_P))
        r->ldtr = (x86_seg){ v->ldtr.sel, X86_A_P | X86_SYS_LDT, mb + SH_LDT, ldt_limit(v) };
    else
        r->ldtr = (x86_seg){ v->ldtr.sel, 0, mb + SH_LDT, 0 };
    shadow_tables(vm);
    watch_tables(vm);
    shadow_idt(vm);
    int depriv = depriv_of(vm);
    if (interpreted_mode(v)) {
        r->cpl = depriv;
        r->seg[X86_CS] = trap_cs(vm);
        for (int i = 0; i < X86_NSEG; i++)
            if (i != X86_CS) r->seg[i] = (x86_seg){ 0, 0, 0, 0 };
    } else {
        r->cpl = real_cpl_at(depriv, v->cpl);
        for (int i = 0; i < X86_NSEG; i++) r->seg[i] = real_seg(vm, i, r->cpl);
    }
    (void)mem;
    /* the real translation cache goes when the guest's goes (MOV CR3,
     * INVLPG... on vctx) or its translation registers changed: otherwise
     * it keeps its entries, as the guest's own TLB would */
    if (!gs->tlb_valid || gs->tlb_gen != v->tlb_gen || gs->tlb_cr0 != r->cr0 || gs->tlb_cr3 != r->cr3 ||
        gs->tlb_cr4 != r->cr4) {
        x86_tlb_flush(r);
        gs->tlb_valid = true;
        gs->tlb_gen = v->tlb_gen;
        gs->tlb_cr0 = r->cr0;
        gs->tlb_cr3 = r->cr3;
        gs->tlb_cr4 = r->cr4;
    }
    x86_mem_refresh(r);
    r->cp_len = 0;
    r->attn = true;
    gs->irq_seen = r->c.interrupts;
    gs->inhibit = r->inhibit_irq;
    gs->inhibit_icount = r->c.icount;
    gs->inhibit_eip = r->eip;
}

static void reset(vl_vm *vm) {
    /* the machine's reset put both contexts in the reset state (real mode
     * at F000:FFF0): that is the guest's virtual state */
    x86_cpu *r = R(vm), *v = V(vm);
    v->c.icount = r->c.icount;
    v->tsc_base = r->tsc_base;
    if (hw(vm)) {
        /* the I/O bitmap: the devices' ports exit (the monitor emulates them) */
        glue_state *gs = vm->glue;
        const vl_model_desc *d = vm->m->desc;
        memset(gs->io, 0, sizeof gs->io);
        for (unsigned p = d->io_base; p < d->io_base + 0x18u; p++) gs->io[p >> 3] |= (uint8_t)(1u << (p & 7));
        gs->io[d->io_console >> 3] |= (uint8_t)(1u << (d->io_console & 7));
        hw_to_real(vm);
        return;
    }
    uint8_t *mon = vm->m->mem.mon;
    monitor_fixed(vm, mon + SH_TSS, mon + TRAP_PAGE);
    for (int i = 0; i < 256; i++) memset(mon + STUBS + 16 * i, 0xF4, 16);
    ((glue_state *)vm->glue)->idt_built = false;
    ((glue_state *)vm->glue)->gdt.built = ((glue_state *)vm->glue)->ldt.built = false;
    ((glue_state *)vm->glue)->tlb_valid = false;
    to_real(vm);
}

/* ---- traps ---------------------------------------------------------------------------- */

static void classify(vl_vm *vm, const vl_stop *st, vl_trap *t) {
    x86_cpu *r = R(vm);
    glue_state *g = vm->glue;
    t->vector = st->vector;
    t->pc = st->pc;
    t->retire = false;
    if (st->reason != VLAB_STOP_EXCEPTION || st->vector < 0 || st->vector > 255) {
        t->action = VL_ACT_STOP;
        return;
    }
    /* under hw-assist the real CPU takes the interrupts outside the bitmap
     * itself (they count too): the core says which stop was one */
    if (hw(vm) ? r->x_ext : r->c.interrupts != g->irq_seen) {
        /* an interrupt the guest allows (real IF is virtual IF): into its IDT */
        g->irq_seen = r->c.interrupts;
        t->action = VL_ACT_REFLECT;
        t->between = true;
        return;
    }
    if (st->vector == X86_EXC_DB && (r->dr[6] & DR6_BS)) {
        t->action = VL_ACT_REFLECT; /* the trace trap after an instruction that ran directly */
        t->between = true;
        return;
    }
    /* caused by the instruction at st->pc, stopped before its side effects:
     * executed again on vctx, at the guest's virtual CPL */
    r->eip = st->pc;
    if (hw(vm) ? r->x_inhibit_ic == r->c.icount + 1
               : g->inhibit && r->c.icount == g->inhibit_icount && st->pc == g->inhibit_eip)
        r->inhibit_irq = true; /* STI; HLT: the interrupt waits for after the HLT */
    t->action = VL_ACT_EMULATE;
}

static int reflect(vl_vm *vm, vl_trap *t) {
    x86_cpu *v = V(vm);
    /* the trace trap's status comes before its delivery: the bare machine
     * that stops at a null #DB vector shows DR6.BS set */
    if (t->vector == X86_EXC_DB) v->dr[6] |= DR6_BS;
    if (vm->stop_on_null_vector) {
        uint32_t lo = 0, hi = 0;
        int rc = x86_idt_peek(v, t->vector, &lo, &hi);
        if (rc < 0 || (rc > 0 && lo == 0 && hi == 0)) return -1;
    }
    v->stop = (vl_stop){ .reason = VLAB_STOP_BUDGET, .vector = -1 };
    vm->ops->raise(v, t->vector, t->code, t->addr);
    /* delivering it faulted into a vector with no handler, or reached
     * what the core does not model (a task gate): the bare machine stops
     * there (the state rolled back), and so does the monitor, with the
     * bare machine's stop (the faulting vector, not t's) */
    if (v->stop.reason == VLAB_STOP_EXCEPTION || v->stop.reason == VLAB_STOP_ERROR) {
        vm->reflect_stop = v->stop;
        return -1;
    }
    /* the bare core delivers an interrupt or a trace trap and runs the
     * handler's first instruction in one step, with no interrupt in
     * between: through a trap gate (IF stays set) a level still asserted
     * waits for that instruction there, and so it must here, where the
     * real CPU would otherwise take it again at once, before the handler
     * ran at all, nesting until the stack overflows */
    if (t->between) v->inhibit_irq = true;
    return 0;
}

/* ---- the guest's view ------------------------------------------------------------------ */

static int priv_get(vl_vm *vm) {
    x86_cpu *r = R(vm), *v = V(vm);
    if (hw(vm)) return r->cpl; /* non-root mode: the guest's own CPL */
    int depriv = depriv_of(vm);
    if (interpreted_mode(v)) return v->cpl;
    return r->cpl != real_cpl_at(depriv, v->cpl) ? r->cpl : v->cpl;
}

static void priv_set(vl_vm *vm, int level) {
    to_virtual(vm);
    vm->ops->priv_set(vm->vctx, level);
    to_real(vm);
}

static uint32_t reg_get(vl_vm *vm, int id) {
    to_virtual(vm);
    return vm->ops->reg_get(vm->vctx, id);
}

static void reg_set(vl_vm *vm, int id, uint32_t val) {
    to_virtual(vm);
    vm->ops->reg_set(vm->vctx, id, val);
    to_real(vm);
}

/* ---- resource control ------------------------------------------------------------------ */

static bool seg_reaches_monitor(const vl_mem *mem, const x86_seg *g) {
    if (!(g->attr & X86_A_P)) return false;
    /* a cache no descriptor encodes (byte-granular limit above 0xFFFFF): a
     * reload from the shadow table would give another segment */
    if ((g->attr & X86_A_S) && !(g->attr & X86_A_G) && g->limit > 0xFFFFFu) return true;
    if (!(g->attr & X86_A_S)) return meets_monitor(mem, g->base, (uint64_t)g->limit + 1);
    bool down = !(g->attr & X86_T_CODE) && (g->attr & X86_T_E);
    uint32_t top = (g->attr & X86_A_DB) ? 0xFFFFFFFFu : 0xFFFFu;
    if (down) return g->limit < top && meets_monitor(mem, g->base + g->limit + 1, (uint64_t)top - g->limit);
    return meets_monitor(mem, g->base, (uint64_t)g->limit + 1);
}

/* A shadow table's code/data descriptors: none at DPL 0, none reaching the region. */
static int check_table(vl_vm *vm, uint32_t off, uint32_t limit, const char *name, char *why, size_t whysz) {
    const vl_mem *mem = &vm->m->mem;
    for (uint32_t i = 0; i + 7 <= limit; i += 8) {
        uint32_t lo = rd32(mem->mon + off + i), hi = rd32(mem->mon + off + i + 4);
        if (!(hi & 0x8000u)) continue;
        x86_seg g = x86_seg_from_desc((uint16_t)i, lo, hi);
        if ((g.attr & X86_A_S) && dpl_of(g.attr) < (unsigned)depriv_of(vm)) {
            vl_seterr(why, whysz, "shadow %s descriptor 0x%04x has DPL %u", name, i, dpl_of(g.attr));
            return -1;
        }
        if ((g.attr & X86_A_S) && seg_reaches_monitor(mem, &g)) {
            vl_seterr(why, whysz, "shadow %s descriptor 0x%04x reaches the monitor region", name, i);
            return -1;
        }
    }
    return 0;
}

static int check(vl_vm *vm, char *why, size_t whysz) {
    x86_cpu *r = R(vm), *v = V(vm);
    const vl_mem *mem = &vm->m->mem;
    uint32_t mb = mon_base(vm), f = x86_get_flags(r);
    int depriv = depriv_of(vm);
    static const char *const segn[X86_NSEG] = { "es", "cs", "ss", "ds", "fs", "gs" };
    const char *bad = NULL;
    if (hw(vm)) {
        uint32_t own = hw_cr0_own(vm);
        if (r->cr0_own != own || (r->cr0 & own) != own) bad = "real CR0's owned bits are not the host's";
        else if (!r->c.intercept || !r->c.exit_forms || !r->cr3_exit) bad = "real CPU without its exit controls";
        else if (r->io_exits != ((glue_state *)vm->glue)->io) bad = "real CPU without the monitor's I/O bitmap";
        if (bad) vl_seterr(why, whysz, "%s (real CR0 %08x, guest CR0 %08x)", bad, r->cr0, r->cr0_shadow);
        return bad ? -1 : 0;
    }
    if (r->cpl == 0) bad = "real CPU at CPL 0";
    else if (!r->c.intercept) bad = "real CPU without intercept";
    else if (!(r->cr0 & X86_CR0_PE)) bad = "real CPU in real mode";
    else if (f & (X86_IOPL | X86_VM)) bad = "real IOPL not 0 (or virtual-8086 mode)";
    else if ((f & X86_IF) != (x86_get_flags(v) & X86_IF)) bad = "real IF differs from the virtual IF";
    else if (r->cr2 != CR2_MARK) bad = "real CR2 changed";
    else if (r->gdtr_base != mb + SH_GDT || r->gdtr_limit > SH_MAX) bad = "real GDTR not the shadow GDT";
    else if (r->idtr_base != mb + SH_IDT || r->idtr_limit > 0x7FF) bad = "real IDTR not the shadow IDT";
    else if (r->tr.base != mb + SH_TSS || r->tr.limit != TSS_LIMIT) bad = "real TR not the monitor's TSS";
    else if ((r->ldtr.attr & X86_A_P) && (r->ldtr.base != mb + SH_LDT || r->ldtr.limit > SH_MAX))
        bad = "real LDTR not the shadow LDT";
    else if (!interpreted_mode(v) && r->cpl < real_cpl_at(depriv, v->cpl))
        bad = "real CPL more privileged than the compressed virtual CPL";
    if (bad) {
        vl_seterr(why, whysz, "%s (real CPL %d, virtual CPL %d)", bad, r->cpl, v->cpl);
        return -1;
    }
    if (interpreted_mode(v)) {
        /* every instruction traps: CS is the trap page, nothing else usable */
        x86_seg t = trap_cs(vm);
        if (memcmp(&r->seg[X86_CS], &t, sizeof t)) {
            vl_seterr(why, whysz, "real CS is not the trap page in virtual real or virtual-8086 mode%s", "");
            return -1;
        }
        for (int i = 0; i < X86_NSEG; i++)
            if (i != X86_CS && (r->seg[i].attr & X86_A_P)) {
                vl_seterr(why, whysz, "real %s usable in virtual real or virtual-8086 mode", segn[i]);
                return -1;
            }
    }
    for (int i = 0; i < X86_NSEG && !interpreted_mode(v); i++) {
        if (seg_reaches_monitor(mem, &r->seg[i])) {
            vl_seterr(why, whysz, "real %s (selector 0x%04x) reaches the monitor region", segn[i], r->seg[i].sel);
            return -1;
        }
        if ((r->seg[i].attr & (X86_A_P | X86_A_S)) == (X86_A_P | X86_A_S) && dpl_of(r->seg[i].attr) < (unsigned)depriv) {
            vl_seterr(why, whysz, "real %s has DPL %u", segn[i], dpl_of(r->seg[i].attr));
            return -1;
        }
    }
    if (check_table(vm, SH_GDT, r->gdtr_limit, "GDT", why, whysz) < 0) return -1;
    if ((r->ldtr.attr & X86_A_P) && check_table(vm, SH_LDT, r->ldtr.limit, "LDT", why, whysz) < 0) return -1;
    uint8_t tss[TSS_LIMIT + 1], trap[16];
    monitor_fixed(vm, tss, trap);
    if (memcmp(mem->mon + SH_TSS, tss, sizeof tss) || memcmp(mem->mon + TRAP_PAGE, trap, sizeof trap)) {
        vl_seterr(why, whysz, "the monitor's TSS or trap page changed%s", "");
        return -1;
    }
    return 0;
}

/* The sweep put both contexts back from copies: the shadows again. */
static void resync(vl_vm *vm) {
    ((glue_state *)vm->glue)->idt_built = false;
    ((glue_state *)vm->glue)->gdt.built = ((glue_state *)vm->glue)->ldt.built = false;
    ((glue_state *)vm->glue)->tlb_valid = false;
    to_virtual(vm);
    to_real(vm);
}

static const vl_virt_trap trap = { .classify = classify, .reflect = reflect };

/* ---- hw-assist ------------------------------------------------------------------ */

static int hw_nforms(int variant) {
    (void)variant;
    return x86_ninsns;
}

static const char *hw_form_mnemonic(int variant, int form) {
    if (form < 0 || form >= x86_ninsns) return NULL;
    const x86_insn *in = &x86_insns[form];
    return (in->models & (variant == X86_PENTIUM ? X86_ON_586 : X86_ON_386)) ? in->name : NULL;
}

/* HLT and INVLPG by form (CR3 loads, owned CR0 bits and the devices'
 * ports exit by their own controls); #NM, the lazy FPU's, by the bitmap */
static void hw_defaults(int variant, uint8_t *forms, uint8_t *exc) {
    (void)variant;
    for (int f = 0; f < x86_ninsns; f++)
        if (x86_insns[f].op == X86_OP_HLT || x86_insns[f].op == X86_OP_INVLPG) forms[f >> 3] |= (uint8_t)(1u << (f & 7));
    exc[X86_EXC_NM >> 3] |= (uint8_t)(1u << (X86_EXC_NM & 7));
}

/* First-generation VT-x: non-root mode holds a protected, paged guest only. */
static bool hw_vt_runnable(vl_vm *vm) {
    return (V(vm)->cr0 & (X86_CR0_PE | X86_CR0_PG)) == (X86_CR0_PE | X86_CR0_PG);
}

static int hw_exit_reason(vl_vm *vm, const vl_stop *s) {
    (void)vm;
    return s->code == X86_HWEXIT_CR ? VL_EXIT_CR : s->code == X86_HWEXIT_IO ? VL_EXIT_IO : VL_EXIT_INSTRUCTION;
}

static const vl_virt_hw hw_ops = {
    .owned = "CR0.TS (lazy FPU switching); under vt also CR0.PE, PG, NE, forced on",
    .nforms = hw_nforms,
    .form_mnemonic = hw_form_mnemonic,
    .defaults = hw_defaults,
    .vt_runnable = hw_vt_runnable,
    .exit_reason = hw_exit_reason,
};

/* ---- paravirt ------------------------------------------------------------------- */
/* The hypercall: UD2 followed by 'v', the call number and the operand
 * register (0-7: EAX..EDI), five bytes. UD2 raises #UD at every CPL on
 * every model, and a signature after it is Xen's own device for its
 * paravirtual forced-emulation prefix (ud2; .ascii "xen"). UD2 without the
 * signature, or with a register byte above 7, is not a hypercall: #UD as
 * natively, as from the guest's user mode. */
#define PV_SIGNATURE 0x76 /* 'v' */

static int pv_decode(vl_vm *vm, const vl_stop *s, vl_pv_insn *h) {
    uint8_t b[5];
    if (s->vector != X86_EXC_UD || vl_vm_read_virt(vm, s->pc, b, 5, true) != 5) return 0;
    if (b[0] != 0x0F || b[1] != 0x0B || b[2] != PV_SIGNATURE || b[4] > 7) return 0;
    h->nr = b[3];
    h->reg = b[4]; /* the core's ids of EAX..EDI */
    h->idx = 0;
    h->len = 5;
    return 1;
}

static int pv_call(vl_vm *vm, const vl_pv_insn *h, uint32_t *val) {
    x86_cpu *v = V(vm);
    uint32_t f = x86_get_flags(v);
    switch (h->nr) {
    case VL_HC_GET_STATUS: *val = f; return 0;
    case VL_HC_GET_MASK: *val = (f & X86_IF) != 0; return 0;
    case VL_HC_SET_MASK:
    case VL_HC_IDLE:
        x86_set_flags(v, (f & ~X86_IF) | ((*val & 1) || h->nr == VL_HC_IDLE ? X86_IF : 0));
        if (h->nr == VL_HC_IDLE) v->halted = true;
        return 0;
    case VL_HC_SET_VECTOR_BASE: v->idtr_base = *val; return 0;
    case VL_HC_SET_PAGE_TABLE:
        v->cr3 = *val;
        x86_tlb_flush(v);
        return 0;
    case VL_HC_FLUSH_TLB: x86_tlb_flush(v); return 0;
    default: return -1; /* the ring-0 stack is in the guest's own TSS */
    }
}

static const vl_virt_pv pv_ops = {
    .encoding = "UD2 'v' call register (0F 0B 76 nn rr; rr 0-7: EAX..EDI)",
    .decode = pv_decode,
    .call = pv_call,
};

/* Binary translation: code addresses are offsets in the guest's CS,
 * through its paging; user code is translated too (SGDT, SIDT, SMSW, STR,
 * PUSHF and the segment reads show CPL 3 the real state when they run
 * directly); scan-and-patch writes INT3 (one byte: never more than the
 * instruction it covers). */
static bool code_gpa(vl_vm *vm, uint32_t va, uint32_t *gpa) {
    x86_cpu *v = V(vm);
    if (!(v->cr0 & X86_CR0_PG)) {
        /* x86_translate's first case, without its call: binary translation
         * asks at each block it enters */
        *gpa = v->seg[X86_CS].base + va;
        return true;
    }
    return x86_translate(v, v->seg[X86_CS].base + va, false, v->cpl == 3, true, gpa) == 0;
}
static bool code_fixed(vl_vm *vm) { return !(V(vm)->cr0 & X86_CR0_PG); }
static bool code_big(vl_vm *vm) { return (V(vm)->seg[X86_CS].attr & X86_A_DB) != 0; }
static void code_decode(vl_vm *vm, const uint8_t *bytes, size_t len, uint32_t addr, vl_decode_info *out) {
    x86_decode_info_size(vm->variant, bytes, len, addr, code_big(vm), out);
}
static uint32_t code_mode(vl_vm *vm) { return code_big(vm); }
static const uint8_t int3[1] = { 0xCC };
static const vl_virt_bt bt_ops = {
    .cache_off = 0x8000u, .cache_size = 0x7000u, .user = true, .code_gpa = code_gpa,
    .code_fixed = code_fixed, .decode = code_decode, .mode = code_mode,
    .patch = int3, .patch_len = 1,
};

const vl_virt_ops x86_virt_ops = {
    .isa = "x86",
    .state_size = sizeof(glue_state),
    .reset = reset,
    .to_real = to_real,
    .to_virtual = to_virtual,
    .priv_get = priv_get,
    .priv_set = priv_set,
    .reg_get = reg_get,
    .reg_get_views = true,
    .reg_set = reg_set,
    .check = check,
    .resync = resync,
    .on_watch = on_watch,
    .techniques = 1u << VL_TECH_TRAP_EMULATE | 1u << VL_TECH_HYBRID | 1u << VL_TECH_HW_ASSIST | 1u << VL_TECH_PARAVIRT |
                  1u << VL_TECH_BINARY_TRANSLATION | 1u << VL_TECH_SCAN_PATCH,
    .deprivilege_levels = 1u << 1 | 1u << 3,
    .trap = &trap,
    .hw = &hw_ops,
    .pv = &pv_ops,
    .bt = &bt_ops,
};
