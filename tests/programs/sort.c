/* sort.c - quicksort and insertion sort of pseudo-random numbers, checked. */
#include "prog.h"
#define N 3000
static long a[N], b[N];
static unsigned int seed = 12345;
static unsigned int rnd(void) { seed = seed * 1103515245u + 12345u; return (seed >> 8) & 0xFFFFFF; }
static void quick(long *v, int lo, int hi) {
    while (lo < hi) {
        long p = v[(lo + hi) / 2];
        int i = lo, j = hi;
        while (i <= j) {
            while (v[i] < p) i++;
            while (v[j] > p) j--;
            if (i <= j) { long t = v[i]; v[i] = v[j]; v[j] = t; i++; j--; }
        }
        if (j - lo < hi - i) { quick(v, lo, j); lo = i; } else { quick(v, i, hi); hi = j; }
    }
}
int main(void) {
    for (int i = 0; i < N; i++) a[i] = b[i] = (long)rnd() - 0x800000;
    quick(a, 0, N - 1);
    for (int i = 1; i < 400; i++) {          /* insertion sort on a prefix */
        long x = b[i]; int j = i - 1;
        while (j >= 0 && b[j] > x) { b[j + 1] = b[j]; j--; }
        b[j + 1] = x;
    }
    int ok = 1;
    unsigned int h = 0;
    for (int i = 1; i < N; i++) if (a[i - 1] > a[i]) ok = 0;
    for (int i = 1; i < 400; i++) if (b[i - 1] > b[i]) ok = 0;
    for (int i = 0; i < N; i++) h = h * 31 + (unsigned int)a[i];
    puts_(ok ? "sorted " : "NOT sorted "); putx(h); putch('\n');
    return ok;
}
