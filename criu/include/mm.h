/* SPDX-License-Identifier: GPL-2.0 */
#ifndef CRIU_MM_H
#define CRIU_MM_H

#include "mm.pb-c.h"

struct dump_ctx;
struct rst_ctx;
struct vma_list;
struct pagemap_set;
struct proc_stat;

/*
 * Check that every area can be dumped (no SysV shm, no deleted files,
 * no unknown special mappings) and record the files behind file
 * mappings. 0 or -errno with a message naming the area.
 */
int collect_mappings(struct dump_ctx *dc, struct vma_list *vmas);
/* Write mm-PID.img: the mm fields, auxv, exe and the areas. */
int dump_mm(struct dump_ctx *dc, const struct vma_list *vmas,
	    const struct proc_stat *st);

/* Restore side, in restore-mm.c. */
MmEntry *read_mm(int dfd, int pid);
int restore_mappings(struct rst_ctx *rc, const MmEntry *mm,
		     const struct pagemap_set *ps, const bool *kept);
int restore_mm_fields(struct rst_ctx *rc, const MmEntry *mm);
int restore_vma_prot(struct rst_ctx *rc, const MmEntry *mm,
		     const struct pagemap_set *ps);
int prepare_shmem(struct rst_ctx *rc, MmEntry *mm);

#endif /* CRIU_MM_H */
