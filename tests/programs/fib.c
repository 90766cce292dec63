/* fib.c - recursive Fibonacci and a 16-bit multiply table (deep calls, muls). */
#include "prog.h"
static unsigned long fib(unsigned n) { return n < 2 ? n : fib(n - 1) + fib(n - 2); }
int main(void) {
    unsigned long t = 0;
    for (short i = -50; i < 50; i++) for (short j = -50; j < 50; j++) t += (unsigned long)(long)(i * j);
    puts_("fib24 "); putu(fib(24)); puts_(" table "); putx(t); putch('\n');
    return 0;
}
