// SPDX-License-Identifier: GPL-2.0
/*
 * The pagemap-scan dirty tracker.
 *
 * A userfaultfd in asynchronous write-protect mode (UFFD_FEATURE_WP_ASYNC)
 * is registered over the target's areas. The kernel then clears a page's
 * uffd-wp bit itself on the first write, without a fault message, and
 * the PAGEMAP_SCAN ioctl of /proc/PID/pagemap lists the pages whose bit
 * is clear (PAGE_IS_WRITTEN) and sets it again in the same walk. A write
 * to a protected transparent huge page splits it, so the answer stays
 * precise to 4 KiB.
 *
 * A userfaultfd is bound to the mm of the process that creates it, so
 * the target creates it (an injected syscall). It is moved to a high
 * descriptor number, which the state records; criu works on a duplicate
 * taken with get_fd(), as the ioctls act on the context's mm whoever
 * calls them. Exec drops the descriptor (close-on-exec) together with the
 * mm: collect() then finds it gone and answers -ESTALE.
 *
 * Only pages that exist are protected; holes are reported every time
 * (see pms_scan_holes()), as a page dropped since the last pass must be.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/userfaultfd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "dirty-tracker.h"
#include "log.h"
#include "trackers.h"
#include "uapi-pagemap-scan.h"

#define PMS_NAME		"pagemap-scan"
#define PMS_NEED_FEATURES	(UFFD_FEATURE_WP_ASYNC | UFFD_FEATURE_WP_UNPOPULATED)
/* Lowest descriptor number tried for the target's userfaultfd. */
#define PMS_FD_BASE		1000
/* Regions asked per PAGEMAP_SCAN call. */
#define PMS_VEC_LEN		4096
#define PMS_UFFD_LINK		"anon_inode:[userfaultfd]"
/*
 * Only pages that exist are looked at (and protected). Protecting a
 * hole would allocate a page table to hold its marker: 16 MiB for 8 GiB
 * of untouched address space. An unprotected hole costs nothing: a page
 * faulted in there later comes without the uffd-wp bit, so as written.
 */
#define PMS_ANYOF		(PAGE_IS_PRESENT | PAGE_IS_SWAPPED)

/* What start() leaves in track_state.data, and collect() reads back. */
struct pms_state {
	int fd;			/* the userfaultfd's number in the target */
	unsigned long ino;	/* its inode: tells it from a later one */
};

/* One collect()/start() pass over the target. */
struct pms_pass {
	struct track_target *t;
	int uffd;		/* criu's duplicate of the target's fd */
	int pagemap;		/* /proc/PID/pagemap */
	struct page_region *vec;
};

static int pms_state_parse(const struct track_state *st, struct pms_state *ps)
{
	if (strcmp(st->tracker, PMS_NAME) ||
	    sscanf(st->data, "uffd=%d ino=%lu", &ps->fd, &ps->ino) != 2 ||
	    ps->fd < 0) {
		pr_err("%s: bad tracker state \"%.*s\" for pid %d\n", PMS_NAME,
		       (int)sizeof(st->data), st->data, st->pid);
		return -EINVAL;
	}
	return 0;
}

int pagemap_scan_target_fd(const struct track_state *st)
{
	int fd;
	unsigned long ino;

	if (strcmp(st->tracker, PMS_NAME) ||
	    sscanf(st->data, "uffd=%d ino=%lu", &fd, &ino) != 2)
		return -1;
	return fd;
}

/* A userfaultfd of our own, for questions about the kernel. */
static int pms_local_uffd(void)
{
	int fd;

	fd = syscall(__NR_userfaultfd, O_CLOEXEC | O_NONBLOCK);
	if (fd < 0 && errno == EPERM)
		fd = syscall(__NR_userfaultfd,
			     O_CLOEXEC | O_NONBLOCK | UFFD_USER_MODE_ONLY);
	return fd < 0 ? -errno : fd;
}

/* UFFDIO_API with no features asked answers with all the kernel has. */
static int pms_kernel_features(__u64 *features)
{
	struct uffdio_api api = { .api = UFFD_API, .features = 0 };
	int fd, ret = 0;

	fd = pms_local_uffd();
	if (fd < 0)
		return fd;
	if (ioctl(fd, UFFDIO_API, &api)) {
		ret = -errno;
		pr_perror("%s: UFFDIO_API on a probe userfaultfd", PMS_NAME);
	}
	close(fd);
	*features = api.features;
	return ret;
}

