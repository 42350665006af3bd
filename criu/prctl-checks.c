// SPDX-License-Identifier: GPL-2.0
/*
 * Settings the images have no place for: the dump refuses a process
 * that has one of them away from what a restored process starts with,
 * naming the pid and the setting, instead of losing it.
 *
 * Each prctl() getter and /proc/PID/status field is decided here or in
 * the file that restores it; Documentation/dumped-state.md is the list.
 * "What a restored process starts with" is either the kernel's default
 * or, for settings the child inherits from criu, criu's own value.
 */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "compel.h"
#include "dump.h"
#include "log.h"
#include "proc_parse.h"
#include "pstree.h"
#include "task-state.h"

#ifndef PR_GET_MDWE
#define PR_GET_MDWE			66
#endif
#ifndef PR_GET_MEMORY_MERGE
#define PR_GET_MEMORY_MERGE		68
#endif
#define PR_TIMER_CREATE_RESTORE_IDS_	77
#define PR_TIMER_CREATE_RESTORE_IDS_GET	2
#define PTRACE_GET_SYSCALL_USER_DISPATCH_CONFIG_ 0x4211
#define ARCH_GET_CPUID			0x1011
#define ARCH_GET_XCOMP_PERM		0x1022
/* task flags in /proc/PID/stat set by PR_SET_IO_FLUSHER */
#define PF_MEMALLOC_NOIO		0x00080000
#define PF_LOCAL_THROTTLE		0x00100000
/* the kernel's default timer slack of a normal task, in ns */
#define DEFAULT_TIMER_SLACK_NS		50000
#define MPOL_DEFAULT_			0

static int refuse(pid_t pid, const char *what)
{
	pr_err("criu: pid %d: %s: not supported\n", pid, what);
	return -EOPNOTSUPP;
}

/* A prctl getter whose result is the value. */
struct prctl_check {
	const char *name;	/* what the message says is set */
	int option;
	unsigned long arg2;
	long want;		/* the value a restored process has */
	bool own;		/* want is criu's own value, not @want */
	bool optional;		/* EINVAL: the kernel lacks it, nothing to lose */
	bool upto;		/* any value from 0 to @want is restored */
};

static const struct prctl_check prctl_checks[] = {
	{ "dumpable is 2 (set by suid_dumpable; prctl can't set it)",
	  PR_GET_DUMPABLE, 0, 1, .upto = true },
	{ "THP disabled except where advised (PR_THP_DISABLE_EXCEPT_ADVISED)",
	  PR_GET_THP_DISABLE, 0, 1, .upto = true },
	{ "a machine-check kill policy (PR_MCE_KILL)", PR_MCE_KILL_GET, 0,
	  PR_MCE_KILL_DEFAULT },
	{ "memory-deny-write-execute (PR_SET_MDWE)", PR_GET_MDWE, 0, 0, false, true },
	{ "KSM merging of all its memory (PR_SET_MEMORY_MERGE)", PR_GET_MEMORY_MERGE,
	  0, 0, false, true },
	{ "PR_TIMER_CREATE_RESTORE_IDS is on", PR_TIMER_CREATE_RESTORE_IDS_,
	  PR_TIMER_CREATE_RESTORE_IDS_GET, 0, false, true },
	{ "a speculative store bypass setting (PR_SET_SPECULATION_CTRL)",
	  PR_GET_SPECULATION_CTRL, PR_SPEC_STORE_BYPASS, 0, true, true },
	{ "an indirect branch speculation setting (PR_SET_SPECULATION_CTRL)",
	  PR_GET_SPECULATION_CTRL, PR_SPEC_INDIRECT_BRANCH, 0, true, true },
	{ "an L1D flush setting (PR_SET_SPECULATION_CTRL)",
	  PR_GET_SPECULATION_CTRL, PR_SPEC_L1D_FLUSH, 0, true, true },
};

