// SPDX-License-Identifier: GPL-2.0
/*
 * Copying a pre-dump's pages after the target runs again.
 *
 * While it is stopped the pre-dump only plans (mem.c): runs kept in the
 * parent, and runs whose data is looked for now ("probe" runs: what the
 * tracker reported, or every private area on a first pre-dump). Once
 * the tree is released, the probe runs are asked which pages hold data
 * and every data run is read, in batches, into one large buffer.
 *
 * A page read now may hold data newer than at the stop: the tracker was
 * armed before the first read, saw the write and reports the page at the
 * next collect, which copies it again. A page that is gone by now
 * (unmapped, made unreadable, the process exited) cannot be read: it is
 * left out of the pagemap and handed back to the caller, which keeps it
 * for the next dump to copy whatever its tracker says (the carry, see
 * incr_carry_unread()). So no entry ever announces data that was not
 * read, and no page read is recorded without its entry.
 *
 * Reads go through process_vm_readv(), the fast way, and are trusted
 * only when the task still exists afterwards (its pid was not reused
 * meanwhile); what it could not read, or could not be trusted with, is
 * read again through /proc/PID/mem opened at the stop, which stays
 * bound to that address space and also reads PROT_NONE pages.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <unistd.h>

#include "dump.h"
#include "fault-inject.h"
#include "infect.h"
#include "log.h"
#include "mem.h"
#include "page-xfer.h"
#include "stats.h"
#include "vma.h"

/* Bytes read per batch: the target runs meanwhile, so go for throughput. */
#define THAW_BUF_SIZE	(8UL << 20)
/* Pieces per process_vm_readv() (the kernel's UIO_MAXIOV). */
#define THAW_IOV_MAX	1024
/* Entries per batch, data and in-parent ones together. */
#define THAW_ENT_MAX	(2 * THAW_IOV_MAX)

/* A pagemap entry waiting for its batch to be read. */
struct thaw_entry {
	unsigned long vaddr, len;
	bool in_parent;
	bool shared;
};

struct thaw_copier {
	pid_t pid;
	const struct mem_plan *plan;
	struct page_xfer *xfer;
	char *buf;			/* THAW_BUF_SIZE bytes */
	size_t fill;
	/* data pieces, in the order of the data entries among @ents */
	struct iovec remote[THAW_IOV_MAX];
	size_t got[THAW_IOV_MAX];	/* bytes of each read, whole pages */
	unsigned int nr_iov;
	struct thaw_entry ents[THAW_ENT_MAX];
	unsigned int nr_ents;
	struct range_set *unread;
	struct mem_dump_stats *st;
	bool fault_pending;		/* FI_PRE_DUMP_UNREADABLE still to come */
};

int plan_hold_target(struct dump_ctx *dc, struct mem_plan *plan)
{
	char path[64];
	int ret;

	plan->pidfd = dump_pidfd(dc);
	if (plan->pidfd < 0)
		return plan->pidfd;
	snprintf(path, sizeof(path), "/proc/%d/mem", dc->pid);
	plan->mem_fd = open(path, O_RDONLY | O_CLOEXEC);
	if (plan->mem_fd < 0)
		goto err_open;
	snprintf(path, sizeof(path), "/proc/%d/pagemap", dc->pid);
	plan->pagemap_fd = open(path, O_RDONLY | O_CLOEXEC);
	if (plan->pagemap_fd < 0) {
		close(plan->mem_fd);
		goto err_open;
	}
	plan->held = true;
	return 0;
err_open:
	ret = -errno;
	pr_perror("Can't open %s", path);
	close(plan->pidfd);
	return ret;
}

/* Does the task still exist, so that its pid named it all along? */
static bool task_alive(const struct thaw_copier *c)
{
	return !syscall(SYS_pidfd_send_signal, c->plan->pidfd, 0, NULL, 0);
}

/* Whole pages of [@addr, +@len) read through /proc/PID/mem into @dst. */
static size_t read_through_mem(int mem_fd, char *dst, unsigned long addr, size_t len)
{
	size_t done = 0;
	ssize_t n;

	while (done < len) {
		n = pread(mem_fd, dst + done, len - done, addr + done);
		if (n <= 0)
			break;
		done += n;
	}
	return done & ~(PAGE_SIZE - 1);
}

