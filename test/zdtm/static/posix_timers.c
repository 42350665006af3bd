// SPDX-License-Identifier: GPL-2.0
/*
 * posix_timers: POSIX timers on several clocks with each kind of
 * notification (a signal to the process, SIGEV_NONE, SIGEV_THREAD_ID to
 * the thread), with values and intervals, and a gap in their ids. After
 * restore /proc/self/timers must read as before (ids, signals, values
 * handed to the handler, notification, clocks), each timer must have its
 * interval and no more time left than before, the gap must stay free,
 * and a timer must still fire.
 */
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "zdtmtst.h"

#define NR_TIMERS	5

struct spec {
	clockid_t clock;
	int notify, signo;
	long value_s, interval_ms;
};

static const struct spec specs[NR_TIMERS] = {
	{ CLOCK_MONOTONIC, SIGEV_SIGNAL, 0, 1000, 500000 },
	{ CLOCK_REALTIME, SIGEV_NONE, 0, 2000, 0 },
	{ CLOCK_BOOTTIME, SIGEV_THREAD_ID, 0, 300, 7500 },
	{ CLOCK_PROCESS_CPUTIME_ID, SIGEV_NONE, 0, 100, 1 },
	{ CLOCK_MONOTONIC, SIGEV_SIGNAL, 0, 0, 0 },	/* created, never armed */
};

static timer_t timers[NR_TIMERS], gap;
static struct itimerspec before[NR_TIMERS];
static char proc_before[4096];
static volatile sig_atomic_t fired;

static void on_timer(int sig, siginfo_t *si, void *uc)
{
	if (si->si_code == SI_TIMER && si->si_value.sival_int == 99)
		fired++;
}

static int read_timers(char *buf, size_t len)
{
	FILE *f = fopen("/proc/self/timers", "r");
	size_t n;

	if (!f) {
		fail("open /proc/self/timers: %m");
		return -1;
	}
	n = fread(buf, 1, len - 1, f);
	buf[n] = '\0';
	fclose(f);
	return 0;
}

static int create(int i)
{
	const struct spec *s = &specs[i];
	struct sigevent sev = {
		.sigev_notify = s->notify,
		.sigev_signo = SIGRTMIN + 1 + i,
			.sigev_value.sival_ptr = (void *)(i == 4 ? 99UL : 0x1000UL + i),
	};
	struct itimerspec its = {
		.it_value = { s->value_s, 0 },
		.it_interval = { s->interval_ms / 1000, (s->interval_ms % 1000) * 1000000 },
	};

	if (s->notify == SIGEV_THREAD_ID)
		sev._sigev_un._tid = syscall(SYS_gettid);
	if (timer_create(s->clock, &sev, &timers[i]) ||
	    timer_settime(timers[i], 0, &its, NULL) ||
	    timer_gettime(timers[i], &before[i])) {
		fail("timer %d: %m", i);
		return -1;
	}
	return 0;
}

static int setup(void)
{
	struct sigaction sa = { .sa_sigaction = on_timer, .sa_flags = SA_SIGINFO };

	for (int i = 0; i < NR_TIMERS; i++) {
		if (create(i))
			return -1;
		/* a deleted timer between the first two: its id stays free */
		if (i == 0 && (timer_create(CLOCK_MONOTONIC, NULL, &gap) ||
			       timer_delete(gap))) {
			fail("gap timer: %m");
			return -1;
		}
	}
	for (int i = 0; i < NR_TIMERS; i++)
		sigaction(SIGRTMIN + 1 + i, &sa, NULL);
	return read_timers(proc_before, sizeof(proc_before));
}

static long long ns(const struct timespec *t)
{
	return t->tv_sec * 1000000000LL + t->tv_nsec;
}

static int check_one(int i)
{
	struct itimerspec now;

	if (timer_gettime(timers[i], &now)) {
		fail("timer %d (id %ld) is gone: %m", i, (long)timers[i]);
		return -1;
	}
	if (ns(&now.it_interval) != ns(&before[i].it_interval) ||
	    ns(&now.it_value) > ns(&before[i].it_value) ||
	    (ns(&before[i].it_value) > 0) != (ns(&now.it_value) > 0)) {
		fail("timer %d: value %lld interval %lld, was %lld %lld", i,
		     ns(&now.it_value), ns(&now.it_interval),
		     ns(&before[i].it_value), ns(&before[i].it_interval));
		return -1;
	}
	return 0;
}

/* The unarmed timer, armed now, must deliver its own signal and value. */
static int check_fires(void)
{
	struct itimerspec its = { .it_value = { 0, 20000000 } };
	struct timespec pause = { 0, 10000000 };

	if (timer_settime(timers[4], 0, &its, NULL)) {
		fail("arm timer 4: %m");
		return -1;
	}
	for (int i = 0; i < 100 && !fired; i++)
		nanosleep(&pause, NULL);
	if (!fired) {
		fail("timer 4 did not fire (or not with its own signal value)");
		return -1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	char proc_after[4096];
	int ret;

	ret = test_init(argc, argv, 0);
	if (ret)
		return test_init_exit(ret);
	if (setup())
		return 1;
	if (test_daemon())
		return 1;
	test_waitsig();

	if (test_broken())
		timer_delete(timers[2]);
	if (read_timers(proc_after, sizeof(proc_after)))
		return 1;
	if (strcmp(proc_before, proc_after)) {
		fail("/proc/self/timers differs:\n%s\nwas:\n%s", proc_after, proc_before);
		return 1;
	}
	for (int i = 0; i < NR_TIMERS; i++)
		if (check_one(i))
			return 1;
	if (timer_gettime(gap, &before[0]) == 0) {
		fail("the deleted timer's id %ld exists again", (long)gap);
		return 1;
	}
	if (check_fires())
		return 1;
	pass();
	return 0;
}
