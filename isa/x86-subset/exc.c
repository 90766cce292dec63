/* exc.c - x86 exceptions: their names, and what happens when one is raised
 * while another is being delivered (Intel 80386 PRM 9.8.8, Pentium SDM
 * vol. 3 table 5-4): a contributory exception (#DE, #TS, #NP, #SS, #GP)
 * during a contributory one, or a #PF or contributory one during a #PF,
 * becomes a double fault (#DF, error code 0); any exception during a #DF is
 * a triple fault: the processor shuts down (the run stops with reason
 * "shutdown" and the CPU stays down until reset). Otherwise the second one
 * is taken, and the first is lost as on the hardware. */
#include "isa/x86-subset/x86.h"

const vl_vector_info x86_vectors[] = {
    { 0, "divide error" },
    { 1, "debug" },
    { 2, "nmi" },
    { 3, "breakpoint" },
    { 4, "overflow" },
    { 5, "bound range exceeded" },
    { 6, "invalid opcode" },
    { 7, "device not available" },
    { 8, "double fault" },
    { 10, "invalid tss" },
    { 11, "segment not present" },
    { 12, "stack fault" },
    { 13, "general protection" },
    { 14, "page fault" },
    { 16, "floating-point error" },
    { 17, "alignment check" },
    { 18, "machine check" },
    { 0x20, "timer" },
    { 0, NULL },
};

/* Exceptions that push an error code. */
bool x86_has_error_code(int vector) {
    switch (vector) {
    case X86_EXC_DF: case X86_EXC_TS: case X86_EXC_NP: case X86_EXC_SS: case X86_EXC_GP: case X86_EXC_PF:
    case X86_EXC_AC:
        return true;
    default:
        return false;
    }
}

static bool contributory(int v) {
    return v == X86_EXC_DE || v == X86_EXC_TS || v == X86_EXC_NP || v == X86_EXC_SS || v == X86_EXC_GP;
}

int x86_combine(int first, int second) {
    if (first == X86_EXC_DF) return -1; /* triple fault */
    if (contributory(first) && contributory(second)) return X86_EXC_DF;
    if (first == X86_EXC_PF && (second == X86_EXC_PF || contributory(second))) return X86_EXC_DF;
    return second;
}
