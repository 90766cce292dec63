/* test_ppc_unicorn.c - Unicorn 2 as a second judge of the PowerPC core.
 *
 * Seeded random user-mode integer instructions, generated from the decode
 * table (every integer form that user code can execute), run on vlab's 750
 * and on Unicorn (UC_ARCH_PPC, PPC32 big-endian, CPU model 750 v3.1) from the
 * same random state; after each block GPRs, CR, XER, LR, CTR, PC and the
 * data memory must agree. Blocks are 4 instructions, or 1 for the forms
 * below that need to be looked at alone. At least 200,000 instruction
 * executions; every form is counted and must have run.
 *
 * Not compared (Unicorn bugs or behaviour the manual leaves undefined; the
 * manual decides, not Unicorn):
 *  - mftb: Unicorn 2.0.1 crashes on the time base.
 *  - sc, and tw/twi that trap: exceptions; for traps only "both trapped" is
 *    checked (vlab: program interrupt 0x700 with SRR1 trap bit).
 *  - divw/divwu by zero and 0x80000000 / -1: rD and CR0 LT/GT/EQ are
 *    undefined (PEM); XER[OV/SO] are compared.
 *  - mtxer: Unicorn keeps XER bits 3-24, which the 750 implements as
 *    reserved (read as 0): XER compared under mask 0xE000007F after mtxer.
 *  - eciwx/ecowx: depend on the privileged EAR (not user-mode state).
 *  - lmw/stmw with an unaligned EA, lwarx/stwcx. with an unaligned EA: the
 *    750 takes an alignment interrupt; only aligned forms are generated.
 *  - stwcx. is generated only after a lwarx of the same address (QEMU's
 *    reservation also compares the memory value).
 *  - lswx/stswx are generated only as a block's first instruction (the
 *    byte count in XER must be the generated one, <= 32).
 *  - Invalid forms (update with rA = 0 / rA = rD, bcctr decrementing CTR,
 *    reserved bits set, lmw/lswi with rA in the loaded range): not generated.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/testlib.h"

#ifndef VL_HAVE_UNICORN
/* built without unicorn's header: the missing-package policy (SKIP, FAIL under VLAB_CI) */
int main(void) { return vl_test_no_unicorn(); }
#else
#include <unicorn/unicorn.h>
#include "isa/ppc/ppc.h"
#include "vlab.h"

#define RAM 0x40000u
#define NOPS_LO 0x2000u
#define NOPS_HI 0x8000u
#define TGT_HI 0x7F00u /* branch targets stay well inside the nops */
#define CODE 0x5000u
#define DATA 0x20000u
#define DATA_SZ 0x10000u
#define BASE 0x28000u
#define NOP 0x60000000u
#define TARGET_EXEC 200000u
#define BLOCK 4

static uint64_t rng_state;
static uint32_t rnd(void) {
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return (uint32_t)(rng_state >> 11);
}
static uint32_t rnd_range(uint32_t n) { return rnd() % n; }
/* values with a bias towards edge cases */
static uint32_t rnd_val(void) {
    static const uint32_t edge[] = { 0, 1, 2, 0xFFFFFFFFu, 0x7FFFFFFFu, 0x80000000u, 0x80000001u,
                                     0xFFFF, 0x8000, 0x7FFF, 0xFFFF8000u, 31, 32, 33, 63, 64 };
    switch (rnd_range(4)) {
    case 0: return edge[rnd_range(sizeof edge / sizeof *edge)];
    case 1: return rnd_range(64);
    default: return rnd();
    }
}

/* register roles: destinations, base (address) and index registers */
static const unsigned dest_regs[] = { 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 28, 29, 30, 31 };
static unsigned rdest(void) { return dest_regs[rnd_range(sizeof dest_regs / sizeof *dest_regs)]; }
static unsigned rbase(void) { return 20 + rnd_range(4); }
static unsigned ridx(void) { return 24 + rnd_range(4); }

enum { K_NORMAL, K_SINGLE, K_FIRST, K_PAIR };
typedef struct form {
    int idx;       /* decode table index */
    int kind;
    unsigned long runs;
} form;
static form forms[256];
static int nforms;

