// SPDX-License-Identifier: GPL-2.0
/*
 * Dumping one process of a frozen tree.
 *
 * Each thread is read from outside first (registers, mask, rseq,
 * scheduling), then the leader is infected and asked what only the
 * process can tell; every other thread is infected in turn, using the
 * leader's scratch page (it lives in the address space all threads
 * share), and cured before the next one.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "area-policy.h"
#include "compel.h"
#include "core-parts.h"
#include "cr_options.h"
#include "dump-task.h"
#include "image.h"
#include "incremental.h"
#include "infect.h"
#include "log.h"
#include "mm.h"
#include "ns-check.h"
#include "pstree.h"
#include "stats.h"
#include "task-state.h"
#include "thread-core.h"

#include "core.pb-c.h"

/* CRIU's task_core_entry.task_state values. */
#define TASK_DEAD	0x2
#define TASK_STOPPED	0x3
#define TASK_HELPER	0x4

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

/*
 * What a process may share with another: only with its parent, which
 * restore then forks it with CLONE_VM/CLONE_FILES/CLONE_FS/CLONE_SIGHAND.
 */
static int check_unshared(const struct pstree *t, unsigned int i)
{
	const struct pstree_item *a = t->items[i];
	unsigned int j;

	for (j = 0; j < i; j++) {
		const struct pstree_item *b = t->items[j];
		const char *what = NULL;

		if (a->zombie || b->zombie)
			continue;	/* helpers too: they share nothing */
		if (a->ids.vm_id == b->ids.vm_id)
			what = "its address space (CLONE_VM)";
		else if (a->ids.files_id == b->ids.files_id)
			what = "its descriptor table (CLONE_FILES)";
		else if (a->ids.fs_id == b->ids.fs_id)
			what = "its fs struct (CLONE_FS)";
		else if (a->ids.sighand_id == b->ids.sighand_id)
			what = "its signal handlers (CLONE_SIGHAND)";
		if (!what)
			continue;
		if (b != a->parent) {
			pr_err("Pid %d shares %s with pid %d, which is not its parent: not supported yet\n",
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
		if (!l || l->sid != l->pid || l->helper) {
			pr_err("Pid %d is in session %d, whose leader is not a process of the dumped tree: not supported yet\n",
			       item->pid, item->sid);
			return -EOPNOTSUPP;
		}
	}
	if (item->pgid != root->pgid && item->pgid != item->pid) {
		l = pstree_find(t, item->pgid);
		if (!l || l->pgid != l->pid || l->sid != item->sid) {
			pr_err("Pid %d is in process group %d, whose leader is not a process of its session in the tree: not supported yet\n",
			       item->pid, item->pgid);
			return -EOPNOTSUPP;
		}
	}
	return 0;
}

/*
 * A group whose leader has exited lives on while it has members; its
 * pid is free. A helper item takes that pid at restore, leads the group
 * until the members joined it, and exits (CRIU does the same).
 */
static int add_group_helpers(struct pstree *t)
{
	const struct pstree_item *root = pstree_root(t);
	unsigned int i;

	for (i = 1; i < t->nr; i++) {
		struct pstree_item *item = t->items[i];

		if (item->helper || item->pgid == item->pid || item->pgid == root->pgid ||
		    pstree_find(t, item->pgid))
			continue;
		if (!kill(item->pgid, 0) || errno != ESRCH) {
			pr_err("Pid %d is in process group %d, whose leader runs outside the dumped tree\n",
			       item->pid, item->pgid);
			return -EOPNOTSUPP;
		}
		if (!pstree_add_helper(t, item, item->pgid))
			return -ENOMEM;
		pr_info("Group %d of pid %d has no leader: a helper takes its pid at restore\n",
			item->pgid, item->pid);
	}
	return 0;
}

int prepare_tree(struct dump_session *sess, struct pstree *t, bool pre_dump)
{
	unsigned int i;
	int ret;

	sess->tree = t;
	ret = add_group_helpers(t);
	for (i = 0; i < t->nr && !ret; i++) {
		if (t->items[i]->helper)
			continue;
		/* a zombie has no namespaces left to look at */
		if (!t->items[i]->zombie)
			ret = check_namespaces(pstree_live_tid(t->items[i]));
		if (!ret)
			ret = kid_task_ids(&sess->ids, pstree_live_tid(t->items[i]),
					   &t->items[i]->ids);
	}
	if (!ret)
		ret = check_tree(t, pre_dump);
	return ret;
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

bool dmp_task_vm_shared(const struct dmp_task *dt)
{
	const struct pstree_item *item = dt->dc.item;

	return item->parent && item->parent->ids.vm_id == item->ids.vm_id;
}

int dmp_task_new(struct dump_session *sess, struct pstree_item *item)
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
	dt->dc.pid = item->zombie ? item->pid : pstree_live_tid(item);
	dt->dc.sess = sess;
	dt->dc.item = item;
	dt->dc.tracker_fd = -1;
	dt->dc.pages_id = ++sess->next_pages_id;
	dt->ic.parent_dfd = -1;
	item->dmp = dt;
	/* memory shared with the parent is the parent's: dumped and tracked there */
	if (!item->zombie && !dmp_task_vm_shared(dt)) {
		int ret = incr_prepare(&dt->ic, sess->dfd, item->pid, !item->parent);

		if (ret)
			return ret;
		dt->dc.tracker_fd = incr_tracker_fd(&dt->ic);
	}
	for (i = 0; i < n; i++) {
		dt->cores[i] = alloc_thread_core(item->pid, item->threads[i], i == 0);
		if (!dt->cores[i])
			return -ENOMEM;
	}
	return item->helper ? 0 : parse_proc_stat(dt->dc.pid, &dt->st);
}

void dmp_tasks_free(struct pstree *t)
{
	unsigned int i;

	for (i = 0; i < t->nr; i++) {
		struct dmp_task *dt = t->items[i]->dmp;

		if (!dt)
			continue;
		layout_reader_cancel(&dt->layout);
		free_mem_plan(&dt->plan);
		free_vma_list(&dt->vmas);
		incr_fini(&dt->ic);
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
	if (dt->dc.item->helper) {
		tc.task_state = TASK_HELPER;
		tc.comm = "helper";
	} else {
		tc.task_state = TASK_DEAD;
		tc.exit_code = dt->st.exit_code;
		tc.comm = dt->st.comm;
		pr_info("Pid %d is a zombie, exit status %#x\n", dt->dc.pid,
			dt->st.exit_code);
	}
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

/* A table shared with the parent is dumped with the parent's. */
static bool item_shares_files_with_parent(const struct pstree_item *item)
{
	return item->parent && item->parent->ids.files_id == item->ids.files_id;
}

/*
 * The dirty trackers' descriptors parked in the table of @dt's task: its
 * own and those of the tasks sharing the table (CLONE_FILES). criu's,
 * not the application's: dump_files() leaves them out.
 */
static int table_tracker_fds(const struct dmp_task *dt, int **fds, unsigned int *nr)
{
	const struct pstree *t = dt->dc.sess->tree;
	uint32_t files_id = dt->dc.item->ids.files_id;
	unsigned int i, n = 0;
	int *v;

	v = calloc(t ? t->nr + 1 : 1, sizeof(*v));
	if (!v)
		return -ENOMEM;
	if (dt->dc.tracker_fd >= 0)
		v[n++] = dt->dc.tracker_fd;
	for (i = 0; t && i < t->nr; i++) {
		const struct pstree_item *o = t->items[i];

		if (o->dmp && o->dmp != dt && !o->zombie && o->ids.files_id == files_id &&
		    o->dmp->dc.tracker_fd >= 0)
			v[n++] = o->dmp->dc.tracker_fd;
	}
	*fds = v;
	*nr = n;
	return 0;
}

static int dump_task_files(struct dmp_task *dt)
{
	unsigned int nr_criu_fds;
	int *criu_fds, ret;

	ret = table_tracker_fds(dt, &criu_fds, &nr_criu_fds);
	if (ret)
		return ret;
	ret = dump_files(&dt->dc, dt->dc.item->ids.files_id, criu_fds, nr_criu_fds);
	free(criu_fds);
	return ret;
}

/*
 * The core of a leader that exited keeps the process's state (tc); its
 * thread part is not restored (the leader exits again at once), so the
 * first live thread's registers stand in for the parts restore expects.
 */
static void stand_in_leader(struct dmp_task *dt)
{
	CoreEntry *leader = dt->cores[0], *live = dt->cores[1];

	leader->thread_info = live->thread_info;
	leader->tc->has_leader_exited = true;
	leader->tc->leader_exited = true;
	pr_info("Pid %d: its leader has exited; %u threads run\n", dt->dc.item->pid,
		dt->dc.item->nr_threads - 1);
}

/* Per-process state read from outside, and the layout. */
static int collect_outside(struct dmp_task *dt)
{
	struct pstree_item *item = dt->dc.item;
	CoreEntry *core = dt->cores[0];
	unsigned int i;
	int ret;

	for (i = item->leader_dead ? 1 : 0; i < item->nr_threads; i++) {
		ret = dump_thread_outside(item->pid, item->threads[i], dt->cores[i]);
		if (!ret)
			ret = check_sysv_undo(item->pid, item->threads[i]);
		if (ret)
			return ret;
	}
	if (item->leader_dead)
		stand_in_leader(dt);
	core->tc->flags = dt->st.flags;
	if (item->stopped)
		core->tc->task_state = TASK_STOPPED;
	ret = read_personality(dt->dc.pid, &core->tc->personality);
	if (!ret)
		ret = dump_rlimits(dt->dc.pid, core);
	/*
	 * The layout before we add our scratch page to it, from maps: its
	 * VmFlags come from smaps beside the copy (dump_task_layout()).
	 */
	if (!ret)
		ret = parse_maps(dt->dc.pid, &dt->vmas);
	if (!ret)
		ret = check_mappings(dt->dc.pid, &dt->vmas);
	if (!ret && !item_shares_files_with_parent(item))
		ret = dump_task_files(dt);
	if (!ret)
		ret = dump_fs(&dt->dc);
	return ret;
}

/*
 * Another thread of the infected process: infected on its own (its own
 * way back, on its own stack), sharing the leader's scratch page.
 */
static int dump_other_thread(struct dmp_task *dt, unsigned int i)
{
	struct dump_ctx tdc = dt->dc;
	int ret, err;

	tdc.pid = dt->dc.item->threads[i];
	tdc.ctl = compel_infect(tdc.pid, 0);
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

	/* @dc is the leader's thread, or the first live one if it exited */
	i = dc->item->leader_dead ? 1 : 0;
	ret = dump_thread_inside(dc, dt->cores[i]);
	for (i++; i < dc->item->nr_threads && !ret; i++)
		ret = dump_other_thread(dt, i);
	if (!ret)
		ret = dump_signals(dc, dt->cores[0]);
	if (!ret)
		ret = dump_timers(dc, dt->cores[0]);	/* after dump_signals() */
	if (!ret)
		ret = dump_prctl_state(dc, dt->cores[0]);
	if (!ret)
		ret = dump_seccomp(dc, dt->cores);
	if (!ret)
		ret = dump_mlock(dc);			/* needs the scratch area */
	if (!ret && dt->policy_probe)
		ret = check_area_policies_probed(dc, &dt->vmas);	/* and this */
	return ret;
}

/*
 * Inside the infected process: the state only it can tell, then what
 * the tracker says changed, then which pages to copy. With
 * --leave-running (or --leave-stopped) and no --track-mem tracking ends here.
 */
static int dump_infected(struct dmp_task *dt)
{
	struct mem_dump_opts mo = {};
	int ret;

	ret = collect_inside(dt);
	if (ret || dmp_task_vm_shared(dt))
		return ret;	/* its pagemap stays empty: the parent's has it */
	ret = incr_collect(&dt->ic, &dt->dc, &dt->vmas, false);
	if (ret)
		return ret;
	incr_mem_opts(&dt->ic, &mo);
	ret = plan_pages(&dt->dc, &dt->vmas, &mo, &dt->plan, &dt->ms);
	if (!ret && dump_leaves_alive() && !opts.track_mem)
		ret = incr_stop(&dt->ic, &dt->dc, &dt->vmas);
	return ret;
}

int dump_task_frozen(struct dmp_task *dt)
{
	int ret;

	ret = collect_outside(dt);
	if (ret)
		return ret;
	ret = dump_infect(&dt->dc);
	/*
	 * smaps (and numa_maps, unless asking each area costs less) from
	 * here on, beside everything else done while stopped. Their walks
	 * hold the mmap lock for reading: what takes it for writing, the
	 * scratch area's mmap and brk(0), comes first, or it would wait for
	 * them.
	 */
	if (!ret)
		ret = dump_mm_inside(&dt->dc, &dt->mmi);
	if (!ret) {
		dt->policy_probe = area_policy_by_probe(dt->dc.pid, &dt->vmas);
		ret = layout_reader_start(&dt->layout, dt->dc.pid, !dt->policy_probe,
					  dt->dc.sess->vmflags_bpf);
		layout_reader_skip(&dt->layout, dt->dc.scratch,
				   dt->dc.scratch + dt->dc.scratch_size);
	}
	if (!ret)
		ret = dump_infected(dt);
	/*
	 * The copy before the cure: the cure's munmap takes the mmap lock for
	 * writing, so it waits for the walks, and the copy's reads would then
	 * wait behind it. dump --lazy-pages copies after the walks instead
	 * (dump_task_layout()): which areas are lazy depends on their
	 * VmFlags (locked, growsdown), known only from smaps, and what it
	 * copies is small.
	 */
	if (!ret && !dt->dc.sess->lazy_src)
		ret = dump_task_pages(dt);
	if (ret && incr_started(&dt->ic))
		incr_stop(&dt->ic, &dt->dc, &dt->vmas);
	if (dump_cure(&dt->dc) && !ret)
		ret = -EIO;
	return ret;
}

int dump_task_pages(struct dmp_task *dt)
{
	return write_pages(&dt->dc, &dt->vmas, &dt->plan, &dt->ms);
}

int dump_task_layout(struct dmp_task *dt)
{
	int ret;

	ret = layout_reader_finish(&dt->layout, &dt->vmas);
	if (!ret && dt->dc.sess->lazy_src && !dt->dc.item->zombie)
		ret = dump_task_pages(dt);
	if (!ret)
		ret = collect_mappings(&dt->dc, &dt->vmas);
	if (!ret)
		ret = dump_mm(&dt->dc, &dt->vmas, &dt->st, &dt->mmi);
	return ret;
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
	ds->pages_lazy += ms->pages_lazy;
	ds->shpages_scanned += ms->shpages_scanned;
	ds->shpages_written += ms->shpages_written;
	ds->page_pipes += ms->page_pipes;
	ds->page_pipe_bufs += ms->page_pipe_bufs;
}

int dmp_tasks_commit(struct pstree *t, bool keep_tracking)
{
	unsigned int i;
	int ret = 0;

	for (i = 0; i < t->nr && !ret; i++)
		if (!t->items[i]->zombie)
			ret = incr_commit(&t->items[i]->dmp->ic, t->items[i]->dmp->dc.sess->dfd,
					  keep_tracking);
	return ret;
}

const char *tracker_name(const struct pstree *t)
{
	const struct dmp_task *dt = pstree_root(t) ? pstree_root(t)->dmp : NULL;

	return dt ? incr_tracker_name(&dt->ic) : NULL;
}

/*
 * A dump that fails must not leave a tracker it started inside a task:
 * stop it again, seizing the task first when it already runs again.
 */
void dmp_tasks_undo_tracking(struct pstree *t, bool seize)
{
	unsigned int i;

	for (i = 0; i < t->nr; i++) {
		struct dmp_task *dt = t->items[i]->dmp;

		if (dt)
			incr_keep_lost(&dt->ic);
		if (!dt || !incr_started(&dt->ic))
			continue;
		if (seize && compel_seize(dt->dc.pid))
			continue;
		if (!dump_infect(&dt->dc))
			incr_stop(&dt->ic, &dt->dc, &dt->vmas);
		dump_cure(&dt->dc);
		if (seize)
			compel_detach(dt->dc.pid);
	}
}
