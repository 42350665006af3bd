// SPDX-License-Identifier: GPL-2.0
/*
 * clone_fs: child K shares the test's fs (CLONE_FS: cwd, root, umask),
 * child F is a plain fork. After restore kcmp(KCMP_FS) must say K shares
 * it and F does not; K's chdir() and umask() must change the test's cwd
 * and umask, F's must not.
 */
#include <errno.h>
#include <limits.h>
#include <linux/kcmp.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "zdtmtst.h"

#define DIR_START	"clone_fs.start"
#define DIR_K		"clone_fs.k"
#define UMASK_K		027
#define UMASK_F		077

static char dir_k[PATH_MAX];

static int k_main(void *arg)
{
	test_waitsig();
	if (chdir(dir_k)) {
		tree_fail("chdir %s: %m", dir_k);
		return 1;
	}
	umask(UMASK_K);
	return 0;
}

static int f_main(void *arg)
{
	test_waitsig();
	if (chdir("/")) {
		tree_fail("chdir /: %m");
		return 1;
	}
	umask(UMASK_F);
	return 0;
}

static int check_fs(void)
{
	char cwd[PATH_MAX];
	mode_t mask = umask(0);

	umask(mask);
	if (!getcwd(cwd, sizeof(cwd)) || strcmp(cwd, dir_k)) {
		fail("cwd is %s, K changed it to %s", cwd, dir_k);
		return -1;
	}
	if (mask != UMASK_K) {
		fail("umask is %#o, K set %#o", mask, UMASK_K);
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
	if ((mkdir(DIR_START, 0755) && errno != EEXIST) || (mkdir(DIR_K, 0755) && errno != EEXIST) ||
	    !realpath(DIR_K, dir_k) || chdir(DIR_START)) {
		fail("making the folders: %m");
		return 1;
	}
	umask(022);
	k = tree_clone(CLONE_FS, k_main, NULL);
	f = tree_fork(f_main, NULL);
	if (k < 0 || f < 0 || tree_check_shared(k, f, KCMP_FS, "fs") || test_daemon())
		return 1;
	test_waitsig();

	if (tree_check_shared(k, f, KCMP_FS, "fs"))
		return 1;
	if (tree_end(f, "forked child"))
		return 1;
	if (tree_end(k, "CLONE_FS child"))
		return 1;
	/* The test's fs apart from K's, as a restore that split them leaves it */
	if (test_broken() && chdir(".."))
		return 1;
	if (check_fs())
		return 1;
	pass();
	return 0;
}
