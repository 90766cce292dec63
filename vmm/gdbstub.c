/* gdbstub.c - a GDB remote serial protocol stub for a bare machine or for a
 * guest under the monitor (`vlab exec --gdb PORT`, m:gdb{}, vm:gdb{}).
 *
 * ISA-neutral: registers go through the ISA's map of gdb's register numbers
 * (isa/<isa>/gdb.c, found in the glue registry), memory through the CPU's
 * own side-effect-free reads, running through the same run loops as
 * everything else. Under the monitor everything is the guest's view: its
 * registers as it sees them, its instructions counted, its virtual addresses.
 *
 * Breakpoints are a list the stub checks before each instruction while any
 * is set (the guest's memory is never patched, so it reads back unchanged);
 * without breakpoints the guest runs in slices, and between two the stub
 * looks for gdb's interrupt (0x03) and for the host's stop request. One
 * client per session; nothing waits for ever: the wait for a connection has
 * a limit, and the host's Ctrl-C (SIGINT/SIGTERM) ends any wait. Only
 * 127.0.0.1 is listened on: the stub gives whoever connects the machine. */
#include "vmm/vmm.h"
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define PKT_MAX 0x4000   /* the PacketSize announced in qSupported */
#define MAX_BPS 64
#define SLICE 4096       /* instructions between two looks at the socket */
enum { GB_GONE = -1, GB_HOST = -2, GB_TIMEOUT = -3 };

typedef struct stub {
    const vl_gdb_opts *o;
    vlab_machine *m;
    vl_vm *vm;
    const vl_gdb_isa *g;
    int *idx;            /* vlab register index of each gdb register (-1: not modelled) */
    int fd;
    uint8_t in[4096];
    size_t in_len, in_pos;
    char pkt[PKT_MAX + 1];
    size_t pkt_len;
    char *out;           /* the reply being built (2 * PKT_MAX + 64 bytes) */
    size_t out_len;
    uint32_t bps[MAX_BPS];
    int nbps;
    uint64_t start;      /* guest instructions when the session began */
    vl_stop last;        /* the machine's last stop */
    char reply[32];      /* the last stop reply, for '?' */
} stub;

static int hexval(int c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

/* ---- the guest, bare or under the monitor ---------------------------------------- */

static uint64_t guest_icount(stub *st) {
    if (st->vm) {
        vl_vmm_stats s;
        vl_vm_stats(st->vm, &s);
        return s.guest_instructions;
    }
    vlab_stats s;
    vlab_get_stats(st->m, &s);
    return s.instructions;
}
static uint32_t guest_pc(stub *st) { return st->vm ? vl_vm_pc(st->vm) : vlab_pc(st->m); }
static uint32_t reg_get(stub *st, int i) { return st->vm ? vl_vm_reg_get(st->vm, i) : vlab_reg_get(st->m, i); }
static void reg_set(stub *st, int i, uint32_t v) {
    if (st->vm) vl_vm_reg_set(st->vm, i, v);
    else vlab_reg_set(st->m, i, v);
}
static vl_stop guest_run(stub *st, uint64_t n) {
    return st->vm ? vl_vm_run(st->vm, n, 0, 0) : vlab_run(st->m, n, 0, 0);
}
static vl_stop stop_here(stub *st, int reason) {
    return (vl_stop){ .reason = (uint8_t)reason, .pc = guest_pc(st), .vector = -1 };
}

/* ---- bytes and packets -------------------------------------------------------------- */

/* The next byte from gdb, waiting up to wait_ms (-1: until the host asks to
 * stop); GB_GONE when gdb disconnected, GB_HOST on the host's request,
 * GB_TIMEOUT when nothing came. */
static int get_byte(stub *st, int wait_ms) {
    if (st->in_pos < st->in_len) return st->in[st->in_pos++];
    int waited = 0;
    for (;;) {
        if (st->o->interrupt && *st->o->interrupt) return GB_HOST;
        struct pollfd p = { .fd = st->fd, .events = POLLIN };
        int slice = wait_ms >= 0 && wait_ms - waited < 100 ? wait_ms - waited : 100;
        int r = poll(&p, 1, slice);
        if (r < 0 && errno == EINTR) continue;
        if (r < 0) return GB_GONE;
        if (r == 0) {
            waited += slice;
            if (wait_ms >= 0 && waited >= wait_ms) return GB_TIMEOUT;
            continue;
        }
        ssize_t n = recv(st->fd, st->in, sizeof st->in, 0);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return GB_GONE;
        st->in_len = (size_t)n;
        st->in_pos = 0;
        return st->in[st->in_pos++];
    }
}

static bool send_all(stub *st, const char *p, size_t n) {
    while (n) {
        ssize_t w = send(st->fd, p, n, MSG_NOSIGNAL);
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) return false;
        p += w;
        n -= (size_t)w;
    }
    return true;
}

