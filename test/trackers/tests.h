/* SPDX-License-Identifier: GPL-2.0 */
#ifndef TRACKER_TESTS_H
#define TRACKER_TESTS_H

#include "dirty-tracker.h"

/* Each returns 0 (pass), 1 (fail, reason given) or TEST_SKIP. */
#define TEST_SKIP	2

/* Any tracker (tests-track.c). */
int test_written_1pct(const struct dirty_tracker *tr);
int test_written_1pct_thp(const struct dirty_tracker *tr);
int test_rearm(const struct dirty_tracker *tr);
int test_unarmed(const struct dirty_tracker *tr);
int test_new_mapping(const struct dirty_tracker *tr);
int test_mremap(const struct dirty_tracker *tr);
int test_dontneed(const struct dirty_tracker *tr);
int test_refresh(const struct dirty_tracker *tr);
int test_kernel_write(const struct dirty_tracker *tr);
int test_shared(const struct dirty_tracker *tr);
int test_fork(const struct dirty_tracker *tr);
int test_exec(const struct dirty_tracker *tr);
int test_stop_clean(const struct dirty_tracker *tr);

/* pagemap-scan (tests-pms.c). */
int test_pms_probe(const struct dirty_tracker *tr);
int test_pms_fd_placement(const struct dirty_tracker *tr);
int test_pms_fd_low_limit(const struct dirty_tracker *tr);
int test_pms_fd_replaced(const struct dirty_tracker *tr);
int test_pms_fd_closed(const struct dirty_tracker *tr);
int test_pms_sparse_cheap(const struct dirty_tracker *tr);

/* soft-dirty (tests-soft-dirty.c). */
int test_sd_probe(const struct dirty_tracker *tr);
int test_sd_start_refused(const struct dirty_tracker *tr);
int test_sd_parse(const struct dirty_tracker *tr);
int test_sd_parse_short(const struct dirty_tracker *tr);

/* What trackers share (tests-ops.c). */
int test_ops_park_fd(const struct dirty_tracker *tr);
int test_ops_parked_replaced(const struct dirty_tracker *tr);
int test_ops_holes(const struct dirty_tracker *tr);
int test_ops_walk_clips(const struct dirty_tracker *tr);
int test_ops_walk_wp_keeps(const struct dirty_tracker *tr);
int test_ops_walk_stuck(const struct dirty_tracker *tr);
int test_ops_auto_priority(const struct dirty_tracker *tr);

#endif /* TRACKER_TESTS_H */
