// SPDX-License-Identifier: GPL-2.0
/*
 * `criu service`: listen on a SOCK_SEQPACKET unix socket and serve each
 * connection as an RPC session in a process of its own, so that a client
 * that sends garbage or dies mid-request never takes the service down.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cr_options.h"
#include "log.h"
#include "rpc.h"

#define SERVICE_DEFAULT_ADDRESS	"criu_service.socket"

struct service_opts {
	const char *address;
	const char *pidfile;
	const char *log_file;
	int log_level;
	bool daemon;
};

static int parse_service_opts(int argc, char **argv, struct service_opts *so)
{
	static const struct option lo[] = {
		{ "address", required_argument, NULL, 'a' },
		{ "daemon", no_argument, NULL, 'd' },
		{ "pidfile", required_argument, NULL, 'p' },
		{ "log-file", required_argument, NULL, 'o' },
		{ },
	};
	int c;

	so->address = SERVICE_DEFAULT_ADDRESS;
	so->log_level = LOG_WARN;
	optind = 1;
	while ((c = getopt_long(argc, argv, "do:v::", lo, NULL)) != -1) {
		switch (c) {
		case 'a': so->address = optarg; break;
		case 'd': so->daemon = true; break;
		case 'p': so->pidfile = optarg; break;
		case 'o': so->log_file = optarg; break;
		case 'v': so->log_level = optarg ? atoi(optarg) : so->log_level + 1; break;
		default:
			fprintf(stderr, "Usage: criu service [--address SOCKET] [-d|--daemon] "
				"[--pidfile FILE] [-o LOG] [-vN]\n");
			return -EINVAL;
		}
	}
	if (optind != argc) {
		fprintf(stderr, "Error: criu service: unexpected argument '%s'\n", argv[optind]);
		return -EINVAL;
	}
	return 0;
}

static int listen_on(const char *address)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	int sk;

	if (strlen(address) >= sizeof(addr.sun_path)) {
		pr_err("Service address %s is too long\n", address);
		return -ENAMETOOLONG;
	}
	strcpy(addr.sun_path, address);
	sk = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (sk < 0) {
		pr_perror("Can't create the service socket");
		return -errno;
	}
	unlink(address);
	/* Only root may ask a root service to dump or restore. */
	if (bind(sk, (struct sockaddr *)&addr, sizeof(addr)) || chmod(address, 0600) ||
	    listen(sk, 16)) {
		pr_perror("Can't listen on %s", address);
		close(sk);
		return -errno;
	}
	pr_info("Service listens on %s\n", address);
	return sk;
}

static int write_service_pidfile(const char *path, pid_t pid)
{
	FILE *f = fopen(path, "w");

	if (!f || fprintf(f, "%d", pid) < 0 || fclose(f)) {
		pr_perror("Can't write the pidfile %s", path);
		return -EIO;
	}
	return 0;
}

/*
 * Go to the background. The pidfile is written before the foreground
 * process returns, so that once `criu service -d` is back the socket
 * listens and the pidfile names the service. Returns the service's pid
 * in the foreground process, 0 in the service, or -errno.
 */
static pid_t daemonize(const char *pidfile)
{
	pid_t pid = fork();
	int fd;

	if (pid < 0) {
		pr_perror("Can't fork the service into the background");
		return -errno;
	}
	if (pid > 0) {
		if (pidfile && write_service_pidfile(pidfile, pid)) {
			kill(pid, SIGKILL);
			return -EIO;
		}
		return pid;
	}
	setsid();
	fd = open("/dev/null", O_RDWR);
	if (fd >= 0) {
		dup2(fd, STDIN_FILENO);
		dup2(fd, STDOUT_FILENO);
		dup2(fd, STDERR_FILENO);	/* logs go to -o FILE */
		if (fd > STDERR_FILENO)
			close(fd);
	}
	return 0;
}

static void reap_sessions(int sig)
{
	int saved = errno;

	while (waitpid(-1, NULL, WNOHANG) > 0)
		;
	errno = saved;
}

static void serve_connection(int lsk, int sk)
{
	struct rpc_peer peer = { .sk = sk };
	int ret;

	signal(SIGCHLD, SIG_DFL);
	close(lsk);
	ret = rpc_serve(&peer);
	close(sk);
	log_fini();
	_exit(ret < 0 ? 1 : 0);
}

static int accept_loop(int lsk)
{
	int sk;
	pid_t pid;

	for (;;) {
		sk = accept4(lsk, NULL, NULL, SOCK_CLOEXEC);
		if (sk < 0) {
			if (errno == EINTR)
				continue;
			pr_perror("accept on the service socket");
			return -errno;
		}
		pid = fork();
		if (pid == 0)
			serve_connection(lsk, sk);
		if (pid < 0)
			pr_perror("Can't fork a session for a connection");
		close(sk);
	}
}

int cr_service_main(int argc, char **argv)
{
	struct sigaction sa = { .sa_handler = reap_sessions, .sa_flags = SA_RESTART };
	struct service_opts so = {};
	int lsk, ret;

	ret = parse_service_opts(argc, argv, &so);
	if (ret)
		return ret;
	ret = log_init(so.log_file, so.log_level);
	if (ret)
		return ret;
	lsk = listen_on(so.address);
	if (lsk < 0)
		return lsk;
	if (so.daemon) {
		pid_t pid = daemonize(so.pidfile);

		if (pid) {
			close(lsk);
			return pid < 0 ? pid : 0;	/* the foreground is done */
		}
	} else if (so.pidfile && write_service_pidfile(so.pidfile, getpid())) {
		close(lsk);
		return -EIO;
	}
	if (sigaction(SIGCHLD, &sa, NULL)) {
		pr_perror("sigaction SIGCHLD");
		close(lsk);
		return -errno;
	}
	ret = accept_loop(lsk);
	close(lsk);
	return ret;
}