static int pms_probe_scan(void)
{
	struct pm_scan_arg arg = { .size = sizeof(arg) };
	static char page[4096] __attribute__((aligned(4096)));
	int fd, ret = 0;

	fd = open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	arg.start = (unsigned long)page;
	arg.end = arg.start + sizeof(page);
	arg.category_mask = PAGE_IS_PRESENT;
	arg.return_mask = PAGE_IS_PRESENT;
	if (ioctl(fd, PAGEMAP_SCAN, &arg) < 0)
		ret = -errno;
	close(fd);
	return ret;
}

static int pms_probe(char *why, size_t len)
{
	__u64 features = 0;
	int ret;

	ret = pms_kernel_features(&features);
	if (ret == -ENOSYS) {
		snprintf(why, len, "kernel without userfaultfd");
		return -EOPNOTSUPP;
	}
	if (ret < 0) {
		snprintf(why, len, "userfaultfd unusable: %s", strerror(-ret));
		return ret;
	}
	if ((features & PMS_NEED_FEATURES) != PMS_NEED_FEATURES) {
		snprintf(why, len, "userfaultfd without WP_ASYNC/WP_UNPOPULATED (Linux 6.7+ needed)");
		return -EOPNOTSUPP;
	}
	ret = pms_probe_scan();
	if (ret == -ENOTTY || ret == -EINVAL) {
		snprintf(why, len, "/proc/PID/pagemap without PAGEMAP_SCAN (Linux 6.7+ needed)");
		return -EOPNOTSUPP;
	}
	if (ret < 0) {
		snprintf(why, len, "PAGEMAP_SCAN failed: %s", strerror(-ret));
		return ret;
	}
	snprintf(why, len, "userfaultfd WP_ASYNC and PAGEMAP_SCAN available");
	return 0;
}

/* Soft RLIMIT_NOFILE of @pid from /proc/PID/limits. */
static int pms_nofile_limit(pid_t pid, unsigned long *limit)
{
	char path[64], line[256];
	int ret = -ENOENT;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/limits", pid);
	f = fopen(path, "re");
	if (!f) {
		ret = -errno;
		pr_perror("%s: can't open %s", PMS_NAME, path);
		return ret;
	}
	while (fgets(line, sizeof(line), f)) {
		char soft[32];

		if (strncmp(line, "Max open files", 14))
			continue;
		if (sscanf(line + 14, "%31s", soft) != 1)
			break;
		*limit = strcmp(soft, "unlimited") ? strtoul(soft, NULL, 10) : ~0UL;
		ret = 0;
		break;
	}
	fclose(f);
	if (ret)
		pr_err("%s: no \"Max open files\" in %s\n", PMS_NAME, path);
	return ret;
}

/*
 * Where to put the target's userfaultfd: high, out of the way of the
 * numbers a program usually gets, but below its descriptor limit.
 */
static int pms_fd_base(pid_t pid, unsigned long *base)
{
	unsigned long limit;
	int ret;

	ret = pms_nofile_limit(pid, &limit);
	if (ret)
		return ret;
	if (limit < 16) {
		pr_err("%s: pid %d may open only %lu descriptors\n", PMS_NAME,
		       pid, limit);
		return -EMFILE;
	}
	*base = limit > PMS_FD_BASE + 24 ? PMS_FD_BASE : limit - limit / 8;
	return 0;
}

static int pms_remote(struct track_target *t, const char *what, long nr,
		      long *ret, unsigned long a1, unsigned long a2,
		      unsigned long a3)
{
	int err;

	err = t->syscall(t, nr, ret, a1, a2, a3, 0, 0, 0);
	if (err) {
		pr_err("%s: can't run %s in pid %d: %d\n", PMS_NAME, what,
		       t->pid, err);
		return err;
	}
	if (*ret < 0 && *ret >= -4095) {
		pr_err("%s: %s in pid %d failed: %s\n", PMS_NAME, what, t->pid,
		       strerror((int)-*ret));
		return (int)*ret;
	}
	return 0;
}

static void pms_remote_close(struct track_target *t, int fd)
{
	long ret;

	pms_remote(t, "close", __NR_close, &ret, fd, 0, 0);
}

