// SPDX-License-Identifier: GPL-2.0
/*
 * Sockets: probing a socket descriptor of the target, sock_diag
 * queries, and the refusal of the families no kind takes.
 *
 * A socket's family, type and protocol are read with getsockopt() on
 * criu's own descriptor of the socket (pidfd_getfd() through the
 * task's pidfd): the target runs no code for it. The families' dump
 * and restore live in sk-unix.c, sk-netlink.c, ... (sockets.h).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <linux/netlink.h>
#include <linux/sock_diag.h>

#include "dump.h"
#include "files.h"
#include "image.h"
#include "log.h"
#include "restore.h"
#include "sockets.h"

struct sk_dump *sk_dump_state(struct files_dump *fdump)
{
	if (!fdump->sk) {
		fdump->sk = calloc(1, sizeof(*fdump->sk));
		if (fdump->sk)
			fdump->sk->probe.sk = -1;
	}
	return fdump->sk;
}

struct sk_rst *sk_rst_state(struct rst_session *rs)
{
	if (!rs->sk)
		rs->sk = calloc(1, sizeof(*rs->sk));
	return rs->sk;
}

int sk_add_id(uint32_t **ids, unsigned int *nr, uint32_t id)
{
	uint32_t *tmp = realloc(*ids, (*nr + 1) * sizeof(*tmp));

	if (!tmp)
		return -ENOMEM;
	tmp[(*nr)++] = id;
	*ids = tmp;
	return 0;
}

const char *sk_family_name(int family)
{
	static char buf[32];

	switch (family) {
	case AF_UNIX:		return "unix";
	case AF_INET:		return "inet";
	case AF_INET6:		return "inet6";
	case AF_NETLINK:	return "netlink";
	case AF_PACKET:		return "packet";
	case AF_KEY:		return "pfkey";
	case AF_BLUETOOTH:	return "bluetooth";
	case AF_ALG:		return "alg";
	case AF_VSOCK:		return "vsock";
	case AF_XDP:		return "xdp";
	case AF_TIPC:		return "tipc";
	case AF_CAN:		return "can";
	}
	snprintf(buf, sizeof(buf), "family %d", family);
	return buf;
}

const char *sk_type_name(int type)
{
	switch (type) {
	case SOCK_STREAM:	return "stream";
	case SOCK_DGRAM:	return "dgram";
	case SOCK_SEQPACKET:	return "seqpacket";
	case SOCK_RAW:		return "raw";
	case SOCK_RDM:		return "rdm";
	case SOCK_PACKET:	return "packet";
	}
	return "unknown type";
}

static int sk_getint(int sk, int opt, int *val)
{
	socklen_t len = sizeof(*val);

	if (getsockopt(sk, SOL_SOCKET, opt, val, &len))
		return -errno;
	return 0;
}

static void probe_drop(struct sk_probe *pr)
{
	if (pr->sk >= 0)
		close(pr->sk);
	pr->sk = -1;
	pr->pid = 0;
	pr->fd = -1;
}

static int probe_fill(struct files_dump *fdump, const struct fd_parms *p,
		      struct sk_probe *pr)
{
	int ret;

	pr->sk = syscall(SYS_pidfd_getfd, fdump->pidfd, p->fd, 0);
	if (pr->sk < 0) {
		ret = -errno;
		pr_perror("fd %d of pid %d: can't take a copy of the socket (pidfd_getfd)",
			  p->fd, fdump->dc->pid);
		return ret;
	}
	ret = sk_getint(pr->sk, SO_DOMAIN, &pr->family);
	if (!ret)
		ret = sk_getint(pr->sk, SO_TYPE, &pr->type);
	if (!ret)
		ret = sk_getint(pr->sk, SO_PROTOCOL, &pr->protocol);
	if (ret) {
		pr_err("fd %d of pid %d: can't read the socket's domain, type or protocol: %s\n",
		       p->fd, fdump->dc->pid, strerror(-ret));
		return ret;
	}
	pr->pid = fdump->dc->pid;
	pr->fd = p->fd;
	pr->ino = p->st.st_ino;
	return 0;
}

const struct sk_probe *sk_probe(struct files_dump *fdump, const struct fd_parms *p)
{
	struct sk_dump *sd;
	struct sk_probe *pr;

	if (!S_ISSOCK(p->st.st_mode))
		return NULL;
	sd = sk_dump_state(fdump);
	if (!sd)
		return NULL;
	pr = &sd->probe;
	if (pr->sk >= 0 && pr->pid == fdump->dc->pid && pr->fd == p->fd &&
	    pr->ino == p->st.st_ino)
		return pr;
	probe_drop(pr);
	if (probe_fill(fdump, p, pr)) {
		probe_drop(pr);
		return NULL;
	}
	return pr;
}

/* --- sock_diag -------------------------------------------------------------- */

