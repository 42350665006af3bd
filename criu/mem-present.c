// SPDX-License-Identifier: GPL-2.0
/*
 * Which pages of a private area hold data of the process: present or
 * swapped, and in a file mapping not just the file's page cache.
 *
 * PAGEMAP_SCAN (Linux 6.7+) walks the page tables in the kernel and
 * returns ranges; older kernels get the pagemap file, 8 bytes a page.
 */
#include <errno.h>
#include <sys/types.h>

#include "log.h"
#include "mem.h"
#include "pagemap-walk.h"
#include "vma.h"
#include "zero-page.h"

/* -1: not known yet, 0: the kernel has no PAGEMAP_SCAN, 1: it has. */
static int have_pagemap_scan = -1;

/*
 * Asking about PAGE_IS_FILE makes the kernel look up every page, so it
 * is only asked for file mappings, where page-cache pages must be told
 * from copied-on-write ones; anonymous areas only ask "present or
 * swapped", the cheap question.
 */
static int scan_present(int pagemap_fd, unsigned long start, unsigned long end,
			bool file_backed, struct range_set *out)
{
	struct pm_scan_arg arg = {
		.category_anyof_mask = PAGE_IS_PRESENT | PAGE_IS_SWAPPED,
		.category_mask = file_backed ? PAGE_IS_FILE : 0,
		.category_inverted = file_backed ? PAGE_IS_FILE : 0,
		.return_mask = PAGE_IS_PRESENT | PAGE_IS_SWAPPED,
	};

	return pagemap_scan_walk(pagemap_fd, &arg, start, end, out);
}

/*
 * A page of the process's own: present or swapped, but not a page
 * shared with the page cache (it comes from the file) nor the zero page
 * (nothing to save).
 */
static bool pme_holds_data(uint64_t pme, void *file_backed)
{
	if (pme & PME_SWAP)
		return true;
	return (pme & PME_PRESENT) && !(*(bool *)file_backed && (pme & PME_FILE)) &&
	       !pme_is_zero_page(pme);
}

static int read_present(int pagemap_fd, unsigned long start, unsigned long end,
			bool file_backed, struct range_set *out)
{
	return pagemap_read_walk(pagemap_fd, start, end, pme_holds_data,
				 &file_backed, out);
}

int present_ranges(pid_t pid, int pagemap_fd, unsigned long start,
		   unsigned long end, bool file_backed, struct range_set *out)
{
	int ret;

	if (have_pagemap_scan) {
		ret = scan_present(pagemap_fd, start, end, file_backed, out);
		if (!ret) {
			have_pagemap_scan = 1;
			return 0;
		}
		if (have_pagemap_scan == 1 || (ret != -ENOTTY && ret != -EINVAL)) {
			pr_err("PAGEMAP_SCAN of pid %d at %lx-%lx failed: %d\n",
			       pid, start, end, ret);
			return ret;
		}
		pr_info("No PAGEMAP_SCAN on this kernel: reading the pagemap\n");
		have_pagemap_scan = 0;
	}
	return read_present(pagemap_fd, start, end, file_backed, out);
}

/*
 * One PAGEMAP_SCAN ioctl costs about 1.5 us beside its walk, which
 * costs about 3.5 ns a page (0.9 ms for 1 GiB here). A final dump of
 * scattered pages asks for thousands of ranges of one page: 10000 of
 * them took 18 ms one by one, where one walk of all 4 GiB around them
 * takes 4 ms. So ranges are asked together through one walk of their
 * span when it is shorter than 430 pages per range. Without
 * PAGEMAP_SCAN the pagemap file costs some 45 ns a page, too much to
 * read the gaps: one read per range, as before.
 */
#define SPAN_PAGES_PER_RANGE	430

int present_in_ranges(pid_t pid, int pagemap_fd, const struct range_set *ranges,
		      bool file_backed, struct range_set *out)
{
	struct range_set span = RANGE_SET_INIT, asked = RANGE_SET_INIT;
	unsigned long start, end;
	unsigned int i = 0;
	int ret = 0;

	if (!ranges->nr)
		return 0;
	/* the first range tells whether the kernel has PAGEMAP_SCAN */
	if (have_pagemap_scan < 0) {
		ret = present_ranges(pid, pagemap_fd, ranges->r[0].start,
				     ranges->r[0].end, file_backed, out);
		i = 1;
	}
	if (ret || i >= ranges->nr)
		return ret;
	start = ranges->r[i].start;
	end = ranges->r[ranges->nr - 1].end;
	if (have_pagemap_scan != 1 ||
	    (end - start) >> PAGE_SHIFT >= (unsigned long)(ranges->nr - i) * SPAN_PAGES_PER_RANGE) {
		for (; !ret && i < ranges->nr; i++)
			ret = present_ranges(pid, pagemap_fd, ranges->r[i].start,
					     ranges->r[i].end, file_backed, out);
		return ret;
	}
	/* @out gets the ranges from i on, less what the span does not hold */
	ret = present_ranges(pid, pagemap_fd, start, end, file_backed, &span);
	for (; !ret && i < ranges->nr; i++)
		ret = range_set_add(&asked, ranges->r[i].start, ranges->r[i].end);
	if (!ret) {
		struct range_set missing = RANGE_SET_INIT;

		ret = range_set_subtract(&asked, &span, &missing);
		if (!ret)
			ret = range_set_subtract(&asked, &missing, out);
		range_set_free(&missing);
	}
	range_set_free(&span);
	range_set_free(&asked);
	return ret;
}

/*
 * Pages of a private file mapping that map the file's page cache (not
 * copied on write): they come back from the file, so they must never be
 * recorded "in parent" even when no tracker saw them written (a copy
 * dropped with MADV_DONTNEED and read again is such a page).
 */
static bool pme_is_file_cache(uint64_t pme, void *unused)
{
	return (pme & PME_PRESENT) && (pme & PME_FILE);
}

int file_cache_ranges(int pagemap_fd, unsigned long start, unsigned long end,
		      struct range_set *out)
{
	struct pm_scan_arg arg = {
		.category_mask = PAGE_IS_FILE | PAGE_IS_PRESENT,
		.return_mask = PAGE_IS_FILE,
	};
	int ret;

	if (have_pagemap_scan) {
		ret = pagemap_scan_walk(pagemap_fd, &arg, start, end, out);
		if (ret != -ENOTTY && ret != -EINVAL)
			return ret;
	}
	return pagemap_read_walk(pagemap_fd, start, end, pme_is_file_cache, NULL, out);
}
