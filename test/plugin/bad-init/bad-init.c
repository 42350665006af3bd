// SPDX-License-Identifier: GPL-2.0
/*
 * A plugin whose criu_plugin_init() refuses to start, as one would on a
 * machine without what it needs. criu must name it and fail.
 */
#include <errno.h>

#include "criu-plugin.h"

int criu_plugin_init(const struct criu_plugin_api *api)
{
	return -ENODEV;
}
