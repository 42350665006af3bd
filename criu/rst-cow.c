// SPDX-License-Identifier: GPL-2.0
/*
 * Keeping the copy-on-write sharing of a forked child with its parent
 * (rst-cow.h). The comparison reads the child's inherited page through
 * /proc/PID/mem, and the dumped page from the pages image in criu; a
 * page that differs is written the usual way, by a pread() injected into
 * the child. Not process_vm_readv(): it pins the pages it reads, and the
 * kernel (since 5.19) unshares an anonymous page before pinning it, which
 * would give the child a copy of every page compared.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "compel.h"
#include "log.h"
#include "rst-cow.h"
#include "rst-task.h"

/* Pages compared per batch. */
#define COW_BATCH	(256 * PAGE_SIZE)

static bool cow_candidate(const VmaEntry *w)
{
	return (w->status & VMA_ANON_PRIVATE) && !(w->status & VMA_AREA_VSYSCALL) &&
	       !(w->status & (VMA_AREA_VDSO | VMA_AREA_VVAR));
}

static int find_same(const MmEntry *mm, const struct vma_area *v)
{
	unsigned int i;

	for (i = 0; i < mm->n_vmas; i++) {
		const VmaEntry *w = mm->vmas[i];

		if (w->start == v->start && w->end == v->end && cow_candidate(w) &&
		    (v->status & VMA_ANON_PRIVATE))
			return i;
	}
	return -1;
}

int cow_keep_inherited(struct rst_ctx *rc, const MmEntry *mm, unsigned long tramp,
		       struct vma_list *cur, bool *kept)
{
	unsigned int i, nr_kept = 0;
	long ret;
	int w;

	ret = parse_smaps(rc->pid, cur);
	if (ret)
		return ret;
	for (i = 0; i < cur->nr; i++) {
		const struct vma_area *v = &cur->vmas[i];

		if (vma_is_special(v) || (v->start >= tramp && v->end <= tramp + TRAMPOLINE_SIZE))
			continue;
		w = find_same(mm, v);
		if (w >= 0) {
			kept[w] = true;
			nr_kept++;
			continue;
		}
		ret = rst_syscall(rc, "munmap of an inherited area", __NR_munmap, v->start,
				  vma_len(v), 0, 0, 0, 0);
		if (ret < 0)
			return ret;
	}
	pr_info("Pid %d keeps %u areas it inherited from its parent\n", rc->pid, nr_kept);
	return 0;
}

