/* main.c - the `vlab` command (DESIGN §4.1): run a Lua scenario, assemble,
 * disassemble, execute a guest binary.
 *
 * Exit status: 0 success, 1 guest or script failure, 2 usage error. */
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <lauxlib.h>
#include <lua.h>
#include <lualib.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/asm.h"
#include "vlab.h"
#include "vmm/vmm.h"

int luaopen_vlab(lua_State *L);

#ifndef VLAB_PREFIX
#define VLAB_PREFIX "/usr/local"
#endif

#define EXIT_GUEST 1
#define EXIT_USAGE 2

static const char usage_text[] =
    "usage: vlab COMMAND [OPTIONS]\n"
    "\n"
    "vlab is a virtualization laboratory: CPU cores for the Motorola 68000/68010,\n"
    "the PowerPC 750 and the x86 (i386, Pentium), one virtual machine monitor, and\n"
    "Lua scenarios that show where each architecture leaks privilege state.\n"
    "\n"
    "commands:\n"
    "  vlab run SCRIPT.lua|- [ARGS...]\n"
    "      Run a Lua scenario. The module is preloaded as the global `vlab`;\n"
    "      ARGS reach the script as `arg` (arg[0] is the script) and as `...`.\n"
    "  vlab asm --isa ISA[:MODEL] [--org ADDR] [-o OUT] [FILE|-]\n"
    "      Assemble FILE (or standard input) to raw bytes, written to OUT\n"
    "      (default: standard output). Errors read FILE:LINE:COL: message.\n"
    "  vlab disasm --isa ISA[:MODEL] [--org ADDR] [--bits 16|32] FILE\n"
    "      Disassemble a raw binary loaded at ADDR (default 0): one line per\n"
    "      instruction with its address, bytes and text. --bits 16 reads x86\n"
    "      code as 16-bit (real mode, a 16-bit code segment); default 32.\n"
    "  vlab exec --isa ISA[:MODEL] [--vmm TECHNIQUE] [--org ADDR] [--entry ADDR]\n"
    "            [--ram BYTES] [--max N] [--json] [--gdb PORT] [--trace] FILE(.bin|.elf)\n"
    "      Load a raw binary at --org (default 0) or an ELF by its program\n"
    "      headers into a machine with --ram bytes (default 16 MiB); PC is\n"
    "      --entry, else the ELF entry, else --org; the stack pointer is the top\n"
    "      of RAM, supervisor mode. Run until a branch to itself, STOP or HLT,\n"
    "      --max instructions (0: none; default: 1000000000, and a guest stopped\n"
    "      there is reported as a runaway, exit 1), an exception with no handler,\n"
    "      or an x86 triple fault. The console is shown as the guest writes it.\n"
    "      --json prints one object: stop, pc, instructions, regs, console (its\n"
    "      first MiB), console_dropped (the bytes beyond).\n"
    "      Ctrl-C (SIGINT) or SIGTERM stops the guest with reason \"interrupted\"\n"
    "      (exit 1); the report, console included, is still printed.\n"
    "      --vmm TECHNIQUE runs the guest under the monitor (trap-and-emulate,\n"
    "      hybrid, hw-assist or hw-assist:vt, binary-translation, scan-and-patch);\n"
    "      --json then reports the guest's\n"
    "      view and a vmm object with the monitor's counts.\n"
    "      --gdb PORT serves gdb (target remote :PORT) on 127.0.0.1 instead of\n"
    "      running (0: any free port); the report follows the session (docs/gdb.md).\n"
    "      --trace writes one line per instruction to standard error: address,\n"
    "      bytes, disassembly, the registers it changed; <exception ...>,\n"
    "      <trap: emulated|reflected ...> and <mode level N> mark the events.\n"
    "  vlab table [--isa ISA[:MODEL]]... [--technique T] [--format md|csv|json|tex|html] [-o FILE]\n"
    "  vlab table --techniques all [--isa ISA[:MODEL]]... [--format md|csv|json] [-o FILE]\n"
    "  vlab sweep --isa ISA[:MODEL] [--technique T] [--format ...] [--seed N]\n"
    "      Measure every instruction form (natively in supervisor and user mode,\n"
    "      and under the monitor) and print the trap-vs-leak table: `table` groups\n"
    "      forms by mnemonic with a summary per model, `sweep` prints one row per\n"
    "      form. --technique: trap-and-emulate (default), hybrid or hw-assist\n"
    "      (every ISA runs under all three; one the monitor could not run\n"
    "      would be measured natively only, technique \"native\").\n"
    "      --techniques all (table): one summary row per model and technique of\n"
    "      the monitor (forms, privileged, sensitive, leaks, Theorems 1 and 3, and\n"
    "      what the sweep means for that technique's theorem).\n"
    "      Also --states N (default 8 per level below the most privileged:\n"
    "      8 on m68k and PowerPC, 24 on x86), --filter TEXT (rows shown; the\n"
    "      verdict stays the model's), --summary (one row per model). -o x.html\n"
    "      picks the format from the extension. Exit 1 when a measured class\n"
    "      disagrees with the decode table's declared class.\n"
    "  vlab bench-techniques [--isa ISA[:MODEL]]... [--bench NAME]... [--iterations N]\n"
    "                        [--no-host-time] [--format md|csv|json|html] [-o FILE]\n"
    "      Run the micro-benchmark guests (syscall, io, crwrite, callret,\n"
    "      pagefault, divzero, ptupdate: N iterations each, default 10000)\n"
    "      natively and under every technique of the monitor, on each model\n"
    "      (default: all): one row per benchmark, model and technique with the\n"
    "      guest instructions, traps, exits, callouts, hypercalls, interpreted\n"
    "      instructions, the simulated cost and its ratio to native, and the\n"
    "      measured host time and its ratio (--no-host-time leaves host time out:\n"
    "      the output is then deterministic). An event an ISA lacks, or a\n"
    "      technique that refuses the model, is \"n/a\" with the reason; html\n"
    "      adds an SVG bar chart of the cost per benchmark. Exit 1 when a run fails.\n"
    "  vlab --help       this text\n"
    "  vlab --version    the version\n"
    "\n"
    "%s"
    "Numbers are decimal or 0x hex. Options take their value as the next\n"
    "argument or after '=' (--org=0x1000).\n"
    "\n"
    "exit status: 0 success, 1 guest or script failure, 2 usage error.\n";

