// SPDX-License-Identifier: GPL-2.0
/*
 * Seizing a tree. The root is stopped first, then each of its threads,
 * then the children that /proc/PID/task/TID/children lists for the
 * (now stopped) threads, and so on down: items are visited in the
 * order they are added, so parents come before children.
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include <linux/kcmp.h>

#include "compel.h"
#include "log.h"
#include "proc_parse.h"
#include "pstree.h"
#include "seize.h"

/* The TracerPid: line of /proc/PID/status; 0 when untraced. */
static int tracer_of(pid_t tid, pid_t *tracer)
{
	char path[64], line[128];
	FILE *f;

	*tracer = 0;
	snprintf(path, sizeof(path), "/proc/%d/status", tid);
	f = fopen(path, "re");
	if (!f)
		return errno == ENOENT ? -ESRCH : -errno;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "TracerPid: %d", tracer) == 1)
			break;
	fclose(f);
	return 0;
}

static int seize_one(struct pstree_item *item, pid_t tid)
{
	pid_t tracer;
	int ret;

	ret = tracer_of(tid, &tracer);
	if (ret)
		return ret;
	if (tracer) {
		pr_err("Thread %d of pid %d is traced by pid %d: a task under ptrace can't be dumped\n",
		       tid, item->pid, tracer);
		return -EBUSY;
	}
	ret = compel_seize(tid);
	if (ret)
		return ret;
	ret = pstree_add_thread(item, tid);
	if (ret)
		compel_detach(tid);
	return ret;
}

static bool has_thread(const struct pstree_item *item, pid_t tid)
{
	unsigned int i;

	for (i = 0; i < item->nr_threads; i++)
		if (item->threads[i] == tid)
			return true;
	return false;
}

/*
 * One pass over /proc/PID/task: seize the threads not seized yet. A
 * thread that exits meanwhile is skipped. Sets *@found when it seized any.
 */
static int seize_new_threads(struct pstree_item *item, bool *found)
{
	char path[64];
	struct dirent *de;
	int ret = 0;
	DIR *d;

	*found = false;
	snprintf(path, sizeof(path), "/proc/%d/task", item->pid);
	d = opendir(path);
	if (!d) {
		pr_perror("Can't open %s", path);
		return -errno;
	}
	while (!ret && (de = readdir(d))) {
		pid_t tid;

		if (!isdigit(de->d_name[0]))
			continue;
		tid = atoi(de->d_name);
		if (has_thread(item, tid))
			continue;
		ret = seize_one(item, tid);
		if (ret == -ESRCH)
			ret = 0;
		else if (!ret)
			*found = true;
	}
	closedir(d);
	return ret;
}

/*
 * A parent inside vfork() sleeps until its child execs or exits, and no
 * ptrace stop reaches it before that: seizing it would wait for ever.
 * Such a parent is in D state with a child on its address space.
 */
static int check_not_in_vfork(struct pstree_item *item)
{
	char name[64], *buf, *p, *end;
	struct proc_stat st;
	ssize_t len;
	int ret = 0;

	if (parse_proc_stat(item->pid, &st) || st.state != 'D')
		return 0;
	snprintf(name, sizeof(name), "task/%d/children", item->pid);
	len = read_proc_file(item->pid, name, &buf);
	if (len < 0)
		return 0;
	for (p = buf; *p && !ret; p = end) {
		long child = strtol(p, &end, 10);

		if (end == p)
			break;
		if (syscall(SYS_kcmp, item->pid, child, KCMP_VM, 0, 0) == 0) {
			pr_err("Pid %d is waiting in vfork() for its child %ld: not supported\n",
			       item->pid, child);
			ret = -EOPNOTSUPP;
		}
	}
	free(buf);
	return ret;
}

static int seize_process(struct pstree_item *item)
{
	enum compel_task_state state;
	struct proc_stat st;
	bool found = true;
	int ret;

	ret = compel_task_state(item->pid, &state);
	if (ret || state == COMPEL_TASK_DEAD) {
		pr_err("No process with pid %d\n", item->pid);
		return -ESRCH;
	}
	if (state == COMPEL_TASK_KTHREAD) {
		pr_err("Process %d is a kernel thread\n", item->pid);
		return -EINVAL;
	}
	/* Seized, it stays stopped: detach puts it back into its group stop. */
	item->stopped = state == COMPEL_TASK_STOPPED;
	if (state == COMPEL_TASK_ZOMBIE && count_threads(item->pid) > 1) {
		/* The leader exited, the process lives: its threads are seized. */
		item->leader_dead = true;
		ret = pstree_add_thread(item, item->pid);
		while (!ret && found)
			ret = seize_new_threads(item, &found);
		if (ret)
			return ret;
		if (item->nr_threads < 2) {
			pr_err("Process %d: every thread exited while it was stopped\n", item->pid);
			return -ESRCH;
		}
	} else if (state == COMPEL_TASK_ZOMBIE && !item->parent) {
		pr_err("Process %d is a zombie\n", item->pid);
		return -EINVAL;
	} else if (state == COMPEL_TASK_ZOMBIE) {
		item->zombie = true;
	} else {
		ret = check_not_in_vfork(item);
		if (ret)
			return ret;
		/* the leader first, then the rest until a pass finds none */
		ret = seize_one(item, item->pid);
		while (!ret && found)
			ret = seize_new_threads(item, &found);
		if (ret)
			return ret;
	}
	ret = parse_proc_stat(pstree_live_tid(item), &st);
	if (ret)
		return ret;
	item->pgid = st.pgid;
	item->sid = st.sid;
	return 0;
}

