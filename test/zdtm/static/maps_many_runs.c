// SPDX-License-Identifier: GPL-2.0
/*
 * maps_many_runs: private anonymous mappings whose written pages form many
 * separate runs (every other page written, the rest never touched): 600,
 * 5000 and 20000 runs, more than one batch of a page-table scan is likely
 * to return. After restore the written pages must hold their data and the
 * others zeroes.
 */
#include <sys/mman.h>

#include "zdtmtst.h"

#define SEED	0x72756e73ULL

static const size_t nr_runs[] = { 600, 5000, 20000 };
static char *maps[ARRAY_SIZE(nr_runs)];

static int build(int m)
{
	size_t nr_pages = 2 * nr_runs[m];

	maps[m] = mmap(NULL, nr_pages * TEST_PAGE_SIZE, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (maps[m] == MAP_FAILED) {
		fail("mmap %zu pages: %m", nr_pages);
		return -1;
	}
	for (size_t p = 0; p < nr_pages; p += 2)
		page_fill(maps[m] + p * TEST_PAGE_SIZE, SEED, m * 100000 + p, 0);
	test_msg("%zu runs at %p", nr_runs[m], maps[m]);
	return 0;
}

static int check(int m)
{
	size_t nr_pages = 2 * nr_runs[m];

	for (size_t p = 0; p < nr_pages; p++)
		if (page_check(maps[m] + p * TEST_PAGE_SIZE, SEED, m * 100000 + p,
			       p % 2 ? PAGE_ZERO : 0)) {
			fail("mapping of %zu runs: page %zu (%p) differs", nr_runs[m], p,
			     maps[m] + p * TEST_PAGE_SIZE);
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
	for (size_t m = 0; m < ARRAY_SIZE(maps); m++)
		if (build(m))
			return 1;
	if (test_daemon())
		return 1;
	test_waitsig();

	if (test_broken())
		maps[2][(2 * nr_runs[2] - 1) * TEST_PAGE_SIZE] = 1;
	for (size_t m = 0; m < ARRAY_SIZE(maps); m++)
		if (check(m))
			return 1;
	pass();
	return 0;
}
