/* testlib.h - what the C tests share: the missing-package policy and the
 * compiled programs of tests/programs.
 *
 * The policy is the one of every test (tests/testlib.sh for the shell
 * scripts, tests/lua/testlib.lua for the Lua tests): a test that needs a
 * Debian package (make deps, DEB_PKGS in the Makefile) which is not
 * installed prints "SKIP: <package> not installed" and passes when run
 * locally; under VLAB_CI (exported by .ci/run) the same absence is a
 * failure: CI never skips. */
#ifndef VLAB_TESTS_TESTLIB_H
#define VLAB_TESTS_TESTLIB_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* VLAB_CI set, and not to "0" */
static inline int vl_test_in_ci(void) {
    const char *v = getenv("VLAB_CI");
    return v && *v && strcmp(v, "0") != 0;
}

/* Package `pkg` is missing (`what`: what is not run): say so. Returns the
 * test's verdict: 0 = skip (locally), 1 = fail (under VLAB_CI). */
static inline int vl_test_missing(const char *pkg, const char *what) {
    if (vl_test_in_ci())
        printf("FAIL: %s not installed (%s); VLAB_CI is set: CI never skips (make deps installs it)\n", pkg, what);
    else
        printf("SKIP: %s not installed (%s; make deps installs it)\n", pkg, what);
    fflush(stdout);
    return vl_test_in_ci();
}

/* the command `cmd` is on PATH */
static inline int vl_test_have_cmd(const char *cmd) {
    char sh[256];
    snprintf(sh, sizeof sh, "command -v '%s' >/dev/null 2>&1", cmd);
    return system(sh) == 0;
}

/* The programs of tests/programs (sieve, sort, checksum, fib) compiled for
 * the 68000, the 750 and the host into $BUILD/programs (default
 * build/programs) by tests/programs/build.sh, which `make test` runs first
 * and which does nothing when they are up to date. Writes the directory to
 * dir; 0 when the programs are there, -1 when the build failed (its log is
 * dir + ".log"). The caller checks the cross compilers first. */
static inline int vl_test_programs(char *dir, size_t dirsz) {
    const char *b = getenv("BUILD");
    snprintf(dir, dirsz, "%s/programs", b && *b ? b : "build");
    char sh[1200];
    snprintf(sh, sizeof sh, "sh tests/programs/build.sh '%s' >'%s.log' 2>&1", dir, dir);
    return system(sh) == 0 ? 0 : -1;
}

/* The Unicorn judges (test_<isa>_unicorn.c): VL_HAVE_UNICORN when
 * <unicorn/unicorn.h> is there (the Makefile links -lunicorn then); without
 * it, main is vl_test_no_unicorn(). */
#if defined(__has_include)
#if __has_include(<unicorn/unicorn.h>)
#define VL_HAVE_UNICORN 1
#endif
#endif
static inline int vl_test_no_unicorn(void) {
    return vl_test_missing("libunicorn-dev", "no <unicorn/unicorn.h>: the unicorn judge not built");
}

#ifdef CMOCKA_H_
/* In a cmocka test: when command `cmd` (of Debian package `pkg`) is
 * missing, the test is skipped (locally) or fails (under VLAB_CI). */
#define VL_TEST_NEED_CMD(pkg, cmd)                                     \
    do {                                                               \
        if (!vl_test_have_cmd(cmd)) {                                  \
            if (vl_test_missing(pkg, "no " cmd)) fail();               \
            skip();                                                    \
            return;                                                    \
        }                                                              \
    } while (0)

/* In a cmocka test: the compiled programs, in dir (vl_test_programs),
 * after the policy for the two cross compilers. */
#define VL_TEST_NEED_PROGRAMS(dir)                                                            \
    do {                                                                                      \
        VL_TEST_NEED_CMD("gcc-m68k-linux-gnu", "m68k-linux-gnu-gcc");                         \
        VL_TEST_NEED_CMD("gcc-powerpc-linux-gnu", "powerpc-linux-gnu-gcc");                   \
        if (vl_test_programs(dir, sizeof dir))                                                \
            fail_msg("tests/programs/build.sh %s failed (log in %s.log)", dir, dir);          \
    } while (0)
#endif

#endif
