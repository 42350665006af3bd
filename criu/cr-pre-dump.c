// SPDX-License-Identifier: GPL-2.0
/*
 * `criu pre-dump`: memory only, with the process stopped as briefly as
 * possible. While it is stopped, criu reads its layout (/proc/PID/maps,
 * no page walk), asks the dirty tracker what changed since the parent
 * (or starts it) and plans the pagemap; then the tree runs again and
 * the pages are read and written (mem-thawed.c, --pre-dump-mode=read,
 * the default). With --pre-dump-mode=splice the process vmsplice()s the
 * planned pages into pipes (page-pipe.c) before it runs again, and the
 * pipes go to disk afterwards.
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "action-scripts.h"
#include "compel.h"
#include "cr-pre-dump.h"
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
#include "page-xfer.h"
#include "proc_parse.h"
#include "stats.h"
#include "freeze-timer.h"
#include "vma.h"

/* A live process with an address space of its own. */
static bool pre_dump_copies(const struct pstree_item *item)
{
	return !item->zombie && !dmp_task_vm_shared(item->dmp);
}

/* What happens while the target is stopped. */
static int pre_dump_stopped(struct dmp_task *dt)
{
	bool later = opts.pre_dump_mode == PRE_DUMP_READ;
	struct incr_ctx *ic = &dt->ic;
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
		ret = incr_collect(ic, dc, vmas, later);
	if (!ret) {
		incr_mem_opts(ic, &mo);
		mo.present_later = later;
		ret = plan_pages(dc, vmas, &mo, plan, &dt->ms);
	}
	if (!ret)
		pr_debug("Planned %u runs, %lu bytes to copy%s\n", plan->nr, plan->data_bytes,
			 later ? " and the data of what was written, once it runs" : "");
	/* --pre-dump-mode=splice: the target vmsplice()s it all now */
	if (!ret && later)
		ret = plan_hold_target(dc, plan);
	else if (!ret)
		ret = capture_plan(dc, vmas, plan);
	if (!ret && !later)
		pr_debug("Captured %lu bytes in %u pipes\n", plan->data_bytes,
			 plan->pipes.nr);
	/* A pre-dump without --track-mem ends a tracked chain. */
	if (!ret && !opts.track_mem)
		ret = incr_stop(ic, dc, vmas);
	if (ret && incr_started(ic))
		incr_stop(ic, dc, vmas);
	cure = dump_cure(dc);
	return ret ? ret : cure;
}

/* The tree, frozen: the memory of every live process. */
static int pre_dump_frozen(struct dump_session *sess, struct pstree *tree)
{
	unsigned int i;
	int ret = 0;

	ret = prepare_tree(sess, tree, true);
	for (i = 0; i < tree->nr && !ret; i++)
		ret = dmp_task_new(sess, tree->items[i]);
	for (i = 0; i < tree->nr && !ret; i++)
		if (pre_dump_copies(tree->items[i]))
			ret = pre_dump_stopped(tree->items[i]->dmp);
	if (ret)
		dmp_tasks_undo_tracking(tree, false);
	return ret;
}

/*
 * The pages of one process, the tree running: what can't be read any
 * more is left for the next dump on this folder to copy.
 */
static int pre_dump_thawed(struct dmp_task *dt)
{
	struct range_set unread = RANGE_SET_INIT;
	int ret;

	ret = write_pages_thawed(&dt->dc, &dt->vmas, &dt->plan, &dt->ms, &unread);
	if (!ret)
		ret = incr_carry_unread(&dt->ic, dt->dc.sess->dfd, &unread);
	range_set_free(&unread);
	return ret;
}

/*
 * With the tree running again: every tracker armed first (a page is
 * armed before it is read), then the pages of each process to the
 * images, from the pipes or read now.
 */
static int pre_dump_write(struct pstree *tree, struct dump_stats *ds)
{
	unsigned int i;
	int ret = 0;

	for (i = 0; i < tree->nr; i++)
		if (pre_dump_copies(tree->items[i]))
			incr_arm(&tree->items[i]->dmp->ic, &tree->items[i]->dmp->dc,
				 &tree->items[i]->dmp->vmas);
	for (i = 0; i < tree->nr && !ret; i++) {
		struct dmp_task *dt = tree->items[i]->dmp;

		if (tree->items[i]->zombie)
			continue;
		if (dt->plan.held)
			ret = pre_dump_thawed(dt);
		else
			ret = dump_task_pages(dt);
		dump_stats_add(ds, &dt->ms);
	}
	return ret;
}

/* A failed pre-dump leaves no carry of its own behind. */
static void pre_dump_drop_carries(struct pstree *tree, int dfd)
{
	unsigned int i;

	for (i = 0; i < tree->nr; i++)
		if (tree->items[i]->dmp && pre_dump_copies(tree->items[i]))
			incr_carry_drop(&tree->items[i]->dmp->ic, dfd);
}

int cr_pre_dump_tasks(pid_t pid, int dfd)
{
	struct dump_session sess = { .dfd = dfd, .next_file_id = 1 };
	struct dump_stats ds = {};
	struct pstree tree = {};
	uint64_t t0, t1;
	int ret;

	pr_info("Pre-dumping pid %d\n", pid);
	ret = check_dump_root(pid);
	if (!ret)
		ret = page_server_connect(&sess.ps);	/* before anything stops */
	if (!ret)
		ret = run_scripts(ACT_PRE_DUMP);
	if (ret)
		goto out;

	incr_read_root_early(dfd, pid);
	t0 = stats_now_us();
	ret = freeze_timer_start();
	if (!ret)
		ret = seize_tree(pid, &tree);
	freeze_timer_stop();
	if (ret)
		goto out;
	t1 = stats_now_us();
	ds.freezing_us = t1 - t0;
	ret = pre_dump_frozen(&sess, &tree);
	unseize_tree(&tree);
	ds.frozen_us = stats_now_us() - t1;
	if (ret)
		goto fail;
	pr_info("Pid %d ran again after %.3f ms\n", pid, ds.frozen_us / 1000.0);

	ret = pre_dump_write(&tree, &ds);
	if (!ret)
		ret = page_server_finish(sess.ps);
	sess.ps = NULL;
	ds.memdump_us = stats_now_us() - t1;
	if (!ret)
		ret = pstree_write(dfd, &tree);
	if (!ret)
		ret = write_dump_stats(dfd, &ds);
	if (!ret)
		ret = write_inventory(dfd, pstree_root(&tree));
	if (!ret)
		ret = dmp_tasks_commit(&tree, opts.track_mem);
	if (!ret)
		ret = run_scripts(ACT_POST_DUMP);
	if (ret) {
		dmp_tasks_undo_tracking(&tree, true);
		goto fail;
	}
	images_forget();
	ds.tracker = tracker_name(&tree);
	print_dump_stats(&ds);
	pr_info("Pre-dump finished successfully\n");
	goto out;
fail:
	pr_err("Pre-dump of pid %d failed; it is left running\n", pid);
	pre_dump_drop_carries(&tree, dfd);
	images_discard();
out:
	page_server_drop(sess.ps);
	dmp_tasks_free(&tree);
	kid_free(&sess.ids);
	pstree_free(&tree);
	return ret;
}
