/* SPDX-License-Identifier: GPL-2.0 */
#ifndef CRIU_PSTREE_H
#define CRIU_PSTREE_H

/*
 * The process tree: one item per process (thread group), parents before
 * children, the root first. Dump builds it from /proc while it seizes the
 * tasks; restore reads it from pstree.img and the ids images. Everything
 * that belongs to one process on one side hangs off @dmp or @rst.
 */

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "core.pb-c.h"

struct dmp_task;
struct rst_task;

struct pstree_item {
	pid_t pid;			/* the thread group id */
	pid_t ppid;			/* 0 for the root of the dumped tree */
	pid_t pgid;
	pid_t sid;
	pid_t *threads;			/* tids, the leader first */
	unsigned int nr_threads;
	bool zombie;			/* exited, not reaped by its parent */
	bool stopped;			/* in a job-control stop (SIGSTOP) */
	/*
	 * Not a dumped process: it holds the pid of a process group whose
	 * leader is gone, so restore can recreate the group. Also a zombie:
	 * no threads, it ends once the group's members joined it.
	 */
	bool helper;
	struct pstree_item *parent;
	struct pstree_item **children;
	unsigned int nr_children;
	TaskKobjIdsEntry ids;		/* kcmp-derived ids of what it shares */
	union {
		struct dmp_task *dmp;	/* dump side */
		struct rst_task *rst;	/* restore side */
	};
};

struct pstree {
	struct pstree_item **items;	/* parents before children */
	unsigned int nr;
};

static inline struct pstree_item *pstree_root(const struct pstree *t)
{
	return t->nr ? t->items[0] : NULL;
}

static inline const struct pstree_item *pstree_root_of(const struct pstree_item *item)
{
	while (item->parent)
		item = item->parent;
	return item;
}

/* A new item for @pid under @parent (NULL for the root). */
struct pstree_item *pstree_add(struct pstree *t, struct pstree_item *parent,
			       pid_t pid);
/* A helper item @pid beside @member (same parent), placed before it. */
struct pstree_item *pstree_add_helper(struct pstree *t, struct pstree_item *member,
				      pid_t pid);
struct pstree_item *pstree_find(const struct pstree *t, pid_t pid);
/* Whether @tid is already a thread of some item. */
bool pstree_has_tid(const struct pstree *t, pid_t tid);
int pstree_add_thread(struct pstree_item *item, pid_t tid);
void pstree_free(struct pstree *t);

/* pstree.img and ids-PID.img for every item. 0 or -errno. */
int pstree_write(int dfd, const struct pstree *t);
/*
 * Read and check pstree.img (unique pids, parents before children, the
 * threads of each task, the leader first) and every ids-PID.img.
 */
int pstree_read(int dfd, struct pstree *t);

#endif /* CRIU_PSTREE_H */
