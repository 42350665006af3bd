/* SPDX-License-Identifier: GPL-2.0 */
#ifndef OOH_INTERNAL_H
#define OOH_INTERNAL_H

#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/types.h>
#include <linux/xarray.h>

#include "uapi/linux/ooh.h"
#include "ooh-provider.h"

#define OOH_NAME	"ooh"

/* A growing array of page addresses: one interval's answer (ooh-addrs.c). */
struct ooh_addrs {
	u64 *addrs;
	size_t nr, cap;
	u32 flags;			/* OOH_DRAIN_* */
};

int ooh_addrs_push(struct ooh_addrs *a, u64 addr);
int ooh_addrs_push_range(struct ooh_addrs *out, unsigned long start,
			 unsigned long end);
void ooh_addrs_sort_unique(struct ooh_addrs *a);
void ooh_addrs_free(struct ooh_addrs *a);

/* What the rmap and the area check need of a VMA, copied per drain. */
struct ooh_vma {
	unsigned long start, end;
	unsigned long pgoff;
	struct address_space *mapping;	/* its file's pages, or NULL */
	bool shared;			/* holds no anonymous pages */
	/* Identity only, never dereferenced: tells a replaced area. */
	const void *vma, *anon_vma;
	unsigned long flags;
};

struct ooh_vmas {
	struct ooh_vma *v;
	size_t nr;
};

/*
 * One open /dev/ooh. @lock serialises the ioctls of this file; the
 * provider's shared state has its own lock, taken inside @lock.
 */
struct ooh_session {
	struct mutex lock;
	const struct ooh_provider_ops *ops;	/* NULL: not attached */
	struct pid *pid;		/* the tracked thread group */
	struct mm_struct *mm;		/* its address space, mmgrab()ed */
	bool started;
	bool gone;			/* exited or exec'd: flags below stay */
	u32 gone_flags;

	/* The interval being handed out with OOH_DRAIN_MORE. */
	struct ooh_addrs pending;
	size_t pending_pos;

	/* SPML: frames the host logged for this interval, by gfn. */
	struct xarray logged;
	u64 nr_logged;
	u64 logged_limit;
	bool lost;			/* frames dropped: the interval overflowed */
	unsigned long swpout_mark;	/* PSWPOUT when the interval began */
	struct list_head spml_node;	/* in the SPML provider's list */
	/* spml_profile: foreign frames seen in earlier intervals, by gfn. */
	struct xarray spml_foreign;
	u64 spml_entries_mark;		/* stats.entries_logged at the last drain */

	/* EPML: this session's address space at the host (ooh-epml.h). */
	struct ooh_epml_space *epml;

	/* The areas at the start of the interval. */
	struct ooh_vmas areas;

	struct ooh_stats stats;
	struct list_head node;		/* in ooh_sessions, when attached */
};

/* ooh-spml.c, shared with EPML */
struct ooh_ring_header;
long ooh_kvm_query(unsigned int nr);
bool ooh_ring_take_overflow(struct ooh_ring_header *r);

/* ooh-providers.c */
int ooh_pick_provider(u32 id, const struct ooh_provider_ops **out);
/* 1 << OOH_PROVIDER_* of those that work now; what SPML's host reports. */
u32 ooh_providers_available(u32 *spml_host_version);

/* ooh-session.c */
int ooh_session_attach(struct ooh_session *s, const struct ooh_attach *arg);
int ooh_session_start(struct ooh_session *s);
int ooh_session_drain(struct ooh_session *s, struct ooh_drain *arg);
void ooh_session_detach(struct ooh_session *s);
int ooh_session_check_alive(struct ooh_session *s);

/* ooh-rmap.c */
int ooh_vmas_snapshot(struct mm_struct *mm, struct ooh_vmas *vs);
int ooh_vmas_take(struct mm_struct *mm, struct ooh_vmas *vs);
int ooh_vmas_diff(const struct ooh_vmas *prev, const struct ooh_vmas *cur,
		  struct ooh_addrs *out);
void ooh_vmas_free(struct ooh_vmas *vs);
int ooh_rmap_frames(struct ooh_session *s, const u64 *gfns, size_t nr,
		    struct ooh_addrs *out, u8 *foreign);

#endif /* OOH_INTERNAL_H */
