// SPDX-License-Identifier: GPL-2.0
/*
 * incr_dontneed: a 16 MiB area written before the first dump. Round r
 * drops the pages of group r-1 (page index modulo 8) with MADV_DONTNEED
 * and writes again every other page of the group dropped in the round
 * before. After restore a dropped page never written again must read as
 * zeroes, even though the parent images hold its old data; the others
 * their last write, as replayed from the rounds on disk.
 */
#include <sys/mman.h>

#include "zdtmtst.h"

#define SEED		0x646f6e746eULL
#define NR_PAGES	4096
#define GROUPS		8

static char *mem;

/* Page p after the given rounds: dropped in round g+1, half rewritten in g+2. */
static int page_state(int p, int rounds)
{
	int g = p % GROUPS;

	if (g >= 5 || rounds < g + 1)
		return 0;
	if (rounds >= g + 2 && (p / GROUPS) % 2 == 0)
		return g + 2;
	return PAGE_ZERO;
}

static int do_round(int r)
{
	for (int p = 0; p < NR_PAGES; p++) {
		char *page = mem + (size_t)p * TEST_PAGE_SIZE;

		if (p % GROUPS == r - 1 && madvise(page, TEST_PAGE_SIZE, MADV_DONTNEED)) {
			fail("MADV_DONTNEED page %d: %m", p);
			return -1;
		}
		if (p % GROUPS == r - 2 && page_state(p, r) == r)
			page_fill(page, SEED, p, r);
	}
	return 0;
}

int main(int argc, char **argv)
{
	int ret, rounds, p;

	ret = test_init(argc, argv, 0);
	if (ret)
		return test_init_exit(ret);
	mem = mmap(NULL, NR_PAGES * TEST_PAGE_SIZE, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (mem == MAP_FAILED) {
		fail("mmap: %m");
		return 1;
	}
	for (p = 0; p < NR_PAGES; p++)
		page_fill(mem + (size_t)p * TEST_PAGE_SIZE, SEED, p, 0);
	if (test_on_round(do_round) || test_daemon())
		return 1;
	test_waitsig();

	rounds = test_rounds_check();
	if (rounds < 0)
		return 1;
	if (test_broken())
		mem[(size_t)(GROUPS + 1) * TEST_PAGE_SIZE] ^= 1;
	for (p = 0; p < NR_PAGES; p++)
		if (page_check(mem + (size_t)p * TEST_PAGE_SIZE, SEED, p, page_state(p, rounds)))
			break;
	if (p < NR_PAGES) {
		fail("page %d is not %s%d after %d rounds", p,
		     page_state(p, rounds) == PAGE_ZERO ? "zero, gen " : "generation ",
		     page_state(p, rounds), rounds);
		return 1;
	}
	pass();
	return 0;
}
