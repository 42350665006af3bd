// SPDX-License-Identifier: GPL-2.0
/*
 * zombie00: children that have died and were not reaped: two exited with
 * distinct codes, one killed by a signal, and one more below a living child
 * (a zombie grandchild). After restore each must still be a zombie of the
 * same parent (/proc state Z), waitid(WNOWAIT) must report its exact exit
 * status without reaping it, and waitpid() must then reap it with that
 * status.
 */
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "zdtmtst.h"

struct zombie {
	pid_t pid;
	int code;		/* si_code: CLD_EXITED or CLD_KILLED */
	int status;		/* exit code or signal */
};

static struct zombie zombies[3];

static pid_t make_zombie(int code, int status)
{
	pid_t pid;

	fflush(NULL);
	pid = fork();
	if (pid < 0)
		return -1;
	if (!pid) {
		if (code == CLD_KILLED)
			raise(status);
		_exit(status);
	}
	return pid;
}

static int wait_zombie(pid_t pid)
{
	struct tree_stat st;

	for (int i = 0; i < 1000; i++) {
		if (tree_stat(pid, &st))
			return -1;
		if (st.state == 'Z')
			return 0;
		usleep(1000);
	}
	return -1;
}

/* pid is a zombie of ours with the given status, and is reaped. */
static int check_zombie(const struct zombie *z, char *why, size_t len)
{
	struct tree_stat st = { .state = '-' };
	siginfo_t si = { 0 };
	int status, want;

	if (tree_stat(z->pid, &st) || st.state != 'Z' || st.ppid != getpid()) {
		snprintf(why, len, "pid %d is not a zombie of %d (state %c, parent %d)",
			 z->pid, getpid(), st.state, st.ppid);
		return -1;
	}
	if (waitid(P_PID, z->pid, &si, WEXITED | WNOHANG | WNOWAIT) || si.si_pid != z->pid ||
	    si.si_code != z->code || si.si_status != z->status) {
		snprintf(why, len, "zombie %d: waitid gives pid %d code %d status %d, want code %d status %d",
			 z->pid, si.si_pid, si.si_code, si.si_status, z->code, z->status);
		return -1;
	}
	if (waitpid(z->pid, &status, WNOHANG) != z->pid) {
		snprintf(why, len, "zombie %d: waitpid: %m", z->pid);
		return -1;
	}
	want = z->code == CLD_EXITED ? z->status << 8 : z->status;
	if (status != want) {
		snprintf(why, len, "zombie %d: wait status %#x, want %#x", z->pid, status, want);
		return -1;
	}
	return 0;
}

static int parent_of_zombie(void *arg)
{
	struct zombie z = { .code = CLD_EXITED, .status = 99 };
	char why[200];

	z.pid = make_zombie(z.code, z.status);
	if (z.pid < 0 || wait_zombie(z.pid)) {
		tree_fail("no zombie grandchild: %m");
		return 1;
	}
	test_waitsig();
	if (check_zombie(&z, why, sizeof(why))) {
		tree_fail("%s", why);
		return 1;
	}
	return 0;
}

static int setup(pid_t *parent)
{
	static const int codes[][2] = {
		{ CLD_EXITED, 7 }, { CLD_EXITED, 42 }, { CLD_KILLED, SIGUSR2 },
	};

	for (size_t i = 0; i < ARRAY_SIZE(zombies); i++) {
		zombies[i].code = codes[i][0];
		zombies[i].status = codes[i][1];
		zombies[i].pid = make_zombie(codes[i][0], codes[i][1]);
		if (zombies[i].pid < 0 || wait_zombie(zombies[i].pid)) {
			fail("making zombie %zu: %m", i);
			return -1;
		}
	}
	*parent = tree_fork(parent_of_zombie, NULL);
	return *parent < 0 ? -1 : 0;
}

int main(int argc, char **argv)
{
	char why[200];
	pid_t parent;
	int ret;

	ret = test_init(argc, argv, 0);
	if (ret)
		return test_init_exit(ret);
	if (setup(&parent))
		return 1;
	if (test_daemon())
		return 1;
	test_waitsig();

	/* A restore that lost a zombie: it is gone, its pid is free. */
	if (test_broken())
		waitpid(zombies[1].pid, NULL, 0);
	for (size_t i = 0; i < ARRAY_SIZE(zombies); i++)
		if (check_zombie(&zombies[i], why, sizeof(why))) {
			fail("%s", why);
			return 1;
		}
	if (tree_end(parent, "parent of a zombie"))
		return 1;
	pass();
	return 0;
}
