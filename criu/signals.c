// SPDX-License-Identifier: GPL-2.0
/*
 * Signal state of a task: handlers, blocked mask, pending signals (the
 * thread's private queue and the process's shared one) and the
 * alternate signal stack.
 *
 * Handlers and the alternate stack are only visible from inside the
 * task, so they are read and set with injected system calls; pending
 * signals are read with PTRACE_PEEKSIGINFO and queued again by the
 * restored task to itself, which the kernel allows for any si_code.
 */

#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <linux/ptrace.h>

#include "compel.h"
#include "core-parts.h"
#include "dump.h"
#include "infect.h"
#include "log.h"
#include "pstree.h"
#include "restore.h"

#define NR_SIGNALS	64
/* the kernel's sigset_t for rt_sigaction() and friends */
#define KSIGSET_SIZE	8
/* siginfo_t as the kernel copies it to and from user space */
#define SIGINFO_SIZE	128
#define PEEK_BATCH	32

/* struct sigaction as the x86_64 rt_sigaction() system call takes it */
struct ksigaction {
	uint64_t handler;
	uint64_t flags;
	uint64_t restorer;
	uint64_t mask;
};

/* stack_t of sigaltstack() */
struct kstack {
	uint64_t sp;
	int32_t flags;
	int32_t pad;
	uint64_t size;
};

#define SIGBIT(sig)	(1ULL << ((sig) - 1))

/* SIGKILL and SIGSTOP have no handler: the image skips them. */
static bool sig_has_action(int sig)
{
	return sig != SIGKILL && sig != SIGSTOP;
}

int dump_sigmask(pid_t pid, CoreEntry *core)
{
	uint64_t mask;
	int ret;

	ret = compel_get_sigmask(pid, &mask);
	if (ret)
		return ret;
	if (core->tc)
		core->tc->blk_sigset = mask;
	core->thread_core->has_blk_sigset = 1;
	core->thread_core->blk_sigset = mask;
	return 0;
}

uint64_t core_blocked_mask(const CoreEntry *core)
{
	uint64_t mask = core->tc ? core->tc->blk_sigset : 0;

	if (core->thread_core && core->thread_core->has_blk_sigset)
		mask = core->thread_core->blk_sigset;
	return mask & ~(SIGBIT(SIGKILL) | SIGBIT(SIGSTOP));
}

static int dump_one_action(struct dump_ctx *dc, int sig, SaEntry *sa)
{
	struct ksigaction ksa;
	long ret;
	int err;

	ret = infect_syscall(dc, "rt_sigaction (read)", __NR_rt_sigaction, sig, 0,
			     dc->scratch, KSIGSET_SIZE, 0, 0);
	if (ret < 0)
		return ret;
	err = compel_read_mem(dc->pid, dc->scratch, &ksa, sizeof(ksa));
	if (err)
		return err;
	sa_entry__init(sa);
	sa->sigaction = ksa.handler;
	sa->flags = ksa.flags;
	sa->restorer = ksa.restorer;
	sa->mask = ksa.mask;
	return 0;
}

static int dump_actions(struct dump_ctx *dc, TaskCoreEntry *tc)
{
	SaEntry *entries;
	size_t n = 0;
	int sig, ret;

	entries = calloc(NR_SIGNALS, sizeof(*entries));
	tc->sigactions = calloc(NR_SIGNALS, sizeof(*tc->sigactions));
	if (!entries || !tc->sigactions) {
		pr_err("%d: out of memory for signal handlers\n", dc->pid);
		free(entries);
		return -ENOMEM;
	}
	for (sig = 1; sig <= NR_SIGNALS; sig++) {
		if (!sig_has_action(sig))
			continue;
		ret = dump_one_action(dc, sig, &entries[n]);
		if (ret)
			return ret;
		tc->sigactions[n] = &entries[n];
		n++;
	}
	tc->n_sigactions = n;
	return 0;
}

