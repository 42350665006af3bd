/* SPDX-License-Identifier: GPL-2.0 */
#ifndef TRACKER_TEST_HARNESS_H
#define TRACKER_TEST_HARNESS_H

/*
 * The tracker tests' stand-in for criu: a victim process driven over
 * pipes, seized with compel, and shown to a tracker as a track_target.
 */

#include <stdbool.h>
#include <sys/types.h>

#include "dirty-tracker.h"

#define PAGE		4096UL
#define MAX_AREAS	512

struct victim {
	pid_t pid;
	int in, out;		/* its stdin (write end), its stdout */
};

extern const char *victim_path;

int victim_start(struct victim *v);
void victim_stop(struct victim *v);
/* Send a command line, read the answer; the value after "ok" in @val. */
int victim_cmd(struct victim *v, unsigned long *val, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Wait for the "ready" line of a freshly exec'd victim. */
int victim_ready(struct victim *v);

/* A seized victim, as criu would hand it to a tracker. */
struct htarget {
	struct track_target t;
	struct compel_ctl *ctl;
	struct track_area areas[MAX_AREAS];
	int pidfd;
};

/* Seize @pid, list its areas, prepare injected calls and a scratch page. */
int htarget_seize(struct htarget *h, pid_t pid);
/* Undo all of it; the victim runs on. */
int htarget_release(struct htarget *h);

/* Whole tracker calls on a running victim: seize, call, release. */
int track_start(const struct dirty_tracker *tr, pid_t pid, struct track_state *st);
int track_collect(const struct dirty_tracker *tr, pid_t pid,
		  struct track_state *st, struct range_set *dirty, double *ms);
int track_stop(const struct dirty_tracker *tr, pid_t pid, struct track_state *st);
/* start_unarmed() on the seized victim; arm() while it runs (not seized). */
int track_start_unarmed(const struct dirty_tracker *tr, pid_t pid, struct track_state *st);
int track_arm(const struct dirty_tracker *tr, pid_t pid, struct track_state *st);

/* Bytes of @dirty (normalized) inside [@start, @end). */
unsigned long bytes_in(const struct range_set *dirty, unsigned long start,
		       unsigned long end);
/* First page of @count at @addr + i * @stride not in @dirty, or 0. */
unsigned long first_missing(const struct range_set *dirty, unsigned long addr,
			    unsigned long stride, unsigned long count);
/* Bytes of @dirty inside [@start, @end) that are present pages of @pid. */
long present_bytes_in(pid_t pid, const struct range_set *dirty,
		      unsigned long start, unsigned long end);
/* Is the page at @addr of @pid present (pagemap bit 63)? -1 on error. */
int page_present(pid_t pid, unsigned long addr);
/* Number of userfaultfd descriptors of @pid, -1 on error. */
int count_uffds(pid_t pid);
/* Number of areas of @pid with the "uw" (userfaultfd-wp) VmFlag. */
int count_uffd_wp_areas(pid_t pid);
/* Bytes of AnonHugePages of @pid. */
long anon_huge_kb(pid_t pid);

void fail_reason(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#define CHECK(cond, ...)					\
	do {							\
		if (!(cond)) {					\
			fail_reason(__VA_ARGS__);		\
			goto out;				\
		}						\
	} while (0)

#endif /* TRACKER_TEST_HARNESS_H */
