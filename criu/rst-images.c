// SPDX-License-Identifier: GPL-2.0
/*
 * The images of a restored tree, per process: every thread's core, the
 * mm, the range of descriptor numbers, what each shares with its parent;
 * all read and checked before anything is created. Then what criu opens
 * for the tasks before the first fork.
 */
#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "compel.h"
#include "core-parts.h"
#include "cr_options.h"
#include "fault-inject.h"
#include "image.h"
#include "lazy-pages.h"
#include "log.h"
#include "mm.h"
#include "pstree.h"
#include "rst-cow.h"
#include "rst-fork.h"
#include "rst-task.h"
#include "stats.h"
#include "thread-core.h"

#include "fdinfo.pb-c.h"

/* CRIU's task_core_entry.task_state values. */
#define TASK_DEAD	0x2
#define TASK_STOPPED	0x3
#define TASK_HELPER	0x4

static int scan_max_fd(int dfd, uint32_t files_id, int *max_fd)
{
	FdinfoEntry *fe;
	struct cr_img *img;
	int ret;

	*max_fd = -1;
	img = open_image(dfd, CR_FD_FDINFO, O_RSTR | O_OPT, files_id);
	if (!img)
		return -EIO;
	while ((ret = pb_read_one(img, (void **)&fe, &fdinfo_entry__descriptor)) > 0) {
		if ((int)fe->fd > *max_fd)
			*max_fd = fe->fd;
		pb_free(fe);
	}
	close_image(img);
	return ret;
}

static int read_core(int dfd, pid_t tid, bool leader, CoreEntry **out)
{
	CoreEntry *core;
	int ret;

	ret = pb_read_image(dfd, CR_FD_CORE, tid, (void **)&core, &core_entry__descriptor);
	if (ret)
		return ret;
	*out = core;
	if (core->mtype != CORE_ENTRY__MARCH__X86_64 || !core->thread_info ||
	    !core->thread_core || (leader && !core->tc)) {
		pr_err("core-%d.img: not an x86_64 %s core\n", tid, leader ? "task" : "thread");
		return -EINVAL;
	}
	return 0;
}

static int read_zombie(int dfd, struct rst_task *rt)
{
	CoreEntry *core;
	int ret;

	ret = pb_read_image(dfd, CR_FD_CORE, rt->rc.pid, (void **)&core,
			    &core_entry__descriptor);
	if (ret)
		return ret;
	rt->cores[0] = core;
	if (core->tc && core->tc->task_state == TASK_HELPER) {
		rt->rc.item->helper = true;
		return 0;
	}
	if (!core->tc || core->tc->task_state != TASK_DEAD) {
		pr_err("core-%d.img: pstree.img says pid %d is a zombie, its core does not\n",
		       rt->rc.pid, rt->rc.pid);
		return -EINVAL;
	}
	return 0;
}

static int read_task(int dfd, struct pstree_item *item)
{
	struct rst_task *rt;
	unsigned int i, n = item->nr_threads;
	int ret;

	rt = calloc(1, sizeof(*rt));
	if (!rt)
		return -ENOMEM;
	item->rst = rt;
	rt->rc.pid = item->pid;
	rt->rc.item = item;
	rt->max_fd = -1;
	rt->cores = calloc(n ? n : 1, sizeof(*rt->cores));
	rt->threads = calloc(n ? n : 1, sizeof(*rt->threads));
	if (!rt->cores || !rt->threads)
		return -ENOMEM;
	if (item->zombie)
		return read_zombie(dfd, rt);
	for (i = 0; i < n; i++) {
		ret = read_core(dfd, item->threads[i], i == 0, &rt->cores[i]);
		if (ret)
			return ret;
	}
	item->stopped = rt->cores[0]->tc->task_state == TASK_STOPPED;
	item->leader_dead = rt->cores[0]->tc->leader_exited;
	if (item->leader_dead && n < 2) {
		pr_err("core-%d.img: the leader exited, but pstree.img lists no other thread\n",
		       item->pid);
		return -EINVAL;
	}
	rt->mm = read_mm(dfd, item->pid);
	if (!rt->mm)
		return -EINVAL;
	return scan_max_fd(dfd, item->ids.files_id, &rt->max_fd);
}

