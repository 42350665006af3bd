// SPDX-License-Identifier: GPL-2.0
/*
 * Signalling a whole tree. On A the pids come from the final dump's
 * pstree.img: the stopped tree cannot fork or exit on its own meanwhile,
 * so they are still its own. On B, a restored tree that must go is
 * collected from /proc.
 */
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "tree.h"

static int signal_all(const struct tree_pids *t, int sig, const char *what)
{
	unsigned int i;
	int ret = 0;

	for (i = 0; i < t->nr; i++) {
		if (kill(t->pids[i], sig) && errno != ESRCH) {
			mig_perror("Can't %s pid %d", what, t->pids[i]);
			ret = -errno;
		}
	}
	return ret;
}

int tree_resume(const struct tree_pids *t)
{
	return signal_all(t, SIGCONT, "resume");
}

/* Gone, or a zombie: it runs no more. */
static bool dead(pid_t pid)
{
	char path[64], line[512], *p;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	f = fopen(path, "r");
	if (!f)
		return true;
	p = fgets(line, sizeof(line), f);
	fclose(f);
	p = p ? strrchr(line, ')') : NULL;	/* the name may hold ')' */
	return p && (p[2] == 'Z' || p[2] == 'X');
}

int tree_kill(const struct tree_pids *t)
{
	unsigned int i, tries;
	int ret;

	ret = signal_all(t, SIGKILL, "kill");
	for (tries = 0; tries < 200; tries++) {
		for (i = 0; i < t->nr && dead(t->pids[i]); i++)
			;
		if (i == t->nr)
			return ret;
		usleep(10000);
	}
	mig_err("Pid %d of the tree still runs 2 s after SIGKILL\n", t->pids[i]);
	return -ETIMEDOUT;
}

static pid_t parent_of(pid_t pid)
{
	char path[64], line[512], *p;
	int ppid = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	f = fopen(path, "r");
	if (!f)
		return 0;
	p = fgets(line, sizeof(line), f);
	fclose(f);
	p = p ? strrchr(line, ')') : NULL;
	if (!p || sscanf(p + 2, "%*c %d", &ppid) != 1)
		return 0;
	return ppid;
}

static bool listed(const struct tree_pids *t, pid_t pid)
{
	unsigned int i;

	for (i = 0; i < t->nr; i++)
		if (t->pids[i] == pid)
			return true;
	return false;
}

/* One pass over /proc: 1 if it found a new descendant, 0, -errno. */
static int collect_pass(struct tree_pids *t)
{
	struct dirent *de;
	int found = 0, ret = 0;
	pid_t pid;
	DIR *d;

	d = opendir("/proc");
	if (!d) {
		mig_perror("Can't list /proc");
		return -errno;
	}
	while (!ret && (de = readdir(d))) {
		pid = atoi(de->d_name);
		if (pid <= 0 || listed(t, pid) || !listed(t, parent_of(pid)))
			continue;
		ret = tree_pids_add(t, pid);
		found = 1;
	}
	closedir(d);
	return ret ? ret : found;
}

int tree_collect(pid_t root, struct tree_pids *t)
{
	int ret;

	t->pids = NULL;
	t->nr = 0;
	ret = tree_pids_add(t, root);
	while (ret >= 0 && (ret = collect_pass(t)) > 0)
		;
	if (ret < 0)
		tree_pids_free(t);
	return ret;
}
