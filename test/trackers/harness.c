// SPDX-License-Identifier: GPL-2.0
/*
 * The tracker tests' stand-in for criu: victims, a track_target built on
 * compel, and the /proc look-ups the checks need.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "compel.h"
#include "harness.h"
#include "tracking.h"

const char *victim_path = "./victim";

static int victim_line(struct victim *v, char *buf, size_t size, int timeout_ms)
{
	struct pollfd pfd = { .fd = v->out, .events = POLLIN };
	size_t n = 0;
	char c;

	while (n + 1 < size) {
		if (poll(&pfd, 1, timeout_ms) <= 0)
			return -1;
		if (read(v->out, &c, 1) != 1)
			return -1;
		if (c == '\n')
			break;
		buf[n++] = c;
	}
	buf[n] = '\0';
	return 0;
}

int victim_ready(struct victim *v)
{
	char line[128];

	if (victim_line(v, line, sizeof(line), 5000) || strncmp(line, "ready ", 6)) {
		fail_reason("victim did not say ready");
		return -1;
	}
	return 0;
}

int victim_start(struct victim *v)
{
	int in[2], out[2];

	v->pid = -1;
	v->in = v->out = -1;
	if (pipe2(in, O_CLOEXEC) || pipe2(out, O_CLOEXEC)) {
		fail_reason("pipe: %m");
		return -1;
	}
	v->pid = fork();
	if (v->pid < 0) {
		fail_reason("fork: %m");
		return -1;
	}
	if (v->pid == 0) {
		if (dup2(in[0], 0) < 0 || dup2(out[1], 1) < 0)
			_exit(126);
		execl(victim_path, victim_path, (char *)NULL);
		_exit(127);
	}
	close(in[0]);
	close(out[1]);
	v->in = in[1];
	v->out = out[0];
	return victim_ready(v);
}

void victim_stop(struct victim *v)
{
	if (v->pid > 0) {
		kill(v->pid, SIGKILL);
		waitpid(v->pid, NULL, 0);
	}
	if (v->in >= 0)
		close(v->in);
	if (v->out >= 0)
		close(v->out);
	v->pid = -1;
	v->in = v->out = -1;
}

int victim_cmd(struct victim *v, unsigned long *val, const char *fmt, ...)
{
	char cmd[256], line[256];
	va_list ap;
	int len;

	va_start(ap, fmt);
	len = vsnprintf(cmd, sizeof(cmd) - 1, fmt, ap);
	va_end(ap);
	cmd[len++] = '\n';
	if (write(v->in, cmd, len) != len) {
		fail_reason("write to victim: %m");
		return -1;
	}
	if (victim_line(v, line, sizeof(line), 60000)) {
		fail_reason("victim did not answer \"%.*s\"", len - 1, cmd);
		return -1;
	}
	if (strncmp(line, "ok", 2)) {
		fail_reason("victim: \"%.*s\" -> %s", len - 1, cmd, line);
		return -1;
	}
	if (val)
		*val = strtoul(line + 2, NULL, 16);
	return 0;
}

/* --- the track_target of a seized victim ------------------------------- */

static int ht_syscall(struct track_target *t, long nr, long *ret,
		      unsigned long a1, unsigned long a2, unsigned long a3,
		      unsigned long a4, unsigned long a5, unsigned long a6)
{
	struct htarget *h = t->criu_priv;

	if (!h->ctl) {
		fail_reason("injected call %ld into the running %d", nr, t->pid);
		return -EPERM;	/* arm(): the target runs, nothing may be injected */
	}
	return compel_syscall(h->ctl, nr, ret, a1, a2, a3, a4, a5, a6);
}

static int ht_write_mem(struct track_target *t, unsigned long addr,
			const void *buf, size_t len)
{
	return compel_write_mem(t->pid, addr, buf, len);
}

static int ht_read_mem(struct track_target *t, unsigned long addr, void *buf,
		       size_t len)
{
	return compel_read_mem(t->pid, addr, buf, len);
}

static int ht_get_fd(struct track_target *t, int fd)
{
	struct htarget *h = t->criu_priv;
	int ret;

	ret = syscall(SYS_pidfd_getfd, h->pidfd, fd, 0);
	return ret < 0 ? -errno : ret;
}

