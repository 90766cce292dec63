/* run.c - the device side of a run loop, shared by the bare machine's loop
 * (core/machine.c) and the monitor's (vmm/vmm.c). Both must look at the timer
 * on the same instruction counts, or a guest would see its tick after a
 * different instruction natively and under the monitor. */
#include "core.h"

void vl_run_begin(vl_run_clock *rc, vl_machine *m, uint64_t max, bool single, int has_until, uint32_t until_pc) {
    rc->m = m;
    rc->start = m->cc->icount;
    rc->max = max;
    rc->single = single || has_until;
    rc->has_until = has_until != 0;
    rc->first = true;
    rc->until_pc = until_pc;
}

static vl_stop here(vl_machine *m, int reason) {
    return (vl_stop){ .reason = (uint8_t)reason, .pc = vlab_pc(m), .vector = -1 };
}

uint64_t vl_run_next_slice(vl_run_clock *rc, vl_stop *s) {
    vl_machine *m = rc->m;
    vl_cpu_common *cc = m->cc;
    uint64_t done = cc->icount - rc->start;
    m->timer_armed = false; /* this is the boundary it asked for */
    if (rc->max && done >= rc->max) {
        *s = here(m, VLAB_STOP_BUDGET);
        return 0;
    }
    if (m->interrupt && *m->interrupt) {
        *s = here(m, VLAB_STOP_INTERRUPTED);
        return 0;
    }
    if (m->timer_period && cc->icount >= m->timer_next) vl_timer_sync(m);
    /* not before the first instruction: a run from until_pc goes somewhere */
    if (rc->has_until && !rc->first && vlab_pc(m) == rc->until_pc) {
        *s = here(m, VLAB_STOP_BREAKPOINT);
        return 0;
    }
    rc->first = false;
    uint64_t n = rc->single ? 1 : m->timer_period || rc->has_until ? VL_RUN_SLICE : VL_RUN_SLICE_QUIET;
    if (rc->max && rc->max - done < n) n = rc->max - done;
    /* slices end at the deadline; a guest that arms the timer mid-slice
     * kicks the core (core/bus.c), which makes a boundary here at once */
    if (!rc->single && m->timer_period && m->timer_next > cc->icount && m->timer_next - cc->icount < n)
        n = m->timer_next - cc->icount;
    return n;
}

bool vl_run_idle(vl_run_clock *rc, vl_stop *s, uint64_t wakes) {
    vl_machine *m = rc->m;
    vl_cpu_common *cc = m->cc;
    bool idle = s->reason == VLAB_STOP_IDLE;
    if (!m->timer_period) {
        s->reason = VLAB_STOP_HALT; /* nothing can ever wake it */
        return true;
    }
    /* the timer was fired and still nothing woke the CPU at this pc (in
     * this run or the one before it, the wait's instruction at most
     * executed once more since): the interrupt is masked (or has no level) */
    if (m->idle_woke == wakes && m->idle_pc == s->pc && cc->icount - m->idle_ic <= 1) {
        vl_stop r = { .reason = idle ? VLAB_STOP_IDLE : VLAB_STOP_HALT, .pc = s->pc, .vector = -1 };
        *s = r;
        return true;
    }
    if (!idle && m->timer_next > cc->icount) {
        /* branch to itself: the loop runs until the deadline */
        uint64_t skip = m->timer_next - cc->icount;
        if (rc->max && rc->max - (cc->icount - rc->start) < skip) {
            cc->icount = rc->start + rc->max;
            *s = here(m, VLAB_STOP_BUDGET);
            return true;
        }
        cc->icount += skip;
    }
    if (m->timer_next > cc->icount) m->timer_next = cc->icount;
    vl_timer_sync(m);
    m->idle_woke = wakes;
    m->idle_pc = s->pc;
    m->idle_ic = cc->icount;
    return false;
}
