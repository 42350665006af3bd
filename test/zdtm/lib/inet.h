/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers of the inet socket tests: loopback addresses of both families,
 * connected TCP pairs, a byte pattern for streams, and checks of what
 * survives (addresses, options).
 */
#ifndef ZDTM_INET_H
#define ZDTM_INET_H

#include <netinet/in.h>
#include <stdint.h>
#include <sys/socket.h>

struct inet_addr {
	struct sockaddr_storage ss;
	socklen_t len;
};

/* 127.0.0.1 or ::1 with @port (host order, 0: any). */
void inet_loopback(int family, unsigned int port, struct inet_addr *a);
/* A socket bound to the loopback of @family (port 0: the kernel picks). -1 on error. */
int inet_bound(int family, int type, unsigned int port);
/* A listener on the loopback; its port in *port. -1 on error. */
int inet_listener(int family, int backlog, unsigned int *port);
/* Connect a client to listener @lsk and accept it. 0, or -1 (failed). */
int inet_tcp_pair(int family, int lsk, int *client, int *server);
/* getsockname/getpeername of @sk into @self/@peer. */
int inet_names(int sk, struct inet_addr *self, struct inet_addr *peer);
int inet_same_addr(const struct inet_addr *a, const struct inet_addr *b);

/* Byte @off of stream @id. */
static inline uint8_t inet_pat(uint64_t off, unsigned int id)
{
	return (uint8_t)(off * 131 + (off >> 9) + id * 37);
}
/* Write the stream from @*off until the socket would block or @max. */
long inet_fill(int sk, unsigned int id, uint64_t *off, uint64_t max);
/* Read exactly @len bytes of stream @id from @*off, waiting @ms per read. */
int inet_drain(int sk, unsigned int id, uint64_t *off, uint64_t len, int ms);
/* Read whatever comes within @ms: bytes read, 0 at end of file, -1 (errno ETIMEDOUT if nothing came). */
long inet_read_wait(int sk, void *buf, size_t len, int ms);

/* getsockopt() of an int, -1 if it fails. */
int inet_getint(int sk, int level, int opt);
/* The TCP state (TCP_INFO), -1 if it can't be read. */
int inet_tcp_state(int sk);
/* Read exactly @want within @ms ("" for end of file); fail()s otherwise. */
int inet_read_is(int sk, const char *want, int ms, const char *what);

#endif