/* A packet in st->pkt (1), gdb's interrupt byte (3), or GB_*. Packets with a
 * bad checksum are refused ('-': gdb sends them again); acknowledgements
 * and stray bytes are skipped. */
static int get_packet(stub *st) {
    for (;;) {
        int c = get_byte(st, -1);
        if (c < 0) return c;
        if (c == 0x03) return 3;
        if (c != '$') continue;
        size_t n = 0;
        unsigned sum = 0;
        bool over = false;
        for (;;) {
            /* a packet once begun comes whole: a client that stops half way is gone */
            c = get_byte(st, 10000);
            if (c < 0) return c == GB_HOST ? GB_HOST : GB_GONE;
            if (c == '#') break;
            if (c == '$') { /* a new packet: the broken one is dropped */
                n = 0, sum = 0, over = false;
                continue;
            }
            sum += (unsigned)c;
            if (n < PKT_MAX) st->pkt[n++] = (char)c;
            else over = true;
        }
        int h = get_byte(st, 10000), l = get_byte(st, 10000);
        if (h < 0 || l < 0) return h == GB_HOST || l == GB_HOST ? GB_HOST : GB_GONE;
        if (over || hexval(h) < 0 || hexval(l) < 0 || (unsigned)(hexval(h) << 4 | hexval(l)) != (sum & 0xFF)) {
            if (!send_all(st, "-", 1)) return GB_GONE;
            continue;
        }
        if (!send_all(st, "+", 1)) return GB_GONE;
        st->pkt[n] = 0;
        st->pkt_len = n;
        return 1;
    }
}

/* Send st->out as a packet (hex and plain text need no escapes). */
static bool put_reply(stub *st) {
    unsigned sum = 0;
    for (size_t i = 0; i < st->out_len; i++) sum += (unsigned char)st->out[i];
    char tail[4];
    snprintf(tail, sizeof tail, "#%02x", sum & 0xFF);
    return send_all(st, "$", 1) && send_all(st, st->out, st->out_len) && send_all(st, tail, 3);
}

static void out_str(stub *st, const char *s) {
    size_t n = strlen(s);
    memcpy(st->out + st->out_len, s, n);
    st->out_len += n;
}
static void out_hex(stub *st, const uint8_t *b, size_t n) {
    static const char hx[] = "0123456789abcdef";
    for (size_t i = 0; i < n; i++) {
        st->out[st->out_len++] = hx[b[i] >> 4];
        st->out[st->out_len++] = hx[b[i] & 15];
    }
}

/* Hex number at *p (advanced past it); false when there is none. */
static bool parse_hex(const char **p, uint64_t *v) {
    const char *s = *p;
    uint64_t x = 0;
    int d, n = 0;
    while ((d = hexval((unsigned char)*s)) >= 0 && n < 16) x = x << 4 | (uint64_t)d, s++, n++;
    if (!n || hexval((unsigned char)*s) >= 0) return false;
    *p = s;
    *v = x;
    return true;
}

/* ---- registers ----------------------------------------------------------------------- */

static void out_reg(stub *st, int r) {
    int bytes = st->g->regs[r].bytes;
    if (st->idx[r] < 0) {
        for (int i = 0; i < 2 * bytes; i++) st->out[st->out_len++] = 'x';
        return;
    }
    uint32_t v = reg_get(st, st->idx[r]);
    uint8_t b[16] = { 0 };
    for (int i = 0; i < bytes && i < 4; i++) {
        uint8_t byte = (uint8_t)(v >> (8 * i));
        if (st->m->mem.big_endian) b[bytes - 1 - i] = byte;
        else b[i] = byte;
    }
    out_hex(st, b, (size_t)bytes);
}

