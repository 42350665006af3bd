// SPDX-License-Identifier: GPL-2.0
/*
 * The lazy-pages daemon's view of one restored process: which of its
 * pages are still only in the images, kept up to date with what the
 * process does to its memory (the userfaultfd's events, as CRIU's daemon
 * handles them), and the copies into it.
 *
 * A fault on a page the images hold gets that page (and those after it
 * in the same range, up to the copy buffer); a fault on any other page
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
	unsigned long pages = 0;
	unsigned int i;

	for (i = 0; i < p->nr; i++)
		pages += p->r[i].len / PAGE_SIZE;
	return pages;
}

void lazy_proc_gone(struct lazy_proc *p, const char *why)
{
	if (p->dead)
		return;
	pr_info("%s is gone (%s): %lu pages it no longer needs\n", WHO(p), why,
		lazy_proc_pending(p));
	p->dead = true;
	p->nr = 0;
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

/* Take [@start, @end) out of the pending ranges; the pieces cut out go to @out. */
static int cut(struct lazy_proc *p, unsigned long start, unsigned long end,
	       struct pagemap_set *out)
{
	unsigned int i;
	int ret;

	for (i = 0; i < p->nr; i++) {
		struct page_range *r = &p->r[i];
		unsigned long rs = r->vaddr, re = r->vaddr + r->len;
		unsigned long s, e;

		if (re <= start || rs >= end)
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
			memmove(r, r + 1, (p->nr - i - 1) * sizeof(*r));
			p->nr--;
			i--;
		}
	}
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
	for (i = 0; !ret && i < moved.nr; i++) {
		moved.ranges[i].vaddr += to - from;
		p->r[p->nr++] = moved.ranges[i];
	}
	if (!ret)
		qsort(p->r, p->nr, sizeof(*p->r), cmp_range);
	free(moved.ranges);
	return ret;
}

/*
 * Copy @npages pending pages at @addr (inside range @i). Pages copied,
 * or -EAGAIN (the address space is changing: events first), -ESRCH (it
 * exited), -errno.
 */
static long copy_pages(struct lazy_proc *p, int i, unsigned long addr,
		       unsigned long npages, char *buf)
{
	const struct page_range *r = &p->r[i];
	unsigned long len = npages * PAGE_SIZE, off = r->off + (addr - r->vaddr);
	struct uffdio_copy uc = { .dst = addr, .src = (unsigned long)buf, .len = len };
	ssize_t n;
	int ret;

	if (r->src == PAGES_SRC_REMOTE) {
		ret = lazy_remote_get(p->ps_sk, p->img_pid, off, npages, buf);
		if (ret)
			return ret;
	} else {
		n = pread(p->src->pages_fds[r->src], buf, len, off);
		if (n != (ssize_t)len) {
			pr_perror("%s: short read of pages at %lu for %lx", WHO(p), off, addr);
			return -EIO;
		}
	}
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
			return copy_pages(p, i, addr, 1, buf);
		return cut(p, addr, addr + PAGE_SIZE, NULL) ?: 1;
	case -ENOENT:
		/*
		 * The range must lie in one registered area: one split since
		 * (mprotect sends no event) fails it whole. Page by page, only
		 * a page of no registered area is left out, as its unmap
		 * event says.
		 */
		if (npages > 1)
			return copy_pages(p, i, addr, 1, buf);
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
		n = (p->r[i].vaddr + p->r[i].len - addr) / PAGE_SIZE;
		ret = copy_pages(p, i, addr, n < LAZY_BUF_PAGES ? n : LAZY_BUF_PAGES, buf);
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

static int handle_msg(struct lazy_proc *p, const struct uffd_msg *m, char *buf,
		      struct lazy_proc **child)
{
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
		ret = handle_msg(p, &m, buf, child);
		if (ret)
			return ret;
	}
	return serve_retries(p, buf);
}

long lazy_proc_push(struct lazy_proc *p, char *buf, unsigned long max)
{
	unsigned long n;
	long ret;

	ret = serve_retries(p, buf);
	if (ret)
		return ret;
	if (p->dead || !p->nr)
		return 0;
	n = p->r[0].len / PAGE_SIZE;
	ret = copy_pages(p, 0, p->r[0].vaddr, n < max ? n : max, buf);
	if (ret == -EAGAIN)
		return 0;
	if (ret == -ESRCH) {
		lazy_proc_gone(p, "exited");
		return 0;
	}
	return ret;
}