static const VmaEntry *kept_vma_at(const MmEntry *mm, const bool *kept, unsigned long addr)
{
	unsigned int lo = 0, hi = mm->n_vmas;

	while (lo < hi) {
		unsigned int mid = lo + (hi - lo) / 2;

		if (mm->vmas[mid]->end <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo < mm->n_vmas && mm->vmas[lo]->start <= addr && kept[lo])
		return mm->vmas[lo];
	return NULL;
}

/* A run of pages to write, gathered while comparing. */
struct cow_run {
	unsigned long addr, len, off;
	int fd;
};

static int flush_run(struct rst_ctx *rc, struct cow_run *run, struct cow_stats *st)
{
	int ret;

	if (!run->len)
		return 0;
	ret = rst_fill_range(rc, run->fd, run->addr, run->len, run->off);
	st->pages_written += run->len / PAGE_SIZE;
	run->len = 0;
	return ret;
}

static int add_to_run(struct rst_ctx *rc, struct cow_run *run, int fd,
		      unsigned long addr, unsigned long len, unsigned long off,
		      struct cow_stats *st)
{
	int ret;

	if (run->len && run->fd == fd && run->addr + run->len == addr &&
	    run->off + run->len == off) {
		run->len += len;
		return 0;
	}
	ret = flush_run(rc, run, st);
	run->addr = addr;
	run->len = len;
	run->off = off;
	run->fd = fd;
	return ret;
}

/* Compare one batch of a kept area; differing pages join the run. */
static int compare_batch(struct rst_ctx *rc, struct cow_run *run, int fd,
			 unsigned long addr, unsigned long len, unsigned long off,
			 char *mine, char *image, struct cow_stats *st)
{
	unsigned long i;
	ssize_t n;
	int ret;

	ret = compel_read_mem(rc->pid, addr, mine, len);
	if (ret)
		return ret;
	n = pread(fd, image, len, off);
	if (n != (ssize_t)len) {
		pr_perror("Short read of the pages image at %lu", off);
		return -EIO;
	}
	for (i = 0; i < len; i += PAGE_SIZE) {
		st->pages_compared++;
		if (!memcmp(mine + i, image + i, PAGE_SIZE)) {
			st->pages_skipped_cow++;
			ret = flush_run(rc, run, st);
		} else {
			ret = add_to_run(rc, run, fd, addr + i, PAGE_SIZE, off + i, st);
		}
		if (ret)
			return ret;
	}
	return 0;
}

/* One range of the pagemap, page by page where it lies in kept areas. */
static int fill_one(struct rst_ctx *rc, const MmEntry *mm, const bool *kept,
		    const struct page_range *r, int fd, struct cow_run *run,
		    char *mine, char *image, struct cow_stats *st)
{
	unsigned long addr = r->vaddr, end = r->vaddr + r->len;
	int ret = 0;

	while (addr < end && !ret) {
		const VmaEntry *v = kept_vma_at(mm, kept, addr);
		unsigned long off = r->off + (addr - r->vaddr), len;

		if (!v) {
			/* up to the next kept area, or the range's end */
			for (len = PAGE_SIZE; addr + len < end &&
			     !kept_vma_at(mm, kept, addr + len); len += PAGE_SIZE)
				;
			ret = add_to_run(rc, run, fd, addr, len, off, st);
		} else {
			len = end < v->end ? end - addr : v->end - addr;
			if (len > COW_BATCH)
				len = COW_BATCH;
			ret = compare_batch(rc, run, fd, addr, len, off, mine, image, st);
		}
		addr += len;
	}
	return ret;
}

static int drop_range(struct rst_ctx *rc, unsigned long from, unsigned long to)
{
	long ret;

	if (from >= to)
		return 0;
	ret = rst_syscall(rc, "madvise(MADV_DONTNEED)", __NR_madvise, from, to - from,
			  MADV_DONTNEED, 0, 0, 0);
	return ret < 0 ? ret : 0;
}

/* Inherited pages where the image has none: the child had none there. */
static int drop_holes(struct rst_ctx *rc, const MmEntry *mm, const bool *kept,
		      const struct pagemap_set *ps)
{
	unsigned int i, j;
	int ret = 0;

	for (i = 0; i < mm->n_vmas && !ret; i++) {
		const VmaEntry *v = mm->vmas[i];
		unsigned long addr = v->start;

		if (!kept[i])
			continue;
		/* the ranges are sorted by address */
		for (j = 0; j < ps->nr && !ret; j++) {
			const struct page_range *r = &ps->ranges[j];

			if (r->vaddr + r->len <= v->start || r->vaddr >= v->end)
				continue;
			ret = drop_range(rc, addr, r->vaddr);
			if (r->vaddr + r->len > addr)
				addr = r->vaddr + r->len;
		}
		if (!ret && addr < v->end)
			ret = drop_range(rc, addr, v->end);
	}
	return ret;
}

int cow_restore_pages(struct rst_ctx *rc, const MmEntry *mm, const bool *kept,
		      const struct pagemap_set *ps, struct cow_stats *st)
{
	struct cow_run run = { .len = 0 };
	char *mine, *image;
	unsigned int i;
	int ret = 0;

	mine = malloc(COW_BATCH);
	image = malloc(COW_BATCH);
	if (!mine || !image) {
		ret = -ENOMEM;
		goto out;
	}
	for (i = 0; i < ps->nr && !ret; i++)
		ret = fill_one(rc, mm, kept, &ps->ranges[i], ps->pages_fds[ps->ranges[i].src],
			       &run, mine, image, st);
	if (!ret)
		ret = flush_run(rc, &run, st);
	if (!ret)
		ret = drop_holes(rc, mm, kept, ps);
	if (!ret)
		pr_info("Pid %d: %llu pages compared, %llu still shared with its parent, %llu written\n",
			rc->pid, (unsigned long long)st->pages_compared,
			(unsigned long long)st->pages_skipped_cow,
			(unsigned long long)st->pages_written);
out:
	free(mine);
	free(image);
	return ret;
}
