/* trace.h - one line per guest instruction (`vlab exec --trace`): see trace.c. */
#ifndef VL_TRACE_H
#define VL_TRACE_H
#include "vmm/vmm.h"
#include <stdio.h>

/* Run the machine m (vm NULL) or the guest of vm instruction by instruction,
 * at most max of them (0: no limit), printing one line each to out: address,
 * bytes, disassembly, the registers it changed (hidden ones aside); an
 * exception the CPU took, and under the monitor every trap (emulated,
 * reflected, unhandled, exit), on lines of their own. Returns the stop. */
vl_stop vl_trace_run(vlab_machine *m, vl_vm *vm, uint64_t max, FILE *out);

#endif
