/* driver.c - the seeded fuzz driver: runs the targets of tests/fuzz/ without
 * libFuzzer (any compiler; `make fuzz-smoke` and `make fuzz` without clang).
 *
 *   fuzz-driver [--target NAME]... [--corpus DIR] [--regressions DIR] [--seed S]
 *               [--iterations N] [--seconds T] [--only I] [--list] [FILE...]
 *
 * For each target (default: all): every file of the regressions folder
 * (default tests/fuzz/regressions/<target>/: inputs that once failed), every
 * file of the corpus folder (default tests/fuzz/corpus/<target>/), then
 * N inputs from a PRNG seeded with S and the target's name: random bytes, or
 * a corpus file mutated. Input I depends only on S, the target and the
 * corpus, so `--only I` replays it. With FILEs: run those inputs only (a
 * saved failure). --seconds T stops a target's random inputs after T seconds
 * (not deterministic: for campaigns, not for CI); SIGTERM or SIGINT stops
 * them after the input at hand, the count printed (a campaign stopped
 * early still reports what it ran). Prints per target the
 * inputs run and the executions per second; exits 1 on an oracle failure
 * (which aborts, after printing a reproducer), 2 on a usage error. */
#include "tests/fuzz/fuzz.h"
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#if defined(__has_include)
#if __has_include(<sanitizer/common_interface_defs.h>) && (defined(__SANITIZE_ADDRESS__) || defined(__clang__))
#include <sanitizer/common_interface_defs.h>
#define HAVE_DEATH_CALLBACK 1
#endif
#endif

typedef struct blob {
    uint8_t *p;
    size_t n;
} blob;

typedef struct corpus {
    blob *b;
    size_t n, cap;
} corpus;

static int read_file(const char *path, blob *out) {
    FILE *f = fopen(path, "rb");
    if (!f) return -1;
    size_t cap = 4096, n = 0;
    uint8_t *p = malloc(cap);
    size_t k;
    while (p && (k = fread(p + n, 1, cap - n, f)) > 0) {
        n += k;
        if (n == cap) {
            uint8_t *q = realloc(p, cap *= 2);
            if (!q) free(p);
            p = q;
        }
    }
    fclose(f);
    if (!p) return -1;
    out->p = p, out->n = n;
    return 0;
}

static int cmp_names(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

/* every regular file of dir, in name order (a missing folder is an empty corpus) */
static void load_corpus(const char *dir, corpus *c) {
    DIR *d = opendir(dir);
    if (!d) return;
    char **names = NULL;
    size_t n = 0, cap = 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        if (e->d_name[0] == '.') continue;
        if (n == cap) {
            cap = cap ? 2 * cap : 64;
            char **q = realloc(names, cap * sizeof *names);
            if (!q) break;
            names = q;
        }
        names[n++] = strdup(e->d_name);
    }
    closedir(d);
    if (n) qsort(names, n, sizeof *names, cmp_names);
    for (size_t i = 0; i < n; i++) {
        char path[8192];
        snprintf(path, sizeof path, "%s/%s", dir, names[i]);
        blob b;
        if (names[i] && read_file(path, &b) == 0) {
            if (c->n == c->cap) {
                c->cap = c->cap ? 2 * c->cap : 64;
                blob *q = realloc(c->b, c->cap * sizeof *c->b);
                if (!q) exit(1);
                c->b = q;
            }
            c->b[c->n++] = b;
        }
        free(names[i]);
    }
    free(names);
}

static uint64_t hash(const char *s) {
    uint64_t h = 1469598103934665603ull;
    while (*s) h = (h ^ (uint8_t)*s++) * 1099511628211ull;
    return h;
}

/* Input i of a target: random bytes, or a corpus entry with a few mutations
 * (byte set, bit flip, insert, delete, a splice from another entry). */
