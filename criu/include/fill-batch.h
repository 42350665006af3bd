/* SPDX-License-Identifier: GPL-2.0 */
#ifndef CRIU_FILL_BATCH_H
#define CRIU_FILL_BATCH_H

#include <stddef.h>
#include <sys/types.h>
#include <sys/uio.h>

/*
 * Small page ranges written into a task by criu itself (fill-batch.c):
 * read from the pages images into a buffer, then one process_vm_writev()
 * per batch.
 */
#define FILL_BATCH_IOV		1024
#define FILL_BATCH_BYTES	(8UL << 20)

struct fill_batch {
	pid_t pid;
	char *buf;			/* FILL_BATCH_BYTES, allocated on first use */
	size_t used;
	unsigned int nr;
	struct iovec local[FILL_BATCH_IOV], remote[FILL_BATCH_IOV];
	unsigned long written;		/* bytes, for the log */
	unsigned int writes;		/* process_vm_writev() calls */
};

void fill_batch_init(struct fill_batch *b, pid_t pid);
/* Queue @len bytes at @off of criu's @fd for @addr in the task; 0 or -errno. */
int fill_batch_add(struct fill_batch *b, int fd, unsigned long addr, size_t len, off_t off);
/* Write what is queued into the task; 0 or -errno. */
int fill_batch_flush(struct fill_batch *b);
void fill_batch_fini(struct fill_batch *b);

#endif /* CRIU_FILL_BATCH_H */