static int queue_append(SignalQueueEntry *q, const void *info)
{
	SiginfoEntry **sigs, *se;
	void *copy;

	sigs = realloc(q->signals, (q->n_signals + 1) * sizeof(*sigs));
	if (!sigs)
		return -ENOMEM;
	q->signals = sigs;
	se = malloc(sizeof(*se));
	copy = malloc(SIGINFO_SIZE);
	if (!se || !copy) {
		free(se);
		free(copy);
		return -ENOMEM;
	}
	memcpy(copy, info, SIGINFO_SIZE);
	siginfo_entry__init(se);
	se->siginfo.len = SIGINFO_SIZE;
	se->siginfo.data = copy;
	sigs[q->n_signals++] = se;
	return 0;
}

/* One of the two pending queues, oldest signal first. */
static int dump_queue(pid_t pid, bool shared, SignalQueueEntry **out)
{
	static uint8_t infos[PEEK_BATCH][SIGINFO_SIZE];
	struct ptrace_peeksiginfo_args args = {
		.flags = shared ? PTRACE_PEEKSIGINFO_SHARED : 0,
		.nr = PEEK_BATCH,
	};
	SignalQueueEntry *q;
	long i, got;

	q = malloc(sizeof(*q));
	if (!q) {
		pr_err("%d: out of memory for pending signals\n", pid);
		return -ENOMEM;
	}
	signal_queue_entry__init(q);
	*out = q;
	for (;;) {
		got = ptrace(PTRACE_PEEKSIGINFO, pid, &args, infos);
		if (got < 0) {
			pr_perror("%d: PTRACE_PEEKSIGINFO (%s) failed", pid,
				  shared ? "shared" : "private");
			return -errno;
		}
		if (got == 0)
			return 0;
		for (i = 0; i < got; i++) {
			if (queue_append(q, infos[i])) {
				pr_err("%d: out of memory for pending signals\n",
				       pid);
				return -ENOMEM;
			}
		}
		args.off += got;
	}
}

static int dump_altstack(struct dump_ctx *dc, ThreadCoreEntry *thc)
{
	struct kstack ss;
	ThreadSasEntry *sas;
	long ret;
	int err;

	ret = infect_syscall(dc, "sigaltstack (read)", __NR_sigaltstack, 0,
			     dc->scratch, 0, 0, 0, 0);
	if (ret < 0)
		return ret;
	err = compel_read_mem(dc->pid, dc->scratch, &ss, sizeof(ss));
	if (err)
		return err;
	sas = malloc(sizeof(*sas));
	if (!sas) {
		pr_err("%d: out of memory for sigaltstack\n", dc->pid);
		return -ENOMEM;
	}
	thread_sas_entry__init(sas);
	sas->ss_sp = ss.sp;
	sas->ss_size = ss.size;
	sas->ss_flags = ss.flags;
	thc->sas = sas;
	return 0;
}

int dump_signals(struct dump_ctx *dc, CoreEntry *core)
{
	int ret;

	ret = dump_actions(dc, core->tc);
	if (!ret)
		ret = dump_queue(dc->pid, true, &core->tc->signals_s);
	if (!ret)
		pr_info("%d: %zu handlers, %zu shared pending signals\n",
			dc->pid, core->tc->n_sigactions, core->tc->signals_s->n_signals);
	return ret;
}

int dump_thread_signals(struct dump_ctx *tdc, CoreEntry *core)
{
	int ret;

	ret = dump_queue(tdc->pid, false, &core->thread_core->signals_p);
	if (!ret)
		ret = dump_altstack(tdc, core->thread_core);
	if (!ret)
		pr_info("thread %d: %zu private pending signals\n", tdc->pid,
			core->thread_core->signals_p->n_signals);
	return ret;
}

static int restore_actions(struct rst_ctx *rc, const TaskCoreEntry *tc)
{
	struct ksigaction ksa = { 0 };
	unsigned long addr;
	size_t i = 0;
	long ret;
	int sig;

	if (tc->n_sigactions > NR_SIGNALS - 2) {
		pr_err("%d: image has %zu signal handlers, at most %d expected\n",
		       rc->pid, tc->n_sigactions, NR_SIGNALS - 2);
		return -EINVAL;
	}
	/* one slot, rewritten for each signal */
	addr = rst_scratch_put(rc, &ksa, sizeof(ksa));
	if (!addr)
		return -ENOMEM;
	for (sig = 1; sig <= NR_SIGNALS && i < tc->n_sigactions; sig++) {
		const SaEntry *sa;

		if (!sig_has_action(sig))
			continue;
		sa = tc->sigactions[i++];
		/* the restorer is the task's own code: kept as it was */
		ksa.handler = sa->sigaction;
		ksa.flags = sa->flags;
		ksa.restorer = sa->restorer;
		ksa.mask = sa->mask;
		ret = compel_write_mem(rc->pid, addr, &ksa, sizeof(ksa));
		if (ret)
			return ret;
		ret = rst_syscall(rc, "rt_sigaction", __NR_rt_sigaction, sig,
				  addr, 0, KSIGSET_SIZE, 0, 0);
		if (ret < 0)
			return ret;
	}
	return 0;
}

