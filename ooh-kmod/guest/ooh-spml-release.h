/* SPDX-License-Identifier: GPL-2.0 */
#ifndef OOH_SPML_RELEASE_H
#define OOH_SPML_RELEASE_H

#include <linux/types.h>

struct mm_struct;

/* A ring entry the host skips at ACK: no memslot holds this frame. */
#define OOH_SPML_NO_GFN		(~0ULL)

/* Frames the walk found, to be re-armed by the next ACK. */
struct ooh_spml_rearm {
	u64 *gfns;
	size_t nr, cap;
};

bool ooh_spml_release_wanted(void);
bool ooh_spml_release_foreign(u64 gfn);
void ooh_spml_release_keep(u64 gfn);
void ooh_spml_release_forget(void);
void ooh_spml_release_protected(void);
bool ooh_spml_release_stale(void);
int ooh_spml_release_walk(struct mm_struct *mm, struct ooh_spml_rearm *ra,
			  struct ooh_spml_rearm *rep);

#endif
