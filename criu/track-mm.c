// SPDX-License-Identifier: GPL-2.0
/*
 * One tracked address space in one criu invocation (struct track_mm):
 * collect or start, restart after a lost context, stop.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "log.h"
#include "tracking.h"

void track_mm_init(struct track_mm *tm, pid_t pid)
{
	memset(tm, 0, sizeof(*tm));
	tm->pid = pid;
	tm->state.pid = pid;
	tm->state.target_fd = -1;
}

static int track_mm_start(struct track_mm *tm, struct track_target *t)
{
	bool unarmed;
	int ret;

	memset(&tm->state, 0, sizeof(tm->state));
	snprintf(tm->state.tracker, sizeof(tm->state.tracker), "%s", tm->tracker->name);
	tm->state.pid = tm->pid;
	tm->state.target_fd = -1;
	unarmed = tm->arm_late && tm->tracker->start_unarmed;
	if (unarmed)
		ret = tm->tracker->start_unarmed(t, &tm->state);
	else
		ret = tm->tracker->start(t, &tm->state);
	if (ret) {
		pr_err("Dirty tracker %s can't start on pid %d: %d\n",
		       tm->tracker->name, tm->pid, ret);
		return ret;
	}
	tm->started = true;
	tm->unarmed = unarmed;
	return 0;
}

int track_mm_collect(struct track_mm *tm, struct track_target *t, bool start)
{
	int ret;

	if (!tm->tracker)
		return 0;
	if (tm->parent_tracked) {
		ret = tm->tracker->collect(t, &tm->state, &tm->dirty);
		if (!ret) {
			tm->dirty_valid = true;
			tm->state.generation++;
			range_set_normalize(&tm->dirty);
			pr_info("%s: %lu bytes written since the parent\n",
				tm->tracker->name, range_set_bytes(&tm->dirty));
			return 0;
		}
		if (ret != -ESTALE)
			return ret;
		pr_warn("%s lost track of pid %d: copying every page this time\n",
			tm->tracker->name, tm->pid);
		range_set_clear(&tm->dirty);
	}
	return start ? track_mm_start(tm, t) : 0;
}

int track_mm_arm(struct track_mm *tm, struct track_target *t)
{
	int ret;

	if (!tm->unarmed)
		return 0;
	ret = tm->tracker->arm(t, &tm->state);
	if (ret)
		pr_warn("Dirty tracker %s could not arm pid %d (%d): "
			"its next dump copies every page again\n",
			tm->tracker->name, tm->pid, ret);
	tm->unarmed = false;
	return ret;
}

int track_mm_stop(struct track_mm *tm, struct track_target *t)
{
	int ret;

	if (!tm->tracker || (!tm->started && !tm->parent_tracked))
		return 0;
	ret = tm->tracker->stop(t, &tm->state);
	if (ret)
		pr_err("Dirty tracker %s can't stop on pid %d: %d\n",
		       tm->tracker->name, tm->pid, ret);
	tm->started = false;
	tm->parent_tracked = false;
	return ret;
}

int track_mm_target_fd(const struct track_mm *tm)
{
	return tm->parent_tracked ? tm->state.target_fd : -1;
}

void track_mm_fini(struct track_mm *tm)
{
	range_set_free(&tm->dirty);
}
