/* bus.c - the slow path of the bus: the MMIO window and the I/O ports
 * (console and timer), RAM accesses that the cores' fast paths hand over
 * (unaligned, across the end of RAM, or to a watched page), the write watch,
 * the monitor region's storage, and event delivery. The cores call this only
 * off the fast path. */
#include "core/core.h"
#include <stdlib.h>
#include <string.h>

static void console_put(vl_machine *m, uint8_t byte) {
    if (m->con_stream) {
        putc(byte, m->con_stream);
        if (byte == '\n') fflush(m->con_stream);
        m->con_midline = byte != '\n';
    }
    if (m->con_len >= m->con_keep) {
        m->con_dropped++;
    } else if (m->con_len + 1 >= m->con_cap) {
        size_t cap = m->con_cap ? m->con_cap * 2 : 256;
        char *p = realloc(m->con, cap);
        if (p) {
            m->con = p;
            m->con_cap = cap;
        }
    }
    if (m->con_len < m->con_keep) {
        if (m->con_len + 1 < m->con_cap) {
            m->con[m->con_len++] = (char)byte;
            m->con[m->con_len] = 0;
        } else {
            m->con_dropped++; /* the host is out of memory */
        }
    }
    if (m->hook_mask & VLAB_EV_CONSOLE) vl_event(m, VLAB_EV_CONSOLE, byte, 0);
}

void vl_console_stream(vl_machine *m, FILE *f, size_t keep) {
    m->con_stream = f;
    m->con_keep = keep;
}

static bool in_mmio(const vl_machine *m, uint32_t addr) {
    return m->mem.mmio_on && addr - m->mem.mmio_base < VL_MMIO_SIZE;
}

/* The deadline may fall inside the slice the run loop already chose: the
 * core ends its run after this instruction, and the loop (core/run.c, the
 * monitor's in vmm/vmm.c) starts a new slice that ends at the deadline. */
static void timer_program(vl_machine *m, uint32_t period) {
    m->timer_period = period;
    m->timer_next = period ? m->cc->icount + period : 0;
    m->timer_armed = true;
    vl_run_woken(m);
    if (m->desc->ops->kick) m->desc->ops->kick(m->cpu);
}

/* Register value read through the window; the byte lanes of a narrower access
 * are taken from the 32-bit register in the ISA's byte order. */
static uint32_t mmio_reg(vl_machine *m, uint32_t off) {
    switch (off) {
    case VL_MMIO_TIMER_PERIOD: return m->timer_period;
    case VL_MMIO_TIMER_LEVEL: return m->timer_level;
    case VL_MMIO_TIMER_COUNT: return m->timer_count;
    case VL_MMIO_TIMER_VECTOR: return m->timer_vector;
    default: return 0;
    }
}

/* A write to device register reg (an offset of the window). */
static void dev_write(vl_machine *m, uint32_t reg, uint32_t value) {
    switch (reg) {
    case VL_MMIO_CONSOLE: console_put(m, (uint8_t)value); break;
    case VL_MMIO_TIMER_PERIOD: timer_program(m, value); break;
    case VL_MMIO_TIMER_LEVEL: m->timer_level = value & 0xFF, vl_run_woken(m); break;
    case VL_MMIO_TIMER_ACK: m->cc->irq_level = 0; break;
    case VL_MMIO_TIMER_VECTOR: m->timer_vector = value & 0xFF; break;
    default: break; /* writes to unused registers are ignored */
    }
}


bool vl_bus_read(vl_machine *m, uint32_t addr, int size, uint32_t *value) {
    addr &= m->mem.addr_mask;
    if (in_mmio(m, addr)) {
        uint32_t off = addr - m->mem.mmio_base, reg = off & ~3u, lane = off & 3u;
        uint32_t v = mmio_reg(m, reg);
        if (size == 4) { *value = v; return true; }
        unsigned shift = m->mem.big_endian ? (unsigned)(4 - size - (int)lane) * 8 : lane * 8;
        if (lane + (unsigned)size > 4) shift = 0;
        *value = (v >> shift) & (size == 1 ? 0xFFu : 0xFFFFu);
        return true;
    }
    if ((uint64_t)addr + (uint64_t)size > m->mem.size) return false;
    const uint8_t *p = m->mem.ram + addr;
    uint32_t v = 0;
    for (int i = 0; i < size; i++) {
        int k = m->mem.big_endian ? i : size - 1 - i;
        v = v << 8 | p[k];
    }
    *value = v;
    return true;
}

