// SPDX-License-Identifier: GPL-2.0
/*
 * The guard of a dump's connections: a child of criu, started before
 * the first connection is locked or put in repair mode, told of each
 * one through a pipe. If criu dies before it says the dump is done
 * (SIGKILL, a crash), the pipe ends and the guard puts things back for
 * it: each connection leaves repair mode in the target (which runs on),
 * and the lock's rules are removed. When criu finishes, it says so
 * ("D") and the guard exits without touching anything: criu did what
 * had to be done (a killed tree keeps its lock until restore).
 */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "log.h"
#include "sk-inet.h"

#define GUARD_LINE	96

/* In the guard: one connection back out of repair mode. */
static void guard_release(pid_t pid, int fd, unsigned long ino)
{
	int pidfd, sk, off = 0;
	struct stat st;

	pidfd = syscall(SYS_pidfd_open, pid, 0);
	if (pidfd < 0)
		return;		/* the target is gone: nothing to put back */
	sk = syscall(SYS_pidfd_getfd, pidfd, fd, 0);
	close(pidfd);
	if (sk < 0)
		return;
	/* the same socket, not a descriptor reused since */
	if (!fstat(sk, &st) && S_ISSOCK(st.st_mode) && st.st_ino == ino &&
	    setsockopt(sk, SOL_TCP, TCP_REPAIR, &off, sizeof(off)))
		fprintf(stderr, "criu guard: fd %d of pid %d: can't leave repair mode: %s\n", fd,
			pid, strerror(errno));
	close(sk);
}

static void guard_main(int rfd, int method, pid_t root_pid)
{
	struct { pid_t pid; int fd; unsigned long ino; } *c = NULL, *t;
	unsigned int nr = 0, i;
	char buf[GUARD_LINE * 4], *line, *nl;
	size_t have = 0;
	ssize_t n;
	bool done = false;

	signal(SIGINT, SIG_IGN);
	signal(SIGTERM, SIG_IGN);
	signal(SIGHUP, SIG_IGN);
	while ((n = read(rfd, buf + have, sizeof(buf) - 1 - have)) > 0) {
		have += n;
		buf[have] = '\0';
		line = buf;
		while ((nl = strchr(line, '\n'))) {
			int pid, fd;
			unsigned long ino;

			*nl = '\0';
			if (line[0] == 'D') {
				done = true;
			} else if (sscanf(line, "R %d %d %lu", &pid, &fd, &ino) == 3) {
				t = realloc(c, (nr + 1) * sizeof(*c));
				if (t) {
					c = t;
					c[nr].pid = pid;
					c[nr].fd = fd;
					c[nr++].ino = ino;
				}
			}
			line = nl + 1;
		}
		have = strlen(line);
		memmove(buf, line, have);
	}
	if (done)
		_exit(0);
	for (i = 0; i < nr; i++)
		guard_release(c[i].pid, c[i].fd, c[i].ino);
	net_unlock(method, root_pid);
	fprintf(stderr, "criu guard: criu died during the dump of pid %d: %u connections "
		"released, network lock removed\n", root_pid, nr);
	_exit(1);
}

int net_guard_start(struct net_guard *g, int method, pid_t root_pid)
{
	int p[2];
	pid_t pid;

	g->pid = -1;
	g->wfd = -1;
	if (pipe2(p, O_CLOEXEC)) {
		pr_perror("Can't make the connection guard's pipe");
		return -errno;
	}
	pid = fork();
	if (pid < 0) {
		pr_perror("Can't fork the connection guard");
		close(p[0]);
		close(p[1]);
		return -errno;
	}
	if (pid == 0) {
		/* nothing of criu's but the pipe and stderr */
		if (dup2(p[0], 3) < 0)
			_exit(1);
		syscall(SYS_close_range, 4, ~0U, 0);
		setsid();
		guard_main(3, method, root_pid);
	}
	close(p[0]);
	g->pid = pid;
	g->wfd = p[1];
	pr_info("Connection guard %d started\n", pid);
	return 0;
}

int net_guard_note(struct net_guard *g, pid_t pid, int fd, unsigned long ino)
{
	char line[GUARD_LINE];
	int len = snprintf(line, sizeof(line), "R %d %d %lu\n", pid, fd, ino);

	if (g->wfd < 0)
		return 0;
	if (write(g->wfd, line, len) != len) {
		pr_perror("Can't tell the connection guard of fd %d of pid %d", fd, pid);
		return -EIO;
	}
	return 0;
}

void net_guard_stop(struct net_guard *g)
{
	int status;

	if (g->wfd < 0)
		return;
	if (write(g->wfd, "D\n", 2) != 2)
		pr_perror("Can't tell the connection guard that the dump is done");
	close(g->wfd);
	g->wfd = -1;
	if (waitpid(g->pid, &status, 0) != g->pid)
		pr_perror("Can't wait for the connection guard %d", g->pid);
	g->pid = -1;
}
