// SPDX-License-Identifier: GPL-2.0
/*
 * Re-arming EPML: cleaning the dirty bits of the tracked process's pages
 * so that the host logs their next write. The host never lets a write
 * through a clean guest entry without a fault, so a clean entry plus a
 * TLB flush is a re-armed page. A dirty bit cleaned here goes to the
 * struct page first (set_page_dirty), as zap and writeback would pass it
 * on: the guest kernel still writes back or swaps out what was written.
 *
 * Areas ooh_epml_whole_area() names are left alone (they are reported
 * whole at every drain). The caller holds a reference on the mm; this
 * takes its mmap lock for reading. A huge PMD is cleaned at the PMD
 * (its one dirty bit), under the PMD lock; page tables go through
 * apply_to_existing_page_range(), which takes the PTE lock and never
 * allocates.
 */
#include <linux/mm.h>
#include <linux/huge_mm.h>
#include <linux/pgtable.h>
#include <linux/sched/mm.h>
#include <linux/smp.h>
#include <asm/tlbflush.h>

#include "ooh-epml-rearm.h"
#include "ooh-internal.h"

static void ooh_epml_pass_dirty(unsigned long pfn)
{
	if (pfn_valid(pfn))
		set_page_dirty(pfn_to_page(pfn));
}

static int ooh_epml_clean_pte(pte_t *ptep, unsigned long addr, void *data)
{
	pte_t pte = ptep_get(ptep);

	if (pte_present(pte) && pte_dirty(pte) &&
	    test_and_clear_bit(_PAGE_BIT_DIRTY, (unsigned long *)&ptep->pte))
		ooh_epml_pass_dirty(pte_pfn(pte));
	return 0;
}

/* The PMD of @addr in @mm, or NULL if nothing is mapped above it. */
static pmd_t *ooh_epml_pmd(struct mm_struct *mm, unsigned long addr)
{
	pgd_t *pgd = pgd_offset(mm, addr);
	p4d_t *p4d;
	pud_t *pud;

	if (pgd_none(*pgd) || pgd_bad(*pgd))
		return NULL;
	p4d = p4d_offset(pgd, addr);
	if (p4d_none(*p4d) || p4d_bad(*p4d))
		return NULL;
	pud = pud_offset(p4d, addr);
	if (pud_none(*pud) || pud_bad(*pud))
		return NULL;
	return pmd_offset(pud, addr);
}

/* Clean [addr, end) within one PMD; -errno if the walk failed. */
static int ooh_epml_clean_pmd_range(struct mm_struct *mm, unsigned long addr,
				    unsigned long end)
{
	pmd_t *pmd = ooh_epml_pmd(mm, addr);
	spinlock_t *ptl;
	pmd_t v;

	if (!pmd)
		return 0;
	v = READ_ONCE(*pmd);
	if (pmd_none(v))
		return 0;
	if (pmd_trans_huge(v)) {
		ptl = pmd_lock(mm, pmd);
		v = READ_ONCE(*pmd);
		if (pmd_trans_huge(v) && pmd_dirty(v) &&
		    test_and_clear_bit(_PAGE_BIT_DIRTY, (unsigned long *)pmd))
			ooh_epml_pass_dirty(pmd_pfn(v));
		spin_unlock(ptl);
		return 0;
	}
	return apply_to_existing_page_range(mm, addr, end - addr,
					    ooh_epml_clean_pte, NULL);
}

static void ooh_epml_flush_cpu(void *unused)
{
	__flush_tlb_all();
}

/*
 * Every CPU's TLB, every PCID: the entries cleaned here may be cached
 * for the tracked process on any CPU, and the host re-protects its
 * shadow entries when the guest flushes.
 */
static void ooh_epml_flush(void)
{
	on_each_cpu(ooh_epml_flush_cpu, NULL, 1);
}

static bool ooh_epml_armable(struct vm_area_struct *vma)
{
	return vma && !ooh_epml_whole_area(vma->vm_flags);
}

/* Re-arm the pages at @addrs (page addresses, any order). */
int ooh_epml_rearm(struct mm_struct *mm, const u64 *addrs, size_t nr)
{
	struct vm_area_struct *vma = NULL;
	unsigned long a;
	size_t i;
	int ret = 0;

	if (!nr)
		return 0;
	if (!mmget_not_zero(mm))
		return 0;		/* gone: nothing left to write */
	mmap_read_lock(mm);
	for (i = 0; i < nr && !ret; i++) {
		a = addrs[i] & PAGE_MASK;
		if (!vma || a < vma->vm_start || a >= vma->vm_end)
			vma = find_vma(mm, a);
		if (!ooh_epml_armable(vma) || a < vma->vm_start)
			continue;
		ret = ooh_epml_clean_pmd_range(mm, a, a + PAGE_SIZE);
	}
	mmap_read_unlock(mm);
	mmput(mm);
	ooh_epml_flush();
	return ret;
}

/* Re-arm the whole address space (registration, start, after a loss). */
int ooh_epml_rearm_all(struct mm_struct *mm)
{
	struct vm_area_struct *vma;
	unsigned long a, next;
	int ret = 0;

	if (!mmget_not_zero(mm))
		return 0;
	mmap_read_lock(mm);
	for (vma = find_vma(mm, 0); vma && !ret; vma = find_vma(mm, vma->vm_end)) {
		if (!ooh_epml_armable(vma))
			continue;
		for (a = vma->vm_start; a < vma->vm_end && !ret; a = next) {
			next = min(pmd_addr_end(a, vma->vm_end), vma->vm_end);
			ret = ooh_epml_clean_pmd_range(mm, a, next);
		}
		cond_resched();
	}
	mmap_read_unlock(mm);
	mmput(mm);
	ooh_epml_flush();
	return ret;
}