/* The areas criu would dump: all but the kernel's special mappings. */
static int ht_read_areas(struct htarget *h)
{
	char path[64], line[512];
	unsigned int nr = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/maps", h->t.pid);
	f = fopen(path, "re");
	if (!f) {
		fail_reason("open %s: %m", path);
		return -1;
	}
	while (fgets(line, sizeof(line), f) && nr < MAX_AREAS) {
		struct track_area *a = &h->areas[nr];
		char perms[8];

		if (strstr(line, "[vvar") || strstr(line, "[vsyscall]") ||
		    strstr(line, "[vdso]"))
			continue;
		if (sscanf(line, "%lx-%lx %7s", &a->start, &a->end, perms) != 3)
			continue;
		a->shared = perms[3] == 's';
		nr++;
	}
	fclose(f);
	h->t.areas = h->areas;
	h->t.nr_areas = nr;
	return 0;
}

static int ht_map_scratch(struct htarget *h)
{
	long addr;

	if (compel_syscall(h->ctl, __NR_mmap, &addr, 0, PAGE,
			   PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
			   -1, 0) || addr < 0) {
		fail_reason("scratch mmap in %d failed", h->t.pid);
		return -1;
	}
	h->t.scratch = addr;
	h->t.scratch_size = PAGE;
	return 0;
}

static int ht_open_pagemap(struct htarget *h)
{
	char path[64];

	snprintf(path, sizeof(path), "/proc/%d/pagemap", h->t.pid);
	h->t.pagemap = open(path, O_RDONLY | O_CLOEXEC);
	if (h->t.pagemap < 0) {
		fail_reason("open %s: %m", path);
		return -1;
	}
	return 0;
}

/* What a target has whether it is seized or runs: areas, pagemap, pidfd. */
static int ht_open(struct htarget *h, pid_t pid)
{
	memset(h, 0, sizeof(*h));
	h->t.pid = pid;
	h->t.pagemap = -1;
	h->t.syscall = ht_syscall;
	h->t.write_mem = ht_write_mem;
	h->t.read_mem = ht_read_mem;
	h->t.get_fd = ht_get_fd;
	/* The shared operations are criu's own (criu/track-ops.c). */
	track_target_set_ops(&h->t);
	h->t.criu_priv = h;
	h->pidfd = syscall(SYS_pidfd_open, pid, 0);
	if (h->pidfd < 0) {
		fail_reason("pidfd_open %d: %m", pid);
		return -1;
	}
	return 0;
}

int htarget_seize(struct htarget *h, pid_t pid)
{
	if (ht_open(h, pid))
		return -1;
	if (compel_seize(pid)) {
		fail_reason("can't seize %d", pid);
		goto err_pidfd;
	}
	if (ht_read_areas(h) || ht_open_pagemap(h))
		goto err_detach;
	h->ctl = compel_infect(pid, 0);
	if (!h->ctl) {
		fail_reason("can't infect %d: %m", pid);
		goto err_detach;
	}
	if (ht_map_scratch(h))
		goto err_cure;
	return 0;
err_cure:
	compel_cure(h->ctl);
err_detach:
	if (h->t.pagemap >= 0)
		close(h->t.pagemap);
	compel_detach(pid);
err_pidfd:
	close(h->pidfd);
	return -1;
}

int htarget_release(struct htarget *h)
{
	long ret;
	int err = 0;

	if (h->t.scratch && (compel_syscall(h->ctl, __NR_munmap, &ret,
					    h->t.scratch, PAGE, 0, 0, 0, 0) || ret))
		err = -1;
	if (compel_cure(h->ctl))
		err = -1;
	if (compel_detach(h->t.pid))
		err = -1;
	close(h->t.pagemap);
	close(h->pidfd);
	if (err)
		fail_reason("release of %d failed", h->t.pid);
	return err;
}

/* start() or start_unarmed() on the seized victim. */
static int track_begin(const struct dirty_tracker *tr, pid_t pid, struct track_state *st,
		       bool unarmed)
{
	struct htarget h;
	int ret;

	memset(st, 0, sizeof(*st));
	snprintf(st->tracker, sizeof(st->tracker), "%s", tr->name);
	st->pid = pid;
	st->target_fd = -1;
	if (htarget_seize(&h, pid))
		return -EIO;
	ret = unarmed ? tr->start_unarmed(&h.t, st) : tr->start(&h.t, st);
	if (htarget_release(&h))
		return -EIO;
	return ret;
}

int track_start(const struct dirty_tracker *tr, pid_t pid, struct track_state *st)
{
	return track_begin(tr, pid, st, false);
}

int track_start_unarmed(const struct dirty_tracker *tr, pid_t pid, struct track_state *st)
{
	return track_begin(tr, pid, st, true);
}

