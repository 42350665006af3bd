// SPDX-License-Identifier: GPL-2.0
/*
 * Running system calls inside an infected task: the registers are
 * pointed at the site with the arguments loaded, and the task is
 * resumed with PTRACE_SYSCALL to the syscall's entry and then its exit
 * stop, where rax holds the result. The site is the task's own
 * "syscall; ret" with rsp at the way home (return.c), or in legacy mode
 * a "syscall; int3" written by us.
 *
 * Either way nothing after the syscall instruction runs while we are
 * there: we stop at the exit. The ret is for a task whose tracer died;
 * the int3 is a guard that turns a missed stop into a visible fault
 * (never run into on purpose: a forced SIGTRAP would reset an ignored
 * SIGTRAP to SIG_DFL).
 */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/wait.h>

#include "compel.h"
#include "compel-priv.h"
#include "log.h"

/*
 * orig_rax = -1 says the task is not inside a syscall, so nothing on
 * the way back to user mode takes it for an interrupted call to restart
 * (which moves rip two bytes back, off the site). With rax = nr that
 * check would not fire today either; -1 keeps us from relying on it.
 * The seized orig_rax/rax (maybe an -ERESTART* pair) stay in the ctl
 * for cure.
 */
void compel_load_syscall(struct user_regs_struct *regs, unsigned long site,
			 long nr, const unsigned long args[6])
{
	regs->rip = site;
	regs->rax = nr;
	regs->orig_rax = -1;
	regs->rdi = args[0];
	regs->rsi = args[1];
	regs->rdx = args[2];
	regs->r10 = args[3];
	regs->r8 = args[4];
	regs->r9 = args[5];
}

static int is_fault(int sig, const siginfo_t *si)
{
	switch (sig) {
	case SIGSEGV:
	case SIGBUS:
	case SIGILL:
	case SIGFPE:
	case SIGTRAP:
	case SIGSYS:
		return si->si_code > 0;	/* raised by the kernel, not kill() */
	default:
		return 0;
	}
}

/*
 * Sort out a stop that is not the syscall stop we wait for. Group and
 * interrupt stops are resumed through (a group stop is re-established
 * on detach, and by the kernel after our death). An asynchronous
 * signal (only SIGSTOP gets through the mask) is handed back, so the
 * task group-stops as it would have: nothing is held here that our
 * death could lose. A fault means the site or the call is broken.
 */
int compel_other_stop(struct compel_ctl *ctl, int status, long nr, int *sig)
{
	siginfo_t si;
	int ret;

	*sig = 0;
	if (status >> 16)
		return 0;
	/*
	 * Never a fault: passed on at once. A tracer that dies while the
	 * task sits in this signal-delivery stop loses the signal (the
	 * kernel's known ptrace limitation), so the stop is kept short.
	 */
	if (WSTOPSIG(status) == SIGSTOP) {
		*sig = SIGSTOP;
		return 0;
	}
	if (ptrace(PTRACE_GETSIGINFO, ctl->pid, 0, &si)) {
		ret = -errno;
		pr_perror("Can't get siginfo of %d", ctl->pid);
		return ret;
	}
	if (is_fault(WSTOPSIG(status), &si)) {
		pr_err("pid %d: signal %d (code %d, addr %p) during remote syscall %ld at %#lx\n",
		       ctl->pid, WSTOPSIG(status), si.si_code, si.si_addr, nr,
		       ctl->site);
		return -EFAULT;
	}
	*sig = WSTOPSIG(status);
	pr_debug("pid %d: signal %d during remote syscall %ld, passed on\n",
		 ctl->pid, *sig, nr);
	return 0;
}

/* Resume with PTRACE_SYSCALL until the next syscall stop. */
static int next_syscall_stop(struct compel_ctl *ctl, long nr)
{
	int status, ret, sig = 0;

	for (;;) {
		if (ptrace(PTRACE_SYSCALL, ctl->pid, 0, (long)sig)) {
			ret = -errno;
			pr_perror("Can't resume %d", ctl->pid);
			return ret;
		}
		ret = compel_wait_stop(ctl->pid, &status);
		if (ret) {
			pr_err("pid %d: lost during remote syscall %ld\n",
			       ctl->pid, nr);
			return ret;
		}
		if (status >> 16 == 0 && WSTOPSIG(status) == (SIGTRAP | 0x80))
			return 0;
		ret = compel_other_stop(ctl, status, nr, &sig);
		if (ret)
			return ret;
	}
}

/* Check with the kernel which side of which syscall the task is at. */
static int check_syscall_stop(pid_t pid, int op, long nr)
{
	struct __ptrace_syscall_info info;
	int ret;

	if (ptrace(PTRACE_GET_SYSCALL_INFO, pid, (void *)sizeof(info),
		   &info) < 0) {
		ret = -errno;
		pr_perror("Can't get syscall info of %d", pid);
		return ret;
	}
	if (info.op != op ||
	    (op == PTRACE_SYSCALL_INFO_ENTRY && info.entry.nr != (uint64_t)nr)) {
		pr_err("pid %d: syscall stop %d, expected %d for syscall %ld\n",
		       pid, info.op, op, nr);
		return -EPROTO;
	}
	return 0;
}

/* Run syscall @nr at the site; *@ret gets rax at its exit stop. */
static int run_syscall(struct compel_ctl *ctl, long nr,
		       const unsigned long args[6], long *ret)
{
	struct user_regs_struct regs = ctl->regs;
	int err;

	compel_load_syscall(&regs, ctl->site, nr, args);
	if (!ctl->legacy)
		regs.rsp = ctl->head;
	err = compel_set_regs(ctl->pid, &regs);
	if (!err)
		err = next_syscall_stop(ctl, nr);
	if (!err)
		err = check_syscall_stop(ctl->pid, PTRACE_SYSCALL_INFO_ENTRY, nr);
	if (!err)
		err = next_syscall_stop(ctl, nr);
	if (!err)
		err = check_syscall_stop(ctl->pid, PTRACE_SYSCALL_INFO_EXIT, nr);
	if (!err)
		err = compel_get_regs(ctl->pid, &regs);
	if (err)
		return err;
	*ret = regs.rax;
	pr_debug("pid %d: syscall %ld = %ld\n", ctl->pid, nr, *ret);
	return 0;
}

int compel_syscall(struct compel_ctl *ctl, long nr, long *ret,
		   unsigned long a1, unsigned long a2, unsigned long a3,
		   unsigned long a4, unsigned long a5, unsigned long a6)
{
	const unsigned long args[6] = { a1, a2, a3, a4, a5, a6 };

	return run_syscall(ctl, nr, args, ret);
}
