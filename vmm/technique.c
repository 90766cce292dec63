/* technique.c - the registry of the monitor's techniques: every plug-in
 * (tech_*.c) by id and by name, in the order --help and the docs list them. */
#include "vmm/vmm.h"
#include <string.h>

extern const vl_technique vl_tech_trap_emulate, vl_tech_hybrid, vl_tech_hw_assist, vl_tech_paravirt;
extern const vl_technique vl_tech_trap_emulate, vl_tech_hybrid, vl_tech_hw_assist;
extern const vl_technique vl_tech_binary_translation, vl_tech_scan_patch;

static const vl_technique *const techniques[VL_TECH_COUNT] = {
    [VL_TECH_TRAP_EMULATE] = &vl_tech_trap_emulate,
    [VL_TECH_HYBRID] = &vl_tech_hybrid,
    [VL_TECH_HW_ASSIST] = &vl_tech_hw_assist,
    [VL_TECH_PARAVIRT] = &vl_tech_paravirt,
    [VL_TECH_BINARY_TRANSLATION] = &vl_tech_binary_translation,
    [VL_TECH_SCAN_PATCH] = &vl_tech_scan_patch,
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

int vl_technique_spec(const char *spec, int *flavour, char *err, size_t errsz) {
    char name[64];
    const char *colon = spec ? strchr(spec, ':') : NULL;
    size_t n = colon ? (size_t)(colon - spec) : (spec ? strlen(spec) : 0);
    *flavour = -1;
    if (!spec || n >= sizeof name) {
        vl_seterr(err, errsz, "unknown technique '%s' (known: %s)", spec ? spec : "", vl_technique_list());
        return -1;
    }
    memcpy(name, spec, n);
    name[n] = 0;
    int t = vl_technique_find(name);
    if (t < 0) {
        vl_seterr(err, errsz, "unknown technique '%s' (known: %s)", name, vl_technique_list());
        return -1;
    }
    if (!colon) return t;
    if (t != VL_TECH_HW_ASSIST) {
        vl_seterr(err, errsz, "technique %s has no flavours (hw-assist has: svm, vt)", name);
        return -1;
    }
    if ((*flavour = vl_hw_flavour_find(colon + 1)) < 0) {
        vl_seterr(err, errsz, "unknown flavour '%s' of hw-assist (known: svm, vt)", colon + 1);
        return -1;
    }
    return t;
}

const char *vl_technique_list(void) { return "trap-and-emulate, hybrid, hw-assist, paravirt, binary-translation, scan-and-patch"; }