static size_t make_input(const fz_target *t, const corpus *c, uint64_t seed, uint64_t i, uint8_t *buf) {
    uint64_t s = seed ^ hash(t->name) ^ (i * 0xD1B54A32D192ED03ull);
    size_t max = t->max_len, n;
    if (!c->n || fz_rand(&s) % 4 == 0) {
        n = (size_t)(fz_rand(&s) % (max + 1));
        for (size_t k = 0; k < n; k++) buf[k] = (uint8_t)fz_rand(&s);
        return n;
    }
    const blob *b = &c->b[fz_rand(&s) % c->n];
    n = b->n < max ? b->n : max;
    memcpy(buf, b->p, n);
    int muts = 1 + (int)(fz_rand(&s) % 8);
    for (int m = 0; m < muts; m++) {
        uint64_t r = fz_rand(&s);
        size_t at = n ? (size_t)(r >> 8) % n : 0;
        switch (r % 5) {
        case 0: if (n) buf[at] = (uint8_t)(r >> 40); break;
        case 1: if (n) buf[at] ^= (uint8_t)(1u << ((r >> 40) & 7)); break;
        case 2:
            if (n < max) {
                memmove(buf + at + 1, buf + at, n - at);
                buf[at] = (uint8_t)(r >> 40);
                n++;
            }
            break;
        case 3:
            if (n) {
                memmove(buf + at, buf + at + 1, n - at - 1);
                n--;
            }
            break;
        default: {
            const blob *o = &c->b[(r >> 32) % c->n];
            if (!o->n) break;
            size_t from = (size_t)(fz_rand(&s) % o->n), len = (size_t)(fz_rand(&s) % 64);
            if (from + len > o->n) len = o->n - from;
            if (at + len > max) len = max - at;
            memcpy(buf + at, o->p + from, len);
            if (at + len > n) n = at + len;
        }
        }
    }
    return n;
}

/* set by SIGTERM or SIGINT: no more random inputs */
static volatile sig_atomic_t stop_asked;
static void ask_stop(int sig) {
    (void)sig;
    stop_asked = 1;
}

static double now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

#ifdef HAVE_DEATH_CALLBACK
/* A sanitizer report ends the process without returning here: say which
 * input it was. The one place the driver needs a global: the sanitizer's
 * callback takes no argument. */
static const fz_ctx *dying;
static void on_death(void) {
    if (dying) fz_fail((fz_ctx *)dying, "the sanitizer report above");
}
#endif

static void usage(FILE *f) {
    fprintf(f, "usage: fuzz-driver [--target NAME]... [--corpus DIR] [--regressions DIR] [--seed S]\n"
               "                   [--iterations N] [--seconds T] [--only I] [--list] [FILE...]\n");
}

int main(int argc, char **argv) {
    const fz_target *sel[64];
    int nsel = 0, nfiles = 0;
    char *files[argc > 0 ? argc : 1]; /* (on the stack: nothing to free on an early return) */
    const char *dir = "tests/fuzz/corpus", *regdir = "tests/fuzz/regressions";
    uint64_t seed = 1, iters = 1000, only = 0;
    int has_only = 0;
    double seconds = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (strcmp(a, "--list") == 0) {
            for (int k = 0; fz_targets[k]; k++) printf("%-14s %s\n", fz_targets[k]->name, fz_targets[k]->what);
            return 0;
        } else if (strcmp(a, "--help") == 0) {
            usage(stdout);
            return 0;
        } else if (a[0] == '-' && a[1] == '-' && !v) {
            fprintf(stderr, "fuzz-driver: %s needs a value\n", a);
            return 2;
        } else if (strcmp(a, "--target") == 0) {
            const fz_target *t = fz_find(v);
            if (!t) {
                fprintf(stderr, "fuzz-driver: unknown target '%s' (--list)\n", v);
                return 2;
            }
            if (nsel < 64) sel[nsel++] = t;
            i++;
        } else if (strcmp(a, "--corpus") == 0) {
            dir = v, i++;
        } else if (strcmp(a, "--regressions") == 0) {
            regdir = v, i++;
        } else if (strcmp(a, "--seed") == 0) {
            seed = strtoull(v, NULL, 0), i++;
        } else if (strcmp(a, "--iterations") == 0) {
            iters = strtoull(v, NULL, 0), i++;
        } else if (strcmp(a, "--seconds") == 0) {
            seconds = strtod(v, NULL), i++;
        } else if (strcmp(a, "--only") == 0) {
            only = strtoull(v, NULL, 0), has_only = 1, i++;
        } else if (a[0] == '-') {
            fprintf(stderr, "fuzz-driver: unknown option '%s'\n", a);
            usage(stderr);
            return 2;
        } else {
            files[nfiles++] = argv[i];
        }
    }
    if (!nsel)
        for (int k = 0; fz_targets[k] && nsel < 64; k++) sel[nsel++] = fz_targets[k];
    if (nfiles && nsel != 1) {
        fprintf(stderr, "fuzz-driver: input files need one --target\n");
        return 2;
    }
