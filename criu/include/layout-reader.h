/* SPDX-License-Identifier: GPL-2.0 */
#ifndef CRIU_LAYOUT_READER_H
#define CRIU_LAYOUT_READER_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "vma.h"

/*
 * /proc/PID/smaps read by a second thread while the pages of the
 * stopped process are copied (layout-reader.c).
 */
struct layout_reader {
	pthread_t thread;
	pid_t pid;
	bool running;
	int ret;
	uint64_t start_us, done_us;	/* of the thread's reads */
	struct vma_list smaps;
};

/* Start reading smaps of @pid, which must stay stopped until the join. */
int layout_reader_start(struct layout_reader *lr, pid_t pid);
/*
 * Wait for it; the areas must be those of @vmas (read from maps at the
 * start of the dump): their VmFlags go into @vmas. 0, or -errno with a
 * message when smaps could not be read or shows another layout.
 */
int layout_reader_finish(struct layout_reader *lr, struct vma_list *vmas);
/* Wait for it and drop what it read (a dump that fails). */
void layout_reader_cancel(struct layout_reader *lr);

#endif /* CRIU_LAYOUT_READER_H */
