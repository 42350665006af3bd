// SPDX-License-Identifier: GPL-2.0
/*
 * stopped: a child stopped by SIGSTOP (its parent, the test, has seen the
 * stop with waitpid(WUNTRACED)). After restore it must still be stopped
 * (/proc state T), must not run before SIGCONT (a counter it bumps while
 * running stays put), and must go on after SIGCONT: it then sees SIGCONT
 * and ends when asked.
 */
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "zdtmtst.h"

static volatile sig_atomic_t conts;
static volatile unsigned long *ticks;	/* shared with the test: the child runs while it grows */

static void on_cont(int sig)
{
	conts++;
}

static int child_main(void *arg)
{
	while (!test_stop) {
		(*ticks)++;
		usleep(1000);
	}
	if (conts != 1) {
		tree_fail("saw %d SIGCONT, want 1", (int)conts);
		return 1;
	}
	return 0;
}

static int check_stopped(pid_t c)
{
	struct tree_stat st = { .state = '-' };
	unsigned long before = *ticks;

	usleep(100 * 1000);
	if (tree_stat(c, &st) || st.state != 'T') {
		fail("child %d is in state %c, want T (stopped)", c, st.state);
		return -1;
	}
	if (*ticks != before) {
		fail("stopped child %d ran: %lu ticks in 100 ms", c, *ticks - before);
		return -1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct sigaction sa = { .sa_handler = on_cont, .sa_flags = SA_RESTART };
	int ret, status;
	unsigned long before;
	pid_t c;

	ret = test_init(argc, argv, 0);
	if (ret)
		return test_init_exit(ret);
	ticks = mmap(NULL, TEST_PAGE_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	/* The child's handler, before it can be stopped */
	if (ticks == MAP_FAILED || sigaction(SIGCONT, &sa, NULL)) {
		fail("mmap/sigaction: %m");
		return 1;
	}
	c = tree_fork(child_main, NULL);
	if (c < 0 || kill(c, SIGSTOP) || waitpid(c, &status, WUNTRACED) != c || !WIFSTOPPED(status)) {
		fail("stopping child: %m");
		return 1;
	}
	if (check_stopped(c) || test_daemon())
		return 1;
	test_waitsig();

	/* A restore that left it running */
	if (test_broken())
		kill(c, SIGCONT);
	if (check_stopped(c))
		return 1;
	before = *ticks;
	kill(c, SIGCONT);
	for (int i = 0; i < 1000 && *ticks == before; i++)
		usleep(1000);
	if (*ticks == before) {
		fail("child %d does not run after SIGCONT", c);
		return 1;
	}
	if (tree_end(c, "stopped child"))
		return 1;
	pass();
	return 0;
}
