# vlab - one entry point: build, deps, test, check-asan, bench, demo, install.
#
#   make            build/vlab, build/vlab.so (Lua module), build/libvlab.so
#   make deps       install missing Debian packages (apt-get as root)
#   make test       every suite: cmocka units, vectors, binutils judge, Lua, scenarios
#   make check-asan the same suites built with ASan + UBSan (in build-asan/)
#   make bench      MIPS per core, each technique's monitored/native host time;
#                   make bench BASE=<commit>: speed ratios against
#                   that commit (bench/compare.sh, with callgrind figures)
#   make fuzz       every fuzz target for FUZZ_SECONDS (libFuzzer with clang, else the seeded driver)
#   make fuzz-smoke a short deterministic run of every fuzz target under ASan + UBSan (CI)
#   make demo       a first look

BUILD   ?= build
PREFIX  ?= /usr/local
LUA_CMOD ?= $(PREFIX)/lib/lua/5.4
LUAJIT_LMOD ?= $(PREFIX)/share/lua/5.1
CC      ?= cc
OPT     ?= -O2
CFLAGS  ?= $(OPT) -g
SAN     ?=
WARN    := -Wall -Wextra -Wno-unused-parameter -Wno-missing-field-initializers
LUA_CFLAGS := $(shell pkg-config --cflags lua5.4 2>/dev/null || echo -I/usr/include/lua5.4)
LUA_LIBS   := $(shell pkg-config --libs lua5.4 2>/dev/null || echo -llua5.4)
ALL_CFLAGS := -std=c11 -D_GNU_SOURCE $(WARN) $(CFLAGS) $(SAN) -fPIC -Iinclude -I.
LDFLAGS_ALL := $(SAN) $(LDFLAGS)

# (clang and libclang-rt-dev: libFuzzer for make fuzz; every other one is needed by make test: a test whose package is missing says
# SKIP, and fails under VLAB_CI, which .ci/run sets; python3 parses the JSON
# of vlab exec in tests/cli.sh)
DEB_PKGS := liblua5.4-dev lua5.4 libcmocka-dev pkg-config binutils-m68k-linux-gnu gcc-m68k-linux-gnu \
            binutils-powerpc-linux-gnu gcc-powerpc-linux-gnu binutils-x86-64-linux-gnu libunicorn-dev \
            python3 binutils qemu-system-x86 gdb-multiarch chromium clang libclang-rt-dev
# Optional: only the FFI binding's test needs it (SKIP without it, as any
# missing package); `make deps` does not fail when it cannot be installed.
OPT_PKGS := luajit

# Without the Lua headers nothing builds: say what to do instead of a
# compiler's "lauxlib.h: No such file or directory".
LUA_OK := $(shell printf '\043include <lauxlib.h>\n' | $(CC) $(LUA_CFLAGS) -E -x c - >/dev/null 2>&1 && echo yes)
ifeq ($(filter deps clean,$(MAKECMDGOALS)),)
ifneq ($(LUA_OK),yes)
$(error the Lua 5.4 headers (lauxlib.h, Debian liblua5.4-dev) are not installed: run 'make deps' first, it installs what vlab needs)
endif
endif

