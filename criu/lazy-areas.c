// SPDX-License-Identifier: GPL-2.0
/*
 * Which pages a lazy restore leaves to the lazy-pages daemon. The restore
 * and the daemon both read the same pagemap chain and cut it here with
 * the same rule, so that what the restore does not fill is exactly what
 * the daemon serves.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "lazy-pages.h"
#include "cr_options.h"
#include "log.h"
#include "mem.h"

static int push_range(struct pagemap_set *ps, const struct page_range *r)
{
	struct page_range *n;

	if (ps->nr == ps->cap) {
		unsigned int cap = ps->cap ? ps->cap * 2 : 64;

		n = realloc(ps->ranges, cap * sizeof(*n));
		if (!n)
			return -ENOMEM;
		ps->ranges = n;
		ps->cap = cap;
	}
	ps->ranges[ps->nr++] = *r;
	return 0;
}

/* First area of @mm that ends after @addr. */
static unsigned int vma_after(const MmEntry *mm, unsigned long addr)
{
	unsigned int lo = 0, hi = mm->n_vmas;

	while (lo < hi) {
		unsigned int mid = lo + (hi - lo) / 2;

		if (mm->vmas[mid]->end <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

int lazy_split_pagemap(const MmEntry *mm, struct pagemap_set *ps,
		       struct pagemap_set *lazy)
{
	struct pagemap_set eager = {};
	unsigned int i;
	int ret = 0;

	memset(lazy, 0, sizeof(*lazy));
	for (i = 0; i < ps->nr && !ret; i++) {
		const struct page_range *r = &ps->ranges[i];
		unsigned long addr = r->vaddr, end = r->vaddr + r->len;
		unsigned int v = vma_after(mm, addr);

		while (addr < end && !ret) {
			const VmaEntry *e = v < mm->n_vmas ? mm->vmas[v] : NULL;
			struct page_range piece = *r;
			bool is_lazy = false;
			unsigned long to = end;

			if (e && e->start <= addr) {
				to = e->end < end ? e->end : end;
				is_lazy = vma_can_be_lazy(e);
				v++;
			} else if (e && e->start < end) {
				to = e->start;	/* checked by read_pagemap_chain: never */
			}
			piece.vaddr = addr;
			piece.len = to - addr;
			piece.off = r->off + (addr - r->vaddr);
			ret = push_range(is_lazy ? lazy : &eager, &piece);
			addr = to;
		}
	}
	if (ret) {
		free(eager.ranges);
		free(lazy->ranges);
		memset(lazy, 0, sizeof(*lazy));
		return ret;
	}
	free(ps->ranges);
	ps->ranges = eager.ranges;
	ps->nr = eager.nr;
	ps->cap = eager.cap;
	return 0;
}

int pagemap_check_local(const struct pagemap_set *ps, int pid)
{
	unsigned int i;

	for (i = 0; i < ps->nr; i++) {
		const struct page_range *r = &ps->ranges[i];

		if (r->src != PAGES_SRC_REMOTE)
			continue;
		pr_err("pagemap-%d.img: pages %lx-%lx stayed on the source's page server"
		       " (dump --lazy-pages)%s\n", pid, r->vaddr, r->vaddr + r->len,
		       opts.lazy_pages ? ", outside an area a lazy restore can leave to the daemon"
				       : ": restore them with --lazy-pages");
		return -EINVAL;
	}
	return 0;
}
