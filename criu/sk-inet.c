// SPDX-License-Identifier: GPL-2.0
/*
 * IPv4 and IPv6 sockets: TCP, UDP and UDP-Lite.
 *
 * Dump reads a socket through criu's own copy of it (pidfd_getfd gives
 * the same socket, not a new one): its addresses, state, backlog and
 * options. A connected TCP socket is refused unless --tcp-established
 * asks for it, then sk-tcp.c dumps the connection in repair mode under
 * the network lock (net-lock.c); --tcp-close records it without its
 * state, to be restored closed. What cannot be put back is refused by
 * name: raw and ICMP sockets, UDP data in flight or corked, datagrams
 * waiting to be read, connections waiting in a listener's queue (unless
 * --skip-in-flight drops them), an owner for SIGIO.
 *
 * Restore builds each socket in criu before the first fork, as the
 * other files: socket(), the options that must precede bind(), bind(),
 * listen() or connect(), then the other options; the tasks inherit it.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/sockios.h>
#include <net/if.h>
#include <poll.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <netinet/udp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "cr_options.h"
#include "dump.h"
#include "files.h"
#include "image.h"
#include "log.h"
#include "restore.h"
#include "inet-conn.h"
#include "sk-tcp.h"
#include "sockets.h"

#include "fdinfo.pb-c.h"
#include "fown.pb-c.h"

#ifndef UDP_CORK
#define UDP_CORK	1
#endif
#ifndef IPPROTO_UDPLITE
#define IPPROTO_UDPLITE	136
#endif

/* Socket states as the kernel numbers them (include/net/tcp_states.h). */
#define SK_ESTABLISHED	1
#define SK_CLOSE	7
#define SK_LISTEN	10

#define TCPF_(st)	(1u << (st))
/* CLOSE-WAIT, LAST-ACK, CLOSING: the peer's FIN came */
#define TCP_PEER_FIN_STATES	(TCPF_(8) | TCPF_(9) | TCPF_(11))

static bool inet_sk_family(int family)
{
	return family == AF_INET || family == AF_INET6;
}

/* --- dump --------------------------------------------------------------- */

static int sk_getint(int sk, int level, int name, int *val)
{
	socklen_t len = sizeof(*val);

	return getsockopt(sk, level, name, val, &len) < 0 ? -errno : 0;
}

/* The address words of inet_sk_entry: 1 for IPv4, 4 for IPv6. */
static uint32_t *addr_words(const struct sockaddr_storage *ss, int family,
			    size_t *n, uint32_t *port)
{
	uint32_t *w = calloc(4, sizeof(*w));

	if (!w)
		return NULL;
	if (family == AF_INET) {
		const struct sockaddr_in *a = (const void *)ss;

		memcpy(w, &a->sin_addr, 4);
		*n = 1;
		*port = ntohs(a->sin_port);
	} else {
		const struct sockaddr_in6 *a = (const void *)ss;

		memcpy(w, &a->sin6_addr, 16);
		*n = 4;
		*port = ntohs(a->sin6_port);
	}
	return w;
}

/* Addresses, and whether the socket has a peer. */
static int read_conn(int sk, int family, const char *what, struct inet_conn *c,
		     bool *connected)
{
	socklen_t len = sizeof(c->src);
	int ret;

	memset(c, 0, sizeof(*c));
	c->family = family;
	if (getsockname(sk, (struct sockaddr *)&c->src, &len) < 0) {
		ret = -errno;
		pr_perror("%s: getsockname", what);
		return ret;
	}
	len = sizeof(c->dst);
	*connected = true;
	if (getpeername(sk, (struct sockaddr *)&c->dst, &len) < 0) {
		if (errno != ENOTCONN) {
			ret = -errno;
			pr_perror("%s: getpeername", what);
			return ret;
		}
		*connected = false;
		c->dst.ss_family = family;
	}
	return 0;
}

