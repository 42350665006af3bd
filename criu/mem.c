// SPDX-License-Identifier: GPL-2.0
/*
 * Dumping memory: which pages of each area hold data that only the
 * process has (the pagemap tells), and copying them, range by range,
 * from the stopped target into pages-1.img through a bounded buffer.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include "compel.h"
#include "dump.h"
#include "fault-inject.h"
#include "image.h"
#include "log.h"
#include "mem.h"
#include "vma.h"

#include "pagemap.pb-c.h"

/* Pages copied per process_vm_readv()+write() round. */
#define XFER_BUF_SIZE	(2UL << 20)
/* Pagemap entries read per pread() of /proc/PID/pagemap. */
#define PME_BATCH	(64 * 1024)

struct page_writer {
	struct dump_ctx *dc;
	struct cr_img *pagemap;
	struct cr_img *pages;
	int pagemap_fd;			/* /proc/PID/pagemap */
	char *buf;			/* XFER_BUF_SIZE bytes */
	uint64_t *pme;			/* PME_BATCH entries */
	/* The run of pages being collected, not yet written. */
	unsigned long run_start, run_pages;
	const struct vma_area *run_vma;
	struct mem_dump_stats *st;
};

static uint64_t now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000ULL + ts.tv_nsec / 1000;
}

/*
 * Copy [@addr, @addr + @len) of the target into the buffer. Areas the
 * target cannot read itself (PROT_NONE after a write) go through
 * /proc/PID/mem, which the tracer may read regardless.
 */
static int read_target(struct page_writer *pw, const struct vma_area *vma,
		       unsigned long addr, size_t len)
{
	struct iovec local = { pw->buf, len };
	struct iovec remote = { (void *)addr, len };
	ssize_t n;

	if (vma->prot & PROT_READ) {
		n = process_vm_readv(pw->dc->pid, &local, 1, &remote, 1, 0);
		if (n == (ssize_t)len)
			return 0;
		if (n < 0 && errno != EFAULT) {
			int err = -errno;

			pr_perror("process_vm_readv of %lx+%zx in pid %d",
				  addr, len, pw->dc->pid);
			return err;
		}
	}
	return compel_read_mem(pw->dc->pid, addr, pw->buf, len);
}

static int flush_run(struct page_writer *pw)
{
	PagemapEntry pe = PAGEMAP_ENTRY__INIT;
	unsigned long addr, left;
	uint64_t t0;
	int ret;

	if (!pw->run_pages)
		return 0;

	pe.vaddr = pw->run_start;
	pe.nr_pages = pw->run_pages;
	pe.has_flags = true;
	pe.flags = PE_PRESENT;
	ret = pb_write_one(pw->pagemap, &pe, &pagemap_entry__descriptor);
	if (ret)
		return ret;

	t0 = now_us();
	addr = pw->run_start;
	left = pw->run_pages * PAGE_SIZE;
	while (left) {
		size_t chunk = left < XFER_BUF_SIZE ? left : XFER_BUF_SIZE;

		ret = read_target(pw, pw->run_vma, addr, chunk);
		if (ret)
			return ret;
		ret = write_img_buf(pw->pages, pw->buf, chunk);
		if (ret)
			return ret;
		if (pw->st->pages_written > 0 && fault_injected(FI_DUMP_PAGES))
			return -EIO;
		addr += chunk;
		left -= chunk;
	}
	pw->st->memwrite_us += now_us() - t0;
	pw->st->pages_written += pw->run_pages;
	pw->run_pages = 0;
	return 0;
}

static int add_page(struct page_writer *pw, const struct vma_area *vma,
		    unsigned long addr)
{
	int ret;

	if (pw->run_pages && pw->run_vma == vma &&
	    pw->run_start + pw->run_pages * PAGE_SIZE == addr) {
		pw->run_pages++;
		return 0;
	}
	ret = flush_run(pw);
	if (ret)
		return ret;
	pw->run_vma = vma;
	pw->run_start = addr;
	pw->run_pages = 1;
	return 0;
}

/* Does this pagemap entry hold data that must go into the image? */
static bool page_has_data(const struct vma_area *vma, uint64_t pme)
{
	if (pme & PME_SWAP)
		return true;
	if (!(pme & PME_PRESENT))
		return false;
	/*
	 * In a private file mapping a page still shared with the page
	 * cache comes back from the file; only copied-on-write ones count.
	 */
	if (vma->status & VMA_FILE_PRIVATE)
		return !(pme & PME_FILE);
	return true;
}

