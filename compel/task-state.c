// SPDX-License-Identifier: GPL-2.0
/*
 * Classify a pid from /proc/PID/stat before anything touches it: kernel
 * threads and zombies cannot be seized, and a job-control stopped task
 * has to be left stopped after a dump.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "compel.h"
#include "compel-priv.h"
#include "log.h"

#define PF_KTHREAD	0x00200000UL	/* task->flags bit of kernel threads */

static int read_stat(pid_t pid, char *buf, size_t size)
{
	char path[64];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		if (errno == ENOENT || errno == ESRCH)
			return -ESRCH;
		pr_perror("Can't open %s", path);
		return -errno;
	}
	n = read(fd, buf, size - 1);
	if (n < 0) {
		int err = -errno;

		/* The task may vanish between open and read. */
		if (err != -ESRCH)
			pr_perror("Can't read %s", path);
		close(fd);
		return err;
	}
	close(fd);
	buf[n] = '\0';
	return 0;
}

/*
 * The line is "pid (comm) state ppid pgrp session tty tpgid flags ...";
 * comm may hold spaces and parentheses, so parse from the last ')'.
 */
static int parse_stat(pid_t pid, const char *buf, char *state,
		      unsigned long *flags)
{
	const char *p = strrchr(buf, ')');

	if (!p || sscanf(p + 1, " %c %*d %*d %*d %*d %*d %lu",
			 state, flags) != 2) {
		pr_err("Can't parse /proc/%d/stat\n", pid);
		return -EINVAL;
	}
	return 0;
}

static enum compel_task_state state_of(char state, unsigned long flags)
{
	if (flags & PF_KTHREAD)
		return COMPEL_TASK_KTHREAD;
	switch (state) {
	case 'Z':
		return COMPEL_TASK_ZOMBIE;
	case 'X':
	case 'x':
		return COMPEL_TASK_DEAD;
	case 'T':	/* job-control stop */
	case 't':	/* stopped under a tracer (also after our seize) */
		return COMPEL_TASK_STOPPED;
	default:
		return COMPEL_TASK_ALIVE;
	}
}

int compel_task_state(pid_t pid, enum compel_task_state *state)
{
	unsigned long flags;
	char buf[1024], c;
	int ret;

	if (pid <= 0) {
		pr_err("Invalid pid %d\n", pid);
		return -EINVAL;
	}
	ret = read_stat(pid, buf, sizeof(buf));
	if (ret == -ESRCH) {
		*state = COMPEL_TASK_DEAD;
		return 0;
	}
	if (ret)
		return ret;
	ret = parse_stat(pid, buf, &c, &flags);
	if (ret)
		return ret;
	*state = state_of(c, flags);
	pr_debug("pid %d: state %c flags %#lx -> %d\n", pid, c, flags, *state);
	return 0;
}

FILE *compel_proc_open(pid_t pid, const char *name, int *err)
{
	char path[64];
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/%s", pid, name);
	f = fopen(path, "re");
	if (!f) {
		*err = errno == ENOENT ? -ESRCH : -errno;
		pr_perror("Can't open %s", path);
	}
	return f;
}

/* The number after "@key:" in /proc/@pid/status. */
static int status_field(pid_t pid, const char *key, long *val)
{
	size_t klen = strlen(key);
	int ret = -ENOENT;
	char line[256];
	FILE *f;

	f = compel_proc_open(pid, "status", &ret);
	if (!f)
		return ret;
	while (fgets(line, sizeof(line), f)) {
		if (strncmp(line, key, klen) || line[klen] != ':')
			continue;
		if (sscanf(line + klen + 1, "%ld", val) == 1)
			ret = 0;
		break;
	}
	fclose(f);
	if (ret)
		pr_err("No %s in /proc/%d/status\n", key, pid);
	return ret;
}

pid_t compel_tgid(pid_t pid)
{
	long tgid;
	int ret;

	ret = status_field(pid, "Tgid", &tgid);
	return ret ? ret : (pid_t)tgid;
}

int compel_seccomp_mode(pid_t pid, int *mode)
{
	long val;
	int ret;

	ret = status_field(pid, "Seccomp", &val);
	if (!ret)
		*mode = val;
	return ret;
}
