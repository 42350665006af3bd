// SPDX-License-Identifier: GPL-2.0
/*
 * `criu check --feature NAME`, --extra, --experimental: CRIU's feature
 * names, one table row each, answered for criu-ooh on this kernel. A
 * feature criu-ooh makes use of has a probe of the kernel; one it does
 * not use yet is "no" with the reason, whatever the kernel has, since a
 * "yes" would tell a caller (zdtm.py, a container runtime) that dumps
 * needing it can work. criu-ooh's own names (the dirty trackers) follow.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check.h"
#include "compel.h"
#include "log.h"
#include "rseq.h"
#include "tracking.h"
#include "uffd-probe.h"

#ifndef UFFD_USER_MODE_ONLY
#define UFFD_USER_MODE_ONLY	1
#endif

enum feat_cat {
	CAT_NAMED,		/* only by name */
	CAT_EXTRA,		/* also with --extra, --all */
	CAT_EXPERIMENTAL,	/* also with --experimental, --all */
};

struct feature {
	const char *name;
	enum feat_cat cat;
	/* criu-ooh uses it: 0 if this kernel has it, else -errno and @why */
	int (*probe)(char *why, size_t len);
	/* criu-ooh does not use it (yet): why the answer is no */
	const char *unused;
};

/* A child that pauses until killed: the features are tried on it. */
pid_t check_spawn_sleeper(void)
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

void check_reap(pid_t pid)
{
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
}

static int probe_mem_dirty_track(char *why, size_t len)
{
	const struct dirty_tracker *tr;

	if (select_dirty_tracker("auto", &tr) || !strcmp(tr->name, "none")) {
		snprintf(why, len, "no dirty tracker works here");
		return -EOPNOTSUPP;
	}
	snprintf(why, len, "tracker %s", tr->name);
	return 0;
}

static int probe_uffd(char *why, size_t len)
{
	int fd = syscall(SYS_userfaultfd, O_CLOEXEC | UFFD_USER_MODE_ONLY);

	if (fd < 0) {
		snprintf(why, len, "userfaultfd: %s", strerror(errno));
		return -errno;
	}
	close(fd);
	snprintf(why, len, "used by the pagemap-scan tracker and lazy pages");
	return 0;
}

/* Seize a sleeper with @options and hand it to @fn while it is stopped. */
static int probe_on_sleeper(long options, int (*fn)(pid_t pid, char *why, size_t len),
			    char *why, size_t len)
{
	pid_t pid = check_spawn_sleeper();
	int ret = 0, status;

	if (pid < 0)
		return -errno;
	if (ptrace(PTRACE_SEIZE, pid, 0, options)) {
		ret = -errno;
		snprintf(why, len, "PTRACE_SEIZE: %s", strerror(errno));
		goto out;
	}
	if (ptrace(PTRACE_INTERRUPT, pid, 0, 0) || waitpid(pid, &status, __WALL) != pid) {
		ret = -errno;
		snprintf(why, len, "PTRACE_INTERRUPT: %s", strerror(errno));
		goto out;
	}
	if (fn)
		ret = fn(pid, why, len);
out:
	check_reap(pid);
	return ret;
}

static int probe_seccomp_suspend(char *why, size_t len)
{
	return probe_on_sleeper(PTRACE_O_SUSPEND_SECCOMP, NULL, why, len);
}

static int read_rseq(pid_t pid, char *why, size_t len)
{
	struct rseq_config conf;
	int ret = read_rseq_config(pid, &conf);

	if (ret)
		snprintf(why, len, "PTRACE_GET_RSEQ_CONFIGURATION: %s", strerror(-ret));
	return ret;
}

static int probe_get_rseq_conf(char *why, size_t len)
{
	return probe_on_sleeper(0, read_rseq, why, len);
}

/*
 * clone3() exists (5.3) and takes set_tid (5.5): an invalid request
 * fails with EINVAL on such a kernel, with ENOSYS or E2BIG before.
 */
