// SPDX-License-Identifier: GPL-2.0
/*
 * Tests any tracker must pass, run against a live victim: written pages
 * reported, re-arming, new and moved mappings, pages written by the
 * kernel, fork, exec, and a target left as it was after stop().
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>
#include <unistd.h>

#include "harness.h"
#include "tests.h"
#include "trackers.h"

#define STRIDE_400K	(400UL << 10)

struct fixture {
	const struct dirty_tracker *tr;
	struct victim v;
	struct track_state st;
	struct range_set dirty;
	unsigned long addr, len;
	bool started;
};

static int fx_setup(struct fixture *f, const struct dirty_tracker *tr,
		    unsigned long pages, const char *mode)
{
	int ret;

	memset(f, 0, sizeof(*f));
	f->tr = tr;
	f->v.pid = -1;
	f->v.in = f->v.out = -1;
	f->len = pages * PAGE;
	if (victim_start(&f->v))
		return -1;
	if (pages && victim_cmd(&f->v, &f->addr, "map %lx %s", pages, mode))
		return -1;
	ret = track_start(tr, f->v.pid, &f->st);
	if (ret) {
		fail_reason("%s start: %s", tr->name, strerror(-ret));
		return -1;
	}
	f->started = true;
	return 0;
}

static void fx_teardown(struct fixture *f)
{
	if (f->started && f->v.pid > 0)
		track_stop(f->tr, f->v.pid, &f->st);
	victim_stop(&f->v);
	range_set_free(&f->dirty);
}

static int fx_collect(struct fixture *f, double *ms)
{
	int ret;

	ret = track_collect(f->tr, f->v.pid, &f->st, &f->dirty, ms);
	if (ret)
		fail_reason("%s collect: %s", f->tr->name, strerror(-ret));
	return ret;
}

static bool is_pms(const struct dirty_tracker *tr)
{
	return tr == &pagemap_scan_tracker;
}

/* Size of the 1% tests: 1 GiB, or TRACKER_TEST_MIB. */
static unsigned long big_size(void)
{
	const char *mib = getenv("TRACKER_TEST_MIB");
	unsigned long n = mib ? strtoul(mib, NULL, 10) : 0;

	return (n ? n : 1024) << 20;
}

/* 1% of 1 GiB written with a 400 KiB stride: all reported, few others. */
static int one_percent(const struct dirty_tracker *tr, const char *mode,
		       bool assert_precise)
{
	unsigned long size = big_size();
	unsigned long count, missing, got;
	struct fixture f;
	double ms, pct;
	long huge_kb;
	int ret = 1;

	if (fx_setup(&f, tr, size / PAGE, mode))
		goto out;
	huge_kb = anon_huge_kb(f.v.pid);
	count = (size - 1) / STRIDE_400K + 1;
	CHECK(!victim_cmd(&f.v, NULL, "write %lx %lx %lx 5a", f.addr + 123,
			  STRIDE_400K, count), "write");
	CHECK(!fx_collect(&f, &ms), "collect");
	missing = first_missing(&f.dirty, f.addr + 123, STRIDE_400K, count);
	CHECK(!missing, "written page %lx not reported", missing);
	got = bytes_in(&f.dirty, f.addr, f.addr + f.len);
	pct = 100.0 * got / f.len;
	printf("  info: %s, %lu MiB, THP %s (AnonHugePages %ld kB, then %ld kB): %lu pages "
	       "written, %lu reported (%.2f%%), collect %.2f ms\n", tr->name, size >> 20,
	       mode, huge_kb, anon_huge_kb(f.v.pid), count, got / PAGE, pct, ms);
	CHECK(!assert_precise || pct <= 3.0, "%.2f%% of the area reported", pct);
	ret = 0;
out:
	fx_teardown(&f);
	return ret;
}

int test_written_1pct(const struct dirty_tracker *tr)
{
	return one_percent(tr, "nohuge", true);
}

