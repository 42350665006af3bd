// SPDX-License-Identifier: GPL-2.0
/*
 * Filling the child's memory: each pagemap entry's pages are read by
 * the child itself from the pages image it inherited, with one injected
 * pread64() per entry, so the data goes from the page cache straight
 * into its memory without passing through criu.
 */
#include <errno.h>
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

long restore_pages(struct rst_ctx *rc, int pages_fd)
{
	PagemapHead *ph = NULL;
	PagemapEntry *pe;
	struct cr_img *img;
	unsigned long off = 0, nr = 0;
	struct stat st;
	long ret;

	if (fstat(pages_fd, &st)) {
		pr_perror("Can't stat pages-1.img");
		return -errno;
	}
	img = open_image(rc->dfd, CR_FD_PAGEMAP, O_RSTR, rc->pid);
	if (!img)
		return -EIO;
	ret = pb_read_one_must(img, (void **)&ph, &pagemap_head__descriptor);
	if (ret)
		goto out;
	for (;;) {
		unsigned long len;

		ret = pb_read_one(img, (void **)&pe, &pagemap_entry__descriptor);
		if (ret <= 0)
			break;
		len = (unsigned long)pe->nr_pages * PAGE_SIZE;
		if ((pe->vaddr & (PAGE_SIZE - 1)) || !pe->nr_pages) {
			pr_err("%s: bad entry %llx+%u\n", img_name(img),
			       (unsigned long long)pe->vaddr, pe->nr_pages);
			ret = -EINVAL;
		} else if (pe->has_in_parent && pe->in_parent) {
			pr_err("%s: entry %llx+%u is in a parent image: not supported yet\n",
			       img_name(img), (unsigned long long)pe->vaddr, pe->nr_pages);
			ret = -EOPNOTSUPP;
		} else if (off + len > (unsigned long)st.st_size) {
			pr_err("%s: entry %llx+%u points past the end of pages-%u.img (%lld bytes)\n",
			       img_name(img), (unsigned long long)pe->vaddr, pe->nr_pages,
			       ph->pages_id, (long long)st.st_size);
			ret = -EINVAL;
		} else {
			ret = fill_range(rc, pages_fd, pe->vaddr, len, off);
		}
		pb_free(pe);
		if (ret)
			break;
		off += len;
		nr += len / PAGE_SIZE;
	}
	if (!ret)
		ret = nr;
out:
	if (ph)
		pb_free(ph);
	close_image(img);
	return ret;
}
