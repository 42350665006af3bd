// SPDX-License-Identifier: GPL-2.0
/*
 * The operations every tracker gets on its target besides the basic
 * ones (dirty-tracker.h): checked injected calls, a descriptor parked
 * inside the target between criu invocations, and the holes of an area.
 * They are built on the basic operations only, so the tracker tests'
 * own target gets them too (track_target_set_ops()).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "log.h"
#include "pagemap-walk.h"
#include "tracking.h"
#include "zero-page.h"

/* Lowest number tried for a parked descriptor. */
#define PARK_FD_BASE	1000

static int track_call(struct track_target *t, const char *what, long nr,
		      long *ret, unsigned long a1, unsigned long a2,
		      unsigned long a3, unsigned long a4)
{
	int err;

	err = t->syscall(t, nr, ret, a1, a2, a3, a4, 0, 0);
	if (err) {
		pr_err("Can't run %s in pid %d: %d\n", what, t->pid, err);
		return err;
	}
	if (*ret < 0 && *ret >= -4095) {
		pr_err("%s in pid %d failed: %s\n", what, t->pid,
		       strerror((int)-*ret));
		return (int)*ret;
	}
	return 0;
}

static void track_close_in_target(struct track_target *t, int fd)
{
	long ret;

	track_call(t, "close", __NR_close, &ret, fd, 0, 0, 0);
}

/*
 * Where to park: high, out of the way of the numbers a program usually
 * gets, but below its soft RLIMIT_NOFILE, which the target itself is
 * asked for (prlimit() on it would want CAP_SYS_RESOURCE).
 */
static int park_base(struct track_target *t, unsigned long *base)
{
	struct rlimit rl;
	long ret;
	int err;

	if (t->scratch_size < sizeof(rl)) {
		pr_err("No scratch room in pid %d\n", t->pid);
		return -ENOSPC;
	}
	err = track_call(t, "getrlimit(RLIMIT_NOFILE)", __NR_getrlimit, &ret,
			 RLIMIT_NOFILE, t->scratch, 0, 0);
	if (!err)
		err = t->read_mem(t, t->scratch, &rl, sizeof(rl));
	if (err)
		return err;
	if (rl.rlim_cur < 16) {
		pr_err("Pid %d may open only %llu descriptors\n", t->pid,
		       (unsigned long long)rl.rlim_cur);
		return -EMFILE;
	}
	if (rl.rlim_cur > PARK_FD_BASE + 24)
		*base = PARK_FD_BASE;
	else
		*base = rl.rlim_cur - rl.rlim_cur / 8;
	return 0;
}

/* Device and inode of the file at descriptor @fd of @pid; -ESTALE: none. */
static int fd_identity(pid_t pid, int fd, uint64_t *dev, uint64_t *ino)
{
	char path[64];
	struct stat sb;

	if (fd < 0)
		return -ESTALE;
	snprintf(path, sizeof(path), "/proc/%d/fd/%d", pid, fd);
	if (stat(path, &sb))
		return errno == ENOENT ? -ESTALE : -errno;
	*dev = sb.st_dev;
	*ino = sb.st_ino;
	return 0;
}

/* Move @fd to the lowest free number from @base up; where it is if none is. */
static int park_move(struct track_target *t, int fd, unsigned long base, long *high)
{
	int ret;

	ret = t->syscall(t, __NR_fcntl, high, fd, F_DUPFD_CLOEXEC, base, 0, 0, 0);
	if (ret) {
		pr_err("Can't run fcntl(F_DUPFD_CLOEXEC) in pid %d: %d\n", t->pid, ret);
		return ret;
	}
	if (*high == -EMFILE || *high == -EINVAL) {
		pr_warn("No free descriptor from %lu up in pid %d: the tracker's stays at %d\n",
			base, t->pid, fd);
		*high = fd;
		return 0;
	}
	if (*high < 0) {
		pr_err("fcntl(F_DUPFD_CLOEXEC) in pid %d failed: %s\n", t->pid,
		       strerror((int)-*high));
		return (int)*high;
	}
	track_close_in_target(t, fd);
	return 0;
}

static int track_park_fd(struct track_target *t, int fd, struct track_state *st)
{
	unsigned long base;
	long high = fd;
	int ret;

	ret = park_base(t, &base);
	if (!ret && (unsigned long)fd < base)
		ret = park_move(t, fd, base, &high);
	if (ret) {
		track_close_in_target(t, fd);
		return ret;
	}
	ret = fd_identity(t->pid, high, &st->target_dev, &st->target_ino);
	if (ret) {
		pr_err("Can't identify fd %ld of pid %d: %s\n", high, t->pid,
		       strerror(-ret));
		track_close_in_target(t, high);
		return ret;
	}
	st->target_fd = high;
	return 0;
}

