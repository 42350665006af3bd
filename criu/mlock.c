// SPDX-License-Identifier: GPL-2.0
/*
 * Memory locking: areas locked with mlock() or mlockall(MCL_CURRENT)
 * carry VmFlags "lo", which the dump keeps as MAP_LOCKED in the area's
 * flags (as CRIU does); the child locks them again once their pages are
 * in and their protections set, while it still has CAP_IPC_LOCK.
 *
 * mlockall(MCL_FUTURE) is a property of the address space that no
 * area shows and the images have no field for: the kernel locks every
 * area mapped after it, the dump's own scratch area too, and charges
 * it to VmLck. The dump reads VmLck before mapping that area and after,
 * which costs two small reads where looking at the area's VmFlags
 * would cost another walk of /proc/PID/smaps over every page table of
 * the stopped target, and refuses the process.
 */
#include <errno.h>
#include <sys/mman.h>
#include <sys/syscall.h>

#include "dump.h"
#include "log.h"
#include "proc_parse.h"
#include "restore.h"
#include "task-state.h"
#include "vma.h"

int dump_mlock(struct dump_ctx *dc)
{
	long now = locked_kb(dc->pid);

	if (now < 0)
		return now;
	if (now == dc->locked_kb)
		return 0;
	pr_err("criu: pid %d: mlockall(MCL_FUTURE) is on: not supported "
	       "(VmLck grew from %ld to %ld kB with criu's scratch area)\n",
	       dc->pid, dc->locked_kb, now);
	return -EOPNOTSUPP;
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
