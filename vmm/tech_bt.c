/* tech_bt.c - binary translation ("binary-translation") and its cheaper
 * variant ("scan-and-patch"), VMware's answer to an ISA whose sensitive
 * instructions do not all trap.
 *
 * binary-translation: guest code in virtual supervisor mode (and in user
 * mode where the glue asks, vl_virt_bt.user) is translated one basic block
 * at a time, the decode table's control-flow metadata ending the block,
 * into a translation cache in the monitor region. An innocuous instruction
 * is copied and runs directly on the real CPU; every instruction of a class
 * the decode table declares sensitive, trapping or not, becomes a callout:
 * the monitor executes it on the virtual context, which holds the guest's
 * true privileged state (stats.callouts, counted as interpreted). A
 * simulated CPU cannot run code relocated into the cache (PC-relative
 * operands, the PC it pushes), so the copied instructions run at their
 * guest addresses; the cache holds the copy, the callout map and the
 * chaining, and the guest's memory is never written: a guest reading its
 * code sees its own bytes. A block is chained to up to two successors (no
 * cache lookup between them). Stale translations: the write watch drops a
 * block a guest write touches, and the hash of the block's bytes catches
 * what the watch cannot see (memory restored behind the monitor's back,
 * another mapping of the page): checked at entry unless the block was found
 * fresh since the last moment such a change could happen (bt_state.epoch).
 *
 * scan-and-patch: the block the guest reaches is scanned, only as far as
 * it will execute it, and each sensitive instruction's first bytes are
 * overwritten with the ISA's trapping instruction (vl_virt_bt.patch); the
 * trap it raises is emulated with the original bytes put back for that one
 * instruction. Cheaper to set up (no copy, no translation), dearer to run
 * (a trap per patched instruction where translation makes a callout),
 * and the guest reading its code sees the patch.
 *
 * Fixed tables, no allocation after attach; a full cache is flushed whole. */
#include "vmm/vmm.h"
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#define BT_BUCKETS 256u
#define BT_BLOCKS 512
#define BT_INSNS 32   /* instructions per block at most (callout bitmap) */
#define BT_BYTES 192  /* bytes per block at most */
#define BT_PATCHES 512
#define BT_PATCH_MAX 8

typedef struct bt_block {
    uint32_t addr, len, hash;
    uint32_t gpa;           /* guest-physical address of the first byte, when watched */
    uint32_t mode;          /* the ISA mode it was decoded in (vl_virt_bt.mode) */
    uint32_t checked;       /* bt_state.epoch when its bytes were last found fresh */
    uint32_t callouts;      /* bit i: instruction i is a callout (patched) */
    uint32_t succ_addr[2];  /* chained successors */
    int32_t succ[2];
    int32_t next;           /* hash chain */
    int32_t memo_b[2];      /* the blocks chain[] go on into */
    /* cont()'s verdicts on its exits, one a chaining slot: to block
     * memo_b[j] at pc, found (chained) and fresh while bt_state.stamp was
     * the record's stamp; the core goes on through them by itself
     * (vl_cont) where the stretch allows it (rmemo, !check_priv), and
     * catch_up() follows it there */
    vl_chain chain[2];
    uint32_t want0;         /* instructions before its first callout (callout_mask) */
    uint8_t ninsn;
    uint8_t ioff[BT_INSNS + 1]; /* instruction i at addr + ioff[i]; ioff[ninsn] = len */
    bool valid, watched;
    bool quick;             /* watched and on one page: the epoch check may stand for the hash */
} bt_block;

typedef struct bt_patch {
    uint32_t va, gpa;
    int32_t next;
    uint8_t orig[BT_PATCH_MAX];
    bool valid;
} bt_patch;