#ifdef HAVE_DEATH_CALLBACK
    __sanitizer_set_death_callback(on_death);
#endif
    if (seconds > 0) { /* a campaign's run: stopped, it still says what it ran */
        signal(SIGTERM, ask_stop);
        signal(SIGINT, ask_stop);
    }
    for (int k = 0; k < nsel; k++) {
        const fz_target *t = sel[k];
        fz_ctx c = { .t = t };
        c.state = t->init ? t->init(t, stdout) : NULL;
        uint8_t *buf = malloc(t->max_len + 1);
        char replay[9000];
        corpus cp = { 0 };
        uint64_t runs = 0, from_corpus = 0;
        double t0 = now();
        if (!buf) return 1;
        if (nfiles) {
            for (int f = 0; f < nfiles; f++) {
                blob b;
                if (read_file(files[f], &b) != 0) {
                    fprintf(stderr, "fuzz-driver: %s: %s\n", files[f], strerror(errno));
                    return 2;
                }
                snprintf(replay, sizeof replay, "replay: fuzz-driver --target %s %s", t->name, files[f]);
                c.data = b.p, c.size = b.n < t->max_len ? b.n : t->max_len, c.replay = replay;
#ifdef HAVE_DEATH_CALLBACK
                dying = &c;
#endif
                t->run(&c, c.data, c.size);
                free(b.p);
                runs++;
            }
        } else {
            char path[4200];
            corpus reg = { 0 };
            snprintf(path, sizeof path, "%s/%s", regdir, t->name);
            load_corpus(path, &reg);
            for (size_t i = 0; i < reg.n && !has_only; i++) {
                snprintf(replay, sizeof replay, "replay: fuzz-driver --target %s (regression %zu of %s)", t->name, i,
                         path);
                c.data = reg.b[i].p, c.size = reg.b[i].n < t->max_len ? reg.b[i].n : t->max_len, c.replay = replay;
#ifdef HAVE_DEATH_CALLBACK
                dying = &c;
#endif
                t->run(&c, c.data, c.size);
                runs++, from_corpus++;
                free(reg.b[i].p);
            }
            free(reg.b);
            snprintf(path, sizeof path, "%s/%s", dir, t->name);
            load_corpus(path, &cp);
            for (size_t i = 0; i < cp.n && !has_only; i++) {
                snprintf(replay, sizeof replay, "replay: fuzz-driver --target %s --corpus %s (entry %zu of %s)",
                         t->name, dir, i, path);
                c.data = cp.b[i].p, c.size = cp.b[i].n < t->max_len ? cp.b[i].n : t->max_len, c.replay = replay;
#ifdef HAVE_DEATH_CALLBACK
                dying = &c;
#endif
                t->run(&c, c.data, c.size);
                runs++, from_corpus++;
            }
            for (uint64_t i = has_only ? only : 0; has_only ? i == only : i < iters; i++) {
                if (stop_asked || (seconds > 0 && (i & 15) == 0 && now() - t0 > seconds)) break;
                size_t n = make_input(t, &cp, seed, i, buf);
                snprintf(replay, sizeof replay,
                         "replay: fuzz-driver --target %s --corpus %s --seed %llu --only %llu", t->name, dir,
                         (unsigned long long)seed, (unsigned long long)i);
                c.data = buf, c.size = n, c.replay = replay;
#ifdef HAVE_DEATH_CALLBACK
                dying = &c;
#endif
                t->run(&c, buf, n);
                runs++;
            }
        }
#ifdef HAVE_DEATH_CALLBACK
        dying = NULL;
#endif
        double dt = now() - t0;
        printf("%-14s %llu inputs (%llu from the regressions and the corpus), %.1f s, %.0f exec/s\n", t->name, (unsigned long long)runs,
               (unsigned long long)from_corpus, dt, dt > 0 ? runs / dt : 0.0);
        fflush(stdout);
        for (size_t i = 0; i < cp.n; i++) free(cp.b[i].p);
        free(cp.b);
        free(buf);
        if (t->fini) t->fini(c.state);
    }
    return 0;
}
