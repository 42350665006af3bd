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
 *
 * With -p NPROC -t NTHREADS it is a tree: the process forks NPROC - 1
 * children, and each of the NPROC processes owns SIZE MiB of its own, written
 * by NTHREADS threads (its main thread and NTHREADS - 1 more, which then
 * sleep and stay). Page numbers run on across the processes, so every page
 * of the tree is distinct. SIGUSR1 to the first process makes it check its
 * memory and pass the signal on to the children: each process prints its
 * own "verify" line, with proc=I.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
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

#define MAX_PROCS	64
#define MAX_THREADS	64

static volatile sig_atomic_t verify_requested;

/* This process of the tree: its index, its memory, its children (if first). */
struct proc {
	int index;
	uint64_t *buf;
	unsigned long nr_pages;
	unsigned long first_page;	/* number of its first page in the tree */
	int nr_threads;
	pid_t kids[MAX_PROCS];
	int nr_kids;
};

/* The part of the memory one filler thread writes. */
struct slice {
	struct proc *proc;
	unsigned long from, to;
};

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

static void fill(const struct slice *s)
{
	unsigned long page;

	for (page = s->from; page < s->to; page++)
		make_page(s->proc->buf + page * WORDS_PER_PAGE,
			  s->proc->first_page + page);
}

/* Returns the first page that differs from what it should hold, or nr_pages. */
static unsigned long check(const struct proc *p)
{
	static uint64_t want[WORDS_PER_PAGE];
	unsigned long page;

	for (page = 0; page < p->nr_pages; page++) {
		make_page(want, p->first_page + page);
		if (memcmp(p->buf + page * WORDS_PER_PAGE, want, PAGE_SIZE))
			break;
	}
	return page;
}

static int report(const struct proc *p)
{
	unsigned long bad = check(p);
	char line[96];
	int len;

	if (bad == p->nr_pages)
		len = snprintf(line, sizeof(line), "verify OK pages=%lu proc=%d\n",
			       p->nr_pages, p->index);
	else
		len = snprintf(line, sizeof(line), "verify FAILED page=%lu proc=%d\n",
			       bad, p->index);
	if (write(STDOUT_FILENO, line, len) != len)
		return -EIO;
	return 0;
}

static pthread_barrier_t filled;

/* A filler thread: its slice, then sleep with every signal blocked. */
static void *filler(void *arg)
{
	fill(arg);
	pthread_barrier_wait(&filled);
	for (;;)
		pause();
	return NULL;
}

/*
 * Fill p's memory with p->nr_threads threads (the caller is one of them);
 * the others stay. SIGUSR1 is blocked by the caller: they inherit that.
 */
static int fill_threaded(struct proc *p)
{
	static struct slice slices[MAX_THREADS];
	static pthread_t ids[MAX_THREADS];
	unsigned long per = p->nr_pages / p->nr_threads;
	sigset_t all, old;
	int t, ret;

	for (t = 0; t < p->nr_threads; t++) {
		slices[t].proc = p;
		slices[t].from = t * per;
		slices[t].to = t == p->nr_threads - 1 ? p->nr_pages : (t + 1) * per;
	}
	ret = pthread_barrier_init(&filled, NULL, p->nr_threads);
	if (ret)
		return -ret;
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	for (t = 1; t < p->nr_threads; t++) {
		ret = pthread_create(&ids[t], NULL, filler, &slices[t]);
		if (ret) {
			pthread_sigmask(SIG_SETMASK, &old, NULL);
			return -ret;
		}
	}
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	fill(&slices[0]);
	pthread_barrier_wait(&filled);
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

/* SIGUSR1 is blocked between the flag test and the sleep so none is lost. */
static int wait_for_requests(const struct proc *p, const sigset_t *old)
{
	int i, ret;

	for (;;) {
		while (!verify_requested)
			sigsuspend(old);
		verify_requested = 0;
		for (i = 0; i < p->nr_kids; i++)
			if (kill(p->kids[i], SIGUSR1))
				return -errno;
		ret = report(p);
		if (ret)
			return ret;
	}
}

/* Fork the other processes of the tree; each returns here as its own index. */
static int fork_tree(struct proc *p, int nr_procs)
{
	int i;

	for (i = 1; i < nr_procs; i++) {
		pid_t pid = fork();

		if (pid < 0)
			return -errno;
		if (!pid) {
			p->index = i;
			p->nr_kids = 0;
			return 0;
		}
		p->kids[p->nr_kids++] = pid;
	}
	return 0;
}

/* Every process of the tree writes a byte into ready[1] once its memory is full. */
static int wait_tree_filled(int fd, int nr_kids)
{
	char c;
	int i;

	for (i = 0; i < nr_kids; i++)
		if (read(fd, &c, 1) != 1)
			return -EPIPE;
	return 0;
}

static int parse_count(const char *arg, int max)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(arg, &end, 0);
	if (errno || *end || v < 1 || v > max)
		return -1;
	return v;
}

static int build(struct proc *p, int nr_procs, int fds[2], sigset_t *old)
{
	sigset_t usr1;
	int ret;

	/* SIGUSR1 blocked from here on, in every process and thread. */
	sigemptyset(&usr1);
	sigaddset(&usr1, SIGUSR1);
	if (sigprocmask(SIG_BLOCK, &usr1, old))
		return -errno;
	ret = fork_tree(p, nr_procs);
	if (ret)
		return ret;
	p->first_page = p->index * p->nr_pages;
	p->buf = mmap(NULL, p->nr_pages * PAGE_SIZE, PROT_READ | PROT_WRITE,
		      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p->buf == MAP_FAILED)
		return -errno;
	ret = fill_threaded(p);
	if (ret)
		return ret;
	if (p->index) {
		if (write(fds[1], "f", 1) != 1)
			return -EPIPE;
		close(fds[0]);
		close(fds[1]);
		return 0;
	}
	close(fds[1]);
	ret = wait_tree_filled(fds[0], p->nr_kids);
	close(fds[0]);
	return ret;
}

int main(int argc, char **argv)
{
	unsigned long size_mib = 1024;
	struct proc self = { .nr_threads = 1 };
	const char *ready = NULL;
	int opt, ret, nr_procs = 1, fds[2];
	struct sigaction sa;
	sigset_t old;
	char *end;

	while ((opt = getopt(argc, argv, "s:r:p:t:")) != -1) {
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
		case 'p':
			nr_procs = parse_count(optarg, MAX_PROCS);
			if (nr_procs < 0)
				goto usage;
			break;
		case 't':
			self.nr_threads = parse_count(optarg, MAX_THREADS);
			if (self.nr_threads < 0)
				goto usage;
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
	if (pipe(fds)) {
		perror("bench-workload: pipe");
		return 1;
	}
	self.nr_pages = (size_mib << 20) / PAGE_SIZE;
	ret = build(&self, nr_procs, fds, &old);
	if (ret) {
		fprintf(stderr, "bench-workload: process %d: %s\n", self.index, strerror(-ret));
		return 1;
	}

	if (ready && !self.index) {
		ret = mark_ready(ready);
		if (ret) {
			fprintf(stderr, "bench-workload: create %s: %s\n",
				ready, strerror(-ret));
			return 1;
		}
	}
	ret = wait_for_requests(&self, &old);
	fprintf(stderr, "bench-workload: %s\n", strerror(-ret));
	return 1;

usage:
	fprintf(stderr, "usage: %s [-s SIZE_MIB] [-r READY_FILE] [-p NPROC] [-t NTHREADS]\n", argv[0]);
	return 2;
}
