// SPDX-License-Identifier: GPL-2.0
/*
 * Building one process of a restored tree.
 *
 * Every process is forked (by criu for the root, by its parent for the
 * others) while its parent still has only the trampoline and criu's
 * pre-opened descriptors, so each one starts from the same clean state
 * and is then built on its own: memory, descriptors, fs, signals, its
 * threads (clone3 injected into the leader), credentials last. Every
 * thread is left stopped with its dumped registers; the whole tree is
 * released at once when every process is done.
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

/* --- reading the images -------------------------------------------------- */

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
		if (!ret)
			ret = read_pagemap_chain(rs->dfd, rt->rc.pid, rt->mm,
						 keep_pages_fd, rs, &rt->ps);
	}
	return ret;
}

void rst_tasks_free(struct pstree *t)
{
	unsigned int i;

	for (i = 0; i < t->nr; i++) {
		struct rst_task *rt = t->items[i]->rst;

		if (!rt)
			continue;
		free_pagemap(&rt->ps);
		free(rt->cores);
		free(rt->threads);
		free(rt);
		t->items[i]->rst = NULL;
	}
}

/* --- the tree's shape: sessions, groups, children, zombies ---------------- */

int rst_lead_session(struct rst_task *rt, bool root)
{
	const struct pstree_item *item = rt->rc.item;
	long ret = 0;

	/* With --shell-job the root stays in criu's session and group. */
	if (item->sid == item->pid && !(root && opts.shell_job))
		ret = rst_syscall(&rt->rc, "setsid", __NR_setsid, 0, 0, 0, 0, 0, 0);
	else if (item->pgid == item->pid)
		ret = rst_syscall(&rt->rc, "setpgid", __NR_setpgid, 0, 0, 0, 0, 0, 0);
	else if (root && !opts.shell_job) {
		pr_err("pstree.img: pid %d is neither a session nor a group leader; use --shell-job\n",
		       item->pid);
		return -EINVAL;
	}
	return ret < 0 ? ret : 0;
}

int rst_fork_child(struct rst_task *rt, struct pstree_item *child,
		   const struct rst_layout *l)
{
	struct rst_task *crt = child->rst;
	int ret;

	ret = rst_clone(&rt->rc, child->pid, false, crt->clone_flags);
	if (ret)
		return ret;
	crt->created = true;
	crt->rc.ctl = compel_infect(child->pid, l->tramp);
	if (!crt->rc.ctl)
		return -EIO;
	rst_use_trampoline(&crt->rc, l->tramp);
	pr_info("Pid %d forked pid %d\n", rt->rc.pid, child->pid);
	return 0;
}

int rst_join_group(struct rst_task *rt, bool root)
{
	const struct pstree_item *item = rt->rc.item;
	long ret;

	if (item->pgid == item->pid || (root && opts.shell_job))
		return 0;
	if (item->parent && item->parent->pgid == item->pgid &&
	    item->parent->sid == item->sid)
		return 0;	/* inherited at the fork */
	if (item->pgid == pstree_root_of(item)->pgid && opts.shell_job)
		return 0;	/* the root's group: criu's terminal's */
	ret = rst_syscall(&rt->rc, "setpgid", __NR_setpgid, 0, item->pgid, 0, 0, 0, 0);
	return ret < 0 ? ret : 0;
}

/* A signal's default action, so that it ends the task. */
static int default_action(struct rst_task *rt, int sig)
{
	struct {
		unsigned long handler, flags, restorer, mask;
	} dfl = { 0 };
	unsigned long addr;
	long ret;

	addr = rst_scratch_put(&rt->rc, &dfl, sizeof(dfl));
	if (!addr)
		return -ENOSPC;
	ret = rst_syscall(&rt->rc, "rt_sigaction (default)", __NR_rt_sigaction, sig,
			  addr, 0, sizeof(uint64_t), 0, 0);
	rst_scratch_reset(&rt->rc);
	return ret < 0 ? ret : 0;
}

