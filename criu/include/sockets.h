/* SPDX-License-Identifier: GPL-2.0 */
#ifndef CRIU_SOCKETS_H
#define CRIU_SOCKETS_H

/*
 * Sockets: what the per-family files (sk-unix.c, sk-netlink.c, and
 * sk-inet.c) share.
 *
 * Each family is one fd kind of its own in files.c's fd_kinds[] (its
 * FdTypes: UNIXSK, NETLINKSK, INETSK, ...), whose match() asks
 * sk_probe() what the descriptor is. fd_kind_socket (sockets.c) comes
 * after every family's kind and refuses the sockets none of them took,
 * naming pid, fd and family. To add a family:
 *
 *	static bool is_inet(struct files_dump *fdump, const struct fd_parms *p)
 *	{
 *		const struct sk_probe *sk = sk_probe(fdump, p);
 *
 *		return sk && (sk->family == AF_INET || sk->family == AF_INET6);
 *	}
 *	const struct fd_kind fd_kind_inetsk = { .type = FD_TYPES__INETSK,
 *						.match = is_inet, ... };
 *
 * and its line in fd_kinds[] before &fd_kind_socket; sk_family_name()
 * knows the names of the families for messages.
 *
 * Options (sk-opts.c) and queued data (sk-queue.c, sk-queues.img) are
 * written once here for every family.
 */

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "files.h"
#include "sk-opts.pb-c.h"

struct nlmsghdr;
struct cr_img;

/*
 * One socket descriptor of the target, as sk_probe() found it: @sk is
 * criu's own descriptor of the same open file (pidfd_getfd), valid
 * until the next probe or the end of the dump; what is done to it is
 * done to the target's socket.
 */
struct sk_probe {
	pid_t pid;			/* the task and descriptor probed */
	int fd;
	uint64_t ino;			/* the socket's inode */
	int sk;				/* criu's copy */
	int family;			/* SO_DOMAIN */
	int type;			/* SO_TYPE */
	int protocol;			/* SO_PROTOCOL */
};

struct unix_dump;			/* sk-unix.c */
struct netlink_dump;			/* sk-netlink.c */

/* The socket kinds' part of a dump session (files_dump.sk). */
struct sk_dump {
	struct sk_probe probe;		/* the last one, sk -1 if none */
	struct cr_img *queues;		/* sk-queues.img, opened on first use */
	struct unix_dump *unix_sks;
	struct netlink_dump *netlink_sks;
};

/* The socket kinds' part of a restore session (rst_session.sk). */
struct sk_rst {
	struct unix_rst *unix_sks;	/* sk-unix.c */
	struct netlink_rst *netlink_sks; /* sk-netlink.c: ids from files.img */
	struct sk_queue_rst *queues;	/* sk-queue.c: sk-queues.img, read once;
					 * freed by the Unix kind, its one user */
};

/*
 * What socket descriptor @p of the task whose table is being dumped
 * is (cached: every kind's match() may ask); NULL if it is not a socket
 * or could not be probed (the error is logged, and the refusal kind
 * then fails the dump).
 */
const struct sk_probe *sk_probe(struct files_dump *fdump, const struct fd_parms *p);
/* The socket kinds' dump state, created on first use; NULL on ENOMEM. */
struct sk_dump *sk_dump_state(struct files_dump *fdump);
/* The socket kinds' restore state, created on first use; NULL on ENOMEM. */
struct sk_rst *sk_rst_state(struct rst_session *rs);
/* Append @id to the array *@ids of *@nr (a kind's collected files.img ids). */
int sk_add_id(uint32_t **ids, unsigned int *nr, uint32_t id);
/* "unix", "inet6", "packet", ... or "family N" (a static buffer). */
const char *sk_family_name(int family);
/* "stream", "dgram", "seqpacket", "raw", ... */
const char *sk_type_name(int type);

/*
 * One sock_diag request (NETLINK_SOCK_DIAG, SOCK_DIAG_BY_FAMILY) of
 * @len bytes at @req (a struct unix_diag_req, inet_diag_req_v2, ...),
 * with @nl_flags (NLM_F_DUMP or 0 for one socket by inode); @cb runs
 * for each answer and may return 1 to stop early. 0, or -errno (the
 * kernel's error for a missing socket is -ENOENT).
 */
int sk_diag_query(const void *req, size_t len, uint16_t nl_flags,
		  int (*cb)(const struct nlmsghdr *h, void *arg), void *arg);

/*
 * sk-opts.c: the socket-level options of @sk, for dump, with @what
 * (e.g. "fd 3 of pid 42") in messages. Options the kernel would not
 * take back as they are refuse the dump (-EOPNOTSUPP). Free with
 * sk_opts_free().
 */
int dump_sk_opts(int sk, SkOptsEntry *soe, const char *what);
void sk_opts_free(SkOptsEntry *soe);
/* Set them on a new socket @sk, checking what the kernel took. */
int restore_sk_opts(int sk, const SkOptsEntry *soe, const char *what);

/* sk-queue.c: queued data, sk-queues.img. */
struct sk_queue_rst;
/*
 * Copy every message queued for reading on @sk into sk-queues.img as
 * entries for socket @id_for, leaving the queue as it was (MSG_PEEK
 * with SO_PEEK_OFF stepped over the messages, then put back). Messages
 * that carry descriptors (SCM_RIGHTS) or credentials refuse the dump,
 * and so do, with @anon_senders (restore will send them from an unnamed
 * socket), messages from a named sender. *@nr_bytes gets the bytes
 * copied. 0 or -errno.
 */
int sk_queue_dump(struct files_dump *fdump, int sk, uint32_t id_for, bool anon_senders,
		  const char *what, uint64_t *nr_bytes);
/*
 * Send socket @id's queued messages (read from sk-queues.img on first
 * use) through @via: its peer, or (@to set) an unnamed socket
 * sendto()'ing them to @to. 0 or -errno.
 */
struct sockaddr;
int sk_queue_restore(struct rst_session *rs, uint32_t id, int via,
		     const struct sockaddr *to, unsigned int to_len, const char *what);
/* After the open() of every kind: every queue was used, memory freed. */
int sk_queue_rst_fini(struct rst_session *rs);
/* The queues' memory freed, used or not (a failed restore). */
void sk_queue_rst_free(struct rst_session *rs);

#endif /* CRIU_SOCKETS_H */
