// SPDX-License-Identifier: GPL-2.0
/* Running criu: argument vectors, the child's output, its exit status. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <poll.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "spawn.h"

void argv_init(struct argv *a)
{
	a->n = 0;
	a->used = 0;
	a->v[0] = NULL;
}

void argv_add(struct argv *a, const char *fmt, ...)
{
	size_t room = sizeof(a->buf) - a->used;
	va_list ap;
	int len;

	if (a->n < 0)
		return;
	va_start(ap, fmt);
	len = vsnprintf(a->buf + a->used, room, fmt, ap);
	va_end(ap);
	if (len < 0 || (size_t)len >= room || a->n + 1 >= (int)(sizeof(a->v) / sizeof(a->v[0]))) {
		a->n = -1;	/* spawn() refuses it */
		return;
	}
	a->v[a->n++] = a->buf + a->used;
	a->v[a->n] = NULL;
	a->used += len + 1;
}

static void print_argv(const struct argv *a)
{
	int i;

	if (!mig_verbose)
		return;
	fprintf(stderr, "criu-migrate: run:");
	for (i = 0; i < a->n; i++)
		fprintf(stderr, " %s", a->v[i]);
	fprintf(stderr, "\n");
}

/* In the child: only exec or _exit from here. */
static void child_exec(struct argv *a, const char *out, int status_fd)
{
	int fd;

	/* a page server or lazy daemon does not outlive the serve that runs it */
	if (prctl(PR_SET_PDEATHSIG, SIGKILL))
		_exit(127);
	fd = open("/dev/null", O_RDONLY);
	if (fd < 0 || dup2(fd, 0) < 0)
		_exit(127);
	fd = open(out, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0 || dup2(fd, 1) < 0 || dup2(fd, 2) < 0)
		_exit(127);
	if (status_fd >= 0 && dup2(status_fd, 3) < 0)
		_exit(127);
	execvp(a->v[0], a->v);
	dprintf(2, "criu-migrate: can't run %s: %s\n", a->v[0], strerror(errno));
	_exit(127);
}

int spawn(struct argv *a, const char *out, int status_fd, pid_t *pid)
{
	if (a->n <= 0) {
		mig_err("A command line too long for %s\n", out);
		return -E2BIG;
	}
	print_argv(a);
	*pid = fork();
	if (*pid < 0) {
		mig_perror("Can't fork for %s", a->v[0]);
		return -errno;
	}
	if (!*pid)
		child_exec(a, out, status_fd);
	return 0;
}

int spawn_wait(pid_t pid, const char *what)
{
	int status;

	while (waitpid(pid, &status, 0) < 0) {
		if (errno != EINTR) {
			mig_perror("Can't wait for %s (pid %d)", what, pid);
			return -errno;
		}
	}
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	mig_err("%s (pid %d) was killed by signal %d\n", what, pid, WTERMSIG(status));
	return 128 + WTERMSIG(status);
}

int spawn_run(struct argv *a, const char *out, const char *what)
{
	pid_t pid;
	int ret;

	ret = spawn(a, out, -1, &pid);
	if (ret)
		return ret;
	return spawn_wait(pid, what);
}

void spawn_kill(pid_t pid, const char *what)
{
	if (pid <= 0)
		return;
	if (kill(pid, SIGKILL) && errno != ESRCH)
		mig_perror("Can't kill %s (pid %d)", what, pid);
	while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
		;
}

double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

int pid_fd(pid_t pid)
{
	int fd = syscall(SYS_pidfd_open, pid, 0);

	if (fd < 0)
		mig_perror("Can't open a pidfd of pid %d", pid);
	return fd < 0 ? -errno : fd;
}

int spawn_wait_within(pid_t pid, int timeout_ms, const char *what)
{
	struct pollfd p = { .events = POLLIN };
	int ret;

	p.fd = pid_fd(pid);
	if (p.fd < 0)
		return p.fd;
	do
		ret = poll(&p, 1, timeout_ms);
	while (ret < 0 && errno == EINTR);
	close(p.fd);
	if (ret < 0) {
		mig_perror("Can't wait for %s (pid %d)", what, pid);
		return -errno;
	}
	if (!ret)
		return -ETIMEDOUT;
	return spawn_wait(pid, what);
}

int spawn_ready(struct argv *a, const char *out, int timeout_ms, pid_t *pid, int *status)
{
	struct pollfd p = { .events = POLLIN };
	int fds[2], ret;
	char byte;

	if (pipe2(fds, O_CLOEXEC)) {
		mig_perror("Can't create the status pipe of %s", a->v[0]);
		return -errno;
	}
	ret = spawn(a, out, fds[1], pid);
	close(fds[1]);
	if (ret) {
		close(fds[0]);
		return ret;
	}
	p.fd = fds[0];
	do
		ret = poll(&p, 1, timeout_ms);
	while (ret < 0 && errno == EINTR);
	if (ret > 0)
		ret = read(fds[0], &byte, 1) == 1 && !byte ? 0 : -EPIPE;
	else
		ret = ret ? -errno : -ETIMEDOUT;
	close(fds[0]);
	if (ret == -EPIPE)
		*status = spawn_wait(*pid, out);
	return ret;
}
