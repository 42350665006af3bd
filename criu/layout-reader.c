// SPDX-License-Identifier: GPL-2.0
/*
 * The areas' VmFlags (madvise advice, locking, growsdown, accounting)
 * are only in /proc/PID/smaps, whose read walks every page table of the
 * process to count its pages: some 35 ms for 4 GiB, all of it while the
 * process is stopped. The dump plans and copies from /proc/PID/maps,
 * which has the same areas, and leaves smaps, and numa_maps whose read
 * walks them too (unless area-policy.c finds asking each area cheaper),
 * to two threads started as soon as criu's scratch area
 * is mapped, so that the walks run beside the injected calls, the
 * tracker's collect and the copy rather than before them. The process
 * stays stopped until the join, so both files show one layout, but for
 * the scratch area, which smaps may or may not show: the join leaves it
 * out, and checks that the rest agrees.
 *
 * smaps is only needed for VmFlags, and where the task_vma BPF iterator
 * works (vmflags-bpf.c) it gives them in microseconds without a walk:
 * then smaps is read only when the iterator's areas cannot be decoded.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "area-policy.h"
#include "layout-reader.h"
#include "log.h"
#include "stats.h"
#include "task-state.h"
#include "vmflags-bpf.h"
#include "vmflags-merge.h"
#include "vmflags-raw.h"

/*
 * Their log lines, if any, are written whole (one write() each) like the
 * main thread's.
 */
static void *read_smaps(void *arg)
{
	struct layout_reader *lr = arg;

	lr->smaps_ret = parse_smaps(lr->pid, &lr->smaps);
	lr->smaps_us = stats_now_us();
	return NULL;
}

/* numa_maps walks the page tables as smaps does: on a thread of its own */
static void *read_numa_maps(void *arg)
{
	struct layout_reader *lr = arg;

	lr->numa_ret = check_area_policies(lr->pid);
	lr->numa_us = stats_now_us();
	return NULL;
}

static int start_smaps(struct layout_reader *lr)
{
	int ret;

	ret = pthread_create(&lr->smaps_thread, NULL, read_smaps, lr);
	if (ret) {
		pr_err("Can't start a thread to read /proc/%d/smaps: %s\n", lr->pid, strerror(ret));
		return -ret;
	}
	lr->smaps_running = true;
	return 0;
}

int layout_reader_start(struct layout_reader *lr, pid_t pid, bool numa_maps,
			struct vmflags_bpf *vb)
{
	int ret;

	memset(lr, 0, sizeof(*lr));
	lr->pid = pid;
	lr->start_us = stats_now_us();
	if (vb && !vma_iter_read(vb->vi, pid, &lr->raw, &lr->nr_raw)) {
		lr->vb = vb;
		lr->bpf_us = stats_now_us() - lr->start_us;
	} else {
		if (vb)
			pr_info("Pid %d: VmFlags from smaps, the BPF iterator failed\n", pid);
		ret = start_smaps(lr);
		if (ret)
			return ret;
	}
	if (!numa_maps)
		return 0;
	ret = pthread_create(&lr->numa_thread, NULL, read_numa_maps, lr);
	if (ret) {
		pr_err("Can't start a thread to read /proc/%d/numa_maps: %s\n", pid, strerror(ret));
		return -ret;
	}
	lr->numa_running = true;
	return 0;
}

