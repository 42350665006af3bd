// SPDX-License-Identifier: GPL-2.0
/*
 * Injected system calls and the scratch page, dump side.
 *
 * A target is infected once per (pre-)dump: compel runs the calls at a
 * syscall instruction of the target's own code, with a way back to where
 * the task was seized that works without criu (compel/), and a shared
 * scratch area is mapped for arguments and results.
 * The area is shared so that it never merges with a neighbouring
 * private area: a merged area would come out of munmap() marked as new,
 * and soft-dirty would report all of it written.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "compel.h"
#include "dump.h"
#include "fault-inject.h"
#include "infect.h"
#include "log.h"
#include "proc_parse.h"
#include "pstree.h"
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

/*
 * compel_map() registers the munmap with the task before the mmap runs:
 * if criu dies, the task unmaps the area by itself on its way back.
 */
static int map_scratch(struct dump_ctx *dc)
{
	unsigned long addr;
	int ret;

	/* what mlock.c compares with once the area is there */
	dc->locked_kb = locked_kb(dc->pid);
	if (dc->locked_kb < 0)
		return dc->locked_kb;
	ret = compel_map(dc->ctl, DUMP_SCRATCH_SIZE, PROT_READ | PROT_WRITE,
			 MAP_SHARED | MAP_ANONYMOUS, &addr);
	if (ret) {
		pr_err("Can't map the scratch page in pid %d: %d\n", dc->pid, ret);
		return ret;
	}
	dc->scratch = addr;
	dc->scratch_size = DUMP_SCRATCH_SIZE;
	return 0;
}

static void unmap_scratch(struct dump_ctx *dc)
{
	if (!dc->scratch)
		return;
	if (compel_unmap(dc->ctl, dc->scratch, dc->scratch_size))
		pr_err("munmap of the scratch page in pid %d failed\n", dc->pid);
	dc->scratch = 0;
}

int dump_pidfd(const struct dump_ctx *dc)
{
	/* a thread's pidfd when the leader exited (PIDFD_THREAD, Linux 6.9) */
	int fd = syscall(SYS_pidfd_open, dc->pid, dc->pid != dc->item->pid ? O_EXCL : 0);

	if (fd < 0) {
		pr_perror("pidfd_open of pid %d", dc->pid);
		return -errno;
	}
	return fd;
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
