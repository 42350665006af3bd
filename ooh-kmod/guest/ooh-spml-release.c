// SPDX-License-Identifier: GPL-2.0
/*
 * SPML that leaves foreign frames writable (spml_release=1, issue #11).
 *
 * Plain SPML re-arms every frame it consumed, so a frame of the page
 * cache or the kernel traps each time it is written again after a
 * drain. Here a consumed frame that no process maps is "released": its
 * ring entry is rewritten to a frame the host has no memslot for, so
 * the ACK does not write-protect it again. It stays writable, unlogged.
 *
 * The hazard: a released frame may become the tracked process's (a new
 * anonymous page, a copy-on-write copy, a refault after MADV_DONTNEED,
 * a THP collapse or a migration target), and its writes would then go
 * unlogged. So at every drain, before its ACK, the tracked address
 * space is walked and each present frame that is in the released set
 * is reported as written and re-armed by that ACK (its frame number is
 * put in one of the entries this ACK covers). A frame that joins the
 * address space after the walk is still released at the next drain's
 * walk, and the pages are copied only after the drain returns, so
 * every write to a released frame is either in the copy or logged.
 * Frames not released were write-protected at ENABLE or re-armed at an
 * ACK, and their writes are logged as in plain SPML. When the walk finds
 * more frames than the ACK has released entries to carry them, the rest
 * stay released (reported again by the next walk).
 *
 * A frame the walk of one session finds is reported to every session
 * (each one's reverse mapping keeps it only if it maps the frame): with
 * two processes sharing it, the other's walk would no longer see it.
 * Protecting the whole VM again (overflow) keeps the released set: a
 * member that was mapped meanwhile is still reported by the next walk,
 * and one logged again leaves the set at that consume. Everything here
 * runs under ooh_spml.lock.
 */
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/pgtable.h>
#include <linux/sched/mm.h>
#include <linux/slab.h>
#include <linux/xarray.h>

#include "ooh-internal.h"
#include "ooh-spml-release.h"

static bool spml_release;
module_param(spml_release, bool, 0644);
MODULE_PARM_DESC(spml_release, "leave frames no process maps writable (issue #11); read when logging starts");

static unsigned long spml_release_hits;
module_param(spml_release_hits, ulong, 0444);
MODULE_PARM_DESC(spml_release_hits, "released frames drain walks found in a tracked process");

static unsigned long max_released = 1UL << 22;
module_param(max_released, ulong, 0644);
MODULE_PARM_DESC(max_released, "frames left writable at most (more are re-armed)");

static DEFINE_XARRAY(released);
static unsigned long nr_released;

bool ooh_spml_release_wanted(void)
{
	return READ_ONCE(spml_release);
}

/*
 * Release @gfn if no process maps it: true if the caller must keep the
 * host from re-arming it. Mapped frames, and any frame when the set is
 * full, are re-armed as in plain SPML.
 */
bool ooh_spml_release_foreign(u64 gfn)
{
	struct page *page;
	void *old;

	if (gfn > ULONG_MAX)
		return false;
	page = pfn_to_online_page(gfn);
	if (!page || page_mapped(page))
		return false;
	if (nr_released >= max_released)
		return false;
	old = xa_store(&released, gfn, xa_mk_value(1), GFP_KERNEL);
	if (xa_is_err(old))
		return false;
	if (!old)
		nr_released++;
	return true;
}

/* @gfn, found by a walk, could not be re-armed: found again next time. */
bool ooh_spml_release_again(u64 gfn)
{
	void *old;

	if (nr_released >= max_released)
		return false;
	old = xa_store(&released, gfn, xa_mk_value(1), GFP_KERNEL);
	if (xa_is_err(old))
		return false;
	if (!old)
		nr_released++;
	return true;
}

/* @gfn is re-armed after all: no longer released. */
void ooh_spml_release_keep(u64 gfn)
{
	if (xa_erase(&released, gfn))
		nr_released--;
}

bool ooh_spml_release_any(void)
{
	return nr_released != 0;
}

/* Everything is write-protected again. */
void ooh_spml_release_forget(void)
{
	xa_destroy(&released);
	nr_released = 0;
}