/* The last item of the tree, in build order, that has id @id of @kind. */
static bool is_last(const struct pstree *t, unsigned int i, bool vm)
{
	uint32_t id = vm ? t->items[i]->ids.vm_id : t->items[i]->ids.files_id;
	unsigned int j;

	for (j = i + 1; j < t->nr; j++)
		if (!t->items[j]->zombie &&
		    (vm ? t->items[j]->ids.vm_id : t->items[j]->ids.files_id) == id)
			return false;
	return true;
}

/*
 * What a process shares, it shares with its parent (the dump refuses
 * anything else); the ids say which and the clone flags follow.
 */
static int plan_sharing(const struct pstree *t)
{
	unsigned int i, j;

	for (i = 0; i < t->nr; i++) {
		struct pstree_item *item = t->items[i], *p = item->parent;
		struct rst_task *rt = item->rst;

		if (item->zombie)
			continue;
		for (j = 0; j < i; j++) {
			const struct pstree_item *o = t->items[j];

			if (o->zombie || o == p)
				continue;
			if (o->ids.vm_id == item->ids.vm_id ||
			    o->ids.files_id == item->ids.files_id ||
			    o->ids.fs_id == item->ids.fs_id ||
			    o->ids.sighand_id == item->ids.sighand_id) {
				pr_err("ids-%d.img: pid %d shares an object with pid %d, not its parent\n",
				       item->pid, item->pid, o->pid);
				return -EINVAL;
			}
		}
		rt->vm_shared = p && p->ids.vm_id == item->ids.vm_id;
		rt->files_shared = p && p->ids.files_id == item->ids.files_id;
		rt->vm_last = is_last(t, i, true);
		rt->files_last = is_last(t, i, false);
		if (rt->vm_shared)
			rt->clone_flags |= CLONE_VM;
		if (rt->files_shared)
			rt->clone_flags |= CLONE_FILES;
		if (p && p->ids.fs_id == item->ids.fs_id)
			rt->clone_flags |= CLONE_FS;
		if (p && p->ids.sighand_id == item->ids.sighand_id)
			rt->clone_flags |= CLONE_SIGHAND;
		if ((rt->clone_flags & CLONE_SIGHAND) && !rt->vm_shared) {
			pr_err("ids-%d.img: signal handlers shared without the address space\n",
			       item->pid);
			return -EINVAL;
		}
	}
	return 0;
}

int rst_tasks_read(int dfd, struct pstree *t)
{
	unsigned int i;
	int ret = 0;

	for (i = 0; i < t->nr && !ret; i++)
		ret = read_task(dfd, t->items[i]);
	return ret ? ret : plan_sharing(t);
}

static int keep_pages_fd(void *arg, int fd)
{
	return rst_keep_fd(arg, fd);
}

int rst_tasks_prepare(struct rst_session *rs, struct pstree *t)
{
	unsigned int i;
	int ret;

	ret = prepare_files(rs);
	for (i = 0; i < t->nr && !ret; i++) {
		struct rst_task *rt = t->items[i]->rst;

		rt->rc.sess = rs;
		if (t->items[i]->zombie)
			continue;
		ret = prepare_fdinfo(&rt->rc, t->items[i]->ids.files_id);
		if (!ret)
			ret = prepare_fs(&rt->rc);
		if (!ret)
			ret = prepare_shmem(&rt->rc, rt->mm);
		/* memory shared with the parent is built from the parent's */
		if (!ret && !rt->vm_shared)
			ret = read_pagemap_chain(rs->dfd, rt->rc.pid, rt->mm,
						 keep_pages_fd, rs, &rt->ps);
		if (!ret && !rt->vm_shared && opts.lazy_pages)
			ret = lazy_split_pagemap(rt->mm, &rt->ps, &rt->lazy);
		if (!ret && !rt->vm_shared)
			ret = pagemap_check_local(&rt->ps, rt->rc.pid);
	}
	return ret;
}

void rst_tasks_free(struct pstree *t)
{
	unsigned int i;

	for (i = 0; i < t->nr; i++) {
		struct rst_task *rt = t->items[i]->rst;
		unsigned int j, nr_cores = t->items[i]->nr_threads ? : 1;

		if (!rt)
			continue;
		for (j = 0; rt->cores && j < nr_cores; j++)
			pb_free(rt->cores[j]);
		pb_free(rt->mm);
		free_pagemap(&rt->ps);
		free(rt->lazy.ranges);
		free(rt->cores);
		free(rt->threads);
		free(rt);
		t->items[i]->rst = NULL;
	}
}