/* The TCP state and, for a listener, its backlog and queued connections. */
static int tcp_state(int sk, const char *what, unsigned int *state,
		     unsigned int *backlog, unsigned int *queued)
{
	struct tcp_info ti;
	socklen_t len = sizeof(ti);

	memset(&ti, 0, sizeof(ti));
	if (getsockopt(sk, SOL_TCP, TCP_INFO, &ti, &len) < 0) {
		int ret = -errno;

		pr_perror("%s: getsockopt TCP_INFO", what);
		return ret;
	}
	*state = ti.tcpi_state;
	/* for a listener the kernel reports its accept queue here */
	*queued = ti.tcpi_state == SK_LISTEN ? ti.tcpi_unacked : 0;
	*backlog = ti.tcpi_state == SK_LISTEN ? ti.tcpi_sacked : 0;
	return 0;
}

/* UDP: what the socket holds that no image keeps is refused. */
static int check_udp(int sk, const char *what)
{
	int cork = 0, outq = 0, inq = 0;

	if (sk_getint(sk, SOL_UDP, UDP_CORK, &cork) || ioctl(sk, SIOCOUTQ, &outq) < 0 ||
	    ioctl(sk, SIOCINQ, &inq) < 0) {
		pr_perror("%s: can't read UDP_CORK and the queues", what);
		return -errno ? -errno : -EIO;
	}
	if (cork || outq) {
		pr_err("%s: UDP socket is corked (UDP_CORK %d) or has %d bytes not yet sent: "
		       "data in flight is not supported\n", what, cork, outq);
		return -EOPNOTSUPP;
	}
	if (inq) {
		pr_err("%s: UDP socket has a datagram of %d bytes (and maybe more) waiting to be "
		       "read: queued datagrams are not supported\n", what, inq);
		return -EOPNOTSUPP;
	}
	return 0;
}

/* F_SETOWN on a socket: the owner may not exist yet when criu opens it. */
static int check_owner(int sk, const char *what)
{
	struct f_owner_ex own = {};
	int sig;

	if (fcntl(sk, F_GETOWN_EX, &own) < 0) {
		pr_perror("%s: F_GETOWN_EX", what);
		return -errno;
	}
	sig = fcntl(sk, F_GETSIG);
	if (own.pid || sig > 0) {
		pr_err("%s: the socket has an owner for SIGIO (pid %d, signal %d): not supported\n",
		       what, own.pid, sig);
		return -EOPNOTSUPP;
	}
	return 0;
}

static int fill_ip_opts(int sk, int family, const char *what, InetSkEntry *ie,
			IpOptsEntry *ipo)
{
	int v, ret;

	ret = sk_getint(sk, SOL_IP, IP_FREEBIND, &v);
	if (ret) {
		pr_err("%s: getsockopt IP_FREEBIND: %s\n", what, strerror(-ret));
		return ret;
	}
	ipo->has_freebind = true;
	ipo->freebind = v;
	ie->ip_opts = ipo;
	if (family != AF_INET6)
		return 0;
	ret = sk_getint(sk, SOL_IPV6, IPV6_V6ONLY, &v);
	if (ret) {
		pr_err("%s: getsockopt IPV6_V6ONLY: %s\n", what, strerror(-ret));
		return ret;
	}
	ie->has_v6only = true;
	ie->v6only = v;
	return 0;
}

/* What this socket is and whether criu-ooh can dump that kind at all. */
static int sk_kind(int sk, const struct fd_parms *p, pid_t pid, int *family,
		   int *type, int *proto)
{
	int ret;

	ret = sk_getint(sk, SOL_SOCKET, SO_DOMAIN, family);
	ret = ret ?: sk_getint(sk, SOL_SOCKET, SO_TYPE, type);
	ret = ret ?: sk_getint(sk, SOL_SOCKET, SO_PROTOCOL, proto);
	if (ret) {
		pr_err("fd %d of pid %d: can't read the socket's family and type: %s\n",
		       p->fd, pid, strerror(-ret));
		return ret;
	}
	if (*type == SOCK_RAW) {
		pr_err("fd %d of pid %d: raw %s socket (protocol %d): not supported\n",
		       p->fd, pid, *family == AF_INET ? "IPv4" : "IPv6", *proto);
		return -EOPNOTSUPP;
	}
	if (*proto == IPPROTO_ICMP || *proto == IPPROTO_ICMPV6) {
		pr_err("fd %d of pid %d: ICMP (ping) socket: not supported\n", p->fd, pid);
		return -EOPNOTSUPP;
	}
	if (!(*type == SOCK_STREAM && *proto == IPPROTO_TCP) &&
	    !(*type == SOCK_DGRAM && (*proto == IPPROTO_UDP || *proto == IPPROTO_UDPLITE))) {
		pr_err("fd %d of pid %d: inet socket of type %d, protocol %d: not supported\n",
		       p->fd, pid, *type, *proto);
		return -EOPNOTSUPP;
	}
	return 0;
}

