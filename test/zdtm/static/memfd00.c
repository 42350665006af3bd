// SPDX-License-Identifier: GPL-2.0
/*
 * memfd00: memfds held by descriptors. One, "zdtm-memfd00", 1 MiB with
 * data in two extents and holes elsewhere, open twice (two descriptions:
 * O_RDWR at one offset, O_RDONLY|O_NONBLOCK through /proc at another),
 * sealed F_SEAL_SHRINK | F_SEAL_GROW; a second one sealed F_SEAL_WRITE |
 * F_SEAL_SEAL. After restore: names, sizes, contents, holes (SEEK_DATA),
 * seals (they still refuse what they refused), flags, offsets, and a
 * write through one description is read through the other.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "zdtmtst.h"

#define SIZE		(1 << 20)
#define EXT		(8 * 4096)
#define EXT2_AT		(512 * 1024)
#define SEED		0x6d656d6664ULL
#define FD_RW		40
#define FD_RO		41
#define FD_SEALED	42

static char want[EXT], got[EXT];

static int check_name(int fd, const char *name)
{
	char link[64], path[PATH_MAX], exp[128];
	ssize_t n;

	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	n = readlink(link, path, sizeof(path) - 1);
	path[n > 0 ? n : 0] = '\0';
	snprintf(exp, sizeof(exp), "/memfd:%s (deleted)", name);
	if (strcmp(path, exp)) {
		fail("fd %d is %s, want %s", fd, path, exp);
		return -1;
	}
	return 0;
}

static int check(void)
{
	struct stat a, b;

	if (check_name(FD_RW, "zdtm-memfd00") || check_name(FD_RO, "zdtm-memfd00") ||
	    check_name(FD_SEALED, "zdtm-sealed"))
		return -1;
	if (fstat(FD_RW, &a) || fstat(FD_RO, &b) || a.st_ino != b.st_ino || a.st_size != SIZE) {
		fail("the two descriptors are not of one memfd of %d bytes", SIZE);
		return -1;
	}
	if (fcntl(FD_RW, F_GET_SEALS) != (F_SEAL_SHRINK | F_SEAL_GROW) ||
	    fcntl(FD_SEALED, F_GET_SEALS) != (F_SEAL_WRITE | F_SEAL_SEAL)) {
		fail("seals %#x and %#x", fcntl(FD_RW, F_GET_SEALS), fcntl(FD_SEALED, F_GET_SEALS));
		return -1;
	}
	if (ftruncate(FD_RW, SIZE / 2) == 0 || write(FD_SEALED, "x", 1) != -1 || errno != EPERM) {
		fail("the seals no longer refuse a shrink or a write");
		return -1;
	}
	if ((fcntl(FD_RO, F_GETFL) & (O_ACCMODE | O_NONBLOCK)) != (O_RDONLY | O_NONBLOCK) ||
	    (fcntl(FD_RW, F_GETFL) & O_ACCMODE) != O_RDWR) {
		fail("flags %#x %#x", fcntl(FD_RW, F_GETFL), fcntl(FD_RO, F_GETFL));
		return -1;
	}
	if (lseek(FD_RW, 0, SEEK_CUR) != 1111 || lseek(FD_RO, 0, SEEK_CUR) != EXT2_AT + 3) {
		fail("offsets %ld %ld", (long)lseek(FD_RW, 0, SEEK_CUR),
		     (long)lseek(FD_RO, 0, SEEK_CUR));
		return -1;
	}
	if (pread(FD_RO, got, EXT, 0) != EXT || memcmp(got, want, EXT) ||
	    pread(FD_RO, got, EXT, EXT2_AT) != EXT || memcmp(got, want, EXT) ||
	    pread(FD_SEALED, got, EXT, 0) != EXT || memcmp(got, want, EXT)) {
		fail("contents differ");
		return -1;
	}
	if (lseek(FD_RO, EXT, SEEK_DATA) != EXT2_AT) {
		fail("SEEK_DATA after the first extent gives %ld, want %d (holes filled)",
		     (long)lseek(FD_RO, EXT, SEEK_DATA), EXT2_AT);
		return -1;
	}
	if (pwrite(FD_RW, "zz", 2, 5) != 2 || pread(FD_RO, got, 2, 5) != 2 || memcmp(got, "zz", 2)) {
		fail("a write through one description is not read through the other");
		return -1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	char path[64];
	int fd, ret;

	ret = test_init(argc, argv, 0);
	if (ret)
		return test_init_exit(ret);
	datagen(want, EXT, SEED);
	fd = memfd_create("zdtm-memfd00", MFD_ALLOW_SEALING);
	if (fd < 0 || dup2(fd, FD_RW) != FD_RW || ftruncate(FD_RW, SIZE) ||
	    pwrite(FD_RW, want, EXT, 0) != EXT || pwrite(FD_RW, want, EXT, EXT2_AT) != EXT ||
	    fcntl(FD_RW, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW) || lseek(FD_RW, 1111, SEEK_SET) < 0) {
		fail("memfd: %m");
		return 1;
	}
	close(fd);
	snprintf(path, sizeof(path), "/proc/self/fd/%d", FD_RW);
	fd = open(path, O_RDONLY | O_NONBLOCK);
	if (fd < 0 || dup2(fd, FD_RO) != FD_RO || lseek(FD_RO, EXT2_AT + 3, SEEK_SET) < 0) {
		fail("reopen: %m");
		return 1;
	}
	close(fd);
	fd = memfd_create("zdtm-sealed", MFD_ALLOW_SEALING);
	if (fd < 0 || dup2(fd, FD_SEALED) != FD_SEALED || write(FD_SEALED, want, EXT) != EXT ||
	    fcntl(FD_SEALED, F_ADD_SEALS, F_SEAL_WRITE | F_SEAL_SEAL)) {
		fail("sealed memfd: %m");
		return 1;
	}
	close(fd);

	if (test_daemon())
		return 1;
	test_waitsig();

	if (test_broken())
		pwrite(FD_RW, "q", 1, EXT + 100);
	if (check())
		return 1;
	pass();
	return 0;
}