/* Register r from hex at *p in the target's byte order; false when short. */
static bool in_reg(stub *st, int r, const char **p) {
    int bytes = st->g->regs[r].bytes;
    uint32_t v = 0;
    const char *s = *p;
    for (int i = 0; i < bytes; i++) {
        int h = hexval((unsigned char)s[2 * i]), l = h < 0 ? -1 : hexval((unsigned char)s[2 * i + 1]);
        if (h < 0 || l < 0) {
            if (s[2 * i] == 'x' && s[2 * i + 1] == 'x') continue; /* unavailable: left alone */
            return false;
        }
        uint32_t byte = (uint32_t)(h << 4 | l);
        int shift = st->m->mem.big_endian ? bytes - 1 - i : i;
        if (shift < 4) v |= byte << (8 * shift);
    }
    *p = s + 2 * bytes;
    if (st->idx[r] >= 0) reg_set(st, st->idx[r], v);
    return true;
}

/* ---- running --------------------------------------------------------------------------- */

static bool bp_at(stub *st, uint32_t pc) {
    for (int i = 0; i < st->nbps; i++)
        if (st->bps[i] == pc) return true;
    return false;
}

/* A jump to itself at pc: the guest halted. A core sees that only when its
 * budget lets it run the jump again (x86 does not with one instruction), so
 * single steps over breakpoints ask the decode table. */
static bool self_loop(stub *st, uint32_t pc) {
    uint8_t b[16];
    size_t n = st->vm ? vl_vm_read_virt(st->vm, pc, b, sizeof b, true) : vlab_read_virt(st->m, pc, b, sizeof b, 1);
    if (!n) return false;
    vl_decode_info d;
    memset(&d, 0, sizeof d);
    st->m->desc->ops->decode(st->m->desc->variant, b, n, pc, &d);
    return d.length > 0 && d.flow == VL_FLOW_JUMP && d.has_target && d.target == pc;
}

/* The signal gdb is told for a stop (gdb's own numbers). */
static int stop_signal(const vl_stop *s) {
    switch (s->reason) {
    case VLAB_STOP_EXCEPTION: return s->flags & VLAB_STOP_HAS_ADDR ? 11 /* SIGSEGV */ : 4 /* SIGILL */;
    case VLAB_STOP_INTERRUPTED: return 2;         /* SIGINT */
    case VLAB_STOP_ERROR: case VLAB_STOP_SHUTDOWN: return 6; /* SIGABRT */
    default: return 5;                            /* SIGTRAP: steps, breakpoints, a halted guest */
    }
}

/* Step one instruction or continue; fills the stop reply. 0, or GB_GONE /
 * GB_HOST when the session ends here. */
static int resume(stub *st, bool step) {
    const vl_gdb_opts *o = st->o;
    uint64_t since_poll = 0;
    bool hit = false;
    vl_stop s;
    for (bool first = true;; first = false) {
        if (!first && bp_at(st, guest_pc(st))) {
            s = stop_here(st, VLAB_STOP_BREAKPOINT);
            hit = true;
            break;
        }
        uint64_t done = guest_icount(st) - st->start;
        if (done >= o->max) {
            s = stop_here(st, VLAB_STOP_BUDGET);
            break;
        }
        uint64_t n = step || st->nbps ? 1 : SLICE;
        if (o->max - done < n) n = o->max - done;
        uint32_t pc = guest_pc(st);
        s = guest_run(st, n);
        if (s.reason != VLAB_STOP_BUDGET || step) break;
        if (n == 1 && guest_pc(st) == pc && self_loop(st, pc)) {
            s = stop_here(st, VLAB_STOP_HALT);
            break;
        }
        since_poll += n;
        if (since_poll >= SLICE) {
            since_poll = 0;
            int c = get_byte(st, 0);
            if (c == GB_GONE || c == GB_HOST) {
                st->last = stop_here(st, c == GB_HOST ? VLAB_STOP_INTERRUPTED : VLAB_STOP_BUDGET);
                return c;
            }
            if (c == 0x03) {
                s = stop_here(st, VLAB_STOP_INTERRUPTED);
                break;
            }
        }
    }
    st->last = s;
    if (s.reason == VLAB_STOP_INTERRUPTED && o->interrupt && *o->interrupt) return GB_HOST;
    if (hit) snprintf(st->reply, sizeof st->reply, "T05swbreak:;");
    else if (s.reason == VLAB_STOP_BUDGET && guest_icount(st) - st->start >= o->max)
        snprintf(st->reply, sizeof st->reply, "S18"); /* SIGXCPU: the instruction limit */
    else snprintf(st->reply, sizeof st->reply, "S%02x", stop_signal(&s));
    return 0;
}

