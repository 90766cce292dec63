/* slice.h - the PowerPC 750 threaded interpreter loop: run instructions
 * until icount reaches s->slice_end or something stops. exec.c includes it
 * twice, as run_slice_fast (SLICE_CHECKED 0) and run_slice_checked (1: with
 * the exit-set check), so that an empty exit set costs nothing; each copy
 * has its own handler-address table. The handlers, the macros they use and
 * the decoder are in exec.c. */
static int SLICE_NAME(ppc_cpu *s, vl_stop *st) {
    const bool checked = SLICE_CHECKED;
    /* read once: the set is fixed for the run (core.h), and handlers write
     * through s, which would make the compiler load these at every step */
    const uint32_t xset = s->c.exit_set << 1;
    (void)xset;
#if defined(__GNUC__) && !defined(PPC_NO_THREADED)
    static const void *const lbl[] = { PPC_XHANDLERS(PPC_XH_LABEL) PPC_OPS(PPC_OP_LABEL) };
#else
    unsigned hsel;
#endif
    uint32_t pc = s->pc, word = 0, npc = 0, cur_page = 1;
    uint64_t ic = s->c.icount;
    ppc_dent *base = s->dc_one.e, *e = base;
    const uint8_t *rp = s->dc_one_buf;

top:
    if (ic >= s->slice_end) goto out;
    if (VL_UNLIKELY((pc & ~0xFFFu) != s->fetch_page)) {
        SYNC();
        if (!fetch_slow(s, pc, &word)) goto exc;
        if ((pc & ~0xFFFu) != s->fetch_page) {
            /* not in fast RAM (the MMIO window, the end of RAM): this one
             * word, from dc_one; its successor's word is made to differ, so
             * that the next dispatch comes back here */
            unsigned off = pc & 0xFFFu;
            base = s->dc_one.e;
            e = base + (off >> 2);
            rp = s->dc_one_buf;
            cur_page = 1;
            dc_decode(s, e, word);
            memcpy(s->dc_one_buf + off, &e->raw, 4);
            if (off < 0xFFCu) {
                uint32_t other = ~e[1].raw;
                memcpy(s->dc_one_buf + off + 4, &other, 4);
            }
            GO();
        }
    }
    base = s->dc[(s->fetch_pa >> 12) & (PPC_DC_PAGES - 1)].e;
    rp = s->ram + s->fetch_pa;
    cur_page = pc & ~0xFFFu;
    e = base + ((pc & 0xFFFu) >> 2);
    if (raw_word(rp + (pc & 0xFFFu)) != e->raw) goto redecode;
    GO();

    HANDLERS_BEGIN
    XH(DECODE)
    redecode:
        /* the end of a page (its extra entry), or dc_one's next word */
        if (e == base + PPC_DC_N || cur_page == 1) goto top;
        dc_decode(s, e, vl_be32(rp + (pc & 0xFFFu)));
        GO();
    XH(VMEXIT)
        goto vmexit;
    XH(ILL) XH(ILLFORM)
        ILLEGAL();
    XH(PRIV)
        if (s->msr & MSR_PR) PROGRAM(SRR1_PRIV);
        JUMP(H_OP0 + e->op);
    /* ---- arithmetic ---- */
    XH(LI) G[RD] = SIMM; NEXT();
    XH(LIS) G[RD] = w << 16; NEXT();
    /* rA = 0 is H_LI / H_LIS */
    OH(ADDI) G[RD] = G[RA] + SIMM; NEXT();
    OH(ADDIS) G[RD] = G[RA] + (w << 16); NEXT();
    OH(ADDIC) OH(ADDIC_RC) {
        uint32_t a = G[RA], r = a + SIMM;
        set_ca(s, r < a);
        G[RD] = r;
        if (OP == PPC_OP_ADDIC_RC) set_cr0(s, r);
        NEXT();
    }
    OH(SUBFIC) {
        uint64_t r = (uint64_t)(uint32_t)~G[RA] + SIMM + 1;
        set_ca(s, (uint32_t)(r >> 32));
        G[RD] = (uint32_t)r;
        NEXT();
    }
    OH(MULLI) G[RD] = (uint32_t)((int64_t)(int32_t)G[RA] * (int16_t)(w & 0xFFFF)); NEXT();
    OH(ADD) {
        uint32_t r = G[RA] + G[RB];
        if (VL_UNLIKELY(w & 0x401)) {
            if (w & 0x400) set_ov(s, ((G[RA] ^ r) & (G[RB] ^ r)) >> 31);
            G[RD] = r;
            RC_CR0(r);
            NEXT();
        }
        G[RD] = r;
        NEXT();
    }
    OH(SUBF) {
        uint32_t r = G[RB] - G[RA];
        if (VL_UNLIKELY(w & 0x401)) {
            uint32_t a = ~G[RA], b = G[RB];
            if (w & 0x400) set_ov(s, ((a ^ r) & (b ^ r)) >> 31);
            G[RD] = r;
            RC_CR0(r);
            NEXT();
        }
        G[RD] = r;
        NEXT();
    }
    OH(ADDC) OH(ADDE) OH(ADDME) OH(ADDZE) OH(SUBFC) OH(SUBFE) OH(SUBFME) OH(SUBFZE) OH(NEG) {
        uint32_t a = G[RA], b = G[RB], c = 0, ca = (s->xer >> 29) & 1;
        switch (OP) {
        case PPC_OP_ADDC: break;
        case PPC_OP_ADDE: c = ca; break;
        case PPC_OP_ADDME: b = 0xFFFFFFFFu; c = ca; break;
        case PPC_OP_ADDZE: b = 0; c = ca; break;
        case PPC_OP_SUBFC: a = ~a; c = 1; break;
        case PPC_OP_SUBFE: a = ~a; c = ca; break;
        case PPC_OP_SUBFME: a = ~a; b = 0xFFFFFFFFu; c = ca; break;
        case PPC_OP_SUBFZE: a = ~a; b = 0; c = ca; break;
        default: /* NEG */ a = ~a; b = 0; c = 1; break;
        }
        uint64_t wide = (uint64_t)a + b + c;
        uint32_t r = (uint32_t)wide;
        if (OP != PPC_OP_NEG) set_ca(s, (uint32_t)(wide >> 32));
        if (w & 0x400) set_ov(s, ((a ^ r) & (b ^ r)) >> 31);
        G[RD] = r;
        RC_CR0(r);
        NEXT();
    }
    OH(MULLW) {
        int64_t p = (int64_t)(int32_t)G[RA] * (int32_t)G[RB];
        if (w & 0x400) set_ov(s, p != (int32_t)p);
        G[RD] = (uint32_t)p;
        RC_CR0(G[RD]);
        NEXT();
    }
    OH(MULHW)
        G[RD] = (uint32_t)((uint64_t)((int64_t)(int32_t)G[RA] * (int32_t)G[RB]) >> 32);
        RC_CR0(G[RD]);
        NEXT();
    OH(MULHWU)
        G[RD] = (uint32_t)(((uint64_t)G[RA] * G[RB]) >> 32);
        RC_CR0(G[RD]);
        NEXT();
    OH(DIVW) {
        int32_t a = (int32_t)G[RA], b = (int32_t)G[RB];
        bool bad = b == 0 || (a == INT32_MIN && b == -1);
        /* undefined result (PEM): vlab gives 0xFFFFFFFF for a negative dividend, else 0 */
        uint32_t r = bad ? (a < 0 ? 0xFFFFFFFFu : 0u) : (uint32_t)(a / b);
        if (w & 0x400) set_ov(s, bad);
        G[RD] = r;
        RC_CR0(r);
        NEXT();
    }
    OH(DIVWU) {
        uint32_t a = G[RA], b = G[RB];
        uint32_t r = b ? a / b : 0; /* undefined result: vlab gives 0 */
        if (w & 0x400) set_ov(s, b == 0);
        G[RD] = r;
        RC_CR0(r);
        NEXT();
    }
    /* ---- compare (the CR field's shift in x) ---- */
    OH(CMPI) set_crf_sh(s, e->x, cmp_s(s, (int32_t)G[RA], (int32_t)SIMM)); NEXT();
    OH(CMPLI) set_crf_sh(s, e->x, cmp_u(s, G[RA], UIMM)); NEXT();
    OH(CMP) set_crf_sh(s, e->x, cmp_s(s, (int32_t)G[RA], (int32_t)G[RB])); NEXT();
    OH(CMPL) set_crf_sh(s, e->x, cmp_u(s, G[RA], G[RB])); NEXT();
    /* ---- logical ---- */
    OH(ANDI) G[RA] = G[RD] & UIMM; set_cr0(s, G[RA]); NEXT();
    OH(ANDIS) G[RA] = G[RD] & (UIMM << 16); set_cr0(s, G[RA]); NEXT();
    OH(ORI) G[RA] = G[RD] | UIMM; NEXT();
    OH(ORIS) G[RA] = G[RD] | (UIMM << 16); NEXT();
    OH(XORI) G[RA] = G[RD] ^ UIMM; NEXT();
    OH(XORIS) G[RA] = G[RD] ^ (UIMM << 16); NEXT();
    OH(AND) G[RA] = G[RD] & G[RB]; RC_CR0(G[RA]); NEXT();
    OH(ANDC) G[RA] = G[RD] & ~G[RB]; RC_CR0(G[RA]); NEXT();
    OH(OR) G[RA] = G[RD] | G[RB]; RC_CR0(G[RA]); NEXT();
    OH(ORC) G[RA] = G[RD] | ~G[RB]; RC_CR0(G[RA]); NEXT();
    OH(NOR) G[RA] = ~(G[RD] | G[RB]); RC_CR0(G[RA]); NEXT();
    OH(XOR) G[RA] = G[RD] ^ G[RB]; RC_CR0(G[RA]); NEXT();
    OH(EQV) G[RA] = ~(G[RD] ^ G[RB]); RC_CR0(G[RA]); NEXT();
    OH(NAND) G[RA] = ~(G[RD] & G[RB]); RC_CR0(G[RA]); NEXT();
    OH(CNTLZW) G[RA] = G[RD] ? (uint32_t)__builtin_clz(G[RD]) : 32u; RC_CR0(G[RA]); NEXT();
    OH(EXTSB) G[RA] = (uint32_t)(int32_t)(int8_t)G[RD]; RC_CR0(G[RA]); NEXT();
    OH(EXTSH) G[RA] = (uint32_t)(int32_t)(int16_t)G[RD]; RC_CR0(G[RA]); NEXT();
    /* ---- rotate and shift (the mask is pre-computed in imm) ---- */
    OH(RLWIMI) {
        uint32_t m = e->imm;
        G[RA] = (rotl(G[RD], RB) & m) | (G[RA] & ~m);
        RC_CR0(G[RA]);
        NEXT();
    }
    OH(RLWINM) G[RA] = rotl(G[RD], RB) & e->imm; RC_CR0(G[RA]); NEXT();
    OH(RLWNM) G[RA] = rotl(G[RD], G[RB] & 31) & e->imm; RC_CR0(G[RA]); NEXT();
    OH(SLW) { uint32_t n = G[RB] & 0x3F; G[RA] = n & 0x20 ? 0 : G[RD] << n; RC_CR0(G[RA]); NEXT(); }
    OH(SRW) { uint32_t n = G[RB] & 0x3F; G[RA] = n & 0x20 ? 0 : G[RD] >> n; RC_CR0(G[RA]); NEXT(); }
    OH(SRAW) OH(SRAWI) {
        uint32_t n = OP == PPC_OP_SRAWI ? RB : G[RB] & 0x3F, x = G[RD], r, ca;
        if (n & 0x20) { r = (uint32_t)((int32_t)x >> 31); ca = x >> 31; }
        else if (n == 0) { r = x; ca = 0; }
        else { r = (uint32_t)((int32_t)x >> n); ca = (x >> 31) && (x & ((1u << n) - 1)); }
        set_ca(s, ca);
        G[RA] = r;
        RC_CR0(r);
        NEXT();
    }
    /* ---- branches (displacements pre-extracted in imm) ---- */
    OH(B) {
        uint32_t t = (w & 2) ? e->imm : pc + e->imm;
        if (w & 1) s->lr = pc + 4;
        s->was_branch = true;
        if (VL_UNLIKELY(t == pc)) { npc = t; goto self; }
        BRANCH(t);
    }
    XH(BC_CR)
        /* BO = 0b0c1zy without LK: branch if the CR bit (31 - BI in x) is c;
         * CTR untouched */
        s->was_branch = true;
        if (!(((s->cr >> e->x) ^ (RD >> 3)) & 1)) {
            uint32_t t = (w & 2) ? e->imm : pc + e->imm;
            if (VL_UNLIKELY(t == pc)) { npc = t; goto self; }
            BRANCH(t);
        }
        NEXT();
    XH(BDNZ)
        /* BO = 0b1z00y without LK: decrement CTR, branch while it is not 0 */
        s->was_branch = true;
        if (--s->ctr != 0) BRANCH((w & 2) ? e->imm : pc + e->imm);
        NEXT();
    OH(BC) {
        unsigned bo = RD;
        if (w & 1) s->lr = pc + 4;
        s->was_branch = true;
        if (bc_cond(s, bo, RA)) {
            uint32_t t = (w & 2) ? e->imm : pc + e->imm;
            if (VL_UNLIKELY(t == pc) && (bo & 4)) { npc = t; goto self; }
            BRANCH(t);
        }
        NEXT();
    }
    OH(BCLR) {
        unsigned bo = RD;
        uint32_t t = s->lr & ~3u;
        s->was_branch = true;
        if (bc_cond(s, bo, RA)) {
            if (w & 1) s->lr = pc + 4; /* bclrl: the next round goes elsewhere */
            else if (VL_UNLIKELY(t == pc) && (bo & 4)) { npc = t; goto self; }
            BRANCH(t);
        }
        if (w & 1) s->lr = pc + 4;
        NEXT();
    }
    OH(BCCTR) {
        /* BO without the CTR decrement: the other forms are invalid (H_ILLFORM) */
        s->was_branch = true;
        if (w & 1) s->lr = pc + 4;
        if (bc_cond(s, RD, RA)) {
            uint32_t t = s->ctr & ~3u;
            if (VL_UNLIKELY(t == pc)) { npc = t; goto self; }
            BRANCH(t);
        }
        NEXT();
    }
    OH(SC)
        s->f_vector = 0xC00;
        s->f_srr1 = 0;
        s->f_dsi = false;
        goto exc;
    OH(TW)
        if (trap_cond(RD, G[RA], G[RB])) PROGRAM(SRR1_TRAP);
        NEXT();
    OH(TWI)
        if (trap_cond(RD, G[RA], SIMM)) PROGRAM(SRR1_TRAP);
        NEXT();
    /* ---- CR ---- */
    OH(CRAND) OH(CRANDC) OH(CREQV) OH(CRNAND) OH(CRNOR) OH(CROR) OH(CRORC) OH(CRXOR) {
        uint32_t a = (s->cr >> (31 - RA)) & 1, b = (s->cr >> (31 - RB)) & 1, r;
        switch (OP) {
        case PPC_OP_CRAND: r = a & b; break;
        case PPC_OP_CRANDC: r = a & !b; break;
        case PPC_OP_CREQV: r = !(a ^ b); break;
        case PPC_OP_CRNAND: r = !(a & b); break;
        case PPC_OP_CRNOR: r = !(a | b); break;
        case PPC_OP_CROR: r = a | b; break;
        case PPC_OP_CRORC: r = a | !b; break;
        default: r = a ^ b; break;
        }
        unsigned d = 31 - RD;
        s->cr = (s->cr & ~(1u << d)) | r << d;
        NEXT();
    }
    OH(MCRF) set_crf(s, RD >> 2, (s->cr >> ((7 - (RA >> 2)) * 4)) & 0xF); NEXT();
    OH(MCRXR) set_crf(s, RD >> 2, s->xer >> 28); s->xer &= 0x0FFFFFFFu; NEXT();
    OH(MFCR) G[RD] = s->cr; NEXT();
    OH(MTCRF) {
        unsigned crm = (w >> 12) & 0xFF;
        uint32_t m = 0;
        for (int i = 0; i < 8; i++)
            if (crm & (0x80u >> i)) m |= 0xF0000000u >> (4 * i);
        s->cr = (s->cr & ~m) | (G[RD] & m);
        NEXT();
    }
    /* ---- loads and stores (update forms with rA = 0 or rA = rD are
     * invalid forms: H_ILLFORM) ---- */
#define LD_D(size, ext, upd) { \
        uint32_t ea = (upd ? G[RA] : GA0) + SIMM, val; \
        LOAD(ea, size, val); \
        G[RD] = ext; \
        if (upd) G[RA] = ea; \
        NEXT(); }