static int probe_clone3_set_tid(char *why, size_t len)
{
	struct clone_args args = { .flags = CLONE_THREAD, .exit_signal = SIGCHLD };
	struct utsname u;
	int major = 0, minor = 0;

	if (syscall(SYS_clone3, &args, sizeof(args)) >= 0 || errno != EINVAL) {
		snprintf(why, len, "clone3: %s", strerror(errno));
		return -ENOSYS;
	}
	if (uname(&u) || sscanf(u.release, "%d.%d", &major, &minor) != 2 ||
	    major < 5 || (major == 5 && minor < 5)) {
		snprintf(why, len, "kernel %s has no clone3 set_tid", u.release);
		return -ENOSYS;
	}
	return 0;
}

#define NOT_NS		"criu-ooh does not dump namespaces yet"
#define NOT_NET		"criu-ooh does not dump sockets or network state yet"
#define NOT_MNT		"criu-ooh does not dump mounts yet"

static const struct feature features[] = {
	{ "mnt_id", CAT_EXTRA, NULL, NOT_MNT },
	{ "mem_dirty_track", CAT_EXTRA, probe_mem_dirty_track, NULL },
	{ "aio_remap", CAT_EXTRA, NULL, "criu-ooh does not dump AIO rings yet" },
	{ "timerfd", CAT_EXTRA, NULL, "criu-ooh does not dump timerfds yet" },
	{ "tun", CAT_EXTRA, NULL, NOT_NET },
	{ "tun_ns", CAT_NAMED, NULL, NOT_NET },
	{ "userns", CAT_EXTRA, NULL, NOT_NS },
	{ "fdinfo_lock", CAT_EXTRA, NULL, "criu-ooh does not dump file locks yet" },
	{ "seccomp_suspend", CAT_EXTRA, probe_seccomp_suspend, NULL },
	{ "seccomp_filters", CAT_EXTRA, NULL, "criu-ooh does not dump seccomp filters yet" },
	{ "loginuid", CAT_EXTRA, NULL, "criu-ooh does not restore the audit loginuid yet" },
	{ "cgroupns", CAT_EXTRA, NULL, NOT_NS },
	{ "autofs", CAT_EXPERIMENTAL, NULL, NOT_MNT },
	{ "tcp_half_closed", CAT_EXTRA, NULL, NOT_NET },
	{ "compat_cr", CAT_EXPERIMENTAL, NULL, "criu-ooh dumps 64-bit processes only" },
	{ "uffd", CAT_EXTRA, probe_uffd, NULL },
	{ "uffd-noncoop", CAT_EXTRA, lazy_uffd_probe, NULL },
	{ "lazy_pages", CAT_NAMED, lazy_uffd_probe, NULL },
	{ "can_map_vdso", CAT_EXTRA, NULL, "criu-ooh moves the vdso it has instead of mapping one" },
	{ "sk_ns", CAT_EXTRA, NULL, NOT_NET },
	{ "sk_unix_file", CAT_NAMED, NULL, NOT_NET },
	{ "net_diag_raw", CAT_EXTRA, NULL, NOT_NET },
	{ "nsid", CAT_NAMED, NULL, NOT_NS },
	{ "link_nsid", CAT_NAMED, NULL, NOT_NS },
	{ "kcmp_epoll", CAT_EXTRA, NULL, "criu-ooh does not dump epoll yet" },
	{ "timens", CAT_EXTRA, NULL, NOT_NS },
	{ "external_net_ns", CAT_NAMED, NULL, NOT_NS },
	{ "clone3_set_tid", CAT_EXTRA, probe_clone3_set_tid, NULL },
	{ "newifindex", CAT_EXTRA, NULL, NOT_NET },
	{ "nftables", CAT_NAMED, NULL, NOT_NET },
	{ "has_ipt_legacy", CAT_NAMED, NULL, NOT_NET },
	{ "pidfd_store", CAT_EXTRA, NULL, "criu-ooh does not keep pidfds between pre-dumps yet" },
	{ "ns_pid", CAT_EXTRA, NULL, NOT_NS },
	{ "ns_get_userns", CAT_NAMED, NULL, NOT_NS },
	{ "ns_get_parent", CAT_NAMED, NULL, NOT_NS },
	{ "apparmor_stacking", CAT_EXTRA, NULL, "criu-ooh does not restore LSM profiles yet" },
	{ "network_lock_nftables", CAT_EXTRA, NULL, NOT_NET },
	{ "sockopt_buf_lock", CAT_EXTRA, NULL, NOT_NET },
	{ "memfd_hugetlb", CAT_EXTRA, NULL, "criu-ooh refuses hugetlb memfds" },
	{ "move_mount_set_group", CAT_EXTRA, NULL, NOT_MNT },
	{ "openat2", CAT_EXTRA, NULL, "criu-ooh does not use openat2" },
	{ "get_rseq_conf", CAT_EXTRA, probe_get_rseq_conf, NULL },
	{ "ipv6_freebind", CAT_EXTRA, NULL, NOT_NET },
	{ "membarrier_get_registrations", CAT_EXTRA, NULL,
	  "criu-ooh does not dump membarrier registrations yet" },
};

