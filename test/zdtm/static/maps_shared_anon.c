// SPDX-License-Identifier: GPL-2.0
/*
 * maps_shared_anon: MAP_SHARED|MAP_ANONYMOUS memory with data, some pages
 * never touched. After restore the contents must match and the mapping must
 * still be shared: a child forked afterwards writes and we see it.
 */
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "zdtmtst.h"

#define NR_PAGES	2048		/* 8 MiB */
#define SEED		0x7368616e6f6e00ULL
#define MARK		0x5a

/* Pages with index % 4 == 3 stay untouched: they must read back as zero. */
static void fill(char *mem)
{
	for (int i = 0; i < NR_PAGES; i++)
		if (i % 4 != 3)
			datagen(mem + i * TEST_PAGE_SIZE, TEST_PAGE_SIZE, SEED + i);
}

static int check_data(char *mem)
{
	for (int i = 0; i < NR_PAGES; i++) {
		char *page = mem + i * TEST_PAGE_SIZE;
		ssize_t bad;

		if (i % 4 == 3) {
			for (size_t k = 0; k < TEST_PAGE_SIZE; k++)
				if (page[k]) {
					fail("untouched page %d byte %zu is %#x", i, k, page[k]);
					return -1;
				}
			continue;
		}
		bad = datacheck(page, TEST_PAGE_SIZE, SEED + i);
		if (bad >= 0) {
			fail("page %d byte %zd differs", i, bad);
			return -1;
		}
	}
	return 0;
}

/* A child writes to the mapping; if it is really shared we see the write. */
static int check_shared(char *mem)
{
	char *spot = mem + 7 * TEST_PAGE_SIZE + 100;
	int status;
	pid_t pid;

	pid = fork();
	if (pid < 0) {
		pr_perror("fork");
		fail("fork: %m");
		return -1;
	}
	if (!pid) {
		*spot = MARK;
		_exit(0);
	}
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) || WEXITSTATUS(status)) {
		fail("child %d did not exit cleanly (status %#x)", pid, status);
		return -1;
	}
	if (*spot != MARK) {
		fail("child's write not seen: mapping is not shared");
		return -1;
	}
	return 0;
}

static int check_vma(char *mem)
{
	size_t size = NR_PAGES * TEST_PAGE_SIZE;
	struct test_vma vma;

	if (test_vma_find((unsigned long)mem, &vma)) {
		fail("no mapping at %p", mem);
		return -1;
	}
	if (vma.start != (unsigned long)mem || vma.end != (unsigned long)mem + size ||
	    vma.prot[3] != 's' || vma.prot[1] != 'w') {
		fail("mapping is %lx-%lx %s, want %p-%p rw-s", vma.start, vma.end,
		     vma.prot, mem, mem + size);
		return -1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	char *mem;
	int ret;

	ret = test_init(argc, argv, 0);
	if (ret)
		return test_init_exit(ret);
	mem = mmap(NULL, NR_PAGES * TEST_PAGE_SIZE, PROT_READ | PROT_WRITE,
		   MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (mem == MAP_FAILED) {
		pr_perror("mmap shared");
		fail("mmap: %m");
		return 1;
	}
	fill(mem);

	if (test_daemon())
		return 1;
	test_waitsig();

	if (test_broken())
		mem[3 * TEST_PAGE_SIZE] ^= 1;
	if (check_vma(mem) || check_data(mem) || check_shared(mem))
		return 1;
	pass();
	return 0;
}
