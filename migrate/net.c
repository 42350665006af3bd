// SPDX-License-Identifier: GPL-2.0
/* TCP for the control connection: bind only what is asked, bounded waits. */
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "log.h"
#include "net.h"

static int resolve(const char *addr, int port, int passive, struct addrinfo **res)
{
	struct addrinfo hints = {
		.ai_family = AF_UNSPEC,
		.ai_socktype = SOCK_STREAM,
		.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV | passive,
	};
	char serv[16];
	int ret;

	snprintf(serv, sizeof(serv), "%d", port);
	ret = getaddrinfo(addr, serv, &hints, res);
	if (ret) {
		mig_err("Bad address %s port %d: %s\n", addr ? addr : "(any)", port,
			gai_strerror(ret));
		return -EINVAL;
	}
	return 0;
}

/* A TCP socket for @addr:@port, and the address (freed by the caller). */
static int resolved_socket(const char *addr, int port, int passive, struct addrinfo **ai)
{
	int sk, ret;

	ret = resolve(addr, port, passive, ai);
	if (ret)
		return ret;
	sk = socket((*ai)->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (sk < 0) {
		ret = -errno;
		mig_perror("Can't create a socket for %s port %d", addr ? addr : "(any)", port);
		freeaddrinfo(*ai);
		return ret;
	}
	return sk;
}

int net_listen(const char *addr, int port)
{
	struct addrinfo *ai;
	int sk, one = 1, ret;

	sk = resolved_socket(addr, port, AI_PASSIVE, &ai);
	if (sk < 0)
		return sk;
	if (setsockopt(sk, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) ||
	    bind(sk, ai->ai_addr, ai->ai_addrlen) || listen(sk, 4)) {
		ret = -errno;
		mig_perror("Can't listen on %s port %d", addr ? addr : "(any)", port);
		close(sk);
		goto out;
	}
	ret = sk;
out:
	freeaddrinfo(ai);
	return ret;
}

int net_set_timeout(int sk, int timeout_s)
{
	struct timeval tv = { .tv_sec = timeout_s };
	unsigned int user_ms = timeout_s * 1000;
	int one = 1, idle = timeout_s ? timeout_s : 10, intvl = 1, cnt = 3;

	/*
	 * keepalive: a peer that vanished is seen even while nothing is sent.
	 * No Nagle: each message waits for its answer, so a message's second
	 * segment held for the peer's delayed ACK cost 40 ms per exchange
	 * (three of them in a migration's downtime).
	 */
	if (setsockopt(sk, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) ||
	    setsockopt(sk, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one)) ||
	    setsockopt(sk, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv)) ||
	    setsockopt(sk, IPPROTO_TCP, TCP_USER_TIMEOUT, &user_ms, sizeof(user_ms)) ||
	    setsockopt(sk, SOL_SOCKET, SO_KEEPALIVE, &one, sizeof(one)) ||
	    setsockopt(sk, IPPROTO_TCP, TCP_KEEPIDLE, &idle, sizeof(idle)) ||
	    setsockopt(sk, IPPROTO_TCP, TCP_KEEPINTVL, &intvl, sizeof(intvl)) ||
	    setsockopt(sk, IPPROTO_TCP, TCP_KEEPCNT, &cnt, sizeof(cnt))) {
		mig_perror("Can't set the timeouts of the control connection");
		return -errno;
	}
	return 0;
}

int net_set_recv_wait(int sk, int timeout_s)
{
	struct timeval tv = { .tv_sec = timeout_s };

	if (setsockopt(sk, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv))) {
		mig_perror("Can't set the receive timeout of the control connection");
		return -errno;
	}
	return 0;
}

int net_connect(const char *addr, int port, int timeout_s)
{
	struct addrinfo *ai;
	int sk, ret;

	sk = resolved_socket(addr, port, 0, &ai);
	if (sk < 0)
		return sk;
	ret = net_set_timeout(sk, timeout_s);
	if (!ret && connect(sk, ai->ai_addr, ai->ai_addrlen)) {
		ret = -errno;
		mig_perror("Can't connect to criu-migrate serve at %s port %d", addr, port);
	}
	if (ret) {
		close(sk);
		goto out;
	}
	ret = sk;
out:
	freeaddrinfo(ai);
	return ret;
}

static int name_of(int sk, char *buf, size_t size, bool local)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	int ret;

	if ((local ? getsockname : getpeername)(sk, (struct sockaddr *)&ss, &len)) {
		mig_perror("Can't read the %s address of the control connection",
			   local ? "local" : "peer");
		return -errno;
	}
	ret = getnameinfo((struct sockaddr *)&ss, len, buf, size, NULL, 0, NI_NUMERICHOST);
	if (ret) {
		mig_err("Can't format an address: %s\n", gai_strerror(ret));
		return -EINVAL;
	}
	return 0;
}

int net_local_addr(int sk, char *buf, size_t size)
{
	return name_of(sk, buf, size, true);
}

int net_peer_addr(int sk, char *buf, size_t size)
{
	return name_of(sk, buf, size, false);
}

int net_read(int sk, void *buf, size_t len)
{
	size_t done = 0;
	ssize_t n;

	while (done < len) {
		n = recv(sk, (char *)buf + done, len - done, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return errno == EAGAIN ? -ETIMEDOUT : -errno;
		if (!n)
			return done ? -EPIPE : -ENODATA;
		done += n;
	}
	return 0;
}

int net_write(int sk, const void *buf, size_t len, bool more)
{
	int flags = MSG_NOSIGNAL | (more ? MSG_MORE : 0);
	size_t done = 0;
	ssize_t n;

	while (done < len) {
		n = send(sk, (const char *)buf + done, len - done, flags);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return errno == EAGAIN ? -ETIMEDOUT : -errno;
		done += n;
	}
	return 0;
}
