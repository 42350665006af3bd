// SPDX-License-Identifier: GPL-2.0
/*
 * `criu check`: try, on a throw-away child, the kernel interfaces that
 * dump and restore depend on, and say which one is missing.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check.h"
#include "compel.h"
#include "cr_options.h"
#include "log.h"
#include "rseq.h"
#include "tracking.h"

/* Seize, read registers and memory, run a call inside, let go. */
static int check_ptrace(pid_t pid)
{
	struct user_regs_struct regs;
	struct compel_ctl *ctl;
	struct rseq_config rseq;
	long ret = 0;
	int err;

	err = compel_seize(pid);
	if (err) {
		pr_err("check: PTRACE_SEIZE failed: %s\n", strerror(-err));
		return err;
	}
	err = compel_get_regs(pid, &regs);
	if (!err)
		err = read_rseq_config(pid, &rseq);
	if (!err) {
		ctl = compel_infect(pid, 0);
		err = ctl ? compel_syscall(ctl, __NR_getpid, &ret, 0, 0, 0, 0, 0, 0) : -EIO;
		if (ctl && compel_cure(ctl) && !err)
			err = -EIO;
		if (!err && ret != pid) {
			pr_err("check: injected getpid() returned %ld, not %d\n", ret, pid);
			err = -EINVAL;
		}
	}
	compel_detach(pid);
	return err;
}

static int check_process_vm(pid_t pid)
{
	static const char probe[] = "probe";
	char buf[sizeof(probe)];
	struct iovec l = { buf, sizeof(buf) }, r = { (void *)probe, sizeof(probe) };

	if (process_vm_readv(pid, &l, 1, &r, 1, 0) != sizeof(buf)) {
		pr_perror("check: process_vm_readv");
		return -errno;
	}
	return 0;
}

static int check_map_files(pid_t pid)
{
	char path[64];
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/exe", pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		pr_perror("check: open %s", path);
		return -errno;
	}
	close(fd);
	return 0;
}

static int check_caps(void)
{
	if (geteuid() != 0) {
		pr_err("check: restore needs root (clone3 with set_tid, PR_SET_MM_MAP)\n");
		return -EPERM;
	}
	return 0;
}

int cr_check(void)
{
	pid_t pid;
	int ret;

	if (opts.feature)
		return check_one_feature(opts.feature);
	ret = check_caps();
	if (ret)
		return ret;
	pid = check_spawn_sleeper();
	if (pid < 0)
		return -errno;
	ret = check_ptrace(pid);
	if (!ret)
		ret = check_process_vm(pid);
	if (!ret)
		ret = check_map_files(pid);
	check_reap(pid);
	if (ret) {
		pr_warn("Does not look good.\n");
		return ret;
	}
	/* What else CRIU checks is wanted only by some process trees. */
	if (opts.check_extra_features || opts.check_experimental_features)
		ret = check_feature_category(opts.check_extra_features,
					     opts.check_experimental_features);
	if (ret)
		pr_msg("Looks good but some kernel features are missing\n"
		       "which, depending on your process tree, may cause\n"
		       "dump or restore failure.\n");
	else
		pr_msg("Looks good.\n");
	return ret;
}
