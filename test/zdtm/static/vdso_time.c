// SPDX-License-Identifier: GPL-2.0
/*
 * vdso_time: libc's time functions go through the vDSO; after restore they
 * must still work (the vDSO and its data page mapped where libc expects them)
 * and give sane answers: agreeing with the real syscalls, monotonic clocks
 * not going back from before the dump, realtime not jumping.
 */
#include <stdlib.h>
#include <signal.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "zdtmtst.h"

#define NSEC		1000000000LL
#define SLACK		(2 * NSEC)	/* vdso vs syscall, gettimeofday vs clock */
#define MAX_GAP		(3600 * NSEC)	/* a checkpoint taking longer is not sane */

static const clockid_t clocks[] = { CLOCK_REALTIME, CLOCK_MONOTONIC, CLOCK_BOOTTIME,
				    CLOCK_MONOTONIC_RAW, CLOCK_REALTIME_COARSE,
				    CLOCK_MONOTONIC_COARSE };

static long long ts_ns(const struct timespec *ts)
{
	return ts->tv_sec * NSEC + ts->tv_nsec;
}

static int read_clocks(long long *vdso, long long *sys)
{
	struct timespec ts;

	for (size_t i = 0; i < ARRAY_SIZE(clocks); i++) {
		if (clock_gettime(clocks[i], &ts)) {
			fail("clock_gettime(%d): %m", clocks[i]);
			return -1;
		}
		vdso[i] = ts_ns(&ts);
		if (syscall(SYS_clock_gettime, clocks[i], &ts)) {
			fail("syscall clock_gettime(%d): %m", clocks[i]);
			return -1;
		}
		sys[i] = ts_ns(&ts);
	}
	return 0;
}

static int check_clocks(const long long *before)
{
	long long vdso[ARRAY_SIZE(clocks)], sys[ARRAY_SIZE(clocks)];

	if (read_clocks(vdso, sys))
		return -1;
	if (test_broken())
		vdso[1] -= 10 * NSEC;
	for (size_t i = 0; i < ARRAY_SIZE(clocks); i++) {
		long long d = sys[i] - vdso[i];

		if (d < -SLACK || d > SLACK) {
			fail("clock %d: vDSO says %lld ns, syscall %lld ns", clocks[i], vdso[i], sys[i]);
			return -1;
		}
		if (vdso[i] < before[i] || vdso[i] - before[i] > MAX_GAP) {
			fail("clock %d went from %lld to %lld ns", clocks[i], before[i], vdso[i]);
			return -1;
		}
	}
	return 0;
}

static int check_others(void)
{
	struct timespec rt;
	struct timeval tv;
	time_t t;

	if (gettimeofday(&tv, NULL) || clock_gettime(CLOCK_REALTIME, &rt)) {
		fail("gettimeofday/clock_gettime: %m");
		return -1;
	}
	t = time(NULL);
	if (llabs(tv.tv_sec * NSEC + tv.tv_usec * 1000LL - ts_ns(&rt)) > SLACK ||
	    llabs((long long)t - rt.tv_sec) > 2) {
		fail("gettimeofday %ld.%06ld / time %ld disagree with CLOCK_REALTIME %ld",
		     tv.tv_sec, tv.tv_usec, (long)t, rt.tv_sec);
		return -1;
	}
	return 0;
}

/* Many calls in a row: a monotonic clock never goes back. */
static int check_monotonic(void)
{
	struct timespec ts;
	long long prev = 0;

	for (int i = 0; i < 100000; i++) {
		clock_gettime(CLOCK_MONOTONIC, &ts);
		if (ts_ns(&ts) < prev) {
			fail("CLOCK_MONOTONIC went back by %lld ns", prev - ts_ns(&ts));
			return -1;
		}
		prev = ts_ns(&ts);
	}
	return 0;
}

static int check_vdso_mapped(unsigned long vdso)
{
	struct test_vma vma;

	if (!vdso)
		return 0;
	if (test_vma_find(vdso, &vma) || strcmp(vma.path, "[vdso]")) {
		fail("AT_SYSINFO_EHDR %#lx is not in [vdso] (it is in '%s')", vdso, vma.path);
		return -1;
	}
	return 0;
}

/* A restore that loses the vDSO makes libc's time functions jump nowhere. */
static void crash_handler(int sig, siginfo_t *si, void *ctx)
{
	fail("signal %d at %p in the time functions: vDSO unusable", sig, si->si_addr);
	_exit(1);
}

static int catch_crash(void)
{
	struct sigaction sa = { .sa_sigaction = crash_handler, .sa_flags = SA_SIGINFO };

	if (sigaction(SIGSEGV, &sa, NULL) || sigaction(SIGBUS, &sa, NULL)) {
		fail("install crash handlers: %m");
		return -1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	long long before[ARRAY_SIZE(clocks)], sys[ARRAY_SIZE(clocks)];
	unsigned long vdso = getauxval(AT_SYSINFO_EHDR);
	int ret;

	ret = test_init(argc, argv, 0);
	if (ret)
		return test_init_exit(ret);
	if (catch_crash() || check_vdso_mapped(vdso) || check_others() ||
	    read_clocks(before, sys))
		return 1;

	if (test_daemon())
		return 1;
	test_waitsig();

	if (check_vdso_mapped(vdso) || check_clocks(before) || check_others() ||
	    check_monotonic())
		return 1;
	pass();
	return 0;
}
