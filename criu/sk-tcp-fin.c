// SPDX-License-Identifier: GPL-2.0
/*
 * A segment from a connection's peer, made by criu: restore needs the
 * peer's FIN in the receive queue of a half-closed connection (and the
 * peer's ACK of our FIN), which repair mode cannot put there. The
 * segment goes through a raw socket with the header built here; the
 * network lock lets it pass by its mark.
 */
#include <errno.h>
#include <netinet/in.h>
#include <netinet/ip.h>
#include <netinet/ip6.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "log.h"
#include "inet-conn.h"
#include "sk-tcp-fin.h"

struct seg4 {
	struct iphdr ip;
	struct tcphdr tcp;
};

struct seg6 {
	struct ip6_hdr ip;
	struct tcphdr tcp;
};

static uint32_t csum_add(uint32_t sum, const void *data, size_t len)
{
	const uint8_t *p = data;
	size_t i;

	for (i = 0; i + 1 < len; i += 2)
		sum += (p[i] << 8) | p[i + 1];
	if (len & 1)
		sum += p[len - 1] << 8;
	return sum;
}

static uint16_t csum_fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return htons((uint16_t)~sum);
}

static void fill_tcp(struct tcphdr *t, uint16_t sport, uint16_t dport, uint32_t seq,
		     uint32_t ack, uint16_t window, bool fin)
{
	memset(t, 0, sizeof(*t));
	t->source = sport;
	t->dest = dport;
	t->seq = htonl(seq);
	t->ack_seq = htonl(ack);
	t->doff = sizeof(*t) / 4;
	t->ack = 1;
	t->fin = fin;
	t->window = htons(window);
}

/* An IPv4-mapped IPv6 address: the connection runs over IPv4. */
static bool v4_mapped(const struct in6_addr *a)
{
	return IN6_IS_ADDR_V4MAPPED(a);
}

static int send_raw(int family, const void *seg, size_t len, const struct sockaddr *to,
		    socklen_t tolen, const char *what)
{
	int mark = NET_LOCK_MARK, sk, ret = 0;

	sk = socket(family, SOCK_RAW | SOCK_CLOEXEC, IPPROTO_RAW);
	if (sk < 0) {
		ret = -errno;
		pr_perror("%s: raw socket for the peer's segment", what);
		return ret;
	}
	if (setsockopt(sk, SOL_SOCKET, SO_MARK, &mark, sizeof(mark)) < 0 ||
	    sendto(sk, seg, len, 0, to, tolen) != (ssize_t)len) {
		ret = -errno;
		pr_perror("%s: can't send the peer's segment", what);
	}
	close(sk);
	return ret;
}

static int inject4(struct in_addr saddr, uint16_t sport, struct in_addr daddr, uint16_t dport,
		   uint32_t seq, uint32_t ack, uint16_t window, bool fin, const char *what)
{
	struct sockaddr_in to = { .sin_family = AF_INET, .sin_addr = daddr };
	struct seg4 s;
	uint32_t sum;
	uint8_t pseudo[12];

	memset(&s, 0, sizeof(s));
	s.ip.version = 4;
	s.ip.ihl = 5;
	s.ip.ttl = 64;
	s.ip.protocol = IPPROTO_TCP;
	s.ip.tot_len = htons(sizeof(s));
	s.ip.saddr = saddr.s_addr;
	s.ip.daddr = daddr.s_addr;
	fill_tcp(&s.tcp, sport, dport, seq, ack, window, fin);
	memcpy(pseudo, &saddr, 4);
	memcpy(pseudo + 4, &daddr, 4);
	pseudo[8] = 0;
	pseudo[9] = IPPROTO_TCP;
	pseudo[10] = 0;
	pseudo[11] = sizeof(s.tcp);
	sum = csum_add(0, pseudo, sizeof(pseudo));
	sum = csum_add(sum, &s.tcp, sizeof(s.tcp));
	s.tcp.check = csum_fold(sum);
	return send_raw(AF_INET, &s, sizeof(s), (struct sockaddr *)&to, sizeof(to), what);
}

static int inject6(const struct in6_addr *saddr, uint16_t sport, const struct in6_addr *daddr,
		   uint16_t dport, uint32_t seq, uint32_t ack, uint16_t window, bool fin,
		   const char *what)
{
	struct sockaddr_in6 to = { .sin6_family = AF_INET6, .sin6_addr = *daddr };
	uint32_t sum, tcplen = htonl(sizeof(struct tcphdr));
	uint8_t next[4] = { 0, 0, 0, IPPROTO_TCP };
	struct seg6 s;

	memset(&s, 0, sizeof(s));
	s.ip.ip6_flow = htonl(6u << 28);
	s.ip.ip6_plen = htons(sizeof(s.tcp));
	s.ip.ip6_nxt = IPPROTO_TCP;
	s.ip.ip6_hlim = 64;
	s.ip.ip6_src = *saddr;
	s.ip.ip6_dst = *daddr;
	fill_tcp(&s.tcp, sport, dport, seq, ack, window, fin);
	sum = csum_add(0, saddr, 16);
	sum = csum_add(sum, daddr, 16);
	sum = csum_add(sum, &tcplen, 4);
	sum = csum_add(sum, next, 4);
	sum = csum_add(sum, &s.tcp, sizeof(s.tcp));
	s.tcp.check = csum_fold(sum);
	return send_raw(AF_INET6, &s, sizeof(s), (struct sockaddr *)&to, sizeof(to), what);
}

int tcp_inject(const struct inet_conn *c, uint32_t seq, uint32_t ack, uint16_t window, bool fin)
{
	char what[160], addrs[128];

	inet_conn_str(c, addrs, sizeof(addrs));
	snprintf(what, sizeof(what), "TCP %s", addrs);
	pr_debug("%s: peer's %s seq %u ack %u window %u\n", what, fin ? "FIN" : "ACK", seq, ack,
		 window);
	if (c->family == AF_INET) {
		const struct sockaddr_in *me = (const void *)&c->src, *peer = (const void *)&c->dst;

		return inject4(peer->sin_addr, peer->sin_port, me->sin_addr, me->sin_port, seq,
			       ack, window, fin, what);
	} else {
		const struct sockaddr_in6 *me = (const void *)&c->src, *peer = (const void *)&c->dst;

		if (v4_mapped(&me->sin6_addr)) {
			struct in_addr s4, d4;

			memcpy(&s4, &peer->sin6_addr.s6_addr[12], 4);
			memcpy(&d4, &me->sin6_addr.s6_addr[12], 4);
			return inject4(s4, peer->sin6_port, d4, me->sin6_port, seq, ack, window,
				       fin, what);
		}
		return inject6(&peer->sin6_addr, peer->sin6_port, &me->sin6_addr, me->sin6_port,
			       seq, ack, window, fin, what);
	}
}
