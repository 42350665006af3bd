/* SPDX-License-Identifier: GPL-2.0 */
#ifndef CRIU_TRACKING_H
#define CRIU_TRACKING_H

/*
 * criu's side of the dirty-tracker interface (dirty-tracker.h is the
 * trackers' side): the registry, the choice of a tracker, the state
 * kept in each image folder, and the target handed to trackers.
 */

#include <stdbool.h>

#include "dirty-tracker.h"

struct dump_ctx;
struct vma_list;

/*
 * The state file in an image folder: text, "key value" lines; the root's
 * is TRACK_STATE_FILE, another process's TRACK_STATE_FILE-PID.
 */
#define TRACK_STATE_FILE	"dirty-tracker"

void register_builtin_trackers(void);
const struct dirty_tracker *find_dirty_tracker(const char *name);
/*
 * The tracker for --dirty-tracker=@name ("auto": of those that work
 * here, the one with the highest priority, the first registered among
 * equals; none with a negative one).
 * -EOPNOTSUPP with the reason logged when the named one cannot work.
 */
int select_dirty_tracker(const char *name, const struct dirty_tracker **out);
/* Print every tracker and whether it works here (check --feature). */
int report_dirty_trackers(const char *feature);

/* 0, -ENOENT when the folder has no state, or -errno. */
int track_state_load(int dfd, const char *name, struct track_state *st);
int track_state_save(int dfd, const char *name, const struct track_state *st);

/*
 * Describe the seized target @dc to a tracker: the private areas of
 * @vmas (shared memory is always dumped whole), injection and memory
 * access through compel. Free with track_target_fini().
 */
int track_target_init(struct track_target *t, struct dump_ctx *dc,
		      const struct vma_list *vmas);
void track_target_fini(struct track_target *t);
/*
 * Fill in the operations of @t that are built on its basic ones (call,
 * park_fd, parked_fd, unpark_fd, add_holes), for any track_target.
 */
void track_target_set_ops(struct track_target *t);

/*
 * One tracked address space within one criu invocation: its tracker,
 * the state it keeps between invocations, and what it reported. One
 * per mm: tasks that share an mm share it (and its target's pid may be
 * any of them).
 */
struct track_mm {
	pid_t pid;			/* the task it is tracked through */
	const struct dirty_tracker *tracker;	/* NULL: not tracked */
	struct track_state state;
	bool parent_tracked;		/* @state came from the parent folder */
	bool started;			/* start()ed by this invocation */
	bool dirty_valid;		/* @dirty says what changed */
	bool arm_late;			/* the caller copies after release: start unarmed */
	bool unarmed;			/* started unarmed: track_mm_arm() due */
	struct range_set dirty;
};

void track_mm_init(struct track_mm *tm, pid_t pid);
/*
 * The target stopped: collect what changed since the parent (and
 * re-arm) if the parent was tracked, and start tracking when that
 * is not possible and @start. A tracker that lost its context is
 * restarted, and @tm->dirty_valid stays false: copy everything.
 */
int track_mm_collect(struct track_mm *tm, struct track_target *t, bool start);
/*
 * The target running again, before any of its pages is read: arm a
 * tracker that started unarmed. A failure leaves its pages counted as
 * written (logged): nothing is lost, the next dump copies more.
 */
int track_mm_arm(struct track_mm *tm, struct track_target *t);
/* Stop tracking: undo what start() put into the target. */
int track_mm_stop(struct track_mm *tm, struct track_target *t);
/* The descriptor the tracker keeps in the target, for the dump to skip, or -1. */
int track_mm_target_fd(const struct track_mm *tm);
void track_mm_fini(struct track_mm *tm);

#endif /* CRIU_TRACKING_H */
