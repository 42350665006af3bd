// SPDX-License-Identifier: GPL-2.0
/*
 * sighand_shared: child K shares the test's signal handlers
 * (CLONE_SIGHAND, which needs CLONE_VM), child F is a plain fork. After
 * restore kcmp(KCMP_SIGHAND) must say K shares them and F does not; a
 * handler K installs must be the test's handler (and run when the test
 * raises the signal), a disposition F changes must not be.
 */
#include <linux/futex.h>
#include <linux/kcmp.h>
#include <sched.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "zdtmtst.h"

static volatile int go;
static volatile sig_atomic_t hits;

static void k_handler(int sig)
{
	hits++;
}

static int k_main(void *arg)
{
	struct sigaction sa = { .sa_handler = k_handler };

	while (!go)
		syscall(SYS_futex, &go, FUTEX_WAIT, 0, NULL, NULL, 0);
	return sigaction(SIGUSR2, &sa, NULL) ? 1 : 0;
}

static int f_main(void *arg)
{
	test_waitsig();
	if (signal(SIGUSR1, SIG_IGN) == SIG_ERR) {
		tree_fail("F: ignore SIGUSR1: %m");
		return 1;
	}
	return 0;
}

static int check_handlers(void)
{
	struct sigaction usr1, usr2;

	if (sigaction(SIGUSR1, NULL, &usr1) || sigaction(SIGUSR2, NULL, &usr2)) {
		fail("sigaction query: %m");
		return -1;
	}
	if (usr2.sa_handler != k_handler) {
		fail("SIGUSR2 handler is %p, K installed %p", (void *)usr2.sa_handler, (void *)k_handler);
		return -1;
	}
	if (usr1.sa_handler != SIG_DFL) {
		fail("SIGUSR1 handler is %p: the forked child's change shows here",
		     (void *)usr1.sa_handler);
		return -1;
	}
	raise(SIGUSR2);
	if (hits != 1) {
		fail("K's handler ran %d times for one SIGUSR2", (int)hits);
		return -1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	pid_t k, f;
	int ret;

	ret = test_init(argc, argv, 0);
	if (ret)
		return test_init_exit(ret);
	k = tree_clone(CLONE_VM | CLONE_SIGHAND, k_main, NULL);
	f = tree_fork(f_main, NULL);
	if (k < 0 || f < 0 || tree_check_shared(k, f, KCMP_SIGHAND, "signal handlers") || test_daemon())
		return 1;
	test_waitsig();

	if (tree_check_shared(k, f, KCMP_SIGHAND, "signal handlers"))
		return 1;
	if (tree_end(f, "forked child"))
		return 1;
	go = 1;
	syscall(SYS_futex, &go, FUTEX_WAKE, 1, NULL, NULL, 0);
	if (tree_reap(k, "CLONE_SIGHAND child"))
		return 1;
	/* The test's handlers apart from K's, as a restore that split them leaves them */
	if (test_broken())
		signal(SIGUSR2, SIG_IGN);
	if (check_handlers())
		return 1;
	pass();
	return 0;
}
