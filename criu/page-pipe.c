// SPDX-License-Identifier: GPL-2.0
/*
 * Capturing pages into pipes while the target is stopped (see
 * page-pipe.h). Each pipe is created inside the target by an injected
 * pipe2(); criu takes a duplicate of its reading end with pidfd_getfd()
 * and the target fills it with one injected vmsplice() per batch of up
 * to IOV_BATCH ranges, whose iovecs sit in the scratch pages. The
 * target's ends are closed again before it runs, so it keeps no trace.
 *
 * A pipe holds at most /proc/sys/fs/pipe-max-size bytes (1 MiB unless
 * criu may raise it), so larger dumps use several pipes.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <unistd.h>

#include "compel.h"
#include "dump.h"
#include "image.h"
#include "infect.h"
#include "log.h"
#include "mem.h"
#include "page-pipe.h"
#include "page-xfer.h"
#include "vma.h"

#define PIPE_WANTED_SIZE	(1UL << 20)
#define IOV_BATCH		1024

struct capture {
	struct dump_ctx *dc;
	struct page_pipes *pp;
	int pidfd;
	int target_fds[2];		/* the current pipe in the target, or -1 */
	size_t room;			/* bytes the current pipe can still take */
	struct iovec iov[IOV_BATCH];
	unsigned int nr_iov;
	size_t batch_bytes;
};

static int push_pipe(struct page_pipes *pp, int fd)
{
	if (pp->nr == pp->cap) {
		unsigned int cap = pp->cap ? pp->cap * 2 : 64;
		int *fds = realloc(pp->fds, cap * sizeof(*fds));
		size_t *bytes;

		if (!fds)
			return -ENOMEM;
		pp->fds = fds;
		bytes = realloc(pp->bytes, cap * sizeof(*bytes));
		if (!bytes)
			return -ENOMEM;
		pp->bytes = bytes;
		pp->cap = cap;
	}
	pp->fds[pp->nr] = fd;
	pp->bytes[pp->nr] = 0;
	pp->nr++;
	return 0;
}

/* Grow a pipe as far as allowed; returns its capacity in bytes. */
static long grow_pipe(int fd)
{
	long size;

	fcntl(fd, F_SETPIPE_SZ, PIPE_WANTED_SIZE);
	size = fcntl(fd, F_GETPIPE_SZ);
	if (size < 0)
		pr_perror("F_GETPIPE_SZ");
	return size;
}

static int close_target_pipe(struct capture *c)
{
	long ret;
	int i, err = 0;

	for (i = 0; i < 2; i++) {
		if (c->target_fds[i] < 0)
			continue;
		ret = infect_syscall(c->dc, "close of a page pipe", __NR_close,
				     c->target_fds[i], 0, 0, 0, 0, 0);
		if (ret)
			err = -EIO;
		c->target_fds[i] = -1;
	}
	c->room = 0;
	return err;
}

static int open_target_pipe(struct capture *c)
{
	int fds[2], local, ret;
	long size, res;

	res = infect_syscall(c->dc, "pipe2 for pages", __NR_pipe2, c->dc->scratch,
			     O_CLOEXEC, 0, 0, 0, 0);
	if (res)
		return res < 0 ? res : -EIO;
	ret = compel_read_mem(c->dc->pid, c->dc->scratch, fds, sizeof(fds));
	if (ret)
		return ret;
	c->target_fds[0] = fds[0];
	c->target_fds[1] = fds[1];
	local = syscall(SYS_pidfd_getfd, c->pidfd, fds[0], 0);
	if (local < 0) {
		pr_perror("pidfd_getfd of a page pipe of pid %d", c->dc->pid);
		return -errno;
	}
	size = grow_pipe(local);
	if (size <= 0 || push_pipe(c->pp, local)) {
		close(local);
		return -ENOMEM;
	}
	c->room = size;
	return 0;
}

/* vmsplice() the batched iovecs inside the target. */
static int flush_batch(struct capture *c)
{
	unsigned long remote_iov = c->dc->scratch + PAGE_SIZE;
	struct iovec *iov = c->iov;
	unsigned int nr = c->nr_iov;
	long ret;
	int err;

	while (nr) {
		err = compel_write_mem(c->dc->pid, remote_iov, iov, nr * sizeof(*iov));
		if (err)
			return err;
		ret = infect_syscall(c->dc, "vmsplice of pages", __NR_vmsplice,
				     c->target_fds[1], remote_iov, nr, 0, 0, 0);
		if (ret <= 0) {
			if (!ret)
				pr_err("vmsplice in pid %d moved nothing\n", c->dc->pid);
			return ret ? ret : -EIO;
		}
		c->pp->bytes[c->pp->nr - 1] += ret;
		c->pp->total += ret;
		/* A short splice: skip what went in and go on. */
		while (nr && (size_t)ret >= iov->iov_len) {
			ret -= iov->iov_len;
			iov++;
			nr--;
		}
		if (nr) {
			iov->iov_base = (char *)iov->iov_base + ret;
			iov->iov_len -= ret;
		}
	}
	c->nr_iov = 0;
	c->batch_bytes = 0;
	return 0;
}

