// SPDX-License-Identifier: GPL-2.0
/*
 * The areas' VmFlags (madvise advice, locking, growsdown, accounting)
 * are only in /proc/PID/smaps, whose read walks every page table of the
 * process to count its pages: some 35 ms for 4 GiB, all of it while the
 * process is stopped. The dump plans and copies from /proc/PID/maps,
 * which has the same areas, and leaves smaps to a second thread once
 * the process is cured (criu's scratch area is gone again), so that
 * the walk runs beside the copy rather than before it; numa_maps, whose
 * read walks them too, with it. The process
 * stays stopped until the join, so both files show one layout; the
 * join checks that they do.
 */
#include <errno.h>
#include <string.h>

#include "layout-reader.h"
#include "log.h"
#include "stats.h"
#include "task-state.h"
#include "vmflags-merge.h"

/*
 * Its log lines, if any, are written whole (one write() each) like the
 * main thread's.
 */
static void *read_smaps(void *arg)
{
	struct layout_reader *lr = arg;

	lr->ret = parse_smaps(lr->pid, &lr->smaps);
	if (!lr->ret)
		lr->ret = check_area_policies(lr->pid);
	lr->done_us = stats_now_us();
	return NULL;
}

int layout_reader_start(struct layout_reader *lr, pid_t pid)
{
	int ret;

	memset(lr, 0, sizeof(*lr));
	lr->pid = pid;
	lr->start_us = stats_now_us();
	ret = pthread_create(&lr->thread, NULL, read_smaps, lr);
	if (ret) {
		pr_err("Can't start a thread to read /proc/%d/smaps: %s\n", pid, strerror(ret));
		return -ret;
	}
	lr->running = true;
	return 0;
}

static void layout_reader_join(struct layout_reader *lr)
{
	uint64_t t0;

	if (!lr->running)
		return;
	t0 = stats_now_us();
	pthread_join(lr->thread, NULL);
	lr->running = false;
	pr_info("Pid %d: smaps and numa_maps read in %.3f ms beside the copy; the dump waited %.3f ms for them\n",
		lr->pid, (lr->done_us - lr->start_us) / 1000.0,
		lr->done_us > t0 ? (lr->done_us - t0) / 1000.0 : 0.0);
}

int layout_reader_finish(struct layout_reader *lr, struct vma_list *vmas)
{
	unsigned long at;
	int ret;

	layout_reader_join(lr);
	ret = lr->ret;
	if (ret) {
		/* a refusal has said why already */
		if (ret != -EOPNOTSUPP)
			pr_err("Can't read the areas of pid %d: %s\n", lr->pid, strerror(-ret));
		goto out;
	}
	ret = vmflags_merge(vmas, &lr->smaps, &at);
	if (ret)
		pr_err("Pid %d: /proc/PID/smaps shows other areas than maps did (at %lx): its layout changed while stopped\n",
		       lr->pid, at);
out:
	free_vma_list(&lr->smaps);
	return ret;
}

void layout_reader_cancel(struct layout_reader *lr)
{
	layout_reader_join(lr);
	free_vma_list(&lr->smaps);
}
