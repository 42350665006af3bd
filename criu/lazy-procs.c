// SPDX-License-Identifier: GPL-2.0
/*
 * The lazy-pages daemon's view of one restored process: which of its
 * pages are still only in the images, kept up to date with what the
 * process does to its memory (the userfaultfd's events, as CRIU's daemon
 * handles them), and the copies into it.
 *
 * A fault on a page the images hold gets that page (and those after it,
 * up to LAZY_FAULT_PAGES); a fault on any other page
 * of a registered area gets a zero page, which is what the process had
 * there. mremap() moves the pending pages with the area, munmap() and
 * madvise(MADV_DONTNEED) drop them (the memory is gone or reads as
 * zeros), fork() gives the child its own list: what the parent still
 * lacks, the child lacks too.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/userfaultfd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "lazy-daemon.h"
#include "log.h"
#include "vma.h"

static const char *who(const struct lazy_proc *p, char *buf, size_t len)
{
	if (p->pid)
		snprintf(buf, len, "pid %d", p->pid);
	else
		snprintf(buf, len, "a child of pid %d", p->parent);
	return buf;
}

#define WHO(p)	who(p, (char[48]){ 0 }, 48)

static int reserve(struct lazy_proc *p, unsigned int nr)
{
	struct page_range *n;
	unsigned int cap = p->cap ? p->cap : 16;

	if (nr <= p->cap)
		return 0;
	while (cap < nr)
		cap *= 2;
	n = realloc(p->r, cap * sizeof(*n));
	if (!n)
		return -ENOMEM;
	p->r = n;
	p->cap = cap;
	return 0;
}

struct lazy_proc *lazy_proc_new(pid_t pid, int uffd, const struct pagemap_set *lazy,
				const struct pagemap_set *src)
{
	struct lazy_proc *p = calloc(1, sizeof(*p));
	unsigned int i;

	if (!p)
		return NULL;
	p->pid = pid;
	p->uffd = uffd;
	p->pidfd = -1;
	p->src = src;
	p->img_pid = pid;
	p->ps_sk = -1;
	if (reserve(p, lazy->nr + 1)) {
		free(p);
		return NULL;
	}
	memcpy(p->r, lazy->ranges, lazy->nr * sizeof(*p->r));
	p->nr = lazy->nr;
	for (i = 0; i < p->nr; i++) {
		p->pending += p->r[i].len / PAGE_SIZE;
		p->holes += !p->r[i].len;
	}
	return p;
}

struct lazy_proc *lazy_proc_fork(const struct lazy_proc *parent, int uffd)
{
	struct pagemap_set pending = { .ranges = parent->r, .nr = parent->nr };
	struct lazy_proc *p = lazy_proc_new(0, uffd, &pending, parent->src);

	if (p) {
		p->parent = parent->pid ? parent->pid : parent->parent;
		p->img_pid = parent->img_pid;
		p->ps_sk = parent->ps_sk;
	}
	return p;
}

void lazy_proc_free(struct lazy_proc *p)
{
	if (!p)
		return;
	if (p->uffd >= 0)
		close(p->uffd);
	if (p->pidfd >= 0)
		close(p->pidfd);
	free(p->r);
	free(p->retry);
	free(p);
}

unsigned long lazy_proc_pending(const struct lazy_proc *p)
{
	return p->pending;
}

void lazy_proc_gone(struct lazy_proc *p, const char *why)
{
	if (p->dead)
		return;
	pr_info("%s is gone (%s): %lu pages it no longer needs\n", WHO(p), why,
		lazy_proc_pending(p));
	p->dead = true;
	p->nr = p->holes = p->first = 0;
	p->pending = 0;
	p->nr_retry = 0;
}

/* The range that holds @addr, or -1. */
static int find_range(const struct lazy_proc *p, unsigned long addr)
{
	unsigned int lo = 0, hi = p->nr;

	while (lo < hi) {
		unsigned int mid = lo + (hi - lo) / 2;
		const struct page_range *r = &p->r[mid];

		if (addr < r->vaddr)
			hi = mid;
		else if (addr >= r->vaddr + r->len)
			lo = mid + 1;
		else
			return mid;
	}
	return -1;
}

/* The holes squeezed out, once they are the most of the array. */
static void compact(struct lazy_proc *p, bool always)
{
	unsigned int i, n = 0;

	if (!p->holes || (!always && (p->holes < 1024 || p->holes < p->nr / 2)))
		return;
	for (i = 0; i < p->nr; i++)
		if (p->r[i].len)
			p->r[n++] = p->r[i];
	p->nr = n;
	p->holes = p->first = 0;
}

