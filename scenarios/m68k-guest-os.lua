-- m68k-guest-os.lua - a tiny guest OS, natively and under the monitor.
--
-- The guest: a kernel with its own vector table, a timer that preempts, two
-- user tasks ("ping" and "pong") that print through TRAP #0 system calls and
-- leave through TRAP #1. The kernel switches tasks on every timer tick by
-- swapping whole supervisor stacks (MOVEM, MOVE USP, RTE).
--
-- What to observe:
--   * natively and under trap-and-emulate the console output is the same,
--     interleaving included (the timer counts guest instructions, and the
--     monitor delivers each tick after the same instruction), and
--     vlab.compare finds no difference in registers, memory or console
--     on the 68010 (and here on the 68000 too: this kernel never reads SR);
--   * efficiency: the guest runs thousands of instructions directly for each
--     trap; only its privileged instructions (MOVE USP, RTE, MOVE to SR,
--     STOP) and its exceptions (TRAPs, ticks) reach the monitor.
--
-- Run: vlab run scenarios/m68k-guest-os.lua
package.path = (debug.getinfo(1, "S").source:match("^@(.-)[^/]*$") or "./") .. "../scripts/?.lua;" .. package.path
local lab = require "labkit"
local RAM = 1 << 20
local ORG = 0x1000
local PERIOD = 400

local KERNEL = [==[
boot:
    move.l  #tick,$64       ; vector 25: level 1 autovector (the timer)
    move.l  #sys_putc,$80   ; vector 32: trap #0, putchar(d0)
    move.l  #sys_exit,$84   ; vector 33: trap #1, exit
    lea     kstack1_top,a0
    lea     task1,a1
    move.l  #ustack1_top,d1
    bsr     mkframe
    move.l  a0,tcb+4
    lea     kstack0_top,a0
    lea     task0,a1
    move.l  #ustack0_top,d1
    bsr     mkframe
    move.l  a0,tcb
    clr.l   cur
    move.l  #%d,$dff004   ; timer period (instructions)
    move.l  #1,$dff008
    move.l  tcb,a7
    bra     resume
mkframe:                    ; a0: stack top, a1: entry, d1: USP -> a0: saved context
%s
    move.l  a1,-(a0)
    move.w  #$0000,-(a0)
    moveq   #14,d2
mk1:
    clr.l   -(a0)               ; d0-d7/a0-a6 = 0
    dbf     d2,mk1
    move.l  d1,-(a0)            ; USP
    rts
tick:
    movem.l d0-d7/a0-a6,-(a7)
    move.l  usp,a0
    move.l  a0,-(a7)
    move.l  #0,$dff00c
    addq.l  #1,ticks
    move.l  cur,d0
    lsl.l   #2,d0
    lea     tcb,a1
    move.l  a7,0(a1,d0.l)
    move.l  cur,d0
    eori.l  #1,d0
    lea     done,a2
    tst.b   0(a2,d0.l)
    beq.s   sw1
    move.l  cur,d0
sw1:
    move.l  d0,cur
    lsl.l   #2,d0
    move.l  0(a1,d0.l),a7
resume:
    move.l  (a7)+,a0
    move.l  a0,usp
    movem.l (a7)+,d0-d7/a0-a6
    rte
sys_putc:
    move.b  d0,$dff000
    rte
sys_exit:
    move.w  #$2700,sr
    move.l  cur,d0
    lea     done,a2
    st      0(a2,d0.l)
    eori.l  #1,d0
    tst.b   0(a2,d0.l)
    bne.s   halt
    move.l  d0,cur
    lsl.l   #2,d0
    lea     tcb,a1
    move.l  0(a1,d0.l),a7
    bra.s   resume
halt:
    move.l  #0,$dff004
    stop    #$2700
puts:
    move.b  (a0)+,d0
    beq.s   pe
    trap    #0
    bra.s   puts
pe:
    rts
task0:
    moveq   #4,d7
t0l:
    lea     msg0(pc),a0
    bsr.s   puts
    move.w  #300,d2
t0w:
    addq.l  #1,d3
    dbf     d2,t0w
    dbf     d7,t0l
    trap    #1
task1:
    moveq   #4,d7
t1l:
    lea     msg1(pc),a0
    bsr.s   puts
    move.w  #200,d2
t1w:
    addq.l  #3,d3
    dbf     d2,t1w
    dbf     d7,t1l
    trap    #1
msg0:
    .asciz  "ping "
msg1:
    .asciz  "pong "
    .even
cur:    dc.l 0
ticks:  dc.l 0
done:   dc.b 0,0
    .even
tcb:    dc.l 0,0
    ds.b 256
kstack0_top:
    ds.b 256
kstack1_top:
    ds.b 256
ustack0_top:
    ds.b 256
ustack1_top:
]==]

local function source(model)
  local frame = model == "68010" and "    move.w  #$0064,-(a0)    ; 68010: format 0, vector offset" or ""
  return string.format(KERNEL, PERIOD, frame)
end

local rows = {}
for _, model in ipairs { "68000", "68010" } do
  local p = lab.pair { isa = "m68k", model = model, ram = RAM, org = ORG, sp = RAM, max = 10000000,
                       code = lab.image("m68k", model, source(model), ORG), keep = false }
  local st = p.stats
  rows[#rows + 1] = { model = model, native = p.m:console(), monitored = p.vm.guest:console(),
                      native_stop = p.native.reason, stop = p.monitored.reason, instructions = st.guest_instructions,
                      traps = st.traps, emulated = st.emulated, reflected = st.reflected, diffs = p.diffs,
                      per_k = st.traps * 1000 / st.guest_instructions }
end

for _, r in ipairs(rows) do
  print(string.format("%s native:    %s", r.model, r.native))
  print(string.format("%s monitored: %s", r.model, r.monitored))
end
print()
lab.print_table({ { "model", "%-6s", "model" }, { "instructions", "%12d", "instructions" }, { "traps", "%6d", "traps" },
                  { "emulated", "%8d", "emulated" }, { "reflected", "%9d", "reflected" },
                  { "traps per 1000", "%16.1f", "per_k" },
                  { "differences", "%-11s", function(r) return #r.diffs == 0 and "none" or tostring(#r.diffs) end } },
                rows)
return rows
