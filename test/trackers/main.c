// SPDX-License-Identifier: GPL-2.0
/*
 * Runner of the tracker tests: one line per test, then "N passed, N
 * failed". Needs root (ptrace, pidfd_getfd, /proc/PID/pagemap).
 *
 *   ./tracker-test [-v] [--victim PATH] [name-substring]
 *
 * TRACKER_TEST_MIB sets the size of the 1% tests (default 1024), for
 * small VMs.
 * A tracker the kernel can't run has its live tests skipped (printed,
 * not counted); its probe tests say whether that answer was right.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness.h"
#include "log.h"
#include "tests.h"
#include "trackers.h"

struct test {
	const char *name;
	int (*fn)(const struct dirty_tracker *tr);
	const struct dirty_tracker *tr;
	bool live;		/* needs a tracker that works here */
};

#define PMS	(&pagemap_scan_tracker)
#define SD	(&soft_dirty_tracker)

static const struct test tests[] = {
	{ "ops_park_fd", test_ops_park_fd, NULL, false },
	{ "ops_parked_replaced", test_ops_parked_replaced, NULL, false },
	{ "ops_holes", test_ops_holes, NULL, false },
	{ "ops_walk_clips", test_ops_walk_clips, NULL, false },
	{ "ops_walk_wp_keeps", test_ops_walk_wp_keeps, NULL, false },
	{ "ops_walk_stuck", test_ops_walk_stuck, NULL, false },
	{ "ops_auto_priority", test_ops_auto_priority, NULL, false },
	{ "pms_probe", test_pms_probe, PMS, false },
	{ "pms_written_1pct", test_written_1pct, PMS, true },
	{ "pms_written_1pct_thp", test_written_1pct_thp, PMS, true },
	{ "pms_rearm", test_rearm, PMS, true },
	{ "pms_unarmed", test_unarmed, PMS, true },
	{ "pms_new_mapping", test_new_mapping, PMS, true },
	{ "pms_mremap", test_mremap, PMS, true },
	{ "pms_dontneed", test_dontneed, PMS, true },
	{ "pms_refresh", test_refresh, PMS, true },
	{ "pms_kernel_write", test_kernel_write, PMS, true },
	{ "pms_shared", test_shared, PMS, true },
	{ "pms_fork", test_fork, PMS, true },
	{ "pms_exec", test_exec, PMS, true },
	{ "pms_stop_clean", test_stop_clean, PMS, true },
	{ "pms_fd_placement", test_pms_fd_placement, PMS, true },
	{ "pms_fd_low_limit", test_pms_fd_low_limit, PMS, true },
	{ "pms_fd_replaced", test_pms_fd_replaced, PMS, true },
	{ "pms_fd_closed", test_pms_fd_closed, PMS, true },
	{ "pms_sparse_cheap", test_pms_sparse_cheap, PMS, true },
	{ "sd_probe", test_sd_probe, SD, false },
	{ "sd_start_refused", test_sd_start_refused, SD, false },
	{ "sd_parse", test_sd_parse, SD, false },
	{ "sd_parse_short", test_sd_parse_short, SD, false },
	{ "sd_written_1pct", test_written_1pct, SD, true },
	{ "sd_written_1pct_thp", test_written_1pct_thp, SD, true },
	{ "sd_rearm", test_rearm, SD, true },
	{ "sd_unarmed", test_unarmed, SD, true },
	{ "sd_new_mapping", test_new_mapping, SD, true },
	{ "sd_mremap", test_mremap, SD, true },
	{ "sd_dontneed", test_dontneed, SD, true },
	{ "sd_refresh", test_refresh, SD, true },
	{ "sd_kernel_write", test_kernel_write, SD, true },
	{ "sd_shared", test_shared, SD, true },
	{ "sd_fork", test_fork, SD, true },
	{ "sd_exec", test_exec, SD, true },
	{ "sd_stop_clean", test_stop_clean, SD, true },
};

static char reason[512];

void fail_reason(const char *fmt, ...)
{
	va_list ap;

	if (reason[0])
		return;		/* the first reason is the cause */
	va_start(ap, fmt);
	vsnprintf(reason, sizeof(reason), fmt, ap);
	va_end(ap);
}

int main(int argc, char **argv)
{
	const char *only = NULL;
	int passed = 0, failed = 0, level = LOG_MSG;
	unsigned int i;
	char why[128];

	for (i = 1; i < (unsigned int)argc; i++) {
		if (!strcmp(argv[i], "-v"))
			level = LOG_DEBUG;
		else if (!strcmp(argv[i], "--victim") && i + 1 < (unsigned int)argc)
			victim_path = argv[++i];
		else
			only = argv[i];
	}
	log_init(NULL, level);
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (getuid()) {
		printf("tracker tests need root\n0 passed, 1 failed\n");
		return 1;
	}
	for (i = 0; i < sizeof(tests) / sizeof(tests[0]); i++) {
		const struct test *t = &tests[i];
		int ret;

		if (only && !strstr(t->name, only))
			continue;
		reason[0] = '\0';
		if (t->live && t->tr->probe(why, sizeof(why))) {
			printf("SKIP %s: %s\n", t->name, why);
			continue;
		}
		ret = t->fn(t->tr);
		if (ret == TEST_SKIP) {
			printf("SKIP %s: %s\n", t->name, reason);
		} else if (ret) {
			printf("FAIL %s: %s\n", t->name, reason);
			failed++;
		} else {
			printf("PASS %s\n", t->name);
			passed++;
		}
	}
	printf("%d passed, %d failed\n", passed, failed);
	return failed ? 1 : 0;
}
