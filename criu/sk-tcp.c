// SPDX-License-Identifier: GPL-2.0
/*
 * Established TCP connections, through TCP_REPAIR (Linux 3.5+).
 *
 * Dump: the connection is locked first (its packets dropped, so that the
 * peer neither gets an answer nor a reset from the closed socket), then
 * put in repair mode, where the kernel lets criu read its sequence
 * numbers, both queues, the negotiated options and the windows without
 * sending anything. Once read, the connection leaves repair mode but
 * stays locked (the task never runs on a socket in repair mode). After
 * the tasks are killed criu's copy, the last one, goes back into repair
 * mode and is closed: the socket dies without FIN or RST. A failed dump
 * or --leave-running unlocks it and it goes on. A guard process
 * (net-guard.c) holds copies too, for a criu that dies on the way.
 *
 * tcp-stream-<ino>.img counts as CRIU does: outq_len and inq_len are the
 * data bytes (a FIN in a queue is not data), outq_seq and inq_seq the
 * kernel's write_seq and rcv_nxt (a FIN counted in them).
 *
 * Restore builds the connection in repair mode: the sequence numbers of
 * both queues, connect() (which, in repair mode, just makes the socket
 * established), the options, the queues' data (what had been sent as
 * sent, also what had not been sent: the kernel retransmits it, and
 * nothing leaves before the whole tree is back), the windows, then the
 * FINs of a half-closed connection: our FIN by shutdown(), the peer's by
 * a segment criu sends to the socket (sk-tcp-fin.c). Repair mode is left
 * when the whole tree is restored.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/sockios.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "cr_options.h"
#include "fault-inject.h"
#include "dump.h"
#include "files.h"
#include "image.h"
#include "log.h"
#include "pstree.h"
#include "restore.h"
#include "sk-tcp.h"
#include "sk-tcp-fin.h"

#include "tcp-stream.pb-c.h"

/* Larger queues than this in an image are taken for corruption. */
#define TCP_QUEUE_MAX	(256u << 20)

#define TCPF(st)	(1u << (st))
/* our FIN is in the send queue (not acked) */
#define SNDQ_FIN	(TCPF(TCP_FIN_WAIT1) | TCPF(TCP_CLOSING) | TCPF(TCP_LAST_ACK))
/* our FIN was sent and acked */
#define SNDQ_FIN_ACKED	TCPF(TCP_FIN_WAIT2)
/* the peer's FIN was received */
#define RCVQ_FIN	(TCPF(TCP_CLOSE_WAIT) | TCPF(TCP_LAST_ACK) | TCPF(TCP_CLOSING))
#define TCP_STATES_OK	(TCPF(TCP_ESTABLISHED) | SNDQ_FIN | SNDQ_FIN_ACKED | RCVQ_FIN)

#ifndef TCP_REPAIR_WINDOW
#define TCP_REPAIR_WINDOW	29
#endif

/* --- the repair-mode switch ---------------------------------------------- */

static int repair_set(int sk, int on, const char *what)
{
	if (setsockopt(sk, SOL_TCP, TCP_REPAIR, &on, sizeof(on)) < 0) {
		int ret = -errno;

		pr_perror("%s: can't turn TCP repair mode %s", what, on ? "on" : "off");
		return ret;
	}
	return 0;
}

static int set_queue(int sk, int q, const char *what)
{
	if (setsockopt(sk, SOL_TCP, TCP_REPAIR_QUEUE, &q, sizeof(q)) < 0) {
		int ret = -errno;

		pr_perror("%s: TCP_REPAIR_QUEUE %d", what, q);
		return ret;
	}
	return 0;
}

/* --- dump --------------------------------------------------------------- */

static struct inet_dump *session_inet(struct dump_session *sess)
{
	struct inet_dump *id;

	if (sess->inet)
		return sess->inet;
	id = calloc(1, sizeof(*id));
	if (!id)
		return NULL;
	id->lock.root_pid = pstree_root(sess->tree)->pid;
	id->lock.method = opts.network_lock_method;
	if (net_guard_start(&id->guard, id->lock.method, id->lock.root_pid)) {
		free(id);
		return NULL;
	}
	sess->inet = id;
	return id;
}

