// SPDX-License-Identifier: GPL-2.0
/*
 * timerfd descriptors: clock, unread expirations (ticks), the time left
 * and the period, as fdinfo gives them. The dump also notes the timer's
 * clock at that moment; restore takes off the time that passed since,
 * so a timer does not get the stopped time for free: what would have
 * expired meanwhile expires at once, and the expirations missed add to
 * the ticks (TFD_IOC_SET_TICKS). A timer set with TFD_TIMER_ABSTIME is
 * set absolute again, with TFD_TIMER_CANCEL_ON_SET if it had it.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#include "files.h"
#include "dump.h"
#include "log.h"
#include "restore.h"

#include "fdinfo.pb-c.h"
#include "fown.pb-c.h"
#include "timerfd.pb-c.h"

#ifndef TFD_IOC_SET_TICKS
#define TFD_IOC_SET_TICKS	_IOW('T', 0, uint64_t)
#endif

#define NSEC_PER_SEC	1000000000ULL
/* The clocks timerfd_create() accepts. */
#define TFD_CLOCK_OK(c)	((c) == CLOCK_REALTIME || (c) == CLOCK_MONOTONIC || \
			 (c) == CLOCK_BOOTTIME || (c) == CLOCK_REALTIME_ALARM || \
			 (c) == CLOCK_BOOTTIME_ALARM)

static bool is_timerfd(struct files_dump *fdump, const struct fd_parms *p)
{
	return is_anon_link(p, "timerfd");
}

static int clock_ns(clockid_t clk, uint64_t *ns)
{
	struct timespec ts;

	if (clock_gettime(clk, &ts)) {
		int ret = -errno;

		pr_perror("Can't read clock %d", clk);
		return ret;
	}
	*ns = ts.tv_sec * NSEC_PER_SEC + ts.tv_nsec;
	return 0;
}

static int parse_timerfd(const char *text, TimerfdEntry *e)
{
	unsigned long long a, b, c, d, ticks;
	unsigned int clk, sflags;
	const char *v;

	v = fdinfo_field(text, "clockid:");
	if (!v || sscanf(v, "%u", &clk) != 1)
		return -EINVAL;
	v = fdinfo_field(text, "ticks:");
	if (!v || sscanf(v, "%llu", &ticks) != 1)
		return -EINVAL;
	v = fdinfo_field(text, "settime flags:");
	if (!v || sscanf(v, "%o", &sflags) != 1)
		return -EINVAL;
	v = fdinfo_field(text, "it_value:");
	if (!v || sscanf(v, " (%llu, %llu)", &a, &b) != 2)
		return -EINVAL;
	v = fdinfo_field(text, "it_interval:");
	if (!v || sscanf(v, " (%llu, %llu)", &c, &d) != 2)
		return -EINVAL;
	e->clockid = clk;
	e->ticks = ticks;
	e->settime_flags = sflags;
	e->vsec = a;
	e->vnsec = b;
	e->isec = c;
	e->insec = d;
	return 0;
}

static int dump_timerfd(struct files_dump *fdump, const struct fd_parms *p, uint32_t *id)
{
	TimerfdEntry e = TIMERFD_ENTRY__INIT;
	FownEntry fown = FOWN_ENTRY__INIT;
	FileEntry fe = FILE_ENTRY__INIT;
	struct itimerspec its;
	char *text;
	int lfd, ret;

	/*
	 * A periodic timer that expired is only moved on, with its missed
	 * expirations added to ticks, when it is read or asked: until then
	 * fdinfo shows 0 left and one tick. Asking does what the task's own
	 * next read would do.
	 */
	ret = anon_check_flags(fdump, p, "a timerfd");
	if (ret)
		return ret;
	lfd = files_target_fd(fdump, p->fd);
	if (lfd < 0)
		return lfd;
	ret = timerfd_gettime(lfd, &its) ? -errno : 0;
	close(lfd);
	if (ret) {
		pr_perror("pid %d: fd %d: timerfd_gettime", fdump->dc->pid, p->fd);
		return ret;
	}
	ret = files_fdinfo_text(fdump, p, &text);
	if (ret)
		return ret;
	ret = parse_timerfd(text, &e);
	free(text);
	if (ret) {
		pr_err("pid %d: fd %d: its timerfd fdinfo is not understood\n",
		       fdump->dc->pid, p->fd);
		return ret;
	}
	ret = clock_ns(e.clockid, &e.dump_clock_ns);
	if (ret)
		return ret;
	e.has_dump_clock_ns = true;
	e.id = dump_new_file_id(fdump->dc);
	e.flags = p->flags;
	e.fown = &fown;
	fe.type = FD_TYPES__TIMERFD;
	fe.id = e.id;
	fe.tfd = &e;
	ret = files_write_entry(fdump, &fe);
	if (ret)
		return ret;
	pr_info("pid %d: fd %d: timerfd clock %u, %llu.%09llus left, period %llu.%09llus, "
		"%llu ticks\n", fdump->dc->pid, p->fd, e.clockid,
		(unsigned long long)e.vsec, (unsigned long long)e.vnsec,
		(unsigned long long)e.isec, (unsigned long long)e.insec,
		(unsigned long long)e.ticks);
	*id = e.id;
	return 0;
}