/* Read the answers to one request until DONE, or the single answer. */
static int diag_recv(int nl, uint16_t nl_flags,
		     int (*cb)(const struct nlmsghdr *h, void *arg), void *arg)
{
	static char buf[32768] __attribute__((aligned(NLMSG_ALIGNTO)));
	struct nlmsghdr *h;
	ssize_t n;
	int ret;

	for (;;) {
		n = recv(nl, buf, sizeof(buf), 0);
		if (n < 0) {
			ret = -errno;
			pr_perror("sock_diag: can't read the answer");
			return ret;
		}
		if (n == 0) {
			pr_err("sock_diag: the kernel closed the socket\n");
			return -EIO;
		}
		for (h = (struct nlmsghdr *)buf; NLMSG_OK(h, (size_t)n); h = NLMSG_NEXT(h, n)) {
			if (h->nlmsg_type == NLMSG_DONE)
				return 0;
			if (h->nlmsg_type == NLMSG_ERROR) {
				const struct nlmsgerr *e = NLMSG_DATA(h);

				if (h->nlmsg_len < NLMSG_LENGTH(sizeof(*e)))
					return -EIO;
				return e->error;	/* 0 for an ack, else -errno */
			}
			ret = cb(h, arg);
			if (ret < 0)
				return ret;
			if (ret > 0 || !(nl_flags & NLM_F_DUMP))
				return 0;
		}
	}
}

int sk_diag_query(const void *req, size_t len, uint16_t nl_flags,
		  int (*cb)(const struct nlmsghdr *h, void *arg), void *arg)
{
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK };
	struct nlmsghdr h = {
		.nlmsg_len = NLMSG_LENGTH(len),
		.nlmsg_type = SOCK_DIAG_BY_FAMILY,
		.nlmsg_flags = NLM_F_REQUEST | nl_flags,
		.nlmsg_seq = 1,
	};
	struct iovec iov[2] = {
		{ .iov_base = &h, .iov_len = NLMSG_HDRLEN },
		{ .iov_base = (void *)req, .iov_len = len },
	};
	struct msghdr msg = {
		.msg_name = &sa, .msg_namelen = sizeof(sa),
		.msg_iov = iov, .msg_iovlen = 2,
	};
	int nl, ret;

	nl = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_SOCK_DIAG);
	if (nl < 0) {
		ret = -errno;
		pr_perror("sock_diag: can't open a NETLINK_SOCK_DIAG socket");
		return ret;
	}
	if (sendmsg(nl, &msg, 0) < 0) {
		ret = -errno;
		pr_perror("sock_diag: can't send the request");
	} else {
		ret = diag_recv(nl, nl_flags, cb, arg);
	}
	close(nl);
	return ret;
}

/* --- the sockets no family takes ------------------------------------------- */

static bool is_socket(struct files_dump *fdump, const struct fd_parms *p)
{
	return S_ISSOCK(p->st.st_mode);
}

static int refuse_socket(struct files_dump *fdump, const struct fd_parms *p, uint32_t *id)
{
	const struct sk_probe *sk = sk_probe(fdump, p);

	if (!sk) {
		pr_err("fd %d of pid %d: socket %s could not be probed\n", p->fd,
		       fdump->dc->pid, p->link);
		return -EIO;
	}
	if (sk->family == AF_PACKET)
		pr_err("fd %d of pid %d: packet socket (%s, protocol %d) is not supported\n",
		       p->fd, sk->pid, sk_type_name(sk->type), sk->protocol);
	else if ((sk->family == AF_INET || sk->family == AF_INET6) && sk->type == SOCK_RAW)
		pr_err("fd %d of pid %d: raw socket (%s, protocol %d) is not supported\n",
		       p->fd, sk->pid, sk_family_name(sk->family), sk->protocol);
	else
		pr_err("fd %d of pid %d: %s socket (%s, protocol %d) is not supported\n",
		       p->fd, sk->pid, sk_family_name(sk->family), sk_type_name(sk->type),
		       sk->protocol);
	return -EOPNOTSUPP;
}

static int sockets_dump_fini(struct files_dump *fdump)
{
	int ret = 0;

	if (!fdump->sk)
		return 0;
	probe_drop(&fdump->sk->probe);
	if (fdump->sk->queues)
		ret = close_image(fdump->sk->queues);
	free(fdump->sk);
	fdump->sk = NULL;
	return ret;
}

/* The families' rst_fini ran before: each freed its part. */
static void sockets_rst_fini(struct rst_session *rs, bool failed)
{
	free(rs->sk);
	rs->sk = NULL;
}

/*
 * Last of the socket kinds in fd_kinds[]: its finish and rst_fini run
 * after theirs and free the state they share.
 */
const struct fd_kind fd_kind_socket = {
	.name = "socket",
	.type = FD_TYPES__UND,
	.match = is_socket,
	.dump = refuse_socket,
	.finish = sockets_dump_fini,
	.rst_fini = sockets_rst_fini,
};
