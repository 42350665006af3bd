// SPDX-License-Identifier: GPL-2.0
/*
 * A pre-dump chain leaves its pages in many small ranges: one per page
 * that was written since the image before (262144 ranges for 1 GiB
 * written every other page). Read by the task itself, each costs an
 * injected pread64(), a ptrace round trip of tens of microseconds; the
 * eager restore of such a chain took seconds per GiB. criu holds the
 * same pages files (the pre-opened set the task inherits), so it reads
 * the small ranges into a buffer of its own and writes up to
 * FILL_BATCH_IOV of them into the task with one process_vm_writev().
 * The task's areas are still writable then: their protections are set
 * after the pages are in.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fill-batch.h"
#include "log.h"

void fill_batch_init(struct fill_batch *b, pid_t pid)
{
	b->pid = pid;
	b->buf = NULL;
	b->used = 0;
	b->nr = 0;
	b->written = 0;
	b->writes = 0;
}

int fill_batch_flush(struct fill_batch *b)
{
	size_t want = b->used;
	ssize_t n;

	if (!b->nr)
		return 0;
	n = process_vm_writev(b->pid, b->local, b->nr, b->remote, b->nr, 0);
	if (n < 0 || (size_t)n != want) {
		int err = n < 0 ? -errno : -EIO;

		pr_err("Writing %u page ranges (%zu bytes) into pid %d: %s\n", b->nr, want,
		       b->pid, n < 0 ? strerror(errno) : "short write");
		return err;
	}
	b->written += want;
	b->writes++;
	b->nr = 0;
	b->used = 0;
	return 0;
}

int fill_batch_add(struct fill_batch *b, int fd, unsigned long addr, size_t len, off_t off)
{
	ssize_t n;
	int ret;

	if (len > FILL_BATCH_BYTES)
		return -E2BIG;
	if (b->nr == FILL_BATCH_IOV || b->used + len > FILL_BATCH_BYTES) {
		ret = fill_batch_flush(b);
		if (ret)
			return ret;
	}
	if (!b->buf) {
		b->buf = malloc(FILL_BATCH_BYTES);
		if (!b->buf)
			return -ENOMEM;
	}
	n = pread(fd, b->buf + b->used, len, off);
	if (n != (ssize_t)len) {
		pr_perror("pages image: short read at offset %lld (%zd of %zu bytes)",
			  (long long)off, n, len);
		return n < 0 ? -errno : -EIO;
	}
	b->local[b->nr] = (struct iovec){ b->buf + b->used, len };
	b->remote[b->nr] = (struct iovec){ (void *)addr, len };
	b->nr++;
	b->used += len;
	return 0;
}

void fill_batch_fini(struct fill_batch *b)
{
	if (b->writes)
		pr_info("Pid %d: %lu bytes of small page ranges written in %u batches\n",
			b->pid, b->written, b->writes);
	free(b->buf);
	b->buf = NULL;
}
