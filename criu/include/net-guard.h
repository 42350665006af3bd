/* SPDX-License-Identifier: GPL-2.0 */
#ifndef CRIU_NET_GUARD_H
#define CRIU_NET_GUARD_H

/*
 * net-guard.c: a child that holds a copy of each connection and, should
 * criu die during the dump, ends it the way the dump had got to.
 */
#include <sys/types.h>

struct net_guard {
	pid_t pid;
	int wfd;
};

int net_guard_start(struct net_guard *g, int method, pid_t root_pid);
/* Socket @ino, fd @fd of @pid (criu's copy @sk), is about to be locked and repaired. */
int net_guard_note(struct net_guard *g, pid_t pid, int fd, unsigned long ino, int sk);
/* criu did what had to be done: the guard exits untouched. */
void net_guard_stop(struct net_guard *g);

#endif /* CRIU_NET_GUARD_H */
