// SPDX-License-Identifier: GPL-2.0
/*
 * incr_random_pages: a 256 MiB private anonymous area, three quarters of
 * it written before the first dump; each round rewrites 2000 pages picked
 * at random (some written before, some never). After restore every page
 * must hold its last write, and a never-written page zeroes.
 *
 * The expected state is not the test's own notes (restored with the rest
 * of its memory, they could be as stale as the data): it is rebuilt by
 * replaying rounds 1..N, N being the count kept on disk.
 *
 * Options: --size-mb N (or ZDTM_INCR_MB=N); default 256.
 */
#include <stdlib.h>
#include <sys/mman.h>

#include "zdtmtst.h"

#define SEED		0x72616e64706773ULL
#define PER_ROUND	2000

static char *mem;
static size_t nr_pages;
static uint8_t *gens;		/* the live notes: generation of each page */

static void initial(uint8_t *gen)
{
	for (size_t p = 0; p < nr_pages; p++)
		gen[p] = p % 4 == 3 ? PAGE_ZERO : 0;
}

/* The pages round r writes; with write set, write them too. */
static void play_round(int r, uint8_t *gen, int write)
{
	uint64_t state = SEED * 977 + r;

	for (int i = 0; i < PER_ROUND; i++) {
		size_t p = test_rand(&state) % nr_pages;

		gen[p] = r;
		if (write)
			page_fill(mem + p * TEST_PAGE_SIZE, SEED, p, r);
	}
}

static int do_round(int r)
{
	play_round(r, gens, 1);
	return 0;
}

static int check(int rounds)
{
	uint8_t *want = malloc(nr_pages);
	size_t p;

	if (!want) {
		fail("malloc %zu", nr_pages);
		return -1;
	}
	initial(want);
	for (int r = 1; r <= rounds; r++)
		play_round(r, want, 0);
	for (p = 0; p < nr_pages; p++)
		if (page_check(mem + p * TEST_PAGE_SIZE, SEED, p, want[p]))
			break;
	if (p < nr_pages)
		fail("page %zu (%p) is not generation %d (notes say %d) after %d rounds",
		     p, mem + p * TEST_PAGE_SIZE, want[p], gens[p], rounds);
	free(want);
	return p < nr_pages ? -1 : 0;
}

int main(int argc, char **argv)
{
	int ret, rounds;

	ret = test_init(argc, argv, 0);
	if (ret)
		return test_init_exit(ret);
	nr_pages = ((size_t)test_opt_long("size-mb", "ZDTM_INCR_MB", 256) << 20) / TEST_PAGE_SIZE;
	mem = mmap(NULL, nr_pages * TEST_PAGE_SIZE, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	gens = malloc(nr_pages);
	if (mem == MAP_FAILED || !gens) {
		fail("mmap/malloc for %zu pages: %m", nr_pages);
		return 1;
	}
	initial(gens);
	for (size_t p = 0; p < nr_pages; p++)
		if (gens[p] != PAGE_ZERO)
			page_fill(mem + p * TEST_PAGE_SIZE, SEED, p, 0);
	if (test_on_round(do_round) || test_daemon())
		return 1;
	test_waitsig();

	rounds = test_rounds_check();
	if (rounds < 0)
		return 1;
	if (test_broken())
		mem[(nr_pages - 1) * TEST_PAGE_SIZE + 100] ^= 1;	/* a never-written page */
	if (check(rounds))
		return 1;
	pass();
	return 0;
}
