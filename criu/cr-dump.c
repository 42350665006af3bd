// SPDX-License-Identifier: GPL-2.0
/*
 * `criu dump`: stop the process, collect its state into images, and
 * either kill it (the default) or let it run on (--leave-running).
 *
 * Whatever fails, the target is left exactly as it was: every change
 * made inside it (the injected syscall site, the scratch page, the
 * blocked signal mask) is undone before it is released, and the images
 * written so far are removed.
 */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "compel.h"
#include "core-parts.h"
#include "cr-dump.h"
#include "cr_options.h"
#include "dump.h"
#include "fault-inject.h"
#include "image.h"
#include "incremental.h"
#include "log.h"
#include "mem.h"
#include "mm.h"
#include "proc_parse.h"
#include "rseq.h"
#include "stats.h"
#include "action-scripts.h"
#include "freeze-timer.h"
#include "vma.h"

#include "core.pb-c.h"
#include "inventory.pb-c.h"
#include "pstree.pb-c.h"


/* CRIU's task_core_entry.task_state for a live task. */
#define TASK_ALIVE	0x1
/* inventory_entry.img_version: CRTOOLS_IMAGES_V1_1 */
#define CRTOOLS_IMAGES_V1_1	2

/* Ids of the kernel objects of our single task (ids-PID.img). */
#define DUMP_VM_ID	1
#define DUMP_FILES_ID	1
#define DUMP_FS_ID	1
#define DUMP_SIGHAND_ID	1

int dump_syscall(struct dump_ctx *dc, long nr, long *ret,
		 unsigned long a1, unsigned long a2, unsigned long a3,
		 unsigned long a4, unsigned long a5, unsigned long a6)
{
	int err;

	err = compel_syscall(dc->ctl, nr, ret, a1, a2, a3, a4, a5, a6);
	if (err)
		pr_err("Can't run syscall %ld in pid %d: %d\n", nr, dc->pid, err);
	return err;
}

int check_dump_target(pid_t pid, struct proc_stat *st, bool pre_dump)
{
	enum compel_task_state state;
	int ret;

	if (pid <= 0) {
		pr_err("Invalid pid %d\n", pid);
		return -EINVAL;
	}
	if (pid == getpid()) {
		pr_err("Can't dump criu itself (pid %d)\n", pid);
		return -EINVAL;
	}
	ret = compel_task_state(pid, &state);
	if (ret || state == COMPEL_TASK_DEAD) {
		pr_err("No process with pid %d\n", pid);
		return -ESRCH;
	}
	switch (state) {
	case COMPEL_TASK_ZOMBIE:
		pr_err("Process %d is a zombie\n", pid);
		return -EINVAL;
	case COMPEL_TASK_KTHREAD:
		pr_err("Process %d is a kernel thread\n", pid);
		return -EINVAL;
	case COMPEL_TASK_STOPPED:
		pr_err("Process %d is stopped (job control): not supported yet\n", pid);
		return -EOPNOTSUPP;
	default:
		break;
	}
	ret = parse_proc_stat(pid, st);
	if (ret)
		return ret;
	ret = count_threads(pid);
	if (ret < 0)
		return ret;
	/* Memory is per process: a pre-dump stops every thread and goes on. */
	if (ret > 1 && !pre_dump) {
		pr_err("Process %d has %d threads: multi-threaded dump is not supported yet\n",
		       pid, ret);
		return -EOPNOTSUPP;
	}
	ret = has_children(pid);
	if (ret < 0)
		return ret;
	if (ret) {
		pr_err("Process %d has children: dumping a process tree is not supported yet\n",
		       pid);
		return -EOPNOTSUPP;
	}
	if (st->sid != pid && !opts.shell_job && !pre_dump) {
		pr_err("Process %d is not a session leader (its session is %d): "
		       "use --shell-job to dump a process of a shell session\n",
		       pid, st->sid);
		return -EINVAL;
	}
	return 0;
}

/*
 * Pages inside the target for arguments and results of injected calls;
 * a pre-dump puts the iovecs of vmsplice() there, 1024 at a time.
 */
#define DUMP_SCRATCH_SIZE	(5 * PAGE_SIZE)

