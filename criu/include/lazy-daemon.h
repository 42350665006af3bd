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
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "mem.h"

/*
 * Pages of one process not yet in its memory: sorted, disjoint. A range
 * served in full stays in the array with len 0 (a hole) until holes are
 * the most of it: a pre-dump chain leaves hundreds of thousands of one-page
 * ranges, and taking each out at once moved the whole array each time.
 */
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
	unsigned int holes;		/* ranges of len 0 among the nr */
	unsigned int first;		/* every range before this one is a hole */
	unsigned long pending;		/* pages in the ranges */
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
/*
 * One message of its userfaultfd (lazy_proc_events() reads them; the
 * fuzz target hands its own). 0, or -errno: the daemon cannot go on.
 */
struct uffd_msg;
int lazy_proc_handle(struct lazy_proc *p, const struct uffd_msg *m, char *buf,
		     struct lazy_proc **child);

/*
 * lazy-event.c: the addresses of an event are page-aligned and inside
 * [0, LAZY_ADDR_END) (above every user address, 5-level paging too).
 * 0, or -EINVAL with the event and its values in @why.
 */
#define LAZY_ADDR_END		(1ULL << 56)
int lazy_event_check(const struct uffd_msg *m, char *why, size_t why_len);

/* One run of pages to fetch from the page server. */
struct lazy_get {
	unsigned long img_addr;
	unsigned long npages;
	char *buf;
};

/* lazy-remote.c: pages from the source's page server (PS_IOV_GET). 0 or -errno. */
int lazy_remote_connect(void);
int lazy_remote_get(int sk, pid_t img_pid, unsigned long img_addr, unsigned long npages,
		    char *buf);
/* Several runs: every request sent at once, then the answers (one round trip). */
int lazy_remote_get_many(int sk, pid_t img_pid, const struct lazy_get *g, unsigned int n);
int lazy_remote_close(int sk);

/*
 * A fault gets its page and those after it up to LAZY_FAULT_PAGES; a push
 * copies up to LAZY_PUSH_PAGES at once, across ranges that follow each
 * other. The push is bounded so that a fault coming meanwhile waits for
 * at most one chunk (2 MiB: about a millisecond from a local image, 17 ms
 * on a 1 Gbit/s link). The copy buffer the daemon hands to lazy_proc_*()
 * holds LAZY_PUSH_PAGES.
 */
#define LAZY_FAULT_PAGES	64
#define LAZY_PUSH_PAGES		512
#define LAZY_BUF_PAGES		LAZY_PUSH_PAGES

/* lazy-watchdog.c: start it; the daemon keeps the returned socket. */
int lazy_watchdog_start(void);
/* Hand it a process (@pid > 0 or 0 for a forked child) and its userfaultfd. */
int lazy_watchdog_add(int wsk, pid_t pid, int uffd);
/* Every page is in place: the watchdog lets the tree go and exits. */
int lazy_watchdog_done(int wsk);

#endif /* CRIU_LAZY_DAEMON_H */
