// SPDX-License-Identifier: GPL-2.0
/*
 * ptrace_tree - a tree with a ptrace relation inside it, which criu dump
 * must refuse (run.sh, group "tree").
 *
 *   ptrace_tree --pidfile FILE --outfile FILE
 *
 * A zdtm-style test: its child C is traced by it (PTRACE_SEIZE, C keeps
 * running). After SIGTERM it checks that it is still C's tracer and that
 * C's memory is intact (PTRACE_INTERRUPT, the stop reported to it,
 * PTRACE_PEEKDATA of a known word), then lets C go and ends it.
 */
#include <errno.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/wait.h>
#include <unistd.h>

#include "zdtmtst.h"

#define MAGIC	0x7074726163656421UL

static volatile unsigned long word = MAGIC;

static int tracee(void *arg)
{
	/* Dies with the test if the run is cut short. */
	if (prctl(PR_SET_PDEATHSIG, SIGKILL) || getppid() == 1)
		return 1;
	if (tree_sync_post())
		return 1;
	while (!test_stop)
		pause();
	return word == MAGIC ? 0 : 1;
}

static int check_tracer(pid_t c)
{
	unsigned long got;
	int status;

	if (ptrace(PTRACE_INTERRUPT, c, 0, 0)) {
		fail("PTRACE_INTERRUPT %d: %m: no longer its tracer", c);
		return -1;
	}
	if (waitpid(c, &status, __WALL) != c || !WIFSTOPPED(status) ||
	    status >> 16 != PTRACE_EVENT_STOP) {
		fail("waitpid %d after PTRACE_INTERRUPT: status %#x (%m)", c, status);
		return -1;
	}
	errno = 0;
	got = ptrace(PTRACE_PEEKDATA, c, (void *)&word, 0);
	if (errno || got != MAGIC) {
		fail("PTRACE_PEEKDATA %d: %#lx (%m), want %#lx", c, got, MAGIC);
		return -1;
	}
	if (ptrace(PTRACE_DETACH, c, 0, 0)) {
		fail("PTRACE_DETACH %d: %m", c);
		return -1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	int ret;
	pid_t c;

	ret = test_init(argc, argv, 0);
	if (ret)
		return test_init_exit(ret);
	if (tree_sync_init())
		return 1;
	c = tree_fork(tracee, NULL);
	if (c < 0 || tree_sync_wait(1))
		return 1;
	if (ptrace(PTRACE_SEIZE, c, 0, 0)) {
		fail("PTRACE_SEIZE %d: %m", c);
		return 1;
	}
	if (test_daemon())
		return 1;
	test_waitsig();

	if (check_tracer(c))
		return 1;
	kill(c, SIGTERM);
	if (tree_reap(c, "tracee"))
		return 1;
	pass();
	return 0;
}
