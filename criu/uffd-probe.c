// SPDX-License-Identifier: GPL-2.0
/*
 * Whether this kernel's userfaultfd has what a lazy restore asks of it:
 * `criu check` asks here, without the restore side of lazy pages (uffd.c)
 * that uses the same feature set.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/userfaultfd.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "uffd-probe.h"

int lazy_uffd_probe(char *why, size_t len)
{
	struct uffdio_api api = { .api = UFFD_API, .features = LAZY_UFFD_FEATURES };
	int fd, ret = 0;

	fd = syscall(SYS_userfaultfd, O_CLOEXEC);
	if (fd < 0) {
		snprintf(why, len, "userfaultfd: %s", strerror(errno));
		return -errno;
	}
	if (ioctl(fd, UFFDIO_API, &api)) {
		ret = -errno;
		snprintf(why, len, "userfaultfd lacks the fork, remap, remove and unmap events: %s",
			 strerror(errno));
	} else {
		snprintf(why, len, "restore --lazy-pages and lazy-pages use it");
	}
	close(fd);
	return ret;
}
