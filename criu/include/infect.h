/* SPDX-License-Identifier: GPL-2.0 */
#ifndef CRIU_INFECT_H
#define CRIU_INFECT_H

/*
 * Injected system calls, on both sides, with one contract: the call's
 * raw result is returned (a negative errno when the call failed, and
 * also when the call could not be injected at all: the task died or
 * ptrace failed), and every failure is logged with @what and the pid.
 */

#include <stddef.h>
#include <sys/types.h>

struct compel_ctl;
struct dump_ctx;

long inject_syscall(struct compel_ctl *ctl, pid_t pid, const char *what, long nr,
		    unsigned long a1, unsigned long a2, unsigned long a3,
		    unsigned long a4, unsigned long a5, unsigned long a6);

/* Dump side: a call in the infected target of @dc. */
long infect_syscall(struct dump_ctx *dc, const char *what, long nr,
		    unsigned long a1, unsigned long a2, unsigned long a3,
		    unsigned long a4, unsigned long a5, unsigned long a6);

/* A pidfd of the task @dc talks to, for pidfd_getfd(). fd or -errno. */
int dump_pidfd(const struct dump_ctx *dc);

/* Prepare injected calls and the scratch page; undo with dump_cure(). */
int dump_infect(struct dump_ctx *dc);
int dump_cure(struct dump_ctx *dc);

#endif /* CRIU_INFECT_H */
