// SPDX-License-Identifier: GPL-2.0
/* Named fault points for the failure tests (CRIU_MIGRATE_FAULT). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fault.h"

bool mig_fault(const char *point)
{
	const char *want = getenv("CRIU_MIGRATE_FAULT");

	if (!want || strcmp(want, point))
		return false;
	fprintf(stderr, "criu-migrate: fault %s injected\n", point);
	fflush(stderr);
	return true;
}
