// SPDX-License-Identifier: GPL-2.0
/*
 * cow00: private anonymous memory that the test and its two forked
 * children still share copy-on-write, except 16 pages child 1 has written.
 * After restore the pages must still be shared: the same physical page
 * (PFN in /proc/PID/pagemap, readable by root) in all three processes for
 * every page nobody wrote, another one for child 1's written pages, and
 * each process must read the data it should. A restore that gave each
 * process its own copy would triple the memory and fails here.
 */
#include <fcntl.h>
#include <stdio.h>
#include <sys/mman.h>
#include <unistd.h>

#include "zdtmtst.h"

#define SEED		0x636f7730ULL
#define NR_PAGES	2048
#define NR_WRITTEN	16	/* by child 1, at the start of the area */
#define PFN_MASK	((1ULL << 55) - 1)
#define PM_PRESENT	(1ULL << 63)

static char *area;

static int read_pfns(pid_t pid, uint64_t *pfns)
{
	char path[64];
	ssize_t want = NR_PAGES * sizeof(uint64_t);
	off_t off = (unsigned long)area / TEST_PAGE_SIZE * sizeof(uint64_t);
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/pagemap", pid);
	fd = open(path, O_RDONLY);
	if (fd < 0 || pread(fd, pfns, want, off) != want) {
		fail("read %s: %m", path);
		if (fd >= 0)
			close(fd);
		return -1;
	}
	close(fd);
	for (int i = 0; i < NR_PAGES; i++)
		pfns[i] = pfns[i] & PM_PRESENT ? pfns[i] & PFN_MASK : 0;
	return 0;
}

static int check_content(int writer)
{
	for (int i = 0; i < NR_PAGES; i++) {
		int gen = writer && i < NR_WRITTEN ? 1 : 0;

		if (page_check(area + i * TEST_PAGE_SIZE, SEED, i, gen))
			return i;
	}
	return -1;
}

static int child_main(void *arg)
{
	int writer = *(int *)arg, bad;

	if (writer)
		for (int i = 0; i < NR_WRITTEN; i++)
			page_fill(area + i * TEST_PAGE_SIZE, SEED, i, 1);
	if (tree_sync_post())
		return 1;
	test_waitsig();
	bad = check_content(writer);
	if (bad >= 0) {
		tree_fail("child %d: page %d does not hold its data", writer + 1, bad);
		return 1;
	}
	return 0;
}

/* 1: no PFNs (not root), 0: shared as it should be, -1: failed. */
static int check_sharing(pid_t c1, pid_t c2, const char *when)
{
	static uint64_t me[NR_PAGES], p1[NR_PAGES], p2[NR_PAGES];

	if (read_pfns(getpid(), me) || read_pfns(c1, p1) || read_pfns(c2, p2))
		return -1;
	if (!me[NR_PAGES - 1])
		return 1;
	for (int i = 0; i < NR_PAGES; i++) {
		int own = i < NR_WRITTEN;

		if (!me[i] || me[i] != p2[i] || (!own && me[i] != p1[i])) {
			fail("%s: page %d is not shared: pfn %#llx in the test, %#llx and %#llx in the children",
			     when, i, (unsigned long long)me[i], (unsigned long long)p1[i],
			     (unsigned long long)p2[i]);
			return -1;
		}
		if (own && (!p1[i] || p1[i] == me[i])) {
			fail("%s: page %d written by child 1 has pfn %#llx, the test's is %#llx",
			     when, i, (unsigned long long)p1[i], (unsigned long long)me[i]);
			return -1;
		}
	}
	return 0;
}

int main(int argc, char **argv)
{
	static int writer = 1, reader;
	pid_t c1, c2;
	int ret, bad;

	ret = test_init(argc, argv, 0);
	if (ret)
		return test_init_exit(ret);
	area = mmap(NULL, NR_PAGES * TEST_PAGE_SIZE, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	/* khugepaged must not collapse (and so copy) the shared pages. */
	if (area == MAP_FAILED || madvise(area, NR_PAGES * TEST_PAGE_SIZE, MADV_NOHUGEPAGE) ||
	    tree_sync_init()) {
		fail("mmap/madvise: %m");
		return 1;
	}
	for (int i = 0; i < NR_PAGES; i++)
		page_fill(area + i * TEST_PAGE_SIZE, SEED, i, 0);
	c1 = tree_fork(child_main, &writer);
	c2 = tree_fork(child_main, &reader);
	if (c1 < 0 || c2 < 0 || tree_sync_wait(2))
		return 1;
	ret = check_sharing(c1, c2, "before the dump");
	if (ret < 0 || test_daemon())
		return 1;
	test_waitsig();

	if (ret == 1) {
		skip("no PFNs in /proc/PID/pagemap (needs CAP_SYS_ADMIN)");
		return 0;
	}
	/* A write of the same byte: the data stays, the sharing does not. */
	if (test_broken()) {
		volatile char *byte = area + 100 * TEST_PAGE_SIZE;

		*byte = *byte;
	}
	if (check_sharing(c1, c2, "after restore"))
		return 1;
	bad = check_content(0);
	if (bad >= 0) {
		fail("test: page %d does not hold its data", bad);
		return 1;
	}
	kill(c1, SIGTERM);
	kill(c2, SIGTERM);
	if (tree_reap(c1, "child 1") || tree_reap(c2, "child 2"))
		return 1;
	pass();
	return 0;
}