/* Create the userfaultfd inside the target, at a number >= its base. */
static int pms_create_in_target(struct track_target *t, int *fd)
{
	unsigned long base;
	long uffd = 0, high;
	int ret;

	ret = pms_fd_base(t->pid, &base);
	if (ret)
		return ret;
	/* An unprivileged target may only get a user-mode-only one. */
	ret = t->syscall(t, __NR_userfaultfd, &uffd, O_CLOEXEC | O_NONBLOCK,
			 0, 0, 0, 0, 0);
	if (!ret && uffd == -EPERM)
		ret = t->syscall(t, __NR_userfaultfd, &uffd,
				 O_CLOEXEC | O_NONBLOCK | UFFD_USER_MODE_ONLY,
				 0, 0, 0, 0, 0);
	if (ret || uffd < 0) {
		pr_err("%s: userfaultfd in pid %d failed: %ld/%d\n", PMS_NAME,
		       t->pid, uffd, ret);
		return ret ? ret : (int)uffd;
	}
	ret = pms_remote(t, "fcntl(F_DUPFD_CLOEXEC)", __NR_fcntl, &high, uffd,
			 F_DUPFD_CLOEXEC, base);
	pms_remote_close(t, uffd);
	if (ret)
		return ret;
	*fd = high;
	return 0;
}

/*
 * Is descriptor @fd of @pid still a userfaultfd, and which one? Each
 * userfaultfd has an inode of its own, so a new one put at the same
 * number by the program is told apart.
 */
static int pms_fd_identity(pid_t pid, int fd, unsigned long *ino)
{
	char path[64], link[64];
	struct stat sb;
	ssize_t len;

	snprintf(path, sizeof(path), "/proc/%d/fd/%d", pid, fd);
	len = readlink(path, link, sizeof(link) - 1);
	if (len < 0)
		return errno == ENOENT ? -ESTALE : -errno;
	link[len] = '\0';
	if (strcmp(link, PMS_UFFD_LINK))
		return -ESTALE;
	if (stat(path, &sb))
		return errno == ENOENT ? -ESTALE : -errno;
	*ino = sb.st_ino;
	return 0;
}

static int pms_register(struct pms_pass *p, const struct track_area *a)
{
	struct uffdio_register reg = {
		.range = { .start = a->start, .len = a->end - a->start },
		.mode = UFFDIO_REGISTER_MODE_WP,
	};

	if (ioctl(p->uffd, UFFDIO_REGISTER, &reg)) {
		int ret = -errno;

		/* Mappings the kernel won't track are reported whole instead. */
		pr_info("%s: pid %d area %lx-%lx not tracked: %s\n", PMS_NAME,
			p->t->pid, a->start, a->end, strerror(errno));
		return ret;
	}
	return 0;
}

static void pms_unregister(struct pms_pass *p, const struct track_area *a)
{
	struct uffdio_range range = { .start = a->start, .len = a->end - a->start };

	if (ioctl(p->uffd, UFFDIO_UNREGISTER, &range))
		pr_debug("%s: unregister pid %d area %lx-%lx: %m\n", PMS_NAME,
			 p->t->pid, a->start, a->end);
}

/* Run the PAGEMAP_SCAN @arg over [@start, @end), adding what it returns. */
static int pms_walk(struct pms_pass *p, struct pm_scan_arg *arg,
		    unsigned long start, unsigned long end,
		    struct range_set *dirty)
{
	long nr, i;
	int ret;

	arg->vec = (unsigned long)p->vec;
	arg->vec_len = PMS_VEC_LEN;
	arg->start = start;
	arg->end = end;
	while (arg->start < arg->end) {
		nr = ioctl(p->pagemap, PAGEMAP_SCAN, arg);
		if (nr < 0)
			return -errno;
		for (i = 0; dirty && i < nr; i++) {
			ret = range_set_add(dirty, p->vec[i].start, p->vec[i].end);
			if (ret)
				return ret;
		}
		if (arg->walk_end <= arg->start) {
			pr_err("%s: PAGEMAP_SCAN of pid %d made no progress at %llx\n",
			       PMS_NAME, p->t->pid, (unsigned long long)arg->start);
			return -EIO;
		}
		arg->start = arg->walk_end;
	}
	return 0;
}

/*
 * Collect the written pages of [@start, @end) into @dirty (when not
 * NULL) and write-protect them again. -EPERM: part of the range is not
 * registered with an async write-protect userfaultfd.
 */
