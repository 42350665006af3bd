// SPDX-License-Identifier: GPL-2.0
/*
 * sk_inet_listen: TCP listeners on 127.0.0.1 (backlog 5) and ::1
 * (backlog 17, IPV6_V6ONLY), a dual-stack one on [::] (v6only off,
 * SO_REUSEADDR), a TCP socket bound but not listening, and one never
 * bound. After restore: the same ports and addresses, listening with
 * the same backlog (TCP_INFO), the same v6only and SO_REUSEADDR; each
 * listener accepts (the dual-stack one over IPv4 too); the bound socket
 * can still listen on its port, the unbound one is unbound.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/tcp.h>
#include <string.h>
#include <unistd.h>

#include "inet.h"
#include "zdtmtst.h"

struct lsk {
	int family, backlog, v6only, reuse, any;
	int sk;
	unsigned int port;
};

static struct lsk lsks[] = {
	{ AF_INET, 5, -1, 0, 0 },
	{ AF_INET6, 17, 1, 0, 0 },
	{ AF_INET6, 9, 0, 1, 1 },
};
#define NR_LSK	(sizeof(lsks) / sizeof(lsks[0]))

static int bound_sk, unbound_sk;
static struct inet_addr bound_addr;

static int make(struct lsk *l)
{
	struct inet_addr a, self, peer;
	int one = 1;

	l->sk = socket(l->family, SOCK_STREAM, 0);
	if (l->sk < 0)
		return -1;
	if (l->v6only >= 0 && setsockopt(l->sk, SOL_IPV6, IPV6_V6ONLY, &l->v6only, sizeof(int)))
		return -1;
	if (l->reuse && setsockopt(l->sk, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)))
		return -1;
	inet_loopback(l->family, 0, &a);
	if (l->any)
		((struct sockaddr_in6 *)&a.ss)->sin6_addr = in6addr_any;
	if (bind(l->sk, (struct sockaddr *)&a.ss, a.len) || listen(l->sk, l->backlog) ||
	    inet_names(l->sk, &self, &peer))
		return -1;
	l->port = ntohs(((struct sockaddr_in *)&self.ss)->sin_port);
	return 0;
}

static int backlog_of(int sk)
{
	struct tcp_info ti;
	socklen_t len = sizeof(ti);

	if (getsockopt(sk, SOL_TCP, TCP_INFO, &ti, &len))
		return -1;
	return ti.tcpi_state == 10 ? (int)ti.tcpi_sacked : -1;
}

static int accepts(int family, unsigned int port, int lsk)
{
	struct inet_addr a;
	int c, s;

	inet_loopback(family, port, &a);
	c = socket(family, SOCK_STREAM, 0);
	if (c < 0 || connect(c, (struct sockaddr *)&a.ss, a.len))
		return -1;
	s = accept(lsk, NULL, NULL);
	if (s < 0)
		return -1;
	close(c);
	close(s);
	return 0;
}

static int check(struct lsk *l)
{
	struct inet_addr self, peer;

	if (inet_names(l->sk, &self, &peer) ||
	    ntohs(((struct sockaddr_in *)&self.ss)->sin_port) != l->port) {
		fail("listener of family %d: port %u lost", l->family, l->port);
		return -1;
	}
	if (inet_getint(l->sk, SOL_SOCKET, SO_ACCEPTCONN) != 1 || backlog_of(l->sk) != l->backlog) {
		fail("port %u: listening %d, backlog %d (want %d)", l->port,
		     inet_getint(l->sk, SOL_SOCKET, SO_ACCEPTCONN), backlog_of(l->sk), l->backlog);
		return -1;
	}
	if (l->v6only >= 0 && inet_getint(l->sk, SOL_IPV6, IPV6_V6ONLY) != l->v6only) {
		fail("port %u: v6only %d, want %d", l->port, inet_getint(l->sk, SOL_IPV6, IPV6_V6ONLY),
		     l->v6only);
		return -1;
	}
	if (inet_getint(l->sk, SOL_SOCKET, SO_REUSEADDR) != l->reuse) {
		fail("port %u: SO_REUSEADDR %d, want %d", l->port,
		     inet_getint(l->sk, SOL_SOCKET, SO_REUSEADDR), l->reuse);
		return -1;
	}
	if (accepts(l->family, l->port, l->sk) || (l->any && accepts(AF_INET, l->port, l->sk))) {
		fail("port %u: does not accept (%m)", l->port);
		return -1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct inet_addr self, peer;
	unsigned int i;
	int ret = test_init(argc, argv, 0);

	if (ret)
		return test_init_exit(ret);
	for (i = 0; i < NR_LSK; i++)
		if (make(&lsks[i])) {
			fail("listener %u: %m", i);
			return 1;
		}
	bound_sk = inet_bound(AF_INET, SOCK_STREAM, 0);
	unbound_sk = socket(AF_INET6, SOCK_STREAM, 0);
	if (bound_sk < 0 || unbound_sk < 0 || inet_names(bound_sk, &bound_addr, &peer)) {
		fail("bound/unbound sockets: %m");
		return 1;
	}
	if (test_daemon())
		return 1;
	test_waitsig();
	if (test_broken())
		listen(lsks[1].sk, 3);
	for (i = 0; i < NR_LSK; i++)
		if (check(&lsks[i]))
			return 1;
	if (inet_names(bound_sk, &self, &peer) || !inet_same_addr(&self, &bound_addr) ||
	    inet_getint(bound_sk, SOL_SOCKET, SO_ACCEPTCONN) != 0 || listen(bound_sk, 1)) {
		fail("bound TCP socket: address or state lost");
		return 1;
	}
	if (inet_names(unbound_sk, &self, &peer) ||
	    ((struct sockaddr_in6 *)&self.ss)->sin6_port != 0) {
		fail("unbound TCP socket got bound");
		return 1;
	}
	pass();
	return 0;
}
