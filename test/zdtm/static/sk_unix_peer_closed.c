// SPDX-License-Identifier: GPL-2.0
/*
 * sk_unix_peer_closed: stream and seqpacket sockets whose peers sent
 * data and were closed. After restore each must give the data, then end
 * of file, and sending must fail with EPIPE.
 */
#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "zdtmtst.h"

static int check(int sk, const char *what)
{
	char buf[32];

	if (recv(sk, buf, sizeof(buf), MSG_DONTWAIT) != 8 || memcmp(buf, "farewell", 8)) {
		fail("%s: the data of the closed peer is gone (%m)", what);
		return -1;
	}
	if (recv(sk, buf, sizeof(buf), MSG_DONTWAIT) != 0) {
		fail("%s: no end of file after it (%m)", what);
		return -1;
	}
	if (send(sk, "x", 1, MSG_DONTWAIT) >= 0 || errno != EPIPE) {
		fail("%s: sending does not fail with EPIPE (%m)", what);
		return -1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	int st[2], sq[2], ret;

	ret = test_init(argc, argv, 0);
	if (ret)
		return test_init_exit(ret);
	signal(SIGPIPE, SIG_IGN);
	if (socketpair(AF_UNIX, SOCK_STREAM, 0, st) || socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sq) ||
	    send(st[1], "farewell", 8, 0) != 8 || send(sq[1], "farewell", 8, 0) != 8) {
		fail("setup: %m");
		return 1;
	}
	close(st[1]);
	close(sq[1]);
	if (test_daemon())
		return 1;
	test_waitsig();
	if (test_broken()) {
		char c;

		recv(st[0], &c, 1, MSG_DONTWAIT);
	}
	if (check(st[0], "stream") || check(sq[0], "seqpacket"))
		return 1;
	pass();
	return 0;
}
