// SPDX-License-Identifier: GPL-2.0
/*
 * `criu dump`: stop the tree, collect its state into images, and either
 * kill it (the default), let it run on (--leave-running) or leave it
 * stopped for whoever resumes or kills it (--leave-stopped).
 *
 * Whatever fails, every task is left exactly as it was: every change
 * made inside one (the injected syscall site, the scratch page, the
 * blocked signal mask) is undone before it is released, and the images
 * written so far are removed.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "action-scripts.h"
#include "compel.h"
#include "core-parts.h"
#include "cr-dump.h"
#include "inventory.h"
#include "cr_options.h"
#include "dump.h"
#include "files.h"
#include "dump-task.h"
#include "fault-inject.h"
#include "page-xfer.h"
#include "image.h"
#include "lazy-pages.h"
#include "incremental.h"
#include "log.h"
#include "mem.h"
#include "pstree.h"
#include "seize.h"
#include "sk-tcp.h"
#include "stats.h"
#include "task-state.h"
#include "freeze-timer.h"
#include "vmflags-bpf.h"

/* Everything of one process while the tree is frozen. */
static int dump_one_process(struct pstree_item *item, struct dump_stats *ds)
{
	struct dmp_task *dt = item->dmp;
	int ret;

	if (item->zombie)
		return dump_zombie(dt);
	ret = dump_task_frozen(dt);
	if (!ret)
		ret = dump_task_layout(dt);
	if (!ret)
		ret = dump_task_cores(dt);
	if (!ret)
		dump_stats_add(ds, &dt->ms);
	return ret;
}

static int dump_frozen_tree(struct dump_session *sess, struct pstree *tree,
			    struct dump_stats *ds)
{
	uint64_t t0 = stats_now_us();
	unsigned int i;
	int ret = 0;

	sess->files_img = open_image(sess->dfd, CR_FD_FILES, O_DUMP);
	if (!sess->files_img)
		return -EIO;
	ret = prepare_tree(sess, tree, false);
	for (i = 0; i < tree->nr && !ret; i++)
		ret = dmp_task_new(sess, tree->items[i]);
	if (!ret && fault_injected(FI_DUMP_SEIZED))
		ret = -EIO;
	for (i = 0; i < tree->nr && !ret; i++)
		ret = dump_one_process(tree->items[i], ds);
	if (!ret)
		ret = inet_dump_streams(sess);
	ds->memdump_us = stats_now_us() - t0;
	if (dump_files_fini(sess) && !ret)
		ret = -EIO;
	if (dump_seccomp_fini(sess, !ret) && !ret)
		ret = -EIO;
	if (close_image(sess->files_img) && !ret)
		ret = -EIO;
	sess->files_img = NULL;
	if (!ret)
		ret = pstree_write(sess->dfd, tree);
	return ret;
}

/*
 * dump --lazy-pages: the lazy pages are read from the tree itself, so it
 * stays seized (ptrace-stopped: no SIGCONT can resume it) until the
 * daemon has them all or the serving failed; what the options say
 * happens to it after that, as after any dump.
 */
static int serve_lazy_pages(int lazy_sk, const struct pstree *tree)
{
	if (lazy_sk < 0)
		return 0;
	return lazy_dump_serve(lazy_sk, tree);
}

int cr_dump_tasks(pid_t pid, int dfd, int lazy_sk)
{
	struct dump_session sess = { .dfd = dfd, .next_file_id = 1, .lazy_src = lazy_sk >= 0 };
	struct dump_stats ds = {};
	struct pstree tree = {};
	uint64_t t_start, t_frozen;
	bool keep_tracking = opts.track_mem && dump_leaves_alive();
	int ret, served;

	pr_info("Dumping pid %d\n", pid);
	ret = check_dump_root(pid);
	if (!ret)
		ret = page_server_connect(&sess.ps);	/* before anything stops */
	if (!ret)
		ret = run_scripts(ACT_PRE_DUMP);
	if (ret)
		goto out_fini;

	incr_read_root_early(dfd, pid);
	/* loading and calibrating take milliseconds: before the freeze */
	sess.vmflags_bpf = vmflags_bpf_prepare();
	t_start = stats_now_us();
	ret = freeze_timer_start();
	if (!ret)
		ret = seize_tree(pid, &tree);
	freeze_timer_stop();
	if (ret)
		goto out_fini;
	t_frozen = stats_now_us();
	ds.freezing_us = t_frozen - t_start;

	ret = dump_frozen_tree(&sess, &tree, &ds);
	if (ret)
		goto fail;
	ds.frozen_us = stats_now_us() - t_frozen;
	ret = write_dump_stats(dfd, &ds);
	/* the server's images are complete once it confirmed them */
	if (!ret)
		ret = page_server_finish(sess.ps);
	sess.ps = NULL;
	if (!ret && fault_injected(FI_DUMP_BEFORE_INVENTORY))
		ret = -EIO;
	if (!ret)
		ret = write_inventory(dfd, pstree_root(&tree));
	if (!ret)
		ret = dmp_tasks_commit(&tree, keep_tracking);
	if (!ret)
		ret = run_scripts(ACT_POST_DUMP);
	if (ret)
		goto fail;
	images_forget();
	ds.tracker = tracker_name(&tree);
	served = serve_lazy_pages(lazy_sk, &tree);
	if (opts.leave_running)
		unseize_tree(&tree);
	else if (opts.leave_stopped)
		ret = stop_tree(&tree);
	else
		ret = kill_tree(&tree);
	/* after the kill: the connections die in repair mode, silently */
	if (inet_dump_fini(&sess, true) && !ret)
		ret = -EIO;
	print_dump_stats(&ds);
	if (served) {
		pr_err("Dumping pid %d: its lazy pages were not all served\n", pid);
		ret = served;
		goto out_fini;
	}
	pr_info("Dumping finished successfully\n");
	goto out_fini;
fail:
	pr_err("Dumping pid %d failed; it is left running\n", pid);
	images_discard();
	dump_remaps_undo(&sess);
	inet_dump_fini(&sess, false);
	dmp_tasks_undo_tracking(&tree, false);
	unseize_tree(&tree);
out_fini:
	page_server_drop(sess.ps);
	dmp_tasks_free(&tree);
	vmflags_bpf_free(sess.vmflags_bpf);
	kid_free(&sess.ids);
	dump_files_free(&sess);
	pstree_free(&tree);
	return ret;
}
