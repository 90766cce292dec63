# gates.S - call gates: to the same level, to an inner ring with the stack
# switch from the TSS and the copy of the gate's parameters, far RET back to
# the outer ring (the data segments it may not use nulled, a conforming one
# kept), and the faults on the way: gate DPL and RPL, not present, a data
# target, JMP to an inner ring, CALL to an outer one, far RET inwards, a bad
# inner stack (#TS) (80386 PRM 6.3.4, 7.6; SDM CALL, RET).
	.include "common.inc"

	# GATE sel, target selector, offset, access, parameter count
	.macro GATE sel, tsel, off, access, count
	mov $(gdt + \sel), %eax
	mov $\off, %ebx
	mov $\tsel, %ecx
	mov $(\access | (\count << 8)), %edx
	call setgate
	.endm

main:
	DESC 0x58, 0, 0xfffff, 0xba, 0xc	# ring 1 code
	DESC 0x60, 0, 0xfffff, 0xb2, 0xc	# ring 1 data (its stack)
	DESC 0x80, 0, 0xfffff, 0x9e, 0xc	# ring 0 conforming readable code
	GATE 0x30, KCODE, inner0, 0xec, 2	# DPL 3 -> ring 0, 2 parameters
	GATE 0x38, KCODE, same0, 0x8c, 0	# DPL 0 -> ring 0
	GATE 0x40, UCODE, 0, 0x8c, 0		# DPL 0 -> ring 3 code
	GATE 0x48, KCODE, same0, 0x6c, 0	# DPL 3, not present
	GATE 0x50, KDATA, 0, 0xec, 0		# DPL 3 -> a data segment
	GATE 0x68, 0x59, inner1, 0xec, 3	# DPL 3 -> ring 1, 3 parameters
	GATE 0x78, KCODE, same0, 0xac, 0	# DPL 1 -> ring 0
	GATE 0x70, 0x80, conf0, 0xec, 0		# DPL 3 -> conforming ring 0 code
	GATE 0x88, KCODE, jmp0, 0x8c, 0		# DPL 0 -> ring 0, for JMP
	movl $stack1_top, tss+12		# ESP1
	movl $0x61, tss+16			# SS1

	CHECK same-level
	mov %esp, %esi
	lcall $0x38, $0x1234
	sub %esp, %esi
	H32 %esi
	ENDCHECK

	CHECK inner-ring0
	mov $1f, %eax
	jmp to_ring3
1:	pushl $0x11111111
	pushl $0x22222222
	lcall $0x33, $0
	PR " back"
	call segs
	int $0x30
	ENDCHECK

	CHECK inner-ring1
	mov $1f, %eax
	jmp to_ring3
1:	pushl $0xaaaaaaaa
	pushl $0xbbbbbbbb
	pushl $0xcccccccc
	lcall $0x6b, $0
	PR " back"
	call segs
	int $0x30
	ENDCHECK

	CHECK conforming-from3
	mov $1f, %eax
	jmp to_ring3
1:	lcall $0x73, $0
	PR " back"
	int $0x30
	ENDCHECK

	CHECK gate-dpl0-from3
	mov $1f, %eax
	jmp to_ring3
1:	lcall $0x3b, $0
	int $0x30
	ENDCHECK

	CHECK gate-dpl1-rpl0-from3
	mov $1f, %eax
	jmp to_ring3
1:	lcall $0x78, $0
	int $0x30
	ENDCHECK

	CHECK gate-rpl3-dpl0
	lcall $0x3b, $0
	ENDCHECK

	CHECK gate-notpresent
	lcall $0x48, $0
	ENDCHECK

	CHECK gate-to-data
	lcall $0x50, $0
	ENDCHECK

	CHECK gate-to-outer
	lcall $0x40, $0
	ENDCHECK

	CHECK jmp-gate-inner
	mov $1f, %eax
	jmp to_ring3
1:	ljmp $0x33, $0
	int $0x30
	ENDCHECK

	CHECK jmp-gate-same
	ljmp $0x88, $0
	ENDCHECK

	CHECK lret-inward
	mov $1f, %eax
	jmp to_ring3
1:	pushl $KCODE
	pushl $2f
	lret
2:	int $0x30
	ENDCHECK

	CHECK lret-rpl-mismatch
	pushl $UDATA
	pushl $ustack_top
	pushl $0x19			# ring 3's code with RPL 1
	pushl $2f
	lret
2:	ENDCHECK

	CHECK bad-ss1
	movl $0x10, tss+16		# a ring 0 stack for ring 1
	mov $1f, %eax
	jmp to_ring3
1:	lcall $0x6b, $0
	int $0x30
	ENDCHECK

	CHECK null-ss1
	movl $0, tss+16
	mov $1f, %eax
	jmp to_ring3
1:	lcall $0x6b, $0
	int $0x30
	ENDCHECK

	CHECK notpresent-ss1
	movl $0x61, tss+16
	movb $0x32, gdt + 0x60 + 5	# the ring 1 stack, not present
	mov $1f, %eax
	jmp to_ring3
1:	lcall $0x6b, $0
	int $0x30
	ENDCHECK
	jmp done

# segs: print FS GS DS ES SS ESP (ESP as the caller sees it)
segs:
	mov %fs, %eax
	H16 %eax
	mov %gs, %eax
	H16 %eax
	mov %ds, %eax
	H16 %eax
	mov %es, %eax
	H16 %eax
	mov %ss, %eax
	H16 %eax
	lea 4(%esp), %eax
	H32 %eax
	ret

# the gates' targets: print CS SS ESP and the stack the call built
same0:
	PR " in"
	mov %cs, %eax
	H16 %eax
	H32 (%esp)
	H16 4(%esp)
	lret

inner0:
	PR " in"
	mov %cs, %eax
	H16 %eax
	mov %ss, %eax
	H16 %eax
	mov %esp, %eax
	H32 %eax
	H32 (%esp)			# return EIP
	H16 4(%esp)			# return CS
	H32 8(%esp)			# the parameters
	H32 12(%esp)
	H32 16(%esp)			# the caller's ESP and SS
	H16 20(%esp)
	mov $KDATA, %ax			# nulled by the return to ring 3
	mov %ax, %fs
	mov $0x80, %ax			# conforming code: kept
	mov %ax, %gs
	lret $8

inner1:
	PR " in"
	mov %cs, %eax
	H16 %eax
	mov %ss, %eax
	H16 %eax
	mov %esp, %eax
	H32 %eax
	H32 (%esp)
	H16 4(%esp)
	H32 8(%esp)
	H32 12(%esp)
	H32 16(%esp)
	H32 20(%esp)
	H16 24(%esp)
	mov $0x61, %ax			# ring 1 data: nulled on the way to ring 3
	mov %ax, %fs
	lret $12

jmp0:
	PR " in"
	mov %cs, %eax
	H16 %eax
	int $0x30			# back to the test's end

conf0:
	PR " in"
	mov %cs, %eax			# conforming: the CPL stays 3
	H16 %eax
	mov %ss, %eax
	H16 %eax
	lret

	.data
	.fill 1024, 1, 0
stack1_top:
	.text
