// SPDX-License-Identifier: GPL-2.0
/*
 * Injected system calls and the scratch page, dump side.
 *
 * A target is infected once per (pre-)dump: compel places its syscall
 * site, and a shared scratch area is mapped for arguments and results.
 * The area is shared so that it never merges with a neighbouring
 * private area: a merged area would come out of munmap() marked as new,
 * and soft-dirty would report all of it written.
 */
#include <errno.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>

#include "compel.h"
#include "dump.h"
#include "fault-inject.h"
#include "infect.h"
#include "log.h"
#include "vma.h"

/*
 * Pages inside the target for arguments and results of injected calls;
 * a pre-dump puts the iovecs of vmsplice() there, 1024 at a time.
 */
#define DUMP_SCRATCH_SIZE	(5 * PAGE_SIZE)

long inject_syscall(struct compel_ctl *ctl, pid_t pid, const char *what, long nr,
		    unsigned long a1, unsigned long a2, unsigned long a3,
		    unsigned long a4, unsigned long a5, unsigned long a6)
{
	long ret;
	int err;

	err = compel_syscall(ctl, nr, &ret, a1, a2, a3, a4, a5, a6);
	if (err) {
		pr_err("Can't inject %s into pid %d: %s\n", what, pid, strerror(-err));
		return err;
	}
	if (ret < 0 && ret > -4096)
		pr_err("%s in pid %d failed: %s\n", what, pid, strerror(-ret));
	else
		pr_debug("%s in pid %d = %ld\n", what, pid, ret);
	return ret;
}

long infect_syscall(struct dump_ctx *dc, const char *what, long nr,
		    unsigned long a1, unsigned long a2, unsigned long a3,
		    unsigned long a4, unsigned long a5, unsigned long a6)
{
	return inject_syscall(dc->ctl, dc->pid, what, nr, a1, a2, a3, a4, a5, a6);
}

static int map_scratch(struct dump_ctx *dc)
{
	long addr;

	addr = infect_syscall(dc, "mmap of the scratch page", __NR_mmap, 0,
			      DUMP_SCRATCH_SIZE, PROT_READ | PROT_WRITE,
			      MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (addr < 0 && addr > -4096)
		return addr;
	dc->scratch = addr;
	dc->scratch_size = DUMP_SCRATCH_SIZE;
	return 0;
}

static void unmap_scratch(struct dump_ctx *dc)
{
	if (!dc->scratch)
		return;
	infect_syscall(dc, "munmap of the scratch page", __NR_munmap, dc->scratch,
		       dc->scratch_size, 0, 0, 0, 0);
	dc->scratch = 0;
}

int dump_infect(struct dump_ctx *dc)
{
	int ret;

	dc->ctl = compel_infect(dc->pid, 0);
	if (!dc->ctl)
		return -EIO;
	ret = map_scratch(dc);
	if (!ret && fault_injected(FI_DUMP_INFECTED))
		ret = -EIO;
	return ret;
}

int dump_cure(struct dump_ctx *dc)
{
	int ret;

	if (!dc->ctl)
		return 0;
	unmap_scratch(dc);
	ret = compel_cure(dc->ctl);
	dc->ctl = NULL;
	if (ret)
		pr_err("Can't restore pid %d after injected calls\n", dc->pid);
	return ret;
}
