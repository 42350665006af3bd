// SPDX-License-Identifier: GPL-2.0
/*
 * incr_mprotect: twelve 4-page areas whose protections change every round
 * (cycling through rw, r, none, rwx), some written in between: made
 * writable for the write, then given their new protection. So pages
 * written while the tracker watched end up readable only, or not at all.
 * After restore each area must have the protection and the data that the
 * rounds counted on disk give (data checked by unprotecting for a moment).
 */
#include <string.h>
#include <sys/mman.h>

#include "zdtmtst.h"

#define SEED		0x6d70726f74ULL
#define NR_SLOTS	12
#define SLOT_PAGES	4

static const int prots[] = {
	PROT_READ | PROT_WRITE, PROT_READ, PROT_NONE, PROT_READ | PROT_WRITE | PROT_EXEC,
};
static const char *prot_names[] = { "rw-p", "r--p", "---p", "rwxp" };

static char *region;

static char *slot(int s)
{
	return region + (size_t)s * SLOT_PAGES * TEST_PAGE_SIZE;
}

static int prot_at(int s, int round)
{
	return (s + round) % (int)ARRAY_SIZE(prots);
}

/* Round r (0: before the dump) writes page r % 4 of every third slot. */
static int written_in(int s, int r)
{
	return (s + r) % 3 == 0;
}

static int page_gen(int s, int i, int rounds)
{
	int gen = 0;

	for (int r = 1; r <= rounds; r++)
		if (written_in(s, r) && i == r % SLOT_PAGES)
			gen = r;
	return gen;
}

static int set_prot(int s, int prot)
{
	if (mprotect(slot(s), SLOT_PAGES * TEST_PAGE_SIZE, prot)) {
		fail("mprotect slot %d to %d: %m", s, prot);
		return -1;
	}
	return 0;
}

static int do_round(int r)
{
	for (int s = 0; s < NR_SLOTS; s++) {
		int i = r % SLOT_PAGES;

		if (written_in(s, r)) {
			if (set_prot(s, PROT_READ | PROT_WRITE))
				return -1;
			page_fill(slot(s) + i * TEST_PAGE_SIZE, SEED, s * SLOT_PAGES + i, r);
		}
		if (set_prot(s, prots[prot_at(s, r)]))
			return -1;
	}
	return 0;
}

static int check_slot(int s, int rounds)
{
	const char *want = prot_names[prot_at(s, rounds)];
	struct test_vma vma;

	if (test_vma_find((unsigned long)slot(s), &vma) ||
	    vma.end < (unsigned long)slot(s + 1) || strcmp(vma.prot, want)) {
		fail("slot %d is not %s (rounds %d)", s, want, rounds);
		return -1;
	}
	if (set_prot(s, PROT_READ))
		return -1;
	for (int i = 0; i < SLOT_PAGES; i++)
		if (page_check(slot(s) + i * TEST_PAGE_SIZE, SEED, s * SLOT_PAGES + i,
			       page_gen(s, i, rounds))) {
			fail("slot %d (%s) page %d is not generation %d", s, want, i,
			     page_gen(s, i, rounds));
			return -1;
		}
	return set_prot(s, prots[prot_at(s, rounds)]);
}

int main(int argc, char **argv)
{
	int ret, rounds;

	ret = test_init(argc, argv, 0);
	if (ret)
		return test_init_exit(ret);
	region = mmap(NULL, NR_SLOTS * SLOT_PAGES * TEST_PAGE_SIZE, PROT_READ | PROT_WRITE,
		      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (region == MAP_FAILED) {
		fail("mmap: %m");
		return 1;
	}
	for (int p = 0; p < NR_SLOTS * SLOT_PAGES; p++)
		page_fill(region + (size_t)p * TEST_PAGE_SIZE, SEED, p, 0);
	for (int s = 0; s < NR_SLOTS; s++)
		if (set_prot(s, prots[prot_at(s, 0)]))
			return 1;
	if (test_on_round(do_round) || test_daemon())
		return 1;
	test_waitsig();

	rounds = test_rounds_check();
	if (rounds < 0)
		return 1;
	if (test_broken() && !set_prot(2, PROT_READ | PROT_WRITE)) {
		slot(2)[9] ^= 1;
		set_prot(2, prots[prot_at(2, rounds)]);
	}
	for (int s = 0; s < NR_SLOTS; s++)
		if (check_slot(s, rounds))
			return 1;
	pass();
	return 0;
}
