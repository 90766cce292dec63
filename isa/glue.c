/* glue.c - the glue registry: for each CPU core, its monitor glue
 * (isa/<isa>/virt.c) and its sweep adapter (isa/<isa>/forms.c). The cores
 * do not point at their glue, so that they link without the monitor; the
 * monitor finds the glue here, by core. A core without monitor glue (NULL)
 * cannot run under the monitor; its sweep adapter says why (no_monitor). */
#include "vmm/sweep.h"

extern const vl_cpu_ops m68k_ops, ppc_ops, x86_ops;
extern const vl_virt_ops m68k_virt_ops, ppc_virt_ops, x86_virt_ops;
extern const vl_sweep_isa vl_sweep_m68k, vl_sweep_ppc, vl_sweep_x86;

static const struct {
    const vl_cpu_ops *ops;
    const vl_virt_ops *virt;
    const vl_sweep_isa *sweep;
} glue[] = {
    { &m68k_ops, &m68k_virt_ops, &vl_sweep_m68k },
    { &ppc_ops, &ppc_virt_ops, &vl_sweep_ppc },
    { &x86_ops, &x86_virt_ops, &vl_sweep_x86 },
};

const vl_virt_ops *vl_glue_virt(const vl_cpu_ops *ops) {
    for (size_t i = 0; i < sizeof glue / sizeof glue[0]; i++)
        if (glue[i].ops == ops) return glue[i].virt;
    return NULL;
}

const vl_sweep_isa *vl_glue_sweep(const vl_cpu_ops *ops) {
    for (size_t i = 0; i < sizeof glue / sizeof glue[0]; i++)
        if (glue[i].ops == ops) return glue[i].sweep;
    return NULL;
}

/* The gdb register maps (isa/<isa>/gdb.c), for the gdb stub (vmm/gdbstub.c). */
extern const vl_gdb_isa vl_gdb_m68k, vl_gdb_ppc, vl_gdb_x86;
static const struct {
    const vl_cpu_ops *ops;
    const vl_gdb_isa *gdb;
} gdb_maps[] = { { &m68k_ops, &vl_gdb_m68k }, { &ppc_ops, &vl_gdb_ppc }, { &x86_ops, &vl_gdb_x86 } };

const vl_gdb_isa *vl_glue_gdb(const vl_cpu_ops *ops) {
    for (size_t i = 0; i < sizeof gdb_maps / sizeof gdb_maps[0]; i++)
        if (gdb_maps[i].ops == ops) return gdb_maps[i].gdb;
    return NULL;
}
