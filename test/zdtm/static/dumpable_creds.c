// SPDX-License-Identifier: GPL-2.0
/*
 * dumpable_creds: a process whose effective gid differs from its real
 * one and that made itself dumpable again with PR_SET_DUMPABLE (a change
 * of effective ids clears the flag). Restore changes the child's ids,
 * which clears it too: after restore it must be 1 still.
 */
#include <sys/prctl.h>
#include <unistd.h>

#include "zdtmtst.h"

int main(int argc, char **argv)
{
	int ret;

	ret = test_init(argc, argv, 0);
	if (ret)
		return test_init_exit(ret);
	if (setresgid(1111, 2222, 3333)) {
		fail("setresgid: %m");
		return 1;
	}
	if (prctl(PR_GET_DUMPABLE) != 0) {
		skip("changing the effective gid left dumpable set (suid_dumpable 1)");
		return 0;
	}
	if (prctl(PR_SET_DUMPABLE, 1)) {
		fail("PR_SET_DUMPABLE: %m");
		return 1;
	}
	if (test_daemon())
		return 1;
	test_waitsig();

	if (test_broken())
		prctl(PR_SET_DUMPABLE, 0);
	ret = prctl(PR_GET_DUMPABLE);
	if (ret != 1) {
		fail("dumpable is %d after restore, want 1", ret);
		return 1;
	}
	pass();
	return 0;
}
