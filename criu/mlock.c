// SPDX-License-Identifier: GPL-2.0
/*
 * Memory locking: areas locked with mlock() or mlockall(MCL_CURRENT)
 * carry VmFlags "lo", which the dump keeps as MAP_LOCKED in the area's
 * flags (as CRIU does); the child locks them again once their pages are
 * in and their protections set, while it still has CAP_IPC_LOCK.
 *
 * mlockall(MCL_FUTURE) is a property of the address space that no
 * area shows and the images have no field for: the dump finds it on
 * its own scratch area, which the kernel locked when it was mapped if
 * MCL_FUTURE is on, and refuses the process.
 */
#include <errno.h>
#include <sys/mman.h>
#include <sys/syscall.h>

#include "dump.h"
#include "log.h"
#include "restore.h"
#include "task-state.h"
#include "vma.h"

int dump_mlock(struct dump_ctx *dc)
{
	struct vma_list now;
	unsigned int i;
	int ret;

	ret = parse_smaps(dc->pid, &now);
	if (ret)
		return ret;
	for (i = 0; i < now.nr; i++) {
		const struct vma_area *v = &now.vmas[i];

		if (v->start != dc->scratch)
			continue;
		if ((v->flags & MAP_LOCKED) || v->lock_onfault)
			ret = -EOPNOTSUPP;
		break;
	}
	if (i == now.nr) {
		pr_err("No scratch area at %lx in pid %d\n", dc->scratch, dc->pid);
		ret = -EINVAL;
	}
	free_vma_list(&now);
	if (ret == -EOPNOTSUPP)
		pr_err("criu: pid %d: mlockall(MCL_FUTURE) is on: not supported\n", dc->pid);
	return ret;
}

int restore_mlock(struct rst_ctx *rc, const MmEntry *mm)
{
	unsigned int i;
	long ret;

	for (i = 0; i < mm->n_vmas; i++) {
		const VmaEntry *v = mm->vmas[i];

		if (!(v->flags & MAP_LOCKED))
			continue;
		ret = rst_syscall(rc, "mlock", __NR_mlock, v->start, v->end - v->start,
				  0, 0, 0, 0);
		if (ret < 0)
			return ret;
	}
	return 0;
}
