// SPDX-License-Identifier: GPL-2.0
/*
 * `criu restore`: rebuild a dumped tree from outside.
 *
 * criu reads and checks every image, opens everything the tasks need,
 * forks the root with its dumped pid (clone3 with set_tid), and has each
 * process fork its children by injected clone3() calls, so that every
 * task gets its dumped pid, parent, session and group. Then it builds
 * each process under ptrace with injected system calls until it is the
 * dumped one (rst-task.c), and lets the whole tree go at once.
 * Documentation/restore-design.md explains the choice and the order.
 *
 * If anything fails every task created is killed: nothing half-built
 * stays behind.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "action-scripts.h"
#include "compel.h"
#include "cr-restore.h"
#include "inventory.h"
#include "cr_options.h"
#include "fault-inject.h"
#include "image.h"
#include "lazy-pages.h"
#include "log.h"
#include "pstree.h"
#include "restore.h"
#include "rpc-notify.h"
#include "rst-fork.h"
#include "rst-task.h"
#include "stats.h"
#include "sk-tcp.h"
#include "action-scripts.h"

/* Lowest number for criu's pre-opened descriptors. */
#define FD_BASE_MIN		64

/* Every image of the tree, checked before anything is created. */
static int read_images(int dfd, struct pstree *t)
{
	int ret;

	ret = read_inventory(dfd);
	if (!ret)
		ret = pstree_read(dfd, t);
	if (!ret)
		ret = rst_tasks_read(dfd, t);
	return ret;
}

/* The pre-opened set starts above every task's descriptors. */
static void pick_fd_base(struct rst_session *rs, const struct pstree *t)
{
	int max_fd = -1;
	unsigned int i;

	for (i = 0; i < t->nr; i++)
		if (t->items[i]->rst->max_fd > max_fd)
			max_fd = t->items[i]->rst->max_fd;
	rs->fd_base = max_fd + 1 > FD_BASE_MIN ? max_fd + 1 : FD_BASE_MIN;
	rs->fd_next = rs->fd_base;
}

/*
 * The root cleans its (criu's) layout; then, parents first, each
 * process builds its address space, takes its session or group and
 * forks its children (which so inherit its memory copy-on-write), and
 * they join their groups once all exist; zombies end there.
 */
static int build_shape(struct pstree *t, const struct rst_layout *l,
		       struct restore_stats *rs)
{
	struct rst_task *root = pstree_root(t)->rst;
	unsigned int i, j;
	int ret;

	root->rc.ctl = compel_infect(root->rc.pid, 0);
	if (!root->rc.ctl)
		return -EIO;
	ret = fault_injected(FI_RESTORE_FORKED) ? -EIO : 0;
	if (!ret)
		ret = rst_clean_layout(&root->rc, l);
	if (!ret && fault_injected(FI_RESTORE_UNMAPPED))
		ret = -EIO;
	for (i = 0; i < t->nr && !ret; i++) {
		struct pstree_item *item = t->items[i];

		/* An address space shared with the parent is the parent's. */
		if (!item->zombie && !item->rst->vm_shared)
			ret = rst_build_memory(item->rst, l, rs, i != 0);
		if (!ret)
			ret = rst_lead_session(item->rst, i == 0);
		for (j = 0; j < item->nr_children && !ret; j++)
			ret = rst_fork_child(item->rst, item->children[j], l);
		/* after the forks: a child builds its memory from its own images */
		if (!ret)
			ret = lazy_register_task(item->rst);
	}
	for (i = 0; i < t->nr && !ret; i++)
		ret = rst_join_group(t->items[i]->rst, i == 0);
	for (i = 0; i < t->nr && !ret; i++)
		if (t->items[i]->zombie)
			ret = rst_make_zombie(t->items[i]->rst);
	return ret;
}

static int build_tree(struct pstree *t, const struct rst_layout *l,
		      struct restore_stats *rs)
{
	unsigned int i;
	int ret;

	ret = build_shape(t, l, rs);
	for (i = 0; i < t->nr && !ret; i++)
		if (!t->items[i]->zombie)
			ret = rst_build_task(t->items[i]->rst, l, rs);
	return ret;
}

