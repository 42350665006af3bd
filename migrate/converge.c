// SPDX-License-Identifier: GPL-2.0
/*
 * The stop rules, in their order: the goal, the estimated downtime, a
 * round that did not shrink, the round limit.
 */
#include <stddef.h>

#include "converge.h"

/* The final dump's expected transfer: what the last round's rate writes in its time. */
static double estimated_downtime_ms(const struct round_rec *rr)
{
	double bw;	/* bytes per ms */

	if (!rr->bytes || rr->time_ms <= 0)
		return 0;
	bw = rr->bytes / rr->time_ms;
	return rr->dirty_rate * rr->time_ms / 1000.0 * PAGE_BYTES / bw;
}

const char *converge_stop(const struct report *r, const struct converge_opts *o)
{
	const struct round_rec *last = &r->rounds[r->nr - 1];

	if (o->goal_pct && last->pages * 100 <= (uint64_t)o->goal_pct * r->rounds[0].pages)
		return "goal";
	if (o->downtime_ms && r->nr >= 2 && estimated_downtime_ms(last) <= o->downtime_ms)
		return "downtime";
	if (r->nr >= 2 && last->pages >= r->rounds[r->nr - 2].pages)
		return "not-shrinking";
	if (r->nr >= o->max_iters)
		return "max-iters";
	return NULL;
}
