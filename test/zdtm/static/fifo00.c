// SPDX-License-Identifier: GPL-2.0
/*
 * fifo00: a named FIFO with a reader (O_RDONLY|O_NONBLOCK), a writer
 * (O_WRONLY) and a read-write descriptor, its capacity raised to 128 KiB
 * and 70000 bytes buffered in it. After restore: the same FIFO (inode),
 * the same flags on each descriptor, the capacity, exactly those bytes
 * in order and then nothing (EAGAIN), and bytes written after restore
 * go through.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "zdtmtst.h"

#define NAME	"fifo00.fifo"
#define SEED	0x6669666f30ULL
#define BYTES	70000
#define CAP	(128 * 1024)

static char want[BYTES], got[BYTES + 1];

static int check_fifo(int rd, int wr, int rw, ino_t ino, bool deleted)
{
	struct stat st, wst, rwst;
	ssize_t n;
	int avail = 0;

	/* a ghost is a new inode: then only all three must be of one */
	if (fstat(rd, &st) || fstat(wr, &wst) || fstat(rw, &rwst) || !S_ISFIFO(st.st_mode) ||
	    (!deleted && st.st_ino != ino) || wst.st_ino != st.st_ino ||
	    rwst.st_ino != st.st_ino || (deleted && st.st_nlink != 0)) {
		fail("the descriptors are not of the one FIFO any more (nlink %lu)",
		     (unsigned long)st.st_nlink);
		return -1;
	}
	if ((fcntl(rd, F_GETFL) & (O_ACCMODE | O_NONBLOCK)) != (O_RDONLY | O_NONBLOCK) ||
	    (fcntl(wr, F_GETFL) & (O_ACCMODE | O_NONBLOCK)) != O_WRONLY ||
	    (fcntl(rw, F_GETFL) & O_ACCMODE) != O_RDWR) {
		fail("flags %#x %#x %#x", fcntl(rd, F_GETFL), fcntl(wr, F_GETFL), fcntl(rw, F_GETFL));
		return -1;
	}
	if (fcntl(rd, F_GETPIPE_SZ) != CAP) {
		fail("capacity %d, want %d", fcntl(rd, F_GETPIPE_SZ), CAP);
		return -1;
	}
	if (ioctl(rd, FIONREAD, &avail) || avail != BYTES) {
		fail("%d bytes buffered, want %d", avail, BYTES);
		return -1;
	}
	n = read(rd, got, sizeof(got));
	if (n != BYTES || memcmp(got, want, BYTES)) {
		fail("read %zd bytes, want %d (or they differ)", n, BYTES);
		return -1;
	}
	if (read(rd, got, 1) != -1 || errno != EAGAIN) {
		fail("more than the buffered bytes");
		return -1;
	}
	if (write(wr, "after", 5) != 5 || read(rd, got, 5) != 5 || memcmp(got, "after", 5)) {
		fail("the FIFO does not carry bytes after restore");
		return -1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	bool deleted = strstr(argv[0], "ghost_fifo") != NULL;
	struct stat st;
	int rd, wr, rw, ret;

	ret = test_init(argc, argv, 0);
	if (ret)
		return test_init_exit(ret);
	if (mkfifo(NAME, 0640)) {
		fail("mkfifo %s: %m", NAME);
		return 1;
	}
	rd = open(NAME, O_RDONLY | O_NONBLOCK);
	wr = open(NAME, O_WRONLY);
	rw = open(NAME, O_RDWR);
	datagen(want, BYTES, SEED);
	if (rd < 0 || wr < 0 || rw < 0 || fcntl(wr, F_SETPIPE_SZ, CAP) != CAP ||
	    write(wr, want, BYTES) != BYTES || fstat(rd, &st)) {
		fail("set up %s: %m", NAME);
		return 1;
	}
	if (deleted && unlink(NAME)) {
		fail("unlink %s: %m", NAME);
		return 1;
	}

	if (test_daemon())
		return 1;
	test_waitsig();

	if (test_broken())
		read(rd, got, 1);
	if (check_fifo(rd, wr, rw, st.st_ino, deleted))
		return 1;
	if (deleted && access(NAME, F_OK) == 0) {
		fail("%s exists again after restore", NAME);
		return 1;
	}
	pass();
	return 0;
}
