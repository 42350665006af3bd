// SPDX-License-Identifier: GPL-2.0
/*
 * nnp_ambient: no_new_privs and an ambient capability, per thread. The
 * main thread sets no_new_privs and raises CAP_NET_RAW into its ambient
 * set; a second thread raises CAP_SYS_TIME instead and leaves
 * no_new_privs clear (both are attributes of a thread). After restore
 * each thread must have exactly what it had.
 */
#include <linux/capability.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "zdtmtst.h"

static pthread_barrier_t barrier;
static char thread_bad[160];

static unsigned long long cap_amb(void)
{
	char line[128];
	unsigned long long v = ~0ULL;
	FILE *f = fopen("/proc/thread-self/status", "r");

	if (!f)
		return v;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "CapAmb: %llx", &v) == 1)
			break;
	fclose(f);
	return v;
}

static int raise_ambient(int cap)
{
	struct __user_cap_header_struct hdr = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct data[2];

	if (syscall(SYS_capget, &hdr, data))
		return -1;
	data[0].inheritable |= 1U << cap;
	/* per thread: glibc's wrappers would not broadcast capset anyway */
	if (syscall(SYS_capset, &hdr, data))
		return -1;
	return prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, cap, 0, 0);
}

static void check(const char *who, int nnp, unsigned long long amb, char *bad, size_t len)
{
	int got_nnp = prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0);
	unsigned long long got_amb = cap_amb();

	if (got_nnp != nnp || got_amb != amb)
		snprintf(bad, len, "%s: no_new_privs %d (want %d), CapAmb %llx (want %llx)",
			 who, got_nnp, nnp, got_amb, amb);
}

static void *second(void *arg)
{
	if (raise_ambient(CAP_SYS_TIME)) {
		snprintf(thread_bad, sizeof(thread_bad), "thread: raise: %m");
		pthread_barrier_wait(&barrier);
		return NULL;
	}
	pthread_barrier_wait(&barrier);
	/* wait for the main thread's check after restore */
	pthread_barrier_wait(&barrier);
	check("thread", 0, 1ULL << CAP_SYS_TIME, thread_bad, sizeof(thread_bad));
	return NULL;
}

int main(int argc, char **argv)
{
	char bad[160] = "";
	pthread_t t;
	int ret;

	ret = test_init(argc, argv, 0);
	if (ret)
		return test_init_exit(ret);
	pthread_barrier_init(&barrier, NULL, 2);
	if (pthread_create(&t, NULL, second, NULL)) {
		fail("pthread_create: %m");
		return 1;
	}
	pthread_barrier_wait(&barrier);
	if (thread_bad[0]) {
		fail("%s", thread_bad);
		return 1;
	}
	if (raise_ambient(CAP_NET_RAW) || prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0)) {
		fail("raise / no_new_privs: %m");
		return 1;
	}
	if (test_daemon())
		return 1;
	test_waitsig();

	if (test_broken())
		prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_LOWER, CAP_NET_RAW, 0, 0);
	check("main", 1, 1ULL << CAP_NET_RAW, bad, sizeof(bad));
	pthread_barrier_wait(&barrier);
	pthread_join(t, NULL);
	if (bad[0] || thread_bad[0]) {
		fail("%s %s", bad, thread_bad);
		return 1;
	}
	pass();
	return 0;
}
