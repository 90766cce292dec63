#!/bin/sh
# vmm_cli.sh - `vlab exec --vmm trap-and-emulate` (DESIGN §4.1, issue 3): the
# guest's view in --json (its SR with the virtual S bit, guest instructions,
# the vmm stats), the 68000 leak through MOVE from SR, exit codes; the x86
# guest by ring compression and its MOV from CS leak.
NAME=vmm_cli
. "$(dirname "$0")/testlib.sh"

cat >"$T/k.s" <<'ASM'
    move.w  sr,d0
    btst    #13,d0
    beq.s   user
    move.b  #'S',$dff000
    bra.s   done
user:
    move.b  #'U',$dff000
done:
    stop    #$2700
ASM
"$VLAB" asm --isa m68k -o "$T/k.bin" "$T/k.s" || { echo "vmm_cli: cannot assemble"; exit 1; }

for model in 68000 68010; do
    "$VLAB" exec --isa m68k:$model --vmm trap-and-emulate --json "$T/k.bin" >"$T/$model.json" 2>"$T/err"
    rc=$?
    [ $rc -eq 0 ] && ok || bad "$model: exit $rc: $(cat "$T/err")"
    has "$T/$model.json" '"stop": "halt"' "$model stop"
    has "$T/$model.json" '"vmm": {"technique": "trap-and-emulate"' "$model vmm object"
    has "$T/$model.json" '"sr": 9984' "$model guest SR 0x2700 (virtual S=1)"
    has "$T/$model.json" '"world_switches": ' "$model world switches"
done
# 68000: MOVE from SR runs directly and reads S=0 (the leak); only STOP traps
has "$T/68000.json" '"console": "U"' "68000 leak"
has "$T/68000.json" '"d0": 1792' "68000 guest read 0x0700"
has "$T/68000.json" '"traps": 1,' "68000 one trap"
has "$T/68000.json" '"instructions": 5,' "68000 guest instructions"
# 68010: MOVE from SR traps and is emulated; the guest cannot tell
has "$T/68010.json" '"console": "S"' "68010 equivalent"
has "$T/68010.json" '"d0": 9984' "68010 guest read 0x2700"
has "$T/68010.json" '"traps": 2,' "68010 two traps"
has "$T/68010.json" '"emulated": 2,' "68010 two emulated"
has "$T/68010.json" '"instructions": 6,' "68010 guest instructions"

# human output, and a guest with no handler for its TRAP: exit 1
"$VLAB" exec --isa m68k:68010 --vmm trap-and-emulate "$T/k.bin" >"$T/h.txt" 2>&1 && ok || bad "human output exit"
has "$T/h.txt" "vmm (trap-and-emulate): 2 traps" "human stats line"
printf '\116\100' >"$T/trap.bin" # trap #0
"$VLAB" exec --isa m68k --vmm trap-and-emulate --json "$T/trap.bin" >"$T/t.json" 2>&1
[ $? -eq 1 ] && ok || bad "unhandled trap: exit 1"
has "$T/t.json" '"stop": "exception"' "unhandled trap stop"
has "$T/t.json" '"vector": 32' "unhandled trap vector"
# paravirt: a kernel without hypercalls runs as under trap-and-emulate
"$VLAB" exec --isa m68k:68010 --vmm paravirt --json "$T/k.bin" >"$T/pv.json" 2>"$T/err" && ok || bad "paravirt exit"
has "$T/pv.json" '"technique": "paravirt"' "paravirt vmm object"
has "$T/pv.json" '"emulated": 2,' "paravirt: falls back to trap-and-emulate"
has "$T/pv.json" '"hypercalls": 0,' "paravirt: no hypercall in an unpatched kernel"
"$VLAB" exec --isa m68k --vmm magic "$T/k.bin" >/dev/null 2>"$T/e"
[ $? -eq 2 ] && ok || bad "unknown technique: exit 2"
has "$T/e" "--vmm magic: unknown technique (known: trap-and-emulate, hybrid, hw-assist, paravirt, binary-translation, scan-and-patch)" "unknown technique named"

