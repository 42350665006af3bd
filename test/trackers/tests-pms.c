// SPDX-License-Identifier: GPL-2.0
/*
 * Tests of the pagemap-scan tracker alone: the probe, where its
 * userfaultfd lives in the target, and noticing that it was lost.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/utsname.h>

#include "harness.h"
#include "tests.h"
#include "trackers.h"

/* The probe says yes exactly on kernels from 6.7 on. */
int test_pms_probe(const struct dirty_tracker *tr)
{
	unsigned int major = 0, minor = 0;
	struct utsname u;
	char why[128] = "";
	bool want;
	int ret;

	if (uname(&u) || sscanf(u.release, "%u.%u", &major, &minor) != 2) {
		fail_reason("uname");
		return 1;
	}
	want = major > 6 || (major == 6 && minor >= 7);
	ret = tr->probe(why, sizeof(why));
	printf("  info: probe on %s: %d (%s)\n", u.release, ret, why);
	if (!why[0] || strchr(why, '\n')) {
		fail_reason("no one-line reason");
		return 1;
	}
	if ((ret == 0) != want) {
		fail_reason("probe %d on kernel %s", ret, u.release);
		return 1;
	}
	return 0;
}

/* Its userfaultfd is a high number; the program's next open is not. */
static int fd_placement(unsigned long nofile, int lo, int hi)
{
	struct track_state st;
	struct victim v;
	int ret = 1, fd;

	if (victim_start(&v))
		goto out;
	if (nofile)
		CHECK(!victim_cmd(&v, NULL, "nofile %lx", nofile), "setrlimit");
	CHECK(!track_start(&pagemap_scan_tracker, v.pid, &st), "start");
	fd = st.target_fd;
	CHECK(fd >= lo && fd < hi, "uffd at fd %d, not in [%d, %d)", fd, lo, hi);
	CHECK(count_uffds(v.pid) == 1, "%d userfaultfds in the target", count_uffds(v.pid));
	CHECK(!track_stop(&pagemap_scan_tracker, v.pid, &st), "stop");
	CHECK(count_uffds(v.pid) == 0, "userfaultfd left after stop");
	ret = 0;
out:
	victim_stop(&v);
	return ret;
}

/* With room (a 4096 limit, whatever the default is here): at 1000 and up. */
int test_pms_fd_placement(const struct dirty_tracker *tr)
{
	return fd_placement(4096, 1000, 1024);
}

int test_pms_fd_low_limit(const struct dirty_tracker *tr)
{
	return fd_placement(64, 3, 64);
}

/* The program puts something else at the tracker's number: -ESTALE. */
static int fd_replaced(const char *what)
{
	struct range_set dirty = RANGE_SET_INIT;
	struct track_state st;
	struct victim v;
	int ret = 1, err;

	if (victim_start(&v))
		goto out;
	CHECK(!track_start(&pagemap_scan_tracker, v.pid, &st), "start");
	CHECK(!victim_cmd(&v, NULL, "%s %x", what, st.target_fd), "%s", what);
	err = track_collect(&pagemap_scan_tracker, v.pid, &st, &dirty, NULL);
	CHECK(err == -ESTALE, "collect after %s: %d, not -ESTALE", what, err);
	CHECK(!track_stop(&pagemap_scan_tracker, v.pid, &st), "stop of a lost tracker");
	ret = 0;
out:
	victim_stop(&v);
	range_set_free(&dirty);
	return ret;
}

int test_pms_fd_replaced(const struct dirty_tracker *tr)
{
	return fd_replaced("newuffd");
}

int test_pms_fd_closed(const struct dirty_tracker *tr)
{
	return fd_replaced("dupnull") || fd_replaced("closefd");
}

static long vm_pte_kb(pid_t pid)
{
	char path[64], line[256];
	long kb = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/status", pid);
	f = fopen(path, "re");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "VmPTE: %ld kB", &kb) == 1)
			break;
	fclose(f);
	return kb;
}

/* 8 GiB of untouched address space must not cost page tables. */
int test_pms_sparse_cheap(const struct dirty_tracker *tr)
{
	struct range_set dirty = RANGE_SET_INIT;
	unsigned long addr;
	long before, after;
	struct track_state st;
	struct victim v;
	int ret = 1;

	if (victim_start(&v))
		goto out;
	/* 1 GiB: 2 MiB of page tables if protecting touched them all. */
	CHECK(!victim_cmd(&v, &addr, "map 40000 fresh"), "map 1 GiB");
	before = vm_pte_kb(v.pid);
	CHECK(!track_start(tr, v.pid, &st), "start");
	CHECK(!track_collect(tr, v.pid, &st, &dirty, NULL), "collect");
	after = vm_pte_kb(v.pid);
	printf("  info: VmPTE %ld kB before start, %ld kB after a collect\n",
	       before, after);
	CHECK(before >= 0 && after - before < 1024, "page tables grew by %ld kB",
	      after - before);
	CHECK(!track_stop(tr, v.pid, &st), "stop");
	ret = 0;
out:
	victim_stop(&v);
	range_set_free(&dirty);
	return ret;
}
