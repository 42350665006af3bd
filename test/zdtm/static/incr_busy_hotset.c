// SPDX-License-Identifier: GPL-2.0
/*
 * incr_busy_hotset: a thread that rewrites the same pages over and over,
 * before, between and during the dumps, as a benchmark's workload does:
 * every 16th page of a 32 MiB area (huge pages where the kernel gives
 * them), the whole hot set once per pass. A tracker that re-arms a page
 * and then misses its next write makes the final dump keep the copy an
 * earlier pre-dump took: that page comes back one or more passes old.
 *
 * What each hot page should hold is kept in memory beside it (a byte of
 * generation per page, written after the page). The thread runs on after
 * restore and would heal a stale page by writing it again, so it checks
 * each page before it writes it; after it stops, every page is checked
 * (the cold ones were written once at the start and never again).
 */
#include <pthread.h>
#include <stdio.h>
#include <sys/mman.h>

#include "zdtmtst.h"

#define SEED		0x686f74736574ULL
#define NR_PAGES	8192
#define STRIDE		16
#define GEN_MAX		250

static char *area;
static unsigned char *gen;		/* per hot page, its own mapping */
static volatile int stop;
static unsigned long passes;
static char thread_bad[128];

static char *page(long p)
{
	return area + (size_t)p * TEST_PAGE_SIZE;
}

/* The generation @p holds, or -1: to tell a stale page from a torn one. */
static int page_gen(long p)
{
	for (int g = 0; g < GEN_MAX; g++)
		if (!page_check(page(p), SEED, p, g))
			return g;
	return -1;
}

static void *writer(void *arg)
{
	while (!stop) {
		for (long p = 0; p < NR_PAGES && !stop; p += STRIDE) {
			int g = __atomic_load_n(&gen[p / STRIDE], __ATOMIC_SEQ_CST);

			if (page_check(page(p), SEED, p, g)) {
				snprintf(thread_bad, sizeof(thread_bad),
					 "page %ld holds generation %d, not %d (pass %lu)",
					 p, page_gen(p), g, passes);
				return NULL;
			}
			g = (g + 1) % GEN_MAX;
			page_fill(page(p), SEED, p, g);
			__atomic_store_n(&gen[p / STRIDE], g, __ATOMIC_SEQ_CST);
		}
		passes++;
	}
	return NULL;
}

static int check(void)
{
	for (long p = 0; p < NR_PAGES; p++) {
		int want = p % STRIDE ? 0 : gen[p / STRIDE];

		if (!page_check(page(p), SEED, p, want))
			continue;
		fail("page %ld holds generation %d, not %d (%lu passes)", p,
		     page_gen(p), want, passes);
		return -1;
	}
	test_msg("%d pages checked after %lu passes\n", NR_PAGES, passes);
	return 0;
}

int main(int argc, char **argv)
{
	pthread_t tid;
	int ret;

	ret = test_init(argc, argv, 0);
	if (ret)
		return test_init_exit(ret);
	area = mmap(NULL, (size_t)NR_PAGES * TEST_PAGE_SIZE, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	gen = mmap(NULL, NR_PAGES / STRIDE, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (area == MAP_FAILED || gen == MAP_FAILED) {
		fail("mmap: %m");
		return 1;
	}
	for (long p = 0; p < NR_PAGES; p++)
		page_fill(page(p), SEED, p, 0);
	if (test_threads_start(&tid, 1, writer, NULL, 0) || test_daemon())
		return 1;
	test_waitsig();

	stop = 1;
	if (test_threads_join(&tid, 1, thread_bad, 0))
		return 1;
	if (test_broken())
		page(STRIDE + 1)[100] ^= 1;
	if (check())
		return 1;
	pass();
	return 0;
}
