/* exc.c - 68000/68010 exception entry: stack frames and vector fetch.
 *
 * 68000: group 1/2 frame = SR, PC (6 bytes); group 0 (bus/address error) =
 * status word, access address, instruction register, SR, PC (14 bytes).
 * 68010: format $0 = SR, PC, format/vector word (8 bytes); bus/address error
 * format $8 = 29 words (SR, PC, format/vector, special status word, fault
 * address, data output/input buffers, instruction input buffer, 16 words of
 * internal state, written here as zero). Vectors are fetched at VBR + 4n. */
#include "isa/m68k/m68k.h"

const vl_vector_info m68k_vectors[] = {
    { 0, "reset ssp" }, { 1, "reset pc" }, { 2, "bus error" }, { 3, "address error" },
    { 4, "illegal instruction" }, { 5, "zero divide" }, { 6, "chk" }, { 7, "trapv" },
    { 8, "privilege violation" }, { 9, "trace" }, { 10, "line 1010 emulator" },
    { 11, "line 1111 emulator" }, { 14, "format error" }, { 15, "uninitialized interrupt" },
    { 24, "spurious interrupt" }, { 25, "level 1 interrupt" }, { 26, "level 2 interrupt" },
    { 27, "level 3 interrupt" }, { 28, "level 4 interrupt" }, { 29, "level 5 interrupt" },
    { 30, "level 6 interrupt" }, { 31, "level 7 interrupt" },
    { 32, "trap #0" }, { 33, "trap #1" }, { 34, "trap #2" }, { 35, "trap #3" },
    { 36, "trap #4" }, { 37, "trap #5" }, { 38, "trap #6" }, { 39, "trap #7" },
    { 40, "trap #8" }, { 41, "trap #9" }, { 42, "trap #10" }, { 43, "trap #11" },
    { 44, "trap #12" }, { 45, "trap #13" }, { 46, "trap #14" }, { 47, "trap #15" },
    { -1, NULL },
};

bool m68k_vector_entry(m68k_cpu *s, int vector, uint32_t *handler) {
    uint32_t base = s->variant == M68K_68010 ? s->vbr : 0;
    return m68k_rd(s, base + (uint32_t)vector * 4, 4, handler);
}

static int double_fault(m68k_cpu *s) {
    s->halted = true;
    s->stopped = false;
    m68k_update_ithresh(s);
    return -1;
}

int m68k_enter(m68k_cpu *s, int vector, uint32_t stacked_pc, int g0, uint32_t acc_addr,
               uint16_t info, int ilevel) {
    uint16_t old = m68k_get_sr(s);
    uint32_t ev_pc = (ilevel || vector == 9) ? stacked_pc : s->insn_pc;
    s->c.exceptions++;
    if (ilevel) s->c.interrupts++;
    s->c.last_vector = vector;
    s->c.last_vector_pc = ev_pc;
    uint16_t nsr = (uint16_t)((old | 0x2000) & ~0x8000);
    if (ilevel) nsr = (uint16_t)((nsr & ~0x0700) | (ilevel & 7) << 8);
    m68k_set_sr(s, nsr);
    s->trace_pending = false;
    s->stopped = false;
    uint32_t sp = s->a[7];
    if (sp & 1) return double_fault(s);
    bool ok = true;
    if (s->variant == M68K_68000) {
        if (g0) {
            sp -= 14;
            ok = m68k_wr(s, sp + 12, 2, stacked_pc & 0xFFFF) && m68k_wr(s, sp + 8, 2, old) &&
                 m68k_wr(s, sp + 10, 2, stacked_pc >> 16) && m68k_wr(s, sp + 6, 2, s->ir) &&
                 m68k_wr(s, sp + 4, 2, acc_addr & 0xFFFF) && m68k_wr(s, sp + 0, 2, (uint32_t)(info | (s->ir & 0xFFE0))) &&
                 m68k_wr(s, sp + 2, 2, acc_addr >> 16);
        } else {
            sp -= 6;
            ok = m68k_wr(s, sp + 4, 2, stacked_pc & 0xFFFF) && m68k_wr(s, sp, 2, old) &&
                 m68k_wr(s, sp + 2, 2, stacked_pc >> 16);
        }
    } else {
        if (g0) {
            bool rw = info & 0x10, ifetch = !(info & 0x08);
            uint32_t ssw = (rw ? 0x100u : 0) | (ifetch ? 0x2000u : rw ? 0x1000u : 0) | (info & 7u);
            sp -= 58;
            ok = m68k_wr_zero(s, sp, 58) && m68k_wr(s, sp, 2, old) && m68k_wr(s, sp + 2, 4, stacked_pc) &&
                 m68k_wr(s, sp + 6, 2, 0x8000u | ((uint32_t)vector * 4 & 0xFFF)) &&
                 m68k_wr(s, sp + 8, 2, ssw) && m68k_wr(s, sp + 10, 4, acc_addr) &&
                 m68k_wr(s, sp + 24, 2, s->ir);
        } else {
            sp -= 8;
            ok = m68k_wr(s, sp + 6, 2, (uint32_t)vector * 4 & 0xFFF) && m68k_wr(s, sp + 2, 4, stacked_pc) &&
                 m68k_wr(s, sp, 2, old);
        }
    }
    if (!ok) return double_fault(s);
    s->a[7] = sp;
    uint32_t h;
    if (!m68k_vector_entry(s, vector, &h)) return double_fault(s);
    s->pc = h;
    m68k_update_ithresh(s);
    if (s->c.m && (s->c.m->hook_mask & VLAB_EV_EXCEPTION)) {
        vl_event(s->c.m, VLAB_EV_EXCEPTION, (uint32_t)vector, ev_pc);
        m68k_update_ithresh(s);
    }
    return 0;
}
