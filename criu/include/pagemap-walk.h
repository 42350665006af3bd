/* SPDX-License-Identifier: GPL-2.0 */
#ifndef CRIU_PAGEMAP_WALK_H
#define CRIU_PAGEMAP_WALK_H

#include <stdbool.h>
#include <stdint.h>

#include "range-set.h"
#include "uapi-pagemap-scan.h"

/*
 * Walk [@start, @end) of the pagemap file @pagemap_fd with PAGEMAP_SCAN,
 * asking the categories (and flags) of @arg, call after call until the
 * whole range is walked, and add every returned region to @out (NULL:
 * the walk is wanted for PM_SCAN_WP_MATCHING alone). Each call starts
 * at the walk_end the previous one reported. @arg's start, end,
 * walk_end, vec and vec_len are the walk's own.
 *
 * A returned region counts only inside [call start, walk_end) and
 * [@start, @end): when the output vector fills up, the kernel (6.18
 * here) may return regions past the walk_end it reports, which the next
 * call returns again. With PM_SCAN_WP_MATCHING the part past walk_end is
 * kept all the same: the kernel may have protected those pages already,
 * and the next call would not name them again (a dirty set may only
 * grow).
 *
 * 0, -ENOTTY or -EINVAL when the kernel has no PAGEMAP_SCAN (before
 * 6.7), -EIO when a call makes no progress, or -errno.
 */
int pagemap_scan_walk(int pagemap_fd, struct pm_scan_arg *arg,
		      unsigned long start, unsigned long end,
		      struct range_set *out);

/*
 * The same kind of question where PAGEMAP_SCAN is missing: read the
 * 8-byte entries of [@start, @end) from the pagemap file @pagemap_fd
 * and add the pages whose entry @match(entry, @arg) accepts. 0 or -errno.
 */
int pagemap_read_walk(int pagemap_fd, unsigned long start, unsigned long end,
		      bool (*match)(uint64_t pme, void *arg), void *arg,
		      struct range_set *out);

#endif /* CRIU_PAGEMAP_WALK_H */
