/* SPDX-License-Identifier: GPL-2.0 */
#ifndef CRIU_SK_TCP_H
#define CRIU_SK_TCP_H

/*
 * sk-tcp.c: established TCP connections, for the inet socket kind
 * (sk-inet.c) that finds them and for the orchestrators that end a
 * dump or restore. dump_tcp_conn() notes a connection while the
 * descriptors are dumped; inet_dump_streams(), once every task is
 * dumped, locks each and dumps it in repair mode: the window where a
 * dying criu leaves a connection in repair mode is only the end of the
 * dump.
 */
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "inet-conn.h"
#include "net-guard.h"
#include "net-lock.h"

#include "sk-inet.pb-c.h"

struct dump_session;
struct files_dump;
struct fd_parms;
struct rst_session;

/* What a dump keeps across tasks: the connections put in repair mode. */
struct inet_dump {
	struct net_lock lock;
	struct net_guard guard;
	struct tcp_repaired {
		int sk;			/* criu's copy of the socket */
		pid_t pid;
		int fd;
		uint32_t ino;
		unsigned int state;	/* as files.img has it */
		struct inet_conn conn;
		bool repaired;		/* in repair mode now */
	} *conns;
	unsigned int nr_conns;
};

/*
 * The end of a dump: @ok and the tree killed: each connection back in
 * repair mode, criu's copies closed (the sockets die silently), the lock
 * kept for restore; @ok and --leave-running, or a failed dump: unlocked,
 * the connections go on. 0, or -errno if a connection could not be put
 * back in repair mode (its peer will see it end).
 */
int inet_dump_fini(struct dump_session *sess, bool ok);

/* The end of a restore: on success unlock and leave repair mode. */
int inet_restore_fini(struct rst_session *rs, pid_t root_pid, bool ok);

int inet_dump_streams(struct dump_session *sess);
int dump_tcp_conn(struct files_dump *fdump, const struct fd_parms *p, int sk,
		  const InetSkEntry *ie, const struct inet_conn *c);
int restore_tcp_conn(struct rst_session *rs, int sk, const InetSkEntry *ie,
		     const struct inet_conn *c);
/* A connection was dumped (and locked), even if restored closed. */
int tcp_restore_saw_conn(struct rst_session *rs);
/* Remember restored connection @sk (criu's pre-opened descriptor). */
int tcp_restore_track(struct rst_session *rs, int sk, const InetSkEntry *ie);

#endif /* CRIU_SK_TCP_H */
