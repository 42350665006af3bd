// SPDX-License-Identifier: GPL-2.0
/*
 * Lazy restore, the restore side (lazy-pages.h). Each process of the
 * tree creates its userfaultfd itself, by injected calls, because a
 * userfaultfd serves the address space of the process that created it;
 * criu takes a duplicate with pidfd_getfd(), closes the task's own, and
 * sends the duplicate with the pid to the daemon, which answers whether
 * it took it. The areas are registered once the process forked its
 * children (they build their own memory) and before anything of the
 * restore can touch its memory, so that every access the kernel or the
 * task makes from then on is served by the daemon.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/userfaultfd.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <unistd.h>

#include "cr_options.h"
#include "lazy-pages.h"
#include "log.h"
#include "pstree.h"
#include "rst-task.h"
#include "uffd-probe.h"

int lazy_connect(struct rst_session *rs)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	char path[64];
	int sk;

	rs->lazy_sk = -1;
	if (!opts.lazy_pages)
		return 0;
	/* the folder by descriptor: its path may be longer than sun_path */
	snprintf(path, sizeof(path), "/proc/self/fd/%d/%s", rs->dfd, LAZY_SOCKET_NAME);
	if (strlen(path) >= sizeof(addr.sun_path))
		return -ENAMETOOLONG;
	strcpy(addr.sun_path, path);
	sk = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (sk < 0) {
		pr_perror("Can't create the socket to the lazy-pages daemon");
		return -errno;
	}
	if (connect(sk, (struct sockaddr *)&addr, sizeof(addr))) {
		pr_perror("Can't connect to the lazy-pages daemon (%s in the image folder);"
			  " start `criu lazy-pages -D DIR` first", LAZY_SOCKET_NAME);
		close(sk);
		return -ECONNREFUSED;
	}
	rs->lazy_sk = sk;
	return 0;
}

int lazy_wait_ready(struct rst_session *rs)
{
	struct lazy_msg m;
	ssize_t n;

	if (rs->lazy_sk < 0)
		return 0;
	pr_info("Waiting for the lazy-pages daemon to read its images\n");
	do
		n = recv(rs->lazy_sk, &m, sizeof(m), 0);
	while (n < 0 && errno == EINTR);
	if (n == sizeof(m) && m.magic == LAZY_MSG_MAGIC && m.type == LAZY_MSG_READY)
		return 0;
	if (n <= 0)
		pr_err("The lazy-pages daemon closed the connection before it was ready"
		       " (it failed, or serves another restore): %s; see its log\n",
		       n ? strerror(errno) : "end of file");
	else
		pr_err("The lazy-pages daemon greeted with %zd bytes that are not its greeting\n", n);
	return -ECONNREFUSED;
}

void lazy_disconnect(struct rst_session *rs)
{
	if (rs->lazy_sk >= 0)
		close(rs->lazy_sk);
	rs->lazy_sk = -1;
}

/* One message, with @fd attached when >= 0, and the daemon's answer. */
static int lazy_send(int sk, uint32_t type, pid_t pid, int fd)
{
	struct lazy_reply r;
	ssize_t n;

	if (lazy_msg_send(sk, type, pid, fd)) {
		pr_err("Can't send pid %d to the lazy-pages daemon\n", pid);
		return -EPIPE;
	}
	n = recv(sk, &r, sizeof(r), 0);
	if (n != sizeof(r)) {
		pr_err("The lazy-pages daemon did not answer for pid %d (%zd)\n", pid, n);
		return -EPIPE;
	}
	if (r.status) {
		pr_err("The lazy-pages daemon refused pid %d: %s\n", pid, strerror(-r.status));
		return r.status < 0 ? r.status : -EINVAL;
	}
	return 0;
}