/* Is the target's parked descriptor still the file park_fd() recorded? */
static int parked_check(struct track_target *t, const struct track_state *st)
{
	uint64_t dev = 0, ino = 0;
	int ret;

	ret = fd_identity(t->pid, st->target_fd, &dev, &ino);
	if (!ret && (dev != st->target_dev || ino != st->target_ino))
		ret = -ESTALE;
	if (ret == -ESTALE)
		pr_warn("Pid %d lost the tracker's fd %d (exec, close or dup2?)\n",
			t->pid, st->target_fd);
	else if (ret)
		pr_err("Can't check fd %d of pid %d: %s\n", st->target_fd,
		       t->pid, strerror(-ret));
	return ret;
}

static int track_parked_fd(struct track_target *t, const struct track_state *st)
{
	int ret, fd;

	ret = parked_check(t, st);
	if (ret)
		return ret;
	fd = t->get_fd(t, st->target_fd);
	if (fd < 0)
		pr_err("Can't get fd %d of pid %d: %s\n", st->target_fd, t->pid,
		       strerror(-fd));
	return fd;
}

static int track_unpark_fd(struct track_target *t, struct track_state *st)
{
	long ret;
	int err;

	if (st->target_fd < 0)
		return 0;
	err = track_call(t, "close", __NR_close, &ret, st->target_fd, 0, 0, 0);
	if (err)
		return err;
	st->target_fd = -1;
	st->target_dev = st->target_ino = 0;
	return 0;
}

/* Is the pagemap entry @pme a hole in the sense of *@flags? */
static bool pme_is_hole(uint64_t pme, void *flags_ptr)
{
	unsigned int flags = *(unsigned int *)flags_ptr;

	if (pme & PME_PRESENT)
		return (flags & TRACK_HOLE_ZERO) && pme_is_zero_page(pme);
	return !(pme & PME_SWAP) || (flags & TRACK_HOLE_SWAPPED);
}

/* The holes in one PAGEMAP_SCAN walk, or two when it can't say it in one. */
static int holes_by_scan(int pagemap, unsigned long start, unsigned long end,
			 unsigned int flags, struct range_set *out)
{
	__u64 absent = flags & TRACK_HOLE_SWAPPED ? PAGE_IS_PRESENT :
			PAGE_IS_PRESENT | PAGE_IS_SWAPPED;
	struct pm_scan_arg holes = {
		.category_mask = absent,
		.category_inverted = absent,
		.return_mask = absent,
	};
	struct pm_scan_arg zero = {
		.category_mask = PAGE_IS_PFNZERO,
		.return_mask = PAGE_IS_PFNZERO,
	};
	int ret;

	if (flags == (TRACK_HOLE_SWAPPED | TRACK_HOLE_ZERO)) {
		/* Not present, or the zero page. */
		holes.category_mask = 0;
		holes.category_anyof_mask = PAGE_IS_PRESENT | PAGE_IS_PFNZERO;
		holes.return_mask = PAGE_IS_PRESENT | PAGE_IS_PFNZERO;
		return pagemap_scan_walk(pagemap, &holes, start, end, out);
	}
	ret = pagemap_scan_walk(pagemap, &holes, start, end, out);
	if (!ret && (flags & TRACK_HOLE_ZERO))
		ret = pagemap_scan_walk(pagemap, &zero, start, end, out);
	return ret;
}

static int track_add_holes(struct track_target *t, unsigned long start,
			   unsigned long end, unsigned int flags,
			   struct range_set *out)
{
	int ret;

	ret = holes_by_scan(t->pagemap, start, end, flags, out);
	if (ret == -ENOTTY || ret == -EINVAL)
		ret = pagemap_read_walk(t->pagemap, start, end, pme_is_hole,
					&flags, out);
	if (ret)
		pr_err("Can't find the holes of pid %d at %lx-%lx: %s\n",
		       t->pid, start, end, strerror(-ret));
	return ret;
}

void track_target_set_ops(struct track_target *t)
{
	t->call = track_call;
	t->park_fd = track_park_fd;
	t->parked_fd = track_parked_fd;
	t->unpark_fd = track_unpark_fd;
	t->add_holes = track_add_holes;
}
