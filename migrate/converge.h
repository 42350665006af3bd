/* SPDX-License-Identifier: GPL-2.0 */
/* When the pre-dump rounds stop (criu-migrate(8), WHEN THE PRE-DUMPS STOP). */
#ifndef CRIU_MIGRATE_CONVERGE_H
#define CRIU_MIGRATE_CONVERGE_H

#include "report.h"

struct converge_opts {
	unsigned int goal_pct;		/* 0: off */
	unsigned int max_iters;
	unsigned int downtime_ms;	/* 0: off */
};

/* The rule that ends the rounds after the last of @r's, or NULL: go on. */
const char *converge_stop(const struct report *r, const struct converge_opts *o);

#endif /* CRIU_MIGRATE_CONVERGE_H */
