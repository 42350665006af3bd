/* SPDX-License-Identifier: GPL-2.0 */
#ifndef CRIU_LAZY_DAEMON_H
#define CRIU_LAZY_DAEMON_H

/*
 * The lazy-pages daemon's parts: the processes it serves and their pages
 * (lazy-procs.c), the watchdog that kills the tree if the daemon dies
 * before every page is in place (lazy-watchdog.c), the loop and the
 * socket (lazy-daemon.c).
 */

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "mem.h"

/* Pages of one process not yet in its memory: sorted, disjoint. */
struct lazy_proc {
	pid_t pid;			/* 0: forked after the restore */
	pid_t parent;			/* the process it was forked from, or 0 */
	int uffd;
	int pidfd;			/* -1 for a process forked after the restore */
	const struct pagemap_set *src;	/* its image folders' pages files */
	pid_t img_pid;			/* whose images its pages are (a forked child: the parent's) */
	int ps_sk;			/* the source's page server (PAGES_SRC_REMOTE), or -1 */
	struct page_range *r;
	unsigned int nr, cap;
	unsigned long *retry;		/* faults to serve again (events came first) */
	unsigned int nr_retry, cap_retry;
	bool dead;
	uint64_t faults, copied, zeroed;
};

/* lazy-procs.c */
struct lazy_proc *lazy_proc_new(pid_t pid, int uffd, const struct pagemap_set *lazy,
				const struct pagemap_set *src);
/* A child forked by @p: the pages @p still misses, the child misses too. */
struct lazy_proc *lazy_proc_fork(const struct lazy_proc *p, int uffd);
void lazy_proc_free(struct lazy_proc *p);
unsigned long lazy_proc_pending(const struct lazy_proc *p);
/*
 * Read and handle every message waiting on the process's userfaultfd.
 * A forked child comes back in *@child. 0, or -errno when the daemon
 * cannot go on (the tree must not run on).
 */
int lazy_proc_events(struct lazy_proc *p, char *buf, struct lazy_proc **child);
/* Push up to @max pages in the background. Pages copied or -errno. */
long lazy_proc_push(struct lazy_proc *p, char *buf, unsigned long max);
/* Forget the process: it exited. */
void lazy_proc_gone(struct lazy_proc *p, const char *why);

/* lazy-remote.c: pages from the source's page server (PS_IOV_GET). 0 or -errno. */
int lazy_remote_connect(void);
int lazy_remote_get(int sk, pid_t img_pid, unsigned long img_addr, unsigned long npages,
		    char *buf);
int lazy_remote_close(int sk);

/* The copy buffer the daemon hands to lazy_proc_*(). */
#define LAZY_BUF_PAGES	64

/* lazy-watchdog.c: start it; the daemon keeps the returned socket. */
int lazy_watchdog_start(void);
/* Hand it a process (@pid > 0 or 0 for a forked child) and its userfaultfd. */
int lazy_watchdog_add(int wsk, pid_t pid, int uffd);
/* Every page is in place: the watchdog lets the tree go and exits. */
int lazy_watchdog_done(int wsk);

#endif /* CRIU_LAZY_DAEMON_H */
