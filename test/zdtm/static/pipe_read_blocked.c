// SPDX-License-Identifier: GPL-2.0
/*
 * pipe_read_blocked: the process sits in read() on an empty pipe whose write
 * end it also holds. On SIGTERM the handler writes a message into the pipe;
 * the read (restarted by SA_RESTART) must return exactly that message. After
 * restore the two ends must still be one pipe, with their access modes.
 */
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "zdtmtst.h"

#define MSG	"wake up, the test is over"

static int pfd[2];

static void write_msg(void)
{
	if (write(pfd[1], MSG, sizeof(MSG)) != sizeof(MSG))
		return;		/* the reader will report what it got */
}

static int check_pipe(void)
{
	struct stat r, w;
	int rfl = fcntl(pfd[0], F_GETFL), wfl = fcntl(pfd[1], F_GETFL);

	if (fstat(pfd[0], &r) || fstat(pfd[1], &w)) {
		fail("fstat pipe ends: %m");
		return -1;
	}
	if (!S_ISFIFO(r.st_mode) || r.st_ino != w.st_ino || r.st_dev != w.st_dev) {
		fail("fds %d and %d are not the two ends of one pipe", pfd[0], pfd[1]);
		return -1;
	}
	if ((rfl & O_ACCMODE) != O_RDONLY || (wfl & O_ACCMODE) != O_WRONLY) {
		fail("pipe end modes %#x/%#x", rfl, wfl);
		return -1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	char buf[256];
	ssize_t n;
	int ret;

	ret = test_init(argc, argv, 0);
	if (ret)
		return test_init_exit(ret);
	if (pipe(pfd)) {
		fail("pipe: %m");
		return 1;
	}
	test_on_stop(write_msg);

	if (test_daemon())
		return 1;
	memset(buf, 0, sizeof(buf));
	n = read(pfd[0], buf, sizeof(buf));
	test_msg("read returned %zd", n);

	if (test_broken())
		buf[3] ^= 1;
	if (n < 0) {
		fail("read: %m");
		return 1;
	}
	if (!test_stop) {
		fail("read returned %zd bytes before SIGTERM", n);
		return 1;
	}
	if (n != sizeof(MSG) || memcmp(buf, MSG, sizeof(MSG))) {
		fail("read %zd bytes '%.*s', want '%s'", n, (int)n, buf, MSG);
		return 1;
	}
	if (check_pipe())
		return 1;
	pass();
	return 0;
}
