// SPDX-License-Identifier: GPL-2.0
/*
 * oom_score_adj: a raised OOM score adjustment (lowering it needs
 * CAP_SYS_RESOURCE) must be the same after restore.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "zdtmtst.h"

#define ADJ	321

static int rw_adj(int *val, int write_it)
{
	char buf[16] = "";
	int fd, n, ret = 0;

	fd = open("/proc/self/oom_score_adj", write_it ? O_WRONLY : O_RDONLY);
	if (fd < 0)
		return -1;
	if (write_it) {
		n = snprintf(buf, sizeof(buf), "%d", *val);
		ret = write(fd, buf, n) == n ? 0 : -1;
	} else {
		ret = read(fd, buf, sizeof(buf) - 1) > 0 ? 0 : -1;
		*val = atoi(buf);
	}
	close(fd);
	return ret;
}

int main(int argc, char **argv)
{
	int val = ADJ, ret;

	ret = test_init(argc, argv, 0);
	if (ret)
		return test_init_exit(ret);
	if (rw_adj(&val, 1)) {
		fail("set oom_score_adj %d: %m", ADJ);
		return 1;
	}
	if (test_daemon())
		return 1;
	test_waitsig();

	if (test_broken()) {
		val = ADJ + 1;
		rw_adj(&val, 1);
	}
	if (rw_adj(&val, 0)) {
		fail("read oom_score_adj: %m");
		return 1;
	}
	if (val != ADJ) {
		fail("oom_score_adj is %d, want %d", val, ADJ);
		return 1;
	}
	pass();
	return 0;
}
