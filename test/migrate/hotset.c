// SPDX-License-Identifier: GPL-2.0
/*
 * hotset - the convergence workload of the migrate tier: MB mebibytes
 * filled once, then HOT pages of them rewritten again and again (the
 * whole hot set about every millisecond), so that every pre-dump after
 * the first sends the same pages.
 *
 *   hotset --mb MB --hot PAGES --pidfile FILE --outfile FILE
 *
 * It daemonizes; the pidfile names the daemon once its memory is filled.
 * On SIGTERM it checks every page (a cold page holds its index and the
 * fill stamp, a hot page its index and a write count that only grew) and
 * writes PASS or FAIL to the outfile.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#define PAGE	4096
#define STAMP	0x686f747365745aULL

struct page_head {
	uint64_t index;
	uint64_t stamp;		/* STAMP, or the write count of a hot page */
};

static volatile sig_atomic_t stop;

static void on_term(int sig)
{
	stop = 1;
}

static const char *check(uint8_t *mem, size_t pages, size_t hot, uint64_t count)
{
	static char why[128];
	size_t i;

	for (i = 0; i < pages; i++) {
		struct page_head *h = (struct page_head *)(mem + i * PAGE);
		bool is_hot = i % (pages / hot) == 0 && i / (pages / hot) < hot;

		if (h->index != i) {
			snprintf(why, sizeof(why), "page %zu holds index %llu", i,
				 (unsigned long long)h->index);
			return why;
		}
		if (!is_hot && h->stamp != STAMP) {
			snprintf(why, sizeof(why), "cold page %zu lost its stamp", i);
			return why;
		}
		if (is_hot && h->stamp > count) {
			snprintf(why, sizeof(why), "hot page %zu count %llu above %llu", i,
				 (unsigned long long)h->stamp, (unsigned long long)count);
			return why;
		}
	}
	return NULL;
}

/* Every page filled once; then the parent may name the daemon (@ready). */
static uint8_t *fill(size_t pages, int ready)
{
	uint8_t *mem;
	size_t i;

	mem = mmap(NULL, pages * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (mem == MAP_FAILED)
		return NULL;
	for (i = 0; i < pages; i++) {
		struct page_head *h = (struct page_head *)(mem + i * PAGE);

		h->index = i;
		h->stamp = STAMP;
	}
	if (write(ready, "", 1) != 1)
		return NULL;
	close(ready);
	return mem;
}

static int run(size_t mb, size_t hot, const char *outfile, int ready)
{
	size_t pages = mb * 256, i, step;
	struct timespec ms = { 0, 1000000 };
	uint64_t count = 0;
	const char *why;
	uint8_t *mem;
	FILE *f;

	mem = fill(pages, ready);
	if (!mem)
		return 1;
	step = pages / hot;
	while (!stop) {
		count++;
		for (i = 0; i < hot; i++)
			((struct page_head *)(mem + i * step * PAGE))->stamp = count;
		nanosleep(&ms, NULL);
	}
	why = check(mem, pages, hot, count);
	f = fopen(outfile, "w");
	if (!f)
		return 1;
	if (why)
		fprintf(f, "FAIL: %s\n", why);
	else
		fprintf(f, "PASS\n");
	return fclose(f) ? 1 : 0;
}

int main(int argc, char **argv)
{
	const char *pidfile = NULL, *outfile = NULL;
	size_t mb = 0, hot = 0;
	pid_t pid;
	FILE *f;
	int i, p[2];

	for (i = 1; i + 1 < argc; i += 2) {
		if (!strcmp(argv[i], "--mb"))
			mb = strtoul(argv[i + 1], NULL, 10);
		else if (!strcmp(argv[i], "--hot"))
			hot = strtoul(argv[i + 1], NULL, 10);
		else if (!strcmp(argv[i], "--pidfile"))
			pidfile = argv[i + 1];
		else if (!strcmp(argv[i], "--outfile"))
			outfile = argv[i + 1];
	}
	if (!mb || !hot || hot > mb * 256 || !pidfile || !outfile || i != argc) {
		fprintf(stderr, "usage: hotset --mb MB --hot PAGES --pidfile FILE --outfile FILE\n");
		return 2;
	}
	signal(SIGTERM, on_term);
	/* the pidfile once the fill is done: a pre-dump before would catch it all */
	if (pipe(p))
		return 1;
	pid = fork();
	if (pid < 0)
		return 1;
	if (pid) {
		char c;

		close(p[1]);
		if (read(p[0], &c, 1) != 1)
			return 1;
		f = fopen(pidfile, "w");
		if (!f || fprintf(f, "%d\n", pid) < 0 || fclose(f))
			return 1;
		return 0;
	}
	if (setsid() < 0)
		return 1;
	i = open("/dev/null", O_RDWR);
	if (i < 0 || dup2(i, 0) < 0 || dup2(i, 1) < 0 || dup2(i, 2) < 0)
		return 1;
	close(p[0]);
	return run(mb, hot, outfile, p[1]);
}
