// SPDX-License-Identifier: GPL-2.0
/*
 * Running system calls inside an infected task: the registers are
 * pointed at the "syscall; int3" site with the arguments loaded, and
 * the task is resumed with PTRACE_SYSCALL to the syscall's entry and
 * then its exit stop, where rax holds the result.
 *
 * Why not run into the int3: the SIGTRAP it raises is a forced signal,
 * and the kernel resets the task's SIGTRAP disposition to SIG_DFL when
 * it forces one that is ignored (or blocked). Stopping at the syscall
 * exit changes nothing in the task; the int3 stays as a guard that
 * turns a missed stop into a visible fault.
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
 * on detach). Asynchronous signals are remembered for cure to re-send.
 * A fault means the site or the call is broken: -EFAULT.
 */
int compel_other_stop(struct compel_ctl *ctl, int status, long nr)
{
	int sig = WSTOPSIG(status), ret;
	siginfo_t si;

	if (status >> 16)
		return 0;
	if (ptrace(PTRACE_GETSIGINFO, ctl->pid, 0, &si)) {
		ret = -errno;
		pr_perror("Can't get siginfo of %d", ctl->pid);
		return ret;
	}
	if (is_fault(sig, &si)) {
		pr_err("pid %d: signal %d (code %d, addr %p) during remote syscall %ld at %#lx\n",
		       ctl->pid, sig, si.si_code, si.si_addr, nr, ctl->site);
		return -EFAULT;
	}
	pr_debug("pid %d: signal %d during remote syscall %ld, deferred\n",
		 ctl->pid, sig, nr);
	ctl->deferred |= 1ULL << (sig - 1);
	return 0;
}

/* Resume with PTRACE_SYSCALL until the next syscall stop. */
static int next_syscall_stop(struct compel_ctl *ctl, long nr)
{
	int status, ret;

	for (;;) {
		if (ptrace(PTRACE_SYSCALL, ctl->pid, 0, 0)) {
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
		ret = compel_other_stop(ctl, status, nr);
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

/*
 * The new registers are loaded at the exit stop of the last call, so
 * nothing runs at the (maybe unmapped) site afterwards. The blocked
 * mask stays as infect set it: the caller sets the task's own one with
 * compel_set_sigmask().
 */
int compel_syscall_and_set_regs(struct compel_ctl *ctl, long nr, long *ret,
				unsigned long a1, unsigned long a2,
				const struct user_regs_struct *regs)
{
	const unsigned long args[6] = { a1, a2 };
	int err;

	err = run_syscall(ctl, nr, args, ret);
	if (!err)
		err = compel_set_regs(ctl->pid, regs);
	if (!err)
		err = compel_resend_deferred(ctl);
	free(ctl);
	return err;
}
