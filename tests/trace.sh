#!/bin/sh
# trace.sh - `vlab exec --trace`: one line per retired instruction on
# standard error (address, bytes, disassembly, changed registers), events
# marked (<exception ...>, <trap: emulated|reflected ...>, <mode level N>),
# natively and under the monitor; --json output stays one JSON object.
NAME=trace
. "$(dirname "$0")/testlib.sh"

cat >"$T/t.s" <<'EOF2'
        lea     msg,a0
loop:   move.b  (a0)+,d0
        beq     done
        move.b  d0,0xdff000
        bra     loop
done:   move.l  #handler,0x80
        trap    #0
        andi.w  #0xdfff,sr
        move.w  sr,d1
        moveq   #42,d7
        bra     .
handler: moveq  #7,d6
        rte
msg:    .asciz  "hi"
EOF2
"$VLAB" asm --isa m68k --org 0x1000 -o "$T/t.bin" "$T/t.s" || bad "asm"
expect 0 "trace" "$VLAB" exec --isa m68k --org 0x1000 --json --trace "$T/t.bin"
n=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["instructions"])' "$T/out") || bad "--trace keeps --json one object"
[ "$(wc -l <"$T/err")" -eq "$n" ] && ok || bad "one line per instruction: $(wc -l <"$T/err") lines, $n instructions"
has "$T/err" "00001000  41f900001030" "address and bytes"
grep -q "^00001000  41f900001030 .*lea .*a0=00001030$" "$T/err" && ok || bad "lea line: $(head -1 "$T/err")"
grep -q "moveq #7,%d6 .*d6=00000007" "$T/err" && ok || bad "the handler's line: $(grep -n moveq "$T/err")"
grep -q "trap #0 .*<exception vector 0x20" "$T/err" && ok || bad "exception marked: $(grep trap "$T/err")"
grep -q "andiw .*<mode level 3>" "$T/err" && ok || bad "mode change marked: $(grep andiw "$T/err")"
if grep -q "pc=" "$T/err"; then bad "the PC is the next line's address, not a change"; else ok; fi

# under the monitor: the monitor's traps
expect 0 "trace vmm" "$VLAB" exec --isa m68k:68000 --vmm trap-and-emulate --org 0x1000 --json --trace "$T/t.bin"
n=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["instructions"])' "$T/out") || bad "vmm --json"
[ "$(wc -l <"$T/err")" -eq "$n" ] && ok || bad "vmm: one line per guest instruction: $(wc -l <"$T/err") lines, $n"
grep -q "trap #0 .*<trap: reflected vector 0x20" "$T/err" && ok || bad "vmm: reflected trap marked: $(grep trap "$T/err")"
grep -q "andiw .*<trap: emulated vector 0x8" "$T/err" && ok || bad "vmm: emulated andi to sr: $(grep andiw "$T/err")"
grep -qE "movew %sr,%d1 +d1=[0-9a-f]{8}$" "$T/err" && ok || bad "vmm: the 68000's move from sr runs directly, no trap: $(grep 'sr,%d1' "$T/err")"
grep -q "rte .*<trap: emulated" "$T/err" && ok || bad "vmm: rte emulated: $(grep rte "$T/err")"

# x86 code in a 16-bit code segment is traced as the CPU decodes it
# (objdump -m i8086), natively and under the monitor; 32-bit code as 32-bit
cat >"$T/c16.s" <<'EOF2'
        lgdt    gdtr
        ljmp    $0x10,$c16
        .code16
c16:    mov     $0x1234,%ax
        outb    %al,$0xe9
        ljmpl   $0x08,$c32
        .code32
c32:    mov     $0x1234,%ax
        hlt
        .p2align 3
gdt:    .long   0, 0
        .long   0x0000ffff, 0x00cf9b00
        .long   0x0000ffff, 0x00009b00
gdtr:   .word   23
        .long   gdt
EOF2
"$VLAB" asm --isa x86 --org 0x1000 -o "$T/c16.bin" "$T/c16.s" || bad "asm c16"
for vmm in "" "--vmm trap-and-emulate"; do
    # shellcheck disable=SC2086 # $vmm: no option, or two words
    expect 0 "trace 16-bit $vmm" "$VLAB" exec --isa x86 --org 0x1000 --ram 1048576 $vmm --trace "$T/c16.bin"
    grep -q '^0000100e  b83412  *mov  *$0x1234,%ax  *eax=....1234' "$T/err" && ok ||
        bad "16-bit code $vmm: $(sed -n 3p "$T/err")"
    grep -q '^00001011  e6e9  *out  *%al,$0xe9' "$T/err" && ok || bad "16-bit out $vmm: $(sed -n 4p "$T/err")"
    grep -q '^0000101b  66b83412  *mov  *$0x1234,%ax' "$T/err" && ok || bad "32-bit code $vmm: $(sed -n 6p "$T/err")"
done
grep -q 'out  *%al,$0xe9 .*<trap: emulated' "$T/err" && ok || bad "the OUT trapped: $(sed -n 4p "$T/err")"

# every ISA, 10^5 instructions (speed is measured in make bench, never asserted)
printf 'loop: move.b #0x41,0xdff000\n bra loop\n' >"$T/inf.s"
"$VLAB" asm --isa m68k -o "$T/inf.bin" "$T/inf.s"
expect 0 "trace 10^5" "$VLAB" exec --isa m68k --max 100000 --trace "$T/inf.bin"
[ "$(wc -l <"$T/err")" -eq 100000 ] && ok || bad "10^5 lines: $(wc -l <"$T/err")"
P=$BUILD/programs
for isa in ppc x86; do
    [ -f "$P/sieve.$isa.elf" ] || { missing "gcc-powerpc-linux-gnu" "no $P/sieve.$isa.elf" || bad "no programs"; continue; }
    expect 0 "trace $isa" "$VLAB" exec --isa $isa --max 5000 --json --trace "$P/sieve.$isa.elf"
    [ "$(wc -l <"$T/err")" -eq 5000 ] && ok || bad "$isa: 5000 lines: $(wc -l <"$T/err")"
    head -1 "$T/err" | grep -qE '^[0-9a-f]{8}  [0-9a-f]+ +[a-z]' && ok || bad "$isa line shape: $(head -1 "$T/err")"
done
finish
