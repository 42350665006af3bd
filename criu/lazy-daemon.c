// SPDX-License-Identifier: GPL-2.0
/*
 * `criu lazy-pages -D DIR`: the daemon of a lazy restore (lazy-pages.h).
 *
 * It listens on DIR/lazy-pages.socket, reads the tree's images in DIR,
 * greets the restore once they are read, takes each restored process's
 * userfaultfd from `criu restore --lazy-pages`, and then serves: faults
 * first, whenever one waits, and between them it pushes the remaining
 * pages in the background. It ends when the restore said the tree is
 * complete and no process lacks a page; closing the userfaultfds then
 * leaves the areas ordinary memory.
 *
 * If it cannot go on (the restore broke off, the images fail, it is
 * killed) the watchdog (lazy-watchdog.c) kills the tree: a process never
 * runs on with pages missing.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <unistd.h>

#include "action-scripts.h"
#include "lazy-daemon.h"
#include "lazy-pages.h"
#include "cr_options.h"
#include "fault-inject.h"
#include "log.h"
#include "page-server-proto.h"
#include "pstree.h"
#include "rst-task.h"
#include "stats.h"

struct lazy_daemon {
	int dfd;
	int lsk;			/* listening socket, -1 once the tree is complete */
	int csk;			/* the restore's connection, or -1 */
	int wsk;			/* the watchdog */
	int ps_sk;			/* the source's page server, or -1 */
	struct pstree t;		/* with each process's pagemap (rst_task) */
	bool *taken;			/* per pstree item: its userfaultfd came */
	unsigned int nr_taken;		/* from the current connection */
	struct lazy_proc **procs;
	unsigned int nr, cap;
	bool complete;			/* LAZY_MSG_DONE came */
	uint64_t push_delay_us;		/* CRIU_LAZY_PUSH_DELAY_MS, for the tests */
	uint64_t push_from_us;
	unsigned int next;		/* round robin of the background push */
	char *buf;
};

static int keep_fd_as_is(void *arg, int fd)
{
	return fd;
}

static int read_tree(struct lazy_daemon *d)
{
	unsigned int i;
	int ret;

	ret = pstree_read(d->dfd, &d->t);
	if (!ret)
		ret = rst_tasks_read(d->dfd, &d->t);
	for (i = 0; i < d->t.nr && !ret; i++) {
		struct rst_task *rt = d->t.items[i]->rst;

		if (d->t.items[i]->zombie || rt->vm_shared)
			continue;
		ret = read_pagemap_chain(d->dfd, rt->rc.pid, rt->mm, keep_fd_as_is, NULL,
					 &rt->ps);
		if (!ret)
			ret = lazy_split_pagemap(rt->mm, &rt->ps, &rt->lazy);
		if (!ret)
			pr_info("Pid %d: %u page ranges to serve lazily\n", rt->rc.pid,
				rt->lazy.nr);
	}
	if (ret)
		return ret;
	d->taken = calloc(d->t.nr ? d->t.nr : 1, sizeof(*d->taken));
	return d->taken ? 0 : -ENOMEM;
}

static void free_tree(struct lazy_daemon *d)
{
	unsigned int i, j;

	for (i = 0; i < d->t.nr; i++) {
		struct rst_task *rt = d->t.items[i]->rst;

		for (j = 0; rt && j < rt->ps.nr_srcs; j++)
			if (rt->ps.pages_fds[j] >= 0)
				close(rt->ps.pages_fds[j]);
	}
	rst_tasks_free(&d->t);
	pstree_free(&d->t);
	free(d->taken);
}

/*
 * One page the source must have, asked for before the restore begins: a
 * source that refuses this end (a TLS server checks the client's
 * certificate after the client's handshake is done) or speaks otherwise
 * fails the daemon here, before any process exists.
 */
static int probe_source(struct lazy_daemon *d, pid_t pid, unsigned long img_addr)
{
	int ret = lazy_remote_get(d->ps_sk, pid, img_addr, 1, d->buf);

	if (ret)
		pr_err("lazy-pages: the page server at %s port %d does not serve this restore%s\n",
		       opts.addr ? opts.addr : "127.0.0.1", opts.port,
		       opts.tls ? "" : " (a dump --lazy-pages --tls closes connections without TLS)");
	return ret;
}

