// SPDX-License-Identifier: GPL-2.0
/*
 * rlimits_creds_name: resource limits set to unusual values, credentials
 * changed (supplementary groups, distinct real/effective/saved gids, real
 * and saved uids other than the effective one) and a task name set with PR_SET_NAME; all
 * must be the same after restore.
 */
#include <grp.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <unistd.h>

#include "zdtmtst.h"

#define TEST_NAME	"zdtm-rlim-n42"
/*
 * The effective uid stays 0 (with it, all capabilities): the test must still
 * write its pidfile and verdict into the runner's directories.
 */
#define TEST_RUID	1234
#define TEST_SUID	4321
#define TEST_RGID	1111
#define TEST_EGID	2345
#define TEST_SGID	3456

struct limit {
	int res;
	const char *name;
	struct rlimit val;
};

static struct limit limits[] = {
	{ RLIMIT_NOFILE, "NOFILE", { 513, 2047 } },
	{ RLIMIT_CORE, "CORE", { 1 << 20, 8 << 20 } },
	{ RLIMIT_MSGQUEUE, "MSGQUEUE", { 65536, 131072 } },
	{ RLIMIT_NICE, "NICE", { 5, 7 } },
	{ RLIMIT_SIGPENDING, "SIGPENDING", { 1001, 2002 } },
	{ RLIMIT_MEMLOCK, "MEMLOCK", { 12 << 20, RLIM_INFINITY } },
};

static const gid_t groups[] = { 1234, 5678, 91011 };

/* Raising a hard limit needs CAP_SYS_RESOURCE, which we may lack: only lower. */
static int set_limit(struct limit *l)
{
	struct rlimit cur;

	if (getrlimit(l->res, &cur)) {
		fail("getrlimit %s: %m", l->name);
		return -1;
	}
	if (l->val.rlim_max > cur.rlim_max)
		l->val.rlim_max = cur.rlim_max;
	if (l->val.rlim_cur > l->val.rlim_max)
		l->val.rlim_cur = l->val.rlim_max;
	if (setrlimit(l->res, &l->val)) {
		fail("setrlimit %s: %m", l->name);
		return -1;
	}
	return 0;
}

static int set_state(void)
{
	for (size_t i = 0; i < ARRAY_SIZE(limits); i++)
		if (set_limit(&limits[i]))
			return -1;
	if (prctl(PR_SET_NAME, TEST_NAME)) {
		fail("PR_SET_NAME: %m");
		return -1;
	}
	if (setgroups(ARRAY_SIZE(groups), groups) ||
	    setresgid(TEST_RGID, TEST_EGID, TEST_SGID) ||
	    setresuid(TEST_RUID, 0, TEST_SUID)) {
		fail("set credentials: %m");
		return -1;
	}
	return 0;
}

static int check_limits(void)
{
	struct rlimit now;

	for (size_t i = 0; i < ARRAY_SIZE(limits); i++) {
		if (getrlimit(limits[i].res, &now)) {
			fail("getrlimit %s: %m", limits[i].name);
			return -1;
		}
		if (now.rlim_cur != limits[i].val.rlim_cur || now.rlim_max != limits[i].val.rlim_max) {
			fail("RLIMIT_%s is %lu/%lu, want %lu/%lu", limits[i].name,
			     (unsigned long)now.rlim_cur, (unsigned long)now.rlim_max,
			     (unsigned long)limits[i].val.rlim_cur,
			     (unsigned long)limits[i].val.rlim_max);
			return -1;
		}
	}
	return 0;
}

static int check_creds(void)
{
	uid_t ru, eu, su;
	gid_t rg, eg, sg, now[16];
	int n;

	if (getresuid(&ru, &eu, &su) || getresgid(&rg, &eg, &sg)) {
		fail("getresuid/getresgid: %m");
		return -1;
	}
	if (ru != TEST_RUID || eu != 0 || su != TEST_SUID) {
		fail("uids %u/%u/%u, want %u/0/%u", ru, eu, su, TEST_RUID, TEST_SUID);
		return -1;
	}
	if (rg != TEST_RGID || eg != TEST_EGID || sg != TEST_SGID) {
		fail("gids %u/%u/%u, want %u/%u/%u", rg, eg, sg, TEST_RGID, TEST_EGID, TEST_SGID);
		return -1;
	}
	n = getgroups(ARRAY_SIZE(now), now);
	if (n != (int)ARRAY_SIZE(groups) || memcmp(now, groups, sizeof(groups))) {
		fail("%d supplementary groups (first %u), want %zu starting %u", n,
		     n > 0 ? now[0] : 0, ARRAY_SIZE(groups), groups[0]);
		return -1;
	}
	return 0;
}

static int check_name(void)
{
	char name[17] = "";

	if (prctl(PR_GET_NAME, name)) {
		fail("PR_GET_NAME: %m");
		return -1;
	}
	if (strcmp(name, TEST_NAME)) {
		fail("task name is '%s', want '%s'", name, TEST_NAME);
		return -1;
	}
	return 0;
}

int main(int argc, char **argv)
{
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
	if (set_state())
		return 1;

	if (test_daemon())
		return 1;
	test_waitsig();

	if (test_broken())
		prctl(PR_SET_NAME, "broken");
	if (check_limits() || check_creds() || check_name())
		return 1;
	pass();
	return 0;
}
