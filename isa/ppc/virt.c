/* virt.c - how the monitor maps the PowerPC 750's virtual privileged state
 * onto the real CPU (DESIGN §3, vmm/vmm.h vl_virt_ops).
 *
 * Two contexts per VM, both ppc_cpu on the guest's memory:
 *   real  runs the guest, always in problem state (MSR[PR] = 1), intercept
 *         on: every exception stops it before any side effect;
 *   vctx  holds the guest's virtual privileged state: MSR, SRR0/1,
 *         SPRG0-3, DEC, SDR1, DAR, DSISR, the segment registers, the BATs,
 *         HID0 and the other supervisor SPRs, the time base. Its user
 *         registers are only meaningful while the interpreter uses it.
 *
 * The mapping (to_real, after every emulation or reflection):
 *   - real MSR = the guest's virtual MSR with PR forced to 1: the real CPU
 *     has the guest's EE (so it intercepts exactly the decrementer and
 *     external interrupts the guest allows, after the same instruction as
 *     natively), its IR/DR (its address space), SE/BE (trace), FP, ME.
 *   - Protection keys. With real PR = 1 the MMU always uses Kp of a segment
 *     register and Vp of a BAT. The guest's kernel (virtual PR = 0) must get
 *     the protection of Ks and Vs on its own pages, so the real segment
 *     register carries the key of the guest's current virtual mode in its
 *     Kp (virtual PR = 0: the guest's Ks; PR = 1: the guest's Kp), and a
 *     real BAT is valid for problem state exactly when the guest's BAT is
 *     valid for the guest's current virtual mode (Vp := Vs or Vp). Everything
 *     else (VSID, T, N, BEPI, BRPN, PP, WIMG, SDR1) is the guest's: its page
 *     table lives in its own memory, guest-physical is machine-physical, so
 *     the real MMU walks it directly and updates its R/C bits as natively.
 *     The real translation caches are flushed whenever a shadowed register
 *     changes (a virtual mode switch changes the keys) and whenever the
 *     guest's tlbie/tlbia/mtsr/SDR1/BAT write flushed the virtual context's.
 *   - The decrementer and the time base are virtual: they live in vctx and
 *     are mirrored, as functions of the guest's instruction count, on the
 *     real CPU so that a decrementer exception becomes pending after the
 *     same instruction as natively; the real CPU intercepts it when the
 *     guest's EE allows and the monitor reflects it. mftb (user-readable)
 *     thus reads the guest's time base directly.
 *   - real SRR0, SRR1, SPRG0-3, DAR, DSISR are the monitor's: the real CPU
 *     never takes an exception (intercept), the guest's privileged reads and
 *     writes go to vctx, so they never change (checked by vl_virt_ops.check).
 *     SPRG0 points at the monitor's per-CPU area in the VM's monitor region
 *     (as an OS kernel keeps its per-CPU pointer in an SPRG); the others
 *     hold a recognisable mark.
 *
 * Traps (classify): an instruction-caused exception (program, system call,
 * DSI, ISI, alignment, FP unavailable, machine check) is handled by
 * executing the instruction again on the virtual context, in the guest's
 * virtual mode: a privileged instruction in virtual supervisor mode (mfmsr,
 * mtmsr, rfi, mfspr/mtspr of a privileged SPR, mfsr/mtsr/mfsrin/mtsrin,
 * tlbie/tlbsync/tlbia, dcbi) then completes against the virtual state
 * (emulated); anything else raises, with exactly the native side effects,
 * the exception the guest must see into its own vectors (its program
 * handler at 0x700 with SRR1's privileged bit 1<<18 for a privileged
 * instruction of its virtual user mode, 0xC00 for sc, DSI/ISI with its
 * DAR/DSISR...), honouring its MSR[IP]. Interrupts and trace (0x500, 0x900,
 * 0xD00) happen between instructions: they are raised on the virtual
 * context (reflected). The PowerPC has no sensitive unprivileged
 * instruction, so nothing else can tell the guest where it runs.
 *
 * Hardware assist (vmm/tech_hw.c): the real CPU holds the guest's whole
 * state, in its own mode (PR, SRR0/1, SPRGs, DAR, DSISR, the segment
 * registers, BATs, SDR1, DEC: non-root mode), except MSR[IP] and MSR[ME],
 * which the monitor owns (its exception prefix and its machine-check
 * handling): real IP = 0, ME = 1, the guest's values in vctx. mfmsr, mtmsr
 * and rfi are in the default exit set (they read or write them) and every
 * exception exits (each one saves the MSR into SRR1 and vectors by IP).
 * EE stays the guest's: the decrementer becomes pending inside the core's
 * run, which takes it after the same instruction as natively only if the
 * real EE is the guest's; the bitmap makes it exit. Every sensitive
 * instruction of the 750 is privileged already: hw-assist changes only the
 * cost (an exit instead of a trap, the kernel's other instructions direct). */
