/* SPDX-License-Identifier: GPL-2.0 */
#ifndef CRIU_DUMP_TASK_H
#define CRIU_DUMP_TASK_H

/*
 * One process of the tree being dumped: its leader's injection context,
 * a core entry per thread, its layout and its page plan. The steps in
 * the order the orchestrators (cr-dump.c, cr-pre-dump.c) call them.
 */

#include <stdbool.h>
#include <sys/types.h>

#include "dump.h"
#include "incremental.h"
#include "layout-reader.h"
#include "mem.h"
#include "mm.h"
#include "proc_parse.h"
#include "vma.h"

#include "core.pb-c.h"

struct pstree;
struct pstree_item;
struct dump_stats;

struct dmp_task {
	struct dump_ctx dc;		/* the leader, infected while frozen */
	struct proc_stat st;
	CoreEntry **cores;		/* one per thread, the leader's first */
	struct vma_list vmas;
	struct mem_plan plan;
	struct mem_dump_stats ms;
	struct incr_ctx ic;		/* its parent images and tracker */
	struct mm_inside mmi;		/* read while infected, for mm-PID.img */
	struct layout_reader layout;	/* smaps, read beside the copy */
	bool policy_probe;		/* NUMA policies asked per area, not numa_maps */
};

/* Before seizing: a pid that may be a root at all (not criu, valid). */
int check_dump_root(pid_t pid);
/*
 * With the tree seized and its kcmp ids known: refuse what this dump
 * can't restore (shared address spaces or tables between processes,
 * sessions and groups without a leader in the tree, a root that is no
 * session leader without --shell-job), naming the pid and the reason.
 */
int check_tree(const struct pstree *t, bool pre_dump);
/* Group helpers added, kcmp ids given, then check_tree(). 0 or -errno. */
int prepare_tree(struct dump_session *sess, struct pstree *t, bool pre_dump);

/*
 * Attach a dmp_task to @item: pages-N.img gets the item's place + 1, its
 * parent images and tracker are prepared (incremental.c).
 */
int dmp_task_new(struct dump_session *sess, struct pstree_item *item);
/* Save each process's tracker state and link "parent". 0 or -errno. */
int dmp_tasks_commit(struct pstree *t, bool keep_tracking);
void dmp_tasks_free(struct pstree *t);
/* The process runs on its parent's address space (CLONE_VM). */
bool dmp_task_vm_shared(const struct dmp_task *dt);

/* core-PID.img of a zombie: its exit status, nothing else. */
int dump_zombie(struct dmp_task *dt);
/*
 * Everything read while the process is frozen: per-thread state, the
 * layout, files, fs, mm, what its tracker says changed, the page plan,
 * and the pages (dump_task_pages()). The process is cured (clean of
 * injections) on return.
 */
int dump_task_frozen(struct dmp_task *dt);
/* pagemap-PID.img and pages-N.img from the plan. */
int dump_task_pages(struct dmp_task *dt);
/*
 * After the pages, the process still stopped: the areas' VmFlags (read
 * by two threads since the infection), the files behind mappings,
 * mm-PID.img.
 */
int dump_task_layout(struct dmp_task *dt);
/* core-TID.img for every thread. */
int dump_task_cores(struct dmp_task *dt);

/* The tracker of the root, for the summary line; NULL if none. */
const char *tracker_name(const struct pstree *t);
/* Stop the trackers this dump started; @seize: the tree runs again. */
void dmp_tasks_undo_tracking(struct pstree *t, bool seize);

void dump_stats_add(struct dump_stats *ds, const struct mem_dump_stats *ms);

#endif /* CRIU_DUMP_TASK_H */
