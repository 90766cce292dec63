/* sieve.c - primes below 30000 by the sieve of Eratosthenes. */
#include "prog.h"
#define N 30000
static unsigned char composite[N];
int main(void) {
    unsigned long count = 0, sum = 0;
    for (unsigned long i = 2; i < N; i++) {
        if (composite[i]) continue;
        count++;
        sum += i;
        for (unsigned long j = i * i; j < N; j += i) composite[j] = 1;
    }
    puts_("primes "); putu(count); puts_(" sum "); putu(sum); putch('\n');
    return (int)count;
}
