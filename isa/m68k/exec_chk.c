/* exec_chk.c - the 68000/68010 handlers a second time, with checked
 * extension-word fetches: exec.c's fast loop runs its unchecked handlers
 * only where a whole instruction is known to be RAM, and these everywhere
 * else (the checking loop, the last bytes before the MMIO window or the
 * end of RAM, an odd PC), so that a fetch there still faults exactly.
 * One source, compiled twice: see the top of exec.c. */
#define M68K_EXEC_CHECKED 1
#include "isa/m68k/exec.c"
