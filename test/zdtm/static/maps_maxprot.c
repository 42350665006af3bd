// SPDX-License-Identifier: GPL-2.0
/*
 * maps_maxprot: what protections an area may be given later depends on
 * how its file was opened. A shared read-only mapping of a file opened
 * read-write may become writable ("mw"); one of a file opened read-only
 * may not; a private one always may. After restore each area must have
 * the same VmFlags "may" bits and mprotect() must agree with them.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "zdtmtst.h"

static const struct {
	const char *name;
	int oflags, mflags;
	bool may_write;
} maps[] = {
	{ "maxprot-rw-shared", O_RDWR, MAP_SHARED, true },
	{ "maxprot-ro-shared", O_RDONLY, MAP_SHARED, false },
	{ "maxprot-ro-private", O_RDONLY, MAP_PRIVATE, true },
};

#define NR	ARRAY_SIZE(maps)

static char *addr[NR];
static char flags_before[NR][256];

static int map_one(size_t i)
{
	char page[TEST_PAGE_SIZE];
	int fd;

	memset(page, 'a' + i, sizeof(page));
	fd = open(maps[i].name, O_RDWR | O_CREAT | O_TRUNC, 0600);
	if (fd < 0 || write(fd, page, sizeof(page)) != sizeof(page)) {
		fail("create %s: %m", maps[i].name);
		return -1;
	}
	close(fd);
	fd = open(maps[i].name, maps[i].oflags);
	addr[i] = mmap(NULL, TEST_PAGE_SIZE, PROT_READ, maps[i].mflags, fd, 0);
	if (fd < 0 || addr[i] == MAP_FAILED) {
		fail("map %s: %m", maps[i].name);
		return -1;
	}
	close(fd);
	return test_vmflags((unsigned long)addr[i], flags_before[i], sizeof(flags_before[i]));
}

static int check(size_t i)
{
	char flags[256];
	int ret;

	if (test_vmflags((unsigned long)addr[i], flags, sizeof(flags))) {
		fail("no VmFlags for %s", maps[i].name);
		return -1;
	}
	if (strcmp(flags, flags_before[i])) {
		fail("%s: VmFlags%s, was%s", maps[i].name, flags, flags_before[i]);
		return -1;
	}
	ret = mprotect(addr[i], TEST_PAGE_SIZE, PROT_READ | PROT_WRITE);
	if ((ret == 0) != maps[i].may_write) {
		fail("%s: mprotect(PROT_WRITE) %s", maps[i].name,
		     ret ? strerror(errno) : "succeeded");
		return -1;
	}
	if (addr[i][0] != (char)('a' + i)) {
		fail("%s: data differs", maps[i].name);
		return -1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	int ret;

	ret = test_init(argc, argv, 0);
	if (ret)
		return test_init_exit(ret);
	for (size_t i = 0; i < NR; i++)
		if (map_one(i))
			return 1;
	if (!test_vmflag(flags_before[0], "mw") || test_vmflag(flags_before[1], "mw")) {
		fail("unexpected may-write bits:%s /%s", flags_before[0], flags_before[1]);
		return 1;
	}
	if (test_daemon())
		return 1;
	test_waitsig();

	if (test_broken()) {
		int fd = open(maps[0].name, O_RDONLY);

		mmap(addr[0], TEST_PAGE_SIZE, PROT_READ, MAP_SHARED | MAP_FIXED, fd, 0);
	}
	for (size_t i = 0; i < NR; i++)
		if (check(i))
			return 1;
	pass();
	return 0;
}
