// SPDX-License-Identifier: GPL-2.0
/*
 * sk_unix_stream_queue: a stream socketpair with 200 KiB queued one way
 * (many writes of random sizes) and 3 bytes the other way, and the
 * application's own SO_PEEK_OFF set on one end after a peek. The dump
 * reads the queues without consuming them; after restore every byte
 * must come out in order, and the peek offset must be the one set.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "zdtmtst.h"

#define BIG		(200 * 1024)
#define PEEK_OFF	1000

static int sv[2];
static unsigned char *data;

int main(int argc, char **argv)
{
	uint64_t rnd = 42;
	size_t done = 0, got = 0, n;
	unsigned char *buf;
	int off, ret, sz = 1 << 20;
	socklen_t len = sizeof(off);
	ssize_t r;

	ret = test_init(argc, argv, 0);
	if (ret)
		return test_init_exit(ret);
	data = malloc(BIG);
	buf = malloc(BIG);
	if (!data || !buf || socketpair(AF_UNIX, SOCK_STREAM, 0, sv)) {
		fail("setup: %m");
		return 1;
	}
	setsockopt(sv[0], SOL_SOCKET, SO_SNDBUF, &sz, sizeof(sz));
	setsockopt(sv[1], SOL_SOCKET, SO_RCVBUF, &sz, sizeof(sz));
	datagen(data, BIG, 7);
	while (done < BIG) {
		n = 1 + test_rand(&rnd) % 5000;
		if (n > BIG - done)
			n = BIG - done;
		r = send(sv[0], data + done, n, MSG_DONTWAIT);
		if (r <= 0) {
			fail("send at %zu: %m", done);
			return 1;
		}
		done += r;
	}
	if (send(sv[1], "abc", 3, 0) != 3) {
		fail("send back: %m");
		return 1;
	}
	off = 0;
	setsockopt(sv[1], SOL_SOCKET, SO_PEEK_OFF, &off, sizeof(off));
	if (recv(sv[1], buf, PEEK_OFF, MSG_PEEK) != PEEK_OFF) {
		fail("peek: %m");
		return 1;
	}
	if (test_daemon())
		return 1;
	test_waitsig();
	if (test_broken())
		recv(sv[1], buf, 1, MSG_DONTWAIT);
	if (getsockopt(sv[1], SOL_SOCKET, SO_PEEK_OFF, &off, &len) || off != PEEK_OFF) {
		fail("SO_PEEK_OFF is %d, want %d (%m)", off, PEEK_OFF);
		return 1;
	}
	off = -1;
	setsockopt(sv[1], SOL_SOCKET, SO_PEEK_OFF, &off, sizeof(off));
	while (got < BIG) {
		r = recv(sv[1], buf + got, BIG - got, MSG_DONTWAIT);
		if (r <= 0)
			break;
		got += r;
	}
	if (got != BIG || memcmp(buf, data, BIG)) {
		fail("got %zu of %d bytes%s", got, BIG, got == BIG ? ", different" : "");
		return 1;
	}
	if (recv(sv[1], buf, 1, MSG_DONTWAIT) >= 0 || errno != EAGAIN) {
		fail("more bytes than were sent");
		return 1;
	}
	if (recv(sv[0], buf, 16, MSG_DONTWAIT) != 3 || memcmp(buf, "abc", 3)) {
		fail("the other direction lost its 3 bytes");
		return 1;
	}
	pass();
	return 0;
}
