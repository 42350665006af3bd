// SPDX-License-Identifier: GPL-2.0
#include <signal.h>
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
	/* CRIU_FAULT_KILL=1: die there instead, as a killed criu would. */
	env = getenv("CRIU_FAULT_KILL");
	if (env && *env == '1')
		raise(SIGKILL);
	return true;
}
