/* alloc.c - the allocator: each guest gets its own guest-physical memory.
 *
 * A guest's address space is guest-physical [0, size) backed by one host
 * region handed out here, plus its own machine's MMIO window (its console and
 * timer). The region holds nothing but guest bytes: the monitor's structures
 * (VMs, CPU contexts, this table) are separate host allocations that no guest
 * address translates to, and a region is zeroed before a guest gets it and
 * when it is given back, so nothing leaks from one guest to the next. The
 * table lets the monitor check isolation: no two live regions overlap, and
 * each belongs to exactly one VM. An optional limit bounds the total handed out. */
#include "vmm/vmm.h"
#include <stdarg.h>
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

uint8_t *vl_alloc_guest(vl_alloc *a, int owner, uint32_t size) {
    if (!size || owner < 0) return NULL;
    if (a->limit && a->in_use + size > a->limit) return NULL;
    for (size_t i = 0; i < a->n; i++)
        if (a->r[i].owner == owner) return NULL; /* one region per guest */
    if (a->n == a->cap) {
        size_t cap = a->cap ? a->cap * 2 : 4;
        vl_region *p = realloc(a->r, cap * sizeof *p);
        if (!p) return NULL;
        a->r = p;
        a->cap = cap;
    }
    uint8_t *host = calloc(1, size);
    if (!host) return NULL;
    a->r[a->n++] = (vl_region){ host, size, owner };
    a->in_use += size;
    return host;
}

void vl_alloc_release(vl_alloc *a, int owner) {
    for (size_t i = 0; i < a->n; i++)
        if (a->r[i].owner == owner) {
            memset(a->r[i].host, 0, a->r[i].size); /* scrub before the host reuses it */
            free(a->r[i].host);
            a->in_use -= a->r[i].size;
            a->r[i] = a->r[--a->n];
            return;
        }
}

int vl_alloc_owner(const vl_alloc *a, const void *p) {
    uintptr_t q = (uintptr_t)p;
    for (size_t i = 0; i < a->n; i++) {
        uintptr_t b = (uintptr_t)a->r[i].host;
        if (q >= b && q - b < a->r[i].size) return a->r[i].owner;
    }
    return -1;
}

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
            uintptr_t b1 = (uintptr_t)r->host, e1 = b1 + r->size;
            uintptr_t b2 = (uintptr_t)a->r[j].host, e2 = b2 + a->r[j].size;
            if (b1 < e2 && b2 < e1) {
                if (why) snprintf(why, whysz, "guests %d and %d share memory", r->owner, a->r[j].owner);
                return -1;
            }
            if (r->owner == a->r[j].owner) {
                if (why) snprintf(why, whysz, "guest %d holds two regions", r->owner);
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
