# sysinsn.S - what ring 3 may ask without a trap: LAR, LSL, VERR and VERW on
# every kind of selector (null, beyond the GDT, system descriptors and
# gates, conforming, execute-only, read-only, not present, page-granular
# limits) at CPL 0 and CPL 3, SGDT, SIDT, SLDT, STR and SMSW at CPL 3, and
# ARPL (80386 PRM 6.3.1.3, 10; SDM LAR, LSL, VERR/VERW). LAR's bits 19-16
# are undefined (the SDM masks with 00FxFF00H): printed masked; SMSW's ET
# (fixed on the 486, free on the 386) is masked too.
	.include "common.inc"


main:
	DESC 0x30, ldt, 7, 0x82, 0x0			# an LDT
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

	call probe_all
	mov $UDATA, %ax
	mov %ax, %ds
	mov %ax, %es
	mov $1f, %eax
	TRY 2f
	jmp to_ring3
1:	call probe_all
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
	.long 0x8b, 0xf8, 0x100, 0x104, -1
ldt:	.quad 0
buf:	.long 0, 0
	.text
