// SPDX-License-Identifier: GPL-2.0
/*
 * incr_threads: four threads, each writing its own 4 MiB area every round
 * and keeping a pattern on its own stack. Only pre-dumps take threads, so
 * the runner pre-dumps it (checking criu's exit code and the images) and
 * never kills it: after SIGTERM the threads check their stacks, the main
 * thread every page of the areas, as replayed from the rounds on disk.
 * The pre-dumps must not have disturbed anything.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "zdtmtst.h"

#define SEED		0x7468726473ULL
#define NR_THREADS	4
#define AREA_PAGES	1024
#define STACK_BYTES	(16 * 1024)

static char *areas;
static pthread_t threads[NR_THREADS];
static pthread_barrier_t go, done;
static volatile int round_now;		/* set before "go"; 0 means stop */

static char *page(int t, int p)
{
	return areas + ((size_t)t * AREA_PAGES + p) * TEST_PAGE_SIZE;
}

static int written_in(int t, int p, int r)
{
	return (p * 7 + r + t) % 10 == 0;
}

static int page_gen(int t, int p, int rounds)
{
	int gen = 0;

	for (int r = 1; r <= rounds; r++)
		if (written_in(t, p, r))
			gen = r;
	return gen;
}

static void *worker(void *arg)
{
	int t = (int)(long)arg;
	char stack[STACK_BYTES];

	datagen(stack, sizeof(stack), SEED + 1000 + t);
	for (;;) {
		pthread_barrier_wait(&go);
		if (!round_now)
			break;
		for (int p = 0; p < AREA_PAGES; p++)
			if (written_in(t, p, round_now))
				page_fill(page(t, p), SEED, t * AREA_PAGES + p, round_now);
		pthread_barrier_wait(&done);
	}
	return (void *)(long)(datacheck(stack, sizeof(stack), SEED + 1000 + t) >= 0);
}

static int do_round(int r)
{
	round_now = r;
	pthread_barrier_wait(&go);
	pthread_barrier_wait(&done);
	return 0;
}

static int stop_threads(void)
{
	int bad = 0;

	round_now = 0;
	pthread_barrier_wait(&go);
	for (int t = 0; t < NR_THREADS; t++) {
		void *res;

		if (pthread_join(threads[t], &res)) {
			fail("join thread %d", t);
			return -1;
		}
		if (res) {
			fail("thread %d: its stack changed", t);
			bad = -1;
		}
	}
	return bad;
}

static int start_threads(void)
{
	if (pthread_barrier_init(&go, NULL, NR_THREADS + 1) ||
	    pthread_barrier_init(&done, NULL, NR_THREADS + 1)) {
		fail("pthread_barrier_init");
		return -1;
	}
	for (long t = 0; t < NR_THREADS; t++)
		if (pthread_create(&threads[t], NULL, worker, (void *)t)) {
			fail("pthread_create %ld", t);
			return -1;
		}
	return 0;
}

int main(int argc, char **argv)
{
	int ret, rounds;

	ret = test_init(argc, argv, 0);
	if (ret)
		return test_init_exit(ret);
	areas = mmap(NULL, (size_t)NR_THREADS * AREA_PAGES * TEST_PAGE_SIZE,
		     PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (areas == MAP_FAILED) {
		fail("mmap: %m");
		return 1;
	}
	for (int t = 0; t < NR_THREADS; t++)
		for (int p = 0; p < AREA_PAGES; p++)
			page_fill(page(t, p), SEED, t * AREA_PAGES + p, 0);
	if (start_threads() || test_on_round(do_round) || test_daemon())
		return 1;
	test_waitsig();

	rounds = test_rounds_check();
	if (rounds < 0 || stop_threads())
		return 1;
	if (test_broken())
		page(3, 5)[1] ^= 1;
	for (int t = 0; t < NR_THREADS; t++)
		for (int p = 0; p < AREA_PAGES; p++)
			if (page_check(page(t, p), SEED, t * AREA_PAGES + p, page_gen(t, p, rounds))) {
				fail("thread %d page %d is not generation %d after %d rounds",
				     t, p, page_gen(t, p, rounds), rounds);
				return 1;
			}
	pass();
	return 0;
}