/* Fault injection: the largest piece of the first batch is gone. */
static void inject_unreadable(struct thaw_copier *c)
{
	unsigned int i, big = 0;

	if (!c->nr_iov)
		return;
	for (i = 1; i < c->nr_iov; i++)
		if (c->remote[i].iov_len > c->remote[big].iov_len)
			big = i;
	pr_err("Fault %d injected: %p-%p of pid %d unreadable\n", FI_PRE_DUMP_UNREADABLE,
	       c->remote[big].iov_base,
	       (char *)c->remote[big].iov_base + c->remote[big].iov_len, c->pid);
	c->got[big] = 0;
	c->fault_pending = false;
}

/* Read the batch; c->got[] says how much of each piece came. */
static void read_batch(struct thaw_copier *c)
{
	struct iovec local = { c->buf, c->fill };
	size_t off = 0, left;
	unsigned int i = 0;
	ssize_t n;

	n = process_vm_readv(c->pid, &local, 1, c->remote, c->nr_iov, 0);
	if (n < 0 || !task_alive(c))
		n = 0;
	left = n;
	/* pieces read whole; the rest once more, page by page if need be */
	for (; i < c->nr_iov && left >= c->remote[i].iov_len; i++) {
		c->got[i] = c->remote[i].iov_len;
		left -= c->got[i];
		off += c->got[i];
	}
	for (; i < c->nr_iov; i++) {
		c->got[i] = read_through_mem(c->plan->mem_fd, c->buf + off,
					     (unsigned long)c->remote[i].iov_base,
					     c->remote[i].iov_len);
		off += c->remote[i].iov_len;
	}
	if (c->fault_pending)
		inject_unreadable(c);
}

/* Entries for what was read, in order; the unread rest to c->unread. */
static int emit_entries(struct thaw_copier *c)
{
	struct mem_dump_stats *st = c->st;
	unsigned int i, piece = 0;
	int ret = 0;

	for (i = 0; i < c->nr_ents && !ret; i++) {
		const struct thaw_entry *e = &c->ents[i];
		size_t got;

		if (e->in_parent) {
			ret = c->xfer->ops->write_entry(c->xfer, e->vaddr,
							e->len >> PAGE_SHIFT, PE_PARENT);
			st->pages_in_parent += e->len >> PAGE_SHIFT;
			continue;
		}
		got = c->got[piece++];
		if (got)
			ret = c->xfer->ops->write_entry(c->xfer, e->vaddr,
							got >> PAGE_SHIFT, PE_PRESENT);
		if (e->shared)
			st->shpages_written += got >> PAGE_SHIFT;
		else
			st->pages_written += got >> PAGE_SHIFT;
		if (!ret && got < e->len)
			ret = range_set_add(c->unread, e->vaddr + got, e->vaddr + e->len);
	}
	return ret;
}

/* Close the gaps unread pieces left in the buffer; the bytes that remain. */
static size_t compact_batch(struct thaw_copier *c)
{
	size_t from = 0, to = 0;
	unsigned int i;

	for (i = 0; i < c->nr_iov; i++) {
		if (to != from && c->got[i])
			memmove(c->buf + to, c->buf + from, c->got[i]);
		to += c->got[i];
		from += c->remote[i].iov_len;
	}
	return to;
}

static int flush_batch(struct thaw_copier *c)
{
	size_t len;
	int ret;

	if (!c->nr_ents)
		return 0;
	if (c->nr_iov)
		read_batch(c);
	ret = emit_entries(c);
	len = c->nr_iov ? compact_batch(c) : 0;
	if (!ret && len)
		ret = c->xfer->ops->write_data(c->xfer, c->buf, len);
	c->fill = 0;
	c->nr_iov = 0;
	c->nr_ents = 0;
	if (!ret && len && fault_injected(FI_DUMP_PAGES))
		ret = -EIO;
	return ret;
}

static int queue_parent(struct thaw_copier *c, const struct pm_run *r)
{
	struct thaw_entry *e;
	int ret;

	if (c->nr_ents == THAW_ENT_MAX) {
		ret = flush_batch(c);
		if (ret)
			return ret;
	}
	e = &c->ents[c->nr_ents++];
	e->vaddr = r->start;
	e->len = r->end - r->start;
	e->in_parent = true;
	e->shared = false;
	return 0;
}

