// SPDX-License-Identifier: GPL-2.0
/*
 * session00: sessions and process groups spanning a tree.
 *
 *   test (session S, group S)
 *   +- b            group G, whose leader (pid G) has exited and was reaped
 *   +- d            group G too
 *   +- c            setsid(): session C, a child leads it
 *      +- c1        session C, group C
 *         +- c2     session C, group C2 of its own
 *
 * Each process notes its session and group; after restore they must be the
 * same, and the group G must still have no process with pid G.
 */
#include <errno.h>
#include <stdio.h>
#include <sys/wait.h>
#include <unistd.h>

#include "zdtmtst.h"

struct ids {
	pid_t sid, pgid;
};

static int check_ids(const char *who, const struct ids *want)
{
	pid_t sid = getsid(0), pgid = getpgrp();

	if (sid == want->sid && pgid == want->pgid)
		return 0;
	tree_fail("%s %d: session %d group %d, want session %d group %d",
		  who, getpid(), sid, pgid, want->sid, want->pgid);
	return -1;
}

/* A member of a group: wait for SIGTERM, then check. */
static int member(void *arg)
{
	struct ids *want = arg;

	tree_sync_close();
	test_waitsig();
	if (test_broken() && want->pgid != want->sid)
		setpgid(0, 0);
	return check_ids("member", want) ? 1 : 0;
}

static int leader_then_gone(void *arg)
{
	tree_sync_close();
	test_waitsig();
	return 0;
}

static int c2_main(void *arg)
{
	struct ids want = { .sid = getsid(0) };

	/* The parent moves us; don't note the group before it has. */
	while (getpgrp() != getpid())
		usleep(1000);
	want.pgid = getpid();
	if (tree_sync_post())
		return 1;
	return member(&want);
}

/* Reap child pid after relaying SIGTERM; non-zero if it failed. */
static int relay(pid_t pid, const char *role)
{
	int status;

	kill(pid, SIGTERM);
	if (waitpid(pid, &status, 0) != pid) {
		tree_fail("waitpid %s %d: %m", role, pid);
		return -1;
	}
	return tree_child_result(pid, status, role);
}

static int c1_main(void *arg)
{
	struct ids want = { .sid = getsid(0), .pgid = getpgrp() };
	pid_t c2 = tree_fork(c2_main, NULL);
	int bad;

	if (c2 < 0 || setpgid(c2, c2)) {
		tree_fail("fork/setpgid c2: %m");
		return 1;
	}
	tree_sync_close();
	test_waitsig();
	bad = check_ids("c1", &want);
	return relay(c2, "c2") || bad;
}

static int c_main(void *arg)
{
	struct ids want;
	pid_t c1;
	int bad;

	if (setsid() < 0) {
		tree_fail("setsid: %m");
		return 1;
	}
	want.sid = want.pgid = getpid();
	c1 = tree_fork(c1_main, NULL);
	if (c1 < 0)
		return 1;
	tree_sync_close();
	test_waitsig();
	bad = check_ids("c", &want);
	return relay(c1, "c1") || bad;
}

static pid_t group_g(pid_t *b, pid_t *d, struct ids *in_g)
{
	pid_t g;

	g = tree_fork(leader_then_gone, NULL);
	if (g < 0 || setpgid(g, g))
		return -1;
	in_g->sid = getsid(0);
	in_g->pgid = g;
	*b = tree_fork(member, in_g);
	if (*b < 0 || setpgid(*b, g))
		return -1;
	*d = tree_fork(member, in_g);
	if (*d < 0 || setpgid(*d, g))
		return -1;
	if (tree_end(g, "group leader"))
		return -1;
	return g;
}

int main(int argc, char **argv)
{
	struct ids in_g, self;
	pid_t g, b, d, c;
	int ret;

	ret = test_init(argc, argv, 0);
	if (ret)
		return test_init_exit(ret);
	self.sid = self.pgid = getpid();
	if (tree_sync_init())
		return 1;
	g = group_g(&b, &d, &in_g);
	c = tree_fork(c_main, NULL);
	if (g < 0 || c < 0) {
		fail("building the tree: %m");
		return 1;
	}
	/* c2 is the last one: c, c1 and c2 are set up when it posts. */
	if (tree_sync_wait(1) || test_daemon())
		return 1;
	test_waitsig();

	if (getsid(0) != self.sid || getpgrp() != self.pgid) {
		fail("test: session %d group %d, want %d/%d", getsid(0), getpgrp(), self.sid, self.pgid);
		return 1;
	}
	if (!kill(g, 0) || errno != ESRCH) {
		fail("pid %d, the exited leader of group %d, exists again", g, g);
		return 1;
	}
	kill(b, SIGTERM);
	kill(d, SIGTERM);
	kill(c, SIGTERM);
	if (tree_reap(b, "b (group member)") || tree_reap(d, "d (group member)") ||
	    tree_reap(c, "c (session leader)"))
		return 1;
	pass();
	return 0;
}
