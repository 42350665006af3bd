/* SPDX-License-Identifier: GPL-2.0 */
#ifndef CRIU_UAPI_PAGEMAP_SCAN_H
#define CRIU_UAPI_PAGEMAP_SCAN_H

/*
 * The PAGEMAP_SCAN ioctl of /proc/PID/pagemap (Linux 6.7+) and the
 * userfaultfd write-protect-async feature it works with. Debian 12's
 * kernel headers are 6.1 and lack them, so the ABI is stated here.
 */

#include <linux/ioctl.h>
#include <linux/types.h>

#ifndef PAGEMAP_SCAN

/* Page categories */
#define PAGE_IS_WPALLOWED	(1 << 0)
#define PAGE_IS_WRITTEN		(1 << 1)
#define PAGE_IS_FILE		(1 << 2)
#define PAGE_IS_PRESENT		(1 << 3)
#define PAGE_IS_SWAPPED		(1 << 4)
#define PAGE_IS_PFNZERO		(1 << 5)
#define PAGE_IS_HUGE		(1 << 6)
#define PAGE_IS_SOFT_DIRTY	(1 << 7)

struct page_region {
	__u64 start;
	__u64 end;
	__u64 categories;
};

/* Flags */
#define PM_SCAN_WP_MATCHING	(1 << 0)
#define PM_SCAN_CHECK_WPASYNC	(1 << 1)

struct pm_scan_arg {
	__u64 size;
	__u64 flags;
	__u64 start;
	__u64 end;
	__u64 walk_end;
	__u64 vec;
	__u64 vec_len;
	__u64 max_pages;
	__u64 category_inverted;
	__u64 category_mask;
	__u64 category_anyof_mask;
	__u64 return_mask;
};

#define PAGEMAP_SCAN	_IOWR('f', 16, struct pm_scan_arg)

#endif /* PAGEMAP_SCAN */

#ifndef UFFD_FEATURE_WP_ASYNC
#define UFFD_FEATURE_WP_UNPOPULATED	(1 << 13)
#define UFFD_FEATURE_WP_ASYNC		(1 << 15)
#endif

#endif /* CRIU_UAPI_PAGEMAP_SCAN_H */
