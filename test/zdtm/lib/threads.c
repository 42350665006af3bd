// SPDX-License-Identifier: GPL-2.0
/*
 * threads.c - starting the threads of a multi-threaded test.
 *
 * The runner's SIGTERM must reach the thread in test_waitsig(): a signal
 * sent to the process goes to any thread that does not block it, so every
 * other thread is born with SIGTERM blocked.
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <string.h>

#include "zdtmtst.h"

int test_threads_start(pthread_t *ids, int nr, void *(*fn)(void *), void *base, size_t stride)
{
	sigset_t term, old;
	int t, ret = 0;

	sigemptyset(&term);
	sigaddset(&term, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &term, &old);
	for (t = 0; t < nr && !ret; t++) {
		ret = pthread_create(&ids[t], NULL, fn, (char *)base + t * stride);
		if (ret)
			fail("pthread_create of thread %d: %s", t, strerror(ret));
	}
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	return -ret;
}

int test_threads_join(pthread_t *ids, int nr, const char *bad, size_t stride)
{
	for (int t = 0; t < nr; t++) {
		const char *why = bad + t * stride;

		pthread_join(ids[t], NULL);
		if (why[0]) {
			fail("thread %d: %s", t, why);
			return -1;
		}
	}
	return 0;
}
