#!/bin/sh
# cli.sh - the `vlab` command (DESIGN §4.1): --help, --version, asm/disasm/exec
# round trip on a small m68k program that prints through the MMIO console,
# exec --json, exit codes 0/1/2 and the error messages.
NAME=cli
. "$(dirname "$0")/testlib.sh"

# ---- help and version
expect 0 "--help" "$VLAB" --help
has "$T/out" "usage: vlab" "help"
for word in "vlab run" "vlab asm" "vlab disasm" "vlab exec" "--json" "--vmm" "--entry" "--ram" "--max" "exit status"; do
    has "$T/out" "$word" "help mentions $word"
done
expect 0 "--version" "$VLAB" --version
if grep -qE '^vlab [0-9]+\.[0-9]+\.[0-9]+$' "$T/out"; then ok; else bad "--version format: $(cat "$T/out")"; fi
expect 2 "no arguments" "$VLAB"
expect 2 "unknown command" "$VLAB" frobnicate
has "$T/err" "unknown command 'frobnicate'" "unknown command message"
expect 2 "unknown option" "$VLAB" --frob
expect 2 "table bad format" "$VLAB" table --format docx
has "$T/err" "docx" "table bad format named"
# table --help names every technique the sweep knows (the list its error
# for an unknown one gives)
expect 2 "table unknown technique" "$VLAB" table --technique bogus
known=$(sed -n 's/.*(known: \(.*\)).*/\1/p' "$T/err" | head -1 | tr -d ,)
if [ -n "$known" ]; then ok; else bad "no technique list in: $(cat "$T/err")"; fi
expect 0 "table --help" "$VLAB" table --help
for t in $known; do has "$T/out" "$t" "table --help names $t"; done
expect 2 "sweep without --isa" "$VLAB" sweep
expect 2 "sweep unknown model" "$VLAB" sweep --isa m68k:68020
has "$T/err" "68020" "sweep unknown model named"
expect 0 "sweep csv" "$VLAB" sweep --isa m68k:68010 --states 2 --filter "move from sr" --format csv
has "$T/out" "privileged" "sweep csv rows"

# ---- the program: "hi" on the console, then bra .
cat >"$T/hi.s" <<'EOF'
| hi.s - print "hi" through the console at 0x00DFF000, then stop
        .equ    CONSOLE, 0x00dff000
start:  lea     msg,a0
loop:   move.b  (a0)+,d0
        beq     done
        move.b  d0,CONSOLE
        bra     loop
done:   moveq   #42,d7
        bra     .
msg:    .asciz  "hi\n"
EOF
expect 0 "asm" "$VLAB" asm --isa m68k --org 0x1000 -o "$T/hi.bin" "$T/hi.s"
[ -s "$T/hi.bin" ] && ok || bad "asm wrote nothing"
expect 0 "asm to stdout" "$VLAB" asm --isa m68k:68000 --org=0x1000 "$T/hi.s"
if cmp -s "$T/out" "$T/hi.bin"; then ok; else bad "asm to stdout differs from -o"; fi
expect 0 "asm from stdin" sh -c "'$VLAB' asm --isa 68000 --org 0x1000 - < '$T/hi.s'"
if cmp -s "$T/out" "$T/hi.bin"; then ok; else bad "asm from stdin differs"; fi

expect 0 "disasm" "$VLAB" disasm --isa m68k --org 0x1000 "$T/hi.bin"
has "$T/out" "00001000" "disasm address"
has "$T/out" "lea" "disasm text"
has "$T/out" "moveq" "disasm moveq"

expect 0 "exec" "$VLAB" exec --isa m68k --org 0x1000 "$T/hi.bin"
has "$T/out" "halt" "exec stop reason"
has "$T/out" "hi" "exec console"
has "$T/out" "d7" "exec registers"
expect 0 "exec --json" "$VLAB" exec --isa m68k --org 0x1000 --json "$T/hi.bin"
[ "$(wc -l <"$T/out")" -eq 1 ] && ok || bad "--json prints one line"
has "$T/out" '"stop": "halt"' "json stop"
has "$T/out" '"console": "hi\n"' "json console escaped"
has "$T/out" '"d7": 42' "json regs"
has "$T/out" '"instructions": ' "json instructions"
has "$T/out" '"pc": ' "json pc"
if have python3 python3; then
    if python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert set(["stop","pc","instructions","regs","console"]) <= set(d); assert d["regs"]["d7"] == 42' "$T/out"; then ok; else bad "json does not parse"; fi
