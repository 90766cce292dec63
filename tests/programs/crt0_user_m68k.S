| crt0_user_m68k.S - start-up for the user-mode variants of the 68000 test
| programs (the user-heavy benchmark): a minimal guest kernel that gives
| user mode a stack 64 KiB below the supervisor's (which `vlab exec` put at
| the top of RAM) and drops to user mode (S = 0); user code, from the next
| page on, clears the BSS (as a C runtime's start-up does) and calls main;
| main's result stays in d0 and user code branches to itself.
	.text
	.globl _start
_start:
	movel	%sp,%a0
	subal	#0x10000,%a0
	movel	%a0,%usp
	andiw	#0xdfff,%sr
	jmp	user
| user code from the next page on: the kernel's page holds nothing the
| program writes (a monitor watching the kernel's code sees no user store)
	.p2align 12
user:
	lea	__bss_start,%a0
	lea	_end,%a1
1:	cmpl	%a1,%a0
	bcc	2f
	clrb	(%a0)+
	bra	1b
2:	jsr	main
	bra	.
