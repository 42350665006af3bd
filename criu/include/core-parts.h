/* SPDX-License-Identifier: GPL-2.0 */
#ifndef CRIU_CORE_PARTS_H
#define CRIU_CORE_PARTS_H

/*
 * The parts of core-PID.img that describe one thread's CPU and signal
 * state and the task's credentials and resource limits: how each is read
 * out of a seized task and put back into the child being restored.
 *
 * Dump functions expect core->tc and core->thread_core to be allocated
 * by the caller (they fill fields in them); core->thread_info is
 * allocated here. Every function returns 0 or a negative errno and logs
 * what failed on which pid.
 */

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <sys/user.h>

#include "core.pb-c.h"

struct dump_ctx;
struct rst_ctx;

/* regs-x86.c: general purpose registers and FPU state */

/*
 * Fill core->thread_info from the seized task @pid (clear_tid_addr is
 * left 0 for the caller). A system call that was interrupted and that
 * the kernel would restart is rewound so that it runs again.
 */
int dump_thread_regs(pid_t pid, CoreEntry *core);
/*
 * Load the dumped FPU/XSAVE state into @pid and convert the dumped
 * general purpose registers into *@regs_out (orig_rax = -1) for the
 * caller's final compel_syscall_and_set_regs().
 */
int restore_thread_regs(pid_t pid, const CoreEntry *core,
			struct user_regs_struct *regs_out);

/* xsave.c: the XSAVE buffer (standard format) <-> user_x86_fpregs_entry */

/* Decode @len bytes of an NT_X86_XSTATE buffer into a new message. */
int xsave_to_fpregs(const void *buf, size_t len, UserX86FpregsEntry **out);
/*
 * Build the NT_X86_XSTATE buffer for @fp in @buf, @len bytes (the
 * kernel wants exactly compel_xsave_size()); zeroed first, so parts the
 * image lacks are in their initial state.
 */
int fpregs_to_xsave(const UserX86FpregsEntry *fp, void *buf, size_t len);
/* Free a message made by xsave_to_fpregs(). */
void fpregs_free(UserX86FpregsEntry *fp);
/* XSAVE features this CPU/kernel enables (XCR0, from CPUID 0xD). */
uint64_t xsave_supported_features(void);

/* signals.c */

/*
 * The blocked mask, read with ptrace before compel_infect() blocks
 * everything: fills core->tc->blk_sigset and core->thread_core->blk_sigset.
 */
int dump_sigmask(pid_t pid, CoreEntry *core);
/* The process's handlers and shared pending signals (leader's core). */
int dump_signals(struct dump_ctx *dc, CoreEntry *core);
/* A thread's private pending signals and sigaltstack, infected @tdc. */
int dump_thread_signals(struct dump_ctx *tdc, CoreEntry *core);
/*
 * Handlers, then the shared pending signals are queued again. All
 * signals are blocked in the task during injection, so they stay
 * pending until the caller sets core_blocked_mask() at the very end.
 */
int restore_signals(struct rst_ctx *rc, const CoreEntry *core);
/* A thread's sigaltstack and private queue, in the thread @trc. */
int restore_thread_signals(struct rst_ctx *trc, const CoreEntry *core);
uint64_t core_blocked_mask(const CoreEntry *core);

/* creds.c */

/* ids, groups and capabilities from /proc/PID/status, securebits. */
int dump_creds(struct dump_ctx *dc, CoreEntry *core);
/* Drops the child's (root) credentials to the dumped ones: call last. */
int restore_creds(struct rst_ctx *rc, const CoreEntry *core);

/* rlimits.c */

int dump_rlimits(pid_t pid, CoreEntry *core);
int restore_rlimits(pid_t pid, const CoreEntry *core);

#endif /* CRIU_CORE_PARTS_H */
