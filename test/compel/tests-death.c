// SPDX-License-Identifier: GPL-2.0
/*
 * The tracer dies: a child of the runner seizes the victim, infects it
 * and works in it (mapping memory, running calls, release calls, cure,
 * detach, over again) until it is killed with SIGKILL, after a random
 * delay or at its N-th log message (every compel step logs). The
 * victim, checking its own registers, mask, pending signal, alternate
 * stack and memory all the while, must then run on untraced with the
 * same maps, blocked and pending masks, and no complaint.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "compel.h"
#include "log-stub.h"
#include "test-util.h"
#include "tests.h"

#define RANDOM_TRIES	40
#define MAX_DELAY_US	15000
#define MAPS_MAX	(64 * 1024)

struct snapshot {
	char maps[MAPS_MAX];
	char fds[1024];
	uint64_t blk, pnd;
};

/* The descriptor numbers of @pid, as " 0 1 2". */
static int read_fds(pid_t pid, char *buf, size_t size)
{
	struct dirent *de;
	char path[64];
	size_t len = 0;
	DIR *d;

	snprintf(path, sizeof(path), "/proc/%d/fd", pid);
	d = opendir(path);
	if (!d)
		return -1;
	buf[0] = '\0';
	while ((de = readdir(d)))
		if (de->d_name[0] != '.' && len + 12 < size)
			len += snprintf(buf + len, size - len, " %s", de->d_name);
	closedir(d);
	return 0;
}

static int read_maps(pid_t pid, char *buf)
{
	char path[64];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/maps", pid);
	fd = open(path, O_RDONLY);
	if (fd < 0)
		return -1;
	n = read(fd, buf, MAPS_MAX - 1);
	close(fd);
	if (n < 0)
		return -1;
	buf[n] = '\0';
	return 0;
}

static int take_snapshot(pid_t pid, struct snapshot *s)
{
	if (read_maps(pid, s->maps) || read_fds(pid, s->fds, sizeof(s->fds)) ||
	    status_mask(pid, "SigBlk", &s->blk) ||
	    status_mask(pid, "SigPnd", &s->pnd))
		return -1;
	return 0;
}

