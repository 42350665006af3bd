// SPDX-License-Identifier: GPL-2.0
/*
 * The BPF object built by clang from criu/bpf/vma-iter.bpf.c, carried
 * inside criu so that nothing has to be found at run time.
 */
__asm__(".section .rodata\n"
	".balign 8\n"
	".global vma_iter_obj\n"
	"vma_iter_obj:\n"
	".incbin \"criu/bpf/vma-iter.bpf.o\"\n"
	".global vma_iter_obj_end\n"
	"vma_iter_obj_end:\n"
	".previous\n");
