// SPDX-License-Identifier: GPL-2.0
/*
 * Action script hooks. This minimal version only forwards each action to
 * the notifier an RPC client registered (criu/rpc-notify.c); running the
 * --action-script programs themselves is the command line's part.
 */
#include <stddef.h>

#include "action-scripts.h"
#include "log.h"

static const char *const action_names[ACT_MAX] = {
	[ACT_PRE_DUMP]		= "pre-dump",
	[ACT_POST_DUMP]		= "post-dump",
	[ACT_PRE_RESTORE]	= "pre-restore",
	[ACT_POST_RESTORE]	= "post-restore",
	[ACT_NET_LOCK]		= "network-lock",
	[ACT_NET_UNLOCK]	= "network-unlock",
	[ACT_SETUP_NS]		= "setup-namespaces",
	[ACT_POST_SETUP_NS]	= "post-setup-namespaces",
	[ACT_PRE_RESUME]	= "pre-resume",
	[ACT_POST_RESUME]	= "post-resume",
	[ACT_ORPHAN_PTS_MASTER]	= "orphan-pts-master",
	[ACT_STATUS_READY]	= "status-ready",
};

static script_notify_fn notifier;

const char *script_action_name(enum script_action act)
{
	if ((unsigned int)act >= ACT_MAX)
		return NULL;
	return action_names[act];
}

void set_script_notifier(script_notify_fn fn)
{
	notifier = fn;
}

int run_scripts(enum script_action act)
{
	int ret;

	if (!notifier)
		return 0;
	ret = notifier(act, -1);
	if (ret)
		pr_err("Action %s failed: %d\n", script_action_name(act), ret);
	return ret;
}