/* With THP only the pagemap-scan tracker promises 4 KiB precision. */
int test_written_1pct_thp(const struct dirty_tracker *tr)
{
	return one_percent(tr, "huge", is_pms(tr));
}

/* A collect re-arms: the next one reports only what was written since. */
int test_rearm(const struct dirty_tracker *tr)
{
	unsigned long pages = 16384, got, missing;
	struct fixture f;
	int ret = 1;

	if (fx_setup(&f, tr, pages, "nohuge"))
		goto out;
	CHECK(!victim_cmd(&f.v, NULL, "write %lx %lx 40 1", f.addr, 7 * PAGE), "write");
	CHECK(!fx_collect(&f, NULL), "collect 1");
	CHECK(!fx_collect(&f, NULL), "collect 2");
	got = bytes_in(&f.dirty, f.addr, f.addr + f.len);
	CHECK(got == 0, "nothing written, %lu bytes reported", got);
	CHECK(!victim_cmd(&f.v, NULL, "write %lx %lx 40 2", f.addr + 3 * PAGE,
			  11 * PAGE), "write 2");
	CHECK(!fx_collect(&f, NULL), "collect 3");
	missing = first_missing(&f.dirty, f.addr + 3 * PAGE, 11 * PAGE, 0x40);
	CHECK(!missing, "written page %lx not reported", missing);
	got = bytes_in(&f.dirty, f.addr, f.addr + f.len);
	CHECK(got == 0x40 * PAGE, "64 pages written, %lu reported", got / PAGE);
	ret = 0;
out:
	fx_teardown(&f);
	return ret;
}

/*
 * A tracker that starts unarmed (the first pre-dump copies after the
 * target runs again): until arm() every page counts as written; after
 * it, exactly the pages written since are reported, those written before
 * it not (the copy that follows arm() has them).
 */
int test_unarmed(const struct dirty_tracker *tr)
{
	unsigned long pages = 16384, got, missing;
	struct fixture f;
	int ret = 1;

	if (!tr->start_unarmed) {
		fail_reason("%s has no start_unarmed", tr->name);
		return TEST_SKIP;
	}
	memset(&f, 0, sizeof(f));
	f.tr = tr;
	f.v.pid = -1;
	f.v.in = f.v.out = -1;
	f.len = pages * PAGE;
	CHECK(!victim_start(&f.v), "victim");
	CHECK(!victim_cmd(&f.v, &f.addr, "map %lx nohuge", pages), "map");
	CHECK(!track_start_unarmed(tr, f.v.pid, &f.st), "start_unarmed");
	f.started = true;
	CHECK(!fx_collect(&f, NULL), "collect unarmed");
	got = present_bytes_in(f.v.pid, &f.dirty, f.addr, f.addr + f.len);
	CHECK(got == f.len, "unarmed: %lu of %lu pages reported", got / PAGE, pages);
	/* again, armed while it runs: writes before and after arm() */
	CHECK(!track_stop(tr, f.v.pid, &f.st), "stop");
	f.started = false;
	CHECK(!track_start_unarmed(tr, f.v.pid, &f.st), "start_unarmed 2");
	f.started = true;
	CHECK(!victim_cmd(&f.v, NULL, "write %lx %lx 40 3", f.addr, 5 * PAGE), "write before");
	CHECK(!track_arm(tr, f.v.pid, &f.st), "arm");
	CHECK(!victim_cmd(&f.v, NULL, "write %lx %lx 40 4", f.addr + 2 * PAGE,
			  13 * PAGE), "write after");
	CHECK(!fx_collect(&f, NULL), "collect armed");
	missing = first_missing(&f.dirty, f.addr + 2 * PAGE, 13 * PAGE, 0x40);
	CHECK(!missing, "page %lx written after arm() not reported", missing);
	got = present_bytes_in(f.v.pid, &f.dirty, f.addr, f.addr + f.len);
	CHECK(got == 0x40 * PAGE, "64 pages written after arm(), %lu reported", got / PAGE);
	ret = 0;
out:
	fx_teardown(&f);
	return ret;
}

