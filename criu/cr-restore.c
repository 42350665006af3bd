// SPDX-License-Identifier: GPL-2.0
/*
 * `criu restore`: rebuild a dumped process from outside.
 *
 * criu opens everything the process needs, forks a child with the
 * dumped pid (clone3 with set_tid), and drives it under ptrace with
 * injected system calls until it is the dumped process; then it loads
 * the dumped registers and lets it go. Documentation/restore-design.md
 * explains the choice and the order of the steps.
 *
 * If anything fails the child is killed: no half-built process stays.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/sched.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "compel.h"
#include "core-parts.h"
#include "cr-dump.h"
#include "cr_options.h"
#include "fault-inject.h"
#include "image.h"
#include "log.h"
#include "mem.h"
#include "mm.h"
#include "restore.h"
#include "rseq.h"
#include "stats.h"
#include "action-scripts.h"
#include "vma.h"

#include "core.pb-c.h"
#include "fdinfo.pb-c.h"
#include "inventory.pb-c.h"
#include "mm.pb-c.h"
#include "pstree.pb-c.h"


#define CRTOOLS_IMAGES_V1_1	2
/* The child's code and scratch page(s) while it is being built. */
#define TRAMPOLINE_SIZE		(4 * PAGE_SIZE)
#define TRAMPOLINE_CODE_SIZE	64
/* Lowest number for criu's pre-opened descriptors. */
#define FD_BASE_MIN		64

/* Everything read from the images before anything is created. */
struct rst_images {
	InventoryEntry *inv;
	PstreeEntry *pstree;
	TaskKobjIdsEntry *ids;
	CoreEntry *core;
	MmEntry *mm;
	int max_fd;		/* highest dumped descriptor number */
};

/* --- the pre-opened descriptor set ------------------------------------ */

int rst_keep_fd(struct rst_ctx *rc, int fd)
{
	int nfd;

	nfd = fcntl(fd, F_DUPFD_CLOEXEC, rc->fd_next);
	if (nfd < 0) {
		pr_perror("Can't move fd %d above %d", fd, rc->fd_next);
		close(fd);
		return -errno;
	}
	close(fd);
	/* The child inherits these through a plain fork: no close-on-exec issue. */
	rc->fd_next = nfd + 1;
	return nfd;
}

int rst_add_file(struct rst_ctx *rc, uint32_t id, int fd)
{
	struct rst_file *files;
	unsigned int i;

	files = realloc(rc->files, (rc->nr_files + 1) * sizeof(*files));
	if (!files)
		return -ENOMEM;
	rc->files = files;
	/* Keep the table sorted by id for rst_file_fd()'s binary search. */
	for (i = rc->nr_files; i > 0 && files[i - 1].id > id; i--)
		files[i] = files[i - 1];
	if (i > 0 && files[i - 1].id == id) {
		pr_err("File id %u is opened twice\n", id);
		memmove(&files[i], &files[i + 1], (rc->nr_files - i) * sizeof(*files));
		return -EEXIST;
	}
	files[i].id = id;
	files[i].fd = fd;
	rc->nr_files++;
	return 0;
}

