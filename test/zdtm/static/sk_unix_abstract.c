// SPDX-License-Identifier: GPL-2.0
/*
 * sk_unix_abstract: abstract names. A stream listener under a name with
 * a NUL byte inside it, an autobound datagram socket (the kernel picks
 * its 5-hex-digit name), and a datagram client connected to the
 * autobound one with a message queued. After restore the names must be
 * the same bytes, the client still connected, the message still there,
 * and the listener must take a connection by its name.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "zdtmtst.h"

static int same_name(int sk, const struct sockaddr_un *want, socklen_t want_len, bool peer)
{
	struct sockaddr_un got;
	socklen_t len = sizeof(got);
	int r = peer ? getpeername(sk, (struct sockaddr *)&got, &len) :
		       getsockname(sk, (struct sockaddr *)&got, &len);

	return !r && len == want_len && !memcmp(&got, want, len);
}

int main(int argc, char **argv)
{
	struct sockaddr_un la = { .sun_family = AF_UNIX }, auto_a, any = { .sun_family = AF_UNIX };
	socklen_t la_len, auto_len = sizeof(auto_a);
	int l, d, c, s, ret;
	char buf[16];

	ret = test_init(argc, argv, 0);
	if (ret)
		return test_init_exit(ret);
	/* "\0zdtm\0abstract-PID": a NUL inside the name too */
	la_len = 6 + snprintf(la.sun_path + 6, sizeof(la.sun_path) - 6, "abstract-%d", getpid());
	memcpy(la.sun_path, "\0zdtm\0", 6);
	la_len += offsetof(struct sockaddr_un, sun_path);
	l = socket(AF_UNIX, SOCK_STREAM, 0);
	d = socket(AF_UNIX, SOCK_DGRAM, 0);
	c = socket(AF_UNIX, SOCK_DGRAM, 0);
	if (l < 0 || d < 0 || c < 0 || bind(l, (struct sockaddr *)&la, la_len) || listen(l, 3) ||
	    bind(d, (struct sockaddr *)&any, sizeof(sa_family_t)) ||
	    getsockname(d, (struct sockaddr *)&auto_a, &auto_len) ||
	    connect(c, (struct sockaddr *)&auto_a, auto_len) || send(c, "hello", 5, 0) != 5) {
		fail("setup: %m");
		return 1;
	}
	test_msg("autobound name @%.*s", (int)(auto_len - 3), auto_a.sun_path + 1);
	if (test_daemon())
		return 1;
	test_waitsig();
	if (test_broken())
		la.sun_path[2] ^= 1;
	if (!same_name(l, &la, la_len, false)) {
		fail("the listener's abstract name changed");
		return 1;
	}
	if (!same_name(d, &auto_a, auto_len, false) || !same_name(c, &auto_a, auto_len, true)) {
		fail("the autobound name or the connection to it changed");
		return 1;
	}
	if (recv(d, buf, sizeof(buf), MSG_DONTWAIT) != 5 || memcmp(buf, "hello", 5)) {
		fail("the queued message is gone (%m)");
		return 1;
	}
	s = socket(AF_UNIX, SOCK_STREAM, 0);
	if (s < 0 || connect(s, (struct sockaddr *)&la, la_len)) {
		fail("can't connect to the listener by its name: %m");
		return 1;
	}
	pass();
	return 0;
}
