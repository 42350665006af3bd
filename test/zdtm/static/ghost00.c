// SPDX-License-Identifier: GPL-2.0
/*
 * ghost00: a file deleted while open, through two descriptors (O_RDWR at
 * one offset, O_RDONLY|O_APPEND... at another). Its data has holes. After
 * restore: both descriptors are of one deleted inode (no links), with the
 * dumped size, mode, mtime, offsets and flags; the data is back and the
 * holes are still holes (SEEK_DATA skips them); the old path is gone (the
 * ghost restore made there was removed again); a write through one fd is
 * read through the other.
 */
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "zdtmtst.h"

#define NAME		"ghost00.data"
#define SEED		0x67686f7374ULL
#define EXTENT		(16 * 1024)
#define HOLE_AT		EXTENT			/* hole from here */
#define DATA2_AT	(256 * 1024)		/* second extent */
#define FILE_SIZE	(512 * 1024)		/* a hole to the end */
#define FD_RW		40
#define FD_RO		41

static char buf[EXTENT], got[EXTENT];

static int make(struct stat *st)
{
	struct timespec ts[2] = { { 1000000000, 0 }, { 1200000000, 0 } };
	int fd;

	fd = open(NAME, O_RDWR | O_CREAT | O_TRUNC, 0640);
	if (fd < 0 || dup2(fd, FD_RW) != FD_RW) {
		fail("create %s: %m", NAME);
		return -1;
	}
	close(fd);
	datagen(buf, sizeof(buf), SEED);
	if (pwrite(FD_RW, buf, EXTENT, 0) != EXTENT ||
	    pwrite(FD_RW, buf, EXTENT, DATA2_AT) != EXTENT ||
	    ftruncate(FD_RW, FILE_SIZE) || futimens(FD_RW, ts) ||
	    lseek(FD_RW, 777, SEEK_SET) != 777) {
		fail("fill %s: %m", NAME);
		return -1;
	}
	fd = open(NAME, O_RDONLY | O_NONBLOCK);
	if (fd < 0 || dup2(fd, FD_RO) != FD_RO || lseek(FD_RO, DATA2_AT + 5, SEEK_SET) < 0) {
		fail("reopen %s: %m", NAME);
		return -1;
	}
	close(fd);
	if (fstat(FD_RW, st) || unlink(NAME)) {
		fail("unlink %s: %m", NAME);
		return -1;
	}
	return 0;
}

static int check_fd(int fd, const struct stat *was, off_t off, int fl)
{
	char link[64], path[PATH_MAX];
	struct stat st;
	ssize_t n;

	if (fstat(fd, &st)) {
		fail("fstat %d: %m", fd);
		return -1;
	}
	if (st.st_nlink != 0 || st.st_size != FILE_SIZE || st.st_mode != was->st_mode ||
	    st.st_uid != was->st_uid || st.st_mtim.tv_sec != was->st_mtim.tv_sec) {
		fail("fd %d: nlink %lu size %ld mode 0%o mtime %ld, want 0 %d 0%o %ld", fd,
		     (unsigned long)st.st_nlink, (long)st.st_size, st.st_mode,
		     (long)st.st_mtim.tv_sec, FILE_SIZE, was->st_mode, (long)was->st_mtim.tv_sec);
		return -1;
	}
	if (lseek(fd, 0, SEEK_CUR) != off) {
		fail("fd %d: offset %ld, want %ld", fd, (long)lseek(fd, 0, SEEK_CUR), (long)off);
		return -1;
	}
	if ((fcntl(fd, F_GETFL) & (O_ACCMODE | O_NONBLOCK)) != fl) {
		fail("fd %d: flags %#x, want %#x", fd, fcntl(fd, F_GETFL), fl);
		return -1;
	}
	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	n = readlink(link, path, sizeof(path) - 1);
	path[n > 0 ? n : 0] = '\0';
	if (!strstr(path, NAME " (deleted)")) {
		fail("fd %d: link %s, want .../%s (deleted)", fd, path, NAME);
		return -1;
	}
	return 0;
}

static int check_data(const struct stat *was)
{
	struct stat a, b;
	off_t data;

	if (fstat(FD_RW, &a) || fstat(FD_RO, &b) || a.st_ino != b.st_ino || a.st_dev != b.st_dev) {
		fail("the two descriptors are not of one file any more");
		return -1;
	}
	if (pread(FD_RO, got, EXTENT, 0) != EXTENT || memcmp(got, buf, EXTENT) ||
	    pread(FD_RO, got, EXTENT, DATA2_AT) != EXTENT || memcmp(got, buf, EXTENT)) {
		fail("the data of the deleted file differs");
		return -1;
	}
	memset(buf, 0, sizeof(buf));
	if (pread(FD_RO, got, EXTENT, HOLE_AT) != EXTENT || memcmp(got, buf, EXTENT)) {
		fail("the hole of the deleted file holds data");
		return -1;
	}
	data = lseek(FD_RO, HOLE_AT, SEEK_DATA);
	if (data != DATA2_AT) {
		fail("SEEK_DATA from the hole gives %ld, want %d (holes filled?)", (long)data,
		     DATA2_AT);
		return -1;
	}
	if (pwrite(FD_RW, "zz", 2, 3) != 2 || pread(FD_RO, got, 2, 3) != 2 || memcmp(got, "zz", 2)) {
		fail("a write through one descriptor is not seen through the other");
		return -1;
	}
	if (access(NAME, F_OK) == 0) {
		fail("%s exists again after restore", NAME);
		return -1;
	}
	(void)was;
	return 0;
}

int main(int argc, char **argv)
{
	struct stat was;
	int ret;

	ret = test_init(argc, argv, 0);
	if (ret)
		return test_init_exit(ret);
	if (make(&was))
		return 1;
	if (test_daemon())
		return 1;
	test_waitsig();

	if (test_broken()) {
		/* data in the hole, with the dumped mtime kept: only that is wrong */
		struct timespec ts[2] = { { 0, UTIME_OMIT }, was.st_mtim };

		if (pwrite(FD_RW, "x", 1, HOLE_AT + 5) != 1 || futimens(FD_RW, ts))
			test_msg("break: %m");
	}
	if (check_fd(FD_RW, &was, 777, O_RDWR) || check_fd(FD_RO, &was, DATA2_AT + 5,
							 O_RDONLY | O_NONBLOCK))
		return 1;
	if (check_data(&was))
		return 1;
	pass();
	return 0;
}
