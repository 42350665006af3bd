// SPDX-License-Identifier: GPL-2.0
/*
 * softdirty-probe.c - does this kernel track soft-dirty pages?
 *
 * Maps two pages and faults both in, clears the soft-dirty bits (writing "4"
 * to /proc/self/clear_refs), writes one page again, then reads both pagemap
 * entries: bit 55 must be set for the written page and clear for the other.
 * A kernel without CONFIG_MEM_SOFT_DIRTY never sets the bit, so it FAILs here.
 *
 * Prints "PASS softdirty-probe" or "FAIL softdirty-probe: why"; exit 0 on PASS.
 * Built static so that it runs in any initramfs.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#define PM_SOFT_DIRTY	(1ULL << 55)
#define PM_PRESENT	(1ULL << 63)

static char why[256];

static int write_clear_refs(void)
{
	int fd, ret = 0;

	fd = open("/proc/self/clear_refs", O_WRONLY);
	if (fd < 0) {
		ret = -errno;
		snprintf(why, sizeof(why), "open /proc/self/clear_refs: %s", strerror(errno));
		return ret;
	}
	if (write(fd, "4", 1) != 1) {
		ret = -errno;
		snprintf(why, sizeof(why), "write 4 to /proc/self/clear_refs: %s", strerror(errno));
	}
	close(fd);
	return ret;
}

static int read_pagemap(void *addr, long page_size, uint64_t *entry)
{
	off_t off = (uintptr_t)addr / page_size * sizeof(*entry);
	int fd, ret = 0;
	ssize_t n;

	fd = open("/proc/self/pagemap", O_RDONLY);
	if (fd < 0) {
		ret = -errno;
		snprintf(why, sizeof(why), "open /proc/self/pagemap: %s", strerror(errno));
		return ret;
	}
	n = pread(fd, entry, sizeof(*entry), off);
	if (n != sizeof(*entry)) {
		ret = n < 0 ? -errno : -EIO;
		snprintf(why, sizeof(why), "read pagemap of %p: %s", addr,
			 n < 0 ? strerror(errno) : "short read");
	}
	close(fd);
	return ret;
}

/* Fault in, clear, dirty one page; fill the two pagemap entries. */
static int probe(volatile char *mem, long page_size, uint64_t pm[2])
{
	int ret;

	mem[0] = 1;
	mem[page_size] = 1;
	ret = write_clear_refs();
	if (ret)
		return ret;
	mem[0] = 2;
	ret = read_pagemap((void *)mem, page_size, &pm[0]);
	if (ret)
		return ret;
	return read_pagemap((void *)(mem + page_size), page_size, &pm[1]);
}

static int judge(const uint64_t pm[2])
{
	if (!(pm[0] & PM_PRESENT) || !(pm[1] & PM_PRESENT)) {
		snprintf(why, sizeof(why), "pages not present (pagemap %#llx %#llx)",
			 (unsigned long long)pm[0], (unsigned long long)pm[1]);
		return -1;
	}
	if (!(pm[0] & PM_SOFT_DIRTY)) {
		snprintf(why, sizeof(why), "written page not soft-dirty (pagemap %#llx)",
			 (unsigned long long)pm[0]);
		return -1;
	}
	if (pm[1] & PM_SOFT_DIRTY) {
		snprintf(why, sizeof(why), "unwritten page soft-dirty after clear (pagemap %#llx)",
			 (unsigned long long)pm[1]);
		return -1;
	}
	return 0;
}

int main(void)
{
	long page_size = sysconf(_SC_PAGESIZE);
	uint64_t pm[2] = { 0, 0 };
	char *mem;
	int ret;

	mem = mmap(NULL, 2 * page_size, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (mem == MAP_FAILED) {
		printf("FAIL softdirty-probe: mmap 2 pages: %s\n", strerror(errno));
		return 1;
	}
	ret = probe(mem, page_size, pm);
	if (!ret)
		ret = judge(pm);
	munmap(mem, 2 * page_size);
	if (ret) {
		printf("FAIL softdirty-probe: %s\n", why);
		return 1;
	}
	printf("PASS softdirty-probe\n");
	return 0;
}
