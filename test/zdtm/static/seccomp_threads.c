// SPDX-License-Identifier: GPL-2.0
/*
 * seccomp_threads: filters per thread and per process, and their sharing.
 *
 * The main process installs A (getppid fails with EPERM) and starts three
 * threads; thread 0 stacks B (getpgrp fails with 55) on itself alone. A
 * child forked after A stacks C (getsid fails with 57) and then starts a
 * thread, which inherits A and C: the same filter objects.
 *
 * After restore every thread must fail exactly its own calls, and the
 * sharing must be as before: in the child a TSYNC of a new filter D
 * (getegid fails with 58) succeeds and reaches its thread (it would fail
 * if the thread held copies of A and C), while in the main process a
 * TSYNC fails and names thread 0, the only thread with a filter the main
 * thread does not have.
 */
#include <errno.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <pthread.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "zdtmtst.h"

#define NR_THREADS	3

struct thread {
	int index;
	pid_t tid;
	volatile int ready, checked;
	char bad[200];
};

static struct thread threads[NR_THREADS];
/* the threads live on until the main thread tried its TSYNC */
static volatile int main_checked;

static long install(int nr, int err, unsigned int flags)
{
	struct sock_filter insns[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, nr, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | err),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	struct sock_fprog prog = { .len = ARRAY_SIZE(insns), .filter = insns };

	return syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, flags, &prog);
}

/* "" when call @nr fails with @err (0: succeeds), else why not, in @bad. */
static int expect(long nr, int err, const char *name, char *bad, size_t len)
{
	long ret;

	errno = 0;
	ret = syscall(nr, 0);
	if (err ? (ret == -1 && errno == err) : ret >= 0)
		return 0;
	snprintf(bad, len, "tid %ld: %s returned %ld (%s), want %s %d", syscall(SYS_gettid),
		 name, ret, strerror(errno), err ? "errno" : "success", err);
	return -1;
}

static void sleep_until(volatile int *flag)
{
	struct timespec tick = { 0, 10 * 1000 * 1000 };

	while (!*flag)
		nanosleep(&tick, NULL);
}

static void *thread_main(void *arg)
{
	struct thread *t = arg;
	char *bad = t->bad;
	size_t len = sizeof(t->bad);

	t->tid = syscall(SYS_gettid);
	if (t->index == 0 && install(__NR_getpgrp, 55, 0))
		snprintf(bad, len, "install B: %m");
	t->ready = 1;
	sleep_until(&test_stop);
	if (test_broken() && t->index == 1)
		install(__NR_getpgrp, 55, 0);
	if (!bad[0] && !expect(__NR_getppid, EPERM, "getppid", bad, len))
		expect(__NR_getpgrp, t->index == 0 ? 55 : 0, "getpgrp", bad, len);
	t->checked = 1;
	sleep_until(&main_checked);
	return NULL;
}

/* The child's thread: A and C inherited, then D through the TSYNC. */
static volatile int synced;
static char child_bad[200];

static void *child_thread(void *arg)
{
	sleep_until(&synced);
	if (!expect(__NR_getppid, EPERM, "getppid", child_bad, sizeof(child_bad)) &&
	    !expect(__NR_getsid, 57, "getsid", child_bad, sizeof(child_bad)))
		expect(__NR_getegid, 58, "getegid", child_bad, sizeof(child_bad));
	return NULL;
}

static int child(void *arg)
{
	pthread_t id;
	long ret;

	if (install(__NR_getsid, 57, 0)) {
		tree_fail("install C: %m");
		return 1;
	}
	if (pthread_create(&id, NULL, child_thread, NULL)) {
		tree_fail("pthread_create in the child");
		return 1;
	}
	tree_sync_post();
	sleep_until(&test_stop);
	ret = install(__NR_getegid, 58, SECCOMP_FILTER_FLAG_TSYNC);
	if (ret)
		snprintf(child_bad, sizeof(child_bad), "TSYNC of D in the child: %ld (%m)", ret);
	synced = 1;
	pthread_join(id, NULL);
	if (child_bad[0]) {
		tree_fail("%s", child_bad);
		return 1;
	}
	if (expect(__NR_getsid, 57, "getsid", child_bad, sizeof(child_bad)) ||
	    expect(__NR_getegid, 58, "getegid", child_bad, sizeof(child_bad))) {
		tree_fail("%s", child_bad);
		return 1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	pthread_t ids[NR_THREADS];
	char bad[200] = "";
	pid_t kid;
	long ret;

	ret = test_init(argc, argv, 0);
	if (ret)
		return test_init_exit(ret);
	if (install(__NR_getppid, EPERM, 0)) {
		fail("install A: %m");
		return 1;
	}
	for (int t = 0; t < NR_THREADS; t++)
		threads[t].index = t;
	if (tree_sync_init())
		return 1;
	kid = tree_fork(child, NULL);
	if (kid < 0)
		return 1;
	if (test_threads_start(ids, NR_THREADS, thread_main, threads, sizeof(threads[0])))
		return 1;
	for (int t = 0; t < NR_THREADS; t++)
		sleep_until(&threads[t].ready);
	if (tree_sync_wait(1))
		return 1;
	if (test_daemon())
		return 1;
	test_waitsig();

	for (int t = 0; t < NR_THREADS; t++)
		sleep_until(&threads[t].checked);
	if (expect(__NR_getppid, EPERM, "getppid", bad, sizeof(bad)) ||
	    expect(__NR_getpgrp, 0, "getpgrp", bad, sizeof(bad)))
		fail("%s", bad);
	ret = install(__NR_getuid, 59, SECCOMP_FILTER_FLAG_TSYNC);
	if (!bad[0] && ret != threads[0].tid)
		fail("TSYNC in the main process returned %ld, want thread 0's tid %d",
		     ret, threads[0].tid);
	main_checked = 1;
	test_threads_join(ids, NR_THREADS, threads[0].bad, sizeof(threads[0]));

	if (!tree_end(kid, "child") && !test_failed())
		pass();
	return 0;
}
