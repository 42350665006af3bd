// SPDX-License-Identifier: GPL-2.0
/*
 * The dirty-tracker registry, the choice of a tracker, the state a
 * tracker keeps in each image folder between criu invocations, and the
 * view of the seized target that trackers get.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "compel.h"
#include "dump.h"
#include "infect.h"
#include "log.h"
#include "trackers.h"
#include "tracking.h"
#include "vma.h"

#define MAX_TRACKERS	16

static const struct dirty_tracker *trackers[MAX_TRACKERS];
static unsigned int nr_trackers;

int register_dirty_tracker(const struct dirty_tracker *tr)
{
	if (!tr || !tr->name || !tr->probe || !tr->start || !tr->collect ||
	    !tr->stop || strlen(tr->name) >= sizeof(((struct track_state *)0)->tracker)) {
		pr_err("A dirty tracker without a name or operations can't be registered\n");
		return -EINVAL;
	}
	if (find_dirty_tracker(tr->name)) {
		pr_err("Dirty tracker %s is registered twice\n", tr->name);
		return -EEXIST;
	}
	if (nr_trackers == MAX_TRACKERS) {
		pr_err("Too many dirty trackers\n");
		return -ENOSPC;
	}
	trackers[nr_trackers++] = tr;
	pr_debug("Dirty tracker %s registered\n", tr->name);
	return 0;
}

const struct dirty_tracker *find_dirty_tracker(const char *name)
{
	unsigned int i;

	for (i = 0; i < nr_trackers; i++)
		if (!strcmp(trackers[i]->name, name))
			return trackers[i];
	return NULL;
}

/* --- none: every present page, every time -------------------------------- */

static int none_probe(char *why, size_t len)
{
	return 0;
}

static int none_start(struct track_target *t, struct track_state *st)
{
	return 0;
}

static int none_collect(struct track_target *t, struct track_state *st,
			struct range_set *dirty)
{
	unsigned int i;
	int ret;

	for (i = 0; i < t->nr_areas; i++) {
		ret = range_set_add(dirty, t->areas[i].start, t->areas[i].end);
		if (ret)
			return ret;
	}
	return 0;
}

static int none_stop(struct track_target *t, struct track_state *st)
{
	return 0;
}

static const struct dirty_tracker none_tracker = {
	.name = "none",
	.summary = "no tracking: every present page is dumped every time",
	.probe = none_probe,
	.start = none_start,
	.collect = none_collect,
	.stop = none_stop,
};

void register_builtin_trackers(void)
{
	register_dirty_tracker(&none_tracker);
	register_dirty_tracker(&pagemap_scan_tracker);
	register_dirty_tracker(&soft_dirty_tracker);
}

/* --- choosing ------------------------------------------------------------ */

static int probe_tracker(const struct dirty_tracker *tr, bool quiet)
{
	char why[256] = "";
	int ret;

	ret = tr->probe(why, sizeof(why));
	if (ret && !quiet)
		pr_err("Dirty tracker %s can't work here: %s\n", tr->name,
		       why[0] ? why : strerror(-ret));
	else if (ret)
		pr_info("Dirty tracker %s: no (%s)\n", tr->name, why[0] ? why : strerror(-ret));
	return ret;
}

int select_dirty_tracker(const char *name, const struct dirty_tracker **out)
{
	static const char *const auto_order[] = {
		"ooh", "pagemap-scan", "soft-dirty", "none",
	};
	const struct dirty_tracker *tr;
	unsigned int i;

	if (name && strcmp(name, "auto")) {
		tr = find_dirty_tracker(name);
		if (!tr) {
			pr_err("Unknown dirty tracker '%s'%s\n", name,
			       !strcmp(name, "ooh") ?
			       " (it comes with the ooh plugin: see --libdir)" : "");
			return -ENOENT;
		}
		if (probe_tracker(tr, false))
			return -EOPNOTSUPP;
		*out = tr;
		return 0;
	}
	for (i = 0; i < sizeof(auto_order) / sizeof(auto_order[0]); i++) {
		tr = find_dirty_tracker(auto_order[i]);
		if (tr && !probe_tracker(tr, true)) {
			pr_info("Dirty tracker: %s (auto)\n", tr->name);
			*out = tr;
			return 0;
		}
	}
	return -EOPNOTSUPP;
}

int report_dirty_trackers(const char *feature)
{
	char why[256];
	unsigned int i;
	int ret, bad = 0;

	for (i = 0; i < nr_trackers; i++) {
		const struct dirty_tracker *tr = trackers[i];

		if (feature && strcmp(feature, tr->name))
			continue;
		why[0] = '\0';
		ret = tr->probe(why, sizeof(why));
		if (ret)
			bad = ret;
		pr_msg("%s: %s%s%s\n", tr->name, ret ? "no" : "yes",
		       why[0] ? ", " : "", why);
	}
	return bad;
}

/* --- state in the image folder ------------------------------------------- */

