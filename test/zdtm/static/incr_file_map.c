// SPDX-License-Identifier: GPL-2.0
/*
 * incr_file_map: a MAP_PRIVATE, writable mapping of a 1 MiB data file the
 * test made. Before the first dump every fourth page is written (a private
 * copy); each round writes more pages (new ones and already copied ones)
 * and reads others. After restore a written page must hold its last
 * private write, any other page the file's data; and the file itself must
 * be unchanged: nothing private may reach it.
 */
#include <fcntl.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "zdtmtst.h"

#define DATA_FILE	"incr_file_map.data"
#define NR_PAGES	256
#define FILE_SEED	0x66696c65ULL
#define PRIV_SEED	0x70726976ULL

static char *map;

/* Generation of page p's private copy after the given rounds, 0: the file's. */
static int page_state(int p, int rounds)
{
	int gen = p % 4 == 0 ? 1 : 0;

	for (int r = 1; r <= rounds; r++)
		if (p % 7 == r || p % 11 == r)
			gen = r + 1;
	return gen;
}

static int make_file(void)
{
	char page[TEST_PAGE_SIZE];
	int fd, p;

	fd = open(DATA_FILE, O_RDWR | O_CREAT | O_TRUNC, 0644);
	if (fd < 0) {
		fail("create %s: %m", DATA_FILE);
		return -1;
	}
	for (p = 0; p < NR_PAGES; p++) {
		page_fill(page, FILE_SEED, p, 0);
		if (write(fd, page, sizeof(page)) != sizeof(page)) {
			fail("write %s: %m", DATA_FILE);
			close(fd);
			return -1;
		}
	}
	return fd;
}

static int do_round(int r)
{
	volatile char sink;

	for (int p = 0; p < NR_PAGES; p++) {
		char *page = map + (size_t)p * TEST_PAGE_SIZE;

		if (page_state(p, r) == r + 1)
			page_fill(page, PRIV_SEED, p, r + 1);
		else if (p % 9 == r)
			sink = page[100];	/* a page-cache page, not a copy */
	}
	(void)sink;
	return 0;
}

static int check_file(int fd)
{
	char page[TEST_PAGE_SIZE];

	for (int p = 0; p < NR_PAGES; p++)
		if (pread(fd, page, sizeof(page), (off_t)p * TEST_PAGE_SIZE) != sizeof(page) ||
		    page_check(page, FILE_SEED, p, 0)) {
			fail("page %d of %s changed", p, DATA_FILE);
			return -1;
		}
	return 0;
}

static int check_map(int rounds)
{
	struct test_vma vma;

	if (test_vma_find((unsigned long)map, &vma) || strcmp(vma.prot, "rw-p") ||
	    !strstr(vma.path, DATA_FILE) || vma.end < (unsigned long)map + NR_PAGES * TEST_PAGE_SIZE) {
		fail("%p is no longer a rw-p mapping of %s", map, DATA_FILE);
		return -1;
	}
	for (int p = 0; p < NR_PAGES; p++) {
		int gen = page_state(p, rounds);
		char *page = map + (size_t)p * TEST_PAGE_SIZE;

		if (page_check(page, gen ? PRIV_SEED : FILE_SEED, p, gen)) {
			fail("page %d is not %s (generation %d) after %d rounds", p,
			     gen ? "the private copy" : "the file's", gen, rounds);
			return -1;
		}
	}
	return 0;
}

int main(int argc, char **argv)
{
	int ret, rounds, fd;

	ret = test_init(argc, argv, 0);
	if (ret)
		return test_init_exit(ret);
	fd = make_file();
	if (fd < 0)
		return 1;
	map = mmap(NULL, NR_PAGES * TEST_PAGE_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
	close(fd);
	if (map == MAP_FAILED) {
		fail("mmap %s: %m", DATA_FILE);
		return 1;
	}
	for (int p = 0; p < NR_PAGES; p++)
		if (page_state(p, 0))
			page_fill(map + (size_t)p * TEST_PAGE_SIZE, PRIV_SEED, p, 1);
	if (test_on_round(do_round) || test_daemon())
		return 1;
	test_waitsig();

	rounds = test_rounds_check();
	if (rounds < 0)
		return 1;
	if (test_broken())
		map[6 * TEST_PAGE_SIZE + 7] ^= 1;	/* never written: the file's */
	if (check_map(rounds))
		return 1;
	fd = open(DATA_FILE, O_RDONLY);
	if (fd < 0) {
		fail("open %s: %m", DATA_FILE);
		return 1;
	}
	ret = check_file(fd);
	close(fd);
	if (ret)
		return 1;
	pass();
	return 0;
}
