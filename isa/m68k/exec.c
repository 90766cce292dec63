/* exec.c - the 68000/68010 interpreter.
 *
 * A 65536-entry handler table per model is built once from the decode table
 * (decode.c); handlers are specialised per operation and size. Memory goes
 * straight to RAM after a bounds and MMIO-window check, else to the bus slow
 * path (vl_bus_read/write), whose failure is a bus error.
 *
 * Faults inside an instruction (address/bus error, TRAP, privilege...) are
 * recorded in the CPU state and return false up through the handler to the
 * run loop (TRY): no longjmp, which ASan makes a system call and which
 * keeps the optimiser from holding state in registers across a handler;
 * the fast paths return a constant true, so that the checks fold away
 * once inlined. run() has two loops: the fast one (a native and an
 * intercepting instance, and one whose table stops at the exit forms), and
 * a checking one (one instruction per call) used for exit_set, and whenever the fast loop sees irq_level > ithresh (ithresh
 * is -1 while trace, STOP, a halt or a hook's stop need attention).
 *
 * Where the SingleStepTests vectors (MAME's microcoded 68000) and the manual
 * differ on undefined behaviour, the vectors win; see the comments marked
 * "vectors:".
 *
 * Steps (DESIGN §4.2): an instruction and the exception processing it causes
 * are one step and count one in c.icount (a faulting fetch too); trace and
 * interrupt processing start the following step, which then also executes
 * the handler's first instruction.
 *
 * Intercept (c.intercept): every exception stops the run before it is taken,
 * and the faulting instruction is rolled back: the stop leaves the registers
 * as they were before it (c.icount not advanced). Before each instruction
 * the intercepting fast loop saves what that opcode can change before it
 * faults (its own handler table, itab, wraps the opcodes that save, by
 * save_kind: for most, nothing but PC, and no wrapper; for memory
 * writes whose address changes no register, the CCR; for calls and
 * returns, A7; for (An)+/-(An) in the EA field, the CCR and that An; for
 * other push/pop, the CCR and three address registers; for a few, the whole
 * register block), so that innocuous code
 * under the monitor runs at native speed; the checking loop saves the whole
 * block. Memory is not saved: the words a MOVEM stored before the access
 * that faulted, say, stay written (the monitor's execution again writes
 * the same words; device registers it wrote are not written twice: the
 * bus replays those writes without effect, vl_dev_replay). c.stop_on_null_vector alone uses the
 * native loop: the stop
 * happens before the frame is built, but register updates the faulting
 * instruction made before its fault (an (An)+ increment...) remain.
 *
 * Extension words: the fast loop runs an instruction through htab only
 * when its longest form (10 bytes) lies in plain RAM from its opcode on
 * (m68k_mem_refresh: clim_h, chlen_h), so that the handlers fetch their
 * extension words without a check and without a slow path (whose call
 * made most handlers save and restore registers). Any other instruction
 * (the last bytes before the MMIO window or the end of RAM, an odd PC,
 * the checking loop) runs through the checked handlers: this file
 * compiled a second time by exec_chk.c with M68K_EXEC_CHECKED, where the
 * fetches check as the opcode fetch does; only the handlers and what they
 * use are compiled there.
 *
 * Stops: HALT for a Bcc/BRA/JMP to itself (executed, pc = the instruction);
 * IDLE after STOP when no interrupt can wake the CPU (pc = after STOP);
 * ERROR on a double fault (the CPU stays halted until reset()) or a nested
 * run() from a hook; BREAKPOINT when an event hook asked to stop. */
#include "isa/m68k/m68k.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define AI static inline __attribute__((always_inline))
#define NI __attribute__((noinline))
#define COLD __attribute__((noinline, cold))
/* GCC's cross-jumping merges the identical dispatches that end the fast
 * loop's cases into one indirect jump, which the predictor then sees as one
 * site for every handler (the gain of the inline cases halves) */
#if defined(__GNUC__) && !defined(__clang__)
#define SPLIT_TAILS __attribute__((optimize("no-crossjumping")))
#else
#define SPLIT_TAILS
#endif

/* Every function that can fault returns false after recording the fault in
 * s (f_vector...), and its caller returns false at once, up to the handler
 * and the run loop. The fast paths return a constant true, so that once
 * inlined the test costs nothing; only the slow paths carry a branch. */
#define TRY(x) do { if (VL_UNLIKELY(!(x))) return false; } while (0)

/* 1: extension words are fetched with the check (exec_chk.c) */
#ifdef M68K_EXEC_CHECKED
#define CHK_EXT 1
#else
#define CHK_EXT 0
#endif

typedef m68k_hfn hfn;

static inline uint32_t MASK(int sz) { return sz == 1 ? 0xFFu : sz == 2 ? 0xFFFFu : 0xFFFFFFFFu; }
static inline uint32_t MSB(int sz) { return sz == 1 ? 0x80u : sz == 2 ? 0x8000u : 0x80000000u; }
static inline uint32_t SEXT(uint32_t v, int sz) {
    return sz == 1 ? (uint32_t)(int32_t)(int8_t)v : sz == 2 ? (uint32_t)(int32_t)(int16_t)v : v;
}

/* ---- status register ------------------------------------------------------ */
#ifndef M68K_EXEC_CHECKED
uint16_t m68k_get_sr(const m68k_cpu *s) {
    return (uint16_t)(s->sr | s->fx << 4 | s->fn << 3 | s->fz << 2 | s->fv << 1 | s->fc);
}

#endif

static inline void set_ccr(m68k_cpu *s, uint32_t v) {
    s->fx = (v >> 4) & 1; s->fn = (v >> 3) & 1; s->fz = (v >> 2) & 1;
    s->fv = (v >> 1) & 1; s->fc = v & 1;
}

#ifndef M68K_EXEC_CHECKED

/* Every change of what ithresh depends on (and of c.irq_level inside a run)
 * comes here, so that the fast loop needs one compare per instruction:
 * icount against icount_end, which is 0 while an interrupt (or trace, STOP,
 * a halt, a hook's stop) needs the checking loop. */
void m68k_update_ithresh(m68k_cpu *s) {
    vl_machine *m = s->c.m;
    if ((s->sr & 0x8000) || s->trace_pending || s->stopped || s->halted || (m && m->hook_stop)) {
        s->ithresh = -1;
    } else {
        int mask = (s->sr >> 8) & 7;
        s->ithresh = mask == 7 ? (s->nmi_seen ? 7 : 6) : mask;
    }
    s->icount_end = s->c.irq_level > s->ithresh || s->f_pend ? 0 : s->budget_end;
}

void m68k_set_sr(m68k_cpu *s, uint16_t v) {
    v &= 0xA71F;
    bool olds = s->sr & 0x2000, news = v & 0x2000;
    if (olds != news) {
        if (olds) { s->ssp = s->a[7]; s->a[7] = s->usp; }
        else { s->usp = s->a[7]; s->a[7] = s->ssp; }
        s->c.mode_switches++;
    }
    s->sr = v & 0xA700;
    set_ccr(s, v);
    m68k_update_ithresh(s);
    if (olds != news && s->c.m && (s->c.m->hook_mask & VLAB_EV_MODE)) {
        vl_event(s->c.m, VLAB_EV_MODE, news ? 0u : 3u, s->pc);
        m68k_update_ithresh(s);
    }
}

#endif

static inline bool cond(const m68k_cpu *s, unsigned cc) {
    switch (cc & 15) {
    case 0: return true;
    case 1: return false;
    case 2: return !s->fc && !s->fz;
    case 3: return s->fc || s->fz;
    case 4: return !s->fc;
    case 5: return s->fc;
    case 6: return !s->fz;
    case 7: return s->fz;
    case 8: return !s->fv;
    case 9: return s->fv;
    case 10: return !s->fn;
    case 11: return s->fn;
    case 12: return s->fn == s->fv;
    case 13: return s->fn != s->fv;
    case 14: return s->fn == s->fv && !s->fz;
    default: return s->fz || s->fn != s->fv;
    }
}

/* ---- faults ----------------------------------------------------------------- */
static inline int fc_data(const m68k_cpu *s) { return (s->sr & 0x2000) ? 5 : 1; }
static inline int fc_prog(const m68k_cpu *s) { return (s->sr & 0x2000) ? 6 : 2; }

/* Every handler that returns false has come through one of the functions
 * below (or h_vmexit), which mark the fault pending: the fast loop then
 * need not test each handler's result, its one compare of icount against
 * icount_end (0 while f_pend, m68k_update_ithresh) finds the fault before
 * the next instruction. */
static inline void pend(m68k_cpu *s) {
    s->f_pend = true;
    s->icount_end = 0;
}

static COLD bool stop_now(m68k_cpu *s, int reason, uint32_t pc) {
    pend(s);
    s->f_vector = -1;
    s->stop.reason = reason;
    s->stop.pc = pc;
    s->stop.vector = -1;
    s->stop.flags = 0;
    return false;
}

/* An exception caused by the current instruction (group 1/2). */
static COLD bool exc(m68k_cpu *s, int vector, uint32_t stacked_pc) {
    pend(s);
    s->f_vector = vector;
    s->f_pc = stacked_pc;
    s->f_group0 = false;
    s->f_addr = 0;
    return false;
}

/* The PC a 68000 stacks for an address/bus error depends on how far its
 * prefetch got when the access failed. vectors: measured from the
 * SingleStepTests data (MAME's microcode), relative to our pc at the fault
 * (the address after the extension words consumed so far):
 *  - source/RMW read: (An) (An)+ abs: +0; -(An) byte/word +2, long +0;
 *    d16(An) d8(An,Xn) d16(PC) d8(PC,Xn): -2 (the extension word is used
 *    before the prefetch that replaces it);
 *  - MOVE write: +2 when the destination has no extension word, else +0;
 *  - MOVEM, ADDX/SUBX/ABCD/SBCD -(An), CMPM, UNLK: +2.
 * Jumps to an odd address stack a PC given by each instruction (see jump()).
 * Also from the vectors: the status word's I/N bit (3) is 0 for data
 * accesses too (the manual says 1 = not an instruction fetch), and a
 * PC-relative operand read carries the program function code. */
enum {
    G0_EA,    /* by the EA field as above (pc when there is none) */
    G0_PLUS2, /* +2: MOVEM, ADDX/SUBX/ABCD/SBCD -(An), CMPM, UNLK */
    G0_MOVE,  /* MOVE: a write by its destination, a read as G0_EA */
};
static const uint8_t g0_rule[M68K_OP_COUNT] = {
#define OP_G0(id, name, title, gnu, sfx, cond, pick, h, save, g0, flow) [M68K_OP_##id] = G0_##g0,
    M68K_OPS(OP_G0)
#undef OP_G0
};

static uint32_t g0_pc(m68k_cpu *s, bool write, bool *prog) {
    uint32_t op = s->ir;
    const m68k_insn *in = m68k_decode_word(s->variant, (uint16_t)op);
    *prog = false;
    if (!in) return s->pc;
    unsigned mode = (op >> 3) & 7, reg = op & 7;
    switch (g0_rule[in->op]) {
    case G0_PLUS2:
        if (mode == 7 && (reg == 2 || reg == 3)) *prog = true;
        return s->pc + 2;
    case G0_MOVE:
        if (write) return ((op >> 6) & 7) >= 5 ? s->pc : s->pc + 2;
        break;
    default: break;
    }
    if (in->src != M68K_OPD_EA && in->dst != M68K_OPD_EA) return s->pc;
    switch (mode) {
    case 4: return in->size == M68K_SZ_L ? s->pc : s->pc + 2;
    case 5: case 6: return s->pc - 2;
    case 7:
        if (reg == 2 || reg == 3) { *prog = true; return s->pc - 2; }
        return s->pc;
    default: return s->pc;
    }
}

/* Does exception `vector` stop the run (intercept, narrowed by the
 * hardware-assist exception bitmap)? */
static inline bool intercepted(const m68k_cpu *s, int vector) {
    return s->c.intercept && (!s->c.exc_exits || vl_bit(s->c.exc_exits, (unsigned)vector & 0xFF));
}

/* Address (3) or bus (2) error: group 0. */
static COLD bool g0_fault(m68k_cpu *s, int vector, uint32_t addr, bool read, bool ifetch) {
    bool prog = ifetch;
    /* vectors: a long access through (An)+ or -(An) that faults leaves An
     * unchanged (the 68000 updates An after the second word). Intercepted,
     * the instruction is rolled back anyway, and l_reg may be a previous
     * instruction's, which the rollback does not cover. */
    if (vector == 3 && !ifetch && !intercepted(s, 3) && s->l_delta && s->l_addr == addr &&
        s->a[s->l_reg] == addr + (s->l_delta == 4 ? 4 : 0))
        s->a[s->l_reg] -= s->l_delta;
    s->f_pc = ifetch ? s->pc : g0_pc(s, !read, &prog);
    pend(s);
    s->f_vector = vector;
    s->f_addr = addr;
    s->f_info = (uint16_t)((read ? 0x10 : 0) | (prog ? fc_prog(s) : fc_data(s)));
    s->f_group0 = true;
    return false;
}

/* a jump to an odd address: the 68000 faults on the prefetch at the target,
 * stacking `stacked` (which differs per instruction, see the callers) */
static COLD bool jump_odd(m68k_cpu *s, uint32_t target, uint32_t stacked) {
    s->f_pc = stacked;
    pend(s);
    s->f_vector = 3;
    s->f_addr = target;
    s->f_info = (uint16_t)(0x10 | fc_prog(s));
    s->f_group0 = true;
    return false;
}

/* ---- memory ----------------------------------------------------------------- */
#ifndef M68K_EXEC_CHECKED
void m68k_mem_refresh(m68k_cpu *s) {
    vl_machine *m = s->c.m;
    s->ram = m->mem.ram;
    s->ram_size = m->mem.ram ? m->mem.size : 0;
    /* writes at or above the lowest watched page take the slow path */
    s->wram_size = m->mem.watch_lo < s->ram_size ? m->mem.watch_lo : s->ram_size;
    s->amask = m->mem.addr_mask ? m->mem.addr_mask : 0x00FFFFFFu;
    s->mmio_base = m->mem.mmio_base;
    s->mmio_len = m->mem.mmio_on ? VL_MMIO_SIZE : 0;
    /* The fast path (fast_rd, fast_wr): a range of the unmasked
     * address for RAM below the MMIO window, a second one for RAM above it
     * (the stack, at the top), each one compare. There an address is RAM as it is (addr_mask
     * keeps every bit below its lowest clear bit, `top`), and an access of
     * up to 4 bytes stays inside the range. Writes also stay off the
     * watched pages (below the lowest or above the highest), so that the
     * watch stays exact. Everything else
     * (and an odd word address, see ror1) takes the slow path, which checks
     * all of it as before. */
    uint64_t top = s->ram_size, lo, hb;
    uint64_t keep = (uint64_t)(~s->amask & (s->amask + 1u)); /* the lowest clear bit; 0: none */
    if (keep && keep < top) top = keep;
    lo = hb = top;
    if (s->mmio_len && s->mmio_base < top) {
        lo = s->mmio_base;
        hb = ((uint64_t)s->mmio_base + s->mmio_len + 1) & ~(uint64_t)1; /* even, for ror1 */
        if (hb > top) hb = top;
    }
    uint64_t wtop = s->wram_size < top ? s->wram_size : top;
    uint64_t wlo = wtop < lo ? wtop : lo;
    /* the high write range: [hb, the lowest watched page); when that page
     * is below hb (a monitor watching kernel code low in RAM), from the end
     * of the highest watched page (and hb) to the top instead, so that the
     * stack and the data above the watched pages stay direct */
    uint64_t whb = hb, whtop = wtop;
    if (m->mem.nwatch && m->mem.watch_lo < hb) {
        whb = m->mem.watch_hi > hb ? ((uint64_t)m->mem.watch_hi + 1) & ~(uint64_t)1 : hb;
        whtop = top;
    }
    /* the low write range: [0, the lowest watched page), or the larger
     * [end of the highest watched page, lo) when they are all below lo */
    uint64_t wb = 0, wl = wlo, whi = ((uint64_t)m->mem.watch_hi + 1) & ~(uint64_t)1;
    if (m->mem.nwatch && whi < lo && lo - whi > wlo) {
        wb = whi;
        wl = lo - whi;
    }
#define ROOM(n) ((n) >= 4 ? (uint32_t)((n) - 3) : 0u)
    s->rlim = ROOM(lo);
    s->wbase = (uint32_t)wb;
    s->wlen = ROOM(wl);
    s->hbase = (uint32_t)hb;
    s->rhlen = ROOM(top - hb);
    s->whbase = (uint32_t)whb;
    s->whlen = whtop > whb ? ROOM(whtop - whb) : 0;
#undef ROOM
    /* where the fast loop runs an instruction through htab (see the top):
     * its 10 bytes from an even pc within one read range, halved as
     * rlim_h (conservative by a word) */
#define ROOM10(n) ((n) >= 10 ? (uint32_t)((n) - 9) : 0u)
    s->clim_h = ROOM10(lo) >> 1;
    s->chlen_h = ROOM10(top - hb) >> 1;
#undef ROOM10
    s->rlim_h = s->rlim >> 1;
    s->wbase_h = s->wbase >> 1;
    s->wlen_h = s->wlen >> 1;
    s->hbase_h = s->hbase >> 1;
    s->rhlen_h = s->rhlen >> 1;
    s->whbase_h = s->whbase >> 1;
    s->whlen_h = s->whlen >> 1;
    s->k_ram = m->mem.ram;
    s->k_size = m->mem.size;
    s->k_mask = m->mem.addr_mask;
    s->k_mmio = m->mem.mmio_base;
    s->k_mmio_on = m->mem.mmio_on;
    s->k_wlo = m->mem.watch_lo;
    s->k_whi = m->mem.watch_hi;
    s->k_nwatch = m->mem.nwatch;
}

