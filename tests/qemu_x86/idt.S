# idt.S - interrupts and exceptions through the IDT: #DE #BP #OF #BR #UD,
# INT n against the gate's DPL, beyond the IDT limit, a not-present gate, a
# gate of the wrong type or to the wrong code segment, the frames and error
# codes (the IDT bit), the stack switch from ring 3, IRET back to ring 3,
# and a fault while delivering another: serially or as a double fault
# (80386 PRM chapter 9; SDM vol. 3 6.12-6.15). Not here: a vector beyond
# the IDT limit, which vlab exec stops on as "no handler" (docs/x86.md).
	.include "common.inc"

	.macro R3 lbl
	mov $\lbl, %eax
	jmp to_ring3
	.endm

main:
	mov $0x58, %eax				# a not-present data segment
	mov $0, %ebx
	mov $0xfffff, %ecx
	mov $0xc12, %edx
	call setdesc
	IGATE 0x31, KCODE, iret0, 0xee		# DPL 3 interrupt gate that returns
	IGATE 0x32, KCODE, iret0, 0xef		# DPL 3 trap gate that returns
	IGATE 0x33, KCODE, iret0, 0x6e		# not present
	IGATE 0x34, KDATA, iret0, 0xee		# to a data segment
	IGATE 0x35, UCODE, 0, 0xee		# to ring 3 code
	IGATE 0x36, KCODE, iret0, 0xec		# a call gate in the IDT
	IGATE 0x37, 0x100, iret0, 0xee		# beyond the GDT

	CHECK div0
	xor %edx, %edx
	mov $1, %eax
	xor %ecx, %ecx
	div %ecx
	ENDCHECK
	CHECK idiv-overflow
	mov $0x80000000, %eax
	cltd
	mov $-1, %ecx
	idiv %ecx
	ENDCHECK
	CHECK divb-overflow
	mov $0x1000, %ax
	mov $2, %cl
	div %cl
	ENDCHECK
	CHECK int3-ring3
	R3 1f
1:	int3
	int $0x30
	ENDCHECK
	CHECK int3-long-ring3
	R3 1f
1:	int $3
	int $0x30
	ENDCHECK
	CHECK into-of0
	R3 1f
1:	xor %eax, %eax
	into
	PR " no"
	int $0x30
	ENDCHECK
	CHECK into-of1
	R3 1f
1:	mov $0x7f, %al
	add $1, %al
	into
	int $0x30
	ENDCHECK
	CHECK bound-in
	mov $5, %eax
	bound %eax, bounds
	ENDCHECK
	CHECK bound-below
	mov $1, %eax
	bound %eax, bounds
	ENDCHECK
	CHECK bound-above
	mov $11, %eax
	bound %eax, bounds
	ENDCHECK
	CHECK bound16
	mov $0x20, %ax
	bound %ax, bounds16
	ENDCHECK
	CHECK ud2
	ud2
	ENDCHECK
	CHECK ud-0fff
	.byte 0x0f, 0xff
	ENDCHECK
	CHECK lock-mov
	.byte 0xf0, 0x89, 0xc0		# lock mov %eax, %eax
	ENDCHECK
	CHECK bound-reg
	.byte 0x62, 0xc0		# BOUND with a register operand
	ENDCHECK
	CHECK lds-reg
	.byte 0xc5, 0xc0		# LDS with a register operand
	ENDCHECK
	CHECK int-dpl0-ring3
	R3 1f
1:	int $0x20
	int $0x30
	ENDCHECK
	CHECK int-notpresent
	int $0x33
	ENDCHECK
	CHECK int-to-data
	int $0x34
	ENDCHECK
	CHECK int-to-outer
	int $0x35
	ENDCHECK
	CHECK int-callgate
	int $0x36
	ENDCHECK
	CHECK int-beyond-gdt
	int $0x37
	ENDCHECK
	CHECK int-iret-ring0
	mov %esp, %esi
	int $0x31
	sub %esp, %esi
	H32 %esi
	ENDCHECK
	CHECK int-iret-ring3
	R3 1f
1:	mov $0x8d5, %eax		# OF DF SF ZF AF PF CF
	push %eax
	popf
	int $0x31
	pushf
	pop %eax
	H32 %eax
	mov %esp, %eax
	H32 %eax
	mov %ss, %eax
	H16 %eax
	int $0x30
	ENDCHECK
	CHECK trap-iret-ring3
	R3 1f
1:	int $0x32
	int $0x30
	ENDCHECK

	# a fault while delivering: #UD's gate not present is a #NP for it
	# (benign, then contributory: one after the other)
	CHECK ud-gate-notpresent
	andb $0x7f, idt + 6 * 8 + 5
	ud2
	ENDCHECK
	orb $0x80, idt + 6 * 8 + 5
	# #GP's gate not present: #NP while delivering #GP, a double fault
	CHECK gp-gate-notpresent
	andb $0x7f, idt + 13 * 8 + 5
	int $0x34
	ENDCHECK
	orb $0x80, idt + 13 * 8 + 5
	# #NP's gate not present: #NP while delivering #NP: #DF
	CHECK np-gate-notpresent
	andb $0x7f, idt + 11 * 8 + 5
	mov $0x58, %ax
	mov %ax, %ds
	ENDCHECK
	orb $0x80, idt + 11 * 8 + 5
	jmp done

# iret0: print CS, SS, ESP, the frame, and return
iret0:
	PR " in"
	mov %ss, %eax
	H16 %eax
	mov %esp, %eax
	H32 %eax
	pushf
	pop %eax
	H32 %eax
	H32 (%esp)
	H16 4(%esp)
	H32 8(%esp)
	testl $3, 4(%esp)
	jz 1f
	H32 12(%esp)
	H16 16(%esp)
1:	iret

	.data
bounds:	.long 2, 10
bounds16: .word 0x10, 0x1f
	.text
