// SPDX-License-Identifier: GPL-2.0
/*
 * sk_unix_pair: stream, datagram and seqpacket socketpairs, each with
 * data queued in both directions and one end nonblocking. After restore
 * the ends must still be connected to each other (what one sends the
 * other gets), the queued data must come out first and intact, and the
 * types and file flags must be as before.
 */
#include <errno.h>
#include <stdio.h>
#include <fcntl.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "zdtmtst.h"

static const int types[] = { SOCK_STREAM, SOCK_DGRAM, SOCK_SEQPACKET };
static const char *names[] = { "stream", "dgram", "seqpacket" };
static int sv[3][2];

static int check_one(int i)
{
	char buf[64], want[64];
	int type, fl;
	socklen_t len = sizeof(type);
	ssize_t n;
	int e;

	for (e = 0; e < 2; e++) {
		if (getsockopt(sv[i][e], SOL_SOCKET, SO_TYPE, &type, &len) || type != types[i]) {
			fail("%s end %d: type %d, want %d (%m)", names[i], e, type, types[i]);
			return -1;
		}
		fl = fcntl(sv[i][e], F_GETFL);
		if (!!(fl & O_NONBLOCK) != (e == 1)) {
			fail("%s end %d: flags %#x", names[i], e, fl);
			return -1;
		}
		/* what the other end had sent before the dump */
		snprintf(want, sizeof(want), "%s from end %d", names[i], !e);
		memset(buf, 0, sizeof(buf));
		n = recv(sv[i][e], buf, sizeof(buf), MSG_DONTWAIT);
		if (n != (ssize_t)strlen(want) + 1 || strcmp(buf, want)) {
			fail("%s end %d: queued '%.*s' (%zd), want '%s'", names[i], e,
			     (int)(n > 0 ? n : 0), buf, n, want);
			return -1;
		}
		/* and nothing more */
		if (recv(sv[i][e], buf, sizeof(buf), MSG_DONTWAIT) >= 0 || errno != EAGAIN) {
			fail("%s end %d: more queued than was sent", names[i], e);
			return -1;
		}
	}
	/* still connected to each other */
	if (send(sv[i][0], "x", 1, 0) != 1 || recv(sv[i][1], buf, 1, MSG_DONTWAIT) != 1 ||
	    buf[0] != 'x') {
		fail("%s: the ends are no longer a pair (%m)", names[i]);
		return -1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	char msg[64];
	int i, e, ret;

	ret = test_init(argc, argv, 0);
	if (ret)
		return test_init_exit(ret);
	for (i = 0; i < 3; i++) {
		if (socketpair(AF_UNIX, types[i], 0, sv[i])) {
			fail("socketpair %s: %m", names[i]);
			return 1;
		}
		fcntl(sv[i][1], F_SETFL, O_NONBLOCK);
		for (e = 0; e < 2; e++) {
			snprintf(msg, sizeof(msg), "%s from end %d", names[i], e);
			if (send(sv[i][e], msg, strlen(msg) + 1, 0) != (ssize_t)strlen(msg) + 1) {
				fail("send %s: %m", names[i]);
				return 1;
			}
		}
	}
	if (test_daemon())
		return 1;
	test_waitsig();
	if (test_broken()) {
		char c;

		recv(sv[1][0], &c, 1, MSG_DONTWAIT);	/* one message lost */
	}
	for (i = 0; i < 3; i++)
		if (check_one(i))
			return 1;
	pass();
	return 0;
}
