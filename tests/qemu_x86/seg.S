# seg.S - descriptors and segment-register loads with their faults: null,
# beyond the GDT limit, not present, the wrong type, DPL/RPL/CPL, the LDT,
# the accessed bit, limits, read-only data and code (80386 PRM 6.3, SDM
# MOV/POP/LDS). QEMU skips the data-segment checks a 386 makes: those lines
# are in tests/x86_qemu_known_differences.txt and in test_x86_exec.c.
	.include "common.inc"

	# LOAD name, selector, segment register: one test line
	.macro LOAD name, sel, sreg
	CHECK \name
	mov $\sel, %ax
	mov %ax, %\sreg
	ENDCHECK
	.endm

main:
	DESC 0x30, 0x00200000, 0x0fff, 0x92, 0x4	# small RW data, not accessed
	DESC 0x38, 0, 0xfffff, 0x90, 0xc		# read-only data
	DESC 0x40, 0, 0xfffff, 0x98, 0xc		# execute-only code
	DESC 0x48, 0, 0xfffff, 0x9a, 0xc		# readable code
	DESC 0x50, 0, 0xfffff, 0xf2, 0xc		# DPL 3 data
	DESC 0x58, 0, 0xfffff, 0x12, 0xc		# not present data
	DESC 0x60, ldt, 15, 0x82, 0x0			# the LDT: 2 entries
	DESC 0x68, 0, 0xfffff, 0xb2, 0xc		# DPL 1 data
	DESC 0x70, 0x00200000, 0x0fff, 0x96, 0x4	# expand-down data
	DESC 0x78, 0, 0xfffff, 0x1a, 0xc		# not present code
	DESC 0x80, 0, 0xfffff, 0x9e, 0xc		# conforming readable code
	DESC 0x88, 0, 0x0fff, 0x9a, 0x4			# small code, limit 0xfff

	LOAD null-ds, 0, ds
	LOAD null-es-rpl3, 3, es
	LOAD null-fs, 0, fs
	LOAD null-ss, 0, ss
	LOAD beyond-gdt-ds, 0x100, ds
	LOAD beyond-gdt-ss, 0x1f8, ss
	LOAD notpresent-ds, 0x58, ds
	LOAD notpresent-ss, 0x58, ss
	LOAD notpresent-code-ds, 0x78, ds
	LOAD execonly-ds, 0x40, ds
	LOAD readcode-ds, 0x48, ds
	LOAD readcode-ss, 0x48, ss
	LOAD conforming-gs, 0x80, gs
	LOAD readonly-ss, 0x38, ss
	LOAD readonly-ds, 0x38, ds
	LOAD dpl3-ss, 0x50, ss
	LOAD dpl3-ds, 0x53, ds
	LOAD dpl1-ds-rpl0, 0x68, ds
	LOAD dpl1-ds-rpl1, 0x69, ds
	LOAD dpl1-ds-rpl3, 0x6b, ds
	LOAD dpl1-ss-rpl1, 0x69, ss
	LOAD ldt-desc-ds, 0x60, ds
	LOAD tss-desc-ds, 0x28, ds
	LOAD no-ldt-yet, 0x04, ds

	CHECK lldt
	mov $0x60, %ax
	lldt %ax
	sldt %eax
	H16 %eax
	ENDCHECK
	LOAD ldt0-ds, 0x04, ds
	LOAD ldt1-ds-notpresent, 0x0c, ds
	LOAD beyond-ldt-ds, 0x14, ds
	LOAD ldt-rpl3-ss, 0x07, ss

	CHECK accessed
	movzbl gdt + 0x30 + 5, %eax
	H8 %eax
	mov $0x30, %ax
	mov %ax, %fs
	movzbl gdt + 0x30 + 5, %eax
	H8 %eax
	ENDCHECK

	CHECK pop-ds-bad
	mov %esp, %ebx
	pushl $0x58
	pop %ds
	ENDCHECK
	CHECK lds
	lds farptr, %ebx
	mov %ds, %eax
	H16 %eax
	H32 %ebx
	ENDCHECK
	CHECK lss-null
	lss farnull, %esp
	ENDCHECK
	CHECK lfs-notpresent
	lfs farnp, %ebx
	ENDCHECK

	# limits: the last dword inside, and one that crosses the limit
	CHECK limit-inside
	mov $0x30, %ax
	mov %ax, %es
	movl $0x11223344, %es:0xffc
	mov %es:0xffc, %eax
	H32 %eax
	ENDCHECK
	CHECK limit-crossing
	mov $0x30, %ax
	mov %ax, %es
	movl %es:0xffd, %eax
	ENDCHECK
	CHECK readonly-write
	mov $0x38, %ax
	mov %ax, %es
	mov %es:scratch, %eax
	movl $1, %es:scratch
	ENDCHECK
	CHECK code-write
	movl $1, %cs:scratch
	ENDCHECK
	CHECK execonly-read
	mov $0x40, %ax
	mov %ax, %es
	mov %es:scratch, %eax
	ENDCHECK
	CHECK null-use
	xor %eax, %eax
	mov %ax, %es
	mov %es:scratch, %eax
	ENDCHECK

	# far transfers to code descriptors
	CHECK ljmp-data
	ljmp $0x30, $0
	ENDCHECK
	CHECK ljmp-notpresent
	ljmp $0x78, $0
	ENDCHECK
	CHECK ljmp-beyond-limit
	ljmp $0x88, $0x2000
	ENDCHECK
	CHECK ljmp-conforming
	ljmp $0x80, $1f
1:	mov %cs, %eax
	H16 %eax
	ljmp $KCODE, $1f
1:	ENDCHECK
	CHECK ljmp-dpl3-code
	ljmp $UCODE, $1f
1:	ENDCHECK
	CHECK lcall-null
	lcall $0, $0
	ENDCHECK
	jmp done

	.data
	.align 8
ldt:	.quad 0x00cf92000000ffff	# 0x04 flat data
	.quad 0x00cf12000000ffff	# 0x0c not present
farptr:	.long 0x12345678
	.word 0x48
farnull: .long 0
	.word 0
farnp:	.long 0
	.word 0x58
scratch: .long 0
	.text