static int pms_scan(struct pms_pass *p, unsigned long start, unsigned long end,
		    struct range_set *dirty)
{
	struct pm_scan_arg arg = {
		.size = sizeof(arg),
		.flags = PM_SCAN_WP_MATCHING | PM_SCAN_CHECK_WPASYNC,
		.category_mask = PAGE_IS_WRITTEN,
		.category_anyof_mask = PMS_ANYOF,
		.return_mask = PAGE_IS_WRITTEN,
	};

	return pms_walk(p, &arg, start, end, dirty);
}

/*
 * Add the holes of [@start, @end): pages neither present nor swapped.
 * Holes are never protected, so one that held a page at the last pass
 * (dropped by MADV_DONTNEED since) can't be told from one that never
 * did: all are reported, and the dumper finds them empty.
 */
static int pms_scan_holes(struct pms_pass *p, unsigned long start,
			  unsigned long end, struct range_set *dirty)
{
	struct pm_scan_arg arg = {
		.size = sizeof(arg),
		.category_mask = PAGE_IS_PRESENT | PAGE_IS_SWAPPED,
		.category_inverted = PAGE_IS_PRESENT | PAGE_IS_SWAPPED,
		.return_mask = PAGE_IS_PRESENT | PAGE_IS_SWAPPED,
	};

	return pms_walk(p, &arg, start, end, dirty);
}

/* Register @a, protect all it holds, and report it whole: it is new. */
static int pms_track_area(struct pms_pass *p, const struct track_area *a,
			  struct range_set *dirty)
{
	int ret;

	if (dirty) {
		ret = range_set_add(dirty, a->start, a->end);
		if (ret)
			return ret;
	}
	if (pms_register(p, a))
		return 0;
	ret = pms_scan(p, a->start, a->end, NULL);
	if (ret) {
		pr_err("%s: can't protect pid %d area %lx-%lx: %s\n", PMS_NAME,
		       p->t->pid, a->start, a->end, strerror(-ret));
		return ret;
	}
	return 0;
}

static int pms_collect_area(struct pms_pass *p, const struct track_area *a,
			    struct range_set *dirty)
{
	int ret;

	ret = pms_scan(p, a->start, a->end, dirty);
	if (ret == -EPERM)
		/* Mapped (or moved by mremap) since the last pass. */
		return pms_track_area(p, a, dirty);
	if (!ret)
		ret = pms_scan_holes(p, a->start, a->end, dirty);
	if (ret)
		pr_err("%s: PAGEMAP_SCAN of pid %d area %lx-%lx: %s\n", PMS_NAME,
		       p->t->pid, a->start, a->end, strerror(-ret));
	return ret;
}

static int pms_pass_open(struct pms_pass *p, struct track_target *t, int fd)
{
	char path[64];
	int ret;

	p->t = t;
	p->pagemap = -1;
	p->vec = NULL;
	p->uffd = t->get_fd(t, fd);
	if (p->uffd < 0) {
		pr_err("%s: can't get fd %d of pid %d: %d\n", PMS_NAME, fd,
		       t->pid, p->uffd);
		return p->uffd;
	}
	snprintf(path, sizeof(path), "/proc/%d/pagemap", t->pid);
	p->pagemap = open(path, O_RDONLY | O_CLOEXEC);
	if (p->pagemap < 0) {
		ret = -errno;
		pr_perror("%s: can't open %s", PMS_NAME, path);
		return ret;
	}
	p->vec = malloc(PMS_VEC_LEN * sizeof(*p->vec));
	if (!p->vec) {
		pr_err("%s: no memory for the scan buffer\n", PMS_NAME);
		return -ENOMEM;
	}
	return 0;
}

static void pms_pass_close(struct pms_pass *p)
{
	free(p->vec);
	if (p->pagemap >= 0)
		close(p->pagemap);
	if (p->uffd >= 0)
		close(p->uffd);
}

static int pms_api(struct pms_pass *p)
{
	struct uffdio_api api = { .api = UFFD_API, .features = PMS_NEED_FEATURES };

	if (ioctl(p->uffd, UFFDIO_API, &api)) {
		int ret = -errno;

		pr_perror("%s: UFFDIO_API on the userfaultfd of pid %d",
			  PMS_NAME, p->t->pid);
		return ret;
	}
	return 0;
}

