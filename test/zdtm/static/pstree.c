// SPDX-License-Identifier: GPL-2.0
/*
 * pstree: a tree of three levels below the test (3 children, 2 children
 * each, and one grandchild with a child of its own). Every process notes
 * its pid, its parent's pid and its children's pids before the dump; after
 * restore each must find the same pid, the same parent and exactly the same
 * children (/proc/PID/task/PID/children). The verdicts travel up the tree:
 * each process reaps its children and exits non-zero if one failed.
 */
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "zdtmtst.h"

#define MAX_KIDS	4

struct node {
	pid_t pid, ppid;
	pid_t kids[MAX_KIDS];
	int nr_kids;
};

static int level_kids(int level)
{
	static const int nr[] = { 3, 2, 1, 0 };

	return nr[level];
}

static int grow(struct node *n, int level, int index);

static int node_main(struct node *n, int level, int index);

static int spawn(struct node *n, int level, int index)
{
	for (int i = 0; i < level_kids(level); i++) {
		pid_t pid;

		/* Only the first grandchild has a child: three levels, unbalanced. */
		if (level == 2 && index != 0)
			break;
		fflush(NULL);
		pid = fork();
		if (pid < 0)
			return -1;
		if (!pid) {
			struct node self;

			_exit(grow(&self, level + 1, i) || tree_sync_post() ||
			      node_main(&self, level + 1, i) ? 1 : 0);
		}
		n->kids[n->nr_kids++] = pid;
	}
	return 0;
}

static int grow(struct node *n, int level, int index)
{
	memset(n, 0, sizeof(*n));
	n->pid = getpid();
	n->ppid = getppid();
	return spawn(n, level, index);
}

static int same_kids(const struct node *n, char *why, size_t len)
{
	pid_t now[MAX_KIDS + 4];
	int nr = tree_children(getpid(), now, ARRAY_SIZE(now));

	if (nr != n->nr_kids) {
		snprintf(why, len, "%d children, want %d", nr, n->nr_kids);
		return -1;
	}
	for (int i = 0; i < nr; i++) {
		int found = 0;

		for (int k = 0; k < n->nr_kids; k++)
			found |= now[i] == n->kids[k];
		if (!found) {
			snprintf(why, len, "child %d is not one of the children it had", now[i]);
			return -1;
		}
	}
	return 0;
}

static int check_node(const struct node *n, char *why, size_t len)
{
	if (getpid() != n->pid) {
		snprintf(why, len, "getpid() %d, was %d", getpid(), n->pid);
		return -1;
	}
	/* The test's own parent is the runner's reaper: not part of the tree. */
	if (n->ppid && getppid() != n->ppid) {
		snprintf(why, len, "getppid() %d, was %d", getppid(), n->ppid);
		return -1;
	}
	return same_kids(n, why, len);
}

/* Under ZDTM_BREAK one grandchild is replaced by a new process (another pid). */
static int replace_kid(struct node *n)
{
	pid_t pid;

	kill(n->kids[0], SIGKILL);
	waitpid(n->kids[0], NULL, 0);
	pid = fork();
	if (pid < 0)
		return -1;
	if (!pid) {
		test_waitsig();
		_exit(0);
	}
	return 0;
}

static int stop_kids(struct node *n, int level)
{
	int bad = 0;

	for (int k = 0; k < n->nr_kids; k++) {
		int status;

		kill(n->kids[k], SIGTERM);
		if (waitpid(n->kids[k], &status, 0) != n->kids[k]) {
			tree_fail("waitpid %d: %m", n->kids[k]);
			return -1;
		}
		if (tree_child_result(n->kids[k], status, "child"))
			bad = -1;
	}
	return bad;
}

static int node_main(struct node *n, int level, int index)
{
	char why[200];

	test_waitsig();
	if (test_broken() && level == 1 && index == 1 && replace_kid(n))
		return 1;
	if (check_node(n, why, sizeof(why))) {
		tree_fail("level %d process %d: %s", level, index, why);
		stop_kids(n, level);
		return 1;
	}
	return stop_kids(n, level) ? 1 : 0;
}

int main(int argc, char **argv)
{
	struct node root;
	char why[200];
	int ret;

	ret = test_init(argc, argv, 0);
	if (ret)
		return test_init_exit(ret);
	if (tree_sync_init())
		return 1;
	if (grow(&root, 0, 0)) {
		fail("fork: %m");
		return 1;
	}
	root.ppid = 0;
	/* 3 children, 6 grandchildren, 3 great-grandchildren */
	if (tree_sync_wait(12) || test_daemon())
		return 1;
	test_waitsig();

	if (check_node(&root, why, sizeof(why))) {
		fail("test process: %s", why);
		return 1;
	}
	for (int k = 0; k < root.nr_kids; k++)
		if (tree_end(root.kids[k], "child"))
			return 1;
	pass();
	return 0;
}