static const char *prog = "vlab";

/* "m68k (68000, 68010), ppc (750)" from the models built in. */
static void known_isas(char *buf, size_t sz) {
    buf[0] = 0;
    const char *isa;
    for (int i = 0; (isa = vlab_isa_name(i)); i++) {
        size_t l = strlen(buf);
        snprintf(buf + l, sz - l, "%s%s (models", i ? ", " : "", isa);
        const char *model;
        for (int j = 0; (model = vlab_model_name(isa, j)); j++) {
            l = strlen(buf);
            snprintf(buf + l, sz - l, "%s %s", j ? "," : "", model);
        }
        l = strlen(buf);
        snprintf(buf + l, sz - l, ")");
    }
}

static void print_usage(FILE *f) {
    char isas[512], line[600];
    known_isas(isas, sizeof isas);
    snprintf(line, sizeof line, "ISA names: %s;\na model alone (\"68010\") also names its ISA.\n", isas);
    fprintf(f, usage_text, line);
}

static int usage_error(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int usage_error(const char *cmd, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "%s%s%s: ", prog, cmd ? " " : "", cmd ? cmd : "");
    vfprintf(stderr, fmt, ap);
    fprintf(stderr, "\n(see '%s --help')\n", prog);
    va_end(ap);
    return EXIT_USAGE;
}

static int fail(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int fail(const char *cmd, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "%s %s: ", prog, cmd);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    return EXIT_GUEST;
}

/* Decimal or 0x hex, the whole string, no sign. */
static bool parse_u64(const char *s, uint64_t *out) {
    if (!s || !*s) return false;
    int base = 10;
    if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
        base = 16;
        s += 2;
        if (!*s) return false;
    }
    uint64_t v = 0;
    for (; *s; s++) {
        int d;
        if (*s >= '0' && *s <= '9') d = *s - '0';
        else if (base == 16 && *s >= 'a' && *s <= 'f') d = *s - 'a' + 10;
        else if (base == 16 && *s >= 'A' && *s <= 'F') d = *s - 'A' + 10;
        else if (*s == '_') continue;
        else return false;
        if (v > (UINT64_MAX - (uint64_t)d) / (uint64_t)base) return false;
        v = v * (uint64_t)base + (uint64_t)d;
    }
    *out = v;
    return true;
}

