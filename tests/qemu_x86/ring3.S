# ring3.S - ring transitions by IRET and far RET: to ring 3 with the data
# segments it may not use nulled (a conforming code segment kept), the
# EFLAGS an IRET may change at CPL 3 (IOPL only at CPL 0, IF only at
# CPL <= IOPL), the faults of a return (inwards, RPL/DPL mismatches, not
# present), and the instructions ring 3 may not run: CLI/STI at CPL > IOPL,
# HLT, the system-table loads, MOV CRn/DRn, LMSW, CLTS (80386 PRM 6.3.4,
# 7.3; SDM IRET, RET, POPF). IF stays 0 throughout.
	.include "common.inc"

	# R3 name, instruction...: the instruction at ring 3 (IOPL 0)
	.macro R3 name, insn:vararg
	CHECK \name
	mov $UDATA, %ax
	mov %ax, %ds
	mov %ax, %es
	IRET3 0x2
1:	\insn
	int $0x30
	ENDCHECK
	.endm

main:
	DESC 0x30, 0, 0xfffff, 0x9e, 0xc	# ring 0 conforming readable code
	DESC 0x38, 0, 0xfffff, 0x72, 0xc	# ring 3 data, not present
	DESC 0x40, 0, 0xfffff, 0x7a, 0xc	# ring 3 code, not present
	DESC 0x50, 0, 0xfffff, 0xb2, 0xc	# ring 1 data

	CHECK iret-null-segs
	mov $KDATA, %ax
	mov %ax, %ds
	mov $UDATA, %ax
	mov %ax, %es
	mov $0x30, %ax
	mov %ax, %fs
	mov $0x51, %ax			# ring 1 data, RPL 1
	mov %ax, %gs
	IRET3 0x2
1:	call segs
	int $0x30
	ENDCHECK

	CHECK lret-null-segs
	mov $KDATA, %ax
	mov %ax, %ds
	mov %ax, %es
	mov $0x30, %ax
	mov %ax, %gs
	mov $UDATA, %ax
	mov %ax, %fs
	pushl $UDATA
	pushl $ustack_top - 16
	pushl $UCODE
	pushl $1f
	lret
1:	call segs
	int $0x30
	ENDCHECK

	CHECK iret-flags-ring3
	IRET3 0x3cd7			# IOPL 3, NT clear, the arithmetic flags
1:	pushf
	pop %eax
	H32 %eax
	pushl $0x02			# IOPL 0 from ring 3: kept at 3
	popf
	pushf
	pop %eax
	H32 %eax
	int $0x30
	ENDCHECK

	CHECK popf-if-ring3
	IRET3 0x2
1:	pushl $0x3202			# IOPL 3 and IF from CPL 3, IOPL 0: ignored
	popf
	pushf
	pop %eax
	H32 %eax
	int $0x30
	ENDCHECK

	CHECK iret-iopl-ring3
	IRET3 0x2
1:	pushl $0x3202			# IRET at CPL 3 to CPL 3: IOPL and IF kept
	pushl $UCODE
	pushl $2f
	iret
2:	pushf
	pop %eax
	H32 %eax
	int $0x30
	ENDCHECK

	CHECK cli-iopl3
	IRET3 0x3002
1:	cli
	pushf
	pop %eax
	H32 %eax
	int $0x30
	ENDCHECK

	R3 cli-iopl0, cli
	R3 sti-iopl0, sti
	R3 hlt, hlt
	R3 lgdt, lgdt gdt_desc
	R3 lidt, lidt idt_desc
	R3 lldt, lldt %ax
	R3 ltr, ltr %ax
	R3 lmsw, lmsw %ax
	R3 clts, clts
	R3 mov-from-cr0, mov %cr0, %eax
	R3 mov-to-cr3, mov %eax, %cr3
	R3 mov-from-cr2, mov %cr2, %eax
	R3 mov-from-dr7, mov %dr7, %eax
	R3 mov-to-dr0, mov %eax, %dr0
	CHECK iret-inward
	mov $UDATA, %ax
	mov %ax, %ds
	mov %ax, %es
	IRET3 0x2
1:	pushl $2
	pushl $KCODE
	pushl $2f
	iret
2:	int $0x30
	ENDCHECK
	CHECK iret-cs-rpl0-code3
	mov $UDATA, %ax
	mov %ax, %ds
	mov %ax, %es
	IRET3 0x2
1:	pushl $2
	pushl $0x18
	pushl $2f
	iret
2:	int $0x30
	ENDCHECK
	CHECK lret-inward
	mov $UDATA, %ax
	mov %ax, %ds
	mov %ax, %es
	IRET3 0x2
1:	pushl $KCODE
	pushl $2f
	lret
2:	int $0x30
	ENDCHECK

	CHECK iret-code-dpl0-rpl3
	pushl $UDATA
	pushl $ustack_top
	pushl $2
	pushl $0x0b			# ring 0 code with RPL 3
	pushl $1f
	iret
1:	ENDCHECK
	CHECK iret-ss-kernel
	pushl $KDATA			# ring 0 stack for ring 3
	pushl $ustack_top
	pushl $2
	pushl $UCODE
	pushl $1f
	iret
1:	ENDCHECK
	CHECK iret-ss-rpl-mismatch
	pushl $0x20			# ring 3 data with RPL 0
	pushl $ustack_top
	pushl $2
	pushl $UCODE
	pushl $1f
	iret
1:	ENDCHECK
	CHECK iret-ss-notpresent
	pushl $0x3b
	pushl $ustack_top
	pushl $2
	pushl $UCODE
	pushl $1f
	iret
1:	ENDCHECK
	CHECK iret-cs-notpresent
	pushl $UDATA
	pushl $ustack_top
	pushl $2
	pushl $0x43
	pushl $1f
	iret
1:	ENDCHECK
	CHECK iret-null-ss
	pushl $0
	pushl $ustack_top
	pushl $2
	pushl $UCODE
	pushl $1f
	iret
1:	ENDCHECK
	jmp done

# segs: print DS ES FS GS SS CS ESP (ESP as the caller sees it)
segs:
	mov %ds, %eax
	H16 %eax
	mov %es, %eax
	H16 %eax
	mov %fs, %eax
	H16 %eax
	mov %gs, %eax
	H16 %eax
	mov %ss, %eax
	H16 %eax
	mov %cs, %eax
	H16 %eax
	lea 4(%esp), %eax
	H32 %eax
	ret