int track_state_save(int dfd, const char *name, const struct track_state *st)
{
	FILE *f;
	int fd;

	fd = openat(dfd, name, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0) {
		pr_perror("Can't create %s", name);
		return -errno;
	}
	f = fdopen(fd, "w");
	if (!f) {
		close(fd);
		return -ENOMEM;
	}
	fprintf(f, "tracker %s\npid %d\ngeneration %llu\ntarget_fd %d\ndata %s\n",
		st->tracker, st->pid, (unsigned long long)st->generation,
		st->target_fd, st->data);
	if (fclose(f)) {
		pr_perror("Can't write %s", name);
		return -EIO;
	}
	return 0;
}

static int parse_state_line(struct track_state *st, char *line)
{
	char *val = strchr(line, ' ');

	if (!val)
		return -EINVAL;
	*val++ = '\0';
	val[strcspn(val, "\n")] = '\0';
	if (!strcmp(line, "tracker"))
		snprintf(st->tracker, sizeof(st->tracker), "%s", val);
	else if (!strcmp(line, "pid"))
		st->pid = atoi(val);
	else if (!strcmp(line, "generation"))
		st->generation = strtoull(val, NULL, 10);
	else if (!strcmp(line, "target_fd"))
		st->target_fd = atoi(val);
	else if (!strcmp(line, "data"))
		snprintf(st->data, sizeof(st->data), "%s", val);
	else
		return -EINVAL;
	return 0;
}

int track_state_load(int dfd, const char *name, struct track_state *st)
{
	char line[TRACK_STATE_MAX + 64];
	FILE *f;
	int fd, ret = 0;

	memset(st, 0, sizeof(*st));
	st->target_fd = -1;
	fd = openat(dfd, name, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		if (errno == ENOENT)
			return -ENOENT;
		pr_perror("Can't open %s", name);
		return -errno;
	}
	f = fdopen(fd, "r");
	if (!f) {
		close(fd);
		return -ENOMEM;
	}
	while (!ret && fgets(line, sizeof(line), f))
		ret = parse_state_line(st, line);
	fclose(f);
	if (ret || !st->tracker[0] || st->pid <= 0) {
		pr_err("%s: malformed tracker state\n", name);
		return -EINVAL;
	}
	return 0;
}

/* --- the target as trackers see it --------------------------------------- */

static struct dump_ctx *target_dc(struct track_target *t)
{
	return t->criu_priv;
}

static int target_syscall(struct track_target *t, long nr, long *ret,
			  unsigned long a1, unsigned long a2, unsigned long a3,
			  unsigned long a4, unsigned long a5, unsigned long a6)
{
	struct dump_ctx *dc = target_dc(t);
	int err;

	/* The plugin contract keeps "could not inject" apart from the result. */
	err = compel_syscall(dc->ctl, nr, ret, a1, a2, a3, a4, a5, a6);
	if (err)
		pr_err("Can't inject a tracker's syscall %ld into pid %d: %d\n",
		       nr, dc->pid, err);
	return err;
}

static int target_write_mem(struct track_target *t, unsigned long addr,
			    const void *buf, size_t len)
{
	return compel_write_mem(t->pid, addr, buf, len);
}

static int target_read_mem(struct track_target *t, unsigned long addr,
			   void *buf, size_t len)
{
	return compel_read_mem(t->pid, addr, buf, len);
}

static int target_get_fd(struct track_target *t, int fd)
{
	int pidfd, ret;

	pidfd = syscall(SYS_pidfd_open, t->pid, 0);
	if (pidfd < 0) {
		pr_perror("pidfd_open of pid %d", t->pid);
		return -errno;
	}
	ret = syscall(SYS_pidfd_getfd, pidfd, fd, 0);
	if (ret < 0) {
		ret = -errno;
		pr_perror("pidfd_getfd of fd %d of pid %d", fd, t->pid);
	}
	close(pidfd);
	return ret;
}

int track_target_init(struct track_target *t, struct dump_ctx *dc,
		      const struct vma_list *vmas)
{
	struct track_area *areas;
	unsigned int i, n = 0;

	memset(t, 0, sizeof(*t));
	areas = calloc(vmas->nr ? vmas->nr : 1, sizeof(*areas));
	if (!areas)
		return -ENOMEM;
	for (i = 0; i < vmas->nr; i++) {
		const struct vma_area *v = &vmas->vmas[i];

		if (vma_is_special(v) ||
		    !(v->status & (VMA_ANON_PRIVATE | VMA_FILE_PRIVATE)))
			continue;
		areas[n].start = v->start;
		areas[n].end = v->end;
		areas[n].shared = false;
		n++;
	}
	t->pid = dc->pid;
	t->areas = areas;
	t->nr_areas = n;
	t->syscall = target_syscall;
	t->scratch = dc->scratch;
	t->scratch_size = dc->scratch_size;
	t->write_mem = target_write_mem;
	t->read_mem = target_read_mem;
	t->get_fd = target_get_fd;
	t->criu_priv = dc;
	return 0;
}

void track_target_fini(struct track_target *t)
{
	free((void *)t->areas);
	t->areas = NULL;
}
