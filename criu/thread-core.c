// SPDX-License-Identifier: GPL-2.0
/*
 * One thread's core image, dump and restore.
 *
 * Dump reads first what ptrace and /proc give without touching the
 * thread (registers, mask, rseq, scheduling, name), then, with the
 * thread infected, what only it can tell (clear-child-tid, parent-death
 * signal, sigaltstack, securebits). Restore sets the inside part with
 * calls injected into the new thread itself, since each of these
 * system calls acts on the calling thread only.
 */
#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "compel.h"
#include "core-parts.h"
#include "dump.h"
#include "infect.h"
#include "log.h"
#include "proc_parse.h"
#include "restore.h"
#include "rseq.h"
#include "task-state.h"
#include "thread-core.h"

/* CRIU's task_core_entry.task_state for a live task. */
#define TASK_ALIVE	0x1

static char *read_thread_comm(pid_t pid, pid_t tid)
{
	char name[64], *buf;
	ssize_t len;

	snprintf(name, sizeof(name), "task/%d/comm", tid);
	len = read_proc_file(pid, name, &buf);
	if (len < 0)
		return NULL;
	while (len > 0 && buf[len - 1] == '\n')
		buf[--len] = '\0';
	return buf;
}

CoreEntry *alloc_thread_core(pid_t pid, pid_t tid, bool leader)
{
	CoreEntry *core = calloc(1, sizeof(*core));
	TaskCoreEntry *tc = leader ? calloc(1, sizeof(*tc)) : NULL;
	ThreadCoreEntry *thc = calloc(1, sizeof(*thc));

	if (!core || !thc || (leader && !tc))
		goto err;
	core_entry__init(core);
	thread_core_entry__init(thc);
	core->mtype = CORE_ENTRY__MARCH__X86_64;
	core->thread_core = thc;
	thc->comm = read_thread_comm(pid, tid);
	if (!thc->comm)
		goto err_core;
	if (leader) {
		task_core_entry__init(tc);
		core->tc = tc;
		tc->task_state = TASK_ALIVE;
		tc->comm = strdup(thc->comm);
		if (!tc->comm)
			goto err_core;
	}
	return core;
err_core:
	free(thc->comm);
err:
	free(core);
	free(tc);
	free(thc);
	return NULL;
}

static int dump_rseq(pid_t tid, ThreadCoreEntry *thc)
{
	struct rseq_config conf;
	RseqEntry *re;
	int ret;

	ret = read_rseq_config(tid, &conf);
	if (ret)
		return ret;
	if (!conf.rseq_abi_pointer)
		return 0;
	re = malloc(sizeof(*re));
	if (!re)
		return -ENOMEM;
	rseq_entry__init(re);
	re->rseq_abi_pointer = conf.rseq_abi_pointer;
	re->rseq_abi_size = conf.rseq_abi_size;
	re->signature = conf.signature;
	thc->rseq_entry = re;
	return 0;
}

static int dump_sched(pid_t tid, ThreadCoreEntry *thc)
{
	struct sched_param param;
	int policy, nice;

	policy = sched_getscheduler(tid);
	if (policy < 0 || sched_getparam(tid, &param)) {
		pr_perror("Can't read the scheduling policy of thread %d", tid);
		return -errno;
	}
	errno = 0;
	nice = getpriority(PRIO_PROCESS, tid);
	if (nice == -1 && errno) {
		pr_perror("Can't read the nice value of thread %d", tid);
		return -errno;
	}
	thc->has_sched_nice = true;
	thc->sched_nice = nice;
	thc->has_sched_policy = true;
	thc->sched_policy = policy;
	thc->has_sched_prio = true;
	thc->sched_prio = param.sched_priority;
	return 0;
}

/* The robust futex list is readable from outside with ptrace rights. */
static int dump_robust_list(pid_t tid, ThreadCoreEntry *thc)
{
	unsigned long head = 0;
	size_t len = 0;

	if (syscall(SYS_get_robust_list, tid, &head, &len)) {
		pr_perror("Can't read the robust futex list of thread %d", tid);
		return -errno;
	}
	thc->futex_rla = head;
	thc->futex_rla_len = len;
	return 0;
}