int rst_file_fd(const struct rst_ctx *rc, uint32_t id)
{
	unsigned int lo = 0, hi = rc->nr_files;

	while (lo < hi) {
		unsigned int mid = (lo + hi) / 2;

		if (rc->files[mid].id == id)
			return rc->files[mid].fd;
		if (rc->files[mid].id < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return -ENOENT;
}

/* --- injected calls in the child ----------------------------------------- */

long rst_syscall(struct rst_ctx *rc, const char *what, long nr,
		 unsigned long a1, unsigned long a2, unsigned long a3,
		 unsigned long a4, unsigned long a5, unsigned long a6)
{
	long ret;
	int err;

	err = compel_syscall(rc->ctl, nr, &ret, a1, a2, a3, a4, a5, a6);
	if (err) {
		pr_err("Can't inject %s into pid %d: %d\n", what, rc->pid, err);
		return err;
	}
	if (ret < 0 && ret > -4096)
		pr_err("%s in pid %d failed: %s\n", what, rc->pid, strerror(-ret));
	pr_debug("%s in pid %d = %ld\n", what, rc->pid, ret);
	return ret;
}

unsigned long rst_scratch_put(struct rst_ctx *rc, const void *data, size_t len)
{
	size_t off = (rc->scratch_used + 15) & ~15UL;

	if (off + len > rc->scratch_size) {
		pr_err("Scratch page of pid %d is full (%zu + %zu bytes)\n",
		       rc->pid, off, len);
		return 0;
	}
	if (compel_write_mem(rc->pid, rc->scratch + off, data, len))
		return 0;
	rc->scratch_used = off + len;
	return rc->scratch + off;
}

void rst_scratch_reset(struct rst_ctx *rc)
{
	rc->scratch_used = 0;
}

/* --- reading the images -------------------------------------------------- */

static int scan_max_fd(int dfd, uint32_t files_id, int *max_fd)
{
	FdinfoEntry *fe;
	struct cr_img *img;
	int ret;

	*max_fd = -1;
	img = open_image(dfd, CR_FD_FDINFO, O_RSTR | O_OPT, files_id);
	if (!img)
		return -EIO;
	while ((ret = pb_read_one(img, (void **)&fe, &fdinfo_entry__descriptor)) > 0) {
		if ((int)fe->fd > *max_fd)
			*max_fd = fe->fd;
		pb_free(fe);
	}
	close_image(img);
	return ret;
}

static int read_images(int dfd, struct rst_images *ri)
{
	int ret;

	ret = pb_read_image(dfd, CR_FD_INVENTORY, 0, (void **)&ri->inv,
			  &inventory_entry__descriptor);
	if (ret)
		return ret;
	if (ri->inv->img_version != CRTOOLS_IMAGES_V1_1) {
		pr_err("inventory.img: image version %u, expected %u\n",
		       ri->inv->img_version, CRTOOLS_IMAGES_V1_1);
		return -EINVAL;
	}
	ret = pb_read_image(dfd, CR_FD_PSTREE, 0, (void **)&ri->pstree,
			  &pstree_entry__descriptor);
	if (ret)
		return ret;
	if ((int)ri->pstree->pid <= 0 || ri->pstree->n_threads != 1) {
		pr_err("pstree.img: pid %u with %zu threads: only one single-threaded process is supported\n",
		       ri->pstree->pid, ri->pstree->n_threads);
		return -EINVAL;
	}
	ret = pb_read_image(dfd, CR_FD_IDS, ri->pstree->pid, (void **)&ri->ids,
			  &task_kobj_ids_entry__descriptor);
	if (ret)
		return ret;
	ret = pb_read_image(dfd, CR_FD_CORE, ri->pstree->pid, (void **)&ri->core,
			  &core_entry__descriptor);
	if (ret)
		return ret;
	if (ri->core->mtype != CORE_ENTRY__MARCH__X86_64 || !ri->core->thread_info ||
	    !ri->core->tc || !ri->core->thread_core) {
		pr_err("core-%u.img: not an x86_64 task core\n", ri->pstree->pid);
		return -EINVAL;
	}
	ri->mm = read_mm(dfd, ri->pstree->pid);
	if (!ri->mm)
		return -EINVAL;
	return scan_max_fd(dfd, ri->ids->files_id, &ri->max_fd);
}

/* --- vdso, and where the trampoline goes -------------------------------- */

static bool overlaps(unsigned long s1, unsigned long e1, unsigned long s2,
		     unsigned long e2)
{
	return s1 < e2 && s2 < e1;
}

static bool range_free(const struct vma_list *self, const MmEntry *mm,
		       unsigned long start, unsigned long end)
{
	unsigned int i;

	for (i = 0; i < self->nr; i++)
		if (overlaps(start, end, self->vmas[i].start, self->vmas[i].end))
			return false;
	for (i = 0; i < mm->n_vmas; i++)
		if (overlaps(start, end, mm->vmas[i]->start, mm->vmas[i]->end))
			return false;
	return true;
}

/*
 * The trampoline and, right above it, room to park the vdso while it
 * moves, in a range that is free both in criu (whose layout the child
 * starts with) and in the dumped layout.
 */
static int pick_trampoline(const struct vma_list *self, const MmEntry *mm,
			   unsigned long *addr)
{
	unsigned long need = TRAMPOLINE_SIZE + (self->vdso_end - self->vdso_start) +
			     (self->vvar_end - self->vvar_start) + PAGE_SIZE;
	unsigned long a;

	for (a = 1UL << 32; a < (1UL << 46); a += 1UL << 28)
		if (range_free(self, mm, a, a + need)) {
			*addr = a;
			return 0;
		}
	pr_err("No room for the restore trampoline\n");
	return -ENOMEM;
}

/* The kernel's vdso is used as it is: the dumped one must look the same. */
static int check_vdso(const struct vma_list *self, const MmEntry *mm)
{
	unsigned long vdso = 0, vdso_end = 0, vvar = 0, vvar_end = 0;
	unsigned int i;

	for (i = 0; i < mm->n_vmas; i++) {
		const VmaEntry *v = mm->vmas[i];

		if (v->status & VMA_AREA_VDSO) {
			vdso = v->start;
			vdso_end = v->end;
		} else if (v->status & VMA_AREA_VVAR) {
			if (!vvar)
				vvar = v->start;
			vvar_end = v->end;
		}
	}
	if (!vdso && !vvar)
		return 0;	/* the process had unmapped them: restored without */
	if (vdso_end - vdso != self->vdso_end - self->vdso_start ||
	    vvar_end - vvar != self->vvar_end - self->vvar_start ||
	    (vvar && vdso - vvar != self->vdso_start - self->vvar_start)) {
		pr_err("The dumped vdso/vvar layout (vdso %lx-%lx, vvar %lx-%lx) differs from this kernel's (vdso %lx bytes, vvar %lx bytes): can't restore\n",
		       vdso, vdso_end, vvar, vvar_end,
		       self->vdso_end - self->vdso_start,
		       self->vvar_end - self->vvar_start);
		return -EINVAL;
	}
	return 0;
}

/* --- the child ---------------------------------------------------------- */

/*
 * A pid held by a zombie is released as soon as its parent reaps it,
 * which may take a moment right after `criu dump` killed the process.
 */
static bool pid_is_zombie(pid_t pid)
{
	enum compel_task_state state;

	return !compel_task_state(pid, &state) && state == COMPEL_TASK_ZOMBIE;
}

static pid_t fork_with_pid(pid_t pid)
{
	struct clone_args args;
	pid_t set_tid = pid;
	long ret;
	int i;

	memset(&args, 0, sizeof(args));
	args.exit_signal = SIGCHLD;
	args.set_tid = (unsigned long)&set_tid;
	args.set_tid_size = 1;
	ret = syscall(SYS_clone3, &args, sizeof(args));
	for (i = 0; ret < 0 && errno == EEXIST && i < 500 && pid_is_zombie(pid); i++) {
		usleep(10000);
		ret = syscall(SYS_clone3, &args, sizeof(args));
	}
	if (ret < 0) {
		if (errno == EEXIST)
			pr_err("Pid %d is already in use (by a running process or an unreaped zombie): can't restore\n",
			       pid);
		else
			pr_perror("clone3 with pid %d", pid);
		return -errno;
	}
	if (ret == 0) {
		/*
		 * The child: let criu take over. Only raw calls here, since
		 * libc's cached thread state belongs to the parent.
		 */
		if (syscall(SYS_ptrace, PTRACE_TRACEME, 0, 0, 0) == 0)
			syscall(SYS_kill, syscall(SYS_getpid), SIGSTOP);
		syscall(SYS_exit_group, 1);
	}
	return ret;
}

/* The child starts with criu's rseq area registered; it is about to vanish. */
static int unregister_rseq(struct rst_ctx *rc)
{
	struct rseq_config conf;
	long ret;

	ret = read_rseq_config(rc->pid, &conf);
	if (ret)
		return ret;
	if (!conf.rseq_abi_pointer)
		return 0;
	ret = rst_syscall(rc, "rseq unregister", __NR_rseq, conf.rseq_abi_pointer,
			  conf.rseq_abi_size, RSEQ_FLAG_UNREGISTER, conf.signature, 0, 0);
	return ret < 0 ? ret : 0;
}

static int register_rseq(struct rst_ctx *rc, const CoreEntry *core)
{
	const RseqEntry *re = core->thread_core->rseq_entry;
	long ret;

	if (!re || !re->rseq_abi_pointer)
		return 0;
	ret = rst_syscall(rc, "rseq", __NR_rseq, re->rseq_abi_pointer,
			  re->rseq_abi_size, 0, re->signature, 0, 0);
	return ret < 0 ? ret : 0;
}

static int setup_trampoline(struct rst_ctx *rc, unsigned long addr)
{
	long ret;

	ret = rst_syscall(rc, "mmap trampoline", __NR_mmap, addr, TRAMPOLINE_SIZE,
			  PROT_READ | PROT_WRITE | PROT_EXEC,
			  MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
	if (ret < 0)
		return ret;
	if ((unsigned long)ret != addr) {
		pr_err("Trampoline mapped at %lx, not %lx\n", ret, addr);
		return -EFAULT;
	}
	ret = compel_write_mem(rc->pid, addr, compel_syscall_code,
			       COMPEL_SYSCALL_CODE_LEN);
	if (ret)
		return ret;
	ret = compel_move_site(rc->ctl, addr);
	if (ret)
		return ret;
	rc->scratch = addr + TRAMPOLINE_CODE_SIZE;
	rc->scratch_size = TRAMPOLINE_SIZE - TRAMPOLINE_CODE_SIZE;
	return 0;
}

static bool is_kept(const struct vma_area *vma, unsigned long tramp)
{
	return vma->start == tramp || vma_is_special(vma);
}

/* Unmap all of criu's memory in the child but the trampoline and vdso. */
static int unmap_criu(struct rst_ctx *rc, unsigned long tramp)
{
	struct vma_list child;
	unsigned long from = PAGE_SIZE;
	unsigned int i;
	long ret = 0;

	ret = parse_smaps(rc->pid, &child);
	if (ret)
		return ret;
	for (i = 0; i < child.nr && !ret; i++) {
		const struct vma_area *vma = &child.vmas[i];

		if (!is_kept(vma, tramp) || vma->status & VMA_AREA_VSYSCALL)
			continue;
		if (vma->start > from)
			ret = rst_syscall(rc, "munmap", __NR_munmap, from,
					  vma->start - from, 0, 0, 0, 0);
		from = vma->end;
	}
	if (!ret && from < (1UL << 47) - PAGE_SIZE)
		ret = rst_syscall(rc, "munmap", __NR_munmap, from,
				  (1UL << 47) - PAGE_SIZE - from, 0, 0, 0, 0);
	free_vma_list(&child);
	return ret < 0 ? ret : 0;
}

static long mremap_fixed(struct rst_ctx *rc, unsigned long from, unsigned long len,
			 unsigned long to)
{
	long ret;

	if (from == to)
		return 0;
	ret = rst_syscall(rc, "mremap vdso", __NR_mremap, from, len, len,
			  MREMAP_MAYMOVE | MREMAP_FIXED, to, 0);
	return ret < 0 ? ret : 0;
}

/* The process had no vdso (it unmapped it): neither will the child. */
static int unmap_vdso(struct rst_ctx *rc, const struct vma_list *self)
{
	unsigned int i;
	long ret;

	for (i = 0; i < self->nr; i++) {
		const struct vma_area *v = &self->vmas[i];

		if (!(v->status & (VMA_AREA_VDSO | VMA_AREA_VVAR)))
			continue;
		ret = rst_syscall(rc, "munmap vdso", __NR_munmap, v->start,
				  vma_len(v), 0, 0, 0, 0);
		if (ret < 0)
			return ret;
	}
	return 0;
}

/*
 * Move the kernel's vvar/vdso areas to the dumped addresses: first all
 * of them to a parking place above the trampoline, then each to its
 * place, so that no move lands on an area not yet moved.
 */
static int move_vdso(struct rst_ctx *rc, const struct vma_list *self,
		     const MmEntry *mm, unsigned long park)
{
	unsigned long base = self->vvar_start ? self->vvar_start : self->vdso_start;
	unsigned long dumped_base = 0;
	unsigned int i;
	long ret;

	for (i = 0; i < mm->n_vmas; i++)
		if (mm->vmas[i]->status & (VMA_AREA_VDSO | VMA_AREA_VVAR)) {
			dumped_base = mm->vmas[i]->start;
			break;
		}
	if (!dumped_base)
		return unmap_vdso(rc, self);

	for (i = 0; i < self->nr; i++) {
		const struct vma_area *v = &self->vmas[i];

		if (!(v->status & (VMA_AREA_VDSO | VMA_AREA_VVAR)))
			continue;
		ret = mremap_fixed(rc, v->start, vma_len(v), park + (v->start - base));
		if (ret)
			return ret;
	}
	for (i = 0; i < self->nr; i++) {
		const struct vma_area *v = &self->vmas[i];

		if (!(v->status & (VMA_AREA_VDSO | VMA_AREA_VVAR)))
			continue;
		ret = mremap_fixed(rc, park + (v->start - base), vma_len(v),
				   dumped_base + (v->start - base));
		if (ret)
			return ret;
	}
	return 0;
}

static int restore_task_misc(struct rst_ctx *rc, const struct rst_images *ri)
{
	const CoreEntry *core = ri->core;
	const ThreadCoreEntry *thc = core->thread_core;
	unsigned long name;
	long ret;

	name = rst_scratch_put(rc, core->tc->comm, strlen(core->tc->comm) + 1);
	if (!name)
		return -ENOSPC;
	ret = rst_syscall(rc, "prctl(PR_SET_NAME)", __NR_prctl, PR_SET_NAME, name,
			  0, 0, 0, 0);
	rst_scratch_reset(rc);
	if (ret < 0)
		return ret;
	ret = rst_syscall(rc, "set_tid_address", __NR_set_tid_address,
			  core->thread_info->clear_tid_addr, 0, 0, 0, 0, 0);
	if (ret < 0)
		return ret;
	if (thc->has_pdeath_sig && thc->pdeath_sig) {
		ret = rst_syscall(rc, "prctl(PR_SET_PDEATHSIG)", __NR_prctl,
				  PR_SET_PDEATHSIG, thc->pdeath_sig, 0, 0, 0, 0);
		if (ret < 0)
			return ret;
	}
	ret = rst_syscall(rc, "personality", __NR_personality,
			  core->tc->personality, 0, 0, 0, 0, 0);
	if (ret < 0)
		return ret;
	return register_rseq(rc, core);
}

/* Session and group, as dumped or, with --shell-job, criu's terminal's. */
static int restore_session(struct rst_ctx *rc, const PstreeEntry *pe)
{
	long ret = 0;

	if (pe->sid == pe->pid && !opts.shell_job) {
		ret = rst_syscall(rc, "setsid", __NR_setsid, 0, 0, 0, 0, 0, 0);
	} else if (pe->pgid == pe->pid) {
		ret = rst_syscall(rc, "setpgid", __NR_setpgid, 0, 0, 0, 0, 0, 0);
	} else if (!opts.shell_job) {
		pr_err("pstree.img: pid %u is neither a session nor a group leader; use --shell-job\n",
		       pe->pid);
		return -EINVAL;
	}
	return ret < 0 ? ret : 0;
}

static int restore_sched(pid_t pid, const ThreadCoreEntry *thc)
{
	struct sched_param param = { .sched_priority = thc->sched_prio };

	if (thc->has_sched_policy &&
	    sched_setscheduler(pid, thc->sched_policy, &param)) {
		pr_perror("Can't set the scheduling policy of pid %d", pid);
		return -errno;
	}
	if (thc->has_sched_nice && setpriority(PRIO_PROCESS, pid, thc->sched_nice)) {
		pr_perror("Can't set the nice value of pid %d", pid);
		return -errno;
	}
	return 0;
}

/* Steps inside the stopped child, in dependency order. */
static int build_child(struct rst_ctx *rc, const struct rst_images *ri,
		       const struct vma_list *self, unsigned long tramp,
		       const struct pagemap_set *ps, struct restore_stats *rs)
{
	long ret;

	rc->ctl = compel_infect(rc->pid, 0);
	if (!rc->ctl)
		return -EIO;
	if (fault_injected(FI_RESTORE_FORKED))
		return -EIO;
	ret = unregister_rseq(rc);
	if (!ret)
		ret = setup_trampoline(rc, tramp);
	if (!ret)
		ret = unmap_criu(rc, tramp);
	if (!ret && fault_injected(FI_RESTORE_UNMAPPED))
		ret = -EIO;
	if (!ret)
		ret = move_vdso(rc, self, ri->mm, tramp + TRAMPOLINE_SIZE);
	if (!ret)
		ret = restore_mappings(rc, ri->mm, ps);
	if (ret)
		return ret;
	ret = restore_pages(rc, ps);
	if (ret < 0)
		return ret;
	rs->pages_restored = ret;
	ret = restore_vma_prot(rc, ri->mm, ps);
	if (!ret)
		ret = restore_mm_fields(rc, ri->mm);
	if (!ret && fault_injected(FI_RESTORE_MAPPED))
		ret = -EIO;
	if (!ret)
		ret = restore_fds(rc, ri->ids->files_id);
	if (!ret && fault_injected(FI_RESTORE_FDS))
		ret = -EIO;
	if (!ret)
		ret = restore_fs(rc);
	if (!ret)
		ret = restore_signals(rc, ri->core);
	if (!ret)
		ret = restore_task_misc(rc, ri);
	if (!ret)
		ret = restore_session(rc, ri->pstree);
	if (!ret)
		ret = restore_sched(rc->pid, ri->core->thread_core);
	if (!ret)
		ret = restore_rlimits(rc->pid, ri->core);
	if (ret)
		return ret;
	ret = rst_syscall(rc, "close_range", __NR_close_range, rc->fd_base, ~0U, 0,
			  0, 0, 0);
	if (ret < 0)
		return ret;
	return restore_creds(rc, ri->core);
}

/* The last call unmaps the trampoline; the dumped registers take over. */
static int finish_child(struct rst_ctx *rc, const struct rst_images *ri,
			unsigned long tramp)
{
	struct user_regs_struct regs;
	long ret;
	int err;

	if (fault_injected(FI_RESTORE_BEFORE_REGS))
		return -EIO;
	err = restore_thread_regs(rc->pid, ri->core, &regs);
	if (err)
		return err;
	err = compel_syscall_and_set_regs(rc->ctl, __NR_munmap, &ret, tramp,
					  TRAMPOLINE_SIZE, &regs);
	rc->ctl = NULL;
	if (err)
		return err;
	if (ret) {
		pr_err("munmap of the trampoline in pid %d failed: %ld\n", rc->pid, ret);
		return ret;
	}
	return compel_set_sigmask(rc->pid, core_blocked_mask(ri->core));
}

static int write_pidfile(int dfd, pid_t pid)
{
	char buf[32];
	int fd, len;

	if (!opts.pidfile)
		return 0;
	fd = openat(dfd, opts.pidfile, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0) {
		pr_perror("Can't create pidfile %s", opts.pidfile);
		return -errno;
	}
	len = snprintf(buf, sizeof(buf), "%d", pid);
	if (write(fd, buf, len) != len) {
		pr_perror("Can't write pidfile %s", opts.pidfile);
		close(fd);
		return -EIO;
	}
	close(fd);
	return 0;
}

static void kill_child(pid_t pid)
{
	int status;

	kill(pid, SIGKILL);
	while (waitpid(pid, &status, __WALL) == pid)
		if (WIFEXITED(status) || WIFSIGNALED(status))
			break;
}

static int keep_pages_fd(void *arg, int fd)
{
	return rst_keep_fd(arg, fd);
}

static int prepare_all(struct rst_ctx *rc, struct rst_images *ri,
		       struct pagemap_set *ps)
{
	int ret;

	ret = prepare_files(rc, ri->ids->files_id);
	if (!ret)
		ret = prepare_fs(rc);
	if (!ret)
		ret = prepare_shmem(rc, ri->mm);
	if (!ret)
		ret = read_pagemap_chain(rc->dfd, rc->pid, ri->mm, keep_pages_fd, rc, ps);
	return ret;
}

static void close_prepared(struct rst_ctx *rc)
{
	close_range(rc->fd_base, ~0U, 0);
}

static int wait_restored(pid_t pid)
{
	int status;

	if (waitpid(pid, &status, 0) != pid) {
		pr_perror("waitpid for the restored pid %d", pid);
		return -errno;
	}
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	pr_info("Restored pid %d was killed by signal %d\n", pid, WTERMSIG(status));
	return 128 + WTERMSIG(status);
}

int cr_restore_tasks(int dfd)
{
	struct rst_images ri = {};
	struct rst_ctx rc = { .dfd = dfd };
	struct restore_stats rs = {};
	struct vma_list self = {};
	struct pagemap_set ps = {};
	unsigned long tramp;
	uint64_t t0, t1;
	int ret;
	pid_t pid;

	ret = run_scripts(ACT_PRE_RESTORE);
	if (!ret)
		ret = read_images(dfd, &ri);
	if (ret)
		goto out;
	rc.pid = ri.pstree->pid;
	set_script_init_pid(rc.pid);
	ret = parse_smaps(getpid(), &self);
	if (!ret)
		ret = check_vdso(&self, ri.mm);
	if (!ret)
		ret = pick_trampoline(&self, ri.mm, &tramp);
	if (ret)
		goto out;
	rc.fd_base = ri.max_fd + 1 > FD_BASE_MIN ? ri.max_fd + 1 : FD_BASE_MIN;
	rc.fd_next = rc.fd_base;
	ret = prepare_all(&rc, &ri, &ps);
	if (ret)
		goto out_close;

	t0 = stats_now_us();
	pid = fork_with_pid(rc.pid);
	if (pid < 0) {
		ret = pid;
		goto out_close;
	}
	ret = compel_wait_traceme_child(pid);
	t1 = stats_now_us();
	rs.forking_us = t1 - t0;
	if (!ret)
		ret = build_child(&rc, &ri, &self, tramp, &ps, &rs);
	if (!ret)
		ret = finish_child(&rc, &ri, tramp);
	close_prepared(&rc);
	if (ret) {
		pr_err("Restoring pid %d failed; the half-built process is killed\n", pid);
		kill_child(pid);
		goto out;
	}
	rs.restore_us = stats_now_us() - t1;
	ret = write_pidfile(dfd, pid);
	if (!ret)
		ret = write_restore_stats(dfd, &rs);
	if (!ret)
		ret = run_scripts(ACT_POST_RESTORE);
	if (ret) {
		kill_child(pid);
		goto out;
	}
	run_scripts(ACT_PRE_RESUME);
	ret = compel_detach(pid);
	if (ret) {
		kill_child(pid);
		goto out;
	}
	run_scripts(ACT_POST_RESUME);
	print_restore_stats(&rs);
	pr_info("Restore of pid %d finished successfully\n", pid);
	if (!opts.restore_detached)
		ret = wait_restored(pid);
	goto out;
out_close:
	close_prepared(&rc);
out:
	free_pagemap(&ps);
	free_vma_list(&self);
	free(rc.files);
	return ret;
}
