// SPDX-License-Identifier: GPL-2.0
/*
 * Dumping the address space layout: the areas of /proc/PID/smaps as
 * vma_entry records, and the mm fields (code, data, brk, stack, args,
 * environment, auxv, exe) as mm_entry.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>

#include "dump.h"
#include "image.h"
#include "infect.h"
#include "log.h"
#include "pstree.h"
#include "mm.h"
#include "proc_parse.h"
#include "vma.h"

#include "mm.pb-c.h"

static int check_vma(pid_t pid, const struct vma_area *vma)
{
	const char *what = NULL;

	if (vma->status & VMA_AREA_SYSVIPC)
		/* "/SYSV<key>": a segment of the host's IPC namespace (sysv-ipc.c) */
		what = "a SysV shared memory segment of the host's IPC namespace";
	else if (vma->path && !strncmp(vma->path, "/[aio]", 6))
		what = "an AIO ring (io_setup)";
	else if (vma->path && !strncmp(vma->path, "anon_inode:[io_uring]", 21))
		what = "io_uring rings";
	else if (vma->path && !strncmp(vma->path, "anon_inode:[perf_event]", 23))
		what = "a perf event buffer";
	else if (vma->path && !strncmp(vma->path, "anon_inode:", 11))
		what = "an anonymous inode";
	else if (vma->status & VMA_UNSUPP)
		what = "an unsupported special mapping";
	else if (vma->path && strstr(vma->path, " (deleted)") &&
		 !(vma->status & (VMA_ANON_SHARED | VMA_FILE_PRIVATE | VMA_FILE_SHARED)))
		what = "a deleted file";
	else if (vma->path && !strncmp(vma->path, "[anon", 5))
		what = "an area named with PR_SET_VMA_ANON_NAME";
	else if (vma->lock_onfault)
		what = "an area locked on fault (mlock2 MLOCK_ONFAULT)";
	if (!what && vma->unsupp_vmflag[0] && !vma_is_special(vma)) {
		pr_err("criu: pid %d: area %lx-%lx (%s) has VmFlags \"%s\": not supported\n",
		       pid, vma->start, vma->end, vma->path ? vma->path : "",
		       vma->unsupp_vmflag);
		return -EOPNOTSUPP;
	}
	if (!what)
		return 0;
	pr_err("criu: pid %d: maps %s at %lx-%lx (%s): not supported\n", pid, what,
	       vma->start, vma->end, vma->path ? vma->path : "");
	return -EOPNOTSUPP;
}

int check_mappings(pid_t pid, const struct vma_list *vmas)
{
	unsigned int i;
	int ret;

	for (i = 0; i < vmas->nr; i++) {
		ret = check_vma(pid, &vmas->vmas[i]);
		if (ret)
			return ret;
	}
	return 0;
}

int collect_mappings(struct dump_ctx *dc, struct vma_list *vmas)
{
	char path[96];
	unsigned int i;
	int ret;

	for (i = 0; i < vmas->nr; i++) {
		struct vma_area *vma = &vmas->vmas[i];
		uint32_t flags = O_RDONLY;

		ret = check_vma(dc->pid, vma);
		if (ret)
			return ret;
		if (!(vma->status & (VMA_FILE_PRIVATE | VMA_FILE_SHARED)))
			continue;
		/*
		 * A shared mapping that is or may become writable needs the
		 * file open for writing; one of a file opened read-only must
		 * stay unable to become writable ("mw" clear).
		 */
		if ((vma->status & VMA_FILE_SHARED) &&
		    ((vma->prot & PROT_WRITE) || vma->may_write))
			flags = O_RDWR;
		vma->fdflags = flags;
		snprintf(path, sizeof(path), "/proc/%d/map_files/%lx-%lx",
			 dc->pid, vma->start, vma->end);
		ret = dump_reg_file(dc, path, flags, 0, &vma->file_id);
		if (ret)
			return ret;
		vma->shmid = vma->file_id;
	}
	return 0;
}

