// SPDX-License-Identifier: GPL-2.0
/*
 * incr_one_percent: a 256 MiB area, all written before the first dump;
 * each round rewrites 1% of its pages, one page every 400 KiB (round r
 * takes the pages whose index is r modulo 100). The runner checks that
 * pre-dump 2, which follows one round, writes at most 3% of the pages it
 * scans; the test checks every page after restore, the expected state
 * replayed from the round count on disk.
 *
 * Options: --size-mb N (or ZDTM_INCR_MB=N); default 256.
 */
#include <sys/mman.h>

#include "zdtmtst.h"

#define SEED	0x6f6e657063ULL
#define STRIDE	100		/* pages: 400 KiB */

static char *mem;
static size_t nr_pages;

/* The generation of page p after the given number of rounds. */
static int gen_after(size_t p, int rounds)
{
	int r = p % STRIDE;

	return r >= 1 && r <= rounds ? r : 0;
}

static int do_round(int r)
{
	for (size_t p = r; p < nr_pages; p += STRIDE)
		page_fill(mem + p * TEST_PAGE_SIZE, SEED, p, r);
	return 0;
}

int main(int argc, char **argv)
{
	int ret, rounds;
	size_t p;

	ret = test_init(argc, argv, 0);
	if (ret)
		return test_init_exit(ret);
	nr_pages = ((size_t)test_opt_long("size-mb", "ZDTM_INCR_MB", 256) << 20) / TEST_PAGE_SIZE;
	mem = mmap(NULL, nr_pages * TEST_PAGE_SIZE, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (mem == MAP_FAILED) {
		fail("mmap %zu pages: %m", nr_pages);
		return 1;
	}
	for (p = 0; p < nr_pages; p++)
		page_fill(mem + p * TEST_PAGE_SIZE, SEED, p, 0);
	if (test_on_round(do_round) || test_daemon())
		return 1;
	test_waitsig();

	rounds = test_rounds_check();
	if (rounds < 0)
		return 1;
	if (test_broken())
		mem[(STRIDE + 1) * TEST_PAGE_SIZE + 8] ^= 4;
	for (p = 0; p < nr_pages; p++)
		if (page_check(mem + p * TEST_PAGE_SIZE, SEED, p, gen_after(p, rounds)))
			break;
	if (p < nr_pages) {
		fail("page %zu (%p) is not generation %d after %d rounds", p,
		     mem + p * TEST_PAGE_SIZE, gen_after(p, rounds), rounds);
		return 1;
	}
	pass();
	return 0;
}
