// SPDX-License-Identifier: GPL-2.0
/*
 * Reverse mapping: which addresses of the tracked process does a
 * logged guest frame back?
 *
 * A frame's struct page says what it holds. An anonymous page carries
 * its offset in the anonymous mapping it was made for (page->index of
 * the head page, plus the subpage's place in a huge page), and a VMA
 * places that offset at vm_start + (index - vm_pgoff) pages; mremap()
 * keeps vm_pgoff, so a moved page is still found. A page-cache or shmem
 * page carries its file offset, placed the same way by every VMA that
 * maps that file. The candidate address is then confirmed by asking
 * the page tables whether the frame is really mapped there: a page
 * copied on write in a child of the process, with the same offset,
 * belongs to the child, not to us.
 *
 * Frames that resolve to nothing are other processes' or the kernel's
 * own, and are ignored. Nothing the process wrote can be among them:
 * its writes, and the kernel's on its behalf (read() into its buffer,
 * the copy of a copy-on-write fault, a migration's copy into the new
 * frame, a swap-in decompressed by the CPU), land in frames that back
 * its pages when the drain looks. The cases where a written page ends
 * up in a frame nobody wrote are made overflows by ooh-spml.c, and the
 * pages that are not in memory at all are the tracker's to report.
 *
 * Cost: one pass over the VMAs per drain, then per frame a few loads
 * from its struct page, a range test per VMA that could hold it, and a
 * page-table walk (get_user_pages_remote() without faulting) per
 * candidate address. rmap_ns/rmap_lookups in the stats measure it.
 */
#include <linux/ktime.h>
#include <linux/mm.h>
#include <linux/mmap_lock.h>
#include <linux/pagemap.h>
#include <linux/sched/mm.h>
#include <linux/slab.h>
#include <linux/version.h>

#include "ooh-internal.h"

/* Every VMA of @mm that can hold pages; mmap_lock held. */
int ooh_vmas_snapshot(struct mm_struct *mm, struct ooh_vmas *vs)
{
	struct vm_area_struct *vma;
	size_t cap = mm->map_count + 1;

	vs->nr = 0;
	vs->v = kvmalloc_array(cap, sizeof(*vs->v), GFP_KERNEL);
	if (!vs->v)
		return -ENOMEM;
	for (vma = find_vma(mm, 0); vma && vs->nr < cap;
	     vma = find_vma(mm, vma->vm_end)) {
		struct ooh_vma *o = &vs->v[vs->nr];

		/* No struct pages behind these. */
		if (vma->vm_flags & (VM_IO | VM_PFNMAP))
			continue;
		o->start = vma->vm_start;
		o->end = vma->vm_end;
		o->pgoff = vma->vm_pgoff;
		o->mapping = vma->vm_file ? vma->vm_file->f_mapping : NULL;
		o->shared = vma->vm_flags & VM_SHARED;
		o->vma = vma;
		o->anon_vma = vma->anon_vma;
		o->flags = vma->vm_flags;
		vs->nr++;
	}
	return 0;
}

/* Is @pfn what @mm maps at @addr now? Never faults anything in. */
static bool ooh_maps_pfn(struct mm_struct *mm, unsigned long addr,
			 unsigned long pfn)
{
	unsigned int flags = FOLL_FORCE | FOLL_NOFAULT;
	struct page *page;
	bool same;
	long got;

#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 5, 0)
	got = get_user_pages_remote(mm, addr, 1, flags, &page, NULL);
#else
	got = get_user_pages_remote(mm, addr, 1, flags, &page, NULL, NULL);
#endif
	if (got != 1)
		return false;
	same = page_to_pfn(page) == pfn;
	put_page(page);
	return same;
}

/*
 * The frame's identity from its struct page. Read without a reference:
 * the memmap of an online frame always exists, and a value that changed
 * under us only yields an address the page-table check then refuses.
 */
static bool ooh_frame_ident(unsigned long pfn, struct address_space **mapping,
			    pgoff_t *index, bool *anon)
{
	struct page *page, *head;
	unsigned long bits;

	page = pfn_to_online_page(pfn);
	if (!page)
		return false;
	head = compound_head(page);
	*mapping = READ_ONCE(head->mapping);
	*index = READ_ONCE(head->index) + (pfn - page_to_pfn(head));
	bits = (unsigned long)*mapping & PAGE_MAPPING_FLAGS;
	if (!*mapping)
		return false;
	if (bits == PAGE_MAPPING_ANON) {
		*anon = true;
		return true;
	}
	/* KSM and movable driver pages: not placed by index. */
	*anon = false;
	return bits == 0;
}

