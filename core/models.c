/* models.c - the model registry: the ISA models vlab knows, in the order the
 * command line and the docs list them, and the ISAs still to come. The one
 * place in core/ that names an ISA. */
#include "core/core.h"
#include <string.h>

extern const vl_cpu_ops m68k_ops;
extern const vl_cpu_ops ppc_ops;
extern const vl_cpu_ops x86_ops;

/* MMIO window of the m68k machines: inside the 68000's 24-bit space, below
 * the top of a 16 MiB RAM where the stack lives. */
#define M68K_MMIO 0x00DFF000u

/* MMIO window of the PowerPC machine: far above any RAM size vlab gives. */
#define PPC_MMIO 0xF0000000u

/* x86: the MMIO window above any RAM and below the monitor regions; the
 * console at port 0xE9 (the Bochs/QEMU debug console) and the device
 * registers at ports 0x100.. (console, timer period, level, ack, count,
 * vector: the MMIO window's layout); the timer's interrupt is vector 0x20. */
#define X86_MMIO 0xFE000000u
#define X86_IO_BASE 0x100u
#define X86_IO_CONSOLE 0xE9u

const vl_model_desc vl_models[] = {
    { .isa = "m68k", .model = "68000", .ops = &m68k_ops, .variant = 0, .big_endian = true,
      .addr_mask = 0x00FFFFFFu, .mmio_base = M68K_MMIO },
    { .isa = "m68k", .model = "68010", .ops = &m68k_ops, .variant = 1, .big_endian = true,
      .addr_mask = 0x00FFFFFFu, .mmio_base = M68K_MMIO },
    { .isa = "ppc", .model = "750", .ops = &ppc_ops, .variant = 0, .big_endian = true,
      .addr_mask = 0xFFFFFFFFu, .mmio_base = PPC_MMIO },
    { .isa = "x86", .model = "i386", .ops = &x86_ops, .variant = 0, .big_endian = false,
      .addr_mask = 0xFFFFFFFFu, .mmio_base = X86_MMIO, .io_base = X86_IO_BASE, .io_console = X86_IO_CONSOLE,
      .timer_vector = 0x20 },
    { .isa = "x86", .model = "pentium", .ops = &x86_ops, .variant = 1, .big_endian = false,
      .addr_mask = 0xFFFFFFFFu, .mmio_base = X86_MMIO, .io_base = X86_IO_BASE, .io_console = X86_IO_CONSOLE,
      .timer_vector = 0x20 },
    { .isa = NULL },
};

const char *vl_planned_isa(const char *name) {
    (void)name; /* every ISA of the design has its core */
    return NULL;
}

const vl_model_desc *vl_find_model(const char *isa, const char *model) {
    for (const vl_model_desc *d = vl_models; d->isa; d++)
        if (strcmp(d->isa, isa) == 0 && (!model || strcmp(d->model, model) == 0)) return d;
    return NULL;
}
