// SPDX-License-Identifier: GPL-2.0
/*
 * The one PAGEMAP_SCAN loop: memory presence, file-cache pages, dirty
 * pages and holes are all asked through it (see pagemap-walk.h).
 */
#include <errno.h>
#include <sys/ioctl.h>

#include "log.h"
#include "pagemap-walk.h"

/* Regions asked per call: 24 KiB of stack. */
#define WALK_VEC_LEN	1024

static unsigned long clip_low(unsigned long v, unsigned long low)
{
	return v < low ? low : v;
}

static unsigned long clip_high(unsigned long v, unsigned long high)
{
	return v > high ? high : v;
}

/* Add the @nr regions of @vec that one call over [@from, @end) returned. */
static int add_regions(const struct page_region *vec, long nr,
		       const struct pm_scan_arg *arg, unsigned long from,
		       unsigned long end, struct range_set *out)
{
	unsigned long upto = end;
	long i;
	int ret;

	if (!(arg->flags & PM_SCAN_WP_MATCHING))
		upto = clip_high(arg->walk_end, end);
	for (i = 0; i < nr; i++) {
		ret = range_set_add(out, clip_low(vec[i].start, from),
				    clip_high(vec[i].end, upto));
		if (ret)
			return ret;
	}
	return 0;
}

int pagemap_scan_walk(int pagemap_fd, struct pm_scan_arg *arg,
		      unsigned long start, unsigned long end,
		      struct range_set *out)
{
	struct page_region vec[WALK_VEC_LEN];
	unsigned long from = start;
	long nr;
	int ret;

	arg->size = sizeof(*arg);
	/* Without an output vector the kernel walks the range in one call. */
	arg->vec = out ? (unsigned long)vec : 0;
	arg->vec_len = out ? WALK_VEC_LEN : 0;
	while (from < end) {
		arg->start = from;
		arg->end = end;
		nr = ioctl(pagemap_fd, PAGEMAP_SCAN, arg);
		if (nr < 0)
			return -errno;
		if (out) {
			ret = add_regions(vec, nr, arg, from, end, out);
			if (ret)
				return ret;
		}
		if (arg->walk_end <= from) {
			pr_err("PAGEMAP_SCAN made no progress at %lx\n", from);
			return -EIO;
		}
		from = arg->walk_end;
	}
	return 0;
}