/*
 * The first range that ends above @addr. Holes keep the address where
 * their range ended, so the ends stay sorted and a binary search holds.
 */
static unsigned int first_ending_above(const struct lazy_proc *p, unsigned long addr)
{
	unsigned int lo = 0, hi = p->nr;

	while (lo < hi) {
		unsigned int mid = lo + (hi - lo) / 2;

		if (p->r[mid].vaddr + p->r[mid].len <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* Take [@start, @end) out of the pending ranges; the pieces cut out go to @out. */
static int cut(struct lazy_proc *p, unsigned long start, unsigned long end,
	       struct pagemap_set *out)
{
	unsigned int i;
	int ret;

	/* nothing to take: an empty piece would become a hole nobody counted */
	if (start >= end)
		return 0;
	for (i = first_ending_above(p, start); i < p->nr && p->r[i].vaddr < end; i++) {
		struct page_range *r = &p->r[i];
		unsigned long rs = r->vaddr, re = r->vaddr + r->len;
		unsigned long s, e;

		if (!r->len)
			continue;
		s = rs > start ? rs : start;
		e = re < end ? re : end;
		if (out) {
			struct page_range piece = { s, e - s, r->off + (s - rs), r->src };
			struct page_range *n;

			if (out->nr == out->cap) {
				out->cap = out->cap ? out->cap * 2 : 8;
				n = realloc(out->ranges, out->cap * sizeof(*n));
				if (!n)
					return -ENOMEM;
				out->ranges = n;
			}
			out->ranges[out->nr++] = piece;
		}
		p->pending -= (e - s) / PAGE_SIZE;
		if (s > rs && e < re) {
			/* the middle goes: split in two */
			ret = reserve(p, p->nr + 1);
			if (ret)
				return ret;
			r = &p->r[i];
			memmove(r + 2, r + 1, (p->nr - i - 1) * sizeof(*r));
			p->nr++;
			r[1].vaddr = e;
			r[1].len = re - e;
			r[1].off = r->off + (e - rs);
			r[1].src = r->src;
			r->len = s - rs;
			i++;
		} else if (s > rs) {
			r->len = s - rs;
		} else if (e < re) {
			r->off += e - rs;
			r->vaddr = e;
			r->len = re - e;
		} else {
			/* a hole where it ended: see first_ending_above() */
			r->vaddr = re;
			r->len = 0;
			p->holes++;
		}
	}
	compact(p, false);
	return 0;
}

static int cmp_range(const void *a, const void *b)
{
	const struct page_range *x = a, *y = b;

	return x->vaddr < y->vaddr ? -1 : x->vaddr > y->vaddr;
}

/* mremap(): the pending pages of [@from, @from + @len) now live at @to. */
static int move_pending(struct lazy_proc *p, unsigned long from, unsigned long to,
			unsigned long len)
{
	struct pagemap_set moved = {};
	unsigned int i;
	int ret;

	ret = cut(p, from, from + len, &moved);
	if (!ret)
		ret = cut(p, to, to + len, NULL);	/* never pending: a fresh place */
	if (!ret)
		ret = reserve(p, p->nr + moved.nr);
	/* the sort must not meet a hole at the address of a range */
	compact(p, true);
	for (i = 0; !ret && i < moved.nr; i++) {
		moved.ranges[i].vaddr += to - from;
		p->r[p->nr++] = moved.ranges[i];
		p->pending += moved.ranges[i].len / PAGE_SIZE;
	}
	if (!ret)
		qsort(p->r, p->nr, sizeof(*p->r), cmp_range);
	free(moved.ranges);
	return ret;
}

/*
 * Pending pages from @addr (inside range @i) on, through the ranges that
 * follow without a gap, up to @max.
 */
static unsigned long run_pages(const struct lazy_proc *p, unsigned int i, unsigned long addr,
			       unsigned long max)
{
	unsigned long end = addr, limit = addr + max * PAGE_SIZE;

	for (; i < p->nr && end < limit; i++) {
		const struct page_range *r = &p->r[i];

		if (!r->len)
			continue;
		if (r->vaddr > end)
			break;
		end = r->vaddr + r->len;
	}
	return ((end < limit ? end : limit) - addr) / PAGE_SIZE;
}

/*
 * The data of [@addr, @addr + @len) into @buf, range by range from @i:
 * a pread for each local piece, and one round trip to the page server for
 * all the remote ones.
 */
static int fill(struct lazy_proc *p, unsigned int i, unsigned long addr, unsigned long len,
		char *buf)
{
	struct lazy_get gets[LAZY_BUF_PAGES];
	unsigned long done = 0;
	unsigned int ngets = 0;

	for (; done < len && i < p->nr; i++) {
		const struct page_range *r = &p->r[i];
		unsigned long a = addr + done, n, off;

		if (!r->len)
			continue;
		n = r->vaddr + r->len - a;
		if (n > len - done)
			n = len - done;
		off = r->off + (a - r->vaddr);
		if (r->src == PAGES_SRC_REMOTE) {
			gets[ngets++] = (struct lazy_get){ off, n / PAGE_SIZE, buf + done };
		} else if (pread(p->src->pages_fds[r->src], buf + done, n, off) != (ssize_t)n) {
			pr_perror("%s: short read of pages at %lu for %lx", WHO(p), off, a);
			return -EIO;
		}
		done += n;
	}
	if (!ngets)
		return 0;
	return lazy_remote_get_many(p->ps_sk, p->img_pid, gets, ngets);
}

static long copy_pages(struct lazy_proc *p, int i, unsigned long addr,
		       unsigned long npages, char *buf);

/*
 * A copy of several pages failed on one of them: each page on its own,
 * so that one page there already (EEXIST) or an area split since the
 * restore (ENOENT) costs one failed copy, not one per page after it.
 */
static long copy_singly(struct lazy_proc *p, unsigned long addr, unsigned long npages,
			char *buf)
{
	unsigned long k, done = 0;
	long ret;
	int i;

	for (k = 0; k < npages; k++) {
		i = find_range(p, addr + k * PAGE_SIZE);
		if (i < 0)
			continue;
		ret = copy_pages(p, i, addr + k * PAGE_SIZE, 1, buf);
		if (ret < 0)
			return done ? (long)done : ret;
		done += ret;
	}
	return done;
}

/*
 * Copy @npages pending pages at @addr (inside range @i, and on through
 * the ranges after it, as run_pages() found them). Pages copied, or
 * -EAGAIN (the address space is changing: events first), -ESRCH (it
 * exited), -errno.
 */
static long copy_pages(struct lazy_proc *p, int i, unsigned long addr,
		       unsigned long npages, char *buf)
{
	unsigned long len = npages * PAGE_SIZE;
	struct uffdio_copy uc = { .dst = addr, .src = (unsigned long)buf, .len = len };
	int ret;

	ret = fill(p, i, addr, len, buf);
	if (ret)
		return ret;
	if (ioctl(p->uffd, UFFDIO_COPY, &uc) == 0) {
		ret = cut(p, addr, addr + len, NULL);
		p->copied += npages;
		return ret ? ret : (long)npages;
	}
	ret = -errno;
	if (uc.copy > 0 && uc.copy < (long)len) {
		/* part of it went in */
		len = uc.copy & ~(PAGE_SIZE - 1);
		p->copied += len / PAGE_SIZE;
		return cut(p, addr, addr + len, NULL) ?: (long)(len / PAGE_SIZE);
	}
	switch (ret) {
	case -EAGAIN:
	case -ESRCH:
		return ret;
	case -EEXIST:
		/* one of them is there already: one page at a time then */
		if (npages > 1)
			return copy_singly(p, addr, npages, buf);
		return cut(p, addr, addr + PAGE_SIZE, NULL) ?: 1;
	case -ENOENT:
		/*
		 * The range must lie in one registered area: one split since
		 * (mprotect sends no event), or two areas side by side, fail
		 * it whole. Page by page, only a page of no registered area is
		 * left out, as its unmap event says.
		 */
		if (npages > 1)
			return copy_singly(p, addr, npages, buf);
		pr_warn("%s: no registered area at %lx any more\n", WHO(p), addr);
		return cut(p, addr, addr + len, NULL) ?: (long)npages;
	}
	pr_err("%s: UFFDIO_COPY of %lu pages at %lx failed: %s\n", WHO(p), npages, addr,
	       strerror(-ret));
	return ret;
}

static int zero_page(struct lazy_proc *p, unsigned long addr)
{
	struct uffdio_zeropage z = { .range = { .start = addr, .len = PAGE_SIZE } };

	if (ioctl(p->uffd, UFFDIO_ZEROPAGE, &z) == 0) {
		p->zeroed++;
		return 0;
	}
	if (errno == EEXIST)
		return 0;
	if (errno == EAGAIN || errno == ESRCH)
		return -errno;
	pr_err("%s: fault at %lx outside the areas registered for it: %m\n", WHO(p), addr);
	return -EFAULT;
}

/* The faulting thread waits until its page is there. */
static int serve_fault(struct lazy_proc *p, unsigned long addr, char *buf)
{
	unsigned long n;
	long ret;
	int i;

	addr &= ~(PAGE_SIZE - 1);
	i = find_range(p, addr);
	if (i < 0) {
		ret = zero_page(p, addr);
	} else {
		n = run_pages(p, i, addr, LAZY_FAULT_PAGES);
		ret = copy_pages(p, i, addr, n, buf);
	}
	if (ret == -EAGAIN) {
		unsigned long *r = p->retry;

		if (p->nr_retry == p->cap_retry) {
			p->cap_retry = p->cap_retry ? p->cap_retry * 2 : 16;
			r = realloc(p->retry, p->cap_retry * sizeof(*r));
			if (!r)
				return -ENOMEM;
			p->retry = r;
		}
		p->retry[p->nr_retry++] = addr;
		return 0;
	}
	if (ret == -ESRCH) {
		lazy_proc_gone(p, "exited");
		return 0;
	}
	return ret < 0 ? ret : 0;
}

int lazy_proc_handle(struct lazy_proc *p, const struct uffd_msg *m, char *buf,
		     struct lazy_proc **child)
{
	char why[160];

	*child = NULL;
	if (lazy_event_check(m, why, sizeof(why))) {
		pr_err("%s: %s\n", WHO(p), why);
		return -EINVAL;
	}
	switch (m->event) {
	case UFFD_EVENT_PAGEFAULT:
		p->faults++;
		return serve_fault(p, m->arg.pagefault.address, buf);
	case UFFD_EVENT_FORK:
		*child = lazy_proc_fork(p, (int)m->arg.fork.ufd);
		if (!*child) {
			close((int)m->arg.fork.ufd);
			return -ENOMEM;
		}
		pr_info("%s forked: the child misses %lu pages\n", WHO(p), lazy_proc_pending(p));
		return 0;
	case UFFD_EVENT_REMAP:
		pr_debug("%s: mremap %llx -> %llx, %llu bytes\n", WHO(p),
			 (unsigned long long)m->arg.remap.from, (unsigned long long)m->arg.remap.to,
			 (unsigned long long)m->arg.remap.len);
		return move_pending(p, m->arg.remap.from, m->arg.remap.to, m->arg.remap.len);
	case UFFD_EVENT_UNMAP:
	case UFFD_EVENT_REMOVE:
		pr_debug("%s: %s %llx-%llx\n", WHO(p),
			 m->event == UFFD_EVENT_UNMAP ? "munmap" : "madvise(DONTNEED)",
			 (unsigned long long)m->arg.remove.start,
			 (unsigned long long)m->arg.remove.end);
		return cut(p, m->arg.remove.start, m->arg.remove.end, NULL);
	}
	pr_err("%s: unexpected userfaultfd event %u\n", WHO(p), m->event);
	return -EINVAL;
}

/* Faults that came while the address space changed, served again. */
static int serve_retries(struct lazy_proc *p, char *buf)
{
	unsigned int i, n = p->nr_retry;
	unsigned long *addrs;
	int ret = 0;

	if (!n)
		return 0;
	addrs = p->retry;
	p->retry = NULL;
	p->nr_retry = p->cap_retry = 0;
	for (i = 0; i < n && !ret && !p->dead; i++)
		ret = serve_fault(p, addrs[i], buf);
	free(addrs);
	return ret;
}

int lazy_proc_events(struct lazy_proc *p, char *buf, struct lazy_proc **child)
{
	struct uffd_msg m;
	ssize_t n;
	int ret;

	*child = NULL;
	while (!p->dead && !*child) {
		n = read(p->uffd, &m, sizeof(m));
		if (n < 0 && errno == EAGAIN)
			break;
		if (n != sizeof(m)) {
			pr_perror("%s: read of its userfaultfd (%zd)", WHO(p), n);
			return -EIO;
		}
		ret = lazy_proc_handle(p, &m, buf, child);
		if (ret)
			return ret;
	}
	return serve_retries(p, buf);
}

long lazy_proc_push(struct lazy_proc *p, char *buf, unsigned long max)
{
	long ret;

	ret = serve_retries(p, buf);
	if (ret)
		return ret;
	if (p->dead || !p->pending || !max)
		return 0;	/* UFFDIO_COPY of nothing is EINVAL */
	while (p->first < p->nr && !p->r[p->first].len)
		p->first++;
	if (max > LAZY_BUF_PAGES)
		max = LAZY_BUF_PAGES;
	ret = copy_pages(p, p->first, p->r[p->first].vaddr,
			 run_pages(p, p->first, p->r[p->first].vaddr, max), buf);
	if (ret == -EAGAIN)
		return 0;
	if (ret == -ESRCH) {
		lazy_proc_gone(p, "exited");
		return 0;
	}
	return ret;
}