static int uffd_api(struct rst_ctx *rc, long ufd)
{
	struct uffdio_api api = { .api = UFFD_API, .features = LAZY_UFFD_FEATURES };
	unsigned long a;
	long ret;

	a = rst_scratch_put(rc, &api, sizeof(api));
	if (!a)
		return -ENOSPC;
	ret = rst_syscall(rc, "ioctl(UFFDIO_API)", __NR_ioctl, ufd, UFFDIO_API, a, 0, 0, 0);
	rst_scratch_reset(rc);
	return ret < 0 ? ret : 0;
}

static int uffd_register(struct rst_ctx *rc, long ufd, const VmaEntry *v)
{
	struct uffdio_register reg = {
		.range = { .start = v->start, .len = v->end - v->start },
		.mode = UFFDIO_REGISTER_MODE_MISSING,
	};
	unsigned long a;
	long ret;

	a = rst_scratch_put(rc, &reg, sizeof(reg));
	if (!a)
		return -ENOSPC;
	ret = rst_syscall(rc, "ioctl(UFFDIO_REGISTER)", __NR_ioctl, ufd, UFFDIO_REGISTER,
			  a, 0, 0, 0);
	rst_scratch_reset(rc);
	if (ret < 0)
		pr_err("Pid %d: can't register area %llx-%llx with its userfaultfd\n", rc->pid,
		       (unsigned long long)v->start, (unsigned long long)v->end);
	return ret < 0 ? ret : 0;
}

/* The areas that have pages left to the daemon. */
static int register_areas(struct rst_task *rt, long ufd, unsigned int *nr)
{
	const MmEntry *mm = rt->mm;
	unsigned int i;
	int ret;

	*nr = 0;
	for (i = 0; i < mm->n_vmas; i++) {
		const VmaEntry *v = mm->vmas[i];

		if (!vma_can_be_lazy(v) || !pagemap_has_pages(&rt->lazy, v->start, v->end))
			continue;
		ret = uffd_register(&rt->rc, ufd, v);
		if (ret)
			return ret;
		(*nr)++;
	}
	return 0;
}

/* A duplicate of the task's descriptor @ufd in criu. */
static int take_fd(pid_t pid, long ufd)
{
	int pidfd, fd;

	pidfd = syscall(SYS_pidfd_open, pid, 0);
	if (pidfd < 0) {
		pr_perror("pidfd_open of pid %d", pid);
		return -errno;
	}
	fd = syscall(SYS_pidfd_getfd, pidfd, (int)ufd, 0);
	if (fd < 0)
		pr_perror("Can't take the userfaultfd %ld of pid %d", ufd, pid);
	close(pidfd);
	return fd < 0 ? -errno : fd;
}

int lazy_register_task(struct rst_task *rt)
{
	struct rst_ctx *rc = &rt->rc;
	unsigned int nr = 0;
	long ufd, ret;
	int fd = -1;

	if (!opts.lazy_pages || rc->item->zombie || rt->vm_shared)
		return 0;
	ufd = rst_syscall(rc, "userfaultfd", __NR_userfaultfd, O_CLOEXEC | O_NONBLOCK,
			  0, 0, 0, 0, 0);
	if (ufd < 0)
		return ufd;
	ret = uffd_api(rc, ufd);
	if (!ret)
		ret = register_areas(rt, ufd, &nr);
	if (!ret) {
		fd = take_fd(rc->pid, ufd);
		if (fd < 0)
			ret = fd;
	}
	if (rst_syscall(rc, "close of the userfaultfd", __NR_close, ufd, 0, 0, 0, 0, 0) < 0 &&
	    !ret)
		ret = -EIO;
	if (!ret)
		ret = lazy_send(rc->sess->lazy_sk, LAZY_MSG_TASK, rc->pid, fd);
	if (fd >= 0)
		close(fd);
	if (!ret)
		pr_info("Pid %d: %u areas with %u page ranges left to the lazy-pages daemon\n",
			rc->pid, nr, rt->lazy.nr);
	return ret;
}

int lazy_finish(struct rst_session *rs)
{
	if (!opts.lazy_pages)
		return 0;
	return lazy_send(rs->lazy_sk, LAZY_MSG_DONE, 0, -1);
}
