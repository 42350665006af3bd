// SPDX-License-Identifier: GPL-2.0
/*
 * Tests of what every tracker shares: the parked descriptor
 * (park_fd/parked_fd/unpark_fd of track_target), the holes of an area,
 * the PAGEMAP_SCAN walk (against answers made up here, through a
 * wrapped ioctl()), and the order in which auto picks a tracker.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "harness.h"
#include "pagemap-walk.h"
#include "tests.h"
#include "tracking.h"

/* --- the parked descriptor ---------------------------------------------- */

static int fd_link(pid_t pid, int fd, char *buf, size_t len)
{
	char path[64];
	ssize_t n;

	snprintf(path, sizeof(path), "/proc/%d/fd/%d", pid, fd);
	n = readlink(path, buf, len - 1);
	if (n < 0)
		return -errno;
	buf[n] = '\0';
	return 0;
}

/* Make a userfaultfd inside the seized @h and park it. */
static int park_new_uffd(struct htarget *h, struct track_state *st, int *low)
{
	long fd;
	int ret;

	memset(st, 0, sizeof(*st));
	st->target_fd = -1;
	ret = h->t.call(&h->t, "userfaultfd", __NR_userfaultfd, &fd, O_CLOEXEC, 0, 0, 0);
	if (ret)
		return ret;
	*low = fd;
	return h->t.park_fd(&h->t, fd, st);
}

/* The parked copy is the same file as the target's, until it is replaced. */
static int parked_check(pid_t pid, const struct track_state *st, int want)
{
	struct htarget h;
	struct stat sb;
	int fd, ret = 0;

	if (htarget_seize(&h, pid))
		return -EIO;
	fd = h.t.parked_fd(&h.t, st);
	if (fd >= 0) {
		if (fstat(fd, &sb) || sb.st_ino != st->target_ino ||
		    sb.st_dev != st->target_dev) {
			fail_reason("parked_fd() gave another file than the parked one");
			ret = -EINVAL;
		}
		close(fd);
	} else if (fd != want) {
		fail_reason("parked_fd(): %d, want %d", fd, want);
		ret = fd;
	}
	if (htarget_release(&h))
		return -EIO;
	if (!ret && (fd >= 0) != (want == 0)) {
		fail_reason("parked_fd(): %d, want %d", fd, want);
		ret = -EINVAL;
	}
	return ret;
}

/* Parked high, close-on-exec, the low number freed; unpark closes it. */
int test_ops_park_fd(const struct dirty_tracker *tr)
{
	struct track_state st;
	struct htarget h;
	struct victim v;
	char link[64];
	int ret = 1, low = -1, err;

	if (victim_start(&v))
		goto out;
	CHECK(!victim_cmd(&v, NULL, "nofile 3e8"), "setrlimit");
	CHECK(!htarget_seize(&h, v.pid), "seize");
	err = park_new_uffd(&h, &st, &low);
	htarget_release(&h);
	CHECK(!err, "park_fd: %s", strerror(-err));
	CHECK(st.target_fd >= 875 && st.target_fd < 1000,
	      "parked at fd %d with a limit of 1000, not in its top eighth", st.target_fd);
	CHECK(fd_link(v.pid, low, link, sizeof(link)) == -ENOENT,
	      "the first number %d is still open", low);
	CHECK(!fd_link(v.pid, st.target_fd, link, sizeof(link)) &&
	      !strcmp(link, "anon_inode:[userfaultfd]"), "fd %d is not the userfaultfd",
	      st.target_fd);
	CHECK(!parked_check(v.pid, &st, 0), "check of an untouched parked fd");
	CHECK(!htarget_seize(&h, v.pid), "seize");
	err = h.t.unpark_fd(&h.t, &st);
	htarget_release(&h);
	CHECK(!err && st.target_fd == -1, "unpark_fd: %d, fd %d", err, st.target_fd);
	CHECK(count_uffds(v.pid) == 0, "a userfaultfd is left after unpark");
	ret = 0;
out:
	victim_stop(&v);
	return ret;
}

/*
 * The program puts another file at the parked number: another
 * userfaultfd (the same /proc link text, another inode), /dev/null, or
 * nothing. Each time parked_fd() must say -ESTALE.
 */
