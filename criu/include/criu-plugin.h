/* SPDX-License-Identifier: GPL-2.0 */
#ifndef CRIU_PLUGIN_H
#define CRIU_PLUGIN_H

/*
 * The interface of criu-ooh plugins. A plugin is a shared object in the
 * plugin folder (--libdir DIR, or $CRIU_LIBS_DIR, or the default) that
 * exports criu_plugin_init(). criu calls it once at start with the API
 * below; the plugin registers what it provides and returns 0.
 *
 * Two parts make up the interface, both covered by
 * CRIU_PLUGIN_API_VERSION:
 *
 * - struct criu_plugin_api, handed to criu_plugin_init(): registration
 *   and the log.
 *
 * - functions of criu that a plugin calls by name: the range sets
 *   (range-set.h, every range_set_* function) and the pagemap walks
 *   (pagemap_scan_walk() and pagemap_read_walk(), pagemap-walk.h). The criu binary exports
 *   exactly these (criu/plugin-api.list, given to the linker), and a
 *   plugin leaves them undefined; dlopen() resolves them at once
 *   (RTLD_NOW), so a plugin built for other entries fails to load with
 *   the missing name. Calling them by name keeps a tracker's code the
 *   same built in or in a plugin.
 *
 * What a tracker does to its target (injection, parked descriptors,
 * holes) goes through the operations of struct track_target instead.
 *
 * Version 2: trackers carry a priority; track_target has pagemap, call,
 * park_fd, parked_fd, unpark_fd and add_holes; track_state has
 * target_dev and target_ino; the exported functions above.
 * Version 3: trackers may have start_unarmed and arm.
 */

#include "dirty-tracker.h"
#include "pagemap-walk.h"
#include "range-set.h"

#define CRIU_PLUGIN_API_VERSION	3

struct criu_plugin_api {
	unsigned int version;		/* CRIU_PLUGIN_API_VERSION */
	int (*register_dirty_tracker)(const struct dirty_tracker *tr);
	/* criu's log, at levels 1 (error) to 4 (debug) */
	void (*log)(int level, const char *fmt, ...)
		__attribute__((format(printf, 2, 3)));
};

/* Exported by every plugin. 0, or -errno to be reported and skipped. */
int criu_plugin_init(const struct criu_plugin_api *api);
typedef int (*criu_plugin_init_t)(const struct criu_plugin_api *api);

#endif /* CRIU_PLUGIN_H */