static void fill_vma_entry(VmaEntry *ve, const struct vma_area *vma)
{
	ve->start = vma->start;
	ve->end = vma->end;
	ve->pgoff = vma->pgoff;
	ve->shmid = vma->shmid;
	ve->prot = vma->prot;
	ve->flags = vma->flags;
	/*
	 * A private area the kernel does not charge as writable (a guard
	 * area that was never writable, or MAP_NORESERVE) is marked so that
	 * restore maps it the same way: otherwise it would come back
	 * charged and merge with charged neighbours into one area.
	 */
	if ((vma->status & (VMA_ANON_PRIVATE | VMA_FILE_PRIVATE)) && !vma->accounted)
		ve->flags |= MAP_NORESERVE;
	ve->status = vma->status;
	ve->fd = -1;
	if (vma->status & (VMA_FILE_PRIVATE | VMA_FILE_SHARED)) {
		ve->has_fdflags = true;
		ve->fdflags = vma->fdflags;
	}
	if (vma->madv) {
		ve->has_madv = true;
		ve->madv = vma->madv;
	}
}

static int read_auxv(pid_t pid, MmEntry *mm)
{
	char *buf;
	ssize_t len;

	len = read_proc_file(pid, "auxv", &buf);
	if (len < 0)
		return len;
	mm->n_mm_saved_auxv = len / sizeof(uint64_t);
	mm->mm_saved_auxv = (uint64_t *)buf;
	return 0;
}

/* The current program break is only known to the process itself. */
static int get_brk(struct dump_ctx *dc, unsigned long *brk)
{
	long ret;

	ret = infect_syscall(dc, "brk(0)", __NR_brk, 0, 0, 0, 0, 0, 0);
	if (ret < 0 && ret > -4096)
		return ret;
	*brk = ret;
	return 0;
}

static int get_prctl(struct dump_ctx *dc, int option, long *val)
{
	*val = infect_syscall(dc, "prctl(PR_GET_*)", __NR_prctl, option, 0, 0, 0,
			      0, 0);
	return *val < 0 ? *val : 0;
}

int dump_mm_inside(struct dump_ctx *dc, struct mm_inside *in)
{
	long val;
	int ret;

	ret = get_brk(dc, &in->brk);
	if (!ret)
		ret = get_prctl(dc, PR_GET_DUMPABLE, &val);
	if (ret)
		return ret;
	in->dumpable = val;
	ret = get_prctl(dc, PR_GET_THP_DISABLE, &val);
	if (ret)
		return ret;
	in->thp_disabled = val > 0;
	return 0;
}

int dump_mm(struct dump_ctx *dc, const struct vma_list *vmas,
	    const struct proc_stat *st, const struct mm_inside *in)
{
	MmEntry mm = MM_ENTRY__INIT;
	VmaEntry *ves = NULL, **vep = NULL;
	unsigned int i, n = 0;
	char path[64];
	int ret;

	mm.mm_start_code = st->start_code;
	mm.mm_end_code = st->end_code;
	mm.mm_start_data = st->start_data;
	mm.mm_end_data = st->end_data;
	mm.mm_start_stack = st->start_stack;
	mm.mm_start_brk = st->start_brk;
	mm.mm_brk = in->brk;
	mm.mm_arg_start = st->arg_start;
	mm.mm_arg_end = st->arg_end;
	mm.mm_env_start = st->env_start;
	mm.mm_env_end = st->env_end;
	mm.has_dumpable = true;
	mm.dumpable = in->dumpable;
	mm.has_thp_disabled = true;
	mm.thp_disabled = in->thp_disabled;

	snprintf(path, sizeof(path), "/proc/%d/exe", dc->pid);
	ret = dump_reg_file(dc, path, O_RDONLY, 0, &mm.exe_file_id);
	if (ret)
		return ret;
	ret = read_auxv(dc->pid, &mm);
	if (ret)
		return ret;

	ret = -ENOMEM;
	ves = calloc(vmas->nr, sizeof(*ves));
	vep = calloc(vmas->nr, sizeof(*vep));
	if (!ves || !vep)
		goto out;
	for (i = 0; i < vmas->nr; i++) {
		/* vsyscall is the kernel's, at a fixed address: not ours. */
		if (vmas->vmas[i].status & VMA_AREA_VSYSCALL)
			continue;
		vma_entry__init(&ves[n]);
		fill_vma_entry(&ves[n], &vmas->vmas[i]);
		vep[n] = &ves[n];
		n++;
	}
	mm.n_vmas = n;
	mm.vmas = vep;

	ret = pb_write_image(dc->sess->dfd, CR_FD_MM, dc->item->pid, &mm, &mm_entry__descriptor);
out:
	free(mm.mm_saved_auxv);
	free(ves);
	free(vep);
	return ret;
}