/* Pages that stayed with the source (dump --lazy-pages) need its page server. */
static int connect_source(struct lazy_daemon *d)
{
	unsigned int i, j, remote = 0;
	unsigned long first_addr = 0;
	pid_t first_pid = 0;

	for (i = 0; i < d->t.nr; i++) {
		const struct rst_task *rt = d->t.items[i]->rst;

		for (j = 0; rt && j < rt->lazy.nr; j++) {
			if (rt->lazy.ranges[j].src != PAGES_SRC_REMOTE)
				continue;
			if (!remote++) {
				first_pid = d->t.items[i]->pid;
				first_addr = rt->lazy.ranges[j].off;
			}
		}
		if (rt && !d->t.items[i]->zombie && !rt->vm_shared &&
		    pagemap_check_local(&rt->ps, rt->rc.pid))
			return -EINVAL;
	}
	if (!opts.use_page_server) {
		if (!remote)
			return 0;
		pr_err("%u page ranges stayed on the source (dump --lazy-pages):"
		       " run lazy-pages with --page-server --address --port\n", remote);
		return -EINVAL;
	}
	d->ps_sk = lazy_remote_connect();
	if (d->ps_sk < 0)
		return d->ps_sk;
	if (remote && probe_source(d, first_pid, first_addr))
		return -ECONNREFUSED;
	pr_info("lazy-pages: %u page ranges come from the page server at %s port %d%s\n", remote,
		opts.addr ? opts.addr : "localhost", opts.port, opts.tls ? " over TLS" : "");
	return 0;
}

static int listen_socket(struct lazy_daemon *d)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	int sk;

	snprintf(addr.sun_path, sizeof(addr.sun_path), "/proc/self/fd/%d/%s", d->dfd,
		 LAZY_SOCKET_NAME);
	if (unlinkat(d->dfd, LAZY_SOCKET_NAME, 0) && errno != ENOENT) {
		pr_perror("Can't remove the old %s", LAZY_SOCKET_NAME);
		return -errno;
	}
	sk = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (sk < 0) {
		pr_perror("Can't create %s", LAZY_SOCKET_NAME);
		return -errno;
	}
	if (bind(sk, (struct sockaddr *)&addr, sizeof(addr)) || listen(sk, 4)) {
		pr_perror("Can't listen on %s in the image folder", LAZY_SOCKET_NAME);
		close(sk);
		return -errno;
	}
	if (fchmodat(d->dfd, LAZY_SOCKET_NAME, 0600, 0))
		pr_perror("Can't restrict %s to its owner", LAZY_SOCKET_NAME);
	d->lsk = sk;
	return 0;
}

/*
 * CRIU_FAULT=30: fail the set-up once a restore has connected and waits
 * for the greeting, so that a test sees it fail with nothing created.
 */
static bool setup_fault(struct lazy_daemon *d)
{
	struct pollfd p = { .fd = d->lsk, .events = POLLIN };

	if (!fault_injected(FI_LAZY_SETUP))
		return false;
	poll(&p, 1, 30000);
	return true;
}

static void stop_listening(struct lazy_daemon *d)
{
	if (d->lsk < 0)
		return;
	close(d->lsk);
	d->lsk = -1;
	unlinkat(d->dfd, LAZY_SOCKET_NAME, 0);
}

static int add_proc(struct lazy_daemon *d, struct lazy_proc *p)
{
	if (d->nr == d->cap) {
		struct lazy_proc **n;

		d->cap = d->cap ? d->cap * 2 : 16;
		n = realloc(d->procs, d->cap * sizeof(*n));
		if (!n)
			return -ENOMEM;
		d->procs = n;
	}
	d->procs[d->nr++] = p;
	/* the watchdog keeps the areas registered if the daemon dies */
	return lazy_watchdog_add(d->wsk, p->pid, p->uffd);
}

static bool is_userfaultfd(int fd)
{
	char path[64], link[64];
	ssize_t n;

	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	n = readlink(path, link, sizeof(link) - 1);
	if (n < 0)
		return false;
	link[n] = 0;
	return !strcmp(link, "anon_inode:[userfaultfd]");
}