/* Keep a copy of @sk until the dump ends: its stream is dumped last. */
static int track_conn(struct inet_dump *id, int sk, pid_t pid, int fd, uint32_t ino,
		      unsigned int state, const struct inet_conn *c)
{
	struct tcp_repaired *t;
	int copy;

	t = realloc(id->conns, (id->nr_conns + 1) * sizeof(*t));
	if (!t)
		return -ENOMEM;
	id->conns = t;
	copy = fcntl(sk, F_DUPFD_CLOEXEC, 0);
	if (copy < 0) {
		pr_perror("fd %d of pid %d: can't keep the socket", fd, pid);
		return -errno;
	}
	t += id->nr_conns++;
	memset(t, 0, sizeof(*t));
	t->sk = copy;
	t->pid = pid;
	t->fd = fd;
	t->ino = ino;
	t->state = state;
	t->conn = *c;
	return 0;
}

/* Peek @len bytes of queue @q; the kernel must have exactly that many. */
static int peek_queue(int sk, int q, uint32_t *seq, uint32_t len, char **buf,
		      const char *what)
{
	socklen_t sl = sizeof(*seq);
	ssize_t n;
	int ret;

	*buf = NULL;
	ret = set_queue(sk, q, what);
	if (ret)
		return ret;
	if (getsockopt(sk, SOL_TCP, TCP_QUEUE_SEQ, seq, &sl) < 0) {
		ret = -errno;
		pr_perror("%s: TCP_QUEUE_SEQ of queue %d", what, q);
		return ret;
	}
	if (!len)
		return 0;
	*buf = malloc(len + 1);
	if (!*buf)
		return -ENOMEM;
	/* one byte more than expected shows a queue that is longer */
	n = recv(sk, *buf, len + 1, MSG_PEEK | MSG_DONTWAIT);
	if (n != (ssize_t)len) {
		ret = n < 0 ? -errno : -EIO;
		pr_err("%s: queue %d gave %zd bytes, %u expected: %s\n", what, q, n, len,
		       n < 0 ? strerror(errno) : "length changed");
		free(*buf);
		*buf = NULL;
		return ret;
	}
	return 0;
}

static int sk_getint(int sk, int level, int name, const char *oname, const char *what,
		     int *val)
{
	socklen_t len = sizeof(*val);

	if (getsockopt(sk, level, name, val, &len) < 0) {
		int ret = -errno;

		pr_perror("%s: getsockopt %s", what, oname);
		return ret;
	}
	return 0;
}