typedef struct bt_state {
    bool patching;          /* scan-and-patch */
    bool interp_stop;       /* the last run's stop came from a callout */
    int32_t bucket[BT_BUCKETS];
    bt_block blk[BT_BLOCKS];
    int nblk;
    uint32_t cache_used;
    int cur, cur_i;         /* where the last run left a block: resumed at cur_pc */
    uint32_t cur_pc;
    int prev;               /* the block just completed, for chaining */
    /* The stretch the real CPU runs (vl_vm_run_real): block rb from
     * instruction ri, rwant instructions from icount rbefore; cont() moves
     * them on to the next chained block in the same run. rstart, rn: the
     * monitor's run (its start icount and budget). */
    int rb, ri;
    bt_block *rk;           /* &blk[rb] */
    uint64_t rbefore, rwant, rstart, rn;
    uint64_t rend;          /* rbefore + rwant when that ends the block, else UINT64_MAX */
    uint64_t rlimit;        /* rstart + rn */
    uint32_t callout_mask;  /* ~0: callouts stop a stretch; 0 (scan-and-patch): none */
    bool check_priv;        /* virtual user code is not translated: cont() looks */
    /* Moves with the epoch (new_epoch), at each block dropped, at each
     * instruction the real CPU runs outside a translated block, and at each
     * stretch that is not rmemo or follows one that was not: cont()'s
     * verdict on a block's exit (bt_block.chain) holds while it stays. Its
     * inputs stay as they were: the chaining and the blocks' validity
     * while no block is dropped; the successor's freshness (checked in
     * the epoch, the mode and code_gpa of the virtual context, which only
     * a callout or a trap changes, a new epoch either way) while the epoch
     * stays, the mapping not moving under a store when rmemo (code_gpa
     * reads no guest memory) and no hook (host code) running. */
    uint64_t stamp;
    bool rmemo;             /* the stretch running allows verdicts (and the last one did) */
    bool rchain;            /* and the core may go on through them (rmemo, !check_priv) */
    int32_t pbucket[BT_BUCKETS];
    bt_patch patch[BT_PATCHES];
    int npatch;
    /* Moves whenever code bytes may have changed without the write watch
     * seeing it: at each run (the host may have written memory, restored a
     * snapshot) but one that goes on from the last one's slice with
     * nothing in between (vl_vm.tech_resume), at each callout (the monitor
     * wrote for the guest), at each patch written or taken back. A watched block checked fresh in the
     * current epoch, still mapped where it was and in its mode, is fresh:
     * what could change its bytes since is a guest write, which drops it. */
    uint32_t epoch;
    uint32_t watch_lo, watch_hi; /* the watched blocks lie in [lo, hi) (since the last flush) */
    vl_translate_fn fn;
    void *fn_ctx;
} bt_state;

static unsigned hslot(uint32_t a) { return (a ^ a >> 8 ^ a >> 16) & (BT_BUCKETS - 1); }

static uint32_t fnv(const uint8_t *p, size_t n) {
    uint32_t h = 2166136261u;
    for (size_t i = 0; i < n; i++) h = (h ^ p[i]) * 16777619u;
    return h;
}

static bool code_gpa(vl_vm *vm, uint32_t va, uint32_t *gpa) {
    const vl_virt_bt *bt = vm->virt->bt;
    if (bt->code_gpa) return bt->code_gpa(vm, va, gpa);
    *gpa = va & vm->m->desc->addr_mask;
    return true;
}

static uint8_t *ram_at(vl_vm *vm, uint32_t gpa, uint32_t len) {
    vl_mem *mem = &vm->m->mem;
    return gpa < mem->size && len <= mem->size - gpa ? mem->ram + gpa : NULL;
}

/* What code bytes and their mapping were found to be may no longer hold
 * (bt_state.epoch), nor verdicts made on them (bt_state.stamp). */
static void new_epoch(bt_state *h) {
    h->epoch++;
    h->stamp++;
}

/* ---- the patches (scan-and-patch) ---------------------------------------------- */

static int patch_find(bt_state *h, uint32_t va) {
    for (int32_t i = h->pbucket[hslot(va)]; i >= 0; i = h->patch[i].next)
        if (h->patch[i].valid && h->patch[i].va == va) return i;
    return -1;
}

/* The patch still in guest memory (the guest may have written over it). */
static bool patch_present(vl_vm *vm, const bt_patch *p) {
    const vl_virt_bt *bt = vm->virt->bt;
    uint8_t *at = ram_at(vm, p->gpa, bt->patch_len);
    return at && !memcmp(at, bt->patch, bt->patch_len);
}

/* Forget a patch: its original bytes go back when it is still there. */
static void patch_drop(vl_vm *vm, bt_state *h, int i, bool restore) {
    bt_patch *p = &h->patch[i];
    new_epoch(h);
    if (restore && patch_present(vm, p)) memcpy(ram_at(vm, p->gpa, vm->virt->bt->patch_len), p->orig, vm->virt->bt->patch_len);
    p->valid = false;
    int32_t *link = &h->pbucket[hslot(p->va)];
    while (*link >= 0 && *link != i) link = &h->patch[*link].next;
    if (*link == i) *link = p->next;
}