#include "isa/ppc/ppc.h"
#include "vmm/vmm.h"
#include <stdio.h>
#include <string.h>

#define SR_KS 0x40000000u
#define SR_KP 0x20000000u
#define BAT_VS 0x2u
#define BAT_VP 0x1u

/* The monitor's own real privileged state (vm->glue): the values its real
 * CPU holds in the registers an exception would write. */
typedef struct glue_state {
    uint32_t srr0, srr1, sprg[4], dar, dsisr;
} glue_state;
/* A recognisable pattern, never a guest address: a leak would show. */
#define MONITOR_MARK 0x4D4F4E00u /* "MON\0" */

/* A tag no real translation-cache entry can hold (tags are page-aligned, a
 * flush writes 1): put in one slot of vctx's cache before the interpreter
 * runs; found as 1 afterwards, the guest flushed its translations. */
#define FLUSH_SENTINEL 3u
#define SENTINEL_SLOT(v) ((v)->dtlb_r[1][PPC_TLB_N - 1].tag)

static ppc_cpu *R(vl_vm *vm) { return (ppc_cpu *)vm->real; }
static ppc_cpu *V(vl_vm *vm) { return (ppc_cpu *)vm->vctx; }
static bool hw(const vl_vm *vm) { return vm->technique == VL_TECH_HW_ASSIST; }
/* hw-assist: the MSR bits the monitor owns, and their real (host) values */
#define HW_OWNED (MSR_IP | MSR_ME)
#define HW_HOST MSR_ME

/* hw-assist: the whole guest state (snapshot part) from one context to the
 * other; the owned MSR bits: `owned` (real: the host's, vctx: the guest's).
 * Both contexts then have the same translations: their TLBs stay valid. */
static void copy_all(ppc_cpu *dst, const ppc_cpu *src, uint32_t owned) {
    vl_cpu_common c = dst->c;
    memcpy(dst, src, PPC_SNAP_SIZE);
    dst->c = c;
    dst->c.icount = src->c.icount;
    dst->msr = (src->msr & ~HW_OWNED) | owned;
    dst->fetch_page = 1;
}

/* The real segment register / upper BAT for a guest one in virtual mode pr. */
static uint32_t shadow_sr(uint32_t g, bool pr) {
    uint32_t key = pr ? (g & SR_KP) : (g & SR_KS) >> 1;
    return (g & ~SR_KP) | key;
}
static uint32_t shadow_batu(uint32_t g, bool pr) {
    uint32_t valid = pr ? (g & BAT_VP) : (g & BAT_VS) >> 1;
    return (g & ~(BAT_VS | BAT_VP)) | valid;
}

/* State the guest can see or change without privilege, and the time state
 * that runs on both contexts (as functions of the guest's instruction count). */
