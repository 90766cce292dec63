/* checksum.c - CRC-32, Adler-32 and Fletcher-16 over a generated buffer,
 * plus signed division and modulo through the libgcc helpers. */
#include "prog.h"
static unsigned char buf[8192];
int main(void) {
    for (unsigned i = 0; i < sizeof buf; i++) buf[i] = (unsigned char)(i * 7 + (i >> 5));
    unsigned long crc = 0xFFFFFFFFul;
    for (unsigned i = 0; i < sizeof buf; i++) {
        crc ^= buf[i];
        for (int k = 0; k < 8; k++) crc = (crc >> 1) ^ (0xEDB88320ul & (0ul - (crc & 1)));
    }
    crc ^= 0xFFFFFFFFul;
    unsigned long a = 1, b = 0;
    for (unsigned i = 0; i < sizeof buf; i++) { a = (a + buf[i]) % 65521; b = (b + a) % 65521; }
    unsigned short s1 = 0, s2 = 0;
    for (unsigned i = 0; i < sizeof buf; i++) { s1 = (unsigned short)((s1 + buf[i]) % 255); s2 = (unsigned short)((s2 + s1) % 255); }
    long q = 0;
    for (long n = -5000; n < 5000; n += 37) q += n / 7 + n % 5;
    puts_("crc32 "); putx(crc); puts_(" adler "); putx(b << 16 | a);
    puts_(" fletcher "); putu((unsigned long)s2 << 8 | s1); puts_(" divmod "); putx((unsigned long)q); putch('\n');
    return 0;
}