/* The view is a function of these fields alone: a run (one per slice of
 * the machine's loop) that finds them as they were keeps it, and saves
 * most of the refresh's cost per slice. */
static void mem_sync(m68k_cpu *s) {
    const vl_mem *mm = &s->c.m->mem;
    if (s->k_ram != mm->ram || s->k_size != mm->size || s->k_mask != mm->addr_mask || s->k_mmio != mm->mmio_base ||
        s->k_mmio_on != mm->mmio_on || s->k_wlo != mm->watch_lo || s->k_whi != mm->watch_hi ||
        s->k_nwatch != mm->nwatch)
        m68k_mem_refresh(s);
}

/* the pointer to RAM for an access of n bytes at a (masked), or NULL */
static inline uint8_t *ramp(m68k_cpu *s, uint32_t addr, uint32_t n) {
    uint32_t a = addr & s->amask;
    if (VL_LIKELY(a < s->ram_size && s->ram_size - a >= n && a - s->mmio_base >= s->mmio_len))
        return s->ram + a;
    return NULL;
}

/* the same for a write: watched pages are not written directly (RAM above
 * the lowest watched page on pages not watched themselves is: a monitor
 * watching a few code pages leaves the rest of RAM a plain store) */
static inline uint8_t *wramp(m68k_cpu *s, uint32_t addr, uint32_t n) {
    uint32_t a = addr & s->amask;
    if (VL_LIKELY(a < s->wram_size && s->wram_size - a >= n && a - s->mmio_base >= s->mmio_len))
        return s->ram + a;
    if (a < s->ram_size && s->ram_size - a >= n && a - s->mmio_base >= s->mmio_len &&
        !vl_watched(&s->c.m->mem, a) && !vl_watched(&s->c.m->mem, a + n - 1))
        return s->ram + a;
    return NULL;
}

bool m68k_rd(m68k_cpu *s, uint32_t addr, int size, uint32_t *v) {
    uint8_t *p = ramp(s, addr, (uint32_t)size);
    if (p) {
        *v = size == 1 ? p[0] : size == 2 ? vl_be16(p) : vl_be32(p);
        return true;
    }
    uint32_t a = addr & s->amask;
    if (size == 4 && !(a - s->mmio_base < s->mmio_len)) {
        uint32_t hi, lo;
        if (!m68k_rd(s, addr, 2, &hi) || !m68k_rd(s, addr + 2, 2, &lo)) return false;
        *v = hi << 16 | lo;
        return true;
    }
    return vl_bus_read(s->c.m, a, size, v);
}

bool m68k_wr(m68k_cpu *s, uint32_t addr, int size, uint32_t v) {
    uint8_t *p = wramp(s, addr, (uint32_t)size);
    if (p) {
        if (size == 1) p[0] = (uint8_t)v;
        else if (size == 2) vl_put_be16(p, v);
        else vl_put_be32(p, v);
        return true;
    }
    uint32_t a = addr & s->amask;
    if (size == 4 && !(a - s->mmio_base < s->mmio_len)) {
        return m68k_wr(s, addr, 2, v >> 16) && m68k_wr(s, addr + 2, 2, v & 0xFFFF);
    }
    bool ok = vl_bus_write(s->c.m, a, size, v);
    /* an MMIO write may have lowered the interrupt line (timer ack) */
    if (s->c.irq_level < 7) s->nmi_seen = false;
    m68k_update_ithresh(s);
    return ok;
}

bool m68k_wr_zero(m68k_cpu *s, uint32_t addr, uint32_t n) {
    uint8_t *p = wramp(s, addr, n);
    if (p) { /* plain RAM throughout: nothing a word at a time could tell apart */
        memset(p, 0, n);
        return true;
    }
    for (uint32_t i = 0; i < n; i += 2)
        if (!m68k_wr(s, addr + i, 2, 0)) return false;
    return true;
}

#endif

/* The slow paths return the value, or SLOW_FAULT when they recorded a
 * fault: a value, not an out-parameter, so that the caller's operand stays
 * in a register on the fast path. */
#define SLOW_FAULT ((uint64_t)1 << 32)
static NI uint64_t rd_slow(m68k_cpu *s, uint32_t addr, int sz) {
    uint32_t v;
    if (sz != 1 && (addr & 1)) return g0_fault(s, 3, addr, true, false), SLOW_FAULT;
    if (!m68k_rd(s, addr, sz, &v)) return g0_fault(s, 2, addr, true, false), SLOW_FAULT;
    return v;
}
static NI bool wr_slow(m68k_cpu *s, uint32_t addr, uint32_t v, int sz) {
    if (sz != 1 && (addr & 1)) return g0_fault(s, 3, addr, false, false);
    if (!m68k_wr(s, addr, sz, v)) return g0_fault(s, 2, addr, false, false);
    return true;
}

/* addr rotated right by one: an odd address becomes >= 2^31, above any
 * limit halved, so that one compare also sends it to the slow path, which
 * raises the address error */
static inline uint32_t ror1(uint32_t addr) { return addr >> 1 | addr << 31; }

/* an access of sz bytes at addr is plain RAM (m68k_mem_refresh). Below
 * hbase only the low range can hold it, from hbase on only the high one:
 * one compare picks the range, so that the stack, at the top of RAM above
 * the MMIO window, costs no more than the data below it (tried in turn,
 * the high range cost a failed compare of the low one first) */
AI bool fast_rd(const m68k_cpu *s, uint32_t addr, int sz) {
    if (sz == 1) return addr < s->hbase ? addr < s->rlim : addr - s->hbase < s->rhlen;
    uint32_t h = ror1(addr);
    return addr < s->hbase ? h < s->rlim_h : h - s->hbase_h < s->rhlen_h;
}
AI bool fast_wr(const m68k_cpu *s, uint32_t addr, int sz) {
    if (sz == 1) return addr < s->hbase ? addr - s->wbase < s->wlen : addr - s->whbase < s->whlen;
    uint32_t h = ror1(addr);
    return addr < s->hbase ? h - s->wbase_h < s->wlen_h : h - s->whbase_h < s->whlen_h;
}

/* a read fast_rd accepted */
AI uint32_t ram_get(const m68k_cpu *s, uint32_t addr, int sz) {
    const uint8_t *p = s->ram + addr;
    return sz == 1 ? p[0] : sz == 2 ? vl_be16(p) : vl_be32(p);
}
AI bool rd(m68k_cpu *s, uint32_t addr, int sz, uint32_t *v) {
    if (VL_LIKELY(fast_rd(s, addr, sz))) {
        *v = ram_get(s, addr, sz);
        return true;
    }
    uint64_t r = rd_slow(s, addr, sz);
    if (r & SLOW_FAULT) return false;
    *v = (uint32_t)r;
    return true;
}

/* a write fast_wr accepted */
AI void ram_put(m68k_cpu *s, uint32_t addr, uint32_t v, int sz) {
    uint8_t *p = s->ram + addr;
    if (sz == 1) p[0] = (uint8_t)v;
    else if (sz == 2) vl_put_be16(p, v);
    else vl_put_be32(p, v);
}
AI bool wr(m68k_cpu *s, uint32_t addr, uint32_t v, int sz) {
    if (VL_LIKELY(fast_wr(s, addr, sz))) {
        ram_put(s, addr, v, sz);
        return true;
    }
    return wr_slow(s, addr, v, sz);
}

/* The flags an instruction set before a write that faulted: the 68000
 * keeps them (the vectors say so), but a fault the monitor intercepts
 * undoes the instruction, flags included. The old flags are copied only
 * where a fault is possible, so that the intercepting loop need not save
 * them before every store (see save_kind). */
typedef struct { uint8_t f[5]; } ccr_copy;
AI ccr_copy ccr_get(const m68k_cpu *s) { return (ccr_copy){ { s->fx, s->fn, s->fz, s->fv, s->fc } }; }
static COLD void ccr_undo(m68k_cpu *s, ccr_copy c) {
    if (s->f_vector >= 0 && intercepted(s, s->f_vector)) {
        s->fx = c.f[0]; s->fn = c.f[1]; s->fz = c.f[2]; s->fv = c.f[3]; s->fc = c.f[4];
    }
}
static NI bool wr_slow_ccr(m68k_cpu *s, uint32_t addr, uint32_t v, int sz, ccr_copy c) {
    if (wr_slow(s, addr, v, sz)) return true;
    ccr_undo(s, c);
    return false;
}
/* Return after writing `expr` (which may set the flags) to addr: on RAM
 * that cannot fault, computed and stored; else as the 68000 does, the
 * flags set and then the write, which may fault (and be undone). */
#define WR_RESULT(addr, sz, expr)                                               \
    do {                                                                        \
        if (VL_LIKELY(fast_wr(s, addr, sz))) {                                  \
            ram_put(s, addr, (expr), sz);                                       \
            return true;                                                        \
        }                                                                       \
        ccr_copy old_ = ccr_get(s);                                             \
        uint32_t r_ = (expr);                                                   \
        return wr_slow_ccr(s, addr, r_, sz, old_);                              \
    } while (0)

#if !CHK_EXT
static hfn chtab[M68K_NMODELS][65536];
/* The instruction again from its first extension word, through its
 * checked handler: for a read off the fast path that nothing before it in
 * the handler changed anything but pc for (ea_src, RMW_RESULT), so that
 * the fast handler's slow path is a jump and holds no registers across a
 * call. REDO(s) is false: the handler returns at once. */
static NI void redo(m68k_cpu *s) {
    (void)chtab[s->variant][s->ir](s, s->ir, s->insn_pc + 2);
}
#define REDO(s) (redo(s), false)
#else
#define REDO(s) ((void)(s), false) /* never: the checked handlers do not redo */
#endif
/* Return after a read-modify-write of the memory operand (mode, reg): the
 * value read is d in `expr`, which gives the value to write (and may set
 * the flags). Every write range lies inside a read range
 * (m68k_mem_refresh), so that an address fast_wr accepts is read straight
 * from RAM as well: one check for both accesses. Otherwise, when the
 * operand's address changed no register (every caller has changed
 * nothing else before), the instruction again through its checked
 * handler (REDO); else as the 68000 does: the read, which may fault, then
 * WR_RESULT. */
#define RMW_RESULT(mode, reg, sz, d, expr)                                      \
    do {                                                                        \
        uint32_t a_, d;                                                         \
        TRY(ea_addr(s, mode, reg, sz, &a_));                                    \
        if (VL_LIKELY(fast_wr(s, a_, sz))) {                                    \
            d = ram_get(s, a_, sz);                                             \
            ram_put(s, a_, (expr), sz);                                         \
            return true;                                                        \
        }                                                                       \
        if (!CHK_EXT && (mode) != 3 && (mode) != 4) return REDO(s);             \
        TRY(rd(s, a_, sz, &d));                                                 \
        WR_RESULT(a_, sz, expr);                                                \
    } while (0)

static NI uint64_t fetch_slow(m68k_cpu *s) {
    uint32_t pc = s->pc, v;
    if (pc & 1) return g0_fault(s, 3, pc, true, true), SLOW_FAULT;
    if (!m68k_rd(s, pc, 2, &v)) return g0_fault(s, 2, pc, true, true), SLOW_FAULT;
    s->pc = pc + 2;
    return v;
}

/* the opcode fetch of the checking loop and of an instruction at the edge
 * of the fast range (fast_loop): always checked */
AI bool fetch_op(m68k_cpu *s, uint32_t *v) {
    uint32_t pc = s->pc;
    if (VL_LIKELY(fast_rd(s, pc, 2))) {
        s->pc = pc + 2;
        *v = vl_be16(s->ram + pc);
        return true;
    }
    uint64_t r = fetch_slow(s);
    if (r & SLOW_FAULT) return false;
    *v = (uint32_t)r;
    return true;
}

/* an extension word: unchecked in htab's handlers, whose whole instruction
 * is known to be RAM (see the top), checked in exec_chk.c's */
AI bool fetch16(m68k_cpu *s, uint32_t *v) {
    if (!CHK_EXT) {
        uint32_t pc = s->pc;
        s->pc = pc + 2;
        *v = vl_be16(s->ram + pc);
        return true;
    }
    return fetch_op(s, v);
}

/* two words under one check: fast_rd of 4 bytes covers both (an odd pc
 * fails it too); otherwise word by word, so that a fault on the second
 * word leaves pc after the first, as it stacks */
AI bool fetch32(m68k_cpu *s, uint32_t *v) {
    uint32_t pc = s->pc;
    if (!CHK_EXT || VL_LIKELY(fast_rd(s, pc, 4))) {
        s->pc = pc + 4;
        *v = vl_be32(s->ram + pc);
        return true;
    }
    uint32_t hi, lo;
    TRY(fetch16(s, &hi));
    TRY(fetch16(s, &lo));
    *v = hi << 16 | lo;
    return true;
}

/* push/pop on the active stack */
AI bool push32(m68k_cpu *s, uint32_t v) { s->a[7] -= 4; return wr(s, s->a[7], v, 4); }
AI bool pop32(m68k_cpu *s, uint32_t *v) { TRY(rd(s, s->a[7], 4, v)); s->a[7] += 4; return true; }
AI bool pop16(m68k_cpu *s, uint32_t *v) { TRY(rd(s, s->a[7], 2, v)); s->a[7] += 2; return true; }

/* ---- effective addresses ---------------------------------------------------- */
AI bool idx(m68k_cpu *s, uint32_t base, uint32_t *a) {
    uint32_t ext;
    TRY(fetch16(s, &ext));
    unsigned r = (ext >> 12) & 15;
    uint32_t x = r < 8 ? s->d[r] : s->a[r - 8];
    if (!(ext & 0x800)) x = (uint32_t)(int32_t)(int16_t)x;
    *a = base + (uint32_t)(int32_t)(int8_t)ext + x;
    return true;
}

/* a 16-bit displacement from base */
AI bool disp16(m68k_cpu *s, uint32_t base, uint32_t *a) {
    uint32_t w;
    TRY(fetch16(s, &w));
    *a = base + (uint32_t)(int32_t)(int16_t)w;
    return true;
}

/* address of a memory EA (modes 2..7/3) */
AI bool ea_addr(m68k_cpu *s, unsigned mode, unsigned reg, int sz, uint32_t *ap) {
    switch (mode) {
    case 2: *ap = s->a[reg]; return true;
    case 3: {
        uint32_t a = s->a[reg];
        s->a[reg] = a + ((sz == 1 && reg == 7) ? 2 : (uint32_t)sz);
        if (sz == 4) { s->l_reg = (uint8_t)reg; s->l_addr = a; s->l_delta = 4; }
        *ap = a;
        return true;
    }
    case 4:
        s->a[reg] -= (sz == 1 && reg == 7) ? 2 : (uint32_t)sz;
        *ap = s->a[reg];
        return true;
    case 5: return disp16(s, s->a[reg], ap);
    case 6: return idx(s, s->a[reg], ap);
    default:
        switch (reg) {
        case 0: return disp16(s, 0, ap);
        case 1: return fetch32(s, ap);
        case 2: return disp16(s, s->pc, ap);
        default: return idx(s, s->pc, ap);
        }
    }
}

/* read an operand of any mode */
AI bool ea_read(m68k_cpu *s, unsigned ea6, int sz, uint32_t *v) {
    unsigned mode = (ea6 >> 3) & 7, reg = ea6 & 7;
    if (mode == 0) { *v = s->d[reg] & MASK(sz); return true; }
    if (mode == 1) { *v = s->a[reg] & MASK(sz); return true; }
    if (mode == 7 && reg == 4) {
        if (sz == 4) return fetch32(s, v);
        TRY(fetch16(s, v));
        *v &= MASK(sz);
        return true;
    }
    uint32_t a;
    TRY(ea_addr(s, mode, reg, sz, &a));
    return rd(s, a, sz, v);
}

/* ea_read for the first thing a handler does: in htab's handlers a memory
 * operand whose address changes no register ((An), d16(An), d8(An,Xn),
 * abs, PC-relative) that is not plain RAM runs the instruction again in
 * its checked handler (redo), which then holds all that is left of it:
 * the handler returns false at once (its result is not read, see H) */
AI bool ea_src(m68k_cpu *s, uint32_t op, int sz, uint32_t *v) {
    unsigned mode = (op >> 3) & 7, reg = op & 7;
    if (CHK_EXT || mode < 2 || mode == 3 || mode == 4 || (mode == 7 && reg == 4)) return ea_read(s, op & 0x3F, sz, v);
    uint32_t a;
    TRY(ea_addr(s, mode, reg, sz, &a));
    if (VL_LIKELY(fast_rd(s, a, sz))) {
        *v = ram_get(s, a, sz);
        return true;
    }
    return REDO(s);
}

AI void set_d(m68k_cpu *s, unsigned r, uint32_t v, int sz) {
    if (sz == 4) s->d[r] = v;
    else s->d[r] = (s->d[r] & ~MASK(sz)) | (v & MASK(sz));
}

/* the address and value of a memory operand (the address is kept for a write back) */
AI bool ea_mem(m68k_cpu *s, unsigned mode, unsigned reg, int sz, uint32_t *a, uint32_t *v) {
    TRY(ea_addr(s, mode, reg, sz, a));
    return rd(s, *a, sz, v);
}

/* write an operand (data alterable modes) */
AI bool ea_write(m68k_cpu *s, unsigned ea6, uint32_t v, int sz) {
    unsigned mode = (ea6 >> 3) & 7, reg = ea6 & 7;
    if (mode == 0) { set_d(s, reg, v, sz); return true; }
    if (mode == 1) { s->a[reg] = v; return true; }
    uint32_t a;
    TRY(ea_addr(s, mode, reg, sz, &a));
    return wr(s, a, v, sz);
}

