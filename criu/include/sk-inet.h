/* SPDX-License-Identifier: GPL-2.0 */
#ifndef CRIU_SK_INET_H
#define CRIU_SK_INET_H

/*
 * IPv4 and IPv6 sockets (sk-inet.c), established TCP connections
 * (sk-tcp.c) and the network lock that keeps their peers from seeing a
 * reset while the connections are down (net-lock.c).
 */
#include <stdbool.h>
#include <stdint.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/types.h>

#include "sk-inet.pb-c.h"

struct dump_session;
struct files_dump;
struct fd_parms;
struct rst_session;

/* Both ends of a connection, as the socket sees them. */
struct inet_conn {
	int family;
	struct sockaddr_storage src;	/* local */
	struct sockaddr_storage dst;	/* peer */
};

/* "ESTABLISHED", "FIN-WAIT1", ... */
const char *inet_state_name(unsigned int state);
/* "127.0.0.1:80 -> 127.0.0.1:4242" */
void inet_conn_str(const struct inet_conn *c, char *buf, size_t len);

/*
 * net-lock.c. One lock per dump or restore: a table of rules dropping
 * the packets of each locked connection, named after the root pid
 * (--network-lock nftables: table inet CRIU-PID; iptables: chain
 * CRIU-PID of the filter tables, jumped to from INPUT and OUTPUT).
 */
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

/* The mark that lets criu's own packets through the lock. */
#define NET_LOCK_MARK	0xC114

/*
 * net-guard.c: a child that holds a copy of each connection and, should
 * criu die during the dump, ends it the way the dump had got to.
 */
struct net_guard {
	pid_t pid;
	int wfd;
};

int net_guard_start(struct net_guard *g, int method, pid_t root_pid);
/* Socket @ino, fd @fd of @pid (criu's copy @sk), is about to be locked and repaired. */
int net_guard_note(struct net_guard *g, pid_t pid, int fd, unsigned long ino, int sk);
/* criu did what had to be done: the guard exits untouched. */
void net_guard_stop(struct net_guard *g);

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

/* sk-inet.c: the fd kind, and its use by the socket dispatch. */
bool inet_sk_family(int family);
int dump_inet_sk(struct files_dump *fdump, const struct fd_parms *p, int sk,
		 uint32_t *id);
int collect_inet_sk(struct rst_session *rs, const InetSkEntry *ie);

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

/*
 * sk-tcp.c. dump_tcp_conn() notes a connection while the descriptors
 * are dumped; inet_dump_streams(), once every task is dumped, locks each
 * and dumps it in repair mode: the window where a dying criu leaves a
 * connection in repair mode is only the end of the dump.
 */
int inet_dump_streams(struct dump_session *sess);
int dump_tcp_conn(struct files_dump *fdump, const struct fd_parms *p, int sk,
		  const InetSkEntry *ie, const struct inet_conn *c);
int restore_tcp_conn(struct rst_session *rs, int sk, const InetSkEntry *ie,
		     const struct inet_conn *c);
/* A connection was dumped (and locked), even if restored closed. */
int tcp_restore_saw_conn(struct rst_session *rs);
/* Remember restored connection @sk (criu's pre-opened descriptor). */
int tcp_restore_track(struct rst_session *rs, int sk, const InetSkEntry *ie);
/* Leave repair mode on the sockets tracked. */
int tcp_restore_fini(struct rst_session *rs, bool ok);
/*
 * sk-tcp-fin.c: send the socket of @c a segment as if from its peer:
 * ACK @ack, sequence @seq, and a FIN when @fin. It passes the lock.
 */
int tcp_inject(const struct inet_conn *c, uint32_t seq, uint32_t ack,
	       uint16_t window, bool fin);


#endif /* CRIU_SK_INET_H */