/* ---- option parsing shared by asm/disasm/exec ------------------------------- */

typedef struct opts {
    const char *isa, *vmm, *out;
    uint64_t org, entry, ram, max, gdb, bits;
    bool has_org, has_entry, has_ram, has_max, has_gdb, json, trace;
    const char *file;
} opts;

enum { O_ISA = 1, O_ORG = 2, O_OUT = 4, O_VMM = 8, O_ENTRY = 16, O_RAM = 32, O_MAX = 64, O_JSON = 128,
       O_GDB = 256, O_TRACE = 512, O_BITS = 1024 };

static int parse_opts(const char *cmd, int argc, char **argv, unsigned allowed, opts *o) {
    memset(o, 0, sizeof *o);
    bool no_more_opts = false;
    for (int i = 0; i < argc; i++) {
        char *a = argv[i];
        if (no_more_opts || a[0] != '-' || strcmp(a, "-") == 0) {
            if (o->file) return usage_error(cmd, "more than one input file ('%s' and '%s')", o->file, a);
            o->file = a;
            continue;
        }
        if (strcmp(a, "--") == 0) {
            no_more_opts = true;
            continue;
        }
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            print_usage(stdout);
            exit(0);
        }
        char name[64];
        const char *val = NULL;
        const char *eq = strchr(a, '=');
        if (eq && a[1] == '-') {
            size_t n = (size_t)(eq - a);
            if (n >= sizeof name) n = sizeof name - 1;
            memcpy(name, a, n);
            name[n] = 0;
            val = eq + 1;
        } else {
            snprintf(name, sizeof name, "%s", a);
        }
        struct { const char *name; unsigned bit; } table[] = {
            { "--isa", O_ISA }, { "--org", O_ORG }, { "-o", O_OUT }, { "--output", O_OUT },
            { "--vmm", O_VMM }, { "--entry", O_ENTRY }, { "--ram", O_RAM }, { "--max", O_MAX },
            { "--json", O_JSON }, { "--gdb", O_GDB }, { "--trace", O_TRACE },
            { "--bits", O_BITS },
        };
        unsigned bit = 0;
        for (size_t k = 0; k < sizeof table / sizeof *table; k++)
            if (strcmp(name, table[k].name) == 0) bit = table[k].bit;
        if (!bit || !(allowed & bit)) return usage_error(cmd, "unknown option '%s'", name);
        if (bit == O_JSON || bit == O_TRACE) {
            if (val) return usage_error(cmd, "option '%s' takes no value", name);
            if (bit == O_JSON) o->json = true;
            else o->trace = true;
            continue;
        }
        if (!val) {
            if (i + 1 >= argc) return usage_error(cmd, "option '%s' needs a value", name);
            val = argv[++i];
        }
        uint64_t num = 0;
        if (bit & (O_ORG | O_ENTRY | O_RAM | O_MAX | O_GDB | O_BITS)) {
            if (!parse_u64(val, &num))
                return usage_error(cmd, "option '%s': bad number '%s' (decimal or 0x hex)", name, val);
            if ((bit & (O_ORG | O_ENTRY)) && num > 0xFFFFFFFFull)
                return usage_error(cmd, "option '%s': address '%s' does not fit in 32 bits", name, val);
            if (bit == O_GDB && num > 65535)
                return usage_error(cmd, "option '--gdb': port %s is not 0 to 65535", val);
            if (bit == O_BITS && num != 16 && num != 32)
                return usage_error(cmd, "option '--bits': '%s' is not 16 or 32", val);
        }
        switch (bit) {
        case O_ISA: o->isa = val; break;
        case O_OUT: o->out = val; break;
        case O_VMM: o->vmm = val; break;
        case O_ORG: o->org = num; o->has_org = true; break;
        case O_ENTRY: o->entry = num; o->has_entry = true; break;
        case O_RAM: o->ram = num; o->has_ram = true; break;
        case O_MAX: o->max = num; o->has_max = true; break;
        case O_GDB: o->gdb = num; o->has_gdb = true; break;
        case O_BITS: o->bits = num; break;
        }
    }
    if ((allowed & O_ISA) && !o->isa) {
        char isas[512];
        known_isas(isas, sizeof isas);
        return usage_error(cmd, "missing --isa ISA[:MODEL] (known: %s)", isas);
    }
    if (o->isa) {
        char err[256];
        if (vlab_resolve(o->isa, NULL, NULL, err, sizeof err) < 0) return usage_error(cmd, "--isa: %s", err);
    }
    return 0;
}

