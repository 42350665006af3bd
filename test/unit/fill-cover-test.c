// SPDX-License-Identifier: GPL-2.0
/*
 * fill_order_build(): filling the covers and then the rest must leave
 * every page exactly as filling the resolved ranges one by one does,
 * and write no page outside them. Pages are simulated: each holds the
 * (folder, offset) its data came from.
 */
#include <stdlib.h>
#include <string.h>

#include "fill-cover.h"
#include "unit.h"

#define PG		4096UL
#define NPAGES		2048
#define BASE		0x10000000UL

struct sim {
	unsigned int src[NPAGES];	/* ~0: never written */
	unsigned long off[NPAGES];
};

static void apply(struct sim *s, const struct page_range *r)
{
	unsigned long p, first = (r->vaddr - BASE) / PG;

	for (p = 0; p < r->len / PG; p++) {
		s->src[first + p] = r->src;
		s->off[first + p] = r->off + p * PG;
	}
}

/*
 * A chain as restore resolves it: folder 2 held [0, 1800) pages at
 * offset 0; folder 1 and folder 0 hold scattered newer pages; pages
 * 900-919 and 1500 are holes (dropped); remote pages at 1700-1709;
 * with @wide, folder 1 also has pages 200-299 in one run (400 KiB).
 */
static int make_ranges(struct pagemap_set *ps, unsigned int stride, bool wide)
{
	static struct page_range r[NPAGES];
	unsigned long p, off1 = 0, off0 = 0;
	unsigned int n = 0;

	for (p = 0; p < 1800; p++) {
		struct page_range x = { BASE + p * PG, PG, p * PG, 2 };

		if ((p >= 900 && p < 920) || p == 1500)
			continue;
		if (p >= 1700 && p < 1710) {
			x.src = PAGES_SRC_REMOTE;
			x.off = x.vaddr;
		} else if (p % stride == 3 || (wide && p >= 200 && p < 300)) {
			x.src = 1;
			x.off = off1;
			off1 += PG;
		} else if (p % (stride * 3) == 5) {
			x.src = 0;
			x.off = off0;
			off0 += PG;
		}
		/* merge with the one before as the resolver does */
		if (n && r[n - 1].src == x.src && r[n - 1].vaddr + r[n - 1].len == x.vaddr &&
		    r[n - 1].off + r[n - 1].len == x.off) {
			r[n - 1].len += PG;
			continue;
		}
		r[n++] = x;
	}
	ps->ranges = r;
	ps->nr = n;
	return 0;
}

static int check_stride(unsigned int stride, bool wide)
{
	struct pagemap_set ps = {};
	struct fill_order fo;
	static struct sim want, got;
	unsigned int i;

	CHECK(!make_ranges(&ps, stride, wide));
	memset(&want, 0xff, sizeof(want));
	memset(&got, 0xff, sizeof(got));
	for (i = 0; i < ps.nr; i++)
		apply(&want, &ps.ranges[i]);
	CHECK(!fill_order_build(&ps, &fo));
	for (i = 0; i < fo.nr_covers; i++) {
		const struct page_range *c = &fo.covers[i];

		CHECK(c->src != PAGES_SRC_REMOTE);
		/* no cover reads the 400 KiB run twice */
		CHECK(!wide || c->vaddr >= BASE + 300 * PG || c->vaddr + c->len <= BASE + 200 * PG);
		apply(&got, c);
	}
	for (i = 0; i < fo.nr_rest; i++) {
		if (i)
			CHECK(fo.rest[i].vaddr >= fo.rest[i - 1].vaddr + fo.rest[i - 1].len);
		apply(&got, &fo.rest[i]);
	}
	CHECK(!memcmp(&want, &got, sizeof(want)));
	/* far fewer reads of folder 2 than ranges of it: that is the point */
	CHECK(fo.nr_covers > 0 && fo.nr_covers < 10);
	for (i = 0; i < fo.nr_rest; i++)
		CHECK(fo.rest[i].src != 2 || fo.rest[i].vaddr >= BASE + 1700 * PG);
	fill_order_free(&fo);
	return 0;
}

/* Scattered newer pages over the base: covers, the newer ones over them. */
TEST(fill_cover_scattered)
{
	return check_stride(7, false);
}

/* A long run of newer pages (beyond COVER_GAP_MAX) ends a cover. */
TEST(fill_cover_wide_gaps)
{
	return check_stride(7, true);
}

/* One range alone: nothing to cover. */
TEST(fill_cover_single)
{
	struct page_range r = { BASE, 16 * PG, 0, 0 };
	struct pagemap_set ps = { .ranges = &r, .nr = 1 };
	struct fill_order fo;

	CHECK(!fill_order_build(&ps, &fo));
	CHECK(fo.nr_covers == 0 && fo.nr_rest == 1);
	CHECK(fo.rest[0].vaddr == BASE && fo.rest[0].len == 16 * PG);
	fill_order_free(&fo);
	return 0;
}
