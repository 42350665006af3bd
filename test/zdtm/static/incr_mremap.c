// SPDX-License-Identifier: GPL-2.0
/*
 * incr_mremap: eight areas in the first eight of sixteen slots of a region
 * (the rest reserved PROT_NONE). Each round moves one area with mremap to
 * a free slot, then moves another area onto the place of a third one with
 * MREMAP_FIXED (which replaces it), and writes one page of each moved area.
 * Contents travel with the areas: after restore every slot must hold the
 * area the replayed rounds put there, with its pages, and a slot left by a
 * move must be unmapped. The parent images hold other data at all those
 * addresses.
 */
#include <string.h>
#include <sys/mman.h>

#include "zdtmtst.h"

#define SEED		0x6d72656d6170ULL
#define NR_SLOTS	16
#define NR_AREAS	8
#define SLOT_PAGES	8
#define SLOT_SIZE	(SLOT_PAGES * TEST_PAGE_SIZE)

struct layout {
	int area[NR_SLOTS];		/* area in the slot, -1: none */
	char hole[NR_SLOTS];		/* none and unmapped (else reserved) */
	uint8_t gen[NR_AREAS][SLOT_PAGES];
};

static char *region;
static struct layout live;

static char *slot(int s)
{
	return region + (size_t)s * SLOT_SIZE;
}

static void initial(struct layout *l)
{
	memset(l, 0, sizeof(*l));
	for (int s = 0; s < NR_SLOTS; s++)
		l->area[s] = s < NR_AREAS ? s : -1;
}

/* The first slot from "from" on (cyclically), other than skip, that is (not) used. */
static int find_slot(const struct layout *l, int from, int used, int skip)
{
	for (int i = 0; i < NR_SLOTS; i++) {
		int s = (from + i) % NR_SLOTS;

		if (s != skip && (l->area[s] >= 0) == used)
			return s;
	}
	return -1;
}

/* Move the area of slot src over slot dst (whatever is there goes). */
static int move(struct layout *l, int src, int dst, int page, int r, int do_mem)
{
	int a = l->area[src];

	if (do_mem) {
		if (mremap(slot(src), SLOT_SIZE, SLOT_SIZE, MREMAP_MAYMOVE | MREMAP_FIXED,
			   slot(dst)) != slot(dst)) {
			fail("mremap slot %d to slot %d: %m", src, dst);
			return -1;
		}
		page_fill(slot(dst) + page * TEST_PAGE_SIZE, SEED, a * SLOT_PAGES + page, r);
		test_msg("round %d: area %d moved from slot %d onto slot %d (area %d there)",
			 r, a, src, dst, l->area[dst]);
	}
	l->area[dst] = a;
	l->hole[dst] = 0;
	l->area[src] = -1;
	l->hole[src] = 1;
	l->gen[a][page] = r;
	return 0;
}

static int play_round(struct layout *l, int r, int do_mem)
{
	int src, dst;

	src = find_slot(l, r * 5, 1, -1);
	dst = find_slot(l, src + 1, 0, -1);
	if (src < 0 || dst < 0 || move(l, src, dst, r % SLOT_PAGES, r, do_mem))
		return -1;
	/* Onto another area: two used slots, neither the one just filled. */
	src = find_slot(l, dst + 1, 1, dst);
	dst = src < 0 ? -1 : find_slot(l, src + 1, 1, dst);
	if (src < 0 || dst < 0 || src == dst)
		return 0;
	return move(l, src, dst, (r + 3) % SLOT_PAGES, r, do_mem);
}

static int do_round(int r)
{
	return play_round(&live, r, 1);
}

static int check_slot(const struct layout *l, int s)
{
	const char *want = l->area[s] >= 0 ? "rw-p" : "---p";
	struct test_vma vma;
	int a = l->area[s];

	if (l->hole[s]) {
		if (test_vma_range((unsigned long)slot(s), (unsigned long)slot(s + 1), &vma, 1)) {
			fail("slot %d should be unmapped, has %lx-%lx %s", s, vma.start,
			     vma.end, vma.prot);
			return -1;
		}
		return 0;
	}
	if (test_vma_find((unsigned long)slot(s), &vma) ||
	    vma.end < (unsigned long)slot(s + 1) || strcmp(vma.prot, want)) {
		fail("slot %d is not mapped %s", s, want);
		return -1;
	}
	for (int i = 0; a >= 0 && i < SLOT_PAGES; i++)
		if (page_check(slot(s) + i * TEST_PAGE_SIZE, SEED, a * SLOT_PAGES + i,
			       l->gen[a][i])) {
			fail("slot %d page %d is not page %d of area %d, generation %d",
			     s, i, i, a, l->gen[a][i]);
			return -1;
		}
	return 0;
}

int main(int argc, char **argv)
{
	struct layout want;
	int ret, rounds;

	ret = test_init(argc, argv, 0);
	if (ret)
		return test_init_exit(ret);
	region = mmap(NULL, NR_SLOTS * SLOT_SIZE, PROT_NONE,
		      MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (region == MAP_FAILED) {
		fail("reserve the region: %m");
		return 1;
	}
	initial(&live);
	/* One mapping per area: mremap must not drag a neighbour along. */
	for (int a = 0; a < NR_AREAS; a++) {
		if (mmap(slot(a), SLOT_SIZE, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0) != slot(a)) {
			fail("mmap area %d: %m", a);
			return 1;
		}
		for (int i = 0; i < SLOT_PAGES; i++)
			page_fill(slot(a) + i * TEST_PAGE_SIZE, SEED, a * SLOT_PAGES + i, 0);
	}
	if (test_on_round(do_round) || test_daemon())
		return 1;
	test_waitsig();

	rounds = test_rounds_check();
	if (rounds < 0)
		return 1;
	initial(&want);
	for (int r = 1; r <= rounds; r++)
		play_round(&want, r, 0);
	if (memcmp(&want, &live, sizeof(want))) {
		fail("the layout replayed for %d rounds is not the one noted", rounds);
		return 1;
	}
	if (test_broken())
		memset(slot(find_slot(&want, 0, 1, -1)), 0, 64);
	for (int s = 0; s < NR_SLOTS; s++)
		if (check_slot(&want, s))
			return 1;
	pass();
	return 0;
}
