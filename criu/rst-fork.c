// SPDX-License-Identifier: GPL-2.0
/*
 * Forking the tasks of a restore with their dumped pids and tids.
 */
#include <errno.h>
#include <linux/sched.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "compel.h"
#include "log.h"
#include "restore.h"
#include "rst-fork.h"

/* What a thread of the dumped process shares with its leader. */
#define THREAD_CLONE_FLAGS	(CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_SIGHAND | \
				 CLONE_THREAD | CLONE_SYSVSEM)

/*
 * A pid held by a zombie is released as soon as its parent reaps it,
 * which may take a moment right after `criu dump` killed the process.
 */
static bool pid_is_zombie(pid_t pid)
{
	enum compel_task_state state;

	return !compel_task_state(pid, &state) && state == COMPEL_TASK_ZOMBIE;
}

pid_t fork_root(pid_t pid)
{
	struct clone_args args;
	pid_t set_tid = pid;
	long ret;
	int i;

	memset(&args, 0, sizeof(args));
	args.exit_signal = SIGCHLD;
	args.set_tid = (unsigned long)&set_tid;
	args.set_tid_size = 1;
	ret = syscall(SYS_clone3, &args, sizeof(args));
	for (i = 0; ret < 0 && errno == EEXIST && i < 500 && pid_is_zombie(pid); i++) {
		usleep(10000);
		ret = syscall(SYS_clone3, &args, sizeof(args));
	}
	if (ret < 0) {
		if (errno == EEXIST)
			pr_err("Pid %d is already in use (by a running process or an unreaped zombie): can't restore\n",
			       pid);
		else
			pr_perror("clone3 with pid %d", pid);
		return -errno;
	}
	if (ret == 0) {
		/*
		 * The child: let criu take over. Only raw calls here, since
		 * libc's cached thread state belongs to the parent.
		 */
		if (syscall(SYS_ptrace, PTRACE_TRACEME, 0, 0, 0) == 0)
			syscall(SYS_kill, syscall(SYS_getpid), SIGSTOP);
		syscall(SYS_exit_group, 1);
	}
	ret = compel_wait_traceme_child(ret);
	if (!ret)
		ret = compel_trace_clones(pid);
	return ret ? ret : pid;
}

/* Wait until a zombie of a killed dump no longer holds @pid. */
static void wait_pid_free(pid_t pid)
{
	int i;

	for (i = 0; i < 500 && pid_is_zombie(pid); i++)
		usleep(10000);
}

int rst_clone(struct rst_ctx *parent, pid_t pid, bool thread, unsigned long flags)
{
	struct {
		struct clone_args args;
		pid_t set_tid;
	} arg;
	unsigned long addr;
	long ret;

	memset(&arg, 0, sizeof(arg));
	arg.args.flags = thread ? THREAD_CLONE_FLAGS : flags;
	arg.args.exit_signal = thread ? 0 : SIGCHLD;
	arg.args.set_tid_size = 1;
	arg.set_tid = pid;
	addr = rst_scratch_put(parent, &arg, sizeof(arg));
	if (!addr)
		return -ENOSPC;
	arg.args.set_tid = addr + offsetof(typeof(arg), set_tid);
	if (compel_write_mem(parent->pid, addr, &arg, sizeof(arg)))
		return -EIO;
	wait_pid_free(pid);
	ret = rst_syscall(parent, thread ? "clone3 of a thread" : "clone3 of a child",
			  __NR_clone3, addr, sizeof(arg.args), 0, 0, 0, 0);
	rst_scratch_reset(parent);
	if (ret == -EEXIST)
		pr_err("Pid %d is already in use: can't restore\n", pid);
	if (ret < 0)
		return ret;
	if (ret != pid) {
		pr_err("clone3 in pid %d made %ld, not %d\n", parent->pid, ret, pid);
		return -EINVAL;
	}
	ret = compel_wait_traceme_child(pid);
	if (!ret && !thread)
		ret = compel_trace_clones(pid);
	return ret;
}