/* Whole file into memory ("-" is standard input). */
static char *slurp(const char *path, size_t *len) {
    FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
    if (!f) return NULL;
    char *buf = vl_read_stream(f, 0, len);
    int why = errno;
    if (f != stdin) fclose(f);
    errno = why;
    return buf;
}

/* ---- asm -------------------------------------------------------------------- */

static int cmd_asm(int argc, char **argv) {
    opts o;
    int rc = parse_opts("asm", argc, argv, O_ISA | O_ORG | O_OUT, &o);
    if (rc) return rc;
    if (o.org > 0xFFFFFFFFull) return usage_error("asm", "--org out of range");
    const char *file = o.file ? o.file : "-";
    const char *shown = strcmp(file, "-") == 0 ? "<stdin>" : file;
    size_t len;
    char *src = slurp(file, &len);
    if (!src) return fail("asm", "%s: %s", shown, strerror(errno));
    uint8_t *out;
    size_t outlen;
    char err[512];
    if (asm_nul_error(src, len, err, sizeof err)) { /* "file:line:col: ..." as every assembly error */
        free(src);
        fprintf(stderr, "%s:%s\n", shown, err);
        return EXIT_GUEST;
    }
    if (vlab_asm(o.isa, src, (uint32_t)o.org, &out, &outlen, err, sizeof err) < 0) {
        free(src);
        fprintf(stderr, "%s:%s\n", shown, err);
        return EXIT_GUEST;
    }
    free(src);
    FILE *f = o.out && strcmp(o.out, "-") != 0 ? fopen(o.out, "wb") : stdout;
    if (!f) {
        vlab_free(out);
        return fail("asm", "%s: %s", o.out, strerror(errno));
    }
    bool ok = fwrite(out, 1, outlen, f) == outlen;
    if (f != stdout) ok = fclose(f) == 0 && ok;
    else ok = fflush(f) == 0 && ok;
    vlab_free(out);
    if (!ok) return fail("asm", "%s: write error", o.out ? o.out : "<stdout>");
    return 0;
}

/* ---- disasm ------------------------------------------------------------------ */

static int min_insn(const char *isa_or_model) {
    const char *isa, *model;
    if (vlab_resolve(isa_or_model, &isa, &model, NULL, 0) < 0) return 1;
    const vl_model_desc *d = vl_find_model(isa, model);
    return d && d->ops->min_insn ? d->ops->min_insn : 1;
}

/* Whether the model reads code of this size (x86: 16 and 32; others: 32). */
static bool has_bits(const char *isa_or_model, int bits) {
    const char *isa, *model;
    if (vlab_resolve(isa_or_model, &isa, &model, NULL, 0) < 0) return false;
    const vl_model_desc *d = vl_find_model(isa, model);
    if (!d) return false;
    return d->ops->bits_variant ? d->ops->bits_variant(d->variant, bits) >= 0 : bits == 32;
}

