# crt0_x86.S - start-up for freestanding i386 test programs run with `vlab
# exec`: ESP is already at the top of RAM; call main, keep its result in
# EDI, jump to itself.
	.text
	.globl _start
_start:
	call	main
	mov	%eax, %edi
1:	jmp	1b
