// SPDX-License-Identifier: GPL-2.0
/*
 * The seized target as trackers see it (struct track_target): its
 * private areas, its pagemap, and injection and memory access through
 * compel and the dump's infection.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "compel.h"
#include "dump.h"
#include "infect.h"
#include "log.h"
#include "pstree.h"
#include "tracking.h"
#include "vma.h"

static struct dump_ctx *target_dc(struct track_target *t)
{
	return t->criu_priv;
}

static int target_syscall(struct track_target *t, long nr, long *ret,
			  unsigned long a1, unsigned long a2, unsigned long a3,
			  unsigned long a4, unsigned long a5, unsigned long a6)
{
	struct dump_ctx *dc = target_dc(t);
	int err;

	/* The plugin contract keeps "could not inject" apart from the result. */
	err = compel_syscall(dc->ctl, nr, ret, a1, a2, a3, a4, a5, a6);
	if (err)
		pr_err("Can't inject a tracker's syscall %ld into pid %d: %d\n",
		       nr, dc->pid, err);
	return err;
}

static int target_write_mem(struct track_target *t, unsigned long addr,
			    const void *buf, size_t len)
{
	return compel_write_mem(t->pid, addr, buf, len);
}

static int target_read_mem(struct track_target *t, unsigned long addr,
			   void *buf, size_t len)
{
	return compel_read_mem(t->pid, addr, buf, len);
}

static int target_get_fd(struct track_target *t, int fd)
{
	int pidfd, ret;

	pidfd = dump_pidfd(target_dc(t));
	if (pidfd < 0)
		return pidfd;
	ret = syscall(SYS_pidfd_getfd, pidfd, fd, 0);
	if (ret < 0) {
		ret = -errno;
		pr_perror("pidfd_getfd of fd %d of pid %d", fd, t->pid);
	}
	close(pidfd);
	return ret;
}

static int target_areas(struct track_target *t, const struct vma_list *vmas)
{
	struct track_area *areas;
	unsigned int i, n = 0;

	areas = calloc(vmas->nr ? vmas->nr : 1, sizeof(*areas));
	if (!areas)
		return -ENOMEM;
	for (i = 0; i < vmas->nr; i++) {
		const struct vma_area *v = &vmas->vmas[i];

		if (vma_is_special(v) ||
		    !(v->status & (VMA_ANON_PRIVATE | VMA_FILE_PRIVATE)))
			continue;
		areas[n].start = v->start;
		areas[n].end = v->end;
		areas[n].shared = false;
		n++;
	}
	t->areas = areas;
	t->nr_areas = n;
	return 0;
}

int track_target_init(struct track_target *t, struct dump_ctx *dc,
		      const struct vma_list *vmas)
{
	char path[64];
	int ret;

	memset(t, 0, sizeof(*t));
	t->pid = dc->pid;
	snprintf(path, sizeof(path), "/proc/%d/pagemap", t->pid);
	t->pagemap = open(path, O_RDONLY | O_CLOEXEC);
	if (t->pagemap < 0) {
		ret = -errno;
		pr_perror("Can't open %s", path);
		return ret;
	}
	ret = target_areas(t, vmas);
	if (ret) {
		close(t->pagemap);
		return ret;
	}
	t->syscall = target_syscall;
	t->scratch = dc->scratch;
	t->scratch_size = dc->scratch_size;
	t->write_mem = target_write_mem;
	t->read_mem = target_read_mem;
	t->get_fd = target_get_fd;
	track_target_set_ops(t);
	t->criu_priv = dc;
	return 0;
}

void track_target_fini(struct track_target *t)
{
	free((void *)t->areas);
	t->areas = NULL;
	if (t->pagemap >= 0)
		close(t->pagemap);
	t->pagemap = -1;
}
