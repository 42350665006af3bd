/* SPDX-License-Identifier: GPL-2.0 */
#ifndef CRIU_MEM_H
#define CRIU_MEM_H

#include <stdbool.h>
#include <stdint.h>

#include "mm.pb-c.h"
#include "page-pipe.h"
#include "pagemap-bits.h"
#include "range-set.h"

struct dump_ctx;
struct rst_ctx;
struct vma_list;


/* pagemap_entry.flags, CRIU's values. */
#define PE_PARENT	(1 << 0)
#define PE_LAZY		(1 << 1)
#define PE_PRESENT	(1 << 2)

struct mem_dump_stats {
	uint64_t pages_scanned;		/* private pages of the areas looked at */
	uint64_t pages_written;		/* private pages copied into pages-1.img */
	uint64_t pages_in_parent;	/* pages recorded as in the parent */
	uint64_t pages_lazy;		/* left in the process for dump --lazy-pages */
	uint64_t shpages_scanned;	/* the same for shared anonymous memory */
	uint64_t shpages_written;
	uint64_t page_pipes;		/* sets of pipes that held pages (0 or 1) */
	uint64_t page_pipe_bufs;	/* pipes in them */
	uint64_t memwrite_us;		/* time spent copying them */
};

/*
 * What an incremental dump knows: the pages the parent image chain
 * holds and the pages written since the parent was taken. With both,
 * a present page that the parent holds and that was not written is
 * recorded "in parent" instead of being copied.
 */
struct mem_dump_opts {
	const struct range_set *parent;	/* normalized, or NULL */
	const struct range_set *dirty;	/* normalized, or NULL */
	/*
	 * The pages are copied after the target runs again: which of the
	 * private pages to copy hold data is asked then (probe runs), not
	 * with the target stopped.
	 */
	bool present_later;
};

/*
 * The pages one dump records, decided while the target is stopped:
 * pagemap entries in address order, data or in parent. Copying is
 * separate so that a pre-dump can let the target run before the pages
 * reach the disk.
 */
struct pm_run {
	unsigned long start, end;
	bool in_parent;
	bool shared;			/* shmem: read through map_files */
	bool probe;			/* the pages here that hold data, found later */
	bool lazy;			/* written PE_LAZY: served later from the process */
	unsigned int vma;		/* index in the vma_list */
};

struct mem_plan {
	struct pm_run *runs;
	unsigned int nr, cap;
	unsigned long data_bytes;
	struct page_pipes pipes;	/* pre-dump: data held while it runs */
	bool captured;
	/*
	 * For a copy after the target runs again, opened while it is
	 * stopped: they stay bound to that address space whatever the
	 * pid turns into; @held: plan_hold_target() opened them.
	 */
	bool held;
	int mem_fd;			/* /proc/PID/mem */
	int pagemap_fd;			/* /proc/PID/pagemap */
	int pidfd;
};

int plan_pages(struct dump_ctx *dc, const struct vma_list *vmas,
	       const struct mem_dump_opts *mo, struct mem_plan *plan,
	       struct mem_dump_stats *st);
/*
 * Take hold of the planned data in pipes (pre-dump, target stopped and
 * infected), so that write_pages() can run after the target resumed.
 */
int capture_plan(struct dump_ctx *dc, const struct vma_list *vmas,
		 struct mem_plan *plan);
/*
 * Write pagemap-PID.img and pages-1.img for @plan: from the pipes if
 * the data was captured, else straight from the (stopped) target. For
 * dump --lazy-pages (@dc's session lazy_src) the data of the lazy
 * areas is not copied: those runs are written PE_LAZY and marked lazy,
 * and lazy-dump.c serves them from the process, which the dump holds
 * stopped until the daemon has them.
 */
int write_pages(struct dump_ctx *dc, const struct vma_list *vmas,
		struct mem_plan *plan, struct mem_dump_stats *st);
void free_mem_plan(struct mem_plan *plan);

/*
 * Copying after the target runs again (mem-thawed.c). Hold the target
 * for it while it is stopped; then, released, find the data of the
 * probe runs and copy every data run, leaving out of the pagemap what
 * can no longer be read: added to @unread for the next dump to copy.
 */
int plan_hold_target(struct dump_ctx *dc, struct mem_plan *plan);
int write_pages_thawed(struct dump_ctx *dc, const struct vma_list *vmas,
		       struct mem_plan *plan, struct mem_dump_stats *st,
		       struct range_set *unread);

/* Present pages of a private area: PAGEMAP_SCAN, or the pagemap file. */
int present_ranges(pid_t pid, int pagemap_fd, unsigned long start,
		   unsigned long end, bool file_backed, struct range_set *out);

/* Page-cache pages mapped in a private file area (never "in parent"). */
/*
 * present_ranges() of each of @ranges (sorted, disjoint) into @out, in
 * order: one walk of their whole span when that costs less.
 */
int present_in_ranges(pid_t pid, int pagemap_fd, const struct range_set *ranges,
		      bool file_backed, struct range_set *out);
int file_cache_ranges(int pagemap_fd, unsigned long start, unsigned long end,
		      struct range_set *out);

/* --- restore ------------------------------------------------------------ */

/* One piece of memory to fill: @len bytes at @vaddr from pages file @src. */
struct page_range {
	unsigned long vaddr;
	unsigned long len;
	unsigned long off;		/* PAGES_SRC_REMOTE: the address in the images */
	unsigned int src;		/* index of the image folder in the chain */
};

/* src of pages a dump --lazy-pages left on the source's page server (PE_LAZY). */
#define PAGES_SRC_REMOTE	(~0U)

struct pagemap_set {
	struct page_range *ranges;
	unsigned int nr, cap;
	int *pages_fds;			/* pre-opened pages-1.img of each folder */
	unsigned int nr_srcs;
};

/*
 * Read pagemap-@pid.img of the folder @dfd and, for entries kept in a
 * parent, of the folders its "parent" links lead to; check every entry
 * and resolve each page to the folder that holds its data. The pages
 * images are opened and handed to @keep_fd (which moves them to the
 * restore's pre-opened set). 0 or -errno, naming the file.
 */
int read_pagemap_chain(int dfd, int pid, const MmEntry *mm,
		       int (*keep_fd)(void *arg, int fd), void *arg,
		       struct pagemap_set *ps);
void free_pagemap(struct pagemap_set *ps);
bool pagemap_has_pages(const struct pagemap_set *ps, unsigned long start,
		       unsigned long end);
/* Fill @len bytes at @addr of the task from @pages_fd at @off (pread64). */
int rst_fill_range(struct rst_ctx *rc, int pages_fd, unsigned long addr,
		   unsigned long len, unsigned long off);
/* Fill the child: one injected pread64() per range. Pages or -errno. */
long restore_pages(struct rst_ctx *rc, const struct pagemap_set *ps);

#endif /* CRIU_MEM_H */