/* ---- flags ------------------------------------------------------------------ */
AI void nz(m68k_cpu *s, uint32_t r, int sz) {
    if (sz == 1) { s->fn = (int8_t)r < 0; s->fz = (uint8_t)r == 0; }
    else if (sz == 2) { s->fn = (int16_t)r < 0; s->fz = (uint16_t)r == 0; }
    else { s->fn = (int32_t)r < 0; s->fz = r == 0; }
}
AI void logic_flags(m68k_cpu *s, uint32_t r, int sz) { nz(s, r, sz); s->fv = 0; s->fc = 0; }

/* d + v and d - v without X in (d and v already masked to the size): the
 * host's own carry and overflow (the builtins at the operand's width compile
 * to one add or sub and setcc stores), where the general formulas below cost
 * four times as many instructions on the hottest operations (CMP, ADD, SUB,
 * ADDQ, SUBQ). */
/* the carry as a compare of the operands (sub) or of the result with an
 * operand (add), not a second builtin: the compiler then does the
 * operation once where it did it twice (once per builtin) */
#define ARITH_NX(OP, T, ST) do { \
    ST sr; \
    s->fv = __builtin_##OP##_overflow((ST)d, (ST)v, &sr); \
    s->fc = ARITH_C_##OP((T)d, (T)v, (T)sr); \
    s->fn = sr < 0; \
    s->fz = sr == 0; \
    r = (T)sr; \
} while (0)
#define ARITH_C_sub(d, v, r) ((d) < (v))
#define ARITH_C_add(d, v, r) ((r) < (d))
#define ARITH_NX_SZ(OP) do { \
    if (sz == 1) ARITH_NX(OP, uint8_t, int8_t); \
    else if (sz == 2) ARITH_NX(OP, uint16_t, int16_t); \
    else ARITH_NX(OP, uint32_t, int32_t); \
} while (0)
AI uint32_t arith_nx(m68k_cpu *s, uint32_t d, uint32_t v, int sz, bool setx, bool sub) {
    uint32_t r;
    if (sub) ARITH_NX_SZ(sub);
    else ARITH_NX_SZ(add);
    if (setx) s->fx = s->fc;
    return r;
}
#undef ARITH_NX_SZ
#undef ARITH_NX
#undef ARITH_C_sub
#undef ARITH_C_add

AI uint32_t do_add(m68k_cpu *s, uint32_t d, uint32_t v, uint32_t x, int sz, bool setx, bool addx) {
    if (!addx) return arith_nx(s, d, v, sz, setx, false); /* x is 0 */
    uint32_t r = (d + v + x) & MASK(sz);
    uint32_t m = MSB(sz);
    s->fv = ((v ^ r) & (d ^ r) & m) != 0;
    s->fc = (((v & d) | (~r & (v | d))) & m) != 0;
    s->fn = (r & m) != 0;
    if (addx) { if (r) s->fz = 0; }
    else s->fz = r == 0;
    if (setx) s->fx = s->fc;
    return r;
}

AI uint32_t do_sub(m68k_cpu *s, uint32_t d, uint32_t v, uint32_t x, int sz, bool setx, bool subx) {
    if (!subx) return arith_nx(s, d, v, sz, setx, true); /* x is 0 */
    uint32_t r = (d - v - x) & MASK(sz);
    uint32_t m = MSB(sz);
    s->fv = ((v ^ d) & (r ^ d) & m) != 0;
    s->fc = (((v & r) | (~d & (v | r))) & m) != 0;
    s->fn = (r & m) != 0;
    if (subx) { if (r) s->fz = 0; }
    else s->fz = r == 0;
    if (setx) s->fx = s->fc;
    return r;
}

/* ---- handlers ----------------------------------------------------------------- */
/* A handler's body returns false when the instruction faulted or stopped
 * (the run loop reads s->f_vector), true when it completed; the handler
 * does not pass that on, its callers read f_pend (see pend), so that no
 * handler spends an instruction on a result the fast loop never reads.
 * The handler takes the pc after the opcode (npc) and returns s->pc as
 * the body left it: the store of npc is in the handler, so that the
 * compiler knows s->pc there (the body's fetches and PC-relative
 * operands read no memory for it), and the fast loop keeps the pc in a
 * register from one instruction to the next, where a store and a load of
 * s->pc each time would chain every instruction's opcode fetch to the
 * previous one through the store buffer. */
#define H(name)                                                                 \
    AI bool name##_body(m68k_cpu *s, uint32_t op);                              \
    static uint32_t name(m68k_cpu *s, uint32_t op, uint32_t npc) {             \
        s->pc = npc;                                                            \
        (void)name##_body(s, op);                                               \
        return s->pc;                                                           \
    }                                                                           \
    AI bool name##_body(m68k_cpu *s, uint32_t op)
