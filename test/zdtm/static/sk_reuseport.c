// SPDX-License-Identifier: GPL-2.0
/*
 * sk_reuseport: two UDP sockets and two TCP listeners sharing one port
 * each on 127.0.0.1 by SO_REUSEPORT, and on ::1 two UDP sockets. After
 * restore: SO_REUSEPORT on each, the ports shared, both listeners
 * listening; a third socket with SO_REUSEPORT can still join the group,
 * and one without it cannot.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "inet.h"
#include "zdtmtst.h"

struct group {
	int family, type;
	int sk[2];
	unsigned int port;
};

static struct group groups[] = {
	{ AF_INET, SOCK_DGRAM }, { AF_INET, SOCK_STREAM }, { AF_INET6, SOCK_DGRAM },
};
#define NR_GROUPS	(sizeof(groups) / sizeof(groups[0]))

static unsigned int port_of(int sk)
{
	struct inet_addr self, peer;

	if (inet_names(sk, &self, &peer))
		return 0;
	return ntohs(((struct sockaddr_in *)&self.ss)->sin_port);
}

static int join(struct group *g, unsigned int port, int reuse)
{
	struct inet_addr a;
	int sk = socket(g->family, g->type, 0);

	if (sk < 0)
		return -1;
	if (reuse && setsockopt(sk, SOL_SOCKET, SO_REUSEPORT, &reuse, sizeof(reuse)))
		goto err;
	inet_loopback(g->family, port, &a);
	if (bind(sk, (struct sockaddr *)&a.ss, a.len))
		goto err;
	if (g->type == SOCK_STREAM && listen(sk, 4))
		goto err;
	return sk;
err:
	close(sk);
	return -1;
}

static int check(struct group *g)
{
	int i, sk;

	for (i = 0; i < 2; i++) {
		if (inet_getint(g->sk[i], SOL_SOCKET, SO_REUSEPORT) != 1 || port_of(g->sk[i]) != g->port ||
		    (g->type == SOCK_STREAM && inet_getint(g->sk[i], SOL_SOCKET, SO_ACCEPTCONN) != 1)) {
			fail("group %d/%d socket %d: reuseport %d port %u (want %u)", g->family, g->type,
			     i, inet_getint(g->sk[i], SOL_SOCKET, SO_REUSEPORT), port_of(g->sk[i]), g->port);
			return -1;
		}
	}
	sk = join(g, g->port, 1);
	if (sk < 0) {
		fail("group %d/%d: a third member can't join port %u: %m", g->family, g->type, g->port);
		return -1;
	}
	close(sk);
	sk = join(g, g->port, 0);
	if (sk >= 0) {
		fail("group %d/%d: port %u is taken without SO_REUSEPORT", g->family, g->type, g->port);
		return -1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	int ret = test_init(argc, argv, 0);
	unsigned int i;

	if (ret)
		return test_init_exit(ret);
	for (i = 0; i < NR_GROUPS; i++) {
		struct group *g = &groups[i];

		g->sk[0] = join(g, 0, 1);
		g->port = g->sk[0] >= 0 ? port_of(g->sk[0]) : 0;
		g->sk[1] = g->port ? join(g, g->port, 1) : -1;
		if (g->sk[1] < 0) {
			fail("group %u: %m", i);
			return 1;
		}
	}
	if (test_daemon())
		return 1;
	test_waitsig();
	if (test_broken()) {
		int zero = 0;

		setsockopt(groups[2].sk[1], SOL_SOCKET, SO_REUSEPORT, &zero, sizeof(zero));
	}
	for (i = 0; i < NR_GROUPS; i++)
		if (check(&groups[i]))
			return 1;
	pass();
	return 0;
}
