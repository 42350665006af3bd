// SPDX-License-Identifier: GPL-2.0
/*
 * A pre-dump chain leaves its newest pages scattered over an old base:
 * the first pre-dump has 4 GiB in one piece, and the pages written since
 * split it into one range per gap between them, 10000 ranges for 1% of
 * 4 GiB written. The task read each gap with an injected pread64(), a
 * ptrace round trip each, which made the restore of such a chain take
 * about twice as long as a program preading the same file.
 *
 * So where one folder's data is contiguous across pages that newer
 * folders hold, the task reads all of it at once ("a cover"), and the
 * newer pages are written afterwards, over it, in criu's batches: those
 * few pages are copied twice, and the gaps cost nothing. A cover spans
 * only pages the restore writes anyway (no hole of the top pagemap, so a
 * page dropped since the base stays zero), and stops where the newer
 * pages in between exceed COVER_GAP_MAX, beyond which reading them twice
 * costs more than a round trip.
 */
#include <errno.h>
#include <stdlib.h>

#include "fill-cover.h"

#define COVER_GAP_MAX	(256UL << 10)

static bool continues(const struct page_range *a, const struct page_range *b)
{
	return b->src == a->src && b->off == a->off + (b->vaddr - a->vaddr);
}

/* The last range from @i on that a cover starting at @i can reach. */
static unsigned int cover_end(const struct page_range *r, unsigned int nr, unsigned int i)
{
	unsigned long end = r[i].vaddr + r[i].len, last_end = end;
	unsigned int j, last = i;

	if (r[i].src == PAGES_SRC_REMOTE)
		return i;
	for (j = i + 1; j < nr; j++) {
		if (r[j].vaddr != end || r[j].src == PAGES_SRC_REMOTE)
			break;
		end = r[j].vaddr + r[j].len;
		if (continues(&r[i], &r[j])) {
			last = j;
			last_end = end;
		} else if (end - last_end > COVER_GAP_MAX) {
			break;
		}
	}
	return last;
}

int fill_order_build(const struct pagemap_set *ps, struct fill_order *fo)
{
	const struct page_range *r = ps->ranges;
	unsigned int i = 0, j, last;

	fo->nr_covers = fo->nr_rest = 0;
	fo->covers = malloc((ps->nr + 1) * sizeof(*fo->covers));
	fo->rest = malloc((ps->nr + 1) * sizeof(*fo->rest));
	if (!fo->covers || !fo->rest) {
		fill_order_free(fo);
		return -ENOMEM;
	}
	while (i < ps->nr) {
		last = cover_end(r, ps->nr, i);
		if (last == i) {
			fo->rest[fo->nr_rest++] = r[i++];
			continue;
		}
		fo->covers[fo->nr_covers] = r[i];
		fo->covers[fo->nr_covers].len = r[last].vaddr + r[last].len - r[i].vaddr;
		fo->nr_covers++;
		/* the newer pages in between, written over the cover */
		for (j = i + 1; j < last; j++)
			if (!continues(&r[i], &r[j]))
				fo->rest[fo->nr_rest++] = r[j];
		i = last + 1;
	}
	return 0;
}

void fill_order_free(struct fill_order *fo)
{
	free(fo->covers);
	free(fo->rest);
	fo->covers = fo->rest = NULL;
	fo->nr_covers = fo->nr_rest = 0;
}
