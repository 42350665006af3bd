// SPDX-License-Identifier: GPL-2.0
/*
 * opath00: O_PATH descriptors of a regular file and of a directory (one
 * with O_CLOEXEC). After restore: the same flags (O_PATH, O_DIRECTORY),
 * FD_CLOEXEC, the same inodes, and they still work as O_PATH ones do:
 * fstatat(AT_EMPTY_PATH) on the file, openat() relative to the directory,
 * while read() is still refused (EBADF).
 */
#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "zdtmtst.h"

#define DIR_NAME	"opath00.dir"
#define FILE_NAME	"opath00.dir/file"
#define FD_FILE		20
#define FD_DIR		21

static int open_at(const char *path, int flags, int fd)
{
	int t = open(path, flags);

	if (t < 0 || dup3(t, fd, flags & O_CLOEXEC) != fd) {
		fail("open %s: %m", path);
		return -1;
	}
	close(t);
	return 0;
}

int main(int argc, char **argv)
{
	struct stat fst, dst, st;
	char c;
	int fd, ret;

	ret = test_init(argc, argv, 0);
	if (ret)
		return test_init_exit(ret);
	if (mkdir(DIR_NAME, 0700) || (fd = open(FILE_NAME, O_CREAT | O_WRONLY, 0600)) < 0) {
		fail("create %s: %m", FILE_NAME);
		return 1;
	}
	close(fd);
	if (open_at(FILE_NAME, O_PATH, FD_FILE) ||
	    open_at(DIR_NAME, O_PATH | O_DIRECTORY | O_CLOEXEC, FD_DIR) ||
	    stat(FILE_NAME, &fst) || stat(DIR_NAME, &dst))
		return 1;

	if (test_daemon())
		return 1;
	test_waitsig();

	if (test_broken())
		fcntl(FD_FILE, F_SETFD, FD_CLOEXEC);
	if (!(fcntl(FD_FILE, F_GETFL) & O_PATH) || (fcntl(FD_FILE, F_GETFD) & FD_CLOEXEC)) {
		fail("fd %d: flags %#x fd flags %#x, want O_PATH without FD_CLOEXEC", FD_FILE,
		     fcntl(FD_FILE, F_GETFL), fcntl(FD_FILE, F_GETFD));
		return 1;
	}
	if ((fcntl(FD_DIR, F_GETFL) & (O_PATH | O_DIRECTORY)) != (O_PATH | O_DIRECTORY) ||
	    !(fcntl(FD_DIR, F_GETFD) & FD_CLOEXEC)) {
		fail("fd %d: flags %#x fd flags %#x, want O_PATH|O_DIRECTORY, FD_CLOEXEC", FD_DIR,
		     fcntl(FD_DIR, F_GETFL), fcntl(FD_DIR, F_GETFD));
		return 1;
	}
	if (fstatat(FD_FILE, "", &st, AT_EMPTY_PATH) || st.st_ino != fst.st_ino) {
		fail("fd %d is not %s", FD_FILE, FILE_NAME);
		return 1;
	}
	if (fstatat(FD_DIR, "file", &st, 0) || st.st_ino != fst.st_ino ||
	    fstat(FD_DIR, &st) || st.st_ino != dst.st_ino) {
		fail("fd %d is not the directory %s", FD_DIR, DIR_NAME);
		return 1;
	}
	if (read(FD_FILE, &c, 1) != -1 || errno != EBADF) {
		fail("read() on the O_PATH fd did not fail with EBADF");
		return 1;
	}
	pass();
	return 0;
}
