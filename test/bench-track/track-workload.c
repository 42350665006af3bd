// SPDX-License-Identifier: GPL-2.0
/*
 * track-workload: the process that scripts/bench-track.sh checkpoints
 * incrementally. It owns SIZE MiB of written anonymous memory and keeps
 * writing a fixed part of it, so that each dump finds the same share of
 * its pages written since the last one, and it reports how fast it
 * writes, so that what a dirty tracker costs it can be measured.
 *
 * The written part ("hot set") is every STRIDE-th page, STRIDE = 100 / P
 * for P percent: spread over the whole area, as a program's writes
 * usually are, rather than one block a tracker could treat in bulk.
 * The main loop makes rounds: a round writes one 8-byte word into every
 * hot page, a different word each round. However many rounds run between
 * two dumps, the second dump finds exactly the hot set written.
 *
 * With -P PERCENT instead of -p (scripts/bench-migrate.sh), the writes
 * are paced by the clock: PERCENT of the pages per second, each write to
 * the next page of a walk that visits every page once before it comes
 * back (so T seconds leave min(T * PERCENT, 100)% of the pages written,
 * as a program that keeps producing new data does). The time between the
 * writes goes to reading one word of page after page ("reads", the
 * program's useful work): a migration's cost to the program is the drop
 * of its reads per second, whether it comes from a frozen stretch, from
 * CPU taken by criu, from tracker faults or from pages not yet restored.
 *
 * Every 100 ms it replaces the file given with -o by one line
 *
 *   MONOTONIC_NS CPU_NS WRITES ROUNDS READS MAX_STALL_NS
 *
 * (totals since the start; CPU_NS is the process's CPU time, user and
 * system; READS is 0 without -P; MAX_STALL_NS the longest time between
 * two passes of the main loop, which a freeze shows as it is seen from
 * inside). The rate over a window is the difference of two such lines.
 * Only the monotonic clock and the counters survive a checkpoint and
 * restore on the same kernel: CPU_NS restarts with the new process.
 * Per CPU second it is what a tracker costs the process itself (its
 * write faults are handled in its own system time), whatever share of
 * a CPU the other jobs of the machine leave it; per wall second it also
 * counts that share.
 *
 * Usage: track-workload -s MIB (-p PERCENT | -P PERCENT) -r READY_FILE -o RATE_FILE
 *   READY_FILE is created once the memory is written and the first
 *   rate line is out.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#define PAGE_SIZE	4096UL
#define WORDS		(PAGE_SIZE / sizeof(uint64_t))
#define REPORT_NS	100000000ULL
/* Paced mode: pages read, and at most pages written, per loop pass. */
#define READS_PER_PASS	256
#define WRITES_PER_PASS	1024

struct workload {
	unsigned long nr_pages;
	unsigned long stride;
	double pages_per_sec;	/* paced mode (-P) when not 0 */
	unsigned long step;	/* the paced walk: page k * step % nr_pages */
	unsigned long read_cursor;
	uint64_t reads;
	uint64_t max_stall_ns;
	volatile uint64_t sink;	/* keeps the reads from being optimised out */
	uint64_t *area;
	const char *ready_path;
	const char *rate_path;
	char rate_tmp[4096];
};

static uint64_t clock_ns(clockid_t clk)
{
	struct timespec ts;

	clock_gettime(clk, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

static uint64_t now_ns(void)
{
	return clock_ns(CLOCK_MONOTONIC);
}

/* Written by rename, so a reader sees a whole line or the previous one. */
static int report(struct workload *w, uint64_t writes, uint64_t rounds)
{
	char line[160];
	int fd, len;

	len = snprintf(line, sizeof(line), "%llu %llu %llu %llu %llu %llu\n",
		       (unsigned long long)now_ns(),
		       (unsigned long long)clock_ns(CLOCK_PROCESS_CPUTIME_ID),
		       (unsigned long long)writes, (unsigned long long)rounds,
		       (unsigned long long)w->reads, (unsigned long long)w->max_stall_ns);
	fd = open(w->rate_tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0) {
		fprintf(stderr, "track-workload: open %s: %s\n", w->rate_tmp, strerror(errno));
		return -errno;
	}
	if (write(fd, line, len) != len) {
		fprintf(stderr, "track-workload: write %s: %s\n", w->rate_tmp, strerror(errno));
		close(fd);
		return -EIO;
	}
	close(fd);
	if (rename(w->rate_tmp, w->rate_path)) {
		fprintf(stderr, "track-workload: rename to %s: %s\n", w->rate_path, strerror(errno));
		return -errno;
	}
	return 0;
}

/* Every page gets distinct content: none is the zero page, none dedups. */
static void fill(struct workload *w)
{
	unsigned long i;

	for (i = 0; i < w->nr_pages; i++) {
		uint64_t *p = w->area + i * WORDS;

		memset(p, (int)(i & 0xff) | 1, PAGE_SIZE);
		p[0] = i;
	}
}

static int mark_ready(const char *path)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);

	if (fd < 0) {
		fprintf(stderr, "track-workload: create %s: %s\n", path, strerror(errno));
		return -errno;
	}
	close(fd);
	return 0;
}

/* One word into every hot page. Returns the number of writes. */
static unsigned long one_round(struct workload *w, uint64_t round)
{
	unsigned long word = round % WORDS, i, n = 0;

	for (i = 0; i < w->nr_pages; i += w->stride, n++)
		w->area[i * WORDS + word] = round;
	return n;
}

