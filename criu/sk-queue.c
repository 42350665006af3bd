// SPDX-License-Identifier: GPL-2.0
/*
 * Data queued for reading on a socket: sk-queues.img, one entry per
 * message (a datagram, or a run of stream bytes) followed by its bytes.
 *
 * Dump reads the queue without consuming it: SO_PEEK_OFF is set to 0
 * and each recv(MSG_PEEK) moves it past what it returned, so that the
 * next one returns the next message; the target's own SO_PEEK_OFF is
 * put back afterwards. Nothing in the queue changes, whether the dump
 * goes on or fails.
 *
 * Restore sends the messages again, in order, from the socket's peer
 * (or from a fresh unnamed socket to the socket's name), before the
 * tasks get the sockets.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>
#include <linux/sockios.h>

#include "dump.h"
#include "files.h"
#include "image.h"
#include "log.h"
#include "restore.h"
#include "sockets.h"

#include "sk-packet.pb-c.h"

#ifndef SO_PEEK_OFF
#define SO_PEEK_OFF		42
#endif

/* Larger messages than this in an image are taken for corruption. */
#define SK_MSG_MAX		(64u << 20)
/* More messages than this on one socket: something loops, not a queue. */
#define SK_MSGS_MAX		(1u << 20)
/* Room for the control messages of one peek (descriptors get closed). */
#define SK_CMSG_ROOM		4096

/* --- dump --------------------------------------------------------------- */

static int open_queues(struct files_dump *fdump, struct sk_dump *sd)
{
	if (sd->queues)
		return 0;
	sd->queues = open_image(fdump->dc->sess->dfd, CR_FD_SK_QUEUES, O_DUMP);
	return sd->queues ? 0 : -EIO;
}

/*
 * What the control messages of one peeked message say: descriptors are
 * closed at once (a peek installs copies of them in criu) and refuse
 * the dump, as do credentials and anything else that cannot be sent
 * back as it was.
 */
static int check_cmsgs(struct msghdr *mh, const char *what)
{
	struct cmsghdr *c;
	int ret = 0;

	for (c = CMSG_FIRSTHDR(mh); c; c = CMSG_NXTHDR(mh, c)) {
		if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS) {
			int *fds = (int *)CMSG_DATA(c);
			size_t i, n = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);

			for (i = 0; i < n; i++)
				close(fds[i]);
			pr_err("%s: a queued message carries %zu descriptors (SCM_RIGHTS), which criu-ooh cannot dump\n",
			       what, n);
			ret = -EOPNOTSUPP;
		} else if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_CREDENTIALS) {
			pr_err("%s: queued messages carry their senders' credentials (SO_PASSCRED), which restore cannot give back\n",
			       what);
			ret = ret ? ret : -EOPNOTSUPP;
		} else {
			pr_err("%s: a queued message carries control message %d/%d, which criu-ooh cannot dump\n",
			       what, c->cmsg_level, c->cmsg_type);
			ret = ret ? ret : -EOPNOTSUPP;
		}
	}
	if (!ret && (mh->msg_flags & MSG_CTRUNC)) {
		pr_err("%s: the control data of a queued message does not fit\n", what);
		ret = -EOPNOTSUPP;
	}
	return ret;
}

/*
 * Peek the next message: its length first (a zero-length peek with
 * MSG_TRUNC does not move the offset and gives a datagram's length; a
 * stream has SIOCINQ), then the message. Its length (a datagram may be
 * empty), -EAGAIN at the end of the queue, or another -errno.
 */
static ssize_t peek_one(int sk, bool stream, bool anon, void **buf, size_t *cap,
			const char *what)
{
	char cmsg[SK_CMSG_ROOM] __attribute__((aligned(8)));
	struct sockaddr_storage from;
	struct iovec iov = { .iov_base = NULL, .iov_len = 0 };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };
	ssize_t len, n;
	int ret;
	void *tmp;

	len = recv(sk, NULL, 0, MSG_PEEK | MSG_DONTWAIT | MSG_TRUNC);
	if (len < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
		return -EAGAIN;
	if (len < 0) {
		ret = -errno;
		pr_perror("%s: can't peek at the queue", what);
		return ret;
	}
	if (stream) {
		/* all that is queued, of which the peek returns what is left */
		int inq = 0;

		if (ioctl(sk, SIOCINQ, &inq) < 0) {
			ret = -errno;
			pr_perror("%s: can't read the queue's length", what);
			return ret;
		}
		if (inq <= 0)
			return -EAGAIN;
		len = inq;
	}
	if ((size_t)len > SK_MSG_MAX) {
		pr_err("%s: a queued message of %zd bytes\n", what, len);
		return -EOPNOTSUPP;
	}
	if ((size_t)len > *cap) {
		tmp = realloc(*buf, len);
		if (!tmp)
			return -ENOMEM;
		*buf = tmp;
		*cap = len;
	}
	iov.iov_base = *buf;
	iov.iov_len = len;
	mh.msg_control = cmsg;
	mh.msg_controllen = sizeof(cmsg);
	mh.msg_name = &from;
	mh.msg_namelen = sizeof(from);
	n = recvmsg(sk, &mh, MSG_PEEK | MSG_DONTWAIT | MSG_CMSG_CLOEXEC);
	if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
		return -EAGAIN;
	if (n < 0) {
		ret = -errno;
		pr_perror("%s: can't peek at a queued message", what);
		return ret;
	}
	ret = check_cmsgs(&mh, what);
	if (ret)
		return ret;
	if (stream && n == 0)
		return -EAGAIN;
	if (anon && mh.msg_namelen > sizeof(sa_family_t)) {
		pr_err("%s: a queued message comes from a named socket, which restore cannot send it from\n",
		       what);
		return -EOPNOTSUPP;
	}
	return n;
}

