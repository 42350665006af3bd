// SPDX-License-Identifier: GPL-2.0
/*
 * Building one process of a restored tree (rst-images.c reads it,
 * rst-shape.c forks it).
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
#include "task-state.h"
#include "thread-core.h"

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
		ret = restore_mlock(rc, rt->mm);
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
	/* A leader that exits again keeps no thread state of its own. */
	if (!rc->item->leader_dead)
		ret = restore_thread_inside(rc, core);
	if (!ret && !rc->item->leader_dead)
		ret = restore_thread_sched(rc->pid, core->thread_core);
	if (!ret)
		ret = restore_rlimits(rc->pid, core);
	if (!ret)
		ret = restore_prctl_state(rc, core);
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

/*
 * The leader of a process whose leader had exited ends with exit() (the
 * thread only) and stays a zombie while the threads run. The last thread
 * then removes the trampoline.
 */
static int leader_exits(struct rst_task *rt)
{
	return rst_end_at_site(rt, __NR_exit, 0, 0, false);
}

static int finish_without_leader(struct rst_task *rt, const struct rst_layout *l)
{
	unsigned int i, n = rt->rc.item->nr_threads;
	int ret;

	for (i = 1; i + 1 < n; i++) {
		ret = finish_thread(&rt->threads[i - 1], rt->cores[i], __NR_getpid, 0, 0);
		if (ret)
			return ret;
	}
	if (fault_injected(FI_RESTORE_BEFORE_REGS))
		return -EIO;
	ret = leader_exits(rt);
	if (ret)
		return ret;
	if (!rt->vm_last)
		return finish_thread(&rt->threads[n - 2], rt->cores[n - 1], __NR_getpid, 0, 0);
	return finish_thread(&rt->threads[n - 2], rt->cores[n - 1], __NR_munmap, l->tramp,
			     TRAMPOLINE_SIZE);
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
		if (!ret)
			ret = restore_thread_privs(&rt->threads[i - 1],
						   rt->cores[i]->thread_core);
		if (ret)
			return ret;
	}
	if (rt->rc.item->leader_dead)
		return finish_without_leader(rt, l);
	ret = restore_creds(&rt->rc, rt->cores[0]);
	if (!ret)
		ret = restore_thread_privs(&rt->rc, rt->cores[0]->thread_core);
	/* a change of ids resets the dumpable flag */
	if (!ret && !rt->vm_shared)
		ret = restore_dumpable(&rt->rc, rt->mm);
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
	/* after the threads: a timer may signal one; seccomp before the creds */
	if (!ret)
		ret = restore_timers(&rt->rc, rt->cores[0]);
	if (!ret)
		ret = restore_seccomp(rt);
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
		if (t->items[i]->leader_dead)
			continue;	/* it ended already: leader_exits() */
		err = compel_detach(rt->rc.pid);
		ret = ret ? ret : err;
	}
	return ret;
}
