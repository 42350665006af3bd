// SPDX-License-Identifier: GPL-2.0
/*
 * pdeath_sig: grandchild A asked for SIGUSR2 when its parent P dies
 * (PR_SET_PDEATHSIG). After restore PR_GET_PDEATHSIG must give SIGUSR2 in
 * A, and it must work: A then ends P, and SIGUSR2 must come from the
 * kernel within seconds. A is then an orphan of the runner's reaper, so it
 * reports through its fail file; the test waits for it to be gone.
 */
#include <errno.h>
#include <stdio.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "zdtmtst.h"

#define DEATH_SIG	SIGUSR2

static int check_signal(pid_t parent)
{
	struct timespec timeout = { 5, 0 };
	int sig = -1;
	sigset_t set;
	siginfo_t si;

	if (prctl(PR_GET_PDEATHSIG, &sig) || sig != DEATH_SIG) {
		tree_fail("PR_GET_PDEATHSIG gives %d, want %d", sig, DEATH_SIG);
		kill(parent, SIGTERM);
		return -1;
	}
	if (getppid() != parent) {
		tree_fail("parent is %d, want %d", getppid(), parent);
		kill(parent, SIGTERM);
		return -1;
	}
	sigemptyset(&set);
	sigaddset(&set, DEATH_SIG);
	kill(parent, SIGTERM);
	if (sigtimedwait(&set, &si, &timeout) != DEATH_SIG) {
		tree_fail("no signal %d within 5 s of the death of parent %d: %m", DEATH_SIG, parent);
		return -1;
	}
	return 0;
}

static int watcher(void *arg)
{
	pid_t parent = getppid();
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, DEATH_SIG);
	if (sigprocmask(SIG_BLOCK, &set, NULL) || prctl(PR_SET_PDEATHSIG, DEATH_SIG)) {
		tree_fail("PR_SET_PDEATHSIG: %m");
		return 1;
	}
	/* The parent may have gone before the flag was set. */
	if (getppid() != parent || tree_sync_post())
		return 1;
	test_waitsig();
	if (test_broken())
		prctl(PR_SET_PDEATHSIG, 0);
	return check_signal(parent) ? 1 : 0;
}

static int parent_main(void *arg)
{
	pid_t a = tree_fork(watcher, NULL);

	if (a < 0)
		return 1;
	tree_sync_close();
	test_waitsig();
	return 0;
}

int main(int argc, char **argv)
{
	pid_t p, a, kids[2];
	int ret;

	ret = test_init(argc, argv, 0);
	if (ret)
		return test_init_exit(ret);
	if (tree_sync_init())
		return 1;
	p = tree_fork(parent_main, NULL);
	if (p < 0 || tree_sync_wait(1) || test_daemon())
		return 1;
	if (tree_children(p, kids, 2) != 1) {
		fail("parent %d has no child", p);
		return 1;
	}
	a = kids[0];
	test_waitsig();

	kill(a, SIGTERM);
	if (tree_reap(p, "parent"))
		return 1;
	for (int i = 0; i < 1000 && !(kill(a, 0) && errno == ESRCH); i++)
		usleep(10000);
	if (!kill(a, 0)) {
		fail("watcher %d still there 10 s after its parent died", a);
		return 1;
	}
	/* Not our child: its failure, if any, is only in its fail file. */
	if (tree_failed(a, "watcher"))
		return 1;
	pass();
	return 0;
}