static bool excluded(const ppc_insn *in) {
    if (in->flags & (PPC_F_FP | PPC_F_PRIV)) return true;
    switch (in->op) {
    case PPC_OP_MFTB: case PPC_OP_SC: case PPC_OP_ECIWX: case PPC_OP_ECOWX: case PPC_OP_STWCX:
        return true;
    default: return false;
    }
}

static int kind_of(const ppc_insn *in) {
    switch (in->op) {
    case PPC_OP_DIVW: case PPC_OP_DIVWU: case PPC_OP_TW: case PPC_OP_TWI: case PPC_OP_MTSPR:
        return K_SINGLE;
    case PPC_OP_LSWX: case PPC_OP_STSWX: case PPC_OP_LMW: case PPC_OP_STMW: return K_FIRST;
    case PPC_OP_LWARX: return K_PAIR;
    default: return K_NORMAL;
    }
}

static uint32_t rel_target(uint32_t pc, int bits) {
    (void)bits;
    int32_t off = ((int32_t)rnd_range(129) - 64) * 4;
    (void)pc;
    return (uint32_t)off;
}

/* One random instance of a form at address pc. */
static uint32_t gen(const ppc_insn *in, uint32_t pc) {
    uint32_t w = in->match;
    bool mem = (in->flags & (PPC_F_LOAD | PPC_F_STORE)) || in->op == PPC_OP_DCBZ || in->op == PPC_OP_DCBF ||
               in->op == PPC_OP_DCBST || in->op == PPC_OP_DCBT || in->op == PPC_OP_DCBTST || in->op == PPC_OP_ICBI;
    bool multi = in->op == PPC_OP_LMW || in->op == PPC_OP_STMW;
    bool str = in->op == PPC_OP_LSWI || in->op == PPC_OP_LSWX || in->op == PPC_OP_STSWI || in->op == PPC_OP_STSWX;
    bool aligned4 = multi || in->op == PPC_OP_LWARX;
    for (int k = 0; k < 5 && in->opd[k]; k++) {
        bool first = k == 0;
        switch (in->opd[k]) {
        case PPC_OPD_RT: {
            unsigned r = rdest();
            if (multi) r = 28 + rnd_range(4);
            if (str) r = rnd_range(11);
            w |= r << 21;
            break;
        }
        case PPC_OPD_RS: {
            unsigned r = rnd_range(32);
            if (multi) r = 28 + rnd_range(4);
            if (str) r = rnd_range(11);
            w |= r << 21;
            break;
        }
        case PPC_OPD_RA: w |= (first ? rdest() : (mem ? rbase() : rnd_range(32))) << 16; break;
        case PPC_OPD_RA0: w |= (mem ? rbase() : rnd_range(32)) << 16; break;
        case PPC_OPD_RB: w |= (mem ? ridx() : rnd_range(32)) << 11; break;
        case PPC_OPD_SIMM: case PPC_OPD_UIMM: w |= rnd_val() & 0xFFFF; break;
        case PPC_OPD_D_RA0: case PPC_OPD_D_RA: {
            int32_t d = (int32_t)rnd_range(0x2000) - 0x1000;
            if (aligned4) d &= ~3;
            w |= rbase() << 16 | ((uint32_t)d & 0xFFFF);
            break;
        }
        case PPC_OPD_BO: {
            unsigned bo = rnd_range(32);
            if (in->op == PPC_OP_BCCTR) bo |= 4;
            w |= bo << 21;
            break;
        }
        case PPC_OPD_BI: case PPC_OPD_CRBD: case PPC_OPD_CRBA: case PPC_OPD_CRBB:
        case PPC_OPD_SH: case PPC_OPD_MB: case PPC_OPD_ME: case PPC_OPD_TO: {
            static const int shift[] = { [PPC_OPD_BI] = 16, [PPC_OPD_CRBD] = 21, [PPC_OPD_CRBA] = 16,
                                         [PPC_OPD_CRBB] = 11, [PPC_OPD_SH] = 11, [PPC_OPD_MB] = 6,
                                         [PPC_OPD_ME] = 1, [PPC_OPD_TO] = 21 };
            w |= rnd_range(32) << shift[in->opd[k]];
            break;
        }
        case PPC_OPD_NB: w |= rnd_range(32) << 11; break;
        case PPC_OPD_CRFD: w |= rnd_range(8) << 23; break;
        case PPC_OPD_CRFS: w |= rnd_range(8) << 18; break;
        case PPC_OPD_L: break;
        case PPC_OPD_CRM: w |= rnd_range(256) << 12; break;
        case PPC_OPD_SPR: {
            static const unsigned sprs[] = { 1, 8, 9 };
            w |= ppc_spr_encode(sprs[rnd_range(3)]);
            break;
        }
        case PPC_OPD_BD: case PPC_OPD_LI: {
            bool aa = (in->flags & PPC_F_AA) && rnd_range(4) == 0;
            uint32_t mask = in->opd[k] == PPC_OPD_BD ? 0xFFFCu : 0x3FFFFFCu;
            uint32_t t = aa ? (NOPS_LO + rnd_range((TGT_HI - NOPS_LO) / 4) * 4) : rel_target(pc, 0);
            w |= (t & mask) | (aa ? 2u : 0u);
            break;
        }
        default: break;
        }
    }
    if ((in->flags & PPC_F_RC) && rnd_range(2)) w |= 1;
    if ((in->flags & PPC_F_OE) && rnd_range(2)) w |= 0x400;
    if ((in->flags & PPC_F_LK) && rnd_range(2)) w |= 1;
    return w;
}