/* Add the children that /proc lists for each (stopped) thread of @item. */
static int add_children(struct pstree *t, struct pstree_item *item)
{
	unsigned int i;
	char name[64], *buf, *p, *end;
	ssize_t len;

	for (i = 0; i < item->nr_threads; i++) {
		snprintf(name, sizeof(name), "task/%d/children", item->threads[i]);
		len = read_proc_file(item->pid, name, &buf);
		if (len < 0)
			return len;
		for (p = buf; *p; p = end) {
			long child = strtol(p, &end, 10);

			if (end == p)
				break;
			if (pstree_find(t, child))
				continue;
			if (!pstree_add(t, item, child)) {
				free(buf);
				return -ENOMEM;
			}
		}
		free(buf);
	}
	return 0;
}

int seize_tree(pid_t root, struct pstree *t)
{
	unsigned int i;
	int ret = 0;

	if (!pstree_add(t, NULL, root))
		return -ENOMEM;
	for (i = 0; i < t->nr && !ret; i++) {
		ret = seize_process(t->items[i]);
		if (!ret)
			ret = add_children(t, t->items[i]);
	}
	if (ret) {
		pr_err("Can't stop the tree of pid %d: %s\n", root, strerror(-ret));
		unseize_tree(t);
		return ret;
	}
	pr_info("Stopped %u processes under pid %d\n", t->nr, root);
	return 0;
}

void unseize_tree(const struct pstree *t)
{
	unsigned int i, j;

	for (i = t->nr; i-- > 0;) {
		const struct pstree_item *item = t->items[i];

		for (j = item->nr_threads; j-- > 0;)
			if (j || !item->leader_dead)
				compel_detach(item->threads[j]);
	}
}

/*
 * The SIGSTOP is queued while every thread is still in its ptrace stop,
 * so each one enters the group stop on release, before running again.
 */
int stop_tree(const struct pstree *t)
{
	unsigned int i;
	int ret = 0;

	for (i = 0; i < t->nr && !ret; i++) {
		if (t->items[i]->zombie)
			continue;
		if (kill(t->items[i]->pid, SIGSTOP)) {
			ret = -errno;
			pr_perror("Can't stop pid %d after the dump", t->items[i]->pid);
		}
	}
	/* all or none: SIGCONT drops the SIGSTOPs still queued */
	while (ret && i-- > 0)
		if (!t->items[i]->zombie && kill(t->items[i]->pid, SIGCONT))
			pr_perror("Can't resume pid %d", t->items[i]->pid);
	unseize_tree(t);
	if (!ret)
		pr_info("Left %u processes stopped: SIGCONT resumes them\n", t->nr);
	return ret;
}

static bool pid_gone(pid_t pid)
{
	return kill(pid, 0) && errno == ESRCH;
}

/*
 * A killed process stays a zombie until its parent reaps it, and its
 * pid cannot be restored before that. Give the parents a moment (one
 * second for the whole tree), so that `criu dump; criu restore` works
 * back to back.
 */
static void wait_pids_released(const struct pstree *t)
{
	struct proc_stat st;
	unsigned int i, left = t->nr;
	int round;

	for (round = 0; round < 200 && left; round++) {
		for (i = 0, left = 0; i < t->nr; i++)
			left += !t->items[i]->helper && !pid_gone(t->items[i]->pid);
		if (left)
			usleep(5000);
	}
	for (i = 0; i < t->nr; i++)
		if (!t->items[i]->helper && !pid_gone(t->items[i]->pid) &&
		    !parse_proc_stat(t->items[i]->pid, &st))
			pr_warn("Dumped pid %d is still a zombie: its parent %d has not reaped it\n",
				t->items[i]->pid, st.ppid);
}

int kill_tree(const struct pstree *t)
{
	unsigned int i, j;
	int status, ret = 0;

	for (i = 0; i < t->nr; i++) {
		const struct pstree_item *item = t->items[i];

		if (item->zombie)
			continue;
		if (kill(item->pid, SIGKILL)) {
			pr_perror("Can't kill pid %d after the dump", item->pid);
			ret = -errno;
		}
	}
	/*
	 * Collect each thread's exit notification as its tracer; a leader's
	 * comes only after all its other threads are reaped, so last.
	 */
	for (i = 0; i < t->nr; i++)
		for (j = t->items[i]->nr_threads; j-- > 0;)
			while (waitpid(t->items[i]->threads[j], &status, __WALL) > 0)
				if (WIFEXITED(status) || WIFSIGNALED(status))
					break;
	/* A zombie's pid is released when its (now dead) parent goes. */
	wait_pids_released(t);
	return ret;
}
