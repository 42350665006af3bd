/* SPDX-License-Identifier: GPL-2.0 */
#ifndef CRIU_MEM_H
#define CRIU_MEM_H

#include <stdint.h>

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

/*
 * Fill the child's freshly mapped areas from the pages image: one
 * injected pread64() per pagemap entry, from the pages image descriptor
 * that the child inherited (@pages_fd). Returns pages restored or -errno.
 */
long restore_pages(struct rst_ctx *rc, int pages_fd);

#endif /* CRIU_MEM_H */
