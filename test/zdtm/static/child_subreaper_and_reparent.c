// SPDX-License-Identifier: GPL-2.0
/*
 * child_subreaper_and_reparent: child A is a child subreaper
 * (PR_SET_CHILD_SUBREAPER); its grandchild C lost its parent B and was
 * reparented to A. After restore A must still be a subreaper with C as its
 * child, C must see A as its parent, and the flag must still work: a new
 * orphan below A comes to A, not to the runner's reaper. The test itself
 * is not a subreaper and must not become one.
 */
#include <stdio.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "zdtmtst.h"

static int restored;		/* set in A after SIGTERM: orphans since then don't post */

static int is_subreaper(void)
{
	int flag = -1;

	if (prctl(PR_GET_CHILD_SUBREAPER, &flag))
		return -1;
	return flag;
}

/* C: wait until reparented to the subreaper, then until SIGTERM. */
static int orphan(void *arg)
{
	pid_t reaper = *(pid_t *)arg;

	while (getppid() != reaper)
		usleep(1000);
	if (!restored && tree_sync_post())
		return 1;
	test_waitsig();
	if (getppid() != reaper) {
		tree_fail("orphan %d: parent %d, want the subreaper %d", getpid(), getppid(), reaper);
		return 1;
	}
	return 0;
}

/* B and E: fork the orphan-to-be and go. */
static int short_lived(void *arg)
{
	return tree_fork(orphan, arg) < 0;
}

/* The pid of a child of ours that is not one of the two known ones. */
static pid_t new_child(pid_t old1, pid_t old2)
{
	pid_t kids[8];
	int nr = tree_children(getpid(), kids, ARRAY_SIZE(kids));

	for (int i = 0; i < nr; i++)
		if (kids[i] != old1 && kids[i] != old2)
			return kids[i];
	return 0;
}

/* After restore: a new orphan must come to us. */
static int still_reaps(pid_t c)
{
	pid_t me = getpid(), e, f = 0;

	restored = 1;
	e = tree_fork(short_lived, &me);
	if (e < 0 || waitpid(e, NULL, 0) != e) {
		tree_fail("subreaper: fork/reap of a short-lived child: %m");
		return -1;
	}
	for (int i = 0; i < 2000 && !f; i++) {
		f = new_child(c, e);
		usleep(1000);
	}
	if (!f) {
		tree_fail("subreaper %d: the orphan of child %d did not come to it", me, e);
		return -1;
	}
	kill(f, SIGTERM);
	return waitpid(f, NULL, 0) == f ? 0 : -1;
}

static int subreaper(void *arg)
{
	pid_t me = getpid(), b, c;
	int status;

	if (prctl(PR_SET_CHILD_SUBREAPER, 1)) {
		tree_fail("PR_SET_CHILD_SUBREAPER: %m");
		return 1;
	}
	b = tree_fork(short_lived, &me);
	if (b < 0 || waitpid(b, &status, 0) != b || tree_child_result(b, status, "b"))
		return 1;
	tree_sync_close();
	test_waitsig();

	if (test_broken())
		prctl(PR_SET_CHILD_SUBREAPER, 0);
	if (is_subreaper() != 1) {
		tree_fail("subreaper %d: PR_GET_CHILD_SUBREAPER says %d", me, is_subreaper());
		return 1;
	}
	c = new_child(0, 0);
	if (!c) {
		tree_fail("subreaper %d: its orphaned grandchild is not its child", me);
		return 1;
	}
	if (still_reaps(c))
		return 1;
	kill(c, SIGTERM);
	if (waitpid(c, &status, 0) != c)
		return 1;
	return tree_child_result(c, status, "orphan") ? 1 : 0;
}

int main(int argc, char **argv)
{
	pid_t a;
	int ret;

	ret = test_init(argc, argv, 0);
	if (ret)
		return test_init_exit(ret);
	if (tree_sync_init())
		return 1;
	a = tree_fork(subreaper, NULL);
	if (a < 0 || tree_sync_wait(1) || test_daemon())
		return 1;
	test_waitsig();

	if (is_subreaper() != 0) {
		fail("the test itself is a subreaper now (%d)", is_subreaper());
		return 1;
	}
	if (tree_end(a, "subreaper"))
		return 1;
	pass();
	return 0;
}