static bool is_zombie_now(pid_t pid)
{
	enum compel_task_state state;

	return !compel_task_state(pid, &state) && state == COMPEL_TASK_ZOMBIE;
}

/*
 * The task is let go at a last system call that ends it: exit_group()
 * with its status, or kill() of itself with its fatal signal (default
 * action, unblocked). Untraced by then, its exit goes to its parent,
 * which finds the zombie it had.
 */
int rst_make_zombie(struct rst_task *rt)
{
	int status = rt->rc.item->helper ? 0 : rt->cores[0]->tc->exit_code;
	unsigned long site = compel_ctl_site(rt->rc.ctl);
	struct user_regs_struct regs;
	pid_t pid = rt->rc.pid;
	long ret;
	int i;

	ret = compel_get_regs(pid, &regs);
	if (ret)
		return ret;
	regs.rip = site;
	regs.orig_rax = -1;
	if (WIFSIGNALED(status)) {
		ret = default_action(rt, WTERMSIG(status));
		regs.rax = __NR_kill;
		regs.rdi = pid;
		regs.rsi = WTERMSIG(status);
	} else {
		regs.rax = __NR_exit_group;
		regs.rdi = WEXITSTATUS(status);
	}
	if (!ret)
		ret = compel_syscall_and_set_regs(rt->rc.ctl, __NR_getpid, &ret, 0, 0, &regs);
	rt->rc.ctl = NULL;
	if (!ret)
		ret = compel_set_sigmask(pid, 0);
	if (!ret)
		ret = compel_detach(pid);
	if (ret)
		return ret;
	/* Its parent must see the exit before it is built on. */
	for (i = 0; i < 1000 && !is_zombie_now(pid); i++)
		usleep(1000);
	if (!is_zombie_now(pid)) {
		pr_err("Pid %d did not end as a zombie\n", pid);
		return -EIO;
	}
	pr_info("Pid %d is a zombie again (status %#x)\n", pid, status);
	return 0;
}

/* --- one process ------------------------------------------------------------ */

/*
 * Zombie children already exited: the SIGCHLD they queued is not the
 * dumped process's (its own pending signals come from the image).
 */
static int drop_child_signals(struct rst_task *rt)
{
	const struct pstree_item *item = rt->rc.item;
	struct timespec zero = { 0, 0 };
	uint64_t set = 1ULL << (SIGCHLD - 1);
	unsigned long a_set, a_ts;
	unsigned int i;
	long ret;

	for (i = 0; i < item->nr_children && !item->children[i]->zombie; i++)
		;
	if (i == item->nr_children)
		return 0;
	a_set = rst_scratch_put(&rt->rc, &set, sizeof(set));
	a_ts = rst_scratch_put(&rt->rc, &zero, sizeof(zero));
	if (!a_set || !a_ts)
		return -ENOSPC;
	do
		ret = rst_syscall(&rt->rc, "rt_sigtimedwait", __NR_rt_sigtimedwait,
				  a_set, 0, a_ts, sizeof(set), 0, 0);
	while (ret == SIGCHLD);
	rst_scratch_reset(&rt->rc);
	return ret == -EAGAIN ? 0 : (ret < 0 ? ret : -EIO);
}

static long fill_memory(struct rst_task *rt, const bool *kept, struct restore_stats *rs)
{
	struct cow_stats cs = {};
	long ret;

	if (!kept)
		return restore_pages(&rt->rc, &rt->ps);
	ret = cow_restore_pages(&rt->rc, rt->mm, kept, &rt->ps, &cs);
	rs->pages_compared += cs.pages_compared;
	rs->pages_skipped_cow += cs.pages_skipped_cow;
	return ret ? ret : (long)cs.pages_written;
}

int rst_build_memory(struct rst_task *rt, const struct rst_layout *l,
		     struct restore_stats *rs, bool inherited)
{
	struct rst_ctx *rc = &rt->rc;
	struct vma_list cur = {};
	bool *kept = NULL;
	long ret = 0;

