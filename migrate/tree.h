/* SPDX-License-Identifier: GPL-2.0 */
/* A's copy of the tree after criu dump --leave-stopped: resumed or ended. */
#ifndef CRIU_MIGRATE_TREE_H
#define CRIU_MIGRATE_TREE_H

#include "images.h"

/* SIGCONT to every process: the migration failed, A's copy goes on. */
int tree_resume(const struct tree_pids *t);
/* SIGKILL to every process, then wait (2 s at most) until each is dead. */
int tree_kill(const struct tree_pids *t);

/* @root and every descendant of it, as /proc shows them now. */
int tree_collect(pid_t root, struct tree_pids *t);

#endif /* CRIU_MIGRATE_TREE_H */
