// SPDX-License-Identifier: GPL-2.0
/*
 * Namespaces are not dumped yet: a process in a namespace of its own (a
 * container's init, typically) is refused before anything is touched,
 * with every such namespace named.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "log.h"
#include "ns-check.h"

static const char *const ns_names[] = {
	"pid", "mnt", "net", "ipc", "uts", "user", "cgroup", "time",
};

/* 1 if @pid's namespace @ns differs from criu's, 0 if shared, -errno. */
static int ns_differs(pid_t pid, const char *ns)
{
	char path[64];
	struct stat self, them;

	snprintf(path, sizeof(path), "/proc/self/ns/%s", ns);
	if (stat(path, &self))
		return errno == ENOENT ? 0 : -errno;	/* kernel without it */
	snprintf(path, sizeof(path), "/proc/%d/ns/%s", pid, ns);
	if (stat(path, &them)) {
		pr_perror("Can't stat %s", path);
		return -errno;
	}
	return self.st_ino != them.st_ino || self.st_dev != them.st_dev;
}

int check_namespaces(pid_t pid)
{
	char list[128] = "";
	size_t len = 0;
	unsigned int i;
	int ret;

	for (i = 0; i < sizeof(ns_names) / sizeof(ns_names[0]); i++) {
		ret = ns_differs(pid, ns_names[i]);
		if (ret < 0)
			return ret;
		if (ret)
			len += snprintf(list + len, sizeof(list) - len, "%s%s",
					len ? ", " : "", ns_names[i]);
	}
	if (!len)
		return 0;
	pr_err("Process %d is in namespaces of its own (%s): dumping namespaces is not supported yet\n",
	       pid, list);
	return -EOPNOTSUPP;
}
