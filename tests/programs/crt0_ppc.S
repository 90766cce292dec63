# crt0_ppc.S - start-up for freestanding PowerPC test programs run with
# `vlab exec`: r1 is already at the top of RAM; open a frame (the ABI's
# back-chain word), call main, keep its result in r31, branch to itself.
	.text
	.globl _start
_start:
	stwu	1,-16(1)
	bl	main
	mr	31,3
1:	b	1b