static int dump_private_vma(struct page_writer *pw, const struct vma_area *vma)
{
	unsigned long addr = vma->start, nr, i;
	ssize_t n;
	int ret;

	while (addr < vma->end) {
		nr = (vma->end - addr) >> PAGE_SHIFT;
		if (nr > PME_BATCH)
			nr = PME_BATCH;
		n = pread(pw->pagemap_fd, pw->pme, nr * sizeof(uint64_t),
			  (addr >> PAGE_SHIFT) * sizeof(uint64_t));
		if (n != (ssize_t)(nr * sizeof(uint64_t))) {
			pr_perror("Can't read pagemap of pid %d at %lx",
				  pw->dc->pid, addr);
			return n < 0 ? -errno : -EIO;
		}
		for (i = 0; i < nr; i++) {
			if (!page_has_data(vma, pw->pme[i]))
				continue;
			ret = add_page(pw, vma, addr + i * PAGE_SIZE);
			if (ret)
				return ret;
		}
		pw->st->pages_scanned += nr;
		addr += nr * PAGE_SIZE;
	}
	return flush_run(pw);
}

/*
 * Shared anonymous memory lives in a shmem file; its pages need not be
 * mapped in this process to hold data, so ask the file where its data
 * is (SEEK_DATA/SEEK_HOLE) through /proc/PID/map_files.
 */
static int dump_shared_anon_vma(struct page_writer *pw, const struct vma_area *vma)
{
	unsigned long off, end_off = vma->pgoff + vma_len(vma);
	char path[96];
	off_t data, hole;
	int fd, ret = 0;

	snprintf(path, sizeof(path), "/proc/%d/map_files/%lx-%lx",
		 pw->dc->pid, vma->start, vma->end);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		ret = -errno;
		pr_perror("Can't open %s", path);
		return ret;
	}
	pw->st->pages_scanned += vma_len(vma) >> PAGE_SHIFT;
	for (off = vma->pgoff; off < end_off; off = hole) {
		data = lseek(fd, off, SEEK_DATA);
		if (data < 0 || (unsigned long)data >= end_off)
			break;
		hole = lseek(fd, data, SEEK_HOLE);
		if (hole < 0 || (unsigned long)hole > end_off)
			hole = end_off;
		ret = flush_run(pw);
		if (ret)
			break;
		pw->run_vma = vma;
		pw->run_start = vma->start + (data - vma->pgoff);
		pw->run_pages = (hole - data) >> PAGE_SHIFT;
		ret = flush_run(pw);
		if (ret)
			break;
	}
	close(fd);
	return ret;
}

static bool vma_dumps_pages(const struct vma_area *vma)
{
	if (vma_is_special(vma))
		return false;
	return vma->status & (VMA_ANON_PRIVATE | VMA_FILE_PRIVATE | VMA_ANON_SHARED);
}

int dump_pages(struct dump_ctx *dc, const struct vma_list *vmas,
	       struct mem_dump_stats *st)
{
	PagemapHead ph = PAGEMAP_HEAD__INIT;
	struct page_writer pw = { .dc = dc, .st = st, .pagemap_fd = -1 };
	char path[64];
	unsigned int i;
	int ret = -ENOMEM;

	pw.buf = mmap(NULL, XFER_BUF_SIZE, PROT_READ | PROT_WRITE,
		      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	pw.pme = malloc(PME_BATCH * sizeof(uint64_t));
	if (pw.buf == MAP_FAILED || !pw.pme) {
		pr_err("No memory for the page copy buffers\n");
		goto out;
	}

	snprintf(path, sizeof(path), "/proc/%d/pagemap", dc->pid);
	pw.pagemap_fd = open(path, O_RDONLY | O_CLOEXEC);
	if (pw.pagemap_fd < 0) {
		ret = -errno;
		pr_perror("Can't open %s", path);
		goto out;
	}

	ret = -EIO;
	pw.pagemap = open_image(dc->dfd, CR_FD_PAGEMAP, O_DUMP, dc->pid);
	if (!pw.pagemap)
		goto out;
	pw.pages = open_image(dc->dfd, CR_FD_PAGES, O_DUMP, 1);
	if (!pw.pages)
		goto out;
	ph.pages_id = 1;
	ret = pb_write_one(pw.pagemap, &ph, &pagemap_head__descriptor);
	if (ret)
		goto out;

	for (i = 0; i < vmas->nr; i++) {
		const struct vma_area *vma = &vmas->vmas[i];

		if (!vma_dumps_pages(vma))
			continue;
		if (vma->status & VMA_ANON_SHARED)
			ret = dump_shared_anon_vma(&pw, vma);
		else
			ret = dump_private_vma(&pw, vma);
		if (ret)
			goto out;
	}
	pr_info("Dumped %llu of %llu pages of pid %d\n",
		(unsigned long long)st->pages_written,
		(unsigned long long)st->pages_scanned, dc->pid);
out:
	if (pw.pages && close_image(pw.pages) && !ret)
		ret = -EIO;
	if (pw.pagemap && close_image(pw.pagemap) && !ret)
		ret = -EIO;
	if (pw.pagemap_fd >= 0)
		close(pw.pagemap_fd);
	if (pw.buf != MAP_FAILED && pw.buf)
		munmap(pw.buf, XFER_BUF_SIZE);
	free(pw.pme);
	return ret;
}
