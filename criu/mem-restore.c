// SPDX-License-Identifier: GPL-2.0
/*
 * Filling the child's memory: each pagemap entry's pages are read by
 * the child itself from the pages image it inherited, with one injected
 * pread64() per entry, so the data goes from the page cache straight
 * into its memory without passing through criu.
 */
#include <errno.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/syscall.h>

#include "image.h"
#include "log.h"
#include "mem.h"
#include "restore.h"
#include "vma.h"

#include "pagemap.pb-c.h"

/* Bytes per injected pread64(): the kernel caps one read near 2 GiB. */
#define PREAD_CHUNK	(1UL << 30)

/* The restorable area that holds [@start, @end) entirely, or NULL. */
static const VmaEntry *find_vma(const MmEntry *mm, unsigned long start,
				unsigned long end)
{
	unsigned int lo = 0, hi = mm->n_vmas;

	while (lo < hi) {
		unsigned int mid = (lo + hi) / 2;
		const VmaEntry *v = mm->vmas[mid];

		if (end <= v->start) {
			hi = mid;
		} else if (start >= v->end) {
			lo = mid + 1;
		} else {
			if (start < v->start || end > v->end ||
			    (v->status & (VMA_AREA_VDSO | VMA_AREA_VVAR |
					  VMA_AREA_VSYSCALL | VMA_FILE_SHARED)))
				return NULL;
			return v;
		}
	}
	return NULL;
}

static int check_entry(const struct cr_img *img, const PagemapEntry *pe,
		       const MmEntry *mm, unsigned long off, unsigned long size)
{
	unsigned long len = (unsigned long)pe->nr_pages * PAGE_SIZE;

	if ((pe->vaddr & (PAGE_SIZE - 1)) || !pe->nr_pages ||
	    pe->vaddr + len < pe->vaddr) {
		pr_err("%s: bad entry %llx+%u\n", img_name(img),
		       (unsigned long long)pe->vaddr, pe->nr_pages);
		return -EINVAL;
	}
	if ((pe->has_in_parent && pe->in_parent) ||
	    (pe->has_flags && (pe->flags & PE_PARENT))) {
		pr_err("%s: entry %llx+%u is in a parent image: not supported yet\n",
		       img_name(img), (unsigned long long)pe->vaddr, pe->nr_pages);
		return -EOPNOTSUPP;
	}
	if (!find_vma(mm, pe->vaddr, pe->vaddr + len)) {
		pr_err("%s: entry %llx+%u is not inside one dumped private area\n",
		       img_name(img), (unsigned long long)pe->vaddr, pe->nr_pages);
		return -EINVAL;
	}
	if (off + len > size || off + len < off) {
		pr_err("%s: entry %llx+%u points past the end of pages-1.img (%lu bytes)\n",
		       img_name(img), (unsigned long long)pe->vaddr, pe->nr_pages, size);
		return -EINVAL;
	}
	return 0;
}

static int add_range(struct pagemap_set *ps, unsigned int *cap,
		     const PagemapEntry *pe, unsigned long off)
{
	struct page_range *r;

	if (ps->nr == *cap) {
		*cap = *cap ? *cap * 2 : 64;
		r = realloc(ps->ranges, *cap * sizeof(*r));
		if (!r)
			return -ENOMEM;
		ps->ranges = r;
	}
	r = &ps->ranges[ps->nr++];
	r->vaddr = pe->vaddr;
	r->nr_pages = pe->nr_pages;
	r->off = off;
	return 0;
}

int read_pagemap(int dfd, int pid, int pages_fd, const MmEntry *mm,
		 struct pagemap_set *ps)
{
	PagemapHead *ph = NULL;
	PagemapEntry *pe;
	struct cr_img *img;
	unsigned long off = 0;
	unsigned int cap = 0;
	struct stat st;
	int ret;

	ps->ranges = NULL;
	ps->nr = 0;
	if (fstat(pages_fd, &st)) {
		pr_perror("Can't stat pages-1.img");
		return -errno;
	}
	img = open_image(dfd, CR_FD_PAGEMAP, O_RSTR, pid);
	if (!img)
		return -EIO;
	ret = pb_read_one_must(img, (void **)&ph, &pagemap_head__descriptor);
	if (!ret && ph->pages_id != 1) {
		pr_err("%s: pages id %u, expected 1\n", img_name(img), ph->pages_id);
		ret = -EINVAL;
	}
	while (!ret) {
		ret = pb_read_one(img, (void **)&pe, &pagemap_entry__descriptor);
		if (ret <= 0)
			break;
		ret = check_entry(img, pe, mm, off, st.st_size);
		if (!ret)
			ret = add_range(ps, &cap, pe, off);
		off += (unsigned long)pe->nr_pages * PAGE_SIZE;
		pb_free(pe);
	}
	if (ph)
		pb_free(ph);
	close_image(img);
	if (ret)
		free_pagemap(ps);
	return ret;
}

void free_pagemap(struct pagemap_set *ps)
{
	free(ps->ranges);
	ps->ranges = NULL;
	ps->nr = 0;
}

bool pagemap_has_pages(const struct pagemap_set *ps, unsigned long start,
		       unsigned long end)
{
	unsigned int i;

	/* Ranges are in image order, which is address order per area. */
	for (i = 0; i < ps->nr; i++) {
		const struct page_range *r = &ps->ranges[i];

		if (r->vaddr < end && start < r->vaddr + r->nr_pages * PAGE_SIZE)
			return true;
	}
	return false;
}

static int fill_range(struct rst_ctx *rc, int pages_fd, unsigned long addr,
		      unsigned long len, unsigned long off)
{
	long ret;

	while (len) {
		unsigned long chunk = len < PREAD_CHUNK ? len : PREAD_CHUNK;

		ret = rst_syscall(rc, "pread64 of pages", __NR_pread64, pages_fd,
				  addr, chunk, off, 0, 0);
		if (ret < 0)
			return ret;
		if ((unsigned long)ret != chunk) {
			pr_err("pages-1.img: short read at offset %lu (%ld of %lu bytes)\n",
			       off, ret, chunk);
			return -EIO;
		}
		addr += chunk;
		off += chunk;
		len -= chunk;
	}
	return 0;
}

long restore_pages(struct rst_ctx *rc, int pages_fd, const struct pagemap_set *ps)
{
	unsigned long nr = 0;
	unsigned int i;
	int ret;

	for (i = 0; i < ps->nr; i++) {
		const struct page_range *r = &ps->ranges[i];

		ret = fill_range(rc, pages_fd, r->vaddr, r->nr_pages * PAGE_SIZE, r->off);
		if (ret)
			return ret;
		nr += r->nr_pages;
	}
	return nr;
}
