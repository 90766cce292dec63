/* models.c - the list of ISA models vlab knows, in DESIGN §4.1 order. */
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
    { "m68k", "68000", &m68k_ops, 0, true, 0x00FFFFFFu, M68K_MMIO },
    { "m68k", "68010", &m68k_ops, 1, true, 0x00FFFFFFu, M68K_MMIO },
    { "ppc", "750", &ppc_ops, 0, true, 0xFFFFFFFFu, PPC_MMIO },
    { NULL, NULL, NULL, 0, false, 0, 0 },
};

const vl_model_desc *vl_find_model(const char *isa, const char *model) {
    for (const vl_model_desc *d = vl_models; d->isa; d++)
        if (strcmp(d->isa, isa) == 0 && (!model || strcmp(d->model, model) == 0)) return d;
    return NULL;
}
