/* SPDX-License-Identifier: GPL-2.0 */
#ifndef OOH_EPML_H
#define OOH_EPML_H

/*
 * The EPML provider's per-session state (ooh-epml.c); the re-arming of
 * written pages is ooh-epml-rearm.h's.
 */

#include <linux/list.h>
#include <linux/mm.h>
#include <linux/types.h>

#include "ooh-hypercall.h"

/* Kernel-written ranges a session keeps apart (more are merged). */
#define OOH_EPML_MAX_RANGES	32

struct ooh_epml_range {
	unsigned long start, end;
};

struct ooh_epml_space {
	struct mm_struct *mm;		/* the session's, mmgrab()ed by it */
	struct ooh_ring_header *ring;
	u64 *slots;
	size_t ring_bytes;
	u32 nr_entries;
	long id;			/* the host's space id */
	u64 stats_entries;		/* entries taken by the current drain */
	struct xarray *huge;		/* huge PMDs at the last drain (ooh-epml-huge.c) */
	/* Under ooh_epml_lock. */
	struct list_head node;
	struct ooh_epml_range ranges[OOH_EPML_MAX_RANGES];	/* kept for the session */
	unsigned int nr_ranges;
	/* Huge pages faulted in since the last drain: reported once. */
	struct ooh_epml_range fresh[OOH_EPML_MAX_RANGES];
	unsigned int nr_fresh;
};

#endif /* OOH_EPML_H */
