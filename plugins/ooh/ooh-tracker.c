// SPDX-License-Identifier: GPL-2.0
/*
 * ooh.so: the criu plugin that registers the "ooh" dirty tracker.
 *
 * The tracking session is an open /dev/ooh, and it must outlive one
 * criu run (a pre-dump, the next pre-dump, the dump). So the target
 * opens it itself (an injected openat) and keeps it parked
 * (park_fd()); criu works on a duplicate. The module ends the session
 * when the last descriptor goes: the target exiting, or exec'ing (the
 * descriptor is close-on-exec).
 *
 * collect() drains the page addresses the host logged since the last
 * drain, and adds the pages that no log can name (ooh_report_holes()).
 * Any loss the module reports (overflow, exit, exec) is -ESTALE: the
 * dump then copies every page.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "criu-plugin.h"
#include "libooh.h"
#include "ooh-log.h"

#define OOH_TRACKER	"ooh"
#define OOH_DRAIN_BATCH	8192
#define PG_SIZE		4096UL

static const struct criu_plugin_api *criu_api;

void ooh_log(int level, const char *fmt, ...)
{
	char buf[512];
	va_list args;

	if (!criu_api)
		return;
	va_start(args, fmt);
	vsnprintf(buf, sizeof(buf), fmt, args);
	va_end(args);
	criu_api->log(level, "%s", buf);
}

static int ooh_tr_probe(char *why, size_t len)
{
	return ooh_probe(why, len);
}

/* Open /dev/ooh inside the target and park it there. */
static int ooh_open_in_target(struct track_target *t, struct track_state *st)
{
	long fd;
	int ret;

	if (t->scratch_size < sizeof(OOH_DEV_PATH)) {
		ooh_log(1, "ooh: no scratch room in pid %d\n", t->pid);
		return -ENOSPC;
	}
	ret = t->write_mem(t, t->scratch, OOH_DEV_PATH, sizeof(OOH_DEV_PATH));
	if (ret) {
		ooh_log(1, "ooh: can't write the path into pid %d: %d\n", t->pid, ret);
		return ret;
	}
	ret = t->call(t, "openat(" OOH_DEV_PATH ")", __NR_openat, &fd,
		      AT_FDCWD, t->scratch, O_RDWR | O_CLOEXEC, 0);
	if (ret)
		return ret;
	return t->park_fd(t, fd, st);
}

static int ooh_tr_start(struct track_target *t, struct track_state *st)
{
	unsigned int used = 0, want;
	int fd = -1, ret;

	ret = ooh_open_in_target(t, st);
	if (ret)
		return ret;
	fd = t->parked_fd(t, st);
	if (fd < 0) {
		ret = fd;
		goto err;
	}
	ret = ooh_provider_wanted(&want);
	if (ret) {
		ooh_log(1, "ooh: %s=%s: not epml, spml or auto\n", OOH_PROVIDER_ENV,
			getenv(OOH_PROVIDER_ENV));
		goto err;
	}
	ret = ooh_attach(fd, t->pid, want, &used);
	if (ret) {
		ooh_log(1, "ooh: attach to pid %d (provider %s): %s\n", t->pid,
			ooh_provider_name(want), ooh_strerror(OOH_OP_ATTACH, ret));
		goto err;
	}
	ret = ooh_start(fd);
	if (ret) {
		ooh_log(1, "ooh: start on pid %d: %s\n", t->pid,
			ooh_strerror(OOH_OP_START, ret));
		goto err;
	}
	close(fd);
	snprintf(st->data, sizeof(st->data), "fd=%d", st->target_fd);
	ooh_log(3, "ooh: tracking pid %d with its fd %d, provider %s\n",
		t->pid, st->target_fd, ooh_provider_name(used));
	return 0;
err:
	if (fd >= 0)
		close(fd);
	/* The target's descriptor was the last: the session ends with it. */
	t->unpark_fd(t, st);
	return ret;
}

/* Page addresses in ascending order into ranges. */
static int ooh_add_addrs(struct range_set *dirty, const uint64_t *a, size_t nr)
{
	size_t i = 0, j;
	int ret;

	while (i < nr) {
		for (j = i + 1; j < nr && a[j] == a[j - 1] + PG_SIZE; j++)
			;
		ret = range_set_add(dirty, a[i], a[j - 1] + PG_SIZE);
		if (ret)
			return ret;
		i = j;
	}
	return 0;
}

