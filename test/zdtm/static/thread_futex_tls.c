// SPDX-License-Identifier: GPL-2.0
/*
 * thread_futex_tls: 8 threads with thread-local data of their own (__thread
 * values and a buffer, at addresses they note), dumped while blocked in
 * glibc's synchronisation: thread 0 holds a mutex that threads 1-3 wait for
 * in pthread_mutex_lock(), and 0 and 4-7 wait in pthread_cond_wait(). After
 * restore a broadcast must wake the waiters, the mutex must pass from
 * thread to thread, a token must go round all threads through raw futex
 * words, and every thread must find its thread-local data unchanged.
 */
#include <errno.h>
#include <linux/futex.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "zdtmtst.h"

#define NR_THREADS	8
#define SEED		0x746c7321ULL

struct thread {
	int index;
	void *tls_addr;
	volatile int ready;
	char bad[200];
};

static struct thread threads[NR_THREADS];
static pthread_mutex_t cond_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t held = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cond = PTHREAD_COND_INITIALIZER;
static int go;
static volatile int ring[NR_THREADS + 1];	/* the last word: the token is back */
static volatile int waiting;			/* threads in the cond wait */

static __thread uint64_t tls_val;
static __thread char tls_buf[256];

static void set_tls(struct thread *t)
{
	tls_val = SEED * (t->index + 1);
	datagen(tls_buf, sizeof(tls_buf), SEED + t->index);
	t->tls_addr = &tls_val;
}

static int check_tls(struct thread *t)
{
	if ((void *)&tls_val != t->tls_addr || tls_val != SEED * (t->index + 1)) {
		snprintf(t->bad, sizeof(t->bad), "tls value %#llx at %p, was %#llx at %p",
			 (unsigned long long)tls_val, (void *)&tls_val,
			 (unsigned long long)SEED * (t->index + 1), t->tls_addr);
		return -1;
	}
	if (datacheck(tls_buf, sizeof(tls_buf), SEED + t->index) >= 0) {
		snprintf(t->bad, sizeof(t->bad), "tls buffer changed at byte %zd",
			 datacheck(tls_buf, sizeof(tls_buf), SEED + t->index));
		return -1;
	}
	return 0;
}

static void wait_go(void)
{
	pthread_mutex_lock(&cond_lock);
	waiting++;
	while (!go)
		pthread_cond_wait(&cond, &cond_lock);
	pthread_mutex_unlock(&cond_lock);
}

static void pass_token(int i)
{
	while (!ring[i])
		syscall(SYS_futex, &ring[i], FUTEX_WAIT_PRIVATE, 0, NULL, NULL, 0);
	ring[i + 1] = 1;
	syscall(SYS_futex, &ring[i + 1], FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0);
}

static void *thread_main(void *arg)
{
	struct thread *t = arg;

	set_tls(t);
	if (t->index == 0)
		pthread_mutex_lock(&held);
	t->ready = 1;
	if (t->index >= 1 && t->index <= 3) {
		pthread_mutex_lock(&held);		/* blocks until 0 lets go */
		pthread_mutex_unlock(&held);
	} else {
		wait_go();
	}
	if (t->index == 0)
		pthread_mutex_unlock(&held);
	if (test_broken() && t->index == 5)
		tls_buf[7] ^= 1;
	check_tls(t);
	pass_token(t->index);
	return NULL;
}

/* Threads 1-3 are blocked in the kernel on the mutex, the others in the cond wait. */
static int wait_blocked(void)
{
	for (int t = 0; t < NR_THREADS; t++)
		while (!threads[t].ready)
			usleep(1000);
	for (int i = 0; i < 5000; i++) {
		int nr;

		pthread_mutex_lock(&cond_lock);
		nr = waiting;
		pthread_mutex_unlock(&cond_lock);
		if (nr == NR_THREADS - 3)
			break;
		usleep(1000);
	}
	usleep(100 * 1000);	/* for 1-3 to get into FUTEX_WAIT */
	return 0;
}

static int finish(pthread_t *ids)
{
	struct timespec deadline;

	pthread_mutex_lock(&cond_lock);
	go = 1;
	pthread_cond_broadcast(&cond);
	pthread_mutex_unlock(&cond_lock);
	ring[0] = 1;
	syscall(SYS_futex, &ring[0], FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0);
	clock_gettime(CLOCK_REALTIME, &deadline);
	deadline.tv_sec += 10;
	for (int t = 0; t < NR_THREADS; t++) {
		int ret = pthread_timedjoin_np(ids[t], NULL, &deadline);

		if (ret) {
			fail("thread %d did not finish: %s (token at %d)", t, strerror(ret), t);
			return -1;
		}
		if (threads[t].bad[0]) {
			fail("thread %d: %s", t, threads[t].bad);
			return -1;
		}
	}
	if (!ring[NR_THREADS]) {
		fail("the token did not come back");
		return -1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	pthread_t ids[NR_THREADS];
	int ret;

	ret = test_init(argc, argv, 0);
	if (ret)
		return test_init_exit(ret);
	for (int t = 0; t < NR_THREADS; t++)
		threads[t].index = t;
	if (test_threads_start(ids, NR_THREADS, thread_main, threads, sizeof(threads[0])))
		return 1;
	if (wait_blocked() || test_daemon())
		return 1;
	test_waitsig();

	if (finish(ids))
		return 1;
	pass();
	return 0;
}
