// SPDX-License-Identifier: GPL-2.0
/*
 * The lazy-pages watchdog: a process of its own that holds a duplicate
 * of every userfaultfd the daemon serves. While it holds them, a daemon
 * that dies (killed, crashed) does not release the registered areas, so
 * a fault of the tree waits instead of reading zeros; the watchdog sees
 * the daemon's end of their socket close without "done", kills the tree
 * (every process it was given, and their descendants, children first)
 * and only then lets the descriptors go. The tree never runs on with
 * memory missing.
 */
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "lazy-daemon.h"
#include "lazy-pages.h"
#include "log.h"

struct wd_proc {
	pid_t pid;
	int pidfd;
};

struct watchdog {
	int *fds;			/* userfaultfds, kept open */
	unsigned int nr_fds, cap_fds;
	struct wd_proc *procs;
	unsigned int nr, cap;
};

int lazy_watchdog_add(int wsk, pid_t pid, int uffd)
{
	return lazy_msg_send(wsk, LAZY_MSG_TASK, pid, uffd);
}

int lazy_watchdog_done(int wsk)
{
	return lazy_msg_send(wsk, LAZY_MSG_DONE, 0, -1);
}

/* SIGKILL @pid's descendants, deepest first, then @pid itself. */
static void kill_descendants(pid_t pid, int depth)
{
	char path[64];
	struct dirent *de;
	DIR *d;

	if (depth > 64)
		return;
	snprintf(path, sizeof(path), "/proc/%d/task", pid);
	d = opendir(path);
	if (!d)
		return;
	while ((de = readdir(d))) {
		char cpath[300], buf[4096], *s, *e;
		FILE *f;

		if (de->d_name[0] == '.')
			continue;
		snprintf(cpath, sizeof(cpath), "/proc/%d/task/%s/children", pid, de->d_name);
		f = fopen(cpath, "r");
		if (!f)
			continue;
		if (!fgets(buf, sizeof(buf), f))
			buf[0] = 0;
		fclose(f);
		for (s = buf; *s; s = e) {
			long c = strtol(s, &e, 10);

			if (e == s)
				break;
			kill_descendants(c, depth + 1);
			kill(c, SIGKILL);
		}
	}
	closedir(d);
}

static void kill_tree(struct watchdog *w)
{
	unsigned int i;

	for (i = 0; i < w->nr; i++) {
		/* the pidfd says the pid is still the restored process */
		if (syscall(SYS_pidfd_send_signal, w->procs[i].pidfd, 0, NULL, 0))
			continue;
		kill_descendants(w->procs[i].pid, 0);
		if (syscall(SYS_pidfd_send_signal, w->procs[i].pidfd, SIGKILL, NULL, 0) == 0)
			pr_err("lazy-pages watchdog: pid %d killed: its pages can't come any more\n",
			       w->procs[i].pid);
	}
}

static int wd_keep(struct watchdog *w, pid_t pid, int fd)
{
	if (w->nr_fds == w->cap_fds) {
		int *n;

		w->cap_fds = w->cap_fds ? w->cap_fds * 2 : 16;
		n = realloc(w->fds, w->cap_fds * sizeof(*n));
		if (!n)
			return -ENOMEM;
		w->fds = n;
	}
	w->fds[w->nr_fds++] = fd;
	if (pid <= 0)
		return 0;
	if (w->nr == w->cap) {
		struct wd_proc *n;

		w->cap = w->cap ? w->cap * 2 : 16;
		n = realloc(w->procs, w->cap * sizeof(*n));
		if (!n)
			return -ENOMEM;
		w->procs = n;
	}
	w->procs[w->nr].pid = pid;
	w->procs[w->nr].pidfd = syscall(SYS_pidfd_open, pid, 0);
	if (w->procs[w->nr].pidfd < 0) {
		pr_perror("lazy-pages watchdog: pidfd_open of pid %d", pid);
		return -errno;
	}
	w->nr++;
	return 0;
}

/* One message from the daemon: 1 done, 0 more to come, -1 the daemon is gone. */
static int wd_receive(int sk, struct watchdog *w)
{
	char cbuf[CMSG_SPACE(sizeof(int))];
	struct lazy_msg m;
	struct iovec iov = { &m, sizeof(m) };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1,
			     .msg_control = cbuf, .msg_controllen = sizeof(cbuf) };
	struct cmsghdr *c;
	ssize_t n;
	int fd = -1;

	n = recvmsg(sk, &mh, MSG_CMSG_CLOEXEC);
	if (n <= 0)
		return -1;
	c = CMSG_FIRSTHDR(&mh);
	if (c && c->cmsg_type == SCM_RIGHTS)
		memcpy(&fd, CMSG_DATA(c), sizeof(int));
	if (n != sizeof(m) || m.magic != LAZY_MSG_MAGIC)
		return -1;
	if (m.type == LAZY_MSG_DONE)
		return 1;
	if (fd < 0 || wd_keep(w, m.pid, fd))
		return -1;
	return 0;
}

static int watchdog_main(int sk)
{
	struct watchdog w = {};
	unsigned int i;
	int ret;

	/* out of the daemon's group and session: a signal to those spares it */
	setsid();
	signal(SIGINT, SIG_IGN);
	signal(SIGHUP, SIG_IGN);
	signal(SIGPIPE, SIG_IGN);
	while (!(ret = wd_receive(sk, &w)))
		;
	if (ret < 0) {
		pr_err("lazy-pages watchdog: the daemon ended before every page was in place;"
		       " killing the restored tree\n");
		kill_tree(&w);
	}
	for (i = 0; i < w.nr_fds; i++)
		close(w.fds[i]);
	for (i = 0; i < w.nr; i++)
		close(w.procs[i].pidfd);
	free(w.fds);
	free(w.procs);
	return ret < 0 ? 1 : 0;
}

int lazy_watchdog_start(void)
{
	int sks[2];
	pid_t pid;

	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sks)) {
		pr_perror("Can't create the watchdog's socket pair");
		return -errno;
	}
	pid = fork();
	if (pid < 0) {
		pr_perror("Can't fork the lazy-pages watchdog");
		close(sks[0]);
		close(sks[1]);
		return -errno;
	}
	if (pid == 0) {
		close(sks[0]);
		/* a second fork: init reaps it, the daemon never waits for it */
		pid = fork();
		if (pid)
			_exit(pid < 0);
		_exit(watchdog_main(sks[1]));
	}
	close(sks[1]);
	if (waitpid(pid, NULL, 0) != pid) {
		pr_perror("waitpid for the lazy-pages watchdog's parent");
		close(sks[0]);
		return -ECHILD;
	}
	return sks[0];
}
