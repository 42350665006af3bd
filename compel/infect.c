// SPDX-License-Identifier: GPL-2.0
/*
 * Preparing a seized task for remote system calls, and undoing it.
 * Everything compel_infect() changes is saved in the ctl and put back
 * by compel_cure(): registers, blocked mask, the bytes at the site.
 */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "compel.h"
#include "compel-priv.h"
#include "log.h"

/*
 * Everything is blocked while injected calls run, so no handler can
 * start in the middle (the kernel leaves SIGKILL and SIGSTOP out).
 */
#define INJECT_SIGMASK	(~0ULL)

static int block_signals(struct compel_ctl *ctl)
{
	int ret;

	ret = compel_get_sigmask(ctl->pid, &ctl->sigmask);
	if (ret)
		return ret;
	return compel_set_sigmask(ctl->pid, INJECT_SIGMASK);
}

struct compel_ctl *compel_infect(pid_t pid, unsigned long site)
{
	struct compel_ctl *ctl;
	int ret;

	ctl = calloc(1, sizeof(*ctl));
	if (!ctl) {
		pr_err("No memory for the ctl of %d\n", pid);
		errno = ENOMEM;
		return NULL;
	}
	ctl->pid = pid;
	ret = compel_get_regs(pid, &ctl->regs);
	if (ret)
		goto err_free;
	if (!site) {
		ret = compel_find_exec_vma(pid, &site);
		if (ret)
			goto err_free;
	}
	ret = block_signals(ctl);
	if (ret)
		goto err_free;
	ret = compel_place_code(ctl, site);
	if (ret)
		goto err_mask;
	return ctl;

err_mask:
	compel_set_sigmask(pid, ctl->sigmask);
err_free:
	pr_err("Can't infect %d\n", pid);
	free(ctl);
	errno = -ret;
	return NULL;
}

pid_t compel_ctl_pid(const struct compel_ctl *ctl)
{
	return ctl->pid;
}

unsigned long compel_ctl_site(const struct compel_ctl *ctl)
{
	return ctl->site;
}

/*
 * Signals swallowed by delivery stops during injection are sent again;
 * the task takes them once it runs, exactly once.
 */
int compel_resend_deferred(struct compel_ctl *ctl)
{
	pid_t tgid = -1;
	int sig, ret = 0;

	for (sig = 1; sig <= 64; sig++) {
		if (!(ctl->deferred & (1ULL << (sig - 1))))
			continue;
		pr_debug("pid %d: re-sending signal %d\n", ctl->pid, sig);
		if (tgid < 0)
			tgid = compel_tgid(ctl->pid);
		if (tgid < 0)
			return tgid;
		if (syscall(SYS_tgkill, tgid, ctl->pid, sig)) {
			ret = -errno;
			pr_perror("Can't re-send signal %d to %d", sig,
				  ctl->pid);
		}
	}
	return ret;
}

/*
 * Registers go back with rax and orig_rax as seized, so a task stopped
 * inside an interrupted syscall restarts it when resumed. After our
 * calls it sits in a syscall-exit stop, where the kernel does that
 * restart (and signal delivery) only with a signal pending; detach
 * marks one (it wakes the tracee with TIF_SIGPENDING set), which the
 * restart tests rely on. Every step is tried even if one fails; the
 * first error is returned.
 */
int compel_cure(struct compel_ctl *ctl)
{
	int ret, err = 0;

	ret = compel_remove_code(ctl);
	if (ret)
		err = ret;
	ret = compel_set_regs(ctl->pid, &ctl->regs);
	if (ret && !err)
		err = ret;
	ret = compel_set_sigmask(ctl->pid, ctl->sigmask);
	if (ret && !err)
		err = ret;
	ret = compel_resend_deferred(ctl);
	if (ret && !err)
		err = ret;
	if (err)
		pr_err("Can't cure %d fully\n", ctl->pid);
	free(ctl);
	return err;
}
