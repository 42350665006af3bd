// SPDX-License-Identifier: GPL-2.0
/*
 * ooh.so: the criu plugin that registers the "ooh" dirty tracker.
 *
 * The tracking session is an open /dev/ooh, and it must outlive one
 * criu run (a pre-dump, the next pre-dump, the dump). So the target
 * opens it itself (an injected openat), at a high descriptor number
 * that the state records; criu works on a duplicate taken with
 * get_fd(). The module ends the session when the last descriptor goes:
 * the target exiting, or exec'ing (the descriptor is close-on-exec).
 *
 * collect() drains the page addresses the host logged since the last
 * drain, and adds the pages that no log can name (ooh-holes.c). Any
 * loss the module reports (overflow, exit, exec) is -ESTALE: the dump
 * then copies every page.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "criu-plugin.h"
#include "libooh.h"
#include "ooh-holes.h"
#include "ooh-log.h"

#define OOH_TRACKER	"ooh"
#define OOH_FD_BASE	1000
#define OOH_DRAIN_BATCH	8192
#define PG_SIZE		4096UL

static const struct criu_plugin_api *criu_api;

void ooh_log(int level, const char *fmt, ...)
{
	char buf[512];
	va_list args;

	if (!criu_api)
		return;
	va_start(args, fmt);
	vsnprintf(buf, sizeof(buf), fmt, args);
	va_end(args);
	criu_api->log(level, "%s", buf);
}

/* What the state's data line holds. */
struct ooh_state {
	int fd;			/* /dev/ooh in the target */
	unsigned long ino;	/* the file's inode: tells it from another open */
};

static int ooh_state_parse(const struct track_state *st, struct ooh_state *os)
{
	if (strcmp(st->tracker, OOH_TRACKER) ||
	    sscanf(st->data, "fd=%d ino=%lu", &os->fd, &os->ino) != 2 ||
	    os->fd < 0) {
		ooh_log(1, "ooh: bad tracker state \"%.*s\" for pid %d\n",
			(int)sizeof(st->data), st->data, st->pid);
		return -EINVAL;
	}
	return 0;
}

static int ooh_tr_probe(char *why, size_t len)
{
	return ooh_probe(why, len);
}

static int ooh_remote(struct track_target *t, const char *what, long nr,
		      long *ret, unsigned long a1, unsigned long a2,
		      unsigned long a3, unsigned long a4)
{
	int err;

	err = t->syscall(t, nr, ret, a1, a2, a3, a4, 0, 0);
	if (err) {
		ooh_log(1, "ooh: can't run %s in pid %d: %d\n", what, t->pid, err);
		return err;
	}
	if (*ret < 0 && *ret >= -4095) {
		ooh_log(1, "ooh: %s in pid %d failed: %s\n", what, t->pid,
			strerror((int)-*ret));
		return (int)*ret;
	}
	return 0;
}

static void ooh_remote_close(struct track_target *t, int fd)
{
	long ret;

	ooh_remote(t, "close", __NR_close, &ret, fd, 0, 0, 0);
}

/*
 * The target's soft limit on open files, from /proc/PID/limits: a
 * descriptor number at or above it is refused (EINVAL). 0 if unknown.
 */
static unsigned long ooh_target_nofile(pid_t pid)
{
	unsigned long soft = 0;
	char path[64], line[256];
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/limits", pid);
	f = fopen(path, "re");
	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, "Max open files", 14)) {
			if (sscanf(line + 14, "%lu", &soft) != 1)
				soft = 0;	/* "unlimited" cannot be */
			break;
		}
	fclose(f);
	return soft;
}

/*
 * Where the session's descriptor goes: OOH_FD_BASE, out of the way of
 * the numbers a program usually gets, unless the target's limit on
 * open files is lower; then the upper half of what it may use.
 */
static long ooh_fd_base(pid_t pid)
{
	unsigned long nofile = ooh_target_nofile(pid);

	if (!nofile || nofile > OOH_FD_BASE)
		return OOH_FD_BASE;
	return nofile / 2;
}

