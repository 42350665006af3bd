// SPDX-License-Identifier: GPL-2.0
/*
 * epoll00: an epoll (40) with a pipe's read end (EPOLLIN|EPOLLET), an
 * eventfd (EPOLLOUT|EPOLLONESHOT, already fired, so disarmed), a second
 * eventfd (EPOLLIN|EPOLLEXCLUSIVE) and a nested epoll (41, EPOLLIN)
 * registered, each with its own 64-bit data; the nested one has the
 * first eventfd (EPOLLIN). After restore: fdinfo of both lists the same
 * numbers, events and data; nothing is ready; a byte in the pipe comes
 * out with the pipe's data, a write to the eventfd wakes the nested
 * epoll with its data and the outer one with the nested one's data;
 * EPOLL_CTL_MOD by the old number works.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "zdtmtst.h"

#define EP		40
#define EP_IN		41
#define PIPE_R		42
#define PIPE_W		43
#define EFD		44
#define EFD_EX		45

struct reg {
	int ep, fd;
	uint32_t events;	/* as fdinfo shows them */
	uint64_t data;
};

/* the kernel adds EPOLLERR and EPOLLHUP to every armed registration */
#define ALWAYS		(EPOLLERR | EPOLLHUP)

static const struct reg regs[] = {
	{ EP, PIPE_R, EPOLLIN | EPOLLET | ALWAYS, 0xdeadbeef00000001ULL },
	{ EP, EFD, EPOLLONESHOT, 0x3333333333333333ULL },	/* fired: disarmed */
	{ EP, EFD_EX, EPOLLIN | EPOLLEXCLUSIVE | ALWAYS, 0x4444 },
	{ EP, EP_IN, EPOLLIN | ALWAYS, 0x2222 },
	{ EP_IN, EFD, EPOLLIN | ALWAYS, 0x1111 },
};

static int add(int ep, int fd, uint32_t events, uint64_t data)
{
	struct epoll_event ev = { .events = events, .data.u64 = data };

	if (epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev)) {
		fail("epoll_ctl ADD %d to %d: %m", fd, ep);
		return -1;
	}
	return 0;
}

/* Is registration @r in fdinfo of its epoll, with its events and data? */
static int check_fdinfo(const struct reg *r)
{
	char buf[4096], *l;
	unsigned long long data;
	unsigned int events;
	int tfd;

	if (test_fdinfo(r->ep, buf, sizeof(buf)))
		return -1;
	for (l = buf; (l = strstr(l, "tfd:")); l++) {
		if (sscanf(l, "tfd: %d events: %x data: %llx", &tfd, &events, &data) != 3)
			continue;
		if (tfd != r->fd)
			continue;
		if (events != r->events || data != r->data) {
			fail("epoll %d: fd %d has events %#x data %#llx, want %#x %#llx", r->ep,
			     tfd, events, data, r->events, (unsigned long long)r->data);
			return -1;
		}
		return 0;
	}
	fail("epoll %d: fd %d is not registered", r->ep, r->fd);
	return -1;
}

static int wait_one(int ep, uint64_t data, uint32_t events, const char *what)
{
	struct epoll_event ev[4];
	int n = epoll_wait(ep, ev, 4, 0);

	if (n != 1 || ev[0].data.u64 != data || !(ev[0].events & events)) {
		fail("%s: epoll %d gave %d events (first %#llx %#x), want %#llx %#x", what, ep,
		     n, n > 0 ? (unsigned long long)ev[0].data.u64 : 0ULL,
		     n > 0 ? ev[0].events : 0, (unsigned long long)data, events);
		return -1;
	}
	return 0;
}

static int none_ready(int ep, const char *when)
{
	struct epoll_event ev;
	int n = epoll_wait(ep, &ev, 1, 0);

	if (n != 0) {
		fail("%s: epoll %d has %d ready (data %#llx)", when, ep, n,
		     n > 0 ? (unsigned long long)ev.data.u64 : 0ULL);
		return -1;
	}
	return 0;
}

static int check_events(void)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.u64 = 0x5555 };
	uint64_t one = 1;
	char c = 'x';

	if (none_ready(EP, "after restore") || none_ready(EP_IN, "after restore"))
		return -1;
	if (write(PIPE_W, &c, 1) != 1 || wait_one(EP, regs[0].data, EPOLLIN, "pipe"))
		return -1;
	if (read(PIPE_R, &c, 1) != 1)
		return -1;
	if (write(EFD, &one, sizeof(one)) != sizeof(one))
		return -1;
	if (wait_one(EP_IN, regs[4].data, EPOLLIN, "eventfd in the nested epoll") ||
	    wait_one(EP, regs[3].data, EPOLLIN, "nested epoll"))
		return -1;
	if (read(EFD, &one, sizeof(one)) != sizeof(one))
		return -1;
	/* the registration is keyed by the old number */
	if (epoll_ctl(EP, EPOLL_CTL_MOD, PIPE_R, &ev)) {
		fail("EPOLL_CTL_MOD of fd %d: %m", PIPE_R);
		return -1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct epoll_event ev;
	int p[2], ret;
	size_t i;

	ret = test_init(argc, argv, 0);
	if (ret)
		return test_init_exit(ret);
	if (pipe2(p, O_NONBLOCK) || test_move_fd(p[0], PIPE_R) || test_move_fd(p[1], PIPE_W) ||
	    test_move_fd(eventfd(0, EFD_NONBLOCK), EFD) || test_move_fd(eventfd(0, EFD_NONBLOCK), EFD_EX) ||
	    test_move_fd(epoll_create1(0), EP) || test_move_fd(epoll_create1(0), EP_IN) ||
	    fcntl(EP_IN, F_SETFD, FD_CLOEXEC))
		return 1;
	if (add(EP, PIPE_R, EPOLLIN | EPOLLET, regs[0].data) ||
	    add(EP, EFD, EPOLLOUT | EPOLLONESHOT, regs[1].data) ||
	    add(EP, EFD_EX, EPOLLIN | EPOLLEXCLUSIVE, regs[2].data) ||
	    add(EP, EP_IN, EPOLLIN, regs[3].data) || add(EP_IN, EFD, EPOLLIN, regs[4].data))
		return 1;
	/* fire the one-shot: it stays registered, disarmed */
	if (epoll_wait(EP, &ev, 1, 0) != 1 || ev.data.u64 != regs[1].data) {
		fail("the one-shot did not fire");
		return 1;
	}
	for (i = 0; i < ARRAY_SIZE(regs); i++)
		if (check_fdinfo(&regs[i]))
			return 1;

	if (test_daemon())
		return 1;
	test_waitsig();

	if (test_broken())
		epoll_ctl(EP_IN, EPOLL_CTL_DEL, EFD, NULL);
	for (i = 0; i < ARRAY_SIZE(regs); i++)
		if (check_fdinfo(&regs[i]))
			return 1;
	if (!(fcntl(EP_IN, F_GETFD) & FD_CLOEXEC) || (fcntl(EP, F_GETFD) & FD_CLOEXEC)) {
		fail("FD_CLOEXEC of the epolls changed");
		return 1;
	}
	if (check_events())
		return 1;
	pass();
	return 0;
}