static void layout_reader_join(struct layout_reader *lr)
{
	uint64_t t0, done;
	char numa[48];

	if (!lr->smaps_running && !lr->numa_running)
		return;
	t0 = stats_now_us();
	if (lr->smaps_running)
		pthread_join(lr->smaps_thread, NULL);
	if (lr->numa_running)
		pthread_join(lr->numa_thread, NULL);
	done = lr->smaps_us > lr->numa_us ? lr->smaps_us : lr->numa_us;
	if (lr->numa_us)
		snprintf(numa, sizeof(numa), "numa_maps in %.3f ms",
			 (lr->numa_us - lr->start_us) / 1000.0);
	else
		snprintf(numa, sizeof(numa), "numa_maps not read");
	if (lr->smaps_running)
		pr_info("Pid %d: smaps read in %.3f ms, %s beside the dump; it waited %.3f ms for them\n",
			lr->pid, (lr->smaps_us - lr->start_us) / 1000.0, numa,
			done > t0 ? (done - t0) / 1000.0 : 0.0);
	else
		pr_info("Pid %d: %s beside the dump; it waited %.3f ms for it\n", lr->pid, numa,
			done > t0 ? (done - t0) / 1000.0 : 0.0);
	lr->smaps_running = lr->numa_running = false;
}

void layout_reader_skip(struct layout_reader *lr, unsigned long start, unsigned long end)
{
	lr->skip_start = start;
	lr->skip_end = end;
}

/*
 * 0 with @vmas given the iterator's VmFlags, or 1 when smaps must tell
 * (logged why: the dump goes on from smaps), or -errno.
 */
static int merge_raw(struct layout_reader *lr, struct vma_list *vmas)
{
	unsigned long at = 0;
	int ret;

	ret = vmflags_merge_raw(vmas, &lr->vb->table, lr->raw, lr->nr_raw, lr->skip_start,
				lr->skip_end, &at);
	if (!ret) {
		pr_info("Pid %d: VmFlags from the BPF iterator in %.3f ms (%u areas)\n", lr->pid,
			lr->bpf_us / 1000.0, lr->nr_raw);
		return 0;
	}
	if (ret == -ENOENT)
		pr_info("Pid %d: the area at %lx has a bit of vm_flags the calibration did not see: VmFlags from smaps\n",
			lr->pid, at);
	else if (ret == -EAGAIN)
		pr_info("Pid %d: the BPF iterator's areas differ from maps at %lx: VmFlags from smaps\n",
			lr->pid, at);
	else
		return ret;
	return 1;
}

/* smaps now, on this thread: the target is still stopped */
static void read_smaps_now(struct layout_reader *lr)
{
	uint64_t t0 = stats_now_us();

	lr->smaps_ret = parse_smaps(lr->pid, &lr->smaps);
	pr_info("Pid %d: smaps read in %.3f ms, after the BPF iterator\n", lr->pid,
		(stats_now_us() - t0) / 1000.0);
}

int layout_reader_finish(struct layout_reader *lr, struct vma_list *vmas)
{
	unsigned long at;
	int ret;

	layout_reader_join(lr);
	if (lr->numa_ret) {
		ret = lr->numa_ret;
		goto fail;
	}
	if (lr->vb) {
		ret = merge_raw(lr, vmas);
		if (ret < 0)
			goto fail;
		if (!ret)
			goto out;
		read_smaps_now(lr);
	}
	ret = lr->smaps_ret;
	if (ret)
		goto fail;
	if (lr->skip_end && vma_list_drop(&lr->smaps, lr->skip_start, lr->skip_end))
		pr_debug("Pid %d: smaps was read with criu's scratch area at %lx\n",
			 lr->pid, lr->skip_start);
	ret = vmflags_merge(vmas, &lr->smaps, &at);
	if (ret)
		pr_err("Pid %d: /proc/PID/smaps shows other areas than maps did (at %lx): its layout changed while stopped\n",
		       lr->pid, at);
	goto out;
fail:
	/* a refusal has said why already */
	if (ret != -EOPNOTSUPP)
		pr_err("Can't read the areas of pid %d: %s\n", lr->pid, strerror(-ret));
out:
	free_vma_list(&lr->smaps);
	free(lr->raw);
	lr->raw = NULL;
	return ret;
}

void layout_reader_cancel(struct layout_reader *lr)
{
	layout_reader_join(lr);
	free_vma_list(&lr->smaps);
	free(lr->raw);
	lr->raw = NULL;
}