static void copy_user(ppc_cpu *d, const ppc_cpu *s) {
    memcpy(d->gpr, s->gpr, sizeof d->gpr);
    d->pc = s->pc;
    d->cr = s->cr;
    d->xer = s->xer;
    d->lr = s->lr;
    d->ctr = s->ctr;
    d->reserve = s->reserve;
    d->reserve_addr = s->reserve_addr;
    d->trace_pending = s->trace_pending;
    d->c.icount = s->c.icount;
    d->dec_val = s->dec_val;
    d->dec_at = s->dec_at;
    d->dec_fire = s->dec_fire;
    d->dec_pending = s->dec_pending;
}

/* real -> vctx: the guest's user-visible state. */
static void to_virtual(vl_vm *vm) {
    ppc_cpu *v = V(vm);
    if (hw(vm)) {
        copy_all(v, R(vm), v->msr & HW_OWNED);
        return;
    }
    copy_user(v, R(vm));
    SENTINEL_SLOT(v) = FLUSH_SENTINEL;
}

/* The virtual privileged state mapped onto the real CPU. flush: the real
 * translation caches must go whatever changed. */
static void map(vl_vm *vm, bool flush) {
    ppc_cpu *r = R(vm), *v = V(vm);
    bool pr = (v->msr & MSR_PR) != 0;
    for (int i = 0; i < 16; i++) {
        uint32_t s = shadow_sr(v->sr[i], pr);
        if (r->sr[i] != s) r->sr[i] = s, flush = true;
    }
    for (int i = 0; i < 8; i += 2) {
        uint32_t iu = shadow_batu(v->ibat[i], pr), du = shadow_batu(v->dbat[i], pr);
        if (r->ibat[i] != iu || r->ibat[i + 1] != v->ibat[i + 1]) {
            r->ibat[i] = iu, r->ibat[i + 1] = v->ibat[i + 1];
            flush = true;
        }
        if (r->dbat[i] != du || r->dbat[i + 1] != v->dbat[i + 1]) {
            r->dbat[i] = du, r->dbat[i + 1] = v->dbat[i + 1];
            flush = true;
        }
    }
    if (r->sdr1 != v->sdr1) r->sdr1 = v->sdr1, flush = true;
    uint32_t msr = v->msr | MSR_PR;
    if (r->msr != msr) {
        /* never a real mode switch: PR stays 1, no mode event on the real CPU */
        r->msr = msr;
        r->fetch_page = 1;
    }
    r->tb_base = v->tb_base;
    if (flush) ppc_tlb_flush(r);
}

/* vctx -> real: the result, and the virtual privileged state mapped onto the
 * real CPU, deprivileged. */
static void to_real(vl_vm *vm) {
    ppc_cpu *r = R(vm), *v = V(vm);
    if (hw(vm)) {
        copy_all(r, v, HW_HOST);
        return;
    }
    copy_user(r, v);
    bool flushed = SENTINEL_SLOT(v) == 1;
    if (SENTINEL_SLOT(v) == FLUSH_SENTINEL) SENTINEL_SLOT(v) = 1; /* an empty slot again */
    map(vm, flushed);
}

static void reset(vl_vm *vm) {
    ppc_cpu *r = R(vm), *v = V(vm);
    /* the machine's reset has put the real CPU where the guest starts
     * (MSR = ME, PC = 0x100): that becomes the guest's virtual state */
    vl_cpu_common vc = v->c;
    memcpy(v, r, PPC_SNAP_SIZE); /* not the pre-decoded cache (self-checking) */
    v->c = vc;
    v->c.icount = r->c.icount;
    ppc_tlb_flush(v);
    if (hw(vm)) {
        /* non-root mode: the guest's own state, the host's IP and ME */
        copy_all(r, v, HW_HOST);
        ppc_tlb_flush(r);
        return;
    }
    /* the real CPU: problem state, the monitor's own privileged registers */
    r->srr0 = MONITOR_MARK | 0x00;
    r->srr1 = 0;
    r->sprg[0] = vm->m->mem.mon_base;
    for (int i = 1; i < 4; i++) r->sprg[i] = MONITOR_MARK | (uint32_t)(0x10 + i);
    r->dar = MONITOR_MARK | 0x20;
    r->dsisr = 0;
    r->trace_pending = false;
    glue_state *g = vm->glue;
    g->srr0 = r->srr0;
    g->srr1 = r->srr1;
    for (int i = 0; i < 4; i++) g->sprg[i] = r->sprg[i];
    g->dar = r->dar;
    g->dsisr = r->dsisr;
    r->msr = 0; /* map() sets it from the virtual MSR */
    map(vm, true);
}