static void ns_to_ts(uint64_t ns, struct timespec *ts)
{
	ts->tv_sec = ns / NSEC_PER_SEC;
	ts->tv_nsec = ns % NSEC_PER_SEC;
}

/*
 * The setting for a timer restored at @now on its clock, and the
 * expirations it missed since the dump into *@missed.
 */
static void timer_after_stop(const TimerfdEntry *e, uint64_t now,
			     struct itimerspec *its, uint64_t *missed)
{
	uint64_t value = e->vsec * NSEC_PER_SEC + e->vnsec;
	uint64_t period = e->isec * NSEC_PER_SEC + e->insec;
	uint64_t elapsed = 0, over;

	if (e->has_dump_clock_ns && now > e->dump_clock_ns)
		elapsed = now - e->dump_clock_ns;
	*missed = 0;
	if (value && elapsed >= value) {
		over = elapsed - value;
		if (period) {
			*missed = 1 + over / period;
			value = period - over % period;
		} else {
			*missed = 1;
			value = 0;
		}
	} else if (value) {
		value -= elapsed;
	}
	if (value && (e->settime_flags & TFD_TIMER_ABSTIME))
		value += now;
	ns_to_ts(value, &its->it_value);
	ns_to_ts(period, &its->it_interval);
}

static int check_timerfd(const FileEntry *fe)
{
	const TimerfdEntry *e = fe->tfd;

	if (!e || e->id != fe->id) {
		pr_err("files.img: TIMERFD file id %u has no timerfd entry of its own\n",
		       fe->id);
		return -EINVAL;
	}
	if (!TFD_CLOCK_OK(e->clockid) || e->vnsec >= NSEC_PER_SEC ||
	    e->insec >= NSEC_PER_SEC || e->vsec > UINT32_MAX || e->isec > UINT32_MAX ||
	    (e->settime_flags & ~(TFD_TIMER_ABSTIME | TFD_TIMER_CANCEL_ON_SET))) {
		pr_err("files.img: timerfd %u: clock %u, value %llu.%llu, period %llu.%llu, "
		       "flags %#x are corrupt\n", fe->id, e->clockid,
		       (unsigned long long)e->vsec, (unsigned long long)e->vnsec,
		       (unsigned long long)e->isec, (unsigned long long)e->insec,
		       e->settime_flags);
		return -EINVAL;
	}
	return 0;
}

static int collect_timerfd(struct rst_session *rs, const FileEntry *fe)
{
	const TimerfdEntry *e = fe->tfd;
	struct itimerspec its;
	uint64_t now, missed, ticks;
	int fd, ret;

	ret = check_timerfd(fe);
	if (ret)
		return ret;
	fd = timerfd_create(e->clockid, TFD_CLOEXEC | (e->flags & O_NONBLOCK));
	if (fd < 0) {
		ret = -errno;
		pr_perror("files.img: timerfd %u: can't create one on clock %u", fe->id,
			  e->clockid);
		return ret;
	}
	ret = clock_ns(e->clockid, &now);
	if (ret)
		goto err;
	timer_after_stop(e, now, &its, &missed);
	if (timerfd_settime(fd, its.it_value.tv_sec || its.it_value.tv_nsec ?
			    (int)e->settime_flags : 0, &its, NULL)) {
		ret = -errno;
		pr_perror("files.img: timerfd %u: can't set it", fe->id);
		goto err;
	}
	ticks = e->ticks + missed;
	if (ticks && ioctl(fd, TFD_IOC_SET_TICKS, &ticks)) {
		ret = -errno;
		pr_perror("files.img: timerfd %u: can't set its %llu unread expirations "
			  "(TFD_IOC_SET_TICKS needs CONFIG_CHECKPOINT_RESTORE)", fe->id,
			  (unsigned long long)ticks);
		goto err;
	}
	pr_info("timerfd %u: %llu expirations missed while stopped, %llu ticks\n", fe->id,
		(unsigned long long)missed, (unsigned long long)ticks);
	return rst_keep_file(rs, fe->id, fd, "TIMERFD");
err:
	close(fd);
	return ret;
}

const struct fd_kind fd_kind_timerfd = {
	.name = "timerfd",
	.type = FD_TYPES__TIMERFD,
	.match = is_timerfd,
	.dump = dump_timerfd,
	.collect = collect_timerfd,
};
