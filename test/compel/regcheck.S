/* SPDX-License-Identifier: GPL-2.0 */
/*
 * regcheck_loop(iterations): load every general register but rsp from
 * regcheck_gpr[], and ymm0-15 (xmm0-15 without AVX) from regcheck_vec,
 * then compare the general registers with regcheck_gpr[] that many
 * times; store the vector registers into regcheck_vec_out at the end.
 * Returns 0, or 1 when a register changed under the loop. A task seized
 * and released anywhere in here must come back with all of them.
 */
	.text
	.globl	regcheck_loop
	.type	regcheck_loop, @function
regcheck_loop:
	push	%rbx
	push	%rbp
	push	%r12
	push	%r13
	push	%r14
	push	%r15
	mov	%rdi, regcheck_left(%rip)
	cmpb	$0, regcheck_avx(%rip)
	je	1f
	vmovdqu	regcheck_vec+0*32(%rip), %ymm0
	vmovdqu	regcheck_vec+1*32(%rip), %ymm1
	vmovdqu	regcheck_vec+2*32(%rip), %ymm2
	vmovdqu	regcheck_vec+3*32(%rip), %ymm3
	vmovdqu	regcheck_vec+4*32(%rip), %ymm4
	vmovdqu	regcheck_vec+5*32(%rip), %ymm5
	vmovdqu	regcheck_vec+6*32(%rip), %ymm6
	vmovdqu	regcheck_vec+7*32(%rip), %ymm7
	vmovdqu	regcheck_vec+8*32(%rip), %ymm8
	vmovdqu	regcheck_vec+9*32(%rip), %ymm9
	vmovdqu	regcheck_vec+10*32(%rip), %ymm10
	vmovdqu	regcheck_vec+11*32(%rip), %ymm11
	vmovdqu	regcheck_vec+12*32(%rip), %ymm12
	vmovdqu	regcheck_vec+13*32(%rip), %ymm13
	vmovdqu	regcheck_vec+14*32(%rip), %ymm14
	vmovdqu	regcheck_vec+15*32(%rip), %ymm15
	jmp	2f
1:
	movdqu	regcheck_vec+0*32(%rip), %xmm0
	movdqu	regcheck_vec+1*32(%rip), %xmm1
	movdqu	regcheck_vec+2*32(%rip), %xmm2
	movdqu	regcheck_vec+3*32(%rip), %xmm3
	movdqu	regcheck_vec+4*32(%rip), %xmm4
	movdqu	regcheck_vec+5*32(%rip), %xmm5
	movdqu	regcheck_vec+6*32(%rip), %xmm6
	movdqu	regcheck_vec+7*32(%rip), %xmm7
	movdqu	regcheck_vec+8*32(%rip), %xmm8
	movdqu	regcheck_vec+9*32(%rip), %xmm9
	movdqu	regcheck_vec+10*32(%rip), %xmm10
	movdqu	regcheck_vec+11*32(%rip), %xmm11
	movdqu	regcheck_vec+12*32(%rip), %xmm12
	movdqu	regcheck_vec+13*32(%rip), %xmm13
	movdqu	regcheck_vec+14*32(%rip), %xmm14
	movdqu	regcheck_vec+15*32(%rip), %xmm15
2:
	mov	regcheck_gpr+0*8(%rip), %rax
	mov	regcheck_gpr+1*8(%rip), %rbx
	mov	regcheck_gpr+2*8(%rip), %rcx
	mov	regcheck_gpr+3*8(%rip), %rdx
	mov	regcheck_gpr+4*8(%rip), %rsi
	mov	regcheck_gpr+5*8(%rip), %rdi
	mov	regcheck_gpr+6*8(%rip), %rbp
	mov	regcheck_gpr+7*8(%rip), %r8
	mov	regcheck_gpr+8*8(%rip), %r9
	mov	regcheck_gpr+9*8(%rip), %r10
	mov	regcheck_gpr+10*8(%rip), %r11
	mov	regcheck_gpr+11*8(%rip), %r12
	mov	regcheck_gpr+12*8(%rip), %r13
	mov	regcheck_gpr+13*8(%rip), %r14
	mov	regcheck_gpr+14*8(%rip), %r15