/* The process of the images that @pid names, if the restore may send it. */
static int check_task(struct lazy_daemon *d, pid_t pid, int fd, unsigned int *idx)
{
	unsigned int i;

	for (i = 0; i < d->t.nr && d->t.items[i]->pid != pid; i++)
		;
	if (pid <= 0 || i == d->t.nr) {
		pr_err("Refused pid %d: not a process of the images in this folder\n", pid);
		return -ESRCH;
	}
	if (d->t.items[i]->zombie || d->t.items[i]->rst->vm_shared) {
		pr_err("Refused pid %d: it has no memory of its own in the images\n", pid);
		return -EINVAL;
	}
	if (d->taken[i]) {
		pr_err("Refused pid %d: its userfaultfd came already\n", pid);
		return -EEXIST;
	}
	if (fd < 0 || !is_userfaultfd(fd)) {
		pr_err("Refused pid %d: the message carries no userfaultfd\n", pid);
		return -EBADF;
	}
	*idx = i;
	return 0;
}

static int take_task(struct lazy_daemon *d, pid_t pid, int fd)
{
	struct rst_task *rt;
	struct lazy_proc *p;
	unsigned int i;
	int ret, flags;

	ret = check_task(d, pid, fd, &i);
	if (ret)
		return ret;
	rt = d->t.items[i]->rst;
	flags = fcntl(fd, F_GETFL);
	if (flags < 0 || fcntl(fd, F_SETFL, flags | O_NONBLOCK)) {
		pr_perror("Can't make the userfaultfd of pid %d non-blocking", pid);
		return -errno;
	}
	p = lazy_proc_new(pid, fd, &rt->lazy, &rt->ps);
	if (!p)
		return -ENOMEM;
	p->ps_sk = d->ps_sk;
	p->pidfd = syscall(SYS_pidfd_open, pid, 0);
	if (p->pidfd < 0) {
		pr_perror("pidfd_open of pid %d", pid);
		p->uffd = -1;
		lazy_proc_free(p);
		return -ESRCH;
	}
	ret = add_proc(d, p);
	if (ret)
		return ret;	/* the process list owns it */
	d->taken[i] = true;
	d->nr_taken++;
	pr_info("Pid %d: userfaultfd taken, %lu pages to serve\n", pid, lazy_proc_pending(p));
	return 0;
}

static void reply(struct lazy_daemon *d, int status)
{
	struct lazy_reply r = { .status = status };

	if (send(d->csk, &r, sizeof(r), MSG_NOSIGNAL) != sizeof(r))
		pr_perror("Can't answer the restore");
}

static void drop_connection(struct lazy_daemon *d)
{
	close(d->csk);
	d->csk = -1;
	d->nr_taken = 0;
}

/* One message of the restore. 0, or -errno when the tree can't go on. */
static int handle_restore(struct lazy_daemon *d)
{
	char cbuf[CMSG_SPACE(sizeof(int) * 4)];
	struct lazy_msg m;
	struct iovec iov = { &m, sizeof(m) };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1,
			     .msg_control = cbuf, .msg_controllen = sizeof(cbuf) };
	struct cmsghdr *c;
	int fd = -1, ret;
	ssize_t n;

	n = recvmsg(d->csk, &mh, MSG_CMSG_CLOEXEC | MSG_DONTWAIT);
	if (n < 0 && errno == EAGAIN)
		return 0;
	for (c = CMSG_FIRSTHDR(&mh); c; c = CMSG_NXTHDR(&mh, c)) {
		int fds[4], k, nfd;

		if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
			continue;
		nfd = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		memcpy(fds, CMSG_DATA(c), nfd * sizeof(int));
		for (k = 0; k < nfd; k++) {
			if (fd < 0 && k == 0)
				fd = fds[k];
			else
				close(fds[k]);
		}
	}
	if (n <= 0) {
		if (fd >= 0)
			close(fd);
		if (n < 0)
			pr_perror("Can't read the restore's message");
		pr_err("The restore went away before the tree was complete\n");
		ret = d->nr_taken ? -EPIPE : 0;
		drop_connection(d);
		return ret;
	}
	if (lazy_msg_check(&m, n, mh.msg_flags)) {
		pr_err("Garbage on %s (not a message of criu restore): connection dropped\n",
		       LAZY_SOCKET_NAME);
		if (fd >= 0)
			close(fd);
		reply(d, -EINVAL);
		ret = d->nr_taken ? -EPROTO : 0;
		drop_connection(d);
		return ret;
	}
	if (m.type == LAZY_MSG_DONE) {
		if (fd >= 0)
			close(fd);
		if (!d->nr_taken) {
			pr_err("The restore says the tree is complete, but sent no process\n");
			reply(d, -EINVAL);
			drop_connection(d);
			return 0;
		}
		reply(d, 0);
		d->complete = true;
		d->push_from_us = stats_now_us() + d->push_delay_us;
		drop_connection(d);
		stop_listening(d);
		pr_info("The restored tree is complete: %u processes\n", d->nr);
		return 0;
	}
	ret = take_task(d, m.pid, fd);
	if (ret && fd >= 0 && ret != -ENOMEM)
		close(fd);
	reply(d, ret);
	return 0;
}

