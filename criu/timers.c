// SPDX-License-Identifier: GPL-2.0
/*
 * Timers of a process: the three setitimer() timers (real, virtual,
 * profiling) and the POSIX timers of timer_create().
 *
 * Both are dumped as the time left and the interval, read by the
 * process itself (getitimer, timer_gettime), and armed again relative
 * to the moment of restore. POSIX timers keep their ids: the program
 * holds them as timer_t values. The list and each timer's clock and
 * notification come from /proc/PID/timers; the child recreates them
 * with PR_TIMER_CREATE_RESTORE_IDS, under which timer_create() takes the
 * id to use from its third argument.
 *
 * What can't come back exactly is refused: a timer's overrun count (the
 * kernel has no way to set it) and a timer signal that is still pending
 * (a queued copy would not be the timer's own signal, which the kernel
 * re-arms and counts overruns on).
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <time.h>

#include "compel.h"
#include "dump.h"
#include "log.h"
#include "proc_parse.h"
#include "restore.h"
#include "task-state.h"

#include "timer.pb-c.h"

#ifndef PR_TIMER_CREATE_RESTORE_IDS
#define PR_TIMER_CREATE_RESTORE_IDS	77
#define PR_TIMER_CREATE_RESTORE_IDS_OFF	0
#define PR_TIMER_CREATE_RESTORE_IDS_ON	1
#endif
/* si_code of a POSIX timer's signal */
#define SI_TIMER_CODE	(-2)
#define SIGINFO_CODE_OFF	8

/* struct sigevent as the kernel takes it (x86_64) */
struct ksigevent {
	uint64_t value;
	int32_t signo;
	int32_t notify;
	int32_t tid;
	int32_t pad[11];
};

struct kitimerval {
	struct timeval interval, value;
};

struct kitimerspec {
	struct timespec interval, value;
};

/* ---- dump ---- */

static int dump_itimer(struct dump_ctx *dc, int which, ItimerEntry *ie)
{
	struct kitimerval v;
	long ret;
	int err;

	err = dump_call(dc, "getitimer", &ret, __NR_getitimer, which, dc->scratch, 0);
	if (!err)
		err = compel_read_mem(dc->pid, dc->scratch, &v, sizeof(v));
	if (err)
		return err;
	itimer_entry__init(ie);
	ie->isec = v.interval.tv_sec;
	ie->iusec = v.interval.tv_usec;
	ie->vsec = v.value.tv_sec;
	ie->vusec = v.value.tv_usec;
	return 0;
}

/* The notification of a /proc/PID/timers "notify:" line: "signal/pid.42". */
static int parse_notify(const char *s, PosixTimerEntry *pte)
{
	static const char *const kinds[] = {
		[SIGEV_SIGNAL] = "signal", [SIGEV_NONE] = "none",
		[SIGEV_THREAD] = "thread",
	};
	char kind[16], who[8];
	unsigned int i;
	int id;

	if (sscanf(s, "%15[a-z]/%7[a-z].%d", kind, who, &id) != 3)
		return -EINVAL;
	for (i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++)
		if (kinds[i] && !strcmp(kind, kinds[i]))
			break;
	if (i == sizeof(kinds) / sizeof(kinds[0]))
		return -EINVAL;
	pte->it_sigev_notify = i;
	if (!strcmp(who, "tid")) {
		pte->it_sigev_notify |= SIGEV_THREAD_ID;
		pte->has_notify_thread_id = true;
		pte->notify_thread_id = id;
	}
	return 0;
}