3:
	cmp	regcheck_gpr+0*8(%rip), %rax
	jne	9f
	cmp	regcheck_gpr+1*8(%rip), %rbx
	jne	9f
	cmp	regcheck_gpr+2*8(%rip), %rcx
	jne	9f
	cmp	regcheck_gpr+3*8(%rip), %rdx
	jne	9f
	cmp	regcheck_gpr+4*8(%rip), %rsi
	jne	9f
	cmp	regcheck_gpr+5*8(%rip), %rdi
	jne	9f
	cmp	regcheck_gpr+6*8(%rip), %rbp
	jne	9f
	cmp	regcheck_gpr+7*8(%rip), %r8
	jne	9f
	cmp	regcheck_gpr+8*8(%rip), %r9
	jne	9f
	cmp	regcheck_gpr+9*8(%rip), %r10
	jne	9f
	cmp	regcheck_gpr+10*8(%rip), %r11
	jne	9f
	cmp	regcheck_gpr+11*8(%rip), %r12
	jne	9f
	cmp	regcheck_gpr+12*8(%rip), %r13
	jne	9f
	cmp	regcheck_gpr+13*8(%rip), %r14
	jne	9f
	cmp	regcheck_gpr+14*8(%rip), %r15
	jne	9f
	decq	regcheck_left(%rip)
	jnz	3b
	cmpb	$0, regcheck_avx(%rip)
	je	4f
	vmovdqu	%ymm0, regcheck_vec_out+0*32(%rip)
	vmovdqu	%ymm1, regcheck_vec_out+1*32(%rip)
	vmovdqu	%ymm2, regcheck_vec_out+2*32(%rip)
	vmovdqu	%ymm3, regcheck_vec_out+3*32(%rip)
	vmovdqu	%ymm4, regcheck_vec_out+4*32(%rip)
	vmovdqu	%ymm5, regcheck_vec_out+5*32(%rip)
	vmovdqu	%ymm6, regcheck_vec_out+6*32(%rip)
	vmovdqu	%ymm7, regcheck_vec_out+7*32(%rip)
	vmovdqu	%ymm8, regcheck_vec_out+8*32(%rip)
	vmovdqu	%ymm9, regcheck_vec_out+9*32(%rip)
	vmovdqu	%ymm10, regcheck_vec_out+10*32(%rip)
	vmovdqu	%ymm11, regcheck_vec_out+11*32(%rip)
	vmovdqu	%ymm12, regcheck_vec_out+12*32(%rip)
	vmovdqu	%ymm13, regcheck_vec_out+13*32(%rip)
	vmovdqu	%ymm14, regcheck_vec_out+14*32(%rip)
	vmovdqu	%ymm15, regcheck_vec_out+15*32(%rip)
	vzeroupper
	jmp	5f
4:
	movdqu	%xmm0, regcheck_vec_out+0*32(%rip)
	movdqu	%xmm1, regcheck_vec_out+1*32(%rip)
	movdqu	%xmm2, regcheck_vec_out+2*32(%rip)
	movdqu	%xmm3, regcheck_vec_out+3*32(%rip)
	movdqu	%xmm4, regcheck_vec_out+4*32(%rip)
	movdqu	%xmm5, regcheck_vec_out+5*32(%rip)
	movdqu	%xmm6, regcheck_vec_out+6*32(%rip)
	movdqu	%xmm7, regcheck_vec_out+7*32(%rip)
	movdqu	%xmm8, regcheck_vec_out+8*32(%rip)
	movdqu	%xmm9, regcheck_vec_out+9*32(%rip)
	movdqu	%xmm10, regcheck_vec_out+10*32(%rip)
	movdqu	%xmm11, regcheck_vec_out+11*32(%rip)
	movdqu	%xmm12, regcheck_vec_out+12*32(%rip)
	movdqu	%xmm13, regcheck_vec_out+13*32(%rip)
	movdqu	%xmm14, regcheck_vec_out+14*32(%rip)
	movdqu	%xmm15, regcheck_vec_out+15*32(%rip)
5:
	xor	%eax, %eax
	jmp	6f
9:
	mov	$1, %eax
6:
	pop	%r15
	pop	%r14
	pop	%r13
	pop	%r12
	pop	%rbp
	pop	%rbx
	ret
	.size	regcheck_loop, .-regcheck_loop

	.section .note.GNU-stack,"",@progbits
