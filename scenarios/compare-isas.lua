-- compare-isas.lua - the same lab on four machines of three ISAs: 68000, 68010,
-- PowerPC 750, i386.
--
-- One story, told three times (see scenarios/m68k-move-from-sr.lua and
-- scenarios/ppc-mfmsr.lua for each alone). A tiny guest kernel reads its
-- privileged state register (68000/68010: MOVE from SR, S is bit 13; 750:
-- mfmsr, PR is 0x4000) and prints what it believes ("K:supervisor" or
-- "K:user"). It then drops into a user program that makes the same read:
-- if the read traps, the kernel's own handler prints "U:trapped" (68k:
-- privilege violation, vector 8; 750: program interrupt 0x700 with SRR1's
-- privileged bit), else the user program prints "U:direct". Each runs
-- natively and under the same trap-and-emulate monitor (vmm/), which only
-- the per-ISA glue (isa/*/virt.c) distinguishes.
--
-- What to observe:
--   * natively all three kernels believe they are in supervisor mode;
--   * under the monitor every kernel really runs deprivileged. On the 68000
--     MOVE from SR is not privileged: the kernel's read does not trap, reads
--     the real SR with S = 0 and the kernel prints "K:user": the guest has
--     caught the monitor (a sensitive instruction that is not privileged:
--     Popek-Goldberg Theorem 1 fails);
--   * on the 68010 (MOVE from SR made privileged, MOVE from CCR added) and
--     on the 750 (mfmsr privileged, and every other sensitive instruction
--     too) the kernel's read traps, is emulated on the virtual state, and the
--     kernel cannot tell: no difference from native at all;
--   * the user program's read: unprivileged on the 68000 (it runs directly
--     and reads S = 0, which is the truth for user code), privileged on the
--     68010 and the 750, where the monitor reflects the trap into the guest
--     kernel's own handler, exactly as on the bare machine;
--   * the i386 (its kernel boots from real mode; its question is MOV from CS,
--     whose RPL is the CPL, its user's read MOV from CR0): like the 68000,
--     the kernel's read runs directly, shows RPL 1 under ring compression
--     and the kernel prints "K:user"; the user's read is privileged and
--     reaches the kernel's #GP handler natively and monitored;
--   * under the hybrid monitor (the kernel interpreted, its user code run
--     directly) every kernel believes it runs in supervisor mode: the
--     68000's and the i386's leaks are gone;
--   * the lines under the table are written from what was measured.
--
-- Run: vlab run scenarios/compare-isas.lua
package.path = (debug.getinfo(1, "S").source:match("^@(.-)[^/]*$") or "./") .. "../scripts/?.lua;" .. package.path
local lab = require "labkit"
local RAM = 1 << 20

local M68K = [[
    move.l  #priv,$20       ; vector 8: privilege violation
    lea     $dff000,a2      ; the console
    move.w  sr,d0           ; the kernel's read
    btst    #13,d0
    beq.s   ku
    lea     msg_ks(pc),a0
    bra.s   k1
ku:
    lea     msg_ku(pc),a0
k1:
    bsr.s   puts
    move.l  #$8000,a0
    move.l  a0,usp
    move.w  #$0000,sr       ; into the user program
    move.w  sr,d1           ; the user's read
    lea     msg_ud(pc),a0
    bsr.s   puts
here:
    bra.s   here
priv:
    lea     msg_ut(pc),a0
    bsr.s   puts
    stop    #$2700
puts:
    move.b  (a0)+,d2
    beq.s   pe
    move.b  d2,(a2)
    bra.s   puts
pe:
    rts
msg_ks: .asciz  "K:supervisor "
msg_ku: .asciz  "K:user "
msg_ud: .asciz  "U:direct"
msg_ut: .asciz  "U:trapped"
]]

local PPC = [[
    .org 0x700
    lis     4, msg_ut@ha
    addi    4, 4, msg_ut@l
    bl      puts
    b       .
    .org 0x1000
    lis     9, 0xF000       # the console
    mfmsr   3               # the kernel's read
    andi.   0, 3, 0x4000    # PR
    lis     4, msg_ks@ha
    addi    4, 4, msg_ks@l
    beq     1f
    lis     4, msg_ku@ha
    addi    4, 4, msg_ku@l
1:  bl      puts
    li      5, 0x5000       # PR | ME
    mtsrr1  5
    lis     5, user@ha
    addi    5, 5, user@l
    mtsrr0  5
    rfi
user:
    mfmsr   6               # the user's read
    lis     4, msg_ud@ha
    addi    4, 4, msg_ud@l
    bl      puts
    b       .
puts:
    lbz     6, 0(4)
    cmpwi   6, 0
    beqlr
    stb     6, 0(9)
    addi    4, 4, 1
    b       puts
msg_ks: .asciz  "K:supervisor "
msg_ku: .asciz  "K:user "
msg_ud: .asciz  "U:direct"
msg_ut: .asciz  "U:trapped"
]]

-- x86: the kernel's question is MOV from CS (its RPL is the CPL: not
-- privileged, never traps); the user program's read is MOV from CR0
-- (privileged: #GP into the kernel's handler). Output through the
-- memory-mapped console, which needs no I/O privilege in ring 3.
local X86 = [[
  .code16                 # from reset, as a boot sector: into protected mode
  cli
  lgdtl   gdtr
  mov     %cr0, %eax
  or      $1, %eax
  mov     %eax, %cr0
  ljmpl   $0x08, $pm
  .code32
pm:
  mov     $0x10, %ax
  mov     %ax, %ds
  mov     %ax, %es
  mov     %ax, %ss
  mov     $0x90000, %esp
  mov     $gp, %eax       # IDT gate 13 (#GP): an interrupt gate to gp
  mov     %ax, idt + 13 * 8
  movw    $0x08, idt + 13 * 8 + 2
  movw    $0x8e00, idt + 13 * 8 + 4
  shr     $16, %eax
  mov     %ax, idt + 13 * 8 + 6
  lidt    idtr
  mov     $0x28, %ax
  ltr     %ax
  mov     %cs, %ax        # the kernel's read: RPL of CS, the CPL
  test    $3, %al
  mov     $msg_ks, %esi
  jz      1f
  mov     $msg_ku, %esi
1:
  call    puts
  push    $0x23           # into the user program, ring 3
  push    $0x80000
  push    $0x0002
  push    $0x1b
  push    $user
  iret
user:
  mov     $0x23, %ax      # (the return to ring 3 nulled DS)
  mov     %ax, %ds
  mov     %cr0, %eax      # the user's read
  mov     $msg_ud, %esi
  call    puts
  jmp     .
gp:
  mov     $0x10, %ax
  mov     %ax, %ds
  mov     $msg_ut, %esi
  call    puts
  cli
  hlt
puts:
  lodsb
  test    %al, %al
  jz      2f
  movb    %al, 0xfe000000
  jmp     puts
2:
  ret
msg_ks: .asciz "K:supervisor "
msg_ku: .asciz "K:user "
msg_ud: .asciz "U:direct"
msg_ut: .asciz "U:trapped"
  .p2align 3
gdt:
  .long 0, 0
  .long 0x0000ffff, 0x00cf9b00
  .long 0x0000ffff, 0x00cf9300
  .long 0x0000ffff, 0x00cffb00
  .long 0x0000ffff, 0x00cff300
  .long (tss << 16) + 0x67, 0x00008900
gdtr:
  .word 47
  .long gdt
idtr:
  .word 0x7ff
  .long idt
  .p2align 3
tss:
  .long 0, 0x90000, 0x10
  .fill 0x58, 1, 0
  .long 0x00680000
  .p2align 3
idt:
  .fill 0x800, 1, 0
]]

local MACHINES = {
  { isa = "m68k", model = "68000", src = M68K, org = 0x1000, entry = 0x1000, read = "^movew?%s+%%?sr,",
    what = "MOVE from SR" },
  { isa = "m68k", model = "68010", src = M68K, org = 0x1000, entry = 0x1000, read = "^movew?%s+%%?sr,",
    what = "MOVE from SR" },
  { isa = "ppc", model = "750", src = PPC, org = 0, entry = 0x1000, read = "^mfmsr", what = "mfmsr" },
  { isa = "x86", model = "i386", src = X86, org = 0x7c00, entry = 0x7c00, read = "^mov%s+%%cs,",
    what = "MOV from CS", real_mode = true },
}

local rows = {}
for _, mc in ipairs(MACHINES) do
  local p = lab.pair { isa = mc.isa, model = mc.model, ram = RAM, org = mc.org, entry = mc.entry, sp = RAM,
                       real_mode = mc.real_mode,
                       code = lab.image(mc.isa, mc.model, mc.src, mc.org),
                       keep = function(ev) return ev.insn:match(mc.read) and ev.kind or nil end }
  local reads, st = p.log, p.stats
  local con_n, con_v = p.m:console(), p.vm.guest:console()
  -- the hybrid monitor interprets the kernel: its read is executed on the virtual state
  local h = lab.pair { isa = mc.isa, model = mc.model, ram = RAM, org = mc.org, entry = mc.entry, sp = RAM,
                       real_mode = mc.real_mode, technique = "hybrid", keep = false,
                       code = lab.image(mc.isa, mc.model, mc.src, mc.org) }
  rows[#rows + 1] = {
    isa = mc.isa, model = mc.model, read = mc.what,
    native_kernel = con_n:match("K:(%a+)"), native_user = con_n:match("U:(%a+)"),
    kernel = con_v:match("K:(%a+)"), user = con_v:match("U:(%a+)"),
    hybrid_kernel = h.vm.guest:console():match("K:(%a+)"), hybrid_diffs = h.diffs,
    -- the kernel's read comes first: did it reach the monitor?
    kernel_read_traps = #reads > 0 and reads[1] == "emulated",
    user_read_traps = (con_v:match("U:(%a+)")) == "trapped",
    traps = st.traps, emulated = st.emulated, reflected = st.reflected,
    instructions = st.guest_instructions, native_instructions = p.m:stats().instructions,
    native_stop = p.native.reason, stop = p.monitored.reason, diffs = p.diffs,
  }
end

print(string.format("The same guest kernel on %d machines of %d ISAs, natively and under one monitor", #rows,
  (function()
    local n, seen = 0, {}
    for _, r in ipairs(rows) do
      if not seen[r.isa] then n, seen[r.isa] = n + 1, true end
    end
    return n
  end)()))
print()
for _, r in ipairs(rows) do r.leak = r.kernel ~= r.native_kernel end
lab.print_table({
  { "model", "%-6s", "model" }, { "read", "%-12s", "read" },
  { "kernel, native", "%-14s", function(r) return r.native_kernel or "?" end },
  { "kernel, vmm", "%-14s", function(r) return r.kernel or "?" end },
  { "kernel, hybrid", "%-14s", function(r) return r.hybrid_kernel or "?" end },
  { "read traps?", "%-11s", function(r) return r.kernel_read_traps and "yes" or "no" end },
  { "user's read", "%-12s", function(r) return r.user or "?" end }, { "traps", "%5d", "traps" },
  { "differences", "%-12s", function(r) return lab.diff_text(r.diffs, ","):sub(1, 12) end },
  { "verdict", "%-26s", function(r) return r.leak and "leaks: monitor is caught" or "equivalent: cannot tell" end },
}, rows)
-- the sweep's verdict over every instruction form, when the sweep is built
if type(vlab.sweep) == "function" then
  print()
  for _, r in ipairs(rows) do
    local ok, res = pcall(vlab.sweep, { isa = r.isa, model = r.model, technique = "trap-and-emulate" })
    local sum = ok and type(res) == "table" and res.summary
    if sum then
      r.theorem1, r.sweep_leaks = sum.theorem1, sum.leaks
      print(string.format("sweep %-6s: %d forms, %d privileged, %d sensitive, %d leak under the monitor: Theorem 1 %s",
        r.model, sum.forms or 0, sum.privileged or 0, sum.sensitive or 0, sum.leaks or 0,
        sum.theorem1 and "holds" or "fails"))
    end
  end
end
-- what each machine showed, from the rows above
print()
for _, r in ipairs(rows) do
  print(string.format("%-6s %s %s under trap-and-emulate: the kernel believes %s (natively %s),",
    r.model .. ":", r.read, r.kernel_read_traps and "traps and is emulated" or "runs directly",
    r.kernel or "?", r.native_kernel or "?"))
  print(string.format("       %s; under hybrid it believes %s. The user's read: %s natively, %s monitored.",
    r.leak and "the monitor is caught" or "it cannot tell", r.hybrid_kernel or "?", r.native_user or "?",
    r.user or "?"))
end
return rows