/* ---- the commands ------------------------------------------------------------------------- */

static void cmd_read_mem(stub *st, const char *p) {
    uint64_t addr, len;
    if (!parse_hex(&p, &addr) || *p++ != ',' || !parse_hex(&p, &len) || *p || addr > 0xFFFFFFFFull) {
        out_str(st, "E01");
        return;
    }
    if (len > PKT_MAX / 2) len = PKT_MAX / 2;
    if (len > 0x100000000ull - addr) len = 0x100000000ull - addr;
    uint8_t buf[PKT_MAX / 2];
    size_t got = st->vm ? vl_vm_read_virt(st->vm, (uint32_t)addr, buf, (size_t)len, false)
                        : vlab_read_virt(st->m, (uint32_t)addr, buf, (size_t)len, 0);
    if (!got && len) out_str(st, "E14"); /* EFAULT */
    else out_hex(st, buf, got);
}

/* M addr,len:hex and X addr,len:binary. Written at the physical address
 * equal to addr (docs/gdb.md: right for guests running untranslated). */
static void cmd_write_mem(stub *st, const char *p, bool binary) {
    uint64_t addr, len;
    if (!parse_hex(&p, &addr) || *p++ != ',' || !parse_hex(&p, &len) || *p++ != ':' || len > PKT_MAX) {
        out_str(st, "E01");
        return;
    }
    uint8_t buf[PKT_MAX];
    const char *end = st->pkt + st->pkt_len;
    size_t n = 0;
    while (n < len && p < end) {
        if (binary) {
            uint8_t c = (uint8_t)*p++;
            if (c == 0x7D) {
                if (p >= end) break;
                c = (uint8_t)(*p++ ^ 0x20);
            }
            buf[n++] = c;
        } else {
            int h = hexval((unsigned char)p[0]), l = h < 0 || p + 1 >= end ? -1 : hexval((unsigned char)p[1]);
            if (h < 0 || l < 0) break;
            buf[n++] = (uint8_t)(h << 4 | l);
            p += 2;
        }
    }
    if (n != len || p != end) {
        out_str(st, "E01");
        return;
    }
    if (len && (addr > 0xFFFFFFFFull || vlab_mem_write(st->m, (uint32_t)addr, buf, (size_t)len) < 0))
        out_str(st, "E14");
    else out_str(st, "OK");
}

static void cmd_breakpoint(stub *st, const char *p, bool insert) {
    uint64_t type, addr;
    if (!parse_hex(&p, &type) || type != 0) return; /* only software breakpoints: "" says unsupported */
    if (*p++ != ',' || !parse_hex(&p, &addr) || *p != ',' || addr > 0xFFFFFFFFull) {
        out_str(st, "E01");
        return;
    }
    int at = -1;
    for (int i = 0; i < st->nbps; i++)
        if (st->bps[i] == addr) at = i;
    if (insert && at < 0) {
        if (st->nbps == MAX_BPS) {
            out_str(st, "E0c"); /* ENOMEM: gdb says it cannot insert it */
            return;
        }
        st->bps[st->nbps++] = (uint32_t)addr;
    } else if (!insert && at >= 0) {
        st->bps[at] = st->bps[--st->nbps];
    }
    out_str(st, "OK");
}

