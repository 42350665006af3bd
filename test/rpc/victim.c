// SPDX-License-Identifier: GPL-2.0
/*
 * The process the RPC tests dump and restore. It keeps 4 MiB in which
 * every word of page p holds its index plus stamp[p]; every 20 ms it
 * checks all of it, restamps a few pages (so that each pre-dump finds
 * new dirty pages) and appends its counter to the log named by argv[1].
 * A page restored from a stale image breaks the rule: it logs "BAD".
 */
#include <stdio.h>
#include <time.h>

#define PAGE_WORDS	(4096 / sizeof(unsigned long))
#define NR_PAGES	1024

static unsigned long words[NR_PAGES * PAGE_WORDS];
static unsigned long stamp[NR_PAGES];

static void restamp(unsigned long p, unsigned long s)
{
	unsigned long i;

	stamp[p] = s;
	for (i = p * PAGE_WORDS; i < (p + 1) * PAGE_WORDS; i++)
		words[i] = i + s;
}

static long check(void)
{
	unsigned long i;

	for (i = 0; i < NR_PAGES * PAGE_WORDS; i++)
		if (words[i] != i + stamp[i / PAGE_WORDS])
			return i;
	return -1;
}

int main(int argc, char **argv)
{
	struct timespec ts = { 0, 20 * 1000 * 1000 };
	unsigned long counter = 0, p;
	FILE *log;
	long bad;

	if (argc != 2)
		return 2;
	log = fopen(argv[1], "a");
	if (!log)
		return 1;
	setvbuf(log, NULL, _IOLBF, 0);
	for (p = 0; p < NR_PAGES; p++)
		restamp(p, 7);
	for (;;) {
		bad = check();
		if (bad >= 0) {
			fprintf(log, "BAD word %ld\n", bad);
			return 1;
		}
		counter++;
		for (p = 0; p < 8; p++)
			restamp((counter * 8 + p) % NR_PAGES, counter);
		fprintf(log, "%lu\n", counter);
		nanosleep(&ts, NULL);
	}
}