static int write_pidfile(int dfd, pid_t pid)
{
	char buf[32];
	int fd, len;

	if (!opts.pidfile)
		return 0;
	fd = openat(dfd, opts.pidfile, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0) {
		pr_perror("Can't create pidfile %s", opts.pidfile);
		return -errno;
	}
	len = snprintf(buf, sizeof(buf), "%d", pid);
	if (write(fd, buf, len) != len) {
		pr_perror("Can't write pidfile %s", opts.pidfile);
		close(fd);
		return -EIO;
	}
	close(fd);
	return 0;
}

static int wait_restored(pid_t pid)
{
	int status;

	if (waitpid(pid, &status, 0) != pid) {
		pr_perror("waitpid for the restored pid %d", pid);
		return -errno;
	}
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	pr_info("Restored pid %d was killed by signal %d\n", pid, WTERMSIG(status));
	return 128 + WTERMSIG(status);
}

/* Fork the root and build the tree; on failure every task is killed. */
static int restore_tree(struct rst_session *rs, struct pstree *t,
			const struct rst_layout *l, struct restore_stats *st)
{
	struct rst_task *root = pstree_root(t)->rst;
	uint64_t t0, t1;
	pid_t pid;
	int ret;

	t0 = stats_now_us();
	pid = fork_root(root->rc.pid);
	if (pid < 0)
		return pid;
	root->created = true;
	t1 = stats_now_us();
	st->forking_us = t1 - t0;
	ret = build_tree(t, l, st);
	if (inet_restore_fini(rs, pid, !ret) && !ret)
		ret = -EIO;
	rst_close_files(rs);
	notify_set_root_pid(pid);
	if (!ret)
		ret = write_pidfile(rs->dfd, pid);
	st->restore_us = stats_now_us() - t1;
	if (!ret)
		ret = write_restore_stats(rs->dfd, st);
	if (!ret)
		ret = run_scripts(ACT_POST_RESTORE);
	if (!ret)
		run_scripts(ACT_PRE_RESUME);
	if (!ret)
		ret = lazy_finish(rs);
	if (!ret)
		ret = rst_release_tree(t);
	if (ret) {
		pr_err("Restoring pid %d failed; every task created is killed\n", pid);
		rst_kill_tree(t);
	}
	return ret;
}

int cr_restore_tasks(int dfd)
{
	struct rst_session rs = { .dfd = dfd, .lazy_sk = -1 };
	struct restore_stats st = {};
	struct rst_layout l = {};
	struct pstree t = {};
	int ret;

	ret = run_scripts(ACT_PRE_RESTORE);
	if (!ret)
		ret = read_images(dfd, &t);
	if (!ret)
		set_script_init_pid(pstree_root(&t)->pid);
	if (!ret)
		ret = rst_layout_check(&t, &l);
	if (ret)
		goto out;
	pick_fd_base(&rs, &t);
	ret = lazy_connect(&rs);
	/* the daemon reads its images meanwhile */
	if (!ret)
		ret = rst_tasks_prepare(&rs, &t);
	if (!ret)
		ret = lazy_wait_ready(&rs);
	if (ret)
		goto out_close;
	ret = restore_tree(&rs, &t, &l, &st);
	/* before the wait: its result is the restored tree's, not ours */
	rst_files_fini(&rs, ret != 0);
	if (ret)
		goto out;
	print_restore_stats(&st);
	pr_info("Restore of pid %d finished successfully\n", pstree_root(&t)->pid);
	/* The tree runs already: a failed post-resume script is only logged. */
	run_scripts(ACT_POST_RESUME);
	if (!opts.restore_detached)
		ret = wait_restored(pstree_root(&t)->pid);
	goto out;
out_close:
	inet_restore_fini(&rs, 0, false);
	rst_close_files(&rs);
	rst_files_fini(&rs, true);
out:
	lazy_disconnect(&rs);
	rst_tasks_free(&t);
	free_vma_list(&l.self);
	pstree_free(&t);
	return ret;
}