/* ---- the cache ---------------------------------------------------------------- */

static void unlink_block(bt_state *h, int b) {
    int32_t *link = &h->bucket[hslot(h->blk[b].addr)];
    while (*link >= 0 && *link != b) link = &h->blk[*link].next;
    if (*link == b) *link = h->blk[b].next;
    h->blk[b].valid = false;
    h->stamp++;
    if (h->cur == b) h->cur = -1;
    if (h->prev == b) h->prev = -1;
}

/* Drop one stale block (and, under scan-and-patch, the patches in it: the
 * original bytes go back where the patch is still there, what the guest
 * wrote over one stays). */
static void drop_block(vl_vm *vm, bt_state *h, int b) {
    bt_block *k = &h->blk[b];
    if (h->patching)
        for (int i = 0; i < h->npatch; i++)
            if (h->patch[i].valid && h->patch[i].va - k->addr < k->len) patch_drop(vm, h, i, true);
    unlink_block(h, b);
    vm->st.flushes++;
}

static void flush_all(vl_vm *vm, bt_state *h) {
    for (int b = 0; b < h->nblk; b++)
        if (h->blk[b].watched) vl_vm_watch(vm, h->blk[b].gpa, h->blk[b].len, false);
    for (int i = 0; i < h->npatch; i++)
        if (h->patch[i].valid) patch_drop(vm, h, i, true);
    memset(h->bucket, 0xFF, sizeof h->bucket);
    memset(h->pbucket, 0xFF, sizeof h->pbucket);
    h->nblk = h->npatch = 0;
    h->cache_used = 0;
    h->watch_lo = UINT32_MAX;
    h->watch_hi = 0;
    h->cur = h->prev = -1;
    h->stamp++;
    vm->st.cache_bytes = 0;
    vm->st.flushes++;
}

static int find_block(bt_state *h, uint32_t pc) {
    for (int32_t b = h->bucket[hslot(pc)]; b >= 0; b = h->blk[b].next)
        if (h->blk[b].valid && h->blk[b].addr == pc) return b;
    return -1;
}

/* What a block is checked against at entry: its bytes, and the mode its
 * instructions were decoded in. */
static uint32_t block_hash(vl_vm *vm, const uint8_t *bytes, uint32_t len) {
    const vl_virt_bt *bt = vm->virt->bt;
    return fnv(bytes, len) ^ (bt->mode ? bt->mode(vm) * 0x9E3779B9u : 0);
}

/* The block's bytes and mode still those it was made from. */
static bool block_fresh(vl_vm *vm, bt_state *h, bt_block *k) {
    const vl_virt_bt *bt = vm->virt->bt;
    if (k->quick && k->checked == h->epoch) {
        /* Since the check of this epoch (which brought the virtual context
         * up to date) only innocuous instructions ran: they change neither
         * the mode nor the MMU's registers, which the virtual context holds
         * (a change is a sensitive instruction: a callout, a new epoch), but
         * a store to a page table entry may map the code elsewhere */
        uint32_t gpa;
        if ((!bt->mode || bt->mode(vm) == k->mode) &&
            (!bt->code_gpa || (bt->code_gpa(vm, k->addr, &gpa) && gpa == k->gpa)))
            return true;
    }
    uint8_t buf[BT_BYTES];
    if (vl_vm_read_virt(vm, k->addr, buf, k->len, true) != k->len || block_hash(vm, buf, k->len) != k->hash) return false;
    k->checked = h->epoch;
    return true;
}

static bool one(vl_vm *vm) {
    (void)vm;
    return true;
}

/* Translate (or scan and patch) the block at pc, at most `reach`
 * instructions of it when patching (only what will execute is scanned:
 * the bytes after the last one may be anything). The block's index, or -1
 * when no instruction can be fetched or decoded there (the real CPU runs it
 * and raises what it must). */
