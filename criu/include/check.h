/* SPDX-License-Identifier: GPL-2.0 */
#ifndef CRIU_CHECK_H
#define CRIU_CHECK_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/* `criu check` */
int cr_check(void);

/* A child that pauses forever, to try kernel interfaces on; and its end. */
pid_t check_spawn_sleeper(void);
void check_reap(pid_t pid);

/*
 * CRIU's feature names (criu check --feature NAME) and criu-ooh's own.
 * Each answers "yes" only when the running kernel has the feature and
 * criu-ooh makes use of it. check_one_feature() prints the answer and
 * returns 0 (yes), -EOPNOTSUPP (no) or -EINVAL (unknown name).
 */
int check_one_feature(const char *name);
void list_features(void);
/* --extra and --experimental: every feature of the category. 0 if all yes. */
int check_feature_category(bool extra, bool experimental);

#endif /* CRIU_CHECK_H */
