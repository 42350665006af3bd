// SPDX-License-Identifier: GPL-2.0
/*
 * eventfd00: two eventfds at chosen numbers. One non-blocking with a
 * counter above 32 bits, one a blocking EFD_SEMAPHORE at 3. After restore:
 * the first reads its whole counter once and is then empty; the second
 * reads 1 three times, then is empty; flags and fdinfo's semaphore line
 * are the same.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "zdtmtst.h"

#define FD_COUNTER	21
#define FD_SEM		22
#define COUNTER		((1ULL << 40) + 5)
#define SEM_COUNT	3

static int semaphore_line(int fd)
{
	char buf[512];
	const char *v;

	if (test_fdinfo(fd, buf, sizeof(buf)))
		return -1;
	v = strstr(buf, "eventfd-semaphore:");
	return v ? atoi(v + 18) : -1;
}

static int check_counter(void)
{
	uint64_t v;

	if (!(fcntl(FD_COUNTER, F_GETFL) & O_NONBLOCK)) {
		fail("fd %d lost O_NONBLOCK", FD_COUNTER);
		return -1;
	}
	if (read(FD_COUNTER, &v, sizeof(v)) != sizeof(v) || v != COUNTER) {
		fail("fd %d read %llu, want %llu: %m", FD_COUNTER, (unsigned long long)v,
		     (unsigned long long)COUNTER);
		return -1;
	}
	if (read(FD_COUNTER, &v, sizeof(v)) != -1 || errno != EAGAIN) {
		fail("fd %d is not empty after reading its counter", FD_COUNTER);
		return -1;
	}
	if (semaphore_line(FD_COUNTER) != 0) {
		fail("fd %d: eventfd-semaphore is not 0", FD_COUNTER);
		return -1;
	}
	return 0;
}

static int check_semaphore(void)
{
	uint64_t v;
	int i;

	if (fcntl(FD_SEM, F_GETFL) & O_NONBLOCK) {
		fail("fd %d became non-blocking", FD_SEM);
		return -1;
	}
	if (semaphore_line(FD_SEM) != 1) {
		fail("fd %d: eventfd-semaphore is not 1", FD_SEM);
		return -1;
	}
	for (i = 0; i < SEM_COUNT; i++) {
		if (read(FD_SEM, &v, sizeof(v)) != sizeof(v) || v != 1) {
			fail("fd %d: read %d gave %llu, want 1: %m", FD_SEM, i,
			     (unsigned long long)v);
			return -1;
		}
	}
	fcntl(FD_SEM, F_SETFL, O_NONBLOCK);
	if (read(FD_SEM, &v, sizeof(v)) != -1 || errno != EAGAIN) {
		fail("fd %d: more than %d in the semaphore", FD_SEM, SEM_COUNT);
		return -1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	uint64_t v = COUNTER;
	int ret;

	ret = test_init(argc, argv, 0);
	if (ret)
		return test_init_exit(ret);
	if (test_move_fd(eventfd(0, EFD_NONBLOCK), FD_COUNTER) ||
	    test_move_fd(eventfd(SEM_COUNT, EFD_SEMAPHORE), FD_SEM))
		return 1;
	if (write(FD_COUNTER, &v, sizeof(v)) != sizeof(v)) {
		fail("write the counter: %m");
		return 1;
	}

	if (test_daemon())
		return 1;
	test_waitsig();

	if (test_broken()) {
		v = 1;
		if (write(FD_SEM, &v, sizeof(v)) != sizeof(v))
			fail("break: %m");
	}
	if (check_counter() || check_semaphore())
		return 1;
	pass();
	return 0;
}
