/* SPDX-License-Identifier: GPL-2.0 */
#ifndef OOH_HOLES_H
#define OOH_HOLES_H

#include "range-set.h"

struct track_target;

/*
 * Add to @out the pages of @t's areas that the log can't vouch for:
 * those not in memory (never touched, dropped, swapped out) and those
 * mapping the shared zero page. 0 or -errno.
 */
int ooh_report_holes(struct track_target *t, struct range_set *out);

#endif /* OOH_HOLES_H */
