# sysinsn.S - what ring 3 may ask without a trap: LAR, LSL, VERR and VERW on
# every kind of selector (null, beyond the GDT, system descriptors and
# gates, conforming, execute-only, read-only, not present, page-granular
# limits, the LDT) at CPL 0, 1, 2 and 3 (1 and 2 through call gates), SGDT, SIDT, SLDT, STR and SMSW at CPL 3, and
# ARPL (80386 PRM 6.3.1.3, 10; SDM LAR, LSL, VERR/VERW). LAR's bits 19-16
# are undefined (the SDM masks with 00FxFF00H): printed masked; SMSW's ET
# (fixed on the 486, free on the 386) is masked too.
	.include "common.inc"


main:
	DESC 0x30, ldt, 15, 0x82, 0x0			# an LDT, 2 entries
	DESC 0x38, 0x00100000, 0x0008, 0xec, 0x0	# a call gate (its bytes)
	DESC 0x40, 0x00100000, 0x0008, 0x8e, 0x0	# an interrupt gate
	DESC 0x48, 0, 0xfffff, 0x12, 0xc		# not present data
	DESC 0x50, 0, 0xfffff, 0x9e, 0xc		# conforming readable code
	DESC 0x58, 0, 0xfffff, 0x98, 0xc		# execute-only code
	DESC 0x60, 0, 0xfffff, 0x90, 0xc		# read-only data
	DESC 0x68, 0, 0x00012, 0xf2, 0x8		# DPL 3, page granular, 16-bit
	DESC 0x70, 0, 0x01234, 0xb2, 0x4		# DPL 1 data, byte granular
	DESC 0x78, 0, 0xfffff, 0x00, 0x0		# type 0 (reserved)
	DESC 0x80, 0, 0x00fff, 0xe1, 0x4		# available 16-bit TSS, DPL 3
	DESC 0x88, 0, 0xfffff, 0xfe, 0xc		# DPL 3 conforming code
	DESC 0x90, 0, 0xfffff, 0xba, 0xc		# ring 1 code
	DESC 0x98, 0, 0xfffff, 0xb2, 0xc		# ring 1 stack
	DESC 0xa0, 0, 0xfffff, 0xda, 0xc		# ring 2 code
	DESC 0xa8, 0, 0xfffff, 0xd2, 0xc		# ring 2 stack
	mov $(gdt + 0xb0), %eax				# call gates from ring 3
	mov $ring12, %ebx				# to ring 1 and ring 2
	mov $0x91, %ecx
	mov $0xec, %edx
	call setgate
	mov $(gdt + 0xb8), %eax
	mov $0xa2, %ecx
	call setgate
	movl $(kstack_top - 0x400), tss + 12		# ESP1, SS1
	movl $0x99, tss + 16
	movl $(kstack_top - 0x800), tss + 20		# ESP2, SS2
	movl $0xaa, tss + 24
	mov $0x30, %ax
	lldt %ax

	call probe_all
	mov $UDATA, %ax
	mov %ax, %ds
	mov %ax, %es
	mov $1f, %eax
	TRY 2f
	jmp to_ring3
1:	call probe_all
	lcall $0xb3, $0			# the same from ring 1 and ring 2
	lcall $0xbb, $0
	PR "sgdt:"
	sgdt buf
	H16 buf
	H32 buf + 2
	NL
	PR "sidt:"
	sidt buf
	H16 buf
	H32 buf + 2
	NL
	PR "sldt-str:"
	sldt %eax
	H16 %eax
	str %eax
	H16 %eax
	movl $0xffffffff, %eax
	str %ax
	H32 %eax
	NL
	PR "smsw:"
	smsw %eax
	and $0xffef, %eax
	H16 %eax
	movw $0xffff, buf
	smsw buf
	movzwl buf, %eax
	and $0xffef, %eax
	H16 %eax
	NL
	PR "arpl:"
	mov $0x0010, %ax
	mov $0x0003, %bx
	arpl %bx, %ax
	ZF
	H16 %eax
	mov $0x0013, %ax
	arpl %bx, %ax
	ZF
	H16 %eax
	NL
	int $0x30
2:	jmp done

# ring12: reached from ring 3 through a call gate to ring 1 or 2
ring12:
	call probe_all
	lret

# probe_all: one line per selector: its LAR (ZF, rights), LSL (ZF, limit),
# VERR and VERW (ZF), at the current CPL
probe_all:
	mov $sels, %esi
1:	lodsl
	cmp $-1, %eax
	je 2f
	mov %eax, %edx
	PR "sel"
	H16 %edx
	mov %cs, %eax
	and $3, %eax
	PR " cpl"
	HEX 1, %eax
	PR " lar"
	mov $0xdeadbeef, %eax
	lar %dx, %eax
	ZF
	jnz 3f
	and $0x00f0ff00, %eax
3:	H32 %eax
	PR " lsl"
	mov $0xdeadbeef, %eax
	lsl %dx, %eax
	ZF
	H32 %eax
	PR " verr"
	verr %dx
	ZF
	PR " verw"
	verw %dx
	ZF
	NL
	jmp 1b
2:	ret

	.data
sels:	.long 0, 3, 0x08, 0x0b, 0x10, 0x13, 0x1b, 0x23, 0x28, 0x30, 0x38, 0x40
	.long 0x48, 0x50, 0x53, 0x58, 0x60, 0x6b, 0x70, 0x71, 0x73, 0x78, 0x80
	.long 0x8b, 0x91, 0x99, 0xa2, 0xaa, 0xb0, 0xb3, 0xf8, 0x100
	.long 0x104, 0x0c, 0x0f, 0x14, -1
ldt:	.quad 0
	.quad 0x00cfd2000000ffff	# 0x0c: DPL 2 data
buf:	.long 0, 0
	.text