/* One "ID:" block; *@pos moves past it. 1 if a timer was read, 0 at the end. */
static int parse_one_timer(char **pos, PosixTimerEntry *pte)
{
	unsigned long long sival;
	char notify[64];
	int id, signo, clock;
	char *p = *pos;
	int n = 0;

	if (!*p)
		return 0;
	if (sscanf(p, "ID: %d\nsignal: %d/%llx\nnotify: %63s\nClockID: %d\n%n",
		   &id, &signo, &sival, notify, &clock, &n) != 5 || !n)
		return -EINVAL;
	posix_timer_entry__init(pte);
	pte->it_id = id;
	pte->si_signo = signo;
	pte->sival_ptr = sival;
	pte->clock_id = clock;
	*pos = p + n;
	return parse_notify(notify, pte) ?: 1;
}

static int timer_times(struct dump_ctx *dc, PosixTimerEntry *pte)
{
	struct kitimerspec its;
	long ret;
	int err;

	err = dump_call(dc, "timer_gettime", &ret, __NR_timer_gettime, pte->it_id,
			dc->scratch, 0);
	if (!err)
		err = compel_read_mem(dc->pid, dc->scratch, &its, sizeof(its));
	if (!err)
		err = dump_call(dc, "timer_getoverrun", &ret, __NR_timer_getoverrun,
				pte->it_id, 0, 0);
	if (err)
		return err;
	pte->isec = its.interval.tv_sec;
	pte->insec = its.interval.tv_nsec;
	pte->vsec = its.value.tv_sec;
	pte->vnsec = its.value.tv_nsec;
	pte->overrun = ret;
	if (ret) {
		pr_err("criu: pid %d: POSIX timer %u has an overrun count of %ld, which can't be restored: not supported\n",
		       dc->pid, pte->it_id, ret);
		return -EOPNOTSUPP;
	}
	return 0;
}

static int add_timer(TaskTimersEntry *te, PosixTimerEntry *pte)
{
	PosixTimerEntry **v = realloc(te->posix, (te->n_posix + 1) * sizeof(*v));

	if (!v)
		return -ENOMEM;
	te->posix = v;
	te->posix[te->n_posix++] = pte;
	return 0;
}

static int dump_posix_timers(struct dump_ctx *dc, TaskTimersEntry *te)
{
	PosixTimerEntry *pte = NULL;
	char *buf, *pos;
	ssize_t len;
	int ret;

	len = read_proc_file(dc->pid, "timers", &buf);
	if (len < 0)
		return len;
	for (pos = buf;;) {
		pte = malloc(sizeof(*pte));
		if (!pte) {
			ret = -ENOMEM;
			break;
		}
		ret = parse_one_timer(&pos, pte);
		if (ret <= 0)
			break;
		ret = timer_times(dc, pte);
		if (!ret)
			ret = add_timer(te, pte);
		if (ret)
			break;
		pte = NULL;
	}
	if (ret == -EINVAL)
		pr_err("Can't parse /proc/%d/timers near: %.40s\n", dc->pid, pos);
	free(pte);
	free(buf);
	return ret;
}

/* A queued SI_TIMER signal belongs to a timer; a copy would not. */
static int check_queue(pid_t pid, const SignalQueueEntry *q)
{
	int32_t code;
	size_t i;

	for (i = 0; q && i < q->n_signals; i++) {
		if (q->signals[i]->siginfo.len < SIGINFO_CODE_OFF + sizeof(code))
			continue;
		memcpy(&code, q->signals[i]->siginfo.data + SIGINFO_CODE_OFF, sizeof(code));
		if (code == SI_TIMER_CODE) {
			pr_err("criu: pid %d: a POSIX timer's signal is pending: not supported\n",
			       pid);
			return -EOPNOTSUPP;
		}
	}
	return 0;
}

