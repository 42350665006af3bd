// SPDX-License-Identifier: GPL-2.0
/*
 * file_locks00: flock(2) locks, dumped with --file-locks: LOCK_EX on one
 * file, LOCK_SH on another (through a descriptor shared by dup()). After
 * restore another process sees them held: LOCK_EX|LOCK_NB fails with
 * EWOULDBLOCK on both, LOCK_SH|LOCK_NB on the shared one succeeds and on
 * the exclusive one fails.
 */
#include <errno.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/wait.h>
#include <unistd.h>

#include "zdtmtst.h"

#define EX_NAME		"file_locks00.ex"
#define SH_NAME		"file_locks00.sh"

/* In a child: 0 if flock(@how | LOCK_NB) on a new open of @name gives @want. */
static int try_in_child(const char *name, int how, int want)
{
	int status, fd, got;
	pid_t pid = fork();

	if (pid < 0)
		return -1;
	if (pid == 0) {
		fd = open(name, O_RDONLY);
		got = fd < 0 ? -2 : flock(fd, how | LOCK_NB) ? errno : 0;
		_exit(got == want ? 0 : 1);
	}
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) || WEXITSTATUS(status)) {
		fail("flock(%s, %s) from another process: not %s", name,
		     how == LOCK_EX ? "LOCK_EX" : "LOCK_SH", want ? "EWOULDBLOCK" : "granted");
		return -1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	int ex, sh, ret;

	ret = test_init(argc, argv, 0);
	if (ret)
		return test_init_exit(ret);
	ex = open(EX_NAME, O_RDWR | O_CREAT, 0600);
	sh = open(SH_NAME, O_RDWR | O_CREAT, 0600);
	if (ex < 0 || sh < 0 || flock(ex, LOCK_EX) || flock(sh, LOCK_SH) || dup2(sh, 30) != 30) {
		fail("take the locks: %m");
		return 1;
	}

	if (test_daemon())
		return 1;
	test_waitsig();

	if (test_broken())
		flock(ex, LOCK_UN);
	if (try_in_child(EX_NAME, LOCK_EX, EWOULDBLOCK) ||
	    try_in_child(EX_NAME, LOCK_SH, EWOULDBLOCK) ||
	    try_in_child(SH_NAME, LOCK_EX, EWOULDBLOCK) ||
	    try_in_child(SH_NAME, LOCK_SH, 0))
		return 1;
	pass();
	return 0;
}
