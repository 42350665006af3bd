// SPDX-License-Identifier: GPL-2.0
/*
 * Dumping one process of a frozen tree.
 *
 * Each thread is read from outside first (registers, mask, rseq,
 * scheduling), then the leader is infected and asked what only the
 * process can tell; every other thread is infected in turn through the
 * leader's syscall site and scratch page (both live in the address space
 * all threads share) and cured before the next one.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "compel.h"
#include "core-parts.h"
#include "cr_options.h"
#include "dump-task.h"
#include "image.h"
#include "incremental.h"
#include "infect.h"
#include "log.h"
#include "mm.h"
#include "pstree.h"
#include "stats.h"
#include "thread-core.h"

#include "core.pb-c.h"

/* CRIU's task_core_entry.task_state of a zombie. */
#define TASK_DEAD	0x2

int check_dump_root(pid_t pid)
{
	if (pid <= 0) {
		pr_err("Invalid pid %d\n", pid);
		return -EINVAL;
	}
	if (pid == getpid()) {
		pr_err("Can't dump criu itself (pid %d)\n", pid);
		return -EINVAL;
	}
	return 0;
}

/* A process that shares @what with an earlier one of the tree. */
static int check_unshared(const struct pstree *t, unsigned int i)
{
	const struct pstree_item *a = t->items[i];
	unsigned int j;

	for (j = 0; j < i; j++) {
		const struct pstree_item *b = t->items[j];
		const char *what = NULL;

		if (a->zombie || b->zombie)
			continue;
		if (a->ids.vm_id == b->ids.vm_id)
			what = "its address space (vfork or CLONE_VM)";
		else if (a->ids.files_id == b->ids.files_id)
			what = "its descriptor table (CLONE_FILES)";
		else if (a->ids.fs_id == b->ids.fs_id)
			what = "its fs struct (CLONE_FS)";
		else if (a->ids.sighand_id == b->ids.sighand_id)
			what = "its signal handlers (CLONE_SIGHAND)";
		if (what) {
			pr_err("Pid %d shares %s with pid %d: not supported yet\n",
			       a->pid, what, b->pid);
			return -EOPNOTSUPP;
		}
	}
	return 0;
}

/*
 * A session or group must be the root's (inherited from outside the
 * tree) or be led by a process of the tree, which restore creates first.
 */
static int check_leaders(const struct pstree *t, const struct pstree_item *item)
{
	const struct pstree_item *root = pstree_root(t), *l;

	if (item->sid != root->sid) {
		l = pstree_find(t, item->sid);
		if (!l || l->sid != l->pid || l->zombie) {
			pr_err("Pid %d is in session %d, whose leader is not a live process of the dumped tree: not supported yet\n",
			       item->pid, item->sid);
			return -EOPNOTSUPP;
		}
	}
	if (item->pgid != root->pgid && item->pgid != item->pid) {
		l = pstree_find(t, item->pgid);
		if (!l || l->pgid != l->pid || l->zombie || l->sid != item->sid) {
			pr_err("Pid %d is in process group %d, whose leader is not a live process of its session in the tree: not supported yet\n",
			       item->pid, item->pgid);
			return -EOPNOTSUPP;
		}
	}
	return 0;
}

int check_tree(const struct pstree *t, bool pre_dump)
{
	const struct pstree_item *root = pstree_root(t);
	unsigned int i;
	int ret;

	if (!pre_dump && root->sid != root->pid && !opts.shell_job) {
		pr_err("Process %d is not a session leader (its session is %d): "
		       "use --shell-job to dump a process of a shell session\n",
		       root->pid, root->sid);
		return -EINVAL;
	}
	for (i = 1; i < t->nr; i++) {
		ret = check_unshared(t, i);
		if (!ret)
			ret = check_leaders(t, t->items[i]);
		if (ret)
			return ret;
	}
	return 0;
}

int dmp_task_new(struct dump_session *sess, struct pstree_item *item, int tracker_fd)
{
	struct dmp_task *dt;
	unsigned int i, n = item->nr_threads;

	dt = calloc(1, sizeof(*dt));
	if (!dt)
		return -ENOMEM;
	dt->cores = calloc(n ? n : 1, sizeof(*dt->cores));
	if (!dt->cores) {
		free(dt);
		return -ENOMEM;
	}
	dt->dc.pid = item->pid;
	dt->dc.sess = sess;
	dt->dc.item = item;
	dt->dc.tracker_fd = tracker_fd;
	dt->dc.pages_id = ++sess->next_pages_id;
	item->dmp = dt;
	for (i = 0; i < n; i++) {
		dt->cores[i] = alloc_thread_core(item->pid, item->threads[i], i == 0);
		if (!dt->cores[i])
			return -ENOMEM;
	}
	return parse_proc_stat(item->pid, &dt->st);
}

void dmp_tasks_free(struct pstree *t)
{
	unsigned int i;

	for (i = 0; i < t->nr; i++) {
		struct dmp_task *dt = t->items[i]->dmp;

		if (!dt)
			continue;
		free_mem_plan(&dt->plan);
		free_vma_list(&dt->vmas);
		/* the core messages go with the process: criu exits next */
		free(dt->cores);
		free(dt);
		t->items[i]->dmp = NULL;
	}
}

