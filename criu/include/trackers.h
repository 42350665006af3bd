/* SPDX-License-Identifier: GPL-2.0 */
#ifndef CRIU_TRACKERS_H
#define CRIU_TRACKERS_H

/* The dirty-page trackers built into criu (see dirty-tracker.h). */

#include "dirty-tracker.h"

extern const struct dirty_tracker pagemap_scan_tracker;
extern const struct dirty_tracker soft_dirty_tracker;

/*
 * The descriptor number the pagemap-scan tracker keeps open inside the
 * tracked process (its userfaultfd), from the state start() wrote, or
 * -1 when @st is not that tracker's. A dump must not record it as one
 * of the application's files.
 */
int pagemap_scan_target_fd(const struct track_state *st);

#endif /* CRIU_TRACKERS_H */
