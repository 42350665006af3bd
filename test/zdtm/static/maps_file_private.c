// SPDX-License-Identifier: GPL-2.0
/*
 * maps_file_private: a MAP_PRIVATE mapping of a data file the test made.
 * Some pages are written (private copies), some only read, some never
 * touched. After restore: written pages keep the private data, the others
 * show the file, and they still come from the file (a change made to the
 * file now shows through them, while it must not reach the written pages).
 */
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/mman.h>
#include <unistd.h>

#include "zdtmtst.h"

#define DATA_FILE	"maps_file_private.data"
#define NR_PAGES	16
#define FILE_SEED	0x66696c6500ULL
#define PRIV_SEED	0x7072697600ULL
#define NEW_SEED	0x6e657700ULL

static const int written[] = { 1, 5, 9, 15 };
static const int read_only[] = { 0, 2, 6 };	/* faulted in by reading */
/* The rest (3, 4, 7, 8, 10-14) are never touched before the dump. */

static int is_written(int page)
{
	for (size_t i = 0; i < ARRAY_SIZE(written); i++)
		if (written[i] == page)
			return 1;
	return 0;
}

static int make_file(void)
{
	size_t size = NR_PAGES * TEST_PAGE_SIZE;
	char *buf;
	int fd;

	buf = malloc(size);
	if (!buf)
		return -1;
	for (int i = 0; i < NR_PAGES; i++)
		datagen(buf + i * TEST_PAGE_SIZE, TEST_PAGE_SIZE, FILE_SEED + i);
	fd = open(DATA_FILE, O_RDWR | O_CREAT | O_TRUNC, 0644);
	if (fd < 0 || write(fd, buf, size) != (ssize_t)size) {
		pr_perror("create %s", DATA_FILE);
		fail("create %s: %m", DATA_FILE);
		free(buf);
		return -1;
	}
	free(buf);
	return fd;
}

static char *map_and_touch(int fd)
{
	volatile char sink;
	char *mem;

	mem = mmap(NULL, NR_PAGES * TEST_PAGE_SIZE, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE, fd, 0);
	if (mem == MAP_FAILED) {
		pr_perror("mmap %s", DATA_FILE);
		fail("mmap %s: %m", DATA_FILE);
		return NULL;
	}
	for (size_t i = 0; i < ARRAY_SIZE(written); i++)
		datagen(mem + written[i] * TEST_PAGE_SIZE, TEST_PAGE_SIZE, PRIV_SEED + written[i]);
	for (size_t i = 0; i < ARRAY_SIZE(read_only); i++)
		sink = mem[read_only[i] * TEST_PAGE_SIZE + 7];
	(void)sink;
	return mem;
}

static int check_pages(char *mem, const char *when)
{
	for (int i = 0; i < NR_PAGES; i++) {
		uint64_t seed = is_written(i) ? PRIV_SEED + i : FILE_SEED + i;
		ssize_t bad = datacheck(mem + i * TEST_PAGE_SIZE, TEST_PAGE_SIZE, seed);

		if (bad >= 0) {
			fail("%s: page %d (%s) byte %zd differs", when, i,
			     is_written(i) ? "written" : "from file", bad);
			return -1;
		}
	}
	return 0;
}

static int check_vma(char *mem, struct stat *st)
{
	struct test_vma vma;

	if (test_vma_find((unsigned long)mem, &vma)) {
		fail("no mapping at %p", mem);
		return -1;
	}
	if (vma.start != (unsigned long)mem ||
	    vma.end != (unsigned long)mem + NR_PAGES * TEST_PAGE_SIZE ||
	    strcmp(vma.prot, "rw-p") || vma.pgoff != 0 || vma.ino != st->st_ino) {
		fail("mapping is %lx-%lx %s off %lx ino %lu, want %p rw-p off 0 ino %lu",
		     vma.start, vma.end, vma.prot, vma.pgoff, vma.ino, mem,
		     (unsigned long)st->st_ino);
		return -1;
	}
	return 0;
}

/* Rewrite every file page; only the not-written ones may show it. */
static int check_file_backing(int fd, char *mem)
{
	char page[TEST_PAGE_SIZE];

	for (int i = 0; i < NR_PAGES; i++) {
		datagen(page, sizeof(page), NEW_SEED + i);
		if (pwrite(fd, page, sizeof(page), i * TEST_PAGE_SIZE) != sizeof(page)) {
			fail("pwrite page %d of %s: %m", i, DATA_FILE);
			return -1;
		}
	}
	for (int i = 0; i < NR_PAGES; i++) {
		uint64_t seed = is_written(i) ? PRIV_SEED + i : NEW_SEED + i;

		if (datacheck(mem + i * TEST_PAGE_SIZE, TEST_PAGE_SIZE, seed) >= 0) {
			fail("after changing the file, page %d %s", i, is_written(i) ?
			     "lost its private data" : "does not show the file (a copy, not the file?)");
			return -1;
		}
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct stat st;
	char *mem;
	int fd, ret;

	ret = test_init(argc, argv, 0);
	if (ret)
		return test_init_exit(ret);
	fd = make_file();
	if (fd < 0)
		return 1;
	mem = map_and_touch(fd);
	if (!mem || check_pages(mem, "before dump"))
		return 1;
	/* Only the mapping must hold the file: the fd is just for the writer. */
	close(fd);

	if (test_daemon())
		return 1;
	test_waitsig();

	if (test_broken())
		mem[5 * TEST_PAGE_SIZE + 1] ^= 1;
	fd = open(DATA_FILE, O_RDWR);
	if (fd < 0 || fstat(fd, &st)) {
		fail("reopen %s: %m", DATA_FILE);
		return 1;
	}
	if (check_vma(mem, &st) || check_pages(mem, "after restore") ||
	    check_file_backing(fd, mem))
		return 1;
	pass();
	return 0;
}
