// SPDX-License-Identifier: GPL-2.0
/*
 * mprotect: one region carved into areas of different protections, with
 * guard pages and holes between them. After restore /proc/self/maps must
 * show the same layout (bounds and protections), the data must be there
 * where it is readable, and even under PROT_NONE (checked by unprotecting).
 */
#include <string.h>
#include <sys/mman.h>

#include "zdtmtst.h"

#define NR_PAGES	32
#define MAX_VMAS	32
#define SEED		0x6d70726f74ULL

struct area {
	int first, nr;		/* pages */
	int prot;		/* final protection, -1 for a hole */
	int data;		/* filled with the pattern before protecting */
};

/* The rest of the region stays PROT_NONE (reserved, never touched). */
static const struct area areas[] = {
	{ 0, 4, PROT_READ, 1 },
	{ 4, 1, PROT_NONE, 0 },			/* guard */
	{ 5, 3, PROT_READ | PROT_WRITE, 1 },
	{ 8, 1, -1, 0 },			/* hole */
	{ 9, 3, PROT_READ | PROT_EXEC, 1 },
	{ 12, 1, PROT_NONE, 0 },		/* guard */
	{ 13, 2, PROT_NONE, 1 },		/* data hidden under PROT_NONE */
	{ 15, 2, -1, 0 },			/* hole */
	{ 17, 2, PROT_READ | PROT_WRITE | PROT_EXEC, 1 },
	{ 19, 1, PROT_WRITE, 1 },
	{ 20, 3, PROT_READ, 0 },		/* readable, never written: zeroes */
};

static char *region;
static struct test_vma layout[MAX_VMAS];
static int nr_layout;

static char *page(int i)
{
	return region + i * TEST_PAGE_SIZE;
}

static int build(void)
{
	region = mmap(NULL, NR_PAGES * TEST_PAGE_SIZE, PROT_NONE,
		      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (region == MAP_FAILED) {
		fail("mmap region: %m");
		return -1;
	}
	for (size_t i = 0; i < ARRAY_SIZE(areas); i++) {
		const struct area *a = &areas[i];
		size_t len = a->nr * TEST_PAGE_SIZE;

		if (a->prot < 0) {
			if (munmap(page(a->first), len))
				goto err;
			continue;
		}
		if (a->data) {
			if (mprotect(page(a->first), len, PROT_READ | PROT_WRITE))
				goto err;
			datagen(page(a->first), len, SEED + a->first);
		}
		if (mprotect(page(a->first), len, a->prot))
			goto err;
	}
	return 0;
err:
	fail("building the layout: %m");
	return -1;
}

/*
 * Whether two touching mappings with equal protections are one VMA or two is
 * the kernel's business (it depends on how they were made), not state the
 * process can rely on: count them as one.
 */
static int merge_equal(struct test_vma *vmas, int nr)
{
	int out = 0;

	for (int i = 0; i < nr; i++) {
		if (out && vmas[out - 1].end == vmas[i].start &&
		    !strcmp(vmas[out - 1].prot, vmas[i].prot)) {
			vmas[out - 1].end = vmas[i].end;
			continue;
		}
		vmas[out++] = vmas[i];
	}
	return out;
}

static int snapshot(struct test_vma *vmas)
{
	unsigned long start = (unsigned long)region;
	int nr = test_vma_range(start, start + NR_PAGES * TEST_PAGE_SIZE, vmas, MAX_VMAS);

	if (nr < 0 || nr > MAX_VMAS) {
		fail("reading maps of the region: %d", nr);
		return -1;
	}
	return merge_equal(vmas, nr);
}

/* The kernel's view must be the one we built, before and after restore. */
static int check_layout(void)
{
	struct test_vma now[MAX_VMAS];
	int nr = snapshot(now);

	if (nr < 0)
		return -1;
	if (nr != nr_layout) {
		fail("region has %d mappings, had %d", nr, nr_layout);
		return -1;
	}
	for (int i = 0; i < nr; i++) {
		if (now[i].start == layout[i].start && now[i].end == layout[i].end &&
		    !strcmp(now[i].prot, layout[i].prot))
			continue;
		fail("mapping %d is %lx-%lx %s, was %lx-%lx %s", i, now[i].start,
		     now[i].end, now[i].prot, layout[i].start, layout[i].end, layout[i].prot);
		return -1;
	}
	return 0;
}

static int check_area(const struct area *a)
{
	size_t len = a->nr * TEST_PAGE_SIZE;
	char *p = page(a->first);

	if (a->prot < 0 || (!a->data && !(a->prot & PROT_READ)))
		return 0;
	/* Look under PROT_NONE and write-only, then put the protection back. */
	if (!(a->prot & PROT_READ) && mprotect(p, len, PROT_READ)) {
		fail("mprotect page %d readable: %m", a->first);
		return -1;
	}
	if (a->data && datacheck(p, len, SEED + a->first) >= 0) {
		fail("data of area at page %d (prot %d) differs", a->first, a->prot);
		return -1;
	}
	for (size_t k = 0; !a->data && k < len; k++)
		if (p[k]) {
			fail("untouched area at page %d has data", a->first);
			return -1;
		}
	if (!(a->prot & PROT_READ) && mprotect(p, len, a->prot)) {
		fail("mprotect page %d back: %m", a->first);
		return -1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	int ret;

	ret = test_init(argc, argv, 0);
	if (ret)
		return test_init_exit(ret);
	if (build())
		return 1;
	nr_layout = snapshot(layout);
	if (nr_layout < 0)
		return 1;
	for (int i = 0; i < nr_layout; i++)
		test_msg("  %lx-%lx %s", layout[i].start, layout[i].end, layout[i].prot);

	if (test_daemon())
		return 1;
	test_waitsig();

	if (test_broken())
		mprotect(page(5), TEST_PAGE_SIZE, PROT_READ);
	if (check_layout())
		return 1;
	for (size_t i = 0; i < ARRAY_SIZE(areas); i++)
		if (check_area(&areas[i]))
			return 1;
	/* Checking put protections back: the layout must be unchanged. */
	if (check_layout())
		return 1;
	pass();
	return 0;
}
