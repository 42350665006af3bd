// SPDX-License-Identifier: GPL-2.0
/*
 * incr_new_vma: each round maps four new private anonymous areas and fills
 * them, all but their last page (which must stay zero). The areas go into
 * slots of a region reserved with PROT_NONE before the first dump, so
 * their places are known after restore. After restore each slot must be
 * mapped (rw-p, with its data) or still reserved (---p), as the rounds
 * counted on disk say.
 */
#include <string.h>
#include <sys/mman.h>

#include "zdtmtst.h"

#define SEED		0x6e6577766d61ULL
#define NR_SLOTS	24
#define SLOT_PAGES	16
#define FIRST_SLOTS	2	/* mapped before the first dump */
#define PER_ROUND	4

static char *region;

static char *slot(int s)
{
	return region + (size_t)s * SLOT_PAGES * TEST_PAGE_SIZE;
}

/* The round that mapped slot s (0: before the dump), or -1: not mapped yet. */
static int mapped_in(int s, int rounds)
{
	int r;

	if (s < FIRST_SLOTS)
		return 0;
	r = (s - FIRST_SLOTS) / PER_ROUND + 1;
	return r <= rounds ? r : -1;
}

static int map_slot(int s, int gen)
{
	char *p = mmap(slot(s), SLOT_PAGES * TEST_PAGE_SIZE, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);

	if (p != slot(s)) {
		fail("mmap slot %d: %m", s);
		return -1;
	}
	for (int i = 0; i < SLOT_PAGES - 1; i++)
		page_fill(p + i * TEST_PAGE_SIZE, SEED, s * SLOT_PAGES + i, gen);
	return 0;
}

static int do_round(int r)
{
	for (int s = 0; s < NR_SLOTS; s++)
		if (mapped_in(s, r) == r && map_slot(s, r))
			return -1;
	return 0;
}

static int check_slot(int s, int rounds)
{
	int gen = mapped_in(s, rounds);
	const char *want = gen < 0 ? "---p" : "rw-p";
	struct test_vma vma;

	if (test_vma_find((unsigned long)slot(s), &vma) ||
	    vma.end < (unsigned long)slot(s + 1) || strcmp(vma.prot, want)) {
		fail("slot %d (%p) is not mapped %s (rounds %d)", s, slot(s), want, rounds);
		return -1;
	}
	for (int i = 0; gen >= 0 && i < SLOT_PAGES; i++) {
		int g = i == SLOT_PAGES - 1 ? PAGE_ZERO : gen;

		if (page_check(slot(s) + i * TEST_PAGE_SIZE, SEED, s * SLOT_PAGES + i, g)) {
			fail("slot %d page %d is not generation %d", s, i, g);
			return -1;
		}
	}
	return 0;
}

int main(int argc, char **argv)
{
	int ret, rounds;

	ret = test_init(argc, argv, 0);
	if (ret)
		return test_init_exit(ret);
	region = mmap(NULL, NR_SLOTS * SLOT_PAGES * TEST_PAGE_SIZE, PROT_NONE,
		      MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (region == MAP_FAILED) {
		fail("reserve the region: %m");
		return 1;
	}
	if (do_round(0) || test_on_round(do_round) || test_daemon())
		return 1;
	test_waitsig();

	rounds = test_rounds_check();
	if (rounds < 0)
		return 1;
	if (test_broken())
		slot(1)[5] ^= 1;
	for (int s = 0; s < NR_SLOTS; s++)
		if (check_slot(s, rounds))
			return 1;
	pass();
	return 0;
}
