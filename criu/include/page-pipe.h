/* SPDX-License-Identifier: GPL-2.0 */
#ifndef CRIU_PAGE_PIPE_H
#define CRIU_PAGE_PIPE_H

#include <stddef.h>

struct dump_ctx;
struct mem_plan;
struct vma_list;
struct page_xfer;

/*
 * Pages held in pipes: while the target is stopped, the target itself
 * vmsplice()s the planned pages into pipes that criu holds the reading
 * ends of; the pipes keep references to the pages, not copies, so the
 * target can run again at once and criu moves the data to the pages
 * image with splice() afterwards.
 */
struct page_pipes {
	int *fds;			/* criu's read ends */
	size_t *bytes;			/* bytes held by each */
	unsigned int nr, cap;
	unsigned long total;
};

/* Capture the data runs of @plan; the target must be infected. */
int capture_pages(struct dump_ctx *dc, const struct vma_list *vmas,
		  const struct mem_plan *plan, struct page_pipes *pp);
/* Hand everything held to @x (its data stream), in capture order. */
int flush_page_pipes(struct page_pipes *pp, struct page_xfer *x);
void free_page_pipes(struct page_pipes *pp);

#endif /* CRIU_PAGE_PIPE_H */