static int parked_replaced(const char *what)
{
	struct track_state st;
	struct htarget h;
	struct victim v;
	char before[64], after[64];
	int ret = 1, low, err;

	if (victim_start(&v))
		goto out;
	CHECK(!htarget_seize(&h, v.pid), "seize");
	err = park_new_uffd(&h, &st, &low);
	htarget_release(&h);
	CHECK(!err, "park_fd: %s", strerror(-err));
	CHECK(!fd_link(v.pid, st.target_fd, before, sizeof(before)), "readlink");
	CHECK(!victim_cmd(&v, NULL, "%s %x", what, st.target_fd), "%s", what);
	if (!strcmp(what, "newuffd"))
		CHECK(!fd_link(v.pid, st.target_fd, after, sizeof(after)) &&
		      !strcmp(before, after), "the new file's link differs: %s", after);
	CHECK(!parked_check(v.pid, &st, -ESTALE), "after %s", what);
	ret = 0;
out:
	victim_stop(&v);
	return ret;
}

int test_ops_parked_replaced(const struct dirty_tracker *tr)
{
	return parked_replaced("newuffd") || parked_replaced("dupnull") ||
	       parked_replaced("closefd");
}

/* --- holes ------------------------------------------------------------- */

/*
 * 16 pages written; 4-6 dropped, then 4 read again (the zero page).
 * Holes are 5 and 6, and with TRACK_HOLE_ZERO page 4 too.
 */
int test_ops_holes(const struct dirty_tracker *tr)
{
	struct range_set holes = RANGE_SET_INIT, zero = RANGE_SET_INIT;
	unsigned long addr;
	struct htarget h;
	struct victim v;
	int ret = 1, e1, e2;
	bool seized = false;

	if (victim_start(&v))
		goto out;
	CHECK(!victim_cmd(&v, &addr, "map 10 nohuge"), "map");
	CHECK(!victim_cmd(&v, NULL, "dontneed %lx %lx", addr + 4 * PAGE, 3 * PAGE), "madvise");
	CHECK(!victim_cmd(&v, NULL, "touch %lx %lx", addr + 4 * PAGE, PAGE), "read");
	CHECK(!htarget_seize(&h, v.pid), "seize");
	seized = true;
	e1 = h.t.add_holes(&h.t, addr, addr + 16 * PAGE, 0, &holes);
	e2 = h.t.add_holes(&h.t, addr, addr + 16 * PAGE,
			   TRACK_HOLE_SWAPPED | TRACK_HOLE_ZERO, &zero);
	CHECK(!e1 && !e2, "add_holes: %d, %d", e1, e2);
	range_set_normalize(&holes);
	range_set_normalize(&zero);
	CHECK(holes.nr == 1 && holes.r[0].start == addr + 5 * PAGE &&
	      holes.r[0].end == addr + 7 * PAGE, "holes: %u ranges, first at page %ld",
	      holes.nr, holes.nr ? (long)(holes.r[0].start - addr) / (long)PAGE : -1);
	CHECK(zero.nr == 1 && zero.r[0].start == addr + 4 * PAGE &&
	      zero.r[0].end == addr + 7 * PAGE, "holes and zero page: %u ranges", zero.nr);
	ret = 0;
out:
	if (seized)
		htarget_release(&h);
	victim_stop(&v);
	range_set_free(&holes);
	range_set_free(&zero);
	return ret;
}

/* --- the PAGEMAP_SCAN walk, on made-up answers ---------------------------- */

#define FAKE_BASE	0x10000000UL
#define FAKE_MAX	4

/* One made-up call: the start it must get, what it answers. */
struct fake_call {
	unsigned long start, walk_end;
	unsigned int nr;
	struct page_region r[FAKE_MAX];
};

static struct {
	int fd;				/* ioctl()s on it are answered here */
	const struct fake_call *calls;
	unsigned int nr_calls, done;
	bool bad_start;
} fake = { .fd = -1 };

int __real_ioctl(int fd, unsigned long req, ...);
int __wrap_ioctl(int fd, unsigned long req, ...);

