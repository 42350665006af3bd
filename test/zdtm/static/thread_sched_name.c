// SPDX-License-Identifier: GPL-2.0
/*
 * thread_sched_name: 6 threads, each with its own name (PR_SET_NAME, also
 * /proc/self/task/TID/comm), scheduling policy (SCHED_OTHER, SCHED_BATCH,
 * SCHED_IDLE), nice value and CPU affinity. After restore every thread
 * must have its own back, read from inside the thread and from /proc.
 */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "zdtmtst.h"

#define NR_THREADS	6

struct thread {
	int index;
	pid_t tid;
	char name[16];
	int policy, nice;
	cpu_set_t cpus;
	volatile int ready;
	char bad[200];
};

static struct thread threads[NR_THREADS];
static pthread_barrier_t checked;

static int set_state(struct thread *t)
{
	static const int policies[] = { SCHED_OTHER, SCHED_BATCH, SCHED_IDLE };
	struct sched_param sp = { 0 };

	t->tid = syscall(SYS_gettid);
	snprintf(t->name, sizeof(t->name), "zt-sched-%d", t->index);
	t->policy = policies[t->index % 3];
	t->nice = t->index + 1;
	if (prctl(PR_SET_NAME, t->name) || sched_setscheduler(0, t->policy, &sp) ||
	    setpriority(PRIO_PROCESS, t->tid, t->nice) ||
	    sched_setaffinity(0, sizeof(t->cpus), &t->cpus)) {
		snprintf(t->bad, sizeof(t->bad), "setting up: %m");
		return -1;
	}
	return 0;
}

static int check_comm(struct thread *t)
{
	char path[64], comm[32] = "";
	FILE *f;

	snprintf(path, sizeof(path), "/proc/self/task/%d/comm", t->tid);
	f = fopen(path, "r");
	if (!f || !fgets(comm, sizeof(comm), f)) {
		snprintf(t->bad, sizeof(t->bad), "read %s: %m", path);
		if (f)
			fclose(f);
		return -1;
	}
	fclose(f);
	comm[strcspn(comm, "\n")] = '\0';
	if (strcmp(comm, t->name)) {
		snprintf(t->bad, sizeof(t->bad), "%s says '%s', want '%s'", path, comm, t->name);
		return -1;
	}
	return 0;
}

static void check_state(struct thread *t)
{
	char name[17] = "";
	cpu_set_t cpus;
	int policy, nice;

	prctl(PR_GET_NAME, name);
	policy = sched_getscheduler(0);
	errno = 0;
	nice = getpriority(PRIO_PROCESS, t->tid);
	if (syscall(SYS_gettid) != t->tid)
		snprintf(t->bad, sizeof(t->bad), "tid %ld, was %d", syscall(SYS_gettid), t->tid);
	else if (strcmp(name, t->name))
		snprintf(t->bad, sizeof(t->bad), "name '%s', want '%s'", name, t->name);
	else if (policy != t->policy)
		snprintf(t->bad, sizeof(t->bad), "policy %d, want %d", policy, t->policy);
	else if (nice != t->nice)
		snprintf(t->bad, sizeof(t->bad), "nice %d, want %d", nice, t->nice);
	else if (sched_getaffinity(0, sizeof(cpus), &cpus) || !CPU_EQUAL(&cpus, &t->cpus))
		snprintf(t->bad, sizeof(t->bad), "affinity: %d cpus (first %d), want %d",
			 CPU_COUNT(&cpus), CPU_ISSET(0, &cpus) ? 0 : 1, CPU_COUNT(&t->cpus));
	else
		check_comm(t);
}

static void *thread_main(void *arg)
{
	struct timespec tick = { 0, 10 * 1000 * 1000 };
	struct thread *t = arg;
	int ret;

	ret = set_state(t);
	t->ready = 1;
	while (!test_stop)
		nanosleep(&tick, NULL);
	if (test_broken() && t->index == 4)
		prctl(PR_SET_NAME, "zt-broken");
	if (!ret)
		check_state(t);
	/* All check before any exits: /proc/self/task/TID/comm of a live thread */
	pthread_barrier_wait(&checked);
	return NULL;
}

/* Affinities that differ between threads: one cpu each in turn, or all. */
static void pick_cpus(int t, const cpu_set_t *all, cpu_set_t *cpus)
{
	int nr = CPU_COUNT(all), n = 0;

	CPU_ZERO(cpus);
	if (nr < 2 || t % 3 == 2) {
		*cpus = *all;
		return;
	}
	for (int c = 0; c < CPU_SETSIZE; c++)
		if (CPU_ISSET(c, all) && n++ == t % nr)
			CPU_SET(c, cpus);
}

int main(int argc, char **argv)
{
	pthread_t ids[NR_THREADS];
	cpu_set_t all;
	int ret;

	ret = test_init(argc, argv, 0);
	if (ret)
		return test_init_exit(ret);
	if (sched_getaffinity(0, sizeof(all), &all) ||
	    pthread_barrier_init(&checked, NULL, NR_THREADS)) {
		fail("sched_getaffinity: %m");
		return 1;
	}
	for (int t = 0; t < NR_THREADS; t++) {
		threads[t].index = t;
		pick_cpus(t, &all, &threads[t].cpus);
	}
	if (test_threads_start(ids, NR_THREADS, thread_main, threads, sizeof(threads[0])))
		return 1;
	for (int t = 0; t < NR_THREADS; t++)
		while (!threads[t].ready)
			usleep(1000);
	if (test_daemon())
		return 1;
	test_waitsig();

	if (test_threads_join(ids, NR_THREADS, threads[0].bad, sizeof(threads[0])))
		return 1;
	pass();
	return 0;
}
