/* libgcc68k.c - the integer helpers gcc calls for 32-bit multiply, divide
 * and modulo on a plain 68000 (Debian's m68k libgcc is 68020 code). */
unsigned long __mulsi3(unsigned long a, unsigned long b) {
    unsigned long r = 0;
    while (b) { if (b & 1) r += a; a <<= 1; b >>= 1; }
    return r;
}
static unsigned long udivmod(unsigned long n, unsigned long d, unsigned long *rem) {
    unsigned long q = 0, r = 0;
    if (d == 0) { *rem = n; return 0xFFFFFFFFul; }
    for (int i = 31; i >= 0; i--) {
        r = (r << 1) | ((n >> i) & 1);
        if (r >= d) { r -= d; q |= 1ul << i; }
    }
    *rem = r;
    return q;
}
unsigned long __udivsi3(unsigned long n, unsigned long d) { unsigned long r; return udivmod(n, d, &r); }
unsigned long __umodsi3(unsigned long n, unsigned long d) { unsigned long r; udivmod(n, d, &r); return r; }
long __divsi3(long n, long d) {
    unsigned long r, q = udivmod(n < 0 ? -(unsigned long)n : (unsigned long)n, d < 0 ? -(unsigned long)d : (unsigned long)d, &r);
    return (n < 0) != (d < 0) ? -(long)q : (long)q;
}
long __modsi3(long n, long d) {
    unsigned long r;
    udivmod(n < 0 ? -(unsigned long)n : (unsigned long)n, d < 0 ? -(unsigned long)d : (unsigned long)d, &r);
    return n < 0 ? -(long)r : (long)r;
}
