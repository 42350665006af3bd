// SPDX-License-Identifier: GPL-2.0
/*
 * sig_blocked_pending: a blocked mask with signals pending in it, both in
 * the thread's queue (raise, pthread_sigqueue) and the process's (kill,
 * sigqueue), real-time ones queued several times with distinct values.
 * After restore the mask and sigpending() must be as they were; unblocking
 * must then deliver every queued instance, with its value, in the kernel's
 * order: thread queue before process queue, lower signal first, real-time
 * instances of one signal first in, first out.
 */
#include <pthread.h>
#include <string.h>
#include <unistd.h>

#include "zdtmtst.h"

#define MAX_SEEN	16

struct sent {
	int sig;		/* as an offset from SIGRTMIN when rt is set */
	int rt;
	int value;		/* sival_int, -1: none */
	int code;		/* expected si_code */
};

/* Expected delivery order. */
static const struct sent order[] = {
	{ SIGUSR1, 0, -1, SI_TKILL },	/* thread queue */
	{ 3, 1, 301, SI_QUEUE },	/* thread queue, rt */
	{ SIGUSR2, 0, -1, SI_USER },	/* process queue */
	{ 1, 1, 101, SI_QUEUE },
	{ 1, 1, 102, SI_QUEUE },
	{ 1, 1, 103, SI_QUEUE },
	{ 1, 1, 104, SI_QUEUE },
	{ 2, 1, 201, SI_QUEUE },
};

struct seen {
	int sig, value, code, pid;
};

static struct seen seen[MAX_SEEN];
static volatile int nr_seen;
static sigset_t blocked;

static int sig_of(const struct sent *s)
{
	return s->rt ? SIGRTMIN + s->sig : s->sig;
}

static void handler(int sig, siginfo_t *si, void *ctx)
{
	if (nr_seen >= MAX_SEEN)
		return;
	seen[nr_seen].sig = sig;
	seen[nr_seen].code = si->si_code;
	seen[nr_seen].pid = si->si_pid;
	seen[nr_seen].value = si->si_code == SI_QUEUE ? si->si_value.sival_int : -1;
	nr_seen++;
}

static int setup(void)
{
	/* Handlers block all the test's signals: one delivery at a time, in order. */
	struct sigaction sa = { .sa_sigaction = handler, .sa_flags = SA_SIGINFO };
	union sigval val;

	sigemptyset(&blocked);
	for (size_t i = 0; i < ARRAY_SIZE(order); i++)
		sigaddset(&blocked, sig_of(&order[i]));
	sigaddset(&blocked, SIGWINCH);		/* blocked, never sent */
	sigaddset(&blocked, SIGRTMIN + 5);	/* blocked, never sent */
	sa.sa_mask = blocked;
	for (int s = 1; s < NSIG; s++)
		if (sigismember(&blocked, s) && sigaction(s, &sa, NULL))
			goto err;
	if (sigprocmask(SIG_BLOCK, &blocked, NULL))
		goto err;

	/* Sent out of order on purpose: the kernel sorts them out. */
	val.sival_int = 201;
	if (sigqueue(getpid(), SIGRTMIN + 2, val))
		goto err;
	for (int v = 101; v <= 104; v++) {
		val.sival_int = v;
		if (sigqueue(getpid(), SIGRTMIN + 1, val))
			goto err;
	}
	if (kill(getpid(), SIGUSR2) || kill(getpid(), SIGUSR2))	/* merges to one */
		goto err;
	val.sival_int = 301;
	if (pthread_sigqueue(pthread_self(), SIGRTMIN + 3, val))
		goto err;
	if (raise(SIGUSR1))
		goto err;
	return 0;
err:
	fail("setting up blocked/pending signals: %m");
	return -1;
}

static int check_sets(void)
{
	sigset_t mask, pending, want_pending;

	if (sigprocmask(SIG_BLOCK, NULL, &mask) || sigpending(&pending)) {
		fail("query mask/pending: %m");
		return -1;
	}
	sigemptyset(&want_pending);
	for (size_t i = 0; i < ARRAY_SIZE(order); i++)
		sigaddset(&want_pending, sig_of(&order[i]));
	for (int s = 1; s < NSIG; s++) {
		if (sigismember(&mask, s) != sigismember(&blocked, s)) {
			fail("signal %d: blocked=%d, want %d", s, sigismember(&mask, s),
			     sigismember(&blocked, s));
			return -1;
		}
		if (sigismember(&pending, s) != sigismember(&want_pending, s)) {
			fail("signal %d: pending=%d, want %d", s, sigismember(&pending, s),
			     sigismember(&want_pending, s));
			return -1;
		}
	}
	return 0;
}

static int check_delivery(void)
{
	sigset_t pending;

	if (sigprocmask(SIG_UNBLOCK, &blocked, NULL)) {
		fail("unblock: %m");
		return -1;
	}
	if (nr_seen != ARRAY_SIZE(order)) {
		fail("%d signals delivered, want %zu", nr_seen, ARRAY_SIZE(order));
		return -1;
	}
	for (size_t i = 0; i < ARRAY_SIZE(order); i++) {
		const struct sent *w = &order[i];
		struct seen *g = &seen[i];

		if (g->sig != sig_of(w) || g->value != w->value || g->code != w->code ||
		    g->pid != getpid()) {
			fail("delivery %zu: signal %d value %d code %d pid %d, want %d/%d/%d/%d",
			     i, g->sig, g->value, g->code, g->pid, sig_of(w), w->value,
			     w->code, getpid());
			return -1;
		}
	}
	if (sigpending(&pending) || !sigisemptyset(&pending)) {
		fail("signals still pending after delivery");
		return -1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	int ret;

	ret = test_init(argc, argv, 0);
	if (ret)
		return test_init_exit(ret);
	if (setup() || check_sets())
		return 1;

	if (test_daemon())
		return 1;
	test_waitsig();

	if (test_broken()) {
		union sigval val = { .sival_int = 999 };

		sigqueue(getpid(), SIGRTMIN + 1, val);
	}
	if (check_sets() || check_delivery())
		return 1;
	pass();
	return 0;
}