/* Registers g/G/p/P; false for a malformed packet. */
static bool cmd_regs(stub *st, char op, const char *p) {
    if (op == 'g') {
        for (int r = 0; r < st->g->ng; r++) out_reg(st, r);
        return true;
    }
    if (op == 'G') {
        for (int r = 0; r < st->g->ng && *p; r++)
            if (!in_reg(st, r, &p)) return false;
        out_str(st, "OK");
        return true;
    }
    uint64_t r;
    if (!parse_hex(&p, &r)) return false;
    if (op == 'p') {
        if (*p) return false;
        if (r >= (uint64_t)st->g->nregs) out_str(st, "xx"); /* not one of ours: unavailable */
        else out_reg(st, (int)r);
        return true;
    }
    if (*p++ != '=' || r >= (uint64_t)st->g->nregs) return false;
    if (st->idx[r] < 0) {
        out_str(st, "E01"); /* a register vlab does not model cannot be written */
        return true;
    }
    if (!in_reg(st, (int)r, &p) || *p) return false;
    out_str(st, "OK");
    return true;
}

/* Resume after c/s/C/S/vCont with an optional address; GB_* ends the session. */
static int cmd_resume(stub *st, bool step, const char *addr_at) {
    uint64_t addr;
    if (addr_at && *addr_at && parse_hex(&addr_at, &addr)) {
        int pc = st->g->pc;
        if (st->idx[pc] >= 0) reg_set(st, st->idx[pc], (uint32_t)addr);
    }
    int rc = resume(st, step);
    if (rc) return rc;
    out_str(st, st->reply);
    return 0;
}

/* One packet; 1 when the session ends (k, D, vKill), GB_* when it is cut. */
static int handle(stub *st) {
    const char *p = st->pkt;
    st->out_len = 0;
    int rc = 0;
    switch (p[0]) {
    case '?': out_str(st, st->reply); break;
    case 'g': case 'G': case 'p': case 'P':
        if (!cmd_regs(st, p[0], p + 1)) out_str(st, "E01");
        break;
    case 'm': cmd_read_mem(st, p + 1); break;
    case 'M': cmd_write_mem(st, p + 1, false); break;
    case 'X': cmd_write_mem(st, p + 1, true); break;
    case 'Z': case 'z': cmd_breakpoint(st, p + 1, p[0] == 'Z'); break;
    case 'c': case 's': rc = cmd_resume(st, p[0] == 's', p + 1); break;
    case 'C': case 'S': { /* signal;addr: vlab delivers no signals */
        const char *semi = strchr(p, ';');
        rc = cmd_resume(st, p[0] == 'S', semi ? semi + 1 : NULL);
        break;
    }
    case 'H': case 'T': out_str(st, "OK"); break;
    case 'D':
        out_str(st, "OK");
        rc = 1;
        break;
    case 'k': return 1; /* no reply */
    case 'q':
        if (!strncmp(p, "qSupported", 10)) out_str(st, "PacketSize=4000;swbreak+");
        else if (!strcmp(p, "qAttached")) out_str(st, "1");
        else if (!strcmp(p, "qC")) out_str(st, "QC1");
        else if (!strcmp(p, "qfThreadInfo")) out_str(st, "m1");
        else if (!strcmp(p, "qsThreadInfo")) out_str(st, "l");
        else if (!strncmp(p, "qSymbol", 7)) out_str(st, "OK");
        break; /* anything else: "" (not supported) */
    case 'v':
        if (!strcmp(p, "vCont?")) out_str(st, "vCont;c;C;s;S");
        else if (!strncmp(p, "vCont;", 6)) rc = cmd_resume(st, p[6] == 's' || p[6] == 'S', NULL);
        else if (!strncmp(p, "vKill", 5)) {
            out_str(st, "OK");
            rc = 1;
        }
        break;
    default: break;
    }
    if (rc < 0) return rc;
    if (!put_reply(st)) return GB_GONE;
    return rc;
}

/* ---- the session ------------------------------------------------------------------------ */

/* Listen on 127.0.0.1:port and take one client within wait_ms; the client's
 * socket, or -1 with a message (*host set when the host asked to stop). */
