// SPDX-License-Identifier: GPL-2.0
/*
 * vfork00: child A called vfork(); its child B sleeps in read() on a pipe,
 * so A waits inside vfork() (state D) sharing its memory with B. After
 * restore A must still be waiting in vfork() (state D, not returned), B's
 * parent must be A, and the memory must still be one: what B writes into
 * A's stack frame before _exit() is what A finds when vfork() returns.
 */
#include <stdio.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "zdtmtst.h"

#define WRITTEN_BY_B	0x76666b42

static int go[2];		/* the test writes a byte: B goes on */

static int vforker(void *arg)
{
	volatile int seen = 0;
	pid_t me = getpid(), b;
	int status;
	char c;

	close(go[1]);
	b = vfork();
	if (b < 0) {
		tree_fail("vfork: %m");
		return 1;
	}
	if (!b) {
		/* B: only system calls here, A's stack is ours. */
		if (syscall(SYS_read, go[0], &c, 1) != 1 || syscall(SYS_getppid) != me)
			_exit(2);
		if (!test_broken())
			seen = WRITTEN_BY_B;
		_exit(0);
	}
	if (waitpid(b, &status, 0) != b || !WIFEXITED(status) || WEXITSTATUS(status)) {
		tree_fail("vfork child %d: status %#x (2: its parent was not %d)", b, status, me);
		return 1;
	}
	if (seen != WRITTEN_BY_B) {
		tree_fail("after vfork() A sees %#x, B wrote %#x: memory not shared", seen, WRITTEN_BY_B);
		return 1;
	}
	return 0;
}

static int wait_state(pid_t pid, char state)
{
	struct tree_stat st = { .state = '-' };

	for (int i = 0; i < 1000; i++) {
		if (!tree_stat(pid, &st) && st.state == state)
			return 0;
		usleep(1000);
	}
	fail("pid %d is in state %c, want %c", pid, st.state, state);
	return -1;
}

int main(int argc, char **argv)
{
	pid_t a, kids[2];
	int ret;

	ret = test_init(argc, argv, 0);
	if (ret)
		return test_init_exit(ret);
	if (pipe(go)) {
		fail("pipe: %m");
		return 1;
	}
	a = tree_fork(vforker, NULL);
	if (a < 0 || wait_state(a, 'D') || tree_children(a, kids, 2) != 1)
		return 1;
	close(go[0]);
	if (test_daemon())
		return 1;
	test_waitsig();

	/* vfork() must not have returned in A: it waits until B lets go. */
	if (wait_state(a, 'D'))
		return 1;
	if (tree_children(a, kids, 2) != 1) {
		fail("A %d in vfork() has no child", a);
		return 1;
	}
	if (write(go[1], "g", 1) != 1) {
		fail("write to B's pipe: %m");
		return 1;
	}
	if (tree_reap(a, "vfork parent"))
		return 1;
	pass();
	return 0;
}