static const int uc_gpr0 = UC_PPC_REG_0;

typedef struct state {
    uint32_t gpr[32], cr, xer, lr, ctr, pc;
} state;

/* Unicorn 2.0.1 bug: UC_PPC_REG_XER reads and writes only the XER word,
 * not the SO/OV/CA flags QEMU keeps apart, so XER goes through mtxer r0 and
 * mfxer r0 executed at XER_SET / XER_GET. */
#define XER_SET 0x1000u
#define XER_GET 0x1004u
static void read_uc(uc_engine *uc, state *t) {
    for (int i = 0; i < 32; i++) uc_reg_read(uc, uc_gpr0 + i, &t->gpr[i]);
    uc_reg_read(uc, UC_PPC_REG_CR, &t->cr);
    uc_reg_read(uc, UC_PPC_REG_LR, &t->lr);
    uc_reg_read(uc, UC_PPC_REG_CTR, &t->ctr);
    uc_reg_read(uc, UC_PPC_REG_PC, &t->pc);
    uc_emu_start(uc, XER_GET, 0xFFFFFFF1u, 0, 1);
    uc_reg_read(uc, uc_gpr0, &t->xer);
    uc_reg_write(uc, uc_gpr0, &t->gpr[0]);
}
static void write_uc(uc_engine *uc, const state *t) {
    uc_reg_write(uc, uc_gpr0, &t->xer);
    uc_emu_start(uc, XER_SET, 0xFFFFFFF1u, 0, 1);
    for (int i = 0; i < 32; i++) uc_reg_write(uc, uc_gpr0 + i, &t->gpr[i]);
    uc_reg_write(uc, UC_PPC_REG_CR, &t->cr);
    uc_reg_write(uc, UC_PPC_REG_LR, &t->lr);
    uc_reg_write(uc, UC_PPC_REG_CTR, &t->ctr);
    uc_reg_write(uc, UC_PPC_REG_PC, &t->pc);
}
static void read_vl(const ppc_cpu *s, state *t) {
    memcpy(t->gpr, s->gpr, sizeof t->gpr);
    t->cr = s->cr, t->xer = s->xer, t->lr = s->lr, t->ctr = s->ctr, t->pc = s->pc;
}
static void write_vl(ppc_cpu *s, const state *t) {
    memcpy(s->gpr, t->gpr, sizeof t->gpr);
    s->cr = t->cr, s->xer = t->xer, s->lr = t->lr, s->ctr = t->ctr, s->pc = t->pc;
}

static int uc_trapped;
static void hook_intr(uc_engine *uc, uint32_t intno, void *ud) {
    (void)intno; (void)ud;
    uc_trapped = 1;
    uc_emu_stop(uc);
}

