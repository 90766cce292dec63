# crt0_user_ppc.S - start-up for the user-mode variants of the PowerPC test
# programs (the user-heavy benchmark): a minimal guest kernel that enters
# problem state (MSR[PR] = 1, translation off as `vlab exec` leaves it)
# through rfi; user code, from the next page on, calls main on the stack r1
# already points to; the result stays in r31 and user code branches to
# itself.
	.text
	.globl _start
_start:
	mfmsr	3
	ori	3,3,0x4000
	mtsrr1	3
	lis	3,user@ha
	addi	3,3,user@l
	mtsrr0	3
	rfi
# user code from the next page on: the kernel's page holds nothing the
# program writes (a monitor watching the kernel's code sees no user store)
	.p2align 12
user:
	stwu	1,-16(1)
	bl	main
	mr	31,3
1:	b	1b
