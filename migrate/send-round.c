// SPDX-License-Identifier: GPL-2.0
/*
 * One round of send: B gets ready (its page server listens), criu runs
 * here, B confirms its page server took the whole round, and the round's
 * figures are read from criu's stats-dump.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"
#include "net.h"
#include "send.h"
#include "spawn.h"

#define STATUS_WAIT_MS	600000	/* a lazy final dump of a large tree */

static int ask_round(struct sender *s, unsigned int round, bool final, uint32_t *port)
{
	uint8_t p[8];
	int ret;

	mig_put32(p, round);
	mig_put32(p + 4, final ? MIG_ROUND_DUMP : MIG_ROUND_PRE_DUMP);
	ret = mig_send(s->sk, MIG_ROUND, p, sizeof(p));
	if (!ret)
		ret = mig_expect(s->sk, s->msg, MIG_READY);
	if (ret) {
		send_fail(s, "B did not get ready for round %u", round);
		return ret;
	}
	*port = mig_get32(s->msg->data);
	return 0;
}

static int end_round(struct sender *s, unsigned int round, int status)
{
	uint8_t p[8];
	int ret;

	mig_put32(p, round);
	mig_put32(p + 4, status);
	ret = mig_send(s->sk, MIG_ROUND_END, p, sizeof(p));
	/* B waits up to --timeout for its page server to end */
	if (!ret)
		ret = net_set_recv_wait(s->sk, 2 * s->o->timeout);
	if (!ret)
		ret = mig_expect(s->sk, s->msg, MIG_OK);
	if (ret && !status)
		send_fail(s, "B did not confirm round %u", round);
	return ret;
}

static void round_argv(struct sender *s, struct argv *a, unsigned int round, bool final,
		       uint32_t port)
{
	const struct send_opts *o = s->o;

	argv_init(a);
	argv_add(a, "%s", o->criu);
	argv_add(a, "%s", final ? "dump" : "pre-dump");
	argv_add(a, "-t");
	argv_add(a, "%d", o->pid);
	argv_add(a, "-D");
	argv_add(a, "%s/round%u", s->dir, round);
	/*
	 * The final dump too: ending the tracker now would lengthen the stop
	 * of every migration (some 30 ms at 4 GiB); one given up ends it
	 * instead (send-track-end.c).
	 */
	argv_add(a, "--track-mem");
	if (o->tracker)
		argv_add(a, "--dirty-tracker=%s", o->tracker);
	if (round > 1) {
		argv_add(a, "--prev-images-dir");
		argv_add(a, "../round%u", round - 1);
	}
	if (final && o->lazy) {
		argv_add(a, "--lazy-pages");
		argv_add(a, "--address");
		argv_add(a, "%s", s->local_addr);
		argv_add(a, "--port");
		argv_add(a, "%d", o->port + 1);
		argv_add(a, "--status-fd");
		argv_add(a, "3");
	} else {
		argv_add(a, "--page-server");
		argv_add(a, "--address");
		argv_add(a, "%s", o->to);
		argv_add(a, "--port");
		argv_add(a, "%u", port);
	}
	if (final)
		argv_add(a, "--leave-stopped");
	argv_add(a, "--timeout");
	argv_add(a, "%d", o->timeout);
	argv_add(a, "-v4");
	argv_add(a, "-o");
	argv_add(a, "%s", final ? "dump.log" : "pre-dump.log");
}

/* Run criu for the round: its exit status (lazy: 0 once it serves the pages). */
static int run_criu(struct sender *s, struct argv *a, bool final, const char *out)
{
	int ret, status = -1;

	if (!(final && s->o->lazy))
		return spawn_run(a, out, final ? "criu dump" : "criu pre-dump");
	ret = spawn_ready(a, out, STATUS_WAIT_MS, &s->lazy_dump, &status);
	if (ret == -EPIPE) {
		s->lazy_dump = 0;	/* reaped */
		return status ? status : 1;
	}
	if (ret) {
		spawn_kill(s->lazy_dump, "criu dump --lazy-pages");
		s->lazy_dump = 0;
		return 1;
	}
	return 0;
}

/* The pids of the tree the final dump left stopped, to resume or kill it. */
static int stopped_tree(struct sender *s, const char *dir)
{
	int dfd, ret;

	dfd = open(dir, O_DIRECTORY | O_RDONLY | O_CLOEXEC);
	if (dfd < 0) {
		mig_perror("Can't open %s", dir);
		ret = -errno;
	} else {
		ret = read_tree_pids(dfd, dir, &s->tree);
		close(dfd);
	}
	if (!ret)
		return 0;
	/* the root at least: its pid is known */
	s->tree.pids = &s->root_pid;
	s->tree.nr = 1;
	return ret;
}

static int round_figures(struct sender *s, const char *dir, struct round_rec *rr)
{
	struct dump_figures fig;
	int dfd, ret;

	dfd = open(dir, O_DIRECTORY | O_RDONLY | O_CLOEXEC);
	if (dfd < 0) {
		mig_perror("Can't open %s", dir);
		return -errno;
	}
	ret = read_dump_figures(dfd, dir, &fig);
	close(dfd);
	if (ret)
		return ret;
	rr->pages = fig.pages_written;
	rr->frozen_ms = fig.frozen_us / 1000.0;
	return 0;
}

int send_round(struct sender *s, bool final)
{
	unsigned int round = s->rep.nr + 1;
	struct round_rec *rr = &s->rep.rounds[s->rep.nr];
	char dir[4200], out[4300];
	struct argv a;
	uint32_t port;
	int ret, status;
	double t;

	snprintf(dir, sizeof(dir), "%s/round%u", s->dir, round);
	snprintf(out, sizeof(out), "%s/criu.out", dir);
	if (mkdir(dir, 0700)) {
		mig_perror("Can't create %s", dir);
		send_fail(s, "can't create %s: %s", dir, strerror(errno));
		return -errno;
	}
	ret = ask_round(s, round, final, &port);
	if (ret)
		return ret;
	round_argv(s, &a, round, final, port);
	memset(rr, 0, sizeof(*rr));
	rr->final = final;
	t = now_ms();
	rr->start_ms = t - s->t0;
	status = run_criu(s, &a, final, out);
	rr->time_ms = now_ms() - t;
	if (final && !status && stopped_tree(s, dir))
		status = 1;	/* resumed as far as known, by the caller */
	ret = end_round(s, round, status);
	if (status) {
		send_fail(s, "criu %s of pid %d (round %u) exited %d; see %s/%s.log",
			  final ? "dump" : "pre-dump", s->o->pid, round, status, dir,
			  final ? "dump" : "pre-dump");
		return -ECHILD;
	}
	if (!ret)
		ret = round_figures(s, dir, rr);
	if (ret) {
		if (!s->rep.error[0])
			send_fail(s, "can't read the figures of round %u in %s", round, dir);
		return ret;
	}
	s->rep.nr++;
	report_round_done(&s->rep);
	return 0;
}
