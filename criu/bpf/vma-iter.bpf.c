// SPDX-License-Identifier: GPL-2.0
/*
 * For each area of one task (iter/task_vma, the task named when the
 * iterator is attached): its start, end and raw vm_flags, three u64s.
 * No page is walked. The field offsets are relocated by libbpf against
 * the running kernel's BTF; what the bits of vm_flags mean is found out
 * at run time (vmflags-calib.c), not here.
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

#define __relocatable __attribute__((preserve_access_index))

struct seq_file;
struct task_struct;

struct bpf_iter_meta {
	struct seq_file *seq;
} __relocatable;

/* since 6.3 vm_flags is a member of an anonymous union: libbpf finds it there */
struct vm_area_struct {
	unsigned long vm_start;
	unsigned long vm_end;
	unsigned long vm_flags;
} __relocatable;

struct bpf_iter__task_vma {
	struct bpf_iter_meta *meta;
	struct task_struct *task;
	struct vm_area_struct *vma;
} __relocatable;

SEC("iter/task_vma")
int vma_raw_flags(struct bpf_iter__task_vma *ctx)
{
	struct vm_area_struct *vma = ctx->vma;
	__u64 rec[3];

	if (!vma)
		return 0;	/* the last call of an iteration */
	rec[0] = vma->vm_start;
	rec[1] = vma->vm_end;
	rec[2] = vma->vm_flags;
	bpf_seq_write(ctx->meta->seq, rec, sizeof(rec));
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