static int translate(vl_vm *vm, bt_state *h, uint32_t pc, uint64_t reach) {
    const vl_virt_bt *bt = vm->virt->bt;
    uint8_t buf[BT_BYTES + 16];
    size_t got = vl_vm_read_virt(vm, pc, buf, sizeof buf, true);
    if (!got) return -1;
    if (h->patching)
        /* decode the original of what is patched already */
        for (size_t o = 0; o < got; o++) {
            int p = patch_find(h, pc + (uint32_t)o);
            if (p >= 0 && o + bt->patch_len <= got) memcpy(buf + o, h->patch[p].orig, bt->patch_len);
        }
    bt_block k = { .addr = pc, .succ = { -1, -1 }, .next = -1, .valid = true };
    uint32_t off = 0;
    int ncall = 0;
    while (k.ninsn < BT_INSNS && off < got && (!h->patching || k.ninsn < reach)) {
        vl_decode_info d;
        if (bt->decode) bt->decode(vm, buf + off, got - off, pc + off, &d);
        else vm->ops->decode(vm->variant, buf + off, got - off, pc + off, &d);
        vm->st.scanned++;
        if (d.length <= 0 || off + (uint32_t)d.length > BT_BYTES) break;
        if (d.cls != VL_CLASS_INNOCUOUS && d.cls != VL_CLASS_ILLEGAL) {
            k.callouts |= 1u << k.ninsn;
            ncall++;
        }
        off += (uint32_t)d.length;
        k.ioff[++k.ninsn] = (uint8_t)off;
        if (d.flow != VL_FLOW_NONE) break;
    }
    if (!k.ninsn) return -1;
    k.len = off;
    uint32_t rest = k.callouts & h->callout_mask;
    k.want0 = rest ? (uint32_t)__builtin_ctz(rest) : k.ninsn;
    k.watched = code_gpa(vm, pc, &k.gpa) && ram_at(vm, k.gpa, k.len);
    if (h->patching && !k.watched) return -1; /* nowhere to patch: runs as under trap-and-emulate */
    if (h->nblk == BT_BLOCKS || h->cache_used + k.len > bt->cache_size ||
        (h->patching && h->npatch + ncall > BT_PATCHES))
        flush_all(vm, h);
    if (h->patching) {
        for (int i = 0; i < k.ninsn; i++) {
            uint32_t o = k.ioff[i];
            if (!(k.callouts >> i & 1)) continue;
            if (k.ioff[i + 1] - o < bt->patch_len || patch_find(h, pc + o) >= 0) continue;
            bt_patch *p = &h->patch[h->npatch];
            *p = (bt_patch){ .va = pc + o, .gpa = k.gpa + o, .valid = true };
            uint8_t *at = ram_at(vm, p->gpa, bt->patch_len);
            memcpy(p->orig, at, bt->patch_len);
            memcpy(at, bt->patch, bt->patch_len);
            p->next = h->pbucket[hslot(p->va)];
            h->pbucket[hslot(p->va)] = h->npatch++;
            vm->st.patched++;
        }
        got = vl_vm_read_virt(vm, pc, buf, k.len, true); /* the hash is of the patched bytes */
    } else {
        /* the copy in the translation cache */
        uint8_t *c = vl_mon_host(vm->m, vm->m->mem.mon_base + bt->cache_off + h->cache_used, k.len);
        if (c) memcpy(c, buf, k.len);
        h->cache_used += k.len;
        vm->st.cache_bytes = h->cache_used;
        vm->st.translated += k.ninsn;
    }
    k.hash = block_hash(vm, buf, k.len);
    k.mode = bt->mode ? bt->mode(vm) : 0;
    new_epoch(h); /* patches written: other blocks check again */
    k.checked = h->epoch;
    k.quick = k.watched && (!bt->code_gpa || (pc ^ (pc + k.len - 1)) >> VL_PAGE_SHIFT == 0);
    if (k.watched) {
        vl_vm_watch(vm, k.gpa, k.len, true);
        if (k.gpa < h->watch_lo) h->watch_lo = k.gpa;
        if (k.gpa + k.len > h->watch_hi) h->watch_hi = k.gpa + k.len;
    }
    int b = h->nblk++;
    h->blk[b] = k; /* its records' stamps 0: no verdict */
    h->blk[b].next = h->bucket[hslot(pc)];
    h->bucket[hslot(pc)] = b;
    vm->st.blocks++;
    if (h->fn) {
        vl_translate_event ev = { pc, k.len, k.ninsn, ncall };
        if (h->fn(h->fn_ctx, &ev)) vm->trap_stop = true;
    }
    return b;
}

/* The successor of the block just completed chained to pc, or -1; *slot:
 * a free chaining slot of it met on the way, or -1. */
