// SPDX-License-Identifier: GPL-2.0
/*
 * A shared object in a plugin folder that is no plugin: it lacks
 * criu_plugin_init(). criu must name it and fail.
 */
int criu_plugin_start(void);

int criu_plugin_start(void)
{
	return 0;
}
