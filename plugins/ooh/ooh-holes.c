// SPDX-License-Identifier: GPL-2.0
/*
 * The pages of a tracked process that no dirty log names, yet a dump
 * must take again: pages not in memory (dropped by MADV_DONTNEED since
 * the last dump, or swapped out: their frame left the log's view) and
 * pages backed by the zero page (read after a drop: nobody wrote them,
 * yet they no longer hold what the parent image has).
 *
 * Linux 6.7+ answers in one PAGEMAP_SCAN walk per area. Older kernels
 * (bookworm's 6.1) get /proc/PID/pagemap read entry by entry, and the
 * zero pages told by their frame number, learnt from our own mappings
 * (frame numbers need CAP_SYS_ADMIN, which criu has).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "dirty-tracker.h"
#include "ooh-holes.h"
#include "ooh-log.h"
#include "uapi-pagemap-scan.h"

#define PG_SIZE		4096UL
#define PM_PRESENT	(1ULL << 63)
#define PM_PFN_MASK	((1ULL << 55) - 1)
#define PM_BATCH	512
#define SCAN_VEC	1024
#define HPAGE_PAGES	512UL

struct zero_pfns {
	uint64_t small;		/* 0: unknown */
	uint64_t huge;		/* first frame of the huge zero page, 0: none */
};

static uint64_t own_pfn(void *addr)
{
	uint64_t ent = 0;
	int fd;

	fd = open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	if (pread(fd, &ent, sizeof(ent), (uintptr_t)addr / PG_SIZE * sizeof(ent)) !=
	    sizeof(ent))
		ent = 0;
	close(fd);
	return ent & PM_PRESENT ? ent & PM_PFN_MASK : 0;
}

/* Map, read, look: what frames back a read-only touch of fresh memory. */
static void learn_zero_pfns(struct zero_pfns *z)
{
	size_t len = 2 * HPAGE_PAGES * PG_SIZE;
	volatile char *p, *h;
	uint64_t pfn;

	memset(z, 0, sizeof(*z));
	p = mmap(NULL, len, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return;
	(void)p[0];
	z->small = own_pfn((void *)p);
	h = (char *)(((uintptr_t)p + HPAGE_PAGES * PG_SIZE - 1) & ~(HPAGE_PAGES * PG_SIZE - 1));
	madvise((void *)h, HPAGE_PAGES * PG_SIZE, MADV_HUGEPAGE);
	(void)h[PG_SIZE];
	pfn = own_pfn((void *)(h + PG_SIZE));
	if (pfn && pfn != z->small)
		z->huge = pfn - 1;
	munmap((void *)p, len);
}

static bool is_zero_pfn(const struct zero_pfns *z, uint64_t pfn)
{
	return (z->small && pfn == z->small) ||
	       (z->huge && pfn >= z->huge && pfn < z->huge + HPAGE_PAGES);
}

static int holes_by_read(int pm, const struct zero_pfns *z, unsigned long start,
			 unsigned long end, struct range_set *out)
{
	uint64_t ents[PM_BATCH];
	unsigned long addr, nr, i;
	ssize_t got;
	int ret;

	for (addr = start; addr < end; addr += nr * PG_SIZE) {
		nr = (end - addr) / PG_SIZE;
		if (nr > PM_BATCH)
			nr = PM_BATCH;
		got = pread(pm, ents, nr * sizeof(ents[0]), addr / PG_SIZE * sizeof(ents[0]));
		if (got < 0)
			return -errno;
		if ((size_t)got != nr * sizeof(ents[0]))
			return -EIO;
		for (i = 0; i < nr; i++) {
			if ((ents[i] & PM_PRESENT) &&
			    !is_zero_pfn(z, ents[i] & PM_PFN_MASK))
				continue;
			ret = range_set_add(out, addr + i * PG_SIZE,
					    addr + (i + 1) * PG_SIZE);
			if (ret)
				return ret;
		}
	}
	return 0;
}

/* Not present, or the zero page: -ENOTTY/-EINVAL if the kernel can't. */
static int holes_by_scan(int pm, struct page_region *vec, unsigned long start,
			 unsigned long end, struct range_set *out)
{
	struct pm_scan_arg arg = {
		.size = sizeof(arg),
		.start = start,
		.end = end,
		.vec = (uintptr_t)vec,
		.vec_len = SCAN_VEC,
		.category_inverted = PAGE_IS_PRESENT,
		.category_anyof_mask = PAGE_IS_PRESENT | PAGE_IS_PFNZERO,
		.return_mask = PAGE_IS_PRESENT | PAGE_IS_PFNZERO,
	};
	long nr, i;
	int ret;

	while (arg.start < arg.end) {
		nr = ioctl(pm, PAGEMAP_SCAN, &arg);
		if (nr < 0)
			return -errno;
		for (i = 0; i < nr; i++) {
			ret = range_set_add(out, vec[i].start, vec[i].end);
			if (ret)
				return ret;
		}
		if (arg.walk_end <= arg.start)
			return -EIO;
		arg.start = arg.walk_end;
	}
	return 0;
}

int ooh_report_holes(struct track_target *t, struct range_set *out)
{
	struct page_region *vec;
	struct zero_pfns z;
	bool scan = true;
	char path[64];
	unsigned int i;
	int pm, ret = 0;

	snprintf(path, sizeof(path), "/proc/%d/pagemap", t->pid);
	pm = open(path, O_RDONLY | O_CLOEXEC);
	if (pm < 0) {
		ret = -errno;
		ooh_log(1, "ooh: can't open %s: %s\n", path, strerror(errno));
		return ret;
	}
	vec = malloc(SCAN_VEC * sizeof(*vec));
	if (!vec) {
		close(pm);
		return -ENOMEM;
	}
	for (i = 0; !ret && i < t->nr_areas; i++) {
		const struct track_area *a = &t->areas[i];

		if (scan) {
			ret = holes_by_scan(pm, vec, a->start, a->end, out);
			if (ret != -ENOTTY && ret != -EINVAL)
				continue;
			/* A kernel without PAGEMAP_SCAN (before 6.7). */
			scan = false;
			learn_zero_pfns(&z);
		}
		ret = holes_by_read(pm, &z, a->start, a->end, out);
	}
	if (ret)
		ooh_log(1, "ooh: can't read the page presence of pid %d: %s\n",
			t->pid, strerror(-ret));
	free(vec);
	close(pm);
	return ret;
}
