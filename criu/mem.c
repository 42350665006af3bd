// SPDX-License-Identifier: GPL-2.0
/*
 * Dumping memory. While the target is stopped, plan_pages() decides for
 * every page that holds data whether the image chain already has it
 * ("in parent": present, held by the parent, not written since) or
 * whether it must be copied. write_pages() then writes pagemap-PID.img
 * and copies the data into pages-1.img through a bounded buffer,
 * straight from the stopped target, or for a pre-dump from the copy
 * stage_pages() took, after the target runs again. Where they go (local
 * images or a page server) is page-xfer.c's business.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/uio.h>
#include <unistd.h>

#include "compel.h"
#include "dump.h"
#include "fault-inject.h"
#include "image.h"
#include "lazy-pages.h"
#include "log.h"
#include "pstree.h"
#include "mem.h"
#include "page-xfer.h"
#include "stats.h"
#include "vma.h"

#include "pagemap.pb-c.h"

/* Bytes copied per process_vm_readv()+write() round. */
#define XFER_BUF_SIZE	(2UL << 20)

/* --- planning ------------------------------------------------------------ */

static int add_run_kind(struct mem_plan *plan, unsigned long start, unsigned long end,
			bool in_parent, bool shared, bool probe, unsigned int vma)
{
	struct pm_run *r;

	if (start >= end)
		return 0;
	if (plan->nr) {
		r = &plan->runs[plan->nr - 1];
		if (r->end == start && r->vma == vma && r->in_parent == in_parent &&
		    r->probe == probe) {
			r->end = end;
			goto count;
		}
	}
	if (plan->nr == plan->cap) {
		unsigned int cap = plan->cap ? plan->cap * 2 : 256;

		r = realloc(plan->runs, cap * sizeof(*r));
		if (!r)
			return -ENOMEM;
		plan->runs = r;
		plan->cap = cap;
	}
	r = &plan->runs[plan->nr++];
	r->start = start;
	r->end = end;
	r->in_parent = in_parent;
	r->shared = shared;
	r->probe = probe;
	r->vma = vma;
count:
	if (!in_parent && !probe)
		plan->data_bytes += end - start;
	return 0;
}

static int add_run(struct mem_plan *plan, unsigned long start, unsigned long end,
		   bool in_parent, bool shared, unsigned int vma)
{
	return add_run_kind(plan, start, end, in_parent, shared, false, vma);
}

/* Pages to look for once the target runs again (mem-thawed.c). */
static int add_probe(struct mem_plan *plan, unsigned long start, unsigned long end,
		     unsigned int vma)
{
	return add_run_kind(plan, start, end, false, false, true, vma);
}

