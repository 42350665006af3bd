// SPDX-License-Identifier: GPL-2.0
/*
 * The guard of a dump's connections: a child of criu, started before
 * the first connection is locked or put in repair mode. criu hands it a
 * copy of each socket (SCM_RIGHTS over a seqpacket pair) before touching
 * the connection. If criu dies before it says the dump is done (SIGKILL,
 * a crash), the guard ends what criu left:
 *
 *   - the task still holds the socket (the dump did not get to the
 *     kill): the connection leaves repair mode and goes on, and the
 *     lock's rules are removed;
 *   - the task is gone (criu died after killing the tree): the socket
 *     goes into repair mode before the guard's copy, the last one, is
 *     closed, so it dies without FIN or RST, and the lock stays for the
 *     restore (the images were complete before the kill).
 *
 * When criu finishes it says so ("D") and the guard exits untouched.
 */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "log.h"
#include "net-guard.h"
#include "net-lock.h"

#define GUARD_LINE	96

struct guarded {
	pid_t pid;
	int fd;
	unsigned long ino;
	int sk;				/* the guard's copy */
};

/* Does @pid still hold socket @ino as @fd? */
static bool still_held(const struct guarded *g)
{
	struct stat st;
	int pidfd, sk;
	bool held;

	pidfd = syscall(SYS_pidfd_open, g->pid, 0);
	if (pidfd < 0)
		return false;
	sk = syscall(SYS_pidfd_getfd, pidfd, g->fd, 0);
	close(pidfd);
	if (sk < 0)
		return false;	/* a zombie has no descriptors */
	held = !fstat(sk, &st) && S_ISSOCK(st.st_mode) && st.st_ino == g->ino;
	close(sk);
	return held;
}

/* One record: "R pid fd ino" with the socket, or "D". 0 at the end. */
static ssize_t guard_recv(int sfd, char *line, size_t len, int *sk)
{
	char cbuf[CMSG_SPACE(sizeof(int))];
	struct iovec iov = { .iov_base = line, .iov_len = len - 1 };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf,
			     .msg_controllen = sizeof(cbuf) };
	struct cmsghdr *cm;
	ssize_t n;

	*sk = -1;
	n = recvmsg(sfd, &mh, MSG_CMSG_CLOEXEC);
	if (n <= 0)
		return n;
	line[n] = '\0';
	cm = CMSG_FIRSTHDR(&mh);
	if (cm && cm->cmsg_level == SOL_SOCKET && cm->cmsg_type == SCM_RIGHTS)
		memcpy(sk, CMSG_DATA(cm), sizeof(int));
	return n;
}

static void guard_main(int sfd, int method, pid_t root_pid)
{
	struct guarded *c = NULL, *t;
	unsigned int nr = 0, i, alive = 0;
	char line[GUARD_LINE];
	int sk, on, off = 0;
	ssize_t n;

	signal(SIGINT, SIG_IGN);
	signal(SIGTERM, SIG_IGN);
	signal(SIGHUP, SIG_IGN);
	while ((n = guard_recv(sfd, line, sizeof(line), &sk)) > 0) {
		struct guarded g = { .sk = sk };

		if (line[0] == 'D')
			_exit(0);
		if (sk < 0 || sscanf(line, "R %d %d %lu", &g.pid, &g.fd, &g.ino) != 3)
			continue;
		t = realloc(c, (nr + 1) * sizeof(*c));
		if (!t)
			continue;
		c = t;
		c[nr++] = g;
	}
	for (i = 0; i < nr; i++) {
		bool held = still_held(&c[i]);

		on = 1;
		alive += held;
		if (setsockopt(c[i].sk, SOL_TCP, TCP_REPAIR, held ? &off : &on, sizeof(int)))
			fprintf(stderr, "criu guard: fd %d of pid %d: TCP_REPAIR %d: %s\n", c[i].fd,
				c[i].pid, !held, strerror(errno));
		close(c[i].sk);
	}
	if (alive || !nr)
		net_unlock(method, root_pid);
	fprintf(stderr, "criu guard: criu died dumping pid %d: %u of %u connections go on, "
		"network lock %s\n", root_pid, alive, nr, alive || !nr ? "removed" : "kept for restore");
	_exit(1);
}

int net_guard_start(struct net_guard *g, int method, pid_t root_pid)
{
	int p[2];
	pid_t pid;

	g->pid = -1;
	g->wfd = -1;
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, p)) {
		pr_perror("Can't make the connection guard's socket pair");
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
		/* nothing of criu's but its end of the pair and stderr */
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

int net_guard_note(struct net_guard *g, pid_t pid, int fd, unsigned long ino, int sk)
{
	char line[GUARD_LINE], cbuf[CMSG_SPACE(sizeof(int))];
	struct iovec iov = { .iov_base = line };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf,
			     .msg_controllen = sizeof(cbuf) };
	struct cmsghdr *cm;

	if (g->wfd < 0)
		return 0;
	iov.iov_len = snprintf(line, sizeof(line), "R %d %d %lu", pid, fd, ino);
	memset(cbuf, 0, sizeof(cbuf));
	cm = CMSG_FIRSTHDR(&mh);
	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(cm), &sk, sizeof(int));
	if (sendmsg(g->wfd, &mh, 0) != (ssize_t)iov.iov_len) {
		pr_perror("Can't hand fd %d of pid %d to the connection guard", fd, pid);
		return -EIO;
	}
	return 0;
}

void net_guard_stop(struct net_guard *g)
{
	int status;

	if (g->wfd < 0)
		return;
	if (send(g->wfd, "D", 1, 0) != 1)
		pr_perror("Can't tell the connection guard that the dump is done");
	close(g->wfd);
	g->wfd = -1;
	if (waitpid(g->pid, &status, 0) != g->pid)
		pr_perror("Can't wait for the connection guard %d", g->pid);
	g->pid = -1;
}
