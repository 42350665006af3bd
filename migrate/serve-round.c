// SPDX-License-Identifier: GPL-2.0
/*
 * A round on B: a folder roundN chained to round(N-1), and a criu page
 * server in it for the round's pages (not for the final round of a lazy
 * migration: those pages stay on A). It ends when A says its criu ended.
 */
#include <errno.h>
#include <stdbool.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fault.h"
#include "fsutil.h"
#include "log.h"
#include "serve.h"
#include "spawn.h"

static int start_page_server(struct session *ss)
{
	char out[4200];
	struct argv a;
	int ret, status = 0;

	argv_init(&a);
	argv_add(&a, "%s", ss->o->criu);
	argv_add(&a, "page-server");
	argv_add(&a, "-D");
	argv_add(&a, "%s/round%u", ss->dir, ss->round);
	if (ss->round > 1) {
		argv_add(&a, "--prev-images-dir");
		argv_add(&a, "../round%u", ss->round - 1);
	}
	if (ss->o->addr) {
		argv_add(&a, "--address");
		argv_add(&a, "%s", ss->o->addr);
	}
	argv_add(&a, "--port");
	argv_add(&a, "%d", ss->o->port + 1);
	argv_add(&a, "--timeout");
	argv_add(&a, "%d", ss->o->timeout);
	argv_add(&a, "--status-fd");
	argv_add(&a, "3");
	argv_add(&a, "-v4");
	argv_add(&a, "-o");
	argv_add(&a, "ps.log");
	snprintf(out, sizeof(out), "%s/round%u/ps.out", ss->dir, ss->round);
	ret = spawn_ready(&a, out, ss->o->timeout * 1000, &ss->page_server, &status);
	if (ret == -EPIPE) {
		ss->page_server = 0;
		return serve_fail(ss, ret, "criu page-server of round %u exited %d before listening",
				  ss->round, status);
	}
	if (ret) {
		serve_round_abort(ss);
		return serve_fail(ss, ret, "criu page-server of round %u did not start", ss->round);
	}
	return 0;
}

static int make_round_dir(struct session *ss, bool final)
{
	char name[32], parent[32];

	snprintf(name, sizeof(name), "round%u", ss->round);
	if (mkdirat(ss->sess_dfd, name, 0700))
		return serve_fail(ss, -errno, "can't create %s/%s: %s", ss->dir, name,
				  strerror(errno));
	if (ss->round_dfd >= 0)
		close(ss->round_dfd);
	ss->round_dfd = openat(ss->sess_dfd, name, O_DIRECTORY | O_RDONLY | O_CLOEXEC);
	if (ss->round_dfd < 0)
		return serve_fail(ss, -errno, "can't open %s/%s: %s", ss->dir, name, strerror(errno));
	/* the page server links the others; the lazy final round has none */
	if (!final || !ss->lazy || ss->round == 1)
		return 0;
	snprintf(parent, sizeof(parent), "../round%u", ss->round - 1);
	if (symlinkat(parent, ss->round_dfd, "parent"))
		return serve_fail(ss, -errno, "can't link %s/%s/parent: %s", ss->dir, name,
				  strerror(errno));
	return 0;
}

int serve_round(struct session *ss)
{
	uint32_t round = mig_get32(ss->msg->data), kind = mig_get32(ss->msg->data + 4);
	bool final = kind == MIG_ROUND_DUMP;
	uint8_t port[4];
	int ret;

	if (ss->round_open || ss->final_round)
		return serve_fail(ss, -EPROTO, "ROUND %u while round %u is %s", round, ss->round,
				  ss->round_open ? "still open" : "the final one");
	if (round != ss->round + 1 || round > 1000)
		return serve_fail(ss, -EPROTO, "ROUND %u after round %u", round, ss->round);
	if (kind != MIG_ROUND_PRE_DUMP && kind != MIG_ROUND_DUMP)
		return serve_fail(ss, -EPROTO, "ROUND %u of unknown kind %u", round, kind);
	/* A then holds round 1's tracker in a running tree: the test kills serve */
	if (round == 2 && mig_fault("stall-round-2"))
		pause();
	ss->round = round;
	ss->final_round = final;
	ss->round_open = true;
	ret = make_round_dir(ss, final);
	if (!ret && !(final && ss->lazy))
		ret = start_page_server(ss);
	if (ret)
		return ret;
	mig_put32(port, ss->page_server ? ss->o->port + 1 : 0);
	return mig_send(ss->sk, MIG_READY, port, sizeof(port));
}

/* The page server killed and what it left unflushed removed. */
void serve_round_abort(struct session *ss)
{
	char dir[4200];

	if (ss->page_server)
		spawn_kill(ss->page_server, "criu page-server");
	ss->page_server = 0;
	if (ss->round_dfd < 0)
		return;
	snprintf(dir, sizeof(dir), "%s/round%u", ss->dir, ss->round);
	rm_prefixed(ss->round_dfd, dir, ".page-server.");
}

int serve_round_end(struct session *ss)
{
	uint32_t round = mig_get32(ss->msg->data), status = mig_get32(ss->msg->data + 4);
	int ret = 0;

	if (!ss->round_open || round != ss->round)
		return serve_fail(ss, -EPROTO, "ROUND_END %u, but round %u is %s", round,
				  ss->round, ss->round_open ? "open" : "not open");
	ss->round_open = false;
	if (status) {
		/* A's criu failed: this round's server can't end well */
		serve_round_abort(ss);
		mig_send(ss->sk, MIG_OK, NULL, 0);
		return serve_fail(ss, -ECHILD, "criu on A failed in round %u (exit %u)", round,
				  status);
	}
	if (ss->page_server)
		ret = spawn_wait_within(ss->page_server, ss->o->timeout * 1000, "criu page-server");
	if (ret) {
		serve_round_abort(ss);
		return serve_fail(ss, ret < 0 ? ret : -ECHILD,
				  "criu page-server of round %u %s; see %s/round%u/ps.log", round,
				  ret == -ETIMEDOUT ? "did not end" : "failed", ss->dir, round);
	}
	ss->page_server = 0;
	ss->final_done = ss->final_round;
	return mig_send(ss->sk, MIG_OK, NULL, 0);
}