static int restore_altstack(struct rst_ctx *rc, const ThreadSasEntry *sas)
{
	struct kstack ss = { 0 };
	unsigned long addr;
	long ret;

	if (!sas)
		return 0;
	/* SS_ONSTACK only says where the task was running: not settable */
	ss.flags = sas->ss_flags & ~SS_ONSTACK;
	if (!(ss.flags & SS_DISABLE)) {
		ss.sp = sas->ss_sp;
		ss.size = sas->ss_size;
	}
	addr = rst_scratch_put(rc, &ss, sizeof(ss));
	if (!addr)
		return -ENOMEM;
	ret = rst_syscall(rc, "sigaltstack", __NR_sigaltstack, addr, 0,
			  0, 0, 0, 0);
	return ret < 0 ? ret : 0;
}

static int queue_one(struct rst_ctx *rc, unsigned long addr,
		     const SiginfoEntry *se, bool shared)
{
	int32_t sig;
	long ret;

	if (se->siginfo.len != SIGINFO_SIZE) {
		pr_err("%d: pending siginfo of %zu bytes, %d expected\n",
		       rc->pid, se->siginfo.len, SIGINFO_SIZE);
		return -EINVAL;
	}
	memcpy(&sig, se->siginfo.data, sizeof(sig));
	if (sig < 1 || sig > NR_SIGNALS) {
		pr_err("%d: pending signal %d is out of range\n", rc->pid, sig);
		return -EINVAL;
	}
	if (!sig_has_action(sig)) {
		/* a queued SIGSTOP would stop the child here and now */
		pr_warn("%d: pending signal %d not restored\n", rc->pid, sig);
		return 0;
	}
	ret = compel_write_mem(rc->pid, addr, se->siginfo.data, SIGINFO_SIZE);
	if (ret)
		return ret;
	if (shared)
		ret = rst_syscall(rc, "rt_sigqueueinfo", __NR_rt_sigqueueinfo,
				  rc->item->pid, sig, addr, 0, 0, 0);
	else
		ret = rst_syscall(rc, "rt_tgsigqueueinfo", __NR_rt_tgsigqueueinfo,
				  rc->item->pid, rc->pid, sig, addr, 0, 0);
	return ret < 0 ? ret : 0;
}

static int restore_queue(struct rst_ctx *rc, const SignalQueueEntry *q,
			 bool shared)
{
	uint8_t zero[SIGINFO_SIZE] = { 0 };
	unsigned long addr;
	size_t i;
	int ret;

	if (!q || !q->n_signals)
		return 0;
	addr = rst_scratch_put(rc, zero, sizeof(zero));
	if (!addr)
		return -ENOMEM;
	for (i = 0; i < q->n_signals; i++) {
		ret = queue_one(rc, addr, q->signals[i], shared);
		if (ret)
			return ret;
	}
	return 0;
}

int restore_signals(struct rst_ctx *rc, const CoreEntry *core)
{
	int ret;

	if (!core->tc) {
		pr_err("%d: core image lacks task state\n", rc->pid);
		return -EINVAL;
	}
	ret = restore_actions(rc, core->tc);
	/* all signals are blocked in the task now: these stay pending */
	if (!ret)
		ret = restore_queue(rc, core->tc->signals_s, true);
	return ret;
}

int restore_thread_signals(struct rst_ctx *trc, const CoreEntry *core)
{
	int ret;

	ret = restore_altstack(trc, core->thread_core->sas);
	if (!ret)
		ret = restore_queue(trc, core->thread_core->signals_p, false);
	return ret;
}
