/* SPDX-License-Identifier: LGPL-2.1 */
#ifndef CRIU_OOH_LIBCRIU_INTERNAL_H
#define CRIU_OOH_LIBCRIU_INTERNAL_H

#include "criu.h"

/* One set of options: the RPC criu_opts plus how to reach criu. */
struct criu_opts {
	CriuOpts *rpc;
	int (*notify)(char *action, criu_notify_arg_t na);
	enum criu_service_comm service_comm;
	char *service_address;		/* CRIU_COMM_SK */
	int service_fd;			/* CRIU_COMM_FD */
	char *service_binary;		/* CRIU_COMM_BIN */
	pid_t swrk_pid;
};

/* The options of the criu_set_*() calls without a criu_opts argument. */
extern criu_opts *libcriu_global_opts;

#endif
