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

#include "compel.h"
#include "cr-dump.h"
#include "cr_options.h"
#include "log.h"
#include "rseq.h"
#include "tracking.h"


static pid_t spawn_sleeper(void)
{
	pid_t pid = fork();

	if (pid == 0) {
		for (;;)
			pause();
	}
	if (pid < 0)
		pr_perror("fork");
	return pid;
}

static void reap(pid_t pid)
{
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
}

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

/*
 * CRIU's feature names for memory tracking, and each tracker by name.
 * "mem_dirty_track" is CRIU's name for soft-dirty tracking; here it
 * asks whether any tracker better than "none" works.
 */
static int check_feature(const char *feature)
{
	static const struct {
		const char *feature, *tracker;
	} alias[] = {
		{ "pagemap_scan", "pagemap-scan" },
		{ "uffd_wp_async", "pagemap-scan" },
		{ "soft_dirty", "soft-dirty" },
	};
	const struct dirty_tracker *tr;
	unsigned int i;
	int ret;

	if (!strcmp(feature, "mem_dirty_track")) {
		ret = select_dirty_tracker("auto", &tr);
		if (ret || !strcmp(tr->name, "none")) {
			pr_msg("mem_dirty_track: no (no dirty tracker works here)\n");
			return -EOPNOTSUPP;
		}
		pr_msg("mem_dirty_track: yes (%s)\n", tr->name);
		return 0;
	}
	for (i = 0; i < sizeof(alias) / sizeof(alias[0]); i++)
		if (!strcmp(feature, alias[i].feature))
			feature = alias[i].tracker;
	if (!find_dirty_tracker(feature) && !strcmp(feature, "ooh")) {
		pr_msg("ooh: no, the ooh plugin is not loaded (see --libdir)\n");
		return -EOPNOTSUPP;
	}
	if (!find_dirty_tracker(feature)) {
		pr_err("check: unknown feature '%s'\n", feature);
		return -EINVAL;
	}
	return report_dirty_trackers(feature);
}

int cr_check(void)
{
	pid_t pid;
	int ret;

	if (opts.feature)
		return check_feature(opts.feature);
	ret = check_caps();
	if (ret)
		return ret;
	pid = spawn_sleeper();
	if (pid < 0)
		return -errno;
	ret = check_ptrace(pid);
	if (!ret)
		ret = check_process_vm(pid);
	if (!ret)
		ret = check_map_files(pid);
	reap(pid);
	if (ret)
		return ret;
	pr_msg("Looks good.\n");
	return 0;
}
