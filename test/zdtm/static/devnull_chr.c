// SPDX-License-Identifier: GPL-2.0
/*
 * devnull_chr: descriptors on /dev/null and /dev/zero, opened by path at
 * chosen numbers. After restore they must be the same character devices at
 * the same numbers, with the same access modes, and behave like them.
 */
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "zdtmtst.h"

struct dev_fd {
	const char *path;
	int fd;
	int flags;
};

static struct dev_fd devs[] = {
	{ "/dev/null", 20, O_RDWR },
	{ "/dev/zero", 21, O_RDONLY },
	{ "/dev/null", 22, O_WRONLY | O_APPEND },
};

static int open_at(struct dev_fd *d)
{
	int fd = open(d->path, d->flags);

	if (fd < 0 || dup2(fd, d->fd) != d->fd) {
		fail("open %s at %d: %m", d->path, d->fd);
		return -1;
	}
	close(fd);
	return 0;
}

static int check_identity(struct dev_fd *d)
{
	char link[64], target[PATH_MAX];
	struct stat want, got;
	ssize_t len;
	int fl;

	if (stat(d->path, &want) || fstat(d->fd, &got)) {
		fail("stat %s / fd %d: %m", d->path, d->fd);
		return -1;
	}
	if (!S_ISCHR(got.st_mode) || got.st_rdev != want.st_rdev) {
		fail("fd %d: mode %o rdev %u:%u, want char %u:%u (%s)", d->fd,
		     got.st_mode, major(got.st_rdev), minor(got.st_rdev),
		     major(want.st_rdev), minor(want.st_rdev), d->path);
		return -1;
	}
	snprintf(link, sizeof(link), "/proc/self/fd/%d", d->fd);
	len = readlink(link, target, sizeof(target) - 1);
	if (len < 0 || (target[len] = '\0', strcmp(target, d->path))) {
		fail("fd %d links to %s, want %s", d->fd, len < 0 ? "?" : target, d->path);
		return -1;
	}
	fl = fcntl(d->fd, F_GETFL);
	if (fl < 0 || (fl & (O_ACCMODE | O_APPEND)) != d->flags) {
		fail("fd %d flags %#x, want %#x", d->fd, fl, d->flags);
		return -1;
	}
	return 0;
}

static int check_behaviour(void)
{
	char buf[256];

	memset(buf, 0x55, sizeof(buf));
	if (read(21, buf, sizeof(buf)) != sizeof(buf)) {
		fail("read /dev/zero: %m");
		return -1;
	}
	for (size_t i = 0; i < sizeof(buf); i++)
		if (buf[i]) {
			fail("/dev/zero gave %#x at %zu", buf[i], i);
			return -1;
		}
	if (read(20, buf, sizeof(buf)) != 0) {
		fail("read /dev/null did not return EOF");
		return -1;
	}
	if (write(20, buf, sizeof(buf)) != sizeof(buf) ||
	    write(22, buf, sizeof(buf)) != sizeof(buf)) {
		fail("write /dev/null: %m");
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
	for (size_t i = 0; i < ARRAY_SIZE(devs); i++)
		if (open_at(&devs[i]))
			return 1;

	if (test_daemon())
		return 1;
	test_waitsig();

	if (test_broken())
		dup2(20, 21);
	for (size_t i = 0; i < ARRAY_SIZE(devs); i++)
		if (check_identity(&devs[i]))
			return 1;
	if (check_behaviour())
		return 1;
	pass();
	return 0;
}