int main(int argc, char **argv) {
    uint64_t seed = argc > 1 ? strtoull(argv[1], NULL, 0) : 0x750750750ull;
    unsigned long target = argc > 2 ? strtoul(argv[2], NULL, 0) : TARGET_EXEC;
    rng_state = seed * 0x9E3779B97F4A7C15ull + 0x2545F4914F6CDD1Dull;
    uc_engine *uc;
    if (uc_open(UC_ARCH_PPC, UC_MODE_PPC32 | UC_MODE_BIG_ENDIAN, &uc) != UC_ERR_OK) {
        /* the installed unicorn has no 32-bit big-endian PowerPC */
        return vl_test_missing("libunicorn-dev (with PowerPC)", "uc_open(UC_ARCH_PPC) failed");
    }
    bool model750 = uc_ctl_set_cpu_model(uc, UC_CPU_PPC32_750_V3_1) == UC_ERR_OK;
    if (uc_mem_map(uc, 0, RAM, UC_PROT_ALL) != UC_ERR_OK) {
        printf("FAIL: uc_mem_map\n");
        return 1;
    }
    uc_hook hh;
    uc_hook_add(uc, &hh, UC_HOOK_INTR, (void *)hook_intr, NULL, 1, 0);

    char err[256];
    vlab_machine *m = vlab_machine_new("ppc", "750", RAM, err, sizeof err);
    if (!m) { printf("FAIL: %s\n", err); return 1; }
    ppc_cpu *s = (ppc_cpu *)m->cpu;
    s->msr = MSR_ME | MSR_PR; /* user mode */
    for (uint32_t v = 0x100; v < 0x2000; v += 0x100) vlab_mem_set(m, v, 4, 0x48000000u);

    /* memory: nops around the code, random data */
    uint8_t *img = calloc(1, RAM), *ucmem = malloc(DATA_SZ);
    for (uint32_t a = NOPS_LO; a < NOPS_HI; a += 4) vl_put_be32(img + a, NOP);
    for (uint32_t a = DATA; a < DATA + DATA_SZ; a++) img[a] = (uint8_t)rnd();
    for (uint32_t v = 0x100; v < 0x2000; v += 0x100) vl_put_be32(img + v, 0x48000000u);
    vlab_mem_write(m, 0, img, RAM);
    vl_put_be32(img + XER_SET, 0x7C0103A6u); /* mtxer r0 */
    vl_put_be32(img + XER_GET, 0x7C0102A6u); /* mfxer r0 */
    uc_mem_write(uc, 0, img, RAM);

    for (int i = 0; i < ppc_ninsns; i++) {
        const ppc_insn *in = &ppc_insns[i];
        if (excluded(in)) continue;
        forms[nforms].idx = i;
        forms[nforms].kind = kind_of(in);
        nforms++;
    }
    int stwcx_idx = ppc_decode_index(0x7C00012Du | 1u << 16);
    unsigned long execs = 0, blocks = 0, mismatches = 0, skipped_undef = 0, traps = 0, stwcx_runs = 0;
    const int max_report = 20;

    while (execs < target) {
        /* random state */
        state st0;
        for (int i = 0; i < 32; i++) st0.gpr[i] = rnd_val();
        for (int i = 20; i < 24; i++) st0.gpr[i] = BASE + (rnd_range(0x800) & ~3u);
        for (int i = 24; i < 28; i++) st0.gpr[i] = (uint32_t)((int32_t)rnd_range(0x800) - 0x400);
        st0.cr = rnd();
        st0.xer = (rnd() & 0xE0000000u) | rnd_range(33);
        st0.lr = NOPS_LO + rnd_range((TGT_HI - NOPS_LO) / 4) * 4 + rnd_range(4);
        st0.ctr = rnd_range(4) == 0 ? rnd_range(3) : NOPS_LO + rnd_range((TGT_HI - NOPS_LO) / 4) * 4 + rnd_range(4);
        st0.pc = CODE;

        /* the block */
        uint32_t code[BLOCK];
        int n = 0, fi[BLOCK];
        form *f = &forms[rnd_range((uint32_t)nforms)];
        if (f->kind == K_PAIR) {
            unsigned rb = rbase();
            code[0] = 0x7C000028u | rdest() << 21 | rb << 11; /* lwarx rT,0,rB */
            code[1] = 0x7C00012Du | rnd_range(32) << 21 | rb << 11; /* stwcx. rS,0,rB */
            fi[0] = f->idx, fi[1] = stwcx_idx;
            n = 2;
        } else if (f->kind == K_SINGLE) {
            code[0] = gen(&ppc_insns[f->idx], CODE);
            fi[0] = f->idx;
            n = 1;
        } else {
            code[0] = gen(&ppc_insns[f->idx], CODE);
            fi[0] = f->idx;
            n = 1;
            while (n < BLOCK) {
                form *g = &forms[rnd_range((uint32_t)nforms)];
                if (g->kind != K_NORMAL) continue;
                code[n] = gen(&ppc_insns[g->idx], CODE + 4 * (uint32_t)n);
                fi[n] = g->idx;
                n++;
            }
        }
        /* CTR must be a code address for bcctr in the block */
        for (int i = 0; i < n; i++)
            if (ppc_insns[fi[i]].op == PPC_OP_BCCTR) st0.ctr = NOPS_LO + rnd_range((TGT_HI - NOPS_LO) / 4) * 4;
        for (int i = 0; i < n; i++) {
            if (ppc_decode_index(code[i]) != fi[i]) {
                printf("generator bug: %08x is not %s\n", code[i], ppc_insns[fi[i]].mnemonic);
                return 1;
            }
        }
        uint8_t cb[4 * BLOCK];
        for (int i = 0; i < n; i++) vl_put_be32(cb + 4 * i, code[i]);
        vlab_mem_write(m, CODE, cb, 4 * (size_t)n);
        uc_mem_write(uc, CODE, cb, 4 * (size_t)n);
        uc_ctl_remove_cache(uc, CODE, CODE + 4 * BLOCK);

        /* undefined division results */
        bool undef_div = false, mtxer = false;
        for (int i = 0; i < n; i++) {
            const ppc_insn *in = &ppc_insns[fi[i]];
            if (in->op == PPC_OP_DIVW || in->op == PPC_OP_DIVWU) {
                uint32_t a = st0.gpr[(code[i] >> 16) & 31], b = st0.gpr[(code[i] >> 11) & 31];
                if (b == 0 || (in->op == PPC_OP_DIVW && a == 0x80000000u && b == 0xFFFFFFFFu)) undef_div = true;
            }
            if (in->op == PPC_OP_MTSPR && ppc_spr_field(code[i]) == 1) mtxer = true;
        }

        /* run both */
        write_vl(s, &st0);
        write_uc(uc, &st0);
        uint64_t ic0 = s->c.icount;
        vlab_stop vs = vlab_step(m, (uint64_t)n);
        uc_trapped = 0;
        uc_err ue = uc_emu_start(uc, CODE, 0xFFFFFFF1u, 0, (size_t)n);
        blocks++;
        execs += (unsigned long)n;
        for (int i = 0; i < n; i++)
            for (int k = 0; k < nforms; k++)
                if (forms[k].idx == fi[i]) forms[k].runs++;
        if (n == 2 && fi[0] != fi[1]) stwcx_runs++;

        bool vl_trap = vs.reason == VLAB_STOP_HALT || s->pc == 0x700 || (vs.reason == VLAB_STOP_EXCEPTION);
        (void)ic0;
        const ppc_insn *in0 = &ppc_insns[fi[0]];
        if (in0->op == PPC_OP_TW || in0->op == PPC_OP_TWI) {
            bool vt = s->pc == 0x700 && (s->srr1 & SRR1_TRAP);
            if (vt || uc_trapped) {
                traps++;
                if (vt != (bool)uc_trapped) {
                    if (mismatches++ < (unsigned long)max_report)
                        printf("MISMATCH trap %08x: vlab %d unicorn %d\n", code[0], vt, uc_trapped);
                }
                /* resync */
                state t;
                read_vl(s, &t);
                s->msr = MSR_ME | MSR_PR;
                continue;
            }
        }
        (void)vl_trap;
        /* a branch to itself halts vlab (MSR[EE] = 0); Unicorn goes round it */
        bool halted = vs.reason == VLAB_STOP_HALT && s->pc >= NOPS_LO && s->pc < NOPS_HI;
        if (ue != UC_ERR_OK || uc_trapped || (vs.reason != VLAB_STOP_BUDGET && !halted)) {
            if (mismatches++ < (unsigned long)max_report) {
                printf("MISMATCH run: block");
                for (int i = 0; i < n; i++) printf(" %08x(%s)", code[i], ppc_insns[fi[i]].mnemonic);
                printf(": unicorn %s%s, vlab stop %s pc %08x vector %#x\n", uc_strerror(ue),
                       uc_trapped ? " (interrupt)" : "", vlab_stop_name(vs.reason), vs.pc, (unsigned)vs.vector);
            }
            s->msr = MSR_ME | MSR_PR;
            uc_mem_write(uc, DATA, m->mem.ram + DATA, DATA_SZ); /* resync */
            continue;
        }
        state a, b;
        read_vl(s, &a);
        read_uc(uc, &b);
        if (undef_div) {
            skipped_undef++;
            unsigned rd = (code[0] >> 21) & 31;
            b.gpr[rd] = a.gpr[rd];
            if (code[0] & 1) b.cr = (b.cr & 0x1FFFFFFFu) | (a.cr & 0xE0000000u);
        }
        if (mtxer) b.xer &= 0xE000007Fu;
        bool bad = memcmp(a.gpr, b.gpr, sizeof a.gpr) || a.cr != b.cr || a.xer != b.xer || a.lr != b.lr ||
                   a.ctr != b.ctr || a.pc != b.pc;
        uc_mem_read(uc, DATA, ucmem, DATA_SZ);
        const uint8_t *ours = m->mem.ram + DATA;
        long memdiff = -1;
        if (memcmp(ours, ucmem, DATA_SZ))
            for (uint32_t i = 0; i < DATA_SZ; i++)
                if (ours[i] != ucmem[i]) { memdiff = (long)i; break; }
        if (bad || memdiff >= 0) {
            if (mismatches++ < (unsigned long)max_report) {
                printf("MISMATCH block");
                for (int i = 0; i < n; i++) printf(" %08x(%s)", code[i], ppc_insns[fi[i]].mnemonic);
                printf("\n");
                for (int i = 0; i < 32; i++)
                    if (a.gpr[i] != b.gpr[i])
                        printf("  r%d: start %08x vlab %08x unicorn %08x\n", i, st0.gpr[i], a.gpr[i], b.gpr[i]);
                if (a.cr != b.cr) printf("  cr: start %08x vlab %08x unicorn %08x\n", st0.cr, a.cr, b.cr);
                if (a.xer != b.xer) printf("  xer: start %08x vlab %08x unicorn %08x\n", st0.xer, a.xer, b.xer);
                if (a.lr != b.lr) printf("  lr: start %08x vlab %08x unicorn %08x\n", st0.lr, a.lr, b.lr);
                if (a.ctr != b.ctr) printf("  ctr: start %08x vlab %08x unicorn %08x\n", st0.ctr, a.ctr, b.ctr);
                if (a.pc != b.pc) printf("  pc: vlab %08x unicorn %08x\n", a.pc, b.pc);
                if (memdiff >= 0)
                    printf("  memory at %08lx: vlab %02x unicorn %02x\n", (unsigned long)(DATA + memdiff),
                           ours[memdiff], ucmem[memdiff]);
            }
            uc_mem_write(uc, DATA, ours, DATA_SZ); /* resync */
        }
    }

    int unrun = 0;
    for (int k = 0; k < nforms; k++)
        if (!forms[k].runs) {
            printf("form never run: %s\n", ppc_insns[forms[k].idx].mnemonic);
            unrun++;
        }
    printf("unicorn judge: seed %#llx, cpu model %s, %d forms, %lu blocks, %lu instruction executions "
           "(stwcx. pairs %lu, traps %lu, undefined divisions not compared %lu): %lu disagreements\n",
           (unsigned long long)seed, model750 ? "750 v3.1" : "default", nforms, blocks, execs, stwcx_runs, traps,
           skipped_undef, mismatches);
    uc_close(uc);
    vlab_machine_free(m);
    free(img);
    free(ucmem);
    return mismatches || unrun ? 1 : 0;
}
#endif
