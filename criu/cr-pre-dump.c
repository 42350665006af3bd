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
#include "image.h"
#include "incremental.h"
#include "log.h"
#include "mem.h"
#include "proc_parse.h"
#include "stats.h"
#include "freeze-timer.h"
#include "vma.h"

struct thread_list {
	pid_t *tids;
	unsigned int nr;
};

static int list_threads(pid_t pid, struct thread_list *tl)
{
	char path[64];
	struct dirent *de;
	unsigned int cap = 0;
	pid_t *tmp;
	DIR *d;

	tl->tids = NULL;
	tl->nr = 0;
	snprintf(path, sizeof(path), "/proc/%d/task", pid);
	d = opendir(path);
	if (!d) {
		pr_perror("Can't open %s", path);
		return -errno;
	}
	while ((de = readdir(d))) {
		if (!isdigit(de->d_name[0]))
			continue;
		if (tl->nr == cap) {
			cap = cap ? cap * 2 : 16;
			tmp = realloc(tl->tids, cap * sizeof(*tmp));
			if (!tmp) {
				closedir(d);
				return -ENOMEM;
			}
			tl->tids = tmp;
		}
		tl->tids[tl->nr++] = atoi(de->d_name);
	}
	closedir(d);
	return 0;
}

static void detach_threads(pid_t pid, const struct thread_list *tl, unsigned int nr)
{
	unsigned int i;

	for (i = 0; i < nr; i++)
		if (tl->tids[i] != pid)
			compel_detach(tl->tids[i]);
	compel_detach(pid);
}

/*
 * Stop every thread: memory is shared by all of them. The thread group
 * leader goes first; a thread that exits meanwhile is skipped, one that
 * appears after the listing is caught by a second look.
 */
static int seize_threads(pid_t pid, struct thread_list *tl)
{
	unsigned int i, seized = 0;
	int ret;

	ret = compel_seize(pid);
	if (ret)
		return ret;
	ret = list_threads(pid, tl);
	for (i = 0; !ret && i < tl->nr; i++) {
		if (tl->tids[i] == pid)
			continue;
		ret = compel_seize(tl->tids[i]);
		if (ret == -ESRCH)
			ret = 0;	/* exited meanwhile */
		else if (!ret)
			seized = i + 1;
	}
	if (!ret && count_threads(pid) != (int)tl->nr) {
		pr_err("Pid %d created threads while being stopped\n", pid);
		ret = -EAGAIN;
	}
	if (ret) {
		detach_threads(pid, tl, seized);
		pr_err("Can't stop the threads of pid %d: %d\n", pid, ret);
	}
	return ret;
}

/* What happens while the target is stopped. */
static int pre_dump_stopped(struct dump_ctx *dc, struct incr_ctx *ic,
			    struct vma_list *vmas, struct mem_plan *plan,
			    struct mem_dump_stats *ms)
{
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
		ret = plan_pages(dc, vmas, &mo, plan, ms);
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

int cr_pre_dump_tasks(pid_t pid, int dfd)
{
	struct dump_ctx dc = { .pid = pid, .dfd = dfd, .next_file_id = 1,
			       .tracker_fd = -1 };
	struct incr_ctx ic = { .parent_dfd = -1 };
	struct thread_list tl = {};
	struct mem_dump_stats ms = {};
	struct dump_stats ds = {};
	struct vma_list vmas = {};
	struct mem_plan plan = {};
	struct proc_stat st;
	uint64_t t0, t1;
	int ret;

	pr_info("Pre-dumping pid %d\n", pid);
	ret = check_dump_target(pid, &st, true);
	if (!ret)
		ret = incr_prepare(&ic, dfd, pid);
	if (ret)
		goto out;

	t0 = stats_now_us();
	ret = freeze_timer_start();
	if (!ret)
		ret = seize_threads(pid, &tl);
	freeze_timer_stop();
	if (ret)
		goto out;
	t1 = stats_now_us();
	ds.freezing_us = t1 - t0;
	ret = pre_dump_stopped(&dc, &ic, &vmas, &plan, &ms);
	detach_threads(pid, &tl, tl.nr);
	ds.frozen_us = stats_now_us() - t1;
	if (ret)
		goto fail;
	pr_info("Pid %d ran again after %.3f ms\n", pid, ds.frozen_us / 1000.0);

	ret = write_pages(&dc, &vmas, &plan, &ms);
	ds.memdump_us = stats_now_us() - t1;
	dump_stats_take_mem(&ds, &ms);
	if (!ret)
		ret = write_tree(&dc, &st);
	if (!ret)
		ret = write_dump_stats(dfd, &ds);
	if (!ret)
		ret = write_inventory(&dc);
	if (!ret)
		ret = incr_commit(&ic, dfd, opts.track_mem);
	if (ret) {
		undo_tracking(&dc, &ic, &vmas);
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
	free_mem_plan(&plan);
	free_vma_list(&vmas);
	free(tl.tids);
	incr_fini(&ic);
	return ret;
}
