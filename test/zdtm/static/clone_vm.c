// SPDX-License-Identifier: GPL-2.0
/*
 * clone_vm: child K shares the test's address space (CLONE_VM without
 * CLONE_THREAD: a process of its own), child F is a plain fork. After
 * restore K must still share it: kcmp(KCMP_VM) says so, a mapping the test
 * makes after restore is there for K, and what K writes into it the test
 * reads. F must still have its own: kcmp differs and the test's writes
 * since the fork are not in F's memory.
 */
#include <linux/futex.h>
#include <linux/kcmp.h>
#include <sched.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "zdtmtst.h"

#define FROM_TEST	0x54455354
#define FROM_K		0x4b4b4b4b

static volatile int go;
static volatile int *volatile fresh;	/* mapped after restore */
static volatile int since_fork = 1;	/* 2 once F is forked */

static int k_main(void *arg)
{
	while (!go)
		syscall(SYS_futex, &go, FUTEX_WAIT, 0, NULL, NULL, 0);
	if (fresh[0] != FROM_TEST)
		return 1;
	fresh[1] = FROM_K;
	return 0;
}

static int f_main(void *arg)
{
	test_waitsig();
	if (since_fork != 1) {
		tree_fail("forked child sees the test's later write: memory shared");
		return 1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	pid_t k, f;
	int ret;

	ret = test_init(argc, argv, 0);
	if (ret)
		return test_init_exit(ret);
	k = tree_clone(CLONE_VM, k_main, NULL);
	f = tree_fork(f_main, NULL);
	if (k < 0 || f < 0)
		return 1;
	since_fork = 2;
	if (tree_check_shared(k, f, KCMP_VM, "mm") || test_daemon())
		return 1;
	test_waitsig();

	if (tree_check_shared(k, f, KCMP_VM, "mm"))
		return 1;
	fresh = mmap(NULL, TEST_PAGE_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (fresh == MAP_FAILED) {
		fail("mmap: %m");
		return 1;
	}
	fresh[0] = FROM_TEST;
	go = 1;
	syscall(SYS_futex, &go, FUTEX_WAKE, 1, NULL, NULL, 0);
	if (tree_reap(k, "CLONE_VM child (its exit 1: it did not see the test's new mapping)"))
		return 1;
	/* K wrote into a copy of its own: what a restore that split the mm would do */
	if (test_broken())
		fresh[1] = 0;
	if (fresh[1] != FROM_K) {
		fail("K's write is not in the test's memory (%#x)", fresh[1]);
		return 1;
	}
	if (tree_end(f, "forked child"))
		return 1;
	pass();
	return 0;
}