static int dump_affinity(pid_t tid, ThreadCoreEntry *thc)
{
	cpu_set_t set;
	unsigned int i, n = sizeof(set) / sizeof(uint64_t);

	if (sched_getaffinity(tid, sizeof(set), &set)) {
		pr_perror("Can't read the CPU affinity of thread %d", tid);
		return -errno;
	}
	thc->cpu_affinity = calloc(n, sizeof(uint64_t));
	if (!thc->cpu_affinity)
		return -ENOMEM;
	memcpy(thc->cpu_affinity, &set, sizeof(set));
	/* Trailing zero words say nothing: keep the image short. */
	for (i = n; i > 1 && !thc->cpu_affinity[i - 1]; i--)
		;
	thc->n_cpu_affinity = i;
	return 0;
}

/* NoNewPrivs and CapAmb of the thread, from /proc/PID/task/TID/status. */
static int dump_privs(pid_t pid, pid_t tid, ThreadCoreEntry *thc)
{
	char name[64], *buf, *v;
	ssize_t len;

	snprintf(name, sizeof(name), "task/%d/status", tid);
	len = read_proc_file(pid, name, &buf);
	if (len < 0)
		return len;
	v = strstr(buf, "\nNoNewPrivs:");
	thc->has_no_new_privs = v != NULL;
	thc->no_new_privs = v && strtol(v + 13, NULL, 10) == 1;
	v = strstr(buf, "\nCapAmb:");
	thc->has_cap_ambient = v != NULL;
	thc->cap_ambient = v ? strtoull(v + 8, NULL, 16) : 0;
	free(buf);
	return 0;
}

int dump_thread_outside(pid_t pid, pid_t tid, CoreEntry *core)
{
	int ret;

	ret = dump_sigmask(tid, core);
	if (!ret)
		ret = dump_robust_list(tid, core->thread_core);
	if (!ret)
		ret = dump_thread_regs(tid, core);
	if (!ret)
		ret = dump_rseq(tid, core->thread_core);
	if (!ret)
		ret = dump_sched(tid, core->thread_core);
	if (!ret)
		ret = dump_affinity(tid, core->thread_core);
	if (!ret)
		ret = dump_privs(pid, tid, core->thread_core);
	if (ret)
		pr_err("Can't dump thread %d of pid %d\n", tid, pid);
	return ret;
}

/* A prctl that stores its answer through its second argument. */
static int get_through_scratch(struct dump_ctx *tdc, const char *what, int option,
			       void *val, size_t len)
{
	long ret;

	ret = infect_syscall(tdc, what, __NR_prctl, option, tdc->scratch, 0, 0, 0, 0);
	if (ret)
		return ret < 0 ? ret : -EIO;
	return compel_read_mem(tdc->pid, tdc->scratch, val, len);
}

int dump_thread_inside(struct dump_ctx *tdc, CoreEntry *core)
{
	ThreadCoreEntry *thc = core->thread_core;
	int ret;

	ret = get_through_scratch(tdc, "prctl(PR_GET_TID_ADDRESS)", PR_GET_TID_ADDRESS,
				  &core->thread_info->clear_tid_addr,
				  sizeof(core->thread_info->clear_tid_addr));
	if (ret)
		return ret;
	ret = get_through_scratch(tdc, "prctl(PR_GET_PDEATHSIG)", PR_GET_PDEATHSIG,
				  &thc->pdeath_sig, sizeof(thc->pdeath_sig));
	if (ret)
		return ret;
	thc->has_pdeath_sig = true;
	ret = dump_thread_signals(tdc, core);
	if (!ret)
		ret = dump_creds(tdc, core);
	if (!ret)
		ret = check_thread_state(tdc);	/* what no field keeps */
	return ret;
}

/* --- restore -------------------------------------------------------------- */

static int register_rseq(struct rst_ctx *trc, const ThreadCoreEntry *thc)
{
	const RseqEntry *re = thc->rseq_entry;
	long ret;

	if (!re || !re->rseq_abi_pointer)
		return 0;
	ret = rst_syscall(trc, "rseq", __NR_rseq, re->rseq_abi_pointer,
			  re->rseq_abi_size, 0, re->signature, 0, 0);
	return ret < 0 ? ret : 0;
}