static bool is_interrupt(int vector) { return vector == 0x500 || vector == 0x900 || vector == 0xD00; }

static void classify(vl_vm *vm, const vl_stop *st, vl_trap *t) {
    ppc_cpu *r = R(vm);
    t->vector = st->vector;
    t->pc = st->pc;
    t->retire = false;
    if (st->reason != VLAB_STOP_EXCEPTION || st->vector < 0x100 || st->vector > 0x1700) {
        t->action = VL_ACT_STOP;
        return;
    }
    if (is_interrupt(st->vector)) {
        /* between instructions: the guest sees it at its vector with SRR0 =
         * the next instruction (the core cleared its pending decrementer or
         * trace, as taking it would) */
        t->action = VL_ACT_REFLECT;
        return;
    }
    /* caused by the instruction at st->pc, stopped before its side effects:
     * execute it on the virtual context in the guest's virtual mode */
    r->pc = st->pc;
    t->action = VL_ACT_EMULATE;
}

/* Vector entry word (physical, as the exception fetches it): 0 = none. */
static bool vector_null(ppc_cpu *v, int vec) {
    vl_machine *m = v->c.m;
    uint32_t a = ppc_vector_addr(v, vec), w = 0;
    if ((uint64_t)a + 4 <= m->mem.size && !(m->mem.mmio_on && a - m->mem.mmio_base < VL_MMIO_SIZE))
        return vl_be32(m->mem.ram + a) == 0;
    if (!vl_bus_read(m, a, 4, &w)) return true;
    return w == 0;
}

static int reflect(vl_vm *vm, vl_trap *t) {
    ppc_cpu *v = V(vm);
    int vec = t->vector;
    if (vm->stop_on_null_vector && vector_null(v, vec)) return -1;
    /* SRR0 = the next instruction, SRR1 = the virtual MSR; new virtual MSR,
     * PC = the guest's vector (with its MSR[IP] prefix); the core's raise
     * clears the pending decrementer or trace, as taking it does */
    vm->ops->raise(v, vec, 0, 0);
    return 0;
}

/* under hw-assist the real CPU has the guest's mode */
static int priv_get(vl_vm *vm) { return ((hw(vm) ? R(vm) : V(vm))->msr & MSR_PR) ? 3 : 0; }

static void priv_set(vl_vm *vm, int level) {
    ppc_cpu *v = V(vm);
    to_virtual(vm);
    ppc_set_msr(v, level == 0 ? v->msr & ~MSR_PR : v->msr | MSR_PR);
    to_real(vm);
}

static uint32_t reg_get(vl_vm *vm, int id) {
    to_virtual(vm); /* vctx now holds the whole guest view */
    return vm->ops->reg_get(vm->vctx, id);
}

static void reg_set(vl_vm *vm, int id, uint32_t val) {
    to_virtual(vm);
    vm->ops->reg_set(vm->vctx, id, val);
    to_real(vm);
}

