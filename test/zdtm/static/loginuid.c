// SPDX-License-Identifier: GPL-2.0
/*
 * loginuid: the audit login uid set through /proc/self/loginuid must be
 * the same after restore.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "zdtmtst.h"

#define LOGINUID	4321U

static int set_loginuid(unsigned int uid)
{
	char buf[16];
	int fd, n, ret;

	fd = open("/proc/self/loginuid", O_WRONLY);
	if (fd < 0)
		return -1;
	n = snprintf(buf, sizeof(buf), "%u", uid);
	ret = write(fd, buf, n) == n ? 0 : -1;
	close(fd);
	return ret;
}

int main(int argc, char **argv)
{
	char buf[16] = "";
	int fd, ret;

	ret = test_init(argc, argv, 0);
	if (ret)
		return test_init_exit(ret);
	if (access("/proc/self/loginuid", F_OK)) {
		skip("no /proc/self/loginuid (kernel without audit)");
		return 0;
	}
	if (set_loginuid(LOGINUID)) {
		skip("can't set loginuid (immutable or no CAP_AUDIT_CONTROL): %m");
		return 0;
	}
	if (test_daemon())
		return 1;
	test_waitsig();

	if (test_broken())
		set_loginuid(LOGINUID + 1);
	fd = open("/proc/self/loginuid", O_RDONLY);
	if (fd < 0 || read(fd, buf, sizeof(buf) - 1) <= 0) {
		fail("read loginuid: %m");
		return 1;
	}
	if (strtoul(buf, NULL, 10) != LOGINUID) {
		fail("loginuid is %s, want %u", buf, LOGINUID);
		return 1;
	}
	pass();
	return 0;
}