static int ooh_drain_all(int fd, pid_t pid, struct range_set *dirty)
{
	unsigned int flags = 0, seen = 0;
	uint64_t *buf;
	size_t nr;
	int ret;

	buf = malloc(OOH_DRAIN_BATCH * sizeof(*buf));
	if (!buf)
		return -ENOMEM;
	do {
		ret = ooh_drain(fd, buf, OOH_DRAIN_BATCH, &nr, &flags);
		if (ret) {
			ooh_log(1, "ooh: drain of pid %d: %s\n", pid,
				ooh_strerror(OOH_OP_DRAIN, ret));
			break;
		}
		seen |= flags;
		ret = ooh_add_addrs(dirty, buf, nr);
	} while (!ret && (flags & OOH_DRAIN_MORE));
	free(buf);
	if (ret)
		return ret;
	if (seen & (OOH_DRAIN_OVERFLOW | OOH_DRAIN_EXITED | OOH_DRAIN_EXECED)) {
		ooh_log(2, "ooh: pid %d: the log is incomplete (%s%s%s): full dump\n",
			pid, seen & OOH_DRAIN_OVERFLOW ? "overflow" : "",
			seen & OOH_DRAIN_EXITED ? " exited" : "",
			seen & OOH_DRAIN_EXECED ? " exec'd" : "");
		return -ESTALE;
	}
	return 0;
}

static void ooh_log_stats(int fd, pid_t pid)
{
	struct ooh_stats s;

	if (ooh_stats(fd, &s))
		return;
	ooh_log(3, "ooh: pid %d: %llu frames logged, %llu pages reported, %llu overflows, "
		"%llu drains, rmap %llu ns for %llu frames\n", pid,
		(unsigned long long)s.entries_logged, (unsigned long long)s.pages_reported,
		(unsigned long long)s.overflows, (unsigned long long)s.drains,
		(unsigned long long)s.rmap_ns, (unsigned long long)s.rmap_lookups);
}

/*
 * The pages of the areas no log names, yet a dump must take again: not
 * in memory (dropped since the last dump, or swapped out: their frame
 * left the log's view) or mapping the zero page (read after a drop:
 * nobody wrote them, yet they no longer hold what the parent has).
 */
static int ooh_report_holes(struct track_target *t, struct range_set *dirty)
{
	unsigned int i;
	int ret = 0;

	for (i = 0; !ret && i < t->nr_areas; i++)
		ret = t->add_holes(t, t->areas[i].start, t->areas[i].end,
				   TRACK_HOLE_SWAPPED | TRACK_HOLE_ZERO, dirty);
	return ret;
}

static int ooh_tr_collect(struct track_target *t, struct track_state *st,
			  struct range_set *dirty)
{
	int fd, ret;

	fd = t->parked_fd(t, st);
	if (fd < 0)
		return fd;
	/*
	 * Holes first: a hole the kernel fills afterwards without a write
	 * (khugepaged collapsing its PTE table into a zeroed huge page) is
	 * then in this answer either way, as a hole or in the drain.
	 */
	ret = ooh_report_holes(t, dirty);
	if (!ret)
		ret = ooh_drain_all(fd, t->pid, dirty);
	if (!ret)
		ooh_log_stats(fd, t->pid);
	close(fd);
	return ret;
}

static int ooh_tr_stop(struct track_target *t, struct track_state *st)
{
	int fd, ret;

	fd = t->parked_fd(t, st);
	if (fd == -ESTALE) {
		st->target_fd = -1;
		return 0;	/* nothing of ours is left in the target */
	}
	if (fd < 0)
		return fd;
	ret = ooh_detach(fd);
	if (ret && ret != -ENOTCONN)
		ooh_log(2, "ooh: detach from pid %d: %s\n", t->pid,
			ooh_strerror(OOH_OP_DETACH, ret));
	close(fd);
	return t->unpark_fd(t, st);
}

static const struct dirty_tracker ooh_tracker = {
	.name = OOH_TRACKER,
	.summary = "the hypervisor's dirty log through /dev/ooh (ooh.ko and an OoH KVM host): "
		   "cost follows the written pages, 4 KiB precise under THP",
	.priority = TRACK_PRIO_OOH,
	.probe = ooh_tr_probe,
	.start = ooh_tr_start,
	.collect = ooh_tr_collect,
	.stop = ooh_tr_stop,
};

__attribute__((visibility("default")))
int criu_plugin_init(const struct criu_plugin_api *api)
{
	if (api->version != CRIU_PLUGIN_API_VERSION)
		return -EINVAL;
	criu_api = api;
	return api->register_dirty_tracker(&ooh_tracker);
}
