// SPDX-License-Identifier: GPL-2.0
/*
 * link_remap00: a file open by a name that was then unlinked while
 * another hard link keeps it (dumped with --link-remap). After restore:
 * the descriptor is of that very inode (the other link's), with its
 * offset and contents; the old name is still gone and the dump's
 * temporary link (link_remap.N) was removed.
 */
#include <dirent.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "zdtmtst.h"

#define NAME		"link_remap00.data"
#define OTHER		"link_remap00.other"
#define FD		30
#define OFF		1234

static const char data[] = "the contents of a file with another name";

static int no_link_remap_left(void)
{
	struct dirent *de;
	DIR *d = opendir(".");

	if (!d) {
		fail("opendir .: %m");
		return -1;
	}
	while ((de = readdir(d)))
		if (!strncmp(de->d_name, "link_remap.", 11)) {
			fail("the dump's link %s is still there", de->d_name);
			closedir(d);
			return -1;
		}
	closedir(d);
	return 0;
}

int main(int argc, char **argv)
{
	struct stat st, ost;
	char buf[sizeof(data)];
	int fd, ret;

	ret = test_init(argc, argv, 0);
	if (ret)
		return test_init_exit(ret);
	fd = open(NAME, O_RDWR | O_CREAT | O_TRUNC, 0600);
	if (fd < 0 || dup2(fd, FD) != FD || pwrite(FD, data, sizeof(data), 0) != sizeof(data) ||
	    ftruncate(FD, 4096) || lseek(FD, OFF, SEEK_SET) != OFF || link(NAME, OTHER) ||
	    unlink(NAME)) {
		fail("set up %s: %m", NAME);
		return 1;
	}
	close(fd);

	if (test_daemon())
		return 1;
	test_waitsig();

	if (test_broken())
		lseek(FD, 1, SEEK_CUR);
	if (fstat(FD, &st) || stat(OTHER, &ost) || st.st_ino != ost.st_ino ||
	    st.st_dev != ost.st_dev || st.st_nlink != 1) {
		fail("fd %d is not the file linked as %s (nlink %lu)", FD, OTHER,
		     (unsigned long)st.st_nlink);
		return 1;
	}
	if (lseek(FD, 0, SEEK_CUR) != OFF) {
		fail("offset %ld, want %d", (long)lseek(FD, 0, SEEK_CUR), OFF);
		return 1;
	}
	if (pread(FD, buf, sizeof(buf), 0) != sizeof(buf) || memcmp(buf, data, sizeof(data))) {
		fail("contents differ");
		return 1;
	}
	if (access(NAME, F_OK) == 0) {
		fail("%s exists again", NAME);
		return 1;
	}
	if (no_link_remap_left())
		return 1;
	pass();
	return 0;
}
