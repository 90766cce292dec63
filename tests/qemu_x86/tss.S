# tss.S - the inner stack an interrupt or exception from ring 3 takes from
# the TSS (SS0:ESP0), and its faults: a null, wrongly privileged, read-only
# or not-present SS0 (#TS, #SS with the selector, EXT for an exception), for
# INT n and for a fault; and a handler in conforming code, which runs at
# CPL 3 on the interrupted stack (80386 PRM 9.6.1; SDM INT n, 6.12.1).
# #TS, #SS and #DF are delivered to conforming code too (no stack switch, so no
# second fault): that handler prints, mends SS0 and goes back by INT 0x30.
	.include "common.inc"

	# SS0 name, selector, instruction: ring 3 runs the instruction with
	# the TSS's SS0 = selector
	.macro SS0 name, sel, insn
	CHECK \name
	movl $\sel, tss + 8
	mov $1f, %eax
	jmp to_ring3
1:	\insn
	int $0x30
	ENDCHECK
	movl $KDATA, tss + 8
	.endm

main:
	DESC 0x30, 0, 0xfffff, 0x9e, 0xc	# ring 0 conforming code
	DESC 0x38, 0, 0xfffff, 0x90, 0xc	# ring 0 read-only data
	DESC 0x40, 0, 0xfffff, 0x12, 0xc	# ring 0 data, not present
	DESC 0x48, 0, 0xfffff, 0xb2, 0xc	# ring 1 data
	IGATE 8, 0x30, conf_df, 0x8e
	IGATE 10, 0x30, conf_ts, 0x8e
	IGATE 12, 0x30, conf_ss, 0x8e
	IGATE 0x31, 0x30, conf_int, 0xee	# INT 0x31: conforming, no switch

	SS0 int-ss0-ok, KDATA, "int $3"
	SS0 int-ss0-null, 0, "int $3"
	SS0 int-ss0-dpl3, UDATA, "int $3"
	SS0 int-ss0-rpl3, 0x13, "int $3"
	SS0 int-ss0-readonly, 0x38, "int $3"
	SS0 int-ss0-notpresent, 0x40, "int $3"
	SS0 int-ss0-ring1, 0x48, "int $3"
	SS0 int-ss0-code, KCODE, "int $3"
	SS0 int-ss0-beyond, 0x1f8, "int $3"
	SS0 gp-ss0-null, 0, "cli"
	SS0 gp-ss0-dpl3, UDATA, "cli"
	SS0 gp-ss0-notpresent, 0x40, "cli"
	SS0 conforming-int, 0, "int $0x31"
	jmp done

# conf_fault: #TS or #SS (or #DF) from ring 3, taken at CPL 3 (conforming code) on
# the user stack: [esp] error code, EIP, CS, EFLAGS (no SS:ESP: no switch)
conf_df:
	PR " #08 cpl"			# (a double fault's CS:EIP are undefined)
	mov %cs, %eax
	and $3, %eax
	HEX 1, %eax
	PR " err"
	H16 (%esp)
	movl $KDATA, tss + 8
	int $0x30
conf_ts:
	PR " #0a"
	jmp conf_fault
conf_ss:
	PR " #0c"
conf_fault:
	PR " cpl"
	mov %cs, %eax
	and $3, %eax
	HEX 1, %eax
	PR " err"
	H16 (%esp)
	PR " eip"
	H32 4(%esp)
	PR " cs"
	H16 8(%esp)
	PR " esp"
	mov %esp, %eax
	H32 %eax
	movl $KDATA, tss + 8
	int $0x30

conf_int:
	PR " in cpl"
	mov %cs, %eax
	and $3, %eax
	HEX 1, %eax
	mov %cs, %eax
	H16 %eax
	mov %esp, %eax
	H32 %eax
	H32 (%esp)
	H16 4(%esp)
	iret