static int cmd_disasm(int argc, char **argv) {
    opts o;
    int rc = parse_opts("disasm", argc, argv, O_ISA | O_ORG | O_BITS, &o);
    if (rc) return rc;
    if (!o.file) return usage_error("disasm", "missing FILE");
    if (o.bits && !has_bits(o.isa, (int)o.bits))
        return usage_error("disasm", "option '--bits': %s has no %d-bit code (only x86 reads 16-bit code)", o.isa,
                           (int)o.bits);
    size_t len;
    char *data = slurp(o.file, &len);
    if (!data) return fail("disasm", "%s: %s", o.file, strerror(errno));
    const uint8_t *b = (const uint8_t *)data;
    int unit = min_insn(o.isa);
    rc = 0;
    for (size_t off = 0; off < len;) {
        char text[256];
        uint32_t addr = (uint32_t)(o.org + off);
        int n = vlab_disasm_bits(o.isa, (int)o.bits, b + off, len - off, addr, text, sizeof text);
        bool bad = n <= 0;
        if (bad) n = (int)(len - off < (size_t)unit ? len - off : (size_t)unit);
        char hex[64] = "";
        for (int i = 0; i < n && i < 12; i++) {
            size_t l = strlen(hex);
            bool gap = i > 0 && (unit != 2 || i % 2 == 0);
            snprintf(hex + l, sizeof hex - l, "%s%02x", gap ? " " : "", b[off + (size_t)i]);
        }
        if (bad) {
            /* data or a cut instruction: show the bytes, go on */
            char bytes[80] = ".byte ";
            for (int i = 0; i < n; i++) {
                size_t l = strlen(bytes);
                snprintf(bytes + l, sizeof bytes - l, "%s0x%02x", i ? ", " : "", b[off + (size_t)i]);
            }
            printf("%08x  %-24s  %-24s ; %s\n", addr, hex, bytes, text);
        } else {
            printf("%08x  %-24s  %s\n", addr, hex, text);
        }
        off += (size_t)n;
    }
    free(data);
    return rc;
}

/* ---- exec ---------------------------------------------------------------------- */

/* Ctrl-C (or a timeout's SIGTERM) during exec stops the guest between
 * instruction slices, and the report (console so far included) is still
 * printed: no output is lost. */
static volatile int interrupted;
static void on_signal(int sig) {
    (void)sig;
    interrupted = 1;
}

static int cmd_exec(int argc, char **argv) {
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    opts o;
    int rc = parse_opts("exec", argc, argv, O_ISA | O_ORG | O_VMM | O_ENTRY | O_RAM | O_MAX | O_JSON | O_GDB | O_TRACE, &o);
    if (rc) return rc;
    if (!o.file) return usage_error("exec", "missing FILE (.bin or .elf)");
    if (o.vmm) {
        int flavour;
        char why[160];
        if (vl_technique_spec(o.vmm, &flavour, why, sizeof why) < 0) {
            if (!strchr(o.vmm, ':'))
                return usage_error("exec", "--vmm %s: unknown technique (known: %s)", o.vmm, vl_technique_list());
            return usage_error("exec", "--vmm %s: %s", o.vmm, why);
        }
    }
    uint64_t ram = o.has_ram ? o.ram : 16u << 20;
    if (ram == 0 || ram > (1u << 30))
        return usage_error("exec", "--ram %llu: must be 1 byte to 1 GiB", (unsigned long long)ram);
    vl_exec_opts x = { .technique = o.vmm, .ram = (uint32_t)ram, .path = o.file, .org = (uint32_t)o.org,
                       .has_entry = o.has_entry, .entry = (uint32_t)o.entry, .has_max = o.has_max, .max = o.max,
                       .json = o.json, .gdb_port = o.has_gdb ? (int)o.gdb : -1, .trace = o.trace,
                       .interrupt = &interrupted,
                       .out = stdout, .log = stderr };
    char err[512] = "";
    if (vlab_resolve(o.isa, &x.isa, &x.model, err, sizeof err) < 0) return usage_error("exec", "%s", err);
    /* a trace is a line per instruction: written in blocks, not a write each */
    if (o.trace) setvbuf(stderr, NULL, _IOFBF, 1 << 16);
    rc = vl_exec(&x, err, sizeof err);
    if (err[0]) return rc == 2 ? usage_error("exec", "%s", err) : fail("exec", "%s", err);
    return rc ? EXIT_GUEST : 0;
}

/* ---- run ------------------------------------------------------------------------ */

/* "file.lua:12: ..." (or "[string ...]:3: ...") already says where. */
static bool has_position(const char *msg) {
    const char *p = msg;
    bool name = false; /* "3:5: msg" from the assembler is no file position */
    for (; *p && *p != ':' && *p != '\n'; p++)
        if (*p < '0' || *p > '9') name = true;
    if (*p != ':' || !name) return false;
    p++;
    if (*p < '0' || *p > '9') return false;
    while (*p >= '0' && *p <= '9') p++;
    return *p == ':';
}

