// SPDX-License-Identifier: GPL-2.0
/*
 * file_locks01: POSIX (fcntl F_SETLK) locks, dumped with --file-locks: a
 * write lock on bytes 100-199 and a read lock from 1000 to the end of the
 * file. After restore another process's F_GETLK sees them: the write
 * lock (with this pid) over 100-199, nothing at 300, the read lock
 * against a write at 5000, no conflict for a read there.
 */
#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "zdtmtst.h"

#define NAME	"file_locks01.data"

static int set_lock(int fd, short type, off_t start, off_t len)
{
	struct flock fl = { .l_type = type, .l_whence = SEEK_SET, .l_start = start, .l_len = len };

	return fcntl(fd, F_SETLK, &fl);
}

/* In a child: F_GETLK for @type at @start gives @want (held by @owner). */
static int probe(short type, off_t start, short want, pid_t owner)
{
	int status, fd, ok;
	pid_t pid = fork();

	if (pid < 0)
		return -1;
	if (pid == 0) {
		struct flock fl = { .l_type = type, .l_whence = SEEK_SET, .l_start = start, .l_len = 1 };

		fd = open(NAME, O_RDWR);
		ok = fd >= 0 && !fcntl(fd, F_GETLK, &fl) && fl.l_type == want &&
		     (want == F_UNLCK || fl.l_pid == owner);
		_exit(ok ? 0 : 1);
	}
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) || WEXITSTATUS(status)) {
		fail("F_GETLK for a %s at %ld from another process: not %s", type == F_WRLCK ?
		     "write" : "read", (long)start, want == F_UNLCK ? "free" : want == F_WRLCK ?
		     "write-locked by us" : "read-locked by us");
		return -1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	pid_t me;
	int fd, ret;

	ret = test_init(argc, argv, 0);
	if (ret)
		return test_init_exit(ret);
	fd = open(NAME, O_RDWR | O_CREAT, 0600);
	if (fd < 0 || set_lock(fd, F_WRLCK, 100, 100) || set_lock(fd, F_RDLCK, 1000, 0)) {
		fail("take the locks: %m");
		return 1;
	}

	if (test_daemon())
		return 1;
	test_waitsig();

	me = getpid();
	if (test_broken())
		set_lock(fd, F_UNLCK, 150, 10);
	if (probe(F_RDLCK, 100, F_WRLCK, me) || probe(F_RDLCK, 155, F_WRLCK, me) ||
	    probe(F_RDLCK, 199, F_WRLCK, me) || probe(F_WRLCK, 300, F_UNLCK, 0) ||
	    probe(F_WRLCK, 5000, F_RDLCK, me) || probe(F_RDLCK, 5000, F_UNLCK, 0))
		return 1;
	pass();
	return 0;
}
