# real.S - real mode, entered from protected mode and left again: CR0.PE
# cleared by MOV CR0 from 16-bit code, a far JMP to a real-mode CS, segment
# = selector x 16, the interrupt vector table (INT n, a #DE and a #UD pushing
# FLAGS, CS, IP; IRET), a segment limit kept from protected mode (4 GiB:
# "unreal" 32-bit offsets), and back through LGDT, MOV CR0, a far JMP
# (80386 PRM chapter 14, 10.3; SDM vol. 3 9.9, 20.1). The code runs with
# CS = 0xffff, whose base 0xffff0 reaches the kernel's first 64 KiB at
# 1 MiB; the stack and the test data are at 0x7000-0x7fff.
	.include "common.inc"

	.set RBASE, 0xffff0		# CS = DS = 0xffff in real mode: base
	# RBASE, so that label - kbase + 0x10 is a label's offset (an
	# assembly-time constant; kbase, the start of .text, links at 1 MiB)
	.macro RPR text			# print a string in real mode
	.subsection 1			# in .text: an offset from CS's base
.Lr\@:	.asciz "\text"
	.subsection 0
	push %si
	mov $(.Lr\@ - kbase + 0x10), %si
	call rputs
	pop %si
	.endm
	.macro RHEX val			# print " " and a 16-bit value
	push \val
	call rhex
	.endm
	.macro RTRY lbl
	movw $(\lbl - kbase + 0x10), %cs:(rresume - kbase + 0x10)
	.endm

main:
	DESC 0x30, RBASE, 0xffff, 0x9a, 0x0	# 16-bit code at the real-mode CS base
	DESC 0x38, 0, 0xfffff, 0x92, 0x8	# 16-bit data, 4 GiB limit
	# the real-mode IVT entries the tests use (the rest stays the BIOS's)
	movl $((0xffff << 16) | (rint0 - kbase + 0x10)), 0x0 * 4
	movl $((0xffff << 16) | (rint6 - kbase + 0x10)), 0x6 * 4
	movl $((0xffff << 16) | (rint40 - kbase + 0x10)), 0x40 * 4
	lidt ivt_desc
	mov $0x38, %ax
	mov %ax, %ds
	mov %ax, %es
	mov %ax, %fs
	mov %ax, %gs
	mov %ax, %ss
	mov $0x7ff0, %esp
	ljmp $0x30, $(pm16 - kbase + 0x10)

	.code16
pm16:	mov %cr0, %eax
	and $~1, %eax
	mov %eax, %cr0
	ljmp $0xffff, $(rm - kbase + 0x10)
rm:	mov $0xffff, %ax
	mov %ax, %ds
	xor %ax, %ax
	mov %ax, %ss
	mov $0x7ff0, %sp
	RPR "real-cr0:"
	mov %cr0, %eax
	and $0xffef, %ax		# ET masked
	RHEX %ax
	smsw %ax
	and $0xffef, %ax
	RHEX %ax
	RPR "\n"

	RPR "real-segments:"
	mov $0x0700, %ax
	mov %ax, %es
	movw $0x1234, %es:0x0110
	mov $0x0711, %ax
	mov %ax, %es
	mov %es:0x0000, %ax
	RHEX %ax
	mov %cs, %ax
	RHEX %ax
	mov %ss, %ax
	RHEX %ax
	RPR "\n"

	RPR "real-int40:"
	mov %sp, %bx
	RTRY 1f
	stc
	int $0x40
	pushf
	pop %ax
	and $0x0ed5, %ax
	RHEX %ax
	sub %sp, %bx
	RHEX %bx
1:	RPR "\n"

	RPR "real-div0:"
	RTRY 1f
	xor %cx, %cx
	div %cx
1:	RPR "\n"

	RPR "real-ud2:"
	RTRY 1f
	ud2
1:	RPR "\n"

	RPR "real-unreal:"
	xor %ax, %ax			# FS's 4 GiB limit from protected mode
	mov %ax, %fs			# stays: only the base changes
	movl $0x5678abcd, %eax
	addr32 movl %eax, %fs:0x00200000
	addr32 movl %fs:0x00200000, %edx
	RHEX %dx
	shr $16, %edx
	RHEX %dx
	RPR "\n"

	# back to protected mode
	lgdtl %cs:(rgdt - kbase + 0x10)
	mov %cr0, %eax
	or $1, %eax
	mov %eax, %cr0
	ljmpl $KCODE, $pmback

# rputs: print the string at DS:SI
rputs:	push %ax
	push %si
1:	lodsb
	test %al, %al
	jz 2f
	outb %al, $0xe9
	jmp 1b
2:	pop %si
	pop %ax
	ret
# rhex: print " " and the word on the stack (popped)
rhex:	push %bp
	mov %sp, %bp
	push %ax
	push %cx
	push %dx
	mov $' ', %al
	outb %al, $0xe9
	mov 4(%bp), %dx
	mov $4, %cx
1:	rol $4, %dx
	mov %dl, %al
	and $0xf, %al
	add $'0', %al
	cmp $'9', %al
	jbe 2f
	add $('a' - '0' - 10), %al
2:	outb %al, $0xe9
	loop 1b
	pop %dx
	pop %cx
	pop %ax
	pop %bp
	ret $2

# the real-mode handlers: print the vector and the frame (IP, CS, FLAGS);
# INT 0x40 returns by IRET, the exceptions resume at the RTRY label
rint40:	RPR " int40"
	push %bp
	mov %sp, %bp
	RHEX 2(%bp)
	RHEX 4(%bp)
	mov 6(%bp), %ax
	and $0x0ed5, %ax
	RHEX %ax
	pop %bp
	iret
rint0:	RPR " int00"
	jmp rfault
rint6:	RPR " int06"
rfault:	push %bp
	mov %sp, %bp
	RHEX 2(%bp)
	RHEX 4(%bp)
	mov 6(%bp), %ax
	and $0x0ed5, %ax
	RHEX %ax
	pop %bp
	mov $0x7ff0, %sp
	jmp *%cs:(rresume - kbase + 0x10)
rresume: .word 0
rgdt:	.word GDT_N * 8 - 1
	.long gdt

	.code32
pmback:	mov $KDATA, %ax
	mov %ax, %ds
	mov %ax, %es
	mov %ax, %fs
	mov %ax, %gs
	mov %ax, %ss
	mov $kstack_top, %esp
	lidt idt_desc
	PR "protected-again:"
	mov %cr0, %eax
	and $0xffef, %eax
	H32 %eax
	mov %cs, %eax
	H16 %eax
	NL
	jmp done

	.data
ivt_desc: .word 0x3ff
	.long 0
	.text