static int chained(const bt_state *h, uint32_t pc, int *slot) {
    int b = -1;
    *slot = -1;
    if (h->prev >= 0) {
        const bt_block *p = &h->blk[h->prev];
        for (int j = 0; j < 2 && b < 0; j++) {
            if (p->succ[j] >= 0 && p->succ_addr[j] == pc && h->blk[p->succ[j]].valid) b = p->succ[j];
            else if (*slot < 0 && (p->succ[j] < 0 || !h->blk[p->succ[j]].valid)) *slot = j;
        }
    }
    return b;
}

/* The block at pc: chained from the one just completed, else looked up,
 * else translated; a stale one is dropped and made again. */
static int enter(vl_vm *vm, bt_state *h, uint32_t pc, uint64_t reach) {
    int slot, b = chained(h, pc, &slot);
    if (b < 0) {
        vm->st.lookups++;
        b = find_block(h, pc);
    }
    if (b >= 0 && !block_fresh(vm, h, &h->blk[b])) {
        drop_block(vm, h, b);
        b = -1;
    }
    if (b < 0) {
        int prev = h->prev;
        b = translate(vm, h, pc, reach);
        if (h->prev != prev) slot = -1; /* flushed */
    }
    if (b >= 0 && slot >= 0 && h->prev >= 0) {
        h->blk[h->prev].succ[slot] = b;
        h->blk[h->prev].succ_addr[slot] = pc;
    }
    return b;
}

static uint64_t icount(vl_vm *vm) { return vm->m->cc->icount; }

/* The instructions the real CPU runs of block b from instruction i: up to
 * the next callout (none under scan-and-patch), at most left. */
static uint64_t stretch(const bt_state *h, const bt_block *k, int i, uint64_t left) {
    uint32_t rest = h->patching ? 0 : k->callouts >> i;
    int j = rest ? i + __builtin_ctz(rest) : k->ninsn;
    return (uint64_t)(j - i) < left ? (uint64_t)(j - i) : left;
}

/* The core went on through records by itself (vl_cont) since the monitor
 * last looked: the stretch's bookkeeping as cont() would have left it at
 * the last one (its memo path: the successor's instructions up to its
 * first callout, within rlimit, which the core checked). */
static void catch_up(vl_vm *vm, bt_state *h) {
    vl_cpu_common *rc = vm->real;
    const vl_chain *r = rc->chain_took;
    if (!r) return;
    rc->chain_took = NULL;
    size_t off = (size_t)((const char *)r - (const char *)h->blk);
    int p = (int)(off / sizeof(bt_block));
    int way = (int)((off % sizeof(bt_block) - offsetof(bt_block, chain)) / sizeof(vl_chain));
    int b = h->blk[p].memo_b[way];
    bt_block *n = &h->blk[b];
    h->prev = h->blk[p].valid ? p : -1; /* as unlink_block leaves it when the write watch dropped it since */
    h->rb = b;
    h->rk = n;
    h->ri = 0;
    h->rbefore = rc->chain_at;
    h->rwant = r->n;
    h->rend = r->n == n->ninsn ? rc->chain_at + r->n : UINT64_MAX;
}

/* The records the core may go on through at the end of the stretch just
 * set up: its block's, when the stretch ends the block and cont() would
 * take verdicts as they are (it looks at the privilege level each time
 * under check_priv, and goes on nowhere once a callback asked to stop) */
static const vl_chain *chain_of(vl_vm *vm, bt_state *h) {
    return h->rchain && !vm->trap_stop && h->rend != UINT64_MAX ? h->rk->chain : NULL;
}

/* The real CPU ran the stretch to its end with no stop (the core's
 * vl_cpu_common.cont): when that completed its block and the monitor's
 * loop would enter a block already made (chained, or found by a lookup)
 * and fresh without a hash, go on
 * into it in the same run, as run() would have (the same checks in the
 * same order, the same chaining written, nothing counted that run() does
 * not count there). 0: back to run(), with the stretch as it was. */
