// SPDX-License-Identifier: GPL-2.0
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <string.h>
#include <unistd.h>

#include "inet.h"
#include "zdtmtst.h"

void inet_loopback(int family, unsigned int port, struct inet_addr *a)
{
	memset(a, 0, sizeof(*a));
	if (family == AF_INET) {
		struct sockaddr_in *s = (void *)&a->ss;

		s->sin_family = AF_INET;
		s->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		s->sin_port = htons(port);
		a->len = sizeof(*s);
	} else {
		struct sockaddr_in6 *s = (void *)&a->ss;

		s->sin6_family = AF_INET6;
		s->sin6_addr = in6addr_loopback;
		s->sin6_port = htons(port);
		a->len = sizeof(*s);
	}
}

static unsigned int port_of(const struct inet_addr *a)
{
	if (a->ss.ss_family == AF_INET)
		return ntohs(((const struct sockaddr_in *)&a->ss)->sin_port);
	return ntohs(((const struct sockaddr_in6 *)&a->ss)->sin6_port);
}

int inet_bound(int family, int type, unsigned int port)
{
	struct inet_addr a;
	int sk;

	sk = socket(family, type, 0);
	if (sk < 0) {
		pr_perror("socket");
		return -1;
	}
	inet_loopback(family, port, &a);
	if (bind(sk, (struct sockaddr *)&a.ss, a.len)) {
		pr_perror("bind");
		close(sk);
		return -1;
	}
	return sk;
}

int inet_listener(int family, int backlog, unsigned int *port)
{
	struct inet_addr self, peer;
	int sk = inet_bound(family, SOCK_STREAM, 0);

	if (sk < 0)
		return -1;
	if (listen(sk, backlog) || inet_names(sk, &self, &peer)) {
		pr_perror("listen");
		close(sk);
		return -1;
	}
	*port = port_of(&self);
	return sk;
}

int inet_tcp_pair(int family, int lsk, int *client, int *server)
{
	struct inet_addr self, peer;

	if (inet_names(lsk, &self, &peer))
		return -1;
	*client = socket(family, SOCK_STREAM, 0);
	if (*client < 0 || connect(*client, (struct sockaddr *)&self.ss, self.len)) {
		pr_perror("connect");
		return -1;
	}
	*server = accept(lsk, NULL, NULL);
	if (*server < 0) {
		pr_perror("accept");
		return -1;
	}
	return 0;
}

int inet_names(int sk, struct inet_addr *self, struct inet_addr *peer)
{
	memset(self, 0, sizeof(*self));
	memset(peer, 0, sizeof(*peer));
	self->len = sizeof(self->ss);
	peer->len = sizeof(peer->ss);
	if (getsockname(sk, (struct sockaddr *)&self->ss, &self->len))
		return -1;
	if (getpeername(sk, (struct sockaddr *)&peer->ss, &peer->len)) {
		if (errno != ENOTCONN)
			return -1;
		peer->len = 0;
	}
	return 0;
}

int inet_same_addr(const struct inet_addr *a, const struct inet_addr *b)
{
	return a->len == b->len && !memcmp(&a->ss, &b->ss, a->len);
}

long inet_fill(int sk, unsigned int id, uint64_t *off, uint64_t max)
{
	uint8_t buf[4096];
	long total = 0;
	ssize_t n;
	size_t i, len;

	while (*off < max) {
		len = max - *off < sizeof(buf) ? max - *off : sizeof(buf);
		for (i = 0; i < len; i++)
			buf[i] = inet_pat(*off + i, id);
		n = send(sk, buf, len, MSG_DONTWAIT);
		if (n < 0) {
			if (errno == EAGAIN)
				break;
			pr_perror("send");
			return -1;
		}
		*off += n;
		total += n;
	}
	return total;
}

long inet_read_wait(int sk, void *buf, size_t len, int ms)
{
	struct pollfd p = { .fd = sk, .events = POLLIN };
	int r = poll(&p, 1, ms);

	if (r < 0)
		return -1;
	if (r == 0) {
		errno = ETIMEDOUT;
		return -1;
	}
	return recv(sk, buf, len, MSG_DONTWAIT);
}

int inet_drain(int sk, unsigned int id, uint64_t *off, uint64_t len, int ms)
{
	uint8_t buf[4096];
	uint64_t end = *off + len;
	long n, i;

	while (*off < end) {
		n = inet_read_wait(sk, buf, end - *off < sizeof(buf) ? end - *off : sizeof(buf), ms);
		if (n <= 0) {
			fail("stream %u: %s at byte %llu of %llu", id,
			     n < 0 ? strerror(errno) : "end of file",
			     (unsigned long long)*off, (unsigned long long)end);
			return -1;
		}
		for (i = 0; i < n; i++)
			if (buf[i] != inet_pat(*off + i, id)) {
				fail("stream %u: byte %llu is %#x, want %#x", id,
				     (unsigned long long)(*off + i), buf[i], inet_pat(*off + i, id));
				return -1;
			}
		*off += n;
	}
	return 0;
}

int inet_getint(int sk, int level, int opt)
{
	socklen_t len = sizeof(int);
	int v = -1;

	if (getsockopt(sk, level, opt, &v, &len))
		return -1;
	return v;
}

int inet_tcp_state(int sk)
{
	struct tcp_info ti;
	socklen_t len = sizeof(ti);

	if (getsockopt(sk, SOL_TCP, TCP_INFO, &ti, &len))
		return -1;
	return ti.tcpi_state;
}

int inet_read_is(int sk, const char *want, int ms, const char *what)
{
	char buf[64] = "";
	long n = inet_read_wait(sk, buf, sizeof(buf) - 1, ms);

	if (n != (long)strlen(want) || memcmp(buf, want, n)) {
		fail("%s: read %ld bytes '%s', want '%s' (%s)", what, n, buf, want,
		     n < 0 ? strerror(errno) : "data differs");
		return -1;
	}
	return 0;
}