int dump_timers(struct dump_ctx *dc, CoreEntry *core)
{
	TaskTimersEntry *te;
	ItimerEntry *it;
	int ret;

	ret = check_queue(dc->pid, core->tc->signals_s);
	if (!ret)
		ret = check_queue(dc->pid, core->thread_core->signals_p);
	if (ret)
		return ret;
	te = calloc(1, sizeof(*te));
	it = calloc(3, sizeof(*it));
	if (!te || !it) {
		free(te);
		free(it);
		return -ENOMEM;
	}
	task_timers_entry__init(te);
	te->real = &it[0];
	te->virt = &it[1];
	te->prof = &it[2];
	core->tc->timers = te;
	ret = dump_itimer(dc, ITIMER_REAL, te->real);
	if (!ret)
		ret = dump_itimer(dc, ITIMER_VIRTUAL, te->virt);
	if (!ret)
		ret = dump_itimer(dc, ITIMER_PROF, te->prof);
	if (!ret)
		ret = dump_posix_timers(dc, te);
	return ret;
}

/* ---- restore ---- */

/*
 * The kernel adds a tick to the value of a CPU-time itimer when it is
 * set (so that it never fires early) and getitimer() reports it: take
 * that tick off, or every dump and restore would add one. A tick is the
 * resolution of the coarse clocks.
 */
static void untick(struct timeval *tv)
{
	struct timespec res;
	long long us = tv->tv_sec * 1000000LL + tv->tv_usec, tick_us;

	if (clock_getres(CLOCK_MONOTONIC_COARSE, &res))
		return;
	tick_us = (res.tv_sec * 1000000000LL + res.tv_nsec) / 1000;
	if (us <= tick_us)
		return;
	us -= tick_us;
	tv->tv_sec = us / 1000000;
	tv->tv_usec = us % 1000000;
}

static int restore_itimer(struct rst_ctx *rc, int which, const ItimerEntry *ie)
{
	struct kitimerval v = {
		.interval = { .tv_sec = ie->isec, .tv_usec = ie->iusec },
		.value = { .tv_sec = ie->vsec, .tv_usec = ie->vusec },
	};
	unsigned long addr;
	int ret;

	if (!ie->vsec && !ie->vusec)
		return 0;	/* disarmed, as a new process's are */
	if (which != ITIMER_REAL)
		untick(&v.value);
	addr = rst_scratch_put(rc, &v, sizeof(v));
	if (!addr)
		return -ENOSPC;
	ret = rst_call(rc, "setitimer", __NR_setitimer, which, addr, 0, 0);
	rst_scratch_reset(rc);
	return ret;
}

static int create_timer(struct rst_ctx *rc, const PosixTimerEntry *pte)
{
	struct ksigevent sev = {
		.value = pte->sival_ptr,
		.signo = pte->si_signo,
		.notify = pte->it_sigev_notify,
		.tid = pte->has_notify_thread_id ? pte->notify_thread_id : 0,
	};
	int32_t id = pte->it_id, got;
	unsigned long a_sev, a_id;
	int ret;

	a_sev = rst_scratch_put(rc, &sev, sizeof(sev));
	a_id = rst_scratch_put(rc, &id, sizeof(id));
	if (!a_sev || !a_id)
		return -ENOSPC;
	ret = rst_call(rc, "timer_create", __NR_timer_create, pte->clock_id, a_sev,
		       a_id, 0);
	if (!ret)
		ret = compel_read_mem(rc->pid, a_id, &got, sizeof(got));
	rst_scratch_reset(rc);
	if (!ret && got != id) {
		pr_err("%d: POSIX timer %d came back as %d\n", rc->pid, id, got);
		ret = -EINVAL;
	}
	return ret;
}

static int arm_timer(struct rst_ctx *rc, const PosixTimerEntry *pte)
{
	struct kitimerspec its = {
		.interval = { .tv_sec = pte->isec, .tv_nsec = pte->insec },
		.value = { .tv_sec = pte->vsec, .tv_nsec = pte->vnsec },
	};
	unsigned long addr;
	int ret;

	if (!pte->vsec && !pte->vnsec)
		return 0;
	addr = rst_scratch_put(rc, &its, sizeof(its));
	if (!addr)
		return -ENOSPC;
	ret = rst_call(rc, "timer_settime", __NR_timer_settime, pte->it_id, 0, addr, 0);
	rst_scratch_reset(rc);
	return ret;
}

