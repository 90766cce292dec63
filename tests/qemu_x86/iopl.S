# iopl.S - I/O protection: IN/OUT/INS/OUTS at CPL > IOPL go through the TSS
# I/O permission bitmap (every bit of the access clear, both bytes the check
# reads within the TSS limit), at CPL <= IOPL they do not; a bitmap base
# beyond the limit denies every port (80386 PRM 8.3; SDM vol. 1 19.5).
# The console port 0xE9 is allowed by common.inc's bitmap; the ports used
# here (0x80, 0x310-0x31f, 0x180-0x18f) have no device in QEMU's PC and are
# written, or read without printing what they give.
	.include "common.inc"

	# R3 flags: IRET to ring 3 at label 1 with these EFLAGS (IOPL)
	.macro R3 flags
	mov $UDATA, %ax
	mov %ax, %ds
	mov %ax, %es
	IRET3 \flags
	.endm
	# IO name, flags, instructions: one line, the instructions at ring 3
	.macro IO name, flags, insn, insn2
	CHECK \name
	R3 \flags
1:	\insn
	\insn2
	PR " done"
	int $0x30
	ENDCHECK
	.endm

main:
	# ports 0x310 and 0x311 allowed, 0x312 denied, 0x318-0x31f allowed
	andb $~0x03, iomap + 0x310 / 8
	movb $0, iomap + 0x318 / 8
	IO out-e9, 2, "mov $'x', %al", "outb %al, $0xe9"
	IO out-80-denied, 2, "outb %al, $0x80"
	IO out-310, 2, "mov $0x310, %dx", "outb %al, %dx"
	IO outw-310, 2, "mov $0x310, %dx", "outw %ax, %dx"
	IO outw-311, 2, "mov $0x311, %dx", "outw %ax, %dx"
	IO outl-310, 2, "mov $0x310, %dx", "outl %eax, %dx"
	IO outl-318, 2, "mov $0x318, %dx", "outl %eax, %dx"
	IO outl-31c, 2, "mov $0x31c, %dx", "outl %eax, %dx"
	IO outl-31e, 2, "mov $0x31e, %dx", "outl %eax, %dx"
	IO inb-318, 2, "mov $0x318, %dx", "inb %dx, %al"
	IO inb-312, 2, "mov $0x312, %dx", "inb %dx, %al"
	IO inl-imm-80, 2, "inl $0x80, %eax"
	IO out-80-iopl3, 0x3002, "outb %al, $0x80"
	IO inb-312-iopl3, 0x3002, "mov $0x312, %dx", "inb %dx, %al"
	IO out-80-iopl2, 0x2002, "outb %al, $0x80"
	IO outsb-e9, 2, "mov $0xe9, %dx", "mov $str, %esi; mov $3, %ecx; rep outsb"
	IO outsb-80, 2, "mov $0x80, %dx", "mov $str, %esi; outsb"
	IO insb-312, 2, "mov $0x312, %dx", "mov $buf, %edi; insb"
	IO insb-318, 2, "mov $0x318, %dx", "mov $buf, %edi; insb"
	IO outsw-e8, 2, "mov $0xe8, %dx", "mov $str, %esi; outsw"

	# the bitmap base beyond the TSS limit: no port allowed at CPL 3
	movw $0x1000, tss + 102
	IO base-beyond-limit, 2, "mov $'y', %al", "outb %al, $0xe9"
	movw $104, tss + 102

	# a TSS limit that cuts the bitmap: the check reads two bytes, both
	# within the limit, so the last byte's ports are denied too
	movb $0, iomap + 0x180 / 8
	movb $0, iomap + 0x188 / 8
	mov $TSSSEL, %eax
	mov $tss, %ebx
	mov $(104 + 0x188 / 8), %ecx	# the byte of 0x188-0x18f is the last
	mov $0x0089, %edx
	call setdesc
	mov $TSSSEL, %ax
	ltr %ax
	IO cut-180, 2, "mov $0x180, %dx", "outb %al, %dx"
	IO cut-188, 2, "mov $0x188, %dx", "outb %al, %dx"
	IO cut-e9, 2, "mov $'z', %al", "outb %al, $0xe9"
	jmp done

	.data
str:	.ascii "abc"
buf:	.long 0
	.text