static int take_client(const vl_gdb_opts *o, bool *host, char *err, size_t errsz) {
    int ls = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (ls < 0) {
        vl_seterr(err, errsz, "gdb: socket: %s", strerror(errno));
        return -1;
    }
    int one = 1;
    setsockopt(ls, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((uint16_t)o->port) };
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t alen = sizeof a;
    if (bind(ls, (struct sockaddr *)&a, sizeof a) < 0 || listen(ls, 1) < 0 ||
        getsockname(ls, (struct sockaddr *)&a, &alen) < 0) {
        vl_seterr(err, errsz, "gdb: port %d on 127.0.0.1: %s", o->port, strerror(errno));
        close(ls);
        return -1;
    }
    int port = ntohs(a.sin_port);
    int wait_ms = o->wait_ms > 0 ? o->wait_ms : 60000;
    if (o->log) {
        fprintf(o->log, "vlab: gdb: listening on 127.0.0.1:%d (gdb: target remote :%d), for %d s\n", port, port,
                (wait_ms + 999) / 1000);
        fflush(o->log);
    }
    for (int waited = 0;;) {
        if (o->interrupt && *o->interrupt) {
            *host = true;
            close(ls);
            return -1;
        }
        struct pollfd p = { .fd = ls, .events = POLLIN };
        int r = poll(&p, 1, 100);
        if (r < 0 && errno != EINTR) break;
        if (r > 0) {
            int c = accept4(ls, NULL, NULL, SOCK_CLOEXEC);
            if (c >= 0) {
                close(ls);
                setsockopt(c, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
                return c;
            }
            if (errno != EINTR && errno != ECONNABORTED) break;
        }
        if (r == 0 && (waited += 100) >= wait_ms) {
            vl_seterr(err, errsz, "gdb: nobody connected to 127.0.0.1:%d within %d s", port, (wait_ms + 999) / 1000);
            close(ls);
            return -1;
        }
    }
    vl_seterr(err, errsz, "gdb: waiting on port %d: %s", port, strerror(errno));
    close(ls);
    return -1;
}

int vl_gdb_serve(const vl_gdb_opts *o, vlab_machine *m, vl_vm *vm, vl_stop *last, char *err, size_t errsz) {
    const vl_gdb_isa *g = vl_glue_gdb(m->desc->ops);
    if (!g) {
        vl_seterr(err, errsz, "gdb: no register map for %s: the stub cannot serve it", m->desc->isa);
        return -1;
    }
    stub *st = calloc(1, sizeof *st);
    char *out = malloc(2 * PKT_MAX + 64);
    int *idx = calloc((size_t)g->nregs, sizeof *idx);
    if (!st || !out || !idx) {
        free(st), free(out), free(idx);
        vl_seterr(err, errsz, "gdb: out of memory");
        return -1;
    }
    *st = (stub){ .o = o, .m = m, .vm = vm, .g = g, .idx = idx, .out = out, .fd = -1 };
    for (int r = 0; r < g->nregs; r++) idx[r] = g->regs[r].name ? vlab_reg_index(m, g->regs[r].name) : -1;
    st->start = guest_icount(st);
    st->last = stop_here(st, VLAB_STOP_BUDGET);
    snprintf(st->reply, sizeof st->reply, "S05");

    bool host = false;
    int rc = 0;
    st->fd = take_client(o, &host, err, errsz);
    if (st->fd < 0) {
        if (host) st->last = stop_here(st, VLAB_STOP_INTERRUPTED);
        else rc = -1;
        goto done;
    }
    const char *why = "gdb disconnected";
    bool detached = false;
    for (;;) {
        int r = get_packet(st);
        if (r == 3) { /* an interrupt while stopped: report where it stands */
            st->out_len = 0;
            out_str(st, st->reply);
            if (!put_reply(st)) break;
            continue;
        }
        if (r == 1) r = handle(st);
        if (r == 0) continue;
        if (r == GB_HOST) {
            why = "the host asked to stop";
            st->last = stop_here(st, VLAB_STOP_INTERRUPTED);
        } else if (r == 1) {
            detached = st->pkt[0] == 'D';
            why = detached ? "gdb detached" : "gdb killed the guest";
        }
        break;
    }
    close(st->fd);
    if (o->log) {
        fprintf(o->log, "vlab: gdb: %s at pc 0x%08x\n", why, guest_pc(st));
        fflush(o->log);
    }
    if (detached) {
        /* detached: the guest runs on, as it would have without gdb */
        uint64_t done = guest_icount(st) - st->start;
        if (done < o->max) st->last = guest_run(st, o->max - done);
    }
done:
    *last = st->last;
    free(idx);
    free(out);
    free(st);
    return rc;
}
