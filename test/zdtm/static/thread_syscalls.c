// SPDX-License-Identifier: GPL-2.0
/*
 * thread_syscalls: four threads blocked in different system calls when
 * dumped: futex(FUTEX_WAIT), nanosleep() for an hour, read() on an empty
 * pipe, poll() on another. After restore each thread must have its tid
 * (it noted gettid() before), must still be blocked in that call
 * (/proc/self/task/TID/syscall; a sleep may show restart_syscall), and
 * must complete it as the call promises: the futex wait on a wake, the
 * sleep only on a signal and with most of the hour left, read() with
 * exactly the bytes written, poll() with POLLIN. The thread list must be
 * the same tids.
 */
#include <dirent.h>
#include <errno.h>
#include <linux/futex.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "zdtmtst.h"

#define MSG		"abc"
#define HOUR		3600

enum { T_FUTEX, T_SLEEP, T_READ, T_POLL, NR_THREADS };

struct thread {
	int index;
	long nr, alt_nr;	/* the syscall it blocks in (or its restart) */
	pid_t tid;
	volatile int ready;
	char bad[200];
};

static struct thread threads[NR_THREADS];
static volatile int word;
static volatile int woken;	/* set before the thread is woken on purpose */
static int read_pipe[2], poll_pipe[2];

static void on_usr1(int sig)
{
}

/* FUTEX_WAIT may wake spuriously (callers loop), but not spin. */
static void do_futex(struct thread *t)
{
	int spurious = 0;

	while (!word) {
		if (syscall(SYS_futex, &word, FUTEX_WAIT_PRIVATE, 0, NULL, NULL, 0) &&
		    errno != EAGAIN && errno != EINTR) {
			snprintf(t->bad, sizeof(t->bad), "FUTEX_WAIT: %m");
			return;
		}
		if (!woken && ++spurious > 10) {
			snprintf(t->bad, sizeof(t->bad), "FUTEX_WAIT returned %d times before the wake",
				 spurious);
			return;
		}
	}
}

static void do_sleep(struct thread *t)
{
	struct timespec req = { HOUR, 0 }, rem = { 0, 0 };
	long ret = syscall(SYS_nanosleep, &req, &rem);

	if (ret != -1 || errno != EINTR || !woken)
		snprintf(t->bad, sizeof(t->bad), "nanosleep gave %ld (%m) before the signal (sent %d)",
			 ret, woken);
	else if (rem.tv_sec < HOUR - 600 || rem.tv_sec > HOUR)
		snprintf(t->bad, sizeof(t->bad), "nanosleep: %ld s left of %d", (long)rem.tv_sec, HOUR);
}

static void do_read(struct thread *t)
{
	char buf[16];
	long n = syscall(SYS_read, read_pipe[0], buf, sizeof(buf));

	if (n != sizeof(MSG) - 1 || memcmp(buf, MSG, n))
		snprintf(t->bad, sizeof(t->bad), "read gave %ld (%m), want the %zu bytes '%s'",
			 n, sizeof(MSG) - 1, MSG);
}

static void do_poll(struct thread *t)
{
	struct pollfd pfd = { .fd = poll_pipe[0], .events = POLLIN };
	long n = syscall(SYS_poll, &pfd, 1, -1);

	if (n != 1 || pfd.revents != POLLIN)
		snprintf(t->bad, sizeof(t->bad), "poll gave %ld (%m), revents %#x", n, pfd.revents);
}

static void *thread_main(void *arg)
{
	struct thread *t = arg;
	long tid;

	t->tid = syscall(SYS_gettid);
	t->ready = 1;
	switch (t->index) {
	case T_FUTEX: do_futex(t); break;
	case T_SLEEP: do_sleep(t); break;
	case T_READ: do_read(t); break;
	case T_POLL: do_poll(t); break;
	}
	tid = syscall(SYS_gettid);
	if (!t->bad[0] && tid != t->tid)
		snprintf(t->bad, sizeof(t->bad), "gettid() %ld, was %d", tid, t->tid);
	return NULL;
}

