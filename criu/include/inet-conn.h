/* SPDX-License-Identifier: GPL-2.0 */
#ifndef CRIU_INET_CONN_H
#define CRIU_INET_CONN_H

/*
 * inet-conn.c: one IPv4 or IPv6 connection by its addresses, as the
 * inet socket kind (sk-inet.c), the TCP connections (sk-tcp.c, sk-tcp-fin.c)
 * and the network lock (net-lock.c) all name it. Calls nothing of theirs.
 */
#include <stddef.h>
#include <sys/socket.h>

/* Both ends of a connection, as the socket sees them. */
struct inet_conn {
	int family;
	struct sockaddr_storage src;	/* local */
	struct sockaddr_storage dst;	/* peer */
};

/* "ESTABLISHED", "FIN-WAIT1", ... */
const char *inet_state_name(unsigned int state);
/* "127.0.0.1:80 -> 127.0.0.1:4242" */
void inet_conn_str(const struct inet_conn *c, char *buf, size_t len);

/*
 * The mark that lets criu's own packets through the network lock
 * (net-lock.c matches it, sk-tcp-fin.c sets it).
 */
#define NET_LOCK_MARK	0xC114

#endif /* CRIU_INET_CONN_H */
