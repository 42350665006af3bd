// SPDX-License-Identifier: GPL-2.0
/*
 * shell_job: a job started from a shell on a terminal: not a session leader
 * but, as a shell with job control makes it, the leader of its own process
 * group, in the shell's session, with the terminal on stdin/out/err as its
 * controlling tty. Dumped and restored with --shell-job from that same
 * terminal session, it must come back in that session, on that terminal.
 */
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "zdtmtst.h"

struct job {
	pid_t sid, pgid;
	char tty[PATH_MAX];
};

static int snapshot(struct job *j, const char *when)
{
	const char *name;

	j->sid = getsid(0);
	j->pgid = getpgrp();
	for (int fd = 0; fd < 3; fd++) {
		name = ttyname(fd);
		if (!name) {
			fail("%s: fd %d is not a terminal (%m)", when, fd);
			return -1;
		}
		if (fd == 0)
			snprintf(j->tty, sizeof(j->tty), "%s", name);
		else if (strcmp(name, j->tty)) {
			fail("%s: fd %d is %s, fd 0 is %s", when, fd, name, j->tty);
			return -1;
		}
	}
	return 0;
}

static int check_ctty(const char *when)
{
	pid_t tsid = tcgetsid(0);
	int fd;

	if (tsid != getsid(0)) {
		fail("%s: the terminal belongs to session %d, we are in %d", when, tsid, getsid(0));
		return -1;
	}
	fd = open("/dev/tty", O_RDWR);
	if (fd < 0) {
		fail("%s: no controlling terminal: open /dev/tty: %m", when);
		return -1;
	}
	close(fd);
	return 0;
}

static int check_job(const struct job *was)
{
	struct job now;

	if (snapshot(&now, "after restore") || check_ctty("after restore"))
		return -1;
	if (now.sid == getpid()) {
		fail("became a session leader");
		return -1;
	}
	if (now.sid != was->sid || now.pgid != was->pgid || strcmp(now.tty, was->tty)) {
		fail("sid %d pgid %d tty %s, was sid %d pgid %d tty %s", now.sid, now.pgid,
		     now.tty, was->sid, was->pgid, was->tty);
		return -1;
	}
	if (dprintf(1, "shell_job %d: still on %s\n", getpid(), now.tty) < 0) {
		fail("write to the terminal: %m");
		return -1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct job was;
	int ret;

	ret = test_init(argc, argv, TEST_SHELL_JOB);
	if (ret)
		return test_init_exit(ret);
	if (setpgid(0, 0)) {
		fail("setpgid: %m");
		return 1;
	}
	if (snapshot(&was, "at start") || check_ctty("at start"))
		return 1;
	if (was.sid == getpid()) {
		fail("started as a session leader");
		return 1;
	}
	test_msg("sid %d pgid %d tty %s", was.sid, was.pgid, was.tty);

	if (test_daemon())
		return 1;
	test_waitsig();

	if (test_broken()) {
		int fd = open("/dev/null", O_RDWR);

		if (fd >= 0)
			dup2(fd, 0);
	}
	if (check_job(&was))
		return 1;
	pass();
	return 0;
}
