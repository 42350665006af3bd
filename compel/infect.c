// SPDX-License-Identifier: GPL-2.0
/*
 * Preparing a seized task for remote system calls, and undoing it.
 * Everything compel_infect() changes is saved in the ctl and put back
 * by compel_cure(): registers, blocked mask, the stack bytes the frames
 * of the way home took (or, in legacy mode, the bytes at the site).
 *
 * The order of the steps is what keeps the task whole if criu dies
 * between two of them (return.c): the way home is in place before the
 * registers point at it, the registers point at it before the mask is
 * changed, and cure puts the mask back before the registers.
 */
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "compel.h"
#include "compel-priv.h"
#include "log.h"

/*
 * Everything is blocked while injected calls run, so no handler can
 * start in the middle (the kernel leaves SIGKILL and SIGSTOP out).
 */
#define INJECT_SIGMASK	(~0ULL)

#define FD_RANGES	6	/* free ranges closed on the way home */

struct fd_ranges {
	unsigned int lo[FD_RANGES], hi[FD_RANGES];
	unsigned int nr;
};

static int cmp_int(const void *a, const void *b)
{
	return *(const int *)a - *(const int *)b;
}

/* The descriptor numbers @pid has open, sorted; *@fds malloc()ed. */
static int list_fds(pid_t pid, int **fds, unsigned int *nr)
{
	unsigned int cap = 64;
	struct dirent *de;
	char path[64];
	int *tmp;
	DIR *d;

	snprintf(path, sizeof(path), "/proc/%d/fd", pid);
	d = opendir(path);
	if (!d) {
		int ret = errno == ENOENT ? -ESRCH : -errno;

		pr_perror("Can't open %s", path);
		return ret;
	}
	*nr = 0;
	*fds = malloc(cap * sizeof(**fds));
	while (*fds && (de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		if (*nr == cap) {
			cap *= 2;
			tmp = realloc(*fds, cap * sizeof(**fds));
			if (!tmp) {
				free(*fds);
				*fds = NULL;
				break;
			}
			*fds = tmp;
		}
		(*fds)[(*nr)++] = atoi(de->d_name);
	}
	closedir(d);
	if (!*fds)
		return -ENOMEM;
	qsort(*fds, *nr, sizeof(**fds), cmp_int);
	return 0;
}

/*
 * The numbers free now, lowest ranges first (where pipe(), dup() and
 * the like put new descriptors), and always the one above the highest.
 */
static int free_fd_ranges(pid_t pid, struct fd_ranges *r)
{
	unsigned int i, nr = 0, next = 0;
	int *fds, ret;

	ret = list_fds(pid, &fds, &nr);
	if (ret)
		return ret;
	r->nr = 0;
	for (i = 0; i < nr && r->nr < FD_RANGES - 1; i++) {
		if ((unsigned int)fds[i] > next) {
			r->lo[r->nr] = next;
			r->hi[r->nr++] = fds[i] - 1;
		}
		next = fds[i] + 1;
	}
	r->lo[r->nr] = nr ? fds[nr - 1] + 1 : 0;
	r->hi[r->nr++] = ~0U;
	free(fds);
	return 0;
}

/*
 * Self-return mode: frames below the stack, calls at the task's code.
 * Descriptors opened in the task at numbers free at infect time (the
 * pipes of a pre-dump, a tracker's parked one) are closed on the way
 * home: the task is stopped, so any it has there when criu dies are
 * ours.
 */
static int prepare_home(struct compel_ctl *ctl)
{
	struct fd_ranges r;
	unsigned int i;
	int ret;

	ret = free_fd_ranges(ctl->pid, &r);
	if (!ret)
		ret = compel_home_build(ctl);
	if (ret)
		return ret;
	ret = compel_home_park(ctl);
	for (i = 0; ret >= 0 && i < r.nr; i++)
		ret = compel_release_call(ctl, __NR_close_range, r.lo[i],
					  r.hi[i], 0, 0, 0, 0);
	if (ret < 0) {
		compel_set_regs(ctl->pid, &ctl->regs);
		compel_home_remove(ctl);
		return ret;
	}
	return 0;
}

static int prepare(struct compel_ctl *ctl, unsigned long site)
{
	int ret;

	ret = compel_get_regs(ctl->pid, &ctl->regs);
	if (!ret)
		ret = compel_get_sigmask(ctl->pid, &ctl->sigmask);
	if (ret)
		return ret;
	if (site) {
		ctl->legacy = true;
		return compel_place_code(ctl, site);
	}
	return prepare_home(ctl);
}

/* Undo prepare(): registers first, then what they pointed at. */
static void unprepare(struct compel_ctl *ctl)
{
	compel_set_regs(ctl->pid, &ctl->regs);
	if (ctl->legacy)
		compel_remove_code(ctl);
	else
		compel_home_remove(ctl);
}

struct compel_ctl *compel_infect(pid_t pid, unsigned long site)
{
	struct compel_ctl *ctl;
	int ret;

	ctl = calloc(1, sizeof(*ctl));
	if (!ctl) {
		pr_err("No memory for the ctl of %d\n", pid);
		errno = ENOMEM;
		return NULL;
	}
	ctl->pid = pid;
	ret = prepare(ctl, site);
	if (ret)
		goto err_free;
	ret = compel_set_sigmask(pid, INJECT_SIGMASK);
	if (ret)
		goto err_unprepare;
	return ctl;

err_unprepare:
	unprepare(ctl);
err_free:
	pr_err("Can't infect %d\n", pid);
	free(ctl);
	errno = -ret;
	return NULL;
}

pid_t compel_ctl_pid(const struct compel_ctl *ctl)
{
	return ctl->pid;
}

unsigned long compel_ctl_site(const struct compel_ctl *ctl)
{
	return ctl->site;
}

int compel_ctl_self_return(const struct compel_ctl *ctl)
{
	return !ctl->legacy;
}

/*
 * Registers go back with rax and orig_rax as seized, so a task stopped
 * inside an interrupted syscall restarts it when resumed. After our
 * calls it sits in a syscall-exit stop, where the kernel does that
 * restart (and signal delivery) only with a signal pending; detach
 * marks one (it wakes the tracee with TIF_SIGPENDING set), and so does
 * the detach that follows criu's death. The mask goes back first: with
 * the registers still at the way home, a death in between lands on the
 * frame's copy of the same mask. Every step is tried even if one
 * fails; the first error is returned.
 */
int compel_cure(struct compel_ctl *ctl)
{
	int ret, err = 0;

	pr_debug("pid %d: curing\n", ctl->pid);
	ret = compel_set_sigmask(ctl->pid, ctl->sigmask);
	if (ret)
		err = ret;
	ret = compel_set_regs(ctl->pid, &ctl->regs);
	if (ret && !err)
		err = ret;
	if (ctl->legacy)
		ret = compel_remove_code(ctl);
	else
		ret = compel_home_remove(ctl);
	if (ret && !err)
		err = ret;
	if (err)
		pr_err("Can't cure %d fully\n", ctl->pid);
	free(ctl);
	return err;
}