/* A mapping made after start() comes back whole, then precisely. */
int test_new_mapping(const struct dirty_tracker *tr)
{
	unsigned long addr, got, len = 64 * PAGE;
	struct fixture f;
	int ret = 1;

	if (fx_setup(&f, tr, 16, "plain"))
		goto out;
	CHECK(!victim_cmd(&f.v, &addr, "map 40 fresh"), "map");
	CHECK(!victim_cmd(&f.v, NULL, "write %lx 1 1 9", addr + 5 * PAGE), "write");
	CHECK(!fx_collect(&f, NULL), "collect 1");
	got = bytes_in(&f.dirty, addr, addr + len);
	CHECK(got == len, "new area: %lu of 64 pages reported", got / PAGE);
	CHECK(!victim_cmd(&f.v, NULL, "write %lx 1 1 9", addr + 9 * PAGE), "write");
	CHECK(!fx_collect(&f, NULL), "collect 2");
	/* Its holes may come back (they hold nothing); its pages may not. */
	got = present_bytes_in(f.v.pid, &f.dirty, addr, addr + len);
	CHECK(got == PAGE && range_set_contains(&f.dirty, addr + 9 * PAGE),
	      "then 1 page written, %lu present pages reported", got / PAGE);
	ret = 0;
out:
	fx_teardown(&f);
	return ret;
}

/* An area moved by mremap is reported whole, then tracked again. */
int test_mremap(const struct dirty_tracker *tr)
{
	unsigned long addr, got, pages = 256;
	struct fixture f;
	int ret = 1;

	if (fx_setup(&f, tr, pages, "nohuge"))
		goto out;
	CHECK(!victim_cmd(&f.v, &addr, "mremap %lx %lx", f.addr, f.len), "mremap");
	CHECK(!fx_collect(&f, NULL), "collect 1");
	got = bytes_in(&f.dirty, addr, addr + f.len);
	CHECK(got == f.len, "moved area: %lu of %lu pages reported", got / PAGE, pages);
	CHECK(!victim_cmd(&f.v, NULL, "write %lx 1 1 3", addr + 17 * PAGE + 5), "write");
	CHECK(!fx_collect(&f, NULL), "collect 2");
	got = bytes_in(&f.dirty, addr, addr + f.len);
	CHECK(got == PAGE && range_set_contains(&f.dirty, addr + 17 * PAGE),
	      "then 1 page written, %lu reported", got / PAGE);
	ret = 0;
out:
	fx_teardown(&f);
	return ret;
}

/*
 * Pages dropped by MADV_DONTNEED are reported whether read again (the
 * zero page), written, or left alone: the parent image holds them, the
 * process does not any more.
 */
int test_dontneed(const struct dirty_tracker *tr)
{
	unsigned long p3;
	struct fixture f;
	int ret = 1, i;

	if (fx_setup(&f, tr, 16, "nohuge"))
		goto out;
	p3 = f.addr + 3 * PAGE;
	CHECK(!fx_collect(&f, NULL), "collect 1");
	CHECK(!victim_cmd(&f.v, NULL, "dontneed %lx %lx", p3, 3 * PAGE), "madvise");
	CHECK(!victim_cmd(&f.v, NULL, "touch %lx %lx", p3, PAGE), "read");
	CHECK(!victim_cmd(&f.v, NULL, "write %lx 1 1 7", p3 + PAGE), "write");
	CHECK(!fx_collect(&f, NULL), "collect 2");
	for (i = 0; i < 3; i++)
		CHECK(range_set_contains(&f.dirty, p3 + i * PAGE),
		      "dropped page %d (%s) not reported", 3 + i,
		      i == 0 ? "read" : i == 1 ? "written" : "left alone");
	ret = 0;
out:
	fx_teardown(&f);
	return ret;
}