static void accept_restore(struct lazy_daemon *d)
{
	int sk = accept4(d->lsk, NULL, NULL, SOCK_CLOEXEC);

	if (sk < 0) {
		pr_perror("accept on %s", LAZY_SOCKET_NAME);
		return;
	}
	if (d->csk >= 0) {
		pr_err("A second restore connected while one is under way: refused\n");
		close(sk);
		return;
	}
	if (lazy_msg_send(sk, LAZY_MSG_READY, 0, -1)) {
		close(sk);
		return;
	}
	d->csk = sk;
}

static unsigned long pending(const struct lazy_daemon *d, bool *retry)
{
	unsigned long n = 0;
	unsigned int i;

	*retry = false;
	for (i = 0; i < d->nr; i++) {
		if (d->procs[i]->dead)
			continue;
		n += lazy_proc_pending(d->procs[i]);
		*retry |= d->procs[i]->nr_retry > 0;
	}
	return n;
}

/* Push one buffer of pages into the next process that lacks some. */
static int push(struct lazy_daemon *d)
{
	unsigned int i;
	long ret;

	for (i = 0; i < d->nr; i++) {
		struct lazy_proc *p = d->procs[(d->next + i) % d->nr];

		if (p->dead || (!p->pending && !p->nr_retry))
			continue;
		d->next = (d->next + i + 1) % d->nr;
		ret = lazy_proc_push(p, d->buf, LAZY_PUSH_PAGES);
		return ret < 0 ? ret : 0;
	}
	return 0;
}

static int poll_timeout(const struct lazy_daemon *d)
{
	uint64_t now;
	bool retry;

	if (!pending(d, &retry) && !retry)
		return -1;
	if (retry)
		return 1;
	if (!d->push_delay_us)
		return 0;
	if (!d->complete)
		return -1;
	now = stats_now_us();
	return now >= d->push_from_us ? 0 : (int)((d->push_from_us - now) / 1000) + 1;
}

static int serve_events(struct lazy_daemon *d, struct pollfd *pfd, unsigned int *map,
			unsigned int n)
{
	unsigned int i;
	int ret;

	for (i = 0; i < n; i++) {
		struct lazy_proc *p = d->procs[map[i] / 2], *child;

		if (!pfd[i].revents || p->dead)
			continue;
		if (map[i] & 1) {
			lazy_proc_gone(p, "exited");
			continue;
		}
		ret = lazy_proc_events(p, d->buf, &child);
		if (!ret && child)
			ret = add_proc(d, child);
		if (ret)
			return ret;
	}
	return 0;
}

