// SPDX-License-Identifier: GPL-2.0
/*
 * shm_tmpfs: a file in /dev/shm (tmpfs, as shm_open() makes them), open
 * and mapped MAP_SHARED. Such files persist on the host, so they are
 * kept by path, as CRIU does. After restore: the descriptor and the area
 * are of that file again (same inode), with offset and contents, and a
 * write through the area is read through the descriptor.
 */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "zdtmtst.h"

#define LEN	(4 * 4096)
#define SEED	0x73686d746dULL
#define FD	25

int main(int argc, char **argv)
{
	static char want[LEN], got[LEN];
	char name[64];
	struct stat was, st;
	char *p;
	int fd, ret;

	ret = test_init(argc, argv, 0);
	if (ret)
		return test_init_exit(ret);
	snprintf(name, sizeof(name), "/dev/shm/zdtm-shm_tmpfs.%d", getpid());
	datagen(want, LEN, SEED);
	fd = open(name, O_RDWR | O_CREAT | O_TRUNC, 0600);
	if (fd < 0 || dup2(fd, FD) != FD || write(FD, want, LEN) != LEN || fstat(FD, &was)) {
		fail("create %s: %m", name);
		return 1;
	}
	close(fd);
	p = mmap(NULL, LEN, PROT_READ | PROT_WRITE, MAP_SHARED, FD, 0);
	if (p == MAP_FAILED) {
		fail("mmap %s: %m", name);
		return 1;
	}
	memcpy(p + 4096, "through the map", 15);
	lseek(FD, 333, SEEK_SET);

	if (test_daemon())
		return 1;
	test_waitsig();

	if (test_broken())
		p[4096] = 'T';
	memcpy(want + 4096, "through the map", 15);
	if (fstat(FD, &st) || st.st_ino != was.st_ino || st.st_dev != was.st_dev) {
		fail("fd %d is not %s", FD, name);
		goto out;
	}
	if (lseek(FD, 0, SEEK_CUR) != 333) {
		fail("offset %ld, want 333", (long)lseek(FD, 0, SEEK_CUR));
		goto out;
	}
	if (memcmp(p, want, LEN) || pread(FD, got, LEN, 0) != LEN || memcmp(got, want, LEN)) {
		fail("contents of %s differ", name);
		goto out;
	}
	memcpy(p + 50, "again", 5);
	if (pread(FD, got, 5, 50) != 5 || memcmp(got, "again", 5)) {
		fail("the area is no longer shared with %s", name);
		goto out;
	}
	pass();
out:
	unlink(name);
	return test_failed();
}
