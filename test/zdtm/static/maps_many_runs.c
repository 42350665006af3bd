// SPDX-License-Identifier: GPL-2.0
/*
 * maps_many_runs: one private anonymous mapping whose written pages form
 * many separate runs (every other page written, the rest never touched),
 * more runs than one batch of a page-table scan is likely to return. After
 * restore the written pages must hold their data and the others zeroes.
 *
 * Options: --runs N (or ZDTM_RUNS=N); default 40000.
 */
#include <sys/mman.h>

#include "zdtmtst.h"

#define SEED	0x72756e73ULL

int main(int argc, char **argv)
{
	size_t nr_pages, p;
	char *mem;
	int ret;

	ret = test_init(argc, argv, 0);
	if (ret)
		return test_init_exit(ret);
	nr_pages = 2 * test_opt_long("runs", "ZDTM_RUNS", 40000);
	mem = mmap(NULL, nr_pages * TEST_PAGE_SIZE, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (mem == MAP_FAILED) {
		fail("mmap %zu pages: %m", nr_pages);
		return 1;
	}
	for (p = 0; p < nr_pages; p += 2)
		page_fill(mem + p * TEST_PAGE_SIZE, SEED, p, 0);
	test_msg("%zu runs at %p", nr_pages / 2, mem);

	if (test_daemon())
		return 1;
	test_waitsig();

	if (test_broken())
		mem[(nr_pages - 1) * TEST_PAGE_SIZE] = 1;
	for (p = 0; p < nr_pages; p++)
		if (page_check(mem + p * TEST_PAGE_SIZE, SEED, p, p % 2 ? PAGE_ZERO : 0))
			break;
	if (p < nr_pages) {
		fail("page %zu of %zu (%p) differs", p, nr_pages, mem + p * TEST_PAGE_SIZE);
		return 1;
	}
	pass();
	return 0;
}
