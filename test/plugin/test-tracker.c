// SPDX-License-Identifier: GPL-2.0
/*
 * test-tracker.so: a plugin that registers the "test-log" dirty tracker,
 * so that the plugin path of criu can be tested end to end.
 *
 * It tracks nothing: collect() reports every page of every area, which
 * the tracker rule allows (a dump may only grow). Reporting only the
 * pages /proc/PID/pagemap finds in memory would not do: a page dropped
 * since the parent (MADV_DONTNEED) is not there, yet must be reported,
 * or the restore brings back its old content (run.sh catches that).
 * What it adds is a log
 * of what criu asked, one line a call, to the file named by
 * $TEST_TRACKER_LOG (nothing is logged without it):
 *
 *   init api=VERSION priority=N
 *   probe
 *   start pid=P areas=N marker=M
 *   collect pid=P generation=G areas=N bytes=B present=R marker=ok|bad
 *   stop pid=P
 *
 * start() leaves a marker in the tracker state that criu keeps in the
 * image folder; collect() checks it came back, which shows the state
 * went through the parent folder. Its priority for --dirty-tracker=auto
 * is $TEST_TRACKER_PRIORITY (default -1: never chosen by auto). "present" counts the pages of the
 * areas that /proc/PID/pagemap says are in memory, to show the target
 * view (pid and areas) names the real process.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "criu-plugin.h"

#define PAGE_SIZE	4096UL
#define PM_PRESENT	(1ULL << 63)
#define PM_SWAPPED	(1ULL << 62)

static const struct criu_plugin_api *criu_api;

static void test_log(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void test_log(const char *fmt, ...)
{
	const char *path = getenv("TEST_TRACKER_LOG");
	char line[512];
	va_list args;
	int fd, len;

	if (!path || !*path)
		return;
	va_start(args, fmt);
	len = vsnprintf(line, sizeof(line) - 1, fmt, args);
	va_end(args);
	if (len < 0)
		return;
	if (len > (int)sizeof(line) - 2)
		len = sizeof(line) - 2;
	line[len++] = '\n';
	fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
	if (fd < 0) {
		criu_api->log(1, "test-log: can't open %s: %s\n", path, strerror(errno));
		return;
	}
	/* One write with O_APPEND: a line is never split. */
	if (write(fd, line, len) != len)
		criu_api->log(1, "test-log: can't write %s: %s\n", path, strerror(errno));
	close(fd);
}

static bool pme_in_memory(uint64_t pme, void *unused)
{
	return pme & (PM_PRESENT | PM_SWAPPED);
}

/*
 * Pages of [start, end) that are in memory or swap, or -errno: through
 * criu's own pagemap reader and range sets, called by name.
 */
static long count_present(int pm_fd, unsigned long start, unsigned long end)
{
	struct range_set rs = RANGE_SET_INIT;
	long present;
	int ret;

	ret = pagemap_read_walk(pm_fd, start, end, pme_in_memory, NULL, &rs);
	range_set_normalize(&rs);
	present = ret ? ret : (long)(range_set_bytes(&rs) / PAGE_SIZE);
	range_set_free(&rs);
	return present;
}

static long present_pages(const struct track_target *t)
{
	char path[64];
	unsigned int i;
	long n, total = 0;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/pagemap", t->pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		n = -errno;
		criu_api->log(1, "test-log: can't open %s: %s\n", path, strerror(errno));
		return n;
	}
	for (i = 0; i < t->nr_areas; i++) {
		n = count_present(fd, t->areas[i].start, t->areas[i].end);
		if (n < 0) {
			criu_api->log(1, "test-log: can't read %s at %lx: %s\n",
				      path, t->areas[i].start, strerror((int)-n));
			total = n;
			break;
		}
		total += n;
	}
	close(fd);
	return total;
}

/* A marker that names the process it was made for. */
static void make_marker(char *buf, size_t len, pid_t pid)
{
	snprintf(buf, len, "test-log-%d", pid);
}

static int test_probe(char *why, size_t len)
{
	test_log("probe");
	snprintf(why, len, "test plugin: reports every page");
	return 0;
}

static int test_start(struct track_target *t, struct track_state *st)
{
	make_marker(st->data, sizeof(st->data), t->pid);
	test_log("start pid=%d areas=%u marker=%s", t->pid, t->nr_areas, st->data);
	return 0;
}

static int test_collect(struct track_target *t, struct track_state *st,
			struct range_set *dirty)
{
	char want[TRACK_STATE_MAX];
	unsigned long bytes = 0;
	unsigned int i;
	bool marker_ok;
	long present;
	int ret;

	make_marker(want, sizeof(want), t->pid);
	marker_ok = !strcmp(st->data, want);
	for (i = 0; i < t->nr_areas; i++) {
		ret = range_set_add(dirty, t->areas[i].start, t->areas[i].end);
		if (ret)
			return ret;
		bytes += t->areas[i].end - t->areas[i].start;
	}
	present = present_pages(t);
	test_log("collect pid=%d generation=%llu areas=%u bytes=%lu present=%ld marker=%s",
		 t->pid, (unsigned long long)st->generation, t->nr_areas, bytes,
		 present, marker_ok ? "ok" : "bad");
	/* A state that is not ours: the pages are reported, but say so. */
	if (!marker_ok)
		return -ESTALE;
	return present < 0 ? (int)present : 0;
}

static int test_stop(struct track_target *t, struct track_state *st)
{
	test_log("stop pid=%d", t->pid);
	return 0;
}

static struct dirty_tracker test_tracker = {
	.name = "test-log",
	.summary = "test plugin: every page, and a log of each call",
	.probe = test_probe,
	.start = test_start,
	.collect = test_collect,
	.stop = test_stop,
};

/* The one symbol criu looks up; the rest is built hidden. */
__attribute__((visibility("default")))
int criu_plugin_init(const struct criu_plugin_api *api)
{
	const char *prio = getenv("TEST_TRACKER_PRIORITY");

	if (!api || api->version != CRIU_PLUGIN_API_VERSION)
		return -EPROTO;
	criu_api = api;
	test_tracker.priority = prio ? atoi(prio) : -1;
	test_log("init api=%u priority=%d", api->version, test_tracker.priority);
	return api->register_dirty_tracker(&test_tracker);
}
