// SPDX-License-Identifier: GPL-2.0
/*
 * Namespaces are not dumped yet, so a process tree must share every
 * namespace with criu: one in a namespace of its own would be restored
 * in criu's, its network, mounts or pids silently lost. (This is also
 * why the network-lock and setup-namespaces action scripts, which CRIU
 * runs only for trees with namespaces of their own, never run here.)
 */
#include <errno.h>
#include <stdio.h>
#include <sys/stat.h>

#include "log.h"
#include "namespaces.h"
#include "pstree.h"

/* The kinds in /proc/PID/ns; a kernel without one has no such file. */
static const char *const ns_names[] = {
	"net", "mnt", "pid", "ipc", "uts", "user", "cgroup", "time",
};

static int ns_inode(const char *who, const char *ns, ino_t *ino)
{
	char path[64];
	struct stat st;

	snprintf(path, sizeof(path), "/proc/%s/ns/%s", who, ns);
	if (stat(path, &st)) {
		if (errno == ENOENT)
			return -ENOENT;
		pr_perror("Can't stat %s", path);
		return -errno;
	}
	*ino = st.st_ino;
	return 0;
}

static int check_process_namespaces(pid_t pid)
{
	char who[16];
	ino_t mine, its;
	unsigned int i;
	int ret;

	snprintf(who, sizeof(who), "%d", pid);
	for (i = 0; i < sizeof(ns_names) / sizeof(ns_names[0]); i++) {
		ret = ns_inode("self", ns_names[i], &mine);
		if (ret == -ENOENT)
			continue;
		if (!ret)
			ret = ns_inode(who, ns_names[i], &its);
		if (ret)
			return ret;
		if (mine != its) {
			pr_err("Pid %d is in a %s namespace of its own: namespaces are not supported by criu-ooh yet\n",
			       pid, ns_names[i]);
			return -EOPNOTSUPP;
		}
	}
	return 0;
}

int check_tree_namespaces(const struct pstree *t)
{
	unsigned int i;
	int ret = 0;

	for (i = 0; i < t->nr && !ret; i++)
		ret = check_process_namespaces(t->items[i]->pid);
	return ret;
}
