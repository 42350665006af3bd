/* SPDX-License-Identifier: GPL-2.0 */
#ifndef CRIU_ACTION_SCRIPTS_H
#define CRIU_ACTION_SCRIPTS_H

#include <sys/types.h>

/* The steps at which --action-script programs run, as CRIU names them. */
enum script_action { ACT_PRE_DUMP, ACT_POST_DUMP, ACT_PRE_RESTORE, ACT_POST_RESTORE, ACT_NET_LOCK, ACT_NET_UNLOCK, ACT_SETUP_NS, ACT_POST_SETUP_NS, ACT_PRE_RESUME, ACT_POST_RESUME, ACT_ORPHAN_PTS_MASTER, ACT_STATUS_READY, ACT_MAX };
const char *script_action_name(enum script_action act);
/* Runs every --action-script, then the notifier if one is set. 0 or -errno. */
int run_scripts(enum script_action act);
/* The RPC layer's NOTIFY round trip; @fd is a descriptor to pass or -1. */
typedef int (*script_notify_fn)(enum script_action act, int fd);
void set_script_notifier(script_notify_fn fn);

/*
 * The pid scripts see as $CRTOOLS_INIT_PID from now on: restore learns
 * it from the images (dump takes -t PID).
 */
void set_script_init_pid(pid_t pid);
/* --status-fd: write one zero byte to it and close it. 0 or -errno. */
int status_ready(void);

#endif /* CRIU_ACTION_SCRIPTS_H */