int dump_zombie(struct dmp_task *dt)
{
	CoreEntry core = CORE_ENTRY__INIT;
	TaskCoreEntry tc = TASK_CORE_ENTRY__INIT;

	core.mtype = CORE_ENTRY__MARCH__X86_64;
	core.tc = &tc;
	tc.task_state = TASK_DEAD;
	tc.exit_code = dt->st.exit_code;
	tc.comm = dt->st.comm;
	pr_info("Pid %d is a zombie, exit status %#x\n", dt->dc.pid, dt->st.exit_code);
	return pb_write_image(dt->dc.sess->dfd, CR_FD_CORE, dt->dc.pid, &core,
			      &core_entry__descriptor);
}

static int read_personality(pid_t pid, uint32_t *pers)
{
	char *buf;
	ssize_t len;

	len = read_proc_file(pid, "personality", &buf);
	if (len < 0)
		return len;
	*pers = strtoul(buf, NULL, 16);
	free(buf);
	return 0;
}

/* Per-process state read from outside, and the layout. */
static int collect_outside(struct dmp_task *dt)
{
	struct pstree_item *item = dt->dc.item;
	CoreEntry *core = dt->cores[0];
	unsigned int i;
	int ret;

	for (i = 0; i < item->nr_threads; i++) {
		ret = dump_thread_outside(item->pid, item->threads[i], dt->cores[i]);
		if (ret)
			return ret;
	}
	core->tc->flags = dt->st.flags;
	ret = read_personality(item->pid, &core->tc->personality);
	if (!ret)
		ret = dump_rlimits(item->pid, core);
	/* The layout before we add our scratch page to it. */
	if (!ret)
		ret = parse_smaps(item->pid, &dt->vmas);
	if (!ret)
		ret = collect_mappings(&dt->dc, &dt->vmas);
	if (!ret)
		ret = dump_files(&dt->dc, item->ids.files_id);
	if (!ret)
		ret = dump_fs(&dt->dc);
	return ret;
}

/* Another thread of the infected process, through the leader's site. */
static int dump_other_thread(struct dmp_task *dt, unsigned int i)
{
	struct dump_ctx tdc = dt->dc;
	int ret, err;

	tdc.pid = dt->dc.item->threads[i];
	tdc.ctl = compel_infect(tdc.pid, compel_ctl_site(dt->dc.ctl));
	if (!tdc.ctl)
		return -EIO;
	ret = dump_thread_inside(&tdc, dt->cores[i]);
	err = compel_cure(tdc.ctl);
	if (err)
		pr_err("Can't restore thread %d after injected calls\n", tdc.pid);
	return ret ? ret : err;
}

static int collect_inside(struct dmp_task *dt)
{
	struct dump_ctx *dc = &dt->dc;
	unsigned int i;
	int ret;

	ret = dump_thread_inside(dc, dt->cores[0]);
	for (i = 1; i < dc->item->nr_threads && !ret; i++)
		ret = dump_other_thread(dt, i);
	if (!ret)
		ret = dump_signals(dc, dt->cores[0]);
	if (!ret)
		ret = dump_mm(dc, &dt->vmas, &dt->st);
	return ret;
}

/*
 * Inside the infected process: the state only it can tell, then what
 * the tracker says changed, then which pages to copy. With
 * --leave-running and no --track-mem tracking ends here.
 */
static int dump_infected(struct dmp_task *dt, struct incr_ctx *ic)
{
	struct mem_dump_opts mo = {};
	int ret;

	ret = collect_inside(dt);
	if (!ret && ic)
		ret = incr_collect(ic, &dt->dc, &dt->vmas);
	if (ret)
		return ret;
	if (ic)
		incr_mem_opts(ic, &mo);
	ret = plan_pages(&dt->dc, &dt->vmas, &mo, &dt->plan, &dt->ms);
	if (!ret && ic && opts.leave_running && !opts.track_mem)
		ret = incr_stop(ic, &dt->dc, &dt->vmas);
	return ret;
}

int dump_task_frozen(struct dmp_task *dt, struct incr_ctx *ic)
{
	int ret;

	ret = collect_outside(dt);
	if (ret)
		return ret;
	ret = dump_infect(&dt->dc);
	if (!ret)
		ret = dump_infected(dt, ic);
	if (ret && ic && ic->started)
		incr_stop(ic, &dt->dc, &dt->vmas);
	if (dump_cure(&dt->dc) && !ret)
		ret = -EIO;
	return ret;
}

int dump_task_pages(struct dmp_task *dt)
{
	return write_pages(&dt->dc, &dt->vmas, &dt->plan, &dt->ms);
}

int dump_task_cores(struct dmp_task *dt)
{
	const struct pstree_item *item = dt->dc.item;
	unsigned int i;
	int ret = 0;

	for (i = 0; i < item->nr_threads && !ret; i++)
		ret = pb_write_image(dt->dc.sess->dfd, CR_FD_CORE, item->threads[i],
				     dt->cores[i], &core_entry__descriptor);
	return ret;
}

void dump_stats_add(struct dump_stats *ds, const struct mem_dump_stats *ms)
{
	ds->memwrite_us += ms->memwrite_us;
	ds->pages_scanned += ms->pages_scanned;
	ds->pages_written += ms->pages_written;
	ds->pages_skipped_parent += ms->pages_in_parent;
	ds->shpages_scanned += ms->shpages_scanned;
	ds->shpages_written += ms->shpages_written;
	ds->page_pipes += ms->page_pipes;
	ds->page_pipe_bufs += ms->page_pipe_bufs;
}
