// SPDX-License-Identifier: GPL-2.0
/*
 * The page server's wire format (page-server-proto.h): checking
 * headers, and moving whole messages over a TCP socket with errors that
 * say whether the peer went away, timed out or cut a message short.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "log.h"
#include "mem.h"
#include "page-server-proto.h"

int ps_dst_id_decode(uint64_t dst_id, unsigned int *type, unsigned long *id)
{
	uint64_t v = dst_id >> PS_TYPE_BITS;

	/* Besides 1 and 2, the numbers older CRIUs took from their enum. */
	switch (dst_id & PS_TYPE_MASK) {
	case PS_TYPE_PID: case 10: case 11: case 16: case 17:
		*type = PS_TYPE_PID;
		break;
	case PS_TYPE_SHMEM: case 27: case 28: case 29: case 32: case 33: case 34:
		*type = PS_TYPE_SHMEM;
		break;
	default:
		return -EPROTO;
	}
	if (v == 0 || v > INT_MAX)
		return -EPROTO;
	*id = v;
	return 0;
}

const char *ps_cmd_name(uint32_t cmd)
{
	switch (ps_cmd(cmd)) {
	case PS_IOV_ADD: return "ADD";
	case PS_IOV_HOLE: return "HOLE";
	case PS_IOV_OPEN: return "OPEN";
	case PS_IOV_OPEN2: return "OPEN2";
	case PS_IOV_PARENT: return "PARENT";
	case PS_IOV_ADD_F: return "ADD_F";
	case PS_IOV_GET: return "GET";
	case PS_IOV_FLUSH: return "FLUSH";
	case PS_IOV_FLUSH_N_CLOSE: return "FLUSH_N_CLOSE";
	}
	return "unknown";
}

static int bad(char *why, size_t len, const char *fmt, const struct page_server_iov *pi)
{
	snprintf(why, len, fmt, pi->cmd, (unsigned long long)pi->vaddr, pi->nr_pages);
	return -EPROTO;
}

/* An entry's flags: data here (maybe lazy), in the parent, or lazy only. */
static bool entry_flags_valid(uint32_t flags)
{
	return flags == PE_PRESENT || flags == PE_PARENT ||
	       flags == (PE_PRESENT | PE_LAZY) || flags == PE_LAZY;
}

static bool carries_range(uint32_t cmd)
{
	return cmd == PS_IOV_ADD || cmd == PS_IOV_HOLE || cmd == PS_IOV_ADD_F ||
	       cmd == PS_IOV_GET;
}

int ps_iov_check(const struct page_server_iov *pi, char *why, size_t why_len)
{
	uint32_t cmd = ps_cmd(pi->cmd), flags = ps_cmd_flags(pi->cmd);
	uint64_t len;

	if (!strcmp(ps_cmd_name(cmd), "unknown"))
		return bad(why, why_len, "unknown command %#x (vaddr %#llx, %u pages)", pi);
	if (cmd == PS_IOV_ADD_F ? !entry_flags_valid(flags) :
	    (flags && !(cmd == PS_IOV_ADD && flags == PE_LAZY)))
		return bad(why, why_len, "bad flags in command %#x (vaddr %#llx, %u pages)", pi);
	if (!carries_range(cmd))
		return 0;
	if (!pi->nr_pages)
		return bad(why, why_len, "command %#x with no pages (vaddr %#llx, %u pages)", pi);
	if (pi->vaddr & (PS_PAGE_SIZE - 1))
		return bad(why, why_len, "command %#x: vaddr %#llx (%u pages) not page aligned", pi);
	len = (uint64_t)pi->nr_pages * PS_PAGE_SIZE;
	if (pi->vaddr >= PS_ADDR_LIMIT || len > PS_ADDR_LIMIT - pi->vaddr)
		return bad(why, why_len, "command %#x: range at %#llx of %u pages ends above the user address space", pi);
	return 0;
}

bool ps_iov_is_tls_hello(const struct page_server_iov *pi)
{
	const uint8_t *b = (const uint8_t *)pi;

	/* a TLS record: handshake (22), version 3.x, x at most 4 */
	return b[0] == 22 && b[1] == 3 && b[2] <= 4;
}

uint64_t ps_iov_data_len(const struct page_server_iov *pi)
{
	uint32_t cmd = ps_cmd(pi->cmd), flags = ps_cmd_flags(pi->cmd);

	if (cmd == PS_IOV_ADD || (cmd == PS_IOV_ADD_F && (flags & PE_PRESENT)))
		return (uint64_t)pi->nr_pages * PS_PAGE_SIZE;
	return 0;
}

