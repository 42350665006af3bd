/* SPDX-License-Identifier: GPL-2.0 */
#ifndef CRIU_TRACKERS_H
#define CRIU_TRACKERS_H

#include "dirty-tracker.h"

/* The built-in dirty trackers (criu/tracker-*.c). */
extern const struct dirty_tracker pagemap_scan_tracker;
extern const struct dirty_tracker soft_dirty_tracker;
extern const struct dirty_tracker uffd_tracker;

#endif /* CRIU_TRACKERS_H */
