// SPDX-License-Identifier: GPL-2.0
/*
 * `criu-migrate send`: pre-dump rounds through B's page servers until a
 * stop rule holds, the final dump (the tree left stopped), the other
 * images, B's restore; then A's copy is killed, or resumed on any
 * failure. Every step's failure ends here, in migrate_send(), which is
 * the one place that decides about A's copy.
 */
#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fsutil.h"
#include "log.h"
#include "net.h"
#include "send.h"
#include "spawn.h"
#include "tree.h"

#define RESTORE_WAIT_FACTOR	6	/* B's restore may take this many --timeout */
/*
 * ... plus a second per this many bytes B holds: a restore reads every
 * page sent, and 4 GiB took 37 s on a loaded two-core machine.
 */
#define RESTORE_WAIT_BYTES_PER_S	(16ULL << 20)


static int set_workdir(struct sender *s)
{
	const char *dir = s->o->workdir;

	if (!dir) {
		snprintf(s->dir, sizeof(s->dir), "/tmp/criu-migrate.XXXXXX");
		if (!mkdtemp(s->dir)) {
			mig_perror("Can't create a work folder in /tmp");
			return -errno;
		}
		return 0;
	}
	if (mkdir(dir, 0700) && errno != EEXIST) {
		mig_perror("Can't create the work folder %s", dir);
		return -errno;
	}
	if (!realpath(dir, s->dir)) {
		mig_perror("Can't resolve the work folder %s", dir);
		return -errno;
	}
	return 0;
}

static int hello(struct sender *s)
{
	uint8_t p[8];
	int ret;

	s->sk = net_connect(s->o->to, s->o->port, s->o->timeout);
	if (s->sk < 0) {
		send_fail(s, "can't reach criu-migrate serve at %s port %d", s->o->to, s->o->port);
		return s->sk;
	}
	ret = net_local_addr(s->sk, s->local_addr, sizeof(s->local_addr));
	if (ret)
		return ret;
	mig_put32(p, s->o->lazy ? MIG_HELLO_LAZY : 0);
	mig_put32(p + 4, s->o->port + 1);
	ret = mig_send(s->sk, MIG_HELLO, p, sizeof(p));
	if (!ret)
		ret = mig_expect(s->sk, s->msg, MIG_HELLO_OK);
	if (ret)
		send_fail(s, "B at %s port %d refused the migration", s->o->to, s->o->port);
	return ret;
}

static int pre_dumps(struct sender *s)
{
	int ret;

	do {
		if (s->rep.nr + 1 >= MAX_ROUNDS) {
			s->rep.stop_reason = "max-iters";
			return 0;
		}
		ret = send_round(s, false);
		if (ret)
			return ret;
		report_print_round(&s->rep, s->rep.nr - 1);
		s->rep.stop_reason = converge_stop(&s->rep, &s->o->conv);
	} while (!s->rep.stop_reason);
	return 0;
}

/* The other images, then B restores: 0 once B said the tree runs there. */
static int restore_on_b(struct sender *s)
{
	char dir[4200];
	double t;
	int ret;

	snprintf(dir, sizeof(dir), "%s/round%u", s->dir, s->rep.nr);
	t = now_ms();
	ret = send_images(s, dir);
	if (!ret)
		ret = mig_send(s->sk, MIG_RESTORE, NULL, 0);
	s->rep.images_ms = now_ms() - t;
	if (!ret)
		ret = net_set_timeout(s->sk, s->o->timeout * RESTORE_WAIT_FACTOR +
				      report_total_bytes(&s->rep) / RESTORE_WAIT_BYTES_PER_S);
	if (!ret)
		ret = mig_expect(s->sk, s->msg, MIG_RUNNING);
	if (ret) {
		send_fail(s, "B did not restore pid %d", s->o->pid);
		return ret;
	}
	s->rep.restore_ms = mig_get32(s->msg->data + 4) / 1000.0;
	return 0;
}

