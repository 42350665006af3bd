// SPDX-License-Identifier: GPL-2.0
/*
 * Tracking sessions: binding an open /dev/ooh to a process, noticing
 * that the process exited or exec'd, and handing out one interval's
 * page addresses, in as many DRAIN calls as the caller's buffer needs.
 *
 * Locking: the session's own mutex is held by every caller here (the
 * ioctl path or release). ooh_sessions_lock guards the list of attached
 * sessions that finds a second session on the same process; it nests
 * inside the session mutex and outside the providers' locks.
 */
#include <linux/mm.h>
#include <linux/pid.h>
#include <linux/ptrace.h>
#include <linux/sched.h>
#include <linux/sched/mm.h>
#include <linux/sched/signal.h>
#include <linux/sched/task.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include "ooh-internal.h"

static LIST_HEAD(ooh_sessions);
static DEFINE_MUTEX(ooh_sessions_lock);

/*
 * Who may track a process: itself, or the tracer that has it under
 * ptrace now. The kernel exports no ptrace_may_access() to modules;
 * being its tracer means PTRACE_ATTACH/SEIZE already passed that check
 * with PTRACE_MODE_ATTACH_REALCREDS, LSMs included, which is the rule
 * the ABI asks for. criu holds its target seized while it attaches.
 */
static bool ooh_may_track(struct task_struct *task)
{
	struct task_struct *tracer;
	bool ok;

	if (same_thread_group(task, current))
		return true;
	rcu_read_lock();
	tracer = ptrace_parent(task);
	ok = tracer && same_thread_group(tracer, current);
	rcu_read_unlock();
	return ok;
}

static bool ooh_mm_tracked(struct mm_struct *mm)
{
	struct ooh_session *o;

	list_for_each_entry(o, &ooh_sessions, node)
		if (o->mm == mm && !o->gone)
			return true;
	return false;
}

/* The process behind @nr in the caller's pid namespace, with its mm. */
static int ooh_find_target(pid_t nr, struct pid **pidp, struct mm_struct **mmp)
{
	struct task_struct *task;
	struct mm_struct *mm;
	struct pid *p;
	int ret = 0;

	p = find_get_pid(nr);
	if (!p)
		return -ESRCH;
	task = get_pid_task(p, PIDTYPE_PID);
	put_pid(p);
	if (!task)
		return -ESRCH;
	if (task->flags & PF_KTHREAD) {
		ret = -EINVAL;
		goto out;
	}
	if (!ooh_may_track(task)) {
		ret = -EPERM;
		goto out;
	}
	mm = get_task_mm(task);
	if (!mm) {
		ret = -ESRCH;		/* exiting: no address space left */
		goto out;
	}
	mmgrab(mm);
	mmput(mm);
	*mmp = mm;
	*pidp = get_task_pid(task, PIDTYPE_TGID);
out:
	put_task_struct(task);
	return ret;
}

int ooh_session_attach(struct ooh_session *s, const struct ooh_attach *arg)
{
	struct mm_struct *mm;
	struct pid *pid;
	int ret;

	/* The process first: a bad pid says so even without a host. */
	ret = ooh_find_target(arg->pid, &pid, &mm);
	if (ret)
		return ret;
	mutex_lock(&ooh_sessions_lock);
	if (ooh_mm_tracked(mm)) {
		ret = -EBUSY;
		goto err;
	}
	ret = ooh_pick_provider(arg->provider, &s->ops);
	if (ret)
		goto err;
	s->pid = pid;
	s->mm = mm;
	s->gone = false;
	s->gone_flags = 0;
	s->started = false;
	ret = s->ops->attach(s, arg->ring_entries);
	if (ret)
		goto err;
	list_add(&s->node, &ooh_sessions);
	mutex_unlock(&ooh_sessions_lock);
	memset(&s->stats, 0, sizeof(s->stats));
	s->stats.size = sizeof(s->stats);
	return 0;
err:
	mutex_unlock(&ooh_sessions_lock);
	s->ops = NULL;
	s->pid = NULL;
	s->mm = NULL;
	put_pid(pid);
	mmdrop(mm);
	return ret;
}

/* Stop receiving log entries; the session stays attached. */
static void ooh_session_leave_provider(struct ooh_session *s)
{
	if (s->gone)
		return;
	s->ops->detach(s);
	mutex_lock(&ooh_sessions_lock);
	s->gone = true;
	mutex_unlock(&ooh_sessions_lock);
}

