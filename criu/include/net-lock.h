/* SPDX-License-Identifier: GPL-2.0 */
#ifndef CRIU_NET_LOCK_H
#define CRIU_NET_LOCK_H

/*
 * net-lock.c. One lock per dump or restore: a table of rules dropping
 * the packets of each locked connection, named after the root pid
 * (--network-lock nftables: table inet CRIU-PID; iptables: chain
 * CRIU-PID of the filter tables, jumped to from INPUT and OUTPUT).
 */
#include <sys/types.h>

#include "inet-conn.h"

struct net_lock {
	pid_t root_pid;
	int method;			/* enum network_lock_method */
	unsigned int created;		/* NET_LOCK_*: what was made */
	unsigned int nr_conns;
};

/* Drop the packets of @c from now on. 0 or -errno. */
int net_lock_conn(struct net_lock *nl, const struct inet_conn *c);
/* Remove the rules of @root_pid's lock, if there are any. 0 or -errno. */
int net_unlock(int method, pid_t root_pid);
#define NET_LOCK_NFT	0x1		/* table inet CRIU-PID */
#define NET_LOCK_IPT4	0x2		/* chain CRIU-PID of iptables */
#define NET_LOCK_IPT6	0x4		/* chain CRIU-PID of ip6tables */

#endif /* CRIU_NET_LOCK_H */