fi
# --entry and --max
expect 0 "exec --max" "$VLAB" exec --isa m68k --org 0x1000 --max 3 --json "$T/hi.bin"
has "$T/out" '"stop": "budget"' "budget stop"
has "$T/out" '"instructions": 3' "three instructions"
expect 0 "exec --entry" "$VLAB" exec --isa m68k --org 0x1000 --entry 0x1000 --ram 0x10000 --json "$T/hi.bin"
has "$T/out" '"a7": 65536' "stack at the top of --ram"

# STOP ends a run too (exit 0)
printf '        move.b  #65,0x00dff000\n        stop    #0x2700\n' >"$T/stop.s"
"$VLAB" asm --isa m68k -o "$T/stop.bin" "$T/stop.s" 2>/dev/null
expect 0 "exec STOP" "$VLAB" exec --isa m68k --json "$T/stop.bin"
has "$T/out" '"stop": "halt"' "STOP halts"
has "$T/out" '"console": "A"' "STOP console"

# an exception with no handler is a guest failure: exit 1
printf '        trap    #5\n' >"$T/trap.s"
"$VLAB" asm --isa m68k -o "$T/trap.bin" "$T/trap.s" 2>/dev/null
expect 1 "exec unhandled trap" "$VLAB" exec --isa m68k --json "$T/trap.bin"
has "$T/out" '"stop": "exception"' "exception stop"
has "$T/out" '"vector": 37' "trap #5 vector"

# JSON string escaping of the console
printf '        move.b  #34,0x00dff000\n        move.b  #92,0x00dff000\n        move.b  #1,0x00dff000\n        bra     .\n' >"$T/esc.s"
"$VLAB" asm --isa m68k -o "$T/esc.bin" "$T/esc.s" 2>/dev/null
expect 0 "exec escaping" "$VLAB" exec --isa m68k --json "$T/esc.bin"
has "$T/out" '"console": "\"\\\u0001"' "json escapes"

# ---- a comma inside a string is text, not an operand separator
printf '.ascii "a, b"\n.align 2\nnop\n' >"$T/str.s"
expect 0 "ppc asm string with comma" "$VLAB" asm --isa ppc -o "$T/str.bin" "$T/str.s"
[ "$(od -An -tx1 "$T/str.bin" | tr -d ' \n')" = "612c206260000000" ] && ok || bad "ppc .ascii with comma: $(od -An -tx1 "$T/str.bin")"

# ---- Ctrl-C stops a guest that never ends, and its report is still printed
printf 'loop: move.b #0x41,0xdff000\n bra loop\n' >"$T/inf.s"
"$VLAB" asm --isa m68k -o "$T/inf.bin" "$T/inf.s"
for vmm in "" "--vmm trap-and-emulate"; do
    # shellcheck disable=SC2086
    "$VLAB" exec --isa m68k $vmm --json "$T/inf.bin" >"$T/inf.out" 2>"$T/inf.err" &
    pid=$!
    sleep 1 # the handler is installed well before: exec starts in milliseconds
    kill -INT $pid
    wait $pid
    rc=$?
    [ $rc -eq 1 ] && ok || bad "exec $vmm interrupted: exit $rc, expected 1"
    has "$T/inf.out" '"stop": "interrupted"' "exec $vmm interrupted: stop reason"
    has "$T/inf.out" '"console": "AAA' "exec $vmm interrupted: console kept"
done