int track_arm(const struct dirty_tracker *tr, pid_t pid, struct track_state *st)
{
	struct htarget h;
	int ret = -EIO;

	if (ht_open(&h, pid))
		return -EIO;
	if (!ht_read_areas(&h) && !ht_open_pagemap(&h))
		ret = tr->arm(&h.t, st);
	if (h.t.pagemap >= 0)
		close(h.t.pagemap);
	close(h.pidfd);
	return ret;
}

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

int track_collect(const struct dirty_tracker *tr, pid_t pid,
		  struct track_state *st, struct range_set *dirty, double *ms)
{
	struct htarget h;
	double t0;
	int ret;

	range_set_clear(dirty);
	if (htarget_seize(&h, pid))
		return -EIO;
	t0 = now_ms();
	ret = tr->collect(&h.t, st, dirty);
	if (ms)
		*ms = now_ms() - t0;
	st->generation++;
	range_set_normalize(dirty);
	if (htarget_release(&h))
		return -EIO;
	return ret;
}

int track_stop(const struct dirty_tracker *tr, pid_t pid, struct track_state *st)
{
	struct htarget h;
	int ret;

	if (htarget_seize(&h, pid))
		return -EIO;
	ret = tr->stop(&h.t, st);
	if (htarget_release(&h))
		return -EIO;
	return ret;
}

/* --- checks ------------------------------------------------------------ */

unsigned long bytes_in(const struct range_set *dirty, unsigned long start,
		       unsigned long end)
{
	unsigned long sum = 0;
	unsigned int i;

	for (i = 0; i < dirty->nr; i++) {
		unsigned long s = dirty->r[i].start, e = dirty->r[i].end;

		if (s < start)
			s = start;
		if (e > end)
			e = end;
		if (s < e)
			sum += e - s;
	}
	return sum;
}

unsigned long first_missing(const struct range_set *dirty, unsigned long addr,
			    unsigned long stride, unsigned long count)
{
	unsigned long i;

	for (i = 0; i < count; i++) {
		unsigned long page = (addr + i * stride) & ~(PAGE - 1);

		if (!range_set_contains(dirty, page))
			return page;
	}
	return 0;
}

int page_present(pid_t pid, unsigned long addr)
{
	char path[64];
	uint64_t pme;
	int fd;
	ssize_t got;

	snprintf(path, sizeof(path), "/proc/%d/pagemap", pid);
	fd = open(path, O_RDONLY);
	if (fd < 0)
		return -1;
	got = pread(fd, &pme, sizeof(pme), addr / PAGE * sizeof(pme));
	close(fd);
	if (got != sizeof(pme))
		return -1;
	return !!(pme & (1ULL << 63));
}

long present_bytes_in(pid_t pid, const struct range_set *dirty,
		      unsigned long start, unsigned long end)
{
	unsigned long addr;
	long sum = 0;
	int present;

	for (addr = start; addr < end; addr += PAGE) {
		if (!range_set_contains(dirty, addr))
			continue;
		present = page_present(pid, addr);
		if (present < 0)
			return -1;
		sum += present ? PAGE : 0;
	}
	return sum;
}

int count_uffds(pid_t pid)
{
	char path[64], link[340], target[64];
	struct dirent *de;
	int nr = 0;
	DIR *d;

	snprintf(path, sizeof(path), "/proc/%d/fd", pid);
	d = opendir(path);
	if (!d)
		return -1;
	while ((de = readdir(d))) {
		ssize_t len;

		if (de->d_name[0] == '.')
			continue;
		snprintf(link, sizeof(link), "%s/%s", path, de->d_name);
		len = readlink(link, target, sizeof(target) - 1);
		if (len < 0)
			continue;
		target[len] = '\0';
		if (!strcmp(target, "anon_inode:[userfaultfd]"))
			nr++;
	}
	closedir(d);
	return nr;
}

int count_uffd_wp_areas(pid_t pid)
{
	char path[64], line[512];
	int nr = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/smaps", pid);
	f = fopen(path, "re");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, "VmFlags:", 8) && strstr(line, " uw"))
			nr++;
	fclose(f);
	return nr;
}

long anon_huge_kb(pid_t pid)
{
	char path[64], line[256];
	long kb = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/smaps_rollup", pid);
	f = fopen(path, "re");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "AnonHugePages: %ld kB", &kb) == 1)
			break;
	fclose(f);
	return kb;
}
