/* SPDX-License-Identifier: GPL-2.0 */
#ifndef CRIU_MIGRATE_SPAWN_H
#define CRIU_MIGRATE_SPAWN_H

#include <sys/types.h>

/* An argument vector being built (criu's command lines). */
struct argv {
	char *v[64];
	int n;
	char buf[4096];		/* the formatted arguments live here */
	size_t used;
};

void argv_init(struct argv *a);
/* Append one argument, printf-formatted; a full vector is an error at spawn. */
void argv_add(struct argv *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/*
 * Start @a with standard output and error into @out (a path), standard
 * input from /dev/null and, when @status_fd is not -1, that descriptor
 * as fd 3. The child's pid in @pid.
 */
int spawn(struct argv *a, const char *out, int status_fd, pid_t *pid);
/* Wait for @pid: its exit status, or 128 + the signal that killed it; -errno. */
int spawn_wait(pid_t pid, const char *what);
/* spawn() and spawn_wait(). */
int spawn_run(struct argv *a, const char *out, const char *what);
/* SIGKILL @pid (a child of ours) and reap it. */
void spawn_kill(pid_t pid, const char *what);

/* Milliseconds on the monotonic clock. */
double now_ms(void);

#endif /* CRIU_MIGRATE_SPAWN_H */

/*
 * spawn() with a pipe as fd 3 (criu's --status-fd) and wait for its
 * zero byte: 0 once it came, -EPIPE when the child ended first (then
 * reaped: its status in @status), -ETIMEDOUT after @timeout_ms.
 */
int spawn_ready(struct argv *a, const char *out, int timeout_ms, pid_t *pid, int *status);
/* A pidfd for @pid, to poll for its end. */
int pid_fd(pid_t pid);
/* spawn_wait() once @pid ended within @timeout_ms (-1: no limit), else -ETIMEDOUT. */
int spawn_wait_within(pid_t pid, int timeout_ms, const char *what);