static int sock_err(int err)
{
	/* SO_SNDTIMEO/SO_RCVTIMEO report a timeout as EAGAIN */
	if (err == EAGAIN || err == EWOULDBLOCK)
		return -ETIMEDOUT;
	return -err;
}

/*
 * Sockets whose bytes go through a layer of their own (TLS, tls.c).
 * A criu process holds one or two page-server connections at a time,
 * so a short table does; a socket not in it is plain TCP.
 */
#define PS_MAX_WRAPPED	4

struct ps_wrapped {
	int sk;
	const struct ps_wrap_ops *ops;
	void *ctx;
};

static struct ps_wrapped wrapped[PS_MAX_WRAPPED];
static unsigned int nr_wrapped;

static struct ps_wrapped *wrapped_of(int sk)
{
	unsigned int i;

	for (i = 0; i < nr_wrapped; i++)
		if (wrapped[i].sk == sk)
			return &wrapped[i];
	return NULL;
}

int ps_sk_wrap(int sk, const struct ps_wrap_ops *ops, void *ctx)
{
	if (wrapped_of(sk) || nr_wrapped == PS_MAX_WRAPPED) {
		pr_err("Can't secure page server socket %d: %s\n", sk,
		       nr_wrapped == PS_MAX_WRAPPED ? "too many connections" : "it is already");
		return -EBUSY;
	}
	wrapped[nr_wrapped++] = (struct ps_wrapped){ .sk = sk, .ops = ops, .ctx = ctx };
	return 0;
}

/* Forget @sk's layer and end it (a TLS close_notify); the socket stays open. */
static void ps_sk_unwrap(int sk)
{
	struct ps_wrapped *w = wrapped_of(sk), gone;

	if (!w)
		return;
	gone = *w;
	*w = wrapped[--nr_wrapped];
	gone.ops->close(gone.ctx);
}

void ps_close(int sk)
{
	if (sk < 0)
		return;
	ps_sk_unwrap(sk);
	close(sk);
}

/* One send or receive: bytes moved, 0 at the end of the stream, -errno. */
static ssize_t sk_send(int sk, const void *buf, size_t len)
{
	struct ps_wrapped *w = nr_wrapped ? wrapped_of(sk) : NULL;
	ssize_t n;

	if (w)
		return w->ops->send(w->ctx, buf, len);
	do
		n = send(sk, buf, len, MSG_NOSIGNAL);
	while (n < 0 && errno == EINTR);
	return n < 0 ? sock_err(errno) : n;
}

static ssize_t sk_recv(int sk, void *buf, size_t len)
{
	struct ps_wrapped *w = nr_wrapped ? wrapped_of(sk) : NULL;
	ssize_t n;

	if (w)
		return w->ops->recv(w->ctx, buf, len);
	do
		n = recv(sk, buf, len, 0);
	while (n < 0 && errno == EINTR);
	return n < 0 ? sock_err(errno) : n;
}

int ps_send_all(int sk, const void *buf, size_t len)
{
	const char *p = buf;

	while (len) {
		ssize_t n = sk_send(sk, p, len);

		if (n <= 0)
			return n < 0 ? n : -EPIPE;
		p += n;
		len -= n;
	}
	return 0;
}

int ps_recv_all(int sk, void *buf, size_t len)
{
	size_t got = 0;

	while (got < len) {
		ssize_t n = sk_recv(sk, (char *)buf + got, len - got);

		if (n < 0)
			return n;
		if (n == 0)
			return got ? -ECONNABORTED : 0;
		got += n;
	}
	return 1;
}

int ps_send_iov(int sk, uint32_t cmd, uint32_t flags, uint32_t nr_pages,
		uint64_t vaddr, uint64_t dst_id)
{
	struct page_server_iov pi = {
		.cmd = ps_cmd_encode(cmd, flags),
		.nr_pages = nr_pages,
		.vaddr = vaddr,
		.dst_id = dst_id,
	};

	return ps_send_all(sk, &pi, sizeof(pi));
}

int ps_recv_iov(int sk, struct page_server_iov *pi)
{
	return ps_recv_all(sk, pi, sizeof(*pi));
}