LIB_SRC := $(sort $(wildcard core/*.c isa/*.c isa/*/*.c vmm/*.c))
LIB_OBJ := $(LIB_SRC:%.c=$(BUILD)/obj/%.o)
LUA_SRC := $(sort $(filter-out lua/main.c,$(wildcard lua/*.c)))
LUA_OBJ := $(LUA_SRC:%.c=$(BUILD)/obj/%.o)
TEST_SRC := $(sort $(wildcard tests/test_*.c))
TEST_BIN := $(TEST_SRC:tests/%.c=$(BUILD)/tests/%)
BENCH_SRC := $(sort $(wildcard bench/*.c))
BENCH_BIN := $(BENCH_SRC:bench/%.c=$(BUILD)/bench/%)

.PHONY: all deps test check-asan bench demo install clean tests-build test-programs fuzz fuzz-smoke fuzz-driver
all: $(BUILD)/vlab $(BUILD)/vlab.so $(BUILD)/libvlab.so $(BUILD)/libvlab.a

deps:
	@missing=""; for p in $(DEB_PKGS); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "ok installed" || missing="$$missing $$p"; \
	done; \
	if [ -z "$$missing" ]; then echo "deps: all present"; \
	elif [ "$$(id -u)" = 0 ]; then echo "deps: installing$$missing"; \
	  (apt-get install -y --no-install-recommends $$missing || \
	   (apt-get update && apt-get install -y --no-install-recommends $$missing)); \
	else echo "deps: missing$$missing; run: sudo apt-get install -y$$missing"; exit 1; fi
	@for p in $(OPT_PKGS); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "ok installed" && continue; \
	  if [ "$$(id -u)" = 0 ] && apt-get install -y --no-install-recommends $$p; then :; \
	  else echo "deps: optional package $$p not installed (only its test needs it: it says SKIP)"; fi; \
	done

$(BUILD)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(LUA_CFLAGS) -MMD -MP -c $< -o $@

# The 68000 interpreter without the SLP vectoriser: it packs the condition
# code bytes an instruction sets (four setcc) into one store through a chain
# of shifts and ors, which costs more than the byte stores (isa/m68k/exec.c,
# and exec_chk.c, the same source compiled a second time).
$(BUILD)/obj/isa/m68k/exec.o $(BUILD)/obj/isa/m68k/exec_chk.o: ALL_CFLAGS += -fno-tree-slp-vectorize

$(BUILD)/libvlab.a: $(LIB_OBJ)
	@rm -f $@
	ar rcs $@ $^

$(BUILD)/libvlab.so: $(LIB_OBJ)
	$(CC) -shared $(LDFLAGS_ALL) -o $@ $^

# The Lua module for plain lua5.4 (require "vlab").
$(BUILD)/vlab.so: $(LUA_OBJ) $(LIB_OBJ)
	$(CC) -shared $(LDFLAGS_ALL) -o $@ $^

# The whole archive: a weak stand-in in one member must not win over the real
# definition in a member nothing else pulls in (as it does with a plain .a).
LIBVLAB_LINK = -Wl,--whole-archive $(BUILD)/libvlab.a -Wl,--no-whole-archive

$(BUILD)/vlab: $(BUILD)/obj/lua/main.o $(LUA_OBJ) $(BUILD)/libvlab.a
	$(CC) $(LDFLAGS_ALL) -o $@ $(BUILD)/obj/lua/main.o $(LUA_OBJ) $(LIBVLAB_LINK) $(LUA_LIBS) -lm

$(BUILD)/tests/%: tests/%.c tests/testlib.h $(BUILD)/libvlab.a
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -o $@ $< $(LIBVLAB_LINK) $(LDFLAGS_ALL) -lcmocka -lm

# Unicorn as a judge of the PowerPC and x86 cores (test_<isa>_unicorn):
# linked with -lunicorn when its header is there (otherwise the test says
# "SKIP: libunicorn-dev not installed", and fails under VLAB_CI:
# tests/testlib.h).
UNICORN_LIBS := $(shell printf '\043include <unicorn/unicorn.h>\n' | $(CC) -E -x c - >/dev/null 2>&1 && echo -lunicorn)
$(BUILD)/tests/test_%_unicorn: tests/test_%_unicorn.c tests/testlib.h $(BUILD)/libvlab.a
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -o $@ $< $(LIBVLAB_LINK) $(LDFLAGS_ALL) $(UNICORN_LIBS) -lm

$(BUILD)/bench/%: bench/%.c $(BUILD)/libvlab.a
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -o $@ $< $(LIBVLAB_LINK) $(LDFLAGS_ALL) -lm

tests-build: all $(TEST_BIN) test-programs $(BUILD)/fuzz/fuzz-driver

# The C programs of tests/programs compiled for the guests (test_vmm,
# test_ppc_virt and tests/programs.sh run them), built before the suites;
# tests/programs/build.sh does nothing when they are up to date. Without the
# cross compilers nothing is built here, and those tests say SKIP (FAIL
# under VLAB_CI: the policy of tests/testlib.sh).
test-programs:
	@if command -v m68k-linux-gnu-gcc >/dev/null 2>&1 && command -v powerpc-linux-gnu-gcc >/dev/null 2>&1; then \
	  sh tests/programs/build.sh $(BUILD)/programs; \
	else echo "test-programs: gcc-m68k-linux-gnu or gcc-powerpc-linux-gnu not installed: not built"; fi

test: tests-build
	@BUILD=$(BUILD) sh tests/run.sh

check-asan:
	$(MAKE) BUILD=build-asan OPT=-O1 SAN="-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined" test

# ---- fuzzing (tests/fuzz/, docs/hacking.md "Fuzzing") ----------------------------
# The targets are compiled once per build: into the seeded driver (any
# compiler) and, with clang, into one libFuzzer binary per target.
FUZZ_SRC := $(sort $(filter-out tests/fuzz/driver.c tests/fuzz/libfuzzer.c,$(wildcard tests/fuzz/*.c)))
FUZZ_TARGETS := code-68000 code-68010 code-750 code-i386 code-pentium asm-m68k asm-ppc asm-x86 \
                disasm-m68k disasm-ppc disasm-x86 elf lua
FUZZ_SECONDS ?= 60
# the smoke run: random inputs per target after its regressions and corpus,
# one seed: deterministic. The code targets run each input natively, under
# each technique and side by side (under ASan, 40 inputs take about 0.6 s on
# a 68000, 68010 or 750 and 1.7 s on an x86, after the sweep each code target
# runs once at its start for the leaking forms it checks against)
FUZZ_SMOKE_ITERATIONS ?= 500
FUZZ_SMOKE_CODE_ITERATIONS ?= 40
FUZZ_CODE_TARGETS := $(filter code-%,$(FUZZ_TARGETS))
FUZZ_SMOKE_SEED ?= 1
ASAN_SAN := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
HAVE_LIBFUZZER := $(shell printf 'int LLVMFuzzerTestOneInput(const char *d, long n) { return 0; }\n' | \
                    clang -fsanitize=fuzzer -x c - -o /dev/null >/dev/null 2>&1 && echo yes)

$(BUILD)/fuzz/fuzz-driver: tests/fuzz/driver.c $(FUZZ_SRC) tests/fuzz/fuzz.h $(LUA_OBJ) $(BUILD)/libvlab.a
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(LUA_CFLAGS) -o $@ tests/fuzz/driver.c $(FUZZ_SRC) $(LUA_OBJ) $(LIBVLAB_LINK) $(LDFLAGS_ALL) $(LUA_LIBS) -lm

fuzz-driver: $(BUILD)/fuzz/fuzz-driver

$(BUILD)/fuzz/fuzz-%: tests/fuzz/libfuzzer.c $(FUZZ_SRC) tests/fuzz/fuzz.h $(LUA_OBJ) $(BUILD)/libvlab.a
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(LUA_CFLAGS) -fsanitize=fuzzer -DVLAB_FUZZ_TARGET='"$*"' -o $@ tests/fuzz/libfuzzer.c \
	  $(FUZZ_SRC) $(LUA_OBJ) $(LIBVLAB_LINK) $(LDFLAGS_ALL) $(LUA_LIBS) -lm

# Every target under ASan + UBSan, the corpus and FUZZ_SMOKE_ITERATIONS
# seeded inputs each; fails on any oracle failure or sanitizer report.
fuzz-smoke:
	$(MAKE) BUILD=build-asan OPT=-O1 SAN="$(ASAN_SAN)" build-asan/fuzz/fuzz-driver
	VLAB_FUZZ_OUT=build-asan ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	  build-asan/fuzz/fuzz-driver --seed $(FUZZ_SMOKE_SEED) --iterations $(FUZZ_SMOKE_CODE_ITERATIONS) \
	  $(FUZZ_CODE_TARGETS:%=--target %)
	VLAB_FUZZ_OUT=build-asan ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	  build-asan/fuzz/fuzz-driver --seed $(FUZZ_SMOKE_SEED) --iterations $(FUZZ_SMOKE_ITERATIONS) \
	  $(patsubst %,--target %,$(filter-out code-%,$(FUZZ_TARGETS)))

# FUZZ_SECONDS per target: libFuzzer (clang) in build-fuzz/, its new inputs
# in build-fuzz/corpus/<target> (copy the interesting ones to
# tests/fuzz/corpus/<target>); without clang the seeded driver under ASan.
fuzz:
ifeq ($(HAVE_LIBFUZZER),yes)
	$(MAKE) BUILD=build-fuzz CC=clang OPT=-O1 SAN="$(ASAN_SAN) -fsanitize=fuzzer-no-link" \
	  $(FUZZ_TARGETS:%=build-fuzz/fuzz/fuzz-%)
	@for t in $(FUZZ_TARGETS); do mkdir -p build-fuzz/corpus/$$t; \
	  echo "== fuzz $$t ($(FUZZ_SECONDS) s)"; \
	  ASAN_OPTIONS=detect_leaks=1 build-fuzz/fuzz/fuzz-$$t -max_total_time=$(FUZZ_SECONDS) -timeout=20 \
	    -print_final_stats=1 -artifact_prefix=build-fuzz/$$t- build-fuzz/corpus/$$t tests/fuzz/corpus/$$t \
	    >build-fuzz/$$t.log 2>&1 || { tail -60 build-fuzz/$$t.log; exit 1; }; \
	  grep -E '^(stat::number_of_executed_units|stat::average_exec_per_sec)|^#[0-9]+ *DONE' build-fuzz/$$t.log; \
	done
else
	@echo "fuzz: clang with libFuzzer not found: the seeded driver under ASan"
	$(MAKE) BUILD=build-asan OPT=-O1 SAN="$(ASAN_SAN)" build-asan/fuzz/fuzz-driver
	build-asan/fuzz/fuzz-driver --seed $$(date +%s) --iterations 1000000000 --seconds $(FUZZ_SECONDS)
endif

bench: all $(BENCH_BIN)
	@if [ -n "$(BASE)" ]; then BUILD=$(BUILD) sh bench/compare.sh "$(BASE)"; \
	else BUILD=$(BUILD) sh bench/run.sh; fi

demo: all
	@BUILD=$(BUILD) sh scripts/demo.sh

# The command, the C library and header, the Lua module (where lua5.4
# looks), the LuaJIT binding (where luajit looks), the man page, the docs,
# the scenarios and the scripts.
install: all
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/lib $(DESTDIR)$(PREFIX)/include \
	  $(DESTDIR)$(LUA_CMOD) $(DESTDIR)$(LUAJIT_LMOD) $(DESTDIR)$(PREFIX)/share/vlab/scripts \
	  $(DESTDIR)$(PREFIX)/share/vlab/scenarios $(DESTDIR)$(PREFIX)/share/doc/vlab $(DESTDIR)$(PREFIX)/share/man/man1
	install -m 755 $(BUILD)/vlab $(DESTDIR)$(PREFIX)/bin/vlab
	install -m 644 $(BUILD)/libvlab.so $(DESTDIR)$(PREFIX)/lib/libvlab.so
	install -m 644 $(BUILD)/vlab.so $(DESTDIR)$(LUA_CMOD)/vlab.so
	install -m 644 lua/vlab_ffi.lua $(DESTDIR)$(LUAJIT_LMOD)/vlab_ffi.lua
	install -m 644 include/vlab.h $(DESTDIR)$(PREFIX)/include/vlab.h
	cp -r scripts/. $(DESTDIR)$(PREFIX)/share/vlab/scripts/
	install -m 644 scenarios/*.lua $(DESTDIR)$(PREFIX)/share/vlab/scenarios/
	install -m 644 README.md docs/*.md $(DESTDIR)$(PREFIX)/share/doc/vlab/
	install -m 644 docs/vlab.1 $(DESTDIR)$(PREFIX)/share/man/man1/vlab.1

clean:
	rm -rf build build-asan build-fuzz

-include $(shell find $(BUILD)/obj -name '*.d' 2>/dev/null)
