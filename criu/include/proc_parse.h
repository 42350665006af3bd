/* SPDX-License-Identifier: GPL-2.0 */
#ifndef CRIU_PROC_PARSE_H
#define CRIU_PROC_PARSE_H

#include <stdint.h>
#include <sys/types.h>

/* The fields of /proc/PID/stat that a dump needs. */
struct proc_stat {
	char comm[64];
	char state;
	pid_t ppid, pgid, sid;
	unsigned int flags;
	long nice;
	unsigned long start_code, end_code, start_stack;
	unsigned long start_data, end_data, start_brk;
	unsigned long arg_start, arg_end, env_start, env_end;
	int exit_code;
	int exit_signal;		/* sent to the parent at exit */
};

int parse_proc_stat(pid_t pid, struct proc_stat *st);
/* Number of threads in /proc/PID/task. */
int count_threads(pid_t pid);
/* Whether /proc/PID/task/PID/children lists anything: 1, 0 or -errno. */
int has_children(pid_t pid);
/* Read a whole /proc file into a malloc'ed buffer; returns its length. */
ssize_t read_proc_file(pid_t pid, const char *name, char **buf);
/*
 * The value of the line "Key:" (@key with its colon) of a /proc/PID/status
 * text, blanks skipped, or NULL.
 */
const char *proc_status_field(const char *buf, const char *key);
/* VmLck of /proc/PID/status in kB (mlock.c), or -errno. */
long locked_kb(pid_t pid);

#endif /* CRIU_PROC_PARSE_H */