#define SIZED(name, body_fn) \
    H(name##_b) { return body_fn(s, op, 1); } \
    H(name##_w) { return body_fn(s, op, 2); } \
    H(name##_l) { return body_fn(s, op, 4); }

/* Specialised handlers. The table picks, for the hot operations, a handler
 * per EA mode (em 0..11: Dn An (An) (An)+ -(An) d16(An) d8(An,Xn) abs.w
 * abs.l d16(PC) d8(PC,Xn) #imm; for MOVE also per destination mode) or per
 * condition code. Each such handler sets the EA bits of op to the ones the
 * table picked it by, which changes nothing in op but tells the compiler
 * the mode: the mode switches of the inlined body fold away. */
#define EM_MASK(em) ((em) < 7 ? 0x38u : 0x3Fu)
#define EM_BITS(em) ((em) < 7 ? (unsigned)(em) << 3 : 0x38u | ((em) - 7u))
#define EM_OP(op, em) (((op) & ~EM_MASK(em)) | EM_BITS(em))
/* the MOVE destination field (bits 11..6: reg, mode) */
#define DM_OP(op, em) (((op) & ~((em) < 7 ? 0x1C0u : 0xFC0u)) | ((em) < 7 ? (unsigned)(em) << 6 : 0x1C0u | ((em) - 7u) << 9))
#define EM_LIST(X, a, b) X(0, a, b) X(1, a, b) X(2, a, b) X(3, a, b) X(4, a, b) X(5, a, b) \
    X(6, a, b) X(7, a, b) X(8, a, b) X(9, a, b) X(10, a, b) X(11, a, b)
#define EM_FN(em, name, fn) H(name##_e##em) { return fn(s, EM_OP(op, em)); }
#define EM_REF(em, name, fn) name##_e##em,
/* name_e0..name_e11 from fn(s, op), and the array name_e[em] */
#define EM_SET(name, fn) EM_LIST(EM_FN, name, fn) static const hfn name##_e[12] = { EM_LIST(EM_REF, name, fn) };
/* the same per size from fn(s, op, sz) */
#define EM_SZ(name, fn, sz) AI bool name##_z(m68k_cpu *s, uint32_t op) { return fn(s, op, sz); } EM_SET(name, name##_z)
#define SIZED_EM(name, fn) EM_SZ(name##_b, fn, 1) EM_SZ(name##_w, fn, 2) EM_SZ(name##_l, fn, 4)
#define WL_EM(name, fn) EM_SZ(name##_w, fn, 2) EM_SZ(name##_l, fn, 4)
/* per condition code (bits 11..8): name_c[cc] from fn(s, op, cc) */
#define CC_LIST(X, a, b) X(0, a, b) X(1, a, b) X(2, a, b) X(3, a, b) X(4, a, b) X(5, a, b) X(6, a, b) \
    X(7, a, b) X(8, a, b) X(9, a, b) X(10, a, b) X(11, a, b) X(12, a, b) X(13, a, b) X(14, a, b) X(15, a, b)
#define CC_FN(cc, name, fn) H(name##_c##cc) { return fn(s, op, cc); }
#define CC_REF(cc, name, fn) name##_c##cc,
#define CC_SET(name, fn) CC_LIST(CC_FN, name, fn) static const hfn name##_c[16] = { CC_LIST(CC_REF, name, fn) };

#define DN (s->d[(op >> 9) & 7])
#define AN (s->a[(op >> 9) & 7])

static COLD bool illegal(m68k_cpu *s) { return exc(s, 4, s->insn_pc); }
static COLD bool privilege(m68k_cpu *s) { return exc(s, 8, s->insn_pc); }
#define SUPER_ONLY() do { if (!(s->sr & 0x2000)) return privilege(s); } while (0)

H(h_illegal) { (void)op; return illegal(s); }
H(h_linea) { (void)op; return exc(s, 10, s->insn_pc); }
H(h_linef) { (void)op; return exc(s, 11, s->insn_pc); }

/* jump with the 68000's odd-address check; `stacked` is the PC the address
 * error frame gets. vectors: Bcc/BRA/JMP/RTS/RTR/RTE stack the instruction
 * address + 2, DBcc + 4, JSR the return address, BSR the target. */
AI bool jump(m68k_cpu *s, uint32_t target, uint32_t stacked) {
    if (target & 1) return jump_odd(s, target, stacked);
    s->pc = target;
    return true;
}
/* branch: a branch to itself stops the core (HALT) */
AI bool branch(m68k_cpu *s, uint32_t target, uint32_t stacked) {
    TRY(jump(s, target, stacked));
    if (VL_UNLIKELY(target == s->insn_pc)) return stop_now(s, VLAB_STOP_HALT, target);
    return true;
}

/* -- immediate group: ORI ANDI SUBI ADDI EORI CMPI -- */
enum { K_OR, K_AND, K_SUB, K_ADD, K_EOR, K_CMP };
AI uint32_t alu(m68k_cpu *s, int k, uint32_t d, uint32_t v, int sz) {
    switch (k) {
    case K_OR: { uint32_t r = (d | v) & MASK(sz); logic_flags(s, r, sz); return r; }
    case K_AND: { uint32_t r = d & v & MASK(sz); logic_flags(s, r, sz); return r; }
    case K_EOR: { uint32_t r = (d ^ v) & MASK(sz); logic_flags(s, r, sz); return r; }
    case K_ADD: return do_add(s, d, v, 0, sz, true, false);
    case K_SUB: return do_sub(s, d, v, 0, sz, true, false);
    default: do_sub(s, d, v, 0, sz, false, false); return d;
    }
}

/* the immediate operand of the instruction size */
AI bool imm(m68k_cpu *s, int sz, uint32_t *v) {
    if (sz == 4) return fetch32(s, v);
    TRY(fetch16(s, v));
    *v &= MASK(sz);
    return true;
}

AI bool imm_op(m68k_cpu *s, uint32_t op, int sz, int k) {
    uint32_t v;
    TRY(imm(s, sz, &v));
    unsigned mode = (op >> 3) & 7, reg = op & 7;
    if (mode == 0) {
        uint32_t r = alu(s, k, s->d[reg] & MASK(sz), v, sz);
        if (k != K_CMP) set_d(s, reg, r, sz);
        return true;
    }
    if (k == K_CMP) {
        uint32_t a, d;
        TRY(ea_mem(s, mode, reg, sz, &a, &d));
        alu(s, k, d, v, sz);
        return true;
    }
    RMW_RESULT(mode, reg, sz, d, alu(s, k, d, v, sz));
}
AI bool ori_(m68k_cpu *s, uint32_t op, int sz) { return imm_op(s, op, sz, K_OR); }
AI bool andi_(m68k_cpu *s, uint32_t op, int sz) { return imm_op(s, op, sz, K_AND); }
AI bool subi_(m68k_cpu *s, uint32_t op, int sz) { return imm_op(s, op, sz, K_SUB); }
AI bool addi_(m68k_cpu *s, uint32_t op, int sz) { return imm_op(s, op, sz, K_ADD); }
AI bool eori_(m68k_cpu *s, uint32_t op, int sz) { return imm_op(s, op, sz, K_EOR); }
AI bool cmpi_(m68k_cpu *s, uint32_t op, int sz) { return imm_op(s, op, sz, K_CMP); }
SIZED_EM(h_ori, ori_)
SIZED_EM(h_andi, andi_)
SIZED_EM(h_subi, subi_)
SIZED_EM(h_addi, addi_)
SIZED_EM(h_eori, eori_)
SIZED_EM(h_cmpi, cmpi_)

/* <ea>,Dn forms */
AI bool ea_dn(m68k_cpu *s, uint32_t op, int sz, int k) {
    uint32_t v;
    TRY(ea_src(s, op, sz, &v));
    unsigned r = (op >> 9) & 7;
    uint32_t res = alu(s, k, s->d[r] & MASK(sz), v, sz);
    if (k != K_CMP) set_d(s, r, res, sz);
    return true;
}
/* Dn,<ea> forms (memory; EOR also Dn) */
AI bool dn_ea(m68k_cpu *s, uint32_t op, int sz, int k) {
    uint32_t v = s->d[(op >> 9) & 7] & MASK(sz);
    unsigned mode = (op >> 3) & 7, reg = op & 7;
    if (mode == 0) { set_d(s, reg, alu(s, k, s->d[reg] & MASK(sz), v, sz), sz); return true; }
    RMW_RESULT(mode, reg, sz, d, alu(s, k, d, v, sz));
}
AI bool or_ea_dn(m68k_cpu *s, uint32_t op, int sz) { return ea_dn(s, op, sz, K_OR); }
AI bool and_ea_dn(m68k_cpu *s, uint32_t op, int sz) { return ea_dn(s, op, sz, K_AND); }
AI bool add_ea_dn(m68k_cpu *s, uint32_t op, int sz) { return ea_dn(s, op, sz, K_ADD); }
AI bool sub_ea_dn(m68k_cpu *s, uint32_t op, int sz) { return ea_dn(s, op, sz, K_SUB); }
AI bool cmp_ea_dn(m68k_cpu *s, uint32_t op, int sz) { return ea_dn(s, op, sz, K_CMP); }
AI bool or_dn_ea(m68k_cpu *s, uint32_t op, int sz) { return dn_ea(s, op, sz, K_OR); }
AI bool and_dn_ea(m68k_cpu *s, uint32_t op, int sz) { return dn_ea(s, op, sz, K_AND); }
AI bool eor_dn_ea(m68k_cpu *s, uint32_t op, int sz) { return dn_ea(s, op, sz, K_EOR); }
AI bool add_dn_ea(m68k_cpu *s, uint32_t op, int sz) { return dn_ea(s, op, sz, K_ADD); }
AI bool sub_dn_ea(m68k_cpu *s, uint32_t op, int sz) { return dn_ea(s, op, sz, K_SUB); }
SIZED_EM(h_or_ea_dn, or_ea_dn)
SIZED_EM(h_and_ea_dn, and_ea_dn)
SIZED_EM(h_add_ea_dn, add_ea_dn)
SIZED_EM(h_sub_ea_dn, sub_ea_dn)
SIZED_EM(h_cmp_ea_dn, cmp_ea_dn)
SIZED_EM(h_or_dn_ea, or_dn_ea)
SIZED_EM(h_and_dn_ea, and_dn_ea)
SIZED_EM(h_eor_dn_ea, eor_dn_ea)
SIZED_EM(h_add_dn_ea, add_dn_ea)
SIZED_EM(h_sub_dn_ea, sub_dn_ea)

/* ADDA/SUBA/CMPA */
AI bool adda_(m68k_cpu *s, uint32_t op, int sz) {
    uint32_t v;
    TRY(ea_src(s, op, sz, &v));
    AN += SEXT(v, sz);
    return true;
}
AI bool suba_(m68k_cpu *s, uint32_t op, int sz) {
    uint32_t v;
    TRY(ea_src(s, op, sz, &v));
    AN -= SEXT(v, sz);
    return true;
}
AI bool cmpa_(m68k_cpu *s, uint32_t op, int sz) {
    uint32_t v;
    TRY(ea_src(s, op, sz, &v));
    do_sub(s, AN, SEXT(v, sz), 0, 4, false, false);
    return true;
}
WL_EM(h_adda, adda_)
WL_EM(h_suba, suba_)
WL_EM(h_cmpa, cmpa_)

/* ADDX/SUBX */
AI bool addx_r(m68k_cpu *s, uint32_t op, int sz) {
    unsigned rx = (op >> 9) & 7, ry = op & 7;
    set_d(s, rx, do_add(s, s->d[rx] & MASK(sz), s->d[ry] & MASK(sz), s->fx, sz, true, true), sz);
    return true;
}
AI bool subx_r(m68k_cpu *s, uint32_t op, int sz) {
    unsigned rx = (op >> 9) & 7, ry = op & 7;
    set_d(s, rx, do_sub(s, s->d[rx] & MASK(sz), s->d[ry] & MASK(sz), s->fx, sz, true, true), sz);
    return true;
}
/* vectors: ADDX.l/SUBX.l -(An) read the low word first; on an odd address
 * the fault reports An - 2 and An is left as it was */
#define XL_CHECK(r) do { if (sz == 4 && (s->a[r] & 1)) return g0_fault(s, 3, s->a[r] - 2, true, false); } while (0)
AI bool addsubx_m(m68k_cpu *s, uint32_t op, int sz, bool sub) {
    unsigned rx = (op >> 9) & 7, ry = op & 7;
    uint32_t a, v, d;
    XL_CHECK(ry);
    TRY(ea_mem(s, 4, ry, sz, &a, &v));
    XL_CHECK(rx);
    TRY(ea_mem(s, 4, rx, sz, &a, &d));
    return wr(s, a, sub ? do_sub(s, d, v, s->fx, sz, true, true) : do_add(s, d, v, s->fx, sz, true, true), sz);
}
AI bool addx_m(m68k_cpu *s, uint32_t op, int sz) { return addsubx_m(s, op, sz, false); }
AI bool subx_m(m68k_cpu *s, uint32_t op, int sz) { return addsubx_m(s, op, sz, true); }
SIZED(h_addx_r, addx_r)
SIZED(h_subx_r, subx_r)
SIZED(h_addx_m, addx_m)
SIZED(h_subx_m, subx_m)

/* CMPM */
AI bool cmpm_(m68k_cpu *s, uint32_t op, int sz) {
    unsigned ry = op & 7, rx = (op >> 9) & 7;
    uint32_t a, v, d;
    /* vectors: an odd source leaves Ay + 2, an odd destination leaves Ax as it was */
    if (sz != 1 && (s->a[ry] & 1)) { a = s->a[ry]; s->a[ry] += 2; return g0_fault(s, 3, a, true, false); }
    TRY(ea_mem(s, 3, ry, sz, &a, &v));
    if (sz != 1 && (s->a[rx] & 1)) return g0_fault(s, 3, s->a[rx], true, false);
    TRY(ea_mem(s, 3, rx, sz, &a, &d));
    do_sub(s, d, v, 0, sz, false, false);
    return true;
}
SIZED(h_cmpm, cmpm_)

/* ADDQ/SUBQ */
AI bool q_(m68k_cpu *s, uint32_t op, int sz, bool sub) {
    uint32_t q = (((op >> 9) - 1) & 7) + 1; /* 0 means 8, without a branch */
    unsigned mode = (op >> 3) & 7, reg = op & 7;
    if (mode == 1) { if (sub) s->a[reg] -= q; else s->a[reg] += q; return true; }
    if (mode == 0) {
        uint32_t d = s->d[reg] & MASK(sz);
        set_d(s, reg, sub ? do_sub(s, d, q, 0, sz, true, false) : do_add(s, d, q, 0, sz, true, false), sz);
        return true;
    }
    RMW_RESULT(mode, reg, sz, d, sub ? do_sub(s, d, q, 0, sz, true, false) : do_add(s, d, q, 0, sz, true, false));
}
AI bool addq_(m68k_cpu *s, uint32_t op, int sz) { return q_(s, op, sz, false); }
AI bool subq_(m68k_cpu *s, uint32_t op, int sz) { return q_(s, op, sz, true); }
SIZED_EM(h_addq, addq_)
SIZED_EM(h_subq, subq_)

/* one-operand: NEGX CLR NEG NOT TST */
enum { U_NEGX, U_CLR, U_NEG, U_NOT, U_TST };
AI uint32_t unop(m68k_cpu *s, int k, uint32_t d, int sz) {
    switch (k) {
    case U_NEGX: return do_sub(s, 0, d, s->fx, sz, true, true);
    case U_CLR: s->fn = 0; s->fz = 1; s->fv = 0; s->fc = 0; return 0;
    case U_NEG: return do_sub(s, 0, d, 0, sz, true, false);
    case U_NOT: { uint32_t r = ~d & MASK(sz); logic_flags(s, r, sz); return r; }
    default: logic_flags(s, d, sz); return d;
    }
}
AI bool un_(m68k_cpu *s, uint32_t op, int sz, int k) {
    unsigned mode = (op >> 3) & 7, reg = op & 7;
    if (mode == 0) {
        uint32_t r = unop(s, k, s->d[reg] & MASK(sz), sz);
        if (k != U_TST) set_d(s, reg, r, sz);
        return true;
    }
    if (k == U_TST) {
        uint32_t a, d;
        TRY(ea_mem(s, mode, reg, sz, &a, &d));
        unop(s, k, d, sz);
        return true;
    }
    RMW_RESULT(mode, reg, sz, d, unop(s, k, d, sz)); /* the 68000 reads before CLR too */
}
AI bool negx_(m68k_cpu *s, uint32_t op, int sz) { return un_(s, op, sz, U_NEGX); }
AI bool clr_(m68k_cpu *s, uint32_t op, int sz) { return un_(s, op, sz, U_CLR); }
AI bool neg_(m68k_cpu *s, uint32_t op, int sz) { return un_(s, op, sz, U_NEG); }
AI bool not_(m68k_cpu *s, uint32_t op, int sz) { return un_(s, op, sz, U_NOT); }
AI bool tst_(m68k_cpu *s, uint32_t op, int sz) { return un_(s, op, sz, U_TST); }
SIZED_EM(h_negx, negx_)
SIZED_EM(h_clr, clr_)
SIZED_EM(h_neg, neg_)
SIZED_EM(h_not, not_)
SIZED_EM(h_tst, tst_)

/* MOVE */
/* A word/long MOVE whose destination write faults. vectors (MAME's
 * microcode): (An)+ and long -(An) are not updated; a long -(An) writes the low
 * word first, so the fault reports An - 2; MOVE.w -(An) has already fetched
 * the next opcode into IR; and the flags of MOVE.l are those the microcode
 * had computed when the first write failed: destination (An)/(An)+ with a
 * register source: unchanged; with a memory source: N and Z of the low word,
 * V = C = 0; d16(An) with a register source: N and Z, V and C unchanged;
 * otherwise: all. A word -(An) is decremented. */
static COLD bool move_fault(m68k_cpu *s, uint32_t op, int sz, uint32_t v, uint32_t a) {
    unsigned dmode = (op >> 6) & 7, smode = (op >> 3) & 7;
    ccr_copy old = ccr_get(s);
    if (sz == 2) logic_flags(s, v, 2);
    else if (dmode == 2 || dmode == 3) {
        if (smode >= 2) logic_flags(s, v, 2);
    } else if (dmode == 5 && smode < 2) nz(s, v, 4);
    else logic_flags(s, v, 4);
    if (dmode == 4 && sz == 4) a += 2;
    if (dmode == 4 && sz == 2) {
        uint32_t w;
        pend(s);
        s->f_vector = 3;
        s->f_addr = a;
        s->f_info = (uint16_t)fc_data(s);
        s->f_pc = s->pc + 2;
        s->f_group0 = true;
        if (m68k_rd(s, s->pc, 2, &w)) s->ir = (uint16_t)w;
        ccr_undo(s, old);
        return false;
    }
    g0_fault(s, 3, a, false, false);
    ccr_undo(s, old);
    return false;
}

AI bool move_(m68k_cpu *s, uint32_t op, int sz) {
    uint32_t v;
    TRY(ea_src(s, op, sz, &v));
    unsigned dmode = (op >> 6) & 7, dreg = (op >> 9) & 7;
    if (dmode == 0) { logic_flags(s, v, sz); set_d(s, dreg, v, sz); return true; }
    uint32_t a;
    if (sz == 1) TRY(ea_addr(s, dmode, dreg, sz, &a));
    else {
        switch (dmode) {
        case 2: a = s->a[dreg]; break;
        case 3: a = s->a[dreg]; if (!(a & 1)) s->a[dreg] = a + (uint32_t)sz; break;
        case 4: a = s->a[dreg] - (uint32_t)sz; if (!(a & 1) || sz == 2) s->a[dreg] = a; break;
        default: TRY(ea_addr(s, dmode, dreg, sz, &a)); break;
        }
        /* an odd address fails fast_wr too: the odd test only off the
         * fast path */
        if (VL_LIKELY(fast_wr(s, a, sz))) {
            logic_flags(s, v, sz);
            ram_put(s, a, v, sz);
            return true;
        }
        /* ir, not op: the op the handler rebuilt (EM_OP, DM_OP) is the
         * same word, but the compiler built it before the fast path */
        if (a & 1) return move_fault(s, s->ir, sz, v, a);
    }
    WR_RESULT(a, sz, (logic_flags(s, v, sz), v));
}
/* MOVE per size, source mode (em 0..11) and destination mode (0..8: Dn,
 * and An stands for MOVEA's, never picked, up to abs.l): h_move_b_x[src][dst] */
#define MV_FN(de, se, sz) H(h_move_##sz##_##se##_##de) { return move_(s, DM_OP(EM_OP(op, se), de), SZ_##sz); }
#define MV_REF(de, se, sz) h_move_##sz##_##se##_##de,
#define DM_LIST(X, a, b) X(0, a, b) X(1, a, b) X(2, a, b) X(3, a, b) X(4, a, b) X(5, a, b) X(6, a, b) X(7, a, b) X(8, a, b)
#define MV_ROW(se, sz, u) DM_LIST(MV_FN, se, sz)
#define MV_ROWREF(se, sz, u) { DM_LIST(MV_REF, se, sz) },
enum { SZ_b = 1, SZ_w = 2, SZ_l = 4 };
EM_LIST(MV_ROW, b, 0)
EM_LIST(MV_ROW, w, 0)
EM_LIST(MV_ROW, l, 0)
static const hfn h_move_b_x[12][9] = { EM_LIST(MV_ROWREF, b, 0) };
static const hfn h_move_w_x[12][9] = { EM_LIST(MV_ROWREF, w, 0) };
static const hfn h_move_l_x[12][9] = { EM_LIST(MV_ROWREF, l, 0) };
AI bool movea_(m68k_cpu *s, uint32_t op, int sz) {
    uint32_t v;
    TRY(ea_src(s, op, sz, &v));
    AN = SEXT(v, sz);
    return true;
}
WL_EM(h_movea, movea_)
/* one handler per sign of the data (PICK_Q): the flags are constants */
AI bool moveq_(m68k_cpu *s, uint32_t op, int sign) {
    DN = (uint32_t)(int32_t)(int8_t)op;
    s->fn = sign < 0;
    s->fz = sign == 0;
    s->fv = 0;
    s->fc = 0;
    return true;
}
H(h_moveq_n) { return moveq_(s, op, -1); }
H(h_moveq_z) { return moveq_(s, op, 0); }
H(h_moveq_p) { return moveq_(s, op, 1); }

/* LEA PEA */
AI bool lea_(m68k_cpu *s, uint32_t op) { uint32_t a; TRY(ea_addr(s, (op >> 3) & 7, op & 7, 4, &a)); AN = a; return true; }
AI bool pea_(m68k_cpu *s, uint32_t op) { uint32_t a; TRY(ea_addr(s, (op >> 3) & 7, op & 7, 4, &a)); return push32(s, a); }
EM_SET(h_lea, lea_)
EM_SET(h_pea, pea_)

/* EXG SWAP EXT */
H(h_exg_dd) { uint32_t t = DN; DN = s->d[op & 7]; s->d[op & 7] = t; return true; }
H(h_exg_aa) { uint32_t t = AN; AN = s->a[op & 7]; s->a[op & 7] = t; return true; }
H(h_exg_da) { uint32_t t = DN; DN = s->a[op & 7]; s->a[op & 7] = t; return true; }
H(h_swap) { uint32_t *d = &s->d[op & 7]; *d = *d << 16 | *d >> 16; logic_flags(s, *d, 4); return true; }
H(h_ext_w) { uint32_t *d = &s->d[op & 7]; set_d(s, op & 7, SEXT(*d, 1), 2); logic_flags(s, *d, 2); return true; }
H(h_ext_l) { uint32_t *d = &s->d[op & 7]; *d = SEXT(*d, 2); logic_flags(s, *d, 4); return true; }

/* LINK UNLK */
H(h_link) {
    unsigned r = op & 7;
    uint32_t w;
    TRY(fetch16(s, &w));
    TRY(push32(s, s->a[r]));
    s->a[r] = s->a[7];
    s->a[7] += (uint32_t)(int32_t)(int16_t)w;
    return true;
}
H(h_unlk) {
    unsigned r = op & 7;
    uint32_t v;
    TRY(rd(s, s->a[r], 4, &v));
    s->a[7] = s->a[r] + 4;
    s->a[r] = v;
    return true;
}

/* Scc DBcc */
AI bool scc_(m68k_cpu *s, uint32_t op, unsigned cc) {
    uint32_t v = cond(s, cc) ? 0xFF : 0, a, d;
    unsigned mode = (op >> 3) & 7, reg = op & 7;
    if (mode == 0) { set_d(s, reg, v, 1); return true; }
    TRY(ea_mem(s, mode, reg, 1, &a, &d)); /* the 68000 reads first */
    return wr(s, a, v, 1);
}
AI bool dbcc_(m68k_cpu *s, uint32_t op, unsigned cc) {
    uint32_t base = s->pc, w;
    TRY(fetch16(s, &w));
    if (cond(s, cc)) return true;
    unsigned r = op & 7;
    uint32_t target = base + (uint32_t)(int32_t)(int16_t)w;
    /* vectors: an odd target faults before the counter is decremented */
    if ((target & 1) && (s->d[r] & 0xFFFF) != 0) return jump_odd(s, target, s->insn_pc + 4);
    uint32_t c = (s->d[r] - 1) & 0xFFFF;
    set_d(s, r, c, 2);
    if (c != 0xFFFF) return jump(s, target, s->insn_pc + 4); /* a DBcc to itself is a delay loop, not a halt */
    return true;
}
CC_SET(h_scc, scc_)
CC_SET(h_dbcc, dbcc_)

/* Bcc BRA BSR: the displacement in the opcode, or the extension word */
AI bool bdisp(m68k_cpu *s, uint32_t op, int32_t *disp) {
    *disp = (int8_t)op;
    if (*disp == 0) {
        uint32_t w;
        TRY(fetch16(s, &w));
        *disp = (int16_t)w;
    }
    return true;
}
AI bool bcc_(m68k_cpu *s, uint32_t op, unsigned cc) {
    uint32_t base = s->pc;
    int32_t disp;
    TRY(bdisp(s, op, &disp));
    if (cond(s, cc)) return branch(s, base + (uint32_t)disp, s->insn_pc + 2);
    return true;
}
CC_SET(h_bcc, bcc_)
/* the short forms (short_disp): neither the odd target's fault nor the
 * halt on a branch to itself can happen */
AI bool bcc_s_(m68k_cpu *s, uint32_t op, unsigned cc) {
    if (cond(s, cc)) s->pc += (uint32_t)(int32_t)(int8_t)op;
    return true;
}
CC_SET(h_bcc_s, bcc_s_)
/* the 16-bit displacement form: the low byte of op known to be 0 */
AI bool bcc_w_(m68k_cpu *s, uint32_t op, unsigned cc) { return bcc_(s, op & ~0xFFu, cc); }
CC_SET(h_bcc_w, bcc_w_)
H(h_bra_s) {
    s->pc += (uint32_t)(int32_t)(int8_t)op;
    return true;
}
H(h_bsr_s) {
    uint32_t t = s->pc + (uint32_t)(int32_t)(int8_t)op;
    TRY(push32(s, s->pc));
    s->pc = t;
    return true;
}
H(h_bra) {
    uint32_t base = s->pc;
    int32_t disp;
    TRY(bdisp(s, op, &disp));
    return branch(s, base + (uint32_t)disp, s->insn_pc + 2);
}
H(h_bsr) {
    uint32_t base = s->pc;
    int32_t disp;
    TRY(bdisp(s, op, &disp));
    uint32_t t = base + (uint32_t)disp;
    /* natively the push comes before the odd target's fault; intercepted,
     * the monitor executes the BSR again on the guest's context, which
     * pushes: a push here too would write twice (and a device register
     * sees both writes), so the real CPU stops before it */
    if (VL_UNLIKELY(t & 1) && intercepted(s, 3)) return jump_odd(s, t, t);
    TRY(push32(s, s->pc));
    return jump(s, t, t);
}

/* JMP JSR RTS RTR RTE RTD */
AI bool jmp_(m68k_cpu *s, uint32_t op) { uint32_t a; TRY(ea_addr(s, (op >> 3) & 7, op & 7, 4, &a)); return branch(s, a, s->insn_pc + 2); }
AI bool jsr_(m68k_cpu *s, uint32_t op) {
    uint32_t a;
    TRY(ea_addr(s, (op >> 3) & 7, op & 7, 4, &a));
    if (a & 1) return jump_odd(s, a, s->pc); /* vectors: nothing is pushed */
    TRY(push32(s, s->pc));
    return jump(s, a, s->pc);
}
EM_SET(h_jmp, jmp_)
EM_SET(h_jsr, jsr_)
H(h_rts) { (void)op; uint32_t pc; TRY(pop32(s, &pc)); return jump(s, pc, s->insn_pc + 2); }
H(h_rtr) {
    (void)op;
    uint32_t ccr, pc;
    TRY(pop16(s, &ccr));
    TRY(pop32(s, &pc));
    set_ccr(s, ccr);
    return jump(s, pc, s->insn_pc + 2);
}
H(h_rtd) {
    (void)op;
    uint32_t w, pc;
    TRY(fetch16(s, &w));
    TRY(pop32(s, &pc));
    s->a[7] += (uint32_t)(int32_t)(int16_t)w;
    return jump(s, pc, s->insn_pc + 2);
}
H(h_rte) {
    (void)op;
    SUPER_ONLY();
    uint32_t sp = s->a[7], sr, pc;
    TRY(rd(s, sp, 2, &sr));
    TRY(rd(s, sp + 2, 4, &pc));
    uint32_t len = 6;
    if (s->variant == M68K_68010) {
        uint32_t fmt;
        TRY(rd(s, sp + 6, 2, &fmt));
        fmt >>= 12;
        if (fmt == 0) len = 8;
        else if (fmt == 8) len = 58;
        else return exc(s, 14, s->insn_pc);
    }
    s->a[7] = sp + len;
    m68k_set_sr(s, (uint16_t)sr);
    return jump(s, pc, s->insn_pc + 2);
}

/* TRAP TRAPV CHK ILLEGAL BKPT NOP RESET STOP */
H(h_trap) { return exc(s, 32 + (op & 15), s->pc); }
H(h_trapv) { (void)op; if (s->fv) return exc(s, 7, s->pc); return true; }
H(h_nop) { (void)s; (void)op; return true; }
H(h_reset) { (void)op; SUPER_ONLY(); return true; }
H(h_stop) {
    (void)op;
    SUPER_ONLY();
    uint32_t v;
    TRY(fetch16(s, &v));
    m68k_set_sr(s, (uint16_t)v);
    s->stopped = true;
    m68k_update_ithresh(s);
    /* the run loop decides whether an interrupt wakes it */
    return stop_now(s, 0, s->pc);
}
H(h_chk) {
    uint32_t b;
    TRY(ea_read(s, op & 0x3F, 2, &b));
    int16_t bound = (int16_t)b;
    int16_t v = (int16_t)DN;
    /* vectors: Z, V, C as MAME's 68000: Z from Dn.w, V and C cleared */
    s->fz = v == 0;
    s->fv = 0;
    s->fc = 0;
    if (v < 0) { s->fn = 1; return exc(s, 6, s->pc); }
    if (v > bound) { s->fn = 0; return exc(s, 6, s->pc); }
    s->fn = 0; /* vectors: N cleared when no trap */
    return true;
}

/* MULU MULS DIVU DIVS */
AI bool mulu_(m68k_cpu *s, uint32_t op) {
    uint32_t v;
    TRY(ea_read(s, op & 0x3F, 2, &v));
    uint32_t r = (DN & 0xFFFF) * v;
    DN = r;
    logic_flags(s, r, 4);
    return true;
}
AI bool muls_(m68k_cpu *s, uint32_t op) {
    uint32_t w;
    TRY(ea_read(s, op & 0x3F, 2, &w));
    int32_t v = (int16_t)w;
    uint32_t r = (uint32_t)((int32_t)(int16_t)DN * v);
    DN = r;
    logic_flags(s, r, 4);
    return true;
}
EM_SET(h_mulu, mulu_)
EM_SET(h_muls, muls_)
H(h_divu) {
    uint32_t v;
    TRY(ea_read(s, op & 0x3F, 2, &v));
    if (v == 0) {
        /* vectors carry no divide-by-zero case: flags as MAME (N Z V cleared, C cleared) */
        s->fc = 0; s->fv = 0; s->fn = 0; s->fz = 0;
        return exc(s, 5, s->pc);
    }
    uint32_t d = DN;
    uint32_t q = d / v, r = d % v;
    if (q > 0xFFFF) {
        /* vectors: overflow sets V and N, clears C, Z */
        s->fv = 1; s->fc = 0; s->fn = 1; s->fz = 0;
        return true;
    }
    DN = r << 16 | q;
    s->fn = (q >> 15) & 1; s->fz = q == 0; s->fv = 0; s->fc = 0;
    return true;
}
H(h_divs) {
    uint32_t w;
    TRY(ea_read(s, op & 0x3F, 2, &w));
    int32_t v = (int16_t)w;
    if (v == 0) {
        s->fc = 0; s->fv = 0; s->fn = 0; s->fz = 0;
        return exc(s, 5, s->pc);
    }
    int32_t d = (int32_t)DN;
    if (d == INT32_MIN && v == -1) { s->fv = 1; s->fc = 0; s->fn = 1; s->fz = 0; return true; }
    int32_t q = d / v, r = d % v;
    if (q > 32767 || q < -32768) { s->fv = 1; s->fc = 0; s->fn = 1; s->fz = 0; return true; }
    DN = (uint32_t)(uint16_t)r << 16 | (uint16_t)q;
    s->fn = q < 0; s->fz = q == 0; s->fv = 0; s->fc = 0;
    return true;
}
/* BCD */
AI uint32_t bcd_add(m68k_cpu *s, uint32_t d, uint32_t v) {
    uint32_t x = s->fx;
    uint32_t lo = (d & 0x0F) + (v & 0x0F) + x;
    uint32_t bin = d + v + x;
    uint32_t res = bin;
    if (lo > 9) res += 6;
    uint32_t c = 0;
    if ((res & 0x3F0) > 0x90) { res += 0x60; c = 1; }
    s->fv = ((~bin & res) & 0x80) != 0;
    s->fc = s->fx = (uint8_t)c;
    res &= 0xFF;
    if (res) s->fz = 0;
    s->fn = (res & 0x80) != 0;
    return res;
}
AI uint32_t bcd_sub(m68k_cpu *s, uint32_t d, uint32_t v) {
    uint32_t x = s->fx;
    uint32_t bin = (d - v - x) & 0x3FF;
    uint32_t res = bin;
    uint32_t lo = (d & 0x0F) - (v & 0x0F) - x;
    if (lo & 0x10) res -= 6;
    uint32_t c = 0;
    if ((d - v - x) & 0x100) { res -= 0x60; c = 1; }
    else if (lo & 0x10 && (bin & 0xFF) < 6) c = 1; /* borrow out of the low-digit correction */
    s->fv = ((bin & ~res) & 0x80) != 0;
    s->fc = s->fx = (uint8_t)c;
    res &= 0xFF;
    if (res) s->fz = 0;
    s->fn = (res & 0x80) != 0;
    return res;
}
H(h_abcd_r) {
    unsigned rx = (op >> 9) & 7, ry = op & 7;
    set_d(s, rx, bcd_add(s, s->d[rx] & 0xFF, s->d[ry] & 0xFF), 1);
    return true;
}
H(h_sbcd_r) {
    unsigned rx = (op >> 9) & 7, ry = op & 7;
    set_d(s, rx, bcd_sub(s, s->d[rx] & 0xFF, s->d[ry] & 0xFF), 1);
    return true;
}
/* ABCD/SBCD -(Ay),-(Ax) */
AI bool bcd_m(m68k_cpu *s, uint32_t op, bool sub) {
    uint32_t a, v, d;
    TRY(ea_mem(s, 4, op & 7, 1, &a, &v));
    TRY(ea_mem(s, 4, (op >> 9) & 7, 1, &a, &d));
    return wr(s, a, sub ? bcd_sub(s, d, v) : bcd_add(s, d, v), 1);
}
H(h_abcd_m) { return bcd_m(s, op, false); }
H(h_sbcd_m) { return bcd_m(s, op, true); }
H(h_nbcd) {
    unsigned mode = (op >> 3) & 7, reg = op & 7;
    if (mode == 0) { set_d(s, reg, bcd_sub(s, 0, s->d[reg] & 0xFF), 1); return true; }
    uint32_t a, d;
    TRY(ea_mem(s, mode, reg, 1, &a, &d));
    WR_RESULT(a, 1, bcd_sub(s, 0, d));
}

/* TAS */
H(h_tas) {
    unsigned mode = (op >> 3) & 7, reg = op & 7;
    if (mode == 0) { uint32_t v = s->d[reg] & 0xFF; logic_flags(s, v, 1); set_d(s, reg, v | 0x80, 1); return true; }
    uint32_t a, v;
    TRY(ea_mem(s, mode, reg, 1, &a, &v));
    WR_RESULT(a, 1, (logic_flags(s, v, 1), v | 0x80));
}

/* shifts and rotates */
enum { S_AS, S_LS, S_ROX, S_RO };
AI uint32_t shift(m68k_cpu *s, int t, bool left, uint32_t d, unsigned cnt, int sz) {
    const unsigned bits = (unsigned)sz * 8;
    const uint32_t m = MASK(sz), msb = MSB(sz);
    d &= m;
    s->fv = 0;
    if (cnt == 0) {
        s->fc = t == S_ROX ? s->fx : 0;
        nz(s, d, sz);
        return d;
    }
    uint32_t r;
    switch (t) {
    case S_AS:
        if (left) {
            /* V: the sign bit changed at any time during the shift */
            if (cnt >= bits) { s->fv = d != 0; r = 0; s->fc = cnt == bits ? d & 1 : 0; }
            else {
                uint32_t top = (m << (bits - 1 - cnt)) & m; /* bits that pass through the sign */
                uint32_t t2 = d & top;
                s->fv = t2 != 0 && t2 != top;
                s->fc = (d >> (bits - cnt)) & 1;
                r = (d << cnt) & m;
            }
        } else {
            bool neg = d & msb;
            if (cnt >= bits) { r = neg ? m : 0; s->fc = neg; }
            else {
                s->fc = (d >> (cnt - 1)) & 1;
                r = d >> cnt;
                if (neg) r |= (m << (bits - cnt)) & m;
            }
        }
        s->fx = s->fc;
        break;
    case S_LS:
        if (left) {
            if (cnt > bits) { r = 0; s->fc = 0; }
            else { s->fc = (d >> (bits - cnt)) & 1; r = cnt == bits ? 0 : (d << cnt) & m; }
        } else {
            if (cnt > bits) { r = 0; s->fc = 0; }
            else { s->fc = (d >> (cnt - 1)) & 1; r = cnt == bits ? 0 : d >> cnt; }
        }
        s->fx = s->fc;
        break;
    case S_RO: {
        unsigned c = cnt & (bits - 1);
        r = c ? (left ? ((d << c) | (d >> (bits - c))) & m : ((d >> c) | (d << (bits - c))) & m) : d;
        s->fc = left ? r & 1 : (r & msb) != 0;
        break;
    }
    default: { /* ROX: rotate through X over bits+1 positions */
        unsigned c = cnt % (bits + 1);
        uint64_t v = (uint64_t)d | (uint64_t)s->fx << bits;
        uint64_t all = ((uint64_t)1 << (bits + 1)) - 1;
        if (c) {
            if (left) v = ((v << c) | (v >> (bits + 1 - c))) & all;
            else v = ((v >> c) | (v << (bits + 1 - c))) & all;
        }
        r = (uint32_t)(v & m);
        s->fx = (uint8_t)((v >> bits) & 1);
        s->fc = s->fx;
        break;
    }
    }
    nz(s, r, sz);
    return r;
}

#define SHIFT_HANDLERS(name, t, left) \
    AI bool name##_i(m68k_cpu *s, uint32_t op, int sz) { \
        unsigned c = ((op >> 9) & 7) ? ((op >> 9) & 7) : 8; \
        /* 1..8: the branches for 0 and for a whole width and more fold away */ \
        if (c == 0 || c > 8) __builtin_unreachable(); \
        set_d(s, op & 7, shift(s, t, left, s->d[op & 7], c, sz), sz); \
        return true; \
    } \
    AI bool name##_r(m68k_cpu *s, uint32_t op, int sz) { \
        unsigned c = s->d[(op >> 9) & 7] & 63; \
        set_d(s, op & 7, shift(s, t, left, s->d[op & 7], c, sz), sz); \
        return true; \
    } \
    SIZED(h_##name##_i, name##_i) \
    SIZED(h_##name##_r, name##_r) \
    H(h_##name##_m) { \
        uint32_t a, d; \
        TRY(ea_mem(s, (op >> 3) & 7, op & 7, 2, &a, &d)); \
        return wr(s, a, shift(s, t, left, d, 1, 2), 2); \
    }
SHIFT_HANDLERS(asl, S_AS, true)
SHIFT_HANDLERS(asr, S_AS, false)
SHIFT_HANDLERS(lsl, S_LS, true)
SHIFT_HANDLERS(lsr, S_LS, false)
SHIFT_HANDLERS(roxl, S_ROX, true)
SHIFT_HANDLERS(roxr, S_ROX, false)
SHIFT_HANDLERS(rol, S_RO, true)
SHIFT_HANDLERS(ror, S_RO, false)

/* bit operations: k 0 BTST 1 BCHG 2 BCLR 3 BSET */
AI bool bitop(m68k_cpu *s, uint32_t op, int k, bool stat) {
    uint32_t bit;
    if (stat) { TRY(fetch16(s, &bit)); bit &= 0xFF; }
    else bit = DN;
    unsigned mode = (op >> 3) & 7, reg = op & 7;
    if (mode == 0) {
        uint32_t mask = 1u << (bit & 31);
        uint32_t *d = &s->d[reg];
        s->fz = !(*d & mask);
        if (k == 1) *d ^= mask;
        else if (k == 2) *d &= ~mask;
        else if (k == 3) *d |= mask;
        return true;
    }
    uint32_t mask = 1u << (bit & 7);
    if (k == 0) {
        uint32_t v;
        TRY(ea_read(s, op & 0x3F, 1, &v));
        s->fz = !(v & mask);
        return true;
    }
    RMW_RESULT(mode, reg, 1, d, (s->fz = !(d & mask), k == 1 ? d ^ mask : k == 2 ? d & ~mask : d | mask));
}
/* per EA mode (EM_SET), static and dynamic: h_btst_s_e[em]... */
AI bool btst_d(m68k_cpu *s, uint32_t op) { return bitop(s, op, 0, false); }
AI bool bchg_d(m68k_cpu *s, uint32_t op) { return bitop(s, op, 1, false); }
AI bool bclr_d(m68k_cpu *s, uint32_t op) { return bitop(s, op, 2, false); }
AI bool bset_d(m68k_cpu *s, uint32_t op) { return bitop(s, op, 3, false); }
AI bool btst_s(m68k_cpu *s, uint32_t op) { return bitop(s, op, 0, true); }
AI bool bchg_s(m68k_cpu *s, uint32_t op) { return bitop(s, op, 1, true); }
AI bool bclr_s(m68k_cpu *s, uint32_t op) { return bitop(s, op, 2, true); }
AI bool bset_s(m68k_cpu *s, uint32_t op) { return bitop(s, op, 3, true); }
EM_SET(h_btst_d, btst_d)
EM_SET(h_bchg_d, bchg_d)
EM_SET(h_bclr_d, bclr_d)
EM_SET(h_bset_d, bset_d)
EM_SET(h_btst_s, btst_s)
EM_SET(h_bchg_s, bchg_s)
EM_SET(h_bclr_s, bclr_s)
EM_SET(h_bset_s, bset_s)

/* MOVEP: bytes at a, a + 2, ... (d16(An)); n of them, high byte first */
AI bool movep_mr(m68k_cpu *s, uint32_t op, int n) {
    uint32_t a, v = 0, b;
    TRY(disp16(s, s->a[op & 7], &a));
    for (int i = 0; i < n; i++) {
        TRY(rd(s, a + 2u * (uint32_t)i, 1, &b));
        v = v << 8 | b;
    }
    if (n == 2) set_d(s, (op >> 9) & 7, v, 2);
    else DN = v;
    return true;
}
AI bool movep_rm(m68k_cpu *s, uint32_t op, int n) {
    uint32_t a, v = DN;
    TRY(disp16(s, s->a[op & 7], &a));
    for (int i = 0; i < n; i++)
        TRY(wr(s, a + 2u * (uint32_t)i, (v >> (8 * (n - 1 - i))) & 0xFF, 1));
    return true;
}
H(h_movep_mr_w) { return movep_mr(s, op, 2); }
H(h_movep_mr_l) { return movep_mr(s, op, 4); }
H(h_movep_rm_w) { return movep_rm(s, op, 2); }
H(h_movep_rm_l) { return movep_rm(s, op, 4); }

/* MOVEM */
/* [a, a + len) (len >= 2, a even) lies in one of the fast ranges (fast_rd,
 * fast_wr; their limits leave room for a 4-byte access, hence the + 3):
 * then every access of a MOVEM goes straight to RAM, without a check each */
AI bool span_in(uint32_t a, uint32_t len, uint32_t base, uint32_t room) {
    return room && (uint64_t)(uint32_t)(a - base) + len <= (uint64_t)room + 3u;
}
AI bool span_rd(const m68k_cpu *s, uint32_t a, uint32_t len) {
    return !(a & 1) && (span_in(a, len, 0, s->rlim) || span_in(a, len, s->hbase, s->rhlen));
}
AI bool span_wr(const m68k_cpu *s, uint32_t a, uint32_t len) {
    return !(a & 1) && (span_in(a, len, s->wbase, s->wlen) || span_in(a, len, s->whbase, s->whlen));
}
/* register i of the MOVEM order (0..7 d0-d7, 8..15 a0-a7): a[] follows d[]
 * in the state, so one index from the start of d, without a branch */
_Static_assert(offsetof(m68k_cpu, a) == offsetof(m68k_cpu, d) + 8 * sizeof(uint32_t), "a[] follows d[]");
AI uint32_t *movem_reg(m68k_cpu *s, unsigned i) {
    return (uint32_t *)((char *)s + offsetof(m68k_cpu, d) + i * sizeof(uint32_t));
}
/* bytes a MOVEM moves: set bits of the mask times the size (a table: the
 * host may lack a popcount instruction, and libgcc's costs more) */
static const uint8_t pop8[256] = {
#define P2(n) n, n + 1, n + 1, n + 2
#define P4(n) P2(n), P2(n + 1), P2(n + 1), P2(n + 2)
#define P6(n) P4(n), P4(n + 1), P4(n + 1), P4(n + 2)
    P6(0), P6(1), P6(1), P6(2)
#undef P2
#undef P4
#undef P6
};
AI uint32_t movem_len(uint32_t mask, int sz) { return (uint32_t)(pop8[mask & 0xFF] + pop8[(mask >> 8) & 0xFF]) * (uint32_t)sz; }

/* The handlers are per EA mode (the pick WLE), and only the common case
 * is inline: -(An) for stores, (An)+ for loads, the block in RAM. The rest
 * is a call (movem_rm_any, movem_mr_any), so that the handler keeps its
 * few values in scratch registers rather than saving the callee-saved
 * ones that the general loops need. */
AI bool movem_rm_gen(m68k_cpu *s, uint32_t op, int sz, uint32_t mask) {
    unsigned mode = (op >> 3) & 7, reg = op & 7;
    uint32_t len = movem_len(mask, sz);
    if (mode == 4) { /* the block is not all RAM (movem_rm) */
        /* -(An): mask reversed (bit 0 = a7); registers stored from a7 down to d0.
         * vectors: An in the list is stored with its initial value (68000). */
        uint32_t a = s->a[reg];
        for (int i = 0; i < 16; i++) {
            if (!(mask & (1u << i))) continue;
            int r = 15 - i;
            a -= (uint32_t)sz;
            uint32_t v = r < 8 ? s->d[r] : s->a[r - 8];
            /* vectors: a long -(An) store writes the low word first */
            if (sz == 4 && (a & 1)) return g0_fault(s, 3, a + 2, false, false);
            TRY(wr(s, a, v, sz));
        }
        s->a[reg] = a;
        return true;
    }
    uint32_t a;
    TRY(ea_addr(s, mode, reg, sz, &a));
    if (len && span_wr(s, a, len)) {
        uint8_t *const ram = s->ram;
        for (uint32_t m = mask; m; m &= m - 1) {
            uint32_t v = *movem_reg(s, (unsigned)__builtin_ctz(m));
            if (sz == 4) vl_put_be32(ram + a, v);
            else vl_put_be16(ram + a, v);
            a += (uint32_t)sz;
        }
        return true;
    }
    for (int i = 0; i < 16; i++) {
        if (!(mask & (1u << i))) continue;
        uint32_t v = i < 8 ? s->d[i] : s->a[i - 8];
        TRY(wr(s, a, v, sz));
        a += (uint32_t)sz;
    }
    return true;
}
/* movem_DIR_any: the general MOVEM, out of line, the size a constant inside */
#define MOVEM_ANY(dir) \
    static NI bool movem_##dir##_any(m68k_cpu *s, uint32_t op, int sz, uint32_t mask) { \
        return sz == 2 ? movem_##dir##_gen(s, op, 2, mask) : movem_##dir##_gen(s, op, 4, mask); \
    }
MOVEM_ANY(rm)
AI bool movem_rm(m68k_cpu *s, uint32_t op, int sz) {
    uint32_t mask;
    TRY(fetch16(s, &mask));
    unsigned mode = (op >> 3) & 7, reg = op & 7;
    uint32_t len = movem_len(mask, sz);
    if (mode == 4 && len && span_wr(s, s->a[reg] - len, len)) {
        /* the whole block in RAM: the stores below cannot fault (RAM's
         * address in a local: a store through it could, for the compiler,
         * change s->ram) */
        uint32_t a = s->a[reg] - len;
        uint8_t *p = s->ram + a;
        /* unrolled, from the bottom of the block up (d0 first): each
         * register's index a constant, a test per bit rather than a loop
         * over the set bits with a computed index */
#pragma GCC unroll 16
        for (unsigned i = 0; i < 16; i++) {
            if (!(mask & (0x8000u >> i))) continue;
            uint32_t v = *movem_reg(s, i);
            if (sz == 4) vl_put_be32(p, v);
            else vl_put_be16(p, v);
            p += sz;
        }
        s->a[reg] = a;
        return true;
    }
    return movem_rm_any(s, s->ir, sz, mask); /* ir: see move_ */
}
/* the registers of mask from the block at a, which is all RAM (span_rd):
 * the loads cannot fault; the address after it */
AI uint32_t movem_ld(m68k_cpu *s, uint32_t a, uint32_t mask, int sz) {
    const uint8_t *p = s->ram + a;
    /* unrolled as in movem_rm */
#pragma GCC unroll 16
    for (unsigned i = 0; i < 16; i++) {
        if (!(mask & (1u << i))) continue;
        *movem_reg(s, i) = sz == 4 ? vl_be32(p) : SEXT(vl_be16(p), 2);
        p += sz;
    }
    return a + movem_len(mask, sz);
}
AI bool movem_mr_gen(m68k_cpu *s, uint32_t op, int sz, uint32_t mask) {
    unsigned mode = (op >> 3) & 7, reg = op & 7;
    uint32_t a;
    if (mode == 3) a = s->a[reg];
    else TRY(ea_addr(s, mode, reg, sz, &a));
    uint32_t len = movem_len(mask, sz);
    if (len && span_rd(s, a, len)) {
        a = movem_ld(s, a, mask, sz);
        if (mode == 3) s->a[reg] = a;
        return true;
    }
    for (int i = 0; i < 16; i++) {
        if (!(mask & (1u << i))) continue;
        uint32_t v;
        TRY(rd(s, a, sz, &v));
        if (sz == 2) v = SEXT(v, 2);
        if (i < 8) s->d[i] = v;
        else s->a[i - 8] = v;
        a += (uint32_t)sz;
    }
    if (mode == 3) s->a[reg] = a;
    return true;
}
MOVEM_ANY(mr)
AI bool movem_mr(m68k_cpu *s, uint32_t op, int sz) {
    uint32_t mask;
    TRY(fetch16(s, &mask));
    unsigned mode = (op >> 3) & 7, reg = op & 7;
    if (mode == 3) {
        uint32_t a = s->a[reg], len = movem_len(mask, sz);
        if (len && span_rd(s, a, len)) {
            s->a[reg] = movem_ld(s, a, mask, sz);
            return true;
        }
    }
    return movem_mr_any(s, s->ir, sz, mask); /* ir: see move_ */
}
WL_EM(h_movem_rm, movem_rm)
WL_EM(h_movem_mr, movem_mr)

/* status register instructions */
H(h_move_from_sr) {
    if (s->variant == M68K_68010) SUPER_ONLY();
    unsigned mode = (op >> 3) & 7, reg = op & 7;
    uint32_t v = m68k_get_sr(s), a, d;
    if (mode == 0) { set_d(s, reg, v, 2); return true; }
    TRY(ea_addr(s, mode, reg, 2, &a));
    if (s->variant == M68K_68000) TRY(rd(s, a, 2, &d)); /* the 68000 reads first */
    return wr(s, a, v, 2);
}
H(h_move_from_ccr) { return ea_write(s, op & 0x3F, m68k_get_sr(s) & 0x1F, 2); }
H(h_move_to_ccr) { uint32_t v; TRY(ea_read(s, op & 0x3F, 2, &v)); set_ccr(s, v); return true; }
H(h_move_to_sr) {
    SUPER_ONLY();
    uint32_t v;
    TRY(ea_read(s, op & 0x3F, 2, &v));
    m68k_set_sr(s, (uint16_t)v);
    return true;
}
/* the immediate word of ORI/ANDI/EORI to CCR/SR */
#define IMM16(v) uint32_t v; TRY(fetch16(s, &v))
H(h_ori_ccr) { (void)op; IMM16(v); set_ccr(s, (m68k_get_sr(s) | v) & 0x1F); return true; }
H(h_andi_ccr) { (void)op; IMM16(v); set_ccr(s, m68k_get_sr(s) & v & 0x1F); return true; }
H(h_eori_ccr) { (void)op; IMM16(v); set_ccr(s, (m68k_get_sr(s) ^ v) & 0x1F); return true; }
H(h_ori_sr) { (void)op; SUPER_ONLY(); IMM16(v); m68k_set_sr(s, (uint16_t)(m68k_get_sr(s) | v)); return true; }
H(h_andi_sr) { (void)op; SUPER_ONLY(); IMM16(v); m68k_set_sr(s, (uint16_t)(m68k_get_sr(s) & v)); return true; }
H(h_eori_sr) { (void)op; SUPER_ONLY(); IMM16(v); m68k_set_sr(s, (uint16_t)(m68k_get_sr(s) ^ v)); return true; }
H(h_move_to_usp) { SUPER_ONLY(); s->usp = s->a[op & 7]; return true; }
H(h_move_from_usp) { SUPER_ONLY(); s->a[op & 7] = s->usp; return true; }

/* 68010: MOVEC MOVES BKPT */
H(h_movec) {
    SUPER_ONLY();
    uint32_t ext;
    TRY(fetch16(s, &ext));
    unsigned r = (ext >> 12) & 15;
    uint32_t *gr = r < 8 ? &s->d[r] : &s->a[r - 8];
    uint32_t *cr;
    switch (ext & 0xFFF) {
    case 0x000: cr = &s->sfc; break;
    case 0x001: cr = &s->dfc; break;
    case 0x800: cr = &s->usp; break;
    case 0x801: cr = &s->vbr; break;
    default: return illegal(s);
    }
    if (op & 1) {
        *cr = *gr;
        if (cr == &s->sfc || cr == &s->dfc) *cr &= 7;
    } else {
        *gr = *cr;
    }
    return true;
}
AI bool moves_(m68k_cpu *s, uint32_t op, int sz) {
    SUPER_ONLY();
    uint32_t ext, a;
    TRY(fetch16(s, &ext));
    unsigned r = (ext >> 12) & 15;
    TRY(ea_addr(s, (op >> 3) & 7, op & 7, sz, &a));
    if (ext & 0x800) {
        uint32_t v = r < 8 ? s->d[r] : s->a[r - 8];
        return wr(s, a, v, sz);
    }
    uint32_t v;
    TRY(rd(s, a, sz, &v));
    if (r < 8) set_d(s, r, v, sz);
    else s->a[r - 8] = SEXT(v, sz);
    return true;
}
SIZED(h_moves, moves_)
H(h_bkpt) { (void)op; return illegal(s); }

/* ---- the handler table -------------------------------------------------------- */
#ifndef M68K_EXEC_CHECKED
static hfn htab[M68K_NMODELS][65536];
/* the same handlers from exec_chk.c (extension fetches checked), for the
 * checking loop and an instruction at the edge of the fast range */
static hfn chtab[M68K_NMODELS][65536];
static uint8_t ctab[M68K_NMODELS][65536];  /* declared class */
/* the intercepting loop's table: htab's handler where the opcode saves
 * nothing (M68K_SAVE_NONE, most of them), else a wrapper that saves first
 * (save_kind), so that innocuous instructions run as natively */
static hfn itab[M68K_NMODELS][65536];
static uint32_t h_save_part0(m68k_cpu *s, uint32_t op, uint32_t npc), h_save_part1(m68k_cpu *s, uint32_t op, uint32_t npc);
static uint32_t h_save_sp0(m68k_cpu *s, uint32_t op, uint32_t npc), h_save_sp1(m68k_cpu *s, uint32_t op, uint32_t npc);
static uint32_t h_save_an0(m68k_cpu *s, uint32_t op, uint32_t npc), h_save_an1(m68k_cpu *s, uint32_t op, uint32_t npc);
static uint32_t h_save_full(m68k_cpu *s, uint32_t op, uint32_t npc);
static uint16_t ftab[M68K_NMODELS][65536]; /* decode-table form (exit_forms); NO_FORM: illegal */
#define NO_FORM 0xFFFFu
/* the opcodes of each form, form by form (fops[fstart[f]] up to
 * fops[fstart[f + 1]]): an exit table patches only its set's opcodes */
static uint16_t fops[M68K_NMODELS][65536];
static uint32_t fstart[M68K_NMODELS][M68K_XFORM_BYTES * 8 + 1];
static pthread_once_t htab_once = PTHREAD_ONCE_INIT;
#endif

/* The handler of an entry, by its operation's pick rule (ops.h). */
#define PICK_ONE(h) h_##h
#define PICK_SZ(h) (in->size == M68K_SZ_B ? h_##h##_b : in->size == M68K_SZ_W ? h_##h##_w : h_##h##_l)
#define PICK_WL(h) (in->size == M68K_SZ_W ? h_##h##_w : h_##h##_l)
#define PICK_DIR(h) (in->src == M68K_OPD_EA ? PICK_SZ(h##_ea_dn) : PICK_SZ(h##_dn_ea))
#define PICK_RM(h) (in->src == M68K_OPD_DN0 ? PICK_SZ(h##_r) : PICK_SZ(h##_m))
#define PICK_RM1(h) (in->src == M68K_OPD_DN0 ? h_##h##_r : h_##h##_m)
#define PICK_SH(h) (in->src == M68K_OPD_QUICK3 ? PICK_SZ(h##_i) : in->src == M68K_OPD_DN ? PICK_SZ(h##_r) : h_##h##_m)
#define PICK_BIT(h) (in->src == M68K_OPD_IMM8 ? h_##h##_s_e : h_##h##_d_e)[em]
#define PICK_EXG(h) (in->src == M68K_OPD_AN ? h_##h##_aa : in->dst == M68K_OPD_AN0 ? h_##h##_da : h_##h##_dd)
/* specialised (see EM_OP): by the EA mode em, MOVE also by its destination
 * mode dm, or by the condition code */
#define PICK_ONEE(h) h_##h##_e[em]
#define PICK_SZE(h) (in->size == M68K_SZ_B ? h_##h##_b_e : in->size == M68K_SZ_W ? h_##h##_w_e : h_##h##_l_e)[em]
#define PICK_WLE(h) (in->size == M68K_SZ_W ? h_##h##_w_e : h_##h##_l_e)[em]
#define PICK_DIRE(h) (in->src == M68K_OPD_EA ? PICK_SZE(h##_ea_dn) : PICK_SZE(h##_dn_ea))
#define PICK_MOVE(h) (in->size == M68K_SZ_B ? h_##h##_b_x : in->size == M68K_SZ_W ? h_##h##_w_x : h_##h##_l_x)[em][dm]
#define PICK_CC(h) h_##h##_c[(w >> 8) & 15]
#define PICK_Q(h) ((int8_t)w < 0 ? h_##h##_n : (int8_t)w == 0 ? h_##h##_z : h_##h##_p)
#define PICK_BR(h) (short_disp(w) ? h_##h##_s : h_##h)
#define PICK_CCB(h) (short_disp(w) ? h_##h##_s_c : (w & 0xFF) == 0 ? h_##h##_w_c : h_##h##_c)[(w >> 8) & 15]

/* em of a 6-bit EA field (mode << 3 | reg) */
static unsigned em_of(unsigned ea6) { return (ea6 >> 3) < 7 ? ea6 >> 3 : 7 + (ea6 & 7); }

/* a Bcc/BRA/BSR whose 8-bit displacement is even and not -2: from an
 * even PC (handlers run only there) its target is even and not the
 * instruction (h_bcc_s_c...) */
static bool short_disp(unsigned w) {
    int8_t d = (int8_t)w;
    return d != 0 && !(d & 1) && d != -2;
}
static hfn pick(const m68k_insn *in, unsigned w) {
    /* the decode table lets only real modes through to the picks that use
     * em (dm: MOVE's); for the others these bits mean something else */
    unsigned em = em_of(w & 0x3F), dm = em_of(((w >> 3) & 0x38) | ((w >> 9) & 7));
    if (em > 11) em = 11;
    if (dm > 8) dm = 8;
    switch ((enum m68k_op)in->op) {
#define OP_PICK(id, name, title, gnu, sfx, cond, pk, h, save, g0, flow) case M68K_OP_##id: return PICK_##pk(h);
    M68K_OPS(OP_PICK)
#undef OP_PICK
    default: return h_illegal;
    }
}

#ifdef M68K_EXEC_CHECKED
/* this copy's handler for a first word w and its decode-table entry in
 * (NULL: illegal); exec.c fills chtab from it */
m68k_hfn m68k_checked_handler(const m68k_insn *in, unsigned w) {
    if (!in) return (w >> 12) == 0xA ? h_linea : (w >> 12) == 0xF ? h_linef : h_illegal;
    return pick(in, w);
}
#else
/* What the handler pick(in) can change before its last possible fault
 * (M68K_SAVE_*), read off the handlers above: the intercepting loop saves
 * that much before the instruction and on_fault puts it back. PC is always
 * restored (to insn_pc). PART covers the CCR and the address registers in
 * bits 2..0 and 11..9 and A7: (An)+/-(An) updates, flags set before an
 * exception, a push or pop before a later access or an odd jump target.
 * The flags a store computes before it faults are not saved: the handler
 * puts them back itself (WR_RESULT, move_fault), and only on its slow
 * path. Memory is never saved. A wrong NONE or PART here
 * shows as a register changed by an intercepted instruction: running each
 * opcode once from random states, rolled back from this table and from the
 * whole snapshot (the checking loop), must give the same state.
 * Each operation names its rule in ops.h: */
enum {
    /* <ea>,Dn reads the operand, then writes registers: only (An)+/-(An)
     * comes first; Dn,<ea> computes the flags before the memory write
     * (WR_RESULT undoes them) */
    SV_ALU,
    /* reads the operand, then writes registers: only (An)+/-(An) first */
    SV_READ,
    /* a register operand changes nothing before it finishes; a memory one
     * may update An before the access that may fault (and its flags, which
     * WR_RESULT undoes) */
    SV_RMW,
    /* MOVE: as SV_READ, and any memory destination as SV_RMW */
    SV_MOVE,
    /* the register form changes nothing first, the memory form (an <ea> or
     * -(An) source) may have updated An or the flags */
    SV_MEMFORM,
    /* a push or pop before a later access or jump; flags before the
     * exception (CHK, DIVU/DIVS); CMPM's two (An)+ */
    SV_PART,
    /* a push or pop before a later access or jump, and nothing else (PEA,
     * BSR, JSR, RTS, RTD: calls and returns): A7 alone */
    SV_SP,
    /* every fault comes before the first change: control-mode addresses,
     * reads before register writes (UNLK, MOVEP), memory-only writes (MOVEM
     * to memory sets An after its stores), checked jump targets (DBcc
     * faults before the decrement); privileged: the privilege check comes
     * first (the trap into the monitor saves nothing), then the SR, USP or
     * control register is written last; STOP's stop is not a fault */
    SV_NONE,
    /* MOVEM to registers, RTE: anything may change before a fault */
    SV_FULL,
};
static const uint8_t save_rule[M68K_OP_COUNT] = {
#define OP_SAVE(id, name, title, gnu, sfx, cond, pick, h, save, g0, flow) [M68K_OP_##id] = SV_##save,
    M68K_OPS(OP_SAVE)
#undef OP_SAVE
};

static uint8_t save_kind(const m68k_insn *in, unsigned w) {
    unsigned mode = (w >> 3) & 7, dmode = (w >> 6) & 7;
    bool pm = mode == 3 || mode == 4;          /* the EA field updates An */
    /* A: (An)+/-(An) in the EA field alone: that An */
    enum { N = M68K_SAVE_NONE, P = M68K_SAVE_PART, F = M68K_SAVE_FULL, S = M68K_SAVE_SP, A = M68K_SAVE_AN };
    switch (save_rule[in->op]) {
    case SV_ALU: return pm ? A : N;
    case SV_READ: return pm ? A : N;
    case SV_RMW: return pm ? A : N;
    case SV_MOVE: return dmode == 3 || dmode == 4 ? P : pm ? A : N;
    case SV_MEMFORM: return (in->src == M68K_OPD_EA || in->src == M68K_OPD_PD0) ? P : N;
    case SV_PART: return P;
    case SV_SP: return S;
    case SV_NONE: return N;
    default: return F;
    }
}

/* The handlers the fast loop runs inline (a profile of the benchmark
 * programs: branches, moves and ALU operations on registers), each as a
 * case of its computed-goto dispatch with a dispatch of its own at its end:
 * no call and return, no frame, and one indirect jump per handler for the
 * predictor, where one call site for every handler made the loop the
 * bound. Any other opcode is called through the table as before. A table's
 * hot map (hot_map) gives each opcode the case of its handler, 0 for none:
 * built from the table itself, so that an intercepting wrapper or an exit
 * opcode is never replaced by the handler it hides. */
#define HOT_CC(X, h) X(h##_c2) X(h##_c3) X(h##_c4) X(h##_c5) X(h##_c6) X(h##_c7) X(h##_c8) X(h##_c9) \
    X(h##_c10) X(h##_c11) X(h##_c12) X(h##_c13) X(h##_c14) X(h##_c15)
#define HOT_HANDLERS(X)                                                                   \
    HOT_CC(X, h_bcc_s) HOT_CC(X, h_bcc_w) X(h_dbcc_c1) X(h_bra_s) X(h_bra)               \
    X(h_moveq_p) X(h_moveq_n) X(h_moveq_z)                                               \
    X(h_add_ea_dn_l_e0) X(h_add_ea_dn_l_e1) X(h_sub_ea_dn_l_e0) X(h_and_ea_dn_l_e0)      \
    X(h_or_ea_dn_l_e0) X(h_cmp_ea_dn_l_e0) X(h_cmp_ea_dn_l_e1) X(h_cmpi_l_e0)            \
    X(h_cmpa_l_e0) X(h_cmpa_l_e1) X(h_cmpa_l_e5) X(h_cmpa_l_e11) X(h_adda_l_e0)          \
    X(h_adda_l_e1) X(h_subq_l_e0) X(h_subq_l_e1) X(h_addq_l_e0) X(h_addq_l_e1)           \
    X(h_lsr_i_l) X(h_lsr_r_l) X(h_btst_s_e0) X(h_tst_l_e0) X(h_tst_b_e6) X(h_clr_b_e3)   \
    X(h_move_l_0_0) X(h_move_l_1_0) X(h_move_l_5_0) X(h_move_l_0_5) X(h_move_l_1_5)      \
    X(h_move_l_0_2) X(h_move_b_11_6) X(h_movea_l_e0) X(h_movea_l_e1) X(h_movea_l_e5)     \
    X(h_lea_e5)
#define HOT_FN(h) h,
static const hfn hot_fn[] = { NULL, HOT_HANDLERS(HOT_FN) };
#undef HOT_FN
#define NHOT (sizeof hot_fn / sizeof hot_fn[0])
/* the cases, then the same preceded by itab's save of one An (h_save_an:
 * CLR.B (An)+, say, runs inline under the monitor too) */
_Static_assert(2 * NHOT - 1 <= 256, "a hot map entry is a byte");

/* hm[op]: the case of tab[op]'s handler, 0 for none; base is the table
 * whose handler an itab wrapper calls (htab). Neighbouring opcodes mostly
 * share a handler: it is looked up only where it changes. */
static void hot_map(const hfn *tab, const hfn *base, uint8_t *hm) {
    hfn last = NULL;
    unsigned k = 0;
    for (unsigned op = 0; op < 65536; op++) {
        hfn f = tab[op];
        bool an = f == h_save_an0 || f == h_save_an1;
        if (an) f = base[op];
        if (f != last) {
            last = f;
            k = 0;
            for (unsigned i = 1; i < NHOT; i++)
                if (hot_fn[i] == f) { k = i; break; }
        }
        hm[op] = (uint8_t)(k && an ? k + NHOT - 1 : k);
    }
}
/* the hot maps of htab and itab, per model */
static uint8_t hmap[M68K_NMODELS][2][65536];

static void build_tables(void) {
    for (int v = 0; v < M68K_NMODELS; v++) {
        for (unsigned w = 0; w < 65536; w++) {
            const m68k_insn *in = m68k_decode_word(v, (uint16_t)w);
            if (!in) {
                htab[v][w] = (w >> 12) == 0xA ? h_linea : (w >> 12) == 0xF ? h_linef : h_illegal;
                chtab[v][w] = m68k_checked_handler(in, w);
                ctab[v][w] = VL_CLASS_ILLEGAL;
                itab[v][w] = htab[v][w];
                ftab[v][w] = NO_FORM;
            } else {
                htab[v][w] = pick(in, w);
                chtab[v][w] = m68k_checked_handler(in, w);
                ctab[v][w] = in->cls[v];
                uint8_t k = save_kind(in, w);
                itab[v][w] = k == M68K_SAVE_NONE ? htab[v][w]
                             : k == M68K_SAVE_SP ? (v ? h_save_sp1 : h_save_sp0)
                             : k == M68K_SAVE_AN ? (v ? h_save_an1 : h_save_an0)
                             : k == M68K_SAVE_PART ? (v ? h_save_part1 : h_save_part0) : h_save_full;
                ftab[v][w] = (uint16_t)(in - m68k_insns);
            }
        }
        /* counting sort of the opcodes by form (exit_table) */
        if (m68k_ninsns > M68K_XFORM_BYTES * 8) continue; /* exit_table refuses such a set */
        uint32_t *st = fstart[v];
        for (unsigned w = 0; w < 65536; w++)
            if (ftab[v][w] != NO_FORM) st[ftab[v][w] + 1]++;
        for (int f = 0; f < m68k_ninsns; f++) st[f + 1] += st[f];
        uint32_t next[M68K_XFORM_BYTES * 8];
        memcpy(next, st, sizeof next);
        for (unsigned w = 0; w < 65536; w++)
            if (ftab[v][w] != NO_FORM) fops[v][next[ftab[v][w]]++] = (uint16_t)w;
    }
    for (int v = 0; v < M68K_NMODELS; v++) {
        hot_map(htab[v], htab[v], hmap[v][0]);
        hot_map(itab[v], htab[v], hmap[v][1]);
    }
}

static void tables(void) { pthread_once(&htab_once, build_tables); }

/* ---- the run loop --------------------------------------------------------- */
/* Intercept's saves (see save_kind). The whole block for the checking loop
 * and the instructions that need it; for PART, element by element, each load
 * as wide as the store that last wrote it, so that it is forwarded from the
 * store buffer (a wide copy of registers the previous instruction has just
 * written stalls until those stores retire). */
static void snapshot(m68k_cpu *s) {
    s->snap_kind = M68K_SAVE_FULL;
    memcpy(s->snap, s->d, M68K_SNAP_BYTES);
    s->snap_flags[0] = s->stopped;
    s->snap_flags[1] = s->trace_pending;
}
AI void save_part(m68k_cpu *s, uint32_t op) {
    s->snap_kind = M68K_SAVE_PART;
    s->snap_ic = s->c.icount;
    s->insn_op = (uint16_t)op;
    s->p_ccr[0] = s->fx; s->p_ccr[1] = s->fn; s->p_ccr[2] = s->fz;
    s->p_ccr[3] = s->fv; s->p_ccr[4] = s->fc;
    s->p_a[0] = s->a[op & 7];
    s->p_a[1] = s->a[(op >> 9) & 7];
    s->p_a[2] = s->a[7];
}
AI void save_an(m68k_cpu *s, uint32_t op) {
    s->snap_kind = M68K_SAVE_AN;
    s->snap_ic = s->c.icount;
    s->insn_op = (uint16_t)op;
    s->p_a[0] = s->a[op & 7];
}
/* itab's wrappers: save, then htab's handler. A PART, AN or SP save is
 * tagged with the instruction's c.icount and left in place when the
 * instruction completes (rollback ignores a save made for another
 * instruction), so that the wrapper ends in a jump to the handler rather
 * than a call; one per model, each with its table's address a constant. */
#define SAVE_WRAPPERS(v)                                                                   \
    static uint32_t h_save_part##v(m68k_cpu *s, uint32_t op, uint32_t npc) {              \
        save_part(s, op);                                                                  \
        return htab[v][op](s, op, npc);                                                    \
    }                                                                                      \
    static uint32_t h_save_an##v(m68k_cpu *s, uint32_t op, uint32_t npc) {                \
        save_an(s, op);                                                                    \
        return htab[v][op](s, op, npc);                                                    \
    }                                                                                      \
    static uint32_t h_save_sp##v(m68k_cpu *s, uint32_t op, uint32_t npc) {                \
        s->snap_kind = M68K_SAVE_SP;                                                       \
        s->snap_ic = s->c.icount;                                                          \
        s->p_a[2] = s->a[7];                                                               \
        return htab[v][op](s, op, npc);                                                    \
    }
