// SPDX-License-Identifier: GPL-2.0
/*
 * child_subreaper: PR_SET_CHILD_SUBREAPER must still be set after restore.
 */
#include <sys/prctl.h>

#include "zdtmtst.h"

int main(int argc, char **argv)
{
	int on = 0, ret;

	ret = test_init(argc, argv, 0);
	if (ret)
		return test_init_exit(ret);
	if (test_daemon())
		return 1;
	/* after test_daemon(), which forks: the flag is not inherited */
	if (prctl(PR_SET_CHILD_SUBREAPER, 1)) {
		fail("PR_SET_CHILD_SUBREAPER: %m");
		return 1;
	}
	test_waitsig();

	if (test_broken())
		prctl(PR_SET_CHILD_SUBREAPER, 0);
	if (prctl(PR_GET_CHILD_SUBREAPER, &on)) {
		fail("PR_GET_CHILD_SUBREAPER: %m");
		return 1;
	}
	if (on != 1) {
		fail("child subreaper is %d after restore", on);
		return 1;
	}
	pass();
	return 0;
}
