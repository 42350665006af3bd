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
 * more frames than the ACK has released entries to carry them, the
 * whole VM is write-protected again after the ACK, and the released
 * set turns "stale": the next walk reports the stale frames it finds
 * (one mapped after this walk and written before the protection) and
 * then drops the set, since all of them are armed.
 *
 * A frame the walk of one session finds is reported to every session
 * (each one's reverse mapping keeps it only if it maps the frame): with
 * two processes sharing it, the other's walk would no longer see it.
 * A stale set is walked once, so with more than one session the whole
 * VM is protected again with every session's interval lost instead;
 * so it is after an overflow or a failed ACK, and the sets are dropped.
 * Everything here runs under ooh_spml.lock.
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
/*
 * Frames released before the last time the whole VM was protected
 * again: armed now, but one the process came to map before that may
 * hold unlogged writes; the next walk reports those, then forgets all.
 */
static DEFINE_XARRAY(stale);
static bool any_stale;

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

/* @gfn is re-armed after all: no longer released. */
void ooh_spml_release_keep(u64 gfn)
{
	if (xa_erase(&released, gfn))
		nr_released--;
}

/* Nothing released any more: every session has lost its interval. */
void ooh_spml_release_forget(void)
{
	xa_destroy(&released);
	xa_destroy(&stale);
	nr_released = 0;
	any_stale = false;
}

/* A stale set waits for its one walk (see ooh_spml_release_walk()). */
bool ooh_spml_release_stale(void)
{
	return any_stale;
}

/* The whole VM was write-protected again: the released set turns stale. */
void ooh_spml_release_protected(void)
{
	unsigned long gfn;
	void *e;

	xa_for_each(&released, gfn, e)
		if (xa_is_err(xa_store(&stale, gfn, e, GFP_KERNEL)))
			break;	/* can't keep it: see ooh_spml_release_walk() */
	xa_destroy(&released);
	nr_released = 0;
	any_stale = true;
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

/*
 * A present frame of the tracked process: released, it is reported and
 * re-armed (@ra); stale, only reported (@rep).
 */
static int ooh_release_seen(unsigned long pfn, struct ooh_spml_rearm *ra,
			    struct ooh_spml_rearm *rep)
{
	int ret;

	if (xa_load(&released, pfn)) {
		ret = ooh_rearm_push(ra, pfn);
		if (ret)
			return ret;
		spml_release_hits++;
		ooh_spml_release_keep(pfn);
		return 0;
	}
	if (any_stale && xa_load(&stale, pfn))
		return ooh_rearm_push(rep, pfn);
	return 0;
}

/*
 * The frames of [addr, end) within one PMD, into @pfns (0: none). PTE
 * tables are read under RCU from a copy of the PMD: a table freed
 * meanwhile (a collapse retracting it) is not reused before the grace
 * period, and a frame mapped after we looked is still released at the
 * next walk. Nothing sleeps here; the caller looks the frames up.
 */
static void ooh_release_pmd(pmd_t *pmdp, unsigned long addr,
			    unsigned long end, unsigned long *pfns)
{
	pmd_t pmd = READ_ONCE(*pmdp);
	unsigned long pfn;
	pte_t *ptep, pte;
	size_t i = 0;

	memset(pfns, 0, PTRS_PER_PTE * sizeof(*pfns));
	if (pmd_none(pmd) || !pmd_present(pmd))
		return;
	if (pmd_trans_huge(pmd)) {
		pfn = pmd_pfn(pmd) + ((addr & ~PMD_MASK) >> PAGE_SHIFT);
		for (; addr < end; addr += PAGE_SIZE)
			pfns[i++] = pfn++;
		return;
	}
	if (pmd_bad(pmd))
		return;
	rcu_read_lock();
	ptep = pte_offset_kernel(&pmd, addr);
	for (; addr < end; addr += PAGE_SIZE, ptep++, i++) {
		pte = READ_ONCE(*ptep);
		if (pte_present(pte))
			pfns[i] = pte_pfn(pte);
	}
	rcu_read_unlock();
}

static int ooh_release_vma(struct mm_struct *mm, struct vm_area_struct *vma,
			   unsigned long *pfns, struct ooh_spml_rearm *ra,
			   struct ooh_spml_rearm *rep)
{
	unsigned long addr, next;
	size_t i;
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
		ooh_release_pmd(pmd_offset(pud, addr), addr, next, pfns);
		for (i = 0; i < PTRS_PER_PTE && !ret; i++)
			if (pfns[i])
				ret = ooh_release_seen(pfns[i], ra, rep);
		cond_resched();
	}
	return ret;
}

/*
 * Collect in @ra, and take out of the released set, every released frame
 * @mm maps, and in @rep every stale one; the caller reports both, and
 * has the next ACK re-arm @ra. Then the stale set is gone (it had one
 * walk to be seen; the caller allows stale frames with one session
 * only). An error leaves the walk incomplete: the caller says overflow.
 */
int ooh_spml_release_walk(struct mm_struct *mm, struct ooh_spml_rearm *ra,
			  struct ooh_spml_rearm *rep)
{
	struct vm_area_struct *vma;
	unsigned long *pfns;
	int ret = 0;

	if (!nr_released && !any_stale)
		return 0;
	pfns = kmalloc_array(PTRS_PER_PTE, sizeof(*pfns), GFP_KERNEL);
	if (!pfns)
		return -ENOMEM;
	if (!mmget_not_zero(mm))
		goto out;
	mmap_read_lock(mm);
	for (vma = find_vma(mm, 0); vma && !ret; vma = find_vma(mm, vma->vm_end))
		if (!(vma->vm_flags & (VM_IO | VM_PFNMAP)))
			ret = ooh_release_vma(mm, vma, pfns, ra, rep);
	mmap_read_unlock(mm);
	mmput(mm);
out:
	kfree(pfns);
	if (!ret && any_stale) {
		xa_destroy(&stale);
		any_stale = false;
	}
	return ret;
}