# ---- errors
# x86: mov al,'h'; out 0xe9,al; mov al,'i'; out 0xe9,al; hlt (from the Multiboot state)
printf '\260\150\346\351\260\151\346\351\364' >"$T/hi86.bin"
expect 0 "exec x86" "$VLAB" exec --isa x86 "$T/hi86.bin"
has "$T/out" "stop: halt at pc 0x00000009 after 5 instructions" "x86 halts after 5 instructions"
has "$T/out" "hidden registers" "x86 dump says the caches are hidden"
if grep -q "cs_base" "$T/out"; then bad "x86 human dump lists the hidden caches"; else ok; fi
expect 0 "exec x86 json" "$VLAB" exec --isa x86:pentium --json "$T/hi86.bin"
has "$T/out" '"console": "hi"' "x86 console through port 0xe9"
has "$T/out" '"cs_base": 0' "x86 json lists the hidden caches"
# a triple fault is a guest failure (exit 1): every IDT gate (IDTR base 0,
# limit 0x3ff at the start) is 0xff bytes, a present gate whose selector
# lies outside the empty GDT, so ud2 at 0x400 gives #UD, #GP, #DF, shutdown
LC_ALL=C awk 'BEGIN { for (i = 0; i < 1024; i++) printf "%c", 255; printf "%c%c", 15, 11 }' >"$T/tf86.bin"
expect 1 "exec x86 triple fault" "$VLAB" exec --isa x86 --entry 0x400 "$T/tf86.bin"
has "$T/out" "stop: shutdown at pc 0x00000400" "x86 triple fault stops with shutdown"
printf '        nop\n        moveq   #1,d0\n        frob    d0\n' >"$T/bad.s"
expect 1 "asm error" "$VLAB" asm --isa m68k -o "$T/bad.bin" "$T/bad.s"
if grep -qE "bad\.s:3:[0-9]+: " "$T/err"; then ok; else bad "asm error has file:line:col: $(cat "$T/err")"; fi
printf '        nop\n  n\000p\n' >"$T/nul.s"
expect 1 "asm NUL byte" "$VLAB" asm --isa ppc -o "$T/nul.bin" "$T/nul.s"
has "$T/err" "nul.s:2:4: NUL byte in the source" "a NUL byte is an error at its line:col"
expect 2 "asm unknown isa" "$VLAB" asm --isa z80 "$T/hi.s"
has "$T/err" "unknown isa 'z80'" "unknown isa message"
expect 2 "asm unknown model" "$VLAB" asm --isa m68k:68020 "$T/hi.s"
has "$T/err" "unknown model '68020' for isa m68k (known: 68000, 68010)" "unknown model message"
expect 2 "asm missing --isa" "$VLAB" asm "$T/hi.s"
has "$T/err" "--isa" "missing --isa message"
expect 2 "asm bad --org" "$VLAB" asm --isa m68k --org 12z "$T/hi.s"
has "$T/err" "--org" "bad number names the option"
expect 2 "asm --org without value" "$VLAB" asm --isa m68k --org
expect 2 "asm unknown option" "$VLAB" asm --isa m68k --frob "$T/hi.s"
has "$T/err" "unknown option '--frob'" "unknown option message"
expect 1 "asm missing file" "$VLAB" asm --isa m68k "$T/nope.s"
has "$T/err" "nope.s" "missing file named"
expect 1 "exec missing file" "$VLAB" exec --isa m68k "$T/nope.bin"
has "$T/err" "nope.bin" "exec missing file named"
expect 2 "exec missing FILE" "$VLAB" exec --isa m68k
expect 2 "exec bad --max" "$VLAB" exec --isa m68k --max lots "$T/hi.bin"
has "$T/err" "--max" "bad --max message"
expect 2 "exec bad --ram" "$VLAB" exec --isa m68k --ram 0 "$T/hi.bin"
expect 0 "exec --vmm" "$VLAB" exec --isa m68k --vmm trap-and-emulate "$T/hi.bin"
expect 2 "exec --vmm unknown technique" "$VLAB" exec --isa m68k --vmm frobnicate "$T/hi.bin"
has "$T/err" "frobnicate" "unknown technique named"
expect 2 "disasm missing FILE" "$VLAB" disasm --isa m68k
# --bits: x86 16-bit code; an ISA without it, or a size not 16/32, is a usage error
printf '\270\064\022\146\220' >"$T/x16.bin"
expect 0 "disasm --bits 16" "$VLAB" disasm --isa x86 --bits 16 "$T/x16.bin"
has "$T/out" "mov    \$0x1234,%ax" "16-bit mov"
expect 0 "disasm 32-bit default" "$VLAB" disasm --isa x86 "$T/x16.bin"
has "$T/out" "mov    \$0x90661234,%eax" "32-bit mov"
expect 2 "disasm --bits 16 on m68k" "$VLAB" disasm --isa m68k --bits 16 "$T/x16.bin"
has "$T/err" "no 16-bit code" "m68k --bits message"
expect 2 "disasm --bits 8" "$VLAB" disasm --isa x86 --bits=8 "$T/x16.bin"
# a truncated ELF and a foreign one
head -c 40 /bin/sh >"$T/trunc.elf"
expect 1 "exec truncated elf" "$VLAB" exec --isa m68k "$T/trunc.elf"
has "$T/err" "trunc.elf" "truncated elf named"
expect 1 "exec foreign elf" "$VLAB" exec --isa m68k /bin/sh
has "$T/err" "not an m68k ELF" "foreign elf message"
: >"$T/empty.bin"
expect 1 "exec empty binary" "$VLAB" exec --isa m68k "$T/empty.bin"
# a binary cut in the middle of an instruction still ends cleanly
head -c 3 "$T/hi.bin" >"$T/cut.bin"
expect 0 "disasm truncated" "$VLAB" disasm --isa m68k "$T/cut.bin"
has "$T/out" ".byte 0x" "a cut instruction is shown as bytes"
"$VLAB" exec --isa m68k --max 1000 "$T/cut.bin" >/dev/null 2>&1
[ $? -le 1 ] && ok || bad "exec of a cut binary crashed"