SAVE_WRAPPERS(0)
SAVE_WRAPPERS(1)
_Static_assert(M68K_NMODELS == 2, "one pair of save wrappers per model");
/* the whole block: cleared on completion (the checking loop's snapshot,
 * taken before the count, is not tagged) */
static uint32_t h_save_full(m68k_cpu *s, uint32_t op, uint32_t npc) {
    snapshot(s);
    uint32_t pc = htab[s->variant][op](s, op, npc);
    if (!s->f_pend) s->snap_kind = M68K_SAVE_NONE;
    return pc;
}

/* Undo what the faulting instruction changed (registers only). A FULL
 * save is cleared when its instruction completes or faults (here, or in
 * on_fault for a stop); a PART, AN or SP one counts only while c.icount
 * is its tag (the run begins with none). */
static void rollback(m68k_cpu *s) {
    uint32_t op = s->insn_op;
    unsigned kind = s->snap_kind;
    /* a PART, AN or SP save of an earlier instruction that completed */
    if (kind != M68K_SAVE_FULL && s->snap_ic != s->c.icount) kind = M68K_SAVE_NONE;
    switch (kind) {
    case M68K_SAVE_FULL:
        memcpy(s->d, s->snap, M68K_SNAP_BYTES);
        s->stopped = s->snap_flags[0];
        s->trace_pending = s->snap_flags[1];
        s->pc = s->insn_pc; /* the fast loop saves after the opcode fetch */
        break;
    case M68K_SAVE_SP:
        s->a[7] = s->p_a[2];
        s->pc = s->insn_pc;
        break;
    case M68K_SAVE_PART: /* all read before the instruction: a register named twice is the same value */
        s->a[7] = s->p_a[2];
        s->a[(op >> 9) & 7] = s->p_a[1];
        s->a[op & 7] = s->p_a[0];
        s->fx = s->p_ccr[0]; s->fn = s->p_ccr[1]; s->fz = s->p_ccr[2];
        s->fv = s->p_ccr[3]; s->fc = s->p_ccr[4];
        s->pc = s->insn_pc;
        break;
    case M68K_SAVE_AN:
        s->a[op & 7] = s->p_a[0];
        /* fall through */
    default:
        s->pc = s->insn_pc;
        break;
    }
    s->snap_kind = M68K_SAVE_NONE; /* for the next instruction */
    m68k_update_ithresh(s);
}

