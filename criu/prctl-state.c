// SPDX-License-Identifier: GPL-2.0
/*
 * Per-process settings that are restored: oom_score_adj, loginuid, the
 * child subreaper flag, membarrier registrations and the dumpable flag;
 * and the helper for injected calls that must succeed.
 *
 * oom_score_adj and loginuid are /proc files, read by criu. criu writes
 * the child's oom_score_adj itself; loginuid only a task may write for
 * itself, so the child writes its own through injected calls. The
 * others are prctl() and membarrier() calls of the task itself.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <linux/membarrier.h>

#include "compel.h"
#include "dump.h"
#include "infect.h"
#include "log.h"
#include "proc_parse.h"
#include "restore.h"
#include "task-state.h"

#define MEMBARRIER_GET_REGISTRATIONS	(1 << 9)
/* MEMBARRIER_CMD_REGISTER_* in what GET_REGISTRATIONS reports */
#define MEMBARRIER_REGISTER_MASK	((1 << 2) | (1 << 4) | (1 << 6) | (1 << 8))

int dump_call(struct dump_ctx *dc, const char *what, long *ret, long nr,
	      unsigned long a1, unsigned long a2, unsigned long a3)
{
	*ret = infect_syscall(dc, what, nr, a1, a2, a3, 0, 0, 0);
	return *ret < 0 ? *ret : 0;	/* logged by infect_syscall() */
}

int dump_probe(struct dump_ctx *dc, long nr, long *ret, unsigned long a1,
	       unsigned long a2, unsigned long a3, unsigned long a4, unsigned long a5)
{
	int err;

	err = compel_syscall(dc->ctl, nr, ret, a1, a2, a3, a4, a5, 0);
	if (err)
		pr_err("Can't inject syscall %ld into pid %d: %s\n", nr, dc->pid,
		       strerror(-err));
	return err;
}

/* A number in /proc/PID/NAME. */
static int read_proc_long(pid_t pid, const char *name, long long *val)
{
	char *buf, *end;
	ssize_t len;

	len = read_proc_file(pid, name, &buf);
	if (len < 0)
		return len;
	*val = strtoll(buf, &end, 10);
	if (end == buf) {
		pr_err("/proc/%d/%s: not a number: %.20s\n", pid, name, buf);
		free(buf);
		return -EINVAL;
	}
	free(buf);
	return 0;
}

static int write_proc_long(pid_t pid, const char *name, long long val)
{
	char path[64], buf[32];
	int fd, len, ret = 0;
	ssize_t n = -1;

	snprintf(path, sizeof(path), "/proc/%d/%s", pid, name);
	len = snprintf(buf, sizeof(buf), "%lld", val);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd >= 0)
		n = write(fd, buf, len);
	if (n != len) {
		ret = n < 0 ? -errno : -EIO;
		pr_perror("Can't write %s to %s", buf, path);
	}
	if (fd >= 0)
		close(fd);
	return ret;
}

/* A prctl getter that stores an int at the address in its second argument. */
static int get_prctl_int(struct dump_ctx *dc, const char *what, int option, int *val)
{
	long ret;
	int err;

	err = dump_call(dc, what, &ret, __NR_prctl, option, dc->scratch, 0);
	if (err)
		return err;
	return compel_read_mem(dc->pid, dc->scratch, val, sizeof(*val));
}

static int dump_proc_files(pid_t pid, TaskCoreEntry *tc)
{
	char path[64];
	long long val;
	int ret;

	ret = read_proc_long(pid, "oom_score_adj", &val);
	if (ret)
		return ret;
	tc->has_oom_score_adj = true;
	tc->oom_score_adj = val;
	snprintf(path, sizeof(path), "/proc/%d/loginuid", pid);
	if (access(path, F_OK) && errno == ENOENT)
		return 0;	/* a kernel without audit */
	ret = read_proc_long(pid, "loginuid", &val);
	if (ret)
		return ret;
	tc->has_loginuid = true;
	tc->loginuid = val;
	return 0;
}

/*
 * Before Linux 6.3 there is no MEMBARRIER_CMD_GET_REGISTRATIONS: a
 * private expedited barrier fails with EPERM unless the process
 * registered for it, which tells for the three private kinds. A global
 * expedited registration can't be seen there and is not restored.
 */
static int membarrier_probe(struct dump_ctx *dc, long *mask)
{
	static const struct {
		int cmd, reg;
	} kinds[] = {
		{ MEMBARRIER_CMD_PRIVATE_EXPEDITED, MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED },
		{ MEMBARRIER_CMD_PRIVATE_EXPEDITED_SYNC_CORE,
		  MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED_SYNC_CORE },
		{ 1 << 7, 1 << 8 },	/* PRIVATE_EXPEDITED_RSEQ, Linux 5.10 */
	};
	unsigned int i;
	long ret;
	int err;

	*mask = 0;
	for (i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
		err = dump_probe(dc, __NR_membarrier, &ret, kinds[i].cmd, 0, 0, 0, 0);
		if (err)
			return err;
		if (!ret)
			*mask |= kinds[i].reg;
	}
	pr_warn("pid %d: no MEMBARRIER_CMD_GET_REGISTRATIONS: a global expedited membarrier registration would not be seen\n",
		dc->pid);
	return 0;
}

