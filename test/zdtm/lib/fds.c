// SPDX-License-Identifier: GPL-2.0
/* Descriptors at chosen numbers, and their /proc/self/fdinfo text. */
#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>

#include "zdtmtst.h"

int test_move_fd(int fd, int at)
{
	if (fd < 0 || dup2(fd, at) != at) {
		fail("a descriptor at %d: %m", at);
		return -1;
	}
	if (fd != at)
		close(fd);
	return 0;
}

int test_fdinfo(int fd, char *buf, size_t size)
{
	char path[64];
	ssize_t n;
	int f;

	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", fd);
	f = open(path, O_RDONLY | O_CLOEXEC);
	if (f < 0) {
		fail("open %s: %m", path);
		return -1;
	}
	n = read(f, buf, size - 1);
	close(f);
	if (n <= 0) {
		fail("read %s: %m", path);
		return -1;
	}
	buf[n] = '\0';
	return 0;
}