/* New memory mapped over part of a tracked area is reported. */
int test_refresh(const struct dirty_tracker *tr)
{
	unsigned long p8;
	struct fixture f;
	int ret = 1;

	if (fx_setup(&f, tr, 16, "nohuge"))
		goto out;
	p8 = f.addr + 8 * PAGE;
	CHECK(!fx_collect(&f, NULL), "collect 1");
	CHECK(!victim_cmd(&f.v, NULL, "refresh %lx %lx", p8, 4 * PAGE), "mmap");
	CHECK(!victim_cmd(&f.v, NULL, "touch %lx %lx", p8, PAGE), "read");
	CHECK(!victim_cmd(&f.v, NULL, "write %lx 1 1 7", p8 + PAGE), "write");
	CHECK(!fx_collect(&f, NULL), "collect 2");
	CHECK(bytes_in(&f.dirty, p8, p8 + 4 * PAGE) == 4 * PAGE,
	      "remapped pages not all reported");
	ret = 0;
out:
	fx_teardown(&f);
	return ret;
}

/* Writes done by the kernel (read() into it) and by another process. */
int test_kernel_write(const struct dirty_tracker *tr)
{
	unsigned long p7, p9, got;
	struct iovec local, remote;
	struct fixture f;
	char buf[64];
	int ret = 1;

	if (fx_setup(&f, tr, 16, "nohuge"))
		goto out;
	p7 = f.addr + 7 * PAGE;
	p9 = f.addr + 9 * PAGE;
	CHECK(!victim_cmd(&f.v, NULL, "piperead %lx 64 33", p7 + 100), "piperead");
	memset(buf, 0x44, sizeof(buf));
	local.iov_base = buf;
	local.iov_len = sizeof(buf);
	remote.iov_base = (void *)(p9 + 8);
	remote.iov_len = sizeof(buf);
	CHECK(process_vm_writev(f.v.pid, &local, 1, &remote, 1, 0) == sizeof(buf),
	      "process_vm_writev: %m");
	CHECK(!fx_collect(&f, NULL), "collect");
	CHECK(range_set_contains(&f.dirty, p7), "page written by read() not reported");
	CHECK(range_set_contains(&f.dirty, p9), "page written by process_vm_writev not reported");
	got = bytes_in(&f.dirty, f.addr, f.addr + f.len);
	CHECK(got == 2 * PAGE, "2 pages written, %lu reported", got / PAGE);
	ret = 0;
out:
	fx_teardown(&f);
	return ret;
}

/* MAP_SHARED anonymous memory (shmem) is tracked too. */
int test_shared(const struct dirty_tracker *tr)
{
	unsigned long got;
	struct fixture f;
	int ret = 1;

	if (fx_setup(&f, tr, 64, "shared"))
		goto out;
	CHECK(!victim_cmd(&f.v, NULL, "write %lx %lx 2 6", f.addr + PAGE, 40 * PAGE), "write");
	CHECK(!fx_collect(&f, NULL), "collect");
	CHECK(range_set_contains(&f.dirty, f.addr + PAGE) &&
	      range_set_contains(&f.dirty, f.addr + 41 * PAGE), "written page not reported");
	got = bytes_in(&f.dirty, f.addr, f.addr + f.len);
	CHECK(got == 2 * PAGE, "2 pages written, %lu reported", got / PAGE);
	ret = 0;
out:
	fx_teardown(&f);
	return ret;
}