	if (inherited) {
		kept = calloc(rt->mm->n_vmas ? rt->mm->n_vmas : 1, sizeof(*kept));
		if (!kept)
			return -ENOMEM;
		ret = cow_keep_inherited(rc, rt->mm, l->tramp, &cur, kept);
	}
	if (!ret)
		ret = rst_move_vdso(rc, l, inherited ? &cur : &l->self, rt->mm);
	if (!ret)
		ret = restore_mappings(rc, rt->mm, &rt->ps, kept);
	if (!ret) {
		ret = fill_memory(rt, kept, rs);
		if (ret >= 0) {
			rs->pages_restored += ret;
			ret = 0;
		}
	}
	if (!ret)
		ret = restore_vma_prot(rc, rt->mm, &rt->ps);
	if (!ret)
		ret = restore_mm_fields(rc, rt->mm);
	if (!ret && fault_injected(FI_RESTORE_MAPPED))
		ret = -EIO;
	free_vma_list(&cur);
	free(kept);
	return ret;
}

/* Helpers among the children have done their job: reap them. */
static int reap_helpers(struct rst_task *rt)
{
	const struct pstree_item *item = rt->rc.item;
	unsigned int i;
	long ret;

	for (i = 0; i < item->nr_children; i++) {
		pid_t h = item->children[i]->pid;

		if (!item->children[i]->helper)
			continue;
		ret = rst_syscall(&rt->rc, "wait4 of a helper", __NR_wait4, h, 0, __WALL,
				  0, 0, 0);
		if (ret != h)
			return ret < 0 ? ret : -EIO;
	}
	return 0;
}

static int build_process_state(struct rst_task *rt)
{
	struct rst_ctx *rc = &rt->rc;
	const CoreEntry *core = rt->cores[0];
	long ret = 0;

	if (!rt->files_shared)
		ret = restore_fds(rc, rc->item->ids.files_id);
	if (!ret && fault_injected(FI_RESTORE_FDS))
		ret = -EIO;
	if (!ret)
		ret = restore_fs(rc);
	if (!ret)
		ret = reap_helpers(rt);
	if (!ret)
		ret = drop_child_signals(rt);
	if (!ret)
		ret = restore_signals(rc, core);
	if (ret)
		return ret;
	ret = rst_syscall(rc, "personality", __NR_personality,
			  core->tc->personality, 0, 0, 0, 0, 0);
	if (ret < 0)
		return ret;
	ret = restore_thread_inside(rc, core);
	if (!ret)
		ret = restore_thread_sched(rc->pid, core->thread_core);
	if (!ret)
		ret = restore_rlimits(rc->pid, core);
	return ret;
}

static int create_threads(struct rst_task *rt, const struct rst_layout *l)
{
	const struct pstree_item *item = rt->rc.item;
	unsigned int i;
	int ret;

	for (i = 1; i < item->nr_threads; i++) {
		struct rst_ctx *trc = &rt->threads[i - 1];

		ret = rst_clone(&rt->rc, item->threads[i], true, 0);
		if (ret)
			return ret;
		rt->nr_created = i;
		*trc = rt->rc;
		trc->pid = item->threads[i];
		trc->ctl = compel_infect(trc->pid, l->tramp);
		if (!trc->ctl)
			return -EIO;
		rst_use_trampoline(trc, l->tramp);
		ret = restore_thread_inside(trc, rt->cores[i]);
		if (!ret)
			ret = restore_thread_sched(trc->pid, rt->cores[i]->thread_core);
		if (ret)
			return ret;
	}
	if (item->nr_threads > 1)
		pr_info("Pid %d: %u threads created\n", item->pid, item->nr_threads);
	return 0;
}

