// SPDX-License-Identifier: GPL-2.0
/*
 * thread_rseq_robust: 8 threads, each with its rseq area registered (by
 * glibc), its robust futex list (set_robust_list, by glibc) holding a
 * locked robust mutex, and its clear_child_tid pointed at a word of its own
 * (set_tid_address). After restore each thread must still be registered
 * for rseq with the same area, length and signature (registering again
 * gives EBUSY) and the kernel must keep its cpu_id up to date; its robust
 * list head must be the same. Then each thread exits (the exit system
 * call, no glibc cleanup) holding its mutex: the kernel must clear and wake
 * its clear_child_tid word, and the next locker of the mutex must get
 * EOWNERDEAD. Lost state shows as a word never cleared or a lock that
 * times out.
 */
#include <errno.h>
#include <linux/futex.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/rseq.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "zdtmtst.h"

#define NR_THREADS	8
#define CPU_POISON	0xfffffff0u

struct thread {
	int index;
	pid_t tid;
	struct rseq *rseq;
	unsigned int rseq_len;
	void *robust_head;
	size_t robust_len;
	pthread_mutex_t mutex;
	volatile pid_t ctid;		/* clear_child_tid: the kernel zeroes it at exit */
	volatile int ready;
	char bad[200];
};

static struct thread threads[NR_THREADS];

static long sys_rseq(struct rseq *area, unsigned int len)
{
	return syscall(SYS_rseq, area, len, 0, RSEQ_SIG);
}

/* The length glibc registered the area with: registering again says EBUSY. */
static int rseq_len(struct thread *t)
{
	unsigned int lens[] = { __rseq_size, sizeof(struct rseq), 32 };

	for (size_t i = 0; i < ARRAY_SIZE(lens); i++)
		if (sys_rseq(t->rseq, lens[i]) < 0 && errno == EBUSY)
			return lens[i];
	return -1;
}

static void on_usr1(int sig)
{
}

static int check_rseq(struct thread *t)
{
	if (!sys_rseq(t->rseq, t->rseq_len)) {
		snprintf(t->bad, sizeof(t->bad), "rseq(%p, %u) registered anew: it was not registered",
			 (void *)t->rseq, t->rseq_len);
		return -1;
	}
	if (errno != EBUSY) {
		snprintf(t->bad, sizeof(t->bad),
			 "rseq(%p, %u) gives %m, want EBUSY: not registered as before",
			 (void *)t->rseq, t->rseq_len);
		return -1;
	}
	/* Signal delivery makes the kernel write cpu_id of a registered area. */
	t->rseq->cpu_id = CPU_POISON;
	syscall(SYS_tgkill, getpid(), t->tid, SIGUSR1);
	if (t->rseq->cpu_id == CPU_POISON || t->rseq->cpu_id >= CPU_SETSIZE) {
		snprintf(t->bad, sizeof(t->bad), "rseq cpu_id %#x after a signal: the kernel does not update it",
			 t->rseq->cpu_id);
		return -1;
	}
	return 0;
}

static int check_robust(struct thread *t)
{
	size_t len = 0;
	void *head = NULL;

	if (syscall(SYS_get_robust_list, 0, &head, &len) ||
	    head != t->robust_head || len != t->robust_len) {
		snprintf(t->bad, sizeof(t->bad), "robust list %p/%zu, was %p/%zu", head, len,
			 t->robust_head, t->robust_len);
		return -1;
	}
	return 0;
}

static int set_state(struct thread *t)
{
	t->tid = syscall(SYS_gettid);
	t->ctid = t->tid;
	t->rseq = (struct rseq *)((char *)__builtin_thread_pointer() + __rseq_offset);
	t->rseq_len = rseq_len(t);
	if ((int)t->rseq_len < 0) {
		snprintf(t->bad, sizeof(t->bad), "no rseq registration found (glibc.pthread.rseq=0?)");
		return -1;
	}
	if (syscall(SYS_get_robust_list, 0, &t->robust_head, &t->robust_len) ||
	    pthread_mutex_lock(&t->mutex)) {
		snprintf(t->bad, sizeof(t->bad), "get_robust_list/lock: %m");
		return -1;
	}
	syscall(SYS_set_tid_address, &t->ctid);
	return 0;
}

static void *thread_main(void *arg)
{
	struct timespec tick = { 0, 10 * 1000 * 1000 };
	struct thread *t = arg;
	static struct robust_list_head empty = { .list = { &empty.list } };

	if (set_state(t))
		return NULL;
	t->ready = 1;
	while (!test_stop)
		nanosleep(&tick, NULL);
	if (!check_rseq(t))
		check_robust(t);
	/* A robust list lost on the way: the mutex is not released at exit */
	if (test_broken() && t->index == 5)
		syscall(SYS_set_robust_list, &empty, sizeof(empty));
	syscall(SYS_exit, 0);
	return NULL;
}

/* The thread's exit cleared its word and left the mutex to us. */
static int check_exit(struct thread *t)
{
	struct timespec wait = { 5, 0 }, deadline;
	pid_t v;
	int ret;

	while ((v = t->ctid)) {
		if (syscall(SYS_futex, &t->ctid, FUTEX_WAIT, v, &wait, NULL, 0) &&
		    errno == ETIMEDOUT) {
			fail("thread %d: clear_child_tid word still %d 5 s after its exit", t->index, v);
			return -1;
		}
	}
	clock_gettime(CLOCK_REALTIME, &deadline);
	deadline.tv_sec += 5;
	ret = pthread_mutex_timedlock(&t->mutex, &deadline);
	if (ret != EOWNERDEAD) {
		fail("thread %d: its robust mutex gives %s, want EOWNERDEAD", t->index, strerror(ret));
		return -1;
	}
	pthread_mutex_consistent(&t->mutex);
	pthread_mutex_unlock(&t->mutex);
	return 0;
}

static int start(void)
{
	struct sigaction sa = { .sa_handler = on_usr1 };
	pthread_t ids[NR_THREADS];
	pthread_mutexattr_t attr;

	if (sigaction(SIGUSR1, &sa, NULL) || pthread_mutexattr_init(&attr) ||
	    pthread_mutexattr_setrobust(&attr, PTHREAD_MUTEX_ROBUST))
		return -1;
	for (int t = 0; t < NR_THREADS; t++) {
		threads[t].index = t;
		if (pthread_mutex_init(&threads[t].mutex, &attr))
			return -1;
	}
	if (test_threads_start(ids, NR_THREADS, thread_main, threads, sizeof(threads[0])))
		return -1;
	/* They end with the exit system call: never joined. */
	for (int t = 0; t < NR_THREADS; t++)
		pthread_detach(ids[t]);
	for (int t = 0; t < NR_THREADS; t++)
		while (!threads[t].ready && !threads[t].bad[0])
			usleep(1000);
	return 0;
}

int main(int argc, char **argv)
{
	int ret;

	ret = test_init(argc, argv, 0);
	if (ret)
		return test_init_exit(ret);
	if (start()) {
		fail("starting threads: %m");
		return 1;
	}
	for (int t = 0; t < NR_THREADS; t++)
		if (threads[t].bad[0]) {
			fail("thread %d: %s", t, threads[t].bad);
			return 1;
		}
	if (test_daemon())
		return 1;
	test_waitsig();

	for (int t = 0; t < NR_THREADS; t++) {
		if (check_exit(&threads[t]))
			return 1;
		if (threads[t].bad[0]) {
			fail("thread %d (tid %d): %s", t, threads[t].tid, threads[t].bad);
			return 1;
		}
	}
	pass();
	return 0;
}
