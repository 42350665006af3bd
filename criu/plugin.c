// SPDX-License-Identifier: GPL-2.0
/*
 * Plugins: shared objects that register dirty trackers (the ooh tracker
 * lives in one) without touching criu's core.
 */
#include <dirent.h>
#include <dlfcn.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "criu-plugin.h"
#include "log.h"
#include "plugin.h"

static void plugin_log(int level, const char *fmt, ...)
{
	char buf[1024];
	va_list args;

	va_start(args, fmt);
	vsnprintf(buf, sizeof(buf), fmt, args);
	va_end(args);
	print_on_level(level, "plugin: %s", buf);
}

static const struct criu_plugin_api plugin_api = {
	.version = CRIU_PLUGIN_API_VERSION,
	.register_dirty_tracker = register_dirty_tracker,
	.log = plugin_log,
};

static int load_plugin(const char *path)
{
	criu_plugin_init_t init;
	void *handle;
	int ret;

	handle = dlopen(path, RTLD_NOW | RTLD_LOCAL);
	if (!handle) {
		pr_err("Can't load plugin %s: %s\n", path, dlerror());
		return -ENOEXEC;
	}
	init = (criu_plugin_init_t)dlsym(handle, "criu_plugin_init");
	if (!init) {
		pr_err("Plugin %s has no criu_plugin_init()\n", path);
		dlclose(handle);
		return -ENOEXEC;
	}
	ret = init(&plugin_api);
	if (ret) {
		pr_err("Plugin %s failed to start: %d\n", path, ret);
		dlclose(handle);
		return ret;
	}
	/* Kept loaded for the life of criu: its trackers are in use. */
	pr_info("Plugin %s loaded\n", path);
	return 0;
}

static bool is_plugin_name(const char *name)
{
	size_t len = strlen(name);

	return len > 3 && !strcmp(name + len - 3, ".so");
}

/*
 * Without --libdir or $CRIU_LIBS_DIR, look next to the binary: the build
 * tree keeps plugins in ../plugins/NAME/, an install in ../lib/criu.
 */
static int default_dirs(char dirs[][PATH_MAX], int max)
{
	static const char *const rel[] = {
		"../plugins/ooh", "../lib/criu",
	};
	char exe[PATH_MAX], *slash;
	ssize_t len;
	int i, n = 0;

	len = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (len < 0)
		return 0;
	exe[len] = '\0';
	slash = strrchr(exe, '/');
	if (!slash)
		return 0;
	*slash = '\0';
	for (i = 0; i < (int)(sizeof(rel) / sizeof(rel[0])) && n < max; i++)
		if (snprintf(dirs[n], PATH_MAX, "%s/%s", exe, rel[i]) < PATH_MAX)
			n++;
	return n;
}

static int load_dir(const char *dir, bool must_exist)
{
	char path[PATH_MAX];
	struct dirent *de;
	DIR *d;
	int ret = 0;

	d = opendir(dir);
	if (!d) {
		if (!must_exist && errno == ENOENT)
			return 0;
		pr_perror("Can't open plugin folder %s", dir);
		return -errno;
	}
	while ((de = readdir(d))) {
		if (!is_plugin_name(de->d_name))
			continue;
		if (snprintf(path, sizeof(path), "%s/%s", dir, de->d_name) >= (int)sizeof(path))
			continue;
		/* A plugin that fails to load is reported; the others go on. */
		if (load_plugin(path))
			ret = -ENOEXEC;
	}
	closedir(d);
	return ret;
}

int load_plugins(const char *libdir)
{
	char dirs[2][PATH_MAX];
	int i, n;

	if (!libdir)
		libdir = getenv("CRIU_LIBS_DIR");
	if (libdir)
		return load_dir(libdir, true);
	n = default_dirs(dirs, 2);
	for (i = 0; i < n; i++)
		load_dir(dirs[i], false);
	return 0;
}