void ooh_session_detach(struct ooh_session *s)
{
	ooh_session_leave_provider(s);
	mutex_lock(&ooh_sessions_lock);
	list_del_init(&s->node);
	mutex_unlock(&ooh_sessions_lock);
	ooh_addrs_free(&s->pending);
	s->pending_pos = 0;
	ooh_vmas_free(&s->areas);
	put_pid(s->pid);
	mmdrop(s->mm);
	s->pid = NULL;
	s->mm = NULL;
	s->ops = NULL;
	s->started = false;
	s->gone = false;
	s->gone_flags = 0;
}

/*
 * Is the tracked address space still the process's? The thread-group
 * leader's mm tells: another mm means exec. A leader without an mm is
 * either a leader thread that exited while others run (the mm still
 * has users) or a process that is gone.
 */
static u32 ooh_target_state(struct ooh_session *s)
{
	struct task_struct *task;
	struct mm_struct *cur;
	u32 state = 0;

	task = get_pid_task(s->pid, PIDTYPE_TGID);
	if (!task)
		return OOH_DRAIN_EXITED;
	cur = get_task_mm(task);
	if (cur) {
		if (cur != s->mm)
			state = OOH_DRAIN_EXECED;
		mmput(cur);
	} else if (mmget_not_zero(s->mm)) {
		mmput(s->mm);
	} else {
		state = OOH_DRAIN_EXITED;
	}
	put_task_struct(task);
	return state;
}

/* 0 while the process runs its tracked mm; else the session is ended. */
int ooh_session_check_alive(struct ooh_session *s)
{
	u32 state;

	if (s->gone)
		return -ESRCH;
	state = ooh_target_state(s);
	if (!state)
		return 0;
	ooh_session_leave_provider(s);
	s->gone_flags = state;
	return -ESRCH;
}

int ooh_session_start(struct ooh_session *s)
{
	int ret;

	if (!s->ops)
		return -ENOTCONN;
	ret = ooh_session_check_alive(s);
	if (ret)
		return ret;
	/* A half-handed-out interval is dropped with the rest. */
	ooh_addrs_free(&s->pending);
	s->pending_pos = 0;
	ret = s->ops->start(s);
	if (ret)
		return ret;
	ooh_vmas_free(&s->areas);
	ret = ooh_vmas_take(s->mm, &s->areas);
	if (ret)
		return ret;
	s->started = true;
	return 0;
}

/* Add the areas that are new since the interval began, and roll over. */
static void ooh_session_new_areas(struct ooh_session *s, struct ooh_addrs *out)
{
	struct ooh_vmas cur = { };

	if (ooh_vmas_take(s->mm, &cur)) {
		/* Gone (the next drain says so) or out of memory: be safe. */
		out->flags |= OOH_DRAIN_OVERFLOW;
		return;
	}
	if (!(out->flags & OOH_DRAIN_OVERFLOW) && ooh_vmas_diff(&s->areas, &cur, out))
		out->flags |= OOH_DRAIN_OVERFLOW;
	ooh_vmas_free(&s->areas);
	s->areas = cur;
}

/* Close the interval: its addresses go to s->pending. */
static int ooh_session_collect(struct ooh_session *s)
{
	struct ooh_addrs *out = &s->pending;
	int ret;

	ooh_addrs_free(out);
	s->pending_pos = 0;
	if (ooh_session_check_alive(s)) {
		out->flags = s->gone_flags;
		return 0;
	}
	ret = s->ops->collect(s, out);
	if (ret) {
		ooh_addrs_free(out);
		return ret;
	}
	ooh_session_new_areas(s, out);
	ooh_addrs_sort_unique(out);
	s->stats.drains++;
	if (out->flags & OOH_DRAIN_OVERFLOW)
		s->stats.overflows++;
	return 0;
}

int ooh_session_drain(struct ooh_session *s, struct ooh_drain *d)
{
	struct ooh_addrs *p = &s->pending;
	u64 __user *uaddrs = u64_to_user_ptr(d->addrs);
	size_t n, left;
	int ret;

	if (!s->ops || !s->started)
		return -ENOTCONN;
	if (!p->addrs && !p->flags && !s->pending_pos) {
		ret = ooh_session_collect(s);
		if (ret)
			return ret;
	}
	left = p->nr - s->pending_pos;
	n = min_t(u64, left, d->max_addrs);
	/* On a fault nothing is consumed: the next call gets the same. */
	if (n && copy_to_user(uaddrs, p->addrs + s->pending_pos, n * sizeof(u64)))
		return -EFAULT;
	s->pending_pos += n;
	s->stats.pages_reported += n;
	d->nr_addrs = n;
	d->flags = p->flags;
	if (s->pending_pos < p->nr) {
		d->flags |= OOH_DRAIN_MORE;
		return 0;
	}
	/* The interval is out; the gone flags stay for every later call. */
	ooh_addrs_free(p);
	s->pending_pos = 0;
	return 0;
}
