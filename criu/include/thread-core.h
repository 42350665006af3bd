/* SPDX-License-Identifier: GPL-2.0 */
#ifndef CRIU_THREAD_CORE_H
#define CRIU_THREAD_CORE_H

/*
 * The per-thread part of core-TID.img: registers and FPU, blocked mask,
 * private pending signals, sigaltstack, rseq, clear-child-tid address,
 * parent-death signal, name, scheduling and credentials. Every thread,
 * the leader included, goes through these; what belongs to the whole
 * process (handlers, shared signals, mm, files) is the orchestrators'.
 */

#include <stdbool.h>
#include <sys/types.h>

#include "core.pb-c.h"

struct dump_ctx;
struct rst_ctx;

/* A core entry for thread @tid; with task state (tc) for a leader. */
CoreEntry *alloc_thread_core(pid_t pid, pid_t tid, bool leader);

/* What ptrace and /proc tell of the seized thread @tid. 0 or -errno. */
int dump_thread_outside(pid_t pid, pid_t tid, CoreEntry *core);
/* What only the thread itself can tell, by calls injected through @tdc. */
int dump_thread_inside(struct dump_ctx *tdc, CoreEntry *core);

/*
 * Inside the thread @trc being built: name, clear-child-tid, parent-death
 * signal, rseq, sigaltstack and its private pending signals.
 */
int restore_thread_inside(struct rst_ctx *trc, const CoreEntry *core);
/* After the credentials: ambient capabilities and no_new_privs. */
int restore_thread_privs(struct rst_ctx *trc, const ThreadCoreEntry *thc);
/* From outside: scheduling policy, priority and nice value of @tid. */
int restore_thread_sched(pid_t tid, const ThreadCoreEntry *thc);

#endif /* CRIU_THREAD_CORE_H */
