// SPDX-License-Identifier: GPL-2.0
/*
 * file_locks02: OFD locks (F_OFD_SETLK), dumped with --file-locks: a
 * write lock on bytes 0-9 and a read lock on 50-59 of one open file
 * description. After restore another description, in this very process
 * (OFD locks belong to descriptions, not processes), sees them with
 * F_OFD_GETLK, sees 20-29 free, and a read over 50-59 allowed.
 */
#include <fcntl.h>
#include <unistd.h>

#include "zdtmtst.h"

#ifndef F_OFD_GETLK
#define F_OFD_GETLK	36
#define F_OFD_SETLK	37
#endif

#define NAME	"file_locks02.data"

static int set_lock(int fd, short type, off_t start, off_t len)
{
	struct flock fl = { .l_type = type, .l_whence = SEEK_SET, .l_start = start, .l_len = len };

	return fcntl(fd, F_OFD_SETLK, &fl);
}

static int probe(int fd, short type, off_t start, short want)
{
	struct flock fl = { .l_type = type, .l_whence = SEEK_SET, .l_start = start, .l_len = 1 };

	if (fcntl(fd, F_OFD_GETLK, &fl) || fl.l_type != want) {
		fail("F_OFD_GETLK for a %s at %ld: type %d, want %d", type == F_WRLCK ? "write" :
		     "read", (long)start, fl.l_type, want);
		return -1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	int fd, other, ret;

	ret = test_init(argc, argv, 0);
	if (ret)
		return test_init_exit(ret);
	fd = open(NAME, O_RDWR | O_CREAT, 0600);
	if (fd < 0 || set_lock(fd, F_WRLCK, 0, 10) || set_lock(fd, F_RDLCK, 50, 10)) {
		fail("take the locks: %m");
		return 1;
	}

	if (test_daemon())
		return 1;
	test_waitsig();

	if (test_broken())
		set_lock(fd, F_UNLCK, 0, 10);
	other = open(NAME, O_RDWR);
	if (other < 0) {
		fail("open %s again: %m", NAME);
		return 1;
	}
	if (probe(other, F_RDLCK, 5, F_WRLCK) || probe(other, F_WRLCK, 25, F_UNLCK) ||
	    probe(other, F_WRLCK, 55, F_RDLCK) || probe(other, F_RDLCK, 55, F_UNLCK))
		return 1;
	pass();
	return 0;
}