/*
 * What poll() says of @sk without changing it: RDHUP for a receive side
 * shut down, HUP for both, ERR for an error that reading would consume.
 */
static int sk_poll(int sk, const char *what, short *rev)
{
	struct pollfd p = { .fd = sk, .events = POLLIN | POLLOUT | POLLRDHUP };

	if (poll(&p, 1, 0) < 0) {
		pr_perror("%s: poll", what);
		return -errno;
	}
	*rev = p.revents;
	if (p.revents & POLLERR) {
		pr_err("%s: the socket holds an error (or error queue) that cannot be dumped "
		       "without consuming it\n", what);
		return -EOPNOTSUPP;
	}
	return 0;
}

static bool tcp_connected_state(unsigned int st)
{
	return st != SK_CLOSE && st != SK_LISTEN;
}

/* The TCP-specific part: state, backlog, and a connection's stream. */
static int dump_tcp_part(struct files_dump *fdump, const struct fd_parms *p, int sk,
			 InetSkEntry *ie, const struct inet_conn *c, const char *what)
{
	unsigned int state = 0, backlog = 0, queued = 0;
	char addrs[128];
	short rev = 0;
	int ret;

	ret = tcp_state(sk, what, &state, &backlog, &queued);
	if (ret)
		return ret;
	ie->state = state;
	ie->backlog = backlog;
	if (state == SK_LISTEN && queued) {
		if (!opts.tcp_skip_in_flight) {
			pr_err("%s: %u connections wait in the listener's queue, not yet accepted; "
			       "--skip-in-flight drops them\n", what, queued);
			return -EOPNOTSUPP;
		}
		pr_warn("%s: %u connections not yet accepted are dropped (--skip-in-flight)\n",
			what, queued);
	}
	ret = sk_poll(sk, what, &rev);
	if (ret)
		return ret;
	if (state == SK_CLOSE && (rev & POLLRDHUP)) {
		/*
		 * A connection that ended: both sides shut, and its port
		 * released (the address getsockname() still shows is not
		 * bound any more, a TIME-WAIT may hold it).
		 */
		ie->has_shutdown = true;
		ie->shutdown = SK_SHUTDOWN__BOTH;
		memset(ie->src_addr, 0, ie->n_src_addr * sizeof(uint32_t));
		ie->src_port = 0;
		return 0;
	}
	if (!tcp_connected_state(state))
		return 0;
	/* reading shut down by the process itself, without the peer's FIN */
	if ((rev & POLLRDHUP) && !(TCPF_(state) & TCP_PEER_FIN_STATES)) {
		ie->has_shutdown = true;
		ie->shutdown = SK_SHUTDOWN__READ;
	}
	inet_conn_str(c, addrs, sizeof(addrs));
	if (opts.tcp_close) {
		pr_info("%s: %s connection %s is dumped without its state (--tcp-close)\n",
			what, inet_state_name(state), addrs);
		return 0;
	}
	if (!opts.tcp_established) {
		pr_err("%s: established TCP connection %s (%s); dump it with --tcp-established\n",
		       what, addrs, inet_state_name(state));
		return -EOPNOTSUPP;
	}
	if (opts.leave_stopped) {
		/* the lock and repair mode would outlive criu with nobody to undo them */
		pr_err("%s: established TCP connection %s: --leave-stopped with connections is not supported\n",
		       what, addrs);
		return -EOPNOTSUPP;
	}
	return dump_tcp_conn(fdump, p, sk, ie, c);
}

/*
 * UDP: connected or not, and shut down how far (poll() sees the receive
 * side and both; a send side shut alone it cannot see).
 */