/* Everything but the queues' data, in repair mode. */
static int read_stream(int sk, unsigned int state, TcpStreamEntry *tse, const char *what)
{
	struct tcp_repair_window win;
	struct tcp_info ti;
	socklen_t len = sizeof(ti);
	int outq, unsq, inq, v, ret;

	memset(&ti, 0, sizeof(ti));
	if (getsockopt(sk, SOL_TCP, TCP_INFO, &ti, &len) < 0) {
		ret = -errno;
		pr_perror("%s: TCP_INFO", what);
		return ret;
	}
	if (ti.tcpi_state != state) {
		pr_err("%s: changed state while being dumped (%u, was %u)\n", what,
		       ti.tcpi_state, state);
		return -EAGAIN;
	}
	if (ioctl(sk, SIOCOUTQ, &outq) < 0 || ioctl(sk, SIOCOUTQNSD, &unsq) < 0 ||
	    ioctl(sk, SIOCINQ, &inq) < 0) {
		ret = -errno;
		pr_perror("%s: can't read the queue lengths", what);
		return ret;
	}
	/* a FIN takes a sequence number but is no data */
	if (TCPF(state) & SNDQ_FIN) {
		if (outq)
			outq--;
		if (unsq)
			unsq--;
	}
	tse->outq_len = outq;
	tse->has_unsq_len = true;
	tse->unsq_len = unsq;
	tse->inq_len = inq;

	tse->opt_mask = ti.tcpi_options;
	if (ti.tcpi_options & TCPI_OPT_WSCALE) {
		tse->snd_wscale = ti.tcpi_snd_wscale;
		tse->has_rcv_wscale = true;
		tse->rcv_wscale = ti.tcpi_rcv_wscale;
	}
	/* in repair mode TCP_MAXSEG is the clamp the peer announced */
	ret = sk_getint(sk, SOL_TCP, TCP_MAXSEG, "TCP_MAXSEG", what, &v);
	if (ret)
		return ret;
	tse->mss_clamp = v;
	if (ti.tcpi_options & TCPI_OPT_TIMESTAMPS) {
		ret = sk_getint(sk, SOL_TCP, TCP_TIMESTAMP, "TCP_TIMESTAMP", what, &v);
		if (ret)
			return ret;
		tse->has_timestamp = true;
		tse->timestamp = v;
	}
	len = sizeof(win);
	if (getsockopt(sk, SOL_TCP, TCP_REPAIR_WINDOW, &win, &len) < 0) {
		ret = -errno;
		pr_perror("%s: TCP_REPAIR_WINDOW", what);
		return ret;
	}
	tse->has_snd_wl1 = tse->has_snd_wnd = tse->has_max_window = true;
	tse->has_rcv_wnd = tse->has_rcv_wup = true;
	tse->snd_wl1 = win.snd_wl1;
	tse->snd_wnd = win.snd_wnd;
	tse->max_window = win.max_window;
	tse->rcv_wnd = win.rcv_wnd;
	tse->rcv_wup = win.rcv_wup;

	ret = sk_getint(sk, SOL_TCP, TCP_NODELAY, "TCP_NODELAY", what, &v);
	tse->has_nodelay = true;
	tse->nodelay = v;
	ret = ret ?: sk_getint(sk, SOL_TCP, TCP_CORK, "TCP_CORK", what, &v);
	tse->has_cork = true;
	tse->cork = v;
	return ret;
}

static int write_stream(struct dump_session *sess, uint32_t ino, TcpStreamEntry *tse,
			const char *inq, const char *outq)
{
	struct cr_img *img;
	int ret, err;

	img = open_image(sess->dfd, CR_FD_TCP_STREAM, O_DUMP, ino);
	if (!img)
		return -EIO;
	ret = pb_write_one(img, tse, &tcp_stream_entry__descriptor);
	if (!ret && tse->inq_len)
		ret = write_img_buf(img, inq, tse->inq_len);
	if (!ret && tse->outq_len)
		ret = write_img_buf(img, outq, tse->outq_len);
	err = close_image(img);
	return ret ? ret : err;
}

int dump_tcp_conn(struct files_dump *fdump, const struct fd_parms *p, int sk,
		  const InetSkEntry *ie, const struct inet_conn *c)
{
	struct inet_dump *id;

	if (!(TCPF(ie->state) & TCP_STATES_OK)) {
		char addrs[128];

		inet_conn_str(c, addrs, sizeof(addrs));
		pr_err("fd %d of pid %d (TCP %s): connections in state %s are not supported\n",
		       p->fd, fdump->dc->pid, addrs, inet_state_name(ie->state));
		return -EOPNOTSUPP;
	}
	id = session_inet(fdump->dc->sess);
	if (!id)
		return -ENOMEM;
	return track_conn(id, sk, fdump->dc->pid, p->fd, ie->ino, ie->state, c);
}

