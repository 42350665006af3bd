// SPDX-License-Identifier: GPL-2.0
/*
 * zombie_leader: the main thread has called pthread_exit() (the thread
 * group leader is a zombie while the other threads run), and thread X has
 * exited without being joined. After restore the leader must still be a
 * zombie (state Z in /proc/self/task/PID/stat), the live threads must be
 * exactly the ones that were, X must be joinable with its return value,
 * and the worker thread must still answer on a futex.
 */
#include <dirent.h>
#include <errno.h>
#include <linux/futex.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "zdtmtst.h"

#define X_RESULT	((void *)0x5845584954ULL)

static pthread_t x_thread;
static pid_t leader, worker_tid, checker_tid;
static volatile pid_t x_tid;
static volatile int ping, pong;

/* The state letter of thread tid, '-' when it is gone. */
static char task_state(pid_t tid)
{
	char path[64], buf[256], *p, state = '-';
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/task/%d/stat", leader, tid);
	f = fopen(path, "r");
	if (!f)
		return '-';
	if (fgets(buf, sizeof(buf), f) && (p = strrchr(buf, ')')))
		state = p[2];
	fclose(f);
	return state;
}

static void *x_main(void *arg)
{
	x_tid = syscall(SYS_gettid);
	return X_RESULT;
}

static void *sleeper(void *arg)
{
	for (;;)
		pause();
	return NULL;
}

static void *worker(void *arg)
{
	worker_tid = syscall(SYS_gettid);
	for (;;) {
		while (!ping)
			syscall(SYS_futex, &ping, FUTEX_WAIT_PRIVATE, 0, NULL, NULL, 0);
		ping = 0;
		pong = syscall(SYS_gettid);
		syscall(SYS_futex, &pong, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0);
	}
	return NULL;
}

/* Live tids in /proc/self/task, the zombie leader left out; count them. */
static int live_tasks(void)
{
	DIR *d = opendir("/proc/self/task");
	struct dirent *de;
	int nr = 0;

	if (!d)
		return -1;
	while ((de = readdir(d))) {
		pid_t tid = atoi(de->d_name);

		if (!tid || tid == leader)
			continue;
		if (tid != worker_tid && tid != checker_tid) {
			closedir(d);
			fail("thread %d is alive, not one of worker %d and checker %d", tid,
			     worker_tid, checker_tid);
			return -1;
		}
		nr++;
	}
	closedir(d);
	return nr;
}

static int check(void)
{
	struct timespec deadline;
	void *res = NULL;
	int ret;

	if (task_state(leader) != 'Z') {
		fail("leader %d is in state %c, want Z", leader, task_state(leader));
		return -1;
	}
	ret = live_tasks();
	if (ret != 2) {
		if (ret >= 0)
			fail("%d live threads, want 2", ret);
		return -1;
	}
	clock_gettime(CLOCK_REALTIME, &deadline);
	deadline.tv_sec += 5;
	ret = pthread_timedjoin_np(x_thread, &res, &deadline);
	if (ret || res != X_RESULT) {
		fail("join of the exited thread: %s, result %p want %p", strerror(ret), res, X_RESULT);
		return -1;
	}
	ping = 1;
	syscall(SYS_futex, &ping, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0);
	for (int i = 0; i < 5000 && !pong; i++)
		usleep(1000);
	if (pong != worker_tid) {
		fail("worker answered %d, want its tid %d", pong, worker_tid);
		return -1;
	}
	return 0;
}

static void *checker(void *arg)
{
	checker_tid = syscall(SYS_gettid);
	while (task_state(leader) != 'Z' || !worker_tid)
		usleep(1000);
	if (test_daemon())
		exit(1);
	test_waitsig();
	/* A restore that brought back a thread that had exited */
	if (test_broken()) {
		pthread_t extra;

		pthread_create(&extra, NULL, sleeper, NULL);
		usleep(100 * 1000);
	}
	if (!check())
		pass();
	exit(test_failed());
}

int main(int argc, char **argv)
{
	pthread_t id;
	sigset_t term;
	int ret;

	ret = test_init(argc, argv, 0);
	if (ret)
		return test_init_exit(ret);
	leader = getpid();
	sigemptyset(&term);
	sigaddset(&term, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &term, NULL);
	if (pthread_create(&x_thread, NULL, x_main, NULL) ||
	    pthread_create(&id, NULL, worker, NULL)) {
		fail("pthread_create");
		return 1;
	}
	/* X must be gone before the dump: joinable, not running. */
	while (!x_tid || task_state(x_tid) != '-')
		usleep(1000);
	if (pthread_create(&id, NULL, checker, NULL)) {
		fail("pthread_create");
		return 1;
	}
	/* The leader leaves: its pdeath signal (set by test_init) goes with it. */
	prctl(PR_SET_PDEATHSIG, 0);
	pthread_exit(NULL);
}