static int dump_udp_part(int sk, InetSkEntry *ie, bool connected, const char *what)
{
	short rev = 0;
	int ret = sk_poll(sk, what, &rev);

	if (ret)
		return ret;
	ie->state = connected ? SK_ESTABLISHED : SK_CLOSE;
	if (rev & POLLRDHUP) {
		ie->has_shutdown = true;
		ie->shutdown = (rev & POLLHUP) ? SK_SHUTDOWN__BOTH : SK_SHUTDOWN__READ;
	}
	return 0;
}

/* TCP's keepalive parameters go with the socket options, as in CRIU. */
static int dump_tcp_keepalive(int sk, SkOptsEntry *soe, const char *what)
{
	int cnt, idle, intvl, ret;

	ret = sk_getint(sk, SOL_TCP, TCP_KEEPCNT, &cnt);
	ret = ret ?: sk_getint(sk, SOL_TCP, TCP_KEEPIDLE, &idle);
	ret = ret ?: sk_getint(sk, SOL_TCP, TCP_KEEPINTVL, &intvl);
	if (ret) {
		pr_err("%s: can't read the keepalive parameters: %s\n", what, strerror(-ret));
		return ret;
	}
	soe->has_tcp_keepcnt = soe->has_tcp_keepidle = soe->has_tcp_keepintvl = true;
	soe->tcp_keepcnt = cnt;
	soe->tcp_keepidle = idle;
	soe->tcp_keepintvl = intvl;
	return 0;
}

static int dump_inet_sk(struct files_dump *fdump, const struct fd_parms *p, int sk,
			uint32_t *id)
{
	FileEntry fe = FILE_ENTRY__INIT;
	InetSkEntry ie = INET_SK_ENTRY__INIT;
	FownEntry fown = FOWN_ENTRY__INIT;
	SkOptsEntry soe = SK_OPTS_ENTRY__INIT;
	IpOptsEntry ipo = IP_OPTS_ENTRY__INIT;
	pid_t pid = fdump->dc->pid;
	struct inet_conn c;
	int family, type, proto, ret;
	bool connected;
	char what[80];

	ret = sk_kind(sk, p, pid, &family, &type, &proto);
	if (ret)
		return ret;
	snprintf(what, sizeof(what), "fd %d of pid %d (%s socket:[%lu])", p->fd, pid,
		 proto == IPPROTO_TCP ? "TCP" : "UDP", (unsigned long)p->st.st_ino);
	ret = read_conn(sk, family, what, &c, &connected);
	ret = ret ?: check_owner(sk, what);
	if (!ret && type == SOCK_DGRAM)
		ret = check_udp(sk, what);
	if (ret)
		return ret;

	ie.id = dump_new_file_id(fdump->dc);
	ie.ino = p->st.st_ino;
	ie.family = family;
	ie.type = type;
	ie.proto = proto;
	ie.flags = p->flags;
	ie.fown = &fown;
	ie.opts = &soe;
	ie.src_addr = addr_words(&c.src, family, &ie.n_src_addr, &ie.src_port);
	ie.dst_addr = addr_words(&c.dst, family, &ie.n_dst_addr, &ie.dst_port);
	if (!ie.src_addr || !ie.dst_addr) {
		ret = -ENOMEM;
		goto out;
	}
	if (family == AF_INET6) {
		const struct sockaddr_in6 *a = (const void *)&c.src;
		char ifname[IF_NAMESIZE];

		if (a->sin6_scope_id && if_indextoname(a->sin6_scope_id, ifname))
			ie.ifname = strdup(ifname);
	}
	ret = fill_ip_opts(sk, family, what, &ie, &ipo);
	ret = ret ?: dump_sk_opts(sk, &soe, what);
	if (!ret && proto == IPPROTO_TCP)
		ret = dump_tcp_keepalive(sk, &soe, what);
	if (ret)
		goto out;
	if (proto == IPPROTO_TCP)
		ret = dump_tcp_part(fdump, p, sk, &ie, &c, what);
	else
		ret = dump_udp_part(sk, &ie, connected, what);
	if (ret)
		goto out;

	fe.type = FD_TYPES__INETSK;
	fe.id = ie.id;
	fe.isk = &ie;
	ret = pb_write_one(fdump->dc->sess->files_img, &fe, &file_entry__descriptor);
	if (!ret) {
		char addrs[128];

		inet_conn_str(&c, addrs, sizeof(addrs));
		pr_info("%s: %s %s, id %u\n", what, inet_state_name(ie.state), addrs, ie.id);
		*id = ie.id;
	}
out:
	free(ie.src_addr);
	free(ie.dst_addr);
	free(ie.ifname);
	sk_opts_free(&soe);
	return ret;
}