static int map_scratch(struct dump_ctx *dc)
{
	long addr;
	int ret;

	/*
	 * Shared, so that it never merges with a neighbouring private area:
	 * a merged area would come out of munmap() marked as new, and
	 * soft-dirty would report all of it written.
	 */
	ret = dump_syscall(dc, __NR_mmap, &addr, 0, DUMP_SCRATCH_SIZE,
			   PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (ret)
		return ret;
	if (addr < 0 && addr > -4096) {
		pr_err("mmap of the scratch page in pid %d failed: %ld\n", dc->pid, addr);
		return addr;
	}
	dc->scratch = addr;
	dc->scratch_size = DUMP_SCRATCH_SIZE;
	return 0;
}

static void unmap_scratch(struct dump_ctx *dc)
{
	long ret;

	if (!dc->scratch)
		return;
	if (!dump_syscall(dc, __NR_munmap, &ret, dc->scratch, dc->scratch_size,
			  0, 0, 0, 0) && ret)
		pr_err("munmap of the scratch page in pid %d failed: %ld\n", dc->pid, ret);
	dc->scratch = 0;
}

static int get_tid_address(struct dump_ctx *dc, uint64_t *addr)
{
	long ret;
	int err;

	err = dump_syscall(dc, __NR_prctl, &ret, PR_GET_TID_ADDRESS, dc->scratch,
			   0, 0, 0, 0);
	if (err)
		return err;
	if (ret) {
		pr_err("prctl(PR_GET_TID_ADDRESS) in pid %d failed: %ld\n", dc->pid, ret);
		return ret;
	}
	return compel_read_mem(dc->pid, dc->scratch, addr, sizeof(*addr));
}

static int dump_rseq(pid_t pid, ThreadCoreEntry *tc)
{
	struct rseq_config conf;
	RseqEntry *re;

	int ret;

	ret = read_rseq_config(pid, &conf);
	if (ret)
		return ret;
	if (!conf.rseq_abi_pointer)
		return 0;
	re = malloc(sizeof(*re));
	if (!re)
		return -ENOMEM;
	rseq_entry__init(re);
	re->rseq_abi_pointer = conf.rseq_abi_pointer;
	re->rseq_abi_size = conf.rseq_abi_size;
	re->signature = conf.signature;
	tc->rseq_entry = re;
	return 0;
}

static int dump_sched(pid_t pid, const struct proc_stat *st, ThreadCoreEntry *tc)
{
	struct sched_param param;
	int policy;

	policy = sched_getscheduler(pid);
	if (policy < 0 || sched_getparam(pid, &param)) {
		pr_perror("Can't read the scheduling policy of pid %d", pid);
		return -errno;
	}
	tc->has_sched_nice = true;
	tc->sched_nice = st->nice;
	tc->has_sched_policy = true;
	tc->sched_policy = policy;
	tc->has_sched_prio = true;
	tc->sched_prio = param.sched_priority;
	return 0;
}

static int read_personality(pid_t pid, uint32_t *pers)
{
	char *buf;
	ssize_t len;

	len = read_proc_file(pid, "personality", &buf);
	if (len < 0)
		return len;
	*pers = strtoul(buf, NULL, 16);
	free(buf);
	return 0;
}

static CoreEntry *alloc_core(const struct proc_stat *st)
{
	CoreEntry *core = calloc(1, sizeof(*core));
	TaskCoreEntry *tc = calloc(1, sizeof(*tc));
	ThreadCoreEntry *thc = calloc(1, sizeof(*thc));

	if (!core || !tc || !thc) {
		free(core);
		free(tc);
		free(thc);
		return NULL;
	}
	core_entry__init(core);
	task_core_entry__init(tc);
	thread_core_entry__init(thc);
	core->mtype = CORE_ENTRY__MARCH__X86_64;
	core->tc = tc;
	core->thread_core = thc;
	tc->task_state = TASK_ALIVE;
	tc->flags = st->flags;
	tc->comm = strdup(st->comm);
	thc->comm = tc->comm;
	return tc->comm ? core : NULL;
}

/* State that needs code running inside the target (injected calls). */
static int dump_infected_state(struct dump_ctx *dc, CoreEntry *core,
			       const struct vma_list *vmas, const struct proc_stat *st)
{
	long val;
	int ret;

	ret = get_tid_address(dc, &core->thread_info->clear_tid_addr);
	if (ret)
		return ret;
	ret = dump_syscall(dc, __NR_prctl, &val, PR_GET_PDEATHSIG, dc->scratch,
			   0, 0, 0, 0);
	if (ret)
		return ret;
	core->thread_core->has_pdeath_sig = true;
	ret = compel_read_mem(dc->pid, dc->scratch, &core->thread_core->pdeath_sig,
			      sizeof(uint32_t));
	if (ret)
		return ret;
	ret = dump_signals(dc, core);
	if (ret)
		return ret;
	ret = dump_creds(dc, core);
	if (ret)
		return ret;
	return dump_mm(dc, vmas, st);
}

static void fill_ids(TaskKobjIdsEntry *ids)
{
	task_kobj_ids_entry__init(ids);
	ids->vm_id = DUMP_VM_ID;
	ids->files_id = DUMP_FILES_ID;
	ids->fs_id = DUMP_FS_ID;
	ids->sighand_id = DUMP_SIGHAND_ID;
}

int write_tree(struct dump_ctx *dc, const struct proc_stat *st)
{
	PstreeEntry pe = PSTREE_ENTRY__INIT;
	TaskKobjIdsEntry ids;
	uint32_t tid = dc->pid;
	int ret;

	pe.pid = dc->pid;
	pe.ppid = 0;	/* the root of the dumped tree has no parent in it */
	pe.pgid = st->pgid;
	pe.sid = st->sid;
	pe.n_threads = 1;
	pe.threads = &tid;
	ret = pb_write_image(dc->dfd, CR_FD_PSTREE, 0, &pe, &pstree_entry__descriptor);
	if (ret)
		return ret;
	fill_ids(&ids);
	return pb_write_image(dc->dfd, CR_FD_IDS, dc->pid, &ids,
			       &task_kobj_ids_entry__descriptor);
}

/* inventory.img goes last: without it the folder is not an image set. */
int write_inventory(struct dump_ctx *dc)
{
	InventoryEntry inv = INVENTORY_ENTRY__INIT;
	TaskKobjIdsEntry ids;
	struct timespec ts;

	fill_ids(&ids);
	clock_gettime(CLOCK_BOOTTIME, &ts);
	inv.img_version = CRTOOLS_IMAGES_V1_1;
	inv.has_fdinfo_per_id = true;
	inv.fdinfo_per_id = true;
	inv.root_ids = &ids;
	inv.has_ns_per_id = true;
	inv.ns_per_id = true;
	inv.has_lsmtype = true;
	inv.lsmtype = LSMTYPE__NO_LSM;
	inv.has_dump_uptime = true;
	inv.dump_uptime = ts.tv_sec * 1000000ULL + ts.tv_nsec / 1000;
	return pb_write_image(dc->dfd, CR_FD_INVENTORY, 0, &inv,
			       &inventory_entry__descriptor);
}

/* Everything read from the stopped target, before pages and images. */
static int collect_task(struct dump_ctx *dc, CoreEntry *core,
			struct vma_list *vmas, const struct proc_stat *st)
{
	int ret;

	ret = dump_sigmask(dc->pid, core);
	if (ret)
		return ret;
	ret = dump_thread_regs(dc->pid, core);
	if (ret)
		return ret;
	ret = dump_rseq(dc->pid, core->thread_core);
	if (ret)
		return ret;
	ret = dump_sched(dc->pid, st, core->thread_core);
	if (ret)
		return ret;
	ret = read_personality(dc->pid, &core->tc->personality);
	if (ret)
		return ret;
	ret = dump_rlimits(dc->pid, core);
	if (ret)
		return ret;
	/* The layout before we add our scratch page to it. */
	ret = parse_smaps(dc->pid, vmas);
	if (ret)
		return ret;
	ret = collect_mappings(dc, vmas);
	if (ret)
		return ret;
	ret = dump_files(dc, DUMP_FILES_ID);
	if (ret)
		return ret;
	return dump_fs(dc);
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

/*
 * A killed process stays a zombie until its parent reaps it, and its
 * pid cannot be restored before that. Give the parent a moment, so that
 * `criu dump; criu restore` works back to back.
 */
static void wait_pid_released(pid_t pid)
{
	struct proc_stat st;
	int i;

	for (i = 0; i < 200; i++) {
		if (kill(pid, 0) && errno == ESRCH)
			return;
		usleep(5000);
	}
	if (!parse_proc_stat(pid, &st))
		pr_warn("Dumped pid %d is still a zombie: its parent %d has not reaped it\n",
			pid, st.ppid);
}

static int release_target(pid_t pid, bool kill_it)
{
	int status;

	if (!kill_it)
		return compel_detach(pid);
	if (kill(pid, SIGKILL)) {
		pr_perror("Can't kill pid %d after the dump", pid);
		return -errno;
	}
	/* Collect the tracee's exit notification. */
	while (waitpid(pid, &status, __WALL) == pid)
		if (WIFEXITED(status) || WIFSIGNALED(status))
			break;
	wait_pid_released(pid);
	return 0;
}

/*
 * Inside the infected target: the state only it can tell, then what
 * the tracker says changed, then which pages to copy. With
 * --leave-running and no --track-mem tracking ends here.
 */
static int dump_infected(struct dump_ctx *dc, struct incr_ctx *ic, CoreEntry *core,
			 const struct vma_list *vmas, const struct proc_stat *st,
			 struct mem_plan *plan, struct mem_dump_stats *ms)
{
	struct mem_dump_opts mo;
	int ret;

	ret = dump_infected_state(dc, core, vmas, st);
	if (!ret)
		ret = incr_collect(ic, dc, vmas);
	if (ret)
		return ret;
	incr_mem_opts(ic, &mo);
	ret = plan_pages(dc, vmas, &mo, plan, ms);
	if (!ret && opts.leave_running && !opts.track_mem)
		ret = incr_stop(ic, dc, vmas);
	return ret;
}

static int dump_seized(struct dump_ctx *dc, struct incr_ctx *ic,
		       const struct proc_stat *st, struct dump_stats *ds)
{
	struct mem_dump_stats ms = {};
	struct mem_plan plan = {};
	struct vma_list vmas = {};
	CoreEntry *core;
	uint64_t t0;
	int ret;

	core = alloc_core(st);
	if (!core)
		return -ENOMEM;
	ret = -EIO;
	dc->files_img = open_image(dc->dfd, CR_FD_FILES, O_DUMP);
	if (!dc->files_img)
		goto out;
	if (fault_injected(FI_DUMP_SEIZED))
		goto out;
	ret = collect_task(dc, core, &vmas, st);
	if (ret)
		goto out;
	t0 = stats_now_us();
	ret = dump_infect(dc);
	if (!ret)
		ret = dump_infected(dc, ic, core, &vmas, st, &plan, &ms);
	if (ret && ic->started)
		incr_stop(ic, dc, &vmas);
	if (dump_cure(dc) && !ret)
		ret = -EIO;
	if (ret)
		goto out;
	ret = write_pages(dc, &vmas, &plan, &ms);
	if (ret)
		goto out;
	ds->memdump_us = stats_now_us() - t0;
	dump_stats_take_mem(ds, &ms);
	ret = pb_write_image(dc->dfd, CR_FD_CORE, dc->pid, core, &core_entry__descriptor);
	if (!ret)
		ret = write_tree(dc, st);
out:
	if (dc->files_img && close_image(dc->files_img) && !ret)
		ret = -EIO;
	dc->files_img = NULL;
	free_mem_plan(&plan);
	free_vma_list(&vmas);
	return ret;
}

int cr_dump_tasks(pid_t pid, int dfd)
{
	struct dump_ctx dc = { .pid = pid, .dfd = dfd, .next_file_id = 1,
			       .tracker_fd = -1 };
	struct dump_stats ds = {};
	struct incr_ctx ic = { .parent_dfd = -1 };
	struct proc_stat st;
	uint64_t t_start, t_frozen;
	bool keep_tracking = opts.track_mem && opts.leave_running;
	int ret;

	pr_info("Dumping pid %d\n", pid);
	ret = check_dump_target(pid, &st, false);
	if (!ret)
		ret = run_scripts(ACT_PRE_DUMP);
	if (!ret)
		ret = incr_prepare(&ic, dfd, pid);
	if (ret)
		goto out_fini;
	dc.tracker_fd = incr_tracker_fd(&ic);

	t_start = stats_now_us();
	ret = freeze_timer_start();
	if (!ret)
		ret = compel_seize(pid);
	freeze_timer_stop();
	if (ret) {
		pr_err("Can't seize pid %d: %s\n", pid, strerror(-ret));
		goto out_fini;
	}
	t_frozen = stats_now_us();
	ds.freezing_us = t_frozen - t_start;

	ret = dump_seized(&dc, &ic, &st, &ds);
	if (ret)
		goto fail;
	ds.frozen_us = stats_now_us() - t_frozen;
	ret = write_dump_stats(dfd, &ds);
	if (!ret && fault_injected(FI_DUMP_BEFORE_INVENTORY))
		ret = -EIO;
	if (!ret)
		ret = write_inventory(&dc);
	if (!ret)
		ret = run_scripts(ACT_POST_DUMP);
	if (!ret)
		ret = incr_commit(&ic, dfd, keep_tracking);
	if (ret)
		goto fail;
	images_forget();
	ds.tracker = ic.tracker ? ic.tracker->name : NULL;
	ret = release_target(pid, !opts.leave_running);
	print_dump_stats(&ds);
	pr_info("Dumping finished successfully\n");
	goto out_fini;
fail:
	pr_err("Dumping pid %d failed; it is left running\n", pid);
	images_discard();
	compel_detach(pid);
out_fini:
	incr_fini(&ic);
	return ret;
}
