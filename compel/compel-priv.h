/* SPDX-License-Identifier: GPL-2.0 */
#ifndef COMPEL_PRIV_H
#define COMPEL_PRIV_H

/* Helpers shared by the files of compel/; not part of the public API. */

#include <stdint.h>
#include <sys/types.h>
#include <sys/user.h>

#include "compel.h"

/* State of one infected task, between compel_infect() and compel_cure(). */
struct compel_ctl {
	pid_t pid;
	unsigned long site;
	unsigned char site_saved[COMPEL_SYSCALL_CODE_LEN];
	struct user_regs_struct regs;	/* as seized, put back by cure */
	uint64_t sigmask;		/* as seized, put back by cure */
	/*
	 * Asynchronous signals that reached the task while it ran an
	 * injected call (only SIGSTOP can: the rest are blocked). Their
	 * delivery stops swallow them, so cure sends them again; bit sig-1.
	 */
	uint64_t deferred;
};

/*
 * waitpid(@pid, __WALL), retried on EINTR. Returns 0 with *@status
 * filled, -ESRCH when the task exited (a traced task that exits is
 * gone for our purposes), or another -errno.
 */
int compel_wait_stop(pid_t pid, int *status);

/*
 * PTRACE_INTERRUPT a seized task and wait for the stop; a signal-
 * delivery stop seen first is passed on to the task.
 */
int compel_interrupt(pid_t pid);

/* Fill @regs for syscall @nr with @args at @site (orig_rax = -1). */
void compel_load_syscall(struct user_regs_struct *regs, unsigned long site,
			 long nr, const unsigned long args[6]);

/* Start of the first executable mapping in /proc/@pid/maps. */
int compel_find_exec_vma(pid_t pid, unsigned long *start);
/* Save the bytes at @site and write compel_syscall_code there. */
int compel_place_code(struct compel_ctl *ctl, unsigned long site);
/* Put the saved bytes back at ctl->site. */
int compel_remove_code(struct compel_ctl *ctl);

/* Thread group id of thread @pid, from /proc/PID/status; or -errno. */
pid_t compel_tgid(pid_t pid);
/* Seccomp mode of @pid (0: none) from /proc/PID/status. */
int compel_seccomp_mode(pid_t pid, int *mode);
/*
 * A stop that is not the one waited for while injecting syscall @nr:
 * 0 to resume through it (async signals are deferred), -EFAULT for a
 * fault, or another -errno.
 */
int compel_other_stop(struct compel_ctl *ctl, int status, long nr);
/* Send again the signals swallowed during injection (ctl->deferred). */
int compel_resend_deferred(struct compel_ctl *ctl);

#endif /* COMPEL_PRIV_H */
