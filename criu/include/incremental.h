/* SPDX-License-Identifier: GPL-2.0 */
#ifndef CRIU_INCREMENTAL_H
#define CRIU_INCREMENTAL_H

#include <stdbool.h>
#include <sys/types.h>

#include "range-set.h"
#include "tracking.h"

struct dump_ctx;
struct vma_list;
struct mem_dump_opts;

/*
 * One incremental (pre-)dump: the parent image folder and what it
 * holds, and the tracked address space that tells what changed since.
 */
struct incr_ctx {
	pid_t pid;
	bool root;			/* the tree's root: it links "parent" */
	char state_file[32];		/* the tracker state's name in a folder */
	int parent_dfd;			/* --prev-images-dir, or -1 */
	struct range_set parent_pages;	/* pages the parent chain holds */
	struct track_mm mm;		/* the one address space of @pid */
};

/*
 * For one process (@root: the tree's): open and check the parent folder
 * (the same root; a process the parent lacks is new and copied whole),
 * choose the tracker. 0 or -errno.
 */
int incr_prepare(struct incr_ctx *ic, int dfd, pid_t pid, bool root);
/*
 * Before seizing: read what the parent images hold of root @pid, for
 * incr_prepare(). Quiet about what it can't read: incr_prepare() reads
 * it again and says why.
 */
void incr_read_root_early(int dfd, pid_t pid);
/*
 * `criu track-end`: take over the tracker that a dump with --track-mem
 * left for @pid in the folder @dfd. 1 when the folder has none.
 */
int incr_adopt(struct incr_ctx *ic, int dfd, pid_t pid, bool root);
/* Remove that state from the folder once the tracker is stopped. */
int incr_forget(const struct incr_ctx *ic, int dfd);
/* The tracker's descriptor in the target, for the dump to skip, or -1. */
int incr_tracker_fd(const struct incr_ctx *ic);
/* The tracker's name, NULL when not tracking. */
const char *incr_tracker_name(const struct incr_ctx *ic);
/* Did this invocation start tracking (so a failure must stop it)? */
bool incr_started(const struct incr_ctx *ic);
/*
 * With the target stopped and infected: collect what changed since the
 * parent (and re-arm), or start tracking (@arm_late: a pre-dump that
 * copies after releasing the target; the tracker may start unarmed and
 * incr_arm() arms it). A tracker that lost its context is restarted and
 * this dump copies everything.
 */
int incr_collect(struct incr_ctx *ic, struct dump_ctx *dc,
		 const struct vma_list *vmas, bool arm_late);
/*
 * The target released, before any page is read: arm a tracker that
 * @arm_late let start unarmed (a failure is logged; it only makes the
 * next dump copy more).
 */
int incr_arm(struct incr_ctx *ic, struct dump_ctx *dc, const struct vma_list *vmas);
/* The parent and dirty sets for plan_pages(). */
void incr_mem_opts(const struct incr_ctx *ic, struct mem_dump_opts *mo);
/*
 * Still infected: stop tracking unless @keep (a dump that kills the
 * target needs nothing; one that fails must undo a start).
 */
int incr_stop(struct incr_ctx *ic, struct dump_ctx *dc, const struct vma_list *vmas);
/*
 * After a failure: keep what the tracker reported (it is re-armed) in the
 * parent folder, for the retry on the same parent.
 */
void incr_keep_lost(struct incr_ctx *ic);
/*
 * Ranges planned but unreadable once the target ran again: kept in the
 * new folder @dfd for the next dump on it to copy. 0 or -errno.
 */
int incr_carry_unread(const struct incr_ctx *ic, int dfd, const struct range_set *unread);
/* Remove that carry again (the pre-dump failed after all). */
void incr_carry_drop(const struct incr_ctx *ic, int dfd);
/* After success: save the tracker state, link "parent". 0 or -errno. */
int incr_commit(struct incr_ctx *ic, int dfd, bool keep_tracking);
void incr_fini(struct incr_ctx *ic);

#endif /* CRIU_INCREMENTAL_H */
