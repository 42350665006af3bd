/* SPDX-License-Identifier: GPL-2.0 */
#ifndef CRIU_PLUGIN_LOAD_H
#define CRIU_PLUGIN_LOAD_H

/*
 * Load the plugins of @libdir (--libdir), else of $CRIU_LIBS_DIR, else
 * of the folders next to the binary. A named folder that can't be read
 * or a plugin that fails to load is an error; the default folders are
 * optional. 0 or -errno.
 */
int load_plugins(const char *libdir);

#endif /* CRIU_PLUGIN_LOAD_H */
