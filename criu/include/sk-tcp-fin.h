/* SPDX-License-Identifier: GPL-2.0 */
#ifndef CRIU_SK_TCP_FIN_H
#define CRIU_SK_TCP_FIN_H

#include <stdbool.h>
#include <stdint.h>

#include "inet-conn.h"

/*
 * sk-tcp-fin.c: send the socket of @c a segment as if from its peer:
 * ACK @ack, sequence @seq, and a FIN when @fin. It passes the lock.
 */
int tcp_inject(const struct inet_conn *c, uint32_t seq, uint32_t ack,
	       uint16_t window, bool fin);

#endif /* CRIU_SK_TCP_FIN_H */