/* Open /dev/ooh inside the target, moved to a high number (ooh_fd_base). */
static int ooh_open_in_target(struct track_target *t, int *fd)
{
	long low, high, base = ooh_fd_base(t->pid);
	int ret;

	if (t->scratch_size < sizeof(OOH_DEV_PATH)) {
		ooh_log(1, "ooh: no scratch room in pid %d\n", t->pid);
		return -ENOSPC;
	}
	ret = t->write_mem(t, t->scratch, OOH_DEV_PATH, sizeof(OOH_DEV_PATH));
	if (ret) {
		ooh_log(1, "ooh: can't write the path into pid %d: %d\n", t->pid, ret);
		return ret;
	}
	ret = ooh_remote(t, "openat(" OOH_DEV_PATH ")", __NR_openat, &low,
			 AT_FDCWD, t->scratch, O_RDWR | O_CLOEXEC, 0);
	if (ret)
		return ret;
	ret = ooh_remote(t, "fcntl(F_DUPFD_CLOEXEC)", __NR_fcntl, &high, low,
			 F_DUPFD_CLOEXEC, base, 0);
	if (ret) {
		/* No room up there (EMFILE): the number it got will do. */
		*fd = low;
		ooh_log(2, "ooh: keeping /dev/ooh at fd %ld in pid %d\n", low, t->pid);
		return 0;
	}
	ooh_remote_close(t, low);
	*fd = high;
	return 0;
}

/* Is fd @fd of @pid still /dev/ooh, and which open of it? */
static int ooh_fd_identity(pid_t pid, int fd, unsigned long *ino)
{
	char path[64], link[64];
	struct stat sb;
	ssize_t len;

	snprintf(path, sizeof(path), "/proc/%d/fd/%d", pid, fd);
	len = readlink(path, link, sizeof(link) - 1);
	if (len < 0)
		return errno == ENOENT ? -ESTALE : -errno;
	link[len] = '\0';
	if (strcmp(link, OOH_DEV_PATH))
		return -ESTALE;
	if (stat(path, &sb))
		return errno == ENOENT ? -ESTALE : -errno;
	*ino = sb.st_ino;
	return 0;
}

/* criu's copy of the session, if the target still holds the one we made. */
static int ooh_session_fd(struct track_target *t, struct track_state *st)
{
	struct ooh_state os;
	unsigned long ino = 0;
	int ret, fd;

	ret = ooh_state_parse(st, &os);
	if (ret)
		return ret;
	ret = ooh_fd_identity(t->pid, os.fd, &ino);
	if (!ret && ino != os.ino)
		ret = -ESTALE;
	if (ret) {
		ooh_log(ret == -ESTALE ? 2 : 1, "ooh: pid %d lost its fd %d: %s\n",
			t->pid, os.fd, strerror(-ret));
		return ret;
	}
	fd = t->get_fd(t, os.fd);
	if (fd < 0)
		ooh_log(1, "ooh: can't get fd %d of pid %d: %d\n", os.fd, t->pid, fd);
	return fd;
}

static int ooh_tr_start(struct track_target *t, struct track_state *st)
{
	unsigned int used = 0, want;
	unsigned long ino;
	int tfd = -1, fd = -1, ret;

	ret = ooh_open_in_target(t, &tfd);
	if (ret)
		return ret;
	ret = ooh_fd_identity(t->pid, tfd, &ino);
	if (ret)
		goto err;
	fd = t->get_fd(t, tfd);
	if (fd < 0) {
		ret = fd;
		ooh_log(1, "ooh: can't get fd %d of pid %d: %d\n", tfd, t->pid, fd);
		goto err;
	}
	ret = ooh_provider_wanted(&want);
	if (ret) {
		ooh_log(1, "ooh: %s=%s: not epml, spml or auto\n", OOH_PROVIDER_ENV,
			getenv(OOH_PROVIDER_ENV));
		goto err;
	}
	ret = ooh_attach(fd, t->pid, want, &used);
	if (ret) {
		ooh_log(1, "ooh: attach to pid %d (provider %s): %s\n", t->pid,
			ooh_provider_name(want), ooh_strerror(OOH_OP_ATTACH, ret));
		goto err;
	}
	ret = ooh_start(fd);
	if (ret) {
		ooh_log(1, "ooh: start on pid %d: %s\n", t->pid,
			ooh_strerror(OOH_OP_START, ret));
		goto err;
	}
	close(fd);
	snprintf(st->data, sizeof(st->data), "fd=%d ino=%lu", tfd, ino);
	st->target_fd = tfd;
	ooh_log(3, "ooh: tracking pid %d with its fd %d, provider %s\n",
		t->pid, tfd, ooh_provider_name(used));
	return 0;
err:
	if (fd >= 0)
		close(fd);
	/* The target's descriptor was the last: the session ends with it. */
	ooh_remote_close(t, tfd);
	return ret;
}

