/* SPDX-License-Identifier: GPL-2.0 */
#ifndef OOH_EPML_REARM_H
#define OOH_EPML_REARM_H

/*
 * Re-arming the pages EPML reported written in the tracked process's
 * page tables (ooh-epml-rearm.c), and which areas it leaves alone.
 */

#include <linux/mm.h>
#include <linux/types.h>

/* Areas whose every page is reported at every drain (no dirty bits to use). */
static inline bool ooh_epml_whole_area(unsigned long vm_flags)
{
	return vm_flags & (VM_SHARED | VM_HUGETLB | VM_PFNMAP | VM_IO | VM_MIXEDMAP);
}

int ooh_epml_rearm(struct mm_struct *mm, const u64 *addrs, size_t nr);
int ooh_epml_rearm_all(struct mm_struct *mm);

struct ooh_addrs;
struct xarray;

/*
 * Record the huge PMDs of @mm's areas in *@record (replaced) and, with
 * @out, push every page of those not in the old record with the same
 * frame (ooh-epml-huge.c). 0 or -ENOMEM.
 */
int ooh_epml_huge_walk(struct mm_struct *mm, struct xarray **record,
		       struct ooh_addrs *out);
void ooh_epml_huge_free(struct xarray **record);

#endif /* OOH_EPML_REARM_H */
