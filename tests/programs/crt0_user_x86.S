# crt0_user_x86.S - start-up for the user-mode variants of the i386 test
# programs (the user-heavy benchmark): a minimal guest kernel that loads a
# flat GDT (kernel code and data at DPL 0, user code and data at DPL 3),
# reloads the segment registers and enters CPL 3 with IRET, on a stack
# 64 KiB below the kernel's (which `vlab exec` put at the top of RAM), and
# calls main there (user code from the next page on); the result stays in EDI and user code jumps to itself.
	.text
	.globl _start
_start:
	lgdt	gdtr
	ljmp	$0x08, $1f
1:	mov	$0x10, %ax
	mov	%ax, %ds
	mov	%ax, %es
	mov	%ax, %ss
	mov	%esp, %eax
	sub	$0x10000, %eax
	push	$0x23		# user SS
	push	%eax		# user ESP
	pushf
	push	$0x1b		# user CS
	push	$user
	iret
# user code from the next page on: the kernel's page holds nothing the
# program writes (a monitor watching the kernel's code sees no user store)
	.p2align 12
user:
	mov	$0x23, %ax
	mov	%ax, %ds
	mov	%ax, %es
	mov	%ax, %fs
	mov	%ax, %gs
	call	main
	mov	%eax, %edi
2:	jmp	2b
	.section .rodata
	.p2align 3
gdt:
	.quad	0
	.quad	0x00cf9a000000ffff	# 0x08 kernel code
	.quad	0x00cf92000000ffff	# 0x10 kernel data
	.quad	0x00cffa000000ffff	# 0x18 user code
	.quad	0x00cff2000000ffff	# 0x20 user data
gdtr:
	.word	gdtr - gdt - 1
	.long	gdt
