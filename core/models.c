/* models.c - the model registry: the ISA models vlab knows, in the order the
 * command line and the docs list them, and the ISAs still to come. The one
 * place in core/ that names an ISA. */
#include "core/core.h"
#include <string.h>

extern const vl_cpu_ops m68k_ops;
extern const vl_cpu_ops ppc_ops;

/* MMIO window of the m68k machines: inside the 68000's 24-bit space, below
 * the top of a 16 MiB RAM where the stack lives. */
#define M68K_MMIO 0x00DFF000u

/* MMIO window of the PowerPC machine: far above any RAM size vlab gives. */
#define PPC_MMIO 0xF0000000u

const vl_model_desc vl_models[] = {
    { .isa = "m68k", .model = "68000", .ops = &m68k_ops, .variant = 0, .big_endian = true,
      .addr_mask = 0x00FFFFFFu, .mmio_base = M68K_MMIO },
    { .isa = "m68k", .model = "68010", .ops = &m68k_ops, .variant = 1, .big_endian = true,
      .addr_mask = 0x00FFFFFFu, .mmio_base = M68K_MMIO },
    { .isa = "ppc", .model = "750", .ops = &ppc_ops, .variant = 0, .big_endian = true,
      .addr_mask = 0xFFFFFFFFu, .mmio_base = PPC_MMIO },
    { .isa = NULL },
};

const char *vl_planned_isa(const char *name) {
    if (name && (strcmp(name, "x86") == 0 || strcmp(name, "i386") == 0)) return "the i386 protected-mode subset";
    return NULL;
}

const vl_model_desc *vl_find_model(const char *isa, const char *model) {
    for (const vl_model_desc *d = vl_models; d->isa; d++)
        if (strcmp(d->isa, isa) == 0 && (!model || strcmp(d->model, model) == 0)) return d;
    return NULL;
}
