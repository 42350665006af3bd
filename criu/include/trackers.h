/* SPDX-License-Identifier: GPL-2.0 */
#ifndef CRIU_TRACKERS_H
#define CRIU_TRACKERS_H

/* The dirty-page trackers built into criu (see dirty-tracker.h). */

#include "dirty-tracker.h"

extern const struct dirty_tracker pagemap_scan_tracker;
extern const struct dirty_tracker soft_dirty_tracker;

#endif /* CRIU_TRACKERS_H */