static int check(vl_vm *vm, char *why, size_t whysz) {
    ppc_cpu *r = R(vm), *v = V(vm);
    bool pr = (v->msr & MSR_PR) != 0;
    const glue_state *g = vm->glue;
    const char *bad = NULL;
    int idx = -1;
    if (hw(vm)) {
        if ((r->msr & HW_OWNED) != HW_HOST) bad = "real MSR[IP]/[ME] are not the host's";
        else if (!r->c.intercept || !r->c.exit_forms) bad = "real CPU without its exit controls";
        if (bad && why) snprintf(why, whysz, "%s (real MSR %08x, virtual MSR %08x)", bad, r->msr, v->msr);
        return bad ? -1 : 0;
    }
    if (!(r->msr & MSR_PR)) bad = "real CPU in supervisor state (MSR[PR] = 0)";
    else if (!r->c.intercept) bad = "real CPU without intercept";
    else if (r->msr != (v->msr | MSR_PR)) bad = "real MSR differs from the virtual MSR";
    else if (r->srr0 != g->srr0 || r->srr1 != g->srr1) bad = "real SRR0/SRR1 changed";
    else if (r->dar != g->dar || r->dsisr != g->dsisr) bad = "real DAR/DSISR changed";
    else if (r->sdr1 != v->sdr1) bad = "real SDR1 differs from the guest's";
    else if (!vl_mon_host(vm->m, r->sprg[0], 4)) bad = "real SPRG0 does not point into the monitor region";
    if (!bad)
        for (int i = 0; i < 4; i++)
            if (r->sprg[i] != g->sprg[i]) { bad = "real SPRG changed", idx = i; break; }
    if (!bad)
        for (int i = 0; i < 16; i++)
            if (r->sr[i] != shadow_sr(v->sr[i], pr)) { bad = "real segment register is not the shadow of the guest's", idx = i; break; }
    if (!bad)
        for (int i = 0; i < 8; i++) {
            bool up = !(i & 1);
            if (r->ibat[i] != (up ? shadow_batu(v->ibat[i], pr) : v->ibat[i])) { bad = "real IBAT is not the shadow of the guest's", idx = i; break; }
            if (r->dbat[i] != (up ? shadow_batu(v->dbat[i], pr) : v->dbat[i])) { bad = "real DBAT is not the shadow of the guest's", idx = i; break; }
        }
    if (bad) {
        if (why) {
            if (idx >= 0)
                snprintf(why, whysz, "%s (%d; real MSR %08x, virtual MSR %08x)", bad, idx, r->msr, v->msr);
            else
                snprintf(why, whysz, "%s (real MSR %08x, virtual MSR %08x)", bad, r->msr, v->msr);
        }
        return -1;
    }
    return 0;
}

static const vl_virt_trap trap = { .classify = classify, .reflect = reflect };

/* ---- hw-assist ------------------------------------------------------------------ */

static int hw_nforms(int variant) {
    (void)variant;
    return ppc_ninsns;
}

static const char *hw_form_mnemonic(int variant, int form) {
    (void)variant;
    return form >= 0 && form < ppc_ninsns ? ppc_insns[form].mnemonic : NULL;
}

/* What reads or writes the MSR, and every exception (SRR1, the prefix). */
static void hw_defaults(int variant, uint8_t *forms, uint8_t *exc) {
    (void)variant;
    for (int f = 0; f < ppc_ninsns; f++) {
        int op = ppc_insns[f].op;
        if (op == PPC_OP_MFMSR || op == PPC_OP_MTMSR || op == PPC_OP_RFI) forms[f >> 3] |= (uint8_t)(1u << (f & 7));
    }
    memset(exc, 0xFF, VL_EXC_BITMAP_BYTES);
}

static const vl_virt_hw hw_ops = {
    .owned = "MSR[IP] and MSR[ME]",
    .nforms = hw_nforms,
    .form_mnemonic = hw_form_mnemonic,
    .defaults = hw_defaults,
};