/* Message handler: a string error without a position gets the position of the
 * innermost Lua function, so that errors raised by the module in a script
 * read "script.lua:LINE: message"; then the stack traceback, as lua5.4
 * prints it. */
static int msgh(lua_State *L) {
    if (lua_type(L, 1) != LUA_TSTRING) {
        if (luaL_callmeta(L, 1, "__tostring") && lua_type(L, -1) == LUA_TSTRING) return 1;
        lua_pushfstring(L, "(error object is a %s value)", luaL_typename(L, 1));
        return 1;
    }
    const char *msg = lua_tostring(L, 1);
    if (has_position(msg)) {
        lua_pushvalue(L, 1);
        luaL_traceback(L, L, lua_tostring(L, -1), 1);
        return 1;
    }
    lua_Debug ar;
    for (int level = 1; lua_getstack(L, level, &ar); level++) {
        if (!lua_getinfo(L, "Sl", &ar)) break;
        if (ar.currentline > 0 && strcmp(ar.what, "C") != 0) {
            char prefix[LUA_IDSIZE + 24];
            snprintf(prefix, sizeof prefix, "%s:", ar.short_src);
            if (strncmp(msg, prefix, strlen(prefix)) != 0)
                lua_pushfstring(L, "%s:%d: %s", ar.short_src, ar.currentline, msg);
            else
                lua_pushvalue(L, 1);
            break;
        }
    }
    if (lua_gettop(L) == 1) lua_pushvalue(L, 1);
    luaL_traceback(L, L, lua_tostring(L, -1), 1);
    return 1;
}

static void add_script_paths(lua_State *L, const char *argv0) {
    char exe[4096];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n <= 0) {
        snprintf(exe, sizeof exe, "%s", argv0);
        n = (ssize_t)strlen(exe);
    } else {
        exe[n] = 0;
    }
    char *slash = strrchr(exe, '/');
    const char *dir = ".";
    if (slash) {
        *slash = 0;
        dir = exe;
    }
    lua_getglobal(L, "package");
    if (!lua_istable(L, -1)) {
        lua_pop(L, 1);
        return;
    }
    lua_getfield(L, -1, "path");
    const char *old = lua_tostring(L, -1);
    lua_pushfstring(L, "%s/../scripts/?.lua;%s/../share/vlab/scripts/?.lua;" VLAB_PREFIX
                       "/share/vlab/scripts/?.lua;%s",
                    dir, dir, old ? old : "");
    lua_setfield(L, -3, "path");
    lua_pop(L, 2);
}

static lua_State *new_state(const char *argv0) {
    lua_State *L = luaL_newstate();
    if (!L) return NULL;
    luaL_openlibs(L);
    luaL_requiref(L, "vlab", luaopen_vlab, 1); /* global + package.loaded */
    lua_pop(L, 1);
    add_script_paths(L, argv0);
    return L;
}

/* Run chunk `file` with arg table; extra args also passed as `...`. */
static int run_script(const char *argv0, const char *script, int argc, char **argv, const char *label) {
    lua_State *L = new_state(argv0);
    if (!L) return fail(label, "cannot create a Lua state");
    lua_createtable(L, argc, 2);
    lua_pushstring(L, argv0);
    lua_rawseti(L, -2, -1);
    lua_pushstring(L, script);
    lua_rawseti(L, -2, 0);
    for (int i = 0; i < argc; i++) {
        lua_pushstring(L, argv[i]);
        lua_rawseti(L, -2, i + 1);
    }
    lua_setglobal(L, "arg");
    lua_pushcfunction(L, msgh);
    int base = lua_gettop(L);
    if (luaL_loadfile(L, strcmp(script, "-") == 0 ? NULL : script) != LUA_OK) {
        const char *msg = lua_tostring(L, -1);
        fprintf(stderr, "%s\n", msg ? msg : "cannot load script");
        lua_close(L);
        return EXIT_GUEST;
    }
    for (int i = 0; i < argc; i++) lua_pushstring(L, argv[i]);
    int rc = 0;
    if (lua_pcall(L, argc, 0, base) != LUA_OK) {
        const char *msg = lua_tostring(L, -1);
        fprintf(stderr, "%s\n", msg ? msg : "(error object is not a string)");
        rc = EXIT_GUEST;
    }
    fflush(stdout);
    lua_close(L);
    return rc;
}

