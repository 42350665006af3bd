// SPDX-License-Identifier: GPL-2.0
/*
 * Which pages of a private area hold data of the process: present or
 * swapped, and in a file mapping not just the file's page cache.
 *
 * PAGEMAP_SCAN (Linux 6.7+) walks the page tables in the kernel and
 * returns ranges; older kernels get the pagemap file, 8 bytes a page.
 */
#include <errno.h>
#include <stdlib.h>
#include <unistd.h>

#include "log.h"
#include "mem.h"
#include "pagemap-walk.h"
#include "vma.h"
#include "zero-page.h"

#define PME_BATCH	(64 * 1024)

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

static int read_present(int pagemap_fd, unsigned long start, unsigned long end,
			bool file_backed, struct range_set *out)
{
	uint64_t *pme;
	unsigned long addr, nr, i;
	ssize_t n;
	int ret = 0;

	pme = malloc(PME_BATCH * sizeof(*pme));
	if (!pme)
		return -ENOMEM;
	for (addr = start; addr < end && !ret; addr += nr * PAGE_SIZE) {
		nr = (end - addr) >> PAGE_SHIFT;
		if (nr > PME_BATCH)
			nr = PME_BATCH;
		n = pread(pagemap_fd, pme, nr * sizeof(*pme),
			  (addr >> PAGE_SHIFT) * sizeof(*pme));
		if (n != (ssize_t)(nr * sizeof(*pme))) {
			ret = n < 0 ? -errno : -EIO;
			pr_perror("Can't read pagemap at %lx", addr);
			break;
		}
		for (i = 0; i < nr && !ret; i++) {
			uint64_t e = pme[i];

			/*
			 * A page shared with the page cache comes from the
			 * file; the zero page holds nothing to save.
			 */
			if (!(e & PME_SWAP) &&
			    (!(e & PME_PRESENT) || (file_backed && (e & PME_FILE)) ||
			     pme_is_zero_page(e)))
				continue;
			ret = range_set_add(out, addr + i * PAGE_SIZE,
					    addr + (i + 1) * PAGE_SIZE);
		}
	}
	free(pme);
	return ret;
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
int file_cache_ranges(int pagemap_fd, unsigned long start, unsigned long end,
		      struct range_set *out)
{
	struct pm_scan_arg arg = {
		.category_mask = PAGE_IS_FILE | PAGE_IS_PRESENT,
		.return_mask = PAGE_IS_FILE,
	};
	uint64_t pme[512];
	unsigned long addr, nr, i;
	long n;
	int ret;

	if (have_pagemap_scan) {
		ret = pagemap_scan_walk(pagemap_fd, &arg, start, end, out);
		if (ret != -ENOTTY && ret != -EINVAL)
			return ret;
	}
	for (addr = start; addr < end; addr += nr * PAGE_SIZE) {
		nr = (end - addr) >> PAGE_SHIFT;
		if (nr > 512)
			nr = 512;
		n = pread(pagemap_fd, pme, nr * sizeof(uint64_t),
			  (addr >> PAGE_SHIFT) * sizeof(uint64_t));
		if (n != (long)(nr * sizeof(uint64_t)))
			return n < 0 ? -errno : -EIO;
		for (i = 0; i < nr; i++) {
			if (!(pme[i] & PME_PRESENT) || !(pme[i] & PME_FILE))
				continue;
			ret = range_set_add(out, addr + i * PAGE_SIZE,
					    addr + (i + 1) * PAGE_SIZE);
			if (ret)
				return ret;
		}
	}
	return 0;
}
