// SPDX-License-Identifier: GPL-2.0
/*
 * incr_tree_threads: a tree of three processes (the test and two
 * children), each with three worker threads writing their own 1 MiB slice
 * of the process's area every round and keeping a pattern on their stacks.
 * The runner's SIGUSR1 reaches the test; its round passes the round number
 * on to each child (a queued signal with the number), waits for their
 * answers, and runs its own. After SIGTERM the test checks its round count
 * against the disk and hands it to the children, which must have done as
 * many rounds; every process then checks every page of its area, replayed
 * from rounds 1..N, and its threads their stacks.
 */
#include <pthread.h>
#include <stdio.h>
#include <sys/mman.h>
#include <unistd.h>

#include "zdtmtst.h"

#define SEED		0x74726565ULL
#define NR_PROCS	3
#define NR_THREADS	3
#define AREA_PAGES	256
#define STACK_BYTES	(16 * 1024)
#define SIG_ROUND	(SIGRTMIN)	/* test to child: run round N */
#define SIG_DONE	(SIGRTMIN + 1)	/* child to test: round N done */

static int proc;			/* 0: the test, 1..: the children */
static char *area;
static pthread_t workers[NR_THREADS];
static pthread_barrier_t go, done;
static volatile int round_now;		/* 0: stop */
static int rounds;			/* done by this process */
static pid_t kids[NR_PROCS];

static char *page(int t, int p)
{
	return area + ((size_t)t * AREA_PAGES + p) * TEST_PAGE_SIZE;
}

static unsigned long key(int t, int p)
{
	return ((unsigned long)proc * NR_THREADS + t) * AREA_PAGES + p;
}

static int written_in(int t, int p, int r)
{
	return (p * 7 + r + t + proc * 3) % 10 == 0;
}

static int page_gen(int t, int p, int nr_rounds)
{
	int gen = 0;

	for (int r = 1; r <= nr_rounds; r++)
		if (written_in(t, p, r))
			gen = r;
	return gen;
}

static void *worker(void *arg)
{
	int t = (int)(long)arg;
	char stack[STACK_BYTES];

	datagen(stack, sizeof(stack), SEED + 1000 * proc + t);
	for (;;) {
		pthread_barrier_wait(&go);
		if (!round_now)
			break;
		for (int p = 0; p < AREA_PAGES; p++)
			if (written_in(t, p, round_now))
				page_fill(page(t, p), SEED, key(t, p), round_now);
		pthread_barrier_wait(&done);
	}
	return (void *)(long)(datacheck(stack, sizeof(stack), SEED + 1000 * proc + t) >= 0);
}

static void run_round(int r)
{
	round_now = r;
	pthread_barrier_wait(&go);
	pthread_barrier_wait(&done);
	rounds = r;
}

static int start_workers(void)
{
	area = mmap(NULL, (size_t)NR_THREADS * AREA_PAGES * TEST_PAGE_SIZE,
		    PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (area == MAP_FAILED || pthread_barrier_init(&go, NULL, NR_THREADS + 1) ||
	    pthread_barrier_init(&done, NULL, NR_THREADS + 1))
		return -1;
	for (int t = 0; t < NR_THREADS; t++)
		for (int p = 0; p < AREA_PAGES; p++)
			page_fill(page(t, p), SEED, key(t, p), 0);
	for (long t = 0; t < NR_THREADS; t++)
		if (pthread_create(&workers[t], NULL, worker, (void *)t))
			return -1;
	return 0;
}

/* Stop the workers; name the first page or stack that is not as replayed. */
static int check_all(int nr_rounds, char *why, size_t len)
{
	round_now = 0;
	pthread_barrier_wait(&go);
	for (int t = 0; t < NR_THREADS; t++) {
		void *res;

		if (pthread_join(workers[t], &res) || res) {
			snprintf(why, len, "process %d thread %d: its stack changed", proc, t);
			return -1;
		}
	}
	if (test_broken() && proc == 2)
		page(1, 30)[5] ^= 1;
	for (int t = 0; t < NR_THREADS; t++)
		for (int p = 0; p < AREA_PAGES; p++)
			if (page_check(page(t, p), SEED, key(t, p), page_gen(t, p, nr_rounds))) {
				snprintf(why, len, "process %d thread %d page %d is not generation %d after %d rounds",
					 proc, t, p, page_gen(t, p, nr_rounds), nr_rounds);
				return -1;
			}
	return 0;
}

static int child_main(void *arg)
{
	char why[200];
	sigset_t set;
	siginfo_t si;

	proc = (int)(long)arg;
	if (start_workers()) {
		tree_fail("process %d: starting workers: %m", proc);
		return 1;
	}
	if (tree_sync_post())
		return 1;
	sigemptyset(&set);
	sigaddset(&set, SIG_ROUND);
	sigaddset(&set, SIGTERM);
	for (;;) {
		if (sigwaitinfo(&set, &si) < 0)
			continue;
		if (si.si_signo == SIGTERM)
			break;
		run_round(si.si_value.sival_int);
		if (sigqueue(getppid(), SIG_DONE, (union sigval){ .sival_int = proc }))
			return 1;
	}
	if (si.si_code != SI_QUEUE || si.si_value.sival_int != rounds) {
		tree_fail("process %d did %d rounds, the test %d", proc, rounds,
			  si.si_code == SI_QUEUE ? si.si_value.sival_int : -1);
		return 1;
	}
	if (check_all(rounds, why, sizeof(why))) {
		tree_fail("%s", why);
		return 1;
	}
	return 0;
}

static int do_round(int r)
{
	sigset_t set;

	for (int k = 1; k < NR_PROCS; k++)
		if (sigqueue(kids[k], SIG_ROUND, (union sigval){ .sival_int = r }))
			return -1;
	sigemptyset(&set);
	sigaddset(&set, SIG_DONE);
	for (int k = 1; k < NR_PROCS; k++)
		while (sigwaitinfo(&set, NULL) < 0)
			;
	run_round(r);
	return 0;
}

int main(int argc, char **argv)
{
	sigset_t set;
	char why[200];
	int ret, nr_rounds;

	ret = test_init(argc, argv, 0);
	if (ret)
		return test_init_exit(ret);
	/* Children wait for their signals with sigwaitinfo(): blocked in all. */
	sigemptyset(&set);
	sigaddset(&set, SIG_ROUND);
	sigaddset(&set, SIG_DONE);
	sigaddset(&set, SIGTERM);
	if (sigprocmask(SIG_BLOCK, &set, NULL) || tree_sync_init())
		return 1;
	for (int k = 1; k < NR_PROCS; k++) {
		kids[k] = tree_fork(child_main, (void *)(long)k);
		if (kids[k] < 0)
			return 1;
	}
	if (tree_sync_wait(NR_PROCS - 1) || start_workers()) {
		fail("starting: %m");
		return 1;
	}
	if (test_on_round(do_round) || test_daemon())
		return 1;
	test_waitsig();

	nr_rounds = test_rounds_check();
	if (nr_rounds < 0)
		return 1;
	for (int k = 1; k < NR_PROCS; k++)
		sigqueue(kids[k], SIGTERM, (union sigval){ .sival_int = nr_rounds });
	if (check_all(nr_rounds, why, sizeof(why))) {
		fail("%s", why);
		return 1;
	}
	for (int k = 1; k < NR_PROCS; k++)
		if (tree_reap(kids[k], "child"))
			return 1;
	pass();
	return 0;
}