static int dump_membarrier(struct dump_ctx *dc, TaskCoreEntry *tc)
{
	long mask;
	int ret;

	ret = dump_probe(dc, __NR_membarrier, &mask, MEMBARRIER_GET_REGISTRATIONS,
			   0, 0, 0, 0);
	if (!ret && mask == -EINVAL)
		ret = membarrier_probe(dc, &mask);
	if (ret)
		return ret;
	if (mask < 0) {
		pr_err("membarrier(MEMBARRIER_CMD_GET_REGISTRATIONS) in pid %d failed: %s\n",
		       dc->pid, strerror(-mask));
		return mask;
	}
	if (mask & ~MEMBARRIER_REGISTER_MASK) {
		pr_err("criu: pid %d: membarrier registrations %#lx: not supported\n",
		       dc->pid, mask);
		return -EOPNOTSUPP;
	}
	if (mask) {
		tc->has_membarrier_registration_mask = true;
		tc->membarrier_registration_mask = mask;
	}
	return 0;
}

int dump_prctl_state(struct dump_ctx *dc, CoreEntry *core)
{
	TaskCoreEntry *tc = core->tc;
	int val, ret;

	ret = dump_proc_files(dc->pid, tc);
	if (ret)
		return ret;
	ret = get_prctl_int(dc, "prctl(PR_GET_CHILD_SUBREAPER)",
			    PR_GET_CHILD_SUBREAPER, &val);
	if (ret)
		return ret;
	tc->has_child_subreaper = true;
	tc->child_subreaper = val;
	return dump_membarrier(dc, tc);
}

/* ---- restore ---- */

/* Only a task itself may set its loginuid, through its own /proc file. */
static int restore_loginuid(struct rst_ctx *rc, uint32_t want)
{
	static const char path[] = "/proc/self/loginuid";
	unsigned long a_path, a_buf;
	long long cur;
	char buf[16];
	long fd;
	int len, ret;

	ret = read_proc_long(rc->pid, "loginuid", &cur);
	if (ret)
		return ret;
	if ((uint32_t)cur == want)
		return 0;
	len = snprintf(buf, sizeof(buf), "%u", want);
	a_path = rst_scratch_put(rc, path, sizeof(path));
	a_buf = rst_scratch_put(rc, buf, len);
	if (!a_path || !a_buf)
		return -ENOSPC;
	fd = rst_syscall(rc, "open /proc/self/loginuid", __NR_openat, AT_FDCWD,
			 a_path, O_WRONLY | O_CLOEXEC, 0, 0, 0);
	if (fd < 0) {
		ret = fd;
		goto out;
	}
	ret = rst_syscall(rc, "write loginuid", __NR_write, fd, a_buf, len, 0, 0, 0);
	if (ret >= 0 && ret != len)
		ret = -EIO;
	if (ret > 0)
		ret = 0;
	rst_call(rc, "close", __NR_close, fd, 0, 0, 0);
out:
	rst_scratch_reset(rc);
	if (ret)
		pr_err("%d: can't set loginuid %u (from %lld)\n", rc->pid, want, cur);
	return ret;
}

static int restore_membarrier(struct rst_ctx *rc, uint32_t mask)
{
	unsigned int bit;
	int ret;

	if (mask & ~MEMBARRIER_REGISTER_MASK) {
		pr_err("core-%d.img: unknown membarrier registrations %#x\n", rc->pid, mask);
		return -EINVAL;
	}
	for (bit = 0; bit < 32; bit++) {
		if (!(mask & (1U << bit)))
			continue;
		ret = rst_call(rc, "membarrier register", __NR_membarrier, 1U << bit, 0, 0, 0);
		if (ret)
			return ret;
	}
	return 0;
}

int restore_prctl_state(struct rst_ctx *rc, const CoreEntry *core)
{
	const TaskCoreEntry *tc = core->tc;
	int ret = 0;

	if (tc->has_oom_score_adj)
		ret = write_proc_long(rc->pid, "oom_score_adj", tc->oom_score_adj);
	if (!ret && tc->has_loginuid)
		ret = restore_loginuid(rc, tc->loginuid);
	if (!ret && tc->has_child_subreaper && tc->child_subreaper)
		ret = rst_call(rc, "prctl(PR_SET_CHILD_SUBREAPER)", __NR_prctl,
			       PR_SET_CHILD_SUBREAPER, 1, 0, 0);
	if (!ret && tc->has_membarrier_registration_mask)
		ret = restore_membarrier(rc, tc->membarrier_registration_mask);
	return ret;
}

int restore_dumpable(struct rst_ctx *rc, const MmEntry *mm)
{
	if (!mm->has_dumpable)
		return 0;
	return rst_call(rc, "prctl(PR_SET_DUMPABLE)", __NR_prctl, PR_SET_DUMPABLE,
			mm->dumpable, 0, 0);
}