static bool inet_match(struct files_dump *fdump, const struct fd_parms *p)
{
	const struct sk_probe *sk = sk_probe(fdump, p);

	return sk && inet_sk_family(sk->family);
}

static int inet_dump(struct files_dump *fdump, const struct fd_parms *p, uint32_t *id)
{
	const struct sk_probe *sk = sk_probe(fdump, p);

	return sk ? dump_inet_sk(fdump, p, sk->sk, id) : -EIO;
}

/* --- restore ------------------------------------------------------------ */

static int conn_from_entry(const InetSkEntry *ie, struct inet_conn *c, const char *what)
{
	size_t words = ie->family == AF_INET ? 1 : 4;

	memset(c, 0, sizeof(*c));
	c->family = ie->family;
	if (!inet_sk_family(ie->family) || ie->n_src_addr != words || ie->n_dst_addr != words ||
	    ie->src_port > 0xffff || ie->dst_port > 0xffff) {
		pr_err("%s: bad family %u or addresses (%zu, %zu words) in files.img\n", what,
		       ie->family, ie->n_src_addr, ie->n_dst_addr);
		return -EINVAL;
	}
	if (ie->family == AF_INET) {
		struct sockaddr_in *a = (void *)&c->src, *b = (void *)&c->dst;

		a->sin_family = b->sin_family = AF_INET;
		memcpy(&a->sin_addr, ie->src_addr, 4);
		memcpy(&b->sin_addr, ie->dst_addr, 4);
		a->sin_port = htons(ie->src_port);
		b->sin_port = htons(ie->dst_port);
	} else {
		struct sockaddr_in6 *a = (void *)&c->src, *b = (void *)&c->dst;

		a->sin6_family = b->sin6_family = AF_INET6;
		memcpy(&a->sin6_addr, ie->src_addr, 16);
		memcpy(&b->sin6_addr, ie->dst_addr, 16);
		a->sin6_port = htons(ie->src_port);
		b->sin6_port = htons(ie->dst_port);
		if (ie->ifname) {
			a->sin6_scope_id = if_nametoindex(ie->ifname);
			if (!a->sin6_scope_id) {
				pr_err("%s: no interface %s for its link-local address\n", what,
				       ie->ifname);
				return -ENODEV;
			}
		}
	}
	return 0;
}

static socklen_t sa_len(int family)
{
	return family == AF_INET ? sizeof(struct sockaddr_in) : sizeof(struct sockaddr_in6);
}

static bool has_src(const InetSkEntry *ie)
{
	size_t i;

	if (ie->src_port)
		return true;
	for (i = 0; i < ie->n_src_addr; i++)
		if (ie->src_addr[i])
			return true;
	return false;
}

