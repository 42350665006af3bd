// SPDX-License-Identifier: GPL-2.0
/*
 * sk_unix_dgram: datagram sockets. A bound server (a path in the work
 * directory, mode 0640) with messages queued from an unbound client
 * connected to it by name and from an unconnected one (sendto), one of
 * them empty; and a datagram socketpair with messages queued. After
 * restore every message must come out whole and in order, the server
 * keeps its name, file and mode, and the client stays connected to it.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "zdtmtst.h"

static const char *const msgs[] = { "first", "", "third, a longer message", "4" };
#define NR_MSGS	(sizeof(msgs) / sizeof(msgs[0]))

static struct sockaddr_un addr;
static socklen_t addr_len;
static int srv, cli, lone, pr[2];

static int expect(int sk, const char *want, const char *what)
{
	char buf[128];
	ssize_t n = recv(sk, buf, sizeof(buf), MSG_DONTWAIT);

	if (n != (ssize_t)strlen(want) || memcmp(buf, want, n)) {
		fail("%s: got %zd bytes '%.*s', want '%s' (%m)", what, n, (int)(n > 0 ? n : 0),
		     buf, want);
		return -1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct sockaddr_un got;
	socklen_t len = sizeof(got);
	struct stat st;
	unsigned int i;
	char buf[8];
	int ret;

	ret = test_init(argc, argv, 0);
	if (ret)
		return test_init_exit(ret);
	addr.sun_family = AF_UNIX;
	if (!getcwd(addr.sun_path, sizeof(addr.sun_path) - 8)) {
		fail("getcwd: %m");
		return 1;
	}
	strcat(addr.sun_path, "/dgram");
	addr_len = offsetof(struct sockaddr_un, sun_path) + strlen(addr.sun_path) + 1;
	srv = socket(AF_UNIX, SOCK_DGRAM, 0);
	cli = socket(AF_UNIX, SOCK_DGRAM, 0);
	lone = socket(AF_UNIX, SOCK_DGRAM, 0);
	if (srv < 0 || cli < 0 || lone < 0 || socketpair(AF_UNIX, SOCK_DGRAM, 0, pr) ||
	    bind(srv, (struct sockaddr *)&addr, addr_len) || chmod(addr.sun_path, 0640) ||
	    connect(cli, (struct sockaddr *)&addr, addr_len)) {
		fail("setup: %m");
		return 1;
	}
	for (i = 0; i < NR_MSGS; i++) {
		int s = i % 2 ? lone : cli;

		if (sendto(s, msgs[i], strlen(msgs[i]), 0, i % 2 ? (struct sockaddr *)&addr : NULL,
			   i % 2 ? addr_len : 0) < 0 ||
		    send(pr[i % 2], msgs[i], strlen(msgs[i]), 0) < 0) {
			fail("send %u: %m", i);
			return 1;
		}
	}
	if (test_daemon())
		return 1;
	test_waitsig();
	if (test_broken())
		recv(srv, buf, sizeof(buf), MSG_DONTWAIT);
	if (getsockname(srv, (struct sockaddr *)&got, &len) || len != addr_len ||
	    memcmp(&got, &addr, len)) {
		fail("server name is not %s (%m)", addr.sun_path);
		return 1;
	}
	if (stat(addr.sun_path, &st) || !S_ISSOCK(st.st_mode) || (st.st_mode & 07777) != 0640) {
		fail("%s: mode %o (%m)", addr.sun_path, st.st_mode);
		return 1;
	}
	for (i = 0; i < NR_MSGS; i++) {
		if (expect(srv, msgs[i], "server"))
			return 1;
		if (expect(pr[(i + 1) % 2], msgs[i], "pair"))
			return 1;
	}
	if (recv(srv, buf, sizeof(buf), MSG_DONTWAIT) >= 0 || errno != EAGAIN) {
		fail("server: more messages than were sent");
		return 1;
	}
	len = sizeof(got);
	if (getpeername(cli, (struct sockaddr *)&got, &len) || len != addr_len ||
	    memcmp(&got, &addr, len)) {
		fail("client is no longer connected to %s (%m)", addr.sun_path);
		return 1;
	}
	if (send(cli, "again", 5, 0) != 5 || expect(srv, "again", "server after restore"))
		return 1;
	pass();
	return 0;
}