static vl_stop mkstop(int reason, uint32_t pc, int vector) {
    return (vl_stop){ .reason = (uint8_t)reason, .pc = pc, .vector = (int16_t)vector };
}

/* An exception stop: a group-0 one carries the access address and the
 * status word the frame would hold. */
static vl_stop exc_stop(uint32_t pc, int vector, bool g0, uint32_t acc, uint16_t info) {
    vl_stop r = mkstop(VLAB_STOP_EXCEPTION, pc, vector);
    if (g0) {
        r.addr = acc;
        r.code = info;
        r.flags = VLAB_STOP_HAS_CODE | VLAB_STOP_HAS_ADDR;
    }
    return r;
}

/* Deliver exception `vector`: intercept/null-vector stops, else enter it.
 * Returns true when the run must stop (s->stop filled). */
static bool deliver(m68k_cpu *s, int vector, uint32_t stacked_pc, uint32_t stop_pc, bool g0,
                    uint32_t acc, uint16_t info, int ilevel) {
    if (intercepted(s, vector)) {
        s->c.exceptions++;
        if (ilevel) s->c.interrupts++;
        s->stop = exc_stop(stop_pc, vector, g0, acc, info);
        return true;
    }
    if (s->c.stop_on_null_vector) {
        uint32_t h;
        if (m68k_vector_entry(s, vector, &h) && h == 0) {
            s->c.exceptions++;
            s->stop = exc_stop(stop_pc, vector, g0, acc, info);
            return true;
        }
    }
    if (m68k_enter(s, vector, stacked_pc, g0, acc, info, ilevel) < 0) {
        s->stop = exc_stop(stop_pc, vector, g0, acc, info);
        s->stop.reason = VLAB_STOP_ERROR; /* a double fault: the CPU halts */
        return true;
    }
    if (s->c.m->hook_stop) {
        s->c.m->hook_stop = false;
        s->stop = mkstop(VLAB_STOP_BREAKPOINT, s->pc, vector);
        m68k_update_ithresh(s);
        return true;
    }
    return false;
}

