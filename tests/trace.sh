#!/bin/sh
# trace.sh - `vlab exec --trace`: one line per instruction (address, bytes,
# disassembly, the registers it changed), exceptions and the monitor's traps
# on lines of their own, natively and under --vmm, on the three ISAs; its
# default cap; its usage errors.
NAME=trace
. "$(dirname "$0")/testlib.sh"
asm() { # asm ISA ORG NAME SOURCE
    printf '%s' "$4" >"$T/$3.s"
    "$VLAB" asm --isa "$1" --org "$2" -o "$T/$3.bin" "$T/$3.s" || bad "asm $3"
}
# 68010 in user mode: MOVE from SR traps to the guest's own handler (vector 8)
asm 68010 0 pv '    dc.l 0x8000, start
    dc.l 0, 0, 0, 0, 0, 0
    dc.l handler
    .org 0x100
start:
    moveq   #5,d0
    andi.w  #0x0700,sr
    move.w  sr,d1
handler:
    bra.s   handler
'
expect 0 "68010 native trace" "$VLAB" exec --isa 68010 --org 0 --entry 0x100 --trace "$T/pv.bin"
sed -n 1,5p "$T/out" >"$T/got"
cat >"$T/want" <<'OUT'
00000100  7005                 moveq #5,%d0                   d0=00000005
00000102  027c0700             andiw #1792,%sr                a7=00000000 sr=0700
00000106  40c1                 movew %sr,%d1                  a7=00fffff8 ssp=00fffff8 sr=2700
          -- exception (vector 0x8 privilege violation)
00000108  60fe                 bras 0x108
OUT
cmp -s "$T/got" "$T/want" && ok || bad "68010 native trace: $(diff "$T/want" "$T/got")"
has "$T/out" "stop: halt at pc 0x00000108 after 4 instructions" "the report follows the trace"
expect 0 "68010 monitored trace" "$VLAB" exec --isa 68010 --org 0 --entry 0x100 --trace --vmm trap-and-emulate "$T/pv.bin"
sed -n 2,6p "$T/out" >"$T/got"
cat >"$T/want" <<'OUT'
00000102  027c0700             andiw #1792,%sr                a7=00000000 sr=0700
          -- trap: emulated (vector 0x8 privilege violation)
00000106  40c1                 movew %sr,%d1                  a7=00fffff8 ssp=00fffff8 sr=2700
          -- exception (vector 0x8 privilege violation)
          -- trap: reflected (vector 0x8 privilege violation)
OUT
cmp -s "$T/got" "$T/want" && ok || bad "68010 monitored trace: $(diff "$T/want" "$T/got")"
# the PowerPC: sc without a handler, unhandled under the monitor
asm ppc 0x1000 sc 'li 3,7
sc
'
expect 1 "ppc monitored trace" "$VLAB" exec --isa ppc --org 0x1000 --trace --vmm trap-and-emulate "$T/sc.bin"
has "$T/out" "00001000  38600007             li      r3,7                   r3=00000007" "ppc line"
has "$T/out" "r3=00000007" "ppc changed register"
has "$T/out" "-- trap: unhandled (vector 0xc00 system call)" "ppc unhandled trap"
# x86: the bytes of a long instruction, then a breakpoint exception with no handler
asm x86 0x1000 x 'mov $5,%eax
int3
'
expect 1 "x86 trace" "$VLAB" exec --isa x86 --org 0x1000 --trace "$T/x.bin"
has "$T/out" "00001000  b805000000           mov    \$0x5,%eax               eax=00000005" "x86 line"
has "$T/out" "00001005  cc                   int3" "x86 int3 line"
# a loop: 100000 lines by default, --max otherwise
asm 68000 0x1000 lp 'loop: addq.l #1,d0
bra.s loop
'
expect 0 "default cap" "$VLAB" exec --isa 68000 --org 0x1000 --trace "$T/lp.bin"
n=$(grep -c '^0000100' "$T/out")
[ "$n" -eq 100000 ] && ok || bad "default cap: $n trace lines, expected 100000"
expect 0 "--max" "$VLAB" exec --isa 68000 --org 0x1000 --trace --max 7 "$T/lp.bin"
n=$(grep -c '^0000100' "$T/out")
[ "$n" -eq 7 ] && ok || bad "--max 7: $n trace lines"
# usage
expect 2 "trace and json" "$VLAB" exec --isa 68000 --org 0x1000 --trace --json "$T/lp.bin"
has "$T/err" "--trace and --json: choose one" "trace and json refused"
expect 2 "trace with a value" "$VLAB" exec --isa 68000 --org 0x1000 --trace=yes "$T/lp.bin"
has "$T/err" "option '--trace' takes no value" "trace value refused"
finish