static int cmd_run(const char *argv0, int argc, char **argv) {
    if (argc < 1) return usage_error("run", "missing SCRIPT.lua");
    if (strcmp(argv[0], "--help") == 0 || strcmp(argv[0], "-h") == 0) {
        print_usage(stdout);
        return 0;
    }
    if (strcmp(argv[0], "-") != 0 && access(argv[0], R_OK) != 0)
        return fail("run", "%s: %s", argv[0], strerror(errno));
    return run_script(argv0, argv[0], argc - 1, argv + 1, "run");
}

/* A command written in Lua (scripts/NAME.lua, found as `vlab run` finds
 * labkit): require the module and call its main(args), which returns the
 * exit status (2 for its usage errors, which it reports itself). */
static int run_module(const char *argv0, const char *module, const char *label, int argc, char **argv) {
    lua_State *L = new_state(argv0);
    if (!L) return fail(label, "cannot create a Lua state");
    lua_pushcfunction(L, msgh);
    int base = lua_gettop(L);
    lua_getglobal(L, "require");
    lua_pushstring(L, module);
    int rc = EXIT_GUEST;
    if (lua_pcall(L, 1, 1, base) == LUA_OK && lua_getfield(L, -1, "main") == LUA_TFUNCTION) {
        lua_createtable(L, argc, 0);
        for (int i = 0; i < argc; i++) {
            lua_pushstring(L, argv[i]);
            lua_rawseti(L, -2, i + 1);
        }
        if (lua_pcall(L, 1, 1, base) == LUA_OK) rc = lua_isinteger(L, -1) ? (int)lua_tointeger(L, -1) : EXIT_GUEST;
        else fprintf(stderr, "%s %s: %s\n", prog, label, lua_tostring(L, -1) ? lua_tostring(L, -1) : "error");
    } else {
        fprintf(stderr, "%s %s: %s\n", prog, label,
                lua_isstring(L, -1) ? lua_tostring(L, -1) : "the script's module has no main function");
    }
    fflush(stdout);
    lua_close(L);
    return rc;
}

static int bench_techniques_cmd(int argc, char **argv) {
    return run_module(argv[-2], "bench_techniques", "bench-techniques", argc, argv);
}

/* table and sweep live in lua/cli_sweep.c (the sweep engine is vmm/sweep.c). */
int vl_cli_table(int argc, char **argv);
int vl_cli_sweep(int argc, char **argv);

/* argv is main's argv + 2: argv[-2] is the program's path, which `vlab run`
 * needs to find the repository's scripts/ */
static int run_cmd(int argc, char **argv) { return cmd_run(argv[-2], argc, argv); }

/* The commands: the dispatch, the unknown-command message and
 * tests/docs.sh (which holds --help and the man page to it) read this. */
static const struct command {
    const char *name;
    int (*run)(int argc, char **argv); /* argv: what follows the command */
} commands[] = {
    { "run", run_cmd },          { "asm", cmd_asm },     { "disasm", cmd_disasm },
    { "exec", cmd_exec },        { "table", vl_cli_table }, { "sweep", vl_cli_sweep },
    { "bench-techniques", bench_techniques_cmd },
};

int main(int argc, char **argv) {
    if (argc < 2) {
        print_usage(stderr);
        return EXIT_USAGE;
    }
    const char *cmd = argv[1];
    if (strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0 || strcmp(cmd, "help") == 0) {
        print_usage(stdout);
        return 0;
    }
    if (strcmp(cmd, "--version") == 0 || strcmp(cmd, "version") == 0) {
        printf("vlab %s\n", vlab_version());
        return 0;
    }
    size_t ncmds = sizeof commands / sizeof commands[0];
    for (size_t i = 0; i < ncmds; i++)
        if (strcmp(cmd, commands[i].name) == 0) return commands[i].run(argc - 2, argv + 2);
    if (cmd[0] == '-') return usage_error(NULL, "unknown option '%s'", cmd);
    char list[256] = "";
    for (size_t i = 0; i < ncmds; i++) {
        size_t k = strlen(list);
        snprintf(list + k, sizeof list - k, "%s%s", i ? ", " : "", commands[i].name);
    }
    return usage_error(NULL, "unknown command '%s' (commands: %s)", cmd, list);
}
