// SPDX-License-Identifier: GPL-2.0
/*
 * epoll01: registrations whose number no longer holds the file. An
 * eventfd registered as fd 50 lives on as 51 after 50 was closed; a
 * pipe's read end registered as 52 lives on as 53, and 52 now holds
 * another eventfd that is not registered. After restore: 50 is closed,
 * 52 is that unregistered eventfd; fdinfo still lists 50 and 52 with
 * their data; a write to 51 or to the pipe wakes the epoll with the
 * right data, a write to the new 52 does not.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/stat.h>
#include <unistd.h>

#include "zdtmtst.h"

#define EP		49
#define EFD_OLD		50
#define EFD_NOW		51
#define PIPE_OLD	52
#define PIPE_NOW	53
#define PIPE_W		54
#define EFD_DATA	0xe0e0e0e0e0ULL
#define PIPE_DATA	0x5050ULL

static int add(int fd, uint64_t data)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.u64 = data };

	if (epoll_ctl(EP, EPOLL_CTL_ADD, fd, &ev)) {
		fail("epoll_ctl ADD %d: %m", fd);
		return -1;
	}
	return 0;
}

static int listed(int fd, uint64_t data)
{
	char buf[4096], *l;
	unsigned long long d;
	unsigned int events;
	int tfd;

	if (test_fdinfo(EP, buf, sizeof(buf)))
		return -1;
	for (l = buf; (l = strstr(l, "tfd:")); l++)
		if (sscanf(l, "tfd: %d events: %x data: %llx", &tfd, &events, &d) == 3 &&
		    tfd == fd && d == data)
			return 0;
	fail("fd %d with data %#llx is not listed in the epoll", fd, (unsigned long long)data);
	return -1;
}

static int wakes(uint64_t data, const char *what)
{
	struct epoll_event ev[2];
	int n = epoll_wait(EP, ev, 2, 0);

	if (n != 1 || ev[0].data.u64 != data) {
		fail("%s: %d events (first data %#llx), want one with %#llx", what, n,
		     n > 0 ? (unsigned long long)ev[0].data.u64 : 0ULL,
		     (unsigned long long)data);
		return -1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct epoll_event ev;
	uint64_t one = 1;
	int p[2], ret;
	char c = 'y';

	ret = test_init(argc, argv, 0);
	if (ret)
		return test_init_exit(ret);
	if (test_move_fd(epoll_create1(0), EP) || test_move_fd(eventfd(0, EFD_NONBLOCK), EFD_OLD) ||
	    pipe2(p, O_NONBLOCK) || test_move_fd(p[0], PIPE_OLD) || test_move_fd(p[1], PIPE_W))
		return 1;
	if (add(EFD_OLD, EFD_DATA) || add(PIPE_OLD, PIPE_DATA))
		return 1;
	if (dup2(EFD_OLD, EFD_NOW) != EFD_NOW || dup2(PIPE_OLD, PIPE_NOW) != PIPE_NOW) {
		fail("dup2: %m");
		return 1;
	}
	close(EFD_OLD);
	if (test_move_fd(eventfd(0, EFD_NONBLOCK), PIPE_OLD))
		return 1;

	if (test_daemon())
		return 1;
	test_waitsig();

	if (test_broken())
		close(EFD_NOW);
	if (fcntl(EFD_OLD, F_GETFD) != -1 || errno != EBADF) {
		fail("fd %d is open after restore", EFD_OLD);
		return 1;
	}
	if (listed(EFD_OLD, EFD_DATA) || listed(PIPE_OLD, PIPE_DATA))
		return 1;
	if (epoll_wait(EP, &ev, 1, 0) != 0) {
		fail("something is ready after restore (data %#llx)",
		     (unsigned long long)ev.data.u64);
		return 1;
	}
	if (write(PIPE_OLD, &one, sizeof(one)) != sizeof(one) || epoll_wait(EP, &ev, 1, 0) != 0) {
		fail("the eventfd now at %d is registered", PIPE_OLD);
		return 1;
	}
	if (write(EFD_NOW, &one, sizeof(one)) != sizeof(one) || wakes(EFD_DATA, "eventfd"))
		return 1;
	if (read(EFD_NOW, &one, sizeof(one)) != sizeof(one))
		return 1;
	if (write(PIPE_W, &c, 1) != 1 || wakes(PIPE_DATA, "pipe"))
		return 1;
	pass();
	return 0;
}
