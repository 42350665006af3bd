/* SPDX-License-Identifier: GPL-2.0 */
#ifndef CRIU_FILL_COVER_H
#define CRIU_FILL_COVER_H

#include "mem.h"

/*
 * The order in which the eager restore fills a process's pages
 * (fill-cover.c): first @nr_covers long reads, each of one image
 * folder's contiguous data, which may include pages that a newer folder
 * holds; then the other ranges, those newer pages among them, which
 * overwrite what the covers put there. Every range of @ps is in one or
 * the other, and no byte outside @ps is written.
 */
struct fill_order {
	struct page_range *covers;
	unsigned int nr_covers;
	struct page_range *rest;	/* sorted by address, disjoint */
	unsigned int nr_rest;
};

int fill_order_build(const struct pagemap_set *ps, struct fill_order *fo);
void fill_order_free(struct fill_order *fo);

#endif /* CRIU_FILL_COVER_H */
