// SPDX-License-Identifier: GPL-2.0
/*
 * mlock_areas: a region with data, part of it locked with mlock() and the
 * rest not. After restore exactly the locked pages must be locked again
 * (VmFlags "lo" on their area, not on the rest) and the data intact.
 */
#include <sys/mman.h>

#include "zdtmtst.h"

#define NR_PAGES	8
#define SEED		0x6d6c6f636bULL

static char *region;

/* Pages 2..4 are locked. */
static int check_area(int page, bool locked)
{
	char flags[256];

	if (test_vmflags((unsigned long)region + page * TEST_PAGE_SIZE, flags,
			 sizeof(flags))) {
		fail("no VmFlags for page %d", page);
		return -1;
	}
	if (test_vmflag(flags, "lo") != locked) {
		fail("page %d: VmFlags%s, want it %slocked", page, flags,
		     locked ? "" : "not ");
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
	region = mmap(NULL, NR_PAGES * TEST_PAGE_SIZE, PROT_READ | PROT_WRITE,
		      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (region == MAP_FAILED) {
		fail("mmap: %m");
		return 1;
	}
	datagen(region, NR_PAGES * TEST_PAGE_SIZE, SEED);
	if (mlock(region + 2 * TEST_PAGE_SIZE, 3 * TEST_PAGE_SIZE)) {
		fail("mlock: %m");
		return 1;
	}
	if (test_daemon())
		return 1;
	test_waitsig();

	if (test_broken())
		munlock(region + 3 * TEST_PAGE_SIZE, TEST_PAGE_SIZE);
	for (int p = 0; p < NR_PAGES; p++)
		if (check_area(p, p >= 2 && p <= 4))
			return 1;
	if (datacheck(region, NR_PAGES * TEST_PAGE_SIZE, SEED) >= 0) {
		fail("data differs");
		return 1;
	}
	pass();
	return 0;
}
