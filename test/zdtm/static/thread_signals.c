// SPDX-License-Identifier: GPL-2.0
/*
 * thread_signals: 8 threads, each with a blocked mask of its own, a
 * real-time signal queued to it alone (rt_tgsigqueueinfo while blocked, with
 * a value) and an alternate signal stack of its own. After restore each
 * thread must find its mask, exactly its own signal pending, and its
 * altstack; unblocking must deliver the signal to that thread, with its
 * value, on that thread's altstack.
 */
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "zdtmtst.h"

#define NR_THREADS	8
#define ALT_SIZE	(64 * 1024)

struct thread {
	int index;
	pid_t tid;
	char *alt;
	sigset_t mask;
	volatile int ready;
	/* filled by the handler */
	volatile int sig, value, on_alt;
	volatile pid_t got_tid;
	char bad[200];
};

static struct thread threads[NR_THREADS];
static __thread struct thread *self;

static int own_sig(int t)
{
	return SIGRTMIN + t;
}

static void handler(int sig, siginfo_t *si, void *uc)
{
	volatile char local;
	unsigned long p = (unsigned long)&local, lo = (unsigned long)self->alt;

	self->sig = sig;
	self->value = si->si_value.sival_int;
	self->got_tid = syscall(SYS_gettid);
	self->on_alt = p >= lo && p < lo + ALT_SIZE;
}

static int check_sets(struct thread *t)
{
	sigset_t mask, pending;
	stack_t ss;

	pthread_sigmask(SIG_BLOCK, NULL, &mask);
	sigpending(&pending);
	for (int s = 1; s < SIGRTMAX; s++) {
		if (sigismember(&mask, s) != sigismember(&t->mask, s)) {
			snprintf(t->bad, sizeof(t->bad), "signal %d blocked=%d, want %d", s,
				 sigismember(&mask, s), sigismember(&t->mask, s));
			return -1;
		}
		if (sigismember(&pending, s) != (s == own_sig(t->index))) {
			snprintf(t->bad, sizeof(t->bad), "signal %d pending=%d, want %d", s,
				 sigismember(&pending, s), s == own_sig(t->index));
			return -1;
		}
	}
	if (sigaltstack(NULL, &ss) || ss.ss_sp != t->alt || ss.ss_size != ALT_SIZE) {
		snprintf(t->bad, sizeof(t->bad), "altstack %p size %zu, want %p", ss.ss_sp,
			 ss.ss_size, t->alt);
		return -1;
	}
	return 0;
}

static void check_delivery(struct thread *t)
{
	sigset_t own;

	sigemptyset(&own);
	sigaddset(&own, own_sig(t->index));
	pthread_sigmask(SIG_UNBLOCK, &own, NULL);
	if (t->sig != own_sig(t->index) || t->value != 1000 + t->index ||
	    t->got_tid != t->tid || !t->on_alt)
		snprintf(t->bad, sizeof(t->bad),
			 "delivery: signal %d value %d in tid %d on altstack %d, want %d/%d/%d/1",
			 t->sig, t->value, t->got_tid, t->on_alt, own_sig(t->index),
			 1000 + t->index, t->tid);
}

static void *thread_main(void *arg)
{
	struct timespec tick = { 0, 10 * 1000 * 1000 };
	struct thread *t = arg;
	stack_t ss = { .ss_size = ALT_SIZE };

	self = t;
	t->tid = syscall(SYS_gettid);
	ss.ss_sp = t->alt;
	if (sigaltstack(&ss, NULL) || pthread_sigmask(SIG_SETMASK, &t->mask, NULL)) {
		snprintf(t->bad, sizeof(t->bad), "setting up: %m");
		return NULL;
	}
	t->ready = 1;
	while (!test_stop)
		nanosleep(&tick, NULL);
	if (!check_sets(t))
		check_delivery(t);
	return NULL;
}

static void make_mask(int t, sigset_t *mask)
{
	sigemptyset(mask);
	sigaddset(mask, SIGTERM);		/* for the main thread only */
	sigaddset(mask, own_sig(t));
	sigaddset(mask, SIGRTMIN + 10 + t);	/* blocked, never sent */
	if (t & 1)
		sigaddset(mask, SIGUSR1);
	if (t % 3 == 0)
		sigaddset(mask, SIGWINCH);
}

static int start(pthread_t *ids)
{
	struct sigaction sa = { .sa_sigaction = handler, .sa_flags = SA_SIGINFO | SA_ONSTACK };

	sigfillset(&sa.sa_mask);
	for (int t = 0; t < NR_THREADS; t++)
		if (sigaction(own_sig(t), &sa, NULL))
			return -1;
	for (int t = 0; t < NR_THREADS; t++) {
		struct thread *th = &threads[t];

		th->index = t;
		make_mask(t, &th->mask);
		th->alt = mmap(NULL, ALT_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (th->alt == MAP_FAILED)
			return -1;
	}
	return test_threads_start(ids, NR_THREADS, thread_main, threads, sizeof(threads[0]));
}

static int queue_to(struct thread *t, int sig, int value)
{
	siginfo_t si = { .si_signo = sig, .si_code = SI_QUEUE };

	si.si_pid = getpid();
	si.si_uid = getuid();
	si.si_value.sival_int = value;
	return syscall(SYS_rt_tgsigqueueinfo, getpid(), t->tid, sig, &si);
}

int main(int argc, char **argv)
{
	pthread_t ids[NR_THREADS];
	int ret;

	ret = test_init(argc, argv, 0);
	if (ret)
		return test_init_exit(ret);
	if (start(ids)) {
		fail("starting threads: %m");
		return 1;
	}
	for (int t = 0; t < NR_THREADS; t++) {
		while (!threads[t].ready && !threads[t].bad[0])
			usleep(1000);
		if (queue_to(&threads[t], own_sig(t), 1000 + t)) {
			fail("rt_tgsigqueueinfo to thread %d: %m", t);
			return 1;
		}
	}
	if (test_daemon())
		return 1;
	test_waitsig();

	/* Thread 3 gets a signal it never had, as a restore mixing queues would */
	if (test_broken())
		queue_to(&threads[3], SIGRTMIN + 13, 1);
	if (test_threads_join(ids, NR_THREADS, threads[0].bad, sizeof(threads[0])))
		return 1;
	pass();
	return 0;
}
