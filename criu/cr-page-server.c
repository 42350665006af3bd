// SPDX-License-Identifier: GPL-2.0
/*
 * `criu page-server -D DIR [--address A] [--port P]`: listen, take one
 * dump's connection and write its pages into DIR (page-server.c), as
 * CRIU's page server does. --daemon returns once it listens (--pidfile
 * names it); --status-fd gets a zero byte at that moment too.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "cr_options.h"
#include "log.h"
#include "page-server.h"
#include "page-server-proto.h"
#include "page-xfer.h"
#include "tls.h"

static int write_ps_pidfile(int dfd, pid_t pid)
{
	char buf[32];
	int fd, len, ret = 0;

	if (!opts.pidfile)
		return 0;
	fd = openat(dfd, opts.pidfile, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0) {
		ret = -errno;
		pr_perror("Can't create pidfile %s", opts.pidfile);
		return ret;
	}
	len = snprintf(buf, sizeof(buf), "%d", pid);
	if (write(fd, buf, len) != len) {
		ret = -EIO;
		pr_perror("Can't write pidfile %s", opts.pidfile);
	}
	close(fd);
	return ret;
}

static void tell_status_fd(void)
{
	char zero = 0;

	if (opts.status_fd < 0)
		return;
	if (write(opts.status_fd, &zero, 1) != 1)
		pr_perror("Can't write to --status-fd %d", opts.status_fd);
	close(opts.status_fd);
	opts.status_fd = -1;
}

/* Fork: the foreground returns 1 once the pidfile names the server. */
static int go_background(int dfd)
{
	pid_t pid = fork();
	int fd;

	if (pid < 0) {
		pr_perror("Can't fork the page server into the background");
		return -errno;
	}
	if (pid > 0) {
		if (write_ps_pidfile(dfd, pid)) {
			kill(pid, SIGKILL);
			return -EIO;
		}
		return 1;
	}
	setsid();
	fd = open("/dev/null", O_RDWR);
	if (fd >= 0) {
		dup2(fd, STDIN_FILENO);
		dup2(fd, STDOUT_FILENO);
		if (log_get_fd() != STDERR_FILENO)
			dup2(fd, STDERR_FILENO);
		if (fd > STDERR_FILENO)
			close(fd);
	}
	return 0;
}

static int accept_one(int lsk)
{
	char peer[INET6_ADDRSTRLEN] = "?";
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	int sk;

	do
		sk = accept4(lsk, (struct sockaddr *)&ss, &len, SOCK_CLOEXEC);
	while (sk < 0 && errno == EINTR);
	if (sk < 0) {
		int err = -errno;

		pr_perror("Page server: accept failed");
		return err;
	}
	if (ss.ss_family == AF_INET)
		inet_ntop(AF_INET, &((struct sockaddr_in *)&ss)->sin_addr, peer, sizeof(peer));
	else if (ss.ss_family == AF_INET6)
		inet_ntop(AF_INET6, &((struct sockaddr_in6 *)&ss)->sin6_addr, peer, sizeof(peer));
	pr_info("Page server: a dump connected from %s\n", peer);
	return sk;
}

static int serve(int dfd, int lsk)
{
	struct ps_session s;
	int sk, ret;

	ret = ps_session_init(&s, dfd, opts.prev_images_dir, opts.auto_dedup);
	if (ret)
		goto out;
	sk = accept_one(lsk);
	close(lsk);	/* one dump per server, as CRIU's */
	lsk = -1;
	if (sk < 0) {
		ret = sk;
		goto out;
	}
	ret = opts.timeout ? ps_set_timeout(sk, opts.timeout) : 0;
	if (!ret)
		ret = tls_secure_server(sk, "Page server");
	if (!ret)
		ret = ps_session_serve(&s, sk);
	ps_close(sk);
	if (!ret)
		pr_info("Page server: %llu bytes of pages received%s\n",
			(unsigned long long)s.bytes, opts.auto_dedup ? ", parents deduplicated" : "");
out:
	if (lsk >= 0)
		close(lsk);
	ps_session_fini(&s);
	return ret;
}

int cr_page_server(void)
{
	int dfd, lsk, port, ret;

	if (!opts.imgs_dir) {
		pr_err("page-server needs an images folder (-D DIR)\n");
		return -EINVAL;
	}
	dfd = open(opts.imgs_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0) {
		ret = -errno;
		pr_perror("Can't open images folder %s", opts.imgs_dir);
		return ret;
	}
	/* a missing certificate fails here, before any dump connects */
	ret = tls_load();
	if (ret) {
		close(dfd);
		return ret;
	}
	lsk = ps_listen(opts.addr, opts.port, &port);
	if (lsk < 0) {
		close(dfd);
		return lsk;
	}
	pr_info("Page server: listening on %s port %d%s, images into %s\n",
		opts.addr ? opts.addr : "every address", port, opts.tls ? " (TLS)" : "",
		opts.imgs_dir);
	if (!opts.port)
		pr_msg("Page server port %d\n", port);
	tell_status_fd();
	ret = 0;
	if (opts.restore_detached)
		ret = go_background(dfd);
	else
		ret = write_ps_pidfile(dfd, getpid());
	if (ret) {
		close(lsk);
		close(dfd);
		return ret < 0 ? ret : 0;	/* 1: the foreground is done */
	}
	ret = serve(dfd, lsk);
	close(dfd);
	return ret;
}
