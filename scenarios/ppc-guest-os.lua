-- ppc-guest-os.lua - a tiny PowerPC guest OS with paging, natively and under
-- the monitor.
--
-- The guest: a kernel that builds its own hashed page table (SDR1), maps two
-- user tasks ("ping" and "pong") at the same effective address 0x10000000
-- in two address spaces (segment register 1 holds the running task's VSID),
-- protects itself with BATs valid for supervisor state only (Vs = 1,
-- Vp = 0), turns translation on (MSR[IR] and MSR[DR]) and runs the tasks in
-- problem state. Tasks print one character per `sc` system call and leave
-- with another; the decrementer preempts them (the kernel saves the whole
-- context through SPRG0, switches segment register 1 and reloads DEC). The
-- "pong" task finally pokes at kernel memory: the supervisor-only BAT does
-- not translate for it, there is no PTE, the kernel's DSI handler kills it.
--
-- What to observe:
--   * natively and under trap-and-emulate the console output is the same,
--     interleaving included (the decrementer is virtual: it counts the
--     guest's instructions and fires after the same one), and vlab.compare
--     finds no difference in registers (virtual MSR, SRRs, SPRGs, DEC,
--     segment registers, BATs...), memory (page table R/C bits included) or
--     console;
--   * under the monitor the kernel itself runs in problem state. Its BATs
--     are valid for supervisor only, and its own pages are protected by Ks:
--     the monitor shadows them (the real BAT is valid for problem state
--     while the guest is in virtual supervisor state, and the real segment
--     register carries Ks in Kp), so the kernel's loads and stores run
--     directly, without a trap, while the user tasks still fault on the
--     kernel's memory exactly as on the bare machine;
--   * efficiency: the tasks' code runs directly; only the kernel's
--     privileged instructions (mtsrr0/1, mfsprg/mtsprg, mtsr, mtdec, rfi...)
--     and the exceptions (sc, decrementer, DSI) reach the monitor.
--
-- Run: vlab run scenarios/ppc-guest-os.lua [QUANTUM]
package.path = (debug.getinfo(1, "S").source:match("^@(.-)[^/]*$") or "./") .. "../scripts/?.lua;" .. package.path
local lab = require "labkit"
local RAM = 1 << 20
local QUANTUM = tonumber(arg and arg[1]) or 1500
local TASK_EA = 0x10000000
local TASK_PA = { 0x20000, 0x30000 } -- code page; the data/stack page follows
local TICKS = 0x3000                 -- kernel data: the tick count
local TCB = { 0x3100, 0x3200 }        -- task control blocks

local KERNEL = [==[
    .org 0x300
    b       dsi
    .org 0x400
    b       fault
    .org 0x700
    b       fault
    .org 0x900
    b       decrementer
    .org 0xC00
    b       syscall

# ---- boot (real mode, supervisor) --------------------------------------
    .org 0x1000
boot:
    # the page table: 64 KiB at 0x10000 (SDR1 HTABORG 0x10000, HTABMASK 0)
    li      5, 0x100                # task 0: VSID 0x100
    lis     6, 0x1000               # EA 0x10000000: code, user read-only (PP 01)
    lis     7, 0x0002
    ori     7, 7, 0x0001
    bl      map_page
    li      5, 0x100
    lis     6, 0x1000
    ori     6, 6, 0x1000            # EA 0x10001000: data and stack (PP 10)
    lis     7, 0x0002
    ori     7, 7, 0x1002
    bl      map_page
    li      5, 0x200                # task 1: VSID 0x200, the same EAs
    lis     6, 0x1000
    lis     7, 0x0003
    ori     7, 7, 0x0001
    bl      map_page
    li      5, 0x200
    lis     6, 0x1000
    ori     6, 6, 0x1000
    lis     7, 0x0003
    ori     7, 7, 0x1002
    bl      map_page
    lis     3, 0x0001
    mtsdr1  3
    lis     3, 0x2000               # SR0: Ks = 0, Kp = 1, VSID 0 (no PTE: the kernel is in a BAT)
    mtsr    0, 3
    # BAT 0: EA 0 .. 128 KiB -> PA 0, valid for supervisor only (Vs), read/write
    li      3, 0x0002
    mtibatu 0, 3
    mtdbatu 0, 3
    li      3, 0x0002
    mtibatl 0, 3
    mtdbatl 0, 3
    # DBAT 1: the console, supervisor only, cache-inhibited and guarded
    lis     3, 0xF000
    ori     3, 3, 0x0002
    mtdbatu 1, 3
    lis     3, 0xF000
    ori     3, 3, 0x002A
    mtdbatl 1, 3
    # task control blocks: PC, MSR (PR EE IR DR ME), stack, segment, name
    li      3, TCB0
    li      8, 0x100
    li      9, '0'
    bl      mktask
    li      3, TCB1
    li      8, 0x200
    li      9, '1'
    bl      mktask
    # translation on for the kernel itself
    li      3, 0x1030
    mtmsr   3
    isync
    lis     5, 0xF000
    lis     4, banner@ha
    addi    4, 4, banner@l
    bl      puts
    li      3, QUANTUM
    mtdec   3
    li      3, TCB0
    mtsprg  0, 3
    b       restore

mktask:                             # r3 TCB, r8 VSID, r9 name
    lis     4, 0x1000
    stw     4, 144(3)               # PC 0x10000000
    li      4, 0
    ori     4, 4, 0xD030            # PR EE ME IR DR
    stw     4, 148(3)
    lis     4, 0x1000
    ori     4, 4, 0x2000
    stw     4, 4(3)                 # r1: top of the data page
    oris    4, 8, 0x2000            # Kp = 1 | VSID
    stw     4, 152(3)
    stw     9, 160(3)
    blr

map_page:                           # r5 VSID, r6 EA, r7 PA | PP
    rlwinm  8, 6, 20, 16, 31        # page index
    xor     8, 8, 5                 # primary hash
    rlwinm  8, 8, 6, 16, 25         # PTEG offset
    oris    8, 8, 0x0001            # + HTABORG
1:  lwz     9, 0(8)
    andis.  9, 9, 0x8000
    beq     2f
    addi    8, 8, 8
    b       1b
2:  rlwinm  9, 5, 7, 1, 24          # VSID
    oris    9, 9, 0x8000            # V
    rlwinm  10, 6, 10, 26, 31       # API
    or      9, 9, 10
    stw     7, 4(8)
    sync
    stw     9, 0(8)
    blr

# ---- context switch ----------------------------------------------------
restore:                            # r3: TCB of the task to run
    lwz     4, 152(3)
    mtsr    1, 4                    # its address space
    isync
    lwz     4, 144(3)
    mtsrr0  4
    lwz     4, 148(3)
    mtsrr1  4
    lwz     4, 128(3)
    mtcrf   0xff, 4
    lwz     4, 132(3)
    mtlr    4
    lwz     4, 136(3)
    mtctr   4
    lwz     4, 140(3)
    mtxer   4
    lwz     0, 0(3)
    lwz     1, 4(3)
    lwz     2, 8(3)
    lmw     4, 16(3)
    lwz     3, 12(3)
    rfi

decrementer:                        # preemption (real mode)
    mtsprg  1, 3
    mfsprg  3, 0
    stw     0, 0(3)
    stw     1, 4(3)
    stw     2, 8(3)
    stmw    4, 16(3)
    mfsprg  4, 1
    stw     4, 12(3)
    mfcr    4
    stw     4, 128(3)
    mflr    4
    stw     4, 132(3)
    mfctr   4
    stw     4, 136(3)
    mfxer   4
    stw     4, 140(3)
    mfsrr0  4
    stw     4, 144(3)
    mfsrr1  4
    stw     4, 148(3)
    lwz     4, TICKS(0)
    addi    4, 4, 1
    stw     4, TICKS(0)
    li      4, QUANTUM
    mtdec   4
    xori    4, 3, 0x0300            # the other TCB
    lwz     5, 156(4)
    cmpwi   5, 0
    bne     restore                 # it is done: go on with this one
    mr      3, 4
    mtsprg  0, 3
    b       restore

# ---- system calls: r3 = 0 putc(r4), r3 = 1 exit --------------------------
syscall:
    cmpwi   3, 0                    # (cr0 is the system call's to clobber)
    bne     sys_exit
    mtsprg  1, 5
    lis     5, 0xF000
    stb     4, 0(5)
    mfsprg  5, 1
    rfi
sys_exit:
    mfsprg  3, 0
    b       finish

dsi:                                # a task touched what it may not: kill it
    mfsprg  3, 0
    lis     5, 0xF000
    lis     4, msg_kill@ha
    addi    4, 4, msg_kill@l
    bl      puts
    lwz     4, 160(3)
    stb     4, 0(5)
    lis     4, msg_dsi@ha
    addi    4, 4, msg_dsi@l
    bl      puts
    mfdar   4
    bl      puthex
    li      4, ']'
    stb     4, 0(5)
    b       finish
fault:                              # ISI, program: kill it too
    mfsprg  3, 0
    lis     5, 0xF000
    lis     4, msg_kill@ha
    addi    4, 4, msg_kill@l
    bl      puts
    lwz     4, 160(3)
    stb     4, 0(5)
    li      4, ']'
    stb     4, 0(5)
finish:                             # r3: the task that ends
    li      4, 1
    stw     4, 156(3)
    xori    4, 3, 0x0300
    lwz     5, 156(4)
    cmpwi   5, 0
    bne     halt
    mr      3, 4
    mtsprg  0, 3
    b       restore
halt:
    lis     5, 0xF000
    lis     4, msg_halt@ha
    addi    4, 4, msg_halt@l
    bl      puts
    lwz     4, TICKS(0)
    bl      puthex
    li      4, 10
    stb     4, 0(5)
    b       .

puts:                               # r4 string, r5 console
    lbz     6, 0(4)
    cmpwi   6, 0
    beqlr
    stb     6, 0(5)
    addi    4, 4, 1
    b       puts
puthex:                             # r4 value, r5 console
    li      6, 8
    mtctr   6
1:  rlwinm  4, 4, 4, 0, 31
    andi.   7, 4, 0xF
    cmpwi   7, 10
    blt     2f
    addi    7, 7, 'a' - '0' - 10
2:  addi    7, 7, '0'
    stb     7, 0(5)
    bdnz    1b
    blr

banner:     .asciz "[boot] page table and BATs set up: translation on\n"
msg_kill:   .asciz "[kill task "
msg_dsi:    .asciz ": DSI at 0x"
msg_halt:   .asciz "\n[halt] ticks 0x"
]==]

local TASK = [==[
start:
    li      20, %d                  # rounds
round:
    lis     21, msg@ha
    addi    21, 21, msg@l
1:  lbz     4, 0(21)
    cmpwi   4, 0
    beq     2f
    li      3, 0                    # putc
    sc
    addi    21, 21, 1
    b       1b
2:  li      22, %d                  # some work
    mtctr   22
3:  addi    23, 23, 1
    stw     23, 0x1000(21)          # (the data page)
    bdnz    3b
    addi    20, 20, -1
    cmpwi   20, 0
    bgt     round
%s
    li      3, 1                    # exit
    sc
msg:    .asciz "%s"
]==]

local function kernel_source(quantum)
  local defs = string.format("    .set TCB0, 0x%x\n    .set TCB1, 0x%x\n    .set TICKS, 0x%x\n    .set QUANTUM, %d\n",
    TCB[1], TCB[2], TICKS, quantum)
  return defs .. KERNEL
end

local function images(quantum)
  local k = vlab.asm("ppc", kernel_source(quantum), { org = 0 })
  local t0 = vlab.asm("ppc", string.format(TASK, 8, 400, "", "ping "), { org = TASK_EA })
  local t1 = vlab.asm("ppc", string.format(TASK, 6, 300, "    stw 20, 0x3000(0)           # poke at the kernel", "pong "),
    { org = TASK_EA })
  return k, t0, t1
end

local function boot(g, k, t0, t1)
  lab.boot(g, k, { org = 0, entry = 0x1000, sp = RAM })
  g:write(TASK_PA[1], t0) -- "loaded from disk" into the tasks' physical pages
  g:write(TASK_PA[2], t1)
end

local function run(quantum)
  local k, t0, t1 = images(quantum)
  local m = vlab.machine { isa = "ppc", model = "750", ram = RAM }
  boot(m, k, t0, t1)
  local ns = m:run { max = 5000000 }
  local vm = vlab.vmm { isa = "ppc", model = "750", technique = "trap-and-emulate", ram = RAM }
  local kinds = {}
  vm:on("trap", function(ev)
    local key = ev.kind == "reflected" and string.format("reflected 0x%x", ev.vector) or
        "emulated " .. (ev.insn:match("^(%S+)") or "?")
    kinds[key] = (kinds[key] or 0) + 1
  end)
  boot(vm.guest, k, t0, t1)
  local vs = vm:run { max = 5000000 }
  local st = vm:stats()
  local ok, why = vm:check()
  return { quantum = quantum, native = m:console(), monitored = vm.guest:console(), native_stop = ns.reason,
           stop = vs.reason, native_instructions = m:stats().instructions, instructions = st.guest_instructions,
           traps = st.traps, emulated = st.emulated, reflected = st.reflected, cost = st.cost,
           ticks = m:read_u32(TICKS), vm_ticks = vm.guest:read_u32(TICKS), diffs = vlab.compare(m, vm.guest),
           per_k = st.traps * 1000 / st.guest_instructions, kinds = kinds, check = ok, why = why,
           msr = vm.guest.regs.msr, sdr1 = vm.guest.regs.sdr1 }
end

local r = run(QUANTUM)
print("native:")
print(r.native)
print("under trap-and-emulate:")
print(r.monitored)
print()
lab.print_table({ { "run", "%-16s", "run" }, { "instructions", "%12d", "instructions" }, { "traps", "%6d", "traps" },
                  { "emulated", "%8d", "emulated" }, { "reflected", "%9d", "reflected" },
                  { "traps per 1000", "%14.1f", "per_k" }, { "ticks", "%5d", "ticks" },
                  { "differences", "%-11s", "diff" } },
                { { run = "native", instructions = r.native_instructions, traps = 0, emulated = 0, reflected = 0,
                    per_k = 0, ticks = r.ticks, diff = "" },
                  { run = "trap-and-emulate", instructions = r.instructions, traps = r.traps, emulated = r.emulated,
                    reflected = r.reflected, per_k = r.per_k, ticks = r.vm_ticks,
                    diff = #r.diffs == 0 and "none" or tostring(#r.diffs) } })
print()
print("what reached the monitor:")
local keys = {}
for k in pairs(r.kinds) do keys[#keys + 1] = k end
table.sort(keys, function(a, b) return r.kinds[a] > r.kinds[b] or (r.kinds[a] == r.kinds[b] and a < b) end)
for _, k in ipairs(keys) do print(string.format("  %6d  %s", r.kinds[k], k)) end
print()
print(string.format("resource control after the run: %s", r.check and "intact" or ("BROKEN: " .. tostring(r.why))))
for _, d in ipairs(r.diffs) do print("  difference: " .. d.text) end
r.run = run
-- the whole memory image (kernel, then the tasks at their physical pages),
-- for vlab.equivalence
function r.image(quantum)
  local k, t0, t1 = images(quantum)
  local img = k .. string.rep("\0", TASK_PA[1] - #k) .. t0 .. string.rep("\0", TASK_PA[2] - TASK_PA[1] - #t0) .. t1
  return img
end
return r