#define LD_X(size, ext, upd) { \
        uint32_t ea = (upd ? G[RA] : GA0) + G[RB], val; \
        LOAD(ea, size, val); \
        G[RD] = ext; \
        if (upd) G[RA] = ea; \
        NEXT(); }
#define ST_D(size, upd) { \
        uint32_t ea = (upd ? G[RA] : GA0) + SIMM; \
        STORE(ea, size, G[RD]); \
        if (upd) G[RA] = ea; \
        NEXT(); }
#define ST_X(size, upd) { \
        uint32_t ea = (upd ? G[RA] : GA0) + G[RB]; \
        STORE(ea, size, G[RD]); \
        if (upd) G[RA] = ea; \
        NEXT(); }
    OH(LWZ) LD_D(4, val, 0)
    OH(LWZU) LD_D(4, val, 1)
    OH(LBZ) LD_D(1, val, 0)
    OH(LBZU) LD_D(1, val, 1)
    OH(LHZ) LD_D(2, val, 0)
    OH(LHZU) LD_D(2, val, 1)
    OH(LHA) LD_D(2, (uint32_t)(int32_t)(int16_t)val, 0)
    OH(LHAU) LD_D(2, (uint32_t)(int32_t)(int16_t)val, 1)
    OH(STW) ST_D(4, 0)
    OH(STWU) ST_D(4, 1)
    OH(STB) ST_D(1, 0)
    OH(STBU) ST_D(1, 1)
    OH(STH) ST_D(2, 0)
    OH(STHU) ST_D(2, 1)
    OH(LWZX) LD_X(4, val, 0)
    OH(LWZUX) LD_X(4, val, 1)
    OH(LBZX) LD_X(1, val, 0)
    OH(LBZUX) LD_X(1, val, 1)
    OH(LHZX) LD_X(2, val, 0)
    OH(LHZUX) LD_X(2, val, 1)
    OH(LHAX) LD_X(2, (uint32_t)(int32_t)(int16_t)val, 0)
    OH(LHAUX) LD_X(2, (uint32_t)(int32_t)(int16_t)val, 1)
    OH(LWBRX) LD_X(4, __builtin_bswap32(val), 0)
    OH(LHBRX) LD_X(2, (uint32_t)__builtin_bswap16((uint16_t)val), 0)
    OH(STWX) ST_X(4, 0)
    OH(STWUX) ST_X(4, 1)
    OH(STBX) ST_X(1, 0)
    OH(STBUX) ST_X(1, 1)
    OH(STHX) ST_X(2, 0)
    OH(STHUX) ST_X(2, 1)
    OH(STWBRX) { uint32_t ea = GA0 + G[RB]; STORE(ea, 4, __builtin_bswap32(G[RD])); NEXT(); }
    OH(STHBRX) { uint32_t ea = GA0 + G[RB]; STORE(ea, 2, __builtin_bswap16((uint16_t)G[RD])); NEXT(); }
    OH(LMW) GOH(STMW) {
        /* lmw with rA in the range loaded is an invalid form (H_ILLFORM) */
        uint32_t ea = GA0 + SIMM, n = (32 - RD) * 4;
        if (ea & 3) ALIGN_EXC(ea);
        bool store = OP == PPC_OP_STMW;
        if (!probe(s, ea, n, store)) goto exc;
        for (unsigned r = RD; r < 32; r++, ea += 4) {
            if (store) STORE(ea, 4, G[r]);
            else { uint32_t val; LOAD(ea, 4, val); G[r] = val; }
        }
        NEXT_SLOW();
    }
    OH(LSWI) OH(LSWX) OH(STSWI) GOH(STSWX) {
        bool imm = OP == PPC_OP_LSWI || OP == PPC_OP_STSWI;
        bool store = OP == PPC_OP_STSWI || OP == PPC_OP_STSWX;
        uint32_t ea = imm ? GA0 : GA0 + G[RB];
        uint32_t n = imm ? (RB ? RB : 32u) : (s->xer & 0x7F);
        if (!store) {
            /* invalid form (PEM): rA (rA = 0 included) or, for lswx, rB in
             * the range of registers loaded (rD = rA, or rB, is H_ILLFORM) */
            uint32_t nregs = (n + 3) / 4;
            if (((RA - RD) & 31) < nregs || (!imm && ((RB - RD) & 31) < nregs)) ILLEGAL();
        }
        if (n == 0) NEXT_SLOW();
        if (!probe(s, ea, n, store)) goto exc;
        unsigned r = RD;
        if (store) {
            for (uint32_t i = 0; i < n; i++) {
                if (i && !(i & 3)) r = (r + 1) & 31;
                STORE(ea + i, 1, (G[r] >> (24 - 8 * (i & 3))) & 0xFF);
            }
        } else {
            uint32_t acc = 0;
            for (uint32_t i = 0; i < n; i++) {
                uint32_t b;
                LOAD(ea + i, 1, b);
                acc |= b << (24 - 8 * (i & 3));
                if ((i & 3) == 3 || i == n - 1) { G[r] = acc; acc = 0; r = (r + 1) & 31; }
            }
        }
        NEXT_SLOW();
    }
    GOH(LWARX) {
        uint32_t ea = GA0 + G[RB], val;
        if (ea & 3) ALIGN_EXC(ea);
        LOAD(ea, 4, val);
        G[RD] = val;
        s->reserve = true;
        s->reserve_addr = ea;
        NEXT_SLOW();
    }
    GOH(STWCX) {
        uint32_t ea = GA0 + G[RB];
        if (ea & 3) ALIGN_EXC(ea);
        bool ok = s->reserve && ((s->reserve_addr ^ ea) & ~31u) == 0;
        if (ok) STORE(ea, 4, G[RD]);
        s->reserve = false;
        s->cr = (s->cr & 0x0FFFFFFFu) | ((ok ? 2u : 0u) | s->xer >> 31) << 28;
        NEXT_SLOW();
    }
    OH(ECIWX) GOH(ECOWX) {
        uint32_t ea = GA0 + G[RB];
        bool store = OP == PPC_OP_ECOWX;
        if (!(s->ear & 0x80000000u)) {
            fault_dsi(s, ea, PPC_DSISR_EAR | (store ? PPC_DSISR_STORE : 0));
            goto exc;
        }
        if (ea & 3) ALIGN_EXC(ea);
        if (store) STORE(ea, 4, G[RD]);
        else { uint32_t val; LOAD(ea, 4, val); G[RD] = val; }
        NEXT_SLOW();
    }
    /* ---- cache, sync, time base ---- */
    OH(DCBT) OH(DCBTST) OH(EIEIO) OH(SYNC) OH(ISYNC) OH(TLBSYNC)
        NEXT();
    OH(DCBF) OH(DCBST) OH(ICBI) GOH(DCBI) {
        /* no cache: memory is always current; the address is still
         * translated (protection as a load; dcbi as a store) */
        uint32_t ea = GA0 + G[RB], pa;
        if (!xlate(s, ea, OP == PPC_OP_DCBI, &pa)) goto exc;
        NEXT_SLOW();
    }
    GOH(DCBZ) {
        uint32_t ea = (GA0 + G[RB]) & ~31u, pa = ea, fault;
        if (s->msr & MSR_DR) {
            if (ppc_translate(s, ea, PPC_ACC_WRITE, &pa, &fault)) {
                fault_dsi(s, GA0 + G[RB], fault | PPC_DSISR_STORE);
                goto exc;
            }
            /* dcbz to write-through or cache-inhibited memory: alignment (750 UM) */
            if (s->last_wimg & 0xC) ALIGN_EXC(GA0 + G[RB]);
        }
        if (!probe(s, ea, 32, 1)) goto exc;
        if ((uint64_t)pa + 32 <= s->wr_lim) memset(s->ram + pa, 0, 32);
        else for (uint32_t i = 0; i < 32; i += 4) STORE(ea + i, 4, 0);
        NEXT_SLOW();
    }
    GOH(MFTB) {
        /* a TBR other than 268/269 is an invalid form (H_ILLFORM) */
        uint64_t tb = ppc_get_tb(s);
        G[RD] = ppc_spr_field(w) == 268 ? (uint32_t)tb : (uint32_t)(tb >> 32);
        NEXT();
    }
    /* ---- SPRs (the ppc_sprs index + 1 in imm, 0: none) ---- */
    OH(MFSPR) {
        unsigned ix = e->imm;
        if (!ix || !(ppc_sprs[ix - 1].access & PPC_SPR_R)) ILLEGAL();
        if (ppc_sprs[ix - 1].where != PPC_SPR_FIELD) SYNC(); /* DEC and TB follow icount */
        G[RD] = spr_load(s, &ppc_sprs[ix - 1]);
        NEXT();
    }
    OH(MTSPR) {
        unsigned ix = e->imm;
        if (!ix || !(ppc_sprs[ix - 1].access & PPC_SPR_W)) ILLEGAL();
        const ppc_spr *sp = &ppc_sprs[ix - 1];
        if (sp->where == PPC_SPR_FIELD) {
            *(uint32_t *)((char *)s + sp->off) = G[RD] & sp->wmask;
            NEXT();
        }
        /* the decrementer, the time base, or what translation depends on */
        SYNC();
        npc = pc + 4;
        spr_store(s, sp, G[RD]);
        NEXT_SLOW();
    }
    /* ---- OEA supervisor set ---- */
    OH(MFMSR) G[RD] = s->msr; NEXT();
    GOH(MTMSR) s->pc = npc; ppc_set_msr(s, G[RD]); NEXT_SLOW();
    GOH(RFI)
        npc = s->srr0 & ~3u;
        s->pc = npc;
        ppc_set_msr(s, (s->msr & ~MSR_SRR1_MASK) | (s->srr1 & MSR_SRR1_MASK));
        s->no_trace = true;
        NEXT_SLOW();
    OH(MFSR) G[RD] = s->sr[RA & 15]; NEXT();
    GOH(MTSR) s->sr[RA & 15] = G[RD]; ppc_tlb_flush(s); NEXT_SLOW();
    OH(MFSRIN) G[RD] = s->sr[G[RB] >> 28]; NEXT();
    GOH(MTSRIN) s->sr[G[RB] >> 28] = G[RD]; ppc_tlb_flush(s); NEXT_SLOW();
    OH(TLBIE) GOH(TLBIA) ppc_tlb_flush(s); NEXT_SLOW();
    /* ---- floating point: not modelled (invalid forms are H_ILLFORM) ---- */
    OH(FP)
        if (!(s->msr & MSR_FP)) {
            s->f_vector = 0x800;
            s->f_srr1 = 0;
            s->f_dsi = false;
            goto exc;
        }
        ILLEGAL();
    OH(ILLEGAL)
        ILLEGAL();
    HANDLERS_END