static uint64_t cont(void *ctx) {
    vl_vm *vm = ctx;
    bt_state *h = vm->tstate;
    if (h->rchain) catch_up(vm, h); /* (else the core has no records: chain_of) */
    uint64_t now = icount(vm);
    bt_block *p = h->rk;
    if (now != h->rend || !p->valid || now >= h->rlimit || vm->trap_stop || vm->m->timer_armed) return 0;
    if (h->check_priv && vm->virt->priv_get(vm) != 0) return 0;
    uint32_t pc = vm->ops->get_pc(vm->real);
    int b;
    bt_block *n;
    const vl_chain *r = p->chain;
    /* (no record holds in a stretch not rmemo: the stamp moved at its start) */
    int way = !h->rmemo                                   ? -1
              : r[0].pc == pc && r[0].stamp == h->stamp ? 0
              : r[1].pc == pc && r[1].stamp == h->stamp ? 1
                                                        : -1;
    if (way >= 0) {
        /* an exit taken since the stamp last moved: chained (no lookup to
         * count, no slot to write) and fresh, as the checks below found */
        b = p->memo_b[way];
        n = &h->blk[b];
    } else {
        /* chained() and block_fresh()'s quick check, from the block completed */
        int slot = -1;
        b = -1;
        for (int j = 0; j < 2; j++) {
            int32_t sj = p->succ[j];
            if (sj >= 0 && p->succ_addr[j] == pc && h->blk[sj].valid) {
                b = sj;
                way = j;
                break;
            }
            if (slot < 0 && (sj < 0 || !h->blk[sj].valid)) slot = j;
        }
        /* not chained: enter()'s lookup (counted only when it goes on: run()
         * counts it otherwise) */
        bool looked = b < 0;
        if (looked && (b = find_block(h, pc)) < 0) return 0;
        n = &h->blk[b];
        if (!n->quick || n->checked != h->epoch || (n->callouts & h->callout_mask & 1)) return 0;
        const vl_virt_bt *bt = vm->virt->bt;
        uint32_t gpa;
        if ((bt->mode && bt->mode(vm) != n->mode) ||
            (bt->code_gpa && (!bt->code_gpa(vm, n->addr, &gpa) || gpa != n->gpa)))
            return 0;
        if (looked) vm->st.lookups++;
        if (slot >= 0) {
            p->succ[slot] = b;
            p->succ_addr[slot] = pc;
        }
        if (!looked && h->rmemo) {
            p->memo_b[way] = b;
            p->chain[way] = (vl_chain){ h->stamp, n->want0 == n->ninsn ? n->chain : NULL, pc, n->want0 };
        }
    }
    h->prev = h->rb; /* as run() leaves it at a completed block */
    vm->m->dev_log_n = 0; /* as vl_vm_run_real: a new stretch */
    uint64_t want = n->want0;
    if (want > h->rlimit - now) want = h->rlimit - now;
    h->rb = b;
    h->rk = n;
    h->ri = 0;
    h->rbefore = now;
    h->rwant = want;
    h->rend = want == n->ninsn ? now + want : UINT64_MAX;
    if (h->rchain) ((vl_cpu_common *)vm->real)->chain = chain_of(vm, h);
    return want;
}

static vl_stop budget_stop(vl_vm *vm) { return (vl_stop){ .reason = VLAB_STOP_BUDGET, .pc = vl_vm_pc(vm), .vector = -1 }; }