int __wrap_ioctl(int fd, unsigned long req, ...)
{
	struct pm_scan_arg *arg;
	const struct fake_call *c;
	va_list ap;

	va_start(ap, req);
	arg = va_arg(ap, struct pm_scan_arg *);
	va_end(ap);
	if (fd != fake.fd || fd < 0)
		return __real_ioctl(fd, req, arg);
	if (req != PAGEMAP_SCAN || fake.done == fake.nr_calls) {
		errno = ENOTTY;
		return -1;
	}
	c = &fake.calls[fake.done++];
	if (arg->start != c->start)
		fake.bad_start = true;
	if (arg->vec_len < c->nr) {
		errno = EINVAL;
		return -1;
	}
	memcpy((void *)(unsigned long)arg->vec, c->r, c->nr * sizeof(c->r[0]));
	arg->walk_end = c->walk_end;
	return c->nr;
}

#define PG(n)		(FAKE_BASE + (n) * PAGE)
#define REG(a, b)	{ PG(a), PG(b), PAGE_IS_PRESENT }

/*
 * A walk of pages [0, 16): the first call returns a region from before
 * the start, one across its walk_end (page 5) and one past it; the
 * second, from page 5 on, a region past the end of the walk.
 */
static const struct fake_call past_walk_end[] = {
	{ PG(0), PG(5), 3, { { PG(0) - PAGE, PG(1), PAGE_IS_PRESENT },
			     REG(3, 8), REG(9, 10) } },
	{ PG(5), PG(16), 2, { REG(5, 6), REG(15, 18) } },
};

/* Run the walk over the made-up calls; the set it made, normalized. */
static int fake_walk(const struct fake_call *calls, unsigned int nr, __u64 flags,
		     struct range_set *out)
{
	struct pm_scan_arg arg = { .flags = flags, .category_mask = PAGE_IS_PRESENT,
				   .return_mask = PAGE_IS_PRESENT };
	int ret;

	fake.fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	if (fake.fd < 0)
		return -errno;
	fake.calls = calls;
	fake.nr_calls = nr;
	fake.done = 0;
	fake.bad_start = false;
	ret = pagemap_scan_walk(fake.fd, &arg, PG(0), PG(16), out);
	close(fake.fd);
	fake.fd = -1;
	range_set_normalize(out);
	if (!ret && (fake.bad_start || fake.done != nr)) {
		fail_reason("walk made %u calls (of %u), starts %s", fake.done, nr,
			    fake.bad_start ? "wrong" : "right");
		return -EINVAL;
	}
	return ret;
}

static bool set_is(const struct range_set *rs, const struct addr_range *want,
		   unsigned int nr)
{
	unsigned int i;

	if (rs->nr != nr)
		return false;
	for (i = 0; i < nr; i++)
		if (rs->r[i].start != want[i].start || rs->r[i].end != want[i].end)
			return false;
	return true;
}

static void print_set(const char *what, const struct range_set *rs)
{
	unsigned int i;

	printf("  info: %s:", what);
	for (i = 0; i < rs->nr; i++)
		printf(" %ld-%ld", (long)(rs->r[i].start - FAKE_BASE) / (long)PAGE,
		       (long)(rs->r[i].end - FAKE_BASE) / (long)PAGE);
	printf("\n");
}

/* The walk of past_walk_end with @flags must give exactly @want. */
static int walk_gives(__u64 flags, const struct addr_range *want, unsigned int nr,
		      const char *what)
{
	struct range_set rs = RANGE_SET_INIT;
	int ret = 1, err;

	err = fake_walk(past_walk_end, 2, flags, &rs);
	CHECK(!err, "walk: %d", err);
	print_set(what, &rs);
	CHECK(set_is(&rs, want, nr), "%s: not the %u ranges expected", what, nr);
	ret = 0;
out:
	range_set_free(&rs);
	return ret;
}

/* Presence: each region counts only where its call walked: 0-1 3-6 15-16. */
int test_ops_walk_clips(const struct dirty_tracker *tr)
{
	static const struct addr_range want[] = {
		{ PG(0), PG(1) }, { PG(3), PG(6) }, { PG(15), PG(16) },
	};

	return walk_gives(0, want, 3, "pages found");
}

/*
 * Write-protecting: past walk_end is kept (those pages may be protected
 * already), past the end of the walk not: 0-1 3-8 9-10 15-16.
 */
