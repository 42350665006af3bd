/* SPDX-License-Identifier: GPL-2.0 */
#ifndef CRIU_MEM_H
#define CRIU_MEM_H

#include <stdbool.h>
#include <stdint.h>

#include "mm.pb-c.h"

struct dump_ctx;
struct rst_ctx;
struct vma_list;

/* Bits of a /proc/PID/pagemap entry. */
#define PME_PRESENT	(1ULL << 63)
#define PME_SWAP	(1ULL << 62)
#define PME_FILE	(1ULL << 61)

/* pagemap_entry.flags, CRIU's values. */
#define PE_PARENT	(1 << 0)
#define PE_LAZY		(1 << 1)
#define PE_PRESENT	(1 << 2)

struct mem_dump_stats {
	uint64_t pages_scanned;		/* pages of the areas looked at */
	uint64_t pages_written;		/* pages copied into pages-N.img */
	uint64_t memwrite_us;		/* time spent copying them */
};

/* Write pagemap-PID.img and pages-1.img for the dumpable areas. */
int dump_pages(struct dump_ctx *dc, const struct vma_list *vmas,
	       struct mem_dump_stats *st);

/* One pagemap entry whose pages are in pages-1.img at @off. */
struct page_range {
	unsigned long vaddr;
	unsigned long nr_pages;
	unsigned long off;
};

struct pagemap_set {
	struct page_range *ranges;	/* in image order: ascending offsets */
	unsigned int nr;
};

/*
 * Read and check pagemap-@pid.img against the pages image (@pages_fd)
 * and the dumped areas, before anything is created. 0 or -errno, with
 * the file named.
 */
int read_pagemap(int dfd, int pid, int pages_fd, const MmEntry *mm,
		 struct pagemap_set *ps);
void free_pagemap(struct pagemap_set *ps);
/* Does any range hold pages in [@start, @end)? */
bool pagemap_has_pages(const struct pagemap_set *ps, unsigned long start,
		       unsigned long end);

/*
 * Fill the child's freshly mapped areas: one injected pread64() per
 * range, from the pages image descriptor that the child inherited
 * (@pages_fd). Returns pages restored or -errno.
 */
long restore_pages(struct rst_ctx *rc, int pages_fd, const struct pagemap_set *ps);

#endif /* CRIU_MEM_H */
