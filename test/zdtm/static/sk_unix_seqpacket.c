// SPDX-License-Identifier: GPL-2.0
/*
 * sk_unix_seqpacket: a seqpacket listener bound to an abstract name with
 * one connection accepted; records of several sizes queued both ways on
 * that connection. After restore the records must come out with their
 * boundaries, the accepted socket keeps the listener's name, and the
 * listener still takes new connections.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "zdtmtst.h"

static const size_t sizes[] = { 1, 100, 3000, 17 };
#define NR	(sizeof(sizes) / sizeof(sizes[0]))

static struct sockaddr_un addr;
static socklen_t addr_len;

static int check_records(int sk, int seed, const char *what)
{
	char buf[4096], want[4096];
	unsigned int i;
	ssize_t n;

	for (i = 0; i < NR; i++) {
		n = recv(sk, buf, sizeof(buf), MSG_DONTWAIT);
		datagen(want, sizes[i], seed + i);
		if (n != (ssize_t)sizes[i] || memcmp(buf, want, n)) {
			fail("%s: record %u is %zd bytes, want %zu (%m)", what, i, n, sizes[i]);
			return -1;
		}
	}
	if (recv(sk, buf, sizeof(buf), MSG_DONTWAIT) >= 0 || errno != EAGAIN) {
		fail("%s: more records than were sent", what);
		return -1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct sockaddr_un got;
	socklen_t len = sizeof(got);
	char buf[4096];
	unsigned int i;
	int l, c, a, c2, ret;

	ret = test_init(argc, argv, 0);
	if (ret)
		return test_init_exit(ret);
	addr.sun_family = AF_UNIX;
	addr_len = offsetof(struct sockaddr_un, sun_path) + 1 +
		   snprintf(addr.sun_path + 1, sizeof(addr.sun_path) - 1, "zdtm-seqpacket-%d",
			    getpid());
	l = socket(AF_UNIX, SOCK_SEQPACKET, 0);
	c = socket(AF_UNIX, SOCK_SEQPACKET, 0);
	if (l < 0 || c < 0 || bind(l, (struct sockaddr *)&addr, addr_len) || listen(l, 4) ||
	    connect(c, (struct sockaddr *)&addr, addr_len)) {
		fail("setup: %m");
		return 1;
	}
	a = accept(l, NULL, NULL);
	if (a < 0) {
		fail("accept: %m");
		return 1;
	}
	for (i = 0; i < NR; i++) {
		datagen(buf, sizes[i], 10 + i);
		if (send(c, buf, sizes[i], 0) != (ssize_t)sizes[i])
			return 1;
		datagen(buf, sizes[i], 20 + i);
		if (send(a, buf, sizes[i], 0) != (ssize_t)sizes[i])
			return 1;
	}
	if (test_daemon())
		return 1;
	test_waitsig();
	if (test_broken())
		recv(a, buf, 1, MSG_DONTWAIT);	/* the rest of the record is gone */
	if (check_records(a, 10, "accepted end") || check_records(c, 20, "connecting end"))
		return 1;
	if (getsockname(a, (struct sockaddr *)&got, &len) || len != addr_len ||
	    memcmp(&got, &addr, len)) {
		fail("the accepted socket lost the listener's name (%m)");
		return 1;
	}
	c2 = socket(AF_UNIX, SOCK_SEQPACKET, 0);
	if (c2 < 0 || connect(c2, (struct sockaddr *)&addr, addr_len) || accept(l, NULL, NULL) < 0) {
		fail("the listener takes no new connection: %m");
		return 1;
	}
	if (send(c, "x", 1, 0) != 1 || recv(a, buf, 2, MSG_DONTWAIT) != 1) {
		fail("the connection no longer works: %m");
		return 1;
	}
	pass();
	return 0;
}
