// SPDX-License-Identifier: GPL-2.0
/*
 * `criu-migrate serve`: one migration per connection, its messages in
 * the order the protocol allows (Documentation/migrate.md). The first
 * thing wrong, from A or here, ends the session: A is told, the round's
 * page server is killed, staged images are removed, the final round's
 * inventory is unlinked and nothing restored is left running.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"
#include "net.h"
#include "serve.h"


static int hello(struct session *ss)
{
	struct mig_hello h;
	char why[128];
	uint8_t p[4];
	int ret;

	ret = mig_recv(ss->sk, ss->msg);
	if (ret)
		return ret == -ENODATA ? serve_fail(ss, -EPIPE, "closed before HELLO") : ret;
	ret = mig_parse_hello(ss->msg, &h, why, sizeof(why));
	if (ret)
		return serve_fail(ss, ret, "%s", why);
	ss->lazy = h.lazy;
	ss->lazy_port = h.lazy_port;
	mig_put32(p, ss->number);
	return mig_send(ss->sk, MIG_HELLO_OK, p, sizeof(p));
}

/* 1 once the migration is complete, 0 to go on, -errno. */
static int dispatch(struct session *ss)
{
	int ret;

	/*
	 * While A's criu runs a round, A is silent for as long as the round
	 * takes: then only the keepalive bounds the wait (the page server's
	 * own --timeout bounds its link).
	 */
	ret = net_set_recv_wait(ss->sk, ss->round_open ? 0 : ss->o->timeout);
	if (!ret)
		ret = mig_recv(ss->sk, ss->msg);
	if (ret == -ENODATA)
		return serve_fail(ss, -EPIPE, "A closed the connection before the tree ran here");
	if (ret)
		return serve_fail(ss, ret, "bad message from A");
	switch (ss->msg->type) {
	case MIG_ROUND:
		return serve_round(ss);
	case MIG_ROUND_END:
		return serve_round_end(ss);
	case MIG_FILE:
		return serve_file(ss);
	case MIG_DATA:
		return serve_data(ss);
	case MIG_RESTORE:
		ret = serve_restore(ss);
		return ret ? ret : 1;
	}
	return serve_fail(ss, -EPROTO, "unexpected %s from A", mig_type_name(ss->msg->type));
}

static int session_dir(struct session *ss)
{
	const char *base = ss->o->workdir;

	if (!ss->o->keep_serving) {
		snprintf(ss->dir, sizeof(ss->dir), "%s", base);
	} else {
		snprintf(ss->dir, sizeof(ss->dir), "%s/%u", base, ss->number);
		if (mkdir(ss->dir, 0700))
			return serve_fail(ss, -errno, "can't create %s: %s", ss->dir, strerror(errno));
	}
	ss->sess_dfd = open(ss->dir, O_DIRECTORY | O_RDONLY | O_CLOEXEC);
	if (ss->sess_dfd < 0)
		return serve_fail(ss, -errno, "can't open %s: %s", ss->dir, strerror(errno));
	return 0;
}

static void session_end(struct session *ss, bool ok)
{
	if (!ok) {
		serve_round_abort(ss);
		serve_restore_abort(ss);
		serve_unstage(ss);
	}
	free(ss->files);
	if (ss->round_dfd >= 0)
		close(ss->round_dfd);
	if (ss->sess_dfd >= 0)
		close(ss->sess_dfd);
	close(ss->sk);
}

static int session(const struct serve_opts *o, int sk, struct mig_msg *msg, unsigned int n)
{
	struct session ss = {
		.o = o, .sk = sk, .msg = msg, .round_dfd = -1, .sess_dfd = -1, .file_fd = -1,
		.number = n,
	};
	int ret;

	if (net_peer_addr(sk, ss.peer, sizeof(ss.peer)))
		snprintf(ss.peer, sizeof(ss.peer), "?");
	ret = net_set_timeout(sk, o->timeout);
	if (!ret)
		ret = session_dir(&ss);
	if (!ret)
		ret = hello(&ss);
	while (!ret)
		ret = dispatch(&ss);
	session_end(&ss, ret == 1);
	if (ret == 1)
		printf("criu-migrate: pid %d runs here (%s/round%u)\n", ss.restored, ss.dir, ss.round);
	fflush(stdout);
	return ret == 1 ? 0 : ret;
}

int migrate_serve(const struct serve_opts *o)
{
	struct mig_msg *msg;
	unsigned int n = 0;
	int lsk, sk, ret;

	msg = malloc(sizeof(*msg));
	if (!msg)
		return -ENOMEM;
	lsk = net_listen(o->addr, o->port);
	if (lsk < 0) {
		free(msg);
		return lsk;
	}
	printf("criu-migrate: serving on %s port %d\n", o->addr ? o->addr : "(every address)",
	       o->port);
	fflush(stdout);
	do {
		sk = accept4(lsk, NULL, NULL, SOCK_CLOEXEC);
		if (sk < 0) {
			mig_perror("Can't accept on port %d", o->port);
			ret = -errno;
			break;
		}
		ret = session(o, sk, msg, ++n);
	} while (o->keep_serving);
	close(lsk);
	free(msg);
	return ret;
}