static long tracer_pid_of(pid_t pid)
{
	char path[64], line[128];
	long tracer = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/status", pid);
	f = fopen(path, "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "TracerPid: %ld", &tracer) == 1)
			break;
	fclose(f);
	return tracer;
}

/* One round of everything a dump does to its target, end to end. */
static int tracer_cycle(pid_t pid)
{
	struct compel_ctl *ctl;
	unsigned long addr;
	long res, fd = -1;
	int h, ret = -1;

	if (compel_seize(pid))
		return -1;
	ctl = compel_infect(pid, 0);
	if (!ctl)
		goto detach;
	if (compel_map(ctl, 8192, PROT_READ | PROT_WRITE,
		       MAP_SHARED | MAP_ANONYMOUS, &addr))
		goto cure;
	if (compel_syscall(ctl, SYS_getpid, &res, 0, 0, 0, 0, 0, 0) ||
	    compel_syscall(ctl, SYS_prctl, &res, PR_GET_PDEATHSIG, addr, 0, 0,
			   0, 0) ||
	    compel_syscall(ctl, SYS_rt_sigprocmask, &res, SIG_BLOCK, 0, addr,
			   8, 0, 0))
		goto cure;
	/* A descriptor parked high, as a tracker does. */
	if (compel_syscall(ctl, SYS_fcntl, &fd, 1, F_DUPFD_CLOEXEC, 500, 0, 0,
			   0) || fd < 0)
		goto cure;
	h = compel_release_call(ctl, SYS_getppid, 0, 0, 0, 0, 0, 0);
	if (h < 0 || compel_release_drop(ctl, h))
		goto cure;
	if (compel_syscall(ctl, SYS_close, &res, fd, 0, 0, 0, 0, 0) || res)
		goto cure;
	if (compel_unmap(ctl, addr, 8192))
		goto cure;
	ret = 0;
cure:
	if (compel_cure(ctl))
		ret = -1;
detach:
	if (compel_detach(pid))
		ret = -1;
	return ret;
}

/* A tracer child; dies at its @die_at-th message, or runs until killed. */
static pid_t start_tracer(pid_t victim, long die_at)
{
	pid_t pid = fork();

	if (pid)
		return pid;
	log_stub_die_at(die_at);
	do {
		if (tracer_cycle(victim))
			_exit(3);
	} while (!die_at);
	_exit(0);
}

static int reap(pid_t pid, int *status)
{
	while (waitpid(pid, status, 0) < 0)
		if (errno != EINTR)
			return -1;
	return 0;
}

static int wait_untraced(pid_t pid)
{
	int i;

	for (i = 0; i < 200; i++) {
		if (tracer_pid_of(pid) == 0)
			return 0;
		msleep(5);
	}
	return -1;
}

/* The first line of @now that @was lacks, for a failure reason. */
static const char *first_new_line(const char *now, const char *was)
{
	static char line[256];
	const char *p = now, *nl;

	while (*p) {
		nl = strchrnul(p, '\n');
		snprintf(line, sizeof(line), "%.*s", (int)(nl - p), p);
		if (!strstr(was, line))
			return line;
		p = *nl ? nl + 1 : nl;
	}
	return "(lines gone)";
}

/* Its round counter moves on twice within 3 s (a round is a few ms). */
static int rounds_go_on(struct victim *v)
{
	unsigned long a, b;
	int i;

	if (compel_read_mem(v->pid, v->counter, &a, sizeof(a)))
		return 0;
	for (i = 0; i < 300; i++) {
		msleep(10);
		if (compel_read_mem(v->pid, v->counter, &b, sizeof(b)))
			return 0;
		if (b >= a + 2)
			return 1;
	}
	return 0;
}

/* The victim after its tracer died: as before, and still content. */
static int check_victim(struct victim *v, const struct snapshot *before,
			const char *when)
{
	static struct snapshot now;
	char line[256] = "";
	char st;

	CHECK(!wait_untraced(v->pid), "%s: still traced (TracerPid %ld)", when,
	      tracer_pid_of(v->pid));
	/* First let it run: released, it may not have gone home yet. */
	if (!rounds_go_on(v)) {
		victim_line(v, line, sizeof(line), 200);
		fail_reason("%s: victim stopped checking (state %c, exit status %d): \"%s\"",
			    when, proc_state(v->pid), victim_wait_exit(v, 200),
			    line);
		return -1;
	}
	st = proc_state(v->pid);
	CHECK(st == 'R' || st == 'S', "%s: state %c", when, st);
	CHECK(!take_snapshot(v->pid, &now), "%s: victim gone", when);
	CHECK(!strcmp(now.maps, before->maps), "%s: maps changed, now has %s",
	      when, first_new_line(now.maps, before->maps));
	CHECK(!strcmp(now.fds, before->fds), "%s: fds%s, were%s", when,
	      now.fds, before->fds);
	CHECK(now.blk == before->blk, "%s: SigBlk %#llx, was %#llx", when,
	      (unsigned long long)now.blk, (unsigned long long)before->blk);
	CHECK(now.pnd == before->pnd, "%s: SigPnd %#llx, was %#llx", when,
	      (unsigned long long)now.pnd, (unsigned long long)before->pnd);
	return 0;
out:
	return -1;
}

/* Kill a tracer @delay_us after its start, or let it die at die_at. */
static int one_death(struct victim *v, const struct snapshot *before,
		     long die_at, long delay_us, const char *when)
{
	pid_t tracer;
	int status;

	tracer = start_tracer(v->pid, die_at);
	CHECK(tracer > 0, "fork: %m");
	if (!die_at) {
		usleep(delay_us);
		kill(tracer, SIGKILL);
	}
	CHECK(!reap(tracer, &status), "waitpid of the tracer: %m");
	CHECK(!WIFEXITED(status) || WEXITSTATUS(status) == 0,
	      "%s: tracer failed (exit %d)", when, WEXITSTATUS(status));
	return check_victim(v, before, when);
out:
	return -1;
}

static int start_checked(struct victim *v, struct snapshot *before)
{
	if (victim_start(v, "selfcheck"))
		return -1;
	msleep(50);	/* past its setup */
	if (take_snapshot(v->pid, before)) {
		fail_reason("no snapshot of the victim");
		return -1;
	}
	return 0;
}

int test_death_random(void)
{
	static struct snapshot before;
	struct victim v;
	char when[64];
	int i, ret = -1;

	CHECK(!start_checked(&v, &before), "no victim");
	srand(getpid());
	for (i = 0; i < RANDOM_TRIES; i++) {
		long delay = rand() % MAX_DELAY_US;

		snprintf(when, sizeof(when), "try %d (%ld us)", i, delay);
		if (one_death(&v, &before, 0, delay, when))
			goto out;
	}
	ret = 0;
out:
	victim_stop(&v);
	return ret;
}

/* How many messages one tracer cycle logs, counted on a live run. */
static long count_points(pid_t pid)
{
	log_stub_die_at(0);
	if (tracer_cycle(pid))
		return -1;
	return log_stub_count();
}

int test_death_each_step(void)
{
	static struct snapshot before;
	struct victim v;
	char when[64];
	long n, k;
	int ret = -1;

	CHECK(!start_checked(&v, &before), "no victim");
	n = count_points(v.pid);
	CHECK(n > 10, "a tracer cycle logged %ld messages", n);
	for (k = 1; k <= n; k++) {
		snprintf(when, sizeof(when), "step %ld of %ld", k, n);
		if (one_death(&v, &before, k, 0, when))
			goto out;
	}
	ret = 0;
out:
	victim_stop(&v);
	return ret;
}

/*
 * A victim blocked in read() when its tracer dies carries on in that
 * read: the frame restarts it as the kernel would (-ERESTARTSYS).
 */
int test_death_in_read(void)
{
	struct victim v;
	char line[128];
	int i, ret = -1;

	CHECK(!victim_start(&v, "read"), "no victim");
	for (i = 0; i < 8; i++) {
		pid_t tracer;
		int status;

		CHECK(!wait_state(v.pid, 'S', 2000), "victim does not block");
		tracer = start_tracer(v.pid, 0);
		CHECK(tracer > 0, "fork: %m");
		usleep(500 + i * 700);
		kill(tracer, SIGKILL);
		CHECK(!reap(tracer, &status), "waitpid of the tracer: %m");
		CHECK(!wait_untraced(v.pid), "try %d: still traced", i);
	}
	CHECK(write(v.in, "abc\n", 4) == 4, "write: %m");
	CHECK(!victim_line(&v, line, sizeof(line), 2000), "no answer");
	CHECK(!strcmp(line, "read n=4 errno=0 data=abc"), "victim said \"%s\"",
	      line);
	ret = 0;
out:
	victim_stop(&v);
	return ret;
}

/*
 * A SIGSTOP that reaches the victim while injected calls run is not
 * lost when the tracer dies: the victim ends up group-stopped, and runs
 * on unchanged after SIGCONT. The tracer gets 20 ms to see the signal:
 * one that dies while the victim sits in the signal-delivery stop of
 * SIGSTOP loses it (ptrace(2), BUGS), which compel can't help.
 */
int test_death_sigstop(void)
{
	static struct snapshot before;
	struct victim v;
	char when[64];
	pid_t tracer;
	int i, status, ret = -1;

	CHECK(!start_checked(&v, &before), "no victim");
	for (i = 0; i < 10; i++) {
		snprintf(when, sizeof(when), "try %d", i);
		tracer = start_tracer(v.pid, 0);
		CHECK(tracer > 0, "fork: %m");
		usleep(1000 + i * 500);
		kill(v.pid, SIGSTOP);
		usleep(20000);
		kill(tracer, SIGKILL);
		CHECK(!reap(tracer, &status), "waitpid of the tracer: %m");
		CHECK(!wait_untraced(v.pid), "%s: still traced", when);
		CHECK(!wait_state(v.pid, 'T', 2000), "%s: SIGSTOP lost (state %c)",
		      when, proc_state(v.pid));
		kill(v.pid, SIGCONT);
		if (check_victim(&v, &before, when))
			goto out;
	}
	ret = 0;
out:
	victim_stop(&v);
	return ret;
}

