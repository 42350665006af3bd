/* SPDX-License-Identifier: GPL-2.0 */
#ifndef CRIU_PLUGIN_H
#define CRIU_PLUGIN_H

/*
 * The interface of criu-ooh plugins. A plugin is a shared object in the
 * plugin folder (--libdir DIR, or $CRIU_LIBS_DIR, or the default) that
 * exports criu_plugin_init(). criu calls it once at start with the API
 * below; the plugin registers what it provides and returns 0.
 */

#include "dirty-tracker.h"

#define CRIU_PLUGIN_API_VERSION	1

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