/* Lock one connection, put it in repair mode and dump its stream. */
static int dump_stream(struct dump_session *sess, struct inet_dump *id, struct tcp_repaired *t)
{
	TcpStreamEntry tse = TCP_STREAM_ENTRY__INIT;
	char what[200], addrs[128];
	char *inq = NULL, *outq = NULL;
	int ret;

	inet_conn_str(&t->conn, addrs, sizeof(addrs));
	snprintf(what, sizeof(what), "fd %d of pid %d (TCP %s)", t->fd, t->pid, addrs);
	/* the guard knows of it before anything can be left behind */
	ret = net_guard_note(&id->guard, t->pid, t->fd, t->ino, t->sk);
	ret = ret ?: net_lock_conn(&id->lock, &t->conn);
	ret = ret ?: repair_set(t->sk, 1, what);
	if (ret)
		return ret;
	t->repaired = true;
	ret = read_stream(t->sk, t->state, &tse, what);
	ret = ret ?: peek_queue(t->sk, TCP_RECV_QUEUE, &tse.inq_seq, tse.inq_len, &inq, what);
	ret = ret ?: peek_queue(t->sk, TCP_SEND_QUEUE, &tse.outq_seq, tse.outq_len, &outq, what);
	ret = ret ?: write_stream(sess, t->ino, &tse, inq, outq);
	if (!ret)
		pr_info("%s: dumped in repair mode: receive queue %u bytes (seq %u), send "
			"queue %u (%u unsent, seq %u)\n", what, tse.inq_len, tse.inq_seq,
			tse.outq_len, tse.unsq_len, tse.outq_seq);
	free(inq);
	free(outq);
	/*
	 * Out of repair mode until the tasks are killed: locked, the
	 * connection can't change but by its own timers, and a criu that
	 * dies now leaves it working.
	 */
	if (!repair_set(t->sk, 0, what))
		t->repaired = false;
	else if (!ret)
		ret = -EIO;
	return ret;
}

int inet_dump_streams(struct dump_session *sess)
{
	struct inet_dump *id = sess->inet;
	unsigned int i;
	int ret = 0;

	for (i = 0; id && i < id->nr_conns && !ret; i++)
		ret = dump_stream(sess, id, &id->conns[i]);
	return ret;
}

int inet_dump_fini(struct dump_session *sess, bool ok)
{
	struct inet_dump *id = sess->inet;
	bool resume = !ok || opts.leave_running;
	unsigned int i;
	char what[64];
	int ret = 0, err;

	if (!id)
		return 0;
	if (!resume && fault_injected(FI_DUMP_KILLED))
		ret = -EIO;
	for (i = 0; i < id->nr_conns; i++) {
		struct tcp_repaired *t = &id->conns[i];

		snprintf(what, sizeof(what), "fd %d of pid %d", t->fd, t->pid);
		/* the tasks are dead, criu's copy is the last: silence it */
		err = repair_set(t->sk, !resume, what);
		if (err)
			pr_err("%s: its peer will see the connection end\n", what);
		else if (resume)
			pr_info("%s: connection goes on\n", what);
		ret = ret ? ret : err;
		close(t->sk);
	}
	if (resume && id->lock.created)
		net_unlock(id->lock.method, id->lock.root_pid);
	else if (id->lock.created)
		pr_info("Network lock of pid %d stays until restore\n", id->lock.root_pid);
	net_guard_stop(&id->guard);
	free(id->conns);
	free(id);
	sess->inet = NULL;
	return ret;
}

/* --- restore ------------------------------------------------------------ */

struct inet_rst {
	int *sks;			/* pre-opened descriptors in repair mode */
	unsigned int nr;
	bool conns;			/* dumped connections were seen (locked) */
};

static struct inet_rst *rst_inet(struct rst_session *rs)
{
	if (!rs->inet)
		rs->inet = calloc(1, sizeof(*rs->inet));
	return rs->inet;
}

int tcp_restore_saw_conn(struct rst_session *rs)
{
	struct inet_rst *ir = rst_inet(rs);

	if (!ir)
		return -ENOMEM;
	ir->conns = true;
	return 0;
}