/* Page addresses in ascending order into ranges. */
static int ooh_add_addrs(struct range_set *dirty, const uint64_t *a, size_t nr)
{
	size_t i = 0, j;
	int ret;

	while (i < nr) {
		for (j = i + 1; j < nr && a[j] == a[j - 1] + PG_SIZE; j++)
			;
		ret = range_set_add(dirty, a[i], a[j - 1] + PG_SIZE);
		if (ret)
			return ret;
		i = j;
	}
	return 0;
}

static int ooh_drain_all(int fd, pid_t pid, struct range_set *dirty)
{
	unsigned int flags = 0, seen = 0;
	uint64_t *buf;
	size_t nr;
	int ret;

	buf = malloc(OOH_DRAIN_BATCH * sizeof(*buf));
	if (!buf)
		return -ENOMEM;
	do {
		ret = ooh_drain(fd, buf, OOH_DRAIN_BATCH, &nr, &flags);
		if (ret) {
			ooh_log(1, "ooh: drain of pid %d: %s\n", pid,
				ooh_strerror(OOH_OP_DRAIN, ret));
			break;
		}
		seen |= flags;
		ret = ooh_add_addrs(dirty, buf, nr);
	} while (!ret && (flags & OOH_DRAIN_MORE));
	free(buf);
	if (ret)
		return ret;
	if (seen & (OOH_DRAIN_OVERFLOW | OOH_DRAIN_EXITED | OOH_DRAIN_EXECED)) {
		ooh_log(2, "ooh: pid %d: the log is incomplete (%s%s%s): full dump\n",
			pid, seen & OOH_DRAIN_OVERFLOW ? "overflow" : "",
			seen & OOH_DRAIN_EXITED ? " exited" : "",
			seen & OOH_DRAIN_EXECED ? " exec'd" : "");
		return -ESTALE;
	}
	return 0;
}

static void ooh_log_stats(int fd, pid_t pid)
{
	struct ooh_stats s;

	if (ooh_stats(fd, &s))
		return;
	ooh_log(3, "ooh: pid %d: %llu frames logged, %llu pages reported, %llu overflows, "
		"%llu drains, rmap %llu ns for %llu frames\n", pid,
		(unsigned long long)s.entries_logged, (unsigned long long)s.pages_reported,
		(unsigned long long)s.overflows, (unsigned long long)s.drains,
		(unsigned long long)s.rmap_ns, (unsigned long long)s.rmap_lookups);
}

static int ooh_tr_collect(struct track_target *t, struct track_state *st,
			  struct range_set *dirty)
{
	int fd, ret;

	fd = ooh_session_fd(t, st);
	if (fd < 0)
		return fd;
	ret = ooh_drain_all(fd, t->pid, dirty);
	if (!ret)
		ooh_log_stats(fd, t->pid);
	close(fd);
	if (ret)
		return ret;
	return ooh_report_holes(t, dirty);
}

static int ooh_tr_stop(struct track_target *t, struct track_state *st)
{
	struct ooh_state os;
	int fd, ret;

	fd = ooh_session_fd(t, st);
	if (fd == -ESTALE) {
		st->target_fd = -1;
		return 0;	/* nothing of ours is left in the target */
	}
	if (fd < 0)
		return fd;
	ret = ooh_detach(fd);
	if (ret && ret != -ENOTCONN)
		ooh_log(2, "ooh: detach from pid %d: %s\n", t->pid,
			ooh_strerror(OOH_OP_DETACH, ret));
	close(fd);
	ret = ooh_state_parse(st, &os);
	if (ret)
		return ret;
	ooh_remote_close(t, os.fd);
	st->target_fd = -1;
	return 0;
}

static const struct dirty_tracker ooh_tracker = {
	.name = OOH_TRACKER,
	.summary = "the hypervisor's dirty log through /dev/ooh (ooh.ko and an OoH KVM host): "
		   "cost follows the written pages, 4 KiB precise under THP",
	.probe = ooh_tr_probe,
	.start = ooh_tr_start,
	.collect = ooh_tr_collect,
	.stop = ooh_tr_stop,
};

__attribute__((visibility("default")))
int criu_plugin_init(const struct criu_plugin_api *api)
{
	if (api->version != CRIU_PLUGIN_API_VERSION)
		return -EINVAL;
	criu_api = api;
	return api->register_dirty_tracker(&ooh_tracker);
}
