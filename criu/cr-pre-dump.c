// SPDX-License-Identifier: GPL-2.0
/*
 * `criu pre-dump`: memory only, with the process stopped as briefly as
 * possible. While it is stopped, criu reads its layout (/proc/PID/maps,
 * no page walk), asks the dirty tracker what changed since the parent,
 * plans the pagemap and has the process vmsplice() the changed pages
 * into pipes (page-pipe.c); then it runs again and the pages go from
 * the pipes to disk.
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compel.h"
#include "cr-dump.h"
#include "cr_options.h"
#include "dump.h"
#include "dump-task.h"
#include "infect.h"
#include "pstree.h"
#include "seize.h"
#include "image.h"
#include "incremental.h"
#include "log.h"
#include "mem.h"
#include "proc_parse.h"
#include "stats.h"
#include "freeze-timer.h"
#include "vma.h"

/* What happens while the target is stopped. */
static int pre_dump_stopped(struct dmp_task *dt, struct incr_ctx *ic)
{
	struct dump_ctx *dc = &dt->dc;
	struct vma_list *vmas = &dt->vmas;
	struct mem_plan *plan = &dt->plan;
	struct mem_dump_opts mo;
	int ret, cure;

	ret = parse_maps(dc->pid, vmas);
	if (ret)
		return ret;
	ret = dump_infect(dc);
	if (!ret)
		ret = incr_collect(ic, dc, vmas);
	if (!ret) {
		incr_mem_opts(ic, &mo);
		ret = plan_pages(dc, vmas, &mo, plan, &dt->ms);
	}
	/* --pre-dump-mode=read: write_pages() reads them once it runs again */
	if (!ret && opts.pre_dump_mode == PRE_DUMP_SPLICE) {
		pr_debug("Planned %u runs, %lu bytes to copy\n", plan->nr, plan->data_bytes);
		ret = capture_plan(dc, vmas, plan);
	}
	if (!ret)
		pr_debug("Captured %lu bytes in %u pipes\n", plan->data_bytes,
			 plan->pipes.nr);
	/* A pre-dump without --track-mem ends a tracked chain. */
	if (!ret && !opts.track_mem)
		ret = incr_stop(ic, dc, vmas);
	if (ret && ic->started)
		incr_stop(ic, dc, vmas);
	cure = dump_cure(dc);
	return ret ? ret : cure;
}

/*
 * A pre-dump that failed after the target ran again must not leave a
 * tracker it started inside the target.
 */
static void undo_tracking(struct dump_ctx *dc, struct incr_ctx *ic,
			  const struct vma_list *vmas)
{
	if (!ic->started || compel_seize(dc->pid))
		return;
	if (!dump_infect(dc))
		incr_stop(ic, dc, vmas);
	dump_cure(dc);
	compel_detach(dc->pid);
}

/* The tree, frozen: only its root's memory is pre-dumped today. */
static int check_pre_dump_tree(struct dump_session *sess, struct pstree *tree)
{
	int ret;

	if (tree->nr > 1) {
		pr_err("Process %d has children: pre-dumping a process tree is not supported yet\n",
		       pstree_root(tree)->pid);
		return -EOPNOTSUPP;
	}
	ret = kid_task_ids(&sess->ids, pstree_root(tree)->pid, &pstree_root(tree)->ids);
	if (!ret && pstree_root(tree)->zombie) {
		pr_err("Process %d is a zombie\n", pstree_root(tree)->pid);
		ret = -EINVAL;
	}
	return ret;
}

int cr_pre_dump_tasks(pid_t pid, int dfd)
{
	struct dump_session sess = { .dfd = dfd, .next_file_id = 1 };
	struct incr_ctx ic = { .parent_dfd = -1 };
	struct dump_stats ds = {};
	struct pstree tree = {};
	struct dmp_task *dt = NULL;
	uint64_t t0, t1;
	int ret;

	pr_info("Pre-dumping pid %d\n", pid);
	ret = check_dump_root(pid);
	if (!ret)
		ret = incr_prepare(&ic, dfd, pid);
	if (ret)
		goto out;

	t0 = stats_now_us();
	ret = freeze_timer_start();
	if (!ret)
		ret = seize_tree(pid, &tree);
	freeze_timer_stop();
	if (ret)
		goto out;
	t1 = stats_now_us();
	ds.freezing_us = t1 - t0;
	ret = check_pre_dump_tree(&sess, &tree);
	if (!ret)
		ret = dmp_task_new(&sess, pstree_root(&tree), incr_tracker_fd(&ic));
	if (!ret) {
		dt = pstree_root(&tree)->dmp;
		ret = pre_dump_stopped(dt, &ic);
	}
	unseize_tree(&tree);
	ds.frozen_us = stats_now_us() - t1;
	if (ret)
		goto fail;
	pr_info("Pid %d ran again after %.3f ms\n", pid, ds.frozen_us / 1000.0);

	ret = dump_task_pages(dt);
	ds.memdump_us = stats_now_us() - t1;
	dump_stats_add(&ds, &dt->ms);
	if (!ret)
		ret = pstree_write(dfd, &tree);
	if (!ret)
		ret = write_dump_stats(dfd, &ds);
	if (!ret)
		ret = write_inventory(dfd, pstree_root(&tree));
	if (!ret)
		ret = incr_commit(&ic, dfd, opts.track_mem);
	if (ret) {
		undo_tracking(&dt->dc, &ic, &dt->vmas);
		goto fail;
	}
	images_forget();
	ds.tracker = ic.tracker ? ic.tracker->name : NULL;
	print_dump_stats(&ds);
	pr_info("Pre-dump finished successfully\n");
	goto out;
fail:
	pr_err("Pre-dump of pid %d failed; it is left running\n", pid);
	images_discard();
out:
	dmp_tasks_free(&tree);
	kid_free(&sess.ids);
	pstree_free(&tree);
	incr_fini(&ic);
	return ret;
}
