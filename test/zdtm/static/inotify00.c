// SPDX-License-Identifier: GPL-2.0
/*
 * inotify00: a non-blocking inotify at fd 60 watching a directory
 * (IN_CREATE | IN_DELETE, wd 1) and a file in it (IN_ATTRIB | IN_ONESHOT),
 * with a wd given and removed between them, so the file's wd is 3, not 2.
 * After restore: fdinfo lists wd 1 and 3 with their masks and inodes,
 * nothing is queued (no trace of how the numbers were made), a file
 * created in the directory comes as IN_CREATE on wd 1 with its name, a
 * chmod of the file as IN_ATTRIB on wd 3, and a new watch gets wd 4 or
 * higher.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>

#include "zdtmtst.h"

#define IFD		60
#define DIR_NAME	"inotify00.dir"
#define FILE_NAME	DIR_NAME "/watched"
#define SPARE_NAME	DIR_NAME "/spare"
#define NEW_NAME	"created-after-restore"
#define DIR_MASK	(IN_CREATE | IN_DELETE)
#define FILE_MASK	(IN_ATTRIB | IN_ONESHOT)

static int wd_dir, wd_file;
static ino_t ino_dir, ino_file;

/* Is wd @wd listed with @mask on inode @ino? */
static int listed(int wd, unsigned int mask, ino_t ino)
{
	char buf[4096], *l;
	unsigned int w, m;
	unsigned long i;

	if (test_fdinfo(IFD, buf, sizeof(buf)))
		return -1;
	for (l = buf; (l = strstr(l, "inotify wd:")); l++) {
		if (sscanf(l, "inotify wd:%x ino:%lx sdev:%*x mask:%x", &w, &i, &m) != 3)
			continue;
		if ((int)w != wd)
			continue;
		if ((m & ~IN_IGNORED) != mask || i != ino) {
			fail("wd %d: mask %#x inode %#lx, want %#x %#lx", wd, m, i, mask,
			     (unsigned long)ino);
			return -1;
		}
		return 0;
	}
	fail("wd %d is not listed", wd);
	return -1;
}

/* The next event must be @mask on @wd (with @name if given). */
static int next_event(int wd, unsigned int mask, const char *name)
{
	char buf[sizeof(struct inotify_event) + NAME_MAX + 1]
		__attribute__((aligned(__alignof__(struct inotify_event))));
	const struct inotify_event *ev = (void *)buf;
	ssize_t n = read(IFD, buf, sizeof(buf));

	if (n < (ssize_t)sizeof(*ev)) {
		fail("no event for wd %d: %m", wd);
		return -1;
	}
	if (ev->wd != wd || !(ev->mask & mask) || (name && strcmp(ev->name, name))) {
		fail("event wd %d mask %#x name '%s', want wd %d mask %#x name '%s'", ev->wd,
		     ev->mask, ev->len ? ev->name : "", wd, mask, name ? name : "");
		return -1;
	}
	return 0;
}

static int nothing_queued(const char *when)
{
	char buf[256];

	if (read(IFD, buf, sizeof(buf)) != -1 || errno != EAGAIN) {
		fail("%s: an event is queued", when);
		return -1;
	}
	return 0;
}

static int setup(void)
{
	struct stat st;
	int fd, spare;

	if (mkdir(DIR_NAME, 0700) && errno != EEXIST)
		return -1;
	fd = open(FILE_NAME, O_CREAT | O_WRONLY, 0600);
	if (fd < 0)
		return -1;
	close(fd);
	fd = open(SPARE_NAME, O_CREAT | O_WRONLY, 0600);
	if (fd < 0)
		return -1;
	close(fd);
	if (test_move_fd(inotify_init1(IN_NONBLOCK), IFD))
		return -1;
	wd_dir = inotify_add_watch(IFD, DIR_NAME, DIR_MASK);
	spare = inotify_add_watch(IFD, SPARE_NAME, IN_MODIFY);
	if (wd_dir < 0 || spare < 0 || inotify_rm_watch(IFD, spare))
		return -1;
	wd_file = inotify_add_watch(IFD, FILE_NAME, FILE_MASK);
	if (wd_file < 0)
		return -1;
	{
		char buf[256];

		/* the IN_IGNORED of the spare watch */
		while (read(IFD, buf, sizeof(buf)) > 0)
			;
	}
	if (stat(DIR_NAME, &st))
		return -1;
	ino_dir = st.st_ino;
	if (stat(FILE_NAME, &st))
		return -1;
	ino_file = st.st_ino;
	return 0;
}

int main(int argc, char **argv)
{
	int fd, wd;

	fd = test_init(argc, argv, 0);
	if (fd)
		return test_init_exit(fd);
	if (setup()) {
		fail("setup: %m");
		return 1;
	}
	if (wd_dir != 1 || wd_file != 3) {
		fail("wds %d and %d, want 1 and 3", wd_dir, wd_file);
		return 1;
	}

	if (test_daemon())
		return 1;
	test_waitsig();

	if (test_broken())
		inotify_rm_watch(IFD, wd_dir);
	if (listed(wd_dir, DIR_MASK, ino_dir) || listed(wd_file, FILE_MASK, ino_file) ||
	    nothing_queued("after restore"))
		return 1;
	fd = open(DIR_NAME "/" NEW_NAME, O_CREAT | O_WRONLY, 0600);
	if (fd < 0) {
		fail("create: %m");
		return 1;
	}
	close(fd);
	if (next_event(wd_dir, IN_CREATE, NEW_NAME))
		return 1;
	if (chmod(FILE_NAME, 0640) || next_event(wd_file, IN_ATTRIB, NULL))
		return 1;
	wd = inotify_add_watch(IFD, SPARE_NAME, IN_MODIFY);
	if (wd <= wd_file) {
		fail("a new watch got wd %d, not above %d", wd, wd_file);
		return 1;
	}
	pass();
	return 0;
}