static int ooh_rearm_push(struct ooh_spml_rearm *ra, u64 gfn)
{
	u64 *n;

	if (ra->nr == ra->cap) {
		size_t cap = ra->cap ? ra->cap * 2 : 64;

		n = kvmalloc_array(cap, sizeof(*n), GFP_KERNEL);
		if (!n)
			return -ENOMEM;
		if (ra->nr)
			memcpy(n, ra->gfns, ra->nr * sizeof(*n));
		kvfree(ra->gfns);
		ra->gfns = n;
		ra->cap = cap;
	}
	ra->gfns[ra->nr++] = gfn;
	return 0;
}

/* A present frame of the tracked process: to re-arm and report if released. */
static int ooh_release_seen(unsigned long pfn, struct ooh_spml_rearm *ra)
{
	int ret;

	if (!xa_load(&released, pfn))
		return 0;
	ret = ooh_rearm_push(ra, pfn);
	if (ret)
		return ret;
	spml_release_hits++;
	ooh_spml_release_keep(pfn);
	return 0;
}

/*
 * The frames of [addr, end) within one PMD. PTE tables are read under
 * RCU from a copy of the PMD: a table freed meanwhile (a collapse
 * retracting it) is not reused before the RCU grace period, and a frame
 * mapped after we looked is still released at the next walk.
 */
static int ooh_release_pmd(pmd_t *pmdp, unsigned long addr,
			   unsigned long end, struct ooh_spml_rearm *ra)
{
	pmd_t pmd = READ_ONCE(*pmdp);
	unsigned long pfn;
	pte_t *ptep, pte;
	int ret = 0;

	if (pmd_none(pmd) || !pmd_present(pmd))
		return 0;
	if (pmd_trans_huge(pmd)) {
		pfn = pmd_pfn(pmd) + ((addr & ~PMD_MASK) >> PAGE_SHIFT);
		for (; addr < end && !ret; addr += PAGE_SIZE, pfn++)
			ret = ooh_release_seen(pfn, ra);
		return ret;
	}
	if (pmd_bad(pmd))
		return 0;
	rcu_read_lock();
	ptep = pte_offset_kernel(&pmd, addr);
	for (; addr < end && !ret; addr += PAGE_SIZE, ptep++) {
		pte = READ_ONCE(*ptep);
		if (pte_present(pte))
			ret = ooh_release_seen(pte_pfn(pte), ra);
	}
	rcu_read_unlock();
	return ret;
}

static int ooh_release_vma(struct mm_struct *mm,
			   struct vm_area_struct *vma, struct ooh_spml_rearm *ra)
{
	unsigned long addr, next;
	pgd_t *pgd;
	p4d_t *p4d;
	pud_t *pud;
	int ret = 0;

	for (addr = vma->vm_start; addr < vma->vm_end && !ret; addr = next) {
		next = min(pmd_addr_end(addr, vma->vm_end), vma->vm_end);
		pgd = pgd_offset(mm, addr);
		if (pgd_none(*pgd) || pgd_bad(*pgd)) {
			next = min(pgd_addr_end(addr, vma->vm_end), vma->vm_end);
			continue;
		}
		p4d = p4d_offset(pgd, addr);
		if (p4d_none(*p4d) || p4d_bad(*p4d)) {
			next = min(p4d_addr_end(addr, vma->vm_end), vma->vm_end);
			continue;
		}
		pud = pud_offset(p4d, addr);
		/* A 1 GiB page: not walked here, so nothing is known. */
		if (pud_val(*pud) & _PAGE_PSE)
			return -EOPNOTSUPP;
		if (pud_none(*pud) || pud_bad(*pud)) {
			next = min(pud_addr_end(addr, vma->vm_end), vma->vm_end);
			continue;
		}
		ret = ooh_release_pmd(pmd_offset(pud, addr), addr, next, ra);
		cond_resched();
	}
	return ret;
}

/*
 * Collect in @ra, and take out of the released set, every released frame
 * @mm maps; the caller reports them and has the next ACK re-arm them. An
 * error leaves the walk incomplete: the caller says overflow.
 */
int ooh_spml_release_walk(struct mm_struct *mm, struct ooh_spml_rearm *ra)
{
	struct vm_area_struct *vma;
	int ret = 0;

	if (!nr_released || !mmget_not_zero(mm))
		return 0;
	mmap_read_lock(mm);
	for (vma = find_vma(mm, 0); vma && !ret; vma = find_vma(mm, vma->vm_end))
		if (!(vma->vm_flags & (VM_IO | VM_PFNMAP)))
			ret = ooh_release_vma(mm, vma, ra);
	mmap_read_unlock(mm);
	mmput(mm);
	return ret;
}
