// SPDX-License-Identifier: GPL-2.0
/*
 * The restore on B, in the final round's folder: `criu restore -d`, and
 * with --lazy first `criu lazy-pages --page-server` against A's final
 * dump. A hears RUNNING once restore -d returned with the pid; with
 * --lazy then COMPLETE once the daemon exited 0 (every page in place).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "serve.h"
#include "spawn.h"
#include "tree.h"

static void common_args(struct session *ss, struct argv *a, const char *cmd, const char *log)
{
	argv_init(a);
	argv_add(a, "%s", ss->o->criu);
	argv_add(a, "%s", cmd);
	argv_add(a, "-D");
	argv_add(a, "%s/round%u", ss->dir, ss->round);
	argv_add(a, "-v4");
	argv_add(a, "-o");
	argv_add(a, "%s", log);
}

static int start_lazy_daemon(struct session *ss)
{
	char out[4200];
	struct argv a;
	int ret, status = 0;

	common_args(ss, &a, "lazy-pages", "lazy-pages.log");
	argv_add(&a, "--page-server");
	argv_add(&a, "--address");
	argv_add(&a, "%s", ss->peer);
	argv_add(&a, "--port");
	argv_add(&a, "%u", ss->lazy_port);
	argv_add(&a, "--status-fd");
	argv_add(&a, "3");
	snprintf(out, sizeof(out), "%s/round%u/lazy-pages.out", ss->dir, ss->round);
	ret = spawn_ready(&a, out, ss->o->timeout * 1000, &ss->lazy_daemon, &status);
	if (ret == -EPIPE)
		ss->lazy_daemon = 0;
	if (ret)
		return serve_fail(ss, ret, "criu lazy-pages in round%u %s", ss->round,
				  ret == -EPIPE ? "exited before it was ready" : "did not get ready");
	return 0;
}

static int read_pid(struct session *ss, pid_t *pid)
{
	char buf[32];
	ssize_t n;
	int fd;

	fd = openat(ss->round_dfd, "restore.pid", O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return serve_fail(ss, -errno, "criu restore wrote no restore.pid in round%u",
				  ss->round);
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	buf[n > 0 ? n : 0] = 0;
	*pid = atoi(buf);
	if (*pid <= 0)
		return serve_fail(ss, -EINVAL, "round%u/restore.pid holds no pid", ss->round);
	return 0;
}

static int run_restore(struct session *ss, uint32_t *us)
{
	char out[4200];
	struct argv a;
	double t;
	int ret;

	common_args(ss, &a, "restore", "restore.log");
	argv_add(&a, "-d");
	argv_add(&a, "--pidfile");
	argv_add(&a, "restore.pid");
	if (ss->lazy)
		argv_add(&a, "--lazy-pages");
	snprintf(out, sizeof(out), "%s/round%u/restore.out", ss->dir, ss->round);
	t = now_ms();
	ret = spawn_run(&a, out, "criu restore");
	*us = (now_ms() - t) * 1000;
	if (ret)
		return serve_fail(ss, ret < 0 ? ret : -ECHILD,
				  "criu restore in round%u exited %d; see %s/round%u/restore.log",
				  ss->round, ret, ss->dir, ss->round);
	return read_pid(ss, &ss->restored);
}

/* --lazy: the tree runs; it is complete once the daemon ends well. */
static int lazy_wait(struct session *ss)
{
	int ret = spawn_wait_within(ss->lazy_daemon, -1, "criu lazy-pages");

	ss->lazy_daemon = 0;
	if (ret)
		return serve_fail(ss, ret < 0 ? ret : -ECHILD,
				  "criu lazy-pages of pid %d exited %d; see %s/round%u/lazy-pages.log",
				  ss->restored, ret, ss->dir, ss->round);
	return mig_send(ss->sk, MIG_COMPLETE, NULL, 0);
}

int serve_restore(struct session *ss)
{
	uint8_t p[8];
	uint32_t us;
	int ret;

	ret = serve_place_files(ss);
	if (!ret && ss->lazy)
		ret = start_lazy_daemon(ss);
	if (!ret)
		ret = run_restore(ss, &us);
	if (ret)
		return ret;
	mig_put32(p, ss->restored);
	mig_put32(p + 4, us);
	ret = mig_send(ss->sk, MIG_RUNNING, p, sizeof(p));
	if (!ret && ss->lazy)
		ret = lazy_wait(ss);
	return ret;
}

/*
 * After a failure nothing of the tree may run here. A restore that
 * failed removed what it made; a lazy tree whose daemon failed was
 * killed by its watchdog; the root is killed here all the same when A
 * could not be told (or, lazily, when its pages can't all come), with
 * its descendants.
 */
void serve_restore_abort(struct session *ss)
{
	struct tree_pids t;

	if (ss->lazy_daemon)
		spawn_kill(ss->lazy_daemon, "criu lazy-pages");
	ss->lazy_daemon = 0;
	if (ss->restored && !tree_collect(ss->restored, &t)) {
		tree_kill(&t);
		tree_pids_free(&t);
	}
	ss->restored = 0;
}
