// SPDX-License-Identifier: GPL-2.0
/*
 * seccomp_filter: three seccomp filters stacked, each failing one system
 * call with its own errno (getppid with EPERM, sysinfo with 55, and
 * close_range, which restore itself calls after installing them, with
 * 56), the second installed with SECCOMP_FILTER_FLAG_LOG. After restore
 * the process must be in filter mode with three filters, and the calls
 * must fail as before while others work.
 */
#include <errno.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "zdtmtst.h"

static int install(int nr, int err, unsigned int flags)
{
	struct sock_filter insns[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, nr, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | err),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	struct sock_fprog prog = { .len = ARRAY_SIZE(insns), .filter = insns };

	return syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, flags, &prog);
}

static int status(const char *key)
{
	char line[256];
	int val = -1;
	FILE *f = fopen("/proc/self/status", "r");

	while (f && fgets(line, sizeof(line), f))
		if (!strncmp(line, key, strlen(key)))
			val = atoi(line + strlen(key));
	if (f)
		fclose(f);
	return val;
}

static int expect_errno(long nr, int err, const char *name)
{
	long ret = syscall(nr, NULL);

	if (ret != -1 || errno != err) {
		fail("%s returned %ld (%s), want errno %d", name, ret, strerror(errno), err);
		return -1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	int ret;

	ret = test_init(argc, argv, 0);
	if (ret)
		return test_init_exit(ret);
	if (test_daemon())
		return 1;
	if (install(__NR_getppid, EPERM, 0) ||
	    install(__NR_sysinfo, 55, SECCOMP_FILTER_FLAG_LOG) ||
	    install(__NR_close_range, 56, 0)) {
		fail("install seccomp filters: %m");
		return 1;
	}
	test_waitsig();

	if (test_broken())
		install(__NR_getpriority, 1, 0);
	if (status("Seccomp:") != 2 || status("Seccomp_filters:") != 3) {
		fail("seccomp mode %d with %d filters, want 2 with 3",
		     status("Seccomp:"), status("Seccomp_filters:"));
		return 1;
	}
	if (expect_errno(__NR_getppid, EPERM, "getppid") ||
	    expect_errno(__NR_sysinfo, 55, "sysinfo") ||
	    expect_errno(__NR_close_range, 56, "close_range"))
		return 1;
	if (syscall(__NR_getpid) != getpid()) {
		fail("getpid is filtered");
		return 1;
	}
	pass();
	return 0;
}
