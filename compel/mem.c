// SPDX-License-Identifier: GPL-2.0
/*
 * Memory of a stopped task through /proc/PID/mem: the kernel accesses
 * it with FOLL_FORCE for a tracer, so read-only text can be patched and
 * PROT_NONE pages read, with no size limit per call.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>

#include "compel.h"
#include "log.h"

static int open_mem(pid_t pid, int flags)
{
	char path[64];
	int fd, ret;

	snprintf(path, sizeof(path), "/proc/%d/mem", pid);
	fd = open(path, flags | O_CLOEXEC);
	if (fd < 0) {
		ret = -errno;
		pr_perror("Can't open %s", path);
		return ret;
	}
	return fd;
}

/*
 * Offsets are user addresses, below 2^63, so they fit off_t. A zero
 * count means the range hit a hole in the address space.
 */
static int mem_io(pid_t pid, int fd, int write, unsigned long addr,
		  void *buf, size_t len)
{
	char *p = buf;
	ssize_t n;

	while (len) {
		if (write)
			n = pwrite(fd, p, len, (off_t)addr);
		else
			n = pread(fd, p, len, (off_t)addr);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			int err = n < 0 ? -errno : -EIO;

			errno = -err;
			pr_perror("Can't %s %zu bytes at %#lx of %d",
				  write ? "write" : "read", len, addr, pid);
			return err;
		}
		p += n;
		addr += n;
		len -= n;
	}
	return 0;
}

int compel_read_mem(pid_t pid, unsigned long addr, void *buf, size_t len)
{
	int fd, ret;

	fd = open_mem(pid, O_RDONLY);
	if (fd < 0)
		return fd;
	ret = mem_io(pid, fd, 0, addr, buf, len);
	close(fd);
	return ret;
}

int compel_write_mem(pid_t pid, unsigned long addr, const void *buf,
		     size_t len)
{
	int fd, ret;

	fd = open_mem(pid, O_WRONLY);
	if (fd < 0)
		return fd;
	ret = mem_io(pid, fd, 1, addr, (void *)buf, len);
	close(fd);
	return ret;
}