static int check_one_prctl(struct dump_ctx *dc, const struct prctl_check *c)
{
	long ret, want = c->want;
	int err;

	err = dump_probe(dc, __NR_prctl, &ret, c->option, c->arg2, 0, 0, 0);
	if (err)
		return err;
	if (c->own) {
		want = syscall(SYS_prctl, c->option, c->arg2, 0, 0, 0);
		if (want < 0)
			want = -errno;	/* as the injected call reports it */
	}
	if (ret == -EINVAL && c->optional)
		return 0;
	if (ret < 0 && ret != want) {
		pr_err("prctl(%d, %lu) in pid %d failed: %s\n", c->option, c->arg2,
		       dc->pid, strerror(-ret));
		return ret;
	}
	if (c->upto && ret >= 0 && ret <= want)
		return 0;
	return ret == want ? 0 : refuse(dc->pid, c->name);
}

/*
 * Getters that store the value at an address: TSC, core scheduling, AMX.
 * Seccomp strict mode turns rdtsc off by itself, and so does restoring it.
 */
static int check_pointer_getters(struct dump_ctx *dc, bool strict)
{
	uint64_t val = 0, own = 0;
	long ret;
	int err;

	err = dump_call(dc, "prctl(PR_GET_TSC)", &ret, __NR_prctl, PR_GET_TSC,
			dc->scratch, 0);
	if (!err)
		err = compel_read_mem(dc->pid, dc->scratch, &val, sizeof(int));
	if (err)
		return err;
	if ((int)val != PR_TSC_ENABLE && !strict)
		return refuse(dc->pid, "rdtsc disabled (PR_SET_TSC)");
	val = 0;
	err = dump_probe(dc, __NR_prctl, &ret, PR_SCHED_CORE, PR_SCHED_CORE_GET, 0,
			   PR_SCHED_CORE_SCOPE_THREAD, dc->scratch);
	if (!err && !ret)
		err = compel_read_mem(dc->pid, dc->scratch, &val, sizeof(val));
	if (err)
		return err;
	if (val)
		return refuse(dc->pid, "a core scheduling cookie (PR_SCHED_CORE)");
	err = dump_probe(dc, __NR_arch_prctl, &ret, ARCH_GET_XCOMP_PERM, dc->scratch,
			   0, 0, 0);
	if (!err && !ret)
		err = compel_read_mem(dc->pid, dc->scratch, &val, sizeof(val));
	if (err)
		return err;
	if (!ret && !syscall(SYS_arch_prctl, ARCH_GET_XCOMP_PERM, &own) && val != own)
		return refuse(dc->pid, "XSAVE features requested with ARCH_REQ_XCOMP_PERM (AMX)");
	err = dump_probe(dc, __NR_arch_prctl, &ret, ARCH_GET_CPUID, 0, 0, 0, 0);
	if (err)
		return err;
	return ret == 0 ? refuse(dc->pid, "CPUID faulting (ARCH_SET_CPUID 0)") : 0;
}

static int check_status(pid_t pid, bool *strict)
{
	const char *v;
	char *buf;
	ssize_t len;
	int ret = 0;

	len = read_proc_file(pid, "status", &buf);
	if (len < 0)
		return len;
	v = proc_status_field(buf, "Seccomp:");
	*strict = v && atoi(v) == 1;
	if ((v = proc_status_field(buf, "x86_Thread_features:")) && *v != '\n')
		ret = refuse(pid, "x86 shadow stack or other thread features (ARCH_SHSTK_ENABLE)");
	else if ((v = proc_status_field(buf, "untag_mask:")) && ~strtoull(v, NULL, 16))
		ret = refuse(pid, "linear address masking (ARCH_ENABLE_TAGGED_ADDR)");
	else if ((v = proc_status_field(buf, "VmPin:")) && strtoull(v, NULL, 10))
		ret = refuse(pid, "pinned pages (VmPin)");
	free(buf);
	return ret;
}

static int check_stat(pid_t pid, bool leader)
{
	struct proc_stat st;
	long long slack;
	char *buf;
	int ret, policy;

	ret = parse_proc_stat(pid, &st);
	if (ret)
		return ret;
	if (st.flags & (PF_MEMALLOC_NOIO | PF_LOCAL_THROTTLE))
		return refuse(pid, "PR_SET_IO_FLUSHER");
	/* other threads have none (-1) */
	if (leader && st.exit_signal != SIGCHLD)
		return refuse(pid, "an exit signal other than SIGCHLD (clone)");
	ret = read_proc_file(pid, "timerslack_ns", &buf);
	if (ret < 0)
		return ret;
	slack = strtoll(buf, NULL, 10);
	free(buf);
	policy = sched_getscheduler(pid);
	/* real-time tasks have no slack; prctl can't change that */
	if (slack != DEFAULT_TIMER_SLACK_NS &&
	    !(slack == 0 && (policy == SCHED_FIFO || policy == SCHED_RR)))
		return refuse(pid, "a timer slack other than 50 us (PR_SET_TIMERSLACK)");
	return 0;
}

