/* SPDX-License-Identifier: GPL-2.0 */
#ifndef CRIU_RPC_NOTIFY_H
#define CRIU_RPC_NOTIFY_H

#include <sys/types.h>

/*
 * NOTIFY round trips of an RPC session: each action script becomes a
 * criu_resp of type NOTIFY naming the action, and the client's
 * criu_req NOTIFY answers it (notify_success).
 */
int rpc_notify_start(int sk);
/* The restored root pid, reported with post-restore and setup-namespaces. */
void notify_set_root_pid(pid_t pid);
pid_t notify_root_pid(void);

#endif /* CRIU_RPC_NOTIFY_H */
