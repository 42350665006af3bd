/* SPDX-License-Identifier: GPL-2.0 */
#ifndef CRIU_RST_COW_H
#define CRIU_RST_COW_H

/*
 * Memory a forked child still shares with its parent. The child is
 * forked once its parent's memory is built, so it inherits the parent's
 * private pages copy-on-write; of what it inherited it keeps each
 * private anonymous area it has too (same place and size), and within
 * those writes only the pages whose dumped contents differ from the
 * inherited ones. A forked server does not double its memory.
 */

#include <stdbool.h>
#include <stdint.h>

#include "mem.h"
#include "restore.h"
#include "vma.h"

#include "mm.pb-c.h"

/* What cow_restore_pages() did, for stats-restore. */
struct cow_stats {
	uint64_t pages_compared;
	uint64_t pages_skipped_cow;	/* left shared with the parent */
	uint64_t pages_written;
};

/*
 * Unmap every inherited area (but the trampoline and the vdso) that
 * @mm does not have as it is; mark in @kept (one per area of @mm) the
 * ones that stay. @cur gets the child's layout as it was inherited.
 */
int cow_keep_inherited(struct rst_ctx *rc, const MmEntry *mm, unsigned long tramp,
		       struct vma_list *cur, bool *kept);
/*
 * Fill the child: areas not kept as restore_pages() does, kept ones by
 * comparing each page with the image; inherited pages the image does
 * not have (never touched, or dropped) are dropped too.
 */
int cow_restore_pages(struct rst_ctx *rc, const MmEntry *mm, const bool *kept,
		      const struct pagemap_set *ps, struct cow_stats *st);

#endif /* CRIU_RST_COW_H */