#define NR_FEATURES	(sizeof(features) / sizeof(features[0]))

static const struct feature *find_feature(const char *name)
{
	unsigned int i;

	for (i = 0; i < NR_FEATURES; i++)
		if (!strcmp(features[i].name, name))
			return &features[i];
	return NULL;
}

/* criu-ooh's own names: a dirty tracker, or one of its kernel parts. */
static const char *tracker_alias(const char *name)
{
	static const struct {
		const char *feature, *tracker;
	} alias[] = {
		{ "pagemap_scan", "pagemap-scan" },
		{ "uffd_wp_async", "pagemap-scan" },
		{ "soft_dirty", "soft-dirty" },
	};
	unsigned int i;

	for (i = 0; i < sizeof(alias) / sizeof(alias[0]); i++)
		if (!strcmp(name, alias[i].feature))
			return alias[i].tracker;
	return name;
}

static int answer(const struct feature *f)
{
	char why[256] = "";
	int ret;

	if (f->unused) {
		pr_msg("%s: no, %s\n", f->name, f->unused);
		return -EOPNOTSUPP;
	}
	ret = f->probe(why, sizeof(why));
	pr_msg("%s: %s%s%s\n", f->name, ret ? "no" : "yes", why[0] ? ", " : "", why);
	return ret ? -EOPNOTSUPP : 0;
}

void list_features(void)
{
	unsigned int i;

	for (i = 0; i < NR_FEATURES; i++)
		pr_msg("%s ", features[i].name);
	pr_msg("pagemap_scan uffd_wp_async soft_dirty ooh\n");
}

int check_one_feature(const char *name)
{
	const struct feature *f = find_feature(name);
	const char *tracker;

	if (!strcmp(name, "list")) {
		list_features();
		return 0;
	}
	if (f)
		return answer(f);
	tracker = tracker_alias(name);
	if (!find_dirty_tracker(tracker) && !strcmp(tracker, "ooh")) {
		pr_msg("ooh: no, the ooh plugin is not loaded (see --libdir)\n");
		return -EOPNOTSUPP;
	}
	if (!find_dirty_tracker(tracker)) {
		pr_err("check: unknown feature '%s'\n", name);
		return -EINVAL;
	}
	return report_dirty_trackers(tracker) ? -EOPNOTSUPP : 0;
}

int check_feature_category(bool extra, bool experimental)
{
	unsigned int i;
	int ret = 0;

	for (i = 0; i < NR_FEATURES; i++) {
		const struct feature *f = &features[i];

		if ((f->cat == CAT_EXTRA && extra) ||
		    (f->cat == CAT_EXPERIMENTAL && experimental))
			if (answer(f))
				ret = -EOPNOTSUPP;
	}
	return ret;
}
