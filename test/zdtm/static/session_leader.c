// SPDX-License-Identifier: GPL-2.0
/*
 * session_leader: a test is a session and process group leader without a
 * controlling terminal; after restore it must still be all three.
 */
#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

#include "zdtmtst.h"

static int check_leader(const char *when)
{
	pid_t pid = getpid(), sid = getsid(0), pgid = getpgrp();
	int fd;

	if (test_broken())
		sid = pid + 1;
	if (sid != pid) {
		fail("%s: getsid() = %d, pid %d", when, sid, pid);
		return -1;
	}
	if (pgid != pid) {
		fail("%s: getpgrp() = %d, pid %d", when, pgid, pid);
		return -1;
	}
	fd = open("/dev/tty", O_RDWR);
	if (fd >= 0) {
		close(fd);
		fail("%s: has a controlling terminal", when);
		return -1;
	}
	if (errno != ENXIO)
		test_msg("%s: open /dev/tty: %m (expected ENXIO)", when);
	return 0;
}

int main(int argc, char **argv)
{
	int ret = test_init(argc, argv, 0);

	if (ret)
		return test_init_exit(ret);
	if (getsid(0) != getpid()) {
		fail("not a session leader at start");
		return 1;
	}
	if (test_daemon())
		return 1;
	test_waitsig();
	if (!check_leader("after restore"))
		pass();
	return test_failed();
}
