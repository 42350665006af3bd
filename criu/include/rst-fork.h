/* SPDX-License-Identifier: GPL-2.0 */
#ifndef CRIU_RST_FORK_H
#define CRIU_RST_FORK_H

/*
 * Creating the tasks of a restore with their dumped ids: the root is
 * forked by criu itself, every other process and thread by a clone3()
 * with set_tid injected into its parent (or its thread group's leader),
 * so that it has the right parent, session and thread group. Each new
 * task is traced from its first instruction and stopped.
 */

#include <stdbool.h>
#include <sys/types.h>

struct rst_ctx;

/* Fork criu's child with pid @pid, stopped and traced. Its pid or -errno. */
pid_t fork_root(pid_t pid);
/*
 * Inject clone3() with set_tid = @pid into @parent: a new process (a
 * child of @parent's process, sharing what @flags say) or, with @thread,
 * a new thread of it.
 * Waits for its first stop. 0 or -errno.
 */
int rst_clone(struct rst_ctx *parent, pid_t pid, bool thread, unsigned long flags);

#endif /* CRIU_RST_FORK_H */
