// SPDX-License-Identifier: GPL-2.0
/*
 * tree.c - helpers for tests made of several processes.
 *
 * Only the test's main process gives the verdict: pass() from a child
 * would overwrite a failure. A child reports through its exit status and,
 * when it fails, through a file <outfile>.fail.PID on disk, outside what
 * criu saves, that its parent reads when it reaps it.
 */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "zdtmtst.h"
#include "lib-priv.h"

static void fail_path(char *buf, size_t len, pid_t pid)
{
	snprintf(buf, len, "%s.fail.%d", test_outfile, pid);
}

void tree_fail(const char *fmt, ...)
{
	char path[PATH_MAX], reason[900];
	va_list args;
	int fd, len;

	va_start(args, fmt);
	len = vsnprintf(reason, sizeof(reason), fmt, args);
	va_end(args);
	if (len >= (int)sizeof(reason))
		len = sizeof(reason) - 1;
	test_msg("child failed: %s", reason);
	fail_path(path, sizeof(path), getpid());
	/* The first reason is the one that counts, as with fail(). */
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	if (fd < 0) {
		if (errno != EEXIST)
			pr_perror("open %s", path);
		return;
	}
	if (write(fd, reason, len) != len)
		pr_perror("write %s", path);
	close(fd);
}

pid_t tree_fork(int (*fn)(void *), void *arg)
{
	pid_t pid;

	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		fail("fork: %m");
		return -errno;
	}
	if (!pid)
		_exit(fn(arg) ? 1 : 0);
	return pid;
}

/*
 * The reason a child left in its fail file (returns 1), or a description
 * of its wait status (returns 0).
 */
static int child_reason(pid_t pid, int status, char *buf, size_t len)
{
	char path[PATH_MAX];
	ssize_t n = -1;
	int fd;

	fail_path(path, sizeof(path), pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd >= 0) {
		n = read(fd, buf, len - 1);
		close(fd);
	}
	if (n > 0) {
		buf[n] = '\0';
		return 1;
	}
	if (WIFEXITED(status))
		snprintf(buf, len, "exited %d", WEXITSTATUS(status));
	else if (WIFSIGNALED(status))
		snprintf(buf, len, "killed by signal %d", WTERMSIG(status));
	else
		snprintf(buf, len, "status %#x", status);
	return 0;
}

int tree_reap(pid_t pid, const char *role)
{
	char reason[900];
	int status;

	if (waitpid(pid, &status, 0) != pid) {
		fail("waitpid %s %d: %m", role, pid);
		return -ECHILD;
	}
	if (WIFEXITED(status) && !WEXITSTATUS(status))
		return 0;
	child_reason(pid, status, reason, sizeof(reason));
	fail("%s %d: %s", role, pid, reason);
	return -EIO;
}

int tree_end(pid_t pid, const char *role)
{
	if (kill(pid, SIGTERM)) {
		fail("SIGTERM to %s %d: %m", role, pid);
		return -errno;
	}
	return tree_reap(pid, role);
}

int tree_failed(pid_t pid, const char *role)
{
	char reason[900];

	if (!child_reason(pid, 0, reason, sizeof(reason)))
		return 0;
	fail("%s %d: %s", role, pid, reason);
	return -EIO;
}

int tree_child_result(pid_t pid, int status, const char *role)
{
	char reason[900];

	if (WIFEXITED(status) && !WEXITSTATUS(status))
		return 0;
	child_reason(pid, status, reason, sizeof(reason));
	tree_fail("%s %d: %s", role, pid, reason);
	return -EIO;
}

int tree_stat(pid_t pid, struct tree_stat *st)
{
	char path[64], buf[512], *p;
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -EIO;
	buf[n] = '\0';
	p = strrchr(buf, ')');
	if (!p || sscanf(p + 2, "%c %d %d %d", &st->state, &st->ppid, &st->pgid, &st->sid) != 4)
		return -EINVAL;
	return 0;
}

int tree_children(pid_t pid, pid_t *kids, int max)
{
	char path[64], buf[4096], *p, *end;
	ssize_t n;
	int fd, nr = 0;

	snprintf(path, sizeof(path), "/proc/%d/task/%d/children", pid, pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n < 0)
		return -errno;
	buf[n] = '\0';
	for (p = buf; nr < max; p = end) {
		long v = strtol(p, &end, 10);

		if (end == p)
			break;
		kids[nr++] = v;
	}
	return nr;
}

/*
 * Readiness of a tree: a pipe the main process reads one byte per
 * process that set up state on its own, before test_daemon().
 */
static int sync_fds[2] = { -1, -1 };

int tree_sync_init(void)
{
	if (pipe2(sync_fds, O_CLOEXEC)) {
		fail("pipe for the tree's readiness: %m");
		return -errno;
	}
	return 0;
}

void tree_sync_close(void)
{
	if (sync_fds[0] >= 0)
		close(sync_fds[0]);
	if (sync_fds[1] >= 0)
		close(sync_fds[1]);
	sync_fds[0] = sync_fds[1] = -1;
}

int tree_sync_post(void)
{
	int ret = 0;

	if (write(sync_fds[1], "r", 1) != 1) {
		tree_fail("posting readiness: %m");
		ret = -EIO;
	}
	tree_sync_close();
	return ret;
}

int tree_sync_wait(int nr)
{
	char c;

	close(sync_fds[1]);
	sync_fds[1] = -1;
	for (int i = 0; i < nr; i++)
		if (read(sync_fds[0], &c, 1) != 1) {
			fail("%d of %d processes got ready, the others died (see the log)", i, nr);
			return -EIO;
		}
	tree_sync_close();
	return 0;
}

#define CLONE_STACK	(256 * 1024)

/*
 * With CLONE_VM the child needs a stack of its own (never freed: the test
 * ends first); without it clone() is a fork that shares what flags say.
 */
pid_t tree_clone(unsigned long flags, int (*fn)(void *), void *arg)
{
	char *stack;
	pid_t pid;

	fflush(NULL);
	if (!(flags & CLONE_VM)) {
		pid = syscall(SYS_clone, flags | SIGCHLD, NULL, NULL, NULL, 0);
		if (!pid)
			_exit(fn(arg) ? 1 : 0);
	} else {
		stack = mmap(NULL, CLONE_STACK, PROT_READ | PROT_WRITE,
			     MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);
		if (stack == MAP_FAILED) {
			fail("mmap a stack for clone: %m");
			return -errno;
		}
		pid = clone(fn, stack + CLONE_STACK, flags | SIGCHLD, arg);
	}
	if (pid < 0) {
		fail("clone(%#lx): %m", flags);
		return -errno;
	}
	return pid;
}

int tree_kcmp(pid_t a, pid_t b, int type, unsigned long idx1, unsigned long idx2)
{
	return syscall(SYS_kcmp, a, b, type, idx1, idx2);
}

int tree_check_shared(pid_t shared, pid_t apart, int type, const char *what)
{
	if (tree_kcmp(getpid(), shared, type, 0, 0)) {
		fail("kcmp: child %d does not share the test's %s", shared, what);
		return -1;
	}
	if (!tree_kcmp(getpid(), apart, type, 0, 0)) {
		fail("kcmp: forked child %d shares the test's %s", apart, what);
		return -1;
	}
	return 0;
}
