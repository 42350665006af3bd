// SPDX-License-Identifier: GPL-2.0
/*
 * Sets of address ranges: what a dirty tracker reports and what the
 * memory dumper asks of it, one binary search per question.
 */
#include <errno.h>
#include <stdlib.h>

#include "range-set.h"

int range_set_add(struct range_set *rs, unsigned long start, unsigned long end)
{
	struct addr_range *r;

	if (start >= end)
		return 0;
	/* Appending in order, the usual case, extends the last range. */
	if (rs->nr && rs->r[rs->nr - 1].end == start) {
		rs->r[rs->nr - 1].end = end;
		return 0;
	}
	if (rs->nr == rs->cap) {
		unsigned int cap = rs->cap ? rs->cap * 2 : 64;

		r = realloc(rs->r, cap * sizeof(*r));
		if (!r)
			return -ENOMEM;
		rs->r = r;
		rs->cap = cap;
	}
	rs->r[rs->nr].start = start;
	rs->r[rs->nr].end = end;
	rs->nr++;
	return 0;
}

static int cmp_range(const void *a, const void *b)
{
	const struct addr_range *x = a, *y = b;

	if (x->start != y->start)
		return x->start < y->start ? -1 : 1;
	return 0;
}

void range_set_normalize(struct range_set *rs)
{
	unsigned int i, out = 0;

	if (rs->nr < 2)
		return;
	qsort(rs->r, rs->nr, sizeof(*rs->r), cmp_range);
	for (i = 1; i < rs->nr; i++) {
		if (rs->r[i].start <= rs->r[out].end) {
			if (rs->r[i].end > rs->r[out].end)
				rs->r[out].end = rs->r[i].end;
		} else {
			rs->r[++out] = rs->r[i];
		}
	}
	rs->nr = out + 1;
}

/* Index of the first range that ends after @addr, or nr. */
static unsigned int first_ending_after(const struct range_set *rs,
				       unsigned long addr)
{
	unsigned int lo = 0, hi = rs->nr;

	while (lo < hi) {
		unsigned int mid = lo + (hi - lo) / 2;

		if (rs->r[mid].end <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

bool range_set_contains(const struct range_set *rs, unsigned long addr)
{
	unsigned int i = first_ending_after(rs, addr);

	return i < rs->nr && rs->r[i].start <= addr;
}

bool range_set_overlaps(const struct range_set *rs, unsigned long start,
			unsigned long end)
{
	unsigned int i = first_ending_after(rs, start);

	return i < rs->nr && rs->r[i].start < end;
}

unsigned long range_set_bytes(const struct range_set *rs)
{
	unsigned long sum = 0;
	unsigned int i;

	for (i = 0; i < rs->nr; i++)
		sum += rs->r[i].end - rs->r[i].start;
	return sum;
}

void range_set_clear(struct range_set *rs)
{
	rs->nr = 0;
}

void range_set_free(struct range_set *rs)
{
	free(rs->r);
	rs->r = NULL;
	rs->nr = rs->cap = 0;
}

int range_set_subtract(const struct range_set *a, const struct range_set *b,
		       struct range_set *out)
{
	unsigned int i, j = 0;
	int ret;

	for (i = 0; i < a->nr; i++) {
		unsigned long start = a->r[i].start, end = a->r[i].end;

		/* Skip the b ranges that end before this one starts. */
		while (j < b->nr && b->r[j].end <= start)
			j++;
		while (start < end) {
			unsigned int k = j;

			if (k >= b->nr || b->r[k].start >= end) {
				ret = range_set_add(out, start, end);
				if (ret)
					return ret;
				break;
			}
			ret = range_set_add(out, start, b->r[k].start > start ?
					    b->r[k].start : start);
			if (ret)
				return ret;
			start = b->r[k].end;
			if (b->r[k].end <= end)
				j++;
		}
	}
	return 0;
}