/* After fork, the parent's copy-on-write breaks are writes like others. */
int test_fork(const struct dirty_tracker *tr)
{
	unsigned long child = 0, got;
	struct fixture f;
	int ret = 1;

	if (fx_setup(&f, tr, 16, "nohuge"))
		goto out;
	CHECK(!victim_cmd(&f.v, &child, "fork"), "fork");
	CHECK(!victim_cmd(&f.v, NULL, "write %lx 1 1 8", f.addr + 2 * PAGE), "write");
	CHECK(!fx_collect(&f, NULL), "collect");
	CHECK(range_set_contains(&f.dirty, f.addr + 2 * PAGE), "COW-broken page not reported");
	got = bytes_in(&f.dirty, f.addr, f.addr + f.len);
	CHECK(got == PAGE, "1 page written, %lu reported", got / PAGE);
	CHECK(!track_stop(tr, f.v.pid, &f.st), "stop");
	f.started = false;
	CHECK(count_uffd_wp_areas(f.v.pid) == 0, "areas still registered after stop");
	ret = 0;
out:
	if (child > 0)
		kill((pid_t)child, SIGKILL);
	fx_teardown(&f);
	return ret;
}

/* Whole areas of @pid (as the harness lists them) reported whole? */
static bool all_reported(pid_t pid, const struct range_set *dirty)
{
	struct htarget h;
	unsigned int i;
	bool all = true;

	if (htarget_seize(&h, pid))
		return false;
	for (i = 0; i < h.t.nr_areas; i++) {
		const struct track_area *a = &h.areas[i];

		if (bytes_in(dirty, a->start, a->end) != a->end - a->start)
			all = false;
	}
	htarget_release(&h);
	return all;
}

/* After exec nothing of the old tracking applies. */
int test_exec(const struct dirty_tracker *tr)
{
	struct fixture f;
	int ret = 1, err;

	if (fx_setup(&f, tr, 16, "nohuge"))
		goto out;
	CHECK(!victim_cmd(&f.v, NULL, "ping"), "ping");
	if (write(f.v.in, "exec\n", 5) != 5 || victim_ready(&f.v))
		goto out;
	err = track_collect(tr, f.v.pid, &f.st, &f.dirty, NULL);
	CHECK(err == -ESTALE || (!err && all_reported(f.v.pid, &f.dirty)),
	      "collect after exec: %s, not -ESTALE nor everything", strerror(-err));
	ret = 0;
out:
	fx_teardown(&f);
	return ret;
}

/*
 * start/collect/stop leave the target as it was: memory unchanged, no
 * descriptor or registration left, still running and writing.
 */
int test_stop_clean(const struct dirty_tracker *tr)
{
	unsigned long before, after, uffds_before;
	struct fixture f;
	int ret = 1;

	memset(&f, 0, sizeof(f));
	f.v.pid = -1;
	if (victim_start(&f.v))
		goto out;
	f.tr = tr;
	CHECK(!victim_cmd(&f.v, &f.addr, "map 400 plain"), "map");
	CHECK(!victim_cmd(&f.v, &before, "sum %lx %lx", f.addr, 0x400 * PAGE), "sum");
	uffds_before = count_uffds(f.v.pid);
	CHECK(!track_start(tr, f.v.pid, &f.st), "start");
	f.started = true;
	CHECK(!fx_collect(&f, NULL), "collect");
	CHECK(!track_stop(tr, f.v.pid, &f.st), "stop");
	f.started = false;
	CHECK(count_uffds(f.v.pid) == (int)uffds_before, "a userfaultfd is left in the target");
	CHECK(count_uffd_wp_areas(f.v.pid) == 0, "areas still registered");
	CHECK(!victim_cmd(&f.v, &after, "sum %lx %lx", f.addr, 0x400 * PAGE), "sum");
	CHECK(after == before, "memory changed: %lx -> %lx", before, after);
	CHECK(!victim_cmd(&f.v, NULL, "write %lx 1 1 77", f.addr), "write after stop");
	CHECK(!victim_cmd(&f.v, &after, "sum %lx %lx", f.addr, 0x400 * PAGE), "sum");
	CHECK(after != before, "the victim's write after stop had no effect");
	ret = 0;
out:
	fx_teardown(&f);
	return ret;
}
