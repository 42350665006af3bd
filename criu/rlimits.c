// SPDX-License-Identifier: GPL-2.0
/*
 * Resource limits of a task. prlimit() reaches another process
 * directly, so neither side needs code running inside the task.
 */

#include <errno.h>
#include <stdlib.h>
#include <sys/resource.h>

#include "core-parts.h"
#include "log.h"

int dump_rlimits(pid_t pid, CoreEntry *core)
{
	TaskRlimitsEntry *rls;
	RlimitEntry *entries;
	struct rlimit rl;
	int r;

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
		if (prlimit(pid, r, NULL, &rl)) {
			pr_perror("%d: prlimit(%d) failed", pid, r);
			return -errno;
		}
		rlimit_entry__init(&entries[r]);
		entries[r].cur = rl.rlim_cur;
		entries[r].max = rl.rlim_max;
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