static vl_stop run(vl_vm *vm, uint64_t n) {
    bt_state *h = vm->tstate;
    const vl_virt_bt *bt = vm->virt->bt;
    uint64_t start = icount(vm);
    h->interp_stop = false;
    /* a new epoch, unless this run goes on from the last one's slice with
     * nothing in between that could write memory (vl_vm.tech_resume; a
     * translate callback is host code that could) */
    if (!vm->tech_resume || h->fn) new_epoch(h);
    /* timer_armed: the guest programmed its timer; the run loop starts a
     * new slice at the deadline (vmm.c), as the bare machine's does */
    while (icount(vm) - start < n && !vm->trap_stop && !vm->m->timer_armed) {
        if (vm->virt->priv_get(vm) != 0 && (h->patching || !bt->user)) {
            h->cur = h->prev = -1;
            h->stamp++; /* code no translation looked at */
            return vl_vm_run_real(vm, n - (icount(vm) - start)); /* user code runs directly */
        }
        uint32_t pc = vl_vm_pc(vm);
        int b, i = 0;
        if (h->cur >= 0 && pc == h->cur_pc && h->blk[h->cur].valid) {
            b = h->cur;
            i = h->cur_i;
        } else if ((b = enter(vm, h, pc, n - (icount(vm) - start))) < 0) {
            h->cur = h->prev = -1;
            h->stamp++; /* code no translation looked at */
            vl_stop s = vl_vm_run_real(vm, 1);
            if (s.reason != VLAB_STOP_BUDGET && s.reason != VLAB_STOP_NONE) return s;
            continue;
        }
        h->cur = -1;
        bt_block *k = &h->blk[b];
        uint32_t at = pc;
        while (i < k->ninsn && k->valid) {
            uint64_t before = icount(vm), left = n - (before - start);
            if (!left || vm->m->timer_armed) {
                h->cur = b;
                h->cur_i = i;
                h->cur_pc = at;
                return budget_stop(vm);
            }
            uint64_t want;
            if (!h->patching && (k->callouts >> i & 1)) {
                vl_stop s = vl_interp_run(vm, 1, one);
                vm->st.callouts++;
                new_epoch(h);
                if (s.reason == VLAB_STOP_NONE) s.reason = VLAB_STOP_BUDGET;
                if (s.reason != VLAB_STOP_BUDGET) {
                    h->interp_stop = true;
                    h->prev = -1;
                    return s;
                }
                /* it left virtual supervisor mode (MOVE to SR, mtmsr, RTE...):
                 * what follows is user code, which runs directly, as it does
                 * wherever a run starts (the rest of the block as callouts
                 * would make the counts depend on where runs begin and end) */
                if (vm->virt->priv_get(vm) != 0 && !bt->user) {
                    h->prev = -1;
                    break;
                }
                want = 1;
            } else {
                h->rb = b;
                h->ri = i;
                h->rbefore = before;
                h->rwant = stretch(h, k, i, left);
                h->rstart = start;
                h->rn = n;
                h->rk = k;
                h->rlimit = n > UINT64_MAX - start ? UINT64_MAX : start + n;
                /* a hook is host code that could change the virtual context mid-run */
                bool memo = (!bt->code_gpa || (bt->code_fixed && bt->code_fixed(vm))) && !vm->hook_mask &&
                            !vm->m->hook_mask;
                if (!memo || !h->rmemo) h->stamp++;
                h->rmemo = memo;
                h->rchain = memo && !h->check_priv;
                h->rend = i + h->rwant == k->ninsn ? before + h->rwant : UINT64_MAX;
                vl_stop s = vl_vm_run_real_cont(vm, h->rwant, cont, vm, chain_of(vm, h), &h->stamp, h->rlimit);
                /* cont() or the core may have gone on into chained blocks */
                catch_up(vm, h);
                b = h->rb;
                k = &h->blk[b];
                i = h->ri;
                before = h->rbefore;
                want = h->rwant;
                if (s.reason != VLAB_STOP_BUDGET && s.reason != VLAB_STOP_NONE) {
                    h->prev = -1;
                    /* where the trap stopped inside the block, for on_trap to resume */
                    for (int q = i; q < k->ninsn; q++)
                        if (k->addr + k->ioff[q] == s.pc) {
                            h->cur = b;
                            h->cur_i = q;
                            h->cur_pc = s.pc;
                        }
                    return s;
                }
            }
            uint64_t done = icount(vm) - before;
            i = done < (uint64_t)(k->ninsn - i) ? i + (int)done : k->ninsn;
            at = k->addr + k->ioff[i];
            if (done != want && !k->valid) break; /* the write watch dropped it */
            if (i < k->ninsn && vl_vm_pc(vm) != at) break; /* an exception went elsewhere */
        }
        h->prev = i == k->ninsn && k->valid ? b : -1;
    }
    return budget_stop(vm);
}

static int on_trap(vl_vm *vm, const vl_stop *s, vl_stop *out) {
    bt_state *h = vm->tstate;
    const vl_virt_bt *bt = vm->virt->bt;
    if (h->interp_stop) {
        /* a callout raised an exception the guest has no handler for: as natively */
        *out = *s;
        return -1;
    }
    /* a stop at a patch: its trap, or any stop there (x86 virtual real mode
     * traps at every instruction): what runs there is the original */
    int p = h->patching && s->reason == VLAB_STOP_EXCEPTION ? patch_find(h, s->pc) : -1;
    if (p < 0 || !patch_present(vm, &h->patch[p])) {
        h->cur = -1;
        return vl_vm_trap_emulate(vm, s, out);
    }
    /* a patched instruction: emulated with its own bytes, then patched again */
    bt_patch *pt = &h->patch[p];
    uint8_t *mem = ram_at(vm, pt->gpa, bt->patch_len);
    memcpy(mem, pt->orig, bt->patch_len);
    int cur = h->cur, cur_i = h->cur_i;
    uint32_t cur_pc = h->cur_pc;
    int rc = vl_vm_trap_emulate(vm, s, out);
    if (pt->valid && !memcmp(mem, pt->orig, bt->patch_len)) memcpy(mem, bt->patch, bt->patch_len);
    /* resume inside the block after the instruction when that is where it went */
    h->cur = -1;
    if (cur >= 0 && cur_pc == s->pc && h->blk[cur].valid && cur_i + 1 < h->blk[cur].ninsn &&
        vl_vm_pc(vm) == h->blk[cur].addr + h->blk[cur].ioff[cur_i + 1]) {
        h->cur = cur;
        h->cur_i = cur_i + 1;
        h->cur_pc = vl_vm_pc(vm);
    }
    return rc;
}

