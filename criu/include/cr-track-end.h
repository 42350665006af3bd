/* SPDX-License-Identifier: GPL-2.0 */
#ifndef CRIU_CR_TRACK_END_H
#define CRIU_CR_TRACK_END_H

#include <sys/types.h>

/*
 * `criu track-end`: stop the tracker that a dump with --track-mem left
 * in the tree of @pid, its state in the folder @dfd. 0 or -errno.
 */
int cr_track_end(pid_t pid, int dfd);

#endif /* CRIU_CR_TRACK_END_H */