static int ooh_rmap_one(struct mm_struct *mm, const struct ooh_vmas *vs,
			unsigned long pfn, struct ooh_addrs *out)
{
	struct address_space *mapping;
	unsigned long addr, pages;
	pgoff_t index;
	bool anon;
	size_t i;
	int ret;

	if (!ooh_frame_ident(pfn, &mapping, &index, &anon))
		return 0;
	for (i = 0; i < vs->nr; i++) {
		const struct ooh_vma *v = &vs->v[i];

		if (anon ? v->shared : v->mapping != mapping)
			continue;
		pages = (v->end - v->start) >> PAGE_SHIFT;
		if (index < v->pgoff || index - v->pgoff >= pages)
			continue;
		addr = v->start + ((index - v->pgoff) << PAGE_SHIFT);
		if (!ooh_maps_pfn(mm, addr, pfn))
			continue;
		ret = ooh_addrs_push(out, addr);
		if (ret)
			return ret;
		/* An anonymous page has one place in an address space. */
		if (anon)
			break;
	}
	return 0;
}

/*
 * Add to @out the addresses of the tracked process that @gfns back.
 * -ENOMEM: the answer is incomplete, and the caller says overflow.
 * @foreign, when not NULL, gets 1 for each frame that backs none of them.
 */
int ooh_rmap_frames(struct ooh_session *s, const u64 *gfns, size_t nr,
		    struct ooh_addrs *out, u8 *foreign)
{
	struct mm_struct *mm = s->mm;
	struct ooh_vmas vs = { };
	u64 t0 = ktime_get_ns();
	size_t i;
	int ret;

	/* Exited meanwhile: the next drain says so. */
	if (!mmget_not_zero(mm))
		return 0;
	mmap_read_lock(mm);
	ret = ooh_vmas_snapshot(mm, &vs);
	for (i = 0; !ret && i < nr; i++) {
		size_t had = out->nr;

		ret = ooh_rmap_one(mm, &vs, gfns[i], out);
		if (foreign)
			foreign[i] = out->nr == had;
	}
	mmap_read_unlock(mm);
	mmput(mm);
	kvfree(vs.v);
	s->stats.rmap_lookups += i;
	s->stats.rmap_ns += ktime_get_ns() - t0;
	return ret;
}

static bool ooh_vma_same(const struct ooh_vma *a, const struct ooh_vma *b)
{
	return a->start == b->start && a->end == b->end &&
	       a->pgoff == b->pgoff && a->mapping == b->mapping &&
	       a->vma == b->vma && a->anon_vma == b->anon_vma &&
	       a->flags == b->flags;
}

/*
 * Areas mapped (or replaced) since the last drain: every page of them
 * is reported. Their pages may hold what nobody wrote in the interval
 * (a file's pages, the zero page) at addresses the caller's previous
 * image filled with something else. Both snapshots are sorted by
 * address; a VMA split, merged or moved is new, which only adds pages.
 */
int ooh_vmas_diff(const struct ooh_vmas *prev, const struct ooh_vmas *cur,
		  struct ooh_addrs *out)
{
	size_t i, j = 0;
	int ret;

	for (i = 0; i < cur->nr; i++) {
		const struct ooh_vma *v = &cur->v[i];

		while (j < prev->nr && prev->v[j].start < v->start)
			j++;
		if (j < prev->nr && ooh_vma_same(&prev->v[j], v))
			continue;
		ret = ooh_addrs_push_range(out, v->start, v->end);
		if (ret)
			return ret;
	}
	return 0;
}

/* The VMA snapshot of the tracked mm now; -ESRCH if it has no users. */
int ooh_vmas_take(struct mm_struct *mm, struct ooh_vmas *vs)
{
	int ret;

	if (!mmget_not_zero(mm))
		return -ESRCH;
	mmap_read_lock(mm);
	ret = ooh_vmas_snapshot(mm, vs);
	mmap_read_unlock(mm);
	mmput(mm);
	return ret;
}

void ooh_vmas_free(struct ooh_vmas *vs)
{
	kvfree(vs->v);
	vs->v = NULL;
	vs->nr = 0;
}
