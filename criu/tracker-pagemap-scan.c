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
 * the target creates it (an injected syscall) and keeps it parked
 * (park_fd()); criu works on a duplicate, as the ioctls act on the
 * context's mm whoever calls them. Exec drops the descriptor
 * (close-on-exec) together with the mm: collect() then finds it gone
 * and answers -ESTALE.
 *
 * Only pages that exist are protected; holes are reported every time
 * (add_holes()), as a page dropped since the last pass must be.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/userfaultfd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "dirty-tracker.h"
#include "log.h"
#include "pagemap-walk.h"
#include "trackers.h"

#define PMS_NAME		"pagemap-scan"
#define PMS_NEED_FEATURES	(UFFD_FEATURE_WP_ASYNC | UFFD_FEATURE_WP_UNPOPULATED)
/*
 * Only pages that exist are looked at (and protected). Protecting a
 * hole would allocate a page table to hold its marker: 16 MiB for 8 GiB
 * of untouched address space. An unprotected hole costs nothing: a page
 * faulted in there later comes without the uffd-wp bit, so as written.
 */
#define PMS_ANYOF		(PAGE_IS_PRESENT | PAGE_IS_SWAPPED)

/* One collect()/start()/stop() pass over the target. */
struct pms_pass {
	struct track_target *t;
	int uffd;		/* criu's duplicate of the target's fd */
};

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

/* Create the userfaultfd inside the target and park it there. */
static int pms_create_in_target(struct track_target *t, struct track_state *st)
{
	long uffd = 0;
	int ret;

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
	return t->park_fd(t, uffd, st);
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

/*
 * Collect the written pages of [@start, @end) into @dirty (when not
 * NULL) and write-protect them again. -EPERM: part of the range is not
 * registered with an async write-protect userfaultfd.
 *
 * The kernel is always given an output vector, @dirty or a throwaway
 * one: without it, PAGEMAP_SCAN takes its "exclusive write-protect"
 * path, which ignores the category masks and puts a uffd-wp marker in
 * every empty entry of the page tables it walks. A marker reads as
 * swapped (PAGE_IS_SWAPPED, PM_SWAP), so every hole next to a page
 * would be copied as data from then on, and restored as a page.
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
	struct range_set unused = RANGE_SET_INIT;
	int ret;

	ret = pagemap_scan_walk(p->t->pagemap, &arg, start, end, dirty ? dirty : &unused);
	range_set_free(&unused);
	return ret;
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
	/*
	 * Holes are never protected, so one that held a page at the last
	 * pass (dropped since) can't be told from one that never did.
	 */
	if (!ret)
		ret = p->t->add_holes(p->t, a->start, a->end, 0, dirty);
	if (ret)
		pr_err("%s: PAGEMAP_SCAN of pid %d area %lx-%lx: %s\n", PMS_NAME,
		       p->t->pid, a->start, a->end, strerror(-ret));
	return ret;
}

static int pms_pass_open(struct pms_pass *p, struct track_target *t,
			 const struct track_state *st)
{
	p->t = t;
	p->uffd = t->parked_fd(t, st);
	return p->uffd < 0 ? p->uffd : 0;
}

static void pms_pass_close(struct pms_pass *p)
{
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

/*
 * Register every area; @protect: write-protect what they hold too,
 * else it all counts as written until pms_arm().
 */
static int pms_start_pass(struct track_target *t, const struct track_state *st,
			  bool protect)
{
	struct pms_pass p;
	unsigned int i;
	int ret;

	ret = pms_pass_open(&p, t, st);
	if (!ret)
		ret = pms_api(&p);
	for (i = 0; !ret && i < t->nr_areas; i++) {
		if (protect)
			ret = pms_track_area(&p, &t->areas[i], NULL);
		else
			pms_register(&p, &t->areas[i]);
	}
	pms_pass_close(&p);
	return ret;
}

static int pms_begin(struct track_target *t, struct track_state *st, bool protect)
{
	__u64 features;
	int ret;

	ret = pms_kernel_features(&features);
	if (ret)
		return ret;
	if ((features & PMS_NEED_FEATURES) != PMS_NEED_FEATURES) {
		pr_err("%s: the kernel's userfaultfd lacks WP_ASYNC/WP_UNPOPULATED\n",
		       PMS_NAME);
		return -EOPNOTSUPP;
	}
	ret = pms_create_in_target(t, st);
	if (ret)
		return ret;
	ret = pms_start_pass(t, st, protect);
	if (ret) {
		/* Closing the last reference unregisters every area. */
		t->unpark_fd(t, st);
		return ret;
	}
	snprintf(st->data, sizeof(st->data), "uffd=%d", st->target_fd);
	pr_info("%s: tracking pid %d with its fd %d%s\n", PMS_NAME, t->pid,
		st->target_fd, protect ? "" : ", armed once it runs");
	return 0;
}

static int pms_start(struct track_target *t, struct track_state *st)
{
	return pms_begin(t, st, true);
}

static int pms_start_unarmed(struct track_target *t, struct track_state *st)
{
	return pms_begin(t, st, false);
}

/*
 * Write-protect what the areas hold, the target running. A page
 * written before its turn is protected with that write in it (the
 * copy comes later); one faulted in after its turn is unprotected,
 * i.e. written. An area replaced since start (-EPERM) stays unprotected
 * and the next collect() reports it whole.
 */
static int pms_arm(struct track_target *t, struct track_state *st)
{
	struct pms_pass p;
	unsigned int i;
	int ret;

	ret = pms_pass_open(&p, t, st);
	for (i = 0; !ret && i < t->nr_areas; i++) {
		ret = pms_scan(&p, t->areas[i].start, t->areas[i].end, NULL);
		if (ret == -EPERM) {
			pr_info("%s: pid %d area %lx-%lx changed before it was armed\n",
				PMS_NAME, t->pid, t->areas[i].start, t->areas[i].end);
			ret = 0;
		} else if (ret) {
			pr_err("%s: can't protect pid %d area %lx-%lx: %s\n", PMS_NAME,
			       t->pid, t->areas[i].start, t->areas[i].end, strerror(-ret));
		}
	}
	pms_pass_close(&p);
	return ret;
}

static int pms_collect(struct track_target *t, struct track_state *st,
		       struct range_set *dirty)
{
	struct pms_pass p;
	unsigned int i;
	int ret;

	ret = pms_pass_open(&p, t, st);
	for (i = 0; !ret && i < t->nr_areas; i++)
		ret = pms_collect_area(&p, &t->areas[i], dirty);
	pms_pass_close(&p);
	return ret;
}

static int pms_stop(struct track_target *t, struct track_state *st)
{
	struct pms_pass p;
	unsigned int i;
	int ret;

	ret = pms_pass_open(&p, t, st);
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
	for (i = 0; i < t->nr_areas; i++)
		pms_unregister(&p, &t->areas[i]);
	pms_pass_close(&p);
	return t->unpark_fd(t, st);
}

const struct dirty_tracker pagemap_scan_tracker = {
	.name = PMS_NAME,
	.summary = "userfaultfd async write-protect + PAGEMAP_SCAN (Linux 6.7+): "
		   "cost follows the written pages, 4 KiB precise under THP",
	.priority = TRACK_PRIO_PAGEMAP_SCAN,
	.probe = pms_probe,
	.start = pms_start,
	.collect = pms_collect,
	.stop = pms_stop,
	.start_unarmed = pms_start_unarmed,
	.arm = pms_arm,
};