/* Registers, FPU and mask of one thread; it stays stopped there. */
static int finish_thread(struct rst_ctx *trc, const CoreEntry *core,
			 long last_nr, unsigned long a1, unsigned long a2)
{
	struct user_regs_struct regs;
	long ret;
	int err;

	err = restore_thread_regs(trc->pid, core, &regs);
	if (err)
		return err;
	err = compel_syscall_and_set_regs(trc->ctl, last_nr, &ret, a1, a2, &regs);
	trc->ctl = NULL;
	if (err)
		return err;
	if (ret < 0) {
		pr_err("The last call in thread %d failed: %ld\n", trc->pid, ret);
		return ret;
	}
	return compel_set_sigmask(trc->pid, core_blocked_mask(core));
}

static int finish_process(struct rst_task *rt, const struct rst_layout *l)
{
	unsigned int i, n = rt->rc.item->nr_threads;
	long ret;

	/* A table shared with later tasks still serves them. */
	if (rt->files_last) {
		ret = rst_syscall(&rt->rc, "close_range", __NR_close_range,
				  rt->rc.sess->fd_base, ~0U, 0, 0, 0, 0);
		if (ret < 0)
			return ret;
	}
	/* Credentials last: they can drop what the steps before need. */
	for (i = 1; i < n; i++) {
		ret = restore_creds(&rt->threads[i - 1], rt->cores[i]);
		if (ret)
			return ret;
	}
	ret = restore_creds(&rt->rc, rt->cores[0]);
	if (ret)
		return ret;
	for (i = 1; i < n; i++) {
		ret = finish_thread(&rt->threads[i - 1], rt->cores[i], __NR_getpid, 0, 0);
		if (ret)
			return ret;
	}
	if (fault_injected(FI_RESTORE_BEFORE_REGS))
		return -EIO;
	/*
	 * The last call unmaps the trampoline (unless a later task on this
	 * address space still needs it); the dumped registers take over.
	 */
	if (!rt->vm_last)
		return finish_thread(&rt->rc, rt->cores[0], __NR_getpid, 0, 0);
	return finish_thread(&rt->rc, rt->cores[0], __NR_munmap, l->tramp,
			     TRAMPOLINE_SIZE);
}

int rst_build_task(struct rst_task *rt, const struct rst_layout *l,
		   struct restore_stats *rs)
{
	int ret;

	ret = build_process_state(rt);
	if (!ret)
		ret = create_threads(rt, l);
	if (!ret)
		ret = finish_process(rt, l);
	if (!ret)
		pr_info("Pid %d is built\n", rt->rc.pid);
	return ret;
}

/* --- the end --------------------------------------------------------------- */

static void reap(pid_t tid)
{
	int status;

	while (waitpid(tid, &status, __WALL) == tid)
		if (WIFEXITED(status) || WIFSIGNALED(status))
			break;
}

void rst_kill_tree(struct pstree *t)
{
	unsigned int i, j;

	for (i = t->nr; i-- > 0;) {
		struct rst_task *rt = t->items[i]->rst;

		if (rt && rt->created && !t->items[i]->zombie)
			kill(rt->rc.pid, SIGKILL);
	}
	for (i = t->nr; i-- > 0;) {
		struct rst_task *rt = t->items[i]->rst;

		if (!rt || !rt->created || t->items[i]->zombie)
			continue;
		for (j = 0; j < rt->nr_created; j++)
			reap(rt->threads[j].pid);
		reap(rt->rc.pid);
	}
}

int rst_release_tree(struct pstree *t)
{
	unsigned int i, j;
	int ret = 0, err;

	/* Children before parents, and each leader after its threads. */
	for (i = t->nr; i-- > 0;) {
		struct rst_task *rt = t->items[i]->rst;

		if (t->items[i]->zombie)
			continue;
		/* Queued now, the stop takes the whole group once it runs. */
		if (t->items[i]->stopped && kill(rt->rc.pid, SIGSTOP)) {
			pr_perror("Can't stop pid %d again", rt->rc.pid);
			ret = ret ? ret : -errno;
		}
		for (j = 0; j < rt->nr_created; j++) {
			err = compel_detach(rt->threads[j].pid);
			ret = ret ? ret : err;
		}
		err = compel_detach(rt->rc.pid);
		ret = ret ? ret : err;
	}
	return ret;
}
