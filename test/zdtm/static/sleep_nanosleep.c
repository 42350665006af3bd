// SPDX-License-Identifier: GPL-2.0
/*
 * sleep_nanosleep: the process spends the test asleep in nanosleep() toward
 * a deadline an hour away, as a program that sleeps and resumes after EINTR
 * would. Across checkpoint/restore the sleep may be interrupted a few times,
 * but it must neither fail, nor end before the deadline, nor spin; the
 * remaining time it reports must be sane; SIGTERM must end it.
 */
#include <errno.h>
#include <signal.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "zdtmtst.h"

#define NSEC		1000000000LL
#define SLEEP_SEC	3600
#define MAX_WAKEUPS	10	/* dump + restore cost a couple; more is spinning */

static long long now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * NSEC + ts.tv_nsec;
}

static int sleep_until_stopped(void)
{
	long long deadline = now_ns() + SLEEP_SEC * NSEC, left;
	struct timespec req, rem;
	int wakeups = 0;

	for (;;) {
		left = deadline - now_ns();
		req.tv_sec = left / NSEC;
		req.tv_nsec = left % NSEC;
		if (!nanosleep(&req, &rem)) {
			fail("nanosleep(%lds) returned 0 %lld ns before the deadline",
			     (long)req.tv_sec, deadline - now_ns());
			return -1;
		}
		if (errno != EINTR) {
			fail("nanosleep: %m");
			return -1;
		}
		if (rem.tv_sec > req.tv_sec + 1 || rem.tv_nsec >= NSEC || rem.tv_sec < 0) {
			fail("nanosleep remaining time %ld.%09ld out of range (asked %ld s)",
			     (long)rem.tv_sec, rem.tv_nsec, (long)req.tv_sec);
			return -1;
		}
		if (test_stop)
			break;
		test_msg("nanosleep interrupted without SIGTERM, %lds left", (long)rem.tv_sec);
		if (++wakeups > MAX_WAKEUPS || test_broken()) {
			fail("nanosleep interrupted %d times without a signal", wakeups);
			return -1;
		}
	}
	test_msg("woken by SIGTERM after %d spurious wakeups", wakeups);
	return 0;
}

static void noop(int sig)
{
}

int main(int argc, char **argv)
{
	int ret;

	ret = test_init(argc, argv, 0);
	if (ret)
		return test_init_exit(ret);

	if (test_daemon())
		return 1;
	if (test_broken()) {
		/* A wakeup that is not SIGTERM, as a broken restore would give. */
		struct itimerval soon = { .it_value = { 0, 1000 } };

		signal(SIGALRM, noop);
		setitimer(ITIMER_REAL, &soon, NULL);
	}
	if (sleep_until_stopped())
		return 1;
	pass();
	return 0;
}
