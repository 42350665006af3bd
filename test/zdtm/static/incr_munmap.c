// SPDX-License-Identifier: GPL-2.0
/*
 * incr_munmap: thirty areas written before the first dump. Round r unmaps
 * the areas of group r-1 (area index modulo 6), maps fresh areas at the
 * places unmapped in the round before and writes only their even pages,
 * and punches a 4-page hole into one area of group 5. After restore an
 * unmapped place must hold no mapping, a fresh area zeroes where it was
 * not written (never the old data the parent images hold for that
 * address), and the rest its data; all as replayed from the rounds on disk.
 */
#include <string.h>
#include <sys/mman.h>

#include "zdtmtst.h"

#define SEED		0x6d756e6d6170ULL
#define NR_SLOTS	30
#define SLOT_PAGES	16
#define GROUPS		6
#define HOLE_FIRST	4
#define HOLE_PAGES	4

static char *region;

static char *slot(int s)
{
	return region + (size_t)s * SLOT_PAGES * TEST_PAGE_SIZE;
}

/*
 * What page i of slot s holds after the given rounds: its generation,
 * PAGE_ZERO, or -1 for no mapping. Group g < 5 is unmapped in round g+1
 * and mapped again in round g+2; slot 6k+5 gets its hole in round k+1.
 */
static int page_state(int s, int i, int rounds)
{
	int g = s % GROUPS;

	if (g == GROUPS - 1) {
		if (s / GROUPS + 1 <= rounds && i >= HOLE_FIRST && i < HOLE_FIRST + HOLE_PAGES)
			return -1;
		return 0;
	}
	if (rounds < g + 1)
		return 0;
	if (rounds < g + 2)
		return -1;
	return i % 2 ? PAGE_ZERO : g + 2;
}

static int unmap(char *addr, size_t len)
{
	if (munmap(addr, len)) {
		fail("munmap %p+%zx: %m", addr, len);
		return -1;
	}
	return 0;
}

static int remap(int s, int r)
{
	char *p = mmap(slot(s), SLOT_PAGES * TEST_PAGE_SIZE, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);

	if (p != slot(s)) {
		fail("mmap slot %d again: %m", s);
		return -1;
	}
	for (int i = 0; i < SLOT_PAGES; i += 2)
		page_fill(p + i * TEST_PAGE_SIZE, SEED, s * SLOT_PAGES + i, r);
	return 0;
}

static int do_round(int r)
{
	for (int s = 0; s < NR_SLOTS; s++) {
		int g = s % GROUPS;

		if (g == GROUPS - 1 && s / GROUPS + 1 == r) {
			if (unmap(slot(s) + HOLE_FIRST * TEST_PAGE_SIZE, HOLE_PAGES * TEST_PAGE_SIZE))
				return -1;
		} else if (g == r - 1) {
			if (unmap(slot(s), SLOT_PAGES * TEST_PAGE_SIZE))
				return -1;
		} else if (g == r - 2 && remap(s, r)) {
			return -1;
		}
	}
	return 0;
}

static int check_page(int s, int i, int rounds)
{
	unsigned long addr = (unsigned long)slot(s) + i * TEST_PAGE_SIZE;
	int want = page_state(s, i, rounds);
	struct test_vma vma;
	int found = !test_vma_find(addr, &vma);

	if (want < 0) {
		if (found) {
			fail("slot %d page %d was unmapped, is %lx-%lx %s", s, i,
			     vma.start, vma.end, vma.prot);
			return -1;
		}
		return 0;
	}
	if (!found || strcmp(vma.prot, "rw-p")) {
		fail("slot %d page %d is not mapped rw-p", s, i);
		return -1;
	}
	if (page_check((void *)addr, SEED, s * SLOT_PAGES + i, want)) {
		fail("slot %d page %d is not generation %d (rounds %d)", s, i, want, rounds);
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
	region = mmap(NULL, NR_SLOTS * SLOT_PAGES * TEST_PAGE_SIZE, PROT_READ | PROT_WRITE,
		      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (region == MAP_FAILED) {
		fail("mmap the areas: %m");
		return 1;
	}
	for (int p = 0; p < NR_SLOTS * SLOT_PAGES; p++)
		page_fill(region + p * TEST_PAGE_SIZE, SEED, p, 0);
	if (test_on_round(do_round) || test_daemon())
		return 1;
	test_waitsig();

	rounds = test_rounds_check();
	if (rounds < 0)
		return 1;
	if (test_broken())
		memset(slot(NR_SLOTS - 1), 0, TEST_PAGE_SIZE);
	for (int s = 0; s < NR_SLOTS; s++)
		for (int i = 0; i < SLOT_PAGES; i++)
			if (check_page(s, i, rounds))
				return 1;
	pass();
	return 0;
}
