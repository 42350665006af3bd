/* SPDX-License-Identifier: GPL-2.0 */
#ifndef CRIU_LAYOUT_READER_H
#define CRIU_LAYOUT_READER_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "vma.h"
#include "vma-iter.h"

struct vmflags_bpf;

/*
 * The areas' VmFlags from the BPF iterator, or from /proc/PID/smaps read
 * by a thread, and numa_maps by another, while the stopped process is
 * dumped (layout-reader.c).
 */
struct layout_reader {
	pthread_t smaps_thread, numa_thread;
	bool smaps_running, numa_running;	/* threads started, not joined */
	pid_t pid;
	int smaps_ret, numa_ret;	/* 0, or -errno (-EOPNOTSUPP: refused, said why) */
	uint64_t start_us;
	uint64_t smaps_us, numa_us;	/* when each thread was done */
	unsigned long skip_start, skip_end;	/* criu's scratch area, if mapped meanwhile */
	struct vma_list smaps;
	struct vmflags_bpf *vb;		/* the iterator's areas are in @raw */
	struct vma_raw *raw;
	unsigned int nr_raw;
	uint64_t bpf_us;		/* how long the iterator took */
};

/*
 * Read the areas of @pid with the iterator of @vb (unless NULL), or
 * start reading its smaps; and its numa_maps if @numa_maps. @pid must
 * stay stopped until the join.
 */
int layout_reader_start(struct layout_reader *lr, pid_t pid, bool numa_maps,
			struct vmflags_bpf *vb);
/*
 * The scratch area criu mapped while the thread may have been reading:
 * the join leaves it out of what smaps showed.
 */
void layout_reader_skip(struct layout_reader *lr, unsigned long start, unsigned long end);
/*
 * Wait for it; the areas must be those of @vmas (read from maps at the
 * start of the dump): their VmFlags go into @vmas. When the iterator's
 * areas cannot give them (a bit it does not know, another layout),
 * smaps is read then. 0, or -errno with a message when smaps could not
 * be read or shows another layout.
 */
int layout_reader_finish(struct layout_reader *lr, struct vma_list *vmas);
/* Wait for it and drop what it read (a dump that fails). */
void layout_reader_cancel(struct layout_reader *lr);

#endif /* CRIU_LAYOUT_READER_H */
