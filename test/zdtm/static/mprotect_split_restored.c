// SPDX-License-Identifier: GPL-2.0
/*
 * mprotect_split_restored: an area of data split in three by mprotect()
 * right after the restore, before anything reads it. With a lazy restore
 * its pages are still missing then, and mprotect() tells the lazy-pages
 * daemon nothing: a copy the daemon planned over the whole area now
 * spans three areas, which the kernel refuses as it refuses an area that
 * is gone. Every page must still arrive, with its data.
 *
 * A thread sees the restore as a change of the process's start time and
 * makes pages SPLIT_AT.. read-only at once; the main thread checks every
 * page and the protections after SIGTERM.
 */
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>

#include "zdtmtst.h"

#define SEED		0x73706c6974ULL
#define AREA_PAGES	256
#define SPLIT_AT	100	/* not on a boundary of the daemon's copies */
#define SPLIT_PAGES	2

static char *area;
static unsigned long long born;		/* start_time() before any dump */
static volatile int stop;
static int split;
static char thread_bad[256];

/* Field 22 of /proc/self/stat: when this process started, in ticks. */
static unsigned long long start_time(void)
{
	unsigned long long t = 0;
	char buf[1024], *p;
	FILE *f;
	size_t n;

	f = fopen("/proc/self/stat", "r");
	if (!f)
		return 0;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	p = strrchr(buf, ')');
	if (!p || sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u "
			 "%*u %*u %*d %*d %*d %*d %*d %*d %llu", &t) != 1)
		return 0;
	return t;
}

static void *splitter(void *arg)
{
	struct timespec ms = { 0, 1000000 };

	while (!stop) {
		if (start_time() != born) {
			if (mprotect(area + SPLIT_AT * TEST_PAGE_SIZE,
				     SPLIT_PAGES * TEST_PAGE_SIZE, PROT_READ))
				snprintf(thread_bad, sizeof(thread_bad), "mprotect: %m");
			else
				split = 1;
			break;
		}
		nanosleep(&ms, NULL);
	}
	return NULL;
}

static int check_prot(void)
{
	struct test_vma vma;
	const char *want;

	for (int i = 0; i < AREA_PAGES; i++) {
		unsigned long addr = (unsigned long)area + i * TEST_PAGE_SIZE;
		bool ro = split && i >= SPLIT_AT && i < SPLIT_AT + SPLIT_PAGES;

		want = ro ? "r--p" : "rw-p";
		if (test_vma_find(addr, &vma) || strcmp(vma.prot, want)) {
			fail("page %d of the area is not mapped %s", i, want);
			return -1;
		}
	}
	return 0;
}

int main(int argc, char **argv)
{
	pthread_t tid;
	int ret;

	ret = test_init(argc, argv, 0);
	if (ret)
		return test_init_exit(ret);
	area = mmap(NULL, AREA_PAGES * TEST_PAGE_SIZE, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (area == MAP_FAILED) {
		fail("mmap the area: %m");
		return 1;
	}
	for (int i = 0; i < AREA_PAGES; i++)
		page_fill(area + i * TEST_PAGE_SIZE, SEED, i, 1);
	born = start_time();
	if (!born) {
		fail("no start time in /proc/self/stat");
		return 1;
	}
	if (test_threads_start(&tid, 1, splitter, NULL, 0) || test_daemon())
		return 1;
	test_waitsig();

	stop = 1;
	if (test_threads_join(&tid, 1, thread_bad, 0))
		return 1;
	if (start_time() != born && !split) {
		fail("restored, but the thread did not split the area");
		return 1;
	}
	if (test_broken())
		area[7] ^= 1;
	for (int i = 0; i < AREA_PAGES; i++) {
		if (page_check(area + i * TEST_PAGE_SIZE, SEED, i, 1)) {
			fail("page %d of the area lost its data%s", i,
			     split ? " (split after the restore)" : "");
			return 1;
		}
	}
	if (check_prot())
		return 1;
	test_msg("%d pages checked, %s after the restore\n", AREA_PAGES,
		 split ? "split" : "not split");
	pass();
	return 0;
}
