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
