// SPDX-License-Identifier: GPL-2.0
/*
 * madv_flags: one area for each madvise() advice the kernel keeps as an
 * area flag (huge pages on and off, no dump, no fork, wipe on fork, KSM,
 * sequential, random). After restore each area must show its VmFlags
 * mnemonic and no other area's.
 */
#include <errno.h>
#include <sys/mman.h>

#include "zdtmtst.h"

static const struct {
	int advice;
	const char *flag;
} advs[] = {
	{ MADV_HUGEPAGE, "hg" }, { MADV_NOHUGEPAGE, "nh" },
	{ MADV_DONTDUMP, "dd" }, { MADV_DONTFORK, "dc" },
	{ MADV_WIPEONFORK, "wf" }, { MADV_MERGEABLE, "mg" },
	{ MADV_SEQUENTIAL, "sr" }, { MADV_RANDOM, "rr" },
};

#define NR	ARRAY_SIZE(advs)

static char *region;
static bool applied[NR];

/* Area i is page 2 * i; the pages between keep them apart. */
static char *area(size_t i)
{
	return region + 2 * i * TEST_PAGE_SIZE;
}

static int check(size_t i)
{
	char flags[256];

	if (test_vmflags((unsigned long)area(i), flags, sizeof(flags))) {
		fail("no VmFlags for area %zu", i);
		return -1;
	}
	for (size_t j = 0; j < NR; j++) {
		bool want = applied[j] && j == i;

		if (test_vmflag(flags, advs[j].flag) != want) {
			fail("area of \"%s\": VmFlags%s", advs[i].flag, flags);
			return -1;
		}
	}
	return 0;
}

int main(int argc, char **argv)
{
	int ret;

	ret = test_init(argc, argv, 0);
	if (ret)
		return test_init_exit(ret);
	region = mmap(NULL, 2 * NR * TEST_PAGE_SIZE, PROT_READ | PROT_WRITE,
		      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (region == MAP_FAILED) {
		fail("mmap: %m");
		return 1;
	}
	for (size_t i = 0; i < NR; i++) {
		/* THP or KSM may be compiled out: then there is nothing to keep */
		if (madvise(area(i), TEST_PAGE_SIZE, advs[i].advice) == 0)
			applied[i] = true;
		else if (errno != EINVAL) {
			fail("madvise %s: %m", advs[i].flag);
			return 1;
		}
		area(i)[0] = (char)i;
	}
	if (test_daemon())
		return 1;
	test_waitsig();

	if (test_broken())
		madvise(area(6), TEST_PAGE_SIZE, MADV_NORMAL);
	for (size_t i = 0; i < NR; i++)
		if (check(i))
			return 1;
	pass();
	return 0;
}
