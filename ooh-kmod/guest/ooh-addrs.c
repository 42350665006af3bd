// SPDX-License-Identifier: GPL-2.0
/*
 * The list of written page addresses a drain hands to user space: grown
 * by the providers and the area checks, sorted and made unique before
 * it is copied out (ooh-session.c).
 */
#include <linux/mm.h>
#include <linux/slab.h>
#include <linux/sort.h>
#include <linux/string.h>

#include "ooh-internal.h"

int ooh_addrs_push(struct ooh_addrs *a, u64 addr)
{
	if (a->nr == a->cap) {
		size_t cap = a->cap ? a->cap * 2 : 512;
		u64 *n;

		n = kvmalloc_array(cap, sizeof(*n), GFP_KERNEL);
		if (!n)
			return -ENOMEM;
		if (a->nr)
			memcpy(n, a->addrs, a->nr * sizeof(*n));
		kvfree(a->addrs);
		a->addrs = n;
		a->cap = cap;
	}
	a->addrs[a->nr++] = addr;
	return 0;
}

static int ooh_cmp_u64(const void *a, const void *b)
{
	u64 x = *(const u64 *)a, y = *(const u64 *)b;

	return x < y ? -1 : x > y;
}

/* Ascending, each page once: the ABI promises it, and callers merge ranges. */
void ooh_addrs_sort_unique(struct ooh_addrs *a)
{
	size_t i, n = 0;

	if (a->nr < 2)
		return;
	sort(a->addrs, a->nr, sizeof(u64), ooh_cmp_u64, NULL);
	for (i = 0; i < a->nr; i++)
		if (!n || a->addrs[n - 1] != a->addrs[i])
			a->addrs[n++] = a->addrs[i];
	a->nr = n;
}

void ooh_addrs_free(struct ooh_addrs *a)
{
	kvfree(a->addrs);
	a->addrs = NULL;
	a->nr = 0;
	a->cap = 0;
	a->flags = 0;
}

int ooh_addrs_push_range(struct ooh_addrs *out, unsigned long start,
			 unsigned long end)
{
	int ret;

	for (; start < end; start += PAGE_SIZE) {
		ret = ooh_addrs_push(out, start);
		if (ret)
			return ret;
	}
	return 0;
}
