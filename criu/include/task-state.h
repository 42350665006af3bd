/* SPDX-License-Identifier: GPL-2.0 */
#ifndef CRIU_TASK_STATE_H
#define CRIU_TASK_STATE_H

/*
 * Process state beyond registers, memory and files: timers, prctl
 * settings, seccomp filters and memory locking. Each part is one file
 * with a dump and a restore function; Documentation/dumped-state.md
 * lists every item, where it is read, where it goes in the images and
 * how it is restored, or why the dump refuses it.
 *
 * Dump functions run while the target is infected (injected calls and
 * the scratch page are available) and fill fields of @core, which the
 * caller allocated (core->tc, core->thread_core). A state that can't be
 * restored exactly makes them fail with -EOPNOTSUPP and a message that
 * names the pid and the item. Restore functions run inside the child
 * being built. All return 0 or a negative errno.
 */

#include <stdint.h>
#include <sys/types.h>

#include "core.pb-c.h"
#include "mm.pb-c.h"
#include "seccomp.pb-c.h"

struct dump_ctx;
struct rst_ctx;

/*
 * An injected call in the dump target whose failure is an error:
 * *@ret gets the result; a negative result is logged with @what and
 * returned.
 */
int dump_call(struct dump_ctx *dc, const char *what, long *ret, long nr,
	      unsigned long a1, unsigned long a2, unsigned long a3);
/*
 * An injected call whose failure is an answer (a getter the kernel may
 * lack): *@ret gets the raw result; only a failure to inject is logged
 * and returned.
 */
int dump_probe(struct dump_ctx *dc, long nr, long *ret, unsigned long a1,
	       unsigned long a2, unsigned long a3, unsigned long a4, unsigned long a5);

/* timers.c: setitimer() timers and POSIX timers (per process) */
int dump_timers(struct dump_ctx *dc, CoreEntry *core);
/* Arm them again; late, just before the registers, so little time is lost. */
int restore_timers(struct rst_ctx *rc, const CoreEntry *core);

/*
 * prctl-state.c: oom_score_adj, loginuid, child subreaper, membarrier
 * registrations, the dumpable flag, and the checks of every other prctl
 * getter and /proc status field the dump refuses when they are not at
 * their defaults.
 */
int dump_prctl_state(struct dump_ctx *dc, CoreEntry *core);
/*
 * prctl-checks.c: refuse settings the images have no field for, of
 * thread @tdc->pid (every thread: most of them are per thread; the
 * per-process ones are read again, which costs little).
 */
int check_thread_state(struct dump_ctx *tdc);
/* From criu, before the child drops its credentials (oom_score_adj). */
int restore_prctl_state(struct rst_ctx *rc, const CoreEntry *core);
/* After restore_creds(): a uid change resets the dumpable flag. */
int restore_dumpable(struct rst_ctx *rc, const MmEntry *mm);

/*
 * seccomp.c: the filters of each thread (mode 2, BPF programs) or strict
 * mode. dump_seccomp() adds the filters of every thread of @dc's task to
 * the dump's list (one seccomp.img for the whole tree, a filter shared by
 * threads or processes entered once); dump_seccomp_fini() writes it
 * (when @write) and frees it.
 */
int dump_seccomp(struct dump_ctx *dc, CoreEntry **cores);
struct dump_session;
int dump_seccomp_fini(struct dump_session *sess, bool write);
/*
 * Install them after everything else but the credentials and the final
 * registers; criu keeps the threads' seccomp suspended
 * (PTRACE_O_SUSPEND_SECCOMP) until it detaches, so the remaining
 * injected calls are not filtered.
 */
struct rst_task;
int restore_seccomp(struct rst_task *rt);

/* mlock.c: locked areas (VM_LOCKED) and mlockall(MCL_FUTURE) */
int dump_mlock(struct dump_ctx *dc);	/* dc->locked_kb read before the scratch */
/* After the pages are in and the protections set. */
int restore_mlock(struct rst_ctx *rc, const MmEntry *mm);

#endif /* CRIU_TASK_STATE_H */
