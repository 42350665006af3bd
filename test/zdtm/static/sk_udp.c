// SPDX-License-Identifier: GPL-2.0
/*
 * sk_udp: UDP over 127.0.0.1 and ::1: a bound socket (SO_BROADCAST on
 * the IPv4 one), one connected to it (IP_FREEBIND on it), and an
 * unbound one. After restore: the same addresses and peers, the options,
 * and datagrams both ways: bound -> connected by sendto(), connected ->
 * bound by send(); a datagram from a third socket does not reach the
 * connected one (it still filters by its peer).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "inet.h"
#include "zdtmtst.h"

struct udp {
	int family;
	int bound, conn, unbound;
	struct inet_addr baddr, caddr;
};

static struct udp udps[2] = { { .family = AF_INET }, { .family = AF_INET6 } };

static int make(struct udp *u)
{
	struct inet_addr peer;
	int one = 1;

	u->bound = inet_bound(u->family, SOCK_DGRAM, 0);
	u->conn = socket(u->family, SOCK_DGRAM, 0);
	u->unbound = socket(u->family, SOCK_DGRAM, 0);
	if (u->bound < 0 || u->conn < 0 || u->unbound < 0 || inet_names(u->bound, &u->baddr, &peer))
		return -1;
	if (u->family == AF_INET &&
	    setsockopt(u->bound, SOL_SOCKET, SO_BROADCAST, &one, sizeof(one)))
		return -1;
	if (setsockopt(u->conn, SOL_IP, IP_FREEBIND, &one, sizeof(one)) ||
	    connect(u->conn, (struct sockaddr *)&u->baddr.ss, u->baddr.len) ||
	    inet_names(u->conn, &u->caddr, &peer))
		return -1;
	return 0;
}

static int xfer(int from, const struct inet_addr *to, int into, const char *msg)
{
	char buf[64] = "";
	ssize_t n = to ? sendto(from, msg, strlen(msg), 0, (const struct sockaddr *)&to->ss, to->len) :
			 send(from, msg, strlen(msg), 0);

	if (n != (ssize_t)strlen(msg))
		return -1;
	n = inet_read_wait(into, buf, sizeof(buf) - 1, 3000);
	return n == (ssize_t)strlen(msg) && !memcmp(buf, msg, n) ? 0 : -1;
}

static int check(struct udp *u)
{
	struct inet_addr self, peer;
	char buf[16];
	int other;

	if (inet_names(u->bound, &self, &peer) || !inet_same_addr(&self, &u->baddr) || peer.len) {
		fail("family %d: bound socket's address changed", u->family);
		return -1;
	}
	if (inet_names(u->conn, &self, &peer) || !inet_same_addr(&self, &u->caddr) ||
	    !inet_same_addr(&peer, &u->baddr)) {
		fail("family %d: connected socket's addresses changed", u->family);
		return -1;
	}
	if (inet_names(u->unbound, &self, &peer) || ((struct sockaddr_in *)&self.ss)->sin_port) {
		fail("family %d: unbound socket got bound", u->family);
		return -1;
	}
	if ((u->family == AF_INET && inet_getint(u->bound, SOL_SOCKET, SO_BROADCAST) != 1) ||
	    inet_getint(u->conn, SOL_IP, IP_FREEBIND) != 1) {
		fail("family %d: SO_BROADCAST or IP_FREEBIND lost", u->family);
		return -1;
	}
	if (xfer(u->bound, &u->caddr, u->conn, "to-conn") || xfer(u->conn, NULL, u->bound, "to-bound")) {
		fail("family %d: datagrams do not pass (%m)", u->family);
		return -1;
	}
	other = inet_bound(u->family, SOCK_DGRAM, 0);
	if (other < 0 || sendto(other, "x", 1, 0, (struct sockaddr *)&u->caddr.ss, u->caddr.len) != 1) {
		fail("family %d: third socket: %m", u->family);
		return -1;
	}
	if (inet_read_wait(u->conn, buf, sizeof(buf), 200) > 0) {
		fail("family %d: the connected socket takes datagrams from anyone", u->family);
		return -1;
	}
	close(other);
	return 0;
}

int main(int argc, char **argv)
{
	int ret = test_init(argc, argv, 0);
	unsigned int i;

	if (ret)
		return test_init_exit(ret);
	for (i = 0; i < 2; i++)
		if (make(&udps[i])) {
			fail("family %d: %m", udps[i].family);
			return 1;
		}
	if (test_daemon())
		return 1;
	test_waitsig();
	if (test_broken()) {
		struct sockaddr sa = { .sa_family = AF_UNSPEC };

		connect(udps[1].conn, &sa, sizeof(sa));
	}
	for (i = 0; i < 2; i++)
		if (check(&udps[i]))
			return 1;
	pass();
	return 0;
}