static int check_dispatch_and_mempolicy(struct dump_ctx *dc)
{
	uint64_t sud[4] = {};
	long ret;
	int mode, err;

	/* struct ptrace_sud_config: mode, selector, offset, len; mode 0 is off */
	if (ptrace(PTRACE_GET_SYSCALL_USER_DISPATCH_CONFIG_, dc->pid, sizeof(sud), sud) == 0 &&
	    sud[0])
		return refuse(dc->pid, "syscall user dispatch (PR_SET_SYSCALL_USER_DISPATCH)");
	err = dump_probe(dc, __NR_get_mempolicy, &ret, dc->scratch, 0, 0, 0, 0);
	if (err)
		return err;
	if (ret == -ENOSYS)
		return 0;	/* no NUMA */
	if (ret < 0) {
		pr_err("get_mempolicy in pid %d failed: %s\n", dc->pid, strerror(-ret));
		return ret;
	}
	err = compel_read_mem(dc->pid, dc->scratch, &mode, sizeof(mode));
	if (err)
		return err;
	return mode != MPOL_DEFAULT_ ?
		refuse(dc->pid, "a NUMA memory policy (set_mempolicy)") : 0;
}

/* /proc/PID/NAME of the target and of criu (whose the child inherits) agree. */
static int same_as_criu(pid_t pid, const char *name, bool *same)
{
	char *buf, *own;
	ssize_t len;

	len = read_proc_file(pid, name, &buf);
	if (len < 0)
		return len;
	len = read_proc_file(getpid(), name, &own);
	if (len < 0) {
		free(buf);
		return len;
	}
	*same = !strcmp(buf, own);
	free(buf);
	free(own);
	return 0;
}

/*
 * A /proc file that may be missing or unreadable (no autogroups, no
 * LSM): its text, or an empty string.
 */
static void read_optional(pid_t pid, const char *name, char *buf, size_t size)
{
	char path[64];
	ssize_t n = -1;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/%s", pid, name);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd >= 0) {
		n = read(fd, buf, size - 1);
		close(fd);
	}
	buf[n > 0 ? n : 0] = '\0';
}

/* coredump_filter, autogroup nice, an LSM label: /proc files of their own. */
static int check_proc_files(pid_t pid)
{
	char buf[256];
	bool same = false;
	int ret;

	ret = same_as_criu(pid, "coredump_filter", &same);
	if (ret)
		return ret;
	if (!same)
		return refuse(pid, "a coredump_filter other than criu's");
	/* "/autogroup-42 nice 0": setsid() at restore makes a new one, nice 0 */
	read_optional(pid, "autogroup", buf, sizeof(buf));
	if (buf[0] && !strstr(buf, " nice 0\n"))
		return refuse(pid, "a nice value of its autogroup (/proc/PID/autogroup)");
	read_optional(pid, "attr/current", buf, sizeof(buf));
	if (buf[0] && strncmp(buf, "unconfined", 10))
		return refuse(pid, "an LSM label (/proc/PID/attr/current)");
	return 0;
}

int check_thread_state(struct dump_ctx *dc)
{
	bool leader = dc->pid == dc->item->pid, strict = false;
	unsigned int i;
	int ret;

	for (i = 0; i < sizeof(prctl_checks) / sizeof(prctl_checks[0]); i++) {
		ret = check_one_prctl(dc, &prctl_checks[i]);
		if (ret)
			return ret;
	}
	ret = check_status(dc->pid, &strict);
	if (!ret)
		ret = check_pointer_getters(dc, strict);
	if (!ret)
		ret = check_stat(dc->pid, leader);
	if (!ret)
		ret = check_dispatch_and_mempolicy(dc);
	if (!ret)
		ret = check_proc_files(dc->pid);
	return ret;
}