/* Options that bind() and listen() depend on. */
static int restore_pre_bind(int sk, const InetSkEntry *ie, const char *what)
{
	int one = 1, v;

	if (ie->family == AF_INET6 && ie->has_v6only) {
		v = ie->v6only;
		if (setsockopt(sk, SOL_IPV6, IPV6_V6ONLY, &v, sizeof(v)) < 0)
			goto err;
	}
	if (ie->ip_opts && ie->ip_opts->has_freebind && ie->ip_opts->freebind &&
	    setsockopt(sk, SOL_IP, IP_FREEBIND, &one, sizeof(one)) < 0)
		goto err;
	if (ie->opts->has_so_reuseport && ie->opts->so_reuseport &&
	    setsockopt(sk, SOL_SOCKET, SO_REUSEPORT, &one, sizeof(one)) < 0)
		goto err;
	/* a listener's old connections may linger in TIME-WAIT */
	if (setsockopt(sk, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0)
		goto err;
	return 0;
err:
	pr_perror("%s: can't set the options bind() needs", what);
	return -errno;
}

static int restore_plain(int sk, const InetSkEntry *ie, const struct inet_conn *c,
			 const char *what)
{
	char addrs[128];
	int ret;

	inet_conn_str(c, addrs, sizeof(addrs));
	ret = restore_pre_bind(sk, ie, what);
	if (ret)
		return ret;
	if (has_src(ie) && bind(sk, (const struct sockaddr *)&c->src, sa_len(ie->family)) < 0) {
		ret = -errno;
		pr_perror("%s: can't bind to the dumped address (%s)", what, addrs);
		return ret;
	}
	if (ie->state == SK_LISTEN && listen(sk, (int)ie->backlog) < 0) {
		ret = -errno;
		pr_perror("%s: listen(%u)", what, ie->backlog);
		return ret;
	}
	if (ie->type == SOCK_DGRAM && ie->state == SK_ESTABLISHED &&
	    connect(sk, (const struct sockaddr *)&c->dst, sa_len(ie->family)) < 0) {
		ret = -errno;
		pr_perror("%s: can't connect (%s)", what, addrs);
		return ret;
	}
	return 0;
}

/*
 * After the socket options: what bind() needed set that the socket did
 * not have, and TCP's keepalive parameters.
 */
static int restore_post_opts(int sk, const InetSkEntry *ie, const char *what)
{
	const SkOptsEntry *soe = ie->opts;
	int zero = 0;

	if (!(soe->has_reuseaddr && soe->reuseaddr) &&
	    setsockopt(sk, SOL_SOCKET, SO_REUSEADDR, &zero, sizeof(zero)) < 0)
		goto err;
	if (ie->proto != IPPROTO_TCP)
		return 0;
	if (soe->has_tcp_keepcnt && soe->tcp_keepcnt &&
	    setsockopt(sk, SOL_TCP, TCP_KEEPCNT, &soe->tcp_keepcnt, sizeof(int)) < 0)
		goto err;
	if (soe->has_tcp_keepidle && soe->tcp_keepidle &&
	    setsockopt(sk, SOL_TCP, TCP_KEEPIDLE, &soe->tcp_keepidle, sizeof(int)) < 0)
		goto err;
	if (soe->has_tcp_keepintvl && soe->tcp_keepintvl &&
	    setsockopt(sk, SOL_TCP, TCP_KEEPINTVL, &soe->tcp_keepintvl, sizeof(int)) < 0)
		goto err;
	return 0;
err:
	pr_perror("%s: can't set SO_REUSEADDR or the keepalive parameters", what);
	return -errno;
}

/* shutdown() as the process had done it; on a socket without a peer it says ENOTCONN but acts. */
static int restore_shutdown(int sk, const InetSkEntry *ie, const char *what)
{
	int how;

	if (!ie->has_shutdown || ie->shutdown == SK_SHUTDOWN__NONE)
		return 0;
	switch (ie->shutdown) {
	case SK_SHUTDOWN__READ:
		how = SHUT_RD;
		break;
	case SK_SHUTDOWN__WRITE:
		how = SHUT_WR;
		break;
	case SK_SHUTDOWN__BOTH:
		how = SHUT_RDWR;
		break;
	default:
		pr_err("%s: bad shutdown %d\n", what, ie->shutdown);
		return -EINVAL;
	}
	/* our FIN of a TCP connection was put back with the connection */
	if (ie->proto == IPPROTO_TCP && tcp_connected_state(ie->state))
		how = how == SHUT_RDWR ? SHUT_RD : how;
	if (shutdown(sk, how) < 0 && errno != ENOTCONN) {
		pr_perror("%s: shutdown(%d)", what, how);
		return -errno;
	}
	return 0;
}

/* --tcp-close, or a connection dumped with it: a socket that is closed. */
static int restore_closed(int sk, const InetSkEntry *ie, const char *what)
{
	if (shutdown(sk, SHUT_RDWR) < 0 && errno != ENOTCONN) {
		pr_perror("%s: shutdown", what);
		return -errno;
	}
	pr_info("%s: %s connection restored closed (--tcp-close)\n", what,
		inet_state_name(ie->state));
	return 0;
}

static int check_entry(const InetSkEntry *ie, const char *what)
{
	if (!ie->opts || !ie->fown) {
		pr_err("%s: files.img entry without options\n", what);
		return -EINVAL;
	}
	if (!((ie->type == SOCK_STREAM && ie->proto == IPPROTO_TCP) ||
	      (ie->type == SOCK_DGRAM && (ie->proto == IPPROTO_UDP || ie->proto == IPPROTO_UDPLITE)))) {
		pr_err("%s: socket type %u protocol %u cannot be restored\n", what, ie->type,
		       ie->proto);
		return -EOPNOTSUPP;
	}
	if (ie->state > 11 || ie->state == 0 || (ie->type == SOCK_DGRAM &&
	    ie->state != SK_ESTABLISHED && ie->state != SK_CLOSE)) {
		pr_err("%s: bad state %u\n", what, ie->state);
		return -EINVAL;
	}
	if (ie->fown->pid) {
		pr_err("%s: socket with an owner for SIGIO: not supported\n", what);
		return -EOPNOTSUPP;
	}
	return 0;
}

static int collect_inet_sk(struct rst_session *rs, const InetSkEntry *ie)
{
	struct inet_conn c;
	char what[64];
	int sk, ret, kept;

	snprintf(what, sizeof(what), "inet socket id %u (socket:[%u])", ie->id, ie->ino);
	ret = check_entry(ie, what);
	ret = ret ?: conn_from_entry(ie, &c, what);
	if (ret)
		return ret;
	sk = socket(ie->family, ie->type, ie->proto);
	if (sk < 0) {
		ret = -errno;
		pr_perror("%s: socket(%u, %u, %u)", what, ie->family, ie->type, ie->proto);
		return ret;
	}
	if (ie->proto == IPPROTO_TCP && tcp_connected_state(ie->state))
		ret = tcp_restore_saw_conn(rs);
	if (ret)
		goto err;
	if (ie->proto != IPPROTO_TCP || !tcp_connected_state(ie->state))
		ret = restore_plain(sk, ie, &c, what);
	else if (opts.tcp_close)
		ret = restore_closed(sk, ie, what);
	else
		ret = restore_tcp_conn(rs, sk, ie, &c);
	ret = ret ?: restore_shutdown(sk, ie, what);
	ret = ret ?: restore_sk_opts(sk, ie->opts, what);
	ret = ret ?: restore_post_opts(sk, ie, what);
	if (!ret && fcntl(sk, F_SETFL, ie->flags & (O_NONBLOCK | O_APPEND)) < 0) {
		ret = -errno;
		pr_perror("%s: can't set flags %#x", what, ie->flags);
	}
err:
	if (ret) {
		close(sk);
		return ret;
	}
	kept = rst_keep_fd(rs, sk);
	if (kept < 0)
		return kept;
	ret = rst_add_file(rs, ie->id, kept);
	if (!ret && ie->proto == IPPROTO_TCP && tcp_connected_state(ie->state) && !opts.tcp_close)
		ret = tcp_restore_track(rs, kept, ie);
	if (!ret)
		pr_info("%s: restored %s as fd %d\n", what, inet_state_name(ie->state), kept);
	return ret;
}

static int inet_collect(struct rst_session *rs, const FileEntry *fe)
{
	if (!fe->isk) {
		pr_err("files.img: INETSK entry id %u without its inet_sk_entry\n", fe->id);
		return -EINVAL;
	}
	if (fe->isk->id != fe->id) {
		pr_err("files.img: INETSK entry id %u holds socket id %u\n", fe->id, fe->isk->id);
		return -EINVAL;
	}
	return collect_inet_sk(rs, fe->isk);
}

const struct fd_kind fd_kind_inet = {
	.name = "inet socket",
	.type = FD_TYPES__INETSK,
	.match = inet_match,
	.dump = inet_dump,
	.collect = inet_collect,
};