bool vl_bus_write(vl_machine *m, uint32_t addr, int size, uint32_t value) {
    addr &= m->mem.addr_mask;
    if (in_mmio(m, addr)) {
        uint32_t off = addr - m->mem.mmio_base;
        if (m->dev_skip_i < m->dev_skip_n) {
            /* an instruction executed again: the write it made already */
            const vl_dev_write *e = &m->dev_log[m->dev_skip_i];
            if (e->addr == addr && e->size == (uint8_t)size && e->value == value) {
                m->dev_skip_i++;
                return true;
            }
            m->dev_skip_n = 0; /* it went another way: every write from here is new */
        }
        if (m->cc->intercept) {
            if (m->dev_tag != m->cc->icount) m->dev_log_n = 0, m->dev_tag = m->cc->icount;
            if (m->dev_log_n < VL_DEV_LOG_N) {
                m->dev_log[m->dev_log_n].addr = addr;
                m->dev_log[m->dev_log_n].value = value;
                m->dev_log[m->dev_log_n].size = (uint8_t)size;
                m->dev_log_n++;
            }
        }
        dev_write(m, off & ~3u, value);
        return true;
    }
    if ((uint64_t)addr + (uint64_t)size > m->mem.size) return false;
    uint8_t *p = m->mem.ram + addr;
    for (int i = 0; i < size; i++) {
        int k = m->mem.big_endian ? size - 1 - i : i;
        p[k] = (uint8_t)(value >> (8 * i));
    }
    if (m->mem.watch && vl_watch_hit(&m->mem, addr, (uint32_t)size)) {
        /* the write is done; whoever watches looks at it after this
         * instruction, when it asks to */
        if ((!m->on_watch || m->on_watch(m->watch_ctx, addr, size)) && m->desc->ops->kick) m->desc->ops->kick(m->cpu);
    }
    return true;
}

void vl_dev_replay(vl_machine *m, uint64_t tag) {
    m->dev_skip_i = 0;
    m->dev_skip_n = m->dev_tag == tag ? m->dev_log_n : 0;
}

void vl_dev_replay_end(vl_machine *m) {
    m->dev_skip_i = m->dev_skip_n = 0;
    m->dev_log_n = 0;
}

/* ---- I/O ports ------------------------------------------------------------- */

static bool io_dev(const vl_machine *m, uint32_t port, uint32_t *reg) {
    uint32_t base = m->desc->io_base;
    if (!base || port - base >= VL_MMIO_SIZE) return false;
    *reg = port - base;
    return true;
}

bool vl_io_read(vl_machine *m, uint32_t port, int size, uint32_t *value) {
    uint32_t reg, all = size == 1 ? 0xFFu : size == 2 ? 0xFFFFu : 0xFFFFFFFFu;
    if (!io_dev(m, port, &reg)) {
        *value = all; /* nobody drives the bus */
        return false;
    }
    /* ports are little-endian byte lanes of the 32-bit registers */
    uint32_t lane = reg & 3u;
    *value = (mmio_reg(m, reg & ~3u) >> (8 * lane)) & all;
    return true;
}

bool vl_io_write(vl_machine *m, uint32_t port, int size, uint32_t value) {
    uint32_t reg;
    if (m->desc->io_console && port == m->desc->io_console) {
        console_put(m, (uint8_t)value);
        return true;
    }
    if (!io_dev(m, port, &reg)) return false;
    (void)size;
    dev_write(m, reg & ~3u, value);
    return true;
}