static int serve(struct lazy_daemon *d)
{
	struct pollfd *pfd = NULL;
	unsigned int *map = NULL, n, i, cap = 0;
	bool retry;
	int ret = 0;

	while (!ret && !(d->complete && !pending(d, &retry) && !retry)) {
		if (cap < 2 * d->nr + 3) {
			cap = 2 * d->nr + 16;
			free(pfd);
			free(map);
			pfd = calloc(cap, sizeof(*pfd));
			map = calloc(cap, sizeof(*map));
			if (!pfd || !map) {
				ret = -ENOMEM;
				break;
			}
		}
		n = 0;
		for (i = 0; i < d->nr; i++) {
			if (d->procs[i]->dead)
				continue;
			pfd[n] = (struct pollfd){ .fd = d->procs[i]->uffd, .events = POLLIN };
			map[n++] = 2 * i;
			if (d->procs[i]->pidfd >= 0) {
				pfd[n] = (struct pollfd){ .fd = d->procs[i]->pidfd, .events = POLLIN };
				map[n++] = 2 * i + 1;
			}
		}
		pfd[n] = (struct pollfd){ .fd = d->lsk, .events = POLLIN };
		pfd[n + 1] = (struct pollfd){ .fd = d->csk, .events = POLLIN };
		/* the source says nothing unasked: anything from it is its end */
		pfd[n + 2] = (struct pollfd){ .fd = d->ps_sk, .events = POLLIN };
		if (poll(pfd, n + 3, poll_timeout(d)) < 0) {
			if (errno == EINTR)
				continue;
			pr_perror("poll in the lazy-pages daemon");
			ret = -errno;
			break;
		}
		if (d->ps_sk >= 0 && pfd[n + 2].revents) {
			pr_err("The source's page server went away before every page was in place\n");
			ret = -ECONNABORTED;
			break;
		}
		ret = serve_events(d, pfd, map, n);
		if (!ret && d->lsk >= 0 && pfd[n].revents)
			accept_restore(d);
		if (!ret && d->csk >= 0 && pfd[n + 1].revents)
			ret = handle_restore(d);
		if (!ret && (!d->push_delay_us || (d->complete &&
						   stats_now_us() >= d->push_from_us)))
			ret = push(d);
	}
	free(pfd);
	free(map);
	return ret;
}

static void print_totals(const struct lazy_daemon *d)
{
	uint64_t faults = 0, copied = 0, zeroed = 0;
	unsigned int i;

	for (i = 0; i < d->nr; i++) {
		faults += d->procs[i]->faults;
		copied += d->procs[i]->copied;
		zeroed += d->procs[i]->zeroed;
	}
	pr_info("lazy-pages: %u processes, %llu faults, %llu pages copied, %llu zero pages\n",
		d->nr, (unsigned long long)faults, (unsigned long long)copied,
		(unsigned long long)zeroed);
}

int cr_lazy_pages(int dfd)
{
	struct lazy_daemon d = { .dfd = dfd, .lsk = -1, .csk = -1, .wsk = -1, .ps_sk = -1 };
	const char *delay = getenv("CRIU_LAZY_PUSH_DELAY_MS");
	unsigned int i;
	int ret = 0;

	if (delay)
		d.push_delay_us = strtoull(delay, NULL, 10) * 1000;
	d.buf = malloc(LAZY_BUF_PAGES * PAGE_SIZE);
	if (!d.buf)
		return -ENOMEM;
	/* before the sockets: the watchdog must not keep them open */
	d.wsk = lazy_watchdog_start();
	if (d.wsk < 0)
		ret = d.wsk;
	/*
	 * Listening first lets the restore read its images while this reads
	 * the same; it is accepted (and greeted) only once the images and the
	 * source are good, and creates nothing before.
	 */
	if (!ret)
		ret = listen_socket(&d);
	if (!ret)
		ret = status_ready();
	if (!ret)
		ret = read_tree(&d);
	if (!ret)
		ret = connect_source(&d);
	if (!ret && setup_fault(&d))
		ret = -EIO;
	if (!ret) {
		pr_info("lazy-pages: waiting for the restore on %s\n", LAZY_SOCKET_NAME);
		ret = serve(&d);
	}
	if (!ret && d.ps_sk >= 0)
		ret = lazy_remote_close(d.ps_sk);
	if (!ret) {
		ret = lazy_watchdog_done(d.wsk);
		print_totals(&d);
	}
	ps_close(d.ps_sk);
	if (ret)
		pr_err("lazy-pages failed (%d): the restored tree is killed\n", ret);
	stop_listening(&d);
	if (d.csk >= 0)
		close(d.csk);
	/* last: without "done" the watchdog kills the tree, then lets the areas go */
	if (d.wsk >= 0)
		close(d.wsk);
	for (i = 0; i < d.nr; i++)
		lazy_proc_free(d.procs[i]);
	free(d.procs);
	free_tree(&d);
	free(d.buf);
	return ret;
}