/* After an instruction (or its opcode fetch) returned false. true: stop the run. */
static bool on_fault(m68k_cpu *s) {
    if (s->f_vector < 0) {
        s->snap_kind = M68K_SAVE_NONE; /* completed: nothing to roll back */
        /* STOP and a branch to itself complete: a traced one is traced */
        if (s->tr_start) {
            s->trace_pending = true;
            s->tr_start = false;
            m68k_update_ithresh(s);
            /* a traced branch to itself is no halt: its trace exception
             * comes next, and the handler runs on every iteration */
            if (s->stop.reason == VLAB_STOP_HALT) {
                s->stop.reason = 0;
                return false;
            }
        }
        if (s->stopped && s->stop.reason == 0) {
            /* STOP: go on only if an interrupt can wake it */
            s->stop = mkstop(VLAB_STOP_IDLE, s->pc, -1);
            int mask = (s->sr >> 8) & 7;
            if (s->c.irq_level > mask || s->c.irq_level == 7 || s->trace_pending) return false;
            return true;
        }
        return true;
    }
    int v = s->f_vector;
    if (intercepted(s, v)) {
        rollback(s);
        s->c.icount--;
    }
    /* taken (not intercepted): the save must not roll back a later
     * instruction that saves nothing */
    s->snap_kind = M68K_SAVE_NONE;
    bool tr = s->tr_start;
    s->tr_start = false;
    if (v == 2 || v == 3) {
        return deliver(s, v, s->f_pc, s->insn_pc, true, s->f_addr, s->f_info, 0);
    }
    bool stop = deliver(s, v, s->f_pc, s->insn_pc, false, 0, 0, 0);
    /* TRAP, TRAPV, CHK and divide by zero complete their instruction: a
     * traced one is followed by the trace exception (group 0/1 ones are
     * not), also when a hook stops the run at this one's event (taken:
     * a breakpoint stop; not taken: intercepted, a null vector, a halt) */
    if (tr && (v == 5 || v == 6 || v == 7 || (v >= 32 && v < 48)) &&
        (!stop || s->stop.reason == VLAB_STOP_BREAKPOINT)) {
        s->trace_pending = true;
        m68k_update_ithresh(s);
    }
    return stop;
}

/* The instruction faulted: 1 to stop the run (s->stop), 0 to go on. */
static NI int fault_step(m68k_cpu *s) {
    s->f_pend = false;
    if (on_fault(s)) return 1;
    s->stop = mkstop(0, 0, -1);
    return 0;
}

