// SPDX-License-Identifier: GPL-2.0
/*
 * cwd_umask: the working directory (a directory the test made) and the
 * umask (027) must be the same after restore, and both must take effect:
 * relative paths resolve there, new files get mode 0666 & ~027.
 */
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "zdtmtst.h"

#define TEST_DIR	"cwd_umask.dir"
#define TEST_UMASK	027

static char dir[PATH_MAX];

static int proc_umask(void)
{
	char line[128];
	unsigned int mask = ~0U;
	FILE *f = fopen("/proc/self/status", "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "Umask: %o", &mask) == 1)
			break;
	fclose(f);
	return mask;
}

static int check_cwd(void)
{
	char now[PATH_MAX];
	struct stat here, there;

	if (!getcwd(now, sizeof(now))) {
		fail("getcwd: %m");
		return -1;
	}
	if (strcmp(now, dir)) {
		fail("cwd is %s, want %s", now, dir);
		return -1;
	}
	if (stat(".", &here) || stat(dir, &there) || here.st_ino != there.st_ino ||
	    here.st_dev != there.st_dev) {
		fail("\".\" is not %s", dir);
		return -1;
	}
	return 0;
}

static int check_umask(void)
{
	mode_t old = umask(0);
	struct stat st;
	int fd;

	umask(old);
	if (old != TEST_UMASK || proc_umask() != TEST_UMASK) {
		fail("umask %03o (/proc says %03o), want %03o", old, proc_umask(), TEST_UMASK);
		return -1;
	}
	fd = open("new-file", O_CREAT | O_EXCL | O_WRONLY, 0666);
	if (fd < 0 || fstat(fd, &st)) {
		fail("create new-file in cwd: %m");
		return -1;
	}
	close(fd);
	if ((st.st_mode & 0777) != (0666 & ~TEST_UMASK)) {
		fail("new file has mode %03o, want %03o", st.st_mode & 0777, 0666 & ~TEST_UMASK);
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
	if (mkdir(TEST_DIR, 0755) || chdir(TEST_DIR) || !getcwd(dir, sizeof(dir))) {
		fail("make and enter %s: %m", TEST_DIR);
		return 1;
	}
	umask(TEST_UMASK);

	if (test_daemon())
		return 1;
	test_waitsig();

	if (test_broken())
		umask(022);
	if (check_cwd() || check_umask())
		return 1;
	pass();
	return 0;
}
