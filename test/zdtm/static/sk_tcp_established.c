// SPDX-License-Identifier: GPL-2.0
/*
 * sk_tcp_established: established TCP connections over 127.0.0.1 and ::1,
 * both ends in this process, with data queued both ways: the client has
 * written until its send buffer is full (the server's receive queue
 * full, the rest in the client's send queue, partly never sent), the
 * server has written a little that the client has not read. TCP_NODELAY
 * and keepalive (with its idle time) on the client. After restore: the
 * same addresses, options, every queued byte in order, then a request
 * and its answer both ways; the listener still accepts.
 */
#include <errno.h>
#include <netinet/tcp.h>
#include <string.h>
#include <unistd.h>

#include "inet.h"
#include "zdtmtst.h"

#define BUF	32768
#define SC_LEN	3000

struct conn {
	int family;
	int lsk, cli, srv;
	unsigned int port;
	uint64_t cs_off, sc_off;	/* written */
	struct inet_addr cself, cpeer, sself, speer;
};

static struct conn conns[2] = { { .family = AF_INET }, { .family = AF_INET6 } };

static int setint(int sk, int level, int opt, int val)
{
	return setsockopt(sk, level, opt, &val, sizeof(val));
}

static int setup(struct conn *c)
{
	c->lsk = inet_listener(c->family, 8, &c->port);
	if (c->lsk < 0 || setint(c->lsk, SOL_SOCKET, SO_RCVBUF, BUF))
		return -1;
	if (inet_tcp_pair(c->family, c->lsk, &c->cli, &c->srv))
		return -1;
	if (setint(c->cli, SOL_SOCKET, SO_SNDBUF, BUF) || setint(c->cli, SOL_TCP, TCP_NODELAY, 1) ||
	    setint(c->cli, SOL_SOCKET, SO_KEEPALIVE, 1) || setint(c->cli, SOL_TCP, TCP_KEEPIDLE, 77)) {
		pr_perror("setsockopt");
		return -1;
	}
	if (inet_fill(c->srv, 2, &c->sc_off, SC_LEN) != SC_LEN)
		return -1;
	/* until nothing more fits; give the kernel time to move it along */
	for (int i = 0; i < 20; i++) {
		if (inet_fill(c->cli, 1, &c->cs_off, 1 << 30) < 0)
			return -1;
		usleep(10000);
	}
	if (inet_names(c->cli, &c->cself, &c->cpeer) || inet_names(c->srv, &c->sself, &c->speer))
		return -1;
	test_msg("family %d: %llu bytes client->server, %llu back\n", c->family,
		 (unsigned long long)c->cs_off, (unsigned long long)c->sc_off);
	return 0;
}

static int talk(int a, int b, const char *msg)
{
	char buf[64] = "";
	long n;

	if (send(a, msg, strlen(msg), 0) != (ssize_t)strlen(msg)) {
		fail("send %s: %m", msg);
		return -1;
	}
	n = inet_read_wait(b, buf, sizeof(buf) - 1, 5000);
	if (n != (long)strlen(msg) || memcmp(buf, msg, n)) {
		fail("sent %s, got %ld bytes '%s' (%m)", msg, n, buf);
		return -1;
	}
	return 0;
}

static int check(struct conn *c)
{
	struct inet_addr self, peer;
	uint64_t cs = 0, sc = 0;
	int cli2, srv2;

	if (inet_names(c->cli, &self, &peer) || !inet_same_addr(&self, &c->cself) ||
	    !inet_same_addr(&peer, &c->cpeer)) {
		fail("family %d: client addresses changed", c->family);
		return -1;
	}
	if (inet_names(c->srv, &self, &peer) || !inet_same_addr(&self, &c->sself) ||
	    !inet_same_addr(&peer, &c->speer)) {
		fail("family %d: server addresses changed", c->family);
		return -1;
	}
	if (inet_getint(c->cli, SOL_TCP, TCP_NODELAY) != 1 || inet_getint(c->cli, SOL_SOCKET, SO_KEEPALIVE) != 1 ||
	    inet_getint(c->cli, SOL_TCP, TCP_KEEPIDLE) != 77) {
		fail("family %d: client options lost (nodelay %d keepalive %d idle %d)", c->family,
		     inet_getint(c->cli, SOL_TCP, TCP_NODELAY), inet_getint(c->cli, SOL_SOCKET, SO_KEEPALIVE),
		     inet_getint(c->cli, SOL_TCP, TCP_KEEPIDLE));
		return -1;
	}
	if (inet_getint(c->srv, SOL_TCP, TCP_NODELAY) != 0) {
		fail("family %d: server has TCP_NODELAY", c->family);
		return -1;
	}
	if (inet_drain(c->srv, 1, &cs, c->cs_off, 5000) || inet_drain(c->cli, 2, &sc, c->sc_off, 5000))
		return -1;
	if (talk(c->cli, c->srv, "request") || talk(c->srv, c->cli, "answer"))
		return -1;
	if (inet_tcp_pair(c->family, c->lsk, &cli2, &srv2) || talk(cli2, srv2, "new")) {
		fail("family %d: the listener does not accept", c->family);
		return -1;
	}
	close(cli2);
	close(srv2);
	return 0;
}

int main(int argc, char **argv)
{
	int ret = test_init(argc, argv, 0);
	unsigned int i;
	char b;

	if (ret)
		return test_init_exit(ret);
	for (i = 0; i < 2; i++)
		if (setup(&conns[i])) {
			fail("setup of family %d", conns[i].family);
			return 1;
		}
	if (test_daemon())
		return 1;
	test_waitsig();
	if (test_broken())
		/* one byte of the server's stream gone, as a lost queue would */
		recv(conns[0].cli, &b, 1, MSG_DONTWAIT);
	for (i = 0; i < 2; i++)
		if (check(&conns[i]))
			return 1;
	pass();
	return 0;
}
