/* SPDX-License-Identifier: GPL-2.0 */
#ifndef CRIU_DIRTY_TRACKER_H
#define CRIU_DIRTY_TRACKER_H

/*
 * Dirty-page trackers: which pages of a process were written since the
 * tracker was last asked. The memory dumper asks instead of copying
 * every page; a page the tracker reports clean and that the parent
 * image chain holds is recorded "in parent" and not copied again.
 *
 * The rule for every tracker: reporting a page that was not written is
 * allowed (the dump only grows); missing one that was is data loss.
 * "Written" includes dropped: a page discarded since (MADV_DONTNEED,
 * an area unmapped and mapped again) must be reported too, since the
 * dumper asks only reported pages whether they still hold data.
 * When a tracker cannot be sure (its context was lost, a log
 * overflowed, the process exec'd) it returns -ESTALE from collect() and
 * the dump copies every present page.
 *
 * Trackers are built in (criu/tracker-*.c) or registered by a plugin
 * (criu_plugin_init() of a shared object loaded with --lib, see
 * criu-plugin.h); this header is all a plugin needs.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "range-set.h"

/* The areas of the target that hold pages a dump may copy. */
struct track_area {
	unsigned long start, end;
	bool shared;			/* MAP_SHARED anonymous: shmem */
};

/*
 * The stopped target as a tracker sees it. Calls into it go through
 * the function pointers, so a plugin links against nothing of criu.
 */
struct track_target {
	pid_t pid;
	const struct track_area *areas;	/* sorted by address */
	unsigned int nr_areas;

	/* Run a system call inside the target; raw result in *ret. 0 or -errno. */
	int (*syscall)(struct track_target *t, long nr, long *ret,
		       unsigned long a1, unsigned long a2, unsigned long a3,
		       unsigned long a4, unsigned long a5, unsigned long a6);
	/* A page inside the target for arguments of injected calls. */
	unsigned long scratch;
	size_t scratch_size;
	int (*write_mem)(struct track_target *t, unsigned long addr,
			 const void *buf, size_t len);
	int (*read_mem)(struct track_target *t, unsigned long addr,
			void *buf, size_t len);
	/* A duplicate, in criu, of the target's descriptor @fd, or -errno. */
	int (*get_fd)(struct track_target *t, int fd);
	void *criu_priv;		/* criu's own context: do not touch */
};

/*
 * What a tracker keeps between criu invocations (a pre-dump, the next
 * pre-dump, the final dump). It is saved in the image folder and handed
 * back, from the parent folder, to the next invocation.
 */
#define TRACK_STATE_MAX	256
struct track_state {
	char tracker[32];		/* name of the tracker that wrote it */
	pid_t pid;			/* the tracked process */
	uint64_t generation;		/* collects done so far */
	/*
	 * A descriptor the tracker keeps open inside the target between
	 * invocations (-1: none). The dump skips it: it is not the
	 * application's and must not come back on restore.
	 */
	int target_fd;
	char data[TRACK_STATE_MAX];	/* the tracker's own, text, one line */
};

struct dirty_tracker {
	const char *name;
	/* What the tracker costs and needs, for --help and check. */
	const char *summary;
	/*
	 * Can it work on this machine? 0, or -errno with a reason in @why
	 * (one line, no newline).
	 */
	int (*probe)(char *why, size_t len);
	/*
	 * Begin tracking: from now on writes are recorded. Called while the
	 * target is stopped, on a pre-dump or dump without a parent that is
	 * tracked. Fills @st->data with what collect() will need.
	 */
	int (*start)(struct track_target *t, struct track_state *st);
	/*
	 * Add to @dirty every page written since start() or the last
	 * collect(), then re-arm. Areas that were not tracked yet (mapped
	 * after start) are reported whole. -ESTALE: context lost.
	 */
	int (*collect)(struct track_target *t, struct track_state *st,
		       struct range_set *dirty);
	/*
	 * Stop tracking and remove what start() put into the target (the
	 * last dump with --leave-running, or a failed first pre-dump).
	 */
	int (*stop)(struct track_target *t, struct track_state *st);
};

/* Register a tracker by its name. 0, -EEXIST or -EINVAL. */
int register_dirty_tracker(const struct dirty_tracker *tr);

#endif /* CRIU_DIRTY_TRACKER_H */