/* ---- the monitor region and the write watch ------------------------------------ */

uint8_t *vl_mon_host(vl_machine *m, uint32_t addr, uint32_t len) {
    vl_mem *mem = &m->mem;
    if (!mem->mon || addr < mem->mon_base || (uint64_t)addr - mem->mon_base + len > mem->mon_size) return NULL;
    return mem->mon + (addr - mem->mon_base);
}

static void watch_bounds(vl_mem *mem) {
    mem->watch_lo = mem->size;
    mem->watch_hi = 0;
    if (!mem->nwatch) return;
    uint32_t pages = (mem->size + VL_PAGE_SIZE - 1) >> VL_PAGE_SHIFT;
    for (uint32_t p = 0; p < pages; p++)
        if (mem->watch[p]) {
            mem->watch_lo = p << VL_PAGE_SHIFT;
            break;
        }
    for (uint32_t p = pages; p-- > 0;)
        if (mem->watch[p]) {
            uint64_t end = (uint64_t)(p + 1) << VL_PAGE_SHIFT;
            mem->watch_hi = end > mem->size ? mem->size : (uint32_t)end;
            break;
        }
}

int vl_watch(vl_machine *m, uint32_t addr, uint32_t len, bool on) {
    vl_mem *mem = &m->mem;
    if (!len) return 0;
    if ((uint64_t)addr + len > mem->size) return -1;
    uint32_t pages = (mem->size + VL_PAGE_SIZE - 1) >> VL_PAGE_SHIFT;
    if (!mem->watch) {
        if (!on) return 0;
        if (!(mem->watch = calloc(pages, sizeof *mem->watch))) return -1;
    }
    bool changed = false;
    for (uint32_t p = addr >> VL_PAGE_SHIFT; p <= (addr + len - 1) >> VL_PAGE_SHIFT; p++) {
        if (on) {
            if (mem->watch[p] == UINT32_MAX) continue; /* saturated: stays watched */
            if (!mem->watch[p]++) mem->nwatch++, changed = true;
        } else if (mem->watch[p]) {
            if (!--mem->watch[p]) mem->nwatch--, changed = true;
        }
    }
    /* the scan for the bounds only when they may have moved (binary
     * translation watches each block it makes, mostly on a page watched
     * already) */
    if (changed) watch_bounds(mem);
    if (!mem->nwatch) {
        mem->span_lo = mem->size;
        mem->span_hi = 0;
    } else if (on) {
        if (addr < mem->span_lo) mem->span_lo = addr;
        if (addr + len > mem->span_hi) mem->span_hi = addr + len;
    }
    return 0;
}

void vl_watch_clear(vl_machine *m) {
    free(m->mem.watch);
    m->mem.watch = NULL;
    m->mem.nwatch = 0;
    m->mem.watch_lo = m->mem.size;
    m->mem.watch_hi = 0;
    m->mem.span_lo = m->mem.size;
    m->mem.span_hi = 0;
}

/* Fire the timer if its deadline has passed: the interrupt line stays
 * asserted until the guest acknowledges it (TIMER_ACK). */
void vl_timer_sync(vl_machine *m) {
    if (!m->timer_period || m->cc->icount < m->timer_next) return;
    m->timer_count++;
    m->cc->irq_level = (int)m->timer_level;
    m->cc->irq_vector = (int)m->timer_vector;
    m->timer_next = m->cc->icount + m->timer_period;
}

void vl_event(vl_machine *m, int event, uint32_t a, uint32_t b) {
    if (!(m->hook_mask & (unsigned)event) || !m->hook) return;
    if (m->hook(m->hook_ctx, event, a, b)) m->hook_stop = true;
}

static const char *const class_names[VL_CLASS_COUNT] = {
    "innocuous", "privileged", "control-sensitive", "mode-sensitive", "location-sensitive", "illegal",
    "iopl-sensitive",
};

const char *vl_class_name(int cls) {
    return cls >= 0 && cls < VL_CLASS_COUNT ? class_names[cls] : "?";
}