/* ---- paravirt ------------------------------------------------------------------- */
/* The hypercall: a word of primary opcode 1 (reserved in every PowerPC, a
 * program exception, illegal, in either state), 000001 ddddd 000ii n...n:
 * operand rD, SPRG index ii (get_stack/set_stack), call n in the low 16
 * bits. `sc` would not do: the guest's own system calls use it. A word of
 * opcode 1 with bits 11-13 set is not a hypercall: the program exception
 * as natively, as from the guest's problem state. */
static int pv_decode(vl_vm *vm, const vl_stop *s, vl_pv_insn *h) {
    uint8_t b[4];
    if (s->vector != 0x700 || vl_vm_read_virt(vm, s->pc, b, 4, true) != 4) return 0;
    uint32_t w = (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3];
    if (w >> 26 != 1 || (w >> 16 & 0x1C)) return 0;
    h->nr = (int)(w & 0xFFFF);
    h->reg = (int)(w >> 21 & 31); /* the core's ids of r0-r31 */
    h->idx = (int)(w >> 16 & 3);
    h->len = 4;
    return 1;
}

static int pv_call(vl_vm *vm, const vl_pv_insn *h, uint32_t *val) {
    ppc_cpu *v = V(vm);
    switch (h->nr) {
    case VL_HC_GET_STATUS: *val = v->msr; return 0;
    case VL_HC_GET_MASK: *val = (v->msr & MSR_EE) != 0; return 0;
    case VL_HC_SET_MASK: ppc_set_msr(v, (v->msr & ~MSR_EE) | (*val & 1 ? MSR_EE : 0)); return 0;
    case VL_HC_SET_PAGE_TABLE:
        v->sdr1 = *val;
        ppc_tlb_flush(v);
        return 0;
    case VL_HC_FLUSH_TLB: ppc_tlb_flush(v); return 0;
    case VL_HC_ACK_TIMER: ppc_set_dec(v, *val); return 0; /* the decrementer: reloaded */
    case VL_HC_GET_STACK: *val = v->sprg[h->idx]; return 0;
    case VL_HC_SET_STACK: v->sprg[h->idx] = *val; return 0;
    default: return -1; /* vectors at 0 or by MSR[IP]; no wait state modelled */
    }
}

static const vl_virt_pv pv_ops = {
    .encoding = "opcode 1: 0x04000000 | rD << 21 | SPRG index << 16 | call",
    .decode = pv_decode,
    .call = pv_call,
};

/* Binary translation: code addresses through the guest's instruction
 * translation (its MSR, BATs and segments live in the virtual context);
 * scan-and-patch writes tw 31,0,0 (always traps: program exception). */
static bool code_gpa(vl_vm *vm, uint32_t va, uint32_t *gpa) {
    ppc_cpu *v = V(vm);
    if (!(v->msr & MSR_IR)) { /* real mode: what ppc_translate gives, without the call */
        *gpa = va;
        return true;
    }
    uint32_t fault, wimg = v->last_wimg;
    int rc = ppc_translate(v, va, PPC_ACC_FETCH | PPC_ACC_PROBE, gpa, &fault);
    v->last_wimg = wimg; /* a look, not an access */
    return rc == 0;
}
static const uint8_t tw_always[4] = { 0x7F, 0xE0, 0x00, 0x08 };
static const vl_virt_bt bt_ops = {
    .cache_off = 0x8000u, .cache_size = 0x7000u, .code_gpa = code_gpa,
    .patch = tw_always, .patch_len = 4,
};

const vl_virt_ops ppc_virt_ops = {
    .isa = "ppc",
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
    .techniques = 1u << VL_TECH_TRAP_EMULATE | 1u << VL_TECH_HYBRID | 1u << VL_TECH_HW_ASSIST | 1u << VL_TECH_PARAVIRT |
                  1u << VL_TECH_BINARY_TRANSLATION | 1u << VL_TECH_SCAN_PATCH,
    .trap = &trap,
    .hw = &hw_ops,
    .pv = &pv_ops,
    .bt = &bt_ops,
};
