// SPDX-License-Identifier: GPL-2.0
/*
 * membarrier: registrations for private expedited membarrier (plain,
 * sync-core) and global expedited. After restore the kernel must report
 * the same registrations, and the private expedited barrier, which fails
 * with EPERM without them, must work.
 */
#include <errno.h>
#include <linux/membarrier.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "zdtmtst.h"

#define CMD_GET_REGISTRATIONS	(1 << 9)

static long mb(int cmd)
{
	return syscall(SYS_membarrier, cmd, 0, 0);
}

int main(int argc, char **argv)
{
	static const int regs[] = {
		MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED,
		MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED_SYNC_CORE,
		MEMBARRIER_CMD_REGISTER_GLOBAL_EXPEDITED,
	};
	long want, now;
	int ret;

	ret = test_init(argc, argv, 0);
	if (ret)
		return test_init_exit(ret);
	/* before test_daemon(): a test that skips must not be checkpointed */
	if (mb(CMD_GET_REGISTRATIONS) < 0 && errno == EINVAL) {
		skip("no MEMBARRIER_CMD_GET_REGISTRATIONS (Linux 6.3)");
		return 0;
	}
	if (test_daemon())
		return 1;
	/* after test_daemon(): registrations belong to the address space */
	for (size_t i = 0; i < ARRAY_SIZE(regs); i++)
		if (mb(regs[i])) {
			fail("membarrier register %d: %m", regs[i]);
			return 1;
		}
	want = mb(CMD_GET_REGISTRATIONS);
	if (want <= 0) {
		fail("MEMBARRIER_CMD_GET_REGISTRATIONS: %ld %m", want);
		return 1;
	}
	test_waitsig();

	now = test_broken() ? 0 : mb(CMD_GET_REGISTRATIONS);
	if (now != want) {
		fail("membarrier registrations %#lx, want %#lx", now, want);
		return 1;
	}
	if (mb(MEMBARRIER_CMD_PRIVATE_EXPEDITED)) {
		fail("MEMBARRIER_CMD_PRIVATE_EXPEDITED after restore: %m");
		return 1;
	}
	pass();
	return 0;
}
