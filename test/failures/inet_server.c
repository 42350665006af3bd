// SPDX-License-Identifier: GPL-2.0
/*
 * inet_server: the target of the "inet" failure group.
 *
 *   inet_server PIDFILE PORTFILE     a TCP echo server on 127.0.0.1: it
 *                                    daemonizes, writes its pid and port,
 *                                    and answers each line "L" of a client
 *                                    with "echo:L", one client at a time
 *   inet_server --hold PORT PIDFILE  a listener on 127.0.0.1:PORT that
 *                                    does nothing (holds the address)
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static int listener(unsigned int port, int reuse, unsigned int *bound)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(port) };
	socklen_t len = sizeof(a);
	int sk = socket(AF_INET, SOCK_STREAM, 0);

	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	/* as servers do: a restart while old connections linger must work */
	if (sk < 0 || setsockopt(sk, SOL_SOCKET, SO_REUSEADDR, &reuse, sizeof(reuse)) || bind(sk, (struct sockaddr *)&a, sizeof(a)) || listen(sk, 4) ||
	    getsockname(sk, (struct sockaddr *)&a, &len)) {
		perror("listener");
		return -1;
	}
	*bound = ntohs(a.sin_port);
	return sk;
}

static int write_file(const char *path, long val)
{
	FILE *f = fopen(path, "w");

	if (!f || fprintf(f, "%ld\n", val) < 0 || fclose(f))
		return -1;
	return 0;
}

/* Echo lines until the client goes. */
static void serve(int c)
{
	char buf[512], out[600];
	size_t have = 0;
	ssize_t n;
	char *nl;

	while ((n = read(c, buf + have, sizeof(buf) - 1 - have)) > 0) {
		have += n;
		buf[have] = '\0';
		while ((nl = strchr(buf, '\n'))) {
			*nl = '\0';
			n = snprintf(out, sizeof(out), "echo:%s\n", buf);
			if (write(c, out, n) != n)
				return;
			have -= nl + 1 - buf;
			memmove(buf, nl + 1, have + 1);
		}
		if (have == sizeof(buf) - 1)
			have = 0;
	}
}

/* The parent returns once the child is ready: 0, or 1 if it failed. */
static int daemonize(int ready[2])
{
	char c;
	pid_t pid = fork();

	if (pid < 0)
		return 1;
	if (pid > 0) {
		close(ready[1]);
		return read(ready[0], &c, 1) == 1 ? 0 : 1;
	}
	close(ready[0]);
	setsid();
	return -1;
}

int main(int argc, char **argv)
{
	unsigned int port = 0;
	int ready[2], sk, c, hold = argc == 4 && !strcmp(argv[1], "--hold");
	const char *pidfile = hold ? argv[3] : argv[1];
	int ret;

	if (argc != 3 && !hold) {
		fprintf(stderr, "usage: %s PIDFILE PORTFILE | --hold PORT PIDFILE\n", argv[0]);
		return 1;
	}
	if (pipe(ready))
		return 1;
	ret = daemonize(ready);
	if (ret >= 0)
		return ret;
	sk = listener(hold ? (unsigned int)atoi(argv[2]) : 0, !hold, &port);
	if (sk < 0 || write_file(pidfile, getpid()) || (!hold && write_file(argv[2], port)))
		return 1;
	freopen("/dev/null", "r", stdin);
	if (write(ready[1], "r", 1) != 1)
		return 1;
	close(ready[1]);
	for (;;) {
		if (hold) {
			pause();
			continue;
		}
		c = accept(sk, NULL, NULL);
		if (c < 0) {
			if (errno == EINTR)
				continue;
			return 1;
		}
		serve(c);
		close(c);
	}
}
