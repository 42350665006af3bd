// SPDX-License-Identifier: GPL-2.0
/*
 * Attaching to and releasing tasks: PTRACE_SEIZE + PTRACE_INTERRUPT for
 * running tasks, PTRACE_TRACEME children for the restore path.
 */
#include <errno.h>
#include <signal.h>
#include <sys/ptrace.h>
#include <sys/wait.h>
#include <stdint.h>
#include <time.h>

#include "compel.h"
#include "compel-priv.h"
#include "log.h"

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

/*
 * An injected call is two stops, each a round trip between criu and the
 * task. Sleeping in waitpid() lets criu's CPU go idle each time, and on
 * this machine (two vCPUs of a guest) waking an idle vCPU costs tens of
 * us: the final dump's 62 injected rt_sigaction() calls took 11 ms, and
 * 1 ms when the other CPU happened to be busy. A task at a stop answers
 * within microseconds, so criu polls for WAIT_SPIN_NS first, then sleeps
 * as before.
 */
#define WAIT_SPIN_NS	500000ULL

int compel_wait_stop(pid_t pid, int *status)
{
	uint64_t until = now_ns() + WAIT_SPIN_NS;
	pid_t ret;

	do
		ret = waitpid(pid, status, __WALL | WNOHANG);
	while (!ret && now_ns() < until);
	while (ret <= 0 && (ret == 0 || errno == EINTR))
		ret = waitpid(pid, status, __WALL);
	if (ret < 0) {
		int err = -errno;

		pr_perror("waitpid for %d failed", pid);
		return err;
	}
	if (WIFEXITED(*status)) {
		pr_err("pid %d exited with %d while traced\n", pid,
		       WEXITSTATUS(*status));
		return -ESRCH;
	}
	if (WIFSIGNALED(*status)) {
		pr_err("pid %d was killed by signal %d while traced\n", pid,
		       WTERMSIG(*status));
		return -ESRCH;
	}
	return 0;
}

static int refuse_by_state(pid_t pid)
{
	enum compel_task_state state;
	int ret;

	ret = compel_task_state(pid, &state);
	if (ret)
		return ret;
	switch (state) {
	case COMPEL_TASK_DEAD:
		pr_err("Can't seize %d: no such process\n", pid);
		return -ESRCH;
	case COMPEL_TASK_ZOMBIE:
		pr_err("Can't seize %d: it is a zombie\n", pid);
		return -EPERM;
	case COMPEL_TASK_KTHREAD:
		pr_err("Can't seize %d: it is a kernel thread\n", pid);
		return -EPERM;
	default:
		return 0;
	}
}

/*
 * Wait for the stop PTRACE_INTERRUPT asked for. A signal-delivery stop
 * may come first: that signal is already dequeued, so it is handed
 * back with PTRACE_CONT (the task takes it as it would have without
 * us); the interrupt stays pending and traps right after.
 */
static int wait_interrupt_stop(pid_t pid)
{
	int status, ret, sig;

	for (;;) {
		ret = compel_wait_stop(pid, &status);
		if (ret)
			return ret;
		if (status >> 16 == PTRACE_EVENT_STOP)
			return 0;
		sig = status >> 16 ? 0 : WSTOPSIG(status);
		pr_debug("pid %d: signal %d before the interrupt stop, passing it on\n",
			 pid, sig);
		if (ptrace(PTRACE_CONT, pid, 0, (long)sig)) {
			ret = -errno;
			pr_perror("Can't resume %d with signal %d", pid, sig);
			return ret;
		}
	}
}

/*
 * A seccomp filter could kill the task or fail the calls we inject;
 * PTRACE_O_SUSPEND_SECCOMP lifts it while we trace (it needs
 * CAP_SYS_ADMIN, so it is asked for only when there is a filter).
 */
static int seize_options(pid_t pid, long *options)
{
	int mode, ret;

	*options = PTRACE_O_TRACESYSGOOD;
	ret = compel_seccomp_mode(pid, &mode);
	if (ret)
		return ret;
	if (mode)
		*options |= PTRACE_O_SUSPEND_SECCOMP;
	return 0;
}

int compel_interrupt(pid_t pid)
{
	int ret;

	if (ptrace(PTRACE_INTERRUPT, pid, 0, 0)) {
		ret = -errno;
		pr_perror("Can't interrupt %d", pid);
		return ret;
	}
	return wait_interrupt_stop(pid);
}

int compel_seize(pid_t pid)
{
	long options;
	int ret;

	ret = refuse_by_state(pid);
	if (!ret)
		ret = seize_options(pid, &options);
	if (ret)
		return ret;
	if (ptrace(PTRACE_SEIZE, pid, 0, options)) {
		ret = -errno;
		pr_perror("Can't seize %d", pid);
		return ret;
	}
	ret = compel_interrupt(pid);
	if (ret)
		goto detach;
	pr_debug("pid %d seized\n", pid);
	return 0;

detach:
	/* Fails harmlessly (ESRCH) when the task is dead or not stopped. */
	if (ptrace(PTRACE_DETACH, pid, 0, 0) && errno != ESRCH)
		pr_perror("Can't detach from %d", pid);
	return ret;
}

/*
 * The child raised SIGSTOP after PTRACE_TRACEME. Signals that reach it
 * before that are passed on, so it sees them as it would untraced.
 */
int compel_wait_traceme_child(pid_t pid)
{
	int status, ret, sig;

	for (;;) {
		ret = compel_wait_stop(pid, &status);
		if (ret)
			return ret;
		sig = WSTOPSIG(status);
		if (status >> 16 == 0 && sig == SIGSTOP)
			break;
		pr_debug("pid %d: stop %#x before its SIGSTOP, passing it on\n",
			 pid, status);
		if (ptrace(PTRACE_CONT, pid, 0, status >> 16 ? 0L : (long)sig)) {
			ret = -errno;
			pr_perror("Can't resume %d", pid);
			return ret;
		}
	}
	if (ptrace(PTRACE_SETOPTIONS, pid, 0,
		   (long)(PTRACE_O_EXITKILL | PTRACE_O_TRACESYSGOOD))) {
		ret = -errno;
		pr_perror("Can't set ptrace options on %d", pid);
		return ret;
	}
	return 0;
}

int compel_trace_clones(pid_t pid)
{
	long options = PTRACE_O_EXITKILL | PTRACE_O_TRACESYSGOOD |
		       PTRACE_O_TRACECLONE | PTRACE_O_TRACEFORK;
	int ret;

	if (ptrace(PTRACE_SETOPTIONS, pid, 0, options)) {
		ret = -errno;
		pr_perror("Can't set ptrace options on %d", pid);
		return ret;
	}
	return 0;
}

int compel_exit_kills(pid_t pid)
{
	long options;
	int ret;

	ret = seize_options(pid, &options);
	if (ret)
		return ret;
	if (ptrace(PTRACE_SETOPTIONS, pid, 0, options | PTRACE_O_EXITKILL)) {
		ret = -errno;
		pr_perror("Can't set ptrace options on %d", pid);
		return ret;
	}
	return 0;
}

int compel_detach(pid_t pid)
{
	int ret;

	if (ptrace(PTRACE_DETACH, pid, 0, 0)) {
		ret = -errno;
		pr_perror("Can't detach from %d", pid);
		return ret;
	}
	pr_debug("pid %d detached\n", pid);
	return 0;
}
