// SPDX-License-Identifier: GPL-2.0
/*
 * sk_unix_shutdown: shutdown states. A stream pair where one end did
 * shutdown(SHUT_WR) after sending data (the other reads the data, then
 * end of file; the shut end can't send: EPIPE), and a seqpacket pair
 * with SHUT_RD on one end (its peer can't send to it: EPIPE, but can
 * still receive). After restore all of this must hold as before.
 */
#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "zdtmtst.h"

int main(int argc, char **argv)
{
	int st[2], sq[2], ret;
	char buf[16];

	ret = test_init(argc, argv, 0);
	if (ret)
		return test_init_exit(ret);
	signal(SIGPIPE, SIG_IGN);
	if (socketpair(AF_UNIX, SOCK_STREAM, 0, st) || socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sq) ||
	    send(st[0], "last", 4, 0) != 4 || shutdown(st[0], SHUT_WR) ||
	    send(sq[1], "rec", 3, 0) != 3 || shutdown(sq[0], SHUT_RD)) {
		fail("setup: %m");
		return 1;
	}
	if (test_daemon())
		return 1;
	test_waitsig();
	if (test_broken())
		shutdown(st[1], SHUT_WR);
	if (recv(st[1], buf, sizeof(buf), MSG_DONTWAIT) != 4 || memcmp(buf, "last", 4)) {
		fail("stream: the data before the shutdown is gone (%m)");
		return 1;
	}
	if (recv(st[1], buf, sizeof(buf), MSG_DONTWAIT) != 0) {
		fail("stream: no end of file after the data (%m)");
		return 1;
	}
	if (send(st[0], "x", 1, MSG_DONTWAIT) >= 0 || errno != EPIPE) {
		fail("stream: the shut end can send again (%m)");
		return 1;
	}
	if (send(st[1], "back", 4, MSG_DONTWAIT) != 4 || recv(st[0], buf, 4, MSG_DONTWAIT) != 4) {
		fail("stream: the other direction no longer works (%m)");
		return 1;
	}
	if (send(sq[1], "y", 1, MSG_DONTWAIT) >= 0 || errno != EPIPE) {
		fail("seqpacket: can send to the end shut for reading (%m)");
		return 1;
	}
	if (send(sq[0], "z", 1, MSG_DONTWAIT) != 1 || recv(sq[1], buf, 4, MSG_DONTWAIT) != 1) {
		fail("seqpacket: the end shut for reading can't send (%m)");
		return 1;
	}
	pass();
	return 0;
}
