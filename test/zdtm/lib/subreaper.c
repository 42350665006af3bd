// SPDX-License-Identifier: GPL-2.0
/*
 * subreaper.c - run a command as a child subreaper and reap everything.
 *
 * Tests daemonize, so they are orphaned and reparented. Where pid 1 does not
 * reap (some sandboxes' init doesn't), a test killed by criu dump would stay
 * a zombie and hold its pid, and criu restore could not get that pid back.
 * The runner therefore runs under this: orphans come here and are reaped.
 *
 * Usage: subreaper COMMAND [ARG]...   exit status is COMMAND's.
 */
#include <errno.h>
#include <stdio.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

static int reap_all(pid_t main_child)
{
	int status, ret = 1;
	pid_t pid;

	for (;;) {
		pid = waitpid(-1, &status, 0);
		if (pid < 0) {
			if (errno == EINTR)
				continue;
			break;		/* ECHILD: nobody left */
		}
		if (pid != main_child)
			continue;
		ret = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
		/* Leftovers of the command go on to our parent's reaper. */
		break;
	}
	return ret;
}

int main(int argc, char **argv)
{
	pid_t child;

	if (argc < 2) {
		fprintf(stderr, "usage: %s COMMAND [ARG]...\n", argv[0]);
		return 2;
	}
	if (prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)) {
		perror("PR_SET_CHILD_SUBREAPER");
		return 1;
	}
	child = fork();
	if (child < 0) {
		perror("fork");
		return 1;
	}
	if (!child) {
		execvp(argv[1], argv + 1);
		fprintf(stderr, "exec %s: %m\n", argv[1]);
		_exit(127);
	}
	return reap_all(child);
}
