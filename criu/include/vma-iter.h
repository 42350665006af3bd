/* SPDX-License-Identifier: GPL-2.0 */
#ifndef CRIU_VMA_ITER_H
#define CRIU_VMA_ITER_H

#include <stdint.h>
#include <sys/types.h>

/* One area as the task_vma BPF iterator saw it: vm_flags not decoded. */
struct vma_raw {
	uint64_t start, end;
	uint64_t flags;
};

struct vma_iter;

/*
 * Load the BPF program (the kernel verifies it and libbpf relocates it
 * against the kernel's BTF): milliseconds, so before anything is
 * stopped. 0, or -errno with the reason at info level.
 */
int vma_iter_load(struct vma_iter **vi);
/*
 * The areas of the address space of thread @tid, in address order:
 * microseconds, no page walked. *@out is malloc()ed. 0 or -errno.
 */
int vma_iter_read(struct vma_iter *vi, pid_t tid, struct vma_raw **out, unsigned int *nr);
void vma_iter_free(struct vma_iter *vi);

#endif /* CRIU_VMA_ITER_H */
