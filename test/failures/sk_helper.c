// SPDX-License-Identifier: GPL-2.0
/*
 * sk_helper: processes with Unix socket state for the "sockets" group.
 *
 *   sk_helper hold NAME OUT      bind a datagram socket to abstract @NAME and
 *                                append every message it gets to OUT (runs in
 *                                the foreground: the caller backgrounds it)
 *   sk_helper ext NAME PIDFILE   a target connected to @NAME, outside its tree;
 *                                on SIGUSR1 it sends "after" there
 *   sk_helper scm PIDFILE        a target with a descriptor in flight on a
 *                                socketpair (SCM_RIGHTS, not yet received)
 *   sk_helper bound PATH PIDFILE a target with a stream listener bound to PATH
 *
 * A target daemonizes (its own session), writes its pid to PIDFILE once its
 * state is set up, and waits. Exit codes of the starter: 0 ready, 1 error.
 */
#include <fcntl.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

static int sk = -1;

static socklen_t abstract(const char *name, struct sockaddr_un *a)
{
	memset(a, 0, sizeof(*a));
	a->sun_family = AF_UNIX;
	snprintf(a->sun_path + 1, sizeof(a->sun_path) - 1, "%s", name);
	return offsetof(struct sockaddr_un, sun_path) + 1 + strlen(name);
}

static int hold(const char *name, const char *out)
{
	struct sockaddr_un a;
	socklen_t len = abstract(name, &a);
	char buf[256];
	ssize_t n;
	int s = socket(AF_UNIX, SOCK_DGRAM, 0);
	FILE *f;

	if (s < 0 || bind(s, (struct sockaddr *)&a, len)) {
		perror("hold");
		return 1;
	}
	for (;;) {
		n = recv(s, buf, sizeof(buf) - 1, 0);
		if (n < 0)
			return 1;
		buf[n] = '\0';
		f = fopen(out, "a");
		if (!f)
			return 1;
		fprintf(f, "%s\n", buf);
		fclose(f);
	}
}

static void send_after(int sig __attribute__((unused)))
{
	if (send(sk, "after", 5, 0) != 5)
		_exit(3);
}

static int set_up(int argc, char **argv)
{
	struct sockaddr_un a;
	socklen_t len;
	int sv[2];

	if (!strcmp(argv[1], "ext") && argc == 4) {
		len = abstract(argv[2], &a);
		sk = socket(AF_UNIX, SOCK_DGRAM, 0);
		signal(SIGUSR1, send_after);
		return sk < 0 || connect(sk, (struct sockaddr *)&a, len);
	}
	if (!strcmp(argv[1], "scm") && argc == 3) {
		char c = 'x', cbuf[CMSG_SPACE(sizeof(int))] = { 0 };
		struct iovec iov = { &c, 1 };
		struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf,
				     .msg_controllen = sizeof(cbuf) };
		struct cmsghdr *cm = CMSG_FIRSTHDR(&mh);
		int fd = 0;

		cm->cmsg_level = SOL_SOCKET;
		cm->cmsg_type = SCM_RIGHTS;
		cm->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(cm), &fd, sizeof(fd));
		return socketpair(AF_UNIX, SOCK_STREAM, 0, sv) || sendmsg(sv[0], &mh, 0) != 1;
	}
	if (!strcmp(argv[1], "bound") && argc == 4) {
		memset(&a, 0, sizeof(a));
		a.sun_family = AF_UNIX;
		snprintf(a.sun_path, sizeof(a.sun_path), "%s", argv[2]);
		sk = socket(AF_UNIX, SOCK_STREAM, 0);
		return sk < 0 || bind(sk, (struct sockaddr *)&a, sizeof(a)) || listen(sk, 2);
	}
	fprintf(stderr, "usage: see the comment in sk_helper.c\n");
	return 1;
}

int main(int argc, char **argv)
{
	int ready[2], fd;
	char c = 1;
	pid_t pid;
	FILE *f;

	if (argc >= 4 && !strcmp(argv[1], "hold"))
		return hold(argv[2], argv[3]);
	if (argc < 3 || pipe(ready))
		return 1;
	pid = fork();
	if (pid < 0)
		return 1;
	if (pid > 0) {
		close(ready[1]);
		if (read(ready[0], &c, 1) != 1 || c)
			return 1;
		f = fopen(argv[argc - 1], "w");
		return !f || fprintf(f, "%d", pid) < 0 || fclose(f);
	}
	close(ready[0]);
	setsid();
	fd = open("/dev/null", O_RDWR);
	if (fd < 0)
		_exit(1);
	dup2(fd, 0);
	dup2(fd, 1);
	c = set_up(argc, argv) ? 1 : 0;
	if (c)
		perror(argv[1]);
	dup2(fd, 2);
	close(fd);
	if (write(ready[1], &c, 1) != 1 || c)
		_exit(1);
	close(ready[1]);
	for (;;)
		pause();
}
