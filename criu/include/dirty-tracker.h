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
 * A tracker works on one address space (mm): a track_target and a
 * track_state describe one, and tasks that share an mm share them. All a
 * tracker keeps about a target lives in its track_state (across criu
 * invocations) or in its own locals (within one call): never in
 * file-scope variables, so criu may track many address spaces at once.
 *
 * Trackers are built in (criu/tracker-*.c) or registered by a plugin
 * (criu_plugin_init() of a shared object loaded with --libdir, see
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

struct track_state;

/* What add_holes() counts as a hole, besides a page neither present nor swapped. */
#define TRACK_HOLE_SWAPPED	(1U << 0)	/* a page in swap */
#define TRACK_HOLE_ZERO		(1U << 1)	/* a page mapping the shared zero page */

/*
 * The stopped target as a tracker sees it: one address space, reached
 * through one of its tasks. Calls into it go through the function
 * pointers, so a plugin links against nothing of criu for them.
 */
struct track_target {
	pid_t pid;			/* a task of the address space */
	const struct track_area *areas;	/* sorted by address */
	unsigned int nr_areas;
	int pagemap;			/* /proc/PID/pagemap, open for reading */

	/* Run a system call inside the target; raw result in *ret. 0 or -errno. */
	int (*syscall)(struct track_target *t, long nr, long *ret,
		       unsigned long a1, unsigned long a2, unsigned long a3,
		       unsigned long a4, unsigned long a5, unsigned long a6);
	/*
	 * The same, for a call that must succeed: a failure to inject or a
	 * -errno result is logged, naming @what and the pid, and returned.
	 */
	int (*call)(struct track_target *t, const char *what, long nr, long *ret,
		    unsigned long a1, unsigned long a2, unsigned long a3,
		    unsigned long a4);
	/* A page inside the target for arguments of injected calls. */
	unsigned long scratch;
	size_t scratch_size;
	int (*write_mem)(struct track_target *t, unsigned long addr,
			 const void *buf, size_t len);
	int (*read_mem)(struct track_target *t, unsigned long addr,
			void *buf, size_t len);
	/* A duplicate, in criu, of the target's descriptor @fd, or -errno. */
	int (*get_fd)(struct track_target *t, int fd);

	/*
	 * A descriptor a tracker keeps open inside the target between criu
	 * invocations ("parked"): its session with the kernel must outlive
	 * criu, and be dropped with the address space on exec.
	 *
	 * park_fd() moves the target's descriptor @fd to a high number, out
	 * of the way of the program's own (from 1000 up, or in the top
	 * eighth below a lower RLIMIT_NOFILE; where it is if that is full),
	 * close-on-exec, and records in @st which file it is: number,
	 * device and inode (st->target_*). On error @fd is closed. 0 or
	 * -errno.
	 *
	 * parked_fd() gives criu a duplicate of it, if the target still
	 * holds that same file at that number: -ESTALE when it was closed,
	 * replaced by another file (exec, close, dup2) or never parked.
	 * Files are told apart by device and inode, so two opens of one
	 * device node are not: a tracker with such a file checks its
	 * session by other means too.
	 *
	 * unpark_fd() closes it in the target and forgets it (-1 in @st).
	 */
	int (*park_fd)(struct track_target *t, int fd, struct track_state *st);
	int (*parked_fd)(struct track_target *t, const struct track_state *st);
	int (*unpark_fd)(struct track_target *t, struct track_state *st);

	/*
	 * Add to @out the holes of [@start, @end): pages neither present
	 * nor swapped, and those @flags (TRACK_HOLE_*) name. A page dropped
	 * since the last pass is such a hole: trackers that can't see a
	 * drop report them all, and the dumper finds them empty. 0 or -errno.
	 */
	int (*add_holes)(struct track_target *t, unsigned long start,
			 unsigned long end, unsigned int flags,
			 struct range_set *out);

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
	 * The descriptor park_fd() left inside the target (-1: none), and
	 * the file it is. The dump skips it: it is not the application's
	 * and must not come back on restore.
	 */
	int target_fd;
	uint64_t target_dev, target_ino;
	char data[TRACK_STATE_MAX];	/* the tracker's own, text, one line */
};

struct dirty_tracker {
	const char *name;
	/* What the tracker costs and needs, for --help and check. */
	const char *summary;
	/*
	 * Rank for --dirty-tracker=auto: the highest that works here is
	 * chosen, the first registered among equals; below 0, never by auto
	 * (only by name). The built-in trackers and ooh take the
	 * TRACK_PRIO_* values below; a plugin ranks itself among them.
	 */
	int priority;
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
	/*
	 * Optional pair (both or neither), for a pre-dump that copies the
	 * pages after the target runs again: begin tracking with only
	 * what needs the target stopped, so that the stop does not grow
	 * with the memory.
	 *
	 * start_unarmed() is start() with every page left counted as
	 * written (a collect() now would report them all). arm() then
	 * re-arms the areas of @t while the target runs: criu calls it
	 * after the target was released and before it reads any page, so
	 * a write that comes before a page is armed is in the copy, and
	 * one after it is reported by the next collect(). No injected
	 * calls (the target runs). An area arm() cannot reach (unmapped or
	 * replaced since) stays counted as written. 0 or -errno.
	 */
	int (*start_unarmed)(struct track_target *t, struct track_state *st);
	int (*arm)(struct track_target *t, struct track_state *st);
};

#define TRACK_PRIO_OOH		300
#define TRACK_PRIO_PAGEMAP_SCAN	200
#define TRACK_PRIO_SOFT_DIRTY	100
#define TRACK_PRIO_NONE		0

/* Register a tracker by its name. 0, -EEXIST, -ENOSPC or -EINVAL. */
int register_dirty_tracker(const struct dirty_tracker *tr);

#endif /* CRIU_DIRTY_TRACKER_H */