/* A guest write to a watched page: the blocks it touches are stale, and
 * the real CPU stops after it so that none runs on (the watch is by page:
 * a write beside the translated code changes nothing, and the run goes
 * on). */
static bool on_watch(vl_vm *vm, uint32_t addr, int size) {
    bt_state *h = vm->tstate;
    if (addr >= h->watch_hi || addr + (uint32_t)size <= h->watch_lo) return false;
    bool dropped = false;
    for (int b = 0; b < h->nblk; b++) {
        bt_block *k = &h->blk[b];
        if (k->valid && k->watched && addr < k->gpa + k->len && k->gpa < addr + (uint32_t)size) {
            drop_block(vm, h, b);
            dropped = true;
        }
    }
    return dropped;
}

/* h (zeroed) as attach leaves it */
static void bt_init(vl_vm *vm, bt_state *h, bool patching) {
    h->patching = patching;
    h->check_priv = patching || !vm->virt->bt->user;
    h->callout_mask = patching ? 0 : ~0u;
    memset(h->bucket, 0xFF, sizeof h->bucket);
    memset(h->pbucket, 0xFF, sizeof h->pbucket);
    h->cur = h->prev = -1;
    h->watch_lo = UINT32_MAX;
    h->watch_hi = 0;
    h->stamp = 1; /* a record's stamp starts at 0: no verdict */
}

static int attach_as(vl_vm *vm, bool patching, char *err, size_t errsz) {
    const vl_virt_bt *bt = vm->virt->bt;
    int id = patching ? VL_TECH_SCAN_PATCH : VL_TECH_BINARY_TRANSLATION;
    if (!bt || !vm->virt->trap || !(vm->virt->techniques & 1u << id)) {
        vl_seterr(err, errsz, "technique %s: the %s glue does not support it", vl_technique_name(id), vm->virt->isa);
        return -1;
    }
    bt_state *h = calloc(1, sizeof *h);
    if (!h) {
        vl_seterr(err, errsz, "out of memory");
        return -1;
    }
    bt_init(vm, h, patching);
    vm->tstate = h;
    return 0;
}

static int attach_bt(vl_vm *vm, char *err, size_t errsz) { return attach_as(vm, false, err, errsz); }
static int attach_sp(vl_vm *vm, char *err, size_t errsz) { return attach_as(vm, true, err, errsz); }

/* The tables in place: a new allocation of their size costs more than the
 * renewed VM's run (under ASan: fresh pages, every time) */
static void renew(vl_vm *vm) {
    bt_state *h = vm->tstate;
    bool patching = h->patching;
    memset(h, 0, sizeof *h);
    bt_init(vm, h, patching);
}

static void detach(vl_vm *vm) {
    free(vm->tstate);
    vm->tstate = NULL;
}

int vl_vm_on_translate(vl_vm *vm, vl_translate_fn fn, void *ctx) {
    if ((vm->technique != VL_TECH_BINARY_TRANSLATION && vm->technique != VL_TECH_SCAN_PATCH) || !vm->tstate)
        return -1;
    bt_state *h = vm->tstate;
    h->fn = fn;
    h->fn_ctx = ctx;
    return 0;
}

const vl_technique vl_tech_binary_translation = {
    .id = VL_TECH_BINARY_TRANSLATION,
    .name = "binary-translation",
    .summary = "kernel code translated by basic block: innocuous instructions copied, sensitive ones callouts",
    .attach = attach_bt,
    .detach = detach,
    .renew = renew,
    .run = run,
    .on_trap = on_trap,
    .on_watch = on_watch,
};

const vl_technique vl_tech_scan_patch = {
    .id = VL_TECH_SCAN_PATCH,
    .name = "scan-and-patch",
    .summary = "kernel code scanned as it is reached; sensitive instructions patched in place with a trap",
    .attach = attach_sp,
    .detach = detach,
    .renew = renew,
    .run = run,
    .on_trap = on_trap,
    .on_watch = on_watch,
};
