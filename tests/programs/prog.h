/* prog.h - what the whole-program tests share between the guest build and
 * the host build: a console writer and decimal printing. */
#ifndef PROG_H
#define PROG_H
#ifdef VLAB_GUEST
#define CONSOLE ((volatile unsigned char *)VLAB_CONSOLE) /* the MMIO console of the ISA */
static __attribute__((unused)) void putch(char c) { *CONSOLE = (unsigned char)c; }
#else
#include <stdio.h>
static __attribute__((unused)) void putch(char c) { putchar(c); }
#endif
static __attribute__((unused)) void puts_(const char *s) { while (*s) putch(*s++); }
static __attribute__((unused)) void putu(unsigned long v) {
    char buf[12];
    int n = 0;
    do { buf[n++] = (char)('0' + v % 10); v /= 10; } while (v);
    while (n) putch(buf[--n]);
}
static __attribute__((unused)) void putx(unsigned long v) {
    for (int i = 28; i >= 0; i -= 4) putch("0123456789abcdef"[(v >> i) & 15]);
}
#endif
