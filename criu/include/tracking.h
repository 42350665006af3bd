/* SPDX-License-Identifier: GPL-2.0 */
#ifndef CRIU_TRACKING_H
#define CRIU_TRACKING_H

/*
 * criu's side of the dirty-tracker interface (dirty-tracker.h is the
 * trackers' side): the registry, the choice of a tracker, the state
 * kept in each image folder, and the target handed to trackers.
 */

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
 * The tracker for --dirty-tracker=@name ("auto": the best one that
 * works here: ooh, then pagemap-scan, then soft-dirty, then none).
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

#endif /* CRIU_TRACKING_H */