self:
    /* a taken branch to itself: a halt, unless an interrupt can end it or
     * it is traced (single-step or branch trace: the trace exception comes
     * next, in a slice of one instruction) */
    s->pc = pc = npc;
    s->c.icount = ++ic;
    if (!(s->msr & (MSR_EE | MSR_SE | MSR_BE))) {
        *st = mkstop(VLAB_STOP_HALT, pc, -1);
        return SL_STOP;
    }
    if (ic < s->slice_end) ic = s->slice_end; /* idle until the next event */
    goto top;
exc: {
        SYNC();
        int v = s->f_vector;
        /* a faulting instruction counts as a step only when the exception is taken */
        if (exception(s, st, v, pc, v == 0xC00 ? pc + 4 : pc)) return SL_STOP;
        s->c.icount = ++ic;
        pc = s->pc;
        s->no_trace = true;
        if (s->c.m->hook_stop) return SL_OK;
        goto top;
    }
vmexit:
    SYNC();
    *st = mkstop(VLAB_STOP_VMEXIT, pc, -1);
    st->code = (uint32_t)(e->cls - 1); /* the class of the instruction */
    st->flags = VLAB_STOP_HAS_CODE;
    return SL_STOP;
out:
    SYNC();
    return SL_OK;
}

#undef SLICE_NAME
#undef SLICE_CHECKED