# the hybrid monitor: the 68000 kernel is interpreted in its supervisor
# mode, MOVE from SR reads the virtual S = 1, nothing traps
"$VLAB" exec --isa m68k:68000 --vmm hybrid --json "$T/k.bin" >"$T/hy.json" 2>"$T/err" && ok || bad "hybrid exit"
has "$T/hy.json" '"technique": "hybrid"' "hybrid vmm object"
has "$T/hy.json" '"console": "S"' "hybrid: the 68000 kernel cannot tell"
has "$T/hy.json" '"d0": 9984' "hybrid: MOVE from SR read 0x2700"
has "$T/hy.json" '"traps": 0,' "hybrid: no trap"
has "$T/hy.json" '"interpreted": 6,' "hybrid: the six kernel instructions interpreted"
"$VLAB" exec --isa m68k:68000 --vmm hybrid "$T/k.bin" >"$T/hy.txt" 2>&1 && ok || bad "hybrid human exit"
has "$T/hy.txt" "vmm (hybrid): 0 traps, 0 exits, 0 emulated, 0 reflected, 6 interpreted" "hybrid human stats line"
# hw-assist (svm and vt: the same on the 68000): MOVE from SR exits and
# reads the guest's own SR; the exits by reason in the vmm object
for fl in hw-assist hw-assist:vt; do
    "$VLAB" exec --isa m68k:68000 --vmm $fl --json "$T/k.bin" >"$T/hw.json" 2>"$T/err" && ok || bad "$fl exit"
    has "$T/hw.json" '"technique": "hw-assist"' "$fl vmm object"
    has "$T/hw.json" '"console": "S"' "$fl: the 68000 kernel cannot tell"
    has "$T/hw.json" '"d0": 9984' "$fl: MOVE from SR read 0x2700"
    has "$T/hw.json" '"traps": 0,' "$fl: no trap"
    has "$T/hw.json" '"exits": 2,' "$fl: MOVE from SR and STOP exit"
    has "$T/hw.json" '"exit_reasons": {"instruction": 2, "exception": 0, "interrupt": 0, "cr": 0, "io": 0, "mode": 0}' "$fl: exits by reason"
done
has "$T/hw.json" '"flavour": "vt"' "hw-assist:vt flavour"
"$VLAB" exec --isa m68k --vmm hw-assist:vmx "$T/k.bin" >/dev/null 2>"$T/e"
[ $? -eq 2 ] && ok || bad "unknown flavour: exit 2"
has "$T/e" "--vmm hw-assist:vmx: unknown flavour 'vmx' of hw-assist (known: svm, vt)" "unknown flavour named"
"$VLAB" exec --isa m68k --vmm hybrid:vt "$T/k.bin" >/dev/null 2>"$T/e"
[ $? -eq 2 ] && ok || bad "flavour of another technique: exit 2"
has "$T/e" "technique hybrid has no flavours" "flavour of another technique named"
"$VLAB" exec --isa m68k --vmm trap-and-emulate "$T/nothere.bin" >/dev/null 2>"$T/e"
[ $? -eq 1 ] && ok || bad "missing file: exit 1"
has "$T/e" "nothere.bin" "missing file named"

# x86 (ring compression): the Multiboot start state at virtual CPL 0, real
# CPL 1; OUT, CLI and HLT trap and are emulated, MOV from CS runs directly
# and shows RPL 1 (the leak); under hybrid the kernel is interpreted and reads 0x08
cat >"$T/x.s" <<'ASM'
    movb    $0x4b, %al
    outb    %al, $0xe9
    mov     %cs, %ebx
    cli
    hlt
ASM
"$VLAB" asm --isa x86 -o "$T/x.bin" "$T/x.s" || { echo "vmm_cli: cannot assemble x86"; exit 1; }
"$VLAB" exec --isa x86 --vmm trap-and-emulate --json "$T/x.bin" >"$T/x.json" 2>"$T/err" && ok || bad "x86 exit: $(cat "$T/err")"
has "$T/x.json" '"stop": "halt"' "x86 stop"
has "$T/x.json" '"console": "K"' "x86 console through port 0xe9"
has "$T/x.json" '"ebx": 9,' "x86 MOV from CS leaks RPL 1"
has "$T/x.json" '"cs": 8,' "x86 the guest's own CS"
has "$T/x.json" '"cpl": 0,' "x86 virtual CPL 0"
has "$T/x.json" '"traps": 3, "emulated": 3,' "x86 OUT, CLI, HLT trapped and emulated"
has "$T/x.json" '"instructions": 5,' "x86 guest instructions"
"$VLAB" exec --isa x86:pentium --vmm hybrid --json "$T/x.bin" >"$T/xh.json" 2>"$T/err" && ok || bad "x86 hybrid exit"
has "$T/xh.json" '"ebx": 8,' "x86 hybrid: MOV from CS reads the virtual RPL 0"
has "$T/xh.json" '"interpreted": 5,' "x86 hybrid: the kernel interpreted"

finish
