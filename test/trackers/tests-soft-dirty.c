// SPDX-License-Identifier: GPL-2.0
/*
 * Tests of the soft-dirty tracker that need no soft-dirty kernel: its
 * probe against the kernel's configuration, its refusal to start
 * without the bits, and its pagemap parsing, fed a made-up pagemap.
 * The tracker's source is included to reach its static functions.
 */
#include "../../criu/tracker-soft-dirty.c"

#include "harness.h"
#include "tests.h"

/* CONFIG_MEM_SOFT_DIRTY from /proc/config.gz: 1, 0, or -1 unknown. */
static int kernel_has_soft_dirty(void)
{
	char line[256];
	int has = 0, lines = 0;
	FILE *f;

	if (access("/proc/config.gz", R_OK))
		return -1;
	f = popen("zcat /proc/config.gz", "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		lines++;
		if (!strcmp(line, "CONFIG_MEM_SOFT_DIRTY=y\n"))
			has = 1;
	}
	if (pclose(f) || !lines)
		return -1;
	return has;
}

int test_sd_probe(const struct dirty_tracker *tr)
{
	char why[128] = "";
	int ret, has;

	has = kernel_has_soft_dirty();
	if (has < 0) {
		fail_reason("no /proc/config.gz to compare with");
		return TEST_SKIP;
	}
	ret = tr->probe(why, sizeof(why));
	printf("  info: soft-dirty probe: %d (%s)\n", ret, why);
	if (has && ret) {
		fail_reason("kernel has soft-dirty, probe says %d: %s", ret, why);
		return 1;
	}
	if (!has && (ret != -EOPNOTSUPP || !strstr(why, "CONFIG_MEM_SOFT_DIRTY"))) {
		fail_reason("kernel lacks soft-dirty, probe says %d: %s", ret, why);
		return 1;
	}
	return 0;
}

/* Without the bits, start() must refuse: every collect would be empty. */
int test_sd_start_refused(const struct dirty_tracker *tr)
{
	struct track_state st;
	struct victim v;
	int ret = 1, err;

	if (kernel_has_soft_dirty() != 0) {
		fail_reason("kernel has soft-dirty (or unknown)");
		return TEST_SKIP;
	}
	if (victim_start(&v))
		goto out;
	err = track_start(tr, v.pid, &st);
	CHECK(err == -EOPNOTSUPP, "start without soft-dirty: %d", err);
	ret = 0;
out:
	victim_stop(&v);
	return ret;
}

#define FAKE_BASE	0x7f0000000000UL
#define FAKE_PAGES	(SD_BATCH + 300)

/* A sparse file laid out like a pagemap: entry of page N at N * 8. */
static int fake_pagemap(const unsigned long *dirty_idx, int nr, unsigned long pages)
{
	char path[] = "/tmp/sd-pagemap-XXXXXX";
	uint64_t *e;
	unsigned long i;
	int fd;

	fd = mkstemp(path);
	if (fd < 0)
		return -1;
	unlink(path);
	e = calloc(pages, sizeof(*e));
	if (!e)
		goto err;
	for (i = 0; i < pages; i++)
		e[i] = (1ULL << 63) | ((1ULL << 50) + i);	/* present, pfns no real page has */
	for (i = 0; i < (unsigned long)nr; i++)
		e[dirty_idx[i]] |= SD_PME_SOFT_DIRTY;
	e[7] = SD_PME_SOFT_DIRTY;		/* a hole of a new mapping */
	e[20] = 0;				/* a hole: maybe a dropped page */
	e[21] = SD_PME_SWAPPED;			/* swapped, clean */
	if (pwrite(fd, e, pages * sizeof(*e), FAKE_BASE / SD_PAGE_SIZE * 8) !=
	    (ssize_t)(pages * sizeof(*e)))
		goto err;
	free(e);
	return fd;
err:
	free(e);
	close(fd);
	return -1;
}

int test_sd_parse(const struct dirty_tracker *tr)
{
	/* Runs, single pages, the first and last, and across a batch edge. */
	static const unsigned long idx[] = { 0, 1, 2, 50, SD_BATCH - 1, SD_BATCH,
					     SD_BATCH + 1, FAKE_PAGES - 1 };
	static const struct { unsigned long s, e; } want[] = {
		{ 0, 3 }, { 7, 8 }, { 20, 21 }, { 50, 51 }, { SD_BATCH - 1, SD_BATCH + 2 },
		{ FAKE_PAGES - 1, FAKE_PAGES },
	};
	struct range_set dirty = RANGE_SET_INIT;
	uint64_t *buf = malloc(SD_BATCH * sizeof(*buf));
	unsigned int i;
	int fd, ret = 1;

	fd = fake_pagemap(idx, sizeof(idx) / sizeof(idx[0]), FAKE_PAGES);
	CHECK(fd >= 0 && buf, "fake pagemap: %m");
	CHECK(!sd_scan_range(fd, FAKE_BASE, FAKE_BASE + FAKE_PAGES * SD_PAGE_SIZE,
			     buf, &dirty), "scan");
	range_set_normalize(&dirty);
	CHECK(dirty.nr == sizeof(want) / sizeof(want[0]), "%u ranges, want %zu",
	      dirty.nr, sizeof(want) / sizeof(want[0]));
	for (i = 0; i < dirty.nr; i++)
		CHECK(dirty.r[i].start == FAKE_BASE + want[i].s * SD_PAGE_SIZE &&
		      dirty.r[i].end == FAKE_BASE + want[i].e * SD_PAGE_SIZE,
		      "range %u: %lx-%lx", i, dirty.r[i].start, dirty.r[i].end);
	ret = 0;
out:
	if (fd >= 0)
		close(fd);
	free(buf);
	range_set_free(&dirty);
	return ret;
}

/* A pagemap that ends early is an error, never a silent "clean". */
int test_sd_parse_short(const struct dirty_tracker *tr)
{
	static const unsigned long idx[] = { 3 };
	struct range_set dirty = RANGE_SET_INIT;
	uint64_t *buf = malloc(SD_BATCH * sizeof(*buf));
	int fd, ret = 1, err;

	fd = fake_pagemap(idx, 1, 16);
	CHECK(fd >= 0 && buf, "fake pagemap: %m");
	err = sd_scan_range(fd, FAKE_BASE, FAKE_BASE + 32 * SD_PAGE_SIZE, buf, &dirty);
	CHECK(err == -EIO, "scan past the end: %d, not -EIO", err);
	ret = 0;
out:
	if (fd >= 0)
		close(fd);
	free(buf);
	range_set_free(&dirty);
	return ret;
}
