/* technique.c - the registry of the monitor's techniques: every plug-in
 * (tech_*.c) by id and by name, in the order --help and the docs list them. */
#include "vmm/vmm.h"
#include <string.h>

extern const vl_technique vl_tech_trap_emulate, vl_tech_hybrid;

static const vl_technique *const techniques[VL_TECH_COUNT] = {
    [VL_TECH_TRAP_EMULATE] = &vl_tech_trap_emulate,
    [VL_TECH_HYBRID] = &vl_tech_hybrid,
};

const vl_technique *vl_technique_get(int id) { return id >= 0 && id < VL_TECH_COUNT ? techniques[id] : NULL; }

const char *vl_technique_name(int t) {
    const vl_technique *k = vl_technique_get(t);
    return k ? k->name : "?";
}

int vl_technique_find(const char *name) {
    if (!name) return -1;
    for (int i = 0; i < VL_TECH_COUNT; i++)
        if (strcmp(name, techniques[i]->name) == 0) return i;
    return -1;
}

const char *vl_technique_list(void) { return "trap-and-emulate, hybrid"; }
