// SPDX-License-Identifier: GPL-2.0
/*
 * The process that test/plugin/run.sh checkpoints. It fills an anonymous
 * area and prints what it holds, one line an event, on stdout:
 *
 *   ready pid=P pages=N sum=S      after the first fill
 *   round R sum=S                  after SIGUSR1: a fifth of the pages
 *                                  rewritten, a few dropped (zero again)
 *   check sum=S verify=OK|FAILED   after SIGUSR2
 *
 * S is a hash of the whole area as it is in memory; the runner keeps the
 * one printed before the dump and compares it with the one printed after
 * restore. That comparison does not trust anything inside the dumped
 * memory, so a page restored from a stale parent image is caught even
 * when the victim's own bookkeeping went stale with it. verify= compares
 * the area with that bookkeeping, which catches torn pages.
 *
 * Usage: plugin-victim [PAGES]   (default 4096: 16 MiB)
 */
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#define PAGE_SIZE	4096UL
#define WORDS		(PAGE_SIZE / sizeof(uint64_t))
#define GEN_DROPPED	UINT32_MAX

static volatile sig_atomic_t rounds_asked, checks_asked;

static void on_usr1(int sig)
{
	rounds_asked++;
}

static void on_usr2(int sig)
{
	checks_asked++;
}

static uint64_t word_of(unsigned long page, unsigned long word, uint32_t gen)
{
	uint64_t x = (page << 20) ^ (word << 4) ^ ((uint64_t)gen << 40);

	/* A mix so that no two (page, word, gen) share a value by chance. */
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdULL;
	x ^= x >> 33;
	return x | 1;
}

static void fill_page(uint64_t *p, unsigned long page, uint32_t gen)
{
	unsigned long w;

	for (w = 0; w < WORDS; w++)
		p[w] = word_of(page, w, gen);
}

/*
 * A hash of the area. With @gen, dropped pages count as zeros without
 * being read: reading one would map the zero page, and a dropped page
 * must stay unmapped until the dump, so that a tracker that misses a
 * drop (and reports only pages it finds in memory) is caught.
 */
static uint64_t area_sum(const uint64_t *area, const uint32_t *gen,
			 unsigned long pages)
{
	uint64_t h = 0xcbf29ce484222325ULL;
	unsigned long i, w;

	for (i = 0; i < pages; i++) {
		bool dropped = gen && gen[i] == GEN_DROPPED;

		for (w = 0; w < WORDS; w++)
			h = (h ^ (dropped ? 0 : area[i * WORDS + w])) * 0x100000001b3ULL;
	}
	return h;
}

static bool page_ok(const uint64_t *p, unsigned long page, uint32_t gen)
{
	unsigned long w;

	for (w = 0; w < WORDS; w++)
		if (p[w] != (gen == GEN_DROPPED ? 0 : word_of(page, w, gen)))
			return false;
	return true;
}

static unsigned long verify(const uint64_t *area, const uint32_t *gen,
			    unsigned long pages)
{
	unsigned long i, bad = 0;

	for (i = 0; i < pages; i++)
		if (!page_ok(area + i * WORDS, i, gen[i]))
			bad++;
	return bad;
}

/* Round @r rewrites every fifth page (a different fifth each round)
 * and drops every 97th page from a shifting start. */
static void do_round(uint64_t *area, uint32_t *gen, unsigned long pages,
		     uint32_t r)
{
	unsigned long i;

	for (i = (r % 5); i < pages; i += 5) {
		gen[i] = r;
		fill_page(area + i * WORDS, i, r);
	}
	for (i = (r % 97); i < pages; i += 97) {
		if (madvise(area + i * WORDS, PAGE_SIZE, MADV_DONTNEED)) {
			perror("madvise(MADV_DONTNEED)");
			continue;
		}
		gen[i] = GEN_DROPPED;
	}
}

static int setup_signals(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_flags = SA_RESTART;
	sa.sa_handler = on_usr1;
	if (sigaction(SIGUSR1, &sa, NULL))
		return -1;
	sa.sa_handler = on_usr2;
	return sigaction(SIGUSR2, &sa, NULL);
}

int main(int argc, char **argv)
{
	unsigned long pages = argc > 1 ? strtoul(argv[1], NULL, 0) : 4096, i;
	sig_atomic_t rounds_done = 0, checks_done = 0;
	uint64_t *area;
	uint32_t *gen;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (!pages || setup_signals()) {
		perror("plugin-victim: setup");
		return 1;
	}
	area = mmap(NULL, pages * PAGE_SIZE, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	gen = calloc(pages, sizeof(*gen));
	if (area == MAP_FAILED || !gen) {
		perror("plugin-victim: memory");
		return 1;
	}
	for (i = 0; i < pages; i++)
		fill_page(area + i * WORDS, i, 0);
	printf("ready pid=%d pages=%lu sum=%016llx\n", getpid(), pages,
	       (unsigned long long)area_sum(area, gen, pages));
	for (;;) {
		if (rounds_done != rounds_asked) {
			do_round(area, gen, pages, ++rounds_done);
			printf("round %d sum=%016llx\n", (int)rounds_done,
			       (unsigned long long)area_sum(area, gen, pages));
		}
		if (checks_done != checks_asked) {
			checks_done++;
			/* Every page read: what the restore really put back. */
			printf("check sum=%016llx verify=%s\n",
			       (unsigned long long)area_sum(area, NULL, pages),
			       verify(area, gen, pages) ? "FAILED" : "OK");
		}
		usleep(10000);
	}
}
