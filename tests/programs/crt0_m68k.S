| crt0_m68k.S - start-up for freestanding 68000 test programs run with
| `vlab exec`: the stack pointer is already at the top of RAM; call main,
| leave its result in d0 and stop with a branch to itself.
	.text
	.globl _start
_start:
	lea	__bss_start,%a0
	lea	_end,%a1
1:	cmpl	%a1,%a0
	bcc	2f
	clrb	(%a0)+
	bra	1b
2:	jsr	main
	bra	.
