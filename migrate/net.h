/* SPDX-License-Identifier: GPL-2.0 */
#ifndef CRIU_MIGRATE_NET_H
#define CRIU_MIGRATE_NET_H

#include <stdbool.h>
#include <stddef.h>

/* A listening TCP socket on @addr (NULL: every address) and @port. */
int net_listen(const char *addr, int port);
int net_connect(const char *addr, int port, int timeout_s);
/* Bound every send and receive on @sk to @timeout_s seconds. */
int net_set_timeout(int sk, int timeout_s);
/* Bound only the receives on @sk to @timeout_s seconds (0: no bound). */
int net_set_recv_wait(int sk, int timeout_s);
/* The numeric address of the local end of @sk, in @buf. */
int net_local_addr(int sk, char *buf, size_t size);
int net_peer_addr(int sk, char *buf, size_t size);
/* 0, or -ENODATA closed before the first byte, -EPIPE closed later, -errno. */
int net_read(int sk, void *buf, size_t len);
/* All of @buf, or -errno; @more: the next write continues the message (MSG_MORE). */
int net_write(int sk, const void *buf, size_t len, bool more);

#endif /* CRIU_MIGRATE_NET_H */
