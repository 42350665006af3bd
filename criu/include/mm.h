/* SPDX-License-Identifier: GPL-2.0 */
#ifndef CRIU_MM_H
#define CRIU_MM_H

#include <stdbool.h>
#include <sys/types.h>

#include "mm.pb-c.h"

struct dump_ctx;
struct rst_ctx;
struct vma_list;
struct pagemap_set;
struct proc_stat;

/*
 * The same checks without recording files: early, from maps (which has
 * no VmFlags), before anything is injected.
 */
int check_mappings(pid_t pid, const struct vma_list *vmas);
/*
 * Check that every area can be dumped (no SysV shm, no deleted files,
 * no unknown special mappings) and record the files behind file
 * mappings. 0 or -errno with a message naming the area.
 */
int collect_mappings(struct dump_ctx *dc, struct vma_list *vmas);
/* What only the infected process can tell of its mm. */
struct mm_inside {
	unsigned long brk;
	long dumpable;
	bool thp_disabled;
};
int dump_mm_inside(struct dump_ctx *dc, struct mm_inside *in);
/*
 * Write mm-PID.img: the mm fields, auxv, exe and the areas; needs no
 * injected call, so it may come after the cure.
 */
int dump_mm(struct dump_ctx *dc, const struct vma_list *vmas,
	    const struct proc_stat *st, const struct mm_inside *in);

/* Restore side, in restore-mm.c. */
MmEntry *read_mm(int dfd, int pid);
int restore_mappings(struct rst_ctx *rc, const MmEntry *mm,
		     const struct pagemap_set *ps, const bool *kept);
int restore_mm_fields(struct rst_ctx *rc, const MmEntry *mm);
int restore_vma_prot(struct rst_ctx *rc, const MmEntry *mm,
		     const struct pagemap_set *ps);
int prepare_shmem(struct rst_ctx *rc, MmEntry *mm);

#endif /* CRIU_MM_H */
