/* SPDX-License-Identifier: GPL-2.0 */
#ifndef CRIU_RPC_H
#define CRIU_RPC_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "rpc.pb-c.h"

/* The client at the other end of an RPC socket. */
struct rpc_peer {
	int sk;
	pid_t pid;		/* SO_PEERCRED: whose /proc/PID/fd the fds are */
	bool swrk;		/* criu swrk (a child of the client), not criu service */
};

/*
 * One message per SOCK_SEQPACKET packet. rpc_recv_req() returns 0,
 * -ECONNRESET when the client closed the socket, -EBADMSG for a packet
 * that is not a criu_req, or another -errno.
 */
int rpc_recv_req(int sk, CriuReq **req);
/* Sends @resp, with descriptor @fd attached by SCM_RIGHTS if fd >= 0. */
int rpc_send_resp(int sk, const CriuResp *resp, int fd);

/*
 * Apply the criu_opts of a request to struct cr_options (rpc-opts.c):
 * images and work dir (the client's descriptors), log, and every other
 * field by the mapping table. A field criu-ooh does not support fails
 * the request with an error naming it. 0 or -errno (already logged).
 */
int rpc_setup_opts(const CriuOpts *ro, const struct rpc_peer *peer, bool need_images);
/* -ENOENT, naming them, if fields of rpc.proto have no row in the table. */
int rpc_opts_check_table(void);

/* The session loop of one connection (cr-service.c). */
int rpc_serve(struct rpc_peer *peer);
/* `criu swrk FD` and `criu service [...]` (cr-service.c, service.c). */
int cr_swrk(const char *fd_arg);
int cr_service_main(int argc, char **argv);

#endif /* CRIU_RPC_H */