static int pms_start_pass(struct track_target *t, int fd)
{
	struct pms_pass p;
	unsigned int i;
	int ret;

	ret = pms_pass_open(&p, t, fd);
	if (!ret)
		ret = pms_api(&p);
	for (i = 0; !ret && i < t->nr_areas; i++)
		ret = pms_track_area(&p, &t->areas[i], NULL);
	pms_pass_close(&p);
	return ret;
}

static int pms_start(struct track_target *t, struct track_state *st)
{
	unsigned long ino;
	int fd = -1, ret;
	__u64 features;

	ret = pms_kernel_features(&features);
	if (ret)
		return ret;
	if ((features & PMS_NEED_FEATURES) != PMS_NEED_FEATURES) {
		pr_err("%s: the kernel's userfaultfd lacks WP_ASYNC/WP_UNPOPULATED\n",
		       PMS_NAME);
		return -EOPNOTSUPP;
	}
	ret = pms_create_in_target(t, &fd);
	if (ret)
		return ret;
	ret = pms_fd_identity(t->pid, fd, &ino);
	if (ret) {
		pr_err("%s: fd %d of pid %d is not the userfaultfd just made\n",
		       PMS_NAME, fd, t->pid);
		goto err;
	}
	ret = pms_start_pass(t, fd);
	if (ret)
		goto err;
	snprintf(st->data, sizeof(st->data), "uffd=%d ino=%lu", fd, ino);
	st->target_fd = fd;
	pr_info("%s: tracking pid %d with its fd %d\n", PMS_NAME, t->pid, fd);
	return 0;
err:
	/* Closing the last reference unregisters every area. */
	pms_remote_close(t, fd);
	return ret;
}

/* The target's userfaultfd, if it is still the one start() made. */
static int pms_find(struct track_target *t, struct track_state *st,
		    struct pms_state *ps)
{
	unsigned long ino = 0;
	int ret;

	ret = pms_state_parse(st, ps);
	if (ret)
		return ret;
	ret = pms_fd_identity(t->pid, ps->fd, &ino);
	if (!ret && ino != ps->ino)
		ret = -ESTALE;
	if (ret == -ESTALE)
		pr_warn("%s: pid %d lost its userfaultfd %d (exec or close?)\n",
			PMS_NAME, t->pid, ps->fd);
	else if (ret)
		pr_err("%s: can't check fd %d of pid %d: %s\n", PMS_NAME,
		       ps->fd, t->pid, strerror(-ret));
	return ret;
}

static int pms_collect(struct track_target *t, struct track_state *st,
		       struct range_set *dirty)
{
	struct pms_state ps;
	struct pms_pass p;
	unsigned int i;
	int ret;

	ret = pms_find(t, st, &ps);
	if (ret)
		return ret;
	ret = pms_pass_open(&p, t, ps.fd);
	for (i = 0; !ret && i < t->nr_areas; i++)
		ret = pms_collect_area(&p, &t->areas[i], dirty);
	pms_pass_close(&p);
	return ret;
}

static int pms_stop(struct track_target *t, struct track_state *st)
{
	struct pms_state ps;
	struct pms_pass p;
	unsigned int i;
	long ret_close;
	int ret, err;

	ret = pms_find(t, st, &ps);
	if (ret == -ESTALE) {
		st->target_fd = -1;
		return 0;	/* nothing of ours is left in the target */
	}
	if (ret)
		return ret;
	/*
	 * Unregister first: a child forked since start() may hold the
	 * descriptor too, and would keep the areas registered.
	 */
	ret = pms_pass_open(&p, t, ps.fd);
	for (i = 0; !ret && i < t->nr_areas; i++)
		pms_unregister(&p, &t->areas[i]);
	pms_pass_close(&p);
	err = pms_remote(t, "close", __NR_close, &ret_close, ps.fd, 0, 0);
	if (err)
		return err;
	st->target_fd = -1;
	return ret;
}

const struct dirty_tracker pagemap_scan_tracker = {
	.name = PMS_NAME,
	.summary = "userfaultfd async write-protect + PAGEMAP_SCAN (Linux 6.7+): "
		   "cost follows the written pages, 4 KiB precise under THP",
	.probe = pms_probe,
	.start = pms_start,
	.collect = pms_collect,
	.stop = pms_stop,
};
