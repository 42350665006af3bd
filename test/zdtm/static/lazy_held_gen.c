// SPDX-License-Identifier: GPL-2.0
/*
 * lazy_held_gen: a process that keeps writing its memory until SIGTERM.
 * It sweeps an area page by page, and before it gives a page the next
 * generation it checks that the page holds the previous one, made for
 * that page alone (page_fill() keys it by index). Its place in the sweep
 * (generation, page) lives on the stack and in registers, which every
 * restore brings back eagerly, as they were at the dump.
 *
 * So after a restore each page must hold exactly what it held at the
 * dump: a lazy page served with data of any later moment (the process
 * ran on after the dump) or of another page (a wrong offset) fails the
 * check of the first sweep that reaches it.
 */
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include "zdtmtst.h"

#define SEED		0x68656c64ULL
#define NR_PAGES	4096
#define NR_GENS		254		/* page_fill()'s generations are 0-254 */

static char *area;

static int prev_gen(int gen)
{
	return (gen + NR_GENS - 1) % NR_GENS;
}

static char *page(int i)
{
	return area + (unsigned long)i * TEST_PAGE_SIZE;
}

/* Sweep until SIGTERM; the generation and page reached when it came. */
static int sweep(int *gen_out, int *at_out)
{
	int gen = 1, i = 0;

	while (!test_stop) {
		for (i = 0; i < NR_PAGES && !test_stop; i++) {
			if (page_check(page(i), SEED, i, prev_gen(gen))) {
				fail("page %d does not hold generation %d before it gets %d",
				     i, prev_gen(gen), gen);
				return 1;
			}
			page_fill(page(i), SEED, i, gen);
		}
		if (i < NR_PAGES)
			break;
		/* a whole sweep: every page holds what the next takes for its previous */
		gen = (gen + 1) % NR_GENS;
		i = 0;
		usleep(1000);
	}
	*gen_out = gen;
	*at_out = i;
	return 0;
}

int main(int argc, char **argv)
{
	int ret, gen, at;

	ret = test_init(argc, argv, 0);
	if (ret)
		return test_init_exit(ret);
	area = mmap(NULL, (unsigned long)NR_PAGES * TEST_PAGE_SIZE, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (area == MAP_FAILED) {
		fail("mmap: %m");
		return 1;
	}
	for (int i = 0; i < NR_PAGES; i++)
		page_fill(page(i), SEED, i, 0);
	if (test_daemon())
		return 1;
	if (sweep(&gen, &at))
		return 1;
	if (test_broken())
		page(NR_PAGES - 1)[100] ^= 1;
	/* the pages before @at have @gen, the others the one before */
	for (int i = 0; i < NR_PAGES; i++)
		if (page_check(page(i), SEED, i, i < at ? gen : prev_gen(gen))) {
			fail("page %d does not hold generation %d after the sweep stopped at page %d",
			     i, i < at ? gen : prev_gen(gen), at);
			return 1;
		}
	pass();
	return 0;
}