/* Boundary work and one instruction, with every check. 1: stop (s->stop). */
static int slow_step(m68k_cpu *s, const hfn *tab, const uint8_t *ct) {
    vl_machine *m = s->c.m;
    if (s->c.icount >= s->budget_end) { s->stop = mkstop(VLAB_STOP_BUDGET, s->pc, -1); return 1; }
    if (m->hook_stop) {
        m->hook_stop = false;
        m68k_update_ithresh(s);
        s->stop = mkstop(VLAB_STOP_BREAKPOINT, s->pc, -1);
        return 1;
    }
    if (s->halted) { s->stop = mkstop(VLAB_STOP_ERROR, s->pc, -1); return 1; }
    if (s->trace_pending) {
        s->trace_pending = false;
        s->stopped = false;
        m68k_update_ithresh(s);
        if (deliver(s, 9, s->pc, s->pc, false, 0, 0, 0)) return 1;
    }
    if (s->c.irq_level < 7) s->nmi_seen = false;
    int lvl = s->c.irq_level;
    if (lvl > 0) {
        int mask = (s->sr >> 8) & 7;
        if (lvl > mask || (lvl == 7 && !s->nmi_seen)) {
            if (!intercepted(s, 24 + lvl)) { /* intercepted: nothing changes, the monitor decides */
                if (lvl == 7) s->nmi_seen = true;
                s->stopped = false;
                m68k_update_ithresh(s);
            }
            if (deliver(s, 24 + lvl, s->pc, s->pc, false, 0, 0, lvl)) return 1;
        }
    }
    if (s->stopped) { s->stop = mkstop(VLAB_STOP_IDLE, s->pc, -1); return 1; }
    if (s->c.exit_set || s->c.exit_forms) {
        uint32_t w;
        const uint8_t *ef = s->c.exit_forms;
        if (!(s->pc & 1) && m68k_rd(s, s->pc, 2, &w) &&
            ((s->c.exit_set & (1u << ct[w])) ||
             (ef && ftab[s->variant][w] != NO_FORM && vl_bit(ef, ftab[s->variant][w])))) {
            s->stop = mkstop(VLAB_STOP_VMEXIT, s->pc, -1);
            s->stop.code = ct[w]; /* the class of the instruction */
            s->stop.flags = VLAB_STOP_HAS_CODE;
            return 1;
        }
    }
    if (s->c.intercept) snapshot(s);
    bool traced = s->sr & 0x8000;
    s->tr_start = traced;
    s->insn_pc = s->pc;
    s->c.icount++; /* before the fetch: a fetch fault is this step too */
    uint32_t op;
    if (!fetch_op(s, &op)) return fault_step(s);
    s->ir = (uint16_t)op;
    (void)tab[op](s, op, s->pc);
    if (s->f_pend) return fault_step(s);
    s->tr_start = false;
    s->snap_kind = M68K_SAVE_NONE;
    if (traced) { s->trace_pending = true; m68k_update_ithresh(s); }
    return 0;
}

static uint32_t h_vmexit(m68k_cpu *s, uint32_t op, uint32_t npc);
/* An instruction the fast loop cannot run through tab (see the top): the
 * checked handler; under intercept after saving the whole block as the
 * checking loop does (itab's wrappers call htab's handlers); an exit-set
 * opcode stops as in tab. */
static NI bool edge_step(m68k_cpu *s, const hfn *tab, const hfn *chk) {
    uint32_t op;
    TRY(fetch_op(s, &op));
    s->ir = (uint16_t)op;
    if (tab[op] == h_vmexit) { (void)h_vmexit(s, op, s->pc); return false; }
    if (s->c.intercept) snapshot(s);
    (void)chk[op](s, op, s->pc);
    if (s->f_pend) return false;
    s->snap_kind = M68K_SAVE_NONE;
    return true;
}

/* The fast loop, native (tab = htab) or intercepting (tab = itab, whose
 * wrappers save, before an instruction, what it can change before it
 * faults, for on_fault's rollback); `slow` is chtab (checked handlers) for the checking step and edge_step,
 * which saves the whole block itself. Most instructions save nothing, and
 * the rest a few registers, so that the guest under the monitor runs at
 * native speed. */
/* The count lives in a register (ic) and is stored for each instruction,
 * never loaded back: a load of the count the previous instruction stored
 * would chain every instruction to the one before through the store
 * buffer. Only the fault paths (on_fault, h_vmexit) and the checking step
 * change c.icount; ic is reloaded after them. */
/* RAM's address is read once: only m68k_mem_refresh sets s->ram, from
 * m->mem.ram, which does not move while the machine runs (a handler's
 * call cannot be proven by the compiler to leave it, so it would reload
 * it for every instruction). */
/* The pc too lives in a register (pc): a handler returns it (see H), and
 * s->pc, which it stores, is as it was with the pc in memory; pc is
 * reloaded after every path that may change s->pc otherwise. */
/* hm is tab's hot map (hot_map): the dispatch (NEXT), at the end of each
 * inline case, jumps to the case of the opcode's handler, or to `call`,
 * which calls it through tab. */
static NI SPLIT_TAILS void fast_loop(m68k_cpu *s, const hfn *tab, const uint8_t *hm, const hfn *slow, const uint8_t *ct) {
#define HOT_LBL(h) &&hot_##h,
#define HOT_AN_LBL(h) &&hot_an_##h,
    static const void *const lbl[2 * NHOT - 1] = { &&call, HOT_HANDLERS(HOT_LBL) HOT_HANDLERS(HOT_AN_LBL) };
#undef HOT_LBL
#undef HOT_AN_LBL
    uint64_t ic = s->c.icount;
    uint32_t pc = s->pc, op;
    const uint8_t *const ram = s->ram;
#define NEXT                                                                    \
    do {                                                                        \
        if (VL_UNLIKELY(ic >= s->icount_end)) goto boundary;                    \
        s->insn_pc = pc;                                                        \
        s->c.icount = ++ic;                                                     \
        uint32_t h_ = ror1(pc);                                                 \
        if (VL_UNLIKELY(!(h_ < s->clim_h || h_ - s->hbase_h < s->chlen_h)))     \
            goto edge;                                                          \
        /* the whole instruction is RAM: htab's unchecked handlers */           \
        op = vl_be16(ram + pc);                                                 \
        s->ir = (uint16_t)op;                                                   \
        goto *lbl[hm[op]];                                                      \
    } while (0)
    NEXT;
call:
    pc = tab[op](s, op, pc + 2);
    NEXT;
    /* as the handler (H) would, without the call */
#define HOT_CASE(h)                                                             \
hot_##h:                                                                        \
    s->pc = pc + 2;                                                             \
    (void)h##_body(s, op);                                                      \
    pc = s->pc;                                                                 \
    NEXT;
    HOT_HANDLERS(HOT_CASE)
#undef HOT_CASE
    /* as h_save_an would, then the case */
#define HOT_AN_CASE(h)                                                          \
hot_an_##h:                                                                     \
    save_an(s, op);                                                             \
    goto hot_##h;
    HOT_HANDLERS(HOT_AN_CASE)
#undef HOT_AN_CASE
edge:
    edge_step(s, tab, slow);
    pc = s->pc;
    NEXT;
boundary:
    if (s->f_pend) {
        /* the last instruction faulted (pend) */
        if (fault_step(s)) return; /* on_fault clears snap_kind */
        m68k_update_ithresh(s);
    } else {
        if (ic >= s->budget_end) {
            s->stop = mkstop(VLAB_STOP_BUDGET, s->pc, -1);
            return;
        }
        /* an interrupt (or trace...) needs the checking loop; it may
         * have left ithresh as it was, so icount_end is recomputed */
        if (slow_step(s, slow, ct)) return;
        m68k_update_ithresh(s);
    }
    ic = s->c.icount;
    pc = s->pc;
    NEXT;
#undef NEXT
}

/* Exit tables (hw-assist): the run loop's table with every opcode of a form
 * in c.exit_forms replaced by h_vmexit, so that the fast loop runs the guest
 * and only those opcodes stop it, where the checking loop would have to
 * look at every instruction. Built once per (model, intercept, exit set)
 * and kept for the process, like htab: the CPU holds a pointer to one and a
 * copy of the set it was built for (a context copied by the sweep stays
 * valid), and looks again only when the set's contents change. */
#define XT_MAX 16
typedef struct xtab_entry {
    int variant;
    bool intercept;
    uint8_t forms[M68K_XFORM_BYTES];
    hfn tab[65536];
    uint8_t hot[65536]; /* tab's hot map */
} xtab_entry;
static xtab_entry *xtabs[XT_MAX];
static int nxtabs;
static pthread_mutex_t xtab_lock = PTHREAD_MUTEX_INITIALIZER;

/* The exit-set opcode: nothing of it has run yet; the fast loop fetched it
 * and counted it, which is undone, and the run stops before it as the
 * checking loop's look would. */
static uint32_t h_vmexit(m68k_cpu *s, uint32_t op, uint32_t npc) {
    (void)npc;
    s->pc = s->insn_pc;
    s->c.icount--;
    s->stop = mkstop(VLAB_STOP_VMEXIT, s->pc, -1);
    s->stop.code = ctab[s->variant][op];
    s->stop.flags = VLAB_STOP_HAS_CODE;
    pend(s);
    s->f_vector = -1;
    return s->pc;
}

/* The exit table for the CPU's exit set, NULL if none can be had (the set
 * is larger than the copy, or the cache is full: the checking loop). */
static const hfn *exit_table(m68k_cpu *s) {
    size_t nb = (size_t)m68k_ninsns / 8 + 1;
    if (nb > M68K_XFORM_BYTES) return NULL;
    if (s->xtab && s->xtab_variant == s->variant && s->xtab_intercept == s->c.intercept &&
        !memcmp(s->xforms, s->c.exit_forms, nb))
        return s->xtab;
    const hfn *found = NULL;
    pthread_mutex_lock(&xtab_lock);
    for (int i = 0; i < nxtabs && !found; i++)
        if (xtabs[i]->variant == s->variant && xtabs[i]->intercept == s->c.intercept &&
            !memcmp(xtabs[i]->forms, s->c.exit_forms, nb))
            found = xtabs[i]->tab;
    if (!found && nxtabs < XT_MAX) {
        /* not calloc: every entry is written (and the set's bytes compared
         * up to nb only) */
        xtab_entry *e = malloc(sizeof *e);
        if (e) {
            const hfn *base = s->c.intercept ? itab[s->variant] : htab[s->variant];
            e->variant = s->variant;
            e->intercept = s->c.intercept;
            memset(e->forms, 0, sizeof e->forms);
            memcpy(e->forms, s->c.exit_forms, nb);
            memcpy(e->tab, base, sizeof e->tab);
            /* base's hot map, less the exit opcodes: cheaper than hot_map,
             * and the first run with a new set pays for it */
            memcpy(e->hot, hmap[s->variant][s->c.intercept ? 1 : 0], sizeof e->hot);
            const uint32_t *st = fstart[s->variant];
            for (int f = 0; f < m68k_ninsns; f++)
                if (vl_bit(e->forms, (unsigned)f))
                    for (uint32_t i = st[f]; i < st[f + 1]; i++) {
                        e->tab[fops[s->variant][i]] = h_vmexit;
                        e->hot[fops[s->variant][i]] = 0;
                    }
            xtabs[nxtabs++] = e;
            found = e->tab;
        }
    }
    pthread_mutex_unlock(&xtab_lock);
    if (found) {
        s->xtab = found;
        s->xtab_variant = s->variant;
        s->xtab_intercept = s->c.intercept;
        memcpy(s->xforms, s->c.exit_forms, nb);
    }
    return found;
}

static vl_stop run_inner(m68k_cpu *s, uint64_t max) {
    const hfn *tab = htab[s->variant], *chk = chtab[s->variant];
    const uint8_t *ct = ctab[s->variant];
    mem_sync(s);
    if (max == 0) max = 1;
    s->budget_end = s->c.icount + max;
    if (s->budget_end < s->c.icount) s->budget_end = UINT64_MAX;
    /* exit_set needs a look at every instruction before it runs: the
     * checking loop; intercept alone runs on the fast loop, and so do exit
     * forms, through their exit table */
    const hfn *xt = s->c.exit_forms && !s->c.exit_set ? exit_table(s) : NULL;
    /* a save left by the last run is no instruction's of this one (c.icount
     * may have been set back between runs: its tag could match again) */
    s->snap_kind = M68K_SAVE_NONE;
    s->f_pend = false;
    s->slow = s->c.exit_set != 0 || (s->c.exit_forms != NULL && !xt);
    if (s->c.irq_level < 7) s->nmi_seen = false;
    m68k_update_ithresh(s);
    s->stop = mkstop(0, 0, -1);
    if (s->slow) {
        for (;;)
            if (slow_step(s, chk, ct)) return s->stop;
    }
    const hfn *ft = xt ? xt : s->c.intercept ? itab[s->variant] : tab;
    /* an exit table is the tab of its entry */
    const uint8_t *hm = xt ? ((const xtab_entry *)(const void *)((const char *)xt - offsetof(xtab_entry, tab)))->hot
                           : hmap[s->variant][s->c.intercept ? 1 : 0];
    fast_loop(s, ft, hm, chk, ct);
    /* the budget ended with no stop: binary translation may go on in this
     * run (vl_cpu_common.cont), with the budget and the interrupt
     * threshold a run's start sets (the rest it would refresh is as it was) */
    uint64_t more;
    while (s->c.cont && s->stop.reason == VLAB_STOP_BUDGET && (more = s->c.cont(s->c.cont_ctx)) != 0) {
        s->budget_end = s->c.icount + more;
        if (s->budget_end < s->c.icount) s->budget_end = UINT64_MAX;
        if (s->c.irq_level < 7) s->nmi_seen = false;
        m68k_update_ithresh(s);
        s->stop = mkstop(0, 0, -1);
        fast_loop(s, ft, hm, chk, ct);
    }
    return s->stop;
}

/* A hook that runs the same CPU from inside its run would overwrite the
 * outer run's budget, stop and fault state: refused. */
static vl_stop m68k_run(void *cpu, uint64_t max) {
    m68k_cpu *s = cpu;
    if (s->run_depth) return mkstop(VLAB_STOP_ERROR, s->pc, -1);
    s->run_depth = 1;
    vl_stop r = run_inner(s, max);
    s->run_depth = 0;
    s->tr_start = false;
    return r;
}

/* ---- the rest of the CPU interface ------------------------------------------------- */
static void m68k_init(void *cpu, vl_machine *m, int variant) {
    m68k_cpu *s = cpu;
    tables();
    s->c.m = m;
    s->variant = variant == M68K_68010 ? M68K_68010 : M68K_68000;
    s->sr = 0x2700;
    s->c.last_vector = -1;
    m68k_update_ithresh(s);
}

static void m68k_reset(void *cpu) {
    m68k_cpu *s = cpu;
    m68k_mem_refresh(s);
    s->vbr = 0;
    s->stopped = false;
    s->halted = false;
    s->trace_pending = false;
    s->nmi_seen = false;
    s->sr = 0x2700;
    set_ccr(s, 0);
    uint32_t sp = 0, pc = 0;
    m68k_rd(s, 0, 4, &sp);
    m68k_rd(s, 4, 4, &pc);
    s->a[7] = sp;
    s->ssp = sp;
    s->pc = pc;
    m68k_update_ithresh(s);
}

static uint32_t m68k_get_pc(void *cpu) { return ((m68k_cpu *)cpu)->pc; }
static void m68k_set_pc(void *cpu, uint32_t pc) {
    m68k_cpu *s = cpu;
    s->pc = pc;
    s->stopped = false;
    m68k_update_ithresh(s);
}
/* Privilege levels: 0 supervisor (S = 1), 3 user. */
static int m68k_priv_get(void *cpu) { return (((m68k_cpu *)cpu)->sr & 0x2000) ? 0 : 3; }
static void m68k_priv_set(void *cpu, int level) {
    m68k_cpu *s = cpu;
    uint16_t sr = m68k_get_sr(s);
    m68k_set_sr(s, level == 0 ? (uint16_t)(sr | 0x2000) : (uint16_t)(sr & ~0x2000));
}

/* code: the group-0 status word (bus/address error); addr: the access address. */
static void m68k_raise(void *cpu, int vector, uint32_t code, uint32_t addr) {
    m68k_cpu *s = cpu;
    m68k_mem_refresh(s);
    bool g0 = vector == 2 || vector == 3;
    uint16_t inf = code ? (uint16_t)code : (uint16_t)(0x10 | fc_data(s));
    s->stopped = false;
    int ilevel = vector >= 25 && vector <= 31 ? vector - 24 : 0;
    if (ilevel == 7) s->nmi_seen = true; /* edge-triggered: once while asserted */
    if (m68k_enter(s, vector, s->pc, g0, addr, inf, ilevel) < 0) s->halted = true;
    m68k_update_ithresh(s);
}

static void m68k_boot(void *cpu, uint32_t entry, uint32_t sp) {
    m68k_cpu *s = cpu;
    m68k_set_sr(s, (uint16_t)(m68k_get_sr(s) | 0x2000));
    s->a[7] = sp;  /* the active stack pointer: the SSP */
    s->pc = entry;
    s->stopped = false;
    m68k_update_ithresh(s);
}

static void m68k_kick(void *cpu) {
    m68k_cpu *s = cpu;
    /* the instruction in progress is counted already */
    s->budget_end = s->icount_end = s->c.icount;
}

/* No MMU: virtual is physical (24-bit on the bus); RAM only, since reading
 * a device register is not side-effect free in general. */
static size_t m68k_read_virt(void *cpu, uint32_t addr, uint8_t *buf, size_t len, bool fetch) {
    m68k_cpu *s = cpu;
    vl_mem *mem = &s->c.m->mem;
    (void)fetch;
    size_t n = 0;
    for (; n < len; n++) {
        uint32_t a = (addr + (uint32_t)n) & mem->addr_mask;
        if (a >= mem->size || (mem->mmio_on && a - mem->mmio_base < VL_MMIO_SIZE)) break;
        buf[n] = mem->ram[a];
    }
    return n;
}

const vl_cpu_ops m68k_ops = {
    .isa = "m68k",
    .state_size = sizeof(m68k_cpu),
    .levels = 1u << 0 | 1u << 3,
    .min_insn = 2,
    .elf_machine = 4, /* EM_68K */
    .sp_name = "a7",
    .init = m68k_init,
    .reset = m68k_reset,
    .boot = m68k_boot,
    .run = m68k_run,
    .kick = m68k_kick,
    .regs = m68k_regs,
    .reg_get = m68k_reg_get,
    .reg_set = m68k_reg_set,
    .get_pc = m68k_get_pc,
    .set_pc = m68k_set_pc,
    .priv_get = m68k_priv_get,
    .priv_set = m68k_priv_set,
    .raise = m68k_raise,
    .vectors = m68k_vectors,
    .exc_shift = 0,
    .read_virt = m68k_read_virt,
    .decode = m68k_decode_info,
    .disasm = m68k_disasm,
    .assemble = m68k_assemble,
};
#endif /* M68K_EXEC_CHECKED */
