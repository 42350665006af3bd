// SPDX-License-Identifier: GPL-2.0
/*
 * lazy_mm_events: what a process does to its memory before a lazy
 * restore has brought all of it back. Five private anonymous areas of
 * known pages; after restore (with ./run.sh --lazy, while the daemon
 * holds back its background push) the test checks first that pages are
 * really missing, then: forks a child that reads one area, mremap()s one
 * to another place, munmap()s half of one, madvise(MADV_DONTNEED)s half
 * of one, and has four threads read the last one at once. Every page must
 * hold what it held before the dump; the dropped ones read zeros.
 */
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "zdtmtst.h"

#define SEED		0x6c617a79ULL
#define NR_PAGES	256
#define AREA_LEN	(NR_PAGES * TEST_PAGE_SIZE)
#define NR_THREADS	4
#define PM_PRESENT	(1ULL << 63)

enum { A_FORK, A_REMAP, A_UNMAP, A_DONTNEED, A_THREADS, NR_AREAS };

static char *area[NR_AREAS];
static char *remap_to;			/* a reserved place for A_REMAP */
static char why[NR_THREADS][128];

static unsigned long key(int a, int i)
{
	return (unsigned long)a << 16 | i;
}

/* The first page of [from, to) of area @a at @base that is wrong, or -1. */
static int check_pages(const char *base, int a, int from, int to, int gen)
{
	for (int i = from; i < to; i++)
		if (page_check(base + i * TEST_PAGE_SIZE, SEED, key(a, i), gen))
			return i;
	return -1;
}

static int present_pages(const char *base)
{
	uint64_t pm[NR_PAGES];
	off_t off = (unsigned long)base / TEST_PAGE_SIZE * sizeof(uint64_t);
	int fd, n = 0;

	fd = open("/proc/self/pagemap", O_RDONLY);
	if (fd < 0 || pread(fd, pm, sizeof(pm), off) != sizeof(pm)) {
		fail("read /proc/self/pagemap: %m");
		return -1;
	}
	close(fd);
	for (int i = 0; i < NR_PAGES; i++)
		n += !!(pm[i] & PM_PRESENT);
	return n;
}

static int child_reads(void *arg)
{
	int bad = check_pages(area[A_FORK], A_FORK, 0, NR_PAGES, 0);

	if (bad >= 0) {
		tree_fail("child: page %d of the forked area does not hold its data", bad);
		return 1;
	}
	return 0;
}

static void *thread_reads(void *arg)
{
	char *reason = arg;
	int t = (reason - why[0]) / sizeof(why[0]);
	/* each thread starts at another quarter, all read every page */
	for (int k = 0; k < NR_PAGES; k++) {
		int i = (k + t * NR_PAGES / NR_THREADS) % NR_PAGES;

		if (page_check(area[A_THREADS] + i * TEST_PAGE_SIZE, SEED, key(A_THREADS, i), 0)) {
			snprintf(reason, sizeof(why[0]), "thread %d: page %d is wrong", t, i);
			break;
		}
	}
	return NULL;
}

static int check_zero(const char *base, int from, int to)
{
	for (int i = from; i < to; i++)
		if (page_check(base + i * TEST_PAGE_SIZE, SEED, 0, PAGE_ZERO))
			return i;
	return -1;
}

static int check_after_restore(void)
{
	pthread_t ids[NR_THREADS];
	pid_t child;
	char *moved;
	int bad, n;

	if (getenv("ZDTM_LAZY")) {
		n = present_pages(area[A_THREADS]);
		if (n < 0)
			return 1;
		if (n == NR_PAGES) {
			fail("all %d pages were back before the process touched them: not a lazy restore",
			     n);
			return 1;
		}
	}
	/* fork: the child reads pages neither of them had yet */
	child = tree_fork(child_reads, NULL);
	if (child < 0 || tree_reap(child, "child"))
		return 1;
	bad = check_pages(area[A_FORK], A_FORK, 0, NR_PAGES, 0);
	if (bad >= 0) {
		fail("page %d of the forked area does not hold its data after the fork", bad);
		return 1;
	}
	/* mremap: the missing pages move with the area */
	moved = mremap(area[A_REMAP], AREA_LEN, AREA_LEN, MREMAP_MAYMOVE | MREMAP_FIXED, remap_to);
	if (moved != remap_to) {
		fail("mremap: %m");
		return 1;
	}
	bad = check_pages(moved, A_REMAP, 0, NR_PAGES, 0);
	if (bad >= 0) {
		fail("page %d of the moved area does not hold its data", bad);
		return 1;
	}
	/* munmap of the first half: the second half stays */
	if (munmap(area[A_UNMAP], AREA_LEN / 2)) {
		fail("munmap: %m");
		return 1;
	}
	bad = check_pages(area[A_UNMAP], A_UNMAP, NR_PAGES / 2, NR_PAGES, 0);
	if (bad >= 0) {
		fail("page %d of the half-unmapped area does not hold its data", bad);
		return 1;
	}
	/* MADV_DONTNEED on the first half: zeros there, data after */
	if (madvise(area[A_DONTNEED], AREA_LEN / 2, MADV_DONTNEED)) {
		fail("madvise: %m");
		return 1;
	}
	bad = check_zero(area[A_DONTNEED], 0, NR_PAGES / 2);
	if (bad >= 0) {
		fail("page %d after MADV_DONTNEED is not zero", bad);
		return 1;
	}
	bad = check_pages(area[A_DONTNEED], A_DONTNEED, NR_PAGES / 2, NR_PAGES, 0);
	if (bad >= 0) {
		fail("page %d after the MADV_DONTNEED half does not hold its data", bad);
		return 1;
	}
	/* threads fault on the same pages at once */
	if (test_threads_start(ids, NR_THREADS, thread_reads, why, sizeof(why[0])) ||
	    test_threads_join(ids, NR_THREADS, why[0], sizeof(why[0])))
		return 1;
	return 0;
}

int main(int argc, char **argv)
{
	int ret;

	ret = test_init(argc, argv, 0);
	if (ret)
		return test_init_exit(ret);
	for (int a = 0; a < NR_AREAS; a++) {
		area[a] = mmap(NULL, AREA_LEN, PROT_READ | PROT_WRITE,
			       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (area[a] == MAP_FAILED) {
			fail("mmap: %m");
			return 1;
		}
		for (int i = 0; i < NR_PAGES; i++)
			page_fill(area[a] + i * TEST_PAGE_SIZE, SEED, key(a, i), 0);
	}
	remap_to = mmap(NULL, AREA_LEN, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (remap_to == MAP_FAILED) {
		fail("mmap: %m");
		return 1;
	}
	if (test_daemon())
		return 1;
	test_waitsig();
	if (test_broken())
		area[A_THREADS][7 * TEST_PAGE_SIZE + 100] ^= 1;
	if (check_after_restore())
		return 1;
	pass();
	return 0;
}