static int write_msg(struct sk_dump *sd, uint32_t id_for, const void *buf, size_t len)
{
	SkPacketEntry pe = SK_PACKET_ENTRY__INIT;
	int ret;

	pe.id_for = id_for;
	pe.length = len;
	ret = pb_write_one(sd->queues, &pe, &sk_packet_entry__descriptor);
	if (!ret)
		ret = write_img_buf(sd->queues, buf, len);
	return ret;
}

static int peek_all(struct files_dump *fdump, struct sk_dump *sd, int sk, bool stream,
		    bool anon, uint32_t id_for, const char *what, uint64_t *nr_bytes)
{
	void *buf = NULL;
	size_t cap = 0, nr = 0;
	ssize_t n;
	int ret = 0;

	struct pollfd pfd = { .fd = sk, .events = POLLRDHUP };
	bool rdhup = poll(&pfd, 1, 0) > 0 && (pfd.revents & POLLRDHUP);

	while ((n = peek_one(sk, stream, anon, &buf, &cap, what)) >= 0) {
		/*
		 * Shut down for reading, a datagram socket reads 0 at the end
		 * of its queue too: an empty message only if more follow (an
		 * empty one at the very end can't be told from the end).
		 */
		if (!stream && !n && rdhup &&
		    recv(sk, NULL, 0, MSG_PEEK | MSG_DONTWAIT | MSG_TRUNC) <= 0)
			break;
		if (++nr > SK_MSGS_MAX) {
			pr_err("%s: more than %u queued messages\n", what, SK_MSGS_MAX);
			ret = -E2BIG;
			break;
		}
		ret = open_queues(fdump, sd);
		if (!ret)
			ret = write_msg(sd, id_for, buf, n);
		if (ret)
			break;
		*nr_bytes += n;
	}
	if (n < 0 && n != -EAGAIN)
		ret = n;
	free(buf);
	return ret;
}

static int set_peek_off(int sk, int off, const char *what)
{
	int ret;

	if (setsockopt(sk, SOL_SOCKET, SO_PEEK_OFF, &off, sizeof(off))) {
		ret = -errno;
		pr_perror("%s: can't set SO_PEEK_OFF to %d", what, off);
		return ret;
	}
	return 0;
}

int sk_queue_dump(struct files_dump *fdump, int sk, uint32_t id_for, bool anon_senders,
		  const char *what, uint64_t *nr_bytes)
{
	struct sk_dump *sd = sk_dump_state(fdump);
	socklen_t len = sizeof(int);
	int old, type, ret, err;

	*nr_bytes = 0;
	if (!sd)
		return -ENOMEM;
	if (getsockopt(sk, SOL_SOCKET, SO_TYPE, &type, &len)) {
		ret = -errno;
		pr_perror("%s: can't read SO_TYPE", what);
		return ret;
	}
	if (getsockopt(sk, SOL_SOCKET, SO_PEEK_OFF, &old, &len)) {
		ret = -errno;
		pr_perror("%s: can't read SO_PEEK_OFF", what);
		return ret;
	}
	ret = set_peek_off(sk, 0, what);
	if (ret)
		return ret;
	ret = peek_all(fdump, sd, sk, type == SOCK_STREAM, anon_senders, id_for, what,
		       nr_bytes);
	/* the target's own offset back, whatever happened */
	err = set_peek_off(sk, old, what);
	return ret ? ret : err;
}

/* --- restore ------------------------------------------------------------ */

struct sk_queued {
	uint32_t id_for;
	uint32_t len;
	bool used;
	void *buf;
};