int test_ops_walk_wp_keeps(const struct dirty_tracker *tr)
{
	static const struct addr_range want[] = {
		{ PG(0), PG(1) }, { PG(3), PG(8) }, { PG(9), PG(10) }, { PG(15), PG(16) },
	};

	return walk_gives(PM_SCAN_WP_MATCHING, want, 4, "pages written");
}

/* A call that reports no progress ends the walk with -EIO, not a loop. */
int test_ops_walk_stuck(const struct dirty_tracker *tr)
{
	static const struct fake_call stuck[] = {
		{ PG(0), PG(4), 1, { REG(0, 4) } },
		{ PG(4), PG(4), 0, { } },
	};
	struct range_set rs = RANGE_SET_INIT;
	int ret = 1, err;

	err = fake_walk(stuck, 2, 0, &rs);
	CHECK(err == -EIO, "walk: %d, want -EIO", err);
	ret = 0;
out:
	range_set_free(&rs);
	return ret;
}

/* --- auto's order ------------------------------------------------------ */

static int probe_yes(char *why, size_t len)
{
	snprintf(why, len, "works");
	return 0;
}

static int probe_no(char *why, size_t len)
{
	snprintf(why, len, "does not work here");
	return -EOPNOTSUPP;
}

static int fake_start(struct track_target *t, struct track_state *st) { return 0; }
static int fake_stop(struct track_target *t, struct track_state *st) { return 0; }
static int fake_collect(struct track_target *t, struct track_state *st,
			struct range_set *dirty) { return 0; }

#define FAKE_TRACKER(n, prio, probe_fn) {				\
	.name = n, .summary = "test", .priority = prio,			\
	.probe = probe_fn, .start = fake_start,				\
	.collect = fake_collect, .stop = fake_stop }

static const struct dirty_tracker fk_low = FAKE_TRACKER("fake-low", 10, probe_yes);
static const struct dirty_tracker fk_mid = FAKE_TRACKER("fake-mid", 50, probe_yes);
static const struct dirty_tracker fk_mid2 = FAKE_TRACKER("fake-mid2", 50, probe_yes);
static const struct dirty_tracker fk_broken = FAKE_TRACKER("fake-broken", 90, probe_no);
static const struct dirty_tracker fk_never = FAKE_TRACKER("fake-never", -1, probe_yes);
static const struct dirty_tracker fk_top = FAKE_TRACKER("fake-top", 70, probe_yes);

static int auto_is(const char *want)
{
	const struct dirty_tracker *tr = NULL;
	int ret;

	ret = select_dirty_tracker("auto", &tr);
	if (ret || strcmp(tr->name, want)) {
		fail_reason("auto chose %s (%d), want %s", ret ? "nothing" : tr->name,
			    ret, want);
		return -1;
	}
	return 0;
}

/*
 * The registry is the process's own: this test registers its trackers
 * once, in an order that is not the order of their priorities.
 */
int test_ops_auto_priority(const struct dirty_tracker *tr)
{
	const struct dirty_tracker *got = NULL;
	static bool registered;
	int ret = 1;

	CHECK(!registered, "run twice in one process");
	registered = true;
	CHECK(!register_dirty_tracker(&fk_never), "register");
	CHECK(select_dirty_tracker("auto", &got) == -EOPNOTSUPP,
	      "auto took a tracker of negative priority");
	CHECK(!register_dirty_tracker(&fk_low) && !auto_is("fake-low"), "one tracker");
	CHECK(!register_dirty_tracker(&fk_broken) && !auto_is("fake-low"),
	      "a higher one that does not work");
	CHECK(!register_dirty_tracker(&fk_mid) && !register_dirty_tracker(&fk_mid2) &&
	      !auto_is("fake-mid"), "equals: the first registered");
	CHECK(!register_dirty_tracker(&fk_top) && !auto_is("fake-top"), "a higher one");
	CHECK(!select_dirty_tracker("fake-never", &got) && got == &fk_never,
	      "by name, a negative priority is chosen");
	CHECK(register_dirty_tracker(&fk_mid) == -EEXIST, "registered twice");
	ret = 0;
out:
	return ret;
}
