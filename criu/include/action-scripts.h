/* SPDX-License-Identifier: GPL-2.0 */
#ifndef CRIU_ACTION_SCRIPTS_H
#define CRIU_ACTION_SCRIPTS_H

enum script_action { ACT_PRE_DUMP, ACT_POST_DUMP, ACT_PRE_RESTORE, ACT_POST_RESTORE, ACT_NET_LOCK, ACT_NET_UNLOCK, ACT_SETUP_NS, ACT_POST_SETUP_NS, ACT_PRE_RESUME, ACT_POST_RESUME, ACT_ORPHAN_PTS_MASTER, ACT_STATUS_READY, ACT_MAX };
const char *script_action_name(enum script_action act);
int run_scripts(enum script_action act);   /* runs --action-scripts, then the notifier if set */
typedef int (*script_notify_fn)(enum script_action act, int fd);
void set_script_notifier(script_notify_fn fn);

#endif /* CRIU_ACTION_SCRIPTS_H */