struct sk_queue_rst {
	struct sk_queued *msgs;
	unsigned int nr;
};

static void free_queues(struct sk_queue_rst *q)
{
	unsigned int i;

	for (i = 0; i < q->nr; i++)
		free(q->msgs[i].buf);
	free(q->msgs);
	free(q);
}

static int read_one_msg(struct cr_img *img, struct sk_queue_rst *q)
{
	struct sk_queued *tmp, *m;
	SkPacketEntry *pe;
	int ret;

	ret = pb_read_one(img, (void **)&pe, &sk_packet_entry__descriptor);
	if (ret <= 0)
		return ret;
	if (pe->length > SK_MSG_MAX || pe->n_scm) {
		pr_err("%s: message for socket %u (%u bytes, %zu control messages) is not one criu-ooh writes\n",
		       img_name(img), pe->id_for, pe->length, pe->n_scm);
		pb_free(pe);
		return -EINVAL;
	}
	tmp = realloc(q->msgs, (q->nr + 1) * sizeof(*tmp));
	if (!tmp) {
		pb_free(pe);
		return -ENOMEM;
	}
	q->msgs = tmp;
	m = &q->msgs[q->nr];
	*m = (struct sk_queued){ .id_for = pe->id_for, .len = pe->length };
	pb_free(pe);
	m->buf = malloc(m->len ? m->len : 1);
	if (!m->buf)
		return -ENOMEM;
	ret = read_img_buf(img, m->buf, m->len);
	if (ret) {
		free(m->buf);
		return ret;
	}
	q->nr++;
	return 1;
}

static int read_queues(struct rst_session *rs, struct sk_rst *sr)
{
	struct sk_queue_rst *q;
	struct cr_img *img;
	int ret;

	q = calloc(1, sizeof(*q));
	if (!q)
		return -ENOMEM;
	img = open_image(rs->dfd, CR_FD_SK_QUEUES, O_RSTR | O_OPT);
	if (!img) {
		free(q);
		return -EIO;
	}
	while ((ret = read_one_msg(img, q)) > 0)
		;
	close_image(img);
	if (ret < 0) {
		free_queues(q);
		return ret;
	}
	sr->queues = q;
	return 0;
}

static int send_all(int via, const struct sk_queued *m, const struct sockaddr *to,
		    unsigned int to_len, const char *what)
{
	uint32_t done = 0;
	ssize_t n;
	int ret;

	do {
		n = sendto(via, (char *)m->buf + done, m->len - done,
			   MSG_DONTWAIT | MSG_NOSIGNAL, to, to_len);
		if (n < 0) {
			ret = -errno;
			pr_perror("%s: can't put back a queued message of %u bytes", what, m->len);
			return ret;
		}
		done += n;
	} while (done < m->len);
	return 0;
}

int sk_queue_restore(struct rst_session *rs, uint32_t id, int via,
		     const struct sockaddr *to, unsigned int to_len, const char *what)
{
	struct sk_rst *sr = sk_rst_state(rs);
	unsigned int i, nr = 0;
	uint64_t bytes = 0;
	int ret;

	if (!sr)
		return -ENOMEM;
	if (!sr->queues) {
		ret = read_queues(rs, sr);
		if (ret)
			return ret;
	}
	for (i = 0; i < sr->queues->nr; i++) {
		struct sk_queued *m = &sr->queues->msgs[i];

		if (m->id_for != id || m->used)
			continue;
		if (via < 0) {
			pr_err("%s: it has queued messages but no peer or name to send them from\n",
			       what);
			return -EOPNOTSUPP;
		}
		ret = send_all(via, m, to, to_len, what);
		if (ret)
			return ret;
		m->used = true;
		nr++;
		bytes += m->len;
	}
	if (nr)
		pr_info("%s: %u queued messages, %llu bytes, put back\n", what, nr,
			(unsigned long long)bytes);
	return 0;
}

/* Every message of sk-queues.img must have been sent back by now. */
int sk_queue_rst_fini(struct rst_session *rs)
{
	struct sk_queue_rst *q = rs->sk ? rs->sk->queues : NULL;
	unsigned int i;
	int ret = 0;

	if (!q)
		return 0;
	for (i = 0; i < q->nr && !ret; i++) {
		if (q->msgs[i].used)
			continue;
		pr_err("sk-queues.img: a message for socket id %u, which no restored socket has\n",
		       q->msgs[i].id_for);
		ret = -EINVAL;
	}
	sk_queue_rst_free(rs);
	return ret;
}

void sk_queue_rst_free(struct rst_session *rs)
{
	if (!rs->sk || !rs->sk->queues)
		return;
	free_queues(rs->sk->queues);
	rs->sk->queues = NULL;
}
