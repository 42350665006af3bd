// SPDX-License-Identifier: GPL-2.0
/*
 * incr_task_state: state outside memory that changes between pre-dumps.
 * Every round moves the locked page of an area (mlock), sets a new
 * oom_score_adj, re-arms a POSIX timer with a new interval and adds a
 * membarrier registration kind. The final dump must take them as they
 * are at its time: after restore each must match the round count on
 * disk, whatever the pre-dumps saw.
 */
#include <fcntl.h>
#include <linux/membarrier.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "zdtmtst.h"

#define NR_PAGES	4
#define SEED		0x696e637374ULL

static char *region;
static timer_t timer;

static const int mb_regs[] = {
	MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED,
	MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED_SYNC_CORE,
	MEMBARRIER_CMD_REGISTER_GLOBAL_EXPEDITED,
};

static int oom_adj(int round)
{
	return 100 + 10 * round;
}

static int set_oom(int val)
{
	char buf[16];
	int fd, n, ret;

	fd = open("/proc/self/oom_score_adj", O_WRONLY);
	n = snprintf(buf, sizeof(buf), "%d", val);
	ret = fd >= 0 && write(fd, buf, n) == n ? 0 : -1;
	if (fd >= 0)
		close(fd);
	return ret;
}

static int get_oom(void)
{
	char buf[16] = "";
	int fd = open("/proc/self/oom_score_adj", O_RDONLY);

	if (fd < 0 || read(fd, buf, sizeof(buf) - 1) <= 0)
		return -1000000;
	close(fd);
	return atoi(buf);
}

/* Round r: page r % 4 locked, the rest not; interval r + 1 s; r kinds. */
static int do_round(int r)
{
	struct itimerspec its = { .it_interval = { r + 1, 0 }, .it_value = { 1000, 0 } };

	if (munlock(region, NR_PAGES * TEST_PAGE_SIZE) ||
	    mlock(region + (r % NR_PAGES) * TEST_PAGE_SIZE, TEST_PAGE_SIZE)) {
		fail("round %d: mlock: %m", r);
		return -1;
	}
	if (set_oom(oom_adj(r)) || timer_settime(timer, 0, &its, NULL)) {
		fail("round %d: oom_score_adj or timer: %m", r);
		return -1;
	}
	if (r >= 1 && r <= (int)ARRAY_SIZE(mb_regs) &&
	    syscall(SYS_membarrier, mb_regs[r - 1], 0, 0)) {
		fail("round %d: membarrier: %m", r);
		return -1;
	}
	return 0;
}

static int check(int rounds)
{
	struct itimerspec its;
	char flags[256];

	for (int p = 0; p < NR_PAGES; p++) {
		if (test_vmflags((unsigned long)region + p * TEST_PAGE_SIZE, flags,
				 sizeof(flags)))
			return -1;
		if (test_vmflag(flags, "lo") != (p == rounds % NR_PAGES)) {
			fail("page %d after %d rounds: VmFlags%s", p, rounds, flags);
			return -1;
		}
	}
	if (get_oom() != oom_adj(rounds)) {
		fail("oom_score_adj %d after %d rounds, want %d", get_oom(), rounds,
		     oom_adj(rounds));
		return -1;
	}
	if (timer_gettime(timer, &its) || its.it_interval.tv_sec != rounds + 1) {
		fail("timer interval %ld s after %d rounds", (long)its.it_interval.tv_sec,
		     rounds);
		return -1;
	}
	for (int k = 0; k < (int)ARRAY_SIZE(mb_regs) && k < rounds; k++)
		if (!(syscall(SYS_membarrier, 1 << 9, 0, 0) & mb_regs[k])) {
			fail("membarrier registration %d lost after %d rounds", mb_regs[k],
			     rounds);
			return -1;
		}
	return 0;
}

int main(int argc, char **argv)
{
	struct sigevent sev = { .sigev_notify = SIGEV_NONE };
	int ret, rounds;

	ret = test_init(argc, argv, 0);
	if (ret)
		return test_init_exit(ret);
	if (syscall(SYS_membarrier, 1 << 9, 0, 0) < 0) {
		skip("no MEMBARRIER_CMD_GET_REGISTRATIONS (Linux 6.3)");
		return 0;
	}
	if (test_on_round(do_round) || test_daemon())
		return 1;
	region = mmap(NULL, NR_PAGES * TEST_PAGE_SIZE, PROT_READ | PROT_WRITE,
		      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (region == MAP_FAILED || timer_create(CLOCK_MONOTONIC, &sev, &timer)) {
		fail("mmap or timer_create: %m");
		return 1;
	}
	datagen(region, NR_PAGES * TEST_PAGE_SIZE, SEED);
	if (do_round(0))
		return 1;
	test_waitsig();

	rounds = test_rounds_check();
	if (rounds < 0)
		return 1;
	if (test_broken())
		set_oom(oom_adj(rounds) + 1);
	if (check(rounds))
		return 1;
	if (datacheck(region, NR_PAGES * TEST_PAGE_SIZE, SEED) >= 0) {
		fail("data differs");
		return 1;
	}
	pass();
	return 0;
}
