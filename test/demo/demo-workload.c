// SPDX-License-Identifier: GPL-2.0
/*
 * demo-workload: a process whose whole memory can be checked after restore.
 *
 * It maps a buffer, fills every page from a deterministic generator, then
 * keeps rewriting the pages one after another, each rewrite giving the page
 * a new version.  Step n rewrites page n % nr_pages to version
 * n / nr_pages + 1, so the content of the entire buffer is a function of the
 * step counter alone.  That lets the process, at any moment and in
 * particular after being checkpointed and restored, recompute what every
 * page must hold and compare.
 *
 * Each step also checks the page it is about to overwrite, so a page lost or
 * stale after restore is noticed within one sweep even without a request.
 * SIGUSR1 asks for a check of the whole buffer.  Everything is reported as
 * single lines on stdout, meant to be redirected to a file:
 *
 *   start pid=P size_mib=S pages=N addr=A
 *   verify OK n=STEP pages=N
 *   progress n=STEP
 *   verify FAILED n=STEP page=P word=W got=X want=Y
 */
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#define PAGE_SIZE	4096UL
#define WORDS_PER_PAGE	(PAGE_SIZE / sizeof(uint64_t))
#define STEPS_PER_BATCH	64
#define BATCH_PAUSE_NS	1000000L	/* keeps the demo from eating a core */
#define PROGRESS_NS	500000000L

struct workload {
	uint64_t *buf;
	unsigned long nr_pages;
	uint64_t step;		/* number of page rewrites done so far */
};

static volatile sig_atomic_t verify_requested;

static void on_sigusr1(int sig)
{
	verify_requested = 1;
}

/* splitmix64's finalizer: a cheap bijective mix of a 64-bit value. */
static uint64_t mix64(uint64_t x)
{
	x ^= x >> 30;
	x *= 0xbf58476d1ce4e5b9ULL;
	x ^= x >> 27;
	x *= 0x94d049bb133111ebULL;
	x ^= x >> 31;
	return x;
}

static uint64_t expected_word(unsigned long page, uint64_t version,
			      unsigned long word)
{
	uint64_t x = page * 0x9e3779b97f4a7c15ULL;

	x ^= (version + 1) * 0xc2b2ae3d27d4eb4fULL;
	return mix64(x + word);
}

static int say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static int say(const char *fmt, ...)
{
	char line[256];
	va_list ap;
	ssize_t ret;
	int len;

	va_start(ap, fmt);
	len = vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (len < 0 || (size_t)len >= sizeof(line))
		return -EINVAL;
	/* One write per line: lines never interleave, nothing sits in a buffer. */
	ret = write(STDOUT_FILENO, line, len);
	if (ret < 0)
		return -errno;
	return ret == len ? 0 : -EIO;
}

/* Version page @page holds after @step rewrites of the buffer. */
static uint64_t page_version(const struct workload *w, unsigned long page,
			     uint64_t step)
{
	uint64_t version = step / w->nr_pages;

	if (page < step % w->nr_pages)
		version++;
	return version;
}

static void fill_page(struct workload *w, unsigned long page, uint64_t version)
{
	uint64_t *p = w->buf + page * WORDS_PER_PAGE;
	unsigned long i;

	for (i = 0; i < WORDS_PER_PAGE; i++)
		p[i] = expected_word(page, version, i);
}

static int check_page(const struct workload *w, unsigned long page,
		      uint64_t version)
{
	const uint64_t *p = w->buf + page * WORDS_PER_PAGE;
	unsigned long i;
	uint64_t want;

	for (i = 0; i < WORDS_PER_PAGE; i++) {
		want = expected_word(page, version, i);
		if (p[i] == want)
			continue;
		say("verify FAILED n=%llu page=%lu word=%lu got=%#llx want=%#llx\n",
		    (unsigned long long)w->step, page, i,
		    (unsigned long long)p[i], (unsigned long long)want);
		return -EIO;
	}
	return 0;
}

static int verify_all(const struct workload *w)
{
	unsigned long page;
	int ret;

	for (page = 0; page < w->nr_pages; page++) {
		ret = check_page(w, page, page_version(w, page, w->step));
		if (ret)
			return ret;
	}
	return say("verify OK n=%llu pages=%lu\n",
		   (unsigned long long)w->step, w->nr_pages);
}

/* Rewrite the next page, after checking it still holds what it should. */
static int do_step(struct workload *w)
{
	unsigned long page = w->step % w->nr_pages;
	uint64_t version = w->step / w->nr_pages;
	int ret;

	ret = check_page(w, page, version);
	if (ret)
		return ret;
	fill_page(w, page, version + 1);
	w->step++;
	return 0;
}

static int64_t now_ns(void)
{
	struct timespec ts;

	if (clock_gettime(CLOCK_MONOTONIC, &ts))
		return -errno;
	return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static int run(struct workload *w)
{
	const struct timespec pause = { 0, BATCH_PAUSE_NS };
	int64_t next_progress = 0, now;
	int i, ret;

	for (;;) {
		if (verify_requested) {
			verify_requested = 0;
			ret = verify_all(w);
			if (ret)
				return ret;
		}
		for (i = 0; i < STEPS_PER_BATCH; i++) {
			ret = do_step(w);
			if (ret)
				return ret;
		}
		now = now_ns();
		if (now < 0)
			return (int)now;
		if (now >= next_progress) {
			ret = say("progress n=%llu\n",
				  (unsigned long long)w->step);
			if (ret)
				return ret;
			next_progress = now + PROGRESS_NS;
		}
		/* EINTR (SIGUSR1) only shortens the pause. */
		if (nanosleep(&pause, NULL) && errno != EINTR)
			return -errno;
	}
}

static int setup(struct workload *w, unsigned long size_mib)
{
	struct sigaction sa;
	unsigned long page;
	size_t len = size_mib << 20;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_sigusr1;
	if (sigaction(SIGUSR1, &sa, NULL))
		return -errno;

	w->nr_pages = len / PAGE_SIZE;
	w->buf = mmap(NULL, len, PROT_READ | PROT_WRITE,
		      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (w->buf == MAP_FAILED)
		return -errno;

	for (page = 0; page < w->nr_pages; page++)
		fill_page(w, page, 0);
	w->step = 0;
	return say("start pid=%d size_mib=%lu pages=%lu addr=%p\n",
		   getpid(), size_mib, w->nr_pages, (void *)w->buf);
}

static void usage(const char *prog)
{
	fprintf(stderr, "usage: %s [-s SIZE_MIB]\n"
		"  fills SIZE_MIB (default 256) of memory, keeps rewriting it;\n"
		"  SIGUSR1 checks the whole buffer, reports go to stdout\n",
		prog);
}

int main(int argc, char **argv)
{
	static struct workload w;
	unsigned long size_mib = 256;
	char *end;
	int opt, ret;

	while ((opt = getopt(argc, argv, "s:h")) != -1) {
		switch (opt) {
		case 's':
			errno = 0;
			size_mib = strtoul(optarg, &end, 0);
			if (errno || *end || !size_mib) {
				usage(argv[0]);
				return 2;
			}
			break;
		default:
			usage(argv[0]);
			return opt == 'h' ? 0 : 2;
		}
	}

	ret = setup(&w, size_mib);
	if (!ret)
		ret = verify_all(&w);
	if (!ret)
		ret = run(&w);
	fprintf(stderr, "demo-workload: %s\n", strerror(-ret));
	return 1;
}