static int queue_data(struct thaw_copier *c, unsigned long start, unsigned long end,
		      bool shared)
{
	struct thaw_entry *e;
	size_t chunk;
	int ret;

	while (start < end) {
		if (c->fill == THAW_BUF_SIZE || c->nr_iov == THAW_IOV_MAX ||
		    c->nr_ents == THAW_ENT_MAX) {
			ret = flush_batch(c);
			if (ret)
				return ret;
		}
		chunk = THAW_BUF_SIZE - c->fill;
		if (chunk > end - start)
			chunk = end - start;
		c->remote[c->nr_iov].iov_base = (void *)start;
		c->remote[c->nr_iov].iov_len = chunk;
		c->nr_iov++;
		c->fill += chunk;
		e = &c->ents[c->nr_ents++];
		e->vaddr = start;
		e->len = chunk;
		e->in_parent = false;
		e->shared = shared;
		start += chunk;
	}
	return 0;
}

/* The pages of a probe run that hold data now, each queued. */
static int queue_probe(struct thaw_copier *c, const struct vma_area *vma,
		       const struct pm_run *r)
{
	struct range_set found = RANGE_SET_INIT;
	unsigned int i;
	int ret;

	ret = present_ranges(c->pid, c->plan->pagemap_fd, r->start, r->end,
			     vma->status & VMA_FILE_PRIVATE, &found);
	for (i = 0; !ret && i < found.nr; i++)
		ret = queue_data(c, found.r[i].start, found.r[i].end, false);
	range_set_free(&found);
	return ret;
}

static int queue_plan(struct thaw_copier *c, const struct vma_list *vmas)
{
	const struct mem_plan *plan = c->plan;
	unsigned int i;
	int ret = 0;

	for (i = 0; i < plan->nr && !ret; i++) {
		const struct pm_run *r = &plan->runs[i];

		if (r->in_parent)
			ret = queue_parent(c, r);
		else if (r->probe)
			ret = queue_probe(c, &vmas->vmas[r->vma], r);
		else
			ret = queue_data(c, r->start, r->end, r->shared);
	}
	return ret ? ret : flush_batch(c);
}

static struct thaw_copier *copier_new(struct dump_ctx *dc, const struct mem_plan *plan)
{
	struct thaw_copier *c;

	c = calloc(1, sizeof(*c));
	if (!c)
		return NULL;
	c->buf = mmap(NULL, THAW_BUF_SIZE, PROT_READ | PROT_WRITE,
		      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (c->buf == MAP_FAILED) {
		free(c);
		return NULL;
	}
	c->pid = dc->pid;
	c->plan = plan;
	c->fault_pending = fault_injected(FI_PRE_DUMP_UNREADABLE);
	return c;
}

static void copier_free(struct thaw_copier *c)
{
	munmap(c->buf, THAW_BUF_SIZE);
	free(c);
}

int write_pages_thawed(struct dump_ctx *dc, const struct vma_list *vmas,
		       struct mem_plan *plan, struct mem_dump_stats *st,
		       struct range_set *unread)
{
	uint64_t t0 = stats_now_us();
	struct thaw_copier *c;
	struct page_xfer xfer;
	int ret;

	if (!plan->held) {
		pr_err("Pid %d: its pages can't be copied after it ran again\n", dc->pid);
		return -EINVAL;
	}
	c = copier_new(dc, plan);
	if (!c) {
		pr_err("No memory for the page copy buffer of pid %d\n", dc->pid);
		return -ENOMEM;
	}
	c->unread = unread;
	c->st = st;
	ret = page_xfer_open(&xfer, dc);
	if (ret)
		goto out;
	c->xfer = &xfer;
	ret = queue_plan(c, vmas);
	if (!ret)
		ret = xfer.ops->close(&xfer);
	else
		xfer.ops->abort(&xfer);
	range_set_normalize(unread);
	if (!ret)
		pr_info("Dumped %llu pages, %llu in parent, of %llu scanned in pid %d "
			"after it ran again (%s); %lu bytes unreadable by then\n",
			(unsigned long long)st->pages_written,
			(unsigned long long)st->pages_in_parent,
			(unsigned long long)st->pages_scanned, dc->pid, xfer.ops->name,
			range_set_bytes(unread));
out:
	copier_free(c);
	st->memwrite_us += stats_now_us() - t0;
	return ret;
}