/* Append the parts of @rs inside [@start, @end) to @out. */
static int clip_ranges(const struct range_set *rs, unsigned long start,
		       unsigned long end, struct range_set *out)
{
	unsigned int lo = 0, hi = rs->nr;
	int ret;

	while (lo < hi) {
		unsigned int mid = lo + (hi - lo) / 2;

		if (rs->r[mid].end <= start)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (; lo < rs->nr && rs->r[lo].start < end; lo++) {
		ret = range_set_add(out, rs->r[lo].start > start ? rs->r[lo].start : start,
				    rs->r[lo].end < end ? rs->r[lo].end : end);
		if (ret)
			return ret;
	}
	return 0;
}

/*
 * Merge two sorted, disjoint sets into runs in address order: @kept
 * recorded in the parent, @copied copied (@probe: looked for later).
 */
static int add_merged(struct mem_plan *plan, const struct range_set *kept,
		      const struct range_set *copied, bool probe, unsigned int vma)
{
	unsigned int i = 0, j = 0;
	int ret = 0;

	while (!ret && (i < kept->nr || j < copied->nr)) {
		if (j >= copied->nr ||
		    (i < kept->nr && kept->r[i].start < copied->r[j].start)) {
			ret = add_run(plan, kept->r[i].start, kept->r[i].end, true, false, vma);
			i++;
		} else {
			ret = add_run_kind(plan, copied->r[j].start, copied->r[j].end,
					   false, false, probe, vma);
			j++;
		}
	}
	return ret;
}

/* Remove from @kept the pages that map the file's cache right now. */
static int drop_file_cache(int pagemap_fd, const struct vma_area *vma,
			   struct range_set *kept)
{
	struct range_set cache = RANGE_SET_INIT, rest = RANGE_SET_INIT;
	int ret;

	ret = file_cache_ranges(pagemap_fd, vma->start, vma->end, &cache);
	if (!ret && cache.nr)
		ret = range_set_subtract(kept, &cache, &rest);
	if (!ret && cache.nr) {
		range_set_free(kept);
		*kept = rest;
		rest = (struct range_set)RANGE_SET_INIT;
	}
	range_set_free(&cache);
	range_set_free(&rest);
	return ret;
}

/*
 * An incremental plan needs no walk over the whole area: a page the
 * parent holds and the tracker does not report is unchanged (trackers
 * report pages written or dropped), and only the reported ranges are
 * asked whether they hold data now, or with @later once the target
 * runs again (what holds data then is what the copy finds).
 */
static int plan_incremental_vma(struct mem_plan *plan, int pagemap_fd, pid_t pid,
				const struct vma_area *vma, unsigned int idx,
				const struct range_set *clean,
				const struct range_set *dirty, bool later)
{
	struct range_set kept = RANGE_SET_INIT, changed = RANGE_SET_INIT;
	struct range_set copied = RANGE_SET_INIT;
	int ret;

	ret = clip_ranges(clean, vma->start, vma->end, &kept);
	if (!ret && (vma->status & VMA_FILE_PRIVATE))
		ret = drop_file_cache(pagemap_fd, vma, &kept);
	if (!ret)
		ret = clip_ranges(dirty, vma->start, vma->end, &changed);
	if (!ret && !later)
		ret = present_in_ranges(pid, pagemap_fd, &changed,
					vma->status & VMA_FILE_PRIVATE, &copied);
	/* A page neither kept nor reported was not there at the parent: zero. */
	if (!ret)
		ret = add_merged(plan, &kept, later ? &changed : &copied, later, idx);
	range_set_free(&kept);
	range_set_free(&changed);
	range_set_free(&copied);
	return ret;
}

static int plan_private_vma(struct mem_plan *plan, int pagemap_fd, pid_t pid,
			    const struct vma_area *vma, unsigned int idx)
{
	struct range_set present = RANGE_SET_INIT;
	unsigned int i;
	int ret;

	ret = present_ranges(pid, pagemap_fd, vma->start, vma->end,
			     vma->status & VMA_FILE_PRIVATE, &present);
	for (i = 0; !ret && i < present.nr; i++)
		ret = add_run(plan, present.r[i].start, present.r[i].end, false, false, idx);
	range_set_free(&present);
	return ret;
}

/*
 * Shared anonymous memory lives in a shmem file; its pages need not be
 * mapped in this process to hold data, so ask the file where its data
 * is (SEEK_DATA/SEEK_HOLE) through /proc/PID/map_files. It is always
 * copied whole: trackers follow only private memory.
 */
static int plan_shared_vma(struct mem_plan *plan, pid_t pid,
			   const struct vma_area *vma, unsigned int idx)
{
	unsigned long off, end_off = vma->pgoff + vma_len(vma);
	char path[96];
	off_t data, hole;
	int fd, ret = 0;

	snprintf(path, sizeof(path), "/proc/%d/map_files/%lx-%lx",
		 pid, vma->start, vma->end);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		ret = -errno;
		pr_perror("Can't open %s", path);
		return ret;
	}
	for (off = vma->pgoff; off < end_off && !ret; off = hole) {
		data = lseek(fd, off, SEEK_DATA);
		if (data < 0 || (unsigned long)data >= end_off)
			break;
		hole = lseek(fd, data, SEEK_HOLE);
		if (hole < 0 || (unsigned long)hole > end_off)
			hole = end_off;
		ret = add_run(plan, vma->start + (data - vma->pgoff),
			      vma->start + (hole - vma->pgoff), false, true, idx);
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

int plan_pages(struct dump_ctx *dc, const struct vma_list *vmas,
	       const struct mem_dump_opts *mo, struct mem_plan *plan,
	       struct mem_dump_stats *st)
{
	struct range_set clean = RANGE_SET_INIT;
	bool incremental = mo && mo->parent && mo->dirty;
	char path[64];
	unsigned int i;
	int fd, ret = 0;

	memset(plan, 0, sizeof(*plan));
	if (incremental) {
		ret = range_set_subtract(mo->parent, mo->dirty, &clean);
		if (ret)
			return ret;
	}
	snprintf(path, sizeof(path), "/proc/%d/pagemap", dc->pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		ret = -errno;
		pr_perror("Can't open %s", path);
		goto out;
	}
	for (i = 0; i < vmas->nr && !ret; i++) {
		const struct vma_area *vma = &vmas->vmas[i];

		if (!vma_dumps_pages(vma))
			continue;
		if (vma->status & VMA_ANON_SHARED) {
			st->shpages_scanned += vma_len(vma) >> PAGE_SHIFT;
			ret = plan_shared_vma(plan, dc->pid, vma, i);
			continue;
		}
		st->pages_scanned += vma_len(vma) >> PAGE_SHIFT;
		if (incremental)
			ret = plan_incremental_vma(plan, fd, dc->pid, vma, i,
						   &clean, mo->dirty, mo->present_later);
		else if (mo && mo->present_later)
			ret = add_probe(plan, vma->start, vma->end, i);
		else
			ret = plan_private_vma(plan, fd, dc->pid, vma, i);
	}
	close(fd);
out:
	range_set_free(&clean);
	if (ret)
		free_mem_plan(plan);
	return ret;
}

void free_mem_plan(struct mem_plan *plan)
{
	if (plan->held) {
		close(plan->mem_fd);
		close(plan->pagemap_fd);
		close(plan->pidfd);
	}
	free(plan->runs);
	free_page_pipes(&plan->pipes);
	memset(plan, 0, sizeof(*plan));
}

/* --- copying ------------------------------------------------------------- */

int capture_plan(struct dump_ctx *dc, const struct vma_list *vmas,
		 struct mem_plan *plan)
{
	int ret;

	ret = capture_pages(dc, vmas, plan, &plan->pipes);
	if (!ret)
		plan->captured = true;
	return ret;
}

/*
 * Copying straight from the stopped target: runs are gathered into the
 * buffer, up to IOV_BATCH of them, and read with one process_vm_readv()
 * and written with one write(), so scattered single pages do not cost
 * two system calls each.
 */
#define IOV_BATCH	1024

struct page_copier {
	pid_t pid;
	struct page_xfer *xfer;
	char *buf;			/* XFER_BUF_SIZE bytes */
	size_t fill;
	struct iovec remote[IOV_BATCH];
	unsigned int nr;
	struct mem_dump_stats *st;
};

static int copier_write(struct page_copier *c)
{
	int ret;

	ret = c->xfer->ops->write_data(c->xfer, c->buf, c->fill);
	if (ret)
		return ret;
	c->fill = 0;
	c->nr = 0;
	if (fault_injected(FI_DUMP_PAGES))
		return -EIO;
	return 0;
}

static int copier_flush(struct page_copier *c)
{
	struct iovec local = { c->buf, c->fill };
	ssize_t n;

	if (!c->nr)
		return 0;
	n = process_vm_readv(c->pid, &local, 1, c->remote, c->nr, 0);
	if (n != (ssize_t)c->fill) {
		int err = n < 0 ? -errno : -EIO;

		pr_perror("process_vm_readv of %u ranges (%zd of %zu bytes) in pid %d",
			  c->nr, n, c->fill, c->pid);
		return err;
	}
	return copier_write(c);
}

/* Pages the target itself may not read go through /proc/PID/mem. */
static int copy_unreadable(struct page_copier *c, unsigned long start,
			   unsigned long end)
{
	int ret;

	ret = copier_flush(c);
	while (!ret && start < end) {
		size_t chunk = end - start < XFER_BUF_SIZE ? end - start : XFER_BUF_SIZE;

		ret = compel_read_mem(c->pid, start, c->buf, chunk);
		if (!ret) {
			c->fill = chunk;
			ret = copier_write(c);
		}
		start += chunk;
	}
	return ret;
}

static int copy_run(struct page_copier *c, const struct vma_area *vma,
		    const struct pm_run *r)
{
	unsigned long start = r->start;
	int ret;

	if (!(vma->prot & PROT_READ))
		return copy_unreadable(c, r->start, r->end);
	while (start < r->end) {
		size_t room = XFER_BUF_SIZE - c->fill;
		size_t chunk = r->end - start < room ? r->end - start : room;

		c->remote[c->nr].iov_base = (void *)start;
		c->remote[c->nr].iov_len = chunk;
		c->nr++;
		c->fill += chunk;
		start += chunk;
		if (c->fill == XFER_BUF_SIZE || c->nr == IOV_BATCH) {
			ret = copier_flush(c);
			if (ret)
				return ret;
		}
	}
	return 0;
}

/*
 * dump --lazy-pages: data of a lazy area (the restore's rule, on the area
 * as mm-PID.img records it) is not copied while the tree is stopped.
 */
static bool run_left_lazy(const struct dump_ctx *dc, const struct vma_list *vmas,
			  const struct pm_run *r)
{
	if (!dc->sess->lazy_src || r->in_parent || r->shared || r->probe)
		return false;
	return vma_area_can_be_lazy(&vmas->vmas[r->vma]);
}

static uint32_t run_pe_flags(const struct pm_run *r)
{
	if (r->in_parent)
		return PE_PARENT;
	return r->lazy ? PE_LAZY | PE_PRESENT : PE_PRESENT;
}

int write_pages(struct dump_ctx *dc, const struct vma_list *vmas,
		struct mem_plan *plan, struct mem_dump_stats *st)
{
	struct page_copier *copier;
	struct page_xfer xfer;
	char *buf = NULL;
	uint64_t t0 = stats_now_us();
	unsigned int i;
	int ret;

	copier = calloc(1, sizeof(*copier));
	if (!copier)
		return -ENOMEM;
	if (!plan->captured) {
		buf = mmap(NULL, XFER_BUF_SIZE, PROT_READ | PROT_WRITE,
			   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (buf == MAP_FAILED) {
			pr_err("No memory for the page copy buffer\n");
			free(copier);
			return -ENOMEM;
		}
	}
	ret = page_xfer_open(&xfer, dc);
	if (ret)
		goto out_buf;
	copier->pid = dc->pid;
	copier->xfer = &xfer;
	copier->buf = buf;
	copier->st = st;
	for (i = 0; i < plan->nr && !ret; i++) {
		struct pm_run *r = &plan->runs[i];
		unsigned long len = r->end - r->start;

		r->lazy = run_left_lazy(dc, vmas, r);
		ret = xfer.ops->write_entry(&xfer, r->start, len >> PAGE_SHIFT, run_pe_flags(r));
		if (ret || r->in_parent || r->lazy) {
			st->pages_in_parent += r->in_parent ? len >> PAGE_SHIFT : 0;
			st->pages_lazy += r->lazy ? len >> PAGE_SHIFT : 0;
			continue;
		}
		if (r->shared)
			st->shpages_written += len >> PAGE_SHIFT;
		else
			st->pages_written += len >> PAGE_SHIFT;
		if (!plan->captured)
			ret = copy_run(copier, &vmas->vmas[r->vma], r);
	}
	if (!ret && !plan->captured)
		ret = copier_flush(copier);
	if (!ret && plan->captured) {
		st->page_pipes = 1;
		st->page_pipe_bufs = plan->pipes.nr;
		ret = flush_page_pipes(&plan->pipes, &xfer);
	}
	if (!ret)
		ret = xfer.ops->close(&xfer);
	else
		xfer.ops->abort(&xfer);
	if (!ret)
		pr_info("Dumped %llu pages, %llu in parent, %llu left lazy, of %llu scanned in pid %d (%s)\n",
			(unsigned long long)st->pages_written,
			(unsigned long long)st->pages_in_parent,
			(unsigned long long)st->pages_lazy,
			(unsigned long long)st->pages_scanned, dc->pid, xfer.ops->name);
out_buf:
	if (buf && buf != MAP_FAILED)
		munmap(buf, XFER_BUF_SIZE);
	free(copier);
	st->memwrite_us += stats_now_us() - t0;
	return ret;
}