static int add_readable(struct capture *c, unsigned long start, unsigned long end)
{
	int ret;

	while (start < end) {
		size_t len;

		if (!c->room) {
			ret = flush_batch(c);
			if (!ret)
				ret = close_target_pipe(c);
			if (!ret)
				ret = open_target_pipe(c);
			if (ret)
				return ret;
		}
		len = end - start < c->room ? end - start : c->room;
		c->iov[c->nr_iov].iov_base = (void *)start;
		c->iov[c->nr_iov].iov_len = len;
		c->nr_iov++;
		c->batch_bytes += len;
		c->room -= len;
		start += len;
		if (c->nr_iov == IOV_BATCH) {
			ret = flush_batch(c);
			if (ret)
				return ret;
		}
	}
	return 0;
}

/*
 * Pages the target may not read (PROT_NONE after a write) can't be
 * vmsplice()d: criu reads them through /proc/PID/mem into a pipe of
 * its own, in turn with the others so the image keeps plan order.
 */
static int add_unreadable(struct capture *c, unsigned long start, unsigned long end)
{
	char *buf;
	int fds[2], ret;
	long size;

	ret = flush_batch(c);
	if (!ret)
		ret = close_target_pipe(c);
	if (ret)
		return ret;
	buf = malloc(PIPE_WANTED_SIZE);
	if (!buf)
		return -ENOMEM;
	while (start < end && !ret) {
		size_t len = 0;

		if (pipe2(fds, O_CLOEXEC)) {
			ret = -errno;
			break;
		}
		size = grow_pipe(fds[1]);
		ret = -EIO;
		if (size > 0) {
			len = end - start < (size_t)size ? end - start : (size_t)size;
			ret = compel_read_mem(c->dc->pid, start, buf, len);
		}
		if (!ret && (write(fds[1], buf, len) != (ssize_t)len ||
			     push_pipe(c->pp, fds[0])))
			ret = -EIO;
		close(fds[1]);
		if (ret) {
			close(fds[0]);
			break;
		}
		c->pp->bytes[c->pp->nr - 1] = len;
		c->pp->total += len;
		start += len;
	}
	free(buf);
	return ret;
}

int capture_pages(struct dump_ctx *dc, const struct vma_list *vmas,
		  const struct mem_plan *plan, struct page_pipes *pp)
{
	struct capture *c;
	unsigned int i;
	int ret = 0, err;

	memset(pp, 0, sizeof(*pp));
	if (dc->scratch_size < PAGE_SIZE + IOV_BATCH * sizeof(struct iovec)) {
		pr_err("Scratch area of pid %d too small for page capture\n", dc->pid);
		return -EINVAL;
	}
	c = calloc(1, sizeof(*c));
	if (!c)
		return -ENOMEM;
	c->dc = dc;
	c->pp = pp;
	c->target_fds[0] = c->target_fds[1] = -1;
	c->pidfd = dump_pidfd(dc);
	if (c->pidfd < 0) {
		ret = c->pidfd;
		goto out;
	}
	for (i = 0; i < plan->nr && !ret; i++) {
		const struct pm_run *r = &plan->runs[i];

		if (r->in_parent)
			continue;
		if (vmas->vmas[r->vma].prot & PROT_READ)
			ret = add_readable(c, r->start, r->end);
		else
			ret = add_unreadable(c, r->start, r->end);
	}
	if (!ret)
		ret = flush_batch(c);
	close(c->pidfd);
out:
	err = close_target_pipe(c);
	ret = ret ? ret : err;
	free(c);
	if (!ret && pp->total != plan->data_bytes) {
		pr_err("Captured %lu bytes of pid %d, planned %lu\n", pp->total,
		       dc->pid, plan->data_bytes);
		ret = -EIO;
	}
	if (ret)
		free_page_pipes(pp);
	return ret;
}

int flush_page_pipes(struct page_pipes *pp, struct page_xfer *x)
{
	unsigned int i;
	int ret = 0;

	for (i = 0; i < pp->nr && !ret; i++)
		ret = x->ops->splice_data(x, pp->fds[i], pp->bytes[i]);
	return ret;
}

void free_page_pipes(struct page_pipes *pp)
{
	unsigned int i;

	for (i = 0; i < pp->nr; i++)
		close(pp->fds[i]);
	free(pp->fds);
	free(pp->bytes);
	memset(pp, 0, sizeof(*pp));
}
