// SPDX-License-Identifier: GPL-2.0
/*
 * The dirty-tracker registry, the choice of a tracker, and the state a
 * tracker keeps in each image folder between criu invocations.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "trackers.h"
#include "tracking.h"

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
	if (!tr->start_unarmed != !tr->arm) {
		pr_err("Dirty tracker %s has only one of start_unarmed and arm\n", tr->name);
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
	.priority = TRACK_PRIO_NONE,
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

/* The highest-ranked tracker that works here, the first registered among equals. */
static const struct dirty_tracker *auto_dirty_tracker(void)
{
	bool tried[MAX_TRACKERS] = { false };
	unsigned int i, pick;

	for (;;) {
		pick = nr_trackers;
		for (i = 0; i < nr_trackers; i++)
			if (!tried[i] && trackers[i]->priority >= 0 &&
			    (pick == nr_trackers ||
			     trackers[i]->priority > trackers[pick]->priority))
				pick = i;
		if (pick == nr_trackers)
			return NULL;
		tried[pick] = true;
		if (!probe_tracker(trackers[pick], true))
			return trackers[pick];
	}
}

int select_dirty_tracker(const char *name, const struct dirty_tracker **out)
{
	const struct dirty_tracker *tr;

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
	tr = auto_dirty_tracker();
	if (!tr)
		return -EOPNOTSUPP;
	pr_info("Dirty tracker: %s (auto), priority %d\n", tr->name, tr->priority);
	*out = tr;
	return 0;
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
	fprintf(f, "tracker %s\npid %d\ngeneration %llu\ntarget_fd %d\n"
		"target_dev %llu\ntarget_ino %llu\ndata %s\n",
		st->tracker, st->pid, (unsigned long long)st->generation,
		st->target_fd, (unsigned long long)st->target_dev,
		(unsigned long long)st->target_ino, st->data);
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
	else if (!strcmp(line, "target_dev"))
		st->target_dev = strtoull(val, NULL, 10);
	else if (!strcmp(line, "target_ino"))
		st->target_ino = strtoull(val, NULL, 10);
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
