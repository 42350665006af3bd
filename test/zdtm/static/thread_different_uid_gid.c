// SPDX-License-Identifier: GPL-2.0
/*
 * thread_different_uid_gid: threads whose credentials differ from the
 * rest of the process, set with the raw system calls (glibc's setuid()
 * family would change every thread): one with all uids non-zero (so
 * without capabilities), one with other gids, one with other supplementary
 * groups, one with real and saved uids other than its effective uid 0.
 * After restore each thread's Uid, Gid, Groups and capability lines of
 * /proc/thread-self/status must be the ones it had; the main thread's too.
 */
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "zdtmtst.h"

#define NR_THREADS	4

struct thread {
	int index;
	char creds[1024];
	volatile int ready;
	char bad[300];
};

static struct thread threads[NR_THREADS];

/* The credential lines of the calling thread's status. */
static int read_creds(char *buf, size_t len)
{
	static const char *keys[] = { "Uid:", "Gid:", "Groups:", "CapInh:", "CapPrm:",
				      "CapEff:", "CapBnd:", "CapAmb:" };
	char line[256];
	size_t used = 0;
	FILE *f = fopen("/proc/thread-self/status", "r");

	if (!f)
		return -1;
	buf[0] = '\0';
	while (fgets(line, sizeof(line), f))
		for (size_t k = 0; k < ARRAY_SIZE(keys); k++)
			if (!strncmp(line, keys[k], strlen(keys[k])) && used + strlen(line) < len) {
				strcpy(buf + used, line);
				used += strlen(line);
			}
	fclose(f);
	return 0;
}

static int set_creds(int index)
{
	static const gid_t groups[] = { 3000, 3001 };

	switch (index) {
	case 0:
		return syscall(SYS_setresuid, 1000, 1001, 1002);
	case 1:
		return syscall(SYS_setresgid, 2000, 2001, 2002);
	case 2:
		return syscall(SYS_setgroups, ARRAY_SIZE(groups), groups);
	default:
		return syscall(SYS_setresuid, 1234, 0, 4321);
	}
}

static int compare(const char *want, char *bad, size_t len)
{
	char now[1024];

	if (read_creds(now, sizeof(now))) {
		snprintf(bad, len, "read /proc/thread-self/status: %m");
		return -1;
	}
	if (strcmp(now, want)) {
		const char *w = want, *n = now;

		/* Name the first line that differs. */
		while (*w && *w == *n) {
			w++;
			n++;
		}
		while (w > want && w[-1] != '\n') {
			w--;
			n--;
		}
		snprintf(bad, len, "now '%.*s', was '%.*s'", (int)strcspn(n, "\n"), n,
			 (int)strcspn(w, "\n"), w);
		return -1;
	}
	return 0;
}

static void *thread_main(void *arg)
{
	struct timespec tick = { 0, 10 * 1000 * 1000 };
	struct thread *t = arg;

	if (set_creds(t->index) || read_creds(t->creds, sizeof(t->creds))) {
		snprintf(t->bad, sizeof(t->bad), "setting credentials: %m");
		t->ready = 1;
		return NULL;
	}
	t->ready = 1;
	while (!test_stop)
		nanosleep(&tick, NULL);
	/* Thread 0's euid back to its ruid, as a restore with the wrong creds */
	if (test_broken() && t->index == 0)
		syscall(SYS_setresuid, -1, 1000, -1);
	compare(t->creds, t->bad, sizeof(t->bad));
	return NULL;
}

int main(int argc, char **argv)
{
	pthread_t ids[NR_THREADS];
	char mine[1024], bad[300];
	int ret;

	ret = test_init(argc, argv, 0);
	if (ret)
		return test_init_exit(ret);
	if (geteuid()) {
		if (test_daemon())
			return 1;
		test_waitsig();
		skip("needs root to set credentials");
		return 0;
	}
	for (int t = 0; t < NR_THREADS; t++)
		threads[t].index = t;
	if (test_threads_start(ids, NR_THREADS, thread_main, threads, sizeof(threads[0])))
		return 1;
	for (int t = 0; t < NR_THREADS; t++) {
		while (!threads[t].ready)
			usleep(1000);
		if (threads[t].bad[0]) {
			fail("thread %d: %s", t, threads[t].bad);
			return 1;
		}
	}
	if (read_creds(mine, sizeof(mine))) {
		fail("read /proc/thread-self/status: %m");
		return 1;
	}
	if (test_daemon())
		return 1;
	test_waitsig();

	if (compare(mine, bad, sizeof(bad))) {
		fail("main thread: %s", bad);
		return 1;
	}
	if (test_threads_join(ids, NR_THREADS, threads[0].bad, sizeof(threads[0])))
		return 1;
	pass();
	return 0;
}
