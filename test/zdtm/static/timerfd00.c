// SPDX-License-Identifier: GPL-2.0
/*
 * timerfd00: four timerfds.
 *   30: CLOCK_MONOTONIC, periodic every 20 ms from the start
 *   31: CLOCK_REALTIME, one-shot in an hour (relative)
 *   32: CLOCK_BOOTTIME, one-shot of 1 ms, expired and unread at the dump
 *   33: CLOCK_MONOTONIC, absolute one-shot an hour after the start
 * After restore: 30 has as many expirations as 20 ms periods went by since
 * the start, stopped time included; 31 and 33 have what is left of their
 * hour, not more (the stopped time counts); 32 reads one expiration and
 * is disarmed; clocks and periods are the same in fdinfo.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#include "zdtmtst.h"

#define FD_PERIODIC	30
#define FD_ONESHOT	31
#define FD_EXPIRED	32
#define FD_ABS		33
#define PERIOD_NS	20000000LL
#define HOUR_NS		3600000000000LL
#define NSEC		1000000000LL
/* slack for scheduling delays between reading a clock and the timer */
#define SLACK_NS	30000000LL

static int64_t now_ns(clockid_t c)
{
	struct timespec ts;

	clock_gettime(c, &ts);
	return ts.tv_sec * NSEC + ts.tv_nsec;
}

static struct timespec ts_of(int64_t ns)
{
	struct timespec ts = { ns / NSEC, ns % NSEC };

	return ts;
}

static int make(int at, clockid_t c, int flags, int64_t value, int64_t period)
{
	struct itimerspec its = { .it_interval = ts_of(period), .it_value = ts_of(value) };

	if (test_move_fd(timerfd_create(c, TFD_NONBLOCK), at))
		return -1;
	if (timerfd_settime(at, flags, &its, NULL)) {
		fail("timerfd %d on clock %d: %m", at, c);
		return -1;
	}
	return 0;
}

static int fdinfo_clock(int fd)
{
	char buf[512];
	const char *v;

	if (test_fdinfo(fd, buf, sizeof(buf)))
		return -1;
	v = strstr(buf, "clockid:");
	return v ? atoi(v + 8) : -1;
}

static int64_t left_ns(int fd, int64_t *period)
{
	struct itimerspec its;

	if (timerfd_gettime(fd, &its))
		return -1;
	if (period)
		*period = its.it_interval.tv_sec * NSEC + its.it_interval.tv_nsec;
	return its.it_value.tv_sec * NSEC + its.it_value.tv_nsec;
}

static int check_clock(int fd, clockid_t c)
{
	if (fdinfo_clock(fd) != c) {
		fail("fd %d: clock %d, want %d", fd, fdinfo_clock(fd), c);
		return -1;
	}
	return 0;
}

static int check_periodic(int64_t start)
{
	int64_t elapsed = now_ns(CLOCK_MONOTONIC) - start, period;
	uint64_t ticks = 0, want = elapsed / PERIOD_NS;

	if (read(FD_PERIODIC, &ticks, sizeof(ticks)) != sizeof(ticks)) {
		fail("fd %d: no expirations: %m", FD_PERIODIC);
		return -1;
	}
	/* one period of slack either way for the reads of the clock */
	if (ticks + 1 < want || ticks > want + 1) {
		fail("fd %d: %llu expirations in %lld ms of %lld ms periods, want %llu",
		     FD_PERIODIC, (unsigned long long)ticks, (long long)elapsed / 1000000,
		     PERIOD_NS / 1000000, (unsigned long long)want);
		return -1;
	}
	if (left_ns(FD_PERIODIC, &period) < 0 || period != PERIOD_NS) {
		fail("fd %d: period %lld ns, want %lld", FD_PERIODIC, (long long)period,
		     PERIOD_NS);
		return -1;
	}
	return check_clock(FD_PERIODIC, CLOCK_MONOTONIC);
}

/* What is left of an hour that began at @start on @c. */
static int check_hour(int fd, clockid_t c, int64_t start)
{
	int64_t left = left_ns(fd, NULL), want = HOUR_NS - (now_ns(c) - start);
	uint64_t ticks;

	if (left < want - SLACK_NS || left > want + SLACK_NS) {
		fail("fd %d: %lld ms left, want %lld ms", fd, (long long)left / 1000000,
		     (long long)want / 1000000);
		return -1;
	}
	if (read(fd, &ticks, sizeof(ticks)) != -1 || errno != EAGAIN) {
		fail("fd %d expired", fd);
		return -1;
	}
	return check_clock(fd, c);
}

static int check_expired(void)
{
	uint64_t ticks = 0;

	if (read(FD_EXPIRED, &ticks, sizeof(ticks)) != sizeof(ticks) || ticks != 1) {
		fail("fd %d: read %llu expirations, want 1: %m", FD_EXPIRED,
		     (unsigned long long)ticks);
		return -1;
	}
	if (left_ns(FD_EXPIRED, NULL) != 0) {
		fail("fd %d is armed again", FD_EXPIRED);
		return -1;
	}
	return check_clock(FD_EXPIRED, CLOCK_BOOTTIME);
}

int main(int argc, char **argv)
{
	int64_t mono0, real0;
	int ret;

	ret = test_init(argc, argv, 0);
	if (ret)
		return test_init_exit(ret);
	mono0 = now_ns(CLOCK_MONOTONIC);
	real0 = now_ns(CLOCK_REALTIME);
	if (make(FD_PERIODIC, CLOCK_MONOTONIC, 0, PERIOD_NS, PERIOD_NS) ||
	    make(FD_ONESHOT, CLOCK_REALTIME, 0, HOUR_NS, 0) ||
	    make(FD_EXPIRED, CLOCK_BOOTTIME, 0, 1000000, 0) ||
	    make(FD_ABS, CLOCK_MONOTONIC, TFD_TIMER_ABSTIME, mono0 + HOUR_NS, 0))
		return 1;
	usleep(2000);

	if (test_daemon())
		return 1;
	test_waitsig();

	if (test_broken()) {
		struct itimerspec its = { .it_value = ts_of(HOUR_NS) };

		timerfd_settime(FD_ONESHOT, 0, &its, NULL);
	}
	if (check_periodic(mono0) || check_hour(FD_ONESHOT, CLOCK_REALTIME, real0) ||
	    check_hour(FD_ABS, CLOCK_MONOTONIC, mono0) || check_expired())
		return 1;
	pass();
	return 0;
}
