// SPDX-License-Identifier: GPL-2.0
/*
 * The one PAGEMAP_SCAN loop: memory presence, file-cache pages, dirty
 * pages and holes are all asked through it (see pagemap-walk.h); and
 * the one pagemap-reading loop for kernels without it.
 */
#include <errno.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "log.h"
#include "pagemap-walk.h"

/* Regions asked per call: 24 KiB of stack. */
#define WALK_VEC_LEN	1024
/* Pagemap entries read per pread(): 4 KiB of stack. */
#define READ_BATCH	512
#define READ_PAGE	4096UL

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

/* Add the pages of the @nr entries at @addr that @match accepts, run by run. */
static int add_matching(const uint64_t *pme, unsigned long nr, unsigned long addr,
			bool (*match)(uint64_t pme, void *arg), void *arg,
			struct range_set *out)
{
	unsigned long i, run = 0;
	int ret;

	for (i = 0; i < nr; i++) {
		if (match(pme[i], arg)) {
			run++;
			continue;
		}
		if (!run)
			continue;
		ret = range_set_add(out, addr + (i - run) * READ_PAGE, addr + i * READ_PAGE);
		if (ret)
			return ret;
		run = 0;
	}
	return range_set_add(out, addr + (nr - run) * READ_PAGE, addr + nr * READ_PAGE);
}

int pagemap_read_walk(int pagemap_fd, unsigned long start, unsigned long end,
		      bool (*match)(uint64_t pme, void *arg), void *arg,
		      struct range_set *out)
{
	uint64_t pme[READ_BATCH];
	unsigned long addr, nr;
	ssize_t got;
	int ret;

	for (addr = start; addr < end; addr += nr * READ_PAGE) {
		nr = (end - addr) / READ_PAGE;
		if (nr > READ_BATCH)
			nr = READ_BATCH;
		got = pread(pagemap_fd, pme, nr * sizeof(pme[0]),
			    addr / READ_PAGE * sizeof(pme[0]));
		if (got != (ssize_t)(nr * sizeof(pme[0]))) {
			ret = got < 0 ? -errno : -EIO;
			pr_perror("Can't read the pagemap at %lx", addr);
			return ret;
		}
		ret = add_matching(pme, nr, addr, match, arg, out);
		if (ret)
			return ret;
	}
	return 0;
}
