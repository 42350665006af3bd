// SPDX-License-Identifier: GPL-2.0
/*
 * A connection by its addresses, in the words every inet file logs it
 * with: below the socket kind, the TCP connections and the network lock.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <sys/socket.h>

#include "inet-conn.h"

void inet_conn_str(const struct inet_conn *c, char *buf, size_t len)
{
	char s[INET6_ADDRSTRLEN] = "?", d[INET6_ADDRSTRLEN] = "?";
	unsigned int sp, dp;

	if (c->family == AF_INET) {
		const struct sockaddr_in *a = (const void *)&c->src, *b = (const void *)&c->dst;

		inet_ntop(AF_INET, &a->sin_addr, s, sizeof(s));
		inet_ntop(AF_INET, &b->sin_addr, d, sizeof(d));
		sp = ntohs(a->sin_port);
		dp = ntohs(b->sin_port);
		snprintf(buf, len, "%s:%u -> %s:%u", s, sp, d, dp);
	} else {
		const struct sockaddr_in6 *a = (const void *)&c->src, *b = (const void *)&c->dst;

		inet_ntop(AF_INET6, &a->sin6_addr, s, sizeof(s));
		inet_ntop(AF_INET6, &b->sin6_addr, d, sizeof(d));
		sp = ntohs(a->sin6_port);
		dp = ntohs(b->sin6_port);
		snprintf(buf, len, "[%s]:%u -> [%s]:%u", s, sp, d, dp);
	}
}

const char *inet_state_name(unsigned int st)
{
	static const char *const names[] = {
		[1] = "ESTABLISHED", [2] = "SYN-SENT", [3] = "SYN-RECV",
		[4] = "FIN-WAIT1", [5] = "FIN-WAIT2", [6] = "TIME-WAIT",
		[7] = "CLOSE", [8] = "CLOSE-WAIT", [9] = "LAST-ACK",
		[10] = "LISTEN", [11] = "CLOSING",
	};

	return st < sizeof(names) / sizeof(names[0]) && names[st] ? names[st] : "unknown";
}
