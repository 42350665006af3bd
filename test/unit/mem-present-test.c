// SPDX-License-Identifier: GPL-2.0
/*
 * present_in_ranges() on this process's own memory: whichever way it
 * asks the kernel (one walk of the span, or one ask per range), it must
 * give exactly the asked pages that hold data, in order. The oracle is
 * which pages the test wrote and which it dropped again.
 */
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "mem.h"
#include "range-set.h"
#include "unit.h"

#define AREA_PAGES	4096
#define PG		4096UL

/* Written: every 3rd page, then a run of 40, less every 5th one dropped. */
static bool page_written(unsigned long p)
{
	if (p % 5 == 0 && p > 0)
		return false;
	return p % 3 == 0 || (p >= 1000 && p < 1040);
}

static char *make_area(void)
{
	char *m = mmap(NULL, AREA_PAGES * PG, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	unsigned long p;

	if (m == MAP_FAILED)
		return NULL;
	madvise(m, AREA_PAGES * PG, MADV_NOHUGEPAGE);
	for (p = 0; p < AREA_PAGES; p++)
		if (p % 3 == 0 || (p >= 1000 && p < 1040))
			m[p * PG] = 1;
	for (p = 5; p < AREA_PAGES; p += 5)
		madvise(m + p * PG, PG, MADV_DONTNEED);
	return m;
}

/* The asked ranges: @nr ranges of 1-3 pages with gaps of @gap pages. */
static int ask(struct range_set *rs, unsigned long base, unsigned int nr, unsigned int gap)
{
	unsigned long p = 1;
	unsigned int i;

	for (i = 0; i < nr && p + 3 < AREA_PAGES; i++) {
		unsigned long len = 1 + i % 3;

		if (range_set_add(rs, base + p * PG, base + (p + len) * PG))
			return -1;
		p += len + gap;
	}
	return 0;
}

/* @got must be the asked pages written, page for page, nothing else. */
static int matches(const struct range_set *asked, const struct range_set *got,
		   unsigned long base)
{
	unsigned long p, want = 0;

	for (p = 0; p < AREA_PAGES; p++) {
		unsigned long a = base + p * PG;
		bool in = range_set_contains(asked, a) && page_written(p);

		if (in != range_set_contains(got, a))
			return -1;
		want += in;
	}
	return range_set_bytes(got) == want * PG ? 0 : -1;
}

static int one_case(unsigned int nr, unsigned int gap)
{
	struct range_set asked = RANGE_SET_INIT, got = RANGE_SET_INIT;
	char *m = make_area();
	int fd, ret;

	CHECK(m);
	fd = open("/proc/self/pagemap", O_RDONLY);
	CHECK(fd >= 0);
	CHECK(!ask(&asked, (unsigned long)m, nr, gap));
	ret = present_in_ranges(getpid(), fd, &asked, false, &got);
	close(fd);
	CHECK(!ret);
	CHECK(!matches(&asked, &got, (unsigned long)m));
	range_set_free(&asked);
	range_set_free(&got);
	munmap(m, AREA_PAGES * PG);
	return 0;
}

/* Close ranges: asked through one walk of their span. */
TEST(present_in_ranges_dense)
{
	return one_case(1000, 2);
}

/* Ranges far apart: one ask each. */
TEST(present_in_ranges_sparse)
{
	return one_case(8, 500);
}

TEST(present_in_ranges_one)
{
	return one_case(1, 0);
}