# ---- ELF from GNU binutils: loaded by its program headers
if have binutils-m68k-linux-gnu m68k-linux-gnu-as m68k-linux-gnu-ld; then
    printf '        .globl _start\n_start: moveq #3,%%d5\n        move.b #0x4f,0x00dff000\n        bra .\n        .bss\nbuf:    .space 64\n' >"$T/e.s"
    if m68k-linux-gnu-as -m68000 -o "$T/e.o" "$T/e.s" && m68k-linux-gnu-ld -Ttext=0x2000 -o "$T/e.elf" "$T/e.o"; then
        expect 0 "exec elf" "$VLAB" exec --isa m68k --json "$T/e.elf"
        has "$T/out" '"d5": 3' "elf ran from its entry"
        has "$T/out" '"console": "O"' "elf console"
        printf 'local m = vlab.machine{isa="m68k", ram=1<<20}\nlocal e = m:load(arg[1])\nassert(e == 0x2000, e)\nm.pc = e\nassert(m:run().reason == "halt")\nassert(m.regs.d5 == 3)\n' >"$T/loadelf.lua"
        expect 0 "Lua load elf" "$VLAB" run "$T/loadelf.lua" "$T/e.elf"
        expect 1 "elf for the wrong isa" "$VLAB" exec --isa ppc "$T/e.elf"
        has "$T/err" "not a ppc ELF (machine 4)" "wrong isa message"
    else
        bad "could not build an ELF with m68k-linux-gnu-as/ld"
    fi
fi

# ---- run: scripts, arg, errors with file:line
cat >"$T/args.lua" <<'EOF'
assert(arg[0]:match("args%.lua$"))
print(#arg, arg[1], arg[2], select("#", ...))
print(vlab.version)
EOF
expect 0 "run with args" "$VLAB" run "$T/args.lua" one two
has "$T/out" "2	one	two	2" "arg table"
printf 'local x = 1\nerror("boom")\n' >"$T/boom.lua"
expect 1 "run error" "$VLAB" run "$T/boom.lua"
has "$T/err" "boom.lua:2: boom" "script error position"
printf 'local m = vlab.machine{isa="m68k"}\nm:read(0x1000000, 1)\n' >"$T/oob.lua"
expect 1 "run module error" "$VLAB" run "$T/oob.lua"
has "$T/err" "oob.lua:2: read: 1 byte at 0x1000000 is not in RAM (0x0-0xffffff, 16777216 bytes)" "module error position"
printf 'x = = 1\n' >"$T/syntax.lua"
expect 1 "run syntax error" "$VLAB" run "$T/syntax.lua"
has "$T/err" "syntax.lua:1:" "syntax error position"
printf 'local ok = vlab.asm("m68k", "nop\\n  frob d0\\n")\n' >"$T/asmerr.lua"
expect 1 "run assembler error" "$VLAB" run "$T/asmerr.lua"
has "$T/err" "asmerr.lua:1: 2:3: " "assembler error inside a script"
printf 'vlab.asm("ppc", "nop\\n\\0")\n' >"$T/asmnul.lua"
expect 1 "run assembler NUL byte" "$VLAB" run "$T/asmnul.lua"
has "$T/err" "asmnul.lua:1: 2:1: NUL byte in the source" "a NUL byte inside a script"
printf 'assert(package.path:find("scripts/?.lua", 1, true))\nassert(require("vlab") == vlab)\n' >"$T/path.lua"
expect 0 "run package.path" "$VLAB" run "$T/path.lua"
expect 1 "run missing script" "$VLAB" run "$T/none.lua"
expect 2 "run without script" "$VLAB" run

# a stop shows its vector in hex, as the manuals write them, then its name
printf 'sc\n' >"$T/sc.s"
expect 0 "asm sc" "$VLAB" asm --isa ppc --org 0x1000 -o "$T/sc.bin" "$T/sc.s"
expect 1 "exec sc" "$VLAB" exec --isa ppc --org 0x1000 "$T/sc.bin"
has "$T/out" "stop: exception at pc 0x00001000 after 0 instructions (vector 0xc00 system call)" "vector in hex"
expect 1 "exec sc monitored" "$VLAB" exec --isa ppc --org 0x1000 --vmm trap-and-emulate "$T/sc.bin"
has "$T/out" "(vector 0xc00 system call)" "vector in hex, monitored"

# ---- vlab run: a script error shows where, then the traceback (as lua5.4)
printf 'local function inner() error("boom") end\nlocal function outer() inner() end\nouter()\n' >"$T/tb.lua"
expect 1 "run error" "$VLAB" run "$T/tb.lua"
has "$T/err" "tb.lua:1: boom" "run error position"
has "$T/err" "stack traceback:" "run error traceback"
has "$T/err" "in local 'outer'" "traceback names the caller"
finish
