// SPDX-License-Identifier: GPL-2.0
/*
 * itimers: the three setitimer() timers armed with values and intervals.
 * After restore each must have its interval and a value that is not
 * larger than before and not expired (real: within a minute of it).
 */
#include <sys/time.h>

#include "zdtmtst.h"

static const struct {
	int which;
	const char *name;
	struct itimerval val;
} timers[] = {
	{ ITIMER_REAL, "real", { { 10, 250000 }, { 1000, 0 } } },
	{ ITIMER_VIRTUAL, "virtual", { { 0, 0 }, { 500, 5000 } } },
	{ ITIMER_PROF, "prof", { { 1, 0 }, { 700, 0 } } },
};

static long long us(const struct timeval *t)
{
	return t->tv_sec * 1000000LL + t->tv_usec;
}

static int check(int i, const struct itimerval *was)
{
	struct itimerval now;

	if (getitimer(timers[i].which, &now)) {
		fail("getitimer %s: %m", timers[i].name);
		return -1;
	}
	if (us(&now.it_interval) != us(&was->it_interval) || !us(&now.it_value) ||
	    us(&now.it_value) > us(&was->it_value) ||
	    us(&was->it_value) - us(&now.it_value) > 60 * 1000000LL) {
		fail("itimer %s: value %lld us interval %lld us, was %lld %lld",
		     timers[i].name, us(&now.it_value), us(&now.it_interval),
		     us(&was->it_value), us(&was->it_interval));
		return -1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct itimerval was[3];
	int ret;

	ret = test_init(argc, argv, 0);
	if (ret)
		return test_init_exit(ret);
	for (int i = 0; i < 3; i++)
		if (setitimer(timers[i].which, &timers[i].val, NULL) ||
		    getitimer(timers[i].which, &was[i])) {
			fail("setitimer %s: %m", timers[i].name);
			return 1;
		}
	if (test_daemon())
		return 1;
	test_waitsig();

	if (test_broken()) {
		struct itimerval off = {};

		setitimer(ITIMER_PROF, &off, NULL);
	}
	for (int i = 0; i < 3; i++)
		if (check(i, &was[i]))
			return 1;
	pass();
	return 0;
}
