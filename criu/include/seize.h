/* SPDX-License-Identifier: GPL-2.0 */
#ifndef CRIU_SEIZE_H
#define CRIU_SEIZE_H

/*
 * Freezing and thawing a whole tree: every thread of every process
 * under the root is seized with ptrace and stays stopped until the tree
 * is released. Threads and children are looked up again after each
 * task is stopped, so none created meanwhile is missed: a stopped task
 * can create neither.
 */

#include <stdbool.h>
#include <sys/types.h>

struct pstree;

/*
 * Seize @root and all its descendants and fill @t (pid, threads, ppid,
 * pgid, sid, zombie). A task traced by another tracer (a ptrace relation
 * inside the tree, or a debugger) is refused by name. On failure every
 * task seized so far is released as it was.
 */
int seize_tree(pid_t root, struct pstree *t);
/* Detach every seized thread: the tree runs on as before. */
void unseize_tree(const struct pstree *t);
/* After a dump: SIGKILL every process of the tree and wait for them. */
int kill_tree(const struct pstree *t);
/* --leave-stopped: each process gets SIGSTOP, then all are released. */
int stop_tree(const struct pstree *t);

#endif /* CRIU_SEIZE_H */
