// SPDX-License-Identifier: GPL-2.0
/*
 * sk_tcp_states: half-closed and closed TCP connections over 127.0.0.1
 * and ::1, both ends in this process:
 *   half:  the client sent "early", then shut down writing (FIN-WAIT2);
 *          the server (CLOSE-WAIT) sent "late", unread;
 *   rdonly: the client shut down reading only (ESTABLISHED);
 *   closed: both shut down writing: both sockets CLOSE.
 * After restore: the states (TCP_INFO), the server reads "early" and
 * then end of file, the client reads "late" and can't send; the server
 * still sends and its FIN arrives; the read-shut client reads end of
 * file at once but sends; both closed sockets read end of file.
 */
#include <errno.h>
#include <netinet/tcp.h>
#include <string.h>
#include <unistd.h>

#include "inet.h"
#include "zdtmtst.h"

struct pairs {
	int family, lsk;
	unsigned int port;
	int hc, hs;		/* half: client, server */
	int rc, rs;		/* rdonly */
	int cc, cs;		/* closed */
};

static struct pairs prs[2] = { { .family = AF_INET }, { .family = AF_INET6 } };

static int make(struct pairs *p)
{
	char buf[16];

	p->lsk = inet_listener(p->family, 4, &p->port);
	if (p->lsk < 0 || inet_tcp_pair(p->family, p->lsk, &p->hc, &p->hs) ||
	    inet_tcp_pair(p->family, p->lsk, &p->rc, &p->rs) ||
	    inet_tcp_pair(p->family, p->lsk, &p->cc, &p->cs))
		return -1;
	if (send(p->hc, "early", 5, 0) != 5 || shutdown(p->hc, SHUT_WR) ||
	    shutdown(p->rc, SHUT_RD) || shutdown(p->cc, SHUT_WR) || shutdown(p->cs, SHUT_WR))
		return -1;
	usleep(100000);
	if (send(p->hs, "late", 4, 0) != 4)
		return -1;
	/* the closed pair has nothing left to read but the ends of file */
	if (recv(p->cc, buf, sizeof(buf), 0) != 0 || recv(p->cs, buf, sizeof(buf), 0) != 0)
		return -1;
	usleep(100000);
	if (inet_tcp_state(p->hc) != TCP_FIN_WAIT2 || inet_tcp_state(p->hs) != TCP_CLOSE_WAIT ||
	    inet_tcp_state(p->cc) != TCP_CLOSE || inet_tcp_state(p->cs) != TCP_CLOSE) {
		fail("family %d: states %d %d %d %d before the dump", p->family, inet_tcp_state(p->hc),
		     inet_tcp_state(p->hs), inet_tcp_state(p->cc), inet_tcp_state(p->cs));
		return -1;
	}
	return 0;
}

static int check(struct pairs *p)
{
	int f = p->family;

	if (inet_tcp_state(p->hc) != TCP_FIN_WAIT2 || inet_tcp_state(p->hs) != TCP_CLOSE_WAIT ||
	    inet_tcp_state(p->rc) != TCP_ESTABLISHED) {
		fail("family %d: states %d %d %d after restore", f, inet_tcp_state(p->hc), inet_tcp_state(p->hs),
		     inet_tcp_state(p->rc));
		return -1;
	}
	if (inet_read_is(p->hs, "early", 3000, "CLOSE-WAIT server") || inet_read_is(p->hs, "", 3000, "CLOSE-WAIT EOF"))
		return -1;
	if (inet_read_is(p->hc, "late", 3000, "FIN-WAIT2 client"))
		return -1;
	if (send(p->hc, "x", 1, MSG_NOSIGNAL) != -1 || errno != EPIPE) {
		fail("family %d: the FIN-WAIT2 client can send", f);
		return -1;
	}
	if (send(p->hs, "more", 4, 0) != 4 || inet_read_is(p->hc, "more", 3000, "FIN-WAIT2 after") ||
	    shutdown(p->hs, SHUT_WR) || inet_read_is(p->hc, "", 3000, "FIN-WAIT2 EOF"))
		return -1;
	if (inet_read_is(p->rc, "", 3000, "read-shut client"))
		return -1;
	if (send(p->rc, "still", 5, 0) != 5 || inet_read_is(p->rs, "still", 3000, "read-shut peer"))
		return -1;
	if (inet_read_is(p->cc, "", 3000, "closed client") || inet_read_is(p->cs, "", 3000, "closed server"))
		return -1;
	return 0;
}

int main(int argc, char **argv)
{
	int ret = test_init(argc, argv, 0);
	unsigned int i;

	if (ret)
		return test_init_exit(ret);
	for (i = 0; i < 2; i++)
		if (make(&prs[i])) {
			if (!test_failed())
				fail("family %d: setup: %m", prs[i].family);
			return 1;
		}
	if (test_daemon())
		return 1;
	test_waitsig();
	if (test_broken()) {
		char b[8];

		recv(prs[1].hs, b, sizeof(b), MSG_DONTWAIT);
	}
	for (i = 0; i < 2; i++)
		if (check(&prs[i]))
			return 1;
	pass();
	return 0;
}