static int read_stream_img(struct rst_session *rs, const InetSkEntry *ie,
			   TcpStreamEntry **tsep, char **inq, char **outq, const char *what)
{
	TcpStreamEntry *tse = NULL;
	struct cr_img *img;
	int ret;

	*inq = *outq = NULL;
	img = open_image(rs->dfd, CR_FD_TCP_STREAM, O_RSTR, ie->ino);
	if (!img) {
		pr_err("%s: no tcp-stream-%x.img (dumped with --tcp-close? restore with it)\n",
		       what, ie->ino);
		return -ENOENT;
	}
	ret = pb_read_one_must(img, (void **)&tse, &tcp_stream_entry__descriptor);
	if (ret)
		goto out;
	if (tse->inq_len > TCP_QUEUE_MAX || tse->outq_len > TCP_QUEUE_MAX ||
	    (tse->has_unsq_len && tse->unsq_len > tse->outq_len)) {
		pr_err("%s: %s: bad queue lengths %u, %u (%u unsent)\n", what, img_name(img),
		       tse->inq_len, tse->outq_len, tse->unsq_len);
		ret = -EINVAL;
		goto out;
	}
	*inq = malloc(tse->inq_len + 1);
	*outq = malloc(tse->outq_len + 1);
	if (!*inq || !*outq) {
		ret = -ENOMEM;
		goto out;
	}
	ret = tse->inq_len ? read_img_buf(img, *inq, tse->inq_len) : 0;
	if (!ret && tse->outq_len)
		ret = read_img_buf(img, *outq, tse->outq_len);
	if (ret)
		pr_err("%s: %s is truncated\n", what, img_name(img));
out:
	close_image(img);
	if (ret) {
		if (tse)
			pb_free(tse);
		free(*inq);
		free(*outq);
		*inq = *outq = NULL;
		return ret;
	}
	*tsep = tse;
	return 0;
}

static int set_queue_seq(int sk, int q, uint32_t seq, const char *what)
{
	int ret = set_queue(sk, q, what);

	if (!ret && setsockopt(sk, SOL_TCP, TCP_QUEUE_SEQ, &seq, sizeof(seq)) < 0) {
		ret = -errno;
		pr_perror("%s: TCP_QUEUE_SEQ %u of queue %d", what, seq, q);
	}
	return ret;
}

/* Write @len bytes into queue @q, in smaller pieces if the kernel wants. */
static int fill_queue(int sk, int q, const char *buf, uint32_t len, const char *what)
{
	uint32_t chunk = len;
	ssize_t n;
	int ret;

	if (!len)
		return 0;
	if (q >= 0) {
		ret = set_queue(sk, q, what);
		if (ret)
			return ret;
	}
	while (len) {
		n = send(sk, buf, chunk < len ? chunk : len, MSG_DONTWAIT);
		if (n < 0 && (errno == ENOMEM || errno == EAGAIN) && chunk > 1024) {
			/* the receive queue takes one linear buffer per call */
			chunk /= 2;
			continue;
		}
		if (n <= 0) {
			ret = n < 0 ? -errno : -EIO;
			pr_perror("%s: can't refill queue %d (%u bytes left)", what, q, len);
			return ret;
		}
		buf += n;
		len -= n;
	}
	return 0;
}

static int set_options(int sk, const TcpStreamEntry *tse, const char *what)
{
	struct tcp_repair_opt o[4];
	int n = 0;

	if (tse->opt_mask & TCPI_OPT_SACK) {
		o[n].opt_code = TCPOPT_SACK_PERMITTED;
		o[n++].opt_val = 0;
	}
	if (tse->opt_mask & TCPI_OPT_WSCALE) {
		o[n].opt_code = TCPOPT_WINDOW;
		o[n++].opt_val = tse->snd_wscale | (tse->rcv_wscale << 16);
	}
	if (tse->opt_mask & TCPI_OPT_TIMESTAMPS) {
		o[n].opt_code = TCPOPT_TIMESTAMP;
		o[n++].opt_val = 0;
	}
	o[n].opt_code = TCPOPT_MAXSEG;
	o[n++].opt_val = tse->mss_clamp;
	if (setsockopt(sk, SOL_TCP, TCP_REPAIR_OPTIONS, o, n * sizeof(o[0])) < 0) {
		pr_perror("%s: TCP_REPAIR_OPTIONS", what);
		return -errno;
	}
	if ((tse->opt_mask & TCPI_OPT_TIMESTAMPS) &&
	    setsockopt(sk, SOL_TCP, TCP_TIMESTAMP, &tse->timestamp, sizeof(tse->timestamp)) < 0) {
		pr_perror("%s: TCP_TIMESTAMP %u", what, tse->timestamp);
		return -errno;
	}
	return 0;
}