static int set_name(struct rst_ctx *trc, const char *comm)
{
	unsigned long name;
	long ret;

	if (!comm)
		return 0;
	name = rst_scratch_put(trc, comm, strlen(comm) + 1);
	if (!name)
		return -ENOSPC;
	ret = rst_syscall(trc, "prctl(PR_SET_NAME)", __NR_prctl, PR_SET_NAME, name,
			  0, 0, 0, 0);
	rst_scratch_reset(trc);
	return ret < 0 ? ret : 0;
}

int restore_thread_inside(struct rst_ctx *trc, const CoreEntry *core)
{
	const ThreadCoreEntry *thc = core->thread_core;
	long ret;

	ret = set_name(trc, thc->comm ? thc->comm : (core->tc ? core->tc->comm : NULL));
	if (ret)
		return ret;
	ret = rst_syscall(trc, "set_tid_address", __NR_set_tid_address,
			  core->thread_info->clear_tid_addr, 0, 0, 0, 0, 0);
	if (ret < 0)
		return ret;
	if (thc->has_pdeath_sig && thc->pdeath_sig) {
		ret = rst_syscall(trc, "prctl(PR_SET_PDEATHSIG)", __NR_prctl,
				  PR_SET_PDEATHSIG, thc->pdeath_sig, 0, 0, 0, 0);
		if (ret < 0)
			return ret;
	}
	if (thc->futex_rla) {
		ret = rst_syscall(trc, "set_robust_list", __NR_set_robust_list,
				  thc->futex_rla, thc->futex_rla_len, 0, 0, 0, 0);
		if (ret < 0)
			return ret;
	}
	ret = register_rseq(trc, thc);
	if (!ret)
		ret = restore_thread_signals(trc, core);
	rst_scratch_reset(trc);
	return ret;
}

/* A mask naming CPUs this machine lacks fails here, with the reason. */
static int restore_affinity(pid_t tid, const ThreadCoreEntry *thc)
{
	cpu_set_t set;
	size_t len = thc->n_cpu_affinity * sizeof(uint64_t);

	if (!thc->n_cpu_affinity)
		return 0;
	if (len > sizeof(set)) {
		pr_err("Thread %d: CPU affinity of %zu words is larger than this criu handles\n",
		       tid, thc->n_cpu_affinity);
		return -EINVAL;
	}
	CPU_ZERO(&set);
	memcpy(&set, thc->cpu_affinity, len);
	if (sched_setaffinity(tid, sizeof(set), &set)) {
		pr_perror("Can't restore the CPU affinity of thread %d (CPUs missing here?)", tid);
		return -errno;
	}
	return 0;
}

int restore_thread_sched(pid_t tid, const ThreadCoreEntry *thc)
{
	struct sched_param param = { .sched_priority = thc->sched_prio };

	if (restore_affinity(tid, thc))
		return -EINVAL;
	if (thc->has_sched_policy &&
	    sched_setscheduler(tid, thc->sched_policy, &param)) {
		pr_perror("Can't set the scheduling policy of thread %d", tid);
		return -errno;
	}
	if (thc->has_sched_nice && setpriority(PRIO_PROCESS, tid, thc->sched_nice)) {
		pr_perror("Can't set the nice value of thread %d", tid);
		return -errno;
	}
	return 0;
}

int restore_thread_privs(struct rst_ctx *trc, const ThreadCoreEntry *thc)
{
	unsigned int cap;
	long ret;

	/* raising needs the cap permitted and inheritable: after the creds */
	for (cap = 0; cap < 64; cap++) {
		if (!(thc->cap_ambient & (1ULL << cap)))
			continue;
		ret = rst_syscall(trc, "prctl(PR_CAP_AMBIENT_RAISE)", __NR_prctl,
				  PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, cap, 0, 0, 0);
		if (ret < 0)
			return ret;
	}
	if (thc->no_new_privs) {
		ret = rst_syscall(trc, "prctl(PR_SET_NO_NEW_PRIVS)", __NR_prctl,
				  PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0, 0);
		if (ret < 0)
			return ret;
	}
	return 0;
}