static const PosixTimerEntry *timer_by_id(const TaskTimersEntry *te, uint32_t id)
{
	size_t i;

	for (i = 0; i < te->n_posix; i++)
		if (te->posix[i]->it_id == id)
			return te->posix[i];
	return NULL;
}

/*
 * Without PR_TIMER_CREATE_RESTORE_IDS (before Linux 6.15) a new process
 * gets ids 0, 1, 2, ... in turn: create every id up to the highest,
 * with placeholders for the ids the process had deleted, then delete
 * those again.
 */
static int create_timers_in_turn(struct rst_ctx *rc, const TaskTimersEntry *te)
{
	static const PosixTimerEntry placeholder = {
		.clock_id = CLOCK_MONOTONIC, .it_sigev_notify = SIGEV_NONE,
	};
	uint32_t id, max = 0;
	size_t i;
	int ret = 0;

	for (i = 0; i < te->n_posix; i++)
		if (te->posix[i]->it_id > max)
			max = te->posix[i]->it_id;
	if (max > 4096) {
		pr_err("%d: POSIX timer id %u: too many placeholders without PR_TIMER_CREATE_RESTORE_IDS\n",
		       rc->pid, max);
		return -EOPNOTSUPP;
	}
	for (id = 0; id <= max && !ret; id++) {
		const PosixTimerEntry *pte = timer_by_id(te, id);
		PosixTimerEntry tmp = placeholder;

		if (!pte) {
			tmp.it_id = id;
			pte = &tmp;
		}
		ret = create_timer(rc, pte);
	}
	for (id = 0; id <= max && !ret; id++)
		if (!timer_by_id(te, id))
			ret = rst_call(rc, "timer_delete", __NR_timer_delete, id, 0, 0, 0);
	return ret;
}

static int create_timers(struct rst_ctx *rc, const TaskTimersEntry *te)
{
	size_t i;
	int ret;

	ret = rst_call(rc, "prctl(PR_TIMER_CREATE_RESTORE_IDS)", __NR_prctl,
		       PR_TIMER_CREATE_RESTORE_IDS, PR_TIMER_CREATE_RESTORE_IDS_ON, 0, 0);
	if (ret == -EINVAL) {
		pr_info("%d: no PR_TIMER_CREATE_RESTORE_IDS: timers created in id order\n",
			rc->pid);
		return create_timers_in_turn(rc, te);
	}
	if (ret)
		return ret;
	/* /proc/PID/timers lists the newest first: recreate the oldest first */
	for (i = te->n_posix; i > 0 && !ret; i--)
		ret = create_timer(rc, te->posix[i - 1]);
	if (!ret)
		ret = rst_call(rc, "prctl(PR_TIMER_CREATE_RESTORE_IDS)", __NR_prctl,
			       PR_TIMER_CREATE_RESTORE_IDS,
			       PR_TIMER_CREATE_RESTORE_IDS_OFF, 0, 0);
	return ret;
}

int restore_timers(struct rst_ctx *rc, const CoreEntry *core)
{
	const TaskTimersEntry *te = core->tc->timers;
	size_t i;
	int ret = 0;

	if (!te)
		return 0;
	if (!te->real || !te->virt || !te->prof) {
		pr_err("core-%d.img: timers without the three itimers\n", rc->pid);
		return -EINVAL;
	}
	if (te->n_posix)
		ret = create_timers(rc, te);
	for (i = 0; i < te->n_posix && !ret; i++)
		ret = arm_timer(rc, te->posix[i]);
	if (!ret)
		ret = restore_itimer(rc, ITIMER_REAL, te->real);
	if (!ret)
		ret = restore_itimer(rc, ITIMER_VIRTUAL, te->virt);
	if (!ret)
		ret = restore_itimer(rc, ITIMER_PROF, te->prof);
	return ret;
}
