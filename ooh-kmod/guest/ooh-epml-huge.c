// SPDX-License-Identifier: GPL-2.0
/*
 * Huge pages EPML's log cannot account for. The host logs a 4K page on
 * a write walk; a huge PMD the guest kernel itself installs with its
 * dirty bit set is no write walk. Two ways make one over memory whose
 * earlier content a dump still holds:
 *  - khugepaged or MADV_COLLAPSE copies a PTE table's pages into a new
 *    huge page, filling the PTEs that were none with zeroes: pages the
 *    process dropped (MADV_DONTNEED) become present again without a
 *    write, so a dump no longer sees them as holes and would keep their
 *    old data from the parent images;
 *  - a write fault on a PMD that was none maps a whole zeroed huge page
 *    and logs only the 4K page written.
 * A collapse puts a huge PMD with a new frame where a PTE table was. So
 * each drain compares the huge PMDs of the tracked areas with those of
 * the last drain and reports every page of one that is new or has
 * another frame; a huge PMD kept since then changes content only
 * through logged writes. A fault may get back the very frame a drop
 * freed: ooh-epml.c's kprobe on the huge fault reports those.
 *
 * The record is an xarray from addr >> PMD_SHIFT to the PMD's frame,
 * rebuilt at every walk (mmap lock held for reading: no collapse, which
 * takes it for writing, runs meanwhile). A huge PMD that appears right
 * after the walk is new at the next one.
 */
#include <linux/mm.h>
#include <linux/huge_mm.h>
#include <linux/pgtable.h>
#include <linux/sched/mm.h>
#include <linux/slab.h>
#include <linux/xarray.h>

#include "ooh-epml-rearm.h"
#include "ooh-internal.h"

/* The huge PMD frame mapping @addr in @mm, or 0. */
static unsigned long ooh_epml_huge_pfn(struct mm_struct *mm, unsigned long addr)
{
	pgd_t *pgd = pgd_offset(mm, addr);
	p4d_t *p4d;
	pud_t *pud;
	pmd_t v;

	if (pgd_none(*pgd) || pgd_bad(*pgd))
		return 0;
	p4d = p4d_offset(pgd, addr);
	if (p4d_none(*p4d) || p4d_bad(*p4d))
		return 0;
	pud = pud_offset(p4d, addr);
	if (pud_none(*pud) || pud_bad(*pud))
		return 0;
	v = READ_ONCE(*pmd_offset(pud, addr));
	return pmd_trans_huge(v) ? pmd_pfn(v) : 0;
}

/* One area: record its huge PMDs in @now, new ones (vs @before) to @out. */
static int ooh_epml_huge_vma(struct mm_struct *mm, struct vm_area_struct *vma,
			     struct xarray *before, struct xarray *now,
			     struct ooh_addrs *out)
{
	unsigned long a, pfn;
	void *old;
	int ret;

	for (a = ALIGN(vma->vm_start, PMD_SIZE); a + PMD_SIZE <= vma->vm_end; a += PMD_SIZE) {
		pfn = ooh_epml_huge_pfn(mm, a);
		if (!pfn)
			continue;
		ret = xa_err(xa_store(now, a >> PMD_SHIFT, xa_mk_value(pfn), GFP_KERNEL));
		if (ret)
			return ret;
		old = before ? xa_load(before, a >> PMD_SHIFT) : NULL;
		if (out && (!old || xa_to_value(old) != pfn)) {
			ret = ooh_addrs_push_range(out, a, a + PMD_SIZE);
			if (ret)
				return ret;
		}
	}
	return 0;
}

int ooh_epml_huge_walk(struct mm_struct *mm, struct xarray **record,
		       struct ooh_addrs *out)
{
	struct xarray *now;
	struct vm_area_struct *vma;
	int ret = 0;

	now = kmalloc(sizeof(*now), GFP_KERNEL);
	if (!now)
		return -ENOMEM;
	xa_init(now);
	if (!mmget_not_zero(mm))
		goto swap;		/* gone: nothing left to write */
	mmap_read_lock(mm);
	for (vma = find_vma(mm, 0); vma && !ret; vma = find_vma(mm, vma->vm_end)) {
		if (ooh_epml_whole_area(vma->vm_flags))
			continue;
		ret = ooh_epml_huge_vma(mm, vma, *record, now, out);
		cond_resched();
	}
	mmap_read_unlock(mm);
	mmput(mm);
swap:
	ooh_epml_huge_free(record);
	*record = now;
	return ret;
}

void ooh_epml_huge_free(struct xarray **record)
{
	if (!*record)
		return;
	xa_destroy(*record);
	kfree(*record);
	*record = NULL;
}
