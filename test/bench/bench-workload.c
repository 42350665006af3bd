// SPDX-License-Identifier: GPL-2.0
/*
 * bench-workload: a process that owns SIZE MiB of written anonymous memory
 * and then sleeps, so that dump and restore times measure page transfer
 * and nothing else.
 *
 * Every page is written in full (a byte pattern plus the page index in the
 * first and last word), so no page is the shared zero page and every page
 * is distinct.  Once the memory is ready the process creates the file given
 * with -r, which is how scripts/bench.sh knows it can dump.  SIGUSR1 makes
 * it compare every page with what it should hold and print "verify OK" or
 * "verify FAILED page=N" on stdout; the benchmark uses that after restore,
 * outside of the timed part.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#define PAGE_SIZE	4096UL
#define WORDS_PER_PAGE	(PAGE_SIZE / sizeof(uint64_t))
#define INDEX_MAGIC	0x6f6f68ULL	/* "ooh" */

static volatile sig_atomic_t verify_requested;

static void on_sigusr1(int sig)
{
	verify_requested = 1;
}

static uint64_t page_tag(unsigned long page)
{
	return (INDEX_MAGIC << 40) | page;
}

/* What page number @page holds: a byte pattern framed by two tags. */
static void make_page(uint64_t *p, unsigned long page)
{
	memset(p, (int)(page & 0xff) | 1, PAGE_SIZE);
	p[0] = page_tag(page);
	p[WORDS_PER_PAGE - 1] = ~page_tag(page);
}

static void fill(uint64_t *buf, unsigned long nr_pages)
{
	unsigned long page;

	for (page = 0; page < nr_pages; page++)
		make_page(buf + page * WORDS_PER_PAGE, page);
}

/* Returns the first page that differs from what it should hold, or nr_pages. */
static unsigned long check(const uint64_t *buf, unsigned long nr_pages)
{
	static uint64_t want[WORDS_PER_PAGE];
	unsigned long page;

	for (page = 0; page < nr_pages; page++) {
		make_page(want, page);
		if (memcmp(buf + page * WORDS_PER_PAGE, want, PAGE_SIZE))
			break;
	}
	return page;
}

static int report(const uint64_t *buf, unsigned long nr_pages)
{
	unsigned long bad = check(buf, nr_pages);
	char line[96];
	int len;

	if (bad == nr_pages)
		len = snprintf(line, sizeof(line), "verify OK pages=%lu\n",
			       nr_pages);
	else
		len = snprintf(line, sizeof(line), "verify FAILED page=%lu\n",
			       bad);
	if (write(STDOUT_FILENO, line, len) != len)
		return -EIO;
	return 0;
}

static int mark_ready(const char *path)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);

	if (fd < 0)
		return -errno;
	if (close(fd))
		return -errno;
	return 0;
}

static int wait_for_requests(const uint64_t *buf, unsigned long nr_pages)
{
	sigset_t usr1, old;
	int ret;

	/* Block SIGUSR1 between the flag test and the sleep so none is lost. */
	sigemptyset(&usr1);
	sigaddset(&usr1, SIGUSR1);
	if (sigprocmask(SIG_BLOCK, &usr1, &old))
		return -errno;
	for (;;) {
		while (!verify_requested)
			sigsuspend(&old);
		verify_requested = 0;
		ret = report(buf, nr_pages);
		if (ret)
			return ret;
	}
}

int main(int argc, char **argv)
{
	unsigned long size_mib = 1024, nr_pages;
	const char *ready = NULL;
	struct sigaction sa;
	uint64_t *buf;
	char *end;
	int opt, ret;

	while ((opt = getopt(argc, argv, "s:r:")) != -1) {
		switch (opt) {
		case 's':
			errno = 0;
			size_mib = strtoul(optarg, &end, 0);
			if (errno || *end || !size_mib)
				goto usage;
			break;
		case 'r':
			ready = optarg;
			break;
		default:
			goto usage;
		}
	}

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_sigusr1;
	if (sigaction(SIGUSR1, &sa, NULL)) {
		perror("bench-workload: sigaction");
		return 1;
	}

	nr_pages = (size_mib << 20) / PAGE_SIZE;
	buf = mmap(NULL, nr_pages * PAGE_SIZE, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (buf == MAP_FAILED) {
		perror("bench-workload: mmap");
		return 1;
	}
	fill(buf, nr_pages);

	if (ready) {
		ret = mark_ready(ready);
		if (ret) {
			fprintf(stderr, "bench-workload: create %s: %s\n",
				ready, strerror(-ret));
			return 1;
		}
	}
	ret = wait_for_requests(buf, nr_pages);
	fprintf(stderr, "bench-workload: %s\n", strerror(-ret));
	return 1;

usage:
	fprintf(stderr, "usage: %s [-s SIZE_MIB] [-r READY_FILE]\n", argv[0]);
	return 2;
}
