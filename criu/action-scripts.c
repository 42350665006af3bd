// SPDX-License-Identifier: GPL-2.0
/*
 * --action-script: programs run at fixed steps of dump and restore, with
 * the step in $CRTOOLS_SCRIPT_ACTION, as CRIU runs them. Each is run by
 * "sh -c", so a script is any shell command; its output goes to the log.
 * A script that exits non-zero makes run_scripts() fail; whether that
 * fails the step is the caller's decision (CRIU only logs failures of
 * pre-resume and post-resume, when the restored process runs anyway).
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "action-scripts.h"
#include "cr_options.h"
#include "log.h"

static const char *const action_names[ACT_MAX] = {
	[ACT_PRE_DUMP]		= "pre-dump",
	[ACT_POST_DUMP]		= "post-dump",
	[ACT_PRE_RESTORE]	= "pre-restore",
	[ACT_POST_RESTORE]	= "post-restore",
	[ACT_NET_LOCK]		= "network-lock",
	[ACT_NET_UNLOCK]	= "network-unlock",
	[ACT_SETUP_NS]		= "setup-namespaces",
	[ACT_POST_SETUP_NS]	= "post-setup-namespaces",
	[ACT_PRE_RESUME]	= "pre-resume",
	[ACT_POST_RESUME]	= "post-resume",
	[ACT_ORPHAN_PTS_MASTER]	= "orphan-pts-master",
	[ACT_STATUS_READY]	= "status-ready",
};

static script_notify_fn notifier;
static pid_t init_pid;

const char *script_action_name(enum script_action act)
{
	if (act < 0 || act >= ACT_MAX)
		return "unknown";
	return action_names[act];
}

void set_script_notifier(script_notify_fn fn)
{
	notifier = fn;
}

void set_script_init_pid(pid_t pid)
{
	init_pid = pid;
}

/* In the child: the environment CRIU gives scripts, then the shell. */
static void exec_script(const char *script, enum script_action act)
{
	char pid[16], dir[PATH_MAX];
	pid_t root = init_pid ? init_pid : opts.pid;
	int log_fd = log_get_fd();

	setenv("CRTOOLS_SCRIPT_ACTION", script_action_name(act), 1);
	if (opts.imgs_dir && realpath(opts.imgs_dir, dir))
		setenv("CRTOOLS_IMAGE_DIR", dir, 1);
	if (root > 0) {
		snprintf(pid, sizeof(pid), "%d", root);
		setenv("CRTOOLS_INIT_PID", pid, 1);
	}
	if (log_fd != STDERR_FILENO && (dup2(log_fd, STDOUT_FILENO) < 0 ||
					dup2(log_fd, STDERR_FILENO) < 0))
		_exit(127);
	execl("/bin/sh", "sh", "-c", script, (char *)NULL);
	_exit(127);
}

static int run_one(const char *script, enum script_action act)
{
	int status;
	pid_t pid;

	pid = fork();
	if (pid < 0) {
		pr_perror("Can't fork for action script %s", script);
		return -errno;
	}
	if (pid == 0)
		exec_script(script, act);
	while (waitpid(pid, &status, 0) < 0) {
		if (errno != EINTR) {
			pr_perror("waitpid for action script %s (pid %d)", script, pid);
			return -errno;
		}
	}
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return 0;
	if (WIFEXITED(status))
		pr_err("Action script %s failed at %s: exit status %d\n", script,
		       script_action_name(act), WEXITSTATUS(status));
	else
		pr_err("Action script %s killed by signal %d at %s\n", script,
		       WTERMSIG(status), script_action_name(act));
	return -ECANCELED;
}

int run_scripts(enum script_action act)
{
	unsigned int i;
	int ret;

	for (i = 0; i < opts.nr_scripts; i++) {
		pr_debug("Running action script %s for %s\n", opts.scripts[i],
			 script_action_name(act));
		ret = run_one(opts.scripts[i], act);
		if (ret)
			return ret;
	}
	if (!notifier)
		return 0;
	ret = notifier(act, -1);
	if (ret)
		pr_err("Notification of %s failed: %d\n", script_action_name(act), ret);
	return ret;
}

int status_ready(void)
{
	char zero = 0;
	int fd = opts.status_fd;

	if (fd < 0)
		return 0;
	opts.status_fd = -1;
	if (write(fd, &zero, 1) != 1) {
		pr_perror("Can't write to the status fd %d", fd);
		close(fd);
		return -EIO;
	}
	if (close(fd)) {
		pr_perror("Can't close the status fd %d", fd);
		return -errno;
	}
	return 0;
}