/*
 * --lazy: A's copy is the only whole one until B's daemon has every
 * page. Both must end well: A's lazy dump (the daemon closed its session
 * properly) and B's daemon (COMPLETE).
 */
static int lazy_complete(struct sender *s)
{
	struct pollfd p[2] = { { .fd = s->sk, .events = POLLIN } };
	int ret, status;

	p[1].fd = pid_fd(s->lazy_dump);
	p[1].events = POLLIN;
	if (p[1].fd < 0)
		return p[1].fd;
	/* the pages may take long; the connection's keepalive sees B vanish */
	do
		ret = poll(p, 2, -1);
	while (ret < 0 && errno == EINTR);
	close(p[1].fd);
	if (ret < 0) {
		mig_perror("Can't wait for the lazy pages to arrive");
		return -errno;
	}
	ret = net_set_timeout(s->sk, s->o->timeout);
	if (!ret)
		ret = mig_expect(s->sk, s->msg, MIG_COMPLETE);
	status = spawn_wait_within(s->lazy_dump, s->o->timeout * 1000, "criu dump --lazy-pages");
	if (status == -ETIMEDOUT)
		spawn_kill(s->lazy_dump, "criu dump --lazy-pages");
	s->lazy_dump = 0;
	if (!ret && status) {
		send_fail(s, "criu dump --lazy-pages exited %d before B had every page", status);
		return -ECHILD;
	}
	if (ret)
		send_fail(s, "B's lazy restore of pid %d did not complete", s->o->pid);
	return ret;
}

static int migrate(struct sender *s)
{
	int ret;

	ret = hello(s);
	if (!ret)
		ret = pre_dumps(s);
	if (ret)
		return ret;
	ret = send_round(s, true);
	if (!ret)
		ret = restore_on_b(s);
	if (ret)
		return ret;
	/* from the start of criu dump, which freezes the tree */
	s->rep.downtime_ms = now_ms() - s->t0 - s->rep.rounds[s->rep.nr - 1].start_ms;
	report_print_round(&s->rep, s->rep.nr - 1);
	if (s->o->lazy)
		ret = lazy_complete(s);
	if (ret)
		return ret;
	/* B runs the tree: A's copy goes */
	s->rep.ok = true;
	return tree_kill(&s->tree);
}

/* Whatever failed: the tree runs on here, and B has been told by the close. */
static void give_back(struct sender *s)
{
	if (s->lazy_dump)
		spawn_kill(s->lazy_dump, "criu dump --lazy-pages");
	s->lazy_dump = 0;
	/* a tree whose tracking could not end runs on all the same */
	send_track_end(s);
	if (s->tree.nr && !tree_resume(&s->tree))
		fprintf(stderr, "criu-migrate: pid %d resumed on this host\n", s->o->pid);
}

int migrate_send(const struct send_opts *o)
{
	struct sender s = { .o = o, .sk = -1, .root_pid = o->pid };
	int ret;

	s.rep.pid = o->pid;
	s.rep.tracker = o->tracker;
	s.rep.lazy = o->lazy;
	s.t0 = now_ms();
	s.msg = malloc(sizeof(*s.msg));
	if (!s.msg)
		return -ENOMEM;
	ret = set_workdir(&s);
	if (!ret)
		ret = migrate(&s);
	if (ret && !s.rep.ok)
		give_back(&s);
	else if (ret)
		send_fail(&s, "pid %d runs on B, but its copy here could not be killed", o->pid);
	if (s.sk >= 0)
		close(s.sk);
	s.rep.total_ms = now_ms() - s.t0;
	if (ret && !s.rep.error[0])
		send_fail(&s, "migration of pid %d failed", o->pid);
	report_print_end(&s.rep);
	if (o->report && report_write(&s.rep, o->report) && !ret)
		ret = -EIO;
	if (!ret && !o->workdir)
		rm_tree(s.dir);
	if (s.tree.pids != &s.root_pid)
		tree_pids_free(&s.tree);
	free(s.msg);
	return ret;
}
