// SPDX-License-Identifier: GPL-2.0
/*
 * `criu track-end -t PID -D DIR`: end the memory tracking that a dump or
 * pre-dump with --track-mem left in the tree of PID, its state in DIR,
 * without dumping anything.
 *
 * A dump with --track-mem leaves the tracker inside the tree (a
 * descriptor in each process: pagemap-scan's userfaultfd, ooh's
 * /dev/ooh session) for the next dump of the chain to ask. When the
 * chain is given up instead, a migration that failed after its final
 * dump for one, the tree would run on with that descriptor. Stopping it
 * at the final dump would cost the stop of every migration, the ones
 * that succeed included (unregistering 4 GiB from userfaultfd takes
 * some 30 ms): this is the stop on the failure path alone.
 *
 * The tree is seized, each process infected to stop its tracker, and
 * left as it was found, running or stopped. DIR then holds no tracker
 * state, so that a dump with DIR as its parent copies every page.
 */
#include <errno.h>
#include <stdio.h>

#include "cr-track-end.h"
#include "cr_options.h"
#include "dump-task.h"
#include "freeze-timer.h"
#include "incremental.h"
#include "infect.h"
#include "log.h"
#include "pstree.h"
#include "seize.h"
#include "vma.h"

/* 1 when the process has no tracker state in the folder (and is left alone). */
static int end_task_tracker(struct dmp_task *dt, int dfd)
{
	const struct pstree_item *item = dt->dc.item;
	int ret;

	incr_fini(&dt->ic);
	ret = incr_adopt(&dt->ic, dfd, item->pid, !item->parent);
	if (ret)
		return ret;
	dt->dc.tracker_fd = incr_tracker_fd(&dt->ic);
	ret = parse_maps(dt->dc.pid, &dt->vmas);
	if (!ret)
		ret = dump_infect(&dt->dc);
	if (!ret)
		ret = incr_stop(&dt->ic, &dt->dc, &dt->vmas);
	if (dump_cure(&dt->dc) && !ret)
		ret = -EIO;
	if (ret) {
		pr_err("Can't end the tracking of pid %d\n", item->pid);
		return ret;
	}
	pr_info("Tracking of pid %d with %s ended\n", item->pid, incr_tracker_name(&dt->ic));
	return incr_forget(&dt->ic, dfd);
}

/* Every process of the seized tree; the first failure is returned. */
static int end_tree_trackers(struct dump_session *sess, struct pstree *tree,
			     unsigned int *ended)
{
	unsigned int i;
	int ret, first = 0;

	ret = prepare_tree(sess, tree, true);
	for (i = 0; i < tree->nr && !ret; i++)
		ret = dmp_task_new(sess, tree->items[i]);
	if (ret)
		return ret;
	for (i = 0; i < tree->nr; i++) {
		struct dmp_task *dt = tree->items[i]->dmp;

		if (tree->items[i]->zombie || tree->items[i]->helper || dmp_task_vm_shared(dt))
			continue;
		ret = end_task_tracker(dt, sess->dfd);
		if (ret == 0)
			(*ended)++;
		else if (ret < 0 && !first)
			first = ret;
	}
	return first;
}

/* Before anything stops: the folder must be the root's tracked images. */
static int check_root_tracked(pid_t pid, int dfd)
{
	struct incr_ctx ic;
	int ret;

	ret = incr_adopt(&ic, dfd, pid, true);
	if (ret > 0) {
		pr_err("%s holds no tracker state of pid %d: it was not dumped there "
		       "with --track-mem, or its tracking has ended\n", opts.imgs_dir, pid);
		ret = -ENOENT;
	}
	incr_fini(&ic);
	return ret;
}

int cr_track_end(pid_t pid, int dfd)
{
	struct dump_session sess = { .dfd = dfd, .next_file_id = 1 };
	struct pstree tree = {};
	unsigned int ended = 0;
	int ret;

	ret = check_dump_root(pid);
	if (!ret)
		ret = check_root_tracked(pid, dfd);
	if (ret)
		return ret;
	ret = freeze_timer_start();
	if (!ret)
		ret = seize_tree(pid, &tree);
	freeze_timer_stop();
	if (!ret) {
		ret = end_tree_trackers(&sess, &tree, &ended);
		unseize_tree(&tree);
	}
	if (ret)
		pr_err("Tracking of the tree of pid %d did not end everywhere "
		       "(%u processes ended)\n", pid, ended);
	else
		pr_info("Tracking ended in %u processes of the tree of pid %d\n", ended, pid);
	dmp_tasks_free(&tree);
	kid_free(&sess.ids);
	pstree_free(&tree);
	return ret;
}