static int set_window(int sk, const TcpStreamEntry *tse, unsigned int state, const char *what)
{
	struct tcp_repair_window w = {
		.snd_wl1 = tse->snd_wl1, .snd_wnd = tse->snd_wnd,
		.max_window = tse->max_window, .rcv_wnd = tse->rcv_wnd,
		.rcv_wup = tse->rcv_wup,
	};

	if (!tse->has_snd_wl1 || !tse->has_rcv_wup)
		return 0;
	/* the peer's FIN is put in after this, and moves rcv_nxt by one */
	if (TCPF(state) & RCVQ_FIN) {
		w.rcv_wup--;
		w.rcv_wnd++;
	}
	if (setsockopt(sk, SOL_TCP, TCP_REPAIR_WINDOW, &w, sizeof(w)) < 0) {
		pr_perror("%s: TCP_REPAIR_WINDOW", what);
		return -errno;
	}
	return 0;
}

static int set_nodelay_cork(int sk, const TcpStreamEntry *tse, const char *what)
{
	int v;

	if (tse->has_nodelay && tse->nodelay) {
		v = 1;
		if (setsockopt(sk, SOL_TCP, TCP_NODELAY, &v, sizeof(v)) < 0)
			goto err;
	}
	if (tse->has_cork && tse->cork) {
		v = 1;
		if (setsockopt(sk, SOL_TCP, TCP_CORK, &v, sizeof(v)) < 0)
			goto err;
	}
	return 0;
err:
	pr_perror("%s: TCP_NODELAY or TCP_CORK", what);
	return -errno;
}

/* Our FIN: shutdown() in repair mode queues it as already sent. */
static int restore_our_fin(int sk, const char *what)
{
	int ret = set_queue(sk, TCP_SEND_QUEUE, what);

	if (!ret && shutdown(sk, SHUT_WR) < 0) {
		ret = -errno;
		pr_perror("%s: shutdown(SHUT_WR) in repair mode", what);
	}
	return ret;
}

/* The window the peer last announced, as its segments carry it. */
static uint16_t peer_window(const TcpStreamEntry *tse)
{
	uint32_t w = tse->has_snd_wnd ? tse->snd_wnd : 0xffff;

	if (tse->opt_mask & TCPI_OPT_WSCALE)
		w >>= tse->snd_wscale;
	return w > 0xffff ? 0xffff : w;
}

/* The peer's FIN, acknowledging all but our data still in flight. */
static int peer_fin(const struct inet_conn *c, const TcpStreamEntry *tse, uint32_t inq_seq,
		    uint32_t outq_seq, const char *what)
{
	int ret = tcp_inject(c, inq_seq, outq_seq - tse->outq_len, peer_window(tse), true);

	if (ret)
		pr_err("%s: can't put the peer's FIN back\n", what);
	return ret;
}

static int build_conn(int sk, const InetSkEntry *ie, const struct inet_conn *c,
		      const TcpStreamEntry *tse, const char *inq, const char *outq,
		      const char *what)
{
	unsigned int st = TCPF(ie->state);
	uint32_t inq_seq = tse->inq_seq, outq_seq = tse->outq_seq;
	socklen_t alen = c->family == AF_INET ? sizeof(struct sockaddr_in) :
						 sizeof(struct sockaddr_in6);
	int ret;

	ret = repair_set(sk, 1, what);
	if (ret)
		return ret;
	/* in repair mode the port is taken even if a listener or TIME-WAIT holds it */
	if (bind(sk, (const struct sockaddr *)&c->src, alen) < 0) {
		pr_perror("%s: can't bind to its address", what);
		return -errno;
	}
	/* the FINs are counted in the dumped numbers and put back later */
	if (st & RCVQ_FIN)
		inq_seq--;
	if (st & (SNDQ_FIN | SNDQ_FIN_ACKED))
		outq_seq--;
	ret = set_queue_seq(sk, TCP_RECV_QUEUE, inq_seq - tse->inq_len, what);
	ret = ret ?: set_queue_seq(sk, TCP_SEND_QUEUE, outq_seq - tse->outq_len, what);
	if (ret)
		return ret;
	if (connect(sk, (const struct sockaddr *)&c->dst, alen) < 0) {
		pr_perror("%s: connect in repair mode", what);
		return -errno;
	}
	ret = set_options(sk, tse, what);
	ret = ret ?: fill_queue(sk, TCP_RECV_QUEUE, inq, tse->inq_len, what);
	/*
	 * The data never sent goes in as sent too: nothing may leave before
	 * the whole tree is back (a peer not yet rebuilt would answer with a
	 * reset); the kernel sends it when it retransmits.
	 */
	ret = ret ?: fill_queue(sk, TCP_SEND_QUEUE, outq, tse->outq_len, what);
	ret = ret ?: set_window(sk, tse, ie->state, what);
	if (ret)
		return ret;
	/*
	 * The FINs in the order they came: in LAST-ACK the peer's was first
	 * (CLOSE-WAIT, then ours); in CLOSING ours was (FIN-WAIT1, then its).
	 */
	if (st & (TCPF(TCP_CLOSE_WAIT) | TCPF(TCP_LAST_ACK))) {
		ret = peer_fin(c, tse, inq_seq, outq_seq, what);
		if (ret)
			return ret;
	}
	if (st & (SNDQ_FIN | SNDQ_FIN_ACKED)) {
		ret = restore_our_fin(sk, what);
		if (ret)
			return ret;
	}
	if (st & TCPF(TCP_CLOSING)) {
		ret = peer_fin(c, tse, inq_seq, outq_seq, what);
		if (ret)
			return ret;
	}
	if (st & SNDQ_FIN_ACKED) {
		/* the peer's ACK of our FIN */
		ret = tcp_inject(c, inq_seq, outq_seq + 1, peer_window(tse), false);
		if (ret)
			return ret;
	}
	return set_nodelay_cork(sk, tse, what);
}

