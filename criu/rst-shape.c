// SPDX-License-Identifier: GPL-2.0
/*
 * The tree's shape at restore: sessions and groups, children forked by
 * their parents, groups joined, zombies and helpers ending as they did.
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
 * Let the task go at a last system call @nr(@a1, @a2) that ends it (or
 * its thread), run from the syscall site with @unblock_all or with every
 * signal still blocked; untraced by then, its end goes to its parent.
 * Waits until the kernel shows it as a zombie.
 */
int rst_end_at_site(struct rst_task *rt, long nr, unsigned long a1,
		    unsigned long a2, bool unblock_all)
{
	struct user_regs_struct regs;
	pid_t pid = rt->rc.pid;
	long ret, res;
	int i;

	ret = compel_get_regs(pid, &regs);
	if (ret)
		return ret;
	regs.rip = compel_ctl_site(rt->rc.ctl);
	regs.orig_rax = -1;
	regs.rax = nr;
	regs.rdi = a1;
	regs.rsi = a2;
	ret = compel_syscall_and_set_regs(rt->rc.ctl, __NR_getpid, &res, 0, 0, &regs);
	rt->rc.ctl = NULL;
	if (!ret && unblock_all)
		ret = compel_set_sigmask(pid, 0);
	if (!ret)
		ret = compel_detach(pid);
	if (ret)
		return ret;
	for (i = 0; i < 1000 && !is_zombie_now(pid); i++)
		usleep(1000);
	if (!is_zombie_now(pid)) {
		pr_err("Pid %d did not end as a zombie\n", pid);
		return -EIO;
	}
	return 0;
}

/*
 * A zombie ends as it ended: exit_group() with its status, or kill() of
 * itself with its fatal signal (default action, unblocked). Its parent
 * then finds the zombie it had, before it is built on.
 */
int rst_make_zombie(struct rst_task *rt)
{
	int status = rt->rc.item->helper ? 0 : rt->cores[0]->tc->exit_code;
	int ret;

	if (WIFSIGNALED(status)) {
		ret = default_action(rt, WTERMSIG(status));
		if (!ret)
			ret = rst_end_at_site(rt, __NR_kill, rt->rc.pid, WTERMSIG(status), true);
	} else {
		ret = rst_end_at_site(rt, __NR_exit_group, WEXITSTATUS(status), 0, true);
	}
	if (!ret)
		pr_info("Pid %d is a zombie again (status %#x)\n", rt->rc.pid, status);
	return ret;
}