static int run(struct workload *w)
{
	uint64_t writes = 0, rounds = 0, last;
	int ret;

	ret = report(w, 0, 0);
	if (!ret)
		ret = mark_ready(w->ready_path);
	last = now_ns();
	while (!ret) {
		writes += one_round(w, ++rounds);
		if (now_ns() - last >= REPORT_NS) {
			ret = report(w, writes, rounds);
			last = now_ns();
		}
	}
	return ret;
}

/* Write the k-th page of the paced walk; the value changes every pass. */
static void paced_write(struct workload *w, uint64_t k)
{
	unsigned long page = (unsigned long)((k * w->step) % w->nr_pages);
	unsigned long word = (unsigned long)(k / w->nr_pages) % WORDS;

	w->area[page * WORDS + word] = k;
}

static void paced_reads(struct workload *w)
{
	uint64_t sum = 0;
	int i;

	for (i = 0; i < READS_PER_PASS; i++) {
		sum += w->area[w->read_cursor * WORDS + 1];
		if (++w->read_cursor == w->nr_pages)
			w->read_cursor = 0;
	}
	w->sink += sum;
	w->reads += READS_PER_PASS;
}

/*
 * Writes as many pages as the clock says are due (a backlog left by a
 * freeze is caught up WRITES_PER_PASS at a time), then reads.
 */
static int run_paced(struct workload *w)
{
	uint64_t start, prev, last, now, due, writes = 0, passes = 0;
	unsigned long n;
	int ret;

	ret = report(w, 0, 0);
	if (!ret)
		ret = mark_ready(w->ready_path);
	start = prev = last = now_ns();
	while (!ret) {
		now = now_ns();
		if (now - prev > w->max_stall_ns)
			w->max_stall_ns = now - prev;
		prev = now;
		due = (uint64_t)((double)(now - start) * w->pages_per_sec / 1e9);
		for (n = 0; writes < due && n < WRITES_PER_PASS; n++)
			paced_write(w, writes++);
		paced_reads(w);
		passes++;
		if (now - last >= REPORT_NS) {
			ret = report(w, writes, passes);
			last = now;
		}
	}
	return ret;
}

static unsigned long gcd(unsigned long a, unsigned long b)
{
	while (b) {
		unsigned long t = a % b;

		a = b;
		b = t;
	}
	return a;
}

/* A step prime to nr_pages near its golden section: writes spread out. */
static unsigned long walk_step(unsigned long nr_pages)
{
	unsigned long step = (unsigned long)(nr_pages * 0.6180339887) | 1;

	while (step > 1 && gcd(step, nr_pages) != 1)
		step += 2;
	return step ? step : 1;
}

static int parse_args(int argc, char **argv, struct workload *w,
		      unsigned long *mib, double *percent, double *paced)
{
	int opt;

	while ((opt = getopt(argc, argv, "s:p:P:r:o:")) != -1) {
		switch (opt) {
		case 's': *mib = strtoul(optarg, NULL, 0); break;
		case 'p': *percent = strtod(optarg, NULL); break;
		case 'P': *paced = strtod(optarg, NULL); break;
		case 'r': w->ready_path = optarg; break;
		case 'o': w->rate_path = optarg; break;
		default: return -EINVAL;
		}
	}
	if (!*mib || !w->ready_path || !w->rate_path)
		return -EINVAL;
	/* exactly one of -p and -P */
	if ((*percent != 0) == (*paced != 0))
		return -EINVAL;
	if (*percent < 0 || *percent > 100 || *paced < 0 || *paced > 100)
		return -EINVAL;
	return 0;
}

int main(int argc, char **argv)
{
	struct workload w = { 0 };
	unsigned long mib = 0;
	double percent = 0, paced = 0;

	if (parse_args(argc, argv, &w, &mib, &percent, &paced)) {
		fprintf(stderr, "usage: %s -s MIB (-p PERCENT | -P PERCENT_PER_S) -r READY_FILE -o RATE_FILE\n",
			argv[0]);
		return 2;
	}
	w.nr_pages = mib * (1024 * 1024 / PAGE_SIZE);
	w.pages_per_sec = paced * w.nr_pages / 100.0;
	w.step = walk_step(w.nr_pages);
	w.stride = paced ? 1 : (unsigned long)(100.0 / percent + 0.5);
	if (!w.stride)
		w.stride = 1;
	if (snprintf(w.rate_tmp, sizeof(w.rate_tmp), "%s.tmp", w.rate_path) >=
	    (int)sizeof(w.rate_tmp)) {
		fprintf(stderr, "track-workload: %s: name too long\n", w.rate_path);
		return 2;
	}
	w.area = mmap(NULL, w.nr_pages * PAGE_SIZE, PROT_READ | PROT_WRITE,
		      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (w.area == MAP_FAILED) {
		fprintf(stderr, "track-workload: mmap %lu MiB: %s\n", mib, strerror(errno));
		return 1;
	}
	fill(&w);
	if (paced) {
		printf("track-workload pid=%d pages=%lu paced=%.0f pages/s step=%lu\n",
		       getpid(), w.nr_pages, w.pages_per_sec, w.step);
		fflush(stdout);
		return run_paced(&w) ? 1 : 0;
	}
	printf("track-workload pid=%d pages=%lu hot=%lu stride=%lu\n", getpid(),
	       w.nr_pages, (w.nr_pages + w.stride - 1) / w.stride, w.stride);
	fflush(stdout);
	return run(&w) ? 1 : 0;
}
