// SPDX-License-Identifier: GPL-2.0
/*
 * Resource limits of a task. prlimit() reaches another process
 * directly, so neither side needs code running inside the task; but it
 * wants CAP_SYS_RESOURCE (even to read) for a task of another user,
 * which a container's root may lack. /proc/PID/limits says the same to
 * anyone, so a refused read falls back to it.
 */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "core-parts.h"
#include "log.h"
#include "proc_parse.h"

/* /proc/PID/limits: "%-25s %-20s %-20s %-10s", one line per limit */
#define LIMITS_VALUES_COL	26

static int parse_limit_value(const char *s, uint64_t *v)
{
	char *end;

	if (!strcmp(s, "unlimited")) {
		*v = RLIM_INFINITY;
		return 0;
	}
	errno = 0;
	*v = strtoull(s, &end, 10);
	return (errno || *end) ? -EINVAL : 0;
}

static int parse_limits_line(const char *line, struct rlimit *rl)
{
	char soft[32], hard[32];
	uint64_t cur, max;

	if (strlen(line) <= LIMITS_VALUES_COL)
		return -EINVAL;
	if (sscanf(line + LIMITS_VALUES_COL, "%31s %31s", soft, hard) != 2)
		return -EINVAL;
	if (parse_limit_value(soft, &cur) || parse_limit_value(hard, &max))
		return -EINVAL;
	rl->rlim_cur = cur;
	rl->rlim_max = max;
	return 0;
}

/* All RLIM_NLIMITS limits of @pid from /proc/PID/limits, in order. */
static int read_proc_limits(pid_t pid, struct rlimit *rls)
{
	char *buf, *line, *save = NULL;
	ssize_t len;
	int n = -1, ret = 0;

	len = read_proc_file(pid, "limits", &buf);
	if (len < 0)
		return len;
	/* the first line is the header */
	for (line = strtok_r(buf, "\n", &save); line && n < RLIM_NLIMITS;
	     line = strtok_r(NULL, "\n", &save), n++) {
		if (n < 0)
			continue;
		ret = parse_limits_line(line, &rls[n]);
		if (ret)
			break;
	}
	free(buf);
	if (!ret && n != RLIM_NLIMITS)
		ret = -EINVAL;
	if (ret)
		pr_err("%d: cannot parse /proc/%d/limits (line %d)\n",
		       pid, pid, n + 1);
	return ret;
}

static int read_limits(pid_t pid, struct rlimit *rls)
{
	int r;

	for (r = 0; r < RLIM_NLIMITS; r++) {
		if (!prlimit(pid, r, NULL, &rls[r]))
			continue;
		if (errno != EPERM) {
			pr_perror("%d: prlimit(%d) failed", pid, r);
			return -errno;
		}
		pr_debug("%d: prlimit refused, reading /proc/%d/limits\n",
			 pid, pid);
		return read_proc_limits(pid, rls);
	}
	return 0;
}

int dump_rlimits(pid_t pid, CoreEntry *core)
{
	struct rlimit limits[RLIM_NLIMITS];
	TaskRlimitsEntry *rls;
	RlimitEntry *entries;
	int r, ret;

	ret = read_limits(pid, limits);
	if (ret)
		return ret;

	rls = malloc(sizeof(*rls));
	entries = calloc(RLIM_NLIMITS, sizeof(*entries));
	if (rls) {
		task_rlimits_entry__init(rls);
		rls->rlimits = calloc(RLIM_NLIMITS, sizeof(*rls->rlimits));
	}
	if (!rls || !entries || !rls->rlimits) {
		pr_err("%d: out of memory for rlimits\n", pid);
		if (rls)
			free(rls->rlimits);
		free(rls);
		free(entries);
		return -ENOMEM;
	}
	rls->n_rlimits = 0;
	core->tc->rlimits = rls;

	for (r = 0; r < RLIM_NLIMITS; r++) {
		rlimit_entry__init(&entries[r]);
		entries[r].cur = limits[r].rlim_cur;
		entries[r].max = limits[r].rlim_max;
		rls->rlimits[r] = &entries[r];
		rls->n_rlimits++;
	}
	return 0;
}

int restore_rlimits(pid_t pid, const CoreEntry *core)
{
	const TaskRlimitsEntry *rls = core->tc ? core->tc->rlimits : NULL;
	struct rlimit rl;
	size_t r;

	if (!rls)
		return 0;
	if (rls->n_rlimits > RLIM_NLIMITS)
		/* limits a newer kernel knows: ours cannot take them */
		pr_warn("%d: image has %zu rlimits, this kernel knows %d\n",
			pid, rls->n_rlimits, RLIM_NLIMITS);

	for (r = 0; r < rls->n_rlimits && r < RLIM_NLIMITS; r++) {
		rl.rlim_cur = rls->rlimits[r]->cur;
		rl.rlim_max = rls->rlimits[r]->max;
		if (prlimit(pid, r, &rl, NULL)) {
			pr_perror("%d: prlimit(%zu, %llu/%llu) failed", pid, r,
				  (unsigned long long)rl.rlim_cur,
				  (unsigned long long)rl.rlim_max);
			return -errno;
		}
	}
	return 0;
}
