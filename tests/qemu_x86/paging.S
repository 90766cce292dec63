# paging.S - two-level paging: #PF with CR2 and its error code (P, W/R,
# U/S) at ring 0 and ring 3, not-present page directory entries, an access
# split across a page boundary, instruction fetch from a supervisor page,
# the accessed and dirty bits of PTE and PDE, a remapping seen after the TLB
# flush of a CR3 reload, and a page fault while delivering a page fault:
# a double fault, with CR2 the second fault's address (80386 PRM chapter 5,
# 9.8.14; SDM vol. 3 4.7, 6.15). CR0.WP and INVLPG (486) are not used.
	.include "common.inc"

	# PTE page, bits: the page table entry of a page (identity mapped)
	.macro PTE page, bits
	mov $\page, %eax
	shr $12, %eax
	movl $(\page + \bits), pt0(,%eax,4)
	.endm
	.macro FLUSH
	mov %cr3, %eax
	mov %eax, %cr3
	.endm
	.macro R3 lbl
	mov $UDATA, %ax
	mov %ax, %ds
	mov %ax, %es
	mov $\lbl, %eax
	jmp to_ring3
	.endm

main:
	# the first 4 MiB identity mapped, user and writable; the rest absent
	mov $0x7, %eax
	xor %ecx, %ecx
1:	mov %eax, pt0(,%ecx,4)
	add $0x1000, %eax
	inc %ecx
	cmp $1024, %ecx
	jne 1b
	movl $(pt0 + 7), pd
	PTE pg_ro, 5
	PTE pg_sup, 3
	PTE pg_np, 6
	PTE pg_a, 7
	mov $pd, %eax
	mov %eax, %cr3
	mov %cr0, %eax
	or $0x80000000, %eax
	mov %eax, %cr0
	ljmp $KCODE, $1f
1:
	CHECK read-ring0
	mov pg_ro, %eax
	mov pg_sup, %eax
	ENDCHECK
	CHECK np-read
	mov pg_np + 0x10, %eax
	ENDCHECK
	CHECK np-write
	movl $1, pg_np + 0x20
	ENDCHECK
	CHECK np-split
	mov pg_np - 2, %eax
	ENDCHECK
	CHECK np-split-write
	movw $1, pg_np - 1
	ENDCHECK
	CHECK ro-write-ring0
	movl $5, pg_ro
	mov pg_ro, %eax
	H32 %eax
	ENDCHECK
	CHECK pde-absent
	mov 0x00c00004, %eax
	ENDCHECK
	CHECK beyond-4m-write
	movb $1, 0x12345678
	ENDCHECK
	CHECK ro-read-ring3
	R3 1f
1:	mov pg_ro, %eax
	H32 %eax
	int $0x30
	ENDCHECK
	CHECK ro-write-ring3
	R3 1f
1:	movl $1, pg_ro + 4
	int $0x30
	ENDCHECK
	CHECK sup-read-ring3
	R3 1f
1:	mov pg_sup + 8, %eax
	int $0x30
	ENDCHECK
	CHECK sup-write-ring3
	R3 1f
1:	movl $1, pg_sup + 12
	int $0x30
	ENDCHECK
	CHECK np-read-ring3
	R3 1f
1:	mov pg_np + 0x30, %eax
	int $0x30
	ENDCHECK
	CHECK sup-fetch-ring3
	R3 pg_sup + 0x40
	ENDCHECK
	CHECK np-fetch-ring0
	call pg_np + 0x50
	ENDCHECK
	CHECK pde-user-clear-ring3
	andl $~4, pd
	FLUSH
	R3 1f
1:	mov pg_a, %eax
	int $0x30
	ENDCHECK
	orl $4, pd
	FLUSH

	# accessed and dirty: cleared, then a read, then a write
	CHECK accessed-dirty
	PTE pg_a, 7
	andl $~0x60, pd
	FLUSH
	mov pg_a, %eax
	mov $pg_a, %eax
	shr $12, %eax
	mov pt0(,%eax,4), %eax
	and $0xfff, %eax
	H16 %eax
	mov pd, %eax
	and $0x60, %eax
	H8 %eax
	movl $1, pg_a
	mov $pg_a, %eax
	shr $12, %eax
	mov pt0(,%eax,4), %eax
	and $0xfff, %eax
	H16 %eax
	ENDCHECK
	CHECK dirty-ring3
	PTE pg_a, 7
	FLUSH
	R3 1f
1:	movl $2, pg_a + 4
	mov $pg_a, %eax
	shr $12, %eax
	mov pt0(,%eax,4), %eax
	and $0xfff, %eax
	H16 %eax
	int $0x30
	ENDCHECK
	CHECK fault-no-dirty
	PTE pg_a, 5
	FLUSH
	R3 1f
1:	movl $2, pg_a + 4
	int $0x30
	ENDCHECK
	mov $pg_a, %eax
	shr $12, %eax
	mov pt0(,%eax,4), %eax
	PR "fault-no-dirty-pte:"
	and $0xfff, %eax
	H16 %eax
	NL

	# a remapping seen after the flush
	CHECK remap
	movl $0x11111111, pg_a
	movl $0x22222222, pg_b
	mov pg_a, %eax
	H32 %eax
	mov $pg_a, %eax
	shr $12, %eax
	movl $(pg_b + 7), pt0(,%eax,4)
	FLUSH
	mov pg_a, %eax
	H32 %eax
	PTE pg_a, 7
	FLUSH
	mov pg_a, %eax
	H32 %eax
	ENDCHECK

	# a #PF whose gate lies in a not-present page: the second #PF while
	# delivering the first is a double fault, CR2 its address
	CHECK pf-in-pf-delivery
	mov $idt, %esi
	mov $(pg_np - 14 * 8), %edi
	mov $(14 * 2), %ecx
	rep movsl
	lidt idt_np
	mov pg_np + 0x800, %eax
	ENDCHECK
	lidt idt_desc
	jmp done

	.data
idt_np:	.word 64 * 8 - 1
	.long pg_np - 14 * 8
	.align 4096
pd:	.fill 1024, 4, 0
pt0:	.fill 1024, 4, 0
pg_ro:	.long 0x0badc0de
	.align 4096
pg_sup:	.long 0x5ce
	.align 4096
pg_before: .fill 4096, 1, 0
pg_np:	.fill 4096, 1, 0
pg_a:	.fill 4096, 1, 0
pg_b:	.fill 4096, 1, 0
	.text
