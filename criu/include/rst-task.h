/* SPDX-License-Identifier: GPL-2.0 */
#ifndef CRIU_RST_TASK_H
#define CRIU_RST_TASK_H

/*
 * One process of the tree being restored: its images, read and checked
 * before anything is created, and the injection contexts of its threads
 * while it is built. The steps in the order cr-restore.c calls them.
 */

#include <stdbool.h>
#include <sys/types.h>

#include "mem.h"
#include "restore.h"
#include "vma.h"

#include "core.pb-c.h"
#include "mm.pb-c.h"

struct pstree;
struct pstree_item;
struct restore_stats;

struct rst_task {
	struct rst_ctx rc;		/* the leader */
	CoreEntry **cores;		/* per thread, the leader's first */
	struct rst_ctx *threads;	/* the other threads, once created */
	unsigned int nr_created;	/* threads created (not the leader) */
	MmEntry *mm;			/* NULL for a zombie */
	struct pagemap_set ps;
	struct pagemap_set lazy;	/* --lazy-pages: ranges left to the daemon */
	int max_fd;			/* highest dumped descriptor number */
	bool created;			/* the process exists (must be killed on failure) */
	/*
	 * Shared with the parent (CLONE_VM, CLONE_FILES): the first task of
	 * the group builds the object, the last one in build order removes
	 * the trampoline (vm) or the pre-opened descriptors (files).
	 */
	bool vm_shared, vm_last;
	bool files_shared, files_last;
	unsigned long clone_flags;	/* what its parent forks it with */
};

/* The tasks' code and scratch page(s) while they are being built. */
#define TRAMPOLINE_SIZE		(4 * PAGE_SIZE)
#define TRAMPOLINE_CODE_SIZE	64

/* Where the trampoline goes and what criu's own layout is. */
struct rst_layout {
	struct vma_list self;		/* criu's, which the root starts with */
	unsigned long tramp;		/* trampoline address, the same in every task */
};

/* rst-layout.c */
/* Root only: criu's rseq unregistered, the trampoline placed, criu unmapped. */
int rst_clean_layout(struct rst_ctx *rc, const struct rst_layout *l);
/* Scratch area of @rc in the trampoline page at @tramp. */
void rst_use_trampoline(struct rst_ctx *rc, unsigned long tramp);
int rst_move_vdso(struct rst_ctx *rc, const struct rst_layout *l,
		  const struct vma_list *self, const MmEntry *mm);

/* rst-images.c: core, mm and the descriptor range of every task. 0 or -errno. */
int rst_tasks_read(int dfd, struct pstree *t);
/* vdso sizes match, a free trampoline range exists in every layout. */
int rst_layout_check(const struct pstree *t, struct rst_layout *l);
/* What criu opens before the first fork: files, fs, shmem, pages. */
int rst_tasks_prepare(struct rst_session *rs, struct pstree *t);
void rst_tasks_free(struct pstree *t);

/* rst-shape.c: session and group leaders: setsid / setpgid(0, 0) before the children. */
int rst_lead_session(struct rst_task *rt, bool root);
/* Fork @child from its parent @rt (with the trampoline already in place). */
int rst_fork_child(struct rst_task *rt, struct pstree_item *child,
		   const struct rst_layout *l);
/* Join the dumped process group if it is another process's. */
int rst_join_group(struct rst_task *rt, bool root);
/*
 * Let the task go at a last system call @nr(@a1, @a2) that ends it (or its
 * thread), with every signal unblocked or all still blocked. 0 or -errno.
 */
int rst_end_at_site(struct rst_task *rt, long nr, unsigned long a1,
		    unsigned long a2, bool unblock_all);
/* A zombie ends as it ended: exit code or signal. */
int rst_make_zombie(struct rst_task *rt);
/*
 * rst-task.c: the address space: the root's from criu's layout, a child's from what
 * it inherited of its parent's (rst-cow.c). Before the children fork.
 */
int rst_build_memory(struct rst_task *rt, const struct rst_layout *l,
		     struct restore_stats *rs, bool inherited);
/* Everything else, leaving every thread stopped with its own registers. */
int rst_build_task(struct rst_task *rt, const struct rst_layout *l,
		   struct restore_stats *rs);
/* Kill and reap every created task of the tree. */
void rst_kill_tree(struct pstree *t);
/* Let every thread of the tree run. 0 or -errno. */
int rst_release_tree(struct pstree *t);

#endif /* CRIU_RST_TASK_H */
