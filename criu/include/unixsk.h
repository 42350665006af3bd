/* SPDX-License-Identifier: GPL-2.0 */
#ifndef CRIU_UNIXSK_H
#define CRIU_UNIXSK_H

/*
 * Unix sockets: what sk-unix.c (dump, unixsk.img) and sk-unix-rst.c
 * (restore) share, the image's meaning; neither calls the other but
 * for the fd kind's restore ops (sk-unix-rst.h).
 *
 * unixsk.img holds every Unix socket of the tree behind a descriptor
 * (id: its files.img entry) and, with --ext-unix-sk, the named datagram
 * sockets outside the tree that some of them are connected to (id 0,
 * uflags USK_EXTERN). Sockets refer to each other by ino (peer). A
 * connected stream or seqpacket socket with peer 0 is one whose peer
 * was closed (a closed socket has no inode: a datagram socket connected
 * to one is restored unconnected, its next send fails with ENOTCONN
 * rather than ECONNREFUSED), or (with
 * icon_of, the listener's ino) one whose connection waits in a
 * listener's accept queue; those follow their listener in the image,
 * in the order of the queue.
 */

/* CRIU's uflags bits */
#define USK_EXTERN	(1 << 0)	/* outside the tree: only its name is known */

/* Linux's sk_shutdown bits, as sock_diag reports them */
#define UNIX_RCV_SHUTDOWN	1
#define UNIX_SEND_SHUTDOWN	2

/* TCP states the kernel also uses for Unix sockets */
#define UNIX_ST_ESTABLISHED	1
#define UNIX_ST_CLOSE		7
#define UNIX_ST_LISTEN		10

#define UNIX_NAME_MAX		108	/* sun_path */

#endif /* CRIU_UNIXSK_H */
