/* alloc.c - the allocator: the monitor's machine memory, handed out in
 * regions, each at its own machine-physical address.
 *
 * Every VM gets two regions: its guest-physical memory (guest-physical
 * [0, size) is machine-physical [mpa, mpa + size)) and its monitor region
 * (the monitor's own structures for that VM, which no guest address reaches).
 * A region holds nothing else, is zeroed before it is handed out and when it
 * is given back, so nothing leaks from one guest to the next. Machine-physical
 * addresses are handed out in increasing order, page aligned, and never
 * reused, so two regions can never share an address even after a release.
 * The table lets the monitor check isolation: no two live regions overlap
 * (in host memory or machine-physical space), each has exactly one owner, and
 * a VM holds at most one region of each kind. An optional limit bounds the
 * total handed out. */
#include "vmm/vmm.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void vl_alloc_init(vl_alloc *a, uint64_t limit) {
    memset(a, 0, sizeof *a);
    a->limit = limit;
}

void vl_alloc_fini(vl_alloc *a) {
    for (size_t i = 0; i < a->n; i++) free(a->r[i].host);
    free(a->r);
    memset(a, 0, sizeof *a);
}

uint8_t *vl_alloc_region(vl_alloc *a, int owner, int kind, uint32_t size, uint64_t *mpa) {
    if (!size || owner < 0) return NULL;
    if (a->limit && a->in_use + size > a->limit) return NULL;
    for (size_t i = 0; i < a->n; i++)
        if (a->r[i].owner == owner && a->r[i].kind == kind) return NULL; /* one of each kind per VM */
    if (a->n == a->cap) {
        size_t cap = a->cap ? a->cap * 2 : 4;
        vl_region *p = realloc(a->r, cap * sizeof *p);
        if (!p) return NULL;
        a->r = p;
        a->cap = cap;
    }
    uint8_t *host = calloc(1, size);
    if (!host) return NULL;
    uint64_t at = a->next_mpa;
    a->next_mpa = (at + size + VL_PAGE_SIZE - 1) & ~(uint64_t)(VL_PAGE_SIZE - 1);
    a->r[a->n++] = (vl_region){ host, at, size, owner, kind };
    a->in_use += size;
    if (mpa) *mpa = at;
    return host;
}

void vl_alloc_release(vl_alloc *a, int owner) {
    for (size_t i = 0; i < a->n;) {
        if (a->r[i].owner != owner) {
            i++;
            continue;
        }
        memset(a->r[i].host, 0, a->r[i].size); /* scrub before the host reuses it */
        free(a->r[i].host);
        a->in_use -= a->r[i].size;
        a->r[i] = a->r[--a->n];
    }
}

int vl_alloc_owner(const vl_alloc *a, const void *p, int *kind) {
    uintptr_t q = (uintptr_t)p;
    for (size_t i = 0; i < a->n; i++) {
        uintptr_t b = (uintptr_t)a->r[i].host;
        if (q >= b && q - b < a->r[i].size) {
            if (kind) *kind = a->r[i].kind;
            return a->r[i].owner;
        }
    }
    return -1;
}

static bool overlap(uint64_t b1, uint64_t n1, uint64_t b2, uint64_t n2) { return b1 < b2 + n2 && b2 < b1 + n1; }

int vl_alloc_check(const vl_alloc *a, char *why, size_t whysz) {
    uint64_t sum = 0;
    for (size_t i = 0; i < a->n; i++) {
        const vl_region *r = &a->r[i];
        sum += r->size;
        if (!r->host || !r->size || r->owner < 0) {
            if (why) snprintf(why, whysz, "region %zu is not live", i);
            return -1;
        }
        for (size_t j = i + 1; j < a->n; j++) {
            const vl_region *o = &a->r[j];
            if (overlap((uintptr_t)r->host, r->size, (uintptr_t)o->host, o->size)) {
                if (why) snprintf(why, whysz, "guests %d and %d share host memory", r->owner, o->owner);
                return -1;
            }
            if (overlap(r->mpa, r->size, o->mpa, o->size)) {
                if (why) snprintf(why, whysz, "regions of guests %d and %d share machine-physical addresses",
                                  r->owner, o->owner);
                return -1;
            }
            if (r->owner == o->owner && r->kind == o->kind) {
                if (why) snprintf(why, whysz, "guest %d holds two regions of one kind", r->owner);
                return -1;
            }
        }
    }
    if (sum != a->in_use) {
        if (why) snprintf(why, whysz, "allocator count %llu != regions %llu", (unsigned long long)a->in_use,
                          (unsigned long long)sum);
        return -1;
    }
    return 0;
}
