// SPDX-License-Identifier: GPL-2.0
/*
 * fdt_shared: child K shares the test's descriptor table (CLONE_FILES),
 * child F is a plain fork. After restore kcmp(KCMP_FILES) must say K shares
 * it and F does not; a descriptor K opens must be open in the test, one K
 * closes must be closed there, and what F opens must not appear.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/kcmp.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "zdtmtst.h"

#define FD_OLD		40	/* open before the dump, closed by K after */
#define FD_K		50	/* opened by K after restore */
#define FD_F		51	/* opened by F after restore */

static int open_at(const char *name, int fd)
{
	int tmp = open(name, O_RDWR | O_CREAT, 0644);

	if (tmp < 0)
		return -1;
	if (dup2(tmp, fd) != fd)
		return -1;
	close(tmp);
	return 0;
}

static int k_main(void *arg)
{
	test_waitsig();
	if (open_at("fdt_shared.k", FD_K) || close(FD_OLD)) {
		tree_fail("K: open fd %d / close fd %d: %m", FD_K, FD_OLD);
		return 1;
	}
	return 0;
}

static int f_main(void *arg)
{
	test_waitsig();
	if (open_at("fdt_shared.f", FD_F)) {
		tree_fail("F: open fd %d: %m", FD_F);
		return 1;
	}
	return 0;
}

static int check_fds(void)
{
	char link[64], path[PATH_MAX];
	ssize_t n;

	snprintf(link, sizeof(link), "/proc/self/fd/%d", FD_K);
	n = readlink(link, path, sizeof(path) - 1);
	if (n < 0) {
		fail("fd %d that K opened is not open here: %m", FD_K);
		return -1;
	}
	path[n] = '\0';
	if (!strstr(path, "fdt_shared.k")) {
		fail("fd %d is %s, K opened fdt_shared.k", FD_K, path);
		return -1;
	}
	if (fcntl(FD_OLD, F_GETFD) >= 0 || errno != EBADF) {
		fail("fd %d that K closed is still open here", FD_OLD);
		return -1;
	}
	if (fcntl(FD_F, F_GETFD) >= 0) {
		fail("fd %d that the forked child opened is open here", FD_F);
		return -1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	pid_t k, f;
	int ret;

	ret = test_init(argc, argv, 0);
	if (ret)
		return test_init_exit(ret);
	if (open_at("fdt_shared.old", FD_OLD)) {
		fail("open fd %d: %m", FD_OLD);
		return 1;
	}
	k = tree_clone(CLONE_FILES, k_main, NULL);
	f = tree_fork(f_main, NULL);
	if (k < 0 || f < 0 || tree_check_shared(k, f, KCMP_FILES, "descriptor table") ||
	    test_daemon())
		return 1;
	test_waitsig();

	if (tree_check_shared(k, f, KCMP_FILES, "descriptor table"))
		return 1;
	if (tree_end(f, "forked child"))
		return 1;
	if (tree_end(k, "CLONE_FILES child"))
		return 1;
	/* The test's table apart from K's, as a restore that split them leaves it */
	if (test_broken())
		close(FD_K);
	if (check_fds())
		return 1;
	pass();
	return 0;
}