int restore_tcp_conn(struct rst_session *rs, int sk, const InetSkEntry *ie,
		     const struct inet_conn *c)
{
	TcpStreamEntry *tse;
	char *inq, *outq;
	char what[200], addrs[128];
	int ret;

	inet_conn_str(c, addrs, sizeof(addrs));
	snprintf(what, sizeof(what), "TCP socket:[%u] %s", ie->ino, addrs);
	if (!(TCPF(ie->state) & TCP_STATES_OK)) {
		pr_err("%s: state %s cannot be restored\n", what, inet_state_name(ie->state));
		return -EOPNOTSUPP;
	}
	ret = read_stream_img(rs, ie, &tse, &inq, &outq, what);
	if (ret)
		return ret;
	ret = build_conn(sk, ie, c, tse, inq, outq, what);
	if (!ret)
		pr_info("%s: rebuilt in repair mode (%u bytes to read, %u to send)\n", what,
			tse->inq_len, tse->outq_len);
	pb_free(tse);
	free(inq);
	free(outq);
	return ret;
}

int tcp_restore_track(struct rst_session *rs, int sk, const InetSkEntry *ie)
{
	int *t;

	if (!rst_inet(rs))
		return -ENOMEM;
	t = realloc(rs->inet->sks, (rs->inet->nr + 1) * sizeof(*t));
	if (!t)
		return -ENOMEM;
	t[rs->inet->nr++] = sk;
	rs->inet->sks = t;
	return 0;
}

static int tcp_restore_fini(struct rst_session *rs, bool ok)
{
	unsigned int i;
	char what[64];
	int ret = 0, err;

	if (!rs->inet)
		return 0;
	for (i = 0; ok && i < rs->inet->nr; i++) {
		snprintf(what, sizeof(what), "restored connection (criu fd %d)", rs->inet->sks[i]);
		err = repair_set(rs->inet->sks[i], 0, what);
		ret = ret ? ret : err;
	}
	/* on failure they stay in repair mode: closed, they vanish silently */
	free(rs->inet->sks);
	free(rs->inet);
	rs->inet = NULL;
	return ret;
}

int inet_restore_fini(struct rst_session *rs, pid_t root_pid, bool ok)
{
	int ret = 0;

	/* unlocked first: leaving repair mode sends a window probe */
	if (!rs->inet)
		return 0;
	if (ok && opts.network_lock_method != NETWORK_LOCK_SKIP)
		ret = net_unlock(opts.network_lock_method, root_pid);
	if (tcp_restore_fini(rs, ok) && !ret)
		ret = -EIO;
	return ret;
}