/* The syscall a thread is blocked in: first field of /proc/self/task/TID/syscall. */
static long blocked_in(pid_t tid)
{
	char path[64], buf[256] = "";
	FILE *f;

	snprintf(path, sizeof(path), "/proc/self/task/%d/syscall", tid);
	f = fopen(path, "r");
	if (!f)
		return -2;
	if (!fgets(buf, sizeof(buf), f))
		buf[0] = '\0';
	fclose(f);
	return buf[0] ? strtol(buf, NULL, 10) : -2;
}

static int wait_blocked(struct thread *t, int tries)
{
	long nr = -2;

	for (int i = 0; i < tries; i++) {
		nr = blocked_in(t->tid);
		if (nr == t->nr || nr == t->alt_nr)
			return 0;
		usleep(1000);
	}
	fail("thread %d (tid %d) is in syscall %ld, want %ld", t->index, t->tid, nr, t->nr);
	return -1;
}

/* The tids of /proc/self/task are ours and the threads'. */
static int check_task_list(void)
{
	DIR *d = opendir("/proc/self/task");
	struct dirent *de;
	int nr = 0;

	if (!d) {
		fail("opendir /proc/self/task: %m");
		return -1;
	}
	while ((de = readdir(d))) {
		pid_t tid = atoi(de->d_name);
		int known = tid == getpid();

		if (!tid)
			continue;
		for (int t = 0; t < NR_THREADS; t++)
			known |= tid == threads[t].tid;
		if (!known) {
			closedir(d);
			fail("/proc/self/task has tid %d, not one of ours", tid);
			return -1;
		}
		nr++;
	}
	closedir(d);
	if (nr != NR_THREADS + 1) {
		fail("%d threads, want %d", nr, NR_THREADS + 1);
		return -1;
	}
	return 0;
}

static int start(pthread_t *ids)
{
	static const long nrs[][2] = {
		[T_FUTEX] = { SYS_futex, SYS_futex },
		[T_SLEEP] = { SYS_nanosleep, SYS_restart_syscall },
		[T_READ] = { SYS_read, SYS_read },
		[T_POLL] = { SYS_poll, SYS_restart_syscall },
	};
	struct sigaction sa = { .sa_handler = on_usr1 };

	if (pipe(read_pipe) || pipe(poll_pipe) || sigaction(SIGUSR1, &sa, NULL))
		return -1;
	for (int t = 0; t < NR_THREADS; t++) {
		threads[t].index = t;
		threads[t].nr = nrs[t][0];
		threads[t].alt_nr = nrs[t][1];
	}
	if (test_threads_start(ids, NR_THREADS, thread_main, threads, sizeof(threads[0])))
		return -1;
	for (int t = 0; t < NR_THREADS; t++) {
		while (!threads[t].ready)
			usleep(1000);
		if (wait_blocked(&threads[t], 5000))
			return -1;
	}
	return 0;
}

static int wake_all(void)
{
	const char *msg = test_broken() ? MSG "X" : MSG;	/* a pipe with extra bytes */

	woken = 1;
	word = 1;
	if (syscall(SYS_futex, &word, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0) < 0 ||
	    syscall(SYS_tgkill, getpid(), threads[T_SLEEP].tid, SIGUSR1) ||
	    write(read_pipe[1], msg, strlen(msg)) != (ssize_t)strlen(msg) ||
	    write(poll_pipe[1], "p", 1) != 1) {
		fail("waking the threads: %m");
		return -1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	pthread_t ids[NR_THREADS];
	int ret;

	ret = test_init(argc, argv, 0);
	if (ret)
		return test_init_exit(ret);
	if (start(ids)) {
		if (!test_failed())
			fail("starting threads: %m");
		return 1;
	}
	if (test_daemon())
		return 1;
	test_waitsig();

	if (check_task_list())
		return 1;
	for (int t = 0; t < NR_THREADS; t++)
		if (wait_blocked(&threads[t], 1))
			return 1;
	if (wake_all())
		return 1;
	if (test_threads_join(ids, NR_THREADS, threads[0].bad, sizeof(threads[0])))
		return 1;
	pass();
	return 0;
}