/* A layered socket takes the bytes through a buffer: no zero-copy there. */
static int pipe_to_wrapped(int sk, int pipe_fd, size_t len)
{
	char buf[32768];
	int ret;

	while (len) {
		ssize_t n = read(pipe_fd, buf, len < sizeof(buf) ? len : sizeof(buf));

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			ret = n < 0 ? -errno : -EPIPE;
			pr_perror("Can't read %zu bytes of pages from their pipe", len);
			return ret;
		}
		ret = ps_send_all(sk, buf, n);
		if (ret)
			return ret;
		len -= n;
	}
	return 0;
}

int ps_splice_to(int sk, int pipe_fd, size_t len)
{
	if (nr_wrapped && wrapped_of(sk))
		return pipe_to_wrapped(sk, pipe_fd, len);
	while (len) {
		ssize_t n = splice(pipe_fd, NULL, sk, NULL, len, SPLICE_F_MOVE);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return errno == EPIPE ? -EPIPE : sock_err(errno);
		if (n == 0)
			return -EPIPE;	/* the pipe held less than it should */
		len -= n;
	}
	return 0;
}

int ps_set_timeout(int sk, int seconds)
{
	struct timeval tv = { .tv_sec = seconds };
	unsigned int ms = seconds * 1000;

	if (setsockopt(sk, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv)) ||
	    setsockopt(sk, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) ||
	    setsockopt(sk, IPPROTO_TCP, TCP_USER_TIMEOUT, &ms, sizeof(ms))) {
		int err = -errno;

		pr_perror("Can't set a %d s timeout on the page server socket", seconds);
		return err;
	}
	return 0;
}

union ps_addr {
	struct sockaddr sa;
	struct sockaddr_in v4;
	struct sockaddr_in6 v6;
};

static int parse_addr(const char *addr, int port, bool listening,
		      union ps_addr *a, socklen_t *alen)
{
	memset(a, 0, sizeof(*a));
	if (port < 0 || port > 65535) {
		pr_err("Bad page server port %d\n", port);
		return -EINVAL;
	}
	if (addr && strchr(addr, ':')) {
		a->v6.sin6_family = AF_INET6;
		a->v6.sin6_port = htons(port);
		*alen = sizeof(a->v6);
		if (inet_pton(AF_INET6, addr, &a->v6.sin6_addr) == 1)
			return 0;
	} else {
		a->v4.sin_family = AF_INET;
		a->v4.sin_port = htons(port);
		*alen = sizeof(a->v4);
		if (!addr) {
			a->v4.sin_addr.s_addr = htonl(listening ? INADDR_ANY : INADDR_LOOPBACK);
			return 0;
		}
		if (inet_pton(AF_INET, addr, &a->v4.sin_addr) == 1)
			return 0;
	}
	pr_err("Bad page server address %s (a numeric IPv4 or IPv6 address is needed)\n", addr);
	return -EINVAL;
}

int ps_listen(const char *addr, int port, int *bound)
{
	union ps_addr a;
	socklen_t alen;
	int sk, one = 1, ret;

	ret = parse_addr(addr, port, true, &a, &alen);
	if (ret)
		return ret;
	sk = socket(a.sa.sa_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (sk < 0) {
		ret = -errno;
		pr_perror("Can't create the page server socket");
		return ret;
	}
	if (setsockopt(sk, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) ||
	    bind(sk, &a.sa, alen) || listen(sk, 1)) {
		ret = -errno;
		pr_perror("Can't listen on %s port %d", addr ? addr : "any address", port);
		close(sk);
		return ret;
	}
	if (getsockname(sk, &a.sa, &alen)) {
		ret = -errno;
		pr_perror("Can't read the page server's port");
		close(sk);
		return ret;
	}
	*bound = ntohs(a.sa.sa_family == AF_INET ? a.v4.sin_port : a.v6.sin6_port);
	return sk;
}

int ps_connect(const char *addr, int port, int timeout_s)
{
	union ps_addr a;
	socklen_t alen;
	int sk, ret;

	ret = parse_addr(addr, port, false, &a, &alen);
	if (ret)
		return ret;
	sk = socket(a.sa.sa_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (sk < 0) {
		ret = -errno;
		pr_perror("Can't create a socket for the page server");
		return ret;
	}
	/* SO_SNDTIMEO bounds connect() as well */
	ret = timeout_s ? ps_set_timeout(sk, timeout_s) : 0;
	if (!ret && connect(sk, &a.sa, alen)) {
		ret = sock_err(errno);
		pr_err("Can't connect to the page server at %s port %d: %s\n",
		       addr ? addr : "127.0.0.1", port, strerror(-ret));
	}
	if (ret) {
		close(sk);
		return ret;
	}
	return sk;
}
