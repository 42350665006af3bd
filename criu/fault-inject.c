// SPDX-License-Identifier: GPL-2.0
#include <stdlib.h>

#include "fault-inject.h"
#include "log.h"

static int fault_point = -1;

bool fault_injected(enum fault_point fp)
{
	const char *env;

	if (fault_point < 0) {
		env = getenv("CRIU_FAULT");
		fault_point = env ? atoi(env) : FI_NONE;
	}
	if (fault_point == FI_NONE || fault_point != (int)fp)
		return false;
	pr_err("Fault %d injected (CRIU_FAULT)\n", fp);
	return true;
}
